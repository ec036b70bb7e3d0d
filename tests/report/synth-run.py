#!/usr/bin/env python3
"""synth-run.py — writes a small synthetic benchmark run (results.json) with known answers,
for the `report` test stage (tests/report/run.sh).

    tests/report/synth-run.py OUT_JSON [--repetitions 9]

What it holds, and what the report must say about it:
  - a backend the report has never heard of, `arena`, next to malloc and slab (the context's
    backends list names it, as `buf backends` would): it must get its own chart lines and
    table rows;
  - alloc_pair: arena is clearly fastest at every size (10 ns against 20+ ns, 2% noise):
    the recommendation names arena, significant;
  - alloc_batch_fifo: malloc and slab with IDENTICAL repetitions (and arena far behind): a
    tie, never significant;
  - alloc_mixed with overhead / minflt_per_pair / rss_growth counters (the memory charts);
  - stream_file over chunk sizes with baseline_read, baseline_memcpy and a Node row;
  - codec utf8 encode against its node/ mirror (the Node comparison chart), and a family
    with no chart at all (view_get) that still gets a table.
Seeded: the same file every time.
"""
import argparse
import json
import random


def rows_for(name, centre, repetitions, rng, bytes_per_iteration=None, counters=None, spread=0.02, samples=None):
    rows = []
    for index in range(repetitions):
        time = samples[index] if samples else centre * (1 + rng.uniform(-spread, spread))
        row = {"name": name, "run_name": name, "run_type": "iteration", "repetition_index": index,
               "threads": 1, "iterations": 1000, "real_time": time, "cpu_time": time, "time_unit": "ns",
               "timing": "cpu"}
        if bytes_per_iteration:
            row["bytes_per_second"] = bytes_per_iteration / time * 1e9
        row.update(counters or {})
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("--repetitions", type=int, default=9)
    options = parser.parse_args()
    rng = random.Random(20261201)
    reps = options.repetitions
    rows = []
    sizes = [64, 4096, 65536]
    for size in sizes:
        rows += rows_for(f"alloc_pair/malloc/{size}", 20 + size / 1000, reps, rng)
        rows += rows_for(f"alloc_pair/slab/{size}", 25 + size / 1000, reps, rng)
        rows += rows_for(f"alloc_pair/arena/{size}", 10, reps, rng)
        rows += rows_for(f"baseline_freelist_fnptr/{size}", 5, reps, rng)
        rows += rows_for(f"baseline_malloc/{size}", 18 + size / 1000, reps, rng)
        tie = [100 * (1 + rng.uniform(-0.05, 0.05)) for _ in range(reps)]
        rows += rows_for(f"alloc_batch_fifo/malloc/{size}", 0, reps, rng, samples=tie)
        rows += rows_for(f"alloc_batch_fifo/slab/{size}", 0, reps, rng, samples=tie)
        rows += rows_for(f"alloc_batch_fifo/arena/{size}", 400, reps, rng)
    memory = {"malloc": (1.0, 0.004, 2e6), "slab": (2.8, 0.0008, 2.8e6), "arena": (1.6, 0.0002, 1.2e6)}
    for backend, (overhead, faults, rss) in memory.items():
        rows += rows_for(f"alloc_mixed/{backend}", 100, reps, rng,
                         counters={"overhead": overhead, "minflt_per_pair": faults, "rss_growth": rss})
    chunks = [1024, 16384, 1048576]
    file_bytes = 64 << 20
    for chunk in chunks:
        for backend, centre in (("malloc", 30e6), ("slab", 29e6), ("arena", 28e6)):
            rows += rows_for(f"stream_file/{backend}/{chunk}", centre * (1 + 1024 / chunk), reps, rng, file_bytes)
        rows += rows_for(f"baseline_read/{chunk}", 25e6 * (1 + 1024 / chunk), reps, rng, file_bytes)
        rows += rows_for(f"baseline_memcpy/{chunk}", 5e6, reps, rng, file_bytes)
        rows += rows_for(f"node/stream_file/{chunk}", 90e6 * (1 + 1024 / chunk), reps, rng, file_bytes)
    rows += rows_for("codec/utf8/encode/4096", 300, reps, rng, 4096)
    rows += rows_for("node/codec/utf8/encode/4096", 1300, reps, rng, 4096)
    rows += rows_for("view_get/Uint8Array", 1.5, reps, rng)
    backends = ["malloc   the system allocator", "slab     size classes", "arena    bump allocation, freed all at once"]
    context = {"date": "2026-12-01T12:00:00Z", "commit": "synthetic", "mode": "quick", "repetitions": str(reps),
               "cpu_model": "synthetic CPU", "num_cpus": 2, "kernel": "Linux test", "compiler": "gcc (test) 12",
               "flags": "-O2", "bufbench_simd": "avx2", "backends": backends}
    with open(options.out, "w") as out:
        json.dump({"context": context, "benchmarks": rows}, out, indent=0)


if __name__ == "__main__":
    main()
