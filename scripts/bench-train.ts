// Training throughput of the seed MLP (784-512-512-10, Adam, batch 128) with model.fit, as
// `npm run train` runs it: stock tf.layers.dense vs FastDense on tfjs-backend-wasm, side by side,
// plus the cpu backend and tfjs-node when it is installed.
//
//   npm run bench:train [-- --quick]
//
// Prints a markdown report and writes it into its section of BENCHMARKS.md.
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import { median } from "./stats.ts";
import { version_wasm } from "@tensorflow/tfjs-backend-wasm";
import { selectBackend } from "../training/backend.ts";
import { defaultDataDir, loadDigitData, PIXELS, CLASS_COUNT, type DigitSet } from "../training/dataset.ts";
import { fastDense, FORWARD_KERNEL } from "../training/fast-dense.ts";
import { buildModel, compileModel, stockDense } from "../training/model.ts";
import { presetRecipe, type Recipe } from "../training/presets.ts";
import { toTensors } from "../training/train.ts";
import { updateBenchmarkSection } from "./benchmarks-file.ts";
import { backendGemmGflops, freshOperandGflops, nativeGemmGflops, trainingStepProducts, type NativeGemm } from "./flops-probe.ts";
import { describeMachine, loadAverage, wasBusy, type MachineInfo } from "./machine-info.ts";
import { profileSteps, type StepProfile } from "./step-profile.ts";

export const BENCHMARK_SECTION = { id: "train-throughput", title: "Training throughput (`npm run bench:train`)" };
const EPOCH_SAMPLES = 54_000;

export interface TrainingBenchOptions {
  /** A smoke run of a few seconds instead of the default ~half minute. */
  quick: boolean;
}

type BackendName = "wasm" | "cpu" | "node";

interface Configuration {
  id: string;
  label: string;
  backend: BackendName;
  dense: "stock" | "fast";
  samples: number;
  repeats: number;
}

export interface ThroughputRow extends Configuration {
  /** "skipped" carries the reason in `note`, e.g. tfjs-node not installed. */
  status: "measured" | "skipped";
  note?: string;
  /** samples/s of each timed model.fit epoch over `samples` samples. */
  samplesPerSecond: number[];
  median?: number;
  /**
   * Median samples per second of CPU time used by this process. On a busy machine the wall clock
   * also counts time the process waited for a core; CPU time mostly does not, so for the
   * single-threaded backends this approximates the throughput of an idle machine.
   */
  samplesPerCpuSecond?: number;
}

export interface TrainingBenchResults {
  date: string;
  quick: boolean;
  machine: MachineInfo;
  versions: { tfjs: string; wasmBackend: string };
  load: { start: number; end: number; busy: boolean };
  flopsPerSample: number;
  rows: ThroughputRow[];
  /** Median fast-wasm throughput over median stock-wasm throughput. */
  speedup?: number;
  /**
   * wasmGflops: an n³ product with its packed operand reused (XNNPACK's best case); freshOperandGflops: the
   * products of one FastDense training step with new operands each time, as training runs them.
   */
  flops: { gemmSize: number; wasmGflops: number; freshOperandGflops: number; native: NativeGemm };
  /** Per-kernel breakdown of a FastDense training step on wasm. */
  fastStep: StepProfile;
}

/** Matrix-product FLOPs per training sample: forward, weight gradients, and input gradients of all but the first layer. */
export function trainingFlopsPerSample(recipe: Recipe): number {
  const sizes = [PIXELS, ...recipe.hidden, CLASS_COUNT];
  let flops = 0;
  for (let i = 0; i + 1 < sizes.length; i++) {
    const product = 2 * sizes[i] * sizes[i + 1];
    flops += product * (i === 0 ? 2 : 3);
  }
  return flops;
}

function configurations(quick: boolean): Configuration[] {
  const runs = (stock: number, fast: number, cpu: number, repeats: number) => [
    { id: "wasm-stock", label: "wasm, tf.layers.dense (stock)", backend: "wasm", dense: "stock", samples: stock, repeats },
    { id: "wasm-fast", label: "wasm, FastDense", backend: "wasm", dense: "fast", samples: fast, repeats },
    { id: "cpu-stock", label: "cpu (pure JS), tf.layers.dense", backend: "cpu", dense: "stock", samples: cpu, repeats: 1 },
    { id: "node-stock", label: "tfjs-node, tf.layers.dense", backend: "node", dense: "stock", samples: fast, repeats },
    { id: "node-fast", label: "tfjs-node, FastDense", backend: "node", dense: "fast", samples: fast, repeats },
  ] satisfies Configuration[];
  return quick ? runs(384, 1024, 256, 2) : runs(1280, 3840, 512, 3);
}

interface Trainee {
  model: tf.Sequential;
  x: tf.Tensor2D;
  y: tf.Tensor2D;
}

/** A compiled model after a 2-batch warm-up (which compiles wasm code paths and creates Adam's moments), and its data. */
async function prepare(dense: "stock" | "fast", samples: number, recipe: Recipe, data: DigitSet): Promise<Trainee> {
  const model = buildModel(recipe, dense === "fast" ? fastDense : stockDense);
  compileModel(model, recipe);
  const { x, y } = toTensors({ count: samples, images: data.images.subarray(0, samples * PIXELS), labels: data.labels.subarray(0, samples) });
  const [warmX, warmY] = [x.slice(0, 2 * recipe.batchSize), y.slice(0, 2 * recipe.batchSize)];
  await model.fit(warmX, warmY, { batchSize: recipe.batchSize, epochs: 1, shuffle: false, verbose: 0 });
  tf.dispose([warmX, warmY]);
  return { model, x, y };
}

async function timeEpoch({ model, x, y }: Trainee, batchSize: number): Promise<{ wall: number; cpu: number }> {
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await model.fit(x, y, { batchSize, epochs: 1, shuffle: false, verbose: 0 });
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { wall: x.shape[0] / wallSeconds, cpu: x.shape[0] / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * Measures every configuration of one backend; their timed epochs alternate, so that a change in
 * machine load during the run affects them alike.
 */
async function measureBackend(backend: BackendName, configs: Configuration[], recipe: Recipe, data: DigitSet): Promise<ThroughputRow[]> {
  try {
    await selectBackend(backend);
  } catch (error) {
    const note = error instanceof Error ? error.message : String(error);
    return configs.map((config) => ({ ...config, status: "skipped", note, samplesPerSecond: [] }));
  }
  const trainees: Trainee[] = [];
  try {
    for (const config of configs) trainees.push(await prepare(config.dense, config.samples, recipe, data));
    const timings = configs.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
    const rounds = Math.max(...configs.map((c) => c.repeats));
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < configs.length; i++) {
        if (round >= configs[i].repeats) continue;
        const { wall, cpu } = await timeEpoch(trainees[i], recipe.batchSize);
        timings[i].wall.push(wall);
        timings[i].cpu.push(cpu);
      }
    }
    return configs.map((config, i) => ({
      ...config,
      status: "measured",
      samplesPerSecond: timings[i].wall,
      median: median(timings[i].wall),
      samplesPerCpuSecond: median(timings[i].cpu),
    }));
  } finally {
    for (const { model, x, y } of trainees) {
      model.dispose();
      tf.dispose([x, y]);
    }
  }
}

async function profileFastStep(recipe: Recipe, data: DigitSet, steps: number): Promise<StepProfile> {
  await selectBackend("wasm");
  const trainee = await prepare("fast", 2 * recipe.batchSize, recipe, data);
  const [x, y] = [trainee.x.slice(0, recipe.batchSize), trainee.y.slice(0, recipe.batchSize)];
  try {
    return await profileSteps(() => trainee.model.trainOnBatch(x, y), steps, [FORWARD_KERNEL]);
  } finally {
    trainee.model.dispose();
    tf.dispose([x, y, trainee.x, trainee.y]);
  }
}

export async function runTrainingBench(options: TrainingBenchOptions): Promise<{ markdown: string; results: TrainingBenchResults }> {
  const loadAtStart = loadAverage();
  const recipe = presetRecipe("mlp");
  const configs = configurations(options.quick);
  const maxSamples = Math.max(...configs.map((c) => c.samples));
  const { train: data } = await loadDigitData(defaultDataDir(), maxSamples);

  const rows: ThroughputRow[] = [];
  for (const backend of ["wasm", "cpu", "node"] as const) {
    rows.push(...(await measureBackend(backend, configs.filter((c) => c.backend === backend), recipe, data)));
  }

  const fastStep = await profileFastStep(recipe, data, options.quick ? 5 : 15);
  const gemmSize = options.quick ? 512 : 1024;
  const flops = {
    gemmSize,
    wasmGflops: backendGemmGflops(gemmSize, options.quick ? 3 : 5),
    freshOperandGflops: freshOperandGflops(trainingStepProducts([PIXELS, ...recipe.hidden, CLASS_COUNT], recipe.batchSize), options.quick ? 5 : 15),
    native: nativeGemmGflops(options.quick ? 1024 : 2048, 5),
  };
  const loadAtEnd = loadAverage();

  const stock = rows.find((r) => r.id === "wasm-stock")?.median;
  const fast = rows.find((r) => r.id === "wasm-fast")?.median;
  const results: TrainingBenchResults = {
    date: new Date().toISOString(),
    quick: options.quick,
    machine: describeMachine(),
    versions: { tfjs: tf.version.tfjs, wasmBackend: version_wasm },
    load: { start: loadAtStart, end: loadAtEnd, busy: wasBusy(loadAtStart, 0) || wasBusy(loadAtEnd, 1) },
    flopsPerSample: trainingFlopsPerSample(recipe),
    rows,
    speedup: stock && fast ? fast / stock : undefined,
    flops,
    fastStep,
  };
  return { markdown: renderMarkdown(results), results };
}

const fmt = (value: number, digits = 0) => value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function renderMarkdown(r: TrainingBenchResults): string {
  const stock = r.rows.find((row) => row.id === "wasm-stock")?.median;
  const gflops = (samplesPerSecond: number) => (samplesPerSecond * r.flopsPerSample) / 1e9;
  const nativeAll = "allCores" in r.flops.native ? r.flops.native.allCores : undefined;
  const lines = [
    `Run ${r.date}${r.quick ? " (--quick)" : ""} on ${r.machine.cpuModel}, ${r.machine.cores} cores${r.machine.mhz ? ` @ ${r.machine.mhz} MHz` : ""}, ${r.machine.ramGiB} GiB RAM, ${r.machine.platform}; Node ${r.machine.node}, tfjs ${r.versions.tfjs}, tfjs-backend-wasm ${r.versions.wasmBackend}.`,
    `Load average (1 min): ${r.load.start} at start, ${r.load.end} at end${r.load.busy ? " — **the machine was busy: these numbers are pessimistic, re-run when it is quiet**" : ""}.`,
    "",
    `Seed MLP 784-512-512-10 as \`npm run train\` builds and compiles it (training/model.ts), Adam, batch 128, model.fit on real MNIST samples after a 2-batch warm-up; ${fmt(r.flopsPerSample / 1e6, 2)} MFLOP of matrix products per sample. Median of the timed epochs; the epochs of configurations on the same backend alternate. s/epoch projects ${fmt(EPOCH_SAMPLES)} training samples (validation not included). Samples per CPU-second divide by the CPU time this process used rather than the wall clock: on a busy machine it estimates what an idle one would do.`,
    "",
    "| configuration | samples/s (median) | range | ms/batch | × stock wasm | s/epoch | matMul GFLOP/s | samples per CPU-second |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const row of r.rows) {
    if (row.status === "skipped" || row.median === undefined) {
      lines.push(`| ${row.label} | ${row.note?.includes("not installed") ? "not installed" : "not measured"} | | | | | | |`);
      continue;
    }
    const range = `${fmt(Math.min(...row.samplesPerSecond))}–${fmt(Math.max(...row.samplesPerSecond))}`;
    lines.push(
      `| ${row.label} | **${fmt(row.median)}** | ${range} (${row.repeats}× ${fmt(row.samples)}) | ${fmt((128 / row.median) * 1000, 1)} | ${stock ? `${fmt(row.median / stock, 2)}×` : ""} | ${fmt(EPOCH_SAMPLES / row.median, 1)} | ${fmt(gflops(row.median), 1)} | ${row.samplesPerCpuSecond ? fmt(row.samplesPerCpuSecond) : ""} |`,
    );
  }
  const skipped = r.rows.filter((row) => row.status === "skipped");
  if (skipped.length > 0) lines.push("", ...[...new Set(skipped.map((row) => `- ${row.backend}: ${row.note}`))]);
  lines.push("", `**FastDense on wasm vs stock wasm: ${r.speedup ? `${fmt(r.speedup, 2)}×` : "not measured"}.**`, "");
  lines.push(`Matrix-product ceiling: a plain ${r.flops.gemmSize}³ matMul on tfjs-wasm (XNNPACK, 1 thread, packed operand reused) runs at ${fmt(r.flops.wasmGflops, 1)} GFLOP/s; ` +
    ("unavailable" in r.flops.native
      ? `native SGEMM not measured (${r.flops.native.unavailable}).`
      : `native SGEMM (numpy/OpenBLAS) at ${fmt(r.flops.native.singleThread, 1)} GFLOP/s on 1 thread, ${fmt(r.flops.native.allCores, 1)} on all cores.`));
  const fast = r.rows.find((row) => row.id === "wasm-fast")?.median;
  if (fast) {
    const effective = gflops(fast);
    lines.push(`The same products as a FastDense step issues them (batch 128), with new operands every time as in training, so that XNNPACK packs one of them afresh for each: ${fmt(r.flops.freshOperandGflops, 1)} GFLOP/s.`);
    lines.push(`FastDense training sustains ${fmt(effective, 1)} GFLOP/s of matrix products: ${fmt((100 * effective) / r.flops.freshOperandGflops)}% of those fresh-operand products, ${fmt((100 * effective) / r.flops.wasmGflops)}% of the reused-operand ceiling` +
      (nativeAll ? `, ${fmt((100 * effective) / nativeAll)}% of what the machine does natively on all cores.` : "."));
  }
  lines.push("", ...renderStepProfile(r.fastStep));
  return lines.join("\n");
}

const KERNELS_SHOWN = 8;

function renderStepProfile(p: StepProfile): string[] {
  const kernelMs = p.kernels.reduce((sum, k) => sum + k.ms, 0);
  const shown = p.kernels.slice(0, KERNELS_SHOWN);
  const rest = p.kernels.slice(KERNELS_SHOWN);
  const row = (name: string, ms: number) => `| ${name} | ${fmt(ms, 2)} | ${fmt((100 * ms) / p.stepMs)}% |`;
  return [
    `Where a FastDense step's time goes on wasm (tf.profile of model.trainOnBatch, batch 128, median of ${p.steps} steps; profiling adds some overhead):`,
    "",
    "| kernel | ms/step | share |",
    "|---|--:|--:|",
    ...shown.map((k) => row(k.kernel, k.ms)),
    row(`${rest.length} other kernels`, rest.reduce((sum, k) => sum + k.ms, 0)),
    row("outside kernels (tfjs engine, model.fit bookkeeping)", Math.max(0, p.stepMs - kernelMs)),
    `| **step** | **${fmt(p.stepMs, 2)}** | |`,
  ];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== "--quick");
  if (unknown.length > 0) {
    console.error(`Unknown argument(s): ${unknown.join(" ")}\nUsage: npm run bench:train [-- --quick]`);
    process.exitCode = 2;
    return;
  }
  const { markdown } = await runTrainingBench({ quick: args.includes("--quick") });
  console.log(markdown);
  await updateBenchmarkSection(BENCHMARK_SECTION.id, BENCHMARK_SECTION.title, markdown);
  console.log(`\nWritten to BENCHMARKS.md (section ${BENCHMARK_SECTION.id}).`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`bench:train failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
