import type { Distribution, ParamValue } from './distributions';
import type { Storage } from './storage/storage';
import type { TrialWriter } from './trial';
import type { FrozenTrial, UserAttrValue } from './trial-state';

interface LocalWrite {
  readonly number: number;
  readonly apply: (t: FrozenTrial) => FrozenTrial;
  /** Whether the storage has it (then the next read shows it, and the entry goes). */
  confirmed: boolean;
}

/**
 * A study's synchronous view of its trials over an asynchronous storage, so that samplers, pruners
 * and `Trial` stay synchronous. A storage with `peekTrials` (in memory, journal file) is read
 * directly and written at once, exactly as before; any other (PostgreSQL) is read from a cache that
 * `refresh()` renews, with this process's writes that the cache does not show yet laid over it.
 * Writes reach the storage in the order they were made; those made in one go are sent at once (so a
 * storage must apply calls in call order, as PostgresStorage does with its batches).
 */
export class TrialCache implements TrialWriter {
  private cache: readonly FrozenTrial[] = [];
  private overlay: LocalWrite[] = [];
  private view: readonly FrozenTrial[] | undefined;
  private writes: Promise<void> = Promise.resolve();
  private writeError: unknown;
  private refreshSeq = 0;
  private appliedRefresh = 0;
  private background: Promise<unknown> | undefined;
  private queue: (() => Promise<void>)[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly study: string,
  ) {}

  /** Whether reads are synchronous and fresh (no cache). */
  get direct(): boolean {
    return this.storage.peekTrials !== undefined;
  }

  /** The trials as this process knows them, ordered by number. */
  trials(): readonly FrozenTrial[] {
    if (this.storage.peekTrials !== undefined) return this.storage.peekTrials(this.study);
    if (this.view === undefined) {
      if (this.overlay.length === 0) this.view = this.cache;
      else {
        const out = [...this.cache];
        for (const w of this.overlay) if (out[w.number] !== undefined) out[w.number] = w.apply(out[w.number]);
        this.view = out;
      }
    }
    return this.view;
  }

  /** Waits for this process's writes, then reads the storage; returns the new view. */
  async refresh(): Promise<readonly FrozenTrial[]> {
    await this.writes;
    if (this.direct) return this.trials();
    const seq = ++this.refreshSeq;
    const shown = new Set(this.overlay.filter((w) => w.confirmed));
    const trials = await this.storage.getTrials(this.study);
    // An older read that answers late must not replace a newer one.
    if (seq > this.appliedRefresh) {
      this.appliedRefresh = seq;
      this.cache = trials;
      this.overlay = this.overlay.filter((w) => !shown.has(w));
      this.view = undefined;
    }
    return this.trials();
  }

  /** Starts a refresh unless one is under way (a database storage only); errors are left to the next one. */
  refreshSoon(): void {
    if (this.direct || this.background !== undefined) return;
    this.background = this.refresh()
      .catch(() => undefined)
      .finally(() => (this.background = undefined));
  }

  /** Waits for every write so far; returns (and forgets) the first error one of them met. */
  async settle(): Promise<unknown> {
    await this.writes;
    const e = this.writeError;
    this.writeError = undefined;
    return e;
  }

  setParam(number: number, name: string, distribution: Distribution, value: ParamValue): void {
    this.write(
      number,
      (t) => ({ ...t, params: { ...t.params, [name]: value }, distributions: { ...t.distributions, [name]: distribution } }),
      () => this.storage.setParam(this.study, number, name, distribution, value, Date.now()),
    );
  }

  report(number: number, step: number, value: number): void {
    this.write(
      number,
      (t) => (t.intermediateValues.has(step) ? t : { ...t, intermediateValues: new Map([...t.intermediateValues, [step, value]]) }),
      () => this.storage.reportIntermediate(this.study, number, step, value, Date.now()),
    );
    this.refreshSoon();
  }

  setUserAttr(number: number, key: string, value: UserAttrValue): void {
    this.write(
      number,
      (t) => ({ ...t, userAttrs: { ...t.userAttrs, [key]: value } }),
      () => this.storage.setUserAttr(this.study, number, key, value, Date.now()),
    );
  }

  /** Shows a change the storage already has (a finished trial) until the next read. */
  written(number: number, apply: (t: FrozenTrial) => FrozenTrial): void {
    if (this.direct) return;
    this.overlay.push({ number, apply, confirmed: true });
    this.view = undefined;
  }

  private write(number: number, apply: (t: FrozenTrial) => FrozenTrial, send: () => Promise<void>): void {
    const entry: LocalWrite = { number, apply: (t) => (t.state === 'RUNNING' ? apply(t) : t), confirmed: false };
    const run = (): Promise<void> =>
      send().then(
        () => void (entry.confirmed = true),
        (e: unknown) => {
          this.writeError ??= e;
          // Not in the storage: dropped at the next read.
          entry.confirmed = true;
        },
      );
    if (this.direct) {
      // Written now, synchronously; only the promise settles later.
      const done = run();
      this.writes = Promise.all([this.writes, done]).then(() => undefined);
      return;
    }
    this.overlay.push(entry);
    this.view = undefined;
    // Writes made in one go (a trial's suggestions) are sent together, in order: a database storage
    // may answer them in one round trip.
    this.queue.push(run);
    this.draining ??= Promise.resolve().then(async () => {
      while (this.queue.length > 0) await Promise.all(this.queue.splice(0).map((send) => send()));
      this.draining = undefined;
    });
    this.writes = this.draining;
  }
}
