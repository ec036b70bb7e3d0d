/* large_cache.h — the large-allocation path of the slab backend (and so of pool, which
 * hands its big requests to a slab instance): requests above 1 MiB.  Smaller requests
 * never come here: slab serves up to 64 KiB from size classes and 64 KiB - 1 MiB from
 * runs of 64 KiB units (slab_runs.h).
 *
 * A large request gets a mapping of its own, rounded to a size class (size_class.h in
 * pages: whole pages up to 16 pages, then 8 classes per doubling, so rounding wastes at
 * most 1/9 of the mapping).  A freed mapping waits on its class's free list for the next
 * request of that class (or of up to LARGE_REUSE_CLASSES classes below) — up to
 * LARGE_CACHE_BYTES_PER_CLASS of them (at least LARGE_CACHE_MIN_PER_CLASS) — so a
 * workload that frees and reallocates large buffers pays for mmap/munmap once, not per
 * buffer.  Cached mappings past a small budget of committed bytes
 * (LARGE_IDLE_COMMITTED_FLOOR) give their pages back to the OS but stay cached: bytes_os
 * counts only what is committed, and reuse still costs no mmap.  (Tighter caches that
 * unmapped instead — one budget of 2-16 MiB or 1/8-1/2 of the mapped bytes, or 1-4
 * mappings per class — cost 4-15x the time per alloc_mixed pair, each miss an mmap and
 * each overflow a munmap.)  Each class has its own lock, held only to push or pop a list:
 * beside the mmap, page faults and copying that a block above 1 MiB brings, two lock
 * round trips cost little.  Destroy finds every block: all mappings of a class, live or
 * on the free list, are on the class's `all` list (changed only when a mapping is made or
 * unmapped), and a block is live exactly when its header holds a size rather than
 * LARGE_FREED.
 *
 * A small header at the END of each mapping links it into its class's list of all
 * mappings (so destroy can list outstanding blocks) and records the size it was handed
 * out for, the mapping's start and its class; the block starts the mapping, page aligned
 * for any alignment a backend accepts.  A request may be served by a cached mapping of up
 * to LARGE_REUSE_CLASSES classes above its own, so free cannot place the header from the
 * (size, align) it is given; instead a one-word tag right after the request points at
 * it.  In assertion builds free checks that the header names this block and this size.
 */
#ifndef BACKEND_LARGE_CACHE_H
#define BACKEND_LARGE_CACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LARGE_CLASS_COUNT 400                      /* enough classes for BUF_MAX_ALLOC (385) */
#define LARGE_REUSE_CLASSES 2 /* a request may take a cached mapping up to 2 classes up */
#define LARGE_CACHE_BYTES_PER_CLASS ((size_t)32 << 20)
#define LARGE_CACHE_MIN_PER_CLASS 8

typedef struct large_header {
    struct large_header *prev, *next; /* the class's list of all its mappings */
    struct large_header *next_free;   /* on the class's free list */
    size_t size;                      /* requested size while live; LARGE_FREED when cached */
    uint8_t *mapping;                 /* the mapping's start: the block */
    unsigned class_index;             /* the mapping's class (may exceed the request's) */
    bool decommitted;                 /* cached with its pages given back (all but the
                                       * header's): not counted in bytes_os */
} large_header_t;

typedef struct large_class {
    pthread_mutex_t lock;
    large_header_t *all;  /* every mapping of this class: live or free */
    large_header_t *free;
    size_t free_count;
} large_class_t;

/* Cached mappings keep their pages committed up to this many bytes in all, or 1/8 of the
 * bytes of live large blocks if more; past that a freed mapping stays cached (no munmap,
 * no mmap when it is reused) but its pages go back to the OS (madvise MADV_DONTNEED, one
 * syscall, and page faults when the next user touches it).  With every mapping kept
 * committed, alloc_mixed held ~2x its peak request in OS bytes, most of it idle large
 * mappings; unmapping them instead cost 5-20x its time per pair (mmap + munmap + faults). */
#define LARGE_IDLE_COMMITTED_FLOOR ((size_t)32 << 20)
#define LARGE_IDLE_COMMITTED_SHARE 16 /* 1/16 of live large bytes */

typedef struct backend_large_cache {
    _Atomic uint64_t *bytes_os; /* the owning backend's counter of bytes from the OS */
    _Atomic uint64_t live_bytes;     /* mapping bytes of live blocks */
    _Atomic uint64_t idle_committed; /* mapping bytes of committed blocks on the free lists */
    large_class_t classes[LARGE_CLASS_COUNT];
} backend_large_cache_t;

void backend_large_cache_init(backend_large_cache_t *cache, _Atomic uint64_t *bytes_os);
/* A block of `size` usable bytes for a request of `request` bytes (size + red zone);
 * NULL when the OS refuses. */
void *backend_large_cache_alloc(backend_large_cache_t *cache, size_t size, size_t request);
/* Takes back a block from backend_large_cache_alloc, with the same size and request, on
 * any thread. */
void backend_large_cache_free(backend_large_cache_t *cache, void *block, size_t size, size_t request);
/* Unmaps everything; lists outstanding blocks on `out` (if non-NULL) while fewer than
 * `report_limit` lines have been printed in all (`*reported` counts them).  Returns
 * the number of outstanding blocks. */
size_t backend_large_cache_destroy(backend_large_cache_t *cache, FILE *out, const char *backend_name,
                                   size_t *reported, size_t report_limit);

#endif
