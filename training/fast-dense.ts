// A drop-in replacement for tf.layers.dense whose backward pass is fast on the wasm backend.
//
// The layer runs as one custom kernel, "FastDenseForward", with a registered gradient. The
// gradient computes dX = dZ·Wᵀ and dW = Xᵀ·dZ with plainMatMul (see plain-matmul.ts), which on
// wasm keeps every product on XNNPACK. Gradients are registered per input and evaluated lazily,
// so the input gradient of the first layer, which training never needs, is never computed.
import * as tf from "@tensorflow/tfjs";
import type { LayerArgs } from "@tensorflow/tfjs-layers/dist/engine/topology";
import type { Initializer } from "@tensorflow/tfjs-layers/dist/initializers";
import { isWasmBackend, plainMatMul, prefersFlipped } from "./plain-matmul.ts";

export type FastDenseActivation = "relu" | "sigmoid" | "softmax" | "linear";
const ACTIVATIONS: readonly FastDenseActivation[] = ["relu", "sigmoid", "softmax", "linear"];

/** An initializer identifier such as "glorotUniform" or "zeros", a serialized initializer, or an instance. */
export type InitializerSpec = string | tf.serialization.ConfigDict | Initializer;

export interface FastDenseConfig {
  units: number;
  activation?: FastDenseActivation;
  inputShape?: number[];
  batchInputShape?: (number | null)[];
  name?: string;
  trainable?: boolean;
  /** Default "glorotNormal", the default of tf.layers.dense in tfjs 4. */
  kernelInitializer?: InitializerSpec;
  /** Default "zeros". */
  biasInitializer?: InitializerSpec;
}

/** The custom kernel a FastDense layer runs (it wraps other kernels, which profiles list too). */
export const FORWARD_KERNEL = "FastDenseForward";
type ForwardAttrs = { relu: boolean };

// x·kernel + bias with relu fused when asked, as one _FusedMatMul kernel of the wasm backend
// (called directly because tf.fused.matMul does not fuse while gradients are recorded; the kernel
// takes rank-3 operands).
function fusedAffineOnWasm(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  const [batch, inputDim] = x.shape;
  const units = kernel.shape[1];
  const y = tf.engine().runKernel(
    tf._FusedMatMul,
    { a: tf.reshape(x, [1, batch, inputDim]), b: tf.reshape(kernel, [1, inputDim, units]), bias },
    { transposeA: false, transposeB: false, activation: relu ? "relu" : "linear" },
  ) as tf.Tensor;
  return tf.reshape(y, [batch, units]);
}

// Written with tfjs ops, so it serves every backend; it is registered for a backend the first time
// a FastDense layer runs there. Off wasm it issues the same ops as tf.layers.dense.
const forwardKernel: tf.KernelFunc = ({ inputs, attrs }) => {
  // denseForward passes tensors, so the inputs are tensors rather than bare TensorInfos.
  const { x, kernel, bias } = inputs as unknown as { x: tf.Tensor2D; kernel: tf.Tensor2D; bias: tf.Tensor1D };
  const { relu } = attrs as unknown as ForwardAttrs;
  return tf.tidy(() => {
    const [batch, inputDim] = x.shape;
    // Unless the layer is wider than the batch: then packing the batch beats packing the kernel.
    if (isWasmBackend() && !prefersFlipped(batch, inputDim, kernel.shape[1], false, false)) {
      return fusedAffineOnWasm(x, kernel, bias, relu);
    }
    const z = tf.add(plainMatMul(x, kernel), bias);
    return relu ? tf.relu(z) : z;
  });
};

function ensureForwardKernel(): void {
  const backendName = tf.getBackend();
  if (tf.getKernel(FORWARD_KERNEL, backendName) === undefined) {
    tf.registerKernel({ kernelName: FORWARD_KERNEL, backendName, kernelFunc: forwardKernel });
  }
}

// Σ over the batch. On wasm, as ones·dZ: dW = Xᵀ·dZ has just packed dZ for XNNPACK, which caches
// the packed operand per tensor, so this product is nearly free while tf.sum(dZ, 0) is not.
function sumOverBatch(dz: tf.Tensor2D): tf.Tensor1D {
  if (!isWasmBackend()) return tf.sum(dz, 0);
  const [batch, units] = dz.shape;
  return tf.reshape(tf.matMul(tf.ones([1, batch]), dz), [units]);
}

tf.registerGradient({
  kernelName: FORWARD_KERNEL,
  inputsToSave: ["x", "kernel"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, kernel, y] = saved as tf.Tensor2D[];
    const { relu } = attrs as unknown as ForwardAttrs;
    // relu(z) > 0 exactly where z > 0, so the saved output gives the same mask as tfjs's Relu gradient.
    const dz = (relu ? tf.mul(dy as tf.Tensor, tf.step(y)) : dy) as tf.Tensor2D;
    // Evaluated in this order (x, kernel, bias), which sumOverBatch relies on.
    return {
      x: () => plainMatMul(dz, kernel, false, true),
      kernel: () => plainMatMul(x, dz, true, false),
      bias: () => sumOverBatch(dz),
    };
  },
});

/** y = x·kernel + bias, optionally followed by relu, with the fast gradient. x is [batch, in]. */
function denseForward(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, relu: boolean): tf.Tensor2D {
  ensureForwardKernel();
  return tf.engine().runKernel(FORWARD_KERNEL, { x, kernel, bias }, { relu } satisfies ForwardAttrs) as tf.Tensor2D;
}

function upperFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// The Initializer base class is not exported by tfjs-layers, so instances are recognised by shape.
function isInitializer(value: unknown): value is Initializer {
  const candidate = value as Partial<Initializer> | null;
  return typeof candidate?.apply === "function" && typeof candidate.getClassName === "function";
}

// Accepts what tf.layers.dense accepts: "glorotUniform", {className, config}, or an Initializer.
function resolveInitializer(spec: InitializerSpec, option: string): Initializer {
  if (isInitializer(spec)) return spec;
  const className = typeof spec === "string" ? upperFirst(spec) : (spec.className as string);
  const config = typeof spec === "string" ? {} : ((spec.config ?? {}) as tf.serialization.ConfigDict);
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  const cls = entry?.[0] as unknown;
  if (!entry || typeof cls !== "function" || !isInitializer(cls.prototype)) {
    throw new Error(`FastDense: unknown ${option} ${JSON.stringify(spec)}`);
  }
  return entry[1](entry[0], config) as Initializer;
}

function serializeInitializer(init: Initializer): tf.serialization.ConfigDict {
  return { className: init.getClassName(), config: init.getConfig() };
}

export class FastDense extends tf.layers.Layer {
  static className = "FastDense";
  readonly units: number;
  readonly activation: FastDenseActivation;
  private readonly kernelInitializer: Initializer;
  private readonly biasInitializer: Initializer;
  private kernel: tf.LayerVariable | null = null;
  private bias: tf.LayerVariable | null = null;

  constructor(config: FastDenseConfig) {
    if (config == null || !Number.isInteger(config.units) || config.units < 1) {
      throw new Error(`FastDense: units must be a positive integer, got ${JSON.stringify(config?.units)}`);
    }
    const activation = config.activation ?? "linear";
    if (!ACTIVATIONS.includes(activation)) {
      throw new Error(`FastDense: activation must be one of ${ACTIVATIONS.join(", ")}, got ${JSON.stringify(activation)}`);
    }
    const { units, activation: _a, kernelInitializer, biasInitializer, ...layerArgs } = config;
    super(layerArgs as LayerArgs);
    this.units = units;
    this.activation = activation;
    this.kernelInitializer = resolveInitializer(kernelInitializer ?? "glorotNormal", "kernelInitializer");
    this.biasInitializer = resolveInitializer(biasInitializer ?? "zeros", "biasInitializer");
    this.inputSpec = [{ minNDim: 2 }];
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1];
    if (inputDim == null) throw new Error("FastDense: the last dimension of the input must be known");
    this.kernel = this.addWeight("kernel", [inputDim, this.units], "float32", this.kernelInitializer, undefined, true);
    this.bias = this.addWeight("bias", [this.units], "float32", this.biasInitializer, undefined, true);
    this.inputSpec = [{ minNDim: 2, axes: { [-1]: inputDim } }];
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const input = Array.isArray(inputs) ? inputs[0] : inputs;
      const kernel = this.kernel!.read() as tf.Tensor2D;
      const bias = this.bias!.read() as tf.Tensor1D;
      const x2d = input.rank === 2 ? (input as tf.Tensor2D) : input.reshape([-1, kernel.shape[0]]) as tf.Tensor2D;
      let y: tf.Tensor = denseForward(x2d, kernel, bias, this.activation === "relu");
      if (this.activation === "sigmoid") y = tf.sigmoid(y);
      else if (this.activation === "softmax") y = tf.softmax(y);
      return input.rank === 2 ? y : y.reshape([...input.shape.slice(0, -1), this.units]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
    };
  }
}
tf.serialization.registerClass(FastDense);

/** Factory mirroring tf.layers.dense. */
export function fastDense(config: FastDenseConfig): FastDense {
  return new FastDense(config);
}
