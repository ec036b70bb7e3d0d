/* test_model_arraybuffer.c — ArrayBuffer over every backend spec: zeroed and unsafe
 * allocation, resizable buffers (reservation, zero-filled growth, errors), slice, the
 * reference count (views keep the store alive, the last release frees it), and
 * allocation failure leaving nothing behind. */
#include <criterion/criterion.h>
#include <string.h>

#include "buf_model.h"
#include "test_support.h"

#include "test_model_support.h"

/* ==== Allocation ========================================================================= */

Test(model_arraybuffer, alloc_is_zeroed_fixed_and_sized)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, 100, &ab));
        cr_assert_eq(status, BUF_OK);
        cr_expect_eq(buf_arraybuffer_byte_length(ab), 100);
        cr_expect_eq(buf_arraybuffer_max_byte_length(ab), 100);
        cr_expect(!buf_arraybuffer_is_resizable(ab));
        cr_expect_eq(buf_arraybuffer_backend(ab), backend);
        cr_expect_eq(buf_arraybuffer_refcount(ab), 1);
        cr_expect_eq((uintptr_t)buf_arraybuffer_data(ab) % 16, 0, "data 16-byte aligned");
        for (int i = 0; i < 100; i++)
            cr_expect_eq(buf_arraybuffer_data(ab)[i], 0);
        memset(buf_arraybuffer_data(ab), 0xab, 100); /* the whole length is writable */
        buf_arraybuffer_release(ab);
    }
}

Test(model_arraybuffer, alloc_unsafe_and_zero_length)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = NULL, *empty = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_unsafe(backend, 33, &ab));
        cr_assert_eq(status, BUF_OK);
        cr_expect_eq(buf_arraybuffer_byte_length(ab), 33);
        memset(buf_arraybuffer_data(ab), 1, 33);
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, 0, &empty));
        cr_assert_eq(status, BUF_OK);
        cr_expect_not_null(buf_arraybuffer_data(empty));
        cr_expect_eq(buf_arraybuffer_byte_length(empty), 0);
        buf_arraybuffer_release(ab);
        buf_arraybuffer_release(empty);
    }
}

Test(model_arraybuffer, bad_lengths_are_range_errors_and_leave_out_untouched)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *sentinel = (buf_arraybuffer_t *)(uintptr_t)0x1234, *out = sentinel;
        cr_expect_eq(buf_arraybuffer_alloc(backend, -1, &out), BUF_ERANGE);
        cr_expect_eq(buf_arraybuffer_alloc_unsafe(backend, BUF_MAX_BYTE_LENGTH + 1, &out), BUF_ERANGE);
        cr_expect_eq(buf_arraybuffer_alloc_resizable(backend, 8, 4, &out), BUF_ERANGE);
        cr_expect_eq(buf_arraybuffer_alloc_resizable(backend, -1, 4, &out), BUF_ERANGE);
        cr_expect_eq(buf_arraybuffer_alloc_resizable(backend, 0, BUF_MAX_BYTE_LENGTH + 1, &out), BUF_ERANGE);
        cr_expect_eq(buf_arraybuffer_alloc(NULL, 1, &out), BUF_EINVAL);
        cr_expect_eq(buf_arraybuffer_alloc(backend, 1, NULL), BUF_EINVAL);
        cr_expect_eq(out, sentinel);
    }
}

Test(model_arraybuffer, failed_allocation_is_enomem_and_leaks_nothing)
{
    buf_backend_t *backend = model_open_failing_backend();
    buf_arraybuffer_t *sentinel = (buf_arraybuffer_t *)(uintptr_t)0x1234, *out = sentinel;
    cr_expect_eq(buf_arraybuffer_alloc(backend, 64, &out), BUF_ENOMEM);
    cr_expect_eq(buf_arraybuffer_alloc_unsafe(backend, 64, &out), BUF_ENOMEM);
    cr_expect_eq(buf_arraybuffer_alloc_resizable(backend, 8, 64, &out), BUF_ENOMEM);
    cr_expect_eq(out, sentinel);
    test_close_backend_clean(backend);
}

/* ==== Resizable ========================================================================== */

Test(model_arraybuffer, resize_within_max_zero_fills_growth)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, 8, 64, &ab));
        cr_assert_eq(status, BUF_OK);
        cr_expect(buf_arraybuffer_is_resizable(ab));
        cr_expect_eq(buf_arraybuffer_max_byte_length(ab), 64);
        uint8_t *data = buf_arraybuffer_data(ab);
        memset(data, 0xee, 8);
        cr_expect_eq(buf_arraybuffer_resize(ab, 2), BUF_OK);
        cr_expect_eq(buf_arraybuffer_byte_length(ab), 2);
        cr_expect_eq(buf_arraybuffer_resize(ab, 64), BUF_OK);
        cr_expect_eq(buf_arraybuffer_data(ab), data, "resize never moves the data");
        for (int i = 0; i < 64; i++)
            cr_expect_eq(data[i], i < 2 ? 0xee : 0, "byte %d after shrink+grow", i);
        cr_expect_eq(buf_arraybuffer_resize(ab, 0), BUF_OK);
        buf_arraybuffer_release(ab);
    }
}

Test(model_arraybuffer, resize_errors_leave_length_and_memory_untouched)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *fixed = NULL, *resizable = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, 16, &fixed));
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, 16, 32, &resizable));
        model_fill_pattern_bytes(fixed);
        model_fill_pattern_bytes(resizable);
        EXPECT_FAILS_UNTOUCHED(fixed, BUF_ETYPE, buf_arraybuffer_resize(fixed, 8));
        EXPECT_FAILS_UNTOUCHED(resizable, BUF_ERANGE, buf_arraybuffer_resize(resizable, 33));
        EXPECT_FAILS_UNTOUCHED(resizable, BUF_ERANGE, buf_arraybuffer_resize(resizable, -1));
        EXPECT_FAILS_UNTOUCHED(resizable, BUF_ERANGE, buf_arraybuffer_resize(resizable, -INT64_MAX));
        cr_expect_eq(buf_arraybuffer_byte_length(fixed), 16);
        cr_expect_eq(buf_arraybuffer_byte_length(resizable), 16);
        cr_expect_eq(buf_arraybuffer_resize(NULL, 1), BUF_EINVAL);
        cr_expect_eq(buf_arraybuffer_resize(resizable, BUF_OMITTED), BUF_OK, "resize(): ToIndex(undefined) = 0");
        cr_expect_eq(buf_arraybuffer_byte_length(resizable), 0);
        buf_arraybuffer_release(fixed);
        buf_arraybuffer_release(resizable);
    }
}

/* ==== Slice and references =============================================================== */

Test(model_arraybuffer, slice_copies_a_clamped_relative_range)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = NULL, *copy = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, 10, 20, &ab));
        for (int i = 0; i < 10; i++)
            buf_arraybuffer_data(ab)[i] = (uint8_t)i;
        const struct { int64_t begin, end, first, length; } cases[] = {
            {2, 5, 2, 3}, {-3, BUF_OMITTED, 7, 3}, {-100, 3, 0, 3}, {5, 2, 5, 0}, {8, 100, 8, 2}, {BUF_OMITTED, BUF_OMITTED, 0, 10},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            ALLOC_RETRY(spec, status, buf_arraybuffer_slice(ab, cases[c].begin, cases[c].end, &copy));
            cr_assert_eq(status, BUF_OK);
            cr_expect(!buf_arraybuffer_is_resizable(copy), "slice of a resizable buffer is fixed");
            cr_expect_eq(buf_arraybuffer_byte_length(copy), cases[c].length);
            for (int64_t i = 0; i < cases[c].length; i++)
                cr_expect_eq(buf_arraybuffer_data(copy)[i], cases[c].first + i);
            if (cases[c].length > 0) {
                buf_arraybuffer_data(copy)[0] = 99; /* a copy: the original is unaffected */
                cr_expect_eq(buf_arraybuffer_data(ab)[cases[c].first], cases[c].first);
            }
            buf_arraybuffer_release(copy);
        }
        buf_arraybuffer_release(ab);
    }
}

Test(model_arraybuffer, views_keep_the_store_alive_and_the_last_release_frees_it)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, 32, &ab));
        buf_typed_t view;
        buf_dataview_t dv;
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT32, ab, 4, 2, &view), BUF_OK);
        cr_assert_eq(buf_dataview_new(ab, 0, BUF_OMITTED, &dv), BUF_OK);
        cr_expect_eq(buf_arraybuffer_refcount(ab), 3);
        buf_arraybuffer_release(ab); /* the views still hold it */
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        cr_expect_gt(stats.bytes_live, 32, "the block outlives the caller's reference");
        cr_expect_eq(buf_typed_set(&view, 1, 7), BUF_OK);
        int64_t length = 0;
        cr_expect_eq(buf_dataview_byte_length(&dv, &length), BUF_OK);
        cr_expect_eq(length, 32);
        buf_typed_release(&view);
        cr_expect_null(view.buffer, "release zeroes the view");
        buf_typed_release(&view); /* twice is a no-op */
        buf_dataview_release(&dv);
        buf_backend_get_stats(backend, &stats);
        cr_expect_eq(stats.bytes_live, 0, "%s: last release frees the block", spec);
        buf_arraybuffer_retain(NULL);
        buf_arraybuffer_release(NULL);
    }
}
