/* test_backend.c — the backend contract, for every backend and variant.
 *
 * Each test loops over test_backend_specs() so a backend added to the registry is
 * covered with no edit here.  The random-operation test keeps a real shadow model:
 * every live block's range and fill pattern, checked for overlap on every allocation
 * and for intact contents on every free.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf_backend.h"
#include "backends/backend_testing.h"
#include "test_support.h"

size_t backend_slab_class_size_for(size_t size, size_t align); /* backend_slab.c */

/* ---- Helpers ------------------------------------------------------------------------- */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static uint8_t pattern_byte(uint64_t id, size_t offset)
{
    return (uint8_t)((id * 131u) ^ (offset * 7u) ^ (offset >> 8));
}

static void fill_block(uint8_t *block, size_t size, uint64_t id)
{
    for (size_t i = 0; i < size; i++)
        block[i] = pattern_byte(id, i);
}

static bool block_intact(const uint8_t *block, size_t size, uint64_t id)
{
    for (size_t i = 0; i < size; i++)
        if (block[i] != pattern_byte(id, i))
            return false;
    return true;
}

/* ---- Alignment ----------------------------------------------------------------------- */
Test(backend, alignment_of_every_power_of_two_up_to_page)
{
    static const size_t sizes[] = {0, 1, 7, 8, 100, 4095, 4096, 5000, 70000};
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (size_t align = 1; align <= buf_page_size(); align *= 2)
            for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
                buf_status_t status;
                uint8_t *block = buf_backend_alloc(backend, sizes[k], align, &status);
                if (!block) {
                    cr_assert(test_spec_injects_failures(spec), "%s: alloc(%zu, %zu) failed: %s", spec,
                              sizes[k], align, buf_status_name(status));
                    cr_assert_eq(status, BUF_ENOMEM);
                    continue;
                }
                cr_assert_eq(status, BUF_OK);
                cr_assert_eq((uintptr_t)block % align, 0, "%s: alloc(%zu, %zu) = %p misaligned", spec,
                             sizes[k], align, (void *)block);
                memset(block, 0xA5, sizes[k]);
                buf_backend_free(backend, block, sizes[k], align);
            }
        test_close_backend_clean(backend);
    }
}

Test(backend, default_alignment_is_16)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        buf_backend_t *backend = test_open_backend(test_backend_spec(s));
        for (size_t size = 1; size < 300; size += 13) {
            void *block = buf_backend_alloc(backend, size, 0, NULL);
            if (!block)
                continue;
            cr_assert_eq((uintptr_t)block % 16, 0, "%s: size %zu", test_backend_spec(s), size);
            buf_backend_free(backend, block, size, 0);
        }
        test_close_backend_clean(backend);
    }
}

/* ---- Random operations against a shadow model ---------------------------------------- */
typedef struct {
    uint8_t *ptr;
    size_t size, align;
    uint64_t id;
} live_block_t;

#define MAX_LIVE 600
#define OPERATIONS 4000

static size_t random_size(void)
{
    uint64_t r = rng_next() % 100;
    if (r < 60)
        return rng_next() % 256;            /* small: slab classes, pool slices */
    if (r < 90)
        return rng_next() % 8192;           /* medium: up to the slab limit, pool large path */
    return 8192 + rng_next() % (300 << 10); /* large paths */
}

Test(backend, random_operations_keep_contents_and_never_overlap)
{
    static live_block_t live[MAX_LIVE];
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        rng_state = 0x9e3779b97f4a7c15ull + s;
        buf_backend_t *backend = test_open_backend(spec);
        size_t live_count = 0, model_bytes = 0, model_allocs = 0, model_frees = 0, model_failures = 0;
        uint64_t next_id = 1;
        for (int op = 0; op < OPERATIONS; op++) {
            bool do_alloc = live_count == 0 || (live_count < MAX_LIVE && rng_next() % 100 < 55);
            if (do_alloc) {
                size_t size = random_size(), align = (size_t)1 << (rng_next() % 13);
                if (align > buf_page_size())
                    align = buf_page_size();
                buf_status_t status;
                uint8_t *block = buf_backend_alloc(backend, size, align, &status);
                if (!block) {
                    cr_assert(test_spec_injects_failures(spec), "%s: op %d alloc(%zu,%zu): %s", spec, op, size,
                              align, buf_status_name(status));
                    cr_assert_eq(status, BUF_ENOMEM);
                    model_failures++;
                    continue;
                }
                cr_assert_eq((uintptr_t)block % align, 0);
                size_t extent = size ? size : 1;
                for (size_t i = 0; i < live_count; i++) {
                    size_t other = live[i].size ? live[i].size : 1;
                    bool disjoint = block + extent <= live[i].ptr || live[i].ptr + other <= block;
                    cr_assert(disjoint, "%s: op %d: [%p,+%zu) overlaps live [%p,+%zu)", spec, op, (void *)block,
                              extent, (void *)live[i].ptr, other);
                }
                live[live_count] = (live_block_t){block, size, align, next_id++};
                fill_block(block, size, live[live_count].id);
                live_count++;
                model_bytes += size;
                model_allocs++;
            } else {
                size_t victim = rng_next() % live_count;
                live_block_t block = live[victim];
                cr_assert(block_intact(block.ptr, block.size, block.id), "%s: op %d: contents of block %p changed",
                          spec, op, (void *)block.ptr);
                buf_backend_free(backend, block.ptr, block.size, block.align);
                live[victim] = live[--live_count];
                model_bytes -= block.size;
                model_frees++;
            }
            if (op % 500 == 0) {
                buf_backend_stats_t stats;
                buf_backend_get_stats(backend, &stats);
                cr_assert_eq(stats.bytes_live, model_bytes, "%s: op %d bytes_live %llu, model %zu", spec, op,
                             (unsigned long long)stats.bytes_live, model_bytes);
                cr_assert_geq(stats.bytes_peak, stats.bytes_live);
                cr_assert_eq(stats.allocs, model_allocs);
                cr_assert_eq(stats.frees, model_frees);
                cr_assert_eq(stats.failures, model_failures);
            }
        }
        for (size_t i = 0; i < live_count; i++) {
            cr_assert(block_intact(live[i].ptr, live[i].size, live[i].id), "%s: final check of %p", spec,
                      (void *)live[i].ptr);
            buf_backend_free(backend, live[i].ptr, live[i].size, live[i].align);
        }
        if (test_spec_injects_failures(spec))
            cr_assert_gt(model_failures, 0, "%s: the fail variant injected no failure in %d ops", spec, OPERATIONS);
        test_close_backend_clean(backend);
    }
}

/* ---- Statistics ---------------------------------------------------------------------- */
Test(backend, statistics_follow_the_operations)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue; /* counts with failures are covered by the random test */
        buf_backend_t *backend = test_open_backend(spec);
        void *a = buf_backend_alloc(backend, 100, 0, NULL);
        void *b = buf_backend_alloc(backend, 5000, 0, NULL);
        void *c = buf_backend_alloc(backend, 100000, 0, NULL);
        cr_assert(a && b && c);
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.bytes_live, 105100);
        cr_assert_eq(stats.allocs, 3);
        cr_assert_eq(stats.frees, 0);
#ifdef BUF_HAVE_ASAN
        if (!stats.bytes_os_process_wide) /* ASan's allocator does not feed mallinfo2 */
#endif
            cr_assert_geq(stats.bytes_os, 100000, "%s: bytes_os %llu", spec, (unsigned long long)stats.bytes_os);
        buf_backend_free(backend, b, 5000, 0);
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.bytes_live, 100100);
        cr_assert_eq(stats.bytes_peak, 105100);
        cr_assert_eq(stats.frees, 1);
        buf_backend_free(backend, a, 100, 0);
        buf_backend_free(backend, c, 100000, 0);
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.bytes_live, 0);
        cr_assert_eq(stats.bytes_peak, 105100);
        cr_assert_eq(stats.failures, 0);
        buf_backend_props_t props;
        buf_backend_get_props(backend, &props);
        cr_assert_eq(stats.bytes_os_process_wide, strcmp(props.name, "malloc") == 0, "%s", spec);
        test_close_backend_clean(backend);
    }
}

/* ---- Sizes: zero and overflow -------------------------------------------------------- */
Test(backend, size_zero_returns_unique_non_null_blocks)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue;
        buf_backend_t *backend = test_open_backend(spec);
        void *first = buf_backend_alloc(backend, 0, 0, NULL);
        void *second = buf_backend_alloc(backend, 0, 0, NULL);
        cr_assert_not_null(first, "%s", spec);
        cr_assert_not_null(second, "%s", spec);
        cr_assert_neq(first, second, "%s: two size-0 blocks share an address", spec);
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.bytes_live, 0);
        cr_assert_eq(stats.allocs, 2);
        buf_backend_free(backend, first, 0, 0);
        buf_backend_free(backend, second, 0, 0);
        test_close_backend_clean(backend);
    }
}

Test(backend, overflowing_sizes_and_bad_alignments_fail_cleanly)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        buf_status_t status = BUF_OK;
        cr_assert_null(buf_backend_alloc(backend, SIZE_MAX, 0, &status));
        cr_assert_eq(status, BUF_EOVERFLOW, "%s: SIZE_MAX gave %s", spec, buf_status_name(status));
        cr_assert_null(buf_backend_alloc(backend, SIZE_MAX - 8, 4096, &status));
        cr_assert_eq(status, BUF_EOVERFLOW);
        cr_assert_null(buf_backend_alloc(backend, BUF_MAX_ALLOC + 1, 16, &status));
        cr_assert_eq(status, BUF_EOVERFLOW);
        cr_assert_null(buf_backend_alloc(backend, 64, 3, &status));
        cr_assert_eq(status, BUF_EINVAL);
        cr_assert_null(buf_backend_alloc(backend, 64, buf_page_size() * 2, &status));
        cr_assert_eq(status, BUF_EINVAL);
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        cr_assert_eq(stats.failures, 5);
        cr_assert_eq(stats.allocs, 0);
        cr_assert_eq(stats.bytes_live, 0);
        test_close_backend_clean(backend);
    }
}

Test(backend, huge_request_that_the_os_refuses_returns_enomem)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        buf_status_t status = BUF_OK;
        /* 2^60 bytes: below BUF_MAX_ALLOC, far above any machine's address space. */
        cr_assert_null(buf_backend_alloc(backend, (size_t)1 << 60, 0, &status), "%s", spec);
        cr_assert_eq(status, BUF_ENOMEM, "%s: %s", spec, buf_status_name(status));
        test_close_backend_clean(backend);
    }
}

/* ---- Zeroed memory ------------------------------------------------------------------- */
Test(backend, zeroed_backends_and_calloc_return_zeros)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        buf_backend_props_t props;
        buf_backend_get_props(backend, &props);
        for (int round = 0; round < 3; round++) {
            /* Dirty a block, free it, then check the next one is clean. */
            uint8_t *dirty = buf_backend_alloc(backend, 3000, 0, NULL);
            if (dirty) {
                memset(dirty, 0xFF, 3000);
                buf_backend_free(backend, dirty, 3000, 0);
            }
            uint8_t *block = props.zeroed ? buf_backend_alloc(backend, 3000, 0, NULL)
                                          : buf_backend_calloc(backend, 3000, 0, NULL);
            if (!block)
                continue;
            for (size_t i = 0; i < 3000; i++)
                cr_assert_eq(block[i], 0, "%s: byte %zu", spec, i);
            buf_backend_free(backend, block, 3000, 0);
        }
        test_close_backend_clean(backend);
    }
}

/* ---- Specs and variants -------------------------------------------------------------- */
Test(backend, specs_are_parsed_strictly)
{
    static const struct {
        const char *spec;
        buf_status_t want;
    } cases[] = {
        {"malloc", BUF_OK},
        {"nope", BUF_EUNKNOWN_BACKEND},
        {"", BUF_EUNKNOWN_BACKEND},
        {"mmap:guard", BUF_OK},
        {"mmap:bogus", BUF_EINVAL},
        {"slab:guard", BUF_EINVAL},
        {"mmap:", BUF_EINVAL},
        {"pool:16384", BUF_OK},
        {"pool:5000", BUF_EINVAL},
        {"pool:2048", BUF_EINVAL},
        {"pool:x", BUF_EINVAL},
        {"fail(1,0.5):slab", BUF_OK},
        {"fail(0x10,0):mmap:guard", BUF_OK},
        {"fail(1,1):fail(2,0.5):pool", BUF_OK},
        {"fail(x,0.1):slab", BUF_EINVAL},
        {"fail(1,2):slab", BUF_EINVAL},
        {"fail(1,-0.1):slab", BUF_EINVAL},
        {"fail(-1,0.1):slab", BUF_EINVAL},
        {"fail(1,0.1)slab", BUF_EINVAL},
        {"fail(1,0.1):", BUF_EUNKNOWN_BACKEND},
        {"fail(1,0.1):nope", BUF_EUNKNOWN_BACKEND},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_backend_t *backend = (buf_backend_t *)&cases; /* must be reset to NULL on failure */
        buf_status_t status = buf_backend_open(cases[i].spec, NULL, &backend);
        cr_assert_eq(status, cases[i].want, "'%s': %s, want %s", cases[i].spec, buf_status_name(status),
                     buf_status_name(cases[i].want));
        if (status == BUF_OK) {
            cr_assert_str_eq(buf_backend_spec(backend), cases[i].spec);
            cr_assert_eq(buf_backend_close(backend), 0);
        } else {
            cr_assert_null(backend);
        }
    }
    buf_backend_t *backend;
    cr_assert_eq(buf_backend_open(NULL, NULL, &backend), BUF_EINVAL);
    cr_assert_eq(buf_backend_open("malloc", NULL, NULL), BUF_EINVAL);
}

Test(backend, registry_lists_the_base_backends_with_permanent_fuzz_ids)
{
    static const char *expected[] = {"malloc", "slab", "mmap", "pool"};
    cr_assert_geq(buf_backend_count(), 4);
    for (size_t i = 0; i < 4; i++) {
        const buf_backend_ops_t *ops = buf_backend_find(expected[i]);
        cr_assert_not_null(ops, "%s missing", expected[i]);
        cr_assert_eq(ops->fuzz_id, i, "%s changed its fuzz id", expected[i]);
        cr_assert_eq(buf_backend_find_fuzz_id((uint8_t)i), ops);
        cr_assert(ops->props.cross_thread_free, "%s: cross_thread_free is required", expected[i]);
    }
    for (size_t i = 0; i < buf_backend_count(); i++)
        for (size_t j = i + 1; j < buf_backend_count(); j++)
            cr_assert_neq(buf_backend_at(i)->fuzz_id, buf_backend_at(j)->fuzz_id);
    cr_assert_null(buf_backend_at(buf_backend_count()));
    cr_assert_null(buf_backend_find("nope"));
}

Test(backend, fail_variant_is_deterministic_and_leak_free)
{
    for (size_t b = 0; b < buf_backend_count(); b++) {
        char spec[64];
        bool outcomes[2][200];
        for (int run = 0; run < 2; run++) {
            snprintf(spec, sizeof spec, "fail(42,0.3):%s", buf_backend_at(b)->props.name);
            buf_backend_t *backend = test_open_backend(spec);
            int failures = 0;
            for (int i = 0; i < 200; i++) {
                buf_status_t status;
                void *block = buf_backend_alloc(backend, 64 + (size_t)i, 0, &status);
                outcomes[run][i] = block != NULL;
                if (block)
                    buf_backend_free(backend, block, 64 + (size_t)i, 0);
                else {
                    failures++;
                    cr_assert_eq(status, BUF_ENOMEM);
                }
            }
            /* 200 draws at p = 0.3: 60 expected; [30, 90] is > 5 standard deviations wide. */
            cr_assert(failures >= 30 && failures <= 90, "%s: %d failures", spec, failures);
            test_close_backend_clean(backend);
        }
        cr_assert_arr_eq(outcomes[0], outcomes[1], sizeof outcomes[0], "fail variant not deterministic");
    }
    buf_backend_t *always = test_open_backend("fail(1,1):malloc");
    buf_status_t status;
    cr_assert_null(buf_backend_alloc(always, 1, 0, &status));
    cr_assert_eq(status, BUF_ENOMEM);
    test_close_backend_clean(always);
}

/* ---- Destroy reports outstanding blocks ---------------------------------------------- */
Test(backend, destroy_lists_outstanding_blocks)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue;
        buf_backend_t *backend = test_open_backend(spec);
        void *kept[3] = {buf_backend_alloc(backend, 40, 0, NULL), buf_backend_alloc(backend, 700, 0, NULL),
                         buf_backend_alloc(backend, 50000, 0, NULL)};
        void *freed = buf_backend_alloc(backend, 40, 0, NULL);
        cr_assert(kept[0] && kept[1] && kept[2] && freed);
        buf_backend_free(backend, freed, 40, 0);
        FILE *report = tmpfile();
        cr_assert_not_null(report);
        cr_assert_eq(buf_backend_close_report(backend, report), 3, "%s", spec);
        char text[4096] = {0};
        rewind(report);
        size_t length = fread(text, 1, sizeof text - 1, report);
        fclose(report);
        cr_assert_gt(length, 0, "%s: destroy printed nothing", spec);
        cr_assert(strstr(text, "outstanding") || strstr(text, "still allocated"), "%s: %s", spec, text);
        /* malloc cannot reclaim blocks it does not know: they stay the caller's (plain
         * malloc blocks), so release them here or LeakSanitizer rightly fails the test. */
        if (strcmp(spec, "malloc") == 0)
            for (int i = 0; i < 3; i++)
                free(kept[i]);
    }
}

/* ---- Backend-specific properties ----------------------------------------------------- */
Test(backend, slab_size_classes_waste_at_most_an_eighth)
{
    for (size_t size = 64; size <= 8192; size++) {
        size_t class = backend_slab_class_size_for(size, 8);
        cr_assert_geq(class, size);
        cr_assert_leq((double)(class - size) / (double)class, 0.125, "size %zu -> class %zu", size, class);
    }
    for (size_t size = 128; size <= 8192; size++) {
        size_t class = backend_slab_class_size_for(size, 16);
        cr_assert_leq((double)(class - size) / (double)class, 0.125, "align 16: size %zu -> class %zu", size, class);
        cr_assert_eq(class % 16, 0);
    }
    cr_assert_eq(backend_slab_class_size_for(8193, 16), 0, "above 8 KiB: large path");
}

Test(backend, slab_carves_neighbouring_blocks_from_one_slab)
{
    buf_backend_t *backend = test_open_backend("slab");
    uint8_t *first = buf_backend_alloc(backend, 200, 0, NULL);
    uint8_t *second = buf_backend_alloc(backend, 200, 0, NULL);
    size_t class = backend_slab_class_size_for(200 + BUF_REDZONE, 16);
    cr_assert_eq((size_t)(second - first), class, "blocks %p and %p are not neighbours of class %zu",
                 (void *)first, (void *)second, class);
    /* A freed block is the next one handed out (LIFO free list, O(1)). */
    buf_backend_free(backend, first, 200, 0);
    cr_assert_eq(buf_backend_alloc(backend, 200, 0, NULL), first);
    buf_backend_free(backend, first, 200, 0);
    buf_backend_free(backend, second, 200, 0);
    test_close_backend_clean(backend);
}

Test(backend, pool_slices_small_requests_from_one_chunk)
{
    buf_backend_t *backend = test_open_backend("pool");
    uint8_t *first = buf_backend_alloc(backend, 100, 8, NULL);
    uint8_t *second = buf_backend_alloc(backend, 100, 8, NULL);
    size_t step = (100 + BUF_REDZONE + 7) & ~(size_t)7;
    cr_assert_eq((size_t)(second - first), step, "slices %p and %p", (void *)first, (void *)second);
    cr_assert_eq((uintptr_t)first / 8192, (uintptr_t)second / 8192, "same 8 KiB chunk");
    buf_backend_free(backend, first, 100, 8);
    buf_backend_free(backend, second, 100, 8);
    test_close_backend_clean(backend);
}

/* Memory is recycled, not leaked: repeated rounds of the same workload must not grow the
 * memory obtained from the OS after the first round. */
Test(backend, freed_memory_is_reused)
{
    static const char *specs[] = {"slab", "pool", "pool:65536"};
    static void *blocks[5000];
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        buf_backend_t *backend = test_open_backend(specs[s]);
        uint64_t after_first = 0;
        for (int round = 0; round < 5; round++) {
            for (size_t i = 0; i < 5000; i++) {
                blocks[i] = buf_backend_alloc(backend, 16 + i % 3000, 0, NULL);
                cr_assert_not_null(blocks[i]);
            }
            for (size_t i = 0; i < 5000; i++)
                buf_backend_free(backend, blocks[i], 16 + i % 3000, 0);
            buf_backend_stats_t stats;
            buf_backend_get_stats(backend, &stats);
            if (round == 0)
                after_first = stats.bytes_os;
            else
                cr_assert_eq(stats.bytes_os, after_first, "%s round %d: bytes_os grew %llu -> %llu", specs[s],
                             round, (unsigned long long)after_first, (unsigned long long)stats.bytes_os);
        }
        test_close_backend_clean(backend);
    }
}

/* ---- Faults that must be caught ------------------------------------------------------ */
/* Runs `body` in a child process; returns its wait status and captures its stderr. */
static int run_in_child(void (*body)(void), char *err_text, size_t err_capacity)
{
    int pipe_fds[2];
    cr_assert_eq(pipe(pipe_fds), 0);
    fflush(NULL);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        dup2(pipe_fds[1], 2);
        close(pipe_fds[0]);
        body();
        _exit(0);
    }
    close(pipe_fds[1]);
    size_t used = 0;
    ssize_t got;
    while (used + 1 < err_capacity && (got = read(pipe_fds[0], err_text + used, err_capacity - 1 - used)) > 0)
        used += (size_t)got;
    err_text[used] = '\0';
    close(pipe_fds[0]);
    int status;
    waitpid(child, &status, 0);
    return status;
}

static void touch_past_guard(void)
{
    buf_backend_t *backend = NULL;
    buf_backend_open("mmap:guard", NULL, &backend);
    volatile uint8_t *block = buf_backend_alloc(backend, 1000, 8, NULL);
    block[999] = 1;    /* last byte: fine */
    block[1000] = 1;   /* first byte past round_up(1000, 8): guard page */
}

Test(backend, mmap_guard_faults_on_the_first_byte_past_the_block)
{
    char err[8192];
    int status = run_in_child(touch_past_guard, err, sizeof err);
    cr_assert(!(WIFEXITED(status) && WEXITSTATUS(status) == 0), "write past a guarded block did not fault");
    buf_backend_t *backend = test_open_backend("mmap:guard");
    buf_backend_props_t props;
    buf_backend_get_props(backend, &props);
    cr_assert(props.guard_pages);
    test_close_backend_clean(backend);
}

static void overrun_by_one(const char *spec, size_t size)
{
    buf_backend_t *backend = NULL;
    buf_backend_open(spec, NULL, &backend);
    volatile uint8_t *first = buf_backend_alloc(backend, size, 8, NULL);
    volatile uint8_t *second = buf_backend_alloc(backend, size, 8, NULL); /* a live neighbour */
    (void)second;
    first[size] = 0x5A; /* one byte past the end */
}

static void overrun_pool_slice(void) { overrun_by_one("pool", 24); }
static void overrun_slab_block(void) { overrun_by_one("slab", 64); }
static void overrun_pool_large(void) { overrun_by_one("pool", 6000); }

Test(backend, sanitizer_catches_one_byte_overruns_of_pool_and_slab_blocks)
{
#ifndef BUF_HAVE_ASAN
    cr_skip_test("needs the ASan build (build/asan/tests/unit)");
#endif
    void (*bodies[])(void) = {overrun_pool_slice, overrun_slab_block, overrun_pool_large};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char err[16384];
        int status = run_in_child(bodies[i], err, sizeof err);
        cr_assert(!(WIFEXITED(status) && WEXITSTATUS(status) == 0), "case %zu: overrun not caught", i);
        cr_assert(strstr(err, "AddressSanitizer") != NULL, "case %zu: no ASan report:\n%s", i, err);
        cr_assert(strstr(err, "use-after-poison") || strstr(err, "buffer-overflow"), "case %zu:\n%s", i, err);
    }
}

static void use_after_free_slab(void)
{
    buf_backend_t *backend = NULL;
    buf_backend_open("slab", NULL, &backend);
    volatile uint8_t *block = buf_backend_alloc(backend, 64, 0, NULL);
    buf_backend_free(backend, (void *)block, 64, 0);
    block[10] = 1;
}

Test(backend, sanitizer_catches_use_after_free_of_a_slab_block)
{
#ifndef BUF_HAVE_ASAN
    cr_skip_test("needs the ASan build (build/asan/tests/unit)");
#endif
    char err[16384];
    int status = run_in_child(use_after_free_slab, err, sizeof err);
    cr_assert(!(WIFEXITED(status) && WEXITSTATUS(status) == 0), "use after free not caught");
    cr_assert(strstr(err, "AddressSanitizer") != NULL, "no ASan report:\n%s", err);
}
