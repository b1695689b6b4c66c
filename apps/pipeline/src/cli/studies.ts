import { counted, formatDuration, markdownTable, parseArgs, runMain, UsageError } from '@digitfuse/core';
import { HEARTBEAT_DEFAULTS, isStale, lastActivity, NoStudyTablesError, PostgresStorage, redactUrl, type Direction, type FrozenTrial } from '@digitfuse/tuning';
import { STORAGE_FLAG, STUDY_FLAG, storageOf, studyName } from '../options';
import { PipelineError } from '../errors';
import { reportedPerEpoch } from '../objective';
import { runTrialsTable } from '../search-outputs';
import { joiningSettings, recordedStudyKey } from '../study-access';

/** One study of a database, as `digitfuse studies` lists it. */
export interface StudyRow {
  readonly name: string;
  readonly direction: string;
  /** The objective the study's first worker recorded (`--objective`), or null. */
  readonly objective: string | null;
  readonly counts: Readonly<Record<FrozenTrial['state'], number>>;
  /** The highest (or, minimised, lowest) value of a COMPLETE trial, and its number. */
  readonly best: { readonly number: number; readonly value: number } | null;
  /** The hosts whose workers ran its trials. */
  readonly hosts: readonly string[];
  /** Latest time (epoch ms) any trial started, reported, beat or finished; null without trials. */
  readonly lastActivity: number | null;
  /** RUNNING trials without a heartbeat for longer than the study fails them after (`HEARTBEAT_DEFAULTS.staleAfterMs`): their worker is gone. */
  readonly silent: number;
}

function rowOf(name: string, direction: string, objective: string | null, trials: readonly FrozenTrial[], now: number): StudyRow {
  const counts = { WAITING: 0, RUNNING: 0, COMPLETE: 0, PRUNED: 0, FAIL: 0 };
  // Silent past the heartbeat timeout, as the study judges it (a worker's death is judged only on its own host).
  const stale = { now, staleAfterMs: HEARTBEAT_DEFAULTS.staleAfterMs, isWorkerDead: () => false };
  let silent = 0;
  let best: StudyRow['best'] = null;
  for (const t of trials) {
    counts[t.state]++;
    if (isStale(t, stale)) silent++;
    if (t.state === 'COMPLETE' && typeof t.value === 'number' && Number.isFinite(t.value)) {
      if (best === null || (direction === 'minimize' ? t.value < best.value : t.value > best.value)) best = { number: t.number, value: t.value };
    }
  }
  const hosts = [...new Set(trials.flatMap((t) => (t.worker ? [t.worker.host] : [])))].sort();
  return { name, direction, objective, counts, best, hosts, lastActivity: lastActivity(trials), silent };
}

/** The studies of a database, each read once (read-only: nothing is written). */
export async function listStudies(storage: PostgresStorage, now = Date.now()): Promise<StudyRow[]> {
  const rows: StudyRow[] = [];
  for (const name of (await storage.getStudyNames()).sort()) {
    const directions = (await storage.getStudyDirections(name)) ?? [];
    const key = await recordedStudyKey(storage, name);
    const objective = key !== null && key !== 'unreadable' && typeof key.objective === 'string' ? key.objective : null;
    rows.push(rowOf(name, directions.join(', '), objective, await storage.getTrials(name), now));
  }
  return rows;
}

/** `2026-12-03 02:45 UTC`. */
const utcMinute = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The studies as a Markdown table, one row each. */
export function studiesTable(rows: readonly StudyRow[]): string {
  const headers = ['study', 'direction', 'objective', 'complete', 'pruned', 'failed', 'running', 'queued', 'best value (trial)', 'hosts', 'last activity'];
  const cells = rows.map((r) => [
    r.name,
    r.direction,
    r.objective ?? '–',
    String(r.counts.COMPLETE),
    String(r.counts.PRUNED),
    String(r.counts.FAIL),
    r.silent > 0 ? `${r.counts.RUNNING} (${r.silent} silent)` : String(r.counts.RUNNING),
    String(r.counts.WAITING),
    r.best === null ? '–' : `${r.best.value.toFixed(4)} (${r.best.number})`,
    r.hosts.length === 0 ? '–' : r.hosts.join(', '),
    r.lastActivity === null ? '–' : utcMinute(r.lastActivity),
  ]);
  return markdownTable(headers, cells, ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left', 'left']);
}

/**
 * `--delete NAME`: without `yes`, says what would go and deletes nothing; with it, deletes the study
 * (a writable connection of its own), unless a worker was heard from within the heartbeat timeout.
 */
async function deleteStudy(url: string, place: string, name: string, trials: readonly FrozenTrial[], yes: boolean): Promise<void> {
  const what = `${counted(trials.length, 'trial')}${trials.length > 0 ? ` (${summaryOf(trials)}) and their stored models` : ''}`;
  if (!yes) throw new UsageError(`Expected --yes to delete study \`${name}\` from ${place}, with its ${what}; nothing deleted`);
  const after = formatDuration(HEARTBEAT_DEFAULTS.staleAfterMs / 1000);
  const busy = (running: readonly FrozenTrial[]): string | undefined => {
    const live = running.filter((t) => !isStale(t, { now: Date.now(), staleAfterMs: HEARTBEAT_DEFAULTS.staleAfterMs, isWorkerDead: () => false }));
    if (live.length === 0) return undefined;
    const hosts = [...new Set(live.map((t) => t.worker?.host ?? 'an unknown host'))].sort().join(', ');
    return `${counted(live.length, 'trial')} running on ${hosts}, heard from within ${after}`;
  };
  const writer = new PostgresStorage(url, { purpose: 'delete', poolSize: 1, retryForMs: 5_000, logger: { warn: (m) => process.stderr.write(`warning: ${m}\n`) } });
  try {
    const gone = await writer.deleteStudy(name, busy);
    process.stdout.write(`deleted study \`${name}\` from ${place}: ${counted(gone.trials, 'trial')}, ${counted(gone.files, 'stored file')}\n`);
  } finally {
    await writer.close();
  }
}

/** `3 complete, 1 pruned, 1 running`: the states a study's trials are in. */
function summaryOf(trials: readonly FrozenTrial[]): string {
  const order = ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING', 'WAITING'] as const;
  const words: Record<(typeof order)[number], string> = { COMPLETE: 'complete', PRUNED: 'pruned', FAIL: 'failed', RUNNING: 'running', WAITING: 'waiting' };
  return order
    .map((state) => [state, trials.filter((t) => t.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${words[state]}`)
    .join(', ');
}

/** What the study's trials report per epoch (a pruned trial's value), by the fusion its key records; undefined without a readable key. */
function reportedOfKey(key: Record<string, unknown> | null | 'unreadable'): string | undefined {
  if (key === null || key === 'unreadable') return undefined;
  return reportedPerEpoch(key.modality !== 'image' && typeof key.fusion === 'string' ? key.fusion : null);
}

/** What a machine joining the study must give (its first worker's record), in one line. */
function settingsLine(key: Record<string, unknown> | null | 'unreadable'): string {
  if (key === null) return 'settings: none recorded yet (the first machine to search records its data and flags)';
  if (key === 'unreadable') return 'settings: its record (study-key.json) is not a JSON object, so no machine can join it; search another --study, or delete this one (--delete NAME --yes)';
  const { flags, files } = joiningSettings(key);
  return `settings every machine joining gives: ${flags}${files === null ? '' : `, and the same data files (${files})`}`;
}

/** `digitfuse studies` (`nx run pipeline:studies`): the studies a PostgreSQL database holds, read-only; or `--delete NAME --yes`. */
export async function main(argv: readonly string[]): Promise<void> {
  const describe =
    'List the studies a PostgreSQL database holds (the shared searches of --storage): trials complete, pruned, failed, running and queued, the best value, the hosts that ran them and the last activity. Read-only, but for --delete.';
  const args = await parseArgs(argv, { name: 'digitfuse studies', describe }, (y) =>
    y
      .option('storage', { ...STORAGE_FLAG, describe: 'The database, postgresql://user@host:port/db (default: DIGITFUSE_STORAGE)' })
      .option('study', { ...STUDY_FLAG, describe: "One study's trials instead: number, state, parameters, value, what the value is (value from: the objective's, or a pruned trial's last report), figures (best_epoch among them), seconds, and worker when several ran them" })
      .option('delete', { type: 'string', describe: 'Delete this study, its trials and stored models from the database (with --yes; refused while a worker is at it)' })
      .option('yes', { type: 'boolean', default: false, describe: 'Confirm --delete' }),
  );
  const url = storageOf(args.storage);
  if (url === null) throw new UsageError('Expected `--storage postgresql://user@host:port/database` (or DIGITFUSE_STORAGE), found neither');
  if (args.yes && args.delete === undefined) throw new UsageError('Expected --yes only with --delete NAME, found it alone');
  if (args.delete !== undefined && args.study !== undefined) throw new UsageError('Expected --study NAME (show a study) or --delete NAME, found both');
  const named = args.study ?? args.delete;
  const flag = args.delete !== undefined ? '--delete' : '--study';
  const name = named === undefined ? undefined : studyName(named, flag);
  const storage = new PostgresStorage(url, { readOnly: true, poolSize: 1, retryForMs: 5_000, logger: { warn: (m) => process.stderr.write(`warning: ${m}\n`) } });
  try {
    const place = redactUrl(url);
    const noSuchStudy = (held: string) => new PipelineError(`Expected \`${flag} ${name}\` to name a study in ${place}, found none of that name (${held})`);
    const hasTables = await storage.connect().then(
      () => true,
      (e: unknown) => {
        if (e instanceof NoStudyTablesError) return false;
        throw e;
      },
    );
    if (!hasTables) {
      // A database no search has written to (it creates the tables): no study to list, none of that name.
      if (name === undefined) {
        process.stdout.write(`no studies in ${place} yet (no digitfuse tables there: no search has stored a study in this database)\n`);
        return;
      }
      throw noSuchStudy('it holds no study yet: no digitfuse tables there');
    }
    const directions = name === undefined ? undefined : await storage.getStudyDirections(name);
    if (name !== undefined && directions === undefined) {
      const names = (await storage.getStudyNames()).sort();
      throw noSuchStudy(names.length === 0 ? 'it holds no study yet' : `studies there: ${names.join(', ')}`);
    }
    if (args.delete !== undefined && name !== undefined) {
      await deleteStudy(url, place, name, await storage.getTrials(name), args.yes);
      return;
    }
    if (name !== undefined) {
      const trials = await storage.getTrials(name);
      const key = await recordedStudyKey(storage, name);
      // A queued trial (a stopped trial's retry) is not in the table, which shows trials that ran: said here.
      const waiting = trials.filter((t) => t.state === 'WAITING').length;
      const queued = waiting === 0 ? '' : ` (${waiting} of them queued for the next worker, not in the table)`;
      process.stdout.write(`study \`${name}\` in ${place}: ${counted(trials.length, 'trial')}${queued}\n${settingsLine(key)}\n\n`);
      process.stdout.write(runTrialsTable({ direction: (directions as readonly Direction[])[0], trials }, reportedOfKey(key)).markdown);
      return;
    }
    const rows = await listStudies(storage);
    if (rows.length === 0) {
      process.stdout.write(`no studies in ${place} yet\n`);
      return;
    }
    process.stdout.write(`${counted(rows.length, 'study', 'studies')} in ${place}:\n\n${studiesTable(rows)}\n`);
    if (rows.some((r) => r.silent > 0)) {
      const after = formatDuration(HEARTBEAT_DEFAULTS.staleAfterMs / 1000);
      process.stdout.write(`\nsilent: running, but no heartbeat for over ${after} (the worker stopped or lost the database); the next worker to start a trial there fails it and runs its parameters again\n`);
    }
    if (rows.some((r) => r.counts.WAITING > 0)) {
      process.stdout.write('\nqueued: trials waiting for the next worker to start them (a stopped trial\'s retry, or parameters enqueued to try first); `--study NAME` counts them too\n');
    }
  } finally {
    await storage.close();
  }
}

if (require.main === module) runMain(main);
