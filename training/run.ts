import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { createRequire } from "node:module";
import type { ActiveBackend } from "./backend.ts";
import { loadDigitData, splitValidation } from "./dataset.ts";
import { EpochProgress } from "./progress.ts";
import { PRESETS, type Recipe } from "./presets.ts";
import { denseSpecs, setDenseKernels, type DenseFactory } from "./model.ts";
import { storeKernel, type WeightFormat } from "./quantize.ts";
import { predictProbabilities, trainModel } from "./train.ts";
import { classificationMetrics, type ClassificationMetrics } from "./metrics.ts";
import { buildOnnxModel } from "./onnx-export.ts";
import { verifyExport } from "./verify-export.ts";
import { buildModelCard, CARD_FILE, CHECKPOINT_FILE, describeData, MODEL_NAME, ONNX_FILE, REPORT_FILE, type ModelCard } from "./model-card.ts";
import { renderReport } from "./report.ts";
import { writeAtomic } from "./atomic-write.ts";

export interface RunOptions {
  recipe: Recipe;
  dataDir: string;
  /** Names of the 10 classes (--labels); default the digits 0–9. */
  labels?: string[];
  outDir: string;
  backend: ActiveBackend;
  dense: DenseFactory;
  resume: boolean;
  /** How the exported kernels are stored: float32, or quantized to float16 / int8. */
  weights: WeightFormat;
  log: (line: string) => void;
  interrupted: () => boolean;
}

export interface RunResult {
  status: "done" | "interrupted";
  card?: ModelCard;
  files?: string[];
}

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  return (require("../package.json") as { version: string }).version;
}

function formatConfusion(metrics: ClassificationMetrics): string {
  const header = `true\\pred ${metrics.confusion.map((_, index) => String(index).padStart(5)).join("")}`;
  const rows = metrics.confusion.map((row, digit) => `${String(digit).padStart(9)} ${row.map((n) => String(n).padStart(5)).join("")}`);
  return [header, ...rows].join("\n");
}

/** Loads data, trains, evaluates, exports to ONNX, verifies the export and writes the artifacts. */
export async function runTraining(options: RunOptions): Promise<RunResult> {
  const { recipe, log } = options;
  const data = await loadDigitData(options.dataDir, recipe.limit);
  const { train, validation } = splitValidation(data.train, recipe.valSplit);
  const described = describeData(data.dir, options.labels);
  log(`Data: ${data.dir} — ${train.count} train, ${validation.count} validation, ${data.test.count} test images`);
  if (options.labels) log(`Classes: ${described.labels.map((name, index) => `${index} = ${name}`).join(", ")}`);
  log(`Recipe: ${JSON.stringify(recipe)}`);

  const started = performance.now();
  const outcome = await trainModel({
    recipe,
    train,
    validation,
    dense: options.dense,
    checkpointPath: join(options.outDir, CHECKPOINT_FILE),
    resume: options.resume,
    progress: new EpochProgress(recipe.epochs),
    log,
    interrupted: options.interrupted,
  });
  if (outcome.interrupted) {
    outcome.model.dispose();
    return { status: "interrupted" };
  }
  const { state } = outcome;
  const trainingSeconds = (performance.now() - started) / 1000;
  const epochsRun = state.history.filter((e) => e.seconds > 0).length;
  const fitSeconds = state.history.reduce((s, e) => s + e.seconds, 0);

  const lastProbabilities = await predictProbabilities(outcome.model, data.test);
  const lastEpochTest = classificationMetrics(lastProbabilities, data.test.labels);
  const keptEpoch = recipe.keep !== "last" && outcome.bestWeights && state.best ? state.best.epoch : state.completedEpochs;
  let float32Probabilities = lastProbabilities;
  if (outcome.emaWeights) {
    outcome.model.setWeights(outcome.emaWeights);
    float32Probabilities = await predictProbabilities(outcome.model, data.test);
    log(
      `Using the moving average of the weights (decay ${recipe.ema}); for comparison, the last step's weights ` +
        `score ${(lastEpochTest.accuracy * 100).toFixed(2)}% on the test set.`,
    );
  } else if (keptEpoch !== state.completedEpochs) {
    outcome.model.setWeights(outcome.bestWeights!);
    float32Probabilities = await predictProbabilities(outcome.model, data.test);
    log(
      `Keeping the weights of epoch ${keptEpoch} (best ${state.best!.metric} ${state.best!.value.toFixed(4)}); ` +
        `for comparison, the last epoch's weights score ${(lastEpochTest.accuracy * 100).toFixed(2)}% on the test set.`,
    );
  }
  tf.dispose([...(outcome.bestWeights ?? []), ...(outcome.emaWeights ?? [])]);
  const validationMetrics = validation.count > 0 ? classificationMetrics(await predictProbabilities(outcome.model, validation), validation.labels) : undefined;
  const float32Test = classificationMetrics(float32Probabilities, data.test.labels);
  log(`\nTest: loss ${float32Test.loss.toFixed(4)} - accuracy ${(float32Test.accuracy * 100).toFixed(2)}% on ${float32Test.count} images`);
  log(`Per-class accuracy: ${float32Test.perClassAccuracy.map((a, d) => `${d}: ${(a * 100).toFixed(1)}%`).join("  ")}`);
  log(`Confusion matrix:\n${formatConfusion(float32Test)}`);

  const layers = denseSpecs(outcome.model).map((layer) => ({ ...layer, stored: storeKernel(layer.kernel, layer.inputs, layer.units, options.weights) }));
  let probabilities = float32Probabilities;
  let test = float32Test;
  if (options.weights !== "float32") {
    // The exported model must compute what the trained model computes with the kernels it stores.
    setDenseKernels(outcome.model, layers.map((layer) => (layer.stored.format === "float32" ? layer.kernel : layer.stored.dequantized)));
    probabilities = await predictProbabilities(outcome.model, data.test);
    test = classificationMetrics(probabilities, data.test.labels);
    const cost = (float32Test.accuracy - test.accuracy) * 100;
    log(`${options.weights} weights: test accuracy ${(test.accuracy * 100).toFixed(2)}% (${cost >= 0 ? "−" : "+"}${Math.abs(cost).toFixed(2)} points against float32)`);
  }

  const published = PRESETS[recipe.preset].published;
  const onnx = buildOnnxModel({
    layers,
    producerVersion: packageVersion(),
    docString: described.mnist
      ? `MNIST digit classifier (${recipe.preset} recipe, ${options.weights} weights) trained with TensorFlow.js`
      : `Classifier of 28×28 images from ${data.dir} (${recipe.preset} recipe, ${options.weights} weights) trained with TensorFlow.js`,
    metadata: {
      recipe: JSON.stringify(recipe),
      weights: options.weights,
      test_accuracy: test.accuracy.toFixed(4),
      preprocessing: described.inputConvention,
      labels: described.labels.join(","),
      backend: options.backend.name,
    },
  });
  outcome.model.dispose();
  const verification = await verifyExport(onnx, data.test, { probabilities, accuracy: test.accuracy });
  log(`Export verified with ${verification.runtime}: accuracy ${(verification.accuracy * 100).toFixed(2)}%, largest probability difference ${verification.maxProbabilityDifference.toExponential(2)}`);

  const card = buildModelCard({
    onnx,
    weights: options.weights,
    float32TestAccuracy: float32Test.accuracy,
    recipe,
    backend: options.backend,
    dataDir: data.dir,
    data: described,
    counts: { train: train.count, validation: validation.count, test: data.test.count },
    state,
    keptEpoch,
    lastEpochTest,
    validation: validationMetrics,
    stoppedEarly: outcome.stoppedEarly,
    trainingSeconds,
    samplesPerSecond: epochsRun > 0 ? (train.count * epochsRun) / fitSeconds : 0,
    test,
    verification,
    published,
  });
  const report = await renderReport({
    title: `${MODEL_NAME} — ${recipe.preset} recipe`,
    summary: {
      "test accuracy": described.mnist
        ? `${(test.accuracy * 100).toFixed(2)}% (published: ${(published.accuracy * 100).toFixed(2)}%, ${published.source})`
        : `${(test.accuracy * 100).toFixed(2)}% on ${data.dir} (the tutorial's published figure is for MNIST)`,
      "test loss": test.loss.toFixed(4),
      backend: `${options.backend.name} — ${options.backend.reason}`,
      epochs: `${state.completedEpochs}, weights from ${card.training.weightsFrom}`,
      "training time": `${trainingSeconds.toFixed(0)} s (${card.training.samplesPerSecond} samples/s)`,
      "ONNX check": `${verification.runtime}: same accuracy, max |Δp| ${verification.maxProbabilityDifference.toExponential(2)}`,
      sha256: card.sha256,
      recipe: JSON.stringify(recipe),
    },
    history: state.history,
    test,
    testSet: data.test,
    testProbabilities: probabilities,
  });

  // The card goes last: it names the ONNX file's sha256, so card and model agree once both are in place.
  const files = [join(options.outDir, ONNX_FILE), join(options.outDir, REPORT_FILE), join(options.outDir, CARD_FILE)];
  await writeAtomic(files[0], onnx);
  await writeAtomic(files[1], report);
  await writeAtomic(files[2], `${JSON.stringify(card, null, 2)}\n`);
  return { status: "done", card, files };
}
