import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";

/** A problem with a data file, reported with the file's path and what is wrong with it. */
export class IdxError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = "IdxError";
  }
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols bytes, row-major, 0 = background. */
  pixels: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

/** Parses an IDX header and checks that the payload has exactly the size the header promises. */
function parseIdx(file: string, bytes: Uint8Array, expectedDims: number): { dims: number[]; payload: Uint8Array } {
  if (bytes.length < 4) throw new IdxError(file, `truncated: ${bytes.length} bytes, too short for an IDX header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxError(file, "not an IDX file: wrong magic number (the first two bytes must be zero; is it still gzipped?)");
  }
  if (bytes[2] !== UNSIGNED_BYTE) {
    throw new IdxError(file, `unsupported IDX element type 0x${bytes[2].toString(16)}: only unsigned bytes (0x08) are supported`);
  }
  const dimCount = bytes[3];
  if (dimCount !== expectedDims) {
    throw new IdxError(file, `wrong magic number: expected ${expectedDims} dimension(s), the header says ${dimCount}`);
  }
  const headerSize = 4 + 4 * dimCount;
  if (bytes.length < headerSize) throw new IdxError(file, "truncated: the header ends before its dimensions");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: dimCount }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expectedSize = dims.reduce((a, b) => a * b, 1);
  const actualSize = bytes.length - headerSize;
  if (actualSize < expectedSize) {
    throw new IdxError(file, `truncated: the header promises ${expectedSize} data bytes (${dims.join("×")}), the file has ${actualSize}`);
  }
  if (actualSize > expectedSize) {
    throw new IdxError(file, `${actualSize - expectedSize} unexpected bytes after the ${dims.join("×")} data the header describes`);
  }
  return { dims, payload: bytes.subarray(headerSize) };
}

/** Reads a file, gunzipping it when it starts with the gzip magic (Debian ships its IDX sets gzipped). */
async function readBytes(file: string): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IdxError(file, code === "ENOENT" ? "file not found" : `cannot read (${code ?? String(error)})`);
  }
  if (raw[0] !== 0x1f || raw[1] !== 0x8b) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  try {
    return new Uint8Array(gunzipSync(raw));
  } catch {
    throw new IdxError(file, "corrupt or truncated gzip data");
  }
}

export function parseIdxImages(file: string, bytes: Uint8Array): IdxImages {
  const { dims, payload } = parseIdx(file, bytes, 3);
  const [count, rows, cols] = dims;
  if (rows === 0 || cols === 0) throw new IdxError(file, `images have no pixels (${rows}×${cols})`);
  return { count, rows, cols, pixels: payload };
}

export function parseIdxLabels(file: string, bytes: Uint8Array, classCount = 10): Uint8Array {
  const { payload } = parseIdx(file, bytes, 1);
  const bad = payload.findIndex((label) => label >= classCount);
  if (bad >= 0) throw new IdxError(file, `label ${payload[bad]} at index ${bad} is outside 0–${classCount - 1}`);
  return payload;
}

export async function readIdxImages(file: string): Promise<IdxImages> {
  return parseIdxImages(file, await readBytes(file));
}

export async function readIdxLabels(file: string, classCount = 10): Promise<Uint8Array> {
  return parseIdxLabels(file, await readBytes(file), classCount);
}
