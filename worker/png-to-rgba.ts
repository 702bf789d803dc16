// Turns whatever fast-png decoded (grey, grey+alpha, RGB, RGBA, palette; 1–16 bits; tRNS) into 8-bit RGBA.
import { convertIndexedToRgb, type DecodedPng } from "fast-png";
import type { RgbaImage } from "./preprocess.ts";

/** Reads sample `index` of a row-major buffer whose rows are packed at `depth` bits per sample. */
function makeSampleReader(png: DecodedPng): (row: number, column: number) => number {
  const { data, depth, width, channels } = png;
  if (depth >= 8) {
    const rowLength = width * channels;
    return (row, column) => data[row * rowLength + column]!;
  }
  // 1/2/4-bit greyscale stays packed in fast-png's output, each row starting on a byte boundary.
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const mask = (1 << depth) - 1;
  return (row, column) => {
    const bit = column * depth;
    const byte = data[row * rowBytes + (bit >> 3)]!;
    return (byte >> (8 - depth - (bit & 7))) & mask;
  };
}

export function pngToRgba(png: DecodedPng): RgbaImage {
  const { width, height } = png;
  const out = new Uint8Array(width * height * 4);

  if (png.palette) {
    const rgb = convertIndexedToRgb(png); // 3 or 4 bytes per pixel (4 when tRNS gave palette alpha)
    const perPixel = png.palette[0]!.length;
    for (let p = 0; p < width * height; p++) {
      out[p * 4] = rgb[p * perPixel]!;
      out[p * 4 + 1] = rgb[p * perPixel + 1]!;
      out[p * 4 + 2] = rgb[p * perPixel + 2]!;
      out[p * 4 + 3] = perPixel === 4 ? rgb[p * perPixel + 3]! : 255;
    }
    return { width, height, data: out };
  }

  const { channels, depth } = png;
  // tRNS on grey/RGB images names one colour (in raw sample values) that is fully transparent.
  const key = png.transparency && png.transparency.length > 0 ? png.transparency : undefined;
  if (depth === 8 && !key) return expand8Bit(png.data as Uint8Array, width, height, channels);

  const maxValue = (1 << depth) - 1;
  const to8 = (v: number) => Math.round((v * 255) / maxValue);
  const sample = makeSampleReader(png);

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const c = x * channels;
      let r: number, g: number, b: number, a: number;
      let transparent = false;
      if (channels <= 2) {
        const grey = sample(y, c);
        r = g = b = to8(grey);
        a = channels === 2 ? to8(sample(y, c + 1)) : 255;
        transparent = key !== undefined && grey === key[0];
      } else {
        const rr = sample(y, c), gg = sample(y, c + 1), bb = sample(y, c + 2);
        r = to8(rr);
        g = to8(gg);
        b = to8(bb);
        a = channels === 4 ? to8(sample(y, c + 3)) : 255;
        transparent = key !== undefined && key.length >= 3 && rr === key[0] && gg === key[1] && bb === key[2];
      }
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
      out[o + 3] = transparent ? 0 : a;
    }
  }
  return { width, height, data: out };
}

/**
 * The common case (8-bit samples, no colour key) without per-sample conversion: RGBA is passed through as it
 * is, the other layouts are widened with alpha 255 where they have none.
 */
function expand8Bit(data: Uint8Array, width: number, height: number, channels: number): RgbaImage {
  if (channels === 4) return { width, height, data };
  const pixels = width * height;
  const out = new Uint8Array(pixels * 4);
  if (channels === 3) {
    for (let p = 0, i = 0, o = 0; p < pixels; p++, i += 3, o += 4) {
      out[o] = data[i]!;
      out[o + 1] = data[i + 1]!;
      out[o + 2] = data[i + 2]!;
      out[o + 3] = 255;
    }
  } else {
    for (let p = 0, i = 0, o = 0; p < pixels; p++, i += channels, o += 4) {
      const grey = data[i]!;
      out[o] = grey;
      out[o + 1] = grey;
      out[o + 2] = grey;
      out[o + 3] = channels === 2 ? data[i + 1]! : 255;
    }
  }
  return { width, height, data: out };
}
