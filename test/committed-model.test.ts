import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./helpers/train-cli.ts";
import { runOnnxChecker } from "./helpers/onnx-checker.ts";
import { sha256Hex } from "../training/model-card.ts";
import { loadOnnxClassifier } from "../training/onnx-runner.ts";
import { classificationMetrics } from "../training/metrics.ts";
import { defaultDataDir, loadDigitData } from "../training/dataset.ts";
import { readOnnxMetadata } from "../training/onnx-export.ts";

const MODEL = join(ROOT, "model", "mnist-mlp.onnx");
const CARD = join(ROOT, "model", "mnist-mlp.json");

/** The model committed in model/ is what `wrangler deploy` ships right after cloning. */
describe("the committed model", () => {
  const onnx = new Uint8Array(readFileSync(MODEL));
  const card = JSON.parse(readFileSync(CARD, "utf8"));

  it("passes the official onnx.checker (full_check)", () => {
    const report = runOnnxChecker(MODEL);
    expect(report.error).toBeUndefined();
    expect(report).toMatchObject({ ok: true, inputs: ["image"], outputs: ["probabilities"] });
  });

  it("is the file its card describes", () => {
    expect(card.sha256).toBe(sha256Hex(onnx));
    expect(card.bytes).toBe(onnx.length);
    expect(JSON.parse(readOnnxMetadata(onnx).recipe)).toEqual(card.recipe);
  });

  it("was trained by the default recipe to at least the published 98.2%", () => {
    expect(card.recipe).toMatchObject({ preset: "mlp", hidden: [512, 512], optimizer: "adam", batchSize: 128, epochs: 20, valSplit: 0.1 });
    expect(card.recipe.limit).toBeUndefined();
    expect(card.metrics.test.count).toBe(10000);
    expect(card.metrics.test.accuracy).toBeGreaterThanOrEqual(0.982);
  });

  it("reproduces its card's test accuracy with onnxruntime-web on the 10,000 MNIST test images", async () => {
    const { test } = await loadDigitData(defaultDataDir(), 1);
    const classifier = await loadOnnxClassifier(onnx);
    const metrics = classificationMetrics(await classifier.predict(test.images, test.count), test.labels);
    await classifier.release();
    expect(metrics.accuracy).toBeCloseTo(card.metrics.test.accuracy, 6);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.982);
    expect(metrics.confusion).toEqual(card.metrics.test.confusion);
  });
});
