import { CLASS_COUNT } from "./dataset.ts";

export interface ClassificationMetrics {
  count: number;
  loss: number;
  accuracy: number;
  /** accuracy of each true class, index = digit */
  perClassAccuracy: number[];
  /** confusion[true][predicted] = count */
  confusion: number[][];
  /** predicted class of each sample */
  predictions: Uint8Array;
}

export function argmax(values: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let k = 1; k < length; k++) if (values[offset + k] > values[offset + best]) best = k;
  return best;
}

/** Accuracy, mean categorical cross-entropy, per-class accuracy and confusion matrix from predicted probabilities. */
export function classificationMetrics(probabilities: Float32Array, labels: Uint8Array, classes = CLASS_COUNT): ClassificationMetrics {
  const count = labels.length;
  if (probabilities.length !== count * classes) {
    throw new Error(`expected ${count}×${classes} probabilities, got ${probabilities.length}`);
  }
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const predictions = new Uint8Array(count);
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const predicted = argmax(probabilities, i * classes, classes);
    predictions[i] = predicted;
    confusion[labels[i]][predicted]++;
    if (predicted === labels[i]) correct++;
    // Clipped like Keras (epsilon 1e-7) so that a zero probability gives a finite loss.
    lossSum -= Math.log(Math.min(Math.max(probabilities[i * classes + labels[i]], 1e-7), 1 - 1e-7));
  }
  const perClassAccuracy = confusion.map((row, digit) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? 0 : row[digit] / total;
  });
  return { count, loss: lossSum / Math.max(count, 1), accuracy: correct / Math.max(count, 1), perClassAccuracy, confusion, predictions };
}

/** The largest absolute difference between two probability arrays. */
export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} with ${b.length} values`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}
