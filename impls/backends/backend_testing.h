/* backend_testing.h — internals of the backend layer that unit tests may look at.
 *
 * Not part of the public API (impls/include/): only tests/unit/ includes this, to check
 * properties the public interface cannot show (the slab's size classes, the red zone a
 * sanitizer build adds after every block).
 */
#ifndef BUF_BACKEND_TESTING_H
#define BUF_BACKEND_TESTING_H

#include <stdbool.h>
#include <stddef.h>

#include "mem_annotate.h"

/* The block size the slab backend uses for a request (size already includes any red zone). */
size_t backend_slab_class_size_for(size_t size, size_t align);
/* The bytes of the slabs that serve that class (a run of 64 KiB units); 0: large path. */
size_t backend_slab_span_for(size_t size, size_t align);
/* For a live block of a slab size class (slab's, or pool's from 4 KiB): bytes from its
 * slab's descriptor to the slab's stack of free offsets (classes of 512 bytes and up; 0
 * for the smaller ones, which link their free blocks). */
ptrdiff_t backend_slab_offsets_from_descriptor(const void *block);

/* The backend's front (buf_backend.h): whether the instance has one turned on, and, for a
 * request of `size` bytes with the default alignment, how many blocks its class's stack
 * holds and may hold (0 and 0 when off or outside the front). */
typedef struct buf_backend buf_backend_t;
bool backend_front_is_on(const buf_backend_t *backend);
size_t backend_front_held(const buf_backend_t *backend, size_t size);
size_t backend_front_capacity(const buf_backend_t *backend, size_t size);

#endif
