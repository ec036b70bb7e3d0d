/* model_internal.h — what the model's files share and users must not rely on: the
 * ArrayBuffer layout, what makes a view live, and small helpers for offsets and
 * encodings.  Not a public header (unit tests see the model through model_testing.h). */
#ifndef MODEL_INTERNAL_H
#define MODEL_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "buf_model.h"
#include "core/core_assert.h"

/* ==== The ArrayBuffer ====================================================================== */

/* The header (this struct) and the data are two allocations, as V8 keeps a JSArrayBuffer
 * on its own heap and the backing store in the embedder's allocator: the backend is asked
 * for exactly max_byte_length bytes of data (model_block_align), and the header comes from the
 * model's per-thread cache of freed headers (arraybuffer.c), else from malloc.
 * byte_length <= max_byte_length always; for a fixed buffer they are equal.
 *
 * The reference count is atomic because references move between threads (as V8's
 * BackingStore is shared: a stream hands a chunk to another thread, which releases it
 * there).  Retain is a relaxed increment (a new reference is always made from one the
 * caller already holds, so nothing needs ordering); release is an acq_rel decrement, so
 * the thread that frees the block sees every write any other holder made before its
 * release — or, when an acquire load shows the count at 1, no decrement at all: the
 * caller's reference is the only one, and nobody can make another from it.  The count is
 * >= 1 for as long as anyone may look at the header: the last release frees the data and
 * recycles the header, so 0 is never observable. */
struct buf_arraybuffer {
    buf_backend_t *backend; /* the data's owner: the last release frees it there */
    uint8_t *data;          /* max_byte_length bytes from backend; never moves */
    atomic_size_t refcount; /* >= 1 while reachable */
    size_t byte_length;
    size_t max_byte_length; /* exactly what was asked of the backend */
    bool resizable;
    struct buf_arraybuffer *next_free; /* while the header waits in a thread's cache; the last
                                        * field (ASan poisons the cached header up to it) */
};

/* The alignment an ArrayBuffer's data is asked for: 16 bytes, so Float64/BigInt views of
 * offset 0 are naturally aligned; from 4 KiB, 64 (BUF_WIDE_ALIGN), so a large block never
 * starts 1 to 31 bytes past a page — the 4 KiB-aliasing window where a copy into it (the
 * kernel's read(2) from the page cache, glibc's `rep movsb` memcpy from a source at the
 * same place in its page) runs several times slower on this machine's EPYC (README,
 * Streams -> Performance).  Where the backend's default blocks of that size already start
 * on 64 (slab, pool) the framework serves the request as a default one, inline; malloc
 * goes through its aligned path.  The free passes the same value: it depends on the size
 * alone. */
static inline size_t model_block_align(size_t bytes)
{
    return bytes >= BUF_WIDE_MIN ? BUF_WIDE_ALIGN : BUF_DEFAULT_ALIGN;
}

/* ==== Liveness ============================================================================ */

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

/* ==== A typed view's extent ===============================================================
 * One definition of IsTypedArrayOutOfBounds and [[ArrayLength]] against the buffer's
 * CURRENT byte length, inline: buf_typed_is_out_of_bounds / buf_typed_length (typed_view.c)
 * are these, and the bulk calls (typed_range.c) run them once per call without the three
 * out-of-line calls and two re-checks that going through the public functions cost. */

/* BigInt64Array and BigUint64Array, whose elements are BigInts, not Numbers: inline, as
 * the bulk calls test it on every call (buf_kind_is_bigint is this). */
static inline bool model_kind_is_bigint(buf_kind_t kind)
{
    return kind == BUF_KIND_BIGINT64 || kind == BUF_KIND_BIGUINT64;
}

/* BYTES_PER_ELEMENT of a valid kind: 1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8 in buf_kind_t order,
 * as two bits of log2 per kind in one constant (no table load, which after a bulk call
 * that streamed its 32 KiB through the L1 is an L2 access). */
static inline size_t model_kind_size(buf_kind_t kind)
{
    BUF_ASSERT(model_kind_is_valid(kind));
    return (size_t)1 << ((0x3fa940u >> (2u * (unsigned)kind)) & 3u);
}

/* The element count of a live view, or -1 when the view is out of bounds (its offset, or
 * for a fixed-length view its end, past the buffer's current byte length: detached
 * buffers have length 0).  fixed_length * size was checked against a byte length
 * <= 2^53 at construction, so nothing here overflows. */
static inline int64_t model_typed_length_or_out_of_bounds(const buf_typed_t *view)
{
    BUF_ASSERT(model_typed_is_live(view));
    const int64_t buffer_length = (int64_t)view->buffer->byte_length;
    const int64_t size = (int64_t)model_kind_size(view->kind);
    if (view->byte_offset > buffer_length)
        return -1;
    if (view->length_tracking)
        return (buffer_length - view->byte_offset) / size;
    return view->byte_offset + view->fixed_length * size > buffer_length ? -1 : view->fixed_length;
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

/* ==== Offsets ============================================================================ */

/* Status for a Node validateOffset(value, name, min, max) (ERR_OUT_OF_RANGE). */
static inline bool model_offset_in(int64_t value, int64_t min, int64_t max) { return value >= min && value <= max; }

/* A relative index clamped into [0, length]: negative counts from the end, BUF_OMITTED
 * is `omitted` (0 for a start, length for an end).  One rule for ArrayBuffer.slice,
 * %TypedArray%.subarray and Node's adjustOffset() (Buffer.subarray).  No overflow:
 * relative > INT64_MIN (that is BUF_OMITTED) and 0 <= length <= 2^53. */
static inline int64_t model_relative_index(int64_t relative, int64_t length, int64_t omitted)
{
    if (relative == BUF_OMITTED)
        return omitted;
    if (relative < 0)
        return relative < -length ? 0 : length + relative;
    return relative > length ? length : relative;
}

/* ==== Searching and encodings ============================================================= */

/* How model_index_of searches: one direction, or-ed with what the needle is. */
typedef enum model_search {
    MODEL_SEARCH_FORWARD = 0,             /* indexOf, includes */
    MODEL_SEARCH_BACKWARD = 1u << 0,      /* lastIndexOf */
    MODEL_SEARCH_UCS2 = 1u << 1,          /* 16-bit code units, matches at even offsets only */
    MODEL_SEARCH_STRING_NEEDLE = 1u << 2, /* decoded from a string: IndexOfString()'s rules */
} model_search_t;

/* The search behind every indexOf: needle bytes (already decoded), Node's offset rules. */
buf_status_t model_index_of(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length, int64_t byte_offset,
                            model_search_t search, int64_t *out);
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
