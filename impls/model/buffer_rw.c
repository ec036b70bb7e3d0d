/* buffer_rw.c — Buffer numeric read/write: 1..6-byte integers, float, double, BigInt64,
 * both byte orders, with Node v20's checks (lib/internal/buffer.js) (buf_model.h).
 *
 * Node's order of checks: byteLength (1..6), then the value's range, then the offset.
 * An offset fails with ERR_OUT_OF_RANGE, except when the Buffer is shorter than the
 * width, where boundsError() says ERR_BUFFER_OUT_OF_BOUNDS.  Integer bytes come from
 * ToUint32(value) for the low 32 bits and floor(value / 2^32) for bytes 5 and 6 — that
 * is what `buf[i] = value; value >>>= 8` and Node's `MathFloor(value * 2 ** -32)` do,
 * NaN and fractions included.
 */
#include "model_internal.h"
#include "numconv.h"

#include <math.h>

/* ==== Checks ============================================================================= */

/* checkBounds()/boundsError() for an integer offset and a width in bytes. */
static buf_status_t check_offset(const buf_buffer_t *buf, int64_t offset, int64_t width, uint8_t **at)
{
    if (offset == BUF_OMITTED)
        return BUF_EINVALID_ARG_TYPE; /* validateNumber(undefined, 'offset') */
    int64_t length = buf_typed_length(buf);
    if (offset < 0 || offset > length - width)
        return length - width < 0 ? BUF_EBUFFER_OUT_OF_BOUNDS : BUF_EOUT_OF_RANGE;
    *at = buf->buffer->data + buf->byte_offset + offset;
    return BUF_OK;
}

static bool byte_length_is_valid(int64_t byte_length) { return byte_length >= 1 && byte_length <= 6; }

/* checkInt(): false if value is outside [min, max]; NaN passes (comparisons are false). */
static bool value_in_range(double value, double min, double max) { return !(value > max || value < min); }

/* The 8*width low bits Node stores for an in-range (or NaN) value. */
static uint64_t integer_bits(double value, int64_t width)
{
    uint64_t low = model_to_uint32(value);
    if (width <= 4)
        return width == 4 ? low : low & (((uint64_t)1 << (8 * width)) - 1);
    uint64_t high = model_to_uint32(floor(value * 0x1p-32)) & (width == 6 ? 0xffffu : 0xffu);
    return (high << 32) | low;
}

/* ==== Integers =========================================================================== */

/* Which of Node's two families: readUIntLE/writeUIntLE or readIntLE/writeIntLE. */
typedef enum integer_signedness { INTEGER_UNSIGNED, INTEGER_SIGNED } integer_signedness_t;

static buf_status_t read_integer(const buf_buffer_t *buf, int64_t offset, int64_t byte_length, bool little_endian,
                                 integer_signedness_t signedness, double *out)
{
    if (!model_buffer_is_live(buf) || !out)
        return BUF_EINVAL;
    if (offset == BUF_OMITTED)
        return BUF_EINVALID_ARG_TYPE; /* readUIntLE(): "offset" must be a number */
    if (!byte_length_is_valid(byte_length))
        return BUF_EOUT_OF_RANGE; /* boundsError(byteLength, 6, 'byteLength') */
    uint8_t *at;
    buf_status_t status = check_offset(buf, offset, byte_length, &at);
    if (status != BUF_OK)
        return status;
    uint64_t bits = model_load_ordered(at, (unsigned)byte_length, little_endian);
    /* At most 48 bits either way: exact as a double. */
    if (signedness == INTEGER_SIGNED)
        *out = (double)model_sign_extend(bits, (unsigned)byte_length);
    else
        *out = (double)bits;
    return BUF_OK;
}

buf_status_t buf_buffer_read_uint(const buf_buffer_t *buf, int64_t offset, int64_t byte_length, bool little_endian,
                                  double *out)
{
    return read_integer(buf, offset, byte_length, little_endian, INTEGER_UNSIGNED, out);
}

buf_status_t buf_buffer_read_int(const buf_buffer_t *buf, int64_t offset, int64_t byte_length, bool little_endian,
                                 double *out)
{
    return read_integer(buf, offset, byte_length, little_endian, INTEGER_SIGNED, out);
}

static buf_status_t write_integer(const buf_buffer_t *buf, double value, int64_t offset, int64_t byte_length,
                                  bool little_endian, integer_signedness_t signedness, int64_t *next_offset)
{
    if (!model_buffer_is_live(buf))
        return BUF_EINVAL;
    if (!byte_length_is_valid(byte_length))
        return BUF_EOUT_OF_RANGE;
    if (byte_length == 1 && offset == BUF_OMITTED)
        return BUF_EINVALID_ARG_TYPE; /* writeU_Int8 validates the offset before the value */
    double span = ldexp(1.0, (int)(8 * byte_length)); /* 2^(8w), exact */
    double min = signedness == INTEGER_SIGNED ? -span / 2 : 0.0;
    double max = signedness == INTEGER_SIGNED ? span / 2 - 1 : span - 1;
    if (!value_in_range(value, min, max))
        return BUF_EOUT_OF_RANGE; /* 'The value of "value" is out of range' */
    uint8_t *at;
    buf_status_t status = check_offset(buf, offset, byte_length, &at);
    if (status != BUF_OK)
        return status;
    model_store_ordered(at, integer_bits(value, byte_length), (unsigned)byte_length, little_endian);
    if (next_offset)
        *next_offset = offset + byte_length;
    return BUF_OK;
}

buf_status_t buf_buffer_write_uint(const buf_buffer_t *buf, double value, int64_t offset, int64_t byte_length,
                                   bool little_endian, int64_t *next_offset)
{
    return write_integer(buf, value, offset, byte_length, little_endian, INTEGER_UNSIGNED, next_offset);
}

buf_status_t buf_buffer_write_int(const buf_buffer_t *buf, double value, int64_t offset, int64_t byte_length,
                                  bool little_endian, int64_t *next_offset)
{
    return write_integer(buf, value, offset, byte_length, little_endian, INTEGER_SIGNED, next_offset);
}

/* ==== Float and double =================================================================== */

static buf_status_t read_bits(const buf_buffer_t *buf, int64_t offset, int64_t width, bool little_endian,
                              uint64_t *bits)
{
    if (!model_buffer_is_live(buf))
        return BUF_EINVAL;
    if (offset == BUF_OMITTED)
        offset = 0; /* readFloatLE(offset = 0) */
    uint8_t *at;
    buf_status_t status = check_offset(buf, offset, width, &at);
    if (status == BUF_OK)
        *bits = model_load_ordered(at, (unsigned)width, little_endian);
    return status;
}

static buf_status_t write_bits(const buf_buffer_t *buf, uint64_t bits, int64_t offset, int64_t width,
                               bool little_endian, int64_t *next_offset)
{
    if (!model_buffer_is_live(buf))
        return BUF_EINVAL;
    if (offset == BUF_OMITTED)
        offset = 0; /* writeDoubleLE(value, offset = 0) */
    uint8_t *at;
    buf_status_t status = check_offset(buf, offset, width, &at);
    if (status != BUF_OK)
        return status;
    model_store_ordered(at, bits, (unsigned)width, little_endian);
    if (next_offset)
        *next_offset = offset + width;
    return BUF_OK;
}

buf_status_t buf_buffer_read_float(const buf_buffer_t *buf, int64_t offset, bool little_endian, double *out)
{
    uint64_t bits = 0;
    if (!out)
        return BUF_EINVAL;
    buf_status_t status = read_bits(buf, offset, 4, little_endian, &bits);
    if (status == BUF_OK)
        *out = model_float_from_bits((uint32_t)bits);
    return status;
}

buf_status_t buf_buffer_read_double(const buf_buffer_t *buf, int64_t offset, bool little_endian, double *out)
{
    uint64_t bits = 0;
    if (!out)
        return BUF_EINVAL;
    buf_status_t status = read_bits(buf, offset, 8, little_endian, &bits);
    if (status == BUF_OK)
        *out = model_double_from_bits(bits);
    return status;
}

buf_status_t buf_buffer_write_float(const buf_buffer_t *buf, double value, int64_t offset, bool little_endian,
                                    int64_t *next_offset)
{
    return write_bits(buf, model_float_bits(model_to_float32(value)), offset, 4, little_endian, next_offset);
}

buf_status_t buf_buffer_write_double(const buf_buffer_t *buf, double value, int64_t offset, bool little_endian,
                                     int64_t *next_offset)
{
    return write_bits(buf, model_double_bits(value), offset, 8, little_endian, next_offset);
}

/* ==== BigInt64 =========================================================================== */

buf_status_t buf_buffer_read_biguint64(const buf_buffer_t *buf, int64_t offset, bool little_endian, uint64_t *out)
{
    if (!out)
        return BUF_EINVAL;
    return read_bits(buf, offset, 8, little_endian, out);
}

buf_status_t buf_buffer_read_bigint64(const buf_buffer_t *buf, int64_t offset, bool little_endian, int64_t *out)
{
    uint64_t bits = 0;
    if (!out)
        return BUF_EINVAL;
    buf_status_t status = read_bits(buf, offset, 8, little_endian, &bits);
    if (status == BUF_OK)
        *out = model_int64_from_bits(bits);
    return status;
}

/* The value's range is the C type's: int64_t / uint64_t hold exactly Node's accepted
 * BigInts, so only the offset can fail. */
buf_status_t buf_buffer_write_biguint64(const buf_buffer_t *buf, uint64_t value, int64_t offset, bool little_endian,
                                        int64_t *next_offset)
{
    return write_bits(buf, value, offset, 8, little_endian, next_offset);
}

buf_status_t buf_buffer_write_bigint64(const buf_buffer_t *buf, int64_t value, int64_t offset, bool little_endian,
                                       int64_t *next_offset)
{
    return write_bits(buf, model_bits_from_int64(value), offset, 8, little_endian, next_offset);
}
