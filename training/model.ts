import * as tf from "@tensorflow/tfjs";
import type { DenseSpec } from "./onnx-export.ts";
import type { Recipe } from "./presets.ts";
import { CLASS_COUNT, PIXELS } from "./dataset.ts";

export type DenseFactory = (config: {
  units: number;
  activation: DenseSpec["activation"];
  inputShape?: number[];
  kernelInitializer: ReturnType<typeof tf.initializers.glorotUniform>;
  name: string;
}) => tf.layers.Layer;

export const stockDense: DenseFactory = (config) => tf.layers.dense(config);

/**
 * The recipe's MLP: hidden dense layers (each optionally followed by dropout), then a 10-unit output layer.
 * The output layer gives logits: the recipe's softmax is applied inside the loss while training (as Keras
 * does for a softmax output with categorical cross-entropy: stable, and no clipped gradients for confidently
 * wrong samples), by `predictProbabilities` at inference, and as a Softmax node in the exported ONNX graph.
 */
export function buildModel(recipe: Recipe, dense: DenseFactory = stockDense): tf.Sequential {
  const model = tf.sequential({ name: `mnist_${recipe.preset}` });
  const sizes = [...recipe.hidden, CLASS_COUNT];
  sizes.forEach((units, i) => {
    const isOutput = i === sizes.length - 1;
    model.add(
      dense({
        units,
        activation: isOutput ? "linear" : recipe.activation,
        inputShape: i === 0 ? [PIXELS] : undefined,
        // Keras' default initializer, seeded per layer so that --seed reproduces the initial weights.
        kernelInitializer: tf.initializers.glorotUniform({ seed: recipe.seed * 101 + i }),
        name: `dense${i}`,
      }),
    );
    if (!isOutput && recipe.dropout > 0) model.add(tf.layers.dropout({ rate: recipe.dropout, name: `dropout${i}` }));
  });
  return model;
}

/** Categorical cross-entropy of the softmax of the logits, computed from the logits. */
export function softmaxCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  return tf.losses.softmaxCrossEntropy(labels, logits);
}

/** Compiles for training: the recipe's optimizer, categorical cross-entropy on the softmax, accuracy. */
export function compileModel(model: tf.LayersModel, recipe: Recipe): void {
  model.compile({ optimizer: makeOptimizer(recipe), loss: softmaxCrossEntropy, metrics: ["accuracy"] });
}

export function makeOptimizer(recipe: Recipe): tf.Optimizer {
  switch (recipe.optimizer) {
    case "adam":
      return tf.train.adam(recipe.learningRate, 0.9, 0.999, 1e-7);
    case "rmsprop":
      return tf.train.rmsprop(recipe.learningRate, 0.9, 0, 1e-7);
    case "sgd":
      return tf.train.sgd(recipe.learningRate);
  }
}

/** The model's dense layers with their weights, in the plain form the ONNX exporter takes; the last ends in the softmax. */
export function denseSpecs(model: tf.LayersModel): DenseSpec[] {
  const dense = model.layers.filter((layer) => layer.getWeights().length === 2);
  return dense.map((layer, i) => {
      const [kernel, bias] = layer.getWeights();
      const config = layer.getConfig() as { activation?: string };
      const [inputs, units] = kernel.shape as [number, number];
      return {
        inputs,
        units,
        kernel: kernel.dataSync() as Float32Array,
        bias: bias.dataSync() as Float32Array,
        activation: i === dense.length - 1 ? "softmax" : ((config.activation ?? "linear") as DenseSpec["activation"]),
      };
    });
}

/** Replaces the kernels of the model's dense layers (in order), keeping their biases. */
export function setDenseKernels(model: tf.LayersModel, kernels: Float32Array[]): void {
  const dense = model.layers.filter((layer) => layer.getWeights().length === 2);
  if (dense.length !== kernels.length) throw new Error(`expected ${dense.length} kernels, got ${kernels.length}`);
  dense.forEach((layer, i) => {
    const [kernel, bias] = layer.getWeights();
    layer.setWeights([tf.tensor(kernels[i], kernel.shape, "float32"), bias]);
  });
}
