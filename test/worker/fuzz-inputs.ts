// fast-check generators of hostile /classify requests: random bytes; valid PNGs and JPEGs (every colour type,
// depth, interlacing, palettes) with corrupt, truncated or inflated bodies, wrong CRCs, absurd dimensions, odd
// chunks and scans; and multipart bodies with odd boundaries, duplicate, missing or misnamed fields.
import fc from "fast-check";
import { encode, type ImageData as PngImage } from "fast-png";
import jpeg from "jpeg-js";
import { ihdr, readChunks, withFreshCrcs, writePng, type Chunk } from "../../scripts/png-chunks.ts";
import { zlibZeros } from "../../scripts/zlib-bomb.ts";
import { NoDigitError, toMnistInput, type RgbaImage } from "../../worker/preprocess.ts";

export interface FuzzUpload {
  /** What was generated, for the statistics and for failure reports. */
  kind: string;
  body: Uint8Array;
  contentType?: string;
  /** When set, the only acceptable error codes besides a 200 (e.g. an untouched valid image). */
  allowedErrors?: string[];
}

interface ImageCase {
  kind: string;
  bytes: Uint8Array;
  /** An intact image: only "no digit" (or a documented refusal) may stop it. */
  valid: boolean;
}

const encoder = new TextEncoder();
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** A grey picture: background level, a stroke-like bar and a blob of the other polarity, some noise. */
function renderGrey(width: number, height: number, seed: number): Uint8Array {
  let state = seed >>> 0 || 1;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const background = random() < 0.5 ? 255 : 0;
  const ink = 255 - background;
  const noise = random() * 40;
  const cx = random() * width, cy = random() * height, radius = 1 + random() * Math.min(width, height) * 0.4;
  const grey = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inBlob = (x - cx) ** 2 + (y - cy) ** 2 < radius ** 2;
      const inBar = Math.abs(x - width / 2) < Math.max(1, width / 10) && y > height / 5 && y < (4 * height) / 5;
      const level = inBlob || inBar ? ink : background;
      grey[y * width + x] = Math.max(0, Math.min(255, Math.round(level + (random() - 0.5) * noise)));
    }
  }
  return grey;
}

type Colour = "grey" | "greyAlpha" | "rgb" | "rgba" | "palette";
const CHANNELS: Record<Colour, number> = { grey: 1, greyAlpha: 2, rgb: 3, rgba: 4, palette: 1 };
const DEPTHS: Record<Colour, Array<1 | 2 | 4 | 8 | 16>> = {
  grey: [1, 2, 4, 8, 16],
  greyAlpha: [8, 16],
  rgb: [8, 16],
  rgba: [8, 16],
  palette: [1, 2, 4, 8],
};

function packRows(samples: number[], width: number, height: number, perPixel: number, depth: number) {
  if (depth === 16) return Uint16Array.from(samples);
  if (depth === 8) return Uint8Array.from(samples);
  const rowBytes = Math.ceil((width * perPixel * depth) / 8);
  const out = new Uint8Array(rowBytes * height);
  for (let y = 0; y < height; y++) {
    for (let i = 0; i < width * perPixel; i++) {
      const bit = i * depth;
      out[y * rowBytes + (bit >> 3)]! |= samples[y * width * perPixel + i]! << (8 - depth - (bit & 7));
    }
  }
  return out;
}

function encodePng(width: number, height: number, colour: Colour, depth: 1 | 2 | 4 | 8 | 16, interlaced: boolean, seed: number) {
  const grey = renderGrey(width, height, seed);
  const max = 2 ** depth - 1;
  const samples: number[] = [];
  let palette: number[][] | undefined;
  if (colour === "palette") {
    const entries = 2 ** depth;
    palette = Array.from({ length: entries }, (_, i) => {
      const g = Math.round((i * 255) / (entries - 1));
      return [g, g, g];
    });
    for (const g of grey) samples.push(Math.round((g / 255) * (entries - 1)));
  } else {
    for (const g of grey) {
      const v = Math.round((g / 255) * max);
      if (colour === "grey") samples.push(v);
      if (colour === "greyAlpha") samples.push(v, max);
      if (colour === "rgb") samples.push(v, v, v);
      if (colour === "rgba") samples.push(v, v, v, max);
    }
  }
  const data = packRows(samples, width, height, CHANNELS[colour], depth);
  const image = { width, height, depth, channels: CHANNELS[colour], data, ...(palette ? { palette } : {}) } as PngImage;
  return encode(image, { interlace: interlaced ? "Adam7" : "null" });
}

const validPng: fc.Arbitrary<ImageCase> = fc
  .record({
    width: fc.integer({ min: 1, max: 48 }),
    height: fc.integer({ min: 1, max: 48 }),
    colour: fc.constantFrom<Colour>("grey", "greyAlpha", "rgb", "rgba", "palette"),
    interlaced: fc.boolean(),
    seed: fc.integer(),
  })
  .chain((spec) => fc.constantFrom(...DEPTHS[spec.colour]).map((depth) => ({ ...spec, depth })))
  .map(({ width, height, colour, depth, interlaced, seed }) => ({
    kind: `png ${colour} ${depth}-bit${interlaced ? " interlaced" : ""}`,
    bytes: encodePng(width, height, colour, depth, interlaced, seed),
    valid: true,
  }));

const validJpeg: fc.Arbitrary<ImageCase> = fc
  .record({
    width: fc.integer({ min: 1, max: 48 }),
    height: fc.integer({ min: 1, max: 48 }),
    quality: fc.integer({ min: 1, max: 100 }),
    seed: fc.integer(),
  })
  .map(({ width, height, quality, seed }) => {
    const grey = renderGrey(width, height, seed);
    const rgba = new Uint8Array(width * height * 4);
    grey.forEach((g, i) => rgba.set([g, g, g, 255], i * 4));
    return { kind: "jpeg", bytes: new Uint8Array(jpeg.encode({ width, height, data: rgba }, quality).data), valid: true };
  });

/** Bomb payloads are built once per size. */
const bombCache = new Map<number, Uint8Array>();
const bomb = (size: number) => bombCache.get(size) ?? bombCache.set(size, zlibZeros(size)).get(size)!;

const ABSURD_SIDES = [0, 1, 2049, 4096, 4097, 20000, 65535, 0x7fffffff, 0xffffffff];
const CHUNK_TYPES = ["tEXt", "zTXt", "iTXt", "iCCP", "pHYs", "acTL", "fcTL", "fdAT", "CgBI", "abcd", "IDAT", "PLTE", "tRNS", "IHDR", "IEND"];

type PngEdit = (chunks: Chunk[]) => Chunk[];
const pngEdit: fc.Arbitrary<[string, PngEdit]> = fc.oneof(
  fc.constant<[string, PngEdit]>(["wrong CRC", (c) => c.map((chunk, i) => (i === Math.min(1, c.length - 1) ? { ...chunk, crc: (chunk.crc ?? 0) ^ 1 } : chunk))]),
  fc
    .tuple(fc.constantFrom(...ABSURD_SIDES), fc.constantFrom(...ABSURD_SIDES))
    .map(([w, h]): [string, PngEdit] => [
      `IHDR ${w}×${h}`,
      (c) => withFreshCrcs(c).map((chunk) => (chunk.type === "IHDR" ? { type: "IHDR", data: ihdr(w, h, chunk.data[8]!, chunk.data[9]!, chunk.data[12]!) } : chunk)),
    ]),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 }))
    .map(([depth, colour, interlace]): [string, PngEdit] => [
      `IHDR depth ${depth} colour ${colour} interlace ${interlace}`,
      (c) => withFreshCrcs(c).map((chunk) => {
        if (chunk.type !== "IHDR") return chunk;
        const view = new DataView(chunk.data.buffer, chunk.data.byteOffset);
        return { type: "IHDR", data: ihdr(view.getUint32(0), view.getUint32(4), depth, colour, interlace) };
      }),
    ]),
  fc
    .tuple(fc.constantFrom(...CHUNK_TYPES), fc.uint8Array({ maxLength: 96 }), fc.nat())
    .map(([type, data, at]): [string, PngEdit] => [
      `extra ${type} chunk`,
      (c) => {
        const fresh = withFreshCrcs(c);
        fresh.splice(1 + (at % Math.max(1, fresh.length - 1)), 0, { type, data });
        return fresh;
      },
    ]),
  fc
    .tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }))
    .map(([entries, alphas]): [string, PngEdit] => [
      `PLTE of ${entries} entries, tRNS of ${alphas}`,
      (c) => {
        const fresh = withFreshCrcs(c).filter((chunk) => chunk.type !== "PLTE" && chunk.type !== "tRNS");
        const extra = [{ type: "PLTE", data: new Uint8Array(entries * 3).fill(128) }, { type: "tRNS", data: new Uint8Array(alphas).fill(255) }];
        return [fresh[0]!, ...extra, ...fresh.slice(1)];
      },
    ]),
  // Up to 50 MB (a 320 KiB stream); bombs.test.ts sends the 5 MiB / 800 MB one.
  fc.constantFrom(64, 1_000_000, 50_000_000).map((size): [string, PngEdit] => [
    `IDAT inflating to ${size} bytes`,
    (c) => withFreshCrcs(c).map((chunk) => (chunk.type === "IDAT" ? { type: "IDAT", data: bomb(size) } : chunk)),
  ]),
  fc.integer({ min: 1, max: 64 }).map((pieces): [string, PngEdit] => [
    `IDAT split in ${pieces}`,
    (c) =>
      withFreshCrcs(c).flatMap((chunk) => {
        if (chunk.type !== "IDAT") return [chunk];
        const step = Math.max(1, Math.ceil(chunk.data.length / pieces));
        const parts: Chunk[] = [];
        for (let at = 0; at < chunk.data.length; at += step) parts.push({ type: "IDAT", data: chunk.data.subarray(at, at + step) });
        return parts;
      }),
  ]),
  fc.constant<[string, PngEdit]>(["duplicate IDAT", (c) => withFreshCrcs(c).flatMap((chunk) => (chunk.type === "IDAT" ? [chunk, chunk] : [chunk]))]),
  fc.constant<[string, PngEdit]>(["no IEND", (c) => c.filter((chunk) => chunk.type !== "IEND")]),
);

type ByteEdit = (bytes: Uint8Array) => Uint8Array;
const byteEdit: fc.Arbitrary<[string, ByteEdit]> = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }).map((at): [string, ByteEdit] => ["truncated", (b) => b.slice(0, Math.floor(b.length * at))]),
  fc
    .array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((flips): [string, ByteEdit] => [
      `${flips.length} bytes flipped`,
      (b) => {
        const out = b.slice();
        for (const [at, mask] of flips) out[Math.floor(at * out.length)]! ^= mask;
        return out;
      },
    ]),
  fc.uint8Array({ minLength: 1, maxLength: 256 }).map((tail): [string, ByteEdit] => ["trailing garbage", (b) => concat(b, tail)]),
);

/** JPEG marker segments, for edits that move whole segments around. */
function jpegSegments(bytes: Uint8Array): Array<{ marker: number; start: number; end: number }> {
  const segments: Array<{ marker: number; start: number; end: number }> = [];
  let i = 2;
  while (i + 3 < bytes.length && bytes[i] === 0xff) {
    const marker = bytes[i + 1]!;
    if (marker === 0xd9) break;
    let end = i + 2 + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
    if (marker === 0xda) {
      while (end + 1 < bytes.length && !(bytes[end] === 0xff && bytes[end + 1] !== 0 && !(bytes[end + 1]! >= 0xd0 && bytes[end + 1]! <= 0xd7))) end++;
    }
    segments.push({ marker, start: i, end: Math.min(end, bytes.length) });
    i = end;
  }
  return segments;
}

const jpegEdit: fc.Arbitrary<[string, ByteEdit]> = fc.oneof(
  fc.tuple(fc.constantFrom(...ABSURD_SIDES.map((s) => s & 0xffff)), fc.constantFrom(...ABSURD_SIDES.map((s) => s & 0xffff))).map(
    ([w, h]): [string, ByteEdit] => [
      `SOF ${w}×${h}`,
      (b) => {
        const out = b.slice();
        const sof = jpegSegments(out).find((s) => s.marker >= 0xc0 && s.marker <= 0xc2);
        if (sof) {
          const view = new DataView(out.buffer);
          view.setUint16(sof.start + 5, h);
          view.setUint16(sof.start + 7, w);
        }
        return out;
      },
    ],
  ),
  fc.integer({ min: 2, max: 400 }).map((times): [string, ByteEdit] => [
    `scan repeated ${times}×`,
    (b) => {
      const scan = jpegSegments(b).find((s) => s.marker === 0xda);
      if (!scan) return b;
      const body = b.subarray(scan.start, scan.end);
      return concat(b.subarray(0, scan.end), ...Array.from({ length: times - 1 }, () => body), b.subarray(scan.end));
    },
  ]),
  fc.constantFrom(0xdb, 0xc4, 0xc0, 0xda).map((marker): [string, ByteEdit] => [
    `segment ${marker.toString(16)} removed`,
    (b) => {
      const segment = jpegSegments(b).find((s) => s.marker === marker);
      return segment ? concat(b.subarray(0, segment.start), b.subarray(segment.end)) : b;
    },
  ]),
);

const fixtureImages = (fixtures: Record<string, Uint8Array>): fc.Arbitrary<ImageCase> =>
  fc.constantFrom(...Object.keys(fixtures)).map((name) => ({ kind: `fixture ${name}`, bytes: fixtures[name]!, valid: false }));

/** Images: intact (valid PNG/JPEG), or edited at chunk, segment or byte level. */
export function imageCases(fixtures: Record<string, Uint8Array>): fc.Arbitrary<ImageCase> {
  const editedPng = fc.tuple(validPng, pngEdit).map(([img, [name, edit]]) => ({
    kind: `${img.kind}, ${name}`,
    bytes: writePng(edit(readChunks(img.bytes))),
    valid: false,
  }));
  const editedJpeg = fc.tuple(validJpeg, jpegEdit).map(([img, [name, edit]]) => ({ kind: `jpeg, ${name}`, bytes: edit(img.bytes), valid: false }));
  const bytesEdited = fc
    .tuple(fc.oneof(validPng, validJpeg, fixtureImages(fixtures)), byteEdit)
    .map(([img, [name, edit]]) => ({ kind: `${img.kind.split(",")[0]}, ${name}`, bytes: edit(img.bytes), valid: false }));
  const randomBytes = fc
    .tuple(fc.constantFrom(new Uint8Array(0), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Uint8Array.from([0xff, 0xd8, 0xff])), fc.uint8Array({ maxLength: 4096 }))
    .map(([prefix, rest]) => ({ kind: `random bytes${prefix.length ? " after a signature" : ""}`, bytes: concat(prefix, rest), valid: false }));
  return fc.oneof(
    { arbitrary: validPng, weight: 3 },
    { arbitrary: validJpeg, weight: 2 },
    { arbitrary: editedPng, weight: 5 },
    { arbitrary: editedJpeg, weight: 2 },
    { arbitrary: bytesEdited, weight: 4 },
    { arbitrary: randomBytes, weight: 2 },
    { arbitrary: fixtureImages(fixtures), weight: 1 },
  );
}

/** Errors an intact image may legitimately get: no digit in it, or the documented refusal of interlaced sub-byte PNGs. */
function allowedFor(image: ImageCase): string[] | undefined {
  if (!image.valid) return undefined;
  return /interlaced/.test(image.kind) && /\b[124]-bit/.test(image.kind)
    ? ["no_digit_found", "undecodable_image"]
    : ["no_digit_found"];
}

const RAW_TYPES = ["image/png", "image/jpeg", "application/octet-stream", "IMAGE/PNG; charset=binary", "image/gif", "image/svg+xml"];
const BAD_TYPES = ["", "text/plain", "application/json", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/mixed; boundary=x"];

/** Characters RFC 2046 allows in a boundary (1–70 of them, not ending in a space)… */
const BOUNDARY_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ";
/** …and some it does not. */
const ODD_BOUNDARY_CHARS = `${BOUNDARY_CHARS}"\\;\t`;
const boundaries = fc.oneof(
  { arbitrary: fc.stringMatching(/^-{0,30}[A-Za-z0-9]{1,40}$/), weight: 4 }, // what curl and browsers send
  { arbitrary: fc.string({ unit: fc.constantFrom(...BOUNDARY_CHARS), minLength: 1, maxLength: 70 }), weight: 2 },
  { arbitrary: fc.string({ unit: fc.constantFrom(...ODD_BOUNDARY_CHARS), minLength: 0, maxLength: 200 }), weight: 1 },
);

interface Part {
  name: string;
  filename?: string;
  type?: string;
  content: Uint8Array;
}

function multipartBody(parts: Part[], boundary: string, eol: string, closed: boolean, preamble: string): Uint8Array {
  const pieces: Uint8Array[] = [encoder.encode(preamble)];
  for (const part of parts) {
    let head = `--${boundary}${eol}Content-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += eol;
    if (part.type !== undefined) head += `Content-Type: ${part.type}${eol}`;
    pieces.push(encoder.encode(head + eol), part.content, encoder.encode(eol));
  }
  if (closed) pieces.push(encoder.encode(`--${boundary}--${eol}`));
  return concat(...pieces);
}

export function uploads(fixtures: Record<string, Uint8Array>): fc.Arbitrary<FuzzUpload> {
  const images = imageCases(fixtures);

  const raw = fc.tuple(images, fc.constantFrom(...RAW_TYPES)).map(([image, type]): FuzzUpload => ({
    kind: `raw ${type.split(";")[0]!.toLowerCase()}: ${image.kind}`,
    body: image.bytes,
    contentType: type,
    allowedErrors: type.toLowerCase().startsWith("image/png") || type.startsWith("image/jpeg") ? allowedFor(image) : undefined,
  }));

  const badType = fc.tuple(images, fc.constantFrom(...BAD_TYPES)).map(([image, type]): FuzzUpload => ({
    kind: `content-type "${type}": ${image.kind}`,
    body: image.bytes,
    contentType: type || undefined,
  }));

  const part = (content: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Part> =>
    fc.record(
      {
        name: fc.constantFrom("img", "img", "image", "file", "IMG", "img ", ""),
        filename: fc.constantFrom("digit.png", "digit.jpg", "", "a\"b.png", "../../etc/passwd", "\u00e9\u00e8.png"),
        type: fc.constantFrom("image/png", "image/jpeg", "application/octet-stream", "text/plain"),
        content,
      },
      { requiredKeys: ["name", "content"] },
    );

  const multipart = fc
    .record({
      image: images,
      others: fc.array(part(fc.uint8Array({ maxLength: 64 })), { maxLength: 3 }),
      imagePart: part(fc.constant(new Uint8Array(0))),
      duplicate: fc.boolean(),
      boundary: boundaries,
      headerBoundary: fc.constantFrom("same", "same", "quoted", "quoted", "other", "missing"),
      eol: fc.constantFrom("\r\n", "\r\n", "\r\n", "\n"),
      closed: fc.constantFrom(true, true, true, false),
      preamble: fc.constantFrom("", "preamble\r\n", "\r\n"),
    })
    .map(({ image, others, imagePart, duplicate, boundary, headerBoundary, eol, closed, preamble }): FuzzUpload => {
      const main = { ...imagePart, content: image.bytes };
      const parts = [...others, main, ...(duplicate ? [main] : [])];
      const declared =
        headerBoundary === "same" ? `; boundary=${boundary}` : headerBoundary === "quoted" ? `; boundary="${boundary}"` : headerBoundary === "other" ? "; boundary=zzz" : "";
      return {
        kind: `multipart (${headerBoundary} boundary of ${boundary.length}, field "${main.name}"${duplicate ? " twice" : ""}${closed ? "" : ", unclosed"}): ${image.kind}`,
        body: multipartBody(parts, boundary, eol, closed, preamble),
        contentType: `multipart/form-data${declared}`,
      };
    });

  return fc.oneof({ arbitrary: raw, weight: 4 }, { arbitrary: multipart, weight: 4 }, { arbitrary: badType, weight: 1 });
}

/**
 * A flat background (any grey, any alpha) with 1–4 bars of one ink level (any contrast, from none to full) and
 * optional noise: inputs that get past the no-ink checks and through thresholds, blob selection and resampling.
 */
function strokesOnBackground(width: number, height: number): fc.Arbitrary<Uint8Array> {
  const bar = fc.record({ x: fc.nat(width - 1), y: fc.nat(height - 1), w: fc.integer({ min: 1, max: width }), h: fc.integer({ min: 1, max: height }) });
  return fc
    .record({
      paper: fc.nat(255),
      paperAlpha: fc.constantFrom(255, 255, 0, 128),
      ink: fc.nat(255),
      bars: fc.array(bar, { minLength: 1, maxLength: 4 }),
      noise: fc.constantFrom(0, 0, 8, 40),
      seed: fc.nat(),
    })
    .map(({ paper, paperAlpha, ink, bars, noise, seed }) => {
      const data = new Uint8Array(width * height * 4);
      let state = seed;
      const jitter = () => {
        state = (state * 1103515245 + 12345) >>> 0;
        return noise === 0 ? 0 : (state % (2 * noise + 1)) - noise;
      };
      for (let p = 0; p < width * height; p++) {
        const x = p % width;
        const y = Math.floor(p / width);
        const inked = bars.some((b) => x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h);
        const level = Math.max(0, Math.min(255, (inked ? ink : paper) + jitter()));
        data.set([level, level, level, inked ? 255 : paperAlpha], p * 4);
      }
      return data;
    });
}

/**
 * Random RGBA images for the preprocessing property (test/preprocess.test.ts in Node, fuzz.test.ts in workerd): any
 * size up to 64×64 plus thin strips, with random bytes, flat fills, fully transparent fills, or a few grey levels
 * over mostly opaque pixels (which often pass for ink on paper and reach the later steps).
 */
export const rgbaImages = fc
  .oneof(
    fc.record({ width: fc.integer({ min: 1, max: 64 }), height: fc.integer({ min: 1, max: 64 }) }),
    fc.record({ width: fc.constant(1), height: fc.integer({ min: 1, max: 4096 }) }),
    fc.record({ width: fc.integer({ min: 1, max: 4096 }), height: fc.constant(1) }),
  )
  .chain(({ width, height }) => {
    const bytes = width * height * 4;
    return fc
      .oneof(
        fc.uint8Array({ minLength: bytes, maxLength: bytes }),
        fc.constantFrom(0, 255, 128).map((v) => new Uint8Array(bytes).fill(v)),
        fc.integer({ min: 0, max: 255 }).map((v) => {
          const data = new Uint8Array(bytes).fill(v);
          for (let i = 3; i < data.length; i += 4) data[i] = 0; // fully transparent
          return data;
        }),
        fc.record({ levels: fc.constantFrom(2, 3, 256), samples: fc.uint8Array({ minLength: bytes, maxLength: bytes }) }).map(({ levels, samples }) => {
          const step = Math.floor(255 / (levels - 1));
          // 70% of the pixels opaque, the rest with any alpha; every sample rounded to one of `levels` grey levels.
          return samples.map((v, i) => (i % 4 === 3 && v < 179 ? 255 : Math.floor((v * levels) / 256) * step));
        }),
        strokesOnBackground(width, height),
      )
      .map((data) => ({ width, height, data }));
  });

/**
 * The preprocessing property both runs check: any image gives 784 finite values in [0, 1] with some ink, or
 * NoDigitError; never NaN, another error or an empty input.
 */
export function preprocessesCleanly(image: RgbaImage): boolean {
  let input: Float32Array;
  try {
    input = toMnistInput(image);
  } catch (error) {
    return error instanceof NoDigitError;
  }
  return input.length === 784 && input.every((v) => Number.isFinite(v) && v >= 0 && v <= 1) && input.some((v) => v > 0);
}

/** What a fuzz run reports (printed as JSON by fuzz.test.ts, read back by scripts/fuzz.ts). */
export interface FuzzStats {
  runs: number;
  seed: number;
  statuses: Record<string, number>;
  errors: Record<string, number>;
  maxMs: number;
  maxMsKind: string;
  totalMs: number;
  largestBody: number;
  /** Mean answer time of each successive block of 100 inputs: a rising trend would mean the isolate degrades. */
  meanMsPer100: number[];
  /** ORT's WebAssembly memory at the end of the run (it only grows, so also its maximum). */
  wasmMemoryBytes?: number;
}
