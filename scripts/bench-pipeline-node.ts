// The worker's classification pipeline (worker/decode.ts → worker/preprocess.ts → ONNX Runtime Web with the
// worker's session options) run in Node, where performance.now() has sub-millisecond resolution: the breakdown
// the worker's own clock is too coarse to give. Same code and the same wasm, but Node's V8, not workerd's.
import * as ort from "onnxruntime-web";
import { decodeImage } from "../worker/decode.ts";
import { toMnistInput } from "../worker/preprocess.ts";
import { SESSION_OPTIONS } from "../worker/session-options.ts";
import { percentile } from "./percentile.ts";

ort.env.wasm.numThreads = 1;
ort.env.logLevel = "error";

export interface StageTimes {
  p50: number;
  p99: number;
  mean: number;
}

export interface NodePipelineResult {
  iterations: number;
  decode: StageTimes;
  preprocess: StageTimes;
  inference: StageTimes;
  total: StageTimes;
  /** What the model answered for the upload. */
  digit: number;
}

function summarise(values: number[]): StageTimes {
  return { p50: percentile(values, 50), p99: percentile(values, 99), mean: values.reduce((a, b) => a + b, 0) / values.length };
}

export interface ModelTimer {
  session: ort.InferenceSession;
  /** ms of InferenceSession.create (in a process where ORT's wasm may already have started). */
  createMs: number;
  /** One batch-1 run; resolves to the 10 probabilities. */
  run(input: Float32Array): Promise<Float32Array>;
}

export async function loadModelTimer(onnx: Uint8Array): Promise<ModelTimer> {
  const started = performance.now();
  const session = await ort.InferenceSession.create(onnx, SESSION_OPTIONS);
  const createMs = performance.now() - started;
  return {
    session,
    createMs,
    async run(input) {
      const tensor = new ort.Tensor("float32", input, [1, input.length]);
      const results = await session.run({ image: tensor });
      const out = Float32Array.from(results.probabilities!.data as Float32Array);
      tensor.dispose();
      for (const t of Object.values(results)) t.dispose();
      return out;
    },
  };
}

/** Times decode, preprocess and inference of `png` `iterations` times after `warmup` untimed rounds. */
export async function timeNodePipeline(model: ModelTimer, png: Uint8Array, iterations: number, warmup = 20): Promise<NodePipelineResult> {
  const decode: number[] = [];
  const preprocess: number[] = [];
  const inference: number[] = [];
  const total: number[] = [];
  let digit = -1;
  for (let i = 0; i < warmup + iterations; i++) {
    const t0 = performance.now();
    const image = decodeImage(png);
    const t1 = performance.now();
    const input = toMnistInput(image);
    const t2 = performance.now();
    const probabilities = await model.run(input);
    const t3 = performance.now();
    if (i < warmup) continue;
    decode.push(t1 - t0);
    preprocess.push(t2 - t1);
    inference.push(t3 - t2);
    total.push(t3 - t0);
    digit = probabilities.indexOf(Math.max(...probabilities));
  }
  return { iterations, decode: summarise(decode), preprocess: summarise(preprocess), inference: summarise(inference), total: summarise(total), digit };
}

/** Batch-1 inference alone on a fixed input, `iterations` times after a warm-up. */
export async function timeInference(model: ModelTimer, input: Float32Array, iterations: number, warmup = 20): Promise<StageTimes> {
  const times: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    const t = performance.now();
    await model.run(input);
    if (i >= warmup) times.push(performance.now() - t);
  }
  return summarise(times);
}
