// Markdown for the BENCHMARKS.md sections written by `npm run bench`, and the targets checked against the figures.
import type { SuiteResults, VariantResult } from "./bench-suite.ts";
import { median } from "./stats.ts";

export const SERVING_SECTION = { id: "serving", title: "Serving: cold start, warm latency, throughput (`npm run bench`)" };
export const QUANTIZED_SECTION = { id: "quantized-models", title: "Quantized models: size, accuracy, latency (`npm run bench`)" };

const MIB = 1024 * 1024;
const fmt = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits }) : "n/a";
const ms = (value: number, digits = 0) => `${fmt(value, digits)} ms`;
const mib = (bytes: number) => `${fmt(bytes / MIB, 2)} MiB`;

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean;
}

function variant(r: SuiteResults, weights: VariantResult["weights"]): VariantResult {
  const found = r.variants.find((v) => v.weights === weights);
  if (!found) throw new Error(`no ${weights} results`);
  return found;
}

export function evaluateTargets(r: SuiteResults): Target[] {
  const f32 = variant(r, "float32");
  const int8 = variant(r, "int8");
  const at8 = r.throughput.find((row) => row.connections === 8);
  return [
    {
      name: "cold start (fresh isolate → first /classify answered, in-worker, median)",
      goal: "≤ 150 ms",
      measured: ms(f32.coldStart.inWorkerMs),
      met: f32.coldStart.inWorkerMs <= 150,
    },
    {
      name: "warm in-worker time, 280×280 PNG (decode + preprocess + inference), p50",
      goal: "≤ 2 ms",
      measured: ms(f32.warm.inWorker.p50, 1),
      met: f32.warm.inWorker.p50 <= 2,
    },
    {
      name: "/classify throughput vs /health at concurrency 8",
      goal: "≥ 70%",
      measured: at8 ? `${fmt(at8.ratio * 100)}%` : "n/a",
      met: at8 !== undefined && at8.ratio >= 0.7,
    },
    {
      name: "int8 test accuracy cost vs float32",
      goal: "≤ 0.1 points",
      measured: `${fmt(int8.accuracyCostPoints, 2)} points`,
      met: int8.accuracyCostPoints <= 0.1,
    },
    {
      name: "int8 bundle, gzip",
      goal: "≤ 4.5 MiB",
      measured: mib(int8.bundle.gzipBytes),
      met: int8.bundle.gzipBytes <= 4.5 * MIB,
    },
  ];
}

export function renderHeader(r: SuiteResults): string[] {
  const m = r.machine;
  return [
    `Run ${r.date}${r.quick ? " (--quick: few samples, a smoke run, not figures to quote)" : ""} on ${m.cpuModel}, ${m.cores} cores${m.mhz ? ` @ ${m.mhz} MHz` : ""}, ${m.ramGiB} GiB RAM, ${m.platform}.`,
    `Versions: Node ${r.versions.node}, wrangler ${r.versions.wrangler}, workerd ${r.versions.workerd}, onnxruntime-web ${r.versions.onnxruntimeWeb} (wasm, SIMD, 1 thread).`,
    `Load average (1 min): ${r.load.start} at start, ${r.load.end} at end${r.load.busy ? ` — **other processes were competing for the ${m.cores} cores: absolute times are inflated; the side-by-side ratios hold better**` : ""}.`,
  ];
}

function coldStartTable(r: SuiteResults): string[] {
  const lines = [
    "| phase (median over fresh isolates) | " + r.variants.map((v) => v.weights).join(" | ") + " |",
    "|---|" + r.variants.map(() => "--:").join("|") + "|",
  ];
  const row = (label: string, pick: (v: VariantResult) => number) => lines.push(`| ${label} | ${r.variants.map((v) => ms(pick(v))).join(" | ")} |`);
  row("worker startup: module evaluation", (v) => v.coldStart.moduleEvaluation);
  row("ORT JS set-up", (v) => v.coldStart.ortJsSetup);
  row("ORT wasm instantiate (precompiled module)", (v) => v.coldStart.wasmInstantiate);
  row("ORT runtime init, one-time (first session − second session)", (v) => v.coldStart.ortRuntimeInit);
  row("session creation of this model (second session)", (v) => v.coldStart.sessionCreation);
  row("warm-up run (start-up)", (v) => v.coldStart.warmUpRun);
  row("rest of the first request (cold decode/preprocess code, its inference)", (v) => v.coldStart.requestRest);
  row("**first /classify, in-worker total**", (v) => v.coldStart.inWorkerMs);
  row("first /classify, client round trip", (v) => v.coldStart.clientMs);
  lines.push(`| samples (fresh isolates) | ${r.variants.map((v) => v.coldStarts.length).join(" | ")} |`);
  return lines;
}

export function renderServingMarkdown(r: SuiteResults): string {
  const f32 = variant(r, "float32");
  const np = r.nodePipeline;
  const ready = r.readyStarts;
  const lines = [
    ...renderHeader(r),
    "",
    `Everything runs against \`wrangler dev\` on 127.0.0.1 (local workerd), serving a copy of worker/ under .tmp-bench/ with the model named in each column; the upload is MNIST test image #${r.upload.testIndex} (a ${r.upload.label}) drawn as a ${r.upload.side}×${r.upload.side} RGBA canvas PNG, dark ink on white, ${fmt(r.upload.bytes)} bytes, sent as the raw body.`,
    "",
    "### Targets",
    "",
    "| target | goal | measured | met |",
    "|---|---|--:|---|",
    ...evaluateTargets(r).map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.met ? "yes" : "**no**"} |`),
    "",
    "### Cold start",
    "",
    "A fresh isolate per sample: the one `wrangler dev` has just started, then reloads forced by rewriting a file of the worker copy. The bench's entry imports the app inside the first request (as `wrangler check startup` does), because workerd's clock stands still in global scope; phases come from Date.now() marks in the worker (whole ms). The session is created at isolate start (worker/classifier.ts `startEarly`), so in production these phases run during the isolate's start-up, before the request is dispatched.",
    "",
    ...coldStartTable(r),
    "",
    `Not in these figures: workerd compiles ORT's 14 MB .wasm when it loads the worker, before any of the above (Node compiles the same bytes in ${ms(r.nodeWasmCompileMs)}).`,
    "",
    `With the real entry (worker/index.ts, session started in global scope): \`wrangler dev\` was ready after ${ms(median(ready.map((s) => s.readyMs)))} (median of ${ready.length}); /health right after "Ready" said modelLoaded=${ready.map((s) => s.modelLoadedAtReady).join("/")}; the first /classify then took ${ms(median(ready.map((s) => s.firstClassifyClientMs)))} client-side (its own timings: decode ${ms(median(ready.map((s) => s.firstAnswer.decode)))}, preprocess ${ms(median(ready.map((s) => s.firstAnswer.preprocess)))}, inference ${ms(median(ready.map((s) => s.firstAnswer.inference)))}).`,
    "",
    "### Warm latency (float32)",
    "",
    `In-worker, ${f32.warm.requests} sequential POST /classify after 5 warm-up requests, sum of the answer's decode + preprocess + inference timings: **p50 ${ms(f32.warm.inWorker.p50, 1)}**, p99 ${ms(f32.warm.inWorker.p99, 1)}, mean ${ms(f32.warm.inWorker.mean, 2)} (decode ${ms(f32.warm.stages.decode, 2)}, preprocess ${ms(f32.warm.stages.preprocess, 2)}, inference ${ms(f32.warm.stages.inference, 2)} on average). ` +
      `Clock resolution in \`wrangler dev\`: ${fmt(f32.warm.wholeMsShare * 100)}% of the reported stage times are whole milliseconds${f32.warm.wholeMsShare > 0.99 ? " — performance.now() advances in 1 ms steps here, so p50/p99 are quantised to 1 ms" : ""}. Client round trip of the same requests: p50 ${ms(f32.warm.client.p50, 1)}, p99 ${ms(f32.warm.client.p99, 1)}.`,
    "",
    `Same pipeline looped ${f32.warm.loop.iterations}× inside the worker (wall time / iterations): ${ms(f32.warm.loop.meanMs, 2)} per image (decode ${ms(f32.warm.loop.decode, 2)}, preprocess ${ms(f32.warm.loop.preprocess, 2)}, inference ${ms(f32.warm.loop.inference, 2)}).`,
    "",
    `Same code in **Node** (sub-ms clock; same wasm, Node's V8), ${np.iterations} iterations after 20 warm-up, p50 / p99 / mean:`,
    "",
    "| stage | p50 | p99 | mean |",
    "|---|--:|--:|--:|",
    ...(["decode", "preprocess", "inference", "total"] as const).map((stage) => `| ${stage} | ${ms(np[stage].p50, 2)} | ${ms(np[stage].p99, 2)} | ${ms(np[stage].mean, 2)} |`),
    "",
    `Decode breakdown (Node, median): fast-png alone ${ms(r.nodeFastPng.withCrc, 2)} with CRC checks, ${ms(r.nodeFastPng.withoutCrc, 2)} without; worker/decode.ts decodeImage (header checks, PNG guard, fast-png with CRC, RGBA conversion) ${ms(np.decode.p50, 2)}.`,
    "",
    "### Throughput (float32, same server)",
    "",
    `autocannon, ${r.settings.throughput.health} × GET /health and ${r.settings.throughput.classify} × POST /classify (the PNG above) per concurrency, one after the other, after a short warm-up. /classify goes through the per-client rate limiter with a new CF-Connecting-IP per request (so the limit itself never applies, but \`wrangler dev\`'s local simulation of the Rate Limiting binding runs for each request); the last column sends the same requests from a loopback address, which the worker does not rate-limit, to show that simulation's share (in production the binding runs outside the isolate).`,
    "",
    "| connections | /health req/s | /classify req/s | /classify ÷ /health | /classify, limiter skipped, req/s | ÷ /health | non-2xx / errors |",
    "|--:|--:|--:|--:|--:|--:|--:|",
    ...r.throughput.map((row) => {
      const bad = [row.health, row.classify, row.classifyUnlimited];
      return `| ${row.connections} | ${fmt(row.health.requestsPerSecond)} | ${fmt(row.classify.requestsPerSecond)} | **${fmt(row.ratio * 100)}%** | ${fmt(row.classifyUnlimited.requestsPerSecond)} | ${fmt(row.ratioUnlimited * 100)}% | ${bad.reduce((n, x) => n + x.non2xx, 0)} / ${bad.reduce((n, x) => n + x.errors, 0)} |`;
    }),
    "",
    `### Bundle (float32)`,
    "",
    `\`wrangler deploy --dry-run --outdir\`: ${mib(f32.bundle.bytes)}, gzip **${mib(f32.bundle.gzipBytes)}** (wrangler reports gzip ${mib(f32.bundle.wranglerGzipBytes)}): ` +
      f32.bundle.modules.map((m) => `${m.name.replace(/^[0-9a-f]{40}-/, "")} ${mib(m.bytes)} → ${mib(m.gzipBytes)}`).join("; ") +
      ".",
  ];
  return lines.join("\n");
}

export function renderQuantizedMarkdown(r: SuiteResults): string {
  const lines = [
    ...renderHeader(r),
    "",
    "int8 (symmetric, one scale per output unit, DequantizeLinear) and float16 (Cast) are re-exports of the float32 model's own weights by scripts/quantize-model.ts (no retraining), verified with onnxruntime-web against the same graph with the dequantized float32 kernels. Each is served by its own `wrangler dev`, measured side by side with float32 (cold starts in alternating rounds).",
    "",
    "| | " + r.variants.map((v) => v.weights).join(" | ") + " |",
    "|---|" + r.variants.map(() => "--:").join("|") + "|",
    `| GET /model format.weights | ${r.variants.map((v) => v.servedWeights).join(" | ")} |`,
    `| ONNX file | ${r.variants.map((v) => mib(v.onnxBytes)).join(" | ")} |`,
    `| bundle, gzip | ${r.variants.map((v) => `**${mib(v.bundle.gzipBytes)}**`).join(" | ")} |`,
    `| bundle, raw | ${r.variants.map((v) => mib(v.bundle.bytes)).join(" | ")} |`,
    `| test accuracy (10,000) | ${r.variants.map((v) => `${fmt(v.testAccuracy * 100, 2)}%`).join(" | ")} |`,
    `| cost vs float32 | ${r.variants.map((v) => `${fmt(v.accuracyCostPoints, 2)} points`).join(" | ")} |`,
    `| inference, batch 1, Node p50 / p99 | ${r.variants.map((v) => `${ms(v.node.inference.p50, 3)} / ${ms(v.node.inference.p99, 3)}`).join(" | ")} |`,
    `| session creation, Node (ORT already started) | ${r.variants.map((v) => ms(v.node.sessionCreateMs, 1)).join(" | ")} |`,
    `| session creation, workerd (second session) | ${r.variants.map((v) => ms(v.coldStart.sessionCreation)).join(" | ")} |`,
    `| cold start, first /classify in-worker (median) | ${r.variants.map((v) => ms(v.coldStart.inWorkerMs)).join(" | ")} |`,
    `| warm in-worker p50 / p99 | ${r.variants.map((v) => `${ms(v.warm.inWorker.p50, 1)} / ${ms(v.warm.inWorker.p99, 1)}`).join(" | ")} |`,
    `| warm inference, in-worker loop mean | ${r.variants.map((v) => ms(v.warm.loop.inference, 2)).join(" | ")} |`,
  ];
  return lines.join("\n");
}
