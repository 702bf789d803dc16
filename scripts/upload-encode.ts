/** Encodes rendered uploads in the file shapes real clients send: PNG of every colour type, and JPEG. */
import { encode as encodePng } from "fast-png";
import jpeg from "jpeg-js";
import type { RgbaImage } from "../worker/preprocess.ts";
import type { Rgb } from "./upload-render.ts";

export type FileShape =
  | { type: "png-rgba" }
  | { type: "png-rgb" }
  | { type: "png-grey" }
  | { type: "png-grey16" }
  | { type: "png-grey-alpha" }
  /** Indexed colour: `colours` entries on the ramp from paper to ink. */
  | { type: "png-palette"; colours: number; paper: Rgb; ink: Rgb }
  | { type: "jpeg"; quality: number };

export function extensionOf(shape: FileShape): "png" | "jpg" {
  return shape.type === "jpeg" ? "jpg" : "png";
}

function luminance(data: Uint8Array | Uint8ClampedArray, p: number): number {
  return 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
}

export function encodeUpload(image: RgbaImage, shape: FileShape): Uint8Array {
  const { width, height, data } = image;
  const n = width * height;
  switch (shape.type) {
    case "png-rgba":
      return encodePng({ width, height, data: Uint8Array.from(data), channels: 4, depth: 8 });
    case "png-rgb": {
      const out = new Uint8Array(n * 3);
      for (let i = 0; i < n; i++) out.set(data.subarray(i * 4, i * 4 + 3), i * 3);
      return encodePng({ width, height, data: out, channels: 3, depth: 8 });
    }
    case "png-grey": {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.round(luminance(data, i * 4));
      return encodePng({ width, height, data: out, channels: 1, depth: 8 });
    }
    case "png-grey16": {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = Math.round(luminance(data, i * 4) * 257);
      return encodePng({ width, height, data: out, channels: 1, depth: 16 });
    }
    case "png-grey-alpha": {
      const out = new Uint8Array(n * 2);
      for (let i = 0; i < n; i++) {
        out[i * 2] = Math.round(luminance(data, i * 4));
        out[i * 2 + 1] = data[i * 4 + 3];
      }
      return encodePng({ width, height, data: out, channels: 2, depth: 8 });
    }
    case "png-palette": {
      const { colours, paper, ink } = shape;
      const palette = Array.from({ length: colours }, (_, j) =>
        [0, 1, 2].map((c) => Math.round(paper[c] + ((ink[c] - paper[c]) * j) / (colours - 1))),
      );
      const paperLum = 0.299 * paper[0] + 0.587 * paper[1] + 0.114 * paper[2];
      const inkLum = 0.299 * ink[0] + 0.587 * ink[1] + 0.114 * ink[2];
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const t = (luminance(data, i * 4) - paperLum) / (inkLum - paperLum || 1);
        out[i] = Math.min(colours - 1, Math.max(0, Math.round(t * (colours - 1))));
      }
      return encodePng({ width, height, data: out, channels: 1, depth: 8, palette });
    }
    case "jpeg":
      return new Uint8Array(jpeg.encode({ width, height, data: Uint8Array.from(data) }, shape.quality).data);
  }
}
