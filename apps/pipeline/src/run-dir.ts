import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@digitfuse/core';
import { PipelineError } from './errors';

/** Where each output of a run lives inside its run directory. */
export interface RunLayout {
  readonly root: string;
  /** The run's state: options, finished stages, timings. */
  readonly state: string;
  readonly dataSummary: string;
  readonly searchDir: string;
  /** The study journal (JSON lines). */
  readonly journal: string;
  readonly modelDir: string;
  readonly submission: string;
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
    modelDir: join(r, 'model'),
    submission: join(r, 'submission.csv'),
    summaryJson: join(r, 'summary.json'),
    summaryMd: join(r, 'summary.md'),
    reportDir: join(r, 'report'),
  };
}

/** A finished stage as recorded in run.json. */
export interface StageRecord {
  readonly seconds: number;
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
}

/** A default run directory name: `runs/2026-11-24T06-12-03`. */
export function defaultRunDir(now = new Date(), base = 'runs'): string {
  return join(base, now.toISOString().slice(0, 19).replace(/:/g, '-'));
}

/** Create a new run directory; refuses one that already holds a run (use --resume for that). */
export function createRun<Options>(root: string, options: Options): { layout: RunLayout; state: RunState<Options> } {
  const layout = runLayout(root);
  if (existsSync(layout.state)) {
    throw new PipelineError(
      `Expected \`--out ${root}\` to be a new run directory, but it already holds a run (run.json); continue it with \`--resume ${root}\` or choose another --out`,
    );
  }
  mkdirSync(layout.root, { recursive: true });
  const state: RunState<Options> = { version: 1, createdAt: new Date().toISOString(), options, stages: {} };
  saveState(layout, state);
  return { layout, state };
}

/** Open an existing run directory for --resume. */
export function openRun<Options>(root: string): { layout: RunLayout; state: RunState<Options> } {
  const layout = runLayout(root);
  if (!existsSync(layout.state)) {
    throw new PipelineError(`Expected \`--resume ${root}\` to be a run directory with run.json, found none at ${layout.state}`);
  }
  let state: RunState<Options>;
  try {
    state = JSON.parse(readFileSync(layout.state, 'utf8')) as RunState<Options>;
  } catch (err) {
    throw new PipelineError(`Expected ${layout.state} to be JSON, got a parse error: ${(err as Error).message}`);
  }
  if (state.version !== 1 || typeof state.stages !== 'object') {
    throw new PipelineError(`Expected ${layout.state} to be a digitfuse run (version 1), got version ${String(state.version)}`);
  }
  return { layout, state };
}

/** Persist run.json atomically. */
export function saveState<Options>(layout: RunLayout, state: RunState<Options>): void {
  writeFileAtomic(layout.state, JSON.stringify(state, null, 2) + '\n');
}

/** Write a JSON file atomically. */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Read a JSON file a previous stage wrote, with a clear error if it is missing. */
export function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new PipelineError(`Expected ${what} at ${path}, found no file (run the earlier stage first)`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}
