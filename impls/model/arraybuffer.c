/* arraybuffer.c — refcounted ArrayBuffers, fixed and resizable (buf_model.h).
 *
 * Two allocations per ArrayBuffer: the data, exactly max_byte_length bytes from the
 * backend, and the header (struct buf_arraybuffer, model_internal.h) from this thread's
 * cache of freed headers, else from malloc.  A resizable buffer reserves max_byte_length
 * bytes of data at creation, so resize is a length change plus a zero-fill of the grown
 * part, and no view's arithmetic ever sees the data move.
 *
 * Why apart: a stream's chunk is one ArrayBuffer per read.  With the 48-byte header in
 * front of the data, a 1 KiB chunk asked the backend for 1,072 bytes, past glibc's
 * per-thread cache (requests up to 1,032 bytes) onto its general path: ~300 instructions
 * a malloc/free pair where the cached path takes ~130 (callgrind, stream_pipe/malloc/1024:
 * 778 -> 702 instructions a chunk with this file's header cache); 4,144 bytes for a
 * 4 KiB chunk took slab's 4,608-byte class, and mmap one page more for every 4 KiB
 * multiple.  The backend now sees the sizes Node's allocator sees.
 */
#include "model_internal.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define MODEL_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MODEL_HAVE_ASAN 1
#endif
#endif
#ifdef MODEL_HAVE_ASAN
#include <sanitizer/asan_interface.h>
/* A cached header is poisoned up to its link (next_free, the last field): a use of a
 * released ArrayBuffer is reported, and the link stays readable to LeakSanitizer, which
 * takes no pointer found in poisoned memory (a chain of poisoned headers would be
 * reported as leaked). */
#define HEADER_POISON(header) __asan_poison_memory_region((header), offsetof(buf_arraybuffer_t, next_free))
#define HEADER_UNPOISON(header) __asan_unpoison_memory_region((header), offsetof(buf_arraybuffer_t, next_free))
#else
#define HEADER_POISON(header) ((void)(header))
#define HEADER_UNPOISON(header) ((void)(header))
#endif

/* ==== Headers ========================================================================== */

/* Freed headers a thread keeps for its next ArrayBuffers: 64 x 64 bytes, 4 KiB a thread.
 * A pipe at 1 KiB chunks holds 2-4 chunks (its in-flight bound is 4 chunks), a writable
 * up to its 16 KiB mark (16 chunks), a threaded pipe's queue up to 64: the common
 * producer-consumer shapes on one thread get every header back from the cache.  A
 * malloc/free pair of a header was ~130 instructions (glibc 2.36, callgrind); a pop and
 * a push are ~10.  A header released on another thread joins that thread's cache. */
#define HEADER_CACHE_MAX 64u

typedef struct header_cache {
    buf_arraybuffer_t *first; /* linked through next_free */
    unsigned room;            /* headers it may still take; 0 before the first push (the
                               * thread-exit hook is set up then) and after thread exit */
    bool hooked;              /* the thread-exit hook knows this thread's cache */
} header_cache_t;

static _Thread_local header_cache_t header_cache;

static pthread_once_t header_cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t header_cache_key;
static bool header_cache_key_made;

/* At thread exit (a pthread key destructor, run while the thread's TLS still exists):
 * the cached headers go back to malloc, and room stays 0 with hooked set, so a release
 * later in the thread's exit frees its header at once instead of caching it again. */
static void header_cache_close(void *unused)
{
    (void)unused;
    header_cache_t *cache = &header_cache;
    while (cache->first) {
        buf_arraybuffer_t *header = cache->first;
        HEADER_UNPOISON(header);
        cache->first = header->next_free;
        free(header);
    }
    cache->room = 0;
    cache->hooked = true;
}

static void header_cache_make_key(void)
{
    header_cache_key_made = pthread_key_create(&header_cache_key, header_cache_close) == 0;
}

/* A fresh header: the newest cached one, else malloc's.  Its fields are the caller's to
 * set (all of them). */
static inline buf_arraybuffer_t *header_take(void)
{
    header_cache_t *cache = &header_cache;
    buf_arraybuffer_t *header = cache->first;
    if (header == NULL)
        return malloc(sizeof *header);
    HEADER_UNPOISON(header);
    cache->first = header->next_free;
    cache->room++;
    return header;
}

/* Onto the cache, which has room for it; poisoned while it waits. */
static inline void header_push(header_cache_t *cache, buf_arraybuffer_t *header)
{
    cache->room--;
    header->next_free = cache->first;
    cache->first = header;
    HEADER_POISON(header);
}

/* The thread's first header to keep: hook its cache to thread exit (once per thread),
 * or free the header when the hook cannot be had or the thread is exiting. */
static void header_give_slowly(buf_arraybuffer_t *header)
{
    header_cache_t *cache = &header_cache;
    if (!cache->hooked) {
        pthread_once(&header_cache_once, header_cache_make_key);
        cache->hooked = true;
        if (header_cache_key_made && pthread_setspecific(header_cache_key, cache) == 0)
            cache->room = HEADER_CACHE_MAX;
    }
    if (cache->room == 0) {
        free(header);
        return;
    }
    header_push(cache, header);
}

/* A header whose ArrayBuffer is gone: kept in this thread's cache while it has room. */
static inline void header_give(buf_arraybuffer_t *header)
{
    header_cache_t *cache = &header_cache;
    if (__builtin_expect(cache->room == 0, 0)) {
        header_give_slowly(header);
        return;
    }
    header_push(cache, header);
}

/* ==== Creation ========================================================================= */

static bool byte_length_is_valid(int64_t byte_length)
{
    return byte_length >= 0 && byte_length <= BUF_MAX_BYTE_LENGTH;
}

/* What a new ArrayBuffer is, as bits for arraybuffer_create. */
typedef enum arraybuffer_traits {
    ARRAYBUFFER_FIXED = 0,           /* byte_length == max_byte_length forever */
    ARRAYBUFFER_RESIZABLE = 1u << 0, /* new ArrayBuffer(n, { maxByteLength }) */
    ARRAYBUFFER_ZEROED = 1u << 1,    /* contents zero (else unspecified: allocUnsafe) */
} arraybuffer_traits_t;

/* The one allocation path: every ArrayBuffer is born here.  Inlined into each public
 * entry point, where the traits are constants (the zeroing branch folds away) and the
 * call's register saves go: stream_pipe/malloc/1024 allocates an ArrayBuffer a chunk. */
static inline __attribute__((always_inline)) buf_status_t arraybuffer_create(buf_backend_t *backend, size_t byte_length, size_t max_byte_length,
                                       arraybuffer_traits_t traits, buf_arraybuffer_t **out)
{
    BUF_ASSERT(byte_length <= max_byte_length);
    buf_status_t status = BUF_OK;
    const size_t align = model_block_align(max_byte_length);
    uint8_t *data = traits & ARRAYBUFFER_ZEROED ? buf_backend_calloc(backend, max_byte_length, align, &status)
                                                : buf_backend_alloc(backend, max_byte_length, align, &status);
    if (!data)
        return model_allocation_failure(status); /* RangeError "Array buffer allocation failed" */
    buf_arraybuffer_t *ab = header_take();
    if (!ab) {
        buf_backend_free(backend, data, max_byte_length, align);
        return BUF_ENOMEM; /* the same RangeError: Node cannot make the object either */
    }
    ab->backend = backend;
    ab->data = data;
    atomic_init(&ab->refcount, 1);
    ab->byte_length = byte_length;
    ab->max_byte_length = max_byte_length;
    ab->resizable = traits & ARRAYBUFFER_RESIZABLE; /* next_free is set when the header is cached */
    *out = ab;
    return BUF_OK;
}

buf_status_t buf_arraybuffer_alloc(buf_backend_t *backend, int64_t byte_length, buf_arraybuffer_t **out)
{
    if (!backend || !out)
        return BUF_EINVAL;
    if (byte_length == BUF_OMITTED)
        byte_length = 0; /* ToIndex(undefined) */
    if (!byte_length_is_valid(byte_length))
        return BUF_ERANGE; /* "Invalid array buffer length" */
    return arraybuffer_create(backend, (size_t)byte_length, (size_t)byte_length, ARRAYBUFFER_FIXED | ARRAYBUFFER_ZEROED,
                              out);
}

buf_status_t buf_arraybuffer_alloc_unsafe(buf_backend_t *backend, int64_t byte_length, buf_arraybuffer_t **out)
{
    if (!backend || !out)
        return BUF_EINVAL;
    if (byte_length == BUF_OMITTED)
        byte_length = 0;
    if (!byte_length_is_valid(byte_length))
        return BUF_ERANGE;
    return arraybuffer_create(backend, (size_t)byte_length, (size_t)byte_length, ARRAYBUFFER_FIXED, out);
}

buf_status_t buf_arraybuffer_alloc_resizable(buf_backend_t *backend, int64_t byte_length, int64_t max_byte_length,
                                             buf_arraybuffer_t **out)
{
    if (!backend || !out)
        return BUF_EINVAL;
    if (byte_length == BUF_OMITTED)
        byte_length = 0;
    if (max_byte_length == BUF_OMITTED) /* { maxByteLength: undefined }: a fixed buffer */
        return buf_arraybuffer_alloc(backend, byte_length, out);
    if (!byte_length_is_valid(byte_length))
        return BUF_ERANGE; /* "Invalid array buffer length" */
    if (!byte_length_is_valid(max_byte_length) || byte_length > max_byte_length)
        return BUF_ERANGE; /* "Invalid array buffer max length" */
    return arraybuffer_create(backend, (size_t)byte_length, (size_t)max_byte_length,
                              ARRAYBUFFER_RESIZABLE | ARRAYBUFFER_ZEROED, out);
}

/* ==== References ======================================================================= */

/* The memory orders are argued where the count is declared (model_internal.h). */
buf_arraybuffer_t *buf_arraybuffer_retain(buf_arraybuffer_t *ab)
{
    if (ab) {
        size_t before = atomic_fetch_add_explicit(&ab->refcount, 1, memory_order_relaxed);
        BUF_ASSERT(before > 0 && before < SIZE_MAX); /* a live buffer, and no wrap-around */
    }
    return ab;
}

void buf_arraybuffer_release(buf_arraybuffer_t *ab)
{
    if (!ab)
        return;
    /* The caller's reference the only one (a chunk its reader handed on, a Buffer nobody
     * viewed): no other thread can take or drop one, so no read-modify-write is needed —
     * the acquire load orders every other holder's last access (their acq_rel decrements)
     * before the free.  A locked decrement is ~20 cycles on x86-64 even uncontended. */
    if (atomic_load_explicit(&ab->refcount, memory_order_acquire) != 1) {
        size_t before = atomic_fetch_sub_explicit(&ab->refcount, 1, memory_order_acq_rel);
        BUF_ASSERT(before > 0); /* never underflows: each release has its reference */
        if (before != 1)
            return; /* != rather than >: a release too many never frees twice */
    }
    buf_backend_free(ab->backend, ab->data, ab->max_byte_length, model_block_align(ab->max_byte_length));
    header_give(ab);
}

size_t buf_arraybuffer_refcount(const buf_arraybuffer_t *ab)
{
    return ab ? atomic_load_explicit(&ab->refcount, memory_order_relaxed) : 0;
}

/* ==== Queries ========================================================================== */

int64_t buf_arraybuffer_byte_length(const buf_arraybuffer_t *ab) { return ab ? (int64_t)ab->byte_length : 0; }
int64_t buf_arraybuffer_max_byte_length(const buf_arraybuffer_t *ab) { return ab ? (int64_t)ab->max_byte_length : 0; }
bool buf_arraybuffer_is_resizable(const buf_arraybuffer_t *ab) { return ab && ab->resizable; }
buf_backend_t *buf_arraybuffer_backend(const buf_arraybuffer_t *ab) { return ab ? ab->backend : NULL; }
uint8_t *buf_arraybuffer_data(buf_arraybuffer_t *ab) { return ab ? ab->data : NULL; }

/* ==== Resize and slice ================================================================= */

buf_status_t buf_arraybuffer_resize(buf_arraybuffer_t *ab, int64_t new_byte_length)
{
    if (!ab)
        return BUF_EINVAL;
    if (!ab->resizable)
        return BUF_ETYPE; /* "Method ArrayBuffer.prototype.resize called on incompatible receiver" */
    if (new_byte_length == BUF_OMITTED)
        new_byte_length = 0; /* ToIndex(undefined) */
    if (new_byte_length < 0 || (uint64_t)new_byte_length > ab->max_byte_length)
        return BUF_ERANGE; /* "ArrayBuffer.prototype.resize: Invalid length parameter" */
    size_t new_length = (size_t)new_byte_length;
    /* Bytes past byte_length may hold old data from before a shrink: the spec says a
     * grown region reads as zeros, so clear it now. */
    if (new_length > ab->byte_length)
        memset(ab->data + ab->byte_length, 0, new_length - ab->byte_length);
    ab->byte_length = new_length;
    return BUF_OK;
}

buf_status_t buf_arraybuffer_slice(buf_arraybuffer_t *ab, int64_t begin, int64_t end, buf_arraybuffer_t **out)
{
    if (!ab || !out)
        return BUF_EINVAL;
    int64_t length = (int64_t)ab->byte_length;
    int64_t first = model_relative_index(begin, length, 0);
    int64_t final = model_relative_index(end, length, length);
    int64_t new_length = final > first ? final - first : 0;
    buf_arraybuffer_t *copy = NULL;
    buf_status_t status =
        arraybuffer_create(ab->backend, (size_t)new_length, (size_t)new_length, ARRAYBUFFER_FIXED, &copy);
    if (status != BUF_OK)
        return status;
    if (new_length > 0)
        memcpy(copy->data, ab->data + first, (size_t)new_length);
    *out = copy;
    return BUF_OK;
}
