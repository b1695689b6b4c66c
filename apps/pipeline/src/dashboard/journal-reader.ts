import { JournalFileStorage, type Direction, type JournalOp, type TuningLogger } from '@digitfuse/tuning';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StudyData } from './study-source';

const NEWLINE = 0x0a;

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
    /** The study to read when the journal holds several (else its only one). */
    private readonly preferredStudy: string,
    private readonly logger: TuningLogger,
  ) {}

  /** Catch up with the journal; null while it holds no study yet. */
  read(): StudyData | null {
    if (!existsSync(this.journal)) return null;
    const stat = statSync(this.journal);
    if (!stat.isFile()) return null;
    if (stat.ino !== this.inode || stat.size < this.offset) this.reset(stat.ino);
    if (stat.size > this.offset) this.copyNewLines(stat.size);
    if (this.storage === null) return null;
    const names = this.storage.peekStudyNames();
    const name = names.includes(this.preferredStudy) ? this.preferredStudy : names[0];
    if (name === undefined) return null;
    const direction = this.storage.peekDirections(name)?.[0] as Direction;
    return { name, direction, trials: this.storage.peekTrials(name), reportTimes: this.reportTimes.get(name) ?? new Map() };
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
      this.dir = mkdtempSync(join(tmpdir(), 'digitfuse-dashboard-'));
      this.mirrorFd = openSync(join(this.dir, 'study.jsonl'), 'a');
    }
    let written = 0;
    while (written < complete.length) written += writeSync(this.mirrorFd, complete, written, complete.length - written);
    this.offset += complete.length;
    // Opened after the first lines are in place; later reads catch up by itself (getTrials refreshes).
    this.storage ??= new JournalFileStorage(join(this.dir, 'study.jsonl'), { logger: this.logger, fsync: false });
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
