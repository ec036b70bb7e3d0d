/* slab_state.h — the slab backend's state and the helpers its files share.
 *
 * The slab backend is four files: backend_slab.c (size classes, the pair paths and their
 * slow paths), slab_pages.c (arenas, committing pages, giving idle pages back),
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
     * backend's front"; backend_slab.c, "The front"): published unless annotated or
     * switched off.  The stacks, one line per class, are written by the owner thread of
     * the framework's instance only.  BACKEND_SLAB_FRONT_OWNER_STACKS stacks more than
     * classes, after them, empty with capacity 0 and never touched by slab: the classes
     * a backend that owns this instance adds to its own front built on ours (pool's
     * slices, backend_slab.h). */
    buf_backend_front_t front;
    bool front_published;           /* slab_front hands it out (slab_lifecycle.c) */
    buf_backend_front_stack_t front_stacks[CLASS_COUNT + BACKEND_SLAB_FRONT_OWNER_STACKS] __attribute__((aligned(64)));
} slab_state_t;

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

/* backend_slab.c */
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
