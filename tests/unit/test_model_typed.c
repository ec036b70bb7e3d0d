/* test_model_typed.c — typed views of all 11 kinds over every backend spec: ECMAScript
 * construction checks, length tracking over resizable buffers, out-of-bounds views after
 * a shrink, element conversion, BigInt kinds, subarray clamping and set (overlap-safe,
 * converting).  Every error also proves the memory was left untouched. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf_model.h"
#include "test_support.h"

#include "test_model_support.h"

static buf_arraybuffer_t *new_fixed(const char *spec, buf_backend_t *backend, int64_t length)
{
    buf_arraybuffer_t *ab = NULL;
    buf_status_t status;
    ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, length, &ab));
    cr_assert_eq(status, BUF_OK);
    return ab;
}

static buf_arraybuffer_t *new_resizable(const char *spec, buf_backend_t *backend, int64_t length, int64_t max)
{
    buf_arraybuffer_t *ab = NULL;
    buf_status_t status;
    ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, length, max, &ab));
    cr_assert_eq(status, BUF_OK);
    return ab;
}

/* ==== Kinds ============================================================================== */

Test(model_typed, kinds_have_names_sizes_and_parse)
{
    const size_t sizes[BUF_KIND_COUNT] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
    for (int k = 0; k < BUF_KIND_COUNT; k++) {
        buf_kind_t parsed;
        cr_expect_eq(buf_kind_size((buf_kind_t)k), sizes[k]);
        cr_expect_eq(buf_kind_parse(buf_kind_name((buf_kind_t)k), &parsed), BUF_OK);
        cr_expect_eq(parsed, (buf_kind_t)k);
    }
    buf_kind_t parsed;
    cr_expect_eq(buf_kind_parse("Uint8Clamped", &parsed), BUF_OK);
    cr_expect_eq(parsed, BUF_KIND_UINT8_CLAMPED);
    cr_expect_eq(buf_kind_parse("Float16Array", &parsed), BUF_EINVAL);
    cr_expect_str_eq(buf_kind_name(BUF_KIND_COUNT), "unknown");
    cr_expect(buf_kind_is_bigint(BUF_KIND_BIGUINT64) && !buf_kind_is_bigint(BUF_KIND_FLOAT64));
}

/* ==== Construction ======================================================================= */

Test(model_typed, construction_follows_ecmascript_range_checks)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab16 = new_fixed(spec, backend, 16), *ab12 = new_fixed(spec, backend, 12);
        buf_arraybuffer_t *ab10 = new_fixed(spec, backend, 10);
        const struct { buf_kind_t kind; buf_arraybuffer_t *ab; int64_t offset, length; buf_status_t status; int64_t expect_length; } cases[] = {
            {BUF_KIND_FLOAT32, ab16, 2, BUF_OMITTED, BUF_ERANGE, 0},   /* misaligned */
            {BUF_KIND_FLOAT32, ab16, 4, 3, BUF_OK, 3},
            {BUF_KIND_FLOAT32, ab16, 4, 4, BUF_ERANGE, 0},            /* 4 + 16 > 16 */
            {BUF_KIND_FLOAT32, ab16, 16, BUF_OMITTED, BUF_OK, 0},
            {BUF_KIND_FLOAT32, ab16, 20, BUF_OMITTED, BUF_ERANGE, 0},
            {BUF_KIND_FLOAT32, ab16, -4, BUF_OMITTED, BUF_ERANGE, 0},
            {BUF_KIND_FLOAT64, ab12, 0, BUF_OMITTED, BUF_ERANGE, 0},  /* 12 not a multiple of 8 */
            {BUF_KIND_UINT8, ab16, 0, 17, BUF_ERANGE, 0},
            {BUF_KIND_UINT8, ab16, 0, -1, BUF_ERANGE, 0},
            {BUF_KIND_UINT8, ab16, 16, 0, BUF_OK, 0},
            {BUF_KIND_UINT32, ab10, 0, 2, BUF_OK, 2},
            {BUF_KIND_UINT32, ab10, 0, BUF_OMITTED, BUF_ERANGE, 0},
            {BUF_KIND_BIGINT64, ab16, 4, BUF_OMITTED, BUF_ERANGE, 0},
            {BUF_KIND_INT16, ab16, BUF_OMITTED, INT64_MAX, BUF_ERANGE, 0}, /* no overflow in length * 2 */
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            buf_typed_t view, untouched;
            memset(&untouched, 0x5a, sizeof untouched);
            view = untouched;
            model_fill_pattern_bytes(cases[c].ab);
            size_t snap_length;
            uint8_t *snap = model_snapshot(cases[c].ab, &snap_length);
            buf_status_t status = buf_typed_from_buffer(cases[c].kind, cases[c].ab, cases[c].offset, cases[c].length, &view);
            model_expect_unchanged(cases[c].ab, snap, snap_length, "typed construction");
            cr_expect_eq(status, cases[c].status, "case %zu: %s", c, buf_status_name(status));
            if (status == BUF_OK) {
                cr_expect_eq(buf_typed_length(&view), cases[c].expect_length, "case %zu", c);
                buf_typed_release(&view);
            } else {
                cr_expect_eq(memcmp(&view, &untouched, sizeof view), 0, "case %zu: *out written on failure", c);
            }
        }
        cr_expect_eq(buf_arraybuffer_refcount(ab16), 1, "failed constructions hold no reference");
        buf_arraybuffer_release(ab16);
        buf_arraybuffer_release(ab12);
        buf_arraybuffer_release(ab10);
    }
}

Test(model_typed, new_allocates_a_zeroed_buffer_of_its_own)
{
    FOR_EACH_BACKEND(spec, backend) {
        for (int k = 0; k < BUF_KIND_COUNT; k++) {
            buf_typed_t view;
            buf_status_t status;
            ALLOC_RETRY(spec, status, buf_typed_new(backend, (buf_kind_t)k, 5, &view));
            cr_assert_eq(status, BUF_OK);
            cr_expect_eq(buf_typed_length(&view), 5);
            cr_expect_eq(buf_typed_byte_length(&view), 5 * (int64_t)buf_kind_size((buf_kind_t)k));
            cr_expect_eq(buf_arraybuffer_refcount(view.buffer), 1);
            for (int i = 0; i < 5; i++) {
                double d = -1;
                int64_t b = -1;
                uint64_t ub = 1;
                if (k == BUF_KIND_BIGINT64) {
                    cr_expect_eq(buf_typed_get_bigint(&view, i, &b), BUF_OK);
                    cr_expect_eq(b, 0);
                } else if (k == BUF_KIND_BIGUINT64) {
                    cr_expect_eq(buf_typed_get_biguint(&view, i, &ub), BUF_OK);
                    cr_expect_eq(ub, 0);
                } else {
                    cr_expect_eq(buf_typed_get(&view, i, &d), BUF_OK);
                    cr_expect_eq(d, 0.0);
                }
            }
            buf_typed_release(&view);
        }
        buf_typed_t view = {0};
        buf_backend_stats_t before, after;
        buf_backend_get_stats(backend, &before);
        cr_expect_eq(buf_typed_new(backend, BUF_KIND_INT32, -1, &view), BUF_ERANGE);
        cr_expect_eq(buf_typed_new(backend, BUF_KIND_INT32, INT64_MAX, &view), BUF_ERANGE);
        cr_expect_eq(buf_typed_new(backend, BUF_KIND_COUNT, 1, &view), BUF_EINVAL);
        buf_backend_get_stats(backend, &after);
        cr_expect_null(view.buffer, "out untouched");
        cr_expect_eq(after.allocs, before.allocs, "a refused length allocates nothing");
    }
}

Test(model_typed, failed_new_is_enomem_and_leaks_nothing)
{
    buf_backend_t *backend = model_open_failing_backend();
    buf_typed_t view = {0};
    cr_expect_eq(buf_typed_new(backend, BUF_KIND_FLOAT64, 4, &view), BUF_ENOMEM);
    cr_expect_null(view.buffer);
    test_close_backend_clean(backend);
}

/* ==== Length tracking and out of bounds ================================================== */

Test(model_typed, length_tracking_follows_resize_and_shrink_detaches_fixed_views)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_resizable(spec, backend, 8, 16);
        buf_typed_t tracking, fixed;
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT16, ab, 2, BUF_OMITTED, &tracking), BUF_OK);
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT16, ab, 2, 2, &fixed), BUF_OK);
        cr_expect(tracking.length_tracking && !fixed.length_tracking);
        cr_expect_eq(buf_typed_length(&tracking), 3);
        cr_expect_eq(buf_arraybuffer_resize(ab, 16), BUF_OK);
        cr_expect_eq(buf_typed_length(&tracking), 7);
        cr_expect_eq(buf_typed_set(&tracking, 6, 0xbeef), BUF_OK);
        cr_expect_eq(buf_arraybuffer_resize(ab, 3), BUF_OK);
        /* 1 byte after the offset: 0 elements but in bounds; the fixed view is out. */
        cr_expect(!buf_typed_is_out_of_bounds(&tracking));
        cr_expect_eq(buf_typed_length(&tracking), 0);
        cr_expect(buf_typed_is_out_of_bounds(&fixed));
        cr_expect_eq(buf_typed_length(&fixed), 0);
        cr_expect_eq(buf_typed_byte_offset(&fixed), 0);
        model_fill_pattern_bytes(ab);
        double value = 42;
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_typed_set(&fixed, 0, 1));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_typed_get(&fixed, 0, &value));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set(&tracking, 0, 1));
        cr_expect_eq(value, 42, "out value untouched");
        cr_expect_eq(buf_arraybuffer_resize(ab, 1), BUF_OK);
        cr_expect(buf_typed_is_out_of_bounds(&tracking), "offset 2 > length 1");
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_typed_set(&tracking, 0, 1));
        cr_expect_eq(buf_arraybuffer_resize(ab, 8), BUF_OK); /* back in bounds, zero-filled */
        cr_expect_eq(buf_typed_get(&fixed, 1, &value), BUF_OK);
        cr_expect_eq(value, 0.0);
        buf_typed_release(&tracking);
        buf_typed_release(&fixed);
        buf_arraybuffer_release(ab);
    }
}

/* ==== Elements =========================================================================== */

Test(model_typed, element_conversion_of_every_number_kind)
{
    const struct { buf_kind_t kind; double in, out; } cases[] = {
        {BUF_KIND_INT8, 128, -128}, {BUF_KIND_INT8, -129, 127}, {BUF_KIND_INT8, NAN, 0}, {BUF_KIND_INT8, 1.9, 1},
        {BUF_KIND_UINT8, 256, 0}, {BUF_KIND_UINT8, -1, 255}, {BUF_KIND_UINT8, INFINITY, 0}, {BUF_KIND_UINT8, 1e20, 0},
        {BUF_KIND_UINT8_CLAMPED, 2.5, 2}, {BUF_KIND_UINT8_CLAMPED, 3.5, 4}, {BUF_KIND_UINT8_CLAMPED, 1e40, 255},
        {BUF_KIND_INT16, 32768, -32768}, {BUF_KIND_UINT16, 65537, 1}, {BUF_KIND_INT32, 4294967295.0, -1},
        {BUF_KIND_UINT32, -1, 4294967295.0}, {BUF_KIND_UINT32, -1e20, 2632974336.0},
        {BUF_KIND_FLOAT32, 16777217, 16777216}, {BUF_KIND_FLOAT32, 1e40, INFINITY}, {BUF_KIND_FLOAT32, 0.1, (double)0.1f},
        {BUF_KIND_FLOAT64, 0.1, 0.1}, {BUF_KIND_FLOAT64, -INFINITY, -INFINITY},
    };
    FOR_EACH_BACKEND(spec, backend) {
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            buf_typed_t view;
            buf_status_t status;
            ALLOC_RETRY(spec, status, buf_typed_new(backend, cases[c].kind, 2, &view));
            double out = -7;
            cr_expect_eq(buf_typed_set(&view, 1, cases[c].in), BUF_OK);
            cr_expect_eq(buf_typed_get(&view, 1, &out), BUF_OK);
            cr_expect_eq(out, cases[c].out, "%s = %g -> %g (expected %g)", buf_kind_name(cases[c].kind), cases[c].in, out,
                         cases[c].out);
            buf_typed_release(&view);
        }
    }
}

Test(model_typed, index_and_type_errors_write_nothing)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_fixed(spec, backend, 32);
        model_fill_pattern_bytes(ab);
        buf_typed_t floats, bigs;
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_FLOAT32, ab, 8, 2, &floats), BUF_OK);
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_BIGINT64, ab, 16, BUF_OMITTED, &bigs), BUF_OK);
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set(&floats, 2, 1.0));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set(&floats, -1, 1.0));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set(&floats, INT64_MIN, 1.0));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_set(&bigs, 0, 1.0));        /* Number into BigInt64Array */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_set(&bigs, 99, 1.0));       /* conversion fails first */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_set_bigint(&floats, 0, 1)); /* BigInt into Float32Array */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_bigint(&bigs, 2, 1));
        double d;
        int64_t b;
        uint64_t ub;
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_get(&bigs, 0, &d));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_get_bigint(&floats, 0, &b));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_get_biguint(&bigs, 0, &ub)); /* BigInt64, not BigUint64 */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_typed_get(&floats, 0, NULL));
        buf_typed_release(&floats);
        buf_typed_release(&bigs);
        buf_arraybuffer_release(ab);
    }
}

Test(model_typed, bigint_kinds_wrap_modulo_2_to_64)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_fixed(spec, backend, 16);
        buf_typed_t signed_view, unsigned_view;
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_BIGINT64, ab, 0, BUF_OMITTED, &signed_view), BUF_OK);
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_BIGUINT64, ab, 0, BUF_OMITTED, &unsigned_view), BUF_OK);
        int64_t s = 0;
        uint64_t u = 0;
        cr_expect_eq(buf_typed_set_biguint(&signed_view, 0, 0x8000000000000000u), BUF_OK); /* 2^63 -> -2^63 */
        cr_expect_eq(buf_typed_get_bigint(&signed_view, 0, &s), BUF_OK);
        cr_expect_eq(s, INT64_MIN);
        cr_expect_eq(buf_typed_set_bigint(&unsigned_view, 1, -1), BUF_OK); /* -1 -> 2^64 - 1 */
        cr_expect_eq(buf_typed_get_biguint(&unsigned_view, 1, &u), BUF_OK);
        cr_expect_eq(u, UINT64_MAX);
        cr_expect_eq(buf_typed_set_bigint(&signed_view, 1, INT64_MIN), BUF_OK);
        cr_expect_eq(buf_typed_get_biguint(&unsigned_view, 1, &u), BUF_OK);
        cr_expect_eq(u, 0x8000000000000000u);
        buf_typed_release(&signed_view);
        buf_typed_release(&unsigned_view);
        buf_arraybuffer_release(ab);
    }
}

/* ==== subarray =========================================================================== */

Test(model_typed, subarray_clamps_relative_indices_and_shares_memory)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_typed_t source;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_typed_new(backend, BUF_KIND_INT16, 10, &source));
        for (int i = 0; i < 10; i++)
            buf_typed_set(&source, i, i);
        const struct { int64_t begin, end, first, length; } cases[] = {
            {-3, BUF_OMITTED, 7, 3}, {2, -2, 2, 6}, {-100, 3, 0, 3}, {5, 2, 5, 0}, {8, 100, 8, 2},
            {BUF_OMITTED, BUF_OMITTED, 0, 10}, {-INT64_MAX, INT64_MAX, 0, 10},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            buf_typed_t sub;
            cr_assert_eq(buf_typed_subarray(&source, cases[c].begin, cases[c].end, &sub), BUF_OK);
            cr_expect_eq(buf_typed_length(&sub), cases[c].length, "case %zu", c);
            cr_expect_eq(buf_typed_byte_offset(&sub), cases[c].first * 2);
            double first = -1;
            if (cases[c].length > 0) {
                cr_expect_eq(buf_typed_get(&sub, 0, &first), BUF_OK);
                cr_expect_eq(first, cases[c].first);
            }
            buf_typed_release(&sub);
        }
        buf_typed_t sub;
        cr_assert_eq(buf_typed_subarray(&source, 4, 6, &sub), BUF_OK);
        cr_expect_eq(buf_typed_set(&sub, 0, -5), BUF_OK);
        double seen = 0;
        cr_expect_eq(buf_typed_get(&source, 4, &seen), BUF_OK);
        cr_expect_eq(seen, -5, "subarray shares memory");
        buf_typed_release(&source); /* sub keeps the buffer alive */
        cr_expect_eq(buf_typed_get(&sub, 1, &seen), BUF_OK);
        cr_expect_eq(seen, 5);
        buf_typed_release(&sub);
    }
}

Test(model_typed, subarray_of_a_length_tracking_view_tracks_and_checks_current_length)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_resizable(spec, backend, 8, 32);
        buf_typed_t tracking, sub, fixed_sub;
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT8, ab, 2, BUF_OMITTED, &tracking), BUF_OK);
        cr_assert_eq(buf_typed_subarray(&tracking, 1, BUF_OMITTED, &sub), BUF_OK);
        cr_expect(sub.length_tracking);
        cr_assert_eq(buf_typed_subarray(&tracking, 1, 3, &fixed_sub), BUF_OK);
        cr_expect(!fixed_sub.length_tracking);
        buf_arraybuffer_resize(ab, 20);
        cr_expect_eq(buf_typed_length(&sub), 17);
        cr_expect_eq(buf_typed_length(&fixed_sub), 2);
        buf_typed_release(&sub);
        buf_typed_release(&fixed_sub);
        /* Out of bounds: the relative range is empty, but its offset must still fit. */
        buf_arraybuffer_resize(ab, 1);
        buf_typed_t untouched = {0};
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_subarray(&tracking, 0, 1, &untouched));
        cr_expect_null(untouched.buffer);
        buf_typed_release(&tracking);
        buf_arraybuffer_release(ab);
    }
}

/* ==== set ================================================================================ */

Test(model_typed, set_converts_between_kinds_and_is_overlap_safe)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_fixed(spec, backend, 16);
        buf_typed_t bytes, words;
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT8, ab, 0, BUF_OMITTED, &bytes), BUF_OK);
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_INT16, ab, 0, 4, &words), BUF_OK);
        for (int i = 0; i < 16; i++)
            buf_typed_set(&bytes, i, i + 1);
        /* Int16 over bytes 0..7 <- the Uint8 values 1..4 of the same memory, as numbers:
         * the source is cloned first, so the writes never feed back into the reads. */
        buf_typed_t source;
        cr_assert_eq(buf_typed_subarray(&bytes, 0, 4, &source), BUF_OK);
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_typed_set_from(&words, &source, 0));
        cr_expect_eq(status, BUF_OK);
        for (int i = 0; i < 4; i++) {
            double v = 0;
            buf_typed_get(&words, i, &v);
            cr_expect_eq(v, i + 1, "word %d", i);
        }
        /* Same kind, overlapping: memmove semantics. */
        buf_typed_t tail;
        cr_assert_eq(buf_typed_subarray(&bytes, 8, 16, &tail), BUF_OK);
        cr_expect_eq(buf_typed_set_from(&bytes, &tail, 8), BUF_OK); /* onto itself: a no-op */
        buf_typed_t head;
        cr_assert_eq(buf_typed_subarray(&bytes, 8, 12, &head), BUF_OK);
        cr_expect_eq(buf_typed_set_from(&bytes, &head, 10), BUF_OK);
        double v = 0;
        buf_typed_get(&bytes, 10, &v);
        cr_expect_eq(v, 9);
        buf_typed_get(&bytes, 13, &v);
        cr_expect_eq(v, 12);
        buf_typed_release(&source);
        buf_typed_release(&tail);
        buf_typed_release(&head);
        buf_typed_release(&bytes);
        buf_typed_release(&words);
        buf_arraybuffer_release(ab);
    }
}

Test(model_typed, set_errors_follow_v8_order_and_write_nothing)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = new_resizable(spec, backend, 32, 32);
        model_fill_pattern_bytes(ab);
        buf_typed_t small, large, bigs, fixed;
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT8, ab, 0, 4, &small), BUF_OK);
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT8, ab, 0, 8, &large), BUF_OK);
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_BIGINT64, ab, 8, 2, &bigs), BUF_OK);
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT8, ab, 24, 8, &fixed), BUF_OK);
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_from(&small, &large, 0));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_from(&large, &small, -1));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_from(&large, &small, 5));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_set_from(&large, &bigs, 0));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_from(&small, &bigs, 3)); /* range before type */
        const double values[3] = {1, 2, 3};
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_array(&small, values, 3, 2));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_set_array(&bigs, values, 2, 0));
        buf_arraybuffer_resize(ab, 20); /* `fixed` is now out of bounds */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_typed_set_from(&fixed, &small, 0));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_typed_set_from(&large, &fixed, 0));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_typed_set_array(&fixed, values, 1, 0));
        cr_expect_eq(buf_typed_set_array(&large, values, 3, 5), BUF_OK);
        double v = 0;
        buf_typed_get(&large, 7, &v);
        cr_expect_eq(v, 3);
        buf_typed_release(&small);
        buf_typed_release(&large);
        buf_typed_release(&bigs);
        buf_typed_release(&fixed);
        buf_arraybuffer_release(ab);
    }
}

Test(model_typed, converting_set_over_a_failing_backend_is_enomem_and_untouched)
{
    buf_backend_t *good = test_open_backend("malloc");
    buf_backend_t *failing = model_open_failing_backend();
    buf_arraybuffer_t *ab = NULL;
    /* The buffer comes from a good backend; the clone for the overlap must come from the
     * buffer's own backend, so use one whose later allocations fail. */
    cr_assert_eq(buf_arraybuffer_alloc(good, 16, &ab), BUF_OK);
    buf_arraybuffer_release(ab);
    test_close_backend_clean(good);
    buf_backend_t *flaky = test_open_backend("fail(3,0.5):malloc");
    int enomem_seen = 0;
    for (int attempt = 0; attempt < 50; attempt++) {
        if (buf_arraybuffer_alloc(flaky, 16, &ab) != BUF_OK)
            continue;
        model_fill_pattern_bytes(ab);
        buf_typed_t bytes, words;
        buf_typed_from_buffer(BUF_KIND_UINT8, ab, 0, 4, &bytes);
        buf_typed_from_buffer(BUF_KIND_INT16, ab, 0, 4, &words);
        size_t length;
        uint8_t *snap = model_snapshot(ab, &length);
        buf_status_t status = buf_typed_set_from(&words, &bytes, 0);
        if (status == BUF_ENOMEM) {
            enomem_seen++;
            model_expect_unchanged(ab, snap, length, "set_from ENOMEM");
        } else {
            cr_expect_eq(status, BUF_OK);
            free(snap);
        }
        buf_typed_release(&bytes);
        buf_typed_release(&words);
        buf_arraybuffer_release(ab);
    }
    cr_expect_gt(enomem_seen, 0, "the clone allocation failed at least once");
    test_close_backend_clean(flaky);
    test_close_backend_clean(failing);
}

Test(model_typed, clone_adds_an_owner)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_typed_t view, second;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_typed_new(backend, BUF_KIND_FLOAT64, 2, &view));
        buf_typed_clone(&view, &second);
        cr_expect_eq(buf_arraybuffer_refcount(view.buffer), 2);
        buf_typed_release(&view);
        cr_expect_eq(buf_typed_set(&second, 1, 0.25), BUF_OK, "the clone still owns the memory");
        double out = 0;
        cr_expect_eq(buf_typed_get(&second, 1, &out), BUF_OK);
        cr_expect_eq(out, 0.25);
        buf_typed_release(&second);
        cr_expect_eq(buf_typed_get(&second, 0, &out), BUF_EINVAL, "a released view is not a view");
    }
}
