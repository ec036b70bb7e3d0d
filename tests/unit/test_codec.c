/* test_codec.c — the codec API itself: names and aliases, argument errors, the length and
 * bound functions against what the converters write, and the *_alloc helpers over every
 * backend and variant.  (Values per encoding: test_codec_values.c; strict: test_codec_strict.c.)
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"
#include "buf_model.h" /* the *_alloc functions */
#include "test_support.h"

static const buf_encoding_t all_encodings[BUF_ENC_COUNT] = {
    BUF_ENC_UTF8, BUF_ENC_UTF16LE, BUF_ENC_LATIN1, BUF_ENC_ASCII, BUF_ENC_HEX, BUF_ENC_BASE64, BUF_ENC_BASE64URL,
};

/* ---- Names ---------------------------------------------------------------------------- */
Test(codec_names, every_node_alias_in_any_case)
{
    static const struct {
        const char *name;
        buf_encoding_t encoding;
    } names[] = {
        {"utf8", BUF_ENC_UTF8},         {"utf-8", BUF_ENC_UTF8},         {"UTF8", BUF_ENC_UTF8},
        {"UTF-8", BUF_ENC_UTF8},        {"utf16le", BUF_ENC_UTF16LE},    {"utf-16le", BUF_ENC_UTF16LE},
        {"UTF-16LE", BUF_ENC_UTF16LE},  {"ucs2", BUF_ENC_UTF16LE},       {"ucs-2", BUF_ENC_UTF16LE},
        {"Ucs-2", BUF_ENC_UTF16LE},     {"latin1", BUF_ENC_LATIN1},      {"binary", BUF_ENC_LATIN1},
        {"BINARY", BUF_ENC_LATIN1},     {"ascii", BUF_ENC_ASCII},        {"ASCII", BUF_ENC_ASCII},
        {"hex", BUF_ENC_HEX},           {"HeX", BUF_ENC_HEX},            {"base64", BUF_ENC_BASE64},
        {"BASE64", BUF_ENC_BASE64},     {"base64url", BUF_ENC_BASE64URL}, {"BASE64URL", BUF_ENC_BASE64URL},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        buf_encoding_t parsed = BUF_ENC_COUNT;
        cr_expect_eq(buf_encoding_parse(names[i].name, &parsed), BUF_OK, "%s", names[i].name);
        cr_expect_eq(parsed, names[i].encoding, "%s", names[i].name);
    }
}

Test(codec_names, near_misses_are_unknown_as_in_node)
{
    /* Buffer.isEncoding says false to each of these */
    static const char *const unknown[] = {"", "utf-16", "utf16", "utf16-le", "latin-1", "base64-url", "base-64",
                                          "utf32", "ucs2 ", " utf8", "utf_8", "raw", "hexx", "asci"};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        buf_encoding_t parsed = BUF_ENC_UTF8;
        cr_expect_eq(buf_encoding_parse(unknown[i], &parsed), BUF_EUNKNOWN_ENCODING, "'%s'", unknown[i]);
    }
    cr_expect_eq(buf_encoding_parse(NULL, NULL), BUF_EUNKNOWN_ENCODING);
}

Test(codec_names, canonical_names_round_trip)
{
    for (size_t i = 0; i < BUF_ENC_COUNT; i++) {
        buf_encoding_t parsed;
        cr_expect_eq(buf_encoding_parse(buf_encoding_name(all_encodings[i]), &parsed), BUF_OK);
        cr_expect_eq(parsed, all_encodings[i]);
    }
    cr_expect_str_eq(buf_encoding_name(BUF_ENC_COUNT), "unknown");
    cr_expect_str_eq(buf_encoding_name((buf_encoding_t)-1), "unknown");
}

/* ---- Argument errors ----------------------------------------------------------------- */
Test(codec_api, null_with_length_is_einval)
{
    uint8_t out[8];
    size_t written = 5;
    cr_expect_eq(buf_encode(BUF_ENC_HEX, NULL, 1, out, sizeof out, &written), BUF_EINVAL);
    cr_expect_eq(written, 0);
    cr_expect_eq(buf_decode(BUF_ENC_HEX, NULL, 1, out, sizeof out, &written), BUF_EINVAL);
    cr_expect_eq(buf_encode(BUF_ENC_HEX, (const uint8_t *)"a", 1, NULL, 4, &written), BUF_EINVAL);
    cr_expect_eq(buf_decode(BUF_ENC_HEX, (const uint8_t *)"ab", 2, NULL, 4, &written), BUF_EINVAL);
    cr_expect_eq(buf_encode(BUF_ENC_COUNT, (const uint8_t *)"a", 1, out, sizeof out, &written), BUF_EINVAL);
    cr_expect_eq(buf_decode((buf_encoding_t)-3, (const uint8_t *)"a", 1, out, sizeof out, &written), BUF_EINVAL);
    /* empty input and zero capacity may be NULL */
    cr_expect_eq(buf_encode(BUF_ENC_BASE64, NULL, 0, NULL, 0, &written), BUF_OK);
    cr_expect_eq(written, 0);
    cr_expect_eq(buf_decode(BUF_ENC_UTF8, NULL, 0, NULL, 0, NULL), BUF_OK);
}

/* The four functions that measure a text or byte string: one signature, so the argument
 * checks below run over this table (the message names the function that failed). */
static const struct {
    const char *name;
    buf_status_t (*measure)(buf_encoding_t encoding, const uint8_t *input, size_t length, size_t *out);
} measuring_functions[] = {
    {"buf_encode_length", buf_encode_length},
    {"buf_decode_length", buf_decode_length},
    {"buf_byte_length", buf_byte_length},
    {"buf_decode_strict_offset", buf_decode_strict_offset},
};
#define MEASURING_FUNCTION_COUNT (sizeof measuring_functions / sizeof measuring_functions[0])

/* Every length, bound and offset function: BUF_EINVAL for bad arguments, *out untouched. */
Test(codec_api, measuring_functions_report_bad_arguments)
{
    const uint8_t *text = (const uint8_t *)"ab";
    size_t out = 77;
    for (size_t f = 0; f < MEASURING_FUNCTION_COUNT; f++)
        cr_expect_eq(measuring_functions[f].measure(BUF_ENC_HEX, NULL, 4, &out), BUF_EINVAL, "%s",
                     measuring_functions[f].name);
    for (int bad = 0; bad < 2; bad++) {
        const buf_encoding_t encoding = bad ? (buf_encoding_t)-1 : BUF_ENC_COUNT;
        for (size_t f = 0; f < MEASURING_FUNCTION_COUNT; f++)
            cr_expect_eq(measuring_functions[f].measure(encoding, text, 2, &out), BUF_EINVAL, "%s",
                         measuring_functions[f].name);
        cr_expect_eq(buf_encode_bound(encoding, 2, &out), BUF_EINVAL);
        cr_expect_eq(buf_decode_bound(encoding, 2, &out), BUF_EINVAL);
    }
    cr_expect_eq(out, 77, "a failed call wrote *out");
    /* the result pointer is required */
    for (size_t f = 0; f < MEASURING_FUNCTION_COUNT; f++)
        cr_expect_eq(measuring_functions[f].measure(BUF_ENC_HEX, text, 2, NULL), BUF_EINVAL, "%s",
                     measuring_functions[f].name);
    cr_expect_eq(buf_encode_bound(BUF_ENC_HEX, 2, NULL), BUF_EINVAL);
    cr_expect_eq(buf_decode_bound(BUF_ENC_HEX, 2, NULL), BUF_EINVAL);
    /* an empty input may be NULL: its sizes are real answers, not errors */
    for (size_t e = 0; e < BUF_ENC_COUNT; e++) {
        for (size_t f = 0; f < MEASURING_FUNCTION_COUNT; f++) {
            out = 77;
            cr_expect_eq(measuring_functions[f].measure(all_encodings[e], NULL, 0, &out), BUF_OK, "%s",
                         measuring_functions[f].name);
            cr_expect_eq(out, 0, "%s", measuring_functions[f].name);
        }
    }
}

Test(codec_api, too_small_destination_is_enospc)
{
    uint8_t out[8] = {0};
    size_t written = 5;
    cr_expect_eq(buf_encode(BUF_ENC_HEX, (const uint8_t *)"abcd", 4, out, 7, &written), BUF_ENOSPC);
    cr_expect_eq(written, 0);
    cr_expect_eq(buf_encode(BUF_ENC_HEX, (const uint8_t *)"abcd", 4, out, 8, &written), BUF_OK);
    cr_expect_eq(written, 8);
    cr_expect_eq(memcmp(out, "61626364", 8), 0);
    cr_expect_eq(buf_decode(BUF_ENC_BASE64, (const uint8_t *)"QUJD", 4, out, 2, &written), BUF_ENOSPC);
    cr_expect_eq(buf_encode(BUF_ENC_UTF8, (const uint8_t *)"\xff", 1, out, 2, &written), BUF_ENOSPC);
    /* below the bound but at the exact size: fine */
    cr_expect_eq(buf_encode(BUF_ENC_UTF8, (const uint8_t *)"abc", 3, out, 3, &written), BUF_OK);
    cr_expect_eq(buf_decode(BUF_ENC_HEX, (const uint8_t *)"zz", 2, NULL, 0, &written), BUF_OK);
    cr_expect_eq(written, 0);
}

static size_t bound_of(bool encode, buf_encoding_t encoding, size_t length)
{
    size_t bound = 0;
    const buf_status_t status = encode ? buf_encode_bound(encoding, length, &bound)
                                       : buf_decode_bound(encoding, length, &bound);
    cr_assert_eq(status, BUF_OK, "%s bound of %s, %zu bytes: %s", encode ? "encode" : "decode",
                 buf_encoding_name(encoding), length, buf_status_name(status));
    return bound;
}

Test(codec_api, bounds)
{
    cr_expect_eq(bound_of(true, BUF_ENC_BASE64, 4), 8);
    cr_expect_eq(bound_of(true, BUF_ENC_BASE64URL, 4), 8);
    cr_expect_eq(bound_of(true, BUF_ENC_UTF16LE, 5), 6);
    cr_expect_eq(bound_of(false, BUF_ENC_HEX, 5), 2);
    /* the largest bounds that still fit */
    cr_expect_eq(bound_of(true, BUF_ENC_UTF8, SIZE_MAX / 3), SIZE_MAX / 3 * 3);
    cr_expect_eq(bound_of(true, BUF_ENC_HEX, SIZE_MAX / 2), SIZE_MAX - 1);
    cr_expect_eq(bound_of(false, BUF_ENC_BASE64, SIZE_MAX), SIZE_MAX / 4 * 3 + 2);
    cr_expect_eq(bound_of(false, BUF_ENC_HEX, SIZE_MAX), SIZE_MAX / 2);
    cr_expect_eq(bound_of(false, BUF_ENC_LATIN1, SIZE_MAX), SIZE_MAX);
}

/* A size above SIZE_MAX is BUF_EOVERFLOW, never a wrapped or saturated number, and the
 * exact lengths and converters say so exactly when their bound does.  Only the encodings
 * whose size needs no input are measured here (no byte of the huge input is read). */
Test(codec_api, overflowing_sizes_are_eoverflow)
{
    size_t out = 77;
    cr_expect_eq(buf_encode_bound(BUF_ENC_UTF8, SIZE_MAX / 3 + 1, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_encode_bound(BUF_ENC_UTF16LE, SIZE_MAX, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_encode_bound(BUF_ENC_LATIN1, SIZE_MAX / 2 + 1, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_encode_bound(BUF_ENC_HEX, SIZE_MAX / 2 + 1, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_encode_bound(BUF_ENC_BASE64, SIZE_MAX, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_encode_bound(BUF_ENC_BASE64URL, SIZE_MAX / 4 * 3 + 1, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_decode_bound(BUF_ENC_UTF8, SIZE_MAX / 3 + 1, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_decode_bound(BUF_ENC_UTF16LE, SIZE_MAX / 2 + 1, &out), BUF_EOVERFLOW);
    cr_expect_eq(out, 77, "a failed call wrote *out");

    static const uint8_t one_byte[1] = {'A'}; /* never read: the size needs no input */
    cr_expect_eq(buf_encode_length(BUF_ENC_HEX, one_byte, SIZE_MAX / 2 + 1, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_encode_length(BUF_ENC_BASE64, one_byte, SIZE_MAX, &out), BUF_EOVERFLOW);
    cr_expect_eq(buf_encode_length(BUF_ENC_BASE64URL, one_byte, SIZE_MAX, &out), BUF_EOVERFLOW);
    cr_expect_eq(out, 77, "a failed call wrote *out");
    cr_expect_eq(buf_encode_length(BUF_ENC_HEX, one_byte, SIZE_MAX / 2, &out), BUF_OK);
    cr_expect_eq(out, SIZE_MAX - 1);
    cr_expect_eq(buf_encode_length(BUF_ENC_ASCII, one_byte, SIZE_MAX, &out), BUF_OK);
    cr_expect_eq(out, SIZE_MAX);

    uint8_t dst[4];
    size_t written = 5;
    cr_expect_eq(buf_encode(BUF_ENC_HEX, one_byte, SIZE_MAX / 2 + 1, dst, sizeof dst, &written), BUF_EOVERFLOW);
    cr_expect_eq(written, 0);
    /* even a destination claiming SIZE_MAX bytes: the old saturated bound let it through */
    cr_expect_eq(buf_encode(BUF_ENC_BASE64, one_byte, SIZE_MAX, dst, SIZE_MAX, &written), BUF_EOVERFLOW);
}

/* ---- Length functions == what the converters write ------------------------------------
 * Deterministic pseudo-random inputs: bytes of every value, text with ill-formed UTF-8,
 * base64 and hex text; the exact lengths must match, the bounds must hold, and
 * Buffer.byteLength is never below the decoded size (equal for the text encodings).
 */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static size_t random_input(uint8_t *out, size_t max)
{
    static const char pieces[][5] = {"Q", "UJD", "=", " ", "\xff", "\xe2\x82", "\xf0\x9f\x98\x80", "\xc3\xa9",
                                     "ab", "9", "\xed\xa0\x80", "-_", "\xc4\xbd", "z"};
    const size_t length = rng_next() % max;
    size_t used = 0;
    if (rng_next() % 2) {
        while (used < length)
            out[used++] = (uint8_t)rng_next();
        return used;
    }
    while (used + 4 < length) {
        const char *piece = pieces[rng_next() % (sizeof pieces / sizeof pieces[0])];
        memcpy(out + used, piece, strlen(piece));
        used += strlen(piece);
    }
    return used;
}

Test(codec_api, length_functions_match_the_converters)
{
    uint8_t input[300], output[1000];
    for (int round = 0; round < 3000; round++) {
        const size_t length = random_input(input, sizeof input);
        for (size_t e = 0; e < BUF_ENC_COUNT; e++) {
            const buf_encoding_t encoding = all_encodings[e];
            size_t written = 0, encoded = 0, decoded = 0, byte_length = 0;
            cr_assert_eq(buf_encode_length(encoding, input, length, &encoded), BUF_OK);
            cr_assert_leq(encoded, bound_of(true, encoding, length));
            cr_assert_eq(buf_encode(encoding, input, length, output, sizeof output, &written), BUF_OK);
            cr_assert_eq(written, encoded, "encode %s round %d", buf_encoding_name(encoding), round);
            if (encoded)
                cr_assert_eq(buf_encode(encoding, input, length, output, encoded - 1, &written), BUF_ENOSPC);

            cr_assert_eq(buf_decode_length(encoding, input, length, &decoded), BUF_OK);
            cr_assert_leq(decoded, bound_of(false, encoding, length));
            cr_assert_eq(buf_decode(encoding, input, length, output, sizeof output, &written), BUF_OK);
            cr_assert_eq(written, decoded, "decode %s round %d", buf_encoding_name(encoding), round);
            if (decoded)
                cr_assert_eq(buf_decode(encoding, input, length, output, decoded - 1, &written), BUF_ENOSPC);

            cr_assert_eq(buf_byte_length(encoding, input, length, &byte_length), BUF_OK);
            cr_assert_leq(byte_length, bound_of(false, encoding, length));
            if (encoding == BUF_ENC_HEX || encoding == BUF_ENC_BASE64 || encoding == BUF_ENC_BASE64URL)
                cr_assert_geq(byte_length, decoded, "byteLength %s round %d", buf_encoding_name(encoding), round);
            else
                cr_assert_eq(byte_length, decoded, "byteLength %s round %d", buf_encoding_name(encoding), round);
        }
    }
}

/* ---- *_alloc over every backend and variant -------------------------------------------- */
static void check_alloc_round_trip(buf_backend_t *backend, const char *spec, const uint8_t *bytes, size_t length)
{
    const bool may_fail = test_spec_injects_failures(spec);
    for (size_t e = 0; e < BUF_ENC_COUNT; e++) {
        const buf_encoding_t encoding = all_encodings[e];
        buf_bytes_t text, back;
        buf_status_t status = buf_encode_alloc(backend, encoding, bytes, length, &text);
        if (status == BUF_ENOMEM && may_fail) {
            cr_expect_null(text.data);
            continue;
        }
        cr_assert_eq(status, BUF_OK, "%s encode_alloc %s: %s", spec, buf_encoding_name(encoding), buf_status_name(status));
        size_t encoded = 0;
        cr_expect_eq(buf_encode_length(encoding, bytes, length, &encoded), BUF_OK);
        cr_expect_eq(text.length, encoded);
        cr_expect_eq(text.capacity, text.length);
        cr_expect_eq(text.backend, backend);
        status = buf_decode_alloc(backend, encoding, text.data, text.length, &back);
        if (!(status == BUF_ENOMEM && may_fail)) {
            cr_assert_eq(status, BUF_OK, "%s decode_alloc %s: %s", spec, buf_encoding_name(encoding), buf_status_name(status));
            /* hex and base64 round-trip exactly; the others only for text they can hold */
            if (encoding == BUF_ENC_HEX || encoding == BUF_ENC_BASE64 || encoding == BUF_ENC_BASE64URL ||
                encoding == BUF_ENC_LATIN1) {
                cr_expect_eq(back.length, length, "%s %s round trip", spec, buf_encoding_name(encoding));
                cr_expect_eq(memcmp(back.data, bytes, length), 0, "%s %s round trip", spec, buf_encoding_name(encoding));
            }
        }
        buf_bytes_release(&back);
        cr_expect_null(back.data);
        buf_bytes_release(&text);
    }
}

Test(codec_alloc, every_backend_and_variant)
{
    const size_t sizes[] = {0, 1, 2, 3, 100, 5000, 70000};
    uint8_t *bytes = malloc(70000);
    for (size_t i = 0; i < 70000; i++)
        bytes[i] = (uint8_t)(i * 131 + (i >> 8));
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
            check_alloc_round_trip(backend, spec, bytes, sizes[i]);
        test_close_backend_clean(backend);
    }
    free(bytes);
}

Test(codec_alloc, strict_alloc_allocates_nothing_on_failure)
{
    buf_backend_t *backend = test_open_backend("malloc");
    buf_bytes_t out;
    size_t offset = 0;
    cr_expect_eq(buf_decode_strict_alloc(backend, BUF_ENC_HEX, (const uint8_t *)"12zz", 4, &out, &offset), BUF_ESTRICT);
    cr_expect_eq(offset, 2);
    cr_expect_null(out.data);
    cr_expect_eq(buf_decode_strict_alloc(backend, BUF_ENC_HEX, (const uint8_t *)"12ab", 4, &out, &offset), BUF_OK);
    cr_expect_eq(offset, 4);
    cr_expect_eq(out.length, 2);
    cr_expect_eq(out.data[0], 0x12);
    cr_expect_eq(out.data[1], 0xab);
    buf_bytes_release(&out);
    test_close_backend_clean(backend);
}

Test(codec_alloc, bad_arguments)
{
    buf_backend_t *backend = test_open_backend("malloc");
    buf_bytes_t out = {(uint8_t *)1, 1, 1, NULL};
    cr_expect_eq(buf_encode_alloc(NULL, BUF_ENC_HEX, (const uint8_t *)"a", 1, &out), BUF_EINVAL);
    cr_expect_null(out.data);
    cr_expect_eq(buf_encode_alloc(backend, BUF_ENC_COUNT, (const uint8_t *)"a", 1, &out), BUF_EINVAL);
    cr_expect_eq(buf_decode_alloc(backend, BUF_ENC_HEX, NULL, 1, &out), BUF_EINVAL);
    cr_expect_eq(buf_decode_alloc(backend, BUF_ENC_HEX, NULL, 0, NULL), BUF_EINVAL);
    buf_bytes_release(&out); /* zeroed by the failed calls: a no-op */
    buf_bytes_release(NULL);
    test_close_backend_clean(backend);
}
