/* codec_driver.c — the C side of the Node differential harness (scripts/node-diff codecs).
 *
 * Reads one request per line on stdin and answers one line per request on stdout, in the
 * same order, so a whole batch costs one process:
 *   C FROM TO HEX   convert: decode HEX's bytes from FROM, encode the result to TO;
 *                   FROM/TO are encoding names (any alias, any case) or "raw"
 *                   -> "ok <hex of the output>"  |  "err <STATUS_NAME>"
 *   S ENC HEX       strict decode of the text HEX in ENC
 *                   -> "ok <length>"  |  "strict <offset>"  |  "err <STATUS_NAME>"
 *   L ENC HEX       Buffer.byteLength of the text HEX in ENC  -> "ok <n>"
 * Every request also checks the API's own promises and answers "bug <what>" instead when
 * one breaks: the exact length functions equal the bytes written, the bounds hold, an
 * exactly sized destination (a fresh malloc block, so ASan sees any overrun) succeeds and
 * one byte less gives BUF_ENOSPC, strict success writes what lenient decode writes.
 *
 * The codecs run at the SIMD level BUFBENCH_SIMD names (buf_codec.h), so the differential
 * runs once per level; `codec_driver --simd-available LEVEL` tells the test stage which
 * levels this machine has (exit 0, or 1 with the reason on stdout).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"
#include "driver_support.h"

/* ---- Output helpers (hex input is parsed by driver_support.h) ------------------------- */
static void print_hex(const uint8_t *bytes, size_t length)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < length; i++) {
        putchar(digits[bytes[i] >> 4]);
        putchar(digits[bytes[i] & 15]);
    }
}

/* ---- One direction with every self-check ----------------------------------------------
 * Returns a malloc'ed result (or NULL with *bug set to a message).
 */
typedef enum { DIRECTION_ENCODE, DIRECTION_DECODE } direction_t;

static char bug_message[256];

static uint8_t *convert_checked(direction_t direction, buf_encoding_t encoding, const uint8_t *input,
                                size_t length, size_t *out_length)
{
    const bool encode = direction == DIRECTION_ENCODE;
    const char *word = encode ? "encode" : "decode";
    size_t exact = 0, bound = 0;
    const buf_status_t measured = encode ? buf_encode_length(encoding, input, length, &exact)
                                         : buf_decode_length(encoding, input, length, &exact);
    const buf_status_t bounded = encode ? buf_encode_bound(encoding, length, &bound)
                                        : buf_decode_bound(encoding, length, &bound);
    if (measured != BUF_OK || bounded != BUF_OK) {
        snprintf(bug_message, sizeof bug_message, "%s %s of %zu bytes: length %s, bound %s", word,
                 buf_encoding_name(encoding), length, buf_status_name(measured), buf_status_name(bounded));
        return NULL;
    }
    if (exact > bound) {
        snprintf(bug_message, sizeof bug_message, "%s %s: length %zu above bound %zu", word,
                 buf_encoding_name(encoding), exact, bound);
        return NULL;
    }
    uint8_t *output = malloc(exact ? exact : 1);
    if (!output) {
        snprintf(bug_message, sizeof bug_message, "out of memory");
        return NULL;
    }
    size_t written = SIZE_MAX;
    buf_status_t status = encode ? buf_encode(encoding, input, length, output, exact, &written)
                                 : buf_decode(encoding, input, length, output, exact, &written);
    if (status != BUF_OK || written != exact) {
        snprintf(bug_message, sizeof bug_message, "%s %s into exactly %zu bytes: %s, wrote %zu", word,
                 buf_encoding_name(encoding), exact, buf_status_name(status), written);
        free(output);
        return NULL;
    }
    if (exact > 0) {
        status = encode ? buf_encode(encoding, input, length, output, exact - 1, &written)
                        : buf_decode(encoding, input, length, output, exact - 1, &written);
        if (status != BUF_ENOSPC) {
            snprintf(bug_message, sizeof bug_message, "%s %s into %zu bytes (need %zu): %s", word,
                     buf_encoding_name(encoding), exact - 1, exact, buf_status_name(status));
            free(output);
            return NULL;
        }
        /* the ENOSPC attempt may have scribbled; write the result again */
        status = encode ? buf_encode(encoding, input, length, output, exact, &written)
                        : buf_decode(encoding, input, length, output, exact, &written);
    }
    *out_length = exact;
    return output;
}

/* ---- Requests ------------------------------------------------------------------------- */
static bool parse_side(const char *name, bool *raw, buf_encoding_t *encoding)
{
    *raw = strcmp(name, "raw") == 0;
    return *raw || buf_encoding_parse(name, encoding) == BUF_OK;
}

static void request_convert(const char *from, const char *to, const uint8_t *input, size_t length)
{
    bool from_raw, to_raw;
    buf_encoding_t from_encoding = BUF_ENC_UTF8, to_encoding = BUF_ENC_UTF8;
    if (!parse_side(from, &from_raw, &from_encoding) || !parse_side(to, &to_raw, &to_encoding)) {
        printf("err %s\n", buf_status_name(BUF_EUNKNOWN_ENCODING));
        return;
    }
    uint8_t *bytes = NULL;
    size_t bytes_length = length;
    if (from_raw) {
        bytes = malloc(length ? length : 1);
        if (bytes && length)
            memcpy(bytes, input, length);
    } else {
        bytes = convert_checked(DIRECTION_DECODE, from_encoding, input, length, &bytes_length);
    }
    if (!bytes) {
        printf("bug %s\n", bug_message);
        return;
    }
    uint8_t *output = bytes;
    size_t output_length = bytes_length;
    if (!to_raw) {
        output = convert_checked(DIRECTION_ENCODE, to_encoding, bytes, bytes_length, &output_length);
        free(bytes);
        if (!output) {
            printf("bug %s\n", bug_message);
            return;
        }
    }
    fputs("ok ", stdout);
    print_hex(output, output_length);
    putchar('\n');
    free(output);
}

static void request_strict(const char *name, const uint8_t *text, size_t length)
{
    buf_encoding_t encoding;
    if (buf_encoding_parse(name, &encoding) != BUF_OK) {
        printf("err %s\n", buf_status_name(BUF_EUNKNOWN_ENCODING));
        return;
    }
    size_t lenient_length = 0;
    uint8_t *lenient = convert_checked(DIRECTION_DECODE, encoding, text, length, &lenient_length);
    if (!lenient) {
        printf("bug %s\n", bug_message);
        return;
    }
    uint8_t *strict = malloc(lenient_length ? lenient_length : 1);
    size_t written = SIZE_MAX, bad_offset = SIZE_MAX;
    const buf_status_t status =
        buf_decode_strict(encoding, text, length, strict, lenient_length, &written, &bad_offset);
    size_t offset_again = SIZE_MAX;
    if (buf_decode_strict_offset(encoding, text, length, &offset_again) != BUF_OK)
        offset_again = SIZE_MAX; /* never a real offset: reported as a bug below */
    if (status == BUF_OK && bad_offset == length && written == lenient_length &&
        (lenient_length == 0 || memcmp(strict, lenient, lenient_length) == 0) && offset_again == length)
        printf("ok %zu\n", length);
    else if (status == BUF_ESTRICT && bad_offset < length && offset_again == bad_offset && written == 0)
        printf("strict %zu\n", bad_offset);
    else
        printf("bug strict %s: %s, offset %zu (again %zu), wrote %zu of %zu\n", name, buf_status_name(status),
               bad_offset, offset_again, written, lenient_length);
    free(strict);
    free(lenient);
}

static void request_byte_length(const char *name, const uint8_t *text, size_t length)
{
    buf_encoding_t encoding;
    if (buf_encoding_parse(name, &encoding) != BUF_OK) {
        printf("err %s\n", buf_status_name(BUF_EUNKNOWN_ENCODING));
        return;
    }
    size_t byte_length = 0;
    const buf_status_t status = buf_byte_length(encoding, text, length, &byte_length);
    if (status != BUF_OK)
        printf("bug byteLength %s: %s\n", name, buf_status_name(status));
    else
        printf("ok %zu\n", byte_length);
}

/* ---- Command line ------------------------------------------------------------------- */
static void print_usage(FILE *out)
{
    fputs("usage: codec_driver                       answer requests from stdin (see the source's opening)\n"
          "       codec_driver --simd-available LEVEL exit 0 if the codecs can run at LEVEL here\n"
          "                                          (scalar|sse42|avx2|avx512), else print why and exit 1\n"
          "       codec_driver --help\n"
          "BUFBENCH_SIMD=LEVEL picks the codecs' SIMD level (default: the best this machine has).\n",
          out);
}

static int simd_available(const char *name)
{
    buf_simd_level_t level;
    if (buf_simd_level_parse(name, &level) != BUF_OK) {
        printf("%s is not a SIMD level (scalar, sse42, avx2, avx512)\n", name);
        return 2;
    }
    if (!buf_simd_level_available(level)) {
        printf("SIMD level %s is not available on this machine (CPU or build)\n", name);
        return 1;
    }
    return 0;
}

/* ---- Main: one line in, one line out ------------------------------------------------ */
int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "--simd-available") == 0)
        return simd_available(argv[2]);
    if (argc != 1) {
        print_usage(stderr);
        return 2;
    }
    char *line = NULL;
    size_t line_capacity = 0;
    ssize_t line_length;
    while ((line_length = getline(&line, &line_capacity, stdin)) >= 0) {
        if (line_length > 0 && line[line_length - 1] == '\n')
            line[--line_length] = '\0';
        char *fields[4] = {NULL, NULL, NULL, NULL};
        size_t field_count = 0;
        for (char *cursor = line; field_count < 4;) {
            fields[field_count++] = cursor;
            char *space = strchr(cursor, ' ');
            if (!space)
                break;
            *space = '\0';
            cursor = space + 1;
        }
        const bool convert = field_count == 4 && strcmp(fields[0], "C") == 0;
        const char *hex = convert ? fields[3] : field_count == 3 ? fields[2] : NULL;
        size_t length = 0;
        uint8_t *input = hex ? driver_parse_hex(hex, &length) : NULL;
        if (!input) {
            printf("bad request\n");
        } else if (convert) {
            request_convert(fields[1], fields[2], input, length);
        } else if (strcmp(fields[0], "S") == 0) {
            request_strict(fields[1], input, length);
        } else if (strcmp(fields[0], "L") == 0) {
            request_byte_length(fields[1], input, length);
        } else {
            printf("bad request\n");
        }
        free(input);
    }
    free(line);
    return ferror(stdout) ? 1 : 0;
}
