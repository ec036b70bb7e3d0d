/* bench.h — the C API over Google Benchmark (Debian's libbenchmark 1.7.1).
 *
 * Every benchmark in bufbench is written in C against this header; bench/shim.cc is the
 * only C++ (a thin layer over benchmark::State and benchmark::RegisterBenchmark).
 *
 * The timed loop is BATCHED: one call per batch, not per iteration, so the shim adds
 * one indirect call per batch to what it measures (its cost per iteration is itself a
 * row of the suite: shim_overhead/c_batch beside shim_overhead/cxx_native):
 *
 *     static void bench_pair(bench_state_t *state, void *context)
 *     {
 *         const pair_case_t *c = context;
 *         for (int64_t n; (n = bench_batch(state)) > 0;)
 *             for (int64_t i = 0; i < n; i++) {
 *                 void *block = buf_backend_alloc(c->backend, c->size, 0, NULL);
 *                 buf_backend_free(c->backend, block, c->size, 0);
 *             }
 *         bench_set_items_processed(state, bench_iterations(state));
 *     }
 *     ...
 *     bench_t *b = bench_register("alloc_pair/slab/64", bench_pair, &the_case);
 *
 * Names are the full DESIGN.md names (family/subject/param...): register one benchmark
 * per (subject, param) rather than using Google Benchmark's Arg/Range suffixes, so a name
 * means the same thing in every run.  The context pointer must outlive bench_main.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bench_state bench_state_t; /* one run of one benchmark (benchmark::State) */
typedef struct bench bench_t;             /* a registered benchmark (benchmark::internal::Benchmark) */
typedef void (*bench_fn)(bench_state_t *state, void *context);

/* ---- Registration (before bench_main) ----------------------------------------------- */
bench_t *bench_register(const char *name, bench_fn fn, void *context);
void bench_args(bench_t *bench, const int64_t *args, int count);   /* ->Args({...}) (rarely needed) */
void bench_use_real_time(bench_t *bench);                          /* ->UseRealTime() */
void bench_use_manual_time(bench_t *bench);                        /* ->UseManualTime() */
void bench_fixed_iterations(bench_t *bench, int64_t iterations);   /* ->Iterations(n) */
void bench_min_time(bench_t *bench, double seconds);               /* ->MinTime(s) */
void bench_repetitions(bench_t *bench, int repetitions);           /* ->Repetitions(n) */
void bench_threads(bench_t *bench, int threads);                   /* ->Threads(n) */

/* ---- Inside a benchmark ----------------------------------------------------------------- */
/* The batched keep-running loop: the number of iterations to run now, 0 when done. */
int64_t bench_batch(bench_state_t *state);
int64_t bench_iterations(const bench_state_t *state);   /* iterations run so far */
int64_t bench_arg(const bench_state_t *state, int index); /* state.range(index) */
int bench_thread_index(const bench_state_t *state);
int bench_thread_count(const bench_state_t *state);
void bench_pause(bench_state_t *state);                  /* PauseTiming */
void bench_resume(bench_state_t *state);                 /* ResumeTiming */
void bench_set_iteration_time(bench_state_t *state, double seconds); /* manual time */
void bench_set_bytes_processed(bench_state_t *state, int64_t bytes);
void bench_set_items_processed(bench_state_t *state, int64_t items);
void bench_skip_with_error(bench_state_t *state, const char *message);

/* User counters: flags combine like benchmark::Counter's. */
enum {
    BENCH_COUNTER_PLAIN = 0,
    BENCH_COUNTER_RATE = 1 << 0,              /* value / time */
    BENCH_COUNTER_AVG_ITERATIONS = 1 << 3,    /* value / iterations */
    BENCH_COUNTER_INVERT = 1 << 30,           /* 1 / x (with RATE: seconds per value) */
};
void bench_counter(bench_state_t *state, const char *name, double value, int flags);

/* Keeps the compiler from optimizing a value or memory away (benchmark::DoNotOptimize /
 * ClobberMemory). */
static inline void bench_do_not_optimize(const void *value) { __asm__ volatile("" : : "r"(value) : "memory"); }
static inline void bench_clobber_memory(void) { __asm__ volatile("" : : : "memory"); }

/* ---- Main -------------------------------------------------------------------------------- */
/* Initialize (Google Benchmark's own flags: --benchmark_filter, --benchmark_format,
 * --benchmark_out, --benchmark_repetitions, --benchmark_min_time, ...), report unknown
 * flags, run, shut down.  Returns the process exit status. */
int bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif
#endif
