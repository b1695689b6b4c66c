import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useFullDisk } from '@digitfuse/core/testing';
import { StorageError, TrialPruned, TuningError } from '../errors';
import { NopPruner } from '../pruners/nop-pruner';
import { RandomSampler } from '../samplers/random-sampler';
import { createStudy, loadStudy } from '../study';
import { MemoryLogger } from '../testing';
import { JournalFileStorage } from './journal-file-storage';

let dir: string;
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuning-journal-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function open(file: string, logger = new MemoryLogger()): JournalFileStorage {
  return new JournalFileStorage(file, { logger });
}

async function fill(file: string, nTrials: number): Promise<void> {
  const storage = open(file);
  const study = await createStudy({ name: 'j', direction: 'maximize', storage, sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), loadIfExists: true });
  await study.optimize(
    (t) => {
      const x = t.suggestFloat('x', 0, 1);
      const act = t.suggestCategorical('act', ['relu', 'tanh']);
      t.report(x / 2, 0);
      t.report(x, 1);
      return act === 'relu' ? x : -x;
    },
    { nTrials },
  );
  storage.close();
}

describe('JournalFileStorage', () => {
  it('replays the journal on open: same trials, params, values and intermediate values', async () => {
    const file = path.join(dir, 'search', 'study.jsonl');
    await fill(file, 4);
    const first = await open(file).getTrials('j');
    const again = await loadStudy({ name: 'j', storage: open(file) });
    expect(again.direction).toBe('maximize');
    expect(again.trials).toHaveLength(4);
    expect(again.trials.map((t) => [t.number, t.state, t.value, t.params, [...t.intermediateValues]])).toEqual(
      first.map((t) => [t.number, t.state, t.value, t.params, [...t.intermediateValues]]),
    );
    const text = fs.readFileSync(file, 'utf8');
    expect(text.match(/"state":"COMPLETE"/g)).toHaveLength(4);
    for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('skips a torn last line with a warning, seals it, and keeps working', async () => {
    const file = path.join(dir, 'study.jsonl');
    await fill(file, 3);
    fs.appendFileSync(file, '{"op":"finish","study":"j","number":2,"sta');
    const logger = new MemoryLogger();
    const storage = open(file, logger);
    expect(logger.warnings).toHaveLength(1);
    // 1 create_study + 3 trials x 6 operations = 19 lines before it.
    expect(logger.warnings[0]).toMatch(/line 20: torn last line \(\d+ bytes without a newline, an interrupted write\), skipped/);
    const study = await loadStudy({ name: 'j', storage, sampler: new RandomSampler({ seed: 2 }), pruner: new NopPruner() });
    expect(study.getTrials(['COMPLETE'])).toHaveLength(3);
    const t = await study.ask();
    t.suggestFloat('x', 0, 1);
    await study.tell(t, 0.5);
    // A later reader sees the sealed torn line as one bad line and everything after it.
    const reader = new MemoryLogger();
    expect((await open(file, reader).getTrials('j')).map((x) => x.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
    expect(reader.warnings).toEqual([expect.stringMatching(/line 20: not valid JSON \(a torn write\?\), skipped/)]);
  });

  describe('on a full disk', () => {
    const disk = useFullDisk(64);
    it('names the journal and the full disk in one error, and takes the failed write back: no torn line stays', async () => {
      const root = disk();
      if (!root) return;
      const file = path.join(root, 'study.jsonl');
      await fill(file, 1);
      // The rest of the disk taken by another file.
      const filler = fs.openSync(path.join(root, 'filler'), 'w');
      try {
        for (;;) fs.writeSync(filler, Buffer.alloc(4096));
      } catch (e) {
        expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        fs.closeSync(filler);
      }
      // Trials until the journal's last page is full too.
      const storage = open(file);
      const study = await loadStudy({ name: 'j', storage, sampler: new RandomSampler({ seed: 2 }), pruner: new NopPruner() });
      let error: unknown;
      for (let i = 0; i < 100 && error === undefined; i++) {
        try {
          const t = await study.ask();
          t.suggestFloat('x', 0, 1);
          await study.tell(t, i);
        } catch (e) {
          error = e;
        }
      }
      storage.close(); // (the disk is unmounted after the suite)
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toBe(`Cannot write journal \`${file}\`: no space left on the device (ENOSPC); the journal was left as it was`);
      const text = fs.readFileSync(file, 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      const logger = new MemoryLogger();
      const reader = open(file, logger);
      expect((await reader.getTrials('j')).length).toBeGreaterThan(1);
      reader.close();
      expect(logger.warnings).toEqual([]);
    });
  });

  it('skips lines that are not operations, with a warning naming the line', async () => {
    const file = path.join(dir, 'study.jsonl');
    await fill(file, 1);
    fs.appendFileSync(file, '{"hello":1}\n');
    const logger = new MemoryLogger();
    expect(await open(file, logger).getTrials('j')).toHaveLength(1);
    expect(logger.warnings).toEqual([expect.stringMatching(/line 8: not a journal operation, skipped/)]);
  });

  it('gives distinct trial numbers to two handles on one file and lets each see the other', async () => {
    const file = path.join(dir, 'study.jsonl');
    const a = await createStudy({ name: 's', storage: open(file), sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner() });
    const b = await createStudy({ name: 's', storage: open(file), sampler: new RandomSampler({ seed: 2 }), pruner: new NopPruner(), loadIfExists: true });
    const numbers: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const s of [a, b]) {
        const t = await s.ask();
        numbers.push(t.number);
        await s.tell(t, i);
      }
    }
    expect(numbers).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.trials).toHaveLength(10);
    expect(b.trials).toHaveLength(10);
  });

  it('fails a trial whose heartbeat went stale and enqueues its parameters for a retry', async () => {
    const file = path.join(dir, 'study.jsonl');
    const logger = new MemoryLogger();
    const options = { name: 's', sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), logger, staleAfterMs: 40, heartbeatIntervalMs: 60_000 };
    const a = await createStudy({ ...options, storage: open(file) });
    const stuck = await a.ask();
    const x = stuck.suggestFloat('x', 0, 1);
    await new Promise((r) => setTimeout(r, 80));
    const b = await createStudy({ ...options, storage: open(file), loadIfExists: true });
    const retry = await b.ask();
    expect(b.trials[0].state).toBe('FAIL');
    expect(b.trials[0].failReason).toMatch(/no heartbeat for/);
    expect(retry.number).toBe(1);
    expect(b.trials[1].retryOf).toBe(0);
    expect(retry.suggestFloat('x', 0, 1)).toBe(x);
    expect(stuck.shouldPrune()).toBe(true);
    expect(() => stuck.report(0.5, 0)).toThrow(TrialPruned);
    await expect(a.tell(stuck, 1)).rejects.toThrow(TuningError);
    expect(logger.warnings.some((w) => /trial 0 marked FAIL/.test(w))).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/"state":"FAIL"/);
  });
});
