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
 * (no syscall in the steady state: an madvise here costs ~5 us, more than 100 pairs); a
 * run arena whose units are all free is unmapped once RUN_EMPTY_ARENAS_KEPT others are.
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

int backend_slab_runs_init(backend_slab_runs_t *runs, _Atomic uint64_t *bytes_os)
{
    runs->arenas = NULL;
    runs->empty_arenas = 0;
    runs->bytes_os = bytes_os;
    return pthread_mutex_init(&runs->lock, NULL) == 0 ? 0 : -1;
}

/* A run of `count` free units under the lock: the first place where every unit is
 * committed already (no syscall, no new bytes), else the first free place, else a new run
 * arena.  (Best fit, with or without the committed pass, held 3-5% more OS bytes on
 * alloc_mixed than this.) */
static arena_t *run_place(backend_slab_runs_t *runs, unsigned count, unsigned *start)
{
    for (int pass = 0; pass < 2; pass++)
        for (arena_t *arena = runs->arenas; arena; arena = arena->next) {
            uint64_t candidates = arena->free_units;
            if (pass == 0)
                candidates &= arena->committed_units;
            candidates = run_starts(candidates, count);
            if (candidates) {
                *start = (unsigned)__builtin_ctzll(candidates);
                return arena;
            }
        }
    arena_t *arena = backend_slab_arena_map(runs->bytes_os);
    if (!arena)
        return NULL;
    arena->free_units = RUN_ARENA_ALL_FREE;
    arena->committed_units = 0;
    arena->next = runs->arenas;
    runs->arenas = arena;
    runs->empty_arenas++;
    *start = 1;
    return arena;
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
    if (uncommitted) {
        if (!mem_commit(base, (size_t)count * UNIT_SIZE)) {
            pthread_mutex_unlock(&runs->lock);
            return NULL;
        }
        arena->committed_units |= mask;
        atomic_fetch_add_explicit(runs->bytes_os, popcount64(uncommitted) * UNIT_SIZE, memory_order_relaxed);
    }
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
    if (arena->free_units == RUN_ARENA_ALL_FREE && ++runs->empty_arenas > RUN_EMPTY_ARENAS_KEPT) {
        for (arena_t **link = &runs->arenas; *link; link = &(*link)->next)
            if (*link == arena) {
                *link = arena->next;
                break;
            }
        runs->empty_arenas--;
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
