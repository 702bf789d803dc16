// Matrix products for tfjs-backend-wasm that reach XNNPACK.
//
// The wasm backend sends a matMul to XNNPACK only when neither operand is flagged as transposed;
// otherwise it runs a scalar triple loop 10-20x slower. XNNPACK also repacks its right-hand
// operand B[K,N] for every new B tensor, and in training every B is new (weights change each
// step), so packing costs as much as a fifth of a training step. Both problems are avoided by
// materialising transposes explicitly and, when cheaper, computing Cᵀ = Bᵀ·Aᵀ so that the smaller
// operand is the one packed.
import * as tf from "@tensorflow/tfjs";

// Packing one element of B costs about as much as transposing four (measured on
// tfjs-backend-wasm 4.22 with SIMD: 3.5-6 ns vs 0.6-2 ns per float).
const PACK_COST = 4;

export function isWasmBackend(): boolean {
  return tf.getBackend() === "wasm";
}

/** Whether C = op(A)·op(B) is cheaper on wasm computed as (op(B)ᵀ·op(A)ᵀ)ᵀ. */
export function prefersFlipped(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): boolean {
  const direct = PACK_COST * k * n + (transposeA ? m * k : 0) + (transposeB ? k * n : 0);
  const flipped = PACK_COST * k * m + (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * n;
  return flipped < direct;
}

/**
 * op(a)·op(b), where op transposes when asked. On wasm only untransposed products are issued;
 * elsewhere this is tf.matMul, whose backends handle transposed operands natively.
 */
export function plainMatMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  if (!isWasmBackend()) return tf.matMul(a, b, transposeA, transposeB);
  const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const n = transposeB ? b.shape[0] : b.shape[1];
  return tf.tidy((): tf.Tensor2D => {
    if (!prefersFlipped(m, k, n, transposeA, transposeB)) {
      return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
    }
    return tf.transpose(tf.matMul(transposeB ? b : tf.transpose(b), transposeA ? a : tf.transpose(a)) as tf.Tensor2D);
  });
}
