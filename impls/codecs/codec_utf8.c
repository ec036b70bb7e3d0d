/* codec_utf8.c — reading UTF-8 text as Node reads it, and the utf8 encoding.
 *
 * In both directions utf8 is the same operation on UTF-8 text: Node reads the bytes
 * (buf.toString('utf8') / Buffer.from(text).toString()), replacing each maximal ill-formed
 * subpart with U+FFFD, and writes the JS string back as UTF-8, so well-formed sequences
 * pass through unchanged and each ill-formed subpart becomes EF BF BD.  A BOM is kept.
 */
#include <string.h>

#include "codec_internal.h"

/* ---- The lead-byte table --------------------------------------------------------------
 * One entry per byte: sequence length and the allowed range of the second byte (the only
 * byte whose range depends on the lead; bytes three and four are always 80..BF).
 */
#define ASCII_ {1, 0x00, 0x7F}
#define NOLEAD {0, 0x00, 0x00}
#define LEAD2_ {2, 0x80, 0xBF}
#define LEAD3_ {3, 0x80, 0xBF}
#define LEAD4_ {4, 0x80, 0xBF}
#define ROW16(e) e, e, e, e, e, e, e, e, e, e, e, e, e, e, e, e

const codec_utf8_lead_t codec_utf8_leads[256] = {
    /* 00..7F */ ROW16(ASCII_), ROW16(ASCII_), ROW16(ASCII_), ROW16(ASCII_),
    ROW16(ASCII_), ROW16(ASCII_), ROW16(ASCII_), ROW16(ASCII_),
    /* 80..BF: continuation bytes never start a sequence */
    ROW16(NOLEAD), ROW16(NOLEAD), ROW16(NOLEAD), ROW16(NOLEAD),
    /* C0, C1: would only encode overlong forms of U+0000..U+007F */
    NOLEAD, NOLEAD, LEAD2_, LEAD2_, LEAD2_, LEAD2_, LEAD2_, LEAD2_,
    LEAD2_, LEAD2_, LEAD2_, LEAD2_, LEAD2_, LEAD2_, LEAD2_, LEAD2_,
    /* D0..DF */ ROW16(LEAD2_),
    /* E0: A0.. excludes overlongs; ED: ..9F excludes the surrogates D800..DFFF */
    {3, 0xA0, 0xBF}, LEAD3_, LEAD3_, LEAD3_, LEAD3_, LEAD3_, LEAD3_, LEAD3_,
    LEAD3_, LEAD3_, LEAD3_, LEAD3_, LEAD3_, {3, 0x80, 0x9F}, LEAD3_, LEAD3_,
    /* F0: 90.. excludes overlongs; F4: ..8F stops at U+10FFFF; F5..FF never lead */
    {4, 0x90, 0xBF}, LEAD4_, LEAD4_, LEAD4_, {4, 0x80, 0x8F}, NOLEAD, NOLEAD, NOLEAD,
    NOLEAD, NOLEAD, NOLEAD, NOLEAD, NOLEAD, NOLEAD, NOLEAD, NOLEAD,
};

/* ---- Validation ------------------------------------------------------------------------
 * The SIMD kernel (codec_internal.h: utf8_valid_prefix) takes well-formed text whole and
 * stops close before anything else; the scalar reader below finds the exact byte from
 * there, so each ill-formed subpart costs one kernel call and a short scalar read.
 */

/* Offset of the first ill-formed subpart at or after `in' (or `length'), the subpart's
 * size in *bad_size, read by the scalar code alone (ASCII runs 8 bytes per step). */
static inline size_t scalar_next_invalid(const uint8_t *text, size_t in, size_t length, size_t *bad_size)
{
    while (in < length) {
        in += codec_ascii_run(text + in, length - in);
        if (in >= length)
            break;
        uint32_t cp;
        const size_t used = codec_utf8_read(text + in, length - in, &cp);
        if (cp == CODEC_CP_INVALID) {
            *bad_size = used;
            return in;
        }
        in += used;
    }
    *bad_size = 0;
    return length;
}

/* The same, the kernel checking first (reading only). */
static inline size_t next_invalid(const uint8_t *text, size_t in, size_t length, size_t *bad_size)
{
    in += codec_kernels()->utf8_valid_prefix(text + in, length - in, NULL);
    return scalar_next_invalid(text, in, length, bad_size);
}

size_t codec_utf8_first_invalid(const uint8_t *text, size_t length)
{
    size_t bad_size;
    return next_invalid(text, 0, length, &bad_size);
}

/* ---- Sanitizing (utf8 encode and decode) ---------------------------------------------
 * Copy each well-formed span, write EF BF BD for each ill-formed subpart.
 */
static const uint8_t replacement_utf8[3] = {0xEF, 0xBF, 0xBD};

size_t codec_utf8_sanitized_length(const uint8_t *text, size_t length)
{
    size_t in = 0, out = 0, bad_size;
    while (in < length) {
        const size_t bad = next_invalid(text, in, length, &bad_size);
        out += bad - in;
        if (bad >= length)
            break;
        out += sizeof replacement_utf8;
        in = bad + bad_size;
    }
    return out;
}

size_t codec_utf8_sanitize_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    const codec_kernels_t *kernels = codec_kernels();
    size_t in = 0, out = 0, bad_size;
    while (in < length) {
        /* well-formed text is checked and copied in one pass (the common case) */
        const size_t copied = kernels->utf8_valid_prefix(text + in, length - in, dst + out);
        in += copied;
        out += copied;
        if (in >= length)
            break;
        const size_t bad = scalar_next_invalid(text, in, length, &bad_size);
        memcpy(dst + out, text + in, bad - in);
        out += bad - in;
        if (bad >= length)
            break;
        memcpy(dst + out, replacement_utf8, sizeof replacement_utf8);
        out += sizeof replacement_utf8;
        in = bad + bad_size;
    }
    return out;
}

bool codec_utf8_copy_rest_if_well_formed(const uint8_t *text, size_t checked, size_t length, uint8_t *dst)
{
    size_t bad_size;
    if (scalar_next_invalid(text, checked, length, &bad_size) < length)
        return false;
    memcpy(dst + checked, text + checked, length - checked);
    return true;
}

/* ---- Code units ------------------------------------------------------------------------ */
size_t codec_text_unit_count(const uint8_t *text, size_t length)
{
    size_t in = 0, units = 0;
    while (in < length) {
        const size_t run = codec_ascii_run(text + in, length - in);
        in += run;
        units += run;
        if (in >= length)
            break;
        uint32_t cp;
        in += codec_utf8_read(text + in, length - in, &cp);
        /* an ill-formed subpart is one U+FFFD; above U+FFFF a surrogate pair */
        units += (cp != CODEC_CP_INVALID && cp >= 0x10000) ? 2 : 1;
    }
    return units;
}
