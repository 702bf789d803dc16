// The 28×28 input the model saw, for ?debug=1: a PNG data URL (to look at) and the raw values (to compute with).
import { encode } from "fast-png";

const SIDE = 28 as const;

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export interface DebugInput {
  width: typeof SIDE;
  height: typeof SIDE;
  /** data:image/png;base64,… greyscale, white ink on black, exactly as fed to the model (scaled to 0–255). */
  png: string;
  /** The 784 model inputs in [0, 1], row-major. */
  pixels: number[];
}

export function debugInput(input: Float32Array): DebugInput {
  const grey = new Uint8Array(SIDE * SIDE);
  for (let i = 0; i < grey.length; i++) grey[i] = Math.round(Math.min(1, Math.max(0, input[i] ?? 0)) * 255);
  const png = encode({ width: SIDE, height: SIDE, data: grey, depth: 8, channels: 1 });
  return {
    width: SIDE,
    height: SIDE,
    png: `data:image/png;base64,${base64(png)}`,
    pixels: Array.from(input, (v) => Math.round(v * 1e4) / 1e4),
  };
}
