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

/* A 16-byte table in both lanes, as one 32-byte constant: a single load (gcc 12 builds
 * _mm256_broadcastsi128_si256 of a constant from two instructions, and again in every loop
 * that uses it). */
#define BOTH_LANES(...) _mm256_setr_epi8(__VA_ARGS__, __VA_ARGS__)

static inline const __m256i *in256(const uint8_t *p) { return (const __m256i *)(const void *)p; }
static inline __m256i *out256(uint8_t *p) { return (__m256i *)(void *)p; }
static inline const __m128i *in128(const uint8_t *p) { return (const __m128i *)(const void *)p; }
static inline __m128i *out128(uint8_t *p) { return (__m128i *)(void *)p; }

/* A window of shuffle indexes: loaded from slide + k, it moves the bytes k.. of a register
 * down to 0.. and zeroes the rest (an index with bit 7 set zeroes its byte). */
static const int8_t slide[32] = {0,    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,
                                 11,   12,   13,   14,   15,   -128, -128, -128, -128, -128, -128,
                                 -128, -128, -128, -128, -128, -128, -128, -128, -128, -128};

AVX2 static inline __m128i slid_down(__m128i bytes, size_t k)
{
    return _mm_shuffle_epi8(bytes, _mm_loadu_si128(in128((const uint8_t *)slide + k)));
}

/* The decoders' last blocks: the `length - in` (< 32) characters from `in`, padded with
 * zeros (outside both alphabets, so a valid run found in the block ends by the text's
 * end).  Text of 16 bytes or more is read in place: the halves come from a load at `in`
 * and from the text's last 16 bytes slid down, so no load spans a padded copy's stores (a
 * failed store-to-load forward, ~10 ns of a 64-byte base64 row's ~45). */
/* Text of fewer than 16 bytes, through a padded copy: out of line, so the kernels keep
 * no aligned stack frame for it (14 instructions a call on a 64-byte hex decode). */
AVX2 static __attribute__((noinline)) __m256i load_short_text(const uint8_t *text, size_t rest)
{
    uint8_t padded[32] = {0};
    codec_copy_short(padded, text, rest);
    return _mm256_loadu_si256(in256(padded));
}

AVX2 static inline __m256i load_last_block(const uint8_t *text, size_t in, size_t length)
{
    const size_t rest = length - in;
    if (length >= 16) {
        const __m128i last16 = _mm_loadu_si128(in128(text + length - 16));
        if (rest >= 16) /* the upper half holds the last rest - 16 characters */
            return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(in128(text + in))),
                                           slid_down(last16, 32 - rest), 1);
        return _mm256_zextsi128_si256(slid_down(last16, 16 - rest));
    }
    return load_short_text(text + in, rest);
}

/* The same, out of line: where a kernel's loop over whole blocks comes first (hex), the
 * inlined loader's registers made gcc give the kernel an aligned stack frame, paid by
 * every call (a 64-byte hex decode: 190 -> 180 instructions). */
AVX2 static __attribute__((noinline)) __m256i load_last_block_out_of_line(const uint8_t *text, size_t in, size_t length)
{
    return load_last_block(text, in, length);
}

/* The length of a block's leading run of characters before the first bit of stop_bits
 * (bit i: character i; 32 when none), rounded down to whole groups of `group` (a power of
 * two) characters. */
static inline size_t run_before(uint32_t stop_bits, size_t group)
{
    return (size_t)__builtin_ctzll(stop_bits | (uint64_t)1 << 32) & ~(group - 1);
}

/* The leading run of valid characters (invalid: nonzero where a character is not) */
AVX2 static inline size_t valid_run(__m256i invalid, size_t group)
{
    const uint32_t valid_bits = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(invalid, _mm256_setzero_si256()));
    return run_before(~valid_bits, group);
}

/* ---- base64 encode: 24 bytes -> 32 characters -------------------------------------------- */
/* The constants of base64_split and base64_characters.  The loops use them as immediates
 * (gcc builds each once, before the loop); the straight-line short writer loads them from
 * a table (base64_encode_constants_loaded), where gcc built four of them from general
 * registers, three instructions each, on every call. */
typedef struct base64_encode_constants {
    __m256i first_third_bits, first_third_shifts, second_fourth_bits, second_fourth_shifts, fifty_one, twenty_five;
} base64_encode_constants_t;

#define BASE64_ENCODE_CONSTANTS                                                                              \
    {                                                                                                        \
        _mm256_set1_epi32(0x0FC0FC00), _mm256_set1_epi32(0x04000040), _mm256_set1_epi32(0x003F03F0),         \
            _mm256_set1_epi32(0x01000010), _mm256_set1_epi8(51), _mm256_set1_epi8(25)                        \
    }

#define REPEAT_DWORD8(d) d, d, d, d, d, d, d, d
#define REPEAT_BYTE32(b) REPEAT_DWORD8(b), REPEAT_DWORD8(b), REPEAT_DWORD8(b), REPEAT_DWORD8(b)
static const uint32_t base64_encode_dword_rows[4][8] __attribute__((aligned(32))) = {
    {REPEAT_DWORD8(0x0FC0FC00)}, {REPEAT_DWORD8(0x04000040)}, {REPEAT_DWORD8(0x003F03F0)}, {REPEAT_DWORD8(0x01000010)},
};
static const uint8_t base64_encode_byte_rows[2][32] __attribute__((aligned(32))) = {
    {REPEAT_BYTE32(51)}, {REPEAT_BYTE32(25)},
};

AVX2 static inline base64_encode_constants_t base64_encode_constants_loaded(void)
{
    const uint32_t(*dwords)[8] = base64_encode_dword_rows;
    const uint8_t(*bytes)[32] = base64_encode_byte_rows;
    __asm__("" : "+r"(dwords), "+r"(bytes)); /* addresses the compiler no longer knows the contents of */
    const base64_encode_constants_t k = {
        _mm256_load_si256((const __m256i *)(const void *)dwords[0]), _mm256_load_si256((const __m256i *)(const void *)dwords[1]),
        _mm256_load_si256((const __m256i *)(const void *)dwords[2]), _mm256_load_si256((const __m256i *)(const void *)dwords[3]),
        _mm256_load_si256((const __m256i *)(const void *)bytes[0]),  _mm256_load_si256((const __m256i *)(const void *)bytes[1]),
    };
    return k;
}

/* The four sextets of each group, from its bytes grouped as [b1 b0 b2 b1] per 32-bit lane. */
AVX2 static inline __m256i base64_split_with(const base64_encode_constants_t *k, __m256i grouped)
{
    const __m256i first_third = _mm256_mulhi_epu16(_mm256_and_si256(grouped, k->first_third_bits), k->first_third_shifts);
    const __m256i second_fourth =
        _mm256_mullo_epi16(_mm256_and_si256(grouped, k->second_fourth_bits), k->second_fourth_shifts);
    return _mm256_or_si256(first_third, second_fourth);
}

AVX2 static inline __m256i base64_split(__m256i grouped)
{
    const base64_encode_constants_t k = BASE64_ENCODE_CONSTANTS;
    return base64_split_with(&k, grouped);
}

AVX2 static inline __m256i base64_sextets_with(const base64_encode_constants_t *k, __m256i bytes)
{
    return base64_split_with(k, _mm256_shuffle_epi8(
        bytes, _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10, 1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7,
                                10, 9, 11, 10)));
}

AVX2 static inline __m256i base64_sextets(__m256i bytes)
{
    const base64_encode_constants_t k = BASE64_ENCODE_CONSTANTS;
    return base64_sextets_with(&k, bytes);
}

/* The character of each sextet: sextet + offset[range], the range index being
 * subs(sextet, 51) (0 for 0..51, 1..12 for 52..63) minus the all-ones of sextet > 25, so
 * A-Z 0, a-z 1, digits 2..11, 62 12, 63 13: three operations and one lookup. */
AVX2 static inline __m256i base64_characters_with(const base64_encode_constants_t *k, __m256i sextets, __m256i offsets)
{
    const __m256i range =
        _mm256_sub_epi8(_mm256_subs_epu8(sextets, k->fifty_one), _mm256_cmpgt_epi8(sextets, k->twenty_five));
    return _mm256_add_epi8(sextets, _mm256_shuffle_epi8(offsets, range));
}

AVX2 static inline __m256i base64_characters(__m256i sextets, __m256i offsets)
{
    const base64_encode_constants_t k = BASE64_ENCODE_CONSTANTS;
    return base64_characters_with(&k, sextets, offsets);
}

#define BASE64_DIGIT_OFFSETS '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52, '0' - 52

/* 24 bytes -> 32 characters: the lower lane converts bytes 0..11, the upper 12..23 (its
 * 16-byte load reaches byte 27) */
AVX2 static inline __m256i base64_encode24(const uint8_t *bytes, __m256i offsets)
{
    const __m256i chunk = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(in128(bytes))),
                                                  _mm_loadu_si128(in128(bytes + 12)), 1);
    return base64_characters(base64_sextets(chunk), offsets);
}

/* 48 bytes per step, then 24 while the loads stay inside the input, then the last whole
 * groups (fewer than 28 bytes) from a copy padded with zeros, their characters written
 * through a copy: a 64-byte row left 16 bytes (five groups) to the scalar code. */
AVX2 static size_t avx2_base64_encode(const uint8_t *bytes, size_t length, uint8_t *dst, bool url)
{
    const __m256i offsets = url ? BOTH_LANES('A', 'a' - 26, BASE64_DIGIT_OFFSETS, '-' - 62, '_' - 63, 0, 0)
                                : BOTH_LANES('A', 'a' - 26, BASE64_DIGIT_OFFSETS, '+' - 62, '/' - 63, 0, 0);
    size_t in = 0, out = 0;
    for (; in + 52 <= length; in += 48, out += 64) {
        const __m256i first = base64_encode24(bytes + in, offsets), second = base64_encode24(bytes + in + 24, offsets);
        _mm256_storeu_si256(out256(dst + out), first);
        _mm256_storeu_si256(out256(dst + out + 32), second);
    }
    for (; in + 28 <= length; in += 24, out += 32)
        _mm256_storeu_si256(out256(dst + out), base64_encode24(bytes + in, offsets));
    /* up to 27 bytes are left: 8 groups, then 1 */
    for (size_t groups; (groups = (length - in) / 3) > 0; in += groups * 3, out += groups * 4) {
        if (groups > 8)
            groups = 8;
        uint8_t padded[28] = {0}, characters[32];
        codec_copy_short(padded, bytes + in, groups * 3);
        _mm256_storeu_si256(out256(characters), base64_encode24(padded, offsets));
        codec_copy_short(dst + out, characters, groups * 4);
    }
    return in;
}

/* ---- base64 decode: 32 characters -> 24 bytes ------------------------------------------ */
/* One pair of lookups for both the test and the sextets of every decode path: a byte
 * by the character's low nibble (looked up by the raw character: a byte >= 0x80 gives 0)
 * and one by its high nibble, such that
 *   - their AND is nonzero exactly for the characters of the two alphabets: bits 0..3 of
 *     the low-nibble byte and of the high-nibble byte never meet on another character,
 *     and bits 4..6 cover the rest: 0x10 row 2 with B, D, F (+ - /), 0x20 rows 3 and 5
 *     with 0..9 (digits, P..Y), 0x40 rows 4 and 6 with 1..F (A..O, a..o);
 *   - their OR's low nibble picks the offset to the sextet (bit 7 is clear in both for
 *     every valid character, so pshufb reads the nibble):
 *        0 +   1 -   2 /   3 A-O and P-Z   5 a-o and p-z   6 _   12 0-9
 *     (11 and 14 are A-O and P-Z too, 7, 8, 10, 13 and 15 a-o and p-z: the low-nibble
 *     byte brings 8, 10, 1 or 2 into some of them).
 * Against the classification it replaced (a lookup pair for the test, then the sextets
 * from the high nibble plus an amount looked up by the low one: five shuffles and five
 * other operations a block) this takes four shuffles and four other operations: the
 * amount's lookup and its add become one OR.  Found by a search over the nibble bytes (every AND test and OR index the
 * base64 and base64url alphabets allow), the rest covered by three rectangles of rows x
 * low nibbles; tests/unit/test_codec_simd.c checks every byte value at every position. */
#define BASE64_PAIR_LOW                                                                                               \
    BOTH_LANES(0x28, 0x68, 0x68, 0x68, 0x68, 0x68, 0x68, 0x68, 0x68, 0x68, 0x4A, 0x50, 0x40, 0x51, 0x40, 0x52)
#define BASE64_PAIR_HIGH BOTH_LANES(0, 0, 0x10, 0x24, 0x43, 0x26, 0x45, 0x08, 0, 0, 0, 0, 0, 0, 0, 0)
#define BASE64_PAIR_OFFSET                                                                                            \
    BOTH_LANES(62 - '+', 62 - '-', 63 - '/', -'A', 0, 26 - 'a', 63 - '_', 26 - 'a', 26 - 'a', 0, 26 - 'a', -'A',     \
               52 - '0', 26 - 'a', -'A', 26 - 'a')

/* The two lookups of 32 characters, `shifted` being them moved down by 4 bits in 16- or
 * 32-bit lanes (the mask keeps each byte's high nibble) */
AVX2 static inline __attribute__((always_inline)) void base64_pair_lookups(__m256i characters, __m256i shifted,
                                                                         __m256i nibble_mask, __m256i *low,
                                                                         __m256i *high)
{
    *low = _mm256_shuffle_epi8(BASE64_PAIR_LOW, characters);
    *high = _mm256_shuffle_epi8(BASE64_PAIR_HIGH, _mm256_and_si256(shifted, nibble_mask));
}

/* Sextet values of 32 VALID characters from the OR of their pair of lookups: character +
 * offset[index] (invalid characters get some value, and are rejected before). */
AVX2 static inline __attribute__((always_inline)) __m256i base64_sextets_of(__m256i characters, __m256i index)
{
    return _mm256_add_epi8(characters, _mm256_shuffle_epi8(BASE64_PAIR_OFFSET, index));
}

/* 32 sextets -> 12 bytes at the bottom of each 16-byte lane (the top 4 of each are
 * don't-care) */
AVX2 static inline __m256i base64_pack_lanes(__m256i sextets)
{
    const __m256i pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x01400140));
    const __m256i groups = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    return _mm256_shuffle_epi8(groups, _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1, 2, 1, 0,
                                                        6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1));
}

/* 32 sextets -> 24 bytes at the bottom of the register (the top 8 bytes are don't-care) */
AVX2 static inline __m256i base64_pack(__m256i sextets)
{
    /* 12 bytes at the bottom of each lane -> 24 bytes at the bottom of the register */
    return _mm256_permutevar8x32_epi32(base64_pack_lanes(sextets), _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
}

/* The 24 bytes of base64_pack_lanes as two 16-byte stores, each lane's 12 and 4 bytes
 * past them: bytes dst + 24..27 are written with don't-care bytes that a later store must
 * overwrite.  No lane-crossing permute (3 cycles of latency on the two shuffle pipes,
 * which the lookups already keep busy): the upper lane goes out by vextracti128 to
 * memory, a store. */
AVX2 static inline void base64_store_lanes(uint8_t *dst, __m256i lanes)
{
    _mm_storeu_si128(out128(dst), _mm256_castsi256_si128(lanes));
    _mm_storeu_si128(out128(dst + 12), _mm256_extracti128_si256(lanes, 1));
}

AVX2 static inline void base64_store24(uint8_t *dst, __m256i packed)
{
    _mm_storeu_si128(out128(dst), _mm256_castsi256_si128(packed)); /* exactly 24 bytes: 16 + 8 */
    _mm_storel_epi64(out128(dst + 16), _mm256_extracti128_si256(packed, 1));
}

/* 0x0F in every byte, loaded from a row through a pointer the compiler cannot see into (as
 * hex_constants below) by the loops after base64_decode_64s: _mm256_set1_epi8(0x0F) made
 * gcc build it from a general register (movabs, vmovq, vpbroadcastq) again in each of
 * them.  base64_decode_64s's one loop keeps _mm256_set1_epi8, built once before it: the
 * row's load, which stores through uint8_t may alias, came back in every step (4 KiB:
 * +170 instructions a call). */
static const uint8_t low_nibble_row[32] __attribute__((aligned(32))) = {
    0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F,
    0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F, 0x0F,
};

AVX2 static inline __m256i low_nibbles(void)
{
    const uint8_t *row = low_nibble_row;
    __asm__("" : "+r"(row));
    return _mm256_load_si256((const __m256i *)(const void *)row);
}

/* The classification of 32 characters by their pair of lookups: a zero byte in *valid
 * marks a character outside both alphabets ('=' included); returns base64_sextets_of's
 * index. */
AVX2 static inline __attribute__((always_inline)) __m256i base64_classify(__m256i characters, __m256i nibble_mask,
                                                                         __m256i *valid)
{
    __m256i low, high;
    base64_pair_lookups(characters, _mm256_srli_epi32(characters, 4), nibble_mask, &low, &high);
    *valid = _mm256_and_si256(low, high);
    return _mm256_or_si256(low, high);
}

/* Whether every byte of a classification's verdict (or the byte minimum of several) is
 * nonzero: every character valid. */
AVX2 static inline bool base64_all_valid(__m256i valid)
{
    const __m256i invalid = _mm256_cmpeq_epi8(valid, _mm256_setzero_si256());
    return _mm256_testz_si256(invalid, invalid);
}

/* The leading run of valid characters by a classification's verdict (zero: invalid) */
AVX2 static inline size_t base64_valid_run(__m256i valid, size_t group)
{
    return run_before((uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(valid, _mm256_setzero_si256())), group);
}

/* 64 characters per step (two registers, one validity test for both), then block by
 * block, where a block is decoded up to its first character outside the alphabets (the
 * '=' of the padding, a skipped character), in whole groups: so the kernel stops at the
 * group that holds it, not at the block before.  The last block, shorter than 32
 * characters, is read from a copy padded with zeros and its bytes written through a copy:
 * a 64-byte row's text is 88 characters, and the 24 after the first step went to the
 * scalar groups at ~30 instructions each.  In the 64-step the first 24 bytes go out as
 * one 32-byte store whose last 8 bytes the second register's exact 24-byte store
 * overwrites, so nothing lands past the consumed output (the destination may be exactly
 * the decoded size). */
AVX2 static inline __attribute__((always_inline)) size_t base64_decode_64s(const uint8_t *text, size_t length,
                                                                          uint8_t *dst)
{
    const __m256i nibble_mask = _mm256_set1_epi8(0x0F); /* one loop: gcc builds it once, before it */
    size_t in = 0, out = 0;
    for (; in + 64 <= length; in += 64, out += 48) {
        const __m256i first = _mm256_loadu_si256(in256(text + in));
        const __m256i second = _mm256_loadu_si256(in256(text + in + 32));
        __m256i first_valid, second_valid;
        const __m256i first_index = base64_classify(first, nibble_mask, &first_valid);
        const __m256i second_index = base64_classify(second, nibble_mask, &second_valid);
        if (!base64_all_valid(_mm256_min_epu8(first_valid, second_valid)))
            break; /* the blocks below take the valid groups of the two */
        _mm256_storeu_si256(out256(dst + out), base64_pack(base64_sextets_of(first, first_index)));
        base64_store24(dst + out + 24, base64_pack(base64_sextets_of(second, second_index)));
    }
    return in;
}

/* 128 characters per step for long text (base64_decode_long): four registers, one validity
 * test for all four (the OR of their verdicts), the first three blocks' 24 bytes each as
 * two 16-byte stores of the lanes' 12 (base64_store_lanes: no lane permute) whose last 4
 * the next block's store overwrites, the fourth's exactly (16 + 8, permuted), so nothing
 * lands past the step's 96 bytes.  Against two steps of 64 this saves one
 * test and branch, one exact store (3 instructions for 1) and one round of the loop's
 * counters per 128 characters.  Stops before a step holding anything outside the
 * alphabets; the caller's steps of 64 and blocks of 32 take it from there. */
AVX2 static inline __attribute__((always_inline)) size_t base64_decode_128s(const uint8_t *text, size_t length,
                                                                           uint8_t *dst)
{
    const __m256i nibble_mask = _mm256_set1_epi8(0x0F); /* one loop: gcc builds it once, before it */
    /* zero in a register gcc cannot see into: a plain _mm256_setzero_si256 came back as a
     * vpxor in every step (42 instructions a 4 KiB call) */
    __m256i zero = _mm256_setzero_si256();
    __asm__("" : "+x"(zero));
    /* the high nibbles by a 16-bit multiply-high by 0x1000 (x >> 4, as the shift, the
     * mask after it clearing what the odd byte brings in): the shift ran on the two
     * shuffle pipes with the five pshufb of each block, the multiply runs on the other
     * pair (llvm-mca -mcpu=znver3: 15.4 -> 15.1 cycles a step; 4 KiB ~2.5% less time,
     * min of 3000 trials, 3366 -> 3327 instructions a call) */
    const __m256i sixteenth = _mm256_set1_epi16(0x1000);
    const uint8_t *in = text;
    const uint8_t *const last_step = length >= 128 ? text + length - 128 : text - 1;
    for (; in <= last_step; in += 128, dst += 96) {
        const __m256i a = _mm256_loadu_si256(in256(in)), b = _mm256_loadu_si256(in256(in + 32));
        const __m256i c = _mm256_loadu_si256(in256(in + 64)), d = _mm256_loadu_si256(in256(in + 96));
        /* block by block, the verdicts folded into one register as they come and the
         * sextets made before the test: five registers live across the blocks.  The empty
         * asm ends each block's live range there; without it gcc interleaved the four
         * blocks and spilled three lookups to the stack every step. */
        __m256i a_low, a_high;
        base64_pair_lookups(a, _mm256_mulhi_epu16(a, sixteenth), nibble_mask, &a_low, &a_high);
        __m256i valid = _mm256_and_si256(a_low, a_high);
        __m256i a_sextets = base64_sextets_of(a, _mm256_or_si256(a_low, a_high));
        __asm__("" : "+x"(a_sextets), "+x"(valid));
        __m256i b_low, b_high;
        base64_pair_lookups(b, _mm256_mulhi_epu16(b, sixteenth), nibble_mask, &b_low, &b_high);
        valid = _mm256_min_epu8(valid, _mm256_and_si256(b_low, b_high));
        __m256i b_sextets = base64_sextets_of(b, _mm256_or_si256(b_low, b_high));
        __asm__("" : "+x"(b_sextets), "+x"(valid));
        __m256i c_low, c_high;
        base64_pair_lookups(c, _mm256_mulhi_epu16(c, sixteenth), nibble_mask, &c_low, &c_high);
        valid = _mm256_min_epu8(valid, _mm256_and_si256(c_low, c_high));
        __m256i c_sextets = base64_sextets_of(c, _mm256_or_si256(c_low, c_high));
        __asm__("" : "+x"(c_sextets), "+x"(valid));
        __m256i d_low, d_high;
        base64_pair_lookups(d, _mm256_mulhi_epu16(d, sixteenth), nibble_mask, &d_low, &d_high);
        valid = _mm256_min_epu8(valid, _mm256_and_si256(d_low, d_high));
        const __m256i d_sextets =
            base64_sextets_of(d, _mm256_or_si256(d_low, d_high));
        const __m256i invalid = _mm256_cmpeq_epi8(valid, zero);
        if (!_mm256_testz_si256(invalid, invalid))
            break;
        base64_store_lanes(dst, base64_pack_lanes(a_sextets));
        base64_store_lanes(dst + 24, base64_pack_lanes(b_sextets));
        base64_store_lanes(dst + 48, base64_pack_lanes(c_sextets));
        base64_store24(dst + 72, base64_pack(d_sextets));
    }
    return (size_t)(in - text);
}

AVX2 static size_t avx2_base64_decode(const uint8_t *text, size_t length, uint8_t *dst)
{
    const __m256i nibble_mask = low_nibbles();
    size_t in = base64_decode_64s(text, length, dst), out = in / 4 * 3;
    for (size_t rest; (rest = length - in) >= 4;) {
        const __m256i characters = rest >= 32 ? _mm256_loadu_si256(in256(text + in)) : load_last_block(text, in, length);
        __m256i valid;
        const __m256i index = base64_classify(characters, nibble_mask, &valid);
        const size_t used = base64_valid_run(valid, 4);
        if (used == 0)
            break;
        const __m256i packed = base64_pack(base64_sextets_of(characters, index));
        if (used == 32) {
            base64_store24(dst + out, packed);
        } else {
            uint8_t bytes[32];
            _mm256_storeu_si256(out256(bytes), packed);
            codec_copy_short(dst + out, bytes, used / 4 * 3);
        }
        in += used;
        out += used / 4 * 3;
        if (used < 32)
            break;
    }
    return in;
}

/* ---- base64 one-shot writers -------------------------------------------------------------
 * The whole conversion at this level (codec_internal.h: base64_*_write), the kernel
 * inlined.  The scalar writers finish a kernel's work with a group loop and the ending
 * byte by byte (~100 instructions a call on a 64-byte row); here the last short block
 * carries the ending too: encode writes the last partial group and its '=' padding from
 * the padded block, decode takes the last group of 2 or 3 characters before the '=' (or
 * the end) from it.  Only text the block cannot finish (a skipped character, a byte
 * >= 0x80) goes on in the scalar writer, from the last whole group. */
AVX2 static inline __m256i byte_positions(void)
{
    return _mm256_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                            25, 26, 27, 28, 29, 30, 31);
}

/* The two 12-byte halves of a last block of 16..24 bytes, as base64_encode24 loads them
 * (the bytes past the block's end zero), read without a padded copy, whose 16-byte loads
 * would each span two of the copy's stores (a failed store-to-load forward: ~10 ns of a
 * 64-byte row's ~35).  The lower half is read in place (16 bytes: inside the block); the
 * upper one is the block's last 16 bytes slid down by a shuffle whose control comes from
 * the sliding window of indexes. */
AVX2 static inline __m256i last_block(const uint8_t *block_start, size_t block)
{
    const size_t upper = block - 12; /* 4..12 bytes from block_start + 12 = last16 + 16 - upper */
    return _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(in128(block_start))),
                                   slid_down(_mm_loadu_si128(in128(block_start + block - 16)), 16 - upper), 1);
}

AVX2 static inline __attribute__((always_inline)) size_t base64_encode_write(const uint8_t *bytes, size_t length,
                                                                           uint8_t *dst, bool url)
{
    const __m256i offsets = url ? BOTH_LANES('A', 'a' - 26, BASE64_DIGIT_OFFSETS, '-' - 62, '_' - 63, 0, 0)
                                : BOTH_LANES('A', 'a' - 26, BASE64_DIGIT_OFFSETS, '+' - 62, '/' - 63, 0, 0);
    size_t in = 0, out = 0;
    if (length >= 76) { /* the first 24 bytes (nothing before them to load from), when a step follows */
        _mm256_storeu_si256(out256(dst), base64_encode24(bytes, offsets));
        in = 24;
        out = 32;
    }
    /* From byte 24 on, each 24-byte block is one 32-byte load from 4 bytes before it (bytes
     * 4..15 in the lower lane, 16..27 in the upper: each lane's 12 where the shuffle wants
     * them), instead of two 16-byte loads and an insert: 4 KiB 0.753 -> 0.717 instructions
     * per byte (callgrind), 64 KiB 12.3 -> 13.7 GB/s (alternating runs of both builds). */
    const __m256i grouped_from_shifted = _mm256_setr_epi8(5, 4, 6, 5, 8, 7, 9, 8, 11, 10, 12, 11, 14, 13, 15, 14, 1, 0,
                                                          2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    for (; in >= 4 && in + 52 <= length; in += 48, out += 64) { /* in >= 4: the load from in - 4 */
        const __m256i first = _mm256_loadu_si256(in256(bytes + in - 4));
        const __m256i second = _mm256_loadu_si256(in256(bytes + in + 20));
        _mm256_storeu_si256(out256(dst + out),
                            base64_characters(base64_split(_mm256_shuffle_epi8(first, grouped_from_shifted)), offsets));
        _mm256_storeu_si256(out256(dst + out + 32),
                            base64_characters(base64_split(_mm256_shuffle_epi8(second, grouped_from_shifted)), offsets));
    }
    for (; in + 28 <= length; in += 24, out += 32)
        _mm256_storeu_si256(out256(dst + out), base64_encode24(bytes + in, offsets));
    /* up to 27 bytes are left: a block of 24, then the last 0..24 bytes with the ending */
    while (in < length) {
        const size_t block = length - in > 24 ? 24 : length - in, rest = block % 3;
        const size_t data = block / 3 * 4 + (rest ? rest + 1 : 0); /* characters of data */
        const size_t total = url || !rest ? data : data + 3 - rest; /* with the '=' padding */
        uint8_t characters[32];
        __m256i encoded;
        if (block >= 16) {
            encoded = base64_characters(base64_sextets(last_block(bytes + in, block)), offsets);
        } else {
            uint8_t padded[28] = {0};
            codec_copy_short(padded, bytes + in, block);
            encoded = base64_encode24(padded, offsets);
        }
        if (total > data) /* the zero bytes of the padding gave 'A's past the data: '=' */
            encoded = _mm256_blendv_epi8(encoded, _mm256_set1_epi8('='),
                                         _mm256_cmpgt_epi8(byte_positions(), _mm256_set1_epi8((char)(data - 1))));
        _mm256_storeu_si256(out256(characters), encoded);
        codec_copy_short(dst + out, characters, total);
        in += block;
        out += total;
    }
    return out;
}

AVX2 static __attribute__((noinline)) size_t base64_standard_encode_any(const uint8_t *bytes, size_t length,
                                                                        uint8_t *dst)
{
    return base64_encode_write(bytes, length, dst, false);
}

AVX2 static __attribute__((noinline)) size_t base64url_encode_any(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    return base64_encode_write(bytes, length, dst, true);
}

/* 24 bytes -> 32 characters, reading nothing past the 24: the upper lane's 12 bytes are the
 * last 16 shifted down by 4 (base64_encode24 reads 4 bytes further). */
AVX2 static inline __m256i base64_encode24_inside(const base64_encode_constants_t *k, const uint8_t *bytes,
                                                  __m256i offsets)
{
    const __m256i chunk = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(in128(bytes))),
                                                  _mm_srli_si128(_mm_loadu_si128(in128(bytes + 8)), 4), 1);
    return base64_characters_with(k, base64_sextets_with(k, chunk), offsets);
}

/* Input of 32..71 bytes ending in a partial group (1 or 2 bytes after `group_count` whole
 * ones): three blocks of 8 groups, the third holding the last 7 whole groups and the partial
 * one, its bytes past the input zero, its characters ending exactly at the output's end, so
 * the ending needs no scalar lookups.  That block is the input's last 32 bytes moved down
 * across the lanes (6 or 5 bytes: 4 + 21 + rest of them land where the 48-byte step's
 * shuffle, which reads each block from 4 bytes before it, wants them; zeros come in at the
 * top).  Its zero bytes give sextets 0, 'A': base64 adds '=' - 'A' where the padding goes
 * (the block's 32 characters are then exactly the output's last 32); base64url, unpadded,
 * ends 1 or 2 characters short of the block: its characters move up by that much and
 * are stored first, ending at the output's end, and the two other blocks' stores then
 * write the characters the move left as zeros (a first block or, from 16 groups on, a
 * second one covers them).  Against the scalar ending, the 64-byte rows: base64 159 ->
 * 140, base64url 154 -> 139 instructions a call (callgrind, avx2). */
AVX2 static inline __attribute__((always_inline)) size_t
base64_encode_short_with_ending(const base64_encode_constants_t *k, const uint8_t *bytes, size_t length,
                                size_t group_count, size_t rest, uint8_t *dst, __m256i offsets, bool url)
{
    const __m256i grouped_from_shifted = _mm256_setr_epi8(5, 4, 6, 5, 8, 7, 9, 8, 11, 10, 12, 11, 14, 13, 15, 14, 1, 0,
                                                          2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
    /* the second block inside the whole groups (its 24 bytes inside the input); below 16
     * whole groups the first and third blocks cover all but it overlaps them anyway */
    const size_t all_groups = group_count + 1, second_group = group_count >= 16 ? 8 : group_count - 8;
    const __m256i tail = _mm256_loadu_si256(in256(bytes + length - 32));
    const __m256i upper_then_zero = _mm256_permute2x128_si256(tail, tail, 0x81);
    const __m256i block = rest == 1 ? _mm256_alignr_epi8(upper_then_zero, tail, 6)
                                    : _mm256_alignr_epi8(upper_then_zero, tail, 5);
    __m256i last = base64_characters_with(k, base64_split_with(k, _mm256_shuffle_epi8(block, grouped_from_shifted)),
                                          offsets);
    size_t out;
    if (url) {
        out = 4 * group_count + rest + 1;
        const __m256i zero_then_lower = _mm256_permute2x128_si256(last, last, 0x08);
        last = rest == 1 ? _mm256_alignr_epi8(last, zero_then_lower, 14) : _mm256_alignr_epi8(last, zero_then_lower, 15);
        _mm256_storeu_si256(out256(dst + out - 32), last);
    } else {
        out = 4 * all_groups;
        const __m256i one_pad = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                 0, 0, 0, 0, 0, 0, 0, '=' - 'A');
        const __m256i two_pads = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                  0, 0, 0, 0, 0, 0, 0, '=' - 'A', '=' - 'A');
        _mm256_storeu_si256(out256(dst + out - 32), _mm256_add_epi8(last, rest == 1 ? two_pads : one_pad));
    }
    _mm256_storeu_si256(out256(dst), base64_encode24_inside(k, bytes, offsets));
    _mm256_storeu_si256(out256(dst + 4 * second_group), base64_encode24_inside(k, bytes + 3 * second_group, offsets));
    return out;
}

/* Input of 24..74 bytes (whole groups `groups` = 24..72 bytes of them) with no loop: three
 * blocks of 24 bytes, the first at 0, the second at 24 (or, below 48 bytes, ending where
 * the groups do), the third ending where the groups do, overlapping where the groups are
 * fewer than 72 bytes (their characters written again, the same); then the last 1 or 2
 * bytes and the '=' padding by lookup.  No padded copy in, no copy out: a 64-byte row
 * went 228 -> 163 instructions a call, base64url 217 -> 159 (callgrind, avx2, with the
 * encode entry in codec.c and the constants loaded from a table). */
AVX2 static inline __attribute__((always_inline)) size_t base64_encode_short(const uint8_t *bytes, size_t length,
                                                                           size_t groups, uint8_t *dst, bool url)
{
    const __m256i offsets = url ? BOTH_LANES('A', 'a' - 26, BASE64_DIGIT_OFFSETS, '-' - 62, '_' - 63, 0, 0)
                                : BOTH_LANES('A', 'a' - 26, BASE64_DIGIT_OFFSETS, '+' - 62, '/' - 63, 0, 0);
    const base64_encode_constants_t k = base64_encode_constants_loaded();
    /* in whole groups: one division by 3 (a multiply) instead of three */
    const size_t group_count = groups / 3;
    const size_t rest = length - groups;
    if (rest && length >= 32 && length <= 71)
        return base64_encode_short_with_ending(&k, bytes, length, group_count, rest, dst, offsets, url);
    const size_t last_group = group_count - 8, second_group = group_count >= 16 ? 8 : last_group;
    _mm256_storeu_si256(out256(dst), base64_encode24_inside(&k, bytes, offsets));
    _mm256_storeu_si256(out256(dst + 4 * second_group), base64_encode24_inside(&k, bytes + 3 * second_group, offsets));
    _mm256_storeu_si256(out256(dst + 4 * last_group), base64_encode24_inside(&k, bytes + 3 * last_group, offsets));
    size_t out = 4 * group_count;
    if (rest) {
        const char *alphabet = url ? codec_base64url_alphabet : codec_base64_alphabet;
        const uint32_t first_byte = bytes[groups], second_byte = rest == 2 ? bytes[groups + 1] : 0;
        dst[out] = (uint8_t)alphabet[first_byte >> 2];
        dst[out + 1] = (uint8_t)alphabet[((first_byte & 3) << 4) | (second_byte >> 4)];
        if (rest == 2)
            dst[out + 2] = (uint8_t)alphabet[(second_byte & 15) << 2];
        if (url)
            return out + rest + 1;
        if (rest == 1)
            dst[out + 2] = '=';
        dst[out + 3] = '=';
        out += 4;
    }
    return out;
}

/* The one-shot writers: input of 24..74 bytes by base64_encode_short, any other by
 * base64_encode_write (out of line, so this path keeps no frame for its loops). */
AVX2 static size_t avx2_base64_standard_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const size_t groups = length / 3 * 3;
    if (groups < 24 || groups > 72)
        return base64_standard_encode_any(bytes, length, dst);
    return base64_encode_short(bytes, length, groups, dst, false);
}

AVX2 static size_t avx2_base64url_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const size_t groups = length / 3 * 3;
    if (groups < 24 || groups > 72)
        return base64url_encode_any(bytes, length, dst);
    return base64_encode_short(bytes, length, groups, dst, true);
}

/* Any text, block by block from `in` (a group boundary, the output so far in / 4 * 3 bytes):
 * the general writer, where the text of whole groups below does not apply or stops. */
AVX2 static __attribute__((noinline)) size_t base64_decode_write_from(const uint8_t *text, size_t in, size_t length,
                                                                     uint8_t *dst)
{
    const __m256i nibble_mask = low_nibbles();
    size_t out = in / 4 * 3;
    for (size_t rest; (rest = length - in) > 0;) {
        const __m256i characters = rest >= 32 ? _mm256_loadu_si256(in256(text + in)) : load_last_block(text, in, length);
        __m256i valid;
        const __m256i index = base64_classify(characters, nibble_mask, &valid);
        size_t run = base64_valid_run(valid, 1); /* the last block's zeros end it by the text's end */
        if (run == 32) {
            base64_store24(dst + out, base64_pack(base64_sextets_of(characters, index)));
            in += 32;
            out += 24;
            continue;
        }
        /* Decoding ends at the first '=' or at the end: the last group of 2 or 3 characters
         * gives 1 or 2 bytes, a single leftover character none.  Anything else ends the run
         * of alphabet characters: the scalar writer goes on from the last whole group. */
        const bool ends = in + run == length || text[in + run] == '=';
        if (!ends)
            run &= ~(size_t)3;
        const size_t produced = run / 4 * 3 + (ends && run % 4 >= 2 ? run % 4 - 1 : 0);
        if (produced) {
            /* sextets past the run are zeroed: a junk value would carry into the group's bytes */
            const __m256i sextets = _mm256_and_si256(base64_sextets_of(characters, index),
                                                     _mm256_cmpgt_epi8(_mm256_set1_epi8((char)run), byte_positions()));
            uint8_t bytes[32];
            _mm256_storeu_si256(out256(bytes), base64_pack(sextets));
            codec_copy_short(dst + out, bytes, produced);
            out += produced;
        }
        if (ends)
            return out;
        return out + codec_base64_decode_write(text + in + run, length - in - run, dst + out);
    }
    return out;
}

/* The end of well-formed text: the `count` (0..4) characters after its last whole group of
 * data (2 or 3 unpadded ones, or a group padded with '=': count 4 only when the text ends
 * in '='), as 0..2 bytes at dst.  Returns the bytes written, or SIZE_MAX for an ending of
 * anything else, which the general writer takes (dst[0], written once the first two
 * characters are data, is then a byte it writes too: two data characters give a byte
 * whatever follows). */
static inline size_t base64_decode_ending(const uint8_t *ending, size_t count, uint8_t *dst)
{
    if (count == 0)
        return 0;
    const uint8_t *values = codec_base64_sextet_values;
    const uint32_t a = values[ending[0]];
    if (count == 1)
        return a & 0x80 ? SIZE_MAX : 0; /* a single leftover character gives nothing */
    const uint32_t b = values[ending[1]];
    if ((a | b) & 0x80)
        return SIZE_MAX;
    dst[0] = (uint8_t)((a << 2) | (b >> 4)); /* inside the output whenever the ending is well-formed */
    if (count == 2)
        return 1;
    const uint32_t c = values[ending[2]];
    if (c == CODEC_BASE64_PAD) /* QQ= and QQ==: decoding stops at the first '=' */
        return 1;
    if (c & 0x80)
        return SIZE_MAX;
    dst[1] = (uint8_t)((b << 4) | (c >> 2)); /* QUI, or QUI= (a 4-character ending ends in '=') */
    return 2;
}

/* The text's whole groups decoded: its ending (base64_decode_ending), or when that is
 * something else, the general writer from the ending on.  Out of line, reached by a tail
 * call: inlined, its scalar registers gave the writer a frame (four saved registers and
 * an aligned stack: 12 instructions a call). */
AVX2 static __attribute__((noinline)) size_t base64_decode_ending_or_rest(const uint8_t *text, size_t length,
                                                                         size_t groups_end, uint8_t *dst)
{
    const size_t out = groups_end / 4 * 3;
    const size_t ending_bytes = base64_decode_ending(text + groups_end, length - groups_end, dst + out);
    if (ending_bytes == SIZE_MAX)
        return base64_decode_write_from(text, groups_end, length, dst);
    return out + ending_bytes;
}

/* Three blocks of characters with one validity test: false, nothing written, if any holds
 * a character outside the alphabets; else the first two blocks' 24 bytes each stored at
 * dst_a and dst_b, and the third's packed bytes returned for the caller to store (whole,
 * or only up to the text's decoded end).  The short paths below share it. */
AVX2 static inline __attribute__((always_inline)) bool base64_decode_three(__m256i a, __m256i b, __m256i c,
                                                                         __m256i nibble_mask, uint8_t *dst_a,
                                                                         uint8_t *dst_b, __m256i *c_packed,
                                                                         bool a_overwritten_by_b)
{
    __m256i a_valid, b_valid, c_valid;
    const __m256i a_index = base64_classify(a, nibble_mask, &a_valid);
    const __m256i b_index = base64_classify(b, nibble_mask, &b_valid);
    const __m256i c_index = base64_classify(c, nibble_mask, &c_valid);
    if (!base64_all_valid(_mm256_min_epu8(a_valid, _mm256_min_epu8(b_valid, c_valid))))
        return false;
    const __m256i a_sextets = base64_sextets_of(a, a_index);
    const __m256i b_sextets = base64_sextets_of(b, b_index);
    const __m256i c_sextets = base64_sextets_of(c, c_index);
    /* the first block's 24 bytes as two 16-byte stores, no lane permute, when the
     * second's store writes the 4 bytes after them again (the caller knows: dst_b =
     * dst_a + 24) */
    if (a_overwritten_by_b)
        base64_store_lanes(dst_a, base64_pack_lanes(a_sextets));
    else
        base64_store24(dst_a, base64_pack(a_sextets));
    base64_store24(dst_b, base64_pack(b_sextets));
    *c_packed = base64_pack(c_sextets);
    return true;
}

/* 32..96 characters of whole groups (groups_end of them, a multiple of 4) as three blocks
 * of 32 with one validity test, no loop: the first at 0, the second at 32 (or, below 64
 * characters, ending where the text does), the third ending where the text does, the
 * blocks overlapping where the text is shorter than 96 (their bytes written again, the
 * same).  False, nothing known written, if any character is outside the alphabets.
 * Straight-line code keeps every constant in a register (the 64-step loop and a last block
 * spilled three of them to an aligned stack frame): the 64-byte row 233 -> 210
 * instructions a call before its ending went into the block (callgrind, avx2). */
AVX2 static inline __attribute__((always_inline)) bool base64_decode_short_groups(const uint8_t *text,
                                                                                size_t groups_end, uint8_t *dst)
{
    const __m256i nibble_mask = _mm256_set1_epi8(0x0F);
    const size_t last = groups_end - 32, second = groups_end >= 64 ? 32 : last;
    const __m256i a = _mm256_loadu_si256(in256(text)), b = _mm256_loadu_si256(in256(text + second)),
                  c = _mm256_loadu_si256(in256(text + last));
    __m256i c_packed;
    if (!base64_decode_three(a, b, c, nibble_mask, dst, dst + second / 4 * 3, &c_packed, false))
        return false;
    base64_store24(dst + last / 4 * 3, c_packed);
    return true;
}

AVX2 static inline __attribute__((always_inline)) size_t base64_decode_short(const uint8_t *text, size_t length,
                                                                           uint8_t *dst, size_t dst_capacity);

/* More than 96 characters of whole groups: the steps of 128, then what they leave, a text
 * of its own from a group boundary: most often 36..96 characters with the ending (the
 * 4 KiB rows' 88 and 86), which take the short path's three blocks with the ending inside
 * the last, one test (4 KiB rows: 3327 -> 3296 instructions a call, callgrind, avx2);
 * else the steps of 64 (base64_decode_64s, which stops before a step holding anything
 * else), then one loop for the block of 32 and the last block, so their constants are
 * loaded once, and the ending by lookups.  Out of line: its registers gave the writer's
 * short path a frame (four saved registers, an aligned stack). */
AVX2 static __attribute__((noinline)) size_t base64_decode_long(const uint8_t *text, size_t length, size_t groups_end,
                                                               uint8_t *dst)
{
    const __m256i nibble_mask = low_nibbles();
    const size_t long_steps = base64_decode_128s(text, groups_end, dst);
    const size_t rest = length - long_steps;
    if (rest >= 36 && rest <= 96 && rest % 4 != 1) {
        const size_t out = base64_decode_short(text + long_steps, rest, dst + long_steps / 4 * 3, SIZE_MAX);
        if (out != SIZE_MAX)
            return long_steps / 4 * 3 + out;
    }
    for (size_t in = long_steps + base64_decode_64s(text + long_steps, groups_end - long_steps,
                                                    dst + long_steps / 4 * 3);
         in < groups_end;) {
        /* a group boundary either way: groups_end is one, and 32 characters are 8 groups */
        const size_t at = in + 32 <= groups_end ? in : groups_end - 32;
        const __m256i characters = _mm256_loadu_si256(in256(text + at));
        __m256i valid;
        const __m256i index = base64_classify(characters, nibble_mask, &valid);
        if (!base64_all_valid(valid))
            return base64_decode_write_from(text, in, length, dst);
        base64_store24(dst + at / 4 * 3, base64_pack(base64_sextets_of(characters, index)));
        in = at + 32;
    }
    return base64_decode_ending_or_rest(text, length, groups_end, dst);
}

/* Text of 36..96 characters whose length is not 4k + 1, ending in one of the ways
 * well-formed text ends, in three blocks of 32 with one validity test and no scalar
 * ending: the first at 0, the second at 32 (or 4 characters before the third), the third
 * at the last group boundary s it can start from (4 <= s <= 64) and holding the text's
 * ending made whole:
 *   - length 4k, no '=' at the end: whole groups, the third block is the last 32;
 *   - length 4k ending in '=' (QQ== or QUI=): the '=' among the last two characters read
 *     as 'A' (sextet 0), so the last group gives its 1 or 2 bytes and zeros after them;
 *   - length 4k + 2 or 4k + 3 (base64url's unpadded QQ, QUI): the last 32 characters
 *     moved down by 2 or 1 across the lanes and 'A's put after them, the same.
 * The first two blocks end at or before the last group, so they are the text as it is.
 * The third block's bytes go out as 16 from its start and 8 ending exactly at the
 * decoded end, so nothing lands past it.  Returns the decoded size, or SIZE_MAX (nothing
 * written: the test comes before any store) when any block holds something else: a skipped character, a byte >= 0x80, a '=' anywhere else (x===).  The
 * 64-byte rows: base64 (88 characters, QQ==) and base64url (86, QQ) 210 and 194 -> 185
 * and 175 instructions a call (callgrind, avx2; 233 and 211 at the start). */
AVX2 static inline __attribute__((always_inline)) size_t base64_decode_short_text(const uint8_t *text, size_t length,
                                                                                uint8_t *dst, size_t dst_capacity,
                                                                                bool from_68)
{
    const __m256i nibble_mask = low_nibbles(); /* one load; gcc built _mm256_set1_epi8 in three */
    const size_t rest = length % 4;
    size_t last, partial; /* the third block's start, and the bytes of the text's last group */
    __m256i c;
    if (rest == 0) {
        last = length - 32;
        c = _mm256_loadu_si256(in256(text + last));
        partial = 3;
        if (text[length - 1] == '=') {
            /* the '=' known where it is: one constant added, no compare (nor a '=' built in
             * a register, which took one of the saved ones) */
            const __m256i last_to_a = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                       0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'A' - '=');
            const __m256i last_two_to_a = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                           0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'A' - '=', 'A' - '=');
            const bool two = text[length - 2] == '=';
            partial = two ? 1 : 2;
            c = _mm256_add_epi8(c, two ? last_two_to_a : last_to_a);
        }
    } else {
        last = length - rest - 28;
        partial = rest - 1;
        const __m256i tail = _mm256_loadu_si256(in256(text + length - 32));
        const __m256i upper_then_zero = _mm256_permute2x128_si256(tail, tail, 0x81);
        if (rest == 2)
            c = _mm256_or_si256(_mm256_alignr_epi8(upper_then_zero, tail, 2),
                                _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                 0, 0, 0, 0, 0, 0, 0, 'A', 'A'));
        else
            c = _mm256_or_si256(_mm256_alignr_epi8(upper_then_zero, tail, 1),
                                _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                                 0, 0, 0, 0, 0, 0, 0, 0, 'A'));
    }
    /* the 8 bytes ending at the decoded end, 13 + partial.. of the third block's bytes, as
     * indexes into its bytes 8..23 (5 + partial .. 12 + partial): taken now, so no register
     * holds `partial` across the blocks (with it, and the arguments kept for the fallback,
     * gcc saved three).  Made from `partial` as one 64-bit immediate per branch (gcc folds
     * the product), not loaded from `slide`: the table's address took a register, the
     * tenth live one, and the entry saved three (push and pop of rbp, r12 and rbx, and the
     * frame: 7 instructions a 64-byte call). */
    __m128i tail_indexes = _mm_cvtsi64_si128((long long)(0x0C0B0A0908070605ull + partial * 0x0101010101010101ull));
    __asm__("" : "+x"(tail_indexes)); /* loaded here: gcc moved the load (and `partial`) to the end */
    const size_t decoded = last / 4 * 3 + 21 + partial; /* well-formed text's exact size */
    if (decoded > dst_capacity)
        return SIZE_MAX;
    /* from 68 characters on the third block starts at 36 or more and the second at 32 (the
     * first's bytes then end under the second's); below, last - 4 <= 32 */
    const size_t second = from_68 ? 32 : last - 4;
    const __m256i a = _mm256_loadu_si256(in256(text)), b = _mm256_loadu_si256(in256(text + second));
    __m256i packed;
    if (!base64_decode_three(a, b, c, nibble_mask, dst, dst + second / 4 * 3, &packed, from_68))
        return SIZE_MAX;
    const __m128i low = _mm256_castsi256_si128(packed), high = _mm256_extracti128_si256(packed, 1);
    _mm_storeu_si128(out128(dst + last / 4 * 3), low);
    _mm_storel_epi64(out128(dst + decoded - 8), _mm_shuffle_epi8(_mm_alignr_epi8(high, low, 8), tail_indexes));
    return decoded;
}

/* base64_decode_short_text for text of 36..96 characters whose length is not 4k + 1 (the
 * entries' and the writer's), in two copies (68..96, 36..67) so the second block's start
 * is a constant in the longer one (a `last >= 36 ? 32 : last - 4` held a register for
 * its 36, which gcc then saved) and its first block goes out as two lane stores;
 * SIZE_MAX for other lengths. */
AVX2 static inline __attribute__((always_inline)) size_t base64_decode_short(const uint8_t *text, size_t length,
                                                                           uint8_t *dst, size_t dst_capacity)
{
    if (length % 4 == 1)
        return SIZE_MAX;
    if (length - 68 <= 96 - 68)
        return base64_decode_short_text(text, length, dst, dst_capacity, true);
    if (length - 36 <= 67 - 36)
        return base64_decode_short_text(text, length, dst, dst_capacity, false);
    return SIZE_MAX;
}

/* The one-shot writer.  Well-formed text (Buffer.toString('base64') of anything, the
 * rows' input) is its whole groups of data, then an ending of 0..4 characters (the last
 * group's 2 or 3, or 4 with '=' padding): the groups go 64 characters per step and 32 at
 * a time, the last (fewer than 32) through one more block of 32 that ENDS at the last
 * whole group and overlaps the decoded ones (their bytes written again, the same), so its
 * 24 bytes end exactly at the data's bytes: no padded copy in, no copy out; the ending is
 * three lookups (base64_decode_long); text of 36..96 characters takes
 * base64_decode_short_text, its ending inside the last block, and other short text
 * base64_decode_short_groups.  At the first block holding anything but alphabet characters
 * (a skipped character, a byte >= 0x80, an early '=') or an ending of anything else,
 * base64_decode_write_from goes on from the last whole group before it. */
AVX2 static size_t avx2_base64_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    if (length >= 36 && length <= 96 && length % 4 != 1) {
        const size_t out = base64_decode_short(text, length, dst, SIZE_MAX);
        if (out != SIZE_MAX)
            return out;
        return base64_decode_write_from(text, 0, length, dst);
    }
    const size_t ending = length % 4 ? length % 4 : length && text[length - 1] == '=' ? 4 : 0;
    const size_t groups_end = length - ending;
    if (groups_end < 32)
        return base64_decode_write_from(text, 0, length, dst);
    if (groups_end > 96)
        return base64_decode_long(text, length, groups_end, dst);
    if (!base64_decode_short_groups(text, groups_end, dst))
        return base64_decode_write_from(text, 0, length, dst);
    return base64_decode_ending_or_rest(text, length, groups_end, dst);
}

/* ---- base64 entries ---------------------------------------------------------------------
 * buf_decode / buf_encode of base64 and base64url come here first (codec_internal.h:
 * decode_entry, encode_entry): the sizes of the short paths above (text of 36..96
 * characters, 24..74 bytes) go straight to them, the capacity test folded in (the short
 * paths know the exact size: decode before its validity test, so nothing is written when
 * the destination is too small), and anything else (other sizes, NULL pointers, a text
 * the short path does not take, a small destination) to codec.c's checked entry, which
 * decides every case as before.  Leaves that save no register: codec.c's entry had the
 * padding-aware bound (~17 instructions a call) and kept `written` across its call of
 * the writer (~7). */
AVX2 static inline __attribute__((always_inline)) buf_status_t
base64_decode_entry(buf_encoding_t encoding, const uint8_t *text, size_t length, uint8_t *dst, size_t dst_capacity,
                    size_t *written)
{
    if (text && dst) {
        const size_t out = base64_decode_short(text, length, dst, dst_capacity);
        if (out != SIZE_MAX) {
            if (written)
                *written = out;
            return BUF_OK;
        }
    }
    return codec_binary_text_decode_entry(encoding, text, length, dst, dst_capacity, written);
}

/* One entry per alphabet although both decode alike: the fallback's encoding is then a
 * constant, not a register kept across the kernel (the kernel's scalar values had used
 * up the caller-saved registers and saved four others: 9 instructions a call). */
AVX2 static buf_status_t avx2_base64_decode_entry(buf_encoding_t encoding, const uint8_t *text, size_t length,
                                                  uint8_t *dst, size_t dst_capacity, size_t *written)
{
    (void)encoding;
    return base64_decode_entry(BUF_ENC_BASE64, text, length, dst, dst_capacity, written);
}

AVX2 static buf_status_t avx2_base64url_decode_entry(buf_encoding_t encoding, const uint8_t *text, size_t length,
                                                     uint8_t *dst, size_t dst_capacity, size_t *written)
{
    (void)encoding;
    return base64_decode_entry(BUF_ENC_BASE64URL, text, length, dst, dst_capacity, written);
}

AVX2 static inline __attribute__((always_inline)) buf_status_t
base64_encode_entry(buf_encoding_t encoding, const uint8_t *bytes, size_t length, uint8_t *dst, size_t dst_capacity,
                    size_t *written, bool url)
{
    /* Room for the output without a division (gcc's 64-bit division by 3 is a `mul`, which
     * takes rdx, the length's register: moves around it): base64, 4 characters per started
     * group, needs 4 * ceil(length / 3) <= capacity, that is length <= 3 * floor(capacity /
     * 4); base64url, unpadded, ceil(4 * length / 3) <= capacity, that is 4 * length <= 3 *
     * capacity (a capacity of 99 or more holds any 74 bytes: no overflow). */
    const bool room = url ? dst_capacity >= 99 || 4 * length <= 3 * dst_capacity : length <= dst_capacity / 4 * 3;
    if (length - 24 <= 74 - 24 && room && bytes && dst) {
        const size_t out = base64_encode_short(bytes, length, length / 3 * 3, dst, url);
        if (written)
            *written = out;
        return BUF_OK;
    }
    return codec_binary_text_encode_entry(encoding, bytes, length, dst, dst_capacity, written);
}

AVX2 static buf_status_t avx2_base64_standard_encode_entry(buf_encoding_t encoding, const uint8_t *bytes,
                                                           size_t length, uint8_t *dst, size_t dst_capacity,
                                                           size_t *written)
{
    return base64_encode_entry(encoding, bytes, length, dst, dst_capacity, written, false);
}

AVX2 static buf_status_t avx2_base64url_encode_entry(buf_encoding_t encoding, const uint8_t *bytes, size_t length,
                                                     uint8_t *dst, size_t dst_capacity, size_t *written)
{
    return base64_encode_entry(encoding, bytes, length, dst, dst_capacity, written, true);
}

/* ---- hex --------------------------------------------------------------------------------- */
AVX2 static size_t avx2_hex_encode(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const __m256i digits = BOTH_LANES('0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f');
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

/* Hex digit values by arithmetic alone (no lookups: the shuffle ports stay free for the
 * packing, and each step is six one-cycle operations on any vector port): every byte
 * becomes its value 0..15 if it is a digit and something >= 16 if not, so one test of
 * the high nibbles of all of them (or of several registers ORed) is the validity check.
 *   digits:  c + 0x46 puts '0'..'9' at 0x76..0x7F, the top of the signed bytes; a signed
 *            saturating + (-118) takes them to 0..9, every byte from 0 to 0x75 to
 *            -118..-1 (0x8A..0xFF) and every negative one to -128 (0x80), so all other
 *            bytes land at 0x80 or above (two operations, found by an exhaustive search
 *            of two-operation maps; the wrapping + 0xC6, saturating - 6, - 0xF0 it
 *            replaces took three: a 4 KiB call 3269 -> 3007 instructions, callgrind);
 *   letters: (c & 0xDF) - 'A' is 0..5 for A-F and a-f only (bit 7 stays, so 0xC1 does not
 *            pass for 'A'); a saturating + 10 gives 10..15 for them and 16..255 for the rest
 *            (no two-operation map exists for them: the same search);
 *   value:   the unsigned minimum of the two, below 16 exactly for the 22 digits. */
/* The constants (+ 0x46, -118, the case bit cleared, - 'A', 10, the high nibble), loaded
 * from one table through a pointer the compiler cannot see into (as
 * codec_utf8_avx2.c does): _mm256_set1_epi8 made gcc build each from a general register
 * (mov, vmovd, vpbroadcastb), three instructions where a load is one. */
#define REPEAT8(b) b, b, b, b, b, b, b, b
#define ROW32(b) {REPEAT8(b), REPEAT8(b), REPEAT8(b), REPEAT8(b)}
static const uint8_t hex_constant_rows[6][32] __attribute__((aligned(32))) = {
    ROW32(0x46), ROW32(0x8A), ROW32(0xDF), ROW32(0xBF), ROW32(10), ROW32(0xF0),
};
typedef struct hex_constants {
    __m256i plus_46, minus_118, case_bit_clear, minus_a, ten, high_nibble;
} hex_constants_t;

AVX2 static inline hex_constants_t hex_constants(void)
{
    const uint8_t(*rows)[32] = hex_constant_rows;
    __asm__("" : "+r"(rows)); /* an address the compiler no longer knows the contents of */
    const hex_constants_t k = {
        _mm256_load_si256((const __m256i *)(const void *)rows[0]), _mm256_load_si256((const __m256i *)(const void *)rows[1]),
        _mm256_load_si256((const __m256i *)(const void *)rows[2]), _mm256_load_si256((const __m256i *)(const void *)rows[3]),
        _mm256_load_si256((const __m256i *)(const void *)rows[4]), _mm256_load_si256((const __m256i *)(const void *)rows[5]),
    };
    return k;
}

AVX2 static inline __m256i hex_digit_values(const hex_constants_t *k, __m256i characters)
{
    const __m256i digits = _mm256_adds_epi8(_mm256_add_epi8(characters, k->plus_46), k->minus_118);
    const __m256i letters =
        _mm256_adds_epu8(_mm256_add_epi8(_mm256_and_si256(characters, k->case_bit_clear), k->minus_a), k->ten);
    return _mm256_min_epu8(digits, letters);
}

/* True when every byte of `values` (hex_digit_values) is a digit's value. */
AVX2 static inline bool hex_all_digits(const hex_constants_t *k, __m256i values)
{
    return _mm256_testz_si256(values, k->high_nibble);
}

/* 32 digit values -> 16 bytes (high digit * 16 + low digit) in each 16-bit lane's low byte */
AVX2 static inline __m256i hex_pairs_of(__m256i values)
{
    return _mm256_maddubs_epi16(values, _mm256_set1_epi16(0x0110));
}

/* 128 digits per step (one validity test for four registers), then 32 at a time, then
 * block by block, each decoded up to its first non-digit in whole pairs (the last short
 * block through a copy padded with zeros, its bytes written through a copy), so the
 * scalar code meets the pair that stops the decoding right away. */
AVX2 static __attribute__((noinline)) size_t avx2_hex_decode(const uint8_t *text, size_t length, uint8_t *dst)
{
    const hex_constants_t k = hex_constants();
    size_t in = 0;
    for (; in + 128 <= length; in += 128) {
        const __m256i a = hex_digit_values(&k, _mm256_loadu_si256(in256(text + in)));
        const __m256i b = hex_digit_values(&k, _mm256_loadu_si256(in256(text + in + 32)));
        const __m256i c = hex_digit_values(&k, _mm256_loadu_si256(in256(text + in + 64)));
        const __m256i d = hex_digit_values(&k, _mm256_loadu_si256(in256(text + in + 96)));
        if (!hex_all_digits(&k, _mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d))))
            break; /* the steps below take the pairs before the first non-digit */
        const __m256i first = _mm256_packus_epi16(hex_pairs_of(a), hex_pairs_of(b));
        const __m256i second = _mm256_packus_epi16(hex_pairs_of(c), hex_pairs_of(d));
        _mm256_storeu_si256(out256(dst + in / 2), _mm256_permute4x64_epi64(first, 0xD8)); /* lanes 0 2 1 3 */
        _mm256_storeu_si256(out256(dst + in / 2 + 32), _mm256_permute4x64_epi64(second, 0xD8));
    }
    for (; in + 32 <= length; in += 32) {
        const __m256i values = hex_digit_values(&k, _mm256_loadu_si256(in256(text + in)));
        if (!hex_all_digits(&k, values))
            break;
        const __m256i pairs = hex_pairs_of(values);
        _mm_storeu_si128(out128(dst + in / 2),
                         _mm_packus_epi16(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1)));
    }
    for (size_t rest; (rest = length - in) >= 2;) {
        const __m256i characters = rest >= 32 ? _mm256_loadu_si256(in256(text + in)) : load_last_block_out_of_line(text, in, length);
        const __m256i values = hex_digit_values(&k, characters);
        const size_t used = valid_run(_mm256_and_si256(values, k.high_nibble), 2);
        if (used == 0)
            break;
        const __m256i pairs = hex_pairs_of(values);
        const __m128i bytes = _mm_packus_epi16(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
        if (used == 32) {
            _mm_storeu_si128(out128(dst + in / 2), bytes);
        } else {
            uint8_t packed[16];
            _mm_storeu_si128(out128(packed), bytes);
            codec_copy_short(dst + in / 2, packed, used / 2);
        }
        in += used;
        if (used < 32)
            break;
    }
    return in;
}

/* The one-shot writer after the first block that is not all digits (or for text of fewer
 * than 32 characters): the kernel from `in` (a pair boundary), then the scalar writer from
 * the pair that stops it.  The kernel stays out of line: inlined, gcc's loop kept a flag
 * in a register through every step (4 KiB: 3274 -> 3509 instructions a call, callgrind). */
AVX2 static __attribute__((noinline)) size_t hex_decode_write_from(const uint8_t *text, size_t in, size_t length,
                                                                  uint8_t *dst)
{
    in += avx2_hex_decode(text + in, length - in, dst + in / 2);
    if (in == length)
        return in / 2;
    return in / 2 + codec_hex_decode_write(text + in, length - in, dst + in / 2);
}

/* 32 characters of digits at text as 16 bytes at dst; false (nothing written) if any is not
 * a digit. */
AVX2 static inline bool hex_decode_block(const hex_constants_t *k, const uint8_t *text, uint8_t *dst)
{
    const __m256i values = hex_digit_values(k, _mm256_loadu_si256(in256(text)));
    if (!hex_all_digits(k, values))
        return false;
    const __m256i pairs = hex_pairs_of(values);
    _mm_storeu_si128(out128(dst), _mm_packus_epi16(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1)));
    return true;
}

/* 32..256 characters (pairs_end, even) of digits decoded in blocks of 32 (the short path of
 * avx2_hex_decode_write and avx2_hex_decode_entry): NULL when every block held only
 * digits, else the start of the first block that did not (nothing from it on written as
 * the text's bytes; the caller goes on from there or starts over). */
AVX2 static inline __attribute__((always_inline)) const uint8_t *hex_decode_short(const uint8_t *text,
                                                                                size_t pairs_end, uint8_t *dst)
{
    const hex_constants_t k = hex_constants();
    /* by pointers, the last block's start the loop's end, the answer a pointer: three
     * scalar registers beside the caller's (with counters, and with the characters done
     * as the answer, gcc kept avx2_hex_decode_entry's arguments in saved registers: 107
     * and 117 instructions a 64-byte row's call against 103) */
    const uint8_t *in = text, *last = text + pairs_end - 32;
    __asm__("" : "+r"(last)); /* its distance from text taken again at the end, not kept */
    uint8_t *out = dst;
    if (pairs_end >= 128) {
        const __m256i a = hex_digit_values(&k, _mm256_loadu_si256(in256(in)));
        const __m256i b = hex_digit_values(&k, _mm256_loadu_si256(in256(in + 32)));
        const __m256i c = hex_digit_values(&k, _mm256_loadu_si256(in256(in + 64)));
        const __m256i d = hex_digit_values(&k, _mm256_loadu_si256(in256(in + 96)));
        if (!hex_all_digits(&k, _mm256_or_si256(_mm256_or_si256(a, b), _mm256_or_si256(c, d))))
            return in;
        const __m256i first = _mm256_packus_epi16(hex_pairs_of(a), hex_pairs_of(b));
        const __m256i second = _mm256_packus_epi16(hex_pairs_of(c), hex_pairs_of(d));
        _mm256_storeu_si256(out256(out), _mm256_permute4x64_epi64(first, 0xD8)); /* lanes 0 2 1 3 */
        _mm256_storeu_si256(out256(out + 32), _mm256_permute4x64_epi64(second, 0xD8));
        in += 128;
        out += 64;
    }
    for (; in < last; in += 32, out += 16)
        if (!hex_decode_block(&k, in, out))
            return in;
    /* the last 32 characters, ending at the last pair (decoded again where they overlap) */
    if (in < last + 32 && !hex_decode_block(&k, last, dst + (size_t)(last - text) / 2))
        return in;
    return NULL;
}

/* The one-shot writer.  Short hex of digits only (up to 256 characters: a short buffer's
 * whole hex, the 64-byte row's 128) goes through hex_decode_short: 128 with one test, then
 * 32 at a time, the last (fewer than 32) through one block of 32 that ends at the last
 * pair and overlaps the decoded ones (their bytes written again, the same): no padded
 * copy, no scalar tail, and an odd last character is dropped as Node drops it.  The
 * kernel's frame (its constants spilled to an aligned stack area for the loops after the
 * 128-step) and the call to it are gone from this path: a 64-byte row 165 -> 121
 * instructions a call (callgrind, avx2; codec.c's entry included).  Longer text takes the
 * kernel's loop (inlined: gcc kept copies of the constants in the step: 4 KiB 3250 ->
 * 3357).  At the first block holding anything but digits, hex_decode_write_from goes on
 * from that block. */
AVX2 static size_t avx2_hex_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    const size_t pairs_end = length & ~(size_t)1;
    if (pairs_end < 32 || pairs_end > 256)
        return hex_decode_write_from(text, 0, length, dst);
    const uint8_t *stop = hex_decode_short(text, pairs_end, dst);
    if (stop)
        return hex_decode_write_from(text, (size_t)(stop - text), length, dst);
    return pairs_end / 2;
}

/* buf_decode of hex at this level (codec_internal.h: decode_entry): text of 32..257
 * characters of digits (the 64-byte row's 128) straight to hex_decode_short (the writer's short path), the pointer
 * and capacity tests its own (hex decodes to at most length / 2 bytes); anything else (a
 * non-digit, other sizes, NULL pointers, a small destination) to codec.c's checked entry,
 * which decides every case as before, writing again what the short path wrote (the same
 * bytes: only blocks of digits before the first other character are written).  A leaf
 * that saves no register: codec.c's entry (the kernels' table, its tests, the writer's
 * call, `written` kept across it) was 29 of the 64-byte row's 115 instructions a call. */
AVX2 static buf_status_t avx2_hex_decode_entry(buf_encoding_t encoding, const uint8_t *text, size_t length,
                                               uint8_t *dst, size_t dst_capacity, size_t *written)
{
    (void)encoding; /* hex: the fallback's encoding a constant, so its register is free here */
    const size_t pairs_end = length & ~(size_t)1;
    if (!text || !dst || pairs_end - 32 > 256 - 32 || dst_capacity < pairs_end / 2)
        return codec_binary_text_decode_entry(BUF_ENC_HEX, text, length, dst, dst_capacity, written);
    if (hex_decode_short(text, pairs_end, dst))
        return codec_binary_text_decode_entry(BUF_ENC_HEX, text, length, dst, dst_capacity, written);
    if (written)
        *written = pairs_end / 2;
    return BUF_OK;
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

/* ---- latin1 and ascii one-shot writers ------------------------------------------------------
 * ASCII text is its own latin1 (and ascii) decode, and ASCII bytes their own latin1
 * encode: the writer copies 64 bytes per step with one test, the last 32 bytes as one
 * block overlapping the copied ones (the same bytes again), and returns with no frame and
 * no kernel-table call (a 64-byte latin1 decode: the scalar writer's loop, its saved
 * registers and the kernel call were 70 of 110 instructions).  At the first block holding
 * a byte >= 0x80 the scalar writer goes on from that block: the blocks before it were
 * ASCII, so it starts at a character, and output and input positions agree. */
AVX2 static inline __attribute__((always_inline)) size_t ascii_copy_whole(const uint8_t *text, size_t length,
                                                                          uint8_t *dst)
{
    if (length < 32)
        return 0;
    /* the 64-byte steps are the ascii_copy kernel's own loop, called: inlined here, the same
     * instructions ran 4 KiB of latin1 encode at 31 GB/s against the kernel's 40 */
    size_t in = length >= 128 ? avx2_ascii_copy(text, length, dst) : ascii_run(text, length, dst, true);
    for (; in + 32 <= length; in += 32) {
        const __m256i block = _mm256_loadu_si256(in256(text + in));
        if (_mm256_movemask_epi8(block))
            return in;
        _mm256_storeu_si256(out256(dst + in), block);
    }
    if (in < length) {
        const __m256i last = _mm256_loadu_si256(in256(text + length - 32));
        if (_mm256_movemask_epi8(last))
            return in;
        _mm256_storeu_si256(out256(dst + length - 32), last);
    }
    return length;
}

AVX2 static size_t avx2_latin1_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    const size_t copied = ascii_copy_whole(text, length, dst);
    if (copied == length)
        return length;
    return copied + codec_latin1_decode_write(text + copied, length - copied, dst + copied);
}

AVX2 static size_t avx2_latin1_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const size_t copied = ascii_copy_whole(bytes, length, dst);
    if (copied == length)
        return length;
    return copied + codec_latin1_encode_write(bytes + copied, length - copied, dst + copied);
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

/* ---- utf16le one-shot writers ----------------------------------------------------------------
 * As latin1's: ASCII text (ASCII units) whole, the last block overlapping the converted
 * ones, no frame and no kernel-table call; the scalar writer goes on from the first block
 * holding anything else (after ASCII, so at a character or unit boundary, with no
 * surrogate pair cut). */
AVX2 static inline void widen32(__m256i block, uint8_t *dst)
{
    _mm256_storeu_si256(out256(dst), _mm256_cvtepu8_epi16(_mm256_castsi256_si128(block)));
    _mm256_storeu_si256(out256(dst + 32), _mm256_cvtepu8_epi16(_mm256_extracti128_si256(block, 1)));
}

AVX2 static size_t avx2_utf16le_decode_write(const uint8_t *text, size_t length, uint8_t *dst)
{
    size_t in = 0;
    if (length >= 32) {
        for (; in + 32 <= length; in += 32) {
            const __m256i block = _mm256_loadu_si256(in256(text + in));
            if (_mm256_movemask_epi8(block))
                break;
            widen32(block, dst + 2 * in);
        }
        if (in < length && in + 32 > length) {
            const __m256i last = _mm256_loadu_si256(in256(text + length - 32));
            if (!_mm256_movemask_epi8(last)) {
                widen32(last, dst + 2 * (length - 32));
                return 2 * length;
            }
        }
        if (in == length)
            return 2 * length;
    }
    return 2 * in + codec_utf16le_decode_write(text + in, length - in, dst + 2 * in);
}

AVX2 static inline __m256i narrow64(const uint8_t *bytes)
{
    const __m256i a = _mm256_loadu_si256(in256(bytes)), b = _mm256_loadu_si256(in256(bytes + 32));
    return _mm256_permute4x64_epi64(_mm256_packus_epi16(a, b), 0xD8);
}

AVX2 static inline bool units_are_ascii64(const uint8_t *bytes)
{
    const __m256i a = _mm256_loadu_si256(in256(bytes)), b = _mm256_loadu_si256(in256(bytes + 32));
    return _mm256_testz_si256(_mm256_or_si256(a, b), _mm256_set1_epi16((short)0xFF80));
}

AVX2 static size_t avx2_utf16le_encode_write(const uint8_t *bytes, size_t length, uint8_t *dst)
{
    const size_t whole_units = length & ~(size_t)1; /* an odd last byte is dropped */
    size_t in = 0;
    if (whole_units >= 64) {
        for (; in + 64 <= whole_units && units_are_ascii64(bytes + in); in += 64)
            _mm256_storeu_si256(out256(dst + in / 2), narrow64(bytes + in));
        if (in < whole_units && in + 64 > whole_units && units_are_ascii64(bytes + whole_units - 64)) {
            _mm256_storeu_si256(out256(dst + (whole_units - 64) / 2), narrow64(bytes + whole_units - 64));
            return whole_units / 2;
        }
        if (in == whole_units)
            return whole_units / 2;
    }
    return in / 2 + codec_utf16le_encode_write(bytes + in, length - in, dst + in / 2);
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
    /* 64 bytes per step: the 32-byte loop's five instructions ran at half speed (64 KiB:
     * 30 -> 20 GB/s) when a change elsewhere in the file moved them across a 64-byte
     * boundary (the op cache's window); two stores per step hide that */
    const __m256i low_seven = _mm256_set1_epi8(0x7F);
    size_t in = 0;
    for (; in + 64 <= length; in += 64) {
        _mm256_storeu_si256(out256(dst + in), _mm256_and_si256(_mm256_loadu_si256(in256(bytes + in)), low_seven));
        _mm256_storeu_si256(out256(dst + in + 32),
                            _mm256_and_si256(_mm256_loadu_si256(in256(bytes + in + 32)), low_seven));
    }
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
    .encode_write = CODEC_ENCODE_WRITERS(avx2_utf16le_encode_write, avx2_latin1_encode_write,
                                         avx2_base64_standard_encode_write, avx2_base64url_encode_write),
    .decode_write = CODEC_DECODE_WRITERS(avx2_utf16le_decode_write, avx2_latin1_decode_write, avx2_hex_decode_write,
                                         avx2_base64_decode_write),
    .encode_entry = CODEC_ENTRIES(codec_binary_text_encode_entry, avx2_base64_standard_encode_entry,
                                  avx2_base64url_encode_entry),
    .decode_entry = CODEC_ENTRIES(avx2_hex_decode_entry, avx2_base64_decode_entry, avx2_base64url_decode_entry),
    .utf8_copy_whole = codec_utf8_avx2_copy_whole, /* codec_utf8_avx2.c */
};
#endif
