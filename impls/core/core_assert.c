/* core_assert.c — the failure path of BUF_ASSERT (core_assert.h). */
#include "core_assert.h"

#include <stdio.h>
#include <stdlib.h>

_Noreturn void core_assert_fail(const char *condition, const char *file, int line, const char *function)
{
    fprintf(stderr, "bufbench: assertion failed: %s (%s:%d, %s)\n", condition, file, line, function);
    fflush(stderr);
    abort();
}
