/* readable.c — buf_readable_t: a source read in chunks, each chunk a Buffer (buf_stream.h).
 *
 * One read per chunk, as fs.createReadStream does: a chunk of high_water_mark bytes is
 * allocated from the backend (buf_buffer_alloc_unsafe: nothing is zeroed, every byte
 * handed out was just read), read(2) fills it in place, and a short read (a pipe, a
 * socket, the tail of a file) is handed out as a shorter view of the same memory — no
 * copy anywhere.  A read that returns 0 bytes is the end: its chunk goes straight back to
 * the backend.
 *
 * Results are sticky: the first BUF_EOF or error is remembered and returned by every later
 * call, and bytes_read counts exactly the bytes inside chunks handed out.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core_assert.h"
#include "stream_internal.h"

/* ---- State ------------------------------------------------------------------------------ */
typedef enum readable_kind { READABLE_FD, READABLE_MEMORY, READABLE_SOURCE } readable_kind_t;

struct buf_readable {
    buf_backend_t *backend;
    readable_kind_t kind;
    int fd;                   /* READABLE_FD */
    const uint8_t *data;      /* READABLE_MEMORY: data[offset, length) still to deliver */
    size_t length, offset;
    buf_source_t source;      /* READABLE_SOURCE */
    size_t chunk_size;
    uint64_t bytes_read;
    buf_status_t final_status; /* BUF_OK while the stream runs; then BUF_EOF or the error */
    int saved_errno;
};

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

void buf_readable_destroy(buf_readable_t *readable) { free(readable); }

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

buf_status_t buf_readable_read(buf_readable_t *readable, buf_buffer_t *chunk)
{
    if (!readable || !chunk)
        return BUF_EINVAL;
    if (readable->final_status != BUF_OK)
        return readable->final_status;
    if (readable->kind == READABLE_MEMORY && readable->offset == readable->length)
        return readable->final_status = BUF_EOF; /* nothing to allocate for */

    buf_buffer_t whole;
    buf_status_t status = buf_buffer_alloc_unsafe(readable->backend, (int64_t)readable->chunk_size, &whole);
    if (status != BUF_OK)
        return readable->final_status = status;
    const long count = read_some(readable, buf_buffer_data(&whole), readable->chunk_size);
    if (count <= 0) {
        buf_buffer_release(&whole); /* the end, or an error: the chunk goes back unused */
        if (count == 0)
            return readable->final_status = BUF_EOF;
        readable->saved_errno = (int)-count;
        return readable->final_status = stream_status_for_errno((int)-count);
    }
    if ((size_t)count < readable->chunk_size) {
        /* A short chunk is a shorter view of the same memory (one more reference, then the
         * whole view's reference is dropped): no copy. */
        buf_buffer_t part;
        status = buf_buffer_subarray(&whole, 0, count, &part);
        BUF_ASSERT(status == BUF_OK);
        buf_buffer_release(&whole);
        whole = part;
    }
    readable->bytes_read += (uint64_t)count;
    *chunk = whole;
    return BUF_OK;
}

/* ---- Queries ------------------------------------------------------------------------------- */
uint64_t buf_readable_bytes_read(const buf_readable_t *readable) { return readable ? readable->bytes_read : 0; }
int buf_readable_errno(const buf_readable_t *readable) { return readable ? readable->saved_errno : 0; }
