/* shim_native.h — the one benchmark written natively in C++ (bench/shim_native.cc).
 *
 * shim_overhead/cxx_native runs Google Benchmark's own `for (auto _ : state)` loop
 * around the same empty body as shim_overhead/c_batch's loop through bench_batch, so
 * the difference between the two rows is what the C API costs per iteration.
 */
#ifndef BENCH_SHIM_NATIVE_H
#define BENCH_SHIM_NATIVE_H

#include "bench.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A bench_fn: registered with bench_register like any C benchmark, so both rows get
 * the same registration, flags and callgrind treatment. */
void bench_shim_cxx_native(bench_state_t *state, void *context);

#ifdef __cplusplus
}
#endif
#endif
