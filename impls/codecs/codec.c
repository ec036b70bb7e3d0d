/* codec.c — the public codec API (buf_codec.h): encoding names, argument checks, the
 * dispatch to the per-encoding converters (codec_*.c).
 *
 * Capacity is checked here, once, so the converters can run without per-byte checks:
 * a destination at least as large as the cheap bound is always enough; a smaller one is
 * measured against the exact length (one extra pass) before anything is written.
 */
#include <assert.h>
#include <stdint.h>

#include "buf_codec.h"
#include "codec_internal.h"

/* ---- Names ------------------------------------------------------------------------------
 * Exactly Node v20's names (Buffer.isEncoding), compared ASCII-case-insensitively.
 */
typedef struct encoding_alias {
    const char *name;
    buf_encoding_t encoding;
} encoding_alias_t;

static const encoding_alias_t encoding_aliases[] = {
    {"utf8", BUF_ENC_UTF8},       {"utf-8", BUF_ENC_UTF8},
    {"utf16le", BUF_ENC_UTF16LE}, {"utf-16le", BUF_ENC_UTF16LE},
    {"ucs2", BUF_ENC_UTF16LE},    {"ucs-2", BUF_ENC_UTF16LE},
    {"latin1", BUF_ENC_LATIN1},   {"binary", BUF_ENC_LATIN1},
    {"ascii", BUF_ENC_ASCII},     {"hex", BUF_ENC_HEX},
    {"base64", BUF_ENC_BASE64},   {"base64url", BUF_ENC_BASE64URL},
};

static const char *const canonical_names[BUF_ENC_COUNT] = {
    "utf8", "utf16le", "latin1", "ascii", "hex", "base64", "base64url",
};

static bool names_equal_ignoring_case(const char *given, const char *lowercase)
{
    for (; *given && *lowercase; given++, lowercase++) {
        const char c = (*given >= 'A' && *given <= 'Z') ? (char)(*given - 'A' + 'a') : *given;
        if (c != *lowercase)
            return false;
    }
    return *given == '\0' && *lowercase == '\0';
}

buf_status_t buf_encoding_parse(const char *name, buf_encoding_t *out)
{
    if (!name)
        return BUF_EUNKNOWN_ENCODING;
    for (size_t i = 0; i < sizeof encoding_aliases / sizeof encoding_aliases[0]; i++) {
        if (names_equal_ignoring_case(name, encoding_aliases[i].name)) {
            if (out)
                *out = encoding_aliases[i].encoding;
            return BUF_OK;
        }
    }
    return BUF_EUNKNOWN_ENCODING;
}

const char *buf_encoding_name(buf_encoding_t encoding)
{
    return (unsigned)encoding < BUF_ENC_COUNT ? canonical_names[encoding] : "unknown";
}

static inline bool encoding_is_valid(buf_encoding_t encoding)
{
    return (unsigned)encoding < BUF_ENC_COUNT;
}

/* ---- Saturating size arithmetic (bounds report SIZE_MAX rather than wrap) -------------- */
static inline size_t size_times(size_t value, size_t factor)
{
    return value > SIZE_MAX / factor ? SIZE_MAX : value * factor;
}

/* ---- encode: bytes -> UTF-8 text ----------------------------------------------------- */
size_t buf_encode_length(buf_encoding_t encoding, const uint8_t *bytes, size_t length)
{
    if (!bytes && length)
        return 0;
    switch (encoding) {
    case BUF_ENC_UTF8: return codec_utf8_sanitized_length(bytes, length);
    case BUF_ENC_UTF16LE: return codec_utf16le_encode_length(bytes, length);
    case BUF_ENC_LATIN1: return codec_latin1_encode_length(bytes, length);
    case BUF_ENC_ASCII: return length;
    case BUF_ENC_HEX: return size_times(length, 2);
    case BUF_ENC_BASE64: return codec_base64_encode_length(length, false);
    case BUF_ENC_BASE64URL: return codec_base64_encode_length(length, true);
    default: return 0;
    }
}

size_t buf_encode_bound(buf_encoding_t encoding, size_t length)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return size_times(length, 3);          /* each stray byte: EF BF BD */
    case BUF_ENC_UTF16LE: return size_times(length / 2, 3);   /* a BMP unit: at most 3 bytes */
    case BUF_ENC_LATIN1: return size_times(length, 2);
    case BUF_ENC_ASCII: return length;
    case BUF_ENC_HEX: return size_times(length, 2);
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return size_times(length / 3 + (length % 3 != 0), 4);
    default: return 0;
    }
}

static size_t encode_write(buf_encoding_t encoding, const uint8_t *bytes, size_t length, uint8_t *dst)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return codec_utf8_sanitize_write(bytes, length, dst);
    case BUF_ENC_UTF16LE: return codec_utf16le_encode_write(bytes, length, dst);
    case BUF_ENC_LATIN1: return codec_latin1_encode_write(bytes, length, dst);
    case BUF_ENC_ASCII: return codec_ascii_encode_write(bytes, length, dst);
    case BUF_ENC_HEX: return codec_hex_encode_write(bytes, length, dst);
    case BUF_ENC_BASE64: return codec_base64_encode_write(bytes, length, dst, false);
    case BUF_ENC_BASE64URL: return codec_base64_encode_write(bytes, length, dst, true);
    default: return 0;
    }
}

/* Empty input or output may be NULL; the converters get a real (unused) address instead. */
static const uint8_t empty_input[1];

/* One conversion into caller memory, shared by buf_encode and buf_decode: argument
 * checks, the cheap bound first (the exact length only when the bound does not fit),
 * then the converter. */
typedef struct conversion {
    size_t (*bound)(buf_encoding_t encoding, size_t length);
    size_t (*exact_length)(buf_encoding_t encoding, const uint8_t *input, size_t length);
    size_t (*write)(buf_encoding_t encoding, const uint8_t *input, size_t length, uint8_t *dst);
} conversion_t;

static buf_status_t convert_into(const conversion_t *conversion, buf_encoding_t encoding, const uint8_t *input,
                                 size_t length, uint8_t *dst, size_t dst_capacity, size_t *written)
{
    if (written)
        *written = 0;
    if (!encoding_is_valid(encoding) || (!input && length) || (!dst && dst_capacity))
        return BUF_EINVAL;
    uint8_t no_output[1];
    if (!input)
        input = empty_input;
    if (!dst)
        dst = no_output;
    if (dst_capacity < conversion->bound(encoding, length) &&
        dst_capacity < conversion->exact_length(encoding, input, length))
        return BUF_ENOSPC;
    const size_t out = conversion->write(encoding, input, length, dst);
    assert(out <= dst_capacity);
    if (written)
        *written = out;
    return BUF_OK;
}

static const conversion_t encoding_conversion = {buf_encode_bound, buf_encode_length, encode_write};

buf_status_t buf_encode(buf_encoding_t encoding, const uint8_t *bytes, size_t length,
                        uint8_t *dst, size_t dst_capacity, size_t *written)
{
    return convert_into(&encoding_conversion, encoding, bytes, length, dst, dst_capacity, written);
}

/* ---- decode: UTF-8 text -> bytes ----------------------------------------------------- */
size_t buf_decode_length(buf_encoding_t encoding, const uint8_t *text, size_t length)
{
    if (!text && length)
        return 0;
    switch (encoding) {
    case BUF_ENC_UTF8: return codec_utf8_sanitized_length(text, length);
    case BUF_ENC_UTF16LE: return 2 * codec_text_unit_count(text, length);
    case BUF_ENC_LATIN1:
    case BUF_ENC_ASCII: return codec_text_unit_count(text, length);
    case BUF_ENC_HEX: return codec_hex_decode_length(text, length);
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return codec_base64_decode_length(text, length);
    default: return 0;
    }
}

size_t buf_decode_bound(buf_encoding_t encoding, size_t length)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return size_times(length, 3);    /* each stray byte: EF BF BD */
    case BUF_ENC_UTF16LE: return size_times(length, 2); /* at most one unit per text byte */
    case BUF_ENC_LATIN1:
    case BUF_ENC_ASCII: return length;
    case BUF_ENC_HEX: return length / 2;
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return length / 4 * 3 + length % 4 * 3 / 4;
    default: return 0;
    }
}

size_t buf_byte_length(buf_encoding_t encoding, const uint8_t *text, size_t length)
{
    if (!text && length)
        return 0;
    switch (encoding) {
    case BUF_ENC_UTF8: return codec_utf8_sanitized_length(text, length);
    case BUF_ENC_UTF16LE: return 2 * codec_text_unit_count(text, length);
    case BUF_ENC_LATIN1:
    case BUF_ENC_ASCII: return codec_text_unit_count(text, length);
    case BUF_ENC_HEX: return codec_text_unit_count(text, length) / 2; /* length >>> 1 */
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return codec_base64_byte_length(text, length);
    default: return 0;
    }
}

static size_t decode_write(buf_encoding_t encoding, const uint8_t *text, size_t length, uint8_t *dst)
{
    switch (encoding) {
    case BUF_ENC_UTF8: return codec_utf8_sanitize_write(text, length, dst);
    case BUF_ENC_UTF16LE: return codec_utf16le_decode_write(text, length, dst);
    case BUF_ENC_LATIN1:
    case BUF_ENC_ASCII: return codec_latin1_decode_write(text, length, dst);
    case BUF_ENC_HEX: return codec_hex_decode_write(text, length, dst);
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return codec_base64_decode_write(text, length, dst);
    default: return 0;
    }
}

static const conversion_t decoding_conversion = {buf_decode_bound, buf_decode_length, decode_write};

buf_status_t buf_decode(buf_encoding_t encoding, const uint8_t *text, size_t length,
                        uint8_t *dst, size_t dst_capacity, size_t *written)
{
    return convert_into(&decoding_conversion, encoding, text, length, dst, dst_capacity, written);
}

/* ---- strict decode ------------------------------------------------------------------ */
size_t buf_decode_strict_offset(buf_encoding_t encoding, const uint8_t *text, size_t length)
{
    if (!text)
        return 0;
    switch (encoding) {
    case BUF_ENC_UTF8:
    case BUF_ENC_UTF16LE: return codec_utf8_first_invalid(text, length);
    case BUF_ENC_LATIN1: return codec_latin1_strict_offset(text, length, 0xFF);
    case BUF_ENC_ASCII: return codec_latin1_strict_offset(text, length, 0x7F);
    case BUF_ENC_HEX: return codec_hex_strict_offset(text, length);
    case BUF_ENC_BASE64:
    case BUF_ENC_BASE64URL: return codec_base64_strict_offset(text, length);
    default: return 0;
    }
}

buf_status_t buf_decode_strict(buf_encoding_t encoding, const uint8_t *text, size_t length,
                               uint8_t *dst, size_t dst_capacity, size_t *written,
                               size_t *bad_offset)
{
    if (written)
        *written = 0;
    if (!encoding_is_valid(encoding) || (!text && length) || (!dst && dst_capacity))
        return BUF_EINVAL;
    const size_t bad = length ? buf_decode_strict_offset(encoding, text, length) : 0;
    if (bad_offset)
        *bad_offset = bad;
    if (bad < length)
        return BUF_ESTRICT;
    return buf_decode(encoding, text, length, dst, dst_capacity, written);
}
