import { buildDemoDataset } from '@digitfuse/data';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { imageFingerprint, pipelineRobustnessMarkdown, scoreSubmission, type PipelineRun } from './pipeline-robustness';

jest.setTimeout(600_000);

const root = mkdtempSync(join(tmpdir(), 'pipe-robust-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const workspace = resolve(__dirname, '..', '..', '..', '..');
const tsx = join(workspace, 'node_modules', '.bin', 'tsx');
const cli = join(__dirname, '..', 'cli', 'robustness.ts');

beforeAll(async () => {
  // Two leave-one-speaker-out style sets with the same images (as make_dataset.py builds them from one seed).
  await buildDemoDataset(join(root, 'sets', 'anna-noisy'), { train: 200, test: 30, seed: 4 });
  cpSync(join(root, 'sets', 'anna-noisy'), join(root, 'sets', 'bert-noisy'), { recursive: true });
});

describe('scoreSubmission() / imageFingerprint()', () => {
  it('scores a submission against y_test.csv and refuses one of another length', () => {
    const set = join(root, 'sets', 'anna-noisy');
    const truth = readFileSync(join(set, 'y_test.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
    const sub = join(root, 'sub.csv');
    writeFileSync(sub, 'row_id,label\n' + truth.map((l, i) => `${i},${i < 3 ? (l + 1) % 10 : l}`).join('\n') + '\n');
    expect(scoreSubmission(sub, set)).toBeCloseTo(27 / 30, 10);
    writeFileSync(sub, 'row_id,label\n0,1\n');
    expect(() => scoreSubmission(sub, set)).toThrow(/Expected 30 rows in `.*sub\.csv` \(as y_test\.csv\), found 1/);
    expect(imageFingerprint(set)).toBe(imageFingerprint(join(root, 'sets', 'bert-noisy')));
  });
});

describe('pipelineRobustnessMarkdown()', () => {
  const run = (set: string, kind: 'fused' | 'image', testAcc: number, imageExpertAcc: number | null = kind === 'fused' ? 0.975 : null): PipelineRun => ({
    set,
    kind,
    run: '/r',
    testAcc,
    imageExpertAcc,
    bestTrial: 0,
    trials: 3,
    figures: kind === 'fused' ? { clean: 0.99, shifted: 0.98, image: 0.97 } : null,
    seconds: 1,
  });
  it('gives per-set rows, mean and worst, and says where the main job fell below images alone', () => {
    const md = pipelineRobustnessMarkdown([run('a', 'fused', 0.99), run('a', 'image', 0.98), run('b', 'fused', 0.97), run('b', 'image', 0.98)]);
    expect(md).toContain('| a | 99.00% | 98.00% | 1.00 | 97.50% | 0 (3) | 99.00% / 98.00% / 97.00% |');
    expect(md).toContain('| **main job: mean / worst** | 98.00% | worst 97.00% (b) | | | | |');
    expect(md).toContain('The main job scored below the image-only pipeline on 1 of 2 sets.');
    expect(md).toContain('Hearing made seeing worse on 1 of 2 sets: the main job scored below its own image expert on b.');
  });
  it('tells a main job below images alone but above its own image expert (a weaker image classifier) from hearing making seeing worse', () => {
    const md = pipelineRobustnessMarkdown([run('a', 'fused', 0.984, 0.982), run('a', 'image', 0.985), run('b', 'fused', 0.99, 0.98), run('b', 'image', 0.985)]);
    expect(md).toContain('The main job scored below the image-only pipeline on 1 of 2 sets.');
    expect(md).toContain("Hearing did not make seeing worse: the main job scored at least its own image expert's accuracy on both sets.");
    // A fusion without experts (concat) has no image expert: a dash, and nothing said of it.
    const concat = pipelineRobustnessMarkdown([run('a', 'fused', 0.99, null), run('a', 'image', 0.98)]);
    expect(concat).toContain('| a | 99.00% | 98.00% | 1.00 | — | 0 (3) |');
    expect(concat).not.toContain('seeing worse');
  });
  it('says the main job held up on both sets, or on all of three, in words', () => {
    const two = pipelineRobustnessMarkdown([run('a', 'fused', 0.99), run('a', 'image', 0.98), run('b', 'fused', 0.98), run('b', 'image', 0.98)]);
    expect(two).toContain('The main job scored at least as high as the image-only pipeline on both sets.');
    const three = pipelineRobustnessMarkdown(['a', 'b', 'c'].flatMap((set) => [run(set, 'fused', 0.99), run(set, 'image', 0.98)]));
    expect(three).toContain('on all 3 sets.');
    expect(pipelineRobustnessMarkdown([run('a', 'fused', 0.99), run('a', 'image', 0.98)])).toContain('on the one set.');
  });
});

describe('nx run pipeline:robustness (spawned)', () => {
  it('runs the main job per set and one image-only pipeline for sets that share their images, then resumes without rerunning', () => {
    const out = join(root, 'bench');
    const args = [cli, '--root', join(root, 'sets'), '--trials', '1', '--epochs', '1', '--backend', 'wasm', '--bench-out', out];
    const first = spawnSync(tsx, args, { cwd: workspace, encoding: 'utf8' });
    expect(first.stderr).toContain('pipeline robustness: 2 sets');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/\| anna-noisy \| \d+\.\d\d% \| \d+\.\d\d% \| -?\d+\.\d\d \| \d+\.\d\d% \| 0 \(1\) \|/);
    expect(first.stdout).toMatch(/\| bert-noisy \| \d+\.\d\d% \| \d+\.\d\d% \|/);
    const runs = readdirSync(join(out, 'runs')).sort();
    expect(runs.filter((r) => r.startsWith('images-'))).toHaveLength(1);
    expect(runs.filter((r) => r.endsWith('-fused'))).toEqual(['anna-noisy-fused', 'bert-noisy-fused']);
    const file = JSON.parse(readFileSync(join(out, 'pipeline-robustness.json'), 'utf8'));
    expect(file.complete).toBe(true);
    expect(file.runs).toHaveLength(4);
    expect(file.runs[0].figures.image).toBeGreaterThan(0);
    // The main job's own image expert, scored on the test rows; an image-only run has none.
    const fused = file.runs.find((r: { kind: string }) => r.kind === 'fused');
    expect(typeof fused.imageExpertAcc).toBe('number');
    expect(fused.imageExpertAcc * 30).toBeCloseTo(Math.round(fused.imageExpertAcc * 30), 6); // right rows of the 30
    expect(fused.imageExpertAcc).toBeLessThanOrEqual(1);
    expect(file.runs.find((r: { kind: string }) => r.kind === 'image').imageExpertAcc).toBeNull();
    expect(first.stderr).toMatch(/anna-noisy fused: test \d+\.\d\d%, its image expert \d+\.\d\d% \(best trial 0 of 1\)/);
    expect(first.stdout).toMatch(/Hearing (did not make|made) seeing worse/);
    // A second call finds every run finished and only scores them again.
    const again = spawnSync(tsx, args, { cwd: workspace, encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('already done in this run, skipped');
    expect(again.stderr).not.toContain('trial 0:');
    // Scored again from the saved model: the same image expert accuracy.
    expect(JSON.parse(readFileSync(join(out, 'pipeline-robustness.json'), 'utf8')).runs.find((r: { kind: string }) => r.kind === 'fused').imageExpertAcc).toBe(fused.imageExpertAcc);
    expect(existsSync(join(out, 'pipeline-robustness.md'))).toBe(true);
  });

});

describe('nx run pipeline:robustness: refused command lines and sets (spawned)', () => {
  const refused = () => join(root, 'refused');
  const run = (args: readonly string[]) => spawnSync(tsx, [cli, ...args, '--bench-out', refused()], { cwd: workspace, encoding: 'utf8' });
  beforeAll(() => {
    writeFileSync(join(root, 'afile'), 'not a folder\n');
    mkdirSync(join(root, 'no-images'));
    writeFileSync(join(root, 'no-images', 'y_test.csv'), 'row_id,label\n0,1\n');
    cpSync(join(root, 'sets', 'anna-noisy'), join(root, 'elsewhere', 'anna-noisy'), { recursive: true });
  });

  it.each([
    ['neither --root nor --sets', [], 'error: Expected exactly one of `--root DIR` or `--sets DIR,DIR,...`, found neither'],
    ['both', ['--root', 'r', '--sets', 's'], 'error: Expected exactly one of `--root DIR` or `--sets DIR,DIR,...`, found both'],
    ['--data', ['--root', 'r', '--data', '/x'], 'error: Expected no `--data` (each set is its own run under --bench-out), found `/x`'],
    ['--out', ['--root', 'r', '--out', 'X'], 'error: Expected no `--out` (each set is its own run under --bench-out), found `X`'],
    ['--resume', ['--root', 'r', '--resume', 'X'], 'error: Expected no `--resume` (each set is its own run under --bench-out), found `X`'],
    ['an empty --sets entry', ['--sets', 'a,'], 'error: Expected --sets to be a comma-separated list of values, found an empty entry in `a,`'],
  ])('%s: one line, exit 2, nothing written', (_name, args, line) => {
    const r = run(args);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 2, stderr: line });
    expect(existsSync(refused())).toBe(false);
  });

  it('refuses two --sets entries of one name (they would share a run directory) with exit 2', () => {
    const [a, b] = [join(root, 'sets', 'anna-noisy'), join(root, 'elsewhere', 'anna-noisy')];
    const r = run(['--sets', `${a},${b}`]);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 2,
      stderr: `error: Expected \`--sets\` entries of different names (each set is known by its folder's name), found \`${a}\` and \`${b}\` both named anna-noisy`,
    });
    expect(existsSync(refused())).toBe(false);
  });

  it.each([
    ['--root that is a file', () => ['--root', join(root, 'afile')], () => `error: Expected \`--root ${join(root, 'afile')}\` to be a folder of benchmark sets, found a file there`],
    ['--root that is missing', () => ['--root', join(root, 'nothing')], () => `error: Expected \`--root ${join(root, 'nothing')}\` to be a folder of benchmark sets, found nothing there`],
    [
      'a --sets entry that is missing (after one that is fine)',
      () => ['--sets', `${join(root, 'sets', 'anna-noisy')},${join(root, 'nothing')}`],
      () => `error: Expected \`--sets\` entry \`${join(root, 'nothing')}\` to be a set folder (competition files and y_test.csv), found nothing there`,
    ],
    [
      'a --sets entry that is a file',
      () => ['--sets', join(root, 'afile')],
      () => `error: Expected \`--sets\` entry \`${join(root, 'afile')}\` to be a set folder (competition files and y_test.csv), found a file there`,
    ],
    [
      'a --sets entry without its competition files',
      () => ['--sets', join(root, 'no-images')],
      () => `error: Expected \`--sets\` entry \`${join(root, 'no-images')}\` to hold the competition files and y_test.csv, found no \`x_train_wr.npy\`, \`x_train_sp.npy\`, \`y_train.csv\`, \`x_test_wr.npy\`, \`x_test_sp.npy\``,
    ],
  ])('%s: one line, exit 1, no run directory made', (_name, args, line) => {
    const r = run(args());
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 1, stderr: line() });
    expect(existsSync(refused())).toBe(false);
  });
  it.each([
    ['a file', () => join(root, 'afile'), () => 'a file there'],
    ['a folder below a file', () => join(root, 'afile', 'out'), () => `a file at \`${join(root, 'afile')}\``],
  ])('--bench-out of %s: one line naming it, exit 1, before any set runs', (_name, benchOut, found) => {
    const set = join(root, 'sets', 'anna-noisy');
    const r = spawnSync(tsx, [cli, '--sets', set, '--bench-out', benchOut()], { cwd: workspace, encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 1,
      stderr: `error: Expected \`--bench-out ${benchOut()}\` to be a folder for the runs and pipeline-robustness.json, found ${found()}; nothing was written`,
    });
    expect(readFileSync(join(root, 'afile'), 'utf8')).toBe('not a folder\n');
  });
});
