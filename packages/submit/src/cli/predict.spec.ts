import { buildDemoDataset, readNpy, writeNpy } from '@digitfuse/data';
import { runScript, runScriptUnprivileged } from '@digitfuse/core/testing';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(600_000);

const root = mkdtempSync(join(tmpdir(), 'submit-predict-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const data = join(root, 'data');
const model = join(root, 'model');
const run = (script: string, args: string[]) => runScript(script, args);

beforeAll(async () => {
  await buildDemoDataset(data, { train: 200, test: 60, seed: 2 });
  const trained = run('packages/model/src/cli/train.ts', ['--data', data, '--out', model, '--epochs', '1', '--image-filters', '8,8,8', '--audio-filters', '8,8,8', '--units', '16', '--backend', 'wasm', '--progress', 'silent']);
  expect(trained.status).toBe(0);
});

/** A copy of the data folder whose test audio is multiplied by 1000 (a unit mix-up). */
function loudCopy(): string {
  const dir = join(root, 'loud');
  cpSync(data, dir, { recursive: true });
  const { data: audio, shape } = readNpy(join(data, 'x_test_sp.npy'));
  writeNpy(join(dir, 'x_test_sp.npy'), audio.map((v) => v * 1000), shape);
  return dir;
}

describe('submit:predict (spawned)', () => {
  it('predicts test rows like the training rows without a warning', () => {
    const out = join(root, 'ok.csv');
    const r = run('packages/submit/src/cli/predict.ts', ['--model', model, '--data', data, '--out', out, '--backend', 'wasm']);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain('warning:');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(61);
    expect(r.stderr).toMatch(new RegExp(`\\nwrote ${out}: 60 rows from 1 model in `));
  });

  it('says it replaced the submission an earlier run wrote to --out', () => {
    const out = join(root, 'again.csv');
    writeFileSync(out, 'row_id,label\n');
    const r = run('packages/submit/src/cli/predict.ts', ['--model', model, '--data', data, '--out', out, '--backend', 'wasm']);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`\\nreplaced ${out}: 60 rows from 1 model in `));
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(61);
  });

  it('refuses test audio x1000 in one line naming the figures and --allow-shift, writing nothing; --allow-shift goes on with a warning', () => {
    const loud = loudCopy();
    const out = join(root, 'loud.csv');
    const refused = run('packages/submit/src/cli/predict.ts', ['--model', model, '--data', loud, '--out', out, '--backend', 'wasm']);
    expect(refused.status).toBe(1);
    // One line, naming the audio file: no warning line repeating it before.
    const errors = refused.stderr.split('\n').filter((l) => !l.startsWith('backend:') && l.trim() !== '');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`^error: Refusing to predict: the audio of the test rows \\(\`${join(loud, 'x_test_sp.npy')}\`\\) is far from the training audio: mean \\|z\\| [\\d.e+]+ .*\\(check the files; --allow-shift to predict anyway\\)$`),
    );
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);
    const forced = run('packages/submit/src/cli/predict.ts', ['--model', model, '--data', loud, '--out', out, '--backend', 'wasm', '--allow-shift']);
    expect(forced.status).toBe(0);
    expect(forced.stderr).toContain(`warning: the audio of the test rows (\`${join(loud, 'x_test_sp.npy')}\`) is far from the training audio`);
    expect(existsSync(out)).toBe(true);
  });

  it.each([
    [['--batch-size', '0'], 2, 'error: Expected --batch-size to be an integer from 1 to 65536, found 0'],
    [['--batch-size', '2.5'], 2, 'error: Expected --batch-size to be an integer from 1 to 65536, found 2.5'],
    [['--batch-size', '1000000000'], 2, 'error: Expected --batch-size to be an integer from 1 to 65536, found 1000000000'],
    [['--batch-size', 'x'], 2, 'error: Expected --batch-size'],
    [['--out', '<file>/s.csv'], 1, 'error: Cannot write the submission to `--out <file>/s.csv`: a file is in the way of one of its folders (ENOTDIR); nothing was written'],
    [['--out', '<dir>'], 1, 'error: Expected `--out <dir>` to be a file to write the submission to, found a folder there'],
    [['--out', '<dir>/sub/'], 2, 'error: Expected --out to name a file to write the submission to, found the folder name `<dir>/sub/`'],
    // Found only as it wrote, after predicting every row.
    [['--out', '<dir>/loop.csv'], 1, 'error: Cannot write the submission to `--out <dir>/loop.csv`: too many symbolic links (a loop?) in its path (ELOOP); nothing was written'],
    // Root may write in /proc by access(), but nothing can be made there (as another user: permission denied).
    [['--out', '/proc/digitfuse-no-such.csv'], 1, 'error: Cannot write the submission to `--out /proc/digitfuse-no-such.csv`: '],
  ])('refuses %j in one line, with no stack, before loading a model, writing nothing', (flags, status, line) => {
    const at = join(root, 'refused');
    mkdirSync(at, { recursive: true });
    writeFileSync(join(at, 'afile.txt'), 'keep me');
    rmSync(join(at, 'loop.csv'), { force: true });
    symlinkSync('loop.csv', join(at, 'loop.csv'));
    const args = flags.map((f) => f.replace('<file>', join(at, 'afile.txt')).replace('<dir>', at));
    const expected = line.replace('<file>', join(at, 'afile.txt')).replace('<dir>', at);
    const r = run('packages/submit/src/cli/predict.ts', ['--model', model, '--data', data, '--backend', 'wasm', ...(args.includes('--out') ? [] : ['--out', join(at, 'out.csv')]), ...args]);
    expect(r.status).toBe(status);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim().slice(0, expected.length)).toBe(expected);
    expect(r.stderr).not.toContain('backend:');
    expect(readFileSync(join(at, 'afile.txt'), 'utf8')).toBe('keep me');
    expect(existsSync(join(at, 'out.csv'))).toBe(false);
  });

  it('refuses an --out that is one of its inputs (the labels, the test images, the weights; through a link too) with exit 2, changing nothing', () => {
    const link = join(root, 'labels-link.csv');
    symlinkSync(join(data, 'y_train.csv'), link);
    for (const [out, found] of [
      [join(data, 'y_train.csv'), `\`y_train.csv\` of \`--data ${data}\``],
      [join(data, 'x_test_wr.npy'), `\`x_test_wr.npy\` of \`--data ${data}\``],
      [join(model, 'weights.bin'), `\`weights.bin\` of \`--model ${model}\``],
      [link, `\`y_train.csv\` of \`--data ${data}\``],
    ]) {
      const before = readFileSync(out);
      const r = run('packages/submit/src/cli/predict.ts', ['--model', model, '--data', data, '--out', out, '--backend', 'wasm']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: `error: Expected \`--out ${out}\` to be a file other than the command's inputs, found ${found} there; nothing was written\n` });
      expect(readFileSync(out).equals(before)).toBe(true);
    }
  });

  it('refuses the same --model folder given twice under two names (`m` and `m/`) instead of averaging it as two models', () => {
    const out = join(root, 'twice.csv');
    const r = run('packages/submit/src/cli/predict.ts', ['--model', model, '--model', `${model}/`, '--data', data, '--out', out, '--backend', 'wasm']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: `error: Expected each --model once, found \`${model}\` and \`${model}/\`, the same folder (see --help)\n` });
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a --model folder without the model files in one line naming the missing ones (and model/ for a run directory), before choosing a backend', () => {
    const runDir = join(root, 'a-run');
    cpSync(model, join(runDir, 'model'), { recursive: true });
    const partial = join(root, 'partial-model');
    mkdirSync(partial);
    cpSync(join(model, 'meta.json'), join(partial, 'meta.json'));
    const out = join(root, 'never.csv');
    for (const [dir, found] of [
      [runDir, `a folder without model.json, weights.bin, meta.json but with a model in model/ (a run directory): give \`--model ${join(runDir, 'model')}\``],
      [partial, 'a folder without model.json, weights.bin'],
    ]) {
      const r = run('packages/submit/src/cli/predict.ts', ['--model', dir, '--data', data, '--out', out, '--backend', 'wasm']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`error: Expected \`--model ${dir}\` to be a model folder (model.json, weights.bin, meta.json), found ${found}\n`);
    }
    expect(existsSync(out)).toBe(false);
  });

  it("says when --model is an ensemble's best model whose other members (a run's model/member-<i>) are not given, and how to add them", () => {
    // A run's model/ with --ensemble 3: the best model's files, the others in member-1 and member-2.
    const ensemble = join(root, 'run', 'model');
    cpSync(model, ensemble, { recursive: true });
    for (const member of ['member-1', 'member-2']) cpSync(model, join(ensemble, member), { recursive: true });
    const alone = run('packages/submit/src/cli/predict.ts', ['--model', ensemble, '--data', data, '--out', join(root, 'best.csv'), '--backend', 'wasm']);
    expect(alone.status).toBe(0);
    expect(alone.stderr.split('\n').filter((l) => l.startsWith('note:'))).toEqual([
      `note: \`--model ${ensemble}\` is the best model of an ensemble whose other members (member-1, member-2) are not averaged in; ` +
        `add --model ${join(ensemble, 'member-1')} --model ${join(ensemble, 'member-2')} to predict as its run did`,
    ]);
    const all = run('packages/submit/src/cli/predict.ts', ['--model', ensemble, '--model', join(ensemble, 'member-1'), '--model', join(ensemble, 'member-2'), '--data', data, '--out', join(root, 'all.csv'), '--backend', 'wasm']);
    expect(all.status).toBe(0);
    expect(all.stderr).not.toContain('note:');
    expect(all.stderr).toContain('from 3 models');
  });
});

describe('submit:predict with a robust-fusion model (spawned)', () => {
  const robust = join(root, 'robust-model');
  beforeAll(() => {
    const trained = run('packages/model/src/cli/train.ts', ['--data', data, '--out', robust, '--fusion', 'robust', '--epochs', '2', '--image-filters', '8,8,8', '--audio-filters', '8,8,8', '--units', '16', '--backend', 'wasm', '--progress', 'silent']);
    expect({ status: trained.status, tail: trained.status === 0 ? '' : trained.stderr.slice(-2000) }).toEqual({ status: 0, tail: '' });
  });
  const adaptedLines = (stderr: string) => stderr.split('\n').filter((l) => l.includes('adapted to these test rows'));
  const submission = (out: string) => readFileSync(out, 'utf8');

  it('keeps the weights adapted in training on the test rows it was adapted to, and adapts them to other test rows, saying how familiar their voices are', () => {
    const own = run('packages/submit/src/cli/predict.ts', ['--model', robust, '--data', data, '--out', join(root, 'robust-own.csv'), '--backend', 'wasm']);
    expect({ status: own.status, adapted: adaptedLines(own.stderr) }).toEqual({ status: 0, adapted: [] });
    // The same training files, other test rows (the first 30 test rows twice over, in reverse): another test set.
    const other = join(root, 'other-test');
    cpSync(data, other, { recursive: true });
    for (const [file, width] of [['x_test_wr.npy', 784], ['x_test_sp.npy', 507]] as const) {
      const { data: values } = readNpy(join(data, file));
      const rows = Array.from({ length: 60 }, (_, i) => values.slice((29 - (i % 30)) * width, (30 - (i % 30)) * width));
      writeNpy(join(other, file), Float32Array.from(rows.flatMap((r) => Array.from(r))), [60, width]);
    }
    const adapted = run('packages/submit/src/cli/predict.ts', ['--model', robust, '--data', other, '--out', join(root, 'robust-other.csv'), '--backend', 'wasm']);
    expect({ status: adapted.status, adapted: adaptedLines(adapted.stderr) }).toEqual({
      status: 0,
      adapted: [expect.stringMatching(new RegExp(`^\`--model ${robust}\`, adapted to these test rows: test voices: (the audio expert agrees with [\\d.]+% of the \\d+ test rows? the image expert is sure of .*|not checked .*)$`))],
    });
    // Adapting is deterministic: the same rows again give the same submission.
    const again = run('packages/submit/src/cli/predict.ts', ['--model', robust, '--data', other, '--out', join(root, 'robust-other-2.csv'), '--backend', 'wasm']);
    expect(again.status).toBe(0);
    expect(submission(join(root, 'robust-other-2.csv'))).toBe(submission(join(root, 'robust-other.csv')));
  });

  it('predicts test audio offset like another recording chain (mean |z| about 8) with a warning for the robust model, which adapts to it; refuses it for the paper fusion, which relies on the audio', () => {
    const offset = join(root, 'offset');
    cpSync(data, offset, { recursive: true });
    // Every feature moved by 8 of the model's training standard deviations (a test file scaled on its own range gave 7.8).
    const std = JSON.parse(readFileSync(join(robust, 'meta.json'), 'utf8')).stats.audioStd as number[];
    const { data: audio, shape } = readNpy(join(data, 'x_test_sp.npy'));
    writeNpy(join(offset, 'x_test_sp.npy'), audio.map((v, k) => v + 8 * std[k % std.length]), shape);
    const file = join(offset, 'x_test_sp.npy');
    const r = run('packages/submit/src/cli/predict.ts', ['--model', robust, '--data', offset, '--out', join(root, 'offset.csv'), '--backend', 'wasm']);
    expect({ status: r.status, warnings: r.stderr.split('\n').filter((l) => l.startsWith('warning:')), adapted: adaptedLines(r.stderr).length }).toEqual({
      status: 0,
      warnings: [expect.stringMatching(new RegExp(`^warning: the audio of the test rows \\(\`${file}\`\\) differs from the training audio: mean \\|z\\| [\\d.]+ .*leaves the prediction to its image expert where this audio disagrees with it`))],
      adapted: 1,
    });
    const concat = run('packages/submit/src/cli/predict.ts', ['--model', model, '--data', offset, '--out', join(root, 'offset-concat.csv'), '--backend', 'wasm']);
    expect({ status: concat.status, errors: concat.stderr.split('\n').filter((l) => l.startsWith('error:')) }).toEqual({
      status: 1,
      errors: [expect.stringMatching(/^error: Refusing to predict: the audio of the test rows .* is far from the training audio: .*--allow-shift to predict anyway\)$/)],
    });
  });

  it('refuses in one line naming meta.json a damaged record of what adapting takes (it would set NaN weights), writing nothing', () => {
    const damaged = join(root, 'robust-damaged');
    cpSync(robust, damaged, { recursive: true });
    const meta = JSON.parse(readFileSync(join(damaged, 'meta.json'), 'utf8'));
    meta.calibration.validation.weights.audio = 'loud';
    writeFileSync(join(damaged, 'meta.json'), JSON.stringify(meta));
    const out = join(root, 'robust-damaged.csv');
    const r = run('packages/submit/src/cli/predict.ts', ['--model', damaged, '--data', data, '--out', out, '--backend', 'wasm']);
    expect({ status: r.status, lines: r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('backend:')) }).toEqual({
      status: 1,
      lines: [`error: Expected \`calibration.validation.weights.audio\` in \`${join(damaged, 'meta.json')}\` to be a weight >= 0, found "loud"`],
    });
    expect(existsSync(out)).toBe(false);
  });
});

describe('submit:predict with models trained on other rows (spawned)', () => {
  /** A copy of the trained model whose meta.json holds other preprocessing statistics, as training on other rows gives. */
  function withStats(name: string, change: (stats: { imageScale: number; audioMean: number[]; audioStd: number[] }) => void): string {
    const dir = join(root, name);
    cpSync(model, dir, { recursive: true });
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
    change(meta.stats);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    return dir;
  }

  it("scales the test rows for each --model with that model's own statistics: a model trained on [0,1] images is refused by name, whatever the order", () => {
    const unit = withStats('unit-images', (stats) => void (stats.imageScale = 1));
    for (const models of [[model, unit], [unit, model]]) {
      const out = join(root, 'mixed.csv');
      const r = run('packages/submit/src/cli/predict.ts', [...models.flatMap((m) => ['--model', m]), '--data', data, '--out', out, '--backend', 'wasm']);
      expect(r.status).toBe(1);
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
        `error: Refusing to predict with \`--model ${unit}\`: the images of the test rows (\`${join(data, 'x_test_wr.npy')}\`) reach 2.55e+2 after scaling (training images lie in [0,1]): ` +
          'they look stored on another scale (e.g. 0..255 where the model expects [0,1]) (check the files; --allow-shift to predict anyway)',
      ]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('averages the same predictions whichever --model comes first when their statistics differ', () => {
    const other = withStats('other-rows', (stats) => void (stats.audioMean = stats.audioMean.map((m, j) => m + 1.5 * stats.audioStd[j])));
    const [ab, ba] = [join(root, 'ab.csv'), join(root, 'ba.csv')];
    for (const [out, models] of [[ab, [model, other]], [ba, [other, model]]] as const) {
      const r = run('packages/submit/src/cli/predict.ts', [...models.flatMap((m) => ['--model', m]), '--data', data, '--out', out, '--backend', 'wasm']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: expect.stringContaining(`warning: for \`--model ${other}\`: the audio of the test rows`) });
    }
    expect(readFileSync(ba, 'utf8')).toBe(readFileSync(ab, 'utf8'));
  });
});

describe('submit:predict with a damaged weights file (spawned)', () => {
  it('refuses NaN weights in one line naming weights.bin and the weight, instead of writing a "valid" submission of all zeros', () => {
    const damaged = join(root, 'nan-weights');
    cpSync(model, damaged, { recursive: true });
    const bytes = readFileSync(join(damaged, 'weights.bin'));
    new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).fill(NaN, 0, 3);
    writeFileSync(join(damaged, 'weights.bin'), bytes);
    const out = join(root, 'nan.csv');
    const r = run('packages/submit/src/cli/predict.ts', ['--model', damaged, '--data', data, '--out', out, '--backend', 'wasm']);
    expect(r.status).toBe(1);
    expect(r.stderr.split('\n').filter((l) => !l.startsWith('backend:') && l !== '')).toEqual([
      expect.stringMatching(new RegExp(`^error: Expected \`${join(damaged, 'weights.bin')}\` to hold finite weights, found NaN in weight \`\\w+/kernel\` \\(value 1 of \\d+\\): the file is damaged, or the model diverged in training$`)),
    ]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('submit:predict with model files as other programs leave them (spawned)', () => {
  it('predicts with a meta.json and a model.json that begin with a UTF-8 byte-order mark (a Windows editor saved them), as with the files unchanged', () => {
    const bom = join(root, 'bom-model');
    cpSync(model, bom, { recursive: true });
    for (const name of ['meta.json', 'model.json']) writeFileSync(join(bom, name), `\uFEFF${readFileSync(join(bom, name), 'utf8')}`);
    const [plain, edited] = [join(root, 'plain.csv'), join(root, 'bom.csv')];
    for (const [dir, out] of [[model, plain], [bom, edited]]) {
      const r = run('packages/submit/src/cli/predict.ts', ['--model', dir, '--data', data, '--out', out, '--backend', 'wasm']);
      expect({ status: r.status, errors: r.stderr.split('\n').filter((l) => l.startsWith('error:')) }).toEqual({ status: 0, errors: [] });
    }
    expect(readFileSync(edited, 'utf8')).toBe(readFileSync(plain, 'utf8'));
  });

  it('names a model file it may not read in one line (permission denied), run by a user other than root (it printed only EACCES)', () => {
    // Open to that user: a folder it may enter, a copy of the data, and a folder it may write the submission in.
    const open = mkdtempSync(join(tmpdir(), 'submit-predict-open-'));
    try {
      chmodSync(open, 0o755);
      cpSync(data, join(open, 'data'), { recursive: true });
      mkdirSync(join(open, 'out'));
      chmodSync(join(open, 'out'), 0o777);
      for (const [name, line] of [
        ['weights.bin', (dir: string) => `error: Expected the weights file \`${join(dir, 'weights.bin')}\` named in \`${join(dir, 'model.json')}\` to be a file it can read, found a file it may not read (permission denied, EACCES)`],
        ['model.json', (dir: string) => `error: Expected \`${join(dir, 'model.json')}\` to be the model's topology (JSON), found a file it may not read (permission denied, EACCES)`],
        ['meta.json', (dir: string) => `error: Expected \`${join(dir, 'meta.json')}\` to be the model's metadata (JSON), found a file it may not read (permission denied, EACCES)`],
      ] as const) {
        const dir = join(open, `closed-${name}`);
        cpSync(model, dir, { recursive: true });
        chmodSync(join(dir, name), 0);
        const out = join(open, 'out', `${name}.csv`);
        const r = runScriptUnprivileged('packages/submit/src/cli/predict.ts', ['--model', dir, '--data', join(open, 'data'), '--out', out, '--backend', 'wasm']);
        expect({ status: r.status, lines: r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('backend:')) }).toEqual({ status: 1, lines: [line(dir)] });
        expect(existsSync(out)).toBe(false);
      }
      // A model folder behind a folder it may not enter said `found nothing there`; a model folder it may not enter, `a folder without model.json, weights.bin, meta.json`.
      const shut = join(open, 'shut');
      mkdirSync(shut);
      cpSync(model, join(shut, 'model'), { recursive: true });
      const closedModel = join(open, 'closed-folder');
      cpSync(model, closedModel, { recursive: true });
      chmodSync(shut, 0o700);
      chmodSync(closedModel, 0o700);
      for (const [dir, line] of [
        [join(shut, 'model'), `error: Expected \`--model ${join(shut, 'model')}\` to be a model folder (model.json, weights.bin, meta.json), found no access to the folder \`${shut}\` on its path (permission denied, EACCES)`],
        [closedModel, `error: Expected \`${join(closedModel, 'meta.json')}\` to be the model's metadata (JSON), found no access to the folder \`${closedModel}\` on its path (permission denied, EACCES)`],
      ]) {
        const out = join(open, 'out', 'closed-folder.csv');
        const r = runScriptUnprivileged('packages/submit/src/cli/predict.ts', ['--model', dir, '--data', join(open, 'data'), '--out', out, '--backend', 'wasm']);
        expect({ status: r.status, lines: r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('backend:')) }).toEqual({ status: 1, lines: [line] });
        expect(existsSync(out)).toBe(false);
      }
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });
});

describe('submit:predict --tta with an audio-only model (spawned)', () => {
  const audio = join(root, 'audio-model');
  beforeAll(() => {
    const trained = run('packages/model/src/cli/train.ts', ['--data', data, '--out', audio, '--modality', 'audio', '--epochs', '1', '--audio-filters', '8,8,8', '--units', '16', '--backend', 'wasm', '--progress', 'silent']);
    expect(trained.status).toBe(0);
  });

  it('refuses --tta (image shifts) when the only --model is audio-only, in one line naming both, before choosing a backend, writing nothing (it was a silent no-op)', () => {
    const out = join(root, 'audio-tta.csv');
    const r = run('packages/submit/src/cli/predict.ts', ['--model', audio, '--data', data, '--out', out, '--backend', 'wasm', '--tta']);
    expect({ status: r.status, stderr: r.stderr }).toEqual({
      status: 1,
      stderr: `error: Expected --tta (one-pixel image shifts) with a model that sees images, found \`--model ${audio}\`, an audio-only model (no image branch); leave out --tta\n`,
    });
    expect(existsSync(out)).toBe(false);
    // Without --tta it predicts.
    expect(run('packages/submit/src/cli/predict.ts', ['--model', audio, '--data', data, '--out', out, '--backend', 'wasm']).status).toBe(0);
  });

  it('warns once, naming the audio-only --model, when another --model sees images, and averages the image model with TTA', () => {
    const out = join(root, 'mixed-tta.csv');
    const r = run('packages/submit/src/cli/predict.ts', ['--model', model, '--model', audio, '--data', data, '--out', out, '--backend', 'wasm', '--tta']);
    expect(r.status).toBe(0);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('warning:') || l.startsWith('error:'))).toEqual([
      `warning: --tta shifts the images only: \`--model ${audio}\`, an audio-only model (no image branch), predicts the test rows unshifted`,
    ]);
    expect(r.stderr).toContain('from 2 models');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(61);
  });
});
