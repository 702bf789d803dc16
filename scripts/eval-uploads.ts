/**
 * Accuracy on the upload-like set (scripts/make-upload-set.ts), measured two ways:
 *  (a) through the real HTTP endpoint (multipart field `img`, loopback only, bounded concurrency);
 *  (b) offline in Node with the worker's own decoder + toMnistInput + onnxruntime-web on the ONNX model,
 * plus the same model's accuracy on the raw MNIST test set for reference, and the preprocessing time.
 * Writes its section of BENCHMARKS.md.
 *
 *   npx tsx scripts/make-upload-set.ts && npm run dev   # in another shell
 *   npx tsx scripts/eval-uploads.ts [--url http://127.0.0.1:8787/classify] [--no-http] [--dir .tmp-uploads]
 */
import { readFile, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { readIdxImages, readIdxLabels } from "../training/idx.ts";
import { argmax } from "../training/metrics.ts";
import { loadOnnxClassifier, type OnnxClassifier } from "../training/onnx-runner.ts";
import { decodeImage } from "../worker/decode.ts";
import { NoDigitError, toMnistInput } from "../worker/preprocess.ts";
import { updateBenchmarkSection } from "./benchmarks-file.ts";
import { percentile } from "./percentile.ts";
import {
  DEFAULT_UPLOAD_DIR,
  MANIFEST_NAME,
  MNIST_TEST_IMAGES,
  MNIST_TEST_LABELS,
  type UploadManifest,
  type UploadRecord,
} from "./make-upload-set.ts";
import { KIND_DESCRIPTIONS, UPLOAD_KINDS, type UploadKind } from "./upload-kinds.ts";
import { placeDigit, renderUpload } from "./upload-render.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEFAULT_MODEL = join(ROOT, "model/mnist-mlp.onnx");
const DEFAULT_URL = "http://127.0.0.1:8787/classify";
const SECTION_ID = "upload-accuracy";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** What happened to one upload on one path: the predicted digit, or why there is none. */
type Outcome = { digit: number } | { error: string };

interface OfflineResult {
  outcomes: Outcome[];
  preprocessMs: number[];
}

interface RawResult {
  correct: number;
  total: number;
  /** Per MNIST test index: does the model get the untouched digit right? */
  right: boolean[];
}

async function rawMnistAccuracy(model: OnnxClassifier): Promise<RawResult> {
  const images = await readIdxImages(MNIST_TEST_IMAGES);
  const labels = await readIdxLabels(MNIST_TEST_LABELS);
  const inputs = Float32Array.from(images.pixels, (v) => v / 255);
  const probabilities = await model.predict(inputs, images.count);
  const right = Array.from({ length: images.count }, (_, i) => argmax(probabilities, i * 10, 10) === labels[i]);
  return { correct: right.filter(Boolean).length, total: images.count, right };
}

async function evaluateOffline(dir: string, uploads: UploadRecord[], model: OnnxClassifier): Promise<OfflineResult> {
  const outcomes: Outcome[] = [];
  const preprocessMs: number[] = [];
  const inputs = new Float32Array(uploads.length * 784);
  const ready: number[] = [];
  for (const [i, upload] of uploads.entries()) {
    try {
      const image = decodeImage(new Uint8Array(await readFile(join(dir, upload.file))));
      const started = performance.now();
      inputs.set(toMnistInput(image), ready.length * 784);
      preprocessMs.push(performance.now() - started);
      ready.push(i);
      outcomes.push({ digit: -1 });
    } catch (error) {
      outcomes.push({ error: error instanceof NoDigitError ? "no_digit_found" : `decode: ${(error as Error).message}` });
    }
  }
  const probabilities = await model.predict(inputs.subarray(0, ready.length * 784), ready.length);
  ready.forEach((uploadIndex, row) => {
    outcomes[uploadIndex] = { digit: argmax(probabilities, row * 10, 10) };
  });
  return { outcomes, preprocessMs };
}

/** Waiting for the worker's per-client rate limit (429 + Retry-After) is part of being a polite client. */
const MAX_RATE_LIMITED_WAITS = 30;
const MAX_RETRY_AFTER_SECONDS = 60;
let rateLimitedWaits = 0;
/** Model ids (sha256 prefixes) the worker named in its answers: must be the offline model's alone. */
const servedModels = new Set<string>();

async function classifyOverHttp(url: string, dir: string, upload: UploadRecord): Promise<Outcome> {
  const bytes = await readFile(join(dir, upload.file));
  const type = upload.file.endsWith(".jpg") ? "image/jpeg" : "image/png";
  for (let attempt = 0; ; attempt++) {
    const form = new FormData();
    form.append("img", new Blob([new Uint8Array(bytes)], { type }), upload.file);
    const response = await fetch(url, { method: "POST", body: form });
    const body = (await response.json().catch(() => ({}))) as { digit?: unknown; error?: unknown; model?: { sha?: unknown } };
    if (typeof body.model?.sha === "string") servedModels.add(body.model.sha);
    if (response.ok && typeof body.digit === "number") return { digit: body.digit };
    if (response.status === 429 && attempt < MAX_RATE_LIMITED_WAITS) {
      const seconds = Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Number(response.headers.get("retry-after")) || 1));
      rateLimitedWaits++;
      await sleep(seconds * 1000);
      continue;
    }
    return { error: `HTTP ${response.status} ${typeof body.error === "string" ? body.error : "(no error code)"}` };
  }
}

async function evaluateOverHttp(url: string, dir: string, uploads: UploadRecord[], concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(uploads.length);
  let next = 0;
  const worker = async () => {
    while (next < uploads.length) {
      const i = next++;
      outcomes[i] = await classifyOverHttp(url, dir, uploads[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, uploads.length) }, worker));
  return outcomes;
}

/** Fails early, with advice, when nothing answers at `url` (so that no half-measured section is written). */
async function checkServer(url: string, dir: string, first: UploadRecord): Promise<void> {
  try {
    await classifyOverHttp(url, dir, first);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(
      `nothing answers at ${url} (${cause}). Start the worker with 'npm run dev' (wrangler dev) in another shell, or pass --no-http to measure offline only.`,
    );
  }
}

interface Timing {
  /** Median wall-clock time per call, ms. */
  median: number;
  /** Fastest 10% of calls took at most this, ms (least disturbed by other processes). */
  p10: number;
  /** Process CPU time per call, ms (excludes time spent descheduled on a busy machine). */
  cpu: number;
}

/** Time of toMnistInput on typical canvas-sized uploads (280×280), after warm-up. */
async function preprocessBenchmark(): Promise<{ paper: Timing; alpha: Timing }> {
  const digit = (await readIdxImages(MNIST_TEST_IMAGES)).pixels.subarray(0, 784);
  const placement = placeDigit(digit, 280, 280, 200, 0.5, 0.5);
  const random = () => 0.5;
  const images = {
    paper: renderUpload(digit, placement, { ink: [20, 20, 20], paper: [250, 250, 250] }, random),
    alpha: renderUpload(digit, placement, { ink: [0, 0, 0], paper: [0, 0, 0], alphaOnly: true }, random),
  };
  const measure = (image: (typeof images)["paper"]): Timing => {
    for (let i = 0; i < 300; i++) toMnistInput(image);
    const times: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < 1000; i++) {
      const started = performance.now();
      toMnistInput(image);
      times.push(performance.now() - started);
    }
    const cpu = process.cpuUsage(cpuBefore);
    return { median: percentile(times, 50), p10: percentile(times, 10), cpu: (cpu.user + cpu.system) / 1000 / times.length };
  };
  return { paper: measure(images.paper), alpha: measure(images.alpha) };
}

interface Tally {
  total: number;
  correct: number;
  noDigit: number;
  errors: number;
}

function tally(uploads: UploadRecord[], outcomes: Outcome[], kind?: UploadKind): Tally {
  const t: Tally = { total: 0, correct: 0, noDigit: 0, errors: 0 };
  uploads.forEach((upload, i) => {
    if (kind && upload.kind !== kind) return;
    t.total++;
    const outcome = outcomes[i];
    if ("digit" in outcome) {
      if (outcome.digit === upload.label) t.correct++;
    } else if (outcome.error.includes("no_digit_found")) t.noDigit++;
    else t.errors++;
  });
  return t;
}

const pct = (t: Tally) => (t.total ? `${((100 * t.correct) / t.total).toFixed(2)}%` : "–");
const cellOf = (t: Tally | undefined) =>
  t ? `${pct(t)}${t.noDigit ? ` (${t.noDigit} no digit)` : ""}${t.errors ? ` (${t.errors} errors)` : ""}` : "not measured";

function report(options: {
  manifest: UploadManifest;
  offline: OfflineResult;
  http?: Outcome[];
  url: string;
  raw: RawResult;
  modelCard: { name?: string; sha256?: string };
  timing: { paper: Timing; alpha: Timing };
}): string {
  const { manifest, offline, http, raw, modelCard, timing } = options;
  const uploads = manifest.uploads;
  const rows = UPLOAD_KINDS.filter((kind) => uploads.some((u) => u.kind === kind)).map((kind) => {
    const off = tally(uploads, offline.outcomes, kind);
    return `| ${kind} | ${KIND_DESCRIPTIONS[kind]} | ${off.total} | ${cellOf(off)} | ${cellOf(http && tally(uploads, http, kind))} |`;
  });
  const offAll = tally(uploads, offline.outcomes);
  const httpAll = http && tally(uploads, http);
  let agreement = "";
  if (http) {
    const same = uploads.filter((_, i) => JSON.stringify(http[i]) === JSON.stringify(offline.outcomes[i])).length;
    agreement = `HTTP and offline answers agree on ${same} of ${uploads.length} uploads.`;
  }
  const rawPct = ((100 * raw.correct) / raw.total).toFixed(2);
  const sourcesRight = uploads.filter((u) => raw.right[u.mnistIndex]).length;
  const offlineWrong = uploads.filter((u, i) => {
    const outcome = offline.outcomes[i];
    return !("digit" in outcome) || outcome.digit !== u.label;
  });
  const alsoWrongRaw = offlineWrong.filter((u) => !raw.right[u.mnistIndex]).length;
  const ms = offline.preprocessMs;
  return [
    `Model: \`${modelCard.name ?? "?"}\` (ONNX sha256 ${modelCard.sha256?.slice(0, 12) ?? "?"}). ` +
      `Upload set: ${manifest.count} MNIST *test* digits re-rendered by \`scripts/make-upload-set.ts\` (seed ${manifest.seed}), ` +
      `canvases 24–800 px, non-square, digit off-centre at 35–90% of the shorter side.`,
    "",
    "| kind | what | n | offline (Node: worker decode + toMnistInput + onnxruntime-web) | HTTP (" + (http ? options.url : "not measured") + ") |",
    "|---|---|---:|---:|---:|",
    ...rows,
    `| **all** | | ${offAll.total} | **${cellOf(offAll)}** | **${cellOf(httpAll)}** |`,
    "",
    `Reference: the same model on the raw MNIST test set (10,000 digits, no preprocessing): **${rawPct}%**; ` +
      `on the ${uploads.length} source digits of this set: ${((100 * sourcesRight) / uploads.length).toFixed(2)}%. ` +
      `Of the ${offlineWrong.length} offline mistakes, ${alsoWrongRaw} are digits the model also gets wrong as raw MNIST.`,
    agreement,
    "",
    `Preprocessing time (\`toMnistInput\`) in Node ${process.version}, ${availableParallelism()} cores shared with other work ` +
      `(load average ${loadavg()[0].toFixed(1)} during the measurement):`,
    "",
    "| 280×280 upload | median wall-clock | fastest 10% | CPU time per call |",
    "|---|---:|---:|---:|",
    ...(["paper", "alpha"] as const).map((k) => {
      const t = timing[k];
      const name = k === "paper" ? "ink on paper (opaque RGB)" : "alpha-only canvas (transparent)";
      return `| ${name} | ${t.median.toFixed(3)} ms | ≤ ${t.p10.toFixed(3)} ms | ${t.cpu.toFixed(3)} ms |`;
    }),
    "",
    `Over the upload set (24–800 px): median ${percentile(ms, 50).toFixed(3)} ms, p95 ${percentile(ms, 95).toFixed(3)} ms wall-clock.`,
  ].join("\n");
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

function loopbackUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("not a URL");
  }
  if (!LOOPBACK.has(url.hostname)) throw new InvalidArgumentError(`only loopback hosts are allowed (got ${url.hostname})`);
  return url.href;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("eval-uploads")
    .description("Accuracy on the upload-like set, through HTTP and offline; writes a BENCHMARKS.md section.")
    .option("--dir <dir>", "upload set directory (from make-upload-set.ts)", DEFAULT_UPLOAD_DIR)
    .option("--url <url>", "classify endpoint (loopback only)", loopbackUrl, DEFAULT_URL)
    .option("--no-http", "skip the HTTP measurement")
    .option("--concurrency <n>", "parallel HTTP requests", positiveInt, 4)
    .option("--model <file>", "ONNX model", DEFAULT_MODEL)
    .option("--no-write", "print the report without updating BENCHMARKS.md")
    .parse();
  const options = program.opts<{ dir: string; url: string; http: boolean; concurrency: number; model: string; write: boolean }>();

  let manifest: UploadManifest;
  try {
    manifest = JSON.parse(await readFile(join(options.dir, MANIFEST_NAME), "utf8")) as UploadManifest;
  } catch {
    throw new Error(`no upload set in ${options.dir} (missing ${MANIFEST_NAME}); create it with 'npx tsx scripts/make-upload-set.ts'`);
  }
  if (options.http) await checkServer(options.url, options.dir, manifest.uploads[0]);

  const model = await loadOnnxClassifier(new Uint8Array(await readFile(options.model)));
  const cardFile = options.model.replace(/\.onnx$/, ".json");
  const modelCard = JSON.parse(await readFile(cardFile, "utf8").catch(() => "{}")) as { name?: string; sha256?: string };

  console.error(`offline: ${manifest.uploads.length} uploads…`);
  const offline = await evaluateOffline(options.dir, manifest.uploads, model);
  const raw = await rawMnistAccuracy(model);
  await model.release();
  let http: Outcome[] | undefined;
  if (options.http) {
    console.error(`HTTP: ${manifest.uploads.length} uploads to ${options.url} (concurrency ${options.concurrency})…`);
    http = await evaluateOverHttp(options.url, options.dir, manifest.uploads, options.concurrency);
  }
  const timing = await preprocessBenchmark();

  const markdown = report({ manifest, offline, http, url: options.url, raw, modelCard, timing });
  console.log(markdown);
  const mistakes = manifest.uploads
    .map((upload, i) => ({ ...upload, offline: offline.outcomes[i], http: http?.[i] }))
    .filter((m) => !("digit" in m.offline) || m.offline.digit !== m.label || (m.http && (!("digit" in m.http) || m.http.digit !== m.label)));
  await writeFile(join(options.dir, "mistakes.json"), `${JSON.stringify(mistakes, null, 1)}\n`);
  console.error(`${mistakes.length} mistakes listed in ${join(options.dir, "mistakes.json")}`);
  if (rateLimitedWaits > 0) console.error(`waited ${rateLimitedWaits} times for the worker's rate limit (HTTP 429)`);
  const offlineSha = modelCard.sha256?.slice(0, 12);
  const otherModels = [...servedModels].filter((sha) => sha !== offlineSha);
  if (otherModels.length > 0) {
    throw new Error(
      `the worker answered with model ${otherModels.join(", ")}, the offline run used ${offlineSha ?? "an unknown model"} (${options.model}); ` +
        "restart wrangler dev after retraining so both sides use the same model. BENCHMARKS.md not updated",
    );
  }
  const failed = [offline.outcomes, http ?? []].flat().filter((o) => "error" in o && !o.error.includes("no_digit_found"));
  if (failed.length > 0) {
    throw new Error(`${failed.length} uploads failed with errors other than no_digit_found (first: ${JSON.stringify(failed[0])}); BENCHMARKS.md not updated`);
  }
  if (options.write) {
    await updateBenchmarkSection(SECTION_ID, "Accuracy on realistic uploads", markdown);
    console.error("updated BENCHMARKS.md");
  }
}

main().catch((error: unknown) => {
  console.error(`eval-uploads: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
