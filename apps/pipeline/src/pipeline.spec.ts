import { runCli } from '@digitfuse/core';
import { runNxTarget } from '@digitfuse/core/testing';
import { buildDemoDataset } from '@digitfuse/data';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FULL_STAGES, main as full } from './cli/full';
import { main as report } from './cli/report';
import { main as search } from './cli/search';
import { objectiveValue } from './objective';
import { offsetSeed } from './options';
import { STAGE_NAMES, type RunState } from './run-artifacts';

jest.setTimeout(600_000);

const root = mkdtempSync(join(tmpdir(), 'pipeline-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const dataDir = join(root, 'data');
const stderr: string[] = [];

beforeAll(async () => {
  await buildDemoDataset(dataDir, { train: 240, test: 40, seed: 3 });
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterAll(() => jest.restoreAllMocks());

const readState = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunState<Record<string, unknown>>;

describe('pipeline:search then pipeline:full --resume', () => {
  const run = join(root, 'run');
  const common = ['--data', dataDir, '--epochs', '1', '--seed', '5', '--backend', 'wasm', '--no-report'];

  it('runs the search stage alone and records it', async () => {
    await search([...common, '--trials', '2', '--ensemble', '2', '--tta', '--out', run]);
    const state = readState(run);
    expect(Object.keys(state.stages)).toEqual(['data', 'search']);
    const journal = readFileSync(join(run, 'search', 'study.jsonl'), 'utf8');
    expect(journal.match(/"state":"(COMPLETE|PRUNED)"/g)).toHaveLength(2);
    expect(readFileSync(join(run, 'search', 'trials.md'), 'utf8')).toContain('img_filters_1');
    // Trials are ranked by the shift-aware objective, computed from the figures each trial recorded.
    const csv = readFileSync(join(run, 'search', 'trials.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    const col = (name: string) => csv[0].indexOf(name);
    expect(col('val_clean')).toBeGreaterThan(col('value'));
    for (const row of csv.slice(1).filter((r) => r[col('state')] === 'COMPLETE')) {
      const [value, clean, shifted, image] = ['value', 'val_clean', 'val_shifted', 'val_image'].map((c) => Number(row[col(c)]));
      expect(value).toBeCloseTo(objectiveValue('shift-aware', { clean, shifted, image }), 4);
    }
    expect(stderr.join('')).toContain('objective: shift-aware');
  });

  it('report --run of the search alone says, in a line and in the report, that the evaluate stage has not run and how to run it', async () => {
    stderr.length = 0;
    await report(['--run', run]);
    const note = `This run has not run its evaluate stage yet (finished: data, search): \`digitfuse full --resume ${run}\` runs the stages left and writes this report again.`;
    expect(stderr.join('')).toContain(`\n    note: ${note.replace('this report', 'the report')}\n`);
    const md = readFileSync(join(run, 'report', 'report.md'), 'utf8');
    expect(md).toContain(`No validation evaluation was given. ${note}`);
    expect(md).toContain(`No training history was given. ${note}`);
    expect(Object.keys(readState(run).stages)).toEqual(['data', 'search']);
  });

  it('continues with retrain (an ensemble of 2), predict (with TTA), validate, evaluate and report, keeping the search', async () => {
    stderr.length = 0;
    await full(['--resume', run]);
    // Each member's line is followed by what its trial's calibration found of the test voices.
    const voices = stderr.join('').match(/^ {4}member \d\/2: trial \d+ .*\n {6}test voices: .*$/gm) ?? [];
    expect(voices).toHaveLength(2);
    for (const v of voices) expect(v).toMatch(/test voices: (the audio expert agrees with \d+\.\d% of the \d+ test rows? the image expert is sure of \(\d+\.\d% right on validation\): |not checked)/);
    const state = readState(run);
    expect(Object.keys(state.stages)).toEqual(['data', 'search', 'retrain', 'predict', 'validate', 'evaluate', 'report']);
    const lines = readFileSync(join(run, 'submission.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row_id,label');
    expect(lines).toHaveLength(41);
    const evaluation = JSON.parse(readFileSync(join(run, 'evaluation.json'), 'utf8'));
    expect(evaluation.ablation.map((a: { modality: string }) => a.modality)).toEqual(['both', 'image', 'audio']);
    expect(evaluation.ensemble.members).toBe(2);
    expect(evaluation.tta.accuracy).toBeGreaterThan(0);
    // best.json holds the model config the retraining trained the chosen trial with (`digitfuse train --config` takes it).
    const best = JSON.parse(readFileSync(join(run, 'search', 'best.json'), 'utf8'));
    expect(best.config).toEqual(JSON.parse(readFileSync(join(run, 'model', 'meta.json'), 'utf8')).config);
    // The default fusion is robust: the best trial's calibration is kept and the final model carries its weights.
    expect(Object.keys(evaluation.fusion.weights)).toEqual(['fused', 'image', 'audio']);
    expect(evaluation.fusion.target.n).toBe(40); // adapted to the 40 unlabelled test rows
    const finalMeta = JSON.parse(readFileSync(join(run, 'model', 'meta.json'), 'utf8'));
    expect(finalMeta.config.fusion).toBe('robust');
    expect(finalMeta.calibration.weights).toEqual(evaluation.fusion.weights);
    // How each member was retrained: every training row, none held out, its own shuffling seed (--seed 5, offset 1000 + member).
    const memberMeta = JSON.parse(readFileSync(join(run, 'model', 'member-1', 'meta.json'), 'utf8'));
    expect([finalMeta.training, memberMeta.training]).toEqual([
      { rows: 240, validationRows: 0, epochs: expect.any(Number), batchSize: 64, seed: offsetSeed(5, 1000) },
      { rows: 240, validationRows: 0, epochs: expect.any(Number), batchSize: 64, seed: offsetSeed(5, 1001) },
    ]);
    expect(existsSync(join(run, 'model', 'member-1', 'model.json'))).toBe(true);
    expect(existsSync(join(run, 'model', 'model.json'))).toBe(true);
    const summary = readFileSync(join(run, 'summary.md'), 'utf8');
    expect(summary).toContain('validation accuracy');
    expect(summary).toMatch(/\| objective \| shift-aware \|/);
    // Every stage's time, the report's own too (written once it is), and their sum.
    const times = [...summary.matchAll(/^\| time: (\w+(?: \w+)?) \| ([\d.]+)s[^|]*\|$/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(times.map(([name]) => name)).toEqual([...STAGE_NAMES, 'all stages']);
    const stages = times.slice(0, -1).reduce((sum, [, seconds]) => sum + seconds, 0);
    expect(times[times.length - 1][1]).toBeCloseTo(stages, 0);
    // report.html's summary, drawn after its figures, shows the same times.
    const page = readFileSync(join(run, 'report', 'report.html'), 'utf8');
    for (const row of summary.matchAll(/^\| (time: (?:report|all stages)) \| ([^|]+) \|$/gm)) expect(page).toContain(`<tr><td>${row[1]}</td><td>${row[2]}</td></tr>`);
    expect(summary).toMatch(/\| best trial: validation accuracy, shifted audio \| 0\.\d{4} \|/);
    // What was submitted, in the summary and on the command line.
    expect(summary).toMatch(/\| submitted predictions \| the average of 2 models, the configurations of the 2 best trials each retrained on all 240 training rows, with test-time augmentation/);
    expect(stderr.join('')).toMatch(/submission\.csv \(40 rows, the average of 2 models, with test-time augmentation\)/);
    // Each finished trial records the epoch it kept, the one retraining trains for (1 here: --epochs 1).
    const csv = readFileSync(join(run, 'search', 'trials.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    for (const row of csv.slice(1).filter((r) => r[csv[0].indexOf('state')] === 'COMPLETE')) expect(row[csv[0].indexOf('best_epoch')]).toBe('1');
    expect(stderr.join('')).toContain('already done in this run, skipped');
  });

  it('trains the ablation and maps the report\'s embeddings beside the retraining, with the numbers one process gets', async () => {
    const log = stderr.join('');
    expect(log).toMatch(/beside the retraining, process \d+ trains the modality ablation and maps the report's embeddings/);
    expect(log).toContain('modality ablation: trained beside the retraining');
    const besideFile = JSON.parse(readFileSync(join(run, 'ablation.json'), 'utf8'));
    const evaluation = JSON.parse(readFileSync(join(run, 'evaluation.json'), 'utf8'));
    expect(JSON.parse(besideFile.key).trial).toBe(evaluation.best.trial);
    expect(evaluation.ablation.slice(1)).toEqual(besideFile.value);
    const rerun = async (stages: readonly string[], args: readonly string[] = []) => {
      const state = readState(run);
      for (const stage of stages) delete state.stages[stage];
      writeFileSync(join(run, 'run.json'), JSON.stringify(state));
      stderr.length = 0;
      await full(['--resume', run, ...args]);
      return stderr.join('');
    };
    // The evaluate stage again, alone: no child this time (the retraining is done), the same figures.
    rmSync(join(run, 'ablation.json'));
    const alone = await rerun(['evaluate', 'report'], ['--no-report']);
    expect(alone).toContain("image-only model: the best configuration on the best trial's training rows");
    expect(alone).not.toContain('beside the retraining');
    expect(JSON.parse(readFileSync(join(run, 'ablation.json'), 'utf8'))).toEqual(besideFile);
    expect(JSON.parse(readFileSync(join(run, 'evaluation.json'), 'utf8')).ablation).toEqual(evaluation.ablation);
    // With the report on, the child also maps the embeddings (the ablation is saved: not trained again),
    // and the report uses its maps; the report alone, without them, draws the same ones.
    const withReport = await rerun(['retrain', 'predict', 'validate', 'evaluate', 'report'], ['--report']);
    expect(withReport.match(/t-SNE \+ K-means of \w+ embeddings \(\d+ x \d+\) computed beforehand/g)).toHaveLength(3);
    // Under the report stage's header as its other lines, each map's ARI said once (it was said twice, and `report: ...` unindented).
    expect(withReport.match(/^ {4}t-SNE \+ K-means of \w+ embeddings .*: ARI \d\.\d{3}, NMI \d\.\d{3}$/gm)).toHaveLength(3);
    expect(withReport.match(/ARI \d/g)).toHaveLength(3);
    expect(withReport).not.toMatch(/^report: (wrote|t-SNE)/m);
    expect(withReport).toContain('modality ablation: trained beside the retraining');
    const maps = () => /## Learnt features[^]*?\n## /.exec(readFileSync(join(run, 'report', 'report.md'), 'utf8'))?.[0];
    const beforehand = maps();
    expect(beforehand).toContain('Adjusted Rand index');
    rmSync(join(run, 'embedding-maps.json'));
    stderr.length = 0;
    await report(['--run', run]);
    expect(stderr.join('')).toMatch(/t-SNE \+ K-means of fused embeddings \(\d+ x \d+\) in [\d.]+ s/);
    expect(maps()).toEqual(beforehand);
  });

  it('pipeline:report regenerates the summary, figures and report.html from the run directory', async () => {
    await report(['--run', run]);
    for (const file of ['report.html', 'tsne-fused.png', 'kmeans-audio.png', 'confusion-matrix.png', 'digits-grid.png', 'modality-ablation.png']) {
      expect(existsSync(join(run, 'report', file))).toBe(true);
    }
    const html = readFileSync(join(run, 'report', 'report.html'), 'utf8');
    expect(html).toContain('data:image/png;base64,');
    expect(html).toContain('Does hearing make seeing more robust?');
    expect(html).toContain('Calibrated fusion of the best trial&#39;s model');
    expect(html).toMatch(/Trials were ranked by shift-aware: [^<]*The best, trial \d+, scored 0\.\d{4}: validation accuracy [\d.]+% with the training voices[^<]*shifted like a new voice, [\d.]+% from its image expert alone\./);
    expect(html).toContain('Shifted audio');
    expect(html).toMatch(/These figures are of the best trial&#39;s model \(trial \d+\), trained in the search on \d+ rows and measured on the \d+ held-out validation rows\./);
  });

  it('--trials or --budget on resume of a search that already holds --trials finished trials keeps it and the later stages', async () => {
    const before = readState(run);
    stderr.length = 0;
    await full(['--resume', run, '--trials', '2', '--budget', '1m', '--no-report']);
    expect(stderr.join('')).toContain('--trials 2: the search already finished 2 trials, so it and the later stages are kept');
    expect(stderr.join('')).not.toContain('the stages after it are to run again');
    const after = readState(run);
    for (const stage of ['search', 'retrain', 'predict', 'validate', 'evaluate']) expect(after.stages[stage]).toEqual(before.stages[stage]);
    expect(readFileSync(join(run, 'search', 'study.jsonl'), 'utf8').match(/"state":"(COMPLETE|PRUNED)"/g)).toHaveLength(2);
  });

  it('another --tta on resume makes the submission again with the kept search and retrained model', async () => {
    // It was refused ("start a new run with --out"): the search and retraining all over again for a flag of the predictions.
    const before = readState(run);
    expect(before.options.tta).toBe(true);
    const evaluation = () => JSON.parse(readFileSync(join(run, 'evaluation.json'), 'utf8')) as { tta?: unknown };
    expect(evaluation().tta).toBeDefined();
    stderr.length = 0;
    await full(['--resume', run, '--no-tta', '--no-report']);
    expect(stderr.join('')).toContain('--no-tta: predict, validate, evaluate, report run again with it (the search and retrain kept)');
    const after = readState(run);
    expect(after.options.tta).toBe(false);
    for (const stage of ['search', 'retrain']) expect(after.stages[stage]).toEqual(before.stages[stage]);
    for (const stage of ['predict', 'validate', 'evaluate']) expect(after.stages[stage].finishedAt).not.toEqual(before.stages[stage].finishedAt);
    expect(stderr.join('')).toMatch(/wrote \S+submission\.csv \(40 rows, the average of 2 models\)\n/);
    expect(evaluation().tta).toBeUndefined();
    // The same value again changes nothing.
    stderr.length = 0;
    await full(['--resume', run, '--no-tta', '--no-report']);
    expect(stderr.join('')).not.toContain('run again with it');
    expect(readState(run).stages.predict).toEqual(after.stages.predict);
  });

  it('another --ensemble on resume retrains with the kept search; one larger than the trial models the search kept is refused', async () => {
    const before = readState(run);
    expect(before.options.ensemble).toBe(2);
    const models = join(run, 'search', 'models');
    await expect(full(['--resume', run, '--ensemble', '3', '--no-report'])).rejects.toThrow(
      `Expected --ensemble to be at most 2 (the best trials whose models the search kept in ${models}: it keeps those of the --ensemble best, 2 when it ran), found 3; a larger ensemble needs a new run with --out`,
    );
    expect(readState(run)).toEqual(before);
    stderr.length = 0;
    await full(['--resume', run, '--ensemble', '1', '--no-report']);
    expect(stderr.join('')).toContain('--ensemble 1: retrain, predict, validate, evaluate, report run again with it (the search kept)');
    const after = readState(run);
    expect(after.options.ensemble).toBe(1);
    expect(after.stages.search).toEqual(before.stages.search);
    expect(after.stages.retrain.facts?.members).toBe(1);
    expect(stderr.join('')).toMatch(/wrote \S+submission\.csv \(40 rows, 1 model\)\n/);
    expect(existsSync(join(run, 'model', 'member-1'))).toBe(false);
  });

  it('a larger --trials on resume continues the search from its journal, and its time from the earlier search', async () => {
    const earlier = readState(run).stages.search.seconds;
    stderr.length = 0;
    await search(['--resume', run, '--trials', '3']);
    const journal = readFileSync(join(run, 'search', 'study.jsonl'), 'utf8');
    expect(journal.match(/"state":"(COMPLETE|PRUNED)"/g)).toHaveLength(3);
    const state = readState(run);
    expect(state.stages.retrain).toBeUndefined();
    // The search's record counts the earlier search's time too, and says how much of it that was.
    const record = state.stages.search;
    expect(record.earlierSeconds).toBe(earlier);
    expect(record.seconds).toBeGreaterThan(earlier);
    expect(state.spent).toBeUndefined();
    const now = Math.round((record.seconds - earlier) * 10) / 10;
    expect(stderr.join('')).toContain(`    done in ${now.toFixed(1)}s (${record.seconds.toFixed(1)}s with the ${earlier.toFixed(1)}s spent on it before a resume)\n`);
    // Every stage's line gives its time in tenths, as the summary does (`done in 0.0s`, not `0s`).
    expect(stderr.join('')).not.toMatch(/^ {4}done in \d+s/m);
  });
});

describe('a search resumed after it used its --budget', () => {
  it('ends with the trials it has; a --budget given with the resume is a new budget from there', async () => {
    const out = join(root, 'budget-used');
    const common = ['--data', dataDir, '--epochs', '1', '--seed', '5', '--backend', 'wasm', '--no-report'];
    await search([...common, '--trials', '3', '--budget', '1m', '--out', out]);
    // As a search stopped by Ctrl-C after its budget ran out leaves its run (run.json), with one trial finished.
    const journal = join(out, 'search', 'study.jsonl');
    const finished = () => readFileSync(journal, 'utf8').match(/"state":"(COMPLETE|PRUNED)"/g)?.length ?? 0;
    expect(finished()).toBe(3);
    const state = readState(out);
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    const firstDone = lines.findIndex((l) => /"state":"(COMPLETE|PRUNED)"/.test(l));
    writeFileSync(journal, lines.slice(0, firstDone + 1).join('\n') + '\n');
    delete state.stages.search;
    writeFileSync(join(out, 'run.json'), JSON.stringify({ ...state, budgetUsed: 61, spent: { search: 70 } }));
    stderr.length = 0;
    await search(['--resume', out]);
    expect(stderr.join('')).toContain(', budget 1m00s (1m01s of it used before the resume: 0s left)');
    expect(stderr.join('')).toContain('    the search budget was used before the resume: no more trials\n');
    expect(finished()).toBe(1);
    const ended = readState(out);
    const facts = ended.stages.search.facts as { finished: number; pruned: number };
    expect(facts.finished + facts.pruned).toBe(1);
    expect(ended.budgetUsed).toBeUndefined();
    expect(ended.stages.search.earlierSeconds).toBe(70);
    // A new --budget: the search goes on for it.
    stderr.length = 0;
    await search(['--resume', out, '--budget', '1m']);
    expect(stderr.join('')).not.toContain('used before the resume');
    expect(finished()).toBe(3);
  });
});

describe('STAGE_NAMES', () => {
  it("names full's stages in their order (open-run and the report read it)", () => {
    expect(FULL_STAGES.map((stage) => stage.name)).toEqual(STAGE_NAMES);
  });
});

describe('flag errors', () => {
  it.each([
    [['--trials', '0'], '--trials to be an integer from 1'],
    [['--budget', 'soon'], '`--budget` to be a duration'],
    [['--bogus'], 'Unknown argument: --bogus'],
    [['--backend', 'gpu'], 'Expected --backend to be one of auto, '],
    [['--fusion', 'late'], 'Expected --fusion to be one of attention, concat, robust, found `late`'],
    [['--out', 'a', '--resume', 'b'], 'either `--out`'],
  ])('refuses %j with one clear line and exit code > 0', async (args, message) => {
    stderr.length = 0;
    expect(await runCli(() => full(args))).toBeGreaterThan(0);
    expect(stderr.join('')).toContain(message);
    expect(stderr.join('')).not.toContain('    at ');
  });

  it('refuses a missing data folder by name, before creating the run', async () => {
    stderr.length = 0;
    expect(await runCli(() => full(['--data', join(root, 'nope'), '--out', join(root, 'r2')]))).toBe(1);
    expect(stderr.join('')).toBe(`error: Expected \`--data ${join(root, 'nope')}\` to be a folder with the competition's files, found no such folder\n`);
    expect(existsSync(join(root, 'r2'))).toBe(false);
  });

  // tfjs-node cannot install here or on CI (its libtensorflow download is broken upstream): `--backend tensorflow` is unavailable.
  const tfjsNode = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].some((pkg) => {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
  (tfjsNode ? it.skip : it).each([
    ['full', full],
    ['search', search],
  ] as const)('%s: an explicit --backend that cannot be used here is one line before the run directory is made (it came after the data stage had written run.json)', async (name, command) => {
    stderr.length = 0;
    const out = join(root, `no-backend-${name}`);
    expect(await runCli(() => command(['--data', dataDir, '--out', out, '--backend', 'tensorflow']))).toBe(1);
    expect(stderr.join('').trim().split('\n')).toEqual(['error: --backend tensorflow is not available: tfjs-node-gpu not installed; tfjs-node not installed']);
    expect(existsSync(out)).toBe(false);
  });

  it('says in one line that --data must be a folder when it is a file, before making a run directory', async () => {
    stderr.length = 0;
    const file = join(dataDir, 'y_train.csv');
    expect(await runCli(() => full(['--data', file, '--out', join(root, 'r3')]))).toBe(1);
    expect(stderr.join('').trim().split('\n')).toEqual([`error: Expected \`--data ${file}\` to be a folder with the competition's files, found a file`]);
    expect(existsSync(join(root, 'r3'))).toBe(false);
  });
});

describe('runs and their data', () => {
  const quick = ['--epochs', '1', '--trials', '1', '--backend', 'wasm', '--no-report', '--seed', '5'];

  it('retries a run that failed on a bad --data in the same --out, then refuses to resume it with different files', async () => {
    const out = join(root, 'retry');
    stderr.length = 0;
    expect(await runCli(() => search(['--data', join(root, 'missing'), '--out', out, ...quick]))).toBe(1);
    expect(await runCli(() => search(['--data', dataDir, '--out', out, ...quick]))).toBe(0);
    const other = join(root, 'other-data');
    await buildDemoDataset(other, { train: 240, test: 40, seed: 4 });
    // As a user runs it: the documented Nx target, a process of its own.
    const refused = await runNxTarget('pipeline:search', ['--resume', out, '--data', other]);
    expect(refused.status).not.toBe(0);
    expect(refused.output.split('\n').filter((l) => l.startsWith('error:'))).toEqual([
      `error: Expected \`--data ${other}\` to hold the same files as this run's data (${dataDir}), found different files; start a new run with --out for new data`,
    ]);
    // A copy of the same files is the same data.
    const copy = join(root, 'copy-data');
    cpSync(dataDir, copy, { recursive: true });
    expect(await runCli(() => search(['--resume', out, '--data', copy]))).toBe(0);
  });

  it('without test files says at the start that no submission will be written, and never names one', async () => {
    const noTest = join(root, 'no-test');
    cpSync(dataDir, noTest, { recursive: true });
    for (const f of ['x_test_wr.npy', 'x_test_sp.npy', 'y_test.csv']) rmSync(join(noTest, f), { force: true });
    const run = await runNxTarget('pipeline:full', ['--data', noTest, '--out', join(root, 'no-test-run'), ...quick]);
    expect(run.status).toBe(0);
    const text = run.output;
    expect(text).toContain(`note: ${noTest} has no x_test_wr.npy / x_test_sp.npy: the run searches, retrains and reports, but writes no submission`);
    expect(text).toMatch(/finished in \d+s: no submission written \(no test files\)/);
    // Each stage says what it did: the two submission stages that had nothing to do too.
    expect(text).toMatch(/\[4\/7\] predict[^\n]*\n {4}no x_test_wr\.npy \/ x_test_sp\.npy in the data folder: nothing to predict\n/);
    expect(text).toMatch(/\[5\/7\] validate[^\n]*\n {4}no submission was written \(no test files\): nothing to validate\n/);
    expect(existsSync(join(root, 'no-test-run', 'submission.csv'))).toBe(false);
  });

  it('refuses --out naming an existing file in one line', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    stderr.length = 0;
    expect(await runCli(() => full(['--out', file, '--data', dataDir, ...quick]))).toBe(1);
    expect(stderr.join('')).toContain(`error: Expected \`--out ${file}\` to be a run directory, found a file there`);
    expect(readFileSync(file, 'utf8')).toBe('x');
  });
});
