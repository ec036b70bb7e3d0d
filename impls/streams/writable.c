/* writable.c — buf_writable_t: chunks queued by reference and written with writev(2).
 *
 * As fs.WriteStream: write() queues the chunk (a reference taken with buf_typed_clone, no
 * copy) and says "full" once the queued bytes reach high_water_mark (16 KiB by default);
 * the queue is then written out at once, and when it is empty again the drain callback
 * runs — the producer that saw "full" knows the queue has room.  flush() and end() write
 * whatever is queued.
 *
 * Writing: one writev per batch of up to IOV_MAX chunks (1024 on Linux); a short write
 * advances through the queue (a partly written head chunk's start moves past what was
 * written) and the rest is written again.  EINTR is retried, EAGAIN waits with poll(2).  SIGPIPE is held back
 * around the fd's writev so a reader that went away is the status BUF_EPIPE, never a
 * signal that kills the process.
 *
 * After an error the queue is released at once (those bytes can no longer be written in
 * order), bytes_written counts exactly the bytes the fd or sink accepted, and every later
 * call returns the same status.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "core/core_assert.h"
#include "stream_internal.h"

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

/* ---- Creation ------------------------------------------------------------------------------ */
static buf_status_t writable_new(int fd, buf_sink_t sink, const buf_writable_options_t *options, buf_writable_t **out)
{
    if (!out)
        return BUF_EINVAL;
    buf_writable_t *writable = calloc(1, sizeof *writable);
    if (!writable)
        return BUF_ENOMEM;
    writable->fd = fd;
    writable->sink = sink;
    writable->high_water_mark = options && options->high_water_mark ? options->high_water_mark
                                                                     : BUF_STREAM_DEFAULT_WRITE_MARK;
    if (options) {
        writable->on_drain = options->on_drain;
        writable->drain_context = options->drain_context;
    }
    writable->error = BUF_OK;
    writable->accepting = true;
    *out = writable;
    return BUF_OK;
}

buf_status_t buf_writable_to_fd(int fd, const buf_writable_options_t *options, buf_writable_t **out)
{
    if (fd < 0)
        return BUF_EINVAL;
    return writable_new(fd, (buf_sink_t){0}, options, out);
}

buf_status_t buf_writable_to_sink(buf_sink_t sink, const buf_writable_options_t *options, buf_writable_t **out)
{
    if (!sink.writev)
        return BUF_EINVAL;
    return writable_new(-1, sink, options, out);
}

/* ---- The queue ------------------------------------------------------------------------------ */
/* Twice the room (16 slots at first). */
static bool queue_grow(buf_writable_t *writable)
{
    BUF_ASSERT(writable->queue_head == 0);
    const size_t capacity = writable->queue_capacity ? writable->queue_capacity * 2 : 16;
    struct iovec *pending = malloc(capacity * (sizeof *pending + sizeof *writable->owners));
    if (!pending)
        return false;
    buf_arraybuffer_t **owners = (buf_arraybuffer_t **)(pending + capacity);
    if (writable->queue_count) {
        memcpy(pending, writable->pending, writable->queue_count * sizeof *pending);
        memcpy(owners, writable->owners, writable->queue_count * sizeof *owners);
    }
    free(writable->pending);
    writable->pending = pending;
    writable->owners = owners;
    writable->queue_capacity = capacity;
    return true;
}

/* Drops the head chunk (fully written, or abandoned after an error); the queue starts at
 * slot 0 again once it is empty. */
static void queue_pop(buf_writable_t *writable)
{
    const size_t head = writable->queue_head;
    writable->queued_bytes -= writable->pending[head].iov_len;
    buf_arraybuffer_release(writable->owners[head]);
    writable->owners[head] = NULL;
    writable->queue_head = --writable->queue_count ? head + 1 : 0;
}

/* The whole queue was written (the common case: a sink or a pipe takes everything):
 * every chunk's reference goes, with none of a short write's per-chunk arithmetic. */
static void queue_release_written(buf_writable_t *writable)
{
    buf_arraybuffer_t **owners = writable->owners + writable->queue_head;
    for (size_t i = 0; i < writable->queue_count; i++)
        buf_arraybuffer_release(owners[i]);
    writable->queue_head = writable->queue_count = 0;
    writable->queued_bytes = 0;
}

static void queue_release_all(buf_writable_t *writable)
{
    while (writable->queue_count)
        queue_pop(writable);
    BUF_ASSERT(writable->queued_bytes == 0 && writable->queue_head == 0);
}

/* ---- Writing out ------------------------------------------------------------------------------ */
/* writev on the fd with SIGPIPE held back: returns bytes written or -errno.  A SIGPIPE this
 * write raised is taken off the pending set before the old mask returns; one that was
 * already pending (someone else's) is left alone. */
static long fd_writev(int fd, const struct iovec *iov, int count)
{
    sigset_t pipe_only, previous, pending;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &previous);
    sigpending(&pending);
    const bool already_pending = sigismember(&pending, SIGPIPE);
    long written = writev(fd, iov, count);
    const int error = errno;
    if (written < 0 && error == EPIPE && !already_pending) {
        const struct timespec no_wait = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &no_wait) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    return written < 0 ? -error : written;
}

/* One writev of `count` iovecs to the fd or the sink: bytes written or -errno (EINTR and
 * EAGAIN handled here). */
static long write_iov(buf_writable_t *writable, const struct iovec *iov, int count)
{
    for (;;) {
        const long written = writable->fd >= 0 ? fd_writev(writable->fd, iov, count)
                                               : writable->sink.writev(writable->sink.context, iov, count);
        if (written >= 0)
            return written;
        if (written == -EINTR)
            continue;
        if (written == -EAGAIN || written == -EWOULDBLOCK) {
            if (writable->fd >= 0) {
                struct pollfd wait_for = {.fd = writable->fd, .events = POLLOUT};
                (void)poll(&wait_for, 1, -1);
            } else {
                sched_yield();
            }
            continue;
        }
        return written;
    }
}

/* One writev of the queue's first IOV_MAX chunks, straight from the queue's iovecs. */
static long write_batch(buf_writable_t *writable)
{
    const size_t count = writable->queue_count < IOV_MAX ? writable->queue_count : IOV_MAX;
    return write_iov(writable, writable->pending + writable->queue_head, (int)count);
}

static buf_status_t fail(buf_writable_t *writable, int error)
{
    writable->saved_errno = error;
    writable->error = stream_status_for_errno(error);
    writable->accepting = false;
    queue_release_all(writable);
    writable->drain_pending = false;
    return writable->error;
}

/* Writes the whole queue (short writes continued); on_drain runs if a "full" was pending. */
static buf_status_t write_queue(buf_writable_t *writable)
{
    while (writable->queue_count) {
        long written = write_batch(writable);
        if (written < 0)
            return fail(writable, (int)-written);
        if (written == 0 && writable->queued_bytes > 0)
            return fail(writable, EIO); /* a sink that accepts nothing would spin forever */
        BUF_ASSERT((size_t)written <= writable->queued_bytes);
        writable->bytes_written += (uint64_t)written;
        if ((size_t)written == writable->queued_bytes && writable->queue_count <= IOV_MAX) {
            queue_release_written(writable);
            break;
        }
        size_t left = (size_t)written;
        while (left > 0) {
            struct iovec *head = &writable->pending[writable->queue_head];
            if (left < head->iov_len) { /* the rest of the head is written next */
                head->iov_base = (uint8_t *)head->iov_base + left;
                head->iov_len -= left;
                writable->queued_bytes -= left;
                break;
            }
            left -= head->iov_len;
            queue_pop(writable);
        }
    }
    if (writable->drain_pending) {
        writable->drain_pending = false;
        if (writable->on_drain)
            writable->on_drain(writable->drain_context);
    }
    return BUF_OK;
}

/* ---- The API ------------------------------------------------------------------------------ */
buf_status_t buf_writable_write(buf_writable_t *writable, const buf_buffer_t *chunk, bool *full)
{
    const uint8_t *bytes = chunk ? buf_buffer_data(chunk) : NULL;
    if (!writable || !bytes)
        return BUF_EINVAL;
    return stream_writable_write_known(writable, chunk, bytes, (size_t)buf_buffer_length(chunk), full);
}

/* The one write path.  The queue takes a reference to the chunk: a new one (clone), or
 * with `owned` the caller's own, moved in — and then released here whenever the chunk is
 * not queued (an empty chunk, an error, the end), so the caller never holds it after. */
static buf_status_t write_chunk(buf_writable_t *writable, const buf_buffer_t *chunk, bool owned, const uint8_t *bytes,
                                size_t length, bool *full)
{
    buf_status_t refused = BUF_OK;
    if (writable->error != BUF_OK)
        refused = writable->error;
    else if (writable->ended)
        refused = BUF_EINVAL; /* Node: ERR_STREAM_WRITE_AFTER_END */
    else if (length > 0 && writable->queue_count == writable->queue_capacity && !queue_grow(writable))
        refused = BUF_ENOMEM; /* nothing queued, nothing lost: the caller may retry */
    if (refused != BUF_OK || length == 0) {
        if (owned) {
            buf_buffer_t dropped = *chunk;
            buf_buffer_release(&dropped);
        }
        if (refused != BUF_OK)
            return refused;
    } else {
        /* the reference moves in, or a new one is taken (what buf_typed_clone takes) */
        stream_writable_queue_push(writable, owned ? chunk->buffer : buf_arraybuffer_retain(chunk->buffer), bytes, length);
    }
    const bool is_full = writable->queued_bytes >= writable->high_water_mark;
    if (full)
        *full = is_full;
    if (!is_full)
        return BUF_OK;
    writable->drain_pending = true;
    return write_queue(writable);
}

buf_status_t stream_writable_write_known(buf_writable_t *writable, const buf_buffer_t *chunk, const uint8_t *bytes,
                                         size_t length, bool *full)
{
    return write_chunk(writable, chunk, false, bytes, length, full);
}

/* The pipe's path (stream_writable_write_owned_fast takes the common case inline): the
 * chunk's reference moves in, and the bytes queued after the write come back (the pipe's
 * in-flight count needs them: a call to buf_writable_queued a chunk less). */
buf_status_t stream_writable_write_owned(buf_writable_t *writable, const buf_buffer_t *chunk, const uint8_t *bytes,
                                         size_t length, size_t *queued)
{
    const buf_status_t status = write_chunk(writable, chunk, true, bytes, length, NULL);
    *queued = writable->queued_bytes;
    return status;
}

buf_status_t stream_writable_write_out(buf_writable_t *writable)
{
    writable->drain_pending = true;
    return write_queue(writable);
}

buf_status_t buf_writable_flush(buf_writable_t *writable)
{
    if (!writable)
        return BUF_EINVAL;
    if (writable->error != BUF_OK)
        return writable->error;
    return write_queue(writable);
}

buf_status_t buf_writable_end(buf_writable_t *writable)
{
    if (!writable)
        return BUF_EINVAL;
    buf_status_t status = buf_writable_flush(writable);
    writable->ended = true;
    writable->accepting = false;
    return status;
}

uint64_t buf_writable_bytes_written(const buf_writable_t *writable) { return writable ? writable->bytes_written : 0; }
size_t buf_writable_queued(const buf_writable_t *writable) { return writable ? writable->queued_bytes : 0; }
int buf_writable_errno(const buf_writable_t *writable) { return writable ? writable->saved_errno : 0; }

void buf_writable_destroy(buf_writable_t *writable)
{
    if (!writable)
        return;
    queue_release_all(writable);
    free(writable->pending);
    free(writable);
}
