import { bestStep, HEARTBEAT_DEFAULTS, lastActivity, trialSeconds, workerLabels, type FrozenTrial, type WorkerInfo } from '@digitfuse/tuning';
import { chooseAmong, type TrialChoice } from '../objective';
import { isPaperConfiguration } from '../search-space';
import { basename } from 'node:path';
import { FIGURE_ATTRS, figuresOf, keptEpochOf, OBJECTIVES, prunedValueApart, stoppedByBudget } from '../objective';
import { modelFusionOf, objectiveOf, type PipelineOptions } from '../options';
import type { TrialInput } from '../report';
import { optimizationHistorySpec, parallelCoordinatesSpec, paramImportancesSpec, type ObjectiveInfo } from '../report/charts/search-charts';
import type { RunState } from '../run-artifacts';
import type { RunProcess } from '../run-process';
import { intermediateValuesSpec } from './intermediate-chart';
import { trialProgress } from './progress';
import type { SourceInfo, SourceProblem, StudyData } from './study-source';
import type { DashboardSnapshot, RunLink, StageInfo, StageView, TrialRow } from './types';

/** Everything a snapshot is built from (read by `RunMonitor`). */
export interface SnapshotInput {
  /** The run directory, or null for a study shown without its run. */
  readonly run: {
    readonly root: string;
    /** run.json, or null when it could not be read (`stateProblem` says why). */
    readonly state: RunState<PipelineOptions> | null;
    readonly stateProblem: string | null;
    /** The process running its stages now (`activeRunProcess`), or null. */
    readonly active: RunProcess | null;
    /** Files of the run that exist, to link to. */
    readonly links: readonly RunLink[];
  } | null;
  /** Where the study is read from. */
  readonly source: SourceInfo;
  /** Why the study cannot be read now (`study` is then as last read), or null. */
  readonly sourceProblem?: SourceProblem | null;
  /** The study, from whichever source; null while there is none yet. */
  readonly study: StudyData | null;
  /** The pipeline's stages in order (`FULL_STAGES`). */
  readonly stages: readonly StageInfo[];
  /** Parameter importances of the study's completed trials (empty with fewer than two). */
  readonly importances: Readonly<Record<string, number>>;
  readonly now: number;
  readonly ended: boolean;
  /** Whether a trial's worker is known to have ended (tuning's `isWorkerGone`). Default: never. */
  readonly workerGone?: (worker: WorkerInfo) => boolean;
}

/** The objective's name on the charts' axes (as in the report). */
const OBJECTIVE_NAME = 'objective value';

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The trial the run takes, marked on the page: for digitfuse's maximised objective the run's own
 * choice (`chooseTrial`: the highest value, or the paper's configuration within one standard error of
 * it); for a minimised one the lowest value (lower number first on ties).
 */
export function chosenTrialOf(trials: readonly FrozenTrial[], direction: 'maximize' | 'minimize'): { readonly trial: FrozenTrial | undefined; readonly keptBaseline: TrialChoice['keptBaseline'] } {
  const finished = trials.filter((t) => t.state === 'COMPLETE' && finite(t.value) !== null);
  if (direction === 'maximize') {
    const choice = chooseAmong(finished, isPaperConfiguration);
    const first = choice.ranked[0];
    return { trial: first === undefined ? undefined : finished.find((t) => t.number === first.number), keptBaseline: choice.keptBaseline };
  }
  return { trial: [...finished].sort((a, b) => (a.value as number) - (b.value as number) || a.number - b.number)[0], keptBaseline: null };
}

/** A trial as the report's charts take it (`TrialInput`, like search.json's trials). */
export function trialInput(t: FrozenTrial, direction: 'maximize' | 'minimize'): TrialInput | null {
  if (t.state === 'WAITING') return null;
  return {
    number: t.number,
    state: t.state,
    params: Object.fromEntries(Object.entries(t.params).map(([k, v]) => [k, typeof v === 'number' ? v : String(v)])),
    value: finite(t.value),
    bestEpoch: keptEpochOf(t.state, t.userAttrs, bestStep(t, direction)),
    stoppedByBudget: stoppedByBudget(t.userAttrs),
    seconds: trialSeconds(t) ?? null,
    intermediate: [...t.intermediateValues].sort((a, b) => a[0] - b[0]).map(([s, v]) => [s, v] as const),
    figures: figuresOf(t.userAttrs),
  };
}

/** When a trial last showed life: its start, its last heartbeat, its latest report. */
function lastSignOf(t: FrozenTrial, reportTimes: ReadonlyMap<number, number> | undefined): number | undefined {
  const times = [t.datetimeStart, t.lastHeartbeat, ...(reportTimes?.values() ?? [])].filter((x): x is number => x !== undefined);
  return times.length > 0 ? Math.max(...times) : undefined;
}

function trialRow(t: FrozenTrial, study: StudyData, epochs: number | null, now: number, worker: string | null, gone: (w: WorkerInfo) => boolean): TrialRow {
  // Left RUNNING by a process that has ended: not running, whatever the study still says.
  const stopped = t.state === 'RUNNING' && t.worker !== undefined && gone(t.worker);
  const end = t.datetimeComplete ?? (t.state === 'RUNNING' ? (stopped ? lastSignOf(t, study.reportTimes.get(t.number)) : now) : undefined);
  return {
    number: t.number,
    state: t.state,
    params: t.params,
    value: finite(t.value),
    clean: finite(t.userAttrs[FIGURE_ATTRS.clean]),
    shifted: finite(t.userAttrs[FIGURE_ATTRS.shifted]),
    image: finite(t.userAttrs[FIGURE_ATTRS.image]),
    bestEpoch: keptEpochOf(t.state, t.userAttrs, bestStep(t, study.direction)),
    stoppedByBudget: stoppedByBudget(t.userAttrs),
    seconds: trialSeconds({ datetimeStart: t.datetimeStart, datetimeComplete: end }) ?? null,
    startedAt: t.datetimeStart ?? null,
    failReason: t.failReason ?? null,
    progress: stopped ? null : trialProgress(t, study.reportTimes.get(t.number), epochs),
    worker,
    heardAt: t.state === 'RUNNING' && !stopped ? (t.lastHeartbeat ?? t.datetimeStart ?? null) : null,
    stopped,
  };
}

function stageViews(stages: readonly StageInfo[], state: RunState<PipelineOptions> | null, active: boolean): StageView[] {
  const done = state?.stages ?? {};
  const known = new Set(stages.map((s) => s.name));
  // Stages run.json records that the list does not know (an older or newer pipeline) are shown as done.
  const all = [...stages, ...Object.keys(done).filter((n) => !known.has(n)).map((name) => ({ name, title: name }))];
  let current = false;
  return all.map((s) => {
    const record = done[s.name];
    if (record) return { ...s, state: 'done' as const, seconds: record.seconds };
    const running = state !== null && active && !current;
    current ||= running;
    return { ...s, state: running ? ('running' as const) : ('pending' as const), seconds: null };
  });
}

/** Parameters sampled on a log scale (the study's distributions say so): drawn on log axes. */
function logParams(trials: readonly FrozenTrial[]): string[] {
  const names = new Set<string>();
  for (const t of trials) for (const [name, d] of Object.entries(t.distributions)) if (d.type !== 'categorical' && d.log) names.add(name);
  return [...names].sort();
}

const titleOf = (objective: string | null): string | null => (objective !== null && objective in OBJECTIVES ? OBJECTIVES[objective as keyof typeof OBJECTIVES].title : null);

/** The page's view of the run directory: its stages, options and state. */
function runView(run: NonNullable<SnapshotInput['run']>, stageList: readonly StageInfo[]): NonNullable<DashboardSnapshot['run']> {
  const { state } = run;
  const options = state?.options;
  const stages = stageViews(stageList, state, run.active !== null);
  const objective = options ? objectiveOf(options) : null;
  return {
    root: run.root,
    name: basename(run.root),
    createdAt: state?.createdAt ?? null,
    stages,
    finished: state !== null && stages.every((s) => s.state === 'done'),
    active: run.active,
    options: {
      trials: finite(options?.trials),
      epochs: finite(options?.epochs),
      budgetMs: finite(options?.budgetMs),
      objective,
      objectiveTitle: titleOf(objective),
    },
    problem: run.stateProblem,
  };
}

/**
 * The page's view of a run, or of a study alone. Pure: the same input gives the same snapshot; one
 * code path whichever source the study came from (a journal or a database).
 */
export function buildSnapshot(input: SnapshotInput): DashboardSnapshot {
  const { study, now } = input;
  const run = input.run === null ? null : runView(input.run, input.stages);
  const epochs = run?.options.epochs ?? null;
  const workers = workerLabels(study?.trials ?? []);
  const gone = input.workerGone ?? (() => false);
  const trials = study ? study.trials.map((t) => trialRow(t, study, epochs, now, workers.labels.get(t.number) ?? null, gone)) : [];
  const stopped = new Set(trials.filter((t) => t.stopped).map((t) => t.number));
  const choice = study ? chosenTrialOf(study.trials, study.direction) : null;
  const best = choice?.trial;
  const counts = { WAITING: 0, RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 };
  for (const t of trials) counts[t.state]++;
  const paramNames: string[] = [];
  for (const t of trials) for (const name of Object.keys(t.params)) if (!paramNames.includes(name)) paramNames.push(name);

  const charts: { -readonly [K in keyof DashboardSnapshot['charts']]: DashboardSnapshot['charts'][K] } = {
    history: null,
    intermediate: null,
    parallel: null,
    importances: null,
  };
  const objective = run?.options.objective ?? study?.objective ?? null;
  const options = input.run?.state?.options;
  const prunedValue = prunedValueApart(objective, options ? modelFusionOf(options) : (study?.fusion ?? null));
  if (study) {
    const inputs = study.trials.map((t) => trialInput(t, study.direction)).filter((t): t is TrialInput => t !== null);
    const kept = choice?.keptBaseline;
    const chosen = kept && best && finite(best.value) !== null ? { number: best.number, value: best.value as number, standardError: kept.standardError } : null;
    const chartObjective: ObjectiveInfo = { direction: study.direction, name: OBJECTIVE_NAME, logParams: logParams(study.trials), prunedValue, chosen };
    if (counts.COMPLETE + counts.PRUNED > 0) charts.history = optimizationHistorySpec(inputs, chartObjective);
    if (inputs.some((t) => t.intermediate.length > 0)) charts.intermediate = intermediateValuesSpec(inputs, { bestTrial: best?.number ?? null, stopped });
    if (counts.COMPLETE >= 2) charts.parallel = parallelCoordinatesSpec(inputs, chartObjective);
    if (Object.keys(input.importances).length > 0) charts.importances = paramImportancesSpec(input.importances, counts.COMPLETE);
  }

  return {
    now,
    ended: input.ended,
    source: input.source,
    sourceProblem: input.sourceProblem ?? null,
    run,
    study: study
      ? {
          direction: study.direction,
          counts,
          stopped: stopped.size,
          bestTrial: best?.number ?? null,
          bestValue: finite(best?.value),
          keptBaseline: choice?.keptBaseline ?? null,
          paramNames,
          workers: workers.count,
          staleAfterMs: HEARTBEAT_DEFAULTS.staleAfterMs,
          heartbeatMs: HEARTBEAT_DEFAULTS.intervalMs,
          lastActivityAt: lastActivity(study.trials),
          objective,
          objectiveTitle: titleOf(objective),
          prunedValue,
        }
      : null,
    trials,
    charts,
    links: input.run?.links ?? [],
  };
}
