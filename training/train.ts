import * as tf from "@tensorflow/tfjs";
import { buildModel, compileModel, type DenseFactory } from "./model.ts";
import { CLASS_COUNT, PIXELS, type DigitSet } from "./dataset.ts";
import { loadCheckpoint, saveCheckpoint, type EpochLog, type TrainingState } from "./checkpoint.ts";
import { seededRandom, shuffledIndices } from "./random.ts";
import type { EpochProgress } from "./progress.ts";
import type { Recipe } from "./presets.ts";

export interface TrainRequest {
  recipe: Recipe;
  train: DigitSet;
  validation?: DigitSet;
  dense: DenseFactory;
  checkpointPath: string;
  resume: boolean;
  progress: EpochProgress;
  log: (line: string) => void;
  /** Polled after every batch: true once the user asked to stop (Ctrl-C). */
  interrupted: () => boolean;
}

export interface TrainOutcome {
  /** The model with the last epoch's weights. */
  model: tf.Sequential;
  state: TrainingState;
  /** The weights of state.best's epoch, when there is a validation set; the caller disposes them. */
  bestWeights?: tf.Tensor[];
  /** The moving average of the weights when recipe.ema > 0; the caller disposes them. */
  emaWeights?: tf.Tensor[];
  stoppedEarly: boolean;
  interrupted: boolean;
}

/** The validation metric that decides the best epoch and early stopping. */
export function monitoredMetric(recipe: Recipe): "val_loss" | "val_acc" {
  return recipe.keep === "best-val-acc" ? "val_acc" : "val_loss";
}

export function toTensors(set: DigitSet): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return {
    x: tf.tensor2d(set.images, [set.count, PIXELS]),
    y: tf.tidy(() => tf.oneHot(tf.tensor1d(set.labels, "int32"), CLASS_COUNT).toFloat() as tf.Tensor2D),
  };
}

function sameRecipe(a: Recipe, b: Recipe): boolean {
  // Epochs and patience may grow on resume; everything that shapes the weights must match.
  const shape = (r: Recipe) => JSON.stringify({ ...r, epochs: 0, patience: 0 });
  return shape(a) === shape(b);
}

/** Fits the recipe's model epoch by epoch, checkpointing after each, with the seeded shuffle of --seed. */
export async function trainModel(request: TrainRequest): Promise<TrainOutcome> {
  const { recipe, progress, log } = request;
  const model = buildModel(recipe, request.dense);
  compileModel(model, recipe);

  let state: TrainingState = { recipe, completedEpochs: 0, history: [] };
  let bestWeights: tf.Tensor[] | undefined;
  let emaWeights: tf.Variable[] | undefined;
  if (request.resume) {
    const checkpoint = await loadCheckpoint(request.checkpointPath);
    if (!sameRecipe(checkpoint.state.recipe, recipe)) {
      throw new Error(`${request.checkpointPath}: the checkpoint was made with another recipe (${JSON.stringify(checkpoint.state.recipe)}); resume with the same flags`);
    }
    model.setWeights(checkpoint.modelWeights);
    await model.optimizer.setWeights(checkpoint.optimizerWeights);
    tf.dispose(checkpoint.modelWeights);
    bestWeights = checkpoint.bestWeights;
    emaWeights = checkpoint.emaWeights?.map((w) => tf.variable(w, false));
    state = { ...checkpoint.state, recipe };
    log(`Resuming after epoch ${state.completedEpochs} from ${request.checkpointPath}`);
  }

  // The decay warms up as in TensorFlow's ExponentialMovingAverage with num_updates: min(decay, (1+t)/(10+t)).
  // Early on the average follows the weights closely, so a short run is not dragged back to its initial weights.
  if (recipe.ema > 0) emaWeights ??= model.getWeights().map((w) => tf.variable(w.clone(), false));
  state.emaSteps ??= 0;
  const updateEma = () => {
    const t = state.emaSteps!;
    const decay = Math.min(recipe.ema, (1 + t) / (10 + t));
    state.emaSteps = t + 1;
    tf.tidy(() => {
      const current = model.getWeights();
      emaWeights!.forEach((average, i) => average.assign(average.mul(decay).add(current[i].mul(1 - decay))));
    });
  };

  const train = toTensors(request.train);
  const validation = request.validation && request.validation.count > 0 ? toTensors(request.validation) : undefined;
  const batches = Math.ceil(request.train.count / recipe.batchSize);
  const monitor = monitoredMetric(recipe);
  const isBetter = (value: number, best: number) => (monitor === "val_acc" ? value > best : value < best);
  let interrupted = false;
  let stoppedEarly = false;

  try {
    for (let epoch = state.completedEpochs + 1; epoch <= recipe.epochs; epoch++) {
      const order = shuffledIndices(request.train.count, seededRandom(recipe.seed * 7919 + epoch));
      const [x, y] = tf.tidy(() => {
        const indices = tf.tensor1d(Int32Array.from(order), "int32");
        return [tf.gather(train.x, indices), tf.gather(train.y, indices)];
      });
      progress.start(epoch, batches);
      const started = performance.now();
      const fitted = await model.fit(x, y, {
        batchSize: recipe.batchSize,
        epochs: 1,
        shuffle: false,
        verbose: 0,
        validationData: validation ? [validation.x, validation.y] : undefined,
        callbacks: {
          onBatchEnd: async (batch, logs) => {
            if (emaWeights) updateEma();
            progress.batch(batch + 1, logs?.loss ?? NaN, logs?.acc ?? NaN);
            if (request.interrupted()) model.stopTraining = true;
          },
        },
      });
      tf.dispose([x, y]);
      if (request.interrupted()) {
        progress.abort();
        interrupted = true;
        log(`Interrupted during epoch ${epoch}: that epoch is discarded; the checkpoint holds epoch ${state.completedEpochs}.`);
        break;
      }
      const value = (key: string) => {
        const series = fitted.history[key];
        return series === undefined ? undefined : Number(series[series.length - 1]);
      };
      const entry: EpochLog = {
        epoch,
        loss: value("loss") ?? NaN,
        acc: value("acc") ?? NaN,
        val_loss: value("val_loss"),
        val_acc: value("val_acc"),
        seconds: (performance.now() - started) / 1000,
      };
      progress.end(entry);
      state.history.push(entry);
      state.completedEpochs = epoch;
      const monitored = entry[monitor];
      if (monitored !== undefined && (!state.best || isBetter(monitored, state.best.value))) {
        state.best = { epoch, metric: monitor, value: monitored };
        tf.dispose(bestWeights ?? []);
        bestWeights = model.getWeights().map((w) => w.clone());
      }
      await saveCheckpoint(request.checkpointPath, {
        state,
        modelWeights: model.getWeights(),
        bestWeights,
        emaWeights,
        optimizerWeights: await model.optimizer.getWeights(),
      });
      if (recipe.patience > 0 && state.best && epoch - state.best.epoch >= recipe.patience) {
        stoppedEarly = true;
        log(`Early stopping: ${monitor} has not improved for ${recipe.patience} epochs (best: epoch ${state.best.epoch}).`);
        break;
      }
    }
  } finally {
    tf.dispose([train.x, train.y, ...(validation ? [validation.x, validation.y] : [])]);
  }

  return { model, state, bestWeights, emaWeights, stoppedEarly, interrupted };
}

/** Class probabilities (softmax of the model's logits) for a whole set, in batches. */
export async function predictProbabilities(model: tf.LayersModel, set: DigitSet, batchSize = 1000): Promise<Float32Array> {
  const out = new Float32Array(set.count * CLASS_COUNT);
  for (let start = 0; start < set.count; start += batchSize) {
    const n = Math.min(batchSize, set.count - start);
    const probs = tf.tidy(() => tf.softmax(model.predict(tf.tensor2d(set.images.subarray(start * PIXELS, (start + n) * PIXELS), [n, PIXELS])) as tf.Tensor));
    out.set((await probs.data()) as Float32Array, start * CLASS_COUNT);
    probs.dispose();
  }
  return out;
}
