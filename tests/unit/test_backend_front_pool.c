/* test_backend_front_pool.c — pool's front: slices through its misses, slab's classes above.
 *
 * Pool's front (backend_pool.c, "The front") is the front of the slab instance it owns with
 * two classes of its own, both of capacity 0: the slice class (requests below
 * pool_size / 2 - 7) and the edge class (the 8-byte table entry holding pool_size / 2).
 * Properties, on the smallest (4 KiB), the default (8 KiB) and the largest (1 MiB) pools:
 *   - a request below pool_size / 2 is a slice, never cached: consecutive slices lie side
 *     by side in one chunk, pool_size / 2 - 8 and pool_size / 2 - 1 included, and a freed
 *     slice leaves no block on any stack;
 *   - the request of exactly pool_size / 2 is not a slice (as in Node): it takes no room in
 *     the chunk, and its block comes back for the next such request (slab's stack of its
 *     class, reached from the edge class's misses), as does one byte more (slab's class);
 *   - a chunk goes back when its last slice is freed, through the front's free of a slice
 *     of a chunk that is no longer the current one: the next chunk the heap needs is that
 *     one, and bytes_os does not grow;
 *   - the slice path's chunk restarts in place once every slice is back (the pair path
 *     keeps slicing the same bytes).
 * The model, the miss paths of every class and close over pool: test_backend_front.c;
 * a second thread: test_backend_front_threads.c.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "backends/backend_testing.h"
#include "buf_backend.h"
#include "test_support.h"

static buf_backend_t *open_pool_with_front(const char *spec)
{
    buf_backend_t *backend = test_open_backend(spec);
    if (mem_annotating()) {
        cr_assert(!backend_front_is_on(backend), "an annotated build must not get %s's front", spec);
        buf_backend_close(backend);
        cr_skip_test("blocks are annotated in this build: pool publishes no front");
    }
    cr_assert(backend_front_is_on(backend), "%s publishes its front", spec);
    return backend;
}

static const struct {
    const char *spec;
    size_t pool_size;
} pools[] = {{"pool:4096", 4096}, {"pool", 8192}, {"pool:1048576", (size_t)1 << 20}};
#define POOL_COUNT (sizeof pools / sizeof pools[0])

static size_t slice_step(size_t size) { return (size + 15) & ~(size_t)15; } /* default alignment */

/* A fresh instance: a 16-byte slice starts its chunk, then `size` must follow it, then
 * another 16-byte slice: all three side by side, none cached once freed. */
static void check_slice_side_by_side(const char *spec, size_t size)
{
    buf_backend_t *backend = open_pool_with_front(spec);
    uint8_t *first = buf_backend_alloc(backend, 16, 0, NULL);
    uint8_t *middle = buf_backend_alloc(backend, size, 0, NULL);
    uint8_t *last = buf_backend_alloc(backend, 16, 0, NULL);
    cr_assert(first && middle && last);
    cr_assert_eq(middle, first + 16, "%s: a slice of %zu at %p, not after %p", spec, size, (void *)middle,
                 (void *)first);
    cr_assert_eq(last, middle + slice_step(size), "%s: the slice after %zu bytes at %p, not %p", spec, size,
                 (void *)last, (void *)(middle + slice_step(size)));
    memset(middle, 0x3c, size);
    cr_assert_eq(backend_front_capacity(backend, size), 0, "%s: %zu is a slice: a class never cached", spec, size);
    buf_backend_free(backend, middle, size, 0);
    cr_assert_eq(backend_front_held(backend, size), 0, "%s: a freed slice of %zu was cached", spec, size);
    buf_backend_free(backend, first, 16, 0);
    buf_backend_free(backend, last, 16, 0);
    test_close_backend_clean(backend);
}

Test(backend_front_pool, requests_below_half_the_pool_are_slices_side_by_side)
{
    for (size_t p = 0; p < POOL_COUNT; p++) {
        size_t half = pools[p].pool_size / 2;
        size_t sizes[] = {1, 64, 1000, half - 8, half - 7, half - 1};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            if (sizes[i] <= BUF_BACKEND_FRONT_MAX && sizes[i] + 32 <= pools[p].pool_size)
                check_slice_side_by_side(pools[p].spec, sizes[i]);
    }
}

/* pool_size / 2 and one byte more are slab's blocks: no room taken in the chunk, and a
 * freed one serves the next request of its size. */
static void check_not_a_slice(const char *spec, size_t size)
{
    buf_backend_t *backend = open_pool_with_front(spec);
    uint8_t *first = buf_backend_alloc(backend, 16, 0, NULL);
    uint8_t *block = buf_backend_alloc(backend, size, 0, NULL);
    uint8_t *next = buf_backend_alloc(backend, 16, 0, NULL);
    cr_assert(first && block && next);
    cr_assert_eq(next, first + 16, "%s: the request of %zu took room in the chunk", spec, size);
    memset(block, 0x6b, size);
    buf_backend_free(backend, block, size, 0);
    uint8_t *again = buf_backend_alloc(backend, size, 0, NULL);
    cr_assert_eq(again, block, "%s: the freed block of %zu did not serve the next request", spec, size);
    buf_backend_free(backend, again, size, 0);
    buf_backend_free(backend, first, 16, 0);
    buf_backend_free(backend, next, 16, 0);
    test_close_backend_clean(backend);
}

Test(backend_front_pool, half_the_pool_and_above_are_slabs_blocks)
{
    for (size_t p = 0; p < POOL_COUNT; p++) {
        size_t half = pools[p].pool_size / 2;
        size_t sizes[] = {half, half + 1, half + 8, half + 9};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            check_not_a_slice(pools[p].spec, sizes[i]);
    }
}

/* Slab's classes above pool_size / 2 are cached as slab's are: a freed block sits on its
 * class's stack; below, nothing is (every class of the front, one size each). */
Test(backend_front_pool, slabs_classes_above_half_the_pool_are_cached_slices_never)
{
    for (size_t p = 0; p < POOL_COUNT; p++) {
        buf_backend_t *backend = open_pool_with_front(pools[p].spec);
        size_t half = pools[p].pool_size / 2;
        for (size_t size = 8; size <= BUF_BACKEND_FRONT_MAX; size += size < 4096 ? 8 : 256) {
            /* The edge class's entry (half - 7 .. half): its stack is the edge class's own,
             * empty; pool_size / 2 itself sits on slab's stack of its class. */
            bool edge_entry = size > half - 8 && size <= half;
            /* A cached class holds one block after the free: the alloc popped the one a
             * smaller size of the class left, if any, and the free pushed it back. */
            size_t expected = size <= half - 8 || edge_entry ? 0 : 1;
            void *block = buf_backend_alloc(backend, size, 0, NULL);
            cr_assert_not_null(block);
            buf_backend_free(backend, block, size, 0);
            cr_assert_eq(backend_front_held(backend, size), expected, "%s: %zu bytes: %zu cached, expected %zu",
                         pools[p].spec, size, backend_front_held(backend, size), expected);
            cr_assert_eq(backend_front_capacity(backend, size) != 0, expected != 0, "%s: %zu bytes: capacity %zu",
                         pools[p].spec, size, backend_front_capacity(backend, size));
        }
        test_close_backend_clean(backend);
    }
}

/* 4 KiB chunks, slices of 1000 bytes (1008 with the alignment): 4 per chunk.  Chunk A
 * full, one slice of chunk B; A's four freed (A is no longer current: the frees reach its
 * atomic count, and the last one gives A back); B filled: the next slice opens A again,
 * from its start, with no new memory. */
Test(backend_front_pool, a_chunk_goes_back_when_its_last_slice_is_freed)
{
    buf_backend_t *backend = open_pool_with_front("pool:4096");
    enum { PER_CHUNK = 4 };
    const size_t size = 1000, step = 1008;
    uint8_t *chunk_a[PER_CHUNK], *chunk_b[PER_CHUNK];
    for (int i = 0; i < PER_CHUNK; i++) {
        chunk_a[i] = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_eq(chunk_a[i], chunk_a[0] + i * step, "slice %d of chunk A", i);
    }
    chunk_b[0] = buf_backend_alloc(backend, size, 0, NULL);
    cr_assert_eq((uintptr_t)chunk_b[0] % 4096, 0, "a fifth slice starts a chunk");
    buf_backend_stats_t before, after;
    buf_backend_get_stats(backend, &before);
    for (int i = 0; i < PER_CHUNK; i++) {
        buf_backend_free(backend, chunk_a[i], size, 0);
        cr_assert_eq(backend_front_held(backend, size), 0, "a slice was cached");
    }
    for (int i = 1; i < PER_CHUNK; i++) {
        chunk_b[i] = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_eq(chunk_b[i], chunk_b[0] + i * step, "slice %d of chunk B: %p", i, (void *)chunk_b[i]);
    }
    uint8_t *reopened = buf_backend_alloc(backend, size, 0, NULL);
    cr_assert_eq(reopened, chunk_a[0], "the next chunk is A, given back by its last slice: %p, expected %p",
                 (void *)reopened, (void *)chunk_a[0]);
    buf_backend_get_stats(backend, &after);
    cr_assert_eq(after.bytes_os, before.bytes_os, "bytes_os %llu -> %llu: a new chunk", (unsigned long long)before.bytes_os,
                 (unsigned long long)after.bytes_os);
    test_figures_t model = {.live = (PER_CHUNK + 1) * size, .peak = (PER_CHUNK + 1) * size,
                            .allocs = 2 * PER_CHUNK + 1, .frees = PER_CHUNK};
    test_expect_figures(backend, &model, 0);
    for (int i = 0; i < PER_CHUNK; i++)
        buf_backend_free(backend, chunk_b[i], size, 0);
    buf_backend_free(backend, reopened, size, 0);
    test_close_backend_clean(backend);
}

/* The pair path: once every slice of the current chunk is back, the next slice starts the
 * chunk over (the same bytes, alloc-free pairs stay in one cache-warm place); a slice still
 * out keeps the offset moving. */
Test(backend_front_pool, the_current_chunk_starts_over_when_every_slice_is_back)
{
    for (size_t p = 0; p < POOL_COUNT; p++) {
        buf_backend_t *backend = open_pool_with_front(pools[p].spec);
        uint8_t *first = buf_backend_alloc(backend, 64, 0, NULL);
        for (int round = 0; round < 3; round++) {
            buf_backend_free(backend, first, 64, 0);
            uint8_t *again = buf_backend_alloc(backend, 64, 0, NULL);
            cr_assert_eq(again, first, "%s round %d: the chunk did not start over", pools[p].spec, round);
        }
        uint8_t *second = buf_backend_alloc(backend, 64, 0, NULL);
        cr_assert_eq(second, first + 64);
        buf_backend_free(backend, second, 64, 0);
        uint8_t *third = buf_backend_alloc(backend, 64, 0, NULL);
        cr_assert_eq(third, first + 128, "%s: a slice still out, the offset moves on", pools[p].spec);
        buf_backend_free(backend, third, 64, 0);
        buf_backend_free(backend, first, 64, 0);
        test_close_backend_clean(backend);
    }
}
