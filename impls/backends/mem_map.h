/* mem_map.h — anonymous mappings for the backends that get memory straight from the OS. */
#ifndef BUF_MEM_MAP_H
#define BUF_MEM_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "mem_annotate.h"

/* `length` bytes of fresh zeroed memory (page-aligned), or NULL. */
static inline void *mem_map(size_t length)
{
    void *mapping = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return mapping == MAP_FAILED ? NULL : mapping;
}

/* `length` bytes aligned to `length` (a power of two), or NULL: maps twice as much and
 * trims both ends, so a block's region header is found by masking its address. */
static inline void *mem_map_self_aligned(size_t length)
{
    uint8_t *raw = mem_map(2 * length);
    if (!raw)
        return NULL;
    uint8_t *aligned = (uint8_t *)(((uintptr_t)raw + length - 1) & ~(uintptr_t)(length - 1));
    if (aligned > raw)
        munmap(raw, (size_t)(aligned - raw));
    size_t tail = (size_t)(raw + 2 * length - (aligned + length));
    if (tail)
        munmap(aligned + length, tail);
    return aligned;
}

/* Returns a mapping to the OS, first lifting any sanitizer poison on it (ASan keeps its
 * shadow of unmapped memory, and a later mapping at the same address must start clean). */
static inline void mem_unmap(void *mapping, size_t length)
{
    mem_unpoison(mapping, length);
    munmap(mapping, length);
}

#endif
