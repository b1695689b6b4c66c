import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, mkdirSync, readdirSync, rmSync, writeFileSync, type RmOptions } from 'node:fs';
import * as path from 'node:path';
import { useTempDir, WORKSPACE } from '@digitfuse/core/testing';
import { removeStaging } from './train';
import { TRAIN_FILES } from './train-out';

// Each case trains for seconds on the demo dataset through the user's binary.
jest.setTimeout(120_000);

const tmp = useTempDir('train-stop-');
const BIN = path.join(WORKSPACE, 'apps/cli/bin/digitfuse');
const data = (): string => path.join(tmp(), 'data');

beforeAll(() => {
  const r = spawnSync(BIN, ['demo', '--train', '300', '--test', '50', '--out', data()], { cwd: WORKSPACE, encoding: 'utf8' });
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
});

/**
 * `digitfuse train ...args` in a process group of its own (a terminal's Ctrl-C reaches every process
 * of the command), stopped by `signal` once a line of its output matches `when`: sent to the group,
 * or to the binary alone (`kill PID`). Resolves with all it wrote and how it ended.
 */
async function trainStopped(args: readonly string[], when: RegExp, signal: NodeJS.Signals, to: 'group' | 'binary') {
  const child = spawn(BIN, ['train', '--data', data(), '--backend', 'wasm', '--progress', 'lines', ...args], {
    cwd: WORKSPACE,
    env: { ...process.env, DEBUG: '', DIGITFUSE_DEBUG: '' },
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('close', (code, sig) => done({ code, signal: sig })));
  for (let t0 = Date.now(); !when.test(output); await new Promise((r) => setTimeout(r, 20))) {
    if (child.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`no line matching ${when}: ${output.slice(-3000)}`);
  }
  process.kill(to === 'group' ? -(child.pid as number) : (child.pid as number), signal);
  return { ...(await ended), output };
}

/** What is left in `parent` but `keep`: a model folder being saved, or one moved aside, shows here. */
const leftovers = (parent: string, keep: readonly string[]): string[] => readdirSync(parent).filter((e) => !keep.includes(e));

describe('digitfuse train stopped by a signal', () => {
  it('stopped with Ctrl-C mid-training, ends by SIGINT with a last line saying so, and writes nothing (it ended without a word)', async () => {
    const parent = path.join(tmp(), 'ctrl-c');
    await fs.mkdir(parent);
    const out = path.join(parent, 'model');
    const r = await trainStopped(['--out', out, '--epochs', '50'], /^epoch 2\/50 /m, 'SIGINT', 'group');
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: 'SIGINT' });
    expect(r.output.slice(r.output.lastIndexOf('\nstopped'))).toBe(`\nstopped (Ctrl-C): no model was written; \`--out ${out}\` was left as it was\n`);
    expect(r.output).not.toMatch(/^error:|\n\s+at /m);
    expect(existsSync(out)).toBe(false);
    expect(leftovers(parent, [])).toEqual([]);
  });

  it('stopped by SIGTERM sent to the binary alone, keeps the earlier model that --force would have replaced, whole', async () => {
    const parent = path.join(tmp(), 'term');
    await fs.mkdir(parent);
    const out = path.join(parent, 'model');
    const first = spawnSync(BIN, ['train', '--data', data(), '--out', out, '--epochs', '1', '--backend', 'wasm', '--progress', 'silent'], { cwd: WORKSPACE, encoding: 'utf8' });
    expect({ status: first.status, stderr: first.status === 0 ? '' : first.stderr }).toEqual({ status: 0, stderr: '' });
    const before = await Promise.all(TRAIN_FILES.map((f) => fs.readFile(path.join(out, f))));
    const r = await trainStopped(['--out', out, '--force', '--epochs', '50'], /^epoch 2\/50 /m, 'SIGTERM', 'binary');
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(r.output.slice(r.output.lastIndexOf('\nstopped'))).toBe(`\nstopped (SIGTERM): no model was written; \`--out ${out}\` was left as it was\n`);
    expect(await Promise.all(TRAIN_FILES.map((f) => fs.readFile(path.join(out, f))))).toEqual(before);
    expect(leftovers(parent, ['model'])).toEqual([]);
  });

  it('stopped as its last epoch ends (the model being saved and moved in), leaves --out without a model or with the whole new one, and nothing beside it', async () => {
    // Where the signal lands varies from run to run: before the save, during it (a `.saving-` folder
    // was left beside --out), during the move, or after the last line; each must leave no half.
    for (const i of [1, 2, 3]) {
      const parent = path.join(tmp(), `last-epoch-${i}`);
      await fs.mkdir(parent);
      const out = path.join(parent, 'model');
      const r = await trainStopped(['--out', out, '--epochs', '3'], /^epoch 3\/3 /m, 'SIGINT', 'group');
      expect(r.output).not.toMatch(/^error:|\n\s+at /m);
      const saved = existsSync(out);
      expect(saved ? (await fs.readdir(out)).sort() : []).toEqual(saved ? [...TRAIN_FILES].sort() : []);
      expect(leftovers(parent, ['model'])).toEqual([]);
      const last = r.output.trimEnd().split('\n').pop();
      if (r.signal !== null) expect(last).toBe(`stopped (Ctrl-C): ${saved ? `the model was saved to \`--out ${out}\`` : `no model was written; \`--out ${out}\` was left as it was`}`);
      else expect(last).toMatch(/; model saved to /);
    }
  });
});

describe('removeStaging (the staging folders removed as train stops)', () => {
  it('retries a removal that a save still writing into the folder makes fail (ENOTEMPTY), removing it whole', () => {
    const folder = path.join(tmp(), 'staging-retried');
    mkdirSync(path.join(folder, 'weights'), { recursive: true });
    writeFileSync(path.join(folder, 'weights', 'part.bin'), 'x');
    const calls: RmOptions[] = [];
    const lines: string[] = [];
    removeStaging(folder, (line) => lines.push(line), (p, options) => {
      calls.push(options ?? {});
      rmSync(p, options);
    });
    expect({ exists: existsSync(folder), lines, retries: (calls[0]?.maxRetries ?? 0) > 0, recursive: calls[0]?.recursive }).toEqual({
      exists: false,
      lines: [],
      retries: true,
      recursive: true,
    });
  });

  it('says in one line which folder is left when it cannot go, instead of a stack trace ending the stop', () => {
    const lines: string[] = [];
    const notEmpty = Object.assign(new Error('ENOTEMPTY: directory not empty, rmdir'), { code: 'ENOTEMPTY' });
    expect(() =>
      removeStaging('/runs/.model.training-42', (line) => lines.push(line), () => {
        throw notEmpty;
      }),
    ).not.toThrow();
    expect(lines).toEqual(['warning: could not remove /runs/.model.training-42 (ENOTEMPTY); remove it by hand']);
  });
});
