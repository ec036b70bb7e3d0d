/* test_model_buffer_string.c — the Buffer operations that take or give text, over every
 * backend spec: from(string), toString with ranges, byteLength, write (never a partial
 * character), indexOf of strings (ucs2 at even offsets) and fill with strings; unknown
 * encodings and failed calls leave memory untouched. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buf_model.h"
#include "test_support.h"

#include "test_model_support.h"

static void from_string(const char *spec, buf_backend_t *backend, const char *text, const char *encoding,
                        buf_buffer_t *out)
{
    buf_status_t status;
    ALLOC_RETRY(spec, status, buf_buffer_from_string(backend, text, strlen(text), encoding, out));
    cr_assert_eq(status, BUF_OK, "from_string(%s, %s): %s", text, encoding, buf_status_name(status));
}

/* toString into a C string compared with `expect` (UTF-8). */
static void expect_string(const char *spec, const buf_buffer_t *b, const char *encoding, int64_t start, int64_t end,
                          const char *expect)
{
    buf_bytes_t text;
    buf_status_t status;
    ALLOC_RETRY(spec, status, buf_buffer_to_string(b, encoding, start, end, &text));
    cr_assert_eq(status, BUF_OK);
    cr_expect(text.length == strlen(expect) && memcmp(text.data, expect, text.length) == 0,
              "toString(%s, %lld, %lld) = '%.*s', expected '%s'", encoding ? encoding : "undefined", (long long)start,
              (long long)end, (int)text.length, (const char *)text.data, expect);
    buf_bytes_release(&text);
}

Test(model_buffer_string, from_string_and_to_string_in_every_encoding)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b;
        from_string(spec, backend, "h\xc3\xa9llo", NULL, &b); /* "héllo", utf8 by default */
        cr_expect_eq(buf_buffer_length(&b), 6);
        expect_string(spec, &b, NULL, BUF_OMITTED, BUF_OMITTED, "h\xc3\xa9llo");
        expect_string(spec, &b, "hex", BUF_OMITTED, BUF_OMITTED, "68c3a96c6c6f");
        expect_string(spec, &b, "latin1", 1, 3, "\xc3\x83\xc2\xa9");
        expect_string(spec, &b, "base64", -5, 3, "aMOp");  /* negative start -> 0 */
        expect_string(spec, &b, "utf8", 2, 100, "\xef\xbf\xbdllo"); /* a split character -> U+FFFD */
        expect_string(spec, &b, "bogus", 5, 1, "");           /* empty range: no encoding lookup */
        buf_buffer_release(&b);
        from_string(spec, backend, "6869zz", "HEX", &b);       /* hex stops at the bad pair */
        cr_expect_eq(buf_buffer_length(&b), 2);
        buf_buffer_release(&b);
        from_string(spec, backend, "aGk", "base64url", &b);
        expect_string(spec, &b, "ascii", BUF_OMITTED, BUF_OMITTED, "hi");
        buf_buffer_release(&b);
        from_string(spec, backend, "hi", "ucs2", &b);
        cr_expect_eq(memcmp(buf_buffer_data(&b), "h\0i\0", 4), 0);
        buf_buffer_release(&b);
        buf_buffer_t out = {0};
        cr_expect_eq(buf_buffer_from_string(backend, "x", 1, "utf32", &out), BUF_EUNKNOWN_ENCODING);
        cr_expect_null(out.buffer);
        from_string(spec, backend, "abc", "", &b); /* '' is falsy: utf8 */
        cr_expect_eq(buf_buffer_length(&b), 3);
        buf_bytes_t text = {0};
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EUNKNOWN_ENCODING, buf_buffer_to_string(&b, "bogus", 0, 2, &text));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EUNKNOWN_ENCODING, buf_buffer_to_string(&b, "", BUF_OMITTED, BUF_OMITTED, &text));
        cr_expect_null(text.data, "out untouched");
        buf_buffer_release(&b);
    }
}

Test(model_buffer_string, byte_length_as_node)
{
    int64_t n = -1;
    cr_expect_eq(buf_buffer_byte_length("h\xc3\xa9", 3, NULL, &n), BUF_OK);
    cr_expect_eq(n, 3);
    cr_expect_eq(buf_buffer_byte_length("h\xc3\xa9", 3, "ucs2", &n), BUF_OK);
    cr_expect_eq(n, 4);
    cr_expect_eq(buf_buffer_byte_length("abcd", 4, "hex", &n), BUF_OK);
    cr_expect_eq(n, 2);
    cr_expect_eq(buf_buffer_byte_length("h\xc3\xa9", 3, "no-such", &n), BUF_OK, "unknown: utf8 count, no error");
    cr_expect_eq(n, 3);
    cr_expect_eq(buf_buffer_byte_length("", 0, "base64", &n), BUF_OK);
    cr_expect_eq(n, 0);
}

Test(model_buffer_string, write_never_writes_a_partial_character)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_buffer_alloc(backend, 6, &b));
        int64_t written = -1;
        ALLOC_RETRY(spec, status, buf_buffer_write(&b, "a\xc3\xa9", 3, 0, 2, NULL, &written));
        cr_expect_eq(written, 1, "'é' does not fit in the second byte");
        cr_expect_eq(memcmp(buf_buffer_data(&b), "a\0", 2), 0);
        ALLOC_RETRY(spec, status, buf_buffer_write(&b, "\xf0\x9f\x98\x80x", 5, 0, 3, "ucs2", &written));
        cr_expect_eq(written, 2, "whole code units (Node splits the surrogate pair)");
        ALLOC_RETRY(spec, status, buf_buffer_write(&b, "deadbeefcafe", 12, 2, BUF_OMITTED, "hex", &written));
        cr_expect_eq(written, 4);
        cr_expect_eq(memcmp(buf_buffer_data(&b) + 2, "\xde\xad\xbe\xef", 4), 0);
        ALLOC_RETRY(spec, status, buf_buffer_write(&b, "zz", 2, BUF_OMITTED, BUF_OMITTED, "hex", &written));
        cr_expect_eq(written, 2, "offset omitted: utf8 over the whole Buffer, encoding ignored");
        model_fill_pattern_bytes(b.buffer);
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write(&b, "x", 1, 7, BUF_OMITTED, NULL, &written));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write(&b, "x", 1, -1, BUF_OMITTED, NULL, &written));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write(&b, "x", 1, 0, 7, NULL, &written));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EUNKNOWN_ENCODING, buf_buffer_write(&b, "x", 1, 0, 1, "utf7", &written));
        buf_buffer_release(&b);
    }
}

Test(model_buffer_string, index_of_string_in_every_encoding)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b;
        from_string(spec, backend, "xabab", "latin1", &b);
        int64_t at = 0;
        bool found = false;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_buffer_index_of_string(&b, "ab", 2, BUF_OMITTED, NULL, &at));
        cr_expect_eq(at, 1);
        ALLOC_RETRY(spec, status, buf_buffer_last_index_of_string(&b, "ab", 2, BUF_OMITTED, NULL, &at));
        cr_expect_eq(at, 3);
        ALLOC_RETRY(spec, status, buf_buffer_index_of_string(&b, "6162", 4, 2, "hex", &at));
        cr_expect_eq(at, 3);
        ALLOC_RETRY(spec, status, buf_buffer_index_of_string(&b, "\xe6\x89\xa2", 3, 0, "ucs2", &at)); /* U+6262 "bb" */
        cr_expect_eq(at, -1);
        ALLOC_RETRY(spec, status, buf_buffer_index_of_string(&b, "\xe6\x89\xa1", 3, 0, "ucs2", &at)); /* U+6261 "ab" */
        cr_expect_eq(at, -1, "'ab' only at odd offsets 1 and 3");
        ALLOC_RETRY(spec, status, buf_buffer_index_of_string(&b, "\xe6\x89\xa1", 3, 0, "latin1", &at));
        cr_expect_eq(at, 1, "latin1 takes the low byte of U+6261: 'a'");
        ALLOC_RETRY(spec, status, buf_buffer_includes_string(&b, "ba", 2, -2, "utf8", &found));
        cr_expect(!found, "from offset 3 there is no 'ba'");
        ALLOC_RETRY(spec, status, buf_buffer_index_of_string(&b, "", 0, 99, NULL, &at));
        cr_expect_eq(at, 5);
        at = 42;
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EUNKNOWN_ENCODING, buf_buffer_index_of_string(&b, "ab", 2, 0, "nope", &at));
        cr_expect_eq(at, 42);
        buf_buffer_release(&b);
    }
}

Test(model_buffer_string, fill_with_strings)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_buffer_alloc(backend, 7, &b));
        ALLOC_RETRY(spec, status, buf_buffer_fill_string(&b, "ab", 2, 1, 6, NULL));
        cr_expect_eq(memcmp(buf_buffer_data(&b), "\0ababa\0", 7), 0);
        ALLOC_RETRY(spec, status, buf_buffer_fill_string(&b, "c3a9", 4, 0, BUF_OMITTED, "hex"));
        cr_expect_eq(memcmp(buf_buffer_data(&b), "\xc3\xa9\xc3\xa9\xc3\xa9\xc3", 7), 0);
        ALLOC_RETRY(spec, status, buf_buffer_fill_string(&b, "", 0, 5, BUF_OMITTED, "hex"));
        cr_expect_eq(buf_buffer_data(&b)[6], 0, "'' fills with zeros");
        ALLOC_RETRY(spec, status, buf_buffer_fill_string(&b, "41", 2, BUF_OMITTED, BUF_OMITTED, "hex"));
        cr_expect_eq(buf_buffer_data(&b)[0], '4', "offset omitted: Node drops the encoding (utf8)");
        model_fill_pattern_bytes(b.buffer);
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EINVALID_ARG_VALUE, buf_buffer_fill_string(&b, "zz", 2, 0, 3, "hex"));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EUNKNOWN_ENCODING, buf_buffer_fill_string(&b, "a", 1, 0, 3, "bogus"));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_fill_string(&b, "a", 1, 0, 8, NULL));
        buf_buffer_release(&b);
    }
}

Test(model_buffer_string, string_operations_over_a_failing_backend)
{
    buf_backend_t *good = test_open_backend("malloc");
    buf_buffer_t b;
    cr_assert_eq(buf_buffer_alloc(good, 4, &b), BUF_OK);
    buf_buffer_release(&b);
    test_close_backend_clean(good);
    /* The temporaries of write/indexOf/fill come from the Buffer's backend: with every
     * allocation after the Buffer's failing, each call is BUF_ENOMEM and writes nothing. */
    buf_backend_t *flaky = test_open_backend("fail(11,0.5):malloc");
    int failures = 0;
    for (int attempt = 0; attempt < 40; attempt++) {
        if (buf_buffer_alloc(flaky, 8, &b) != BUF_OK)
            continue;
        model_fill_pattern_bytes(b.buffer);
        int64_t n = 0;
        size_t length;
        uint8_t *snap = model_snapshot(b.buffer, &length);
        buf_status_t status = buf_buffer_write(&b, "hello", 5, 0, BUF_OMITTED, "latin1", &n);
        if (status == BUF_ENOMEM) {
            failures++;
            model_expect_unchanged(b.buffer, snap, length, "write ENOMEM");
        } else {
            cr_expect_eq(status, BUF_OK);
            free(snap);
        }
        buf_buffer_release(&b);
    }
    cr_expect_gt(failures, 0);
    test_close_backend_clean(flaky);
}
