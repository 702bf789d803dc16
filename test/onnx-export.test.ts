import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildOnnxModel, readOnnxMetadata, type DenseSpec } from "../training/onnx-export.ts";
import { loadOnnxClassifier } from "../training/onnx-runner.ts";
import { ExportMismatchError, verifyExport } from "../training/verify-export.ts";
import { runOnnxChecker } from "./helpers/onnx-checker.ts";
import { seededRandom } from "../training/random.ts";

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
