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

/* A block's tag: the word right after its request (red zone included), pointing at the
 * header at the end of its mapping.  Free knows the request, not which class's mapping
 * served it (a request may take a cached mapping up to LARGE_REUSE_CLASSES classes
 * larger), so it finds the header through the tag. */
typedef large_header_t *large_tag_t;

static size_t tag_offset(size_t request)
{
    return round_up(request, sizeof(large_tag_t));
}

/* Class index and mapping length for a request (tag and header included). */
static unsigned class_for(size_t request, size_t *length)
{
    size_t page = buf_page_size();
    size_t needed = tag_offset(request) + sizeof(large_tag_t) + sizeof(large_header_t);
    unsigned index = size_class_of(units_for(needed, page), LARGE_LINEAR_PAGES);
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

/* The bytes of a mapping that can be given back while it is cached: all whole pages
 * before the one holding its header (the header must stay: it links the lists). */
static size_t decommit_length(const large_header_t *header, size_t length)
{
    (void)length;
    uintptr_t header_page = (uintptr_t)header & ~(uintptr_t)(buf_page_size() - 1);
    return (size_t)(header_page - (uintptr_t)header->mapping);
}

static large_tag_t *tag_at(uint8_t *block, size_t request)
{
    return (large_tag_t *)(block + tag_offset(request));
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

/* ---- Allocate ------------------------------------------------------------------------ */
void backend_large_cache_init(backend_large_cache_t *cache, _Atomic uint64_t *bytes_os)
{
    cache->bytes_os = bytes_os;
    atomic_init(&cache->live_bytes, 0);
    atomic_init(&cache->idle_committed, 0);
    for (unsigned i = 0; i < LARGE_CLASS_COUNT; i++) {
        pthread_mutex_init(&cache->classes[i].lock, NULL);
        cache->classes[i].all = cache->classes[i].free = NULL;
        cache->classes[i].free_count = 0;
    }
}

/* Pops a cached mapping of class `index` (under its lock); NULL if there is none. */
static large_header_t *free_list_pop(backend_large_cache_t *cache, unsigned index)
{
    large_class_t *class = &cache->classes[index];
    pthread_mutex_lock(&class->lock);
    large_header_t *header = class->free;
    if (header) {
        BUF_ASSERT(class->free_count > 0);
        class->free = header->next_free;
        class->free_count--;
    }
    pthread_mutex_unlock(&class->lock);
    return header;
}

void *backend_large_cache_alloc(backend_large_cache_t *cache, size_t size, size_t request)
{
    size_t length;
    unsigned index = class_for(request, &length);
    if (index >= LARGE_CLASS_COUNT)
        return NULL;
    /* The free lists of this class and the next few: a mapping up to LARGE_REUSE_CLASSES
     * classes larger (at most ~28% more) is already counted as obtained from the OS, so
     * taking it costs no memory, where a fresh mapping would. */
    large_header_t *header = NULL;
    for (unsigned c = index; !header && c <= index + LARGE_REUSE_CLASSES && c < LARGE_CLASS_COUNT; c++)
        header = free_list_pop(cache, c);
    uint8_t *block;
    if (header) {
        BUF_ASSERT(header->size == LARGE_FREED);
        block = header->mapping;
        length = class_length(header->class_index);
        if (header->decommitted) {
            atomic_fetch_add_explicit(cache->bytes_os, decommit_length(header, length), memory_order_relaxed);
            header->decommitted = false;
        } else {
            atomic_fetch_sub_explicit(&cache->idle_committed, length, memory_order_relaxed);
        }
    } else {
        block = mem_map(length);
        if (!block)
            return NULL;
        atomic_fetch_add_explicit(cache->bytes_os, length, memory_order_relaxed);
        header = header_at(block, length);
        header->mapping = block;
        header->class_index = index;
        header->decommitted = false;
        large_class_t *class = &cache->classes[index];
        pthread_mutex_lock(&class->lock);
        all_push(class, header);
        pthread_mutex_unlock(&class->lock);
    }
    atomic_fetch_add_explicit(&cache->live_bytes, length, memory_order_relaxed);
    header->size = size;
    mem_poison(block, length - sizeof(large_header_t));
    large_tag_t *tag = tag_at(block, request);
    mem_unpoison(tag, sizeof *tag);
    *tag = header;
    mem_block_handed_out(block, size);
    return block;
}

/* ---- Free ---------------------------------------------------------------------------- */
void backend_large_cache_free(backend_large_cache_t *cache, void *block, size_t size, size_t request)
{
    /* Opened first: after a free the tag is poisoned with the rest of the block, and a
     * second free must reach the assertion below, not an ASan report. */
    large_tag_t *tag = tag_at(block, request);
    mem_link_open(tag);
    large_header_t *header = *tag;
    /* The tag where this (size, align) puts it must point at the header alloc wrote for
     * this block and size: anything else is a wrong size, a foreign pointer or a second
     * free. */
    BUF_ASSERT(header != NULL && header->mapping == block && header->size == size);
    unsigned index = header->class_index;
    BUF_ASSERT(index < LARGE_CLASS_COUNT);
    size_t length = class_length(index);
    large_class_t *class = &cache->classes[index];
    mem_block_taken_back(block, length - sizeof(large_header_t));
    header->size = LARGE_FREED;
    uint64_t live = atomic_fetch_sub_explicit(&cache->live_bytes, length, memory_order_relaxed) - length;
    /* A place on the free list is reserved (free_count) under the lock, and the block goes
     * onto the list only once its pages are settled: no other thread can take it while
     * they are being given back. */
    pthread_mutex_lock(&class->lock);
    bool keep = class->free_count < LARGE_CACHE_MIN_PER_CLASS ||
                (class->free_count + 1) * length <= LARGE_CACHE_BYTES_PER_CLASS;
    if (keep)
        class->free_count++;
    else
        all_remove(class, header);
    pthread_mutex_unlock(&class->lock);
    if (!keep) {
        mem_unmap(block, length);
        atomic_fetch_sub_explicit(cache->bytes_os, length, memory_order_relaxed);
        return;
    }
    uint64_t budget = live / LARGE_IDLE_COMMITTED_SHARE;
    if (budget < LARGE_IDLE_COMMITTED_FLOOR)
        budget = LARGE_IDLE_COMMITTED_FLOOR;
    uint64_t idle = atomic_fetch_add_explicit(&cache->idle_committed, length, memory_order_relaxed) + length;
    if (idle > budget) {
        size_t released = decommit_length(header, length);
        if (mem_decommit(block, released)) {
            atomic_fetch_sub_explicit(&cache->idle_committed, length, memory_order_relaxed);
            atomic_fetch_sub_explicit(cache->bytes_os, released, memory_order_relaxed);
            header->decommitted = true;
        }
    }
    pthread_mutex_lock(&class->lock);
    header->next_free = class->free;
    class->free = header;
    pthread_mutex_unlock(&class->lock);
}

/* ---- Destroy ------------------------------------------------------------------------- */
size_t backend_large_cache_destroy(backend_large_cache_t *cache, FILE *out, const char *backend_name,
                                   size_t *reported, size_t report_limit)
{
    size_t outstanding = 0;
    for (unsigned c = 0; c < LARGE_CLASS_COUNT; c++) {
        large_class_t *class = &cache->classes[c];
        size_t length = class_length(c);
        /* Live or on the free list: every mapping is here. */
        for (large_header_t *header = class->all; header;) {
            large_header_t *next = header->next;
            if (header->size != LARGE_FREED) {
                if (out && *reported < report_limit) {
                    fprintf(out, "%s: outstanding large block %p of %zu bytes\n", backend_name,
                            (void *)header->mapping, header->size);
                    ++*reported;
                }
                outstanding++;
            }
            BUF_ASSERT(header->mapping == block_of(header, length));
            mem_unmap(header->mapping, length);
            header = next;
        }
        pthread_mutex_destroy(&class->lock);
    }
    return outstanding;
}
