/* backend_bump.c — an example backend: a bump allocator over one 64 MiB mapping.
 *
 * Copy this file to impls/backend_bump.c and add X(bump) to BUF_BACKEND_LIST in
 * impls/backend_registry.h: that is the whole change (scripts/check-backend-example.sh
 * proves it).  Blocks are never reused: free only counts, and the mapping goes back to
 * the OS on destroy.  A lock keeps it correct from several threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "buf_backend.h"

/* ---- State --------------------------------------------------------------------------- */
#define BUMP_CAPACITY ((size_t)64 << 20)

typedef struct bump_state {
    pthread_mutex_t lock;
    uint8_t *base;
    size_t used;
} bump_state_t;

static buf_status_t bump_create(const buf_backend_config_t *config, void **state_out)
{
    if (config && config->option)
        return BUF_EINVAL;
    bump_state_t *state = calloc(1, sizeof *state);
    if (!state)
        return BUF_ENOMEM;
    state->base = mmap(NULL, BUMP_CAPACITY, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
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

/* ---- Allocate and free --------------------------------------------------------------- */
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
    return block;
}

static void bump_free(void *opaque, void *ptr, size_t size, size_t align)
{
    (void)opaque, (void)ptr, (void)size, (void)align; /* memory returns on destroy */
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
              .description = "example: bump allocator over one 64 MiB mapping, freed on destroy",
              .zeroed = true,
              .cross_thread_free = true,
              .concurrent_alloc = true},
    .fuzz_id = 4, /* the next free permanent id */
    .create = bump_create,
    .destroy = bump_destroy,
    .alloc = bump_alloc,
    .free = bump_free,
    .stats = bump_stats,
};
