/* family_codec.c — one-shot codec throughput, into caller memory, beside memcpy.
 *
 * Rows (sizes in bytes; full: 64, 4096, 65536, 1048576; quick: 65536, 1048576):
 *   codec/<encoding>/encode/<size>         buf_encode: <size> bytes -> UTF-8 text
 *   codec/<encoding>/decode/<size>         buf_decode: UTF-8 text -> <size> bytes
 *   codec_mltext/utf8/<encode|decode>/<size>   the same on multilingual UTF-8 text
 *   baseline_memcpy/<size>                 memcpy of <size> bytes, at the codec sizes and at
 *                                          the stream chunk sizes (1K ... 1M), so every
 *                                          codec and stream row has its copy floor
 * <size> is always the BINARY side (the bytes), and bytes_per_second counts it, so encode
 * and decode of one encoding compare directly.  The inputs are built before the timed loop
 * and the output buffer (buf_*_bound bytes) is allocated there too: the loop holds the
 * conversions only.
 *
 * Inputs (fixed seeds, the same in every run):
 *   utf8, utf16le, latin1, ascii: the bytes are ASCII prose in that encoding (utf16le: two
 *     bytes per character), the common case of text in a Buffer;
 *   hex, base64, base64url: the bytes are pseudo-random;
 *   codec_mltext/utf8: well-formed UTF-8 mixing ASCII with 2-, 3- and 4-byte characters
 *     (Latin accents, Cyrillic, Greek, CJK, emoji), which takes utf8's slow paths.
 * The text a decode row reads is the encode of its bytes, so a decode row turns it back
 * into exactly <size> bytes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime, getrusage, sysconf in family_support.h */
#endif
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "buf_backend.h"
#include "buf_codec.h"
#include "family_support.h"
#include "suite.h"

/* ---- The grid --------------------------------------------------------------------------- */
static const size_t full_sizes[] = {64, 4096, 65536, 1048576};
static const size_t quick_sizes[] = {65536, 1048576}; /* 64 KiB: the size the Node quick grid has too */
/* baseline_memcpy: the codec sizes and the stream chunk sizes (family_stream.c), once each */
static const size_t full_memcpy_sizes[] = {64, 1024, 4096, 16384, 65536, 262144, 1048576};
static const size_t quick_memcpy_sizes[] = {4096, 65536, 1048576};

typedef enum input_kind { INPUT_ASCII_PROSE, INPUT_RANDOM, INPUT_MULTILINGUAL } input_kind_t;

typedef struct codec_case {
    buf_encoding_t encoding;
    bool decode;
    input_kind_t input;
    size_t size; /* bytes on the binary side */
} codec_case_t;

/* ---- Inputs --------------------------------------------------------------------------------- */
static const char *const prose_words[] = {
    "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "a ", "lazy ", "dog, ", "and ", "buffers ",
    "stream ", "through ", "pipes ", "in ", "chunks. ", "Node ", "reads ", "64 ", "KiB ", "at ", "once.\n",
};
static const char *const multilingual_words[] = {
    "the ", "caf\xc3\xa9 ", "na\xc3\xafve ", "\xe2\x82\xac" "42 ", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 ",
    "\xce\xb3\xce\xb5\xce\xb9\xce\xac ", "\xe4\xb8\xad\xe6\x96\x87 ", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e ",
    "\xf0\x9f\x98\x80 ", "\xf0\x9f\x9a\x80 ", "stra\xc3\x9f" "e ", "data ",
};

/* Fills `length` bytes with words from `words`, padding the tail with spaces so the text
 * stays well-formed UTF-8 (no character is cut). */
static void fill_words(uint8_t *text, size_t length, const char *const *words, size_t word_count, uint64_t seed)
{
    uint64_t rng = seed;
    size_t used = 0;
    while (used < length) {
        const char *word = words[family_random(&rng) % word_count];
        const size_t word_length = strlen(word);
        if (used + word_length > length) {
            memset(text + used, ' ', length - used);
            break;
        }
        memcpy(text + used, word, word_length);
        used += word_length;
    }
}

/* The binary side of a case: `size` bytes. */
static void fill_bytes(const codec_case_t *c, uint8_t *bytes)
{
    switch (c->input) {
    case INPUT_RANDOM:
        family_fill_random(bytes, c->size, 0x636f646563ull); /* "codec" */
        break;
    case INPUT_MULTILINGUAL:
        fill_words(bytes, c->size, multilingual_words, FAMILY_COUNT(multilingual_words), 0x6d6c74657874ull);
        break;
    case INPUT_ASCII_PROSE:
        if (c->encoding == BUF_ENC_UTF16LE) { /* the prose as UTF-16LE code units */
            fill_words(bytes, c->size / 2, prose_words, FAMILY_COUNT(prose_words), 0x70726f7365ull);
            for (size_t i = c->size / 2; i-- > 0;) {
                bytes[2 * i] = bytes[i];
                bytes[2 * i + 1] = 0;
            }
            if (c->size % 2)
                bytes[c->size - 1] = ' ';
        } else {
            fill_words(bytes, c->size, prose_words, FAMILY_COUNT(prose_words), 0x70726f7365ull);
        }
        break;
    }
}

/* ---- The rows ------------------------------------------------------------------------------- */
typedef struct codec_run {
    uint8_t *input;
    size_t input_length;
    uint8_t *output;
    size_t output_capacity;
    uint8_t *expected; /* decode: the bytes the text came from */
} codec_run_t;

static void codec_run_free(codec_run_t *run)
{
    free(run->input);
    free(run->output);
    free(run->expected);
}

/* Builds the input and the output buffer of a case; false (run skipped) on failure. */
static bool codec_run_prepare(bench_state_t *state, const codec_case_t *c, codec_run_t *run)
{
    memset(run, 0, sizeof *run);
    uint8_t *bytes = malloc(c->size);
    size_t text_capacity = 0, text_length = 0;
    uint8_t *text = NULL;
    bool ok = bytes != NULL && buf_encode_bound(c->encoding, c->size, &text_capacity) == BUF_OK &&
              (text = malloc(text_capacity + 1)) != NULL;
    if (ok) {
        fill_bytes(c, bytes);
        ok = buf_encode(c->encoding, bytes, c->size, text, text_capacity, &text_length) == BUF_OK;
    }
    if (ok && c->decode) {
        run->input = text;
        run->input_length = text_length;
        run->output_capacity = c->size;
        run->expected = bytes;
    } else if (ok) {
        run->input = bytes;
        run->input_length = c->size;
        run->output_capacity = text_capacity;
        free(text);
    } else {
        free(bytes);
        free(text);
    }
    ok = ok && (run->output = malloc(run->output_capacity + 1)) != NULL;
    if (!ok) {
        codec_run_free(run);
        bench_skip_with_error(state, "cannot prepare the codec input");
    }
    return ok;
}

static void bench_codec(bench_state_t *state, void *context)
{
    const codec_case_t *c = context;
    codec_run_t run;
    if (!codec_run_prepare(state, c, &run))
        return;
    int failed = BUF_OK;
    size_t written = 0;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            const buf_status_t status =
                c->decode ? buf_decode(c->encoding, run.input, run.input_length, run.output, run.output_capacity, &written)
                          : buf_encode(c->encoding, run.input, run.input_length, run.output, run.output_capacity, &written);
            failed |= status;
            bench_do_not_optimize(run.output);
        }
    bench_set_bytes_processed(state, bench_iterations(state) * (int64_t)c->size);
    /* a decode must give the bytes back exactly: checked once, after the timing */
    if (failed != BUF_OK)
        bench_skip_with_error(state, "a conversion failed");
    else if (c->decode && (written != c->size || memcmp(run.output, run.expected, c->size) != 0))
        bench_skip_with_error(state, "decode did not give the bytes back");
    codec_run_free(&run);
}

static void bench_baseline_memcpy(bench_state_t *state, void *context)
{
    const codec_case_t *c = context;
    /* Page-aligned source and destination: with malloc's heap placement (16-byte offsets,
     * blocks side by side) glibc's `rep movsb` copy ran at 1.5 GB/s from 4 KiB to 256 KiB
     * on this machine's CPU, against 30 GB/s at 1 MiB (mmap, page-aligned): a floor must
     * not be a pathological case of its own. */
    const size_t page = buf_page_size(), rounded = (c->size + page - 1) / page * page;
    uint8_t *source = aligned_alloc(page, rounded), *destination = aligned_alloc(page, rounded);
    if (source == NULL || destination == NULL) {
        free(source);
        free(destination);
        bench_skip_with_error(state, "out of memory for the copy");
        return;
    }
    family_fill_random(source, c->size, 0x6d656d637079ull);
    memset(destination, 0, c->size);
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            memcpy(destination, source, c->size);
            bench_clobber_memory(); /* each copy is observable: none is merged or dropped */
        }
    bench_set_bytes_processed(state, bench_iterations(state) * (int64_t)c->size);
    free(source);
    free(destination);
}

/* ---- Registration ------------------------------------------------------------------------------ */
static void register_codec(const char *family, buf_encoding_t encoding, bool decode, input_kind_t input, size_t size)
{
    codec_case_t *c = family_context(sizeof *c);
    *c = (codec_case_t){.encoding = encoding, .decode = decode, .input = input, .size = size};
    family_register(bench_codec, c, "%s/%s/%s/%zu", family, buf_encoding_name(encoding), decode ? "decode" : "encode",
                    size);
}

void bench_family_codec(const bench_suite_config_t *config)
{
    const size_t *sizes = config->quick ? quick_sizes : full_sizes;
    const size_t size_count = config->quick ? FAMILY_COUNT(quick_sizes) : FAMILY_COUNT(full_sizes);
    for (int e = 0; e < BUF_ENC_COUNT; e++) {
        const buf_encoding_t encoding = (buf_encoding_t)e;
        const bool binary_to_text = encoding == BUF_ENC_HEX || encoding == BUF_ENC_BASE64 || encoding == BUF_ENC_BASE64URL;
        for (int decode = 0; decode < 2; decode++)
            for (size_t s = 0; s < size_count; s++)
                register_codec("codec", encoding, decode, binary_to_text ? INPUT_RANDOM : INPUT_ASCII_PROSE, sizes[s]);
    }
    for (int decode = 0; decode < 2; decode++)
        for (size_t s = 0; s < size_count; s++)
            register_codec("codec_mltext", BUF_ENC_UTF8, decode, INPUT_MULTILINGUAL, sizes[s]);

    const size_t *copy_sizes = config->quick ? quick_memcpy_sizes : full_memcpy_sizes;
    const size_t copy_count = config->quick ? FAMILY_COUNT(quick_memcpy_sizes) : FAMILY_COUNT(full_memcpy_sizes);
    for (size_t s = 0; s < copy_count; s++) {
        codec_case_t *c = family_context(sizeof *c);
        c->size = copy_sizes[s];
        family_register(bench_baseline_memcpy, c, "baseline_memcpy/%zu", copy_sizes[s]);
    }
}
