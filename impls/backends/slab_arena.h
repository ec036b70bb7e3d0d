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

typedef struct slab_heap slab_heap_t; /* slab_state.h: a thread's heap */

/* Slabs whose blocks are 512 bytes or more (at most 64 KiB / 512 = 128 blocks) keep their
 * free blocks out of band: the one freed last in the descriptor's `free_list` (its first
 * word is never read nor written), the others on a stack of their offsets in the arena
 * header, so alloc and free touch only the arena header, never the block.  A one-unit
 * slab's stack is its unit's row of arena_t.free_offsets.  A slab of several units (blocks
 * above 8 KiB, fewer than 16 of them) keeps its stack in the descriptor of its second unit,
 * which it owns and nothing reads as a descriptor: beside its own, where its row was pages
 * away.  A batch of 1000 x 64 KiB (125 slabs of 8 blocks in 18 arenas) touched a descriptor
 * and a row on another page for every block: 11.6 -> 10.9 ns a pair, the same
 * instructions.  (The front's free miss pushes onto the stack directly: the slot pays off
 * for slab's own alloc-free pairs, not for the runs of frees that reach a miss.)  A batch
 * of 1000 x 4 KiB freed through a link in each block's first word wrote 1000 cache lines
 * on 1000 pages (~2 cache misses per pair under callgrind; 15-27 ns per pair at 4-64 KiB
 * for ~120 instructions); out of band it stays in the descriptors.  Smaller blocks keep
 * the intrusive list: 64 KiB of 8-byte blocks would need an 8192-entry stack, and 1000 of
 * them span a few pages. */
#define SLAB_INDEXED_MIN_BLOCK ((size_t)512)
#define SLAB_INDEX_CAPACITY 128u
/* The stack holds offsets from the slab's base in 8-byte quanta: a slab spans at most 8
 * units (512 KiB), so every block start fits 16 bits, and the address is one scaled add. */
#define SLAB_OFFSET_SHIFT 3

/* One per unit.  In a slab's (or run's) first unit it describes the slab; the others are
 * unused (arena->unit_slab maps every unit to its slab's first descriptor), except a
 * size-class slab's second, which holds its offsets (above). */
typedef struct slab {
    void *free_list;          /* freed blocks (owner only); link = first word.  Indexed
                               * slabs: the block freed last, no link (see above) */
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
    uint32_t committed;       /* bytes from base made usable so far (stays when reused;
                               * counted in bytes_os; less once idle pages go back) */
    uint32_t writable;        /* bytes from base made read-write at some point (pages given
                               * back stay so: committing them again needs no mprotect) */
    bool listed;              /* on heap->available[class_index] */
    bool in_use;              /* carved from its arena at least once */
    bool indexed;             /* block_size >= SLAB_INDEXED_MIN_BLOCK: free blocks out of
                               * band, free_list plus free_offsets[0 .. free_count-1] */
    uint8_t free_count;
    uint16_t *free_offsets;   /* (block - base) >> SLAB_OFFSET_SHIFT: the unit's row of
                               * arena->free_offsets, or the next descriptor (above) */
} slab_t;

typedef struct arena {
    struct arena *next;       /* instance's arena list (slabs) or run arena list */
    uint32_t units_carved;    /* unit 0 holds this header */
    uint64_t free_units;      /* run arenas: bit i set when unit i is in no run */
    uint64_t committed_units; /* run arenas: bit i set while unit i is committed (counted
                               * in bytes_os); cleared when its pages are given back */
    uint64_t writable_units;  /* run arenas: bit i set once unit i was made writable (it
                               * stays so after its pages are given back: reuse is free) */
    /* Unit i belongs to the slab (or run) described by *unit_slab[i]: one 512-byte table,
     * so the lookup on every free reads one word of a line that stays cached, not a
     * descriptor per unit (~360 bytes apart: 1000 x 64 KiB blocks touched 1000). */
    slab_t *unit_slab[UNITS_PER_ARENA];
    slab_t units[UNITS_PER_ARENA];
    /* Indexed slabs' stacks, apart from the descriptors: inside them (256 bytes each) they
     * spread 64 descriptors over 6 pages instead of 2, and alloc_mixed, which touches the
     * head slab of ~90 classes at random, ran ~6 ns per pair slower (TLB and cache misses
     * that callgrind does not show: its instruction count rose by 2). */
    uint16_t free_offsets[UNITS_PER_ARENA][SLAB_INDEX_CAPACITY];
} arena_t;

_Static_assert(sizeof(arena_t) <= UNIT_SIZE, "arena header must fit in unit 0");

static inline arena_t *arena_of(const void *ptr)
{
    return (arena_t *)((uintptr_t)ptr & ~(uintptr_t)(ARENA_SIZE - 1));
}

static inline slab_t *slab_of(const void *ptr)
{
    arena_t *arena = arena_of(ptr);
    return arena->unit_slab[((uintptr_t)ptr - (uintptr_t)arena) / UNIT_SIZE];
}

/* Bytes of an arena's header, whole pages: committed and counted while the arena lives. */
size_t backend_slab_arena_header_bytes(void);
/* A reserved arena with its header committed and added to *bytes_os, on no list; NULL
 * when the OS refuses. */
arena_t *backend_slab_arena_map(_Atomic uint64_t *bytes_os);

#endif
