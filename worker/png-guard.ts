// Checks a PNG's structure and inflates its image data under a bound before fast-png sees it.
//
// fast-png 8 inflates all IDAT data into memory without looking at the header, and inflates an iCCP profile
// in one go: a few KiB of deflate stream can expand ~1000×, so a 5 MiB upload could ask for gigabytes in a
// 128 MB isolate. Here the image data is inflated in small slices and given up as soon as it passes the size
// the header promises (rows × (filter byte + packed samples)); only the chunks needed to draw the image are
// handed on, so nothing else gets inflated.

import { Unzlib } from "fflate";

export class PngStructureError extends Error {
  override name = "PngStructureError";
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  interlaced: boolean;
}

const SIGNATURE_LENGTH = 8;
/** length (4) + type (4) + CRC (4) around each chunk's data. */
const CHUNK_OVERHEAD = 12;
const MAX_CHUNK_LENGTH = 0x7fffffff;
/**
 * Compressed bytes per inflation step: deflate expands at most ~1032×, so one step yields at most ~16 MiB
 * (transient: the output is counted, not kept). Smaller steps cost more: 4 KiB steps took a third longer on a
 * 22 KB canvas PNG.
 */
const INFLATE_SLICE = 16384;
const MAX_PALETTE_ENTRIES = 256;

/** Samples per pixel and the bit depths the PNG specification allows, per colour type. */
const COLOUR_TYPES: Record<number, { name: string; channels: number; depths: number[] }> = {
  0: { name: "greyscale", channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { name: "RGB", channels: 3, depths: [8, 16] },
  3: { name: "indexed-colour", channels: 1, depths: [1, 2, 4, 8] },
  4: { name: "greyscale+alpha", channels: 2, depths: [8, 16] },
  6: { name: "RGBA", channels: 4, depths: [8, 16] },
};

/** Chunks the decoder needs; every other ancillary chunk (text, ICC profile, metadata) is dropped unread. */
const KEPT_CHUNKS = new Set(["IHDR", "PLTE", "tRNS", "IDAT", "IEND"]);

/** Adam7 passes as [first column, first row, column step, row step]. */
const ADAM7_PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function readUint32(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}

function isLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/** Bytes of one filtered scanline (filter-type byte + packed samples), 0 for an empty pass. */
function scanlineBytes(width: number, bitsPerPixel: number): number {
  return width === 0 ? 0 : 1 + Math.ceil((width * bitsPerPixel) / 8);
}

/** How many bytes the image data must inflate to, from the header alone. */
export function expectedImageDataBytes(header: PngHeader): number {
  const bitsPerPixel = COLOUR_TYPES[header.colourType]!.channels * header.bitDepth;
  if (!header.interlaced) return header.height * scanlineBytes(header.width, bitsPerPixel);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7_PASSES) {
    const passWidth = header.width > x0 ? Math.ceil((header.width - x0) / dx) : 0;
    const passHeight = header.height > y0 ? Math.ceil((header.height - y0) / dy) : 0;
    if (passHeight > 0) total += passHeight * scanlineBytes(passWidth, bitsPerPixel);
  }
  return total;
}

function parseHeader(data: Uint8Array): PngHeader {
  if (data.length !== 13) throw new PngStructureError(`IHDR chunk has ${data.length} bytes instead of 13`);
  const header: PngHeader = {
    width: readUint32(data, 0),
    height: readUint32(data, 4),
    bitDepth: data[8]!,
    colourType: data[9]!,
    interlaced: data[12] === 1,
  };
  const colour = COLOUR_TYPES[header.colourType];
  if (!colour) throw new PngStructureError(`unknown colour type ${header.colourType}`);
  if (!colour.depths.includes(header.bitDepth)) {
    throw new PngStructureError(`bit depth ${header.bitDepth} is not allowed for ${colour.name} images`);
  }
  if (header.width === 0 || header.height === 0) throw new PngStructureError("the header declares an empty image");
  if (data[10] !== 0 || data[11] !== 0 || data[12]! > 1) {
    throw new PngStructureError("unknown compression, filter or interlace method");
  }
  return header;
}

/**
 * Inflates the concatenated IDAT payloads slice by slice, keeping only a count, and fails as soon as the output
 * passes `expected` bytes, or when the stream is corrupt or ends short of it.
 */
function checkImageData(parts: Uint8Array[], expected: number): void {
  let produced = 0;
  const inflater = new Unzlib((chunk) => {
    produced += chunk.length;
  });
  const tooMuch = () =>
    new PngStructureError(`the image data inflates to more than the ${expected} bytes its header declares`);
  try {
    for (const part of parts) {
      for (let start = 0; start < part.length; start += INFLATE_SLICE) {
        inflater.push(part.subarray(start, start + INFLATE_SLICE), false);
        if (produced > expected) throw tooMuch();
      }
    }
    inflater.push(new Uint8Array(0), true);
  } catch (err) {
    if (err instanceof PngStructureError) throw err;
    throw new PngStructureError(`the compressed image data is corrupt (${err instanceof Error ? err.message : String(err)})`);
  }
  if (produced > expected) throw tooMuch();
  if (produced < expected) {
    throw new PngStructureError(`the image data ends early: ${produced} of ${expected} bytes`);
  }
}

/**
 * Walks the chunks of a PNG (signature already checked), verifies the image data inflates to exactly what the
 * header declares, and returns the PNG rebuilt from the chunks needed to decode it (CRCs untouched, so the
 * decoder still checks them). Throws PngStructureError for anything malformed.
 */
export function guardPng(bytes: Uint8Array): { header: PngHeader; png: Uint8Array } {
  const kept: Uint8Array[] = [bytes.subarray(0, SIGNATURE_LENGTH)];
  const imageData: Uint8Array[] = [];
  let header: PngHeader | undefined;
  let paletteEntries = 0;
  let ended = false;

  for (let offset = SIGNATURE_LENGTH; offset < bytes.length && !ended; ) {
    if (offset + CHUNK_OVERHEAD > bytes.length) throw new PngStructureError("the file ends inside a chunk header");
    const length = readUint32(bytes, offset);
    const typeBytes = bytes.subarray(offset + 4, offset + 8);
    if (!typeBytes.every(isLetter)) throw new PngStructureError(`corrupt chunk type at byte ${offset + 4}`);
    const type = String.fromCharCode(...typeBytes);
    if (length > MAX_CHUNK_LENGTH || offset + CHUNK_OVERHEAD + length > bytes.length) {
      throw new PngStructureError(`chunk ${type} is cut off (the file is truncated)`);
    }
    const end = offset + CHUNK_OVERHEAD + length;
    const data = bytes.subarray(offset + 8, offset + 8 + length);

    if (!header && type !== "IHDR") throw new PngStructureError(`the first chunk is ${type}, not IHDR`);
    if (type === "IHDR") {
      if (header) throw new PngStructureError("more than one IHDR chunk");
      header = parseHeader(data);
    } else if (type === "PLTE") {
      paletteEntries = length / 3;
      if (length % 3 !== 0 || paletteEntries === 0 || paletteEntries > MAX_PALETTE_ENTRIES) {
        throw new PngStructureError(`palette chunk of ${length} bytes (1–256 RGB entries expected)`);
      }
    } else if (type === "IDAT") {
      imageData.push(data);
    } else if (type === "IEND") {
      ended = true;
    } else if (!KEPT_CHUNKS.has(type) && (typeBytes[0]! & 0x20) === 0) {
      // An unknown chunk marked critical (upper-case first letter) changes how the image must be read.
      throw new PngStructureError(`unsupported critical chunk ${type}`);
    }
    if (KEPT_CHUNKS.has(type)) kept.push(bytes.subarray(offset, end));
    offset = end;
  }

  if (!header) throw new PngStructureError("no IHDR chunk");
  if (!ended) throw new PngStructureError("no IEND chunk (the file is truncated)");
  if (imageData.length === 0) throw new PngStructureError("no image data (IDAT)");
  if (header.colourType === 3 && paletteEntries === 0) throw new PngStructureError("indexed-colour image without a palette");
  checkImageData(imageData, expectedImageDataBytes(header));

  const png = new Uint8Array(kept.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of kept) {
    png.set(part, at);
    at += part.length;
  }
  return { header, png };
}
