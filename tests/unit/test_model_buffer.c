/* test_model_buffer.c — Node's Buffer over every backend spec: creation, numeric
 * read/write with Node's offset and value checks (oddities included), concat, compare,
 * copy, fill and indexOf of bytes.  Every error proves memory was left untouched. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "buf_model.h"
#include "test_support.h"

#include "test_model_support.h"

static void new_bytes(const char *spec, buf_backend_t *backend, const char *bytes, size_t length, buf_buffer_t *out)
{
    buf_status_t status;
    ALLOC_RETRY(spec, status, buf_buffer_from_bytes(backend, (const uint8_t *)bytes, length, out));
    cr_assert_eq(status, BUF_OK);
}

static void new_zeroed(const char *spec, buf_backend_t *backend, int64_t size, buf_buffer_t *out)
{
    buf_status_t status;
    ALLOC_RETRY(spec, status, buf_buffer_alloc(backend, size, out));
    cr_assert_eq(status, BUF_OK);
}

/* ==== Creation =========================================================================== */

Test(model_buffer, alloc_from_bytes_and_from_arraybuffer)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t zeroed, unsafe, copy, shared;
        new_zeroed(spec, backend, 10, &zeroed);
        cr_expect_eq(buf_buffer_length(&zeroed), 10);
        for (int i = 0; i < 10; i++)
            cr_expect_eq(buf_buffer_data(&zeroed)[i], 0);
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_buffer_alloc_unsafe(backend, 7, &unsafe));
        cr_expect_eq(buf_buffer_length(&unsafe), 7);
        new_bytes(spec, backend, "hello", 5, &copy);
        cr_expect_eq(memcmp(buf_buffer_data(&copy), "hello", 5), 0);
        cr_expect_eq(buf_buffer_from_arraybuffer(copy.buffer, 1, 3, &shared), BUF_OK);
        cr_expect_eq(buf_buffer_length(&shared), 3);
        buf_buffer_data(&shared)[0] = 'E';
        cr_expect_eq(buf_buffer_data(&copy)[1], 'E', "shares memory");
        buf_buffer_release(&shared);
        buf_buffer_t out = {0};
        EXPECT_FAILS_UNTOUCHED(copy.buffer, BUF_EBUFFER_OUT_OF_BOUNDS, buf_buffer_from_arraybuffer(copy.buffer, 6, BUF_OMITTED, &out));
        EXPECT_FAILS_UNTOUCHED(copy.buffer, BUF_EBUFFER_OUT_OF_BOUNDS, buf_buffer_from_arraybuffer(copy.buffer, 1, 5, &out));
        EXPECT_FAILS_UNTOUCHED(copy.buffer, BUF_ERANGE, buf_buffer_from_arraybuffer(copy.buffer, -1, BUF_OMITTED, &out));
        EXPECT_FAILS_UNTOUCHED(copy.buffer, BUF_ERANGE, buf_buffer_from_arraybuffer(copy.buffer, INT64_MIN + 1, BUF_OMITTED, &out));
        cr_expect_eq(buf_buffer_from_arraybuffer(copy.buffer, 2, -7, &out), BUF_OK, "negative length means 0");
        cr_expect_eq(buf_buffer_length(&out), 0);
        buf_buffer_release(&out);
        cr_expect_eq(buf_buffer_alloc(backend, -1, &out), BUF_EOUT_OF_RANGE);
        cr_expect_eq(buf_buffer_alloc(backend, BUF_BUFFER_MAX_LENGTH + 1, &out), BUF_EOUT_OF_RANGE);
        cr_expect_null(out.buffer);
        buf_buffer_release(&zeroed);
        buf_buffer_release(&unsafe);
        buf_buffer_release(&copy);
    }
}

Test(model_buffer, failed_allocations_are_enomem_and_leak_nothing)
{
    buf_backend_t *backend = model_open_failing_backend();
    buf_buffer_t out = {0};
    cr_expect_eq(buf_buffer_alloc(backend, 8, &out), BUF_ENOMEM);
    cr_expect_eq(buf_buffer_alloc_unsafe(backend, 8, &out), BUF_ENOMEM);
    cr_expect_eq(buf_buffer_from_bytes(backend, (const uint8_t *)"ab", 2, &out), BUF_ENOMEM);
    cr_expect_eq(buf_buffer_from_string(backend, "ab", 2, "hex", &out), BUF_ENOMEM);
    cr_expect_eq(buf_buffer_concat(backend, NULL, 0, BUF_OMITTED, &out), BUF_ENOMEM);
    cr_expect_null(out.buffer);
    test_close_backend_clean(backend);
}

/* ==== Numeric read/write ================================================================= */

Test(model_buffer, integer_writes_check_value_then_offset_as_node)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b;
        new_zeroed(spec, backend, 8, &b);
        model_fill_pattern_bytes(b.buffer);
        int64_t next = -1;
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_int16be(&b, 32768, 0, &next));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_int16be(&b, 1, 7, &next));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_uint8(&b, 256, 0, &next));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_uint8(&b, 255.9, 0, &next));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_uint32le(&b, 4294967296.0, 0, &next));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_uint8(&b, 300, 99, &next)); /* value first */
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_uint(&b, 1, 0, 7, true, &next));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_int(&b, 1, -1, 2, true, &next));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EINVALID_ARG_TYPE, buf_buffer_write_uint(&b, 1, BUF_OMITTED, 2, true, &next));
        cr_expect_eq(next, -1);
        cr_expect_eq(buf_buffer_write_int16be(&b, -32768, 6, &next), BUF_OK);
        cr_expect_eq(next, 8);
        cr_expect(buf_buffer_data(&b)[6] == 0x80 && buf_buffer_data(&b)[7] == 0);
        cr_expect_eq(buf_buffer_write_int8(&b, NAN, 0, &next), BUF_OK, "writeInt8(NaN) writes 0");
        cr_expect_eq(buf_buffer_data(&b)[0], 0);
        cr_expect_eq(buf_buffer_write_uint8(&b, 1.5, 1, NULL), BUF_OK);
        cr_expect_eq(buf_buffer_data(&b)[1], 1);
        cr_expect_eq(buf_buffer_write_uint8(&b, 7, BUF_OMITTED, NULL), BUF_OK, "offset defaults to 0");
        cr_expect_eq(buf_buffer_data(&b)[0], 7);
        /* 48-bit: low 32 bits from ToUint32, high 16 from floor(value / 2^32) (Node's odd -0.5). */
        cr_expect_eq(buf_buffer_write_int(&b, -0.5, 0, 6, true, NULL), BUF_OK);
        const uint8_t odd[6] = {0, 0, 0, 0, 0xff, 0xff};
        cr_expect_eq(memcmp(buf_buffer_data(&b), odd, 6), 0);
        cr_expect_eq(buf_buffer_write_uint(&b, 281474976710655.0, 2, 6, false, &next), BUF_OK);
        cr_expect_eq(next, 8);
        double v = 0;
        cr_expect_eq(buf_buffer_read_uint(&b, 2, 6, false, &v), BUF_OK);
        cr_expect_eq(v, 281474976710655.0);
        cr_expect_eq(buf_buffer_read_int(&b, 2, 6, true, &v), BUF_OK);
        cr_expect_eq(v, -1.0);
        buf_buffer_release(&b);
    }
}

Test(model_buffer, reads_check_offsets_as_node)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b, tiny;
        new_bytes(spec, backend, "\x01\x02\x03\x04\x05\x06\x07\x08", 8, &b);
        new_zeroed(spec, backend, 3, &tiny);
        double v = -1;
        cr_expect_eq(buf_buffer_read_uint32le(&b, 4, &v), BUF_OK);
        cr_expect_eq(v, 0x08070605);
        cr_expect_eq(buf_buffer_read_uint32be(&b, 0, &v), BUF_OK);
        cr_expect_eq(v, 0x01020304);
        cr_expect_eq(buf_buffer_read_int16le(&b, 6, &v), BUF_OK);
        cr_expect_eq(v, 0x0807);
        v = -1;
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_read_uint32le(&b, 5, &v));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_read_uint32le(&b, -1, &v));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_read_uint8(&b, 8, &v));
        EXPECT_FAILS_UNTOUCHED(tiny.buffer, BUF_EBUFFER_OUT_OF_BOUNDS, buf_buffer_read_uint32le(&tiny, 0, &v)); /* "buffer shorter than the width" */
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_read_uint(&b, 0, 7, false, &v));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_read_int(&b, 0, 0, true, &v));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EINVALID_ARG_TYPE, buf_buffer_read_int(&b, BUF_OMITTED, 2, true, &v));
        cr_expect_eq(v, -1, "out untouched");
        cr_expect_eq(buf_buffer_read_int8(&b, BUF_OMITTED, &v), BUF_OK);
        cr_expect_eq(v, 1);
        buf_buffer_release(&b);
        buf_buffer_release(&tiny);
    }
}

Test(model_buffer, float_double_and_bigint64)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b;
        new_zeroed(spec, backend, 8, &b);
        int64_t next = 0;
        double v = 0;
        cr_expect_eq(buf_buffer_write_double(&b, 1.5, 0, true, &next), BUF_OK);
        cr_expect_eq(next, 8);
        cr_expect_eq(buf_buffer_read_double(&b, 0, true, &v), BUF_OK);
        cr_expect_eq(v, 1.5);
        model_fill_pattern_bytes(b.buffer);
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_double(&b, 1.5, 1, true, &next));
        cr_expect_eq(buf_buffer_write_float(&b, 1e40, 0, false, &next), BUF_OK);
        const uint8_t inf_be[4] = {0x7f, 0x80, 0, 0};
        cr_expect_eq(memcmp(buf_buffer_data(&b), inf_be, 4), 0);
        cr_expect_eq(buf_buffer_read_float(&b, 0, false, &v), BUF_OK);
        cr_expect(isinf(v));
        cr_expect_eq(buf_buffer_write_bigint64(&b, -1, 0, true, &next), BUF_OK);
        uint64_t u = 0;
        cr_expect_eq(buf_buffer_read_biguint64(&b, 0, true, &u), BUF_OK);
        cr_expect_eq(u, UINT64_MAX);
        cr_expect_eq(buf_buffer_write_biguint64(&b, 0x0102030405060708u, BUF_OMITTED, false, &next), BUF_OK);
        int64_t s = 0;
        cr_expect_eq(buf_buffer_read_bigint64(&b, 0, false, &s), BUF_OK);
        cr_expect_eq(s, 0x0102030405060708);
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_read_bigint64(&b, 1, true, &s));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_write_bigint64(&b, 1, 1, true, &next));
        buf_buffer_release(&b);
    }
}

/* ==== Views, concat, compare, copy ======================================================= */

Test(model_buffer, slice_and_subarray_share_memory_and_clamp)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b, s;
        new_bytes(spec, backend, "0123456789", 10, &b);
        cr_assert_eq(buf_buffer_slice(&b, -3, BUF_OMITTED, &s), BUF_OK);
        cr_expect_eq(buf_buffer_length(&s), 3);
        cr_expect_eq(buf_buffer_data(&s)[0], '7');
        buf_buffer_release(&s);
        cr_assert_eq(buf_buffer_subarray(&b, 5, 2, &s), BUF_OK);
        cr_expect_eq(buf_buffer_length(&s), 0);
        buf_buffer_release(&s);
        buf_buffer_release(&b);
    }
}

Test(model_buffer, concat_truncates_and_zero_fills)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t list[2], out;
        new_bytes(spec, backend, "abc", 3, &list[0]);
        new_bytes(spec, backend, "de", 2, &list[1]);
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_buffer_concat(backend, list, 2, BUF_OMITTED, &out));
        cr_expect_eq(buf_buffer_length(&out), 5);
        cr_expect_eq(memcmp(buf_buffer_data(&out), "abcde", 5), 0);
        buf_buffer_release(&out);
        ALLOC_RETRY(spec, status, buf_buffer_concat(backend, list, 2, 4, &out));
        cr_expect_eq(memcmp(buf_buffer_data(&out), "abcd", 4), 0);
        buf_buffer_release(&out);
        ALLOC_RETRY(spec, status, buf_buffer_concat(backend, list, 2, 8, &out));
        cr_expect_eq(memcmp(buf_buffer_data(&out), "abcde\0\0\0", 8), 0);
        buf_buffer_release(&out);
        buf_buffer_t untouched = {0};
        EXPECT_FAILS_UNTOUCHED(list[0].buffer, BUF_EOUT_OF_RANGE, buf_buffer_concat(backend, list, 2, -1, &untouched));
        cr_expect_null(untouched.buffer);
        ALLOC_RETRY(spec, status, buf_buffer_concat(backend, list, 0, -1, &out)); /* empty list: length not validated */
        cr_expect_eq(status, BUF_OK);
        cr_expect_eq(buf_buffer_length(&out), 0);
        buf_buffer_release(&out);
        buf_buffer_release(&list[0]);
        buf_buffer_release(&list[1]);
    }
}

Test(model_buffer, compare_equals_and_ranges)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t a, b;
        new_bytes(spec, backend, "abcd", 4, &a);
        new_bytes(spec, backend, "abd", 3, &b);
        int order = 9;
        bool equal = true;
        cr_expect_eq(buf_buffer_compare(&a, &b, &order), BUF_OK);
        cr_expect_eq(order, -1);
        cr_expect_eq(buf_buffer_equals(&a, &b, &equal), BUF_OK);
        cr_expect(!equal);
        cr_expect_eq(buf_buffer_compare_range(&a, &b, 0, 2, 0, 2, &order), BUF_OK);
        cr_expect_eq(order, 0);
        cr_expect_eq(buf_buffer_compare_range(&a, &b, 2, 3, 3, 4, &order), BUF_OK); /* "d" vs "d" */
        cr_expect_eq(order, 0);
        cr_expect_eq(buf_buffer_compare_range(&a, &b, 0, 0, 1, 1, &order), BUF_OK);
        cr_expect_eq(order, 0, "both empty");
        cr_expect_eq(buf_buffer_compare_range(&a, &b, 0, 1, 1, 1, &order), BUF_OK);
        cr_expect_eq(order, -1, "empty source");
        order = 9;
        EXPECT_FAILS_UNTOUCHED(a.buffer, BUF_EOUT_OF_RANGE, buf_buffer_compare_range(&a, &b, 0, 4, BUF_OMITTED, BUF_OMITTED, &order));
        EXPECT_FAILS_UNTOUCHED(a.buffer, BUF_EOUT_OF_RANGE, buf_buffer_compare_range(&a, &b, -1, BUF_OMITTED, BUF_OMITTED, BUF_OMITTED, &order));
        EXPECT_FAILS_UNTOUCHED(a.buffer, BUF_EOUT_OF_RANGE, buf_buffer_compare_range(&a, &b, BUF_OMITTED, BUF_OMITTED, 0, 5, &order));
        cr_expect_eq(order, 9);
        buf_buffer_release(&a);
        buf_buffer_release(&b);
    }
}

Test(model_buffer, copy_is_clamped_and_overlap_safe)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b, small;
        new_bytes(spec, backend, "0123456789", 10, &b);
        new_zeroed(spec, backend, 3, &small);
        int64_t copied = -1;
        cr_expect_eq(buf_buffer_copy(&b, &b, 2, 0, 6, &copied), BUF_OK);
        cr_expect_eq(copied, 6);
        cr_expect_eq(memcmp(buf_buffer_data(&b), "0101234589", 10), 0);
        cr_expect_eq(buf_buffer_copy(&b, &small, 1, 0, BUF_OMITTED, &copied), BUF_OK);
        cr_expect_eq(copied, 2);
        cr_expect_eq(buf_buffer_copy(&b, &small, 5, BUF_OMITTED, BUF_OMITTED, &copied), BUF_OK);
        cr_expect_eq(copied, 0);
        model_fill_pattern_bytes(small.buffer);
        EXPECT_FAILS_UNTOUCHED(small.buffer, BUF_EOUT_OF_RANGE, buf_buffer_copy(&b, &small, -1, 0, 1, &copied));
        EXPECT_FAILS_UNTOUCHED(small.buffer, BUF_EOUT_OF_RANGE, buf_buffer_copy(&b, &small, 0, 11, BUF_OMITTED, &copied));
        EXPECT_FAILS_UNTOUCHED(small.buffer, BUF_EOUT_OF_RANGE, buf_buffer_copy(&b, &small, 0, 0, -1, &copied));
        buf_buffer_release(&b);
        buf_buffer_release(&small);
    }
}

/* ==== fill and indexOf (bytes) =========================================================== */

Test(model_buffer, fill_with_numbers_and_patterns)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b;
        new_zeroed(spec, backend, 10, &b);
        cr_expect_eq(buf_buffer_fill_byte(&b, 257, 2, 5), BUF_OK);
        cr_expect_eq(memcmp(buf_buffer_data(&b), "\0\0\1\1\1\0\0\0\0\0", 10), 0);
        cr_expect_eq(buf_buffer_fill_bytes(&b, (const uint8_t *)"abc", 3, 1, BUF_OMITTED), BUF_OK);
        cr_expect_eq(memcmp(buf_buffer_data(&b), "\0abcabcabc", 10), 0);
        cr_expect_eq(buf_buffer_fill_bytes(&b, (const uint8_t *)"xy", 2, 5, 4), BUF_OK, "offset >= end: nothing");
        model_fill_pattern_bytes(b.buffer);
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EINVALID_ARG_VALUE, buf_buffer_fill_bytes(&b, (const uint8_t *)"", 0, 0, 3));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_fill_byte(&b, 1, -1, BUF_OMITTED));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EOUT_OF_RANGE, buf_buffer_fill_byte(&b, 1, 0, 11));
        /* A pattern that is a view of the Buffer itself. */
        buf_buffer_t head;
        cr_assert_eq(buf_buffer_subarray(&b, 0, 3, &head), BUF_OK);
        uint8_t expect[3];
        memcpy(expect, buf_buffer_data(&head), 3);
        cr_expect_eq(buf_buffer_fill_bytes(&b, buf_buffer_data(&head), 3, 1, 10), BUF_OK);
        cr_expect_eq(buf_buffer_data(&b)[1], expect[0]);
        cr_expect_eq(buf_buffer_data(&b)[4], expect[0]);
        buf_buffer_release(&head);
        buf_buffer_release(&b);
    }
}

/* _fill() resolves an omitted offset at different steps for different values (see
 * buffer_fill.c), which decides what an empty or out-of-bounds Buffer does; every
 * expectation below is what Node v20 does (a resizable ArrayBuffer shrunk below a
 * Buffer.from(ab, 2, 4)).  Nothing is ever written. */
#define EXPECT_WRITES_NOTHING(ab, expected, call) EXPECT_FAILS_UNTOUCHED(ab, expected, call)

Test(model_buffer, fill_of_an_out_of_bounds_buffer_resolves_the_range_as_node)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, 8, 16, &ab));
        buf_buffer_t b;
        cr_assert_eq(buf_buffer_from_arraybuffer(ab, 2, 4, &b), BUF_OK);
        cr_assert_eq(buf_arraybuffer_resize(ab, 1), BUF_OK);
        cr_assert(buf_typed_is_out_of_bounds(&b));
        model_fill_pattern_bytes(ab);
        /* A string: buf.fill('a') is buf.fill('a', 0, buf.length), an empty range. */
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_string(&b, "a", 1, BUF_OMITTED, BUF_OMITTED, NULL));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_string(&b, "", 0, BUF_OMITTED, BUF_OMITTED, NULL));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_string(&b, "a", 1, BUF_OMITTED, 3, "binary"));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_string(&b, "abc", 3, BUF_OMITTED, BUF_OMITTED, NULL));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_string(&b, "\xc3\xa9", 2, BUF_OMITTED, BUF_OMITTED, NULL));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_string(&b, "zz", 2, 0, BUF_OMITTED, "hex"));
        EXPECT_WRITES_NOTHING(ab, BUF_EUNKNOWN_ENCODING, buf_buffer_fill_string(&b, "a", 1, 0, BUF_OMITTED, "bogus"));
        EXPECT_WRITES_NOTHING(ab, BUF_EOUT_OF_RANGE, buf_buffer_fill_string(&b, "a", 1, -1, BUF_OMITTED, NULL));
        /* A number: with no offset TypedArray.prototype.fill sees the view and refuses it;
         * with one, offset >= end returns first. */
        EXPECT_WRITES_NOTHING(ab, BUF_EDETACHED, buf_buffer_fill_byte(&b, 1, BUF_OMITTED, BUF_OMITTED));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_byte(&b, 1, 0, BUF_OMITTED));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_byte(&b, 1, 0, 0));
        EXPECT_WRITES_NOTHING(ab, BUF_EOUT_OF_RANGE, buf_buffer_fill_byte(&b, 1, 0, 1));
        /* Bytes: bindingFill copies nothing into an empty range, even an empty pattern. */
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_bytes(&b, (const uint8_t *)"ab", 2, BUF_OMITTED, BUF_OMITTED));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_bytes(&b, (const uint8_t *)"", 0, BUF_OMITTED, BUF_OMITTED));
        EXPECT_WRITES_NOTHING(ab, BUF_OK, buf_buffer_fill_bytes(&b, (const uint8_t *)"", 0, 0, BUF_OMITTED));
        buf_buffer_release(&b);
        buf_arraybuffer_release(ab);
    }
}

Test(model_buffer, fill_of_an_empty_buffer_and_empty_patterns)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t empty, b;
        new_zeroed(spec, backend, 0, &empty);
        /* In bounds, so even the number path with no offset succeeds. */
        cr_expect_eq(buf_buffer_fill_byte(&empty, 1, BUF_OMITTED, BUF_OMITTED), BUF_OK);
        cr_expect_eq(buf_buffer_fill_string(&empty, "a", 1, BUF_OMITTED, BUF_OMITTED, NULL), BUF_OK);
        cr_expect_eq(buf_buffer_fill_string(&empty, "zz", 2, 0, BUF_OMITTED, "hex"), BUF_OK);
        cr_expect_eq(buf_buffer_fill_bytes(&empty, (const uint8_t *)"", 0, BUF_OMITTED, BUF_OMITTED), BUF_OK);
        cr_expect_eq(buf_buffer_fill_byte(&empty, 1, 0, 1), BUF_EOUT_OF_RANGE);
        new_zeroed(spec, backend, 4, &b);
        model_fill_pattern_bytes(b.buffer);
        /* An empty pattern for a non-empty range is refused, however the range came about. */
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EINVALID_ARG_VALUE,
                               buf_buffer_fill_bytes(&b, (const uint8_t *)"", 0, BUF_OMITTED, BUF_OMITTED));
        EXPECT_FAILS_UNTOUCHED(b.buffer, BUF_EINVALID_ARG_VALUE,
                               buf_buffer_fill_bytes(&b, (const uint8_t *)"", 0, 0, BUF_OMITTED));
        /* buf.fill('zz', undefined, undefined, 'hex'): the encoding is dropped, utf8 'zz'. */
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_buffer_fill_string(&b, "zz", 2, BUF_OMITTED, BUF_OMITTED, "hex"));
        cr_expect_eq(status, BUF_OK);
        cr_expect_eq(memcmp(buf_buffer_data(&b), "zzzz", 4), 0);
        /* A pattern longer than the range: its prefix. */
        cr_expect_eq(buf_buffer_fill_bytes(&b, (const uint8_t *)"abcdef", 6, 1, 3), BUF_OK);
        cr_expect_eq(memcmp(buf_buffer_data(&b), "zabz", 4), 0);
        buf_buffer_release(&empty);
        buf_buffer_release(&b);
    }
}

Test(model_buffer, index_of_bytes_with_node_offsets)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_buffer_t b;
        new_bytes(spec, backend, "abcabc", 6, &b);
        int64_t at = 0;
        bool found = false;
        cr_expect_eq(buf_buffer_index_of_byte(&b, 'c', BUF_OMITTED, &at), BUF_OK);
        cr_expect_eq(at, 2);
        cr_expect_eq(buf_buffer_index_of_byte(&b, 'c' + 256, 3, &at), BUF_OK, "value >>> 0, low byte");
        cr_expect_eq(at, 5);
        cr_expect_eq(buf_buffer_last_index_of_byte(&b, 'a', -4, &at), BUF_OK);
        cr_expect_eq(at, 0);
        cr_expect_eq(buf_buffer_index_of_byte(&b, 'a', -100, &at), BUF_OK);
        cr_expect_eq(at, 0);
        cr_expect_eq(buf_buffer_last_index_of_byte(&b, 'a', -100, &at), BUF_OK);
        cr_expect_eq(at, -1);
        cr_expect_eq(buf_buffer_includes_byte(&b, 'z', BUF_OMITTED, &found), BUF_OK);
        cr_expect(!found);
        cr_expect_eq(buf_buffer_includes_bytes(&b, (const uint8_t *)"ca", 2, BUF_OMITTED, "bogus", &found), BUF_OK);
        cr_expect(found, "a Buffer needle ignores an unknown encoding");
        cr_expect_eq(buf_buffer_index_of_bytes(&b, (const uint8_t *)"bc", 2, 2, NULL, &at), BUF_OK);
        cr_expect_eq(at, 4);
        cr_expect_eq(buf_buffer_last_index_of_bytes(&b, (const uint8_t *)"bc", 2, BUF_OMITTED, NULL, &at), BUF_OK);
        cr_expect_eq(at, 4);
        cr_expect_eq(buf_buffer_index_of_bytes(&b, (const uint8_t *)"", 0, 100, NULL, &at), BUF_OK);
        cr_expect_eq(at, 6, "empty needle past the end: the length");
        /* ucs2: code units at even offsets only. */
        cr_expect_eq(buf_buffer_index_of_bytes(&b, (const uint8_t *)"bc", 2, 0, "ucs2", &at), BUF_OK);
        cr_expect_eq(at, 4, "'bc' at 1 is skipped (odd), at 4 found");
        cr_expect_eq(buf_buffer_index_of_bytes(&b, (const uint8_t *)"ab", 2, 3, "UCS-2", &at), BUF_OK);
        cr_expect_eq(at, -1, "'ab' at 3 is odd: no ucs2 match");
        cr_expect_eq(buf_buffer_index_of_bytes(&b, (const uint8_t *)"ab", 2, 1, "ucs2", &at), BUF_OK);
        cr_expect_eq(at, 0, "Node starts at unit offset/2 = 0 (checked against node)");
        cr_expect_eq(buf_buffer_index_of_bytes(&b, (const uint8_t *)"ab", 2, 1, "latin1", &at), BUF_OK);
        cr_expect_eq(at, 3);
        buf_buffer_release(&b);
    }
}
