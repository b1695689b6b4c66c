import { buildDemoDataset } from '@digitfuse/data';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_CONFIG } from '../testing';
import { selectBackend } from '../backend';
import { main as robustnessCli } from '../cli/robustness';
import { FUSIONS, fusionStrategy } from '../network/fusion/fusions';
import {
  describeSet,
  MODEL_TITLES,
  ROBUSTNESS_MODELS,
  discoverSets,
  readRobustnessFile,
  robustnessConclusion,
  robustnessMarkdown,
  runRobustness,
  summarize,
  type RobustnessRun,
} from './robustness';

jest.setTimeout(300_000);

const root = mkdtempSync(join(tmpdir(), 'digitfuse-robustness-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

const sets = ['george-noisy', 'theo-noisy', 'george-clean', 'indist-noisy'].map((n) => describeSet(join('/data', n)));
const run = (set: string, model: RobustnessRun['model'], testAcc: number): RobustnessRun => ({ set, model, testAcc, valAcc: 0.9, epochs: 3, seconds: 1 });
const runs: RobustnessRun[] = [
  run('george-noisy', 'image', 0.99),
  run('george-noisy', 'concat', 0.97),
  run('george-noisy', 'robust', 0.992),
  run('theo-noisy', 'image', 0.98),
  run('theo-noisy', 'concat', 0.985),
  run('theo-noisy', 'robust', 0.99),
  run('george-clean', 'image', 0.99),
  run('george-clean', 'robust', 0.995),
  run('indist-noisy', 'concat', 0.998),
  run('indist-noisy', 'robust', 0.998),
];

describe('benchmark sets', () => {
  it('reads the held-out speaker and the noise from the folder name', () => {
    expect(sets.map(({ name, speaker, noisy }) => ({ name, speaker, noisy }))).toEqual([
      { name: 'george-noisy', speaker: 'george', noisy: true },
      { name: 'theo-noisy', speaker: 'theo', noisy: true },
      { name: 'george-clean', speaker: 'george', noisy: false },
      { name: 'indist-noisy', speaker: null, noisy: true },
    ]);
  });

  it('reads the held-out speaker of a set whose test voice was changed, and no speaker from other names', () => {
    const read = (name: string): string | null => describeSet(join('/data', name)).speaker;
    expect(read('george-pitch-up-noisy')).toBe('george');
    expect(read('lucas-phone-clean')).toBe('lucas');
    expect(read('indist-reverb-noisy')).toBeNull();
    for (const name of ['george-noisy-x', 'george--noisy', 'george-pitch-', 'george-Pitch-noisy', 'noisy']) expect(read(name)).toBeNull();
  });

  it('finds the subfolders that have test labels, and names the folder when there are none', () => {
    const dir = join(root, 'discover');
    for (const name of ['b-noisy', 'a-clean', 'no-labels']) mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, 'a-clean', 'y_test.csv'), 'row_id,label\n');
    writeFileSync(join(dir, 'b-noisy', 'y_test.csv'), 'row_id,label\n');
    expect(discoverSets(dir).map((s) => s.name)).toEqual(['a-clean', 'b-noisy']);
    // A root of links picks sets from elsewhere; a dangling link is not a set.
    const links = join(root, 'links');
    mkdirSync(links);
    symlinkSync(join(dir, 'b-noisy'), join(links, 'theo-noisy'));
    symlinkSync(join(dir, 'gone'), join(links, 'dangling'));
    expect(discoverSets(links).map((s) => [s.name, s.speaker])).toEqual([['theo-noisy', 'theo']]);
    expect(() => discoverSets(join(dir, 'no-labels'))).toThrow(
      `Expected subfolders of \`${join(dir, 'no-labels')}\` with competition files and y_test.csv (build them with \`tools/make-benchmark-sets.sh OUT_DIR\`), found none`,
    );
    expect(() => discoverSets(join(dir, 'missing'))).toThrow('found nothing there');
    expect(() => discoverSets(join(dir, 'a-clean', 'y_test.csv'))).toThrow(`Expected a folder of benchmark datasets at \`${join(dir, 'a-clean', 'y_test.csv')}\`, found a file`);
  });
});

describe('summaries', () => {
  it('gives mean and worst case per model over unseen-speaker noisy and clean sets, and each in-distribution set alone', () => {
    const rows = summarize(runs, sets);
    const get = (group: string, model: string) => rows.find((r) => r.group === group && r.model === model);
    expect(get('unseen speaker, noisy', 'concat')).toEqual({ group: 'unseen speaker, noisy', model: 'concat', mean: 0.9775, worst: 0.97, worstSet: 'george-noisy', sets: 2 });
    expect(get('unseen speaker, noisy', 'robust')?.mean).toBeCloseTo(0.991, 6);
    expect(get('unseen speaker, clean', 'image')?.sets).toBe(1);
    expect(get('indist-noisy', 'robust')?.mean).toBe(0.998);
    expect(get('indist-noisy', 'image')).toBeUndefined();
  });

  it('answers the question with the numbers', () => {
    expect(robustnessConclusion(runs, sets)).toBe(
      'plain fusion (paper) averages 97.75% against 98.50% for image only on the 2 unseen-speaker noisy sets, below image only on 1 of 2; ' +
        'robust fusion averages 99.10% against 98.50% for image only on the 2 unseen-speaker noisy sets, at least image-only accuracy on every one.',
    );
    expect(robustnessConclusion([], sets)).toBe('No fused model was compared with an image-only one.');
  });

  it("compares a fusion with experts with its own image expert, with or without an image-only model", () => {
    const withHeads = runs.map((r) => (r.model === 'robust' ? { ...r, imageHeadAcc: r.set === 'theo-noisy' ? 0.995 : 0.98 } : r));
    expect(robustnessConclusion(withHeads, sets)).toBe(
      'plain fusion (paper) averages 97.75% against 98.50% for image only on the 2 unseen-speaker noisy sets, below image only on 1 of 2; ' +
        'robust fusion averages 99.10% against 98.50% for image only on the 2 unseen-speaker noisy sets, at least image-only accuracy on every one, ' +
        'below its own image expert (98.75% on average) on 1 of 2.',
    );
    const noImageModel = withHeads.filter((r) => r.model !== 'image').map((r) => (r.set === 'theo-noisy' && r.model === 'robust' ? { ...r, imageHeadAcc: 0.97 } : r));
    expect(robustnessConclusion(noImageModel, sets)).toBe("robust fusion averages 99.10% on the 2 unseen-speaker noisy sets, at least its own image expert's accuracy (97.50% on average) on every one.");
  });

  it('prints a per-set table and a summary table', () => {
    const md = robustnessMarkdown(runs, sets);
    expect(md).toContain('| set | image only | plain fusion (paper) | robust fusion |');
    expect(md).toContain('| george-noisy | 99.00% | 97.00% | 99.20% |');
    expect(md).toContain('| indist-noisy | — | 99.80% | 99.80% |');
    expect(md).toContain('| unseen speaker, noisy | plain fusion (paper) | 97.75% | 97.00% (george-noisy) |');
  });

  it('refuses a file that is not a benchmark, by name; a missing file is null', () => {
    const bad = join(root, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    expect(() => readRobustnessFile(bad)).toThrow(`Expected \`${bad}\` to be a robustness.json written by model:robustness`);
    writeFileSync(bad, '{');
    expect(() => readRobustnessFile(bad)).toThrow(`Cannot read the robustness benchmark \`${bad}\``);
    expect(readRobustnessFile(join(root, 'none.json'))).toBeNull();
  });
});

describe('runRobustness() and model:robustness', () => {
  it('trains every model on every set with the same budget and writes the tables', async () => {
    const dir = join(root, 'sets');
    await buildDemoDataset(join(dir, 'george-noisy'), { train: 120, test: 30, seed: 2 });
    await buildDemoDataset(join(dir, 'indist-clean'), { train: 120, test: 30, seed: 3 });
    const lines: string[] = [];
    const models = ['image', 'audio', 'concat', 'robust'] as const;
    const result = await runRobustness({ sets: discoverSets(dir), models, config: TINY_CONFIG, epochs: 1, cacheDir: join(root, 'cache'), log: (l) => lines.push(l) });
    expect(result.map((r) => `${r.set}/${r.model}`)).toEqual([
      'george-noisy/image',
      'george-noisy/audio',
      'george-noisy/concat',
      'george-noisy/robust',
      'indist-clean/image',
      'indist-clean/audio',
      'indist-clean/concat',
      'indist-clean/robust',
    ]);
    for (const r of result) {
      expect(r.testAcc).toBeGreaterThanOrEqual(0);
      expect(r.testAcc).toBeLessThanOrEqual(1);
      expect(r.epochs).toBe(1);
      expect(r.fusionWeights !== undefined).toBe(r.model === 'robust');
      expect(r.imageHeadAcc !== undefined).toBe(r.model === 'robust');
      expect(r.audioAgreement !== undefined).toBe(r.model === 'robust');
    }
    const robust = result.find((r) => r.set === 'george-noisy' && r.model === 'robust')!;
    expect(robust.imageHeadAcc! * 30).toBeCloseTo(Math.round(robust.imageHeadAcc! * 30), 9); // a count of the 30 test rows
    expect(robust.audioAgreement!.confidentRows).toBeGreaterThanOrEqual(0);
    expect(robust.audioAgreement!.confidentRows).toBeLessThanOrEqual(30);
    expect(lines[0]).toMatch(/^\[1\/8\] george-noisy +image +test \d+\.\d\d%/);
    expect(lines[0]).not.toContain('image expert');
    expect(lines[3]).toMatch(/weights fused \S+ image \S+ audio \S+  image expert \d+\.\d\d%  audio agrees with \d+% of \d+ image-confident test rows? \(\d+% right on validation\)$/);
  });

  it('says that a damaged cache of a set is rebuilt, naming the set (its other data lines are not printed)', async () => {
    const dir = join(root, 'damaged-sets');
    await buildDemoDataset(join(dir, 'george-noisy'), { train: 120, test: 30, seed: 2 });
    const cacheDir = join(root, 'damaged-cache');
    const run = async (): Promise<string[]> => {
      const lines: string[] = [];
      await runRobustness({ sets: discoverSets(dir), models: ['image'], config: TINY_CONFIG, epochs: 1, cacheDir, log: (l) => lines.push(l) });
      return lines;
    };
    expect((await run()).filter((l) => l.includes('warning'))).toEqual([]);
    const cache = join(cacheDir, 'prepared.bin');
    const bytes = readFileSync(cache);
    bytes[bytes.length - 3] ^= 0x10;
    writeFileSync(cache, bytes);
    const lines = await run();
    expect(lines.filter((l) => !l.startsWith('['))).toEqual([`george-noisy: warning: the cache \`${cache}\` fails its checksum (damaged on disk?); rebuilding it`]);
  });

  it('compares image only, audio only and every registered fusion, titled by its strategy', () => {
    expect(ROBUSTNESS_MODELS).toEqual(['image', 'audio', ...FUSIONS]);
    expect(FUSIONS).toEqual(expect.arrayContaining(['concat', 'robust']));
    for (const f of FUSIONS) expect(MODEL_TITLES[f]).toBe(fusionStrategy(f).title);
  });

  it('refuses --root with --sets, and an unknown model, with one clear message', async () => {
    await expect(robustnessCli(['--root', 'a', '--sets', 'b'])).rejects.toThrow('Expected exactly one of `--root DIR` or `--sets DIR,DIR,...`, found both');
    await expect(robustnessCli(['--root', 'a', '--models', 'image,video'])).rejects.toThrow(`Expected --models to list some of ${['image', 'audio', ...FUSIONS].join(', ')}, found \`video\``);
    await expect(robustnessCli(['--root', join(root, 'nowhere')])).rejects.toThrow('found nothing there');
  });
});
