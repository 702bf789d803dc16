// Re-exports an existing float32 model (e.g. the committed model/) with int8 or float16 weights, without
// retraining: the Gemm kernels are read back from the ONNX file and stored with training/quantize.ts, the graph is
// rebuilt with training/onnx-export.ts. Verified with onnxruntime-web on the MNIST test set before anything is
// written: the quantized graph must answer what the same graph with the dequantized float32 kernels answers.
//
//   npx tsx scripts/quantize-model.ts --weights int8|fp16 --out DIR [--from model]
//
// Writes DIR/mnist-mlp.onnx and DIR/mnist-mlp.json (the card, written last), each atomically.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Command, Option } from "commander";
import onnxProto from "onnx-proto";
import * as ort from "onnxruntime-web";
import { writeAtomic } from "../training/atomic-write.ts";
import { defaultDataDir, loadDigitData, type DigitSet } from "../training/dataset.ts";
import { classificationMetrics, maxAbsDifference, type ClassificationMetrics } from "../training/metrics.ts";
import { sha256Hex } from "../training/model-card.ts";
import { buildOnnxModel, readOnnxMetadata, type DenseSpec } from "../training/onnx-export.ts";
import { loadOnnxClassifier } from "../training/onnx-runner.ts";
import { storeKernel, type WeightFormat } from "../training/quantize.ts";
import { MAX_PROBABILITY_DIFFERENCE } from "../training/verify-export.ts";

const { onnx } = onnxProto;
const ONNX_FILE = "mnist-mlp.onnx";
const CARD_FILE = "mnist-mlp.json";

const ACTIVATIONS: Record<string, DenseSpec["activation"]> = { Relu: "relu", Sigmoid: "sigmoid", Softmax: "softmax" };

type Tensor = onnxProto.onnx.ITensorProto;

function floatValues(tensor: Tensor): Float32Array {
  if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) {
    throw new Error(`initializer ${tensor.name} is not float32 (ONNX data type ${tensor.dataType}): the model is already quantized`);
  }
  const raw = tensor.rawData;
  if (raw && raw.length > 0) return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  return Float32Array.from(tensor.floatData ?? []);
}

/** The dense layers (Gemm + activation) of a model written by training/onnx-export.ts with float32 kernels. */
export function readDenseLayers(bytes: Uint8Array): DenseSpec[] {
  const graph = onnx.ModelProto.decode(bytes).graph;
  if (!graph) throw new Error("the ONNX file has no graph");
  const nodes = graph.node ?? [];
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const consumers = new Map(nodes.map((n) => [n.input?.[0] ?? "", n]));
  const layers: DenseSpec[] = [];
  for (const node of nodes) {
    if (node.opType !== "Gemm") continue;
    if ((node.attribute ?? []).some((a) => (a.name === "transA" || a.name === "transB") && Number(a.i) !== 0)) {
      throw new Error(`${node.name}: transposed Gemm operands are not supported`);
    }
    const [, kernelName = "", biasName = ""] = node.input ?? [];
    const kernelTensor = initializers.get(kernelName);
    const biasTensor = initializers.get(biasName);
    if (!kernelTensor || !biasTensor) throw new Error(`${node.name}: kernel and bias must be initializers (got ${(node.input ?? []).join(", ")})`);
    const [inputs = 0, units = 0] = (kernelTensor.dims ?? []).map(Number);
    const next = consumers.get(node.output?.[0] ?? "");
    const activation = next?.opType ? ACTIVATIONS[next.opType] : undefined;
    layers.push({ inputs, units, kernel: floatValues(kernelTensor), bias: floatValues(biasTensor), activation: activation ?? "linear" });
  }
  if (layers.length === 0) throw new Error("the ONNX file has no Gemm layers");
  return layers;
}

export type QuantizeTarget = Exclude<WeightFormat, "float32">;

export interface QuantizeResult {
  onnx: Uint8Array;
  card: Record<string, unknown>;
  float32: ClassificationMetrics;
  quantized: ClassificationMetrics;
  maxProbabilityDifference: number;
}

export class QuantizationMismatchError extends Error {}

async function predictAll(model: Uint8Array, test: DigitSet): Promise<Float32Array> {
  const classifier = await loadOnnxClassifier(model);
  try {
    return await classifier.predict(test.images, test.count);
  } finally {
    await classifier.release();
  }
}

const round = (x: number, digits = 6) => Number(x.toFixed(digits));

/** Builds and verifies the quantized model and its card (nothing is written). */
export async function quantizeModel(sourceOnnx: Uint8Array, sourceCard: Record<string, unknown>, weights: QuantizeTarget, test: DigitSet): Promise<QuantizeResult> {
  const layers = readDenseLayers(sourceOnnx);
  const stored = layers.map((layer) => ({ ...layer, stored: storeKernel(layer.kernel, layer.inputs, layer.units, weights) }));
  const dequantized = stored.map((layer) => ({
    ...layer,
    kernel: layer.stored.format === "float32" ? layer.kernel : layer.stored.dequantized,
    stored: undefined,
  }));
  const source = onnx.ModelProto.decode(sourceOnnx);
  const metadata = readOnnxMetadata(sourceOnnx);
  const common = { producerVersion: source.producerVersion, docString: source.docString.replace(/float32 weights/, `${weights} weights`) };

  const [float32Probabilities, referenceProbabilities] = await Promise.all([
    predictAll(sourceOnnx, test),
    predictAll(buildOnnxModel({ ...common, layers: dequantized, metadata }), test),
  ]);
  const float32 = classificationMetrics(float32Probabilities, test.labels);
  const reference = classificationMetrics(referenceProbabilities, test.labels);

  const quantizedOnnx = buildOnnxModel({
    ...common,
    layers: stored,
    metadata: { ...metadata, weights, test_accuracy: reference.accuracy.toFixed(4), quantized_from_sha256: sha256Hex(sourceOnnx) },
  });
  const probabilities = await predictAll(quantizedOnnx, test);
  const quantized = classificationMetrics(probabilities, test.labels);
  const maxDiff = maxAbsDifference(probabilities, referenceProbabilities);
  if (quantized.accuracy !== reference.accuracy || !(maxDiff <= MAX_PROBABILITY_DIFFERENCE)) {
    throw new QuantizationMismatchError(
      `the ${weights} model does not compute what its dequantized weights compute: test accuracy ${quantized.accuracy} vs ${reference.accuracy}, ` +
        `largest probability difference ${maxDiff.toExponential(2)} (allowed ${MAX_PROBABILITY_DIFFERENCE}); nothing was written`,
    );
  }

  const card = {
    ...sourceCard,
    sha256: sha256Hex(quantizedOnnx),
    bytes: quantizedOnnx.length,
    created: new Date().toISOString(),
    format: { ...(sourceCard.format as object), weights },
    metrics: {
      ...(sourceCard.metrics as object),
      test: {
        count: quantized.count,
        loss: round(quantized.loss),
        accuracy: round(quantized.accuracy),
        perClassAccuracy: quantized.perClassAccuracy.map((a) => round(a)),
        confusion: quantized.confusion,
      },
    },
    quantization: {
      weights,
      float32TestAccuracy: round(float32.accuracy),
      testAccuracy: round(quantized.accuracy),
      accuracyCostPoints: round((float32.accuracy - quantized.accuracy) * 100, 3),
      from: { sha256: sha256Hex(sourceOnnx), tool: "scripts/quantize-model.ts (re-export of the float32 weights, no retraining)" },
    },
    verification: {
      runtime: `onnxruntime-web ${ort.env.versions.web} (wasm) in Node`,
      testAccuracy: round(quantized.accuracy),
      maxProbabilityDifference: maxDiff,
      against: "the same graph with the dequantized float32 kernels",
    },
  };
  return { onnx: quantizedOnnx, card, float32, quantized, maxProbabilityDifference: maxDiff };
}

/** Reads FROM/mnist-mlp.{onnx,json}, quantizes, verifies, writes OUT/mnist-mlp.onnx then OUT/mnist-mlp.json. */
export async function quantizeModelDir(options: { from: string; out: string; weights: QuantizeTarget; test?: DigitSet }): Promise<QuantizeResult> {
  const sourceOnnx = new Uint8Array(await readFile(join(options.from, ONNX_FILE)));
  const sourceCard = JSON.parse(await readFile(join(options.from, CARD_FILE), "utf8")) as Record<string, unknown>;
  if (sourceCard.sha256 !== sha256Hex(sourceOnnx)) throw new Error(`${join(options.from, CARD_FILE)} does not name the sha256 of ${ONNX_FILE}`);
  const test = options.test ?? (await loadDigitData(defaultDataDir(), 1)).test;
  const result = await quantizeModel(sourceOnnx, sourceCard, options.weights, test);
  await writeAtomic(join(options.out, ONNX_FILE), result.onnx);
  await writeAtomic(join(options.out, CARD_FILE), `${JSON.stringify(result.card, null, 2)}\n`);
  return result;
}

const WEIGHT_CHOICES: Record<string, QuantizeTarget> = { int8: "int8", fp16: "float16", float16: "float16" };

async function main(): Promise<void> {
  const program = new Command()
    .name("quantize-model")
    .description("Re-export a float32 model with int8 (per-output-channel) or float16 weights, verified on the MNIST test set")
    .addOption(new Option("--weights <format>", "weight format").choices(Object.keys(WEIGHT_CHOICES)).makeOptionMandatory())
    .requiredOption("--out <dir>", "directory for mnist-mlp.onnx and mnist-mlp.json")
    .option("--from <dir>", "directory of the float32 model", "model")
    .showHelpAfterError();
  const options = program.parse().opts<{ weights: string; out: string; from: string }>();
  const weights = WEIGHT_CHOICES[options.weights]!;
  const result = await quantizeModelDir({ from: options.from, out: options.out, weights });
  const cost = (result.float32.accuracy - result.quantized.accuracy) * 100;
  console.log(
    `${weights}: ${result.onnx.length} bytes, test accuracy ${(result.quantized.accuracy * 100).toFixed(2)}% ` +
      `(float32 ${(result.float32.accuracy * 100).toFixed(2)}%, cost ${cost.toFixed(2)} points), ` +
      `largest probability difference to the dequantized float32 graph ${result.maxProbabilityDifference.toExponential(2)}. Written to ${options.out}.`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`quantize-model failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
