"""Optuna's side of `npx nx run tuning:bench-samplers`: the same functions, budgets and seeds with
Optuna's samplers, printed as one JSON object on stdout. Comparison only; the project never depends
on Python. The functions mirror src/bench/bench-functions.ts (keep the two in step).

    python3 optuna_samplers.py --seeds 30 --trials 100 --workers 4 --functions branin,hartmann6,pipeline
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

import numpy as np
import optuna
from optuna._hypervolume import compute_hypervolume

BRANIN_MIN = 0.397887357729738
HARTMANN6_MIN = -3.322368011415515
H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H6_P = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
]
FILTER_NAMES = ["img_filters_1", "img_filters_2", "img_filters_3", "aud_filters_1", "aud_filters_2", "aud_filters_3"]
FILTER_BEST = [32, 48, 64, 40, 80, 96]


def branin(t: optuna.Trial) -> float:
    x = t.suggest_float("x", -5, 10)
    y = t.suggest_float("y", 0, 15)
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    s = 1 / (8 * math.pi)
    return (y - b * x * x + c * x - 6) ** 2 + 10 * (1 - s) * math.cos(x) + 10 - BRANIN_MIN


def hartmann6_value(x: list) -> float:
    total = 0.0
    for i in range(4):
        inner = sum(H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2 for j in range(6))
        total += H6_ALPHA[i] * math.exp(-inner)
    return -total


def hartmann6(t: optuna.Trial) -> float:
    return hartmann6_value([t.suggest_float(f"x{i + 1}", 0, 1) for i in range(6)]) - HARTMANN6_MIN


HARTMANN6_GRID_MIN = -3.2215609001775696


def hartmann6_grid(t: optuna.Trial) -> float:
    return hartmann6_value([t.suggest_float(f"x{i + 1}", 0, 1, step=0.1) for i in range(6)]) - HARTMANN6_GRID_MIN


def log_position(v: float, low: float, high: float) -> float:
    return (math.log(v) - math.log(low)) / (math.log(high) - math.log(low))


def pipeline(t: optuna.Trial) -> float:
    filters = [t.suggest_int(n, 16, 256, log=True) for n in FILTER_NAMES]
    units = t.suggest_int("units", 32, 512, log=True)
    dropout = t.suggest_float("dropout", 0.1, 0.6)
    lr = t.suggest_float("learning_rate", 1e-4, 1e-2, log=True)
    return pipeline_value(filters, units, dropout, lr)


PIPELINE_CHOICES = {"filters": [16, 32, 64, 128, 256], "units": [32, 64, 128, 256, 512],
                    "dropout": [0.1, 0.2, 0.3, 0.4, 0.5], "learning_rate": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]}
PIPELINE_CATEGORICAL_MIN = 0.1172306057576152


def pipeline_categorical(t: optuna.Trial) -> float:
    c = PIPELINE_CHOICES
    filters = [t.suggest_categorical(n, c["filters"]) for n in FILTER_NAMES]
    units = t.suggest_categorical("units", c["units"])
    dropout = t.suggest_categorical("dropout", c["dropout"])
    lr = t.suggest_categorical("learning_rate", c["learning_rate"])
    return pipeline_value(filters, units, dropout, lr) - PIPELINE_CATEGORICAL_MIN


def pipeline_value(filters: list, units: float, dropout: float, lr: float) -> float:
    f = 0.0
    for v, best in zip(filters, FILTER_BEST):
        f += (log_position(v, 16, 256) - log_position(best, 16, 256)) ** 2
    du = log_position(units, 32, 512) - log_position(128, 32, 512)
    dd = (dropout - 0.25) / 0.5
    dl = log_position(lr, 1e-4, 1e-2) - log_position(10**-2.7, 1e-4, 1e-2)
    return f + 2 * du**2 + 2 * dd**2 + 4 * dl**2 + 4 * (dl + du) ** 2


FUNCTIONS = {"branin": branin, "hartmann6": hartmann6, "pipeline": pipeline, "hartmann6-grid": hartmann6_grid,
             "pipeline-categorical": pipeline_categorical}


def zdt1_objective(dims: int):
    def zdt1(t: optuna.Trial) -> tuple[float, float]:
        x = [t.suggest_float(f"x{i + 1}", 0, 1) for i in range(dims)]
        g = 1 + 9 * sum(x[1:]) / (dims - 1)
        return x[0], g * (1 - math.sqrt(x[0] / g))

    return zdt1


def make_sampler(kind: str, seed: int, n_ei_candidates: int = 24) -> optuna.samplers.BaseSampler:
    """n_ei_candidates applies to every TPE configuration (the benchmark's --ei-candidates)."""
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if kind == "tpe-independent":
        return optuna.samplers.TPESampler(seed=seed, multivariate=False, n_ei_candidates=n_ei_candidates)
    if kind in ("tpe", "tpe-liar", "motpe"):
        return optuna.samplers.TPESampler(seed=seed, n_ei_candidates=n_ei_candidates)
    if kind == "tpe-no-liar":
        return optuna.samplers.TPESampler(seed=seed, constant_liar=False, n_ei_candidates=n_ei_candidates)
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    raise ValueError(f"Unsupported sampler type {kind!r}")


def trial_distance(a: optuna.trial.FrozenTrial, b: optuna.trial.FrozenTrial) -> float:
    """Numeric parameters scaled to [0, 1] by their ranges (log ones in log space); a categorical one 0 or 1."""
    total = 0.0
    for name, d in a.distributions.items():
        x, y = a.params[name], b.params[name]
        if not hasattr(d, "low"):
            total += 0.0 if x == y else 1.0
        elif d.high > d.low:
            total += (math.log(x / y) / math.log(d.high / d.low) if d.log else (x - y) / (d.high - d.low)) ** 2
    return math.sqrt(total)


def mean_spread(trials: list, workers: int, n_startup: int = 10) -> float:
    """Mean distance from each trial asked after the start-up to the nearest trial running when it was asked."""
    dists = [min(trial_distance(trials[i], trials[j]) for j in range(max(0, i - workers + 1), i))
             for i in range(n_startup + workers - 1, len(trials))]
    return float(np.mean(dists)) if dists else float("nan")


def run(objective, sampler, n_trials: int, workers: int, directions=None) -> list:
    """Runs n_trials; with workers > 1, keeps `workers` trials running (ask/tell, oldest told first)."""
    study = optuna.create_study(sampler=sampler, directions=directions or ["minimize"])
    running = []
    for _ in range(n_trials):
        if len(running) >= workers:
            t, v = running.pop(0)
            study.tell(t, v)
        t = study.ask()
        running.append((t, objective(t)))
    for t, v in running:
        study.tell(t, v)
    return study.trials


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=30)
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--trials", type=int, default=100)
    p.add_argument("--checkpoints", default="25,50,100")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--functions", default="branin,hartmann6,pipeline")
    p.add_argument("--samplers", default="random,tpe-independent,tpe,tpe-liar,tpe-no-liar")
    p.add_argument("--zdt-seeds", type=int, default=10)
    p.add_argument("--zdt-trials", type=int, default=200)
    p.add_argument("--zdt-dims", type=int, default=30)
    p.add_argument("--zdt-samplers", default="nsga2,motpe")
    p.add_argument("--ei-candidates", type=int, default=24)
    a = p.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    checkpoints = [int(c) for c in a.checkpoints.split(",") if c]
    runs = []
    for fname in [f for f in a.functions.split(",") if f]:
        for kind in [s for s in a.samplers.split(",") if s]:
            workers = a.workers if kind in ("tpe-liar", "tpe-no-liar") else 1
            for seed in range(a.first_seed, a.first_seed + a.seeds):
                t0, c0 = time.perf_counter(), time.process_time()
                trials = run(FUNCTIONS[fname], make_sampler(kind, seed, a.ei_candidates), a.trials, workers)
                ms = (time.perf_counter() - t0) * 1000 / a.trials
                cpu = (time.process_time() - c0) * 1000 / a.trials
                best = np.minimum.accumulate([t.value for t in trials])
                run_ = {"function": fname, "sampler": kind, "seed": seed, "msPerTrial": ms, "cpuMsPerTrial": cpu,
                        "regret": {str(c): float(best[c - 1]) for c in checkpoints if c <= len(best)}}
                if workers > 1:
                    run_["spread"] = mean_spread(trials, workers)
                runs.append(run_)
            print(f"optuna {fname} {kind} done", file=sys.stderr)
    zdt = []
    for kind in [s for s in a.zdt_samplers.split(",") if s]:
        for seed in range(a.first_seed, a.first_seed + a.zdt_seeds):
            t0, c0 = time.perf_counter(), time.process_time()
            trials = run(zdt1_objective(a.zdt_dims), make_sampler(kind, seed, a.ei_candidates), a.zdt_trials, 1, ["minimize", "minimize"])
            ms = (time.perf_counter() - t0) * 1000 / a.zdt_trials
            cpu = (time.process_time() - c0) * 1000 / a.zdt_trials
            values = np.array([t.values for t in trials])
            ref = np.array([11.0, 11.0])
            inside = values[(values <= ref).all(axis=1)]
            hv = float(compute_hypervolume(inside, ref)) if len(inside) else 0.0
            zdt.append({"sampler": kind, "seed": seed, "msPerTrial": ms, "cpuMsPerTrial": cpu, "hypervolume": hv})
        print(f"optuna zdt1 {kind} done", file=sys.stderr)
    json.dump({"optunaVersion": optuna.__version__, "runs": runs, "zdt": zdt}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
