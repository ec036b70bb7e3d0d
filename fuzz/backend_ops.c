/* backend_ops — allocate/free programs against a shadow model of the live blocks.
 *
 * Property: for every backend and variant the selector can name, any sequence of
 * alloc / calloc / free / rewrite / cross-thread free keeps these true after EVERY step:
 *   - a successful alloc returns a block aligned to what was asked (16 by default) that
 *     overlaps no live block (size 0 counts as one byte: it must still be unique);
 *   - a block's contents (a per-block fill pattern) are preserved until it is freed
 *     (every byte of blocks up to 4 KiB; ends and a 61-byte stride of larger ones);
 *     calloc blocks, and every block of a backend that says `zeroed`, read as zeros;
 *   - a failed alloc returns NULL with BUF_ENOMEM only when failures are injected,
 *     BUF_EOVERFLOW for sizes beyond BUF_MAX_ALLOC or wrapping with the alignment, and
 *     BUF_EINVAL for an alignment that is not a power of two up to the page size;
 *   - the statistics equal the model's: bytes_live is the sum of live requested sizes,
 *     bytes_peak its maximum, allocs / frees / failures the counts of what happened;
 *   - closing after freeing everything reports no outstanding block (no leak).
 *
 * Input: backend selector (fuzz_backend.h), then one opcode byte per step followed by
 * its operands.  At most FUZZ_MAX_LIVE_BLOCKS live blocks of at most FUZZ_MAX_BLOCK_SIZE.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "buf_backend.h"
#include "fuzz_backend.h"
#include "fuzz_helpers.h"

#define MAX_STEPS 512

typedef struct block {
    uint8_t *ptr;
    size_t size;
    size_t align; /* as passed (0 = default) */
    uint8_t seed; /* fill pattern; 0 with `zero` means "expect zeros" */
    bool zero;
} block_t;

typedef struct model {
    fuzz_backend_t selected;
    buf_backend_props_t props;
    block_t blocks[FUZZ_MAX_LIVE_BLOCKS];
    size_t live;
    uint64_t bytes_live, bytes_peak, allocs, frees, failures;
} model_t;

/* ---- Fill patterns ---------------------------------------------------------------- */
static inline uint8_t pattern_byte(uint8_t seed, size_t index)
{
    /* Position-dependent so that a block shifted or overlapped by another shows up. */
    return (uint8_t)(seed * 31u + index * 7u + (index >> 8) * 13u + 1u);
}

static void block_fill(block_t *block, uint8_t seed)
{
    block->seed = seed;
    block->zero = false;
    for (size_t i = 0; i < block->size; i++) block->ptr[i] = pattern_byte(seed, i);
}

/* Blocks up to 4 KiB are checked byte by byte; larger ones at both ends (1 KiB each)
 * and at every 61st byte between, which still catches a shifted, overlapped or
 * recycled block while keeping 256 KiB blocks cheap (exec/s matters: ~5x faster). */
static inline size_t next_checked(size_t index, size_t size)
{
    if (size <= 4096 || index < 1024 || index + 1024 >= size) return index + 1;
    size_t next = index + 61;
    return next + 1024 < size ? next : size - 1024;
}

static void block_check(const model_t *model, const block_t *block)
{
    for (size_t i = 0; i < block->size; i = next_checked(i, block->size)) {
        uint8_t expected = block->zero ? 0 : pattern_byte(block->seed, i);
        FUZZ_ASSERT_MSG(block->ptr[i] == expected,
                        "%s: block %p (size %zu, align %zu) byte %zu is %02x, expected %02x",
                        model->selected.spec, (void *)block->ptr, block->size, block->align, i,
                        block->ptr[i], expected);
    }
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

static void check_placement(const model_t *model, const uint8_t *ptr, size_t size, size_t align)
{
    size_t wanted = align ? align : BUF_DEFAULT_ALIGN;
    FUZZ_ASSERT_MSG((uintptr_t)ptr % wanted == 0, "%s: block %p not aligned to %zu",
                    model->selected.spec, (const void *)ptr, wanted);
    uintptr_t start = (uintptr_t)ptr, end = start + (size ? size : 1);
    for (size_t i = 0; i < model->live; i++) {
        const block_t *other = &model->blocks[i];
        uintptr_t other_start = (uintptr_t)other->ptr;
        uintptr_t other_end = other_start + (other->size ? other->size : 1);
        FUZZ_ASSERT_MSG(end <= other_start || other_end <= start,
                        "%s: new block [%p,+%zu) overlaps live block [%p,+%zu)",
                        model->selected.spec, (const void *)ptr, size, (void *)other->ptr,
                        other->size);
    }
}

/* ---- Operations ------------------------------------------------------------------- */
static size_t take_size(fuzz_producer_t *input)
{
    uint8_t kind = fuzz_take_u8(input);
    switch (kind & 7) {
    case 0: return 0;
    case 1: case 2: return fuzz_take_range(input, 1, 64);             /* pool slices, small classes */
    case 3: case 4: return fuzz_take_range(input, 65, 4096);
    case 5: return fuzz_take_range(input, 4097, 65536);                /* above half a pool chunk */
    case 6: return fuzz_take_range(input, 65537, FUZZ_MAX_BLOCK_SIZE); /* large paths */
    default: { /* around the edges of size classes and pages */
        static const size_t edges[] = {7, 8, 9, 15, 16, 17, 127, 128, 129, 4095, 4096, 4097,
                                       8191, 8192, 8193, 16384, 32768, 65536};
        return edges[fuzz_take_u8(input) % (sizeof edges / sizeof edges[0])];
    }
    }
}

static size_t take_align(fuzz_producer_t *input)
{
    uint8_t shift = fuzz_take_u8(input) % 14; /* 0 -> default, else 1..4096 */
    return shift == 0 ? 0 : (size_t)1 << (shift - 1);
}

static void op_alloc(model_t *model, fuzz_producer_t *input, bool zeroed)
{
    size_t size = take_size(input), align = take_align(input);
    uint8_t seed = fuzz_take_u8(input);
    if (align > buf_page_size()) align = buf_page_size();
    if (model->live == FUZZ_MAX_LIVE_BLOCKS) return;

    buf_status_t status = BUF_OK;
    uint8_t *ptr = zeroed ? buf_backend_calloc(model->selected.backend, size, align, &status)
                          : buf_backend_alloc(model->selected.backend, size, align, &status);
    if (ptr == NULL) {
        FUZZ_ASSERT_MSG(status == BUF_ENOMEM && model->selected.injects_failures,
                        "%s: alloc(%zu, %zu) failed with %s", model->selected.spec, size, align,
                        buf_status_name(status));
        model->failures++;
        return;
    }
    check_placement(model, ptr, size, align);
    block_t *block = &model->blocks[model->live++];
    *block = (block_t){.ptr = ptr, .size = size, .align = align, .zero = true};
    if (zeroed || model->props.zeroed) block_check(model, block);
    block_fill(block, seed);
    model->allocs++;
    model->bytes_live += size;
    if (model->bytes_live > model->bytes_peak) model->bytes_peak = model->bytes_live;
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

static void forget_block(model_t *model, size_t index)
{
    block_t *block = &model->blocks[index];
    model->bytes_live -= block->size;
    model->frees++;
    model->blocks[index] = model->blocks[--model->live];
}

static void op_free(model_t *model, fuzz_producer_t *input)
{
    if (model->live == 0) return;
    size_t index = fuzz_take_u8(input) % model->live;
    block_t *block = &model->blocks[index];
    block_check(model, block);
    buf_backend_free(model->selected.backend, block->ptr, block->size, block->align);
    forget_block(model, index);
}

static void op_rewrite(model_t *model, fuzz_producer_t *input)
{
    if (model->live == 0) return;
    block_t *block = &model->blocks[fuzz_take_u8(input) % model->live];
    block_check(model, block);
    block_fill(block, fuzz_take_u8(input));
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

/* cross_thread_free is required of every backend: free a block on a fresh thread. */
static void op_free_remote(model_t *model, fuzz_producer_t *input)
{
    if (model->live == 0) return;
    size_t index = fuzz_take_u8(input) % model->live;
    block_check(model, &model->blocks[index]);
    remote_free_t job = {model->selected.backend, model->blocks[index]};
    pthread_t thread;
    FUZZ_ASSERT(pthread_create(&thread, NULL, free_on_this_thread, &job) == 0);
    FUZZ_ASSERT(pthread_join(thread, NULL) == 0);
    forget_block(model, index);
}

static void check_all(const model_t *model)
{
    for (size_t i = 0; i < model->live; i++) block_check(model, &model->blocks[i]);
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

    for (int step = 0; step < MAX_STEPS && fuzz_remaining(&input) > 0; step++) {
        uint8_t opcode = fuzz_take_u8(&input);
        switch (opcode % 16) {
        case 0: case 1: case 2: case 3: case 4: op_alloc(&model, &input, false); break;
        case 5: op_alloc(&model, &input, true); break;
        case 6: case 7: case 8: case 9: op_free(&model, &input); break;
        case 10: case 11: op_rewrite(&model, &input); break;
        case 12: op_bad_request(&model, &input); break;
        case 13: op_free_remote(&model, &input); break;
        default: check_all(&model); break;
        }
        check_stats(&model);
    }

    check_all(&model);
    while (model.live > 0) {
        block_t *last = &model.blocks[model.live - 1];
        buf_backend_free(model.selected.backend, last->ptr, last->size, last->align);
        forget_block(&model, model.live - 1);
        check_stats(&model);
    }
    fuzz_backend_close(&model.selected);
    return 0;
}
