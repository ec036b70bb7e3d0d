/* test_backend_pool_accounting.c — the pool's bytes_os counts the chunks it carved.
 *
 * Arenas of 64 chunks are reserved whole and committed a chunk at a time; bytes_os used
 * to count an arena whole from its first chunk, so one slice showed 512 KiB obtained
 * from the OS and alloc_mixed's overhead carried up to 504 KiB never carved.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "buf_backend.h"
#include "test_support.h"

/* One slice: the arena's header chunk and one chunk of 8 KiB, nothing more. */
Test(backend_pool, bytes_os_counts_the_chunks_carved_not_the_arena)
{
    buf_backend_t *backend = test_open_backend("pool");
    void *slice = buf_backend_alloc(backend, 100, 0, NULL);
    cr_assert_not_null(slice);
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_assert_leq(stats.bytes_os, 2 * 8192 + 8192, "one slice: bytes_os %llu", (unsigned long long)stats.bytes_os);
    cr_assert_geq(stats.bytes_os, 2 * 8192, "one slice: bytes_os %llu below its chunk and the header",
                  (unsigned long long)stats.bytes_os);
    buf_backend_free(backend, slice, 100, 0);
    test_close_backend_clean(backend);
}
