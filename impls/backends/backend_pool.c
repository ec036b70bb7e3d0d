/* backend_pool.c — Node's Buffer pool: small requests sliced from shared pool chunks.
 *
 * As Node slices Buffer.allocUnsafe requests below poolSize/2 out of one 8 KiB pool, this
 * backend slices requests below pool_size/2 (pool_size: 8 KiB by default, any power of
 * two from 4 KiB to 1 MiB via config.pool_size or the variant "pool:BYTES") out of the
 * calling thread's current pool chunk with a bump pointer.  Each chunk counts its live
 * slices plus one reference held while it is some thread's current chunk; when the count
 * drops to zero the chunk returns to the backend for reuse — when its last slice reaches
 * the backend, on whichever thread (a slice the front holds is still live: "The front").
 *
 * Chunks are carved from arenas of 64 chunks aligned to the arena size; chunk 0 of an
 * arena holds the descriptors, so a slice finds its chunk from its address alone.
 *
 * Larger requests go to a slab instance the pool owns (backend_slab.h): up to 64 KiB
 * they are blocks of slab size classes, recycled through free lists (a batch of 1000
 * x 32 KiB pops and pushes, where a mapping per block cost microseconds each); up to
 * 1 MiB, runs of 64 KiB units whose free neighbours merge; above, the slab's large path
 * (a mapping each, rounded to a size class and recycled, large_cache.h).
 *
 * The pair path (slice from the current chunk, free it on the same thread) takes no lock
 * and no atomic read-modify-write: while a chunk is its heap's current chunk, the heap
 * counts the slices it hands out and frees itself in plain fields, and the chunk's atomic
 * count holds only a bias (CURRENT_BIAS, standing for "some heap still slices this")
 * minus the slices other threads freed.  When the heap moves on to a fresh chunk it
 * publishes its counts into the atomic count with one add; from then on every free
 * subtracts atomically, and the free that brings the count to zero returns the chunk.
 * A current chunk whose slices are all back is reset in place (the bump offset returns
 * to 0), so alloc-free pairs keep slicing the same cache-warm bytes.  A returned chunk
 * goes to its owner's cache of free chunks (1 MiB of them, at least 16) when the owner
 * frees it, and the owner's next chunk comes from there, so a single thread's steady state
 * takes no lock at all; the shared list (and its lock) is only for overflow and for
 * threads that run out.
 *
 * Invariants (assertions): a chunk's count never underflows; a freed slice lies inside
 * a carved chunk that some heap acquired; a heap's cache never holds more than
 * chunk_cache chunks nor gives out one it does not hold.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_backend.h"
#include "core/core_assert.h"
#include "backend_slab.h"
#include "mem_annotate.h"
#include "mem_map.h"
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
    /* The front ("The front" below): published unless annotated or switched off. */
    bool front_published;
    size_t slice_below;       /* pool_size / 2: a request below it is a slice */
    size_t edge_from;         /* pool_size / 2 - 7: a block of a request from here to
                               * pool_size / 2 may be a slice or slab's ("The front") */
    buf_backend_front_stack_t *edge_stack;  /* slab's stack for the request of pool_size / 2
                                             * (NULL above 64 KiB), from the edge class's
                                             * misses */
    /* The heap of the thread that calls the front's misses (the framework's owner) once
     * it holds a current chunk, else no_front_heap, whose fields fail both pair tests. */
    pool_heap_t *front_heap;
    pool_heap_t no_front_heap;
    /* The one cached slice class allowed SLICE_BULK_BLOCKS ("The front": a run of misses of
     * one class), the class of the last alloc misses and how many in a row. */
    buf_backend_front_stack_t *bulk_stack;
    buf_backend_front_stack_t *streak_stack;
    uint32_t streak;
    buf_backend_front_stack_t *slice_stacks_end; /* after the cached slice classes */
    buf_backend_front_t front;
    uint32_t front_class_bytes[BACKEND_SLAB_FRONT_CLASSES + BACKEND_SLAB_FRONT_OWNER_STACKS];
    uint8_t front_class_of[BUF_BACKEND_FRONT_MAX / 8];
} pool_state_t;

static pool_arena_t *arena_of(const pool_state_t *state, const void *ptr)
{
    return (pool_arena_t *)((uintptr_t)ptr & ~(uintptr_t)(state->arena_size - 1));
}

static uint8_t *chunk_base(const pool_state_t *state, chunk_t *chunk)
{
    pool_arena_t *arena = arena_of(state, chunk);
    return (uint8_t *)arena + (size_t)chunk->index * state->pool_size;
}

static chunk_t *chunk_of(const pool_state_t *state, const void *ptr)
{
    pool_arena_t *arena = arena_of(state, ptr);
    return &arena->chunks[((uintptr_t)ptr - (uintptr_t)arena) >> state->pool_shift];
}

/* Whether `ptr` lies in one of the instance's arenas (a slice, not slab's block): a walk of
 * the arenas, for the blocks of the edge entry's requests only ("The front"). */
static bool pool_owns(const pool_state_t *state, const void *ptr)
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

/* ---- Configuration ------------------------------------------------------------------- */
#define POOL_DEFAULT_SIZE ((size_t)8 << 10)
#define POOL_MIN_SIZE ((size_t)4 << 10)
#define POOL_MAX_SIZE ((size_t)1 << 20)

/* The chunk size: the variant "pool:BYTES", else config.pool_size, else 8 KiB; and whether
 * the front is switched off: the variant "pool:nocache" or "pool:BYTES,nocache", or
 * BUFBENCH_SLAB_CACHE=0 in the environment (slab's switch: the pool's front is its slab
 * instance's stacks and the slice class), so that a benchmark can measure pool's own
 * paths. */
static buf_status_t pool_config_from(const buf_backend_config_t *config, size_t *pool_size, bool *no_cache)
{
    size_t size = config && config->pool_size ? config->pool_size : POOL_DEFAULT_SIZE;
    *no_cache = false;
    if (config && config->option) {
        const char *option = config->option;
        if (strcmp(option, BACKEND_SLAB_NO_CACHE_OPTION) == 0) {
            *no_cache = true;
        } else {
            char *end;
            unsigned long long value = strtoull(option, &end, 10);
            if (end == option || option[0] < '0' || option[0] > '9')
                return BUF_EINVAL;
            if (*end == ',' && strcmp(end + 1, BACKEND_SLAB_NO_CACHE_OPTION) == 0)
                *no_cache = true;
            else if (*end)
                return BUF_EINVAL;
            size = (size_t)value;
        }
    }
    if (size < POOL_MIN_SIZE || size > POOL_MAX_SIZE || (size & (size - 1)))
        return BUF_EINVAL;
    if (backend_slab_cache_off_by_environment())
        *no_cache = true;
    *pool_size = size;
    return BUF_OK;
}

/* ---- Chunks (once per chunk: under the instance lock) -------------------------------- */
static pool_arena_t *arena_new(pool_state_t *state)
{
    /* Reserved whole, committed a chunk at a time (chunk_acquire): bytes_os counts the
     * header chunk and the chunks carved, what the instance can touch.  Counting the
     * whole 512 KiB arena from its first chunk put up to 504 KiB never carved into
     * alloc_mixed's overhead (1.3375 -> 1.3208); the backend_ops steady-state check that
     * once failed this way passes since a current chunk whose slices are all back starts
     * over in place. */
    uint8_t *aligned = mem_reserve_self_aligned(state->arena_size);
    if (!aligned)
        return NULL;
    if (!mem_commit(aligned, state->pool_size)) {
        munmap(aligned, state->arena_size);
        return NULL;
    }
    pool_arena_t *arena = (pool_arena_t *)aligned;
    /* The header needs ceil(sizeof / pool_size) chunks; with >= 4 KiB chunks that is one. */
    arena->chunks_carved = 1;
    arena->next = atomic_load_explicit(&state->arenas, memory_order_relaxed);
    atomic_store_explicit(&state->arenas, arena, memory_order_release);
    atomic_fetch_add_explicit(&state->bytes_os, state->pool_size, memory_order_relaxed);
    return arena;
}

static chunk_t *chunk_acquire(pool_state_t *state, pool_heap_t *heap)
{
    chunk_t *chunk = heap->cached;
    if (chunk) {
        BUF_ASSERT(heap->cached_count > 0);
        heap->cached = chunk->next_free;
        heap->cached_count--;
    } else {
        pthread_mutex_lock(&state->lock);
        chunk = state->free_chunks;
        if (chunk) {
            state->free_chunks = chunk->next_free;
        } else {
            pool_arena_t *arena = atomic_load_explicit(&state->arenas, memory_order_relaxed);
            if (!arena || arena->chunks_carved == CHUNKS_PER_ARENA)
                arena = arena_new(state);
            uint8_t *base = arena ? (uint8_t *)arena + (size_t)arena->chunks_carved * state->pool_size : NULL;
            if (base && mem_commit(base, state->pool_size)) {
                atomic_fetch_add_explicit(&state->bytes_os, state->pool_size, memory_order_relaxed);
                chunk = &arena->chunks[arena->chunks_carved];
                chunk->index = arena->chunks_carved++;
            }
        }
        pthread_mutex_unlock(&state->lock);
    }
    if (chunk) {
        BUF_ASSERT(atomic_load_explicit(&chunk->refs, memory_order_relaxed) == 0);
        chunk->owner = heap;
        atomic_store_explicit(&chunk->refs, CURRENT_BIAS, memory_order_relaxed);
        mem_poison(chunk_base(state, chunk), state->pool_size);
    }
    return chunk;
}

/* The chunk's last slice is back and no heap slices it: to its owner's cache when the
 * owner itself returns it (no lock); a chunk returned by another thread, or one that
 * would overflow the cache, goes to the shared list, so chunks never pile up in the
 * cache of a thread that only frees. */
static void chunk_recycle(pool_state_t *state, chunk_t *chunk)
{
    pool_heap_t *heap = (pool_heap_t *)backend_heap_set_mine(&state->heaps);
    if (heap && heap == chunk->owner && heap->cached_count < state->chunk_cache) {
        chunk->next_free = heap->cached;
        heap->cached = chunk;
        heap->cached_count++;
        return;
    }
    pthread_mutex_lock(&state->lock);
    chunk->next_free = state->free_chunks;
    state->free_chunks = chunk;
    pthread_mutex_unlock(&state->lock);
}

/* Drops one slice of a chunk that is not the calling thread's current chunk. */
static void chunk_release(pool_state_t *state, chunk_t *chunk)
{
    int64_t before = atomic_fetch_sub_explicit(&chunk->refs, 1, memory_order_acq_rel);
    BUF_ASSERT(before > 0); /* more frees than slices */
    if (before == 1)
        chunk_recycle(state, chunk);
}

/* The heap stops slicing its current chunk: its plain counts go into the atomic count,
 * replacing the bias, in one add. */
static void chunk_retire(pool_state_t *state, pool_heap_t *heap)
{
    chunk_t *chunk = heap->current;
    int64_t delta = (int64_t)heap->live_here - CURRENT_BIAS;
    int64_t before = atomic_fetch_add_explicit(&chunk->refs, delta, memory_order_acq_rel);
    BUF_ASSERT(before + delta >= 0);
    heap->current = NULL;
    heap->live_here = 0;
    if (before + delta == 0)
        chunk_recycle(state, chunk);
}

/* Every slice of the heap's current chunk is back (freed here or, counted in the chunk's
 * atomic count, on other threads): no slice can be freed again, so the chunk may start
 * over from offset 0 instead of being traded for a fresh one. */
static inline bool current_all_back(pool_heap_t *heap)
{
    int64_t freed_elsewhere = CURRENT_BIAS - atomic_load_explicit(&heap->current->refs, memory_order_acquire);
    return heap->live_here == (uint64_t)freed_elsewhere;
}

static inline void current_restart(pool_heap_t *heap)
{
    atomic_store_explicit(&heap->current->refs, CURRENT_BIAS, memory_order_relaxed);
    heap->offset = 0;
    heap->live_here = 0;
}

/* The pair paths' free of a slice of the heap's current chunk.  When the heap's own count
 * reaches 0 no slice is out anywhere (the slices freed elsewhere are among those it
 * counts), so the chunk starts over from offset 0 with nothing else to reset; slices
 * freed elsewhere keep the count above 0, and the slow paths see those (current_all_back). */
static inline void current_slice_freed(pool_heap_t *heap)
{
    BUF_ASSERT(heap->live_here > 0); /* more frees than slices */
    if (--heap->live_here == 0) {
        BUF_ASSERT(atomic_load_explicit(&heap->current->refs, memory_order_relaxed) == CURRENT_BIAS);
        heap->offset = 0;
    }
}

/* ---- Allocate ------------------------------------------------------------------------ */
/* Everything but a slice of the current chunk that fits: a new thread, a chunk to start
 * over or to trade for a fresh one, and every call of an annotated run.  `cut`: the bytes
 * the slice takes (slice_cut of the request, red zone included). */
static __attribute__((noinline)) void *pool_alloc_slow(pool_state_t *state, size_t size, size_t cut, size_t align)
{
    pool_heap_t *heap = (pool_heap_t *)backend_heap_set_mine(&state->heaps);
    if (!heap)
        return NULL;
    size_t offset = round_up(heap->offset, align);
    if (heap->current && offset + cut > state->pool_size && current_all_back(heap)) {
        current_restart(heap);
        offset = 0;
    }
    if (!heap->current || offset + cut > state->pool_size) {
        chunk_t *fresh = chunk_acquire(state, heap);
        if (!fresh)
            return NULL;
        if (heap->current)
            chunk_retire(state, heap);
        heap->current = fresh;
        heap->current_base = chunk_base(state, fresh);
        offset = 0; /* chunk bases are aligned to pool_size >= page size >= align */
    }
    heap->live_here++;
    heap->offset = offset + cut;
    BUF_ASSERT(heap->offset <= state->pool_size);
    uint8_t *slice = heap->current_base + offset;
    mem_block_handed_out(slice, size);
    return slice;
}

static void *pool_alloc(void *opaque, size_t size, size_t align)
{
    pool_state_t *state = opaque;
    size_t request = size + state->redzone; /* sanitizer builds: poisoned bytes after every slice */
    /* Before the heap lookup: the slab instance looks up its own heap, and the one-entry
     * cache in front of the lookup (thread_heap.h) would thrash between the two. */
    if (request >= state->slice_below)
        return backend_slab_alloc(state->blocks, size, align);
    size_t cut = slice_cut(request);
    /* The pair path: a bump of the current chunk's offset, no call, no annotation (an
     * annotated run takes the slow path, which does everything). */
    pool_heap_t *heap = (pool_heap_t *)backend_heap_set_mine_cached(&state->heaps);
    if (__builtin_expect(heap != NULL && !state->annotated, 1)) {
        size_t offset = round_up(heap->offset, align);
        if (__builtin_expect(heap->current != NULL && offset + cut <= state->pool_size, 1)) {
            heap->live_here++;
            heap->offset = offset + cut;
            return heap->current_base + offset;
        }
    }
    return pool_alloc_slow(state, size, cut, align);
}

/* ---- Free ---------------------------------------------------------------------------- */
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

/* A slice of a chunk that is not the calling thread's current one, a thread that has no
 * heap in the one-entry cache, and every free of an annotated run. */
static __attribute__((noinline)) void pool_free_slow(pool_state_t *state, void *ptr, size_t request, chunk_t *chunk)
{
    pool_heap_t *mine = (pool_heap_t *)backend_heap_set_mine(&state->heaps);
    pool_check_freed_slice(state, chunk, ptr, request);
    mem_block_taken_back(ptr, request);
    if (mine && chunk == mine->current) {
        BUF_ASSERT(mine->live_here > 0);
        mine->live_here--;
        if (current_all_back(mine))
            current_restart(mine);
        return;
    }
    chunk_release(state, chunk);
}

static void pool_free(void *opaque, void *ptr, size_t size, size_t align)
{
    pool_state_t *state = opaque;
    size_t request = size + state->redzone;
    /* The edge entry's requests: the block is whichever the front handed out. */
    if (request >= state->edge_from && (request > state->slice_below || !pool_owns(state, ptr))) {
        backend_slab_free(state->blocks, ptr, size, align);
        return;
    }
    chunk_t *chunk = chunk_of(state, ptr);
    pool_heap_t *mine = (pool_heap_t *)backend_heap_set_mine_cached(&state->heaps);
    if (__builtin_expect(mine != NULL && chunk == mine->current && !state->annotated, 1)) {
        /* The pair path: a slice of this thread's own current chunk. */
        pool_check_freed_slice(state, chunk, ptr, request);
        /* Every slice back: slice the chunk again from its start. */
        current_slice_freed(mine);
        return;
    }
    pool_free_slow(state, ptr, request, chunk);
}

/* ---- The front: the thread cache the framework's inline paths use -----------------------
 * buf_backend.h ("The backend's front").  Pool's front is the front of the slab instance it
 * owns (backend_slab.h: its classes, stacks, capacities and misses) with classes of its own
 * for the slices, on the stacks slab keeps after its own for its owner; the misses tell the
 * two apart by the request's size:
 *   - slab's classes: every request of pool_size / 2 + 1 .. 64 KiB maps to slab's class
 *     for it, so a request that pool_alloc hands to slab is popped from and pushed onto
 *     slab's stacks (callgrind, alloc_pair/pool/65536: 128 instructions per pair through
 *     pool_alloc and backend_slab_alloc, slab's 66 through the front), and their misses
 *     go to slab's misses;
 *   - the cached slice classes, one per cut (slice_cut), each a stack of one slice, so
 *     that the owner's alloc-free pair of a slice is a pop and a push, as slab's is.  A
 *     cached slice is still live to its chunk (the backend has not seen its free): a chunk
 *     goes back when its last slice reaches the backend, and each cached slice may keep
 *     one chunk, so only the smallest classes are cached, as many as chunks fit in
 *     FRONT_CHUNK_BYTES_MAX (128 with the default 8 KiB pool: every slice class; 1 with
 *     pool:1048576), plus at most SLICE_BULK_BLOCKS - 1 for the one class with a bulk
 *     stack ("Runs of one slice class" below);
 *   - the slices never cached, one class of capacity 0 for every request from there to
 *     pool_size / 2 - 8: every alloc and free of them misses;
 *   A slice class's miss is the slice path below without pool_alloc's checks (the size,
 *   the red zone, the heap lookup);
 *   - the edge class: the one 8-byte table entry (the inline path's (size - 1) >> 3) that
 *     holds pool_size / 2, requests pool_size / 2 - 7 .. pool_size / 2: slices below
 *     pool_size / 2 (their cut is pool_size / 2), and pool_size / 2 itself (not a slice,
 *     as in Node), slab's block of its class.  Its stack holds one block of either kind
 *     and serves any request of the entry with it (both have pool_size / 2 bytes), so a
 *     block of these requests is whichever the front handed out: every free of one that
 *     is not a slice of the owner's current chunk, and pool_free at these sizes (on any
 *     thread, and for the blocks the front gives back), tells them apart by the block's
 *     address (pool_owns: a walk of the arenas).  Its alloc miss at pool_size / 2 pops
 *     slab's stack of its class ("edge_stack") or calls slab's miss; a block of slab's
 *     freed past the full stack is pushed there or goes to slab's miss
 *     (alloc_pair/pool/4096 is that request with the default 8 KiB pool: callgrind per
 *     pair 73 with the edge class of capacity 0, 42 with its stack).
 * With pool_size above 128 KiB every front request is a slice.
 *
 * The misses run on the framework's owner only, always one thread (a thread that takes
 * over its identity after it exited also takes over its pthread_t, and so its heap,
 * thread_heap.h): front_heap keeps that thread's heap once it slices a chunk, so the
 * slice path needs no heap lookup (the one-entry cache in front of the lookup would miss
 * whenever slab's heap set was used last).  Its current chunk is never NULL from then on
 * until destroy (chunk_retire replaces it at once).
 *
 * Off (pool publishes no front): when annotated (ASan, valgrind watching: every call must
 * reach the paths that poison and tell the tools), for the variants pool:nocache and
 * pool:BYTES,nocache, and with BUFBENCH_SLAB_CACHE=0 in the environment. */
#define FRONT_CHUNK_BYTES_MAX ((size_t)1 << 20) /* chunks the cached slices may keep */

/* The slice classes' stacks: slab's owner stacks after its own classes (backend_slab.h),
 * the cached classes first, then the class of the slices never cached, then the edge
 * class's. */
static inline buf_backend_front_stack_t *pool_front_slice_stacks(const pool_state_t *state)
{
    return backend_slab_front_of(state->blocks)->stacks + BACKEND_SLAB_FRONT_CLASSES;
}

/* The owner's heap, for the slice path from now on, once it has a current chunk (its
 * first slices may have come from pool_alloc: the framework's first call is general). */
static void pool_front_know_heap(pool_state_t *state)
{
    pool_heap_t *heap = (pool_heap_t *)backend_heap_set_mine(&state->heaps);
    if (heap && heap->current)
        state->front_heap = heap;
}

/* A slice request that found no room (or no chunk yet).  Once known, the owner's heap
 * stays the same object until destroy (a heap is never freed before): no lookup again.
 * The cut before the size: the miss computes it into the argument's register, where
 * (size, cut) cost it a move of the size. */
static __attribute__((noinline)) void *pool_front_alloc_slow(pool_state_t *state, size_t cut, size_t size)
{
    void *slice = pool_alloc_slow(state, size, cut, BUF_DEFAULT_ALIGN);
    if (state->front_heap == &state->no_front_heap)
        pool_front_know_heap(state);
    return slice;
}

/* A slice for the owner: a bump of its current chunk by the class's cut (no_front_heap's
 * offset never fits).  Every cut is a multiple of 16: the offset needs no rounding. */
static inline __attribute__((always_inline)) void *pool_front_slice(pool_state_t *state, size_t size, size_t cut)
{
    BUF_ASSERT(size < state->slice_below && cut == slice_cut(size));
    pool_heap_t *heap = state->front_heap;
    size_t offset = heap->offset;
    BUF_ASSERT(offset % SLICE_QUANTUM == 0);
    if (__builtin_expect(offset + cut <= state->pool_size, 1)) {
        heap->live_here++;
        heap->offset = offset + cut;
        return heap->current_base + offset;
    }
    return pool_front_alloc_slow(state, cut, size);
}

#if defined(__has_attribute)
#if __has_attribute(noipa)
#define POOL_KEEP_ARGUMENTS noipa
#endif
#endif
#ifndef POOL_KEEP_ARGUMENTS
#define POOL_KEEP_ARGUMENTS noinline
#endif
/* ---- Runs of one slice class ----------------------------------------------------------
 * A class's stack holds one slice, so a run of allocations (or frees) of one slice size, a
 * batch, misses at every one.  The cached class whose allocations miss SLICE_STREAK times
 * in a row gets a stack of SLICE_BULK_BLOCKS instead, as slab's small classes have, until
 * another class takes its place: its alloc miss cuts the slice and up to half a stack of
 * the slices after it in one bump, its free miss gives back the freed slice and the newest
 * half of the stack, each run of one chunk's slices in one change of the chunk's count.
 * One class at a time, so the cached slices keep at most SLICE_BULK_BLOCKS - 1 chunks more
 * than one a class.  A workload of mixed sizes rarely misses one class eight times in a
 * row: alloc_mixed's overhead stays 1.2982 (with four in a row, classes were promoted there
 * and it rose to 1.3084).  Callgrind per pair, alloc_batch_lifo/pool 16 B 98.3 -> 82.7,
 * 256 B 106.6 -> 88.5; the streak's bookkeeping costs alloc_mixed/pool 190.2 -> 194.3. */
#define SLICE_STREAK 8u
#define SLICE_BULK_BLOCKS 16u

/* n slices of `chunk` given back at once by the owner, as n of its frees would: its current
 * chunk's plain count (every slice back: sliced again from its start), another chunk's
 * atomic count (the last slice back returns it). */
static void pool_front_slices_back(pool_state_t *state, pool_heap_t *heap, chunk_t *chunk, uint32_t n)
{
    if (chunk == heap->current) {
        BUF_ASSERT(heap->live_here >= n);
        heap->live_here -= n;
        if (heap->live_here == 0) {
            BUF_ASSERT(atomic_load_explicit(&heap->current->refs, memory_order_relaxed) == CURRENT_BIAS);
            heap->offset = 0;
        }
        return;
    }
    int64_t before = atomic_fetch_sub_explicit(&chunk->refs, (int64_t)n, memory_order_acq_rel);
    BUF_ASSERT(before >= (int64_t)n); /* more frees than slices */
    if (before == (int64_t)n)
        chunk_recycle(state, chunk);
}

/* Gives back the slices blocks[from .. count) of a bulk stack and `extra` (or none), runs of
 * one chunk at a time (chunks are pool_size-aligned), and leaves `from` on the stack. */
static void pool_front_slices_flush(pool_state_t *state, buf_backend_front_stack_t *stack, uint32_t from, void *extra,
                                    size_t size)
{
    pool_heap_t *heap = state->front_heap;
    BUF_ASSERT(heap != &state->no_front_heap && heap->current != NULL);
    uint32_t i = stack->count;
    stack->count = from;
    void *slice = extra;
    if (!slice) {
        if (i == from)
            return;
        slice = stack->blocks[--i];
    }
    for (;;) {
        const uintptr_t chunk_bits = (uintptr_t)slice >> state->pool_shift;
        chunk_t *chunk = chunk_of(state, slice);
        uint32_t n = 0;
        for (;;) {
            pool_check_freed_slice(state, chunk, slice, size);
            n++;
            if (i == from)
                break;
            slice = stack->blocks[--i];
            if ((uintptr_t)slice >> state->pool_shift != chunk_bits)
                break;
        }
        pool_front_slices_back(state, heap, chunk, n);
        if ((uintptr_t)slice >> state->pool_shift == chunk_bits) /* the stack is done */
            return;
    }
}

/* The bulk class's alloc miss: the slice, and up to half a stack of the slices after it in
 * the owner's current chunk onto the (empty) stack, popped in cutting order.  A chunk with
 * no room for the slice goes the slow path (a fresh chunk, one slice). */
static __attribute__((noinline)) void *pool_front_slice_bulk(pool_state_t *state, buf_backend_front_stack_t *stack,
                                                            size_t size, size_t cut)
{
    pool_heap_t *heap = state->front_heap;
    BUF_ASSERT(stack == state->bulk_stack && stack->count == 0);
    size_t offset = heap->offset;
    if (offset + cut > state->pool_size)
        return pool_front_alloc_slow(state, cut, size);
    uint8_t *slice = heap->current_base + offset;
    uint32_t more = 0;
    for (size_t end = offset + cut; more < stack->capacity / 2 && end + cut <= state->pool_size; end += cut)
        more++;
    for (uint32_t k = 0; k < more; k++)
        stack->blocks[more - 1 - k] = slice + (size_t)(k + 1) * cut;
    stack->count = more;
    heap->live_here += more + 1;
    heap->offset = offset + (size_t)(more + 1) * cut;
    return slice;
}

/* The class that missed SLICE_STREAK times in a row becomes the bulk class; the one before
 * goes back to a stack of one, giving back the slices above its first. */
static __attribute__((noinline)) void *pool_front_slice_promote(pool_state_t *state, buf_backend_front_stack_t *stack,
                                                               size_t size, size_t cut)
{
    buf_backend_front_stack_t *old = state->bulk_stack;
    if (old) {
        const size_t old_class = (size_t)(old - backend_slab_front_of(state->blocks)->stacks);
        if (old->count > 1)
            pool_front_slices_flush(state, old, 1, NULL, state->front_class_bytes[old_class]);
        old->capacity = 1;
    }
    stack->capacity = SLICE_BULK_BLOCKS;
    state->bulk_stack = stack;
    return pool_front_slice_bulk(state, stack, size, cut);
}

/* A slice class's alloc miss.  Out of line, reached by a tail call with the miss's own
 * arguments: inlined, the cut's registers cost slab's misses a move of the size each way
 * (callgrind, alloc_batch_lifo/pool/65536: 135.0 -> 133.0 instructions a pair).  GCC's
 * noipa keeps the unused stack argument (a clone without it moved every argument). */
static __attribute__((POOL_KEEP_ARGUMENTS)) void *pool_front_slice_miss(pool_state_t *state,
                                                                       buf_backend_front_stack_t *stack, size_t size)
{
    const size_t cut = slice_cut(size);
    if (stack == state->streak_stack) {
        if (stack == state->bulk_stack)
            return pool_front_slice_bulk(state, stack, size, cut);
        if (++state->streak >= SLICE_STREAK && stack < state->slice_stacks_end &&
            state->front_heap != &state->no_front_heap)
            return pool_front_slice_promote(state, stack, size, cut);
    } else {
        state->streak_stack = stack;
        state->streak = 1;
    }
    return pool_front_slice(state, size, cut);
}

/* The edge class's request of exactly pool_size / 2 (its smaller ones are slices) when its
 * own stack is empty: slab's block of that size, from slab's stack of its class as the
 * inline path would pop it, or slab's miss when that stack is empty too; and slab's block
 * of the edge entry freed when the edge class's stack is full, onto that stack of slab's
 * or through slab's miss. */
static inline __attribute__((always_inline)) void *pool_front_edge_alloc(pool_state_t *state, size_t size)
{
    buf_backend_front_stack_t *stack = state->edge_stack;
    uint32_t count = stack->count;
    if (__builtin_expect(count != 0, 1)) {
        stack->count = count - 1;
        return stack->blocks[count - 1];
    }
    return backend_slab_front_alloc_miss(state->blocks, stack, size);
}

static inline __attribute__((always_inline)) void pool_front_edge_free(pool_state_t *state, void *ptr, size_t size)
{
    buf_backend_front_stack_t *stack = state->edge_stack;
    uint32_t count = stack->count;
    if (__builtin_expect(count < stack->capacity, 1)) {
        stack->blocks[count] = ptr;
        stack->count = count + 1;
        return;
    }
    backend_slab_front_free_miss(state->blocks, ptr, stack, size);
}

/* A slice of a chunk that is not the owner's current one (its count is atomic: other
 * threads may free its slices too); before the owner's heap is known, any slice, through
 * the general slow path, which tells the current chunk's apart. */
static inline __attribute__((always_inline)) void pool_front_free_slice_elsewhere(pool_state_t *state, void *ptr,
                                                                                  size_t size)
{
    chunk_t *chunk = chunk_of(state, ptr);
    if (__builtin_expect(state->front_heap == &state->no_front_heap, 0)) {
        pool_free_slow(state, ptr, size, chunk);
        pool_front_know_heap(state);
        return;
    }
    pool_check_freed_slice(state, chunk, ptr, size);
    chunk_release(state, chunk);
}

static __attribute__((noinline)) void pool_front_free_owned_edge_slice(pool_state_t *state, void *ptr, size_t size)
{
    pool_front_free_slice_elsewhere(state, ptr, size);
}

/* A block of the edge entry's requests (pool_size / 2 - 7 .. pool_size / 2) that is not a
 * slice of the owner's current chunk: slab's block, or a slice of another chunk (the edge
 * class's stack holds either kind), told apart by its address.  Out of line with tail calls
 * only: slab's blocks, the usual case at pool_size / 2, save no register (callgrind,
 * alloc_batch_lifo/pool/4096: 164.3 instructions a pair with the slice's free inlined). */
static __attribute__((noinline)) void pool_front_free_edge_entry(pool_state_t *state, void *ptr, size_t size)
{
    if (pool_owns(state, ptr)) {
        pool_front_free_owned_edge_slice(state, ptr, size);
        return;
    }
    pool_front_edge_free(state, ptr, size);
}

/* The owner's free of a slice that is not in its current chunk; a block of the edge
 * entry's requests may be slab's instead: pool_front_free_edge_entry. */
static __attribute__((noinline)) void pool_front_free_retired(pool_state_t *state, void *ptr, size_t size)
{
    if (__builtin_expect(size >= state->edge_from, 0)) {
        pool_front_free_edge_entry(state, ptr, size);
        return;
    }
    pool_front_free_slice_elsewhere(state, ptr, size);
}

/* The owner frees a block of at most pool_size / 2: a slice of its current chunk
 * (no_front_heap's base is NULL, below every slice), or else pool_front_free_retired. */
static inline __attribute__((always_inline)) void pool_front_slice_free(pool_state_t *state, void *ptr, size_t size)
{
    BUF_ASSERT(size <= state->slice_below);
    pool_heap_t *heap = state->front_heap;
    if (__builtin_expect((uintptr_t)ptr - (uintptr_t)heap->current_base < state->pool_size, 1)) {
        pool_check_freed_slice(state, heap->current, ptr, size);
        current_slice_freed(heap);
        return;
    }
    pool_front_free_retired(state, ptr, size);
}

/* The misses, told apart by the request's size, not by its stack: one compare with
 * pool_size / 2 and the branches on its flags.  Above it, one of slab's classes (their
 * stacks lie below ours): slab's misses, first, so a batch of 16-64 KiB blocks pays what
 * it paid when the stacks were compared (the state's load, a compare, a branch).  An alloc
 * below it is a slice of the stack's class (a slice class, or the edge class's entry below
 * pool_size / 2), exactly at it the edge class's block; a free at or below it goes by the
 * block's place (pool_front_slice_free). */
static void *pool_front_alloc_miss(void *opaque, buf_backend_front_stack_t *stack, size_t size)
{
    pool_state_t *state = opaque;
    BUF_ASSERT(state->redzone == 0 && !state->annotated);
    size_t half = state->slice_below;
    if (size > half) {
        BUF_ASSERT(stack < pool_front_slice_stacks(state));
        return backend_slab_front_alloc_miss(state->blocks, stack, size);
    }
    if (__builtin_expect(size != half, 1)) {
        BUF_ASSERT(stack >= pool_front_slice_stacks(state) && stack->count == 0);
        return pool_front_slice_miss(state, stack, size);
    }
    BUF_ASSERT(stack >= pool_front_slice_stacks(state) && state->edge_stack != NULL);
    return pool_front_edge_alloc(state, size);
}

static void pool_front_free_miss(void *opaque, void *ptr, buf_backend_front_stack_t *stack, size_t size)
{
    pool_state_t *state = opaque;
    size_t half = state->slice_below;
    if (size > half) {
        BUF_ASSERT(stack < pool_front_slice_stacks(state));
        backend_slab_front_free_miss(state->blocks, ptr, stack, size);
        return;
    }
    /* A slice, or (the edge entry) slab's block of pool_size / 2 - 7 .. pool_size / 2. */
    BUF_ASSERT(stack >= pool_front_slice_stacks(state) && stack->count == stack->capacity);
    if (__builtin_expect(stack == state->bulk_stack, 0)) {
        pool_front_slices_flush(state, stack, stack->capacity / 2, ptr, size);
        return;
    }
    pool_front_slice_free(state, ptr, size);
}

/* Builds the front on the slab instance's (the tables it needs are ready once that
 * instance exists): the cached slice classes, the class of the others, the edge class,
 * slab's classes above. */
static void pool_front_init(pool_state_t *state)
{
    const buf_backend_front_t *slab_front = backend_slab_front_of(state->blocks);
    BUF_ASSERT(slab_front->class_count == BACKEND_SLAB_FRONT_CLASSES);
    const size_t first = slab_front->class_count; /* the first slice class */
    const size_t half = state->slice_below;
    /* The entry holding pool_size / 2 (a multiple of 8): requests half - 7 .. half. */
    const size_t edge_entry = (half - 1) >> 3;
    const size_t entries = sizeof state->front_class_of;
    size_t cached = FRONT_CHUNK_BYTES_MAX / state->pool_size;
    if (cached > BACKEND_SLAB_FRONT_OWNER_STACKS - 2)
        cached = BACKEND_SLAB_FRONT_OWNER_STACKS - 2; /* and the uncached and edge classes */
    buf_backend_front_stack_t *slices = &slab_front->stacks[first];
    state->edge_stack = half <= BUF_BACKEND_FRONT_MAX ? &slab_front->stacks[slab_front->class_of[edge_entry]] : NULL;
    /* The cached classes, by cut, until there are `cached` of them (the tables are ready
     * for the entries below edge_entry; an entry never straddles two cuts, all multiples
     * of 16). */
    size_t classes = 0, entry = 0, last_cut = 0;
    for (; entry < entries && entry < edge_entry; entry++) {
        size_t largest = (entry + 1) * 8; /* the entry's requests: largest - 7 .. largest */
        size_t cut = slice_cut(largest);
        BUF_ASSERT(slice_cut(largest - 7) == cut);
        if (cut != last_cut) {
            if (classes == cached)
                break;
            slices[classes] = (buf_backend_front_stack_t){.count = 0, .capacity = 1};
            classes++;
            last_cut = cut;
        }
        state->front_class_of[entry] = (uint8_t)(first + classes - 1);
        /* A cached slice is given back with its class's largest request (a slice's size). */
        state->front_class_bytes[first + classes - 1] = (uint32_t)largest;
    }
    const size_t uncached = first + classes, edge = uncached + 1;
    state->slice_stacks_end = &slices[classes];
    state->bulk_stack = state->streak_stack = NULL;
    state->streak = 0;
    slices[classes] = (buf_backend_front_stack_t){.count = 0, .capacity = 0};
    pool_front_slice_stacks(state)[classes + 1] = (buf_backend_front_stack_t){.count = 0, .capacity = 1};
    state->front_class_bytes[uncached] = (uint32_t)(half - 8); /* capacity 0: never given back */
    state->front_class_bytes[edge] = (uint32_t)half;
    for (; entry < entries; entry++)
        state->front_class_of[entry] = entry < edge_entry    ? (uint8_t)uncached
                                       : entry == edge_entry ? (uint8_t)edge
                                                             : slab_front->class_of[entry];
    memcpy(state->front_class_bytes, slab_front->class_bytes, first * sizeof state->front_class_bytes[0]);
    state->no_front_heap.offset = (SIZE_MAX / 2) & ~(SLICE_QUANTUM - 1); /* no request fits after it */
    state->no_front_heap.current_base = NULL;
    state->front_heap = &state->no_front_heap;
    state->front = (buf_backend_front_t){.class_of = state->front_class_of,
                                         .stacks = slab_front->stacks,
                                         .class_bytes = state->front_class_bytes,
                                         .class_count = edge + 1,
                                         .alloc_miss = pool_front_alloc_miss,
                                         .free_miss = pool_front_free_miss};
}

static buf_backend_front_t *pool_front(void *opaque)
{
    pool_state_t *state = opaque;
    return state->front_published ? &state->front : NULL;
}

/* ---- Create and destroy -------------------------------------------------------------- */
static void pool_heap_init(void *owner, backend_thread_heap_t *base)
{
    (void)owner;
    (void)base;
}

static buf_status_t pool_create(const buf_backend_config_t *config, void **state_out)
{
    size_t pool_size;
    bool no_cache;
    buf_status_t status = pool_config_from(config, &pool_size, &no_cache);
    if (status != BUF_OK)
        return status;
    pool_state_t *state = calloc(1, sizeof *state);
    if (!state)
        return BUF_ENOMEM;
    state->pool_size = pool_size;
    state->chunk_cache = (uint32_t)(HEAP_CHUNK_CACHE_BYTES / pool_size > HEAP_CHUNK_CACHE_MIN
                                        ? HEAP_CHUNK_CACHE_BYTES / pool_size
                                        : HEAP_CHUNK_CACHE_MIN);
    state->pool_shift = floor_log2(pool_size);
    state->slice_below = pool_size / 2;
    state->edge_from = pool_size / 2 - 7;
    state->annotated = mem_annotating();
    state->arena_size = pool_size * CHUNKS_PER_ARENA;
    pthread_mutex_init(&state->lock, NULL);
    status = backend_slab_create_named("pool", &state->blocks);
    if (status != BUF_OK) {
        free(state);
        return status;
    }
    if (backend_heap_set_init(&state->heaps, sizeof(pool_heap_t), state, pool_heap_init) != 0) {
        backend_slab_destroy(state->blocks, NULL);
        free(state);
        return BUF_ENOMEM;
    }
    state->redzone = mem_redzone();
    pool_front_init(state);
    state->front_published = !no_cache && !state->annotated;
    *state_out = state;
    return BUF_OK;
}

static void release_current(void *owner, backend_thread_heap_t *base)
{
    (void)owner;
    pool_heap_t *heap = (pool_heap_t *)base;
    /* Turn the current chunk's count into its live slices, as retiring it would; the
     * chunk itself goes away with its arena (no list to return it to during destroy). */
    if (heap->current) {
        int64_t refs = atomic_load_explicit(&heap->current->refs, memory_order_relaxed);
        int64_t live = (int64_t)heap->live_here + refs - CURRENT_BIAS;
        BUF_ASSERT(live >= 0);
        atomic_store_explicit(&heap->current->refs, live, memory_order_relaxed);
    }
    heap->current = NULL;
}

#define REPORT_LIMIT 20

static size_t pool_destroy(void *opaque, void *report)
{
    pool_state_t *state = opaque;
    FILE *out = report;
    backend_heap_set_destroy(&state->heaps, release_current);
    size_t outstanding = 0, reported = 0;
    for (pool_arena_t *arena = atomic_load(&state->arenas); arena; arena = arena->next)
        for (uint32_t i = 1; i < arena->chunks_carved; i++) {
            int64_t live = atomic_load(&arena->chunks[i].refs);
            BUF_ASSERT(live >= 0);
            if (live <= 0)
                continue;
            if (out && reported++ < REPORT_LIMIT)
                fprintf(out, "pool: chunk %p still has %" PRId64 " outstanding slice(s)\n",
                        (void *)chunk_base(state, &arena->chunks[i]), live);
            outstanding += (size_t)live;
        }
    outstanding += backend_slab_destroy(state->blocks, out);
    for (pool_arena_t *arena = atomic_load(&state->arenas); arena;) {
        pool_arena_t *next = arena->next;
        mem_unmap(arena, state->arena_size);
        arena = next;
    }
    pthread_mutex_destroy(&state->lock);
    free(state);
    return outstanding;
}

/* ---- Stats --------------------------------------------------------------------------- */
static void pool_stats(void *opaque, buf_backend_stats_t *out)
{
    pool_state_t *state = opaque;
    out->bytes_os = atomic_load(&state->bytes_os) + backend_slab_bytes_os(state->blocks);
    out->bytes_os_process_wide = false;
}

/* ---- The vtable ---------------------------------------------------------------------- */
/* With chunks of 16 KiB and more, requests of 4 KiB and up may be slices, on 16 bytes in
 * their chunk: only chunks of at most 8 KiB leave every such request to the slab instance,
 * whose blocks are wide-aligned. */
extern const buf_backend_ops_t backend_pool_ops;
static void pool_instance_props(void *opaque, buf_backend_props_t *out)
{
    const pool_state_t *state = opaque;
    *out = backend_pool_ops.props;
    out->wide_aligned = state->slice_below <= BUF_WIDE_MIN;
}

const buf_backend_ops_t backend_pool_ops = {
    .props = {.name = "pool",
              .description = "Node-style pool: requests < pool_size/2 sliced from shared 8 KiB chunks, larger from slab classes",
              .zeroed = false,
              .guard_pages = false,
              .cross_thread_free = true,
              .concurrent_alloc = true,
              .close_releases_blocks = true,
              .wide_aligned = true}, /* for 8 KiB chunks (pool_instance_props) */
    .fuzz_id = 3,
    .create = pool_create,
    .destroy = pool_destroy,
    .alloc = pool_alloc,
    .free = pool_free,
    .stats = pool_stats,
    .instance_props = pool_instance_props,
    .front = pool_front,
};
