/* slab_front.c — the slab backend's front: the thread cache the framework's inline paths
 * use (buf_backend.h, "The backend's front"), its stacks' capacities, and its miss paths,
 * which refill and flush the stacks from and to the slabs of backend_slab.c.  The state
 * and the helpers both files use: slab_state.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf_backend.h"
#include "backend_slab.h"
#include "core/core_assert.h"
#include "size_class.h"
#include "slab_arena.h"
#include "slab_state.h"
#include "thread_heap.h"

/* ---- The front: the thread cache the framework's inline paths use -----------------------
 * buf_backend.h ("The backend's front"): the owner thread of the framework's instance pops
 * and pushes freed blocks on one out-of-band stack per class, for default-alignment
 * requests of 1 .. MEDIUM_MAX bytes, without calling backend_slab_alloc or
 * backend_slab_free (callgrind, alloc_pair/slab/64: the call and slab's pair paths were
 * ~90 of the 110 instructions per pair).  What we promise by publishing it holds here:
 * the align-16 row of backend_slab_class_by_units is the table, a block of a class serves
 * every request of it, and backend_slab_free takes a block back with its class's size (it
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
 * the sizes there hold a few hundred KiB at most (slab 1.2751 -> 1.2702 and pool
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
#define FRONT_TOTAL_BYTES_MAX (((size_t)1338 << 10) + 64) /* the sum above, exactly */

static uint32_t front_capacity(unsigned class_index)
{
    size_t size = (size_t)backend_slab_bytes_by_class[class_index];
    size_t blocks = FRONT_CLASS_BYTES / size;
    blocks = blocks < 1 ? 1 : blocks;
    return (uint32_t)(blocks < FRONT_BLOCKS_MAX ? blocks : FRONT_BLOCKS_MAX);
}

void backend_slab_front_init(slab_state_t *state)
{
    _Static_assert(FRONT_BLOCKS_MAX <= BUF_BACKEND_FRONT_BLOCKS, "a stack holds at most BUF_BACKEND_FRONT_BLOCKS");
    _Static_assert(SLAB_TABLE_UNITS >= (MEDIUM_MAX - 1) / SLAB_QUANTUM + 1, "the align-16 row covers 1 .. MEDIUM_MAX");
    size_t total = 0;
    for (unsigned class_index = 0; class_index < CLASS_COUNT; class_index++) {
        /* Only the classes the align-16 row reaches can ever hold a block. */
        bool reached = lowest_set_bit((size_t)backend_slab_bytes_by_class[class_index]) >= BUF_DEFAULT_ALIGN;
        buf_backend_front_stack_t *stack = &state->front_stacks[class_index];
        stack->count = 0;
        stack->capacity = reached ? front_capacity(class_index) : 0;
        total += stack->capacity * (size_t)backend_slab_bytes_by_class[class_index];
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
    state->front = (buf_backend_front_t){.class_of = &backend_slab_class_by_units[SLAB_TABLE_UNITS],
                                         .stacks = state->front_stacks,
                                         .class_bytes = backend_slab_bytes_by_class,
                                         .class_count = CLASS_COUNT,
                                         .alloc_miss = backend_slab_front_alloc_miss,
                                         .free_miss = backend_slab_front_free_miss};
}

const buf_backend_front_t *backend_slab_front_of(void *opaque)
{
    slab_state_t *state = opaque;
    return &state->front;
}

/* ---- The front's misses ---------------------------------------------------------------
 * The framework's inline paths call these with the stack of the class they looked up in
 * the align-16 row of backend_slab_class_by_units (buf_backend.h, "The backend's front"):
 * an alloc whose stack is empty, a free whose stack is full.  The class is the stack's index (a
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
    size_t request = backend_slab_bytes_by_class[class_index];
    return backend_slab_alloc_slow(state, request, request, BUF_DEFAULT_ALIGN);
}

/* The head-slab take (front_take) repeats backend_slab_alloc's on purpose: a helper shared
 * by the two, with its NULL test and jump back, cost pool's large requests (which reach
 * backend_slab_alloc) 2.8 instructions per pair (callgrind, alloc_batch_lifo/pool/4096). */
void *backend_slab_front_alloc_miss(void *opaque, buf_backend_front_stack_t *stack, size_t size)
{
    slab_state_t *state = opaque;
    unsigned class_index = front_class_of_stack(state, stack);
    BUF_ASSERT(size >= 1 && size <= backend_slab_bytes_by_class[class_index]); /* the class's block serves it */
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
    size_t request = backend_slab_bytes_by_class[class_index];
    BUF_ASSERT(backend_slab_class_size_for(request, BUF_DEFAULT_ALIGN) == request); /* names its class */
    return backend_slab_alloc_slow(state, request, request, BUF_DEFAULT_ALIGN);
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
        backend_slab_relist(mine, slab);
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
            backend_slab_free_slow(state, block, request, request, BUF_DEFAULT_ALIGN);
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
    const size_t request = backend_slab_bytes_by_class[front_class_of_stack(state, stack)];
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
    const size_t request = backend_slab_bytes_by_class[front_class_of_stack(state, stack)];
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
            backend_slab_free_slow(state, block, request, request, BUF_DEFAULT_ALIGN);
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

/* One block of an indexed class back onto its slab's offsets, as slab's own free would give
 * it, leaving the stack as it is. */
static inline __attribute__((always_inline)) void front_free_one(slab_state_t *state, slab_heap_t *mine, void *ptr,
                                                                 const buf_backend_front_stack_t *stack)
{
    slab_t *slab = slab_of(ptr);
    if (__builtin_expect(slab->heap == mine, 1)) {
        /* The request only for the assertion here: computed before the branch, it cost this
         * path 6 instructions a pair (callgrind, alloc_batch_lifo/slab/4096). */
        slab_check_freed_block(slab, ptr, backend_slab_bytes_by_class[front_class_of_stack(state, stack)],
                               BUF_DEFAULT_ALIGN);
        BUF_ASSERT(slab->used > 0 && slab->indexed);
        indexed_push(slab, ptr);
        front_blocks_back(mine, slab, 1);
        return;
    }
    size_t request = backend_slab_bytes_by_class[front_class_of_stack(state, stack)];
    backend_slab_free_slow(state, ptr, request, request, BUF_DEFAULT_ALIGN);
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
    /* An indexed class of one to four blocks (every linked class is a bulk one). */
    _Static_assert(FRONT_BULK_CLASSES > FIRST_INDEXED_CLASS, "the linked classes flush in bulk");
    front_free_one(state, mine, ptr, stack);
}

void backend_slab_front_free_one(void *opaque, void *ptr, const buf_backend_front_stack_t *stack)
{
    slab_state_t *state = opaque;
    BUF_ASSERT(stack >= &state->front_stacks[FIRST_INDEXED_CLASS] && stack < state->front_stacks + CLASS_COUNT);
    front_free_one(state, (slab_heap_t *)backend_heap_set_mine_cached(&state->heaps), ptr, stack);
}
