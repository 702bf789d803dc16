import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { describe, expect, it } from "vitest";
import { plainMatMul, prefersFlipped } from "../training/plain-matmul.ts";

function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sin(seed * 1000 + i * 0.7);
  return out;
}

// [m, k, n]: a wide product (packing A is cheaper, so it is flipped) and a narrow one (direct).
const shapes: [number, number, number][] = [
  [8, 30, 50],
  [50, 30, 8],
];

describe("plainMatMul", () => {
  it("covers both orientations with the shapes below", () => {
    const flipped = shapes.map(([m, k, n]) => prefersFlipped(m, k, n, false, false));
    expect(flipped).toEqual([true, false]);
  });

  for (const [m, k, n] of shapes) {
    for (const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]) {
      it(`on wasm equals tf.matMul on cpu: [${m}, ${k}] x [${k}, ${n}], transposeA=${transposeA}, transposeB=${transposeB}`, async () => {
        const aShape: [number, number] = transposeA ? [k, m] : [m, k];
        const bShape: [number, number] = transposeB ? [n, k] : [k, n];
        const product = async (backend: string, f: typeof tf.matMul | typeof plainMatMul) => {
          await tf.setBackend(backend);
          const [a, b] = [tf.tensor2d(values(m * k, 1), aShape), tf.tensor2d(values(k * n, 2), bShape)];
          const c = f(a, b, transposeA, transposeB);
          const result = { shape: c.shape, data: Array.from(await c.data()) };
          tf.dispose([a, b, c]);
          return result;
        };
        const expected = await product("cpu", tf.matMul);
        const actual = await product("wasm", plainMatMul);
        expect(actual.shape).toEqual([m, n]);
        actual.data.forEach((v, i) => expect(Math.abs(v - expected.data[i])).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(expected.data[i])));
      });
    }
  }
});
