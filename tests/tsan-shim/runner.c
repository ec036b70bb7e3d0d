/* runner.c — runs the tests registered through the TSan shim's Test() (see criterion.h
 * in this folder), one after another in this process, and prints "N passed, N failed".
 * A ThreadSanitizer report aborts the process (halt_on_error=1), failing the stage. */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_TESTS 256

static const shim_test_t *tests[MAX_TESTS];
static size_t test_count;
static jmp_buf test_exit;
static bool current_failed;

void shim_register(const shim_test_t *test)
{
    if (test_count < MAX_TESTS)
        tests[test_count++] = test;
}

bool shim_check(bool ok, bool fatal, const char *file, int line, const char *expression, const char *format, ...)
{
    if (ok)
        return true;
    current_failed = true;
    fprintf(stderr, "  %s:%d: check failed: %s\n", file, line, expression);
    if (format[0]) {
        va_list args;
        va_start(args, format);
        fputs("    ", stderr);
        vfprintf(stderr, format, args);
        fputc('\n', stderr);
        va_end(args);
    }
    if (fatal)
        longjmp(test_exit, 1);
    return false;
}

void shim_skip(const char *reason)
{
    fprintf(stderr, "  skipped: %s\n", reason);
    longjmp(test_exit, 2);
}

int main(void)
{
    size_t passed = 0, failed = 0;
    for (size_t i = 0; i < test_count; i++) {
        current_failed = false;
        int outcome = setjmp(test_exit);
        if (outcome == 0)
            tests[i]->run();
        if (outcome == 2)
            continue;
        printf("[%s] %s::%s\n", current_failed ? "FAIL" : "PASS", tests[i]->suite, tests[i]->name);
        if (current_failed)
            failed++;
        else
            passed++;
    }
    printf("%zu passed, %zu failed\n", passed, failed);
    return failed ? 1 : 0;
}
