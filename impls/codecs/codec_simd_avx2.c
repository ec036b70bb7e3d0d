/* codec_simd_avx2.c — the SIMD kernels at 32 bytes per step (level "avx2").
 *
 * The same kernels as codec_simd_sse42.c (read its comments for the techniques), each
 * 256-bit register holding two 128-bit lanes.  Most AVX2 byte operations (pshufb, pack,
 * unpack) stay inside a lane, so each kernel treats a register as two 16-byte halves and
 * fixes the order once at the end: base64 encode loads its two 12-byte groups into the
 * two lanes; decode and the packs put the lanes' results side by side with one permute.
 * The target attribute (not a -mavx2 flag) keeps every build variant Makefile-free, and
 * codec_simd.c points at this table only on a CPU with AVX2.
 */
#include "codec_internal.h"

#ifdef CODEC_HAVE_X86_KERNELS
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

static inline const __m256i *in256(const uint8_t *p) { return (const __m256i *)(const void *)p; }
static inline __m256i *out256(uint8_t *p) { return (__m256i *)(void *)p; }
static inline const __m128i *in128(const uint8_t *p) { return (const __m128i *)(const void *)p; }
static inline __m128i *out128(uint8_t *p) { return (__m128i *)(void *)p; }

/* ---- base64 encode: 24 bytes -> 32 characters -------------------------------------------- */
AVX2 static inline __m256i base64_sextets(__m256i bytes)
{
    const __m256i grouped = _mm256_shuffle_epi8(
        bytes, _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7,
                                10, 9, 11, 10));
    const __m256i first_third = _mm256_mulhi_epu16(_mm256_and_si256(grouped, _mm256_set1_epi32(0x0FC0FC00)),
                                                   _mm256_set1_epi32(0x04000040));
    const __m256i second_fourth = _mm256_mullo_epi16(_mm256_and_si256(grouped, _mm256_set1_epi32(0x003F03F0)),
                                                     _mm256_set1_epi32(0x01000010));
    return _mm256_or_si256(first_third, second_fourth);
}

AVX2 static inline __m256i base64_characters(__m256i sextets, __m256i offsets)
{
    __m256i range = _mm256_subs_epu8(sextets, _mm256_set1_epi8(51));
    const __m256i upper = _mm256_cmpgt_epi8(_mm256_set1_epi8(26), sextets);
    range = _mm256_or_si256(range, _mm256_and_si256(upper, _mm256_set1_epi8(13)));
    return _mm256_add_epi8(sextets, _mm256_shuffle_epi8(offsets, range));
}

AVX2 static size_t avx2_base64_encode(const uint8_t *bytes, size_t length, uint8_t *dst, bool url)
{
    const char plus = url ? '-' - 62 : '+' - 62, slash = url ? '_' - 63 : '/' - 63;
    const __m128i lane = _mm_setr_epi8('a' - 26, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52,
                                       '0' - 52, '0' - 52, '0' - 52, plus, slash, 'A', 0, 0);
    const __m256i offsets = _mm256_broadcastsi128_si256(lane);
    size_t in = 0, out = 0;
    /* the upper lane's load reads bytes 12..27 of the step and uses 12..23 */
    for (; in + 28 <= length; in += 24, out += 32) {
        const __m256i chunk = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(in128(bytes + in))),
                                                      _mm_loadu_si128(in128(bytes + in + 12)), 1);
        _mm256_storeu_si256(out256(dst + out), base64_characters(base64_sextets(chunk), offsets));
    }
    return in;
}

/* ---- base64 decode: 32 characters -> 24 bytes (classification: codec_simd_sse42.c) ------- */
#define ROW2 0x01
#define ROW3 0x02
#define ROW4 0x04
#define ROW5 0x08
#define ROW6 0x10
#define ROW7 0x20
#define ROW_OTHER 0x40

/* A nonzero byte in the result marks a character outside both alphabets (and '='). */
AVX2 static inline __m256i base64_invalid(__m256i high, __m256i low)
{
    const __m256i invalid_rows_by_low_nibble = _mm256_broadcastsi128_si256(_mm_setr_epi8(
        ROW_OTHER | ROW2 | ROW4 | ROW6, ROW_OTHER | ROW2, ROW_OTHER | ROW2, ROW_OTHER | ROW2, ROW_OTHER | ROW2,
        ROW_OTHER | ROW2, ROW_OTHER | ROW2, ROW_OTHER | ROW2, ROW_OTHER | ROW2, ROW_OTHER | ROW2,
        ROW_OTHER | ROW2 | ROW3, ROW_OTHER | ROW3 | ROW5 | ROW7, ROW_OTHER | ROW2 | ROW3 | ROW5 | ROW7,
        ROW_OTHER | ROW3 | ROW5 | ROW7, ROW_OTHER | ROW2 | ROW3 | ROW5 | ROW7, ROW_OTHER | ROW3 | ROW7));
    const __m256i row_bits = _mm256_broadcastsi128_si256(_mm_setr_epi8(ROW_OTHER, ROW_OTHER, ROW2, ROW3, ROW4, ROW5,
                                                                       ROW6, ROW7, ROW_OTHER, ROW_OTHER, ROW_OTHER,
                                                                       ROW_OTHER, ROW_OTHER, ROW_OTHER, ROW_OTHER,
                                                                       ROW_OTHER));
    return _mm256_and_si256(_mm256_shuffle_epi8(invalid_rows_by_low_nibble, low), _mm256_shuffle_epi8(row_bits, high));
}

/* Sextet values of 32 VALID characters, without blends: the offset by row (high nibble;
 * row 2 gets 0 there) plus the row-2 offset by low nibble, which the lookup index
 * character + 0x50 confines to row 2 (0x20..0x2F -> 0x70..0x7F; rows 3..7 reach 0x80..0xCF,
 * where pshufb yields 0), plus 33 for '_' (63 - '_' = -32 against row 5's -65). */
AVX2 static inline __m256i base64_sextets_of(__m256i characters, __m256i high)
{
    const __m256i row_offsets =
        _mm256_broadcastsi128_si256(_mm_setr_epi8(0, 0, 0, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0));
    const __m256i row2_offsets = _mm256_broadcastsi128_si256(
        _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 62 - '+', 0, 62 - '-', 0, 63 - '/'));
    const __m256i row2_index = _mm256_add_epi8(characters, _mm256_set1_epi8(0x50));
    __m256i offsets = _mm256_add_epi8(_mm256_shuffle_epi8(row_offsets, high),
                                      _mm256_shuffle_epi8(row2_offsets, row2_index));
    const __m256i underscore = _mm256_cmpeq_epi8(characters, _mm256_set1_epi8('_'));
    offsets = _mm256_add_epi8(offsets, _mm256_and_si256(underscore, _mm256_set1_epi8(33)));
    return _mm256_add_epi8(characters, offsets);
}

/* 32 sextets -> 24 bytes at the bottom of the register (the top 8 bytes are don't-care) */
AVX2 static inline __m256i base64_pack(__m256i sextets)
{
    const __m256i pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x01400140));
    const __m256i groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    const __m256i lanes = _mm256_shuffle_epi8(groups, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1,
                                                                       -1, 2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1,
                                                                       -1, -1, -1));
    /* 12 bytes at the bottom of each lane -> 24 bytes at the bottom of the register */
    return _mm256_permutevar8x32_epi32(lanes, _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
}

AVX2 static inline void base64_store24(uint8_t *dst, __m256i packed)
{
    _mm_storeu_si128(out128(dst), _mm256_castsi256_si128(packed)); /* exactly 24 bytes: 16 + 8 */
    _mm_storel_epi64(out128(dst + 16), _mm256_extracti128_si256(packed, 1));
}

/* 64 characters per step (two registers, one validity test for both), then 32.  In the
 * 64-step the first 24 bytes go out as one 32-byte store whose last 8 bytes the second
 * register's exact 24-byte store overwrites, so nothing lands past the consumed output
 * (the destination may be exactly the decoded size). */
AVX2 static size_t avx2_base64_decode(const uint8_t *text, size_t length, uint8_t *dst)
{
    const __m256i nibble_mask = _mm256_set1_epi8(0x0F);
    size_t in = 0, out = 0;
    for (; in + 64 <= length; in += 64, out += 48) {
        const __m256i first = _mm256_loadu_si256(in256(text + in));
        const __m256i second = _mm256_loadu_si256(in256(text + in + 32));
        const __m256i first_high = _mm256_and_si256(_mm256_srli_epi32(first, 4), nibble_mask);
        const __m256i second_high = _mm256_and_si256(_mm256_srli_epi32(second, 4), nibble_mask);
        const __m256i invalid =
            _mm256_or_si256(base64_invalid(first_high, _mm256_and_si256(first, nibble_mask)),
                            base64_invalid(second_high, _mm256_and_si256(second, nibble_mask)));
        if (!_mm256_testz_si256(invalid, invalid))
            break; /* the 32-step below takes the first half if it is clean */
        _mm256_storeu_si256(out256(dst + out), base64_pack(base64_sextets_of(first, first_high)));
        base64_store24(dst + out + 24, base64_pack(base64_sextets_of(second, second_high)));
    }
    for (; in + 32 <= length; in += 32, out += 24) {
        const __m256i characters = _mm256_loadu_si256(in256(text + in));
        const __m256i high = _mm256_and_si256(_mm256_srli_epi32(characters, 4), nibble_mask);
        const __m256i invalid = base64_invalid(high, _mm256_and_si256(characters, nibble_mask));
        if (!_mm256_testz_si256(invalid, invalid))
            break;
        base64_store24(dst + out, base64_pack(base64_sextets_of(characters, high)));
    }
    return in;
}

/* ---- hex --------------------------------------------------------------------------------- */
AVX2 static size_t avx2_hex_encode(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const __m256i digits = _mm256_broadcastsi128_si256(
        _mm_setr_epi8('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'));
    const __m256i nibble_mask = _mm256_set1_epi8(0x0F);
    size_t in = 0;
    for (; in + 32 <= length; in += 32) {
        const __m256i chunk = _mm256_loadu_si256(in256(bytes + in));
        const __m256i high = _mm256_shuffle_epi8(digits, _mm256_and_si256(_mm256_srli_epi16(chunk, 4), nibble_mask));
        const __m256i low = _mm256_shuffle_epi8(digits, _mm256_and_si256(chunk, nibble_mask));
        /* per lane: bytes 0..7 and 8..15 of the lane, interleaved */
        const __m256i first = _mm256_unpacklo_epi8(high, low), second = _mm256_unpackhi_epi8(high, low);
        _mm256_storeu_si256(out256(dst + 2 * in), _mm256_permute2x128_si256(first, second, 0x20));
        _mm256_storeu_si256(out256(dst + 2 * in + 32), _mm256_permute2x128_si256(first, second, 0x31));
    }
    return in;
}

AVX2 static inline bool hex_values(__m256i characters, __m256i *values)
{
    const __m256i lower = _mm256_or_si256(characters, _mm256_set1_epi8(0x20));
    const __m256i is_digit = _mm256_and_si256(_mm256_cmpgt_epi8(characters, _mm256_set1_epi8('0' - 1)),
                                              _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), characters));
    const __m256i is_letter = _mm256_and_si256(_mm256_cmpgt_epi8(lower, _mm256_set1_epi8('a' - 1)),
                                               _mm256_cmpgt_epi8(_mm256_set1_epi8('f' + 1), lower));
    if (_mm256_movemask_epi8(_mm256_or_si256(is_digit, is_letter)) != -1)
        return false;
    *values = _mm256_blendv_epi8(_mm256_sub_epi8(lower, _mm256_set1_epi8('a' - 10)),
                                 _mm256_sub_epi8(characters, _mm256_set1_epi8('0')), is_digit);
    return true;
}

AVX2 static size_t avx2_hex_decode(const uint8_t *text, size_t length, uint8_t *dst)
{
    const __m256i pair_weights = _mm256_set1_epi16(0x0110); /* high digit * 16 + low digit */
    size_t in = 0;
    for (; in + 64 <= length; in += 64) {
        __m256i first, second;
        if (!hex_values(_mm256_loadu_si256(in256(text + in)), &first) ||
            !hex_values(_mm256_loadu_si256(in256(text + in + 32)), &second))
            break;
        const __m256i packed = _mm256_packus_epi16(_mm256_maddubs_epi16(first, pair_weights),
                                                   _mm256_maddubs_epi16(second, pair_weights));
        _mm256_storeu_si256(out256(dst + in / 2), _mm256_permute4x64_epi64(packed, 0xD8)); /* lanes 0 2 1 3 */
    }
    return in;
}

/* ---- ASCII --------------------------------------------------------------------------------- */
/* The ASCII run from the start, 64 bytes per step, copied to dst when `store`: the one
 * loop behind ascii_prefix and ascii_copy, forced inline so each gets its own loop with
 * the constant `store` folded away (no test per step). */
AVX2 static inline __attribute__((always_inline)) size_t ascii_run(const uint8_t *text, size_t length, uint8_t *dst,
                                                                   bool store)
{
    size_t in = 0;
    for (; in + 64 <= length; in += 64) {
        const __m256i a = _mm256_loadu_si256(in256(text + in)), b = _mm256_loadu_si256(in256(text + in + 32));
        if (_mm256_movemask_epi8(_mm256_or_si256(a, b)))
            break;
        if (store) {
            _mm256_storeu_si256(out256(dst + in), a);
            _mm256_storeu_si256(out256(dst + in + 32), b);
        }
    }
    return in;
}

AVX2 static size_t avx2_ascii_prefix(const uint8_t *text, size_t length)
{
    return ascii_run(text, length, NULL, false);
}

AVX2 static size_t avx2_ascii_copy(const uint8_t *text, size_t length, uint8_t *dst)
{
    return ascii_run(text, length, dst, true);
}

AVX2 static size_t avx2_ascii_widen(const uint8_t *text, size_t length, uint8_t *dst)
{
    size_t in = 0;
    for (; in + 32 <= length; in += 32) {
        const __m256i a = _mm256_loadu_si256(in256(text + in));
        if (_mm256_movemask_epi8(a))
            break;
        _mm256_storeu_si256(out256(dst + 2 * in), _mm256_cvtepu8_epi16(_mm256_castsi256_si128(a)));
        _mm256_storeu_si256(out256(dst + 2 * in + 32), _mm256_cvtepu8_epi16(_mm256_extracti128_si256(a, 1)));
    }
    return in;
}

AVX2 static size_t avx2_utf16_ascii_narrow(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const __m256i not_ascii = _mm256_set1_epi16((short)0xFF80);
    size_t in = 0;
    for (; in + 64 <= length; in += 64) {
        const __m256i a = _mm256_loadu_si256(in256(bytes + in)), b = _mm256_loadu_si256(in256(bytes + in + 32));
        if (!_mm256_testz_si256(_mm256_or_si256(a, b), not_ascii))
            break;
        _mm256_storeu_si256(out256(dst + in / 2), _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xD8));
    }
    return in;
}

AVX2 static size_t avx2_ascii_mask(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const __m256i low_seven = _mm256_set1_epi8(0x7F);
    size_t in = 0;
    for (; in + 32 <= length; in += 32)
        _mm256_storeu_si256(out256(dst + in), _mm256_and_si256(_mm256_loadu_si256(in256(bytes + in)), low_seven));
    return in;
}

const codec_kernels_t codec_kernels_avx2 = {
    .level = BUF_SIMD_AVX2,
    .base64_encode = avx2_base64_encode,
    .base64_decode = avx2_base64_decode,
    .hex_encode = avx2_hex_encode,
    .hex_decode = avx2_hex_decode,
    .ascii_prefix = avx2_ascii_prefix,
    .ascii_copy = avx2_ascii_copy,
    .ascii_widen = avx2_ascii_widen,
    .utf16_ascii_narrow = avx2_utf16_ascii_narrow,
    .ascii_mask = avx2_ascii_mask,
    .utf8_valid_prefix = codec_utf8_avx2_valid_prefix, /* codec_utf8_avx2.c */
};
#endif
