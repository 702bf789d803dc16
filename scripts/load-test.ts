// Load test of the worker as `wrangler dev` runs it (loopback only): a mix of good and bad uploads at a fixed
// concurrency, from many clients (a fresh CF-Connecting-IP per request, as Cloudflare would send them), and
// alongside it one client flooding cheap requests over a few more connections. Reports status counts per request kind (anything outside a kind's expected statuses is an
// error), latency percentiles, and workerd's resident memory at start, middle and end.
//
//   npm run load-test                 60 s at 32 connections; writes the "load-test" section of BENCHMARKS.md
//   npm run load-test -- --quick      5 s; does not touch BENCHMARKS.md unless --write
//   options: --duration S  --connections N  --json FILE  --write
//            --only TEXT   only the request kinds whose name contains TEXT (e.g. --only "4.7 MiB"); implies no write
//            --no-isolate-heap   do not attach to the isolate's inspector (to see what attaching costs)
//            --heap-limit MIB    V8 heap limit workerd runs with (default 128, Workers' per-isolate limit)
// Exit code 1 when any answer was unexpected (5xx, wrong status for its kind, malformed body) or a connection failed.
import autocannon from "autocannon";
import { readFileSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { heapLimitEnv, ROOT, startWranglerDev, WORKERS_HEAP_LIMIT_MIB as DEFAULT_HEAP_LIMIT_MIB } from "../test/helpers/wrangler.ts";
import { updateBenchmarkSection } from "./benchmarks-file.ts";
import { describeMachine, loadAverage } from "./machine-info.ts";
import { ihdr, readChunks, withFreshCrcs, writePng } from "./png-chunks.ts";
import { connectInspector, LIVE_SAMPLE_EVERY, type HeapUsage } from "./isolate-heap.ts";
import { commandLine, mib, workerdResidentByPid } from "./process-memory.ts";
import { zlibZeros } from "./zlib-bomb.ts";

interface RequestKind {
  name: string;
  /** Statuses this kind may get; anything else counts as unexpected. */
  expected: number[];
  /** Relative share of the traffic. */
  weight: number;
  body: Buffer;
  headers: Record<string, string>;
}

export interface KindResult {
  name: string;
  expected: number[];
  statuses: Record<string, number>;
  unexpected: number;
  malformedBodies: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export interface LoadTestResult {
  durationS: number;
  connections: number;
  requests: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  kinds: KindResult[];
  connectionErrors: number;
  timeouts: number;
  unexpected: number;
  /** How many flood requests the rate limiter refused. */
  rateLimited: number;
  /** Median latency of the mix's answers in the first and the last tenth of the run: a rise would mean degradation. */
  trendMs: { firstTenthP50: number; lastTenthP50: number };
  /** The worker isolate's memory, what Workers' 128 MB per-isolate limit is about (see IsolateMemory). */
  isolate: IsolateMemory;
  /** workerd resident memory (all its processes), sampled every second. */
  rss: { start: number; middle: number; end: number; max: number; samples: number };
  /** The same per workerd process: wrangler's proxy (listening on the public port) and the worker's runtime. */
  rssByProcess: Array<{ role: string; start: number; end: number; max: number }>;
  coldStartMs: number;
  modelCheckRan: boolean;
}

/**
 * Bytes of the worker isolate's memory: JS heap in use + ArrayBuffer backing stores (from the inspector) + ORT's
 * WebAssembly memory (from /health; V8's statistics leave it out).
 */
export interface IsolateMemory {
  /** V8's heap limit for the run (--max-heap-size through MINIFLARE_WORKERD_V8_FLAGS): past it workerd aborts. */
  heapLimitMiB: number;
  /** Sampled every second as found, uncollected garbage included. */
  sampled: { max: number; maxHeapReserved: number; samples: number };
  /** Right after a forced full garbage collection: before the load, every 10 s during it, and after it. */
  live: { start: number; max: number; end: number; samples: number };
  /** ORT's WebAssembly memory (it never shrinks). */
  wasm: { start: number; end: number };
}

const FLOOD_CLIENT = "203.0.113.1";
/** Pause between the end of the load and the "after" memory reading. */
const SETTLE_MS = 3_000;
const FLOOD_CONNECTIONS = 4;
const fixture = (name: string) => readFileSync(`${ROOT}test/fixtures/${name}`);

function multipart(field: string, filename: string, type: string, bytes: Buffer): { body: Buffer; headers: Record<string, string> } {
  const boundary = "----load-test-boundary-7d3f";
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

const raw = (type: string, bytes: Buffer) => ({ body: bytes, headers: { "content-type": type } });

function requestKinds(): RequestKind[] {
  // ~240 MB of zeros behind a header that promises 64×64 grey pixels (4,160 bytes).
  const bomb = Buffer.from(writePng([{ type: "IHDR", data: ihdr(64, 64, 8, 0) }, { type: "IDAT", data: zlibZeros(240_000_000) }, { type: "IEND", data: new Uint8Array(0) }]));
  // A real digit carrying a 4.7 MiB text chunk: valid, near the body limit, mostly dropped before decoding.
  const digit = readChunks(new Uint8Array(fixture("digit-7-mnist-t10k-0000.png")));
  const large = Buffer.from(writePng(withFreshCrcs([digit[0]!, { type: "tEXt", data: new Uint8Array(4.7 * 2 ** 20).fill(65) }, ...digit.slice(1)])));
  return [
    { name: "digit PNG, multipart", expected: [200], weight: 6, ...multipart("img", "digit.png", "image/png", fixture("digit-7-mnist-t10k-0000.png")) },
    { name: "photo JPEG, multipart", expected: [200], weight: 3, ...multipart("img", "photo.jpg", "image/jpeg", fixture("2-photo.jpg")) },
    { name: "16-bit interlaced PNG, raw", expected: [200], weight: 2, ...raw("image/png", fixture("digit-9-mnist-t10k-0007-rgb-16bit-interlaced.png")) },
    { name: "blank image", expected: [422], weight: 1, ...raw("image/png", fixture("bad-blank-white.png")) },
    { name: "truncated JPEG", expected: [422], weight: 1, ...multipart("img", "cut.jpg", "image/jpeg", fixture("bad-truncated.jpg")) },
    { name: "GIF", expected: [415], weight: 1, ...multipart("img", "digit.gif", "image/gif", fixture("bad-gif-digit.gif")) },
    { name: "text body", expected: [415], weight: 1, ...raw("text/plain", Buffer.from("seven")) },
    { name: "no img field", expected: [400], weight: 1, ...multipart("image", "digit.png", "image/png", fixture("digit-7-mnist-t10k-0000.png")) },
    { name: "header claims 20000×20000", expected: [413], weight: 1, ...raw("image/png", fixture("bad-header-20000x20000.png")) },
    // Large bodies queue for the isolate's upload budget when several are in flight (their Content-Length is
    // declared), so they too must get their real answer.
    { name: `PNG inflation bomb (${(bomb.length / 2 ** 20).toFixed(1)} MiB → 240 MB)`, expected: [422], weight: 1, ...raw("image/png", bomb) },
    { name: "4.7 MiB digit PNG, multipart", expected: [200], weight: 1, ...multipart("img", "large.png", "image/png", large) },
    { name: "6 MiB body", expected: [413], weight: 1, ...raw("application/octet-stream", Buffer.alloc(6 * 2 ** 20, 7)) },
  ];
}

/** Text bodies from a single address: cheap to answer, so they arrive fast enough for the rate limiter to step in. */
const floodKind = (): RequestKind => ({
  name: `flood: one client (${FLOOD_CLIENT}), ${FLOOD_CONNECTIONS} more connections, text bodies`,
  expected: [415, 429],
  weight: 1,
  ...raw("text/plain", Buffer.from("7")),
});

/** Round-robin order in which a connection cycles through the kinds, each appearing `weight` times. */
function schedule(kinds: RequestKind[]): RequestKind[] {
  const remaining = kinds.map((k) => k.weight);
  const order: RequestKind[] = [];
  while (remaining.some((n) => n > 0)) {
    kinds.forEach((kind, i) => {
      if (remaining[i]! > 0) {
        order.push(kind);
        remaining[i]!--;
      }
    });
  }
  return order;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Whether an answer has the shape every client relies on. */
function wellFormed(status: number, body: string): boolean {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    if (status === 200) {
      const probabilities = json.probabilities as number[];
      return probabilities.length === 10 && Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-4;
    }
    return typeof json.error === "string" && typeof json.message === "string";
  } catch {
    return false;
  }
}

export async function runLoadTest({
  durationS = 60,
  connections = 32,
  only = "",
  isolateHeap = true,
  heapLimitMiB = DEFAULT_HEAP_LIMIT_MIB,
} = {}): Promise<LoadTestResult> {
  const kinds = requestKinds().filter((kind) => kind.name.includes(only));
  if (kinds.length === 0) throw new Error(`no request kind matches ${JSON.stringify(only)}`);
  const flood = floodKind();
  // V8's heap limit applies to every isolate of that workerd (miniflare's own ones too); they stay far below it.
  const server = await startWranglerDev({ env: heapLimitEnv(heapLimitMiB) });
  try {
    // The first classification creates the model session; it is reported, not mixed into the load figures.
    const warmStart = performance.now();
    const warm = await fetch(`${server.base}/classify`, { method: "POST", body: fixture("digit-7-mnist-t10k-0000.png"), headers: { "content-type": "image/png" } });
    if (warm.status !== 200) throw new Error(`warm-up request answered ${warm.status}: ${await warm.text()}`);
    const coldStartMs = performance.now() - warmStart;

    const inspector = isolateHeap ? await connectInspector(server.inspectorPort) : undefined;
    const wasmBytes = async () => ((await (await fetch(`${server.base}/health`)).json()) as { wasmMemoryBytes: number }).wasmMemoryBytes;
    const sampled: Array<{ heap: HeapUsage; wasm: number }> = [];
    const live: Array<{ heap: HeapUsage; wasm: number }> = [];
    // A sample the inspector does not answer in time is skipped, at the start and end as during the run:
    // a missed memory reading must not abort the load measurement (the smoke test still needs several).
    // The /health request also gives an idle isolate the turn it needs to run a requested collection.
    const sampleHeap = (collect: boolean) => {
      if (!inspector) return Promise.resolve();
      const reading = collect ? inspector.liveHeapUsage() : inspector.heapUsage();
      return Promise.all([reading, wasmBytes()]).then(([heap, wasm]) => void (collect ? live : sampled).push({ heap, wasm }), () => {});
    };
    await sampleHeap(true);
    const byPid = new Map<number, number[]>();
    const sampleRss = () => {
      let total = 0;
      for (const [pid, bytes] of workerdResidentByPid(server.pid)) {
        byPid.set(pid, [...(byPid.get(pid) ?? []), bytes]);
        total += bytes;
      }
      return total;
    };
    const rssSamples: number[] = [sampleRss()];
    let tick = 0;
    const sampler = setInterval(() => {
      rssSamples.push(sampleRss());
      void sampleHeap(++tick % LIVE_SAMPLE_EVERY === 0);
    }, 1000);

    const perKind = new Map(
      [...kinds, flood].map((k) => [k, { statuses: {} as Record<string, number>, unexpected: 0, malformed: 0, latencies: [] as number[] }]),
    );
    const mixTimeline: Array<{ at: number; ms: number }> = [];
    const runStart = performance.now();
    let clientNumber = 0;
    const nextClient = () => {
      clientNumber++;
      return `10.${(clientNumber >> 16) & 255}.${(clientNumber >> 8) & 255}.${clientNumber & 255}`;
    };

    /** One request entry whose kind comes from a shared round-robin, so the mix holds however few requests each connection makes. */
    const cycle = (order: RequestKind[], client: () => string): autocannon.Request[] => {
      let turn = 0;
      return [
        {
          method: "POST",
          path: "/classify",
          setupRequest: (request, context) => {
            const kind = order[turn++ % order.length]!;
            Object.assign(context, { kind, sentAt: performance.now() });
            return { ...request, body: kind.body, headers: { ...kind.headers, "cf-connecting-ip": client() } };
          },
          onResponse: (status, body, context) => {
            const { kind, sentAt } = context as { kind: RequestKind; sentAt: number };
            const entry = perKind.get(kind)!;
            entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
            if (!kind.expected.includes(status)) entry.unexpected++;
            if (!wellFormed(status, body)) entry.malformed++;
            const now = performance.now();
          entry.latencies.push(now - sentAt);
          if (kind !== flood) mixTimeline.push({ at: now - runStart, ms: now - sentAt });
          },
        },
      ];
    };

    const [result, floodResult] = await Promise.all([
      autocannon({ url: server.base, connections, duration: durationS, timeout: 30, requests: cycle(schedule(kinds), nextClient) }),
      autocannon({ url: server.base, connections: FLOOD_CONNECTIONS, duration: durationS, timeout: 30, requests: cycle([flood], () => FLOOD_CLIENT) }),
    ]);
    clearInterval(sampler);
    rssSamples.push(sampleRss());
    const publicPort = `:${new URL(server.base).port}`;
    const rssByProcess = [...byPid].map(([pid, series]) => ({
      role: commandLine(pid).includes(publicPort) ? "wrangler's proxy" : "worker runtime",
      start: series[0]!,
      end: series.at(-1)!,
      max: Math.max(...series),
    }));
    if (inspector) {
      // When the run ends, the load generator drops its connections, but workerd still answers the requests
      // already in flight (some with 5 MiB bodies); the "after" reading waits until they are done.
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      await sampleHeap(true);
      inspector.close();
    }
    const bytes = ({ heap, wasm }: { heap: HeapUsage; wasm: number }) => heap.used + heap.backing + wasm;

    const kindResults: KindResult[] = [...kinds, flood].map((kind) => {
      const entry = perKind.get(kind)!;
      const sorted = entry.latencies.sort((a, b) => a - b);
      return {
        name: kind.name,
        expected: kind.expected,
        statuses: entry.statuses,
        unexpected: entry.unexpected,
        malformedBodies: entry.malformed,
        latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN },
      };
    });
    const tenth = (from: number, to: number) =>
      percentile(mixTimeline.filter((p) => p.at >= from * durationS * 1000 && p.at < to * durationS * 1000).map((p) => p.ms).sort((a, b) => a - b), 50);
    return {
      durationS,
      connections,
      requests: result.requests.total,
      requestsPerSecond: result.requests.average,
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      kinds: kindResults,
      connectionErrors: result.errors + floodResult.errors,
      timeouts: result.timeouts + floodResult.timeouts,
      unexpected: kindResults.reduce((sum, k) => sum + k.unexpected + k.malformedBodies, 0),
      rateLimited: perKind.get(flood)!.statuses["429"] ?? 0,
      trendMs: { firstTenthP50: tenth(0, 0.1), lastTenthP50: tenth(0.9, 1.01) },
      isolate: {
        heapLimitMiB,
        sampled: {
          max: Math.max(...sampled.map(bytes)),
          maxHeapReserved: Math.max(...[...sampled, ...live].map((s) => s.heap.total)),
          samples: sampled.length,
        },
        live: { start: live[0] ? bytes(live[0]) : NaN, max: Math.max(...live.map(bytes)), end: live.length > 1 ? bytes(live.at(-1)!) : NaN, samples: live.length },
        wasm: { start: live[0]?.wasm ?? NaN, end: live.at(-1)?.wasm ?? NaN },
      },
      rssByProcess,
      rss: {
        start: rssSamples[0]!,
        middle: rssSamples[Math.floor(rssSamples.length / 2)]!,
        end: rssSamples.at(-1)!,
        max: Math.max(...rssSamples),
        samples: rssSamples.length,
      },
      coldStartMs,
      modelCheckRan: /Model check: .* matches/.test(server.output()),
    };
  } finally {
    await server.stop();
  }
}

const ms = (value: number) => (Number.isFinite(value) ? `${value.toFixed(value < 10 ? 1 : 0)}` : "–");

export function renderMarkdown(r: LoadTestResult, loadStart: number, loadEnd: number): string {
  const machine = describeMachine();
  const rows = r.kinds.map((k) => {
    const statuses = Object.entries(k.statuses)
      .map(([status, n]) => `${status}: ${n.toLocaleString("en")}`)
      .join(", ");
    return `| ${k.name} | ${k.expected.join(", ")} | ${statuses || "–"} | ${k.unexpected + k.malformedBodies} | ${ms(k.latencyMs.p50)} | ${ms(k.latencyMs.p99)} |`;
  });
  return [
    `Run ${new Date().toISOString()}: ${r.durationS} s at ${r.connections} connections against \`wrangler dev\` on 127.0.0.1 ` +
      `(local workerd, not Cloudflare's edge), on ${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB RAM; Node ${machine.node}. ` +
      `Load average (1 min) ${loadStart} at start, ${loadEnd} at end; the load generator shares the cores with workerd.`,
    "",
    `**Mix: ${r.requests.toLocaleString("en")} requests, ${r.requestsPerSecond.toFixed(0)}/s; ${r.unexpected} unexpected answers ` +
      `(all kinds, flood included), ${r.connectionErrors} connection errors, ${r.timeouts} timeouts.** Latency over the mix: p50 ${ms(r.latencyMs.p50)} ms, ` +
      `p90 ${ms(r.latencyMs.p90)} ms, p99 ${ms(r.latencyMs.p99)} ms, max ${ms(r.latencyMs.max)} ms. ` +
      `Median latency of the mix in the first tenth of the run ${ms(r.trendMs.firstTenthP50)} ms, in the last tenth ${ms(r.trendMs.lastTenthP50)} ms. ` +
      `First classification (model session creation) before the run: ${ms(r.coldStartMs)} ms.`,
    "",
    `Every request of the mix comes from its own client address (CF-Connecting-IP); the flood's single address was refused ` +
      `${r.rateLimited.toLocaleString("en")} times with 429 by the rate limiter. Latencies per kind are client-side, queueing included.`,
    "",
    "| request kind | expected | statuses seen | unexpected | p50 ms | p99 ms |",
    "|---|---|---|--:|--:|--:|",
    ...rows,
    "",
    r.isolate.sampled.samples === 0
      ? "Worker isolate memory: not measured (--no-isolate-heap)."
      : `Worker isolate memory, what Workers' 128 MB per-isolate limit counts: JS heap in use + ArrayBuffer backing stores ` +
        `(from the isolate's inspector) + ORT's WebAssembly memory (from /health). workerd ran with V8's heap limit at ` +
        `${r.isolate.heapLimitMiB} MiB (\`--max-heap-size\`; past it workerd aborts, which would show as connection errors). ` +
        `**After a forced full collection: ${mib(r.isolate.live.start)} before the load, at most ${mib(r.isolate.live.max)} during it, ` +
        `${mib(r.isolate.live.end)} ${SETTLE_MS / 1000} s after it** (${r.isolate.live.samples} readings, every ${LIVE_SAMPLE_EVERY} s; ORT's wasm memory ` +
        `${mib(r.isolate.wasm.start)} → ${mib(r.isolate.wasm.end)}). Sampled as found every second, garbage not yet collected ` +
        `included: at most ${mib(r.isolate.sampled.max)} (V8 heap reserved at most ${mib(r.isolate.sampled.maxHeapReserved)}; ` +
        `${r.isolate.sampled.samples} samples).`,
    "",
    `workerd resident memory (all workerd processes of \`wrangler dev\`: the worker's isolate plus miniflare's own services; ` +
      `not the 128 MB per-isolate limit itself): ${mib(r.rss.start)} after warm-up, ${mib(r.rss.middle)} mid-run, ` +
      `${mib(r.rss.end)} at the end (max ${mib(r.rss.max)}, ${r.rss.samples} samples); by process: ` +
      r.rssByProcess.map((p) => `${p.role} ${mib(p.start)} → ${mib(p.end)} (max ${mib(p.max)})`).join(", ") +
      ".",
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      duration: { type: "string" },
      connections: { type: "string" },
      json: { type: "string" },
      write: { type: "boolean", default: false },
      only: { type: "string", default: "" },
      "no-isolate-heap": { type: "boolean", default: false },
      "heap-limit": { type: "string" },
    },
  });
  const durationS = Number(values.duration ?? (values.quick ? 5 : 60));
  const connections = Number(values.connections ?? 32);
  if (!(durationS > 0) || !Number.isInteger(connections) || connections < 1) throw new Error("--duration and --connections must be positive numbers");

  const loadStart = loadAverage();
  const heapLimitMiB = Number(values["heap-limit"] ?? DEFAULT_HEAP_LIMIT_MIB);
  if (!Number.isInteger(heapLimitMiB) || heapLimitMiB < 16) throw new Error("--heap-limit must be a whole number of MiB, at least 16");
  const result = await runLoadTest({ durationS, connections, only: values.only, isolateHeap: !values["no-isolate-heap"], heapLimitMiB });
  const markdown = renderMarkdown(result, loadStart, loadAverage());
  console.log(markdown);
  if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 2));
  if ((!values.quick && !values.only) || values.write) {
    await updateBenchmarkSection("load-test", "Load test under wrangler dev (`npm run load-test`)", markdown);
    console.log("\nBENCHMARKS.md: section load-test updated.");
  }
  if (result.unexpected > 0 || result.connectionErrors > 0) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
