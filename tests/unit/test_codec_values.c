/* test_codec_values.c — each encoding's output for inputs whose answer Node v20 gave.
 *
 * Every expected value below was printed by Node v20.20 (the contract of buf_codec.h):
 *   encode E, bytes b:  Buffer.from(b.toString(E), 'utf8')
 *   decode E, text t:   Buffer.from(Buffer.from(t).toString('utf8'), E)
 *   byteLength:         Buffer.byteLength(Buffer.from(t).toString('utf8'), E)
 * Texts are C strings (UTF-8, with \x escapes for ill-formed bytes); outputs are hex.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"
#include "test_support.h"

/* ---- Helpers -------------------------------------------------------------------------- */

/* Runs one direction into an exactly sized block and checks the length function too. */
static void check_output(bool encode, buf_encoding_t encoding, const uint8_t *input, size_t length,
                         const char *expected_hex)
{
    size_t exact = 0;
    const buf_status_t measured = encode ? buf_encode_length(encoding, input, length, &exact)
                                         : buf_decode_length(encoding, input, length, &exact);
    cr_assert_eq(measured, BUF_OK, "%s %s length: %s", encode ? "encode" : "decode", buf_encoding_name(encoding),
                 buf_status_name(measured));
    uint8_t *output = malloc(exact + 1);
    char *hex = malloc(2 * exact + 1);
    size_t written = 12345;
    const buf_status_t status = encode ? buf_encode(encoding, input, length, output, exact, &written)
                                       : buf_decode(encoding, input, length, output, exact, &written);
    cr_assert_eq(status, BUF_OK, "%s %s: %s", encode ? "encode" : "decode", buf_encoding_name(encoding),
                 buf_status_name(status));
    cr_assert_eq(written, exact, "length function says %zu, converter wrote %zu", exact, written);
    test_bytes_to_hex(output, written, hex);
    cr_expect_str_eq(hex, expected_hex, "%s %s", encode ? "encode" : "decode", buf_encoding_name(encoding));
    free(hex);
    free(output);
}

static void expect_encode(buf_encoding_t encoding, const char *input_hex, const char *expected_hex)
{
    uint8_t input[256];
    const size_t length = test_hex_to_bytes(input_hex, input);
    check_output(true, encoding, input, length, expected_hex);
}

static void expect_decode(buf_encoding_t encoding, const char *text, const char *expected_hex)
{
    check_output(false, encoding, (const uint8_t *)text, strlen(text), expected_hex);
}

static void expect_byte_length(buf_encoding_t encoding, const char *text, size_t expected)
{
    size_t byte_length = 0;
    cr_expect_eq(buf_byte_length(encoding, (const uint8_t *)text, strlen(text), &byte_length), BUF_OK);
    cr_expect_eq(byte_length, expected, "byteLength(%s, \"%s\")", buf_encoding_name(encoding), text);
}

/* ---- utf8 ----------------------------------------------------------------------------- */
Test(codec_utf8, encode_replaces_each_maximal_subpart)
{
    expect_encode(BUF_ENC_UTF8, "", "");
    expect_encode(BUF_ENC_UTF8, "c0af41", "efbfbdefbfbd41");   /* overlong: C0 never leads */
    expect_encode(BUF_ENC_UTF8, "e28241", "efbfbd41");         /* truncated 3-byte: one U+FFFD */
    expect_encode(BUF_ENC_UTF8, "f09f9880f09f", "f09f9880efbfbd");
    expect_encode(BUF_ENC_UTF8, "eda0bdedb880", "efbfbdefbfbdefbfbdefbfbdefbfbdefbfbd"); /* CESU-8 */
    expect_encode(BUF_ENC_UTF8, "f888808080", "efbfbdefbfbdefbfbdefbfbdefbfbd");         /* 5-byte form */
    expect_encode(BUF_ENC_UTF8, "e0a0", "efbfbd");
    expect_encode(BUF_ENC_UTF8, "f48fbfbf", "f48fbfbf");       /* U+10FFFF is valid */
    expect_encode(BUF_ENC_UTF8, "f4908080", "efbfbdefbfbdefbfbdefbfbd");
}

Test(codec_utf8, bom_and_literal_replacement_are_kept)
{
    expect_encode(BUF_ENC_UTF8, "efbbbf41", "efbbbf41");
    expect_encode(BUF_ENC_UTF8, "efbfbd", "efbfbd");
}

Test(codec_utf8, decode_is_the_same_sanitizing)
{
    expect_decode(BUF_ENC_UTF8, "h\xc3\xa9llo\xff", "68c3a96c6c6fefbfbd");
    expect_decode(BUF_ENC_UTF8, "\xed\xa0\x80", "efbfbdefbfbdefbfbd");
    /* long ASCII runs take the 8-byte fast path; a stray byte at the end of one */
    expect_decode(BUF_ENC_UTF8, "abcdefghijklmnop\x80", "6162636465666768696a6b6c6d6e6f70efbfbd");
}

Test(codec_utf8, byte_length)
{
    expect_byte_length(BUF_ENC_UTF8, "\xff" "A", 4);
    expect_byte_length(BUF_ENC_UTF8, "\xf0\x9f\x98\x80", 4);
}

/* ---- utf16le -------------------------------------------------------------------------- */
Test(codec_utf16le, encode_drops_odd_byte_and_replaces_lone_surrogates)
{
    expect_encode(BUF_ENC_UTF16LE, "610062", "61");
    expect_encode(BUF_ENC_UTF16LE, "00d861", "efbfbd");
    expect_encode(BUF_ENC_UTF16LE, "3dd800de", "f09f9880");        /* a pair: U+1F600 */
    expect_encode(BUF_ENC_UTF16LE, "00dc00d8", "efbfbdefbfbd");    /* reversed pair */
    expect_encode(BUF_ENC_UTF16LE, "3dd8", "efbfbd");
    expect_encode(BUF_ENC_UTF16LE, "e900ac20", "c3a9e282ac");
}

Test(codec_utf16le, decode_writes_code_units)
{
    expect_decode(BUF_ENC_UTF16LE, "A", "4100");
    expect_decode(BUF_ENC_UTF16LE, "\xc3\xa9", "e900");
    expect_decode(BUF_ENC_UTF16LE, "\xf0\x9f\x98\x80", "3dd800de");
    expect_decode(BUF_ENC_UTF16LE, "\xff" "A", "fdff4100");
    expect_decode(BUF_ENC_UTF16LE, "\xed\xa0\x80", "fdfffdfffdff");
    expect_byte_length(BUF_ENC_UTF16LE, "\xf0\x9f\x98\x80", 4);
}

/* ---- latin1 and ascii ----------------------------------------------------------------- */
Test(codec_latin1, encode_and_decode_low_bytes)
{
    expect_encode(BUF_ENC_LATIN1, "0041e9ff80", "0041c3a9c3bfc280");
    expect_decode(BUF_ENC_LATIN1, "\xc3\xa9", "e9");
    expect_decode(BUF_ENC_LATIN1, "\xc5\x81", "41");                /* U+0141 -> 41 */
    expect_decode(BUF_ENC_LATIN1, "\xe2\x82\xac", "ac");            /* U+20AC -> AC */
    expect_decode(BUF_ENC_LATIN1, "\xf0\x9f\x98\x80", "3d00");      /* D83D DE00 */
    expect_decode(BUF_ENC_LATIN1, "\xff", "fd");                    /* U+FFFD */
    expect_byte_length(BUF_ENC_LATIN1, "\xf0\x9f\x98\x80\xff", 3);
}

Test(codec_ascii, encode_clears_bit_7_decode_does_not_mask)
{
    expect_encode(BUF_ENC_ASCII, "0041e9ff80", "0041697f00");
    expect_decode(BUF_ENC_ASCII, "\xc3\xa9", "e9");
    expect_decode(BUF_ENC_ASCII, "\xe2\x82\xac", "ac");
    expect_decode(BUF_ENC_ASCII, "\xf0\x9f\x98\x80", "3d00");
}

/* ---- hex ------------------------------------------------------------------------------ */
Test(codec_hex, encode_lowercase)
{
    expect_encode(BUF_ENC_HEX, "", "");
    expect_encode(BUF_ENC_HEX, "0001abff", "3030303161626666");
    expect_encode(BUF_ENC_HEX, "deadbeef", "6465616462656566");
}

Test(codec_hex, decode_stops_at_first_bad_pair)
{
    expect_decode(BUF_ENC_HEX, "abc", "ab");           /* odd last digit dropped */
    expect_decode(BUF_ENC_HEX, "ABcd", "abcd");
    expect_decode(BUF_ENC_HEX, "zz12", "");
    expect_decode(BUF_ENC_HEX, "12zz34", "12");
    expect_decode(BUF_ENC_HEX, "12 34", "12");
    expect_decode(BUF_ENC_HEX, "feg0", "fe");
    expect_decode(BUF_ENC_HEX, "4\xc4\xb1", "41");     /* U+0131: low byte '1' */
    expect_decode(BUF_ENC_HEX, "f\xef\xbd\x81", "fa"); /* U+FF41: low byte 'A' */
    expect_decode(BUF_ENC_HEX, "\xf0\x9f\x98\x80" "12", ""); /* D83D DE00: 3D 00 is no pair */
}

Test(codec_hex, byte_length_is_half_the_code_units)
{
    expect_byte_length(BUF_ENC_HEX, "abc", 1);
    expect_byte_length(BUF_ENC_HEX, "\xf0\x9f\x98\x80" "1", 1);
    expect_byte_length(BUF_ENC_HEX, "\xc3\xa9\xc3\xa9\xc3\xa9", 1);
}

/* ---- base64 and base64url -------------------------------------------------------------- */
Test(codec_base64, encode_padded_and_url_unpadded)
{
    static const char *const cases[][3] = {
        {"", "", ""},           {"41", "QQ==", "QQ"},   {"4142", "QUI=", "QUI"},
        {"414243", "QUJD", "QUJD"}, {"fbff", "+/8=", "-_8"}, {"fbffbf", "+/+/", "-_-_"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char expected[64];
        test_bytes_to_hex((const uint8_t *)cases[i][1], strlen(cases[i][1]), expected);
        expect_encode(BUF_ENC_BASE64, cases[i][0], expected);
        test_bytes_to_hex((const uint8_t *)cases[i][2], strlen(cases[i][2]), expected);
        expect_encode(BUF_ENC_BASE64URL, cases[i][0], expected);
    }
}

Test(codec_base64, one_lenient_decoder_for_both_names)
{
    const buf_encoding_t both[] = {BUF_ENC_BASE64, BUF_ENC_BASE64URL};
    for (size_t i = 0; i < 2; i++) {
        const buf_encoding_t e = both[i];
        expect_decode(e, "QUJD", "414243");
        expect_decode(e, "QUI", "4142");          /* padding optional */
        expect_decode(e, "Q", "");                /* a single leftover character is dropped */
        expect_decode(e, "Q U J D", "414243");    /* whitespace skipped */
        expect_decode(e, "QU=JD", "41");          /* '=' stops */
        expect_decode(e, "-_-_", "fbffbf");       /* either alphabet */
        expect_decode(e, "+/+/", "fbffbf");
        expect_decode(e, "QUJ\xc5\x84", "414243"); /* U+0144: low byte 'D' */
        expect_decode(e, "QU\xc4\xbd" "D", "41");  /* U+013D: low byte '=' stops */
        expect_decode(e, "QUJD\xf0\x9f\x98\x80QUJD", "414243"); /* D83D's low byte is '=' */
        expect_decode(e, "QR==", "41");           /* unused bits ignored */
        expect_decode(e, "QUJDR", "414243");
        expect_decode(e, "SGVsbG8::123456", "48656c6c6f35db7e39");
        expect_decode(e, "$$$$", "");
    }
}

Test(codec_base64, byte_length_is_nodes_estimate)
{
    expect_byte_length(BUF_ENC_BASE64, "QUJD", 3);
    expect_byte_length(BUF_ENC_BASE64, "QUI=", 2);
    expect_byte_length(BUF_ENC_BASE64, "QQ==", 1);
    expect_byte_length(BUF_ENC_BASE64, "QQ=", 1);
    expect_byte_length(BUF_ENC_BASE64, "Q", 0);
    expect_byte_length(BUF_ENC_BASE64, "Q U J D", 5); /* an over-estimate, as in Node */
    expect_byte_length(BUF_ENC_BASE64, "==", 0);
    expect_byte_length(BUF_ENC_BASE64URL, "=", 0);
    expect_byte_length(BUF_ENC_BASE64URL, "QUJD\xc4\xbd", 3); /* U+013D is not '=' here */
    expect_byte_length(BUF_ENC_BASE64URL, "\xf0\x9f\x98\x80=", 1);
    expect_byte_length(BUF_ENC_BASE64, "\xff=", 0);
}
