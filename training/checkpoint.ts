import * as tf from "@tensorflow/tfjs";
import { readFile } from "node:fs/promises";
import { writeAtomic } from "./atomic-write.ts";
import type { Recipe } from "./presets.ts";

export interface EpochLog {
  epoch: number;
  loss: number;
  acc: number;
  val_loss?: number;
  val_acc?: number;
  seconds: number;
}

/** What a run needs to continue where it stopped: weights, optimizer state, history and the best epoch so far. */
export interface TrainingState {
  recipe: Recipe;
  completedEpochs: number;
  history: EpochLog[];
  /** The best epoch so far by the monitored validation metric. */
  best?: { epoch: number; metric: "val_loss" | "val_acc"; value: number };
  /** Steps folded into the moving average of the weights so far (its decay warms up with them). */
  emaSteps?: number;
}

interface StoredTensor {
  group: "model" | "best" | "ema" | "optimizer";
  name: string;
  shape: number[];
  offset: number;
}

export interface Checkpoint {
  state: TrainingState;
  modelWeights: tf.Tensor[];
  bestWeights?: tf.Tensor[];
  emaWeights?: tf.Tensor[];
  optimizerWeights: { name: string; tensor: tf.Tensor }[];
}

const MAGIC = "EDCK1";

/** One self-contained file, written atomically: MAGIC, header length (u32 LE), JSON header, float32 data. */
export async function saveCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const entries: { group: StoredTensor["group"]; name: string; tensor: tf.Tensor }[] = [
    ...checkpoint.modelWeights.map((tensor, i) => ({ group: "model" as const, name: String(i), tensor })),
    ...(checkpoint.bestWeights ?? []).map((tensor, i) => ({ group: "best" as const, name: String(i), tensor })),
    ...(checkpoint.emaWeights ?? []).map((tensor, i) => ({ group: "ema" as const, name: String(i), tensor })),
    ...checkpoint.optimizerWeights.map(({ name, tensor }) => ({ group: "optimizer" as const, name, tensor })),
  ];
  let offset = 0;
  const tensors: StoredTensor[] = [];
  const chunks: Float32Array[] = [];
  for (const { group, name, tensor } of entries) {
    const data = (await tensor.data()) as Float32Array;
    tensors.push({ group, name, shape: tensor.shape, offset });
    chunks.push(data);
    offset += data.length;
  }
  const header = new TextEncoder().encode(JSON.stringify({ state: checkpoint.state, tensors }));
  const prefix = new TextEncoder().encode(MAGIC);
  const headerStart = prefix.length + 4;
  // Float data starts on a 4-byte boundary so it can be viewed in place when read.
  const dataStart = Math.ceil((headerStart + header.length) / 4) * 4;
  const bytes = new Uint8Array(dataStart + offset * 4);
  bytes.set(prefix, 0);
  new DataView(bytes.buffer).setUint32(prefix.length, header.length, true);
  bytes.set(header, headerStart);
  const floats = new Float32Array(bytes.buffer, dataStart, offset);
  let at = 0;
  for (const chunk of chunks) {
    floats.set(chunk, at);
    at += chunk.length;
  }
  await writeAtomic(path, bytes);
}

export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch {
    throw new Error(`${path}: no checkpoint to resume from (run without --resume first)`);
  }
  const prefix = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (prefix !== MAGIC || bytes.length < MAGIC.length + 4) throw new Error(`${path}: not a training checkpoint`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const headerStart = MAGIC.length + 4;
  const dataStart = Math.ceil((headerStart + headerLength) / 4) * 4;
  const { state, tensors } = JSON.parse(new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength))) as {
    state: TrainingState;
    tensors: StoredTensor[];
  };
  const floats = new Float32Array(bytes.slice(dataStart).buffer);
  const toTensor = (t: StoredTensor) => {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.offset + size > floats.length) throw new Error(`${path}: truncated checkpoint`);
    return tf.tensor(floats.subarray(t.offset, t.offset + size), t.shape, "float32");
  };
  const group = (name: StoredTensor["group"]) => (tensors.some((t) => t.group === name) ? tensors.filter((t) => t.group === name).map(toTensor) : undefined);
  return {
    state,
    modelWeights: group("model") ?? [],
    bestWeights: group("best"),
    emaWeights: group("ema"),
    optimizerWeights: tensors.filter((t) => t.group === "optimizer").map((t) => ({ name: t.name, tensor: toTensor(t) })),
  };
}
