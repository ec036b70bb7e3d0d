/* backend_stats.h — the statistics every backend shares, per thread, merged when read.
 *
 * DESIGN.md: "statistics are per-thread and merged when read, never shared atomics on the
 * hot path".  Each thread that uses an instance gets its own slot of counters
 * (buf_backend_slot_t, one 64-byte line, public because buf_backend_alloc and
 * buf_backend_free update the owner's inline); only that thread writes it, with a relaxed
 * load and a relaxed store (no lock prefix, no read-modify-write: about 1 ns for the
 * counters of a pair instead of 4 locked operations, 20-40 ns under contention).
 *
 * The first thread to use an instance owns the slot inside it (buf_backend_hot_t.first):
 * the inline fast path recognises it by its thread identity, one compare.  Every other
 * thread takes the general path, which finds its slot through a one-entry thread-local
 * cache (last instance -> slot); a miss scans the instance's slot list, and a thread's
 * first use of an instance adds a slot under the instance's lock.  Readers
 * (buf_backend_get_stats, close) sum the slots with relaxed loads.
 *
 * Slots are never freed before the instance: a thread that exits leaves its counts in
 * its slot (so totals stay exact), and a later thread with the same identity (glibc
 * reuses a finished thread's descriptor) continues that slot, as thread_heap.h does for
 * heaps.
 *
 * What is exact:
 *   allocs, frees, failures, bytes_live  exact whenever no alloc or free is in flight:
 *                  every thread's increments are in its own slot, so the sum is the true
 *                  total (a read racing with allocations sees each slot at some moment,
 *                  so it can be off by the operations in flight, never by more).  Live
 *                  bytes are the sum of the slots' net bytes, modulo 2^64: a thread that
 *                  frees blocks other threads allocated has a "negative" net, and the sum
 *                  is exact all the same.
 *   bytes_peak     the highest live figure an allocation saw right after it.  While one
 *                  thread has used the instance that is its own net bytes, kept inline
 *                  as room below the mark of its last peak (a new peak only when room
 *                  goes below zero; buf_backend.h).  Once a second thread adds its slot
 *                  it clears alloc_owner (under the lock, before its own first operation), so every
 *                  allocation takes
 *                  the general path and sums every slot's net bytes (one load per thread
 *                  that has used the instance: the price of not sharing a counter), which
 *                  is exact whenever threads take turns — each operation ordered before
 *                  the next, as by a handoff through a lock, a queue or a join (the fuzz
 *                  target's cross-thread frees, for one): the owner's next allocation
 *                  after such a handoff sees them cleared.  With threads allocating
 *                  at the same moment, a sum can miss or overshoot a peak by the
 *                  operations in flight on other threads.
 *                  tests/unit/test_backend_stats_threads.c checks the exact cases.
 */
#ifndef BACKEND_STATS_H
#define BACKEND_STATS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf_backend.h"

typedef struct backend_stats {
    buf_backend_slot_t *slots; /* the owner's slot (once claimed), then the others; append-only
                                * until backend_stats_destroy (atomic access) */
    uint32_t slot_count;       /* under `lock`; read relaxed by the peak */
    pthread_mutex_t lock;      /* slot creation only */
    uint64_t id;               /* unique for the process lifetime: the thread cache's key */
} backend_stats_t;

/* Returns 0, or -1 if the lock could not be created.  hot->first is the owner's slot. */
int backend_stats_init(backend_stats_t *stats, buf_backend_hot_t *hot);
/* Frees every slot but hot->first.  No other thread may use the instance. */
void backend_stats_destroy(backend_stats_t *stats, buf_backend_hot_t *hot);
/* The merged figures (allocs, frees, failures, bytes_live, bytes_peak) into `out`.
 * *live_negative (if non-NULL) tells whether the net bytes summed below zero: a free
 * counted before its alloc (a read racing with threads), or, once no operation is in
 * flight, frees of more bytes than were allocated (a caller's wrong size). */
void backend_stats_read(backend_stats_t *stats, buf_backend_stats_t *out, bool *live_negative);
/* The calling thread's slot: the owner's, the cached one, a scan, else a new one (the
 * owner's if unclaimed; a second slot makes alloc_owner 0).  NULL
 * if out of memory. */
buf_backend_slot_t *backend_stats_mine(backend_stats_t *stats, buf_backend_hot_t *hot);
/* A slot's net bytes (mark - room, modulo 2^64), read by any thread. */
uint64_t backend_stats_slot_net(const buf_backend_slot_t *slot);
/* The owner's inline allocation took room below zero (buf_backend_raise_peak): mark := the
 * net bytes, room := 0, and the peak noted.  Owner thread only. */
void backend_stats_raise_peak(backend_stats_t *stats, buf_backend_hot_t *hot);
/* The peak after an allocation took `slot`'s net bytes to `net`. */
void backend_stats_note_peak(backend_stats_t *stats, buf_backend_slot_t *slot, uint64_t net);

#endif
