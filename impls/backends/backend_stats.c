/* backend_stats.c — per-thread statistics slots: the slow paths (see backend_stats.h). */
#include "backend_stats.h"

#include <stdlib.h>
#include <string.h>

#include "core/core_assert.h"

_Thread_local buf_backend_thread_cache_t buf_backend_thread_cache;

/* Ids start at 1: a thread's empty cache (id 0) matches no instance. */
static uint64_t next_stats_id = 1;

/* A slot is one cache line: the counters a pair updates never share a line with another
 * thread's slot (no false sharing between threads using one instance). */
#define SLOT_ALIGN 64
_Static_assert(sizeof(backend_stats_slot_t) <= SLOT_ALIGN, "a statistics slot fits one cache line");

int backend_stats_init(backend_stats_t *stats, buf_backend_hot_t *hot)
{
    __atomic_store_n(&stats->slots, NULL, __ATOMIC_RELAXED);
    stats->slot_count = 0;
    hot->stats_id = __atomic_fetch_add(&next_stats_id, 1, __ATOMIC_RELAXED);
    hot->stats_shared = 0;
    return pthread_mutex_init(&stats->lock, NULL) == 0 ? 0 : -1;
}

static backend_stats_slot_t *slot_add(backend_stats_t *stats, buf_backend_hot_t *hot, pthread_t self)
{
    backend_stats_slot_t *slot = aligned_alloc(SLOT_ALIGN, SLOT_ALIGN);
    if (!slot)
        return NULL;
    memset(slot, 0, sizeof *slot);
    slot->owner = self;
    /* Only this thread adds a slot for `self`, so none can appear between the caller's
     * scan and this insertion; the lock orders insertions by different threads. */
    pthread_mutex_lock(&stats->lock);
    slot->next = __atomic_load_n(&stats->slots, __ATOMIC_RELAXED);
    __atomic_store_n(&stats->slots, slot, __ATOMIC_RELEASE);
    if (++stats->slot_count == 2)
        __atomic_store_n(&hot->stats_shared, 1, __ATOMIC_RELAXED); /* see backend_stats.h */
    pthread_mutex_unlock(&stats->lock);
    return slot;
}

backend_stats_slot_t *backend_stats_mine(backend_stats_t *stats, buf_backend_hot_t *hot)
{
    if (buf_backend_thread_cache.stats_id == hot->stats_id)
        return (backend_stats_slot_t *)buf_backend_thread_cache.counters;
    pthread_t self = pthread_self();
    backend_stats_slot_t *slot = __atomic_load_n(&stats->slots, __ATOMIC_ACQUIRE);
    while (slot && !pthread_equal(slot->owner, self))
        slot = slot->next;
    if (!slot && !(slot = slot_add(stats, hot, self)))
        return NULL;
    /* Ids are never reused, so a cached slot is always this thread's own. */
    buf_backend_thread_cache = (buf_backend_thread_cache_t){hot->stats_id, &slot->counters};
    return slot;
}

uint64_t backend_stats_live_now(backend_stats_t *stats)
{
    uint64_t net = 0;
    for (backend_stats_slot_t *slot = __atomic_load_n(&stats->slots, __ATOMIC_ACQUIRE); slot; slot = slot->next)
        net += __atomic_load_n(&slot->counters.bytes_net, __ATOMIC_RELAXED);
    /* Racing threads can make the sum look negative for a moment: no peak then. */
    return (int64_t)net > 0 ? net : 0;
}

void backend_stats_read(backend_stats_t *stats, buf_backend_stats_t *out, bool *live_negative)
{
    uint64_t net = 0, peak = 0, allocs = 0, frees = 0, failures = 0;
    for (backend_stats_slot_t *slot = __atomic_load_n(&stats->slots, __ATOMIC_ACQUIRE); slot; slot = slot->next) {
        const buf_backend_counters_t *counters = &slot->counters;
        net += __atomic_load_n(&counters->bytes_net, __ATOMIC_RELAXED);
        uint64_t slot_peak = __atomic_load_n(&counters->peak, __ATOMIC_RELAXED);
        peak = slot_peak > peak ? slot_peak : peak;
        allocs += __atomic_load_n(&counters->allocs, __ATOMIC_RELAXED);
        frees += __atomic_load_n(&counters->frees, __ATOMIC_RELAXED);
        failures += __atomic_load_n(&counters->failures, __ATOMIC_RELAXED);
    }
    /* A read racing with a cross-thread free may count the free but not yet its alloc
     * (slots are read one after the other): never report negative live bytes.  Live
     * bytes stay below BUF_MAX_ALLOC times the blocks, far from 2^63 in practice. */
    bool negative = (int64_t)net < 0;
    if (live_negative)
        *live_negative = negative;
    out->bytes_live = negative ? 0 : net;
    /* The highest live figure any allocation saw; never below the live bytes now. */
    out->bytes_peak = peak > out->bytes_live ? peak : out->bytes_live;
    out->allocs = allocs;
    out->frees = frees;
    out->failures = failures;
}

void backend_stats_destroy(backend_stats_t *stats, const buf_backend_hot_t *hot)
{
    backend_stats_slot_t *slot = __atomic_load_n(&stats->slots, __ATOMIC_ACQUIRE);
    while (slot) {
        backend_stats_slot_t *next = slot->next;
        free(slot);
        slot = next;
    }
    __atomic_store_n(&stats->slots, NULL, __ATOMIC_RELAXED);
    if (buf_backend_thread_cache.stats_id == hot->stats_id)
        buf_backend_thread_cache = (buf_backend_thread_cache_t){0, NULL};
    pthread_mutex_destroy(&stats->lock);
}
