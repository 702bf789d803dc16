// decodeImage: every PNG colour type and bit depth (and interlacing) comes out as the same 8-bit RGBA.
// Inputs are encoded here with fast-png from one reference image of odd width (rows of sub-byte depths then end
// mid-byte); what is tested is our conversion to RGBA, the header checks and format sniffing.
import { encode, type ImageData as PngImage } from "fast-png";
import jpeg from "jpeg-js";
import { describe, expect, it } from "vitest";
import { checkDeclaredSize, decodeImage, sniffFormat } from "../../worker/decode.ts";
import { ApiError } from "../../worker/errors.ts";

const W = 13;
const H = 7;
/** Grey levels that every depth can represent exactly: 0 and 255 alternate with 85/170 (exact at 2 bits). */
const greyAt = (x: number, y: number) => [0, 85, 170, 255][(x + 2 * y) % 4]!;
const alphaAt = (x: number, y: number) => ((x * y) % 3 === 0 ? 255 : 0);

/** The reference image as RGBA 8-bit, after a round trip through `depth` bits per sample. */
function expectedRgba(withAlpha: boolean, depth = 8): Uint8Array {
  const max = 2 ** depth - 1;
  const out = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const g = Math.round((Math.round((greyAt(x, y) / 255) * max) * 255) / max);
      out.set([g, g, g, withAlpha ? alphaAt(x, y) : 255], (y * W + x) * 4);
    }
  }
  return out;
}

/** Samples of the reference image at `depth` bits, `channels` per pixel (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
function samples(channels: number, depth: number): number[][] {
  const max = 2 ** depth - 1;
  const rows: number[][] = [];
  for (let y = 0; y < H; y++) {
    const row: number[] = [];
    for (let x = 0; x < W; x++) {
      const g = Math.round((greyAt(x, y) / 255) * max);
      const a = Math.round((alphaAt(x, y) / 255) * max);
      if (channels === 1) row.push(g);
      if (channels === 2) row.push(g, a);
      if (channels === 3) row.push(g, g, g);
      if (channels === 4) row.push(g, g, g, a);
    }
    rows.push(row);
  }
  return rows;
}

/** Packs rows of samples into PNG scanline layout (sub-byte depths packed MSB first, each row byte-aligned). */
function pack(rows: number[][], depth: number): Uint8Array | Uint16Array {
  if (depth === 16) return Uint16Array.from(rows.flat());
  if (depth === 8) return Uint8Array.from(rows.flat());
  const rowBytes = Math.ceil((rows[0]!.length * depth) / 8);
  const out = new Uint8Array(rowBytes * rows.length);
  rows.forEach((row, y) =>
    row.forEach((v, i) => {
      const bit = i * depth;
      out[y * rowBytes + (bit >> 3)]! |= v << (8 - depth - (bit & 7));
    }),
  );
  return out;
}

const variants: Array<{ name: string; channels: number; depth: 1 | 2 | 4 | 8 | 16; alpha: boolean }> = [
  { name: "grey 1-bit", channels: 1, depth: 1, alpha: false },
  { name: "grey 2-bit", channels: 1, depth: 2, alpha: false },
  { name: "grey 8-bit", channels: 1, depth: 8, alpha: false },
  { name: "grey 16-bit", channels: 1, depth: 16, alpha: false },
  { name: "grey+alpha 8-bit", channels: 2, depth: 8, alpha: true },
  { name: "grey+alpha 16-bit", channels: 2, depth: 16, alpha: true },
  { name: "RGB 8-bit", channels: 3, depth: 8, alpha: false },
  { name: "RGB 16-bit", channels: 3, depth: 16, alpha: false },
  { name: "RGBA 8-bit", channels: 4, depth: 8, alpha: true },
  { name: "RGBA 16-bit", channels: 4, depth: 16, alpha: true },
];

describe("PNG colour types and depths -> RGBA 8-bit", () => {
  for (const interlace of ["null", "Adam7"] as const) {
    const cases = interlace === "null" ? variants : variants.filter((v) => v.depth >= 8);
    it.each(cases)(`$name (${interlace === "null" ? "not interlaced" : "interlaced"})`, ({ channels, depth, alpha }) => {
      const png = encode({ width: W, height: H, channels, depth, data: pack(samples(channels, depth), depth) }, { interlace });
      const image = decodeImage(png);
      expect([image.format, image.width, image.height]).toEqual(["png", W, H]);
      expect(Array.from(image.data)).toEqual(Array.from(expectedRgba(alpha, depth)));
    });
  }

  it.each([1, 2] as const)("interlaced %i-bit grey is refused with 422 (fast-png cannot de-interlace packed samples)", (depth) => {
    const png = encode({ width: W, height: H, channels: 1, depth, data: pack(samples(1, depth), depth) }, { interlace: "Adam7" });
    expect(() => decodeImage(png)).toThrow(expect.objectContaining({ status: 422, message: expect.stringMatching(/Interlaced/) }));
  });

  it.each([1, 2, 4, 8] as const)("palette %i-bit, with transparency for one entry", (depth) => {
    // The transparent entry comes first: fast-png's encoder writes tRNS for non-opaque entries only, which is
    // right only when they lead the palette (the pypng-made fixtures cover the other order).
    const palette = [
      [255, 255, 255, 0],
      [0, 0, 0, 255],
      [85, 85, 85, 255],
      [170, 170, 170, 255],
    ].slice(0, 2 ** depth);
    const indexOf = [1, 2, 3, 0]; // grey 0, 85, 170, 255 -> palette entry
    const rows = samples(1, 8).map((row) => row.map((g) => Math.min(palette.length - 1, indexOf[Math.round(g / 85)]!)));
    const image = decodeImage(encode({ width: W, height: H, channels: 1, depth, palette, data: pack(rows, depth) } as PngImage));
    const expected = expectedRgba(false);
    rows.flat().forEach((index, p) => expected.set(palette[index]!, p * 4));
    expect(Array.from(image.data)).toEqual(Array.from(expected));
  });
});

describe("JPEG", () => {
  it("baseline JPEG decodes to RGBA close to the original", () => {
    const original = expectedRgba(false);
    const bytes = jpeg.encode({ width: W, height: H, data: original }, 100).data;
    const image = decodeImage(new Uint8Array(bytes));
    expect([image.format, image.width, image.height]).toEqual(["jpeg", W, H]);
    let error = 0;
    image.data.forEach((v, i) => (error += Math.abs(v - original[i]!) / image.data.length));
    expect(error).toBeLessThan(12);
  });
});

describe("format sniffing and header checks", () => {
  it("goes by magic bytes only", () => {
    expect(sniffFormat(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe("png");
    expect(sniffFormat(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe("jpeg");
    expect(sniffFormat(new TextEncoder().encode("GIF89a"))).toBeUndefined();
    expect(sniffFormat(new TextEncoder().encode("\x89PN"))).toBeUndefined();
  });

  it("refuses oversize dimensions from the header alone, before decoding", () => {
    const wide = encode({ width: 4097, height: 1, channels: 1, depth: 8, data: new Uint8Array(4097) });
    expect(() => checkDeclaredSize(wide, "png")).toThrow(ApiError);
    const tooManyPixels = encode({ width: 2049, height: 2049, channels: 1, depth: 1, data: new Uint8Array(257 * 2049) });
    expect(() => checkDeclaredSize(tooManyPixels, "png")).toThrow(/Mpx/);
    const atLimit = encode({ width: 2048, height: 2048, channels: 1, depth: 1, data: new Uint8Array(256 * 2048) });
    expect(checkDeclaredSize(atLimit, "png")).toEqual({ width: 2048, height: 2048 });
  });
});
