/**
 * Benchmark: this package's Barnes-Hut t-SNE against the t-SNE libraries on npm, on Gaussian blobs
 * (default 2,000 points of 64 dims, 10 blobs). For each: wall and CPU seconds, and the adjusted Rand
 * index of K-means (k = 10) on the 2-D embedding against the blobs (1 = every blob its own cluster).
 *
 *   npx nx run analysis:bench [--libs DIR] [--only ours,druid,...] [--points 2000] [--dims 64]
 *                             [--iterations 1000] [--separation 0.5] [--budget 120]
 *
 * The libraries are not dependencies of the project: install them into DIR first
 * (`npm install --prefix DIR tsne-js@1.0.3 tsne@1.0.1 @keckelt/tsne@1.0.2 @saehrimnir/druidjs@0.9.0`);
 * ones that are not there are reported as absent. A library that steps (tsne, @keckelt/tsne) is
 * stopped after `--budget` seconds and its full time extrapolated from the steps it made.
 */
import { listFlag, parseArgs, positiveInt, runMain, UsageError } from '@digitfuse/core';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { kmeans } from '../kmeans';
import { adjustedRandIndex } from '../partition-agreement';
import { gaussianBlobs } from '../testing';
import { tsne } from '../tsne';

/** One library's run. */
export interface TsneBenchResult {
  readonly name: string;
  /** Iterations run (fewer than asked when the budget ran out). */
  readonly iterations: number;
  readonly wallSeconds: number;
  /** CPU seconds (user + system) of this process: robust to a busy machine. */
  readonly cpuSeconds: number;
  /** CPU seconds extrapolated to every asked iteration (equal to cpuSeconds when all ran). */
  readonly cpuSecondsFull: number;
  /** K-means (k = 10) ARI on the embedding; null when the run did not finish. */
  readonly ari: number | null;
  readonly note?: string;
}

interface Problem {
  readonly points: Float32Array;
  readonly rows: number[][];
  readonly labels: Int32Array;
  readonly n: number;
  readonly dim: number;
  readonly iterations: number;
  readonly budget: number;
}

interface Run {
  readonly y: number[][] | Float32Array;
  readonly iterations: number;
  /** CPU seconds before the first iteration (for the extrapolation). */
  readonly setupCpu?: number;
  /** The time cannot be extrapolated (the run is a lower bound). */
  readonly lowerBound?: string;
}

type Runner = (p: Problem, load: (name: string) => unknown) => Run;

/** Karpathy's tsnejs API (tsne, @keckelt/tsne): steps until done or over the budget. */
function steps(t: { initDataRaw(x: number[][]): void; step(): number; getSolution(): number[][] }, p: Problem): { y: number[][]; iterations: number; setupCpu: number } {
  const c0 = cpu();
  t.initDataRaw(p.rows);
  const setupCpu = cpu() - c0;
  const started = performance.now();
  let i = 0;
  while (i < p.iterations) {
    t.step();
    i++;
    if ((performance.now() - started) / 1000 > p.budget) break;
  }
  return { y: t.getSolution(), iterations: i, setupCpu };
}

const RUNNERS: Readonly<Record<string, Runner>> = {
  ours: (p) => ({ y: tsne(p.points, p.n, p.dim, { seed: 0, iterations: p.iterations }), iterations: p.iterations }),
  druid: (p, load) => {
    const druid = load('@saehrimnir/druidjs') as { TSNE: new (x: number[][], o: object) => { transform(i: number): number[][] | { to2dArray(): number[][] } } };
    const out = new druid.TSNE(p.rows, { perplexity: 30, epsilon: 10, d: 2, seed: 0 }).transform(p.iterations);
    return { y: Array.isArray(out) ? out : out.to2dArray(), iterations: p.iterations };
  },
  'tsne-js': (p, load) => {
    const mod = load('tsne-js') as { default?: unknown };
    const TSNE = (mod.default ?? mod) as new (o: object) => { init(o: object): void; run(): unknown; getOutput(): number[][] };
    // Exact t-SNE whose set-up alone (dense distances and affinities through ndarray) takes minutes
    // at 2,000 points, and which cannot be stopped once it runs: one iteration gives a lower bound.
    const model = new TSNE({ dim: 2, perplexity: 30, earlyExaggeration: 4, learningRate: 100, nIter: 1, metric: 'euclidean' });
    model.init({ data: p.rows, type: 'dense' });
    model.run();
    return { y: model.getOutput(), iterations: 1, lowerBound: 'set-up and 1 iteration only: a lower bound on the full time' };
  },
  tsne: (p, load) => {
    const { tSNE } = load('tsne') as { tSNE: new (o: object) => Parameters<typeof steps>[0] };
    return steps(new tSNE({ epsilon: 10, perplexity: 30, dim: 2 }), p);
  },
  '@keckelt/tsne': (p, load) => {
    const { TSNE } = load('@keckelt/tsne') as { TSNE: new (o: object) => Parameters<typeof steps>[0] };
    return steps(new TSNE({ epsilon: 10, perplexity: 30, dim: 2 }), p);
  },
};

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Run one library on `problem`; a library that cannot be loaded comes back with a note. */
export function benchOne(name: string, problem: Problem, libsDir: string): TsneBenchResult {
  const load = createRequire(join(resolve(libsDir), 'package.json'));
  const wall0 = performance.now();
  const cpu0 = cpu();
  let run;
  try {
    run = RUNNERS[name](problem, (lib) => load(lib));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      return { name, iterations: 0, wallSeconds: 0, cpuSeconds: 0, cpuSecondsFull: 0, ari: null, note: `not installed in ${libsDir}` };
    }
    throw err;
  }
  const wallSeconds = (performance.now() - wall0) / 1000;
  const cpuSeconds = cpu() - cpu0;
  const done = run.iterations >= problem.iterations;
  const setup = run.setupCpu ?? 0;
  const cpuSecondsFull = done || run.lowerBound ? cpuSeconds : setup + ((cpuSeconds - setup) * problem.iterations) / Math.max(run.iterations, 1);
  const flat = Array.isArray(run.y) ? Float32Array.from(run.y.flat()) : run.y;
  return {
    name,
    iterations: run.iterations,
    wallSeconds,
    cpuSeconds,
    cpuSecondsFull,
    ari: done ? adjustedRandIndex(problem.labels, kmeans(flat, problem.n, 10, 0)) : null,
    ...(done ? {} : { note: run.lowerBound ?? `stopped after ${run.iterations} of ${problem.iterations} iterations; full time extrapolated` }),
  };
}

/** `npx nx run analysis:bench [flags]`: one JSON line per library; a bad flag is one `error:` line, exit 2. */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(
    argv,
    {
      name: 'nx run analysis:bench',
      usage: '[--libs DIR] [--only ours,druid,...] [--points 2000] [--dims 64] [--iterations 1000] [--separation 0.5] [--budget 120]',
      describe: "Time this package's t-SNE against npm's t-SNE libraries installed in --libs, on Gaussian blobs, with K-means ARI as a quality check.",
    },
    (y) =>
      y
        .option('libs', { type: 'string', default: process.cwd(), describe: 'Folder the libraries are installed in (npm install --prefix DIR ...); ones absent are reported so' })
        .option('only', { type: 'string', default: Object.keys(RUNNERS).join(','), describe: 'Comma-separated libraries to run' })
        .option('points', { type: 'number', default: 2000, describe: 'Points (10 Gaussian blobs)' })
        .option('dims', { type: 'number', default: 64, describe: 'Dimensions of each point' })
        .option('iterations', { type: 'number', default: 1000, describe: 't-SNE iterations' })
        .option('separation', { type: 'number', default: 0.5, describe: 'Distance between the blob centres (spread 1)' })
        .option('budget', { type: 'number', default: 120, describe: 'Seconds after which a library that steps is stopped and its time extrapolated' }),
  );
  const n = positiveInt(args.points, 'points');
  const dim = positiveInt(args.dims, 'dims');
  const iterations = positiveInt(args.iterations, 'iterations');
  if (!(args.separation > 0)) throw new UsageError(`Expected --separation to be a positive number, found ${args.separation}`);
  if (!(args.budget > 0)) throw new UsageError(`Expected --budget to be a positive number of seconds, found ${args.budget}`);
  const only = listFlag(args.only, 'only', Object.keys(RUNNERS));
  if (!existsSync(args.libs) || !statSync(args.libs).isDirectory()) {
    throw new UsageError(`Expected \`--libs ${args.libs}\` to be the folder the libraries are installed in, found ${existsSync(args.libs) ? 'a file' : 'no such folder'}`);
  }
  const { points, labels } = gaussianBlobs(n, dim, 10, 7, { separation: args.separation, spread: 1 });
  const rows = Array.from({ length: n }, (_, i) => Array.from(points.subarray(i * dim, (i + 1) * dim)));
  const problem: Problem = { points, rows, labels, n, dim, iterations, budget: args.budget };
  console.log(`t-SNE of ${n} points x ${dim} dims (10 Gaussian blobs, separation ${args.separation}), ${problem.iterations} iterations`);
  for (const name of only) {
    console.log(JSON.stringify(benchOne(name, problem, args.libs), (_, v) => (typeof v === 'number' ? Number(v.toFixed(3)) : v)));
  }
}

if (require.main === module) runMain(main);
