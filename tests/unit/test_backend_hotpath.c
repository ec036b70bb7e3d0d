/* test_backend_hotpath.c — the inlined fast path keeps the figures exact, every way it can go.
 *
 * buf_backend.h ("The inlined fast path") keeps an owner's live and peak bytes as one hot
 * word, room = mark - net, with an out-of-line call when room goes below zero (a new
 * peak), calls malloc's libc entry points directly, and opens each instance in pages of
 * its own.  These tests drive every backend and variant through sequences that cross the
 * mark again and again — inline, through the general path (another alignment, size 0) and
 * mixed — and compare every figure with a model after every operation:
 *   - live bytes, peak, allocs, frees exact after each step;
 *   - size 0 through the plain entry points (malloc) and through the general path;
 *   - a decorator never takes the plain path (fail(1,1):malloc fails every allocation);
 *   - opening an instance takes nothing from the malloc heap (glibc's path for later
 *     large blocks depended on it: alloc_pair/malloc/4096 against baseline_malloc/4096).
 */
#include <criterion/criterion.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf_backend.h"
#include "test_support.h"

/* ---- Live blocks ------------------------------------------------------------------------ */
#define LIVE_MAX 64

typedef struct {
    void *block;
    size_t size, align;
} live_block_t;

/* Runs `steps` random operations on one instance: allocations of 0 .. 5000 bytes with the
 * default alignment (inline) or 64 (general), frees of a random live block, in runs that
 * rise and fall so that the mark is crossed and left many times; checks the figures after
 * each step.  Failed allocations (fail(...) specs) must leave the figures as they were. */
static void run_rises_and_falls(const char *spec, uint32_t seed, int steps)
{
    buf_backend_t *backend = test_open_backend(spec);
    live_block_t live[LIVE_MAX];
    size_t live_count = 0;
    test_figures_t model = {0};
    for (int step = 0; step < steps; step++) {
        uint32_t r = test_lcg_next(&seed);
        /* Phases of 64 steps: mostly allocating, then mostly freeing. */
        bool rising = (step / 64) % 2 == 0;
        bool allocate = live_count == 0 || (live_count < LIVE_MAX && (r % 4 != 0) == rising);
        if (allocate) {
            size_t size = (r >> 8) % 5001;
            if ((r >> 4) % 7 == 0)
                size = 0;
            size_t align = (r >> 12) % 5 == 0 ? 64 : 0;
            buf_status_t status = BUF_EINVAL;
            void *block = buf_backend_alloc(backend, size, align, &status);
            if (!block) {
                cr_assert(test_spec_injects_failures(spec), "%s step %d: alloc(%zu) failed", spec, step, size);
                cr_assert_eq(status, BUF_ENOMEM);
            } else {
                cr_assert_eq(status, BUF_OK);
                if (size)
                    memset(block, 0xA5, size);
                live[live_count++] = (live_block_t){block, size, align};
                test_figures_alloc(&model, size, 1);
            }
        } else {
            size_t at = (r >> 8) % live_count;
            buf_backend_free(backend, live[at].block, live[at].size, live[at].align);
            test_figures_free(&model, live[at].size, 1);
            live[at] = live[--live_count];
        }
        test_expect_figures(backend, &model, step);
    }
    while (live_count) {
        live_count--;
        buf_backend_free(backend, live[live_count].block, live[live_count].size, live[live_count].align);
        model.live -= live[live_count].size;
        model.frees++;
    }
    test_expect_figures(backend, &model, steps);
    test_close_backend_clean(backend);
}

Test(backend_hotpath, peak_and_live_exact_across_the_mark_every_backend)
{
    for (size_t i = 0; i < test_backend_spec_count(); i++)
        run_rises_and_falls(test_backend_spec(i), 12345u + (uint32_t)i, 1500);
}

/* Pair after pair at one size: the first allocation is the peak, every later one lands
 * exactly on the mark (room 0 after the subtract: not below zero, so no new peak). */
Test(backend_hotpath, pairs_at_the_mark_keep_the_peak)
{
    for (size_t i = 0; i < buf_backend_count(); i++) {
        const char *spec = buf_backend_at(i)->props.name;
        buf_backend_t *backend = test_open_backend(spec);
        for (int pair = 0; pair < 100; pair++) {
            void *block = buf_backend_alloc(backend, 96, 0, NULL);
            cr_assert_not_null(block, "%s", spec);
            buf_backend_free(backend, block, 96, 0);
        }
        /* One byte more than the mark: a new peak. */
        void *bigger = buf_backend_alloc(backend, 97, 0, NULL);
        cr_assert_not_null(bigger);
        test_figures_t model = {.live = 97, .peak = 97, .allocs = 101, .frees = 100};
        test_expect_figures(backend, &model, 0);
        /* Below the peak again, then two blocks that together pass it. */
        buf_backend_free(backend, bigger, 97, 0);
        void *first = buf_backend_alloc(backend, 60, 0, NULL);
        void *second = buf_backend_alloc(backend, 60, 0, NULL);
        cr_assert(first && second);
        model = (test_figures_t){.live = 120, .peak = 120, .allocs = 103, .frees = 101};
        test_expect_figures(backend, &model, 1);
        buf_backend_free(backend, first, 60, 0);
        buf_backend_free(backend, second, 60, 0);
        test_close_backend_clean(backend);
    }
}

/* Size 0: the general path allocates (a unique block); the free goes through malloc's
 * plain entry point inline, or the general path for the others.  Counted, 0 bytes. */
Test(backend_hotpath, size_zero_blocks_counted_on_every_path)
{
    for (size_t i = 0; i < buf_backend_count(); i++) {
        const char *spec = buf_backend_at(i)->props.name;
        buf_backend_t *backend = test_open_backend(spec);
        void *zero = buf_backend_alloc(backend, 0, 0, NULL);
        void *other_zero = buf_backend_alloc(backend, 0, 0, NULL);
        void *small = buf_backend_alloc(backend, 10, 0, NULL);
        cr_assert(zero && other_zero && small, "%s", spec);
        cr_expect_neq(zero, other_zero, "%s: size-0 blocks are unique", spec);
        test_figures_t model = {.live = 10, .peak = 10, .allocs = 3, .frees = 0};
        test_expect_figures(backend, &model, 0);
        buf_backend_free(backend, zero, 0, 0);
        buf_backend_free(backend, other_zero, 0, 16);
        model.frees = 2;
        test_expect_figures(backend, &model, 1);
        buf_backend_free(backend, small, 10, 0);
        test_close_backend_clean(backend);
    }
}

/* A decorator publishes no plain entry points, so its inner malloc is never called
 * around it: with P = 1 every allocation fails, inline or not. */
Test(backend_hotpath, decorator_never_takes_the_plain_path)
{
    buf_backend_t *backend = test_open_backend("fail(1,1):malloc");
    for (int i = 0; i < 10; i++) {
        buf_status_t status = BUF_OK;
        cr_expect_null(buf_backend_alloc(backend, 64, 0, &status));
        cr_expect_eq(status, BUF_ENOMEM);
    }
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_expect_eq(stats.failures, 10);
    cr_expect_eq(stats.allocs, 0);
    test_close_backend_clean(backend);
}

/* Opening and closing an instance leaves the malloc heap as it was: the instance lives in
 * pages of its own.  (mallinfo2 under ASan is not glibc's: the check is for the plain
 * build, where the figures are real.) */
Test(backend_hotpath, an_open_instance_takes_nothing_from_the_malloc_heap)
{
    struct mallinfo2 before = mallinfo2();
    buf_backend_t *backend = test_open_backend("malloc");
    struct mallinfo2 open = mallinfo2();
    cr_expect_eq(open.uordblks, before.uordblks, "opening malloc took %zu bytes of the heap",
                 open.uordblks - before.uordblks);
    test_close_backend_clean(backend);
}
