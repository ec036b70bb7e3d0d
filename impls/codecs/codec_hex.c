/* codec_hex.c — hex.
 *
 * encode: two lowercase digits per byte.
 * decode (Node's hex_decode on the text's UTF-16 code units): digits are read in pairs,
 *   case-insensitively, from the LOW BYTE of each code unit (so U+0131 reads as '1' and
 *   U+FF41 as 'A'); decoding stops at the first pair with a non-digit, and an odd trailing
 *   digit is dropped.  Nothing is an error: Buffer.from('zz', 'hex') is simply empty.
 */
#include <string.h>

#include "codec_internal.h"

/* ---- Tables ------------------------------------------------------------------------- */
/* The two digits of every byte value, so encode does one lookup per byte. */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f"
    "303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f"
    "505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f"
    "707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f"
    "909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
    "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeef"
    "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

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
size_t codec_hex_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    for (size_t i = codec_kernels()->hex_encode(bytes, length, dst); i < length; i++)
        memcpy(dst + 2 * i, hex_pairs + 2 * bytes[i], 2);
    return 2 * length;
}

/* ---- decode: text -> bytes -----------------------------------------------------------
 * The fast path takes two ASCII bytes at a time; anything else goes through the code-unit
 * reader, which also carries a surrogate half across a pair boundary.
 */
static inline size_t hex_decode(const uint8_t *text, size_t length, uint8_t *dst, bool write)
{
    const codec_kernels_t *kernels = codec_kernels();
    codec_text_units_t units = codec_text_units_start(text, length);
    size_t out = 0;
    for (;;) {
        if (!units.pending) {
            size_t pos = units.pos;
            if (write) { /* whole blocks of digits to the SIMD kernel (the count has no output) */
                const size_t used = kernels->hex_decode(text + pos, length - pos, dst + out);
                pos += used;
                out += used / 2;
            }
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
        const int32_t first = codec_text_units_next(&units);
        if (first < 0)
            return out;
        const int32_t second = codec_text_units_next(&units);
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

size_t codec_hex_decode_length(const uint8_t *text, size_t length)
{
    return hex_decode(text, length, NULL, false);
}

/* Text of digits only (a whole buffer's hex) is the kernel's alone: return before the
 * general loop's setup (a 64-byte row: 192 -> 163 instructions a call, callgrind, avx2). */
size_t codec_hex_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    const size_t used = codec_kernels()->hex_decode(text, length, dst);
    if (used == length)
        return used / 2;
    return used / 2 + hex_decode(text + used, length - used, dst + used / 2, true);
}

/* ---- strict ----------------------------------------------------------------------------
 * A pair Node drops (a non-digit in it, or a lone last digit) is reported at the pair's
 * first character: that is the first input lost.  A pair Node accepts only through the
 * low-byte truncation (U+0131 as '1') is reported at the truncated character.
 */
size_t codec_hex_strict_offset(const uint8_t *text, size_t length)
{
    codec_text_units_t units = codec_text_units_start(text, length);
    for (;;) {
        const int32_t first = codec_text_units_next(&units);
        if (first < 0)
            return length;
        const size_t first_offset = units.unit_offset;
        const int32_t second = codec_text_units_next(&units);
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

/* ---- streaming decode ------------------------------------------------------------------
 * The same reading as hex_decode, one piece of whole code points at a time: a digit left
 * without its partner at the end of a piece waits in the stream (pending, bits), and the
 * first pair that is not two digits stops the stream for good (stopped), as it stops
 * Node's decoder for the rest of the string.
 */
size_t codec_hex_stream_decode(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint8_t *dst)
{
    if (stream->stopped)
        return 0;
    const codec_kernels_t *kernels = codec_kernels();
    codec_text_units_t units = codec_text_units_start(text, length);
    size_t out = 0;
    for (;;) {
        if (!stream->pending && !units.pending) {
            size_t pos = units.pos;
            const size_t used = kernels->hex_decode(text + pos, length - pos, dst + out);
            pos += used;
            out += used / 2;
            while (pos + 1 < length && ((text[pos] | text[pos + 1]) & 0x80) == 0) {
                const uint8_t high = hex_values[text[pos]], low = hex_values[text[pos + 1]];
                if ((high | low) & 0xF0) {
                    stream->stopped = 1;
                    return out;
                }
                dst[out++] = (uint8_t)((high << 4) | low);
                pos += 2;
            }
            units.pos = pos;
        }
        const int32_t unit = codec_text_units_next(&units);
        if (unit < 0)
            return out;
        if (!stream->pending) {
            stream->pending = 1;
            stream->bits = (uint32_t)unit;
            continue;
        }
        stream->pending = 0;
        const uint8_t high = hex_values[stream->bits & 0xFF], low = hex_values[unit & 0xFF];
        if ((high | low) & 0xF0) {
            stream->stopped = 1;
            return out;
        }
        dst[out++] = (uint8_t)((high << 4) | low);
    }
}

/* Strict, as codec_hex_strict_offset: every pair is judged when its second unit arrives
 * (strict_state 1 = a first unit is pending, strict_bits its value, strict_mark its offset);
 * a digit still pending at the end is the dropped odd last digit. */
bool codec_hex_stream_strict(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint64_t base,
                             uint64_t *bad)
{
    codec_text_units_t units = codec_text_units_start(text, length);
    int32_t unit;
    while ((unit = codec_text_units_next(&units)) >= 0) {
        const uint64_t offset = base + units.unit_offset;
        if (!stream->strict_state) {
            stream->strict_state = 1;
            stream->strict_bits = (uint32_t)unit;
            stream->strict_mark = offset;
            continue;
        }
        stream->strict_state = 0;
        const uint32_t first = stream->strict_bits;
        if (((hex_values[first & 0xFF] | hex_values[unit & 0xFF]) & 0xF0) || first >= 0x80) {
            *bad = stream->strict_mark;
            return true;
        }
        if (unit >= 0x80) {
            *bad = offset;
            return true;
        }
    }
    return false;
}

bool codec_hex_stream_strict_end(const buf_codec_stream_t *stream, uint64_t *bad)
{
    if (!stream->strict_state)
        return false;
    *bad = stream->strict_mark;
    return true;
}
