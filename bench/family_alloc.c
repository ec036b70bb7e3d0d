/* family_alloc.c — what a block costs from each backend, beside the floors under it.
 *
 * Rows (every base backend from the registry, no per-backend code; sizes in bytes):
 *   alloc_pair/<backend>/<size>        alloc then free, again and again
 *   alloc_pair_touch/<backend>/<size>  the same, writing one byte in every page of the
 *                                      block (what a fresh mapping really costs: faults)
 *   alloc_batch_lifo/<backend>/<size>  1000 allocations, then the 1000 frees newest first
 *   alloc_batch_fifo/<backend>/<size>  ... oldest first (a queue of buffers)
 *   alloc_mixed/<backend>              a working set of 1024 blocks of mixed sizes, one
 *                                      block replaced per pair (distribution below)
 *   alloc_xthread/<backend>            blocks allocated on a producer thread, freed on the
 *                                      benchmark thread (a bounded SPSC ring between them)
 *   baseline_freelist_fnptr/<size>     free-list pop + push through function pointers: the
 *                                      floor for any allocator behind a vtable
 *   baseline_malloc/<size>             malloc + free, not through the backend interface
 *   baseline_mmap/<size>               mmap + munmap of the size rounded up to pages
 * Sizes: 16 B ... 1 MiB (full: 16, 64, 256, 1K, 4K, 16K, 32K, 64K, 128K, 256K, 1M; quick:
 * 64, 4K, 64K, 1M).  Items are pairs (one alloc and its free), so items_per_second gives
 * ns per pair.  Counters, read before and after the timed loop: minflt_per_pair (minor
 * page faults, getrusage), rss_growth (bytes of RSS gained from before the backend was
 * opened to the end of the loop, /proc/self/statm) and, for alloc_mixed, overhead.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"
#include "buf_backend.h"
#include "family_support.h"
#include "suite.h"

/* ---- The grid ------------------------------------------------------------------------- */
static const size_t full_sizes[] = {16, 64, 256, 1024, 4096, 16384, 32768, 65536, 131072, 262144, 1048576};
static const size_t quick_sizes[] = {64, 4096, 65536, 1048576};

#define BATCH_BLOCKS 1000 /* allocations per alloc_batch_* iteration */

typedef struct alloc_case {
    const char *backend_name; /* registry name; NULL for a baseline */
    size_t size;
    /* alloc_mixed only: the overhead measured once per process (outside any timing) */
    bool overhead_measured;
    double overhead;
} alloc_case_t;

/* ---- Counters shared by every backend row ----------------------------------------------- */
typedef struct run_figures {
    long minor_faults;
    double rss_bytes;
} run_figures_t;

static run_figures_t figures_now(void)
{
    return (run_figures_t){family_minor_faults(), family_rss_bytes()};
}

/* Sets items (pairs) and the per-pair counters, and fails the run if the backend failed
 * any allocation (checked here, after the loop, so the hot path has no statistics). */
static void finish_run(bench_state_t *state, buf_backend_t *backend, run_figures_t before, int64_t pairs)
{
    const run_figures_t after = figures_now();
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    bench_set_items_processed(state, pairs);
    if (pairs > 0)
        bench_counter(state, "minflt_per_pair", (double)(after.minor_faults - before.minor_faults) / (double)pairs,
                      BENCH_COUNTER_PLAIN);
    bench_counter(state, "rss_growth", after.rss_bytes - before.rss_bytes, BENCH_COUNTER_PLAIN);
    if (stats.failures != 0)
        bench_skip_with_error(state, "an allocation failed");
}

/* ---- alloc_pair, alloc_pair_touch ---------------------------------------------------------- */
static void bench_alloc_pair(bench_state_t *state, void *context)
{
    const alloc_case_t *c = context;
    const run_figures_t before = figures_now();
    buf_backend_t *backend = family_open_backend(state, c->backend_name);
    if (backend == NULL)
        return;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            void *block = buf_backend_alloc(backend, c->size, 0, NULL);
            bench_do_not_optimize(block);
            buf_backend_free(backend, block, c->size, 0);
        }
    finish_run(state, backend, before, bench_iterations(state));
    buf_backend_close(backend);
}

static void bench_alloc_pair_touch(bench_state_t *state, void *context)
{
    const alloc_case_t *c = context;
    const size_t page = buf_page_size();
    const run_figures_t before = figures_now();
    buf_backend_t *backend = family_open_backend(state, c->backend_name);
    if (backend == NULL)
        return;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            volatile uint8_t *block = buf_backend_alloc(backend, c->size, 0, NULL);
            if (block == NULL)
                break; /* counted as a failure: finish_run fails the run */
            for (size_t offset = 0; offset < c->size; offset += page)
                block[offset] = (uint8_t)offset;
            buf_backend_free(backend, (void *)block, c->size, 0);
        }
    finish_run(state, backend, before, bench_iterations(state));
    buf_backend_close(backend);
}

/* ---- alloc_batch_lifo, alloc_batch_fifo ------------------------------------------------------ */
static void run_batch(bench_state_t *state, const alloc_case_t *c, bool newest_first)
{
    void **blocks = malloc(BATCH_BLOCKS * sizeof *blocks);
    if (blocks == NULL) {
        bench_skip_with_error(state, "out of memory for the block table");
        return;
    }
    const run_figures_t before = figures_now();
    buf_backend_t *backend = family_open_backend(state, c->backend_name);
    if (backend == NULL) {
        free(blocks);
        return;
    }
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            for (int k = 0; k < BATCH_BLOCKS; k++)
                blocks[k] = buf_backend_alloc(backend, c->size, 0, NULL);
            bench_clobber_memory();
            if (newest_first)
                for (int k = BATCH_BLOCKS - 1; k >= 0; k--)
                    buf_backend_free(backend, blocks[k], c->size, 0);
            else
                for (int k = 0; k < BATCH_BLOCKS; k++)
                    buf_backend_free(backend, blocks[k], c->size, 0);
        }
    finish_run(state, backend, before, bench_iterations(state) * BATCH_BLOCKS);
    buf_backend_close(backend);
    free(blocks);
}

static void bench_alloc_batch_lifo(bench_state_t *state, void *context) { run_batch(state, context, true); }
static void bench_alloc_batch_fifo(bench_state_t *state, void *context) { run_batch(state, context, false); }

/* ---- alloc_mixed ---------------------------------------------------------------------------
 * A working set of MIXED_SLOTS live blocks; each pair frees the block in one slot and
 * allocates a new block of the next size into it.  The slot and size sequences are drawn
 * once (xorshift64, seed MIXED_SEED) into tables of MIXED_OPS entries that the loop cycles
 * through, so every backend and every run sees the same requests.  Sizes: four bands, each
 * log-uniform inside (powers of two times a uniform fraction):
 *     60%  16 B .. 256 B     small objects, headers, short strings
 *     25%  256 B .. 4 KiB    lines, small messages
 *     12%  4 KiB .. 64 KiB   stream chunks (Node's 64 KiB read size at the top)
 *      3%  64 KiB .. 1 MiB   large buffers (the slab and pool large paths)
 * The mean request is about 14 KiB (1.5 x 2^octave per octave, weighted by the bands), so
 * the working set holds ~14 MiB of requested bytes.
 *
 * overhead = peak OS bytes / peak requested bytes, measured by replaying the same sequence
 * on a fresh instance in an UNTIMED pass that reads the statistics after every operation
 * (so the timed loop carries no statistics).  A backend whose bytes_os is the process's
 * figure (malloc) gets bytes_os_process_wide = 1 and no overhead counter: the ratio would
 * count every other allocation of the process. */
#define MIXED_SLOTS 1024
#define MIXED_OPS 65536 /* power of two: the loop wraps with a mask */
#define MIXED_SEED 0x6d697865645f3031ull /* "mixed_01" */

static uint32_t mixed_slot[MIXED_OPS];
static uint32_t mixed_size[MIXED_OPS];
static uint32_t mixed_initial_size[MIXED_SLOTS];
static bool mixed_tables_ready;

static uint32_t draw_mixed_size(uint64_t *rng)
{
    const unsigned band_pick = (unsigned)(family_random(rng) % 100);
    unsigned low_log2; /* the band is [2^low_log2, 2^(low_log2 + 4)): four octaves */
    if (band_pick < 60)
        low_log2 = 4;
    else if (band_pick < 85)
        low_log2 = 8;
    else if (band_pick < 97)
        low_log2 = 12;
    else
        low_log2 = 16;
    const unsigned octave = low_log2 + (unsigned)(family_random(rng) % 4);
    return (1u << octave) + (uint32_t)(family_random(rng) % (1u << octave));
}

static void build_mixed_tables(void)
{
    if (mixed_tables_ready)
        return;
    uint64_t rng = MIXED_SEED;
    for (int s = 0; s < MIXED_SLOTS; s++)
        mixed_initial_size[s] = draw_mixed_size(&rng);
    for (int op = 0; op < MIXED_OPS; op++) {
        mixed_slot[op] = (uint32_t)(family_random(&rng) % MIXED_SLOTS);
        mixed_size[op] = draw_mixed_size(&rng);
    }
    mixed_tables_ready = true;
}

typedef struct mixed_set {
    void *block[MIXED_SLOTS];
    uint32_t size[MIXED_SLOTS];
} mixed_set_t;

static bool mixed_fill(buf_backend_t *backend, mixed_set_t *set)
{
    for (int s = 0; s < MIXED_SLOTS; s++) {
        set->size[s] = mixed_initial_size[s];
        set->block[s] = buf_backend_alloc(backend, set->size[s], 0, NULL);
        if (set->block[s] == NULL)
            return false;
    }
    return true;
}

static void mixed_empty(buf_backend_t *backend, mixed_set_t *set)
{
    for (int s = 0; s < MIXED_SLOTS; s++)
        buf_backend_free(backend, set->block[s], set->size[s], 0);
}

/* The untimed pass: peak OS bytes over peak requested bytes for one cycle of the tables. */
static double measure_mixed_overhead(const char *backend_name, bool *process_wide)
{
    buf_backend_t *backend = NULL;
    mixed_set_t *set = calloc(1, sizeof *set);
    if (set == NULL || buf_backend_open(backend_name, NULL, &backend) != BUF_OK) {
        free(set);
        return 0;
    }
    buf_backend_stats_t stats;
    uint64_t peak_os = 0;
    bool ok = mixed_fill(backend, set);
    for (int op = 0; ok && op < MIXED_OPS; op++) {
        const uint32_t slot = mixed_slot[op];
        buf_backend_free(backend, set->block[slot], set->size[slot], 0);
        set->size[slot] = mixed_size[op];
        set->block[slot] = buf_backend_alloc(backend, set->size[slot], 0, NULL);
        ok = set->block[slot] != NULL;
        buf_backend_get_stats(backend, &stats);
        if (stats.bytes_os > peak_os)
            peak_os = stats.bytes_os;
    }
    buf_backend_get_stats(backend, &stats);
    *process_wide = stats.bytes_os_process_wide;
    const double overhead = ok && stats.bytes_peak > 0 ? (double)peak_os / (double)stats.bytes_peak : 0;
    mixed_empty(backend, set);
    buf_backend_close(backend);
    free(set);
    return overhead;
}

static void bench_alloc_mixed(bench_state_t *state, void *context)
{
    alloc_case_t *c = context;
    build_mixed_tables();
    bool process_wide = false;
    if (!c->overhead_measured) {
        c->overhead = measure_mixed_overhead(c->backend_name, &process_wide);
        c->overhead_measured = true;
    }
    mixed_set_t *set = calloc(1, sizeof *set);
    if (set == NULL) {
        bench_skip_with_error(state, "out of memory for the working set");
        return;
    }
    const run_figures_t before = figures_now();
    buf_backend_t *backend = family_open_backend(state, c->backend_name);
    if (backend == NULL || !mixed_fill(backend, set)) {
        if (backend != NULL)
            bench_skip_with_error(state, "the working set does not fit");
        free(set);
        buf_backend_close(backend);
        return;
    }
    uint32_t op = 0;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            const uint32_t slot = mixed_slot[op];
            buf_backend_free(backend, set->block[slot], set->size[slot], 0);
            set->size[slot] = mixed_size[op];
            set->block[slot] = buf_backend_alloc(backend, set->size[slot], 0, NULL);
            op = (op + 1) & (MIXED_OPS - 1);
        }
    finish_run(state, backend, before, bench_iterations(state));
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    if (stats.bytes_os_process_wide)
        bench_counter(state, "bytes_os_process_wide", 1, BENCH_COUNTER_PLAIN);
    else
        bench_counter(state, "overhead", c->overhead, BENCH_COUNTER_PLAIN);
    mixed_empty(backend, set);
    buf_backend_close(backend);
    free(set);
}

/* ---- alloc_xthread ----------------------------------------------------------------------------
 * The producer thread allocates XTHREAD_SIZE-byte blocks and pushes them into a bounded
 * single-producer single-consumer ring; the benchmark thread pops and frees them, so every
 * free in the timed loop happens on a thread other than the allocating one.  Real time:
 * the pair's cost is the pipeline's (whichever side is slower), not the benchmark thread's
 * CPU time.  After the loop the run checks that the two threads differ and that the
 * benchmark thread freed every block the producer allocated (the ring is drained after the
 * timing), and that the backend counted exactly those frees; otherwise it fails.
 * frees_on_other_thread counts them. */
#define XTHREAD_SIZE 256
#define XTHREAD_RING 1024 /* power of two */

typedef struct xthread_ring {
    _Alignas(64) atomic_size_t head; /* next slot the consumer pops (written by the consumer) */
    _Alignas(64) atomic_size_t tail; /* next slot the producer fills (written by the producer) */
    _Alignas(64) atomic_bool stop;
    buf_backend_t *backend;
    pthread_t producer_thread;
    uint64_t produced; /* producer's count, read after join */
    bool alloc_failed;
    void *slot[XTHREAD_RING];
} xthread_ring_t;

static void *xthread_producer(void *argument)
{
    xthread_ring_t *ring = argument;
    size_t tail = 0;
    while (!atomic_load_explicit(&ring->stop, memory_order_relaxed)) {
        if (tail - atomic_load_explicit(&ring->head, memory_order_acquire) == XTHREAD_RING) {
            sched_yield(); /* ring full: the consumer is behind (2 cores may be shared) */
            continue;
        }
        void *block = buf_backend_alloc(ring->backend, XTHREAD_SIZE, 0, NULL);
        if (block == NULL) {
            ring->alloc_failed = true;
            break;
        }
        ring->slot[tail & (XTHREAD_RING - 1)] = block;
        atomic_store_explicit(&ring->tail, ++tail, memory_order_release);
        ring->produced++;
    }
    return NULL;
}

static void bench_alloc_xthread(bench_state_t *state, void *context)
{
    const alloc_case_t *c = context;
    /* the ring's counters sit on their own cache lines: allocate at the struct's alignment */
    xthread_ring_t *ring = aligned_alloc(_Alignof(xthread_ring_t), sizeof *ring);
    if (ring != NULL)
        memset(ring, 0, sizeof *ring);
    if (ring == NULL) {
        bench_skip_with_error(state, "out of memory for the ring");
        return;
    }
    const run_figures_t before = figures_now();
    ring->backend = family_open_backend(state, c->backend_name);
    if (ring->backend == NULL || pthread_create(&ring->producer_thread, NULL, xthread_producer, ring) != 0) {
        if (ring->backend != NULL)
            bench_skip_with_error(state, "cannot start the producer thread");
        buf_backend_close(ring->backend);
        free(ring);
        return;
    }
    /* the producer's start-up is no part of a pair: start timing with the ring full */
    while (atomic_load_explicit(&ring->tail, memory_order_acquire) < XTHREAD_RING && !ring->alloc_failed)
        sched_yield();
    uint64_t freed = 0;
    size_t head = 0;
    bool starved = false; /* the producer stopped (allocation failure) before the loop ended */
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            size_t tail;
            while ((tail = atomic_load_explicit(&ring->tail, memory_order_acquire)) == head) {
                if (ring->alloc_failed) {
                    starved = true;
                    break;
                }
                sched_yield();
            }
            if (starved)
                break;
            buf_backend_free(ring->backend, ring->slot[head & (XTHREAD_RING - 1)], XTHREAD_SIZE, 0);
            atomic_store_explicit(&ring->head, ++head, memory_order_release);
            freed++;
        }
    const int64_t pairs = bench_iterations(state);
    atomic_store(&ring->stop, true);
    pthread_join(ring->producer_thread, NULL);
    /* drain what the producer made after the loop, still on this (the other) thread */
    for (size_t tail = atomic_load(&ring->tail); head != tail; head++, freed++)
        buf_backend_free(ring->backend, ring->slot[head & (XTHREAD_RING - 1)], XTHREAD_SIZE, 0);
    finish_run(state, ring->backend, before, pairs);
    bench_counter(state, "frees_on_other_thread", (double)freed, BENCH_COUNTER_PLAIN);
    /* The backend's own counts: every allocation was the producer's, every free this
     * thread's (a free anywhere else would make stats.frees exceed `freed`). */
    buf_backend_stats_t stats;
    buf_backend_get_stats(ring->backend, &stats);
    const bool all_on_this_thread = stats.allocs == ring->produced && stats.frees == freed && freed == ring->produced;
    if (starved || pthread_equal(ring->producer_thread, pthread_self()) || !all_on_this_thread)
        bench_skip_with_error(state, "blocks were not all freed on the other thread");
    buf_backend_close(ring->backend);
    free(ring);
}

/* ---- Baselines ---------------------------------------------------------------------------------- */
/* A free list of FREELIST_NODES blocks of the row's size; each pair pops the head and pushes
 * it back, both through function pointers the compiler cannot see through (volatile). */
#define FREELIST_NODES 64

typedef struct freelist_node {
    struct freelist_node *next;
} freelist_node_t;

static void *freelist_pop(freelist_node_t **head)
{
    freelist_node_t *node = *head;
    *head = node->next;
    return node;
}

static void freelist_push(freelist_node_t **head, void *block)
{
    freelist_node_t *node = block;
    node->next = *head;
    *head = node;
}

static void *(*volatile freelist_pop_fn)(freelist_node_t **) = freelist_pop;
static void (*volatile freelist_push_fn)(freelist_node_t **, void *) = freelist_push;

static void bench_baseline_freelist(bench_state_t *state, void *context)
{
    const alloc_case_t *c = context;
    uint8_t *arena = malloc(FREELIST_NODES * c->size);
    if (arena == NULL) {
        bench_skip_with_error(state, "out of memory for the free list");
        return;
    }
    freelist_node_t *head = NULL;
    for (size_t k = 0; k < FREELIST_NODES; k++)
        freelist_push(&head, arena + k * c->size);
    void *(*pop)(freelist_node_t **) = freelist_pop_fn;
    void (*push)(freelist_node_t **, void *) = freelist_push_fn;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            void *block = pop(&head);
            bench_do_not_optimize(block);
            push(&head, block);
        }
    bench_set_items_processed(state, bench_iterations(state));
    free(arena);
}

static void bench_baseline_malloc(bench_state_t *state, void *context)
{
    const alloc_case_t *c = context;
    const run_figures_t before = figures_now();
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            void *block = malloc(c->size);
            bench_do_not_optimize(block); /* else gcc may drop the malloc/free pair */
            free(block);
        }
    const int64_t pairs = bench_iterations(state);
    bench_set_items_processed(state, pairs);
    if (pairs > 0)
        bench_counter(state, "minflt_per_pair", (double)(family_minor_faults() - before.minor_faults) / (double)pairs,
                      BENCH_COUNTER_PLAIN);
}

static void bench_baseline_mmap(bench_state_t *state, void *context)
{
    const alloc_case_t *c = context;
    const size_t page = buf_page_size();
    const size_t length = (c->size + page - 1) / page * page;
    const run_figures_t before = figures_now();
    bool failed = false;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++) {
            void *block = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (block == MAP_FAILED) {
                failed = true;
                break;
            }
            munmap(block, length);
        }
    const int64_t pairs = bench_iterations(state);
    bench_set_items_processed(state, pairs);
    if (pairs > 0)
        bench_counter(state, "minflt_per_pair", (double)(family_minor_faults() - before.minor_faults) / (double)pairs,
                      BENCH_COUNTER_PLAIN);
    if (failed)
        bench_skip_with_error(state, "mmap failed");
}

/* ---- Registration -------------------------------------------------------------------------------- */
static alloc_case_t *new_case(const char *backend_name, size_t size)
{
    alloc_case_t *c = family_context(sizeof *c);
    c->backend_name = backend_name;
    c->size = size;
    return c;
}

void bench_family_alloc(const bench_suite_config_t *config)
{
    const size_t *sizes = config->quick ? quick_sizes : full_sizes;
    const size_t size_count = config->quick ? FAMILY_COUNT(quick_sizes) : FAMILY_COUNT(full_sizes);
    static const struct {
        const char *family;
        bench_fn fn;
    } sized_families[] = {
        {"alloc_pair", bench_alloc_pair},
        {"alloc_pair_touch", bench_alloc_pair_touch},
        {"alloc_batch_lifo", bench_alloc_batch_lifo},
        {"alloc_batch_fifo", bench_alloc_batch_fifo},
    };
    for (size_t f = 0; f < FAMILY_COUNT(sized_families); f++)
        for (size_t b = 0; b < buf_backend_count(); b++)
            for (size_t s = 0; s < size_count; s++) {
                const char *name = buf_backend_at(b)->props.name;
                family_register(sized_families[f].fn, new_case(name, sizes[s]), "%s/%s/%zu", sized_families[f].family,
                                name, sizes[s]);
            }
    for (size_t b = 0; b < buf_backend_count(); b++) {
        const char *name = buf_backend_at(b)->props.name;
        family_register(bench_alloc_mixed, new_case(name, 0), "alloc_mixed/%s", name);
        bench_use_real_time(family_register(bench_alloc_xthread, new_case(name, XTHREAD_SIZE), "alloc_xthread/%s", name));
    }
    for (size_t s = 0; s < size_count; s++) {
        family_register(bench_baseline_freelist, new_case(NULL, sizes[s]), "baseline_freelist_fnptr/%zu", sizes[s]);
        family_register(bench_baseline_malloc, new_case(NULL, sizes[s]), "baseline_malloc/%zu", sizes[s]);
        family_register(bench_baseline_mmap, new_case(NULL, sizes[s]), "baseline_mmap/%zu", sizes[s]);
    }
}
