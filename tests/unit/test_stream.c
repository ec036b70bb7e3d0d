/* test_stream.c — readable, writable and pipe (buf_stream.h), over every backend.
 *
 * Readables over memory, a regular file, a pipe, a socketpair, a TCP connection on
 * 127.0.0.1 and a Unix socket, at chunk sizes 1, 7, 4096, 64 KiB and 1 MiB: every chunk
 * is 1 .. chunk size bytes, their concatenation is the input, BUF_EOF follows, and the
 * backend gets every block back.  Under the fail(...) variants an allocation may fail:
 * then the stream ends with BUF_ENOMEM and the bytes delivered are exactly a prefix.
 * Writables: Node's backpressure ("full" at the mark, then drain), references not
 * copies, writev batches of at most IOV_MAX, short writes, EPIPE as a status.  Pipes:
 * output = input, and the bytes in flight stay under the bound whatever the input size.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf_stream.h"
#include "test_support.h"

/* ---- A writer thread ----------------------------------------------------------- */
typedef struct writer {
    pthread_t thread;
    int fd;
    const uint8_t *data;
    size_t length;
} writer_t;

static void *write_all_then_close(void *argument)
{
    writer_t *writer = argument;
    size_t done = 0;
    while (done < writer->length) {
        ssize_t written = write(writer->fd, writer->data + done, writer->length - done);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            break;
        done += (size_t)written;
    }
    close(writer->fd);
    return NULL;
}

static void writer_start(writer_t *writer, int fd, const uint8_t *data, size_t length)
{
    *writer = (writer_t){.fd = fd, .data = data, .length = length};
    cr_assert_eq(pthread_create(&writer->thread, NULL, write_all_then_close, writer), 0);
}

/* ---- Reading everything back ------------------------------------------------------------- */
/* Reads the readable to its end and checks every chunk against `expected`. */
static void expect_chunks(buf_readable_t *readable, const uint8_t *expected, size_t length, size_t chunk_size,
                          bool may_fail)
{
    size_t offset = 0;
    buf_status_t status;
    buf_buffer_t chunk;
    while ((status = buf_readable_read(readable, &chunk)) == BUF_OK) {
        const size_t got = (size_t)buf_buffer_length(&chunk);
        cr_assert(got >= 1 && got <= chunk_size, "chunk of %zu bytes (chunk size %zu)", got, chunk_size);
        cr_assert_leq(offset + got, length);
        cr_assert(memcmp(buf_buffer_data(&chunk), expected + offset, got) == 0, "bytes at %zu differ", offset);
        offset += got;
        buf_buffer_release(&chunk);
    }
    if (may_fail && status == BUF_ENOMEM) {
        cr_assert_eq(buf_readable_bytes_read(readable), offset);
        cr_assert_eq(buf_readable_read(readable, &chunk), BUF_ENOMEM, "the error is sticky");
        return;
    }
    cr_assert_eq(status, BUF_EOF, "%s after %zu of %zu bytes", buf_status_name(status), offset, length);
    cr_assert_eq(offset, length);
    cr_assert_eq(buf_readable_bytes_read(readable), (uint64_t)length);
    cr_assert_eq(buf_readable_read(readable, &chunk), BUF_EOF, "the end is sticky");
}

static const size_t chunk_sizes[] = {1, 7, 4096, 64 * 1024, 1024 * 1024};
#define CHUNK_SIZE_COUNT (sizeof chunk_sizes / sizeof chunk_sizes[0])

/* Input size for a chunk size: a few chunks and a short tail, at most ~2.5 MiB. */
static size_t input_length_for(size_t chunk_size)
{
    return chunk_size < 4096 ? 20000 + chunk_size / 2 : 2 * chunk_size + chunk_size / 2 + 3;
}

typedef enum fd_kind { FD_FILE, FD_PIPE, FD_SOCKETPAIR, FD_TCP, FD_UNIX } fd_kind_t;

/* Opens the reading end of `kind` carrying data; *writer runs for the streaming kinds. */
static int open_reading_end(fd_kind_t kind, const uint8_t *data, size_t length, writer_t *writer, bool *has_writer)
{
    int fds[2];
    *has_writer = true;
    switch (kind) {
    case FD_FILE: {
        char path[] = "/tmp/bufbench-stream-XXXXXX";
        int fd = mkstemp(path);
        cr_assert_geq(fd, 0);
        unlink(path);
        cr_assert_eq(write(fd, data, length), (ssize_t)length);
        cr_assert_eq(lseek(fd, 0, SEEK_SET), 0);
        *has_writer = false;
        return fd;
    }
    case FD_PIPE:
        cr_assert_eq(pipe(fds), 0);
        writer_start(writer, fds[1], data, length);
        return fds[0];
    case FD_SOCKETPAIR:
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
        writer_start(writer, fds[1], data, length);
        return fds[0];
    case FD_TCP: {
        int listener = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t address_length = sizeof address;
        cr_assert_eq(bind(listener, (struct sockaddr *)&address, sizeof address), 0);
        cr_assert_eq(listen(listener, 1), 0);
        cr_assert_eq(getsockname(listener, (struct sockaddr *)&address, &address_length), 0);
        int client = socket(AF_INET, SOCK_STREAM, 0);
        cr_assert_eq(connect(client, (struct sockaddr *)&address, sizeof address), 0);
        int server = accept(listener, NULL, NULL);
        cr_assert_geq(server, 0);
        close(listener);
        writer_start(writer, server, data, length);
        return client;
    }
    default: { /* FD_UNIX */
        struct sockaddr_un address = {.sun_family = AF_UNIX};
        snprintf(address.sun_path, sizeof address.sun_path, "/tmp/bufbench-stream-%d.sock", (int)getpid());
        unlink(address.sun_path);
        int listener = socket(AF_UNIX, SOCK_STREAM, 0);
        cr_assert_eq(bind(listener, (struct sockaddr *)&address, sizeof address), 0);
        cr_assert_eq(listen(listener, 1), 0);
        int client = socket(AF_UNIX, SOCK_STREAM, 0);
        cr_assert_eq(connect(client, (struct sockaddr *)&address, sizeof address), 0);
        int server = accept(listener, NULL, NULL);
        cr_assert_geq(server, 0);
        close(listener);
        unlink(address.sun_path);
        writer_start(writer, server, data, length);
        return client;
    }
    }
}

/* ---- Readable ---------------------------------------------------------------------------------- */
Test(stream_readable, memory_every_backend_and_chunk_size)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (size_t c = 0; c < CHUNK_SIZE_COUNT; c++) {
            const size_t length = input_length_for(chunk_sizes[c]);
            uint8_t *data = test_random_bytes(length, (uint32_t)(s * 31 + c));
            buf_readable_t *readable = NULL;
            const buf_readable_options_t options = {.high_water_mark = chunk_sizes[c]};
            cr_assert_eq(buf_readable_from_memory(backend, data, length, &options, &readable), BUF_OK);
            expect_chunks(readable, data, length, chunk_sizes[c], test_spec_injects_failures(spec));
            buf_readable_destroy(readable);
            free(data);
        }
        test_close_backend_clean(backend);
    }
}

Test(stream_readable, fds_every_backend_and_chunk_size)
{
    signal(SIGPIPE, SIG_IGN); /* a reader that stops early (ENOMEM) must not kill the writer */
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (fd_kind_t kind = FD_FILE; kind <= FD_UNIX; kind++) {
            for (size_t c = 0; c < CHUNK_SIZE_COUNT; c++) {
                const size_t length = input_length_for(chunk_sizes[c]);
                uint8_t *data = test_random_bytes(length, (uint32_t)(kind * 7 + c));
                writer_t writer;
                bool has_writer;
                int fd = open_reading_end(kind, data, length, &writer, &has_writer);
                buf_readable_t *readable = NULL;
                const buf_readable_options_t options = {.high_water_mark = chunk_sizes[c]};
                cr_assert_eq(buf_readable_from_fd(backend, fd, &options, &readable), BUF_OK);
                expect_chunks(readable, data, length, chunk_sizes[c], test_spec_injects_failures(spec));
                buf_readable_destroy(readable);
                close(fd); /* the readable never closes it; an early stop unblocks the writer */
                if (has_writer)
                    pthread_join(writer.thread, NULL);
                free(data);
            }
        }
        test_close_backend_clean(backend);
    }
}

/* Reading ahead: the same bytes in chunks of 1 .. chunk size, from a file, a pipe and a
 * socket (short reads continue in the block's rest), whatever the read size. */
Test(stream_readable, read_ahead_gives_the_same_chunks)
{
    signal(SIGPIPE, SIG_IGN);
    static const size_t small_chunks[] = {1, 7, 1000, 4096};
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (fd_kind_t kind = FD_FILE; kind <= FD_UNIX; kind++) {
            for (size_t c = 0; c < sizeof small_chunks / sizeof small_chunks[0]; c++) {
                const size_t chunk = small_chunks[c], length = 100 * 1000 + c;
                uint8_t *data = test_random_bytes(length, (uint32_t)(kind * 5 + c));
                writer_t writer;
                bool has_writer;
                int fd = open_reading_end(kind, data, length, &writer, &has_writer);
                buf_readable_t *readable = NULL;
                const buf_readable_options_t options = {.high_water_mark = chunk};
                cr_assert_eq(buf_readable_from_fd(backend, fd, &options, &readable), BUF_OK);
                cr_assert_eq(buf_readable_set_read_size(readable, 3 * chunk + 16 * 1024), BUF_OK);
                expect_chunks(readable, data, length, chunk, test_spec_injects_failures(spec));
                buf_readable_destroy(readable);
                close(fd);
                if (has_writer)
                    pthread_join(writer.thread, NULL);
                free(data);
            }
        }
        test_close_backend_clean(backend);
    }
}

/* With reuse turned on, blocks are reused only once every chunk of them is released:
 * chunks kept by the consumer keep their bytes while the stream goes on (with and without
 * reading ahead), the backend is asked for far fewer blocks than there are chunks, and
 * everything is given back at the end while the readable still lives. */
Test(stream_readable, held_chunks_keep_their_bytes_and_released_blocks_are_reused)
{
    enum { HELD_MAX = 64 };
    for (size_t read_size = 0; read_size <= 8192; read_size += 8192) {
        buf_backend_t *backend = test_open_backend("slab");
        const size_t chunk_size = 1000, length = 300 * 1000;
        uint8_t *data = test_random_bytes(length, 99);
        buf_readable_t *readable = NULL;
        const buf_readable_options_t options = {.high_water_mark = chunk_size};
        cr_assert_eq(buf_readable_from_memory(backend, data, length, &options, &readable), BUF_OK);
        cr_assert_eq(buf_readable_set_read_size(readable, read_size), BUF_OK);
        cr_assert_eq(buf_readable_set_block_reuse(readable, true), BUF_OK);
        buf_buffer_t held[HELD_MAX], chunk;
        size_t held_offset[HELD_MAX], held_count = 0, offset = 0, chunks = 0;
        while (buf_readable_read(readable, &chunk) == BUF_OK) {
            const size_t got = (size_t)buf_buffer_length(&chunk);
            if (chunks++ % 5 == 0 && held_count < HELD_MAX) { /* keep every fifth */
                held_offset[held_count] = offset;
                held[held_count++] = chunk;
            } else {
                buf_buffer_release(&chunk);
            }
            offset += got;
        }
        cr_assert_eq(offset, length);
        for (size_t i = 0; i < held_count; i++)
            cr_expect(memcmp(buf_buffer_data(&held[i]), data + held_offset[i], (size_t)buf_buffer_length(&held[i])) == 0,
                      "read size %zu: held chunk %zu was written over", read_size, i);
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        cr_expect_lt(stats.allocs, chunks / 3, "read size %zu: %zu blocks for %zu chunks", read_size,
                     (size_t)stats.allocs, chunks);
        for (size_t i = 0; i < held_count; i++)
            buf_buffer_release(&held[i]);
        buf_backend_get_stats(backend, &stats);
        cr_expect_eq(stats.bytes_live, 0, "read size %zu: the ended readable keeps no block", read_size);
        buf_readable_destroy(readable);
        free(data);
        test_close_backend_clean(backend);
    }
}

/* A source that counts its reads, and those asking for a whole block (`block` bytes: the
 * reads that start a block; a read into the rest of a block after a short one asks for
 * less): full reads of whatever is asked, `left` bytes in all. */
typedef struct counting_source {
    size_t left, block, reads, whole_block_reads;
} counting_source_t;

static long counting_read(void *context, uint8_t *dst, size_t capacity)
{
    counting_source_t *source = context;
    const size_t count = source->left < capacity ? source->left : capacity;
    memset(dst, 'x', count);
    source->left -= count;
    source->reads++;
    source->whole_block_reads += capacity == source->block;
    return (long)count;
}

/* Reuse is off by default (fs.ReadStream allocates a Buffer per read): every read into a
 * new block, the last one that finds the end included, gets that block from the backend
 * even when the consumer releases each chunk at once — so a benchmark of the stream
 * measures the backend.  One read a chunk: allocations = reads = chunks + 1.  Reading
 * ahead 8 KiB: one allocation per 8 KiB read (the tail's short read is followed by one
 * into the same block's rest).  Turning reuse on and off again goes back to that. */
Test(stream_readable, without_reuse_every_read_is_a_fresh_block)
{
    for (size_t read_size = 0; read_size <= 8192; read_size += 8192) {
        for (int toggled = 0; toggled <= 1; toggled++) {
            buf_backend_t *backend = test_open_backend("malloc");
            counting_source_t source = {.left = 300 * 1000, .block = read_size ? read_size : 1000};
            buf_readable_t *readable = NULL;
            const buf_readable_options_t options = {.high_water_mark = 1000};
            cr_assert_eq(buf_readable_from_source(backend, (buf_source_t){counting_read, &source}, &options, &readable),
                         BUF_OK);
            cr_assert_eq(buf_readable_set_read_size(readable, read_size), BUF_OK);
            buf_buffer_t chunk;
            size_t chunks = 0;
            if (toggled) { /* on for a few chunks (spares made), then off */
                cr_assert_eq(buf_readable_set_block_reuse(readable, true), BUF_OK);
                for (; chunks < 40; chunks++) {
                    cr_assert_eq(buf_readable_read(readable, &chunk), BUF_OK);
                    buf_buffer_release(&chunk);
                }
                cr_assert_eq(buf_readable_set_block_reuse(readable, false), BUF_OK);
            }
            buf_backend_stats_t before, after;
            buf_backend_get_stats(backend, &before);
            const size_t reads_before = source.reads, whole_before = source.whole_block_reads;
            buf_status_t status;
            while ((status = buf_readable_read(readable, &chunk)) == BUF_OK) {
                buf_buffer_release(&chunk);
                chunks++;
            }
            cr_assert_eq(status, BUF_EOF);
            cr_assert_eq(buf_readable_bytes_read(readable), 300 * 1000);
            buf_backend_get_stats(backend, &after);
            const size_t reads = source.reads - reads_before, block_reads = source.whole_block_reads - whole_before;
            cr_expect_eq(after.allocs - before.allocs, block_reads,
                         "read size %zu%s: %zu blocks from the backend for %zu reads into a new block", read_size,
                         toggled ? ", reuse on then off" : "", (size_t)(after.allocs - before.allocs), block_reads);
            if (read_size == 0) {
                cr_expect_eq(block_reads, reads, "one read a chunk, each into a new block");
                if (!toggled)
                    cr_expect_eq(reads, chunks + 1, "one read a chunk and the one that finds the end");
            } else if (!toggled) {
                cr_expect_eq(block_reads, 300 * 1000 / 8192 + 1, "one block per 8 KiB");
            }
            cr_expect_eq(after.bytes_live, 0, "the ended readable keeps no block");
            buf_readable_destroy(readable);
            test_close_backend_clean(backend);
        }
    }
    cr_expect_eq(buf_readable_set_block_reuse(NULL, true), BUF_EINVAL);
}

Test(stream_readable, default_chunk_is_64k_and_bad_options_fail)
{
    buf_backend_t *backend = test_open_backend("malloc");
    const size_t length = 200000;
    uint8_t *data = test_random_bytes(length, 1);
    buf_readable_t *readable = NULL;
    cr_assert_eq(buf_readable_from_memory(backend, data, length, NULL, &readable), BUF_OK);
    buf_buffer_t chunk;
    cr_assert_eq(buf_readable_read(readable, &chunk), BUF_OK);
    cr_expect_eq(buf_buffer_length(&chunk), 64 * 1024);
    buf_buffer_release(&chunk);
    buf_readable_destroy(readable);

    const buf_readable_options_t too_big = {.high_water_mark = BUF_STREAM_MAX_CHUNK + 1};
    readable = NULL;
    cr_expect_eq(buf_readable_from_memory(backend, data, length, &too_big, &readable), BUF_EINVAL);
    cr_expect_null(readable, "a failed call leaves *out untouched");
    cr_expect_eq(buf_readable_from_fd(backend, -1, NULL, &readable), BUF_EINVAL);
    cr_expect_eq(buf_readable_from_source(backend, (buf_source_t){0}, NULL, &readable), BUF_EINVAL);
    cr_expect_eq(buf_readable_from_memory(NULL, data, length, NULL, &readable), BUF_EINVAL);
    free(data);
    test_close_backend_clean(backend);
}

Test(stream_readable, empty_input_is_eof_and_the_last_read_keeps_no_chunk)
{
    buf_backend_t *backend = test_open_backend("pool");
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    close(fds[1]);
    buf_readable_t *readable = NULL;
    cr_assert_eq(buf_readable_from_fd(backend, fds[0], NULL, &readable), BUF_OK);
    buf_buffer_t chunk;
    cr_expect_eq(buf_readable_read(readable, &chunk), BUF_EOF);
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_expect_eq(stats.allocs, 1, "the 0-byte read had a chunk allocated");
    cr_expect_eq(stats.bytes_live, 0, "... and gave it back");
    buf_readable_destroy(readable);
    close(fds[0]);
    test_close_backend_clean(backend);
}

/* ---- Writable ---------------------------------------------------------------------------------- */
typedef struct recording_sink {
    uint8_t *bytes;
    size_t length, capacity;
    size_t max_per_call; /* 0: everything */
    int calls, largest_iovcnt;
} recording_sink_t;

static long record_writev(void *context, const struct iovec *iov, int iovcnt)
{
    recording_sink_t *sink = context;
    sink->calls++;
    if (iovcnt > sink->largest_iovcnt)
        sink->largest_iovcnt = iovcnt;
    return (long)test_sink_append(&sink->bytes, &sink->length, &sink->capacity, sink->max_per_call, iov, iovcnt);
}

static void count_drain(void *context) { ++*(int *)context; }

Test(stream_writable, full_at_the_mark_then_drain)
{
    buf_backend_t *backend = test_open_backend("slab");
    recording_sink_t sink = {0};
    int drains = 0;
    const buf_writable_options_t options = {.on_drain = count_drain, .drain_context = &drains};
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_sink((buf_sink_t){record_writev, &sink}, &options, &writable), BUF_OK);
    buf_buffer_t chunk;
    cr_assert_eq(buf_buffer_alloc(backend, 1024, &chunk), BUF_OK);
    for (int i = 1; i <= 16; i++) {
        bool full = true;
        cr_assert_eq(buf_writable_write(writable, &chunk, &full), BUF_OK);
        if (i < 16) {
            cr_expect(!full, "write %d of 1 KiB: not full below 16 KiB", i);
            cr_expect_eq(buf_writable_queued(writable), (size_t)i * 1024);
            cr_expect_eq(buf_arraybuffer_refcount(chunk.buffer), (size_t)i + 1, "a reference per queued write");
            cr_expect_eq(sink.calls, 0);
        } else {
            cr_expect(full, "16 KiB queued: full (Node's write() returns false)");
        }
    }
    cr_expect_eq(drains, 1, "the queue was written out and drain followed");
    cr_expect_eq(buf_writable_queued(writable), 0);
    cr_expect_eq(buf_arraybuffer_refcount(chunk.buffer), 1, "written chunks are released");
    cr_expect_eq(sink.length, 16 * 1024);
    cr_expect_eq(buf_writable_bytes_written(writable), 16 * 1024);
    cr_expect_eq(buf_writable_end(writable), BUF_OK);
    cr_expect_eq(buf_writable_write(writable, &chunk, NULL), BUF_EINVAL, "no write after end");
    buf_writable_destroy(writable);
    buf_buffer_release(&chunk);
    free(sink.bytes);
    test_close_backend_clean(backend);
}

Test(stream_writable, writev_batches_of_iov_max_and_short_writes)
{
    buf_backend_t *backend = test_open_backend("pool");
    recording_sink_t sink = {.max_per_call = 777};
    const buf_writable_options_t options = {.high_water_mark = 1 << 30};
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_sink((buf_sink_t){record_writev, &sink}, &options, &writable), BUF_OK);
    const size_t count = 3000;
    for (size_t i = 0; i < count; i++) {
        buf_buffer_t chunk;
        cr_assert_eq(buf_buffer_alloc_unsafe(backend, 3, &chunk), BUF_OK);
        memset(buf_buffer_data(&chunk), (int)(i & 0xff), 3);
        cr_assert_eq(buf_writable_write(writable, &chunk, NULL), BUF_OK);
        buf_buffer_release(&chunk); /* the writable holds its own reference */
    }
    cr_assert_eq(buf_writable_flush(writable), BUF_OK);
    cr_expect_leq(sink.largest_iovcnt, IOV_MAX);
    /* At most 777 bytes a call: the writable went on after short writes. */
    cr_assert_geq(sink.calls, (int)((count * 3 + 776) / 777));
    cr_assert_eq(sink.length, count * 3);
    for (size_t i = 0; i < count * 3; i++)
        cr_assert_eq(sink.bytes[i], (uint8_t)((i / 3) & 0xff), "byte %zu", i);
    buf_writable_destroy(writable);
    free(sink.bytes);
    test_close_backend_clean(backend);
}

Test(stream_writable, destroy_releases_the_queue)
{
    buf_backend_t *backend = test_open_backend("malloc");
    recording_sink_t sink = {0};
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_sink((buf_sink_t){record_writev, &sink}, NULL, &writable), BUF_OK);
    buf_buffer_t chunk;
    cr_assert_eq(buf_buffer_alloc(backend, 100, &chunk), BUF_OK);
    cr_assert_eq(buf_writable_write(writable, &chunk, NULL), BUF_OK);
    buf_buffer_release(&chunk);
    buf_writable_destroy(writable); /* never flushed */
    cr_expect_eq(sink.calls, 0);
    test_close_backend_clean(backend);
}

Test(stream_writable, fd_file_and_a_reader_that_went_away)
{
    buf_backend_t *backend = test_open_backend("malloc");
    char path[] = "/tmp/bufbench-stream-out-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_fd(fd, NULL, &writable), BUF_OK);
    uint8_t *data = test_random_bytes(100000, 5);
    buf_buffer_t chunk;
    cr_assert_eq(buf_buffer_from_bytes(backend, data, 100000, &chunk), BUF_OK);
    cr_assert_eq(buf_writable_write(writable, &chunk, NULL), BUF_OK);
    cr_assert_eq(buf_writable_end(writable), BUF_OK);
    cr_expect_eq(buf_writable_bytes_written(writable), 100000);
    uint8_t *back = malloc(100000);
    cr_assert_eq(pread(fd, back, 100000, 0), 100000);
    cr_expect(memcmp(back, data, 100000) == 0);
    buf_writable_destroy(writable);
    close(fd);

    /* EPIPE: a status, not a SIGPIPE that ends the process */
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    close(fds[0]);
    cr_assert_eq(buf_writable_to_fd(fds[1], NULL, &writable), BUF_OK);
    cr_assert_eq(buf_writable_write(writable, &chunk, NULL), BUF_EPIPE);
    cr_expect_eq(buf_writable_errno(writable), EPIPE);
    cr_expect_eq(buf_writable_bytes_written(writable), 0);
    cr_expect_eq(buf_writable_queued(writable), 0, "the queue is released after the error");
    cr_expect_eq(buf_writable_flush(writable), BUF_EPIPE, "the error is sticky");
    buf_writable_destroy(writable);
    close(fds[1]);
    buf_buffer_release(&chunk);
    free(back);
    free(data);
    test_close_backend_clean(backend);
}

/* ---- Pipe --------------------------------------------------------------------------------------- */
/* A transform that upper-cases ASCII into a new chunk from the same backend. */
static buf_status_t upper_case(void *context, const buf_buffer_t *chunk, buf_emit_fn emit, void *emit_context)
{
    buf_backend_t *backend = context;
    buf_buffer_t out;
    const size_t length = (size_t)buf_buffer_length(chunk);
    buf_status_t status = buf_buffer_alloc_unsafe(backend, (int64_t)length, &out);
    if (status != BUF_OK)
        return status;
    const uint8_t *in = buf_buffer_data(chunk);
    uint8_t *bytes = buf_buffer_data(&out);
    for (size_t i = 0; i < length; i++)
        bytes[i] = in[i] >= 'a' && in[i] <= 'z' ? (uint8_t)(in[i] - 32) : in[i];
    status = emit(emit_context, &out);
    buf_buffer_release(&out);
    return status;
}

static buf_status_t pass_through(void *context, const buf_buffer_t *chunk, buf_emit_fn emit, void *emit_context)
{
    (void)context;
    return emit(emit_context, chunk);
}

Test(stream_pipe, output_is_input_and_in_flight_is_bounded_whatever_the_size)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue; /* the fault tests cover failures */
        buf_backend_t *backend = test_open_backend(spec);
        const size_t sizes[] = {100000, 4u << 20};
        for (size_t k = 0; k < 2; k++) {
            const size_t length = sizes[k];
            uint8_t *data = test_random_bytes(length, (uint32_t)k);
            for (size_t i = 0; i < length; i++)
                data[i] = (uint8_t)('a' + data[i] % 26);
            const buf_readable_options_t read_options = {.high_water_mark = 4096};
            buf_readable_t *readable = NULL;
            cr_assert_eq(buf_readable_from_memory(backend, data, length, &read_options, &readable), BUF_OK);
            recording_sink_t sink = {0};
            buf_writable_t *writable = NULL;
            cr_assert_eq(buf_writable_to_sink((buf_sink_t){record_writev, &sink}, NULL, &writable), BUF_OK);
            const buf_transform_t transforms[] = {{pass_through, NULL, NULL}, {upper_case, NULL, backend}};
            const buf_pipe_options_t options = {.max_in_flight = 12288};
            buf_pipe_result_t result;
            cr_assert_eq(buf_pipe_run(readable, transforms, 2, writable, &options, &result), BUF_OK);
            cr_expect_eq(result.status, BUF_OK);
            cr_expect_eq(result.bytes_read, length);
            cr_expect_eq(result.bytes_written, length);
            cr_expect_leq(result.peak_in_flight, 12288, "%s, %zu bytes: peak %llu", spec, length,
                          (unsigned long long)result.peak_in_flight);
            cr_expect_geq(result.peak_in_flight, 4096);
            cr_assert_eq(sink.length, length);
            for (size_t i = 0; i < length; i++)
                cr_assert_eq(sink.bytes[i], data[i] - 32, "byte %zu", i);
            buf_writable_destroy(writable);
            buf_readable_destroy(readable);
            free(sink.bytes);
            free(data);
        }
        test_close_backend_clean(backend);
    }
}

Test(stream_pipe, bound_below_two_chunks_is_invalid)
{
    buf_backend_t *backend = test_open_backend("malloc");
    uint8_t data[10] = {0};
    buf_readable_t *readable = NULL;
    const buf_readable_options_t read_options = {.high_water_mark = 4096};
    cr_assert_eq(buf_readable_from_memory(backend, data, sizeof data, &read_options, &readable), BUF_OK);
    recording_sink_t sink = {0};
    buf_writable_t *writable = NULL;
    cr_assert_eq(buf_writable_to_sink((buf_sink_t){record_writev, &sink}, NULL, &writable), BUF_OK);
    const buf_pipe_options_t options = {.max_in_flight = 8191};
    cr_expect_eq(buf_pipe_run(readable, NULL, 0, writable, &options, NULL), BUF_EINVAL);
    buf_writable_destroy(writable);
    buf_readable_destroy(readable);
    test_close_backend_clean(backend);
}
