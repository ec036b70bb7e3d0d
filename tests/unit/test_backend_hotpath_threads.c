/* test_backend_hotpath_threads.c — a reader racing the owner's new peaks sees sane figures.
 *
 * The owner keeps its live bytes as mark - room and, on a new peak, stores room 0 and then
 * releases the new mark (buf_backend.h, backend_stats.c).  A reader on another thread that
 * loads the mark (acquire) and then room must never see more than the owner's live bytes
 * could be: with the stores in the other order, or the loads, a reader could pair the new
 * mark with the old, negative room and see up to twice the true figure.  Here the owner
 * climbs to a new peak again and again (every round one block more than the last) while a
 * reader polls buf_backend_get_stats; every figure it sees must stay within what the owner
 * ever had live — at most one block per round it has reached — and the totals after the
 * join are exact.  The suite is named threads_* so
 * that `make test` runs it under ThreadSanitizer too (every access to the slot is atomic).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "buf_backend.h"
#include "test_support.h"

#define ROUNDS 300
#define BLOCK_SIZE 48

typedef struct {
    buf_backend_t *backend;
    atomic_bool done;
    atomic_int round; /* the owner's round, stored before its first allocation */
    uint64_t reads, worst_live, worst_peak;
    int64_t worst_excess; /* the most live bytes seen above round * BLOCK_SIZE */
} race_t;

static void *reader_main(void *arg)
{
    race_t *race = arg;
    while (!atomic_load(&race->done)) {
        buf_backend_stats_t stats;
        buf_backend_get_stats(race->backend, &stats);
        /* Read after the figures: the owner was in this round or later while they were
         * read, so at most round * BLOCK_SIZE bytes were live. */
        int64_t excess = (int64_t)stats.bytes_live - (int64_t)atomic_load(&race->round) * BLOCK_SIZE;
        race->worst_excess = excess > race->worst_excess ? excess : race->worst_excess;
        race->worst_live = stats.bytes_live > race->worst_live ? stats.bytes_live : race->worst_live;
        race->worst_peak = stats.bytes_peak > race->worst_peak ? stats.bytes_peak : race->worst_peak;
        race->reads++;
    }
    return NULL;
}

Test(threads_backend_hotpath, a_racing_reader_never_sees_more_than_was_live)
{
    for (size_t b = 0; b < buf_backend_count(); b++) {
        const char *spec = buf_backend_at(b)->props.name;
        race_t race = {.backend = test_open_backend(spec), .worst_excess = INT64_MIN};
        atomic_store(&race.round, 1);
        /* The owner's first use before the reader exists: the reader only reads. */
        void *first = buf_backend_alloc(race.backend, BLOCK_SIZE, 0, NULL);
        cr_assert_not_null(first);
        buf_backend_free(race.backend, first, BLOCK_SIZE, 0);
        pthread_t reader;
        cr_assert_eq(pthread_create(&reader, NULL, reader_main, &race), 0);
        static void *blocks[ROUNDS];
        for (int round = 1; round <= ROUNDS; round++) {
            atomic_store(&race.round, round);
            for (int i = 0; i < round; i++) {
                blocks[i] = buf_backend_alloc(race.backend, BLOCK_SIZE, 0, NULL);
                cr_assert_not_null(blocks[i], "%s", spec);
            }
            for (int i = 0; i < round; i++)
                buf_backend_free(race.backend, blocks[i], BLOCK_SIZE, 0);
        }
        atomic_store(&race.done, true);
        pthread_join(reader, NULL);
        const uint64_t most = (uint64_t)ROUNDS * BLOCK_SIZE;
        cr_expect(race.worst_excess <= 0, "%s: a reader saw %lld live bytes more than its round allowed", spec,
                  (long long)race.worst_excess);
        cr_expect(race.worst_live <= most, "%s: a reader saw %llu live bytes, at most %llu were", spec,
                      (unsigned long long)race.worst_live, (unsigned long long)most);
        cr_expect(race.worst_peak <= most, "%s: a reader saw a peak of %llu, at most %llu", spec,
                      (unsigned long long)race.worst_peak, (unsigned long long)most);
        buf_backend_stats_t stats;
        buf_backend_get_stats(race.backend, &stats);
        cr_expect_eq(stats.bytes_peak, most, "%s", spec);
        cr_expect_eq(stats.bytes_live, 0, "%s", spec);
        cr_expect_eq(stats.allocs, 1 + (uint64_t)ROUNDS * (ROUNDS + 1) / 2, "%s", spec);
        cr_expect_eq(stats.frees, stats.allocs, "%s", spec);
        test_close_backend_clean(race.backend);
    }
}
