/* mem_map.h — anonymous mappings for the backends that get memory straight from the OS. */
#ifndef BUF_MEM_MAP_H
#define BUF_MEM_MAP_H

#include <stdbool.h>
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

/* `length` bytes of address space aligned to `length` (a power of two), reserved but not
 * usable (PROT_NONE, no swap reserved), or NULL: maps twice as much and trims both ends,
 * so a block's region header is found by masking its address.  mem_commit makes parts of
 * it usable as they are needed, so what the backend counts as obtained from the OS is what
 * it can touch, not the whole reservation. */
static inline void *mem_reserve_self_aligned(size_t length)
{
    void *mapping = mmap(NULL, 2 * length, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping == MAP_FAILED)
        return NULL;
    uint8_t *raw = mapping;
    uint8_t *aligned = (uint8_t *)(((uintptr_t)raw + length - 1) & ~(uintptr_t)(length - 1));
    if (aligned > raw)
        munmap(raw, (size_t)(aligned - raw));
    size_t tail = (size_t)(raw + 2 * length - (aligned + length));
    if (tail)
        munmap(aligned + length, tail);
    return aligned;
}

/* Makes `length` bytes at `start` (page-aligned) of a reservation readable and writable
 * (zeroed, as fresh anonymous memory is).  Returns false when the OS refuses. */
static inline bool mem_commit(void *start, size_t length)
{
    return mprotect(start, length, PROT_READ | PROT_WRITE) == 0;
}

/* Gives the pages of `length` bytes at `start` (page-aligned) back to the OS while keeping
 * the range mapped: the next touch finds fresh zero pages.  False if the OS refuses. */
static inline bool mem_decommit(void *start, size_t length)
{
    return length == 0 || madvise(start, length, MADV_DONTNEED) == 0;
}

/* Returns a mapping to the OS, first lifting any sanitizer poison on it (ASan keeps its
 * shadow of unmapped memory, and a later mapping at the same address must start clean). */
static inline void mem_unmap(void *mapping, size_t length)
{
    mem_unpoison(mapping, length);
    munmap(mapping, length);
}

#endif
