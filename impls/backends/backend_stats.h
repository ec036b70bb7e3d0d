/* backend_stats.h — the statistics every backend shares, per thread, merged when read.
 *
 * DESIGN.md: "statistics are per-thread and merged when read, never shared atomics on the
 * hot path".  Each thread that uses an instance gets its own slot of counters
 * (buf_backend_counters_t, public because buf_backend_alloc and buf_backend_free update
 * it inline); only that thread writes it, with a relaxed load and a relaxed store (no lock
 * prefix, no read-modify-write: about 1 ns for the four counters of a pair instead of 4
 * locked operations, 20-40 ns under contention).  A thread finds its slot through a
 * one-entry thread-local cache (buf_backend_thread_cache: last instance -> slot); a miss
 * scans the instance's slot list, and a thread's first use of an instance adds a slot
 * under the instance's lock.  Readers (buf_backend_get_stats, close) sum the slots with
 * relaxed loads.  A slot is one 64-byte line: the counters a pair updates, the list link
 * and the owner.
 *
 * Slots are never freed before the instance: a thread that exits leaves its counts in
 * its slot (so totals stay exact), and a later thread that glibc hands the same pthread_t
 * continues that slot, as thread_heap.h does for heaps.
 *
 * What is exact:
 *   allocs, frees, failures, bytes_live  exact whenever no alloc or free is in flight:
 *                  every thread's increments are in its own slot, so the sum is the true
 *                  total (a read racing with allocations sees each slot at some moment,
 *                  so it can be off by the operations in flight, never by more).  Live
 *                  bytes are the sum of the slots' net bytes, modulo 2^64: a thread that
 *                  frees blocks other threads allocated has a "negative" net, and the sum
 *                  is exact all the same.
 *   bytes_peak     the highest live figure an allocation saw right after it.  With one
 *                  slot (one thread has used the instance: stats_shared is 0) that is its
 *                  own net bytes, compared inline.  With several, the allocation sums
 *                  every slot's net bytes out of line (one load per thread that has used
 *                  the instance: the price of not sharing a counter), which is exact
 *                  whenever threads take turns — each operation ordered before the next,
 *                  as by a handoff through a lock, a queue or a join (the fuzz target's
 *                  cross-thread frees, for one).  The thread that adds the second slot
 *                  sets stats_shared before its first operation, so a thread that takes
 *                  its turn after it sees the flag.  With threads allocating at the same
 *                  moment, a sum can miss or overshoot a peak by the operations in flight
 *                  on other threads.  tests/unit/test_backend_stats_threads.c checks the
 *                  exact cases.
 */
#ifndef BACKEND_STATS_H
#define BACKEND_STATS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf_backend.h"

typedef struct backend_stats_slot {
    /* Written by the owning thread only (relaxed load + store), read by anyone. */
    buf_backend_counters_t counters;
    struct backend_stats_slot *next; /* written once, before the slot is published */
    pthread_t owner;
} backend_stats_slot_t;

typedef struct backend_stats {
    backend_stats_slot_t *slots; /* append-only until backend_stats_destroy (atomic access) */
    uint32_t slot_count;         /* under `lock` */
    pthread_mutex_t lock;        /* slot creation only */
} backend_stats_t;

/* Gives hot->stats_id a new id and clears hot->stats_shared.  Returns 0, or -1 if the
 * lock could not be created. */
int backend_stats_init(backend_stats_t *stats, buf_backend_hot_t *hot);
/* Frees every slot.  No other thread may use the instance. */
void backend_stats_destroy(backend_stats_t *stats, const buf_backend_hot_t *hot);
/* The merged figures (allocs, frees, failures, bytes_live, bytes_peak) into `out`.
 * *live_negative (if non-NULL) tells whether the net bytes summed below zero: a free
 * counted before its alloc (a read racing with threads), or, once no operation is in
 * flight, frees of more bytes than were allocated (a caller's wrong size). */
void backend_stats_read(backend_stats_t *stats, buf_backend_stats_t *out, bool *live_negative);
/* The calling thread's slot (the cache's, else a scan, else a new one, which makes the
 * instance shared if it is the second); caches it.  NULL if out of memory. */
backend_stats_slot_t *backend_stats_mine(backend_stats_t *stats, buf_backend_hot_t *hot);
/* The instance's live bytes summed over every slot (several threads have used it). */
uint64_t backend_stats_live_now(backend_stats_t *stats);

/* counter += amount, by the counter's only writer (see buf_backend_counter_add). */
static inline void backend_stats_bump(uint64_t *counter, uint64_t amount)
{
    buf_backend_counter_add(counter, amount);
}

/* The peak after an allocation took this slot's net bytes to `net`. */
static inline void backend_stats_note_peak(backend_stats_t *stats, const buf_backend_hot_t *hot,
                                           buf_backend_counters_t *counters, uint64_t net)
{
    uint64_t live = __atomic_load_n(&hot->stats_shared, __ATOMIC_RELAXED) ? backend_stats_live_now(stats) : net;
    if (live > __atomic_load_n(&counters->peak, __ATOMIC_RELAXED))
        __atomic_store_n(&counters->peak, live, __ATOMIC_RELAXED);
}

#endif
