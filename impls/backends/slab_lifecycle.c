/* slab_lifecycle.c — the slab backend's create, destroy, stats and vtable.
 *
 * Creating an instance fills the size-class tables (once per process) and sets the fast
 * paths' limits; destroying one drains every heap's remote frees, lists the blocks still
 * live (slabs, runs, large blocks: the first REPORT_LIMIT, then a count) and unmaps the
 * arenas.  Kept apart from backend_slab.c, whose concern is the alloc and free paths.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_backend.h"
#include "backend_slab.h"
#include "core/core_assert.h"
#include "large_cache.h"
#include "mem_annotate.h"
#include "mem_map.h"
#include "size_class.h"
#include "slab_arena.h"
#include "slab_runs.h"
#include "slab_state.h"
#include "thread_heap.h"

/* The most blocks a slab holds: a one-unit slab of 8-byte blocks. */
#define SLAB_MAX_BLOCKS (UNIT_SIZE / 8)

/* ---- Create and destroy -------------------------------------------------------------- */
static void slab_heap_init(void *owner, backend_thread_heap_t *base)
{
    ((slab_heap_t *)base)->owner = owner;
}

/* The state at slab_state_offset() into a 4096-aligned allocation (slab_state.h: its
 * stacks' page offsets); slab_state_release frees that allocation. */
static slab_state_t *slab_state_allocate(void)
{
    /* aligned_alloc wants a multiple of the alignment */
    const size_t bytes = round_up(slab_state_offset() + sizeof(slab_state_t), SLAB_ALIAS_SPAN);
    uint8_t *allocation = aligned_alloc(SLAB_ALIAS_SPAN, bytes);
    if (!allocation)
        return NULL;
    memset(allocation, 0, bytes);
    slab_state_t *state = (slab_state_t *)(void *)(allocation + slab_state_offset());
    BUF_ASSERT((uintptr_t)state->front_stacks % SLAB_ALIAS_SPAN == SLAB_FRONT_STACKS_PAGE_OFFSET);
    return state;
}

static void slab_state_release(slab_state_t *state)
{
    free((uint8_t *)state - slab_state_offset());
}

buf_status_t backend_slab_create_named(const char *report_name, void **state_out)
{
    slab_state_t *state = slab_state_allocate();
    if (!state)
        return BUF_ENOMEM;
    if (pthread_mutex_init(&state->lock, NULL) != 0 || backend_slab_runs_init(&state->runs, &state->bytes_os, &state->bytes_os_high) != 0 ||
        backend_heap_set_init(&state->heaps, sizeof(slab_heap_t), state, slab_heap_init) != 0) {
        slab_state_release(state);
        return BUF_ENOMEM;
    }
    state->redzone = mem_redzone();
    state->annotated = mem_annotating();
    state->fast_max = state->annotated ? 0 : MEDIUM_MAX;
    state->report_name = report_name;
    backend_slab_class_tables_ready();
    backend_slab_front_init(state);
    backend_large_cache_init(&state->large, &state->bytes_os);
    *state_out = state;
    return BUF_OK;
}

bool backend_slab_cache_off_by_environment(void)
{
    const char *setting = getenv("BUFBENCH_SLAB_CACHE");
    return setting && strcmp(setting, "0") == 0;
}

/* The front (slab_front.c, "The front") is on unless the spec is slab:nocache or the
 * environment has BUFBENCH_SLAB_CACHE=0 (backend_slab.h); an annotated instance never
 * has one. */
static buf_status_t slab_create(const buf_backend_config_t *config, void **state_out)
{
    bool no_cache = false;
    if (config && config->option) {
        if (strcmp(config->option, BACKEND_SLAB_NO_CACHE_OPTION) != 0)
            return BUF_EINVAL;
        no_cache = true;
    }
    if (backend_slab_cache_off_by_environment())
        no_cache = true;
    buf_status_t status = backend_slab_create_named("slab", state_out);
    if (status == BUF_OK)
        ((slab_state_t *)*state_out)->front_published = !no_cache && !((slab_state_t *)*state_out)->annotated;
    return status;
}

static buf_backend_front_t *slab_front(void *opaque)
{
    slab_state_t *state = opaque;
    return state->front_published ? &state->front : NULL;
}

static void drain_visit(void *owner, backend_thread_heap_t *heap)
{
    (void)owner;
    backend_slab_heap_drain_remote((slab_heap_t *)heap);
}

#define REPORT_LIMIT 20

/* Lists live blocks of one slab: carved blocks that are not on its free list. */
static size_t report_slab(const slab_state_t *state, const slab_t *slab, FILE *out, size_t *reported)
{
    size_t block_size = slab->block_size;
    uint8_t is_free[SLAB_MAX_BLOCKS] = {0};
    for (void *block = slab->indexed ? NULL : slab->free_list; block; block = free_block_next(block))
        is_free[((uint8_t *)block - slab->base) / block_size] = 1;
    if (slab->indexed && slab->free_list)
        is_free[((uint8_t *)slab->free_list - slab->base) / block_size] = 1;
    for (uint32_t i = 0; i < slab->free_count; i++)
        is_free[((size_t)slab->free_offsets[i] << SLAB_OFFSET_SHIFT) / block_size] = 1;
    size_t found = 0;
    for (uint32_t i = 0; i < slab->carved; i++) {
        if (is_free[i])
            continue;
        if (out && *reported < REPORT_LIMIT) {
            fprintf(out, "%s: outstanding block %p (class %zu bytes)\n", state->report_name,
                    (void *)(slab->base + i * block_size), block_size);
            ++*reported;
        }
        found++;
    }
    BUF_ASSERT(found == slab->used);
    return found;
}

size_t backend_slab_destroy(void *opaque, void *report)
{
    slab_state_t *state = opaque;
    FILE *out = report;
    /* Remote frees still on any heap's stack (exited threads' included) go back first,
     * so only live blocks are reported. */
    backend_heap_set_destroy(&state->heaps, drain_visit);
    size_t outstanding = 0, reported = 0;
    for (arena_t *arena = state->arenas; arena; arena = arena->next)
        for (uint32_t i = 1; i < arena->units_carved; i++) {
            const slab_t *slab = &arena->units[i];
            if (arena->unit_slab[i] == slab && slab->used) /* a slab's first unit */
                outstanding += report_slab(state, slab, out, &reported);
        }
    outstanding += backend_slab_runs_destroy(&state->runs, out, state->report_name, &reported, REPORT_LIMIT);
    outstanding += backend_large_cache_destroy(&state->large, out, state->report_name, &reported, REPORT_LIMIT);
    if (out && outstanding > REPORT_LIMIT)
        fprintf(out, "%s: ... %zu outstanding blocks in all\n", state->report_name, outstanding);
    for (arena_t *arena = state->arenas; arena;) {
        arena_t *next = arena->next;
        mem_unmap(arena, ARENA_SIZE);
        arena = next;
    }
    pthread_mutex_destroy(&state->lock);
    slab_state_release(state);
    return outstanding;
}

/* ---- Stats --------------------------------------------------------------------------- */
uint64_t backend_slab_bytes_os(void *opaque)
{
    slab_state_t *state = opaque;
    return atomic_load(&state->bytes_os);
}

static void slab_stats(void *opaque, buf_backend_stats_t *out)
{
    out->bytes_os = backend_slab_bytes_os(opaque);
    out->bytes_os_process_wide = false;
}

/* ---- The vtable ---------------------------------------------------------------------- */
const buf_backend_ops_t backend_slab_ops = {
    .props = {.name = "slab",
              .description = "size classes (<=12.5% waste) up to 64 KiB on 64-512 KiB slabs; 64 KiB units up to 1 MiB; mappings above",
              .zeroed = false,
              .guard_pages = false,
              .cross_thread_free = true,
              .concurrent_alloc = true,
              .close_releases_blocks = true,
              /* classes from 4 KiB are multiples of 512 carved from 64 KiB-aligned slabs;
               * runs and mappings are page-aligned; align 64 picks the same class there */
              .wide_aligned = true},
    .fuzz_id = 1,
    .create = slab_create,
    .destroy = backend_slab_destroy,
    .alloc = backend_slab_alloc,
    .free = backend_slab_free,
    .stats = slab_stats,
    .front = slab_front,
};
