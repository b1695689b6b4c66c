import { shellQuote } from '@digitfuse/core';
import { dataFingerprint, requireDataDir } from '@digitfuse/data';
import { missingModelFiles, MODEL_FILES, type ModelConfig } from '@digitfuse/model';
import {
  createStudy,
  drawIndex,
  hasArtifacts,
  loadStudy,
  HyperbandPruner,
  JournalFileStorage,
  MedianPruner,
  NopPruner,
  openStorage,
  redactUrl,
  sameDatabase,
  StorageUnavailableError,
  TPESampler,
  type ArtifactStore,
  type Pruner,
  type Storage,
  type Study,
} from '@digitfuse/tuning';
import { parseDuration, processAlive, writeFileAtomic } from '@digitfuse/core';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { RunContext } from './context';
import { PipelineError } from './errors';
import { fusionOf, modalityOf, objectiveOf, offsetSeed, type PipelineOptions } from './options';
import { discardNewRun, trialDirName, trialModelDir } from './run-artifacts';
import { configFromParams, isPaperConfiguration } from './search-space';
import { chooseAmong, type TrialChoice } from './objective';

/** The study's name inside its journal (and in a shared storage unless `--study` says). */
export const STUDY_NAME = 'digitfuse';

/** The study's name under these options: `--study`, else `digitfuse`. */
export const studyNameIn = (options: PipelineOptions): string => options.study ?? STUDY_NAME;

/** The run's study name. */
export const studyNameOf = (ctx: RunContext): string => studyNameIn(ctx.options);

/**
 * The run's shared storage URL with its password, or null for the run's journal. run.json keeps the
 * URL without its password; the full one comes from `--storage` / DIGITFUSE_STORAGE (which the
 * worker processes inherit), else PGPASSWORD or ~/.pgpass supply the password.
 */
export function storageUrlOf(ctx: RunContext): string | null {
  return withPassword(ctx.options.storage ?? null);
}

/** A storage URL as run.json records it (no password), with the password of DIGITFUSE_STORAGE when that names the same database (`sameDatabase`). */
export function withPassword(recorded: string | null): string | null {
  if (recorded === null) return null;
  const env = process.env.DIGITFUSE_STORAGE;
  return env !== undefined && sameDatabase(env, recorded) ? env : recorded;
}

/** Where the run's study is described in messages: the URL without its password, or the journal. */
export const studyPlace = (ctx: RunContext): string => (ctx.options.storage ? `${redactUrl(ctx.options.storage)} (study \`${studyNameOf(ctx)}\`)` : ctx.layout.journal);

/** The variable that sets how long a search waits for a shared storage out of reach. */
export const STORAGE_RETRY_ENV = 'DIGITFUSE_STORAGE_RETRY';

/** How long a shared storage out of reach is retried before the search stops. */
export const DEFAULT_STORAGE_RETRY_MS = 2 * 60_000;

/**
 * How long a shared storage out of reach is retried (ms): DIGITFUSE_STORAGE_RETRY, a duration such as
 * 90s or 10m, else 2 minutes. @throws UsageError naming the variable for a value that is not a duration
 */
export function storageRetryMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[STORAGE_RETRY_ENV];
  return text === undefined || text.trim() === '' ? DEFAULT_STORAGE_RETRY_MS : parseDuration(text, STORAGE_RETRY_ENV);
}

/** One shared storage per process and URL (its connection pool). */
const shared = new Map<string, Promise<Storage>>();

function sharedStorage(url: string, log: (line: string) => void): Promise<Storage> {
  let storage = shared.get(url);
  if (storage === undefined) {
    storage = openStorage(url, { logger: { warn: (message: string) => log(`    warning: ${message}`) }, retryForMs: storageRetryMs() });
    shared.set(url, storage);
    storage.catch(() => shared.delete(url));
  }
  return storage;
}

async function storageOf(ctx: RunContext): Promise<Storage> {
  const url = storageUrlOf(ctx);
  return url === null ? new JournalFileStorage(ctx.layout.journal) : sharedStorage(url, ctx.log);
}

/**
 * Connects to a `--storage` database before anything is written (a bad URL, a refused connection, a
 * wrong password, a missing database, a newer schema or a bad DIGITFUSE_STORAGE_RETRY is one line and
 * no run directory).
 */
export async function checkStorage(storage: string | null | undefined, log: (line: string) => void): Promise<void> {
  if (!storage) return;
  storageRetryMs();
  await sharedStorage(storage, log);
}

/** The stages that open the run's study. */
const STUDY_STAGES: readonly string[] = ['search', 'retrain', 'evaluate'];

/**
 * The run's shared storage URL (with DIGITFUSE_STORAGE's password when that names the same database)
 * when one of `stages` left to run opens its study, else null: for {@link checkStorage} once a resume
 * has decided which stages run again (a new --trials or --budget reopens a finished search, another
 * --ensemble the retraining).
 */
export function storageLeftToOpen(ctx: RunContext, stages: readonly string[]): string | null {
  return stages.some((stage) => STUDY_STAGES.includes(stage) && ctx.state.stages[stage] === undefined) ? storageUrlOf(ctx) : null;
}

/**
 * `e` as the command that met it says it: a shared storage that stayed out of reach (its line names
 * the server and how long it was retried) gets the command that goes on from there once the server
 * is back; any other error is returned as it is.
 */
export function withResumeHint(e: unknown, ctx: RunContext, command: 'search' | 'full'): unknown {
  if (!(e instanceof StorageUnavailableError)) return e;
  const url = storageUrlOf(ctx);
  const password = url !== null && new URL(url).password !== '' ? ' with the password in DIGITFUSE_STORAGE, PGPASSWORD or ~/.pgpass (run.json keeps the URL without it)' : '';
  return new PipelineError(
    `${e.message}: \`digitfuse ${command} --resume ${shellQuote(ctx.layout.root)}\`${password} goes on once the server answers ` +
      `(${STORAGE_RETRY_ENV}, e.g. 10m, sets how long to wait)`,
  );
}

/** The run's choice among the study's COMPLETE trials with a value (`chooseTrial`: objective.ts). */
export function trialChoice(study: Study): TrialChoice {
  return chooseAmong(study.trials, isPaperConfiguration);
}

/** The study's COMPLETE trials with a value, in the order the run takes them: the chosen one first (`trialChoice`). */
export function rankedTrials(study: Study): { number: number; value: number }[] {
  return trialChoice(study).ranked.map(({ number, value }) => ({ number, value }));
}

function makePruner(kind: RunContext['options']['pruner'], epochs: number): Pruner {
  if (kind === 'median') return new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 1 });
  if (kind === 'hyperband') return new HyperbandPruner({ minResource: 1, maxResource: epochs, reductionFactor: 3 });
  return new NopPruner();
}

/**
 * The search's sampler: TPE with Optuna 5's defaults except the constant liar, which is off. Measured
 * with 4 concurrent workers (tuning README, both libraries, 150-600 seeds on five spaces, the pipeline's
 * among them): the liar never lowered the regret and raised it by up to 1.2x (geometric means); with
 * 8 and 16 workers (ours, 200 seeds) not either. Without it concurrent trials still differ, each
 * drawing from its own random stream.
 */
export function searchSampler(seed: number): TPESampler {
  return new TPESampler({ seed, constantLiar: false });
}

/** Open (or create) the run's study: from its journal, or from the shared storage of `--storage`. */
export async function openStudy(ctx: RunContext): Promise<Study> {
  return createStudy({
    name: studyNameOf(ctx),
    direction: 'maximize',
    sampler: searchSampler(ctx.options.seed),
    logger: { warn: (message: string) => ctx.log(`    warning: ${message}`) },
    pruner: makePruner(ctx.options.pruner, ctx.options.epochs),
    storage: await storageOf(ctx),
    loadIfExists: true,
  });
}

/**
 * The study the run's search stage filled, for the stages after it; never a new one.
 * @throws PipelineError when it is not there (a shared study deleted, or --storage naming another database)
 */
export async function openSearchedStudy(ctx: RunContext): Promise<Study> {
  const storage = await storageOf(ctx);
  if ((await storage.getStudyDirections(studyNameOf(ctx))) === undefined) {
    throw new PipelineError(
      `Expected the study this run searched in ${studyPlace(ctx)}, found none there (deleted, or --storage names another database); its trials are gone: start a new run with --out`,
    );
  }
  return openStudy(ctx);
}

/**
 * The study of a run whose search stage has not finished (stopped, or running in another process), as
 * it stands, or null when its storage holds none yet. Nothing is created: a run without a journal
 * gets no journal file.
 */
export async function studySoFar(ctx: RunContext): Promise<Study | null> {
  if (storageUrlOf(ctx) === null && !existsSync(ctx.layout.journal)) return null;
  const storage = await storageOf(ctx);
  if ((await storage.getStudyDirections(studyNameOf(ctx))) === undefined) return null;
  return loadStudy({ name: studyNameOf(ctx), storage, sampler: searchSampler(ctx.options.seed), logger: { warn: (message: string) => ctx.log(`    warning: ${message}`) } });
}

/** The K best finished trials of the run's study, best first. @throws PipelineError when none finished. */
export async function bestTrials(ctx: RunContext, k: number): Promise<{ number: number; value: number }[]> {
  const study = await openSearchedStudy(ctx);
  const complete = rankedTrials(study);
  if (complete.length === 0) {
    throw new PipelineError(`Expected at least one finished trial in ${studyPlace(ctx)}, found none: give the search more --trials or a longer --budget`);
  }
  const best = complete.slice(0, k);
  for (const t of best) await fetchTrialModel(ctx, study, t.number);
  return best;
}

/**
 * The seed of a trial's model (initial weights, shuffling, dropout): the run's seed plus its draw
 * index (`offsetSeed`), which is its number unless trials before it were retries: a retry trains as the
 * trial it retries (a search stopped mid-trial and resumed ends as an uninterrupted one; draw-index.ts
 * in tuning).
 */
export function trialSeed(ctx: RunContext, study: Study, trialNumber: number): number {
  const trial = study.trials.find((t) => t.number === trialNumber);
  return offsetSeed(ctx.options.seed, trial === undefined ? trialNumber : drawIndex(study.trials, trial));
}

/**
 * A trial's model configuration, from the one place it is kept: its parameters in the study journal
 * (with the run's fusion and modality, and the trial's seed), rebuilt exactly as the search suggested it.
 */
export function trialConfig(ctx: RunContext, study: Study, trialNumber: number): ModelConfig {
  const trial = study.trials[trialNumber];
  if (!trial) throw new PipelineError(`Expected trial ${trialNumber} in ${studyPlace(ctx)}, found none`);
  return configFromParams(trial.params as Record<string, number | string>, trialSeed(ctx, study, trialNumber), fusionOf(ctx.options), modalityOf(ctx.options));
}

/** A model save's staging folder in the trial models folder (`saveModel`): `.trial-0004.saving-<pid>`. */
const STAGING = /^\.trial-\d+\.saving-(\d+)$/;

/**
 * Delete saved trial models of finished trials that are no longer among the `keep` best. Everything
 * else stays: a running trial's folder, one of a trial this view does not show yet (another process's,
 * just started), and a save's staging folder while its process lives (with `--workers`, another
 * process may be saving its trial's model at this moment; a killed save's staging folder goes).
 */
export function pruneTrialModels(ctx: RunContext, study: Study, keep: number): void {
  const dir = ctx.layout.trialModelsDir;
  if (!existsSync(dir)) return;
  const best = new Set(rankedTrials(study).slice(0, keep).map((t) => t.number));
  const finished = new Set(study.getTrials(['COMPLETE', 'PRUNED', 'FAIL']).filter((t) => !best.has(t.number)).map((t) => trialDirName(t.number)));
  for (const name of readdirSync(dir)) {
    const staging = STAGING.exec(name);
    if (finished.has(name) || (staging !== null && !processAlive(Number(staging[1])))) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** Files of a directory, recursively, as paths relative to it. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [relative(base, path)];
  });
}

/** With a shared storage: keeps a trial's saved model (model.json, weights, meta with the calibration) in it, for any machine. */
export async function uploadTrialModel(ctx: RunContext, study: Study, trialNumber: number): Promise<void> {
  if (!hasArtifacts(study.storage)) return;
  const dir = trialModelDir(ctx.layout, trialNumber);
  if (!existsSync(dir)) return;
  for (const path of filesUnder(dir)) await study.storage.putArtifact(study.name, trialNumber, path, readFileSync(join(dir, path)));
}

/**
 * With a shared storage: writes a trial's model into this run's directory when it is not there (trained
 * on another machine). With the run's journal, where the run directory is its one home, a model the
 * search kept and that is no longer there (deleted or moved by hand) is one line naming it, before
 * the stage that needs it starts (not the bare ENOENT of its meta.json once retraining began).
 */
export async function fetchTrialModel(ctx: RunContext, study: Study, trialNumber: number): Promise<void> {
  const dir = trialModelDir(ctx.layout, trialNumber);
  const missing = missingModelFiles(dir);
  if (missing.length === 0) return;
  if (!hasArtifacts(study.storage)) {
    throw new PipelineError(
      `Expected the model of trial ${trialNumber}, which the search kept for the stages after it, in ${dir}, found ${missing.length === MODEL_FILES.length ? 'no such folder' : `no ${missing.join(', ')} there`} (deleted or moved?); ` +
        'put it back, or start a new run with --out',
    );
  }
  const paths = await study.storage.listArtifacts(study.name, trialNumber);
  if (paths.length === 0) throw new PipelineError(`Expected the model of trial ${trialNumber} in ${studyPlace(ctx)}, found none (its worker saved no model)`);
  // Each file whole or not at all, model.json last: it tells a fetched model from one to fetch, so a
  // fetch cut short (a full disk, a kill) is fetched again rather than taken for a model.
  const last = (path: string): number => (path === 'model.json' ? 1 : 0);
  for (const path of [...paths].sort((a, b) => last(a) - last(b))) {
    const data = (await study.storage.getArtifact(study.name, trialNumber, path)) as Buffer;
    writeFileAtomic(join(dir, path), data);
  }
  ctx.log(`    trial ${trialNumber}'s model fetched from ${studyPlace(ctx)}`);
}

/** The file a shared study keeps what its workers must agree on in (`studyKey`). */
const STUDY_KEY = 'study-key.json';

/**
 * What must be the same on every machine joining a shared study, so that their trials compare: the
 * data files (their fingerprint; null when unknown) and how they are prepared, trained and judged.
 */
function studyKey(o: PipelineOptions, fingerprint: string | null): Record<string, unknown> {
  return {
    data: fingerprint,
    split: o.split,
    seed: o.seed,
    'search-rows': o.searchRows,
    modality: modalityOf(o),
    fusion: fusionOf(o),
    objective: objectiveOf(o),
    epochs: o.epochs,
    'batch-size': o.batchSize,
    pruner: o.pruner,
  };
}

/** A short name for a data fingerprint (`dataFingerprint`), as messages show it. */
export const filesId = (fingerprint: unknown): string => createHash('sha256').update(String(fingerprint)).digest('hex').slice(0, 12);

/**
 * What a recorded study key asks of a machine joining the study: its flags (`--split grouped --seed
 * 42 ...`, in `studyKey`'s order) and the short name of its data files (null when not recorded).
 */
export function joiningSettings(key: Record<string, unknown>): { readonly flags: string; readonly files: string | null } {
  const flags = Object.entries(key)
    .filter(([k, v]) => k !== 'data' && v !== null && v !== undefined)
    .map(([k, v]) => `--${k} ${String(v)}`)
    .join(' ');
  return { flags, files: key.data === null || key.data === undefined ? null : filesId(key.data) };
}

/**
 * Refuses a worker whose study key differs from the one the study recorded (`place` names the study).
 * A setting the record lacks (a study recorded before it was compared) is not compared, nor is the
 * data while this worker's fingerprint is unknown (null).
 */
function refuseOtherSettings(place: string, mine: Record<string, unknown>, theirs: Record<string, unknown>): void {
  const differ = Object.keys(mine).filter((k) => k in theirs && !(k === 'data' && mine[k] === null) && JSON.stringify(mine[k]) !== JSON.stringify(theirs[k]));
  if (differ.length === 0) return;
  const show = (v: Record<string, unknown>, k: string): string => (k === 'data' ? `files ${filesId(v[k])}` : `--${k} ${String(v[k])}`);
  throw new PipelineError(
    `Study ${place} was searched with other data or settings: ${differ.map((k) => `${show(theirs, k)} there, ${show(mine, k)} here`).join('; ')}; give the same --data and flags, or another --study`,
  );
}

/**
 * What a shared study's workers agree on, as the first to join recorded it (`studyKey`): null when
 * none has, `'unreadable'` when the record is not a JSON object (written by hand, or damaged).
 */
export async function recordedStudyKey(storage: ArtifactStore, name: string): Promise<Record<string, unknown> | null | 'unreadable'> {
  const data = await storage.getArtifact(name, -1, STUDY_KEY);
  if (data === undefined) return null;
  try {
    const key: unknown = JSON.parse(data.toString('utf8'));
    return typeof key === 'object' && key !== null && !Array.isArray(key) ? (key as Record<string, unknown>) : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** The recorded key for a worker about to join (`place` names the study); an unreadable one refuses it, as nothing can be compared. */
function keyToCompare(place: string, name: string, recorded: Record<string, unknown> | 'unreadable'): Record<string, unknown> {
  if (recorded !== 'unreadable') return recorded;
  throw new PipelineError(
    `Study ${place}: expected its record of the data and settings its trials were searched with (${STUDY_KEY}) to be a JSON object, found something else, so whether this machine's agree cannot be told; give another --study, or delete that one (digitfuse studies --delete ${name} --yes)`,
  );
}

/**
 * For a new run on a shared storage (no --resume): refuses settings or `--data` files that differ
 * from those the study recorded, before the run directory is written (the search stage checks again
 * as it joins). Nothing to compare for a study that does not exist yet, or one no worker has joined.
 * @throws PipelineError naming each flag that differs, its value in the study and here
 */
export async function checkSharedStudy(options: PipelineOptions, log: (line: string) => void): Promise<void> {
  if (!options.storage || options.resume) return;
  const storage = await sharedStorage(options.storage, log);
  const name = studyNameIn(options);
  if (!hasArtifacts(storage) || (await storage.getStudyDirections(name)) === undefined) return;
  const recorded = await recordedStudyKey(storage, name);
  if (recorded === null) return;
  const place = `${redactUrl(options.storage)} (study \`${name}\`)`;
  let fingerprint: string | null = null;
  if (options.data) {
    const dir = resolve(options.data);
    requireDataDir(dir);
    fingerprint = dataFingerprint(dir);
  }
  refuseOtherSettings(place, studyKey(options, fingerprint), keyToCompare(place, name, recorded));
}

/**
 * With a shared storage: records what the study searches on (the first worker to join), or refuses
 * a worker whose data or settings differ, removing its run directory when it is a new run that got
 * no further than its data and `discardIfRefused` (the main process; not the workers it starts).
 * Returns whether this worker created the record.
 */
export async function joinSharedStudy(ctx: RunContext, study: Study, discardIfRefused: boolean): Promise<boolean> {
  if (!hasArtifacts(study.storage)) return true;
  const mine = studyKey(ctx.options, ctx.state.data?.fingerprint ?? null);
  const created = await study.storage.putArtifact(study.name, -1, STUDY_KEY, Buffer.from(JSON.stringify(mine)), { ifAbsent: true });
  if (created) return true;
  const recorded = (await recordedStudyKey(study.storage, study.name)) ?? {};
  try {
    refuseOtherSettings(studyPlace(ctx), mine, keyToCompare(studyPlace(ctx), study.name, recorded));
  } catch (e) {
    // Another machine joined the new study first, between this one's check and now: a new run that
    // got no further than its data holds nothing to keep, so it is removed, as the check would have
    // refused it before writing anything.
    const fresh = !ctx.options.resume && Object.keys(ctx.state.stages).every((stage) => stage === 'data');
    if (!(e instanceof PipelineError) || !fresh || !discardIfRefused) throw e;
    discardNewRun(ctx.layout);
    throw new PipelineError(`${e.message} (this run's directory ${ctx.layout.root} held no trial and was removed)`);
  }
  return false;
}
