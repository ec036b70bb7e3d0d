/* buf_bytes.h — a byte block handed out by the library, and who releases it.
 *
 *     buf_bytes_t (a small value struct the caller owns)
 *       data ----------> +--------------------------+-----------------+
 *                        | length bytes of output   | spare capacity  |
 *                        +--------------------------+-----------------+
 *                        <--------------- capacity bytes ------------->
 *       backend: the buf_backend_t the block came from
 *
 * Ownership:
 *   - The block is ONE allocation from `backend`, made as
 *     buf_backend_alloc(backend, capacity, 1, ...): alignment 1, exactly `capacity`
 *     bytes (capacity may be 0: a 0-byte block is still a block to release).
 *   - Whoever receives a filled buf_bytes_t owns the block and releases it with
 *     buf_bytes_release, which calls buf_backend_free(backend, data, capacity, 1) and
 *     zeroes the struct.  The backend must outlive the block.
 *   - Copying the struct does not copy the block: release exactly one copy.
 *   - A zeroed buf_bytes_t ({0}: no data, no backend) owns nothing; releasing it is a
 *     no-op.  The *_alloc functions zero *out on failure; buf_buffer_to_string leaves it
 *     untouched on some errors (buf_model.h), so start from {0} and release is always
 *     safe after any call.
 *   - Code filling a buf_bytes_t by hand (e.g. a reader that grows its block) must keep
 *     the same rule: data from buf_backend_alloc(backend, capacity, 1, ...).
 *
 * Functions that produce one: buf_encode_alloc, buf_decode_alloc, buf_decode_strict_alloc
 * and buf_buffer_to_string (buf_model.h).
 */
#ifndef BUF_BYTES_H
#define BUF_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct buf_bytes {
    uint8_t *data;
    size_t length;          /* bytes of output */
    size_t capacity;        /* bytes allocated (>= length) */
    buf_backend_t *backend; /* where data came from; NULL when the struct owns nothing */
} buf_bytes_t;

/* Frees the block to its backend (if it owns one) and zeroes *bytes.  NULL and a zeroed
 * struct are no-ops. */
void buf_bytes_release(buf_bytes_t *bytes);

#ifdef __cplusplus
}
#endif
#endif
