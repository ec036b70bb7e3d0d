/* arraybuffer.c — refcounted ArrayBuffers, fixed and resizable (buf_model.h).
 *
 * One backend block per ArrayBuffer: [header | pad to 16 | data].  A resizable buffer
 * reserves max_byte_length bytes of data at creation, so resize is a length change plus
 * a zero-fill of the grown part, and no view's arithmetic ever sees the data move.
 */
#include "model_internal.h"

#include <string.h>

/* ==== Creation ========================================================================= */

static bool byte_length_is_valid(int64_t byte_length)
{
    return byte_length >= 0 && byte_length <= BUF_MAX_BYTE_LENGTH;
}

/* What a new ArrayBuffer is, as bits for arraybuffer_create. */
typedef enum arraybuffer_traits {
    ARRAYBUFFER_FIXED = 0,           /* byte_length == max_byte_length forever */
    ARRAYBUFFER_RESIZABLE = 1u << 0, /* new ArrayBuffer(n, { maxByteLength }) */
    ARRAYBUFFER_ZEROED = 1u << 1,    /* contents zero (else unspecified: allocUnsafe) */
} arraybuffer_traits_t;

/* The one allocation path: every ArrayBuffer is born here. */
static buf_status_t arraybuffer_create(buf_backend_t *backend, size_t byte_length, size_t max_byte_length,
                                       arraybuffer_traits_t traits, buf_arraybuffer_t **out)
{
    BUF_ASSERT(byte_length <= max_byte_length);
    size_t block_size = MODEL_DATA_OFFSET + max_byte_length; /* max <= 2^53: cannot wrap */
    buf_status_t status = BUF_OK;
    uint8_t *block = traits & ARRAYBUFFER_ZEROED ? buf_backend_calloc(backend, block_size, MODEL_BLOCK_ALIGN, &status)
                                                 : buf_backend_alloc(backend, block_size, MODEL_BLOCK_ALIGN, &status);
    if (!block)
        return model_allocation_failure(status); /* RangeError "Array buffer allocation failed" */
    buf_arraybuffer_t *ab = (buf_arraybuffer_t *)(void *)block;
    ab->backend = backend;
    ab->data = block + MODEL_DATA_OFFSET;
    atomic_init(&ab->refcount, 1);
    ab->byte_length = byte_length;
    ab->max_byte_length = max_byte_length;
    ab->block_size = block_size;
    ab->resizable = traits & ARRAYBUFFER_RESIZABLE;
    *out = ab;
    return BUF_OK;
}

buf_status_t buf_arraybuffer_alloc(buf_backend_t *backend, int64_t byte_length, buf_arraybuffer_t **out)
{
    if (!backend || !out)
        return BUF_EINVAL;
    if (byte_length == BUF_OMITTED)
        byte_length = 0; /* ToIndex(undefined) */
    if (!byte_length_is_valid(byte_length))
        return BUF_ERANGE; /* "Invalid array buffer length" */
    return arraybuffer_create(backend, (size_t)byte_length, (size_t)byte_length, ARRAYBUFFER_FIXED | ARRAYBUFFER_ZEROED,
                              out);
}

buf_status_t buf_arraybuffer_alloc_unsafe(buf_backend_t *backend, int64_t byte_length, buf_arraybuffer_t **out)
{
    if (!backend || !out)
        return BUF_EINVAL;
    if (byte_length == BUF_OMITTED)
        byte_length = 0;
    if (!byte_length_is_valid(byte_length))
        return BUF_ERANGE;
    return arraybuffer_create(backend, (size_t)byte_length, (size_t)byte_length, ARRAYBUFFER_FIXED, out);
}

buf_status_t buf_arraybuffer_alloc_resizable(buf_backend_t *backend, int64_t byte_length, int64_t max_byte_length,
                                             buf_arraybuffer_t **out)
{
    if (!backend || !out)
        return BUF_EINVAL;
    if (byte_length == BUF_OMITTED)
        byte_length = 0;
    if (max_byte_length == BUF_OMITTED) /* { maxByteLength: undefined }: a fixed buffer */
        return buf_arraybuffer_alloc(backend, byte_length, out);
    if (!byte_length_is_valid(byte_length))
        return BUF_ERANGE; /* "Invalid array buffer length" */
    if (!byte_length_is_valid(max_byte_length) || byte_length > max_byte_length)
        return BUF_ERANGE; /* "Invalid array buffer max length" */
    return arraybuffer_create(backend, (size_t)byte_length, (size_t)max_byte_length,
                              ARRAYBUFFER_RESIZABLE | ARRAYBUFFER_ZEROED, out);
}

/* ==== References ======================================================================= */

/* The memory orders are argued where the count is declared (model_internal.h). */
buf_arraybuffer_t *buf_arraybuffer_retain(buf_arraybuffer_t *ab)
{
    if (ab) {
        size_t before = atomic_fetch_add_explicit(&ab->refcount, 1, memory_order_relaxed);
        BUF_ASSERT(before > 0 && before < SIZE_MAX); /* a live buffer, and no wrap-around */
    }
    return ab;
}

void buf_arraybuffer_release(buf_arraybuffer_t *ab)
{
    if (!ab)
        return;
    size_t before = atomic_fetch_sub_explicit(&ab->refcount, 1, memory_order_acq_rel);
    BUF_ASSERT(before > 0); /* never underflows: each release has its reference */
    if (before != 1)
        return; /* != rather than >: a release too many never frees twice */
    buf_backend_t *backend = ab->backend;
    size_t block_size = ab->block_size;
    buf_backend_free(backend, ab, block_size, MODEL_BLOCK_ALIGN);
}

size_t buf_arraybuffer_refcount(const buf_arraybuffer_t *ab)
{
    return ab ? atomic_load_explicit(&ab->refcount, memory_order_relaxed) : 0;
}

/* ==== Queries ========================================================================== */

int64_t buf_arraybuffer_byte_length(const buf_arraybuffer_t *ab) { return ab ? (int64_t)ab->byte_length : 0; }
int64_t buf_arraybuffer_max_byte_length(const buf_arraybuffer_t *ab) { return ab ? (int64_t)ab->max_byte_length : 0; }
bool buf_arraybuffer_is_resizable(const buf_arraybuffer_t *ab) { return ab && ab->resizable; }
buf_backend_t *buf_arraybuffer_backend(const buf_arraybuffer_t *ab) { return ab ? ab->backend : NULL; }
uint8_t *buf_arraybuffer_data(buf_arraybuffer_t *ab) { return ab ? ab->data : NULL; }

/* ==== Resize and slice ================================================================= */

buf_status_t buf_arraybuffer_resize(buf_arraybuffer_t *ab, int64_t new_byte_length)
{
    if (!ab)
        return BUF_EINVAL;
    if (!ab->resizable)
        return BUF_ETYPE; /* "Method ArrayBuffer.prototype.resize called on incompatible receiver" */
    if (new_byte_length == BUF_OMITTED)
        new_byte_length = 0; /* ToIndex(undefined) */
    if (new_byte_length < 0 || (uint64_t)new_byte_length > ab->max_byte_length)
        return BUF_ERANGE; /* "ArrayBuffer.prototype.resize: Invalid length parameter" */
    size_t new_length = (size_t)new_byte_length;
    /* Bytes past byte_length may hold old data from before a shrink: the spec says a
     * grown region reads as zeros, so clear it now. */
    if (new_length > ab->byte_length)
        memset(ab->data + ab->byte_length, 0, new_length - ab->byte_length);
    ab->byte_length = new_length;
    return BUF_OK;
}

buf_status_t buf_arraybuffer_slice(buf_arraybuffer_t *ab, int64_t begin, int64_t end, buf_arraybuffer_t **out)
{
    if (!ab || !out)
        return BUF_EINVAL;
    int64_t length = (int64_t)ab->byte_length;
    int64_t first = model_relative_index(begin, length, 0);
    int64_t final = model_relative_index(end, length, length);
    int64_t new_length = final > first ? final - first : 0;
    buf_arraybuffer_t *copy = NULL;
    buf_status_t status =
        arraybuffer_create(ab->backend, (size_t)new_length, (size_t)new_length, ARRAYBUFFER_FIXED, &copy);
    if (status != BUF_OK)
        return status;
    if (new_length > 0)
        memcpy(copy->data, ab->data + first, (size_t)new_length);
    *out = copy;
    return BUF_OK;
}
