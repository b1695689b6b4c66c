import { runScript, runScriptUnprivileged, useFullDisk, useTempDir, WORKSPACE } from '@digitfuse/core/testing';
import { buildDemoDataset, readNpy, writeNpy } from '@digitfuse/data';
import { FUSIONS, fusionStrategy } from '@digitfuse/model';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { offsetSeed } from '../options';
import { ACTIVE_JSON } from '../run-process';
import { parseDuration, processAlive } from '@digitfuse/core';
import type { RunState } from '../run-artifacts';
import { createStudy, JournalFileStorage } from '@digitfuse/tuning';

// `digitfuse full / search / report` as a user runs them: the real binary, a process each, real flags and files.
jest.setTimeout(600_000);

const tmp = useTempDir('pipeline-commands-');
const data = () => join(tmp(), 'data');
/** A quick run (each flag once: a flag given twice is refused). */
const quick = ['--trials', '1', '--epochs', '1', '--search-rows', '500', '--backend', 'wasm', '--no-report'];

beforeAll(async () => {
  await buildDemoDataset(data(), { train: 240, test: 40, seed: 3 });
});

/** `digitfuse ...args` (apps/cli/src/main.ts through tsx) in the workspace root or `cwd`, without a storage or debug setting from the environment unless `env` gives one. */
function digitfuse(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd?: string) {
  const r = runScript('apps/cli/src/main.ts', args, { ...process.env, DEBUG: '', DIGITFUSE_DEBUG: '', DIGITFUSE_STORAGE: '', ...env }, cwd);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.split('\n').filter((l) => l.trim() !== '') };
}

/** Asserts a run that failed with `status` and printed only `error: <line>...` (no stack, no other line). */
function expectOneErrorLine(r: ReturnType<typeof digitfuse>, status: number, line: string): void {
  expect({ status: r.status, lines: r.lines.length, first: r.lines[0]?.startsWith(line) ? line : r.lines[0] }).toEqual({ status, lines: 1, first: line });
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('digitfuse full / search: flags are checked before anything is written', () => {
  // A folder of its own per test: one that ran anyway leaves nothing in the way of the next.
  let n = 0;
  let outDir = '';
  beforeEach(() => (outDir = join(tmp(), `never-${n++}`)));
  const out = () => outDir;
  const max = 2147483647;
  it.each([
    ['full', ['--budget', '0'], 'error: Expected `--budget` to be a positive duration (a bare number is minutes), found `0`'],
    ['full', ['--budget', '0s'], 'error: Expected `--budget` to be a positive duration (a bare number is minutes), found `0s`'],
    ['full', ['--seed', String(max + 1)], `error: Expected --seed to be an integer from 0 to ${max}, found ${max + 1}`],
    ['search', ['--seed', String(max + 1)], `error: Expected --seed to be an integer from 0 to ${max}, found ${max + 1}`],
    ['full', ['--seed', '1.5'], `error: Expected --seed to be an integer from 0 to ${max}, found 1.5`],
    ['full', ['--trials', '0'], 'error: Expected --trials to be an integer from 1 to 10000, found 0'],
    ['full', ['--epochs', '1001'], 'error: Expected --epochs to be an integer from 1 to 1000, found 1001'],
    ['full', ['--batch-size', '0'], 'error: Expected --batch-size to be an integer from 1 to 65536, found 0'],
    ['search', ['--workers', '65'], 'error: Expected --workers to be an integer from 1 to 64, found 65'],
    ['full', ['--search-rows', '0'], 'error: Expected --search-rows to be an integer from 1 to 10000000, found 0'],
    ['full', ['--ensemble', '21'], 'error: Expected --ensemble to be an integer from 1 to 20, found 21'],
    ['full', ['--storage', 'postgresql://'], 'error: Expected `--storage` to be a postgresql://user@host:port/database URL, found `postgresql://`'],
    ['search', ['--storage', 'postgresql://host-only'], 'error: Expected `--storage` to be a postgresql://user@host:port/database URL, found `postgresql://host-only`'],
    ['full', ['--storage', 'foo://bar'], 'error: Expected `--storage` to be a postgresql://user@host:port/database URL, found `foo://bar`'],
  ])('%s %j: one usage line, exit 2, no run directory', (command, args, line) => {
    const r = digitfuse([command, '--data', data(), ...args, '--out', out()]);
    expectOneErrorLine(r, 2, line);
    expect(existsSync(out())).toBe(false);
  });

  it('names DIGITFUSE_STORAGE, not --storage, when the bad URL came from it', () => {
    const r = digitfuse(['full', '--data', data(), ...quick, '--out', out()], { DIGITFUSE_STORAGE: 'foo' });
    expectOneErrorLine(r, 2, 'error: Expected `DIGITFUSE_STORAGE` to be a postgresql://user@host:port/database URL, found `foo`');
    expect(existsSync(out())).toBe(false);
  });

  it.each([
    ['search', { DIGITFUSE_THREADS: 'abc' }, "error: DIGITFUSE_THREADS must be a whole number from 1 to 256, found 'abc'"],
    ['full', { DIGITFUSE_ISA: 'sse9' }, "error: DIGITFUSE_ISA must be one of "],
    ['full', { DIGITFUSE_NATIVE: 'off' }, "error: DIGITFUSE_NATIVE must be 0 (native kernels off) or 1 (on, the default), found 'off'"],
  ])('%s with %j: one line, exit 1, no run directory (it failed at the search, after the data stage wrote run.json: the same command again was told to --resume)', (command, env, line) => {
    const r = digitfuse([command, '--data', data(), ...quick, '--out', out()], env);
    expectOneErrorLine(r, 1, line);
    expect(existsSync(out())).toBe(false);
  });

  it('refuses a --data folder that does not exist, or is a file, in one line, writing no run (not even under runs/)', () => {
    const runs = join(WORKSPACE, 'runs');
    const before = existsSync(runs) ? readdirSync(runs) : [];
    const missing = join(tmp(), 'no-such-data');
    expectOneErrorLine(digitfuse(['full', '--data', missing, ...quick]), 1, `error: Expected \`--data ${missing}\` to be a folder with the competition's files, found no such folder`);
    expect(existsSync(runs) ? readdirSync(runs) : []).toEqual(before);
    const file = join(tmp(), 'data-file');
    writeFileSync(file, 'x');
    expectOneErrorLine(digitfuse(['search', '--data', file, ...quick, '--out', out()]), 1, `error: Expected \`--data ${file}\` to be a folder with the competition's files, found a file`);
    expect(existsSync(out())).toBe(false);
  });

  it('refuses a --data folder without a training file in one line, before a run directory or a note about its test files', () => {
    const folder = join(tmp(), 'not-competition-data');
    mkdirSync(folder);
    writeFileSync(join(folder, 'mine.txt'), 'x');
    expectOneErrorLine(digitfuse(['full', '--data', folder, ...quick, '--out', out()]), 1, `error: Expected \`x_train_wr.npy\` in \`${folder}\`, found no such file`);
    expect(existsSync(out())).toBe(false);
  });

  it("refuses an --out folder holding other files, leaving them as they were", () => {
    const dir = join(tmp(), 'my-folder');
    mkdirSync(dir);
    writeFileSync(join(dir, 'submission.csv'), 'precious\n');
    const r = digitfuse(['full', '--data', data(), ...quick, '--out', dir]);
    expectOneErrorLine(r, 1, `error: Expected \`--out ${dir}\` to be a new or empty folder, found 1 other file there (submission.csv) and no run.json; choose another --out`);
    expect(readdirSync(dir)).toEqual(['submission.csv']);
    expect(readFileSync(join(dir, 'submission.csv'), 'utf8')).toBe('precious\n');
  });

  it('refuses an --out that cannot be created (a path under a file) in one line naming --out, without a stack trace', () => {
    const file = join(tmp(), 'a-file.txt');
    writeFileSync(file, 'x');
    const r = digitfuse(['full', '--data', data(), ...quick, '--out', join(file, 'sub')]);
    expectOneErrorLine(r, 1, `error: Expected \`--out ${join(file, 'sub')}\` to be a folder that can be created and written, found ENOTDIR (not a directory)`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });

  (existsSync('/proc/self') ? it : it.skip)("refuses an --out under /proc in one line (Node 20's recursive mkdir looped there forever, deaf to SIGTERM)", () => {
    const r = digitfuse(['full', '--data', data(), ...quick, '--out', '/proc/digitfuse-no-such-run']);
    expectOneErrorLine(r, 1, 'error: Expected `--out /proc/digitfuse-no-such-run` to be a folder that can be created and written, found ENOENT (no such file or directory)');
  });
});

describe('digitfuse full / search --out on a full disk', () => {
  const disk = useFullDisk(64);
  it('refuses in one line naming --out and the full disk (not a sentence inside a sentence), leaving no folder', () => {
    const root = disk();
    if (!root) return;
    expect(() => writeFileSync(join(root, 'filler'), Buffer.alloc(1 << 20))).toThrow(/ENOSPC/); // the disk, filled up
    const out = join(root, 'run');
    for (const command of ['full', 'search']) {
      const r = digitfuse([command, '--data', data(), ...quick, '--out', out]);
      expectOneErrorLine(r, 1, `error: Expected \`--out ${out}\` to be a folder that can be created and written, found no space left on the device (ENOSPC) as it wrote run.json`);
      expect(readdirSync(root)).toEqual(['filler']);
    }
  });
});

describe('digitfuse search --study without --storage', () => {
  const run = () => join(tmp(), 'journal-study');
  const journal = () => join(run(), 'search', 'study.jsonl');
  const studies = (): string[] => [...new Set([...readFileSync(journal(), 'utf8').matchAll(/"study":"([^"]+)"/g)].map((m) => m[1]))];
  const note = (name: string) =>
    `note: without --storage, --study ${name} only names the study inside this run's own journal (${journal()}), which no other machine can join; ` +
    'give --storage postgresql://user@host:port/database (or DIGITFUSE_STORAGE) to share a study';

  it("says that it only names the study in the run's own journal", () => {
    const r = digitfuse(['search', '--data', data(), '--out', run(), ...quick, '--study', 'mine']);
    expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, tail: '' });
    expect(r.lines.filter((l) => l.startsWith('note:'))).toEqual([note('mine')]);
    expect(studies()).toEqual(['mine']);
  });

  it('refuses another --study on --resume in one line (the search would start again in an empty study beside the first); the journal is unchanged', () => {
    const before = readFileSync(journal(), 'utf8');
    const r = digitfuse(['search', '--resume', run(), '--trials', '2', '--study', 'other']);
    expectOneErrorLine(
      r,
      2,
      `error: Expected \`--study other\` to name the study of ${run()}, \`mine\` in its journal (${journal()}), found another name, ` +
        'which would start an empty study beside it; drop --study, or give --storage to move the run to a shared study',
    );
    expect(readFileSync(journal(), 'utf8')).toBe(before);
  });

  it('goes on with the same --study, and says again what it names', () => {
    const r = digitfuse(['search', '--resume', run(), '--trials', '2', '--study', 'mine']);
    expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, tail: '' });
    expect(r.lines.filter((l) => l.startsWith('note:'))).toEqual([note('mine')]);
    expect(studies()).toEqual(['mine']);
    expect(readFileSync(journal(), 'utf8').match(/"state":"(COMPLETE|PRUNED)"/g)).toHaveLength(2);
  });
});

/** A copy of the data folder (without its demo.json: not the built-in demo any more) as `name`, for a test to change one of its files. */
function dataCopy(name: string): string {
  const dir = join(tmp(), name);
  mkdirSync(dir);
  for (const f of readdirSync(data())) writeFileSync(join(dir, f), readFileSync(join(data(), f)));
  rmSync(join(dir, 'demo.json'));
  return dir;
}

describe('digitfuse full on test audio offset like another recording chain (mean |z| about 8)', () => {
  it('goes on with one warning line for the default fusion, which falls back on its image expert (and `predict` alone then writes the same submission); --fusion concat, which relies on the audio, refuses; --modality image judges no audio', () => {
    const offset = dataCopy('offset');
    // Every test feature moved by 8 of its training standard deviations (a test file scaled on its own range gave 7.8).
    const train = readNpy(join(offset, 'x_train_sp.npy'));
    const test = readNpy(join(offset, 'x_test_sp.npy'));
    const [n, d] = train.shape;
    const std = Array.from({ length: d }, (_, j) => {
      let sum = 0;
      let sq = 0;
      for (let i = 0; i < n; i++) {
        sum += train.data[i * d + j];
        sq += train.data[i * d + j] ** 2;
      }
      return Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2));
    });
    writeNpy(join(offset, 'x_test_sp.npy'), (test.data as Float32Array).map((v, k) => v + 8 * std[k % d]), test.shape);
    const file = join(offset, 'x_test_sp.npy');
    const audioLines = (r: ReturnType<typeof digitfuse>) => r.lines.filter((l) => l.includes('training audio'));
    const robust = digitfuse(['full', '--data', offset, '--out', join(tmp(), 'offset-robust'), ...quick]);
    expect({ status: robust.status, tail: robust.status === 0 ? '' : robust.stderr.slice(-2000) }).toEqual({ status: 0, tail: '' });
    expect(audioLines(robust)).toEqual([
      expect.stringMatching(
        new RegExp(`^    warning: the audio of the test rows \\(\`${file}\`\\) differs from the training audio: mean \\|z\\| \\d+\\.\\d+ .*; a robust or attention model, adapted to these rows, leaves the prediction to its image expert where this audio disagrees with it`),
      ),
    ]);
    // Predicting again alone with the run's model: the same test rows, so the weights adapted to them are kept and the submission is the run's.
    const again = join(tmp(), 'offset-again.csv');
    const predicted = digitfuse(['predict', '--model', join(tmp(), 'offset-robust', 'model'), '--data', offset, '--out', again, '--backend', 'wasm']);
    expect({ status: predicted.status, adapted: predicted.lines.filter((l) => l.includes('adapted to these test rows')) }).toEqual({ status: 0, adapted: [] });
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(join(tmp(), 'offset-robust', 'submission.csv'), 'utf8'));
    const concat = digitfuse(['full', '--data', offset, '--out', join(tmp(), 'offset-concat'), '--fusion', 'concat', ...quick]);
    expect({ status: concat.status, lines: audioLines(concat) }).toEqual({
      status: 1,
      lines: [expect.stringMatching(new RegExp(`^error: Refusing to go on: the audio of the test rows \\(\`${file}\`\\) is far from the training audio: .*--allow-shift to go on anyway\\)$`))],
    });
    const image = digitfuse(['full', '--data', offset, '--out', join(tmp(), 'offset-image'), '--modality', 'image', ...quick]);
    expect({ status: image.status, lines: audioLines(image), tail: image.status === 0 ? '' : image.stderr.slice(-2000) }).toEqual({ status: 0, lines: [], tail: '' });
  });
});

describe('digitfuse full on test audio x1000', () => {
  it('refuses in one line naming the audio file (no warning line repeating it), and goes on with --allow-shift on --resume', () => {
    const loud = dataCopy('loud');
    const audio = readNpy(join(loud, 'x_test_sp.npy'));
    writeNpy(join(loud, 'x_test_sp.npy'), (audio.data as Float32Array).map((v) => v * 1000), audio.shape);
    const run = join(tmp(), 'loud-run');
    const r = digitfuse(['full', '--data', loud, '--out', run, ...quick]);
    const file = join(loud, 'x_test_sp.npy');
    expect({ status: r.status, lines: r.lines.filter((l) => l.includes('training audio')) }).toEqual({
      status: 1,
      lines: [expect.stringMatching(new RegExp(`^error: Refusing to go on: the audio of the test rows \\(\`${file}\`\\) is far from the training audio: .*--allow-shift to go on anyway\\)$`))],
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const forced = digitfuse(['full', '--resume', run, '--allow-shift']);
    expect({ status: forced.status, tail: forced.status === 0 ? '' : forced.stderr.slice(-2000) }).toEqual({ status: 0, tail: '' });
    expect(forced.lines.filter((l) => l.includes('training audio'))).toEqual([
      expect.stringMatching(new RegExp(`^    warning: the audio of the test rows \\(\`${file}\`\\) is far from the training audio: `)),
    ]);
  });
});

describe('digitfuse full on two training rows', () => {
  it('refuses at the data stage in one line: the 80/20 split holds out no row to rank trials on (each trial scored 0 of 0 and the run went on)', async () => {
    const few = join(tmp(), 'two-rows');
    await buildDemoDataset(few, { train: 2, test: 2, seed: 1 });
    const run = join(tmp(), 'two-rows-run');
    const r = digitfuse(['full', '--data', few, '--out', run, ...quick]);
    expect({ status: r.status, errors: r.lines.filter((l) => l.startsWith('error:')) }).toEqual({
      status: 1,
      errors: [
        `error: Expected the training files in ${few} to leave validation rows, on which the search ranks its trials, found 2 training rows, ` +
          'of which the 20% grouped validation split holds out none (it moves whole groups of identical audio); give more training rows',
      ],
    });
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(run, 'search'))).toBe(false);
  });
});

describe('digitfuse search: a pruned trial', () => {
  const run = () => join(tmp(), 'pruned');
  let r: ReturnType<typeof digitfuse>;

  it('says so in a line naming the epoch, its val_acc and the pruner (the epoch has no line of its own)', () => {
    // Seed 1 prunes at least one of the 4 trials (the same seed gives the same run).
    r = digitfuse(['search', '--data', data(), '--out', run(), '--trials', '4', '--epochs', '3', '--pruner', 'hyperband', '--seed', '1', '--backend', 'wasm']);
    expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, tail: '' });
    // Each PRUNED trial of the journal, with the last epoch it reported and that epoch's val_acc.
    const ops = readFileSync(join(run(), 'search', 'study.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { op: string; number: number; state?: string; step?: number; value?: number });
    const pruned = ops.filter((o) => o.op === 'finish' && o.state === 'PRUNED').map((o) => o.number);
    expect(pruned.length).toBeGreaterThan(0);
    const expected = pruned.map((n) => {
      const last = ops.filter((o) => o.op === 'report' && o.number === n).pop()!;
      return `  trial ${n}: pruned after epoch ${last.step} (val_acc ${(last.value as number).toFixed(4)}) by the hyperband pruner`;
    });
    expect(r.lines.filter((l) => / pruned after /.test(l))).toEqual(expected);
    // None after its last epoch, which saves nothing ("pruned after epoch 3" with --epochs 3).
    expect(expected.filter((l) => l.includes('pruned after epoch 3 '))).toEqual([]);
  });

  it("says in trials.csv and trials.md that its value is the validation accuracy it reported after its last epoch, not a finished trial's objective", () => {
    const csv = readFileSync(join(run(), 'search', 'trials.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const [number, state, value, from] = ['number', 'state', 'value', 'value from'].map((c) => csv[0].indexOf(c));
    expect(from).toBe(value + 1);
    const rows = csv.slice(1);
    const said = new Map(r.lines.map((l) => / {2}trial (\d+): pruned after epoch (\d+) \(val_acc ([\d.]+)\)/.exec(l)).filter((m) => m !== null).map((m) => [m[1], m]));
    expect(rows.filter((row) => row[state] === 'PRUNED').map((row) => row[number])).toEqual([...said.keys()]);
    for (const row of rows) {
      const m = said.get(row[number]);
      // A robust-fusion run's trials report their fused head's validation accuracy; a finished trial's value is the objective's.
      expect([row[state], row[from]]).toEqual(m ? ['PRUNED', `fused-head validation accuracy after epoch ${m[2]}`] : ['COMPLETE', 'objective']);
      if (m) expect(Number(row[value]).toFixed(4)).toBe(m[3]);
    }
    expect(readFileSync(join(run(), 'search', 'trials.md'), 'utf8')).toContain('| value from |');
  });

  it("gives on each finished trial's line the whole trial's time, as trials.csv's seconds does (it gave the training's alone)", () => {
    const csv = readFileSync(join(run(), 'search', 'trials.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const seconds = new Map(csv.slice(1).map((row) => [row[0], Number(row[csv[0].indexOf('seconds')])]));
    const lines = r.lines.map((l) => /^ {2}trial (\d+): value [\d.]+ .* \(([\d.]+)s\)$/.exec(l)).filter((m) => m !== null);
    expect(lines.length).toBeGreaterThan(0);
    // The line is printed just before the trial is recorded as finished: the same to a tenth of a second (each
    // rounded), give or take the recording. The training alone was 0.2-0.6s shorter here: its setup, validation
    // passes, calibration and saving were left out.
    for (const m of lines) expect(Math.abs(Number(m[2]) - (seconds.get(m[1]) as number))).toBeLessThanOrEqual(0.2);
  });
});

describe('the default output folders of full / search and robustness', () => {
  it('are in the workspace\'s runs/ whatever the current folder (a run from ~/x went to ~/x/runs/, the figures to <workspace>/runs/), and --help says so', () => {
    const elsewhere = join(tmp(), 'elsewhere');
    mkdirSync(elsewhere);
    const r = digitfuse(['search', '--data', data(), ...quick, '--seed', '3'], {}, elsewhere);
    const dir = /^run directory: (.+)$/m.exec(r.stderr)?.[1];
    try {
      expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-2000) }).toEqual({ status: 0, tail: '' });
      expect(dirname(dir as string)).toBe(join(WORKSPACE, 'runs'));
      expect(basename(dir as string)).toMatch(/^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d$/);
      expect(existsSync(join(dir as string, 'search', 'trials.csv'))).toBe(true);
      expect(readdirSync(elsewhere)).toEqual([]);
    } finally {
      if (dir !== undefined && dir.startsWith(join(WORKSPACE, 'runs'))) rmSync(dir, { recursive: true, force: true });
    }
    const help = (command: string) => digitfuse([command, '--help']).stdout.replace(/\s+/g, ' ');
    expect(help('search')).toContain('(default: <workspace>/runs/<timestamp>)');
    expect(help('robustness')).toContain('[default: <workspace>/runs/pipeline-robustness]');
  });
});

describe('digitfuse full / search --help', () => {
  it.each(['full', 'search'])('%s --help lists every registered fusion and says a bare --budget number is minutes', (command) => {
    const r = digitfuse([command, '--help']);
    expect(r.status).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const f of FUSIONS) expect(help).toContain(`${f}: ${fusionStrategy(f).description}`);
    expect(help).toContain('a bare number is minutes: 10 = 10m');
    expect(help).toMatch(/--resume .*only --trials, --budget, --workers, --backend, --report, --allow-shift, --storage, --study, --ensemble, --tta/);
  });
});

describe('digitfuse report: its own flags', () => {
  const max = 2147483647;
  it.each([
    [['--seed', '-1'], `error: Expected --seed to be an integer from 0 to ${max}, found -1`],
    [['--seed', '1.5'], `error: Expected --seed to be an integer from 0 to ${max}, found 1.5`],
  ])('report %j: one usage line, exit 2', (args, line) => {
    expectOneErrorLine(digitfuse(['report', '--run', join(tmp(), 'absent'), ...args]), 2, line);
  });

  it("names a run's data folder that is gone as its run.json's, not as a --data the user never typed, in one line", () => {
    const moved = join(tmp(), 'moved-data');
    const orphan = join(tmp(), 'orphan-run');
    mkdirSync(orphan);
    writeFileSync(join(orphan, 'run.json'), JSON.stringify({ version: 1, createdAt: '2026-12-03T00:00:00.000Z', options: { data: moved, seed: 1, trials: 1, epochs: 1 }, stages: {} }));
    const r = digitfuse(['report', '--run', orphan]);
    expectOneErrorLine(
      r,
      1,
      `error: Expected the run's data folder \`${moved}\` (its run.json; the report draws its maps from those rows: put them back there) to be a folder with the competition's files, found no such folder`,
    );
    expect(existsSync(join(orphan, 'report'))).toBe(false);
  });

  it('reports a run whose data stage never finished with its data figures, counted as written, and says what is missing', () => {
    const early = join(tmp(), 'stopped-early');
    mkdirSync(early);
    writeFileSync(join(early, 'run.json'), JSON.stringify({ version: 1, createdAt: '2026-12-03T00:00:00.000Z', options: { data: data(), seed: 1, trials: 1, epochs: 1 }, stages: {} }));
    const r = digitfuse(['report', '--run', early]);
    expect(r.status).toBe(0);
    expect(r.lines).toContain(`    note: This run has not run its evaluate stage yet (finished: none): \`digitfuse full --resume ${early}\` runs the stages left and writes the report again.`);
    expect(r.lines).toContain(`    wrote ${join(early, 'report', 'report.html')} and 2 figures`);
    expect(readdirSync(join(early, 'report')).filter((f) => f.endsWith('.png')).sort()).toEqual(['digits-grid.png', 'mfcc-per-digit.png']);
  });

  it('refuses to resume or report a run whose run.json options were edited to values no flag takes (a stack trace, or a run of -1 trials), in one line naming the field', () => {
    const edited = join(tmp(), 'edited');
    mkdirSync(edited);
    const state = join(edited, 'run.json');
    for (const [options, line] of [
      [{ split: 'x' }, `error: Expected ${state} to hold \`options.split\` (one of grouped, stratified), found string "x"`],
      [{ trials: -1 }, `error: Expected ${state} to hold \`options.trials\` (an integer from 1 to 10000), found number -1`],
    ] as const) {
      writeFileSync(state, JSON.stringify({ version: 1, options: { data: data(), seed: 1, trials: 1, epochs: 1, ...options }, stages: {} }));
      expectOneErrorLine(digitfuse(['full', '--resume', edited]), 1, line);
      expectOneErrorLine(digitfuse(['report', '--run', edited]), 1, line);
    }
  });

  it('names --run (not --resume), and whether the folder is missing or holds no run', () => {
    const absent = join(tmp(), 'absent');
    expectOneErrorLine(digitfuse(['report', '--run', absent]), 1, `error: Expected \`--run ${absent}\` to be a run directory with run.json, found no such folder`);
    const empty = join(tmp(), 'empty');
    mkdirSync(empty);
    expectOneErrorLine(digitfuse(['report', '--run', empty]), 1, `error: Expected \`--run ${empty}\` to be a run directory with run.json, found none at ${join(empty, 'run.json')}`);
  });
});

describe('a --no-report run with --ensemble 3 and one trial, resumed', () => {
  const run = () => join(tmp(), 'run');
  const state = () => readFileSync(join(run(), 'run.json'), 'utf8');

  it('runs in an empty --out folder, says the ensemble has fewer models than asked, and names no report it did not write', () => {
    mkdirSync(run());
    const r = digitfuse(['full', '--data', data(), ...quick, '--seed', '5', '--ensemble', '3', '--out', run()]);
    expect(r.status).toBe(0);
    expect(r.lines.filter((l) => l.includes('--ensemble'))).toEqual([
      '    note: --ensemble 3 asked for 3 models, but only 1 finished trial could be used: the submission averages 1 model',
    ]);
    expect(existsSync(join(run(), 'report'))).toBe(false);
    expect(r.stderr).not.toContain(join('report', 'report.html'));
    expect(r.lines[r.lines.length - 1]).toBe(`summary: ${join(run(), 'summary.md')}   report: none (--no-report; \`digitfuse report --run ${run()}\` writes it)`);
  });

  it('refuses flags that would change the finished run, in one line naming them and the run\'s values; run.json is unchanged', () => {
    const before = state();
    const r = digitfuse(['full', '--resume', run(), '--seed', '7', '--epochs', '5', '--fusion', 'concat', '--no-report']);
    expectOneErrorLine(
      r,
      2,
      `error: Expected the flags given with \`--resume ${run()}\` to keep the run's settings, found --seed 7 (the run has --seed 5), --epochs 5 (the run has --epochs 1), --fusion concat (the run has --fusion robust); only --trials, --budget, --workers, --backend, --report, --allow-shift, --storage, --study, --ensemble, --tta and --data may be given on resume`,
    );
    expect(state()).toBe(before);
  });

  it("refuses a run directory it may not write in (another user's) in one line, before `resuming ...`; run.json is unchanged", () => {
    if (process.getuid?.() !== 0) return; // (as another user than the run's owner: `nobody`, which needs root to become)
    const before = state();
    chmodSync(tmp(), 0o755); // (the other user may look into the folders, not write in the run's)
    for (const command of ['full', 'search']) {
      const r = runScriptUnprivileged('apps/cli/src/main.ts', [command, '--resume', run(), '--trials', '2']);
      expectOneErrorLine(
        { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.split('\n').filter((l) => l.trim() !== '') },
        1,
        `error: Expected \`--resume ${run()}\` to be a run directory this process can write in, found permission denied (EACCES)`,
      );
    }
    expect(state()).toBe(before);
  });

  it('accepts the run\'s own values and the flags a resume takes (--workers), with everything already done', () => {
    const r = digitfuse(['full', '--resume', run(), '--seed', '5', '--epochs', '1', '--workers', '1', '--no-report']);
    expect(r.status).toBe(0);
    expect(r.stderr.match(/already done in this run, skipped/g)).toHaveLength(7);
    expect(existsSync(join(run(), 'report'))).toBe(false);
  });

  it('writes the skipped report when resumed without --no-report, and names it', () => {
    const r = digitfuse(['full', '--resume', run()]);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('[7/7] report: summary, figures and report.html\n');
    expect(r.stderr.match(/already done in this run, skipped/g)).toHaveLength(6);
    expect(existsSync(join(run(), 'report', 'report.html'))).toBe(true);
    expect(r.lines[r.lines.length - 1]).toBe(`report: ${join(run(), 'report', 'report.html')}   summary: ${join(run(), 'summary.md')}`);
    // The figures counted once, as many as lie in report/ (it said "wrote 16 figures, ..." then "report.html and 18 figures").
    const pngs = readdirSync(join(run(), 'report')).filter((f) => f.endsWith('.png')).length;
    expect(r.lines.filter((line) => /\d+ figures?\b/.test(line))).toEqual([`    wrote ${join(run(), 'report', 'report.html')} and ${pngs} figures`]);
  });

  it('digitfuse report --run regenerates it', () => {
    const html = join(run(), 'report', 'report.html');
    writeFileSync(html, 'stale');
    const r = digitfuse(['report', '--run', run(), '--seed', '3']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/report regenerated in [\d.]+s/);
    expect(readFileSync(html, 'utf8')).toContain('data:image/png;base64,');
  });

  it('runs a finished stage again, with the stages after it, when its files were deleted, and says so in one line', () => {
    rmSync(join(run(), 'model'), { recursive: true });
    rmSync(join(run(), 'submission.csv'));
    const r = digitfuse(['full', '--resume', run(), '--no-report']);
    expect(r.status).toBe(0);
    expect(r.lines[0]).toBe(`retrain: recorded as finished, but ${join(run(), 'model', 'model.json')} is missing: retrain, predict, validate, evaluate, report run again`);
    expect(r.lines[1]).toBe(`resuming ${run()} (finished stages: data, search)`);
    expect(r.stderr.match(/already done in this run, skipped/g)).toHaveLength(2);
    expect(readdirSync(join(run(), 'model')).sort()).toEqual(['meta.json', 'model.json', 'weights.bin']);
    expect(r.lines).toContain(`finished in ${/finished in (\d+)s/.exec(r.stderr)?.[1]}s: ${join(run(), 'submission.csv')}`);
    expect(readFileSync(join(run(), 'submission.csv'), 'utf8').split('\n')[0]).toBe('row_id,label');
  });
});

describe('a finished run whose search goes on with a larger --trials', () => {
  const out = () => join(tmp(), 'searched-on');
  const submission = () => join(out(), 'submission.csv');

  it('search names the command that runs the stages left, and the submission.csv there as the earlier one', () => {
    expect(digitfuse(['full', '--data', data(), ...quick, '--out', out()]).status).toBe(0);
    const r = digitfuse(['search', '--resume', out(), '--trials', '2']);
    expect(r.status).toBe(0);
    expect(r.lines.slice(-2)).toEqual([
      `search results: ${join(out(), 'search')} (trials.md, trials.csv, best.json)`,
      `next: \`digitfuse full --resume ${out()}\` retrains the chosen configuration, predicts, validates, evaluates and reports (until then, ${submission()} there is the run's earlier submission)`,
    ]);
    // run.json keeps the backend as the `backend:` line names it, kernels included (the summary's row).
    const said = /^backend: (.+) — /m.exec(r.stderr)?.[1];
    expect(said).toMatch(/^wasm \(.+\)/);
    expect((JSON.parse(readFileSync(join(out(), 'run.json'), 'utf8')) as { backend: string }).backend).toBe(said);
  });

  it("report --run takes neither that submission.csv nor the earlier search's evaluation.json for the run's", () => {
    // evaluation.json of the earlier search is still there, of a best trial whose model the search may have replaced.
    expect(existsSync(join(out(), 'evaluation.json'))).toBe(true);
    const r = digitfuse(['report', '--run', out()]);
    expect(r.status).toBe(0);
    expect(r.lines).toContain(`    note: This run has not run its evaluate stage yet (finished: data, search): \`digitfuse full --resume ${out()}\` runs the stages left and writes the report again.`);
    const summary = JSON.parse(readFileSync(join(out(), 'summary.json'), 'utf8')) as Record<string, unknown>;
    expect(summary.submission).toBe(
      `none yet (${submission()} is from before the run's search went on or its later stages were redone; \`digitfuse full --resume ${out()}\` writes the current one)`,
    );
    expect(summary).not.toHaveProperty('submitted predictions');
    expect(summary).not.toHaveProperty('fusion weights (fused, image, audio)');
    // The backend as the `backend:` line named it (the summary said `wasm`, not which kernels ran).
    expect(summary.backend).toBe((JSON.parse(readFileSync(join(out(), 'run.json'), 'utf8')) as { backend: string }).backend);
  });

  it("full --resume names the chosen trial's model when it was deleted, in one line before retraining (not its meta.json's ENOENT)", () => {
    const { number } = JSON.parse(readFileSync(join(out(), 'search', 'best.json'), 'utf8')) as { number: number };
    const trialDir = join(out(), 'search', 'models', `trial-${String(number).padStart(4, '0')}`);
    rmSync(trialDir, { recursive: true });
    const r = digitfuse(['full', '--resume', out(), '--no-report']);
    expect(r.status).toBe(1);
    expect(r.lines[r.lines.length - 1]).toBe(
      `error: Expected the model of trial ${number}, which the search kept for the stages after it, in ${trialDir}, found no such folder (deleted or moved?); put it back, or start a new run with --out`,
    );
    expect(r.stderr).not.toMatch(/\n\s+at |^epoch/m);
    expect((JSON.parse(readFileSync(join(out(), 'run.json'), 'utf8')) as RunState<unknown>).stages).not.toHaveProperty('retrain');
  });

  it('report --run names a stage file that is not JSON (cut short) in one line, without a stack trace', () => {
    const searchJson = join(out(), 'search', 'search.json');
    writeFileSync(searchJson, '{"bestTrial": 0, "tri');
    const r = digitfuse(['report', '--run', out()]);
    expect(r.status).toBe(1);
    const last = r.lines[r.lines.length - 1];
    const head = `error: Expected the search results at ${searchJson} to be JSON, found text that is not JSON (`;
    const tail = '); delete it, and `digitfuse full --resume` of the run writes it again';
    expect([last.slice(0, head.length), last.slice(-tail.length)]).toEqual([head, tail]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a run whose data folder changed after its search', () => {
  it('is refused on --resume in one line naming the folder, and left as it was', async () => {
    const own = join(tmp(), 'changing-data');
    await buildDemoDataset(own, { train: 240, test: 40, seed: 3 });
    const out = join(tmp(), 'changing-run');
    expect(digitfuse(['search', '--data', own, ...quick, '--out', out]).status).toBe(0);
    const before = readFileSync(join(out, 'run.json'), 'utf8');
    await buildDemoDataset(own, { train: 240, test: 40, seed: 4 });
    const r = digitfuse(['full', '--resume', out]);
    expectOneErrorLine(
      r,
      1,
      `error: Expected ${own}, the run's data, to hold the files its data stage read, found different files (changed since); put those files back (or give \`--data\` a folder holding them), or start a new run with --out for new data`,
    );
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(before);
    expect(existsSync(join(out, 'model'))).toBe(false);
  });
});

describe('a run given --data as a relative path', () => {
  it('keeps the folder absolute in run.json, so that a resume from another directory reads the same data', () => {
    const out = join(tmp(), 'relative-data-run');
    // From the folder holding `data`, as typed there.
    expect(digitfuse(['search', '--data', 'data', ...quick, '--out', out], {}, tmp()).status).toBe(0);
    expect((JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunState<{ data: string }>).options.data).toBe(data());
    // From the workspace root, where `data` is no folder (or another one).
    const r = digitfuse(['full', '--resume', out, '--no-report']);
    expect(r.stderr).not.toContain('error:');
    expect(r.status).toBe(0);
    expect(existsSync(join(out, 'submission.csv'))).toBe(true);
  });
});

describe('the largest --seed', () => {
  it('offsetSeed() wraps a trial\'s or a member\'s seed into [0, 2^31 - 1] and leaves smaller ones as they were', () => {
    expect(offsetSeed(42, 1000)).toBe(1042);
    expect(offsetSeed(2147483647, 0)).toBe(2147483647);
    expect(offsetSeed(2147483647, 1)).toBe(0);
    expect(offsetSeed(2147483647, 1001)).toBe(1000);
  });

  it("runs a whole pipeline with --seed 2147483647 (the second trial's and the retraining's seeds wrap)", () => {
    const out = join(tmp(), 'max-seed');
    const args = ['--epochs', '1', '--search-rows', '500', '--backend', 'wasm', '--no-report', '--pruner', 'none'];
    const r = digitfuse(['full', '--data', data(), ...args, '--trials', '2', '--seed', '2147483647', '--out', out]);
    expect(r.stderr).not.toContain('error:');
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).options.seed).toBe(2147483647);
    expect(existsSync(join(out, 'submission.csv'))).toBe(true);
  });
});

describe('a run that another process is running', () => {
  it('is refused on --resume, naming the process and its active.json, and left as it was', async () => {
    const out = join(tmp(), 'busy');
    expect(digitfuse(['search', '--data', data(), '--out', out, ...quick]).status).toBe(0);
    expect(existsSync(join(out, ACTIVE_JSON))).toBe(false); // the search gave the run up as it ended
    const state = readFileSync(join(out, 'run.json'), 'utf8');
    // Another search of this run, still alive on this machine.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' });
    await new Promise((ok) => other.once('spawn', ok));
    try {
      writeFileSync(join(out, ACTIVE_JSON), JSON.stringify({ pid: other.pid, host: hostname(), since: '2026-12-02T10:00:00.000Z' }));
      const r = digitfuse(['full', '--resume', out, ...quick]);
      // One line: nothing said before it (it was `resuming ... (finished stages: ...)` first).
      expectOneErrorLine(
        r,
        1,
        `error: Expected no other process to be running ${out}, found process ${other.pid} at it since 2026-12-02T10:00:00.000Z; ` +
          `wait for it to end, or stop it (if no digitfuse runs there, delete ${join(out, ACTIVE_JSON)})`,
      );
      expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(state);
      expect(existsSync(join(out, 'model'))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
  });
});

describe('the same command started twice on one --out', () => {
  it("refuses the second in one line naming the first one's process, before it writes anything (it rewrote the first one's run.json); also one on another machine, which it took over", async () => {
    const out = join(tmp(), 'twice');
    // What the first process has written as it starts: its run.json (no stage finished yet) and active.json.
    const first = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' });
    await new Promise((ok) => first.once('spawn', ok));
    const state = JSON.stringify({ version: 1, createdAt: '2026-12-02T10:00:00.000Z', options: { out, trials: 7 }, stages: {} });
    try {
      mkdirSync(out);
      writeFileSync(join(out, 'run.json'), state);
      writeFileSync(join(out, ACTIVE_JSON), JSON.stringify({ pid: first.pid, host: hostname(), since: '2026-12-02T10:00:00.000Z' }));
      for (const command of ['full', 'search']) {
        const r = digitfuse([command, '--data', data(), ...quick, '--out', out]);
        expectOneErrorLine(
          r,
          1,
          `error: Expected no other process to be running ${out}, found process ${first.pid} at it since 2026-12-02T10:00:00.000Z; ` +
            `wait for it to end, or stop it (if no digitfuse runs there, delete ${join(out, ACTIVE_JSON)})`,
        );
        expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(state);
        expect(readdirSync(out).sort()).toEqual([ACTIVE_JSON, 'run.json']);
      }
      // The first on another machine (a shared disk): it cannot be looked at, and is not taken over by a new run.
      writeFileSync(join(out, ACTIVE_JSON), JSON.stringify({ pid: 4242, host: 'other-host', since: '2026-12-02T10:00:00.000Z' }));
      const r = digitfuse(['search', '--data', data(), ...quick, '--out', out]);
      expectOneErrorLine(r, 1, `error: Expected \`--out ${out}\` to be a new run directory, found process 4242 on other-host running a run there since 2026-12-02T10:00:00.000Z; choose another --out`);
      expect(readFileSync(join(out, 'run.json'), 'utf8')).toBe(state);
    } finally {
      first.kill('SIGKILL');
    }
  });
});

describe('digitfuse full --modality image', () => {
  it('trains no modality ablation (its model is the image-only one), records its own model as image-only, its trial lines show no shifted audio, and its report maps the embeddings it has', () => {
    const out = join(tmp(), 'image-only');
    const r = digitfuse(['full', '--data', data(), '--out', out, '--modality', 'image', ...quick.filter((a) => a !== '--no-report')]);
    expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(r.lines).toContain('    modality ablation: none (an image-only run: its model is the image-only one)');
    expect(r.stderr).not.toMatch(/(image|audio)-only model: the best configuration/);
    // Its trial lines give its validation accuracy alone: it hears no audio to shift.
    expect(r.stderr).toMatch(/^ {2}trial 0: value 0\.\d{4} \(validation: \d+\.\d+%\) at epoch 1 /m);
    expect(r.stderr).not.toContain('shifted audio');
    const evaluation = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8')) as { ablation: { modality: string; note?: string }[] };
    expect(evaluation.ablation.map((a) => [a.modality, a.note])).toEqual([['image', 'best trial']]);
    // Its report had no t-SNE / K-means at all ("No embeddings were given"): the image and dense layers are mapped.
    expect(readdirSync(join(out, 'report')).filter((f) => f.startsWith('tsne-kmeans-')).sort()).toEqual(['tsne-kmeans-fused.png', 'tsne-kmeans-image.png']);
    expect(readFileSync(join(out, 'report', 'report.md'), 'utf8')).toContain('audio: none (an image-only model has no audio branch).');
  });
});

/**
 * The user's binary, in a process group of its own (a terminal's Ctrl-C reaches every process of the
 * command): what it has written so far, and how it ended.
 */
function startUserBinary(args: readonly string[]): { child: ChildProcess; output: () => string; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(join(WORKSPACE, 'apps/cli/bin/digitfuse'), args, {
    cwd: WORKSPACE,
    env: { ...process.env, DEBUG: '', DIGITFUSE_DEBUG: '', DIGITFUSE_STORAGE: '' },
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d));
  child.stderr?.on('data', (d: Buffer) => (output += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, done };
}

describe('a run stopped with Ctrl-C', () => {
  it('says which command goes on from there, gives the run up, and ends as the signal ends it; resumed, its search gets what is left of its budget', async () => {
    const out = join(tmp(), 'stopped');
    const args = ['full', '--data', data(), '--out', out, '--trials', '3', '--epochs', '3', '--search-rows', '200', '--backend', 'wasm', '--budget', '2m'];
    const { child, output: written, done } = startUserBinary(args);
    for (let t0 = Date.now(); !/^epoch 1\/3/m.test(written()); await new Promise((r) => setTimeout(r, 50))) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no epoch line: ${written().slice(-3000)}`);
    }
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await done).toEqual({ code: null, signal: 'SIGINT' });
    const output = written();
    // The last line: nothing (an epoch line of the trial under way) after it.
    expect(output.slice(output.lastIndexOf('\nstopped'))).toBe(`\nstopped (Ctrl-C): \`digitfuse full --resume ${out}\` goes on from here; the stages and trials finished so far are kept\n`);
    expect(output).not.toMatch(/^error:|\n\s+at /m);
    expect(existsSync(join(out, ACTIVE_JSON))).toBe(false);
    // The search's time so far is kept with its trials, for the summary's time once a resume ends it,
    // and so is what it used of its budget.
    const state = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunState<unknown>;
    expect(Object.keys(state.stages)).toEqual(['data']);
    expect(state.spent?.search).toBeGreaterThan(0);
    expect(state.budgetUsed).toBeGreaterThan(0);
    expect(state.budgetUsed).toBeLessThanOrEqual(state.spent?.search ?? 0);
    const resumed = digitfuse(['search', '--resume', out]);
    expect({ status: resumed.status, tail: resumed.status === 0 ? '' : resumed.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    // What was used depends on how long the first epoch took to start (a loaded machine: over a minute).
    const budget = /, budget 2m00s \(((?:\d+m)?\d\d?s) of it used before the resume: ((?:\d+m)?\d\d?s) left\)/.exec(resumed.stderr);
    expect({ budget: budget !== null, stderr: budget ? '' : resumed.stderr.slice(-2000) }).toEqual({ budget: true, stderr: '' });
    const [used, left] = [parseDuration(budget?.[1] ?? '') / 1000, parseDuration(budget?.[2] ?? '') / 1000];
    expect(used).toBeGreaterThan(0);
    expect(used + left).toBeGreaterThanOrEqual(119);
    expect(used + left).toBeLessThanOrEqual(121);
    const after = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunState<unknown>;
    expect(after.budgetUsed).toBeUndefined();
    expect(after.spent).toBeUndefined();
    expect(after.stages.search.earlierSeconds).toBe(state.spent?.search);
  });
});

describe('a search stopped by SIGINT sent to its binary alone (`kill -INT PID`, a supervisor)', () => {
  it('stops as on a Ctrl-C: its trial marked FAIL, the closing line, ended by SIGINT (the binary did not pass SIGINT on: the run went on to its end)', async () => {
    const out = join(tmp(), 'stopped-int-alone');
    const args = ['search', '--data', data(), '--out', out, '--trials', '3', '--epochs', '3', '--search-rows', '200', '--backend', 'wasm', '--no-report'];
    const { child, output, done } = startUserBinary(args);
    for (let t0 = Date.now(); !/^epoch 1\/3/m.test(output()); await new Promise((r) => setTimeout(r, 20))) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no epoch line: ${output().slice(-3000)}`);
    }
    process.kill(child.pid as number, 'SIGINT');
    expect(await done).toEqual({ code: null, signal: 'SIGINT' });
    const written = output();
    expect(written).toMatch(/^ +warning: Study `[^`]+`: trial 0 marked FAIL \(its process \(\d+ on [^)]+\) was stopped \(Ctrl-C\) while the trial was running\)/m);
    expect(written.slice(written.lastIndexOf('\nstopped'))).toBe(`\nstopped (Ctrl-C): \`digitfuse search --resume ${out}\` goes on from here; the stages and trials finished so far are kept\n`);
  });
});

describe('a run stopped by SIGTERM sent to its binary alone (`kill PID`, `timeout`) while it retrains', () => {
  it('stops the process beside the retraining too, before its last line (it trained and printed on after it)', async () => {
    const out = join(tmp(), 'stopped-beside');
    const args = ['full', '--data', data(), '--out', out, '--trials', '1', '--epochs', '2', '--search-rows', '200', '--backend', 'wasm'];
    const { child, output, done } = startUserBinary(args);
    let beside = /beside the retraining, process (\d+) /.exec(output());
    for (let t0 = Date.now(); beside === null; await new Promise((r) => setTimeout(r, 20)), beside = /beside the retraining, process (\d+) /.exec(output())) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no beside line: ${output().slice(-3000)}`);
    }
    process.kill(child.pid as number, 'SIGTERM');
    expect(await done).toEqual({ code: null, signal: 'SIGTERM' });
    const written = output();
    expect(written.slice(written.lastIndexOf('\nstopped'))).toBe(`\nstopped (SIGTERM): \`digitfuse full --resume ${out}\` goes on from here; the stages and trials finished so far are kept\n`);
    expect(processAlive(Number(beside[1]))).toBe(false);
  });
});

describe('a --workers search stopped by SIGTERM sent to its binary alone (`kill PID`, `timeout`)', () => {
  it("has its workers mark their trials FAIL before the main process's last line (they heard of the stop only once it was gone, 3-5 s after that line)", async () => {
    const out = join(tmp(), 'stopped-workers');
    const args = ['search', '--data', data(), '--out', out, '--trials', '50', '--workers', '2', '--epochs', '3', '--search-rows', '200', '--backend', 'wasm', '--no-report'];
    const { child, output, done } = startUserBinary(args);
    for (let t0 = Date.now(); !/^\[worker 2\] +trial \d+: img/m.test(output()); await new Promise((r) => setTimeout(r, 20))) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no worker trial: ${output().slice(-3000)}`);
    }
    process.kill(child.pid as number, 'SIGTERM');
    // `done` comes once the workers too have ended (they hold the binary's output): all they printed is in.
    expect(await done).toEqual({ code: null, signal: 'SIGTERM' });
    const written = output();
    expect(written).toMatch(/^\[worker 2\] +warning: Study `[^`]+`: trial \d+ marked FAIL \(its process \(\d+ on [^)]+\) was stopped \(SIGTERM\) while the trial was running\)/m);
    expect(written.slice(written.lastIndexOf('\nstopped'))).toBe(`\nstopped (SIGTERM): \`digitfuse search --resume ${out}\` goes on from here; the stages and trials finished so far are kept\n`);
  });
});

describe('a --workers search stopped while a worker is busy longer than the stop waits for (one long step: the cpu backend, a slow machine)', () => {
  it("kills that worker, fails its trial (queued to run again) and says so in the closing line: nothing of it comes after that line", async () => {
    // Before, the main process ended after 10 s and the worker said "trial N marked FAIL" after the
    // closing line (its trial left RUNNING, had it been busy for good).
    const out = join(tmp(), 'stopped-busy-worker');
    const args = ['search', '--data', data(), '--out', out, '--trials', '50', '--workers', '2', '--epochs', '3', '--search-rows', '200', '--backend', 'wasm', '--no-report'];
    const { child, output, done } = startUserBinary(args);
    for (let t0 = Date.now(); !/^\[worker 2\] +trial \d+: img/m.test(output()); await new Promise((r) => setTimeout(r, 20))) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no worker trial: ${output().slice(-3000)}`);
    }
    const [program] = childPids(child.pid as number);
    const [worker] = childPids(program).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('search.ts'));
    // A worker busy in one step hears no signal until the step ends: a stopped process, the same.
    process.kill(worker, 'SIGSTOP');
    try {
      process.kill(child.pid as number, 'SIGTERM');
      const exited = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
      expect(exited).toEqual({ code: null, signal: 'SIGTERM' });
      expect(processAlive(worker)).toBe(false);
    } finally {
      if (processAlive(worker)) process.kill(worker, 'SIGKILL'); // without the fix: it holds the binary's output
    }
    await done;
    const written = output();
    const last = written.slice(written.lastIndexOf('\nstopped'));
    const said = new RegExp(
      `^\\nstopped \\(SIGTERM\\): worker 2 \\(process ${worker} on [^)]+\\) did not end within 10 s: killed, its trial (\\d+) marked FAIL \\(to run again as trial (\\d+)\\); ` +
        `\`digitfuse search --resume ${out}\` goes on from here; the stages and trials finished so far are kept\\n$`,
    ).exec(last);
    expect({ last, said: said !== null }).toEqual({ last, said: true });
    // In the study: that trial FAIL with its reason, its retry queued, no trial left RUNNING.
    const study = await createStudy({ name: 'digitfuse', direction: 'maximize', storage: new JournalFileStorage(join(out, 'search', 'study.jsonl')), loadIfExists: true });
    const trial = study.trials[Number(said?.[1])];
    expect({ state: trial.state, pid: trial.worker?.pid, reason: trial.failReason }).toEqual({
      state: 'FAIL',
      pid: worker,
      reason: expect.stringMatching(/^its process, worker 2 \(process \d+ on [^)]+\), was stopped \(SIGTERM\) while the trial was running and killed, still busy 10 s later$/),
    });
    expect(study.trials[Number(said?.[2])].retryOf).toBe(trial.number);
    expect(study.getTrials(['RUNNING'])).toEqual([]);
  });
});

describe('the same seed gives the same run: a search stopped by Ctrl-C mid-trial, then resumed', () => {
  it('ends with the trials of an uninterrupted search (parameters, values, the chosen configuration): the stopped trial FAIL, its retry and each trial after it one number higher', async () => {
    // Before, the retry trained with its own number's seed (another value for the same parameters)
    // and every later trial drew its parameters from its own, one-higher number: the resumed study
    // lost a configuration of the uninterrupted one and ranked others.
    const flags = ['--data', data(), '--trials', '4', '--epochs', '2', '--search-rows', '120', '--backend', 'wasm', '--no-report'];
    const whole = join(tmp(), 'seed-whole');
    const cut = join(tmp(), 'seed-cut');
    const straight = digitfuse(['search', ...flags, '--out', whole]);
    expect({ status: straight.status, tail: straight.status === 0 ? '' : straight.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    const { child, output, done } = startUserBinary(['search', ...flags, '--out', cut]);
    for (let t0 = Date.now(); !/^ {2}trial 2: img/m.test(output()); await new Promise((r) => setTimeout(r, 20))) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no trial 2 line: ${output().slice(-3000)}`);
    }
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await done).toEqual({ code: null, signal: 'SIGINT' });
    // Failed as the process stopped, its retry queued (before, it stayed RUNNING until the resume failed it).
    expect(output()).toMatch(
      /\n {4}warning: Study `[^`]+`: trial 2 marked FAIL \(its process \(\d+ on [^)]+\) was stopped \(Ctrl-C\) while the trial was running\); its parameters run again as trial 3\n\nstopped \(Ctrl-C\): /,
    );
    const resumed = digitfuse(['search', '--resume', cut]);
    expect({ status: resumed.status, tail: resumed.status === 0 ? '' : resumed.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(resumed.stderr).not.toMatch(/marked FAIL/);
    // trials.csv without the trial numbers, times and processes: each finished trial's parameters and figures.
    const finished = (run: string) => {
      const [header, ...rows] = readFileSync(join(run, 'search', 'trials.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
      const keep = header.map((h, i) => (['number', 'seconds', 'worker'].includes(h) ? -1 : i)).filter((i) => i >= 0);
      return rows.filter((r) => r[1] !== 'FAIL').map((r) => keep.map((i) => `${header[i]}=${r[i]}`).join(' '));
    };
    expect(finished(cut)).toEqual(finished(whole));
    expect(finished(cut)).toHaveLength(4);
    const best = (run: string) => {
      const { value, params } = JSON.parse(readFileSync(join(run, 'search', 'best.json'), 'utf8')) as { value: number; params: unknown };
      return { value, params };
    };
    expect(best(cut)).toEqual(best(whole));
  });

  it("`report --run DIR --seed N` seeds the t-SNE and K-means only: the maps show the run's validation rows and the summary names the run's seed", () => {
    // Before, --seed replaced the run's seed for the whole report: the data was split again with it
    // (the maps then showed rows the model had trained on) and summary.md said `| seed | 3 |` for a
    // run made with --seed 42, the seed a user would take to run it again.
    const run = join(tmp(), 'seed-report');
    const made = digitfuse(['full', '--data', data(), '--trials', '1', '--epochs', '1', '--search-rows', '120', '--backend', 'wasm', '--out', run]);
    expect({ status: made.status, tail: made.status === 0 ? '' : made.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    const r = digitfuse(['report', '--run', run, '--seed', '3']);
    expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(r.stderr).not.toContain('split and preprocessed');
    const summary = readFileSync(join(run, 'summary.md'), 'utf8');
    expect(summary).toContain('| seed | 42 |');
    expect(JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8'))).toMatchObject({ seed: 42 });
    expect(readFileSync(join(run, 'report', 'report.html'), 'utf8')).toMatch(/t-SNE \(seed 3\) of \d+ validation points/);
  });
});

describe('a run whose terminal hangs up (SIGHUP: the window closed, the ssh session dropped)', () => {
  it('stops as on Ctrl-C: gives the run up and keeps what its search used of the budget (it died at once, its active.json left)', async () => {
    const out = join(tmp(), 'hung-up');
    const args = ['search', '--data', data(), '--out', out, '--trials', '3', '--epochs', '3', '--search-rows', '200', '--backend', 'wasm', '--budget', '2m'];
    const { child, output, done } = startUserBinary(args);
    for (let t0 = Date.now(); !/^epoch 1\/3/m.test(output()); await new Promise((r) => setTimeout(r, 50))) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no epoch line: ${output().slice(-3000)}`);
    }
    process.kill(-(child.pid as number), 'SIGHUP');
    expect(await done).toEqual({ code: null, signal: 'SIGHUP' });
    expect(output()).toContain(`\nstopped (SIGHUP): \`digitfuse search --resume ${out}\` goes on from here; the stages and trials finished so far are kept\n`);
    expect(existsSync(join(out, ACTIVE_JSON))).toBe(false);
    const state = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunState<unknown>;
    expect(state.spent?.search).toBeGreaterThan(0);
    expect(state.budgetUsed).toBeGreaterThan(0);
  });
});

describe('a run killed outright (SIGKILL)', () => {
  it('keeps what its search used of the budget up to its last checkpoint (run.json every 10 s), which its resume counts', async () => {
    const out = join(tmp(), 'killed');
    const args = ['search', '--data', data(), '--out', out, '--trials', '50', '--epochs', '3', '--search-rows', '200', '--backend', 'wasm', '--budget', '30s'];
    const { child, output, done } = startUserBinary(args);
    const saved = (): RunState<unknown> | null => {
      try {
        return JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunState<unknown>;
      } catch {
        return null;
      }
    };
    // The first checkpoint of the search (nothing else writes `spent` while a process runs).
    for (let t0 = Date.now(); saved()?.spent?.search === undefined; await new Promise((r) => setTimeout(r, 100))) {
      if (child.exitCode !== null || Date.now() - t0 > 120_000) throw new Error(`no checkpoint: ${output().slice(-3000)}`);
    }
    process.kill(-(child.pid as number), 'SIGKILL');
    expect(await done).toEqual({ code: null, signal: 'SIGKILL' });
    const state = saved() as RunState<unknown>;
    expect(state.spent?.search).toBeGreaterThan(0);
    expect(state.budgetUsed).toBeGreaterThan(0);
    expect(state.budgetUsed).toBeLessThanOrEqual(state.spent?.search ?? 0);
    // Its record in active.json stays, with a pid that is gone: the resume takes the run over.
    expect(existsSync(join(out, ACTIVE_JSON))).toBe(true);
    const resumed = digitfuse(['search', '--resume', out]);
    expect({ status: resumed.status, tail: resumed.status === 0 ? '' : resumed.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    const budget = /, budget 30s \((\d+)s of it used before the resume: (\d+)s left\)/.exec(resumed.stderr);
    expect(Number(budget?.[1])).toBe(Math.round(state.budgetUsed ?? -1));
    expect(Math.abs(Number(budget?.[1]) + Number(budget?.[2]) - 30)).toBeLessThanOrEqual(1);
    const after = saved() as RunState<unknown>;
    expect(after.budgetUsed).toBeUndefined();
    expect(after.stages.search.earlierSeconds).toBe(state.spent?.search);
  });
});

/** The pids of the processes whose parent is `pid` (Linux /proc). */
function childPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

describe('a run whose process is killed outright while its workers run (SIGKILL: the out-of-memory killer)', () => {
  it('its worker processes stop within seconds (they trained on for the dead run), and the binary whose program was killed ends', async () => {
    const out = join(tmp(), 'orphans');
    const args = ['full', '--data', data(), '--out', out, '--trials', '50', '--workers', '2', '--epochs', '3', '--search-rows', '200', '--backend', 'wasm', '--no-report'];
    const { child, output, done } = startUserBinary(args);
    for (let t0 = Date.now(); !/^\[worker 2\] +trial \d+:/m.test(output()); await new Promise((r) => setTimeout(r, 50))) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no worker trial: ${output().slice(-3000)}`);
    }
    const [program] = childPids(child.pid as number);
    const workers = childPids(program).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('search.ts'));
    expect(workers).toHaveLength(1);
    process.kill(program, 'SIGKILL');
    // Within seconds, not once they have run the study's trials (`done` waits for them: they hold its output).
    for (let t0 = Date.now(); workers.some(processAlive) && Date.now() - t0 < 15_000; await new Promise((r) => setTimeout(r, 100)));
    expect(workers.filter(processAlive)).toEqual([]);
    await done;
    // The resume takes the run over (the dead process's trials are failed and run again).
    const resumed = digitfuse(['search', '--resume', out, '--trials', '2', '--workers', '1']);
    expect({ status: resumed.status, tail: resumed.status === 0 ? '' : resumed.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
  });
});

describe('a --workers search one of whose workers is killed outright (SIGKILL: the out-of-memory killer)', () => {
  it('fails its trial at once, in one line naming the worker, queues the retry, and goes on to its --trials without it', async () => {
    // Before, the trial stayed RUNNING until the main process started its next trial (failed then as
    // "stopped (Ctrl-C), killed or crashed"), and the worker was said only as the search ended.
    const out = join(tmp(), 'lost-worker');
    const args = ['search', '--data', data(), '--out', out, '--trials', '5', '--workers', '2', '--epochs', '3', '--search-rows', '200', '--backend', 'wasm', '--no-report'];
    const { child, output, done } = startUserBinary(args);
    for (let t0 = Date.now(); !/^\[worker 2\] +trial \d+: img/m.test(output()); await new Promise((r) => setTimeout(r, 20))) {
      if (child.exitCode !== null || Date.now() - t0 > 300_000) throw new Error(`no worker trial: ${output().slice(-3000)}`);
    }
    const [program] = childPids(child.pid as number);
    const [worker] = childPids(program).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('search.ts'));
    process.kill(worker, 'SIGKILL');
    expect(await done).toEqual({ code: 0, signal: null });
    const written = output();
    const said = written.split('\n').filter((l) => /worker 2 \(|exited abnormally/.test(l) && !l.startsWith('[worker 2]'));
    expect(said).toEqual([
      expect.stringMatching(
        new RegExp(`^ {4}warning: Study \`digitfuse\`: trial \\d+ marked FAIL \\(its process, worker 2 \\(process ${worker} on [^)]+\\), ended by SIGKILL while the trial was running; the search goes on without it\\); its parameters run again as trial \\d+$`),
      ),
    ]);
    const [, failed, retry] = /trial (\d+) marked FAIL .* run again as trial (\d+)$/.exec(said[0]) ?? [];
    const study = await createStudy({ name: 'digitfuse', direction: 'maximize', storage: new JournalFileStorage(join(out, 'search', 'study.jsonl')), loadIfExists: true });
    expect(study.trials[Number(failed)].worker?.pid).toBe(worker);
    expect({ retryOf: study.trials[Number(retry)].retryOf, state: study.trials[Number(retry)].state }).toEqual({ retryOf: Number(failed), state: 'COMPLETE' });
    expect(study.getTrials(['COMPLETE', 'PRUNED'])).toHaveLength(5);
    expect(study.getTrials(['RUNNING'])).toEqual([]);
  });
});

describe('a run whose output is no longer read (`digitfuse full ... 2>&1 | head -3`, a closed terminal)', () => {
  it('goes on to its last file, its worker and beside processes too, and ends as it would have (it died mid-run at the next line)', async () => {
    const out = join(tmp(), 'unread');
    const args = ['full', '--data', data(), '--out', out, '--trials', '2', '--workers', '2', '--epochs', '1', '--search-rows', '200', '--backend', 'wasm', '--no-report'];
    const { child, output, done } = startUserBinary(args);
    for (let t0 = Date.now(); !output().includes('run directory:'); await new Promise((r) => setTimeout(r, 20))) {
      if (child.exitCode !== null || Date.now() - t0 > 120_000) throw new Error(`no first line: ${output().slice(-3000)}`);
    }
    // The reader goes, as `head` does after its lines: every later write to stdout or stderr fails (EPIPE).
    child.stdout?.destroy();
    child.stderr?.destroy();
    expect(await done).toEqual({ code: 0, signal: null });
    expect(existsSync(join(out, 'submission.csv'))).toBe(true);
    expect(existsSync(join(out, 'ablation.json'))).toBe(true); // the beside process's
    expect(existsSync(join(out, ACTIVE_JSON))).toBe(false);
    const state = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunState<unknown>;
    expect(Object.keys(state.stages)).toEqual(['data', 'search', 'retrain', 'predict', 'validate', 'evaluate', 'report']);
  });
});

describe('a search resumed with --workers and new settings (a larger --trials, its data folder moved)', () => {
  it('runs its workers with them: they search on to the new --trials, from the moved folder', () => {
    // Before, the workers read the run's earlier settings: "1 trial ... already finished" (they ran
    // none), or an error line as the folder was gone.
    const moved = join(tmp(), 'moved-data');
    const first = join(tmp(), 'first-data');
    mkdirSync(first);
    for (const name of readdirSync(data())) writeFileSync(join(first, name), readFileSync(join(data(), name)));
    const out = join(tmp(), 'resumed-workers');
    const made = digitfuse(['search', '--data', first, '--out', out, '--trials', '1', '--epochs', '1', '--search-rows', '200', '--backend', 'wasm', '--no-report']);
    expect({ status: made.status, tail: made.status === 0 ? '' : made.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    mkdirSync(moved);
    for (const name of readdirSync(first)) writeFileSync(join(moved, name), readFileSync(join(first, name)));
    rmSync(first, { recursive: true });
    const r = digitfuse(['search', '--resume', out, '--data', moved, '--trials', '4', '--workers', '2']);
    expect({ status: r.status, tail: r.status === 0 ? '' : r.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(r.lines.filter((l) => /^\[worker 2\] (error|resuming|    \d+ trials?,)/.test(l))).toEqual([
      `[worker 2] resuming ${out} (finished stages: data)`,
      expect.stringMatching(/^\[worker 2\] {5}4 trials, /),
    ]);
  });
});

describe('a search with more --workers than trials to run', () => {
  it('starts no more worker processes than trials left, and says so in its starting line', () => {
    // Before, `--trials 2 --workers 4` started 3 more processes: two loaded the data and a backend,
    // found no trial and ended.
    const flags = ['--epochs', '1', '--search-rows', '200', '--backend', 'wasm', '--no-report'];
    const two = digitfuse(['search', '--data', data(), '--out', join(tmp(), 'workers-two'), '--trials', '2', '--workers', '4', ...flags]);
    expect({ status: two.status, tail: two.status === 0 ? '' : two.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(two.lines.filter((l) => /starting|--workers/.test(l))).toEqual([expect.stringMatching(/^ {4}starting 1 more worker process \(not 3: 2 trials to run\) on /)]);
    expect(two.lines.filter((l) => /^\[worker [3-9]\]/.test(l))).toEqual([]);
    const one = digitfuse(['search', '--data', data(), '--out', join(tmp(), 'workers-one'), '--trials', '1', '--workers', '4', ...flags]);
    expect({ status: one.status, tail: one.status === 0 ? '' : one.stderr.slice(-3000) }).toEqual({ status: 0, tail: '' });
    expect(one.lines.filter((l) => /starting|--workers|^\[worker/.test(l))).toEqual(['    --workers 4: 1 trial to run, by this process alone']);
  });
});

describe('a search worker process (--workers)', () => {
  it("says on its error line which worker it is, as on its other lines (the main process's own line says what to do next)", () => {
    // As the search starts a worker: search.ts itself, with the run to join.
    const r = runScript('apps/pipeline/src/cli/search.ts', ['--resume', join(tmp(), 'no-such-run')], {
      ...process.env,
      DEBUG: '',
      DIGITFUSE_DEBUG: '',
      DIGITFUSE_STORAGE: '',
      DIGITFUSE_SEARCH_WORKER: '1',
      TUNING_WORKER_INDEX: '0',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^\[worker 2\] error: .*no-such-run/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('digitfuse full with test files under other names', () => {
  it('refuses X_test_wr.npy / X_test_sp.npy in one line naming the file and the fix, before making the run directory (it ran training-only and wrote no submission)', () => {
    const upper = join(tmp(), 'upper-case-test');
    mkdirSync(upper);
    for (const name of readdirSync(data())) writeFileSync(join(upper, name.startsWith('x_test') ? name.replace('x_', 'X_') : name), readFileSync(join(data(), name)));
    const out = join(tmp(), 'never-upper');
    const r = digitfuse(['full', '--data', upper, ...quick, '--out', out]);
    expectOneErrorLine(r, 1, `error: Expected \`x_test_wr.npy\` in \`${upper}\` (or no test file at all), found \`X_test_wr.npy\` (file names are case-sensitive: rename it x_test_wr.npy)`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('the commands a run suggests, for a run directory with a space in its path', () => {
  it('quote the path, so that the line pasted into a shell runs (`digitfuse full --resume /x/my run` resumed /x/my)', () => {
    const out = join(tmp(), 'my run');
    const r = digitfuse(['search', '--data', data(), ...quick, '--out', out]);
    expect(r.status).toBe(0);
    expect(r.lines).toContain(`next: \`digitfuse full --resume '${out}'\` retrains the chosen configuration, predicts, validates, evaluates and reports`);
  });
});
