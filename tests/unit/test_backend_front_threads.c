/* test_backend_front_threads.c — the slab and pool backends' fronts (thread caches) with a second thread.
 *
 * Only the owner thread touches the front's stacks (buf_backend.h, "The backend's front").
 * Properties:
 *   - once a second thread has used the instance, the owner's next general call gives
 *     every cached block back to slab and the front stays off: slab then hands out exactly
 *     those blocks again (none stranded, none lost), and the figures stay exact;
 *   - a block that went through the front may be freed on another thread, and a block
 *     another thread allocated may be cached by the owner and given back later: close
 *     reports nothing outstanding, and every figure is exact;
 *   - the owner words carry the inline path's kind in the thread pointer's two low bits
 *     (buf_backend.h, "The inlined fast path"): every thread's identity has them clear,
 *     and an instance first used on a new thread caches that thread's frees (its inline
 *     front opened there), while the thread that created it cannot take that path.
 * Pool (its front is its slab instance's and its slice classes'): the same hand-over for
 * slab's classes above pool_size / 2, and slices crossing threads both ways while the
 * owner's current chunk keeps being sliced.
 * The suite is named threads_* so that `make test` runs it under ThreadSanitizer too.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "backends/backend_testing.h"
#include "buf_backend.h"
#include "test_support.h"

/* A class whose stack moves one block per miss (4 blocks): a stack of 8 or more also holds
 * blocks carved ahead of the allocations, which these tests would then have to count. */
#define BLOCK_SIZE 4096
#define CACHED 3 /* below the 4 KiB class's capacity of 4 */

/* The calling thread allocates a block and frees the one it is handed (if any), both of
 * `size` bytes (0: BLOCK_SIZE). */
typedef struct {
    buf_backend_t *backend;
    void *to_free;
    void *allocated;
    size_t size;
} visit_t;

static void *visitor_main(void *arg)
{
    visit_t *visit = arg;
    size_t size = visit->size ? visit->size : BLOCK_SIZE;
    visit->allocated = buf_backend_alloc(visit->backend, size, 0, NULL);
    if (visit->to_free)
        buf_backend_free(visit->backend, visit->to_free, size, 0);
    return NULL;
}

static void run_visitor(visit_t *visit)
{
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, visitor_main, visit), 0);
    cr_assert_eq(pthread_join(thread, NULL), 0);
    cr_assert_not_null(visit->allocated);
}

static void expect_counts(buf_backend_t *backend, uint64_t live, uint64_t allocs, uint64_t frees, const char *when)
{
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_assert_eq(stats.bytes_live, live, "%s: bytes_live %llu, expected %llu", when,
                 (unsigned long long)stats.bytes_live, (unsigned long long)live);
    cr_assert_eq(stats.allocs, allocs, "%s: allocs %llu, expected %llu", when, (unsigned long long)stats.allocs,
                 (unsigned long long)allocs);
    cr_assert_eq(stats.frees, frees, "%s: frees %llu, expected %llu", when, (unsigned long long)stats.frees,
                 (unsigned long long)frees);
}

static buf_backend_t *open_with_front(const char *spec)
{
    buf_backend_t *backend = test_open_backend(spec);
    if (!backend_front_is_on(backend)) {
        buf_backend_close(backend);
        cr_skip_test("blocks are annotated in this build: no front");
    }
    return backend;
}

static buf_backend_t *open_slab_with_front(void) { return open_with_front("slab"); }

/* After the front went off: the owner's allocations of `size` get the given-back blocks
 * in their order (`first` already allocated), into again[0 .. count). */
static void expect_given_back_in_order(buf_backend_t *backend, void *first, void *const *blocks, int count,
                                       size_t size, void **again)
{
    again[0] = first;
    for (int i = 1; i < count; i++)
        again[i] = buf_backend_alloc(backend, size, 0, NULL);
    for (int i = 0; i < count; i++)
        cr_assert_eq(again[i], blocks[i], "block %d: %p, expected the given-back %p", i, again[i], blocks[i]);
}

/* Off for good: the owner's frees reach the backend, none is cached. */
static void free_uncached(buf_backend_t *backend, void *const *blocks, int count, size_t size)
{
    for (int i = 0; i < count; i++)
        buf_backend_free(backend, blocks[i], size, 0);
    cr_assert_eq(backend_front_held(backend, size), 0, "a free after the front is off is not cached");
}

Test(threads_backend_front, a_second_thread_turns_it_off_and_slab_gets_every_block_back)
{
    buf_backend_t *backend = open_slab_with_front();
    void *blocks[CACHED];
    for (int i = 0; i < CACHED; i++)
        blocks[i] = buf_backend_alloc(backend, BLOCK_SIZE, 0, NULL);
    for (int i = 0; i < CACHED; i++)
        buf_backend_free(backend, blocks[i], BLOCK_SIZE, 0);
    cr_assert_eq(backend_front_held(backend, BLOCK_SIZE), CACHED);
    expect_counts(backend, 0, CACHED, CACHED, "cached");

    /* A second thread allocates (its own heap): the owner's allocations leave the inline
     * path; its next one gives the front back and turns it off. */
    visit_t visit = {backend, NULL, NULL, 0};
    run_visitor(&visit);
    expect_counts(backend, BLOCK_SIZE, CACHED + 1, CACHED, "after the visitor");
    void *first = buf_backend_alloc(backend, BLOCK_SIZE, 0, NULL);
    cr_assert(!backend_front_is_on(backend), "the owner's general call turns the front off");
    cr_assert_eq(backend_front_held(backend, BLOCK_SIZE), 0);
    /* Slab has the cached blocks on its free list, newest first: the given-back order is
     * the stack's, top first, so the first given back (blocks[CACHED - 1]) is the oldest. */
    void *again[CACHED];
    expect_given_back_in_order(backend, first, blocks, CACHED, BLOCK_SIZE, again);
    expect_counts(backend, (uint64_t)(CACHED + 1) * BLOCK_SIZE, 2 * CACHED + 1, CACHED, "allocated again");

    free_uncached(backend, again, CACHED, BLOCK_SIZE);
    buf_backend_free(backend, visit.allocated, BLOCK_SIZE, 0);
    expect_counts(backend, 0, 2 * CACHED + 1, 2 * CACHED + 1, "all freed");
    test_close_backend_clean(backend);
}

Test(threads_backend_front, cached_blocks_cross_threads_and_close_finds_none_outstanding)
{
    buf_backend_t *backend = open_slab_with_front();
    /* Through the front: freed (cached), allocated again (a hit), freed by another thread. */
    void *block = buf_backend_alloc(backend, BLOCK_SIZE, 0, NULL);
    buf_backend_free(backend, block, BLOCK_SIZE, 0);
    void *hit = buf_backend_alloc(backend, BLOCK_SIZE, 0, NULL);
    cr_assert_eq(hit, block, "the cached block comes back");
    memset(hit, 0x11, BLOCK_SIZE);
    visit_t visit = {backend, hit, NULL, 0};
    run_visitor(&visit);
    expect_counts(backend, BLOCK_SIZE, 3, 2, "after the cross-thread free");

    /* The visitor's block, freed by the owner: its frees are still inline (only the alloc
     * words close), so it goes onto the stack, whose next general call gives it back to
     * the visitor's heap (a remote free). */
    buf_backend_free(backend, visit.allocated, BLOCK_SIZE, 0);
    expect_counts(backend, 0, 3, 3, "the visitor's block freed by the owner");
    void *after = buf_backend_alloc(backend, BLOCK_SIZE, 0, NULL);
    cr_assert_not_null(after);
    cr_assert(!backend_front_is_on(backend));
    memset(after, 0x22, BLOCK_SIZE);
    buf_backend_free(backend, after, BLOCK_SIZE, 0);

    /* More blocks for the stacks of other classes, and a second visit, then close. */
    visit_t second = {backend, NULL, NULL, 0};
    run_visitor(&second);
    buf_backend_free(backend, second.allocated, BLOCK_SIZE, 0);
    expect_counts(backend, 0, 5, 5, "before close");
    test_close_backend_clean(backend);
}

/* The owner caches blocks of several classes, a second thread comes, and the owner
 * closes without another call: close gives everything back. */
Test(threads_backend_front, close_after_a_second_thread_gives_the_stacks_back)
{
    static const size_t sizes[] = {16, 256, 4096, 65536};
    buf_backend_t *backend = open_slab_with_front();
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        void *block = buf_backend_alloc(backend, sizes[i], 0, NULL);
        buf_backend_free(backend, block, sizes[i], 0);
        cr_assert_eq(backend_front_held(backend, sizes[i]), 1);
    }
    visit_t visit = {backend, NULL, NULL, 0};
    run_visitor(&visit);
    buf_backend_free(backend, visit.allocated, BLOCK_SIZE, 0);
    test_close_backend_clean(backend);
}

/* A thread that uses an instance first: its identity leaves the kind bits clear, and its
 * inline free reaches the front (the block is cached); the creating thread's later free
 * is not the owner's and goes to slab (nothing more is cached). */
typedef struct {
    buf_backend_t *backend;
    uintptr_t identity;
    size_t held_after_free;
    void *kept; /* a second block, left for the creating thread to free */
} first_user_t;

static void *first_user_main(void *arg)
{
    first_user_t *user = arg;
    user->identity = buf_backend_thread_identity();
    void *block = buf_backend_alloc(user->backend, BLOCK_SIZE, 0, NULL);
    user->kept = buf_backend_alloc(user->backend, BLOCK_SIZE, 0, NULL);
    if (block)
        buf_backend_free(user->backend, block, BLOCK_SIZE, 0);
    user->held_after_free = backend_front_held(user->backend, BLOCK_SIZE);
    return NULL;
}

Test(threads_backend_front, the_owner_words_kind_bits_are_clear_in_every_threads_identity)
{
    cr_assert_eq(buf_backend_thread_identity() & BUF_BACKEND_PATH_MASK, 0,
                 "this thread's identity %#jx has the kind bits set", (uintmax_t)buf_backend_thread_identity());
    buf_backend_t *backend = open_slab_with_front();
    first_user_t user = {.backend = backend};
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, first_user_main, &user), 0);
    cr_assert_eq(pthread_join(thread, NULL), 0);
    cr_assert_eq(user.identity & BUF_BACKEND_PATH_MASK, 0, "a new thread's identity %#jx has the kind bits set",
                 (uintmax_t)user.identity);
    cr_assert_not_null(user.kept);
    cr_assert_eq(user.held_after_free, 1, "the first user's free is cached by its inline front (held %zu)",
                 user.held_after_free);
    /* This thread is not the owner: its free goes to slab, the stack keeps its one block. */
    buf_backend_free(backend, user.kept, BLOCK_SIZE, 0);
    cr_assert_eq(backend_front_held(backend, BLOCK_SIZE), 1, "a non-owner's free never touches the stacks");
    expect_counts(backend, 0, 2, 2, "after both frees");
    test_close_backend_clean(backend);
}

/* ---- Pool ------------------------------------------------------------------------------- */
#define POOL_SLAB_SIZE 2304 /* pool:4096: slab's 2304-byte class, a stack of 7 */
#define POOL_CACHED 7
#define POOL_SLICE 64

Test(threads_backend_front, pool_a_second_thread_turns_it_off_and_slab_gets_every_block_back)
{
    buf_backend_t *backend = open_with_front("pool:4096");
    cr_assert_eq(backend_front_capacity(backend, POOL_SLAB_SIZE), POOL_CACHED);
    void *blocks[POOL_CACHED];
    for (int i = 0; i < POOL_CACHED; i++)
        blocks[i] = buf_backend_alloc(backend, POOL_SLAB_SIZE, 0, NULL);
    for (int i = 0; i < POOL_CACHED; i++)
        buf_backend_free(backend, blocks[i], POOL_SLAB_SIZE, 0);
    cr_assert_eq(backend_front_held(backend, POOL_SLAB_SIZE), POOL_CACHED);
    /* A slice of the owner's current chunk, which the visitor frees (a remote free of a
     * current chunk's slice), while it slices its own chunk. */
    void *slice = buf_backend_alloc(backend, POOL_SLICE, 0, NULL);
    memset(slice, 0x44, POOL_SLICE);
    visit_t visit = {backend, slice, NULL, POOL_SLICE};
    run_visitor(&visit);
    expect_counts(backend, POOL_SLICE, POOL_CACHED + 2, POOL_CACHED + 1, "after the visitor");

    /* The owner's next allocation leaves the inline path: the front goes off and slab
     * gets the cached blocks back, oldest given back first (the stack's top first). */
    void *first = buf_backend_alloc(backend, POOL_SLAB_SIZE, 0, NULL);
    cr_assert(!backend_front_is_on(backend), "the owner's general call turns the front off");
    void *again[POOL_CACHED];
    expect_given_back_in_order(backend, first, blocks, POOL_CACHED, POOL_SLAB_SIZE, again);
    free_uncached(backend, again, POOL_CACHED, POOL_SLAB_SIZE);
    /* The visitor's slice, freed by the owner: a slice of another heap's current chunk. */
    buf_backend_free(backend, visit.allocated, POOL_SLICE, 0);
    expect_counts(backend, 0, 2 * POOL_CACHED + 2, 2 * POOL_CACHED + 2, "all freed");
    test_close_backend_clean(backend);
}

/* Slices cross threads both ways while the owner keeps slicing through the front (its
 * frees inline until its next general call): every figure exact, nothing outstanding. */
Test(threads_backend_front, pool_slices_cross_threads_and_close_finds_none_outstanding)
{
    buf_backend_t *backend = open_with_front("pool");
    enum { ROUNDS = 40 };
    uint64_t allocs = 0, frees = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* The owner's slice, freed by a visitor; the visitor's slice, freed by the owner
         * (the owner's frees stay inline: only the alloc words close). */
        void *slice = buf_backend_alloc(backend, POOL_SLICE, 0, NULL);
        cr_assert_not_null(slice);
        allocs++;
        visit_t visit = {backend, slice, NULL, POOL_SLICE};
        run_visitor(&visit);
        allocs++, frees++;
        buf_backend_free(backend, visit.allocated, POOL_SLICE, 0);
        frees++;
        expect_counts(backend, 0, allocs, frees, "a round");
    }
    test_close_backend_clean(backend);
}

/* The edge entry's stack (pool_size / 2 - 7 .. pool_size / 2) holds slab's blocks and slices
 * and serves any request of the entry with either (test_backend_front_pool.c): once a
 * second thread has used the instance, the frees of either kind, at either size, on either
 * thread, go through pool's general free, which tells them apart by the block's address. */
Test(threads_backend_front, pool_edge_blocks_of_either_kind_freed_on_either_thread)
{
    const size_t half = 4096, below = half - 3;
    buf_backend_t *backend = open_with_front("pool");
    void *block = buf_backend_alloc(backend, half, 0, NULL); /* slab's */
    buf_backend_free(backend, block, half, 0);
    void *block_as_slice = buf_backend_alloc(backend, below, 0, NULL);
    cr_assert_eq(block_as_slice, block, "a request of %zu takes slab's cached block", below);
    void *slice = buf_backend_alloc(backend, below, 0, NULL);
    buf_backend_free(backend, slice, below, 0);
    void *slice_as_half = buf_backend_alloc(backend, half, 0, NULL);
    cr_assert_eq(slice_as_half, slice, "pool_size / 2 takes the cached slice");
    memset(block_as_slice, 0x31, below);
    memset(slice_as_half, 0x32, half);
    /* The visitor allocates a slice of its own and frees slab's block with a slice's size. */
    visit_t visit = {backend, block_as_slice, NULL, below};
    run_visitor(&visit);
    void *small = buf_backend_alloc(backend, 16, 0, NULL);
    cr_assert(!backend_front_is_on(backend), "the owner's general call turns the front off");
    buf_backend_free(backend, slice_as_half, half, 0);
    buf_backend_free(backend, visit.allocated, below, 0);
    buf_backend_free(backend, small, 16, 0);
    expect_counts(backend, 0, 6, 6, "all freed");
    test_close_backend_clean(backend);
}
