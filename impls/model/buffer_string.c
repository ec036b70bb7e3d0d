/* buffer_string.c — the Buffer operations that take or give text: from(string),
 * toString, byteLength, write, indexOf/includes of a string (buf_model.h; fill
 * with a string is in buffer_fill.c).  Text is UTF-8 on the C side; the codecs (buf_codec.h) turn it into
 * bytes exactly as Buffer.from(text, encoding) would, and every function below works
 * on those bytes with lib/buffer.js's argument handling.
 */
#include "model_internal.h"

#include <string.h>

/* ==== Encodings ========================================================================== */

/* NULL is JS `undefined` (Node's default, utf8); "" is an unknown encoding for the
 * functions that look it up (toString, indexOf) — the others map "" to NULL first,
 * as Node tests `!encoding` there. */
buf_status_t model_parse_encoding(const char *name, buf_encoding_t *out)
{
    if (!name) {
        *out = BUF_ENC_UTF8;
        return BUF_OK;
    }
    return buf_encoding_parse(name, out) == BUF_OK ? BUF_OK : BUF_EUNKNOWN_ENCODING;
}

buf_status_t model_decode_text(buf_backend_t *backend, buf_encoding_t encoding, const char *text, size_t text_length,
                               buf_bytes_t *out)
{
    static const uint8_t empty_text[1] = {0};
    const uint8_t *bytes = text ? (const uint8_t *)text : empty_text;
    return model_allocation_status(buf_decode_alloc(backend, encoding, bytes, text_length, out));
}

/* ==== from / toString / byteLength ======================================================= */

buf_status_t buf_buffer_from_string(buf_backend_t *backend, const char *text, size_t text_length, const char *encoding,
                                    buf_buffer_t *out)
{
    if (!backend || !out || (!text && text_length > 0))
        return BUF_EINVAL;
    buf_encoding_t parsed;
    if (model_parse_encoding(model_encoding_argument(encoding), &parsed) != BUF_OK)
        return BUF_EUNKNOWN_ENCODING; /* checked before the empty-string shortcut */
    buf_bytes_t decoded;
    buf_status_t status = model_decode_text(backend, parsed, text, text_length, &decoded);
    if (status != BUF_OK)
        return status;
    status = buf_buffer_from_bytes(backend, decoded.data, decoded.length, out);
    buf_bytes_release(&decoded);
    return status;
}

buf_status_t buf_buffer_to_string(const buf_buffer_t *buf, const char *encoding, int64_t start, int64_t end,
                                  buf_bytes_t *out)
{
    if (!model_buffer_is_live(buf) || !out)
        return BUF_EINVAL;
    int64_t length = buf_typed_length(buf);
    const uint8_t *bytes = buf->buffer->data + buf->byte_offset;
    buf_backend_t *backend = buf->buffer->backend;
    /* toString() in lib/buffer.js: an empty range returns '' before the encoding is
     * looked at, so toString('bogus', 5, 1) is '' and not an error. */
    if (start == BUF_OMITTED || start <= 0)
        start = 0;
    else if (start >= length)
        return model_allocation_status(buf_encode_alloc(backend, BUF_ENC_UTF8, bytes, 0, out));
    if (end == BUF_OMITTED || end > length)
        end = length;
    if (end <= start)
        return model_allocation_status(buf_encode_alloc(backend, BUF_ENC_UTF8, bytes, 0, out));
    buf_encoding_t parsed;
    if (model_parse_encoding(encoding, &parsed) != BUF_OK)
        return BUF_EUNKNOWN_ENCODING;
    return model_allocation_status(buf_encode_alloc(backend, parsed, bytes + start, (size_t)(end - start), out));
}

buf_status_t buf_buffer_byte_length(const char *text, size_t text_length, const char *encoding, int64_t *out)
{
    if (!out || (!text && text_length > 0))
        return BUF_EINVAL;
    if (text_length == 0) {
        *out = 0;
        return BUF_OK;
    }
    buf_encoding_t parsed;
    /* An unknown encoding counts UTF-8 bytes: Node's "TODO: makes more sense to throw". */
    if (model_parse_encoding(model_encoding_argument(encoding), &parsed) != BUF_OK)
        parsed = BUF_ENC_UTF8;
    size_t byte_length = 0;
    const buf_status_t status = buf_byte_length(parsed, (const uint8_t *)text, text_length, &byte_length);
    if (status != BUF_OK)
        return status; /* BUF_EOVERFLOW: a text length no memory holds */
    *out = (int64_t)byte_length;
    return BUF_OK;
}

/* ==== write ============================================================================== */

/* How many of `available` decoded bytes fit in `room` without splitting a character:
 * UTF-8 stops before a lead byte whose sequence does not fit, UTF-16LE keeps whole code
 * units (Node may split a surrogate pair there, and does), the rest are bytewise. */
static size_t whole_characters(buf_encoding_t encoding, const uint8_t *bytes, size_t available, size_t room)
{
    if (available <= room)
        return available;
    if (encoding == BUF_ENC_UTF8) {
        size_t cut = room;
        while (cut > 0 && (bytes[cut] & 0xc0u) == 0x80u)
            cut--; /* bytes[cut] is a continuation byte: its character started earlier */
        return cut;
    }
    if (encoding == BUF_ENC_UTF16LE)
        return room & ~(size_t)1;
    return room;
}

buf_status_t buf_buffer_write(const buf_buffer_t *buf, const char *text, size_t text_length, int64_t offset,
                              int64_t length, const char *encoding, int64_t *written)
{
    if (!model_buffer_is_live(buf) || (!text && text_length > 0))
        return BUF_EINVAL;
    int64_t buffer_length = buf_typed_length(buf);
    buf_encoding_t parsed = BUF_ENC_UTF8;
    if (offset == BUF_OMITTED) {
        /* buf.write(string): utf8 over the whole Buffer; the encoding argument is not
         * even read on this path. */
        offset = 0;
        length = buffer_length;
    } else {
        if (!model_offset_in(offset, 0, buffer_length))
            return BUF_EOUT_OF_RANGE; /* validateOffset(offset, 'offset', 0, this.length) */
        int64_t remaining = buffer_length - offset;
        if (length == BUF_OMITTED) {
            length = remaining;
        } else {
            if (!model_offset_in(length, 0, buffer_length))
                return BUF_EOUT_OF_RANGE;
            if (length > remaining)
                length = remaining;
        }
        if (model_parse_encoding(model_encoding_argument(encoding), &parsed) != BUF_OK)
            return BUF_EUNKNOWN_ENCODING;
    }
    buf_bytes_t decoded;
    buf_status_t status = model_decode_text(buf->buffer->backend, parsed, text, text_length, &decoded);
    if (status != BUF_OK)
        return status;
    size_t count = whole_characters(parsed, decoded.data, decoded.length, (size_t)length);
    if (count > 0)
        memcpy(buf->buffer->data + buf->byte_offset + offset, decoded.data, count);
    buf_bytes_release(&decoded);
    if (written)
        *written = (int64_t)count;
    return BUF_OK;
}

/* ==== indexOf / includes of a string ===================================================== */

static buf_status_t index_of_string(const buf_buffer_t *buf, const char *text, size_t text_length,
                                    int64_t byte_offset, const char *encoding, model_search_t direction, int64_t *out)
{
    if (!model_buffer_is_live(buf) || !out || (!text && text_length > 0))
        return BUF_EINVAL;
    buf_encoding_t parsed;
    if (model_parse_encoding(encoding, &parsed) != BUF_OK)
        return BUF_EUNKNOWN_ENCODING;
    buf_bytes_t needle;
    buf_status_t status = model_decode_text(buf->buffer->backend, parsed, text, text_length, &needle);
    if (status != BUF_OK)
        return status;
    model_search_t search = direction | MODEL_SEARCH_STRING_NEEDLE;
    if (parsed == BUF_ENC_UTF16LE)
        search |= MODEL_SEARCH_UCS2;
    status = model_index_of(buf, needle.data, needle.length, byte_offset, search, out);
    buf_bytes_release(&needle);
    return status;
}

buf_status_t buf_buffer_index_of_string(const buf_buffer_t *buf, const char *text, size_t text_length,
                                        int64_t byte_offset, const char *encoding, int64_t *out)
{
    return index_of_string(buf, text, text_length, byte_offset, encoding, MODEL_SEARCH_FORWARD, out);
}

buf_status_t buf_buffer_last_index_of_string(const buf_buffer_t *buf, const char *text, size_t text_length,
                                             int64_t byte_offset, const char *encoding, int64_t *out)
{
    return index_of_string(buf, text, text_length, byte_offset, encoding, MODEL_SEARCH_BACKWARD, out);
}

buf_status_t buf_buffer_includes_string(const buf_buffer_t *buf, const char *text, size_t text_length,
                                        int64_t byte_offset, const char *encoding, bool *out)
{
    int64_t index = -1;
    if (!out)
        return BUF_EINVAL;
    buf_status_t status = index_of_string(buf, text, text_length, byte_offset, encoding, MODEL_SEARCH_FORWARD, &index);
    if (status == BUF_OK)
        *out = index != -1;
    return status;
}
