/* backend_stats.c — per-thread statistics slots: the slow paths (see backend_stats.h). */
#include "backend_stats.h"

#include <stdlib.h>
#include <string.h>

#include "core/core_assert.h"

_Static_assert(sizeof(buf_backend_slot_t) == 64, "a statistics slot is one cache line");

/* The general path's one-entry cache: the slot of the instance this thread used last. */
typedef struct {
    uint64_t stats_id;
    buf_backend_slot_t *slot;
} slot_cache_t;

static _Thread_local slot_cache_t slot_cache;

/* Ids start at 1: a thread's empty cache (id 0) matches no instance. */
static uint64_t next_stats_id = 1;

/* The identity the fast path compares; pthread_self where there is no thread pointer
 * (buf_backend_thread_identity returns BUF_BACKEND_NO_IDENTITY there, which matches no
 * owner, so the fast path is never taken). */
static uintptr_t thread_identity(void)
{
    uintptr_t identity = buf_backend_thread_identity();
    return identity != BUF_BACKEND_NO_IDENTITY ? identity : (uintptr_t)pthread_self();
}

int backend_stats_init(backend_stats_t *stats, buf_backend_hot_t *hot)
{
    __atomic_store_n(&stats->slots, NULL, __ATOMIC_RELAXED);
    stats->slot_count = 0;
    stats->id = __atomic_fetch_add(&next_stats_id, 1, __ATOMIC_RELAXED);
    memset(&hot->first, 0, sizeof hot->first);
    hot->free_owner = 0;
    hot->alloc_owner = 0;
    hot->owner = 0;
    return pthread_mutex_init(&stats->lock, NULL) == 0 ? 0 : -1;
}

/* Adds the calling thread's slot: the owner's if no thread has used the instance yet, else
 * a new one, which ends the owner's inline allocations (see backend_stats.h). */
static buf_backend_slot_t *slot_add(backend_stats_t *stats, buf_backend_hot_t *hot, uintptr_t self)
{
    buf_backend_slot_t *fresh = NULL;
    if (__atomic_load_n(&hot->owner, __ATOMIC_RELAXED) != 0) {
        fresh = aligned_alloc(sizeof *fresh, sizeof *fresh);
        if (!fresh)
            return NULL;
        memset(fresh, 0, sizeof *fresh);
    }
    /* Only this thread adds a slot for `self`, so none can appear between the caller's
     * scan and this insertion; the lock orders insertions by different threads. */
    pthread_mutex_lock(&stats->lock);
    buf_backend_slot_t *slot = &hot->first;
    if (__atomic_load_n(&hot->owner, __ATOMIC_RELAXED) != 0) {
        if (!fresh) { /* another thread claimed the owner's slot since the check above */
            pthread_mutex_unlock(&stats->lock);
            return slot_add(stats, hot, self);
        }
        slot = fresh;
        fresh = NULL;
    }
    slot->thread = self;
    slot->next = __atomic_load_n(&stats->slots, __ATOMIC_RELAXED);
    __atomic_store_n(&stats->slots, slot, __ATOMIC_RELEASE);
    __atomic_store_n(&stats->slot_count, stats->slot_count + 1, __ATOMIC_RELAXED);
    if (slot == &hot->first) {
        __atomic_store_n(&hot->owner, self, __ATOMIC_RELAXED);
        /* The owner words open the inline paths (buf_backend.h): the plain entry points
         * for a backend that has them, else the front for a backend that published one
         * (unless it was withheld: a decorator's inner instance), else the backend's alloc
         * and free.  Only for a thread pointer with the kind bits clear (16-byte aligned
         * or more on x86-64 and AArch64, asserted here; elsewhere, or on a platform without
         * one, every call takes the general path). */
        uintptr_t path = hot->plain_alloc != NULL ? BUF_BACKEND_PATH_PLAIN
                         : __atomic_load_n(&hot->front_stacks, __ATOMIC_RELAXED) != NULL ? BUF_BACKEND_PATH_FRONT
                                                                                          : BUF_BACKEND_PATH_BACKEND;
        if (self == buf_backend_thread_identity()) {
            BUF_ASSERT((self & BUF_BACKEND_PATH_MASK) == 0);
            if ((self & BUF_BACKEND_PATH_MASK) == 0) {
                __atomic_store_n(&hot->free_owner, self | path, __ATOMIC_RELAXED);
                __atomic_store_n(&hot->alloc_owner, self | path, __ATOMIC_RELAXED);
            }
        }
    } else { /* shared from now on */
        __atomic_store_n(&hot->alloc_owner, 0, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&stats->lock);
    free(fresh);
    return slot;
}

buf_backend_slot_t *backend_stats_mine(backend_stats_t *stats, buf_backend_hot_t *hot)
{
    uintptr_t self = thread_identity();
    if (__atomic_load_n(&hot->owner, __ATOMIC_RELAXED) == self)
        return &hot->first;
    if (slot_cache.stats_id == stats->id)
        return slot_cache.slot;
    buf_backend_slot_t *slot = __atomic_load_n(&stats->slots, __ATOMIC_ACQUIRE);
    while (slot && slot->thread != self)
        slot = slot->next;
    if (!slot && !(slot = slot_add(stats, hot, self)))
        return NULL;
    /* Ids are never reused, so a cached slot is always this thread's own. */
    slot_cache = (slot_cache_t){stats->id, slot};
    return slot;
}

uint64_t backend_stats_slot_net(const buf_backend_slot_t *slot)
{
    /* The mark first, with acquire: backend_stats_raise_peak stores room 0 before it
     * releases the new mark, so a reader that sees the new mark sees room 0 or later. */
    uint64_t mark = __atomic_load_n(&slot->mark, __ATOMIC_ACQUIRE);
    return mark - __atomic_load_n(&slot->room, __ATOMIC_RELAXED);
}

/* The instance's live bytes summed over every slot. */
static uint64_t live_now(backend_stats_t *stats)
{
    uint64_t net = 0;
    for (buf_backend_slot_t *slot = __atomic_load_n(&stats->slots, __ATOMIC_ACQUIRE); slot; slot = slot->next)
        net += backend_stats_slot_net(slot);
    /* Racing threads can make the sum look negative for a moment: no peak then. */
    return (int64_t)net > 0 ? net : 0;
}

void backend_stats_note_peak(backend_stats_t *stats, buf_backend_slot_t *slot, uint64_t net)
{
    /* One slot: this thread's net bytes are the instance's live bytes. */
    uint64_t live = __atomic_load_n(&stats->slot_count, __ATOMIC_RELAXED) > 1 ? live_now(stats) : net;
    if (live > __atomic_load_n(&slot->peak, __ATOMIC_RELAXED))
        __atomic_store_n(&slot->peak, live, __ATOMIC_RELAXED);
}

void backend_stats_raise_peak(backend_stats_t *stats, buf_backend_hot_t *hot)
{
    buf_backend_slot_t *slot = &hot->first;
    /* Only the owner writes its slot: these loads see its own last stores. */
    uint64_t net = __atomic_load_n(&slot->mark, __ATOMIC_RELAXED) - __atomic_load_n(&slot->room, __ATOMIC_RELAXED);
    /* room 0 before the mark (see backend_stats_slot_net): a reader in between reads the
     * old mark, a figure between the net bytes before this allocation and after it. */
    __atomic_store_n(&slot->room, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&slot->mark, net, __ATOMIC_RELEASE);
    backend_stats_note_peak(stats, slot, net);
}

void backend_stats_read(backend_stats_t *stats, buf_backend_stats_t *out, bool *live_negative)
{
    uint64_t net = 0, peak = 0, allocs = 0, frees = 0, failures = 0;
    for (buf_backend_slot_t *slot = __atomic_load_n(&stats->slots, __ATOMIC_ACQUIRE); slot; slot = slot->next) {
        net += backend_stats_slot_net(slot);
        uint64_t slot_peak = __atomic_load_n(&slot->peak, __ATOMIC_RELAXED);
        peak = slot_peak > peak ? slot_peak : peak;
        allocs += __atomic_load_n(&slot->allocs, __ATOMIC_RELAXED);
        frees += __atomic_load_n(&slot->frees, __ATOMIC_RELAXED);
        failures += __atomic_load_n(&slot->failures, __ATOMIC_RELAXED);
    }
    /* A read racing with a cross-thread free may count the free but not yet its alloc
     * (slots are read one after the other): never report negative live bytes.  Live
     * bytes stay far below 2^63 (BUF_MAX_ALLOC is 2^62 - 1 and memory is finite). */
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

void backend_stats_destroy(backend_stats_t *stats, buf_backend_hot_t *hot)
{
    buf_backend_slot_t *slot = __atomic_load_n(&stats->slots, __ATOMIC_ACQUIRE);
    while (slot) {
        buf_backend_slot_t *next = slot->next;
        if (slot != &hot->first)
            free(slot);
        slot = next;
    }
    __atomic_store_n(&stats->slots, NULL, __ATOMIC_RELAXED);
    if (slot_cache.stats_id == stats->id)
        slot_cache = (slot_cache_t){0, NULL};
    pthread_mutex_destroy(&stats->lock);
}
