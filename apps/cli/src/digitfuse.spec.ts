import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Spawns the real `npx digitfuse`, once per entry point; the ones that load TensorFlow.js take seconds each.
jest.setTimeout(300_000);

const workspace = resolve(__dirname, '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'digitfuse-cli-'));
const absent = join(tmp, 'absent');
const aFile = join(tmp, 'a-file');
writeFileSync(aFile, 'not a run');
/** A symbolic link to itself, and one to nothing. */
const loop = join(tmp, 'loop');
symlinkSync('loop', loop);
const broken = join(tmp, 'broken');
symlinkSync(absent, broken);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npx digitfuse ...args` in the workspace root. */
function digitfuse(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn('npx', ['digitfuse', ...args], { cwd: workspace, env: { ...process.env, DEBUG: '', DIGITFUSE_DEBUG: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** Runs `jobs` with at most `limit` at a time. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < jobs.length; i = next++) results[i] = await jobs[i]();
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}

/** A storage URL's password, which no line may show (the URL names a port that refuses, should one be tried). */
const SECRET = 'n0t-for-print';
const STORAGE = `postgresql://digitfuse:${SECRET}@127.0.0.1:1/postgres`;
const BARE = 'postgresql://digitfuse@127.0.0.1:1/postgres';

/** One user error per entry point: the arguments, the exit code, and the exact `error:` line. */
const CASES: readonly [string, readonly string[], number, string][] = [
  ['preprocess', ['preprocess', '--data', absent], 1, `error: Expected \`--data ${absent}\` to be a folder with the competition's files, found no such folder`],
  ['demo', ['demo', '--train', '0'], 2, 'error: Expected --train to be a positive integer, found 0'],
  ['figures', ['figures', '--data', absent, '--images', '0'], 2, 'error: Expected --images to be an integer from 1 to 1000, found 0'],
  ['audio-bank', ['audio-bank', '--fsdd', absent, '--out', join(tmp, 'bank')], 1, `error: Expected \`--fsdd ${absent}\` to be the FSDD folder (mfcc.npy, clips.csv), found no such folder`],
  ['train', ['train', '--data', absent, '--out', join(tmp, 'model'), '--backend', 'cpu'], 1, `error: Expected \`--data ${absent}\` to be a folder with the competition's files, found no such folder`],
  ['predict', ['predict', '--model', absent, '--data', absent, '--backend', 'cpu'], 1, `error: Expected \`--model ${absent}\` to be a model folder (model.json, weights.bin, meta.json), found nothing there`],
  ['validate', ['validate', '--submission', join(absent, 'submission.csv'), '--data', absent], 1, `error: Expected \`--data ${absent}\` to be a folder with the competition's files, found no such folder`],
  ['upload', ['upload', '--competition', 'c', '--message', 'm', '--submission', join(absent, 's.csv')], 1, `error: Expected the submission \`${join(absent, 's.csv')}\` to be a CSV file, found nothing there`],
  ['search', ['search', '--trials', '0'], 2, 'error: Expected --trials to be an integer from 1 to 10000, found 0'],
  ['full', ['full', '--budget', 'soon'], 2, 'error: Expected `--budget` to be a duration like 90s, 10m, 1h or 1h30m, found `soon`'],
  ['dashboard', ['dashboard', '--run', absent], 1, `error: Expected \`--run ${absent}\` to be a run directory with run.json, found no such folder`],
  ['report', ['report', '--run', absent], 1, `error: Expected \`--run ${absent}\` to be a run directory with run.json`],
  ['robustness', ['robustness', '--root', absent, '--sets', absent], 2, 'error: Expected exactly one of `--root DIR` or `--sets DIR,DIR,...`, found both'],
  ['bench', ['bench', '--bogus'], 2, 'error: Unknown argument: --bogus (see --help)'],
  ['a typo of a flag', ['full', '--trails', '3'], 2, 'error: Unknown argument: --trails; did you mean --trials? (see --help)'],
  ['bench model', ['bench', 'model', '--configs', 'huge'], 2, 'error: Expected --configs to list some of small, paper, found `huge`'],
  ['bench kernels', ['bench', 'kernels', '--mode', 'fast'], 2, 'error: Expected --mode to be one of '],
  ['bench tuning', ['bench', 'tuning', '--trials', '0'], 2, 'error: Expected --trials to be a positive integer, found 0'],
  ['bench robustness', ['bench', 'robustness'], 2, 'error: Expected exactly one of `--root DIR` or `--sets DIR,DIR,...`, found neither'],
  ['bench storage', ['bench', 'storage', '--workers', '0'], 2, 'error: Expected --workers to be comma-separated integers 1..64, found 0'],
  ['bench storage --storage', ['bench', 'storage', '--storage', 'mysql://x'], 2, 'error: Expected --storage to be a postgresql://user@host:port/database URL, found `mysql://x`'],
  ['bench tuning --sizes', ['bench', 'tuning', '--sizes', '10,,20'], 2, 'error: Expected --sizes to be a comma-separated list of values, found an empty entry in `10,,20`'],
  ['search --storage', ['search', '--storage', 'mysql://u@h/db'], 2, 'error: Expected `--storage` to be a postgresql://user@host:port/database URL, found `mysql://u@h/db`'],
  ['a flag given twice', ['preprocess', '--data', absent, '--data', tmp], 2, `error: Expected --data once, found it 2 times: \`${absent}\`, \`${tmp}\` (see --help)`],
  ['a flag without its value', ['predict', '--model', '--data', absent], 2, 'error: Expected a value after --model, found the flag `--data`; for a value that starts with -, write --model=VALUE (see --help)'],
  ['a switch given a value', ['full', '--allow-shift=yes'], 2, 'error: Expected --allow-shift to be a switch (--allow-shift or --no-allow-shift), found `--allow-shift=yes` (see --help)'],
  ['a budget of 1h90m', ['full', '--budget', '1h90m'], 2, 'error: Expected the minutes of `--budget` to be below 60 after its hours, found `1h90m`'],
  ['a budget of 10m10m', ['search', '--budget', '10m10m'], 2, 'error: Expected `--budget` to give each unit once, found m twice in `10m10m`'],
  ['a value with a minus sign', ['full', '--budget', '-5m'], 2, 'error: Expected `--budget` to be a duration like 90s, 10m, 1h or 1h30m, found `-5m`'],
  ['a number flag given text', ['search', '--seed', 'abc'], 2, 'error: Expected --seed to be a number written in decimal (12, 0.5, 1e-3), found `abc` (see --help)'],
  ['a number in hexadecimal', ['dashboard', '--port', '0xB0B0'], 2, 'error: Expected --port to be a number written in decimal (12, 0.5, 1e-3), found `0xB0B0` (see --help)'],
  ['a number in binary', ['search', '--seed', '0b101'], 2, 'error: Expected --seed to be a number written in decimal (12, 0.5, 1e-3), found `0b101` (see --help)'],
  ['a number between spaces', ['search', '--trials', ' 2 '], 2, 'error: Expected --trials to be a number written in decimal (12, 0.5, 1e-3), found ` 2 ` (see --help)'],
  ['an integer with an exponent', ['search', '--workers', '1e9'], 2, 'error: Expected --workers to be an integer from 1 to 64 written in digits, found 1e9'],
  ['an integer with a fraction', ['full', '--trials', '2.0'], 2, 'error: Expected --trials to be an integer from 1 to 10000 written in digits, found 2.0'],
  ['--no- on a flag that takes a value', ['full', '--no-seed'], 2, 'error: Expected --seed with a value: it is not a switch, so `--no-seed` means nothing (see --help)'],
  ['something after --', ['validate', '--data', absent, '--', '--seed', '5'], 2, 'error: Expected only flags, found `--seed` after `--` (see --help)'],
  ['a value outside the choices', ['full', '--fusion', 'bogus'], 2, 'error: Expected --fusion to be one of attention, concat, robust, found `bogus` (see --help)'],
  ['--fusion with an image-only model', ['full', '--modality', 'image', '--fusion', 'attention', '--out', join(tmp, 'image-run')], 2, 'error: Expected no `--fusion` with `--modality image` (an image-only model has no audio to fuse), found `--fusion attention`'],
  ['audio-bank --fsdd of a file', ['audio-bank', '--fsdd', aFile, '--out', join(tmp, 'bank')], 1, `error: Expected \`--fsdd ${aFile}\` to be the FSDD folder (mfcc.npy, clips.csv), found a file`],
  ['preprocess --out of a file', ['preprocess', '--data', absent, '--out', aFile], 1, `error: Expected \`--out ${aFile}\` to be a cache folder for the preprocessed arrays, found a file there; nothing was written`],
  ['train --data of a file', ['train', '--data', aFile, '--out', join(tmp, 'model-f'), '--backend', 'cpu'], 1, `error: Expected \`--data ${aFile}\` to be a folder with the competition's files, found a file`],
  ['report --run of a file', ['report', '--run', aFile], 1, `error: Expected \`--run ${aFile}\` to be a run directory with run.json, found a file (give its folder)`],
  // A folder flag's link loop or broken link, said alike by every command (core's folderProblem): --model and
  // --root said `a file it cannot read (..., ELOOP)`; --fsdd and --root took a broken link for nothing there.
  ['train --data of a link loop', ['train', '--data', loop, '--out', join(tmp, 'model-l'), '--backend', 'cpu'], 1, `error: Expected \`--data ${loop}\` to be a folder with the competition's files, found a folder it cannot look at (too many symbolic links (a loop?) in its path (ELOOP))`],
  ['predict --model of a link loop', ['predict', '--model', loop, '--data', absent, '--backend', 'cpu'], 1, `error: Expected \`--model ${loop}\` to be a model folder (model.json, weights.bin, meta.json), found a folder it cannot look at (too many symbolic links (a loop?) in its path (ELOOP))`],
  ['bench robustness --root of a link loop', ['bench', 'robustness', '--root', loop], 1, `error: Expected \`--root ${loop}\` to be a folder of benchmark sets, found a folder it cannot look at (too many symbolic links (a loop?) in its path (ELOOP))`],
  ['audio-bank --fsdd of a broken link', ['audio-bank', '--fsdd', broken, '--out', join(tmp, 'bank')], 1, `error: Expected \`--fsdd ${broken}\` to be the FSDD folder (mfcc.npy, clips.csv), found a broken symbolic link (to \`${absent}\`, which does not exist)`],
  ['bench robustness --sets of a broken link', ['bench', 'robustness', '--sets', broken], 1, `error: Expected \`--sets\` entry \`${broken}\` to be a set folder (competition files and y_test.csv), found a broken symbolic link (to \`${absent}\`, which does not exist)`],
  ['build-native', ['build-native', '--bogus'], 2, 'error: Unknown argument: --bogus (see --help)'],
  ['an unknown command', ['bogus'], 2, 'error: Unknown argument: bogus (see --help)'],
  // It said `Unknown arguments: --data, prepocess`: the flags after the typo read as unknown too.
  ['a typo of a command', ['prepocess', '--data', absent], 2, 'error: Unknown command: prepocess; did you mean preprocess? (see --help)'],
  ['a typo of a bench command', ['bench', 'modle'], 2, 'error: Unknown command: modle; did you mean model? (see --help)'],
  // It printed nothing and exited 0.
  ['a lone --', ['--'], 2, 'error: Expected a command: full, search, report, dashboard, studies, robustness, train, predict, validate, upload, preprocess, demo, figures, bench, audio-bank, build-native (see --help)'],
  ['bench with a lone --', ['bench', '--'], 2, 'error: Expected a command: model, kernels, tuning, samplers, storage, robustness (see --help)'],
  ['a storage URL given twice', ['studies', '--storage', STORAGE, '--storage', 'postgresql://x@y/z'], 2, `error: Expected --storage once, found it 2 times: \`${BARE}\`, \`postgresql://x@y/z\` (see --help)`],
  ['a storage URL without --storage', ['studies', STORAGE], 2, `error: Unknown argument: ${BARE} (see --help)`],
  ['a storage URL as a command', [STORAGE], 2, `error: Unknown argument: ${BARE} (see --help)`],
  ['a storage URL with an unknown sslmode', ['search', '--storage', `${STORAGE}?sslmode=bogus`], 2, 'error: Expected the sslmode of `--storage` to be one of disable, allow, prefer, require, verify-ca, verify-full, no-verify, found `bogus`'],
];

let runs: Run[];
let help: Run[];
let debug: Run;
beforeAll(async () => {
  const all = await pool(
    [
      ...CASES.map(([, args]) => () => digitfuse(args)),
      () => digitfuse(['full', '--help']),
      () => digitfuse(['search', '--help']),
      () => digitfuse(['robustness', '--help']),
      () => digitfuse(['--help', 'train']),
      () => digitfuse(['help', 'train']),
      () => digitfuse(['-h', 'train']),
      () => digitfuse(['demo', 'help', '--out', join(tmp, 'never-demo')]),
      () => digitfuse(['validate', '-h']),
      () => digitfuse(['preprocess', '--data', absent], { DEBUG: 'digitfuse' }),
    ],
    3,
  );
  runs = all.slice(0, CASES.length);
  help = all.slice(CASES.length, CASES.length + 8);
  debug = all[all.length - 1];
  // Some fifty processes, three at a time: on a loaded 2-core machine (CI beside other work) each
  // start of Node and tsx can take seconds, and all of them took longer than the file's 5 minutes.
}, 900_000);

describe('npx digitfuse <command> (the real binary)', () => {
  it.each(CASES.map((c, i) => [c[0], i] as const))('%s: one `error:` line on stderr, no stack trace, the exit code', (_name, i) => {
    const [, , status, line] = CASES[i];
    const run = runs[i];
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect({ errors: errors.length, line: errors[0]?.startsWith(line) ? line : errors[0], status: run.status }).toEqual({ errors: 1, line, status });
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("never prints a storage URL's password", () => {
    for (const run of runs) expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it('prints the stack trace of a user error with DEBUG=digitfuse', () => {
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/error: Expected `--data [^\n]*found no such folder\nDataError: Expected `--data [^\n]*found no such folder\n\s+at /);
  });

  it('`robustness --help` lists the pipeline flags a set runs with, not those each set sets itself', () => {
    expect(help[2].status).toBe(0);
    for (const flag of ['--root', '--sets', '--bench-out', '--trials', '--budget', '--fusion']) expect(help[2].stdout).toContain(flag);
    for (const flag of ['--data', '--out ', '--resume', '--modality']) expect(help[2].stdout).not.toContain(flag);
  });

  it('a bare `help` or `-h` after a command is --help: the help, exit 0, and nothing run (`demo help` printed the help, then built a dataset; `validate -h` said --submission was missing)', () => {
    expect({ status: help[6].status, stderr: help[6].stderr }).toEqual({ status: 0, stderr: '' });
    expect(help[6].stdout).toMatch(/^digitfuse demo /);
    expect(existsSync(join(tmp, 'never-demo'))).toBe(false);
    expect({ status: help[7].status, stderr: help[7].stderr }).toEqual({ status: 0, stderr: '' });
    expect(help[7].stdout).toMatch(/^digitfuse validate --submission FILE --data DIR/);
  });

  it.each([3, 4, 5])('`digitfuse --help train`, `digitfuse help train` and `digitfuse -h train` are `digitfuse train --help`, with its flags (they were a page listing --help alone, `Unknown arguments: help, train` and `Expected --out`) (%#)', (i) => {
    expect(help[i].status).toBe(0);
    expect(help[i].stdout).toMatch(/^digitfuse train --out DIR/);
    for (const flag of ['--out', '--data', '--epochs', '--batch-size']) expect(help[i].stdout).toContain(flag);
  });

  it.each([0, 1])('`full --help` and `search --help` list the pipeline flags (%#)', (i) => {
    expect(help[i].status).toBe(0);
    expect(help[i].stdout).toMatch(i === 0 ? /^digitfuse full \[options\]/ : /^digitfuse search \[options\]/);
    for (const flag of ['--data', '--out', '--resume', '--trials', '--budget', '--workers', '--storage', '--study', '--search-rows', '--fusion']) expect(help[i].stdout).toContain(flag);
  });
});

describe('a second Ctrl-C', () => {
  it('stops at once a program that has not stopped at the first (busy in one long computation): its whole process group ends, by SIGINT, with one line', async () => {
    const data = join(tmp, 'busy-data');
    expect((await digitfuse(['demo', '--train', '150', '--test', '10', '--out', data])).status).toBe(0);
    // `--backend cpu` (pure JavaScript) spends about 25 s in one training step of 120 rows here
    // (model:bench --backend cpu --configs paper --batch-size 120: 4.8 samples/s),
    // and the program looks at its signals only between two steps.
    const bin = join(workspace, 'apps/cli/bin/digitfuse');
    const args = ['search', '--data', data, '--out', join(tmp, 'busy-run'), '--trials', '1', '--epochs', '1', '--backend', 'cpu', '--batch-size', '120'];
    const child = spawn(bin, args, { cwd: workspace, env: { ...process.env, DEBUG: '', DIGITFUSE_DEBUG: '' }, detached: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, signal) => done({ code, signal })));
    const group = child.pid as number;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    for (const t0 = Date.now(); !/^ {2}trial 0: /m.test(output); await sleep(50)) {
      if (child.exitCode !== null || Date.now() - t0 > 120_000) throw new Error(`no trial line: ${output.slice(-2000)}`);
    }
    await sleep(1_000);
    process.kill(-group, 'SIGINT');
    // Still in its training step (the first Ctrl-C waits for it), which a line says after 3 s.
    const still = '\ndigitfuse: stopping once the program\'s current step ends (Ctrl-C again stops it at once)\n';
    for (const t0 = Date.now(); !output.includes(still); await sleep(50)) {
      if (child.exitCode !== null || Date.now() - t0 > 10_000) throw new Error(`no line saying it is still stopping: ${output.slice(-2000)}`);
    }
    const t1 = Date.now();
    process.kill(-group, 'SIGINT');
    expect(await ended).toEqual({ code: null, signal: 'SIGINT' });
    expect(Date.now() - t1).toBeLessThan(10_000);
    expect(output.endsWith(`${still}\ndigitfuse: stopped at once (a second Ctrl-C); what it finished is kept (a run goes on with --resume)\n`)).toBe(true);
    // No process of the command is left (the program, killed; nothing it started).
    await sleep(500);
    expect(() => process.kill(-group, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });
});
