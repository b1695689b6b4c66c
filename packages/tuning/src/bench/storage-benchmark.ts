/**
 * Benchmark: throughput of a study shared by worker processes, per storage. `digitfuse bench storage
 * [--workers 1,2,4,8,16] [--trials-per-worker 30] [--sleep-ms 200] [--storages journal,postgres]
 * [--storage postgresql://...]` (`nx run tuning:bench-storage`). Each worker runs trials of an
 * objective that sleeps `--sleep-ms` (a random sampler: the storage is measured, not TPE) until the
 * study has `--trials-per-worker` x workers finished trials (30 each by default: a worker's first
 * trials carry its warm-up, a new server process's caches and plans, and the last round of trials
 * leaves workers idle; with 10 each these weighed about a third of the CPU time per trial). Prints trials/s from the moment every
 * worker is ready, the speed-up over one worker, the storage's own time per trial (each worker's
 * time waiting for storage calls: starting and finishing trials; beside it, in brackets, the time of
 * the calls under way while the objective ran, its suggestions sent in the background, which delay
 * no trial), the CPU time per trial of the workers and of the PostgreSQL server
 * (wall-clock figures depend on how loaded the machine is; CPU per trial hardly does, and bounds the
 * trial rate: n cores give at most n x 1000 / (CPU ms per trial) trials/s), and whether a trial was
 * lost or duplicated. Without `--storage`, a throwaway PostgreSQL cluster is started (the testing
 * helper; it needs the server's programs), whose CPU time is read from /proc.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listFlag, parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { silentLogger } from '../logger';
import { openStorage } from '../storage/open-storage';
import { StorageError } from '../errors';
import { postgresUrlProblem } from '../storage/postgres-url';
import { createStudy, loadStudy } from '../study';
import { startTestCluster, type TestCluster } from '../testing/postgres-cluster';

const WORKER = path.join(__dirname, 'storage-bench-worker.ts');

export interface StorageBenchRow {
  readonly storage: string;
  readonly workers: number;
  readonly trials: number;
  readonly seconds: number;
  readonly trialsPerSecond: number;
  /** Mean milliseconds per trial a worker waited for storage calls (ask, tell: outside the objective). */
  readonly storageMsPerTrial: number;
  /** Mean milliseconds per trial of storage calls under way while the objective ran (its suggestions, sent in the background). */
  readonly overlappedMsPerTrial: number;
  /** Mean CPU milliseconds (user + system) of the worker processes per trial, from GO to their end. */
  readonly workerCpuMsPerTrial: number;
  /** The PostgreSQL server's CPU milliseconds per trial over the same span (a throwaway cluster only). */
  readonly serverCpuMsPerTrial: number | undefined;
  /** Trials lost (told by a worker, not COMPLETE in the study) or duplicated (a number twice, extra COMPLETE trials). */
  readonly lost: number;
  readonly duplicated: number;
}

interface WorkerRun {
  readonly code: number | null;
  readonly told: number;
  readonly storageMs: number;
  readonly overlappedMs: number;
  readonly cpuMs: number;
  readonly output: string;
}

/** Runs `count` workers on one study; resolves when all have finished, with the moment they were told to go. */
async function runWorkers(
  spec: string,
  study: string,
  count: number,
  nTrials: number,
  sleepMs: number,
  serverCpu: () => number | undefined,
  twoCalls: boolean,
): Promise<{ go: number; runs: WorkerRun[]; serverCpuMs: number | undefined }> {
  let ready = 0;
  let go = 0;
  let release: () => void = () => undefined;
  const allReady = new Promise<void>((r) => (release = r));
  const children = Array.from({ length: count }, (_, i) => {
    const child = spawn(
      process.execPath,
      [...process.execArgv, WORKER, '--storage', spec, '--study', study, '--n-trials', String(nTrials), '--sleep-ms', String(sleepMs), '--seed', String(i + 1), ...(twoCalls ? ['--two-calls'] : [])],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    const done = new Promise<WorkerRun>((resolve) => {
      child.stdout.on('data', (b: Buffer) => {
        const before = output;
        output += b.toString();
        if (!before.includes('READY') && output.includes('READY') && ++ready === count) release();
      });
      child.stderr.on('data', (b: Buffer) => (output += b.toString()));
      child.on('close', (code) => {
        const m = /RESULT (\{.*\})/.exec(output);
        const r = m ? (JSON.parse(m[1]) as { told: number; storageMs: number; overlappedMs: number; cpuMs: number }) : { told: 0, storageMs: 0, overlappedMs: 0, cpuMs: 0 };
        if (ready < count && code !== 0) release();
        resolve({ code, ...r, output });
      });
    });
    return { child, done };
  });
  await allReady;
  const cpuBefore = serverCpu();
  go = Date.now();
  for (const { child } of children) child.stdin.end('GO\n');
  const runs = await Promise.all(children.map((c) => c.done));
  const cpuAfter = serverCpu();
  return { go, runs, serverCpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

/**
 * One measurement: `workers` processes on a fresh study of `spec`; `serverCpu` reads the server's CPU
 * milliseconds so far, if it can. With `twoCalls`, workers finish a trial and start the next in two
 * storage calls even where the storage has `finishAndStartTrial` (to compare the two).
 */
export async function measureStorage(
  kind: string,
  spec: string,
  workers: number,
  trialsPerWorker: number,
  sleepMs: number,
  serverCpu: () => number | undefined = () => undefined,
  twoCalls = false,
): Promise<StorageBenchRow> {
  const name = `bench-${workers}-${Date.now().toString(36)}`;
  const storage = await openStorage(spec, { logger: silentLogger });
  try {
    await createStudy({ name, storage, logger: silentLogger });
    const target = trialsPerWorker * workers;
    const { go, runs, serverCpuMs } = await runWorkers(spec, name, workers, target, sleepMs, serverCpu, twoCalls);
    const bad = runs.find((r) => r.code !== 0);
    if (bad !== undefined) throw new Error(`a ${kind} worker failed (exit ${bad.code}): ${bad.output.slice(-2000)}`);
    const trials = (await loadStudy({ name, storage, logger: silentLogger })).trials;
    const complete = trials.filter((t) => t.state === 'COMPLETE');
    const end = Math.max(...complete.map((t) => t.datetimeComplete as number));
    const told = runs.reduce((s, r) => s + r.told, 0);
    const numbers = new Set(trials.map((t) => t.number));
    const seconds = (end - go) / 1000;
    return {
      storage: kind,
      workers,
      trials: complete.length,
      seconds,
      trialsPerSecond: complete.length / seconds,
      storageMsPerTrial: runs.reduce((s, r) => s + r.storageMs, 0) / Math.max(1, told),
      overlappedMsPerTrial: runs.reduce((s, r) => s + r.overlappedMs, 0) / Math.max(1, told),
      workerCpuMsPerTrial: runs.reduce((s, r) => s + r.cpuMs, 0) / Math.max(1, complete.length),
      serverCpuMsPerTrial: serverCpuMs === undefined ? undefined : serverCpuMs / Math.max(1, complete.length),
      lost: Math.max(0, told - complete.length) + Math.max(0, target - complete.length),
      duplicated: trials.length - numbers.size + Math.max(0, complete.length - target) + Math.max(0, complete.length - told),
    };
  } finally {
    await storage.close();
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(
    argv,
    { name: 'digitfuse bench storage', describe: 'Trials/s of worker processes sharing one study, per storage (journal file, PostgreSQL), the storage time and the CPU time per trial.' },
    (y) =>
      y
        .option('workers', { type: 'string', default: '1,2,4,8,16', describe: 'Worker counts (comma-separated)' })
        .option('trials-per-worker', { type: 'number', default: 30, describe: 'Finished trials the study aims for, per worker' })
        .option('sleep-ms', { type: 'number', default: 200, describe: "The objective's sleep (its whole cost)" })
        .option('storages', { type: 'string', default: 'journal,postgres', describe: 'Storages to measure: journal, postgres' })
        .option('storage', { type: 'string', describe: 'PostgreSQL URL to measure on (default: a throwaway cluster)' })
        .option('two-calls', {
          type: 'boolean',
          default: false,
          describe: 'Finish a trial and start the next in two storage calls, as before finishAndStartTrial (to compare)',
        }),
  );
  const counts = listFlag(args.workers, 'workers').map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) throw new UsageError(`Expected --workers to be comma-separated integers 1..64, found ${args.workers}`);
  const perWorker = positiveInt(args['trials-per-worker'], 'trials-per-worker', { max: 10_000 });
  const sleepMs = positiveInt(args['sleep-ms'], 'sleep-ms', { allowZero: true, max: 60_000 });
  const kinds = listFlag(args.storages, 'storages', ['journal', 'postgres']);
  const problem = args.storage === undefined ? undefined : postgresUrlProblem(args.storage, '--storage');
  if (problem !== undefined) throw problem.onDisk ? new StorageError(problem.message) : new UsageError(problem.message);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'storage-bench-'));
  let cluster: TestCluster | undefined;
  const rows: StorageBenchRow[] = [];
  console.log(`bench storage: objective sleeps ${sleepMs} ms; ${perWorker} trials per worker${args['two-calls'] ? '; finish and start in two calls' : ''}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
  console.log('storage   workers  trials  seconds  trials/s  speed-up  storage ms/trial (+ in background)  CPU ms/trial: workers  server  lost  duplicated');
  try {
    for (const kind of kinds) {
      let spec: string;
      let serverCpu: () => number | undefined = () => undefined;
      if (kind === 'journal') spec = path.join(tmp, 'study.jsonl');
      else if (args.storage) spec = args.storage;
      else {
        cluster = await startTestCluster();
        if (cluster === undefined) continue;
        spec = await cluster.createDatabase('bench');
        serverCpu = cluster.serverCpuMs ?? serverCpu;
      }
      let one: number | undefined;
      for (const n of counts) {
        const r = await measureStorage(kind, spec, n, perWorker, sleepMs, serverCpu, args['two-calls']);
        rows.push(r);
        if (n === 1) one = r.trialsPerSecond;
        const speedup = one === undefined ? '' : `${(r.trialsPerSecond / one).toFixed(1)}x`;
        console.log(
          `${kind.padEnd(8)}  ${String(n).padStart(7)}  ${String(r.trials).padStart(6)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.trialsPerSecond.toFixed(2).padStart(8)}  ${speedup.padStart(8)}  ${r.storageMsPerTrial.toFixed(2).padStart(16)} ${`(+${r.overlappedMsPerTrial.toFixed(2)})`.padStart(19)}  ${r.workerCpuMsPerTrial.toFixed(2).padStart(21)}  ${(r.serverCpuMsPerTrial?.toFixed(2) ?? '-').padStart(6)}  ${String(r.lost).padStart(4)}  ${String(r.duplicated).padStart(10)}`,
        );
      }
      cluster?.stop();
      cluster = undefined;
    }
  } finally {
    cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const pg = rows.filter((r) => r.storage === 'postgres');
  const one = pg.find((r) => r.workers === 1);
  const sixteen = pg.find((r) => r.workers === 16);
  if (one && sixteen) {
    const speedup = sixteen.trialsPerSecond / one.trialsPerSecond;
    const worst = Math.max(...pg.map((r) => r.storageMsPerTrial));
    const clean = pg.every((r) => r.lost === 0 && r.duplicated === 0);
    if (sixteen.serverCpuMsPerTrial !== undefined) {
      const cpu = sixteen.workerCpuMsPerTrial + sixteen.serverCpuMsPerTrial;
      const cores = os.cpus().length;
      console.log(
        `PostgreSQL, 16 workers: ${cpu.toFixed(1)} CPU ms per trial (workers ${sixteen.workerCpuMsPerTrial.toFixed(1)} + server ${sixteen.serverCpuMsPerTrial.toFixed(1)}), so ${cores} idle CPUs could run at most ${((cores * 1000) / cpu).toFixed(0)} trials/s; 14x one worker is ${(14 * one.trialsPerSecond).toFixed(1)} trials/s.`,
      );
    }
    console.log(
      `PostgreSQL, 16 workers: ${speedup.toFixed(1)}x one worker (target >= 14x: ${speedup >= 14 ? 'met' : 'not met'}); storage time per trial at most ${worst.toFixed(1)} ms (target < 20 ms: ${worst < 20 ? 'met' : 'not met'}); ${clean ? 'no trial lost or duplicated' : 'TRIALS LOST OR DUPLICATED'}. Load average now ${os.loadavg()[0].toFixed(2)}.`,
    );
  }
}

if (require.main === module) runMain(main);
