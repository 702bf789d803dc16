import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { IdxError, parseIdxImages, parseIdxLabels, readIdxImages, readIdxLabels } from "../training/idx.ts";
import { defaultDataDir, loadDigitData, splitValidation } from "../training/dataset.ts";

function idxBytes(dims: number[], data: number[] | Uint8Array, type = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, type, dims.length]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

describe("IDX reader on the real MNIST files", () => {
  it("reads 60,000 training images of 28×28 and matching labels", async () => {
    const dir = defaultDataDir();
    const images = await readIdxImages(join(dir, "train-images-idx3-ubyte"));
    const labels = await readIdxLabels(join(dir, "train-labels-idx1-ubyte"));
    expect([images.count, images.rows, images.cols]).toEqual([60000, 28, 28]);
    expect(labels.length).toBe(60000);
    // The first MNIST training labels are well known: 5, 0, 4, 1, 9.
    expect(Array.from(labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    const counts = new Array(10).fill(0);
    for (const l of labels) counts[l]++;
    expect(Math.min(...counts)).toBeGreaterThan(5000);
  });

  it("loads train and test splits as floats in [0,1] and holds out the last 10% like Keras", async () => {
    const data = await loadDigitData(defaultDataDir(), 1000);
    expect(data.train.count).toBe(1000);
    expect(data.test.count).toBe(10000);
    expect(Math.max(...data.test.images.subarray(0, 784))).toBeLessThanOrEqual(1);
    const { train, validation } = splitValidation(data.train, 0.1);
    expect([train.count, validation.count]).toEqual([900, 100]);
    expect(validation.labels[0]).toBe(data.train.labels[900]);
  });

  it("reads gzipped IDX files (as Debian ships Fashion-MNIST)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "idx-"));
    const file = join(dir, "labels-idx1-ubyte.gz");
    writeFileSync(file, gzipSync(idxBytes([3], [1, 2, 3])));
    expect(Array.from(await readIdxLabels(file))).toEqual([1, 2, 3]);
  });
});

describe("IDX reader on corrupted files", () => {
  it("rejects a wrong magic number, naming the file", () => {
    const bytes = idxBytes([2, 2, 2], new Uint8Array(8));
    bytes[0] = 0x12;
    expect(() => parseIdxImages("bad.idx", bytes)).toThrow(/bad\.idx: not an IDX file: wrong magic/);
  });

  it("rejects a labels file where images are expected", () => {
    expect(() => parseIdxImages("labels.idx", idxBytes([4], [1, 2, 3, 4]))).toThrow(/expected 3 dimension\(s\), the header says 1/);
  });

  it("rejects a truncated file with the sizes involved", () => {
    const full = idxBytes([10, 28, 28], new Uint8Array(10 * 784));
    expect(() => parseIdxImages("short.idx", full.subarray(0, full.length - 100))).toThrow(/short\.idx: truncated: the header promises 7840 data bytes \(10×28×28\), the file has 7740/);
    expect(() => parseIdxImages("tiny.idx", new Uint8Array([0, 0]))).toThrow(/truncated/);
  });

  it("rejects trailing garbage and non-byte element types", () => {
    expect(() => parseIdxLabels("long.idx", idxBytes([2], [1, 2, 3]))).toThrow(/1 unexpected bytes/);
    expect(() => parseIdxLabels("float.idx", idxBytes([1], [0, 0, 0, 0], 0x0d))).toThrow(/unsupported IDX element type 0xd/);
  });

  it("rejects labels outside 0–9", () => {
    expect(() => parseIdxLabels("labels.idx", idxBytes([3], [1, 12, 3]))).toThrow(/label 12 at index 1 is outside 0–9/);
  });

  it("reports a missing file and an images/labels count mismatch by name", async () => {
    await expect(readIdxImages("/nonexistent/images")).rejects.toThrow(/\/nonexistent\/images: file not found/);
    const dir = mkdtempSync(join(tmpdir(), "idx-"));
    const real = defaultDataDir();
    for (const prefix of ["train", "t10k"]) {
      writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), readFileSync(join(real, `${prefix}-images-idx3-ubyte`)));
    }
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), idxBytes([5], [1, 2, 3, 4, 5]));
    writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), readFileSync(join(real, "t10k-labels-idx1-ubyte")));
    const error = await loadDigitData(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxError);
    expect((error as Error).message).toMatch(/train-images-idx3-ubyte: 60000 images but .*train-labels-idx1-ubyte has 5 labels/);
  });
});
