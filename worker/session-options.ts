// ONNX Runtime session options of the worker, in their own module so that Node-side benchmarks run the model
// exactly as the worker does.
import type { InferenceSession } from "onnxruntime-web";

// Measured (npm run bench, BENCHMARKS.md; before that in wrangler dev with a fresh isolate per option): nearly all
// of a cold start is ORT's one-time start (runtime init and the first session's kernel registry); graph
// optimisation level and memory arena made no measurable difference to it. "basic" keeps ORT's cheap constant
// folding; the arena is off to keep the isolate's memory small.
//
// session.disable_quant_qdq: ORT normally keeps DequantizeLinear nodes for its quantized kernels and so never
// folds them; this MLP has no quantized kernels to gain, and an int8 model then dequantized all its weights on
// every run (~3–6 ms instead of ~0.1–0.2 ms per image in Node). With it, constant folding turns the int8 weights
// into float32 once, at session creation. A float32 model is unaffected.
export const SESSION_OPTIONS: InferenceSession.SessionOptions = {
  executionProviders: ["wasm"],
  graphOptimizationLevel: "basic",
  enableCpuMemArena: false,
  enableMemPattern: false,
  executionMode: "sequential",
  logSeverityLevel: 3,
  extra: { session: { disable_quant_qdq: "1" } },
};
