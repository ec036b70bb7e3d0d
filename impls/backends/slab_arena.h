/* slab_arena.h — the arena layout shared by slab's size classes (backend_slab.c) and its
 * runs of units (slab_runs.c); private to the slab backend.
 *
 * Both carve 4 MiB arenas, aligned to 4 MiB, into 64 units of 64 KiB, and both find a
 * block's descriptor from its address alone: arena = ptr & ~(ARENA_SIZE-1), unit index =
 * (ptr - arena) / UNIT_SIZE.  Unit 0 holds the arena header with the 64 unit descriptors.
 * A size-class arena and a run arena are different arenas on different lists; they share
 * this layout (and arena_map) so one descriptor type and one lookup serve both.
 */
#ifndef BACKEND_SLAB_ARENA_H
#define BACKEND_SLAB_ARENA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UNIT_SIZE ((size_t)64 << 10)
#define ARENA_SIZE ((size_t)4 << 20)
#define UNITS_PER_ARENA (ARENA_SIZE / UNIT_SIZE)

typedef struct slab_heap slab_heap_t; /* backend_slab.c: a thread's heap */

/* One per unit.  In a slab's (or run's) first unit it describes the slab; in its other
 * units only `slab` is used (it points at the first unit's descriptor). */
typedef struct slab {
    struct slab *slab;        /* the descriptor of the slab this unit belongs to */
    void *free_list;          /* freed blocks (owner only); link = first word */
    uint32_t used;            /* live blocks */
    uint32_t carved;          /* blocks handed out from the untouched tail so far */
    uint32_t carve_limit;     /* blocks that fit in the committed bytes */
    uint32_t block_size;      /* class_size(class_index); runs: units x UNIT_SIZE */
    uint32_t run_size;        /* runs: the size the live block was handed out for */
    uint8_t *base;
    slab_heap_t *heap;        /* owner (runs: NULL, they belong to no heap) */
    struct slab *prev, *next; /* in heap->available[class] or heap->empty[length] */
    uint32_t capacity;
    uint16_t class_index;     /* runs: CLASS_RUN (slab_runs.c) */
    uint8_t units;            /* 1, 2, 4 or 8; runs: 1-63 */
    uint32_t committed;       /* bytes from base made usable so far (stays when reused) */
    bool listed;              /* on heap->available[class_index] */
    bool in_use;              /* carved from its arena at least once */
} slab_t;

typedef struct arena {
    struct arena *next;       /* instance's arena list (slabs) or run arena list */
    uint32_t units_carved;    /* unit 0 holds this header */
    uint64_t free_units;      /* run arenas: bit i set when unit i is in no run */
    uint64_t committed_units; /* run arenas: bit i set once unit i was committed */
    slab_t units[UNITS_PER_ARENA];
} arena_t;

_Static_assert(sizeof(arena_t) <= UNIT_SIZE, "arena header must fit in unit 0");

static inline arena_t *arena_of(const void *ptr)
{
    return (arena_t *)((uintptr_t)ptr & ~(uintptr_t)(ARENA_SIZE - 1));
}

static inline slab_t *slab_of(const void *ptr)
{
    arena_t *arena = arena_of(ptr);
    return arena->units[((uintptr_t)ptr - (uintptr_t)arena) / UNIT_SIZE].slab;
}

/* Bytes of an arena's header, whole pages: committed and counted while the arena lives. */
size_t backend_slab_arena_header_bytes(void);
/* A reserved arena with its header committed and added to *bytes_os, on no list; NULL
 * when the OS refuses. */
arena_t *backend_slab_arena_map(_Atomic uint64_t *bytes_os);

#endif
