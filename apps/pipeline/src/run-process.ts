import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { lockSyncWaiting, onStopSignals, processAlive, shellQuote, stopWord, writeFileAtomic } from '@digitfuse/core';
import { PipelineError } from './errors';
import type { RunLayout } from './run-artifacts';

/** The file in a run directory that names the process running its stages, while one does. */
export const ACTIVE_JSON = 'active.json';

/** The process running a run's stages (`active.json`). */
export interface RunProcess {
  readonly pid: number;
  readonly host: string;
  /** When it began working on the run (ISO time). */
  readonly since: string;
}

/**
 * The lock folder (proper-lockfile) inside a run directory, held only while a process checks that no
 * other one runs the run and records itself: two processes started at once on one run cannot both pass.
 */
export const CLAIM_LOCK = '.claim.lock';

/** How long a process waits for the claim lock (held for milliseconds; a crashed holder's goes stale after CLAIM_STALE_MS). */
const CLAIM_WAIT_MS = 10_000;
const CLAIM_STALE_MS = 5_000;

const activeFile = (layout: RunLayout): string => join(layout.root, ACTIVE_JSON);

/**
 * Runs `fn` (a check of who runs the run and the writes that follow it) holding the run directory's
 * claim lock, which must exist. Errors of the folder (its code set: EACCES, ENOSPC...) are thrown as they are.
 * @throws PipelineError when the lock stays held for CLAIM_WAIT_MS.
 */
export function underClaimLock<T>(layout: RunLayout, fn: () => T): T {
  const unlock = lockSyncWaiting(layout.root, { lockfilePath: join(layout.root, CLAIM_LOCK), staleMs: CLAIM_STALE_MS, waitMs: CLAIM_WAIT_MS });
  if (unlock === null) {
    throw new PipelineError(
      `Expected to take ${join(layout.root, CLAIM_LOCK)} (held for a moment as a process starts on the run) within ${CLAIM_WAIT_MS / 1000} s, found it held all along; ` +
        'if no digitfuse is starting there, delete that folder',
    );
  }
  try {
    return fn();
  } finally {
    unlock();
  }
}

/** Records this process in active.json as the one running the run's stages; returns the record. */
export function recordRunProcess(layout: RunLayout): RunProcess {
  const mine: RunProcess = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  writeFileAtomic(activeFile(layout), JSON.stringify(mine, null, 2) + '\n');
  return mine;
}

/** What `active.json` says, or null when there is none (or it is not one this module wrote). */
export function readRunProcess(layout: RunLayout): RunProcess | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(activeFile(layout), 'utf8'));
  } catch {
    return null; // none, or half of one from a disk that filled up: nobody to wait for
  }
  const r = raw as Partial<RunProcess> | null;
  return r && Number.isInteger(r.pid) && typeof r.host === 'string' && typeof r.since === 'string' ? { pid: r.pid as number, host: r.host, since: r.since } : null;
}

/**
 * The process working on the run now, or null: none is recorded, or the one recorded on this machine
 * is gone (killed, or the machine restarted). One on another machine (a run directory on a shared
 * disk) cannot be looked at from here and is taken as working.
 */
export function activeRunProcess(layout: RunLayout): RunProcess | null {
  const recorded = readRunProcess(layout);
  if (recorded === null) return null;
  return recorded.host !== hostname() || processAlive(recorded.pid) ? recorded : null;
}

/**
 * Refuses, in one line, a run that another process on this machine is running; returns the process
 * recorded on another machine (which cannot be looked at from here), if any. A resume calls it before
 * it says or changes anything (its own workers, whose parent runs the run, pass); {@link claimRun} again as it takes the run.
 * @throws PipelineError when another process on this machine is still running the run's stages.
 */
export function refuseBusyRun(layout: RunLayout): RunProcess | null {
  const other = activeRunProcess(layout);
  // This process, or the one that started it (a search worker, or the work beside the retraining).
  if (other === null || ((other.pid === process.pid || other.pid === process.ppid) && other.host === hostname())) return null;
  if (other.host === hostname()) {
    throw new PipelineError(
      `Expected no other process to be running ${layout.root}, found process ${other.pid} at it since ${other.since}; ` +
        `wait for it to end, or stop it (if no digitfuse runs there, delete ${activeFile(layout)})`,
    );
  }
  return other;
}

/**
 * Records this process as the one running the run's stages (so that the dashboard can tell a stage
 * that runs from one that waits for a `--resume`, and a second process cannot run the same stages
 * at once), and returns what gives the run up again. The record also goes on Ctrl-C, SIGTERM or SIGHUP; one
 * left by a killed process is ignored, since its process is gone. With `resumeWith` (the command,
 * `full` or `search`), a run stopped so says how to go on from there. `onStop` runs first on such a
 * signal (the run records the time spent on its unfinished stage), then the work registered with
 * `beforeStopping` (core).
 * @throws PipelineError when another process on this machine is still running the run's stages.
 */
export function claimRun(layout: RunLayout, log: (line: string) => void, resumeWith?: string, onStop?: () => void): () => void {
  // Under the claim lock: two resumes started at once cannot both find nobody and both record themselves.
  const mine = underClaimLock(layout, () => {
    const other = refuseBusyRun(layout);
    if (other !== null) {
      log(`note: ${activeFile(layout)} says process ${other.pid} on ${other.host} has been running this run since ${other.since}; this machine cannot look: taking it over`);
    }
    return recordRunProcess(layout);
  });
  const release = (): void => {
    const now = readRunProcess(layout);
    if (now !== null && now.pid === mine.pid && now.host === mine.host) rmSync(activeFile(layout), { force: true });
  };
  // On Ctrl-C, SIGTERM or SIGHUP (its terminal closed, an ssh session that dropped): let the stop work
  // end (the search fails the trials it runs), give the run up, then end as the signal would have
  // ended the process.
  const removeHandlers = onStopSignals(
    () => {
      try {
        onStop?.();
      } catch {
        // Only bookkeeping (the time spent so far): the signal still ends the process.
      }
    },
    (signal, notes) => {
      // Given up once its trials are failed: a resume started meanwhile finds them so.
      release();
      if (resumeWith === undefined) return;
      // The last line: the signal sent again after it ends the process at once. What the stop work had
      // to say (a worker process it had to kill) is in it, nothing after it.
      const said = notes.map((note) => `${note}; `).join('');
      log(`\nstopped (${stopWord(signal)}): ${said}\`digitfuse ${resumeWith} --resume ${shellQuote(layout.root)}\` goes on from here; the stages and trials finished so far are kept`);
    },
  );
  return () => {
    removeHandlers();
    release();
  };
}
