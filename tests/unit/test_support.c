/* test_support.c — see test_support.h. */
#include "test_support.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_SPECS 64
#define SPEC_LENGTH 64

static char spec_storage[MAX_SPECS][SPEC_LENGTH];
static size_t spec_count;

static void add_spec(const char *spec)
{
    if (spec_count < MAX_SPECS)
        snprintf(spec_storage[spec_count++], SPEC_LENGTH, "%s", spec);
}

static void build_specs(void)
{
    if (spec_count)
        return;
    char spec[SPEC_LENGTH];
    for (size_t i = 0; i < buf_backend_count(); i++)
        add_spec(buf_backend_at(i)->props.name);
    add_spec("mmap:guard");
    add_spec("slab:nocache"); /* slab without its front (thread cache): its own pair paths */
    for (size_t i = 0; i < buf_backend_count(); i++) {
        snprintf(spec, sizeof spec, "fail(7,0.05):%s", buf_backend_at(i)->props.name);
        add_spec(spec);
    }
}

size_t test_backend_spec_count(void)
{
    build_specs();
    return spec_count;
}

const char *test_backend_spec(size_t index)
{
    build_specs();
    return index < spec_count ? spec_storage[index] : NULL;
}

bool test_spec_injects_failures(const char *spec)
{
    return strncmp(spec, "fail(", 5) == 0;
}

buf_backend_t *test_open_backend(const char *spec)
{
    buf_backend_t *backend = NULL;
    buf_status_t status = buf_backend_open(spec, NULL, &backend);
    cr_assert_eq(status, BUF_OK, "open %s: %s", spec, buf_status_name(status));
    cr_assert_not_null(backend);
    return backend;
}

buf_backend_props_t test_spec_props(const char *spec)
{
    buf_backend_t *backend = test_open_backend(spec);
    buf_backend_props_t props;
    buf_backend_get_props(backend, &props); /* name and description are static strings */
    buf_backend_close(backend);
    return props;
}

void test_close_backend_clean(buf_backend_t *backend)
{
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_expect_eq(stats.bytes_live, 0, "%s: bytes_live %llu after freeing everything",
                 buf_backend_spec(backend), (unsigned long long)stats.bytes_live);
    cr_expect_eq(stats.allocs, stats.frees, "%s: %llu allocs vs %llu frees", buf_backend_spec(backend),
                 (unsigned long long)stats.allocs, (unsigned long long)stats.frees);
    size_t outstanding = buf_backend_close(backend);
    cr_expect_eq(outstanding, 0, "outstanding blocks at close: %zu", outstanding);
}

int test_run_in_child(int (*body)(const void *context), const void *context, char *err_text,
                      size_t err_capacity)
{
    int pipe_fds[2];
    cr_assert_eq(pipe(pipe_fds), 0);
    fflush(NULL);
    pid_t child = fork();
    cr_assert_geq(child, 0);
    if (child == 0) {
        dup2(pipe_fds[1], 2);
        close(pipe_fds[0]);
        _exit(body(context));
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

bool test_exited_with(int wait_status, int code)
{
    return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == code;
}

/* Sanitizer builds: allocation failure must be a NULL return (as in production), not an
 * ASan abort, and leaks fail the run. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1:detect_leaks=1";
}

/* ---- Hex for test vectors ---------------------------------------------------------- */
size_t test_hex_to_bytes(const char *hex, uint8_t *out)
{
    const size_t length = strlen(hex) / 2;
    for (size_t i = 0; i < length; i++) {
        unsigned value = 0;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &value), 1, "bad test hex %s", hex);
        out[i] = (uint8_t)value;
    }
    return length;
}

void test_bytes_to_hex(const uint8_t *bytes, size_t length, char *out)
{
    for (size_t i = 0; i < length; i++)
        sprintf(out + 2 * i, "%02x", bytes[i]);
    out[2 * length] = '\0';
}

size_t test_sink_append(uint8_t **bytes, size_t *length, size_t *capacity, size_t max_per_call,
                        const struct iovec *iov, int iovcnt)
{
    size_t accepted = 0;
    for (int i = 0; i < iovcnt; i++) {
        size_t take = iov[i].iov_len;
        if (max_per_call && accepted + take > max_per_call)
            take = max_per_call - accepted;
        if (*length + take > *capacity) {
            *capacity = (*length + take) * 2;
            *bytes = realloc(*bytes, *capacity);
            cr_assert_not_null(*bytes, "test sink: out of memory for %zu bytes", *capacity);
        }
        memcpy(*bytes + *length, iov[i].iov_base, take);
        *length += take;
        accepted += take;
        if (take < iov[i].iov_len)
            break;
    }
    return accepted;
}

uint8_t *test_random_bytes(size_t length, uint32_t seed)
{
    uint8_t *data = malloc(length ? length : 1);
    cr_assert_not_null(data);
    for (size_t i = 0; i < length; i++)
        data[i] = (uint8_t)(test_lcg_next(&seed) >> 16);
    return data;
}

void test_expect_figures(buf_backend_t *backend, const test_figures_t *model, int step)
{
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    const char *spec = buf_backend_spec(backend);
    cr_assert_eq(stats.bytes_live, model->live, "%s step %d: bytes_live %llu, expected %llu", spec, step,
                 (unsigned long long)stats.bytes_live, (unsigned long long)model->live);
    cr_assert_eq(stats.bytes_peak, model->peak, "%s step %d: bytes_peak %llu, expected %llu", spec, step,
                 (unsigned long long)stats.bytes_peak, (unsigned long long)model->peak);
    cr_assert_eq(stats.allocs, model->allocs, "%s step %d: allocs %llu, expected %llu", spec, step,
                 (unsigned long long)stats.allocs, (unsigned long long)model->allocs);
    cr_assert_eq(stats.frees, model->frees, "%s step %d: frees %llu, expected %llu", spec, step,
                 (unsigned long long)stats.frees, (unsigned long long)model->frees);
}
