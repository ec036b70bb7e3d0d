/* test_model_arraybuffer.c — ArrayBuffer over every backend spec: zeroed and unsafe
 * allocation, resizable buffers (reservation, zero-filled growth, errors), slice, the
 * reference count (views keep the store alive, the last release frees it), and
 * allocation failure leaving nothing behind; the header apart from the data (the backend
 * holds exactly the data; a header recycled through the thread's cache carries nothing
 * of its last ArrayBuffer; in ASan builds a released header is poisoned). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define TEST_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_HAVE_ASAN 1
#endif
#endif
#ifdef TEST_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#endif

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

/* ==== The header apart from the data ======================================================== */

static uint64_t live_bytes(buf_backend_t *backend)
{
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    return stats.bytes_live;
}

/* The backend is asked for the data alone, as Node's allocator is: a 1 KiB chunk is a
 * 1,024-byte block (with the header in front it was 1,072, past glibc's small-block
 * cache), a resizable buffer its max_byte_length, an empty one 0. */
Test(model_arraybuffer, the_backend_holds_exactly_the_data)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *fixed = NULL, *unsafe = NULL, *resizable = NULL, *empty = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, 1024, &fixed));
        cr_expect_eq(live_bytes(backend), 1024, "%s: alloc(1024)", spec);
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_unsafe(backend, 4096, &unsafe));
        cr_expect_eq(live_bytes(backend), 1024 + 4096, "%s: allocUnsafe(4096)", spec);
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, 8, 100, &resizable));
        cr_expect_eq(live_bytes(backend), 1024 + 4096 + 100, "%s: resizable(8, max 100)", spec);
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, 0, &empty));
        cr_expect_eq(live_bytes(backend), 1024 + 4096 + 100, "%s: alloc(0)", spec);
        buf_arraybuffer_release(fixed);
        buf_arraybuffer_release(unsafe);
        buf_arraybuffer_release(resizable);
        buf_arraybuffer_release(empty);
        cr_expect_eq(live_bytes(backend), 0, "%s: every data block went back", spec);
    }
}

/* Data of 4 KiB and more starts on 64 bytes on every backend (never in the window 1 to 31
 * bytes past a page where a copy into it is slow), whichever way the ArrayBuffer is made
 * and wherever the allocator's earlier blocks leave the next one: small buffers held in
 * between move malloc's blocks by 16 bytes at a time.  pool:65536 slices requests up to
 * 32 KiB from its chunks; the rest give blocks of that size on 64 by themselves.  Every
 * byte is written (ASan sees a block too short) and every block goes back (the close
 * checks the counts). */
static void expect_wide_data_aligned(const char *spec, buf_backend_t *backend)
{
    static const size_t sizes[] = {4096, 4100, 6000, 16384 + 16, 65536, 65536 + 48, 300000, (size_t)2 << 20};
    enum { ROUNDS = 6, KINDS = 3 };
    buf_arraybuffer_t *held[ROUNDS][KINDS + 1] = {{NULL}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        const int64_t n = (int64_t)sizes[s];
        for (int round = 0; round < ROUNDS; round++) {
            buf_status_t status;
            ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, 16 * (round + 1), &held[round][KINDS]));
            cr_assert_eq(status, BUF_OK);
            ALLOC_RETRY(spec, status, buf_arraybuffer_alloc(backend, n, &held[round][0]));
            cr_assert_eq(status, BUF_OK);
            ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_unsafe(backend, n, &held[round][1]));
            cr_assert_eq(status, BUF_OK);
            ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, 1, n, &held[round][2]));
            cr_assert_eq(status, BUF_OK);
            for (int kind = 0; kind < KINDS; kind++) {
                uint8_t *data = buf_arraybuffer_data(held[round][kind]);
                cr_expect_eq((uintptr_t)data % 64, 0, "%s: %zu bytes (kind %d, round %d) at %p", spec, sizes[s], kind,
                             round, (void *)data);
                memset(data, 0xa5, (size_t)n);
            }
            cr_expect_eq((uintptr_t)buf_arraybuffer_data(held[round][KINDS]) % 16, 0, "%s: a small buffer on 16", spec);
        }
        for (int round = 0; round < ROUNDS; round++)
            for (int kind = 0; kind <= KINDS; kind++)
                buf_arraybuffer_release(held[round][kind]);
    }
}

Test(model_arraybuffer, data_of_4k_and_more_starts_on_64_bytes)
{
    FOR_EACH_BACKEND(spec, backend) {
        expect_wide_data_aligned(spec, backend);
    }
    static const char *const more[] = {"pool:65536", "pool:4096", "fail(3,0.05):pool:65536"};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
        buf_backend_t *backend = test_open_backend(more[i]);
        expect_wide_data_aligned(more[i], backend);
        test_close_backend_clean(backend);
    }
}

/* The thread's header cache hands the header of a released ArrayBuffer to the next one
 * (LIFO): every field is the new buffer's, none the old one's. */
Test(model_arraybuffer, a_recycled_header_carries_nothing_over)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *old = NULL, *recycled = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, 8, 64, &old));
        buf_arraybuffer_retain(old);
        buf_arraybuffer_retain(old);
        cr_assert_eq(buf_arraybuffer_resize(old, 40), BUF_OK);
        for (int i = 0; i < 3; i++)
            buf_arraybuffer_release(old);
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_unsafe(backend, 16, &recycled));
        cr_expect(!buf_arraybuffer_is_resizable(recycled), "%s: the recycled header is a fixed buffer's", spec);
        cr_expect_eq(buf_arraybuffer_byte_length(recycled), 16, "%s", spec);
        cr_expect_eq(buf_arraybuffer_max_byte_length(recycled), 16, "%s", spec);
        cr_expect_eq(buf_arraybuffer_refcount(recycled), 1, "%s: one reference, not the old three", spec);
        cr_expect_eq(buf_arraybuffer_backend(recycled), backend, "%s", spec);
        cr_expect_eq(buf_arraybuffer_resize(recycled, 8), BUF_ETYPE, "%s: a fixed buffer does not resize", spec);
        memset(buf_arraybuffer_data(recycled), 0x5a, 16);
        cr_expect_eq(live_bytes(backend), 16, "%s: the old data went back, the new is 16 bytes", spec);
        buf_arraybuffer_release(recycled);
    }
}

/* Headers released on a thread that then exits (more than its cache keeps) go back to
 * malloc at its exit.  In ASan builds LeakSanitizer looks right after the join (a leak
 * found at the test process's exit would not fail the test). */
static void *churn_headers(void *argument)
{
    buf_backend_t *backend = argument;
    buf_arraybuffer_t *held[200];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 200; i++)
            if (buf_arraybuffer_alloc_unsafe(backend, 24, &held[i]) != BUF_OK)
                return (void *)1;
        for (int i = 0; i < 200; i++)
            buf_arraybuffer_release(held[i]);
    }
    return NULL;
}

Test(model_arraybuffer, a_thread_gives_its_cached_headers_back_when_it_exits)
{
    buf_backend_t *backend = test_open_backend("malloc");
    pthread_t thread;
    void *result = (void *)2;
    cr_assert_eq(pthread_create(&thread, NULL, churn_headers, backend), 0);
    cr_assert_eq(pthread_join(thread, &result), 0);
    cr_expect_null(result, "the thread's allocations succeeded");
    test_close_backend_clean(backend);
#ifdef TEST_HAVE_ASAN
    cr_expect_eq(__lsan_do_recoverable_leak_check(), 0, "the exited thread's cached headers leaked");
#endif
}

/* ASan builds poison a header while it waits in the cache, so a use of a released
 * ArrayBuffer is reported as a use after free would be. */
Test(model_arraybuffer, a_released_header_is_poisoned_under_asan)
{
#ifdef TEST_HAVE_ASAN
    buf_backend_t *backend = test_open_backend("malloc");
    buf_arraybuffer_t *ab = NULL;
    cr_assert_eq(buf_arraybuffer_alloc(backend, 8, &ab), BUF_OK);
    cr_expect(!__asan_address_is_poisoned(ab));
    buf_arraybuffer_release(ab);
    cr_expect(__asan_address_is_poisoned(ab), "the released header is poisoned");
    test_close_backend_clean(backend);
#else
    cr_skip_test("ASan builds only");
#endif
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
        cr_expect_eq(stats.bytes_live, 32, "%s: the data block (32 bytes, the header lives apart) outlives the caller's reference",
                     spec);
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
