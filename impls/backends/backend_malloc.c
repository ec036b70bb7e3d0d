/* backend_malloc.c — the system allocator: the baseline every chart compares to.
 *
 * glibc's malloc already returns 16-byte-aligned blocks; 32 and 64 are cut from a longer
 * malloc block (malloc_backend_alloc), larger alignments go through aligned_alloc.
 * bytes_os is the process-wide figure from mallinfo2 (the allocator does not track memory
 * per caller), flagged as such.  Nothing is tracked per
 * block, so destroy cannot release blocks still outstanding: they stay plain malloc
 * blocks, the caller's to free (props.close_releases_blocks is false).
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf_backend.h"
#include "mem_annotate.h"
#include "size_class.h"

/* ---- State --------------------------------------------------------------------------- */
/* No per-instance state is needed; a non-NULL token keeps the framework's contract. */
static char malloc_state_token;

/* ---- Allocate ------------------------------------------------------------------------ */
/* Alignments 32 and 64 (BUF_WIDE_ALIGN: the model's ArrayBuffer data from 4 KiB) are cut
 * from a malloc block ALIGN_SHIFTED_MAX bytes longer: the block starts 16 to 64 bytes into
 * it, and the byte before the block holds how far (free goes back by it).  glibc's
 * aligned_alloc splits a larger chunk and gives the pieces back: ~820 instructions an
 * alloc-free pair of 4 or 64 KiB against malloc's ~330, and ~2.5x its time (README,
 * Streams -> Performance), where this costs a few instructions and 64 bytes a block. */
#define ALIGN_SHIFTED_MAX 64u

static void *malloc_backend_alloc(void *state, size_t size, size_t align)
{
    (void)state;
    if (align <= 16)
        return malloc(size);
    if (align <= ALIGN_SHIFTED_MAX) {
        uint8_t *start = malloc(size + align);
        if (!start)
            return NULL;
        uint8_t *block = (uint8_t *)(((uintptr_t)start + align) & ~(uintptr_t)(align - 1));
        block[-1] = (uint8_t)(block - start); /* 1 .. align (16 .. align from glibc) */
        /* ASan: the bytes around the block are not the caller's (the offset byte is free's) */
        BUF_ASAN_POISON(start, (size_t)(block - 1 - start));
        BUF_ASAN_POISON(block + size, (size_t)(start + size + align - (block + size)));
        return block;
    }
    /* aligned_alloc wants size to be a multiple of align. */
    return aligned_alloc(align, round_up(size, align));
}

/* ---- Free ---------------------------------------------------------------------------- */
static void malloc_backend_free(void *state, void *ptr, size_t size, size_t align)
{
    (void)state;
    (void)size;
    if (align > 16 && align <= ALIGN_SHIFTED_MAX && ptr != NULL)
        ptr = (uint8_t *)ptr - ((const uint8_t *)ptr)[-1];
    free(ptr);
}

/* ---- Create and destroy -------------------------------------------------------------- */
static buf_status_t malloc_create(const buf_backend_config_t *config, void **state_out)
{
    if (config && config->option)
        return BUF_EINVAL; /* malloc has no variants */
    *state_out = &malloc_state_token;
    return BUF_OK;
}

static size_t malloc_destroy(void *state, void *report)
{
    (void)state;
    (void)report;
    return 0; /* outstanding blocks are counted by the framework */
}

/* ---- Stats --------------------------------------------------------------------------- */
static void malloc_backend_stats(void *state, buf_backend_stats_t *out)
{
    (void)state;
    struct mallinfo2 info = mallinfo2();
    out->bytes_os = (uint64_t)info.arena + (uint64_t)info.hblkhd;
    out->bytes_os_process_wide = true;
}

/* ---- The vtable ---------------------------------------------------------------------- */
const buf_backend_ops_t backend_malloc_ops = {
    .props = {.name = "malloc",
              .description = "the system allocator (glibc malloc); the baseline",
              .zeroed = false,
              .guard_pages = false,
              .cross_thread_free = true,
              .concurrent_alloc = true,
              .close_releases_blocks = false},
    .fuzz_id = 0,
    .create = malloc_create,
    .destroy = malloc_destroy,
    .alloc = malloc_backend_alloc,
    .free = malloc_backend_free,
    .stats = malloc_backend_stats,
    /* malloc(size) is malloc_backend_alloc at the default alignment (glibc's blocks are
     * 16-byte aligned), free(ptr) is malloc_backend_free: the inline paths call libc with
     * nothing to pass and no wrapper. */
    .plain_alloc = malloc,
    .plain_free = free,
};
