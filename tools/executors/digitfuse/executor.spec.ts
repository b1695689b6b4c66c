import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// Spawns the real `npx nx run`: Nx computes the project graph first, which takes a while on a busy machine.
jest.setTimeout(300_000);

const workspace = resolve(__dirname, '..', '..', '..');

/** `npx nx run <target> ...args` in the workspace (or `cwd` in it); the arguments reach npx as an array, as a shell passes what a person typed. */
function nxRun(target: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}, cwd = workspace): Promise<{ status: number | null; output: string }> {
  return new Promise((done) => {
    // Without the NX_* variables of the Nx running the tests: this nx is a user's, not part of that
    // invocation (Nx would refuse a task it believes the chain already ran). NX_SKIP_NX_CACHE: the spec
    // watches the program run; a cacheable target (data:demo) run before with the same options (a
    // second `npm test`, a CI clone that keeps `.nx`) would be replayed from the cache instead.
    const outer = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('NX_')));
    const env = { ...outer, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_SKIP_NX_CACHE: 'true', FORCE_COLOR: '0', ...extraEnv };
    const child = spawn('npx', ['nx', 'run', target, ...args], { cwd, env });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d));
    child.stderr.on('data', (d: Buffer) => (output += d));
    child.on('close', (status) => done({ status, output }));
  });
}

describe('the digitfuse executor (every runnable Nx target)', () => {
  const marker = join(tmpdir(), `digitfuse-shell-injection-${process.pid}-${Date.now()}`);
  afterAll(() => rmSync(marker, { force: true }));

  /** A competition folder with 3 test rows, a valid submission for it, and a fake `kaggle` on PATH that records its argument vector. */
  const fixtures: string[] = [];
  afterAll(() => {
    for (const each of fixtures) rmSync(each, { recursive: true, force: true });
  });
  function uploadFixture(base = tmpdir()) {
    const dir = mkdtempSync(join(base, 'executor-upload-'));
    fixtures.push(dir);
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 784), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const npy = Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0]), Buffer.alloc(2), Buffer.from(header + ' '.repeat(pad) + '\n'), Buffer.alloc(3 * 784 * 4)]);
    npy.writeUInt16LE(header.length + pad + 1, 8);
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'x_test_wr.npy'), npy);
    writeFileSync(join(dir, 'submission.csv'), 'row_id,label\n0,1\n1,2\n2,3\n');
    mkdirSync(join(dir, 'bin'));
    const log = join(dir, 'kaggle-args.json');
    writeFileSync(join(dir, 'bin', 'kaggle'), `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)));\n`);
    chmodSync(join(dir, 'bin', 'kaggle'), 0o755);
    const env = { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k' };
    return { dir, env, args: ['--submission', join(dir, 'submission.csv'), '--data', join(dir, 'data')], kaggleArgs: () => JSON.parse(readFileSync(log, 'utf8')) as string[] };
  }

  it('gives the program a flag value as text: `$(...)` is never run by a shell', async () => {
    const f = uploadFixture();
    const message = `$(touch ${marker})`;
    const run = await nxRun('submit:upload', ['--competition', 'c', '--message', message, ...f.args], f.env);
    expect(existsSync(marker)).toBe(false);
    expect(run.status).toBe(0);
    expect(f.kaggleArgs()).toContain(`--message=${message}`);
  });

  it('passes dollars, backquotes and spaces through byte for byte', async () => {
    const f = uploadFixture();
    const message = 'cost $5 fix `robust` fusion';
    const run = await nxRun('submit:upload', ['--competition', 'c', '--message', message, ...f.args], f.env);
    expect(run.status).toBe(0);
    expect(f.kaggleArgs()).toEqual(['competitions', 'submit', '-c', 'c', `--file=${join(f.dir, 'submission.csv')}`, `--message=${message}`]);
  });

  it('runs the program in the directory nx was run in, so that a relative path names the file there, as `npx digitfuse` takes it', async () => {
    const cache = join(workspace, '.cache');
    mkdirSync(cache, { recursive: true });
    const f = uploadFixture(cache);
    try {
      const run = await nxRun('submit:validate', ['--submission', 'submission.csv', '--data', 'data'], {}, f.dir);
      expect(run.output).toContain('submission.csv: valid (3 rows');
      expect(run.status).toBe(0);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  it('answers `--help` with the flags of the command the target runs', async () => {
    const run = await nxRun('pipeline:full', ['--help']);
    expect(run.status).toBe(0);
    expect(run.output).toContain('digitfuse full [options]');
    for (const flag of ['--data', '--budget', '--search-rows', '--fusion']) expect(run.output).toContain(flag);
  });
});

/** Every runnable target of the workspace (`project:target`) and the executor (command) it runs. */
function documentedTargets(): [string, string][] {
  const found: [string, string][] = [];
  for (const group of ['apps', 'packages']) {
    for (const dir of readdirSync(join(workspace, group))) {
      const file = join(workspace, group, dir, 'project.json');
      if (!existsSync(file)) continue;
      const project = JSON.parse(readFileSync(file, 'utf8')) as { name: string; targets?: Record<string, { executor?: string }> };
      for (const [target, { executor }] of Object.entries(project.targets ?? {})) {
        const m = /^\.\/tools\/executors\/digitfuse:(.+)$/.exec(executor ?? '');
        if (m) found.push([`${project.name}:${target}`, m[1]]);
      }
    }
  }
  return found.sort();
}

type Executors = Record<string, { command: string[]; flags: Record<string, string> }>;
const EXECUTORS = (JSON.parse(readFileSync(join(__dirname, 'executors.json'), 'utf8')) as { executors: Executors }).executors;

/**
 * Every flag of a command with a value of its kind, as a user types it: values with spaces, `$`,
 * quotes and backquotes; every other flag as `--flag=value`; booleans alternately `--flag` and `--no-flag`.
 * One group of tokens a flag.
 */
function everyFlag(executor: string): string[][] {
  const description = (JSON.parse(readFileSync(join(__dirname, 'schemas', `${executor}.json`), 'utf8')) as { description: string }).description;
  return Object.entries(EXECUTORS[executor].flags).map(([flag, kind], i) => {
    if (kind === 'boolean') return [i % 2 ? `--no-${flag}` : `--${flag}`];
    const choices = new RegExp(`^--${flag}\\b.*\\[choices: ([^\\]]*)\\]`, 'm').exec(description);
    const value = kind === 'number' ? String(i + 3) : choices ? (JSON.parse(`[${choices[1]}]`) as string[]).pop()! : `${flag} $(touch x) \`y\` 'q' "d"`;
    return i % 2 ? [`--${flag}=${value}`] : [`--${flag}`, value];
  });
}

/** `tokens` cut at each flag of `executor` (a flag and its value form one group), sorted. */
function flagGroups(executor: string, tokens: readonly string[]): string[] {
  const groups: string[][] = [];
  for (const token of tokens) {
    if (/^--/.test(token) && (token.replace(/^--(no-)?/, '').split('=')[0] in EXECUTORS[executor].flags)) groups.push([token]);
    else groups[groups.length - 1]?.push(token);
  }
  return groups.map((g) => JSON.stringify(g)).sort();
}

describe('every documented Nx target hands every flag of its command to the program', () => {
  const recorder = mkdtempSync(join(tmpdir(), 'executor-argv-'));
  const program = join(recorder, 'record-argv.js');
  writeFileSync(program, `#!/usr/bin/env node\nrequire('fs').writeFileSync(process.env.RECORD_ARGV, JSON.stringify(process.argv.slice(2)));\n`);
  afterAll(() => rmSync(recorder, { recursive: true, force: true }));

  it.concurrent.each(documentedTargets())('%s (digitfuse %s)', async (target, executor) => {
    const groups = everyFlag(executor);
    const record = join(recorder, `${target.replace(':', '-')}.json`);
    const run = await nxRun(target, groups.flat(), { DIGITFUSE_BIN: program, RECORD_ARGV: record });
    expect(run.status).toBe(0);
    const argv = JSON.parse(readFileSync(record, 'utf8')) as string[];
    const words = EXECUTORS[executor].command;
    expect(argv.slice(0, words.length)).toEqual(words);
    expect(flagGroups(executor, argv.slice(words.length))).toEqual(groups.map((g) => JSON.stringify(g)).sort());
  });

  it('gives the real program a --batch-size that Nx would keep for its own --batch, so a bad one is refused', async () => {
    const run = await nxRun('model:train', ['--batch-size', '0', '--out', join(recorder, 'model')]);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain('error: Expected --batch-size to be an integer from 1 to 65536, found 0');
    expect(existsSync(join(recorder, 'model'))).toBe(false);
  });

  it("names --batch-size for a `--batch 32` (Nx's own --batch took the flag and left 32 as a stray word)", async () => {
    const run = await nxRun('model:train', ['--batch', '32', '--out', join(recorder, 'model-batch')]);
    expect(run.status).not.toBe(0);
    expect(run.output).toContain("error: Expected `--batch-size 32` (`--batch` is Nx's own option: Nx took it and passed `32` on as a stray word), found `--batch 32`");
    expect(run.output).not.toContain('Unknown argument');
    expect(existsSync(join(recorder, 'model-batch'))).toBe(false);
  });
});
