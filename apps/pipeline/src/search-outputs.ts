import { bestParamsJson, intermediateValues, paramImportances, trialsTable, type Study } from '@digitfuse/tuning';
import { writeFileAtomic } from '@digitfuse/core';
import type { RunContext } from './context';
import { objectiveOf } from './options';
import type { TrialInput } from './report';
import { figuresOf } from './objective';
import { writeJson, type SearchOutputs } from './run-artifacts';

/**
 * Write the search's tables and data: `trials.md` and `trials.csv` (like the paper's Table 1),
 * `best.json` (best parameters) and `search.json` (trials with intermediate values, importances).
 */
export function writeSearchOutputs(ctx: RunContext, study: Study): SearchOutputs {
  const { layout } = ctx;
  const table = trialsTable(study);
  writeFileAtomic(layout.trialsMd, table.markdown);
  writeFileAtomic(layout.trialsCsv, table.csv);
  if (study.bestTrial) writeFileAtomic(layout.bestJson, bestParamsJson(study));
  const series = new Map(intermediateValues(study).map((s) => [s.number, s.steps]));
  const trials: TrialInput[] = table.rows
    .filter((r) => r.state === 'COMPLETE' || r.state === 'PRUNED' || r.state === 'FAIL' || r.state === 'RUNNING')
    .map((r) => ({
      number: r.number,
      state: r.state as TrialInput['state'],
      params: r.params as Record<string, number | string>,
      value: r.value ?? null,
      bestStep: r.bestStep ?? null,
      seconds: r.seconds ?? null,
      intermediate: (series.get(r.number) ?? []).map((s) => [s.step, s.value] as const),
      figures: figuresOf(r.userAttrs),
    }));
  const count = (state: string) => study.trials.filter((t) => t.state === state).length;
  const outputs: SearchOutputs = {
    objective: objectiveOf(ctx.options),
    bestTrial: study.bestTrial?.number ?? null,
    bestValue: study.bestValue ?? null,
    finished: count('COMPLETE'),
    pruned: count('PRUNED'),
    failed: count('FAIL'),
    trials,
    importances: count('COMPLETE') >= 2 ? paramImportances(study, { seed: ctx.options.seed }) : {},
  };
  writeJson(layout.searchJson, outputs);
  return outputs;
}
