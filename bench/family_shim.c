/* family_shim.c — what the C API itself costs: shim_overhead/c_batch beside
 * shim_overhead/cxx_native.
 *
 * Both rows run the same empty body (one compiler barrier, so the loop stays); c_batch
 * loops through bench_batch as every C family does, cxx_native is Google Benchmark's own
 * `for (auto _ : state)` (bench/shim_native.cc).  The difference per iteration is the
 * shim's overhead on every other row; the goal is under 0.5 ns.
 */
#include "bench.h"
#include "shim_native.h"
#include "suite.h"

#include <stddef.h>

/* ---- The batched empty loop ------------------------------------------------------- */
static void shim_c_batch(bench_state_t *state, void *context)
{
    (void)context;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++)
            bench_clobber_memory();
    bench_set_items_processed(state, bench_iterations(state));
}

/* ---- Registration ------------------------------------------------------------------ */
void bench_family_shim(const bench_suite_config_t *config)
{
    (void)config; /* the same two rows in the quick and the full suite: they are cheap */
    bench_register("shim_overhead/c_batch", shim_c_batch, NULL);
    bench_register("shim_overhead/cxx_native", bench_shim_cxx_native, NULL);
}
