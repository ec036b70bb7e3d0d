/* mem_annotate.c — whether valgrind watches this process, read once (see mem_annotate.h).
 *
 * A constructor runs before main and before any backend exists, on the process's first
 * thread, so every later reader sees the value without synchronisation. */
#include "mem_annotate.h"

#ifdef BUF_HAVE_VALGRIND
bool backend_valgrind_watching;

__attribute__((constructor)) static void backend_valgrind_detect(void)
{
    backend_valgrind_watching = RUNNING_ON_VALGRIND != 0;
}
#endif
