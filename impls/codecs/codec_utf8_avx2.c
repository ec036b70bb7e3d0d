/* codec_utf8_avx2.c — UTF-8 validation fused with the copy, 32 bytes per block (level "avx2").
 *
 * The kernel behind utf8 encode and decode (codec_utf8.c), whose hot path on well-formed
 * text is "check and copy".  It checks each 32-byte block with the lookup tables of
 * codec_utf8_simd.h and stores it to dst in the same pass.  What sets its speed (figures
 * in README "SIMD levels"):
 *
 *   - The bytes one, two and three back are three more unaligned LOADS of the text, not
 *     the usual lane-crossing permute and three palignr: the load ports have room, while
 *     palignr, pshufb and the nibble shifts all queue for the same two shuffle/shift pipes
 *     on this machine's Zen 3 (Intel: port 5).  Measured on 4 KiB of multilingual text:
 *     loads 15.7 GB/s, shuffles 14.7.  Only the first block, with nothing before it,
 *     builds them in registers.
 *   - All-ASCII steps of 64 bytes are copied with no check; mixed text is walked in
 *     stretches of 32-byte blocks with one error test per stretch (long_valid_prefix).
 *   - The text's last bytes are checked as one more block that ends exactly at `length',
 *     overlapping the blocks before it, so well-formed text of 35 bytes or more is
 *     consumed whole and the scalar code has nothing left to do; texts of 32..64 bytes
 *     are exactly a first and a last block (short_valid_prefix).
 *   - The validation constants are loaded from one table, not rebuilt from immediates.
 *
 * A block with an error stops the kernel before the block (before a character the checked
 * bytes leave unfinished, too); the scalar code in codec_utf8.c meets the error at its
 * exact byte and writes U+FFFD as Node does, then calls the kernel again after it.
 */
#include "codec_internal.h"

#ifdef CODEC_HAVE_X86_KERNELS
#include <immintrin.h>

#include "codec_utf8_simd.h"

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i load32(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }
AVX2 static inline void store32(uint8_t *p, __m256i v) { _mm256_storeu_si256((__m256i *)(void *)p, v); }

/* ---- The constants -------------------------------------------------------------------------
 * Loaded once per call from one table (through a pointer the compiler cannot see into, so
 * it keeps them as loads instead of rebuilding each broadcast from immediates: that was a
 * third of the instructions of a 64-byte call). */
#define REPEAT4(b) b, b, b, b
#define REPEAT32(b) REPEAT4(b), REPEAT4(b), REPEAT4(b), REPEAT4(b), REPEAT4(b), REPEAT4(b), REPEAT4(b), REPEAT4(b)

static const uint8_t constant_table[7][32] __attribute__((aligned(32))) = {
    {UTF8_BY_PREVIOUS_HIGH, UTF8_BY_PREVIOUS_HIGH},
    {UTF8_BY_PREVIOUS_LOW, UTF8_BY_PREVIOUS_LOW},
    {UTF8_BY_CURRENT_HIGH, UTF8_BY_CURRENT_HIGH},
    {REPEAT32(UTF8_NIBBLE_MASK)},
    {REPEAT32(UTF8_THIRD_BYTE_OFFSET)},
    {REPEAT32(UTF8_FOURTH_BYTE_OFFSET)},
    {REPEAT32(UTF8_HIGH_BIT)},
};

typedef struct constants {
    __m256i by_previous_high, by_previous_low, by_current_high, nibble_mask, third_byte, fourth_byte, high_bit;
} constants_t;

AVX2 static inline constants_t load_constants(void)
{
    const uint8_t(*table)[32] = constant_table;
    __asm__("" : "+r"(table)); /* an address the compiler no longer knows the contents of */
    const constants_t constants = {
        _mm256_load_si256((const __m256i *)(const void *)table[0]),
        _mm256_load_si256((const __m256i *)(const void *)table[1]),
        _mm256_load_si256((const __m256i *)(const void *)table[2]),
        _mm256_load_si256((const __m256i *)(const void *)table[3]),
        _mm256_load_si256((const __m256i *)(const void *)table[4]),
        _mm256_load_si256((const __m256i *)(const void *)table[5]),
        _mm256_load_si256((const __m256i *)(const void *)table[6]),
    };
    return constants;
}

/* ---- One block ----------------------------------------------------------------------------
 * Nonzero bytes where `input' breaks well-formedness, given the bytes one, two and three
 * back (previous1..3, byte i of each being the byte i-1..i-3 of the text). */
AVX2 static inline __m256i block_errors(const constants_t *k, __m256i input, __m256i previous1, __m256i previous2,
                                        __m256i previous3)
{
    const __m256i previous_high = _mm256_and_si256(_mm256_srli_epi16(previous1, 4), k->nibble_mask);
    const __m256i current_high = _mm256_and_si256(_mm256_srli_epi16(input, 4), k->nibble_mask);
    const __m256i pair_errors = _mm256_and_si256(
        _mm256_and_si256(_mm256_shuffle_epi8(k->by_previous_high, previous_high),
                         _mm256_shuffle_epi8(k->by_previous_low, _mm256_and_si256(previous1, k->nibble_mask))),
        _mm256_shuffle_epi8(k->by_current_high, current_high));
    const __m256i must_continue = _mm256_and_si256(
        _mm256_or_si256(_mm256_subs_epu8(previous2, k->third_byte), _mm256_subs_epu8(previous3, k->fourth_byte)),
        k->high_bit);
    return _mm256_xor_si256(must_continue, pair_errors);
}

/* The block at text + at, at >= 3: the bytes before it are loaded from the text. */
AVX2 static inline __m256i errors_at(const constants_t *k, const uint8_t *text, size_t at, __m256i input)
{
    /* one load of the bytes one back: left to itself gcc read them twice, once for the
     * shift and once as the AND's memory operand (five loads a block instead of four) */
    __m256i previous1 = load32(text + at - 1);
    __asm__("" : "+x"(previous1));
    return block_errors(k, input, previous1, load32(text + at - 2), load32(text + at - 3));
}

AVX2 static inline bool no_errors(__m256i errors) { return _mm256_testz_si256(errors, errors); }

/* The first block of the text: nothing before it, so the bytes shifted in are zeros
 * (ASCII, which no byte has to continue). */
AVX2 static inline __m256i first_block_errors(const constants_t *k, __m256i first)
{
    const __m256i carried = _mm256_permute2x128_si256(first, first, 0x08); /* [zeros, low lane] */
    return block_errors(k, first, _mm256_alignr_epi8(first, carried, 15), _mm256_alignr_epi8(first, carried, 14),
                        _mm256_alignr_epi8(first, carried, 13));
}

/* ---- The kernel -------------------------------------------------------------------------- */
/* Texts of 32..64 bytes, the first block and the one ending at `length' (overlapping when
 * shorter than 64): one ASCII test for both, and no constants loaded for ASCII.  Any error
 * returns 0: the scalar code reads at most 64 bytes to it. */
AVX2 static inline __attribute__((always_inline)) size_t short_valid_prefix(const uint8_t *text, size_t length,
                                                                            uint8_t *dst, bool copy)
{
    const __m256i first = load32(text), last = load32(text + length - 32);
    size_t checked = length;
    if (_mm256_movemask_epi8(_mm256_or_si256(first, last)) != 0) {
        const constants_t constants = load_constants(), *k = &constants;
        __m256i errors = first_block_errors(k, first);
        if (length >= 35) /* the last block needs 3 bytes before it inside the text */
            errors = _mm256_or_si256(errors, errors_at(k, text, length - 32, last));
        else
            checked = 32;
        if (!no_errors(errors))
            return 0;
    }
    if (copy) {
        store32(dst, first);
        store32(dst + length - 32, last);
    }
    return codec_utf8_before_cut_character(text, checked);
}

/* Texts above 64 bytes: the first block, steps of 64, then the last block.
 *
 * An all-ASCII step (the byte before it included, which rules out a character cut at its
 * start) is copied with no check.  Any other step starts a mixed stretch of up to STRETCH
 * bytes, walked two 32-byte blocks per iteration (the first alone when their number is
 * odd) with no ASCII test and one error test at its end: in multilingual text the
 * per-step ASCII test never pays, and an empty asm between the two blocks keeps every
 * constant in a register (without it the two-block body spilled).  The stretch stores its
 * blocks before they are checked (allowed: see the kernel contract in codec_internal.h);
 * on an error the 32-byte loop below walks the stretch again to find the block, so the
 * stretch length only prices ill-formed text.  Measured on 4 KiB of multilingual text
 * (best of 40 interleaved runs): 256-byte stretches of 64-byte steps 15.9 GB/s; 32-byte
 * blocks in stretches of 512: 18.9, 1024: 19.5, 2048: 19.8, 4096: 19.3.
 */
enum { STRETCH = 1024 };

/* One block of a mixed stretch: stored (when copying) before it is checked, its errors
 * returned for the stretch's one test. */
AVX2 static inline __attribute__((always_inline)) __m256i stretch_block(const constants_t *k, const uint8_t *text,
                                                                        uint8_t *dst, size_t at, bool copy)
{
    const __m256i block = load32(text + at);
    if (copy)
        store32(dst + at, block);
    return errors_at(k, text, at, block);
}

AVX2 static inline __attribute__((always_inline)) size_t long_valid_prefix(const uint8_t *text, size_t length,
                                                                           uint8_t *dst, bool copy)
{
    const constants_t constants = load_constants(), *k = &constants;
    const __m256i first = load32(text);
    if (_mm256_movemask_epi8(first) != 0 && !no_errors(first_block_errors(k, first)))
        return 0;
    if (copy)
        store32(dst, first);
    size_t in = 32;
    while (in + 64 <= length) {
        const __m256i low = load32(text + in), high = load32(text + in + 32);
        const __m256i low_previous1 = load32(text + in - 1);
        if (_mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(low, high), low_previous1)) == 0) {
            if (copy) {
                store32(dst + in, low);
                store32(dst + in + 32, high);
            }
            in += 64;
            continue;
        }
        /* `in' as a value of its own from here: gcc otherwise kept text + in - 1, shared
         * with the stretch's first load, in a register it computed in every ASCII step
         * (utf8 of ASCII prose, 4 KiB: 1062 -> 938 instructions a call, 998 before the pairs) */
        __asm__("" : "+r"(in));
        /* whole blocks up to STRETCH bytes; the text's last 1..31 bytes are the tail's */
        const size_t stretch_end = in + (length - in < STRETCH ? (length - in) & ~(size_t)31 : STRETCH);
        __m256i errors = _mm256_setzero_si256();
        size_t at = in;
        if ((stretch_end - at) & 32) { /* an odd number of blocks: the first alone */
            errors = stretch_block(k, text, dst, at, copy);
            at += 32;
        }
#pragma GCC unroll 1
        for (; at < stretch_end; at += 64) {
            __asm__("" : "+r"(at)); /* one counter: gcc made a second pointer for the loads */
            errors = _mm256_or_si256(errors, stretch_block(k, text, dst, at, copy));
            /* the first block's work ends here: gcc otherwise interleaves the two and
             * runs out of the 16 vector registers (the seven constants stay in them) */
            __asm__("" : "+x"(errors));
            errors = _mm256_or_si256(errors, stretch_block(k, text, dst, at + 32, copy));
        }
        if (!no_errors(errors))
            break; /* the 32-byte loop below finds the block */
        in = stretch_end;
    }
    for (; in + 32 <= length; in += 32) {
        const __m256i block = load32(text + in), previous1 = load32(text + in - 1);
        if (_mm256_movemask_epi8(_mm256_or_si256(block, previous1)) != 0 &&
            !no_errors(block_errors(k, block, previous1, load32(text + in - 2), load32(text + in - 3))))
            return codec_utf8_before_cut_character(text, in);
        if (copy)
            store32(dst + in, block);
    }
    /* the last 1..31 bytes: one block ending at `length', overlapping checked bytes */
    if (in < length) {
        const __m256i block = load32(text + length - 32), previous1 = load32(text + length - 33);
        if (_mm256_movemask_epi8(_mm256_or_si256(block, previous1)) != 0 &&
            !no_errors(block_errors(k, block, previous1, load32(text + length - 34), load32(text + length - 35))))
            return codec_utf8_before_cut_character(text, in);
        if (copy)
            store32(dst + length - 32, block);
    }
    return codec_utf8_before_cut_character(text, length);
}

/* The walk, with `copy' a constant: forced inline into the two entry points, so the
 * checking-only walk has no store and no test per block. */
AVX2 static inline __attribute__((always_inline)) size_t valid_prefix(const uint8_t *text, size_t length,
                                                                      uint8_t *dst, bool copy)
{
    if (length < 32)
        return 0; /* the scalar code is quicker than any set-up for a few bytes */
    return length <= 64 ? short_valid_prefix(text, length, dst, copy) : long_valid_prefix(text, length, dst, copy);
}

AVX2 size_t codec_utf8_avx2_valid_prefix(const uint8_t *text, size_t length, uint8_t *dst)
{
    return dst ? valid_prefix(text, length, dst, true) : valid_prefix(text, length, NULL, false);
}

/* Text of more than 64 bytes (and the few below 32): the same with the long walk inlined,
 * out of line so its frame stays off the short path; a 4 KiB multilingual row 3309 -> 3281 instructions
 * a call (callgrind, avx2), codec_utf8_copy_whole's struct and indirect call saved. */
AVX2 static __attribute__((noinline)) buf_status_t copy_whole_long(buf_encoding_t utf8, const uint8_t *text,
                                                                   size_t length, uint8_t *dst, size_t dst_capacity,
                                                                   size_t *written)
{
    if (length > 64 && long_valid_prefix(text, length, dst, true) == length) {
        if (written)
            *written = length;
        return BUF_OK;
    }
    return codec_utf8_copy_whole(utf8, text, length, dst, dst_capacity, written);
}

/* buf_encode / buf_decode of utf8 at this level, the arguments checked (codec_internal.h:
 * utf8_copy_whole): text of 32..64 bytes (a 64-byte row, a short string) is checked and
 * copied here, the kernel inlined, and counted; anything else, or text that is not all
 * well-formed, goes to codec.c's codec_utf8_copy_whole, which runs the kernel again (at
 * most 64 bytes, only for ill-formed short text) and goes on from where it stops.  A leaf
 * on the short path: codec_utf8_copy_whole's frame, its call struct and the indirect call
 * of the kernel cost a 64-byte multilingual row ~20 instructions. */
AVX2 buf_status_t codec_utf8_avx2_copy_whole(buf_encoding_t utf8, const uint8_t *text, size_t length, uint8_t *dst,
                                             size_t dst_capacity, size_t *written)
{
    if (length - 32 <= 64 - 32) {
        if (short_valid_prefix(text, length, dst, true) == length) {
            if (written)
                *written = length;
            return BUF_OK;
        }
        return codec_utf8_copy_whole(utf8, text, length, dst, dst_capacity, written);
    }
    return copy_whole_long(utf8, text, length, dst, dst_capacity, written);
}
#endif
