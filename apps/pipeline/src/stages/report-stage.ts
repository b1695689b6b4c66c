import { shellQuote } from '@digitfuse/core';
import { counted, formatDuration, markdownTable } from '@digitfuse/core';
import { writeDataFigures } from '@digitfuse/data';
import {
  defaultRobustnessDir,
  fusionStrategy,
  MODEL_TITLES,
  readMeta,
  readRobustnessFile,
  REFERENCE_ROBUSTNESS_JSON,
  ROBUSTNESS_JSON,
  robustnessConclusion,
  ROBUSTNESS_MODELS,
  summarize,
} from '@digitfuse/model';
import { writeFileAtomic } from '@digitfuse/data';
import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { backendOf, dataOf, type RunContext, type Stage } from '../context';
import { IMAGE_ONLY_RANKING, OBJECTIVES, prunedValueApart, type ObjectiveName } from '../objective';
import { modalityOf, modelFusionOf, objectiveOf, type PipelineOptions } from '../options';
import { logScaledParams } from '../search-space';
import { currentSubmission, readEvaluation, readSearchOutputs, staleSubmission, STAGE_NAMES, trialModelDir, writeJson, type EvaluationFile, type SearchOutputs } from '../run-artifacts';
import { formatParam, summaryCell, writeReport, type ReportInput } from '../report';
import { queuedRetries } from '../report/sections/search-section';
import { studyPlace, studySoFar } from '../study-access';
import { searchOutputsOf } from '../search-outputs';
import { activeRunProcess, type RunProcess } from '../run-process';
import { reportEmbeddings, reportMapSettings, savedMaps } from '../report-maps';
import type { RobustnessInput } from '../report/types';

/**
 * A validation gain in percentage points as the console gives it, to 2 decimals and signed (`+3.33`,
 * `0.00`, `-0.25`): as a number the summary showed it as a fraction, `3.3300` beside a bare `0`.
 */
const points = (gain: number | undefined): string | undefined => {
  if (gain === undefined) return undefined;
  const p = Math.round(gain * 10000) / 100;
  return `${p > 0 ? '+' : ''}${p.toFixed(2)}`;
};

/** Summary of a run: what a person wants first. */
export function buildSummary(ctx: RunContext, evaluation: EvaluationFile | null = readEvaluation(ctx.layout, ctx.state)): Record<string, string | number> {
  const s = ctx.state;
  const summary: Record<string, string | number> = {
    run: ctx.layout.root,
    started: `${s.createdAt.slice(0, 19).replace('T', ' ')} UTC`,
    data: ctx.options.data ?? (s.data ? `built-in demo dataset (${s.data.dir})` : 'built-in demo dataset'),
    backend: s.backend ?? 'unknown',
    seed: ctx.options.seed,
  };
  const add = (key: string, value: unknown) => {
    if (typeof value === 'number' || typeof value === 'string') summary[key] = value;
  };
  const data = s.stages.data?.facts;
  add('training rows', data?.trainRows);
  add('test rows', data?.testRows);
  // What the data stage warned of (test inputs unlike the training ones), printed once and easily missed.
  add('data warnings', data?.warnings);
  if (typeof data?.splitVal === 'number' && typeof data.splitTrain === 'number') {
    const trained = data.splitTrain > ctx.options.searchRows ? `${ctx.options.searchRows} (--search-rows) of the other ${data.splitTrain}` : `the other ${data.splitTrain}`;
    add('validation rows', `${data.splitVal} held out of the ${data.splitTrain + data.splitVal} (${ctx.options.split} split); the search's trials trained on ${trained}`);
  }
  add('trials asked (--trials)', ctx.options.trials);
  add('search budget', ctx.options.budgetMs === null ? 'none' : formatDuration(ctx.options.budgetMs / 1000));
  // How the search ran, when not in one process on the run's journal (run.json keeps the URL without its password).
  if (ctx.options.workers > 1) add('worker processes (--workers)', ctx.options.workers);
  if (ctx.options.storage) add('study', studyPlace(ctx));
  add('best trial', s.stages.search?.facts?.bestTrial);
  // Completed, not "finished": --trials, the console's "8/8 trials finished" and the dashboard count pruned trials as finished too.
  add('completed trials', s.stages.search?.facts?.finished);
  add('pruned trials', s.stages.search?.facts?.pruned);
  const best = s.stages.search ? readSearchOutputs(ctx.layout) : null;
  // A trial whose process was stopped or crashed (its parameters run again as another trial).
  add('failed trials', best?.failed);
  const imageOnly = modalityOf(ctx.options) === 'image';
  add('objective', imageOnly ? `${objectiveOf(ctx.options)} (${IMAGE_ONLY_RANKING})` : objectiveOf(ctx.options));
  add('best objective value (search)', s.stages.search?.facts?.bestValue);
  // Another trial scored higher: the table says which, and why this one was kept (the report's search section too).
  const kept = best?.keptBaseline;
  if (kept && typeof best?.bestValue === 'number') {
    add(
      'why the best trial',
      `the paper's configuration (the default), kept over trial ${kept.over} (${kept.overValue.toFixed(4)}, the highest value): ` +
        `its lead of ${(kept.overValue - best.bestValue).toFixed(4)} is within one standard error (${kept.standardError.toFixed(4)}), a lead chance gives as often as not`,
    );
  }
  add('fusion', modelFusionOf(ctx.options) ?? 'none (an image-only run)');
  const w = evaluation?.fusion?.weights;
  if (w) add('fusion weights (fused, image, audio)', [w.fused, w.image, w.audio].map((x) => x.toFixed(2)).join(', '));
  add("validation accuracy of the best trial's model", s.stages.evaluate?.facts?.valAccuracy);
  add("validation macro-F1 of the best trial's model", s.stages.evaluate?.facts?.macroF1);
  if (evaluation?.ensemble) add(`validation accuracy of the ensemble of ${evaluation.ensemble.members} best trials' models`, evaluation.ensemble.accuracy);
  add('ensemble validation gain (points)', points(evaluation?.ensemble?.gain));
  if (evaluation?.tta) add("validation accuracy of the best trial's model with test-time augmentation", evaluation.tta.accuracy);
  add('test-time augmentation validation gain (points)', points(evaluation?.tta?.gain));
  add('retrain epochs', s.stages.retrain?.facts?.epochs);
  // Averaged over the last epoch with dropout (and augmentation) on: below the validation figures
  // above it without being a sign of trouble, which the key says so that no one reads it as one.
  // A product of experts gets its fusion weights after training: while it trained, its output was its fused head alone.
  const whose = evaluation?.fusion ? "its fused head's, before the fusion weights were set; " : '';
  add(`training accuracy of the retraining's last epoch (${whose}dropout on, so it can be below validation)`, s.stages.retrain?.facts?.trainAcc);
  const submitted = currentSubmission(ctx.layout, s);
  const stale = staleSubmission(ctx.layout, s);
  add('submission', submitted ?? (stale ? `none yet (${stale} is from before the run's search went on or its later stages were redone; \`digitfuse full --resume ${shellQuote(ctx.layout.root)}\` writes the current one)` : 'none'));
  if (submitted) add('submitted predictions', submittedModel(ctx));
  // An image-only run's figures are its one accuracy thrice: it has no audio to shift.
  const bestFigures = imageOnly ? null : best?.trials.find((t) => t.number === best.bestTrial)?.figures;
  if (bestFigures) {
    add('best trial: validation accuracy, clean audio', bestFigures.clean);
    add('best trial: validation accuracy, shifted audio', bestFigures.shifted);
    if (bestFigures.image !== null) add('best trial: image expert validation accuracy', bestFigures.image);
  }
  const bestParams = best?.trials.find((t) => t.number === best.bestTrial)?.params;
  // As the trial table beside it writes them (dropout=0.420 and learning_rate=0.000763 stood by 0.42 and 7.63e-4).
  if (bestParams) summary['best parameters'] = Object.entries(bestParams).map(([k, v]) => `${k}=${typeof v === 'number' ? formatParam(v) : v}`).join(', ');
  for (const [name, record] of Object.entries(s.stages)) summary[`time: ${name}`] = stageTime(record.seconds, record.earlierSeconds);
  // A stage stopped before it finished (a search stopped by Ctrl-C): its time so far, which the sum counts too.
  for (const [name, seconds] of Object.entries(unfinishedTimes(ctx))) summary[`time: ${name} (not finished)`] = stageTime(seconds);
  return summary;
}

/**
 * Seconds spent so far on stages that have not finished (run.json's `spent`: a search stopped by
 * Ctrl-C before its trials were done), by stage; a finished stage counts them in its own time.
 */
function unfinishedTimes(ctx: RunContext): Record<string, number> {
  return Object.fromEntries(Object.entries(ctx.state.spent ?? {}).filter(([name, seconds]) => seconds > 0 && ctx.state.stages[name] === undefined));
}

/** A stage's time in the summary: `12.3s`, and what of it came before a resume when some did. */
function stageTime(seconds: number, earlier?: number): string {
  const notes = [...(seconds >= 60 ? [formatDuration(seconds)] : []), ...(earlier ? [`${earlier.toFixed(1)}s of it before a resume`] : [])];
  return `${seconds.toFixed(1)}s` + (notes.length > 0 ? ` (${notes.join('; ')})` : '');
}

/**
 * The summary with the report stage's own time and every stage's together, once the report's figures
 * are drawn (report.html's summary, drawn last, and summary.json/summary.md show it).
 */
export function withReportTime(summary: Record<string, string | number>, ctx: RunContext, reportSeconds: number): Record<string, string | number> {
  const finished = Object.entries(ctx.state.stages).reduce((sum, [name, record]) => sum + (name === 'report' ? 0 : record.seconds), reportSeconds);
  const total = Object.values(unfinishedTimes(ctx)).reduce((sum, seconds) => sum + seconds, finished);
  return { ...summary, 'time: report': stageTime(reportSeconds), 'time: all stages': stageTime(total) };
}

/** What made submission.csv, in words: the retrained model or ensemble, with or without test-time augmentation. */
function submittedModel(ctx: RunContext): string {
  const facts = ctx.state.stages.predict?.facts;
  const models = typeof facts?.models === 'number' ? facts.models : Math.max(1, ctx.options.ensemble);
  const rows = ctx.state.stages.data?.facts?.trainRows;
  const on = typeof rows === 'number' ? `on all ${rows} training rows` : 'on all training rows';
  const what =
    models > 1
      ? `the average of ${models} models, the configurations of the ${models} best trials each retrained ${on}`
      : `the best trial's configuration retrained ${on}`;
  return what + (ctx.options.tta ? ', with test-time augmentation (one-pixel image shifts)' : '');
}

/** Which model the report's curves, validation figures and maps are of, and why not the submitted one. */
export function bestModelNote(ctx: RunContext, trial: number): string {
  const data = ctx.state.stages.data?.facts;
  const known = typeof data?.splitTrain === 'number' && typeof data.splitVal === 'number';
  const train = known ? counted(Math.min(data.splitTrain as number, ctx.options.searchRows), 'row') : 'the training rows of the split';
  const val = known ? `the ${counted(data.splitVal as number, 'held-out validation row')}` : 'the held-out validation rows';
  return (
    `These figures are of the best trial's model (trial ${trial}), trained in the search on ${train} and measured on ${val}. ` +
    `The submitted predictions come from ${submittedModel(ctx)}; no rows are left to validate that, so these figures are the estimate of how it does.`
  );
}

/** Where `digitfuse bench robustness` (`nx run model:robustness`) writes by default: `<workspace>/runs/robustness/robustness.json`, from any folder. */
export const localRobustnessJson = (): string => join(defaultRobustnessDir(), ROBUSTNESS_JSON);

/**
 * The robust-fusion benchmark for the report: the user's own `runs/robustness/robustness.json` when
 * there is one, else the reference measured for the project. A file that cannot be read is reported
 * and skipped.
 */
export function robustnessInput(log: (line: string) => void, files = [localRobustnessJson(), REFERENCE_ROBUSTNESS_JSON]): RobustnessInput | undefined {
  for (const file of files) {
    let r;
    try {
      r = readRobustnessFile(file);
    } catch (err) {
      log(`    skipping ${file}: ${(err as Error).message}`);
      continue;
    }
    if (!r) continue;
    const models = ROBUSTNESS_MODELS.filter((m) => r.runs.some((x) => x.model === m));
    const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
    const acc = (set: string, m: string) => r.runs.find((x) => x.set === set && x.model === m)?.testAcc ?? null;
    return {
      source:
        `${shown}${r.note ? ` (${r.note})` : ''}: config ${r.config}, at most ${counted(r.epochs, 'epoch')}, seed ${r.seed}, backend ${r.backend}` +
        (r.complete ? '' : ' (incomplete run)'),
      models: models.map((m) => MODEL_TITLES[m]),
      perSet: r.sets.filter((s) => r.runs.some((x) => x.set === s.name)).map((s) => ({ set: s.name, acc: models.map((m) => acc(s.name, m)) })),
      summary: summarize(r.runs, r.sets).map((x) => ({ ...x, model: MODEL_TITLES[x.model] })),
      conclusion: robustnessConclusion(r.runs, r.sets),
    };
  }
  return undefined;
}

/**
 * Which objective chose the best trial, with that trial's clean, shifted and image figures, in one
 * sentence; of an image-only run (`imageOnly`), which hears nothing, its validation accuracy alone.
 */
export function objectiveNote(search: SearchOutputs, imageOnly = false): string {
  const name = (search.objective ?? 'clean') as ObjectiveName;
  const title = imageOnly ? `validation accuracy (an image-only run has no audio: its ${name} objective is the accuracy of its image model)` : (OBJECTIVES[name]?.title ?? name);
  const best = search.trials.find((t) => t.number === search.bestTrial);
  if (!best) return `Trials were ranked by ${title}; none finished.`;
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  const f = imageOnly ? null : best.figures;
  const kept = search.keptBaseline;
  return (
    `Trials were ranked by ${title}. ` +
    (kept
      ? `The chosen one, trial ${best.number} (the paper's configuration), scored ${best.value?.toFixed(4)}, within one standard error ` +
        `(${kept.standardError.toFixed(4)}) of the highest, trial ${kept.over} (${kept.overValue.toFixed(4)}): a lead that small is kept by chance as often as not, so the default stays`
      : `The best, trial ${best.number}, scored ${best.value?.toFixed(4)}`) +
    (f
      ? `: validation accuracy ${pct(f.clean)} with the training voices' audio, ${pct(f.shifted)} with the audio shifted like a new voice` +
        (f.image !== null ? `, ${pct(f.image)} from its image expert alone.` : '.')
      : '.')
  );
}

/**
 * The report's search part: the trials, importances and how their value reads; the parameters the
 * search samples on a log scale, drawn on log axes as on the dashboard (guessed from the values
 * otherwise, the filters and units came out linear).
 */
export function searchReportInput(
  search: SearchOutputs,
  options: PipelineOptions,
): Pick<ReportInput, 'trials' | 'importances' | 'objectiveName' | 'objectiveNote' | 'logParams' | 'prunedValue' | 'chosenTrial'> {
  const kept = search.keptBaseline;
  const imageOnly = modalityOf(options) === 'image';
  return {
    // An image-only run's clean, shifted-audio and image figures are its one accuracy thrice: not shown.
    trials: imageOnly ? search.trials.map((t) => ({ ...t, figures: null })) : search.trials,
    importances: search.importances,
    objectiveName: 'objective value',
    objectiveNote: objectiveNote(search, imageOnly),
    logParams: logScaledParams(modalityOf(options)),
    prunedValue: prunedValueApart(search.objective, modelFusionOf(options)),
    chosenTrial:
      kept && search.bestTrial !== null && search.bestValue !== null ? { number: search.bestTrial, value: search.bestValue, standardError: kept.standardError } : null,
  };
}

function summaryMarkdown(summary: Record<string, string | number>): string {
  // Values come from the run (paths, parameter values): markdownTable shows them as text, never as table syntax or HTML.
  return ['# digitfuse run summary', '', markdownTable(['', ''], Object.entries(summary).map(([k, v]) => [k, summaryCell(v)])), ''].join('\n');
}

/** The trials of a search that has not finished, from its study, and whether a process is running it now. */
interface SearchSoFar {
  readonly outputs: SearchOutputs;
  readonly running: RunProcess | null;
}

/**
 * What the study of a run whose search stage has not finished holds (null when it holds no study, or
 * cannot be read: said in a note line, and the report goes on without it).
 */
async function searchSoFar(ctx: RunContext): Promise<SearchSoFar | null> {
  try {
    const study = await studySoFar(ctx);
    if (study === null) return null;
    const outputs = searchOutputsOf(ctx, study);
    const running = activeRunProcess(ctx.layout);
    if (running !== null) return { outputs, running };
    // No process runs the search: a trial it left RUNNING is stopped, in the trials table as in the summary.
    return { outputs: { ...outputs, trials: outputs.trials.map((t) => (t.state === 'RUNNING' ? { ...t, stopped: true } : t)) }, running };
  } catch (e) {
    ctx.log(`    note: the search's trials so far could not be read from ${studyPlace(ctx)} (${(e as Error).message}); the report goes on without them`);
    return null;
  }
}

/**
 * The summary's line on a search that has not finished: its trials by state, and the best so far. A
 * trial left running by a search that was stopped is said to be so (its resume fails it and runs its
 * parameters again).
 */
function soFarText(soFar: SearchSoFar): string {
  const search = soFar.outputs;
  const running = search.trials.filter((t) => t.state === 'RUNNING' && !t.stopped).length;
  const stopped = search.trials.filter((t) => t.stopped).length;
  const queued = queuedRetries(search.trials).length;
  const failed = `${search.failed} failed` + (queued > 0 ? ` (${queued === search.failed ? '' : `${queued} `}queued to run again: the resume runs ${queued === 1 ? 'its' : 'their'} parameters)` : '');
  const states = [
    `${search.finished} completed`,
    `${search.pruned} pruned`,
    ...(search.failed > 0 ? [failed] : []),
    ...(running > 0 ? [`${running} running`] : []),
    ...(stopped > 0 ? [`${stopped} stopped mid-trial (the resume runs its parameters again)`] : []),
  ];
  const best = search.bestTrial !== null && search.bestValue !== null ? `; best so far: trial ${search.bestTrial} (${search.bestValue.toFixed(4)})` : '';
  return `${counted(search.trials.length, 'trial')}: ${states.join(', ')}${best}`;
}

/** What the report says in place of the parts a run has not reached yet, and the command that goes on. */
function pendingNote(ctx: RunContext, soFar: SearchSoFar | null): string {
  const root = ctx.layout.root;
  const resume = `\`digitfuse full --resume ${shellQuote(root)}\` runs the stages left and writes this report again.`;
  const done = `finished: ${STAGE_NAMES.filter((name) => ctx.state.stages[name]).join(', ') || 'none'}`;
  if (soFar === null) {
    // A search stopped before its stage ended whose trials could not be read: not "no search".
    return !ctx.state.stages.search && existsSync(ctx.layout.journal)
      ? `This run's search was stopped before it finished (${done}), so its trials so far (${ctx.layout.journal}) are not in this report: ${resume}`
      : `This run has not run its evaluate stage yet (${done}): ${resume}`;
  }
  const n = soFar.outputs.trials.length;
  const trials = n > 0 ? `its search section shows the ${counted(n, 'trial')} ${studyPlace(ctx)} holds so far` : `${studyPlace(ctx)} holds no trial yet`;
  const p = soFar.running;
  if (p === null) return `This run's search was stopped before it finished (${done}): ${trials}; ${resume}`;
  return (
    `This run's search is still running (process ${p.pid} on ${p.host}, since ${p.since}; ${done}): ${trials}. ` +
    `\`digitfuse report --run ${shellQuote(root)}\` shows the trials finished by then; \`digitfuse full\` writes the whole report when its search ends ` +
    `(after \`digitfuse search\`: \`digitfuse full --resume ${shellQuote(root)}\`).`
  );
}

/** Stage 6: summary.json/summary.md and the report (figures + report.html). */
export const reportStage: Stage = {
  name: 'report',
  title: 'report: summary, figures and report.html',
  async run(ctx) {
    const t0 = performance.now();
    const evaluation = readEvaluation(ctx.layout, ctx.state);
    // A search not finished (stopped, or running in another process): its trials as its study holds them now.
    const soFar = !evaluation && !ctx.state.stages.search ? await searchSoFar(ctx) : null;
    const summary = buildSummary(ctx, evaluation);
    if (soFar && soFar.outputs.trials.length > 0) summary['search so far (not finished)'] = soFarText(soFar);
    const writeSummary = (value: Record<string, string | number>): void => {
      writeJson(ctx.layout.summaryJson, value);
      writeFileAtomic(ctx.layout.summaryMd, summaryMarkdown(value));
    };
    if (!ctx.options.report) {
      writeSummary(withReportTime(summary, ctx, (performance.now() - t0) / 1000));
      ctx.log(`    wrote ${ctx.layout.summaryMd} (figures skipped: --no-report)`);
      return { figures: 0 };
    }
    // Written now too, so that a run whose figures fail still has its summary.
    writeSummary(summary);
    const data = await dataOf(ctx);
    const input: { -readonly [K in keyof ReportInput]: ReportInput[K] } = { title: `digitfuse run ${ctx.layout.root}`, summary };
    if (!evaluation) {
      // `report --run` of a run stopped before its evaluate stage (e.g. after `digitfuse search`): say what is missing and why.
      input.pendingNote = pendingNote(ctx, soFar);
      ctx.log(`    note: ${input.pendingNote.replace(/this report/, 'the report')}`);
    }
    const settings = reportMapSettings(ctx);
    const search = soFar?.outputs ?? readSearchOutputs(ctx.layout);
    if (search) Object.assign(input, searchReportInput(search, ctx.options));
    if (evaluation) {
      input.modelNote = bestModelNote(ctx, evaluation.best.trial);
      input.evaluation = evaluation.best;
      input.ablation = evaluation.ablation;
      const dir = trialModelDir(ctx.layout, evaluation.best.trial);
      // Curves of the best trial's model: trained on the split's training rows, so it has validation curves.
      const meta = await readMeta(dir);
      // With its strategy, which says what its fused head is (attention fusion's is not the paper's classifier).
      if (evaluation.fusion) input.fusion = { ...evaluation.fusion, strategy: meta.config.fusion };
      input.history = (meta.history ?? []).map((h) => ({ ...h, epoch: h.epoch + 1 }));
      // The training loss is the sum of what the model's heads are trained on (three with robust fusion).
      input.lossHeads = meta.config.modality === 'both' ? fusionStrategy(meta.config.fusion).losses : ['prediction'];
      // Its experts' weights were set after training: the curves' accuracy is the fused head's, not the model's output (36.67% against 26.67%).
      input.calibratedExperts = meta.calibration !== undefined;
      await backendOf(ctx);
      const embeddings = await reportEmbeddings(ctx, data, evaluation.best.trial);
      // Maps computed beside the retraining (beside-retrain.ts) from these very points are used as they are.
      const maps = embeddings && savedMaps(ctx, embeddings, settings);
      if (embeddings) input.embeddings = maps ? { ...embeddings, maps } : embeddings;
    }
    const robustness = robustnessInput(ctx.log);
    if (robustness) input.robustness = robustness;
    // From the rows already prepared (the figures undo the preprocessing), not the .npy files again.
    const figures = await writeDataFigures({ data, outDir: ctx.layout.reportDir });
    // As the stage's other lines, indented under its header (they read `report: wrote ...`, unindented).
    const log = (line: string): void => ctx.log(`    ${line}`);
    for (const file of figures) log(`wrote ${basename(file)}`);
    input.extraImages = [
      { title: 'Handwritten digits with their labels', path: figures[0] },
      { title: 'MFCC maps, one clip per digit', path: figures[1] },
    ];
    // The page's summary, drawn last, holds the report's own time too, as summary.md does.
    let final = summary;
    const finalSummary = (): typeof summary => (final = withReportTime(summary, ctx, (performance.now() - t0) / 1000));
    const result = await writeReport(input, ctx.layout.reportDir, { ...settings, log, finalSummary });
    writeSummary(final);
    const pngs = figures.length + result.files.filter((file) => file.endsWith('.png')).length;
    // Each map's ARI and NMI is said once, by the report as it draws it (it was said again here).
    ctx.log(`    wrote ${join(ctx.layout.reportDir, 'report.html')} and ${counted(pngs, 'figure')}`);
    // The figures the line above counts (run.json's `figures`; 0 only when the report was skipped).
    return { figures: pngs };
  },
};
