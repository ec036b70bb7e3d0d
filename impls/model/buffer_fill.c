/* buffer_fill.c — buf.fill(value, offset, end, encoding) for every kind of value: a
 * number, a Buffer's bytes, a string in an encoding (buf_model.h).
 *
 * One function, buffer_fill, is _fill() of Node v20's lib/buffer.js step for step,
 * because the ORDER of its steps is the behaviour.  The same call can succeed or throw
 * depending on which step notices an empty or out-of-bounds Buffer first:
 *
 *   1. A string value (buf_buffer_fill_string) with an omitted offset means offset 0,
 *      end buf.length, and the encoding argument is dropped (Node reads the encoding
 *      from the offset's position).  Then the encoding is validated, '' becomes the
 *      number 0 and a one-character string that fits a byte becomes a number (utf8
 *      below 128, any latin1 character).
 *   2. The range: an offset still omitted (a number or bytes value) means 0 and
 *      buf.length, with no early return; a given offset is validated, end defaults to
 *      buf.length or is validated against it, and offset >= end returns at once.
 *   3. A number goes to TypedArray.prototype.fill, which refuses an out-of-bounds view
 *      even for an empty range (BUF_EDETACHED).
 *   4. Bytes or text go to bindingFill (node_buffer.cc Fill): the pattern is copied up
 *      to the range's length, and an empty pattern for a non-empty range is
 *      ERR_INVALID_ARG_VALUE.
 *
 * So an out-of-bounds Buffer (length 0) with no offset: a string stops at step 2 (step
 * 1 gave it a range, and it is empty), a number fails at step 3, bytes pass step 4
 * with nothing to copy.  All checks run before the first byte is written.
 */
#include "model_internal.h"
#include "numconv.h"

#include <string.h>

/* ==== The value _fill() ends up with ================================================== */

typedef enum fill_value_kind {
    FILL_NUMBER, /* TypedArray.prototype.fill: the low byte of ToUint8(number) */
    FILL_BYTES,  /* bindingFill with a Buffer: its bytes repeated */
    FILL_TEXT    /* bindingFill with a string: its bytes in `encoding` repeated */
} fill_value_kind_t;

typedef struct fill_value {
    fill_value_kind_t kind;
    double number;           /* FILL_NUMBER */
    const uint8_t *bytes;    /* FILL_BYTES: the pattern; FILL_TEXT: the UTF-8 text */
    size_t length;           /* of bytes */
    buf_encoding_t encoding; /* FILL_TEXT */
} fill_value_t;

static fill_value_t number_value(double number) { return (fill_value_t){.kind = FILL_NUMBER, .number = number}; }

/* ==== Filling ============================================================================ */

/* The tail of bindingFill: pattern copied over fill_length bytes at dst, cut short where
 * the range ends.  An empty pattern can fill only an empty range.  The first copy is a
 * memmove because the pattern may be a view of this very Buffer. */
static buf_status_t fill_pattern(uint8_t *dst, size_t fill_length, const uint8_t *pattern, size_t pattern_length)
{
    if (pattern_length >= fill_length) {
        if (fill_length > 0)
            memmove(dst, pattern, fill_length);
        return BUF_OK;
    }
    if (pattern_length == 0)
        return BUF_EINVALID_ARG_VALUE; /* "The argument 'value' is invalid" */
    memmove(dst, pattern, pattern_length);
    /* Double the filled prefix until the range is full: O(log n) memcpy calls.  filled
     * is a whole number of patterns, so dst[0, chunk) continues the phase. */
    size_t filled = pattern_length;
    while (filled < fill_length) {
        size_t chunk = filled < fill_length - filled ? filled : fill_length - filled;
        memcpy(dst + filled, dst, chunk);
        filled += chunk;
    }
    return BUF_OK;
}

/* Steps 2 to 4 of _fill() (see the top of the file); `buf` is a live Buffer. */
static buf_status_t buffer_fill(const buf_buffer_t *buf, fill_value_t value, int64_t offset, int64_t end)
{
    int64_t length = buf_typed_length(buf); /* buf.length: 0 when out of bounds */
    if (offset == BUF_OMITTED) {
        offset = 0;
        end = length;
    } else {
        if (!model_offset_in(offset, 0, BUF_BUFFER_MAX_LENGTH))
            return BUF_EOUT_OF_RANGE; /* validateOffset(offset, 'offset') */
        if (end == BUF_OMITTED)
            end = length;
        else if (!model_offset_in(end, 0, length))
            return BUF_EOUT_OF_RANGE; /* validateOffset(end, 'end', 0, buf.length) */
        if (offset >= end)
            return BUF_OK;
    }
    /* Node's own bounds checks (ERR_BUFFER_OUT_OF_BOUNDS in JS, -2 from bindingFill)
     * compare the same numbers against byteLength == buf.length: they cannot fire. */
    BUF_ASSERT(0 <= offset && offset <= end && end <= length);
    uint8_t *dst = buf->buffer->data + buf->byte_offset + offset;
    size_t fill_length = (size_t)(end - offset);
    switch (value.kind) {
    case FILL_NUMBER:
        if (buf_typed_is_out_of_bounds(buf))
            return BUF_EDETACHED; /* TypedArray.prototype.fill on an out-of-bounds view */
        if (fill_length > 0)
            memset(dst, model_to_uint8(value.number), fill_length);
        return BUF_OK;
    case FILL_BYTES:
        return fill_pattern(dst, fill_length, value.bytes, value.length);
    case FILL_TEXT: {
        buf_bytes_t pattern;
        buf_status_t status = model_decode_text(buf->buffer->backend, value.encoding, (const char *)value.bytes,
                                                 value.length, &pattern);
        if (status != BUF_OK)
            return status;
        status = fill_pattern(dst, fill_length, pattern.data, pattern.length);
        buf_bytes_release(&pattern);
        return status;
    }
    }
    BUF_ASSERT(!"buffer_fill: unknown kind of value");
    return BUF_EINVAL;
}

/* ==== Public entry points ================================================================ */

buf_status_t buf_buffer_fill_byte(const buf_buffer_t *buf, double value, int64_t offset, int64_t end)
{
    if (!model_buffer_is_live(buf))
        return BUF_EINVAL;
    return buffer_fill(buf, number_value(value), offset, end);
}

buf_status_t buf_buffer_fill_bytes(const buf_buffer_t *buf, const uint8_t *pattern, size_t pattern_length,
                                   int64_t offset, int64_t end)
{
    if (!model_buffer_is_live(buf) || (!pattern && pattern_length > 0))
        return BUF_EINVAL;
    fill_value_t bytes = {.kind = FILL_BYTES, .bytes = pattern, .length = pattern_length};
    return buffer_fill(buf, bytes, offset, end);
}

buf_status_t buf_buffer_fill_string(const buf_buffer_t *buf, const char *text, size_t text_length, int64_t offset,
                                    int64_t end, const char *encoding)
{
    if (!model_buffer_is_live(buf) || (!text && text_length > 0))
        return BUF_EINVAL;
    /* Step 1: buf.fill(string) is buf.fill(string, 0, buf.length) with the encoding
     * taken from the (undefined) offset argument. */
    if (offset == BUF_OMITTED) {
        encoding = NULL;
        offset = 0;
        end = buf_typed_length(buf);
    }
    buf_encoding_t parsed;
    if (model_parse_encoding(model_encoding_argument(encoding), &parsed) != BUF_OK)
        return BUF_EUNKNOWN_ENCODING;
    if (text_length == 0)
        return buffer_fill(buf, number_value(0.0), offset, end); /* '' means the number 0 */
    /* One character that fits a byte becomes a number: utf8 below 128, or latin1's
     * charCode (any one UTF-16 code unit; ToUint8 keeps its low byte, as latin1 does). */
    const uint8_t *text_bytes = (const uint8_t *)text;
    if (parsed == BUF_ENC_UTF8 && text_length == 1 && text_bytes[0] < 0x80)
        return buffer_fill(buf, number_value(text_bytes[0]), offset, end);
    size_t utf16_bytes = 0;
    if (parsed == BUF_ENC_LATIN1 && buf_decode_length(BUF_ENC_UTF16LE, text_bytes, text_length, &utf16_bytes) == BUF_OK &&
        utf16_bytes == 2) {
        uint8_t low_byte = 0;
        size_t one = 0;
        if (buf_decode(BUF_ENC_LATIN1, text_bytes, text_length, &low_byte, 1, &one) == BUF_OK && one == 1)
            return buffer_fill(buf, number_value(low_byte), offset, end);
    }
    fill_value_t string = {.kind = FILL_TEXT, .bytes = text_bytes, .length = text_length, .encoding = parsed};
    return buffer_fill(buf, string, offset, end);
}
