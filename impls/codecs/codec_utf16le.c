/* codec_utf16le.c — utf16le (aliases ucs2, ucs-2, utf-16le).
 *
 * encode: each little-endian byte pair is one UTF-16 code unit (an odd trailing byte is
 *   dropped, as buf.toString('utf16le') does); the units are written as UTF-8, a
 *   well-formed surrogate pair as one 4-byte sequence and a lone surrogate as U+FFFD
 *   (EF BF BD), as Buffer.from(string, 'utf8') writes it.
 * decode: the text's code units (ill-formed UTF-8 -> U+FFFD, above U+FFFF -> a surrogate
 *   pair), each written as two bytes, low byte first.
 */
#include "codec_internal.h"

/* ---- encode: bytes -> UTF-8 text ------------------------------------------------------ */
static inline uint32_t unit_at(const uint8_t *bytes, size_t index)
{
    return (uint32_t)bytes[2 * index] | ((uint32_t)bytes[2 * index + 1] << 8);
}

static inline bool is_high_surrogate(uint32_t unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
static inline bool is_low_surrogate(uint32_t unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

static inline size_t utf16le_encode(const uint8_t *bytes, size_t length, uint8_t *dst, bool write)
{
    const codec_kernels_t *kernels = codec_kernels();
    const size_t units = length / 2;
    size_t index = 0, out = 0;
    while (index < units) {
        uint32_t unit = unit_at(bytes, index);
        if (unit < 0x80 && write && units - index >= 32) { /* an ASCII run: the SIMD kernel */
            const size_t narrowed = kernels->utf16_ascii_narrow(bytes + 2 * index, 2 * (units - index), dst + out) / 2;
            index += narrowed;
            out += narrowed;
            if (narrowed)
                continue;
        }
        if (unit < 0x80) {
            if (write)
                dst[out] = (uint8_t)unit;
            out++;
            index++;
            continue;
        }
        if (is_high_surrogate(unit) && index + 1 < units) {
            const uint32_t next = unit_at(bytes, index + 1);
            if (is_low_surrogate(next)) {
                const uint32_t cp = 0x10000 + ((unit - 0xD800) << 10) + (next - 0xDC00);
                out += write ? codec_utf8_put(dst + out, cp) : 4;
                index += 2;
                continue;
            }
        }
        if (unit >= 0xD800 && unit <= 0xDFFF)
            unit = CODEC_CP_REPLACEMENT; /* lone surrogate: no UTF-8 form */
        out += write ? codec_utf8_put(dst + out, unit) : codec_utf8_size(unit);
        index++;
    }
    return out;
}

size_t codec_utf16le_encode_length(const uint8_t *bytes, size_t length)
{
    return utf16le_encode(bytes, length, NULL, false);
}

/* ASCII units only (text in a UTF-16 buffer, mostly) are the kernel's alone: return
 * before the general loop's setup (a 64-byte row: 143 -> 111 instructions a call,
 * callgrind, avx2).  The kernel stops at a unit boundary after an ASCII unit, so the
 * general loop goes on with no surrogate pair cut. */
size_t codec_utf16le_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const size_t whole_units = length & ~(size_t)1; /* an odd last byte is dropped */
    const size_t narrowed = codec_kernels()->utf16_ascii_narrow(bytes, whole_units, dst);
    if (narrowed == whole_units)
        return narrowed / 2;
    return narrowed / 2 + utf16le_encode(bytes + narrowed, length - narrowed, dst + narrowed / 2, true);
}

/* ---- decode: UTF-8 text -> bytes ------------------------------------------------------- */
static inline size_t put_unit(uint8_t *dst, uint32_t unit)
{
    dst[0] = (uint8_t)(unit & 0xFF);
    dst[1] = (uint8_t)(unit >> 8);
    return 2;
}

size_t codec_utf16le_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    const codec_kernels_t *kernels = codec_kernels();
    size_t in = 0, out = 0;
    while (in < length) {
        const uint8_t first = text[in];
        if (first < 0x80 && length - in >= 32) { /* an ASCII run: the SIMD kernel */
            const size_t widened = kernels->ascii_widen(text + in, length - in, dst + out);
            in += widened;
            out += 2 * widened;
            if (widened)
                continue;
        }
        if (first < 0x80) {
            dst[out] = first;
            dst[out + 1] = 0;
            out += 2;
            in++;
            continue;
        }
        uint32_t cp;
        in += codec_utf8_read(text + in, length - in, &cp);
        if (cp == CODEC_CP_INVALID) {
            out += put_unit(dst + out, CODEC_CP_REPLACEMENT);
        } else if (cp < 0x10000) {
            out += put_unit(dst + out, cp);
        } else {
            cp -= 0x10000;
            out += put_unit(dst + out, 0xD800u | (cp >> 10));
            out += put_unit(dst + out, 0xDC00u | (cp & 0x3FFu));
        }
    }
    return out;
}
