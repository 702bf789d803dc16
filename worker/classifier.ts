// One InferenceSession per isolate: its creation starts as soon as the worker's modules are evaluated (see
// startEarly), is shared by concurrent first requests, and is retried after a failure (answered as 503 meanwhile).
import { ApiError } from "./errors.ts";
import { modelBytes, modelCard } from "./model-assets.ts";
import { ort, wasmInstantiateMarks, withOrtWasm } from "./ort-runtime.ts";
import { SESSION_OPTIONS } from "./session-options.ts";

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

/**
 * Wall-clock marks (Date.now) of this isolate's model start-up, 0 where not reached; read by `npm run bench`.
 * workerd's clock does not advance in global scope, so marks taken there are all equal (or 0).
 */
export const startupMarks = {
  /** createOrtSession called. */
  sessionStart: 0,
  /** InferenceSession.create resolved (ORT runtime init + this model's session). */
  sessionCreated: 0,
  /** The warm-up run on a blank input finished. */
  warmedUp: 0,
};

/** Model session times of this isolate, in ms, for the benchmark. */
export function startupTimings() {
  const { sessionStart, sessionCreated, warmedUp } = startupMarks;
  return {
    ...startupMarks,
    wasmInstantiateStart: wasmInstantiateMarks.start,
    wasmInstantiateEnd: wasmInstantiateMarks.end,
    loaded: warmedUp > 0,
    ms: warmedUp > 0
      ? {
          beforeInstantiate: wasmInstantiateMarks.start - sessionStart,
          wasmInstantiate: wasmInstantiateMarks.end - wasmInstantiateMarks.start,
          runtimeInitAndSession: sessionCreated - wasmInstantiateMarks.end,
          warmUpRun: warmedUp - sessionCreated,
        }
      : undefined,
  };
}

/** Creates a session of `bytes` with the worker's options (the first call also starts ORT's wasm). */
export function createSession(bytes: ArrayBuffer): Promise<ort.InferenceSession> {
  return withOrtWasm(() => ort.InferenceSession.create(new Uint8Array(bytes), SESSION_OPTIONS));
}

async function createOrtSession(): Promise<ModelSession> {
  startupMarks.sessionStart = Date.now();
  const session = await createSession(modelBytes);
  startupMarks.sessionCreated = Date.now();
  if (!session.inputNames.includes(INPUT_NAME) || !session.outputNames.includes(OUTPUT_NAME)) {
    throw new Error(
      `model has inputs [${session.inputNames}] and outputs [${session.outputNames}], expected ${INPUT_NAME} -> ${OUTPUT_NAME}`,
    );
  }
  // ORT's first run of a session costs ~10 ms more than later ones (first calls into its kernels); pay it here,
  // not in the first request.
  await predict(session, new Float32Array(INPUT_SIZE));
  startupMarks.warmedUp = Date.now();
  return session;
}

/** This isolate's session of the bundled model. */
export const bundledModel: SessionCache = createSessionCache(createOrtSession);

/**
 * Starts creating the session once the worker's modules have been evaluated (a microtask runs only after the
 * whole module graph), instead of on the first /classify. workerd lets this run to completion during the
 * isolate's start-up: it needs no I/O, and the instantiation of the precompiled wasm module resolves as a
 * microtask. A failure is logged and forgotten: the first request retries (and answers 503 if that fails too).
 * The cost moves into the isolate's start-up (≈0.7 s of CPU on the shared bench machine, see BENCHMARKS.md), which
 * Cloudflare caps (a start-up CPU limit, see its Workers limits page): should a deploy ever be refused for start-up
 * time, drop the startEarly call and the session is created by the first request instead.
 */
export function startEarly(cache: SessionCache): void {
  queueMicrotask(() => {
    cache.get().catch((err: unknown) => console.error("model session could not be created at start-up", err));
  });
}

startEarly(bundledModel);

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
