/* backend_pool.c — Node's Buffer pool: small requests sliced from shared pool chunks.
 *
 * As Node slices Buffer.allocUnsafe requests below poolSize/2 out of one 8 KiB pool, this
 * backend slices requests below pool_size/2 (pool_size: 8 KiB by default, any power of
 * two from 4 KiB to 1 MiB via config.pool_size or the variant "pool:BYTES") out of the
 * calling thread's current pool chunk with a bump pointer.  Each chunk counts its live
 * slices plus one reference held while it is some thread's current chunk; when the count
 * drops to zero the chunk returns to the backend for reuse — when its last slice reaches
 * the backend, on whichever thread (a slice the front holds is still live: pool_front.c,
 * "The front").
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
 * The thread cache the framework's inline paths use (the "front") and its misses:
 * pool_front.c.  The types, the slices' sizes and the helpers both files use: pool_state.h.
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
#include "pool_state.h"
#include "thread_heap.h"

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
void backend_pool_chunk_recycle(pool_state_t *state, chunk_t *chunk)
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
        backend_pool_chunk_recycle(state, chunk);
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

/* ---- Allocate ------------------------------------------------------------------------ */
/* Everything but a slice of the current chunk that fits: a new thread, a chunk to start
 * over or to trade for a fresh one, and every call of an annotated run.  `cut`: the bytes
 * the slice takes (slice_cut of the request, red zone included). */
__attribute__((noinline)) void *backend_pool_alloc_slow(pool_state_t *state, size_t size, size_t cut, size_t align)
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
    return backend_pool_alloc_slow(state, size, cut, align);
}

/* ---- Free ---------------------------------------------------------------------------- */
/* A slice of a chunk that is not the calling thread's current one, a thread that has no
 * heap in the one-entry cache, and every free of an annotated run. */
__attribute__((noinline)) void backend_pool_free_slow(pool_state_t *state, void *ptr, size_t request, chunk_t *chunk)
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
    backend_pool_chunk_release(state, chunk, 1);
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
        current_slices_freed(mine, 1);
        return;
    }
    backend_pool_free_slow(state, ptr, request, chunk);
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
    backend_pool_front_init(state);
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
    .front = backend_pool_front,
};
