/* test_stream_threads.c — buf_pipe_run_threaded: reading on a second thread, every backend.
 *
 * The reader thread allocates every chunk; this thread writes and releases it, so every
 * free is a cross-thread free, handed over through the pipe's queue.  Output = input, the
 * bytes in flight stay under the bound, a sink that fails mid-stream stops the reader and
 * every chunk (queued ones too) goes back to the backend.  Built into the TSan runner
 * (suite names threads_* as the other threaded tests; `make test` runs it under TSan).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "buf_stream.h"
#include "test_support.h"

typedef struct checking_sink {
    const uint8_t *expected;
    size_t offset, fail_after; /* fail_after: -EIO once this many bytes are taken (0: never) */
    int mismatches;
} checking_sink_t;

static long check_writev(void *context, const struct iovec *iov, int iovcnt)
{
    checking_sink_t *sink = context;
    if (sink->fail_after && sink->offset >= sink->fail_after)
        return -EIO;
    long taken = 0;
    for (int i = 0; i < iovcnt; i++) {
        if (memcmp(iov[i].iov_base, sink->expected + sink->offset, iov[i].iov_len) != 0)
            sink->mismatches++;
        sink->offset += iov[i].iov_len;
        taken += (long)iov[i].iov_len;
    }
    return taken;
}

static buf_status_t pass_through(void *context, const buf_buffer_t *chunk, buf_emit_fn emit, void *emit_context)
{
    (void)context;
    return emit(emit_context, chunk);
}

static void run_threaded(const char *spec, size_t length, size_t chunk_size, size_t fail_after, bool reuse)
{
    uint8_t *data = malloc(length);
    for (size_t i = 0; i < length; i++)
        data[i] = (uint8_t)(i * 7 + (i >> 10));
    buf_backend_t *backend = test_open_backend(spec);
    buf_readable_t *readable = NULL;
    const buf_readable_options_t read_options = {.high_water_mark = chunk_size};
    cr_assert_eq(buf_readable_from_memory(backend, data, length, &read_options, &readable), BUF_OK);
    cr_assert_eq(buf_readable_set_block_reuse(readable, reuse), BUF_OK);
    checking_sink_t sink = {.expected = data, .fail_after = fail_after};
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_sink((buf_sink_t){check_writev, &sink}, NULL, &writable), BUF_OK);
    const buf_transform_t transform = {pass_through, NULL, NULL};
    const buf_pipe_options_t options = {.max_in_flight = 8 * chunk_size};
    buf_pipe_result_t result;
    buf_status_t status = buf_pipe_run_threaded(readable, &transform, 1, writable, &options, &result);
    cr_assert_eq(sink.mismatches, 0, "%s: bytes out of order", spec);
    if (fail_after) {
        cr_assert_eq(status, BUF_EIO, "%s: %s", spec, buf_status_name(status));
        cr_assert_eq(result.bytes_written, sink.offset);
    } else if (!(test_spec_injects_failures(spec) && status == BUF_ENOMEM)) {
        cr_assert_eq(status, BUF_OK, "%s: %s", spec, buf_status_name(status));
        cr_assert_eq(result.bytes_read, length);
        cr_assert_eq(result.bytes_written, length);
    }
    cr_assert_eq(result.bytes_written, sink.offset);
    cr_assert_leq(result.peak_in_flight, 8 * chunk_size, "%s: peak %llu", spec,
                  (unsigned long long)result.peak_in_flight);
    buf_writable_destroy(writable);
    buf_readable_destroy(readable);
    test_close_backend_clean(backend);
    free(data);
}

Test(threads_stream_pipe, chunks_cross_threads_every_backend)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        run_threaded(test_backend_spec(s), 3000000, 4096, 0, false);
        run_threaded(test_backend_spec(s), 20000, 7, 0, false);
    }
}

/* With block reuse on, the reader thread writes again into blocks whose chunks this
 * thread released: under TSan, the release of the last chunk must order this thread's
 * reads of its bytes before the reader's next write (the sink checks every byte). */
Test(threads_stream_pipe, reused_blocks_cross_threads_every_backend)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        run_threaded(test_backend_spec(s), 3000000, 4096, 0, true);
        run_threaded(test_backend_spec(s), 20000, 7, 0, true);
    }
}

Test(threads_stream_pipe, a_failing_sink_stops_the_reader_and_frees_the_queue)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++)
        if (!test_spec_injects_failures(test_backend_spec(s)))
            for (int reuse = 0; reuse <= 1; reuse++)
                run_threaded(test_backend_spec(s), 3000000, 4096, 100000, reuse);
}
