/* stream_internal.h — what the stream layer's files share and nobody else sees.
 *
 * The readable's backend and chunk size (the line reader grows its carry buffer from the
 * same backend, the pipe sizes its in-flight bound from the chunk size), the one mapping
 * from an errno to a status, so readable, writable and pipe agree on it, and the state of
 * a readable and a writable: the pipe's per-chunk path (stream_readable_read_whole_block,
 * stream_writable_append) is inlined into its loop from here, where a call into
 * readable.c and one into writable.c per chunk, each testing again what the pipe knows,
 * were ~85 of the ~580 instructions a chunk of stream_pipe/malloc/1024 (callgrind).
 * Everything else about the two structs is readable.c's and writable.c's alone.
 */
#ifndef STREAM_INTERNAL_H
#define STREAM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "buf_model.h"
#include "buf_stream.h"
#include "core/core_assert.h"

/* ---- The readable's state (readable.c) --------------------------------------------------- */
typedef enum readable_kind { READABLE_FD, READABLE_MEMORY, READABLE_SOURCE } readable_kind_t;

/* Spare blocks kept for reuse at most: the pipe holds ~3 chunks at once (its default bound
 * is 4 chunks), the line reader one; a fifth would rarely be free.  And at most
 * RECYCLE_BUDGET bytes of them, so a readable of 64 MiB chunks keeps none. */
#define SPARE_SLOTS 4
_Static_assert((SPARE_SLOTS & (SPARE_SLOTS - 1)) == 0, "the spare ring's index is taken modulo SPARE_SLOTS");
#define RECYCLE_BUDGET ((size_t)1024 * 1024)

struct buf_readable {
    buf_backend_t *backend;
    readable_kind_t kind;
    int fd;                   /* READABLE_FD */
    const uint8_t *data;      /* READABLE_MEMORY: data[offset, length) still to deliver */
    size_t length, offset;
    buf_source_t source;      /* READABLE_SOURCE */
    size_t chunk_size;
    size_t block_size;        /* bytes of each block: max(chunk_size, read_size) */
    uint64_t bytes_read;
    buf_status_t final_status; /* BUF_OK while the stream runs; then BUF_EOF or the error */
    int saved_errno;
    /* The block being read into and handed out, as a view of all of it (the readable's one
     * reference): bytes [0, filled) were read, [0, delivered) handed out in chunks.  A
     * chunk of the whole block is a clone of the view (~20 instructions; a new view of
     * the ArrayBuffer is ~95).  Empty (buffer NULL) when there is none. */
    buf_buffer_t block;
    uint8_t *block_bytes;
    size_t block_capacity;    /* the current block's size (block_size when it was taken) */
    size_t filled, delivered;
    /* Retired blocks, views of all of each, oldest first (a ring of spare_count from
     * spare_head), reused once no chunk of theirs is held.  Consumers release chunks
     * mostly in the order they got them (the pipe, the line reader), so the oldest spare
     * is the one to ask: one check a block instead of a scan. */
    buf_buffer_t spare[SPARE_SLOTS];
    size_t spare_head, spare_count;
    size_t spare_limit;       /* spares kept at most: min(SPARE_SLOTS, RECYCLE_BUDGET / block);
                               * 0 while reuse is off */
    bool reuse_blocks;        /* buf_readable_set_block_reuse; off: a fresh block per read */
    /* A memory readable still running whose every chunk is a whole block of its own (no
     * read size; block reuse on or off): what stream_readable_next_is_whole_block tests first, kept up to date by
     * every change of those settings and by the end of the stream (readable.c,
     * note_settings). */
    bool whole_memory_blocks;
};

/* ---- The writable's state (writable.c) --------------------------------------------------- */
struct buf_writable {
    int fd;          /* -1 for a sink */
    buf_sink_t sink;
    size_t high_water_mark;
    void (*on_drain)(void *context);
    void *drain_context;
    /* The queue: queue_count chunks from slot queue_head of two arrays with one index.
     * Chunks are added at the end, and a write pass takes them from the front until the
     * queue is empty, when it starts at slot 0 again: so queue_head is 0 outside a pass
     * (and after an error), the queue never wraps, and a writev is handed the array
     * itself.  pending[i] is the bytes of chunk i not yet written — as write() was given
     * them, the head's start advanced past a short write — so no iovec array is built per
     * write (~20 instructions a chunk of stream_pipe at 1 KiB, callgrind).  owners[i] is
     * the chunk's ArrayBuffer: the one reference the writable holds for it.  Both arrays
     * live in one allocation (queue_capacity slots each, 16 at first, doubled as needed). */
    struct iovec *pending;
    buf_arraybuffer_t **owners;
    size_t queue_head, queue_count, queue_capacity;
    size_t queued_bytes; /* bytes queued and not yet written */
    bool drain_pending;  /* write said "full": call on_drain when the queue empties */
    bool ended;
    bool accepting;      /* error == BUF_OK && !ended: one test for the inlined write */
    uint64_t bytes_written;
    buf_status_t error;  /* BUF_OK until the first failure */
    int saved_errno;
};

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
 * 16).  Otherwise *held is left as it was, and the caller releases it as before.  The
 * first case is stream_readable_continues_block / stream_readable_continue_block below. */
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

/* The end of the stream (BUF_EOF or an error): remembered, every block given back; returns
 * the status. */
buf_status_t stream_readable_finish(buf_readable_t *readable, buf_status_t status);

/* With reuse on, the block of the next whole-block chunk (stream_readable_read_whole_block):
 * the oldest spare once nobody holds it, else a new one from the backend; the block is
 * the newest spare (the ring's reference) and *out one more reference, the chunk's.  The
 * allocation's failure leaves the ring as it was. */
buf_status_t stream_readable_reused_block(buf_readable_t *readable, buf_arraybuffer_t **out);

/* A writable's queue reached its mark after a write: written out now (Node's "full"; the
 * drain callback runs once it is empty).  The status of the write. */
buf_status_t stream_writable_write_out(buf_writable_t *writable);

/* ---- The pipe's per-chunk path, inlined ------------------------------------------------- */
/* A Buffer over bytes [offset, offset + length) of a fixed ArrayBuffer that holds them,
 * taking over the reference the caller passes: what buf_buffer_from_arraybuffer(ab,
 * offset, length) builds (a Uint8Array view, fixed length) without its argument checks,
 * which cannot fail here (the readable made the block and keeps every range inside it).
 * Those checks and the view they build were ~125 instructions a chunk of stream_pipe at
 * 1 KiB (callgrind); test_stream pins the two views as equal. */
static inline buf_buffer_t stream_block_view(buf_arraybuffer_t *ab, size_t offset, size_t length)
{
    BUF_ASSERT(offset + length <= (size_t)buf_arraybuffer_byte_length(ab));
    return (buf_buffer_t){.buffer = ab, .kind = BUF_KIND_UINT8, .length_tracking = false,
                          .byte_offset = (int64_t)offset, .fixed_length = (int64_t)length};
}

/* ---- The next chunk of a block read ahead, inlined ----------------------------------------- */
/* True when the readable's next chunk is cut from bytes already read into the block that
 * `held` is a chunk of: no read(2) and no allocation, so taking it cannot fail or wait. */
static inline bool stream_readable_continues_block(const buf_readable_t *readable, const buf_buffer_t *held)
{
    return readable->final_status == BUF_OK && held->buffer != NULL && held->buffer == readable->block.buffer &&
           readable->filled != readable->delivered;
}

/* That chunk (stream_readable_continues_block holds): up to chunk_size of the bytes read,
 * a view of the block on held's reference, which moves into it (*held is zeroed).  Its
 * bytes start where the block's last chunk handed out ends. */
static inline void stream_readable_continue_block(buf_readable_t *readable, buf_buffer_t *held, buf_buffer_t *chunk,
                                                  const uint8_t **bytes, size_t *length_out)
{
    BUF_ASSERT(stream_readable_continues_block(readable, held));
    size_t length = readable->filled - readable->delivered;
    if (length > readable->chunk_size)
        length = readable->chunk_size;
    BUF_ASSERT(length < readable->block_capacity);
    *bytes = readable->block_bytes + readable->delivered;
    *length_out = length;
    readable->bytes_read += (uint64_t)length;
    *chunk = stream_block_view(held->buffer, readable->delivered, length);
    *held = (buf_buffer_t){0};
    readable->delivered += length;
}

/* ---- A memory readable's read-ahead of its source ---------------------------------------- */
/* A memory readable copies its source chunk by chunk, and between two copies the consumer
 * works on the chunk (the pipe: queue it, write the queue out, release, allocate the next
 * block; ~300 instructions at 1 KiB).  A source bigger than the caches is read from memory,
 * and while that work runs no load of the source is outstanding: the next copy starts with
 * a miss on every line the hardware prefetcher (which follows demand loads, and stops at
 * each 4 KiB page) has not fetched yet.  So before each copy the readable asks for the
 * source's lines MEMORY_PREFETCH_DISTANCE bytes past the chunk's end, as many as it
 * copies: every line is requested once, ~4 chunks of 1 KiB (~0.4 us on this machine)
 * before its copy, and the consumer's work runs while they arrive.  Before the copy, not
 * after: behind a copy that waits for memory the prefetches cannot even enter the core's
 * window; issued after it, they bought ~0.1x where issued before they bought ~0.4x
 * (stream_pipe/malloc/1024 against a memcpy loop over the same 64 MiB source in 1 KiB
 * pieces: ~0.6x -> ~0.95x; interleaved pairs of passes, README Streams -> Performance).
 * From MEMORY_PREFETCH_MAX_CHUNK up a copy is long enough for the hardware prefetcher's
 * stream (16 KiB is ~1.5 us of copying against ~0.1 us of the consumer's work) and
 * prefetching measured worse (~0.95x -> ~0.90x at slab 16 and 64 KiB): none there.  4 KiB of distance: 1, 2 and 4 KiB did
 * alike at 1 KiB chunks, 4 KiB did best at 4 KiB chunks (the window is then the chunk after
 * next).  Every line: a prefetch every other line (half the instructions, the other line
 * of each 128-byte pair left to the hardware) was slower than none; the loop unrolled by 4
 * did as well at 1 KiB and worse at 4 KiB (0.70-0.91x against 0.96-1.07x at slab).  The
 * cost is instructions, not time: a prefetch and ~3 loop instructions a line, ~70 a chunk
 * at 1 KiB and ~250 at 4 KiB (callgrind), where the copy's misses cost far more. */
#define MEMORY_PREFETCH_DISTANCE ((size_t)4096)
#define MEMORY_PREFETCH_MAX_CHUNK ((size_t)16384)
#define MEMORY_PREFETCH_LINE ((size_t)64) /* the cache line of x86-64 and most arm64 */

/* The window a copy of source bytes [start, start + length) prefetches: *first, and the
 * length (0 for none), inside the source. */
static inline size_t stream_memory_prefetch_window(size_t source_length, size_t start, size_t length, size_t *first)
{
    *first = start + length + MEMORY_PREFETCH_DISTANCE;
    if (length >= MEMORY_PREFETCH_MAX_CHUNK || *first >= source_length)
        return 0; /* a long copy, or the source's last lines: the copies under way reach them */
    const size_t left = source_length - *first;
    return left < length ? left : length;
}

/* The prefetch before a copy of source bytes [start, start + length).  Always inlined:
 * GCC 12 finds a function of prefetches alone free of side effects and drops every call
 * to an out-of-line copy of it (its .part clone, -O2), prefetches and all. */
static inline __attribute__((always_inline)) void stream_memory_prefetch_ahead(const buf_readable_t *readable,
                                                                               size_t start, size_t length)
{
    size_t first;
    const size_t span = stream_memory_prefetch_window(readable->length, start, length, &first);
    const uint8_t *from = readable->data + first;
    for (size_t at = 0; at < span; at += MEMORY_PREFETCH_LINE)
        __builtin_prefetch(from + at, 0 /* read */, 3 /* keep in every level: the copy reads it soon */);
}

/* True when the next chunk of the readable is the common one of a memory readable: a whole
 * block of chunk_size bytes of its own, read by stream_readable_read_whole_block. */
static inline bool stream_readable_next_is_whole_block(const buf_readable_t *readable)
{
    return readable->whole_memory_blocks && readable->block.buffer == NULL &&
           readable->length - readable->offset >= readable->chunk_size;
}

/* That chunk (chunk_size bytes): a block from the backend (with reuse on, a free spare
 * when there is one: stream_readable_reused_block), the bytes copied in, the block handed
 * out whole in *block (a reference of the chunk's own: with reuse off the readable keeps
 * none, with reuse on its spare ring keeps one; the chunk is stream_block_view(*block, 0,
 * chunk_size)), none of the general path's bookkeeping of a block filled and handed out
 * in parts.  BUF_OK, or the allocation's failure, which ends the stream. */
static inline buf_status_t stream_readable_read_whole_block(buf_readable_t *readable, buf_arraybuffer_t **block_out,
                                                            const uint8_t **bytes)
{
    BUF_ASSERT(stream_readable_next_is_whole_block(readable));
    const size_t length = readable->chunk_size;
    buf_arraybuffer_t *block = NULL;
    const buf_status_t status = readable->spare_limit == 0
                                    ? buf_arraybuffer_alloc_unsafe(readable->backend, (int64_t)length, &block)
                                    : stream_readable_reused_block(readable, &block);
    if (status != BUF_OK)
        return stream_readable_finish(readable, status);
    uint8_t *data = buf_arraybuffer_data(block);
    stream_memory_prefetch_ahead(readable, readable->offset, length);
    memcpy(data, readable->data + readable->offset, length);
    readable->offset += length;
    readable->bytes_read += (uint64_t)length;
    *block_out = block;
    *bytes = data;
    return BUF_OK;
}

/* Queues `length` bytes at `bytes` (length > 0, room in the arrays, outside a write pass:
 * writable.c) with `owner`, a reference the queue now holds. */
static inline void stream_writable_queue_push(buf_writable_t *writable, buf_arraybuffer_t *owner, const uint8_t *bytes,
                                              size_t length)
{
    BUF_ASSERT(writable->queue_head == 0 && writable->queue_count < writable->queue_capacity);
    const size_t slot = writable->queue_count++;
    writable->pending[slot] = (struct iovec){.iov_base = (void *)bytes, .iov_len = length};
    writable->owners[slot] = owner;
    writable->queued_bytes += length;
}

/* The common write, inlined: an accepting writable with room in its queue takes `ab`'s
 * reference with its bytes [bytes, bytes + length), length > 0, and writes the queue out
 * once it reaches the mark.  False when it cannot (the caller then takes the general
 * path, which says why). */
static inline bool stream_writable_append(buf_writable_t *writable, buf_arraybuffer_t *ab, const uint8_t *bytes,
                                          size_t length, buf_status_t *status)
{
    BUF_ASSERT(length > 0);
    if (__builtin_expect(!writable->accepting || writable->queue_count == writable->queue_capacity, 0))
        return false;
    stream_writable_queue_push(writable, ab, bytes, length); /* the reference moves */
    *status = writable->queued_bytes >= writable->high_water_mark ? stream_writable_write_out(writable) : BUF_OK;
    return true;
}

/* stream_writable_write_owned, with the common write taken here.  *queued is the queued
 * bytes after the write, whatever the status. */
static inline buf_status_t stream_writable_write_owned_fast(buf_writable_t *writable, const buf_buffer_t *chunk,
                                                            const uint8_t *bytes, size_t length, size_t *queued)
{
    buf_status_t status;
    if (length == 0 || !stream_writable_append(writable, chunk->buffer, bytes, length, &status))
        return stream_writable_write_owned(writable, chunk, bytes, length, queued);
    *queued = writable->queued_bytes;
    return status;
}

#endif
