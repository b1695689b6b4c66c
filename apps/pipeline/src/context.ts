import { unlessStopping } from '@digitfuse/core';
import { ensureDemoDataset, prepareData, type PreparedData } from '@digitfuse/data';
import { backendAdvice, describeBackend, selectBackend, type BackendInfo } from '@digitfuse/model';
import { resolve } from 'node:path';
import type { PipelineOptions } from './options';
import type { BesideRetrain } from './beside-retrain';
import { addSpent, CONTINUED_STAGES, saveState, tenths, type RunLayout, type RunState, type StageRecord } from './run-artifacts';
import { claimRun } from './run-process';

/** Everything the stages of one run share. */
export interface RunContext {
  readonly options: PipelineOptions;
  readonly layout: RunLayout;
  readonly state: RunState<PipelineOptions>;
  /** Where progress lines go (stderr by default, so stdout stays clean for data). */
  readonly log: (line: string) => void;
  backend?: BackendInfo;
  data?: PreparedData;
  /** Set by `digitfuse full`: the retrain stage starts work of the later stages beside it (beside-retrain.ts). */
  besideRetrain?: boolean;
  /** That child process, once started. */
  beside?: BesideRetrain;
  /** When (Date.now()) this process's search began to use its `--budget`; unset when none runs. */
  budgetClock?: number;
  /** Whether {@link adviseBackend} has run in this process. */
  backendAdvised?: boolean;
  /** The report's t-SNE and K-means seed, when `digitfuse report --seed` gives one; default: the run's `--seed`. */
  readonly mapSeed?: number;
}

/** A step of the pipeline. */
export interface Stage {
  readonly name: string;
  readonly title: string;
  /** Runs the stage; returns small facts for run.json and the summary. */
  run(ctx: RunContext): Promise<StageRecord['facts']>;
}

/**
 * An explicit `--backend` that may be missing here (`webgpu`: no GPU driver; `tensorflow`: tfjs-node
 * not installed), chosen before the run directory is made: one that cannot be used stops with its
 * one line before anything is written (it failed at the search stage, after the data stage had
 * written run.json). Undefined for `auto`, `wasm` and `cpu`, which are chosen when a stage first trains.
 * The caller hands the result to the run's context (`ctx.backend`).
 */
export async function backendToCheckFirst(options: PipelineOptions, log: (line: string) => void): Promise<BackendInfo | undefined> {
  if (options.backend !== 'webgpu' && options.backend !== 'tensorflow') return undefined;
  return selectBackend(options.backend, log);
}

/** The compute backend, chosen once per process. */
export async function backendOf(ctx: RunContext): Promise<BackendInfo> {
  ctx.backend ??= await selectBackend(ctx.options.backend, (line) => ctx.log(line));
  // As the `backend:` line names it (the summary's backend row), native kernels and instruction set included.
  ctx.state.backend = describeBackend(ctx.backend);
  return ctx.backend;
}

/**
 * For a stage that trains (search, retrain): says once per process what {@link backendAdvice} has to
 * say of the backend (webgpu on a software adapter; a GPU at a batch too small for it).
 */
export function adviseBackend(ctx: RunContext, backend: BackendInfo): void {
  if (ctx.backendAdvised) return;
  ctx.backendAdvised = true;
  const advice = backendAdvice(backend, ctx.options.batchSize);
  if (advice != null) ctx.log(`    ${advice}`);
}

/** The prepared data (loaded from the cache when the inputs are unchanged). */
export async function dataOf(ctx: RunContext): Promise<PreparedData> {
  if (!ctx.data) {
    const dataDir = ctx.options.data ?? (await ensureDemoDataset({ log: ctx.log }));
    ctx.data = await prepareData({
      dataDir: resolve(dataDir),
      seed: ctx.options.seed,
      splitMode: ctx.options.split,
      log: ctx.log,
    });
  }
  return ctx.data;
}

/**
 * A stage that runs models: `run(ctx, data, backend)` once the backend is chosen and then the data
 * prepared.
 */
export function modelStage(
  name: string,
  title: string,
  run: (ctx: RunContext, data: PreparedData, backend: BackendInfo) => Promise<StageRecord['facts']>,
): Stage {
  return {
    name,
    title,
    async run(ctx) {
      const backend = await backendOf(ctx);
      return run(ctx, await dataOf(ctx), backend);
    },
  };
}

/** How often a running search writes what it has used of its time and budget to run.json (ms). */
export const CHECKPOINT_MS = 10_000;

/** The stage running now, and how much of its time this process has already written to run.json. */
interface Running {
  name: string | null;
  t0: number;
  recorded: number;
}

/**
 * Write the running stage's time so far (run.json `spent`, for a search) and what the search has used
 * of its `--budget` (`budgetUsed`), so that a resume counts them, after a Ctrl-C and, up to the last
 * checkpoint, after a process killed outright.
 */
function recordUsage(ctx: RunContext, running: Running): void {
  if (running.name === null) return;
  const elapsed = (performance.now() - running.t0) / 1000;
  addSpent(ctx.state, running.name, elapsed - running.recorded);
  running.recorded = elapsed;
  if (ctx.budgetClock !== undefined) {
    const now = Date.now();
    ctx.state.budgetUsed = tenths((ctx.state.budgetUsed ?? 0) + (now - ctx.budgetClock) / 1000);
    ctx.budgetClock = now;
  }
  saveState(ctx.layout, ctx.state);
}

/**
 * Run stages in order with one header line each, skipping those run.json records as finished
 * (a resumed run continues where it stopped). Each finished stage is recorded at once. `resumeWith`:
 * the command that continues the run, which a Ctrl-C names.
 */
export async function runStages(ctx: RunContext, stages: readonly Stage[], resumeWith?: 'full' | 'search'): Promise<void> {
  // One process at a time runs a run's stages; active.json says which (the dashboard reads it).
  // The stage running now: a signal that stops it keeps the time spent on a search, whose trials stay;
  // a search also writes it every CHECKPOINT_MS, for a process killed outright.
  const running: Running = { name: null, t0: 0, recorded: 0 };
  const release = claimRun(ctx.layout, ctx.log, resumeWith, () => recordUsage(ctx, running));
  const timer = setInterval(() => {
    if (running.name !== null && CONTINUED_STAGES.includes(running.name)) recordUsage(ctx, running);
  }, CHECKPOINT_MS);
  timer.unref();
  try {
    await runEach(ctx, stages, running);
  } finally {
    clearInterval(timer);
    release();
  }
}

async function runEach(ctx: RunContext, stages: readonly Stage[], running: Running): Promise<void> {
  for (const [i, stage] of stages.entries()) {
    const header = `[${i + 1}/${stages.length}] ${stage.title}`;
    if (ctx.state.stages[stage.name]) {
      ctx.log(`${header} — already done in this run, skipped`);
      continue;
    }
    ctx.log(`\n${header}`);
    const t0 = performance.now();
    // The time earlier processes spent on it (run.json), before this one's checkpoints add to it.
    const earlier = ctx.state.spent?.[stage.name];
    Object.assign(running, { name: stage.name, t0, recorded: 0 });
    const facts = await stage.run(ctx);
    // A stage that ended beside a stop's work is not finished: the process is ending.
    await unlessStopping();
    running.name = null;
    const now = tenths((performance.now() - t0) / 1000);
    const record: StageRecord = {
      seconds: tenths(now + (earlier ?? 0)),
      ...(earlier ? { earlierSeconds: earlier } : {}),
      finishedAt: new Date().toISOString(),
      ...(facts ? { facts } : {}),
    };
    ctx.state.stages[stage.name] = record;
    if (ctx.state.spent?.[stage.name] !== undefined) {
      const { [stage.name]: _, ...rest } = ctx.state.spent ?? {};
      ctx.state.spent = Object.keys(rest).length > 0 ? rest : undefined;
    }
    saveState(ctx.layout, ctx.state);
    ctx.log(`    done in ${now.toFixed(1)}s${earlier ? ` (${record.seconds.toFixed(1)}s with the ${earlier.toFixed(1)}s spent on it before a resume)` : ''}`);
  }
}
