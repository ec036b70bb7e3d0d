/* backend_slab.c — size classes carved from large slabs; O(1) alloc and free.
 *
 * Memory comes from 4 MiB arenas (aligned to 4 MiB), each cut into 64 slabs of 64 KiB.
 * Slab 0 of an arena holds the arena header with the 64 slab descriptors, so a block's
 * descriptor is found from its address alone: arena = ptr & ~(ARENA-1), slab index =
 * (ptr - arena) / SLAB.  Every slab serves one size class; blocks start at the slab's
 * base, so a block of class c is aligned to the lowest set bit of c.
 *
 * Size classes (size_class.h in 8-byte units): 8..64 in steps of 8, then 8 classes per
 * power of two up to 8 KiB (72, 80, ... 128, 144, ... 256, ...).  Spacing 2^k/8 inside
 * (2^k, 2^(k+1)] keeps the internal waste (class - request) / class below 1/9 < 12.5%
 * for every request of 64 bytes or more whose alignment the class already has; requests
 * under 64 bytes round up to the 8-byte quantum.  A request needing more alignment than
 * its class has moves up to the next class that has it.  Requests above 8 KiB take the
 * large path: a mapping each, rounded to a size class and recycled through per-class
 * free lists (large_cache.h, shared with pool).
 *
 * Threads: each thread allocates from its own heap (thread_heap.h); a block freed by a
 * non-owner thread goes onto its heap's remote stack, drained by the owner when a class
 * runs dry.  Slabs that become empty go back to their heap's empty list for any class.
 *
 * Invariants (assertions): a freed block lies in a carved slab of the class its size
 * names, at a multiple of the class size from the slab's base; a slab's use count never
 * underflows; a block is never freed while it is on its slab's free list.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_backend.h"
#include "backend_testing.h"
#include "core/core_assert.h"
#include "large_cache.h"
#include "mem_annotate.h"
#include "mem_map.h"
#include "size_class.h"
#include "thread_heap.h"

/* ---- State --------------------------------------------------------------------------- */
#define SLAB_SIZE ((size_t)64 << 10)
#define ARENA_SIZE ((size_t)4 << 20)
#define SLABS_PER_ARENA (ARENA_SIZE / SLAB_SIZE)
#define SMALL_MAX ((size_t)8192)
#define CLASS_COUNT 64 /* 8 classes up to 64, then 8 per doubling from 64 to 8192 */
#define CLASS_LARGE CLASS_COUNT

typedef struct slab_heap slab_heap_t;

typedef struct slab {
    struct slab *prev, *next; /* in heap->available[class] or heap->empty */
    slab_heap_t *heap;        /* owner */
    void *free_list;          /* freed blocks (owner only); link = first word */
    uint8_t *base;
    uint32_t carved;          /* blocks handed out from the untouched tail so far */
    uint32_t capacity;
    uint32_t used;            /* live blocks */
    uint16_t class_index;
    bool listed;              /* on heap->available[class_index] */
    bool in_use;              /* carved from its arena at least once */
} slab_t;

typedef struct arena {
    struct arena *next;       /* instance's arena list */
    uint32_t slabs_carved;    /* slab 0 holds this header */
    slab_t slabs[SLABS_PER_ARENA];
} arena_t;

_Static_assert(sizeof(arena_t) <= SLAB_SIZE, "arena header must fit in slab 0");

struct slab_heap {
    backend_thread_heap_t base;
    struct slab_state *owner;
    slab_t *available[CLASS_COUNT]; /* slabs with a free or uncarved block */
    slab_t *empty;                  /* slabs with no live block, any class */
    arena_t *arena;                 /* the arena this heap carves slabs from */
    backend_large_stash_t large_stash; /* this thread's freed large blocks (large_cache.h) */
};

typedef struct slab_state {
    backend_heap_set_t heaps;
    pthread_mutex_t lock;           /* arena list: slow path only */
    arena_t *arenas;
    backend_large_cache_t large;    /* requests above SMALL_MAX */
    _Atomic uint64_t bytes_os;
    size_t redzone;                 /* mem_redzone(), fixed for the instance's lifetime */
} slab_state_t;

static arena_t *arena_of(const void *ptr)
{
    return (arena_t *)((uintptr_t)ptr & ~(uintptr_t)(ARENA_SIZE - 1));
}

static slab_t *slab_of(const void *ptr)
{
    arena_t *arena = arena_of(ptr);
    return &arena->slabs[((uintptr_t)ptr - (uintptr_t)arena) / SLAB_SIZE];
}

/* ---- Size classes -------------------------------------------------------------------- */
#define QUANTUM ((size_t)8)
#define LINEAR_CLASSES 8u /* 8, 16, ..., 64 bytes */

static size_t class_size(unsigned index)
{
    return size_class_units(index, LINEAR_CLASSES) * QUANTUM;
}

/* Smallest class with size >= request and alignment >= align, by search: the definition
 * the tables below are filled from, and the path for alignments above 16. */
static unsigned class_search(size_t request, size_t align)
{
    if (request > SMALL_MAX)
        return CLASS_LARGE;
    unsigned index = size_class_of(units_for(request, QUANTUM), LINEAR_CLASSES);
    while (index < CLASS_COUNT && lowest_set_bit(class_size(index)) < align)
        index++;
    return index;
}

/* The class of every request size in 8-byte units, one table per alignment that
 * requests commonly ask for (<= 8: every class qualifies; 16: the default).  The search
 * costs ~90 instructions (a division, a count-leading-zeros and a loop); a table load
 * costs one.  2 x 1025 bytes, filled once per process. */
#define TABLE_UNITS (SMALL_MAX / QUANTUM + 1)
static uint8_t class_by_units_align8[TABLE_UNITS], class_by_units_align16[TABLE_UNITS];

static void class_tables_fill(void)
{
    for (size_t units = 0; units < TABLE_UNITS; units++) {
        class_by_units_align8[units] = (uint8_t)class_search(units * QUANTUM, 8);
        class_by_units_align16[units] = (uint8_t)class_search(units * QUANTUM, 16);
    }
}

static void class_tables_ready(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, class_tables_fill);
}

/* Smallest class with size >= request and alignment >= align, or CLASS_LARGE. */
static inline unsigned class_for(size_t request, size_t align)
{
    if (request > SMALL_MAX)
        return CLASS_LARGE;
    size_t units = (request + QUANTUM - 1) / QUANTUM;
    if (align <= QUANTUM)
        return class_by_units_align8[units];
    if (align == 16)
        return class_by_units_align16[units];
    return class_search(request, align);
}

/* Exposed for the unit tests (size-class waste bound). */
size_t backend_slab_class_size_for(size_t size, size_t align)
{
    class_tables_ready();
    unsigned index = class_for(size, align);
    BUF_ASSERT(index == class_search(size, align));
    return index == CLASS_LARGE ? 0 : class_size(index);
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

/* Reads the link in a free block's first word (opened and closed for the sanitizers). */
static void *free_block_next(void *block)
{
    mem_link_open(block);
    void *next = *(void **)block;
    mem_link_close(block);
    return next;
}

/* For BUF_ASSERT_EXPENSIVE: walks the slab's free list. */
static bool free_list_contains(const slab_t *slab, const void *block)
{
    for (void *free_block = slab->free_list; free_block; free_block = free_block_next(free_block))
        if (free_block == block)
            return true;
    return false;
}

/* ---- Arenas and slabs (slow path) ---------------------------------------------------- */
static arena_t *arena_new(slab_state_t *state)
{
    /* Reserved whole, committed a slab at a time (slab_new): bytes_os counts the header's
     * pages and the slabs carved, what the instance can touch. */
    uint8_t *aligned = mem_reserve_self_aligned(ARENA_SIZE);
    size_t header_bytes = round_up(sizeof(arena_t), buf_page_size());
    if (!aligned)
        return NULL;
    if (!mem_commit(aligned, header_bytes)) {
        munmap(aligned, ARENA_SIZE);
        return NULL;
    }
    arena_t *arena = (arena_t *)aligned;
    arena->slabs_carved = 1;
    pthread_mutex_lock(&state->lock);
    arena->next = state->arenas;
    state->arenas = arena;
    pthread_mutex_unlock(&state->lock);
    atomic_fetch_add_explicit(&state->bytes_os, header_bytes, memory_order_relaxed);
    return arena;
}

static slab_t *slab_new(slab_heap_t *heap, unsigned class_index)
{
    slab_t *slab = heap->empty;
    if (slab) {
        BUF_ASSERT(slab->used == 0);
        list_remove(&heap->empty, slab);
    } else {
        if (!heap->arena || heap->arena->slabs_carved == SLABS_PER_ARENA) {
            heap->arena = arena_new(heap->owner);
            if (!heap->arena)
                return NULL;
        }
        uint32_t index = heap->arena->slabs_carved;
        uint8_t *base = (uint8_t *)heap->arena + (size_t)index * SLAB_SIZE;
        if (!mem_commit(base, SLAB_SIZE))
            return NULL;
        atomic_fetch_add_explicit(&heap->owner->bytes_os, SLAB_SIZE, memory_order_relaxed);
        heap->arena->slabs_carved++;
        slab = &heap->arena->slabs[index];
        slab->base = base;
        slab->heap = heap;
        slab->in_use = true;
        mem_poison(slab->base, SLAB_SIZE);
    }
    slab->class_index = (uint16_t)class_index;
    slab->capacity = (uint32_t)(SLAB_SIZE / class_size(class_index));
    slab->carved = 0;
    slab->used = 0;
    slab->free_list = NULL;
    slab->listed = false;
    return slab;
}

/* ---- Allocate ------------------------------------------------------------------------ */
static void heap_drain_remote(slab_heap_t *heap); /* (Free) */

static void *slab_alloc(void *opaque, size_t size, size_t align)
{
    slab_state_t *state = opaque;
    size_t request = size + state->redzone; /* sanitizer builds: poisoned bytes after every block */
    unsigned class_index = class_for(request, align);
    slab_heap_t *heap = (slab_heap_t *)backend_heap_set_mine(&state->heaps);
    if (class_index == CLASS_LARGE)
        return backend_large_cache_alloc(&state->large, heap ? &heap->large_stash : NULL, size, request);
    if (!heap)
        return NULL;
    slab_t *slab = heap->available[class_index];
    if (!slab) {
        heap_drain_remote(heap);
        slab = heap->available[class_index];
    }
    if (!slab) {
        slab = slab_new(heap, class_index);
        if (!slab)
            return NULL;
        list_push(&heap->available[class_index], slab);
        slab->listed = true;
    }
    BUF_ASSERT(slab->class_index == class_index && slab->used < slab->capacity);
    void *block;
    if (slab->free_list) {
        block = slab->free_list;
        slab->free_list = free_block_next(block);
    } else {
        BUF_ASSERT(slab->carved < slab->capacity);
        block = slab->base + (size_t)slab->carved++ * class_size(class_index);
    }
    slab->used++;
    if (!slab->free_list && slab->carved == slab->capacity) {
        list_remove(&heap->available[class_index], slab);
        slab->listed = false;
    }
    mem_block_handed_out(block, size);
    return block;
}

/* ---- Free ---------------------------------------------------------------------------- */
/* Owner thread only.  The block is already poisoned; links it into its slab and keeps
 * the lists right. */
static void slab_free_local(slab_heap_t *heap, slab_t *slab, void *block)
{
    BUF_ASSERT(slab->heap == heap);
    BUF_ASSERT(slab->used > 0);
    BUF_ASSERT((size_t)((uint8_t *)block - slab->base) / class_size(slab->class_index) < slab->carved);
    BUF_ASSERT_EXPENSIVE(!free_list_contains(slab, block));
    mem_link_open(block);
    *(void **)block = slab->free_list;
    mem_link_close(block);
    slab->free_list = block;
    slab->used--;
    slab_t **available = &heap->available[slab->class_index];
    if (!slab->listed) {
        list_push(available, slab);
        slab->listed = true;
    }
    /* Keep one empty slab per class to avoid thrashing at the boundary; give others back. */
    if (slab->used == 0 && !(*available == slab && slab->next == NULL)) {
        list_remove(available, slab);
        slab->listed = false;
        mem_poison(slab->base, SLAB_SIZE);
        list_push(&heap->empty, slab);
    }
}

static void heap_drain_remote(slab_heap_t *heap)
{
    void *block = backend_thread_heap_take_remote(&heap->base);
    while (block) {
        void *next = free_block_next(block);
        slab_free_local(heap, slab_of(block), block);
        block = next;
    }
}

static void slab_free(void *opaque, void *ptr, size_t size, size_t align)
{
    slab_state_t *state = opaque;
    size_t request = size + state->redzone;
    /* Large exactly when alloc found no class (only requests above SMALL_MAX, unless a
     * page is larger than SMALL_MAX and the alignment asks for more than any class has). */
    if (request > SMALL_MAX || (align > 16 && class_search(request, align) == CLASS_LARGE)) {
        slab_heap_t *mine = (slab_heap_t *)backend_heap_set_mine(&state->heaps);
        backend_large_cache_free(&state->large, mine ? &mine->large_stash : NULL, ptr, size, request);
        return;
    }
    /* The block's slab names its class: no size-class lookup on free. */
    slab_t *slab = slab_of(ptr);
    unsigned class_index = slab->class_index;
    /* The block must lie in a carved slab (never slab 0, the arena header) serving the
     * class its size names, at a whole number of blocks from the slab's base.  These
     * fields are written before the block was handed out and stay fixed while it is
     * live, so any thread may read them. */
    BUF_ASSERT(slab != &arena_of(ptr)->slabs[0] && slab->in_use);
    BUF_ASSERT(class_for(request, align) == class_index);
    BUF_ASSERT((size_t)((uint8_t *)ptr - slab->base) % class_size(class_index) == 0);
    mem_block_taken_back(ptr, class_size(class_index));
    slab_heap_t *mine = (slab_heap_t *)backend_heap_set_mine(&state->heaps);
    if (slab->heap == mine) {
        slab_free_local(mine, slab, ptr);
    } else {
        mem_link_open(ptr); /* the owner closes it when it drains the remote stack */
        backend_thread_heap_push_remote(&slab->heap->base, ptr);
    }
}

/* ---- Create and destroy -------------------------------------------------------------- */
static void slab_heap_init(void *owner, backend_thread_heap_t *base)
{
    ((slab_heap_t *)base)->owner = owner;
}

static buf_status_t slab_create(const buf_backend_config_t *config, void **state_out)
{
    if (config && config->option)
        return BUF_EINVAL;
    slab_state_t *state = calloc(1, sizeof *state);
    if (!state)
        return BUF_ENOMEM;
    if (pthread_mutex_init(&state->lock, NULL) != 0 ||
        backend_heap_set_init(&state->heaps, sizeof(slab_heap_t), state, slab_heap_init) != 0) {
        free(state);
        return BUF_ENOMEM;
    }
    state->redzone = mem_redzone();
    class_tables_ready();
    backend_large_cache_init(&state->large, &state->bytes_os);
    *state_out = state;
    return BUF_OK;
}

static void drain_visit(void *owner, backend_thread_heap_t *heap)
{
    (void)owner;
    heap_drain_remote((slab_heap_t *)heap);
}

#define REPORT_LIMIT 20

/* Lists live blocks of one slab: carved blocks that are not on its free list. */
static size_t report_slab(const slab_t *slab, FILE *out, size_t *reported)
{
    size_t block_size = class_size(slab->class_index);
    uint8_t is_free[SLAB_SIZE / QUANTUM] = {0};
    for (void *block = slab->free_list; block; block = free_block_next(block))
        is_free[((uint8_t *)block - slab->base) / block_size] = 1;
    size_t found = 0;
    for (uint32_t i = 0; i < slab->carved; i++) {
        if (is_free[i])
            continue;
        if (out && *reported < REPORT_LIMIT) {
            fprintf(out, "slab: outstanding block %p (class %zu bytes)\n", (void *)(slab->base + i * block_size),
                    block_size);
            ++*reported;
        }
        found++;
    }
    BUF_ASSERT(found == slab->used);
    return found;
}

static size_t slab_destroy(void *opaque, void *report)
{
    slab_state_t *state = opaque;
    FILE *out = report;
    backend_heap_set_destroy(&state->heaps, drain_visit);
    size_t outstanding = 0, reported = 0;
    for (arena_t *arena = state->arenas; arena; arena = arena->next)
        for (uint32_t i = 1; i < arena->slabs_carved; i++)
            if (arena->slabs[i].used)
                outstanding += report_slab(&arena->slabs[i], out, &reported);
    outstanding += backend_large_cache_destroy(&state->large, out, "slab", &reported, REPORT_LIMIT);
    if (out && outstanding > REPORT_LIMIT)
        fprintf(out, "slab: ... %zu outstanding blocks in all\n", outstanding);
    for (arena_t *arena = state->arenas; arena;) {
        arena_t *next = arena->next;
        mem_unmap(arena, ARENA_SIZE);
        arena = next;
    }
    pthread_mutex_destroy(&state->lock);
    free(state);
    return outstanding;
}

/* ---- Stats --------------------------------------------------------------------------- */
static void slab_stats(void *opaque, buf_backend_stats_t *out)
{
    slab_state_t *state = opaque;
    out->bytes_os = atomic_load(&state->bytes_os);
    out->bytes_os_process_wide = false;
}

/* ---- The vtable ---------------------------------------------------------------------- */
const buf_backend_ops_t backend_slab_ops = {
    .props = {.name = "slab",
              .description = "size classes (<=12.5% waste) carved from 64 KiB slabs; large blocks recycled",
              .zeroed = false,
              .guard_pages = false,
              .cross_thread_free = true,
              .concurrent_alloc = true,
              .close_releases_blocks = true},
    .fuzz_id = 1,
    .create = slab_create,
    .destroy = slab_destroy,
    .alloc = slab_alloc,
    .free = slab_free,
    .stats = slab_stats,
};
