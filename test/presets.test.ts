import { describe, expect, it, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { PRESETS, PRESET_NAMES, presetRecipe } from "../training/presets.ts";
import { buildModel, denseSpecs, makeOptimizer } from "../training/model.ts";
import { fastDense } from "../training/fast-dense.ts";
import { selectBackend } from "../training/backend.ts";
import { loadDigitData, defaultDataDir, splitValidation } from "../training/dataset.ts";
import { trainModel, predictProbabilities } from "../training/train.ts";
import { classificationMetrics } from "../training/metrics.ts";
import { EpochProgress } from "../training/progress.ts";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";

beforeAll(async () => {
  await selectBackend("auto");
});

function layerSummary(model: tf.LayersModel) {
  return model.layers.map((layer) => ({
    type: layer.getClassName(),
    shape: layer.getWeights().map((w) => w.shape),
    activation: (layer.getConfig() as { activation?: string }).activation,
    rate: (layer.getConfig() as { rate?: number }).rate,
  }));
}

describe("presets build the tutorials' models", () => {
  it("mlp: 784 → 512 ReLU → 512 ReLU → 10 softmax, Adam, batch 128, 20 epochs, 10% validation", () => {
    const recipe = presetRecipe("mlp");
    expect(recipe).toMatchObject({ optimizer: "adam", learningRate: 0.001, batchSize: 128, epochs: 20, valSplit: 0.1, keep: "last", ema: 0.999 });
    const model = buildModel(recipe, fastDense);
    expect(layerSummary(model).map((l) => [l.shape, l.activation])).toEqual([
      [[[784, 512], [512]], "relu"],
      [[[512, 512], [512]], "relu"],
      [[[512, 10], [10]], "linear"],
    ]);
    // The softmax lives in the loss while training and in the exported graph.
    expect(denseSpecs(model).map((l) => l.activation)).toEqual(["relu", "relu", "softmax"]);
    expect(model.countParams()).toBe(669_706);
    model.dispose();
  });

  it("tiny: 784 → 10 sigmoid → 10 softmax with SGD at Keras' defaults (lr 0.01, batch 32), 10 epochs", () => {
    const recipe = presetRecipe("tiny");
    expect(recipe).toMatchObject({ optimizer: "sgd", learningRate: 0.01, batchSize: 32, epochs: 10 });
    const model = buildModel(recipe);
    expect(layerSummary(model).map((l) => [l.shape, l.activation])).toEqual([
      [[[784, 10], [10]], "sigmoid"],
      [[[10, 10], [10]], "linear"],
    ]);
    expect(denseSpecs(model).map((l) => l.activation)).toEqual(["sigmoid", "softmax"]);
    expect(makeOptimizer(recipe)).toBeInstanceOf(tf.SGDOptimizer);
    model.dispose();
  });

  it("dropout: dropout 0.2 after each hidden layer, RMSprop, 20% validation, best val_loss weights", () => {
    const recipe = presetRecipe("dropout");
    expect(recipe).toMatchObject({ optimizer: "rmsprop", batchSize: 128, epochs: 20, valSplit: 0.2, keep: "best-val-loss" });
    const model = buildModel(recipe);
    expect(layerSummary(model).map((l) => l.type)).toEqual(["Dense", "Dropout", "Dense", "Dropout", "Dense"]);
    expect(layerSummary(model).filter((l) => l.type === "Dropout").map((l) => l.rate)).toEqual([0.2, 0.2]);
    expect(makeOptimizer(recipe)).toBeInstanceOf(tf.RMSPropOptimizer);
    model.dispose();
  });

  it("every preset states its published figure", () => {
    for (const name of PRESET_NAMES) expect(PRESETS[name].published.accuracy).toBeGreaterThan(0.9);
  });

  it("the same seed gives the same initial weights; another seed does not", () => {
    const weights = (seed: number) => Array.from(denseSpecs(buildModel(presetRecipe("tiny", seed)))[0].kernel.subarray(0, 50));
    expect(weights(1)).toEqual(weights(1));
    expect(weights(1)).not.toEqual(weights(2));
  });
});

describe("a short seeded run", () => {
  it("learns (test accuracy far above chance) and is reproducible", async () => {
    const data = await loadDigitData(defaultDataDir(), 3000);
    const { train, validation } = splitValidation(data.train, 0.1);
    const quiet = new Writable({ write: (_c, _e, done) => done() }) as unknown as NodeJS.WriteStream;
    const run = async () => {
      const recipe = { ...presetRecipe("mlp", 3), hidden: [128], epochs: 3, limit: 3000 };
      const outcome = await trainModel({
        recipe,
        train,
        validation,
        dense: fastDense,
        checkpointPath: join(mkdtempSync(join(tmpdir(), "ckpt-")), "m.ckpt"),
        resume: false,
        progress: new EpochProgress(recipe.epochs, quiet),
        log: () => {},
        interrupted: () => false,
      });
      const metrics = classificationMetrics(await predictProbabilities(outcome.model, data.test), data.test.labels);
      outcome.model.dispose();
      return { metrics, history: outcome.state.history };
    };
    const first = await run();
    expect(first.metrics.accuracy).toBeGreaterThan(0.85);
    expect(first.history[2].loss).toBeLessThan(first.history[0].loss);
    const second = await run();
    expect(second.history.map((e) => e.loss)).toEqual(first.history.map((e) => e.loss));
  });
});
