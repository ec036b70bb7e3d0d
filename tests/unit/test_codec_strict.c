/* test_codec_strict.c — strict decode: the byte offset of the first input Node would
 * silently drop or replace (rules in buf_codec.h, buf_decode_strict). */
#include <criterion/criterion.h>
#include <string.h>

#include "buf_codec.h"

/* ---- Helpers -------------------------------------------------------------------------- */
#define VALID SIZE_MAX /* expected offset: the whole text is strict-valid */

/* Checks the offset, and that a valid text decodes exactly as lenient decode does while an
 * invalid one returns BUF_ESTRICT with nothing written. */
static void expect_strict(buf_encoding_t encoding, const char *text, size_t expected)
{
    const size_t length = strlen(text);
    const uint8_t *bytes = (const uint8_t *)text;
    uint8_t strict[256], lenient[256];
    size_t written = 999, bad_offset = 999, lenient_written = 0;
    const buf_status_t status = buf_decode_strict(encoding, bytes, length, strict, sizeof strict, &written, &bad_offset);
    cr_assert_eq(buf_decode(encoding, bytes, length, lenient, sizeof lenient, &lenient_written), BUF_OK);
    if (expected == VALID) {
        cr_expect_eq(status, BUF_OK, "%s \"%s\": %s at %zu", buf_encoding_name(encoding), text,
                     buf_status_name(status), bad_offset);
        cr_expect_eq(bad_offset, length);
        cr_expect_eq(written, lenient_written);
        cr_expect_eq(memcmp(strict, lenient, written), 0);
    } else {
        cr_expect_eq(status, BUF_ESTRICT, "%s \"%s\": %s", buf_encoding_name(encoding), text, buf_status_name(status));
        cr_expect_eq(bad_offset, expected, "%s \"%s\": offset %zu, expected %zu", buf_encoding_name(encoding), text,
                     bad_offset, expected);
        cr_expect_eq(written, 0);
    }
    size_t offset_alone = 999;
    cr_expect_eq(buf_decode_strict_offset(encoding, bytes, length, &offset_alone), BUF_OK);
    cr_expect_eq(offset_alone, expected == VALID ? length : expected);
}

/* ---- UTF-8 text (every encoding) --------------------------------------------------------- */
Test(codec_strict, ill_formed_utf8_in_every_encoding)
{
    expect_strict(BUF_ENC_UTF8, "abc", VALID);
    expect_strict(BUF_ENC_UTF8, "\xef\xbb\xbf" "A", VALID); /* a BOM is kept, not replaced */
    expect_strict(BUF_ENC_UTF8, "ab\xff" "cd", 2);
    expect_strict(BUF_ENC_UTF8, "\xe2\x82", 0);
    expect_strict(BUF_ENC_UTF8, "A\xe2\x82" "A", 1);
    expect_strict(BUF_ENC_UTF8, "\xed\xa0\x80", 0);          /* an encoded surrogate */
    expect_strict(BUF_ENC_UTF8, "ok\xc0\xaf", 2);            /* overlong */
    expect_strict(BUF_ENC_UTF16LE, "\xc3\xa9\xf0\x9f\x98\x80", VALID);
    expect_strict(BUF_ENC_UTF16LE, "\xc3\xa9\xf8\x88\x80\x80\x80", 2);
    expect_strict(BUF_ENC_HEX, "ab\xff", 2);
    expect_strict(BUF_ENC_BASE64, "QUJD\xff", 4);
}

/* ---- latin1 and ascii ------------------------------------------------------------------ */
Test(codec_strict, latin1_and_ascii_truncation)
{
    expect_strict(BUF_ENC_LATIN1, "caf\xc3\xa9", VALID);
    expect_strict(BUF_ENC_LATIN1, "a\xc5\x81", 1);           /* U+0141 keeps only 41 */
    expect_strict(BUF_ENC_LATIN1, "\xe2\x82\xac", 0);
    expect_strict(BUF_ENC_LATIN1, "\xf0\x9f\x98\x80", 0);
    expect_strict(BUF_ENC_LATIN1, "ab\xff", 2);
    expect_strict(BUF_ENC_ASCII, "abc\x7f", VALID);
    expect_strict(BUF_ENC_ASCII, "ab\xc3\xa9", 2);           /* é would be byte E9, not ASCII */
}

/* ---- hex ---------------------------------------------------------------------------- */
Test(codec_strict, hex_reports_the_first_lost_character)
{
    expect_strict(BUF_ENC_HEX, "", VALID);
    expect_strict(BUF_ENC_HEX, "abCD09", VALID);
    expect_strict(BUF_ENC_HEX, "abc", 2);            /* odd last digit */
    expect_strict(BUF_ENC_HEX, "12zz34", 2);
    expect_strict(BUF_ENC_HEX, "1z", 0);             /* the whole pair is dropped */
    expect_strict(BUF_ENC_HEX, "z1", 0);
    expect_strict(BUF_ENC_HEX, "12 34", 2);
    expect_strict(BUF_ENC_HEX, "4\xc4\xb1", 1);      /* U+0131 read as '1' */
    expect_strict(BUF_ENC_HEX, "\xc4\xb1" "4", 0);
    expect_strict(BUF_ENC_HEX, "abc\xff", 2);
}

/* ---- base64 and base64url -------------------------------------------------------------- */
Test(codec_strict, base64_valid_forms)
{
    const char *const valid[] = {"", "QUJD", "QUI=", "QUI", "QQ==", "QQ=", "QQ", "-_-_", "+/8=", "-_8", "+_-/"};
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        expect_strict(BUF_ENC_BASE64, valid[i], VALID);
        expect_strict(BUF_ENC_BASE64URL, valid[i], VALID);
    }
}

Test(codec_strict, base64_reports_the_first_lost_character)
{
    expect_strict(BUF_ENC_BASE64, "Q", 0);                   /* a single leftover character */
    expect_strict(BUF_ENC_BASE64, "QUJDQ", 4);
    expect_strict(BUF_ENC_BASE64, "Q U J D", 1);             /* whitespace is skipped input */
    expect_strict(BUF_ENC_BASE64, "QUJD\n", 4);
    expect_strict(BUF_ENC_BASE64, "QUJD*QUJD", 4);
    expect_strict(BUF_ENC_BASE64, "QUJDQ*", 4);              /* the leftover Q comes first */
    expect_strict(BUF_ENC_BASE64, "QR==", 1);                /* non-zero unused bits */
    expect_strict(BUF_ENC_BASE64, "QU=JD", 1);
    expect_strict(BUF_ENC_BASE64, "QQ==QUJD", 4);            /* data after the padding */
    expect_strict(BUF_ENC_BASE64, "QUJD=", 4);               /* '=' where no padding belongs */
    expect_strict(BUF_ENC_BASE64, "=QUJD", 0);
    expect_strict(BUF_ENC_BASE64, "QQ===", 4);
    expect_strict(BUF_ENC_BASE64, "QUI==", 4);
    expect_strict(BUF_ENC_BASE64URL, "QUJ\xc5\x84", 3);      /* U+0144 read as 'D' */
    expect_strict(BUF_ENC_BASE64URL, "QUJD\xf0\x9f\x98\x80", 4); /* D83D read as '=' */
    expect_strict(BUF_ENC_BASE64URL, "QQ\xc4\xbd", 2);       /* U+013D read as '=' */
}

/* ---- Errors before the strict check ------------------------------------------------------- */
Test(codec_strict, arguments)
{
    size_t written = 7, offset = 7;
    cr_expect_eq(buf_decode_strict(BUF_ENC_HEX, NULL, 3, NULL, 0, &written, &offset), BUF_EINVAL);
    cr_expect_eq(written, 0);
    cr_expect_eq(buf_decode_strict(BUF_ENC_COUNT, (const uint8_t *)"ab", 2, NULL, 0, &written, &offset), BUF_EINVAL);
    cr_expect_eq(buf_decode_strict(BUF_ENC_HEX, NULL, 0, NULL, 0, &written, &offset), BUF_OK);
    cr_expect_eq(offset, 0);
    /* strict failure is reported before a too-small destination */
    cr_expect_eq(buf_decode_strict(BUF_ENC_HEX, (const uint8_t *)"abzz", 4, NULL, 0, &written, &offset), BUF_ESTRICT);
    cr_expect_eq(offset, 2);
    cr_expect_eq(buf_decode_strict(BUF_ENC_HEX, (const uint8_t *)"abcd", 4, NULL, 0, &written, &offset), BUF_ENOSPC);
    /* out pointers are optional */
    cr_expect_eq(buf_decode_strict(BUF_ENC_HEX, (const uint8_t *)"zz", 2, NULL, 0, NULL, NULL), BUF_ESTRICT);
}
