/* family_stream.c — data moving through the stream layer (buf_stream.h), never around it.
 *
 * Rows (every base backend; chunk = the readable's high_water_mark in bytes; full: 1K, 4K,
 * 16K, 64K, 256K, 1M; quick: 4K, 64K, 1M); all on real time, bytes_per_second counting
 * the bytes that entered the stream.  Every readable keeps the default: a fresh block from
 * the backend for every read, as fs.ReadStream allocates a Buffer per read, so these rows
 * compare the backends (the report recommends one per family from them):
 *   stream_file/<backend>/<chunk>    the data file through buf_readable_from_fd, each chunk
 *                                    released as it arrives (fs.createReadStream + 'data')
 *   stream_pipe/<backend>/<chunk>    a 64 MiB (at most the file size) memory source (buf_readable_from_memory: the
 *                                    one copy, into backend chunks) piped by buf_pipe_run
 *                                    into a sink that discards (no copy after the first)
 *   stream_thread/<backend>/<chunk>  the data file through buf_pipe_run_threaded: read on a
 *                                    second thread, chunks released on this one
 *   stream_socket/<backend>/<chunk>  a sender thread writing into a loopback TCP connection,
 *                                    the readable over the accepted socket consuming it
 *                                    (SOCKET_BYTES per iteration; short chunks as they come)
 *   stream_lines/<backend>/<chunk>   the text file through the line reader (by batches of 256
 *                                    lines, buf_line_reader_next_batch), counting lines
 *                                    (items) and bytes, checked against the file's count.
 *                                    Chunks of <chunk> bytes, read LINES_READ_SIZE (16 KiB)
 *                                    at a time below that (buf_readable_set_read_size): the
 *                                    read(2) size baseline_wc_l's `wc -l` uses itself, so
 *                                    both make the same system calls per byte at 1-4 KiB
 *                                    (at 16 KiB and up the stream reads one chunk a read)
 *   stream_b64/<backend>/<chunk>     64 MiB of base64 text decoded to bytes by
 *                                    buf_convert_stream_* in a pipe (Buffer.from(s, 'base64')
 *                                    on a stream)
 *   stream_utf8/<backend>/<chunk>    64 MiB of multilingual UTF-8 text decoded (validated,
 *                                    as Buffer.from(s, 'utf8')) by buf_convert_stream_* in a pipe
 *   stream_pipe_reuse/malloc/<chunk> stream_pipe's work with block reuse on
 *   stream_lines_reuse/malloc/<chunk> (buf_readable_set_block_reuse): released blocks are
 *                                    read into again, so the backend sees ~no allocation
 *                                    per chunk below 1 MiB chunks (at 1 MiB the budget of
 *                                    spares is one block) and hardly matters: malloc only.
 *                                    Against the rows above: what reuse buys a consumer that
 *                                    releases chunks as they come.  The scripts know a
 *                                    FAMILY_reuse family by its suffix: one backend, no
 *                                    recommendation, compared with FAMILY's rows
 *   baseline_read/<chunk>            a plain read() loop over the data file into one buffer
 *   baseline_read_mmap/<chunk>       the same loop reading each chunk into a fresh anonymous
 *                                    mapping (mmap, read, munmap): what one mapping per
 *                                    allocation costs a reader, the floor for
 *                                    stream_file/mmap (its page faults and zeroing included)
 *   baseline_memcpy_pipe/<chunk>     stream_pipe's work without the stream layer: the same
 *                                    memory source memcpy'd chunk by chunk into one buffer
 *                                    (on 64 bytes, as slab and pool blocks are).
 *                                    baseline_memcpy/<chunk> copies one chunk that stays in
 *                                    cache, while the pipe's source streams from memory, so
 *                                    only this row measures the same bytes moving
 *   baseline_wc_l                    `wc -l` on the text file, a child process timed from
 *                                    spawn to exit (manual time); its count is checked
 * (baseline_memcpy/<chunk> is registered with the codec family's sizes, once for both.)
 *
 * The files live in config->data_dir and are config->stream_file_bytes big (the full run
 * passes >= 256 MiB, the quick run 64 MiB): stream_data.bin (pseudo-random bytes) and
 * stream_lines.txt (lines of words, ~60 bytes on average with mixed lengths, '\n' endings).
 * They are made on first use, outside any timing, and reused when present with the right
 * size; each is read once through before its first row so the page cache is warm and no
 * row measures the disk (a file smaller than the page cache's reach, read cold, would
 * time the first pass of the cache instead).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* accept4, pipe2 */
#endif
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "buf_backend.h"
#include "buf_codec.h"
#include "buf_model.h"
#include "buf_stream.h"
#include "family_support.h"
#include "suite.h"

extern char **environ;

/* ---- The grid --------------------------------------------------------------------------- */
static const size_t full_chunks[] = {1024, 4096, 16384, 65536, 262144, 1048576};
static const size_t quick_chunks[] = {4096, 65536, 1048576};

/* stream_pipe, stream_b64, stream_utf8: 64 MiB, or the stream-file size when that is smaller
 * (the test stage's 4 MiB, callgrind's 256 KiB), so every source scales with the run. */
#define MEMORY_SOURCE_MAX_BYTES ((size_t)64 * FAMILY_MIB)
static size_t memory_source_bytes = MEMORY_SOURCE_MAX_BYTES;
#define SOCKET_BYTES ((uint64_t)64 * FAMILY_MIB)      /* stream_socket: bytes per iteration */
/* stream_lines: bytes per read(2) at smaller chunks.  `wc -l` (coreutils 9.1) reads 16 KiB
 * at a time: strace shows 1,028 reads of 16,320 bytes for a 16 MiB file. */
#define LINES_READ_SIZE ((size_t)16 * 1024)
#define SENDER_BLOCK FAMILY_MIB                       /* one send() of the socket sender */

typedef enum stream_kind {
    STREAM_FILE,
    STREAM_PIPE,
    STREAM_THREAD,
    STREAM_SOCKET,
    STREAM_LINES,
    STREAM_B64,
    STREAM_UTF8,
} stream_kind_t;

typedef struct stream_case {
    stream_kind_t kind;
    const char *backend_name;
    size_t chunk;
    bool reuse_blocks; /* the *_reuse rows: buf_readable_set_block_reuse(readable, true) */
} stream_case_t;

/* ---- The files (made and warmed once per process, outside any timing) ------------------- */
typedef struct stream_file {
    char path[4096];
    uint64_t bytes;
    uint64_t lines; /* '\n' count, from the warming pass */
    bool ready;
    bool failed;
} stream_file_t;

static stream_file_t data_file, text_file;
static const bench_suite_config_t *suite_config;

/* One line of the text file, `length` bytes plus '\n': words of 2..10 letters. */
static size_t write_line(uint8_t *line, size_t length, uint64_t *rng)
{
    static const char *const words[] = {"buffer", "stream", "chunk", "the", "of", "readable", "pipe", "node",
                                        "socket", "line", "and", "a", "byte", "backend", "pool", "slab",
                                        "memory", "to", "in", "page", "cache", "write", "read", "data"};
    size_t used = 0;
    while (used < length) {
        const char *word = words[family_random(rng) % FAMILY_COUNT(words)];
        size_t word_length = strlen(word);
        if (used + word_length > length)
            word_length = length - used;
        memcpy(line + used, word, word_length);
        used += word_length;
        if (used < length)
            line[used++] = ' ';
    }
    line[used] = '\n';
    return used + 1;
}

/* Line lengths (without the '\n'): 10% empty or short (0..15), 75% ordinary (16..79),
 * 15% long (96..255): a mean of 0.1 x 7.5 + 0.75 x 47.5 + 0.15 x 175.5 = 62.7 bytes
 * (63.7 with the '\n'), like source code or logs. */
static size_t draw_line_length(uint64_t *rng)
{
    const unsigned pick = (unsigned)(family_random(rng) % 100);
    if (pick < 10)
        return family_random(rng) % 16;
    if (pick < 85)
        return 16 + family_random(rng) % 64;
    return 96 + family_random(rng) % 160;
}

static bool create_file(const char *path, uint64_t bytes, bool text)
{
    char temporary[4200];
    snprintf(temporary, sizeof temporary, "%s.partial", path);
    const int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    uint8_t *block = malloc(FAMILY_MIB + 512);
    bool ok = fd >= 0 && block != NULL;
    uint64_t written = 0, rng = text ? 0x6c696e6573ull : 0x64617461ull;
    while (ok && written < bytes) {
        size_t used = 0;
        if (text) {
            while (used < FAMILY_MIB)
                used += write_line(block + used, draw_line_length(&rng), &rng);
        } else {
            family_fill_random(block, FAMILY_MIB, rng + written);
            used = FAMILY_MIB;
        }
        if (used > bytes - written)
            used = (size_t)(bytes - written);
        if (text && used > 0)
            block[used - 1] = '\n'; /* the file ends with a whole line */
        ok = write(fd, block, used) == (ssize_t)used;
        written += used;
    }
    free(block);
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    ok = ok && rename(temporary, path) == 0;
    if (!ok)
        unlink(temporary);
    return ok;
}

/* Makes the file if it is missing or has another size, then reads it once through. */
static bool prepare_file(bench_state_t *state, stream_file_t *file, const char *name, bool text)
{
    if (file->ready)
        return true;
    if (!file->failed) {
        snprintf(file->path, sizeof file->path, "%s/%s", suite_config->data_dir, name);
        file->bytes = suite_config->stream_file_bytes;
        struct stat info;
        if (stat(file->path, &info) != 0 || (uint64_t)info.st_size != file->bytes)
            file->failed = !create_file(file->path, file->bytes, text);
    }
    uint8_t *block = malloc(FAMILY_MIB);
    const int fd = file->failed ? -1 : open(file->path, O_RDONLY);
    uint64_t total = 0;
    file->lines = 0;
    for (ssize_t got; fd >= 0 && block != NULL && (got = read(fd, block, FAMILY_MIB)) > 0; total += (uint64_t)got)
        for (const uint8_t *p = block, *end = block + got; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
            file->lines++;
    if (fd >= 0)
        close(fd);
    free(block);
    file->failed = file->failed || total != file->bytes;
    file->ready = !file->failed;
    if (file->failed) {
        char message[4200];
        snprintf(message, sizeof message, "cannot make or read %s", file->path);
        bench_skip_with_error(state, message);
    }
    return file->ready;
}

/* ---- The memory sources (built once per process, outside any timing) -------------------- */
static uint8_t *random_source, *base64_source, *utf8_source;
static size_t base64_source_length, base64_decoded_length, utf8_source_length;

static bool prepare_sources(bench_state_t *state)
{
    if (random_source != NULL)
        return true;
    /* base64: the text of 3/4 of the source size in random bytes, so it is ~64 MiB */
    base64_decoded_length = memory_source_bytes / 4 * 3;
    uint8_t *random = malloc(memory_source_bytes), *base64 = malloc(memory_source_bytes + 4),
            *utf8 = malloc(memory_source_bytes);
    if (random == NULL || base64 == NULL || utf8 == NULL) {
        free(random);
        free(base64);
        free(utf8);
        bench_skip_with_error(state, "out of memory for the memory sources");
        return false;
    }
    family_fill_random(random, memory_source_bytes, 0x7069706573ull);
    buf_encode(BUF_ENC_BASE64, random, base64_decoded_length, base64, memory_source_bytes + 4, &base64_source_length);
    /* multilingual UTF-8: ASCII, Latin accents, Cyrillic, CJK and emoji, never cut */
    static const char *const words[] = {"stream ", "caf\xc3\xa9 ", "\xd0\xbf\xd0\xbe\xd1\x82\xd0\xbe\xd0\xba ",
                                        "\xe4\xb8\xad\xe6\x96\x87 ", "\xf0\x9f\x98\x80 ", "data\n"};
    uint64_t rng = 0x75746638ull;
    size_t used = 0;
    while (used + 16 <= memory_source_bytes) {
        const char *word = words[family_random(&rng) % FAMILY_COUNT(words)];
        memcpy(utf8 + used, word, strlen(word));
        used += strlen(word);
    }
    utf8_source_length = used;
    random_source = random;
    base64_source = base64;
    utf8_source = utf8;
    return true;
}

/* ---- A sink that discards what it is given (the writable's writev target) ---------------- */
static long discard_writev(void *context, const struct iovec *iov, int iovcnt)
{
    (void)context;
    long total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += (long)iov[i].iov_len;
    return total;
}

static buf_writable_t *discarding_writable(void)
{
    buf_writable_t *writable = NULL;
    const buf_sink_t sink = {discard_writev, NULL};
    return buf_writable_to_sink(sink, NULL, &writable) == BUF_OK ? writable : NULL;
}

/* ---- One pass of each row ------------------------------------------------------------------------
 * Each returns the bytes that entered the stream, or -1 on failure (the run then fails). */
typedef struct stream_run {
    const stream_case_t *c;
    buf_backend_t *backend;
    buf_readable_options_t options;
    int fd;           /* the data or text file (stream_file, stream_thread, stream_lines) */
    buf_readable_t *socket_readable;
    int64_t lines;    /* stream_lines: lines of the last pass */
} stream_run_t;

static int64_t pass_file(stream_run_t *run)
{
    buf_readable_t *readable = NULL;
    if (lseek(run->fd, 0, SEEK_SET) != 0 || buf_readable_from_fd(run->backend, run->fd, &run->options, &readable) != BUF_OK)
        return -1;
    buf_buffer_t chunk;
    buf_status_t status;
    while ((status = buf_readable_read(readable, &chunk)) == BUF_OK)
        buf_buffer_release(&chunk);
    const uint64_t bytes = buf_readable_bytes_read(readable);
    buf_readable_destroy(readable);
    return status == BUF_EOF && bytes == data_file.bytes ? (int64_t)bytes : -1;
}

/* Pipes readable (taken over) through the transforms into a discarding writable. */
static int64_t pipe_to_discard(buf_readable_t *readable, const buf_transform_t *transforms, size_t count, bool threaded,
                               uint64_t expected_out)
{
    buf_writable_t *writable = discarding_writable();
    buf_pipe_result_t result = {0};
    buf_status_t status = BUF_ENOMEM;
    if (writable != NULL)
        status = threaded ? buf_pipe_run_threaded(readable, transforms, count, writable, NULL, &result)
                          : buf_pipe_run(readable, transforms, count, writable, NULL, &result);
    buf_writable_destroy(writable);
    buf_readable_destroy(readable);
    return status == BUF_OK && result.bytes_written == expected_out ? (int64_t)result.bytes_read : -1;
}

static int64_t pass_pipe(stream_run_t *run)
{
    buf_readable_t *readable = NULL;
    if (buf_readable_from_memory(run->backend, random_source, memory_source_bytes, &run->options, &readable) != BUF_OK)
        return -1;
    if (buf_readable_set_block_reuse(readable, run->c->reuse_blocks) != BUF_OK) {
        buf_readable_destroy(readable);
        return -1;
    }
    return pipe_to_discard(readable, NULL, 0, false, memory_source_bytes);
}

static int64_t pass_thread(stream_run_t *run)
{
    buf_readable_t *readable = NULL;
    if (lseek(run->fd, 0, SEEK_SET) != 0 || buf_readable_from_fd(run->backend, run->fd, &run->options, &readable) != BUF_OK)
        return -1;
    return pipe_to_discard(readable, NULL, 0, true, data_file.bytes);
}

static int64_t pass_lines(stream_run_t *run)
{
    buf_readable_t *readable = NULL;
    buf_line_reader_t *reader = NULL;
    if (lseek(run->fd, 0, SEEK_SET) != 0 || buf_readable_from_fd(run->backend, run->fd, &run->options, &readable) != BUF_OK)
        return -1;
    if (buf_readable_set_read_size(readable, LINES_READ_SIZE) != BUF_OK ||
        buf_readable_set_block_reuse(readable, run->c->reuse_blocks) != BUF_OK ||
        buf_line_reader_new(readable, 0, &reader) != BUF_OK) {
        buf_readable_destroy(readable);
        return -1;
    }
    /* lines by the batch, as a consumer of whole chunks takes them: every line is still
     * handed out (its bytes and length) and counted one by one; 256 lines of ~60 bytes
     * are a quarter of a 64 KiB chunk */
    int64_t lines = 0;
    uint64_t line_bytes = 0;
    buf_line_t batch[256];
    size_t count;
    buf_status_t status;
    while ((status = buf_line_reader_next_batch(reader, batch, FAMILY_COUNT(batch), &count)) == BUF_OK) {
        for (size_t i = 0; i < count; i++) {
            lines++;
            line_bytes += batch[i].length;
        }
    }
    const uint64_t bytes = buf_readable_bytes_read(readable);
    buf_line_reader_destroy(reader);
    buf_readable_destroy(readable);
    run->lines = lines;
    /* every line ends in '\n' (one byte), so the lines' bytes plus the count is the file */
    const bool whole = status == BUF_EOF && (uint64_t)lines == text_file.lines && line_bytes + (uint64_t)lines == bytes;
    return whole && bytes == text_file.bytes ? (int64_t)bytes : -1;
}

static int64_t pass_convert(stream_run_t *run, const uint8_t *text, size_t length, buf_encoding_t from, uint64_t out)
{
    buf_readable_t *readable = NULL;
    buf_convert_stream_t *convert = NULL;
    if (buf_readable_from_memory(run->backend, text, length, &run->options, &readable) != BUF_OK)
        return -1;
    if (buf_convert_stream_new(run->backend, false, from, true, BUF_ENC_UTF8, false, &convert) != BUF_OK) {
        buf_readable_destroy(readable);
        return -1;
    }
    const buf_transform_t transform = buf_convert_stream_transform(convert);
    const int64_t bytes = pipe_to_discard(readable, &transform, 1, false, out);
    buf_convert_stream_destroy(convert);
    return bytes;
}

static int64_t pass_b64(stream_run_t *run)
{
    return pass_convert(run, base64_source, base64_source_length, BUF_ENC_BASE64, base64_decoded_length);
}

static int64_t pass_utf8(stream_run_t *run)
{
    /* valid UTF-8 decodes to itself */
    return pass_convert(run, utf8_source, utf8_source_length, BUF_ENC_UTF8, utf8_source_length);
}

static int64_t pass_socket(stream_run_t *run)
{
    buf_buffer_t chunk;
    uint64_t bytes = 0;
    while (bytes < SOCKET_BYTES) {
        if (buf_readable_read(run->socket_readable, &chunk) != BUF_OK)
            return -1;
        bytes += (uint64_t)buf_buffer_length(&chunk);
        buf_buffer_release(&chunk);
    }
    return (int64_t)bytes;
}

/* ---- stream_socket's connection and sender thread ------------------------------------------------ */
typedef struct socket_pair {
    int sender_fd, receiver_fd;
    pthread_t sender;
    atomic_bool stop;
} socket_pair_t;

static void *socket_sender(void *argument)
{
    socket_pair_t *pair = argument;
    static uint8_t block[SENDER_BLOCK]; /* the same megabyte again and again */
    while (!atomic_load_explicit(&pair->stop, memory_order_relaxed)) {
        size_t sent = 0;
        while (sent < sizeof block) {
            const ssize_t n = send(pair->sender_fd, block + sent, sizeof block - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return NULL; /* the receiver went away: the run is over */
            sent += (size_t)n;
        }
    }
    return NULL;
}

/* A loopback TCP connection (127.0.0.1, an ephemeral port) and its sender thread. */
static bool socket_pair_open(socket_pair_t *pair)
{
    pair->sender_fd = pair->receiver_fd = -1;
    atomic_init(&pair->stop, false);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = 0};
    socklen_t address_length = sizeof address;
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok = listener >= 0 && bind(listener, (struct sockaddr *)&address, sizeof address) == 0 &&
              listen(listener, 1) == 0 && getsockname(listener, (struct sockaddr *)&address, &address_length) == 0;
    if (ok) {
        pair->sender_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ok = pair->sender_fd >= 0 && connect(pair->sender_fd, (struct sockaddr *)&address, sizeof address) == 0;
    }
    if (ok) {
        pair->receiver_fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        ok = pair->receiver_fd >= 0;
    }
    if (listener >= 0)
        close(listener);
    ok = ok && pthread_create(&pair->sender, NULL, socket_sender, pair) == 0;
    if (!ok) {
        if (pair->sender_fd >= 0)
            close(pair->sender_fd);
        if (pair->receiver_fd >= 0)
            close(pair->receiver_fd);
    }
    return ok;
}

static void socket_pair_close(socket_pair_t *pair)
{
    atomic_store(&pair->stop, true);
    shutdown(pair->receiver_fd, SHUT_RDWR); /* the sender's next send fails: it returns */
    shutdown(pair->sender_fd, SHUT_RDWR);
    pthread_join(pair->sender, NULL);
    close(pair->sender_fd);
    close(pair->receiver_fd);
}

/* ---- The stream rows -------------------------------------------------------------------------------- */
typedef int64_t (*stream_pass_fn)(stream_run_t *run);

static const stream_pass_fn stream_passes[] = {
    [STREAM_FILE] = pass_file,     [STREAM_PIPE] = pass_pipe,   [STREAM_THREAD] = pass_thread,
    [STREAM_SOCKET] = pass_socket, [STREAM_LINES] = pass_lines, [STREAM_B64] = pass_b64,
    [STREAM_UTF8] = pass_utf8,
};

static void bench_stream(bench_state_t *state, void *context)
{
    const stream_case_t *c = context;
    stream_run_t run = {.c = c, .options = {.high_water_mark = c->chunk}, .fd = -1};
    const bool uses_data = c->kind == STREAM_FILE || c->kind == STREAM_THREAD;
    const bool uses_memory = c->kind == STREAM_PIPE || c->kind == STREAM_B64 || c->kind == STREAM_UTF8;
    if ((uses_data && !prepare_file(state, &data_file, "stream_data.bin", false)) ||
        (c->kind == STREAM_LINES && !prepare_file(state, &text_file, "stream_lines.txt", true)) ||
        (uses_memory && !prepare_sources(state)))
        return;
    run.backend = family_open_backend(state, c->backend_name);
    if (run.backend == NULL)
        return;
    if (uses_data || c->kind == STREAM_LINES)
        run.fd = open(uses_data ? data_file.path : text_file.path, O_RDONLY | O_CLOEXEC);
    socket_pair_t pair;
    bool socket_open = false;
    if (c->kind == STREAM_SOCKET) {
        socket_open = socket_pair_open(&pair);
        if (!socket_open || buf_readable_from_fd(run.backend, pair.receiver_fd, &run.options, &run.socket_readable) != BUF_OK)
            run.fd = -2; /* reported below */
    }
    int64_t bytes = 0, lines = 0;
    bool failed = run.fd == -2 || ((uses_data || c->kind == STREAM_LINES) && run.fd < 0);
    if (!failed)
        for (int64_t n; (n = bench_batch(state)) > 0;)
            for (int64_t i = 0; i < n; i++) {
                const int64_t passed = stream_passes[c->kind](&run);
                failed |= passed < 0;
                bytes += passed;
                lines += run.lines;
            }
    bench_set_bytes_processed(state, failed ? 0 : bytes);
    if (c->kind == STREAM_LINES && !failed)
        bench_set_items_processed(state, lines);
    if (failed)
        bench_skip_with_error(state, "the stream failed or delivered the wrong bytes");
    buf_readable_destroy(run.socket_readable);
    if (socket_open)
        socket_pair_close(&pair);
    if (run.fd >= 0)
        close(run.fd);
    buf_backend_close(run.backend);
}

/* ---- Baselines ------------------------------------------------------------------------------------------ */
static void bench_baseline_read(bench_state_t *state, void *context)
{
    const stream_case_t *c = context;
    if (!prepare_file(state, &data_file, "stream_data.bin", false))
        return;
    const size_t page = buf_page_size();
    uint8_t *buffer = aligned_alloc(page, (c->chunk + page - 1) / page * page);
    const int fd = open(data_file.path, O_RDONLY | O_CLOEXEC);
    bool failed = buffer == NULL || fd < 0;
    int64_t bytes = 0;
    if (!failed)
        for (int64_t n; (n = bench_batch(state)) > 0;)
            for (int64_t i = 0; i < n; i++) {
                uint64_t total = 0;
                ssize_t got;
                lseek(fd, 0, SEEK_SET);
                while ((got = read(fd, buffer, c->chunk)) > 0)
                    total += (uint64_t)got;
                failed |= total != data_file.bytes;
                bytes += (int64_t)total;
            }
    bench_set_bytes_processed(state, bytes);
    if (failed)
        bench_skip_with_error(state, "cannot read the data file through");
    if (fd >= 0)
        close(fd);
    free(buffer);
}

static void bench_baseline_mmap(bench_state_t *state, void *context)
{
    const stream_case_t *c = context;
    if (!prepare_file(state, &data_file, "stream_data.bin", false))
        return;
    const int fd = open(data_file.path, O_RDONLY | O_CLOEXEC);
    bool failed = fd < 0;
    int64_t bytes = 0;
    if (!failed)
        for (int64_t n; (n = bench_batch(state)) > 0;)
            for (int64_t i = 0; i < n; i++) {
                uint64_t total = 0;
                lseek(fd, 0, SEEK_SET);
                for (;;) {
                    void *chunk = mmap(NULL, c->chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
                    if (chunk == MAP_FAILED) {
                        failed = true;
                        break;
                    }
                    const ssize_t got = read(fd, chunk, c->chunk);
                    munmap(chunk, c->chunk);
                    if (got <= 0)
                        break;
                    total += (uint64_t)got;
                }
                failed |= total != data_file.bytes;
                bytes += (int64_t)total;
            }
    bench_set_bytes_processed(state, bytes);
    if (failed)
        bench_skip_with_error(state, "cannot map chunks or read the data file through");
    if (fd >= 0)
        close(fd);
}

static void bench_baseline_memcpy_pipe(bench_state_t *state, void *context)
{
    const stream_case_t *c = context;
    if (!prepare_sources(state))
        return;
    /* On 64 bytes, as slab's and pool's blocks are: the copy's speed into one fixed buffer
     * depends on where it sits against the source modulo 64 (glibc's `rep movsb` from 4 KiB
     * runs ~3x slower 1-31 bytes ahead on this EPYC: README, Streams -> Performance), and a
     * malloc'd buffer landed wherever the process's earlier allocations left it, so one
     * run in four timed a slow baseline that flattered every stream_pipe row from 4 KiB
     * up.  On 64 bytes the baseline is the fast copy in every run, and the very copy slab
     * and pool rows make. */
    uint8_t *chunk = aligned_alloc(64, (c->chunk + 63) / 64 * 64);
    bool failed = chunk == NULL;
    int64_t bytes = 0;
    if (!failed)
        for (int64_t n; (n = bench_batch(state)) > 0;)
            for (int64_t i = 0; i < n; i++) {
                for (size_t offset = 0; offset < memory_source_bytes; offset += c->chunk) {
                    const size_t left = memory_source_bytes - offset;
                    memcpy(chunk, random_source + offset, left < c->chunk ? left : c->chunk);
                    bench_clobber_memory(); /* each copy is consumed, as the pipe's sink sees it */
                }
                bytes += (int64_t)memory_source_bytes;
            }
    bench_set_bytes_processed(state, bytes);
    if (failed)
        bench_skip_with_error(state, "out of memory for the chunk");
    free(chunk);
}

/* Runs `wc -l FILE` with its output in a pipe; returns the count it printed, -1 on failure. */
static int64_t run_wc_l(const char *path)
{
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    char *const argv[] = {"wc", "-l", (char *)path, NULL};
    pid_t child;
    const int spawned = posix_spawnp(&child, "wc", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    char text[64] = {0};
    size_t used = 0;
    for (ssize_t got; used < sizeof text - 1 && (got = read(out[0], text + used, sizeof text - 1 - used)) > 0;)
        used += (size_t)got;
    close(out[0]);
    int wait_status = 0;
    if (spawned != 0 || waitpid(child, &wait_status, 0) != child || !WIFEXITED(wait_status) ||
        WEXITSTATUS(wait_status) != 0)
        return -1;
    return strtoll(text, NULL, 10);
}

static void bench_baseline_wc_l(bench_state_t *state, void *context)
{
    (void)context;
    if (!prepare_file(state, &text_file, "stream_lines.txt", true))
        return;
    bool failed = false;
    int64_t bytes = 0;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            const double start = family_now_seconds();
            const int64_t lines = run_wc_l(text_file.path);
            bench_set_iteration_time(state, family_now_seconds() - start);
            failed |= lines != (int64_t)text_file.lines;
            bytes += (int64_t)text_file.bytes;
        }
    bench_set_bytes_processed(state, bytes);
    if (failed)
        bench_skip_with_error(state, "wc -l failed or counted other lines");
}

/* ---- Registration ---------------------------------------------------------------------------------------- */
void bench_family_stream(const bench_suite_config_t *config)
{
    static const struct {
        const char *family;
        stream_kind_t kind;
    } families[] = {
        {"stream_file", STREAM_FILE},     {"stream_pipe", STREAM_PIPE},   {"stream_thread", STREAM_THREAD},
        {"stream_socket", STREAM_SOCKET}, {"stream_lines", STREAM_LINES}, {"stream_b64", STREAM_B64},
        {"stream_utf8", STREAM_UTF8},
    };
    suite_config = config;
    if (config->stream_file_bytes > 0 && config->stream_file_bytes < MEMORY_SOURCE_MAX_BYTES)
        memory_source_bytes = (size_t)config->stream_file_bytes;
    const size_t *chunks = config->quick ? quick_chunks : full_chunks;
    const size_t chunk_count = config->quick ? FAMILY_COUNT(quick_chunks) : FAMILY_COUNT(full_chunks);
    for (size_t f = 0; f < FAMILY_COUNT(families); f++)
        for (size_t b = 0; b < buf_backend_count(); b++)
            for (size_t k = 0; k < chunk_count; k++) {
                stream_case_t *c = family_context(sizeof *c);
                *c = (stream_case_t){families[f].kind, buf_backend_at(b)->props.name, chunks[k], false};
                bench_use_real_time(
                    family_register(bench_stream, c, "%s/%s/%zu", families[f].family, c->backend_name, c->chunk));
            }
    /* What block reuse buys, on malloc only: with reuse on the backend is asked for ~no
     * block per chunk, so the other backends would measure the same thing again. */
    static const struct {
        const char *family;
        stream_kind_t kind;
    } reuse_families[] = {{"stream_pipe_reuse", STREAM_PIPE}, {"stream_lines_reuse", STREAM_LINES}};
    for (size_t f = 0; f < FAMILY_COUNT(reuse_families); f++)
        for (size_t k = 0; k < chunk_count; k++) {
            stream_case_t *c = family_context(sizeof *c);
            *c = (stream_case_t){reuse_families[f].kind, "malloc", chunks[k], true};
            bench_use_real_time(
                family_register(bench_stream, c, "%s/%s/%zu", reuse_families[f].family, c->backend_name, c->chunk));
        }
    for (size_t k = 0; k < chunk_count; k++) {
        stream_case_t *c = family_context(sizeof *c);
        c->chunk = chunks[k];
        bench_use_real_time(family_register(bench_baseline_read, c, "baseline_read/%zu", c->chunk));
        bench_use_real_time(family_register(bench_baseline_mmap, c, "baseline_read_mmap/%zu", c->chunk));
        bench_use_real_time(family_register(bench_baseline_memcpy_pipe, c, "baseline_memcpy_pipe/%zu", c->chunk));
    }
    bench_use_manual_time(bench_register("baseline_wc_l", bench_baseline_wc_l, NULL));
}
