/** Precision, recall and F1 of one class. */
export interface ClassMetrics {
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Rows whose true label is this class. */
  readonly support: number;
}

/** Classification metrics derived from a confusion matrix. */
export interface ClassificationMetrics {
  readonly accuracy: number;
  /** Unweighted mean F1 over the classes that occur among the true or predicted labels (as scikit-learn). */
  readonly macroF1: number;
  readonly perClass: readonly ClassMetrics[];
}

/** Index of the largest value of each row of a row-major [n * k] array (first one on ties). */
export function argmaxRows(values: Float32Array, k: number): Int32Array {
  const n = values.length / k;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (values[i * k + j] > values[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}

/** Confusion counts [k * k], row = true class, column = predicted class. */
export function confusionMatrix(labels: ArrayLike<number>, predicted: ArrayLike<number>, k: number): Int32Array {
  if (labels.length !== predicted.length) {
    throw new RangeError(`Expected as many predictions as labels, found ${predicted.length} and ${labels.length}`);
  }
  const m = new Int32Array(k * k);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predicted[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) throw new RangeError(`Expected classes in 0..${k - 1}, found label ${t} and prediction ${p} at row ${i}`);
    m[t * k + p]++;
  }
  return m;
}

/** Accuracy, macro-F1 and per-class precision/recall/F1 of a [k * k] confusion matrix (0 where undefined). */
export function classificationMetrics(confusion: Int32Array, k: number): ClassificationMetrics {
  let total = 0;
  let correct = 0;
  const perClass: ClassMetrics[] = [];
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    let rowSum = 0;
    let colSum = 0;
    for (let j = 0; j < k; j++) {
      rowSum += confusion[c * k + j];
      colSum += confusion[j * k + c];
    }
    const tp = confusion[c * k + c];
    total += rowSum;
    correct += tp;
    const precision = colSum > 0 ? tp / colSum : 0;
    const recall = rowSum > 0 ? tp / rowSum : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ precision, recall, f1, support: rowSum });
    if (rowSum > 0 || colSum > 0) {
      f1Sum += f1;
      present++;
    }
  }
  return { accuracy: total > 0 ? correct / total : 0, macroF1: present > 0 ? f1Sum / present : 0, perClass };
}

/** Mean categorical cross-entropy of probabilities [n * k] against integer labels, clipping at `eps` as Keras does. */
export function crossEntropy(probs: Float32Array, labels: ArrayLike<number>, k: number, eps = 1e-7): number {
  if (labels.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum -= Math.log(Math.min(1 - eps, Math.max(eps, probs[i * k + labels[i]])));
  return sum / labels.length;
}
