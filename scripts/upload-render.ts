/**
 * Re-renders a 28×28 MNIST digit the way a real upload would look: on a canvas of any size, scaled
 * up smoothly (bicubic), off-centre, as dark ink on paper or light ink on a dark board, optionally with
 * the ink only in the alpha channel (canvas export), with photo defects (uneven light, blur, noise,
 * specks), and on a sheet of paper lying on a darker desk. Deterministic given the random generator. Used by the upload set and by the tests.
 */
import type { RgbaImage } from "../worker/preprocess.ts";

export type Rgb = readonly [number, number, number];

export interface Placement {
  canvasWidth: number;
  canvasHeight: number;
  /** Side, in canvas pixels, of the whole 28×28 MNIST field (the digit's bounding box is ~20/28 of it). */
  fieldSize: number;
  /** Canvas position of the field's top-left corner (may be negative: the empty margin can fall outside). */
  left: number;
  top: number;
}

export interface Look {
  ink: Rgb;
  paper: Rgb;
  /** Ink only in alpha: transparent background, every pixel's RGB is `ink`. `paper` is ignored. */
  alphaOnly?: boolean;
  /** Maps stroke intensity through a ramp [from, to] → [0, 1]: > 0 makes thinner, crisper strokes. */
  crispness?: { from: number; to: number };
  /** Illumination multiplies the paper and ink: 1 + gradient across the canvas (e.g. ±0.15) + vignette. */
  light?: { gradientX: number; gradientY: number; vignette: number };
  /** Box-blur radius in pixels (defocus). */
  blur?: number;
  /** Standard deviation of Gaussian sensor noise, in grey levels. */
  noise?: number;
  /** Number of small dark dust specks. */
  specks?: number;
  /** The paper is a sheet lying on a surface (a desk) of this colour: a rectangle, possibly turned. */
  surround?: { colour: Rgb; sheet: Sheet };
}

/** A rectangle on the canvas: centre, half sides, turned by `angle` radians about its centre. */
export interface Sheet {
  cx: number;
  cy: number;
  halfWidth: number;
  halfHeight: number;
  angle: number;
}

/** How much of the pixel at (x, y) the sheet covers, anti-aliased over one pixel at its edges. */
function sheetCover(sheet: Sheet, x: number, y: number): number {
  const [dx, dy] = [x + 0.5 - sheet.cx, y + 0.5 - sheet.cy];
  const [cos, sin] = [Math.cos(sheet.angle), Math.sin(sheet.angle)];
  const u = dx * cos + dy * sin;
  const v = -dx * sin + dy * cos;
  const inside = Math.min(sheet.halfWidth - Math.abs(u), sheet.halfHeight - Math.abs(v));
  return Math.min(1, Math.max(0, inside + 0.5));
}

export type Random = () => number;

/** Bounding box of a 28×28 MNIST digit's non-zero pixels, in field pixels (x1, y1 exclusive). */
export function mnistBox(digit: Uint8Array): { x0: number; y0: number; x1: number; y1: number } {
  let x0 = 28;
  let y0 = 28;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (digit[y * 28 + x] === 0) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  return { x0, y0, x1, y1 };
}

/**
 * Places the digit so that its bounding box's longer side is `digitSize` canvas pixels and the box
 * lies inside the canvas at a position given by `u`, `v` in [0, 1] (0 = flush left/top, 1 = flush right/bottom).
 */
export function placeDigit(
  digit: Uint8Array,
  canvasWidth: number,
  canvasHeight: number,
  digitSize: number,
  u: number,
  v: number,
): Placement {
  const box = mnistBox(digit);
  const longer = Math.max(box.x1 - box.x0, box.y1 - box.y0, 1);
  const fieldSize = (digitSize * 28) / longer;
  const unit = fieldSize / 28;
  const freeX = Math.max(0, canvasWidth - (box.x1 - box.x0) * unit);
  const freeY = Math.max(0, canvasHeight - (box.y1 - box.y0) * unit);
  return {
    canvasWidth,
    canvasHeight,
    fieldSize,
    left: u * freeX - box.x0 * unit,
    top: v * freeY - box.y0 * unit,
  };
}

/** Keys' cubic convolution kernel (a = -0.5, Catmull–Rom): smooth, no overshoot on flat areas. */
function cubic(t: number): number {
  const x = Math.abs(t);
  if (x < 1) return 1.5 * x * x * x - 2.5 * x * x + 1;
  if (x < 2) return -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2;
  return 0;
}

/** Stroke intensity in [0, 1] for every canvas pixel: the digit's 28×28 field upscaled bicubically. */
export function upscaleInk(digit: Uint8Array, placement: Placement): Float32Array {
  const { canvasWidth: w, canvasHeight: h, fieldSize, left, top } = placement;
  const unit = fieldSize / 28;
  // Horizontal pass: the 28 source rows resampled at every canvas column.
  const rows = new Float32Array(28 * w);
  for (let x = 0; x < w; x++) {
    const sx = (x + 0.5 - left) / unit - 0.5;
    const base = Math.floor(sx);
    for (let k = -1; k <= 2; k++) {
      const i = base + k;
      if (i < 0 || i >= 28) continue;
      const weight = cubic(sx - i);
      if (weight === 0) continue;
      for (let r = 0; r < 28; r++) rows[r * w + x] += weight * digit[r * 28 + i];
    }
  }
  const ink = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = (y + 0.5 - top) / unit - 0.5;
    const base = Math.floor(sy);
    for (let k = -1; k <= 2; k++) {
      const r = base + k;
      if (r < 0 || r >= 28) continue;
      const weight = cubic(sy - r);
      if (weight === 0) continue;
      for (let x = 0; x < w; x++) ink[y * w + x] += weight * rows[r * w + x];
    }
  }
  for (let i = 0; i < ink.length; i++) ink[i] = Math.min(1, Math.max(0, ink[i] / 255));
  return ink;
}

function boxBlur(values: Float32Array, w: number, h: number, radius: number): void {
  if (radius < 1) return;
  const line = new Float32Array(Math.max(w, h));
  const pass = (count: number, length: number, at: (line: number, i: number) => number) => {
    for (let l = 0; l < count; l++) {
      for (let i = 0; i < length; i++) line[i] = values[at(l, i)];
      for (let i = 0; i < length; i++) {
        let sum = 0;
        let n = 0;
        for (let k = Math.max(0, i - radius); k <= Math.min(length - 1, i + radius); k++) {
          sum += line[k];
          n++;
        }
        values[at(l, i)] = sum / n;
      }
    }
  };
  pass(h, w, (y, x) => y * w + x);
  pass(w, h, (x, y) => y * w + x);
}

/** A standard normal sample (Box–Muller). */
function gaussian(random: Random): number {
  const u = Math.max(1e-12, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Renders the digit as an RGBA image with the given placement and look. */
export function renderUpload(digit: Uint8Array, placement: Placement, look: Look, random: Random): RgbaImage {
  const { canvasWidth: w, canvasHeight: h } = placement;
  const ink = upscaleInk(digit, placement);
  if (look.crispness) {
    const { from, to } = look.crispness;
    for (let i = 0; i < ink.length; i++) ink[i] = Math.min(1, Math.max(0, (ink[i] - from) / (to - from)));
  }
  const data = new Uint8ClampedArray(w * h * 4);

  if (look.alphaOnly) {
    for (let i = 0; i < w * h; i++) {
      data[i * 4] = look.ink[0];
      data[i * 4 + 1] = look.ink[1];
      data[i * 4 + 2] = look.ink[2];
      data[i * 4 + 3] = Math.round(ink[i] * 255);
    }
    return { width: w, height: h, data };
  }

  const specks = makeSpecks(look.specks ?? 0, w, h, random);
  for (let i = 0; i < 3; i++) {
    const channel = new Float32Array(w * h);
    for (let p = 0; p < w * h; p++) channel[p] = look.paper[i] + (look.ink[i] - look.paper[i]) * ink[p];
    if (look.surround) {
      const { colour, sheet } = look.surround;
      for (let p = 0; p < w * h; p++) channel[p] = colour[i] + (channel[p] - colour[i]) * sheetCover(sheet, p % w, Math.floor(p / w));
    }
    drawSpecks(channel, w, h, specks, look.ink[i]);
    if (look.light) applyLight(channel, w, h, look.light);
    if (look.blur) boxBlur(channel, w, h, look.blur);
    for (let p = 0; p < w * h; p++) data[p * 4 + i] = channel[p];
  }
  if (look.noise) {
    // Luminance noise (same offset on all channels) plus a little chroma noise, like a phone sensor.
    for (let p = 0; p < w * h; p++) {
      const common = gaussian(random) * look.noise;
      for (let i = 0; i < 3; i++) data[p * 4 + i] += Math.round(common + gaussian(random) * look.noise * 0.3);
    }
  }
  for (let p = 0; p < w * h; p++) data[p * 4 + 3] = 255;
  return { width: w, height: h, data };
}

interface Speck {
  x: number;
  y: number;
  radius: number;
}

function makeSpecks(count: number, w: number, h: number, random: Random): Speck[] {
  return Array.from({ length: count }, () => ({
    x: random() * w,
    y: random() * h,
    radius: 0.6 + random() * Math.max(0.5, Math.min(w, h) / 250),
  }));
}

function drawSpecks(channel: Float32Array, w: number, h: number, specks: readonly Speck[], colour: number): void {
  for (const { x, y, radius } of specks) {
    for (let py = Math.max(0, Math.floor(y - radius)); py <= Math.min(h - 1, Math.ceil(y + radius)); py++) {
      for (let px = Math.max(0, Math.floor(x - radius)); px <= Math.min(w - 1, Math.ceil(x + radius)); px++) {
        const cover = Math.min(1, Math.max(0, radius + 0.5 - Math.hypot(px + 0.5 - x, py + 0.5 - y)));
        channel[py * w + px] += (colour - channel[py * w + px]) * cover * 0.8;
      }
    }
  }
}

function applyLight(channel: Float32Array, w: number, h: number, light: NonNullable<Look["light"]>): void {
  for (let y = 0; y < h; y++) {
    const ny = y / Math.max(1, h - 1) - 0.5;
    for (let x = 0; x < w; x++) {
      const nx = x / Math.max(1, w - 1) - 0.5;
      const factor = 1 + light.gradientX * nx * 2 + light.gradientY * ny * 2 - light.vignette * (nx * nx + ny * ny) * 2;
      channel[y * w + x] *= factor;
    }
  }
}
