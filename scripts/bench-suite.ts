// The serving side of `npm run bench`: the committed float32 model and int8 / float16 re-exports of its weights,
// each served by its own `wrangler dev` (a copy of the worker under .tmp-bench/), measured side by side:
// sizes, test accuracy, Node-side latency, cold starts of fresh isolates, warm in-worker time; for float32 also
// /classify vs /health throughput and what `wrangler dev` with the real entry answers right after "Ready".
import { cp, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { defaultDataDir, loadDigitData, PIXELS } from "../training/dataset.ts";
import { loadModelTimer, timeInference, timeNodePipeline, type NodePipelineResult, type StageTimes } from "./bench-pipeline-node.ts";
import {
  measureColdStarts,
  measureReadyStart,
  measureThroughput,
  measureWarm,
  medianColdStart,
  type ColdStartSample,
  type ReadyStartSample,
  type ThroughputRow,
  type WarmResult,
} from "./bench-serving.ts";
import { makeBenchUpload, UPLOAD_SIDE } from "./bench-upload.ts";
import { servingVersions, type ServingVersions } from "./bench-versions.ts";
import { checkModelDir, makeRunDir, MODEL_FILES, prepareBenchWorker, type BenchWorkerDir } from "./bench-worker-dir.ts";
import { measureBundle, type BundleSize } from "./bench-wrangler.ts";
import { describeMachine, loadAverage, wasBusy, type MachineInfo } from "./machine-info.ts";
import { quantizeModelDir } from "./quantize-model.ts";
import { ROOT, startWranglerDev, type WranglerDev } from "../test/helpers/wrangler.ts";
import { decode as decodePng } from "fast-png";

export type WeightVariant = "float32" | "int8" | "float16";
export const VARIANTS: readonly WeightVariant[] = ["float32", "int8", "float16"];

export interface SuiteSettings {
  coldStarts: Record<WeightVariant, number>;
  warmRequests: number;
  loopIterations: number;
  nodePipelineIterations: number;
  nodeInferenceIterations: number;
  throughput: { connections: number[]; health: number; classify: number };
  readyStarts: number;
}

export function suiteSettings(quick: boolean): SuiteSettings {
  return quick
    ? {
        coldStarts: { float32: 2, int8: 1, float16: 1 },
        warmRequests: 15,
        loopIterations: 20,
        nodePipelineIterations: 30,
        nodeInferenceIterations: 50,
        throughput: { connections: [1, 8, 32], health: 64, classify: 32 },
        readyStarts: 1,
      }
    : {
        coldStarts: { float32: 5, int8: 5, float16: 5 },
        warmRequests: 150,
        loopIterations: 200,
        nodePipelineIterations: 300,
        nodeInferenceIterations: 1000,
        throughput: { connections: [1, 8, 32], health: 600, classify: 200 },
        readyStarts: 3,
      };
}

export interface VariantResult {
  weights: WeightVariant;
  modelDir: string;
  onnxBytes: number;
  /** Test accuracy (10,000 MNIST test images) with onnxruntime-web in Node. */
  testAccuracy: number;
  /** float32 accuracy − this accuracy, in percentage points. */
  accuracyCostPoints: number;
  bundle: BundleSize;
  /** What the served worker's GET /model says in format.weights. */
  servedWeights: string;
  node: { sessionCreateMs: number; inference: StageTimes };
  coldStarts: ColdStartSample[];
  coldStart: ReturnType<typeof medianColdStart>;
  warm: WarmResult;
}

export interface SuiteResults {
  date: string;
  quick: boolean;
  machine: MachineInfo;
  versions: ServingVersions;
  load: { start: number; end: number; busy: boolean };
  settings: SuiteSettings;
  upload: { bytes: number; side: number; label: number; testIndex: number };
  /** ms to compile ORT's .wasm from bytes in Node (workerd does this when it loads the worker). */
  nodeWasmCompileMs: number;
  nodePipeline: NodePipelineResult;
  /** fast-png alone on the upload, for the decode breakdown (Node, median ms). */
  nodeFastPng: { withCrc: number; withoutCrc: number };
  variants: VariantResult[];
  throughput: ThroughputRow[];
  readyStarts: ReadyStartSample[];
}

type Log = (message: string) => void;

function medianTime(run: () => unknown, iterations: number, warmup = 10): number {
  for (let i = 0; i < warmup; i++) run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1]!;
}

interface Served {
  weights: WeightVariant;
  worker: BenchWorkerDir;
  dev: WranglerDev;
}

export async function runServingSuite({ quick, log = () => {} }: { quick: boolean; log?: Log }): Promise<SuiteResults> {
  const loadAtStart = loadAverage();
  const runDir = await makeRunDir();
  try {
    return await runSuiteIn(runDir, quick, log, loadAtStart);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

async function runSuiteIn(runDir: string, quick: boolean, log: Log, loadAtStart: number): Promise<SuiteResults> {
  const settings = suiteSettings(quick);
  const upload = await makeBenchUpload();
  const { test } = await loadDigitData(defaultDataDir(), 1);

  log("models: float32 from model/, int8 and float16 re-exported from its weights");
  const modelDirs: Record<WeightVariant, string> = {
    float32: join(runDir, "models", "float32"),
    int8: join(runDir, "models", "int8"),
    float16: join(runDir, "models", "float16"),
  };
  // A snapshot of model/, so that a model being retrained meanwhile does not mix into one run.
  await mkdir(modelDirs.float32, { recursive: true });
  for (const file of Object.values(MODEL_FILES)) await cp(join(ROOT, "model", file), join(modelDirs.float32, file));
  await checkModelDir(modelDirs.float32);
  const accuracy: Partial<Record<WeightVariant, { accuracy: number; cost: number }>> = {};
  for (const weights of ["int8", "float16"] as const) {
    const result = await quantizeModelDir({ from: modelDirs.float32, out: modelDirs[weights], weights, test });
    accuracy[weights] = { accuracy: result.quantized.accuracy, cost: (result.float32.accuracy - result.quantized.accuracy) * 100 };
    accuracy.float32 = { accuracy: result.float32.accuracy, cost: 0 };
  }

  log("Node: ORT start, pipeline breakdown, inference per model");
  const wasmBytes = await readFile(join(ROOT, "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm"));
  const compileStart = performance.now();
  await WebAssembly.compile(wasmBytes);
  const nodeWasmCompileMs = performance.now() - compileStart;
  const onnxOf = async (weights: WeightVariant) => new Uint8Array(await readFile(join(modelDirs[weights], MODEL_FILES.onnx)));
  const float32Timer = await loadModelTimer(await onnxOf("float32"));
  const nodePipeline = await timeNodePipeline(float32Timer, upload.png, settings.nodePipelineIterations);
  const nodeFastPng = {
    withCrc: medianTime(() => decodePng(upload.png, { checkCrc: true }), settings.nodePipelineIterations),
    withoutCrc: medianTime(() => decodePng(upload.png), settings.nodePipelineIterations),
  };
  const sampleInput = test.images.slice(0, PIXELS);
  const node: Partial<Record<WeightVariant, VariantResult["node"]>> = {};
  for (const weights of VARIANTS) {
    const timer = await loadModelTimer(await onnxOf(weights));
    node[weights] = { sessionCreateMs: timer.createMs, inference: await timeInference(timer, sampleInput, settings.nodeInferenceIterations) };
    await timer.session.release();
  }
  await float32Timer.session.release();

  log("bundles: wrangler deploy --dry-run per model");
  const workers: Partial<Record<WeightVariant, BenchWorkerDir>> = {};
  const bundles: Partial<Record<WeightVariant, BundleSize>> = {};
  for (const weights of VARIANTS) workers[weights] = await prepareBenchWorker(join(runDir, weights), modelDirs[weights]);
  await Promise.all(VARIANTS.map(async (weights) => (bundles[weights] = await measureBundle(workers[weights]!.dir))));

  log("wrangler dev: one server per model");
  const served: Served[] = [];
  try {
    const starting = VARIANTS.map(async (weights) => {
      const dev = await startWranglerDev({ cwd: workers[weights]!.dir });
      served.push({ weights, worker: workers[weights]!, dev });
    });
    const started = await Promise.allSettled(starting);
    const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    if (failed) throw failed.reason;
    served.sort((a, b) => VARIANTS.indexOf(a.weights) - VARIANTS.indexOf(b.weights));

    // Cold starts in rounds across the models, so that changing machine load affects them alike.
    const cold: Record<WeightVariant, ColdStartSample[]> = { float32: [], int8: [], float16: [] };
    const rounds = Math.max(...Object.values(settings.coldStarts));
    for (let round = 0; round < rounds; round++) {
      for (const { weights, worker, dev } of served) {
        if (round >= settings.coldStarts[weights]) continue;
        log(`cold start ${round + 1}/${settings.coldStarts[weights]}: ${weights}`);
        // Round 0 uses the isolate wrangler dev just started; later rounds reload the worker into a new one.
        const [sample] = await measureColdStarts(dev, worker, upload.png, 1, round > 0);
        cold[weights].push(sample!);
      }
    }

    const servedWeights: Partial<Record<WeightVariant, string>> = {};
    const warm: Partial<Record<WeightVariant, WarmResult>> = {};
    for (const { weights, dev } of served) {
      const card = (await (await fetch(`${dev.base}/model`)).json()) as { format?: { weights?: string } };
      servedWeights[weights] = card.format?.weights ?? "missing";
      log(`warm: ${weights}`);
      warm[weights] = await measureWarm(dev, upload.png, settings.warmRequests, settings.loopIterations);
    }

    const float32Server = served.find((s) => s.weights === "float32")!;
    for (const s of served) if (s !== float32Server) await s.dev.stop();
    log("throughput: /health vs /classify");
    const throughput = await measureThroughput(float32Server.dev, upload.png, settings.throughput.connections, settings.throughput);
    await float32Server.dev.stop();

    log("wrangler dev with the real entry: first /classify after Ready");
    const real = await prepareBenchWorker(join(runDir, "float32-real-entry"), modelDirs.float32, "worker");
    const readyStarts: ReadyStartSample[] = [];
    for (let i = 0; i < settings.readyStarts; i++) {
      const dev = await startWranglerDev({ cwd: real.dir });
      try {
        readyStarts.push(await measureReadyStart(dev, upload.png));
      } finally {
        await dev.stop();
      }
    }

    const variants: VariantResult[] = VARIANTS.map((weights) => ({
      weights,
      modelDir: modelDirs[weights],
      onnxBytes: 0,
      testAccuracy: accuracy[weights]!.accuracy,
      accuracyCostPoints: accuracy[weights]!.cost,
      bundle: bundles[weights]!,
      servedWeights: servedWeights[weights]!,
      node: node[weights]!,
      coldStarts: cold[weights],
      coldStart: medianColdStart(cold[weights]),
      warm: warm[weights]!,
    }));
    for (const variant of variants) variant.onnxBytes = (await checkModelDir(variant.modelDir)).onnxBytes;

    const loadAtEnd = loadAverage();
    return {
      date: new Date().toISOString(),
      quick,
      machine: describeMachine(),
      versions: servingVersions(),
      load: { start: loadAtStart, end: loadAtEnd, busy: wasBusy(loadAtStart, 0) || wasBusy(loadAtEnd, 1) },
      settings,
      upload: { bytes: upload.png.length, side: UPLOAD_SIDE, label: upload.label, testIndex: upload.testIndex },
      nodeWasmCompileMs,
      nodePipeline,
      nodeFastPng,
      variants,
      throughput,
      readyStarts,
    };
  } finally {
    for (const { dev } of served) await dev.stop();
  }
}
