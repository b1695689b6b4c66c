import type { TrialChoice } from '../objective';
import type { SourceInfo, SourceProblem } from './study-source';

/**
 * What the dashboard's page receives (`GET /api/snapshot` and each server-sent `snapshot` event):
 * the whole state of a run, rebuilt from its run.json and its study (the run's journal, or a
 * PostgreSQL database), or of a study alone. Every string in it comes from the run or the study and
 * is data: the page shows it with `textContent`, never as markup.
 */
export type { SourceInfo, SourceProblem };

/** A pipeline stage as the page lists it. */
export interface StageInfo {
  readonly name: string;
  readonly title: string;
}

export interface StageView extends StageInfo {
  /** `running`: the first stage not done while a process runs the run (else every stage not done is `pending`). */
  readonly state: 'done' | 'running' | 'pending';
  /** Wall time of a finished stage. */
  readonly seconds: number | null;
}

/** A running trial's progress, estimated from the epochs it reported (when it reported them). */
export interface TrialProgress {
  /** Epochs finished (the trial's last reported step). */
  readonly epochsDone: number;
  /** Most epochs a trial trains (run.json `options.epochs`; null when unknown); early stopping may end it sooner. */
  readonly epochs: number | null;
  /** The objective's intermediate value (validation accuracy) after the last finished epoch. */
  readonly lastValue: number | null;
  /** Training loss and accuracy of the last finished epoch (null before the first, or from an older run). */
  readonly loss: number | null;
  readonly acc: number | null;
  /** Mean seconds per epoch so far, null before the first epoch ends. */
  readonly epochSeconds: number | null;
  /** Epoch milliseconds by which the trial's remaining epochs should be done; null when unknown. */
  readonly etaAt: number | null;
}

export interface TrialRow {
  readonly number: number;
  readonly state: 'WAITING' | 'RUNNING' | 'COMPLETE' | 'PRUNED' | 'FAIL';
  readonly params: Readonly<Record<string, number | string | boolean | null>>;
  /** The objective's value (a pruned trial: its last intermediate value). */
  readonly value: number | null;
  /** Validation figures the trial recorded (`val_clean`, `val_shifted`, `val_image`). */
  readonly clean: number | null;
  readonly shifted: number | null;
  readonly image: number | null;
  /** Epoch (counted from 1) whose weights the trial kept (`keptEpochOf`). */
  readonly bestEpoch: number | null;
  /** Whether the search budget stopped the trial before its epochs or early stopping ended it. */
  readonly stoppedByBudget: boolean;
  /** Wall time, start to finish (a running trial: so far). */
  readonly seconds: number | null;
  readonly startedAt: number | null;
  /** Why a failed trial failed. */
  readonly failReason: string | null;
  readonly progress: TrialProgress | null;
  /** Which worker ran (or runs) the trial, as the Worker column shows it (`workerLabels`); null when the study does not say. */
  readonly worker: string | null;
  /** A RUNNING trial: when its worker last wrote a heartbeat (or the trial started); null otherwise. */
  readonly heardAt: number | null;
  /**
   * A RUNNING trial whose process, on this machine, has ended (Ctrl-C, a kill): it stays RUNNING in the
   * study until a resume (or the next worker) fails it and runs its parameters again. Its duration runs to
   * its last sign of life; it has no progress.
   */
  readonly stopped: boolean;
}

/** A file of the run the page links to (served under `/run/`). */
export interface RunLink {
  readonly label: string;
  /** URL path on the dashboard, e.g. `/run/report/report.html`. */
  readonly href: string;
  /** Where the file lies on disk. */
  readonly path: string;
}

export interface DashboardSnapshot {
  /** Server time (epoch ms) the snapshot was built at, so the page can count an ETA down with the server's clock. */
  readonly now: number;
  /**
   * Server time (epoch ms) the snapshot was sent at (set by the routes): the page's clock is set by
   * it, since a snapshot is built when the run changes and may be sent much later.
   */
  readonly sentAt?: number;
  /** The dashboard is about to stop (the run it watched in-process ended). */
  readonly ended: boolean;
  /** Where the study is read from. */
  readonly source: SourceInfo;
  /** Why the study cannot be read now (a database out of reach), since when; the trials are then as last read. Null while it reads. */
  readonly sourceProblem: SourceProblem | null;
  /** The run directory; null for a study shown without its run (`--storage` without `--run`). */
  readonly run: {
    readonly root: string;
    readonly name: string;
    readonly createdAt: string | null;
    readonly stages: readonly StageView[];
    /** Every stage recorded as finished in run.json. */
    readonly finished: boolean;
    /**
     * The process running the run's stages now (active.json; one on this machine that was killed is
     * gone), or null: the run waits for a `--resume` (stopped, or only its search was run) or has finished.
     */
    readonly active: { readonly pid: number; readonly host: string; readonly since: string } | null;
    readonly options: {
      readonly trials: number | null;
      readonly epochs: number | null;
      readonly budgetMs: number | null;
      readonly objective: string | null;
      readonly objectiveTitle: string | null;
    };
    /** run.json could not be read (the message says why). */
    readonly problem: string | null;
  } | null;
  readonly study: {
    readonly direction: 'maximize' | 'minimize';
    readonly counts: Readonly<Record<TrialRow['state'], number>>;
    /** RUNNING trials (in `counts.RUNNING`) whose process has ended (`TrialRow.stopped`). */
    readonly stopped: number;
    readonly bestTrial: number | null;
    readonly bestValue: number | null;
    /** Set when the best trial is the paper's configuration, kept over trial `over`'s higher value within one standard error of it (`chooseTrial`). */
    readonly keptBaseline: TrialChoice['keptBaseline'];
    /** Parameter columns in first-seen order. */
    readonly paramNames: readonly string[];
    /** How many workers (host and process) ran its trials: the trial table has a Worker column when more than one did. */
    readonly workers: number;
    /** A RUNNING trial whose worker is silent this long (no heartbeat) is failed and retried by the study (`HEARTBEAT_DEFAULTS`). */
    readonly staleAfterMs: number;
    /** A worker writes a heartbeat this often while its trial runs. */
    readonly heartbeatMs: number;
    /** Latest time (epoch ms) the study shows any trial doing something (a stalled search stops moving it). */
    readonly lastActivityAt: number | null;
    /** How trials are ranked: the run's `--objective`, else what the study records; null when neither says. */
    readonly objective: string | null;
    readonly objectiveTitle: string | null;
    /** What a pruned trial's value is when not the objective (`prunedValueApart`): the table brackets it; null when it is. */
    readonly prunedValue: string | null;
  } | null;
  readonly trials: readonly TrialRow[];
  /** Vega-Lite specs (those of the report, `report/charts/search-charts.ts`), null while there is too little to draw. */
  readonly charts: {
    readonly history: object | null;
    readonly intermediate: object | null;
    readonly parallel: object | null;
    readonly importances: object | null;
  };
  /** The run's files to link to (none without a run). */
  readonly links: readonly RunLink[];
}
