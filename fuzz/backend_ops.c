/* backend_ops — allocate/free programs against a shadow model of the live blocks.
 *
 * Property: for every backend and variant the selector can name, any sequence of
 * alloc / calloc / free / rewrite / cross-thread free / churn keeps these true after
 * EVERY step:
 *   - a successful alloc returns a block aligned to what was asked (16 by default) whose
 *     bytes [ptr, ptr+size) overlap no other live block's (size 0 counts as one byte: it
 *     must still be unique).  The live set is kept sorted by address, so the new block
 *     must fit between its two neighbours, whatever the backend;
 *   - a block's contents (a per-block fill pattern) are preserved until it is freed
 *     (every byte of blocks up to 4 KiB; ends and a 61-byte stride of larger ones), and
 *     the address neighbours of every block allocated or freed are checked at once, so a
 *     backend writing past a block or into a neighbour is caught at the step that did it;
 *     calloc blocks, and every block of a backend that says `zeroed`, read as zeros;
 *   - a failed alloc returns NULL with BUF_ENOMEM only when failures are injected,
 *     BUF_EOVERFLOW for sizes beyond BUF_MAX_ALLOC or wrapping with the alignment, and
 *     BUF_EINVAL for an alignment that is not a power of two up to the page size;
 *   - the statistics equal the model's: bytes_live is the sum of live requested sizes,
 *     bytes_peak its maximum, allocs / frees / failures the counts of what happened;
 *   - steady state: the program runs twice on one instance, everything freed after each
 *     run.  Freed memory must be reused, so the second run may not grow bytes_os (per
 *     instance; skipped when the backend reports the process-wide figure, and under
 *     failure injection, where the second run's successes differ) by more than the
 *     slack: the largest growth of bytes_os that one allocation caused, i.e. one more of
 *     the backend's own units (a slab arena, a pool arena, a large mapping).  The same
 *     requests may pack differently the second time (pool's bump offset carries over), so
 *     one more unit can be honest; memory that is never given back makes the second run
 *     take as much again as the first, more than one unit as soon as a run turns over
 *     more than a unit's worth of blocks (one churn step can);
 *   - closing after freeing everything reports no outstanding block (no leak).
 *
 * Sanitizer builds give every slab and pool block a 16-byte red zone, so a size class
 * one byte short overlaps only poison there: the placement checks bite in the plain
 * builds (build/fuzz/replay, build/fuzz/libfuzzer-plain, AFL++ main), which is why make
 * test replays the corpus in both.
 *
 * Input: backend selector (fuzz_backend.h), then one opcode byte per step (enum
 * backend_op) followed by its operands.  At most FUZZ_MAX_LIVE_BLOCKS live blocks of at
 * most FUZZ_MAX_BLOCK_SIZE, and at most MAX_BYTES_PER_RUN requested per run.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "buf_backend.h"
#include "fuzz_backend.h"
#include "fuzz_helpers.h"

#define MAX_STEPS 512
/* Requested bytes (plus alignment) per run: allocations beyond it are skipped, so a
 * backend that never reuses memory (docs/example_backend_bump.c: 64 MiB) runs every
 * input (both runs together stay under 2 x 8 MiB), and a churn of large blocks stays
 * fast.  8 MiB still holds 32 of the largest blocks, or turns over 1,000 pool chunks. */
#define MAX_BYTES_PER_RUN ((uint64_t)8 << 20)
#define CHURN_MAX_DEPTH 8

/* ---- Operation codes ----------------------------------------------------------------
 * APPEND ONLY, NEVER RENUMBER: committed corpus/backend_ops/ inputs (and
 * fuzz/seeds/backend_ops.js) spell programs in these codes.  A step's opcode is the low
 * four bits of its first byte (the high bits are ignored); a code not assigned yet ends
 * the program there, as an unknown fuzz id skips an input, so giving it a meaning later
 * only extends the programs that used it and never changes what ran before. */
enum backend_op {
    BACKEND_OP_ALLOC = 0,       /* size, align, seed */
    BACKEND_OP_CALLOC = 1,      /* size, align, seed */
    BACKEND_OP_FREE = 2,        /* which */
    BACKEND_OP_REWRITE = 3,     /* which, seed */
    BACKEND_OP_BAD_REQUEST = 4, /* choice, align */
    BACKEND_OP_FREE_REMOTE = 5, /* which */
    BACKEND_OP_CHECK_ALL = 6,   /* - */
    BACKEND_OP_CHURN = 7,       /* count, depth, size, align, seed */
    BACKEND_OP_COUNT            /* codes from here to BACKEND_OP_SPACE - 1: unassigned */
};
#define BACKEND_OP_SPACE 16

typedef struct block {
    uint8_t *ptr;
    size_t size;
    size_t align; /* as passed (0 = default) */
    uint8_t seed; /* fill pattern */
    bool zero;    /* expect zeros (before the first fill) */
} block_t;

typedef struct model {
    fuzz_backend_t selected;
    buf_backend_props_t props;
    /* Live blocks in program order (free swaps the last one into the hole): operations
     * pick blocks by index here, so a program frees the same blocks on every run and
     * every backend, wherever the backend put them. */
    block_t blocks[FUZZ_MAX_LIVE_BLOCKS];
    size_t live;
    /* The same blocks by ascending address (indices into blocks[]): placement checks. */
    uint8_t by_address[FUZZ_MAX_LIVE_BLOCKS];
    uint64_t bytes_live, bytes_peak, allocs, frees, failures;
    uint64_t bytes_this_run;   /* requested + alignment, against MAX_BYTES_PER_RUN */
    bool os_per_instance;      /* bytes_os is this instance's own (not process-wide) */
    uint64_t os_growth_max;    /* largest growth of bytes_os one allocation caused */
} model_t;

/* ---- Fill patterns ---------------------------------------------------------------- */
static inline uint8_t pattern_byte(uint8_t seed, size_t index)
{
    /* Position-dependent so that a block shifted or overlapped by another shows up. */
    return (uint8_t)(seed * 31u + index * 7u + (index >> 8) * 13u + 1u);
}

/* Blocks up to 4 KiB are filled and checked byte by byte; larger ones at both ends
 * (1 KiB each) and at every 61st byte between, which still catches a shifted,
 * overlapped or recycled block while keeping 256 KiB blocks cheap (exec/s matters:
 * ~5x faster; the bytes between keep whatever the backend gave). */
static inline size_t next_checked(size_t index, size_t size)
{
    if (size <= 4096 || index < 1024 || index + 1024 >= size) return index + 1;
    size_t next = index + 61;
    return next + 1024 < size ? next : size - 1024;
}

/* The end of the run of consecutive checked bytes from `index` (a checked byte), cut at
 * the next multiple of 256: inside such a stretch the pattern is an arithmetic
 * progression with step 7, so it is a window into progression[] below, and a whole run
 * is filled with one memcpy and checked with one memcmp (ASan checks those once per
 * call, not once per byte). */
static inline size_t run_end(size_t index, size_t size, size_t to)
{
    size_t end = (index | 255) + 1;
    if (size > 4096 && index < 1024 && end > 1024) end = 1024;
    if (size > 4096 && index >= 1024 && index + 1024 < size) end = index + 1; /* strided */
    return end < to ? end : to;
}

static uint8_t progression[512]; /* progression[j] = 7 j mod 256 */
static const uint8_t zeros[256];

/* The window of progression[] that holds the pattern from `index` to its stretch's end:
 * pattern_byte(seed, index) = 7 * phase, and 183 = 7^-1 mod 256. */
static inline const uint8_t *pattern_window(uint8_t seed, size_t index)
{
    if (progression[1] == 0)
        for (size_t j = 0; j < sizeof progression; j++) progression[j] = (uint8_t)(7 * j);
    return progression + (uint8_t)(pattern_byte(seed, index) * 183u);
}

FUZZ_NOT_TRACED static void block_fill(block_t *block, uint8_t seed)
{
    block->seed = seed;
    block->zero = false;
    for (size_t i = 0, end; i < block->size; i = next_checked(end - 1, block->size)) {
        end = run_end(i, block->size, block->size);
        memcpy(block->ptr + i, pattern_window(seed, i), end - i);
    }
}

/* Checks the block's bytes in [from, to) that its size's stride checks (`from` must be
 * one of them). */
FUZZ_NOT_TRACED static void block_check_range(const model_t *model, const block_t *block, size_t from, size_t to)
{
    for (size_t i = from, end; i < to; i = next_checked(end - 1, block->size)) {
        end = run_end(i, block->size, to);
        const uint8_t *expected = block->zero ? zeros : pattern_window(block->seed, i);
        if (memcmp(block->ptr + i, expected, end - i) == 0) continue;
        for (size_t at = i; at < end; at++)
            FUZZ_ASSERT_MSG(block->ptr[at] == expected[at - i],
                            "%s: block %p (size %zu, align %zu) byte %zu is %02x, expected %02x",
                            model->selected.spec, (void *)block->ptr, block->size, block->align, at,
                            block->ptr[at], expected[at - i]);
    }
}

static void block_check(const model_t *model, const block_t *block)
{
    block_check_range(model, block, 0, block->size);
}

static void check_all(const model_t *model)
{
    for (size_t i = 0; i < model->live; i++) block_check(model, &model->blocks[i]);
}

/* ---- The live set by address --------------------------------------------------------- */
static inline uintptr_t block_start(const block_t *block) { return (uintptr_t)block->ptr; }

/* Size 0 occupies one byte: its pointer must be unique too. */
static inline uintptr_t block_end(const block_t *block)
{
    return (uintptr_t)block->ptr + (block->size ? block->size : 1);
}

/* Position in by_address of the first block starting at or above `start`. */
static size_t address_rank(const model_t *model, uintptr_t start)
{
    size_t low = 0, high = model->live;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (block_start(&model->blocks[model->by_address[middle]]) < start) low = middle + 1;
        else high = middle;
    }
    return low;
}

/* The neighbours of by_address position `rank` (NULL at either end). */
static const block_t *block_below(const model_t *model, size_t rank)
{
    return rank > 0 ? &model->blocks[model->by_address[rank - 1]] : NULL;
}

static const block_t *block_at_or_above(const model_t *model, size_t rank)
{
    return rank < model->live ? &model->blocks[model->by_address[rank]] : NULL;
}

/* A new block must lie between the live blocks below and above it: the set is kept
 * disjoint, so that is disjointness from every live block. */
static void check_placement(const model_t *model, const block_t *fresh)
{
    size_t wanted = fresh->align ? fresh->align : BUF_DEFAULT_ALIGN;
    FUZZ_ASSERT_MSG(block_start(fresh) % wanted == 0, "%s: block %p not aligned to %zu",
                    model->selected.spec, (void *)fresh->ptr, wanted);
    size_t rank = address_rank(model, block_start(fresh));
    const block_t *below = block_below(model, rank), *above = block_at_or_above(model, rank);
    FUZZ_ASSERT_MSG(below == NULL || block_end(below) <= block_start(fresh),
                    "%s: new block [%p,+%zu) overlaps the live block below it, [%p,+%zu)",
                    model->selected.spec, (void *)fresh->ptr, fresh->size, (void *)below->ptr,
                    below->size);
    FUZZ_ASSERT_MSG(above == NULL || block_end(fresh) <= block_start(above),
                    "%s: new block [%p,+%zu) overlaps the live block above it, [%p,+%zu)",
                    model->selected.spec, (void *)fresh->ptr, fresh->size, (void *)above->ptr,
                    above->size);
}

/* After an alloc or a free, the ends of its address neighbours that face it: a block
 * placed too close, or a backend writing its bookkeeping past a block, shows there.
 * (Every byte is checked again when the neighbour itself is freed.) */
#define NEIGHBOUR_EDGE 256

static void check_neighbours(const model_t *model, size_t rank_below, size_t rank_above)
{
    const block_t *below = block_below(model, rank_below), *above = block_at_or_above(model, rank_above);
    if (below) block_check_range(model, below, below->size > NEIGHBOUR_EDGE ? below->size - NEIGHBOUR_EDGE : 0, below->size);
    if (above) block_check_range(model, above, 0, above->size < NEIGHBOUR_EDGE ? above->size : NEIGHBOUR_EDGE);
}

/* ---- Checks ----------------------------------------------------------------------- */
static void check_stats(const model_t *model)
{
    buf_backend_stats_t stats;
    buf_backend_get_stats(model->selected.backend, &stats);
    FUZZ_ASSERT_MSG(stats.bytes_live == model->bytes_live && stats.bytes_peak == model->bytes_peak &&
                        stats.allocs == model->allocs && stats.frees == model->frees &&
                        stats.failures == model->failures,
                    "%s: stats live %llu peak %llu allocs %llu frees %llu failures %llu; model "
                    "%llu %llu %llu %llu %llu",
                    model->selected.spec, (unsigned long long)stats.bytes_live,
                    (unsigned long long)stats.bytes_peak, (unsigned long long)stats.allocs,
                    (unsigned long long)stats.frees, (unsigned long long)stats.failures,
                    (unsigned long long)model->bytes_live, (unsigned long long)model->bytes_peak,
                    (unsigned long long)model->allocs, (unsigned long long)model->frees,
                    (unsigned long long)model->failures);
}

static uint64_t bytes_os(const model_t *model)
{
    buf_backend_stats_t stats;
    buf_backend_get_stats(model->selected.backend, &stats);
    return stats.bytes_os;
}

/* ---- Allocate and free (every operation goes through these) ------------------------ */
/* Allocates, checks the placement, the promised zeros and the neighbours, and fills the
 * block with its pattern.  Returns the block's index, or -1 when nothing was allocated
 * (a cap reached, or an injected failure). */
static int checked_alloc(model_t *model, size_t size, size_t align, uint8_t seed, bool zeroed)
{
    uint64_t cost = (uint64_t)(size ? size : 1) + (align ? align : BUF_DEFAULT_ALIGN);
    if (model->live == FUZZ_MAX_LIVE_BLOCKS || model->bytes_this_run + cost > MAX_BYTES_PER_RUN) return -1;
    model->bytes_this_run += cost;

    uint64_t os_before = model->os_per_instance ? bytes_os(model) : 0;
    buf_status_t status = BUF_OK;
    uint8_t *ptr = zeroed ? buf_backend_calloc(model->selected.backend, size, align, &status)
                          : buf_backend_alloc(model->selected.backend, size, align, &status);
    if (ptr == NULL) {
        FUZZ_ASSERT_MSG(status == BUF_ENOMEM && model->selected.injects_failures,
                        "%s: alloc(%zu, %zu) failed with %s", model->selected.spec, size, align,
                        buf_status_name(status));
        model->failures++;
        return -1;
    }
    uint64_t os_after = model->os_per_instance ? bytes_os(model) : 0;
    if (os_after > os_before && os_after - os_before > model->os_growth_max)
        model->os_growth_max = os_after - os_before;

    block_t fresh = {.ptr = ptr, .size = size, .align = align, .zero = true};
    check_placement(model, &fresh);
    if (zeroed || model->props.zeroed) block_check(model, &fresh);
    size_t rank = address_rank(model, block_start(&fresh)), index = model->live;
    memmove(&model->by_address[rank + 1], &model->by_address[rank], index - rank);
    model->live = index + 1;
    model->by_address[rank] = (uint8_t)index;
    model->blocks[index] = fresh;
    block_fill(&model->blocks[index], seed);
    check_neighbours(model, rank, rank + 1);

    model->allocs++;
    model->bytes_live += size;
    if (model->bytes_live > model->bytes_peak) model->bytes_peak = model->bytes_live;
    return (int)index;
}

typedef struct remote_free {
    buf_backend_t *backend;
    block_t block;
} remote_free_t;

static void *free_on_this_thread(void *argument)
{
    remote_free_t *job = argument;
    buf_backend_free(job->backend, job->block.ptr, job->block.size, job->block.align);
    return NULL;
}

/* Checks and frees blocks[index] (on a fresh thread when `remote`: cross_thread_free is
 * required of every backend), then the blocks that were its neighbours. */
static void checked_free(model_t *model, size_t index, bool remote)
{
    block_t *block = &model->blocks[index];
    block_check(model, block);
    if (remote) {
        remote_free_t job = {model->selected.backend, *block};
        pthread_t thread;
        FUZZ_ASSERT(pthread_create(&thread, NULL, free_on_this_thread, &job) == 0);
        FUZZ_ASSERT(pthread_join(thread, NULL) == 0);
    } else {
        buf_backend_free(model->selected.backend, block->ptr, block->size, block->align);
    }
    model->bytes_live -= block->size;
    model->frees++;

    /* Out of by_address; then the last block moves into the hole in blocks[]. */
    size_t rank = address_rank(model, block_start(block));
    size_t last = model->live - 1;
    memmove(&model->by_address[rank], &model->by_address[rank + 1], last - rank);
    model->blocks[index] = model->blocks[last];
    model->live = last;
    for (size_t i = 0; i < model->live; i++)
        if (model->by_address[i] == last) model->by_address[i] = (uint8_t)index;
    check_neighbours(model, rank, rank);
}

/* The index in blocks[] of the live block at `ptr`. */
static size_t index_of(const model_t *model, const uint8_t *ptr)
{
    size_t rank = address_rank(model, (uintptr_t)ptr);
    FUZZ_ASSERT(rank < model->live && model->blocks[model->by_address[rank]].ptr == ptr);
    return model->by_address[rank];
}

static void free_all(model_t *model)
{
    while (model->live > 0) {
        checked_free(model, model->live - 1, false);
        check_stats(model);
    }
}

/* ---- Operands --------------------------------------------------------------------- */
static size_t take_size(fuzz_producer_t *input)
{
    uint8_t kind = fuzz_take_u8(input);
    switch (kind & 7) {
    case 0: return 0;
    case 1: case 2: return fuzz_take_range(input, 1, 64);             /* pool slices, small classes */
    case 3: case 4: return fuzz_take_range(input, 65, 4096);
    case 5: return fuzz_take_range(input, 4097, 65536);                /* above half a pool chunk */
    case 6: return fuzz_take_range(input, 65537, FUZZ_MAX_BLOCK_SIZE); /* large paths */
    default: {
        /* Around a boundary: (8 + m) << e plus -1, 0 or +1, i.e. every number with four
         * significant bits and its neighbours.  Size classes spaced 2^k/8 apart, pages,
         * pool chunk halves and powers of two are all among them (8 ... 480 KiB, capped
         * at FUZZ_MAX_BLOCK_SIZE). */
        uint8_t shape = fuzz_take_u8(input), offset = fuzz_take_u8(input);
        size_t size = ((size_t)8 + (shape & 7)) << ((shape >> 3) & 15);
        size = size + (offset % 3) - 1;
        return size < FUZZ_MAX_BLOCK_SIZE ? size : FUZZ_MAX_BLOCK_SIZE;
    }
    }
}

static size_t take_align(fuzz_producer_t *input)
{
    uint8_t shift = fuzz_take_u8(input) % 14; /* 0 -> default, else 1..4096 */
    size_t align = shift == 0 ? 0 : (size_t)1 << (shift - 1);
    return align > buf_page_size() ? buf_page_size() : align;
}

/* ---- Operations ------------------------------------------------------------------- */
static void op_alloc(model_t *model, fuzz_producer_t *input)
{
    size_t size = take_size(input), align = take_align(input);
    checked_alloc(model, size, align, fuzz_take_u8(input), false);
}

static void op_calloc(model_t *model, fuzz_producer_t *input)
{
    size_t size = take_size(input), align = take_align(input);
    checked_alloc(model, size, align, fuzz_take_u8(input), true);
}

static void op_free(model_t *model, fuzz_producer_t *input)
{
    uint8_t which = fuzz_take_u8(input);
    if (model->live > 0) checked_free(model, which % model->live, false);
}

static void op_free_remote(model_t *model, fuzz_producer_t *input)
{
    uint8_t which = fuzz_take_u8(input);
    if (model->live > 0) checked_free(model, which % model->live, true);
}

static void op_rewrite(model_t *model, fuzz_producer_t *input)
{
    uint8_t which = fuzz_take_u8(input), seed = fuzz_take_u8(input);
    if (model->live == 0) return;
    block_t *block = &model->blocks[which % model->live];
    block_check(model, block);
    block_fill(block, seed);
}

static void op_check_all(model_t *model, fuzz_producer_t *input)
{
    (void)input;
    check_all(model);
}

/* Requests that must fail whatever the backend: they never reach it. */
static void op_bad_request(model_t *model, fuzz_producer_t *input)
{
    static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 15, BUF_MAX_ALLOC + 1,
                                  (size_t)PTRDIFF_MAX, (size_t)1 << 62};
    uint8_t choice = fuzz_take_u8(input);
    buf_status_t status = BUF_OK;
    void *ptr;
    if (choice & 0x80) {
        static const size_t bad_align[] = {3, 6, 24, 48, 100, 12288};
        size_t align = bad_align[choice % (sizeof bad_align / sizeof bad_align[0])];
        if (align == 12288) align = buf_page_size() * 2;
        ptr = buf_backend_alloc(model->selected.backend, 16, align, &status);
        FUZZ_ASSERT_MSG(ptr == NULL && status == BUF_EINVAL, "%s: align %zu gave %p, %s",
                        model->selected.spec, align, ptr, buf_status_name(status));
        /* Whether a rejected alignment counts as a failure is the backend's call: resync. */
        buf_backend_stats_t stats;
        buf_backend_get_stats(model->selected.backend, &stats);
        FUZZ_ASSERT(stats.failures == model->failures || stats.failures == model->failures + 1);
        model->failures = stats.failures;
        return;
    }
    size_t size = huge[choice % (sizeof huge / sizeof huge[0])];
    ptr = buf_backend_alloc(model->selected.backend, size, take_align(input), &status);
    FUZZ_ASSERT_MSG(ptr == NULL, "%s: alloc of %zu bytes succeeded", model->selected.spec, size);
    /* Injection may strike before the size check; otherwise the size is refused. */
    FUZZ_ASSERT_MSG(status == BUF_EOVERFLOW || (status == BUF_ENOMEM && model->selected.injects_failures),
                    "%s: alloc of %zu bytes failed with %s", model->selected.spec, size,
                    buf_status_name(status));
    model->failures++;
}

/* COUNT allocations of one size, at most DEPTH of them live at once (the oldest is freed
 * first), all freed by the end of the step: one step turns over many blocks, which is
 * what shows memory that is never reused (a pool chunk or a slab that never comes back
 * after its last block is freed). */
static void op_churn(model_t *model, fuzz_producer_t *input)
{
    unsigned count = 1u + fuzz_take_u8(input);
    unsigned depth = 1u + fuzz_take_u8(input) % CHURN_MAX_DEPTH;
    size_t size = take_size(input), align = take_align(input);
    uint8_t seed = fuzz_take_u8(input);
    uint8_t *ring[CHURN_MAX_DEPTH]; /* by address: blocks[] indices move as others are freed */
    unsigned oldest = 0, held = 0;
    for (unsigned i = 0; i < count; i++) {
        if (held == depth) {
            checked_free(model, index_of(model, ring[oldest]), false);
            oldest = (oldest + 1) % depth;
            held--;
        }
        int index = checked_alloc(model, size, align, (uint8_t)(seed + i), false);
        if (index >= 0) ring[(oldest + held++) % depth] = model->blocks[index].ptr;
    }
    for (; held > 0; held--, oldest = (oldest + 1) % depth) checked_free(model, index_of(model, ring[oldest]), false);
}

/* The handlers, by opcode. */
static void (*const operations[BACKEND_OP_COUNT])(model_t *, fuzz_producer_t *) = {
    [BACKEND_OP_ALLOC] = op_alloc,
    [BACKEND_OP_CALLOC] = op_calloc,
    [BACKEND_OP_FREE] = op_free,
    [BACKEND_OP_REWRITE] = op_rewrite,
    [BACKEND_OP_BAD_REQUEST] = op_bad_request,
    [BACKEND_OP_FREE_REMOTE] = op_free_remote,
    [BACKEND_OP_CHECK_ALL] = op_check_all,
    [BACKEND_OP_CHURN] = op_churn,
};

/* ---- Runs ------------------------------------------------------------------------- */
/* Runs the program, then checks and frees every block still live. */
static void run_program(model_t *model, const uint8_t *program, size_t length)
{
    fuzz_producer_t input = fuzz_producer_make(program, length);
    model->bytes_this_run = 0;
    for (int step = 0; step < MAX_STEPS && fuzz_remaining(&input) > 0; step++) {
        unsigned opcode = fuzz_take_u8(&input) % BACKEND_OP_SPACE;
        if (opcode >= BACKEND_OP_COUNT) break;
        operations[opcode](model, &input);
        check_stats(model);
    }
    check_all(model);
    free_all(model);
}

static void check_steady_state(const model_t *model, uint64_t os_after_first_run)
{
    if (!model->os_per_instance || model->selected.injects_failures) return;
    uint64_t os_after_second_run = bytes_os(model);
    FUZZ_ASSERT_MSG(os_after_second_run <= os_after_first_run + model->os_growth_max,
                    "%s: bytes_os %llu after the first run, %llu after the same program ran again "
                    "(slack %llu, the largest growth one allocation caused): freed memory is not reused",
                    model->selected.spec, (unsigned long long)os_after_first_run,
                    (unsigned long long)os_after_second_run, (unsigned long long)model->os_growth_max);
}

/* ---- Entry point ------------------------------------------------------------------ */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_producer_t input = fuzz_producer_make(data, size);
    static model_t model; /* large; reset for every input */
    memset(&model, 0, sizeof model);
    if (!fuzz_backend_open(&input, &model.selected)) return 0;
    buf_backend_get_props(model.selected.backend, &model.props);
    FUZZ_ASSERT(model.props.cross_thread_free);
    buf_backend_stats_t stats;
    buf_backend_get_stats(model.selected.backend, &stats);
    model.os_per_instance = !stats.bytes_os_process_wide;

    size_t program_length;
    const uint8_t *program = fuzz_take_rest(&input, &program_length);
    run_program(&model, program, program_length);
    uint64_t os_after_first_run = bytes_os(&model);
    run_program(&model, program, program_length);
    check_steady_state(&model, os_after_first_run);
    fuzz_backend_close(&model.selected);
    return 0;
}
