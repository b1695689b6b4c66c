import { bestParamsJson, intermediateValues, paramImportances, trialsTable, type Study } from '@digitfuse/tuning';
import { writeFileAtomic } from '@digitfuse/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RunContext } from './context';
import { objectiveOf } from './options';
import type { TrialInput } from './report';
import { figuresOf } from './objective';
import { readJson, writeJson } from './run-dir';

/** What the search leaves for the summary and the report (`search/search.json`). */
export interface SearchOutputs {
  /** The objective the trials were ranked by (objective.ts). */
  readonly objective?: string;
  readonly bestTrial: number | null;
  readonly bestValue: number | null;
  readonly finished: number;
  readonly pruned: number;
  readonly failed: number;
  readonly trials: TrialInput[];
  readonly importances: Record<string, number>;
}

const searchJson = (ctx: RunContext): string => join(ctx.layout.searchDir, 'search.json');

/**
 * Write the search's tables and data: `trials.md` and `trials.csv` (like the paper's Table 1),
 * `best.json` (best parameters) and `search.json` (trials with intermediate values, importances).
 */
export function writeSearchOutputs(ctx: RunContext, study: Study): SearchOutputs {
  const dir = ctx.layout.searchDir;
  const table = trialsTable(study);
  writeFileAtomic(join(dir, 'trials.md'), table.markdown);
  writeFileAtomic(join(dir, 'trials.csv'), table.csv);
  if (study.bestTrial) writeFileAtomic(join(dir, 'best.json'), bestParamsJson(study));
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
  writeJson(searchJson(ctx), outputs);
  return outputs;
}

/** Read what `writeSearchOutputs` wrote, or null when the run has no search yet. */
export function readSearchOutputs(ctx: RunContext): SearchOutputs | null {
  const path = searchJson(ctx);
  return existsSync(path) ? readJson<SearchOutputs>(path, 'the search results') : null;
}
