/* replay_driver.c — a plain main that runs a fuzz target over files and directories.
 *
 *   build/fuzz/replay/TARGET [-v] [-backend=each|NAME] PATH...
 *       PATH        a file, or a directory whose regular files (one level, dot-files
 *                   skipped) run in name order
 *       -backend=each   run every input once per registered backend (buf_backend_at):
 *                   the selector's fuzz id is rewritten to each backend's in turn, so a
 *                   backend added to the registry replays the whole corpus with no edit
 *                   (inputs that never read a selector run once)
 *       -backend=NAME   run every input under that backend (name or fuzz id)
 *       -v          name each input (and backend) on stderr before it runs
 *
 * This is how a corpus becomes a regression test (make test replays corpus/<target>/ in
 * this plain build and in the sanitizer build, under every backend), how a crash is
 * reproduced without a fuzzer, and what runs under valgrind (no fuzzer runtime, nothing
 * but the target and the library) and under the coverage build.  A failing input aborts
 * the process (FUZZ_ASSERT or a sanitizer report); with -v the line printed before it
 * names the file and backend.  Other arguments starting with '-' are ignored, so
 * libFuzzer-style flags can be passed through unchanged.  Ends with
 * "replay: N inputs ran (R runs)" and exit status 0.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf_backend.h"
#include "fuzz_backend.h"
#include "fuzz_helpers.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int verbose;
static bool each_backend;
static size_t inputs_ran, runs;

/* One input under the backend the selector (or FUZZ_BACKEND / -backend=NAME) names, or
 * under every registered backend in turn. */
static void run_input(const char *path, const uint8_t *input, size_t length)
{
    if (!each_backend) {
        if (verbose) { fprintf(stderr, "replay: %s (%zu bytes)\n", path, length); fflush(stderr); }
        LLVMFuzzerTestOneInput(input, length);
        runs++;
        return;
    }
    for (size_t i = 0; i < buf_backend_count(); i++) {
        const buf_backend_ops_t *ops = buf_backend_at(i);
        if (verbose) {
            fprintf(stderr, "replay: %s (%zu bytes) as backend %s\n", path, length, ops->props.name);
            fflush(stderr);
        }
        uint64_t selectors_before = fuzz_backend_selectors_read();
        fuzz_backend_override_id(ops->fuzz_id);
        LLVMFuzzerTestOneInput(input, length);
        runs++;
        if (fuzz_backend_selectors_read() == selectors_before) break; /* no backend involved */
    }
    fuzz_backend_override_id(FUZZ_BACKEND_AS_INPUT_SAYS);
}

static int run_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL) { perror(path); return 1; }
    uint8_t *bytes = NULL;
    size_t length = 0, capacity = 0, got;
    do {
        if (length == capacity) {
            capacity = capacity ? capacity * 2 : 4096;
            uint8_t *grown = realloc(bytes, capacity);
            if (grown == NULL) { fclose(file); free(bytes); fprintf(stderr, "out of memory\n"); return 1; }
            bytes = grown;
        }
        got = fread(bytes + length, 1, capacity - length, file);
        length += got;
    } while (got > 0);
    fclose(file);

    /* Exact-size copy so that overreads of the input are caught. */
    uint8_t *input = malloc(length ? length : 1);
    if (input == NULL) { free(bytes); fprintf(stderr, "out of memory\n"); return 1; }
    if (length) memcpy(input, bytes, length);
    free(bytes);
    run_input(path, input, length);
    free(input);
    inputs_ran++;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_directory(const char *path)
{
    DIR *dir = opendir(path);
    if (dir == NULL) { perror(path); return 1; }
    char **names = NULL;
    size_t count = 0, capacity = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 64;
            char **grown = realloc(names, capacity * sizeof *names);
            if (grown == NULL) abort();
            names = grown;
        }
        size_t size = strlen(path) + strlen(entry->d_name) + 2;
        names[count] = malloc(size);
        if (names[count] == NULL) abort();
        snprintf(names[count], size, "%s/%s", path, entry->d_name);
        count++;
    }
    closedir(dir);
    if (count) qsort(names, count, sizeof *names, compare_names);
    int failures = 0;
    for (size_t i = 0; i < count; i++) {
        struct stat info;
        if (stat(names[i], &info) == 0 && S_ISREG(info.st_mode)) failures |= run_file(names[i]);
        free(names[i]);
    }
    free(names);
    return failures;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    int failures = 0, paths = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) { verbose = 1; continue; }
        if (strcmp(argv[i], "-backend=each") == 0) { each_backend = true; continue; }
        if (strncmp(argv[i], "-backend=", 9) == 0) {
            fuzz_backend_override_id(fuzz_backend_id_from_name(argv[i] + 9));
            continue;
        }
        if (argv[i][0] == '-') continue;
        paths++;
        struct stat info;
        if (stat(argv[i], &info) != 0) { perror(argv[i]); failures = 1; continue; }
        failures |= S_ISDIR(info.st_mode) ? run_directory(argv[i]) : run_file(argv[i]);
    }
    if (paths == 0) {
        fprintf(stderr, "usage: %s [-v] [-backend=each|NAME] FILE|DIR...\n", argv[0]);
        return 2;
    }
    printf("replay: %zu inputs ran (%zu runs)\n", inputs_ran, runs);
    return failures;
}
