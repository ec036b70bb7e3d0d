/* buf_backend.h — the one memory-backend interface, the registry, and variants.
 *
 * A backend is one struct of function pointers (buf_backend_ops_t).  Users never call
 * the ops directly: they open an instance by name (buf_backend_open) and use the
 * buf_backend_* functions, which validate sizes, keep the statistics every backend
 * shares (live/peak bytes, counts), and apply variants.
 *
 * Names accepted by buf_backend_open (the "spec"):
 *   NAME                 a base backend from the registry: malloc, slab, mmap, pool, ...
 *   NAME:OPTION          a backend-specific variant; the mmap backend accepts "guard"
 *                        (mmap:guard: a PROT_NONE page starts at the end of the block
 *                        rounded up to align, so reading past the end faults at once)
 *   DECORATOR(ARGS):SPEC a decorator wrapped around the instance SPEC opens; the one
 *                        decorator today is
 *   fail(SEED,P):SPEC    failure injection around any spec: each alloc fails with
 *                        probability P (0 <= P <= 1), deterministically from SEED (a
 *                        decimal or 0x-hex uint64) and the allocation's sequence number.
 *
 * Adding a backend is one file and one line: impls/backends/backend_NAME.c defining
 *     const buf_backend_ops_t backend_NAME_ops = { ... };
 * with the next free fuzz id, and X(NAME) at the end of BUF_BACKEND_LIST in
 * impls/backends/backend_registry.h.  A decorator is the same file with X(NAME) in
 * BUF_DECORATOR_LIST instead (see `arguments` and `inner` in buf_backend_config_t).
 *
 * Contract for every backend (tested for each one by tests/unit/test_backend.c):
 *   - alloc(size, align): align is a power of two, 1 <= align <= page size (default
 *     BUF_DEFAULT_ALIGN = 16); the block is aligned to at least `align`.  The pool
 *     backend may return 8-byte-aligned slices when asked for 8 or less.
 *   - size 0 is a valid request: it returns a unique, non-NULL pointer to zero usable
 *     bytes that must be freed with buf_backend_free(b, ptr, 0, align).
 *   - sizes that would overflow (size + align wrapping, or size > BUF_MAX_ALLOC) fail
 *     with BUF_EOVERFLOW and count as a failure; nothing is allocated.
 *   - free(ptr, size, align) takes the same size and align as the alloc; freeing on
 *     another thread than the allocating one is allowed for every backend
 *     (cross_thread_free is required).
 *   - allocation failure returns NULL with BUF_ENOMEM; it never aborts.
 */
#ifndef BUF_BACKEND_H
#define BUF_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BUF_DEFAULT_ALIGN 16u

/* Wide blocks: a request of BUF_WIDE_MIN bytes or more on BUF_WIDE_ALIGN bytes (the
 * model's ArrayBuffer data from 4 KiB: impls/model/model_internal.h).  A backend whose
 * blocks of that size start on BUF_WIDE_ALIGN at the default alignment says so
 * (props.wide_aligned): the framework then serves such a request as the default one, on
 * the inline paths, and the backend never sees the larger alignment. */
#define BUF_WIDE_ALIGN 64u
#define BUF_WIDE_MIN ((size_t)4096)
/* The largest request any backend accepts: half the address space, as ptrdiff_t allows. */
#define BUF_MAX_ALLOC ((size_t)PTRDIFF_MAX / 2)

/* Statistics of one backend instance. */
typedef struct buf_backend_stats {
    uint64_t bytes_live;        /* requested bytes currently allocated (sum of live sizes) */
    uint64_t bytes_peak;        /* highest bytes_live seen */
    uint64_t bytes_os;          /* bytes currently obtained from the OS */
    bool bytes_os_process_wide; /* true: bytes_os is the whole process's figure (e.g. malloc) */
    uint64_t allocs;            /* successful allocations */
    uint64_t frees;             /* frees */
    uint64_t failures;          /* failed allocations (ENOMEM, overflow, injected) */
} buf_backend_stats_t;

/* Static properties of a backend (or variant). */
typedef struct buf_backend_props {
    const char *name;        /* registry name: "malloc", "slab", ... */
    const char *description; /* one line */
    bool zeroed;             /* fresh blocks are always zero-filled */
    bool guard_pages;        /* an access past the end of a block faults */
    bool cross_thread_free;  /* a block may be freed on another thread (required: true) */
    bool concurrent_alloc;   /* several threads may allocate from one instance at once */
    /* Closing an instance releases the blocks still outstanding with the rest of its
     * memory (slab, pool).  false: they stay allocated, usable, and the caller's — the
     * backend tracks nothing per block (malloc, mmap). */
    bool close_releases_blocks;
    /* Every block of BUF_WIDE_MIN bytes or more allocated at the default alignment starts
     * on BUF_WIDE_ALIGN, and is the block a request on BUF_WIDE_ALIGN would get (slab,
     * pool with its default chunk size).  false: such requests reach alloc and free with
     * align BUF_WIDE_ALIGN. */
    bool wide_aligned;
} buf_backend_props_t;

typedef struct buf_backend buf_backend_t; /* an open instance (below) */

/* Configuration for create(); zero-initialise and set what you need (0 = default). */
typedef struct buf_backend_config {
    size_t pool_size;  /* pool: bytes per pool chunk, power of two >= 4096 (default 8192) */
    const char *option; /* variant option (e.g. "guard"); a spec NAME:OPTION sets it */
    /* Decorators only, set by buf_backend_open (whatever the caller puts here is ignored;
     * both are NULL when a base backend is created).  Strings are valid during create
     * only: a backend keeps what it parsed from them, not the pointers. */
    const char *arguments; /* the text between the parentheses, e.g. "42,0.25" */
    buf_backend_t *inner;  /* the opened instance of the SPEC after "):".  A successful
                            * create takes it over (its destroy closes it); if create
                            * fails, buf_backend_open closes it */
} buf_backend_config_t;

/* ---- The vtable: all a backend implements -------------------------------------------
 * State is opaque to the framework.  The framework guarantees: size <= BUF_MAX_ALLOC,
 * align is a power of two <= page size, size 0 has been turned into size 1 (the
 * framework passes the original size to free as well, after the same adjustment), and
 * free receives exactly the (size, align) of the matching alloc.  Statistics of live
 * bytes and counts are kept by the framework; stats() fills only what the backend
 * alone knows (bytes_os and bytes_os_process_wide).
 */
typedef struct buf_backend_ops {
    buf_backend_props_t props;
    /* Permanent fuzz id: committed fuzz corpora select backends by it.  Never reuse or
     * renumber an id; a new backend takes the next free one (the largest `buf backends`
     * lists, plus one).  Two registered backends with one id stop the program at its
     * first use of the registry.  Decorators are not selected by id (leave it 0). */
    uint8_t fuzz_id;
    /* Creates an instance.  Returns BUF_EINVAL for a bad config (e.g. unknown option). */
    buf_status_t (*create)(const buf_backend_config_t *config, void **state_out);
    /* Releases the instance (and, if props.close_releases_blocks, every block).  Writes
     * a line per outstanding block it can list to `report` (a FILE*, may be NULL for
     * silence) and returns the number it listed; the framework adds its own count. */
    size_t (*destroy)(void *state, void *report);
    void *(*alloc)(void *state, size_t size, size_t align);
    void (*free)(void *state, void *ptr, size_t size, size_t align);
    void (*stats)(void *state, buf_backend_stats_t *out);
    /* Optional: fill props for this instance (variants may differ from ops->props,
     * e.g. mmap:guard has guard_pages). NULL means ops->props. */
    void (*instance_props)(void *state, buf_backend_props_t *out);
    /* Optional, both or neither (malloc): libc-shaped entry points with no state and no
     * alignment, which the inlined fast path calls directly for default-alignment
     * requests instead of alloc and free: plain_alloc(size) must do what
     * alloc(state, size, BUF_DEFAULT_ALIGN) does for 1 <= size <= BUF_MAX_ALLOC, and
     * plain_free(ptr) what free(state, ptr, size, BUF_DEFAULT_ALIGN) does for a block of
     * any size (the fast path passes it blocks allocated with size 0, too).  Argument
     * moves and a wrapper's compare and jumps fewer per pair. */
    void *(*plain_alloc)(size_t size);
    void (*plain_free)(void *ptr);
    /* Optional: the backend's own per-thread cache of freed blocks, which the inlined fast
     * path pops and pushes without calling the backend ("The backend's front" below).
     * Called once, right after create; returns the instance's front, or NULL when this
     * instance has none (tools watching blocks, the backend's switch off).  NULL member:
     * no front, the fast path exactly as without this member. */
    struct buf_backend_front *(*front)(void *state);
} buf_backend_ops_t;

/* ---- Registry ------------------------------------------------------------------------ */
size_t buf_backend_count(void);                       /* number of base backends */
const buf_backend_ops_t *buf_backend_at(size_t index); /* NULL if out of range */
const buf_backend_ops_t *buf_backend_find(const char *name); /* base name; NULL if unknown */
const buf_backend_ops_t *buf_backend_find_fuzz_id(uint8_t fuzz_id); /* NULL if unknown */

/* ---- Instances ----------------------------------------------------------------------- */
/* Opens an instance from a spec (see top of file).  config may be NULL (defaults).
 * BUF_EUNKNOWN_BACKEND for an unknown name, BUF_EINVAL for a malformed spec/option. */
buf_status_t buf_backend_open(const char *spec, const buf_backend_config_t *config,
                              buf_backend_t **out);
/* Destroys the instance, listing outstanding blocks on stderr (if any); returns their
 * number.  NULL is a no-op returning 0.  A backend whose props.close_releases_blocks is
 * true (slab, pool) releases all its memory, outstanding blocks included; the others
 * (malloc, mmap) do not track blocks, so outstanding blocks stay allocated (they are
 * counted and reported, and remain the caller's). */
size_t buf_backend_close(buf_backend_t *backend);
/* As buf_backend_close, with the report written to `report` (FILE*, or NULL for none). */
size_t buf_backend_close_report(buf_backend_t *backend, void *report);

/* Allocates size bytes aligned to align (0 = BUF_DEFAULT_ALIGN).  Returns the block, or
 * NULL with *status (if non-NULL) set to BUF_ENOMEM / BUF_EOVERFLOW / BUF_EINVAL (align
 * not a power of two or above the page size).  The block belongs to `backend`: release
 * it with buf_backend_free and the same size and align.  (Inline: defined below.) */
static inline void *buf_backend_alloc(buf_backend_t *backend, size_t size, size_t align, buf_status_t *status);
/* Allocates and zero-fills (skips the memset when the backend hands out zeroed memory). */
void *buf_backend_calloc(buf_backend_t *backend, size_t size, size_t align, buf_status_t *status);
/* Frees a block from buf_backend_alloc with the same size and align.  NULL is a no-op.
 * (Inline: defined below.) */
static inline void buf_backend_free(buf_backend_t *backend, void *ptr, size_t size, size_t align);

/* Statistics now.  A NULL backend gives all zeros; a NULL out is a no-op. */
void buf_backend_get_stats(const buf_backend_t *backend, buf_backend_stats_t *out);
/* Properties of the instance (a variant's may differ from its base backend's, e.g.
 * mmap:guard has guard_pages).  A NULL backend gives empty props: name and description
 * "", every flag false.  A NULL out is a no-op. */
void buf_backend_get_props(const buf_backend_t *backend, buf_backend_props_t *out);
const char *buf_backend_spec(const buf_backend_t *backend); /* the spec it was opened with */

size_t buf_page_size(void);

/* ---- The inlined fast path -------------------------------------------------------------
 * buf_backend_alloc and buf_backend_free are inlined into the caller, so that a request
 * with the default alignment, on the thread that uses the instance, costs the backend's
 * own alloc (or free) plus a few instructions: a size compare, a thread test, the
 * call, three counter instructions on alloc and two on free (bench: alloc_pair/malloc
 * beside baseline_malloc; callgrind per pair at 64 B: malloc alone 138, through the
 * framework 155 — it was 177 with the counters as loads, stores and a peak compare, and
 * the backend's wrapper called with state and alignment).
 * A full call into the library cost ~115 instructions per alloc-free pair on top of
 * malloc's ~140 (argument checks, saving the callee-saved registers that the values living
 * across the indirect call need, the thread-local slot lookup, statistics behind two
 * calls): 1.6-2.8x malloc's time for small blocks.
 *
 * Everything in this section belongs to the library: callers use buf_backend_alloc and
 * buf_backend_free only, never these types, fields or functions (their layout may change
 * in any version, and writing them breaks the statistics).  They are public only because
 * inline code must see them:
 *   - an open instance starts with buf_backend_hot_t: the backend's alloc and free (and
 *     its plain entry points, if it has them), its state, the identity of its first user
 *     thread (its "owner") and the owner's slot of counters.  Statistics are kept per
 *     thread (impls/backends/backend_stats.h); every other thread's slot hangs off the
 *     owner's, found out of line;
 *   - the owner's slot is written by the owner only, read by any thread that merges the
 *     figures (buf_backend_get_stats, close): hence relaxed atomic loads and stores, or on
 *     x86-64 one add or subtract to memory (one aligned 8-byte store, which a reader sees
 *     whole), and never a locked read-modify-write (DESIGN.md: "never shared atomics on
 *     the hot path");
 *   - live and peak bytes cost one word on the hot path: a slot keeps its net bytes as
 *     mark - room, where mark is the net figure at the slot's last new peak and room how
 *     far below it the net bytes are now.  An allocation subtracts its size from room,
 *     a free adds it; only when room goes below zero (a new peak, once per run-up) does an
 *     out-of-line call move mark up and room back to 0.  While room >= 0 the net bytes are
 *     at most mark, which is at most the peak: there is nothing to compare;
 *   - a thread's identity is its thread pointer (one register read on x86-64 and
 *     AArch64, which the compiler keeps in a register across a loop); a thread that
 *     starts after the owner exited may get the same one, and then continues its slot
 *     (its counts are sums: they stay exact);
 *   - one owner word per direction (alloc_owner, free_owner) says both who may take an
 *     inline path and which: the owner's identity with the path's kind in its two low
 *     bits (BUF_BACKEND_PATH_*; a thread pointer is 16-byte aligned or more on x86-64 and
 *     AArch64, which backend_stats.c checks before it opens a path).  word ^ identity is
 *     the kind on the owner and a value above every kind on any other thread (two
 *     identities differ above bit 1), so one xor with the thread pointer in memory both
 *     tests the thread and, by its zero flag, picks the plain path (malloc's: the same
 *     load, xor and branch its single compare was), the front's by one compare of the
 *     result more, the backend's functions by two.  0 matches no thread ("off": the xor
 *     leaves the thread pointer itself).  With a word per kind and direction (plain,
 *     backend, front) slab paid two failed owner compares per side, 6 of the 30
 *     instructions of its inline alloc.
 * Whatever the fast path does not handle goes to the "general" functions declared here,
 * which do everything buf_backend_alloc and buf_backend_free promise, the slow way:
 * another alignment, a size of 0 or above BUF_MAX_ALLOC, a NULL backend, any thread
 * but the owner, and the owner's allocations once a second thread has used the instance
 * (the peak then sums every slot).  The two are always inlined: gcc -O2 otherwise keeps
 * buf_backend_alloc out of line in a file that calls it from many places, and the call
 * costs what inlining saves. */
/* ---- The backend's front ---------------------------------------------------------------
 * A backend may keep a bounded cache of freed blocks per size class that the owner
 * thread's inline paths use without calling it (SLUB's per-cpu freelists, tcmalloc's
 * thread cache): slab does, and pool on its slab instance's (backend_pool.c, "The
 * front").  It publishes, through ops->front:
 *   - its size-class table for the default alignment: class_of[(size - 1) >> 3] is the
 *     class of every request of 1 .. BUF_BACKEND_FRONT_MAX bytes (a fixed range, so that
 *     the inline paths compare with a constant: a class the backend never caches has
 *     capacity 0);
 *   - one stack per class, held out of band: block pointers and a count, never a link
 *     written into a freed block by the framework (a push or a pop touches no freed
 *     block, and a tool that poisons freed blocks would keep them poisoned; a miss
 *     path's refill reads the links the backend's own alloc would read).
 * The owner's inline allocation of 1 .. BUF_BACKEND_FRONT_MAX bytes pops its class's stack
 * if it holds a block, else calls the front's alloc_miss with the stack it looked up; the
 * owner's inline free pushes if the stack has room (count < capacity), else calls the
 * front's free_miss.  The miss paths skip what the inline path already did (the size
 * checks, the class lookup) and may refill or flush the stack: slab moves half a stack of
 * eight or more blocks at once both ways (callgrind per pair, alloc_batch_lifo/slab 64/4K/64K:
 * 142.5/163.8/170.9 through the backend's full alloc and free, 118.2/145.9/152.9 through
 * the miss paths; 64 B and 1 KiB 97.6 and 115.6 -> 77.5 and 90.7 with 31- and 16-block
 * stacks moving half at once).  The owner
 * reaches the front through its owner words' kind BUF_BACKEND_PATH_FRONT (one compare after
 * the xor), and the class's stack through a copy of the table kept inside the instance
 * (front_stack_table: each request's stack's address), so a lookup is a shift and one
 * load at a fixed offset from the instance, with no pointer to the table or to the
 * stacks to load and no multiply by the stack's size.
 * What the backend promises by publishing one:
 *   - any block of a class serves any request of that class (the class size covers it,
 *     with the default alignment);
 *   - its free accepts a cached block with size class_bytes[class] and the default
 *     alignment (the framework gives blocks back that way: it does not keep their
 *     request sizes);
 *   - capacity bounds each stack (at most BUF_BACKEND_FRONT_BLOCKS), chosen by the backend
 *     so that the cache never holds much memory; the backend may change a stack's capacity
 *     in its miss paths (the owner's thread: the inline paths read it on every push),
 *     keeping count <= capacity (pool gives the class of a run of one slice size a bigger
 *     stack while the run lasts).
 * What the framework keeps: the statistics exactly as without a front (a cached block
 * counts as freed, a pop as an allocation; bytes_os stays the backend's figure: cached
 * blocks are its committed memory).  Only the owner touches the stacks; once a second
 * thread uses the instance, the owner's next general call gives every cached block back
 * (the backend's free) and turns the front off for good, and close gives them back before
 * destroy, so that destroy lists only the caller's blocks.  Decorators never get a front,
 * nor does the instance a decorator wraps (every call must reach the decorator). */
/* With the count and capacity a stack is 256 bytes: 31 blocks, so that a backend's stacks
 * of small blocks can move half of them per miss (the 1000-batches call the backend once
 * per 15 blocks, not once per 1-3); the inline paths index the stack the same at any size. */
#define BUF_BACKEND_FRONT_BLOCKS 31
#define BUF_BACKEND_FRONT_MAX ((size_t)65536) /* requests of 1 .. this go through a front */
typedef struct buf_backend_front_stack {
    uint32_t count;    /* blocks held: blocks[0 .. count) */
    uint32_t capacity; /* the most it may hold (0: the class is never cached) */
    void *blocks[BUF_BACKEND_FRONT_BLOCKS];
} buf_backend_front_stack_t;

typedef struct buf_backend_front {
    const uint8_t *class_of;           /* entry (size - 1) >> 3: the class of a request of
                                        * 1 .. BUF_BACKEND_FRONT_MAX bytes */
    buf_backend_front_stack_t *stacks; /* one per class, written by the owner only */
    const uint32_t *class_bytes;       /* the size a cached block of a class is freed with */
    size_t class_count;                /* classes (stacks) */
    /* The miss paths, both or neither (a front without them is not used: the instance
     * runs as without one), called by the owner only, with the stack of the request's
     * class (&stacks[class]), which the inline path has in a register where the class
     * index is gone (keeping both cost the pair path a register move on each side), and
     * the request's size (1 .. BUF_BACKEND_FRONT_MAX), which the inline path holds for
     * its counters anyway: one register move on the miss call only.
     * alloc_miss(state, stack, size): the stack is empty; does what alloc(state, size,
     * BUF_DEFAULT_ALIGN) does (a block serving the request, or NULL), without the size
     * checks and the class lookup the inline path already did.  free_miss(state, ptr,
     * stack, size): the stack is full; does what free(state, ptr, size,
     * BUF_DEFAULT_ALIGN) does.  Either may move blocks between the stack and the backend
     * (a refill, a flush), keeping count <= capacity.  A class of capacity 0 sends every
     * request of it here, where the size tells the backend what to do (pool: its larger
     * slices, and the one entry whose requests are both slices and slab's blocks). */
    void *(*alloc_miss)(void *state, buf_backend_front_stack_t *stack, size_t size);
    void (*free_miss)(void *state, void *ptr, buf_backend_front_stack_t *stack, size_t size);
} buf_backend_front_t;

/* One thread's figures for one instance: a "slot", one 64-byte cache line. */
typedef struct buf_backend_slot {
    uint64_t room;      /* mark - net bytes, modulo 2^64, where net bytes are the bytes this
                         * thread allocated minus the bytes it freed (a thread that frees
                         * other threads' blocks goes "negative") */
    uint64_t mark;      /* the net bytes when room was last set to 0 (the owner's last new
                         * peak while alone); written before room is read against it */
    uint64_t peak;      /* the highest instance live bytes an allocation of this thread saw */
    uint64_t allocs;    /* successful allocations by this thread */
    uint64_t frees;     /* frees by this thread (of any thread's blocks) */
    uint64_t failures;  /* failed allocations by this thread */
    uintptr_t thread;   /* the owning thread's identity (buf_backend_thread_identity) */
    struct buf_backend_slot *next; /* the next slot of the instance (set before publication) */
} buf_backend_slot_t;

/* The kinds of inline path an owner word opens, in its two low bits ("The inlined fast
 * path"): the plain entry points (0: the xor's zero flag picks it, so malloc's path is the
 * one compare it always was), the backend's front, the backend's alloc and free. */
#define BUF_BACKEND_PATH_PLAIN ((uintptr_t)0)
#define BUF_BACKEND_PATH_FRONT ((uintptr_t)1)
#define BUF_BACKEND_PATH_BACKEND ((uintptr_t)2)
#define BUF_BACKEND_PATH_MASK ((uintptr_t)3) /* an identity must have these bits clear */

typedef struct buf_backend_hot {
    /* The owner's identity | the kind of path it takes inline, one word per direction
     * (BUF_BACKEND_PATH_*), or 0 (no thread's word: the general path).  0 until the first
     * use; alloc_owner goes back to 0 once a second thread uses the instance; when the
     * front is turned off, free_owner's kind becomes BUF_BACKEND_PATH_BACKEND. */
    uintptr_t alloc_owner;
    uintptr_t free_owner;
    uintptr_t owner;        /* the first user's identity, for backend_stats.c (0: none yet) */
    void *(*alloc)(void *state, size_t size, size_t align); /* the backend's ops->alloc */
    void (*free)(void *state, void *ptr, size_t size, size_t align); /* ops->free */
    void *state;            /* the backend's instance state */
    void *(*plain_alloc)(size_t size); /* ops->plain_alloc, or NULL */
    void (*plain_free)(void *ptr);     /* ops->plain_free, or NULL */
    /* BUF_WIDE_MIN when the instance's props say wide_aligned, else SIZE_MAX: a request
     * on BUF_WIDE_ALIGN of at least this many bytes is a default-alignment request. */
    size_t wide_default_from;
    /* The backend's front, copied from it at open ("The backend's front"); NULL stacks:
     * none, or off for good. */
    buf_backend_front_stack_t *front_stacks;
    void *(*front_alloc_miss)(void *state, buf_backend_front_stack_t *stack, size_t size); /* the */
    void (*front_free_miss)(void *state, void *ptr, buf_backend_front_stack_t *stack, size_t size); /* misses */
    buf_backend_slot_t first __attribute__((aligned(64))); /* the owner's slot */
    /* The front's class_of as the address of each class's stack (&stacks[class]),
     * filled at open: entry (size - 1) >> 3 for a request of 1 .. BUF_BACKEND_FRONT_MAX
     * bytes.  64 KiB, the instance's own pages (only an instance with a front touches
     * them); at a fixed offset from the instance, where the backend's table would cost a
     * pointer load per lookup and byte-sized class numbers a multiply (shift) by the
     * stack's 64 bytes.  Addresses rather than 16-bit offsets from front_stacks (16 KiB):
     * the offset's add needed front_stacks loaded on every call, and the inline paths are
     * short of loads, not of instructions or stores (an assembly copy of alloc_pair's
     * loop timed beside baseline_freelist_fnptr's in one process: 1.57x with the
     * offsets, 1.28x with addresses; README.md, "Loads, not instructions"). */
    buf_backend_front_stack_t *front_stack_table[BUF_BACKEND_FRONT_MAX >> 3];
} buf_backend_hot_t;

/* The slow ways (out of line; for the inline functions below only). */
void *buf_backend_alloc_general(buf_backend_t *backend, size_t size, size_t align, buf_status_t *status);
void buf_backend_free_general(buf_backend_t *backend, void *ptr, size_t size, size_t align);
/* The owner's inline allocation took its slot's room below zero: a new peak.  Moves the
 * mark up to the net bytes and room back to 0, and records the peak. */
void buf_backend_raise_peak(buf_backend_t *backend);
/* Assertion builds (BUF_ASSERT_LEVEL >= 2): stops the program with an assertion message
 * when a free took the live bytes below zero (a free with a larger size than its alloc). */
_Noreturn void buf_backend_live_below_zero(const buf_backend_t *backend);

/* The calling thread's identity: its thread pointer, never 0; BUF_BACKEND_NO_IDENTITY
 * where there is no thread pointer (then backend_stats.c identifies threads by
 * pthread_self, and every call takes the general path). */
#define BUF_BACKEND_NO_IDENTITY (~(uintptr_t)0)
static inline uintptr_t buf_backend_thread_identity(void)
{
#if defined(__x86_64__)
    uintptr_t thread_pointer;
    __asm__("mov %%fs:0, %0" : "=r"(thread_pointer)); /* the TCB's pointer to itself */
    return thread_pointer;
#elif defined(__aarch64__)
    return (uintptr_t)__builtin_thread_pointer();
#else
    return BUF_BACKEND_NO_IDENTITY; /* no fast path: no owner is ever this value */
#endif
}

/* owner_word ^ the calling thread's identity: the kind of inline path the word opens
 * (BUF_BACKEND_PATH_*) on the owner, above BUF_BACKEND_PATH_MASK on any other thread.
 * *plain tells whether it is 0 (BUF_BACKEND_PATH_PLAIN, the owner): on x86-64 the zero
 * flag of one xor with the thread pointer's word in memory (xor %fs:0, reg), branched on
 * directly, so that the plain path costs the load, the xor and the branch and the others
 * one compare of the result more. */
static inline __attribute__((always_inline)) uintptr_t buf_backend_path_on_calling_thread(uintptr_t owner_word,
                                                                                          bool *plain)
{
#if defined(__x86_64__) && defined(__GCC_ASM_FLAG_OUTPUTS__)
    __asm__("xorq %%fs:0, %0" : "+r"(owner_word), "=@ccz"(*plain));
    return owner_word;
#else
    uintptr_t path = owner_word ^ buf_backend_thread_identity();
    *plain = path == BUF_BACKEND_PATH_PLAIN;
    return path;
#endif
}

/* counter += amount by the counter's only writer: a relaxed load and a relaxed store, no
 * read-modify-write instruction (readers on other threads see the old or the new value). */
static inline uint64_t buf_backend_counter_add(uint64_t *counter, uint64_t amount)
{
    uint64_t value = __atomic_load_n(counter, __ATOMIC_RELAXED) + amount;
    __atomic_store_n(counter, value, __ATOMIC_RELAXED);
    return value;
}

/* counter += amount by the counter's only writer, when the value is not needed: on x86-64
 * one add to memory (its store is one aligned 8-byte write, which readers on other threads
 * see whole), half the instructions of a load and a store; ThreadSanitizer builds keep the
 * atomic load and store, so that it checks who reads what. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BUF_BACKEND_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define BUF_BACKEND_TSAN 1
#endif
static inline void buf_backend_counter_bump(uint64_t *counter, uint64_t amount)
{
#if defined(__x86_64__) && !defined(BUF_BACKEND_TSAN)
    __asm__("addq %1, %0" : "+m"(*counter) : "er"(amount));
#else
    buf_backend_counter_add(counter, amount);
#endif
}

/* counter -= amount by the counter's only writer; true when the result, read as signed, is
 * below zero.  On x86-64 one subtract to memory whose sign flag is the answer (a compiler
 * that cannot take flags from an asm gets the load, subtract and store). */
static inline bool buf_backend_counter_take_below_zero(uint64_t *counter, uint64_t amount)
{
#if defined(__x86_64__) && !defined(BUF_BACKEND_TSAN) && defined(__GCC_ASM_FLAG_OUTPUTS__)
    bool negative;
    __asm__("subq %2, %0" : "+m"(*counter), "=@ccs"(negative) : "er"(amount));
    return negative;
#else
    return (int64_t)buf_backend_counter_add(counter, (uint64_t)0 - amount) < 0;
#endif
}

/* The owner's figures after its inline allocation got `block` (not NULL). */
static inline __attribute__((always_inline)) void *buf_backend_alloc_succeeded(buf_backend_t *backend, void *block,
                                                                               size_t size, buf_status_t *status)
{
    buf_backend_hot_t *hot = (buf_backend_hot_t *)(void *)backend;
    /* Alone, the owner's net bytes are the instance's live bytes: below the mark (room
     * >= 0) they are below the peak; past it, a new peak. */
    if (__builtin_expect(buf_backend_counter_take_below_zero(&hot->first.room, size), 0))
        buf_backend_raise_peak(backend);
    buf_backend_counter_bump(&hot->first.allocs, 1);
    if (status)
        *status = BUF_OK;
    return block;
}

/* The owner's figures after its inline allocation returned `block`.  Each inline path has
 * its own copy, so neither jumps back to a shared tail. */
static inline __attribute__((always_inline)) void *buf_backend_alloc_counted(buf_backend_t *backend, void *block,
                                                                             size_t size, buf_status_t *status)
{
    buf_backend_hot_t *hot = (buf_backend_hot_t *)(void *)backend;
    if (__builtin_expect(block == NULL, 0)) {
        buf_backend_counter_add(&hot->first.failures, 1);
        if (status)
            *status = BUF_ENOMEM;
        return NULL;
    }
    return buf_backend_alloc_succeeded(backend, block, size, status);
}

/* The owner's inline allocation that pops the block at `top` (count - 1) of the backend's
 * front: counted as any allocation (the front is invisible in the figures).  A stack holds
 * no NULL (frees push blocks, refills the backend's), which the compiler is told, so that
 * a caller's free of the block right after skips its NULL test. */
static inline __attribute__((always_inline)) void *buf_backend_front_pop(buf_backend_t *backend,
                                                                         buf_backend_front_stack_t *stack,
                                                                         size_t top, size_t size,
                                                                         buf_status_t *status)
{
    void *block = stack->blocks[top];
    stack->count = (uint32_t)top;
    if (block == NULL)
        __builtin_unreachable();
    return buf_backend_alloc_succeeded(backend, block, size, status);
}

/* The stack of the front's class for a request of 1 .. BUF_BACKEND_FRONT_MAX bytes: one
 * load from the instance's own copy of the table. */
static inline __attribute__((always_inline)) buf_backend_front_stack_t *buf_backend_front_stack_for(
    const buf_backend_hot_t *hot, size_t size)
{
    return hot->front_stack_table[(size - 1) >> 3];
}

/* The owner's inline free of a block of 1 .. BUF_BACKEND_FRONT_MAX bytes: onto its class's
 * stack if it has room, else the front's free_miss with the stack already looked up. */
static inline __attribute__((always_inline)) void buf_backend_front_push(buf_backend_hot_t *hot, void *ptr,
                                                                         size_t size)
{
    buf_backend_front_stack_t *stack = buf_backend_front_stack_for(hot, size);
    uint32_t count = stack->count;
    if (__builtin_expect(count >= stack->capacity, 0)) {
        hot->front_free_miss(hot->state, ptr, stack, size);
        return;
    }
    void **slot = &stack->blocks[count];
    stack->count = count + 1;
    *slot = ptr;
}

/* The owner's figures after its inline free. */
static inline __attribute__((always_inline)) void buf_backend_free_counted(buf_backend_t *backend, size_t size)
{
    buf_backend_hot_t *hot = (buf_backend_hot_t *)(void *)backend;
    buf_backend_counter_bump(&hot->first.room, size);
    buf_backend_counter_bump(&hot->first.frees, 1);
#if defined(BUF_ASSERT_LEVEL) && BUF_ASSERT_LEVEL >= 2
    /* While the owner is alone (its allocations inline) its net bytes are the live bytes:
     * never below zero. */
    if ((int64_t)(__atomic_load_n(&hot->first.mark, __ATOMIC_RELAXED) -
                  __atomic_load_n(&hot->first.room, __ATOMIC_RELAXED)) < 0 &&
        __atomic_load_n(&hot->alloc_owner, __ATOMIC_RELAXED) != 0)
        buf_backend_live_below_zero(backend);
#endif
}

/* How a request's alignment is served ("Wide blocks" at the top): as the default (0,
 * BUF_DEFAULT_ALIGN, or a wide block that the instance's default blocks already align:
 * wide_default_from), as a wide block the backend is asked for on BUF_WIDE_ALIGN, or as
 * any other alignment, which only the general path takes.  The inline paths and the
 * general path decide by this one test; with constant arguments (the usual call) the
 * compiler folds it away. */
typedef enum { BUF_BACKEND_ALIGN_DEFAULT, BUF_BACKEND_ALIGN_WIDE, BUF_BACKEND_ALIGN_OTHER } buf_backend_align_kind_t;
static inline __attribute__((always_inline)) buf_backend_align_kind_t
buf_backend_align_kind(const buf_backend_hot_t *hot, size_t size, size_t align)
{
    if (__builtin_expect(align == 0 || align == BUF_DEFAULT_ALIGN, 1))
        return BUF_BACKEND_ALIGN_DEFAULT;
    if (align != BUF_WIDE_ALIGN || size < BUF_WIDE_MIN)
        return BUF_BACKEND_ALIGN_OTHER;
    return size < hot->wide_default_from ? BUF_BACKEND_ALIGN_WIDE : BUF_BACKEND_ALIGN_DEFAULT;
}

static inline __attribute__((always_inline)) void *buf_backend_alloc(buf_backend_t *backend, size_t size, size_t align,
                                                                     buf_status_t *status)
{
    buf_backend_hot_t *hot = (buf_backend_hot_t *)(void *)backend;
    /* The default alignment; a wide block the backend's default does not align (`wide`)
     * takes the plain path's backend alloc, or else the general path, as any other
     * alignment does. */
    if (__builtin_expect(backend == NULL, 0))
        return buf_backend_alloc_general(backend, size, align, status);
    const buf_backend_align_kind_t kind = buf_backend_align_kind(hot, size, align);
    if (__builtin_expect(kind == BUF_BACKEND_ALIGN_OTHER, 0))
        return buf_backend_alloc_general(backend, size, align, status);
    const bool wide = kind == BUF_BACKEND_ALIGN_WIDE;
    /* The owner's word: which inline path, if any.  Each path then checks the sizes it
     * serves with one compare of size - 1 (size 0 wraps: the general path turns it into
     * a unique 1-byte block). */
    bool plain;
    uintptr_t path = buf_backend_path_on_calling_thread(__atomic_load_n(&hot->alloc_owner, __ATOMIC_RELAXED), &plain);
    /* The plain entry point (malloc): 1 .. BUF_MAX_ALLOC. */
    if (__builtin_expect(plain, 1)) {
        if (__builtin_expect(size - 1 < BUF_MAX_ALLOC, 1))
            return buf_backend_alloc_counted(
                backend, wide ? hot->alloc(hot->state, size, BUF_WIDE_ALIGN) : hot->plain_alloc(size), size, status);
        return buf_backend_alloc_general(backend, size, align, status);
    }
    if (__builtin_expect(wide, 0))
        return buf_backend_alloc_general(backend, size, BUF_WIDE_ALIGN, status);
    /* The owner of a backend with a front: 1 .. BUF_BACKEND_FRONT_MAX bytes, a block of
     * the request's class if its stack holds one; a miss calls the front's alloc_miss
     * with the stack looked up here.  Larger requests: the backend's alloc. */
    if (__builtin_expect(path < BUF_BACKEND_PATH_BACKEND, 1)) { /* path 0 took the plain path */
        if (__builtin_expect(size - 1 < BUF_BACKEND_FRONT_MAX, 1)) {
            buf_backend_front_stack_t *stack = buf_backend_front_stack_for(hot, size);
            /* count - 1, its borrow the test for an empty stack (one subtract and branch);
             * in a full register, which indexes the stack without a zero-extending move. */
            size_t top;
            if (__builtin_expect(!__builtin_sub_overflow((size_t)stack->count, (size_t)1, &top), 1))
                return buf_backend_front_pop(backend, stack, top, size, status);
            return buf_backend_alloc_counted(backend, hot->front_alloc_miss(hot->state, stack, size), size, status);
        }
        if (__builtin_expect(size - 1 < BUF_MAX_ALLOC, 1))
            return buf_backend_alloc_counted(backend, hot->alloc(hot->state, size, BUF_DEFAULT_ALIGN), size, status);
    } else if (__builtin_expect(path == BUF_BACKEND_PATH_BACKEND && size - 1 < BUF_MAX_ALLOC, 1)) {
        return buf_backend_alloc_counted(backend, hot->alloc(hot->state, size, BUF_DEFAULT_ALIGN), size, status);
    }
    return buf_backend_alloc_general(backend, size, align, status);
}

static inline __attribute__((always_inline)) void buf_backend_free(buf_backend_t *backend, void *ptr, size_t size,
                                                                   size_t align)
{
    buf_backend_hot_t *hot = (buf_backend_hot_t *)(void *)backend;
    /* NULL (a no-op), another alignment (but a wide block the backend's default aligns, as
     * on alloc): the general path. */
    if (__builtin_expect(ptr == NULL || backend == NULL, 0)) {
        buf_backend_free_general(backend, ptr, size, align);
        return;
    }
    const buf_backend_align_kind_t kind = buf_backend_align_kind(hot, size, align);
    if (__builtin_expect(kind == BUF_BACKEND_ALIGN_OTHER, 0)) {
        buf_backend_free_general(backend, ptr, size, align);
        return;
    }
    const bool wide = kind == BUF_BACKEND_ALIGN_WIDE;
    bool plain;
    uintptr_t path = buf_backend_path_on_calling_thread(__atomic_load_n(&hot->free_owner, __ATOMIC_RELAXED), &plain);
    /* The plain entry point: any size, 0 included. */
    if (__builtin_expect(plain, 1)) {
        if (wide)
            hot->free(hot->state, ptr, size, BUF_WIDE_ALIGN);
        else
            hot->plain_free(ptr);
        buf_backend_free_counted(backend, size);
        return;
    }
    if (__builtin_expect(wide, 0)) {
        buf_backend_free_general(backend, ptr, size, BUF_WIDE_ALIGN);
        return;
    }
    /* The owner of a backend with a front: 1 .. BUF_BACKEND_FRONT_MAX bytes (one compare)
     * onto the class's stack if it has room, else the front's miss path; above, the
     * backend's free.  The backend's free never gets size 0 (the general path turns it
     * into 1). */
    if (__builtin_expect(path < BUF_BACKEND_PATH_BACKEND, 1)) { /* path 0 took the plain path */
        if (__builtin_expect(size - 1 < BUF_BACKEND_FRONT_MAX, 1)) {
            buf_backend_front_push(hot, ptr, size);
            buf_backend_free_counted(backend, size);
            return;
        }
        if (__builtin_expect(size != 0, 1)) {
            hot->free(hot->state, ptr, size, BUF_DEFAULT_ALIGN);
            buf_backend_free_counted(backend, size);
            return;
        }
    } else if (__builtin_expect(path == BUF_BACKEND_PATH_BACKEND && size != 0, 1)) {
        hot->free(hot->state, ptr, size, BUF_DEFAULT_ALIGN);
        buf_backend_free_counted(backend, size);
        return;
    }
    buf_backend_free_general(backend, ptr, size, align);
}

#ifdef __cplusplus
}
#endif
#endif
