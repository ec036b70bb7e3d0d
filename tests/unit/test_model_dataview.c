/* test_model_dataview.c — DataView over every backend spec: construction checks, every
 * width in both byte orders (big-endian by default), BigInt widths, the spec's order of
 * errors, length tracking and out-of-bounds views; failed calls leave memory untouched. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "buf_model.h"
#include "test_support.h"

#include "test_model_support.h"

static buf_arraybuffer_t *new_buffer(const char *spec, buf_backend_t *backend, int64_t length, int64_t max)
{
    buf_arraybuffer_t *ab = NULL;
    buf_status_t status;
    if (max < 0)
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, length, &ab));
    else
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, length, max, &ab));
    cr_assert_eq(status, BUF_OK);
    return ab;
}

Test(model_dataview, construction_checks)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_buffer(spec, backend, 8, -1);
        const struct { int64_t offset, length; buf_status_t status; int64_t expect; } cases[] = {
            {2, 4, BUF_OK, 4}, {BUF_OMITTED, BUF_OMITTED, BUF_OK, 8}, {8, BUF_OMITTED, BUF_OK, 0}, {9, BUF_OMITTED, BUF_ERANGE, 0},
            {-1, BUF_OMITTED, BUF_ERANGE, 0}, {2, 7, BUF_ERANGE, 0}, {0, -1, BUF_ERANGE, 0}, {4, INT64_MAX, BUF_ERANGE, 0},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            buf_dataview_t dv = {0};
            model_fill_pattern_bytes(ab);
            size_t snap_length;
            uint8_t *snap = model_snapshot(ab, &snap_length);
            cr_expect_eq(buf_dataview_new(ab, cases[c].offset, cases[c].length, &dv), cases[c].status, "case %zu", c);
            model_expect_unchanged(ab, snap, snap_length, "dataview construction");
            if (cases[c].status == BUF_OK) {
                int64_t length = -1;
                cr_expect_eq(buf_dataview_byte_length(&dv, &length), BUF_OK);
                cr_expect_eq(length, cases[c].expect, "case %zu", c);
                buf_dataview_release(&dv);
            } else {
                cr_expect_null(dv.buffer);
            }
        }
        cr_expect_eq(buf_arraybuffer_refcount(ab), 1);
        buf_arraybuffer_release(ab);
    }
}

Test(model_dataview, every_width_both_orders_big_endian_by_default)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_buffer(spec, backend, 16, -1);
        buf_dataview_t dv;
        cr_assert_eq(buf_dataview_new(ab, 0, BUF_OMITTED, &dv), BUF_OK);
        uint8_t *data = buf_arraybuffer_data(ab);
        cr_expect_eq(buf_dataview_set(&dv, BUF_KIND_UINT32, 0, 0x01020304, false), BUF_OK);
        cr_expect(data[0] == 1 && data[3] == 4, "big-endian");
        cr_expect_eq(buf_dataview_set(&dv, BUF_KIND_UINT32, 4, 0x01020304, true), BUF_OK);
        cr_expect(data[4] == 4 && data[7] == 1, "little-endian");
        const struct { buf_kind_t kind; double in, out; } cases[] = {
            {BUF_KIND_INT8, -1, -1}, {BUF_KIND_UINT8, -1, 255}, {BUF_KIND_INT16, 40000, 40000 - 65536},
            {BUF_KIND_UINT16, -2, 65534}, {BUF_KIND_INT32, 2147483648.0, -2147483648.0}, {BUF_KIND_UINT32, -1, 4294967295.0},
            {BUF_KIND_FLOAT32, 1.1, (double)1.1f}, {BUF_KIND_FLOAT32, NAN, NAN}, {BUF_KIND_FLOAT64, -0.0, -0.0},
            {BUF_KIND_FLOAT64, 1e300, 1e300},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
            for (int le = 0; le < 2; le++) {
                double out = 123;
                cr_expect_eq(buf_dataview_set(&dv, cases[c].kind, 3, cases[c].in, le), BUF_OK);
                cr_expect_eq(buf_dataview_get(&dv, cases[c].kind, 3, le, &out), BUF_OK);
                if (isnan(cases[c].out))
                    cr_expect(isnan(out));
                else
                    cr_expect(out == cases[c].out && signbit(out) == signbit(cases[c].out), "%s le=%d: %g", buf_kind_name(cases[c].kind), le, out);
            }
        int64_t s = 0;
        uint64_t u = 0;
        cr_expect_eq(buf_dataview_set_bigint64(&dv, 8, -2, false), BUF_OK);
        cr_expect(data[8] == 0xff && data[15] == 0xfe);
        cr_expect_eq(buf_dataview_get_bigint64(&dv, 8, false, &s), BUF_OK);
        cr_expect_eq(s, -2);
        cr_expect_eq(buf_dataview_get_biguint64(&dv, 8, true, &u), BUF_OK);
        cr_expect_eq(u, 0xfeffffffffffffffu);
        cr_expect_eq(buf_dataview_set_biguint64(&dv, 8, 1, true), BUF_OK);
        cr_expect_eq(data[8], 1);
        buf_dataview_release(&dv);
        buf_arraybuffer_release(ab);
    }
}

Test(model_dataview, errors_in_spec_order_write_nothing)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_buffer(spec, backend, 8, 16);
        model_fill_pattern_bytes(ab);
        buf_dataview_t dv;
        cr_assert_eq(buf_dataview_new(ab, 2, 4, &dv), BUF_OK);
        double out = 5;
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_get(&dv, BUF_KIND_UINT32, 1, false, &out));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, BUF_KIND_UINT16, 3, 1, false));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, BUF_KIND_UINT8, 4, 1, false));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, BUF_KIND_UINT8, -1, 1, false));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, BUF_KIND_FLOAT64, 0, 1, false));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, BUF_KIND_UINT8, INT64_MAX, 1, false));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, BUF_KIND_BIGINT64, -1, 1, false)); /* index first */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_dataview_set(&dv, BUF_KIND_BIGUINT64, 0, 1, false));  /* then the type */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_dataview_set(&dv, BUF_KIND_UINT8_CLAMPED, 0, 1, false));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_dataview_get(&dv, BUF_KIND_BIGINT64, 0, false, &out));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set_bigint64(&dv, 0, 1, false)); /* 8 > 4 */
        cr_expect_eq(out, 5);
        buf_arraybuffer_resize(ab, 5); /* the view [2, 6) is now out of bounds */
        int64_t length = -1;
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_dataview_byte_length(&dv, &length));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_dataview_byte_offset(&dv, &length));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_dataview_set(&dv, BUF_KIND_UINT8, 0, 1, false));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, BUF_KIND_UINT8, -1, 1, false));
        cr_expect_eq(length, -1);
        buf_dataview_release(&dv);
        buf_arraybuffer_release(ab);
    }
}

/* dv.setBigInt64(i, number) in Node v20: ToIndex(i) throws first (RangeError), then
 * ToBigInt(number) (TypeError), before the view's bounds are looked at.  The C form is
 * buf_dataview_set with a BigInt kind; buf_dataview_get with one is a misuse (the value
 * is no double). */
Test(model_dataview, bigint_kind_with_a_number_is_a_type_error_after_the_index)
{
    static const buf_kind_t bigint_kinds[] = {BUF_KIND_BIGINT64, BUF_KIND_BIGUINT64};
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_buffer(spec, backend, 8, 16);
        model_fill_pattern_bytes(ab);
        buf_dataview_t dv;
        cr_assert_eq(buf_dataview_new(ab, 4, BUF_OMITTED, &dv), BUF_OK);
        for (size_t k = 0; k < 2; k++) {
            buf_kind_t kind = bigint_kinds[k];
            EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, kind, -1, 5, false));
            EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_dataview_set(&dv, kind, 0, 5, false));
            EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_dataview_set(&dv, kind, BUF_OMITTED, 5, true));
            EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_dataview_set(&dv, kind, 100, 5, false)); /* before bounds */
            double out = 7;
            EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_dataview_get(&dv, kind, 0, false, &out));
            cr_expect_eq(out, 7);
        }
        cr_assert_eq(buf_arraybuffer_resize(ab, 2), BUF_OK); /* offset 4 > 2: out of bounds */
        cr_assert(buf_dataview_is_out_of_bounds(&dv));
        for (size_t k = 0; k < 2; k++) {
            EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_dataview_set(&dv, bigint_kinds[k], -1, 5, false));
            EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_dataview_set(&dv, bigint_kinds[k], 0, 5, false)); /* not EDETACHED */
        }
        buf_dataview_release(&dv);
        buf_arraybuffer_release(ab);
    }
}

Test(model_dataview, length_tracking_view_follows_the_buffer)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_buffer(spec, backend, 4, 64);
        buf_dataview_t dv;
        cr_assert_eq(buf_dataview_new(ab, 2, BUF_OMITTED, &dv), BUF_OK);
        cr_expect(dv.length_tracking);
        int64_t length = 0;
        buf_dataview_byte_length(&dv, &length);
        cr_expect_eq(length, 2);
        cr_expect_eq(buf_dataview_set(&dv, BUF_KIND_FLOAT64, 0, 1.5, true), BUF_ERANGE);
        buf_arraybuffer_resize(ab, 64);
        cr_expect_eq(buf_dataview_set(&dv, BUF_KIND_FLOAT64, 54, 1.5, true), BUF_OK);
        double out = 0;
        cr_expect_eq(buf_dataview_get(&dv, BUF_KIND_FLOAT64, 54, true, &out), BUF_OK);
        cr_expect_eq(out, 1.5);
        buf_arraybuffer_resize(ab, 2);
        buf_dataview_byte_length(&dv, &length);
        cr_expect_eq(length, 0, "offset == length: in bounds, empty");
        buf_arraybuffer_resize(ab, 1);
        cr_expect(buf_dataview_is_out_of_bounds(&dv));
        buf_dataview_release(&dv);
        buf_arraybuffer_release(ab);
    }
}
