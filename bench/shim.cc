/* shim.cc — bench/bench.h over Google Benchmark 1.7.1: the suite's only C++.
 *
 * The families are C; they register benchmarks here and write their timed loops against
 * bench_batch.  Three choices keep the shim out of what it measures:
 *
 *   - The timed loop is batched: bench_batch asks KeepRunningBatch for the whole
 *     max_iterations at once, so a run is one indirect call into the shim, the caller's
 *     own `for` over n iterations, and one more call that ends the run.  Per iteration
 *     the C loop costs what the C++ `for (auto _ : state)` loop costs (the row
 *     shim_overhead/c_batch beside shim_overhead/cxx_native shows the difference).
 *   - A bench_state_t * IS the benchmark::State *: no wrapper, no lookup per call.
 *   - Registration is recorded first and handed to Google Benchmark in bench_main, after
 *     the flags are parsed, so a run under callgrind can swap min-time for fixed
 *     iteration counts (Google Benchmark refuses both on one benchmark).
 *
 * Under callgrind (RUNNING_ON_VALGRIND, checked once in bench_main) instrumentation is on
 * only inside the timed batches: bench_batch starts it when it hands out a batch and
 * stops it when it is called again; pause/resume stop and restart it.  Each benchmark
 * run zeroes the counters before and dumps them after ("bench NAME iterations=N"), so
 * scripts/bench-json.js reads one instruction count per benchmark — never one total
 * divided across benchmarks.
 */
#include "bench.h"

#include <benchmark/benchmark.h>
#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

// ---- Registration record ------------------------------------------------------------
// What a family asked for; applied to Google Benchmark in bench_main.
struct bench {
    std::string name;
    bench_fn fn;
    void *context;
    std::vector<std::vector<int64_t>> args;
    bool real_time = false;
    bool manual_time = false;
    int64_t fixed_iterations = 0;
    double min_time = 0;
    int repetitions = 0;
    int threads = 0;
};

namespace {

std::vector<bench *> &registered()
{
    static std::vector<bench *> list;
    return list;
}

// Set once in bench_main before any benchmark runs; read on each batch boundary only.
// Any valgrind tool counts (the CALLGRIND_* requests are no-ops under the others): a
// run under valgrind is slow enough that fixed iteration counts are what it wants.
bool under_valgrind = false;

// The iteration count N a benchmark runs with under callgrind unless it fixed its own (it
// runs N to warm up, then N and 2N iterations; the difference is the per-iteration count,
// so fixed costs cancel and N can stay small): 10 keeps the quick suite's slowest rows (a 1 MiB codec
// pass per iteration) to seconds under callgrind's ~50x slowdown.
int64_t callgrind_iterations()
{
    const char *text = std::getenv("BUFBENCH_CALLGRIND_ITERATIONS");
    if (text != nullptr) {
        char *end = nullptr;
        long long value = std::strtoll(text, &end, 10);
        if (end != text && *end == '\0' && value > 0) return value;
        std::fprintf(stderr, "bench: BUFBENCH_CALLGRIND_ITERATIONS=%s is not a positive count; using 10\n", text);
    }
    return 10;
}

inline benchmark::State &state_of(bench_state_t *state) { return *reinterpret_cast<benchmark::State *>(state); }
inline const benchmark::State &state_of(const bench_state_t *state)
{
    return *reinterpret_cast<const benchmark::State *>(state);
}

// Hands one recorded benchmark to Google Benchmark, with its settings or, under
// callgrind, a fixed iteration count and one repetition.
void register_with_google_benchmark(bench *b)
{
    if (under_valgrind && b->threads > 1) {
        std::fprintf(stderr, "bench: callgrind: leaving out %s (%d threads)\n", b->name.c_str(), b->threads);
        return;
    }
    benchmark::internal::Benchmark *gb;
    if (under_valgrind) {
        // Three runs: N iterations to warm up (not dumped: a context's first run pays its cold
        // paths, e.g. a backend's first arena), then N and 2N, each dumped with its count.
        // What a run costs beyond its iterations is the same in the last two, so
        // (Ir(2N) - Ir(N)) / N is the steady cost of one iteration, exactly, with a small N
        // (scripts/bench-json.js callgrind does the subtraction).
        const int64_t iterations = b->fixed_iterations > 0 ? b->fixed_iterations : callgrind_iterations();
        const int64_t counts[] = {iterations, iterations, 2 * iterations};
        for (int run = 0; run < 3; run++) {
            const int64_t count = counts[run];
            const bool dump = run > 0;
            const std::string label = "bench " + b->name + " iterations=" + std::to_string(count);
            gb = benchmark::RegisterBenchmark(b->name.c_str(), [b, label, dump](benchmark::State &state) {
                CALLGRIND_ZERO_STATS;
                b->fn(reinterpret_cast<bench_state_t *>(&state), b->context);
                CALLGRIND_STOP_INSTRUMENTATION;
                if (dump) CALLGRIND_DUMP_STATS_AT(label.c_str());
            });
            gb->Iterations(count)->Repetitions(1);
            for (const auto &args : b->args) gb->Args(args);
            if (b->manual_time) gb->UseManualTime();
            else if (b->real_time) gb->UseRealTime();
        }
        return;
    } else {
        gb = benchmark::RegisterBenchmark(b->name.c_str(), [b](benchmark::State &state) {
            b->fn(reinterpret_cast<bench_state_t *>(&state), b->context);
        });
        if (b->fixed_iterations > 0) gb->Iterations(b->fixed_iterations);
        else if (b->min_time > 0) gb->MinTime(b->min_time);
        if (b->repetitions > 0) gb->Repetitions(b->repetitions);
        if (b->threads > 0) gb->Threads(b->threads);
    }
    for (const auto &args : b->args) gb->Args(args);
    if (b->manual_time) gb->UseManualTime();
    else if (b->real_time) gb->UseRealTime();
}

} // namespace

// ---- Registration -------------------------------------------------------------------
extern "C" bench_t *bench_register(const char *name, bench_fn fn, void *context)
{
    bench *b = new bench{};
    b->name = name;
    b->fn = fn;
    b->context = context;
    registered().push_back(b);
    return b;
}

extern "C" void bench_args(bench_t *bench, const int64_t *args, int count)
{
    bench->args.emplace_back(args, args + count);
}

extern "C" void bench_use_real_time(bench_t *bench) { bench->real_time = true; }
extern "C" void bench_use_manual_time(bench_t *bench) { bench->manual_time = true; }
extern "C" void bench_fixed_iterations(bench_t *bench, int64_t iterations) { bench->fixed_iterations = iterations; }
extern "C" void bench_min_time(bench_t *bench, double seconds) { bench->min_time = seconds; }
extern "C" void bench_repetitions(bench_t *bench, int repetitions) { bench->repetitions = repetitions; }
extern "C" void bench_threads(bench_t *bench, int threads) { bench->threads = threads; }

// ---- The timed loop -------------------------------------------------------------------
// One batch of max_iterations: KeepRunningBatch(n) starts the timer and returns true
// the first time; the second call finds nothing left, stops the timer and returns false.
extern "C" int64_t bench_batch(bench_state_t *state)
{
    benchmark::State &st = state_of(state);
    if (__builtin_expect(under_valgrind, 0)) CALLGRIND_STOP_INSTRUMENTATION;
    const int64_t n = st.max_iterations;
    if (st.KeepRunningBatch(n)) {
        if (__builtin_expect(under_valgrind, 0)) CALLGRIND_START_INSTRUMENTATION;
        return n;
    }
    return 0;
}

extern "C" int64_t bench_iterations(const bench_state_t *state) { return state_of(state).iterations(); }
extern "C" int64_t bench_arg(const bench_state_t *state, int index)
{
    return state_of(state).range(static_cast<std::size_t>(index));
}
extern "C" int bench_thread_index(const bench_state_t *state) { return state_of(state).thread_index(); }
extern "C" int bench_thread_count(const bench_state_t *state) { return state_of(state).threads(); }

extern "C" void bench_pause(bench_state_t *state)
{
    if (under_valgrind) CALLGRIND_STOP_INSTRUMENTATION;
    state_of(state).PauseTiming();
}

extern "C" void bench_resume(bench_state_t *state)
{
    state_of(state).ResumeTiming();
    if (under_valgrind) CALLGRIND_START_INSTRUMENTATION;
}

extern "C" void bench_set_iteration_time(bench_state_t *state, double seconds)
{
    state_of(state).SetIterationTime(seconds);
}
extern "C" void bench_set_bytes_processed(bench_state_t *state, int64_t bytes)
{
    state_of(state).SetBytesProcessed(bytes);
}
extern "C" void bench_set_items_processed(bench_state_t *state, int64_t items)
{
    state_of(state).SetItemsProcessed(items);
}
extern "C" void bench_skip_with_error(bench_state_t *state, const char *message)
{
    state_of(state).SkipWithError(message);
}

// ---- Counters -------------------------------------------------------------------------
extern "C" void bench_counter(bench_state_t *state, const char *name, double value, int flags)
{
    int gb_flags = benchmark::Counter::kDefaults;
    if (flags & BENCH_COUNTER_RATE) gb_flags |= benchmark::Counter::kIsRate;
    if (flags & BENCH_COUNTER_AVG_ITERATIONS) gb_flags |= benchmark::Counter::kAvgIterations;
    if (flags & BENCH_COUNTER_INVERT) gb_flags |= benchmark::Counter::kInvert;
    state_of(state).counters[name] = benchmark::Counter(value, static_cast<benchmark::Counter::Flags>(gb_flags));
}

// ---- Main -----------------------------------------------------------------------------
extern "C" void bench_add_context(const char *key, const char *value) { benchmark::AddCustomContext(key, value); }

extern "C" int bench_main(int argc, char **argv)
{
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
    under_valgrind = RUNNING_ON_VALGRIND != 0;
    if (under_valgrind) benchmark::AddCustomContext("callgrind", "instructions per benchmark, timed batches only");
    for (bench *b : registered()) register_with_google_benchmark(b);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
