/* codec_throughput.c — scalar throughput of every codec, both directions, on 1 MiB.
 *
 *   build/tests/codec_throughput [SECONDS]      (default 0.3 s per measurement)
 *
 * Each row converts the same 1 MiB input again and again into a preallocated buffer until
 * SECONDS have passed, and prints MiB of input per second and the ratio to memcpy of 1 MiB
 * measured the same way in the same run.  Inputs: encode reads 1 MiB of pseudo-random
 * bytes (utf8 encode reads 1 MiB of well-formed mixed UTF-8 text: ill-formed bytes would
 * measure the replacement path only); decode reads 1 MiB of text that is valid for the
 * encoding (hex and base64 of random bytes; mixed UTF-8 text for the text encodings).
 * A simple loop for the closing note of the codecs issue; the bench issue makes it formal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf_codec.h"

#define MIB ((size_t)1 << 20)

/* ---- Timing -------------------------------------------------------------------------- */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* memcpy through a volatile pointer, so the copy loop is not optimised away */
static void *(*volatile copy_bytes)(void *, const void *, size_t) = memcpy;

typedef enum { RUN_MEMCPY, RUN_ENCODE, RUN_DECODE } run_kind_t;

static size_t sink; /* results feed this so no call is dead */

/* Returns MiB of input per second. */
static double measure(run_kind_t kind, buf_encoding_t encoding, const uint8_t *input, size_t length,
                      uint8_t *output, size_t capacity, double seconds)
{
    size_t rounds = 0;
    const double start = now_seconds();
    double elapsed = 0;
    do {
        for (int i = 0; i < 8; i++) {
            size_t written = 0;
            if (kind == RUN_MEMCPY) {
                copy_bytes(output, input, length);
                written = length;
            } else if (kind == RUN_ENCODE) {
                if (buf_encode(encoding, input, length, output, capacity, &written) != BUF_OK)
                    abort();
            } else if (buf_decode(encoding, input, length, output, capacity, &written) != BUF_OK) {
                abort();
            }
            sink += written + output[written / 2];
        }
        rounds += 8;
        elapsed = now_seconds() - start;
    } while (elapsed < seconds);
    return (double)rounds * (double)length / (double)MIB / elapsed;
}

/* ---- Inputs ---------------------------------------------------------------------------- */
static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static uint8_t random_byte(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint8_t)(rng_state >> 32);
}

/* Well-formed UTF-8, mostly ASCII (prose-like), with 2-, 3- and 4-byte characters. */
static void fill_mixed_text(uint8_t *text, size_t length)
{
    static const char *const pieces[] = {"the quick brown fox ", "jumps over ", "caf\xc3\xa9 ", ("\xe2\x82\xac" "42 "),
                                         "na\xc3\xafve ", "\xf0\x9f\x98\x80 ", "\xe4\xb8\xad\xe6\x96\x87 ", "lazy dog. "};
    size_t used = 0;
    while (used < length) {
        const char *piece = pieces[random_byte() % 8];
        const size_t size = strlen(piece);
        if (used + size > length) { /* pad the tail with ASCII so the text stays well-formed */
            memset(text + used, ' ', length - used);
            break;
        }
        memcpy(text + used, piece, size);
        used += size;
    }
}

int main(int argc, char **argv)
{
    const double seconds = argc > 1 ? atof(argv[1]) : 0.3;
    if (!(seconds > 0)) {
        fprintf(stderr, "usage: codec_throughput [SECONDS > 0]\n");
        return 2;
    }
    uint8_t *random_bytes = malloc(MIB), *mixed_text = malloc(MIB), *text = malloc(MIB);
    const size_t capacity = 4 * MIB;
    uint8_t *output = malloc(capacity);
    if (!random_bytes || !mixed_text || !text || !output)
        return 1;
    for (size_t i = 0; i < MIB; i++)
        random_bytes[i] = random_byte();
    fill_mixed_text(mixed_text, MIB);

    const double memcpy_rate = measure(RUN_MEMCPY, BUF_ENC_UTF8, random_bytes, MIB, output, capacity, seconds);
    printf("codec throughput: 1 MiB input per call, %.2f s per row, MiB of input per second\n", seconds);
    printf("%-10s %-7s %-28s %10s %10s\n", "encoding", "dir", "input", "MiB/s", "/ memcpy");
    printf("%-10s %-7s %-28s %10.0f %10.3f\n", "memcpy", "-", "1 MiB random bytes", memcpy_rate, 1.0);
    for (int e = 0; e < BUF_ENC_COUNT; e++) {
        const buf_encoding_t encoding = (buf_encoding_t)e;
        const bool text_encoding = encoding == BUF_ENC_UTF8 || encoding == BUF_ENC_UTF16LE ||
                                   encoding == BUF_ENC_LATIN1 || encoding == BUF_ENC_ASCII;
        /* encode */
        const uint8_t *encode_input = encoding == BUF_ENC_UTF8 ? mixed_text : random_bytes;
        double rate = measure(RUN_ENCODE, encoding, encode_input, MIB, output, capacity, seconds);
        printf("%-10s %-7s %-28s %10.0f %10.3f\n", buf_encoding_name(encoding), "encode",
               encoding == BUF_ENC_UTF8 ? "mixed UTF-8 text" : "random bytes", rate, rate / memcpy_rate);
        /* decode: exactly 1 MiB of text valid for the encoding */
        const uint8_t *decode_input = mixed_text;
        if (!text_encoding) {
            /* hex: 512 KiB of bytes -> 1 MiB; base64: 768 KiB -> 1 MiB (no padding) */
            const size_t source = encoding == BUF_ENC_HEX ? MIB / 2 : MIB / 4 * 3;
            size_t written = 0;
            if (buf_encode(encoding, random_bytes, source, text, MIB, &written) != BUF_OK || written != MIB)
                return 1;
            decode_input = text;
        }
        rate = measure(RUN_DECODE, encoding, decode_input, MIB, output, capacity, seconds);
        printf("%-10s %-7s %-28s %10.0f %10.3f\n", buf_encoding_name(encoding), "decode",
               text_encoding ? "mixed UTF-8 text" : encoding == BUF_ENC_HEX ? "hex text" : "base64 text", rate,
               rate / memcpy_rate);
    }
    free(random_bytes);
    free(mixed_text);
    free(text);
    free(output);
    return sink == 42 ? 3 : 0; /* never 42 in practice; keeps `sink` observable */
}
