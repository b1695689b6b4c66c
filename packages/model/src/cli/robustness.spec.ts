import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPETITION_FILES } from '@digitfuse/data';
import { runScript, runScriptUnprivileged, useTempDir } from '@digitfuse/core/testing';

// A separate process through tsx: seconds, more on a loaded 2-core machine.
jest.setTimeout(120_000);

/** A file, a folder with every file a set needs (empty: only their names are checked up front), a folder with y_test.csv alone. */
function makePaths(dir: string) {
  const file = join(dir, 'afile');
  writeFileSync(file, 'not a folder\n');
  const set = join(dir, 'a-clean');
  mkdirSync(set, { recursive: true });
  for (const name of Object.values(COMPETITION_FILES)) writeFileSync(join(set, name), '');
  const labelsOnly = join(dir, 'b-noisy');
  mkdirSync(labelsOnly, { recursive: true });
  writeFileSync(join(labelsOnly, COMPETITION_FILES.testLabels), 'row_id,label\n');
  return { file, set, labelsOnly, missing: join(dir, 'missing') };
}
type Paths = ReturnType<typeof makePaths>;

describe('digitfuse bench robustness (the binary)', () => {
  const tmp = useTempDir('robustness-cli-', 'each');

  // Each ran into the benchmark before: ENOTDIR with a stack trace, or a failure at the set (or the first save) that names it, after the sets before it had trained.
  const cases: [string, (p: Paths) => string[], number, (p: Paths) => string][] = [
    ['--root that is a file', (p) => ['--root', p.file], 1, (p) => `Expected \`--root ${p.file}\` to be a folder of benchmark sets, found a file there`],
    ['--root that is missing', (p) => ['--root', p.missing], 1, (p) => `Expected \`--root ${p.missing}\` to be a folder of benchmark sets, found nothing there`],
    ['--sets entry that is a file', (p) => ['--sets', `${p.set},${p.file}`], 1, (p) => `Expected \`--sets\` entry \`${p.file}\` to be a set folder (competition files and y_test.csv), found a file there`],
    ['--sets entry that is missing', (p) => ['--sets', `${p.set},${p.missing}`], 1, (p) => `Expected \`--sets\` entry \`${p.missing}\` to be a set folder (competition files and y_test.csv), found nothing there`],
    [
      '--sets entry without the competition files',
      (p) => ['--sets', `${p.set},${p.labelsOnly}`],
      1,
      (p) => `Expected \`--sets\` entry \`${p.labelsOnly}\` to hold the competition files and y_test.csv, found no \`x_train_wr.npy\`, \`x_train_sp.npy\`, \`y_train.csv\`, \`x_test_wr.npy\`, \`x_test_sp.npy\``,
    ],
    ['--sets with an empty entry', (p) => ['--sets', `${p.set},,${p.set}`], 2, (p) => `Expected --sets to be a comma-separated list of values, found an empty entry in \`${p.set},,${p.set}\``],
    ['--out that is a file', (p) => ['--sets', p.set, '--out', p.file], 1, (p) => `Expected \`--out ${p.file}\` to be a folder for robustness.json and robustness.md, found a file there; nothing was written`],
    ['--out below a file', (p) => ['--sets', p.set, '--out', join(p.file, 'out')], 1, (p) => `Expected \`--out ${join(p.file, 'out')}\` to be a folder for robustness.json and robustness.md, found a file at \`${p.file}\`; nothing was written`],
    ['--seed -1', (p) => ['--sets', p.set, '--seed', '-1'], 2, () => 'Expected --seed to be an integer from 0 to 2147483647, found -1'],
    // The one limit of every command's --epochs (MAX_EPOCHS): it had none here.
    ['--epochs 1001', (p) => ['--sets', p.set, '--epochs', '1001'], 2, () => 'Expected --epochs to be an integer from 1 to 1000, found 1001'],
  ];
  it.each(cases)('refuses a %s in one line before any work', (_case, flags, status, message) => {
    const p = makePaths(tmp());
    const given = flags(p);
    const run = runScript('packages/model/src/cli/robustness.ts', [...given, '--models', 'image', '--config', 'small', ...(given.includes('--epochs') ? [] : ['--epochs', '1'])]);
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status, stdout: '', stderr: `error: ${message(p)}\n` });
  });

  // Run by a user other than root: each printed Node's `EACCES: permission denied, stat` (or `scandir`) with a stack trace.
  it.each([
    ['--root behind a folder it may not enter', (shut: string) => ['--root', join(shut, 'sets')], (shut: string) => `Expected \`--root ${join(shut, 'sets')}\` to be a folder of benchmark sets, found no access to the folder \`${shut}\` on its path (permission denied, EACCES)`],
    ['--sets entry behind a folder it may not enter', (shut: string) => ['--sets', join(shut, 'sets')], (shut: string) => `Expected \`--sets\` entry \`${join(shut, 'sets')}\` to be a set folder (competition files and y_test.csv), found no access to the folder \`${shut}\` on its path (permission denied, EACCES)`],
    ['--root it may not list', (shut: string) => ['--root', shut], (shut: string) => `Expected a folder of benchmark datasets at \`${shut}\`, found one it may not list: permission denied (EACCES)`],
  ])('refuses a %s in one line, as a user other than root', (_case, flags, message) => {
    const dir = tmp();
    chmodSync(dir, 0o755);
    const shut = join(dir, 'shut');
    mkdirSync(join(shut, 'sets'), { recursive: true });
    chmodSync(shut, 0o700);
    const run = runScriptUnprivileged('packages/model/src/cli/robustness.ts', [...flags(shut), '--models', 'image', '--config', 'small', '--epochs', '1', '--out', join(dir, 'out')]);
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({ status: 1, stdout: '', stderr: `error: ${message(shut)}\n` });
  });
});
