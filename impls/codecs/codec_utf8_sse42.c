/* codec_utf8_sse42.c — UTF-8 validation fused with the copy, 16 bytes per block (level "sse42").
 *
 * The same walk as codec_utf8_avx2.c (read its opening for the choices behind it) on
 * 128-bit registers: the lookup tables of codec_utf8_simd.h (pshufb is SSSE3, ptest
 * SSE4.1: every SSE4.2 CPU has both), the bytes one to three back loaded from the text,
 * four blocks per step with one ASCII test and one error test, and the text's last bytes
 * checked as one block ending exactly at `length'.
 */
#include "codec_internal.h"

#ifdef CODEC_HAVE_X86_KERNELS
#include <immintrin.h>

#include "codec_utf8_simd.h"

#define SSE42 __attribute__((target("sse4.2")))

SSE42 static inline __m128i load16(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }
SSE42 static inline void store16(uint8_t *p, __m128i v) { _mm_storeu_si128((__m128i *)(void *)p, v); }

/* ---- The constants -------------------------------------------------------------------------
 * Loaded once per call from one table, as in codec_utf8_avx2.c. */
#define REPEAT4(b) b, b, b, b
#define REPEAT16(b) REPEAT4(b), REPEAT4(b), REPEAT4(b), REPEAT4(b)

static const uint8_t constant_table[7][16] __attribute__((aligned(16))) = {
    {UTF8_BY_PREVIOUS_HIGH},           {UTF8_BY_PREVIOUS_LOW},
    {UTF8_BY_CURRENT_HIGH},            {REPEAT16(UTF8_NIBBLE_MASK)},
    {REPEAT16(UTF8_THIRD_BYTE_OFFSET)}, {REPEAT16(UTF8_FOURTH_BYTE_OFFSET)},
    {REPEAT16(UTF8_HIGH_BIT)},
};

typedef struct constants {
    __m128i by_previous_high, by_previous_low, by_current_high, nibble_mask, third_byte, fourth_byte, high_bit;
} constants_t;

SSE42 static inline constants_t load_constants(void)
{
    const uint8_t(*table)[16] = constant_table;
    __asm__("" : "+r"(table)); /* an address the compiler no longer knows the contents of */
    const constants_t constants = {
        _mm_load_si128((const __m128i *)(const void *)table[0]), _mm_load_si128((const __m128i *)(const void *)table[1]),
        _mm_load_si128((const __m128i *)(const void *)table[2]), _mm_load_si128((const __m128i *)(const void *)table[3]),
        _mm_load_si128((const __m128i *)(const void *)table[4]), _mm_load_si128((const __m128i *)(const void *)table[5]),
        _mm_load_si128((const __m128i *)(const void *)table[6]),
    };
    return constants;
}

/* ---- One block ------------------------------------------------------------------------------
 * Nonzero bytes where `input' breaks well-formedness, given the bytes one, two and three
 * back (see codec_utf8_simd.h for the tables). */
SSE42 static inline __m128i block_errors(const constants_t *k, __m128i input, __m128i previous1, __m128i previous2,
                                         __m128i previous3)
{
    const __m128i previous_high = _mm_and_si128(_mm_srli_epi16(previous1, 4), k->nibble_mask);
    const __m128i current_high = _mm_and_si128(_mm_srli_epi16(input, 4), k->nibble_mask);
    const __m128i pair_errors =
        _mm_and_si128(_mm_and_si128(_mm_shuffle_epi8(k->by_previous_high, previous_high),
                                    _mm_shuffle_epi8(k->by_previous_low, _mm_and_si128(previous1, k->nibble_mask))),
                      _mm_shuffle_epi8(k->by_current_high, current_high));
    const __m128i must_continue = _mm_and_si128(
        _mm_or_si128(_mm_subs_epu8(previous2, k->third_byte), _mm_subs_epu8(previous3, k->fourth_byte)), k->high_bit);
    return _mm_xor_si128(must_continue, pair_errors);
}

/* The block at text + at, at >= 3: the bytes before it are loaded from the text. */
SSE42 static inline __m128i errors_at(const constants_t *k, const uint8_t *text, size_t at, __m128i input)
{
    return block_errors(k, input, load16(text + at - 1), load16(text + at - 2), load16(text + at - 3));
}

SSE42 static inline bool no_errors(__m128i errors) { return _mm_testz_si128(errors, errors); }

/* ---- The kernel -------------------------------------------------------------------------- */
SSE42 static inline __attribute__((always_inline)) size_t valid_prefix(const uint8_t *text, size_t length,
                                                                       uint8_t *dst, bool copy)
{
    if (length < 16)
        return 0; /* the scalar code is quicker than any set-up for a few bytes */
    /* the first block: nothing before it, so the bytes shifted in are zeros (ASCII) */
    const __m128i first = load16(text);
    const constants_t constants = load_constants(), *k = &constants;
    if (_mm_movemask_epi8(first) != 0) {
        const __m128i zeros = _mm_setzero_si128();
        if (!no_errors(block_errors(k, first, _mm_alignr_epi8(first, zeros, 15), _mm_alignr_epi8(first, zeros, 14),
                                    _mm_alignr_epi8(first, zeros, 13))))
            return 0;
    }
    if (copy)
        store16(dst, first);
    size_t in = 16;
    for (; in + 64 <= length; in += 64) {
        const __m128i a = load16(text + in), b = load16(text + in + 16);
        const __m128i c = load16(text + in + 32), d = load16(text + in + 48);
        const __m128i a_previous1 = load16(text + in - 1);
        /* ASCII from the byte before the step on: no lead waits for bytes, no error */
        const __m128i all = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(_mm_or_si128(c, d), a_previous1));
        if (_mm_movemask_epi8(all) != 0) {
            const __m128i errors = _mm_or_si128(
                _mm_or_si128(block_errors(k, a, a_previous1, load16(text + in - 2), load16(text + in - 3)),
                             errors_at(k, text, in + 16, b)),
                _mm_or_si128(errors_at(k, text, in + 32, c), errors_at(k, text, in + 48, d)));
            if (!no_errors(errors))
                break; /* the 16-byte loop below finds the block */
        }
        if (copy) {
            store16(dst + in, a);
            store16(dst + in + 16, b);
            store16(dst + in + 32, c);
            store16(dst + in + 48, d);
        }
    }
    for (; in + 16 <= length; in += 16) {
        const __m128i block = load16(text + in), previous1 = load16(text + in - 1);
        if (_mm_movemask_epi8(_mm_or_si128(block, previous1)) != 0 &&
            !no_errors(block_errors(k, block, previous1, load16(text + in - 2), load16(text + in - 3))))
            return codec_utf8_before_cut_character(text, in);
        if (copy)
            store16(dst + in, block);
    }
    /* the last 1..15 bytes: one block ending at `length', overlapping checked bytes (it
     * needs 3 bytes before it inside the text: length >= 19) */
    if (in < length && length >= 19) {
        const __m128i block = load16(text + length - 16);
        if (!no_errors(errors_at(k, text, length - 16, block)))
            return codec_utf8_before_cut_character(text, in);
        if (copy)
            store16(dst + length - 16, block);
        in = length;
    }
    return codec_utf8_before_cut_character(text, in);
}

SSE42 size_t codec_utf8_sse42_valid_prefix(const uint8_t *text, size_t length, uint8_t *dst)
{
    return dst ? valid_prefix(text, length, dst, true) : valid_prefix(text, length, NULL, false);
}
#endif
