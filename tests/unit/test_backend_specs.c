/* test_backend_specs.c — spec parsing, the registry, and the fail(SEED,P) decorator.
 *
 * The registry's promises (every base backend listed once, permanent and unique fuzz
 * ids that fit the fuzz selector) and the decorator's (the same decisions for the same
 * seed, probability and sequence of calls, forever: the committed fuzz corpora rely on
 * it; everything but success is the wrapped backend's).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf_backend.h"
#include "test_support.h"

/* ---- Specs --------------------------------------------------------------------------- */
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
    }
    for (size_t i = 0; i < buf_backend_count(); i++) {
        const buf_backend_ops_t *ops = buf_backend_at(i);
        cr_assert(ops->props.cross_thread_free, "%s: cross_thread_free is required", ops->props.name);
        /* The fuzz backend selector spends four bits on the id (fuzz/fuzz_backend.h). */
        cr_assert_lt(ops->fuzz_id, 16, "%s: fuzz id %u does not fit the fuzz selector", ops->props.name,
                     (unsigned)ops->fuzz_id);
        cr_assert_eq(buf_backend_find(ops->props.name), ops, "%s: a second backend has its name", ops->props.name);
        for (size_t j = i + 1; j < buf_backend_count(); j++)
            cr_assert_neq(ops->fuzz_id, buf_backend_at(j)->fuzz_id, "%s and %s share a fuzz id", ops->props.name,
                          buf_backend_at(j)->props.name);
    }
    cr_assert_null(buf_backend_at(buf_backend_count()));
    cr_assert_null(buf_backend_find("nope"));
    cr_assert_null(buf_backend_find("fail"), "decorators are not base backends");
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

/* The committed fuzz corpora replay the same failures only if the same SEED, P and
 * sequence of calls give the same decisions in every version: these are the decisions
 * (1 = allocated) the decorator has always made.  Requests the framework refuses (a
 * size above BUF_MAX_ALLOC, a bad alignment) are interleaved: they draw no number. */
Test(backend, fail_variant_keeps_its_decisions_for_the_committed_corpora)
{
    static const struct {
        const char *spec;
        const char *decisions;
    } cases[] = {
        {"fail(42,0.3):malloc", "1100110110000100110110111101101100110100101111101111111011101111"},
        {"fail(0xfeed,0.5):slab", "0110100101110001100101010011000000001110011000101111001000100011"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        buf_backend_t *backend = test_open_backend(cases[c].spec);
        char decisions[65] = {0};
        for (int i = 0; i < 64; i++) {
            if (i % 10 == 5) {
                cr_assert_null(buf_backend_alloc(backend, SIZE_MAX, 0, NULL));
                cr_assert_null(buf_backend_alloc(backend, 8, 3, NULL));
            }
            void *block = buf_backend_alloc(backend, 64, 0, NULL);
            decisions[i] = block ? '1' : '0';
            buf_backend_free(backend, block, 64, 0);
        }
        cr_assert_str_eq(decisions, cases[c].decisions, "%s", cases[c].spec);
        buf_backend_close(backend);
    }
}

/* The decorator changes only whether allocations succeed: the memory, bytes_os and the
 * properties (but the description) are the wrapped backend's. */
Test(backend, fail_variant_reports_the_wrapped_backend)
{
    buf_backend_t *backend = test_open_backend("fail(3,0):mmap:guard");
    buf_backend_props_t props;
    buf_backend_get_props(backend, &props);
    cr_assert_str_eq(props.name, "mmap");
    cr_assert_str_eq(props.description, "failure-injecting decorator");
    cr_assert(props.guard_pages && props.zeroed && !props.close_releases_blocks);
    void *block = buf_backend_alloc(backend, 100, 0, NULL);
    cr_assert_not_null(block);
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_assert_eq(stats.bytes_os, 2 * buf_page_size(), "one page for the block, one guard page");
    cr_assert(!stats.bytes_os_process_wide);
    cr_assert_eq(stats.bytes_live, 100);
    buf_backend_free(backend, block, 100, 0);
    test_close_backend_clean(backend);
}

Test(backend, null_instance_gives_empty_props_and_zero_stats)
{
    buf_backend_props_t props;
    memset(&props, 0xA5, sizeof props);
    buf_backend_get_props(NULL, &props);
    cr_assert_str_eq(props.name, "");
    cr_assert_str_eq(props.description, "");
    cr_assert(!props.zeroed && !props.guard_pages && !props.cross_thread_free && !props.concurrent_alloc &&
              !props.close_releases_blocks);
    buf_backend_stats_t stats;
    memset(&stats, 0xA5, sizeof stats);
    buf_backend_get_stats(NULL, &stats);
    cr_assert(stats.bytes_live == 0 && stats.bytes_os == 0 && stats.allocs == 0 && !stats.bytes_os_process_wide);
    buf_backend_get_props(NULL, NULL);
    buf_backend_get_stats(NULL, NULL);
    cr_assert_str_eq(buf_backend_spec(NULL), "");
    cr_assert_eq(buf_backend_close(NULL), 0);
}
