/* family_support.h — small helpers the benchmark families share (header only).
 *
 * Everything here runs OUTSIDE the timed batch loop: opening a backend before the first
 * bench_batch, reading page-fault and RSS figures before and after it, naming rows and
 * making inputs.  Nothing here is meant for the hot path (DESIGN.md: "a harness must not
 * distort what it measures").
 *
 * Name parameters are plain decimal byte counts (alloc_pair/slab/65536), so a name sorts,
 * parses and mirrors into the Node rows (node/ + the same name) without a unit table.
 */
#ifndef BENCH_FAMILY_SUPPORT_H
#define BENCH_FAMILY_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "buf_backend.h"

#define FAMILY_KIB ((size_t)1024)
#define FAMILY_MIB ((size_t)1024 * 1024)
#define FAMILY_COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* ---- Registration -------------------------------------------------------------------- */
/* Registers fn under a printf-formatted name (the name is copied by Google Benchmark). */
static inline bench_t *family_register(bench_fn fn, void *context, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static inline bench_t *family_register(bench_fn fn, void *context, const char *format, ...)
{
    char name[256];
    va_list args;
    va_start(args, format);
    vsnprintf(name, sizeof name, format, args);
    va_end(args);
    return bench_register(name, fn, context);
}

/* Contexts must outlive bench_main: they are allocated once at registration and live for
 * the process.  Each is chained to a list rooted in a static of the family's file, so they
 * stay reachable (LeakSanitizer sees no leak in a sanitizer build of the suite). */
typedef struct family_context_link {
    struct family_context_link *next;
    max_align_t context[]; /* the context itself, at malloc's alignment */
} family_context_link_t;

static family_context_link_t *family_contexts;

static inline void *family_context(size_t size)
{
    family_context_link_t *link = calloc(1, sizeof *link + size);
    if (link == NULL) {
        fprintf(stderr, "bench: out of memory registering benchmarks\n");
        exit(1);
    }
    link->next = family_contexts;
    family_contexts = link;
    return link->context;
}

/* ---- Backends ---------------------------------------------------------------------------- */
/* Opens a fresh instance of a base backend for one run of a benchmark; on failure the run
 * is skipped with the reason and NULL is returned. */
static inline buf_backend_t *family_open_backend(bench_state_t *state, const char *name)
{
    buf_backend_t *backend = NULL;
    const buf_status_t status = buf_backend_open(name, NULL, &backend);
    if (status != BUF_OK) {
        char message[160];
        snprintf(message, sizeof message, "cannot open backend %s: %s", name, buf_status_name(status));
        bench_skip_with_error(state, message);
        return NULL;
    }
    return backend;
}

/* ---- Process figures (before and after the timed loop) --------------------------------- */
/* Minor page faults of the whole process so far (every thread: the xthread producer too). */
static inline long family_minor_faults(void)
{
    struct rusage usage;
    return getrusage(RUSAGE_SELF, &usage) == 0 ? usage.ru_minflt : 0;
}

/* Resident set size in bytes, from /proc/self/statm (second field, in pages). */
static inline double family_rss_bytes(void)
{
    FILE *statm = fopen("/proc/self/statm", "r");
    unsigned long size_pages = 0, resident_pages = 0;
    if (statm == NULL)
        return 0;
    if (fscanf(statm, "%lu %lu", &size_pages, &resident_pages) != 2)
        resident_pages = 0;
    fclose(statm);
    return (double)resident_pages * (double)sysconf(_SC_PAGESIZE);
}

static inline double family_now_seconds(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* ---- Inputs ------------------------------------------------------------------------------ */
/* xorshift64: a fixed, documented generator, so every run builds the same inputs. */
static inline uint64_t family_random(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

static inline void family_fill_random(uint8_t *bytes, size_t length, uint64_t seed)
{
    uint64_t state = seed | 1;
    for (size_t i = 0; i < length; i++)
        bytes[i] = (uint8_t)(family_random(&state) >> 32);
}

#endif
