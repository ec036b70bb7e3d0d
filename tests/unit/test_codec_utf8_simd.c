/* test_codec_utf8_simd.c — the UTF-8 validators of every SIMD level against the scalar reader.
 *
 * utf8 encode and decode run "check and copy" kernels (impls/codecs/codec_utf8_sse42.c at
 * 16 bytes per block, codec_utf8_avx2.c at 32) that take well-formed text whole and stop
 * near the first error, where the scalar reader writes U+FFFD exactly as Node does.  A
 * kernel that misses an error class at one position of its block, or mishandles a
 * character cut by a block boundary, by a step (64 bytes), by a mixed stretch (1024 bytes
 * at avx2) or by the last block (which overlaps the ones before it), gives output that
 * differs from the scalar level's.  So each level must give what scalar gives for:
 *   - every well-formed class (1, 2, 3 and 4 bytes, at the edges of each lead's range) and
 *     every ill-formed class (overlong 2/3/4-byte forms, surrogates, code points above
 *     U+10FFFF, never-lead bytes, sequences cut by ASCII or by the end, stray
 *     continuations), put at EVERY position of texts of 17..300 bytes: every position of
 *     a 16/32-byte block and every block boundary of both levels, in ASCII text and in
 *     multilingual text (2-, 3- and 4-byte characters around it, which takes the kernels'
 *     non-ASCII paths);
 *   - every length 0..300 of multilingual text with a stray continuation or a surrogate at
 *     every position (an error in either block of a pair the avx2 stretch walk folds into
 *     one test, in its lone first block, in its last overlapping block);
 *   - random multilingual texts up to 1100 bytes with an ill-formed sequence now and then,
 *     so errors land in later steps and stretches after well-formed ones;
 * through buf_encode (bound-sized and text-sized destinations, and an exactly sized heap
 * block so the ASan build sees any write past it), buf_decode, buf_encode_length and
 * buf_decode_strict_offset.  A level this machine lacks is skipped with a message.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"

/* ---- The sequences -------------------------------------------------------------------- */
typedef struct sequence {
    const char *bytes;
    size_t length;
    const char *what;
} sequence_t;
#define SEQ(literal, what) {literal, sizeof literal - 1, what}

static const sequence_t sequences[] = {
    /* well-formed */
    SEQ("a", "ASCII"),
    SEQ("\x7f", "ASCII 7F"),
    SEQ("\xc2\x80", "U+0080, first 2-byte"),
    SEQ("\xdf\xbf", "U+07FF, last 2-byte"),
    SEQ("\xe0\xa0\x80", "U+0800, first 3-byte (E0 A0)"),
    SEQ("\xe1\x80\x80", "U+1000 (E1 80)"),
    SEQ("\xed\x9f\xbf", "U+D7FF, last before the surrogates"),
    SEQ("\xee\x80\x80", "U+E000, first after the surrogates"),
    SEQ("\xef\xbf\xbf", "U+FFFF"),
    SEQ("\xf0\x90\x80\x80", "U+10000, first 4-byte (F0 90)"),
    SEQ("\xf3\xbf\xbf\xbf", "U+FFFFF"),
    SEQ("\xf4\x8f\xbf\xbf", "U+10FFFF, the last code point"),
    /* overlong forms */
    SEQ("\xc0\x80", "overlong 2-byte C0"),
    SEQ("\xc1\xbf", "overlong 2-byte C1"),
    SEQ("\xe0\x80\x80", "overlong 3-byte E0 80"),
    SEQ("\xe0\x9f\xbf", "overlong 3-byte E0 9F"),
    SEQ("\xf0\x80\x80\x80", "overlong 4-byte F0 80"),
    SEQ("\xf0\x8f\xbf\xbf", "overlong 4-byte F0 8F"),
    /* surrogates */
    SEQ("\xed\xa0\x80", "surrogate U+D800"),
    SEQ("\xed\xbf\xbf", "surrogate U+DFFF"),
    /* above U+10FFFF, never-lead bytes */
    SEQ("\xf4\x90\x80\x80", "F4 90: above U+10FFFF"),
    SEQ("\xf5\x80\x80\x80", "F5: never a lead"),
    SEQ("\xf7\xbf\xbf\xbf", "F7: never a lead"),
    SEQ("\xf8\x88\x80\x80\x80", "F8: a 5-byte form"),
    SEQ("\xff", "FF"),
    /* cut short (by ASCII here, by the end when put last) */
    SEQ("\xc2", "2-byte lead alone"),
    SEQ("\xc2" "A", "2-byte lead then ASCII"),
    SEQ("\xe1\x80", "3-byte lead and one continuation"),
    SEQ("\xe1\x80" "A", "3-byte cut by ASCII"),
    SEQ("\xf0\x90\x80", "4-byte lead and two continuations"),
    SEQ("\xf0\x90\x80" "A", "4-byte cut by ASCII"),
    SEQ("\xe1\xc2\x80", "3-byte lead then a 2-byte character"),
    /* stray continuations */
    SEQ("\x80", "continuation 80 alone"),
    SEQ("\xbf", "continuation BF alone"),
    SEQ("\xc2\x80\x80", "a continuation too many after 2 bytes"),
    SEQ("\xe1\x80\x80\x80", "a continuation too many after 3 bytes"),
    SEQ("\xf0\x90\x80\x80\x80", "a continuation too many after 4 bytes"),
};

/* Well-formed characters of 1..4 bytes for the multilingual background. */
static const sequence_t characters[] = {
    SEQ(" ", ""), SEQ("e", ""), SEQ("\xc3\xa9", ""), SEQ("\xd0\xb6", ""), SEQ("\xe2\x82\xac", ""),
    SEQ("\xe4\xb8\xad", ""), SEQ("\xf0\x9f\x98\x80", ""),
};

/* ---- Texts ---------------------------------------------------------------------------- */
static uint64_t rng_next(uint64_t *state) /* xorshift64*: fixed seeds, reproducible runs */
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * 0x2545F4914F6CDD1Dull;
}

/* `length' bytes of well-formed text: ASCII, or whole multilingual characters (ASCII
 * where the next character would not fit, so the text ends at a character boundary). */
static void fill_background(uint8_t *text, size_t length, bool multilingual, uint64_t *rng)
{
    size_t used = 0;
    while (used < length) {
        const sequence_t *c = &characters[rng_next(rng) % (sizeof characters / sizeof characters[0])];
        if (!multilingual || used + c->length > length)
            c = &characters[1];
        memcpy(text + used, c->bytes, c->length);
        used += c->length;
    }
}

/* ---- One text at one level ------------------------------------------------------------ */
enum { MAX_TEXT = 1200 };

typedef struct outcome {
    buf_status_t bound_status, sized_status, decode_status;
    size_t bound_written, sized_written, decode_written, exact_length, strict_offset;
    uint8_t bound_output[3 * MAX_TEXT], sized_output[MAX_TEXT], decode_output[MAX_TEXT];
} outcome_t;

static void convert_at(buf_simd_level_t level, const uint8_t *text, size_t length, outcome_t *out)
{
    cr_assert_eq(buf_simd_level_set(level), BUF_OK);
    out->bound_written = out->sized_written = out->decode_written = 0;
    out->bound_status = buf_encode(BUF_ENC_UTF8, text, length, out->bound_output, 3 * length, &out->bound_written);
    out->sized_status = buf_encode(BUF_ENC_UTF8, text, length, out->sized_output, length, &out->sized_written);
    out->decode_status = buf_decode(BUF_ENC_UTF8, text, length, out->decode_output, length, &out->decode_written);
    cr_assert_eq(buf_encode_length(BUF_ENC_UTF8, text, length, &out->exact_length), BUF_OK);
    cr_assert_eq(buf_decode_strict_offset(BUF_ENC_UTF8, text, length, &out->strict_offset), BUF_OK);
    /* an exactly sized heap block: a kernel writing past the output shows under ASan */
    uint8_t *exact = malloc(out->exact_length ? out->exact_length : 1);
    cr_assert_not_null(exact);
    size_t written = 0;
    cr_assert_eq(buf_encode(BUF_ENC_UTF8, text, length, exact, out->exact_length, &written), BUF_OK,
                 "%s: an exactly sized destination was refused", buf_simd_level_name(level));
    cr_assert(written == out->bound_written && memcmp(exact, out->bound_output, written) == 0,
              "%s: the exactly sized destination got other bytes", buf_simd_level_name(level));
    free(exact);
}

static char context[200];

static void expect_same_as_scalar(buf_simd_level_t level, const uint8_t *text, size_t length)
{
    static outcome_t scalar, simd;
    convert_at(BUF_SIMD_SCALAR, text, length, &scalar);
    convert_at(level, text, length, &simd);
    const char *name = buf_simd_level_name(level);
    cr_assert_eq(simd.bound_status, scalar.bound_status, "%s %s: encode status", name, context);
    cr_assert_eq(simd.bound_written, scalar.bound_written, "%s %s: encode wrote %zu bytes, scalar %zu", name, context,
                 simd.bound_written, scalar.bound_written);
    cr_assert(memcmp(simd.bound_output, scalar.bound_output, scalar.bound_written) == 0,
              "%s %s: encode wrote other bytes than scalar", name, context);
    cr_assert_eq(simd.sized_status, scalar.sized_status, "%s %s: text-sized encode status", name, context);
    cr_assert(simd.sized_written == scalar.sized_written &&
                  memcmp(simd.sized_output, scalar.sized_output, scalar.sized_written) == 0,
              "%s %s: text-sized encode output", name, context);
    cr_assert_eq(simd.decode_status, scalar.decode_status, "%s %s: decode status", name, context);
    cr_assert(simd.decode_written == scalar.decode_written &&
                  memcmp(simd.decode_output, scalar.decode_output, scalar.decode_written) == 0,
              "%s %s: decode output", name, context);
    cr_assert_eq(simd.exact_length, scalar.exact_length, "%s %s: encode length %zu, scalar %zu", name, context,
                 simd.exact_length, scalar.exact_length);
    cr_assert_eq(simd.strict_offset, scalar.strict_offset, "%s %s: strict offset %zu, scalar %zu", name, context,
                 simd.strict_offset, scalar.strict_offset);
    cr_assert_eq(scalar.exact_length, scalar.bound_written, "scalar %s: length and encode disagree", context);
}

/* ---- The cases -------------------------------------------------------------------------- */
static void skip_if_missing(buf_simd_level_t level)
{
    if (buf_simd_level_available(level))
        return;
    fprintf(stderr, "codec_utf8_simd: SIMD level %s is not available on this machine (CPU or build): its "
                    "comparison with scalar is skipped\n", buf_simd_level_name(level));
    cr_skip_test("SIMD level %s: not available on this machine (CPU or build), skipped", buf_simd_level_name(level));
}

/* Every sequence at every position of texts whose lengths sit on each side of the block
 * (16, 32), step (64), last-block (35 at avx2, 19 at sse42) and stretch (256 + 32) sizes. */
static void every_sequence_at_every_position(buf_simd_level_t level)
{
    skip_if_missing(level);
    static const size_t lengths[] = {17, 19, 33, 35, 40, 64, 67, 100, 300};
    static uint8_t text[MAX_TEXT];
    uint64_t rng = 0x75746638ull + (uint64_t)level; /* "utf8" */
    for (int multilingual = 0; multilingual < 2; multilingual++)
        for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++)
            for (size_t s = 0; s < sizeof sequences / sizeof sequences[0]; s++) {
                const sequence_t *seq = &sequences[s];
                for (size_t position = 0; position + seq->length <= lengths[l]; position++) {
                    fill_background(text, position, multilingual, &rng);
                    memcpy(text + position, seq->bytes, seq->length);
                    fill_background(text + position + seq->length, lengths[l] - position - seq->length, multilingual,
                                    &rng);
                    snprintf(context, sizeof context, "(%s at %zu of %zu bytes of %s text)", seq->what, position,
                             lengths[l], multilingual ? "multilingual" : "ASCII");
                    expect_same_as_scalar(level, text, lengths[l]);
                }
            }
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
}

/* Long multilingual texts, mostly well-formed, with an ill-formed sequence now and then. */
static void random_long_texts(buf_simd_level_t level)
{
    skip_if_missing(level);
    static uint8_t text[MAX_TEXT];
    uint64_t rng = 0x6c6f6e67ull + (uint64_t)level; /* "long" */
    for (int round = 0; round < 1500; round++) {
        const size_t length = (size_t)(rng_next(&rng) % 1100);
        const unsigned per_mille = (unsigned)(rng_next(&rng) % 4) * 5; /* 0, 5, 10, 15 per 1000 */
        size_t used = 0;
        while (used < length) {
            const sequence_t *c = rng_next(&rng) % 1000 < per_mille
                                      ? &sequences[rng_next(&rng) % (sizeof sequences / sizeof sequences[0])]
                                      : &characters[rng_next(&rng) % (sizeof characters / sizeof characters[0])];
            const size_t take = used + c->length > length ? length - used : c->length;
            memcpy(text + used, c->bytes, take);
            used += take;
        }
        snprintf(context, sizeof context, "(random text #%d of %zu bytes, %u per mille ill-formed)", round, length,
                 per_mille);
        expect_same_as_scalar(level, text, length);
    }
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
}

/* Every length 0..300 of multilingual text with one ill-formed sequence at every position:
 * the stretch walk at avx2 takes its blocks in pairs, the first alone when their number
 * is odd, and folds the pairs' verdicts into one test per stretch, so an error must be
 * found in either block of a pair, in the lone first block, and in the last block that
 * overlaps them, at every length where those fall differently. */
static void every_length_with_an_error_at_every_position(buf_simd_level_t level)
{
    skip_if_missing(level);
    static const sequence_t errors[] = {SEQ("\x80", "a stray continuation"), SEQ("\xed\xa0\x80", "a surrogate")};
    static uint8_t text[MAX_TEXT];
    uint64_t rng = 0x6c656e67ull + (uint64_t)level; /* "leng" */
    for (size_t length = 0; length <= 300; length++)
        for (size_t e = 0; e < sizeof errors / sizeof errors[0]; e++)
            for (size_t position = 0; position + errors[e].length <= length; position++) {
                fill_background(text, position, true, &rng);
                memcpy(text + position, errors[e].bytes, errors[e].length);
                fill_background(text + position + errors[e].length, length - position - errors[e].length, true, &rng);
                snprintf(context, sizeof context, "(%s at %zu of %zu bytes of multilingual text)", errors[e].what,
                         position, length);
                expect_same_as_scalar(level, text, length);
            }
    cr_assert_eq(buf_simd_level_set(BUF_SIMD_SCALAR), BUF_OK);
}

Test(codec_utf8_simd, sse42_every_sequence_at_every_position) { every_sequence_at_every_position(BUF_SIMD_SSE42); }
Test(codec_utf8_simd, avx2_every_sequence_at_every_position) { every_sequence_at_every_position(BUF_SIMD_AVX2); }
Test(codec_utf8_simd, avx512_every_sequence_at_every_position) { every_sequence_at_every_position(BUF_SIMD_AVX512); }
Test(codec_utf8_simd, sse42_random_long_texts) { random_long_texts(BUF_SIMD_SSE42); }
Test(codec_utf8_simd, avx2_random_long_texts) { random_long_texts(BUF_SIMD_AVX2); }
Test(codec_utf8_simd, avx512_random_long_texts) { random_long_texts(BUF_SIMD_AVX512); }
Test(codec_utf8_simd, sse42_every_length_with_an_error_at_every_position) { every_length_with_an_error_at_every_position(BUF_SIMD_SSE42); }
Test(codec_utf8_simd, avx2_every_length_with_an_error_at_every_position) { every_length_with_an_error_at_every_position(BUF_SIMD_AVX2); }
Test(codec_utf8_simd, avx512_every_length_with_an_error_at_every_position) { every_length_with_an_error_at_every_position(BUF_SIMD_AVX512); }
