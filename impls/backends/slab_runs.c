/* slab_runs.c — slab's blocks of 64 KiB - 1 MiB: runs of whole 64 KiB units (slab_runs.h).
 *
 * A request above 64 KiB up to 1 MiB takes a run of whole 64 KiB units in a run arena (the
 * instance's own arenas, shared by all threads under one lock: these requests are rare
 * beside the small ones, and a lock costs little beside what is done with 64 KiB+).  Each
 * run arena keeps a 64-bit map of its free units, so freed runs merge with their free
 * neighbours by themselves and any later request can reuse them, whatever its size.
 * With a mapping per block recycled per size class instead (large_cache.h), alloc_mixed
 * kept as many idle mappings as live ones (2x its peak request in OS bytes): the per-class
 * free lists could not serve a request of another class.  Units stay committed once used
 * (no syscall in the steady state: an madvise here costs ~5 us, more than 100 pairs),
 * except when a run would commit fresh units and so raise the instance's bytes_os above
 * the highest it has been, while more than RUN_IDLE_KEPT_UNITS free units lie committed in
 * holes too small for it: then those holes give their pages back first (run_give_back_idle),
 * so the peak stays flat.  alloc_mixed's run arenas held 7-9 of their 22 committed MiB in
 * such holes at its peak.  A hole given back stays writable: reusing it needs no syscall.
 * A run arena whose units are all free is unmapped once RUN_EMPTY_ARENAS_KEPT others are.
 *
 * Kept apart from backend_slab.c, whose size classes are per-thread and lock-free: the
 * two share only the arena layout (slab_arena.h).
 */
#include "slab_runs.h"

#include "core/core_assert.h"
#include "mem_annotate.h"
#include "mem_map.h"
#include "size_class.h"

#define CLASS_RUN 0xffffu /* a run's class_index: no size class has it */
#define RUN_EMPTY_ARENAS_KEPT 2
#define RUN_ARENA_ALL_FREE (~(uint64_t)1) /* every unit but the header's */

static inline uint64_t unit_mask(unsigned start, unsigned count)
{
    return (count >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << count) - 1)) << start;
}

static uint64_t popcount64(uint64_t bits)
{
    return (uint64_t)__builtin_popcountll(bits);
}

/* Bit i set where `count` consecutive set bits of `bits` start at i. */
static inline uint64_t run_starts(uint64_t bits, unsigned count)
{
    for (unsigned k = 1; k < count && bits; k++)
        bits &= bits >> 1;
    return bits;
}

int backend_slab_runs_init(backend_slab_runs_t *runs, _Atomic uint64_t *bytes_os, _Atomic uint64_t *bytes_os_high)
{
    runs->arenas = NULL;
    runs->empty_arenas = 0;
    runs->idle_units = 0;
    runs->bytes_os = bytes_os;
    runs->bytes_os_high = bytes_os_high;
    return pthread_mutex_init(&runs->lock, NULL) == 0 ? 0 : -1;
}

/* A run of `count` free units under the lock: the first place where every unit is
 * committed already (no syscall, no new bytes), else the first free place, else a new run
 * arena.  (Best fit, with or without the committed pass, held 3-5% more OS bytes on
 * alloc_mixed than this.) */
static arena_t *run_place(backend_slab_runs_t *runs, unsigned count, unsigned *start)
{
    for (arena_t *arena = runs->arenas; arena; arena = arena->next) {
        uint64_t candidates = run_starts(arena->free_units & arena->committed_units, count);
        if (candidates) {
            *start = (unsigned)__builtin_ctzll(candidates);
            return arena;
        }
    }
    /* No place is committed whole: the place that needs the fewest new units, so holes of
     * committed units fill up before fresh memory is committed around them. */
    arena_t *best = NULL;
    unsigned best_new = count + 1;
    for (arena_t *arena = runs->arenas; arena && best_new > 1; arena = arena->next)
        for (uint64_t candidates = run_starts(arena->free_units, count); candidates; candidates &= candidates - 1) {
            unsigned at = (unsigned)__builtin_ctzll(candidates);
            unsigned fresh = (unsigned)popcount64(unit_mask(at, count) & ~arena->committed_units);
            if (fresh < best_new) {
                best_new = fresh;
                best = arena;
                *start = at;
            }
        }
    if (best)
        return best;
    arena_t *arena = backend_slab_arena_map(runs->bytes_os);
    if (!arena)
        return NULL;
    arena->free_units = RUN_ARENA_ALL_FREE;
    arena->committed_units = 0;
    arena->writable_units = 0;
    arena->next = runs->arenas;
    runs->arenas = arena;
    runs->empty_arenas++;
    *start = 1;
    return arena;
}

/* ---- Giving pages back --------------------------------------------------------------- */
/* Free committed units kept however the runs grow: a few runs' worth, so a working set
 * that frees and reallocates runs of similar sizes keeps its memory (no syscall). */
#define RUN_IDLE_KEPT_UNITS 16u /* 1 MiB */

/* Under the lock (the units must not be handed out meanwhile): a run is about to commit
 * `needed` fresh units while free committed units lie idle in holes too small for it
 * (alloc_mixed's run arenas held 7-9 of their 22 committed MiB so at its peak).  Gives
 * back the pages of such idle spans, one madvise each, until `needed` units are given or
 * only RUN_IDLE_KEPT_UNITS remain, so the committed total stays flat instead of growing.
 * The spans stay writable: reusing them later needs no syscall.  `taking` (in
 * `taking_arena`) are the units the run is about to use. */
static void run_give_back_idle(backend_slab_runs_t *runs, const arena_t *taking_arena, uint64_t taking,
                               uint32_t needed)
{
    for (arena_t *arena = runs->arenas; arena && needed && runs->idle_units > RUN_IDLE_KEPT_UNITS;
         arena = arena->next) {
        uint64_t idle = arena->free_units & arena->committed_units & ~(arena == taking_arena ? taking : 0);
        while (idle && needed && runs->idle_units > RUN_IDLE_KEPT_UNITS) {
            unsigned low = (unsigned)__builtin_ctzll(idle);
            unsigned high = low;
            while (high < UNITS_PER_ARENA && (idle & ((uint64_t)1 << high)))
                high++;
            uint64_t span = unit_mask(low, high - low);
            idle &= ~span;
            if (!mem_decommit((uint8_t *)arena + (size_t)low * UNIT_SIZE, (size_t)(high - low) * UNIT_SIZE))
                return; /* the pages stay counted: nothing changed */
            uint32_t given = high - low;
            arena->committed_units &= ~span;
            runs->idle_units -= given;
            needed = given >= needed ? 0 : needed - given;
            atomic_fetch_sub_explicit(runs->bytes_os, (uint64_t)given * UNIT_SIZE, memory_order_relaxed);
        }
    }
}

void *backend_slab_run_alloc(backend_slab_runs_t *runs, size_t size, size_t request)
{
    unsigned count = (unsigned)units_for(request, UNIT_SIZE);
    BUF_ASSERT(count >= 1 && count < UNITS_PER_ARENA);
    pthread_mutex_lock(&runs->lock);
    unsigned start;
    arena_t *arena = run_place(runs, count, &start);
    if (!arena) {
        pthread_mutex_unlock(&runs->lock);
        return NULL;
    }
    uint64_t mask = unit_mask(start, count);
    uint8_t *base = (uint8_t *)arena + (size_t)start * UNIT_SIZE;
    uint64_t uncommitted = mask & ~arena->committed_units;
    uint64_t fresh_bytes = popcount64(uncommitted) * UNIT_SIZE;
    if (uncommitted && runs->idle_units > RUN_IDLE_KEPT_UNITS &&
        atomic_load_explicit(runs->bytes_os, memory_order_relaxed) + fresh_bytes >
            atomic_load_explicit(runs->bytes_os_high, memory_order_relaxed))
        run_give_back_idle(runs, arena, mask, (uint32_t)popcount64(uncommitted));
    if (uncommitted) {
        if ((mask & ~arena->writable_units) && !mem_commit(base, (size_t)count * UNIT_SIZE)) {
            pthread_mutex_unlock(&runs->lock);
            return NULL;
        }
        arena->committed_units |= mask;
        arena->writable_units |= mask;
        atomic_fetch_add_explicit(runs->bytes_os, popcount64(uncommitted) * UNIT_SIZE, memory_order_relaxed);
    }
    uint64_t bytes_os_now = atomic_load_explicit(runs->bytes_os, memory_order_relaxed);
    if (bytes_os_now > atomic_load_explicit(runs->bytes_os_high, memory_order_relaxed))
        atomic_store_explicit(runs->bytes_os_high, bytes_os_now, memory_order_relaxed);
    BUF_ASSERT(runs->idle_units >= count - popcount64(uncommitted));
    runs->idle_units -= count - (uint32_t)popcount64(uncommitted);
    if (arena->free_units == RUN_ARENA_ALL_FREE)
        runs->empty_arenas--;
    arena->free_units &= ~mask;
    slab_t *run = &arena->units[start];
    for (unsigned u = 0; u < count; u++)
        arena->unit_slab[start + u] = run;
    run->base = base;
    run->units = (uint8_t)count;
    run->block_size = (uint32_t)(count * UNIT_SIZE);
    run->class_index = CLASS_RUN;
    run->heap = NULL;
    run->used = 1;
    run->run_size = (uint32_t)size;
    run->in_use = true;
    pthread_mutex_unlock(&runs->lock);
    mem_poison(base, (size_t)count * UNIT_SIZE);
    mem_block_handed_out(base, size);
    return base;
}

void backend_slab_run_free(backend_slab_runs_t *runs, void *ptr, size_t size, size_t request)
{
    slab_t *run = slab_of(ptr);
    arena_t *arena = arena_of(ptr);
    /* The block must be a live run that starts here, of the length its size needs. */
    BUF_ASSERT(run != NULL && run->class_index == CLASS_RUN && run->base == ptr);
    BUF_ASSERT(run->units == units_for(request, UNIT_SIZE) && run->run_size == size);
    (void)request, (void)size;
    mem_block_taken_back(ptr, run->block_size);
    arena_t *unmap = NULL;
    pthread_mutex_lock(&runs->lock);
    BUF_ASSERT(run->used == 1); /* else a second free */
    run->used = 0;
    uint64_t mask = unit_mask((unsigned)(run - arena->units), run->units);
    BUF_ASSERT((arena->free_units & mask) == 0);
    arena->free_units |= mask;
    runs->idle_units += run->units;
    if (arena->free_units == RUN_ARENA_ALL_FREE && ++runs->empty_arenas > RUN_EMPTY_ARENAS_KEPT) {
        for (arena_t **link = &runs->arenas; *link; link = &(*link)->next)
            if (*link == arena) {
                *link = arena->next;
                break;
            }
        runs->empty_arenas--;
        runs->idle_units -= (uint32_t)popcount64(arena->committed_units);
        unmap = arena;
    }
    pthread_mutex_unlock(&runs->lock);
    if (unmap) {
        uint64_t bytes = backend_slab_arena_header_bytes() + popcount64(unmap->committed_units) * UNIT_SIZE;
        mem_unmap(unmap, ARENA_SIZE);
        atomic_fetch_sub_explicit(runs->bytes_os, bytes, memory_order_relaxed);
    }
}

/* Lists the live runs of a run arena. */
static size_t report_runs(const arena_t *arena, FILE *out, const char *backend_name, size_t *reported,
                          size_t report_limit)
{
    size_t found = 0;
    uint64_t live_units = 0;
    for (unsigned i = 1; i < UNITS_PER_ARENA; i++) {
        const slab_t *run = &arena->units[i];
        /* A run's first unit; descriptors of units that were a run's first and are now
         * free or inside another run say so (used 0, or `slab` pointing elsewhere). */
        if (arena->unit_slab[i] != run || run->class_index != CLASS_RUN || !run->used)
            continue;
        live_units |= unit_mask(i, run->units);
        if (out && *reported < report_limit) {
            fprintf(out, "%s: outstanding block %p (run of %u x 64 KiB)\n", backend_name, (void *)run->base,
                    (unsigned)run->units);
            ++*reported;
        }
        found++;
    }
    BUF_ASSERT((live_units & arena->free_units) == 0 && (live_units | arena->free_units) == RUN_ARENA_ALL_FREE);
    (void)live_units;
    return found;
}

size_t backend_slab_runs_destroy(backend_slab_runs_t *runs, FILE *out, const char *backend_name,
                                 size_t *reported, size_t report_limit)
{
    size_t outstanding = 0;
    for (arena_t *arena = runs->arenas; arena; arena = arena->next)
        outstanding += report_runs(arena, out, backend_name, reported, report_limit);
    for (arena_t *arena = runs->arenas; arena;) {
        arena_t *next = arena->next;
        mem_unmap(arena, ARENA_SIZE);
        arena = next;
    }
    runs->arenas = NULL;
    pthread_mutex_destroy(&runs->lock);
    return outstanding;
}
