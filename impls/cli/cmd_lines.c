/* cmd_lines.c — `buf lines`: count lines and bytes through the stream line reader.
 *
 *   buf lines [--backend SPEC] [--chunk BYTES] [--max-line BYTES] [FILE...]
 *
 * Each FILE (stdin by default, or '-') is read in chunks from the chosen backend and split
 * by the line reader exactly as Node's readline (crlfDelay: Infinity) splits it; the
 * counts are printed as `wc -l -c` prints them (a total line for several files).  The
 * count is readline's, not wc's: see print_usage for where they differ.
 * Exit status: 0 success, 1 runtime error (unreadable file, over-long line, memory; the
 * other files are still counted), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf_backend.h"
#include "buf_stream.h"
#include "cli.h"

/* ---- Usage ------------------------------------------------------------------------- */
static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: buf lines [--backend SPEC] [--chunk BYTES] [--max-line BYTES] [FILE...]\n"
            "\n"
            "Counts the lines and bytes of each FILE (default stdin, or '-') through the stream\n"
            "line reader, which splits lines as Node.js v20's readline does with crlfDelay:\n"
            "Infinity, and prints them like 'wc -l -c' (lines, bytes, name; a total for several).\n"
            "\n"
            "Where the line count differs from 'wc -l' (which counts \\n bytes):\n"
            "  - a last line without a line end counts:  printf 'a\\nb'   -> 2 lines (wc: 1)\n"
            "  - a lone \\r ends a line:                   printf 'a\\rb\\r' -> 2 lines (wc: 0)\n"
            "  - \\r\\n is one line end, also when a chunk boundary splits it\n"
            "\n"
            "options:\n"
            "  --backend SPEC     memory backend for the chunks (default malloc; see 'buf backends';\n"
            "                     variants such as mmap:guard or fail(SEED,P):NAME work too)\n"
            "  --chunk BYTES      chunk size, 1 .. 67108864 (default 65536, as fs.createReadStream;\n"
            "                     K and M suffixes for KiB and MiB)\n"
            "  --max-line BYTES   longest line accepted (default 1048576); a longer line is an error\n"
            "  -h, --help         this help\n");
}

/* ---- Options ------------------------------------------------------------------------- */
typedef struct lines_options {
    const char *backend;
    size_t chunk_size, max_line;
    char **paths;
    int path_count;
} lines_options_t;

static bool parse_options(int argc, char **argv, lines_options_t *options, int *exit_status)
{
    options->paths = calloc((size_t)argc, sizeof *options->paths);
    if (!options->paths)
        return cli_stop(exit_status, 1, "lines: out of memory");
    bool only_paths = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        bool missing = false;
        const char *value;
        if (only_paths || arg[0] != '-' || strcmp(arg, "-") == 0) {
            options->paths[options->path_count++] = argv[i];
        } else if (strcmp(arg, "--") == 0) {
            only_paths = true;
        } else if (cli_is_help(arg)) {
            print_usage(stdout);
            *exit_status = 0;
            return false;
        } else if ((value = cli_option_value(argc, argv, &i, "--backend", &missing)) || missing) {
            if (missing)
                return cli_stop(exit_status, 2, "lines: --backend needs a name (see 'buf backends')");
            options->backend = value;
        } else if ((value = cli_option_value(argc, argv, &i, "--chunk", &missing)) || missing) {
            if (!cli_parse_bytes(value, 1, BUF_STREAM_MAX_CHUNK, &options->chunk_size))
                return cli_stop(exit_status, 2, "lines: --chunk needs a size in bytes, 1 .. %zu (got '%s')",
                                (size_t)BUF_STREAM_MAX_CHUNK, value ? value : "");
        } else if ((value = cli_option_value(argc, argv, &i, "--max-line", &missing)) || missing) {
            if (!cli_parse_bytes(value, 1, SIZE_MAX / 2, &options->max_line))
                return cli_stop(exit_status, 2, "lines: --max-line needs a size in bytes, at least 1 (got '%s')",
                                value ? value : "");
        } else {
            return cli_stop(exit_status, 2, "lines: unknown option '%s' (try 'buf lines --help')", arg);
        }
    }
    return true;
}

/* ---- Counting --------------------------------------------------------------------------- */
/* Lines taken per call: 256 lines of ~60 bytes are a quarter of a 64 KiB chunk. */
#define LINES_BATCH 256
/* Bytes per read(2): the default chunk (64 KiB), so a small --chunk changes the chunks the
 * line reader sees, not the number of system calls. */
#define LINES_READ_SIZE BUF_STREAM_DEFAULT_CHUNK
typedef struct line_count {
    uint64_t lines, bytes;
} line_count_t;

/* Counts fd; false (message printed) on an error. */
static bool count_lines(buf_backend_t *backend, int fd, const char *name, const lines_options_t *options,
                        line_count_t *count)
{
    const buf_readable_options_t read_options = {.high_water_mark = options->chunk_size};
    buf_readable_t *readable = NULL;
    buf_line_reader_t *reader = NULL;
    buf_status_t status = buf_readable_from_fd(backend, fd, &read_options, &readable);
    if (status == BUF_OK)
        status = buf_line_reader_new(readable, options->max_line, &reader);
    /* Lines by the batch: one call a chunk's worth of lines instead of one a line, and
     * reads of at least LINES_READ_SIZE bytes whatever the chunk size.  The line reader
     * releases each block's chunks as it goes, so the readable can read into its used-up
     * blocks again: a count needs no fresh block per read. */
    if (status == BUF_OK)
        status = buf_readable_set_read_size(readable, LINES_READ_SIZE);
    if (status == BUF_OK)
        status = buf_readable_set_block_reuse(readable, true);
    buf_line_t batch[LINES_BATCH];
    size_t got = 0;
    count->lines = 0;
    while (status == BUF_OK && (status = buf_line_reader_next_batch(reader, batch, LINES_BATCH, &got)) == BUF_OK)
        count->lines += got;
    count->bytes = buf_readable_bytes_read(readable);
    const int error = buf_readable_errno(readable);
    buf_line_reader_destroy(reader);
    buf_readable_destroy(readable);
    if (status == BUF_EOF)
        return true;
    if (status == BUF_ERANGE)
        cli_fail(1, "lines: %s: line %" PRIu64 " is longer than %zu bytes (raise --max-line)", name,
                 count->lines + 1, options->max_line ? options->max_line : BUF_STREAM_DEFAULT_MAX_LINE);
    else if (status == BUF_EIO && error)
        cli_fail(1, "lines: cannot read %s: %s", name, strerror(error));
    else
        cli_fail(1, "lines: %s: %s", name, buf_status_message(status));
    return false;
}

static int digits(uint64_t value)
{
    int count = 1;
    while (value >= 10) {
        value /= 10;
        count++;
    }
    return count;
}

/* ---- The command ------------------------------------------------------------------------- */
int cmd_lines(int argc, char **argv)
{
    lines_options_t options = {.backend = "malloc"};
    int exit_status = 0;
    if (!parse_options(argc, argv, &options, &exit_status)) {
        free(options.paths);
        return exit_status;
    }
    static char *const standard_input[] = {"-"};
    char *const *paths = options.path_count ? options.paths : standard_input;
    const int path_count = options.path_count ? options.path_count : 1;

    buf_backend_t *backend = NULL;
    buf_status_t status = buf_backend_open(options.backend, NULL, &backend);
    if (status != BUF_OK) {
        free(options.paths);
        return cli_fail(2, "lines: cannot open backend '%s': %s (see 'buf backends')", options.backend,
                        buf_status_message(status));
    }

    /* wc's column width: the digits of the total size of regular files, 7 when a stream
     * (stdin, a pipe) is among the inputs and its size is unknown. */
    int width = 1;
    uint64_t size_total = 0;
    for (int i = 0; i < path_count; i++) {
        struct stat info;
        if (strcmp(paths[i], "-") == 0 || stat(paths[i], &info) != 0 || !S_ISREG(info.st_mode))
            width = 7;
        else
            size_total += (uint64_t)info.st_size;
    }
    if (digits(size_total) > width)
        width = digits(size_total);

    line_count_t total = {0, 0};
    for (int i = 0; i < path_count; i++) {
        const bool is_stdin = strcmp(paths[i], "-") == 0;
        const int fd = is_stdin ? STDIN_FILENO : open(paths[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            exit_status = cli_fail(1, "lines: cannot open %s: %s", paths[i], strerror(errno));
            continue;
        }
        line_count_t count;
        if (count_lines(backend, fd, is_stdin ? "stdin" : paths[i], &options, &count)) {
            if (path_count == 1 && is_stdin && options.path_count == 0)
                printf("%*" PRIu64 " %*" PRIu64 "\n", width, count.lines, width, count.bytes);
            else
                printf("%*" PRIu64 " %*" PRIu64 " %s\n", width, count.lines, width, count.bytes, paths[i]);
            total.lines += count.lines;
            total.bytes += count.bytes;
        } else {
            exit_status = 1;
        }
        if (!is_stdin)
            close(fd);
    }
    if (path_count > 1)
        printf("%*" PRIu64 " %*" PRIu64 " total\n", width, total.lines, width, total.bytes);
    if (fflush(stdout) != 0 && exit_status == 0)
        exit_status = cli_fail(1, "lines: cannot write the counts: %s", strerror(errno));
    buf_backend_close(backend);
    free(options.paths);
    return exit_status;
}
