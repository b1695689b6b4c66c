import { JournalFileStorage, type Direction, type JournalOp, type TuningLogger } from '@digitfuse/tuning';
import { removeLeftoversOfEnded } from '@digitfuse/core';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StudyData } from './study-source';

const NEWLINE = 0x0a;

/** The mirror folders in the temporary folder: `digitfuse-dashboard-<pid>-<random>`. */
const MIRROR_PREFIX = 'digitfuse-dashboard-';
const MIRROR = /^digitfuse-dashboard-(\d+)-[^-]+$/;

/**
 * Removes the mirrors of dashboards that ended without their Ctrl-C cleanup (killed outright, a power
 * cut): a copy of a whole journal each, never read again. A live dashboard's are kept.
 */
function removeStaleMirrors(dir = tmpdir()): void {
  removeLeftoversOfEnded(dir, (entry) => {
    const m = MIRROR.exec(entry);
    return m === null ? null : Number(m[1]);
  });
}

/**
 * Reads a study journal that other processes are writing, without ever writing to it or taking its
 * lock: the complete lines appended since the last read are copied to a private mirror file, which
 * the tuning package's own `JournalFileStorage` replays (so the dashboard sees exactly what the
 * search sees). A last line still being written is left for the next read.
 */
export class JournalReader {
  private dir: string | null = null;
  private mirrorFd = -1;
  private storage: JournalFileStorage | null = null;
  /** Bytes of the journal copied so far, and the journal file's identity. */
  private offset = 0;
  private inode = -1;
  /** study -> trial number -> step -> time. */
  private readonly reportTimes = new Map<string, Map<number, Map<number, number>>>();

  constructor(
    private readonly journal: string,
    /** The study to read when the journal holds several (else its only one, unless `exact`). */
    private readonly preferredStudy: string,
    private readonly logger: TuningLogger,
    /** Read only `preferredStudy`, never another study of the journal. Default false. */
    private readonly exact = false,
  ) {}

  /** Catch up with the journal; null while it holds no study yet (or, when `exact`, not that one). */
  read(): StudyData | null {
    const names = this.studyNames();
    const name = names.includes(this.preferredStudy) || this.exact ? this.preferredStudy : names[0];
    if (this.storage === null || name === undefined || !names.includes(name)) return null;
    const storage = this.storage;
    return this.naming(() => {
      const direction = storage.peekDirections(name)?.[0] as Direction;
      return { name, direction, trials: storage.peekTrials(name), reportTimes: this.reportTimes.get(name) ?? new Map() };
    });
  }

  /** Catch up with the journal and give the names of the studies it holds (none while there is no journal). */
  studyNames(): string[] {
    if (!existsSync(this.journal)) return [];
    const stat = statSync(this.journal);
    if (!stat.isFile()) return [];
    if (stat.ino !== this.inode || stat.size < this.offset) this.reset(stat.ino);
    if (stat.size > this.offset) this.copyNewLines(stat.size);
    const storage = this.storage;
    return storage === null ? [] : this.naming(() => storage.peekStudyNames());
  }

  /** The journal's own path in a message about the mirror, which the user never sees. */
  private ownPath(message: string): string {
    const mirror = this.mirror;
    return mirror === null ? message : message.split(mirror).join(this.journal);
  }

  /** Run `read`, naming the journal, not its mirror, in any error it throws. */
  private naming<T>(read: () => T): T {
    try {
      return read();
    } catch (err) {
      if (err instanceof Error) err.message = this.ownPath(err.message);
      throw err;
    }
  }

  /** The private copy of the journal (null until there is something to copy). */
  get mirror(): string | null {
    return this.dir === null ? null : join(this.dir, 'study.jsonl');
  }

  /** Remove the mirror. */
  close(): void {
    this.storage?.close();
    this.storage = null;
    if (this.mirrorFd >= 0) closeSync(this.mirrorFd);
    this.mirrorFd = -1;
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }

  /** A new journal file (or one that was replaced): start a new mirror. */
  private reset(inode: number): void {
    this.close();
    this.offset = 0;
    this.inode = inode;
    this.reportTimes.clear();
  }

  private copyNewLines(size: number): void {
    const buf = Buffer.alloc(size - this.offset);
    const fd = openSync(this.journal, 'r');
    let got = 0;
    try {
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    const end = buf.lastIndexOf(NEWLINE, got - 1);
    if (end < 0) return;
    const complete = buf.subarray(0, end + 1);
    this.noteReportTimes(complete.toString('utf8'));
    if (this.dir === null) {
      removeStaleMirrors();
      this.dir = mkdtempSync(join(tmpdir(), `${MIRROR_PREFIX}${process.pid}-`));
      this.mirrorFd = openSync(join(this.dir, 'study.jsonl'), 'a');
    }
    let written = 0;
    while (written < complete.length) written += writeSync(this.mirrorFd, complete, written, complete.length - written);
    this.offset += complete.length;
    // Opened after the first lines are in place; later reads catch up by itself (getTrials refreshes).
    // Its warnings (a bad line) name the journal and the line, which are the same in the mirror.
    const logger: TuningLogger = { warn: (message) => this.logger.warn(this.ownPath(message)), info: (message) => this.logger.info?.(this.ownPath(message)) };
    this.storage ??= this.naming(() => new JournalFileStorage(join(this.dir as string, 'study.jsonl'), { logger, fsync: false }));
  }

  /** The journal's `report` operations carry a timestamp that the replayed trials do not keep. */
  private noteReportTimes(text: string): void {
    for (const line of text.split('\n')) {
      if (!line.includes('"report"')) continue;
      let op: JournalOp;
      try {
        op = JSON.parse(line) as JournalOp;
      } catch {
        continue; // the storage warns about it
      }
      if (op.op !== 'report' || typeof op.study !== 'string' || typeof op.ts !== 'number') continue;
      let trials = this.reportTimes.get(op.study);
      if (trials === undefined) this.reportTimes.set(op.study, (trials = new Map()));
      let steps = trials.get(op.number);
      if (steps === undefined) trials.set(op.number, (steps = new Map()));
      if (!steps.has(op.step)) steps.set(op.step, op.ts);
    }
  }
}
