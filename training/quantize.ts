import { f16round, setFloat16 } from "@petamoriken/float16";

export type WeightFormat = "float32" | "float16" | "int8";
export const WEIGHT_FORMATS: readonly WeightFormat[] = ["float32", "float16", "int8"];

/** A kernel as stored in the ONNX file, with the float values a runtime reconstructs from it. */
export type StoredKernel =
  | { format: "float32" }
  | { format: "float16"; halfBytes: Uint8Array; dequantized: Float32Array }
  | { format: "int8"; values: Int8Array; scales: Float32Array; dequantized: Float32Array };

/** IEEE half precision, little-endian bytes (ONNX raw_data layout). */
function toFloat16(kernel: Float32Array): StoredKernel {
  const halfBytes = new Uint8Array(kernel.length * 2);
  const view = new DataView(halfBytes.buffer);
  const dequantized = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) {
    setFloat16(view, i * 2, kernel[i], true);
    dequantized[i] = f16round(kernel[i]);
  }
  return { format: "float16", halfBytes, dequantized };
}

/**
 * Symmetric int8 with one scale per output unit (kernel column): w ≈ scale[j] · q, q in [−127, 127].
 * Per-column scales keep a unit with small weights from being crushed by another unit's large ones.
 */
function toInt8(kernel: Float32Array, inputs: number, units: number): StoredKernel {
  const scales = new Float32Array(units);
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < units; j++) scales[j] = Math.max(scales[j], Math.abs(kernel[i * units + j]));
  }
  for (let j = 0; j < units; j++) scales[j] = scales[j] > 0 ? scales[j] / 127 : 1;
  const values = new Int8Array(kernel.length);
  const dequantized = new Float32Array(kernel.length);
  for (let i = 0; i < inputs; i++) {
    for (let j = 0; j < units; j++) {
      const k = i * units + j;
      values[k] = Math.max(-127, Math.min(127, Math.round(kernel[k] / scales[j])));
      // Exactly what DequantizeLinear computes: float32(q − 0) · scale.
      dequantized[k] = Math.fround(values[k] * scales[j]);
    }
  }
  return { format: "int8", values, scales, dequantized };
}

export function storeKernel(kernel: Float32Array, inputs: number, units: number, format: WeightFormat): StoredKernel {
  if (format === "float16") return toFloat16(kernel);
  if (format === "int8") return toInt8(kernel, inputs, units);
  return { format: "float32" };
}
