/* slab_state.h — the slab backend's state and the helpers its files share.
 *
 * The slab backend is five files: backend_slab.c (size classes, the pair paths and their
 * slow paths), slab_front.c (the thread cache the framework's inline paths use, and its
 * misses), slab_pages.c (arenas, committing pages, giving idle pages back),
 * slab_lifecycle.c (create, destroy with its report of outstanding blocks, stats, the
 * vtable) and this header: the instance and per-thread heap types, and the few helpers
 * more than one of them uses.  The helpers on the pair paths are static inline here, so
 * splitting the files turned none of them into calls.
 */
#ifndef SLAB_STATE_H
#define SLAB_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "backend_slab.h"
#include "large_cache.h"
#include "mem_annotate.h"
#include "slab_arena.h"
#include "slab_runs.h"
#include "thread_heap.h"

#define MEDIUM_MAX ((size_t)65536) /* classes up to here; above: runs, then the large path */
#define CLASS_COUNT 88 /* 8 classes up to 64, then 8 per doubling from 64 to 65536 */
#define CLASS_LARGE CLASS_COUNT
/* The first indexed class (512 bytes): the pair paths tell the two kinds of slab apart by
 * the class index (alloc) or the request (free) they hold in a register, not by a load. */
#define FIRST_INDEXED_CLASS 31u

struct slab_heap {
    backend_thread_heap_t base;
    struct slab_state *owner;
    slab_t *available[CLASS_COUNT];   /* slabs with a free or uncarved block (the head may
                                       * have run out: alloc's slow path moves past it) */
    slab_t *empty[CLASS_COUNT];       /* slabs with no live block, by the class they last
                                       * served (any class of their length may take one) */
    arena_t *arena;                   /* the arena this heap carves slabs from */
    uint64_t empty_classes[2];        /* bit c: empty[c] holds a slab (slab_new and the
                                       * give-back visit those lists, not all 88) */
    unsigned trim_cursor;             /* the class the next look for free tails starts at */
};

typedef struct slab_state {
    backend_heap_set_t heaps;
    pthread_mutex_t lock;           /* arena list: slow path only */
    arena_t *arenas;
    backend_slab_runs_t runs;       /* requests above MEDIUM_MAX up to RUN_MAX */
    backend_large_cache_t large;    /* requests above RUN_MAX */
    _Atomic uint64_t bytes_os;
    /* The highest bytes_os a commit (of a slab or of a run) has seen: a commit that would
     * pass it gives back idle pages first.  Relaxed: a heuristic, any thread. */
    _Atomic uint64_t bytes_os_high;
    _Atomic uint64_t give_back_quiet_below; /* no look for idle pages below this bytes_os */
    size_t redzone;                 /* mem_redzone(), fixed for the instance's lifetime */
    bool annotated;                 /* mem_annotating(): the tools watch, every call goes the
                                     * slow path that tells them */
    size_t fast_max;                /* MEDIUM_MAX, or 0 when annotated: the pair paths' one
                                     * test for both */
    const char *report_name;        /* "slab", or the backend that embeds this instance */
    /* The thread cache the framework's inline paths pop and push (buf_backend.h, "The
     * backend's front"; slab_front.c, "The front"): published unless annotated or
     * switched off.  The stacks, one line per class, are written by the owner thread of
     * the framework's instance only.  BACKEND_SLAB_FRONT_OWNER_STACKS stacks more than
     * classes, after them, empty with capacity 0 and never touched by slab: the classes
     * a backend that owns this instance adds to its own front built on ours (pool's
     * slices, backend_slab.h). */
    buf_backend_front_t front;
    bool front_published;           /* slab_front hands it out (slab_lifecycle.c) */
    buf_backend_front_stack_t front_stacks[CLASS_COUNT + BACKEND_SLAB_FRONT_OWNER_STACKS] __attribute__((aligned(64)));
} slab_state_t;

/* Where the front's stacks start in a 4 KiB page (front_stacks[c] at this + 256 c, modulo
 * 4096), and so where the state sits: its allocation is 4096-aligned and the state starts
 * slab_state_offset() into it.  A load that follows a store to the same address modulo
 * 4096 waits for the store (a "4K alias"), and the inline paths store a stack's count and
 * one of its entries, then load the instance's hot fields (buf_backend.h), at fixed page
 * offsets since an instance has pages of its own: the owner words at 0x000-0x00f, the
 * owner's slot (room, allocs, frees: added to) at 0x080-0x0bf, the table entries of 1-64
 * byte requests at 0x0c0-0x0ff, other sizes' entries further on (256 B 0x1b8, 512 B 0x2b8,
 * 1 KiB 0x4b8, 2 KiB 0x8b8, 4 KiB and up 0x0b8).  Placed by the heap, the stacks' page
 * offsets changed with the process: in one `make bench` run in three the 64 B class's
 * count shared the slot's page offset and its batches ran ~1.2 ns a pair slower.  At 0x240:
 *   - every count (and capacity) word sits at 0x?40, none of those offsets;
 *   - two stacks in 16 have entries over the hot fields, classes 13 and 14 modulo 16: the
 *     0x040 stack (entries 7-22: the slot, the small requests' entries) and the 0xf40 one
 *     (entries 23-24: the owner words).  Those are slab's 112 B, 120 B (never reached at
 *     16-byte alignment), 448 B, 480 B ... classes and pool's 96 B, 112 B, 352 B, 368 B
 *     ... slices;
 *   - the classes of the powers of two from 64 B are 7 and 15 modulo 16 (0x940, 0x140),
 *     16 B and 32 B are 1 and 3 (0x340, 0x540), pool's 16-64 B slices 88, 89 and 91
 *     (0xa40, 0xb40, 0xd40): no entry of theirs shares the hot fields' offsets or their
 *     own table entry's (0x340 put 512 B's entry 14 on its table entry).
 * tests/unit/test_backend_front.c checks this on slab and pool instances. */
#define SLAB_FRONT_STACKS_PAGE_OFFSET ((size_t)0x240)
#define SLAB_ALIAS_SPAN ((size_t)4096)
static inline size_t slab_state_offset(void)
{
    _Static_assert(sizeof(buf_backend_front_stack_t) == 256, "the stacks tile a page 16 at a time");
    _Static_assert(offsetof(slab_state_t, front_stacks) % 64 == 0, "a stack starts a cache line");
    return (SLAB_FRONT_STACKS_PAGE_OFFSET + SLAB_ALIAS_SPAN - offsetof(slab_state_t, front_stacks) % SLAB_ALIAS_SPAN) %
           SLAB_ALIAS_SPAN;
}

/* Reads the link in a free block's first word (opened and closed for the sanitizers). */
static inline void *free_block_next(void *block)
{
    mem_link_open(block);
    void *next = *(void **)block;
    mem_link_close(block);
    return next;
}

/* Lets carving reach the blocks that fit in what the slab committed. */
static inline void slab_set_carve_limit(slab_t *slab)
{
    size_t fit = (size_t)slab->committed / slab->block_size;
    slab->carve_limit = (uint32_t)(fit < slab->capacity ? fit : slab->capacity);
}

/* The first class whose empty list holds a slab, or CLASS_COUNT: two words of a bitmap,
 * inline (as the compiler inlined it when one file held every caller); the walk on from
 * there is backend_slab_empty_class_after. */
static inline unsigned empty_class_first(const slab_heap_t *heap)
{
    for (unsigned word = 0; word < 2; word++)
        if (heap->empty_classes[word])
            return word * 64 + (unsigned)__builtin_ctzll(heap->empty_classes[word]);
    return CLASS_COUNT;
}

/* ---- Lists and indexed slabs (backend_slab.c and slab_front.c) ------------------------ */
static inline void list_push(slab_t **head, slab_t *slab)
{
    slab->prev = NULL;
    slab->next = *head;
    if (*head)
        (*head)->prev = slab;
    *head = slab;
}

static inline void list_remove(slab_t **head, slab_t *slab)
{
    if (slab->prev)
        slab->prev->next = slab->next;
    else
        *head = slab->next;
    if (slab->next)
        slab->next->prev = slab->prev;
    slab->prev = slab->next = NULL;
}

/* An indexed slab's free blocks out of band (slab_arena.h): the top of its offsets. */
static inline void *indexed_pop(slab_t *slab)
{
    BUF_ASSERT(slab->indexed && slab->free_count > 0);
    return slab->base + ((size_t)slab->free_offsets[--slab->free_count] << SLAB_OFFSET_SHIFT);
}

static inline void indexed_push(slab_t *slab, const void *block)
{
    BUF_ASSERT(slab->indexed && slab->free_count < slab->capacity);
    slab->free_offsets[slab->free_count++] = (uint16_t)(((const uint8_t *)block - slab->base) >> SLAB_OFFSET_SHIFT);
}

/* The class size for a request (also the tests': backend_testing.h). */
size_t backend_slab_class_size_for(size_t size, size_t align);
/* For BUF_ASSERT_EXPENSIVE: whether the block is among the slab's free blocks. */
bool backend_slab_free_list_contains(const slab_t *slab, const void *block);

/* The block must lie in a carved slab (never unit 0, the arena header) serving the class
 * its size names, at a whole number of blocks from the slab's base.  These fields are
 * written before the block was handed out and stay fixed while it is live, so any thread
 * may read them (not `used` or the free list: those are the owner's). */
static inline void slab_check_freed_block(const slab_t *slab, const void *ptr, size_t request, size_t align)
{
    BUF_ASSERT(slab != NULL && slab != &arena_of(ptr)->units[0] && slab->in_use);
    BUF_ASSERT(backend_slab_class_size_for(request, align) == slab->block_size);
    BUF_ASSERT((size_t)((const uint8_t *)ptr - slab->base) % slab->block_size == 0);
    BUF_ASSERT_EXPENSIVE(slab->heap != (slab_heap_t *)backend_heap_last.heap ||
                         !backend_slab_free_list_contains(slab, ptr));
    (void)slab, (void)ptr, (void)request, (void)align;
}

/* backend_slab.c */
/* The size-class tables, filled once per process (backend_slab_class_tables_ready):
 * the class of every request in 8-byte units, one row for align <= 8 and one for 16
 * (SLAB_TABLE_UNITS entries each), and each class's size. */
#define SLAB_QUANTUM ((size_t)8)
#define SLAB_TABLE_UNITS (MEDIUM_MAX / SLAB_QUANTUM)
extern uint8_t backend_slab_class_by_units[2 * SLAB_TABLE_UNITS];
extern uint32_t backend_slab_bytes_by_class[CLASS_COUNT];
/* Everything but a block from the head slab of a class (slab_front.c falls into it with
 * the class's size as the request). */
void *backend_slab_alloc_slow(slab_state_t *state, size_t size, size_t request, size_t align);
/* Large blocks, blocks freed on a thread other than their slab's owner, alignments above
 * 16, and every free of an annotated run. */
void backend_slab_free_slow(slab_state_t *state, void *ptr, size_t size, size_t request, size_t align);
/* A local free changed what the slab's lists must say (full before, or now empty and not
 * the head). */
void backend_slab_relist(slab_heap_t *heap, slab_t *slab);
/* The next class after `after` whose empty list holds a slab, or CLASS_COUNT. */
unsigned backend_slab_empty_class_after(const slab_heap_t *heap, unsigned after);
/* Owner thread: frees the blocks other threads left on the heap's remote stack. */
void backend_slab_heap_drain_remote(slab_heap_t *heap);
/* Fills the size-class tables, once per process. */
void backend_slab_class_tables_ready(void);
/* Fills state->front and its stacks' capacities (the tables must be ready). */
void backend_slab_front_init(slab_state_t *state);

/* slab_pages.c */
/* A new arena on the instance's list, or NULL. */
arena_t *backend_slab_arena_new(slab_state_t *state);
/* Commits the next step of the slab (giving idle pages back first if the commit would
 * raise bytes_os above its high mark); false if the OS refused. */
bool backend_slab_commit_more(slab_t *slab);

#endif
