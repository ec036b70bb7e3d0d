/* pipe.c — buf_pipe_run and buf_pipe_run_threaded: readable -> transforms -> writable.
 *
 * Bytes in flight are the bytes the pipe holds in chunks: the chunk being read, chunks
 * waiting in the hand-off queue (threaded), the input chunk going through the transforms,
 * and the bytes queued in the writable.  A chunk is counted once per holder (a chunk a
 * transform passes on unchanged counts twice while both hold it), so real memory is never
 * above the figure.  The bound:
 *   - a chunk is read only when in_flight + 2 x chunk_size <= max_in_flight: room for the
 *     chunk and for one emitted chunk of the same size;
 *   - an emitted chunk that would take in_flight above max_in_flight first writes out the
 *     writable's queue.
 * So with transforms that emit chunks no larger than the readable's chunk size the peak
 * never exceeds max_in_flight (which must be >= 2 x chunk size; default 4 x), and in
 * general it exceeds it by at most the largest emitted chunk minus the chunk size.
 *
 * The threaded pipe reads on a second thread into a queue of at most QUEUE_SLOTS chunks;
 * this thread runs the transforms and the writable, and releases every chunk (each was
 * allocated on the reader thread: every backend allows the cross-thread free, and the
 * queue's mutex orders the chunk's reference count between the threads).  Before this
 * thread waits for an empty queue it writes out the writable, so the reader is never left
 * waiting for room that only a flush would free.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/core_assert.h"
#include "stream_internal.h"

/* Chunks the threaded pipe's queue holds at most, whatever their size (1-byte chunks
 * would otherwise need a queue as long as the byte bound). */
#define QUEUE_SLOTS 64

/* ---- State ------------------------------------------------------------------------------ */
typedef struct pipe_run pipe_run_t;

/* The emit context of stage `index`: transform `index`, or the writable when index ==
 * transform_count. */
typedef struct pipe_stage {
    pipe_run_t *run;
    size_t index;
} pipe_stage_t;

struct pipe_run {
    buf_readable_t *readable;
    const buf_transform_t *transforms;
    size_t transform_count;
    buf_writable_t *writable;
    pipe_stage_t *stages;
    size_t chunk_size, max_in_flight;
    bool threaded;
    pthread_mutex_t lock; /* threaded: guards everything below */
    pthread_cond_t changed;
    size_t reading_bytes;  /* reserved for the read under way (reader thread) */
    size_t queue_bytes;    /* in the hand-off queue */
    size_t input_bytes;    /* the input chunk the transforms work on */
    const buf_buffer_t *input_chunk; /* that chunk, and its bytes (read once per chunk) */
    const uint8_t *input_data;
    size_t writable_bytes; /* queued in the writable, as last seen */
    uint64_t peak_in_flight;
    buf_buffer_t queue[QUEUE_SLOTS];
    size_t queue_head, queue_count;
    bool reader_done;           /* the reader thread pushed its last chunk */
    buf_status_t reader_status; /* BUF_EOF or the readable's error, once reader_done */
    bool stop;                  /* the consumer failed: the reader stops reading */
};

static void lock(pipe_run_t *run)
{
    if (run->threaded)
        pthread_mutex_lock(&run->lock);
}

static void unlock(pipe_run_t *run)
{
    if (run->threaded)
        pthread_mutex_unlock(&run->lock);
}

static size_t in_flight(const pipe_run_t *run)
{
    return run->reading_bytes + run->queue_bytes + run->input_bytes + run->writable_bytes;
}

/* Records the figure; call with the lock held. */
static void note_in_flight(pipe_run_t *run, size_t extra)
{
    const uint64_t now = in_flight(run) + extra;
    if (now > run->peak_in_flight)
        run->peak_in_flight = now;
}

/* The consumer's holdings changed (input chunk, writable queue): publish them. */
static void publish_consumer(pipe_run_t *run)
{
    lock(run);
    run->writable_bytes = buf_writable_queued(run->writable);
    note_in_flight(run, 0);
    if (run->threaded)
        pthread_cond_broadcast(&run->changed);
    unlock(run);
}

/* ---- The transform chain ------------------------------------------------------------------ */
static buf_status_t emit_into_stage(void *emit_context, const buf_buffer_t *chunk)
{
    pipe_stage_t *stage = emit_context;
    pipe_run_t *run = stage->run;
    if (stage->index < run->transform_count) {
        const buf_transform_t *transform = &run->transforms[stage->index];
        return transform->transform(transform->context, chunk, emit_into_stage, &run->stages[stage->index + 1]);
    }
    /* the input chunk passed on unchanged: its bytes and length are known already */
    const bool is_input = chunk == run->input_chunk;
    const uint8_t *bytes = is_input ? run->input_data : buf_buffer_data(chunk);
    const size_t length = is_input ? run->input_bytes : (size_t)buf_buffer_length(chunk);
    if (!bytes)
        return BUF_EINVAL;
    lock(run);
    const bool over = in_flight(run) + length > run->max_in_flight;
    unlock(run);
    if (over) {
        buf_status_t status = buf_writable_flush(run->writable);
        publish_consumer(run);
        if (status != BUF_OK)
            return status;
    }
    lock(run);
    note_in_flight(run, length);
    unlock(run);
    buf_status_t status = stream_writable_write_known(run->writable, chunk, bytes, length, NULL);
    publish_consumer(run);
    return status;
}

/* Sends one input chunk through the chain; the chunk stays the caller's. */
static buf_status_t process_chunk(pipe_run_t *run, const buf_buffer_t *chunk, const uint8_t *bytes)
{
    run->input_chunk = chunk;
    run->input_data = bytes;
    const buf_status_t status = emit_into_stage(&run->stages[0], chunk);
    run->input_chunk = NULL;
    return status;
}

/* The readable ended: every transform's flush, in order, then the writable's end. */
static buf_status_t finish_chain(pipe_run_t *run)
{
    for (size_t i = 0; i < run->transform_count; i++) {
        const buf_transform_t *transform = &run->transforms[i];
        if (!transform->flush)
            continue;
        buf_status_t status = transform->flush(transform->context, emit_into_stage, &run->stages[i + 1]);
        if (status != BUF_OK)
            return status;
    }
    buf_status_t status = buf_writable_end(run->writable);
    publish_consumer(run);
    return status;
}

/* The readable failed: what was read before the failure is still written (so
 * bytes_written = bytes_read when the writable can take it), and the readable's status is
 * the pipe's. */
static buf_status_t finish_after_source_error(pipe_run_t *run, buf_status_t source_status)
{
    (void)buf_writable_flush(run->writable);
    publish_consumer(run);
    return source_status;
}

/* ---- Setup ---------------------------------------------------------------------------------- */
static buf_status_t pipe_setup(pipe_run_t *run, buf_readable_t *readable, const buf_transform_t *transforms,
                               size_t transform_count, buf_writable_t *writable, const buf_pipe_options_t *options,
                               bool threaded)
{
    if (!readable || !writable || (!transforms && transform_count))
        return BUF_EINVAL;
    for (size_t i = 0; i < transform_count; i++)
        if (!transforms[i].transform)
            return BUF_EINVAL;
    run->readable = readable;
    run->transforms = transforms;
    run->transform_count = transform_count;
    run->writable = writable;
    run->chunk_size = stream_readable_chunk_size(readable);
    run->max_in_flight = options && options->max_in_flight ? options->max_in_flight : 4 * run->chunk_size;
    if (run->max_in_flight < 2 * run->chunk_size)
        return BUF_EINVAL;
    run->threaded = threaded;
    run->stages = malloc((transform_count + 1) * sizeof *run->stages);
    if (!run->stages)
        return BUF_ENOMEM;
    for (size_t i = 0; i <= transform_count; i++)
        run->stages[i] = (pipe_stage_t){run, i};
    run->writable_bytes = buf_writable_queued(writable);
    return BUF_OK;
}

static buf_status_t pipe_finish(pipe_run_t *run, buf_status_t status, buf_pipe_result_t *result)
{
    free(run->stages);
    if (result) {
        result->status = status;
        result->bytes_read = buf_readable_bytes_read(run->readable);
        result->bytes_written = buf_writable_bytes_written(run->writable);
        result->peak_in_flight = run->peak_in_flight;
    }
    return status;
}

/* ---- One thread ------------------------------------------------------------------------------ */
/* No transform: each chunk goes from the readable straight into the writable's queue, its
 * reference moved twice (readable -> here -> writable, stream_writable_write_owned_fast)
 * and never counted up or down on the way; no stage, no lock test, no publishing call;
 * the common read and write inlined here (stream_internal.h), the writable's queued bytes
 * read from its state (a call to buf_writable_queued was ~7 instructions a chunk).  The
 * bound and the peak are the general loop's to the byte (the same checks at the same
 * points: before the read, before the write, after it), so test_stream's in-flight
 * figures hold for both.  At 1 KiB chunks the general loop's bookkeeping was ~250 of the
 * ~850 instructions a chunk of stream_pipe/malloc (callgrind). */
static buf_status_t run_direct(pipe_run_t *run)
{
    buf_readable_t *readable = run->readable;
    buf_writable_t *writable = run->writable;
    const size_t chunk_size = run->chunk_size, max_in_flight = run->max_in_flight;
    size_t queued = run->writable_bytes;
    uint64_t peak = run->peak_in_flight;
    buf_status_t status;
    for (;;) {
        if (queued + 2 * chunk_size > max_in_flight) {
            status = buf_writable_flush(writable);
            queued = writable->queued_bytes;
            if (status != BUF_OK)
                break;
        }
        buf_buffer_t chunk;
        const uint8_t *bytes;
        size_t length;
        if (stream_readable_next_is_whole_block(readable)) {
            /* A whole block of chunk_size bytes: the checks of the general path below,
             * known here.  The bound just tested leaves room for the chunk twice (no flush
             * after the read), and the figure after the read, queued + 2 x chunk_size, is
             * the highest of the three (before the read it is queued + chunk_size; after
             * the write, chunk_size + the queue, which is queued + chunk_size, or
             * chunk_size when the writable wrote its queue out). */
            length = chunk_size;
            if (queued + 2 * length > peak)
                peak = queued + 2 * length;
            buf_arraybuffer_t *block = NULL;
            status = stream_readable_read_whole_block(readable, &block, &bytes);
            if (status != BUF_OK) {
                status = finish_after_source_error(run, status);
                queued = writable->queued_bytes;
                break;
            }
            if (stream_writable_append(writable, block, bytes, length, &status)) {
                queued = writable->queued_bytes;
            } else { /* the writable refuses it: the general write says why */
                chunk = stream_block_view(block, 0, length);
                status = stream_writable_write_owned(writable, &chunk, bytes, length, &queued);
            }
            BUF_ASSERT(length + queued <= peak);
            if (status != BUF_OK)
                break;
            continue;
        }
        if (queued + chunk_size > peak)
            peak = queued + chunk_size; /* the chunk being read */
        status = stream_readable_read_known(readable, &chunk, &bytes, &length);
        if (status != BUF_OK) {
            status = status == BUF_EOF ? buf_writable_end(writable) : finish_after_source_error(run, status);
            queued = writable->queued_bytes;
            break;
        }
        /* in flight now: the input chunk, the queue, and the chunk as the writable takes it */
        if (length + queued + length > max_in_flight) {
            status = buf_writable_flush(writable);
            queued = writable->queued_bytes;
            if (status != BUF_OK) {
                buf_buffer_release(&chunk);
                break;
            }
        }
        if (queued + 2 * length > peak)
            peak = queued + 2 * length;
        status = stream_writable_write_owned_fast(writable, &chunk, bytes, length, &queued);
        if (length + queued > peak)
            peak = length + queued;
        if (status != BUF_OK)
            break;
    }
    run->writable_bytes = queued;
    if (queued > peak)
        peak = queued;
    run->peak_in_flight = peak;
    return status;
}

buf_status_t buf_pipe_run(buf_readable_t *readable, const buf_transform_t *transforms, size_t transform_count,
                          buf_writable_t *writable, const buf_pipe_options_t *options, buf_pipe_result_t *result)
{
    pipe_run_t run = {0};
    buf_status_t status = pipe_setup(&run, readable, transforms, transform_count, writable, options, false);
    if (status != BUF_OK)
        return status;
    if (transform_count == 0)
        return pipe_finish(&run, run_direct(&run), result);
    for (;;) {
        if (in_flight(&run) + 2 * run.chunk_size > run.max_in_flight) {
            status = buf_writable_flush(writable);
            publish_consumer(&run);
            if (status != BUF_OK)
                break;
        }
        buf_buffer_t chunk;
        const uint8_t *bytes;
        size_t length;
        note_in_flight(&run, run.chunk_size); /* the chunk being read */
        status = stream_readable_read_known(readable, &chunk, &bytes, &length);
        if (status == BUF_EOF) {
            status = finish_chain(&run);
            break;
        }
        if (status != BUF_OK) {
            status = finish_after_source_error(&run, status);
            break;
        }
        run.input_bytes = length;
        status = process_chunk(&run, &chunk, bytes);
        buf_buffer_release(&chunk);
        run.input_bytes = 0;
        if (status != BUF_OK)
            break;
    }
    return pipe_finish(&run, status, result);
}

/* ---- Two threads ------------------------------------------------------------------------------ */
static void *reader_thread(void *argument)
{
    pipe_run_t *run = argument;
    for (;;) {
        pthread_mutex_lock(&run->lock);
        while (!run->stop &&
               (run->queue_count == QUEUE_SLOTS || in_flight(run) + 2 * run->chunk_size > run->max_in_flight))
            pthread_cond_wait(&run->changed, &run->lock);
        if (run->stop) {
            run->reader_done = true;
            run->reader_status = BUF_OK;
            pthread_cond_broadcast(&run->changed);
            pthread_mutex_unlock(&run->lock);
            return NULL;
        }
        run->reading_bytes = run->chunk_size;
        note_in_flight(run, 0);
        pthread_mutex_unlock(&run->lock);

        buf_buffer_t chunk;
        buf_status_t status = buf_readable_read(run->readable, &chunk);

        pthread_mutex_lock(&run->lock);
        run->reading_bytes = 0;
        if (status == BUF_OK) {
            run->queue[(run->queue_head + run->queue_count++) % QUEUE_SLOTS] = chunk;
            run->queue_bytes += (size_t)buf_buffer_length(&chunk);
        } else {
            run->reader_done = true;
            run->reader_status = status;
        }
        pthread_cond_broadcast(&run->changed);
        pthread_mutex_unlock(&run->lock);
        if (status != BUF_OK)
            return NULL;
    }
}

/* The next chunk from the queue into *chunk (BUF_OK), or the reader's final status
 * (*from_reader set), or the writable's failure.  Writes out the writable before waiting,
 * so held bytes never block the reader. */
static buf_status_t take_chunk(pipe_run_t *run, buf_buffer_t *chunk, bool *from_reader)
{
    pthread_mutex_lock(&run->lock);
    while (run->queue_count == 0 && !run->reader_done) {
        if (run->writable_bytes > 0) {
            pthread_mutex_unlock(&run->lock);
            buf_status_t status = buf_writable_flush(run->writable);
            publish_consumer(run);
            if (status != BUF_OK)
                return status;
            pthread_mutex_lock(&run->lock);
            continue;
        }
        pthread_cond_wait(&run->changed, &run->lock);
    }
    buf_status_t status = run->reader_status;
    *from_reader = true;
    if (run->queue_count > 0) {
        *chunk = run->queue[run->queue_head];
        run->queue_head = (run->queue_head + 1) % QUEUE_SLOTS;
        run->queue_count--;
        const size_t length = (size_t)buf_buffer_length(chunk);
        run->queue_bytes -= length;
        run->input_bytes = length;
        pthread_cond_broadcast(&run->changed);
        status = BUF_OK;
    }
    pthread_mutex_unlock(&run->lock);
    return status;
}

buf_status_t buf_pipe_run_threaded(buf_readable_t *readable, const buf_transform_t *transforms,
                                   size_t transform_count, buf_writable_t *writable,
                                   const buf_pipe_options_t *options, buf_pipe_result_t *result)
{
    pipe_run_t *run = calloc(1, sizeof *run);
    if (!run)
        return BUF_ENOMEM;
    buf_status_t status = pipe_setup(run, readable, transforms, transform_count, writable, options, true);
    if (status != BUF_OK) {
        free(run->stages);
        free(run);
        return status;
    }
    pthread_mutex_init(&run->lock, NULL);
    pthread_cond_init(&run->changed, NULL);
    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_thread, run) != 0) {
        status = pipe_finish(run, BUF_ENOMEM, result);
        pthread_cond_destroy(&run->changed);
        pthread_mutex_destroy(&run->lock);
        free(run);
        return status;
    }
    for (;;) {
        buf_buffer_t chunk;
        bool from_reader = false;
        status = take_chunk(run, &chunk, &from_reader);
        if (status == BUF_EOF) {
            status = finish_chain(run);
            break;
        }
        if (status != BUF_OK) {
            if (from_reader)
                status = finish_after_source_error(run, status);
            break;
        }
        status = process_chunk(run, &chunk, buf_buffer_data(&chunk));
        buf_buffer_release(&chunk);
        lock(run);
        run->input_bytes = 0;
        pthread_cond_broadcast(&run->changed);
        unlock(run);
        if (status != BUF_OK)
            break;
    }
    /* Stop the reader (if it still runs), then release what it left in the queue: those
     * bytes were read but will never be written (bytes_read - bytes_written says how many). */
    lock(run);
    run->stop = true;
    pthread_cond_broadcast(&run->changed);
    unlock(run);
    pthread_join(reader, NULL);
    while (run->queue_count > 0) {
        buf_buffer_release(&run->queue[run->queue_head]);
        run->queue_head = (run->queue_head + 1) % QUEUE_SLOTS;
        run->queue_count--;
    }
    status = pipe_finish(run, status, result);
    pthread_cond_destroy(&run->changed);
    pthread_mutex_destroy(&run->lock);
    free(run);
    return status;
}
