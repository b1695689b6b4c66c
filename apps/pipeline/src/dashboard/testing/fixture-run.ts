import { mulberry32 } from '@digitfuse/core';
/**
 * Test fixture: a run directory with run.json and a study journal written by the tuning package's
 * real JournalFileStorage (the search's parameters, per-epoch reports, figures as user attributes),
 * with chosen timestamps so durations and ETAs look like a real search.
 */
import { hasArtifacts, JournalFileStorage, silentLogger, type Distribution, type ParamValue, type Storage, type WorkerInfo } from '@digitfuse/tuning';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { EPOCH_ATTRS, FIGURE_ATTRS } from '../../objective';
import type { PipelineOptions } from '../../options';
import { createRun, saveState, type RunLayout } from '../../run-artifacts';
import { ACTIVE_JSON } from '../../run-process';
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
  /** The worker that runs it. Default: one fixture worker for every trial. */
  readonly worker?: WorkerInfo;
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

/**
 * The storage calls that record a fixture trial once it has started as trial `n`, in order: a
 * journal runs them at once (its writes happen synchronously), a database one after the other.
 */
function trialWrites(storage: Storage, study: string, n: number, trial: FixtureTrial): (() => Promise<unknown>)[] {
  const writes: (() => Promise<unknown>)[] = [];
  for (const [name, value] of Object.entries(trial.params)) writes.push(() => storage.setParam(study, n, name, distributionOf(name, value), value, trial.startAt));
  // Whole milliseconds, as Date.now() gives (a database keeps them as integers).
  trial.curve.forEach((acc, i) => writes.push(() => storage.reportIntermediate(study, n, i + 1, acc, Math.round(trial.startAt + (i + 1) * trial.epochSeconds * 1000))));
  // A finished trial ends 5 s after its last report; a running one wrote its epoch's attributes with that report.
  const end = Math.round(trial.startAt + (trial.curve.length * trial.epochSeconds + (trial.state === 'RUNNING' ? 0 : 5)) * 1000);
  const attrs = { ...trial.attrs, ...(trial.figures ? { [FIGURE_ATTRS.clean]: trial.figures.clean, [FIGURE_ATTRS.shifted]: trial.figures.shifted, [FIGURE_ATTRS.image]: trial.figures.image } : {}) };
  for (const [key, value] of Object.entries(attrs)) writes.push(() => storage.setUserAttr(study, n, key, value, end));
  if (trial.state === 'COMPLETE') writes.push(() => storage.finishTrial(study, n, 'COMPLETE', trial.value, end));
  else if (trial.state === 'PRUNED') writes.push(() => storage.finishTrial(study, n, 'PRUNED', trial.curve[trial.curve.length - 1], end));
  else if (trial.state === 'FAIL') writes.push(() => storage.finishTrial(study, n, 'FAIL', undefined, end, trial.reason));
  return writes;
}

const FIXTURE_WORKER = { host: 'fixture', pid: 1, id: 'fixture' };

/** Write one trial to the journal (as a search worker would, through its own storage handle); returns its number. */
export function appendTrial(journal: string, trial: FixtureTrial): number {
  // A journal's writes happen synchronously (only their promises settle later), so the fixture stays
  // synchronous and reads back with `peekTrials`.
  const storage = new JournalFileStorage(journal, { logger: silentLogger, fsync: false });
  try {
    void storage.createStudy(STUDY_NAME, 'maximize', true);
    void storage.startTrial(STUDY_NAME, trial.worker ?? FIXTURE_WORKER, trial.startAt);
    const started = storage.peekTrials(STUDY_NAME).at(-1);
    if (started === undefined) throw new Error('fixture: no trial started');
    for (const write of trialWrites(storage, STUDY_NAME, started.number, trial)) void write();
    return started.number;
  } finally {
    void storage.close();
  }
}

/** Write one trial to a study in any storage (a database: as a worker on another machine would); returns its number. */
export async function storeTrial(storage: Storage, study: string, trial: FixtureTrial): Promise<number> {
  await storage.createStudy(study, 'maximize', true);
  const started = await storage.startTrial(study, trial.worker ?? FIXTURE_WORKER, trial.startAt);
  if (started === undefined) throw new Error('fixture: no trial started');
  for (const write of trialWrites(storage, study, started.number, trial)) await write();
  return started.number;
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
  /** Workers the trials ran on, taken in turn (machines sharing a study). Default: one. */
  readonly workers?: readonly WorkerInfo[];
  /** Seconds since the running trial's last report (its worker's last word). Default: 15. */
  readonly runningSilentFor?: number;
  /** "Now" for the running trial's timestamps. Default: Date.now(). */
  readonly now?: number;
  /** A storage URL run.json records (without its password): the run's trials are not in its journal. */
  readonly storage?: string;
  /** The study name run.json records. */
  readonly study?: string;
  /** Whether a process runs the run's stages (active.json naming this test process, which lives). Default: true. */
  readonly active?: boolean;
}

/** The trials of a fixture study, in order: finished ones, the hostile ones, a running one. */
export function fixtureTrials(args: FixtureRunArgs = {}): FixtureTrial[] {
  const { finished = 6, runningEpochs = 3, epochs = 10, hostile = false, now = Date.now(), workers = [], runningSilentFor = 15 } = args;
  const trials: FixtureTrial[] = [];
  let t = now - (finished * 6 + 2) * 60_000;
  for (let i = 0; i < finished; i++) {
    const pruned = i % 4 === 3;
    trials.push(finishedTrial(i + 1, t, 0.975 + 0.02 * Math.sin(i * 1.7 + 1), pruned ? 'PRUNED' : 'COMPLETE', epochs));
    t += 6 * 60_000;
  }
  if (hostile) {
    // A completed trial (so the charts draw it too) and a failed one, with HTML where the study keeps text.
    trials.push({ ...finishedTrial(99, t, 0.96), params: { ...fixtureParams(99), optimizer: HOSTILE }, attrs: { note: HOSTILE } });
    trials.push({ params: fixtureParams(98), curve: [0.5], state: 'FAIL', reason: `Error: ${HOSTILE}`, startAt: t + 60_000, epochSeconds: 20 });
  }
  if (runningEpochs > 0) {
    const epochSeconds = 40;
    const startAt = now - runningEpochs * epochSeconds * 1000 - runningSilentFor * 1000;
    trials.push({
      params: fixtureParams(77),
      curve: Array.from({ length: runningEpochs }, (_, i) => 0.93 + 0.012 * i),
      state: 'RUNNING',
      startAt,
      epochSeconds,
      attrs: { [EPOCH_ATTRS.loss]: 0.3125, [EPOCH_ATTRS.acc]: 0.9 },
    });
  }
  return workers.length === 0 ? trials : trials.map((trial, i) => ({ ...trial, worker: workers[i % workers.length] }));
}

/** The run options a fixture run records (`storage` and `study`: a run whose study lives in a database). */
export function fixtureOptions(root: string, args: FixtureRunArgs = {}): PipelineOptions {
  return {
    data: null, out: root, resume: null, trials: 10, budgetMs: 45 * 60_000, epochs: args.epochs ?? 10, batchSize: 64, seed: 42, backend: 'auto', workers: 1,
    split: 'grouped', pruner: 'median', searchRows: 12_000, ensemble: 1, tta: false, report: true, fusion: 'robust', objective: 'shift-aware',
    modality: 'both', allowShift: false, storage: args.storage ?? null, study: args.study ?? null,
  } as unknown as PipelineOptions;
}

/**
 * A run directory in the middle of its search (or, with `stagesDone` and `outputs`, a finished run).
 * With `storage`, only run.json records the study's place: its trials go there (`writeFixtureStudy`).
 */
export function writeFixtureRun(root: string, args: FixtureRunArgs = {}): RunLayout {
  const { stagesDone = ['data'], outputs = false, now = Date.now() } = args;
  const { layout, state } = createRun(root, fixtureOptions(root, args));
  for (const name of stagesDone) state.stages[name] = { seconds: 4.2, finishedAt: new Date(now).toISOString() };
  saveState(layout, state);
  if (args.active !== false) writeFileSync(join(layout.root, ACTIVE_JSON), JSON.stringify({ pid: process.pid, host: hostname(), since: new Date(now).toISOString() }) + '\n');
  if (args.storage === undefined) for (const trial of fixtureTrials(args)) appendTrial(layout.journal, trial);
  if (outputs) {
    mkdirSync(layout.reportDir, { recursive: true });
    writeFileSync(`${layout.reportDir}/report.html`, '<!doctype html><title>report</title><p>digitfuse report</p>\n');
    writeFileSync(layout.submission, 'row_id,label\n0,7\n');
  }
  return layout;
}

/** The fixture's trials in a study of any storage (a database), and the study's record of its objective. */
export async function writeFixtureStudy(storage: Storage, study: string, args: FixtureRunArgs = {}): Promise<void> {
  await storage.createStudy(study, 'maximize', true);
  if (hasArtifacts(storage)) {
    const key = { data: 'fixture', split: 'grouped', seed: 42, 'search-rows': 12_000, modality: 'both', fusion: 'robust', objective: 'shift-aware' };
    await storage.putArtifact(study, -1, 'study-key.json', Buffer.from(JSON.stringify(key)), { ifAbsent: true });
  }
  for (const trial of fixtureTrials(args)) await storeTrial(storage, study, trial);
}
