import { buildDemoDataset } from '@digitfuse/data';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStudy, inMemoryStorage, NopPruner, RandomSampler, silentLogger } from '@digitfuse/tuning';
import { main as search } from '../cli/search';
import { objectiveLine, searchProgress } from './search-stage';
import { fixtureOptions } from '../dashboard/testing/fixture-run';
import type { PipelineOptions } from '../options';
import type { RunState } from '../run-artifacts';

jest.setTimeout(300_000);

const root = mkdtempSync(join(tmpdir(), 'search-stage-'));
const stderr: string[] = [];

beforeAll(() => {
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterAll(() => {
  jest.restoreAllMocks();
  rmSync(root, { recursive: true, force: true });
});

interface JournalOp {
  readonly op: string;
  readonly number?: number;
  readonly step?: number;
  readonly ts: number;
}

describe('searchStage', () => {
  it('ends the search within its --budget: a running trial stops in time for its end-of-trial work', async () => {
    // Epochs of a few seconds (960 training rows), more epochs than the budget allows.
    const data = join(root, 'data');
    await buildDemoDataset(data, { train: 1200, test: 300, seed: 3 });
    const run = join(root, 'run');
    // Long enough for a few epochs even when the machine is busy with other specs.
    const budget = 20;
    await search(['--data', data, '--out', run, '--budget', `${budget}s`, '--epochs', '30', '--trials', '5', '--pruner', 'none', '--seed', '5', '--backend', 'wasm', '--no-report']);

    const ops = readFileSync(join(run, 'search', 'study.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JournalOp);
    // The budget runs from just before the first trial starts.
    const deadline = ops.find((o) => o.op === 'claim_trial')!.ts + budget * 1000;
    const reports = ops.filter((o) => o.op === 'report');
    const end = Math.max(...ops.filter((o) => o.op === 'finish').map((o) => o.ts));
    // The longest epoch of the run (training and validation): the time between a trial's reports, or
    // from its start to its first report (a slow machine may fit only one epoch per trial).
    const claims = new Map(ops.filter((o) => o.op === 'claim_trial').map((o) => [o.number, o.ts]));
    const epochMs = Math.max(
      ...reports.map((r, i) => (i > 0 && reports[i - 1].number === r.number ? r.ts - reports[i - 1].ts : r.ts - (claims.get(r.number) ?? r.ts))),
    );
    expect(epochMs).toBeGreaterThan(0);

    // No epoch but a trial's first (which it must finish to be ranked) ends past the deadline: before,
    // a trial ran on to the end of the epoch the deadline fell in, then calibrated and saved its model.
    expect(reports.filter((r) => (r.step as number) > 1 && r.ts > deadline)).toEqual([]);
    // The last trial finished (calibrated, saved, recorded) by the deadline, give or take the timing
    // of a batch and the error of its end-of-trial work's estimate; generously: within one epoch.
    expect(end - deadline).toBeLessThan(epochMs);
    const state = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as RunState<Record<string, unknown>>;
    expect(state.stages.search.seconds).toBeLessThan(budget + epochMs / 1000);
    // The budget ended the search: a running trial was stopped, or no trial could finish in the time left.
    expect(stderr.join('')).toMatch(
      /trial \d+: search budget spent \([\d.]+s left for its end-of-trial work\), stopping (during|after) epoch \d+|s of the search budget left, less than a trial here takes/,
    );
    // A trial the budget stopped says so in the trials table (its value is of a shorter training), and only that one.
    const cut = /trial (\d+): search budget spent/.exec(stderr.join(''))?.[1];
    const csv = readFileSync(join(run, 'search', 'trials.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = csv[0].indexOf('budget_stop');
    const stopped = col < 0 ? [] : csv.slice(1).filter((r) => r[col] !== '').map((r) => r[0]);
    expect(stopped).toEqual(cut === undefined ? [] : [cut]);
    if (cut !== undefined) expect(stderr.join('')).toMatch(/\d+ complete \(1 stopped early by the budget\), \d+ pruned/);
  });
});

describe('searchProgress()', () => {
  it("gives no time left once the search was told to start no more trials (its budget fits no other)", async () => {
    // `--budget 6s`: "1.9s of the search budget left, less than a trial here takes ...: no more trials",
    // then "1/50 trials finished in 4s, best 0.2333 (trial 0), about 2s left".
    const study = await createStudy({ name: 'p', direction: 'maximize', storage: inMemoryStorage(), sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), logger: silentLogger });
    const lines: string[] = [];
    const started = Date.now();
    const progress = searchProgress(study, (line) => lines.push(line), { trials: 50, done: 0, started, deadline: started + 60_000 });
    let n = 0;
    await study.optimize(
      (trial) => {
        if (++n === 2) study.stop();
        return trial.suggestFloat('x', 0, 1);
      },
      { nTrials: 50, callbacks: [progress] },
    );
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ {4}1\/50 trials finished in \d+s, best [\d.]+ \(trial 0\), about \S+ left$/);
    expect(lines[1]).toMatch(/^ {4}2\/50 trials finished in \d+s, best [\d.]+ \(trial \d\)$/);
  });

  it('counts a search of one trial in the singular (`1/1 trials finished` before)', async () => {
    const study = await createStudy({ name: 'p1', direction: 'maximize', storage: inMemoryStorage(), sampler: new RandomSampler({ seed: 1 }), pruner: new NopPruner(), logger: silentLogger });
    const lines: string[] = [];
    const progress = searchProgress(study, (line) => lines.push(line), { trials: 1, done: 0, started: Date.now(), deadline: null });
    await study.optimize((trial) => trial.suggestFloat('x', 0, 1), { nTrials: 1, callbacks: [progress] });
    expect(lines).toEqual([expect.stringMatching(/^ {4}1\/1 trial finished in \d+s, best [\d.]+ \(trial 0\)$/)]);
  });
});

describe('objectiveLine()', () => {
  const options = fixtureOptions('/tmp/run') as PipelineOptions;

  it("gives the objective's title, and of an image-only run that it ranks by its validation accuracy", () => {
    expect(objectiveLine(options)).toBe('    objective: shift-aware: mean of (the worse of clean and shifted-audio accuracy) and the image expert');
    // `full --modality image` gave shift-aware's title, of shifted audio and an image expert it does not have.
    expect(objectiveLine({ ...options, modality: 'image' })).toBe('    objective: shift-aware (an image-only run: its validation accuracy)');
  });
});
