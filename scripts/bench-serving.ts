// Serving measurements against `wrangler dev` on 127.0.0.1 (bounded request counts): cold start of fresh
// isolates with its phases, warm in-worker time of a 280×280 PNG upload, /classify vs /health throughput.
import autocannon from "autocannon";
import type { BenchWorkerDir } from "./bench-worker-dir.ts";
import type { WranglerDev } from "../test/helpers/wrangler.ts";
import { percentile } from "./percentile.ts";
import { median } from "./stats.ts";

/** A client address per request: the worker rate-limits /classify per CF-Connecting-IP, the bench is one client. */
let addressCounter = 0;
function nextClientAddress(): string {
  addressCounter++;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
}

function classifyRequest(png: Uint8Array): RequestInit {
  return { method: "POST", body: new Uint8Array(png), headers: { "content-type": "image/png", "cf-connecting-ip": nextClientAddress() } };
}

interface ClassifyAnswer {
  digit: number;
  timings: { decode: number; preprocess: number; inference: number };
}

async function classify(base: string, png: Uint8Array): Promise<ClassifyAnswer> {
  const response = await fetch(`${base}/classify`, classifyRequest(png));
  const body = await response.text();
  if (response.status !== 200) throw new Error(`POST /classify answered ${response.status}: ${body.slice(0, 300)}`);
  return JSON.parse(body) as ClassifyAnswer;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as T;
}

interface StartupReport {
  generation: number;
  firstRequest: { start: number; modulesLoaded: number; answered: number; path: string };
  model: {
    sessionStart: number;
    sessionCreated: number;
    warmedUp: number;
    wasmInstantiateStart: number;
    wasmInstantiateEnd: number;
    loaded: boolean;
  };
}

/** One fresh isolate's first /classify, split into phases (ms, workerd's clock: whole milliseconds). */
export interface ColdStartSample {
  /** Client-side: POST sent → answer received. */
  clientMs: number;
  /** In-worker: first request arrives → its answer is ready. */
  inWorkerMs: number;
  /** Module evaluation of the whole worker (what `wrangler check startup` profiles). */
  moduleEvaluation: number;
  /** ORT's JS set-up until it asks for its wasm instance. */
  ortJsSetup: number;
  wasmInstantiate: number;
  /** First InferenceSession.create after the instance exists: ORT runtime init + this model's session. */
  runtimeInitAndSession: number;
  /** A second InferenceSession.create of the same model in the same isolate: the model's own share. */
  sessionCreation: number;
  /** runtimeInitAndSession − sessionCreation: ORT's one-time start (runtime init, kernel registry, first calls). */
  ortRuntimeInit: number;
  warmUpRun: number;
  /** inWorkerMs minus everything above: request handling with cold decode/preprocess code, the answer's inference. */
  requestRest: number;
  /** The first answer's own timings. */
  firstAnswer: ClassifyAnswer["timings"];
}

async function waitForGeneration(base: string, generation: number, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const seen = await getJson<{ generation: number }>(`${base}/__bench/generation`);
      if (seen.generation === generation) return;
    } catch {
      // reloading: connection refused or 5xx for a moment
    }
    if (Date.now() > deadline) throw new Error(`wrangler dev did not load generation ${generation} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * `samples` fresh isolates. Unless `reloadFirst`, the first is the one wrangler dev just started (no request yet);
 * each further one comes from rewriting a file of the worker, which makes wrangler dev rebuild and workerd load the
 * worker into a new isolate.
 */
export async function measureColdStarts(
  dev: WranglerDev,
  worker: BenchWorkerDir,
  png: Uint8Array,
  samples: number,
  reloadFirst = false,
): Promise<ColdStartSample[]> {
  const results: ColdStartSample[] = [];
  for (let i = 0; i < samples; i++) {
    if (i > 0 || reloadFirst) await waitForGeneration(dev.base, await worker.bumpGeneration());
    const sent = performance.now();
    const answer = await classify(dev.base, png);
    const clientMs = performance.now() - sent;
    const startup = await getJson<StartupReport>(`${dev.base}/__bench/startup`);
    const second = await getJson<{ ms: number }>(`${dev.base}/__bench/second-session`);
    const { firstRequest: req, model } = startup;
    if (req.path !== "/classify" || !model.loaded) throw new Error(`isolate ${startup.generation} was not started by the timed /classify`);
    const moduleEvaluation = model.sessionStart - req.start;
    const ortJsSetup = model.wasmInstantiateStart - model.sessionStart;
    const wasmInstantiate = model.wasmInstantiateEnd - model.wasmInstantiateStart;
    const runtimeInitAndSession = model.sessionCreated - model.wasmInstantiateEnd;
    const warmUpRun = model.warmedUp - model.sessionCreated;
    const inWorkerMs = req.answered - req.start;
    results.push({
      clientMs,
      inWorkerMs,
      moduleEvaluation,
      ortJsSetup,
      wasmInstantiate,
      runtimeInitAndSession,
      sessionCreation: second.ms,
      ortRuntimeInit: runtimeInitAndSession - second.ms,
      warmUpRun,
      requestRest: inWorkerMs - (model.warmedUp - req.start),
      firstAnswer: answer.timings,
    });
  }
  return results;
}

export interface WarmResult {
  requests: number;
  /** decode + preprocess + inference as the worker reports it per answer. */
  inWorker: { p50: number; p99: number; mean: number };
  stages: { decode: number; preprocess: number; inference: number };
  /** Share of reported timings that are whole milliseconds: 1 means the clock ticks in ms. */
  wholeMsShare: number;
  /** Client-side round trip of the same requests (includes wrangler dev's proxy and the HTTP stack). */
  client: { p50: number; p99: number };
  /** The pipeline in a loop inside the worker: wall time / iterations, resolution far below 1 ms. */
  loop: { iterations: number; meanMs: number; decode: number; preprocess: number; inference: number };
  digit: number;
}

export async function measureWarm(dev: WranglerDev, png: Uint8Array, requests: number, loopIterations: number): Promise<WarmResult> {
  for (let i = 0; i < 5; i++) await classify(dev.base, png);
  const inWorker: number[] = [];
  const client: number[] = [];
  const stages = { decode: 0, preprocess: 0, inference: 0 };
  let whole = 0;
  let digit = -1;
  for (let i = 0; i < requests; i++) {
    const sent = performance.now();
    const answer = await classify(dev.base, png);
    client.push(performance.now() - sent);
    const { decode, preprocess, inference } = answer.timings;
    inWorker.push(decode + preprocess + inference);
    stages.decode += decode / requests;
    stages.preprocess += preprocess / requests;
    stages.inference += inference / requests;
    whole += [decode, preprocess, inference].filter(Number.isInteger).length;
    digit = answer.digit;
  }
  const response = await fetch(`${dev.base}/__bench/pipeline?n=${loopIterations}`, { method: "POST", body: new Uint8Array(png) });
  if (!response.ok) throw new Error(`/__bench/pipeline answered ${response.status}: ${await response.text()}`);
  const loop = (await response.json()) as { iterations: number; wallMs: number; totals: { decode: number; preprocess: number; inference: number } };
  return {
    requests,
    inWorker: { p50: percentile(inWorker, 50), p99: percentile(inWorker, 99), mean: inWorker.reduce((a, b) => a + b, 0) / requests },
    stages,
    wholeMsShare: whole / (3 * requests),
    client: { p50: percentile(client, 50), p99: percentile(client, 99) },
    loop: {
      iterations: loop.iterations,
      meanMs: loop.wallMs / loop.iterations,
      decode: loop.totals.decode / loop.iterations,
      preprocess: loop.totals.preprocess / loop.iterations,
      inference: loop.totals.inference / loop.iterations,
    },
    digit,
  };
}

export interface CannonResult {
  requestsPerSecond: number;
  requests: number;
  non2xx: number;
  errors: number;
}

export interface ThroughputRow {
  connections: number;
  health: CannonResult;
  classify: CannonResult;
  /**
   * The same /classify requests from a loopback client address, which the worker does not rate-limit: without the
   * local simulation of the Rate Limiting binding, which in production runs outside the isolate.
   */
  classifyUnlimited: CannonResult;
  /** classify req/s ÷ health req/s. */
  ratio: number;
  /** classifyUnlimited req/s ÷ health req/s. */
  ratioUnlimited: number;
}

/** Loopback: the worker's rate limiter lets such clients through without consulting the binding. */
const LOOPBACK_CLIENT = "127.0.0.1";

async function cannon(url: string, connections: number, amount: number, png?: Uint8Array, client?: string): Promise<CannonResult> {
  const options: autocannon.Options = {
    url,
    connections,
    amount,
    // autocannon notices that `amount` requests are done only at its next sample tick (1 s by default), which
    // rounded short runs up to whole seconds; 10 ms ticks make the duration, and so req/s, exact enough.
    sampleInt: 10,
    timeout: 30,
    requests: [
      {
        method: png ? "POST" : "GET",
        ...(png ? { body: Buffer.from(png) } : {}),
        setupRequest: (request) => ({
          ...request,
          headers: { ...request.headers, ...(png ? { "content-type": "image/png" } : {}), "cf-connecting-ip": client ?? nextClientAddress() },
        }),
      },
    ],
  };
  const result = await autocannon(options);
  const seconds = result.duration;
  return { requestsPerSecond: result.requests.total / seconds, requests: result.requests.total, non2xx: result.non2xx, errors: result.errors + result.timeouts };
}

/**
 * At each concurrency: a short warm-up, then /health, /classify (a new client address per request) and /classify
 * from a loopback client (not rate-limited), one after the other, each `amount` requests.
 */
export async function measureThroughput(
  dev: WranglerDev,
  png: Uint8Array,
  connections: number[],
  amounts: { health: number; classify: number },
): Promise<ThroughputRow[]> {
  const rows: ThroughputRow[] = [];
  for (const c of connections) {
    await cannon(`${dev.base}/health`, c, Math.min(amounts.health, 10 * c));
    await cannon(`${dev.base}/classify`, c, Math.min(amounts.classify, 4 * c), png);
    const health = await cannon(`${dev.base}/health`, c, amounts.health);
    const classifyResult = await cannon(`${dev.base}/classify`, c, amounts.classify, png);
    const unlimited = await cannon(`${dev.base}/classify`, c, amounts.classify, png, LOOPBACK_CLIENT);
    rows.push({
      connections: c,
      health,
      classify: classifyResult,
      classifyUnlimited: unlimited,
      ratio: classifyResult.requestsPerSecond / health.requestsPerSecond,
      ratioUnlimited: unlimited.requestsPerSecond / health.requestsPerSecond,
    });
  }
  return rows;
}

/** wrangler dev with the real entry (worker/index.ts): what a user of `npm run dev` sees after "Ready". */
export interface ReadyStartSample {
  readyMs: number;
  /** /health right after Ready: whether the session was already created during the isolate's start-up. */
  modelLoadedAtReady: boolean;
  firstClassifyClientMs: number;
  firstAnswer: ClassifyAnswer["timings"];
}

export async function measureReadyStart(dev: WranglerDev, png: Uint8Array): Promise<ReadyStartSample> {
  const health = await getJson<{ modelLoaded: boolean }>(`${dev.base}/health`);
  const sent = performance.now();
  const answer = await classify(dev.base, png);
  return { readyMs: dev.readyMs, modelLoadedAtReady: health.modelLoaded, firstClassifyClientMs: performance.now() - sent, firstAnswer: answer.timings };
}

/** Per-field median of cold-start samples. */
export function medianColdStart(samples: ColdStartSample[]): Omit<ColdStartSample, "firstAnswer"> & { firstAnswer: ClassifyAnswer["timings"] } {
  const pick = (f: (s: ColdStartSample) => number) => median(samples.map(f));
  return {
    clientMs: pick((s) => s.clientMs),
    inWorkerMs: pick((s) => s.inWorkerMs),
    moduleEvaluation: pick((s) => s.moduleEvaluation),
    ortJsSetup: pick((s) => s.ortJsSetup),
    wasmInstantiate: pick((s) => s.wasmInstantiate),
    runtimeInitAndSession: pick((s) => s.runtimeInitAndSession),
    sessionCreation: pick((s) => s.sessionCreation),
    ortRuntimeInit: pick((s) => s.ortRuntimeInit),
    warmUpRun: pick((s) => s.warmUpRun),
    requestRest: pick((s) => s.requestRest),
    firstAnswer: {
      decode: pick((s) => s.firstAnswer.decode),
      preprocess: pick((s) => s.firstAnswer.preprocess),
      inference: pick((s) => s.firstAnswer.inference),
    },
  };
}
