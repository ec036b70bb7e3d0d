/* large_cache.h — the large-allocation path shared by slab and pool.
 *
 * A large request gets a mapping of its own, rounded to a size class (size_class.h in
 * pages: whole pages up to 16 pages, then 8 classes per doubling, so rounding wastes at
 * most 1/9 of the mapping).  A freed mapping waits on its class's free list for the next
 * request of that class — up to LARGE_CACHE_BYTES_PER_CLASS of them (at least
 * LARGE_CACHE_MIN_PER_CLASS) — so a workload that frees and reallocates large buffers
 * pays for mmap/munmap once, not per buffer.  Each class has its own lock, held only to
 * push or pop a list.
 *
 * A small header at the END of each mapping links it into its class's live list (so
 * destroy can list outstanding blocks), records the size it was handed out for, and
 * keeps the block at the mapping's start, page aligned for any alignment a backend
 * accepts.  The header's position follows from the (size, align) the caller passes to
 * free, so nothing is looked up; in assertion builds free checks that the header it
 * finds there names the same size.
 */
#ifndef BACKEND_LARGE_CACHE_H
#define BACKEND_LARGE_CACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define LARGE_CLASS_COUNT 400                      /* enough classes for BUF_MAX_ALLOC (385) */
#define LARGE_CACHE_BYTES_PER_CLASS ((size_t)32 << 20)
#define LARGE_CACHE_MIN_PER_CLASS 8

typedef struct large_header {
    struct large_header *prev, *next; /* live list, or free list (next only) */
    size_t size;                      /* requested size while live; LARGE_FREED when cached */
} large_header_t;

typedef struct large_class {
    pthread_mutex_t lock;
    large_header_t *live;
    large_header_t *free;
    size_t free_count;
} large_class_t;

typedef struct backend_large_cache {
    _Atomic uint64_t *bytes_os; /* the owning backend's counter of bytes from the OS */
    large_class_t classes[LARGE_CLASS_COUNT];
} backend_large_cache_t;

void backend_large_cache_init(backend_large_cache_t *cache, _Atomic uint64_t *bytes_os);
/* A block of `size` usable bytes for a request of `request` bytes (size + red zone);
 * NULL when the OS refuses. */
void *backend_large_cache_alloc(backend_large_cache_t *cache, size_t size, size_t request);
/* Takes back a block from backend_large_cache_alloc, with the same size and request. */
void backend_large_cache_free(backend_large_cache_t *cache, void *block, size_t size, size_t request);
/* Unmaps everything; lists outstanding blocks on `out` (if non-NULL) while fewer than
 * `report_limit` lines have been printed in all (`*reported` counts them).  Returns
 * the number of outstanding blocks. */
size_t backend_large_cache_destroy(backend_large_cache_t *cache, FILE *out, const char *backend_name,
                                   size_t *reported, size_t report_limit);

#endif
