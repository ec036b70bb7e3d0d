/* test_backend_front.c — the slab and pool backends' fronts (their thread caches), on one thread.
 *
 * buf_backend.h ("The backend's front"): slab publishes its align-16 size-class table and
 * one out-of-band stack of freed blocks per class; the owner's inline free pushes while
 * the stack has room, its inline allocation pops while the stack holds a block, and
 * everything else goes to slab as without a front.  Properties checked here:
 *   - hit: a freed block comes back for the next request of its class, newest first;
 *   - the instance's copy of the class table (buf_backend_hot_t.front_stack_table):
 *     at every request size from 1 byte to 64 KiB, a freed block comes back for the
 *     largest request of its class (slab's own class_for says which: backend_front_held
 *     reads the copy itself, so it cannot check it);
 *   - miss: an empty stack hands the request to slab (a block no stack held);
 *   - a full stack sends the free to slab (which hands that block out again once the
 *     stack is empty: nothing is lost or handed out twice);
 *   - the miss paths (alloc_miss, free_miss) at every class of the front, both ways:
 *     runs longer than the stack keep every live block distinct and its bytes intact; an
 *     alloc miss of a linked class (below 512 bytes) refills its stack with half its
 *     capacity from slab's free list, newest first, an indexed class's takes one block;
 *     figures against a model in runs that miss often; close after misses;
 *   - an alloc miss whose head slab is full moves past it to the next slab of its class
 *     with a free block, and the full slab comes back on the list when a block of it is
 *     freed;
 *   - where the stacks lie: no count word, and no part of a power-of-two size's stack,
 *     shares a page offset with the instance's hot fields (slab_state.h: a store and a
 *     later load 4096 bytes apart wait for each other);
 *   - bounds: at most 7 blocks and 8 KiB per class (one block above), 944 KiB in all;
 *   - the figures after every step of a random sequence equal a model's, as without a
 *     front (a cached block counts as freed);
 *   - close gives cached blocks back before destroy: nothing is reported outstanding;
 *   - off: slab:nocache, pool:nocache, BUFBENCH_SLAB_CACHE=0, a decorator, the backends
 *     without one, and every annotated build (ASan: every free must reach slab, which
 *     poisons the block).
 * Pool's front is slab's with its slice classes below pool_size / 2: the miss
 * paths and the model run over pool too, with the smallest and the largest pools (4 KiB:
 * slab's classes from 2 KiB up; 1 MiB: every request of the front a slice) and the sizes
 * at their edges.  Pool's slices and its request of pool_size / 2:
 * test_backend_front_pool.c.
 * Threads (a second thread, cross-thread frees of cached blocks): test_backend_front_threads.c.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend_testing.h"
#include "buf_backend.h"
#include "test_support.h"

static const size_t pair_sizes[] = {16, 64, 256, 1000, 4096, 16384, 65536};
#define PAIR_SIZE_COUNT (sizeof pair_sizes / sizeof pair_sizes[0])

/* The front is on for plain slab unless the build annotates blocks. */
static bool front_expected(void) { return !mem_annotating(); }

static buf_backend_t *open_with_front(const char *spec)
{
    buf_backend_t *backend = test_open_backend(spec);
    if (!front_expected()) {
        cr_assert(!backend_front_is_on(backend), "an annotated build must not get %s's front", spec);
        buf_backend_close(backend);
        cr_skip_test("blocks are annotated in this build: no front");
    }
    cr_assert(backend_front_is_on(backend), "%s publishes its front", spec);
    return backend;
}

static buf_backend_t *open_slab_with_front(void) { return open_with_front("slab"); }

Test(backend_front, a_freed_block_serves_the_next_request_of_its_class)
{
    buf_backend_t *backend = open_slab_with_front();
    for (size_t i = 0; i < PAIR_SIZE_COUNT; i++) {
        size_t size = pair_sizes[i];
        void *block = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_not_null(block);
        memset(block, 0x5a, size);
        cr_assert_eq(backend_front_held(backend, size), 0, "size %zu: nothing cached yet", size);
        buf_backend_free(backend, block, size, 0);
        cr_assert_eq(backend_front_held(backend, size), 1, "size %zu: the free is cached", size);
        /* Any request of the class: one byte less than the class shares it. */
        void *again = buf_backend_alloc(backend, size - 1, BUF_DEFAULT_ALIGN, NULL);
        cr_assert_eq(again, block, "size %zu: the cached block comes back", size);
        cr_assert_eq(backend_front_held(backend, size), 0);
        buf_backend_free(backend, again, size - 1, BUF_DEFAULT_ALIGN);
    }
    test_close_backend_clean(backend);
}

/* The instance keeps its own copy of slab's table as stack addresses (buf_backend.h, "The
 * backend's front").  Every request size: its block, freed, comes back for the largest
 * request of its class (whose size slab's class_for gives, independently of the copy), and
 * that block, freed with that size, comes back for the size itself.  An entry of the copy
 * that named another class's stack would hand out another block (or none). */
Test(backend_front, every_request_size_finds_its_class_stack)
{
    buf_backend_t *backend = open_slab_with_front();
    for (size_t size = 1; size <= BUF_BACKEND_FRONT_MAX; size++) {
        size_t class_bytes = backend_slab_class_size_for(size, BUF_DEFAULT_ALIGN);
        cr_assert(class_bytes >= size && class_bytes <= BUF_BACKEND_FRONT_MAX, "size %zu: class %zu", size,
                  class_bytes);
        void *block = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_not_null(block);
        buf_backend_free(backend, block, size, 0);
        void *largest = buf_backend_alloc(backend, class_bytes, 0, NULL);
        cr_assert_eq(largest, block, "size %zu: a block freed with it did not come back for %zu (its class's largest)",
                     size, class_bytes);
        buf_backend_free(backend, largest, class_bytes, 0);
        void *again = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_eq(again, block, "size %zu: a block freed with %zu (its class's largest) did not come back for it",
                     size, class_bytes);
        buf_backend_free(backend, again, size, 0);
    }
    test_close_backend_clean(backend);
}

/* Whether [a, a + a_bytes) and [b, b + b_bytes) share an address modulo 4096 (a load
 * after a store to such an address waits for the store: slab_state.h). */
static bool page_offsets_meet(const void *a, size_t a_bytes, const void *b, size_t b_bytes)
{
    for (size_t i = 0; i < a_bytes; i++)
        if ((((uintptr_t)a + i - (uintptr_t)b) & 4095) < b_bytes)
            return true;
    return false;
}

/* The inline paths store a stack's count and one of its entries, then load the instance's
 * hot fields (the owner words, the owner's slot, the table entries of 1-64 byte requests)
 * and the request's table entry.  No stack's count word may share a page offset with the
 * hot fields, and no part of the stacks of the sizes the benchmarks and streams use (the
 * powers of two, 8 B to 64 KiB) with those or with its own table entry; on slab and on
 * pool (slab's stacks, with pool's slices after slab's classes).  A few other sizes'
 * count words share their own table entry's offset in any placement (at 0x240: 13 of
 * slab's 8192 entries, 15 of pool's, none a power of two). */
Test(backend_front, the_stacks_share_no_page_offset_with_the_hot_fields)
{
    static const char *specs[] = {"slab", "pool"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        buf_backend_t *backend = open_with_front(specs[s]);
        const buf_backend_hot_t *hot = (const buf_backend_hot_t *)(const void *)backend;
        cr_assert_eq((uintptr_t)backend & 4095, 0, "%s: an instance starts a page", specs[s]);
        const struct {
            const void *at;
            size_t bytes;
            const char *what;
        } fields[] = {
            {&hot->alloc_owner, sizeof hot->alloc_owner, "alloc_owner"},
            {&hot->free_owner, sizeof hot->free_owner, "free_owner"},
            {&hot->first, sizeof hot->first, "the owner's slot"},
            {&hot->front_stack_table[0], 8 * sizeof hot->front_stack_table[0], "the table entries of 1-64 bytes"},
        };
        for (size_t size = 8; size <= BUF_BACKEND_FRONT_MAX; size += 8) { /* each table entry */
            const buf_backend_front_stack_t *stack = buf_backend_front_stack_for(hot, size);
            bool whole = (size & (size - 1)) == 0;
            size_t stack_bytes = whole ? sizeof *stack : offsetof(buf_backend_front_stack_t, blocks);
            for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++)
                cr_assert(!page_offsets_meet(stack, stack_bytes, fields[f].at, fields[f].bytes),
                          "%s: the stack of %zu-byte requests (page offset %#lx, %zu bytes) meets %s", specs[s], size,
                          (unsigned long)((uintptr_t)stack & 4095), stack_bytes, fields[f].what);
            const void *entry = &hot->front_stack_table[(size - 1) >> 3];
            if (whole)
                cr_assert(!page_offsets_meet(stack, stack_bytes, entry, sizeof hot->front_stack_table[0]),
                          "%s: the stack of %zu-byte requests (page offset %#lx) meets its table entry (%#lx)",
                          specs[s], size, (unsigned long)((uintptr_t)stack & 4095),
                          (unsigned long)((uintptr_t)entry & 4095));
        }
        test_close_backend_clean(backend);
    }
}

/* At 4 KiB, a stack that moves one block per miss (one of 8 or more would also hold blocks
 * carved ahead: the model below counts those). */
Test(backend_front, an_empty_stack_hands_the_request_to_slab)
{
    buf_backend_t *backend = open_slab_with_front();
    void *first = buf_backend_alloc(backend, 4096, 0, NULL);
    void *second = buf_backend_alloc(backend, 4096, 0, NULL);
    cr_assert(first && second && first != second, "two live blocks are distinct");
    cr_assert_eq(backend_front_held(backend, 4096), 0);
    /* Other alignments and sizes past the front never touch it. */
    void *aligned = buf_backend_alloc(backend, 64, 64, NULL);
    cr_assert_not_null(aligned);
    buf_backend_free(backend, aligned, 64, 64);
    cr_assert_eq(backend_front_held(backend, 64), 0, "an align-64 free is not cached");
    void *run = buf_backend_alloc(backend, 65537, 0, NULL);
    cr_assert_not_null(run);
    buf_backend_free(backend, run, 65537, 0);
    cr_assert_eq(backend_front_held(backend, 65537), 0, "a request past 64 KiB is not cached");
    buf_backend_free(backend, first, 4096, 0);
    buf_backend_free(backend, second, 4096, 0);
    cr_assert_eq(backend_front_held(backend, 4096), 2);
    test_close_backend_clean(backend);
}

/* ---- A model of one class: its stack and slab's free list ------------------------------
 * What the front promises for one class of a fresh instance whose blocks all come from
 * one slab (slab_front.c, "The front"): a free pushes while the stack has room; a free
 * into a full stack of FRONT_BULK_BLOCKS or more gives back the freed block and the newest
 * half of the stack (the stack keeps capacity / 2), so that slab's free list then pops the
 * lowest of the given-back stack blocks first, up to the newest, then the freed block; a
 * smaller stack sends just the freed block to slab.  An alloc pops while the stack holds
 * a block; an alloc of an empty stack takes slab's newest free block and, for a bulk
 * stack, moves up to capacity / 2 more onto the stack in the free list's order; with no
 * free block, slab carves the next block and, for a bulk stack, up to capacity / 2 of
 * the blocks after it onto the stack (how many, the model learns from the stack's count:
 * no more than the slab has committed). */
#define FRONT_BULK_BLOCKS 8 /* stacks of this many blocks or more move half at once */
#define MODEL_MAX 256

typedef struct class_model {
    size_t capacity;
    bool bulk;
    void *stack[BUF_BACKEND_FRONT_BLOCKS];
    size_t held;
    void *slab[MODEL_MAX]; /* slab's free list, its head last */
    size_t free;
} class_model_t;

static class_model_t class_model(buf_backend_t *backend, size_t size)
{
    class_model_t m = {.capacity = backend_front_capacity(backend, size)};
    cr_assert(m.capacity >= 1 && m.capacity <= BUF_BACKEND_FRONT_BLOCKS, "size %zu: capacity %zu", size, m.capacity);
    m.bulk = m.capacity >= FRONT_BULK_BLOCKS;
    return m;
}

static void model_free(class_model_t *m, void *block)
{
    if (m->held < m->capacity) {
        m->stack[m->held++] = block;
        return;
    }
    size_t keep = m->bulk ? m->capacity / 2 : m->capacity;
    cr_assert_lt(m->free + 1 + m->capacity - keep, (size_t)MODEL_MAX);
    m->slab[m->free++] = block;
    for (size_t i = m->held; i-- > keep;)
        m->slab[m->free++] = m->stack[i];
    m->held = keep;
}

/* The block the model's alloc hands out; NULL when slab carves a block it has never
 * handed out (then model_carved). */
static void *model_alloc(class_model_t *m)
{
    if (m->held)
        return m->stack[--m->held];
    if (!m->free)
        return NULL;
    void *block = m->slab[--m->free];
    size_t more = m->bulk ? m->capacity / 2 : 0;
    more = more < m->free ? more : m->free;
    for (size_t k = 0; k < more; k++)
        m->stack[more - 1 - k] = m->slab[--m->free];
    m->held = more;
    return block;
}

/* A carve handed out `block`: a bulk stack now holds the `held` blocks after it, a class's
 * size apart, popped in carving order. */
static void model_carved(class_model_t *m, void *block, size_t held, size_t class_bytes)
{
    cr_assert_leq(held, m->bulk ? m->capacity / 2 : 0, "a carve puts at most half a bulk stack ahead (%zu)", held);
    for (size_t k = 0; k < held; k++)
        m->stack[held - 1 - k] = (uint8_t *)block + (k + 1) * class_bytes;
    m->held = held;
}

static void model_check_held(buf_backend_t *backend, const class_model_t *m, size_t size, const char *step, size_t i)
{
    cr_assert_eq(backend_front_held(backend, size), m->held, "size %zu %s %zu: held %zu, expected %zu", size, step, i,
                 backend_front_held(backend, size), m->held);
}

/* Frees `count` blocks of one slab and allocates as many again, each step against the
 * model: what the stack holds after every step, and which block every alloc hands out. */
static void check_against_model(buf_backend_t *backend, size_t size, size_t count)
{
    class_model_t m = class_model(backend, size);
    const size_t class_bytes = backend_slab_class_size_for(size, BUF_DEFAULT_ALIGN);
    void *blocks[MODEL_MAX];
    cr_assert_leq(count, (size_t)MODEL_MAX);
    for (size_t i = 0; i < count; i++) {
        void *expected = model_alloc(&m);
        blocks[i] = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_not_null(blocks[i]);
        if (expected == NULL) { /* a carve: the slab's next block, and half a stack ahead */
            cr_assert(i == 0 || blocks[i] == (uint8_t *)blocks[i - 1] + class_bytes,
                      "size %zu alloc %zu: a fresh slab carves its blocks in order", size, i);
            model_carved(&m, blocks[i], backend_front_held(backend, size), class_bytes);
        } else {
            cr_assert_eq(blocks[i], expected, "size %zu alloc %zu: %p, expected %p", size, i, blocks[i], expected);
        }
        model_check_held(backend, &m, size, "fresh alloc", i);
    }
    for (size_t i = 0; i < count; i++) {
        buf_backend_free(backend, blocks[i], size, 0);
        model_free(&m, blocks[i]);
        model_check_held(backend, &m, size, "free", i);
    }
    /* Again: blocks the stack held ahead may come back in place of some of the freed ones. */
    for (size_t i = 0; i < count; i++) {
        void *expected = model_alloc(&m);
        blocks[i] = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_not_null(expected, "size %zu alloc %zu: the model has a block for it", size, i);
        cr_assert_eq(blocks[i], expected, "size %zu alloc %zu: %p, expected %p", size, i, blocks[i], expected);
        model_check_held(backend, &m, size, "alloc", i);
    }
    for (size_t i = 0; i < count; i++)
        buf_backend_free(backend, blocks[i], size, 0);
}

/* Frees capacity + 2 blocks, so that a free finds the stack full (and gives half of it back
 * when it is a bulk one), then allocates them again: the model says which block each step
 * hands out and what the stack holds. */
Test(backend_front, a_full_stack_sends_the_free_to_slab)
{
    buf_backend_t *backend = open_slab_with_front();
    for (size_t i = 0; i < PAIR_SIZE_COUNT; i++)
        check_against_model(backend, pair_sizes[i], backend_front_capacity(backend, pair_sizes[i]) + 2);
    test_close_backend_clean(backend);
}

/* ---- The miss paths, at every class ---------------------------------------------------- */
/* The request size of every class of the front, smallest first (its class's own size). */
static size_t front_class_sizes(size_t *sizes, size_t room)
{
    size_t count = 0, last_class = 0;
    for (size_t size = 16; size <= 65536; size += 16) {
        size_t class_bytes = backend_slab_class_size_for(size, BUF_DEFAULT_ALIGN);
        if (class_bytes != last_class) {
            cr_assert_lt(count, room);
            sizes[count++] = class_bytes;
        }
        last_class = class_bytes;
    }
    return count;
}

#define MISS_RUN (BUF_BACKEND_FRONT_BLOCKS + 9) /* longer than any stack: misses both ways */

/* Allocates MISS_RUN blocks of `size` (every one past the stack's blocks a miss), checks
 * they are distinct and keep their bytes, frees them (every one past the stack's room a
 * miss), twice over.  A pool slice class whose allocations miss eight times in a row gets
 * a bulk stack of 16 (pool_front.c, "Runs of one slice class"): the capacity is read
 * again after the allocations. */
static void check_misses_both_ways(buf_backend_t *backend, size_t size)
{
    size_t capacity = backend_front_capacity(backend, size);
    uint8_t *blocks[MISS_RUN];
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < MISS_RUN; i++) {
            blocks[i] = buf_backend_alloc(backend, size, 0, NULL);
            cr_assert_not_null(blocks[i], "size %zu: alloc %zu", size, i);
            for (size_t j = 0; j < i; j++)
                cr_assert_neq(blocks[i], blocks[j], "size %zu round %d: block %zu handed out twice", size, round, i);
            memset(blocks[i], (int)(i + 1), size);
            capacity = backend_front_capacity(backend, size);
            cr_assert_leq(backend_front_held(backend, size), capacity);
        }
        const size_t keep = capacity >= FRONT_BULK_BLOCKS ? capacity / 2 : capacity;
        for (size_t i = 0; i < MISS_RUN; i++)
            for (size_t at = 0; at < size; at += size / 8)
                cr_assert_eq(blocks[i][at], (uint8_t)(i + 1), "size %zu round %d: block %zu changed at %zu", size,
                             round, i, at);
        size_t held = backend_front_held(backend, size);
        for (size_t i = 0; i < MISS_RUN; i++) {
            buf_backend_free(backend, blocks[MISS_RUN - 1 - i], size, 0);
            held = held < capacity ? held + 1 : keep;
            cr_assert_eq(backend_front_held(backend, size), held, "size %zu round %d free %zu: held %zu, expected %zu",
                         size, round, i, backend_front_held(backend, size), held);
        }
    }
}

/* Every class of slab's front, then (pool) the sizes at the edges of the slice class:
 * the largest slices, pool_size / 2 (slab's, on the edge entry's stack) and one byte more. */
static void check_every_class_misses_both_ways(buf_backend_t *backend, size_t pool_size)
{
    size_t sizes[128 + 6];
    size_t count = front_class_sizes(sizes, 128);
    cr_assert_geq(count, 70, "the front serves the align-16 classes up to 64 KiB (%zu)", count);
    if (pool_size) {
        static const int past_half[] = {-8, -7, -1, 0, 1, 8};
        for (size_t i = 0; i < 6; i++) {
            size_t size = (size_t)((int64_t)(pool_size / 2) + past_half[i]);
            if (size <= BUF_BACKEND_FRONT_MAX)
                sizes[count++] = size;
        }
    }
    test_figures_t model = {0};
    for (size_t i = 0; i < count; i++) {
        check_misses_both_ways(backend, sizes[i]);
        model.allocs += 2 * MISS_RUN;
        model.frees += 2 * MISS_RUN;
        model.peak = model.peak > MISS_RUN * sizes[i] ? model.peak : MISS_RUN * sizes[i];
        test_expect_figures(backend, &model, (int)i);
    }
}

Test(backend_front, every_class_misses_both_ways_without_losing_a_block)
{
    buf_backend_t *backend = open_slab_with_front();
    check_every_class_misses_both_ways(backend, 0);
    test_close_backend_clean(backend);
    static const struct {
        const char *spec;
        size_t pool_size;
    } pools[] = {{"pool:4096", 4096}, {"pool", 8192}, {"pool:1048576", 1 << 20}};
    for (size_t i = 0; i < sizeof pools / sizeof pools[0]; i++) {
        backend = open_with_front(pools[i].spec);
        check_every_class_misses_both_ways(backend, pools[i].pool_size);
        test_close_backend_clean(backend);
    }
}

/* An alloc that finds its stack empty, after runs of frees long enough to flush a bulk
 * stack twice: slab's newest free block, and a bulk class's stack refilled with
 * capacity / 2 blocks from slab's free list (linked or indexed alike), handed out in the
 * list's order; a smaller stack stays empty.  All within one slab of the class. */
static void check_refill(buf_backend_t *backend, size_t size)
{
    size_t capacity = backend_front_capacity(backend, size);
    size_t class_bytes = backend_slab_class_size_for(size, BUF_DEFAULT_ALIGN);
    size_t per_slab = backend_slab_span_for(size, BUF_DEFAULT_ALIGN) / class_bytes;
    size_t run = 2 * capacity + 2;
    check_against_model(backend, size, run < per_slab ? run : per_slab);
}

Test(backend_front, an_alloc_miss_refills_a_bulk_class_with_half_its_stack)
{
    static const size_t sizes[] = {16, 64, 256, 480, 496, 512, 1024, 2048, 2304, 4096, 65536};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        buf_backend_t *backend = open_slab_with_front(); /* a fresh slab: its free list is ours */
        check_refill(backend, sizes[i]);
        test_close_backend_clean(backend);
    }
}

/* An alloc miss whose class's head slab has every block live moves past it to the next
 * slab of the class with a free block (slab_front.c, front_alloc_next_slab), and the
 * slab it moved past comes back when one of its blocks is freed: three full slabs of
 * 64 KiB blocks (8 each), one block of each freed (the first onto the one-block stack,
 * the other two to their slabs, the middle slab's last, so that it heads the list), then
 * allocations: the stack's block, the head slab's, then the other slab's from behind the
 * full head, then a fresh block.  Every slab's blocks freed and allocated again are the same blocks:
 * no slab is lost from its class's list. */
Test(backend_front, an_alloc_miss_moves_past_a_full_slab_to_the_next_with_a_free_block)
{
    buf_backend_t *backend = open_slab_with_front();
    const size_t size = 65536, per_slab = backend_slab_span_for(size, BUF_DEFAULT_ALIGN) / size;
    cr_assert_eq(per_slab, 8, "a 64 KiB class's slab holds 8 blocks");
    cr_assert_eq(backend_front_capacity(backend, size), 1);
    enum { SLABS = 3, RUN = 3 * 8 };
    void *blocks[RUN + 1];
    for (size_t i = 0; i < RUN; i++) {
        blocks[i] = buf_backend_alloc(backend, size, 0, NULL);
        cr_assert_not_null(blocks[i]);
    }
    /* A fresh instance carves its slabs in order: blocks[8k .. 8k + 8) share slab k. */
    for (size_t k = 0; k < SLABS; k++)
        for (size_t i = 1; i < per_slab; i++)
            cr_assert_eq((uint8_t *)blocks[8 * k + i], (uint8_t *)blocks[8 * k] + i * size);
    void *first = blocks[2], *second = blocks[8 + 2], *third = blocks[16 + 2];
    /* Slab 2, carved last, is still its class's list; slab 1 goes back on it ahead. */
    buf_backend_free(backend, first, size, 0);  /* the stack */
    buf_backend_free(backend, third, size, 0);  /* slab 2, on the list */
    buf_backend_free(backend, second, size, 0); /* slab 1 back on the list, its head */
    cr_assert_eq(buf_backend_alloc(backend, size, 0, NULL), first, "the stack's block first");
    cr_assert_eq(buf_backend_alloc(backend, size, 0, NULL), second, "then the head slab's free block");
    cr_assert_eq(buf_backend_alloc(backend, size, 0, NULL), third,
                 "then, past the full head slab, the next slab's free block");
    blocks[RUN] = buf_backend_alloc(backend, size, 0, NULL);
    cr_assert_not_null(blocks[RUN]);
    for (size_t i = 0; i < RUN; i++)
        cr_assert_neq(blocks[RUN], blocks[i], "every slab of the class is full: a fresh block");
    /* All back, then the same count again: the same blocks, every slab found again. */
    for (size_t i = 0; i <= RUN; i++)
        buf_backend_free(backend, blocks[i], size, 0);
    void *again[RUN + 1];
    for (size_t i = 0; i <= RUN; i++) {
        again[i] = buf_backend_alloc(backend, size, 0, NULL);
        bool known = false;
        for (size_t j = 0; j <= RUN && !known; j++)
            known = again[i] == blocks[j];
        cr_assert(known, "alloc %zu: %p is not one of the blocks freed (a slab left its class's list)", i, again[i]);
        for (size_t j = 0; j < i; j++)
            cr_assert_neq(again[i], again[j], "alloc %zu: handed out twice", i);
    }
    for (size_t i = 0; i <= RUN; i++)
        buf_backend_free(backend, again[i], size, 0);
    test_close_backend_clean(backend);
}

Test(backend_front, each_class_holds_at_most_31_blocks_and_16_KiB)
{
    buf_backend_t *backend = open_slab_with_front();
    size_t total = 0, last_class = 0;
    for (size_t size = 16; size <= 65536; size += 16) {
        size_t class_bytes = backend_slab_class_size_for(size, BUF_DEFAULT_ALIGN);
        size_t capacity = backend_front_capacity(backend, size);
        cr_assert(capacity >= 1, "size %zu: every class of the front holds a block", size);
        cr_assert(capacity <= 31, "size %zu: capacity %zu above 31 blocks", size, capacity);
        cr_assert(capacity == 1 || capacity * class_bytes <= 16384, "size %zu: %zu blocks of %zu bytes above 16 KiB",
                  size, capacity, class_bytes);
        size_t fits = 16384 / class_bytes;
        cr_assert_eq(capacity, fits < 1 ? 1 : fits > 31 ? 31 : fits, "size %zu: as many blocks as fit", size);
        if (class_bytes != last_class)
            total += capacity * class_bytes;
        last_class = class_bytes;
    }
    cr_assert_leq(total, ((size_t)1338 << 10) + 64, "the front may hold %zu bytes in all", total);
    test_close_backend_clean(backend);
}

/* ---- The figures against a model ------------------------------------------------------ */
#define LIVE_MAX 48

typedef struct {
    uint8_t *block;
    size_t size, align;
    uint8_t fill;
} live_block_t;

/* Random allocations (mostly a few sizes, so that stacks fill and empty; some other
 * alignments, size 0, sizes past the front) and frees; the figures after every step, and
 * every live block keeps its bytes (a block handed out twice would be overwritten). */
static const size_t mixed_sizes[] = {0, 8, 16, 24, 64, 100, 256, 480, 481, 4096, 9000, 65536, 65537, 200000};
/* Few classes, each a linked or an indexed one: the 48 live blocks overflow their stacks,
 * so that the runs up and down go through the miss paths (and the refill) often. */
static const size_t missing_sizes[] = {64, 481, 65536};

static void run_against_model(const char *spec, uint32_t seed, const size_t *sizes, size_t size_count)
{
    buf_backend_t *backend = test_open_backend(spec);
    live_block_t live[LIVE_MAX];
    size_t live_count = 0;
    test_figures_t model = {0};
    for (int step = 0; step < 4000; step++) {
        uint32_t r = test_lcg_next(&seed);
        bool rising = (step / 50) % 2 == 0;
        bool allocate = live_count == 0 || (live_count < LIVE_MAX && (r % 4 != 0) == rising);
        if (allocate) {
            size_t size = sizes[(r >> 8) % size_count];
            size_t align = (r >> 16) % 6 == 0 ? 64 : (r >> 16) % 6 == 1 ? 8 : 0;
            void *block = buf_backend_alloc(backend, size, align, NULL);
            cr_assert_not_null(block, "step %d: alloc(%zu, %zu)", step, size, align);
            uint8_t fill = (uint8_t)(r >> 24);
            memset(block, fill, size);
            live[live_count++] = (live_block_t){block, size, align, fill};
            test_figures_alloc(&model, size, 1);
        } else {
            size_t index = (r >> 8) % live_count;
            live_block_t gone = live[index];
            for (size_t i = 0; i < gone.size; i++)
                cr_assert_eq(gone.block[i], gone.fill, "step %d: a live block of %zu bytes changed at %zu", step,
                             gone.size, i);
            buf_backend_free(backend, gone.block, gone.size, gone.align);
            live[index] = live[--live_count];
            test_figures_free(&model, gone.size, 1);
        }
        test_expect_figures(backend, &model, step);
    }
    while (live_count) {
        live_block_t gone = live[--live_count];
        buf_backend_free(backend, gone.block, gone.size, gone.align);
        model.live -= gone.size;
        model.frees++;
    }
    test_expect_figures(backend, &model, -1);
    test_close_backend_clean(backend);
}

Test(backend_front, the_figures_equal_a_model_after_every_step)
{
    run_against_model("slab", 1, mixed_sizes, sizeof mixed_sizes / sizeof mixed_sizes[0]);
    run_against_model("slab", 77, mixed_sizes, sizeof mixed_sizes / sizeof mixed_sizes[0]);
    run_against_model("slab:nocache", 1, mixed_sizes, sizeof mixed_sizes / sizeof mixed_sizes[0]);
}

Test(backend_front, the_figures_equal_a_model_in_runs_that_miss)
{
    run_against_model("slab", 5, missing_sizes, sizeof missing_sizes / sizeof missing_sizes[0]);
    run_against_model("slab", 91, missing_sizes, sizeof missing_sizes / sizeof missing_sizes[0]);
}

/* Pool: slices (every one a miss), the edge entry's slices and its request of
 * pool_size / 2, slab's classes above, sizes past the front; the smallest pool (4 KiB:
 * 2041 .. 2048 the edge), the default (8 KiB: 4096 the edge) and the largest (1 MiB:
 * every front request a slice, 65537 and up slab's). */
static const size_t pool_4k_sizes[] = {8, 64, 1000, 2032, 2040, 2041, 2047, 2048, 2049, 2056, 4096, 65536, 65537};
static const size_t pool_8k_sizes[] = {0, 16, 100, 4088, 4089, 4095, 4096, 4097, 4104, 9000, 65536, 200000};
static const size_t pool_1m_sizes[] = {8, 4096, 65536, 65537, 300000, 524287, 524288, 524289};

Test(backend_front, the_figures_equal_a_model_over_pool)
{
    run_against_model("pool:4096", 3, pool_4k_sizes, sizeof pool_4k_sizes / sizeof pool_4k_sizes[0]);
    run_against_model("pool:4096", 45, pool_4k_sizes, sizeof pool_4k_sizes / sizeof pool_4k_sizes[0]);
    run_against_model("pool", 8, pool_8k_sizes, sizeof pool_8k_sizes / sizeof pool_8k_sizes[0]);
    run_against_model("pool", 1, mixed_sizes, sizeof mixed_sizes / sizeof mixed_sizes[0]);
    run_against_model("pool:1048576", 6, pool_1m_sizes, sizeof pool_1m_sizes / sizeof pool_1m_sizes[0]);
    run_against_model("pool:nocache", 3, pool_8k_sizes, sizeof pool_8k_sizes / sizeof pool_8k_sizes[0]);
}

/* ---- Close ------------------------------------------------------------------------------ */
/* slab, and pool with cached slices beside slab's classes. */
static const char *const close_specs[] = {"slab", "pool:4096", "pool"};
#define CLOSE_SPEC_COUNT (sizeof close_specs / sizeof close_specs[0])

Test(backend_front, close_gives_cached_blocks_back_before_destroy)
{
    for (size_t s = 0; s < CLOSE_SPEC_COUNT; s++) {
        buf_backend_t *backend = open_with_front(close_specs[s]);
        for (size_t i = 0; i < PAIR_SIZE_COUNT; i++) {
            void *blocks[3];
            for (int b = 0; b < 3; b++)
                blocks[b] = buf_backend_alloc(backend, pair_sizes[i], 0, NULL);
            for (int b = 0; b < 3; b++)
                buf_backend_free(backend, blocks[b], pair_sizes[i], 0);
            size_t capacity = backend_front_capacity(backend, pair_sizes[i]);
            cr_assert_geq(backend_front_held(backend, pair_sizes[i]), capacity ? 1 : 0, "%s %zu", close_specs[s],
                          pair_sizes[i]);
        }
        FILE *report = tmpfile();
        cr_assert_not_null(report);
        size_t outstanding = buf_backend_close_report(backend, report);
        long reported = ftell(report);
        fclose(report);
        cr_assert_eq(outstanding, 0, "%s: close reported %zu outstanding blocks: cached blocks count as freed",
                     close_specs[s], outstanding);
        cr_assert_eq(reported, 0, "%s: close wrote %ld bytes of report", close_specs[s], reported);
    }
}

/* After runs through the miss paths (refilled stacks, frees past full ones) close gives
 * the cached blocks back and lists exactly the blocks still live. */
static void check_close_after_misses(const char *spec)
{
    buf_backend_t *backend = open_with_front(spec);
    enum { RUN = 20 };
    for (size_t i = 0; i < PAIR_SIZE_COUNT; i++) {
        void *blocks[RUN];
        for (int round = 0; round < 2; round++) {
            for (int b = 0; b < RUN; b++)
                blocks[b] = buf_backend_alloc(backend, pair_sizes[i], 0, NULL);
            for (int b = 0; b < RUN; b++)
                buf_backend_free(backend, blocks[b], pair_sizes[i], 0);
        }
        /* A refilling miss, then one block left live. */
        for (int b = 0; b < RUN; b++)
            blocks[b] = buf_backend_alloc(backend, pair_sizes[i], 0, NULL);
        for (int b = 1; b < RUN; b++)
            buf_backend_free(backend, blocks[b], pair_sizes[i], 0);
    }
    FILE *report = tmpfile();
    cr_assert_not_null(report);
    size_t outstanding = buf_backend_close_report(backend, report);
    fclose(report);
    cr_assert_eq(outstanding, PAIR_SIZE_COUNT, "%s: close listed %zu blocks, %zu are live", spec, outstanding,
                 (size_t)PAIR_SIZE_COUNT);
}

Test(backend_front, close_after_misses_lists_only_the_live_blocks)
{
    for (size_t s = 0; s < CLOSE_SPEC_COUNT; s++)
        check_close_after_misses(close_specs[s]);
}

/* ---- Off ---------------------------------------------------------------------------------- */
Test(backend_front, the_switches_and_the_other_backends_have_no_front)
{
    static const char *without[] = {"slab:nocache", "malloc", "mmap", "mmap:guard", "pool:nocache",
                                    "pool:16384,nocache", "fail(1,0):slab", "fail(1,0):pool"};
    for (size_t i = 0; i < sizeof without / sizeof without[0]; i++) {
        buf_backend_t *backend = test_open_backend(without[i]);
        cr_assert(!backend_front_is_on(backend), "%s has no front", without[i]);
        void *block = buf_backend_alloc(backend, 64, 0, NULL);
        buf_backend_free(backend, block, 64, 0);
        cr_assert_eq(backend_front_held(backend, 64), 0, "%s cached a block", without[i]);
        test_close_backend_clean(backend);
    }
    static const char *switched[] = {"slab", "pool", "pool:4096"};
    for (size_t i = 0; i < sizeof switched / sizeof switched[0]; i++) {
        cr_assert_eq(setenv("BUFBENCH_SLAB_CACHE", "0", 1), 0);
        buf_backend_t *switched_off = test_open_backend(switched[i]);
        cr_assert_eq(unsetenv("BUFBENCH_SLAB_CACHE"), 0);
        cr_assert(!backend_front_is_on(switched_off), "BUFBENCH_SLAB_CACHE=0 turns %s's front off", switched[i]);
        test_close_backend_clean(switched_off);
        buf_backend_t *plain = test_open_backend(switched[i]);
        cr_assert_eq(backend_front_is_on(plain), front_expected(), "plain %s: front %s", switched[i],
                     front_expected() ? "on" : "off");
        test_close_backend_clean(plain);
    }
    static const char *malformed[] = {"slab:cache", "pool:nocache,4096", "pool:4096,cache", "pool:4096,", "pool:,nocache"};
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        buf_backend_t *unknown = NULL;
        cr_assert_eq(buf_backend_open(malformed[i], NULL, &unknown), BUF_EINVAL, "%s is malformed", malformed[i]);
    }
}
