import { shellQuote } from '@digitfuse/core';
import { counted, FileWriteError, folderProblem, MAX_BATCH, parseArgs, positiveInt, runMain, UsageError, writeProblem } from '@digitfuse/core';
import { COMPETITION_FILES, inputShift, loadCompetition, preprocess, requireDataDir, statsToJSON, type AudioUse, type ModelInputs, type PreprocessStats } from '@digitfuse/data';
import { audioUseOf, BACKEND_CHOICES, ensembleMemberDirs, missingModelFiles, MODEL_FILES, readMeta, selectBackend, testVoicesLine, type BackendChoice, type FusionAdaptation } from '@digitfuse/model';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { SubmissionError } from '../errors';
import { predict } from '../predict';
import { validateSubmission } from '../validate-submission';
import { defaultSubmissionPath, writeSubmission } from '../write-submission';

/**
 * Refuses an `--out` that is one of the files the command reads (the same file, through any path or
 * link): the competition files of `--data` (`--out data/y_train.csv` replaced the labels) and the
 * model files of each `--model`. A UsageError naming both (exit 2), before anything is loaded.
 */
function checkOutNotInput(out: string, data: string, models: readonly string[]): void {
  const statOf = (file: string) => {
    try {
      return statSync(file);
    } catch {
      return undefined; // absent, or not to be looked at: no file this command reads
    }
  };
  const target = statOf(out);
  if (!target) return; // a new file is no input
  const inputs = [
    ...Object.values(COMPETITION_FILES).map((name) => ({ file: join(data, name), owner: `--data ${data}` })),
    ...models.flatMap((model) => MODEL_FILES.map((name) => ({ file: join(model, name), owner: `--model ${model}` }))),
  ];
  for (const { file, owner } of inputs) {
    const st = statOf(file);
    if (st && st.dev === target.dev && st.ino === target.ino) {
      throw new UsageError(`Expected \`--out ${out}\` to be a file other than the command's inputs, found \`${basename(file)}\` of \`${owner}\` there; nothing was written`);
    }
  }
}

/**
 * `--tta` shifts the images only: refuses it when every model is audio-only (`audioOnly`, as given to
 * --model; it would change nothing), and warns once, naming them, when only some are (those predict
 * the rows unshifted). A SubmissionError naming --tta and the models (exit 1).
 */
function refuseTtaWithoutImages(audioOnly: readonly string[], models: number): void {
  if (audioOnly.length === 0) return;
  const named = audioOnly.map((m) => `\`--model ${m}\``).join(', ');
  const [what, predicts] = audioOnly.length > 1 ? ['audio-only models', 'predict'] : ['an audio-only model', 'predicts'];
  if (audioOnly.length === models) {
    throw new SubmissionError(`Expected --tta (one-pixel image shifts) with a model that sees images, found ${named}, ${what} (no image branch); leave out --tta`, audioOnly[0]);
  }
  process.stderr.write(`warning: --tta shifts the images only: ${named}, ${what} (no image branch), ${predicts} the test rows unshifted\n`);
}

/** `digitfuse predict --model DIR --data DIR --out FILE` (`nx run submit:predict`): predict the test files and write a validated submission.csv. */
export async function main(argv: readonly string[]): Promise<void> {
  const spec = { name: 'digitfuse predict', usage: '--model DIR [--model DIR ...] --data DIR [--out FILE]', describe: 'Predict the test files and write a validated submission.' };
  const args = await parseArgs(argv, spec, (y) =>
    y
      .option('model', { type: 'string', array: true, demandOption: true, describe: 'Model directory (model.json + weights.bin + meta.json); several = average their softmax' })
      .option('data', { type: 'string', demandOption: true, describe: 'Folder with x_test_wr.npy and x_test_sp.npy (and the training files)' })
      .option('out', { type: 'string', default: defaultSubmissionPath(), defaultDescription: '<workspace>/submission.csv', describe: 'The submission file to write (its folders are made; an earlier file there is replaced whole)' })
      .option('tta', {
        type: 'boolean',
        default: false,
        describe:
          'Test-time augmentation: average over one-pixel image shifts (images only: refused when every --model is audio-only; an audio-only one among others predicts unshifted, with a warning)',
      })
      .option('batch-size', { type: 'number', default: 256, describe: 'Rows per prediction batch (1 to 65536)' })
      .option('allow-shift', { type: 'boolean', default: false, describe: 'Predict even when the test inputs are grossly unlike the training data (wrong scale, unit mix-up)' })
      .option('backend', { choices: BACKEND_CHOICES, default: 'auto' as BackendChoice, describe: 'Compute backend' }),
  );
  const dirs = (args.model as string[]).map((d) => resolve(d));
  // Refuse what cannot be done now, before the models are loaded and the test rows predicted.
  const batchSize = positiveInt(args['batch-size'], 'batch-size', { max: MAX_BATCH });
  if (/[/\\]$/.test(args.out)) throw new UsageError(`Expected --out to name a file to write the submission to, found the folder name \`${args.out}\``);
  if (existsSync(args.out) && statSync(args.out).isDirectory()) {
    throw new SubmissionError(`Expected \`--out ${args.out}\` to be a file to write the submission to, found a folder there`, args.out);
  }
  const problem = writeProblem(args.out);
  if (problem) throw new FileWriteError(`Cannot write the submission to \`--out ${args.out}\`: ${problem}; nothing was written`);
  for (const [i, dir] of dirs.entries()) {
    const given = (args.model as string[])[i];
    const expected = `Expected \`--model ${given}\` to be a model folder (${MODEL_FILES.join(', ')})`;
    // Behind a folder this process may not enter: said so (not as nothing there).
    const problem = folderProblem(dir);
    if (problem !== null) {
      const found = problem.kind === 'nothing' ? 'nothing there' : problem.kind === 'file' ? 'a file (give its folder)' : problem.found;
      throw new SubmissionError(`${expected}, found ${found}`, dir);
    }
    const missing = missingModelFiles(dir);
    if (missing.length === 0) continue;
    // A run directory holds its model in model/: name the folder that was meant.
    const inRun = missing.length === MODEL_FILES.length && missingModelFiles(join(dir, 'model')).length === 0 ? ` but with a model in model/ (a run directory): give \`--model ${shellQuote(join(given, 'model'))}\`` : '';
    throw new SubmissionError(`${expected}, found a folder without ${missing.join(', ')}${inRun}`, dir);
  }
  // The same folder given twice (`m1` and `m1/`, or through a symbolic link) would be averaged as two models.
  const real = dirs.map((dir) => realpathSync(dir));
  for (const [i, dir] of real.entries()) {
    const first = real.indexOf(dir);
    if (first < i) throw new UsageError(`Expected each --model once, found \`${(args.model as string[])[first]}\` and \`${(args.model as string[])[i]}\`, the same folder (see --help)`);
  }
  requireDataDir(resolve(args.data));
  checkOutNotInput(args.out, args.data, args.model as string[]);
  // A run's model/ with --ensemble K holds the other members inside it: say how to average them as the run did.
  for (const [i, dir] of dirs.entries()) {
    const left = ensembleMemberDirs(dir).filter((member) => !dirs.includes(member));
    if (left.length === 0) continue;
    const flags = left.map((member) => `--model ${shellQuote(join((args.model as string[])[i], basename(member)))}`).join(' ');
    process.stderr.write(`note: \`--model ${(args.model as string[])[i]}\` is the best model of an ensemble whose other members (${left.map((m) => basename(m)).join(', ')}) are not averaged in; add ${flags} to predict as its run did\n`);
  }
  // Each model sees the test rows scaled as its own training rows were (meta.json's statistics):
  // models trained on other rows (another --data, --split-seed or --val-fraction) scale them otherwise.
  const groups: { key: string; stats: PreprocessStats; given: string[]; dirs: string[]; uses: AudioUse[] }[] = [];
  const audioOnly: string[] = [];
  for (const [i, dir] of dirs.entries()) {
    const { stats, config, calibration } = await readMeta(dir);
    if (config.modality === 'audio') audioOnly.push((args.model as string[])[i]);
    if (!stats) throw new SubmissionError(`Expected ${dir}/meta.json to hold the preprocessing statistics, found none`, dir);
    const key = JSON.stringify(statsToJSON(stats));
    let group = groups.find((g) => g.key === key);
    if (!group) groups.push((group = { key, stats, given: [], dirs: [], uses: [] }));
    group.given.push((args.model as string[])[i]);
    group.dirs.push(dir);
    // A model saved before its calibration kept what adapting to these rows takes is judged as one relying on the audio.
    const use = audioUseOf(config);
    group.uses.push(use === 'falls-back' && calibration?.validation === undefined ? 'relies' : use);
  }
  if (args.tta) refuseTtaWithoutImages(audioOnly, dirs.length);
  await selectBackend(args.backend, (line) => process.stderr.write(line + '\n'));
  const dataDir = resolve(args.data);
  const raw = await loadCompetition(dataDir, { requireTest: true });
  const files = { images: join(dataDir, COMPETITION_FILES.testImages), audio: join(dataDir, COMPETITION_FILES.testAudio) };
  const inputsOf = new Map<string, ModelInputs>();
  const warnings: string[] = [];
  let test: ModelInputs | undefined;
  for (const group of groups) {
    const inputs = preprocess(group.stats, raw.testImages as Float32Array, raw.testAudio as Float32Array, null);
    test ??= inputs;
    for (const dir of group.dirs) inputsOf.set(dir, inputs);
    // Inputs unlike what the model was trained on give a "valid" submission of garbage: say so, or
    // refuse, as strictly as the group's model that leans on the audio most needs.
    const use = (['relies', 'falls-back', 'none'] as const).find((u) => group.uses.includes(u)) ?? 'relies';
    const shift = inputShift(inputs, 'the test rows', files, use);
    // Models trained on other rows: name the ones whose scaling the test rows are unlike.
    const models = groups.length > 1 ? group.given.map((m) => `\`--model ${m}\``).join(', ') : '';
    // Refused: the findings go in the one error line, not also in warnings before it.
    if (shift.level === 'refuse' && !args['allow-shift']) {
      throw new SubmissionError(`Refusing to predict${models && ` with ${models}`}: ${shift.findings.join('; ')} (check the files; --allow-shift to predict anyway)`, dataDir);
    }
    for (const finding of shift.findings) warnings.push(`warning: ${models && `for ${models}: `}${finding}`);
  }
  for (const warning of warnings) process.stderr.write(`${warning}\n`);
  const t0 = performance.now();
  // A model adapted in training to other test rows is adapted to these: said under its name.
  const given = (dir: string) => (args.model as string[])[dirs.indexOf(dir)];
  const onAdapted = (dir: string, adapted: FusionAdaptation) => process.stderr.write(`\`--model ${given(dir)}\`, adapted to these test rows: ${testVoicesLine(adapted.target)}\n`);
  const result = await predict(dirs, (dir) => inputsOf.get(dir)!, { batchSize, tta: args.tta, onAdapted });
  const replaced = existsSync(args.out);
  writeSubmission(args.out, result.labels);
  const summary = validateSubmission(args.out, test!);
  process.stderr.write(
    `${replaced ? 'replaced' : 'wrote'} ${args.out}: ${counted(summary.rows, 'row')} from ${counted(result.models, 'model')} in ${((performance.now() - t0) / 1000).toFixed(1)}s; rows predicted as each digit 0-9: ${summary.labelCounts.join('/')}\n`,
  );
}

if (require.main === module) runMain(main);
