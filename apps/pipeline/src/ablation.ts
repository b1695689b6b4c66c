import { counted } from '@digitfuse/core';
import { subset, type PreparedData } from '@digitfuse/data';
import { evaluateProbabilities, fitModel, formatDuration, predictProba, readMeta } from '@digitfuse/model';
import type { RunContext } from './context';
import type { BesideRetrain } from './beside-retrain';
import { readKeyed, trialModelDir, writeKeyed, type EvaluationFile } from './run-artifacts';
import { sampleRows } from './search-space';
import { modalityOf } from './options';

/** One single-sense model of the modality ablation. */
export type AblationEntry = EvaluationFile['ablation'][number];

/**
 * What an ablation was computed from: the best trial, its epochs and configuration, the rows and the
 * seed. A saved ablation is used only when all of these match the run's current best trial.
 */
export interface AblationKey {
  readonly trial: number;
  readonly epochs: number;
  readonly config: string;
  readonly searchRows: number;
  readonly seed: number;
  readonly batchSize: number;
  readonly backend: string;
}

/** Whether the run has a modality ablation: not an image-only run (`--modality image`), whose model has one sense already. */
export const hasAblation = (ctx: Pick<RunContext, 'options'>): boolean => modalityOf(ctx.options) !== 'image';

/** The ablation's inputs for the run's best trial (its meta holds the configuration and the kept epoch). */
export async function ablationKey(ctx: RunContext, trial: number, backend: string): Promise<AblationKey> {
  const meta = await readMeta(trialModelDir(ctx.layout, trial));
  return {
    trial,
    epochs: (meta.bestEpoch ?? ctx.options.epochs - 1) + 1,
    config: JSON.stringify(meta.config),
    searchRows: ctx.options.searchRows,
    seed: ctx.options.seed,
    batchSize: ctx.options.batchSize,
    backend,
  };
}

/**
 * The modality ablation (does hearing help seeing?): the best trial's configuration with one sense
 * only, trained on the best trial's training rows for its epochs and measured on the validation rows,
 * saved to `ablation.json` (atomically) for the evaluate stage.
 */
export async function trainAblation(ctx: RunContext, data: PreparedData, key: AblationKey, options: { readonly quiet?: boolean } = {}): Promise<readonly AblationEntry[]> {
  const val = subset(data.train, data.split.val);
  const labels = val.labels as Int32Array;
  const config = JSON.parse(key.config);
  const rows = subset(data.train, sampleRows(data.split.train, key.searchRows, key.seed));
  const entries: AblationEntry[] = [];
  for (const modality of ['image', 'audio'] as const) {
    ctx.log(`    ${modality}-only model: the best configuration on the best trial's training rows for its ${counted(key.epochs, 'epoch')}`);
    const trained = await fitModel({ ...config, modality }, { train: rows }, {
      epochs: key.epochs,
      batchSize: key.batchSize,
      seed: key.seed,
      ...(options.quiet ? { progress: 'silent' as const } : {}),
      use: async (model) => evaluateProbabilities(await predictProba(model, val), labels).accuracy,
    });
    entries.push({ modality, valAccuracy: trained.used, note: `${counted(key.epochs, 'epoch')}, best trial's configuration` });
    ctx.log(`    ${modality}-only: validation accuracy ${trained.used.toFixed(4)} (${formatDuration(trained.seconds)})`);
  }
  writeKeyed(ctx.layout.ablation, JSON.stringify(key), entries);
  return entries;
}

/** The saved ablation when it was computed from `key`, else null. */
export const savedAblation = (ctx: RunContext, key: AblationKey): readonly AblationEntry[] | null =>
  readKeyed<AblationEntry[]>(ctx.layout.ablation, JSON.stringify(key));

/**
 * The evaluate stage's ablation entries for the best trial: from the child started beside the
 * retraining (waiting for it), or from an earlier run's `ablation.json` with the same inputs, else
 * trained here; none for an image-only run.
 */
export async function ablationFor(ctx: RunContext, data: PreparedData, trial: number, backend: string, beside: BesideRetrain | undefined): Promise<readonly AblationEntry[]> {
  if (!hasAblation(ctx)) {
    ctx.log('    modality ablation: none (an image-only run: its model is the image-only one)');
    return [];
  }
  const key = await ablationKey(ctx, trial, backend);
  if (beside && beside.trial === trial && beside.backend === backend) {
    const t0 = performance.now();
    const code = await beside.exited;
    const waited = (performance.now() - t0) / 1000;
    const entries = savedAblation(ctx, key);
    if (code === 0 && entries !== null) {
      ctx.log(`    modality ablation: trained beside the retraining${waited >= 1 ? ` (waited ${formatDuration(waited)} for it)` : ''}`);
      for (const e of entries) ctx.log(`    ${e.modality}-only: validation accuracy ${e.valAccuracy.toFixed(4)}`);
      return entries;
    }
    ctx.log(`    the ablation beside the retraining ended without a result (exit ${code ?? 'by a signal'}): training it here`);
  } else {
    const saved = savedAblation(ctx, key);
    if (saved !== null) {
      ctx.log('    modality ablation: from ablation.json (same best trial, configuration and rows)');
      return saved;
    }
  }
  return trainAblation(ctx, data, key);
}
