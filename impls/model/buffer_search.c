/* buffer_search.c — indexOf / lastIndexOf / includes of Node's Buffer (buf_model.h).
 *
 * Mirrors bidirectionalIndexOf() of lib/buffer.js (offset clamped to int32, omitted
 * offset = whole buffer) and IndexOfOffset()/SearchString() of node_buffer.cc: the
 * resolved start index, the empty-needle rule (returns the resolved offset), and for
 * 'ucs2' a search over 16-bit code units, so matches sit at even byte offsets only.
 */
#include "model_internal.h"
#include "numconv.h"

#include <string.h>

/* ==== Encoding names ===================================================================== */

/* A Buffer needle's encoding argument only decides the unit of the search: UTF-16LE
 * under any of Node's names ('ucs2', 'ucs-2', 'utf16le', 'utf-16le', any case) searches
 * 16-bit code units; any other name, unknown ones included, bytes (as Node). */
static model_search_t needle_units(const char *encoding)
{
    buf_encoding_t parsed;
    bool ucs2 = encoding && buf_encoding_parse(encoding, &parsed) == BUF_OK && parsed == BUF_ENC_UTF16LE;
    return ucs2 ? MODEL_SEARCH_UCS2 : MODEL_SEARCH_FORWARD;
}

/* ==== Offsets ============================================================================ */

/* bidirectionalIndexOf(): the JS-side offset before it crosses into C++. */
static int64_t js_byte_offset(int64_t byte_offset, int64_t length, bool forward)
{
    if (byte_offset == BUF_OMITTED)
        return forward ? 0 : length;
    if (byte_offset > INT32_MAX)
        return INT32_MAX;
    if (byte_offset < INT32_MIN)
        return INT32_MIN;
    return byte_offset;
}

/* IndexOfOffset(): where the search starts, or -1 for "no match possible". */
static int64_t index_of_offset(int64_t length, int64_t offset, int64_t needle_length, bool forward)
{
    if (offset < 0) {
        if (offset + length >= 0)
            return length + offset;      /* relative to the end */
        if (forward || needle_length == 0)
            return 0;                    /* before the start: search everything */
        return -1;                       /* lastIndexOf from before the start */
    }
    if (offset + needle_length <= length)
        return offset;
    if (needle_length == 0)
        return length;                   /* empty needle past the end: the end */
    if (forward)
        return -1;                       /* indexOf from past the end */
    return length - 1;                   /* lastIndexOf from past the end: everything */
}

/* ==== Search ============================================================================= */

/* SearchString() over units of unit_size bytes (1, or 2 for ucs2): the first match at or
 * after start (forward) or the last match at or before start (backward); haystack_units
 * when there is none. */
static int64_t search_units(const uint8_t *haystack, int64_t haystack_units, const uint8_t *needle,
                            int64_t needle_units, int64_t start, bool forward, size_t unit_size)
{
    if (haystack_units < needle_units)
        return haystack_units;
    int64_t last_start = haystack_units - needle_units;
    size_t needle_bytes = (size_t)needle_units * unit_size;
    if (forward && unit_size == 1) {
        /* Byte search: memmem (glibc, _GNU_SOURCE) is linear where the loop below is not. */
        const uint8_t *hit = memmem(haystack + start, (size_t)(haystack_units - start), needle, needle_bytes);
        return hit ? (int64_t)(hit - haystack) : haystack_units;
    }
    if (forward) {
        for (int64_t at = start; at <= last_start; at++)
            if (memcmp(haystack + at * (int64_t)unit_size, needle, needle_bytes) == 0)
                return at;
    } else {
        for (int64_t at = start < last_start ? start : last_start; at >= 0; at--)
            if (memcmp(haystack + at * (int64_t)unit_size, needle, needle_bytes) == 0)
                return at;
    }
    return haystack_units;
}

buf_status_t model_index_of(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length, int64_t byte_offset,
                            model_search_t search, int64_t *out)
{
    bool forward = !(search & MODEL_SEARCH_BACKWARD);
    bool ucs2 = search & MODEL_SEARCH_UCS2;
    bool string_needle = search & MODEL_SEARCH_STRING_NEEDLE;
    if (!model_buffer_is_live(buf) || !out || (!needle && needle_length > 0))
        return BUF_EINVAL;
    int64_t length = buf_typed_length(buf);
    const uint8_t *haystack = buf->buffer->data + buf->byte_offset;
    /* IndexOfString() rounds a ucs2 haystack down to whole code units (IndexOfBuffer()
     * does not: see the not-found rule below). */
    if (ucs2 && string_needle)
        length &= ~(int64_t)1;
    int64_t offset = js_byte_offset(byte_offset, length, forward);
    int64_t n = (int64_t)needle_length;
    int64_t start = index_of_offset(length, offset, n, forward);
    if (n == 0) {
        *out = start; /* String#indexOf('') behaviour */
        return BUF_OK;
    }
    *out = -1;
    if (length == 0 || start <= -1)
        return BUF_OK;
    BUF_ASSERT(start < length);
    if ((forward && n + start > length) || n > length)
        return BUF_OK;
    if (!ucs2) {
        int64_t found = search_units(haystack, length, needle, n, start, forward, 1);
        *out = found == length ? -1 : found;
        return BUF_OK;
    }
    if (length < 2 || n < 2)
        return BUF_OK;
    int64_t haystack_units = length / 2;
    int64_t found = search_units(haystack, haystack_units, needle, n / 2, start / 2, forward, 2);
    if (string_needle) {
        *out = found == haystack_units ? -1 : found * 2; /* length is even here */
    } else {
        /* node_buffer.cc compares result * 2 with the BYTE length, so on an odd-length
         * haystack "not found" comes back as length - 1.  Node does it; so do we. */
        int64_t result = found * 2;
        *out = result == length ? -1 : result;
    }
    return BUF_OK;
}

/* ==== Public entry points ================================================================ */

static buf_status_t index_of_byte(const buf_buffer_t *buf, double value, int64_t byte_offset,
                                  model_search_t direction, int64_t *out)
{
    /* indexOfNumber(buffer, val >>> 0, ...): memchr keeps the low byte. */
    uint8_t needle = (uint8_t)(model_to_uint32(value) & 0xffu);
    return model_index_of(buf, &needle, 1, byte_offset, direction, out);
}

buf_status_t buf_buffer_index_of_byte(const buf_buffer_t *buf, double value, int64_t byte_offset, int64_t *out)
{
    return index_of_byte(buf, value, byte_offset, MODEL_SEARCH_FORWARD, out);
}

buf_status_t buf_buffer_last_index_of_byte(const buf_buffer_t *buf, double value, int64_t byte_offset, int64_t *out)
{
    return index_of_byte(buf, value, byte_offset, MODEL_SEARCH_BACKWARD, out);
}

buf_status_t buf_buffer_includes_byte(const buf_buffer_t *buf, double value, int64_t byte_offset, bool *out)
{
    int64_t index = -1;
    if (!out)
        return BUF_EINVAL;
    buf_status_t status = index_of_byte(buf, value, byte_offset, MODEL_SEARCH_FORWARD, &index);
    if (status == BUF_OK)
        *out = index != -1;
    return status;
}

/* A Buffer needle: an unknown encoding name falls back to utf8 (no error), as Node. */
buf_status_t buf_buffer_index_of_bytes(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length,
                                       int64_t byte_offset, const char *encoding, int64_t *out)
{
    return model_index_of(buf, needle, needle_length, byte_offset, MODEL_SEARCH_FORWARD | needle_units(encoding), out);
}

buf_status_t buf_buffer_last_index_of_bytes(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length,
                                            int64_t byte_offset, const char *encoding, int64_t *out)
{
    return model_index_of(buf, needle, needle_length, byte_offset, MODEL_SEARCH_BACKWARD | needle_units(encoding), out);
}

buf_status_t buf_buffer_includes_bytes(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length,
                                      int64_t byte_offset, const char *encoding, bool *out)
{
    int64_t index = -1;
    if (!out)
        return BUF_EINVAL;
    buf_status_t status = buf_buffer_index_of_bytes(buf, needle, needle_length, byte_offset, encoding, &index);
    if (status == BUF_OK)
        *out = index != -1;
    return status;
}
