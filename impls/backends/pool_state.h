/* pool_state.h — the pool backend's state and the helpers its two files share.
 *
 * The pool backend is backend_pool.c (chunks, the slice paths and their slow paths,
 * create, destroy, stats, the vtable), pool_front.c (the thread cache the framework's
 * inline paths use, built on the slab instance's, and its misses) and this header: the
 * instance, heap, chunk and arena types, the slices' sizes, and the helpers on both
 * files' paths, static inline so that the split turned none of them into calls.
 */
#ifndef POOL_STATE_H
#define POOL_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "core/core_assert.h"
#include "backend_slab.h"
#include "size_class.h"
#include "thread_heap.h"

/* ---- State --------------------------------------------------------------------------- */
#define CHUNKS_PER_ARENA 64
/* A heap's cache of free chunks: HEAP_CHUNK_CACHE_BYTES of them, at least
 * HEAP_CHUNK_CACHE_MIN.  Free chunks stay committed on the shared list as in a cache (no
 * figure changes), but the list takes the lock: a batch of 1000 slices of 1 KiB spans 125
 * chunks of 8 KiB, and with 16 cached, two lock-unlock pairs per chunk past them cost
 * 11.6 instructions a slice pair (callgrind, alloc_batch_lifo/pool/1024). */
#define HEAP_CHUNK_CACHE_BYTES ((size_t)1 << 20)
#define HEAP_CHUNK_CACHE_MIN 16u
/* A current chunk's count: far above any number of slices (a chunk of 1 MiB holds at most
 * 2^17 slices of 8 bytes), so remote frees of a current chunk never bring it to zero. */
#define CURRENT_BIAS ((int64_t)1 << 40)

typedef struct chunk {
    /* Current chunk: CURRENT_BIAS minus the slices other threads freed.  Otherwise: the
     * live slices (0 on a free list). */
    _Atomic int64_t refs;
    struct chunk *next_free;  /* on state->free_chunks or a heap's cache */
    struct pool_heap *owner;  /* the heap that slices it (set when acquired) */
    uint32_t index;
} chunk_t;

typedef struct pool_arena {
    struct pool_arena *next;
    uint32_t chunks_carved;   /* chunk 0 holds this header */
    chunk_t chunks[CHUNKS_PER_ARENA];
} pool_arena_t;

typedef struct pool_heap {
    backend_thread_heap_t base;
    chunk_t *current;
    uint8_t *current_base;    /* chunk_base(current): the pair path adds the offset to it */
    size_t offset;            /* bump offset into the current chunk */
    uint64_t live_here;       /* slices of the current chunk handed out and not freed by
                               * this thread (plain: the owner's alone); one count where
                               * two (handed, freed here) cost the pair path a load and a
                               * compare more to see that every slice is back */
    chunk_t *cached;          /* free chunks this thread released: reused without a lock */
    uint32_t cached_count;    /* at most chunk_cache; the rest go to the shared list */
} pool_heap_t;

typedef struct pool_state {
    backend_heap_set_t heaps;
    size_t pool_size;
    uint32_t chunk_cache;     /* the most free chunks a heap keeps (HEAP_CHUNK_CACHE_BYTES) */
    unsigned pool_shift;      /* log2(pool_size): a slice's chunk index is a shift, not a
                               * division (~25-40 cycles on every free) */
    bool annotated;           /* mem_annotating(): every call takes the annotated slow path */
    size_t arena_size;
    pthread_mutex_t lock;     /* arenas and the shared free chunk list: only when a thread's
                               * own chunk cache is empty or full */
    /* Written under the lock, read without it by pool_owns (any thread): atomic, each
     * arena's next set before the arena is published. */
    _Atomic(pool_arena_t *) arenas;
    chunk_t *free_chunks;
    _Atomic uint64_t bytes_os;
    size_t redzone;           /* mem_redzone(), fixed for the instance's lifetime */
    void *blocks;             /* the slab instance for requests >= pool_size / 2 */
    /* The front (pool_front.c, "The front"): published unless annotated or switched off. */
    bool front_published;
    size_t slice_below;       /* pool_size / 2: a request below it is a slice */
    size_t edge_from;         /* pool_size / 2 - 7: a block of a request from here to
                               * pool_size / 2 may be a slice or slab's (pool_front.c) */
    buf_backend_front_stack_t *edge_stack;  /* the edge entry's stack: slab's for the request
                                             * of pool_size / 2 (NULL above 64 KiB) */
    /* The heap of the thread that calls the front's misses (the framework's owner) once
     * it holds a current chunk, else no_front_heap, whose fields fail both pair tests. */
    pool_heap_t *front_heap;
    pool_heap_t no_front_heap;
    /* The one cached slice class allowed SLICE_BULK_BLOCKS (pool_front.c, "Runs of one
     * slice class"), the class of the last alloc misses and how many in a row. */
    buf_backend_front_stack_t *bulk_stack;
    buf_backend_front_stack_t *streak_stack;
    uint32_t streak;
    buf_backend_front_t front;
    uint32_t front_class_bytes[BACKEND_SLAB_FRONT_CLASSES + BACKEND_SLAB_FRONT_OWNER_STACKS];
    uint8_t front_class_of[BUF_BACKEND_FRONT_MAX / 8];
} pool_state_t;

static inline pool_arena_t *arena_of(const pool_state_t *state, const void *ptr)
{
    return (pool_arena_t *)((uintptr_t)ptr & ~(uintptr_t)(state->arena_size - 1));
}

static inline uint8_t *chunk_base(const pool_state_t *state, chunk_t *chunk)
{
    pool_arena_t *arena = arena_of(state, chunk);
    return (uint8_t *)arena + (size_t)chunk->index * state->pool_size;
}

static inline chunk_t *chunk_of(const pool_state_t *state, const void *ptr)
{
    pool_arena_t *arena = arena_of(state, ptr);
    return &arena->chunks[((uintptr_t)ptr - (uintptr_t)arena) >> state->pool_shift];
}

/* Whether `ptr` lies in one of the instance's arenas (a slice, not slab's block): a walk of
 * the arenas, for the blocks of the edge entry's requests only (pool_front.c, "The front"). */
static inline bool pool_owns(const pool_state_t *state, const void *ptr)
{
    for (const pool_arena_t *arena = atomic_load_explicit(&state->arenas, memory_order_acquire); arena;
         arena = arena->next)
        if ((uintptr_t)ptr - (uintptr_t)arena < state->arena_size)
            return true;
    return false;
}

/* ---- Slices' sizes ---------------------------------------------------------------------
 * A slice takes its class's size in its chunk (its "cut"), not the request's: 16-byte
 * steps up to 512 bytes, then 32 classes per doubling (at most 1/32 over the request), so
 * that a slice the front caches for its class serves every request of that class ("The
 * front").  Every cut is a multiple of 16: the chunk's offset stays on the default
 * alignment with no rounding on the pair path.  alloc_mixed/pool's overhead (bench/,
 * README): 1.2942 with the request rounded up to 16 and nothing cached, 1.2979 with these
 * classes cached, 1.2989 with 16 classes per doubling, 1.3308 with 16-byte classes up to
 * 2 KiB (a slice cached keeps its chunk from going back; reusing the larger ones saves
 * chunks). */
#define SLICE_QUANTUM ((size_t)16)
#define SLICE_FINE_MAX ((size_t)512)  /* 16-byte steps up to here */
#define SLICE_STEPS_PER_DOUBLING 32u  /* above it */

static inline size_t slice_cut(size_t request)
{
    BUF_ASSERT(request >= 1);
    if (request <= SLICE_FINE_MAX)
        return round_up(request, SLICE_QUANTUM);
    return round_up(request, ((size_t)1 << floor_log2(request - 1)) / SLICE_STEPS_PER_DOUBLING);
}

/* ---- Chunks' counts (backend_pool.c, "Chunks") ------------------------------------------ */
/* The chunk's last slice is back and no heap slices it: to its owner's cache or the
 * shared list. */
void backend_pool_chunk_recycle(pool_state_t *state, chunk_t *chunk);

/* Drops n slices of a chunk that is not the calling thread's current chunk (the last
 * slice back returns it). */
static inline void backend_pool_chunk_release(pool_state_t *state, chunk_t *chunk, uint32_t n)
{
    int64_t before = atomic_fetch_sub_explicit(&chunk->refs, (int64_t)n, memory_order_acq_rel);
    BUF_ASSERT(before >= (int64_t)n); /* more frees than slices */
    if (before == (int64_t)n)
        backend_pool_chunk_recycle(state, chunk);
}

/* The pair paths' free of n slices of the heap's current chunk.  When the heap's own count
 * reaches 0 no slice is out anywhere (the slices freed elsewhere are among those it
 * counts), so the chunk starts over from offset 0 with nothing else to reset; slices
 * freed elsewhere keep the count above 0, and the slow paths see those (current_all_back). */
static inline void current_slices_freed(pool_heap_t *heap, uint32_t n)
{
    BUF_ASSERT(heap->live_here >= n); /* more frees than slices */
    heap->live_here -= n;
    if (heap->live_here == 0) {
        BUF_ASSERT(atomic_load_explicit(&heap->current->refs, memory_order_relaxed) == CURRENT_BIAS);
        heap->offset = 0;
    }
}

/* A slice lies inside a carved chunk (never chunk 0, the arena header) that a heap
 * acquired, and ends inside it. */
static inline void pool_check_freed_slice(const pool_state_t *state, chunk_t *chunk, const void *ptr,
                                          size_t request)
{
    BUF_ASSERT(chunk->index != 0);
    BUF_ASSERT(chunk->owner != NULL);
    BUF_ASSERT((size_t)((const uint8_t *)ptr - chunk_base(state, chunk)) + request <= state->pool_size);
    (void)state, (void)chunk, (void)ptr, (void)request;
}

/* backend_pool.c */
/* Everything but a slice of the current chunk that fits (`cut`: the bytes the slice takes,
 * slice_cut of the request, red zone included). */
void *backend_pool_alloc_slow(pool_state_t *state, size_t size, size_t cut, size_t align);
/* A slice of a chunk that is not the calling thread's current one, a thread that has no
 * heap in the one-entry cache, and every free of an annotated run. */
void backend_pool_free_slow(pool_state_t *state, void *ptr, size_t request, chunk_t *chunk);

/* pool_front.c */
/* Builds the front on the slab instance's (its tables are ready once that instance exists). */
void backend_pool_front_init(pool_state_t *state);
/* ops->front: the instance's front once published, else NULL. */
buf_backend_front_t *backend_pool_front(void *opaque);

#endif
