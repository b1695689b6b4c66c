import { buildDemoDataset } from '@digitfuse/data';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

jest.setTimeout(600_000);

const root = mkdtempSync(join(tmpdir(), 'pipe-robust-rerun-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const workspace = resolve(__dirname, '..', '..', '..', '..');
const tsx = join(workspace, 'node_modules', '.bin', 'tsx');
const cli = join(__dirname, '..', 'cli', 'robustness.ts');
const [anna, bert] = [join(root, 'sets', 'anna-noisy'), join(root, 'sets', 'bert-noisy')];
const out = join(root, 'bench');
const robustness = (...args: string[]) =>
  spawnSync(tsx, [cli, ...args, '--search-rows', '160', '--no-image-only', '--backend', 'wasm', '--bench-out', out], { cwd: workspace, encoding: 'utf8' });
const results = () => JSON.parse(readFileSync(join(out, 'pipeline-robustness.json'), 'utf8')) as { runs: { set: string; trials: number }[] };

beforeAll(async () => {
  await buildDemoDataset(anna, { train: 200, test: 30, seed: 4 });
  cpSync(anna, bert, { recursive: true });
  const first = robustness('--sets', anna, '--trials', '1', '--epochs', '1');
  expect({ status: first.status, stderr: first.stderr.slice(-300) }).toEqual({ status: 0, stderr: expect.any(String) });
});

describe('nx run pipeline:robustness run again into the same --bench-out (spawned)', () => {
  it('refuses, in one line before any set runs, a flag that would change a setting of a run already there', () => {
    const before = readFileSync(join(out, 'pipeline-robustness.json'), 'utf8');
    const r = robustness('--sets', `${bert},${anna}`, '--trials', '1', '--epochs', '2');
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 2,
      stderr:
        `error: Expected the flags given again for the earlier run \`${join(out, 'runs', 'anna-noisy-fused')}\` in --bench-out to keep the run's settings, found --epochs 2 (the run has --epochs 1); ` +
        'only --trials, --budget, --workers, --backend, --allow-shift, --storage, --study, --ensemble, --tta may change between runs into one --bench-out: give another --bench-out for other settings\n',
    });
    // bert-noisy comes first and has no run yet: nothing of it was started, nothing of the earlier results changed.
    expect(existsSync(join(out, 'runs', 'bert-noisy-fused'))).toBe(false);
    expect(readFileSync(join(out, 'pipeline-robustness.json'), 'utf8')).toBe(before);
  });

  it('continues the search of a run already there with a new --trials, as full --resume does', () => {
    const r = robustness('--sets', anna, '--trials', '2', '--epochs', '1');
    expect(r.stderr).toContain('new --trials/--budget: the search continues from its journal; the stages after it are to run again (their earlier outputs no longer count)');
    expect(r.status).toBe(0);
    expect(results().runs).toEqual([expect.objectContaining({ set: 'anna-noisy', trials: 2 })]);
  });
});
