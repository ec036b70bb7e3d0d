/* suite.h — how bench/main.c hands the run's settings to the benchmark families.
 *
 * Each family is one C file (bench/family_<name>.c) exporting one registration function;
 * it registers one benchmark per (subject, param) with the full DESIGN.md name, for every
 * base backend from the registry (buf_backend_count / buf_backend_at) — never a hard-coded
 * backend list, so a new backend appears in every family with no edit.
 */
#ifndef BENCH_SUITE_H
#define BENCH_SUITE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct bench_suite_config {
    bool quick;                 /* reduced grid (make bench-quick, <= 3 minutes in all) */
    const char *data_dir;       /* folder for the files a family creates (exists, writable) */
    uint64_t stream_file_bytes; /* size of the stream_file / stream_lines files (full: >= 256 MiB) */
} bench_suite_config_t;

void bench_family_alloc(const bench_suite_config_t *config);    /* alloc_*, baseline_freelist_fnptr, baseline_malloc, baseline_mmap */
void bench_family_views(const bench_suite_config_t *config);    /* view_get/set, raw_get/set, DataView, Buffer read/write */
void bench_family_codec(const bench_suite_config_t *config);    /* codec/..., codec_mltext/..., baseline_memcpy */
void bench_family_stream(const bench_suite_config_t *config);   /* stream_*, baseline_read, baseline_wc_l */
void bench_family_shim(const bench_suite_config_t *config);     /* shim_overhead/c_batch, shim_overhead/cxx_native */

#endif
