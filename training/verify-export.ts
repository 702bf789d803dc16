import * as ort from "onnxruntime-web";
import { loadOnnxClassifier } from "./onnx-runner.ts";
import { classificationMetrics, maxAbsDifference } from "./metrics.ts";
import type { DigitSet } from "./dataset.ts";

export const MAX_PROBABILITY_DIFFERENCE = 1e-5;

export interface ExportVerification {
  runtime: string;
  accuracy: number;
  maxProbabilityDifference: number;
}

export class ExportMismatchError extends Error {}

/**
 * Runs the exported model with onnxruntime-web over the test set and checks that it answers what the
 * trained tfjs model answers: same accuracy, every probability within MAX_PROBABILITY_DIFFERENCE.
 */
export async function verifyExport(onnx: Uint8Array, test: DigitSet, expected: { probabilities: Float32Array; accuracy: number }): Promise<ExportVerification> {
  const classifier = await loadOnnxClassifier(onnx);
  try {
    const probabilities = await classifier.predict(test.images, test.count);
    const metrics = classificationMetrics(probabilities, test.labels);
    const maxDiff = maxAbsDifference(probabilities, expected.probabilities);
    const result = { runtime: `onnxruntime-web ${ort.env.versions.web} (wasm) in Node`, accuracy: metrics.accuracy, maxProbabilityDifference: maxDiff };
    if (metrics.accuracy !== expected.accuracy || !(maxDiff <= MAX_PROBABILITY_DIFFERENCE)) {
      throw new ExportMismatchError(
        `the exported ONNX model does not match the trained model: ONNX test accuracy ${metrics.accuracy} vs tfjs ${expected.accuracy}, ` +
          `largest probability difference ${maxDiff.toExponential(2)} (allowed ${MAX_PROBABILITY_DIFFERENCE}); nothing was written`,
      );
    }
    return result;
  } finally {
    await classifier.release();
  }
}
