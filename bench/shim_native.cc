/* shim_native.cc — shim_overhead/cxx_native: the empty loop written natively in C++.
 *
 * The body is one compiler barrier (benchmark::ClobberMemory, the same empty asm with a
 * "memory" clobber as bench_clobber_memory), so the loop cannot be removed and each
 * iteration is the loop's own bookkeeping and nothing else — the baseline that
 * shim_overhead/c_batch's loop through bench_batch is measured against.
 */
#include "shim_native.h"

#include <benchmark/benchmark.h>
#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

extern "C" void bench_shim_cxx_native(bench_state_t *state, void *context)
{
    (void)context;
    benchmark::State &st = *reinterpret_cast<benchmark::State *>(state);
    // The native loop cannot call into the shim, so it switches callgrind on itself:
    // its count includes the loop's start-up (StartKeepRunning), a fixed cost that the
    // fixed iteration count spreads thin; the shim stops it after the run.
    if (RUNNING_ON_VALGRIND) CALLGRIND_START_INSTRUMENTATION;
    for (auto _ : st) benchmark::ClobberMemory();
    st.SetItemsProcessed(st.iterations());
}
