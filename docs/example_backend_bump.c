/* backend_bump.c — an example backend: a bump allocator over one reserved mapping.
 *
 * Copy this file to impls/backends/backend_bump.c and add X(bump) at the end of
 * BUF_BACKEND_LIST in impls/backends/backend_registry.h: that is the whole change
 * (scripts/check-backend-example.sh proves it).  Give it the next free fuzz id — the
 * largest `buf backends` lists, plus one; the check writes that id into its copy.
 *
 * Blocks are carved one after the other and never reused: free only counts, and the
 * whole mapping goes back to the OS on destroy, outstanding blocks included
 * (close_releases_blocks).  1 GiB of address space is reserved up front, but the kernel
 * supplies pages only as blocks touch them (MAP_NORESERVE), so a test that allocates
 * a few MiB costs a few MiB.  A lock keeps it correct from several threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "buf_backend.h"

/* ---- State --------------------------------------------------------------------------- */
#define BUMP_CAPACITY ((size_t)1 << 30)

typedef struct bump_state {
    pthread_mutex_t lock;
    uint8_t *base;
    size_t used; /* bytes carved so far, alignment padding included */
} bump_state_t;

/* ---- Allocate ------------------------------------------------------------------------ */
static void *bump_alloc(void *opaque, size_t size, size_t align)
{
    bump_state_t *state = opaque;
    void *block = NULL;
    pthread_mutex_lock(&state->lock);
    size_t start = (state->used + align - 1) & ~(align - 1);
    if (start <= BUMP_CAPACITY && size <= BUMP_CAPACITY - start) {
        block = state->base + start;
        state->used = start + size;
    }
    pthread_mutex_unlock(&state->lock);
    return block; /* NULL once the reservation is used up: the framework says BUF_ENOMEM */
}

/* ---- Free ---------------------------------------------------------------------------- */
static void bump_free(void *opaque, void *ptr, size_t size, size_t align)
{
    (void)opaque, (void)ptr, (void)size, (void)align; /* memory returns on destroy */
}

/* ---- Create and destroy -------------------------------------------------------------- */
static buf_status_t bump_create(const buf_backend_config_t *config, void **state_out)
{
    if (config && config->option)
        return BUF_EINVAL; /* no variants */
    bump_state_t *state = calloc(1, sizeof *state);
    if (!state)
        return BUF_ENOMEM;
    state->base = mmap(NULL, BUMP_CAPACITY, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                       -1, 0);
    if (state->base == MAP_FAILED) {
        free(state);
        return BUF_ENOMEM;
    }
    pthread_mutex_init(&state->lock, NULL);
    *state_out = state;
    return BUF_OK;
}

static size_t bump_destroy(void *opaque, void *report)
{
    (void)report; /* the framework reports outstanding blocks from its counts */
    bump_state_t *state = opaque;
    munmap(state->base, BUMP_CAPACITY);
    pthread_mutex_destroy(&state->lock);
    free(state);
    return 0;
}

/* ---- Stats --------------------------------------------------------------------------- */
static void bump_stats(void *opaque, buf_backend_stats_t *out)
{
    (void)opaque;
    out->bytes_os = BUMP_CAPACITY; /* one mapping, reserved up front */
}

/* ---- The vtable ---------------------------------------------------------------------- */
const buf_backend_ops_t backend_bump_ops = {
    .props = {.name = "bump",
              .description = "example: bump allocator over one reserved mapping, freed on destroy",
              .zeroed = true, /* fresh anonymous pages, never reused */
              .cross_thread_free = true,
              .concurrent_alloc = true,
              .close_releases_blocks = true},
    .fuzz_id = 4, /* the next free permanent id when this was written */
    .create = bump_create,
    .destroy = bump_destroy,
    .alloc = bump_alloc,
    .free = bump_free,
    .stats = bump_stats,
};
