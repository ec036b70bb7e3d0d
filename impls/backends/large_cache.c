/* large_cache.c — the large-allocation path shared by slab and pool (see large_cache.h). */
#include "large_cache.h"

#include <stdbool.h>

#include "buf_backend.h"
#include "core/core_assert.h"
#include "mem_annotate.h"
#include "mem_map.h"
#include "size_class.h"

/* ---- Size classes -------------------------------------------------------------------- */
/* Classes count pages; the first 16 are exact (1..16 pages), then 8 per doubling. */
#define LARGE_LINEAR_PAGES 16u

/* A cached mapping's header->size: no request is this large (BUF_MAX_ALLOC is far
 * below), so freeing a block twice trips the header check in backend_large_cache_free. */
#define LARGE_FREED SIZE_MAX

/* Class index and mapping length for a request (header included). */
static unsigned class_for(size_t request, size_t *length)
{
    size_t page = buf_page_size();
    unsigned index = size_class_of(units_for(request + sizeof(large_header_t), page), LARGE_LINEAR_PAGES);
    *length = size_class_units(index, LARGE_LINEAR_PAGES) * page;
    return index;
}

/* Mapping length of a class index (the inverse of class_for). */
static size_t class_length(unsigned index)
{
    return size_class_units(index, LARGE_LINEAR_PAGES) * buf_page_size();
}

static large_header_t *header_at(uint8_t *block, size_t length)
{
    return (large_header_t *)(block + length - sizeof(large_header_t));
}

static uint8_t *block_of(large_header_t *header, size_t length)
{
    return (uint8_t *)header + sizeof(large_header_t) - length;
}

/* ---- Lists (under the class lock) ---------------------------------------------------- */
static void all_push(large_class_t *class, large_header_t *header)
{
    header->prev = NULL;
    header->next = class->all;
    if (class->all)
        class->all->prev = header;
    class->all = header;
}

static void all_remove(large_class_t *class, large_header_t *header)
{
    if (header->prev)
        header->prev->next = header->next;
    else
        class->all = header->next;
    if (header->next)
        header->next->prev = header->prev;
}

/* ---- The thread's stash (owner thread only, no lock) ------------------------------------- */
static large_header_t *stash_take(backend_large_stash_t *stash, unsigned index)
{
    if (!stash)
        return NULL;
    for (uint32_t i = 0; i < stash->count; i++)
        if (stash->classes[i] == index) {
            large_header_t *header = stash->blocks[i];
            stash->count--;
            stash->blocks[i] = stash->blocks[stash->count];
            stash->classes[i] = stash->classes[stash->count];
            return header;
        }
    return NULL;
}

static bool stash_put(backend_large_stash_t *stash, unsigned index, size_t length, large_header_t *header)
{
    if (!stash || stash->count == LARGE_STASH_SLOTS || length > LARGE_STASH_MAX_LENGTH)
        return false;
    stash->blocks[stash->count] = header;
    stash->classes[stash->count] = (uint16_t)index;
    stash->count++;
    return true;
}

/* ---- Allocate ------------------------------------------------------------------------ */
void backend_large_cache_init(backend_large_cache_t *cache, _Atomic uint64_t *bytes_os)
{
    cache->bytes_os = bytes_os;
    for (unsigned i = 0; i < LARGE_CLASS_COUNT; i++) {
        pthread_mutex_init(&cache->classes[i].lock, NULL);
        cache->classes[i].all = cache->classes[i].free = NULL;
        cache->classes[i].free_count = 0;
    }
}

void *backend_large_cache_alloc(backend_large_cache_t *cache, backend_large_stash_t *stash, size_t size,
                                size_t request)
{
    size_t length;
    unsigned index = class_for(request, &length);
    if (index >= LARGE_CLASS_COUNT)
        return NULL;
    large_class_t *class = &cache->classes[index];
    large_header_t *header = stash_take(stash, index);
    if (!header) {
        pthread_mutex_lock(&class->lock);
        if (class->free) {
            BUF_ASSERT(class->free_count > 0);
            header = class->free;
            class->free = header->next_free;
            class->free_count--;
        }
        pthread_mutex_unlock(&class->lock);
    }
    uint8_t *block;
    if (header) {
        BUF_ASSERT(header->size == LARGE_FREED);
        block = block_of(header, length);
    } else {
        block = mem_map(length);
        if (!block)
            return NULL;
        atomic_fetch_add_explicit(cache->bytes_os, length, memory_order_relaxed);
        header = header_at(block, length);
        pthread_mutex_lock(&class->lock);
        all_push(class, header);
        pthread_mutex_unlock(&class->lock);
    }
    header->size = size;
    mem_poison(block, length - sizeof(large_header_t));
    mem_block_handed_out(block, size);
    return block;
}

/* ---- Free ---------------------------------------------------------------------------- */
void backend_large_cache_free(backend_large_cache_t *cache, backend_large_stash_t *stash, void *block,
                              size_t size, size_t request)
{
    size_t length;
    unsigned index = class_for(request, &length);
    BUF_ASSERT(index < LARGE_CLASS_COUNT);
    large_class_t *class = &cache->classes[index];
    large_header_t *header = header_at(block, length);
    /* The header where this (size, align) puts it must be the one alloc wrote for this
     * size: anything else is a wrong size, a foreign pointer or a second free. */
    BUF_ASSERT(header->size == size);
    mem_block_taken_back(block, length - sizeof(large_header_t));
    header->size = LARGE_FREED;
    if (stash_put(stash, index, length, header))
        return;
    pthread_mutex_lock(&class->lock);
    bool keep = class->free_count < LARGE_CACHE_MIN_PER_CLASS ||
                (class->free_count + 1) * length <= LARGE_CACHE_BYTES_PER_CLASS;
    if (keep) {
        header->next_free = class->free;
        class->free = header;
        class->free_count++;
    } else {
        all_remove(class, header);
    }
    pthread_mutex_unlock(&class->lock);
    if (!keep) {
        mem_unmap(block, length);
        atomic_fetch_sub_explicit(cache->bytes_os, length, memory_order_relaxed);
    }
}

/* ---- Destroy ------------------------------------------------------------------------- */
size_t backend_large_cache_destroy(backend_large_cache_t *cache, FILE *out, const char *backend_name,
                                   size_t *reported, size_t report_limit)
{
    size_t outstanding = 0;
    for (unsigned c = 0; c < LARGE_CLASS_COUNT; c++) {
        large_class_t *class = &cache->classes[c];
        size_t length = class_length(c);
        /* Live, stashed in any thread's heap, or on the free list: every mapping is here. */
        for (large_header_t *header = class->all; header;) {
            large_header_t *next = header->next;
            if (header->size != LARGE_FREED) {
                if (out && *reported < report_limit) {
                    fprintf(out, "%s: outstanding large block %p of %zu bytes\n", backend_name,
                            (void *)block_of(header, length), header->size);
                    ++*reported;
                }
                outstanding++;
            }
            mem_unmap(block_of(header, length), length);
            header = next;
        }
        pthread_mutex_destroy(&class->lock);
    }
    return outstanding;
}
