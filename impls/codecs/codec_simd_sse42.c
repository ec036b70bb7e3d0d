/* codec_simd_sse42.c — the SIMD kernels at 16 bytes per step (level "sse42").
 *
 * What each kernel promises is in codec_internal.h ("SIMD kernels"): whole blocks from
 * the start while they are the simple case, the consumed input returned, the scalar code
 * finishing.  Every function carries the target attribute instead of the file getting
 * -msse4.2, so every build variant (plain, sanitizers, fuzzers, gcc or clang) compiles it
 * with no Makefile flags, and nothing outside these functions can use the instructions on
 * a CPU without them (codec_simd.c checks the CPU before pointing at this table).
 *
 * The base64 techniques (the multiply-shift sextet split, the saturating-subtract range
 * lookup, the maddubs/madd merge) are Wojciech Muła's and Daniel Lemire's, written anew
 * here; the base64 decode classification accepts both alphabets at once, as Node does.
 */
#include "codec_internal.h"

#ifdef CODEC_HAVE_X86_KERNELS
#include <immintrin.h>

#define SSE42 __attribute__((target("sse4.2")))

/* ---- base64 encode: 12 bytes -> 16 characters ------------------------------------------
 * 1. pshufb puts the 3 bytes of each group into one 32-bit lane as [b1 b0 b2 b1], so each
 *    sextet sits in a 16-bit half where one multiply can move it into its own byte;
 * 2. the mulhi/mullo pair shifts the four sextets into the four bytes of the lane;
 * 3. the character is sextet + an offset chosen by the sextet's range: subs(sextet, 51)
 *    is 0 for 0..51 and 1..12 for 52..63, and A..Z (0..25) is marked as 13, so a 16-entry
 *    pshufb table holds the offset of every range (the last two are + / or - _).
 */
SSE42 static inline __m128i base64_sextets(__m128i bytes)
{
    const __m128i grouped = _mm_shuffle_epi8(bytes, _mm_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10));
    const __m128i first_third = _mm_mulhi_epu16(_mm_and_si128(grouped, _mm_set1_epi32(0x0FC0FC00)),
                                                _mm_set1_epi32(0x04000040));
    const __m128i second_fourth = _mm_mullo_epi16(_mm_and_si128(grouped, _mm_set1_epi32(0x003F03F0)),
                                                  _mm_set1_epi32(0x01000010));
    return _mm_or_si128(first_third, second_fourth);
}

SSE42 static inline __m128i base64_characters(__m128i sextets, __m128i offsets)
{
    __m128i range = _mm_subs_epu8(sextets, _mm_set1_epi8(51));
    const __m128i upper = _mm_cmpgt_epi8(_mm_set1_epi8(26), sextets);
    range = _mm_or_si128(range, _mm_and_si128(upper, _mm_set1_epi8(13)));
    return _mm_add_epi8(sextets, _mm_shuffle_epi8(offsets, range));
}

/* offset per range: 26..51 -> 'a'-26, 52..61 -> '0'-52, 62, 63, 0..25 -> 'A' */
SSE42 static inline __m128i base64_offsets(bool url)
{
    const char plus = url ? '-' - 62 : '+' - 62, slash = url ? '_' - 63 : '/' - 63;
    return _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                         '0' - 52, '0' - 52, plus, slash, 'A', 0, 0);
}

SSE42 static size_t sse42_base64_encode(const uint8_t *bytes, size_t length, uint8_t *dst, bool url)
{
    const __m128i offsets = base64_offsets(url);
    size_t in = 0, out = 0;
    /* a step reads 16 bytes and uses 12 */
    for (; in + 16 <= length; in += 12, out += 16) {
        const __m128i chunk = _mm_loadu_si128((const __m128i *)(const void *)(bytes + in));
        _mm_storeu_si128((__m128i *)(void *)(dst + out), base64_characters(base64_sextets(chunk), offsets));
    }
    return in;
}

/* ---- base64 decode: 16 characters -> 12 bytes --------------------------------------------
 * Classification by nibbles: a character is in one of the alphabets when the bit of its
 * high nibble is clear in the entry of its low nibble.  High nibbles 2..7 have one bit
 * each (0x01..0x20), every other high nibble (controls, bytes >= 0x80) the bit 0x40, which
 * every low-nibble entry sets.  A low-nibble entry sets the bit of each high nibble for
 * which that character is NOT in either alphabet:
 *   2x: only + (2B), - (2D), / (2F)      3x: 0..9       4x: A..O (not @)
 *   5x: P..Z and _ (5F)                  6x: a..o (not `) 7x: p..z
 * The sextet is the character plus an offset chosen by its high nibble, except in row 2
 * (+ - / each their own) and _ (63 from 0x5F).
 */
#define ROW2 0x01
#define ROW3 0x02
#define ROW4 0x04
#define ROW5 0x08
#define ROW6 0x10
#define ROW7 0x20
#define ROW_OTHER 0x40

SSE42 static inline __m128i base64_invalid_rows_by_low_nibble(void)
{
    /* rows in which the character with this low nibble is NOT alphabet */
    return _mm_setr_epi8(ROW_OTHER | ROW2 | ROW4 | ROW6,        /* 0: 0 P p are; space @ ` are not */
                         ROW_OTHER | ROW2, ROW_OTHER | ROW2,    /* 1, 2 */
                         ROW_OTHER | ROW2, ROW_OTHER | ROW2,    /* 3, 4 */
                         ROW_OTHER | ROW2, ROW_OTHER | ROW2,    /* 5, 6 */
                         ROW_OTHER | ROW2, ROW_OTHER | ROW2,    /* 7, 8 */
                         ROW_OTHER | ROW2,                      /* 9 */
                         ROW_OTHER | ROW2 | ROW3,               /* A: J Z j z are; * : are not */
                         ROW_OTHER | ROW3 | ROW5 | ROW7,        /* B: + K k only */
                         ROW_OTHER | ROW2 | ROW3 | ROW5 | ROW7, /* C: L l only */
                         ROW_OTHER | ROW3 | ROW5 | ROW7,        /* D: - M m only */
                         ROW_OTHER | ROW2 | ROW3 | ROW5 | ROW7, /* E: N n only */
                         ROW_OTHER | ROW3 | ROW7);              /* F: / O _ o only */
}

SSE42 static inline __m128i base64_row_bits(void)
{
    return _mm_setr_epi8(ROW_OTHER, ROW_OTHER, ROW2, ROW3, ROW4, ROW5, ROW6, ROW7, ROW_OTHER, ROW_OTHER, ROW_OTHER,
                         ROW_OTHER, ROW_OTHER, ROW_OTHER, ROW_OTHER, ROW_OTHER);
}

/* sextet - character for rows 3..7 (row 2 gets 0: its lookup below adds its offset; _ is fixed up after) */
SSE42 static inline __m128i base64_row_offsets(void)
{
    return _mm_setr_epi8(0, 0, 0, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
}

/* sextet - character in row 2, by low nibble: + (B) and - (D) are 62, / (F) is 63 */
SSE42 static inline __m128i base64_row2_offsets(void)
{
    return _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 62 - '+', 0, 62 - '-', 0, 63 - '/');
}

/* Sextets of 16 characters; false if any is outside both alphabets. */
SSE42 static inline bool base64_decode_sextets(__m128i characters, __m128i *sextets)
{
    const __m128i nibble_mask = _mm_set1_epi8(0x0F);
    const __m128i high = _mm_and_si128(_mm_srli_epi32(characters, 4), nibble_mask);
    const __m128i low = _mm_and_si128(characters, nibble_mask);
    const __m128i row_bits = _mm_shuffle_epi8(base64_row_bits(), high);
    const __m128i invalid = _mm_and_si128(_mm_shuffle_epi8(base64_invalid_rows_by_low_nibble(), low), row_bits);
    if (!_mm_testz_si128(invalid, invalid))
        return false;
    /* No blends (pblendvb is 2 uops on many cores): the row-2 lookup's index is
     * character + 0x50, which keeps row 2 (0x20..0x2F -> 0x70..0x7F) and sends rows 3..7
     * to 0x80..0xCF, where pshufb gives 0; '_' adds 33 to row 5's -65 to get 63 - '_'. */
    const __m128i row2_index = _mm_add_epi8(characters, _mm_set1_epi8(0x50));
    __m128i offsets = _mm_add_epi8(_mm_shuffle_epi8(base64_row_offsets(), high),
                                   _mm_shuffle_epi8(base64_row2_offsets(), row2_index));
    const __m128i underscore = _mm_cmpeq_epi8(characters, _mm_set1_epi8('_'));
    offsets = _mm_add_epi8(offsets, _mm_and_si128(underscore, _mm_set1_epi8(63 - '_' + 65)));
    *sextets = _mm_add_epi8(characters, offsets);
    return true;
}

/* Four sextets per 32-bit lane -> their 24 bits, the 12 bytes packed at the bottom. */
SSE42 static inline __m128i base64_pack(__m128i sextets)
{
    const __m128i pairs = _mm_maddubs_epi16(sextets, _mm_set1_epi32(0x01400140));  /* a*64+b, c*64+d */
    const __m128i groups = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));      /* ab*4096+cd */
    return _mm_shuffle_epi8(groups, _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1));
}

SSE42 static size_t sse42_base64_decode(const uint8_t *text, size_t length, uint8_t *dst)
{
    size_t in = 0, out = 0;
    for (; in + 16 <= length; in += 16, out += 12) {
        __m128i sextets;
        if (!base64_decode_sextets(_mm_loadu_si128((const __m128i *)(const void *)(text + in)), &sextets))
            break;
        const __m128i packed = base64_pack(sextets);
        _mm_storel_epi64((__m128i *)(void *)(dst + out), packed); /* exactly 12 bytes: 8 + 4 */
        const uint32_t last = (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(packed, 8));
        memcpy(dst + out + 8, &last, sizeof last);
    }
    return in;
}

/* ---- hex ------------------------------------------------------------------------------- */
SSE42 static size_t sse42_hex_encode(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const __m128i digits = _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f');
    const __m128i nibble_mask = _mm_set1_epi8(0x0F);
    size_t in = 0;
    for (; in + 16 <= length; in += 16) {
        const __m128i chunk = _mm_loadu_si128((const __m128i *)(const void *)(bytes + in));
        const __m128i high = _mm_shuffle_epi8(digits, _mm_and_si128(_mm_srli_epi16(chunk, 4), nibble_mask));
        const __m128i low = _mm_shuffle_epi8(digits, _mm_and_si128(chunk, nibble_mask));
        _mm_storeu_si128((__m128i *)(void *)(dst + 2 * in), _mm_unpacklo_epi8(high, low));
        _mm_storeu_si128((__m128i *)(void *)(dst + 2 * in + 16), _mm_unpackhi_epi8(high, low));
    }
    return in;
}

/* Digit values of 16 characters; false if any is not a hex digit.  Signed compares: a
 * byte >= 0x80 is negative, below '0' and below 'a', so it is rejected with the rest. */
SSE42 static inline bool hex_values(__m128i characters, __m128i *values)
{
    const __m128i lower = _mm_or_si128(characters, _mm_set1_epi8(0x20));
    const __m128i is_digit = _mm_and_si128(_mm_cmpgt_epi8(characters, _mm_set1_epi8('0' - 1)),
                                           _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), characters));
    const __m128i is_letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                            _mm_cmpgt_epi8(_mm_set1_epi8('f' + 1), lower));
    if (_mm_movemask_epi8(_mm_or_si128(is_digit, is_letter)) != 0xFFFF)
        return false;
    *values = _mm_blendv_epi8(_mm_sub_epi8(lower, _mm_set1_epi8('a' - 10)),
                              _mm_sub_epi8(characters, _mm_set1_epi8('0')), is_digit);
    return true;
}

SSE42 static size_t sse42_hex_decode(const uint8_t *text, size_t length, uint8_t *dst)
{
    size_t in = 0;
    for (; in + 32 <= length; in += 32) {
        __m128i first, second;
        if (!hex_values(_mm_loadu_si128((const __m128i *)(const void *)(text + in)), &first) ||
            !hex_values(_mm_loadu_si128((const __m128i *)(const void *)(text + in + 16)), &second))
            break;
        const __m128i pair_weights = _mm_set1_epi16(0x0110); /* high digit * 16 + low digit */
        const __m128i bytes = _mm_packus_epi16(_mm_maddubs_epi16(first, pair_weights),
                                               _mm_maddubs_epi16(second, pair_weights));
        _mm_storeu_si128((__m128i *)(void *)(dst + in / 2), bytes);
    }
    return in;
}

/* ---- ASCII ------------------------------------------------------------------------------ */
/* The ASCII run from the start, 32 bytes per step, copied to dst when `store`: the one
 * loop behind ascii_prefix and ascii_copy, forced inline so each gets its own loop with
 * the constant `store` folded away (no test per step). */
SSE42 static inline __attribute__((always_inline)) size_t ascii_run(const uint8_t *text, size_t length, uint8_t *dst,
                                                                    bool store)
{
    size_t in = 0;
    for (; in + 32 <= length; in += 32) {
        const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(text + in));
        const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(text + in + 16));
        if (_mm_movemask_epi8(_mm_or_si128(a, b)))
            break;
        if (store) {
            _mm_storeu_si128((__m128i *)(void *)(dst + in), a);
            _mm_storeu_si128((__m128i *)(void *)(dst + in + 16), b);
        }
    }
    return in;
}

SSE42 static size_t sse42_ascii_prefix(const uint8_t *text, size_t length)
{
    return ascii_run(text, length, NULL, false);
}

SSE42 static size_t sse42_ascii_copy(const uint8_t *text, size_t length, uint8_t *dst)
{
    return ascii_run(text, length, dst, true);
}

SSE42 static size_t sse42_ascii_widen(const uint8_t *text, size_t length, uint8_t *dst)
{
    const __m128i zero = _mm_setzero_si128();
    size_t in = 0;
    for (; in + 16 <= length; in += 16) {
        const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(text + in));
        if (_mm_movemask_epi8(a))
            break;
        _mm_storeu_si128((__m128i *)(void *)(dst + 2 * in), _mm_unpacklo_epi8(a, zero));
        _mm_storeu_si128((__m128i *)(void *)(dst + 2 * in + 16), _mm_unpackhi_epi8(a, zero));
    }
    return in;
}

SSE42 static size_t sse42_utf16_ascii_narrow(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const __m128i not_ascii = _mm_set1_epi16((short)0xFF80);
    size_t in = 0;
    for (; in + 32 <= length; in += 32) {
        const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(bytes + in));
        const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(bytes + in + 16));
        if (!_mm_testz_si128(_mm_or_si128(a, b), not_ascii))
            break;
        _mm_storeu_si128((__m128i *)(void *)(dst + in / 2), _mm_packus_epi16(a, b));
    }
    return in;
}

SSE42 static size_t sse42_ascii_mask(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const __m128i low_seven = _mm_set1_epi8(0x7F);
    size_t in = 0;
    for (; in + 16 <= length; in += 16) {
        const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(bytes + in));
        _mm_storeu_si128((__m128i *)(void *)(dst + in), _mm_and_si128(a, low_seven));
    }
    return in;
}

const codec_kernels_t codec_kernels_sse42 = {
    .level = BUF_SIMD_SSE42,
    .base64_encode = sse42_base64_encode,
    .base64_decode = sse42_base64_decode,
    .hex_encode = sse42_hex_encode,
    .hex_decode = sse42_hex_decode,
    .ascii_prefix = sse42_ascii_prefix,
    .ascii_copy = sse42_ascii_copy,
    .ascii_widen = sse42_ascii_widen,
    .utf16_ascii_narrow = sse42_utf16_ascii_narrow,
    .ascii_mask = sse42_ascii_mask,
    .utf8_valid_prefix = codec_utf8_sse42_valid_prefix, /* codec_utf8_sse42.c */
    .encode_write = CODEC_ENCODE_WRITERS(codec_utf16le_encode_write, codec_latin1_encode_write,
                                         codec_base64_standard_encode_write, codec_base64url_encode_write),
    .decode_write = CODEC_DECODE_WRITERS(codec_utf16le_decode_write, codec_latin1_decode_write,
                                         codec_hex_decode_write, codec_base64_decode_write),
    .encode_entry = CODEC_ENTRIES(codec_binary_text_encode_entry, codec_binary_text_encode_entry, codec_binary_text_encode_entry),
    .decode_entry = CODEC_ENTRIES(codec_binary_text_decode_entry, codec_binary_text_decode_entry, codec_binary_text_decode_entry),
    .utf8_copy_whole = codec_utf8_copy_whole,
};
#endif
