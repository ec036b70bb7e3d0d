/* codec_internal.h — what the codec files share and nobody else sees.
 *
 * Layout of the codecs (one concept per file):
 *   codec.c              names and aliases, argument and overflow checks, dispatch
 *   (the *_alloc conversions into backend memory are the model's: model/codec_alloc.c)
 *   codec_utf8.c         reading UTF-8 text as Node (V8) reads it; utf8 both ways
 *   codec_utf16le.c      utf16le both ways
 *   codec_latin1_ascii.c latin1 and ascii both ways
 *   codec_hex.c          hex both ways
 *   codec_base64.c       base64 and base64url both ways (one lenient decoder)
 *   codec_stream.c       the streaming converters: chunks cut at whole characters, what a
 *                        chunk ends inside of carried to the next (buf_codec_stream_t)
 *   codec_simd.c         the SIMD level: CPU detection, BUFBENCH_SIMD, the kernel tables
 *   codec_simd_sse42.c   the kernels at 16 bytes per step (SSSE3 shuffles, SSE4.1 blends)
 *   codec_simd_avx2.c    the kernels at 32 bytes per step
 *   codec_utf8_sse42.c, codec_utf8_avx2.c   the UTF-8 validators (with codec_utf8_simd.h)
 *
 * Every per-encoding function comes as a pair: `*_length` returns the exact output size,
 * `*_write` writes exactly that many bytes and returns the count.  The writers never check
 * capacity: codec.c calls them only after the destination was shown to be big enough
 * (capacity >= bound, or capacity >= exact length), and the counters need no overflow
 * checks: codec.c calls anything only after the direction's bound was shown to fit in
 * size_t, and no count exceeds it.  Inputs and outputs are never NULL here (codec.c
 * substitutes an empty array), so no pointer arithmetic touches NULL.  The levels' entries
 * (codec_kernels_t: encode_entry, decode_entry) are the exception: they take the public
 * call's arguments as they are, test pointers and capacity themselves, and leave every
 * case they do not take to codec.c's checked entries.
 */
#ifndef CODEC_INTERNAL_H
#define CODEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf_codec.h"

/* ---- SIMD kernels (codec_simd*.c) ------------------------------------------------------
 * A kernel does the bulk of a hot loop and leaves the rest to the scalar code: it converts
 * whole blocks from the start of its input while they are the simple case (pure base64
 * alphabet, pure hex digits, pure ASCII), and returns how much INPUT it consumed (0 is
 * always a correct answer; the scalar level's kernels return 0).  The output of a
 * consumed prefix is exactly what the scalar code writes for it, so the scalar code goes
 * on from the returned position as if it had done the blocks itself; at a block holding
 * anything else (an unknown character, '=', a non-digit, a byte >= 0x80) the kernel stops
 * before that block and the scalar code meets the character at its exact position.
 * Kernels never read past `length` input bytes and never write past the output of what
 * they consumed (unaligned access through loadu/storeu only).
 */
/* A one-shot writer: input -> dst (room for the exact output), returns the bytes written. */
typedef size_t (*codec_writer_t)(const uint8_t *input, size_t length, uint8_t *dst);

/* An entry: buf_encode's / buf_decode's own arguments, nothing checked yet.  buf_encode and
 * buf_decode send base64 and base64url to the level's entry by one indexed jump. */
typedef buf_status_t (*codec_entry_t)(buf_encoding_t encoding, const uint8_t *input, size_t length, uint8_t *dst,
                                      size_t dst_capacity, size_t *written);

typedef struct codec_kernels {
    buf_simd_level_t level;
    /* base64: consumes a multiple of 3 bytes, writes 4 characters per 3 (url: - _) */
    size_t (*base64_encode)(const uint8_t *bytes, size_t length, uint8_t *dst, bool url);
    /* base64 decode, both alphabets: consumes a multiple of 4 characters, writes 3 bytes per 4 */
    size_t (*base64_decode)(const uint8_t *text, size_t length, uint8_t *dst);
    /* hex: consumes bytes, writes 2 lowercase digits per byte */
    size_t (*hex_encode)(const uint8_t *bytes, size_t length, uint8_t *dst);
    /* hex decode: consumes an even number of digits (either case), writes 1 byte per 2 */
    size_t (*hex_decode)(const uint8_t *text, size_t length, uint8_t *dst);
    /* ASCII: the length of an ASCII prefix (not always all of it: the scalar code finishes) */
    size_t (*ascii_prefix)(const uint8_t *text, size_t length);
    /* ...the same, copying it to dst */
    size_t (*ascii_copy)(const uint8_t *text, size_t length, uint8_t *dst);
    /* ...the same, writing each byte as a UTF-16LE code unit (2 bytes out per byte) */
    size_t (*ascii_widen)(const uint8_t *text, size_t length, uint8_t *dst);
    /* UTF-16LE units below 0x80 to one byte each: consumes a multiple of 2 bytes (units),
     * returns the BYTES consumed and writes half as many */
    size_t (*utf16_ascii_narrow)(const uint8_t *bytes, size_t length, uint8_t *dst);
    /* ascii encode: every byte with bit 7 cleared; consumes any prefix */
    size_t (*ascii_mask)(const uint8_t *bytes, size_t length, uint8_t *dst);
    /* UTF-8: the length of a prefix of well-formed text ending at a character boundary,
     * copied to dst unless dst is NULL.  text[0] must be at a character boundary.  The
     * SIMD levels take well-formed text whole (from 19 bytes at sse42, 35 at avx2; the
     * scalar code does shorter texts) and otherwise stop at most 64 bytes before the
     * first ill-formed byte or a character cut by the end, so the scalar code that finds
     * the exact byte has little to read.  A copying kernel may also have written anywhere
     * in dst[0, length) past the prefix it returns (blocks stored before their check, the
     * text's last block stored once more): the scalar code writes those positions again,
     * and they are inside the output, since sanitizing never shrinks text. */
    size_t (*utf8_valid_prefix)(const uint8_t *text, size_t length, uint8_t *dst);
    /* The one-shot writers by encoding (codec.c's codec_encode_write / codec_decode_write
     * are one indexed call through these): the whole conversion, each writing what the
     * scalar writer (codec_*_write) writes.  Most entries are those scalar writers, which
     * call the kernels above; a level with a kernel worth inlining has its own (avx2:
     * base64 both ways, with the last short block, the last partial group and the '='
     * padding in one SIMD block; hex decode, digits only; utf16le and latin1 both ways and
     * ascii decode, ASCII converted whole).  One indexed load replaces a switch, the table
     * load and the kernel's indirect call (CODEC_WRITERS below). */
    codec_writer_t encode_write[BUF_ENC_COUNT];
    codec_writer_t decode_write[BUF_ENC_COUNT];
    /* The entries of hex, base64 and base64url (the other encodings' are unused; hex's
     * only in decode_entry: buf_encode calls codec.c's entry for hex directly), each the
     * whole public call: most are codec.c's checked entries (codec_binary_text_*_entry:
     * pointer and capacity checks, then the writer above); a level with a short path worth
     * taking before those checks has its own (avx2: base64 and base64url of 64-byte rows'
     * sizes, the capacity test folded into the kernel, which knows the exact size; hex
     * decode of 32..257 characters), and
     * goes to codec.c's entry for anything else (CODEC_ENTRIES below). */
    codec_entry_t encode_entry[BUF_ENC_COUNT];
    codec_entry_t decode_entry[BUF_ENC_COUNT];
    /* utf8 either way once the arguments are checked (text and dst not NULL, dst_capacity
     * >= length, length <= SIZE_MAX / 3) and the short ASCII copy did not take the text:
     * the one-pass check-and-copy, else the general path.  codec.c's codec_utf8_copy_whole
     * (the kernel above by an indirect call) at most levels; avx2 has its own for texts of
     * 32..64 bytes, with the kernel inlined (codec_utf8_avx2.c). */
    codec_entry_t utf8_copy_whole;
} codec_kernels_t;

/* codec.c's one-pass utf8 conversion, the checks passed (utf8_copy_whole above). */
buf_status_t codec_utf8_copy_whole(buf_encoding_t utf8, const uint8_t *text, size_t length, uint8_t *dst,
                                   size_t dst_capacity, size_t *written);

/* codec.c's entries of hex, base64 and base64url (any level): the pointer checks, one
 * capacity test, the level's writer. */
buf_status_t codec_binary_text_encode_entry(buf_encoding_t encoding, const uint8_t *bytes, size_t length, uint8_t *dst,
                                            size_t dst_capacity, size_t *written);
buf_status_t codec_binary_text_decode_entry(buf_encoding_t encoding, const uint8_t *text, size_t length, uint8_t *dst,
                                            size_t dst_capacity, size_t *written);
#define CODEC_ENTRIES(hex, base64, base64url)                                        \
    {                                                                                \
        [BUF_ENC_HEX] = (hex), [BUF_ENC_BASE64] = (base64), [BUF_ENC_BASE64URL] = (base64url) \
    }

/* The scalar writers of every encoding but those given (utf16le and latin1 both ways,
 * latin1's decode also ascii's; hex decode; base64): a level's table says `.encode_write =
 * CODEC_ENCODE_WRITERS(...)` and names its own writers or the scalar ones there. */
#define CODEC_ENCODE_WRITERS(utf16le, latin1, base64, base64url)                                           \
    {                                                                                                      \
        [BUF_ENC_UTF8] = codec_utf8_sanitize_write, [BUF_ENC_UTF16LE] = (utf16le),                         \
        [BUF_ENC_LATIN1] = (latin1), [BUF_ENC_ASCII] = codec_ascii_encode_write,                           \
        [BUF_ENC_HEX] = codec_hex_encode_write, [BUF_ENC_BASE64] = (base64), [BUF_ENC_BASE64URL] = (base64url) \
    }
#define CODEC_DECODE_WRITERS(utf16le, latin1, hex, base64)                                                 \
    {                                                                                                      \
        [BUF_ENC_UTF8] = codec_utf8_sanitize_write, [BUF_ENC_UTF16LE] = (utf16le),                         \
        [BUF_ENC_LATIN1] = (latin1), [BUF_ENC_ASCII] = (latin1), [BUF_ENC_HEX] = (hex),                    \
        [BUF_ENC_BASE64] = (base64), [BUF_ENC_BASE64URL] = (base64)                                        \
    }

/* Copies n <= 32 bytes with two overlapping moves of 16, 8 or 4 bytes (or up to three
 * single bytes): how the kernels read and write a last, short block through a padded copy.
 * A memcpy call of a variable size costs ~30 instructions, about what the block's
 * conversion does. */
static inline void codec_copy_short(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (n >= 16) {
        memcpy(dst, src, 16);
        memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else if (n > 0) {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

extern const codec_kernels_t codec_kernels_scalar;
#if defined(__x86_64__) || defined(__i386__)
#define CODEC_HAVE_X86_KERNELS 1
extern const codec_kernels_t codec_kernels_sse42;
extern const codec_kernels_t codec_kernels_avx2;
/* The UTF-8 kernels have files of their own (codec_utf8_sse42.c, codec_utf8_avx2.c). */
size_t codec_utf8_sse42_valid_prefix(const uint8_t *text, size_t length, uint8_t *dst);
size_t codec_utf8_avx2_valid_prefix(const uint8_t *text, size_t length, uint8_t *dst);
buf_status_t codec_utf8_avx2_copy_whole(buf_encoding_t utf8, const uint8_t *text, size_t length, uint8_t *dst,
                                        size_t dst_capacity, size_t *written);
#endif

/* The kernels of the level in use: one atomic load; the first call chooses the level. */
const codec_kernels_t *codec_kernels_select(void);
extern const codec_kernels_t *codec_kernels_active;
static inline const codec_kernels_t *codec_kernels(void)
{
    const codec_kernels_t *kernels = __atomic_load_n(&codec_kernels_active, __ATOMIC_ACQUIRE);
    return kernels ? kernels : codec_kernels_select();
}

/* ---- Reading UTF-8 text as Node reads it ---------------------------------------------
 * Node's buf.toString('utf8') is V8's WHATWG-conformant UTF-8 decoder: every "maximal
 * subpart" of an ill-formed sequence becomes one U+FFFD.  A lead byte's allowed second
 * byte range excludes overlongs (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and code
 * points above U+10FFFF (F4 90..BF); C0, C1 and F5..FF are never leads.
 */

/* Code point value that codec_utf8_read returns for an ill-formed subpart. */
#define CODEC_CP_INVALID 0xFFFFFFFFu
#define CODEC_CP_REPLACEMENT 0xFFFDu

typedef struct codec_utf8_lead {
    uint8_t length; /* 1..4 for a lead byte, 0 for a byte that cannot start a sequence */
    uint8_t low;    /* allowed range of the second byte */
    uint8_t high;
} codec_utf8_lead_t;

extern const codec_utf8_lead_t codec_utf8_leads[256];

/* Reads one code point from p[0..avail), avail >= 1.  Returns the bytes consumed (1..4)
 * and sets *cp, or CODEC_CP_INVALID for a maximal ill-formed subpart (Node: one U+FFFD). */
static inline size_t codec_utf8_read(const uint8_t *p, size_t avail, uint32_t *cp)
{
    const uint8_t first = p[0];
    if (first < 0x80) {
        *cp = first;
        return 1;
    }
    const codec_utf8_lead_t lead = codec_utf8_leads[first];
    if (lead.length == 0 || avail < 2 || p[1] < lead.low || p[1] > lead.high) {
        *cp = CODEC_CP_INVALID;
        return 1;
    }
    /* 0x7F >> length keeps the payload bits of the lead: 0x1F, 0x0F, 0x07. */
    uint32_t value = ((uint32_t)(first & (0x7Fu >> lead.length)) << 6) | (p[1] & 0x3Fu);
    if (lead.length == 2) {
        *cp = value;
        return 2;
    }
    if (avail < 3 || (p[2] & 0xC0) != 0x80) {
        *cp = CODEC_CP_INVALID;
        return 2;
    }
    value = (value << 6) | (p[2] & 0x3Fu);
    if (lead.length == 3) {
        *cp = value;
        return 3;
    }
    if (avail < 4 || (p[3] & 0xC0) != 0x80) {
        *cp = CODEC_CP_INVALID;
        return 3;
    }
    *cp = (value << 6) | (p[3] & 0x3Fu);
    return 4;
}

/* Length of the ASCII prefix of p[0..length).  Text is mostly ASCII: eight bytes are
 * tested per step (any high bit ends the run). */
static inline size_t codec_ascii_run(const uint8_t *p, size_t length)
{
    size_t i = 0;
    /* A run of 64 bytes or more goes to the SIMD kernel; shorter runs (the words between
     * the characters of multilingual text) stay here, where a call would cost more. */
    if (length >= 64) {
        uint64_t first;
        memcpy(&first, p, sizeof first);
        if ((first & 0x8080808080808080ull) == 0)
            i = codec_kernels()->ascii_prefix(p, length);
    }
    for (; i + 8 <= length; i += 8) {
        uint64_t word;
        memcpy(&word, p + i, sizeof word);
        if (word & 0x8080808080808080ull)
            break;
    }
    while (i < length && p[i] < 0x80)
        i++;
    return i;
}

/* Bytes of UTF-8 for a code point (<= 0x10FFFF; surrogates count 3 like any BMP value). */
static inline size_t codec_utf8_size(uint32_t cp)
{
    return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* Writes cp as UTF-8 at dst; returns the bytes written (codec_utf8_size(cp)). */
static inline size_t codec_utf8_put(uint8_t *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (uint8_t)(0xC0 | (cp >> 6));
        dst[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (uint8_t)(0xE0 | (cp >> 12));
        dst[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (uint8_t)(0xF0 | (cp >> 18));
    dst[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- UTF-16 code units of UTF-8 text ------------------------------------------------
 * Node's decoders for latin1, ascii, hex and base64 see the JS string: UTF-16 code units.
 * A code point above U+FFFF is two units (a surrogate pair), an ill-formed subpart one
 * U+FFFD.  The reader hands out units one by one and remembers where each came from, so
 * strict mode can name the byte offset of the first unit Node drops or replaces.
 */
typedef struct codec_text_units {
    const uint8_t *text;
    size_t length;
    size_t pos;          /* next unread byte of text */
    uint32_t pending;    /* low surrogate still to hand out; 0 = none (never a surrogate) */
    size_t unit_offset;  /* byte offset of the code point behind the last unit */
} codec_text_units_t;

static inline codec_text_units_t codec_text_units_start(const uint8_t *text, size_t length)
{
    codec_text_units_t units = {text, length, 0, 0, 0};
    return units;
}

/* The next code unit (0..0xFFFF), or -1 at the end of the text. */
static inline int32_t codec_text_units_next(codec_text_units_t *units)
{
    if (units->pending) {
        const int32_t low = (int32_t)units->pending;
        units->pending = 0;
        return low; /* unit_offset stays that of the pair's code point */
    }
    if (units->pos >= units->length)
        return -1;
    units->unit_offset = units->pos;
    const uint8_t first = units->text[units->pos];
    if (first < 0x80) {
        units->pos++;
        return first;
    }
    uint32_t cp;
    units->pos += codec_utf8_read(units->text + units->pos, units->length - units->pos, &cp);
    if (cp == CODEC_CP_INVALID)
        return CODEC_CP_REPLACEMENT; /* strict mode sees it as a unit >= 0x80 */
    if (cp >= 0x10000) {
        cp -= 0x10000;
        units->pending = 0xDC00u | (cp & 0x3FFu);
        return (int32_t)(0xD800u | (cp >> 10));
    }
    return (int32_t)cp;
}

/* Number of UTF-16 code units in the text as Node reads it (the JS string's .length). */
size_t codec_text_unit_count(const uint8_t *text, size_t length);

/* ---- Per-encoding converters ---------------------------------------------------------- */
/* utf8: encode and decode are the same operation — ill-formed subparts become EF BF BD. */
size_t codec_utf8_sanitized_length(const uint8_t *text, size_t length);
size_t codec_utf8_sanitize_write(const uint8_t *text, size_t length, uint8_t *dst);
/* Well-formed text sanitizes to itself: copies it to dst (room for `length` bytes) and
 * returns true in one pass, or returns false (dst written in part) at the first
 * ill-formed subpart.  Inline down to the kernel call: the kernel takes well-formed text
 * whole, and the rest (whatever it left, checked by the scalar reader) is out of line. */
bool codec_utf8_copy_rest_if_well_formed(const uint8_t *text, size_t checked, size_t length, uint8_t *dst);
static inline bool codec_utf8_copy_if_well_formed(const uint8_t *text, size_t length, uint8_t *dst)
{
    const size_t checked = codec_kernels()->utf8_valid_prefix(text, length, dst);
    return checked == length || codec_utf8_copy_rest_if_well_formed(text, checked, length, dst);
}
/* Byte offset of the first ill-formed subpart, or `length` if the text is valid UTF-8. */
size_t codec_utf8_first_invalid(const uint8_t *text, size_t length);

size_t codec_utf16le_encode_length(const uint8_t *bytes, size_t length);
size_t codec_utf16le_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst);
size_t codec_utf16le_decode_write(const uint8_t *text, size_t length, uint8_t *dst);
/* decode length is 2 * codec_text_unit_count */

size_t codec_latin1_encode_length(const uint8_t *bytes, size_t length);
size_t codec_latin1_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst);
size_t codec_ascii_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst);
/* latin1 and ascii decode alike (low byte of each unit); length = codec_text_unit_count. */
size_t codec_latin1_decode_write(const uint8_t *text, size_t length, uint8_t *dst);
/* First code point above max_code_point (0xFF latin1, 0x7F ascii) or ill-formed subpart. */
size_t codec_latin1_strict_offset(const uint8_t *text, size_t length, uint32_t max_code_point);

size_t codec_hex_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst);
size_t codec_hex_decode_length(const uint8_t *text, size_t length);
size_t codec_hex_decode_write(const uint8_t *text, size_t length, uint8_t *dst);
size_t codec_hex_strict_offset(const uint8_t *text, size_t length);

size_t codec_base64_encode_length(size_t length, bool url);
size_t codec_base64_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst, bool url);
size_t codec_base64_standard_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst); /* url false */
size_t codec_base64url_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst);         /* url true */
size_t codec_base64_decode_length(const uint8_t *text, size_t length);
size_t codec_base64_decode_write(const uint8_t *text, size_t length, uint8_t *dst);
size_t codec_base64_byte_length(const uint8_t *text, size_t length);
/* The characters of each sextet value: base64's (+ /) and base64url's (- _). */
extern const char codec_base64_alphabet[65];
extern const char codec_base64url_alphabet[65];
/* The sextet value of each byte of base64 text, either alphabet: 0..63, or one of these
 * two (bit 7 set in both, so one test of a group's OR rejects it). */
#define CODEC_BASE64_PAD 0xFE  /* '=': decoding stops */
#define CODEC_BASE64_SKIP 0xFF /* any other byte: skipped (or part of a character that is) */
extern const uint8_t codec_base64_sextet_values[256];
size_t codec_base64_strict_offset(const uint8_t *text, size_t length);

/* ---- Dispatch (codec.c) ---------------------------------------------------------------
 * The one-shot writers by encoding; dst holds at least the exact output size. */
size_t codec_encode_write(buf_encoding_t encoding, const uint8_t *bytes, size_t length, uint8_t *dst);
size_t codec_decode_write(buf_encoding_t encoding, const uint8_t *text, size_t length, uint8_t *dst);

/* ---- Streaming decode state machines (codec_hex.c, codec_base64.c) -------------------
 * codec_stream.c hands them pieces of whole code points (never a split UTF-8 sequence);
 * the pair or group in progress lives in the stream (pending, bits, stopped).  dst holds
 * at least codec's decode bound of length + 3 bytes.  The strict scanners look at a piece
 * whose first byte is at `base` in the whole stream and return true with *bad set once the
 * offset of the first offending byte is certain (their state: the strict_* fields). */
size_t codec_hex_stream_decode(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint8_t *dst);
bool codec_hex_stream_strict(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint64_t base,
                             uint64_t *bad);
bool codec_hex_stream_strict_end(const buf_codec_stream_t *stream, uint64_t *bad);
size_t codec_base64_stream_decode(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint8_t *dst);
size_t codec_base64_stream_decode_end(buf_codec_stream_t *stream, uint8_t *dst);
bool codec_base64_stream_strict(buf_codec_stream_t *stream, const uint8_t *text, size_t length, uint64_t base,
                                uint64_t *bad);
bool codec_base64_stream_strict_end(const buf_codec_stream_t *stream, uint64_t *bad);

#endif
