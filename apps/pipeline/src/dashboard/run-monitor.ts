import { isWorkerGone, paramImportances } from '@digitfuse/tuning';
import type { PipelineOptions } from '../options';
import { openRun, type RunLayout, type RunState } from '../run-artifacts';
import { activeRunProcess } from '../run-process';
import { runLinks } from './run-files';
import { buildSnapshot, type SnapshotInput } from './snapshot';
import type { StudyData, StudySource } from './study-source';
import type { DashboardSnapshot, StageInfo } from './types';
import { watchRun, type RunWatcher } from './watcher';

export interface RunMonitorArgs {
  /** The run directory, or null for a study shown without its run (`--storage` alone). */
  readonly layout: RunLayout | null;
  /** Where the study is read from (the run's journal, or a database). */
  readonly source: StudySource;
  /** The pipeline's stages in order. */
  readonly stages: readonly StageInfo[];
  /** Receives warnings (an unreadable journal line or run.json, a database that stopped answering). */
  readonly log: (line: string) => void;
}

type Listener = (snapshot: DashboardSnapshot) => void;

/** How often the dashboard looks whether the process running the run still lives. */
const LIVENESS_MS = 2000;

/**
 * Keeps the dashboard's snapshot up to date: reads run.json again whenever the watcher sees the run
 * directory change, and the study whenever its source says it changed (or, for a journal, with the
 * run directory), and hands each new snapshot to the listeners (the page's event streams).
 */
export class RunMonitor {
  private readonly listeners = new Set<Listener>();
  private watcher: RunWatcher | null = null;
  private snapshot: DashboardSnapshot;
  private ended = false;
  private importances: { key: string; value: Record<string, number> } = { key: '', value: {} };
  private lastProblem: string | null = null;
  private liveness: NodeJS.Timeout | null = null;

  constructor(private readonly args: RunMonitorArgs) {
    this.snapshot = this.build();
  }

  /** Start watching the run directory and following the study. */
  async start(): Promise<void> {
    const { layout, source, log } = this.args;
    if (layout !== null) {
      this.watcher = watchRun(layout, () => this.refresh(), { onError: (err) => log(`dashboard: watcher: ${err.message}`) });
      await this.watcher.ready;
      // A process killed (kill -9, a crash) leaves its active.json: no file changes, so look whether it still lives.
      this.liveness = setInterval(() => {
        if (this.snapshot.run?.active && activeRunProcess(layout) === null) this.refresh();
      }, LIVENESS_MS);
      this.liveness.unref();
    }
    await source.start(() => this.refresh());
    this.refresh(); // anything written while the watcher was starting
  }

  get current(): DashboardSnapshot {
    return this.snapshot;
  }

  /** Call `listener` with every new snapshot; returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Read the run again and tell the listeners. */
  refresh(): DashboardSnapshot {
    this.snapshot = this.build();
    for (const listener of this.listeners) listener(this.snapshot);
    return this.snapshot;
  }

  /** The run has ended: a last snapshot (marked `ended`), then no more watching. */
  async finish(): Promise<DashboardSnapshot> {
    this.ended = true;
    await this.close();
    return this.refresh();
  }

  /** Stop watching and following (the snapshot stays readable). */
  async close(): Promise<void> {
    if (this.liveness) clearInterval(this.liveness);
    this.liveness = null;
    await this.watcher?.close();
    this.watcher = null;
    await this.args.source.stop();
  }

  /** Release the journal mirror or the database connection (after `close`). */
  dispose(): Promise<void> {
    return this.args.source.close();
  }

  private readRun(layout: RunLayout): SnapshotInput['run'] {
    let state: RunState<PipelineOptions> | null = null;
    let problem: string | null = null;
    try {
      state = openRun<PipelineOptions>(layout.root).state;
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem !== null && problem !== this.lastProblem) this.args.log(`dashboard: ${problem}`);
    this.lastProblem = problem;
    return { root: layout.root, state, stateProblem: problem, active: activeRunProcess(layout), links: runLinks(layout, state) };
  }

  private build(): DashboardSnapshot {
    const { layout, source } = this.args;
    const run = layout === null ? null : this.readRun(layout);
    let study: StudyData | null = null;
    let problem = source.problem?.() ?? null;
    try {
      study = source.read();
    } catch (err) {
      const message = (err as Error).message;
      this.args.log(`dashboard: cannot read ${source.info.place}: ${message}`);
      problem = { message, since: Date.now() };
    }
    return buildSnapshot({
      run,
      source: source.info,
      sourceProblem: problem,
      study,
      stages: this.args.stages,
      importances: study ? this.importancesOf(study, run?.state?.options.seed ?? study.seed ?? 0) : {},
      now: Date.now(),
      ended: this.ended,
      workerGone: isWorkerGone,
    });
  }

  /** Importances change only when a trial completes: computed again only then. */
  private importancesOf(study: StudyData, seed: number): Record<string, number> {
    const complete = study.trials.filter((t) => t.state === 'COMPLETE');
    const key = complete.map((t) => `${t.number}:${t.value}`).join(',');
    if (key !== this.importances.key) {
      this.importances = { key, value: complete.length >= 2 ? paramImportances(study, { seed }) : {} };
    }
    return this.importances.value;
  }
}
