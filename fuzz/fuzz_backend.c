/* fuzz_backend.c — the backend selector (layout in fuzz_backend.h). */
#include "fuzz_backend.h"

#include <stdio.h>
#include <stdlib.h>

/* Allocation failure is a normal result in bufbench (DESIGN.md: NULL and a status, never
 * an abort), so the sanitizer builds let malloc return NULL instead of reporting a huge
 * request; ASAN_OPTIONS given at run time still override this. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

/* ---- Overriding the fuzz id ---------------------------------------------------------- */
static bool override_set;
static int override_id = FUZZ_BACKEND_AS_INPUT_SAYS;
static uint64_t selectors_read;

void fuzz_backend_override_id(int fuzz_id)
{
    override_set = true;
    override_id = fuzz_id;
}

int fuzz_backend_id_from_name(const char *name)
{
    if (name == NULL || *name == '\0') return FUZZ_BACKEND_AS_INPUT_SAYS;
    const buf_backend_ops_t *ops = buf_backend_find(name);
    char *end;
    long id = strtol(name, &end, 10);
    if (ops == NULL && *end == '\0' && id >= 0 && id <= UINT8_MAX) ops = buf_backend_find_fuzz_id((uint8_t)id);
    if (ops == NULL) {
        fprintf(stderr, "fuzz: FUZZ_BACKEND=%s names no registered backend (a name from `buf backends`, "
                        "or its fuzz id)\n", name);
        abort();
    }
    return ops->fuzz_id;
}

uint64_t fuzz_backend_selectors_read(void) { return selectors_read; }

static int effective_id(uint8_t selector)
{
    if (!override_set) fuzz_backend_override_id(fuzz_backend_id_from_name(getenv("FUZZ_BACKEND")));
    return override_id == FUZZ_BACKEND_AS_INPUT_SAYS ? selector & 0x0f : override_id;
}

/* ---- Open and close ------------------------------------------------------------------ */
bool fuzz_backend_open(fuzz_producer_t *producer, fuzz_backend_t *out)
{
    memset(out, 0, sizeof *out);
    uint8_t selector = fuzz_take_u8(producer);
    selectors_read++;
    const buf_backend_ops_t *ops = buf_backend_find_fuzz_id((uint8_t)effective_id(selector));
    if (ops == NULL) return false;
    out->fuzz_id = ops->fuzz_id;

    char base[64];
    snprintf(base, sizeof base, "%s", ops->props.name);
    if (selector & FUZZ_BACKEND_GUARD_BIT) {
        /* Only backends that understand the option take it; the rest open plain. */
        char guarded[64];
        snprintf(guarded, sizeof guarded, "%s:guard", ops->props.name);
        buf_backend_t *probe = NULL;
        if (buf_backend_open(guarded, NULL, &probe) == BUF_OK) {
            buf_backend_close(probe);
            snprintf(base, sizeof base, "%s", guarded);
            out->guard = true;
        }
    }

    if (selector & FUZZ_BACKEND_FAIL_BIT) {
        unsigned sixteenths = fuzz_take_u8(producer) % 17u;
        unsigned seed = fuzz_take_u16(producer);
        /* P written as a plain decimal: sixteenths are exact in four digits. */
        snprintf(out->spec, sizeof out->spec, "fail(%u,%u.%04u):%s", seed, sixteenths / 16u,
                 (sixteenths % 16u) * 625u, base);
        out->injects_failures = sixteenths > 0;
    } else {
        snprintf(out->spec, sizeof out->spec, "%s", base);
    }

    buf_status_t status = buf_backend_open(out->spec, NULL, &out->backend);
    FUZZ_ASSERT_MSG(status == BUF_OK && out->backend != NULL, "cannot open backend \"%s\": %s",
                    out->spec, buf_status_name(status));
    return true;
}

void fuzz_backend_close(fuzz_backend_t *selected)
{
    if (selected->backend == NULL) return;
    buf_backend_stats_t stats;
    buf_backend_get_stats(selected->backend, &stats);
    FUZZ_ASSERT_MSG(stats.bytes_live == 0 && stats.allocs == stats.frees,
                    "backend %s closed with %llu bytes live, %llu allocs, %llu frees",
                    selected->spec, (unsigned long long)stats.bytes_live,
                    (unsigned long long)stats.allocs, (unsigned long long)stats.frees);
    size_t outstanding = buf_backend_close_report(selected->backend, stderr);
    FUZZ_ASSERT_MSG(outstanding == 0, "backend %s: %zu blocks outstanding at close", selected->spec,
                    outstanding);
    selected->backend = NULL;
}
