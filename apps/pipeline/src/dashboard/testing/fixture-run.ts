import { mulberry32 } from '@digitfuse/core';
/**
 * Test fixture: a run directory with run.json and a study journal written by the tuning package's
 * real JournalFileStorage (the search's parameters, per-epoch reports, figures as user attributes),
 * with chosen timestamps so durations and ETAs look like a real search.
 */
import { JournalFileStorage, silentLogger, type Distribution, type ParamValue } from '@digitfuse/tuning';
import { mkdirSync, writeFileSync } from 'node:fs';
import { EPOCH_ATTRS, FIGURE_ATTRS } from '../../objective';
import type { PipelineOptions } from '../../options';
import { createRun, saveState, type RunLayout } from '../../run-artifacts';
import { SEARCH_SPACE } from '../../search-space';
import { STUDY_NAME } from '../../study-access';

/** A parameter value no page may run as markup. */
export const HOSTILE = '<img src=x onerror=window.__pwned=1>';

export interface FixtureTrial {
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Validation accuracy after each epoch (reported as steps 1, 2, ...). */
  readonly curve: readonly number[];
  readonly state: 'COMPLETE' | 'PRUNED' | 'FAIL' | 'RUNNING';
  /** Clean / shifted / image validation accuracy (user attributes) of a finished trial. */
  readonly figures?: { readonly clean: number; readonly shifted: number; readonly image: number };
  readonly value?: number;
  readonly reason?: string;
  /** Epoch ms the trial started, and seconds per epoch. */
  readonly startAt: number;
  readonly epochSeconds: number;
  /** Extra user attributes. */
  readonly attrs?: Readonly<Record<string, string | number>>;
}

const INT_LOG = (low: number, high: number): Distribution => ({ type: 'int', low, high, step: 1, log: true });
const DISTRIBUTIONS: Record<string, Distribution> = {
  img_filters_1: INT_LOG(...SEARCH_SPACE.filters),
  img_filters_2: INT_LOG(...SEARCH_SPACE.filters),
  img_filters_3: INT_LOG(...SEARCH_SPACE.filters),
  aud_filters_1: INT_LOG(...SEARCH_SPACE.filters),
  aud_filters_2: INT_LOG(...SEARCH_SPACE.filters),
  aud_filters_3: INT_LOG(...SEARCH_SPACE.filters),
  units: INT_LOG(...SEARCH_SPACE.units),
  dropout: { type: 'float', low: SEARCH_SPACE.dropout[0], high: SEARCH_SPACE.dropout[1], log: false },
  learning_rate: { type: 'float', low: SEARCH_SPACE.learningRate[0], high: SEARCH_SPACE.learningRate[1], log: true },
};

const distributionOf = (name: string, value: ParamValue): Distribution =>
  DISTRIBUTIONS[name] ?? (typeof value === 'number' ? { type: 'float', low: Math.min(0, value), high: Math.max(1, value), log: false } : { type: 'categorical', choices: [value] });

/** Write one trial to the journal (as a search worker would, through its own storage handle); returns its number. */
export function appendTrial(journal: string, trial: FixtureTrial): number {
  // A journal's writes happen synchronously (only their promises settle later), so the fixture stays
  // synchronous and reads back with `peekTrials`.
  const storage = new JournalFileStorage(journal, { logger: silentLogger, fsync: false });
  try {
    void storage.createStudy(STUDY_NAME, 'maximize', true);
    const worker = { host: 'fixture', pid: 1, id: 'fixture' };
    void storage.startTrial(STUDY_NAME, worker, trial.startAt);
    const started = storage.peekTrials(STUDY_NAME).at(-1);
    if (started === undefined) throw new Error('fixture: no trial started');
    const n = started.number;
    for (const [name, value] of Object.entries(trial.params)) void storage.setParam(STUDY_NAME, n, name, distributionOf(name, value), value, trial.startAt);
    trial.curve.forEach((acc, i) => void storage.reportIntermediate(STUDY_NAME, n, i + 1, acc, trial.startAt + (i + 1) * trial.epochSeconds * 1000));
    const end = trial.startAt + (trial.curve.length * trial.epochSeconds + 5) * 1000;
    for (const [key, value] of Object.entries(trial.attrs ?? {})) void storage.setUserAttr(STUDY_NAME, n, key, value, end);
    if (trial.figures) {
      void storage.setUserAttr(STUDY_NAME, n, FIGURE_ATTRS.clean, trial.figures.clean, end);
      void storage.setUserAttr(STUDY_NAME, n, FIGURE_ATTRS.shifted, trial.figures.shifted, end);
      void storage.setUserAttr(STUDY_NAME, n, FIGURE_ATTRS.image, trial.figures.image, end);
    }
    if (trial.state === 'COMPLETE') void storage.finishTrial(STUDY_NAME, n, 'COMPLETE', trial.value, end);
    else if (trial.state === 'PRUNED') void storage.finishTrial(STUDY_NAME, n, 'PRUNED', trial.curve[trial.curve.length - 1], end);
    else if (trial.state === 'FAIL') void storage.finishTrial(STUDY_NAME, n, 'FAIL', undefined, end, trial.reason);
    return n;
  } finally {
    void storage.close();
  }
}

/** Search-space parameters drawn with a seed (log-uniform where the search samples so). */
export function fixtureParams(seed: number): Record<string, number> {
  const r = mulberry32(seed);
  const logInt = (lo: number, hi: number) => Math.round(Math.exp(Math.log(lo) + r() * (Math.log(hi) - Math.log(lo))));
  return {
    img_filters_1: logInt(16, 256),
    img_filters_2: logInt(16, 256),
    img_filters_3: logInt(16, 256),
    aud_filters_1: logInt(16, 256),
    aud_filters_2: logInt(16, 256),
    aud_filters_3: logInt(16, 256),
    units: logInt(32, 512),
    dropout: Number((0.1 + r() * 0.5).toFixed(4)),
    learning_rate: Number(Math.exp(Math.log(1e-4) + r() * Math.log(100)).toPrecision(4)),
  };
}

/** A finished trial like the search's: a learning curve rising to `top`, figures around it. */
export function finishedTrial(seed: number, startAt: number, top: number, state: 'COMPLETE' | 'PRUNED' = 'COMPLETE', epochs = 10): FixtureTrial {
  const r = mulberry32(seed + 1000);
  const n = state === 'PRUNED' ? 3 : epochs - Math.floor(r() * 3);
  const curve = Array.from({ length: n }, (_, i) => Number((top - (top - 0.9) * Math.exp(-i * 0.8) - 0.002 * r()).toFixed(4)));
  const clean = Math.max(...curve);
  const figures = { clean, shifted: Number((clean - 0.01 - 0.03 * r()).toFixed(4)), image: Number((clean - 0.005 - 0.01 * r()).toFixed(4)) };
  const value = Number(((Math.min(figures.clean, figures.shifted) + figures.image) / 2).toFixed(4));
  return { params: fixtureParams(seed), curve, state, figures: state === 'COMPLETE' ? figures : undefined, value, startAt, epochSeconds: 30 + 20 * r() };
}

export interface FixtureRunArgs {
  /** Finished trials (COMPLETE / PRUNED / FAIL) before the running one. Default: 6. */
  readonly finished?: number;
  /** A RUNNING trial that has reported this many epochs. Default: 3 (none with 0). */
  readonly runningEpochs?: number;
  /** Most epochs per trial (run.json options.epochs). Default: 10. */
  readonly epochs?: number;
  /** Stages recorded as finished in run.json. Default: ['data']. */
  readonly stagesDone?: readonly string[];
  /** Add a trial whose parameter value, user attribute and fail reason are HTML. Default: false. */
  readonly hostile?: boolean;
  /** Write report/report.html and submission.csv. Default: false. */
  readonly outputs?: boolean;
  /** "Now" for the running trial's timestamps. Default: Date.now(). */
  readonly now?: number;
}

/** A run directory in the middle of its search (or, with `stagesDone` and `outputs`, a finished run). */
export function writeFixtureRun(root: string, args: FixtureRunArgs = {}): RunLayout {
  const { finished = 6, runningEpochs = 3, epochs = 10, stagesDone = ['data'], hostile = false, outputs = false, now = Date.now() } = args;
  const options = {
    data: null, out: root, resume: null, trials: 10, budgetMs: 45 * 60_000, epochs, batchSize: 64, seed: 42, backend: 'auto', workers: 1,
    split: 'grouped', pruner: 'median', searchRows: 12_000, ensemble: 1, tta: false, report: true, fusion: 'robust', objective: 'shift-aware',
    modality: 'both', allowShift: false,
  } as unknown as PipelineOptions;
  const { layout, state } = createRun(root, options);
  for (const name of stagesDone) state.stages[name] = { seconds: 4.2, finishedAt: new Date(now).toISOString() };
  saveState(layout, state);
  let t = now - (finished * 6 + 2) * 60_000;
  for (let i = 0; i < finished; i++) {
    const pruned = i % 4 === 3;
    appendTrial(layout.journal, finishedTrial(i + 1, t, 0.975 + 0.02 * Math.sin(i * 1.7 + 1), pruned ? 'PRUNED' : 'COMPLETE', epochs));
    t += 6 * 60_000;
  }
  if (hostile) {
    // A completed trial (so the charts draw it too) and a failed one, with HTML where the study keeps text.
    appendTrial(layout.journal, { ...finishedTrial(99, t, 0.96), params: { ...fixtureParams(99), optimizer: HOSTILE }, attrs: { note: HOSTILE } });
    appendTrial(layout.journal, { params: fixtureParams(98), curve: [0.5], state: 'FAIL', reason: `Error: ${HOSTILE}`, startAt: t + 60_000, epochSeconds: 20 });
  }
  if (runningEpochs > 0) {
    const epochSeconds = 40;
    const startAt = now - runningEpochs * epochSeconds * 1000 - 15_000;
    appendTrial(layout.journal, {
      params: fixtureParams(77),
      curve: Array.from({ length: runningEpochs }, (_, i) => 0.93 + 0.012 * i),
      state: 'RUNNING',
      startAt,
      epochSeconds,
      attrs: { [EPOCH_ATTRS.loss]: 0.3125, [EPOCH_ATTRS.acc]: 0.9 },
    });
  }
  if (outputs) {
    mkdirSync(layout.reportDir, { recursive: true });
    writeFileSync(`${layout.reportDir}/report.html`, '<!doctype html><title>report</title><p>digitfuse report</p>\n');
    writeFileSync(layout.submission, 'row_id,label\n0,7\n');
  }
  return layout;
}
