import { intermediateValues, paramImportances, trialsTable, type Study, type TrialsSource, type TrialsTable } from '@digitfuse/tuning';
import { writeFileAtomic } from '@digitfuse/core';
import type { RunContext } from './context';
import { modelFusionOf, objectiveOf } from './options';
import type { TrialInput } from './report';
import { figuresOf, keptEpochOf, reportedPerEpoch, stoppedByBudget } from './objective';
import { writeJson, type SearchOutputs } from './run-artifacts';
import { trialChoice, trialConfig } from './study-access';

/**
 * A study's trials table as the run shows it (trials.md and trials.csv, `digitfuse studies --study`):
 * with `best_epoch`, the epoch early stopping kept (what retraining trains for), and without tuning's
 * `best step` (the epoch of the best validation accuracy the pruner saw), which beside it read as a
 * second best epoch that disagreed with the first. Its `value from` column says what each value is: the
 * objective's, or of a PRUNED trial `<reported> after epoch N`, the figure it reported after its last
 * epoch (`reportedPerEpoch`; `validation accuracy` when the run's fusion is unknown), which the
 * value alone passed off as a finished trial's.
 */
export const runTrialsTable = (study: TrialsSource, reported = 'validation accuracy'): TrialsTable =>
  trialsTable(study, { bestStep: false, prunedValue: (epoch) => `${reported} after epoch ${epoch}` });

/**
 * Write the search's tables and data: `trials.md` and `trials.csv` (like the paper's Table 1),
 * `best.json` (the chosen trial's parameters and model config: `chooseTrial`) and `search.json` (trials with intermediate values, importances).
 */
export function writeSearchOutputs(ctx: RunContext, study: Study): SearchOutputs {
  const { layout } = ctx;
  const table = runTrialsTable(study, reportedPerEpoch(modelFusionOf(ctx.options)));
  writeFileAtomic(layout.trialsMd, table.markdown);
  writeFileAtomic(layout.trialsCsv, table.csv);
  const outputs = searchOutputsOf(ctx, study, table);
  const chosen = outputs.bestTrial === null ? undefined : study.trials[outputs.bestTrial];
  // With the model config the retrain stage trains it with (seed included), which `digitfuse train --config` takes.
  const best = chosen ? { number: chosen.number, value: chosen.value, params: chosen.params, config: trialConfig(ctx, study, chosen.number) } : null;
  writeFileAtomic(layout.bestJson, JSON.stringify(best, null, 2) + '\n');
  writeJson(layout.searchJson, outputs);
  return outputs;
}

/**
 * What the search found, as `search.json` holds it, from the study as it stands (also of a search
 * stopped before it finished, for its report; nothing is written).
 */
export function searchOutputsOf(ctx: RunContext, study: Study, table = trialsTable(study)): SearchOutputs {
  const choice = trialChoice(study);
  const chosen = choice.ranked[0] === undefined ? undefined : study.trials[choice.ranked[0].number];
  const series = new Map(intermediateValues(study).map((s) => [s.number, s.steps]));
  const trials: TrialInput[] = table.rows
    .filter((r) => r.state === 'COMPLETE' || r.state === 'PRUNED' || r.state === 'FAIL' || r.state === 'RUNNING')
    .map((r) => ({
      number: r.number,
      state: r.state as TrialInput['state'],
      params: r.params as Record<string, number | string>,
      value: r.value ?? null,
      bestEpoch: keptEpochOf(r.state, r.userAttrs, r.bestStep),
      stoppedByBudget: stoppedByBudget(r.userAttrs),
      seconds: r.seconds ?? null,
      intermediate: (series.get(r.number) ?? []).map((s) => [s.step, s.value] as const),
      figures: figuresOf(r.userAttrs),
      ...(r.worker === undefined ? {} : { worker: r.worker }),
      ...failureOf(study, r.number),
    }));
  const count = (state: string) => study.trials.filter((t) => t.state === state).length;
  const outputs: SearchOutputs = {
    objective: objectiveOf(ctx.options),
    bestTrial: chosen?.number ?? null,
    bestValue: chosen?.value ?? null,
    keptBaseline: choice.keptBaseline,
    finished: count('COMPLETE'),
    pruned: count('PRUNED'),
    failed: count('FAIL'),
    trials,
    importances: count('COMPLETE') >= 2 ? paramImportances(study, { seed: ctx.options.seed }) : {},
  };
  return outputs;
}

/** Why a FAIL trial failed and which trial ran its parameters again, as the study recorded them (nothing for another state). */
function failureOf(study: Study, number: number): Pick<TrialInput, 'failReason' | 'retriedAs'> {
  const t = study.trials[number];
  if (t?.state !== 'FAIL') return {};
  return { failReason: t.failReason ?? null, retriedAs: study.trials.find((r) => r.retryOf === number)?.number ?? null };
}
