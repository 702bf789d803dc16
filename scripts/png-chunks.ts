// PNG surgery for hostile test inputs: split a PNG into chunks, change them, write it back with correct (or wrong) CRCs.

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface Chunk {
  type: string;
  data: Uint8Array;
  /** Stored CRC; undefined = compute the right one when writing. */
  crc?: number;
}

export function readChunks(png: Uint8Array): Chunk[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  for (let offset = 8; offset + 12 <= png.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...png.subarray(offset + 4, offset + 8));
    chunks.push({ type, data: png.slice(offset + 8, offset + 8 + length), crc: view.getUint32(offset + 8 + length) });
    offset += 12 + length;
  }
  return chunks;
}

export function writePng(chunks: Chunk[]): Uint8Array {
  const total = 8 + chunks.reduce((sum, chunk) => sum + 12 + chunk.data.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(PNG_SIGNATURE);
  let offset = 8;
  for (const { type, data, crc } of chunks) {
    view.setUint32(offset, data.length);
    const typeAndData = new Uint8Array(4 + data.length);
    typeAndData.set(Array.from(type, (ch) => ch.charCodeAt(0)));
    typeAndData.set(data, 4);
    out.set(typeAndData, offset + 4);
    view.setUint32(offset + 8 + data.length, crc ?? crc32(typeAndData));
    offset += 12 + data.length;
  }
  return out;
}

/** Chunks with every stored CRC dropped, so writePng recomputes them after an edit. */
export const withFreshCrcs = (chunks: Chunk[]): Chunk[] => chunks.map(({ type, data }) => ({ type, data }));

/** IHDR data for the given fields (compression and filter method 0). */
export function ihdr(width: number, height: number, bitDepth: number, colourType: number, interlace = 0): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([bitDepth, colourType, 0, 0, interlace], 8);
  return data;
}
