import { counted, diskProblem, lockSyncWaiting, makeDirs } from '@digitfuse/core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StorageError } from '../errors';
import { consoleLogger, type TuningLogger } from '../logger';
import type { JournalOp } from './journal-ops';
import { ReplicatedStorage } from './replicated-storage';

export interface JournalFileStorageArgs {
  /** Receives warnings (a torn or unreadable line). Default: `consoleLogger`. */
  readonly logger?: TuningLogger;
  /** Give up taking the inter-process lock after this long. Default: 60000 ms. */
  readonly lockTimeoutMs?: number;
  /** A lock left by a crashed process is broken after this long (minimum 2000). Default: 10000 ms. */
  readonly lockStaleMs?: number;
  /** fsync after every append. Default: true. */
  readonly fsync?: boolean;
}

const NEWLINE = 0x0a;

/**
 * A study journal: one JSON operation per line, appended with a single write + fsync while holding an
 * inter-process lock (proper-lockfile, a `<file>.lock` directory), and replayed on open. Several
 * processes, on one machine or on a shared filesystem, can use the same file. A last line without
 * its newline (a write cut short by a crash) is skipped with a warning and sealed by the next writer.
 */
export class JournalFileStorage extends ReplicatedStorage {
  readonly path: string;
  private fd: number;
  /** Bytes of the file already applied. */
  private offset = 0;
  private lineNumber = 0;
  private readonly lockTimeoutMs: number;
  private readonly lockStaleMs: number;
  private readonly doFsync: boolean;

  constructor(file: string, args: JournalFileStorageArgs = {}) {
    super(args.logger ?? consoleLogger);
    this.path = path.resolve(file);
    this.lockTimeoutMs = args.lockTimeoutMs ?? 60_000;
    this.lockStaleMs = Math.max(2000, args.lockStaleMs ?? 10_000);
    this.doFsync = args.fsync ?? true;
    try {
      makeDirs(path.dirname(this.path));
      this.fd = fs.openSync(this.path, 'a+');
    } catch (e) {
      throw new StorageError(`Cannot open journal \`${this.path}\`: ${(e as Error).message}`);
    }
    // Replay under the lock so a torn last line is told apart from a write in progress.
    this.commit(() => ({ ops: [], result: undefined }));
  }

  protected release(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  protected refresh(): void {
    this.readNew(false);
  }

  protected commit<T>(fn: () => { ops: readonly JournalOp[]; result: T }): T {
    this.ensureOpen();
    const release = this.lock();
    try {
      this.readNew(true);
      const { ops, result } = fn();
      if (ops.length > 0) {
        const text = ops.map((op) => JSON.stringify(op)).join('\n') + '\n';
        this.append(Buffer.from(text, 'utf8'));
        this.applyAll(ops);
        this.lineNumber += ops.length;
      }
      return result;
    } finally {
      release();
    }
  }

  private ensureOpen(): void {
    if (this.fd < 0) throw new StorageError(`Journal \`${this.path}\` is closed`);
  }

  /**
   * Appends `buf` (with the lock held). A write that fails (a full disk, a read-only file system) is
   * taken back: the journal is cut to what it held, so no torn line stays, and the error names it.
   */
  private append(buf: Buffer): void {
    try {
      let written = 0;
      while (written < buf.length) written += fs.writeSync(this.fd, buf, written, buf.length - written);
      if (this.doFsync) fs.fsyncSync(this.fd);
    } catch (e) {
      try {
        fs.ftruncateSync(this.fd, this.offset);
      } catch {
        // Cannot even cut it: the part written is a torn last line, which the next writer seals.
      }
      const problem = diskProblem(e);
      if (problem === undefined) throw e;
      throw new StorageError(`Cannot write journal \`${this.path}\`: ${problem}; the journal was left as it was`, { cause: e });
    }
    this.offset += buf.length;
  }

  private lock(): () => void {
    let unlock: (() => void) | null;
    try {
      unlock = lockSyncWaiting(this.path, { staleMs: this.lockStaleMs, waitMs: this.lockTimeoutMs });
    } catch (e) {
      throw new StorageError(`Cannot lock journal \`${this.path}\`: ${(e as Error).message}`);
    }
    if (unlock === null) throw new StorageError(`Timed out after ${this.lockTimeoutMs} ms waiting for the lock on journal \`${this.path}\``);
    return unlock;
  }

  /** Applies complete lines appended since the last read. With the lock held, a partial last line is torn. */
  private readNew(locked: boolean): void {
    this.ensureOpen();
    const size = fs.fstatSync(this.fd).size;
    if (size < this.offset) throw new StorageError(`Journal \`${this.path}\` shrank from ${this.offset} to ${counted(size, 'byte')}; it must only be appended to`);
    if (size === this.offset) return;
    const buf = Buffer.alloc(size - this.offset);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(this.fd, buf, got, buf.length - got, this.offset + got);
      if (n === 0) break;
      got += n;
    }
    const end = buf.lastIndexOf(NEWLINE, got - 1);
    if (end >= 0) {
      let start = 0;
      while (start <= end) {
        const nl = buf.indexOf(NEWLINE, start);
        this.lineNumber++;
        this.applyLine(buf.toString('utf8', start, nl));
        start = nl + 1;
      }
      this.offset += end + 1;
    }
    const rest = got - (end + 1);
    if (locked && rest > 0) {
      // Nobody else can be writing now: the unterminated tail is a torn write. Seal it with a newline
      // so that every reader skips it as one bad line.
      this.lineNumber++;
      this.logger.warn(
        `Journal \`${this.path}\` line ${this.lineNumber}: torn last line (${counted(rest, 'byte')} without a newline, an interrupted write), skipped`,
      );
      this.offset += rest;
      this.append(Buffer.from('\n'));
    }
  }

  private applyLine(line: string): void {
    if (line.trim() === '') return;
    const where = `Journal \`${this.path}\` line ${this.lineNumber}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.logger.warn(`${where}: not valid JSON (a torn write?), skipped`);
      return;
    }
    this.replica.applyParsed(parsed, where);
  }
}

/** Factory for `JournalFileStorage`. */
export function journalFileStorage(file: string, args: JournalFileStorageArgs = {}): JournalFileStorage {
  return new JournalFileStorage(file, args);
}
