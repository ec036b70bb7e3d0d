/* backend.c — the registry, instances, shared statistics, and the fail(SEED,P) variant.
 *
 * Every call from a user goes through here: sizes and alignments are validated once,
 * statistics every backend shares (live/peak bytes, counts) are kept here with relaxed
 * atomics (no lock: a backend may be used from several threads), and the failure-
 * injecting decorator wraps any other instance.
 */
#include "buf_backend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_registry.h"

/* ---- Registry ------------------------------------------------------------------------ */
#define DECLARE_OPS(name) extern const buf_backend_ops_t backend_##name##_ops;
BUF_BACKEND_LIST(DECLARE_OPS)
#undef DECLARE_OPS

#define OPS_ADDRESS(name) &backend_##name##_ops,
static const buf_backend_ops_t *const registry[] = {BUF_BACKEND_LIST(OPS_ADDRESS)};
#undef OPS_ADDRESS

static const size_t registry_count = sizeof registry / sizeof registry[0];

size_t buf_backend_count(void)
{
    return registry_count;
}

const buf_backend_ops_t *buf_backend_at(size_t index)
{
    return index < registry_count ? registry[index] : NULL;
}

const buf_backend_ops_t *buf_backend_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < registry_count; i++)
        if (strcmp(registry[i]->props.name, name) == 0)
            return registry[i];
    return NULL;
}

const buf_backend_ops_t *buf_backend_find_fuzz_id(uint8_t fuzz_id)
{
    for (size_t i = 0; i < registry_count; i++)
        if (registry[i]->fuzz_id == fuzz_id)
            return registry[i];
    return NULL;
}

size_t buf_page_size(void)
{
    /* Racing first calls store the same value; atomic so that the race is well-defined. */
    static _Atomic size_t page_size;
    size_t value = atomic_load_explicit(&page_size, memory_order_relaxed);
    if (!value) {
        long queried = sysconf(_SC_PAGESIZE);
        value = queried > 0 ? (size_t)queried : 4096;
        atomic_store_explicit(&page_size, value, memory_order_relaxed);
    }
    return value;
}

/* ---- Instances ----------------------------------------------------------------------- */
#define SPEC_MAX 256

struct buf_backend {
    const buf_backend_ops_t *ops; /* NULL for the fail decorator */
    void *state;
    buf_backend_t *inner;         /* fail decorator: the wrapped instance */
    uint64_t fail_seed;
    uint64_t fail_threshold;      /* an alloc fails when hash(seed, seq) < threshold */
    bool fail_always;             /* P == 1 (threshold cannot express 2^64) */
    _Atomic uint64_t fail_sequence;
    char spec[SPEC_MAX];
    _Atomic uint64_t bytes_live;
    _Atomic uint64_t bytes_peak;
    _Atomic uint64_t allocs;
    _Atomic uint64_t frees;
    _Atomic uint64_t failures;
};

/* splitmix64: a well-mixed 64-bit hash, so fail decisions look random yet replay exactly. */
static uint64_t mix64(uint64_t value)
{
    value += 0x9e3779b97f4a7c15ull;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
    return value ^ (value >> 31);
}

/* Parses "fail(SEED,P):REST"; on success *rest points into spec. */
static buf_status_t parse_fail_spec(const char *spec, uint64_t *seed, double *probability,
                                    const char **rest)
{
    const char *cursor = spec + strlen("fail(");
    char *end;
    errno = 0;
    if (*cursor == '-' || *cursor == '+' || *cursor == ' ')
        return BUF_EINVAL;
    unsigned long long seed_value = strtoull(cursor, &end, 0);
    if (end == cursor || errno || *end != ',')
        return BUF_EINVAL;
    cursor = end + 1;
    errno = 0;
    double p = strtod(cursor, &end);
    if (end == cursor || errno || *end != ')' || end[1] != ':' || !(p >= 0.0 && p <= 1.0))
        return BUF_EINVAL;
    *seed = seed_value;
    *probability = p;
    *rest = end + 2;
    return BUF_OK;
}

static buf_backend_t *instance_new(const char *spec)
{
    buf_backend_t *backend = calloc(1, sizeof *backend);
    if (backend)
        snprintf(backend->spec, sizeof backend->spec, "%s", spec);
    return backend;
}

buf_status_t buf_backend_open(const char *spec, const buf_backend_config_t *config, buf_backend_t **out)
{
    if (!spec || !out)
        return BUF_EINVAL;
    *out = NULL;
    if (strlen(spec) >= SPEC_MAX)
        return BUF_EINVAL;

    if (strncmp(spec, "fail(", 5) == 0) {
        uint64_t seed;
        double probability;
        const char *inner_spec;
        buf_status_t status = parse_fail_spec(spec, &seed, &probability, &inner_spec);
        if (status != BUF_OK)
            return status;
        buf_backend_t *inner;
        status = buf_backend_open(inner_spec, config, &inner);
        if (status != BUF_OK)
            return status;
        buf_backend_t *backend = instance_new(spec);
        if (!backend) {
            buf_backend_close_report(inner, NULL);
            return BUF_ENOMEM;
        }
        backend->inner = inner;
        backend->fail_seed = seed;
        backend->fail_always = probability >= 1.0;
        /* p * 2^64, computed without overflow: p < 1 here. */
        backend->fail_threshold = backend->fail_always ? 0 : (uint64_t)(probability * 18446744073709551616.0);
        *out = backend;
        return BUF_OK;
    }

    /* NAME or NAME:OPTION */
    char name[SPEC_MAX];
    snprintf(name, sizeof name, "%s", spec);
    char *colon = strchr(name, ':');
    buf_backend_config_t local_config = config ? *config : (buf_backend_config_t){0};
    if (colon) {
        *colon = '\0';
        local_config.option = colon + 1;
        if (!*local_config.option)
            return BUF_EINVAL;
    }
    const buf_backend_ops_t *ops = buf_backend_find(name);
    if (!ops)
        return BUF_EUNKNOWN_BACKEND;
    buf_backend_t *backend = instance_new(spec);
    if (!backend)
        return BUF_ENOMEM;
    buf_status_t status = ops->create(&local_config, &backend->state);
    if (status != BUF_OK) {
        free(backend);
        return status;
    }
    backend->ops = ops;
    *out = backend;
    return BUF_OK;
}

size_t buf_backend_close_report(buf_backend_t *backend, void *report)
{
    if (!backend)
        return 0;
    FILE *out = report;
    uint64_t allocs = atomic_load(&backend->allocs), frees = atomic_load(&backend->frees);
    uint64_t counted = allocs - frees;
    size_t listed;
    if (backend->inner)
        listed = buf_backend_close_report(backend->inner, report);
    else
        listed = backend->ops->destroy(backend->state, report);
    /* Backends that cannot list blocks (malloc, mmap) rely on the counts kept here. */
    size_t outstanding = listed > counted ? listed : (size_t)counted;
    if (out && counted && !backend->inner)
        fprintf(out, "%s: %" PRIu64 " block(s), %" PRIu64 " byte(s) still allocated at destroy\n",
                backend->spec, counted, atomic_load(&backend->bytes_live));
    free(backend);
    return outstanding;
}

size_t buf_backend_close(buf_backend_t *backend)
{
    return buf_backend_close_report(backend, stderr);
}

/* ---- Allocation ---------------------------------------------------------------------- */
static buf_status_t check_request(size_t size, size_t *align)
{
    if (*align == 0)
        *align = BUF_DEFAULT_ALIGN;
    if ((*align & (*align - 1)) != 0 || *align > buf_page_size())
        return BUF_EINVAL;
    if (size > BUF_MAX_ALLOC)
        return BUF_EOVERFLOW;
    return BUF_OK;
}

static void note_alloc(buf_backend_t *backend, size_t size)
{
    uint64_t live = atomic_fetch_add_explicit(&backend->bytes_live, size, memory_order_relaxed) + size;
    uint64_t peak = atomic_load_explicit(&backend->bytes_peak, memory_order_relaxed);
    while (live > peak && !atomic_compare_exchange_weak_explicit(&backend->bytes_peak, &peak, live,
                                                                 memory_order_relaxed, memory_order_relaxed))
        ;
    atomic_fetch_add_explicit(&backend->allocs, 1, memory_order_relaxed);
}

static void *fail_failed(buf_backend_t *backend, buf_status_t code, buf_status_t *status)
{
    atomic_fetch_add_explicit(&backend->failures, 1, memory_order_relaxed);
    if (status)
        *status = code;
    return NULL;
}

void *buf_backend_alloc(buf_backend_t *backend, size_t size, size_t align, buf_status_t *status)
{
    if (!backend) {
        if (status)
            *status = BUF_EINVAL;
        return NULL;
    }
    buf_status_t check = check_request(size, &align);
    if (check != BUF_OK)
        return fail_failed(backend, check, status);

    void *block;
    if (backend->inner) {
        uint64_t sequence = atomic_fetch_add_explicit(&backend->fail_sequence, 1, memory_order_relaxed);
        if (backend->fail_always || mix64(backend->fail_seed ^ mix64(sequence)) < backend->fail_threshold)
            return fail_failed(backend, BUF_ENOMEM, status);
        buf_status_t inner_status;
        block = buf_backend_alloc(backend->inner, size, align, &inner_status);
        if (!block)
            return fail_failed(backend, inner_status, status);
    } else {
        /* Size 0 gets a unique 1-byte block, freed with size 0 (see buf_backend.h). */
        block = backend->ops->alloc(backend->state, size ? size : 1, align);
        if (!block)
            return fail_failed(backend, BUF_ENOMEM, status);
    }
    note_alloc(backend, size);
    if (status)
        *status = BUF_OK;
    return block;
}

void *buf_backend_calloc(buf_backend_t *backend, size_t size, size_t align, buf_status_t *status)
{
    void *block = buf_backend_alloc(backend, size, align, status);
    if (block && size) {
        buf_backend_props_t props;
        buf_backend_get_props(backend, &props);
        if (!props.zeroed)
            memset(block, 0, size);
    }
    return block;
}

void buf_backend_free(buf_backend_t *backend, void *ptr, size_t size, size_t align)
{
    if (!backend || !ptr)
        return;
    if (align == 0)
        align = BUF_DEFAULT_ALIGN;
    if (backend->inner)
        buf_backend_free(backend->inner, ptr, size, align);
    else
        backend->ops->free(backend->state, ptr, size ? size : 1, align);
    atomic_fetch_sub_explicit(&backend->bytes_live, size, memory_order_relaxed);
    atomic_fetch_add_explicit(&backend->frees, 1, memory_order_relaxed);
}

/* ---- Statistics and properties ------------------------------------------------------- */
void buf_backend_get_stats(const buf_backend_t *backend, buf_backend_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!backend)
        return;
    buf_backend_t *mutable_backend = (buf_backend_t *)backend;
    if (backend->inner)
        buf_backend_get_stats(backend->inner, out); /* bytes_os from the wrapped backend */
    else
        backend->ops->stats(backend->state, out);
    out->bytes_live = atomic_load(&mutable_backend->bytes_live);
    out->bytes_peak = atomic_load(&mutable_backend->bytes_peak);
    out->allocs = atomic_load(&mutable_backend->allocs);
    out->frees = atomic_load(&mutable_backend->frees);
    out->failures = atomic_load(&mutable_backend->failures);
}

void buf_backend_get_props(const buf_backend_t *backend, buf_backend_props_t *out)
{
    if (backend->inner) {
        buf_backend_get_props(backend->inner, out);
        out->description = "failure-injecting decorator";
        return;
    }
    if (backend->ops->instance_props)
        backend->ops->instance_props(backend->state, out);
    else
        *out = backend->ops->props;
}

const char *buf_backend_spec(const buf_backend_t *backend)
{
    return backend ? backend->spec : "";
}
