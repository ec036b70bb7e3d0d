/* cmd_convert.c — `buf convert`: convert between Node's encodings and raw bytes, streaming.
 *
 *   buf convert --from ENC --to ENC [--backend NAME] [--chunk BYTES] [--strict] [--progress] [IN [OUT]]
 *
 * ENC is a Node encoding name (any alias, any case) or `raw`.  --from raw --to E encodes
 * (bytes -> E text), --from E --to raw decodes, --from A --to B decodes then encodes.
 * Text is UTF-8 on both sides.  The input streams through in chunks (64 KiB, or --chunk):
 * readable -> [tap] -> convert transform -> writable (buf_stream.h), every chunk from the
 * chosen backend, so memory stays constant whatever the input size, and the output is the
 * same for every backend and chunk size (the streaming codecs carry a character, quantum
 * or pair split across chunks).  The tap in front counts the bytes (--progress) and keeps
 * the last input chunk, so a strict error can show the offending byte.
 * OUT is opened (and truncated) only when the first output bytes are ready, so a
 * conversion that fails before writing anything leaves an existing OUT untouched.
 * Exit status: 0 success (also when the reader of stdout goes away: EPIPE is a quiet
 * exit, so `| head` works), 1 runtime error (I/O, memory, strict failure; the message says
 * how many bytes were written), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "buf_backend.h"
#include "buf_codec.h"
#include "buf_model.h"
#include "buf_stream.h"
#include "cli.h"

/* ---- Usage ------------------------------------------------------------------------- */
static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: buf convert --from ENC --to ENC [--backend NAME] [--chunk BYTES] [--strict]\n"
            "                   [--progress] [IN [OUT]]\n"
            "\n"
            "Converts IN (default stdin, or '-') to OUT (default stdout, or '-') the way Node.js v20\n"
            "does, with UTF-8 as the text side.  ENC is raw (the bytes themselves) or one of\n"
            "  utf8 (utf-8), utf16le (ucs2, ucs-2, utf-16le), latin1 (binary), ascii, hex,\n"
            "  base64, base64url            (names are case-insensitive)\n"
            "  --from raw --to E   encode: bytes -> E text      (Node: buf.toString(E))\n"
            "  --from E --to raw   decode: E text -> bytes      (Node: Buffer.from(text, E))\n"
            "  --from A --to B     decode from A, then encode to B\n"
            "\n"
            "options:\n"
            "  --from ENC, --to ENC  the input and output encodings (both required)\n"
            "  --backend NAME        memory backend for every buffer (default malloc; see\n"
            "                        'buf backends'; variants such as mmap:guard work too)\n"
            "  --chunk BYTES         read and convert in chunks of BYTES (default 65536, 1 to\n"
            "                        67108864; K, M suffixes for KiB, MiB); memory stays constant\n"
            "  --strict              fail (exit 1) with the byte offset of the first input that\n"
            "                        Node's decoder would silently drop or replace\n"
            "  --progress            print bytes, rate and (for a file) percent read on stderr,\n"
            "                        about once a second\n"
            "  -h, --help            this help\n"
            "\n"
            "examples:\n"
            "  printf 'hi' | buf convert --from raw --to hex            # 6869\n"
            "  printf 'aGk=' | buf convert --from base64 --to raw       # hi\n"
            "  printf '6869' | buf convert --from hex --to base64url    # aGk\n"
            "  printf '68zz' | buf convert --from hex --to raw --strict # error at offset 2\n");
}

/* ---- Options ------------------------------------------------------------------------- */
typedef struct convert_side {
    bool raw;
    buf_encoding_t encoding;
} convert_side_t;

typedef struct convert_options {
    const char *from, *to, *backend, *input_path, *output_path;
    size_t chunk_size;
    bool strict, progress;
} convert_options_t;

/* True to go on with the conversion; false to stop with *exit_status (0 after --help). */
static bool parse_options(int argc, char **argv, convert_options_t *options, int *exit_status)
{
    int positional = 0;
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool missing = false;
        const char *value;
        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (positional == 0)
                options->input_path = arg;
            else if (positional == 1)
                options->output_path = arg;
            else
                return cli_stop(exit_status, 2,
                                "convert: unexpected argument '%s' (at most IN and OUT; try 'buf convert --help')", arg);
            positional++;
        } else if (strcmp(arg, "--") == 0) {
            only_positional = true;
        } else if (cli_is_help(arg)) {
            print_usage(stdout);
            *exit_status = 0;
            return false;
        } else if (strcmp(arg, "--strict") == 0) {
            options->strict = true;
        } else if (strcmp(arg, "--progress") == 0) {
            options->progress = true;
        } else if ((value = cli_option_value(argc, argv, &i, "--from", &missing)) || missing) {
            if (missing)
                return cli_stop(exit_status, 2, "convert: --from needs an encoding (try 'buf convert --help')");
            options->from = value;
        } else if ((value = cli_option_value(argc, argv, &i, "--to", &missing)) || missing) {
            if (missing)
                return cli_stop(exit_status, 2, "convert: --to needs an encoding (try 'buf convert --help')");
            options->to = value;
        } else if ((value = cli_option_value(argc, argv, &i, "--backend", &missing)) || missing) {
            if (missing)
                return cli_stop(exit_status, 2, "convert: --backend needs a name (see 'buf backends')");
            options->backend = value;
        } else if ((value = cli_option_value(argc, argv, &i, "--chunk", &missing)) || missing) {
            if (missing || !cli_parse_bytes(value, 1, BUF_STREAM_MAX_CHUNK, &options->chunk_size))
                return cli_stop(exit_status, 2, "convert: --chunk needs a size from 1 to %zu bytes (K and M suffixes "
                                                "allowed), not '%s'", BUF_STREAM_MAX_CHUNK, missing ? "" : value);
        } else {
            return cli_stop(exit_status, 2, "convert: unknown option '%s' (try 'buf convert --help')", arg);
        }
    }
    if (!options->from || !options->to)
        return cli_stop(exit_status, 2, "convert: both --from and --to are required (try 'buf convert --help')");
    return true;
}

static bool parse_side(const char *name, const char *which, convert_side_t *side, int *exit_status)
{
    side->raw = strcmp(name, "raw") == 0;
    if (side->raw || buf_encoding_parse(name, &side->encoding) == BUF_OK)
        return true;
    return cli_stop(exit_status, 2,
                    "convert: unknown encoding '%s' for %s (raw, utf8, utf-8, utf16le, utf-16le, ucs2, ucs-2, "
                    "latin1, binary, ascii, hex, base64, base64url)", name, which);
}


/* ---- The output: opened when the first bytes are ready --------------------------------- */
typedef struct output_sink {
    const char *path; /* NULL: stdout */
    const char *name; /* for messages */
    int fd;           /* -1 until opened */
    bool open_failed;
} output_sink_t;

static bool output_open(output_sink_t *sink)
{
    if (sink->fd >= 0)
        return true;
    sink->fd = sink->path ? open(sink->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666) : STDOUT_FILENO;
    sink->open_failed = sink->fd < 0;
    return !sink->open_failed;
}

static long output_writev(void *context, const struct iovec *iov, int iovcnt)
{
    output_sink_t *sink = context;
    if (!output_open(sink))
        return -errno;
    const ssize_t put = writev(sink->fd, iov, iovcnt);
    return put < 0 ? -errno : (long)put;
}

/* ---- The tap: counts input bytes (--progress) and keeps the last chunk ------------------ */
typedef struct input_tap {
    buf_buffer_t last; /* a reference to the latest input chunk (length 0: none yet) */
    bool has_last;
    uint64_t last_start, bytes_seen;
    bool progress;
    uint64_t input_size; /* 0: unknown (not a regular file) */
    struct timespec started, printed;
} input_tap_t;

static double seconds_between(const struct timespec *from, const struct timespec *to)
{
    return (double)(to->tv_sec - from->tv_sec) + (double)(to->tv_nsec - from->tv_nsec) / 1e9;
}

/* "12.3 MiB": a size in binary units, as pv prints it. */
static void format_size(char *dst, size_t capacity, double bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t unit = 0;
    while (bytes >= 1024 && unit + 1 < sizeof units / sizeof units[0]) {
        bytes /= 1024;
        unit++;
    }
    snprintf(dst, capacity, unit ? "%.1f %s" : "%.0f %s", bytes, units[unit]);
}

static void print_progress(input_tap_t *tap, const struct timespec *now, bool final)
{
    const double elapsed = seconds_between(&tap->started, now);
    char done[32], rate[32];
    format_size(done, sizeof done, (double)tap->bytes_seen);
    format_size(rate, sizeof rate, elapsed > 0 ? (double)tap->bytes_seen / elapsed : 0);
    if (tap->input_size)
        fprintf(stderr, "\rbuf: %s  %s/s  %3.0f%%", done, rate, 100.0 * (double)tap->bytes_seen / (double)tap->input_size);
    else
        fprintf(stderr, "\rbuf: %s  %s/s", done, rate);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
    tap->printed = *now;
}

static buf_status_t tap_chunk(void *context, const buf_buffer_t *chunk, buf_emit_fn emit, void *emit_context)
{
    input_tap_t *tap = context;
    if (tap->has_last)
        buf_buffer_release(&tap->last);
    buf_typed_clone(chunk, &tap->last);
    tap->has_last = true;
    tap->last_start = tap->bytes_seen;
    tap->bytes_seen += (uint64_t)buf_buffer_length(chunk);
    if (tap->progress) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (seconds_between(&tap->printed, &now) >= 1.0) /* about once a second, as pv */
            print_progress(tap, &now, false);
    }
    return emit(emit_context, chunk);
}

static buf_status_t tap_flush(void *context, buf_emit_fn emit, void *emit_context)
{
    (void)emit;
    (void)emit_context;
    input_tap_t *tap = context;
    if (tap->progress) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        print_progress(tap, &now, true);
    }
    return BUF_OK;
}

/* The input byte at `offset` for a strict message: from the last chunk, or read again
 * from a regular file; false if it is gone (an earlier chunk of a pipe). */
static bool input_byte_at(const input_tap_t *tap, int fd, uint64_t offset, uint8_t *out)
{
    if (tap->has_last && offset >= tap->last_start && offset < tap->bytes_seen) {
        *out = buf_buffer_data(&tap->last)[offset - tap->last_start];
        return true;
    }
    return tap->input_size && pread(fd, out, 1, (off_t)offset) == 1;
}

/* ---- The conversion ------------------------------------------------------------------ */
typedef struct convert_run {
    const convert_options_t *options;
    convert_side_t from, to;
    const char *input_name;
    int input_fd;
    input_tap_t tap;
    output_sink_t sink;
    buf_readable_t *readable;
    buf_writable_t *writable;
    buf_convert_stream_t *converter;
} convert_run_t;

/* The message for a failed pipe: what went wrong, and how much of the output was written. */
static int report_failure(convert_run_t *run, const buf_pipe_result_t *result)
{
    const uint64_t written = result->bytes_written;
    const char *output_name = run->sink.name;
    if (result->status == BUF_ESTRICT) {
        const uint64_t offset = buf_convert_stream_bad_offset(run->converter);
        uint8_t byte;
        char shown[32] = "";
        if (input_byte_at(&run->tap, run->input_fd, offset, &byte))
            snprintf(shown, sizeof shown, " (byte 0x%02x)", byte);
        return cli_fail(1, "convert: strict %s: byte offset %" PRIu64 " of %s%s would be dropped or replaced by "
                           "Node's decoder (%" PRIu64 " bytes written to %s)",
                        buf_encoding_name(run->from.encoding), offset, run->input_name, shown, written, output_name);
    }
    if (buf_readable_errno(run->readable))
        return cli_fail(1, "convert: cannot read %s: %s (%" PRIu64 " bytes written to %s)", run->input_name,
                        strerror(buf_readable_errno(run->readable)), written, output_name);
    if (run->sink.open_failed)
        return cli_fail(1, "convert: cannot open %s for writing: %s", output_name,
                        strerror(buf_writable_errno(run->writable)));
    if (buf_writable_errno(run->writable))
        return cli_fail(1, "convert: cannot write %s: %s (%" PRIu64 " bytes written)", output_name,
                        strerror(buf_writable_errno(run->writable)), written);
    return cli_fail(1, "convert: %s after %" PRIu64 " bytes read (%" PRIu64 " bytes written to %s; backend %s)",
                    buf_status_message(result->status), result->bytes_read, written, output_name,
                    run->options->backend);
}

/* Returns the exit status.  Every chunk comes from `backend`; everything is released here. */
static int convert(buf_backend_t *backend, convert_run_t *run)
{
    const convert_options_t *options = run->options;
    const buf_readable_options_t readable_options = {options->chunk_size};
    buf_status_t status = buf_readable_from_fd(backend, run->input_fd, &readable_options, &run->readable);
    if (status == BUF_OK)
        status = buf_writable_to_sink((buf_sink_t){output_writev, &run->sink}, NULL, &run->writable);
    if (status == BUF_OK)
        status = buf_convert_stream_new(backend, run->from.raw, run->from.encoding, run->to.raw, run->to.encoding,
                                        options->strict && !run->from.raw, &run->converter);
    if (status != BUF_OK)
        return cli_fail(1, "convert: cannot set up the stream: %s", buf_status_message(status));
    const buf_transform_t transforms[] = {
        {tap_chunk, tap_flush, &run->tap},
        buf_convert_stream_transform(run->converter),
    };
    /* small chunks still batch their writes: at least 4 x 64 KiB in flight */
    const size_t chunk = options->chunk_size > BUF_STREAM_DEFAULT_CHUNK ? options->chunk_size : BUF_STREAM_DEFAULT_CHUNK;
    const buf_pipe_options_t pipe_options = {4 * chunk};
    buf_pipe_result_t result = {0};
    buf_pipe_run(run->readable, transforms, 2, run->writable, &pipe_options, &result);
    if (result.status == BUF_EPIPE)
        return 0; /* the reader is gone (e.g. `| head -c1`): nothing left to say */
    if (result.status != BUF_OK)
        return report_failure(run, &result);
    if (!output_open(&run->sink)) /* an empty output still creates OUT */
        return cli_fail(1, "convert: cannot open %s for writing: %s", run->sink.name, strerror(errno));
    return 0;
}

int cmd_convert(int argc, char **argv)
{
    convert_options_t options = {NULL, NULL, "malloc", NULL, NULL, BUF_STREAM_DEFAULT_CHUNK, false, false};
    int exit_status = 0;
    convert_run_t run = {.options = &options, .input_fd = STDIN_FILENO};
    if (!parse_options(argc, argv, &options, &exit_status) ||
        !parse_side(options.from, "--from", &run.from, &exit_status) ||
        !parse_side(options.to, "--to", &run.to, &exit_status))
        return exit_status;
    buf_backend_t *backend = NULL;
    const buf_status_t status = buf_backend_open(options.backend, NULL, &backend);
    if (status != BUF_OK)
        return cli_fail(2, "convert: cannot open backend '%s': %s (see 'buf backends')", options.backend,
                        buf_status_message(status));
    run.input_name = options.input_path && strcmp(options.input_path, "-") ? options.input_path : "stdin";
    const bool to_stdout = !options.output_path || strcmp(options.output_path, "-") == 0;
    run.sink = (output_sink_t){to_stdout ? NULL : options.output_path, to_stdout ? "stdout" : options.output_path, -1,
                               false};
    if (strcmp(run.input_name, "stdin") != 0 && (run.input_fd = open(options.input_path, O_RDONLY | O_CLOEXEC)) < 0) {
        exit_status = cli_fail(1, "convert: cannot open %s: %s", options.input_path, strerror(errno));
    } else {
        struct stat input_stat;
        if (fstat(run.input_fd, &input_stat) == 0 && S_ISREG(input_stat.st_mode))
            run.tap.input_size = (uint64_t)input_stat.st_size;
        run.tap.progress = options.progress;
        clock_gettime(CLOCK_MONOTONIC, &run.tap.started);
        run.tap.printed = run.tap.started;
        signal(SIGPIPE, SIG_IGN); /* a closed pipe becomes EPIPE from write(), handled quietly */
        exit_status = convert(backend, &run);
    }
    buf_convert_stream_destroy(run.converter);
    buf_writable_destroy(run.writable);
    buf_readable_destroy(run.readable);
    if (run.tap.has_last)
        buf_buffer_release(&run.tap.last);
    if (run.input_fd != STDIN_FILENO && run.input_fd >= 0)
        close(run.input_fd);
    if (run.sink.fd >= 0 && run.sink.path && close(run.sink.fd) != 0 && exit_status == 0)
        exit_status = cli_fail(1, "convert: cannot write %s: %s", run.sink.name, strerror(errno));
    if (buf_backend_close(backend) != 0 && exit_status == 0)
        exit_status = cli_fail(1, "convert: blocks still outstanding in backend %s", options.backend);
    return exit_status;
}
