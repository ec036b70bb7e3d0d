/* slab_runs.h — slab's blocks of 64 KiB - 1 MiB: runs of whole 64 KiB units (slab_runs.c);
 * private to the slab backend.
 *
 * backend_slab.c serves requests up to 64 KiB from size classes and hands those above
 * 64 KiB up to RUN_MAX to these functions (above RUN_MAX: large_cache.h).  The runs live
 * in run arenas of their own (slab_arena.h layout) shared by all threads of an instance
 * under one lock.
 */
#ifndef BACKEND_SLAB_RUNS_H
#define BACKEND_SLAB_RUNS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "slab_arena.h"

#define RUN_MAX ((size_t)1 << 20) /* the largest request served by a run */

typedef struct backend_slab_runs {
    pthread_mutex_t lock;        /* the run arenas and their maps */
    arena_t *arenas;
    uint32_t empty_arenas;       /* run arenas with every unit free */
    uint32_t idle_units;         /* free units that are committed (their pages held) */
    _Atomic uint64_t *bytes_os;  /* the owning instance's counter of bytes from the OS ... */
    _Atomic uint64_t *bytes_os_high; /* ... and the highest it has been at a commit (runs'
                                  * and size classes' alike: one peak to keep flat) */
} backend_slab_runs_t;

/* Returns 0, or -1 if the lock could not be created. */
int backend_slab_runs_init(backend_slab_runs_t *runs, _Atomic uint64_t *bytes_os, _Atomic uint64_t *bytes_os_high);
/* A run for a request of `request` bytes (size + red zone, above 64 KiB, at most RUN_MAX)
 * handed out for `size`; NULL when the OS refuses.  Any thread. */
void *backend_slab_run_alloc(backend_slab_runs_t *runs, size_t size, size_t request);
/* Takes back a run, with the size and request it was allocated with; any thread. */
void backend_slab_run_free(backend_slab_runs_t *runs, void *ptr, size_t size, size_t request);
/* Lists live runs on `out` (if non-NULL) while fewer than `report_limit` lines have been
 * printed in all (`*reported` counts them), unmaps every run arena and returns the number
 * of live runs.  No other thread may use the instance. */
size_t backend_slab_runs_destroy(backend_slab_runs_t *runs, FILE *out, const char *backend_name,
                                 size_t *reported, size_t report_limit);

#endif
