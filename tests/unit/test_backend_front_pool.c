/* test_backend_front_pool.c — pool's front: cached slices, slab's classes above.
 *
 * Pool's front (pool_front.c, "The front") is the front of the slab instance it owns with
 * classes of its own: one per slice class (a slice takes its class's size, its "cut":
 * 16-byte steps up to 512 bytes, then 32 classes per doubling), the smallest of them each a
 * stack of one slice, one class of capacity 0 for the larger slices, and the edge entry
 * (the 8-byte table entry holding pool_size / 2), whose stack is slab's of its class, of at
 * most four blocks of either kind.
 * Properties, on the smallest (4 KiB), the default (8 KiB) and the largest (1 MiB) pools:
 *   - a request below pool_size / 2 is a slice: consecutive slices lie side by side in one
 *     chunk, each its class's cut long, pool_size / 2 - 8 and pool_size / 2 - 1 included;
 *   - a freed slice of a cached class sits on its class's stack and serves the next request
 *     of the class, the class's largest request included, without touching the slice
 *     after it;
 *   - the edge entry's stack holds slices and slab's blocks of pool_size / 2 side by side
 *     and serves any request of the entry with either; a free of either kind past the
 *     full stack, and close, reach the right owner (told apart by the block's address);
 *   - only as many classes are cached as chunks fit in 1 MiB (each cached slice may keep
 *     its chunk): every slice class with 4 and 8 KiB chunks, one with 1 MiB;
 *   - the request of exactly pool_size / 2 is not a slice (as in Node): it takes no room in
 *     the chunk, and its block comes back for the next such request, as does one byte
 *     more (slab's class);
 *   - a chunk goes back when its last slice reaches the backend (a cached slice stays live
 *     to its chunk): the next chunk the heap needs is that one, and bytes_os does not grow;
 *   - the slice path's chunk restarts in place once every slice is back (the pair path of
 *     a class that is not cached, or of pool without its front, keeps slicing the same
 *     bytes).
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
    size_t cached_classes; /* 1 MiB of chunks / pool_size */
    size_t edge_capacity;  /* the edge entry's stack: slab's of its class, at most 4 blocks */
} pools[] = {{"pool:4096", 4096, 256, 4}, {"pool", 8192, 128, 4}, {"pool:1048576", (size_t)1 << 20, 1, 0}};
#define POOL_COUNT (sizeof pools / sizeof pools[0])

/* The bytes a slice of `size` takes: its class's size (16-byte steps up to 512, then 32
 * classes per doubling). */
static size_t slice_cut(size_t size)
{
    size_t step = 16;
    if (size > 512) {
        size_t power = 512;
        while (power * 2 < size)
            power *= 2;
        step = power / 32; /* size in (power, 2 power] */
    }
    return (size + step - 1) / step * step;
}

/* The slice classes in order of their cut: the class index of a slice of `size`. */
static size_t slice_class_index(size_t size)
{
    size_t index = 0;
    for (size_t cut = 16; cut < slice_cut(size); cut = slice_cut(cut + 1))
        index++;
    return index;
}

/* Whether a request of `size` is in the edge entry (pool_size / 2 - 7 .. pool_size / 2)
 * of the front's table. */
static bool in_edge_entry(size_t p, size_t size)
{
    size_t half = pools[p].pool_size / 2;
    return half <= BUF_BACKEND_FRONT_MAX && size > half - 8 && size <= half;
}

/* Whether a freed slice of `size` is cached by the pool: in one of the slice classes that
 * are, or in the edge entry (whose stack holds slices and slab's blocks). */
static bool slice_cached(size_t p, size_t size)
{
    if (in_edge_entry(p, size))
        return true;
    return size <= pools[p].pool_size / 2 - 8 && slice_class_index(size) < pools[p].cached_classes;
}

/* A fresh instance: a 16-byte slice starts its chunk, then `size` must follow it, then
 * another 16-byte slice after its cut: all three side by side.  Freed, the slice is cached
 * when its class is, and then serves the largest request of its class. */
static void check_slice_side_by_side(size_t p, size_t size)
{
    const char *spec = pools[p].spec;
    buf_backend_t *backend = open_pool_with_front(spec);
    uint8_t *first = buf_backend_alloc(backend, 16, 0, NULL);
    uint8_t *middle = buf_backend_alloc(backend, size, 0, NULL);
    uint8_t *last = buf_backend_alloc(backend, 16, 0, NULL);
    cr_assert(first && middle && last);
    cr_assert_eq(middle, first + 16, "%s: a slice of %zu at %p, not after %p", spec, size, (void *)middle,
                 (void *)first);
    cr_assert_eq(last, middle + slice_cut(size), "%s: the slice after %zu bytes at %p, not %p", spec, size,
                 (void *)last, (void *)(middle + slice_cut(size)));
    memset(last, 0x5a, 16);
    memset(middle, 0x3c, size);
    bool cached = slice_cached(p, size);
    size_t capacity = in_edge_entry(p, size) ? pools[p].edge_capacity : cached ? 1 : 0;
    cr_assert_eq(backend_front_capacity(backend, size), capacity, "%s: %zu: capacity %zu, expected %zu", spec, size,
                 backend_front_capacity(backend, size), capacity);
    buf_backend_free(backend, middle, size, 0);
    cr_assert_eq(backend_front_held(backend, size), cached ? 1 : 0, "%s: a freed slice of %zu: %zu cached", spec,
                 size, backend_front_held(backend, size));
    if (cached) {
        /* The class's largest request: the cut itself, the largest slice below the edge, or
         * in the edge entry pool_size / 2 itself. */
        size_t half = pools[p].pool_size / 2;
        size_t largest = in_edge_entry(p, size) ? half : slice_cut(size) < half - 8 ? slice_cut(size) : half - 8;
        uint8_t *again = buf_backend_alloc(backend, largest, 0, NULL);
        cr_assert_eq(again, middle, "%s: the cached slice of %zu did not serve a request of %zu", spec, size, largest);
        memset(again, 0x77, largest);
        for (size_t i = 0; i < 16; i++)
            cr_assert_eq(last[i], 0x5a, "%s: a request of %zu in a slice of %zu wrote into the next slice", spec,
                         largest, size);
        buf_backend_free(backend, again, largest, 0);
    }
    buf_backend_free(backend, first, 16, 0);
    buf_backend_free(backend, last, 16, 0);
    test_close_backend_clean(backend);
}

Test(backend_front_pool, requests_below_half_the_pool_are_slices_side_by_side)
{
    for (size_t p = 0; p < POOL_COUNT; p++) {
        size_t half = pools[p].pool_size / 2;
        size_t sizes[] = {1, 17, 64, 500, 513, 1000, 1100, 2049, 3000, half - 8, half - 7, half - 1};
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            if (sizes[i] <= BUF_BACKEND_FRONT_MAX && sizes[i] < half)
                check_slice_side_by_side(p, sizes[i]);
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

/* Every 8-byte entry of the front's table (every 256 bytes above 4 KiB): what a free leaves
 * on the stack.  Slab's classes above pool_size / 2 hold the block as slab's do; the slice
 * classes hold the slice when they are cached; the edge entry holds whichever it was. */
Test(backend_front_pool, cached_slices_and_slabs_classes_by_request_size)
{
    for (size_t p = 0; p < POOL_COUNT; p++) {
        buf_backend_t *backend = open_pool_with_front(pools[p].spec);
        size_t half = pools[p].pool_size / 2;
        for (size_t size = 8; size <= BUF_BACKEND_FRONT_MAX; size += size < 4096 ? 8 : 256) {
            /* A cached class holds one block after the free: the alloc popped the one a
             * smaller size of the class left, if any, and the free pushed it back. */
            size_t expected = size > half ? 1 : slice_cached(p, size) ? 1 : 0;
            void *block = buf_backend_alloc(backend, size, 0, NULL);
            cr_assert_not_null(block);
            memset(block, 0x11, size);
            buf_backend_free(backend, block, size, 0);
            cr_assert_eq(backend_front_held(backend, size), expected, "%s: %zu bytes: %zu cached, expected %zu",
                         pools[p].spec, size, backend_front_held(backend, size), expected);
            cr_assert_eq(backend_front_capacity(backend, size) != 0, expected != 0, "%s: %zu bytes: capacity %zu",
                         pools[p].spec, size, backend_front_capacity(backend, size));
        }
        test_close_backend_clean(backend);
    }
}

/* The edge entry's stack holds slab's blocks of pool_size / 2 and slices of its smaller
 * requests, and serves any request of the entry with either; every free of either kind, at
 * every size of the entry, reaches the right owner when the stack is full (by the block's
 * address), and close gives back whichever it holds.  Checked on the default pool: its
 * slices are in chunks, slab's blocks are not (the next slice follows the previous one). */
#define EDGE_BLOCKS 4
Test(backend_front_pool, the_edge_entrys_stack_holds_slices_and_slabs_blocks)
{
    const size_t half = 4096, below = half - 3;
    buf_backend_t *backend = open_pool_with_front("pool");
    cr_assert_eq(backend_front_capacity(backend, half), EDGE_BLOCKS);
    cr_assert_eq(backend_front_capacity(backend, half - 7), EDGE_BLOCKS);
    test_figures_t model = {0};
    uint8_t *first = buf_backend_alloc(backend, 16, 0, NULL);
    uint8_t *block = buf_backend_alloc(backend, half, 0, NULL); /* slab's */
    uint8_t *next = buf_backend_alloc(backend, 16, 0, NULL);
    test_figures_alloc(&model, 16 + half + 16, 3);
    cr_assert_eq(next, first + 16, "pool_size / 2 took room in the chunk");
    memset(block, 0x21, half);
    buf_backend_free(backend, block, half, 0);
    test_figures_free(&model, half, 1);
    cr_assert_eq(backend_front_held(backend, below), 1, "the edge entry's stack holds slab's block");
    uint8_t *taken = buf_backend_alloc(backend, below, 0, NULL);
    test_figures_alloc(&model, below, 1);
    cr_assert_eq(taken, block, "a request of %zu takes the cached block of %zu", below, half);
    memset(taken, 0x22, below);
    /* The stack empty: requests below pool_size / 2 are slices (two to a chunk, the first
     * after `next`); freed, they fill the stack, and slab's blocks freed after them find it
     * full. */
    uint8_t *slices[EDGE_BLOCKS], *blocks[EDGE_BLOCKS];
    blocks[0] = taken;
    for (size_t i = 1; i < EDGE_BLOCKS; i++) {
        blocks[i] = buf_backend_alloc(backend, half, 0, NULL);
        cr_assert(blocks[i] < next || blocks[i] >= next + 8192, "pool_size / 2 is slab's block, not a slice");
        memset(blocks[i], 0x22, half);
    }
    test_figures_alloc(&model, (EDGE_BLOCKS - 1) * half, EDGE_BLOCKS - 1);
    for (size_t i = 0; i < EDGE_BLOCKS; i++) {
        slices[i] = buf_backend_alloc(backend, below, 0, NULL);
        cr_assert_not_null(slices[i]);
        memset(slices[i], 0x23, below);
    }
    /* Two slices of pool_size / 2 a chunk: the first after `next`, then fresh chunks. */
    cr_assert_eq(slices[0], next + 16, "a request of %zu with the stack empty is a slice: %p, expected %p", below,
                 (void *)slices[0], (void *)(next + 16));
    cr_assert_eq(slices[2], slices[1] + half, "the second slice of a chunk follows the first");
    test_figures_alloc(&model, EDGE_BLOCKS * below, EDGE_BLOCKS);
    for (size_t i = 0; i < EDGE_BLOCKS; i++) {
        buf_backend_free(backend, slices[i], below, 0);
        cr_assert_eq(backend_front_held(backend, half), i + 1);
    }
    for (size_t i = 0; i < EDGE_BLOCKS; i++) { /* to slab, each with the size it was asked for */
        buf_backend_free(backend, blocks[i], i == 0 ? below : half, 0);
        cr_assert_eq(backend_front_held(backend, half), EDGE_BLOCKS);
    }
    test_figures_free(&model, EDGE_BLOCKS * below + below + (EDGE_BLOCKS - 1) * half, 2 * EDGE_BLOCKS);
    /* pool_size / 2 takes the cached slices (their cut is pool_size / 2), newest first; the
     * next one, the stack empty, one of slab's blocks, back from slab. */
    for (size_t i = EDGE_BLOCKS; i-- > 0;) {
        uint8_t *again = buf_backend_alloc(backend, half, 0, NULL);
        cr_assert_eq(again, slices[i], "pool_size / 2 takes the cached slice %zu", i);
        memset(again, 0x24, half);
    }
    uint8_t *block_again = buf_backend_alloc(backend, half, 0, NULL);
    bool from_slab = false;
    for (size_t i = 0; i < EDGE_BLOCKS; i++)
        from_slab |= block_again == blocks[i];
    cr_assert(from_slab, "slab's blocks freed past the full stack went back to slab: %p is none of them",
              (void *)block_again);
    memset(block_again, 0x25, half);
    test_figures_alloc(&model, (EDGE_BLOCKS + 1) * half, EDGE_BLOCKS + 1);
    for (size_t i = 0; i < 16; i++)
        cr_assert_eq(first[i] | next[i], first[i], "the slices around were written");
    /* The slices freed with pool_size / 2 after slab's block: the last finds the stack full
     * and goes to its chunk. */
    buf_backend_free(backend, block_again, half, 0);
    for (size_t i = 0; i < EDGE_BLOCKS; i++)
        buf_backend_free(backend, slices[i], half, 0);
    test_figures_free(&model, (EDGE_BLOCKS + 1) * half, EDGE_BLOCKS + 1);
    cr_assert_eq(backend_front_held(backend, half), EDGE_BLOCKS);
    test_expect_figures(backend, &model, 0);
    buf_backend_free(backend, first, 16, 0);
    buf_backend_free(backend, next, 16, 0);
    test_close_backend_clean(backend); /* gives slab's block and the slices back by their addresses */
}

/* 4 KiB chunks, slices of 1000 bytes (a cut of 1008): 4 per chunk.  Chunk A full, one
 * slice of chunk B, which is freed first and so cached; A's four freed find the stack full
 * and reach A's atomic count (A is no longer current), the last one giving A back.  The
 * next request takes the cached slice, B is filled, and the slice after that opens A
 * again, from its start, with no new memory. */
Test(backend_front_pool, a_chunk_goes_back_when_its_last_slice_reaches_the_backend)
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
    buf_backend_free(backend, chunk_b[0], size, 0);
    cr_assert_eq(backend_front_held(backend, size), 1, "the first free is cached");
    for (int i = 0; i < PER_CHUNK; i++) {
        buf_backend_free(backend, chunk_a[i], size, 0);
        cr_assert_eq(backend_front_held(backend, size), 1, "a slice of A was cached over B's");
    }
    uint8_t *cached = buf_backend_alloc(backend, size, 0, NULL);
    cr_assert_eq(cached, chunk_b[0], "the next request takes the cached slice: %p, expected %p", (void *)cached,
                 (void *)chunk_b[0]);
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
                            .allocs = 2 * PER_CHUNK + 2, .frees = PER_CHUNK + 1};
    test_expect_figures(backend, &model, 0);
    for (int i = 0; i < PER_CHUNK; i++)
        buf_backend_free(backend, chunk_b[i], size, 0);
    buf_backend_free(backend, reopened, size, 0);
    test_close_backend_clean(backend);
}

/* The slice path: once every slice of the current chunk is back, the next slice starts the
 * chunk over (the same bytes, alloc-free pairs stay in one cache-warm place); a slice still
 * out keeps the offset moving.  On the slices that reach the backend: a class the front does
 * not cache (64 bytes with 1 MiB chunks), and pool without its front. */
Test(backend_front_pool, the_current_chunk_starts_over_when_every_slice_is_back)
{
    static const char *specs[] = {"pool:1048576", "pool:nocache", "pool:4096,nocache"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        buf_backend_t *backend = test_open_backend(specs[s]);
        cr_assert_eq(backend_front_held(backend, 64) + backend_front_capacity(backend, 64), 0,
                     "%s: 64 bytes is a class that is not cached", specs[s]);
        uint8_t *first = buf_backend_alloc(backend, 64, 0, NULL);
        for (int round = 0; round < 3; round++) {
            buf_backend_free(backend, first, 64, 0);
            uint8_t *again = buf_backend_alloc(backend, 64, 0, NULL);
            cr_assert_eq(again, first, "%s round %d: the chunk did not start over", specs[s], round);
        }
        const size_t step = slice_cut(64 + BUF_REDZONE); /* a sanitizer build's red zone */
        uint8_t *second = buf_backend_alloc(backend, 64, 0, NULL);
        cr_assert_eq(second, first + step);
        buf_backend_free(backend, second, 64, 0);
        uint8_t *third = buf_backend_alloc(backend, 64, 0, NULL);
        cr_assert_eq(third, second + step, "%s: a slice still out, the offset moves on", specs[s]);
        buf_backend_free(backend, third, 64, 0);
        buf_backend_free(backend, first, 64, 0);
        test_close_backend_clean(backend);
    }
}

/* Runs of one slice class (pool_front.c, "Runs of one slice class"): with 8 KiB chunks and
 * 64-byte slices (128 a chunk), the eighth allocation miss in a row of the class gives it a
 * stack of 16, its slice and the 8 after it cut at once: the stack holds them, the next
 * allocations pop them in cutting order, side by side with the first seven, and the miss
 * after them cuts 8 more.  A run of frees fills the stack to 16, then each free past it
 * gives back itself and the newest 8.  Another class's run of eight takes the bulk stack
 * over: the first class's stack holds one slice again (the rest given back to their chunk)
 * and its capacity is 1.  Everything freed, the figures are exact and close finds nothing
 * outstanding (each chunk's count was given back exactly). */
Test(backend_front_pool, a_run_of_one_slice_class_gets_a_bulk_stack_until_another_takes_it)
{
    buf_backend_t *backend = open_pool_with_front("pool");
    enum { STREAK = 8, BULK = 16, RUN = 40 };
    const size_t size = 64, other = 200, other_cut = 208;
    cr_assert_eq(backend_front_capacity(backend, size), 1);
    uint8_t *slices[RUN];
    for (int i = 0; i < RUN; i++) {
        slices[i] = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_eq(slices[i], slices[0] + (size_t)i * size, "slice %d side by side: %p", i, (void *)slices[i]);
        /* The instance's first allocation takes the general path; then misses 1-7 (allocs
         * 1-7) cut one slice each, the 8th (alloc 8) cuts 9, 8 of them onto the stack,
         * which the next 8 pop; alloc 17 misses again and cuts 9 more, and so on. */
        size_t expected_held = i < STREAK ? 0 : (size_t)(8 - (i - STREAK) % 9);
        cr_assert_eq(backend_front_held(backend, size), expected_held, "alloc %d: held %zu, expected %zu", i,
                     backend_front_held(backend, size), expected_held);
        cr_assert_eq(backend_front_capacity(backend, size), i < STREAK ? 1u : (size_t)BULK, "alloc %d", i);
    }
    /* Alloc 35 cut 36..43 onto the stack; 36..39 were popped. */
    size_t held = backend_front_held(backend, size);
    cr_assert_eq(held, 4);
    for (int i = 0; i < RUN; i++) {
        buf_backend_free(backend, slices[i], size, 0);
        held = held < BULK ? held + 1 : BULK / 2;
        cr_assert_eq(backend_front_held(backend, size), held, "free %d: held %zu, expected %zu", i,
                     backend_front_held(backend, size), held);
    }
    /* Another class's run: the bulk stack moves to it, the first class keeps one slice. */
    uint8_t *others[STREAK];
    for (int i = 0; i < STREAK; i++)
        others[i] = buf_backend_alloc(backend, other, 0, NULL);
    for (int i = 1; i < STREAK; i++)
        cr_assert_eq(others[i], others[0] + (size_t)i * other_cut, "the other class's slice %d", i);
    cr_assert_eq(backend_front_capacity(backend, other), (size_t)BULK);
    cr_assert_eq(backend_front_capacity(backend, size), 1, "the first class's stack holds one slice again");
    cr_assert_eq(backend_front_held(backend, size), 1);
    test_figures_t model = {.live = STREAK * other, .peak = RUN * size, .allocs = RUN + STREAK, .frees = RUN};
    test_expect_figures(backend, &model, 0);
    for (int i = 0; i < STREAK; i++)
        buf_backend_free(backend, others[i], other, 0);
    test_close_backend_clean(backend);
}
