/* slab_pages.c — the slab backend's memory: arenas, committing pages, giving idle pages back.
 *
 * Memory accounting: an arena is reserved whole (PROT_NONE) and committed a page at a time
 * as blocks are carved, so bytes_os counts what the instance can touch: a 512 KiB slab of
 * 64 KiB blocks that has carved 3 has committed 192 KiB, not 512.  Empty slabs wait on
 * their heap's empty list of the class they served; a class without one takes the most
 * committed empty slab of its length, and uses committed room in its other slabs before
 * committing more, so a workload that runs again takes no new memory.  A commit that would
 * raise bytes_os above its highest so far first gives idle pages back (empty slabs, and
 * the free tails of slabs of 512 bytes and more: "Giving idle pages back" below).
 *
 * All of it is the slow path: the pair paths in backend_slab.c carve and reuse blocks
 * within what is committed, and come here only when a slab needs more pages.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "core/core_assert.h"
#include "mem_annotate.h"
#include "mem_map.h"
#include "size_class.h"
#include "slab_arena.h"
#include "slab_state.h"

/* Bytes committed at a time as carving advances, at least: a page, so a slab commits the
 * pages of the blocks it carved and no more.  Whole units (the step before) held a unit
 * per class even for a class with a few live blocks: ~2.6 MiB committed and never carved
 * across alloc_mixed's medium classes at its peak, more across the ~70 small ones (1.47x
 * its requested bytes; 1.36x with pages, the run holes aside).  Carving commits only past
 * what a slab ever held, so a steady state makes no syscall; an empty slab goes back to
 * the class it served when that class needs one again (slab_new), so a workload that runs
 * again finds each slab committed as far as it needs. */
#define COMMIT_STEP ((size_t)4096)

/* ---- Arenas ------------------------------------------------------------------------- */
/* Shared with the runs (slab_arena.h). */
size_t backend_slab_arena_header_bytes(void)
{
    return round_up(sizeof(arena_t), buf_page_size());
}

arena_t *backend_slab_arena_map(_Atomic uint64_t *bytes_os)
{
    /* Reserved whole, committed a step at a time (backend_slab_commit_more): bytes_os counts
     * the header's pages and the bytes committed, what the instance can touch. */
    uint8_t *aligned = mem_reserve_self_aligned(ARENA_SIZE);
    size_t header_bytes = backend_slab_arena_header_bytes();
    if (!aligned)
        return NULL;
    if (!mem_commit(aligned, header_bytes)) {
        munmap(aligned, ARENA_SIZE);
        return NULL;
    }
    arena_t *arena = (arena_t *)aligned;
    arena->units_carved = 1;
    atomic_fetch_add_explicit(bytes_os, header_bytes, memory_order_relaxed);
    return arena;
}

arena_t *backend_slab_arena_new(slab_state_t *state)
{
    arena_t *arena = backend_slab_arena_map(&state->bytes_os);
    if (!arena)
        return NULL;
    pthread_mutex_lock(&state->lock);
    arena->next = state->arenas;
    state->arenas = arena;
    pthread_mutex_unlock(&state->lock);
    return arena;
}

/* ---- Giving idle pages back (slow path) ---------------------------------------------- */
/* A slab keeps the pages it carved: its class (or, once it is empty, another class of its
 * length) finds them committed when it needs blocks again.  Classes come and go, though:
 * at alloc_mixed's peak the 4-64 KiB classes had committed 7.3 MiB for 2.4 MiB of live
 * blocks (3.7 MiB at the requested peak), 0.7 MiB of it in empty slabs and most of the
 * rest in free blocks above a slab's last live one, left by a class that once had more.
 * So when a commit would raise bytes_os above the highest it has been, the heap's idle
 * pages go back first, one madvise per slab, until as many bytes are given as the commit
 * takes: the peak stays flat instead of growing.  A slab gives back its free tail: the
 * carved blocks above its last live one leave its free set and carving restarts there
 * (committing again as it goes, like a fresh slab).  Only indexed slabs (512 bytes and
 * more) are trimmed: their free set is out of band, 128 entries at most, while a list
 * through the blocks of a small class would mean touching them.  Pages given back stay
 * mapped read-write (slab->writable), so carving them again counts them in bytes_os with
 * no mprotect.  Only at a commit above the high mark, so the pair paths and a steady
 * state (commits below the mark) make no call: an madvise costs ~1-5 us.  alloc_mixed's
 * overhead: slab 1.2893 -> 1.2525, pool 1.3208 -> 1.2542 (the classes of 4-64 KiB are
 * pool's blocks above pool_size / 2); its instructions per pair stay near where they
 * were (callgrind, ops 2000-4000 after the fill: slab 160.9 -> 162.1, pool 202.6 ->
 * 208.3) because slab_new finds empty slabs through a bitmap now (empty_classes), which
 * pays for most of the looks (slab 146.5 with no give-back at all). */

/* Slabs a commit looks at for a free tail (going round the indexed classes from where the
 * last look stopped): alloc_mixed's instructions per pair (callgrind, ops 2000-4000 after
 * the fill) and overhead with 8 / 16 / 48 / all: pool 198.7 / 204.7 / 202.4 / 202.4 and
 * 1.2973 (with 32 KiB trims) / 1.2916 / 1.2593 / 1.2593; slab 149.8 / 157.6 / 160.8 /
 * 170.3 and 1.2798 / 1.2579 / 1.2304 / 1.2200 (main before: pool 202.6, slab 160.9). */
#define TRIM_LOOK_LIMIT 48u
/* Pages given back and still writable commit again (accounting only, no syscall) this much
 * at a time rather than a page: a trimmed slab carving again takes fewer slow paths. */
#define RECOMMIT_STEP ((size_t)64 << 10)
/* After a look that found less than the commit needed, no look until bytes_os passes the
 * commit's mark by this much: the climb to a new peak (every commit above the mark, with
 * nothing idle yet) pays one look per 64 KiB, not one per commit. */
#define GIVE_BACK_QUIET ((size_t)64 << 10)
/* The least a trim gives back, or it is not worth its madvise: alloc_mixed's overhead
 * with 4 / 16 / 64 / 128 KiB: pool 1.2640 / 1.2626 / 1.2768 / 1.2931, slab 1.2121 / 1.2316
 * / 1.2489 / 1.2631 (looking at every slab), with ~0.5 madvise per 1000 pairs more than
 * without trims in the first 700 000 pairs at 16 KiB (~1.3 at 4 KiB) and none more in
 * the steady state. */
#define TRIM_MIN_BYTES ((size_t)16 << 10)
/* Where a give-back of `wanted` bytes (at least TRIM_MIN_BYTES) starts in a range of
 * `committed` bytes whose first `keep` must stay: the top of the range goes, no more than
 * the commit needs, so bytes_os stays at its peak rather than falling far below it (a
 * program run twice then ends the second run where it ended the first: the backend_ops
 * fuzz target checks that). */
static size_t give_back_start(size_t committed, size_t keep, size_t wanted)
{
    size_t amount = round_up(wanted > TRIM_MIN_BYTES ? wanted : TRIM_MIN_BYTES, buf_page_size());
    return committed - keep > amount ? committed - amount : keep;
}

/* The number of carved blocks of an indexed slab up to its last live one. */
static uint32_t slab_live_prefix(const slab_t *slab)
{
    bool is_free[SLAB_INDEX_CAPACITY] = {false};
    if (slab->free_list)
        is_free[(size_t)((const uint8_t *)slab->free_list - slab->base) / slab->block_size] = true;
    for (uint32_t i = 0; i < slab->free_count; i++)
        is_free[((size_t)slab->free_offsets[i] << SLAB_OFFSET_SHIFT) / slab->block_size] = true;
    uint32_t prefix = slab->carved;
    while (prefix > 0 && is_free[prefix - 1])
        prefix--;
    return prefix;
}

/* Gives back the pages of an indexed slab (owner thread) above its last live block;
 * returns the bytes given. */
static size_t slab_trim(slab_state_t *state, slab_t *slab, size_t wanted)
{
    BUF_ASSERT(slab->indexed && slab->capacity <= SLAB_INDEX_CAPACITY);
    /* The live blocks need `used` blocks' pages at least: most slabs are rejected here,
     * before the walk of their free set. */
    if (round_up((size_t)slab->used * slab->block_size, buf_page_size()) + TRIM_MIN_BYTES > slab->committed)
        return 0;
    uint32_t prefix = slab_live_prefix(slab);
    size_t keep = round_up((size_t)prefix * slab->block_size, buf_page_size());
    if (keep + TRIM_MIN_BYTES > slab->committed)
        return 0;
    keep = give_back_start(slab->committed, keep, wanted);
    if (!mem_decommit(slab->base + keep, slab->committed - keep))
        return 0; /* the OS refused: the pages stay counted, the blocks stay free */
    /* The carved blocks from the one that `keep` ends in up leave the free set (carving
     * reaches them again); below it they stay free.  (Pages above the carved blocks,
     * committed ahead of carving, just go.) */
    uint32_t first_gone = (uint32_t)(keep / slab->block_size);
    if (first_gone > slab->carved)
        first_gone = slab->carved;
    BUF_ASSERT(first_gone >= prefix && first_gone <= slab->carved);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < slab->free_count; i++)
        if (((size_t)slab->free_offsets[i] << SLAB_OFFSET_SHIFT) / slab->block_size < first_gone)
            slab->free_offsets[kept++] = slab->free_offsets[i];
    slab->free_count = (uint8_t)kept;
    if (slab->free_list && (size_t)((uint8_t *)slab->free_list - slab->base) / slab->block_size >= first_gone)
        slab->free_list = NULL;
    BUF_ASSERT(slab->used + (slab->free_list != NULL) + slab->free_count == first_gone);
    size_t given = slab->committed - keep;
    slab->carved = first_gone;
    slab->committed = (uint32_t)keep;
    slab_set_carve_limit(slab);
    atomic_fetch_sub_explicit(&state->bytes_os, given, memory_order_relaxed);
    return given;
}

/* Gives back idle pages of the heap (empty slabs whole, then the free tails of indexed
 * slabs that have live blocks), the largest classes first, until `needed` bytes are given
 * or none is left; never those of `committing`, the slab about to commit. */
static size_t heap_give_back_idle(slab_heap_t *heap, const slab_t *committing, size_t needed)
{
    slab_state_t *state = heap->owner;
    size_t given = 0;
    for (unsigned index = empty_class_first(heap); index < CLASS_COUNT && given < needed;
         index = backend_slab_empty_class_after(heap, index))
        for (slab_t *slab = heap->empty[index]; slab && given < needed; slab = slab->next) {
            BUF_ASSERT(slab->used == 0 && slab != committing);
            if (slab->committed == 0)
                continue;
            size_t keep = give_back_start(slab->committed, 0, needed - given);
            if (!mem_decommit(slab->base + keep, slab->committed - keep))
                continue; /* the OS refused: the pages stay counted */
            given += slab->committed - keep;
            atomic_fetch_sub_explicit(&state->bytes_os, slab->committed - keep, memory_order_relaxed);
            slab->committed = (uint32_t)keep;
        }
    /* Free tails: a bounded look (TRIM_LOOK_LIMIT slabs) going round the indexed classes
     * from where the last one stopped, so a commit pays for a few descriptors, not ~60
     * classes' lists. */
    unsigned looked = 0, index = heap->trim_cursor;
    for (unsigned classes = 0; classes < CLASS_COUNT - FIRST_INDEXED_CLASS; classes++) {
        if (given >= needed || looked >= TRIM_LOOK_LIMIT)
            break;
        if (index < FIRST_INDEXED_CLASS || index >= CLASS_COUNT)
            index = FIRST_INDEXED_CLASS;
        for (slab_t *slab = heap->available[index]; slab && given < needed && looked < TRIM_LOOK_LIMIT;
             slab = slab->next, looked++)
            if (slab != committing)
                given += slab_trim(state, slab, needed - given);
        index++;
    }
    heap->trim_cursor = index;
    return given;
}

/* Before `slab` commits `grown` more bytes: gives back idle pages if the commit would
 * raise bytes_os above its high mark. */
static void slab_before_commit(slab_t *slab, size_t grown)
{
    slab_state_t *state = slab->heap->owner;
    uint64_t now = atomic_load_explicit(&state->bytes_os, memory_order_relaxed);
    uint64_t wanted = now + grown;
    if (wanted <= atomic_load_explicit(&state->bytes_os_high, memory_order_relaxed) ||
        wanted <= atomic_load_explicit(&state->give_back_quiet_below, memory_order_relaxed))
        return;
    size_t given = heap_give_back_idle(slab->heap, slab, grown);
    if (given < grown)
        atomic_store_explicit(&state->give_back_quiet_below, wanted + GIVE_BACK_QUIET, memory_order_relaxed);
}

static void slab_after_commit(slab_state_t *state)
{
    uint64_t now = atomic_load_explicit(&state->bytes_os, memory_order_relaxed);
    if (now > atomic_load_explicit(&state->bytes_os_high, memory_order_relaxed))
        atomic_store_explicit(&state->bytes_os_high, now, memory_order_relaxed);
}


/* Commits the next unit of the slab and lets carving reach the blocks that now fit. */
bool backend_slab_commit_more(slab_t *slab)
{
    size_t length = (size_t)slab->units * UNIT_SIZE;
    BUF_ASSERT(slab->committed < length);
    /* Enough for the next block, at least a step, never past the slab's end. */
    /* Pages given back and still writable cost no syscall to commit again: a larger
     * step there, so a trimmed slab carving again takes fewer trips through here. */
    size_t step = slab->committed < slab->writable && RECOMMIT_STEP > COMMIT_STEP ? RECOMMIT_STEP : COMMIT_STEP;
    size_t next_block_end = ((size_t)slab->carved + 1) * slab->block_size;
    size_t target = round_up(next_block_end > slab->committed + step ? next_block_end : slab->committed + step,
                             buf_page_size());
    if (target > length)
        target = length;
    if (step > COMMIT_STEP && target > slab->writable && next_block_end <= slab->writable)
        target = slab->writable; /* the larger step stops where the syscalls start */
    uint8_t *start = slab->base + slab->committed;
    size_t grown = target - slab->committed;
    slab_before_commit(slab, grown);
    if (target > slab->writable) {
        uint8_t *protected_start = slab->base + (slab->writable > slab->committed ? slab->writable : slab->committed);
        if (!mem_commit(protected_start, (size_t)(slab->base + target - protected_start)))
            return false;
        slab->writable = (uint32_t)target;
    }
    mem_poison(start, grown);
    atomic_fetch_add_explicit(&slab->heap->owner->bytes_os, grown, memory_order_relaxed);
    slab->committed = (uint32_t)target;
    slab_after_commit(slab->heap->owner);
    return true;
}
