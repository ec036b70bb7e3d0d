/* backend_fail.c — fail(SEED,P):SPEC, the failure-injecting decorator.
 *
 * Wraps any instance: each allocation fails with probability P (0 <= P <= 1), decided
 * from SEED and the allocation's sequence number alone, so a run replays exactly — the
 * committed fuzz corpora depend on it: the same SEED, P and sequence of calls give the
 * same decisions.  Allocation number n (from 0) fails when
 *     splitmix64(SEED ^ splitmix64(n)) < P * 2^64,
 * and always when P = 1 (2^64 does not fit the threshold).  Only requests that reach a
 * backend draw a number: the framework refuses bad sizes and alignments before.
 *
 * A decorator, not a base backend: it is not in the registry (`buf backends` does not
 * list it) but in BUF_DECORATOR_LIST.  buf_backend_open parses the spec's shape, opens
 * SPEC, and hands create the argument text "SEED,P" and the opened instance
 * (config->arguments, config->inner).  Everything else belongs to the wrapped instance:
 * the blocks, bytes_os, the properties (with this description), and at close its report
 * of outstanding blocks.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "buf_backend.h"

/* ---- State --------------------------------------------------------------------------- */
typedef struct fail_state {
    buf_backend_t *inner;        /* the wrapped instance (ours to close) */
    uint64_t seed;
    uint64_t threshold;          /* an alloc fails when the hash is below it */
    bool always;                 /* P == 1 */
    _Atomic uint64_t sequence;   /* allocations that reached this decorator so far */
} fail_state_t;

/* ---- Configuration ------------------------------------------------------------------- */
/* Reads "SEED,P": SEED a uint64 (decimal, 0x-hex; no sign, no leading space), P a real
 * number in [0, 1]. */
static buf_status_t parse_arguments(const char *arguments, uint64_t *seed, double *probability)
{
    const char *cursor = arguments;
    char *end;
    if (*cursor == '-' || *cursor == '+' || *cursor == ' ')
        return BUF_EINVAL;
    errno = 0;
    unsigned long long seed_value = strtoull(cursor, &end, 0);
    if (end == cursor || errno || *end != ',')
        return BUF_EINVAL;
    cursor = end + 1;
    errno = 0;
    double p = strtod(cursor, &end);
    if (end == cursor || errno || *end != '\0' || !(p >= 0.0 && p <= 1.0))
        return BUF_EINVAL;
    *seed = seed_value;
    *probability = p;
    return BUF_OK;
}

/* splitmix64: a well-mixed 64-bit hash, so fail decisions look random yet replay exactly. */
static uint64_t mix64(uint64_t value)
{
    value += 0x9e3779b97f4a7c15ull;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
    return value ^ (value >> 31);
}

static bool next_allocation_fails(fail_state_t *state)
{
    uint64_t sequence = atomic_fetch_add_explicit(&state->sequence, 1, memory_order_relaxed);
    return state->always || mix64(state->seed ^ mix64(sequence)) < state->threshold;
}

/* ---- Allocate ------------------------------------------------------------------------ */
static void *fail_alloc(void *opaque, size_t size, size_t align)
{
    fail_state_t *state = opaque;
    if (next_allocation_fails(state))
        return NULL; /* the framework reports BUF_ENOMEM and counts the failure */
    return buf_backend_alloc(state->inner, size, align, NULL);
}

/* ---- Free ---------------------------------------------------------------------------- */
static void fail_free(void *opaque, void *ptr, size_t size, size_t align)
{
    fail_state_t *state = opaque;
    buf_backend_free(state->inner, ptr, size, align);
}

/* ---- Create and destroy -------------------------------------------------------------- */
static buf_status_t fail_create(const buf_backend_config_t *config, void **state_out)
{
    if (!config || !config->inner || !config->arguments)
        return BUF_EINVAL; /* only ever opened as fail(SEED,P):SPEC */
    uint64_t seed;
    double probability;
    buf_status_t status = parse_arguments(config->arguments, &seed, &probability);
    if (status != BUF_OK)
        return status;
    fail_state_t *state = calloc(1, sizeof *state);
    if (!state)
        return BUF_ENOMEM;
    state->inner = config->inner;
    state->seed = seed;
    state->always = probability >= 1.0;
    /* P * 2^64, computed without overflow: P < 1 here. */
    state->threshold = state->always ? 0 : (uint64_t)(probability * 18446744073709551616.0);
    *state_out = state;
    return BUF_OK;
}

static size_t fail_destroy(void *opaque, void *report)
{
    fail_state_t *state = opaque;
    size_t outstanding = buf_backend_close_report(state->inner, report);
    free(state);
    return outstanding;
}

/* ---- Stats and properties ------------------------------------------------------------ */
static void fail_stats(void *opaque, buf_backend_stats_t *out)
{
    fail_state_t *state = opaque;
    buf_backend_stats_t inner;
    buf_backend_get_stats(state->inner, &inner);
    out->bytes_os = inner.bytes_os; /* the memory is the wrapped backend's */
    out->bytes_os_process_wide = inner.bytes_os_process_wide;
}

static void fail_instance_props(void *opaque, buf_backend_props_t *out)
{
    fail_state_t *state = opaque;
    buf_backend_get_props(state->inner, out);
    out->description = "failure-injecting decorator";
}

/* ---- The vtable ---------------------------------------------------------------------- */
const buf_backend_ops_t backend_fail_ops = {
    .props = {.name = "fail",
              .description = "failure-injecting decorator",
              .cross_thread_free = true,
              .concurrent_alloc = true},
    /* .fuzz_id: none; decorators are spelled in specs, never selected by id. */
    .create = fail_create,
    .destroy = fail_destroy,
    .alloc = fail_alloc,
    .free = fail_free,
    .stats = fail_stats,
    .instance_props = fail_instance_props,
};
