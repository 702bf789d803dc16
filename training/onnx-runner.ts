import * as ort from "onnxruntime-web";
import { INPUT_NAME, OUTPUT_NAME } from "./onnx-export.ts";

ort.env.wasm.numThreads = 1;
ort.env.logLevel = "error";

export interface OnnxClassifier {
  /** Class probabilities for `count` images of `features` floats each, as one count × classes array. */
  predict(images: Float32Array, count: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/** Runs an ONNX digit model with onnxruntime-web (wasm) in Node: the same runtime the worker uses. */
export async function loadOnnxClassifier(model: Uint8Array, batchSize = 1000): Promise<OnnxClassifier> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
  return {
    async predict(images, count) {
      const features = images.length / count;
      let out: Float32Array | undefined;
      for (let start = 0; start < count; start += batchSize) {
        const n = Math.min(batchSize, count - start);
        const input = new ort.Tensor("float32", images.subarray(start * features, (start + n) * features), [n, features]);
        const result = await session.run({ [INPUT_NAME]: input });
        const probs = result[OUTPUT_NAME].data as Float32Array;
        out ??= new Float32Array(count * (probs.length / n));
        out.set(probs, start * (probs.length / n));
        input.dispose();
        result[OUTPUT_NAME].dispose();
      }
      return out ?? new Float32Array(0);
    },
    release: () => session.release(),
  };
}
