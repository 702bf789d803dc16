// Decompression and decoding bombs: small uploads that would make the decoder allocate or compute far beyond
// what the image needs. Each is refused with a 4xx before the expensive step; ordinary images still pass.
import { encode } from "fast-png";
import { zlibSync } from "fflate";
import jpeg from "jpeg-js";
import { describe, expect, it } from "vitest";
import { countJpegScans } from "../../worker/jpeg-guard.ts";
import { MAX_BODY_BYTES, MAX_JPEG_SCANS } from "../../worker/limits.ts";
import { expectedImageDataBytes, guardPng, PngStructureError } from "../../worker/png-guard.ts";
import { expectError, fixture, postImage } from "./helpers.ts";
import { ihdr, readChunks, withFreshCrcs, writePng, type Chunk } from "../../scripts/png-chunks.ts";
import { zlibZeros, zlibZerosOutput } from "../../scripts/zlib-bomb.ts";

const DIGIT_PNG = "digit-7-mnist-t10k-0000.png";

/** A PNG from an IHDR and the given zlib stream as its only IDAT, with correct CRCs everywhere. */
function pngWithImageData(header: Uint8Array, zlib: Uint8Array, extra: Chunk[] = []): Uint8Array {
  return writePng([{ type: "IHDR", data: header }, ...extra, { type: "IDAT", data: zlib }, { type: "IEND", data: new Uint8Array(0) }]);
}

describe("header bombs: refused from the header, before any pixel is decoded", () => {
  it("a 70-byte PNG declaring 4096×4096 pixels (16 Mpx) answers 413, not a decoding error", async () => {
    const png = pngWithImageData(ihdr(4096, 4096, 8, 0), zlibSync(new Uint8Array(64)));
    expect(png.length).toBeLessThan(100);
    const body = await expectError(await postImage(png), 413, "image_too_large");
    expect(body.message).toContain("4096×4096");
  });

  it("a small JPEG whose frame header says 65535×65535 answers 413", async () => {
    const small = new Uint8Array(jpeg.encode({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 4).fill(255) }, 90).data);
    const sof = small.findIndex((b, i) => b === 0xff && small[i + 1] === 0xc0);
    expect(sof).toBeGreaterThan(0);
    const view = new DataView(small.buffer);
    view.setUint16(sof + 5, 65535); // height
    view.setUint16(sof + 7, 65535); // width
    const body = await expectError(await postImage(small, "", "huge.jpg"), 413, "image_too_large");
    expect(body.message).toContain("65535×65535");
  });
});

describe("PNG image data that inflates beyond what the header declares", () => {
  it("a 5 MiB upload that would inflate to ~800 MB is cut off after the 4,160 bytes a 64×64 grey image needs", async () => {
    const bombSize = 800_000_000;
    const zlib = zlibZeros(bombSize);
    const png = pngWithImageData(ihdr(64, 64, 8, 0), zlib);
    expect(png.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(zlibZerosOutput(bombSize)).toBeGreaterThan(790_000_000);
    const body = await expectError(await postImage(png), 422, "undecodable_image");
    expect(body.message).toContain("inflates to more than the 4160 bytes");
  });

  it("guardPng stops inflating within a few MiB of the limit (inflating the whole bomb would throw RangeError or exhaust memory)", () => {
    const png = pngWithImageData(ihdr(8, 8, 8, 0), zlibZeros(800_000_000));
    expect(() => guardPng(png)).toThrow(PngStructureError);
    expect(() => guardPng(png)).toThrow(/more than the 72 bytes/);
  });

  it("image data twice as long as declared is refused; exactly as long is accepted", () => {
    const header = ihdr(10, 10, 8, 0);
    const expected = expectedImageDataBytes({ width: 10, height: 10, bitDepth: 8, colourType: 0, interlaced: false });
    expect(expected).toBe(10 * 11);
    const rows = (count: number) => zlibSync(new Uint8Array(count * 11).fill(0)); // filter byte 0 + 10 samples of 0
    expect(() => guardPng(pngWithImageData(header, rows(20)))).toThrow(/more than the 110 bytes/);
    expect(() => guardPng(pngWithImageData(header, rows(9)))).toThrow(/ends early: 99 of 110 bytes/);
    expect(guardPng(pngWithImageData(header, rows(10))).header).toMatchObject({ width: 10, height: 10 });
  });

  it("an ICC profile that inflates to ~800 MB is never inflated: the digit is still classified", async () => {
    const chunks = readChunks(fixture(DIGIT_PNG));
    const profile = new Uint8Array([...new TextEncoder().encode("bomb"), 0, 0, ...zlibZeros(800_000_000)]);
    const withProfile = writePng(withFreshCrcs([chunks[0]!, { type: "iCCP", data: profile }, ...chunks.slice(1)]));
    expect(withProfile.length).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const res = await postImage(withProfile);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { digit: number }).digit).toBe(7);
  });

  it("expected sizes of interlaced images count each Adam7 pass's rows and filter bytes", () => {
    // 1×1: only pass 1 has a pixel. 3×3 8-bit grey: passes 1 (1×1), 4 (1×1), 5 (2×1), 6 (1×2), 7 (3×1).
    const size = (width: number, height: number) =>
      expectedImageDataBytes({ width, height, bitDepth: 8, colourType: 0, interlaced: true });
    expect(size(1, 1)).toBe(2);
    expect(size(3, 3)).toBe(2 + 2 + 3 + 2 * 2 + 4);
    // What fast-png's encoder writes must match exactly (else guardPng would refuse real interlaced files).
    for (const [w, h] of [[1, 1], [3, 3], [13, 7], [64, 1], [1, 64]] as const) {
      const png = encode({ width: w, height: h, channels: 1, depth: 8, data: new Uint8Array(w * h) }, { interlace: "Adam7" });
      expect(() => guardPng(png)).not.toThrow();
    }
  });
});

describe("malformed PNG structure is refused with a reason", () => {
  const header = ihdr(4, 4, 8, 0);
  const image = () => zlibZeros(10); // more than 20 bytes: enough to test the structure checks before the size check
  it.each<[string, () => Uint8Array, RegExp]>([
    ["no IEND", () => writePng([{ type: "IHDR", data: header }, { type: "IDAT", data: image() }]), /no IEND/],
    ["IDAT before IHDR", () => writePng([{ type: "IDAT", data: image() }, { type: "IHDR", data: header }]), /first chunk is IDAT/],
    ["RGB with 4-bit samples", () => pngWithImageData(ihdr(4, 4, 4, 2), image()), /bit depth 4 is not allowed for RGB/],
    ["indexed colour without a palette", () => pngWithImageData(ihdr(4, 4, 8, 3), image()), /without a palette/],
    [
      "a palette of 300 entries",
      () => pngWithImageData(ihdr(4, 4, 8, 3), image(), [{ type: "PLTE", data: new Uint8Array(900) }]),
      /palette chunk of 900 bytes/,
    ],
    ["an unknown critical chunk", () => pngWithImageData(header, image(), [{ type: "CgBI", data: new Uint8Array(4) }]), /critical chunk CgBI/],
    [
      "a chunk length running past the end of the file",
      () => {
        const png = pngWithImageData(header, image());
        new DataView(png.buffer).setUint32(33, 0x7ffffff0); // IDAT's length field
        return png;
      },
      /cut off/,
    ],
  ])("%s", (_, make, reason) => {
    expect(() => guardPng(make())).toThrow(reason);
  });
});

describe("JPEG scan bombs", () => {
  /** The progressive fixture with its last scan repeated until the file has `scans` scans. */
  function withScans(scans: number): Uint8Array {
    const original = fixture("digit-2-mnist-t10k-0001-progressive.jpg");
    let lastScan = -1;
    for (let i = 0; i < original.length - 1; i++) if (original[i] === 0xff && original[i + 1] === 0xda) lastScan = i;
    const eoi = original.length - 2;
    const scan = original.subarray(lastScan, eoi);
    const repeats = scans - countJpegScans(original);
    const out = new Uint8Array(original.length + repeats * scan.length);
    out.set(original.subarray(0, eoi));
    for (let r = 0; r < repeats; r++) out.set(scan, eoi + r * scan.length);
    out.set([0xff, 0xd9], out.length - 2);
    return out;
  }

  it("counts the scans of real files: 1 for baseline, 6 for the progressive fixture", () => {
    expect(countJpegScans(fixture("digit-1-mnist-t10k-0002-baseline.jpg"))).toBe(1);
    expect(countJpegScans(fixture("digit-2-mnist-t10k-0001-progressive.jpg"))).toBe(6);
    expect(countJpegScans(withScans(MAX_JPEG_SCANS + 1))).toBe(MAX_JPEG_SCANS + 1);
  });

  it(`a JPEG with more than ${MAX_JPEG_SCANS} scans is refused before decoding`, async () => {
    const body = await expectError(await postImage(withScans(5000), "", "scans.jpg"), 422, "undecodable_image");
    expect(body.message).toContain("5000 scans");
  });

  it(`a JPEG with ${MAX_JPEG_SCANS} scans is decoded as usual`, async () => {
    // Repeating a refinement scan may garble the pixels, but the scan count itself is no reason to refuse.
    const res = await postImage(withScans(MAX_JPEG_SCANS), "", "scans.jpg");
    const body = (await res.json()) as { message?: string };
    expect([200, 422]).toContain(res.status);
    expect(body.message ?? "").not.toMatch(/scans/);
  });
});
