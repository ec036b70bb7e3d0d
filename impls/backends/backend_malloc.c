/* backend_malloc.c — the system allocator: the baseline every chart compares to.
 *
 * glibc's malloc already returns 16-byte-aligned blocks, so only larger alignments go
 * through aligned_alloc.  bytes_os is the process-wide figure from mallinfo2 (the
 * allocator does not track memory per caller), flagged as such.  Nothing is tracked per
 * block, so destroy cannot release blocks still outstanding: they stay plain malloc
 * blocks, the caller's to free (props.close_releases_blocks is false).
 */
#include <malloc.h>
#include <stdlib.h>

#include "buf_backend.h"
#include "size_class.h"

/* ---- State --------------------------------------------------------------------------- */
/* No per-instance state is needed; a non-NULL token keeps the framework's contract. */
static char malloc_state_token;

/* ---- Allocate ------------------------------------------------------------------------ */
static void *malloc_backend_alloc(void *state, size_t size, size_t align)
{
    (void)state;
    if (align <= 16)
        return malloc(size);
    /* aligned_alloc wants size to be a multiple of align. */
    return aligned_alloc(align, round_up(size, align));
}

/* ---- Free ---------------------------------------------------------------------------- */
static void malloc_backend_free(void *state, void *ptr, size_t size, size_t align)
{
    (void)state;
    (void)size;
    (void)align;
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
