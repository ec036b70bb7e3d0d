/* backend_calloc.c — an example backend that leaves outstanding blocks to the caller.
 *
 * Blocks come from the C library's calloc, so they arrive zeroed.  Like malloc and mmap,
 * the backend tracks nothing per block: closing an instance cannot release the blocks
 * still outstanding, so they stay allocated and the caller's (close_releases_blocks is
 * false); the framework still counts and reports them at close.
 *
 * Copy this file to impls/backends/backend_calloc.c and add X(calloc) at the end of
 * BUF_BACKEND_LIST in impls/backends/backend_registry.h, with the next free fuzz id
 * (scripts/check-backend-example.sh does exactly that on a scratch copy of the tree).
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "buf_backend.h"

/* ---- State --------------------------------------------------------------------------- */
/* Nothing per instance: a non-NULL token is all the framework needs. */
static char calloc_state_token;

/* ---- Allocate ------------------------------------------------------------------------ */
static void *calloc_alloc(void *state, size_t size, size_t align)
{
    (void)state;
    if (align <= 16) /* glibc's calloc aligns to 16 */
        return calloc(1, size);
    /* aligned_alloc wants a multiple of align, and does not zero. */
    size_t rounded = (size + align - 1) & ~(align - 1);
    void *block = aligned_alloc(align, rounded);
    if (block)
        memset(block, 0, size);
    return block;
}

/* ---- Free ---------------------------------------------------------------------------- */
static void calloc_free(void *state, void *ptr, size_t size, size_t align)
{
    (void)state, (void)size, (void)align;
    free(ptr);
}

/* ---- Create and destroy -------------------------------------------------------------- */
static buf_status_t calloc_create(const buf_backend_config_t *config, void **state_out)
{
    if (config && config->option)
        return BUF_EINVAL; /* no variants */
    *state_out = &calloc_state_token;
    return BUF_OK;
}

static size_t calloc_destroy(void *state, void *report)
{
    (void)state, (void)report;
    return 0; /* nothing to list: the framework reports outstanding blocks from its counts */
}

/* ---- Stats --------------------------------------------------------------------------- */
static void calloc_stats(void *state, buf_backend_stats_t *out)
{
    (void)state;
    struct mallinfo2 info = mallinfo2(); /* the C heap is shared: the process's figure */
    out->bytes_os = (uint64_t)info.arena + (uint64_t)info.hblkhd;
    out->bytes_os_process_wide = true;
}

/* ---- The vtable ---------------------------------------------------------------------- */
const buf_backend_ops_t backend_calloc_ops = {
    .props = {.name = "calloc",
              .description = "example: the C library's calloc; close leaves outstanding blocks to the caller",
              .zeroed = true,
              .cross_thread_free = true,
              .concurrent_alloc = true,
              .close_releases_blocks = false},
    .fuzz_id = 5, /* the next free permanent id after bump's when this was written */
    .create = calloc_create,
    .destroy = calloc_destroy,
    .alloc = calloc_alloc,
    .free = calloc_free,
    .stats = calloc_stats,
};
