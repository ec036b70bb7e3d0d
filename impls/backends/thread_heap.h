/* thread_heap.h — per-thread heaps with remote frees, shared by slab and pool.
 *
 * The single-thread fast path of a sub-allocating backend must take no lock, yet any
 * block may be freed on any thread (cross_thread_free).  As in mimalloc, each thread
 * that allocates from an instance gets its own heap, found through a thread-local cache;
 * only the owning thread touches a heap's free lists.  A block freed by another thread
 * is pushed onto its heap's lock-free `remote` stack; the owner drains that stack when
 * its own lists run dry.  Locks are taken only on slow paths: when a thread first uses
 * an instance (heap creation) and when the instance is destroyed.
 *
 * A heap belongs to the thread whose pthread_t it records.  When that thread exits its
 * heap stays in the set, and a later thread that is handed the same pthread_t (glibc
 * reuses them) continues it — the exited thread can no longer touch it, so ownership
 * passes safely.  Heaps are freed only by backend_heap_set_destroy.
 */
#ifndef BACKEND_THREAD_HEAP_H
#define BACKEND_THREAD_HEAP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Embed as the FIRST member of a backend's heap struct. */
typedef struct backend_thread_heap {
    struct backend_thread_heap *_Atomic next; /* in the set's list (append-only until destroy) */
    pthread_t owner;
    void *_Atomic remote; /* blocks freed by other threads; link = first word */
} backend_thread_heap_t;

typedef struct backend_heap_set {
    backend_thread_heap_t *_Atomic heaps;
    pthread_mutex_t lock;        /* serialises heap creation only */
    uint64_t id;                 /* unique per set for the process lifetime: TLS cache key */
    size_t heap_size;            /* sizeof the backend's heap struct */
    void *owner;                 /* the backend instance, passed to heap_init */
    void (*heap_init)(void *owner, backend_thread_heap_t *heap);
} backend_heap_set_t;

/* Returns 0, or -1 if the mutex could not be created. */
int backend_heap_set_init(backend_heap_set_t *set, size_t heap_size, void *owner,
                          void (*heap_init)(void *owner, backend_thread_heap_t *heap));
/* The one-entry cache in front of the lookup: the last set this thread used, and its heap
 * there.  The pair path of slab and pool looks a heap up once per alloc and free, so the
 * hit must be a compare and a load (inline), not a call and a scan. */
typedef struct {
    uint64_t set_id;
    backend_thread_heap_t *heap;
} backend_heap_last_t;

/* local-exec: the library is only ever linked into executables (no shared object is
 * built), so the slot is a fixed offset from the thread pointer; the default model for an
 * extern thread-local in position-independent code loads that offset from the GOT first,
 * one more instruction on every alloc and every free (2 of alloc_pair's ~111 per pair).
 * Linking this into a shared object would fail at link time, not misbehave. */
#define BACKEND_HEAP_LAST_TLS __attribute__((tls_model("local-exec")))
extern _Thread_local backend_heap_last_t backend_heap_last BACKEND_HEAP_LAST_TLS;

/* Slow path of backend_heap_set_mine: the small per-thread cache, the set's list, or a new
 * heap.  NULL only if out of memory. */
backend_thread_heap_t *backend_heap_set_lookup(backend_heap_set_t *set);

/* The calling thread's heap, created on first use; NULL only if out of memory. */
static inline backend_thread_heap_t *backend_heap_set_mine(backend_heap_set_t *set)
{
    if (__builtin_expect(backend_heap_last.set_id == set->id, 1))
        return backend_heap_last.heap;
    return backend_heap_set_lookup(set);
}
/* The calling thread's heap when the one-entry cache holds it, else NULL: the pair paths'
 * test, whose miss goes to a slow path that calls backend_heap_set_mine (keeping the
 * lookup call out of the pair path spares it the register saves around a call). */
static inline backend_thread_heap_t *backend_heap_set_mine_cached(const backend_heap_set_t *set)
{
    return __builtin_expect(backend_heap_last.set_id == set->id, 1) ? backend_heap_last.heap : NULL;
}

/* Calls visit(heap) for every heap, then frees them all. No other thread may use the set. */
void backend_heap_set_destroy(backend_heap_set_t *set,
                              void (*visit)(void *owner, backend_thread_heap_t *heap));

/* Pushes a block freed by a non-owner thread (the first word of the block must be writable;
 * the caller opens it for the sanitizers). */
static inline void backend_thread_heap_push_remote(backend_thread_heap_t *heap, void *block)
{
    void *head = atomic_load_explicit(&heap->remote, memory_order_relaxed);
    do {
        *(void **)block = head;
    } while (!atomic_compare_exchange_weak_explicit(&heap->remote, &head, block, memory_order_release,
                                                    memory_order_relaxed));
}

/* Owner only: takes the whole remote stack (NULL if empty). */
static inline void *backend_thread_heap_take_remote(backend_thread_heap_t *heap)
{
    if (atomic_load_explicit(&heap->remote, memory_order_relaxed) == NULL)
        return NULL;
    return atomic_exchange_explicit(&heap->remote, NULL, memory_order_acquire);
}

#endif
