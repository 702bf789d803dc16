import onnxProto from "onnx-proto";
import type { StoredKernel } from "./quantize.ts";

const { onnx } = onnxProto;

/** One fully-connected layer as the exporter sees it: y = act(x · kernel + bias). */
export interface DenseSpec {
  inputs: number;
  units: number;
  /** inputs × units, row-major (the layout of a tfjs Dense kernel). */
  kernel: Float32Array;
  bias: Float32Array;
  activation: "relu" | "sigmoid" | "softmax" | "linear";
  /** How the kernel is stored in the file; float32 unless quantized. */
  stored?: StoredKernel;
}

export interface OnnxExportOptions {
  layers: DenseSpec[];
  /** Key/value pairs stored in the model's metadata_props (values are strings in ONNX). */
  metadata: Record<string, string>;
  producerVersion: string;
  docString?: string;
}

export const INPUT_NAME = "image";
export const OUTPUT_NAME = "probabilities";
/** The default ONNX domain at opset 13: Softmax normalises along one axis (−1), as Keras does. */
export const OPSET = 13;
/** IR version 8 (ONNX 1.10): understood by every runtime and checker from onnx 1.10 on. */
export const IR_VERSION = 8;

const ACTIVATION_OPS: Record<Exclude<DenseSpec["activation"], "linear">, string> = {
  relu: "Relu",
  sigmoid: "Sigmoid",
  softmax: "Softmax",
};

function floatTensor(name: string, dims: number[], values: Float32Array) {
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
  });
}

function rawTensor(name: string, dims: number[], dataType: number, bytes: Uint8Array) {
  return onnx.TensorProto.create({ name, dims, dataType, rawData: bytes });
}

type Node = ReturnType<typeof onnx.NodeProto.create>;
type Tensor = ReturnType<typeof onnx.TensorProto.create>;

/**
 * The kernel's initializers and, for quantized storage, the node that turns them back into float32
 * (DequantizeLinear per output column for int8, Cast for float16). Returns the float kernel's name.
 */
function kernelInputs(prefix: string, layer: DenseSpec, nodes: Node[], initializers: Tensor[]): string {
  const dims = [layer.inputs, layer.units];
  const stored = layer.stored ?? { format: "float32" };
  const name = `${prefix}.kernel`;
  if (stored.format === "float32") {
    initializers.push(floatTensor(name, dims, layer.kernel));
  } else if (stored.format === "float16") {
    initializers.push(rawTensor(`${name}.f16`, dims, onnx.TensorProto.DataType.FLOAT16, stored.halfBytes));
    nodes.push(
      onnx.NodeProto.create({
        name: `${prefix}.cast`,
        opType: "Cast",
        input: [`${name}.f16`],
        output: [name],
        attribute: [{ name: "to", type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.FLOAT }],
      }),
    );
  } else {
    const q = new Uint8Array(stored.values.buffer, stored.values.byteOffset, stored.values.byteLength);
    initializers.push(
      rawTensor(`${name}.q`, dims, onnx.TensorProto.DataType.INT8, q),
      floatTensor(`${name}.scale`, [layer.units], stored.scales),
      rawTensor(`${name}.zero_point`, [layer.units], onnx.TensorProto.DataType.INT8, new Uint8Array(layer.units)),
    );
    nodes.push(
      onnx.NodeProto.create({
        name: `${prefix}.dequantize`,
        opType: "DequantizeLinear",
        input: [`${name}.q`, `${name}.scale`, `${name}.zero_point`],
        output: [name],
        attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
      }),
    );
  }
  return name;
}

function floatValueInfo(name: string, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function checkLayers(layers: DenseSpec[]): void {
  if (layers.length === 0) throw new Error("cannot export a model without layers");
  layers.forEach((layer, i) => {
    if (layer.kernel.length !== layer.inputs * layer.units) {
      throw new Error(`layer ${i}: kernel has ${layer.kernel.length} values, expected ${layer.inputs}×${layer.units}`);
    }
    if (layer.bias.length !== layer.units) throw new Error(`layer ${i}: bias has ${layer.bias.length} values, expected ${layer.units}`);
    if (i > 0 && layer.inputs !== layers[i - 1].units) {
      throw new Error(`layer ${i} takes ${layer.inputs} inputs but layer ${i - 1} gives ${layers[i - 1].units}`);
    }
  });
  if (layers[layers.length - 1].activation !== "softmax") throw new Error("the last layer must be a softmax: the output is probabilities");
}

/** Builds the ONNX graph of a stack of dense layers: Gemm (+ activation) per layer, batch dimension symbolic. */
export function buildOnnxModel(options: OnnxExportOptions): Uint8Array {
  const { layers } = options;
  checkLayers(layers);
  const nodes: Node[] = [];
  const initializers: Tensor[] = [];
  let current = INPUT_NAME;
  layers.forEach((layer, i) => {
    const kernel = kernelInputs(`dense${i}`, layer, nodes, initializers);
    const bias = `dense${i}.bias`;
    initializers.push(floatTensor(bias, [layer.units], layer.bias));
    const isLast = i === layers.length - 1;
    const linearOut = isLast && layer.activation === "linear" ? OUTPUT_NAME : `dense${i}.linear`;
    nodes.push(onnx.NodeProto.create({ name: `dense${i}.gemm`, opType: "Gemm", input: [current, kernel, bias], output: [linearOut] }));
    current = linearOut;
    if (layer.activation !== "linear") {
      const activated = isLast ? OUTPUT_NAME : `dense${i}.${layer.activation}`;
      nodes.push(
        onnx.NodeProto.create({ name: `dense${i}.${layer.activation}`, opType: ACTIVATION_OPS[layer.activation], input: [current], output: [activated] }),
      );
      current = activated;
    }
  });
  const last = layers[layers.length - 1];
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: "", version: OPSET }],
    producerName: "edge-digits",
    producerVersion: options.producerVersion,
    docString: options.docString ?? "",
    graph: {
      name: "mnist_mlp",
      node: nodes,
      initializer: initializers,
      input: [floatValueInfo(INPUT_NAME, ["N", layers[0].inputs])],
      output: [floatValueInfo(OUTPUT_NAME, ["N", last.units])],
    },
    metadataProps: Object.entries(options.metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Reads back the metadata_props of an ONNX model (used by tests and the model check). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
}
