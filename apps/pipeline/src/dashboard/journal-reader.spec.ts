import { silentLogger } from '@digitfuse/tuning';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { STUDY_NAME } from '../study-access';
import { JournalReader } from './journal-reader';
import { appendTrial, finishedTrial } from './testing/fixture-run';

describe('JournalReader', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'journal-reader-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads the study a search writes, with each report's time, and catches up with appended trials", () => {
    const journal = join(dir, 'study.jsonl');
    const reader = new JournalReader(journal, STUDY_NAME, silentLogger);
    try {
      expect(reader.read()).toBeNull(); // no journal yet
      const t = finishedTrial(1, 1_000_000, 0.98);
      appendTrial(journal, t);
      const first = reader.read();
      expect(first?.trials).toHaveLength(1);
      expect(first?.trials[0].state).toBe('COMPLETE');
      expect(first?.reportTimes.get(0)?.get(2)).toBe(Math.round(1_000_000 + 2 * t.epochSeconds * 1000));
      appendTrial(journal, finishedTrial(2, 2_000_000, 0.97));
      expect(reader.read()?.trials).toHaveLength(2);
    } finally {
      reader.close();
    }
  });

  it("removes the journal copies of dashboards killed outright (they stayed in the temporary folder), keeping a live one's", () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid; // ended and reaped: no process has this id now
    const mirror = (pid: number | string, suffix: string) => {
      const at = join(tmpdir(), `digitfuse-dashboard-${pid}-${suffix}`);
      mkdirSync(at);
      writeFileSync(join(at, 'study.jsonl'), 'a journal copied\n');
      return at;
    };
    const killed = mirror(dead, 'Xk9Q2a');
    const live = mirror(process.pid, 'Lv3Rt1'); // another reader of this process, still running
    const notOurs = join(tmpdir(), 'digitfuse-dashboard-notes');
    mkdirSync(notOurs);
    const journal = join(dir, 'study.jsonl');
    appendTrial(journal, finishedTrial(1, 1_000_000, 0.98));
    const reader = new JournalReader(journal, STUDY_NAME, silentLogger);
    try {
      expect(reader.read()?.trials).toHaveLength(1);
      expect([killed, live, notOurs].map(existsSync)).toEqual([false, true, true]);
    } finally {
      reader.close();
      for (const d of [killed, live, notOurs]) rmSync(d, { recursive: true, force: true });
    }
  });

  it('leaves a line still being written for the next read, and never writes to the journal', () => {
    const journal = join(dir, 'study.jsonl');
    appendTrial(journal, finishedTrial(1, 1_000_000, 0.98));
    const reader = new JournalReader(journal, STUDY_NAME, silentLogger);
    try {
      const op = JSON.stringify({ op: 'create_trial', study: STUDY_NAME, number: 1, state: 'RUNNING', worker: { host: 'h', pid: 1, id: 'x' }, ts: 3_000_000 });
      appendFileSync(journal, op.slice(0, 20));
      const before = readFileSync(journal);
      expect(reader.read()?.trials).toHaveLength(1);
      expect(readFileSync(journal)).toEqual(before);
      expect(readdirSync(dir)).toEqual(['study.jsonl']); // no lock, no sealed line
      appendFileSync(journal, op.slice(20) + '\n');
      expect(reader.read()?.trials.map((t) => t.state)).toEqual(['COMPLETE', 'RUNNING']);
    } finally {
      reader.close();
    }
  });

  it('starts over when the journal is replaced, and removes its mirror on close', () => {
    const journal = join(dir, 'study.jsonl');
    appendTrial(journal, finishedTrial(1, 1_000_000, 0.98));
    appendTrial(journal, finishedTrial(2, 1_000_000, 0.98));
    const reader = new JournalReader(journal, STUDY_NAME, silentLogger);
    expect(reader.read()?.trials).toHaveLength(2);
    writeFileSync(journal, '');
    expect(reader.read()).toBeNull();
    appendTrial(journal, finishedTrial(3, 1_000_000, 0.98));
    expect(reader.read()?.trials).toHaveLength(1);
    const mirror = reader.mirror as string;
    expect(existsSync(mirror)).toBe(true);
    reader.close();
    expect(existsSync(mirror)).toBe(false);
    expect(existsSync(journal)).toBe(true);
  });

  it('names the journal, not its private copy, in a warning about a bad line (the same line number)', () => {
    const journal = join(dir, 'study.jsonl');
    appendTrial(journal, finishedTrial(1, 1_000_000, 0.98));
    appendFileSync(journal, '{"op": torn\n');
    const lines = readFileSync(journal, 'utf8').trim().split('\n').length;
    appendTrial(journal, finishedTrial(2, 2_000_000, 0.97));
    const warnings: string[] = [];
    const reader = new JournalReader(journal, STUDY_NAME, { warn: (m) => warnings.push(m) });
    try {
      expect(reader.read()?.trials).toHaveLength(2);
      expect(warnings).toEqual([`Journal \`${journal}\` line ${lines}: not valid JSON (a torn write?), skipped`]);
    } finally {
      reader.close();
    }
  });

  it('reads only the study asked for when told so, and lists the studies the journal holds', () => {
    const journal = join(dir, 'study.jsonl');
    appendTrial(journal, finishedTrial(1, 1_000_000, 0.98));
    const exact = new JournalReader(journal, 'other', silentLogger, true);
    const lenient = new JournalReader(journal, 'other', silentLogger);
    try {
      expect(exact.studyNames()).toEqual([STUDY_NAME]);
      expect(exact.read()).toBeNull();
      expect(lenient.read()?.name).toBe(STUDY_NAME); // a run's own study under another name: its only one
    } finally {
      exact.close();
      lenient.close();
    }
  });
});
