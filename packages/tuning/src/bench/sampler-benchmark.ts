import { checkOutputFile, counted, listFlag, parseArgs, positiveInt, readJsonFile, runMain, UsageError, writeFileAtomic } from '@digitfuse/core';
/**
 * Benchmark: the samplers' search quality. `npx nx run tuning:bench-samplers [--seeds 30] [--trials 100]`
 * runs random search, independent TPE, the default (multivariate) TPE, and the default TPE with
 * `--workers` trials running at once with the constant liar on and off, over Branin, Hartmann-6 and
 * a pipeline-like space, and prints the median regret (and interquartile range) over the seeds at
 * each checkpoint, plus the wall time per trial; each target's ratio with a bootstrap interval of the
 * medians and the ratio of geometric means, and for the concurrent runs how far new trials land from
 * the running ones (`meanSpread`). Then ZDT1 (two objectives): the hypervolume after
 * `--zdt-trials` trials with NSGA-II and with multi-objective TPE. When a Python with Optuna is found
 * (`--python`, default `python3`; `--optuna` requires it, `--no-optuna` skips it), optuna_samplers.py
 * runs the same functions, budgets and seeds with Optuna's samplers and the tables show both.
 *
 * Concurrent workers are simulated on both sides in the same way: `--workers` trials are asked and
 * their values computed, then the oldest is told before the next is asked.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { TuningError } from '../errors';
import { silentLogger } from '../logger';
import { hypervolume } from '../multi-objective/hypervolume';
import { NopPruner } from '../pruners/nop-pruner';
import { createSampler } from '../samplers/registry';
import type { Sampler } from '../samplers/sampler';
import { DEFAULT_N_EI_CANDIDATES, DEFAULT_N_STARTUP_TRIALS } from '../samplers/tpe-sampler';
import { createStudy } from '../study';
import type { Trial } from '../trial';
import type { Direction, FrozenTrial } from '../trial-state';
import { BENCH_FUNCTIONS, DEFAULT_BENCH_FUNCTIONS, ZDT1_IDEAL_HYPERVOLUME, ZDT1_REFERENCE, zdt1 } from './bench-functions';
import { bootstrapMedianRatio, geometricMeanRatio, medianOf, quantile } from './stats';

/** One study of a single-objective function: best regret so far at each checkpoint. */
export interface RegretRun {
  readonly function: string;
  readonly sampler: string;
  readonly seed: number;
  /** Wall-clock milliseconds per trial (ask, suggestions, tell; the objective is negligible). */
  readonly msPerTrial: number;
  /** CPU milliseconds of the process per trial: robust to a busy machine. */
  readonly cpuMsPerTrial: number;
  /** checkpoint (trials, as a string) -> best regret among the first that many trials. */
  readonly regret: Readonly<Record<string, number>>;
  /**
   * Runs with concurrent workers: the mean distance (`trialDistance`) from each trial asked after the
   * start-up to the nearest trial running when it was asked (`meanSpread`). What the constant liar is
   * for: larger means concurrent trials spread out more.
   */
  readonly spread?: number;
}

/** One ZDT1 study: hypervolume of all its trials against ZDT1_REFERENCE. */
export interface HypervolumeRun {
  readonly sampler: string;
  readonly seed: number;
  readonly msPerTrial: number;
  readonly cpuMsPerTrial: number;
  readonly hypervolume: number;
}

export interface BenchResults {
  readonly runs: readonly RegretRun[];
  readonly zdt: readonly HypervolumeRun[];
}

interface Variant {
  readonly describe: string;
  /** Runs with `--workers` concurrent trials. */
  readonly concurrent: boolean;
  /** `tpe`: the TPE settings every TPE configuration takes from the flags (random search and NSGA-II ignore them). */
  readonly make: (seed: number, tpe: TpeBenchArgs) => Sampler;
}

/** The flags' TPE settings, the same on both sides (`--ei-candidates`: Optuna's `n_ei_candidates`). */
export interface TpeBenchArgs {
  readonly nEiCandidates: number;
}

/** The single-objective configurations; optuna_samplers.py has the same names. */
export const VARIANTS: Readonly<Record<string, Variant>> = {
  random: { describe: 'random search', concurrent: false, make: (seed) => createSampler('random', { seed }) },
  'tpe-independent': { describe: 'TPE, multivariate: false', concurrent: false, make: (seed, tpe) => createSampler('tpe', { seed, ...tpe, multivariate: false }) },
  tpe: { describe: 'TPE, defaults (multivariate)', concurrent: false, make: (seed, tpe) => createSampler('tpe', { seed, ...tpe }) },
  'tpe-liar': { describe: 'TPE defaults, concurrent workers, constant liar on', concurrent: true, make: (seed, tpe) => createSampler('tpe', { seed, ...tpe }) },
  'tpe-no-liar': {
    describe: 'TPE defaults, concurrent workers, constant liar off',
    concurrent: true,
    make: (seed, tpe) => createSampler('tpe', { seed, ...tpe, constantLiar: false }),
  },
};

/** The two-objective configurations. */
export const ZDT_VARIANTS: Readonly<Record<string, Omit<Variant, 'concurrent'>>> = {
  nsga2: { describe: 'NSGA-II, defaults', make: (seed) => createSampler('nsga2', { seed }) },
  motpe: { describe: 'TPE with two objectives (MOTPE), defaults', make: (seed, tpe) => createSampler('tpe', { seed, ...tpe }) },
};

/** Runs `nTrials` trials, keeping up to `workers` of them running (asked, value computed, told oldest first). */
export async function runStudy(
  sampler: Sampler,
  objective: (t: Trial) => number | readonly number[],
  nTrials: number,
  workers: number,
  directions: readonly Direction[] = ['minimize'],
): Promise<readonly FrozenTrial[]> {
  const study = await createStudy({ name: 'bench', directions, sampler, pruner: new NopPruner(), logger: silentLogger });
  const running: [Trial, number | readonly number[]][] = [];
  for (let i = 0; i < nTrials; i++) {
    if (running.length >= workers) {
      const [t, v] = running.shift() as [Trial, number | readonly number[]];
      await study.tell(t, v);
    }
    const t = await study.ask();
    running.push([t, objective(t)]);
  }
  for (const [t, v] of running) await study.tell(t, v);
  return study.trials;
}

/**
 * Distance between two trials' parameters: numeric ones scaled to [0, 1] by their ranges (log ones in
 * log space), a categorical one 0 when the choices are equal and 1 when not.
 */
export function trialDistance(a: FrozenTrial, b: FrozenTrial): number {
  let sum = 0;
  for (const name of Object.keys(a.params)) {
    const d = a.distributions[name];
    const [x, y] = [a.params[name], b.params[name]];
    if (d.type === 'categorical' || typeof x !== 'number' || typeof y !== 'number') sum += x === y ? 0 : 1;
    else if (d.high > d.low) sum += ((d.log ? Math.log(x / y) / Math.log(d.high / d.low) : (x - y) / (d.high - d.low)) ** 2);
  }
  return Math.sqrt(sum);
}

/**
 * Mean distance (`trialDistance`) from each trial asked after the start-up to the nearest of the
 * trials running when it was asked (in `runStudy` with `workers` lanes, the previous workers - 1).
 */
export function meanSpread(trials: readonly FrozenTrial[], workers: number, nStartupTrials = DEFAULT_N_STARTUP_TRIALS): number {
  // Trial i is asked when i - workers + 1 trials have finished: TPE draws from trial nStartup + workers - 1 on.
  const first = nStartupTrials + workers - 1;
  let total = 0;
  let count = 0;
  for (let i = first; i < trials.length; i++) {
    let nearest = Number.POSITIVE_INFINITY;
    for (let j = Math.max(0, i - workers + 1); j < i; j++) nearest = Math.min(nearest, trialDistance(trials[i], trials[j]));
    if (Number.isFinite(nearest)) {
      total += nearest;
      count++;
    }
  }
  return count === 0 ? Number.NaN : total / count;
}

/** Best regret so far at each checkpoint, by trial number. */
export function regretAt(trials: readonly FrozenTrial[], checkpoints: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  let best = Number.POSITIVE_INFINITY;
  trials.forEach((t, i) => {
    if (t.value !== undefined && t.value < best) best = t.value;
    if (checkpoints.includes(i + 1)) out[String(i + 1)] = best;
  });
  return out;
}

export interface BenchOptions {
  readonly seeds: number;
  /** The first seed: seeds are firstSeed .. firstSeed + seeds - 1 on both sides. */
  readonly firstSeed: number;
  readonly trials: number;
  readonly checkpoints: readonly number[];
  readonly workers: number;
  readonly functions: readonly string[];
  readonly samplers: readonly string[];
  readonly zdtSeeds: number;
  readonly zdtTrials: number;
  readonly zdtDims: number;
  readonly zdtSamplers: readonly string[];
  /** Settings of every TPE configuration, on both sides. */
  readonly tpe: TpeBenchArgs;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

/** Runs this library's samplers. */
export async function runOurs(o: BenchOptions): Promise<BenchResults> {
  const runs: RegretRun[] = [];
  for (const fn of o.functions) {
    for (const name of o.samplers) {
      const v = VARIANTS[name];
      for (let seed = o.firstSeed; seed < o.firstSeed + o.seeds; seed++) {
        const [t0, c0] = [process.hrtime.bigint(), process.cpuUsage()];
        const trials = await runStudy(v.make(seed, o.tpe), BENCH_FUNCTIONS[fn].regret, o.trials, v.concurrent ? o.workers : 1);
        const [ms, cpu] = elapsed(t0, c0, o.trials);
        const spread = v.concurrent ? { spread: meanSpread(trials, o.workers) } : {};
        runs.push({ function: fn, sampler: name, seed, msPerTrial: ms, cpuMsPerTrial: cpu, regret: regretAt(trials, o.checkpoints), ...spread });
      }
      o.log(`ours ${fn} ${name} done`);
    }
  }
  const zdt: HypervolumeRun[] = [];
  for (const name of o.zdtSeeds > 0 ? o.zdtSamplers : []) {
    for (let seed = o.firstSeed; seed < o.firstSeed + o.zdtSeeds; seed++) {
      const [t0, c0] = [process.hrtime.bigint(), process.cpuUsage()];
      const trials = await runStudy(ZDT_VARIANTS[name].make(seed, o.tpe), zdt1(o.zdtDims), o.zdtTrials, 1, ['minimize', 'minimize']);
      const [ms, cpu] = elapsed(t0, c0, o.zdtTrials);
      zdt.push({ sampler: name, seed, msPerTrial: ms, cpuMsPerTrial: cpu, hypervolume: zdtHypervolume(trials) });
    }
    o.log(`ours zdt1 ${name} done`);
  }
  return { runs, zdt };
}

/** Wall and CPU milliseconds per trial since (t0, c0). */
function elapsed(t0: bigint, c0: NodeJS.CpuUsage, trials: number): [number, number] {
  const c = process.cpuUsage(c0);
  return [Number(process.hrtime.bigint() - t0) / 1e6 / trials, (c.user + c.system) / 1000 / trials];
}

/** Hypervolume of a ZDT1 study's trials that lie within the reference point. */
export function zdtHypervolume(trials: readonly FrozenTrial[]): number {
  const points = trials
    .filter((t) => t.state === 'COMPLETE' && t.values !== undefined)
    .map((t) => t.values as readonly number[])
    .filter((v) => v[0] <= ZDT1_REFERENCE[0] && v[1] <= ZDT1_REFERENCE[1]);
  return hypervolume(points, ZDT1_REFERENCE);
}

/** The Python interpreter's Optuna version, or undefined when it cannot import optuna. */
export function optunaVersion(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import sys, optuna; sys.stdout.write(optuna.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs optuna_samplers.py with the same settings; resolves with its JSON. */
export function runOptuna(python: string, o: BenchOptions): Promise<BenchResults> {
  const script = path.join(__dirname, 'optuna_samplers.py');
  const args = [
    script,
    ...['--seeds', String(o.seeds), '--first-seed', String(o.firstSeed), '--trials', String(o.trials), '--checkpoints', o.checkpoints.join(','), '--workers', String(o.workers)],
    ...['--functions', o.functions.join(','), '--samplers', o.samplers.join(','), '--zdt-seeds', String(o.zdtSeeds)],
    ...['--zdt-trials', String(o.zdtTrials), '--zdt-dims', String(o.zdtDims), '--zdt-samplers', o.zdtSamplers.join(',')],
    ...['--ei-candidates', String(o.tpe.nEiCandidates)],
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => o.log(d.toString('utf8').trimEnd()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new TuningError(`${python} ${path.basename(script)} exited with code ${code}`));
      try {
        resolve(JSON.parse(out) as BenchResults);
      } catch (e) {
        reject(new TuningError(`${path.basename(script)} printed no JSON: ${(e as Error).message}`));
      }
    });
  });
}

function cell(values: readonly number[], digits = 3): string {
  if (values.length === 0) return '-';
  return `${medianOf(values).toFixed(digits)} [${quantile(values, 0.25).toFixed(digits)}, ${quantile(values, 0.75).toFixed(digits)}]`;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The report: one markdown table per function, the ZDT1 table, and the verdicts on the targets. */
export function report(o: BenchOptions, ours: BenchResults, optuna: BenchResults | undefined, optunaLabel: string): string {
  const lines: string[] = [];
  const libs: [string, BenchResults][] = [['ours', ours], ...(optuna === undefined ? [] : ([[optunaLabel, optuna]] as [string, BenchResults][]))];
  const last = String(o.checkpoints[o.checkpoints.length - 1]);
  const regrets = (r: BenchResults, fn: string, s: string, c: string): number[] =>
    r.runs.filter((x) => x.function === fn && x.sampler === s && x.regret[c] !== undefined).map((x) => x.regret[c]);
  const interval = (a: number[], b: number[]): string => {
    const [lo, hi] = bootstrapMedianRatio(a, b);
    const g = geometricMeanRatio(a, b);
    const zeros = [...a, ...b].filter((x) => !(x > 0)).length;
    const geo = g === undefined ? `no geometric means: ${zeros} studies found the optimum exactly` : `geometric means ${g.ratio.toFixed(2)} [${g.low.toFixed(2)}, ${g.high.toFixed(2)}]`;
    return `90% bootstrap interval ${lo.toFixed(2)}-${hi.toFixed(2)}; ${geo}`;
  };
  const spreadOf = (r: BenchResults, fn: string, s: string): number =>
    mean(r.runs.filter((x) => x.function === fn && x.sampler === s && x.spread !== undefined).map((x) => x.spread as number));
  const msOf = (r: BenchResults, fn: string, s: string): number => mean(r.runs.filter((x) => x.function === fn && x.sampler === s).map((x) => x.cpuMsPerTrial));
  const wallOf = (r: BenchResults, fn: string, s: string): number => mean(r.runs.filter((x) => x.function === fn && x.sampler === s).map((x) => x.msPerTrial));
  for (const fn of o.functions) {
    lines.push('', `${BENCH_FUNCTIONS[fn].title}: median regret [IQR] over ${o.seeds} seeds; ${o.workers} workers where marked`, '');
    lines.push(`| sampler | library | ${o.checkpoints.map((c) => `@${c}`).join(' | ')} | CPU ms/trial | wall ms/trial |`);
    lines.push(`| --- | --- | ${o.checkpoints.map(() => '---').join(' | ')} | --- | --- |`);
    for (const s of o.samplers) {
      for (const [lib, r] of libs) {
        const rows = r.runs.filter((x) => x.function === fn && x.sampler === s);
        if (rows.length === 0) continue;
        const cols = o.checkpoints.map((c) => cell(rows.filter((x) => x.regret[String(c)] !== undefined).map((x) => x.regret[String(c)])));
        lines.push(`| ${s}${VARIANTS[s].concurrent ? ` (${o.workers} workers)` : ''} | ${lib} | ${cols.join(' | ')} | ${msOf(r, fn, s).toFixed(2)} | ${wallOf(r, fn, s).toFixed(2)} |`);
      }
    }
  }
  if (o.zdtSamplers.length > 0 && o.zdtSeeds > 0) {
    lines.push('', `ZDT1 (${o.zdtDims} variables, 2 objectives): hypervolume after ${o.zdtTrials} trials, reference (${ZDT1_REFERENCE.join(', ')}), median [IQR] over ${o.zdtSeeds} seeds; true front ${ZDT1_IDEAL_HYPERVOLUME.toFixed(2)}`, '');
    lines.push('| sampler | library | hypervolume | gap to the true front | CPU ms/trial | wall ms/trial |', '| --- | --- | --- | --- | --- | --- |');
    for (const s of o.zdtSamplers) {
      for (const [lib, r] of libs) {
        const rows = r.zdt.filter((x) => x.sampler === s);
        if (rows.length === 0) continue;
        const hv = rows.map((x) => x.hypervolume);
        const cpu = mean(rows.map((x) => x.cpuMsPerTrial)).toFixed(2);
        lines.push(`| ${s} | ${lib} | ${cell(hv, 2)} | ${cell(hv.map((h) => ZDT1_IDEAL_HYPERVOLUME - h), 2)} | ${cpu} | ${mean(rows.map((x) => x.msPerTrial)).toFixed(2)} |`);
      }
    }
  }
  const targets: string[] = [];
  for (const fn of o.functions) {
    if (optuna !== undefined && o.samplers.includes('tpe')) {
      const [a, b] = [regrets(ours, fn, 'tpe', last), regrets(optuna, fn, 'tpe', last)];
      const ratio = medianOf(a) / medianOf(b);
      const faster = msOf(ours, fn, 'tpe') < msOf(optuna, fn, 'tpe');
      targets.push(
        `- ${fn}: default TPE median regret @${last} ours/Optuna = ${ratio.toFixed(2)} (${interval(a, b)}; target <= 1.15: ${ratio <= 1.15 ? 'met' : 'NOT met'}); CPU time per trial ${faster ? 'below' : 'NOT below'} Optuna's`,
      );
    }
    if (o.samplers.includes('tpe-liar') && o.samplers.includes('tpe-no-liar')) {
      for (const [lib, r] of libs) {
        const [on, off] = [regrets(r, fn, 'tpe-liar', last), regrets(r, fn, 'tpe-no-liar', last)];
        if (on.length === 0 || off.length === 0) continue;
        const verdict = lib === 'ours' ? `; target on < off: ${medianOf(on) < medianOf(off) ? 'met' : 'NOT met'}` : '';
        const [spreadOn, spreadOff] = [spreadOf(r, fn, 'tpe-liar'), spreadOf(r, fn, 'tpe-no-liar')];
        const spread = Number.isNaN(spreadOn) || Number.isNaN(spreadOff) ? '' : `; distance to the nearest running trial ${spreadOn.toFixed(3)} vs ${spreadOff.toFixed(3)}`;
        targets.push(
          `- ${fn}, ${lib}: ${o.workers} workers, constant liar on ${medianOf(on).toFixed(4)} vs off ${medianOf(off).toFixed(4)} (on/off ${(medianOf(on) / medianOf(off)).toFixed(2)}, ${interval(on, off)}${verdict})${spread}`,
        );
      }
    }
  }
  if (optuna !== undefined) {
    for (const s of o.zdtSamplers) {
      const a = medianOf(ours.zdt.filter((x) => x.sampler === s).map((x) => x.hypervolume));
      const b = medianOf(optuna.zdt.filter((x) => x.sampler === s).map((x) => x.hypervolume));
      if (Number.isNaN(a) || Number.isNaN(b)) continue;
      const rel = (a - b) / b;
      targets.push(`- ZDT1 ${s}: hypervolume ours ${a.toFixed(2)} vs Optuna ${b.toFixed(2)} (${(100 * rel).toFixed(1)}%; target within 5%: ${rel >= -0.05 ? 'met' : 'NOT met'})`);
    }
  }
  // A heading only over verdicts: a run without Optuna or without the liar pair has none to give.
  if (targets.length > 0) lines.push('', 'Targets:', ...targets);
  return lines.join('\n');
}

/** The default checkpoints, 25, 50 and 100 trials, that `trials` reaches, and `trials` itself. */
export function defaultCheckpoints(trials: number): number[] {
  return [...new Set([...[25, 50, 100].filter((c) => c < trials), trials])];
}

/** `--checkpoints`: increasing trial counts from 1 to `trials`. */
function parseCheckpoints(value: string, trials: number): number[] {
  const checkpoints = listFlag(value, 'checkpoints').map(Number);
  if (checkpoints.some((c, i) => !Number.isInteger(c) || c < 1 || c > trials || (i > 0 && c <= checkpoints[i - 1]))) {
    throw new UsageError(`Expected --checkpoints to be increasing integers from 1 to ${trials} (--trials), found \`${value}\``);
  }
  return checkpoints;
}

/** Optuna's results saved by an earlier `--json` run, checked enough to be reported. */
function readOptunaJson(file: string): BenchResults & { optunaVersion?: string } {
  const saved = readJsonFile(file, (found) => new TuningError(`Expected --optuna-json \`${file}\` to be the JSON file of an earlier --json run, found ${found}`));
  const optuna = (saved as { optuna?: { runs?: unknown; zdt?: unknown } } | null)?.optuna;
  if (typeof optuna !== 'object' || optuna === null || !Array.isArray(optuna.runs) || !Array.isArray(optuna.zdt)) {
    throw new TuningError(`Expected --optuna-json \`${file}\` to hold Optuna's results (\`optuna\` with \`runs\` and \`zdt\` lists) as an earlier --json run writes them, found none`);
  }
  return optuna as BenchResults & { optunaVersion?: string };
}

export async function main(argv: readonly string[]): Promise<void> {
  const describe = "Median regret of the samplers on Branin, Hartmann-6 and a pipeline-like space, and ZDT1 hypervolume, beside Optuna's when a python3 with optuna is importable.";
  const args = await parseArgs(argv, { name: 'digitfuse bench samplers', describe }, (y) => y
    .option('seeds', { type: 'number', default: 30, describe: 'Seeds (studies) per function and sampler' })
    .option('first-seed', { type: 'number', default: 0, describe: 'First seed (seeds run from it on, on both sides): a fresh block of seeds checks a figure' })
    .option('trials', { type: 'number', default: 100, describe: 'Trials per study' })
    .option('checkpoints', { type: 'string', describe: 'Report the best regret after these many trials (comma-separated; default: those of 25, 50 and 100 below --trials, and --trials)' })
    .option('workers', { type: 'number', default: 4, describe: 'Concurrent trials of the tpe-liar / tpe-no-liar runs' })
    .option('functions', { type: 'string', default: DEFAULT_BENCH_FUNCTIONS.join(','), describe: `Functions to run, of ${Object.keys(BENCH_FUNCTIONS).join(', ')}` })
    .option('samplers', { type: 'string', default: Object.keys(VARIANTS).join(','), describe: 'Sampler configurations to run' })
    .option('zdt-seeds', { type: 'number', default: 10, describe: 'Seeds of the ZDT1 runs (0 skips them)' })
    .option('zdt-trials', { type: 'number', default: 200, describe: 'Trials per ZDT1 study' })
    .option('zdt-dims', { type: 'number', default: 30, describe: 'ZDT1 variables' })
    .option('zdt-samplers', { type: 'string', default: Object.keys(ZDT_VARIANTS).join(','), describe: 'Two-objective samplers to run' })
    .option('ei-candidates', {
      type: 'number',
      default: DEFAULT_N_EI_CANDIDATES,
      describe: `Candidates drawn from l(x) per TPE draw, in every TPE configuration on both sides (Optuna's n_ei_candidates; ${DEFAULT_N_EI_CANDIDATES} is both libraries' default)`,
    })
    .option('optuna', { type: 'boolean', describe: 'Require Optuna (--no-optuna: skip it). Default: run it when importable' })
    .option('python', { type: 'string', default: 'python3', describe: 'Python interpreter with optuna' })
    .option('optuna-json', { type: 'string', describe: "Read Optuna's results from this file (an earlier --json run's `optuna`) instead of running it" })
    .option('json', { type: 'string', describe: 'Also write every run (both libraries) to this JSON file' }),
  );
  for (const key of ['seeds', 'trials', 'workers', 'zdt-trials', 'ei-candidates'] as const) positiveInt(args[key], key);
  positiveInt(args['zdt-seeds'], 'zdt-seeds', { allowZero: true });
  positiveInt(args['first-seed'], 'first-seed', { allowZero: true });
  if (!(Number.isInteger(args['zdt-dims']) && args['zdt-dims'] >= 2)) throw new UsageError(`Expected --zdt-dims to be an integer >= 2 (ZDT1 has at least two variables), found ${args['zdt-dims']}`);
  const checkpoints = args.checkpoints === undefined ? defaultCheckpoints(args.trials) : parseCheckpoints(args.checkpoints, args.trials);
  if (args.json !== undefined) checkOutputFile(args.json, 'json');
  const o: BenchOptions = {
    seeds: args.seeds,
    firstSeed: args['first-seed'],
    trials: args.trials,
    checkpoints,
    workers: args.workers,
    functions: listFlag(args.functions, 'functions', Object.keys(BENCH_FUNCTIONS)),
    samplers: listFlag(args.samplers, 'samplers', Object.keys(VARIANTS)),
    zdtSeeds: args['zdt-seeds'],
    zdtTrials: args['zdt-trials'],
    zdtDims: args['zdt-dims'],
    zdtSamplers: listFlag(args['zdt-samplers'], 'zdt-samplers', Object.keys(ZDT_VARIANTS)),
    tpe: { nEiCandidates: args['ei-candidates'] },
    log: (line) => console.error(line),
  };
  let optuna: BenchResults | undefined;
  let label = 'optuna';
  if (args['optuna-json'] !== undefined) {
    const saved = readOptunaJson(args['optuna-json']);
    optuna = saved;
    label = `optuna ${saved.optunaVersion ?? ''}`.trim();
  }
  const version = optuna === undefined && args.optuna !== false ? optunaVersion(args.python) : undefined;
  if (args.optuna === true && optuna === undefined && version === undefined) {
    throw new TuningError(`--optuna: \`${args.python} -c "import optuna"\` failed; install optuna (pip install optuna) or pass --python`);
  }
  if (optuna === undefined && version === undefined && args.optuna !== false) o.log(`(no Optuna: \`${args.python}\` cannot import optuna; showing this library only)`);
  const seedsFrom = o.firstSeed === 0 ? '' : ` (from seed ${o.firstSeed})`;
  const candidates = o.tpe.nEiCandidates === DEFAULT_N_EI_CANDIDATES ? '' : `; TPE with ${o.tpe.nEiCandidates} candidates per draw (default ${DEFAULT_N_EI_CANDIDATES})`;
  console.log(`tuning:bench-samplers: ${counted(o.seeds, 'seed')} x ${counted(o.trials, 'trial')}${seedsFrom}; ZDT1 ${counted(o.zdtSeeds, 'seed')} x ${counted(o.zdtTrials, 'trial')}${candidates}`);
  const ours = await runOurs(o);
  if (version !== undefined) {
    optuna = await runOptuna(args.python, o);
    label = `optuna ${version}`;
  }
  console.log(report(o, ours, optuna, label));
  if (args.json !== undefined) writeFileAtomic(args.json, JSON.stringify({ ours, optuna: optuna === undefined ? undefined : { ...optuna } }, null, 1));
}

if (require.main === module) runMain(main);
