// One InferenceSession per isolate: created on first use, shared by concurrent first requests, retried after
// a failed creation (answered as 503 meanwhile).
import { ApiError } from "./errors.ts";
import { modelBytes, modelCard } from "./model-assets.ts";
import { ort, withOrtWasm } from "./ort-runtime.ts";

export const INPUT_NAME = "image";
export const OUTPUT_NAME = "probabilities";
export const INPUT_SIZE = 28 * 28;
export const CLASS_COUNT = 10;

/** The part of an InferenceSession the worker uses. */
export type ModelSession = Pick<ort.InferenceSession, "run">;

export interface SessionCache {
  /** The session; concurrent callers share one creation, a failed creation is forgotten so the next call retries. */
  get(): Promise<ModelSession>;
  isLoaded(): boolean;
}

export function createSessionCache(create: () => Promise<ModelSession>): SessionCache {
  let pending: Promise<ModelSession> | undefined;
  let loaded = false;
  return {
    get() {
      if (!pending) {
        const attempt = create().then((session) => {
          loaded = true;
          return session;
        });
        pending = attempt;
        attempt.catch(() => {
          if (pending === attempt) pending = undefined;
        });
      }
      return pending;
    },
    isLoaded: () => loaded,
  };
}

// Measured in wrangler dev (fresh isolate per option, 3 rounds): the first InferenceSession.create takes
// 220–400 ms whatever the options (nearly all of it the one-time start of ORT's wasm), a further one 5–20 ms, and
// a run of this 3-layer MLP under 1 ms; graph optimisation level and memory arena made no measurable
// difference. "basic" keeps ORT's cheap constant folding; the arena is off to keep the isolate's memory small.
const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  executionProviders: ["wasm"],
  graphOptimizationLevel: "basic",
  enableCpuMemArena: false,
  enableMemPattern: false,
  executionMode: "sequential",
  logSeverityLevel: 3,
};

async function createOrtSession(): Promise<ModelSession> {
  const session = await withOrtWasm(() => ort.InferenceSession.create(new Uint8Array(modelBytes), SESSION_OPTIONS));
  if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(OUTPUT_NAME)) {
    throw new Error(
      `model has inputs [${session.inputNames}] and outputs [${session.outputNames}], expected ${INPUT_NAME} -> ${OUTPUT_NAME}`,
    );
  }
  return session;
}

/** This isolate's session of the bundled model. */
export const bundledModel: SessionCache = createSessionCache(createOrtSession);

/** The ready session, or a 503 ApiError when it cannot be created right now. */
export async function loadModel(cache: SessionCache): Promise<ModelSession> {
  try {
    return await cache.get();
  } catch (err) {
    console.error("model session could not be created", err);
    throw new ApiError(
      503,
      "model_unavailable",
      `The model ${modelCard.name} could not be loaded right now. Retry in a few seconds.`,
      { "retry-after": "5" },
    );
  }
}

/** Runs the model on one 784-value input and returns its 10 class probabilities. */
export async function predict(session: ModelSession, input: Float32Array): Promise<Float32Array> {
  if (input.length !== INPUT_SIZE) throw new Error(`model input must have ${INPUT_SIZE} values, got ${input.length}`);
  const results = await session.run({ [INPUT_NAME]: new ort.Tensor("float32", input, [1, INPUT_SIZE]) });
  const output = results[OUTPUT_NAME];
  if (!output || output.data.length !== CLASS_COUNT) {
    throw new Error(`model output ${OUTPUT_NAME} must have ${CLASS_COUNT} values`);
  }
  const probabilities = Float32Array.from(output.data as Float32Array);
  for (const tensor of Object.values(results)) tensor.dispose();
  return probabilities;
}
