/* main.c — bufbench-bench: the benchmark suite's entry point.
 *
 *   build/bench/bufbench-bench [--quick] [--data-dir DIR] [--file-size BYTES]
 *                              [Google Benchmark flags: --benchmark_filter=... ...]
 *
 * Our flags come first and are taken out of argv; everything left goes to Google
 * Benchmark (bench_main), which rejects what it does not know.  The families compiled
 * into this binary register their rows: the Makefile passes -DBENCH_HAVE_<NAME> for each
 * bench/family_<name>.c it finds, so a tree with only some families still builds.
 *
 * The results' context block gets the run's settings and the malloc this process really
 * got (glibc, or mimalloc / jemalloc / tcmalloc under LD_PRELOAD, found by a symbol only
 * that allocator defines): scripts/bench-run.sh checks it before it names rows
 * malloc@<allocator>.
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "buf_codec.h"
#include "suite.h"

/* Stream files: at least 256 MiB in the full suite, so that a pass reads more than the
 * CPU caches and measures the stream layer over the page cache, not the first pass of
 * a file that fits in L3 (32 MiB here); 64 MiB in the quick suite, twice that L3. */
#define FULL_FILE_BYTES ((uint64_t)256 << 20)
#define QUICK_FILE_BYTES ((uint64_t)64 << 20)

/* ---- Which malloc this process got ---------------------------------------------------- */
/* Each preloadable allocator exports a symbol glibc does not have. */
static const char *detect_malloc(void)
{
    static const struct { const char *symbol, *allocator; } marks[] = {
        {"mi_version", "mimalloc"},
        {"mallctl", "jemalloc"},
        {"tc_version", "tcmalloc"},
    };
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
        if (dlsym(RTLD_DEFAULT, marks[i].symbol) != NULL) return marks[i].allocator;
    return "glibc";
}

/* ---- Our flags ------------------------------------------------------------------------ */
static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: bufbench-bench [--quick] [--data-dir DIR] [--file-size BYTES] [benchmark flags]\n"
            "  --quick            the reduced grid (make bench-quick)\n"
            "  --data-dir DIR     folder for the files the stream families create (made if missing;\n"
            "                     default $TMPDIR or /tmp, + /bufbench-bench)\n"
            "  --file-size BYTES  size of the stream files, suffix K, M or G for KiB, MiB, GiB\n"
            "                     (default 256M, 64M with --quick)\n"
            "  --help             this text, then Google Benchmark's own flags\n"
            "Google Benchmark flags (--benchmark_filter=REGEX, --benchmark_list_tests,\n"
            "--benchmark_repetitions=N, --benchmark_min_time=S, --benchmark_out=FILE, ...) pass through.\n");
}

/* Parses "123", "64K", "256M", "1G" (binary units); false on anything else or zero. */
static bool parse_bytes(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    uint64_t value = strtoull(text, &end, 10);
    if (end == text || errno != 0 || text[0] == '-') return false;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'K': case 'k': shift = 10; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'G': case 'g': shift = 30; end++; break;
    default: return false;
    }
    if (*end != '\0' || value == 0 || value > (UINT64_MAX >> shift)) return false;
    *out = value << shift;
    return true;
}

/* Takes our flags out of argv (in place); returns false with a message on a bad one. */
static bool take_our_flags(int *argc, char **argv, bench_suite_config_t *config, bool *help)
{
    int kept = 1;
    bool size_given = false;
    for (int i = 1; i < *argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--quick") == 0) {
            config->quick = true;
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            *help = true;
            argv[kept++] = argv[i]; /* Google Benchmark then prints its own flags and exits */
        } else if (strcmp(arg, "--data-dir") == 0 || strcmp(arg, "--file-size") == 0) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "bufbench-bench: %s needs a value\n", arg);
                return false;
            }
            const char *value = argv[++i];
            if (arg[2] == 'd') {
                config->data_dir = value;
            } else if (!parse_bytes(value, &config->stream_file_bytes)) {
                fprintf(stderr, "bufbench-bench: --file-size %s: not a size (e.g. 268435456, 256M, 1G)\n", value);
                return false;
            } else {
                size_given = true;
            }
        } else {
            argv[kept++] = argv[i];
        }
    }
    argv[kept] = NULL;
    *argc = kept;
    if (!size_given) config->stream_file_bytes = config->quick ? QUICK_FILE_BYTES : FULL_FILE_BYTES;
    return true;
}

/* The data folder must exist and be writable before a family creates files in it. */
static bool prepare_data_dir(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "bufbench-bench: cannot create --data-dir %s: %s\n", dir, strerror(errno));
        return false;
    }
    struct stat info;
    if (stat(dir, &info) != 0 || !S_ISDIR(info.st_mode)) {
        fprintf(stderr, "bufbench-bench: --data-dir %s is not a folder\n", dir);
        return false;
    }
    return true;
}

/* ---- Main ------------------------------------------------------------------------------ */
int main(int argc, char **argv)
{
    static char default_dir[4096];
    const char *tmp = getenv("TMPDIR");
    snprintf(default_dir, sizeof default_dir, "%s/bufbench-bench", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    bench_suite_config_t config = {.quick = false, .data_dir = default_dir, .stream_file_bytes = 0};
    bool help = false;
    if (!take_our_flags(&argc, argv, &config, &help)) return 2;
    if (help) print_usage(stdout);
    if (!prepare_data_dir(config.data_dir)) return 2;

    char file_bytes[32];
    snprintf(file_bytes, sizeof file_bytes, "%" PRIu64, config.stream_file_bytes);
    bench_add_context("bufbench_mode", config.quick ? "quick" : "full");
    bench_add_context("bufbench_file_bytes", file_bytes);
    bench_add_context("bufbench_malloc", detect_malloc());
    /* the codecs' SIMD level really in use (BUFBENCH_SIMD may force one: buf_codec.h) */
    bench_add_context("bufbench_simd", buf_simd_level_name(buf_simd_level()));

    /* The families, in the order their rows appear. */
#ifdef BENCH_HAVE_ALLOC
    bench_family_alloc(&config);
#endif
#ifdef BENCH_HAVE_VIEWS
    bench_family_views(&config);
#endif
#ifdef BENCH_HAVE_CODEC
    bench_family_codec(&config);
#endif
#ifdef BENCH_HAVE_STREAM
    bench_family_stream(&config);
#endif
    bench_family_shim(&config);
    return bench_main(argc, argv);
}
