/* mem_annotate.h — telling ASan and valgrind what a sub-allocating backend does.
 *
 * slab and pool carve many blocks out of one mapping; without these annotations an
 * overrun from one block into its neighbour, a use of a freed block or a leaked block
 * would go unnoticed by the tools.  Free and slack bytes are poisoned (ASan) and marked
 * no-access (valgrind); a live block is described to valgrind as a malloc-like block.
 * In sanitizer builds, and when the process runs under valgrind, every block also gets a
 * red zone of poisoned bytes after it (mem_redzone()), so a 1-byte overrun always lands
 * on poison instead of on a live neighbour.
 * Every function here compiles to nothing in a build without ASan, and its valgrind part
 * is one predictable branch on a flag read once at start-up (backend_valgrind_watching):
 * a client request builds a six-word argument block on the stack and runs a marker
 * sequence, ~15 instructions, and a slab pair made seven of them (about a third of its
 * instructions) even when no valgrind was watching.
 */
#ifndef BUF_MEM_ANNOTATE_H
#define BUF_MEM_ANNOTATE_H

#include <stdbool.h>
#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define BUF_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BUF_HAVE_ASAN 1
#endif
#endif

#ifdef BUF_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#define BUF_REDZONE ((size_t)16)
#define BUF_ASAN_POISON(p, n) __asan_poison_memory_region((p), (n))
#define BUF_ASAN_UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define BUF_REDZONE ((size_t)0)
#define BUF_ASAN_POISON(p, n) ((void)(p), (void)(n))
#define BUF_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>) && !defined(BUF_TSAN)
#include <valgrind/memcheck.h>
#define BUF_HAVE_VALGRIND 1
#endif
#endif

#ifdef BUF_HAVE_VALGRIND
#include <stdbool.h>
/* RUNNING_ON_VALGRIND, read once before main, unless BUFBENCH_VALGRIND_ANNOTATE=0 in the
 * environment (mem_annotate.c). */
extern bool backend_valgrind_watching;
/* The client requests themselves, out of line (mem_annotate.c): inline, each one's
 * argument block made every caller reserve ~200 bytes of stack and save registers, ~10
 * instructions on every slab and pool call even with no valgrind watching. */
void backend_valgrind_noaccess(void *ptr, size_t length);
void backend_valgrind_undefined(void *ptr, size_t length);
void backend_valgrind_defined(void *ptr, size_t length);
void backend_valgrind_malloclike(void *ptr, size_t size);
void backend_valgrind_freelike(void *ptr);
#define MEM_VALGRIND(call)                                    \
    do {                                                      \
        if (__builtin_expect(backend_valgrind_watching, 0)) { \
            call;                                             \
        }                                                     \
    } while (0)
#endif

/* Bytes of red zone after every block: BUF_REDZONE in ASan builds, 16 under valgrind
 * (when annotating), 0 otherwise; read once per backend instance. */
static inline size_t mem_redzone(void)
{
#ifdef BUF_HAVE_VALGRIND
    if (backend_valgrind_watching)
        return 16;
#endif
    return BUF_REDZONE;
}

/* Whether blocks are annotated at all (ASan build, or valgrind watching): a backend's
 * pair path skips every annotation call when not, and hands the call to its annotated
 * slow path when so. */
static inline bool mem_annotating(void)
{
#ifdef BUF_HAVE_ASAN
    return true;
#elif defined(BUF_HAVE_VALGRIND)
    return backend_valgrind_watching;
#else
    return false;
#endif
}

/* Whole region becomes inaccessible: fresh slab/chunk memory, free blocks, slack. */
static inline void mem_poison(void *ptr, size_t length)
{
    BUF_ASAN_POISON(ptr, length);
#ifdef BUF_HAVE_VALGRIND
    MEM_VALGRIND(backend_valgrind_noaccess(ptr, length));
#endif
}

/* Region becomes accessible to the backend itself (metadata writes, reset). */
static inline void mem_unpoison(void *ptr, size_t length)
{
    BUF_ASAN_UNPOISON(ptr, length);
#ifdef BUF_HAVE_VALGRIND
    MEM_VALGRIND(backend_valgrind_undefined(ptr, length));
#endif
}

/* A block of `size` usable bytes is handed to the user. */
static inline void mem_block_handed_out(void *ptr, size_t size)
{
    BUF_ASAN_UNPOISON(ptr, size);
#ifdef BUF_HAVE_VALGRIND
    MEM_VALGRIND(backend_valgrind_malloclike(ptr, size));
#endif
}

/* The user gave back the block; `span` bytes (block + slack) become inaccessible. */
static inline void mem_block_taken_back(void *ptr, size_t span)
{
#ifdef BUF_HAVE_VALGRIND
    MEM_VALGRIND(backend_valgrind_freelike(ptr));
#endif
    mem_poison(ptr, span);
}

/* Free-list links live in the first word of a free block: open it to read or write the
 * link, close it again afterwards. */
static inline void mem_link_open(void *block)
{
    BUF_ASAN_UNPOISON(block, sizeof(void *));
#ifdef BUF_HAVE_VALGRIND
    MEM_VALGRIND(backend_valgrind_defined(block, sizeof(void *)));
#endif
}

static inline void mem_link_close(void *block)
{
    mem_poison(block, sizeof(void *));
}

#endif
