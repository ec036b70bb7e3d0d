/* buffer_core.c — Node's Buffer over a Uint8 view: creation, views, concat, compare,
 * copy (buf_model.h).  String operations live in buffer_string.c, fill in
 * buffer_fill.c, searching in buffer_search.c, numeric read/write in buffer_rw.c.
 *
 * Each function mirrors lib/buffer.js of Node v20: the same argument validation in the
 * same order (so the same error class wins when several arguments are bad), then the
 * same clamping.  All checks run before the first byte is written.
 */
#include "model_internal.h"

#include <string.h>

/* ==== Creation ========================================================================= */

/* How a new Buffer's bytes start out: Buffer.alloc, or allocUnsafe (and the creations
 * that overwrite every byte anyway). */
typedef enum buffer_contents { CONTENTS_UNSPECIFIED, CONTENTS_ZEROED } buffer_contents_t;

/* A fresh ArrayBuffer and a fixed Uint8 view over all of it: the shared path of
 * Buffer.alloc / allocUnsafe / from / concat. */
static buf_status_t buffer_new(buf_backend_t *backend, int64_t size, buffer_contents_t contents, buf_buffer_t *out)
{
    if (!backend || !out)
        return BUF_EINVAL;
    if (size == BUF_OMITTED)
        return BUF_EINVALID_ARG_TYPE; /* Buffer.alloc(undefined): "size" must be a number */
    if (size < 0 || size > BUF_BUFFER_MAX_LENGTH)
        return BUF_EOUT_OF_RANGE; /* validateNumber(size, 'size', 0, kMaxLength) */
    buf_arraybuffer_t *ab = NULL;
    buf_status_t status = contents == CONTENTS_ZEROED ? buf_arraybuffer_alloc(backend, size, &ab)
                                                      : buf_arraybuffer_alloc_unsafe(backend, size, &ab);
    if (status != BUF_OK)
        return status;
    status = buf_typed_from_buffer(BUF_KIND_UINT8, ab, 0, size, out);
    BUF_ASSERT(status == BUF_OK); /* a whole fresh buffer is always a valid Uint8 view */
    buf_arraybuffer_release(ab); /* the Buffer holds the only reference now */
    return status;
}

buf_status_t buf_buffer_alloc(buf_backend_t *backend, int64_t size, buf_buffer_t *out)
{
    return buffer_new(backend, size, CONTENTS_ZEROED, out);
}

buf_status_t buf_buffer_alloc_unsafe(buf_backend_t *backend, int64_t size, buf_buffer_t *out)
{
    return buffer_new(backend, size, CONTENTS_UNSPECIFIED, out);
}

buf_status_t buf_buffer_from_bytes(buf_backend_t *backend, const uint8_t *bytes, size_t length, buf_buffer_t *out)
{
    if (!bytes && length > 0)
        return BUF_EINVAL;
    if (length > (uint64_t)BUF_BUFFER_MAX_LENGTH)
        return BUF_EOUT_OF_RANGE;
    buf_status_t status = buffer_new(backend, (int64_t)length, CONTENTS_UNSPECIFIED, out);
    if (status == BUF_OK && length > 0)
        memcpy(out->buffer->data, bytes, length);
    return status;
}

buf_status_t buf_buffer_from_arraybuffer(buf_arraybuffer_t *ab, int64_t byte_offset, int64_t length, buf_buffer_t *out)
{
    if (!ab || !out)
        return BUF_EINVAL;
    BUF_ASSERT(model_arraybuffer_is_referenced(ab));
    /* fromArrayBuffer() in lib/buffer.js. */
    int64_t offset = byte_offset == BUF_OMITTED ? 0 : byte_offset;
    /* maxLength = byteLength - offset; saturate for absurd negative offsets (JS doubles
     * would just be huge) so the subtraction cannot overflow. */
    int64_t max_length = offset < -BUF_MAX_BYTE_LENGTH ? INT64_MAX : (int64_t)ab->byte_length - offset;
    if (max_length < 0)
        return BUF_EBUFFER_OUT_OF_BOUNDS; /* '"offset" is outside of buffer bounds' */
    int64_t view_length;
    if (length == BUF_OMITTED) {
        view_length = max_length;
    } else if (length > 0) {
        if (length > max_length)
            return BUF_EBUFFER_OUT_OF_BOUNDS; /* '"length" is outside of buffer bounds' */
        view_length = length;
    } else {
        view_length = 0;
    }
    /* new FastBuffer(ab, offset, length): a negative offset fails here (RangeError). */
    return buf_typed_from_buffer(BUF_KIND_UINT8, ab, offset, view_length, out);
}

void buf_buffer_release(buf_buffer_t *buf) { buf_typed_release(buf); }

int64_t buf_buffer_length(const buf_buffer_t *buf) { return model_buffer_is_live(buf) ? buf_typed_length(buf) : 0; }

uint8_t *buf_buffer_data(const buf_buffer_t *buf)
{
    if (!model_buffer_is_live(buf))
        return NULL;
    return buf->buffer->data + (buf_typed_is_out_of_bounds(buf) ? 0 : buf->byte_offset);
}

/* The current bytes of a live Buffer (length 0 when out of bounds). */
static uint8_t *buffer_bytes(const buf_buffer_t *buf, int64_t *length)
{
    *length = buf_typed_length(buf);
    return buf->buffer->data + buf->byte_offset;
}

/* ==== Views ============================================================================ */

/* Node v20 replaces %TypedArray%.prototype.subarray for Buffers: it reads the byteOffset
 * GETTER (0 for an out-of-bounds view) and always makes a fixed-length view, so an
 * out-of-bounds Buffer gives an empty Buffer at offset 0 instead of a RangeError. */
buf_status_t buf_buffer_subarray(const buf_buffer_t *buf, int64_t start, int64_t end, buf_buffer_t *out)
{
    if (!model_buffer_is_live(buf) || !out)
        return BUF_EINVAL;
    int64_t length = buf_typed_length(buf);
    /* adjustOffset() of lib/buffer.js: an undefined start is NaN there, which ends up 0. */
    int64_t first = model_relative_index(start, length, 0);
    int64_t final = model_relative_index(end, length, length);
    int64_t new_length = final > first ? final - first : 0;
    return buf_typed_from_buffer(BUF_KIND_UINT8, buf->buffer, buf_typed_byte_offset(buf) + first, new_length, out);
}

/* Node v20: Buffer.prototype.slice(start, end) is this.subarray(start, end). */
buf_status_t buf_buffer_slice(const buf_buffer_t *buf, int64_t start, int64_t end, buf_buffer_t *out)
{
    return buf_buffer_subarray(buf, start, end, out);
}

/* ==== concat =========================================================================== */

buf_status_t buf_buffer_concat(buf_backend_t *backend, const buf_buffer_t *list, size_t count, int64_t total_length,
                               buf_buffer_t *out)
{
    if (!backend || !out || (!list && count > 0))
        return BUF_EINVAL;
    for (size_t i = 0; i < count; i++)
        if (!model_buffer_is_live(&list[i]))
            return BUF_EINVAL; /* Node: ERR_INVALID_ARG_TYPE for list[i] */
    if (count == 0)
        return buffer_new(backend, 0, CONTENTS_UNSPECIFIED, out); /* before totalLength is validated */
    int64_t length;
    if (total_length == BUF_OMITTED) {
        length = 0;
        for (size_t i = 0; i < count; i++) {
            length += buf_typed_length(&list[i]); /* each <= 2^53: checked before it can wrap */
            if (length > BUF_BUFFER_MAX_LENGTH)
                return BUF_EOUT_OF_RANGE; /* Buffer.allocUnsafe(length) refuses it */
        }
    } else {
        if (!model_offset_in(total_length, 0, BUF_BUFFER_MAX_LENGTH))
            return BUF_EOUT_OF_RANGE; /* validateOffset(length, 'length') */
        length = total_length;
    }
    /* _copyActual() hands a whole source to TypedArray.prototype.set, which refuses an
     * out-of-bounds view (even an empty one): the concat fails. */
    for (size_t i = 0; i < count; i++)
        if (buf_typed_is_out_of_bounds(&list[i]))
            return BUF_EDETACHED;
    buf_buffer_t result;
    buf_status_t status = buffer_new(backend, length, CONTENTS_UNSPECIFIED, &result);
    if (status != BUF_OK)
        return status;
    uint8_t *dst = result.buffer->data;
    int64_t position = 0;
    for (size_t i = 0; i < count && position < length; i++) {
        int64_t part_length;
        const uint8_t *part = buffer_bytes(&list[i], &part_length);
        int64_t take = part_length < length - position ? part_length : length - position;
        if (take > 0)
            memcpy(dst + position, part, (size_t)take);
        position += take;
    }
    if (position < length)
        memset(dst + position, 0, (size_t)(length - position));
    *out = result;
    return BUF_OK;
}

/* ==== compare / equals ================================================================= */

/* normalizeCompareVal() of node_buffer.cc: memcmp's sign, ties broken by length. */
static int compare_bytes(const uint8_t *a, int64_t a_length, const uint8_t *b, int64_t b_length, int64_t to_compare)
{
    int value = to_compare > 0 ? memcmp(a, b, (size_t)to_compare) : 0;
    if (value == 0)
        return a_length > b_length ? 1 : (a_length < b_length ? -1 : 0);
    return value > 0 ? 1 : -1;
}

buf_status_t buf_buffer_compare(const buf_buffer_t *a, const buf_buffer_t *b, int *out)
{
    if (!model_buffer_is_live(a) || !model_buffer_is_live(b) || !out)
        return BUF_EINVAL;
    int64_t a_length, b_length;
    const uint8_t *a_bytes = buffer_bytes(a, &a_length);
    const uint8_t *b_bytes = buffer_bytes(b, &b_length);
    *out = compare_bytes(a_bytes, a_length, b_bytes, b_length, a_length < b_length ? a_length : b_length);
    return BUF_OK;
}

buf_status_t buf_buffer_compare_range(const buf_buffer_t *source, const buf_buffer_t *target, int64_t target_start,
                                      int64_t target_end, int64_t source_start, int64_t source_end, int *out)
{
    if (!model_buffer_is_live(source) || !model_buffer_is_live(target) || !out)
        return BUF_EINVAL;
    int64_t source_length, target_length;
    const uint8_t *source_bytes = buffer_bytes(source, &source_length);
    const uint8_t *target_bytes = buffer_bytes(target, &target_length);
    if (target_start == BUF_OMITTED)
        target_start = 0;
    else if (!model_offset_in(target_start, 0, BUF_BUFFER_MAX_LENGTH))
        return BUF_EOUT_OF_RANGE;
    if (target_end == BUF_OMITTED)
        target_end = target_length;
    else if (!model_offset_in(target_end, 0, target_length))
        return BUF_EOUT_OF_RANGE;
    if (source_start == BUF_OMITTED)
        source_start = 0;
    else if (!model_offset_in(source_start, 0, BUF_BUFFER_MAX_LENGTH))
        return BUF_EOUT_OF_RANGE;
    if (source_end == BUF_OMITTED)
        source_end = source_length;
    else if (!model_offset_in(source_end, 0, source_length))
        return BUF_EOUT_OF_RANGE;
    if (source_start >= source_end) {
        *out = target_start >= target_end ? 0 : -1;
        return BUF_OK;
    }
    if (target_start >= target_end) {
        *out = 1;
        return BUF_OK;
    }
    /* Both ranges are now non-empty and inside their Buffers. */
    BUF_ASSERT(source_end <= source_length && target_end <= target_length);
    int64_t source_span = source_end - source_start, target_span = target_end - target_start;
    int64_t to_compare = source_span < target_span ? source_span : target_span;
    *out = compare_bytes(source_bytes + source_start, source_span, target_bytes + target_start, target_span, to_compare);
    return BUF_OK;
}

buf_status_t buf_buffer_equals(const buf_buffer_t *a, const buf_buffer_t *b, bool *out)
{
    int order = 0;
    if (!out)
        return BUF_EINVAL;
    buf_status_t status = buf_buffer_compare(a, b, &order);
    if (status == BUF_OK)
        *out = order == 0;
    return status;
}

/* ==== copy ============================================================================= */

buf_status_t buf_buffer_copy(const buf_buffer_t *source, const buf_buffer_t *target, int64_t target_start,
                             int64_t source_start, int64_t source_end, int64_t *copied)
{
    if (!model_buffer_is_live(source) || !model_buffer_is_live(target))
        return BUF_EINVAL;
    int64_t source_length, target_length;
    const uint8_t *source_bytes = buffer_bytes(source, &source_length);
    uint8_t *target_bytes = buffer_bytes(target, &target_length);
    /* _copy() in lib/buffer.js. */
    if (target_start == BUF_OMITTED)
        target_start = 0;
    else if (target_start < 0)
        return BUF_EOUT_OF_RANGE;
    if (source_start == BUF_OMITTED)
        source_start = 0;
    else if (source_start < 0 || source_start > source_length)
        return BUF_EOUT_OF_RANGE;
    if (source_end == BUF_OMITTED)
        source_end = source_length;
    else if (source_end < 0)
        return BUF_EOUT_OF_RANGE;
    int64_t count = 0;
    if (target_start < target_length && source_start < source_end) {
        /* _copyActual(): clamp to the room in the target and the bytes in the source. */
        if (source_end - source_start > target_length - target_start)
            source_end = source_start + target_length - target_start;
        count = source_end - source_start;
        if (count > source_length - source_start)
            count = source_length - source_start;
        /* When the range covers the whole source, Node passes the source itself to
         * TypedArray.prototype.set, which refuses it if it is out of bounds. */
        if (source_start == 0 && source_end >= source_length && buf_typed_is_out_of_bounds(source))
            return BUF_EDETACHED;
        if (count > 0)
            memmove(target_bytes + target_start, source_bytes + source_start, (size_t)count);
    }
    if (copied)
        *copied = count;
    return BUF_OK;
}
