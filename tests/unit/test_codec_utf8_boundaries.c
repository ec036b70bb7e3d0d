/* test_codec_utf8_boundaries.c — the edges of every UTF-8 lead byte, through each path
 * that reads UTF-8 text: the text -> bytes decoders (utf8, utf16le, latin1), utf8 encode,
 * and the validation behind strict decode.
 *
 * All paths share one reader (codec_utf8.c), whose lead-byte table says which second
 * bytes each lead accepts; an off-by-one there (E0 80..9F read as an overlong U+0000..
 * U+07FF instead of three U+FFFD) passes every other unit test.  So every boundary is
 * here: E0 80/9F/A0, ED 9F/A0, F0 8F/90, F4 8F/90, C0/C1/C2, F5, continuation bytes
 * alone, and sequences cut short at the end of the text or by an ASCII byte.
 *
 * The expected bytes were printed by Node v20.20; a row's three decodes come from
 *   node -e "const s = Buffer.from(process.argv[1], 'hex').toString();
 *            for (const e of ['utf8', 'utf16le', 'latin1']) console.log(Buffer.from(s, e).toString('hex'))" e08080
 * that is:
 *   utf8    Buffer.from(Buffer.from(bytes).toString('utf8'))           (also utf8 encode)
 *   utf16le Buffer.from(Buffer.from(bytes).toString('utf8'), 'utf16le')
 *   latin1  Buffer.from(Buffer.from(bytes).toString('utf8'), 'latin1')
 *   strict  the longest prefix p with Buffer.from(p.toString()).equals(p), for ill-formed text
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "buf_codec.h"
#include "test_support.h"

/* ---- The vectors ------------------------------------------------------------------------ */
#define VALID SIZE_MAX /* strict: the whole text is well-formed */

typedef struct boundary_vector {
    const char *text;   /* hex of the UTF-8 text */
    const char *utf8;   /* hex of the utf8 decode */
    const char *utf16le;
    const char *latin1;
    size_t strict;      /* offset of the first ill-formed byte, or VALID */
    const char *what;
} boundary_vector_t;

static const boundary_vector_t vectors[] = {
    {"e08080", "efbfbdefbfbdefbfbd", "fdfffdfffdff", "fdfdfd", 0, "E0 80: overlong"},
    {"e09fbf", "efbfbdefbfbdefbfbd", "fdfffdfffdff", "fdfdfd", 0, "E0 9F: overlong (last one)"},
    {"e0a080", "e0a080", "0008", "00", VALID, "E0 A0: U+0800, first 3-byte"},
    {"e0bfbf", "e0bfbf", "ff0f", "ff", VALID, "E0 BF: U+0FFF"},
    {"ed9fbf", "ed9fbf", "ffd7", "ff", VALID, "ED 9F: U+D7FF, last before the surrogates"},
    {"eda080", "efbfbdefbfbdefbfbd", "fdfffdfffdff", "fdfdfd", 0, "ED A0: U+D800, a surrogate"},
    {"edbfbf", "efbfbdefbfbdefbfbd", "fdfffdfffdff", "fdfdfd", 0, "ED BF: U+DFFF, a surrogate"},
    {"efbfbf", "efbfbf", "ffff", "ff", VALID, "EF BF: U+FFFF"},
    {"f08fbfbf", "efbfbdefbfbdefbfbdefbfbd", "fdfffdfffdfffdff", "fdfdfdfd", 0, "F0 8F: overlong"},
    {"f0908080", "f0908080", "00d800dc", "0000", VALID, "F0 90: U+10000, first 4-byte"},
    {"f48fbfbf", "f48fbfbf", "ffdbffdf", "ffff", VALID, "F4 8F: U+10FFFF, the last code point"},
    {"f4908080", "efbfbdefbfbdefbfbdefbfbd", "fdfffdfffdfffdff", "fdfdfdfd", 0, "F4 90: above U+10FFFF"},
    {"c080", "efbfbdefbfbd", "fdfffdff", "fdfd", 0, "C0: never a lead"},
    {"c1bf", "efbfbdefbfbd", "fdfffdff", "fdfd", 0, "C1: never a lead"},
    {"c280", "c280", "8000", "80", VALID, "C2 80: U+0080, first 2-byte"},
    {"dfbf", "dfbf", "ff07", "ff", VALID, "DF BF: U+07FF"},
    {"f5808080", "efbfbdefbfbdefbfbdefbfbd", "fdfffdfffdfffdff", "fdfdfdfd", 0, "F5: never a lead"},
    {"ff", "efbfbd", "fdff", "fd", 0, "FF: never a lead"},
    {"80", "efbfbd", "fdff", "fd", 0, "80 alone"},
    {"bf80", "efbfbdefbfbd", "fdfffdff", "fdfd", 0, "continuation bytes alone"},
    {"c2", "efbfbd", "fdff", "fd", 0, "C2 at end"},
    {"e0", "efbfbd", "fdff", "fd", 0, "E0 at end"},
    {"e0a0", "efbfbd", "fdff", "fd", 0, "E0 A0 at end"},
    {"ed9f", "efbfbd", "fdff", "fd", 0, "ED 9F at end"},
    {"f0", "efbfbd", "fdff", "fd", 0, "F0 at end"},
    {"f090", "efbfbd", "fdff", "fd", 0, "F0 90 at end"},
    {"f09080", "efbfbd", "fdff", "fd", 0, "F0 90 80 at end"},
    {"f48fbf", "efbfbd", "fdff", "fd", 0, "F4 8F BF at end"},
    {"e0a041", "efbfbd41", "fdff4100", "fd41", 0, "E0 A0 then ASCII"},
    {"f0908041", "efbfbd41", "fdff4100", "fd41", 0, "F0 90 80 then ASCII"},
    {"e080a080", "efbfbdefbfbdefbfbdefbfbd", "fdfffdfffdfffdff", "fdfdfdfd", 0, "E0 80 then a continuation"},
    {"c2c280", "efbfbdc280", "fdff8000", "fd80", 0, "C2 then C2 80"},
};

/* Each vector also runs behind a prefix: none, nine ASCII bytes (the reader's 8-byte ASCII
 * fast path ends one byte before the vector) and a 2-byte character (the slow path). */
typedef struct prefix {
    const char *text, *utf8, *utf16le, *latin1;
} prefix_t;

static const prefix_t prefixes[] = {
    {"", "", "", ""},
    {"616263646566676869", "616263646566676869", "610062006300640065006600670068006900", "616263646566676869"},
    {"c3a9", "c3a9", "e900", "e9"},
};

/* ---- Helpers ------------------------------------------------------------------------------ */

/* The prefix's and the vector's hex, joined. */
static void joined(const char *prefix_hex, const char *vector_hex, char *out, size_t capacity)
{
    cr_assert_lt((size_t)snprintf(out, capacity, "%s%s", prefix_hex, vector_hex), capacity);
}

/* One conversion into an exactly sized destination, compared with the expected hex; the
 * exact length function must agree with what was written. */
static void expect_conversion(bool encode, buf_encoding_t encoding, const uint8_t *text, size_t length,
                              const char *expected_hex, const char *what)
{
    const char *word = encode ? "encode" : "decode";
    size_t exact = 0, written = 0;
    cr_assert_eq(encode ? buf_encode_length(encoding, text, length, &exact)
                        : buf_decode_length(encoding, text, length, &exact), BUF_OK);
    uint8_t output[64];
    char hex[2 * sizeof output + 1];
    cr_assert_leq(exact, sizeof output);
    const buf_status_t status = encode ? buf_encode(encoding, text, length, output, exact, &written)
                                       : buf_decode(encoding, text, length, output, exact, &written);
    cr_assert_eq(status, BUF_OK, "%s %s, %s: %s", word, buf_encoding_name(encoding), what, buf_status_name(status));
    test_bytes_to_hex(output, written, hex);
    cr_expect_str_eq(hex, expected_hex, "%s %s, %s", word, buf_encoding_name(encoding), what);
    cr_expect_eq(written, exact, "%s %s, %s: length function %zu, wrote %zu", word, buf_encoding_name(encoding), what,
                 exact, written);
}

/* Strict decode and the offset alone: the first ill-formed byte, or success. */
static void expect_strict(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t expected,
                          const char *what)
{
    uint8_t output[64];
    size_t written = 99, bad_offset = 99, offset_alone = 99;
    const buf_status_t status = buf_decode_strict(encoding, text, length, output, sizeof output, &written, &bad_offset);
    cr_expect_eq(buf_decode_strict_offset(encoding, text, length, &offset_alone), BUF_OK);
    if (expected == VALID) {
        cr_expect_eq(status, BUF_OK, "strict %s, %s: %s at %zu", buf_encoding_name(encoding), what,
                     buf_status_name(status), bad_offset);
        cr_expect_eq(bad_offset, length);
        cr_expect_eq(offset_alone, length, "strict offset %s, %s", buf_encoding_name(encoding), what);
    } else {
        cr_expect_eq(status, BUF_ESTRICT, "strict %s, %s: %s", buf_encoding_name(encoding), what,
                     buf_status_name(status));
        cr_expect_eq(bad_offset, expected, "strict %s, %s: offset %zu, expected %zu", buf_encoding_name(encoding),
                     what, bad_offset, expected);
        cr_expect_eq(offset_alone, expected, "strict offset %s, %s", buf_encoding_name(encoding), what);
        cr_expect_eq(written, 0);
    }
}

/* The text of prefix p followed by the vector's text, as bytes in text (64 bytes, room for
 * the longest prefix and vector); returns the byte count.  Both tests start from it. */
static size_t prefixed_text(size_t p, const boundary_vector_t *vector, uint8_t *text)
{
    char hex[128];
    joined(prefixes[p].text, vector->text, hex, sizeof hex);
    return test_hex_to_bytes(hex, text);
}

/* ---- The tests ------------------------------------------------------------------------------ */
Test(codec_utf8_boundaries, text_to_bytes_decoders)
{
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
            const boundary_vector_t *vector = &vectors[v];
            uint8_t text[64];
            const size_t length = prefixed_text(p, vector, text);
            char hex[128];
            joined(prefixes[p].utf8, vector->utf8, hex, sizeof hex);
            expect_conversion(false, BUF_ENC_UTF8, text, length, hex, vector->what);
            expect_conversion(true, BUF_ENC_UTF8, text, length, hex, vector->what); /* the same sanitizing */
            joined(prefixes[p].utf16le, vector->utf16le, hex, sizeof hex);
            expect_conversion(false, BUF_ENC_UTF16LE, text, length, hex, vector->what);
            joined(prefixes[p].latin1, vector->latin1, hex, sizeof hex);
            expect_conversion(false, BUF_ENC_LATIN1, text, length, hex, vector->what);
        }
    }
}

Test(codec_utf8_boundaries, validation_and_strict_decode)
{
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
            const boundary_vector_t *vector = &vectors[v];
            uint8_t text[64];
            const size_t length = prefixed_text(p, vector, text);
            const size_t prefix_length = strlen(prefixes[p].text) / 2;
            const size_t expected = vector->strict == VALID ? VALID : prefix_length + vector->strict;
            expect_strict(BUF_ENC_UTF8, text, length, expected, vector->what);
            expect_strict(BUF_ENC_UTF16LE, text, length, expected, vector->what);
        }
    }
}
