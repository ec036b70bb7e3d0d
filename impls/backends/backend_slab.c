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
 * Memory accounting and giving idle pages back: slab_pages.c.  Create, destroy and the
 * vtable: slab_lifecycle.c.  The state types and shared helpers: slab_state.h.
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
#define QUANTUM ((size_t)8)
#define LINEAR_CLASSES 8u /* 8, 16, ..., 64 bytes */

static size_t class_size(unsigned index)
{
    return size_class_units(index, LINEAR_CLASSES) * QUANTUM;
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
    unsigned index = size_class_of(units_for(request, QUANTUM), LINEAR_CLASSES);
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
#define TABLE_UNITS (MEDIUM_MAX / QUANTUM)
static uint8_t class_by_units[2 * TABLE_UNITS]; /* [0, TABLE_UNITS): align <= 8, then 16 */
static uint8_t units_by_class[CLASS_COUNT];
static uint32_t bytes_by_class[CLASS_COUNT]; /* class_size: the front's class_bytes, and its misses' request */

/* Requests above this (with align <= 16) are in indexed classes: the largest class below
 * SLAB_INDEXED_MIN_BLOCK, whose alignment (32) covers 16. */
#define INDEXED_REQUEST_ABOVE ((size_t)480)

static inline size_t table_entry(size_t request, size_t align)
{
    BUF_ASSERT(request >= 1 && request <= MEDIUM_MAX && align <= 16);
    return ((request - 1) >> 3) + (align & 16) * (TABLE_UNITS / 16);
}

static void class_tables_fill(void)
{
    for (size_t entry = 0; entry < TABLE_UNITS; entry++) {
        class_by_units[entry] = (uint8_t)class_search((entry + 1) * QUANTUM, 8);
        class_by_units[TABLE_UNITS + entry] = (uint8_t)class_search((entry + 1) * QUANTUM, 16);
    }
    for (unsigned index = 0; index < CLASS_COUNT; index++) {
        units_by_class[index] = (uint8_t)class_units(index);
        bytes_by_class[index] = (uint32_t)class_size(index);
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
        return class_by_units[table_entry(request ? request : 1, align > QUANTUM ? 16 : 8)];
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

/* ---- The front: the thread cache the framework's inline paths use -----------------------
 * buf_backend.h ("The backend's front"): the owner thread of the framework's instance pops
 * and pushes freed blocks on one out-of-band stack per class, for default-alignment
 * requests of 1 .. MEDIUM_MAX bytes, without calling backend_slab_alloc or
 * backend_slab_free (callgrind, alloc_pair/slab/64: the call and slab's pair paths were
 * ~90 of the 110 instructions per pair).  What we promise by publishing it holds here:
 * the align-16 row of class_by_units is the table, a block of a class serves every
 * request of it, and backend_slab_free takes a block back with its class's size (it
 * looks the class up from the block's slab, never from the size, save assertions that
 * the size names the class: a class size names itself in the align-16 row, since every
 * class that row reaches is 16-aligned).
 *
 * Bounds: a stack holds at most FRONT_BLOCKS_MAX blocks (31) and at most FRONT_CLASS_BYTES
 * bytes (16 KiB), but always one block, so that an alloc-free pair of any size up to 64 KiB
 * hits.  Summed over the 80 classes the align-16 row reaches, the most a front holds is
 * 1338 KiB (classes up to 512 B: 31 blocks; 1 KiB: 16; 2 KiB: 8; 4 KiB: 4; 8 KiB: 2; the
 * 21 classes from 9 KiB to 64 KiB one each), checked when the first front is made.
 * alloc_mixed (a 14 MiB working set of random sizes) keeps its overhead at peak OS / peak
 * live bytes <= 1.3: the cached blocks stay committed slab memory counted in bytes_os, and
 * the sizes there hold a few hundred KiB at most (slab 1.2751 -> 1.2696 and pool
 * 1.2975 -> 1.2982 from 7 blocks and 8 KiB a class; README, "Allocation performance").
 *
 * The stacks of FRONT_BULK_MIN_BLOCKS or more move half their capacity per miss (the
 * misses below): a run of allocations or frees of one class, as in a batch, calls here
 * once per half a stack.
 *
 * Off (slab publishes no front): when annotated (ASan builds, valgrind watching: every
 * free must reach the slow path that poisons the block), for the option "nocache"
 * (slab:nocache) and when the environment has BUFBENCH_SLAB_CACHE=0 (read at create), so
 * that a benchmark can measure slab's own pair paths. */
#define FRONT_BLOCKS_MAX 31u
#define FRONT_CLASS_BYTES ((size_t)16384)
/* Classes whose stacks refill and flush half their capacity at once: those holding at least
 * FRONT_BULK_MIN_BLOCKS blocks (below, a refill or a flush moves too few blocks to pay for
 * its loop: callgrind, alloc_batch_lifo/slab/4096 with four-block stacks, 122 -> 129 per
 * pair).  The classes up to 2 KiB (indices 0 .. 47): a constant, so that the miss paths
 * test the class or the stack's address, not load the capacity. */
#define FRONT_BULK_MIN_BLOCKS 8u
#define FRONT_BULK_CLASSES 48u
#define FRONT_TOTAL_BYTES_MAX (((size_t)1338 << 10) + 64)

static uint32_t front_capacity(unsigned class_index)
{
    size_t size = class_size(class_index);
    size_t blocks = FRONT_CLASS_BYTES / size;
    blocks = blocks < 1 ? 1 : blocks;
    return (uint32_t)(blocks < FRONT_BLOCKS_MAX ? blocks : FRONT_BLOCKS_MAX);
}

void backend_slab_front_init(slab_state_t *state)
{
    _Static_assert(FRONT_BLOCKS_MAX <= BUF_BACKEND_FRONT_BLOCKS, "a stack holds at most BUF_BACKEND_FRONT_BLOCKS");
    _Static_assert(TABLE_UNITS >= (MEDIUM_MAX - 1) / QUANTUM + 1, "the align-16 row covers 1 .. MEDIUM_MAX");
    size_t total = 0;
    for (unsigned class_index = 0; class_index < CLASS_COUNT; class_index++) {
        /* Only the classes the align-16 row reaches can ever hold a block. */
        bool reached = lowest_set_bit(class_size(class_index)) >= BUF_DEFAULT_ALIGN;
        buf_backend_front_stack_t *stack = &state->front_stacks[class_index];
        stack->count = 0;
        stack->capacity = reached ? front_capacity(class_index) : 0;
        total += stack->capacity * class_size(class_index);
    }
    /* The stacks after the last class: never a block of ours (backend_slab.h). */
    for (unsigned extra = 0; extra < BACKEND_SLAB_FRONT_OWNER_STACKS; extra++)
        state->front_stacks[CLASS_COUNT + extra] = (buf_backend_front_stack_t){.count = 0, .capacity = 0};
    BUF_ASSERT(total <= FRONT_TOTAL_BYTES_MAX);
    /* The bulk classes are exactly those whose stacks hold FRONT_BULK_MIN_BLOCKS or more. */
    BUF_ASSERT(front_capacity(FRONT_BULK_CLASSES - 1) >= FRONT_BULK_MIN_BLOCKS &&
               front_capacity(FRONT_BULK_CLASSES) < FRONT_BULK_MIN_BLOCKS);
    (void)total;
    _Static_assert(BACKEND_SLAB_FRONT_CLASSES == CLASS_COUNT, "backend_slab.h names the class count");
    _Static_assert(BUF_BACKEND_FRONT_MAX == MEDIUM_MAX, "the front serves the slab classes, 1 .. 64 KiB");
    state->front = (buf_backend_front_t){.class_of = &class_by_units[TABLE_UNITS],
                                         .stacks = state->front_stacks,
                                         .class_bytes = bytes_by_class,
                                         .class_count = CLASS_COUNT,
                                         .alloc_miss = backend_slab_front_alloc_miss,
                                         .free_miss = backend_slab_front_free_miss};
}

const buf_backend_front_t *backend_slab_front_of(void *opaque)
{
    slab_state_t *state = opaque;
    return &state->front;
}

/* ---- Lists --------------------------------------------------------------------------- */
static void list_push(slab_t **head, slab_t *slab)
{
    slab->prev = NULL;
    slab->next = *head;
    if (*head)
        (*head)->prev = slab;
    *head = slab;
}

static void list_remove(slab_t **head, slab_t *slab)
{
    if (slab->prev)
        slab->prev->next = slab->next;
    else
        *head = slab->next;
    if (slab->next)
        slab->next->prev = slab->prev;
    slab->prev = slab->next = NULL;
}

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
static inline void *indexed_pop(slab_t *slab)
{
    BUF_ASSERT(slab->indexed && slab->free_count > 0);
    return slab->base + ((size_t)slab->free_offsets[--slab->free_count] << SLAB_OFFSET_SHIFT);
}

static inline void indexed_push(slab_t *slab, const void *block)
{
    BUF_ASSERT(slab->indexed && slab->free_count < slab->capacity);
    slab->free_offsets[slab->free_count++] = (uint16_t)(((const uint8_t *)block - slab->base) >> SLAB_OFFSET_SHIFT);
}

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
static bool free_list_contains(const slab_t *slab, const void *block)
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
    slab->free_offsets = arena_of(slab)->free_offsets[slab - arena_of(slab)->units];
    BUF_ASSERT(slab->indexed == (class_index >= FIRST_INDEXED_CLASS));
    BUF_ASSERT(!slab->indexed || slab->capacity <= SLAB_INDEX_CAPACITY);
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
static __attribute__((noinline)) void *slab_alloc_slow(slab_state_t *state, size_t size, size_t request,
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
        unsigned class_index = class_by_units[table_entry(request, align)];
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
    return slab_alloc_slow(state, size, request, align);
}

/* ---- Free ---------------------------------------------------------------------------- */
/* A local free changed what the slab's lists must say: it was full (not listed), or it
 * is now empty and not the head of its class (the head stays, so an alloc-free pair
 * keeps using one slab instead of trading it in and out of the empty list). */
static __attribute__((noinline)) void slab_relist(slab_heap_t *heap, slab_t *slab)
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
        slab_relist(heap, slab);
}

/* Owner thread only.  The block is already poisoned; links it into its slab and keeps
 * the lists right. */
static inline void slab_free_local(slab_heap_t *heap, slab_t *slab, void *block)
{
    BUF_ASSERT(slab->heap == heap);
    BUF_ASSERT(slab->used > 0);
    BUF_ASSERT((size_t)((uint8_t *)block - slab->base) / slab->block_size < slab->carved);
    BUF_ASSERT_EXPENSIVE(!free_list_contains(slab, block));
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

/* The block must lie in a carved slab (never unit 0, the arena header) serving the class
 * its size names, at a whole number of blocks from the slab's base.  These fields are
 * written before the block was handed out and stay fixed while it is live, so any thread
 * may read them (not `used` or the free list: those are the owner's). */
static inline void slab_check_freed_block(const slab_t *slab, const void *ptr, size_t request, size_t align)
{
    BUF_ASSERT(slab != NULL && slab != &arena_of(ptr)->units[0] && slab->in_use);
    BUF_ASSERT(class_for(request, align) == slab->class_index);
    BUF_ASSERT((size_t)((const uint8_t *)ptr - slab->base) % slab->block_size == 0);
    BUF_ASSERT_EXPENSIVE(slab->heap != (slab_heap_t *)backend_heap_last.heap || !free_list_contains(slab, ptr));
    (void)slab, (void)ptr, (void)request, (void)align;
}

/* Large blocks, blocks freed on a thread other than their slab's owner, alignments above
 * 16, and every free of an annotated run. */
static __attribute__((noinline)) void slab_free_slow(slab_state_t *state, void *ptr, size_t size, size_t request,
                                                     size_t align)
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
    slab_free_slow(state, ptr, size, request, align);
}

/* ---- The front's misses ---------------------------------------------------------------
 * The framework's inline paths call these with the stack of the class they looked up in
 * the align-16 row of class_by_units (buf_backend.h, "The backend's front"): an alloc
 * whose stack is empty, a free whose stack is full.  The class is the stack's index (a
 * subtract and a shift).  They do what backend_slab_alloc and backend_slab_free do after
 * their size checks and class lookup (a front exists only when the instance is not
 * annotated: no red zone, fast_max is MEDIUM_MAX), and fall into the same slow paths with
 * the class's size as the request (a class size names itself in the align-16 row). */
static inline unsigned front_class_of_stack(const slab_state_t *state, const buf_backend_front_stack_t *stack)
{
    BUF_ASSERT(stack >= state->front_stacks && stack < state->front_stacks + CLASS_COUNT);
    BUF_ASSERT(state->redzone == 0 && state->fast_max == MEDIUM_MAX);
    return (unsigned)(stack - state->front_stacks);
}

/* A miss of a bulk class (FRONT_BULK_CLASSES: stacks of 8 to 31 blocks) whose head slab has
 * free blocks takes up to half the stack's capacity more from it: a linked class (below
 * 512 bytes) from its free list (the walk reads the links slab's own alloc would read),
 * an indexed one from its offsets.  A run of allocations then calls here once per half a
 * stack, and a free after the refill finds room.  The smaller stacks take one block:
 * refilling them cost the one- to four-block classes more per call than the calls it saved
 * (callgrind, alloc_batch_lifo/slab/4096 and /65536: +7 and +6 per pair with their one- and
 * two-block stacks; 4096 +7 with four).  A slab with no free block carves half a stack
 * ahead the same way (front_refill_carved). */
/* Hands out `block`, the head of the linked slab's free list, and moves up to half the
 * stack's capacity of the blocks after it onto the (empty) stack.  Out of line, reached by
 * a tail call: inlined, its registers cost the indexed classes' one-block misses three
 * moves each (callgrind, alloc_batch_lifo/slab/4096 and /65536: +1.3 per pair). */
static __attribute__((noinline)) void *front_refill_linked(slab_t *slab, buf_backend_front_stack_t *stack,
                                                           void *block)
{
    BUF_ASSERT(stack->count == 0 && !slab->indexed && slab->free_list == block);
    /* Top down, so that the stack pops them in the free list's order (newest first). */
    void *next = *(void **)block;
    uint32_t fill = stack->capacity / 2, count = 0;
    while (count < fill && next != NULL) {
        stack->blocks[fill - 1 - count++] = next;
        next = *(void **)next;
    }
    if (count < fill) /* the list ran out: down to the bottom */
        memmove(stack->blocks, stack->blocks + (fill - count), count * sizeof stack->blocks[0]);
    slab->free_list = next;
    slab->used += count + 1;
    stack->count = count;
    return block;
}

/* Carves the next block of the slab to hand out and up to half the stack's capacity of the
 * blocks after it onto the (empty) stack, within what the slab committed (no block is
 * touched).  A slab emptied by frees goes to the empty list and is carved again from its
 * base when reused (slab_new), so a batch's allocations carve as often as they pop. */
static __attribute__((noinline, returns_nonnull)) void *front_refill_carved(slab_t *slab,
                                                                            buf_backend_front_stack_t *stack)
{
    BUF_ASSERT(stack->count == 0 && slab->carved < slab->carve_limit);
    uint8_t *block = slab->base + (size_t)slab->carved * slab->block_size;
    uint32_t more = slab->carve_limit - slab->carved - 1, fill = stack->capacity / 2;
    more = more < fill ? more : fill;
    /* Top down: the stack pops them in carving order. */
    for (uint32_t k = 0; k < more; k++)
        stack->blocks[more - 1 - k] = block + (size_t)(k + 1) * slab->block_size;
    slab->carved += more + 1;
    slab->used += more + 1;
    stack->count = more;
    return block;
}

/* An indexed slab's next block (its last freed, else the top of its offsets) to hand out,
 * and up to half the stack's capacity more from its offsets onto the (empty) stack, in the
 * order slab's own alloc would take them. */
static __attribute__((noinline, returns_nonnull)) void *front_refill_indexed(slab_t *slab,
                                                                             buf_backend_front_stack_t *stack)
{
    BUF_ASSERT(stack->count == 0 && slab->indexed && (slab->free_list || slab->free_count));
    uint32_t count = slab->free_count;
    const uint16_t *offsets = slab->free_offsets;
    uint8_t *const base = slab->base;
    void *block = slab->free_list;
    if (block)
        slab->free_list = NULL;
    else
        block = base + ((size_t)offsets[--count] << SLAB_OFFSET_SHIFT);
    uint32_t more = stack->capacity / 2;
    more = count < more ? count : more;
    for (uint32_t k = 0; k < more; k++)
        stack->blocks[more - 1 - k] = base + ((size_t)offsets[--count] << SLAB_OFFSET_SHIFT);
    slab->free_count = (uint8_t)count;
    slab->used += more + 1;
    stack->count = more;
    return block;
}

/* A block of the class from `slab`, the head of its list, as slab's own alloc would take it:
 * the last freed (an indexed class's slot, or a linked class's free list, which refills the
 * stack), a freed offset, a carved block; NULL when the slab has none of those.  Inlined
 * into both callers below, whose tests of the result the compiler drops (every block
 * returned is known not to be NULL). */
static inline __attribute__((always_inline)) void *front_take(slab_t *slab, buf_backend_front_stack_t *stack,
                                                              unsigned class_index)
{
    void *block = slab->free_list;
    if (block) {
        if (class_index >= FIRST_INDEXED_CLASS) {
            if (class_index < FRONT_BULK_CLASSES)
                return front_refill_indexed(slab, stack);
            slab->free_list = NULL;
            slab->used++;
            return block;
        }
        block = front_refill_linked(slab, stack, block);
    } else if (slab->free_count) {
        if (class_index < FRONT_BULK_CLASSES)
            return front_refill_indexed(slab, stack);
        slab->used++;
        block = indexed_pop(slab);
    } else if (slab->carved < slab->carve_limit) {
        if (class_index < FRONT_BULK_CLASSES)
            return front_refill_carved(slab, stack);
        slab->used++;
        block = slab->base + (size_t)slab->carved++ * slab->block_size;
    } else {
        return NULL;
    }
    if (block == NULL)
        __builtin_unreachable();
    return block;
}

/* The head slab of a class ran out and every block it carved is live: off the class's list
 * until one comes back, as slab_alloc_slow would do, and on to the next slab of the list
 * here (a batch of 1000 x 64 KiB moves past a full slab every 8 allocations: ~100
 * instructions each through the slow path's drain, class lookup and loop).  Slabs with
 * pages left to commit, and the end of the list, go the slow path.  Out of line, reached
 * by a tail call: in the miss path, the loop's registers cost every miss a save and a
 * restore. */
static __attribute__((noinline)) void *front_alloc_next_slab(slab_state_t *state, slab_heap_t *heap,
                                                             buf_backend_front_stack_t *stack, unsigned class_index)
{
    slab_t **available = &heap->available[class_index];
    for (slab_t *slab = *available; slab != NULL; slab = *available) {
        void *block = front_take(slab, stack, class_index);
        if (block)
            return block;
        if (slab->carved < slab->capacity) /* more pages to commit */
            break;
        BUF_ASSERT(slab->used == slab->capacity && slab->listed);
        list_remove(available, slab);
        slab->listed = false;
    }
    size_t request = bytes_by_class[class_index];
    return slab_alloc_slow(state, request, request, BUF_DEFAULT_ALIGN);
}

/* The head-slab take (front_take) repeats backend_slab_alloc's on purpose: a helper shared by the
 * two, with its NULL test and jump back, cost pool's large requests (which reach
 * backend_slab_alloc) 2.8 instructions per pair (callgrind, alloc_batch_lifo/pool/4096). */
void *backend_slab_front_alloc_miss(void *opaque, buf_backend_front_stack_t *stack, size_t size)
{
    slab_state_t *state = opaque;
    unsigned class_index = front_class_of_stack(state, stack);
    BUF_ASSERT(size >= 1 && size <= bytes_by_class[class_index]); /* the class's block serves it */
    (void)size;
    /* The one-entry heap cache's id, not the heap pointer, is the test: a matching id comes
     * with its heap (ids start at 1; the empty entry is {0, NULL}), so the pointer needs no
     * test of its own (backend_heap_set_mine_cached tests the id and returns the pointer). */
    if (__builtin_expect(backend_heap_last.set_id == state->heaps.id, 1)) {
        slab_heap_t *heap = (slab_heap_t *)backend_heap_last.heap;
        BUF_ASSERT(heap != NULL);
        slab_t *slab = heap->available[class_index];
        if (__builtin_expect(slab != NULL, 1)) {
            void *block = front_take(slab, stack, class_index);
            if (block)
                return block;
            return front_alloc_next_slab(state, heap, stack, class_index);
        }
    }
    size_t request = bytes_by_class[class_index];
    BUF_ASSERT(class_for(request, BUF_DEFAULT_ALIGN) == class_index);
    return slab_alloc_slow(state, request, request, BUF_DEFAULT_ALIGN);
}

/* The owner's n blocks of one slab just linked back into it (its free list or its offsets):
 * one change of its use count, and of its class's list when the slab was full (back on the
 * list here, at its head, not through slab_relist's call: a run of frees reaches every full
 * slab of the class this way; the head stays, even when now empty) or is now empty and
 * not the head. */
static inline __attribute__((always_inline)) void front_blocks_back(slab_heap_t *mine, slab_t *slab, uint32_t n)
{
    BUF_ASSERT(slab->used >= n);
    slab->used -= n;
    if (__builtin_expect(!slab->listed, 0)) {
        list_push(&mine->available[slab->class_index], slab);
        slab->listed = true;
        return;
    }
    if (__builtin_expect(slab->used == 0 && mine->available[slab->class_index] != slab, 0))
        slab_relist(mine, slab);
}

/* Blocks `head` .. `tail` of one slab, linked to each other, back onto it: one splice of
 * the slab's free list and one change of its use count for the n blocks.  Blocks of another
 * heap (freed by the owner before the front was turned off) go slab's slow path one by one. */
static void front_give_chain(slab_state_t *state, slab_heap_t *mine, void *head, void *tail, uint32_t n,
                             size_t request)
{
    slab_t *slab = slab_of(head);
    if (__builtin_expect(slab->heap != mine, 0)) {
        for (void *block = head, *next; n > 0; n--, block = next) {
            next = *(void **)block; /* the slow path writes its own link */
            slab_free_slow(state, block, request, request, BUF_DEFAULT_ALIGN);
        }
        return;
    }
    BUF_ASSERT(!slab->indexed);
    *(void **)tail = slab->free_list;
    slab->free_list = head;
    front_blocks_back(mine, slab, n);
}

/* A full stack of a linked class gives back the block being freed and the newest half of
 * what it holds, so that a run of frees calls here once per half a stack and an alloc
 * after it still finds blocks (as after a refill, front_refill_linked).  A linked class's
 * slab is one unit, so blocks of one slab are told by their unit (a shift and a compare,
 * not slab_of's lookup); each run of them goes back in one splice (front_give_chain). */
static __attribute__((noinline)) void front_flush_linked(slab_state_t *state, slab_heap_t *mine,
                                                         buf_backend_front_stack_t *stack, void *ptr)
{
    const size_t request = bytes_by_class[front_class_of_stack(state, stack)];
    const uint32_t keep = stack->capacity / 2;
    BUF_ASSERT(stack->count == stack->capacity && keep >= 1);
    void *head = ptr, *tail = ptr;
    uint32_t n = 1;
    uintptr_t unit = (uintptr_t)ptr / UNIT_SIZE;
    for (uint32_t i = stack->count; i-- > keep;) {
        void *block = stack->blocks[i];
        BUF_ASSERT(slab_of(block)->units == 1);
        slab_check_freed_block(slab_of(block), block, request, BUF_DEFAULT_ALIGN);
        if ((uintptr_t)block / UNIT_SIZE == unit) {
            *(void **)block = head;
            head = block;
            n++;
            continue;
        }
        front_give_chain(state, mine, head, tail, n, request);
        head = tail = block;
        n = 1;
        unit = (uintptr_t)block / UNIT_SIZE;
    }
    stack->count = keep;
    front_give_chain(state, mine, head, tail, n, request);
}

/* front_flush_linked for an indexed class: the block being freed and the newest half of the
 * stack onto their slabs' offsets (no block touched), one count change per run of blocks
 * of one slab.  A run's slab is told by the block's distance from its base (one compare,
 * not slab_of's lookup), and its offsets count is kept in a register while it lasts. */
static __attribute__((noinline)) void front_flush_indexed(slab_state_t *state, slab_heap_t *mine,
                                                          buf_backend_front_stack_t *stack, void *ptr)
{
    const size_t request = bytes_by_class[front_class_of_stack(state, stack)];
    const uint32_t keep = stack->capacity / 2;
    BUF_ASSERT(stack->count == stack->capacity && keep >= 1);
    void *const *blocks = (void *const *)stack->blocks;
    uint32_t i = stack->count;
    stack->count = keep;
    void *block = ptr;
    for (;;) {
        /* A new run: the block's slab. */
        slab_t *slab = slab_of(block);
        if (__builtin_expect(slab->heap != mine, 0)) {
            slab_free_slow(state, block, request, request, BUF_DEFAULT_ALIGN);
            if (i == keep)
                return;
            block = blocks[--i];
            continue;
        }
        const uint8_t *base = slab->base;
        const size_t span = (size_t)slab->units * UNIT_SIZE;
        uint16_t *offsets = slab->free_offsets;
        uint32_t count = slab->free_count, n = 0;
        for (;;) {
            slab_check_freed_block(slab, block, request, BUF_DEFAULT_ALIGN);
            BUF_ASSERT(count < slab->capacity);
            offsets[count++] = (uint16_t)(((const uint8_t *)block - base) >> SLAB_OFFSET_SHIFT);
            n++;
            if (i == keep)
                break;
            block = blocks[--i];
            if ((size_t)((const uint8_t *)block - base) >= span)
                break;
        }
        slab->free_count = (uint8_t)count;
        front_blocks_back(mine, slab, n);
        if ((size_t)((const uint8_t *)block - base) < span) /* the stack is done */
            return;
    }
}

void backend_slab_front_free_miss(void *opaque, void *ptr, buf_backend_front_stack_t *stack, size_t size)
{
    slab_state_t *state = opaque;
    BUF_ASSERT(size >= 1 && size <= MEDIUM_MAX);
    (void)size; /* the block's slab names its class: freed with the class's size */
    BUF_ASSERT(stack >= state->front_stacks && stack < state->front_stacks + CLASS_COUNT);
    slab_heap_t *mine = (slab_heap_t *)backend_heap_set_mine_cached(&state->heaps);
    /* The kind by the stack's address, not its index: compares, no subtract and shift. */
    if (stack < &state->front_stacks[FRONT_BULK_CLASSES]) {
        if (stack < &state->front_stacks[FIRST_INDEXED_CLASS])
            return front_flush_linked(state, mine, stack, ptr);
        return front_flush_indexed(state, mine, stack, ptr);
    }
    /* An indexed class of one to four blocks (every linked class is a bulk one): the block
     * onto its slab's offsets, as slab's own free would give it. */
    _Static_assert(FRONT_BULK_CLASSES > FIRST_INDEXED_CLASS, "the linked classes flush in bulk");
    slab_t *slab = slab_of(ptr);
    if (__builtin_expect(slab->heap == mine, 1)) {
        slab_check_freed_block(slab, ptr, bytes_by_class[front_class_of_stack(state, stack)], BUF_DEFAULT_ALIGN);
        BUF_ASSERT(slab->used > 0 && slab->indexed);
        indexed_push(slab, ptr);
        front_blocks_back(mine, slab, 1);
        return;
    }
    size_t request = bytes_by_class[front_class_of_stack(state, stack)];
    slab_free_slow(state, ptr, request, request, BUF_DEFAULT_ALIGN);
}
