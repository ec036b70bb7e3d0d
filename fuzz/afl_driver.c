/* afl_driver.c — AFL++ persistent-mode main for any fuzz target.
 *
 * Built with afl-clang-fast, the process forks once and then runs many inputs in a loop,
 * each read straight from AFL++'s shared-memory testcase buffer (no file I/O per input).
 * Every input is copied into a malloc'd block of exactly its size, so the sanitizer
 * build of this driver catches a target reading one byte past the input as libFuzzer
 * does.  Targets keep no state between inputs (fresh backend per input), which is what
 * keeps AFL++'s stability at 100%.
 *
 * With file arguments it runs each file once and exits (handy for reproducing a crash
 * with the exact AFL++ binary that found it).  Built with a compiler other than
 * afl-clang-fast, it reads one input from stdin.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_helpers.h"

/* Optional one-time setup a target may define (libFuzzer's name). */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

#ifndef __AFL_FUZZ_TESTCASE_LEN
/* Not built by afl-clang-fast: one input from stdin. */
static unsigned char stdin_input[1 << 20];
static ssize_t stdin_length;
static int stdin_consumed;
#define __AFL_FUZZ_INIT() extern int afl_fuzz_init_unused_
#define __AFL_FUZZ_TESTCASE_BUF stdin_input
#define __AFL_FUZZ_TESTCASE_LEN stdin_length
#define __AFL_LOOP(n)                                                                   \
    (!stdin_consumed++ && (stdin_length = read(0, stdin_input, sizeof stdin_input)) >= 0)
#endif

__AFL_FUZZ_INIT();

static void run_one(const unsigned char *bytes, size_t length)
{
    /* An exact-size copy: reads past the end hit a redzone under ASan. */
    uint8_t *copy = malloc(length ? length : 1);
    if (copy == NULL) abort();
    if (length) memcpy(copy, bytes, length);
    LLVMFuzzerTestOneInput(copy, length);
    free(copy);
}

static int run_files(int count, char **paths)
{
    for (int i = 0; i < count; i++) {
        FILE *file = fopen(paths[i], "rb");
        if (file == NULL) { perror(paths[i]); return 1; }
        unsigned char *bytes = NULL;
        size_t length = 0, capacity = 0, got;
        do {
            if (length == capacity) {
                capacity = capacity ? capacity * 2 : 4096;
                unsigned char *grown = realloc(bytes, capacity);
                if (grown == NULL) abort();
                bytes = grown;
            }
            got = fread(bytes + length, 1, capacity - length, file);
            length += got;
        } while (got > 0);
        fclose(file);
        run_one(bytes, length);
        free(bytes);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) return run_files(argc - 1, argv + 1);

#ifdef __AFL_HAVE_MANUAL_CONTROL
    __AFL_INIT();
#endif
    /* The shared-memory buffer's address is fixed after __AFL_INIT and before the loop. */
    const unsigned char *testcase = __AFL_FUZZ_TESTCASE_BUF;
    while (__AFL_LOOP(100000)) {
        ssize_t length = __AFL_FUZZ_TESTCASE_LEN; /* the macro must not be used in a call */
        if (length < 0) break;
        run_one(testcase, (size_t)length);
    }
    return 0;
}
