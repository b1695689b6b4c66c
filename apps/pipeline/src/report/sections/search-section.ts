import { displayedValue, optimizationHistorySpec, paramImportancesSpec, parallelCoordinatesSpec } from '../charts/search-charts';
import { escapeHtml, markdownTable, trialTable } from '../tables';
import type { TrialInput } from '../types';
import { fromPart, type ReportSection } from './section';

/** The hyperparameter search: history, parallel coordinates, importances and the trials (also trials.md). */
export const searchSection: ReportSection = {
  id: 'search',
  title: 'Hyperparameter search',
  // With a note on the stages left (`pendingNote`), which says whether a search was started.
  render: fromPart((input) => input.trials, (input) => (input.pendingNote ? 'No search results yet.' : 'No hyperparameter search was run.'), async (trials, ctx, input) => {
    const prunedValue = input.prunedValue ?? null;
    const objective = { direction: input.direction, name: input.objectiveName, logParams: input.logParams, prunedValue, chosen: input.chosenTrial ?? null };
    const parts = [
      trials.some((t) => displayedValue(t) !== null)
        ? await ctx.chart('optimization-history.png', optimizationHistorySpec(trials, objective), 'Optimisation history')
        : ctx.skip('No trial has reported a value yet, so there is no optimisation history.'),
    ];
    const completed = trials.filter((t) => t.state === 'COMPLETE' && t.value !== null && Object.keys(t.params).length > 0);
    parts.push(
      completed.length >= 2
        ? await ctx.chart('parallel-coordinates.png', parallelCoordinatesSpec(trials, objective), 'Parallel coordinates of parameters vs. value')
        : ctx.skip('Parallel coordinates need at least two completed trials with parameters.'),
    );
    parts.push(
      input.importances && Object.keys(input.importances).length > 0
        ? await ctx.chart('param-importances.png', paramImportancesSpec(input.importances, completed.length), 'Hyperparameter importances')
        : ctx.skip('No parameter importances were given.'),
    );
    const trialsTable = trialTable(trials, prunedValue);
    ctx.writeFile('trials.md', `${markdownTable(trialsTable)}\n`);
    if (input.objectiveNote) {
      ctx.markdown(input.objectiveNote, '');
      parts.push(`<p>${escapeHtml(input.objectiveNote)}</p>`);
    }
    const figures = trials.some((t) => t.figures);
    parts.push(
      ctx.paragraph(
        'Value: what the trials are ranked by. ' +
          (figures
            ? 'Clean, Shifted audio, Image expert: validation accuracy with the training voices, with the validation audio shifted like an unseen speaker, and of the image expert alone. '
            : '') +
          'Best epoch: the epoch whose weights the trial kept (early stopping on validation loss); retraining trains for that many epochs. Seconds: wall time of the trial.' +
          (trials.some((t) => t.worker) ? ' Worker: the machine (or, on one machine, the process) that ran the trial.' : '') +
          (prunedValue !== null && trials.some((t) => t.state === 'PRUNED')
            ? ` PRUNED: the pruner stopped the trial when its curve fell behind the others'; its Value, in brackets, is its ${prunedValue} after its last epoch (what the pruner compares), not the objective, so it cannot be set beside the others'.`
            : '') +
          // On the objective's scale it is not bracketed, but it is still not a finished training's (search/trials.csv's `value from` says the same).
          (prunedValue === null && trials.some((t) => t.state === 'PRUNED' && t.value !== null)
            ? " PRUNED: the pruner stopped the trial when its curve fell behind the others'; its Value is its validation accuracy after its last epoch (what the pruner compares), not that of a finished training."
            : '') +
          (trials.some((t) => t.stoppedByBudget)
            ? ' COMPLETE (budget): the search budget stopped the trial before its epochs or early stopping ended it, so its value is of a shorter training than the others\'.'
            : '') +
          (trials.some((t) => t.stopped)
            ? ' stopped mid-trial: the process running the search ended (killed) while the trial ran; the resume marks it FAIL and runs its parameters again.'
            : ''),
      ),
      ctx.table(trialsTable, 'Trials'),
    );
    const failed = failedTrialsText(trials);
    if (failed) parts.push(ctx.paragraph(failed));
    return parts.join('\n');
  }),
};

/** Why each FAIL trial failed and which trial ran its parameters again, in one sentence; null when none failed. */
export function failedTrialsText(trials: readonly TrialInput[]): string | null {
  const failed = trials.filter((t) => t.state === 'FAIL');
  if (failed.length === 0) return null;
  const queued = new Set(queuedRetries(trials));
  const why = failed.map(
    (t) =>
      `trial ${t.number} (${t.failReason ?? 'no reason recorded'}` +
      (t.retriedAs === undefined || t.retriedAs === null
        ? ')'
        : queued.has(t.number)
          ? `; its parameters are queued to run again as trial ${t.retriedAs})`
          : `; its parameters ran again as trial ${t.retriedAs})`),
  );
  return `Failed (FAIL: no value, left out of the ranking): ${why.join('; ')}.`;
}

/**
 * The FAIL trials whose retry has not started (a search stopped as it failed them: the trials list
 * holds no waiting trial), by number.
 */
export function queuedRetries(trials: readonly TrialInput[]): number[] {
  const listed = new Set(trials.map((t) => t.number));
  return trials.filter((t) => t.state === 'FAIL' && t.retriedAs !== undefined && t.retriedAs !== null && !listed.has(t.retriedAs)).map((t) => t.number);
}
