/* test_backend_faults.c — misuse and memory errors that must be caught.
 *
 * Each case runs in a child process and must end it: a guard page faults, the
 * sanitizers see through slab and pool (ASan build), and the backends' invariant
 * assertions stop a caller who frees wrongly (assertion builds: sanitizer and fuzz).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf_backend.h"
#include "backends/backend_testing.h"
#include "test_support.h"

/* ---- Faults that must be caught ------------------------------------------------------ */
static int touch_past_guard(const void *context)
{
    (void)context;
    buf_backend_t *backend = NULL;
    buf_backend_open("mmap:guard", NULL, &backend);
    volatile uint8_t *block = buf_backend_alloc(backend, 1000, 8, NULL);
    block[999] = 1;    /* last byte: fine */
    block[1000] = 1;   /* first byte past round_up(1000, 8): guard page */
    return 0;
}

Test(backend, mmap_guard_faults_on_the_first_byte_past_the_block)
{
    char err[8192];
    int status = test_run_in_child(touch_past_guard, NULL, err, sizeof err);
    cr_assert(!test_exited_with(status, 0), "write past a guarded block did not fault");
    buf_backend_t *backend = test_open_backend("mmap:guard");
    buf_backend_props_t props;
    buf_backend_get_props(backend, &props);
    cr_assert(props.guard_pages);
    test_close_backend_clean(backend);
}

static int overrun_by_one(const char *spec, size_t size)
{
    buf_backend_t *backend = NULL;
    buf_backend_open(spec, NULL, &backend);
    volatile uint8_t *first = buf_backend_alloc(backend, size, 8, NULL);
    volatile uint8_t *second = buf_backend_alloc(backend, size, 8, NULL); /* a live neighbour */
    (void)second;
    first[size] = 0x5A; /* one byte past the end */
    return 0;
}

static int overrun_pool_slice(const void *context) { (void)context; return overrun_by_one("pool", 24); }
static int overrun_slab_block(const void *context) { (void)context; return overrun_by_one("slab", 64); }
static int overrun_pool_large(const void *context) { (void)context; return overrun_by_one("pool", 6000); }

Test(backend, sanitizer_catches_one_byte_overruns_of_pool_and_slab_blocks)
{
#ifndef BUF_HAVE_ASAN
    cr_skip_test("needs the ASan build (build/asan/tests/unit)");
#endif
    int (*bodies[])(const void *) = {overrun_pool_slice, overrun_slab_block, overrun_pool_large};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char err[16384];
        int status = test_run_in_child(bodies[i], NULL, err, sizeof err);
        cr_assert(!test_exited_with(status, 0), "case %zu: overrun not caught", i);
        cr_assert(strstr(err, "AddressSanitizer") != NULL, "case %zu: no ASan report:\n%s", i, err);
        cr_assert(strstr(err, "use-after-poison") || strstr(err, "buffer-overflow"), "case %zu:\n%s", i, err);
    }
}

static int use_after_free_slab(const void *context)
{
    (void)context;
    buf_backend_t *backend = NULL;
    buf_backend_open("slab", NULL, &backend);
    volatile uint8_t *block = buf_backend_alloc(backend, 64, 0, NULL);
    buf_backend_free(backend, (void *)block, 64, 0);
    block[10] = 1;
    return 0;
}

Test(backend, sanitizer_catches_use_after_free_of_a_slab_block)
{
#ifndef BUF_HAVE_ASAN
    cr_skip_test("needs the ASan build (build/asan/tests/unit)");
#endif
    char err[16384];
    int status = test_run_in_child(use_after_free_slab, NULL, err, sizeof err);
    cr_assert(!test_exited_with(status, 0), "use after free not caught");
    cr_assert(strstr(err, "AddressSanitizer") != NULL, "no ASan report:\n%s", err);
}

/* ---- Invariants that stop misuse (assertion builds) ------------------------------------ */
/* Each body misuses a backend the way a buggy caller could; the backend's invariant
 * assertions (core_assert.h, on in the sanitizer and fuzz builds) must stop it.  The
 * backend bodies first take a ballast block, so that the framework's own check (live
 * bytes never below zero) cannot be what stops them. */
static buf_backend_t *open_with_ballast(const char *spec)
{
    buf_backend_t *backend = test_open_backend(spec);
    cr_assert_not_null(buf_backend_alloc(backend, 1 << 20, 0, NULL));
    return backend;
}

static int slab_double_free(const void *context)
{
    (void)context;
    buf_backend_t *backend = open_with_ballast("slab");
    void *block = buf_backend_alloc(backend, 64, 0, NULL);
    void *neighbour = buf_backend_alloc(backend, 64, 0, NULL); /* keeps the slab in use */
    (void)neighbour;
    buf_backend_free(backend, block, 64, 0);
    buf_backend_free(backend, block, 64, 0); /* already on the free list */
    return 0;
}

static int slab_free_with_another_class(const void *context)
{
    (void)context;
    buf_backend_t *backend = open_with_ballast("slab");
    void *block = buf_backend_alloc(backend, 64, 0, NULL);
    buf_backend_free(backend, block, 300, 0);
    return 0;
}

static int slab_free_inside_a_block(const void *context)
{
    (void)context;
    buf_backend_t *backend = open_with_ballast("slab");
    uint8_t *block = buf_backend_alloc(backend, 64, 0, NULL);
    buf_backend_free(backend, block + 16, 64, 0);
    return 0;
}

static int pool_slice_released_too_often(const void *context)
{
    (void)context;
    buf_backend_t *backend = open_with_ballast("pool");
    void *slice = buf_backend_alloc(backend, 64, 0, NULL);
    for (int i = 0; i < 3; i++) /* the second free is one more than the slices handed out */
        buf_backend_free(backend, slice, 64, 0);
    return 0;
}

static int large_double_free(const void *context)
{
    (void)context;
    buf_backend_t *backend = open_with_ballast("slab");
    void *block = buf_backend_alloc(backend, 100000, 0, NULL);
    buf_backend_free(backend, block, 100000, 0);
    buf_backend_free(backend, block, 100000, 0);
    return 0;
}

static int large_free_with_another_size(const void *context)
{
    (void)context;
    buf_backend_t *backend = open_with_ballast("pool");
    void *block = buf_backend_alloc(backend, 100000, 0, NULL);
    buf_backend_free(backend, block, 100001, 0); /* same size class, wrong size */
    return 0;
}

static int free_more_bytes_than_allocated(const void *context)
{
    (void)context;
    buf_backend_t *backend = test_open_backend("malloc");
    void *block = buf_backend_alloc(backend, 10, 0, NULL);
    buf_backend_free(backend, block, 20, 0);
    return 0;
}

Test(backend, invariant_assertions_stop_misuse)
{
#if !defined(BUF_ASSERT_LEVEL) || BUF_ASSERT_LEVEL < 2
    cr_skip_test("needs the assertion build (build/asan/tests/unit)");
#endif
    static const struct {
        const char *what;
        int (*body)(const void *);
    } cases[] = {
        {"slab: a block freed twice", slab_double_free},
        {"slab: a block freed with the size of another class", slab_free_with_another_class},
        {"slab: a pointer inside a block", slab_free_inside_a_block},
        {"pool: a chunk count below zero", pool_slice_released_too_often},
        {"large path: a block freed twice", large_double_free},
        {"large path: a block freed with another size", large_free_with_another_size},
        {"framework: bytes_live below zero", free_more_bytes_than_allocated},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[16384];
        int status = test_run_in_child(cases[i].body, NULL, err, sizeof err);
        cr_assert(!test_exited_with(status, 0), "%s: not stopped", cases[i].what);
        cr_assert(strstr(err, "bufbench: assertion failed"), "%s: stopped, but not by an assertion:\n%s",
                  cases[i].what, err);
    }
}
