import { paramImportances, type TuningLogger } from '@digitfuse/tuning';
import type { PipelineOptions } from '../options';
import { openRun, type RunLayout, type RunState } from '../run-artifacts';
import { STUDY_NAME } from '../study-access';
import { JournalReader, type StudyData } from './journal-reader';
import { runLinks } from './run-files';
import { buildSnapshot } from './snapshot';
import type { DashboardSnapshot, StageInfo } from './types';
import { watchRun, type RunWatcher } from './watcher';

export interface RunMonitorArgs {
  readonly layout: RunLayout;
  /** The pipeline's stages in order. */
  readonly stages: readonly StageInfo[];
  /** Receives warnings (an unreadable journal line or run.json). */
  readonly log: (line: string) => void;
}

type Listener = (snapshot: DashboardSnapshot) => void;

/**
 * Keeps the dashboard's snapshot of a run up to date: reads run.json and the study journal again
 * whenever the watcher sees them change, and hands each new snapshot to the listeners (the page's
 * event streams).
 */
export class RunMonitor {
  private readonly reader: JournalReader;
  private readonly listeners = new Set<Listener>();
  private watcher: RunWatcher | null = null;
  private snapshot: DashboardSnapshot;
  private ended = false;
  private importances: { key: string; value: Record<string, number> } = { key: '', value: {} };
  private lastProblem: string | null = null;

  constructor(private readonly args: RunMonitorArgs) {
    const logger: TuningLogger = { warn: (message) => args.log(`dashboard: ${message}`) };
    this.reader = new JournalReader(args.layout.journal, STUDY_NAME, logger);
    this.snapshot = this.build();
  }

  /** Start watching the run directory. */
  async start(): Promise<void> {
    this.watcher = watchRun(this.args.layout, () => this.refresh(), { onError: (err) => this.args.log(`dashboard: watcher: ${err.message}`) });
    await this.watcher.ready;
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

  async close(): Promise<void> {
    await this.watcher?.close();
    this.watcher = null;
  }

  /** Release the journal mirror (after `close`). */
  dispose(): void {
    this.reader.close();
  }

  private build(): DashboardSnapshot {
    const { layout } = this.args;
    let state: RunState<PipelineOptions> | null = null;
    let problem: string | null = null;
    try {
      state = openRun<PipelineOptions>(layout.root).state;
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem !== null && problem !== this.lastProblem) this.args.log(`dashboard: ${problem}`);
    this.lastProblem = problem;
    let study: StudyData | null = null;
    try {
      study = this.reader.read();
    } catch (err) {
      this.args.log(`dashboard: cannot read ${layout.journal}: ${(err as Error).message}`);
    }
    return buildSnapshot({
      root: layout.root,
      state,
      stateProblem: problem,
      study,
      stages: this.args.stages,
      importances: study ? this.importancesOf(study, state?.options.seed ?? 0) : {},
      links: runLinks(layout),
      now: Date.now(),
      ended: this.ended,
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
