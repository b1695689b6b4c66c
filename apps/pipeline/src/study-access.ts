import type { ModelConfig } from '@digitfuse/model';
import { createStudy, HyperbandPruner, JournalFileStorage, MedianPruner, NopPruner, TPESampler, type Pruner, type Study } from '@digitfuse/tuning';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { RunContext } from './context';
import { PipelineError } from './errors';
import { fusionOf, modalityOf } from './options';
import { trialDirName } from './run-artifacts';
import { configFromParams } from './search-space';

/** The study's name inside its journal. */
export const STUDY_NAME = 'digitfuse';

/** The study's COMPLETE trials with a value, best first (lower number first on ties). */
export function rankedTrials(study: Study): { number: number; value: number }[] {
  return study
    .getTrials(['COMPLETE'])
    .filter((t) => t.value !== undefined)
    .map((t) => ({ number: t.number, value: t.value as number }))
    .sort((a, b) => b.value - a.value || a.number - b.number);
}

function makePruner(kind: RunContext['options']['pruner'], epochs: number): Pruner {
  if (kind === 'median') return new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 1 });
  if (kind === 'hyperband') return new HyperbandPruner({ minResource: 1, maxResource: epochs, reductionFactor: 3 });
  return new NopPruner();
}

/** Open (or create) the run's study from its journal. */
export function openStudy(ctx: RunContext): Promise<Study> {
  return createStudy({
    name: STUDY_NAME,
    direction: 'maximize',
    sampler: new TPESampler({ seed: ctx.options.seed }),
    logger: { warn: (message: string) => ctx.log(`    warning: ${message}`) },
    pruner: makePruner(ctx.options.pruner, ctx.options.epochs),
    storage: new JournalFileStorage(ctx.layout.journal),
    loadIfExists: true,
  });
}

/** The K best finished trials of the run's study, best first. @throws PipelineError when none finished. */
export async function bestTrials(ctx: RunContext, k: number): Promise<{ number: number; value: number }[]> {
  const complete = rankedTrials(await openStudy(ctx));
  if (complete.length === 0) {
    throw new PipelineError(
      `Expected at least one finished trial in ${ctx.layout.journal}, found none: give the search more --trials or a longer --budget`,
    );
  }
  return complete.slice(0, k);
}

/** The seed of a trial's model (initial weights, shuffling, dropout): the run's seed plus its number. */
export const trialSeed = (ctx: RunContext, trialNumber: number): number => ctx.options.seed + trialNumber;

/**
 * A trial's model configuration, from the one place it is kept: its parameters in the study journal
 * (with the run's fusion and modality, and the trial's seed), rebuilt exactly as the search suggested it.
 */
export function trialConfig(ctx: RunContext, study: Study, trialNumber: number): ModelConfig {
  const trial = study.trials[trialNumber];
  if (!trial) throw new PipelineError(`Expected trial ${trialNumber} in ${ctx.layout.journal}, found none`);
  return configFromParams(trial.params as Record<string, number | string>, trialSeed(ctx, trialNumber), fusionOf(ctx.options), modalityOf(ctx.options));
}

/** Delete saved trial models that are no longer among the `keep` best finished trials (running ones are kept). */
export function pruneTrialModels(ctx: RunContext, study: Study, keep: number): void {
  const dir = ctx.layout.trialModelsDir;
  if (!existsSync(dir)) return;
  const best = new Set(rankedTrials(study).slice(0, keep).map((t) => trialDirName(t.number)));
  const running = new Set(study.getTrials(['RUNNING']).map((t) => trialDirName(t.number)));
  for (const name of readdirSync(dir)) {
    if (!best.has(name) && !running.has(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}
