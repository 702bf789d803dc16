import { Command, InvalidArgumentError, Option } from "commander";
import { resolve } from "node:path";
import { BACKEND_CHOICES, selectBackend, type BackendChoice } from "./backend.ts";
import { CLASS_COUNT, defaultDataDir } from "./dataset.ts";
import { DEFAULT_SEED, KEEP_CHOICES, PRESET_NAMES, presetRecipe, type KeepWeights, type HiddenActivation, type OptimizerName, type PresetName, type Recipe } from "./presets.ts";
import { stockDense } from "./model.ts";
import { fastDense } from "./fast-dense.ts";
import { runTraining } from "./run.ts";
import { IdxError } from "./idx.ts";
import { ExportMismatchError } from "./verify-export.ts";

function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number ≥ ${min}, got '${value}'`);
    return n;
  };
}

function fraction(maxExclusive: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0 || n >= maxExclusive) throw new InvalidArgumentError(`expected a number in [0, ${maxExclusive}), got '${value}'`);
    return n;
  };
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

/** --labels: one name per class, comma-separated. */
function classNames(value: string): string[] {
  const names = value.split(",").map((name) => name.trim());
  if (names.length !== CLASS_COUNT || names.some((name) => name === "") || new Set(names).size !== names.length) {
    throw new InvalidArgumentError(`expected ${CLASS_COUNT} different comma-separated class names, got ${names.length}.`);
  }
  return names;
}

function layerSizes(value: string): number[] {
  const sizes = value.split(",").map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(`expected comma-separated layer widths such as 512,512, got '${value}'`);
  }
  return sizes;
}

interface CliOptions {
  preset: PresetName;
  epochs?: number;
  batchSize?: number;
  hidden?: number[];
  activation?: HiddenActivation;
  optimizer?: OptimizerName;
  lr?: number;
  valSplit?: number;
  dropout?: number;
  patience?: number;
  keep?: KeepWeights;
  ema?: number;
  seed: number;
  limit?: number;
  data: string;
  labels?: string[];
  out: string;
  backend: BackendChoice;
  dense: "fast" | "stock";
  resume: boolean;
  quantize: "none" | "int8" | "fp16";
}

const program = new Command()
  .name("npm run train --")
  .description("Train an MNIST multilayer perceptron with TensorFlow.js and export it to a verified ONNX model.")
  .addOption(new Option("--preset <name>", "training recipe").choices(PRESET_NAMES).default("mlp"))
  .option("--epochs <n>", "number of epochs", integer(1))
  .option("--batch-size <n>", "samples per gradient step", integer(1))
  .option("--hidden <widths>", "hidden layer widths, e.g. 512,512", layerSizes)
  .addOption(new Option("--activation <fn>", "hidden-layer activation").choices(["relu", "sigmoid"]))
  .addOption(new Option("--optimizer <name>", "optimizer").choices(["adam", "sgd", "rmsprop"]))
  .option("--lr <rate>", "learning rate", positiveNumber)
  .option("--val-split <fraction>", "fraction of the training set held out for validation", fraction(1))
  .option("--dropout <rate>", "dropout rate after each hidden layer (0 = none)", fraction(1))
  .option("--ema <decay>", "use an exponential moving average of the weights with this decay, e.g. 0.999 (0 = off)", fraction(1))
  .option("--patience <epochs>", "early stopping: stop after this many epochs without a better val_loss (0 = off)", integer(0))
  .addOption(new Option("--keep <which>", "which epoch's weights to keep: the last, or the best on the validation set").choices(KEEP_CHOICES))
  .option("--seed <n>", "seed for initial weights, shuffling and the split", integer(0), DEFAULT_SEED)
  .option("--limit <n>", "train on the first N training images only", integer(1))
  .option("--data <dir>", "folder with train-/t10k- IDX files (optionally .gz)", defaultDataDir())
  .option("--labels <names>", "names of the 10 classes for the model card, comma-separated (default: the digits 0-9)", classNames)
  .option("--out <dir>", "where the model, its card and report are written", "model")
  .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(BACKEND_CHOICES).default("auto"))
  .addOption(new Option("--dense <impl>", "dense layer: fast (exact gradients without transposed matMuls) or stock tf.layers.dense").choices(["fast", "stock"]).default("fast"))
  .addOption(new Option("--quantize <format>", "store the exported weights as int8 (per-output-channel scales) or fp16").choices(["none", "int8", "fp16"]).default("none"))
  .option("--resume", "continue from the checkpoint in --out", false)
  .showHelpAfterError("(run with --help for all options)");

function recipeFrom(options: CliOptions): Recipe {
  const recipe = presetRecipe(options.preset, options.seed);
  const overrides: Partial<Recipe> = {
    epochs: options.epochs,
    batchSize: options.batchSize,
    hidden: options.hidden,
    activation: options.activation,
    optimizer: options.optimizer,
    learningRate: options.lr,
    valSplit: options.valSplit,
    dropout: options.dropout,
    patience: options.patience,
    keep: options.keep,
    ema: options.ema,
    limit: options.limit,
  };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) (recipe as unknown as Record<string, unknown>)[key] = value;
  if ((recipe.keep !== "last" || recipe.patience > 0) && recipe.valSplit === 0) {
    throw new InvalidArgumentError(`--keep ${recipe.keep} and --patience need a validation set: set --val-split above 0 (or --keep last)`);
  }
  if (recipe.ema > 0 && recipe.keep !== "last") {
    throw new InvalidArgumentError("--ema averages the weights up to the last step: use it with --keep last");
  }
  return recipe;
}

async function main(): Promise<number> {
  program.parse();
  const options = program.opts<CliOptions>();
  let recipe: Recipe;
  try {
    recipe = recipeFrom(options);
  } catch (error) {
    program.error(`error: ${(error as Error).message}`);
  }
  const backend = await selectBackend(options.backend);
  console.log(`Backend: ${backend.name} — ${backend.reason}`);

  let stopRequested = false;
  process.on("SIGINT", () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    console.log("\nStopping after this batch (Ctrl-C again to quit at once); the files in --out are left as they were.");
  });

  const result = await runTraining({
    recipe: recipe!,
    dataDir: resolve(options.data),
    labels: options.labels,
    outDir: resolve(options.out),
    backend,
    dense: options.dense === "fast" ? fastDense : stockDense,
    resume: options.resume,
    weights: ({ none: "float32", int8: "int8", fp16: "float16" } as const)[options.quantize],
    log: (line) => console.log(line),
    interrupted: () => stopRequested,
  });
  if (result.status === "interrupted") {
    console.log(`Interrupted. The previous model in ${options.out} is untouched; continue with --resume.`);
    return 130;
  }
  console.log(`\nWrote ${result.files!.join(", ")}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known = error instanceof IdxError || error instanceof ExportMismatchError || error instanceof InvalidArgumentError;
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message}`);
    if (!known && process.env.DEBUG) console.error(error);
    process.exit(1);
  },
);
