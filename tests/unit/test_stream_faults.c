/* test_stream_faults.c — the fault matrix: each fault x readable / writable / pipe.
 *
 * Faults come from a source and a sink that cut the data into short pieces and, at a
 * chosen call, return -EINTR or -EAGAIN (transient: retried, nothing lost), or -EIO,
 * -ENOSPC, -EPIPE (fatal), and from the fail(SEED,P) backend (allocation failure).  For
 * every cell: the status; the exact byte count (bytes_read = the bytes the source gave
 * before the fault, bytes_written = the bytes the sink took); the bytes delivered are a
 * prefix of the input, none lost, none twice; and the backend gets every block back.
 *
 *   fault     readable          writable                      pipe (one thread and two)
 *   EINTR     all, BUF_EOF      all, BUF_OK                   all, BUF_OK
 *   EAGAIN    all, BUF_EOF      all, BUF_OK                   all, BUF_OK
 *   short     all, BUF_EOF      all, BUF_OK                   all, BUF_OK
 *   EIO       prefix, BUF_EIO   prefix, BUF_EIO (errno EIO)   prefix, BUF_EIO
 *   ENOSPC    prefix, BUF_EIO   prefix, BUF_EIO (errno ENOSPC) prefix, BUF_EIO
 *   EPIPE     prefix, BUF_EPIPE prefix, BUF_EPIPE             prefix, BUF_EPIPE
 *   ENOMEM    prefix, BUF_ENOMEM (chunks come from the caller) prefix, BUF_ENOMEM
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "buf_stream.h"
#include "test_support.h"

/* ---- A faulty source and a faulty sink ------------------------------------------------------- */
typedef struct faulty {
    const uint8_t *data; /* source: what it gives */
    size_t length, offset;
    uint8_t *taken;      /* sink: what it took */
    size_t taken_length;
    size_t max_piece;    /* short reads and writes: at most this many bytes per call */
    int calls, fault_at, fault; /* at call number fault_at, return -fault */
    bool fault_is_permanent;
} faulty_t;

static bool inject(faulty_t *faulty, long *result)
{
    faulty->calls++;
    if (faulty->fault && (faulty->calls == faulty->fault_at || (faulty->fault_is_permanent && faulty->calls > faulty->fault_at))) {
        *result = -faulty->fault;
        return true;
    }
    return false;
}

static long faulty_read(void *context, uint8_t *dst, size_t capacity)
{
    faulty_t *source = context;
    long result;
    if (inject(source, &result))
        return result;
    size_t piece = source->length - source->offset;
    if (piece > source->max_piece)
        piece = source->max_piece;
    if (piece > capacity)
        piece = capacity;
    memcpy(dst, source->data + source->offset, piece);
    source->offset += piece;
    return (long)piece;
}

static long faulty_writev(void *context, const struct iovec *iov, int iovcnt)
{
    faulty_t *sink = context;
    long result;
    if (inject(sink, &result))
        return result;
    size_t accepted = 0;
    for (int i = 0; i < iovcnt && accepted < sink->max_piece; i++) {
        size_t take = iov[i].iov_len;
        if (take > sink->max_piece - accepted)
            take = sink->max_piece - accepted;
        memcpy(sink->taken + sink->taken_length, iov[i].iov_base, take);
        sink->taken_length += take;
        accepted += take;
    }
    return (long)accepted;
}

/* ---- The matrix ----------------------------------------------------------------------------- */
typedef struct fault_case {
    const char *name;
    int fault;                 /* errno injected; 0 = none (short pieces only) */
    bool transient;
    buf_status_t fatal_status; /* what a fatal fault ends the stream with */
} fault_case_t;

static const fault_case_t cases[] = {
    {"EINTR", EINTR, true, BUF_OK},   {"EAGAIN", EAGAIN, true, BUF_OK},  {"short", 0, true, BUF_OK},
    {"EIO", EIO, false, BUF_EIO},     {"ENOSPC", ENOSPC, false, BUF_EIO}, {"EPIPE", EPIPE, false, BUF_EPIPE},
};
#define CASE_COUNT (sizeof cases / sizeof cases[0])
#define INPUT_LENGTH 50000

static uint8_t *make_input(void)
{
    uint8_t *data = malloc(INPUT_LENGTH);
    for (size_t i = 0; i < INPUT_LENGTH; i++)
        data[i] = (uint8_t)(i * 131 + (i >> 8));
    return data;
}

static faulty_t faulty_for(const fault_case_t *fault_case, const uint8_t *data, uint8_t *taken)
{
    return (faulty_t){.data = data, .length = INPUT_LENGTH, .taken = taken, .max_piece = 1000,
                      .fault_at = 7, .fault = fault_case->fault, .fault_is_permanent = !fault_case->transient};
}

Test(stream_faults, readable)
{
    uint8_t *data = make_input();
    for (size_t c = 0; c < CASE_COUNT; c++) {
        buf_backend_t *backend = test_open_backend("pool");
        faulty_t source = faulty_for(&cases[c], data, NULL);
        buf_readable_t *readable = NULL;
        const buf_readable_options_t options = {.high_water_mark = 4096};
        cr_assert_eq(buf_readable_from_source(backend, (buf_source_t){faulty_read, &source}, &options, &readable), BUF_OK);
        buf_buffer_t chunk;
        buf_status_t status;
        size_t delivered = 0;
        while ((status = buf_readable_read(readable, &chunk)) == BUF_OK) {
            cr_assert(memcmp(buf_buffer_data(&chunk), data + delivered, (size_t)buf_buffer_length(&chunk)) == 0);
            delivered += (size_t)buf_buffer_length(&chunk);
            buf_buffer_release(&chunk);
        }
        if (cases[c].transient) {
            cr_expect_eq(status, BUF_EOF, "%s: %s", cases[c].name, buf_status_name(status));
            cr_expect_eq(delivered, INPUT_LENGTH, "%s", cases[c].name);
        } else {
            cr_expect_eq(status, cases[c].fatal_status, "%s: %s", cases[c].name, buf_status_name(status));
            cr_expect_eq(delivered, 6 * 1000, "%s: the six reads before the fault", cases[c].name);
            cr_expect_eq(buf_readable_errno(readable), cases[c].fault);
            cr_expect_eq(buf_readable_read(readable, &chunk), status, "sticky");
        }
        cr_expect_eq(buf_readable_bytes_read(readable), delivered, "%s", cases[c].name);
        buf_readable_destroy(readable);
        test_close_backend_clean(backend);
    }
    free(data);
}

Test(stream_faults, writable)
{
    uint8_t *data = make_input();
    uint8_t *taken = malloc(INPUT_LENGTH);
    for (size_t c = 0; c < CASE_COUNT; c++) {
        buf_backend_t *backend = test_open_backend("slab");
        faulty_t sink = faulty_for(&cases[c], data, taken);
        buf_writable_t *writable = NULL;
        cr_assert_eq(buf_writable_to_sink((buf_sink_t){faulty_writev, &sink}, NULL, &writable), BUF_OK);
        buf_status_t status = BUF_OK;
        for (size_t offset = 0; offset < INPUT_LENGTH && status == BUF_OK; offset += 2500) {
            buf_buffer_t chunk;
            cr_assert_eq(buf_buffer_from_bytes(backend, data + offset, 2500, &chunk), BUF_OK);
            status = buf_writable_write(writable, &chunk, NULL);
            buf_buffer_release(&chunk);
        }
        if (status == BUF_OK)
            status = buf_writable_end(writable);
        if (cases[c].transient) {
            cr_expect_eq(status, BUF_OK, "%s: %s", cases[c].name, buf_status_name(status));
            cr_expect_eq(sink.taken_length, INPUT_LENGTH, "%s", cases[c].name);
        } else {
            cr_expect_eq(status, cases[c].fatal_status, "%s: %s", cases[c].name, buf_status_name(status));
            cr_expect_eq(sink.taken_length, 6 * 1000, "%s: six writes before the fault", cases[c].name);
            cr_expect_eq(buf_writable_errno(writable), cases[c].fault);
            cr_expect_eq(buf_writable_queued(writable), 0, "%s: the queue is released", cases[c].name);
        }
        cr_expect_eq(buf_writable_bytes_written(writable), sink.taken_length, "%s", cases[c].name);
        cr_expect(memcmp(taken, data, sink.taken_length) == 0, "%s: a prefix, in order", cases[c].name);
        buf_writable_destroy(writable);
        test_close_backend_clean(backend);
    }
    free(taken);
    free(data);
}

/* One pipe run with a faulty source (fault_in_source) or sink; checks the cell. */
static void pipe_cell(const fault_case_t *fault_case, bool fault_in_source, bool threaded, const char *spec,
                      bool may_run_out_of_memory)
{
    uint8_t *data = make_input();
    uint8_t *taken = malloc(INPUT_LENGTH);
    buf_backend_t *backend = test_open_backend(spec);
    const fault_case_t none = {"none", 0, true, BUF_OK};
    faulty_t source = faulty_for(fault_in_source ? fault_case : &none, data, NULL);
    faulty_t sink = faulty_for(fault_in_source ? &none : fault_case, data, taken);
    buf_readable_t *readable = NULL;
    const buf_readable_options_t options = {.high_water_mark = 4096};
    cr_assert_eq(buf_readable_from_source(backend, (buf_source_t){faulty_read, &source}, &options, &readable), BUF_OK);
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_sink((buf_sink_t){faulty_writev, &sink}, NULL, &writable), BUF_OK);
    buf_pipe_result_t result;
    buf_status_t status = threaded ? buf_pipe_run_threaded(readable, NULL, 0, writable, NULL, &result)
                                   : buf_pipe_run(readable, NULL, 0, writable, NULL, &result);
    const char *where = fault_in_source ? "source" : "sink";
    cr_expect_eq(status, result.status);
    if (may_run_out_of_memory && status == BUF_ENOMEM) {
        /* allocation failed mid-stream: a prefix, every chunk back (checked at close) */
    } else if (fault_case->transient) {
        cr_expect_eq(status, BUF_OK, "%s in the %s: %s", fault_case->name, where, buf_status_name(status));
        cr_expect_eq(result.bytes_read, INPUT_LENGTH);
        cr_expect_eq(result.bytes_written, INPUT_LENGTH);
    } else {
        cr_expect_eq(status, fault_case->fatal_status, "%s in the %s: %s", fault_case->name, where,
                     buf_status_name(status));
        if (fault_in_source)
            cr_expect_eq(result.bytes_written, 6 * 1000, "every byte read before the fault is written");
        else
            cr_expect_eq(result.bytes_written, 6 * 1000);
    }
    cr_expect_eq(result.bytes_written, sink.taken_length);
    cr_expect_eq(result.bytes_read, source.offset, "bytes_read is what the source gave");
    cr_expect_leq(result.bytes_written, result.bytes_read);
    cr_expect(memcmp(taken, data, sink.taken_length) == 0, "a prefix, in order, nothing twice");
    buf_writable_destroy(writable);
    buf_readable_destroy(readable);
    test_close_backend_clean(backend);
    free(taken);
    free(data);
}

Test(stream_faults, pipe)
{
    for (int threaded = 0; threaded < 2; threaded++)
        for (size_t c = 0; c < CASE_COUNT; c++) {
            pipe_cell(&cases[c], true, threaded, "malloc", false);
            pipe_cell(&cases[c], false, threaded, "pool", false);
        }
}

/* A memory readable piped on one thread (whole blocks of 1000 bytes, the pipe's inlined
 * path) over `spec`'s backend: BUF_OK, or BUF_ENOMEM with every byte read before the failure
 * written, in order, and every block back at close. */
static void memory_pipe_cell(const char *spec, const uint8_t *data)
{
    uint8_t *taken = malloc(INPUT_LENGTH);
    buf_backend_t *backend = test_open_backend(spec);
    faulty_t sink = {.taken = taken, .max_piece = SIZE_MAX};
    buf_readable_t *readable = NULL;
    const buf_readable_options_t options = {.high_water_mark = 1000};
    cr_assert_eq(buf_readable_from_memory(backend, data, INPUT_LENGTH, &options, &readable), BUF_OK);
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_sink((buf_sink_t){faulty_writev, &sink}, NULL, &writable), BUF_OK);
    buf_pipe_result_t result;
    const buf_status_t status = buf_pipe_run(readable, NULL, 0, writable, NULL, &result);
    cr_expect(status == BUF_ENOMEM || (status == BUF_OK && result.bytes_read == INPUT_LENGTH), "%s: %s", spec,
              buf_status_name(status));
    cr_expect_eq(result.bytes_read % 1000, 0, "%s: whole chunks only", spec);
    cr_expect_eq(result.bytes_written, result.bytes_read, "%s: every byte read is written", spec);
    cr_expect_eq(sink.taken_length, result.bytes_written);
    cr_expect(memcmp(taken, data, sink.taken_length) == 0, "%s: a prefix, in order, nothing twice", spec);
    buf_writable_destroy(writable);
    buf_readable_destroy(readable);
    test_close_backend_clean(backend);
    free(taken);
}

Test(stream_faults, allocation_failure_mid_stream)
{
    /* fail(SEED,0.2): about one chunk allocation in five fails; the readable ends with
     * BUF_ENOMEM at once and has delivered exactly the chunks before it */
    uint8_t *data = make_input();
    for (uint64_t seed = 1; seed <= 20; seed++) {
        char spec[48];
        snprintf(spec, sizeof spec, "fail(%llu,0.2):slab", (unsigned long long)seed);
        buf_backend_t *backend = test_open_backend(spec);
        buf_readable_t *readable = NULL;
        const buf_readable_options_t options = {.high_water_mark = 1000};
        cr_assert_eq(buf_readable_from_memory(backend, data, INPUT_LENGTH, &options, &readable), BUF_OK);
        buf_buffer_t chunk;
        buf_status_t status;
        size_t delivered = 0;
        while ((status = buf_readable_read(readable, &chunk)) == BUF_OK) {
            cr_assert(memcmp(buf_buffer_data(&chunk), data + delivered, 1000) == 0);
            delivered += 1000;
            buf_buffer_release(&chunk);
        }
        cr_expect(status == BUF_ENOMEM || (status == BUF_EOF && delivered == INPUT_LENGTH), "%s", buf_status_name(status));
        cr_expect_eq(buf_readable_bytes_read(readable), delivered);
        /* the end is sticky: no later read asks the backend again (one in five would fail) */
        for (int again = 0; again < 4; again++)
            cr_expect_eq(buf_readable_read(readable, &chunk), status, "read %d after the end", again + 1);
        cr_expect_eq(buf_readable_bytes_read(readable), delivered);
        buf_readable_destroy(readable);
        test_close_backend_clean(backend);
        for (int threaded = 0; threaded < 2; threaded++)
            pipe_cell(&cases[2], true, threaded, spec, true);
        memory_pipe_cell(spec, data);
    }
    free(data);
}
