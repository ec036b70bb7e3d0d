/* test_backend_stats_threads.c — the shared statistics stay exact with several threads.
 *
 * The framework keeps counts and live bytes in per-thread slots merged when read
 * (impls/backends/backend_stats.h).  These tests hold it to what that header promises, for
 * every backend and variant:
 *   - allocs, frees, failures and bytes_live equal the true figures once the threads are
 *     joined, with blocks freed on other threads than the allocating one, and threads that
 *     have exited (their slots must still count);
 *   - bytes_peak is exact for one thread, and for several threads that take turns (each
 *     operation ordered before the next), cross-thread frees included, also when a
 *     second thread starts using an instance its first thread counted inline;
 *   - close reports exactly the blocks still outstanding, including blocks allocated by
 *     threads that have exited, and releases the rest (the ASan and valgrind stages catch a
 *     block or heap left behind).
 * Suites are named threads_* so that `make test` also runs them under ThreadSanitizer.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf_backend.h"
#include "test_support.h"

#define WORKERS 3
#define BLOCKS_PER_WORKER 2000

/* ---- Exact counts with cross-thread frees --------------------------------------------- */
/* Each worker allocates BLOCKS_PER_WORKER blocks into its own row of `blocks`, frees
 * every third one itself, and after a barrier frees every third block of the NEXT
 * worker's row (a cross-thread free).  The rest stay live for the main thread to check and
 * free.  Each worker counts what it did in its own figures; the test sums them. */
typedef struct {
    buf_backend_t *backend;
    pthread_barrier_t *barrier;
    void **blocks;          /* WORKERS x BLOCKS_PER_WORKER, NULL once freed or failed */
    size_t *sizes;
    int index;
    uint64_t allocs, frees, failures, bytes_allocated, bytes_freed;
} worker_t;

static size_t block_size(int worker, int i)
{
    /* Small blocks for every size class, and every 97th above 64 KiB (the large paths). */
    return (size_t)((i * 131 + worker * 17) % 3000) + (i % 97 == 0 ? 70000 : 0);
}

static void worker_free(worker_t *w, int row, int i)
{
    size_t at = (size_t)row * BLOCKS_PER_WORKER + (size_t)i;
    if (!w->blocks[at])
        return;
    buf_backend_free(w->backend, w->blocks[at], w->sizes[at], 0);
    w->blocks[at] = NULL;
    w->frees++;
    w->bytes_freed += w->sizes[at];
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    for (int i = 0; i < BLOCKS_PER_WORKER; i++) {
        size_t at = (size_t)w->index * BLOCKS_PER_WORKER + (size_t)i;
        w->sizes[at] = block_size(w->index, i);
        w->blocks[at] = buf_backend_alloc(w->backend, w->sizes[at], 0, NULL);
        if (!w->blocks[at]) {
            w->failures++;
            continue;
        }
        w->allocs++;
        w->bytes_allocated += w->sizes[at];
        if (i % 3 == 0)
            worker_free(w, w->index, i);
    }
    pthread_barrier_wait(w->barrier);
    int next = (w->index + 1) % WORKERS;
    for (int i = 1; i < BLOCKS_PER_WORKER; i += 3)
        worker_free(w, next, i);
    return NULL;
}

Test(threads_backend_stats, counts_and_live_bytes_exact_with_cross_thread_frees)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        void **blocks = calloc(WORKERS * BLOCKS_PER_WORKER, sizeof *blocks);
        size_t *sizes = calloc(WORKERS * BLOCKS_PER_WORKER, sizeof *sizes);
        cr_assert(blocks && sizes, "out of memory for the block table");
        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, WORKERS);
        worker_t workers[WORKERS];
        pthread_t threads[WORKERS];
        for (int t = 0; t < WORKERS; t++) {
            workers[t] = (worker_t){.backend = backend, .barrier = &barrier, .blocks = blocks, .sizes = sizes, .index = t};
            pthread_create(&threads[t], NULL, worker_main, &workers[t]);
        }
        for (int t = 0; t < WORKERS; t++)
            pthread_join(threads[t], NULL);
        pthread_barrier_destroy(&barrier);

        uint64_t allocs = 0, frees = 0, failures = 0, live = 0;
        for (int t = 0; t < WORKERS; t++) {
            allocs += workers[t].allocs;
            frees += workers[t].frees;
            failures += workers[t].failures;
            live += workers[t].bytes_allocated - workers[t].bytes_freed;
        }
        if (!test_spec_injects_failures(spec))
            cr_assert_eq(failures, 0, "%s", spec);
        /* The workers have exited: their slots must still count. */
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.allocs, allocs, "%s: allocs %lu, true %lu", spec, (unsigned long)stats.allocs,
                     (unsigned long)allocs);
        cr_assert_eq(stats.frees, frees, "%s: frees %lu, true %lu", spec, (unsigned long)stats.frees,
                     (unsigned long)frees);
        cr_assert_eq(stats.failures, failures, "%s", spec);
        cr_assert_eq(stats.bytes_live, live, "%s: live %lu, true %lu", spec, (unsigned long)stats.bytes_live,
                     (unsigned long)live);
        cr_assert_geq(stats.bytes_peak, stats.bytes_live, "%s", spec);

        /* The main thread (a fourth thread) frees the rest: every figure comes back even. */
        worker_t main_thread = {.backend = backend, .blocks = blocks, .sizes = sizes};
        for (int row = 0; row < WORKERS; row++)
            for (int i = 0; i < BLOCKS_PER_WORKER; i++)
                worker_free(&main_thread, row, i);
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.frees, stats.allocs, "%s", spec);
        cr_assert_eq(stats.bytes_live, 0, "%s", spec);
        test_close_backend_clean(backend);
        free(blocks);
        free(sizes);
    }
}

/* ---- Peak live bytes ------------------------------------------------------------------ */
Test(threads_backend_stats, peak_exact_for_one_thread)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue; /* a failed allocation would change the true peak */
        buf_backend_t *backend = test_open_backend(spec);
        /* Live bytes climb to 1000+2000+3000 = 6000, fall to 1000, climb to 1000+4000 =
         * 5000: the peak is 6000, not the last high nor the sum of all sizes. */
        void *a = buf_backend_alloc(backend, 1000, 0, NULL), *b = buf_backend_alloc(backend, 2000, 0, NULL);
        void *c = buf_backend_alloc(backend, 3000, 0, NULL);
        buf_backend_free(backend, b, 2000, 0);
        buf_backend_free(backend, c, 3000, 0);
        void *d = buf_backend_alloc(backend, 4000, 0, NULL);
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.bytes_peak, 6000, "%s: peak %lu", spec, (unsigned long)stats.bytes_peak);
        cr_assert_eq(stats.bytes_live, 5000, "%s", spec);
        buf_backend_free(backend, a, 1000, 0);
        buf_backend_free(backend, d, 4000, 0);
        test_close_backend_clean(backend);
    }
}

/* Thread A allocates blocks that thread B frees, round after round, while B also holds a
 * block of its own for a moment; barriers make them take turns.  A's own net bytes only
 * grow (it never frees) and B's go negative, so no per-thread figure alone gives the
 * peak: the instance's live bytes peak at one handed block plus one held block. */
#define HANDOFF_ROUNDS 50
#define HANDOFF_SIZE 300
#define HELD_SIZE 5000

typedef struct {
    buf_backend_t *backend;
    pthread_barrier_t *barrier;
    void *handed[HANDOFF_ROUNDS];
} peak_case_t;

static void *peak_producer(void *arg)
{
    peak_case_t *p = arg;
    for (int round = 0; round < HANDOFF_ROUNDS; round++) {
        p->handed[round] = buf_backend_alloc(p->backend, HANDOFF_SIZE, 0, NULL);
        pthread_barrier_wait(p->barrier); /* handed over */
        pthread_barrier_wait(p->barrier); /* freed by the consumer */
    }
    return NULL;
}

static void *peak_consumer(void *arg)
{
    peak_case_t *p = arg;
    for (int round = 0; round < HANDOFF_ROUNDS; round++) {
        pthread_barrier_wait(p->barrier);
        void *held = buf_backend_alloc(p->backend, HELD_SIZE, 0, NULL);
        buf_backend_free(p->backend, p->handed[round], HANDOFF_SIZE, 0);
        buf_backend_free(p->backend, held, HELD_SIZE, 0);
        pthread_barrier_wait(p->barrier);
    }
    return NULL;
}

Test(threads_backend_stats, peak_exact_when_threads_take_turns)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue;
        peak_case_t p = {.backend = test_open_backend(spec)};
        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, 2);
        p.barrier = &barrier;
        pthread_t producer, consumer;
        pthread_create(&producer, NULL, peak_producer, &p);
        pthread_create(&consumer, NULL, peak_consumer, &p);
        pthread_join(producer, NULL);
        pthread_join(consumer, NULL);
        pthread_barrier_destroy(&barrier);
        buf_backend_stats_t stats;
        buf_backend_get_stats(p.backend, &stats);
        const uint64_t true_peak = HANDOFF_SIZE + HELD_SIZE;
        cr_assert_eq(stats.bytes_peak, true_peak, "%s: peak %lu, true %lu", spec, (unsigned long)stats.bytes_peak,
                     (unsigned long)true_peak);
        cr_assert_eq(stats.bytes_live, 0, "%s", spec);
        test_close_backend_clean(p.backend);
    }
}

/* The first thread to use an instance counts inline in the instance's own slot, and
 * figures its peak from that slot alone while no other thread has used the instance
 * (buf_backend.h, "The inlined fast path").  Once a second thread holds a block, the
 * owner's next allocation must see the instance's live bytes, not only its own: here the
 * owner holds 1000 bytes, a second thread allocates 5000 and exits holding them, and the
 * owner's 2000 more take the instance to 8000 — a peak neither thread's own bytes show. */
#define OWNER_FIRST 1000
#define JOINER_HELD 5000
#define OWNER_SECOND 2000

typedef struct {
    buf_backend_t *backend;
    void *held;
} joiner_t;

static void *joiner_main(void *arg)
{
    joiner_t *j = arg;
    j->held = buf_backend_alloc(j->backend, JOINER_HELD, 0, NULL);
    return NULL;
}

Test(threads_backend_stats, peak_exact_when_a_second_thread_joins_the_owner)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue;
        buf_backend_t *backend = test_open_backend(spec);
        void *first = buf_backend_alloc(backend, OWNER_FIRST, 0, NULL);
        joiner_t joiner = {.backend = backend};
        pthread_t thread;
        pthread_create(&thread, NULL, joiner_main, &joiner);
        pthread_join(thread, NULL);
        void *second = buf_backend_alloc(backend, OWNER_SECOND, 0, NULL);
        cr_assert(first && joiner.held && second, "%s", spec);
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        const uint64_t true_peak = OWNER_FIRST + JOINER_HELD + OWNER_SECOND;
        cr_assert_eq(stats.bytes_peak, true_peak, "%s: peak %lu, true %lu", spec, (unsigned long)stats.bytes_peak,
                     (unsigned long)true_peak);
        cr_assert_eq(stats.bytes_live, true_peak, "%s", spec);
        /* The owner frees all three, the joiner's block included (a cross-thread free). */
        buf_backend_free(backend, first, OWNER_FIRST, 0);
        buf_backend_free(backend, joiner.held, JOINER_HELD, 0);
        buf_backend_free(backend, second, OWNER_SECOND, 0);
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.allocs, 3, "%s", spec);
        cr_assert_eq(stats.frees, 3, "%s", spec);
        cr_assert_eq(stats.bytes_live, 0, "%s", spec);
        cr_assert_eq(stats.bytes_peak, true_peak, "%s", spec);
        test_close_backend_clean(backend);
    }
}

/* ---- Close after the allocating threads have exited ----------------------------------- */
#define EXITED_BLOCKS 500
#define KEPT_BLOCKS 7

typedef struct {
    buf_backend_t *backend;
    void *blocks[EXITED_BLOCKS];
} exited_case_t;

static size_t exited_size(int i)
{
    /* Every fifth block is ~20 KB: a medium slab class on multi-unit slabs (pool hands it
     * to its slab: pool from 4 KiB), so the exited thread's heap also holds those slabs. */
    return i % 5 == 0 ? (size_t)20000 + (size_t)i : (size_t)(i * 53 % 4000) + 1;
}

static void *allocate_and_exit(void *arg)
{
    exited_case_t *e = arg;
    for (int i = 0; i < EXITED_BLOCKS; i++)
        e->blocks[i] = buf_backend_alloc(e->backend, exited_size(i), 0, NULL);
    /* Free half on this thread, so its heap holds free blocks and partly used slabs or
     * chunks when it exits. */
    for (int i = 0; i < EXITED_BLOCKS; i += 2) {
        buf_backend_free(e->backend, e->blocks[i], exited_size(i), 0);
        e->blocks[i] = NULL;
    }
    return NULL;
}

Test(threads_backend_stats, close_counts_blocks_of_exited_threads)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue;
        exited_case_t e = {.backend = test_open_backend(spec)};
        pthread_t thread;
        pthread_create(&thread, NULL, allocate_and_exit, &e);
        pthread_join(thread, NULL);
        /* Now free the other half here, a cross-thread free into an exited thread's heap,
         * keeping KEPT_BLOCKS for close to find. */
        buf_backend_props_t props;
        buf_backend_get_props(e.backend, &props);
        size_t kept = props.close_releases_blocks ? KEPT_BLOCKS : 0;
        size_t left = 0;
        for (int i = 1; i < EXITED_BLOCKS; i += 2) {
            cr_assert(e.blocks[i] != NULL, "%s", spec);
            if (left < kept) {
                left++;
                continue;
            }
            buf_backend_free(e.backend, e.blocks[i], exited_size(i), 0);
        }
        size_t outstanding = buf_backend_close_report(e.backend, NULL);
        cr_assert_eq(outstanding, kept, "%s: close found %zu outstanding blocks, %zu were left", spec,
                     outstanding, kept);
    }
}

/* ---- Large blocks reused across classes ------------------------------------------------ */
/* A freed large mapping may serve a later request of a smaller class (large_cache.h), and
 * free must still find its header from the (size, align) it is given.  Sizes (1.16-1.61 MB,
 * above slab's 1 MiB runs, so the large path) step down through neighbouring classes
 * (128 KiB apart there) so each request can take the mapping the previous one left; the
 * contents written last must read back, and close must find nothing. */
Test(backend_large, freed_mappings_serve_smaller_classes)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue;
        buf_backend_t *backend = test_open_backend(spec);
        /* Hold five blocks so each class's free list holds several mappings. */
        uint8_t *held[5];
        for (int round = 0; round < 12; round++) {
            size_t size = (size_t)1600000 - (size_t)round * 40000;
            for (int k = 0; k < 5; k++) {
                held[k] = buf_backend_alloc(backend, size + (size_t)k * 3000, 0, NULL);
                cr_assert(held[k] != NULL, "%s", spec);
                memset(held[k], round + k, size + (size_t)k * 3000);
            }
            for (int k = 0; k < 5; k++) {
                size_t length = size + (size_t)k * 3000;
                cr_assert_eq(held[k][0], (uint8_t)(round + k), "%s", spec);
                cr_assert_eq(held[k][length - 1], (uint8_t)(round + k), "%s", spec);
                buf_backend_free(backend, held[k], length, 0);
            }
        }
        test_close_backend_clean(backend);
    }
}
