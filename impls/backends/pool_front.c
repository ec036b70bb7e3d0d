/* pool_front.c — the pool backend's front: the thread cache the framework's inline paths
 * use (buf_backend.h, "The backend's front"), built on the front of the slab instance the
 * pool owns, with pool's slice classes, the edge entry, the run class of one slice size,
 * and the misses that bump and give back slices of the owner's chunks.  The state and the
 * helpers both files use: pool_state.h.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf_backend.h"
#include "backend_slab.h"
#include "core/core_assert.h"
#include "pool_state.h"
#include "thread_heap.h"

/* ---- The front: the thread cache the framework's inline paths use -----------------------
 * buf_backend.h ("The backend's front").  Pool's front is the front of the slab instance it
 * owns (backend_slab.h: its classes, stacks, capacities and misses) with classes of its own
 * for the slices, on the stacks slab keeps after its own for its owner; the misses tell the
 * two apart by the request's size (and the edge entry by its stack):
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
 *   - the edge entry: the one 8-byte table entry (the inline path's (size - 1) >> 3) that
 *     holds pool_size / 2, requests pool_size / 2 - 7 .. pool_size / 2: slices below
 *     pool_size / 2 (their cut is pool_size / 2), and pool_size / 2 itself (not a slice,
 *     as in Node), slab's block of its class.  Its class is slab's class of exactly
 *     pool_size / 2, which no other entry maps to, and its stack slab's ("edge_stack"), of
 *     at most EDGE_BLOCKS_MAX blocks of either kind: any of them serves any request of the
 *     entry (both have pool_size / 2 bytes), so a block of these requests is whichever the
 *     front handed out: the free miss, and pool_free at these sizes (on any thread, and
 *     for the blocks the front gives back), tell them apart by the block's address
 *     (pool_owns: a walk of the arenas).  Its alloc miss at pool_size / 2 is slab's (a
 *     refill, if any, is slab's blocks), below it a slice; its free miss gives back the
 *     one block, to slab (backend_slab_front_free_one: never slab's flush, which would
 *     hand slices to slab) or to its chunk.  The batches of pool_size / 2 then pay what
 *     slab's classes above it pay, a compare and a call on each miss (callgrind per pair,
 *     alloc_batch_lifo/pool/4096: 159.1 with a stack of one block of its own in front of
 *     slab's, whose misses went through the slice path's tests, 132.1 on slab's stack;
 *     alloc_pair/pool/4096, 73 with no stack, 42 with one).
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
/* The edge entry's stack (slab's) holds no more than slab's classes that flush nothing
 * (one to four blocks): a free past it gives back one block. */
#define EDGE_BLOCKS_MAX 4u

/* The slice classes' stacks: slab's owner stacks after its own classes (backend_slab.h),
 * the cached classes first, then the class of the slices never cached (the front's stacks
 * are slab's: valid once pool_front_init has built it). */
static inline buf_backend_front_stack_t *pool_front_slice_stacks(const pool_state_t *state)
{
    return state->front.stacks + BACKEND_SLAB_FRONT_CLASSES;
}

/* The stack after the cached slice classes: the class of the slices never cached, the last
 * of the front's classes (pool_front_init). */
static inline buf_backend_front_stack_t *pool_front_uncached_stack(const pool_state_t *state)
{
    return &state->front.stacks[state->front.class_count - 1];
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
    void *slice = backend_pool_alloc_slow(state, size, cut, BUF_DEFAULT_ALIGN);
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
    if (chunk == heap->current)
        current_slices_freed(heap, n);
    else
        backend_pool_chunk_release(state, chunk, n);
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
        const size_t old_class = (size_t)(old - state->front.stacks);
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
        if (++state->streak >= SLICE_STREAK && stack >= pool_front_slice_stacks(state) &&
            stack < pool_front_uncached_stack(state) && state->front_heap != &state->no_front_heap)
            return pool_front_slice_promote(state, stack, size, cut);
    } else {
        state->streak_stack = stack;
        state->streak = 1;
    }
    return pool_front_slice(state, size, cut);
}

/* The owner's free of a slice of a chunk that is not its current one (its count is atomic:
 * other threads may free its slices too); before the owner's heap is known, any slice,
 * through the general slow path, which tells the current chunk's apart. */
static __attribute__((noinline)) void pool_front_free_retired(pool_state_t *state, void *ptr, size_t size)
{
    chunk_t *chunk = chunk_of(state, ptr);
    if (__builtin_expect(state->front_heap == &state->no_front_heap, 0)) {
        backend_pool_free_slow(state, ptr, size, chunk);
        pool_front_know_heap(state);
        return;
    }
    pool_check_freed_slice(state, chunk, ptr, size);
    backend_pool_chunk_release(state, chunk, 1);
}

/* The owner frees a slice: of its current chunk (no_front_heap's base is NULL, below every
 * slice), or else pool_front_free_retired. */
static inline __attribute__((always_inline)) void pool_front_slice_free(pool_state_t *state, void *ptr, size_t size)
{
    BUF_ASSERT(size <= state->slice_below);
    pool_heap_t *heap = state->front_heap;
    if (__builtin_expect((uintptr_t)ptr - (uintptr_t)heap->current_base < state->pool_size, 1)) {
        pool_check_freed_slice(state, heap->current, ptr, size);
        current_slices_freed(heap, 1);
        return;
    }
    pool_front_free_retired(state, ptr, size);
}

/* A block of the edge entry's requests (pool_size / 2 - 7 .. pool_size / 2) freed when its
 * stack is full: slab's block, or a slice (the stack holds either kind), told apart by its
 * address. */
static __attribute__((noinline)) void pool_front_free_edge_entry(pool_state_t *state, void *ptr,
                                                                 const buf_backend_front_stack_t *stack, size_t size)
{
    if (__builtin_expect(!pool_owns(state, ptr), 1)) {
        backend_slab_front_free_one(state->blocks, ptr, stack);
        return;
    }
    pool_front_slice_free(state, ptr, size);
}

/* The misses, told apart by the request's size: one compare with pool_size / 2 and the
 * branches on its flags.  Above it, one of slab's classes (their stacks lie below ours):
 * slab's misses, first, so a batch of 16-64 KiB blocks pays what it paid when the stacks
 * were compared (the state's load, a compare, a branch).  An alloc exactly at it is slab's
 * too (the edge entry's block), below it a slice of the stack's class (a slice class, or
 * the edge entry's requests below pool_size / 2).  A free at or below it: the edge entry's
 * by its stack (pool_front_free_edge_entry), a slice by the block's place
 * (pool_front_slice_free). */
static void *pool_front_alloc_miss(void *opaque, buf_backend_front_stack_t *stack, size_t size)
{
    pool_state_t *state = opaque;
    BUF_ASSERT(state->redzone == 0 && !state->annotated);
    if (size >= state->slice_below) {
        BUF_ASSERT(stack < pool_front_slice_stacks(state));
        return backend_slab_front_alloc_miss(state->blocks, stack, size);
    }
    BUF_ASSERT(stack->count == 0 && (stack >= pool_front_slice_stacks(state) || stack == state->edge_stack));
    return pool_front_slice_miss(state, stack, size);
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
    BUF_ASSERT(stack->count == stack->capacity);
    if (stack == state->edge_stack) {
        pool_front_free_edge_entry(state, ptr, stack, size);
        return;
    }
    BUF_ASSERT(stack >= pool_front_slice_stacks(state));
    if (__builtin_expect(stack == state->bulk_stack, 0)) {
        pool_front_slices_flush(state, stack, stack->capacity / 2, ptr, size);
        return;
    }
    pool_front_slice_free(state, ptr, size);
}

/* Builds the front on the slab instance's (the tables it needs are ready once that
 * instance exists): the cached slice classes, the class of the others, and slab's classes
 * from the edge entry up. */
void backend_pool_front_init(pool_state_t *state)
{
    const buf_backend_front_t *slab_front = backend_slab_front_of(state->blocks);
    BUF_ASSERT(slab_front->class_count == BACKEND_SLAB_FRONT_CLASSES);
    const size_t first = slab_front->class_count; /* the first slice class */
    const size_t half = state->slice_below;
    /* The entry holding pool_size / 2 (a multiple of 8): requests half - 7 .. half. */
    const size_t edge_entry = (half - 1) >> 3;
    const size_t entries = sizeof state->front_class_of;
    size_t cached = FRONT_CHUNK_BYTES_MAX / state->pool_size;
    if (cached > BACKEND_SLAB_FRONT_OWNER_STACKS - 1)
        cached = BACKEND_SLAB_FRONT_OWNER_STACKS - 1; /* and the uncached class */
    buf_backend_front_stack_t *slices = &slab_front->stacks[first];
    state->edge_stack = NULL;
    if (half <= BUF_BACKEND_FRONT_MAX) {
        /* The edge entry's class is slab's class of exactly pool_size / 2: no entry above
         * maps to it (those below are slices). */
        const uint8_t edge_class = slab_front->class_of[edge_entry];
        BUF_ASSERT(slab_front->class_bytes[edge_class] == half &&
                   (edge_entry + 1 == entries || slab_front->class_of[edge_entry + 1] != edge_class));
        state->edge_stack = &slab_front->stacks[edge_class];
        if (state->edge_stack->capacity > EDGE_BLOCKS_MAX)
            state->edge_stack->capacity = EDGE_BLOCKS_MAX;
    }
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
    const size_t uncached = first + classes;
    state->bulk_stack = state->streak_stack = NULL;
    state->streak = 0;
    slices[classes] = (buf_backend_front_stack_t){.count = 0, .capacity = 0};
    state->front_class_bytes[uncached] = (uint32_t)(half - 8); /* capacity 0: never given back */
    for (; entry < entries; entry++)
        state->front_class_of[entry] = entry < edge_entry ? (uint8_t)uncached : slab_front->class_of[entry];
    memcpy(state->front_class_bytes, slab_front->class_bytes, first * sizeof state->front_class_bytes[0]);
    state->no_front_heap.offset = (SIZE_MAX / 2) & ~(SLICE_QUANTUM - 1); /* no request fits after it */
    state->no_front_heap.current_base = NULL;
    state->front_heap = &state->no_front_heap;
    state->front = (buf_backend_front_t){.class_of = state->front_class_of,
                                         .stacks = slab_front->stacks,
                                         .class_bytes = state->front_class_bytes,
                                         .class_count = uncached + 1,
                                         .alloc_miss = pool_front_alloc_miss,
                                         .free_miss = pool_front_free_miss};
    BUF_ASSERT(pool_front_uncached_stack(state) == &slices[classes]);
}

buf_backend_front_t *backend_pool_front(void *opaque)
{
    pool_state_t *state = opaque;
    return state->front_published ? &state->front : NULL;
}

