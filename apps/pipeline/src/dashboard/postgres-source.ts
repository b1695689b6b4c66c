import { formatDuration } from '@digitfuse/core';
import { PostgresStorage, StorageUnavailableError, StudyDeletedError, type Direction, type FrozenTrial } from '@digitfuse/tuning';
import { PipelineError } from '../errors';
import { recordedStudyKey } from '../study-access';
import type { SourceInfo, SourceProblem, StudyData, StudySource } from './study-source';

export interface PostgresSourceArgs {
  /** Receives warnings and read errors. */
  readonly log: (line: string) => void;
  /** Milliseconds between two reads of the database. Default: 500. */
  readonly pollMs?: number;
  /**
   * Wait for a study the database does not hold yet (a run whose search has not started) instead of
   * refusing it. Default: false.
   */
  readonly waitForStudy?: boolean;
  /**
   * The run whose search, finished, filled the study: a study the database does not hold is refused
   * as that run's (deleted since), never waited for. Default: none.
   */
  readonly searchedBy?: string;
}

/** A trial's content, to tell a changed row from one read again unchanged. */
const contentOf = (t: FrozenTrial): string => JSON.stringify({ ...t, intermediateValues: [...t.intermediateValues] });

/**
 * A study in a PostgreSQL database as a dashboard source, polled every `pollMs`: each poll is one
 * cheap query that fetches only the trials changed since the previous one (`PostgresStorage.getTrials`),
 * and `onChange` is called only when a trial's content changed. Strictly read-only: the connections
 * are opened read-only, a database without the schema is refused, and no heartbeat is ever sent.
 *
 * The database keeps no time per reported step; a step's time is the trial's last write (its
 * `lastHeartbeat`, which a report sets) when the dashboard first sees it.
 */
export class PostgresSource implements StudySource {
  readonly info: SourceInfo;
  private data: StudyData | null = null;
  private trials: readonly FrozenTrial[] = [];
  private reportTimes = new Map<number, Map<number, number>>();
  private recorded: { objective: string | null; seed: number | null; fusion: string | null } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private polling: Promise<void> | null = null;
  private stopped = false;
  /** The last poll's error and when polls began to fail; null while they succeed. */
  private failing: SourceProblem | null = null;
  /** The study's deletion, once a poll met it: said by each poll until a study of that name is there again. */
  private deleted: StudyDeletedError | null = null;

  private constructor(
    private readonly storage: PostgresStorage,
    study: string,
    /** The study's direction (of its first objective); null until the study exists. */
    private direction: Direction | null,
    private readonly args: PostgresSourceArgs,
  ) {
    this.info = { kind: 'postgresql', place: storage.url, study };
  }

  /**
   * Connects (read-only) and reads the study once.
   * @throws StorageError for a bad URL, a refused connection, a wrong password, a missing database or one without the schema
   * @throws PipelineError for a study the database does not hold (the message lists those it does), unless waited for
   */
  static async open(url: string, study: string, args: PostgresSourceArgs): Promise<PostgresSource> {
    const storage = new PostgresStorage(url, {
      readOnly: true,
      poolSize: 1,
      // A dropped connection is retried briefly; the next poll tries again anyway.
      retryForMs: 2_000,
      // An outage is said by the source, once as it begins and once as it ends (`start`), not also by the storage.
      reportOutages: false,
      // A network gone silent: one poll waits this long, not the storage's minute.
      queryTimeoutMs: 15_000,
      logger: { warn: (message) => args.log(`dashboard: ${message}`) },
    });
    try {
      await storage.connect();
      const directions = await storage.getStudyDirections(study);
      if (directions === undefined) {
        const names = await storage.getStudyNames();
        const there = names.length === 0 ? 'it holds no study yet' : `studies there: ${names.join(', ')}`;
        if (args.searchedBy !== undefined) {
          throw new PipelineError(
            `Expected the study of ${args.searchedBy}, \`${study}\`, in ${storage.url}, found none of that name (${there}); ` +
              'its search has finished, so the study was there: it was deleted since (its trials with it), or that URL now names another database',
          );
        }
        if (!args.waitForStudy) throw new PipelineError(`Expected \`--study ${study}\` to name a study in ${storage.url}, found none of that name (${there})`);
        args.log(`dashboard: no study \`${study}\` in ${storage.url} yet (${there}); waiting for the run's search to create it`);
      }
      const source = new PostgresSource(storage, study, directions?.[0] ?? null, args);
      await source.poll();
      return source;
    } catch (e) {
      await storage.close();
      throw e;
    }
  }

  read(): StudyData | null {
    return this.data;
  }

  problem(): SourceProblem | null {
    return this.failing;
  }

  async start(onChange: () => void): Promise<void> {
    const { pollMs = 500 } = this.args;
    const tick = (): void => {
      this.timer = null;
      this.polling = this.poll().then(
        (changed) => {
          const outage = this.failing;
          if (outage !== null) this.args.log(`dashboard: reading ${this.info.place} again, after ${formatDuration((Date.now() - outage.since) / 1000)}`);
          this.failing = null;
          if ((changed || outage !== null) && !this.stopped) onChange();
        },
        (e: unknown) => {
          const message = (e as Error).message;
          const before = this.failing;
          // One line as an outage begins (another message meanwhile, e.g. a server starting up, is the page's to show).
          if (before === null) this.args.log(`dashboard: cannot read ${this.info.place} (trying again): ${message}`);
          // A server out of reach: since its first failure, which the storage retried for `triedMs` before this poll failed.
          const since = Date.now() - (e instanceof StorageUnavailableError ? e.triedMs : 0);
          this.failing = { message, since: before?.since ?? since };
          // The page is told at once (and of a new message): it shows the trials as last read, marked so.
          if (message !== before?.message && !this.stopped) onChange();
        },
      );
      void this.polling.then(() => {
        this.polling = null;
        if (!this.stopped) this.timer = setTimeout(tick, pollMs);
      });
    };
    this.stopped = false;
    this.timer = setTimeout(tick, pollMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.polling;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.storage.close();
  }

  /** Reads what changed; returns whether the study looks different. */
  private async poll(): Promise<boolean> {
    if (this.direction === null) {
      const directions = await this.storage.getStudyDirections(this.info.study);
      if (directions === undefined) {
        if (this.deleted !== null) throw this.deleted;
        return false;
      }
      this.direction = directions[0];
      this.deleted = null;
    }
    const direction = this.direction;
    let trials: readonly FrozenTrial[];
    try {
      trials = await this.storage.getTrials(this.info.study);
    } catch (e) {
      // Deleted (studies --delete): a study made again under its name is another one, read afresh
      // (its direction, its record, its steps' times); the trials as last read stay on the page meanwhile.
      if (e instanceof StudyDeletedError) this.forgetStudy(e);
      throw e;
    }
    const before = this.trials;
    const changed =
      this.data === null || trials.length !== before.length || trials.some((t, i) => t !== before[i] && contentOf(t) !== contentOf(before[i]));
    if (!changed) {
      this.trials = trials;
      return false;
    }
    this.recorded ??= await this.readStudyKey();
    this.trials = trials;
    this.noteReportTimes(trials);
    this.data = {
      name: this.info.study,
      direction,
      trials,
      reportTimes: this.reportTimes,
      objective: this.recorded?.objective ?? null,
      seed: this.recorded?.seed ?? null,
      fusion: this.recorded?.fusion ?? null,
    };
    return true;
  }

  /** Forgets what was read of the study, deleted since (`deleted`), but for the trials the page shows. */
  private forgetStudy(deleted: StudyDeletedError): void {
    this.deleted = deleted;
    this.direction = null;
    this.recorded = null;
    this.reportTimes = new Map();
  }

  /** A step first seen now was reported at the trial's last write (or now, for a trial without one). */
  private noteReportTimes(trials: readonly FrozenTrial[]): void {
    const now = Date.now();
    for (const t of trials) {
      if (t.intermediateValues.size === 0) continue;
      let steps = this.reportTimes.get(t.number);
      if (steps === undefined) this.reportTimes.set(t.number, (steps = new Map()));
      for (const step of t.intermediateValues.keys()) if (!steps.has(step)) steps.set(step, t.lastHeartbeat ?? now);
    }
  }

  /** The objective, seed and fusion the study's first worker recorded; null until one has. */
  private async readStudyKey(): Promise<{ objective: string | null; seed: number | null; fusion: string | null } | null> {
    const key = await recordedStudyKey(this.storage, this.info.study);
    if (key === null) return null;
    if (key === 'unreadable') return { objective: null, seed: null, fusion: null };
    return {
      objective: typeof key.objective === 'string' ? key.objective : null,
      seed: typeof key.seed === 'number' ? key.seed : null,
      fusion: key.modality !== 'image' && typeof key.fusion === 'string' ? key.fusion : null,
    };
  }
}
