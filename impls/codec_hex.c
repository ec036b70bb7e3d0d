/* codec_hex.c — hex.
 *
 * encode: two lowercase digits per byte.
 * decode (Node's hex_decode on the text's UTF-16 code units): digits are read in pairs,
 *   case-insensitively, from the LOW BYTE of each code unit (so U+0131 reads as '1' and
 *   U+FF41 as 'A'); decoding stops at the first pair with a non-digit, and an odd trailing
 *   digit is dropped.  Nothing is an error: Buffer.from('zz', 'hex') is simply empty.
 */
#include "codec_internal.h"

/* ---- Tables ------------------------------------------------------------------------- */
static const char hex_digits[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

#define NO_ 0xFF /* not a hex digit: every bit above the nibble set */
#define ROW16(e) e, e, e, e, e, e, e, e, e, e, e, e, e, e, e, e
static const uint8_t hex_values[256] = {
    ROW16(NO_), ROW16(NO_), ROW16(NO_),
    /* 30..3F */ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, NO_, NO_, NO_, NO_, NO_, NO_,
    /* 40..4F */ NO_, 10, 11, 12, 13, 14, 15, NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_,
    ROW16(NO_),
    /* 60..6F */ NO_, 10, 11, 12, 13, 14, 15, NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_,
    ROW16(NO_),
    ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_),
};

/* ---- encode: bytes -> text ---------------------------------------------------------- */
size_t buf_hex_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    for (size_t i = 0; i < length; i++) {
        dst[2 * i] = (uint8_t)hex_digits[bytes[i] >> 4];
        dst[2 * i + 1] = (uint8_t)hex_digits[bytes[i] & 0x0F];
    }
    return 2 * length;
}

/* ---- decode: text -> bytes -----------------------------------------------------------
 * The fast path takes two ASCII bytes at a time; anything else goes through the code-unit
 * reader, which also carries a surrogate half across a pair boundary.
 */
static inline size_t hex_decode(const uint8_t *text, size_t length, uint8_t *dst, bool write)
{
    buf_text_units_t units = buf_text_units_start(text, length);
    size_t out = 0;
    for (;;) {
        if (!units.pending) {
            size_t pos = units.pos;
            while (pos + 1 < length && ((text[pos] | text[pos + 1]) & 0x80) == 0) {
                const uint8_t high = hex_values[text[pos]], low = hex_values[text[pos + 1]];
                if ((high | low) & 0xF0)
                    return out;
                if (write)
                    dst[out] = (uint8_t)((high << 4) | low);
                out++;
                pos += 2;
            }
            units.pos = pos;
        }
        const int32_t first = buf_text_units_next(&units);
        if (first < 0)
            return out;
        const int32_t second = buf_text_units_next(&units);
        if (second < 0)
            return out; /* odd trailing digit dropped */
        const uint8_t high = hex_values[first & 0xFF], low = hex_values[second & 0xFF];
        if ((high | low) & 0xF0)
            return out;
        if (write)
            dst[out] = (uint8_t)((high << 4) | low);
        out++;
    }
}

size_t buf_hex_decode_length(const uint8_t *text, size_t length)
{
    return hex_decode(text, length, NULL, false);
}

size_t buf_hex_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    return hex_decode(text, length, dst, true);
}

/* ---- strict ----------------------------------------------------------------------------
 * A pair Node drops (a non-digit in it, or a lone last digit) is reported at the pair's
 * first character: that is the first input lost.  A pair Node accepts only through the
 * low-byte truncation (U+0131 as '1') is reported at the truncated character.
 */
size_t buf_hex_strict_offset(const uint8_t *text, size_t length)
{
    buf_text_units_t units = buf_text_units_start(text, length);
    for (;;) {
        const int32_t first = buf_text_units_next(&units);
        if (first < 0)
            return length;
        const size_t first_offset = units.unit_offset;
        const int32_t second = buf_text_units_next(&units);
        if (second < 0)
            return first_offset;
        if ((hex_values[first & 0xFF] | hex_values[second & 0xFF]) & 0xF0)
            return first_offset;
        if (first >= 0x80)
            return first_offset;
        if (second >= 0x80)
            return units.unit_offset;
    }
}
