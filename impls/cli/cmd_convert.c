/* cmd_convert.c — `buf convert`: convert between Node's encodings and raw bytes.
 *
 *   buf convert --from ENC --to ENC [--backend NAME] [--strict] [IN [OUT]]
 *
 * ENC is a Node encoding name (any alias, any case) or `raw`.  --from raw --to E encodes
 * (bytes -> E text), --from E --to raw decodes, --from A --to B decodes then encodes.
 * Text is UTF-8 on both sides.  One shot: the whole input is read, then converted; every
 * buffer (input, intermediate bytes, output) comes from the chosen backend.  Streaming
 * conversion (--chunk) belongs to the streams issue and is rejected for now.
 * Exit status: 0 success (also when the reader of stdout goes away: EPIPE is a quiet
 * exit, so `| head` works), 1 runtime error (I/O, memory, strict failure), 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf_backend.h"
#include "buf_codec.h"
#include "buf_model.h"
#include "cli.h"

/* ---- Usage ------------------------------------------------------------------------- */
static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: buf convert --from ENC --to ENC [--backend NAME] [--strict] [IN [OUT]]\n"
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
            "  --strict              fail (exit 1) with the byte offset of the first input that\n"
            "                        Node's decoder would silently drop or replace\n"
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
    bool strict;
} convert_options_t;

/* Returns the value of option `name` at argv[*i] ("--name VALUE" or "--name=VALUE"), NULL if
 * argv[*i] is another option; sets *missing when the value is absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    const size_t length = strlen(name);
    if (strncmp(argv[*i], name, length) != 0)
        return NULL;
    if (argv[*i][length] == '=')
        return argv[*i] + length + 1;
    if (argv[*i][length] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

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
        } else if ((value = option_value(argc, argv, &i, "--from", &missing)) || missing) {
            if (missing)
                return cli_stop(exit_status, 2, "convert: --from needs an encoding (try 'buf convert --help')");
            options->from = value;
        } else if ((value = option_value(argc, argv, &i, "--to", &missing)) || missing) {
            if (missing)
                return cli_stop(exit_status, 2, "convert: --to needs an encoding (try 'buf convert --help')");
            options->to = value;
        } else if ((value = option_value(argc, argv, &i, "--backend", &missing)) || missing) {
            if (missing)
                return cli_stop(exit_status, 2, "convert: --backend needs a name (see 'buf backends')");
            options->backend = value;
        } else if (option_value(argc, argv, &i, "--chunk", &missing) || missing) {
            return cli_stop(exit_status, 2, "convert: --chunk is not supported yet: streaming conversion comes with "
                                            "the streams issue; convert reads its whole input at once");
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

/* ---- Reading the input into backend memory ----------------------------------------- */
/* The whole of fd in one block from `backend`, kept as buf_bytes.h asks (alignment 1,
 * capacity = the allocated size) so buf_bytes_release frees it. */
static bool read_all(buf_backend_t *backend, int fd, const char *name, buf_bytes_t *out, int *exit_status)
{
    size_t capacity = 64 * 1024, length = 0;
    buf_status_t status = BUF_OK;
    uint8_t *data = buf_backend_alloc(backend, capacity, 1, &status);
    if (!data)
        return cli_stop(exit_status, 1, "convert: cannot allocate %zu bytes from %s: %s", capacity,
                        buf_backend_spec(backend), buf_status_message(status));
    for (;;) {
        if (length == capacity) { /* grow by doubling: amortised O(1) copies per byte */
            uint8_t *bigger = capacity <= SIZE_MAX / 2 ? buf_backend_alloc(backend, capacity * 2, 1, &status) : NULL;
            if (!bigger) {
                buf_backend_free(backend, data, capacity, 1);
                return cli_stop(exit_status, 1, "convert: input too large for %s: %s", buf_backend_spec(backend),
                                buf_status_message(status));
            }
            memcpy(bigger, data, length);
            buf_backend_free(backend, data, capacity, 1);
            data = bigger;
            capacity *= 2;
        }
        const ssize_t got = read(fd, data + length, capacity - length);
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            const int error = errno;
            buf_backend_free(backend, data, capacity, 1);
            return cli_stop(exit_status, 1, "convert: cannot read %s: %s", name, strerror(error));
        }
        length += (size_t)got;
    }
    *out = (buf_bytes_t){data, length, capacity, backend};
    return true;
}

/* ---- Writing the output ---------------------------------------------------------------- */
/* False with *exit_status 0 when the reader went away (EPIPE): a quiet stop. */
static bool write_all(int fd, const char *name, const uint8_t *data, size_t length, int *exit_status)
{
    while (length > 0) {
        const ssize_t put = write(fd, data, length);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EPIPE) { /* the reader is gone (e.g. `| head -c1`): nothing left to say */
                *exit_status = 0;
                return false;
            }
            return cli_stop(exit_status, 1, "convert: cannot write %s: %s", name, strerror(errno));
        }
        data += put;
        length -= (size_t)put;
    }
    return true;
}

static bool write_output(const convert_options_t *options, const buf_bytes_t *output, int *exit_status)
{
    const bool to_stdout = !options->output_path || strcmp(options->output_path, "-") == 0;
    const int fd = to_stdout ? STDOUT_FILENO : open(options->output_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return cli_stop(exit_status, 1, "convert: cannot open %s for writing: %s", options->output_path,
                        strerror(errno));
    const char *name = to_stdout ? "stdout" : options->output_path;
    bool written = write_all(fd, name, output->data, output->length, exit_status);
    if (!to_stdout && close(fd) != 0 && written)
        written = cli_stop(exit_status, 1, "convert: cannot write %s: %s", name, strerror(errno));
    return written;
}

/* ---- The conversion ------------------------------------------------------------------ */
/* decode: text in `from` -> bytes, into *bytes. */
static bool decode_input(buf_backend_t *backend, const convert_options_t *options, buf_encoding_t from,
                         const buf_bytes_t *input, const char *input_name, buf_bytes_t *bytes, int *exit_status)
{
    size_t bad_offset = 0;
    const buf_status_t status =
        options->strict ? buf_decode_strict_alloc(backend, from, input->data, input->length, bytes, &bad_offset)
                        : buf_decode_alloc(backend, from, input->data, input->length, bytes);
    if (status == BUF_ESTRICT)
        return cli_stop(exit_status, 1,
                        "convert: strict %s: byte offset %zu of %s (byte 0x%02x) would be dropped or replaced "
                        "by Node's decoder", buf_encoding_name(from), bad_offset, input_name, input->data[bad_offset]);
    if (status != BUF_OK)
        return cli_stop(exit_status, 1, "convert: decoding %s: %s", buf_encoding_name(from), buf_status_message(status));
    return true;
}

/* encode: bytes -> text in `to`, into *output. */
static bool encode_output(buf_backend_t *backend, buf_encoding_t to, const buf_bytes_t *bytes, buf_bytes_t *output,
                          int *exit_status)
{
    const buf_status_t status = buf_encode_alloc(backend, to, bytes->data, bytes->length, output);
    if (status != BUF_OK)
        return cli_stop(exit_status, 1, "convert: encoding %s: %s", buf_encoding_name(to), buf_status_message(status));
    return true;
}

/* Returns the exit status.  Every block comes from `backend` and is released here. */
static int convert(buf_backend_t *backend, const convert_options_t *options, convert_side_t from,
                   convert_side_t to)
{
    const char *input_name = options->input_path && strcmp(options->input_path, "-") ? options->input_path : "stdin";
    int fd = STDIN_FILENO;
    if (strcmp(input_name, "stdin") != 0 && (fd = open(options->input_path, O_RDONLY | O_CLOEXEC)) < 0)
        return cli_fail(1, "convert: cannot open %s: %s", options->input_path, strerror(errno));
    buf_bytes_t input = {0}, bytes = {0}, output = {0};
    int exit_status = 0;
    bool ok = read_all(backend, fd, input_name, &input, &exit_status);
    if (fd != STDIN_FILENO)
        close(fd);
    const buf_bytes_t *decoded = &input, *encoded = &input;
    if (ok && !from.raw) {
        ok = decode_input(backend, options, from.encoding, &input, input_name, &bytes, &exit_status);
        decoded = encoded = &bytes;
    }
    if (ok && !to.raw) {
        ok = encode_output(backend, to.encoding, decoded, &output, &exit_status);
        encoded = &output;
    }
    if (ok)
        write_output(options, encoded, &exit_status);
    buf_bytes_release(&output);
    buf_bytes_release(&bytes);
    buf_bytes_release(&input);
    return exit_status;
}

int cmd_convert(int argc, char **argv)
{
    convert_options_t options = {NULL, NULL, "malloc", NULL, NULL, false};
    int exit_status = 0;
    convert_side_t from, to;
    if (!parse_options(argc, argv, &options, &exit_status) ||
        !parse_side(options.from, "--from", &from, &exit_status) || !parse_side(options.to, "--to", &to, &exit_status))
        return exit_status;
    buf_backend_t *backend = NULL;
    const buf_status_t status = buf_backend_open(options.backend, NULL, &backend);
    if (status != BUF_OK)
        return cli_fail(2, "convert: cannot open backend '%s': %s (see 'buf backends')", options.backend,
                        buf_status_message(status));
    signal(SIGPIPE, SIG_IGN); /* a closed pipe becomes EPIPE from write(), handled quietly */
    exit_status = convert(backend, &options, from, to);
    if (buf_backend_close(backend) != 0 && exit_status == 0)
        exit_status = cli_fail(1, "convert: blocks still outstanding in backend %s", options.backend);
    return exit_status;
}
