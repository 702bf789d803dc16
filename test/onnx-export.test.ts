import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildOnnxModel, readOnnxMetadata, type DenseSpec } from "../training/onnx-export.ts";
import { loadOnnxClassifier } from "../training/onnx-runner.ts";
import { ExportMismatchError, verifyExport } from "../training/verify-export.ts";
import { runOnnxChecker } from "./helpers/onnx-checker.ts";
import { seededRandom } from "../training/random.ts";
import { storeKernel } from "../training/quantize.ts";

function randomDense(inputs: number, units: number, activation: DenseSpec["activation"], random: () => number): DenseSpec {
  const values = (n: number) => Float32Array.from({ length: n }, () => (random() - 0.5) * 0.2);
  return { inputs, units, kernel: values(inputs * units), bias: values(units), activation };
}

/** The same MLP computed directly in double precision: the reference the ONNX graph must reproduce. */
function referenceForward(layers: DenseSpec[], x: Float32Array): number[] {
  let current = Array.from(x);
  for (const layer of layers) {
    const z = Array.from({ length: layer.units }, (_, j) => {
      let sum = layer.bias[j];
      for (let i = 0; i < layer.inputs; i++) sum += current[i] * layer.kernel[i * layer.units + j];
      return sum;
    });
    if (layer.activation === "relu") current = z.map((v) => Math.max(0, v));
    else if (layer.activation === "sigmoid") current = z.map((v) => 1 / (1 + Math.exp(-v)));
    else if (layer.activation === "softmax") {
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const s = e.reduce((a, b) => a + b, 0);
      current = e.map((v) => v / s);
    } else current = z;
  }
  return current;
}

describe("ONNX export", () => {
  const random = seededRandom(5);
  const layers = [randomDense(784, 32, "relu", random), randomDense(32, 16, "sigmoid", random), randomDense(16, 10, "softmax", random)];
  const onnx = buildOnnxModel({ layers, producerVersion: "test", metadata: { recipe: "{}", labels: "0,1,2,3,4,5,6,7,8,9" } });

  it("computes what the layers define, for a batch of any size", async () => {
    const classifier = await loadOnnxClassifier(onnx, 3);
    const images = Float32Array.from({ length: 5 * 784 }, () => random());
    const probs = await classifier.predict(images, 5);
    for (let n = 0; n < 5; n++) {
      const expected = referenceForward(layers, images.subarray(n * 784, (n + 1) * 784));
      Array.from(probs.subarray(n * 10, (n + 1) * 10)).forEach((p, k) => expect(p).toBeCloseTo(expected[k], 5));
    }
    await classifier.release();
  });

  it("passes the official onnx.checker with full_check and keeps its metadata", () => {
    const file = join(mkdtempSync(join(tmpdir(), "onnx-")), "m.onnx");
    writeFileSync(file, onnx);
    const report = runOnnxChecker(file);
    expect(report).toMatchObject({ ok: true, inputs: ["image"], outputs: ["probabilities"] });
    expect(report.ops).toEqual(["Gemm", "Relu", "Sigmoid", "Softmax"]);
    expect(readOnnxMetadata(onnx)).toMatchObject({ labels: "0,1,2,3,4,5,6,7,8,9" });
  });

  it("refuses inconsistent layers", () => {
    expect(() => buildOnnxModel({ layers: [randomDense(784, 10, "relu", random)], producerVersion: "t", metadata: {} })).toThrow(/last layer must be a softmax/);
    const broken = { ...randomDense(784, 10, "softmax", random), bias: new Float32Array(3) };
    expect(() => buildOnnxModel({ layers: [broken], producerVersion: "t", metadata: {} })).toThrow(/bias has 3 values, expected 10/);
  });

  it("verification fails loudly when the export does not reproduce the trained model", async () => {
    const classifier = await loadOnnxClassifier(onnx);
    const images = Float32Array.from({ length: 200 * 784 }, () => random());
    const labels = Uint8Array.from({ length: 200 }, () => Math.floor(random() * 10));
    const probabilities = await classifier.predict(images, 200);
    await classifier.release();
    const test = { count: 200, images, labels };
    const { classificationMetrics } = await import("../training/metrics.ts");
    const accuracy = classificationMetrics(probabilities, labels).accuracy;
    await expect(verifyExport(onnx, test, { probabilities, accuracy })).resolves.toMatchObject({ accuracy });
    const shifted = probabilities.map((p, i) => (i === 7 ? p + 1e-3 : p));
    await expect(verifyExport(onnx, test, { probabilities: shifted, accuracy })).rejects.toThrow(ExportMismatchError);
  });
});

describe("quantized export", () => {
  const random = seededRandom(11);
  const layers = [randomDense(784, 64, "relu", random), randomDense(64, 10, "softmax", random)];
  const float32 = buildOnnxModel({ layers, producerVersion: "test", metadata: {} });

  it.each([
    ["int8", 3.5, "DequantizeLinear"],
    ["float16", 1.9, "Cast"],
  ] as const)("%s storage shrinks the file %sx and runs exactly the dequantized weights", async (format, minShrink, op) => {
    const stored = layers.map((l) => ({ ...l, stored: storeKernel(l.kernel, l.inputs, l.units, format) }));
    const onnx = buildOnnxModel({ layers: stored, producerVersion: "test", metadata: {} });
    expect(float32.length / onnx.length).toBeGreaterThan(minShrink);

    const file = join(mkdtempSync(join(tmpdir(), "onnx-")), "q.onnx");
    writeFileSync(file, onnx);
    const report = runOnnxChecker(file);
    expect(report.ok).toBe(true);
    expect(report.ops).toContain(op);

    const dequantized = stored.map((l) => ({ ...l, kernel: l.stored.format === "float32" ? l.kernel : l.stored.dequantized }));
    const classifier = await loadOnnxClassifier(onnx);
    const image = Float32Array.from({ length: 784 }, () => random());
    const probs = await classifier.predict(image, 1);
    const expected = referenceForward(dequantized, image);
    Array.from(probs).forEach((p, k) => expect(p).toBeCloseTo(expected[k], 5));
    // ...and stays close to the float32 model it approximates.
    const original = referenceForward(layers, image);
    Array.from(probs).forEach((p, k) => expect(Math.abs(p - original[k])).toBeLessThan(0.02));
    await classifier.release();
  });

  it("int8 uses one scale per output unit: a unit of tiny weights keeps its precision", () => {
    const kernel = new Float32Array(4 * 2);
    for (let i = 0; i < 4; i++) {
      kernel[i * 2] = (i + 1) * 10; // large column
      kernel[i * 2 + 1] = (i + 1) * 0.001; // tiny column
    }
    const stored = storeKernel(kernel, 4, 2, "int8");
    if (stored.format !== "int8") throw new Error("expected int8");
    // Within half a quantization step of its own column's scale (max 0.004 / 127), not of the large column's.
    for (let i = 0; i < 4; i++) expect(Math.abs(stored.dequantized[i * 2 + 1] - kernel[i * 2 + 1])).toBeLessThanOrEqual(0.004 / 127 / 2 + 1e-9);
  });
});
