/* test_codec_simd.c — every SIMD level against the scalar level, byte for byte.
 *
 * The kernels (impls/codecs/codec_simd_*.c) convert whole blocks (16 or 32 bytes in, or
 * 12/24 for base64 encode) while the block is the simple case and hand the rest to the
 * scalar code at the exact position.  The scalar level is the reference (the Node
 * differential checks it against Node at every level too, scripts/run-tests.sh), so here
 * each level must give what scalar gives — output, status, length — for:
 *   - every length 0..130 (every block boundary of both levels, twice over), from inputs
 *     made of the encoding's simple case and from random bytes, at three alignments;
 *   - a simple-case input of 130 bytes with one special character (unknown, '=', a byte
 *     >= 0x80, a 2-byte character, U+013D whose low byte is '=', a bad hex digit, ...)
 *     put at every position, so every byte of every block meets each of them;
 *   - the exact-capacity path (capacity = the exact length: success; one byte less:
 *     BUF_ENOSPC), the length functions, the strict offset;
 *   - the streaming codecs, cut in two at every offset;
 *   - well-formed base64, base64url and hex text of 0..130 bytes (the kernels decode it
 *     whole, the last short block included), which must decode to its bytes, and the same
 *     text with the endings the kernels stop at ('=' placement: padding removed, one '='
 *     too many, data after the padding; MIME line breaks; a bad character in the last group);
 *   - well-formed text of every length 0..300 characters with one stop character at every
 *     position, into exact-size destinations (the avx2 writers' whole-text paths and their
 *     limits: base64 decode 96 characters, hex decode 256, base64 encode 74 bytes).
 * A level this machine lacks is skipped with a message naming it (Criterion counts it).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"

/* ---- The API ------------------------------------------------------------------------- */
Test(codec_simd, names_parse_back)
{
    for (int level = 0; level < BUF_SIMD_LEVEL_COUNT; level++) {
        buf_simd_level_t parsed = BUF_SIMD_LEVEL_COUNT;
        cr_assert_eq(buf_simd_level_parse(buf_simd_level_name((buf_simd_level_t)level), &parsed), BUF_OK);
        cr_assert_eq((int)parsed, level);
    }
    cr_assert_str_eq(buf_simd_level_name(BUF_SIMD_LEVEL_COUNT), "unknown");
    cr_assert_eq(buf_simd_level_parse("AVX2", NULL), BUF_EINVAL);
    cr_assert_eq(buf_simd_level_parse("", NULL), BUF_EINVAL);
    cr_assert_eq(buf_simd_level_parse(NULL, NULL), BUF_EINVAL);
}

Test(codec_simd, level_in_use_is_available_and_missing_levels_are_refused)
{
    const buf_simd_level_t in_use = buf_simd_level();
    cr_assert(buf_simd_level_available(in_use));
    cr_assert(buf_simd_level_available(BUF_SIMD_SCALAR));
    cr_assert_not(buf_simd_level_available(BUF_SIMD_LEVEL_COUNT));
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_LEVEL_COUNT), BUF_EINVAL);
    for (int level = 0; level < BUF_SIMD_LEVEL_COUNT; level++) {
        if (buf_simd_level_available((buf_simd_level_t)level))
            continue;
        cr_assert_eq(buf_simd_level_set((buf_simd_level_t)level), BUF_EINVAL);
        cr_assert_eq(buf_simd_level(), in_use, "a refused level must leave the level in use");
    }
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
    cr_assert_eq(buf_simd_level(), BUF_SIMD_SCALAR);
    cr_assert_eq(buf_simd_level_set(in_use), BUF_OK);
}

/* ---- One conversion at one level ----------------------------------------------------- */
enum { MAX_INPUT = 200, MAX_OUTPUT = 3 * MAX_INPUT + 16 };

typedef struct result {
    buf_status_t status;
    size_t written;
    uint8_t output[MAX_OUTPUT];
    size_t exact_length, byte_length, strict_offset;
    buf_status_t tight_status; /* capacity = exact length - 1 */
    uint8_t streamed[MAX_OUTPUT];
    size_t streamed_length;
} result_t;

static size_t convert(bool decode, buf_encoding_t encoding, const uint8_t *input, size_t length, uint8_t *out,
                      size_t capacity, buf_status_t *status)
{
    size_t written = 0;
    *status = decode ? buf_decode(encoding, input, length, out, capacity, &written)
                     : buf_encode(encoding, input, length, out, capacity, &written);
    return written;
}

/* The streaming codec, the input cut at `cut`. */
static size_t convert_streamed(bool decode, buf_encoding_t encoding, const uint8_t *input, size_t length, size_t cut,
                               uint8_t *out)
{
    buf_codec_stream_t stream;
    cr_assert_eq(buf_codec_stream_init(&stream, encoding, decode ? BUF_CODEC_DECODE : BUF_CODEC_ENCODE), BUF_OK);
    size_t total = 0;
    const size_t pieces[2][2] = {{0, cut}, {cut, length}};
    for (int p = 0; p < 2; p++) {
        const size_t start = pieces[p][0], piece_length = pieces[p][1] - pieces[p][0];
        size_t bound = 0, consumed = 0, written = 0;
        cr_assert_eq(buf_codec_stream_bound(&stream, piece_length, &bound), BUF_OK);
        cr_assert(total + bound <= MAX_OUTPUT);
        cr_assert_eq(buf_codec_stream_update(&stream, input + start, piece_length, out + total, bound, &consumed,
                                             &written),
                     BUF_OK);
        cr_assert_eq(consumed, piece_length);
        total += written;
    }
    size_t bound = 0, written = 0;
    cr_assert_eq(buf_codec_stream_bound(&stream, 0, &bound), BUF_OK);
    cr_assert_eq(buf_codec_stream_finish(&stream, out + total, bound, &written), BUF_OK);
    return total + written;
}

static void run_at(buf_simd_level_t level, bool decode, buf_encoding_t encoding, const uint8_t *input, size_t length,
                   size_t cut, result_t *result)
{
    cr_assert_eq(buf_simd_level_set(level), BUF_OK);
    memset(result, 0, sizeof *result);
    result->written = convert(decode, encoding, input, length, result->output, MAX_OUTPUT, &result->status);
    cr_assert_eq(decode ? buf_decode_length(encoding, input, length, &result->exact_length)
                        : buf_encode_length(encoding, input, length, &result->exact_length),
                 BUF_OK);
    /* exactly sized destination (its own heap block, so the ASan build sees a kernel
     * writing past it): the bytes land; one byte less: refused */
    uint8_t *exact = malloc(result->exact_length ? result->exact_length : 1);
    cr_assert_not_null(exact);
    buf_status_t status;
    const size_t written = convert(decode, encoding, input, length, exact, result->exact_length, &status);
    cr_assert_eq(status, BUF_OK, "%s: an exact-size destination failed", buf_simd_level_name(level));
    cr_assert_eq(written, result->written);
    cr_assert(written == 0 || memcmp(exact, result->output, written) == 0,
              "%s: the exact-size destination got other bytes", buf_simd_level_name(level));
    if (result->exact_length > 0)
        convert(decode, encoding, input, length, exact, result->exact_length - 1, &result->tight_status);
    free(exact);
    if (decode) {
        cr_assert_eq(buf_byte_length(encoding, input, length, &result->byte_length), BUF_OK);
        cr_assert_eq(buf_decode_strict_offset(encoding, input, length, &result->strict_offset), BUF_OK);
    }
    result->streamed_length = convert_streamed(decode, encoding, input, length, cut, result->streamed);
}

static char failure_context[256];

static void expect_same_as_scalar(buf_simd_level_t level, bool decode, buf_encoding_t encoding, const uint8_t *input,
                                  size_t length, size_t cut)
{
    static result_t scalar, simd;
    run_at(BUF_SIMD_SCALAR, decode, encoding, input, length, cut, &scalar);
    run_at(level, decode, encoding, input, length, cut, &simd);
    const char *name = buf_simd_level_name(level), *direction = decode ? "decode" : "encode";
    cr_assert_eq(simd.status, scalar.status, "%s %s %s %s: status", name, buf_encoding_name(encoding), direction,
                 failure_context);
    cr_assert_eq(simd.written, scalar.written, "%s %s %s %s: %zu bytes written, scalar %zu", name,
                 buf_encoding_name(encoding), direction, failure_context, simd.written, scalar.written);
    cr_assert(memcmp(simd.output, scalar.output, scalar.written) == 0, "%s %s %s %s: other bytes than scalar", name,
              buf_encoding_name(encoding), direction, failure_context);
    cr_assert_eq(simd.exact_length, scalar.exact_length, "%s %s %s %s: exact length", name,
                 buf_encoding_name(encoding), direction, failure_context);
    cr_assert_eq(simd.tight_status, scalar.tight_status, "%s %s %s %s: one byte short", name,
                 buf_encoding_name(encoding), direction, failure_context);
    cr_assert_eq(simd.byte_length, scalar.byte_length, "%s %s %s: byteLength", name, buf_encoding_name(encoding),
                 failure_context);
    cr_assert_eq(simd.strict_offset, scalar.strict_offset, "%s %s %s: strict offset", name,
                 buf_encoding_name(encoding), failure_context);
    cr_assert_eq(simd.streamed_length, scalar.written, "%s %s %s %s cut at %zu: streamed %zu bytes, one-shot %zu",
                 name, buf_encoding_name(encoding), direction, failure_context, cut, simd.streamed_length,
                 scalar.written);
    cr_assert(memcmp(simd.streamed, scalar.output, scalar.written) == 0, "%s %s %s %s cut at %zu: streamed bytes",
              name, buf_encoding_name(encoding), direction, failure_context, cut);
}

/* ---- Inputs ----------------------------------------------------------------------------- */
static uint64_t rng_next(uint64_t *state) /* xorshift64*: fixed seeds, reproducible runs */
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1Dull;
}

/* The simple case of each direction: what the kernels convert block by block. */
static const char *simple_alphabet(buf_encoding_t encoding, bool decode)
{
    if (!decode)
        return encoding == BUF_ENC_UTF16LE ? NULL : "The quick brown fox jumps over a lazy dog, 0123456789.\n";
    switch (encoding) {
    case BUF_ENC_HEX: return "0123456789abcdefABCDEF";
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
    default: return "The quick brown fox jumps over a lazy dog, 0123456789.\n";
    }
}

static void fill_simple(buf_encoding_t encoding, bool decode, uint8_t *input, size_t length, uint64_t *rng)
{
    const char *alphabet = simple_alphabet(encoding, decode);
    if (!alphabet) { /* utf16le encode: ASCII code units, low byte first */
        for (size_t i = 0; i < length; i++)
            input[i] = i % 2 ? 0 : (uint8_t)(' ' + rng_next(rng) % 95);
        return;
    }
    const size_t count = strlen(alphabet);
    for (size_t i = 0; i < length; i++)
        input[i] = (uint8_t)alphabet[rng_next(rng) % count];
}

/* Characters that end a block's simple case, each at every position of the input. */
typedef struct special {
    const char *bytes;
    size_t length;
} special_t;
#define S(literal) {literal, sizeof literal - 1}
static const special_t specials[] = {
    S("="),        S("\n"),       S(" "),        S("*"),     S("g"),     S("G"),  S(":"),    S("@"),
    S("`"),        S("."),        S("-"),        S("_"),     S("+"),     S("/"),  S("\x00"), S("\x7f"),
    S("\x80"),     S("\xff"),     S("\xc3\xa9"), S("\xc4\xbd"), /* U+013D: low byte '=' */
    S("\xc4\xb1"), /* U+0131: low byte '1' */     S("\xe2\x82\xac"), S("\xf0\x9f\x98\x80"), S("\xed\xa0\x80"),
    S("\xc0\xaf"), S("\xe0\x80"), S("\x00\xd8"), /* a lone surrogate in utf16le */
};

/* ---- Every level, every case -------------------------------------------------------- */
static void check_level(buf_simd_level_t level)
{
    if (!buf_simd_level_available(level)) {
        /* Criterion shows skips only with --verbose: say it where every run shows it */
        fprintf(stderr, "codec_simd: SIMD level %s is not available on this machine (CPU or build): its "
                        "comparison with scalar is skipped\n", buf_simd_level_name(level));
        cr_skip_test("SIMD level %s: not available on this machine (CPU or build), skipped",
                     buf_simd_level_name(level));
    }
    static uint8_t storage[MAX_INPUT + 64];
    uint64_t rng = 0x73696d64ull + (uint64_t)level; /* "simd" */
    for (int e = 0; e < BUF_ENC_COUNT; e++) {
        const buf_encoding_t encoding = (buf_encoding_t)e;
        for (int decode = 0; decode < 2; decode++) {
            /* every length, simple and random, at three alignments */
            for (size_t length = 0; length <= 130; length++) {
                for (int kind = 0; kind < 2; kind++) {
                    const size_t alignment = (length * 7 + (size_t)kind) % 3 == 0 ? 0 : length % 2 ? 1 : 7;
                    uint8_t *input = storage + alignment;
                    if (kind == 0)
                        fill_simple(encoding, decode, input, length, &rng);
                    else
                        for (size_t i = 0; i < length; i++)
                            input[i] = (uint8_t)rng_next(&rng);
                    snprintf(failure_context, sizeof failure_context, "(%s input of %zu bytes at +%zu)",
                             kind ? "random" : "simple", length, alignment);
                    expect_same_as_scalar(level, decode, encoding, input, length, length / 2);
                }
            }
            /* the streaming codec cut at every offset of a simple-case input */
            fill_simple(encoding, decode, storage, 130, &rng);
            for (size_t cut = 0; cut <= 130; cut++) {
                snprintf(failure_context, sizeof failure_context, "(simple input of 130 bytes)");
                expect_same_as_scalar(level, decode, encoding, storage, 130, cut);
            }
            /* one special character at every position of a simple-case input */
            for (size_t s = 0; s < sizeof specials / sizeof specials[0]; s++) {
                for (size_t position = 0; position + specials[s].length <= 130; position++) {
                    uint8_t *input = storage;
                    fill_simple(encoding, decode, input, 130, &rng);
                    memcpy(input + position, specials[s].bytes, specials[s].length);
                    snprintf(failure_context, sizeof failure_context, "(special #%zu at %zu of 130)", s, position);
                    expect_same_as_scalar(level, decode, encoding, input, 130, (position * 5) % 131);
                }
            }
        }
    }
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
}

/* ---- Well-formed text: what the kernels decode whole, with its own ending ------------
 * The text of n random bytes (n = 0..130: base64 text up to 176 characters, every block
 * boundary and short last block of both levels), as encode gives it, must decode to the
 * bytes at every level; then the same text with the endings the kernels stop at: the
 * padding removed, one '=' too many, data after the padding, a line break every 76
 * characters (MIME), a character outside the alphabet in the last group. */
static void expect_decodes_to(buf_simd_level_t level, buf_encoding_t encoding, const uint8_t *text, size_t length,
                              const uint8_t *bytes, size_t size)
{
    static uint8_t decoded[MAX_OUTPUT];
    cr_assert_eq(buf_simd_level_set(level), BUF_OK);
    size_t written = 0;
    cr_assert_eq(buf_decode(encoding, text, length, decoded, size, &written), BUF_OK,
                 "%s %s: well-formed text of %zu bytes refused", buf_simd_level_name(level),
                 buf_encoding_name(encoding), size);
    cr_assert_eq(written, size, "%s %s: %zu bytes decoded, not %zu", buf_simd_level_name(level),
                 buf_encoding_name(encoding), written, size);
    cr_assert(size == 0 || memcmp(decoded, bytes, size) == 0, "%s %s: well-formed text of %zu bytes decoded wrong",
              buf_simd_level_name(level), buf_encoding_name(encoding), size);
}

static void check_well_formed(buf_simd_level_t level)
{
    if (!buf_simd_level_available(level))
        cr_skip_test("SIMD level %s: not available on this machine (CPU or build), skipped",
                     buf_simd_level_name(level));
    static const buf_encoding_t encodings[] = {BUF_ENC_BASE64, BUF_ENC_BASE64URL, BUF_ENC_HEX};
    static uint8_t bytes[130], text[MAX_INPUT], variant[MAX_INPUT];
    uint64_t rng = 0x77656c6cull + (uint64_t)level; /* "well" */
    for (size_t e = 0; e < sizeof encodings / sizeof encodings[0]; e++) {
        const buf_encoding_t encoding = encodings[e];
        const bool base64 = encoding != BUF_ENC_HEX;
        for (size_t size = 0; size <= (base64 ? 130 : MAX_INPUT / 2 - 2); size++) {
            for (size_t i = 0; i < size; i++)
                bytes[i] = (uint8_t)rng_next(&rng);
            size_t length = 0;
            cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
            cr_assert_eq(buf_encode(encoding, bytes, size, text, sizeof text, &length), BUF_OK);
            expect_decodes_to(level, encoding, text, length, bytes, size);
            snprintf(failure_context, sizeof failure_context, "(well-formed text of %zu bytes)", size);
            expect_same_as_scalar(level, true, encoding, text, length, length / 3);

            size_t data = length; /* the text without its padding */
            while (data > 0 && text[data - 1] == '=')
                data--;
            if (base64) {
                expect_decodes_to(level, encoding, text, data, bytes, size);
                memcpy(variant, text, length); /* one '=' too many, then data after the padding */
                memcpy(variant + length, "=QUJD", 5);
                snprintf(failure_context, sizeof failure_context, "(text of %zu bytes + '=QUJD')", size);
                expect_same_as_scalar(level, true, encoding, variant, length + 5, length / 2);
                size_t mime = 0; /* a line break every 76 characters */
                for (size_t i = 0; i < length && mime + 2 < sizeof variant; i++) {
                    if (i > 0 && i % 76 == 0)
                        variant[mime++] = '\n';
                    variant[mime++] = text[i];
                }
                expect_decodes_to(level, encoding, variant, mime, bytes, size);
                snprintf(failure_context, sizeof failure_context, "(text of %zu bytes in lines of 76)", size);
                expect_same_as_scalar(level, true, encoding, variant, mime, mime / 2);
            }
            if (data >= 2) { /* something else in the last group (base64: skipped; hex: the stop) */
                memcpy(variant, text, length);
                variant[data - 2] = '*';
                snprintf(failure_context, sizeof failure_context, "(text of %zu bytes, '*' in its last group)", size);
                expect_same_as_scalar(level, true, encoding, variant, length, data - 2);
            }
        }
    }
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
}

Test(codec_simd, well_formed_text_decodes_whole_at_scalar) { check_well_formed(BUF_SIMD_SCALAR); }
Test(codec_simd, well_formed_text_decodes_whole_at_sse42) { check_well_formed(BUF_SIMD_SSE42); }
Test(codec_simd, well_formed_text_decodes_whole_at_avx2) { check_well_formed(BUF_SIMD_AVX2); }

/* ---- Every byte value in the digit and alphabet decoders --------------------------------
 * The hex kernels tell digits from everything else by arithmetic (avx2) or compares
 * (sse42), the base64 kernels by nibble lookups: a byte value the specials above miss
 * (0x1A, 0x3F, 0x47, 0xC1, 0xE6, ...) could pass for a digit or a letter.  So every one
 * of the 256 values, at every position of a 130-character text of the decoder's simple
 * case, must decode as the scalar code decodes it (a value >= 0x80 alone is ill-formed
 * UTF-8 there: U+FFFD, which stops hex and is skipped by base64, as in Node). */
static void check_every_byte_value(buf_simd_level_t level)
{
    if (!buf_simd_level_available(level))
        cr_skip_test("SIMD level %s: not available on this machine (CPU or build), skipped",
                     buf_simd_level_name(level));
    static const buf_encoding_t decoders[] = {BUF_ENC_HEX, BUF_ENC_BASE64, BUF_ENC_BASE64URL};
    uint64_t rng = 0x6279746573ull + (uint64_t)level; /* "bytes" */
    uint8_t input[130];
    for (size_t d = 0; d < sizeof decoders / sizeof decoders[0]; d++)
        for (int value = 0; value < 256; value++)
            for (size_t position = 0; position < sizeof input; position++) {
                fill_simple(decoders[d], true, input, sizeof input, &rng);
                input[position] = (uint8_t)value;
                snprintf(failure_context, sizeof failure_context, "(byte 0x%02x at %zu of 130)", value, position);
                expect_same_as_scalar(level, true, decoders[d], input, sizeof input, position);
            }
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
}

Test(codec_simd, every_byte_value_decodes_as_scalar_at_sse42) { check_every_byte_value(BUF_SIMD_SSE42); }
Test(codec_simd, every_byte_value_decodes_as_scalar_at_avx2) { check_every_byte_value(BUF_SIMD_AVX2); }
Test(codec_simd, every_byte_value_decodes_as_scalar_at_avx512) { check_every_byte_value(BUF_SIMD_AVX512); }

/* ---- Whole text of every length, with one stop at every position ----------------------
 * The avx2 one-shot writers take whole text without a loop up to a limit (base64 decode:
 * 96 characters of whole groups as three overlapping blocks and a 0..4-character ending;
 * hex decode: 256 digits; base64 encode: 74 bytes) and with loops beyond it, the last
 * block overlapping the ones before.  So text of every length from 0 to 300 characters
 * (both sides of every limit, every overlap), well-formed (the encode of random bytes),
 * and the same text with one character the writers stop at (skipped, '=', a bad digit, a
 * byte >= 0x80, U+013D whose low byte is '=') at every position, the padding's and the
 * ending's included, must convert exactly as the scalar level converts it, into a
 * destination of the exact size (its own heap block: the ASan build sees a write past
 * it).  Lighter than expect_same_as_scalar (one conversion each way), so it can cover
 * every position of every length. */
static size_t convert_exact(buf_simd_level_t level, bool decode, buf_encoding_t encoding, const uint8_t *input,
                            size_t length, uint8_t *out)
{
    cr_assert_eq(buf_simd_level_set(level), BUF_OK);
    size_t exact = 0, written = 0;
    cr_assert_eq(decode ? buf_decode_length(encoding, input, length, &exact)
                        : buf_encode_length(encoding, input, length, &exact),
                 BUF_OK);
    uint8_t *block = malloc(exact ? exact : 1);
    cr_assert_not_null(block);
    buf_status_t status;
    written = convert(decode, encoding, input, length, block, exact, &status);
    cr_assert_eq(status, BUF_OK, "%s %s %s: an exact-size destination failed", buf_simd_level_name(level),
                 buf_encoding_name(encoding), failure_context);
    cr_assert_eq(written, exact, "%s %s %s: %zu bytes written, exact length %zu", buf_simd_level_name(level),
                 buf_encoding_name(encoding), failure_context, written, exact);
    memcpy(out, block, written);
    free(block);
    return written;
}

static void expect_exact_as_scalar(buf_simd_level_t level, bool decode, buf_encoding_t encoding,
                                   const uint8_t *input, size_t length)
{
    static uint8_t scalar[4 * 300], simd[4 * 300];
    const size_t scalar_length = convert_exact(BUF_SIMD_SCALAR, decode, encoding, input, length, scalar);
    const size_t simd_length = convert_exact(level, decode, encoding, input, length, simd);
    cr_assert_eq(simd_length, scalar_length, "%s %s %s %s: %zu bytes, scalar %zu", buf_simd_level_name(level),
                 buf_encoding_name(encoding), decode ? "decode" : "encode", failure_context, simd_length,
                 scalar_length);
    cr_assert(memcmp(simd, scalar, scalar_length) == 0, "%s %s %s %s: other bytes than scalar",
              buf_simd_level_name(level), buf_encoding_name(encoding), decode ? "decode" : "encode",
              failure_context);
}

/* A destination one byte below the exact size: the level must answer as scalar does
 * (BUF_ENOSPC, nothing counted) and write nothing past the destination (its own heap block
 * of that size: the ASan build sees a write past it).  The avx2 base64 entries fold this
 * capacity test into their short kernels, which compute the exact size themselves. */
static void expect_tight_as_scalar(buf_simd_level_t level, bool decode, buf_encoding_t encoding,
                                   const uint8_t *input, size_t length)
{
    size_t exact = 0;
    cr_assert_eq(decode ? buf_decode_length(encoding, input, length, &exact)
                        : buf_encode_length(encoding, input, length, &exact),
                 BUF_OK);
    if (exact == 0)
        return;
    buf_status_t status[2];
    size_t written[2];
    const buf_simd_level_t levels[2] = {BUF_SIMD_SCALAR, level};
    for (int l = 0; l < 2; l++) {
        cr_assert_eq(buf_simd_level_set(levels[l]), BUF_OK);
        uint8_t *block = malloc(exact - 1 ? exact - 1 : 1);
        cr_assert_not_null(block);
        written[l] = convert(decode, encoding, input, length, block, exact - 1, &status[l]);
        free(block);
    }
    cr_assert_eq(status[1], status[0], "%s %s %s %s, a destination of %zu (exact %zu): %s, scalar %s",
                 buf_simd_level_name(level), buf_encoding_name(encoding), decode ? "decode" : "encode",
                 failure_context, exact - 1, exact, buf_status_name(status[1]), buf_status_name(status[0]));
    cr_assert_eq(written[1], written[0], "%s %s %s %s: %zu counted in a tight destination, scalar %zu",
                 buf_simd_level_name(level), buf_encoding_name(encoding), decode ? "decode" : "encode",
                 failure_context, written[1], written[0]);
}

static void check_every_stop(buf_simd_level_t level)
{
    if (!buf_simd_level_available(level))
        cr_skip_test("SIMD level %s: not available on this machine (CPU or build), skipped",
                     buf_simd_level_name(level));
    static const buf_encoding_t encodings[] = {BUF_ENC_BASE64, BUF_ENC_BASE64URL, BUF_ENC_HEX};
    static const special_t stops[] = {S("*"), S("="), S("g"), S("\n"), S("\xc4\xbd"), S("\x80")};
    enum { MAX_TEXT = 300 };
    static uint8_t bytes[MAX_TEXT], text[MAX_TEXT + 4], variant[MAX_TEXT + 4];
    uint64_t rng = 0x73746f70ull + (uint64_t)level; /* "stop" */
    for (size_t e = 0; e < sizeof encodings / sizeof encodings[0]; e++) {
        const buf_encoding_t encoding = encodings[e];
        for (size_t size = 0;; size++) {
            size_t length = 0;
            cr_assert_eq(buf_encode_length(encoding, bytes, size, &length), BUF_OK);
            if (length > MAX_TEXT)
                break;
            for (size_t i = 0; i < size; i++)
                bytes[i] = (uint8_t)rng_next(&rng);
            snprintf(failure_context, sizeof failure_context, "(%zu random bytes)", size);
            expect_exact_as_scalar(level, false, encoding, bytes, size);
            expect_tight_as_scalar(level, false, encoding, bytes, size);
            cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
            cr_assert_eq(buf_encode(encoding, bytes, size, text, sizeof text, &length), BUF_OK);
            snprintf(failure_context, sizeof failure_context, "(the text of %zu bytes)", size);
            expect_exact_as_scalar(level, true, encoding, text, length);
            expect_tight_as_scalar(level, true, encoding, text, length);
            for (size_t s = 0; s < sizeof stops / sizeof stops[0]; s++)
                for (size_t position = 0; position + stops[s].length <= length; position++) {
                    memcpy(variant, text, length);
                    memcpy(variant + position, stops[s].bytes, stops[s].length);
                    snprintf(failure_context, sizeof failure_context, "(the text of %zu bytes, stop #%zu at %zu)",
                             size, s, position);
                    expect_exact_as_scalar(level, true, encoding, variant, length);
                }
        }
    }
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
}

Test(codec_simd, every_stop_in_text_of_every_length_at_sse42) { check_every_stop(BUF_SIMD_SSE42); }
Test(codec_simd, every_stop_in_text_of_every_length_at_avx2) { check_every_stop(BUF_SIMD_AVX2); }
Test(codec_simd, every_stop_in_text_of_every_length_at_avx512) { check_every_stop(BUF_SIMD_AVX512); }

Test(codec_simd, sse42_matches_scalar) { check_level(BUF_SIMD_SSE42); }
Test(codec_simd, avx2_matches_scalar) { check_level(BUF_SIMD_AVX2); }
Test(codec_simd, avx512_matches_scalar) { check_level(BUF_SIMD_AVX512); }
