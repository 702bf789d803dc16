import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { FastDense, fastDense, type FastDenseActivation } from "../training/fast-dense.ts";

// Deterministic pseudo-random values in [-1, 1), so every run checks the same numbers.
function pseudoRandom(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

interface Case {
  batch: number;
  inputDim: number;
  units: number;
  activation: FastDenseActivation;
}

interface LayerResult {
  output: Float32Array;
  dInput: Float32Array;
  dKernel: Float32Array;
  dBias: Float32Array;
}

function caseData({ batch, inputDim, units }: Case) {
  return {
    x: pseudoRandom(batch * inputDim, 1),
    kernel: pseudoRandom(inputDim * units, 2),
    bias: pseudoRandom(units, 3),
    // Weights of the scalar objective sum(output * outputWeights); uniform weights would make
    // every softmax gradient zero.
    outputWeights: pseudoRandom(batch * units, 4),
  };
}

// Output of `layer` and the gradients of sum(output * outputWeights) w.r.t. input, kernel, bias.
async function runLayer(backend: string, makeLayer: () => tf.layers.Layer, c: Case): Promise<LayerResult> {
  await tf.setBackend(backend);
  const data = caseData(c);
  const layer = makeLayer();
  const x = tf.variable(tf.tensor2d(data.x, [c.batch, c.inputDim]));
  layer.apply(x);
  layer.setWeights([tf.tensor2d(data.kernel, [c.inputDim, c.units]), tf.tensor1d(data.bias)]);
  const weights = tf.tensor2d(data.outputWeights, [c.batch, c.units]);
  const [kernel, bias] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  let output: tf.Tensor | undefined;
  const { grads } = tf.variableGrads(() => {
    output = tf.keep(layer.apply(x) as tf.Tensor);
    return tf.sum(tf.mul(output, weights));
  }, [x, kernel, bias]);
  const result = {
    output: output!.dataSync() as Float32Array,
    dInput: grads[x.name].dataSync() as Float32Array,
    dKernel: grads[kernel.name].dataSync() as Float32Array,
    dBias: grads[bias.name].dataSync() as Float32Array,
  };
  tf.dispose([x, weights, output!, ...Object.values(grads)]);
  layer.dispose();
  return result;
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = 2e-6 + 1e-5 * Math.abs(expected[i]);
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      expect.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

const cases: Case[] = [
  { batch: 5, inputDim: 37, units: 19, activation: "relu" },
  { batch: 5, inputDim: 37, units: 19, activation: "softmax" },
  { batch: 5, inputDim: 37, units: 19, activation: "sigmoid" },
  { batch: 5, inputDim: 37, units: 19, activation: "linear" },
  { batch: 64, inputDim: 96, units: 40, activation: "relu" },
];

beforeAll(async () => {
  await tf.setBackend("wasm");
  await tf.ready();
});

describe("FastDense matches tf.layers.dense", () => {
  for (const c of cases) {
    const label = `${c.activation}, [${c.batch}, ${c.inputDim}] -> ${c.units}`;

    it(`on wasm, against Dense on cpu: output and gradients (${label})`, async () => {
      const expected = await runLayer("cpu", () => tf.layers.dense({ units: c.units, activation: c.activation }), c);
      const actual = await runLayer("wasm", () => fastDense({ units: c.units, activation: c.activation }), c);
      expectClose(actual.output, expected.output, "output");
      expectClose(actual.dInput, expected.dInput, "d input");
      expectClose(actual.dKernel, expected.dKernel, "d kernel");
      expectClose(actual.dBias, expected.dBias, "d bias");
    });
  }

  it("on cpu, bit for bit", async () => {
    for (const c of cases) {
      const expected = await runLayer("cpu", () => tf.layers.dense({ units: c.units, activation: c.activation }), c);
      const actual = await runLayer("cpu", () => fastDense({ units: c.units, activation: c.activation }), c);
      expect(actual).toEqual(expected);
    }
  });

  it("applies to the last axis of a rank-3 input, like Dense", async () => {
    const run = async (backend: string, layer: tf.layers.Layer) => {
      await tf.setBackend(backend);
      const x = tf.tensor3d(pseudoRandom(2 * 3 * 6, 8), [2, 3, 6]);
      layer.apply(x);
      layer.setWeights([tf.tensor2d(pseudoRandom(6 * 4, 9), [6, 4]), tf.tensor1d(pseudoRandom(4, 10))]);
      const y = layer.apply(x) as tf.Tensor;
      return { shape: y.shape, data: y.dataSync() as Float32Array };
    };
    const expected = await run("cpu", tf.layers.dense({ units: 4, activation: "relu" }));
    const actual = await run("wasm", fastDense({ units: 4, activation: "relu" }));
    expect(actual.shape).toEqual([2, 3, 4]);
    expectClose(actual.data, expected.data, "output");
  });

  it("keeps Dense's weight layout: [kernel [in, units], bias [units]]", async () => {
    await tf.setBackend("wasm");
    const dense = tf.layers.dense({ units: 3, inputShape: [4] });
    const fast = fastDense({ units: 3, inputShape: [4] });
    tf.sequential({ layers: [dense] });
    tf.sequential({ layers: [fast] });
    expect(fast.getWeights().map((w) => w.shape)).toEqual(dense.getWeights().map((w) => w.shape));
    const kernel = tf.tensor2d(pseudoRandom(12, 5), [4, 3]);
    const bias = tf.tensor1d([0.5, -1, 2]);
    fast.setWeights([kernel, bias]);
    const [k, b] = fast.getWeights();
    expect(Array.from(k.dataSync())).toEqual(Array.from(kernel.dataSync()));
    expect(Array.from(b.dataSync())).toEqual([0.5, -1, 2]);
  });
});

describe("FastDense in a model", () => {
  function dataset(samples: number) {
    // Three classes, each a noisy copy of its own prototype vector.
    const features = 20;
    const prototypes = pseudoRandom(3 * features, 6);
    const noise = pseudoRandom(samples * features, 7);
    const x = new Float32Array(samples * features);
    const y = new Float32Array(samples * 3);
    for (let i = 0; i < samples; i++) {
      const label = i % 3;
      y[i * 3 + label] = 1;
      for (let j = 0; j < features; j++) x[i * features + j] = prototypes[label * features + j] + 0.5 * noise[i * features + j];
    }
    return { xs: tf.tensor2d(x, [samples, features]), ys: tf.tensor2d(y, [samples, 3]), features };
  }

  function model(layer: typeof tf.layers.dense | typeof fastDense, features: number) {
    return tf.sequential({
      layers: [
        layer({ units: 16, activation: "relu", inputShape: [features], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        layer({ units: 3, activation: "softmax", kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
  }

  it("trains with model.fit and Adam on wasm: the loss goes down", async () => {
    await tf.setBackend("wasm");
    const { xs, ys, features } = dataset(96);
    const m = model(fastDense, features);
    m.compile({ optimizer: tf.train.adam(0.01), loss: "categoricalCrossentropy" });
    const history = await m.fit(xs, ys, { batchSize: 32, epochs: 8, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]);
    // Further training allocates nothing that outlives a step.
    const tensors = tf.memory().numTensors;
    await m.fit(xs, ys, { batchSize: 32, epochs: 2, shuffle: false, verbose: 0 });
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("takes the same model.fit steps on wasm as Dense does on cpu", async () => {
    async function trainedWeights(backend: string, layer: typeof tf.layers.dense | typeof fastDense) {
      await tf.setBackend(backend);
      const { xs, ys, features } = dataset(64);
      const m = model(layer, features);
      m.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
      await m.fit(xs, ys, { batchSize: 16, epochs: 2, shuffle: false, verbose: 0 });
      return m.getWeights().map((w) => w.dataSync() as Float32Array);
    }
    const expected = await trainedWeights("cpu", tf.layers.dense);
    const actual = await trainedWeights("wasm", fastDense);
    expect(actual.length).toBe(4);
    actual.forEach((weights, i) => expectClose(weights, expected[i], `weight ${i}`));
  });

  it("survives a save/load round trip", async () => {
    await tf.setBackend("wasm");
    const { xs, features } = dataset(8);
    const original = model(fastDense, features);
    let saved: tf.io.ModelArtifacts | undefined;
    await original.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.layers.map((l) => l.constructor)).toEqual([FastDense, FastDense]);
    const expected = (original.predict(xs) as tf.Tensor).dataSync();
    const actual = (loaded.predict(xs) as tf.Tensor).dataSync();
    expect(Array.from(actual)).toEqual(Array.from(expected));
  });

  it("rejects a bad config with a clear error", () => {
    expect(() => fastDense({ units: 0 })).toThrow(/units must be a positive integer/);
    expect(() => fastDense({ units: 4, activation: "tanh" as FastDenseActivation })).toThrow(/activation must be one of/);
    expect(() => fastDense({ units: 4, kernelInitializer: "glorotUniformm" })).toThrow(/unknown kernelInitializer/);
  });
});
