/* backend_slab.h — the slab backend as a part other backends build on.
 *
 * The pool backend slices requests below pool_size/2 itself and hands every larger one
 * to a slab instance it owns: blocks up to 64 KiB come from slab size classes (free-list
 * pops, no mapping per block), up to 1 MiB from runs of 64 KiB units (slab_runs.h), larger
 * ones from the slab's large path (large_cache.h).  These are the
 * slab's own ops functions, callable directly (no vtable hop) with the state that
 * backend_slab_create_named made; they keep the vtable's contracts (buf_backend.h).
 */
#ifndef BACKEND_SLAB_H
#define BACKEND_SLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "buf_status.h"

/* A slab instance whose destroy report names `report_name` (a string that outlives it). */
buf_status_t backend_slab_create_named(const char *report_name, void **state_out);
void *backend_slab_alloc(void *state, size_t size, size_t align);
void backend_slab_free(void *state, void *ptr, size_t size, size_t align);
/* Releases everything, lists outstanding blocks on `report` (FILE*, or NULL); returns
 * their number. */
size_t backend_slab_destroy(void *state, void *report);
/* Bytes the instance has committed from the OS now. */
uint64_t backend_slab_bytes_os(void *state);

/* The switch of slab's front and of every front built on it (pool's): the variant option
 * BACKEND_SLAB_NO_CACHE_OPTION ("slab:nocache", "pool:nocache"), or BUFBENCH_SLAB_CACHE=0
 * in the environment, read when an instance is created (README: to measure a backend's
 * own pair paths).  True when the environment turns the fronts off. */
#define BACKEND_SLAB_NO_CACHE_OPTION "nocache"
bool backend_slab_cache_off_by_environment(void);

/* The instance's front (buf_backend.h, "The backend's front"; slab_front.c, "The
 * front"), whether or not slab itself would publish it, for the backend that owns the
 * instance to build its own front on (pool): class_of is slab's align-16 class table,
 * class_count its classes, stacks[0 .. class_count) their stacks, and the
 * BACKEND_SLAB_FRONT_OWNER_STACKS stacks after them, empty with capacity 0, slab never
 * touches: the owner's own classes.  The misses below take the state of this instance
 * and a stack of one of slab's classes; the owner calls them from its own misses for
 * those classes.  Valid until destroy. */
#define BACKEND_SLAB_FRONT_CLASSES 88 /* class_count: slab's size classes */
/* As many as the framework's byte-sized class table can name after slab's classes. */
#define BACKEND_SLAB_FRONT_OWNER_STACKS (256 - BACKEND_SLAB_FRONT_CLASSES)
const buf_backend_front_t *backend_slab_front_of(void *state);
void *backend_slab_front_alloc_miss(void *state, buf_backend_front_stack_t *stack, size_t size);
void backend_slab_front_free_miss(void *state, void *ptr, buf_backend_front_stack_t *stack, size_t size);
/* The owner's block of an indexed class (512 bytes and up) back to slab, one, whatever its
 * stack holds and however full: for a stack the owner also fills with blocks of its own
 * (pool's edge entry, pool_front.c), which slab's flush must not reach. */
void backend_slab_front_free_one(void *state, void *ptr, const buf_backend_front_stack_t *stack);

#endif
