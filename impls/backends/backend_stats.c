/* backend_stats.c — per-thread statistics slots: the slow paths (see backend_stats.h). */
#include "backend_stats.h"

#include <stdlib.h>

#include "core/core_assert.h"

_Thread_local backend_stats_cache_t backend_stats_last;

static _Atomic uint64_t next_stats_id = 1;

int backend_stats_init(backend_stats_t *stats)
{
    atomic_init(&stats->slots, NULL);
    atomic_init(&stats->slot_count, 0);
    stats->id = atomic_fetch_add(&next_stats_id, 1);
    return pthread_mutex_init(&stats->lock, NULL) == 0 ? 0 : -1;
}

backend_stats_slot_t *backend_stats_slot_lookup(backend_stats_t *stats)
{
    pthread_t self = pthread_self();
    backend_stats_slot_t *slot = atomic_load_explicit(&stats->slots, memory_order_acquire);
    while (slot && !pthread_equal(slot->owner, self))
        slot = atomic_load_explicit(&slot->next, memory_order_acquire);
    if (!slot) {
        /* Only this thread adds a slot for `self`, so none can appear between the scan
         * and the insertion; the lock orders insertions by different threads. */
        slot = calloc(1, sizeof *slot);
        if (!slot)
            return NULL;
        slot->owner = self;
        pthread_mutex_lock(&stats->lock);
        atomic_store_explicit(&slot->next, atomic_load_explicit(&stats->slots, memory_order_relaxed),
                              memory_order_relaxed);
        atomic_store_explicit(&stats->slots, slot, memory_order_release);
        atomic_store_explicit(&stats->slot_count, atomic_load_explicit(&stats->slot_count, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        pthread_mutex_unlock(&stats->lock);
    }
    /* Ids are never reused, so a cached slot is always this thread's own. */
    backend_stats_last = (backend_stats_cache_t){stats->id, slot};
    return slot;
}

uint64_t backend_stats_live_now(backend_stats_t *stats)
{
    uint64_t allocated = 0, freed = 0;
    for (backend_stats_slot_t *slot = atomic_load_explicit(&stats->slots, memory_order_acquire); slot;
         slot = atomic_load_explicit(&slot->next, memory_order_acquire)) {
        allocated += atomic_load_explicit(&slot->bytes_allocated, memory_order_relaxed);
        freed += atomic_load_explicit(&slot->bytes_freed, memory_order_relaxed);
    }
    /* Racing threads can make the sum look negative for a moment: no peak then. */
    return freed < allocated ? allocated - freed : 0;
}

void backend_stats_read(backend_stats_t *stats, buf_backend_stats_t *out)
{
    uint64_t allocated = 0, freed = 0, peak = 0, allocs = 0, frees = 0, failures = 0;
    for (backend_stats_slot_t *slot = atomic_load_explicit(&stats->slots, memory_order_acquire); slot;
         slot = atomic_load_explicit(&slot->next, memory_order_acquire)) {
        allocated += atomic_load_explicit(&slot->bytes_allocated, memory_order_relaxed);
        freed += atomic_load_explicit(&slot->bytes_freed, memory_order_relaxed);
        uint64_t slot_peak = atomic_load_explicit(&slot->peak, memory_order_relaxed);
        peak = slot_peak > peak ? slot_peak : peak;
        allocs += atomic_load_explicit(&slot->allocs, memory_order_relaxed);
        frees += atomic_load_explicit(&slot->frees, memory_order_relaxed);
        failures += atomic_load_explicit(&slot->failures, memory_order_relaxed);
    }
    /* A read racing with a cross-thread free may count the free but not yet its alloc
     * (slots are read one after the other): never report negative live bytes. */
    out->bytes_live = freed < allocated ? allocated - freed : 0;
    /* The highest live figure any allocation saw; never below the live bytes now. */
    out->bytes_peak = peak > out->bytes_live ? peak : out->bytes_live;
    out->allocs = allocs;
    out->frees = frees;
    out->failures = failures;
}

bool backend_stats_live_not_negative(backend_stats_t *stats)
{
    uint64_t freed = 0, allocated = 0;
    for (backend_stats_slot_t *slot = atomic_load(&stats->slots); slot; slot = atomic_load(&slot->next))
        freed += atomic_load(&slot->bytes_freed);
    for (backend_stats_slot_t *slot = atomic_load(&stats->slots); slot; slot = atomic_load(&slot->next))
        allocated += atomic_load(&slot->bytes_allocated);
    return freed <= allocated;
}

void backend_stats_destroy(backend_stats_t *stats)
{
    backend_stats_slot_t *slot = atomic_load(&stats->slots);
    while (slot) {
        backend_stats_slot_t *next = atomic_load(&slot->next);
        free(slot);
        slot = next;
    }
    atomic_store(&stats->slots, NULL);
    if (backend_stats_last.stats_id == stats->id)
        backend_stats_last = (backend_stats_cache_t){0, NULL};
    pthread_mutex_destroy(&stats->lock);
}
