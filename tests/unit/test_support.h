/* test_support.h — shared helpers for the Criterion unit tests.
 *
 * "For every backend and variant": test_backend_specs() lists every base backend in the
 * registry, then the variants (mmap:guard, and fail(SEED,P):NAME around each base), so a
 * backend added to the registry is tested everywhere with no edit here.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"

/* All specs: base backends first, then variants.  Valid for the process lifetime. */
size_t test_backend_spec_count(void);
const char *test_backend_spec(size_t index);
/* True if the spec injects failures (allocation may fail with BUF_ENOMEM). */
bool test_spec_injects_failures(const char *spec);
/* The properties of an instance of `spec` (opened and closed again), or fails the test. */
buf_backend_props_t test_spec_props(const char *spec);
/* Opens a spec or fails the current test. */
buf_backend_t *test_open_backend(const char *spec);
/* Closes and asserts that no block is outstanding and bytes_live is 0. */
void test_close_backend_clean(buf_backend_t *backend);

/* The figures a backend instance must report after a sequence of allocs and frees, as a
 * test's model keeps them (live and peak bytes, counts). */
typedef struct {
    uint64_t live, peak, allocs, frees;
} test_figures_t;
/* Asserts that the instance's statistics equal the model's figures; a failure names the
 * instance's spec and the step (any number the test counts by). */
void test_expect_figures(buf_backend_t *backend, const test_figures_t *model, int step);
/* The model after `count` allocations of `bytes` in all, with no free among them (the peak
 * is at their end), and after `count` frees of `bytes` in all. */
static inline void test_figures_alloc(test_figures_t *model, uint64_t bytes, uint64_t count)
{
    model->live += bytes;
    model->peak = model->live > model->peak ? model->live : model->peak;
    model->allocs += count;
}
static inline void test_figures_free(test_figures_t *model, uint64_t bytes, uint64_t count)
{
    model->live -= bytes;
    model->frees += count;
}

/* The tests' pseudo-random numbers: one step of a 32-bit linear congruential generator
 * (the constants of the C standard's example rand), returning the new state.  The same
 * seed gives the same sequence on every run, so a failure can be replayed. */
static inline uint32_t test_lcg_next(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed;
}
/* `length` bytes drawn from test_lcg_next(seed) (bits 16-23 of each state), in a block
 * from malloc of at least one byte, for the caller to free; fails the test if memory runs out. */
uint8_t *test_random_bytes(size_t length, uint32_t seed);

struct iovec;
/* The body of a test sink's writev: appends the iovecs to *bytes (grown with realloc;
 * *length bytes used of *capacity), at most max_per_call bytes in all (0: everything),
 * stopping after the first iovec it takes only part of, as a short write does.  Returns
 * the bytes accepted; fails the test if memory runs out. */
size_t test_sink_append(uint8_t **bytes, size_t *length, size_t *capacity, size_t max_per_call,
                        const struct iovec *iov, int iovcnt);

/* Runs body(context) in a child process, which ends with _exit(body's return value): no
 * atexit handlers run, so no leak check of what the child leaves behind.  Returns the
 * child's wait status; its stderr is captured into err_text (NUL-terminated). */
int test_run_in_child(int (*body)(const void *context), const void *context, char *err_text,
                      size_t err_capacity);
/* True if the child exited normally with `code`. */
bool test_exited_with(int wait_status, int code);

/* "c3a9" -> {0xc3, 0xa9} into out (room for strlen(hex)/2 bytes); returns the byte count.
 * A malformed test vector fails the test. */
size_t test_hex_to_bytes(const char *hex, uint8_t *out);
/* bytes -> lowercase hex into out (room for 2 * length + 1). */
void test_bytes_to_hex(const uint8_t *bytes, size_t length, char *out);

#endif
