/* test_backend.c — the backend contract, for every backend and variant.
 *
 * Each test loops over test_backend_specs() so a backend added to the registry is
 * covered with no edit here, and decides from the properties a backend states (never
 * from its name).  The random-operation test keeps a real shadow model: every live
 * block's range and fill pattern, checked for overlap on every allocation and for
 * intact contents on every free.  (Specs, the registry and the fail decorator:
 * test_backend_specs.c; faults that must be caught: test_backend_faults.c.)
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_backend.h"
#include "backends/backend_testing.h"
#include "test_support.h"

#ifdef BUF_HAVE_ASAN
#include <sanitizer/lsan_interface.h>
#endif

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
        bool process_wide = stats.bytes_os_process_wide;
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
        /* Whether bytes_os is per instance or process-wide is the backend's to say, but it
         * is one answer for the instance's whole life. */
        cr_assert_eq(stats.bytes_os_process_wide, process_wide, "%s", spec);
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

/* ---- Destroy reports outstanding blocks ---------------------------------------------- */
/* A small, a medium-class, a run (slab and pool: 64 KiB - 1 MiB) and a mapped block. */
#define KEPT_BLOCKS 5
static const size_t kept_sizes[KEPT_BLOCKS] = {40, 700, 50000, 300000, (size_t)3 << 20};

/* Leaves KEPT_BLOCKS blocks outstanding at close (and one freed block that must not be
 * reported); writes the report to `report` and returns the count close gave. */
static size_t close_with_blocks_outstanding(const char *spec, FILE *report, void *kept[KEPT_BLOCKS])
{
    buf_backend_t *backend = test_open_backend(spec);
    for (int i = 0; i < KEPT_BLOCKS; i++)
        kept[i] = buf_backend_alloc(backend, kept_sizes[i], 0, NULL);
    void *freed = buf_backend_alloc(backend, 40, 0, NULL);
    for (int i = 0; i < KEPT_BLOCKS; i++)
        cr_assert(kept[i] != NULL, "%s: block %d", spec, i);
    cr_assert(freed != NULL, "%s", spec);
    buf_backend_free(backend, freed, 40, 0);
    return buf_backend_close_report(backend, report);
}

/* Child process for a backend that leaves outstanding blocks to the caller: they must
 * still be usable after close (write every byte).  They stay the caller's, and this
 * caller is a child that ends with _exit, so they are not the test's leaks. */
static int close_and_use_the_blocks_left(const void *context)
{
    void *kept[KEPT_BLOCKS];
    size_t outstanding = close_with_blocks_outstanding(context, stderr, kept);
    for (int i = 0; i < KEPT_BLOCKS; i++)
        memset(kept[i], 0x5A, kept_sizes[i]);
    return (int)outstanding;
}

Test(backend, destroy_lists_outstanding_blocks)
{
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        if (test_spec_injects_failures(spec))
            continue;
        char text[8192] = {0};
        if (test_spec_props(spec).close_releases_blocks) {
            /* Released by close: nothing may be left for LeakSanitizer (ASan build) to find
             * once the test forgets the pointers. */
            void *kept[KEPT_BLOCKS];
            FILE *report = tmpfile();
            cr_assert_not_null(report);
            cr_assert_eq(close_with_blocks_outstanding(spec, report, kept), KEPT_BLOCKS, "%s", spec);
            rewind(report);
            cr_assert_gt(fread(text, 1, sizeof text - 1, report), 0, "%s: destroy printed nothing", spec);
            fclose(report);
#ifdef BUF_HAVE_ASAN
            memset(kept, 0, sizeof kept);
            cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "%s: says close releases blocks, yet leaks them",
                         spec);
#endif
        } else {
            int status = test_run_in_child(close_and_use_the_blocks_left, spec, text, sizeof text);
            cr_assert(test_exited_with(status, KEPT_BLOCKS),
                      "%s: close left blocks to the caller but did not report %d of them, or they were not "
                      "usable after close (wait status %#x):\n%s",
                      spec, KEPT_BLOCKS, (unsigned)status, text);
        }
        cr_assert(strstr(text, "outstanding") || strstr(text, "still allocated"), "%s: %s", spec, text);
    }
}

/* ---- Backend-specific properties ----------------------------------------------------- */
Test(backend, slab_size_classes_waste_at_most_an_eighth)
{
    for (size_t size = 64; size <= 65536; size++) {
        size_t class = backend_slab_class_size_for(size, 8);
        cr_assert_geq(class, size);
        cr_assert_leq((double)(class - size) / (double)class, 0.125, "size %zu -> class %zu", size, class);
    }
    for (size_t size = 128; size <= 65536; size++) {
        size_t class = backend_slab_class_size_for(size, 16);
        cr_assert_leq((double)(class - size) / (double)class, 0.125, "align 16: size %zu -> class %zu", size, class);
        cr_assert_eq(class % 16, 0);
    }
    cr_assert_eq(backend_slab_class_size_for(65537, 16), 0, "above 64 KiB: large path");
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

/* A medium class (8-64 KiB) is served by slabs of several 64 KiB units: blocks are
 * neighbours at the class size across unit boundaries, more blocks than one slab holds
 * take a second slab, and a second round of the same batch reuses every block (no new
 * memory from the OS). */
Test(backend, slab_medium_classes_use_multi_unit_slabs)
{
    size_t size = 40 << 10;
    size_t class = backend_slab_class_size_for(size + BUF_REDZONE, 16);
    size_t span = backend_slab_span_for(size + BUF_REDZONE, 16);
    cr_assert_geq(class, size + BUF_REDZONE);
    cr_assert_gt(span, (size_t)64 << 10, "a %zu-byte class gets a slab of several units, not %zu bytes", class, span);
    cr_assert_eq(span % ((size_t)64 << 10), 0);
    size_t per_slab = span / class;
    cr_assert_geq(per_slab, 8, "a slab holds at least 8 blocks");
    buf_backend_t *backend = test_open_backend("slab");
    enum { COUNT = 40 };
    uint8_t *blocks[COUNT];
    uint64_t after_first = 0;
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < COUNT; i++) {
            blocks[i] = buf_backend_alloc(backend, size, 0, NULL);
            cr_assert_not_null(blocks[i]);
            memset(blocks[i], (int)(i + 1), size);
            if (round == 0 && i % per_slab != 0)
                cr_assert_eq((size_t)(blocks[i] - blocks[i - 1]), class, "block %zu is not its neighbour's", i);
        }
        for (size_t i = 0; i < COUNT; i++)
            cr_assert(blocks[i][0] == (uint8_t)(i + 1) && blocks[i][size - 1] == (uint8_t)(i + 1), "block %zu", i);
        for (size_t i = 0; i < COUNT; i++)
            buf_backend_free(backend, blocks[i], size, 0);
        buf_backend_stats_t stats;
        buf_backend_get_stats(backend, &stats);
        if (round == 0)
            after_first = stats.bytes_os;
        else
            cr_assert_eq(stats.bytes_os, after_first, "round %d: bytes_os %llu -> %llu", round,
                         (unsigned long long)after_first, (unsigned long long)stats.bytes_os);
    }
    test_close_backend_clean(backend);
}

/* Classes of 512 bytes and more keep their free blocks out of band (the one freed last,
 * then a stack of offsets in the slab's descriptor).  Across several slabs of a class
 * (the first and last block of each included), freeing every block in an interleaved order
 * and allocating as many again must hand back exactly the freed blocks, each once, with
 * no new memory, and a block freed and allocated again at once must be that block; closing with some of them outstanding must count
 * exactly those.  480 bytes is the largest class with an intrusive list, for contrast. */
static void expect_freed_blocks_handed_back_once(const char *spec, size_t size)
{
    size_t class = backend_slab_class_size_for(size + BUF_REDZONE, 16);
    size_t per_slab = backend_slab_span_for(size + BUF_REDZONE, 16) / class;
    enum { MAX_BLOCKS = 300 }; /* 480-byte class: 136 blocks per one-unit slab */
    size_t count = 2 * per_slab + 3; /* two whole slabs and three blocks of a third */
    cr_assert_leq(count, MAX_BLOCKS);
    uint8_t *blocks[MAX_BLOCKS], *again[MAX_BLOCKS];
    buf_backend_t *backend = test_open_backend(spec);
    for (size_t i = 0; i < count; i++) {
        cr_assert_not_null(blocks[i] = buf_backend_alloc(backend, size, 0, NULL));
        memset(blocks[i], 0xA5, size);
    }
    buf_backend_stats_t before, after;
    buf_backend_get_stats(backend, &before);
    for (size_t i = 1; i < count; i += 2) /* odd ones, then even ones from the top down */
        buf_backend_free(backend, blocks[i], size, 0);
    for (size_t i = (count - 1) & ~(size_t)1;; i -= 2) {
        buf_backend_free(backend, blocks[i], size, 0);
        if (i == 0)
            break;
    }
    for (size_t i = 0; i < count; i++) {
        cr_assert_not_null(again[i] = buf_backend_alloc(backend, size, 0, NULL));
        bool was_freed = false;
        for (size_t k = 0; k < count; k++)
            was_freed |= again[i] == blocks[k];
        cr_assert(was_freed, "%s %zu: block %zu (%p) was not one of those freed", spec, size, i, (void *)again[i]);
        for (size_t k = 0; k < i; k++)
            cr_assert_neq(again[i], again[k], "%s %zu: block %p handed out twice", spec, size, (void *)again[i]);
    }
    /* The block just handed out came from the class's head slab: freed, it is the next. */
    buf_backend_free(backend, again[count - 1], size, 0);
    cr_assert_eq(buf_backend_alloc(backend, size, 0, NULL), again[count - 1], "%s %zu: not the block freed last",
                 spec, size);
    buf_backend_get_stats(backend, &after);
    cr_assert_eq(after.bytes_os, before.bytes_os, "%s %zu: new memory for blocks that were free", spec, size);
    size_t outstanding = count;
    for (size_t i = 0; i < count; i += 3, outstanding--)
        buf_backend_free(backend, again[i], size, 0);
    FILE *report = tmpfile();
    cr_assert_not_null(report);
    cr_assert_eq(buf_backend_close_report(backend, report), outstanding, "%s %zu", spec, size);
    fclose(report);
#ifdef BUF_HAVE_ASAN
    cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "%s %zu: close leaked the outstanding blocks", spec, size);
#endif
}

Test(backend, slab_out_of_band_free_blocks_come_back_once_each)
{
    /* The largest: the 64 KiB class, red zone included (sanitizer builds add BUF_REDZONE). */
    static const size_t sizes[] = {480, 512, 1000, 4096, 9000, 40 << 10, (64 << 10) - BUF_REDZONE};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++) {
        /* Slab's own lists: without the front, whose stacks of 8 blocks or more also hold
         * blocks carved ahead, never handed out (test_backend_front.c checks those). */
        expect_freed_blocks_handed_back_once("slab:nocache", sizes[z]);
        if (sizes[z] >= 4096) /* pool hands requests of pool_size/2 (4 KiB) and up to slab */
            expect_freed_blocks_handed_back_once("pool:nocache", sizes[z]);
    }
}

/* Each live block (freed[i] false) still holds the byte i at its first, middle and last byte. */
static void expect_live_blocks_intact(const char *spec, uint8_t *const *blocks, const bool *freed, size_t count,
                                      const size_t *sizes, size_t size_count)
{
    for (size_t i = 0; i < count; i++)
        if (!freed[i]) {
            size_t size = sizes[i % size_count];
            cr_assert(blocks[i][0] == (uint8_t)i && blocks[i][size / 2] == (uint8_t)i &&
                          blocks[i][size - 1] == (uint8_t)i,
                      "%s: live block %zu (%zu bytes) was written over", spec, i, size);
        }
}

/* A slab of several units (blocks above 8 KiB) keeps its stack of free offsets in its
 * second unit's descriptor, right after its own; a one-unit slab in its unit's row of the
 * arena header, pages past the descriptors.  Slabs of 2 and 8 units carved side by side
 * in one arena (9 KiB, 16 KiB, 40 KiB, 64 KiB, with 4 KiB and 1000-byte ones between them)
 * and churned in an interleaved order must keep every live block's bytes, hand back
 * exactly the blocks freed, each once, and count exactly the outstanding ones at close: a
 * stack that ran into a neighbouring slab's descriptor would break one of these. */
Test(backend, slab_multi_unit_slabs_keep_free_offsets_beside_their_descriptor)
{
    static const size_t sizes[] = {9000, 16 << 10, 4096, 40 << 10, 1000, (64 << 10) - BUF_REDZONE};
    enum { SIZES = sizeof sizes / sizeof sizes[0], PER_SIZE = 20, COUNT = SIZES * PER_SIZE };
    static const char *specs[] = {"slab:nocache", "pool:nocache", "slab"};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        buf_backend_t *backend = test_open_backend(specs[s]);
        static uint8_t *blocks[COUNT];
        for (size_t i = 0; i < COUNT; i++) {
            size_t size = sizes[i % SIZES];
            cr_assert_not_null(blocks[i] = buf_backend_alloc(backend, size, 0, NULL), "%s: block %zu", specs[s], i);
            memset(blocks[i], (int)(i & 0xFF), size);
            if (size < 4096)
                continue; /* pool's slices: pool's chunks, not slab's classes */
            ptrdiff_t distance = backend_slab_offsets_from_descriptor(blocks[i]);
            if (size > ((size_t)8 << 10))
                cr_assert(distance > 0 && distance <= 128,
                          "%s: a %zu-byte block's offsets are %td bytes from its descriptor", specs[s], size, distance);
            else
                cr_assert_gt(distance, 4096, "%s: a %zu-byte block's offsets are %td bytes from its descriptor",
                             specs[s], size, distance);
        }
        /* Every third block, then the rest of the odd ones from the top down. */
        bool freed[COUNT] = {false};
        size_t freed_count = 0;
        for (size_t i = 0; i < COUNT; i += 3, freed_count++) {
            buf_backend_free(backend, blocks[i], sizes[i % SIZES], 0);
            freed[i] = true;
        }
        for (size_t i = COUNT - 1; i > 0; i--)
            if (i % 2 == 1 && !freed[i]) {
                buf_backend_free(backend, blocks[i], sizes[i % SIZES], 0);
                freed[i] = true;
                freed_count++;
            }
        expect_live_blocks_intact(specs[s], blocks, freed, COUNT, sizes, SIZES);
        /* As many again, of each freed block's size: each one of the freed blocks of that size, once. */
        static uint8_t *again[COUNT];
        size_t again_count = 0;
        for (size_t i = 0; i < COUNT; i++) {
            if (!freed[i])
                continue;
            size_t size = sizes[i % SIZES];
            uint8_t *block = buf_backend_alloc(backend, size, 0, NULL);
            cr_assert_not_null(block);
            bool was_freed = false;
            for (size_t k = i % SIZES; k < COUNT; k += SIZES)
                was_freed |= freed[k] && blocks[k] == block;
            cr_assert(was_freed, "%s: a %zu-byte block (%p) was not one of those freed", specs[s], size, (void *)block);
            for (size_t k = 0; k < again_count; k++)
                cr_assert_neq(again[k], block, "%s: block %p handed out twice", specs[s], (void *)block);
            again[again_count++] = block;
        }
        cr_assert_eq(again_count, freed_count);
        expect_live_blocks_intact(specs[s], blocks, freed, COUNT, sizes, SIZES);
        /* Close with the blocks allocated again outstanding, the others freed. */
        for (size_t i = 0; i < COUNT; i++)
            if (!freed[i])
                buf_backend_free(backend, blocks[i], sizes[i % SIZES], 0);
        FILE *report = tmpfile();
        cr_assert_not_null(report);
        cr_assert_eq(buf_backend_close_report(backend, report), again_count, "%s", specs[s]);
        fclose(report);
#ifdef BUF_HAVE_ASAN
        cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "%s: close leaked the outstanding blocks", specs[s]);
#endif
    }
}

/* Committed bytes follow what is carved: one 40 KiB block of a 320+ KiB slab commits a
 * unit, not the whole slab, so bytes_os tells what the instance can touch. */
Test(backend, slab_commits_medium_slabs_as_they_are_carved)
{
    size_t size = 40 << 10;
    size_t span = backend_slab_span_for(size + BUF_REDZONE, 16);
    buf_backend_t *backend = test_open_backend("slab");
    void *block = buf_backend_alloc(backend, size, 0, NULL);
    cr_assert_not_null(block);
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_assert_lt(stats.bytes_os, span, "bytes_os %llu: the whole %zu-byte slab was committed for one block",
                 (unsigned long long)stats.bytes_os, span);
    buf_backend_free(backend, block, size, 0);
    test_close_backend_clean(backend);
}

/* Large blocks: freed mappings past the cache's committed budget give their pages back
 * (bytes_os falls well below the peak) and are reused by later requests, whose memory
 * is writable again; a second round takes no new memory. */
Test(backend, large_cache_returns_idle_pages_to_the_os_and_reuses_them)
{
    static const char *specs[] = {"slab", "pool"};
    enum { CLASSES = 3, PER_CLASS = 20 };
    static uint8_t *blocks[CLASSES * PER_CLASS];
    for (size_t s = 0; s < 2; s++) {
        buf_backend_t *backend = test_open_backend(specs[s]);
        uint64_t after_first = 0;
        for (int round = 0; round < 2; round++) {
            for (size_t i = 0; i < CLASSES * PER_CLASS; i++) {
                size_t size = ((size_t)1100 << 10) + (i % CLASSES) * ((size_t)300 << 10);
                blocks[i] = buf_backend_alloc(backend, size, 0, NULL);
                cr_assert_not_null(blocks[i]);
                memset(blocks[i], (int)i, size);
            }
            buf_backend_stats_t stats;
            buf_backend_get_stats(backend, &stats);
            uint64_t peak = stats.bytes_os;
            for (size_t i = 0; i < CLASSES * PER_CLASS; i++) {
                size_t size = ((size_t)1100 << 10) + (i % CLASSES) * ((size_t)300 << 10);
                cr_assert_eq(blocks[i][size - 1], (uint8_t)i);
                buf_backend_free(backend, blocks[i], size, 0);
            }
            buf_backend_get_stats(backend, &stats);
            /* ~80 MiB were live; at most the idle budget (32 MiB) plus a page per mapping may
             * stay committed. */
            cr_assert_lt(stats.bytes_os, peak / 2, "%s: %llu bytes still committed after freeing, peak %llu",
                         specs[s], (unsigned long long)stats.bytes_os, (unsigned long long)peak);
            if (round == 0)
                after_first = stats.bytes_os;
            else
                cr_assert_leq(stats.bytes_os, after_first, "%s: round 2 took new memory", specs[s]);
        }
        test_close_backend_clean(backend);
    }
}

/* Blocks of 64 KiB - 1 MiB are runs of 64 KiB units: freed runs merge with their free
 * neighbours, so after four 200 KiB blocks are freed one 800 KiB block fits in their
 * units (no new memory from the OS), and its bytes are all usable. */
Test(backend, runs_merge_freed_neighbours_for_a_larger_block)
{
    static const char *specs[] = {"slab", "pool"};
    for (size_t s = 0; s < 2; s++) {
        buf_backend_t *backend = test_open_backend(specs[s]);
        size_t small = 200 << 10, large = 4 * small - 2 * BUF_REDZONE - 4096;
        uint8_t *blocks[4];
        for (int i = 0; i < 4; i++) {
            blocks[i] = buf_backend_alloc(backend, small, 0, NULL);
            cr_assert_not_null(blocks[i]);
            memset(blocks[i], i, small);
        }
        buf_backend_stats_t before, after;
        buf_backend_get_stats(backend, &before);
        for (int i = 0; i < 4; i++)
            buf_backend_free(backend, blocks[i], small, 0);
        uint8_t *merged = buf_backend_alloc(backend, large, 0, NULL);
        cr_assert_not_null(merged);
        memset(merged, 0x77, large);
        buf_backend_get_stats(backend, &after);
        cr_assert_leq(after.bytes_os, before.bytes_os, "%s: the freed runs did not serve the larger block (%llu > %llu)",
                      specs[s], (unsigned long long)after.bytes_os, (unsigned long long)before.bytes_os);
        buf_backend_free(backend, merged, large, 0);
        test_close_backend_clean(backend);
    }
}

/* Free runs left as holes too small for a larger run give their pages back before that run
 * commits fresh memory, so bytes_os does not climb past its peak by the larger run; the
 * holes stay usable: runs placed in them again are written whole. */
Test(backend, runs_holes_give_their_pages_back_before_fresh_memory_and_are_reused)
{
    static const char *specs[] = {"slab", "pool"};
    for (size_t s = 0; s < 2; s++) {
        buf_backend_t *backend = test_open_backend(specs[s]);
        enum { RUNS = 31 };                                   /* 2 units each: one run arena */
        size_t small = 100 << 10, large = (1 << 20) - BUF_REDZONE; /* 16 units */
        uint8_t *blocks[RUNS];
        for (int i = 0; i < RUNS; i++) {
            cr_assert_not_null(blocks[i] = buf_backend_alloc(backend, small, 0, NULL));
            memset(blocks[i], i, small);
        }
        for (int i = 0; i < RUNS; i += 2) /* 16 holes of 2 units: 2 MiB committed, free */
            buf_backend_free(backend, blocks[i], small, 0);
        buf_backend_stats_t before, after;
        buf_backend_get_stats(backend, &before);
        uint8_t *big = buf_backend_alloc(backend, large, 0, NULL);
        cr_assert_not_null(big);
        memset(big, 0x77, large);
        buf_backend_get_stats(backend, &after);
        /* Without giving back: + 1 MiB + a new arena's header. */
        cr_assert_leq(after.bytes_os, before.bytes_os + (128 << 10), "%s: %llu -> %llu", specs[s],
                      (unsigned long long)before.bytes_os, (unsigned long long)after.bytes_os);
        for (int i = 0; i < RUNS; i += 2) {
            cr_assert_not_null(blocks[i] = buf_backend_alloc(backend, small, 0, NULL));
            memset(blocks[i], i, small);
        }
        for (int i = 0; i < RUNS; i++)
            cr_assert(blocks[i][0] == (uint8_t)i && blocks[i][small - 1] == (uint8_t)i, "%s: run %d", specs[s], i);
        for (int i = 0; i < RUNS; i++)
            buf_backend_free(backend, blocks[i], small, 0);
        buf_backend_free(backend, big, large, 0);
        test_close_backend_clean(backend);
    }
}

Test(backend, pool_slices_small_requests_from_one_chunk)
{
    buf_backend_t *backend = test_open_backend("pool");
    uint8_t *first = buf_backend_alloc(backend, 100, 8, NULL);
    uint8_t *second = buf_backend_alloc(backend, 100, 8, NULL);
    size_t step = (100 + BUF_REDZONE + 15) & ~(size_t)15; /* a slice's class: 16-byte steps up to 512 */
    cr_assert_eq((size_t)(second - first), step, "slices %p and %p", (void *)first, (void *)second);
    cr_assert_eq((uintptr_t)first / 8192, (uintptr_t)second / 8192, "same 8 KiB chunk");
    buf_backend_free(backend, first, 100, 8);
    buf_backend_free(backend, second, 100, 8);
    test_close_backend_clean(backend);
}

/* Memory is recycled, not leaked: repeated rounds of the same workload must not grow the
 * memory obtained from the OS after the third round.  The first round may leave pool's
 * front holding a slice per class, each keeping its chunk (at most 1 MiB of chunks), which
 * the second round's requests of those classes take while the other slices go to fresh
 * chunks, and the bulk class's stack (runs of one slice class: 16 slices, up to 15 chunks
 * more) may shift which chunk a later round ends in once more: after the third round,
 * nothing grows. */
Test(backend, freed_memory_is_reused)
{
    static const char *specs[] = {"slab", "pool", "pool:65536"};
    static void *blocks[5000];
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        buf_backend_t *backend = test_open_backend(specs[s]);
        uint64_t after_first = 0, settled = 0;
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
            else if (round <= 2) {
                cr_assert_leq(stats.bytes_os, after_first + ((uint64_t)2 << 20), "%s round %d: bytes_os %llu -> %llu",
                              specs[s], round, (unsigned long long)after_first, (unsigned long long)stats.bytes_os);
                settled = stats.bytes_os;
            } else
                cr_assert_eq(stats.bytes_os, settled, "%s round %d: bytes_os grew %llu -> %llu", specs[s],
                             round, (unsigned long long)settled, (unsigned long long)stats.bytes_os);
        }
        test_close_backend_clean(backend);
    }
}
