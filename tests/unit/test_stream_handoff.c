/* test_stream_handoff.c — how a chunk travels: the readable's views and the pipe's direct
 * hand-off, over every backend.
 *
 * The readable builds its chunk views itself (no buf_buffer_from_arraybuffer call) and,
 * with reuse off, gives its own reference to a whole-block chunk away; the pipe without
 * transforms moves each chunk into the writable's queue instead of counting a reference
 * up and down.  The properties that pins:
 *   - every chunk is exactly the view buf_buffer_from_arraybuffer builds for its range
 *     (same kind, offset, length: every Buffer function then treats it the same);
 *   - with reuse off a released whole chunk goes back to the backend at once (the
 *     readable keeps no reference to it), with reuse on the readable keeps it as a spare;
 *   - the pipe without transforms and the pipe with a pass-through transform (the general
 *     path) write the same bytes, report the same counters and the same peak in flight,
 *     stay under the bound, and leave no block behind — also when the sink fails.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "buf_stream.h"
#include "test_support.h"

/* ---- The readable's views ---------------------------------------------------------------- */
/* Reads everything; each chunk must equal the checked view of its range. */
static void expect_checked_views(buf_backend_t *backend, size_t chunk, size_t read_size, bool reuse,
                                 const char *spec)
{
    const size_t length = 20000 + chunk;
    uint8_t *data = test_random_bytes(length, (uint32_t)(chunk + read_size));
    const buf_readable_options_t options = {.high_water_mark = chunk};
    buf_readable_t *readable = NULL;
    cr_assert_eq(buf_readable_from_memory(backend, data, length, &options, &readable), BUF_OK);
    cr_assert_eq(buf_readable_set_read_size(readable, read_size), BUF_OK);
    cr_assert_eq(buf_readable_set_block_reuse(readable, reuse), BUF_OK);
    buf_buffer_t got;
    size_t offset = 0;
    buf_status_t status;
    while ((status = buf_readable_read(readable, &got)) == BUF_OK) {
        buf_buffer_t checked;
        cr_assert_eq(buf_buffer_from_arraybuffer(got.buffer, got.byte_offset, got.fixed_length, &checked), BUF_OK,
                     "%s, chunk %zu, read size %zu: the chunk's range is inside its block", spec, chunk, read_size);
        cr_assert_eq(got.kind, checked.kind, "%s: a Buffer is a Uint8Array", spec);
        cr_assert_eq(got.length_tracking, checked.length_tracking);
        cr_assert_eq(got.byte_offset, checked.byte_offset);
        cr_assert_eq(got.fixed_length, checked.fixed_length);
        cr_assert_eq(buf_buffer_length(&got), buf_buffer_length(&checked));
        cr_assert_eq(buf_buffer_data(&got), buf_buffer_data(&checked));
        cr_assert(memcmp(buf_buffer_data(&got), data + offset, (size_t)got.fixed_length) == 0, "%s: bytes at %zu",
                  spec, offset);
        offset += (size_t)got.fixed_length;
        buf_buffer_release(&checked);
        buf_buffer_release(&got);
    }
    if (!(test_spec_injects_failures(spec) && status == BUF_ENOMEM)) {
        cr_assert_eq(status, BUF_EOF, "%s: %s", spec, buf_status_name(status));
        cr_assert_eq(offset, length);
    }
    buf_readable_destroy(readable);
    free(data);
}

Test(stream_handoff, every_chunk_is_the_checked_view_of_its_range)
{
    static const size_t chunks[] = {1, 7, 4096};
    static const size_t read_sizes[] = {0, 10000};
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++)
            for (size_t r = 0; r < 2; r++)
                for (int reuse = 0; reuse < 2; reuse++)
                    expect_checked_views(backend, chunks[c], read_sizes[r], reuse, spec);
        test_close_backend_clean(backend);
    }
}

Test(stream_handoff, without_reuse_a_released_whole_chunk_is_freed_at_once)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue; /* exact counts: no injected failure */
        buf_backend_t *backend = test_open_backend(spec);
        uint8_t *data = test_random_bytes(3 * 4096, 5);
        for (int reuse = 0; reuse < 2; reuse++) {
            const buf_readable_options_t options = {.high_water_mark = 4096};
            buf_readable_t *readable = NULL;
            cr_assert_eq(buf_readable_from_memory(backend, data, 3 * 4096, &options, &readable), BUF_OK);
            cr_assert_eq(buf_readable_set_block_reuse(readable, reuse), BUF_OK);
            buf_buffer_t chunk;
            cr_assert_eq(buf_readable_read(readable, &chunk), BUF_OK);
            cr_assert_eq(buf_buffer_length(&chunk), 4096);
            cr_expect_eq(buf_arraybuffer_refcount(chunk.buffer), reuse ? 2 : 1,
                         "%s, reuse %d: references to a whole-block chunk", spec, reuse);
            buf_buffer_release(&chunk);
            buf_backend_stats_t stats;
            buf_backend_get_stats(backend, &stats);
            if (reuse)
                cr_expect_gt(stats.bytes_live, 0, "%s: with reuse the readable keeps the block", spec);
            else
                cr_expect_eq(stats.bytes_live, 0, "%s: without reuse the released chunk went back at once", spec);
            buf_readable_destroy(readable);
        }
        free(data);
        test_close_backend_clean(backend);
    }
}

/* ---- The pipe's direct hand-off ----------------------------------------------------------- */
typedef struct collecting_sink {
    uint8_t *bytes;
    size_t length, capacity;
    size_t max_per_call; /* 0: everything */
    int calls_left;      /* -1: never fails; else the call that many calls on fails with EIO */
} collecting_sink_t;

static long collect_writev(void *context, const struct iovec *iov, int iovcnt)
{
    collecting_sink_t *sink = context;
    if (sink->calls_left == 0)
        return -EIO;
    if (sink->calls_left > 0)
        sink->calls_left--;
    return (long)test_sink_append(&sink->bytes, &sink->length, &sink->capacity, sink->max_per_call, iov, iovcnt);
}

static buf_status_t pass_through(void *context, const buf_buffer_t *chunk, buf_emit_fn emit, void *emit_context)
{
    (void)context;
    return emit(emit_context, chunk);
}

typedef struct pipe_outcome {
    buf_status_t status;
    buf_pipe_result_t result;
    collecting_sink_t sink;
} pipe_outcome_t;

static pipe_outcome_t run_pipe_reusing(buf_backend_t *backend, const uint8_t *data, size_t length, size_t chunk,
                                       size_t max_in_flight, size_t max_per_call, int failing_call,
                                       bool with_transform, bool reuse)
{
    pipe_outcome_t outcome = {.sink = {.max_per_call = max_per_call, .calls_left = failing_call}};
    const buf_readable_options_t read_options = {.high_water_mark = chunk};
    buf_readable_t *readable = NULL;
    cr_assert_eq(buf_readable_from_memory(backend, data, length, &read_options, &readable), BUF_OK);
    cr_assert_eq(buf_readable_set_block_reuse(readable, reuse), BUF_OK);
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_sink((buf_sink_t){collect_writev, &outcome.sink}, NULL, &writable), BUF_OK);
    const buf_transform_t transform = {pass_through, NULL, NULL};
    const buf_pipe_options_t options = {.max_in_flight = max_in_flight};
    outcome.status =
        buf_pipe_run(readable, with_transform ? &transform : NULL, with_transform, writable, &options, &outcome.result);
    buf_writable_destroy(writable);
    buf_readable_destroy(readable);
    return outcome;
}

static pipe_outcome_t run_pipe(buf_backend_t *backend, const uint8_t *data, size_t length, size_t chunk,
                               size_t max_in_flight, size_t max_per_call, int failing_call, bool with_transform)
{
    return run_pipe_reusing(backend, data, length, chunk, max_in_flight, max_per_call, failing_call, with_transform,
                            false);
}

Test(stream_handoff, pipe_without_transforms_equals_the_general_path)
{
    static const size_t chunks[] = {1, 7, 1000, 4096};
    static const size_t max_per_calls[] = {0, 333};
    static const int failing_calls[] = {-1, 1}; /* never, or the second writev */
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue; /* test_stream_faults covers allocation failures in the pipe */
        buf_backend_t *backend = test_open_backend(spec);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            /* 200 chunks, at most ~50 KB: mmap's one mapping a chunk stays quick */
            const size_t chunk = chunks[c], length = (chunk * 200 < 50000 ? chunk * 200 : 50000) + c;
            uint8_t *data = test_random_bytes(length, (uint32_t)c);
            const size_t bounds[] = {0, 2 * chunk, 3 * chunk + 5, 65536};
            for (size_t b = 0; b < 4; b++)
                for (size_t m = 0; m < 2; m++)
                    for (size_t f = 0; f < 2; f++) {
                        char what[160];
                        snprintf(what, sizeof what, "%s, chunk %zu, bound %zu, %zu a call, failing call %d", spec,
                                 chunk, bounds[b], max_per_calls[m], failing_calls[f]);
                        pipe_outcome_t direct = run_pipe(backend, data, length, chunk, bounds[b], max_per_calls[m],
                                                         failing_calls[f], false);
                        pipe_outcome_t general = run_pipe(backend, data, length, chunk, bounds[b], max_per_calls[m],
                                                          failing_calls[f], true);
                        cr_expect_eq(direct.status, general.status, "%s: %s, general %s", what,
                                     buf_status_name(direct.status), buf_status_name(general.status));
                        if (failing_calls[f] < 0 || length > 3 * BUF_STREAM_DEFAULT_WRITE_MARK)
                            cr_expect_eq(direct.status, failing_calls[f] < 0 ? BUF_OK : BUF_EIO, "%s", what);
                        cr_expect_eq(direct.result.bytes_read, general.result.bytes_read, "%s", what);
                        cr_expect_eq(direct.result.bytes_written, general.result.bytes_written, "%s", what);
                        cr_expect_eq(direct.result.peak_in_flight, general.result.peak_in_flight,
                                     "%s: peak %llu, general %llu", what,
                                     (unsigned long long)direct.result.peak_in_flight,
                                     (unsigned long long)general.result.peak_in_flight);
                        const size_t bound = bounds[b] ? bounds[b] : 4 * chunk;
                        cr_expect_leq(direct.result.peak_in_flight, bound, "%s", what);
                        cr_assert_eq(direct.sink.length, direct.result.bytes_written, "%s", what);
                        cr_assert(memcmp(direct.sink.bytes, data, direct.sink.length) == 0, "%s: the bytes", what);
                        free(direct.sink.bytes);
                        free(general.sink.bytes);
                    }
            free(data);
        }
        test_close_backend_clean(backend); /* every chunk was released: none moved twice or lost */
    }
}

/* With block reuse on, the pipe without transforms takes each block from the readable's
 * spares on its inlined path (stream_readable_reused_block): the same bytes, counters and
 * peak as the general path with reuse, a handful of blocks from the backend for hundreds
 * of chunks (a spare is read into again once the writable has let it go), and none left
 * once the readable is gone. */
Test(stream_handoff, pipe_with_reuse_reads_into_released_blocks_as_the_general_path_does)
{
    static const size_t chunks[] = {7, 1000, 4096};
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue; /* exact counts; test_stream_faults covers allocation failures */
        buf_backend_t *backend = test_open_backend(spec);
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            const size_t chunk = chunks[c], length = 300 * chunk + c; /* 300 chunks and a short tail */
            uint8_t *data = test_random_bytes(length, (uint32_t)(40 + c));
            buf_backend_stats_t before, after;
            pipe_outcome_t outcome[2];
            uint64_t blocks[2];
            for (int general = 0; general < 2; general++) {
                buf_backend_get_stats(backend, &before);
                outcome[general] = run_pipe_reusing(backend, data, length, chunk, 0, 0, -1, general, true);
                buf_backend_get_stats(backend, &after);
                blocks[general] = after.allocs - before.allocs;
                cr_expect_eq(after.bytes_live, before.bytes_live, "%s, chunk %zu, %s path: every block went back",
                             spec, chunk, general ? "general" : "direct");
                cr_expect_eq(outcome[general].status, BUF_OK, "%s, chunk %zu", spec, chunk);
                cr_assert_eq(outcome[general].sink.length, length, "%s, chunk %zu", spec, chunk);
                cr_expect(memcmp(outcome[general].sink.bytes, data, length) == 0, "%s, chunk %zu, %s path: the bytes",
                          spec, chunk, general ? "general" : "direct");
                free(outcome[general].sink.bytes);
            }
            cr_expect_eq(outcome[0].result.bytes_read, outcome[1].result.bytes_read);
            cr_expect_eq(outcome[0].result.peak_in_flight, outcome[1].result.peak_in_flight,
                         "%s, chunk %zu: peak %llu, general %llu", spec, chunk,
                         (unsigned long long)outcome[0].result.peak_in_flight,
                         (unsigned long long)outcome[1].result.peak_in_flight);
            /* the bound of 4 chunks keeps at most 4 blocks held; the allocations beyond the
             * blocks are the pipe's own (its stage array) and the writable's queue */
            cr_expect_leq(blocks[0], 10, "%s, chunk %zu: %llu allocations for 301 chunks with reuse", spec, chunk,
                          (unsigned long long)blocks[0]);
            free(data);
        }
        test_close_backend_clean(backend);
    }
}

/* ---- A writable that no longer takes chunks ------------------------------------------------ */
static long accept_everything(void *context, const struct iovec *iov, int iovcnt)
{
    (void)context;
    long total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += (long)iov[i].iov_len;
    return total;
}

static long fail_with_eio(void *context, const struct iovec *iov, int iovcnt)
{
    (void)context;
    (void)iov;
    (void)iovcnt;
    return -EIO;
}

/* The pipe's inlined write asks the writable one question (does it still take chunks?):
 * an ended writable refuses the first chunk with BUF_EINVAL, one that failed before with its
 * error, and either way the chunk is released and nothing more is read. */
Test(stream_handoff, a_writable_that_ended_or_failed_refuses_the_first_chunk)
{
    buf_backend_t *backend = test_open_backend("slab");
    const size_t length = 8 * 1024;
    uint8_t *data = test_random_bytes(length, 7);
    for (int failed = 0; failed < 2; failed++) {
        buf_writable_t *writable = NULL;
        const buf_sink_t sink = {failed ? fail_with_eio : accept_everything, NULL};
        cr_assert_eq(buf_writable_to_sink(sink, NULL, &writable), BUF_OK);
        /* one chunk first, so the queue has room: the refusal is the writable's state alone */
        buf_buffer_t chunk;
        cr_assert_eq(buf_buffer_alloc(backend, 16, &chunk), BUF_OK);
        cr_assert_eq(buf_writable_write(writable, &chunk, NULL), BUF_OK);
        buf_buffer_release(&chunk);
        if (failed)
            cr_assert_eq(buf_writable_flush(writable), BUF_EIO); /* the writable holds BUF_EIO */
        else
            cr_assert_eq(buf_writable_end(writable), BUF_OK); /* written, then ended */
        const buf_status_t expected = failed ? BUF_EIO : BUF_EINVAL;
        buf_readable_t *readable = NULL;
        const buf_readable_options_t options = {.high_water_mark = 1024};
        cr_assert_eq(buf_readable_from_memory(backend, data, length, &options, &readable), BUF_OK);
        buf_pipe_result_t result;
        cr_expect_eq(buf_pipe_run(readable, NULL, 0, writable, NULL, &result), expected, "%s writable",
                     failed ? "a failed" : "an ended");
        cr_expect_eq(result.bytes_read, 1024, "one chunk read, then the pipe stopped");
        cr_expect_eq(result.bytes_written, failed ? 0 : 16, "the writable's count: nothing of the pipe's");
        buf_readable_destroy(readable);
        buf_writable_destroy(writable);
    }
    free(data);
    test_close_backend_clean(backend); /* the refused chunk went back */
}
