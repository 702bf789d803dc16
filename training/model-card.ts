import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { defaultDataDir } from "./dataset.ts";
import type { ActiveBackend } from "./backend.ts";
import type { TrainingState } from "./checkpoint.ts";
import type { ClassificationMetrics } from "./metrics.ts";
import type { Recipe } from "./presets.ts";
import type { WeightFormat } from "./quantize.ts";
import { INPUT_NAME, OPSET, OUTPUT_NAME } from "./onnx-export.ts";

export const MODEL_NAME = "mnist-mlp";
export const ONNX_FILE = `${MODEL_NAME}.onnx`;
export const CARD_FILE = `${MODEL_NAME}.json`;
export const REPORT_FILE = `${MODEL_NAME}.report.html`;
export const CHECKPOINT_FILE = `${MODEL_NAME}.ckpt`;

export const INPUT_CONVENTION =
  "MNIST: white digit on black, fitted into a 20×20 box keeping its aspect ratio, centred by centre of mass in 28×28, row-major, values in [0,1]";
export const DIGIT_LABELS = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** What the model's classes and inputs are: MNIST's digits (the default data), or another IDX set's classes. */
export interface DataDescription {
  mnist: boolean;
  /** One name per output index. */
  labels: string[];
  /** How an input is laid out, as the card and the ONNX metadata state it. */
  inputConvention: string;
  outputMeaning: string;
}

export function describeData(dataDir: string, labels?: string[]): DataDescription {
  const mnist = resolve(dataDir) === resolve(defaultDataDir());
  return {
    mnist,
    labels: labels ?? DIGIT_LABELS,
    inputConvention: mnist ? INPUT_CONVENTION : `28×28 images as stored in the IDX files of ${resolve(dataDir)}, row-major, values in [0,1]`,
    outputMeaning: mnist ? "class probabilities (softmax), index = digit" : "class probabilities (softmax), index = class, named in labels",
  };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export interface CardInput {
  onnx: Uint8Array;
  weights: WeightFormat;
  /** Test accuracy of the unquantized weights (equal to test.accuracy for float32). */
  float32TestAccuracy: number;
  recipe: Recipe;
  backend: ActiveBackend;
  dataDir: string;
  data: DataDescription;
  counts: { train: number; validation: number; test: number };
  state: TrainingState;
  /** The epoch whose weights the model holds. */
  keptEpoch: number;
  /** Test metrics of the last epoch's raw weights (the same as test when those are the kept weights). */
  lastEpochTest: ClassificationMetrics;
  /** Validation metrics of the kept weights. */
  validation?: ClassificationMetrics;
  stoppedEarly: boolean;
  trainingSeconds: number;
  samplesPerSecond: number;
  test: ClassificationMetrics;
  verification: { runtime: string; accuracy: number; maxProbabilityDifference: number };
  /** The tutorial's published MNIST accuracy; left out of the card for other data. */
  published: { accuracy: number; source: string };
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

/** The model card: everything a user needs to trust, reproduce and serve the model. */
export function buildModelCard(input: CardInput) {
  const last = input.state.history[input.state.history.length - 1];
  const chosen = input.state.history.find((e) => e.epoch === input.keptEpoch) ?? last;
  const usesEma = input.recipe.ema > 0;
  const keptLast = input.keptEpoch === input.state.completedEpochs && !usesEma;
  return {
    name: MODEL_NAME,
    file: ONNX_FILE,
    sha256: sha256Hex(input.onnx),
    bytes: input.onnx.length,
    created: new Date().toISOString(),
    format: {
      opset: OPSET,
      weights: input.weights,
      input: { name: INPUT_NAME, dtype: "float32", shape: ["N", 784], convention: input.data.inputConvention },
      output: { name: OUTPUT_NAME, dtype: "float32", shape: ["N", 10], meaning: input.data.outputMeaning },
    },
    labels: input.data.labels,
    recipe: input.recipe,
    data: { dir: input.dataDir, ...input.counts },
    backend: input.backend,
    training: {
      epochs: input.state.completedEpochs,
      keptEpoch: input.keptEpoch,
      weightsFrom: usesEma
        ? `moving average of the weights (decay ${input.recipe.ema}) at the end of epoch ${input.keptEpoch}`
        : keptLast
          ? "last epoch"
          : `epoch ${input.keptEpoch}, best ${input.state.best?.metric} (${input.recipe.keep})`,
      stoppedEarly: input.stoppedEarly,
      seconds: round(input.trainingSeconds, 1),
      samplesPerSecond: Math.round(input.samplesPerSecond),
      history: input.state.history.map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, typeof v === "number" ? round(v) : v]))),
    },
    metrics: {
      train: chosen ? { loss: round(chosen.loss), accuracy: round(chosen.acc) } : undefined,
      validation: input.validation ? { loss: round(input.validation.loss), accuracy: round(input.validation.accuracy) } : undefined,
      test: {
        count: input.test.count,
        loss: round(input.test.loss),
        accuracy: round(input.test.accuracy),
        perClassAccuracy: input.test.perClassAccuracy.map((a) => round(a)),
        confusion: input.test.confusion,
      },
      lastEpochTest: keptLast ? undefined : { loss: round(input.lastEpochTest.loss), accuracy: round(input.lastEpochTest.accuracy) },
    },
    quantization:
      input.weights === "float32"
        ? undefined
        : {
            weights: input.weights,
            float32TestAccuracy: round(input.float32TestAccuracy),
            testAccuracy: round(input.test.accuracy),
            accuracyCostPoints: round((input.float32TestAccuracy - input.test.accuracy) * 100, 3),
          },
    verification: {
      runtime: input.verification.runtime,
      testAccuracy: round(input.verification.accuracy),
      maxProbabilityDifference: input.verification.maxProbabilityDifference,
    },
    published: input.data.mnist ? input.published : undefined,
  };
}

export type ModelCard = ReturnType<typeof buildModelCard>;
