/* codec_base64.c — base64 and base64url.
 *
 * encode: base64 uses A-Z a-z 0-9 + / with '=' padding; base64url uses - _ and no padding.
 * decode: ONE lenient decoder for both names (Node's legacy base64_decode): it reads the
 *   LOW BYTE of each UTF-16 code unit of the text, accepts both alphabets (+ and - are 62,
 *   / and _ are 63), skips every other character (whitespace, garbage, U+0100, ...), and
 *   stops at the first '=' — including a code unit whose low byte is 0x3D, such as U+013D
 *   or the high surrogate D83D of U+1F600.  A last group of 2 or 3 characters gives 1 or 2
 *   bytes (their unused low bits are ignored); a single leftover character is dropped.
 */
#include "codec_internal.h"

/* ---- Tables ------------------------------------------------------------------------- */
const char codec_base64_alphabet[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const char codec_base64url_alphabet[65] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Sextet values (codec_internal.h: shared with the SIMD writers' text endings); both
 * special values have bit 7 set, so one test rejects a group. */
#define PAD CODEC_BASE64_PAD
#define NO_ CODEC_BASE64_SKIP
#define ROW16(e) e, e, e, e, e, e, e, e, e, e, e, e, e, e, e, e
const uint8_t codec_base64_sextet_values[256] = {
    ROW16(NO_), ROW16(NO_),
    /* 20..2F: + is 62, - is 62 (url), / is 63 */
    NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_, NO_, 62, NO_, 62, NO_, 63,
    /* 30..3F: digits, '=' */
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, NO_, NO_, NO_, PAD, NO_, NO_,
    /* 40..5F: A..Z, _ is 63 (url) */
    NO_, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, NO_, NO_, NO_, NO_, 63,
    /* 60..7F: a..z */
    NO_, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, NO_, NO_, NO_, NO_, NO_,
    ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_), ROW16(NO_),
};

/* ---- encode: bytes -> text ---------------------------------------------------------- */
size_t codec_base64_encode_length(size_t length, bool url)
{
    const size_t groups = length / 3, rest = length % 3;
    if (url) /* unpadded: a last group of 1 or 2 bytes gives 2 or 3 characters */
        return groups * 4 + (rest ? rest + 1 : 0);
    return (groups + (rest != 0)) * 4;
}

size_t codec_base64_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst, bool url)
{
    const char *alphabet = url ? codec_base64url_alphabet : codec_base64_alphabet;
    size_t in = codec_kernels()->base64_encode(bytes, length, dst, url), out = in / 3 * 4;
    for (; in + 3 <= length; in += 3, out += 4) {
        const uint32_t group = ((uint32_t)bytes[in] << 16) | ((uint32_t)bytes[in + 1] << 8) | bytes[in + 2];
        dst[out] = (uint8_t)alphabet[group >> 18];
        dst[out + 1] = (uint8_t)alphabet[(group >> 12) & 0x3F];
        dst[out + 2] = (uint8_t)alphabet[(group >> 6) & 0x3F];
        dst[out + 3] = (uint8_t)alphabet[group & 0x3F];
    }
    const size_t rest = length - in;
    if (rest) {
        const uint32_t group = ((uint32_t)bytes[in] << 16) | (rest == 2 ? (uint32_t)bytes[in + 1] << 8 : 0);
        dst[out++] = (uint8_t)alphabet[group >> 18];
        dst[out++] = (uint8_t)alphabet[(group >> 12) & 0x3F];
        if (rest == 2)
            dst[out++] = (uint8_t)alphabet[(group >> 6) & 0x3F];
        if (!url) {
            if (rest == 1)
                dst[out++] = '=';
            dst[out++] = '=';
        }
    }
    return out;
}

size_t codec_base64_standard_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    return codec_base64_encode_write(bytes, length, dst, false);
}

size_t codec_base64url_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    return codec_base64_encode_write(bytes, length, dst, true);
}

/* ---- decode: text -> bytes -----------------------------------------------------------
 * The fast path hands whole blocks of pure alphabet characters to the SIMD kernel, then
 * converts four ASCII alphabet characters at a time; at anything else (skipped character,
 * '=', non-ASCII, a group already begun) it falls back to one code unit at a time, and
 * returns to the fast path at the next group boundary.  The length pass (write false)
 * has no output to give a kernel and counts with the scalar loop.
 */
/* The fast path itself, shared by base64_decode and the streaming decoder: from `pos` (a
 * group boundary with no code unit pending), the kernel's whole blocks when writing, then
 * groups of four ASCII alphabet characters, up to the first group holding anything else.
 * Adds the bytes decoded to *out and returns the position the unit-by-unit loop resumes
 * at.  Inlined with a constant `write`, so each caller compiles to its own plain loop. */
static inline size_t base64_decode_whole_groups(const codec_kernels_t *kernels, const uint8_t *text, size_t pos,
                                                size_t length, uint8_t *dst, size_t *out, bool write)
{
    size_t produced = *out;
    if (write) {
        const size_t used = kernels->base64_decode(text + pos, length - pos, dst + produced);
        if (used) { /* the kernel went up to the group holding something else: nothing whole is left */
            *out = produced + used / 4 * 3;
            return pos + used;
        }
    }
    while (pos + 4 <= length) {
        const uint32_t a = codec_base64_sextet_values[text[pos]], b = codec_base64_sextet_values[text[pos + 1]],
                       c = codec_base64_sextet_values[text[pos + 2]], d = codec_base64_sextet_values[text[pos + 3]];
        if ((a | b | c | d) & 0x80)
            break;
        const uint32_t quad = (a << 18) | (b << 12) | (c << 6) | d;
        if (write) {
            dst[produced] = (uint8_t)(quad >> 16);
            dst[produced + 1] = (uint8_t)(quad >> 8);
            dst[produced + 2] = (uint8_t)quad;
        }
        produced += 3;
        pos += 4;
    }
    *out = produced;
    return pos;
}

/* The end of the text (or stream) with a group begun: 2 sextets (12 bits) give one byte,
 * 3 (18 bits) two, their unused low bits ignored; a single leftover character gives none.
 * Writes them at dst[out] (only counts them when write is false: dst may be NULL) and
 * returns the new out. */
static inline size_t base64_decode_last_group(uint32_t group, unsigned sextets, uint8_t *dst, size_t out, bool write)
{
    if (sextets < 2)
        return out;
    if (write) {
        dst[out] = (uint8_t)(group >> (sextets == 2 ? 4 : 10));
        if (sextets == 3)
            dst[out + 1] = (uint8_t)(group >> 2);
    }
    return out + sextets - 1;
}

/* A sextet into the group in progress (*group, *sextets 0..3); a group it completes goes
 * out as 3 bytes at dst[*out] (only counted when write is false).  True when it did. */
static inline bool base64_take_sextet(uint8_t value, uint32_t *group, unsigned *sextets, uint8_t *dst, size_t *out,
                                      bool write)
{
    *group = (*group << 6) | value;
    if (++*sextets < 4)
        return false;
    if (write) {
        dst[*out] = (uint8_t)(*group >> 16);
        dst[*out + 1] = (uint8_t)(*group >> 8);
        dst[*out + 2] = (uint8_t)*group;
    }
    *out += 3;
    *group = 0;
    *sextets = 0;
    return true;
}

/* The decoder both the one-shot and the streaming decode run: from a group in progress
 * (*group, *sextets 0..3), fast path at group boundaries, else one code unit at a time,
 * to the end of the text or the first '=' (*stopped).  Leaves the unfinished group in
 * *group / *sextets and returns the bytes written (counted only when write is false).
 * Forced inline: three callers with a constant `write` each keep their own loop (out of
 * line, the probe in the commit message ran 2% more instructions at the scalar level). */
static inline __attribute__((always_inline)) size_t base64_decode_run(const uint8_t *text, size_t length, uint8_t *dst,
                                                                       bool write, uint32_t *group_io,
                                                                       unsigned *sextets_io, bool *stopped)
{
    const codec_kernels_t *kernels = codec_kernels();
    codec_text_units_t units = codec_text_units_start(text, length);
    uint32_t group = *group_io;
    unsigned sextets = *sextets_io; /* in the current group, 0..3 */
    size_t out = 0;
    *stopped = false;
    for (;;) {
        if (sextets == 0 && !units.pending)
            units.pos = base64_decode_whole_groups(kernels, text, units.pos, length, dst, &out, write);
        int32_t unit;
        if (!units.pending && units.pos < length && text[units.pos] < 0x80)
            unit = text[units.pos++]; /* ASCII is its own code unit: no reader bookkeeping */
        else if ((unit = codec_text_units_next(&units)) < 0)
            break;
        const uint8_t value = codec_base64_sextet_values[unit & 0xFF];
        if (value == PAD) {
            *stopped = true;
            break;
        }
        if (value != NO_)
            base64_take_sextet(value, &group, &sextets, dst, &out, write);
    }
    *group_io = group;
    *sextets_io = sextets;
    return out;
}

static inline size_t base64_decode(const uint8_t *text, size_t length, uint8_t *dst, bool write)
{
    uint32_t group = 0;
    unsigned sextets = 0;
    bool stopped;
    const size_t out = base64_decode_run(text, length, dst, write, &group, &sextets, &stopped);
    return base64_decode_last_group(group, sextets, dst, out, write);
}

size_t codec_base64_decode_length(const uint8_t *text, size_t length)
{
    return base64_decode(text, length, NULL, false);
}

/* The one-shot decode takes the usual text the short way: the kernel's whole groups, then
 * an ASCII ending (the last group's 2 or 3 characters, the '=' padding) byte by byte,
 * without the general loop's setup: a 64-byte row's 88 characters ran 368 instructions
 * a call through the general loop, 335 this way (callgrind, avx2).  Anything else (a group
 * completed here: more may follow for the kernel; a byte >= 0x80) goes on in the general
 * loop from where this stopped, with the group in progress. */
static __attribute__((noinline)) size_t base64_decode_rest(const uint8_t *text, size_t length, uint8_t *dst,
                                                           uint32_t group, unsigned sextets)
{
    bool stopped;
    const size_t out = base64_decode_run(text, length, dst, true, &group, &sextets, &stopped);
    return base64_decode_last_group(group, sextets, dst, out, true);
}

size_t codec_base64_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    size_t pos = codec_kernels()->base64_decode(text, length, dst), out = pos / 4 * 3;
    uint32_t group = 0;
    unsigned sextets = 0;
    while (pos < length && text[pos] < 0x80) {
        const uint8_t value = codec_base64_sextet_values[text[pos++]];
        if (value == PAD)
            return base64_decode_last_group(group, sextets, dst, out, true);
        if (value != NO_ && base64_take_sextet(value, &group, &sextets, dst, &out, true))
            break;
    }
    if (pos == length)
        return base64_decode_last_group(group, sextets, dst, out, true);
    /* out of line: this function then saves no registers for it */
    return out + base64_decode_rest(text + pos, length - pos, dst + out, group, sextets);
}

/* ---- byteLength --------------------------------------------------------------------------
 * Node's base64ByteLength(str, str.length): drop up to two trailing '=' code units, then
 * 3/4 of the rest.  Only an ASCII '=' byte is ever the code unit 0x3D (no multi-byte
 * sequence or U+FFFD has it), so the trailing bytes of the UTF-8 text decide.
 */
size_t codec_base64_byte_length(const uint8_t *text, size_t length)
{
    size_t units = codec_text_unit_count(text, length);
    if (length >= 1 && text[length - 1] == '=') {
        units--;
        if (units > 1 && text[length - 2] == '=')
            units--;
    }
    return units / 4 * 3 + units % 4 * 3 / 4;
}

/* ---- strict --------------------------------------------------------------------------
 * Strict base64 text is: alphabet characters (either alphabet, ASCII only), then padding
 * that completes the last group (QQ==, QQ=, QUI=, or none), then nothing; a last group's
 * unused bits are zero; no single leftover character.  The report is the smallest offset
 * of any of these: a skipped or low-byte-truncated character before the stop; the last
 * character of the data when it is a dropped leftover or carries non-zero unused bits; a
 * '=' where no padding belongs; anything after the padding.
 */
/* A data part that ends with `rest` (sextets mod 4) characters, the last of sextet value
 * last_value, cannot end strict text: a single leftover character, or unused low bits
 * (4 of a 2-character group, 2 of a 3-character one) that are not zero.  Shared with the
 * streaming check below. */
static inline bool ending_is_bad(unsigned rest, uint8_t last_value)
{
    return rest == 1 || (rest == 2 && (last_value & 0x0F)) || (rest == 3 && (last_value & 0x03));
}

size_t codec_base64_strict_offset(const uint8_t *text, size_t length)
{
    codec_text_units_t units = codec_text_units_start(text, length);
    size_t first_bad = length, last_offset = 0, stop_offset = length;
    size_t sextets = 0;
    uint8_t last_value = 0;
    bool stop_truncated = false;
    int32_t unit;
    while ((unit = codec_text_units_next(&units)) >= 0) {
        const uint8_t value = codec_base64_sextet_values[unit & 0xFF];
        if (value == PAD) {
            stop_offset = units.unit_offset;
            stop_truncated = unit >= 0x80;
            break;
        }
        if ((value == NO_ || unit >= 0x80) && first_bad == length)
            first_bad = units.unit_offset;
        if (value != NO_) { /* Node counts a truncated unit as data too */
            sextets++;
            last_offset = units.unit_offset;
            last_value = value;
        }
    }
    size_t tail_bad = length;
    const unsigned rest = (unsigned)(sextets % 4);
    if (ending_is_bad(rest, last_value)) {
        tail_bad = last_offset;
    } else if (stop_offset < length) {
        if (stop_truncated || rest == 0) {
            tail_bad = stop_offset;
        } else {
            unsigned more_padding = 3 - rest; /* QQ= may take one more '=', QUI= none */
            while ((unit = codec_text_units_next(&units)) >= 0) {
                if (unit == '=' && more_padding) {
                    more_padding--;
                    continue;
                }
                tail_bad = units.unit_offset;
                break;
            }
        }
    }
    return first_bad < tail_bad ? first_bad : tail_bad;
}

/* ---- streaming decode ------------------------------------------------------------------
 * base64_decode one piece of whole code points at a time: the group in progress waits in
 * the stream (pending sextets, bits), the first '=' stops the stream for good, and the
 * end of the stream flushes a last group of 2 or 3 characters as base64_decode does.
 */
size_t codec_base64_stream_decode(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint8_t *dst)
{
    if (stream->stopped)
        return 0;
    uint32_t group = stream->bits;
    unsigned sextets = stream->pending;
    bool stopped;
    const size_t out = base64_decode_run(text, length, dst, true, &group, &sextets, &stopped);
    stream->bits = group;
    stream->pending = (uint8_t)sextets;
    stream->stopped = stopped;
    return out;
}

size_t codec_base64_stream_decode_end(buf_codec_stream_t *stream, uint8_t *dst)
{
    const unsigned sextets = stream->pending;
    const uint32_t group = stream->bits;
    stream->pending = 0;
    stream->bits = 0;
    return base64_decode_last_group(group, sextets, dst, 0, true);
}

/* ---- streaming strict ------------------------------------------------------------------
 * codec_base64_strict_offset decides at the end of the text; a stream decides as soon as
 * the answer is certain.  Its answer is min(first skipped or truncated character F, the
 * tail's offending character), and every tail candidate after F is later than F, so:
 *   - a truncated data character, or a skipped one while the group so far would be a
 *     good ending, is the answer at once;
 *   - a skipped character while the group so far would be a bad ending (a leftover
 *     character, non-zero unused bits) waits (strict_state WAITING): the next data
 *     character makes F the answer, the stop or the end makes the last data character
 *     (strict_last, before F) the answer;
 *   - after the '=' stop the padding is checked character by character (strict_bits =
 *     how many more '=' may follow).
 */
enum { STRICT_DATA = 0, STRICT_WAITING = 1, STRICT_PADDING = 2 };

bool codec_base64_stream_strict(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint64_t base,
                                uint64_t *bad)
{
    codec_text_units_t units = codec_text_units_start(text, length);
    int32_t unit;
    while ((unit = codec_text_units_next(&units)) >= 0) {
        const uint64_t offset = base + units.unit_offset;
        const uint8_t value = codec_base64_sextet_values[unit & 0xFF];
        if (stream->strict_state == STRICT_PADDING) {
            if (unit == '=' && stream->strict_bits > 0) {
                stream->strict_bits--;
                continue;
            }
            *bad = offset;
            return true;
        }
        const unsigned rest = stream->strict_bits;
        if (value == PAD) {
            if (stream->strict_state == STRICT_WAITING || ending_is_bad(rest, stream->strict_value)) {
                *bad = stream->strict_last;
                return true;
            }
            if (unit >= 0x80 || rest == 0) {
                *bad = offset;
                return true;
            }
            stream->strict_state = STRICT_PADDING;
            stream->strict_bits = 3 - rest; /* QQ= may take one more '=', QUI= none */
            continue;
        }
        if (stream->strict_state == STRICT_WAITING) {
            if (value == NO_)
                continue;
            *bad = stream->strict_mark;
            return true;
        }
        if (value == NO_ || unit >= 0x80) {
            if (value != NO_ || !ending_is_bad(rest, stream->strict_value)) {
                *bad = offset;
                return true;
            }
            stream->strict_state = STRICT_WAITING;
            stream->strict_mark = offset;
            continue;
        }
        stream->strict_bits = (rest + 1) & 3;
        stream->strict_last = offset;
        stream->strict_value = value;
    }
    return false;
}

bool codec_base64_stream_strict_end(const buf_codec_stream_t *stream, uint64_t *bad)
{
    if (stream->strict_state == STRICT_WAITING ||
        (stream->strict_state == STRICT_DATA && ending_is_bad(stream->strict_bits, stream->strict_value))) {
        *bad = stream->strict_last;
        return true;
    }
    return false;
}
