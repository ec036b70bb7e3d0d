/* test_backend_threads.c — cross-thread free and concurrent allocation, every backend.
 *
 * Producers allocate and fill blocks and hand them to consumers on OTHER threads, which
 * check the contents and free them — every free in the handoff test happens on a thread
 * that did not allocate the block.  Run under ThreadSanitizer by `make test` (suites
 * named threads_*), and in the plain and ASan builds like every test.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf_backend.h"
#include "test_support.h"

/* ---- A bounded handoff queue (the test's own lock, not the backend's) ---------------- */
#define QUEUE_CAPACITY 256
#define BLOCKS_PER_PRODUCER 3000

typedef struct {
    uint8_t *ptr;
    size_t size;
    pthread_t producer;
    uint8_t seed;
} handoff_t;

typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    handoff_t items[QUEUE_CAPACITY];
    size_t head, count;
    int producers_left;
    buf_backend_t *backend;
    _Atomic int bad_contents, same_thread_frees, alloc_failures;
} handoff_queue_t;

static void queue_push(handoff_queue_t *queue, handoff_t item)
{
    pthread_mutex_lock(&queue->lock);
    while (queue->count == QUEUE_CAPACITY)
        pthread_cond_wait(&queue->changed, &queue->lock);
    queue->items[(queue->head + queue->count++) % QUEUE_CAPACITY] = item;
    pthread_cond_broadcast(&queue->changed);
    pthread_mutex_unlock(&queue->lock);
}

/* Returns false when the queue is empty and every producer is done. */
static bool queue_pop(handoff_queue_t *queue, handoff_t *item)
{
    pthread_mutex_lock(&queue->lock);
    while (queue->count == 0 && queue->producers_left > 0)
        pthread_cond_wait(&queue->changed, &queue->lock);
    bool got = queue->count > 0;
    if (got) {
        *item = queue->items[queue->head];
        queue->head = (queue->head + 1) % QUEUE_CAPACITY;
        queue->count--;
        pthread_cond_broadcast(&queue->changed);
    }
    pthread_mutex_unlock(&queue->lock);
    return got;
}

static void *producer_main(void *arg)
{
    handoff_queue_t *queue = arg;
    for (int i = 0; i < BLOCKS_PER_PRODUCER; i++) {
        size_t size = (size_t)(i * 37 % 2000) + (i % 50 == 0 ? 20000 : 0);
        uint8_t *block = buf_backend_alloc(queue->backend, size, 0, NULL);
        if (!block) {
            queue->alloc_failures++;
            continue;
        }
        uint8_t seed = (uint8_t)i;
        memset(block, seed, size);
        /* Some blocks are also freed locally, mixing local and remote frees in one heap. */
        if (i % 7 == 0) {
            buf_backend_free(queue->backend, block, size, 0);
            continue;
        }
        queue_push(queue, (handoff_t){block, size, pthread_self(), seed});
    }
    pthread_mutex_lock(&queue->lock);
    queue->producers_left--;
    pthread_cond_broadcast(&queue->changed);
    pthread_mutex_unlock(&queue->lock);
    return NULL;
}

static void *consumer_main(void *arg)
{
    handoff_queue_t *queue = arg;
    handoff_t item;
    while (queue_pop(queue, &item)) {
        for (size_t i = 0; i < item.size; i++)
            if (item.ptr[i] != item.seed) {
                queue->bad_contents++;
                break;
            }
        if (pthread_equal(item.producer, pthread_self()))
            queue->same_thread_frees++;
        buf_backend_free(queue->backend, item.ptr, item.size, 0);
    }
    return NULL;
}

static void run_handoff(const char *spec)
{
    handoff_queue_t queue = {.producers_left = 2};
    pthread_mutex_init(&queue.lock, NULL);
    pthread_cond_init(&queue.changed, NULL);
    queue.backend = test_open_backend(spec);
    pthread_t threads[4];
    pthread_create(&threads[0], NULL, producer_main, &queue);
    pthread_create(&threads[1], NULL, producer_main, &queue);
    pthread_create(&threads[2], NULL, consumer_main, &queue);
    pthread_create(&threads[3], NULL, consumer_main, &queue);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    cr_assert_eq(queue.bad_contents, 0, "%s: a block's contents changed in transit", spec);
    cr_assert_eq(queue.same_thread_frees, 0, "%s: a block was freed by its own producer", spec);
    if (!test_spec_injects_failures(spec))
        cr_assert_eq(queue.alloc_failures, 0, "%s", spec);
    buf_backend_stats_t stats;
    buf_backend_get_stats(queue.backend, &stats);
    cr_assert_eq(stats.allocs, 2 * BLOCKS_PER_PRODUCER - (uint64_t)queue.alloc_failures, "%s", spec);
    test_close_backend_clean(queue.backend);
    pthread_mutex_destroy(&queue.lock);
    pthread_cond_destroy(&queue.changed);
}

Test(threads_backend, blocks_freed_on_another_thread)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++)
        run_handoff(test_backend_spec(s));
}

/* ---- Reuse after remote frees -------------------------------------------------------- */
typedef struct {
    buf_backend_t *backend;
    void **blocks;
    size_t count, size;
} batch_t;

static void *free_batch_main(void *arg)
{
    batch_t *batch = arg;
    for (size_t i = 0; i < batch->count; i++)
        buf_backend_free(batch->backend, batch->blocks[i], batch->size, 0);
    return NULL;
}

/* Rounds of "allocate `count` blocks of `size` here, free them on another thread": the
 * allocating thread must get that memory back, so memory from the OS stays flat after the
 * first round (within one 64 KiB unit).  With `fill`, every block is filled with its index
 * and checked, so a block handed out twice shows as an overlap. */
static void expect_remote_frees_reused(const char *spec, size_t size, void **blocks, size_t count, int rounds,
                                       bool fill)
{
    buf_backend_t *backend = test_open_backend(spec);
    uint64_t after_first = 0;
    for (int round = 0; round < rounds; round++) {
        for (size_t i = 0; i < count; i++) {
            cr_assert_not_null(blocks[i] = buf_backend_alloc(backend, size, 0, NULL));
            if (fill)
                memset(blocks[i], (int)i, size);
        }
        for (size_t i = 0; fill && i < count; i++)
            cr_assert_eq(((uint8_t *)blocks[i])[size - 1], (uint8_t)i, "%s: blocks overlap", spec);
        batch_t batch = {backend, blocks, count, size};
        pthread_t other;
        pthread_create(&other, NULL, free_batch_main, &batch);
        pthread_join(other, NULL);
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        if (round == 0)
            after_first = stats.bytes_os;
        else
            cr_assert_leq(stats.bytes_os, after_first + (64 << 10), "%s %zu round %d: %llu > %llu", spec, size,
                          round, (unsigned long long)stats.bytes_os, (unsigned long long)after_first);
    }
    test_close_backend_clean(backend);
}

/* Small blocks (96 B). */
Test(threads_backend, remote_frees_are_reused_by_the_owner)
{
    static void *blocks[4000];
    expect_remote_frees_reused("slab", 96, blocks, 4000, 6, false);
    expect_remote_frees_reused("pool", 96, blocks, 4000, 6, false);
}

/* Classes with free blocks out of band (512 B and up: 512 B and 4 KiB one-unit slabs), the
 * medium classes (8-64 KiB, slabs of several 64 KiB units) and runs (64 KiB - 1 MiB):
 * blocks of 512 B, 4 KiB, 20 KiB, 64 KiB and 200 KiB. */
Test(threads_backend, remote_frees_of_medium_classes_are_reused_by_the_owner)
{
    static const char *specs[] = {"slab", "pool"};
    static const size_t sizes[] = {512, 4 << 10, 20 << 10, 64 << 10, 200 << 10};
    static void *blocks[200];
    for (size_t s = 0; s < 2; s++)
        for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
            expect_remote_frees_reused(specs[s], sizes[z], blocks, 200, 4, true);
}

/* ---- Many threads allocating from one instance at once ------------------------------- */
typedef struct {
    buf_backend_t *backend;
    int thread_index;
    _Atomic int *errors;
} churn_arg_t;

static void *churn_main(void *arg)
{
    churn_arg_t *churn = arg;
    void *held[64] = {0};
    size_t sizes[64] = {0};
    for (int i = 0; i < 5000; i++) {
        int slot = (i * 13 + churn->thread_index) % 64;
        if (held[slot]) {
            if (((uint8_t *)held[slot])[0] != (uint8_t)(slot + churn->thread_index))
                (*churn->errors)++;
            buf_backend_free(churn->backend, held[slot], sizes[slot], 0);
            held[slot] = NULL;
        } else {
            sizes[slot] = 1 + (size_t)(i % 700);
            held[slot] = buf_backend_alloc(churn->backend, sizes[slot], 0, NULL);
            if (held[slot])
                memset(held[slot], slot + churn->thread_index, sizes[slot]);
        }
    }
    for (int slot = 0; slot < 64; slot++)
        if (held[slot])
            buf_backend_free(churn->backend, held[slot], sizes[slot], 0);
    return NULL;
}

Test(threads_backend, concurrent_allocation_from_one_instance)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        buf_backend_props_t props;
        buf_backend_get_props(backend, &props);
        cr_assert(props.concurrent_alloc, "%s", spec);
        _Atomic int errors = 0;
        pthread_t threads[3];
        churn_arg_t args[3];
        for (int t = 0; t < 3; t++) {
            args[t] = (churn_arg_t){backend, t, &errors};
            pthread_create(&threads[t], NULL, churn_main, &args[t]);
        }
        for (int t = 0; t < 3; t++)
            pthread_join(threads[t], NULL);
        cr_assert_eq(errors, 0, "%s: blocks overwritten by another thread", spec);
        test_close_backend_clean(backend);
    }
}

/* ---- Pool's chunk cache ------------------------------------------------------------------
 * A heap keeps up to 1 MiB of the free chunks it returned itself (128 of 8 KiB) and puts
 * the rest on the shared list, where another thread finds them: the owner slices 200
 * chunks and the first slice of one more, and frees every slice, so 200 chunks come back
 * (the current one stays its), 128 into its cache and 72 onto the list; a second thread
 * then slices exactly 72 chunks before the instance commits a new one. */
#define CACHE_TEST_CHUNKS 200
#define CACHE_TEST_CACHED 128 /* 1 MiB of 8 KiB chunks */
#define CACHE_TEST_SLICE 1024

typedef struct {
    buf_backend_t *backend;
    size_t chunks_before_growth;
    void *slices[4 * CACHE_TEST_CHUNKS * 8];
    size_t count;
} chunk_taker_t;

static uint64_t bytes_os_of(buf_backend_t *backend)
{
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    return stats.bytes_os;
}

static void *chunk_taker_main(void *arg)
{
    chunk_taker_t *taker = arg;
    const uint64_t start = bytes_os_of(taker->backend);
    uintptr_t last_chunk = 0;
    size_t chunks = 0;
    while (taker->count < sizeof taker->slices / sizeof taker->slices[0]) {
        void *slice = buf_backend_alloc(taker->backend, CACHE_TEST_SLICE, 0, NULL);
        if (!slice)
            break;
        taker->slices[taker->count++] = slice;
        if (bytes_os_of(taker->backend) != start)
            break; /* a new chunk was committed */
        uintptr_t chunk = (uintptr_t)slice & ~(uintptr_t)(8192 - 1);
        if (chunk != last_chunk)
            chunks++;
        last_chunk = chunk;
    }
    taker->chunks_before_growth = chunks;
    for (size_t i = 0; i < taker->count; i++)
        buf_backend_free(taker->backend, taker->slices[i], CACHE_TEST_SLICE, 0);
    return NULL;
}

Test(threads_backend, pool_chunks_past_a_heaps_cache_go_to_the_shared_list)
{
    buf_backend_t *backend = test_open_backend("pool:nocache"); /* no front: every free reaches the chunk */
    static void *slices[CACHE_TEST_CHUNKS * 8 * 2];
    size_t count = 0, chunks = 0;
    for (uintptr_t last_chunk = 0;;) {
        cr_assert_lt(count, sizeof slices / sizeof slices[0]);
        void *slice = buf_backend_alloc(backend, CACHE_TEST_SLICE, 0, NULL);
        cr_assert_not_null(slice);
        uintptr_t chunk = (uintptr_t)slice & ~(uintptr_t)(8192 - 1);
        if (chunk != last_chunk && ++chunks > CACHE_TEST_CHUNKS) {
            buf_backend_free(backend, slice, CACHE_TEST_SLICE, 0); /* the 201st chunk's first */
            break;
        }
        last_chunk = chunk;
        slices[count++] = slice;
    }
    for (size_t i = 0; i < count; i++)
        buf_backend_free(backend, slices[i], CACHE_TEST_SLICE, 0);
    static chunk_taker_t taker;
    taker = (chunk_taker_t){.backend = backend};
    pthread_t thread;
    cr_assert_eq(pthread_create(&thread, NULL, chunk_taker_main, &taker), 0);
    cr_assert_eq(pthread_join(thread, NULL), 0);
    cr_assert_eq(taker.chunks_before_growth, CACHE_TEST_CHUNKS - CACHE_TEST_CACHED,
                 "the other thread found %zu chunks on the shared list", taker.chunks_before_growth);
    test_close_backend_clean(backend);
}
