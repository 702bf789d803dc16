// Full fuzz run of POST /classify (test/worker/fuzz.test.ts) with many more inputs than CI uses, with workerd's V8
// heap capped at Workers' 128 MB and the test isolate's memory read over its inspector, and the result recorded in
// BENCHMARKS.md (section "fuzz").
//
//   npm run fuzz                        10,000 inputs per property
//   npm run fuzz -- --runs 2000 --seed 42 --no-write
// Exit code: vitest's (non-zero when any input got a 5xx, a malformed answer, an exception or no answer in time).
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { freePort, heapLimitEnv, ROOT, WORKERS_HEAP_LIMIT_MIB as HEAP_LIMIT_MIB } from "../test/helpers/wrangler.ts";
import type { FuzzStats } from "../test/worker/fuzz-inputs.ts";
import { updateBenchmarkSection } from "./benchmarks-file.ts";
import { describeMachine, loadAverage } from "./machine-info.ts";
import { connectInspectorUrl, findIsolateInspector, LIVE_SAMPLE_EVERY, type HeapUsage, type IsolateInspector } from "./isolate-heap.ts";
import { mib, workerdResidentBytes } from "./process-memory.ts";



const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10000" },
    seed: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});
const runs = Number(values.runs);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);

const loadStart = loadAverage();
const started = Date.now();
const inspectorPort = await freePort();
const child = spawn(
  process.execPath,
  [
    "node_modules/vitest/vitest.mjs", "run", "--config", "test/vitest.config.ts", "--project", "worker",
    // The pool's workerd opens its inspector (vitest allows it for one file at a time).
    "--no-file-parallelism", `--inspect=127.0.0.1:${inspectorPort}`,
    "test/worker/fuzz.test.ts",
  ],
  {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      FUZZ_RUNS: String(runs),
      ...(values.seed ? { FUZZ_SEED: values.seed } : {}),
      // Past this heap size V8 aborts workerd, and the run fails.
      ...heapLimitEnv(HEAP_LIMIT_MIB),
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
    },
  },
);

let output = "";
child.stdout.on("data", (chunk: Buffer) => {
  output += chunk.toString();
  process.stdout.write(chunk);
});
child.stderr.on("data", (chunk: Buffer) => {
  output += chunk.toString();
  process.stderr.write(chunk);
});

// The isolate that runs the tests: vitest's runner, fast-check and the worker share it, so its memory is an upper
// bound for the worker's. A reading the inspector does not answer in time is skipped.
let inspector: IsolateInspector | undefined;
findIsolateInspector(inspectorPort, "vitest-pool-workers-runner-worker")
  .then(connectInspectorUrl)
  .then((connected) => (inspector = connected))
  .catch((err) => console.error(`isolate memory will not be measured: ${err instanceof Error ? err.message : err}`));
const sampled: HeapUsage[] = [];
const live: HeapUsage[] = [];
const rss: number[] = [];
let tick = 0;
const sampler = setInterval(() => {
  const bytes = workerdResidentBytes(child.pid!);
  if (bytes > 0) rss.push(bytes);
  if (!inspector) return;
  const collect = ++tick % LIVE_SAMPLE_EVERY === 0;
  (collect ? inspector.liveHeapUsage() : inspector.heapUsage()).then((usage) => void (collect ? live : sampled).push(usage), () => {});
}, 1000);

const exitCode = await new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
clearInterval(sampler);
inspector?.close();
const minutes = (Date.now() - started) / 60_000;

// vitest colours its output; the result line is plain JSON after the marker.
const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
const match = /FUZZ-RESULT (\{.*\})/.exec(plain);
const stats = match ? (JSON.parse(match[1]!) as FuzzStats) : undefined;
const seed = /fuzz seed (\d+)/.exec(plain)?.[1];
const passed = exitCode === 0 && stats !== undefined;

const bytesOf = (h: HeapUsage) => h.used + h.backing;
const maxBytes = (samples: HeapUsage[]) => Math.max(...samples.map(bytesOf));
const machine = describeMachine();
const table = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, n]) => `${key} ×${n.toLocaleString("en")}`)
    .join(", ");
const markdown = [
  `Run ${new Date().toISOString()}: \`npm run fuzz -- --runs ${runs}${values.seed ? ` --seed ${values.seed}` : ""}\` on ${machine.cpuModel}, ` +
    `${machine.cores} cores, ${machine.ramGiB} GiB RAM; Node ${machine.node}. Load average (1 min) ${loadStart} at start, ${loadAverage()} at end. ` +
    `Wall time ${minutes.toFixed(1)} min (workerd start included).`,
  "",
  passed
    ? `**Passed: ${stats.runs.toLocaleString("en")} generated uploads to POST /classify, every answer a 2xx classification with finite ` +
      `probabilities summing to 1 or a 4xx JSON { error, message }; no 5xx, no exception; ${runs.toLocaleString("en")} random RGBA images ` +
      `through the preprocessing, never NaN.**`
    : `**FAILED (vitest exit code ${exitCode}${stats ? "" : ", no result line"}), seed ${seed ?? "?"}; see the vitest output for the counterexample.**`,
  "",
  ...(stats
    ? [
        `- seed: ${stats.seed} (replay: \`npm run fuzz -- --runs ${runs} --seed ${stats.seed}\`)`,
        `- statuses: ${table(stats.statuses)}`,
        `- refusals: ${table(stats.errors)}`,
        `- answer time in workerd (vitest pool, in-process fetch): mean ${(stats.totalMs / stats.runs).toFixed(1)} ms, ` +
          `max ${stats.maxMs.toFixed(0)} ms (limit 10,000 ms) for: ${stats.maxMsKind}`,
        `- largest body sent: ${(stats.largestBody / 2 ** 20).toFixed(2)} MiB`,
      ]
    : []),
  live.length > 0
    ? `- isolate memory (the one isolate in which vitest's runner, fast-check's inputs and the worker run: an upper bound ` +
      `for the worker's), with workerd's V8 heap capped at ${HEAP_LIMIT_MIB} MiB (\`--max-heap-size\`, Workers' per-isolate ` +
      `limit; past it workerd aborts and the run fails): **JS heap + ArrayBuffers after a forced full collection at most ` +
      `${mib(maxBytes(live))}** (readings every ${LIVE_SAMPLE_EVERY} s: ${live.map((h) => (bytesOf(h) / 2 ** 20).toFixed(0)).join(", ")} MiB), ` +
      `plus ORT's WebAssembly memory ${stats?.wasmMemoryBytes ? mib(stats.wasmMemoryBytes) : "(not reported)"}; sampled as found ` +
      `every second, uncollected garbage included, at most ${mib(maxBytes(sampled))} (${sampled.length} samples). The worker ` +
      `alone, in its own isolate under \`wrangler dev\`, is measured by the load test (section load-test).`
    : "- isolate memory: not measured (the inspector gave no reading); the run still had the V8 heap capped at " + `${HEAP_LIMIT_MIB} MiB.`,
  rss.length > 0
    ? `- workerd resident memory (the whole vitest pool process, all its isolates and buffers; not what the per-isolate limit counts): ` +
      `${mib(rss[0]!)} at the first sample, max ${mib(Math.max(...rss))}, ${mib(rss.at(-1)!)} at the last of ${rss.length} samples (1/s).`
    : "- workerd resident memory: not measured (no workerd process found)",
].join("\n");

console.log(`\n${markdown}`);
if (!values["no-write"]) {
  await updateBenchmarkSection("fuzz", "Fuzzing POST /classify (`npm run fuzz`)", markdown);
  console.log("\nBENCHMARKS.md: section fuzz updated.");
}
process.exitCode = passed ? 0 : exitCode || 1;
