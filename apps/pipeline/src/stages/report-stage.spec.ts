import { WORKSPACE } from '@digitfuse/core/testing';
import { buildDemoDataset } from '@digitfuse/data';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { createStudy, JournalFileStorage } from '@digitfuse/tuning';
import { dirname, join } from 'node:path';
import { fixtureOptions } from '../dashboard/testing/fixture-run';
import type { PipelineOptions } from '../options';
import { createRun, readSearchOutputs, type EvaluationFile, type SearchOutputs } from '../run-artifacts';
import { bestModelNote, buildSummary, localRobustnessJson, reportStage, robustnessInput, searchReportInput, withReportTime } from './report-stage';

describe('robustnessInput()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'robustness-input-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (set: string, model: string, testAcc: number) => ({ set, model, testAcc, valAcc: 0.99, epochs: 5, seconds: 60 });
  const file = {
    backend: 'wasm',
    config: 'small',
    epochs: 10,
    seed: 42,
    complete: true,
    note: 'measured here',
    sets: [{ name: 'theo-noisy', dir: '/d/theo-noisy', speaker: 'theo', noisy: true }],
    runs: [run('theo-noisy', 'image', 0.979), run('theo-noisy', 'concat', 0.947), run('theo-noisy', 'robust', 0.985)],
  };

  it('takes the first readable benchmark file, skipping a broken one with a message, and answers with the numbers', () => {
    const broken = join(dir, 'broken.json');
    const good = join(dir, 'good.json');
    writeFileSync(broken, '{"runs": 3}');
    writeFileSync(good, JSON.stringify(file));
    const log: string[] = [];
    const input = robustnessInput((l) => log.push(l), [join(dir, 'absent.json'), broken, good]);
    expect(log).toEqual([expect.stringContaining(`skipping ${broken}: Expected`)]);
    expect(input?.source).toMatch(/good\.json \(measured here\): config small, at most 10 epochs, seed 42, backend wasm$/);
    expect(input?.models).toEqual(['image only', 'plain fusion (paper)', 'robust fusion']);
    expect(input?.perSet).toEqual([{ set: 'theo-noisy', acc: [0.979, 0.947, 0.985] }]);
    expect(input?.conclusion).toContain('plain fusion (paper) averages 94.70% against 97.90% for image only on the 1 unseen-speaker noisy set, below image only on 1 of 1');
  });

  it('gives nothing when no file exists', () => {
    expect(robustnessInput(() => undefined, [join(dir, 'none.json')])).toBeUndefined();
  });

  it("looks for the user's own benchmark where `bench robustness` writes it by default, the workspace's runs/robustness, not the current folder's", () => {
    expect(localRobustnessJson()).toBe(join(WORKSPACE, 'runs', 'robustness', 'robustness.json'));
    // A robustness.json under the current folder's runs/ is not the default's (a report run from ~/x took ~/x/runs/robustness/).
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(join(elsewhere, 'runs', 'robustness'), { recursive: true });
    writeFileSync(join(elsewhere, 'runs', 'robustness', 'robustness.json'), JSON.stringify({ ...file, note: 'in the current folder' }));
    const cwd = process.cwd();
    process.chdir(elsewhere);
    try {
      expect(robustnessInput(() => undefined)?.source).not.toContain('in the current folder');
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('buildSummary() and bestModelNote()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Like `full --budget 2m --trials 6 --ensemble 2 --tta` on the demo data, whose budget ended the search after 2 trials.
  const options = { ...fixtureOptions(dir), trials: 6, budgetMs: 120_000, ensemble: 2, tta: true } as PipelineOptions;
  const { layout, state } = createRun(join(dir, 'run'), options);
  state.stages.data = { seconds: 1, finishedAt: '', facts: { trainRows: 4000, testRows: 1000, splitTrain: 3200, splitVal: 800 } };
  state.stages.predict = { seconds: 1, finishedAt: '', facts: { rows: 1000, models: 2 } };
  state.stages.retrain = { seconds: 1, finishedAt: '', facts: { bestTrial: 0, epochs: 10, trainAcc: 0.9858, members: 2 } };
  state.stages.evaluate = { seconds: 1, finishedAt: '', facts: { valAccuracy: 0.995, macroF1: 0.9948 } };
  writeFileSync(layout.submission, 'row_id,label\n0,7\n');
  const ctx = { options, layout, state, log: () => undefined };
  const evaluation = {
    best: { trial: 0, accuracy: 0.995, macroF1: 0.9948, loss: 0.03, confusion: [], perClass: [] },
    ensemble: { members: 2, accuracy: 0.9925, gain: -0.0025 },
    tta: { accuracy: 0.995, gain: 0 },
    ablation: [],
  } as EvaluationFile;

  it('says what data, search limits and submitted model the run had, and whose validation figures these are', () => {
    const summary = buildSummary(ctx, evaluation);
    expect(summary.started).toBe(`${state.createdAt.slice(0, 10)} ${state.createdAt.slice(11, 19)} UTC`);
    expect(summary).toMatchObject({
      'validation rows': "800 held out of the 4000 (grouped split); the search's trials trained on the other 3200",
      'trials asked (--trials)': 6,
      'search budget': '2m00s',
      // Once 'final training accuracy' (0.9858 under a validation accuracy of 0.995, with no word why).
      "training accuracy of the retraining's last epoch (dropout on, so it can be below validation)": 0.9858,
      "validation accuracy of the best trial's model": 0.995,
      "validation accuracy of the ensemble of 2 best trials' models": 0.9925,
      // In points as the console gives them (once 3.3300 beside 0).
      'ensemble validation gain (points)': '-0.25',
      "validation accuracy of the best trial's model with test-time augmentation": 0.995,
      'test-time augmentation validation gain (points)': '0.00',
      'submission': layout.submission,
      'submitted predictions':
        'the average of 2 models, the configurations of the 2 best trials each retrained on all 4000 training rows, with test-time augmentation (one-pixel image shifts)',
    });
  });

  it("says a robust model's training accuracy is its fused head's (its fusion weights are set after training)", () => {
    const fusion = { weights: { fused: 1.5, image: 0.75, audio: 0.5 } } as EvaluationFile['fusion'];
    const summary = buildSummary(ctx, { ...evaluation, fusion });
    expect(summary["training accuracy of the retraining's last epoch (its fused head's, before the fusion weights were set; dropout on, so it can be below validation)"]).toBe(0.9858);
  });

  it("gives each stage's time, a search's earlier time across a resume, and once the report is written its own time and the sum", () => {
    state.stages.search = { seconds: 259.2, earlierSeconds: 200, finishedAt: '', facts: { bestTrial: 0, bestValue: 0.97, finished: 6, pruned: 0 } };
    try {
      const summary = buildSummary(ctx, evaluation);
      expect(Object.entries(summary).filter(([key]) => key.startsWith('time: '))).toEqual([
        ['time: data', '1.0s'],
        ['time: predict', '1.0s'],
        ['time: retrain', '1.0s'],
        ['time: evaluate', '1.0s'],
        ['time: search', '259.2s (4m19s; 200.0s of it before a resume)'],
      ]);
      const written = withReportTime(summary, ctx, 3.24);
      expect(written['time: report']).toBe('3.2s');
      expect(written['time: all stages']).toBe('266.4s (4m26s)');
    } finally {
      delete state.stages.search;
    }
  });

  it("writes the best parameters as the report's trial table does (dropout=0.420, learning_rate=0.000763 beside 0.42 and 7.63e-4)", () => {
    const params = { img_filters_1: 48, dropout: 0.42, learning_rate: 0.000763 };
    const trial = { number: 0, state: 'COMPLETE', params, value: 0.97, bestEpoch: 4, seconds: 60, intermediate: [], figures: null };
    mkdirSync(dirname(layout.searchJson), { recursive: true });
    writeFileSync(layout.searchJson, JSON.stringify({ objective: 'shift-aware', bestTrial: 0, bestValue: 0.97, finished: 1, pruned: 0, failed: 0, trials: [trial], importances: {} }));
    state.stages.search = { seconds: 1, finishedAt: '', facts: { bestTrial: 0, bestValue: 0.97, finished: 1, pruned: 0 } };
    try {
      expect(buildSummary(ctx, evaluation)['best parameters']).toBe('img_filters_1=48, dropout=0.42, learning_rate=7.63e-4');
    } finally {
      delete state.stages.search;
    }
  });

  it("reads a search.json written before trials recorded their kept epoch, with its best step as their best epoch", () => {
    const trial = { number: 0, state: 'COMPLETE', params: {}, value: 0.97, bestStep: 9, seconds: 65.8, intermediate: [], figures: null };
    // Older still: a pruned trial was given the epoch of its best intermediate value; it kept none.
    const pruned = { ...trial, number: 1, state: 'PRUNED', value: null, bestStep: undefined, bestEpoch: 4 };
    mkdirSync(dirname(layout.searchJson), { recursive: true });
    writeFileSync(layout.searchJson, JSON.stringify({ objective: 'shift-aware', bestTrial: 0, bestValue: 0.97, finished: 1, pruned: 1, failed: 0, trials: [trial, pruned], importances: {} }));
    expect(readSearchOutputs(layout)?.trials.map((t) => t.bestEpoch)).toEqual([9, null]);
  });

  it("says why the best trial is not the one with the highest value: the paper's configuration kept within one standard error", () => {
    const trial = (number: number, value: number) => ({ number, state: 'COMPLETE', params: {}, value, bestEpoch: 9, seconds: 60, intermediate: [], figures: null });
    const search = { objective: 'shift-aware', bestTrial: 0, bestValue: 0.9738, finished: 2, pruned: 0, failed: 0, trials: [trial(0, 0.9738), trial(1, 0.9788)], importances: {} };
    mkdirSync(dirname(layout.searchJson), { recursive: true });
    state.stages.search = { seconds: 1, finishedAt: '', facts: { bestTrial: 0, bestValue: 0.9738, finished: 2, pruned: 0 } };
    try {
      writeFileSync(layout.searchJson, JSON.stringify({ ...search, keptBaseline: { over: 1, overValue: 0.9788, standardError: 0.0051 } }));
      expect(buildSummary(ctx, evaluation)['why the best trial']).toBe(
        "the paper's configuration (the default), kept over trial 1 (0.9788, the highest value): its lead of 0.0050 is within one standard error (0.0051), a lead chance gives as often as not",
      );
      // The highest value chosen: nothing to explain.
      writeFileSync(layout.searchJson, JSON.stringify({ ...search, bestTrial: 1, bestValue: 0.9788, keptBaseline: null }));
      expect(buildSummary(ctx, evaluation)).not.toHaveProperty('why the best trial');
      // Failed trials (a stopped or crashed process) are counted beside the finished and pruned ones.
      expect(buildSummary(ctx, evaluation)).toMatchObject({ 'completed trials': 2, 'pruned trials': 0, 'failed trials': 0 });
      // Not "finished trials 6" beside "pruned trials 2" and "trials asked (--trials) 8" after "8/8 trials finished": --trials counts pruned ones as finished.
      expect(buildSummary(ctx, evaluation)).not.toHaveProperty('finished trials');
      writeFileSync(layout.searchJson, JSON.stringify({ ...search, failed: 1 }));
      expect(buildSummary(ctx, evaluation)['failed trials']).toBe(1);
      // An image-only run has no audio to shift: no clean / shifted-audio lines, and the objective says what it ranked by.
      const figures = { clean: 0.65, shifted: 0.65, image: 0.65 };
      writeFileSync(layout.searchJson, JSON.stringify({ ...search, trials: [{ ...search.trials[0], figures }, search.trials[1]] }));
      expect(buildSummary(ctx, evaluation)['best trial: validation accuracy, shifted audio']).toBe(0.65);
      const image = buildSummary({ ...ctx, options: { ...options, modality: 'image' } as PipelineOptions }, evaluation);
      expect(Object.keys(image).filter((k) => k.startsWith('best trial: '))).toEqual([]);
      expect(image.objective).toBe('shift-aware (an image-only run: its validation accuracy)');
      // Nothing is fused: it said "fusion: robust", --fusion's default (the flag is refused with --modality image).
      expect(image.fusion).toBe('none (an image-only run)');
      expect(buildSummary(ctx, evaluation).fusion).toBe('robust');
      // Worker processes and a shared study are said (the password never); one process on the run's journal adds no line.
      expect(Object.keys(buildSummary(ctx, evaluation)).filter((k) => k.startsWith('worker') || k === 'study')).toEqual([]);
      const shared = buildSummary({ ...ctx, options: { ...options, workers: 4, storage: 'postgresql://me:secret@db:5432/trials', study: 'mnist' } }, evaluation);
      expect({ workers: shared['worker processes (--workers)'], study: shared.study }).toEqual({ workers: 4, study: 'postgresql://me@db:5432/trials (study `mnist`)' });
    } finally {
      delete state.stages.search;
    }
  });

  it('names the model the curves and validation figures are of, and says that the submitted one has no rows left to validate it', () => {
    expect(bestModelNote(ctx, 0)).toBe(
      "These figures are of the best trial's model (trial 0), trained in the search on 3200 rows and measured on the 800 held-out validation rows. " +
        'The submitted predictions come from the average of 2 models, the configurations of the 2 best trials each retrained on all 4000 training rows, ' +
        'with test-time augmentation (one-pixel image shifts); no rows are left to validate that, so these figures are the estimate of how it does.',
    );
  });
});

describe('searchReportInput()', () => {
  const search = { objective: 'shift-aware', bestTrial: 0, bestValue: 0.97, finished: 1, pruned: 0, failed: 0, trials: [], importances: {} } as unknown as SearchOutputs;

  it("names the parameters the search samples on a log scale (the filters, units and learning rate), so the report's parallel coordinates draw them as the dashboard does", () => {
    // Left to guess, the report drew the filters and units on linear axes and the dashboard on log ones.
    const options = fixtureOptions('/tmp/run') as PipelineOptions;
    expect(searchReportInput(search, options).logParams).toEqual([
      'aud_filters_1', 'aud_filters_2', 'aud_filters_3', 'img_filters_1', 'img_filters_2', 'img_filters_3', 'learning_rate', 'units',
    ]);
    expect(searchReportInput(search, { ...options, modality: 'image' }).logParams).toEqual(['img_filters_1', 'img_filters_2', 'img_filters_3', 'learning_rate', 'units']);
  });

  it("gives the chosen trial to the charts when the run kept the paper's configuration over a higher value, and none otherwise", () => {
    const options = fixtureOptions('/tmp/run') as PipelineOptions;
    const kept = { ...search, bestTrial: 0, bestValue: 0.97375, keptBaseline: { over: 9, overValue: 0.97875, standardError: 0.0051 } } as SearchOutputs;
    expect(searchReportInput(kept, options).chosenTrial).toEqual({ number: 0, value: 0.97375, standardError: 0.0051 });
    expect(searchReportInput(search, options).chosenTrial).toBeNull();
  });

  it('of an image-only run, shows no clean, shifted-audio and image-expert figures (its one accuracy thrice) and says it ranked by validation accuracy', () => {
    // The report of `--modality image` spoke of '65.00% with the training voices' audio, 65.00% with the audio shifted like a new voice'.
    const figures = { clean: 0.65, shifted: 0.65, image: 0.65 };
    const trial = { number: 0, state: 'COMPLETE', params: {}, value: 0.65, bestEpoch: 2, seconds: 10, intermediate: [], figures };
    const searched = { ...search, bestValue: 0.65, trials: [trial] } as unknown as SearchOutputs;
    const options = fixtureOptions('/tmp/run') as PipelineOptions;
    const image = searchReportInput(searched, { ...options, modality: 'image' });
    expect(image.trials?.map((t) => t.figures)).toEqual([null]);
    expect(image.objectiveNote).toBe(
      'Trials were ranked by validation accuracy (an image-only run has no audio: its shift-aware objective is the accuracy of its image model). The best, trial 0, scored 0.6500.',
    );
    expect(image.objectiveNote).not.toMatch(/audio shifted|voices/);
    // A run that hears keeps them.
    const both = searchReportInput(searched, options);
    expect(both.trials?.map((t) => t.figures)).toEqual([figures]);
    expect(both.objectiveNote).toContain('65.00% with the audio shifted like a new voice');
  });

  it("says a pruned trial's value is a clean validation accuracy, not the objective, unless the run ranks by clean accuracy", () => {
    const options = { ...fixtureOptions('/tmp/run'), fusion: 'concat' } as PipelineOptions;
    expect(searchReportInput(search, options).prunedValue).toBe('clean validation accuracy');
    expect(searchReportInput(search, { ...options, fusion: 'robust', modality: 'image' }).prunedValue).toBe('clean validation accuracy');
    expect(searchReportInput({ ...search, objective: 'worst' }, options).prunedValue).toBe('clean validation accuracy');
    expect(searchReportInput({ ...search, objective: 'clean' }, options).prunedValue).toBeNull();
    // A run from before --objective ranked by clean accuracy.
    expect(searchReportInput({ ...search, objective: undefined }, options).prunedValue).toBeNull();
  });

  it("says a robust (or attention) model's pruned value is its fused-head validation accuracy, apart from every objective, clean included", () => {
    // It read "its clean validation accuracy" (and, ranking by clean, stood unbracketed among the values), but while a
    // product of experts trains, before its weights are calibrated, its output is its fused head alone: 0.30 for a clean 0.2667.
    for (const fusion of ['robust', 'attention'] as const) {
      const options = { ...fixtureOptions('/tmp/run'), fusion } as PipelineOptions;
      for (const objective of ['shift-aware', 'worst', 'clean', undefined]) {
        expect(searchReportInput({ ...search, objective }, options).prunedValue).toBe('fused-head validation accuracy');
      }
    }
  });
});

describe('reportStage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-stage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives run.json (facts.figures) the figures its line counts, the PNGs drawn, not every file it wrote', async () => {
    const data = join(dir, 'data');
    await buildDemoDataset(data, { train: 240, test: 40, seed: 3 });
    // A run stopped after its search: the report draws the data and search figures, and writes trials.md besides.
    const options = { ...fixtureOptions(join(dir, 'run')), data } as PipelineOptions;
    const { layout, state } = createRun(join(dir, 'run'), options);
    const trial = (number: number, value: number) => ({
      number, state: 'COMPLETE', params: { learning_rate: 0.001 * (number + 1), units: 64 * (number + 1) }, value, bestEpoch: 2, seconds: 60,
      intermediate: [[1, value - 0.01], [2, value]], figures: null,
    });
    mkdirSync(dirname(layout.searchJson), { recursive: true });
    writeFileSync(layout.searchJson, JSON.stringify({ objective: 'clean', bestTrial: 1, bestValue: 0.98, finished: 2, pruned: 0, failed: 0, trials: [trial(0, 0.97), trial(1, 0.98)], importances: {} }));
    state.stages.search = { seconds: 1, finishedAt: '', facts: { bestTrial: 1, bestValue: 0.98, finished: 2, pruned: 0 } };
    const lines: string[] = [];
    const facts = await reportStage.run({ options, layout, state, log: (line) => lines.push(line) });
    const pngs = readdirSync(layout.reportDir).filter((file) => file.endsWith('.png'));
    expect(lines).toContain(`    wrote ${join(layout.reportDir, 'report.html')} and ${pngs.length} figures`);
    // Said once: the report's own count (its figures less the data's two, drawn before) was a second, different line.
    expect(lines.filter((line) => /\d+ figures?\b/.test(line))).toEqual([`    wrote ${join(layout.reportDir, 'report.html')} and ${pngs.length} figures`]);
    expect(lines.filter((line) => /^ {4}wrote \S+\.png$/.test(line))).toHaveLength(pngs.length);
    expect(readdirSync(layout.reportDir).filter((file) => !file.endsWith('.png')).sort()).toEqual(['report.html', 'report.md', 'trials.md']);
    expect(facts).toEqual({ figures: pngs.length });
  });

  /** A run stopped in its search (its data stage finished), whose journal holds `values` as finished trials and one trial left running. */
  async function stoppedRun(name: string, values: readonly number[], failedAtStop = false) {
    const data = join(dir, `data-${name}`);
    await buildDemoDataset(data, { train: 240, test: 40, seed: 3 });
    const options = { ...fixtureOptions(join(dir, name)), data } as PipelineOptions;
    const { layout, state } = createRun(join(dir, name), options);
    state.stages.data = { seconds: 1, finishedAt: '' };
    // The trial left running stands for one of a process that was stopped: no heartbeat from this one
    // (it would go on beating after the spec, into a journal removed by then).
    const study = await createStudy({
      name: 'digitfuse',
      direction: 'maximize',
      storage: new JournalFileStorage(layout.journal),
      loadIfExists: true,
      heartbeatIntervalMs: 2_000_000_000,
    });
    for (const value of values) {
      const trial = await study.ask();
      trial.suggestFloat('learning_rate', 1e-4, 1e-2, { log: true });
      trial.report(value - 0.01, 1);
      await study.tell(trial, value);
    }
    if (values.length > 0) (await study.ask()).suggestFloat('learning_rate', 1e-4, 1e-2, { log: true });
    // As a Ctrl-C leaves it: the process failed its trial as it stopped and queued its parameters.
    if (failedAtStop) await study.failOwnTrials('its process was stopped (Ctrl-C) while the trial was running');
    return { options, layout, state };
  }

  it("shows the trials of a run whose search was stopped before it finished (from its journal), not that no search was run", async () => {
    // `full` stopped by SIGTERM after two trials, then `report --run`: its trials were "not in this report".
    const { options, layout, state } = await stoppedRun('stopped', [0.91, 0.95]);
    state.spent = { search: 42.5 };
    const lines: string[] = [];
    await reportStage.run({ options, layout, state, log: (line) => lines.push(line) });
    const md = readFileSync(join(layout.reportDir, 'report.md'), 'utf8');
    expect(md).toContain(
      `This run's search was stopped before it finished (finished: data): its search section shows the 3 trials ${layout.journal} holds so far; ` +
        `\`digitfuse full --resume ${layout.root}\` runs the stages left and writes this report again.`,
    );
    expect(md).not.toContain('No hyperparameter search was run');
    expect(md).not.toContain('No search results yet');
    // The trials table of the report, and its copy beside it.
    const trials = readFileSync(join(layout.reportDir, 'trials.md'), 'utf8');
    expect(trials.split('\n').filter((l) => /^\| [012] /.test(l))).toHaveLength(3);
    expect(trials).toMatch(/\| 1 \| .*0\.95/);
    // The trial its stopped process left RUNNING is not running: the table says what the summary says.
    expect(trials).toMatch(/^\| 2 \| stopped mid-trial \|/m);
    expect(md).toContain('stopped mid-trial: the process running the search ended (killed) while the trial ran; the resume marks it FAIL and runs its parameters again.');
    const summary = readFileSync(layout.summaryMd, 'utf8');
    expect(summary).toContain('| search so far (not finished) | 3 trials: 2 completed, 0 pruned, 1 stopped mid-trial (the resume runs its parameters again); best so far: trial 1 (0.9500) |');
    // The time the stopped search took counts (its sum was the data stage's and the report's alone).
    expect(summary).toContain('| time: search (not finished) | 42.5s |');
    const total = Number(/\| time: all stages \| ([\d.]+)s \|/.exec(summary)?.[1]);
    const report = Number(/\| time: report \| ([\d.]+)s \|/.exec(summary)?.[1]);
    expect(Math.abs(total - (1 + 42.5 + report))).toBeLessThanOrEqual(0.11); // each rounded to 0.1 s
    // Read only: the search's own files are its stage's to write.
    expect(readSearchOutputs(layout)).toBeNull();
    expect(lines.some((l) => l.startsWith('    note: This run\'s search was stopped before it finished'))).toBe(true);
  });

  it('says of a stopped search whose process failed its trial as it stopped that the trial is queued to run again', async () => {
    const { options, layout, state } = await stoppedRun('failed-at-stop', [0.91, 0.95], true);
    await reportStage.run({ options, layout, state, log: () => undefined });
    expect(readFileSync(layout.summaryMd, 'utf8')).toContain(
      '| search so far (not finished) | 3 trials: 2 completed, 0 pruned, 1 failed (queued to run again: the resume runs its parameters); best so far: trial 1 (0.9500) |',
    );
    expect(readFileSync(join(layout.reportDir, 'report.md'), 'utf8')).toContain(
      'trial 2 (its process was stopped (Ctrl-C) while the trial was running; its parameters are queued to run again as trial 3).',
    );
  });

  it('says of a run whose search is still running that it is, with the trials so far', async () => {
    const { options, layout, state } = await stoppedRun('running', [0.9]);
    // This process stands for the one running the search (active.json names a live process).
    writeFileSync(join(layout.root, 'active.json'), JSON.stringify({ pid: process.pid, host: hostname(), since: '2026-12-03T10:00:00.000Z' }));
    await reportStage.run({ options, layout, state, log: () => undefined });
    const md = readFileSync(join(layout.reportDir, 'report.md'), 'utf8');
    expect(md).toContain(`This run's search is still running (process ${process.pid} on ${hostname()}, since 2026-12-03T10:00:00.000Z; finished: data): its search section shows the 2 trials`);
    expect(md).toContain(`\`digitfuse report --run ${layout.root}\` shows the trials finished by then`);
    expect(readFileSync(layout.summaryMd, 'utf8')).toContain('| search so far (not finished) | 2 trials: 1 completed, 0 pruned, 1 running; best so far: trial 0 (0.9000) |');
    expect(readFileSync(join(layout.reportDir, 'trials.md'), 'utf8')).toMatch(/^\| 1 \| RUNNING \|/m);
  });

  it('says of a run whose search was stopped before its first trial that its study holds none yet', async () => {
    const { options, layout, state } = await stoppedRun('no-trial', []);
    await reportStage.run({ options, layout, state, log: () => undefined });
    const md = readFileSync(join(layout.reportDir, 'report.md'), 'utf8');
    expect(md).toContain(
      `_No search results yet. This run's search was stopped before it finished (finished: data): ${layout.journal} holds no trial yet; ` +
        `\`digitfuse full --resume ${layout.root}\` runs the stages left and writes this report again._`,
    );
  });
});
