import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { counted, diskProblem, FileWriteError, makeDirs, readJsonFile, writeFileAtomic } from '@digitfuse/core';
import { runsPath } from '@digitfuse/data';
import { ensembleMemberDir, MODEL_FILES, type Calibration, type Modality } from '@digitfuse/model';
import type { TrialInput } from './report';
import { PipelineError } from './errors';
import { runOptionProblem } from './options';
import { ACTIVE_JSON, CLAIM_LOCK, recordRunProcess, refuseBusyRun, underClaimLock } from './run-process';

/**
 * Where each output of a run lives inside its run directory: the one home of every path, so stages
 * share results through this module and never import one another.
 */
export interface RunLayout {
  readonly root: string;
  /** The run's state: options, finished stages, timings. */
  readonly state: string;
  /** data stage: the data summary. */
  readonly dataSummary: string;
  readonly searchDir: string;
  /** search stage: the study journal (JSON lines). */
  readonly journal: string;
  /** search stage: trials, figures and importances for the summary and the report (`SearchOutputs`). */
  readonly searchJson: string;
  /** search stage: the trials table (Markdown, CSV) and the best parameters. */
  readonly trialsMd: string;
  readonly trialsCsv: string;
  readonly bestJson: string;
  /** search stage: models of the best trials (kept for retraining, the ensemble and the report). */
  readonly trialModelsDir: string;
  /** retrain stage: the final model (`model/`; ensemble members in `model/member-<i>`). */
  readonly modelDir: string;
  /** predict stage. */
  readonly submission: string;
  /** evaluate stage (`EvaluationFile`). */
  readonly evaluation: string;
  /** Work done ahead of the evaluate and report stages (beside-retrain.ts), each kept with a key of its inputs (`writeKeyed`). */
  readonly ablation: string;
  readonly embeddingMaps: string;
  /** report stage. */
  readonly summaryJson: string;
  readonly summaryMd: string;
  readonly reportDir: string;
}

/** The layout of a run directory. */
export function runLayout(root: string): RunLayout {
  const r = resolve(root);
  return {
    root: r,
    state: join(r, 'run.json'),
    dataSummary: join(r, 'data-summary.json'),
    searchDir: join(r, 'search'),
    journal: join(r, 'search', 'study.jsonl'),
    searchJson: join(r, 'search', 'search.json'),
    trialsMd: join(r, 'search', 'trials.md'),
    trialsCsv: join(r, 'search', 'trials.csv'),
    bestJson: join(r, 'search', 'best.json'),
    trialModelsDir: join(r, 'search', 'models'),
    modelDir: join(r, 'model'),
    submission: join(r, 'submission.csv'),
    evaluation: join(r, 'evaluation.json'),
    ablation: join(r, 'ablation.json'),
    embeddingMaps: join(r, 'embedding-maps.json'),
    summaryJson: join(r, 'summary.json'),
    summaryMd: join(r, 'summary.md'),
    reportDir: join(r, 'report'),
  };
}

/** Folder name of a trial's model under `trialModelsDir`. */
export const trialDirName = (trialNumber: number): string => `trial-${String(trialNumber).padStart(4, '0')}`;

/** The saved model of a search trial. */
export const trialModelDir = (layout: RunLayout, trialNumber: number): string => join(layout.trialModelsDir, trialDirName(trialNumber));

/** How many trial models the search kept (folders named as `trialDirName` names them). */
export function keptTrialModels(layout: RunLayout): number {
  return existsSync(layout.trialModelsDir) ? readdirSync(layout.trialModelsDir).filter((name) => /^trial-\d+$/.test(name)).length : 0;
}

/** Model directories of the final model(s): `model/` for the best, `model/member-<i>` for the rest of an ensemble. */
export function finalModelDirs(layout: RunLayout, k: number): string[] {
  return Array.from({ length: k }, (_, i) => (i === 0 ? layout.modelDir : ensembleMemberDir(layout.modelDir, i)));
}

/** The stages of a run, in order (`digitfuse full`'s): each depends on those before it. */
export const STAGE_NAMES: readonly string[] = ['data', 'search', 'retrain', 'predict', 'validate', 'evaluate', 'report'];

/**
 * The first file a finished stage wrote that is no longer in the run directory (deleted or moved by
 * hand), or null when all are there: what run.json's record of the stage promises the later stages and
 * the run's last lines. A stage that wrote nothing on purpose (no test files, --no-report) is not held to it.
 */
export function missingStageOutput(layout: RunLayout, stage: string, record: StageRecord): string | null {
  const facts = record.facts ?? {};
  let files: string[] = [];
  if (stage === 'data') files = [layout.dataSummary];
  else if (stage === 'search') files = [layout.searchJson, layout.bestJson, layout.trialsMd, layout.trialsCsv];
  else if (stage === 'retrain') {
    const members = typeof facts.members === 'number' ? facts.members : 1;
    files = finalModelDirs(layout, members).flatMap((dir) => MODEL_FILES.map((name) => join(dir, name)));
  } else if (stage === 'predict' && facts.skipped !== true) files = [layout.submission];
  else if (stage === 'evaluate') files = [layout.evaluation];
  else if (stage === 'report') files = [layout.summaryJson, layout.summaryMd, ...(Number(facts.figures ?? 0) > 0 ? [join(layout.reportDir, 'report.html')] : [])];
  return files.find((file) => !existsSync(file)) ?? null;
}

/** A finished stage as recorded in run.json. */
export interface StageRecord {
  /** Wall time of the stage, with `earlierSeconds`. */
  readonly seconds: number;
  /**
   * Of `seconds`, the time earlier processes spent on work this stage continued: a search stopped by
   * Ctrl-C, or continued with a larger `--trials`/`--budget`, keeps its trials. Absent when none.
   */
  readonly earlierSeconds?: number;
  readonly finishedAt: string;
  /** Small facts about the stage's result shown in the summary (e.g. best value). */
  readonly facts?: Record<string, string | number | boolean | null | undefined>;
}

/** Everything run.json holds. */
export interface RunState<Options> {
  readonly version: 1;
  readonly createdAt: string;
  options: Options;
  stages: Record<string, StageRecord>;
  backend?: string;
  /** The data the run's data stage read: its folder and the files' fingerprint (`dataFingerprint`). */
  data?: { readonly dir: string; readonly fingerprint: string };
  /**
   * Seconds spent on stages that are not finished but whose work is kept for the process that
   * finishes them (`CONTINUED_STAGES`): a search stopped by a signal, or reopened to search on. A
   * running search also writes it every 10 s (`CHECKPOINT_MS`), for a process killed outright.
   */
  spent?: Record<string, number>;
  /**
   * Seconds of the search's `--budget` that processes stopped by Ctrl-C or SIGTERM used before the
   * search ended (written every 10 s while it runs, so a process killed outright loses at most that):
   * a resume's search gets the rest. Dropped when the search ends, or when a resume gives
   * `--budget` again (a new budget for the search from there).
   */
  budgetUsed?: number;
}

/** Stages whose work a later process continues rather than redoes: the search's trials stay in its study. */
export const CONTINUED_STAGES: readonly string[] = ['search'];

/** Seconds to a tenth, as run.json keeps them. */
export const tenths = (seconds: number): number => Math.round(seconds * 10) / 10;

/** Adds `seconds` to what a run has spent on `stage` before it finished, if its work is kept (`CONTINUED_STAGES`). */
export function addSpent<Options>(state: RunState<Options>, stage: string, seconds: number): void {
  if (!CONTINUED_STAGES.includes(stage) || !(seconds > 0)) return;
  state.spent = { ...state.spent, [stage]: tenths((state.spent?.[stage] ?? 0) + seconds) };
}

/** Forgets a finished stage so that it runs again, keeping its time when its work goes on (`addSpent`). */
export function redoStage<Options>(state: RunState<Options>, stage: string): void {
  const record = state.stages[stage];
  if (record === undefined) return;
  addSpent(state, stage, record.seconds);
  delete state.stages[stage];
}

/**
 * The default run directory, `<workspace>/runs/2026-11-24T06-12-03`: in the workspace's runs/ whatever
 * the current folder, as every command's default output is (`runsPath`).
 */
export function defaultRunDir(now = new Date(), base = runsPath()): string {
  return join(base, now.toISOString().slice(0, 19).replace(/:/g, '-'));
}

/**
 * Create a new run directory; refuses one that already holds a run (use --resume for that), a folder
 * that holds other files (they could be overwritten: submission.csv, model/...), and a place where the
 * folder cannot be made, each in one line naming `--out`. An empty folder is fine. With `claim`, this
 * process is also recorded as the one running it (active.json, as `claimRun` does), in the same moment.
 */
export function createRun<Options>(root: string, options: Options, claim = false): { layout: RunLayout; state: RunState<Options> } {
  const layout = runLayout(root);
  if (existsSync(layout.root) && !statSync(layout.root).isDirectory()) {
    throw new PipelineError(`Expected \`--out ${root}\` to be a run directory, found a file there`);
  }
  const state: RunState<Options> = { version: 1, createdAt: new Date().toISOString(), options, stages: {} };
  const made = !existsSync(layout.root);
  let claimed = false;
  try {
    makeDirs(layout.root);
    // Checked and written under the claim lock: of two commands started at once on one --out, the
    // second is refused before it writes anything (both passed the checks and wrote run.json before).
    underClaimLock(layout, () => {
      refuseTakenOut(layout, root);
      if (claim) {
        recordRunProcess(layout);
        claimed = true;
      }
      saveState(layout, state);
    });
  } catch (err) {
    if (claimed) rmSync(join(layout.root, ACTIVE_JSON), { force: true });
    // The folder this made, empty again (the file's write left nothing): the next try starts as this one.
    if (made) removeEmptyFolder(layout.root);
    // A write of run.json that failed (a full disk) says why in its cause, without the sentence around it.
    const written = err instanceof FileWriteError ? diskProblem(err.cause) : undefined;
    const e = err as NodeJS.ErrnoException;
    if (!e.code && written === undefined) throw err;
    const why = written !== undefined ? `${written} as it wrote run.json` : `${e.code} (${e.message.replace(/^\w+: /, '').split(',')[0]})`;
    throw new PipelineError(`Expected \`--out ${root}\` to be a folder that can be created and written, found ${why}`, { cause: err });
  }
  return { layout, state };
}

/** Refuses an --out that another process runs, that holds a run, or that holds other files. */
function refuseTakenOut(layout: RunLayout, root: string): void {
  // The same command started twice on one --out: the second is refused before it writes anything.
  const other = refuseBusyRun(layout);
  if (other !== null) {
    // A process on another machine (a shared disk), which cannot be looked at from here.
    throw new PipelineError(`Expected \`--out ${root}\` to be a new run directory, found process ${other.pid} on ${other.host} running a run there since ${other.since}; choose another --out`);
  }
  // A run whose data stage never finished (e.g. it failed on a bad --data) holds nothing to keep: start it again.
  if (existsSync(layout.state) && Object.keys(readState<unknown>(layout).stages).length > 0) {
    throw new PipelineError(
      `Expected \`--out ${root}\` to be a new run directory, but it already holds a run (run.json); continue it with \`--resume ${root}\` or choose another --out`,
    );
  }
  if (!existsSync(layout.state)) {
    // The claim lock (held now) and the record of a process that is gone are not the user's files.
    const entries = readdirSync(layout.root)
      .filter((name) => name !== CLAIM_LOCK && name !== ACTIVE_JSON)
      .sort();
    if (entries.length > 0) {
      const some = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', ...' : '');
      throw new PipelineError(
        `Expected \`--out ${root}\` to be a new or empty folder, found ${counted(entries.length, 'other file')} there (${some}) and no run.json; choose another --out`,
      );
    }
  }
}

/** Removes the folder `dir` if it is empty (else, or when it is gone, leaves it). */
function removeEmptyFolder(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty, or not there.
  }
}

/**
 * Removes a run that got no further than its data stage, as its process gives it up: what
 * `createRun`, `claimRun` and the data stage wrote (run.json, active.json, the data summary), and
 * its folder when that leaves it empty.
 */
export function discardNewRun(layout: RunLayout): void {
  for (const file of [layout.state, join(layout.root, ACTIVE_JSON), layout.dataSummary]) rmSync(file, { force: true });
  try {
    if (existsSync(layout.searchDir)) rmdirSync(layout.searchDir);
    rmdirSync(layout.root);
  } catch {
    // Not empty (the user's other files, or a search folder): left as it is.
  }
}

/** Open an existing run directory for --resume (or the command's `flag` naming it, e.g. `--run`). */
export function openRun<Options>(root: string, flag = '--resume'): { layout: RunLayout; state: RunState<Options> } {
  const layout = runLayout(root);
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new PipelineError(`Expected \`${flag} ${root}\` to be a run directory with run.json, found a file (give its folder)`);
  }
  if (!existsSync(root)) throw new PipelineError(`Expected \`${flag} ${root}\` to be a run directory with run.json, found no such folder`);
  if (!existsSync(layout.state)) {
    throw new PipelineError(`Expected \`${flag} ${root}\` to be a run directory with run.json, found none at ${layout.state}`);
  }
  return { layout, state: readState<Options>(layout) };
}

/** How a JSON value is named in a message: `null`, an array, a string `"x"`, a number 3... */
function describeJson(value: unknown): string {
  if (value === undefined) return 'none';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Check what run.json must hold for a run to be resumed or shown (the dashboard reads all of it):
 * version 1, `options` and `stages` objects, each stage a record with its seconds, and the study's
 * storage and name as strings when recorded. @throws PipelineError naming the first field that is wrong
 */
function checkState(path: string, state: unknown): void {
  const wrong = (field: string, expected: string, value: unknown) => new PipelineError(`Expected ${path} to hold ${field} (${expected}), found ${describeJson(value)}`);
  if (!isRecord(state)) throw new PipelineError(`Expected ${path} to be a digitfuse run (a JSON object), found ${describeJson(state)}`);
  if (state.version !== 1) {
    throw new PipelineError(`Expected ${path} to be a digitfuse run of version 1, found ${state.version === undefined ? 'no `version`' : `version ${JSON.stringify(state.version)}`}`);
  }
  if (!isRecord(state.options)) throw wrong('`options`', "an object: the run's options", state.options);
  if (!isRecord(state.stages)) throw wrong('`stages`', 'an object: the finished stages', state.stages);
  for (const [name, record] of Object.entries(state.stages)) {
    if (!isRecord(record) || typeof record.seconds !== 'number' || !Number.isFinite(record.seconds)) {
      const found = isRecord(record) ? `\`seconds\` ${describeJson(record.seconds)}` : describeJson(record);
      throw new PipelineError(`Expected ${path} to hold \`stages.${name}\` (a finished stage with its \`seconds\`), found ${found}`);
    }
  }
  if (state.spent !== undefined) {
    if (!isRecord(state.spent)) throw wrong('`spent`', 'an object: seconds spent on unfinished stages', state.spent);
    for (const [name, seconds] of Object.entries(state.spent)) {
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw wrong(`\`spent.${name}\``, 'seconds', seconds);
    }
  }
  if (state.budgetUsed !== undefined && !(typeof state.budgetUsed === 'number' && state.budgetUsed >= 0)) {
    throw wrong('`budgetUsed`', 'seconds of the search budget used', state.budgetUsed);
  }
  if (state.createdAt !== undefined && typeof state.createdAt !== 'string') throw wrong('`createdAt`', 'a date', state.createdAt);
  const problem = runOptionProblem(state.options);
  if (problem) throw wrong(`\`options.${problem.field}\``, problem.expected, state.options[problem.field]);
}

/** Read and check run.json. */
function readState<Options>(layout: RunLayout): RunState<Options> {
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(layout.state, 'utf8'));
  } catch (err) {
    throw new PipelineError(`Expected ${layout.state} to be JSON, found a parse error: ${(err as Error).message}`);
  }
  checkState(layout.state, state);
  return state as RunState<Options>;
}

/** Persist run.json atomically. */
export function saveState<Options>(layout: RunLayout, state: RunState<Options>): void {
  writeFileAtomic(layout.state, JSON.stringify(state, null, 2) + '\n');
}

/** Write a JSON file atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Write `value` with the `key` of the inputs it was computed from, atomically (`readKeyed` reads it back). */
export function writeKeyed(path: string, key: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify({ key, value }) + '\n');
}

/** The value `writeKeyed` saved at `path` when it was saved with `key`; null when absent, unreadable or from other inputs. */
export function readKeyed<T>(path: string, key: string): T | null {
  if (!existsSync(path)) return null;
  try {
    const file = JSON.parse(readFileSync(path, 'utf8')) as { key?: unknown; value?: T };
    return file.key === key && file.value !== undefined ? file.value : null;
  } catch {
    return null; // unreadable: computed again
  }
}

/** Read a JSON file a previous stage wrote, with a clear error if it is missing or not JSON (cut short, edited by hand). */
export function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new PipelineError(`Expected ${what} at ${path}, found no file (run the earlier stage first)`);
  // A stage whose file is deleted runs again on --resume (missingStageOutput), which writes it anew.
  return readJsonFile(path, (found) => new PipelineError(`Expected ${what} at ${path} to be JSON, found ${found}; delete it, and \`digitfuse full --resume\` of the run writes it again`)) as T;
}

/** What the evaluate stage writes to `evaluation.json`. */
export interface EvaluationFile {
  /** The best trial's model (trained on the split's training rows) on the validation rows. */
  readonly best: {
    readonly trial: number;
    readonly accuracy: number;
    readonly macroF1: number;
    readonly loss: number;
    readonly confusion: number[][];
    readonly perClass: Array<{ precision: number; recall: number; f1: number; support: number }>;
  };
  /** Validation accuracy of the averaged softmax of the K best trial models, when K > 1. */
  readonly ensemble?: { readonly members: number; readonly accuracy: number; readonly gain: number };
  /** Validation accuracy of the best trial's model with test-time augmentation, when --tta. */
  readonly tta?: { readonly accuracy: number; readonly gain: number };
  /** The best trial's robust fusion: calibrated weights and each expert on validation rows as they are and with shifted audio. */
  readonly fusion?: Calibration;
  /** Image-only, audio-only and fused validation accuracy with the best configuration and the same epochs. */
  readonly ablation: Array<{ modality: Modality; valAccuracy: number; note?: string }>;
}

/**
 * The evaluate stage's result, or null when the run has none yet: also when run.json records no
 * finished evaluate stage, as an evaluation.json left there is then of an earlier search (one that a
 * larger `--trials` went on from, whose best trial and its model may be gone).
 */
export const readEvaluation = (layout: RunLayout, state: RunState<unknown>): EvaluationFile | null =>
  state.stages.evaluate && existsSync(layout.evaluation) ? readJson<EvaluationFile>(layout.evaluation, 'the evaluation') : null;

/**
 * The run's submission.csv when run.json records its predict stage as finished, else null (none, or
 * one from before the search went on or the stages before predict were redone: {@link staleSubmission}).
 */
export const currentSubmission = (layout: RunLayout, state: RunState<unknown>): string | null =>
  state.stages.predict && existsSync(layout.submission) ? layout.submission : null;

/** A submission.csv in the run directory that run.json's stages do not account for (an earlier search's), or null. */
export const staleSubmission = (layout: RunLayout, state: RunState<unknown>): string | null =>
  !state.stages.predict && existsSync(layout.submission) ? layout.submission : null;

/** What the search leaves for the summary and the report (`search/search.json`). */
export interface SearchOutputs {
  /** The objective the trials were ranked by (objective.ts). */
  readonly objective?: string;
  /** The trial the run chose (`chooseTrial`) and its value: the highest, or the paper's configuration within one standard error of it. */
  readonly bestTrial: number | null;
  readonly bestValue: number | null;
  /** Set when the paper's configuration was kept over trial `over` (absent in runs from before the rule). */
  readonly keptBaseline?: { readonly over: number; readonly overValue: number; readonly standardError: number } | null;
  readonly finished: number;
  readonly pruned: number;
  readonly failed: number;
  readonly trials: TrialInput[];
  readonly importances: Record<string, number>;
}

/** The search stage's outputs (`writeSearchOutputs`), or null when the run has no search yet. */
export function readSearchOutputs(layout: RunLayout): SearchOutputs | null {
  if (!existsSync(layout.searchJson)) return null;
  const search = readJson<SearchOutputs>(layout.searchJson, 'the search results');
  // A search.json written before trials recorded `bestEpoch` has the epoch of their best intermediate value as `bestStep`;
  // one written before 2026-12-03 gave pruned trials one too. Only a completed trial kept an epoch (`keptEpochOf`).
  type Older = SearchOutputs['trials'][number] & { readonly bestStep?: number | null };
  return { ...search, trials: search.trials.map((t: Older) => ({ ...t, bestEpoch: t.state === 'COMPLETE' ? (t.bestEpoch ?? t.bestStep ?? null) : null })) };
}
