/* model_internal.h — what the model's files share and users must not rely on: the
 * ArrayBuffer layout, what makes a view live, and small helpers for offsets and
 * encodings.  Not a public header (unit tests see the model through model_testing.h). */
#ifndef MODEL_INTERNAL_H
#define MODEL_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_model.h"
#include "core/core_assert.h"

/* One backend block holds the header, then (at MODEL_DATA_OFFSET) max_byte_length bytes
 * of data.  byte_length <= max_byte_length always; for a fixed buffer they are equal.
 *
 * The reference count is atomic because references move between threads (as V8's
 * BackingStore is shared: a stream hands a chunk to another thread, which releases it
 * there).  Retain is a relaxed increment (a new reference is always made from one the
 * caller already holds, so nothing needs ordering); release is an acq_rel decrement, so
 * the thread that frees the block sees every write any other holder made before its
 * release.  The count is >= 1 for as long as anyone may look at the header: the last
 * release frees the header with the data, so 0 is never observable. */
struct buf_arraybuffer {
    buf_backend_t *backend; /* the block's owner: the last release frees it there */
    uint8_t *data;          /* block + MODEL_DATA_OFFSET; never moves */
    atomic_size_t refcount; /* >= 1 while reachable */
    size_t byte_length;
    size_t max_byte_length;
    size_t block_size;      /* exactly what was asked of the backend */
    bool resizable;
};

/* Data starts 16-byte aligned so Float64/BigInt views of offset 0 are naturally aligned. */
#define MODEL_BLOCK_ALIGN 16u
#define MODEL_DATA_OFFSET ((sizeof(struct buf_arraybuffer) + MODEL_BLOCK_ALIGN - 1) & ~(size_t)(MODEL_BLOCK_ALIGN - 1))

static inline bool model_kind_is_valid(buf_kind_t kind) { return (unsigned)kind < (unsigned)BUF_KIND_COUNT; }

/* The invariant of every ArrayBuffer a caller can reach: its count is >= 1.  Asserted on
 * objects known to be live, never used as a test: after the last release the header is
 * freed memory, and reading it proves nothing (ASan reports the read instead). */
static inline bool model_arraybuffer_is_referenced(const buf_arraybuffer_t *ab)
{
    return atomic_load_explicit(&ab->refcount, memory_order_relaxed) > 0;
}

/* A view struct that was constructed and not released (release zeroes it): it holds a
 * reference, so its buffer is live. */
static inline bool model_typed_is_live(const buf_typed_t *view)
{
    if (!view || !view->buffer || !model_kind_is_valid(view->kind))
        return false;
    BUF_ASSERT(model_arraybuffer_is_referenced(view->buffer));
    return true;
}

static inline bool model_buffer_is_live(const buf_buffer_t *buf)
{
    return model_typed_is_live(buf) && buf->kind == BUF_KIND_UINT8;
}

/* ==== Allocation failures ================================================================
 * The one mapping from a failed allocation (a backend's NULL block, or a codec's *_alloc
 * that could not get its block) to the model's status.  Node has one answer for every
 * allocation it cannot make (RangeError "Array buffer allocation failed"), so BUF_ENOMEM
 * and BUF_EOVERFLOW (a size the backend cannot represent) both become BUF_ENOMEM.  Any
 * other reason means the model passed what it promised to check (an alignment, a NULL
 * backend or text): a bug, asserted. */
static inline buf_status_t model_allocation_failure(buf_status_t backend_status)
{
    BUF_ASSERT(backend_status == BUF_ENOMEM || backend_status == BUF_EOVERFLOW);
    return BUF_ENOMEM;
}

/* The status of a call that allocates (a codec's *_alloc): BUF_OK, or the failure mapped. */
static inline buf_status_t model_allocation_status(buf_status_t status)
{
    return status == BUF_OK ? BUF_OK : model_allocation_failure(status);
}

/* Status for a Node validateOffset(value, name, min, max) (ERR_OUT_OF_RANGE). */
static inline bool model_offset_in(int64_t value, int64_t min, int64_t max) { return value >= min && value <= max; }

/* Internal: makes a fresh ArrayBuffer (zeroed or not) and a fixed Uint8 view over all of
 * it: the shared path of Buffer.alloc / allocUnsafe / from / concat. */
buf_status_t model_buffer_new(buf_backend_t *backend, int64_t size, bool zeroed, buf_buffer_t *out);
/* True for Node's names of UTF-16LE ('ucs2', 'ucs-2', 'utf16le', 'utf-16le', any case). */
bool model_encoding_is_ucs2(const char *name);
/* The search behind every indexOf: needle bytes (already decoded), Node's offset rules;
 * string_needle selects the string path's ucs2 not-found rule. */
buf_status_t model_index_of(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length, int64_t byte_offset,
                            bool ucs2, bool string_needle, bool forward, int64_t *out);
/* Node's encoding lookup (NULL -> utf8) onto the codec enum. */
buf_status_t model_parse_encoding(const char *name, buf_encoding_t *out);
/* An encoding argument where Node tests `!encoding` (from, write, fill, byteLength): ""
 * is falsy in JS, so it means the default, as NULL does. */
static inline const char *model_encoding_argument(const char *name) { return name && name[0] == '\0' ? NULL : name; }
/* Decodes UTF-8 text with `encoding` into a block from `backend` (DESIGN.md's decode);
 * the caller releases it with buf_bytes_release. */
buf_status_t model_decode_text(buf_backend_t *backend, buf_encoding_t encoding, const char *text, size_t text_length,
                               buf_bytes_t *out);

#endif
