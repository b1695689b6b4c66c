import { counted, outputFolderProblem, UsageError } from '@digitfuse/core';
import { dataFingerprint, requireDataDir, requireTrainingFiles } from '@digitfuse/data';
import { redactUrl } from '@digitfuse/tuning';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { RunContext } from './context';
import { PipelineError } from './errors';
import { AFTER_SEARCH_SETTINGS, flagOf, fusionOf, modalityOf, objectiveOf, RESUMABLE, type PipelineOptions } from './options';
import { createRun, defaultRunDir, keptTrialModels, missingStageOutput, openRun, redoStage, STAGE_NAMES, type RunLayout, type RunState } from './run-artifacts';
import { refuseBusyRun } from './run-process';
import { checkStorage, storageLeftToOpen, studyNameIn } from './study-access';

/** Flags that say which run and data, not how the run is made: never compared with run.json. */
const NOT_SETTINGS: readonly string[] = ['data', 'out', 'resume'];

/** Stages that depend on the search's result. */
const SEARCH_AND_AFTER = STAGE_NAMES.slice(STAGE_NAMES.indexOf('search'));

/** Marks the finished stages from STAGE_NAMES[`index`] on to run again (`redoStage`); returns their names. */
function redoFrom(state: RunState<PipelineOptions>, index: number): string[] {
  const again = STAGE_NAMES.slice(index).filter((name) => state.stages[name]);
  for (const name of again) redoStage(state, name);
  return again;
}

/**
 * A finished stage whose files are gone (a model/ deleted to retrain, a removed submission.csv) is run
 * again, with the stages after it, in one line: resuming it as done would skip to a run's end that
 * names files it does not have.
 */
function redoStagesMissingOutputs(layout: RunLayout, state: RunState<PipelineOptions>, log: (line: string) => void): void {
  for (const [i, stage] of STAGE_NAMES.entries()) {
    const record = state.stages[stage];
    const missing = record ? missingStageOutput(layout, stage, record) : null;
    if (missing === null) continue;
    const again = redoFrom(state, i);
    log(`${stage}: recorded as finished, but ${missing} is missing: ${again.length > 1 ? `${again.join(', ')} run again` : 'it runs again'}`);
    return;
  }
}

/** Which options were given explicitly on the command line (not yargs defaults). */
export function explicitOptions(argv: readonly string[]): Set<string> {
  const given = new Set<string>();
  for (const a of argv) {
    const m = /^--(?:no-)?([a-z-]+)/.exec(a);
    if (m) given.add(m[1] === 'budget' ? 'budgetMs' : m[1].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()));
  }
  return given;
}

/** A setting as a run recorded it (with the defaults of runs written before the option existed). */
function recorded(options: PipelineOptions, key: keyof PipelineOptions): unknown {
  if (key === 'fusion') return fusionOf(options);
  if (key === 'objective') return objectiveOf(options);
  if (key === 'modality') return modalityOf(options);
  return options[key];
}

const shown = (key: string, value: unknown): string =>
  typeof value === 'boolean' ? (value ? flagOf(key) : `--no-${flagOf(key).slice(2)}`) : `${flagOf(key)} ${value === undefined || value === null ? '(none)' : String(value)}`;

/** How a refusal of flags that would change a resumed run's settings names those flags and the way out. */
export interface ResumeWording {
  /** The flags, for the run directory `root`, e.g. ``the flags given with `--resume DIR` ``. */
  readonly flags: (root: string) => string;
  /** What may be given, and what to do for other settings. */
  readonly otherwise: string;
}

/** `full --resume` and `search --resume`'s words. */
const RESUME_WORDING: ResumeWording = {
  flags: (root) => `the flags given with \`--resume ${root}\``,
  otherwise: `only ${RESUMABLE.map(flagOf).join(', ')} and --data may be given on resume: start a new run with --out for other settings`,
};

/**
 * Refuses flags given with --resume that would change a setting of the run (its seed, epochs, fusion...):
 * they cannot apply to what it already did. A flag with the run's own value is fine; RESUMABLE ones apply.
 */
function refuseChangedSettings(parsed: PipelineOptions, run: PipelineOptions, given: Set<string>, root: string, wording: ResumeWording): void {
  const changed = [...given]
    .filter((key): key is keyof PipelineOptions => key in parsed && !NOT_SETTINGS.includes(key) && !RESUMABLE.includes(key as keyof PipelineOptions))
    .filter((key) => parsed[key] !== recorded(run, key));
  if (changed.length === 0) return;
  throw new UsageError(
    `Expected ${wording.flags(root)} to keep the run's settings, found ${changed
      .map((key) => `${shown(key, parsed[key])} (the run has ${shown(key, recorded(run, key))})`)
      .join(', ')}; ${wording.otherwise}`,
  );
}

/**
 * The start of a refusal of `--study given` for the run at `root`, whose study is `recorded` in
 * `place` (its journal, or its database): `Expected ... found another name` (the reason follows).
 */
export const otherStudy = (given: string, root: string, recorded: string, place: string): string =>
  `Expected \`--study ${given}\` to name the study of ${root}, \`${recorded}\` in ${place}, found another name`;

/**
 * Without a shared storage, `--study` only names the study inside the run's own journal: says so,
 * since no other machine can join it there.
 */
function noteJournalStudy(options: PipelineOptions, layout: RunLayout, log: (line: string) => void): void {
  if (options.storage) return;
  log(
    `note: without --storage, --study ${studyNameIn(options)} only names the study inside this run's own journal (${layout.journal}), which no other machine can join; ` +
      'give --storage postgresql://user@host:port/database (or DIGITFUSE_STORAGE) to share a study',
  );
}

/**
 * Refuses to resume a run with stages left whose data folder no longer holds the files its data stage
 * read (rebuilt, e.g. `demo --force`, or replaced in place): the stages left would retrain and predict
 * on other rows than those the search ranked its trials on.
 */
function refuseChangedData(state: RunState<PipelineOptions>): void {
  const recorded = state.data;
  if (!state.stages.data || !recorded || STAGE_NAMES.every((name) => state.stages[name])) return;
  const dir = state.options.data ? resolve(state.options.data) : recorded.dir;
  if (dataFingerprint(dir) === recorded.fingerprint) return;
  const found = existsSync(dir) ? 'different files (changed since)' : 'no such folder';
  throw new PipelineError(`Expected ${dir}, the run's data, to hold the files its data stage read, found ${found}; put those files back (or give \`--data\` a folder holding them), or start a new run with --out for new data`);
}

/**
 * Another `--ensemble` or `--tta` on resume: the finished stages from the first that reads it
 * (retrain, predict) run again, said in one line; the search is kept. A larger `--ensemble` than the
 * trial models the search kept (it keeps those of the `--ensemble` best) is refused in one line, for a
 * run whose study is its journal: they would have to be trained again.
 */
function redoAfterSearch(layout: RunLayout, state: RunState<PipelineOptions>, run: PipelineOptions, given: Set<string>, log: (line: string) => void): void {
  const changed = (Object.keys(AFTER_SEARCH_SETTINGS) as (keyof PipelineOptions)[]).filter((key) => given.has(key) && recorded(state.options, key) !== recorded(run, key));
  if (changed.length === 0) return;
  if (changed.includes('ensemble') && state.stages.search && !state.options.storage) {
    const models = keptTrialModels(layout);
    if (state.options.ensemble > models) {
      throw new UsageError(
        `Expected --ensemble to be at most ${models} (the best trials whose models the search kept in ${layout.trialModelsDir}: it keeps those of the --ensemble best, ${run.ensemble} when it ran), found ${state.options.ensemble}; ` +
          'a larger ensemble needs a new run with --out (give it --ensemble from the start)',
      );
    }
  }
  const from = Math.min(...changed.map((key) => STAGE_NAMES.indexOf(AFTER_SEARCH_SETTINGS[key] as string)));
  const again = redoFrom(state, from);
  if (again.length === 0) return;
  const kept = STAGE_NAMES.slice(STAGE_NAMES.indexOf('search'), from).filter((name) => state.stages[name]);
  log(`${changed.map((key) => shown(key, recorded(state.options, key))).join(', ')}: ${again.join(', ')} run again with it${kept.length > 0 ? ` (the ${kept.join(' and ')} kept)` : ''}`);
}

/**
 * Start a new run directory, or reopen one with --resume (keeping its options: RESUMABLE ones given
 * again take the new value, others given with another value are refused). Checks --data first: an
 * error writes nothing.
 */
export function openContext(parsed: PipelineOptions, argv: readonly string[], log: (line: string) => void, wording: ResumeWording = RESUME_WORDING): RunContext {
  // run.json keeps the storage URL without its password; this process and the workers it starts
  // find the full one in DIGITFUSE_STORAGE (study-access.ts: storageUrlOf).
  if (parsed.storage) process.env.DIGITFUSE_STORAGE = parsed.storage;
  const options: PipelineOptions = { ...parsed, storage: parsed.storage ? redactUrl(parsed.storage) : parsed.storage };
  // A --data that is a file or absent, or (for a new run) lacks a training file: one line now, before a
  // run directory or a note about its test files.
  if (options.data !== null && options.data !== undefined) (options.resume ? requireDataDir : requireTrainingFiles)(resolve(options.data));
  const given = explicitOptions(argv);
  // An image-only model has no audio to fuse: a --fusion given with it would be kept in run.json and do nothing.
  if (!options.resume && options.modality === 'image' && given.has('fusion')) {
    throw new UsageError(`Expected no \`--fusion\` with \`--modality image\` (an image-only model has no audio to fuse), found \`--fusion ${options.fusion}\``);
  }
  if (options.resume) {
    const { layout, state } = openRun<PipelineOptions>(options.resume);
    // Another process running it: one line, before anything is said or changed.
    refuseBusyRun(layout);
    // A run folder this process may not write in (another user's, a read-only disk): one line too, not
    // `resuming ...` and then the first file it could not write.
    const unwritable = outputFolderProblem(layout.root);
    if (unwritable !== null) throw new PipelineError(`Expected \`--resume ${options.resume}\` to be a run directory this process can write in, found ${unwritable}`);
    refuseChangedSettings(options, state.options, given, options.resume, wording);
    const merged = { ...state.options } as Record<string, unknown>;
    // A run written before its --data was kept absolute: the folder its data stage read, not the
    // typed path taken from wherever this command runs.
    if (typeof state.options.data === 'string' && !isAbsolute(state.options.data) && state.data) merged.data = state.data.dir;
    for (const key of RESUMABLE) if (given.has(key)) merged[key] = options[key];
    // The report follows this command (--no-report or not): a run whose report was skipped gets it now.
    merged.report = options.report;
    if (options.report && state.stages.report && state.stages.report.facts?.figures === 0) delete state.stages.report;
    if (given.has('data') && options.data !== null && resolve(options.data) !== resolve(String(merged.data ?? ''))) {
      // Another --data is fine before the data stage finished (a retry after a bad folder), or when it
      // holds the same files (moved or copied); anything else would mix two data sets in one run.
      const recorded = state.data;
      if (state.stages.data && recorded && dataFingerprint(resolve(options.data)) !== recorded.fingerprint) {
        throw new PipelineError(
          `Expected \`--data ${options.data}\` to hold the same files as this run's data (${recorded.dir}), found different files; start a new run with --out for new data`,
        );
      }
      if (state.stages.data && !recorded) {
        throw new PipelineError(`Expected no new \`--data\` for ${layout.root} (its data stage finished before data fingerprints were recorded); start a new run with --out`);
      }
      merged.data = resolve(options.data);
    }
    merged.resume = options.resume;
    const run = state.options;
    state.options = merged as unknown as PipelineOptions;
    if (given.has('study') && !state.options.storage && studyNameIn(options) !== studyNameIn(run) && existsSync(layout.journal)) {
      // In a journal another name is another, empty study: the search would start again beside the first.
      throw new UsageError(
        `${otherStudy(studyNameIn(options), layout.root, studyNameIn(run), `its journal (${layout.journal})`)}, which would start an empty study beside it; ` +
          'drop --study, or give --storage to move the run to a shared study',
      );
    }
    // A new --budget is the search's from here, not what is left of the one a stopped search used.
    if (given.has('budgetMs')) delete state.budgetUsed;
    const search = state.stages.search;
    if ((given.has('trials') || given.has('budgetMs')) && search) {
      // A new trial count or budget continues the search from its journal, then redoes what follows it;
      // unless the search already holds --trials finished trials (then it would add none, and retraining
      // the same configuration again would only cost minutes). A shared study's count is the one its
      // search stage saw: other machines' later trials can only make the rerun find more.
      const facts = (search.facts ?? {}) as { finished?: unknown; pruned?: unknown };
      const had = typeof facts.finished === 'number' && typeof facts.pruned === 'number' ? facts.finished + facts.pruned : null;
      if (had !== null && had >= state.options.trials) {
        log(`--trials ${state.options.trials}: the search already finished ${counted(had, 'trial')}, so it and the later stages are kept (give a larger --trials to search on)`);
      } else {
        // The search's time goes on with its trials; the later stages start again.
        for (const stage of SEARCH_AND_AFTER) redoStage(state, stage);
        log(`new --trials/--budget: the search continues from its journal; the stages after it are to run again (their earlier outputs no longer count)`);
      }
    }
    redoAfterSearch(layout, state, run, given, log);
    redoStagesMissingOutputs(layout, state, log);
    refuseChangedData(state);
    log(`resuming ${layout.root} (finished stages: ${Object.keys(state.stages).join(', ') || 'none'})`);
    if (given.has('study')) noteJournalStudy(state.options, layout, log);
    return { options: state.options, layout, state, log };
  }
  const out = options.out ?? defaultRunDir();
  // --data kept absolute: a resume from another directory reads the same folder.
  const { layout, state } = createRun(out, { ...options, out, data: options.data === null || options.data === undefined ? options.data : resolve(options.data) }, true);
  log(`run directory: ${layout.root}`);
  if (options.study !== null && options.study !== undefined) noteJournalStudy(state.options, layout, log);
  return { options: state.options, layout, state, log };
}

/**
 * The storage a command checks before anything else (`checkStorage`): a new run's `--storage` (or
 * DIGITFUSE_STORAGE), a resume's only when given as `--storage`. A resume without it keeps the run's
 * database, where DIGITFUSE_STORAGE gives only the password (when it names the same one), so another
 * database it names is not the run's to check (nor to refuse the resume for): {@link openCheckedContext}
 * checks the run's.
 */
export function storageToCheckFirst(parsed: PipelineOptions, argv: readonly string[]): string | null | undefined {
  return parsed.resume && !explicitOptions(argv).has('storage') ? null : parsed.storage;
}

/**
 * {@link openContext}; for a resume without `--storage` (a given one is checked before, as a new
 * run's), the run's shared storage is checked once it is known which stages run again: a database out
 * of reach, or without the password (run.json keeps the URL without it), is one line before the resume
 * says anything (its lines wait until then). Before, a finished search resumed with a larger --trials
 * said `new --trials/--budget ...`, `resuming ...` and its stage headers first.
 */
export async function openCheckedContext(parsed: PipelineOptions, argv: readonly string[], log: (line: string) => void, stages: readonly string[]): Promise<RunContext> {
  if (!parsed.resume || storageToCheckFirst(parsed, argv)) return openContext(parsed, argv, log);
  let held: string[] | null = [];
  const ctx = openContext(parsed, argv, (line) => (held === null ? log(line) : held.push(line)));
  await checkStorage(storageLeftToOpen(ctx, stages), log);
  const lines = held;
  held = null;
  for (const line of lines) log(line);
  return ctx;
}
