// A zlib stream that inflates to `size` zero bytes at ~158:1 without compressing anything: one fixed-Huffman
// deflate block (a literal 0, then N copies of "258 bytes from distance 1") whose bit length is a whole number
// of bytes, repeated as bytes. 5 MiB of it would inflate to ~800 MB.

class BitWriter {
  private bytes: number[] = [];
  private bit = 0;
  private current = 0;

  /** `count` bits of `value`, least significant first (deflate's order for header fields and extra bits). */
  bits(value: number, count: number): void {
    for (let i = 0; i < count; i++) this.push((value >> i) & 1);
  }

  /** A Huffman code, most significant bit first. */
  code(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.push((value >> i) & 1);
  }

  private push(bit: number): void {
    this.current |= bit << this.bit;
    if (++this.bit === 8) this.flush();
  }

  private flush(): void {
    this.bytes.push(this.current);
    this.current = 0;
    this.bit = 0;
  }

  get bitLength(): number {
    return this.bytes.length * 8 + this.bit;
  }

  finish(): Uint8Array {
    if (this.bit > 0) this.flush();
    return Uint8Array.from(this.bytes);
  }
}

const LITERAL_ZERO = [0b00110000, 8] as const; // fixed code of literal 0
const LENGTH_258 = [0b11000101, 8] as const; // fixed code 285: length 258, no extra bits
const DISTANCE_1 = [0, 5] as const; // distance code 0: distance 1
const END_OF_BLOCK = [0, 7] as const; // code 256

function fixedBlock(copies: number, final: boolean): Uint8Array {
  const w = new BitWriter();
  w.bits(final ? 1 : 0, 1);
  w.bits(1, 2); // BTYPE 01: fixed Huffman codes
  if (copies > 0) {
    w.code(...LITERAL_ZERO);
    for (let i = 0; i < copies; i++) {
      w.code(...LENGTH_258);
      w.code(...DISTANCE_1);
    }
  }
  w.code(...END_OF_BLOCK);
  if (!final && w.bitLength % 8 !== 0) throw new Error("repeated block must be byte-aligned");
  return w.finish();
}

/** 18 + 13·N bits is a whole number of bytes when N ≡ 6 (mod 8). */
const COPIES_PER_BLOCK = 8 * 1000 + 6;
const BLOCK_OUTPUT = 1 + 258 * COPIES_PER_BLOCK;

/** zlib stream of at least `size` zero bytes (rounded up to whole blocks). */
export function zlibZeros(size: number): Uint8Array {
  const block = fixedBlock(COPIES_PER_BLOCK, false);
  const blocks = Math.max(1, Math.ceil(size / BLOCK_OUTPUT));
  const last = fixedBlock(0, true);
  const out = new Uint8Array(2 + blocks * block.length + last.length + 4);
  out.set([0x78, 0x01]); // zlib header: deflate, 32 KiB window, no dictionary (0x7801 % 31 === 0)
  for (let i = 0; i < blocks; i++) out.set(block, 2 + i * block.length);
  out.set(last, 2 + blocks * block.length);
  // Adler-32 of n zero bytes: a stays 1, b = n mod 65521.
  const n = blocks * BLOCK_OUTPUT;
  const adler = (((n % 65521) << 16) | 1) >>> 0;
  new DataView(out.buffer).setUint32(out.length - 4, adler);
  return out;
}

/** How many bytes zlibZeros(size) inflates to. */
export const zlibZerosOutput = (size: number): number => Math.max(1, Math.ceil(size / BLOCK_OUTPUT)) * BLOCK_OUTPUT;
