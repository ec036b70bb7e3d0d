/* backend_slab.c — size classes carved from large slabs; O(1) alloc and free.
 *
 * Memory comes from 4 MiB arenas (aligned to 4 MiB), each cut into 64 units of 64 KiB.
 * Unit 0 of an arena holds the arena header with the 64 unit descriptors, so a block's
 * slab is found from its address alone: arena = ptr & ~(ARENA-1), unit index =
 * (ptr - arena) / UNIT, and the unit's descriptor points at the descriptor of the slab
 * that owns it.  A slab is a run of 1, 2, 4 or 8 units serving one size class; blocks
 * start at the slab's base, so a block of class c is aligned to the lowest set bit of c.
 *
 * Size classes (size_class.h in 8-byte units): 8..64 in steps of 8, then 8 classes per
 * power of two up to 64 KiB (72, 80, ... 128, 144, ... 256, ..., 9 KiB, 10 KiB, ...,
 * 56 KiB, 64 KiB).  Spacing 2^k/8 inside (2^k, 2^(k+1)] keeps the internal waste
 * (class - request) / class below 1/9 < 12.5% for every request of 64 bytes or more
 * whose alignment the class already has; requests under 64 bytes round up to the 8-byte
 * quantum.  A request needing more alignment than its class has moves up to the next
 * class that has it.  Classes up to 8 KiB get one-unit slabs (8+ blocks each); the
 * medium classes above get the fewest units (2, 4 or 8) that hold at least 8 blocks, so
 * a batch of 1000 x 64 KiB recycles blocks from free lists instead of mapping each one.
 * Requests above 64 KiB up to 1 MiB are runs of whole 64 KiB units in run arenas whose
 * free units merge by themselves (slab_runs.c, sharing this arena layout: slab_arena.h);
 * above 1 MiB, the large path: a mapping each, rounded to a size class and recycled
 * through per-class free lists (large_cache.h).
 *
 * Free blocks: classes below 512 bytes link them through each free block's first word;
 * classes of 512 bytes and more keep them out of band, the block freed last in the
 * descriptor and the others on a stack of offsets in the arena header (slab_arena.h), so
 * a batch of 1000 blocks of 4-64 KiB never touches the blocks (no cache or TLB miss per
 * block).  The pair paths tell the two kinds apart by the class (alloc) or the request
 * (free) already in a register.
 *
 * The thread cache the framework's inline paths use (the "front") and its miss paths:
 * slab_front.c.  Memory accounting and giving idle pages back: slab_pages.c.  Create,
 * destroy and the vtable: slab_lifecycle.c.  The state types and shared helpers:
 * slab_state.h.
 *
 * Threads: each thread allocates from its own heap (thread_heap.h); a block freed by a
 * non-owner thread goes onto its heap's remote stack, drained by the owner when a class
 * runs dry.  The pair path — a table lookup, a pop from the head slab's free list or the
 * next uncarved block, and on free a push onto the block's slab — takes no lock and no
 * atomic read-modify-write, and lives in slab_alloc / slab_free; everything else
 * (carving units, changing lists, draining remote frees) is out of line.
 *
 * Invariants (assertions): a freed block lies in a carved slab of the class its size
 * names, at a multiple of the class size from the slab's base; a slab's use count never
 * underflows; a block is never freed while it is on its slab's free list; a slab is on
 * its class's available list exactly when `listed` says so.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_backend.h"
#include "backend_slab.h"
#include "backend_testing.h"
#include "core/core_assert.h"
#include "large_cache.h"
#include "mem_annotate.h"
#include "mem_map.h"
#include "size_class.h"
#include "slab_arena.h"
#include "slab_runs.h"
#include "slab_state.h"
#include "thread_heap.h"

/* ---- Size classes -------------------------------------------------------------------- */
#define SMALL_MAX ((size_t)8192)   /* classes up to here: one-unit slabs */
#define SLAB_MAX_UNITS 8u
#define MIN_BLOCKS_PER_SLAB 8u
/* Slabs after the head of a class's list that the slow path looks through for one with
 * committed room before committing more: a bounded walk. */
#define ROOM_SEARCH_LIMIT 16
#define LINEAR_CLASSES 8u /* 8, 16, ..., 64 bytes */

static size_t class_size(unsigned index)
{
    return size_class_units(index, LINEAR_CLASSES) * SLAB_QUANTUM;
}

/* Units of a slab of class `index`: one up to SMALL_MAX, else the fewest of 2, 4, 8 that
 * hold MIN_BLOCKS_PER_SLAB blocks (a 9 KiB class: 2 units, 14 blocks; 64 KiB: 8 units, 8
 * blocks; the tail left over is under one block, at most 1/8 of the slab). */
static unsigned class_units(unsigned index)
{
    size_t size = class_size(index);
    if (size <= SMALL_MAX)
        return 1;
    unsigned units = 2;
    while (units < SLAB_MAX_UNITS && units * UNIT_SIZE / size < MIN_BLOCKS_PER_SLAB)
        units *= 2;
    return units;
}

/* Smallest class with size >= request and alignment >= align, by search: the definition
 * the tables below are filled from, and the path for alignments above 16. */
static unsigned class_search(size_t request, size_t align)
{
    if (request > MEDIUM_MAX)
        return CLASS_LARGE;
    unsigned index = size_class_of(units_for(request, SLAB_QUANTUM), LINEAR_CLASSES);
    while (index < CLASS_COUNT && lowest_set_bit(class_size(index)) < align)
        index++;
    return index;
}

/* The class of every request size in 8-byte units, one table per alignment that
 * requests commonly ask for (<= 8: every class qualifies; 16: the default).  The search
 * costs ~90 instructions (a division, a count-leading-zeros and a loop); a table load
 * costs one.  Entry i serves requests 8i+1 .. 8i+8, so a row is 8192 entries and the row
 * for align 16 starts (align & 16) x 512 entries in: a shift and an add, where rows of
 * 8193 (entry i for requests up to 8i) cost a multiply-by-shifts of four instructions.
 * 2 x 8192 bytes, filled once per process. */
uint8_t backend_slab_class_by_units[2 * SLAB_TABLE_UNITS]; /* [0, SLAB_TABLE_UNITS): align <= 8, then 16 */
static uint8_t units_by_class[CLASS_COUNT];
uint32_t backend_slab_bytes_by_class[CLASS_COUNT]; /* class_size: the front's class_bytes, and its misses' request */

/* Requests above this (with align <= 16) are in indexed classes: the largest class below
 * SLAB_INDEXED_MIN_BLOCK, whose alignment (32) covers 16. */
#define INDEXED_REQUEST_ABOVE ((size_t)480)

static inline size_t table_entry(size_t request, size_t align)
{
    BUF_ASSERT(request >= 1 && request <= MEDIUM_MAX && align <= 16);
    return ((request - 1) >> 3) + (align & 16) * (SLAB_TABLE_UNITS / 16);
}

static void class_tables_fill(void)
{
    for (size_t entry = 0; entry < SLAB_TABLE_UNITS; entry++) {
        backend_slab_class_by_units[entry] = (uint8_t)class_search((entry + 1) * SLAB_QUANTUM, 8);
        backend_slab_class_by_units[SLAB_TABLE_UNITS + entry] = (uint8_t)class_search((entry + 1) * SLAB_QUANTUM, 16);
    }
    for (unsigned index = 0; index < CLASS_COUNT; index++) {
        units_by_class[index] = (uint8_t)class_units(index);
        backend_slab_bytes_by_class[index] = (uint32_t)class_size(index);
    }
    BUF_ASSERT(class_size(FIRST_INDEXED_CLASS) == SLAB_INDEXED_MIN_BLOCK &&
               class_size(FIRST_INDEXED_CLASS - 1) < SLAB_INDEXED_MIN_BLOCK);
    BUF_ASSERT(class_search(INDEXED_REQUEST_ABOVE, 16) < FIRST_INDEXED_CLASS &&
               class_search(INDEXED_REQUEST_ABOVE + 1, 8) >= FIRST_INDEXED_CLASS);
}

void backend_slab_class_tables_ready(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, class_tables_fill);
}

/* Smallest class with size >= request and alignment >= align, or CLASS_LARGE. */
static inline unsigned class_for(size_t request, size_t align)
{
    if (request > MEDIUM_MAX)
        return CLASS_LARGE;
    if (align <= 16)
        return backend_slab_class_by_units[table_entry(request ? request : 1, align > SLAB_QUANTUM ? 16 : 8)];
    return class_search(request, align);
}

/* Exposed for the unit tests (size-class waste bound). */
size_t backend_slab_class_size_for(size_t size, size_t align)
{
    backend_slab_class_tables_ready();
    unsigned index = class_for(size, align);
    BUF_ASSERT(index == class_search(size, align));
    return index == CLASS_LARGE ? 0 : class_size(index);
}

size_t backend_slab_span_for(size_t size, size_t align)
{
    backend_slab_class_tables_ready();
    unsigned index = class_for(size, align);
    return index == CLASS_LARGE ? 0 : class_units(index) * UNIT_SIZE;
}

ptrdiff_t backend_slab_offsets_from_descriptor(const void *block)
{
    const slab_t *slab = slab_of(block);
    return slab->indexed ? (const uint8_t *)slab->free_offsets - (const uint8_t *)slab : 0;
}

/* ---- Lists --------------------------------------------------------------------------- */
static void empty_push(slab_heap_t *heap, slab_t *slab)
{
    unsigned index = slab->class_index;
    list_push(&heap->empty[index], slab);
    heap->empty_classes[index / 64] |= (uint64_t)1 << (index % 64);
}

static void empty_remove(slab_heap_t *heap, unsigned index, slab_t *slab)
{
    list_remove(&heap->empty[index], slab);
    if (!heap->empty[index])
        heap->empty_classes[index / 64] &= ~((uint64_t)1 << (index % 64));
}

/* The next class after `after` whose empty list holds a slab, or CLASS_COUNT (from the
 * first class: empty_class_first, slab_state.h). */
unsigned backend_slab_empty_class_after(const slab_heap_t *heap, unsigned after)
{
    for (unsigned word = (after + 1) / 64; word < 2; word++) {
        uint64_t bits = heap->empty_classes[word];
        if (word == (after + 1) / 64)
            bits &= ~(uint64_t)0 << ((after + 1) % 64);
        if (bits)
            return word * 64 + (unsigned)__builtin_ctzll(bits);
    }
    return CLASS_COUNT;
}

/* ---- Indexed slabs: free blocks out of band (slab_arena.h) --------------------------- */
/* Takes a free block of an indexed slab (the one freed last first), or NULL. */
static inline void *indexed_take(slab_t *slab)
{
    void *block = slab->free_list;
    if (block) {
        slab->free_list = NULL;
        return block;
    }
    return slab->free_count ? indexed_pop(slab) : NULL;
}

static inline void indexed_give(slab_t *slab, void *block)
{
    if (slab->free_list)
        indexed_push(slab, slab->free_list);
    slab->free_list = block;
}

/* For BUF_ASSERT_EXPENSIVE: walks the slab's free blocks. */
bool backend_slab_free_list_contains(const slab_t *slab, const void *block)
{
    if (slab->indexed) {
        for (uint32_t i = 0; i < slab->free_count; i++)
            if (slab->base + ((size_t)slab->free_offsets[i] << SLAB_OFFSET_SHIFT) == (const uint8_t *)block)
                return true;
        return slab->free_list == block;
    }
    for (void *free_block = slab->free_list; free_block; free_block = free_block_next(free_block))
        if (free_block == block)
            return true;
    return false;
}

/* ---- Slabs (slow path) --------------------------------------------------------------- */

/* A slab for class `class_index`: an empty one of the right length, or fresh units from
 * the heap's arena (a new arena when the current one has too few units left; the rest
 * of the old one stays reserved, never committed). */
static slab_t *slab_new(slab_heap_t *heap, unsigned class_index, bool committed_only)
{
    unsigned units = units_by_class[class_index];
    /* One that served this class (committed as far as the class carved it), else the
     * first empty slab of another class of the same length (the classes with an empty
     * slab are a bitmap: a few bits, not 88 lists). */
    unsigned from = class_index;
    if (!heap->empty[from])
        for (from = empty_class_first(heap); from < CLASS_COUNT && units_by_class[from] != units;
             from = backend_slab_empty_class_after(heap, from))
            ;
    slab_t *slab = from < CLASS_COUNT ? heap->empty[from] : NULL;
    if (committed_only && (!slab || slab->committed < class_size(class_index)))
        return NULL;
    if (slab) {
        BUF_ASSERT(slab->used == 0 && slab->units == units);
        empty_remove(heap, from, slab);
    } else {
        if (!heap->arena || heap->arena->units_carved + units > UNITS_PER_ARENA) {
            heap->arena = backend_slab_arena_new(heap->owner);
            if (!heap->arena)
                return NULL;
        }
        uint32_t index = heap->arena->units_carved;
        slab = &heap->arena->units[index];
        slab->base = (uint8_t *)heap->arena + (size_t)index * UNIT_SIZE;
        slab->heap = heap;
        slab->units = (uint8_t)units;
        slab->committed = 0;
        slab->writable = 0;
        slab->carved = 0;
        slab->block_size = (uint32_t)class_size(class_index);
        if (!backend_slab_commit_more(slab))
            return NULL;
        heap->arena->units_carved += units;
        for (unsigned u = 0; u < units; u++)
            heap->arena->unit_slab[index + u] = slab;
        slab->in_use = true;
    }
    slab->class_index = (uint16_t)class_index;
    slab->block_size = (uint32_t)class_size(class_index);
    slab->capacity = (uint32_t)(units * UNIT_SIZE / slab->block_size);
    slab->carved = 0;
    slab->used = 0;
    slab->free_list = NULL;
    slab->indexed = slab->block_size >= SLAB_INDEXED_MIN_BLOCK;
    slab->free_count = 0;
    /* A slab of several units keeps its offsets in its second unit's descriptor, beside
     * its own; a one-unit slab in its unit's row of the header (slab_arena.h).  Either
     * holds the slab's whole stack: a slab of several units has fewer than
     * 2 x MIN_BLOCKS_PER_SLAB blocks (its units double until it holds that many). */
    _Static_assert(2 * MIN_BLOCKS_PER_SLAB * sizeof(uint16_t) <= sizeof(slab_t), "a descriptor holds such a stack");
    const bool in_descriptor = slab->units > 1;
    slab->free_offsets = in_descriptor ? (uint16_t *)(void *)(slab + 1)
                                       : arena_of(slab)->free_offsets[slab - arena_of(slab)->units];
    BUF_ASSERT(slab->indexed == (class_index >= FIRST_INDEXED_CLASS));
    BUF_ASSERT(!slab->indexed ||
               slab->capacity <= (in_descriptor ? sizeof(slab_t) / sizeof(uint16_t) : SLAB_INDEX_CAPACITY));
    slab->listed = false;
    slab_set_carve_limit(slab);
    return slab;
}

/* ---- Allocate ------------------------------------------------------------------------ */

/* The next block of a slab that has one within its committed units, or NULL. */
static inline void *slab_take_block(slab_t *slab)
{
    void *block = slab->indexed ? indexed_take(slab) : slab->free_list;
    if (block) {
        if (!slab->indexed)
            slab->free_list = free_block_next(block);
    } else if (slab->carved < slab->carve_limit) {
        block = slab->base + (size_t)slab->carved++ * slab->block_size;
    } else {
        return NULL;
    }
    slab->used++;
    return block;
}

/* A slab after `head` on its class's list with a free block or an uncarved one within
 * what it committed (a bounded walk), or NULL. */
static slab_t *slab_with_committed_room(slab_t *head)
{
    slab_t *slab = head->next;
    for (int looked = 0; slab && looked < ROOM_SEARCH_LIMIT; looked++, slab = slab->next)
        if (slab->free_list || slab->free_count || slab->carved < slab->carve_limit)
            return slab;
    return NULL;
}

/* Everything but a block from the head slab of a class: the large path, other
 * alignments, a class whose head slab ran out (remote frees, more units, the next slab,
 * a new slab). */
__attribute__((noinline)) void *backend_slab_alloc_slow(slab_state_t *state, size_t size, size_t request,
                                                        size_t align)
{
    unsigned class_index = class_for(request, align);
    if (class_index == CLASS_LARGE) /* runs and large blocks belong to no heap */
        return request <= RUN_MAX ? backend_slab_run_alloc(&state->runs, size, request)
                                  : backend_large_cache_alloc(&state->large, size, request);
    slab_heap_t *heap = (slab_heap_t *)backend_heap_set_mine(&state->heaps);
    if (!heap)
        return NULL;
    backend_slab_heap_drain_remote(heap);
    slab_t **available = &heap->available[class_index];
    for (;;) {
        slab_t *slab = *available;
        if (!slab) {
            slab = slab_new(heap, class_index, false);
            if (!slab)
                return NULL;
            list_push(available, slab);
            slab->listed = true;
        }
        BUF_ASSERT(slab->class_index == class_index && slab->listed);
        void *block = slab_take_block(slab);
        if (block) {
            mem_block_handed_out(block, size);
            return block;
        }
        if (slab->carved < slab->capacity) {
            /* Committed room elsewhere first (another slab of the class, or an empty slab
             * committed far enough): committing more only when none is left keeps a
             * workload that runs again within the pages it committed the first time. */
            slab_t *roomy = slab_with_committed_room(slab);
            if (roomy) {
                list_remove(available, roomy);
            } else if ((roomy = slab_new(heap, class_index, true)) != NULL) {
                roomy->listed = true;
            } else {
                if (!backend_slab_commit_more(slab))
                    return NULL;
                slab_set_carve_limit(slab);
                continue;
            }
            list_push(available, roomy);
            continue;
        }
        /* Every block is live: off the list until one comes back. */
        BUF_ASSERT(slab->used == slab->capacity);
        list_remove(available, slab);
        slab->listed = false;
    }
}

void *backend_slab_alloc(void *opaque, size_t size, size_t align)
{
    slab_state_t *state = opaque;
    size_t request = size + state->redzone; /* sanitizer builds: poisoned bytes after every block */
    slab_heap_t *heap = (slab_heap_t *)backend_heap_set_mine_cached(&state->heaps);
    /* The pair path: no annotations (they would need the stack and calls; an annotated
     * run takes the slow path, which does everything), a pop or a carve from the head
     * slab of the class. */
    /* request - 1 < fast_max: 1 <= request <= MEDIUM_MAX (a request of 0 wraps around and
     * goes the slow path), and never when annotated (fast_max 0). */
    if (__builtin_expect(request - 1 < state->fast_max && align <= 16 && heap != NULL, 1)) {
        /* align <= 16 here: (align & 16) picks the row without a compare */
        unsigned class_index = backend_slab_class_by_units[table_entry(request, align)];
        slab_t *slab = heap->available[class_index];
        if (__builtin_expect(slab != NULL, 1)) {
            void *block = slab->free_list;
            if (block) {
                /* Indexed slabs hold their last freed block here, with no link in it. */
                slab->free_list = class_index >= FIRST_INDEXED_CLASS ? NULL : *(void **)block;
                slab->used++;
                return block;
            }
            if (slab->free_count) { /* an indexed slab (intrusive ones keep it 0) */
                slab->used++;
                return indexed_pop(slab);
            }
            if (slab->carved < slab->carve_limit) {
                slab->used++;
                return slab->base + (size_t)slab->carved++ * slab->block_size;
            }
        }
    }
    /* Runs go straight to slab_runs.c (a tail call), not through the slow path: calling
     * out of it cost alloc_pair/slab/262144 ~25 instructions per pair more than the
     * inlined run code had (prologue, class lookup, a second call). */
    if (request > MEDIUM_MAX && request <= RUN_MAX)
        return backend_slab_run_alloc(&state->runs, size, request);
    return backend_slab_alloc_slow(state, size, request, align);
}

/* ---- Free ---------------------------------------------------------------------------- */
/* A local free changed what the slab's lists must say: it was full (not listed), or it
 * is now empty and not the head of its class (the head stays, so an alloc-free pair
 * keeps using one slab instead of trading it in and out of the empty list). */
__attribute__((noinline)) void backend_slab_relist(slab_heap_t *heap, slab_t *slab)
{
    slab_t **available = &heap->available[slab->class_index];
    if (!slab->listed) {
        list_push(available, slab);
        slab->listed = true;
    }
    if (slab->used == 0 && *available != slab) {
        list_remove(available, slab);
        slab->listed = false;
        mem_poison(slab->base, slab->committed);
        empty_push(heap, slab);
    }
}

/* Owner thread only: a block just linked back into its slab is one fewer in use, and the
 * lists must say so (slab_relist) when the slab was full or is now empty and not the head. */
static inline __attribute__((always_inline)) void slab_block_back(slab_heap_t *heap, slab_t *slab)
{
    slab->used--;
    if (__builtin_expect(!slab->listed || (slab->used == 0 && heap->available[slab->class_index] != slab), 0))
        backend_slab_relist(heap, slab);
}

/* Owner thread only.  The block is already poisoned; links it into its slab and keeps
 * the lists right. */
static inline void slab_free_local(slab_heap_t *heap, slab_t *slab, void *block)
{
    BUF_ASSERT(slab->heap == heap);
    BUF_ASSERT(slab->used > 0);
    BUF_ASSERT((size_t)((uint8_t *)block - slab->base) / slab->block_size < slab->carved);
    BUF_ASSERT_EXPENSIVE(!backend_slab_free_list_contains(slab, block));
    if (slab->indexed) {
        indexed_give(slab, block);
    } else {
        mem_link_open(block);
        *(void **)block = slab->free_list;
        mem_link_close(block);
        slab->free_list = block;
    }
    slab_block_back(heap, slab);
}

void backend_slab_heap_drain_remote(slab_heap_t *heap)
{
    void *block = backend_thread_heap_take_remote(&heap->base);
    while (block) {
        void *next = free_block_next(block);
        slab_free_local(heap, slab_of(block), block);
        block = next;
    }
}

/* Large blocks, blocks freed on a thread other than their slab's owner, alignments above
 * 16, and every free of an annotated run. */
__attribute__((noinline)) void backend_slab_free_slow(slab_state_t *state, void *ptr, size_t size,
                                                      size_t request, size_t align)
{
    if (class_for(request, align) == CLASS_LARGE) { /* runs and large blocks: no heap */
        if (request <= RUN_MAX) {
            backend_slab_run_free(&state->runs, ptr, size, request);
            return;
        }
        backend_large_cache_free(&state->large, ptr, size, request);
        return;
    }
    slab_heap_t *mine = (slab_heap_t *)backend_heap_set_mine(&state->heaps);
    slab_t *slab = slab_of(ptr);
    slab_check_freed_block(slab, ptr, request, align);
    mem_block_taken_back(ptr, slab->block_size);
    if (slab->heap == mine) {
        slab_free_local(mine, slab, ptr);
        return;
    }
    mem_link_open(ptr); /* the owner closes it when it drains the remote stack */
    backend_thread_heap_push_remote(&slab->heap->base, ptr);
}

/* The pair path's give: the owner's block back onto its slab, whose kind the caller knows
 * from a value in a register (the request, or the class). */
static inline __attribute__((always_inline)) void slab_give_mine(slab_heap_t *mine, slab_t *slab, void *ptr,
                                                                 bool indexed)
{
    BUF_ASSERT(slab->used > 0); /* the owner's field: read on the owner's thread only */
    if (indexed) { /* an indexed slab: the block stays untouched */
        BUF_ASSERT(slab->indexed);
        indexed_give(slab, ptr);
    } else {
        BUF_ASSERT(!slab->indexed);
        *(void **)ptr = slab->free_list;
        slab->free_list = ptr;
    }
    slab_block_back(mine, slab);
}

void backend_slab_free(void *opaque, void *ptr, size_t size, size_t align)
{
    slab_state_t *state = opaque;
    size_t request = size + state->redzone;
    /* Large exactly when alloc found no class: requests above MEDIUM_MAX, or alignments
     * above 16 that no class has (the slow path decides those). */
    if (__builtin_expect(request <= state->fast_max && align <= 16, 1)) {
        /* The block's slab names its class: no size-class lookup on free. */
        slab_t *slab = slab_of(ptr);
        slab_heap_t *mine = (slab_heap_t *)backend_heap_set_mine_cached(&state->heaps);
        if (__builtin_expect(slab->heap == mine, 1)) { /* never NULL: a miss goes the slow path */
            slab_check_freed_block(slab, ptr, request, align);
            slab_give_mine(mine, slab, ptr, request > INDEXED_REQUEST_ABOVE);
            return;
        }
    }
    if (request > MEDIUM_MAX && request <= RUN_MAX) { /* runs: as in backend_slab_alloc */
        backend_slab_run_free(&state->runs, ptr, size, request);
        return;
    }
    backend_slab_free_slow(state, ptr, size, request, align);
}
