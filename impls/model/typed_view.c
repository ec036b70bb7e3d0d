/* typed_view.c — the 11 typed-array kinds over an ArrayBuffer (buf_model.h).
 *
 * A view stores what the spec stores ([[ByteOffset]], [[ArrayLength]] or "auto") and
 * recomputes its extent from the buffer's CURRENT byte length on every access, so a
 * resize can make it shorter or out of bounds but never lets it touch dead memory.
 */
#include "model_internal.h"
#include "numconv.h"

#include <string.h>

/* ==== Kinds ============================================================================ */

/* The JS names; the sizes are model_kind_size (model_internal.h). */
static const char *const kind_names[BUF_KIND_COUNT] = {
    [BUF_KIND_INT8] = "Int8Array",         [BUF_KIND_UINT8] = "Uint8Array",
    [BUF_KIND_UINT8_CLAMPED] = "Uint8ClampedArray", [BUF_KIND_INT16] = "Int16Array",
    [BUF_KIND_UINT16] = "Uint16Array",     [BUF_KIND_INT32] = "Int32Array",
    [BUF_KIND_UINT32] = "Uint32Array",     [BUF_KIND_FLOAT32] = "Float32Array",
    [BUF_KIND_FLOAT64] = "Float64Array",   [BUF_KIND_BIGINT64] = "BigInt64Array",
    [BUF_KIND_BIGUINT64] = "BigUint64Array",
};

const char *buf_kind_name(buf_kind_t kind) { return model_kind_is_valid(kind) ? kind_names[kind] : "unknown"; }
size_t buf_kind_size(buf_kind_t kind) { return model_kind_is_valid(kind) ? model_kind_size(kind) : 0; }
bool buf_kind_is_bigint(buf_kind_t kind) { return model_kind_is_bigint(kind); }

buf_status_t buf_kind_parse(const char *name, buf_kind_t *out)
{
    if (!name || !out)
        return BUF_EINVAL;
    for (int k = 0; k < BUF_KIND_COUNT; k++) {
        const char *full = kind_names[k];
        size_t stem = strlen(full) - strlen("Array");
        if (strcmp(name, full) == 0 || (strlen(name) == stem && strncmp(name, full, stem) == 0)) {
            *out = (buf_kind_t)k;
            return BUF_OK;
        }
    }
    return BUF_EINVAL;
}

/* ==== Bounds =========================================================================== */

bool buf_typed_is_out_of_bounds(const buf_typed_t *view)
{
    return !model_typed_is_live(view) || model_typed_length_or_out_of_bounds(view) < 0;
}

int64_t buf_typed_length(const buf_typed_t *view)
{
    if (!model_typed_is_live(view))
        return 0;
    const int64_t length = model_typed_length_or_out_of_bounds(view);
    return length < 0 ? 0 : length;
}

int64_t buf_typed_byte_length(const buf_typed_t *view)
{
    return buf_typed_length(view) * (int64_t)buf_kind_size(view ? view->kind : BUF_KIND_UINT8);
}

int64_t buf_typed_byte_offset(const buf_typed_t *view)
{
    return buf_typed_is_out_of_bounds(view) ? 0 : view->byte_offset;
}

/* ==== Construction ===================================================================== */

static void typed_init(buf_typed_t *out, buf_kind_t kind, buf_arraybuffer_t *ab, int64_t byte_offset,
                       bool length_tracking, int64_t length)
{
    out->buffer = buf_arraybuffer_retain(ab);
    out->kind = kind;
    out->byte_offset = byte_offset;
    out->length_tracking = length_tracking;
    out->fixed_length = length_tracking ? 0 : length;
}

buf_status_t buf_typed_from_buffer(buf_kind_t kind, buf_arraybuffer_t *ab, int64_t byte_offset, int64_t length,
                                   buf_typed_t *out)
{
    if (!ab || !out || !model_kind_is_valid(kind))
        return BUF_EINVAL;
    BUF_ASSERT(model_arraybuffer_is_referenced(ab));
    int64_t size = (int64_t)buf_kind_size(kind);
    int64_t offset = byte_offset == BUF_OMITTED ? 0 : byte_offset;
    if (offset < 0)
        return BUF_ERANGE; /* "Start offset -1 is outside the bounds of the buffer" */
    if (offset % size != 0)
        return BUF_ERANGE; /* "start offset of Int16Array should be a multiple of 2" */
    if (length != BUF_OMITTED && length < 0)
        return BUF_ERANGE; /* "Invalid typed array length: -1" */
    int64_t buffer_length = (int64_t)ab->byte_length;
    if (length == BUF_OMITTED) {
        /* V8 11.3 checks the multiple-of-size rule for resizable buffers too. */
        if (buffer_length % size != 0)
            return BUF_ERANGE; /* "byte length of Int16Array should be a multiple of 2" */
        if (offset > buffer_length)
            return BUF_ERANGE;
        if (ab->resizable) {
            typed_init(out, kind, ab, offset, true, 0);
            return BUF_OK;
        }
        typed_init(out, kind, ab, offset, false, (buffer_length - offset) / size);
        return BUF_OK;
    }
    /* offset + length * size > buffer_length, written without overflow. */
    if (offset > buffer_length || length > (buffer_length - offset) / size)
        return BUF_ERANGE; /* "Invalid typed array length: N" */
    typed_init(out, kind, ab, offset, false, length);
    return BUF_OK;
}

buf_status_t buf_typed_new(buf_backend_t *backend, buf_kind_t kind, int64_t length, buf_typed_t *out)
{
    if (!backend || !out || !model_kind_is_valid(kind))
        return BUF_EINVAL;
    int64_t size = (int64_t)buf_kind_size(kind);
    if (length == BUF_OMITTED)
        length = 0; /* new Int8Array() */
    if (length < 0 || length > BUF_MAX_BYTE_LENGTH / size)
        return BUF_ERANGE; /* "Invalid typed array length: -1" */
    buf_arraybuffer_t *ab = NULL;
    buf_status_t status = buf_arraybuffer_alloc(backend, length * size, &ab);
    if (status != BUF_OK)
        return status;
    typed_init(out, kind, ab, 0, false, length);
    buf_arraybuffer_release(ab); /* the view now holds the only reference */
    return BUF_OK;
}

void buf_typed_clone(const buf_typed_t *view, buf_typed_t *out)
{
    if (!view || !out)
        return;
    *out = *view;
    buf_arraybuffer_retain(out->buffer);
}

void buf_typed_release(buf_typed_t *view)
{
    if (!view)
        return;
    buf_arraybuffer_release(view->buffer);
    memset(view, 0, sizeof *view);
}

/* ==== Element access =================================================================== */

/* The element's address after the checks every access makes, in the order JS makes them
 * (the caller has already done any value conversion that can throw). */
static buf_status_t element_at(const buf_typed_t *view, int64_t index, uint8_t **out)
{
    if (buf_typed_is_out_of_bounds(view))
        return BUF_EDETACHED;
    if (index < 0 || index >= buf_typed_length(view))
        return BUF_ERANGE;
    *out = view->buffer->data + view->byte_offset + index * (int64_t)buf_kind_size(view->kind);
    return BUF_OK;
}

buf_status_t buf_typed_get(const buf_typed_t *view, int64_t index, double *out)
{
    if (!model_typed_is_live(view) || !out)
        return BUF_EINVAL;
    if (buf_kind_is_bigint(view->kind))
        return BUF_ETYPE;
    uint8_t *element;
    buf_status_t status = element_at(view, index, &element);
    if (status == BUF_OK)
        *out = model_load_number(view->kind, element);
    return status;
}

buf_status_t buf_typed_set(const buf_typed_t *view, int64_t index, double value)
{
    if (!model_typed_is_live(view))
        return BUF_EINVAL;
    if (buf_kind_is_bigint(view->kind))
        return BUF_ETYPE; /* ToBigInt(number) throws before the index is looked at */
    uint8_t *element;
    buf_status_t status = element_at(view, index, &element);
    if (status == BUF_OK)
        model_store_number(view->kind, element, value);
    return status;
}

buf_status_t buf_typed_get_bigint(const buf_typed_t *view, int64_t index, int64_t *out)
{
    if (!model_typed_is_live(view) || !out)
        return BUF_EINVAL;
    if (view->kind != BUF_KIND_BIGINT64)
        return BUF_ETYPE;
    uint8_t *element;
    buf_status_t status = element_at(view, index, &element);
    if (status == BUF_OK)
        *out = model_int64_from_bits(model_load_u64(element));
    return status;
}

buf_status_t buf_typed_get_biguint(const buf_typed_t *view, int64_t index, uint64_t *out)
{
    if (!model_typed_is_live(view) || !out)
        return BUF_EINVAL;
    if (view->kind != BUF_KIND_BIGUINT64)
        return BUF_ETYPE;
    uint8_t *element;
    buf_status_t status = element_at(view, index, &element);
    if (status == BUF_OK)
        *out = model_load_u64(element);
    return status;
}

buf_status_t buf_typed_set_biguint(const buf_typed_t *view, int64_t index, uint64_t value)
{
    if (!model_typed_is_live(view))
        return BUF_EINVAL;
    if (!buf_kind_is_bigint(view->kind))
        return BUF_ETYPE; /* "Cannot convert a BigInt value to a number" */
    uint8_t *element;
    buf_status_t status = element_at(view, index, &element);
    if (status == BUF_OK)
        model_store_u64(element, value); /* ToBigInt64/ToBigUint64: the same 64 bits */
    return status;
}

buf_status_t buf_typed_set_bigint(const buf_typed_t *view, int64_t index, int64_t value)
{
    return buf_typed_set_biguint(view, index, model_bits_from_int64(value)); /* ToBigInt64: the same bits */
}

/* ==== subarray ========================================================================= */

buf_status_t buf_typed_subarray(const buf_typed_t *view, int64_t begin, int64_t end, buf_typed_t *out)
{
    if (!model_typed_is_live(view) || !out)
        return BUF_EINVAL;
    int64_t source_length = buf_typed_length(view); /* 0 when out of bounds */
    int64_t start = model_relative_index(begin, source_length, 0);
    int64_t final = model_relative_index(end, source_length, source_length);
    int64_t size = (int64_t)buf_kind_size(view->kind);
    int64_t begin_byte_offset = view->byte_offset + start * size;
    if (view->length_tracking && end == BUF_OMITTED)
        return buf_typed_from_buffer(view->kind, view->buffer, begin_byte_offset, BUF_OMITTED, out);
    int64_t new_length = final > start ? final - start : 0;
    return buf_typed_from_buffer(view->kind, view->buffer, begin_byte_offset, new_length, out);
}

/* ==== set ============================================================================== */

buf_status_t buf_typed_set_from(const buf_typed_t *target, const buf_typed_t *source, int64_t offset)
{
    if (!model_typed_is_live(target) || !model_typed_is_live(source))
        return BUF_EINVAL;
    /* %TypedArray%.prototype.set, then SetTypedArrayFromTypedArray, in spec order. */
    if (offset == BUF_OMITTED)
        offset = 0;
    if (offset < 0)
        return BUF_ERANGE; /* "offset is out of bounds" */
    if (buf_typed_is_out_of_bounds(target))
        return BUF_EDETACHED;
    if (buf_typed_is_out_of_bounds(source))
        return BUF_EDETACHED;
    int64_t target_length = buf_typed_length(target);
    int64_t source_length = buf_typed_length(source);
    /* V8 11.3 checks the range before the content type. */
    if (offset > target_length || source_length > target_length - offset)
        return BUF_ERANGE;
    if (buf_kind_is_bigint(target->kind) != buf_kind_is_bigint(source->kind))
        return BUF_ETYPE; /* "Content type mismatch" */
    if (source_length == 0)
        return BUF_OK;
    size_t target_size = buf_kind_size(target->kind), source_size = buf_kind_size(source->kind);
    uint8_t *dst = target->buffer->data + target->byte_offset + offset * (int64_t)target_size;
    const uint8_t *src = source->buffer->data + source->byte_offset;
    size_t source_bytes = (size_t)source_length * source_size;
    /* Same element type (BigInt64 <-> BigUint64 keeps the bits too): a byte copy, which
     * memmove makes overlap-safe. */
    bool same_bits = target->kind == source->kind || buf_kind_is_bigint(target->kind) ||
                     ((target->kind == BUF_KIND_UINT8 || target->kind == BUF_KIND_INT8) &&
                      (source->kind == BUF_KIND_UINT8 || source->kind == BUF_KIND_INT8 ||
                       source->kind == BUF_KIND_UINT8_CLAMPED));
    if (same_bits) {
        memmove(dst, src, source_bytes);
        return BUF_OK;
    }
    /* Converting copy.  If both views share the ArrayBuffer, the spec clones the source
     * bytes first; a block from the target's backend holds the clone. */
    uint8_t *clone = NULL;
    if (target->buffer == source->buffer) {
        buf_status_t status = BUF_OK;
        clone = buf_backend_alloc(target->buffer->backend, source_bytes, model_block_align(source_bytes), &status);
        if (!clone)
            return model_allocation_failure(status);
        memcpy(clone, src, source_bytes);
        src = clone;
    }
    for (int64_t i = 0; i < source_length; i++)
        model_store_number(target->kind, dst + (size_t)i * target_size,
                             model_load_number(source->kind, src + (size_t)i * source_size));
    if (clone)
        buf_backend_free(target->buffer->backend, clone, source_bytes, model_block_align(source_bytes));
    return BUF_OK;
}

buf_status_t buf_typed_set_array(const buf_typed_t *target, const double *values, size_t count, int64_t offset)
{
    if (!model_typed_is_live(target) || (!values && count > 0))
        return BUF_EINVAL;
    if (offset == BUF_OMITTED)
        offset = 0;
    if (offset < 0)
        return BUF_ERANGE;
    if (buf_typed_is_out_of_bounds(target))
        return BUF_EDETACHED;
    int64_t target_length = buf_typed_length(target);
    if (offset > target_length || (uint64_t)count > (uint64_t)(target_length - offset))
        return BUF_ERANGE;
    if (buf_kind_is_bigint(target->kind))
        return count > 0 ? BUF_ETYPE : BUF_OK; /* the first Number fails ToBigInt */
    size_t size = buf_kind_size(target->kind);
    uint8_t *dst = target->buffer->data + target->byte_offset + offset * (int64_t)size;
    for (size_t i = 0; i < count; i++)
        model_store_number(target->kind, dst + i * size, values[i]);
    return BUF_OK;
}
