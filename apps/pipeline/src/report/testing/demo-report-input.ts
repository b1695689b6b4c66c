import { gaussianBlobs } from '@digitfuse/analysis/testing';
import { createRng } from '@digitfuse/data';
import type { ReportInput, TrialInput } from '../types';

/**
 * A plausible synthetic ReportInput: Gaussian blobs as embeddings (fused well separated, image
 * less, audio least), a smooth training history, a near-diagonal confusion matrix, a search with
 * pruned trials, importances and an ablation. For tests and the demo script.
 */
export function demoReportInput(points = 2000, seed = 0): ReportInput {
  const rng = createRng(seed);
  const fused = gaussianBlobs(points, 256, 10, seed + 1, { separation: 1.2, spread: 1 });
  const image = gaussianBlobs(points, 400, 10, seed + 2, { separation: 0.27, spread: 1 });
  const audio = gaussianBlobs(points, 128, 10, seed + 3, { separation: 0.25, spread: 1 });

  const history = Array.from({ length: 15 }, (_, i) => {
    const e = i + 1;
    return {
      epoch: e,
      loss: 1.9 * Math.exp(-e / 3) + 0.05 + 0.01 * rng.next(),
      acc: 1 - 0.8 * Math.exp(-e / 2.5) - 0.01 * rng.next(),
      val_loss: 1.8 * Math.exp(-e / 3) + 0.09 + 0.002 * e,
      val_acc: 1 - 0.8 * Math.exp(-e / 2.5) - 0.025,
    };
  });

  const confusion = Array.from({ length: 10 }, (_, t) =>
    Array.from({ length: 10 }, (_, p) => (t === p ? 560 + Math.floor(60 * rng.next()) : rng.next() < 0.35 ? Math.floor(12 * rng.next()) : 0)),
  );
  const perClass = confusion.map((row, c) => {
    const tp = row[c];
    const support = row.reduce((s, v) => s + v, 0);
    const predicted = confusion.reduce((s, r) => s + r[c], 0);
    const precision = tp / predicted;
    const recall = tp / support;
    return { precision, recall, f1: (2 * precision * recall) / (precision + recall), support };
  });
  const total = confusion.flat().reduce((s, v) => s + v, 0);
  const accuracy = confusion.reduce((s, row, c) => s + row[c], 0) / total;
  const macroF1 = perClass.reduce((s, c) => s + c.f1, 0) / 10;

  const trials: TrialInput[] = Array.from({ length: 24 }, (_, number) => {
    const lr = 10 ** (-4 + 2.5 * rng.next());
    const dropout = 0.5 * rng.next();
    const filters = [16, 32, 64][rng.int(3)];
    const optimizer = ['adam', 'rmsprop', 'sgd'][rng.int(3)];
    const quality = 0.985 - 0.04 * Math.abs(Math.log10(lr) + 2.8) - 0.05 * Math.abs(dropout - 0.25) - (optimizer === 'sgd' ? 0.03 : 0);
    const pruned = number > 4 && quality < 0.95 && rng.next() < 0.7;
    const steps = pruned ? 3 : 10;
    const intermediate = Array.from({ length: steps }, (_, s) => [s + 1, quality - 0.3 * Math.exp(-(s + 1) / 2)] as [number, number]);
    return {
      number,
      state: pruned ? 'PRUNED' : 'COMPLETE',
      params: { learning_rate: lr, dropout, filters, optimizer },
      value: pruned ? null : quality,
      bestEpoch: pruned ? null : steps,
      seconds: 20 + 40 * rng.next(),
      intermediate,
    };
  });
  const best = trials.filter((t) => t.state === 'COMPLETE').sort((a, b) => (b.value as number) - (a.value as number))[0];

  return {
    title: 'digitfuse run report (synthetic demo)',
    summary: {
      'Best trial': best.number,
      'Best learning rate': best.params.learning_rate,
      'Best dropout': best.params.dropout,
      'Validation accuracy': accuracy,
      'Macro F1': macroF1,
      'Search time (s)': 912.4,
      'Final training time (s)': 141.2,
      Backend: 'tensorflow (synthetic)',
    },
    embeddings: {
      labels: fused.labels,
      fused: fused.points,
      image: image.points,
      audio: audio.points,
      dims: { fused: 256, image: 400, audio: 128 },
    },
    history,
    evaluation: { accuracy, macroF1, confusion, perClass },
    trials,
    importances: { learning_rate: 0.61, dropout: 0.22, optimizer: 0.12, filters: 0.05 },
    ablation: [
      { modality: 'image', valAccuracy: 0.962, note: 'same epochs and batch size' },
      { modality: 'audio', valAccuracy: 0.901 },
      { modality: 'both', valAccuracy: 0.984 },
    ],
    extraImages: [{ title: 'A missing data figure (shows the note)', path: '/nonexistent/images.png' }],
  };
}

/** An evaluation of three digits on 20 validation rows, digit 1 with none (no rows, no predictions: F1 not measured). */
export function evaluationWithoutDigit1(): NonNullable<ReportInput['evaluation']> {
  return {
    accuracy: 0.9,
    macroF1: 0.9,
    confusion: [
      [9, 0, 1],
      [0, 0, 0],
      [1, 0, 9],
    ],
    perClass: [
      { precision: 0.9, recall: 0.9, f1: 0.9, support: 10 },
      { precision: 0, recall: 0, f1: 0, support: 0 },
      { precision: 0.9, recall: 0.9, f1: 0.9, support: 10 },
    ],
  };
}
