/* readable.c — buf_readable_t: a source read in chunks, each chunk a Buffer (buf_stream.h).
 *
 * One read per chunk by default, as fs.createReadStream does: read(2) fills a block of
 * high_water_mark bytes from the backend in place, and the chunk handed out is a view of
 * the bytes read (a short read — a pipe, a socket, the tail of a file — is a shorter
 * chunk): no copy anywhere.  With a read size above the chunk size
 * (buf_readable_set_read_size) each read(2)
 * asks for read_size bytes and the chunks are consecutive views of that one block, each
 * at most high_water_mark bytes: fewer system calls per byte, the same chunks.
 *
 * Every read takes a fresh block from the backend by default, as fs.ReadStream allocates
 * a fresh Buffer for every read: the backend serves one allocation per block (per chunk
 * without a read size), which is what the stream benchmark families compare backends on.
 * Blocks may instead be reused (buf_readable_set_block_reuse): a used-up block is kept as
 * a spare (at most SPARE_SLOTS of them and RECYCLE_BUDGET bytes), and the next read takes
 * a spare whose chunks have all been released instead of asking the backend.  A consumer
 * that releases its chunks as they come (the pipe, the line reader) then allocates
 * nothing per chunk: at 1 KiB chunks the backend's alloc and free were ~450 of the ~1,430
 * instructions a chunk of stream_pipe cost (callgrind, malloc backend).  A chunk still
 * held is never written: a block is reused only when the readable holds its one
 * reference.  At the end of the stream (or an error) every block goes back to the backend.
 *
 * Results are sticky: the first BUF_EOF or error is remembered and returned by every later
 * call, and bytes_read counts exactly the bytes inside chunks handed out.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core_assert.h"
#include "stream_internal.h"

buf_status_t stream_status_for_errno(int error)
{
    if (error == EPIPE)
        return BUF_EPIPE;
    if (error == ENOMEM)
        return BUF_ENOMEM;
    return BUF_EIO;
}

buf_backend_t *stream_readable_backend(const buf_readable_t *readable) { return readable->backend; }
size_t stream_readable_chunk_size(const buf_readable_t *readable) { return readable->chunk_size; }

/* Keeps whole_memory_blocks true exactly while stream_readable_read_whole_block may take the next
 * chunk: a memory readable, running, one chunk a block (with reuse on or off). */
static void note_settings(buf_readable_t *readable)
{
    readable->whole_memory_blocks = readable->kind == READABLE_MEMORY && readable->final_status == BUF_OK &&
                                    readable->block_size == readable->chunk_size;
}

/* Blocks of `bytes` from now on (>= chunk_size), and as many spares as fit the budget
 * when reuse is on (none when it is off).  The spare ring is indexed modulo SPARE_SLOTS
 * (a constant power of two: a mask, where `% spare_limit` was three divisions a block,
 * ~60 cycles a chunk of stream_pipe_reuse at 1 KiB) and holds at most spare_limit;
 * callers empty it (release_spares) before the limit changes. */
static void set_block_size(buf_readable_t *readable, size_t bytes)
{
    BUF_ASSERT(readable->spare_count == 0);
    readable->block_size = bytes;
    const size_t budget_slots = RECYCLE_BUDGET / bytes;
    const size_t slots = budget_slots < SPARE_SLOTS ? budget_slots : SPARE_SLOTS;
    readable->spare_limit = readable->reuse_blocks ? slots : 0;
    note_settings(readable);
}

/* Lets every spare go (a spare a consumer still holds is freed when they release it). */
static void release_spares(buf_readable_t *readable)
{
    for (size_t i = 0; i < SPARE_SLOTS; i++)
        buf_buffer_release(&readable->spare[i]);
    readable->spare_head = readable->spare_count = 0;
}

/* ---- Creation ------------------------------------------------------------------------------ */
static buf_status_t readable_new(buf_backend_t *backend, readable_kind_t kind, const buf_readable_options_t *options,
                                 buf_readable_t **out)
{
    if (!backend || !out)
        return BUF_EINVAL;
    size_t chunk_size = options && options->high_water_mark ? options->high_water_mark : BUF_STREAM_DEFAULT_CHUNK;
    if (chunk_size > BUF_STREAM_MAX_CHUNK)
        return BUF_EINVAL;
    buf_readable_t *readable = calloc(1, sizeof *readable);
    if (!readable)
        return BUF_ENOMEM;
    readable->backend = backend;
    readable->kind = kind;
    readable->fd = -1;
    readable->chunk_size = chunk_size;
    readable->final_status = BUF_OK;
    set_block_size(readable, chunk_size);
    *out = readable;
    return BUF_OK;
}

buf_status_t buf_readable_from_fd(buf_backend_t *backend, int fd, const buf_readable_options_t *options,
                                  buf_readable_t **out)
{
    if (fd < 0)
        return BUF_EINVAL;
    buf_readable_t *readable;
    buf_status_t status = readable_new(backend, READABLE_FD, options, &readable);
    if (status != BUF_OK)
        return status;
    readable->fd = fd;
    *out = readable;
    return BUF_OK;
}

buf_status_t buf_readable_from_memory(buf_backend_t *backend, const uint8_t *data, size_t length,
                                      const buf_readable_options_t *options, buf_readable_t **out)
{
    if (!data && length)
        return BUF_EINVAL;
    buf_readable_t *readable;
    buf_status_t status = readable_new(backend, READABLE_MEMORY, options, &readable);
    if (status != BUF_OK)
        return status;
    readable->data = data;
    readable->length = length;
    *out = readable;
    return BUF_OK;
}

buf_status_t buf_readable_from_source(buf_backend_t *backend, buf_source_t source,
                                      const buf_readable_options_t *options, buf_readable_t **out)
{
    if (!source.read)
        return BUF_EINVAL;
    buf_readable_t *readable;
    buf_status_t status = readable_new(backend, READABLE_SOURCE, options, &readable);
    if (status != BUF_OK)
        return status;
    readable->source = source;
    *out = readable;
    return BUF_OK;
}

/* Drops the current block and every spare: at the end of the stream, the memory goes back
 * to the backend as soon as the consumer releases its last chunk. */
static void release_blocks(buf_readable_t *readable)
{
    buf_buffer_release(&readable->block); /* a released view is zeroed */
    readable->block_bytes = NULL;
    readable->filled = readable->delivered = 0;
    release_spares(readable);
}

void buf_readable_destroy(buf_readable_t *readable)
{
    if (!readable)
        return;
    release_blocks(readable);
    free(readable);
}

buf_status_t buf_readable_set_read_size(buf_readable_t *readable, size_t read_size)
{
    if (!readable || read_size > BUF_STREAM_MAX_CHUNK)
        return BUF_EINVAL;
    const size_t bytes = read_size > readable->chunk_size ? read_size : readable->chunk_size;
    if (bytes == readable->block_size)
        return BUF_OK;
    /* The blocks held are of the old size: the current one keeps the bytes it holds (it
     * is let go once they are handed out); the spares go. */
    release_spares(readable);
    set_block_size(readable, bytes);
    return BUF_OK;
}

buf_status_t buf_readable_set_block_reuse(buf_readable_t *readable, bool on)
{
    if (!readable)
        return BUF_EINVAL;
    if (on == readable->reuse_blocks)
        return BUF_OK;
    /* Turned off, the spares go at once; turned on, the ring starts empty.  The current
     * block is kept either way (it is retired under the new setting once used up). */
    release_spares(readable);
    readable->reuse_blocks = on;
    set_block_size(readable, readable->block_size);
    return BUF_OK;
}

/* ---- Reading ------------------------------------------------------------------------------- */
/* One read of up to `capacity` bytes into dst: the count, 0 at the end, or -errno.  EINTR
 * is retried; EAGAIN waits (poll for an fd; a source that says EAGAIN is asked again after
 * yielding the processor, as it has nothing to poll). */
static long read_some(buf_readable_t *readable, uint8_t *dst, size_t capacity)
{
    for (;;) {
        long count;
        switch (readable->kind) {
        case READABLE_FD:
            count = read(readable->fd, dst, capacity);
            if (count < 0)
                count = -errno;
            break;
        case READABLE_SOURCE:
            count = readable->source.read(readable->source.context, dst, capacity);
            break;
        default: { /* READABLE_MEMORY */
            const size_t left = readable->length - readable->offset;
            count = (long)(left < capacity ? left : capacity);
            stream_memory_prefetch_ahead(readable, readable->offset, (size_t)count);
            memcpy(dst, readable->data + readable->offset, (size_t)count);
            readable->offset += (size_t)count;
            break;
        }
        }
        if (count >= 0) {
            BUF_ASSERT((size_t)count <= capacity);
            return count;
        }
        if (count == -EINTR)
            continue;
        if (count == -EAGAIN || count == -EWOULDBLOCK) {
            if (readable->kind == READABLE_FD) {
                struct pollfd wait_for = {.fd = readable->fd, .events = POLLIN};
                (void)poll(&wait_for, 1, -1); /* EINTR or readiness: read again either way */
            } else {
                sched_yield();
            }
            continue;
        }
        return count;
    }
}

/* ---- Blocks ---------------------------------------------------------------------------------- */
/* True when the readable holds the only reference to ab: every chunk cut from it has been
 * released, on whatever thread.  The count is read relaxed (buf_arraybuffer_refcount), so
 * an acquire follows a "yes": the consumers' releases are acq_rel decrements, and the
 * acquire orders their last reads of the bytes before this thread writes them again.
 * ThreadSanitizer does not model a bare fence, so its build takes the acquire from a
 * retain and release pair instead (the release is an acq_rel read-modify-write in the
 * same release sequence; the count goes 1 -> 2 -> 1, nobody else can see it). */
static bool block_is_free(buf_arraybuffer_t *ab)
{
    if (buf_arraybuffer_refcount(ab) != 1)
        return false;
#if defined(BUF_TSAN)
    buf_arraybuffer_release(buf_arraybuffer_retain(ab));
#else
    atomic_thread_fence(memory_order_acquire);
#endif
    return true;
}

/* The oldest spare if nobody holds it any more, taken out of the ring (its reference moves
 * to *out); false when there is none or a consumer still holds it. */
static bool spare_take_free(buf_readable_t *readable, buf_buffer_t *out)
{
    buf_buffer_t *oldest = &readable->spare[readable->spare_head];
    if (readable->spare_count == 0 || !block_is_free(oldest->buffer))
        return false;
    *out = *oldest;
    *oldest = (buf_buffer_t){0};
    readable->spare_head = (readable->spare_head + 1) % SPARE_SLOTS;
    readable->spare_count--;
    return true;
}

/* `view` (the reference moves to the ring) becomes the newest spare, letting the oldest go
 * when the ring is full: a consumer still holds it, it is freed when they release it. */
static void spare_push(buf_readable_t *readable, buf_buffer_t view)
{
    if (readable->spare_count == readable->spare_limit) {
        buf_buffer_release(&readable->spare[readable->spare_head]);
        readable->spare_head = (readable->spare_head + 1) % SPARE_SLOTS;
        readable->spare_count--;
    }
    readable->spare[(readable->spare_head + readable->spare_count++) % SPARE_SLOTS] = view;
}

/* The current block is used up: keep it as the newest spare, or let it go when spares are
 * off for this block size. */
static void retire_block(buf_readable_t *readable)
{
    const buf_buffer_t retired = readable->block; /* the reference moves, no count changes */
    readable->block = (buf_buffer_t){0};
    readable->block_bytes = NULL;
    const bool of_this_size = readable->block_capacity == readable->block_size;
    readable->filled = readable->delivered = 0;
    if (readable->spare_limit == 0 || !of_this_size) {
        buf_buffer_t dropped = retired;
        buf_buffer_release(&dropped);
        return;
    }
    spare_push(readable, retired);
}

/* Makes a block current: a spare nobody holds any more, else a new one from the backend
 * (buf_arraybuffer_alloc_unsafe: nothing is zeroed, every byte handed out is read first). */
static buf_status_t take_block(buf_readable_t *readable)
{
    BUF_ASSERT(readable->block.buffer == NULL);
    if (!spare_take_free(readable, &readable->block)) {
        buf_arraybuffer_t *block = NULL;
        buf_status_t status = buf_arraybuffer_alloc_unsafe(readable->backend, (int64_t)readable->block_size, &block);
        if (status != BUF_OK)
            return status;
        readable->block = stream_block_view(block, 0, readable->block_size); /* the view holds it now */
    }
    readable->block_bytes = buf_arraybuffer_data(readable->block.buffer); /* the view starts at 0 */
    readable->block_capacity = readable->block_size;
    readable->filled = readable->delivered = 0;
    return BUF_OK;
}

/* stream_readable_read_whole_block's block with reuse on: take_block and retire_block at
 * once for a block that is one chunk, so the spare ring is left as the general path leaves
 * it (the oldest spare is reused once it is free, else a new block joins the ring and the
 * oldest leaves it when the ring is full).  The block goes in the ring at once, which
 * holds the readable's reference; *out gets one more, the chunk's.  On the general path
 * this was ~150 instructions a chunk of stream_pipe_reuse/malloc/1024 (callgrind): the
 * read bookkeeping of a block handed out in parts, a view built and the block retired on
 * the next read. */
buf_status_t stream_readable_reused_block(buf_readable_t *readable, buf_arraybuffer_t **out)
{
    BUF_ASSERT(readable->spare_limit > 0 && readable->block.buffer == NULL);
    BUF_ASSERT(readable->block_size == readable->chunk_size);
    buf_buffer_t view;
    if (!spare_take_free(readable, &view)) {
        buf_arraybuffer_t *block = NULL;
        const buf_status_t status =
            buf_arraybuffer_alloc_unsafe(readable->backend, (int64_t)readable->block_size, &block);
        if (status != BUF_OK)
            return status;
        view = stream_block_view(block, 0, readable->block_size);
    }
    buf_arraybuffer_t *block = view.buffer;
    spare_push(readable, view); /* the oldest spare, reused, becomes the newest */
    *out = buf_arraybuffer_retain(block);
    return BUF_OK;
}

/* The stream is over (BUF_EOF or an error): remember it, give back every block. */
buf_status_t stream_readable_finish(buf_readable_t *readable, buf_status_t status)
{
    release_blocks(readable);
    readable->final_status = status;
    note_settings(readable);
    return status;
}

/* ---- Reading ------------------------------------------------------------------------------- */
buf_status_t buf_readable_read(buf_readable_t *readable, buf_buffer_t *chunk)
{
    const uint8_t *bytes;
    size_t length;
    return stream_readable_read_known(readable, chunk, &bytes, &length);
}

buf_status_t stream_readable_read_known(buf_readable_t *readable, buf_buffer_t *chunk, const uint8_t **bytes,
                                        size_t *length_out)
{
    if (!readable || !chunk)
        return BUF_EINVAL;
    if (readable->final_status != BUF_OK)
        return readable->final_status;
    if (stream_readable_next_is_whole_block(readable)) {
        buf_arraybuffer_t *block = NULL;
        const buf_status_t status = stream_readable_read_whole_block(readable, &block, bytes);
        if (status == BUF_OK) {
            *chunk = stream_block_view(block, 0, readable->chunk_size);
            *length_out = readable->chunk_size;
        }
        return status;
    }
    if (readable->filled == readable->delivered) {
        /* Nothing read is left to hand out: read more, into the rest of the current block
         * when a whole chunk still fits there (a short read ahead), else into a block of
         * its own. */
        if (readable->kind == READABLE_MEMORY && readable->offset == readable->length)
            return stream_readable_finish(readable, BUF_EOF); /* nothing to allocate for */
        if (readable->block.buffer != NULL && readable->block_capacity - readable->filled < readable->chunk_size)
            retire_block(readable);
        if (readable->block.buffer == NULL) {
            buf_status_t status = take_block(readable);
            if (status != BUF_OK)
                return stream_readable_finish(readable, status);
        }
        const long count = read_some(readable, readable->block_bytes + readable->filled,
                                     readable->block_capacity - readable->filled);
        if (count <= 0) {
            if (count == 0)
                return stream_readable_finish(readable, BUF_EOF);
            readable->saved_errno = (int)-count;
            return stream_readable_finish(readable, stream_status_for_errno((int)-count));
        }
        readable->filled += (size_t)count;
    }
    /* The next chunk: up to chunk_size of the bytes read, a view sharing the block's
     * memory: no copy. */
    size_t length = readable->filled - readable->delivered;
    if (length > readable->chunk_size)
        length = readable->chunk_size;
    *bytes = readable->block_bytes + readable->delivered;
    *length_out = length;
    readable->bytes_read += (uint64_t)length;
    if (length == readable->block_capacity && readable->spare_limit == 0) {
        /* The whole block, never to be read into again (no spares): the readable's own
         * reference moves into the chunk, so the block is the consumer's alone — one
         * reference count change a chunk fewer each way, and the next read takes a new
         * block at once.  The common case of every consumer with reuse off. */
        *chunk = readable->block;
        readable->block = (buf_buffer_t){0};
        readable->block_bytes = NULL;
        readable->filled = readable->delivered = 0;
        return BUF_OK;
    }
    *chunk = stream_block_view(buf_arraybuffer_retain(readable->block.buffer), readable->delivered, length);
    readable->delivered += length;
    if (length == readable->block_capacity)
        retire_block(readable); /* used up at once: a spare now, as stream_readable_reused_block keeps it */
    return BUF_OK;
}

buf_status_t stream_readable_read_continuing(buf_readable_t *readable, buf_buffer_t *held, buf_buffer_t *chunk,
                                             const uint8_t **bytes, size_t *length_out)
{
    if (!readable || !chunk || !held)
        return BUF_EINVAL;
    if (!stream_readable_continues_block(readable, held))
        return stream_readable_read_known(readable, chunk, bytes, length_out);
    /* The next chunk is a view of the block's bytes already read: what the general path
     * hands out (a part of the block; the whole block only comes from a fresh read), on
     * held's reference. */
    stream_readable_continue_block(readable, held, chunk, bytes, length_out);
    return BUF_OK;
}

/* ---- Queries ------------------------------------------------------------------------------- */
uint64_t buf_readable_bytes_read(const buf_readable_t *readable) { return readable ? readable->bytes_read : 0; }
int buf_readable_errno(const buf_readable_t *readable) { return readable ? readable->saved_errno : 0; }
