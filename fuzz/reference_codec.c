/* reference_codec.c — see reference_codec.h.  Plain on purpose: no tables shared with
 * anything, no tricks, one rule per function.
 *
 * The pipeline for every conversion goes through JS-like strings, i.e. arrays of UTF-16
 * code units, exactly as Node does:
 *   encode: bytes --(toString(E))--> code units --(to UTF-8, lone surrogate -> U+FFFD)--> text
 *   decode: text --(WHATWG UTF-8 decode, errors -> U+FFFD)--> code units --(Buffer.from(E))--> bytes
 */
#include "reference_codec.h"

#include <stdlib.h>
#include <string.h>

const char *ref_encoding_name(int encoding)
{
    switch (encoding) {
    case REF_UTF8: return "utf8";
    case REF_UTF16LE: return "utf16le";
    case REF_LATIN1: return "latin1";
    case REF_ASCII: return "ascii";
    case REF_HEX: return "hex";
    case REF_BASE64: return "base64";
    case REF_BASE64URL: return "base64url";
    default: return NULL;
    }
}

void ref_output_release(ref_output_t *out)
{
    free(out->data);
    out->data = NULL;
    out->length = 0;
}

/* ---- A growable array of UTF-16 code units (a JS string) --------------------------- */
typedef struct units {
    uint16_t *unit;
    size_t count;
} units_t;

/* ---- A growable byte array ---------------------------------------------------------- */
typedef struct bytes {
    uint8_t *byte;
    size_t count, capacity;
    bool failed;
} bytes_t;

static void bytes_push(bytes_t *out, uint8_t value)
{
    if (out->failed) return;
    if (out->count == out->capacity) {
        size_t capacity = out->capacity ? out->capacity * 2 : 64;
        uint8_t *grown = realloc(out->byte, capacity);
        if (grown == NULL) { out->failed = true; return; }
        out->byte = grown;
        out->capacity = capacity;
    }
    out->byte[out->count++] = value;
}

static bool bytes_finish(bytes_t *bytes, ref_output_t *out)
{
    if (bytes->failed) { free(bytes->byte); return false; }
    if (bytes->byte == NULL) bytes->byte = malloc(1); /* a valid pointer even when empty */
    if (bytes->byte == NULL) return false;
    out->data = bytes->byte;
    out->length = bytes->count;
    return true;
}

/* ---- UTF-8 reading: the WHATWG "UTF-8 decode" algorithm, step by step -----------------
 * Each maximal ill-formed subsequence becomes one U+FFFD; that is what V8 does for
 * Buffer.toString('utf8').  Returns the code points through a callback-free array. */
typedef struct code_points {
    uint32_t *point;
    size_t *offset; /* byte offset in the text where each point started */
    size_t count;
} code_points_t;

#define REPLACEMENT 0xFFFDu

static bool utf8_read(const uint8_t *text, size_t length, code_points_t *out)
{
    out->point = malloc((length + 1) * sizeof *out->point);
    out->offset = malloc((length + 1) * sizeof *out->offset);
    out->count = 0;
    if (out->point == NULL || out->offset == NULL) {
        free(out->point);
        free(out->offset);
        return false;
    }
    uint32_t code_point = 0;
    int bytes_needed = 0, bytes_seen = 0;
    uint8_t lower = 0x80, upper = 0xBF;
    size_t start = 0;
    size_t i = 0;
    while (i < length) {
        uint8_t byte = text[i];
        if (bytes_needed == 0) {
            start = i;
            if (byte <= 0x7F) {
                out->offset[out->count] = i;
                out->point[out->count++] = byte;
            } else if (byte >= 0xC2 && byte <= 0xDF) {
                bytes_needed = 1;
                code_point = byte & 0x1F;
            } else if (byte >= 0xE0 && byte <= 0xEF) {
                if (byte == 0xE0) lower = 0xA0;
                if (byte == 0xED) upper = 0x9F;
                bytes_needed = 2;
                code_point = byte & 0x0F;
            } else if (byte >= 0xF0 && byte <= 0xF4) {
                if (byte == 0xF0) lower = 0x90;
                if (byte == 0xF4) upper = 0x8F;
                bytes_needed = 3;
                code_point = byte & 0x07;
            } else {
                out->offset[out->count] = i;
                out->point[out->count++] = REPLACEMENT;
            }
            i++;
            continue;
        }
        if (byte < lower || byte > upper) {
            /* The sequence so far is one error; the byte is read again as a new start. */
            code_point = 0;
            bytes_needed = bytes_seen = 0;
            lower = 0x80;
            upper = 0xBF;
            out->offset[out->count] = start;
            out->point[out->count++] = REPLACEMENT;
            continue;
        }
        lower = 0x80;
        upper = 0xBF;
        code_point = (code_point << 6) | (byte & 0x3F);
        bytes_seen++;
        i++;
        if (bytes_seen == bytes_needed) {
            out->offset[out->count] = start;
            out->point[out->count++] = code_point;
            code_point = 0;
            bytes_needed = bytes_seen = 0;
        }
    }
    if (bytes_needed != 0) {
        out->offset[out->count] = start;
        out->point[out->count++] = REPLACEMENT; /* truncated sequence at the end */
    }
    return true;
}

bool ref_utf8_is_valid(const uint8_t *text, size_t length)
{
    code_points_t points;
    if (!utf8_read(text, length, &points)) return false;
    /* Valid iff re-encoding the points gives the same bytes (a real U+FFFD in the text
     * round-trips; a replaced error never does, since the error bytes are not EF BF BD). */
    size_t consumed = 0;
    bool valid = true;
    for (size_t k = 0; k < points.count && valid; k++) {
        uint32_t cp = points.point[k];
        size_t width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        size_t next = k + 1 < points.count ? points.offset[k + 1] : length;
        if (next - points.offset[k] != width) valid = false;
        else if (cp == REPLACEMENT && !(width == 3 && text[points.offset[k]] == 0xEF &&
                                   text[points.offset[k] + 1] == 0xBF &&
                                   text[points.offset[k] + 2] == 0xBD))
            valid = false;
        consumed += width;
    }
    free(points.point);
    free(points.offset);
    return valid && consumed == length;
}

/* Code points -> UTF-16 code units (above U+FFFF: a surrogate pair). */
static bool text_to_units(const uint8_t *text, size_t length, units_t *out)
{
    code_points_t points;
    if (!utf8_read(text, length, &points)) return false;
    out->unit = malloc((2 * points.count + 1) * sizeof *out->unit);
    out->count = 0;
    if (out->unit == NULL) {
        free(points.point);
        free(points.offset);
        return false;
    }
    for (size_t k = 0; k < points.count; k++) {
        uint32_t cp = points.point[k];
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out->unit[out->count++] = (uint16_t)(0xD800 + (cp >> 10));
            out->unit[out->count++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            out->unit[out->count++] = (uint16_t)cp;
        }
    }
    free(points.point);
    free(points.offset);
    return true;
}

/* ---- UTF-8 writing: a JS string as Buffer.from(string, 'utf8') writes it ------------- */
static void put_code_point(bytes_t *out, uint32_t cp)
{
    if (cp < 0x80) {
        bytes_push(out, (uint8_t)cp);
    } else if (cp < 0x800) {
        bytes_push(out, (uint8_t)(0xC0 | (cp >> 6)));
        bytes_push(out, (uint8_t)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        bytes_push(out, (uint8_t)(0xE0 | (cp >> 12)));
        bytes_push(out, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        bytes_push(out, (uint8_t)(0x80 | (cp & 0x3F)));
    } else {
        bytes_push(out, (uint8_t)(0xF0 | (cp >> 18)));
        bytes_push(out, (uint8_t)(0x80 | ((cp >> 12) & 0x3F)));
        bytes_push(out, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
        bytes_push(out, (uint8_t)(0x80 | (cp & 0x3F)));
    }
}

static bool is_high_surrogate(uint16_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
static bool is_low_surrogate(uint16_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

static void put_units_as_utf8(bytes_t *out, const uint16_t *unit, size_t count)
{
    for (size_t k = 0; k < count; k++) {
        if (is_high_surrogate(unit[k]) && k + 1 < count && is_low_surrogate(unit[k + 1])) {
            uint32_t cp = 0x10000 + (((uint32_t)unit[k] - 0xD800) << 10) + (unit[k + 1] - 0xDC00);
            put_code_point(out, cp);
            k++;
        } else if (is_high_surrogate(unit[k]) || is_low_surrogate(unit[k])) {
            put_code_point(out, REPLACEMENT); /* a lone surrogate */
        } else {
            put_code_point(out, unit[k]);
        }
    }
}

/* ---- encode: bytes -> string -> UTF-8 ----------------------------------------------- */
static char hex_digit(unsigned value) { return "0123456789abcdef"[value & 15]; }

/* The base64 digit for a 6-bit value, spelled out as ranges. */
static char base64_digit(unsigned value, bool url)
{
    if (value < 26) return (char)('A' + value);
    if (value < 52) return (char)('a' + value - 26);
    if (value < 62) return (char)('0' + value - 52);
    if (value == 62) return url ? '-' : '+';
    return url ? '_' : '/';
}

static void encode_base64(bytes_t *out, const uint8_t *bytes, size_t length, bool url)
{
    size_t i = 0;
    for (; i + 3 <= length; i += 3) {
        uint32_t group = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8 | bytes[i + 2];
        for (int shift = 18; shift >= 0; shift -= 6) bytes_push(out, (uint8_t)base64_digit(group >> shift & 63, url));
    }
    size_t rest = length - i;
    if (rest == 1) {
        uint32_t group = (uint32_t)bytes[i] << 16;
        bytes_push(out, (uint8_t)base64_digit(group >> 18 & 63, url));
        bytes_push(out, (uint8_t)base64_digit(group >> 12 & 63, url));
        if (!url) { bytes_push(out, '='); bytes_push(out, '='); }
    } else if (rest == 2) {
        uint32_t group = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8;
        bytes_push(out, (uint8_t)base64_digit(group >> 18 & 63, url));
        bytes_push(out, (uint8_t)base64_digit(group >> 12 & 63, url));
        bytes_push(out, (uint8_t)base64_digit(group >> 6 & 63, url));
        if (!url) bytes_push(out, '=');
    }
}

bool ref_encode(int encoding, const uint8_t *bytes, size_t length, ref_output_t *out)
{
    bytes_t text = {0};
    switch (encoding) {
    case REF_UTF8: {
        /* toString('utf8') replaces errors; writing that string as UTF-8 is the answer. */
        code_points_t points;
        if (!utf8_read(bytes, length, &points)) return false;
        for (size_t k = 0; k < points.count; k++) put_code_point(&text, points.point[k]);
        free(points.point);
        free(points.offset);
        break;
    }
    case REF_UTF16LE: {
        /* Little-endian pairs; an odd last byte is not part of any code unit. */
        size_t count = length / 2;
        uint16_t *unit = malloc((count + 1) * sizeof *unit);
        if (unit == NULL) return false;
        for (size_t k = 0; k < count; k++) unit[k] = (uint16_t)(bytes[2 * k] | bytes[2 * k + 1] << 8);
        put_units_as_utf8(&text, unit, count);
        free(unit);
        break;
    }
    case REF_LATIN1:
        for (size_t i = 0; i < length; i++) put_code_point(&text, bytes[i]);
        break;
    case REF_ASCII:
        /* Node v20 clears the high bit of every byte. */
        for (size_t i = 0; i < length; i++) put_code_point(&text, bytes[i] & 0x7F);
        break;
    case REF_HEX:
        for (size_t i = 0; i < length; i++) {
            bytes_push(&text, (uint8_t)hex_digit(bytes[i] >> 4));
            bytes_push(&text, (uint8_t)hex_digit(bytes[i]));
        }
        break;
    case REF_BASE64:
    case REF_BASE64URL:
        encode_base64(&text, bytes, length, encoding == REF_BASE64URL);
        break;
    default:
        return false;
    }
    return bytes_finish(&text, out);
}

/* ---- decode: UTF-8 -> string -> bytes ----------------------------------------------- */
/* Node looks at the low byte of each code unit when parsing hex and base64. */
static int hex_value(uint16_t unit)
{
    uint8_t c = (uint8_t)(unit & 0xFF);
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Both alphabets are accepted by the one lenient decoder. */
static int base64_value(uint16_t unit)
{
    uint8_t c = (uint8_t)(unit & 0xFF);
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

static void decode_base64(bytes_t *out, const units_t *string)
{
    /* Collect 6-bit values, skipping unknown characters; a '=' (by low byte) ends the
     * data.  Every complete 8 bits become a byte; leftover bits are dropped. */
    uint32_t accumulator = 0;
    int bits = 0;
    for (size_t k = 0; k < string->count; k++) {
        if ((string->unit[k] & 0xFF) == '=') break;
        int value = base64_value(string->unit[k]);
        if (value < 0) continue;
        accumulator = (accumulator << 6) | (uint32_t)value;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes_push(out, (uint8_t)(accumulator >> bits));
            accumulator &= (1u << bits) - 1;
        }
    }
}

bool ref_decode(int encoding, const uint8_t *text, size_t length, ref_output_t *out)
{
    if (encoding < 0 || encoding >= REF_ENCODING_COUNT) return false;
    units_t string;
    if (!text_to_units(text, length, &string)) return false;
    bytes_t bytes = {0};
    switch (encoding) {
    case REF_UTF8:
        put_units_as_utf8(&bytes, string.unit, string.count);
        break;
    case REF_UTF16LE:
        for (size_t k = 0; k < string.count; k++) {
            bytes_push(&bytes, (uint8_t)(string.unit[k] & 0xFF));
            bytes_push(&bytes, (uint8_t)(string.unit[k] >> 8));
        }
        break;
    case REF_LATIN1:
    case REF_ASCII: /* Node writes ascii exactly as latin1: the low byte of each unit */
        for (size_t k = 0; k < string.count; k++) bytes_push(&bytes, (uint8_t)(string.unit[k] & 0xFF));
        break;
    case REF_HEX:
        /* Pairs of hex digits; stop at the first pair that is not; an odd last digit is dropped. */
        for (size_t k = 0; k + 1 < string.count; k += 2) {
            int high = hex_value(string.unit[k]), low = hex_value(string.unit[k + 1]);
            if (high < 0 || low < 0) break;
            bytes_push(&bytes, (uint8_t)(high << 4 | low));
        }
        break;
    default:
        decode_base64(&bytes, &string);
        break;
    }
    free(string.unit);
    return bytes_finish(&bytes, out);
}

size_t ref_byte_length(int encoding, const uint8_t *text, size_t length)
{
    units_t string;
    if (!text_to_units(text, length, &string)) return 0;
    size_t result = 0;
    switch (encoding) {
    case REF_UTF8: {
        ref_output_t utf8;
        if (ref_decode(REF_UTF8, text, length, &utf8)) {
            result = utf8.length;
            ref_output_release(&utf8);
        }
        break;
    }
    case REF_UTF16LE: result = string.count * 2; break;
    case REF_LATIN1:
    case REF_ASCII: result = string.count; break;
    case REF_HEX: result = string.count / 2; break;
    default: {
        /* Node's JS estimate: drop up to two trailing '=' (whole code units), then
         * 3 bytes per 4 characters, rounded down. */
        size_t count = string.count;
        if (count > 0 && string.unit[count - 1] == '=') count--;
        if (count > 1 && string.unit[count - 1] == '=') count--;
        result = count * 3 / 4;
        break;
    }
    }
    free(string.unit);
    return result;
}
