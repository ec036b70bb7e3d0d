#!/usr/bin/env python3
"""make_results.py — writes a small synthetic results.json in the shape scripts/bench-run.sh
writes (Google Benchmark JSON, one row per repetition plus the aggregate rows), so the
tests of scripts/compare know exactly what changed between two files.

  tests/compare/make_results.py OUT [--benchmarks 10] [--reps 9] [--noise 0.01] [--seed 1]
      [--scale NAME=FACTOR]... [--drop NAME=COUNT]... [--extra NAME]... [--callgrind]

Benchmark NAMEs are family_k/malloc/64 for k = 0..benchmarks-1 (true medians 1000*(k+1) ns);
each repetition is median * FACTOR * (1 + noise * u), u uniform in [-1, 1] (so the true median
is unchanged by the noise).  --drop leaves out COUNT repetitions of NAME (missing
repetitions); --extra adds a benchmark that only this file has; --callgrind writes
instruction counts (time_unit "instructions", timing "callgrind", one repetition).
"""
import argparse
import json
import random

parser = argparse.ArgumentParser(usage=__doc__.split("\n\n")[1].strip())
parser.add_argument("out")
parser.add_argument("--benchmarks", type=int, default=10)
parser.add_argument("--reps", type=int, default=9)
parser.add_argument("--noise", type=float, default=0.01)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--scale", action="append", default=[])
parser.add_argument("--drop", action="append", default=[])
parser.add_argument("--extra", action="append", default=[])
parser.add_argument("--callgrind", action="store_true")
options = parser.parse_args()

rng = random.Random(options.seed)
scale = {name: float(factor) for name, factor in (s.split("=") for s in options.scale)}
drop = {name: int(count) for name, count in (d.split("=") for d in options.drop)}
names = [f"family_{k}/malloc/64" for k in range(options.benchmarks)] + options.extra
reps = 1 if options.callgrind else options.reps
rows = []
for index, name in enumerate(names):
    centre = 1000.0 * (index + 1) * scale.get(name, 1.0)
    for rep in range(reps - drop.get(name, 0)):
        value = centre * (1 + options.noise * rng.uniform(-1, 1))
        if options.callgrind:
            value = round(value)
        rows.append({"name": name, "run_name": name, "run_type": "iteration", "repetitions": reps,
                     "repetition_index": rep, "threads": 1, "iterations": 100,
                     "real_time": value, "cpu_time": value,
                     "time_unit": "instructions" if options.callgrind else "ns",
                     "timing": "callgrind" if options.callgrind else "cpu"})
    if not options.callgrind:  # the aggregate rows Google Benchmark adds: compare skips them
        rows.append({"name": name + "_median", "run_name": name, "run_type": "aggregate",
                     "aggregate_name": "median", "repetitions": reps, "threads": 1,
                     "iterations": reps, "real_time": centre, "cpu_time": centre,
                     "time_unit": "ns", "timing": "cpu"})
context = {"date": "2026-01-01T00:00:00Z", "mode": "callgrind" if options.callgrind else "quick",
           "commit": f"synthetic-seed-{options.seed}"}
with open(options.out, "w") as handle:
    json.dump({"context": context, "benchmarks": rows}, handle, indent=1)
