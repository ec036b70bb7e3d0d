/* thread_heap.c — per-thread heaps with remote frees (see thread_heap.h). */
#include "thread_heap.h"

#include <stdlib.h>

#include "core/core_assert.h"

/* ---- Thread-local cache -------------------------------------------------------------
 * A few (set id -> heap) pairs: a thread rarely uses more than a handful of instances at
 * once; a miss costs one scan of the set's heap list, not a lock. */
#define HEAP_CACHE_SLOTS 4

typedef struct {
    uint64_t set_id;
    backend_thread_heap_t *heap;
} heap_cache_entry_t;

static _Thread_local heap_cache_entry_t heap_cache[HEAP_CACHE_SLOTS];
static _Thread_local unsigned heap_cache_next;
_Thread_local backend_heap_last_t backend_heap_last BACKEND_HEAP_LAST_TLS;

static _Atomic uint64_t next_set_id = 1;

int backend_heap_set_init(backend_heap_set_t *set, size_t heap_size, void *owner,
                          void (*heap_init)(void *owner, backend_thread_heap_t *heap))
{
    atomic_init(&set->heaps, NULL);
    set->id = atomic_fetch_add(&next_set_id, 1);
    set->heap_size = heap_size;
    set->owner = owner;
    set->heap_init = heap_init;
    return pthread_mutex_init(&set->lock, NULL) == 0 ? 0 : -1;
}

static backend_thread_heap_t *find_heap_of(backend_heap_set_t *set, pthread_t self)
{
    for (backend_thread_heap_t *heap = atomic_load_explicit(&set->heaps, memory_order_acquire); heap;
         heap = atomic_load_explicit(&heap->next, memory_order_acquire))
        if (pthread_equal(heap->owner, self))
            return heap;
    return NULL;
}

static void cache_remember(uint64_t set_id, backend_thread_heap_t *heap)
{
    heap_cache[heap_cache_next] = (heap_cache_entry_t){set_id, heap};
    heap_cache_next = (heap_cache_next + 1) % HEAP_CACHE_SLOTS;
}

backend_thread_heap_t *backend_heap_set_lookup(backend_heap_set_t *set)
{
    for (unsigned i = 0; i < HEAP_CACHE_SLOTS; i++)
        if (heap_cache[i].set_id == set->id) {
            /* Set ids are never reused, so a cached heap is always this thread's own. */
            BUF_ASSERT(pthread_equal(heap_cache[i].heap->owner, pthread_self()));
            backend_heap_last = (backend_heap_last_t){set->id, heap_cache[i].heap};
            return heap_cache[i].heap;
        }

    pthread_t self = pthread_self();
    backend_thread_heap_t *heap = find_heap_of(set, self);
    if (!heap) {
        /* Slow path: only this thread can create its own heap, so no other thread can add
         * a heap for `self` between the scan above and the insertion below. */
        heap = calloc(1, set->heap_size);
        if (!heap)
            return NULL;
        heap->owner = self;
        atomic_init(&heap->remote, NULL);
        set->heap_init(set->owner, heap);
        pthread_mutex_lock(&set->lock);
        atomic_store_explicit(&heap->next, atomic_load_explicit(&set->heaps, memory_order_relaxed),
                              memory_order_relaxed);
        atomic_store_explicit(&set->heaps, heap, memory_order_release);
        pthread_mutex_unlock(&set->lock);
    }
    cache_remember(set->id, heap);
    backend_heap_last = (backend_heap_last_t){set->id, heap};
    return heap;
}

void backend_heap_set_destroy(backend_heap_set_t *set, void (*visit)(void *owner, backend_thread_heap_t *heap))
{
    backend_thread_heap_t *heap = atomic_load(&set->heaps);
    while (heap) {
        backend_thread_heap_t *next = atomic_load(&heap->next);
        if (visit)
            visit(set->owner, heap);
        free(heap);
        heap = next;
    }
    atomic_store(&set->heaps, NULL);
    /* Forget this set in the calling thread's cache; other threads' entries can never match
     * again because set ids are never reused. */
    for (unsigned i = 0; i < HEAP_CACHE_SLOTS; i++)
        if (heap_cache[i].set_id == set->id)
            heap_cache[i] = (heap_cache_entry_t){0, NULL};
    if (backend_heap_last.set_id == set->id)
        backend_heap_last = (backend_heap_last_t){0, NULL};
    pthread_mutex_destroy(&set->lock);
}
