/* backend_stats.h — the statistics every backend shares, per thread, merged when read.
 *
 * DESIGN.md: "statistics are per-thread and merged when read, never shared atomics on the
 * hot path".  Each thread that uses an instance gets its own slot of counters; only that
 * thread writes it, with a relaxed load and a relaxed store (no lock prefix, no
 * read-modify-write: about 1 ns for the five counters of a pair instead of 4-5 locked
 * operations, 20-40 ns under contention).  A thread finds its slot through a one-entry
 * thread-local cache (last instance -> slot); a miss scans the instance's slot list, and a
 * thread's first use of an instance adds a slot under the instance's lock.  Readers
 * (buf_backend_get_stats, close) sum the slots with relaxed loads.
 *
 * Slots are never freed before the instance: a thread that exits leaves its counts in
 * its slot (so totals stay exact), and a later thread that glibc hands the same pthread_t
 * continues that slot, as thread_heap.h does for heaps.
 *
 * What is exact:
 *   allocs, frees, failures, bytes_live  exact whenever no alloc or free is in flight:
 *                  every thread's increments are in its own slot, so the sum is the true
 *                  total (a read racing with allocations sees each slot at some moment,
 *                  so it can be off by the operations in flight, never by more).
 *   bytes_peak     the highest live figure an allocation saw right after it.  With one
 *                  slot (one thread has used the instance) that is its own net bytes, a
 *                  few plain loads.  With several, the allocation sums every slot's
 *                  bytes (one load per thread that has used the instance: the price of
 *                  not sharing a counter), which is exact whenever threads take turns —
 *                  each operation ordered before the next, as by a handoff through a lock,
 *                  a queue or a join (the fuzz target's cross-thread frees, for one).
 *                  With threads allocating at the same moment, a sum can miss or
 *                  overshoot a peak by the operations in flight on other threads.
 *                  tests/unit/test_backend_stats_threads.c checks the exact cases.
 */
#ifndef BACKEND_STATS_H
#define BACKEND_STATS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf_backend.h"

typedef struct backend_stats_slot {
    /* Written by the owning thread only (relaxed load + store), read by anyone. */
    _Atomic uint64_t bytes_allocated; /* sum of sizes this thread allocated */
    _Atomic uint64_t bytes_freed;     /* sum of sizes this thread freed (maybe others' blocks) */
    _Atomic uint64_t peak;            /* highest instance live bytes this thread's allocs saw */
    _Atomic uint64_t allocs;
    _Atomic uint64_t frees;
    _Atomic uint64_t failures;
    struct backend_stats_slot *_Atomic next;
    pthread_t owner;
} backend_stats_slot_t;

typedef struct backend_stats {
    backend_stats_slot_t *_Atomic slots; /* append-only until backend_stats_destroy */
    _Atomic uint32_t slot_count;         /* 1: the peak needs only the one slot */
    pthread_mutex_t lock;                /* slot creation only */
    uint64_t id;                         /* unique for the process lifetime: TLS cache key */
} backend_stats_t;

typedef struct {
    uint64_t stats_id;
    backend_stats_slot_t *slot;
} backend_stats_cache_t;

extern _Thread_local backend_stats_cache_t backend_stats_last;

/* Returns 0, or -1 if the lock could not be created. */
int backend_stats_init(backend_stats_t *stats);
/* Frees every slot.  No other thread may use the instance. */
void backend_stats_destroy(backend_stats_t *stats);
/* The merged figures (allocs, frees, failures, bytes_live, bytes_peak) into `out`. */
void backend_stats_read(backend_stats_t *stats, buf_backend_stats_t *out);
/* For BUF_ASSERT_EXPENSIVE after a free: the bytes freed so far, over all threads, do
 * not exceed the bytes allocated (live bytes never go below zero).  Sums the freed bytes
 * before the allocated ones: every counted free's alloc was counted before it, so a
 * check racing with other threads never fails falsely. */
bool backend_stats_live_not_negative(backend_stats_t *stats);
/* Slow path of backend_stats_mine: scan, or add this thread's slot.  NULL if out of memory. */
backend_stats_slot_t *backend_stats_slot_lookup(backend_stats_t *stats);

/* The calling thread's slot for this instance (NULL only if out of memory). */
static inline backend_stats_slot_t *backend_stats_mine(backend_stats_t *stats)
{
    if (__builtin_expect(backend_stats_last.stats_id == stats->id, 1))
        return backend_stats_last.slot;
    return backend_stats_slot_lookup(stats);
}

/* counter += amount, by the counter's only writer: no read-modify-write instruction. */
static inline uint64_t backend_stats_bump(_Atomic uint64_t *counter, uint64_t amount)
{
    uint64_t value = atomic_load_explicit(counter, memory_order_relaxed) + amount;
    atomic_store_explicit(counter, value, memory_order_relaxed);
    return value;
}

/* The instance's live bytes summed over every slot (several threads have used it). */
uint64_t backend_stats_live_now(backend_stats_t *stats);

static inline void backend_stats_note_alloc(backend_stats_t *stats, backend_stats_slot_t *slot, size_t size)
{
    uint64_t allocated = backend_stats_bump(&slot->bytes_allocated, size);
    uint64_t live = __builtin_expect(atomic_load_explicit(&stats->slot_count, memory_order_relaxed) == 1, 1)
                        ? allocated - atomic_load_explicit(&slot->bytes_freed, memory_order_relaxed)
                        : backend_stats_live_now(stats);
    if (live > atomic_load_explicit(&slot->peak, memory_order_relaxed))
        atomic_store_explicit(&slot->peak, live, memory_order_relaxed);
    backend_stats_bump(&slot->allocs, 1);
}

static inline void backend_stats_note_free(backend_stats_slot_t *slot, size_t size)
{
    backend_stats_bump(&slot->bytes_freed, size);
    backend_stats_bump(&slot->frees, 1);
}

#endif
