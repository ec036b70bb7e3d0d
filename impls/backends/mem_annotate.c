/* mem_annotate.c — whether valgrind watches this process, read once (see mem_annotate.h).
 *
 * A constructor runs before main and before any backend exists, on the process's first
 * thread, so every later reader sees the value without synchronisation.
 *
 * BUFBENCH_VALGRIND_ANNOTATE=0 turns the annotations and red zones off under valgrind:
 * callgrind (make bench-callgrind) then counts the instructions of the paths a native run
 * takes, not memcheck's bookkeeping, which callgrind does not use. */
#include "mem_annotate.h"

#include <stdlib.h>
#include <string.h>

#ifdef BUF_HAVE_VALGRIND
bool backend_valgrind_watching;

__attribute__((constructor)) static void backend_valgrind_detect(void)
{
    const char *annotate = getenv("BUFBENCH_VALGRIND_ANNOTATE");
    backend_valgrind_watching = RUNNING_ON_VALGRIND != 0 && !(annotate && strcmp(annotate, "0") == 0);
}

void backend_valgrind_noaccess(void *ptr, size_t length)
{
    VALGRIND_MAKE_MEM_NOACCESS(ptr, length);
}

void backend_valgrind_undefined(void *ptr, size_t length)
{
    VALGRIND_MAKE_MEM_UNDEFINED(ptr, length);
}

void backend_valgrind_defined(void *ptr, size_t length)
{
    VALGRIND_MAKE_MEM_DEFINED(ptr, length);
}

void backend_valgrind_malloclike(void *ptr, size_t size)
{
    VALGRIND_MALLOCLIKE_BLOCK(ptr, size, 0, 0);
}

void backend_valgrind_freelike(void *ptr)
{
    VALGRIND_FREELIKE_BLOCK(ptr, 0);
}
#endif
