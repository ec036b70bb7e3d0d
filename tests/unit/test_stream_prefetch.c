/* test_stream_prefetch.c — the lines a memory readable prefetches ahead of its copies
 * (stream_internal.h, stream_memory_prefetch_window).
 *
 * A prefetch changes no byte and never faults, so no chunk a test reads can show a wrong
 * window: the window itself is checked.  Walking a source as the readable copies it
 * (chunks of chunk_size, the last one shorter), each copy's window lies inside the source
 * and past the bytes copied so far, the windows follow each other without overlap or gap,
 * and together they are exactly [chunk + distance, source end) for chunks below the
 * no-prefetch size — every line requested once, before its own copy — and empty from that
 * size up.  The chunks delivered around those sizes are checked too (stream_readable's
 * tests cover the rest).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buf_stream.h"
#include "streams/stream_testing.h"
#include "test_support.h"

static const size_t chunk_sizes[] = {1,    63,   64,   1000, 1024, 4095, 4096, 4097, 8192,
                                     MEMORY_PREFETCH_MAX_CHUNK - 1, MEMORY_PREFETCH_MAX_CHUNK, 65536};

/* Source lengths around the distance and the chunk: shorter than one window, ending inside
 * one, and long. */
static size_t source_lengths_for(size_t chunk, size_t *lengths)
{
    size_t count = 0;
    lengths[count++] = 0;
    lengths[count++] = chunk;
    lengths[count++] = MEMORY_PREFETCH_DISTANCE;
    lengths[count++] = MEMORY_PREFETCH_DISTANCE + chunk;
    lengths[count++] = MEMORY_PREFETCH_DISTANCE + chunk + 1;
    lengths[count++] = MEMORY_PREFETCH_DISTANCE + 2 * chunk + 5;
    lengths[count++] = 20 * chunk + 3 * MEMORY_PREFETCH_DISTANCE + 17;
    return count;
}

Test(stream_prefetch, windows_cover_the_source_once_ahead_of_its_copies)
{
    for (size_t c = 0; c < sizeof chunk_sizes / sizeof chunk_sizes[0]; c++) {
        const size_t chunk = chunk_sizes[c];
        size_t lengths[8];
        const size_t length_count = source_lengths_for(chunk, lengths);
        for (size_t l = 0; l < length_count; l++) {
            const size_t source_length = lengths[l];
            const bool prefetches = chunk < MEMORY_PREFETCH_MAX_CHUNK;
            size_t covered_from = chunk + MEMORY_PREFETCH_DISTANCE, covered_to = covered_from;
            for (size_t start = 0; start < source_length; start += chunk) {
                const size_t length = source_length - start < chunk ? source_length - start : chunk;
                size_t first = 0;
                const size_t span = stream_memory_prefetch_window(source_length, start, length, &first);
                if (span == 0)
                    continue;
                cr_assert(prefetches, "chunk %zu prefetches", chunk);
                cr_assert_geq(first, start + length, "chunk %zu, source %zu: the window starts in the copy", chunk,
                              source_length);
                cr_assert_leq(first + span, source_length, "chunk %zu, source %zu: the window [%zu, +%zu) leaves the source",
                              chunk, source_length, first, span);
                cr_assert_eq(first, covered_to, "chunk %zu, source %zu: window at %zu after one ending at %zu", chunk,
                             source_length, first, covered_to);
                covered_to = first + span;
            }
            const size_t expected_to = prefetches && source_length > covered_from ? source_length : covered_from;
            cr_assert_eq(covered_to, expected_to, "chunk %zu, source %zu: windows end at %zu, not %zu", chunk,
                         source_length, covered_to, expected_to);
        }
    }
}

/* The chunks of a memory readable around those sizes: the bytes of the source, in order,
 * on the whole-block path (the default) and the general one (a read size). */
Test(stream_prefetch, memory_chunks_are_the_source_around_the_window_sizes)
{
    buf_backend_t *backend = test_open_backend("malloc");
    for (size_t c = 0; c < sizeof chunk_sizes / sizeof chunk_sizes[0]; c++) {
        const size_t chunk = chunk_sizes[c];
        size_t lengths[8];
        const size_t length_count = source_lengths_for(chunk, lengths);
        for (size_t l = 0; l < length_count; l++)
            for (int read_ahead = 0; read_ahead < 2; read_ahead++) {
                const size_t source_length = lengths[l];
                uint8_t *data = test_random_bytes(source_length, (uint32_t)(c * 16 + l));
                const buf_readable_options_t options = {.high_water_mark = chunk};
                buf_readable_t *readable = NULL;
                cr_assert_eq(buf_readable_from_memory(backend, data, source_length, &options, &readable), BUF_OK);
                if (read_ahead)
                    cr_assert_eq(buf_readable_set_read_size(readable, 3 * chunk), BUF_OK);
                size_t offset = 0;
                buf_buffer_t piece;
                buf_status_t status;
                while ((status = buf_readable_read(readable, &piece)) == BUF_OK) {
                    const size_t got = (size_t)buf_buffer_length(&piece);
                    cr_assert(got >= 1 && got <= chunk && offset + got <= source_length);
                    cr_assert(memcmp(buf_buffer_data(&piece), data + offset, got) == 0,
                              "chunk %zu, source %zu: bytes at %zu differ", chunk, source_length, offset);
                    offset += got;
                    buf_buffer_release(&piece);
                }
                cr_assert_eq(status, BUF_EOF);
                cr_assert_eq(offset, source_length);
                buf_readable_destroy(readable);
                free(data);
            }
    }
    test_close_backend_clean(backend);
}
