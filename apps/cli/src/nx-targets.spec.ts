import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNxTarget } from '@digitfuse/core/testing';
import { fitPreprocessStats, readNpy, writeNpy } from '@digitfuse/data';
import { writeCompetitionFixture } from '@digitfuse/data/testing';

// The reliability cases of issue #14, run as users run them: `npx nx run <target> ...` (the documented
// Nx targets, through the workspace's executor), each process spawned for real. Nx computes the
// project graph for every run, which takes seconds on a busy machine.
jest.setTimeout(600_000);

const tmp = mkdtempSync(join(tmpdir(), 'digitfuse-nx-cases-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `npx nx run <target> ...args` with a fake `kaggle` first on PATH (it only notes that it was called). */
const nxRun = (target: string, args: readonly string[]) =>
  runNxTarget(target, args, { PATH: `${join(tmp, 'bin')}:${process.env.PATH}`, KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k' });

const at = (...parts: string[]) => join(tmp, ...parts);
const kaggleLog = at('kaggle-was-called');
/** A file already there that no refused command may change (an earlier submission, a model folder). */
const KEPT = 'row_id,label\n0,7\n';

/** Builds every fixture the cases read: competition folders (good and broken), a model (good and tampered), files in the way. */
async function writeFixtures(): Promise<void> {
  // 25 test rows: the shift check judges audio from 20 rows on.
  const good = writeCompetitionFixture(at('good'), { nTrain: 30, nTest: 25 });
  const ids = ['row_id,label', ...Array.from({ length: 30 }, (_, i) => `${i === 12 ? '99999999999999999999999' : i},${(i * 7 + 3) % 10}`)];
  writeCompetitionFixture(at('ids'), { nTrain: 30, nTest: 5, files: { 'y_train.csv': `${ids.join('\n')}\n` } });
  writeCompetitionFixture(at('eisdir'), { nTrain: 30, nTest: 5, files: { 'x_train_wr.npy': null } });
  mkdirSync(at('eisdir', 'x_train_wr.npy'));
  cpSync(at('good'), at('loud'), { recursive: true });
  const audio = readNpy(at('good', 'x_test_sp.npy'));
  writeNpy(at('loud', 'x_test_sp.npy'), audio.data.map((v) => v * 1000), audio.shape);
  writeFileSync(at('banana.csv'), ['row_id,label', '0,banana', ...Array.from({ length: 24 }, (_, i) => `${i + 1},${i % 10}`)].join('\n') + '\n');
  writeFileSync(at('kept.csv'), KEPT);
  // The commands load the model package lazily; so does this spec.
  const { buildModel, saveModel, selectBackend, validateConfig } = await import('@digitfuse/model');
  const { TINY_CONFIG } = await import('@digitfuse/model/testing');
  await selectBackend('cpu', () => undefined);
  const config = validateConfig(TINY_CONFIG);
  await saveModel(at('model'), buildModel(config), { config, stats: fitPreprocessStats(good.trainImages, good.trainAudio) });
  cpSync(at('model'), at('evil', 'model'), { recursive: true });
  const manifest = JSON.parse(readFileSync(at('evil', 'model', 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  manifest.weightsManifest[0].paths = ['../../outside/w.bin'];
  writeFileSync(at('evil', 'model', 'model.json'), JSON.stringify(manifest));
  mkdirSync(at('bin'));
  writeFileSync(at('bin', 'kaggle'), `#!/bin/sh\ntouch ${JSON.stringify(kaggleLog)}\n`);
  chmodSync(at('bin', 'kaggle'), 0o755);
}

/** The case (issue #14's number), the target, its flags, and the start of the one `error:` line. */
const CASES: readonly [string, string, () => string[], string][] = [
  ['2 --batch-size kept by Nx', 'model:train', () => ['--batch-size', '0', '--out', at('never')], 'error: Expected --batch-size to be an integer from 1 to 65536, found 0'],
  ['3 upload a file that is no submission', 'submit:upload', () => ['--competition', 'c', '--message', 'm', '--submission', '/etc/passwd', '--data', at('good')], 'error: Expected `/etc/passwd` line 1 to be the header `row_id,label`'],
  ['3 upload a label that is no digit', 'submit:upload', () => ['--competition', 'c', '--message', 'm', '--submission', at('banana.csv'), '--data', at('good')], `error: Expected \`${at('banana.csv')}\` line 2 to have a label 0..9, found \`banana\``],
  ['3 upload a folder', 'submit:upload', () => ['--competition', 'c', '--message', 'm', '--submission', tmp, '--data', at('good')], `error: Expected the submission \`${tmp}\` to be a CSV file, found a folder`],
  ['3 a value that the kaggle CLI would read as an option', 'submit:upload', () => ['--competition=-f', '--message', 'm', '--submission', at('kept.csv'), '--data', at('good')], 'error: Expected `--competition` to be a Kaggle competition slug (letters, digits and dashes, as in its URL), found `-f`'],
  ['4 predict on test audio x1000', 'submit:predict', () => ['--model', at('model'), '--data', at('loud'), '--out', at('kept.csv'), '--backend', 'cpu'], 'error: Refusing to predict: the audio of the test rows'],
  ['5 a row id that is not 0..N-1', 'data:preprocess', () => ['--data', at('ids'), '--out', at('cache-ids')], 'error: Expected `y_train.csv` row_id values to be exactly 0..29 (one per row, any order), found 99999999999999999999999 on line 14'],
  ['8 a weights path outside the model folder', 'submit:predict', () => ['--model', at('evil', 'model'), '--data', at('good'), '--out', at('kept.csv'), '--backend', 'cpu'], `error: Expected the weights paths in \`${at('evil', 'model', 'model.json')}\` to stay inside the model folder, found \`../../outside/w.bin\``],
  ['9 a folder where an .npy file should be', 'data:preprocess', () => ['--data', at('eisdir'), '--out', at('cache-eisdir')], `error: Expected \`x_train_wr.npy\` in \`${at('eisdir')}\`, found a folder`],
  ['9 --out naming an existing file', 'model:train', () => ['--data', at('good'), '--out', at('kept.csv'), '--epochs', '1'], `error: Expected \`--out ${at('kept.csv')}\` to be a folder for the model, found a file there`],
  ['9 predict --out naming a folder', 'submit:predict', () => ['--model', at('model'), '--data', at('good'), '--out', at('model'), '--backend', 'cpu'], `error: Expected \`--out ${at('model')}\``],
  ['10 a fractional --seed', 'data:preprocess', () => ['--data', at('good'), '--seed', '1.5'], 'error: Expected --seed to be an integer from 0 to 2147483647, found 1.5'],
];

let runs: Awaited<ReturnType<typeof nxRun>>[];
let modelBefore: string;
beforeAll(async () => {
  await writeFixtures();
  modelBefore = readFileSync(at('model', 'weights.bin')).toString('base64');
  runs = [];
  // One at a time: each is a Node process computing Nx's project graph (and some load TensorFlow.js).
  for (const [, target, args] of CASES) runs.push(await nxRun(target, args()));
});

describe('bad input through the documented Nx targets (issue #14)', () => {
  it.each(CASES.map((c, i) => [c[0], c[1], i] as const))('case %s (%s): exit non-zero, one `error:` line, no stack trace', (_case, _target, i) => {
    const run = runs[i];
    const errors = run.output.split('\n').filter((l) => l.startsWith('error:'));
    // The whole output goes into the comparison, so a failure shows what the command printed.
    const seen = { status: run.status === 0 ? 0 : 'non-zero', errors: errors.length, line: errors[0]?.startsWith(CASES[i][3]) ? CASES[i][3] : errors[0] };
    expect(seen.errors === 1 && seen.line === CASES[i][3] ? seen : { ...seen, output: run.output }).toEqual({ status: 'non-zero', errors: 1, line: CASES[i][3] });
    expect(run.output).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });

  it('changed nothing that was there and uploaded nothing', () => {
    expect(readFileSync(at('kept.csv'), 'utf8')).toBe(KEPT);
    expect(readFileSync(at('model', 'weights.bin')).toString('base64')).toBe(modelBefore);
    expect(existsSync(kaggleLog)).toBe(false);
    expect(existsSync(at('never'))).toBe(false);
    expect(existsSync(at('cache-ids', 'prepared.bin'))).toBe(false);
  });
});
