/* codec_latin1_ascii.c — latin1 (alias binary) and ascii.
 *
 * encode: latin1 maps byte b to U+00bb (two UTF-8 bytes from 0x80 on); ascii clears bit 7
 *   first (Node's toString('ascii') turns 0x80..0xFF into 0x00..0x7F, no U+FFFD).
 * decode: both keep the low byte of each UTF-16 code unit of the text, without masking
 *   (Buffer.from('é', 'ascii') is E9, Buffer.from('€', 'latin1') is AC, and U+1F600's
 *   surrogate pair D83D DE00 gives 3D 00; ill-formed UTF-8 -> U+FFFD -> FD).
 */
#include <string.h>

#include "codec_internal.h"

/* ---- encode: bytes -> UTF-8 text ------------------------------------------------------ */
size_t codec_latin1_encode_length(const uint8_t *bytes, size_t length)
{
    size_t high = 0;
    for (size_t i = 0; i < length; i++)
        high += bytes[i] >> 7;
    return length + high;
}

size_t codec_latin1_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const codec_kernels_t *kernels = codec_kernels();
    /* ASCII bytes (text in a Buffer, mostly) are the kernel's alone: return before the
     * groups' setup (a 64-byte row: 127 -> 109 instructions a call, callgrind, avx2) */
    size_t in = length >= 64 ? kernels->ascii_copy(bytes, length, dst) : 0, out = in;
    if (in == length)
        return length;
    /* Groups of 8: an all-ASCII group is copied; a mixed one is converted without a branch
     * per byte (random data would mispredict half of them): two bytes are always stored and
     * `out` advances by one for ASCII, so the spare store lands where the next character
     * goes.  The loop stops while a byte still follows the group, so the spare store of its
     * last byte stays inside the output; the tail takes the last bytes with a branch. */
    while (in + 8 < length) {
        uint64_t word;
        memcpy(&word, bytes + in, sizeof word);
        if ((word & 0x8080808080808080ull) == 0) {
            if (length - in >= 64) { /* a long ASCII run: checked and copied by the SIMD kernel */
                const size_t copied = kernels->ascii_copy(bytes + in, length - in, dst + out);
                in += copied;
                out += copied;
                if (copied)
                    continue;
            }
            memcpy(dst + out, bytes + in, 8);
            in += 8;
            out += 8;
            continue;
        }
        for (const size_t end = in + 8; in < end; in++) {
            const uint8_t byte = bytes[in];
            const size_t high = byte >> 7;
            dst[out] = high ? (uint8_t)(0xC0 | (byte >> 6)) : byte;
            dst[out + 1] = (uint8_t)(0x80 | (byte & 0x3F));
            out += 1 + high;
        }
    }
    for (; in < length; in++) {
        const uint8_t byte = bytes[in];
        if (byte < 0x80) {
            dst[out++] = byte;
        } else {
            dst[out++] = (uint8_t)(0xC0 | (byte >> 6));
            dst[out++] = (uint8_t)(0x80 | (byte & 0x3F));
        }
    }
    return out;
}

size_t codec_ascii_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    for (size_t i = codec_kernels()->ascii_mask(bytes, length, dst); i < length; i++)
        dst[i] = bytes[i] & 0x7F;
    return length;
}

/* ---- decode: UTF-8 text -> bytes (low byte of each code unit) ------------------------- */
size_t codec_latin1_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    const codec_kernels_t *kernels = codec_kernels();
    size_t in = 0, out = 0;
    while (in < length) {
        const size_t copied = kernels->ascii_copy(text + in, length - in, dst + out);
        in += copied;
        out += copied;
        if (in == length)
            break; /* all ASCII, all copied: no run to measure, no memcpy call of 0 bytes */
        const size_t run = codec_ascii_run(text + in, length - in);
        memcpy(dst + out, text + in, run);
        in += run;
        out += run;
        if (in >= length)
            break;
        uint32_t cp;
        in += codec_utf8_read(text + in, length - in, &cp);
        if (cp == CODEC_CP_INVALID) {
            dst[out++] = CODEC_CP_REPLACEMENT & 0xFF;
        } else if (cp < 0x10000) {
            dst[out++] = (uint8_t)(cp & 0xFF);
        } else {
            /* the low bytes of the surrogate pair D800|hi10, DC00|lo10 */
            cp -= 0x10000;
            dst[out++] = (uint8_t)((cp >> 10) & 0xFF);
            dst[out++] = (uint8_t)(cp & 0xFF);
        }
    }
    return out;
}

size_t codec_latin1_strict_offset(const uint8_t *text, size_t length, uint32_t max_code_point)
{
    size_t in = 0;
    while (in < length) {
        if (text[in] < 0x80 && text[in] <= max_code_point) {
            in++;
            continue;
        }
        uint32_t cp;
        const size_t used = codec_utf8_read(text + in, length - in, &cp);
        /* CODEC_CP_INVALID is above every max_code_point: ill-formed text is reported too */
        if (cp > max_code_point)
            return in;
        in += used;
    }
    return length;
}
