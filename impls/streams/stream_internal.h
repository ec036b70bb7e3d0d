/* stream_internal.h — what the stream layer's files share and nobody else sees.
 *
 * The readable's backend and chunk size (the line reader grows its carry buffer from the
 * same backend, the pipe sizes its in-flight bound from the chunk size), and the one
 * mapping from an errno to a status, so readable, writable and pipe agree on it.
 */
#ifndef STREAM_INTERNAL_H
#define STREAM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_stream.h"

buf_backend_t *stream_readable_backend(const buf_readable_t *readable);
size_t stream_readable_chunk_size(const buf_readable_t *readable);

/* buf_readable_read that also gives the chunk's bytes and length, which the readable
 * knows: asking the view for them is ~75 instructions a chunk (the pipe at 1 KiB). */
buf_status_t stream_readable_read_known(buf_readable_t *readable, buf_buffer_t *chunk, const uint8_t **bytes,
                                        size_t *length);

/* stream_readable_read_known for a consumer that holds one chunk at a time (the line
 * reader): when `held` is a chunk of the readable's current block and the next chunk
 * comes from bytes already read into that block (no read(2), so no byte of the block is
 * written), held's reference moves into the new chunk and *held is zeroed — the block's
 * count is neither raised for the new chunk nor dropped for the old one (two atomic
 * read-modify-writes a chunk fewer; at 1 KiB chunks read 16 KiB at a time, 15 chunks of
 * 16).  Otherwise *held is left as it was, and the caller releases it as before. */
buf_status_t stream_readable_read_continuing(buf_readable_t *readable, buf_buffer_t *held, buf_buffer_t *chunk,
                                             const uint8_t **bytes, size_t *length);

/* buf_writable_write for a caller that already knows the chunk's bytes and length (the
 * pipe, which asked once per input chunk): ~60 instructions a chunk less at 1 KiB. */
buf_status_t stream_writable_write_known(buf_writable_t *writable, const buf_buffer_t *chunk, const uint8_t *bytes,
                                         size_t length, bool *full);

/* The same, taking over the caller's reference to the chunk instead of adding one (the
 * pipe, which read the chunk and has no other use for it): queued, or released at once
 * when it is empty or the write fails — either way the caller no longer owns it.  Two
 * reference-count changes (atomic read-modify-writes) a chunk fewer.  *queued is set to
 * buf_writable_queued's figure after the write, whatever the status. */
buf_status_t stream_writable_write_owned(buf_writable_t *writable, const buf_buffer_t *chunk, const uint8_t *bytes,
                                         size_t length, size_t *queued);

/* EPIPE -> BUF_EPIPE, ENOMEM -> BUF_ENOMEM, anything else -> BUF_EIO (errno kept by the
 * stream that saw it). */
buf_status_t stream_status_for_errno(int error);

#endif
