/* dataview.c — DataView over an ArrayBuffer: every width, both byte orders, big-endian
 * by default, each access re-checked against the buffer's current length (buf_model.h). */
#include "model_internal.h"
#include "numconv.h"

#include <string.h>

/* ==== Construction and bounds ========================================================== */

/* A constructed, unreleased DataView (release zeroes it): its reference keeps the
 * buffer live. */
static bool dataview_is_live(const buf_dataview_t *view)
{
    if (!view || !view->buffer)
        return false;
    BUF_ASSERT(model_arraybuffer_is_referenced(view->buffer));
    return true;
}

buf_status_t buf_dataview_new(buf_arraybuffer_t *ab, int64_t byte_offset, int64_t byte_length, buf_dataview_t *out)
{
    if (!ab || !out)
        return BUF_EINVAL;
    BUF_ASSERT(model_arraybuffer_is_referenced(ab));
    int64_t offset = byte_offset == BUF_OMITTED ? 0 : byte_offset;
    if (offset < 0)
        return BUF_ERANGE; /* "Start offset -1 is outside the bounds of the buffer" */
    int64_t buffer_length = (int64_t)ab->byte_length;
    if (offset > buffer_length)
        return BUF_ERANGE;
    bool tracking = false;
    int64_t view_length = 0;
    if (byte_length == BUF_OMITTED) {
        tracking = ab->resizable;
        view_length = tracking ? 0 : buffer_length - offset;
    } else {
        if (byte_length < 0 || byte_length > buffer_length - offset)
            return BUF_ERANGE; /* "Invalid DataView length N" */
        view_length = byte_length;
    }
    out->buffer = buf_arraybuffer_retain(ab);
    out->byte_offset = offset;
    out->length_tracking = tracking;
    out->fixed_byte_length = view_length;
    return BUF_OK;
}

void buf_dataview_release(buf_dataview_t *view)
{
    if (!view)
        return;
    buf_arraybuffer_release(view->buffer);
    memset(view, 0, sizeof *view);
}

bool buf_dataview_is_out_of_bounds(const buf_dataview_t *view)
{
    if (!dataview_is_live(view))
        return true;
    int64_t buffer_length = (int64_t)view->buffer->byte_length;
    if (view->byte_offset > buffer_length)
        return true;
    return !view->length_tracking && view->byte_offset + view->fixed_byte_length > buffer_length;
}

/* GetViewByteLength for a view known to be in bounds. */
static int64_t dataview_size(const buf_dataview_t *view)
{
    BUF_ASSERT(!buf_dataview_is_out_of_bounds(view));
    if (view->length_tracking)
        return (int64_t)view->buffer->byte_length - view->byte_offset;
    return view->fixed_byte_length;
}

buf_status_t buf_dataview_byte_length(const buf_dataview_t *view, int64_t *out)
{
    if (!dataview_is_live(view) || !out)
        return BUF_EINVAL;
    if (buf_dataview_is_out_of_bounds(view))
        return BUF_EDETACHED;
    *out = dataview_size(view);
    return BUF_OK;
}

buf_status_t buf_dataview_byte_offset(const buf_dataview_t *view, int64_t *out)
{
    if (!dataview_is_live(view) || !out)
        return BUF_EINVAL;
    if (buf_dataview_is_out_of_bounds(view))
        return BUF_EDETACHED;
    *out = view->byte_offset;
    return BUF_OK;
}

/* ==== Access =========================================================================== */

/* GetViewValue / SetViewValue after the value conversion: the address of `width` bytes at
 * byte_index, or the status JS would throw.  (byte_index < 0 is checked by the callers,
 * first, because ToIndex runs before anything else.) */
static buf_status_t dataview_locate(const buf_dataview_t *view, int64_t byte_index, unsigned width, uint8_t **out)
{
    BUF_ASSERT(byte_index >= 0);
    if (buf_dataview_is_out_of_bounds(view))
        return BUF_EDETACHED;
    int64_t size = dataview_size(view);
    if (byte_index > size - (int64_t)width)
        return BUF_ERANGE; /* "Offset is outside the bounds of the DataView" */
    *out = view->buffer->data + view->byte_offset + byte_index;
    return BUF_OK;
}

static bool is_dataview_number_kind(buf_kind_t kind)
{
    return model_kind_is_valid(kind) && kind != BUF_KIND_UINT8_CLAMPED && !buf_kind_is_bigint(kind);
}

buf_status_t buf_dataview_get(const buf_dataview_t *view, buf_kind_t kind, int64_t byte_index, bool little_endian,
                              double *out)
{
    if (!dataview_is_live(view) || !out || !is_dataview_number_kind(kind))
        return BUF_EINVAL;
    if (byte_index == BUF_OMITTED)
        byte_index = 0; /* ToIndex(undefined): getUint8() reads byte 0 */
    if (byte_index < 0)
        return BUF_ERANGE;
    unsigned width = (unsigned)buf_kind_size(kind);
    uint8_t *at;
    buf_status_t status = dataview_locate(view, byte_index, width, &at);
    if (status != BUF_OK)
        return status;
    uint64_t bits = model_load_ordered(at, width, little_endian);
    if (kind == BUF_KIND_FLOAT32) {
        *out = model_float_from_bits((uint32_t)bits);
    } else if (kind == BUF_KIND_FLOAT64) {
        *out = model_double_from_bits(bits);
    } else if (kind == BUF_KIND_INT8 || kind == BUF_KIND_INT16 || kind == BUF_KIND_INT32) {
        *out = (double)model_sign_extend(bits, width);
    } else {
        *out = (double)bits;
    }
    return BUF_OK;
}

buf_status_t buf_dataview_set(const buf_dataview_t *view, buf_kind_t kind, int64_t byte_index, double value,
                              bool little_endian)
{
    if (!dataview_is_live(view) || !model_kind_is_valid(kind) || kind == BUF_KIND_UINT8_CLAMPED)
        return BUF_EINVAL;
    if (byte_index == BUF_OMITTED)
        byte_index = 0; /* ToIndex(undefined): setUint8() writes byte 0 */
    if (byte_index < 0)
        return BUF_ERANGE; /* ToIndex throws first */
    if (buf_kind_is_bigint(kind))
        return BUF_ETYPE; /* setBigInt64(i, number): ToBigInt throws "Cannot convert N to a
                           * BigInt" before the view's bounds are checked */
    unsigned width = (unsigned)buf_kind_size(kind);
    uint8_t *at;
    buf_status_t status = dataview_locate(view, byte_index, width, &at);
    if (status != BUF_OK)
        return status;
    uint64_t bits;
    if (kind == BUF_KIND_FLOAT32) {
        bits = model_float_bits(model_to_float32(value));
    } else if (kind == BUF_KIND_FLOAT64) {
        bits = model_double_bits(value);
    } else {
        /* ToInt8/ToUint8/.../ToUint32 all keep the low 8*width bits of ToUint32. */
        uint64_t mask = width == 4 ? 0xffffffffu : (((uint64_t)1 << (8 * width)) - 1);
        bits = model_to_uint32(value) & mask;
    }
    model_store_ordered(at, bits, width, little_endian);
    return BUF_OK;
}

buf_status_t buf_dataview_get_biguint64(const buf_dataview_t *view, int64_t byte_index, bool little_endian,
                                        uint64_t *out)
{
    if (!dataview_is_live(view) || !out)
        return BUF_EINVAL;
    if (byte_index == BUF_OMITTED)
        byte_index = 0; /* ToIndex(undefined): getUint8() reads byte 0 */
    if (byte_index < 0)
        return BUF_ERANGE;
    uint8_t *at;
    buf_status_t status = dataview_locate(view, byte_index, 8, &at);
    if (status == BUF_OK)
        *out = model_load_ordered(at, 8, little_endian);
    return status;
}

buf_status_t buf_dataview_get_bigint64(const buf_dataview_t *view, int64_t byte_index, bool little_endian,
                                       int64_t *out)
{
    uint64_t bits = 0;
    if (!out)
        return BUF_EINVAL;
    buf_status_t status = buf_dataview_get_biguint64(view, byte_index, little_endian, &bits);
    if (status == BUF_OK)
        *out = model_int64_from_bits(bits);
    return status;
}

buf_status_t buf_dataview_set_biguint64(const buf_dataview_t *view, int64_t byte_index, uint64_t value,
                                        bool little_endian)
{
    if (!dataview_is_live(view))
        return BUF_EINVAL;
    if (byte_index == BUF_OMITTED)
        byte_index = 0; /* ToIndex(undefined): getUint8() reads byte 0 */
    if (byte_index < 0)
        return BUF_ERANGE;
    uint8_t *at;
    buf_status_t status = dataview_locate(view, byte_index, 8, &at);
    if (status == BUF_OK)
        model_store_ordered(at, value, 8, little_endian);
    return status;
}

buf_status_t buf_dataview_set_bigint64(const buf_dataview_t *view, int64_t byte_index, int64_t value,
                                       bool little_endian)
{
    return buf_dataview_set_biguint64(view, byte_index, model_bits_from_int64(value), little_endian);
}
