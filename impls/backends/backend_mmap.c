/* backend_mmap.c — one anonymous mapping per allocation, page-rounded, unmapped on free.
 *
 * Layout of a block (size S, alignment A <= page size P):
 *   plain:  [block ........ | slack to page end]          mapping = round_up(S, P)
 *   guard:  [slack | block ........ | PROT_NONE page]     the block ends at round_up(S, A)
 *           bytes before the guard page, so the first byte past the block rounded up to
 *           A faults; mapping = round_up(round_up(S, A), P) + P.
 * The block's address is derived from (ptr, size, align) on free, so no header is stored.
 * Fresh mappings are zero-filled by the kernel (props.zeroed).  Nothing is tracked per
 * block, so destroy cannot release mappings still outstanding: they stay mapped, the
 * caller's to unmap (props.close_releases_blocks is false).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "buf_backend.h"
#include "core/core_assert.h"
#include "mem_map.h"
#include "size_class.h"

/* ---- State --------------------------------------------------------------------------- */
typedef struct mmap_state {
    bool guard;
    _Atomic uint64_t bytes_mapped;
} mmap_state_t;

/* ---- Geometry ------------------------------------------------------------------------ */
/* Bytes from the start of the mapping to the block, and the mapping's length. */
static void mmap_geometry(const mmap_state_t *state, size_t size, size_t align, size_t *offset,
                          size_t *length)
{
    size_t page = buf_page_size();
    if (!state->guard) {
        *offset = 0;
        *length = round_up(size, page);
        return;
    }
    size_t block_span = round_up(size, align);
    size_t data_pages = round_up(block_span, page);
    *offset = data_pages - block_span;
    *length = data_pages + page;
}

/* ---- Allocate ------------------------------------------------------------------------ */
static void *mmap_alloc(void *opaque, size_t size, size_t align)
{
    mmap_state_t *state = opaque;
    size_t offset, length;
    mmap_geometry(state, size, align, &offset, &length);
    uint8_t *mapping = mem_map(length);
    if (!mapping)
        return NULL;
    if (state->guard && mprotect(mapping + length - buf_page_size(), buf_page_size(), PROT_NONE) != 0) {
        mem_unmap(mapping, length);
        return NULL;
    }
    atomic_fetch_add_explicit(&state->bytes_mapped, length, memory_order_relaxed);
    return mapping + offset;
}

/* ---- Free ---------------------------------------------------------------------------- */
static void mmap_free(void *opaque, void *ptr, size_t size, size_t align)
{
    mmap_state_t *state = opaque;
    size_t offset, length;
    mmap_geometry(state, size, align, &offset, &length);
    /* The (size, align) of the alloc put the block `offset` bytes into a mapping. */
    BUF_ASSERT(((uintptr_t)ptr - offset) % buf_page_size() == 0);
    mem_unmap((uint8_t *)ptr - offset, length);
    atomic_fetch_sub_explicit(&state->bytes_mapped, length, memory_order_relaxed);
}

/* ---- Create and destroy -------------------------------------------------------------- */
static buf_status_t mmap_create(const buf_backend_config_t *config, void **state_out)
{
    bool guard = false;
    if (config && config->option) {
        if (strcmp(config->option, "guard") != 0)
            return BUF_EINVAL;
        guard = true;
    }
    mmap_state_t *state = calloc(1, sizeof *state);
    if (!state)
        return BUF_ENOMEM;
    state->guard = guard;
    *state_out = state;
    return BUF_OK;
}

static size_t mmap_destroy(void *state, void *report)
{
    (void)report;
    free(state);
    return 0; /* outstanding mappings are counted by the framework */
}

/* ---- Stats and properties ------------------------------------------------------------ */
static void mmap_stats(void *opaque, buf_backend_stats_t *out)
{
    mmap_state_t *state = opaque;
    out->bytes_os = atomic_load(&state->bytes_mapped);
    out->bytes_os_process_wide = false;
}

extern const buf_backend_ops_t backend_mmap_ops;

static void mmap_instance_props(void *opaque, buf_backend_props_t *out)
{
    mmap_state_t *state = opaque;
    *out = backend_mmap_ops.props;
    if (state->guard) {
        out->guard_pages = true;
        out->description = "one mapping per allocation, PROT_NONE guard page after the block";
    }
}

/* ---- The vtable ---------------------------------------------------------------------- */
const buf_backend_ops_t backend_mmap_ops = {
    .props = {.name = "mmap",
              .description = "one anonymous mapping per allocation, page-rounded, unmapped on free",
              .zeroed = true,
              .guard_pages = false,
              .cross_thread_free = true,
              .concurrent_alloc = true,
              .close_releases_blocks = false},
    .fuzz_id = 2,
    .create = mmap_create,
    .destroy = mmap_destroy,
    .alloc = mmap_alloc,
    .free = mmap_free,
    .stats = mmap_stats,
    .instance_props = mmap_instance_props,
};
