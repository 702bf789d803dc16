// The upload the serving benchmark sends: an MNIST test digit drawn as a browser canvas would export it, a
// 280×280 RGBA PNG with dark ink on white, scaled up ×10 with bilinear interpolation.
import { encode } from "fast-png";
import { defaultDataDir, IMAGE_SIZE, loadDigitData } from "../training/dataset.ts";

export const UPLOAD_SIDE = 280;

export interface BenchUpload {
  png: Uint8Array;
  label: number;
  /** Which MNIST test image it shows. */
  testIndex: number;
}

/** `pixels`: 28×28 values in [0,1], white ink on black (MNIST's convention). */
export function canvasPng(pixels: Float32Array, side = UPLOAD_SIDE): Uint8Array {
  const rgba = new Uint8Array(side * side * 4);
  const scale = IMAGE_SIZE / side;
  const at = (x: number, y: number) => pixels[Math.min(IMAGE_SIZE - 1, Math.max(0, y)) * IMAGE_SIZE + Math.min(IMAGE_SIZE - 1, Math.max(0, x))];
  for (let y = 0; y < side; y++) {
    const sy = (y + 0.5) * scale - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let x = 0; x < side; x++) {
      const sx = (x + 0.5) * scale - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      const ink =
        (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) + (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
      const level = Math.round(255 * (1 - ink));
      const p = (y * side + x) * 4;
      rgba[p] = rgba[p + 1] = rgba[p + 2] = level;
      rgba[p + 3] = 255;
    }
  }
  return encode({ width: side, height: side, data: rgba, depth: 8, channels: 4 });
}

export async function makeBenchUpload(testIndex = 0): Promise<BenchUpload> {
  const { test } = await loadDigitData(defaultDataDir(), 1);
  const pixels = test.images.subarray(testIndex * IMAGE_SIZE * IMAGE_SIZE, (testIndex + 1) * IMAGE_SIZE * IMAGE_SIZE);
  return { png: canvasPng(pixels), label: test.labels[testIndex]!, testIndex };
}
