/* test_stream_copy.c — the memory readable's copy into a block (stream_copy,
 * impls/streams/stream_internal.h).
 *
 * A copy of 4 KiB or more whose destination sits 1 to 31 bytes past its source modulo 64
 * goes in 2 KiB pieces, where glibc's `rep movsb` is ~3x slower on this machine's EPYC.
 * What that must not change, and when it happens:
 *   - the pieces are the copy: every length around the piece size and the threshold, every
 *     offset of the destination against the source, the bytes on either side untouched;
 *   - only the offsets measured slow take the pieces (1..31 ahead), and only from the
 *     threshold up, so every other copy is one memcpy as before;
 *   - a memory readable over a source at each offset mod 64 hands out its bytes exactly,
 *     on a backend with 64-byte-aligned blocks (slab), so every offset is exercised.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf_stream.h"
#include "streams/stream_testing.h"
#include "test_support.h"

Test(stream_copy, only_destinations_1_to_31_bytes_ahead_from_4_KiB_take_the_pieces)
{
    static uint8_t area[256] __attribute__((aligned(64)));
    for (size_t ahead = 0; ahead < 64; ahead++) {
        const uint8_t *src = area + 64, *dst = area + 64 + ahead;
        const bool slow = ahead >= 1 && ahead <= 31;
        cr_expect_eq(stream_copy_would_crawl(dst, src, 4096), slow, "%zu bytes ahead, 4 KiB", ahead);
        cr_expect_eq(stream_copy_would_crawl(dst, src, 65536), slow, "%zu bytes ahead, 64 KiB", ahead);
        cr_expect_not(stream_copy_would_crawl(dst, src, 4095), "%zu bytes ahead, below the threshold", ahead);
        /* the destination below the source: the same offset modulo 64 */
        cr_expect_eq(stream_copy_would_crawl(area + ahead, area + 64, 4096), slow, "%zu ahead, dst below src",
                     ahead);
    }
}

Test(stream_copy, copies_every_length_at_every_offset)
{
    static const size_t lengths[] = {1, 2047, 2048, 2049, 4095, 4096, 4097, 6144, 6145, 65536 + 17};
    enum { GUARD = 64 };
    const size_t most = 65536 + 17;
    const size_t target_size = (most + 2 * GUARD + 128 + 63) / 64 * 64; /* aligned_alloc: a multiple of 64 */
    uint8_t *source = test_random_bytes(most + 128, 11);
    uint8_t *target = aligned_alloc(64, target_size);
    cr_assert(target != NULL);
    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++)
        for (size_t ahead = 0; ahead < 64; ahead++) {
            const size_t length = lengths[l];
            const uint8_t *src = source + 64; /* source + 64 is 16-aligned at least */
            uint8_t *dst = target + GUARD + (((uintptr_t)src + ahead - (uintptr_t)(target + GUARD)) & 63);
            cr_assert_eq(((uintptr_t)dst - (uintptr_t)src) & 63, ahead);
            memset(target, 0xa5, target_size);
            stream_copy(dst, src, length);
            cr_assert(memcmp(dst, src, length) == 0, "length %zu, %zu ahead: the bytes", length, ahead);
            for (const uint8_t *p = target; p < dst; p++)
                cr_assert_eq(*p, 0xa5, "length %zu, %zu ahead: a byte before the copy", length, ahead);
            for (const uint8_t *p = dst + length; p < target + target_size; p++)
                cr_assert_eq(*p, 0xa5, "length %zu, %zu ahead: a byte after the copy", length, ahead);
        }
    free(target);
    free(source);
}

Test(stream_copy, a_memory_readable_at_every_source_offset_hands_out_its_bytes)
{
    buf_backend_t *backend = test_open_backend("slab");
    const size_t chunk = 4096, length = 5 * chunk + 100;
    uint8_t *data = test_random_bytes(length + 64, 12);
    for (size_t offset = 0; offset < 64; offset++) {
        for (int reuse = 0; reuse < 2; reuse++) {
            const buf_readable_options_t options = {.high_water_mark = chunk};
            buf_readable_t *readable = NULL;
            cr_assert_eq(buf_readable_from_memory(backend, data + offset, length, &options, &readable), BUF_OK);
            cr_assert_eq(buf_readable_set_block_reuse(readable, reuse), BUF_OK);
            buf_buffer_t got;
            size_t at = 0;
            while (buf_readable_read(readable, &got) == BUF_OK) {
                const size_t got_length = (size_t)buf_buffer_length(&got);
                cr_assert(memcmp(buf_buffer_data(&got), data + offset + at, got_length) == 0,
                          "source offset %zu, reuse %d: the bytes at %zu", offset, reuse, at);
                at += got_length;
                buf_buffer_release(&got);
            }
            cr_expect_eq(at, length, "source offset %zu, reuse %d", offset, reuse);
            buf_readable_destroy(readable);
        }
    }
    free(data);
    test_close_backend_clean(backend);
}
