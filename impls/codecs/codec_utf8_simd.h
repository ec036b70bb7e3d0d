/* codec_utf8_simd.h — what the SIMD UTF-8 validators (codec_utf8_sse42.c, codec_utf8_avx2.c)
 * share: the lookup tables of the byte-pair check and the end-of-prefix rule.
 *
 * The method is John Keiser and Daniel Lemire's ("Validating UTF-8 in less than one
 * instruction per byte", Software: Practice and Experience, 2021), written anew here.
 * Every way a byte pair (previous byte, current byte) can break well-formedness is decided
 * by three nibbles: the previous byte's high and low nibble and the current byte's high
 * nibble.  So each of the three gets a 16-entry table whose entries are SETS of error
 * classes (one bit per class, below); a pshufb looks up all 16 or 32 bytes at once, and the
 * AND of the three sets is the errors the pair commits.  A pair alone cannot see that a
 * third or fourth byte must be a continuation; that comes from the bytes two and three
 * back (a lead E0..FF two back, F0..FF three back), and it must agree exactly with the
 * TWO_CONTS class (a continuation after a continuation), so the two are XORed.
 *
 * The cases, one by one (lead = first byte of a sequence):
 *   TOO_SHORT       a lead (C0..FF) followed by a non-continuation (00..7F, C0..FF)
 *   TOO_LONG        an ASCII byte followed by a continuation (80..BF)
 *   OVERLONG_2      C0 or C1 then a continuation: a 2-byte form of U+0000..U+007F
 *   OVERLONG_3      E0 80..9F: a 3-byte form of a code point below U+0800
 *   OVERLONG_4      F0 80..8F: a 4-byte form of a code point below U+10000
 *   SURROGATE       ED A0..BF: U+D800..U+DFFF
 *   TOO_LARGE       F4 90..BF, or F5..FF then 90..BF: above U+10FFFF
 *   TOO_LARGE_1000  F5..FF then 80..8F (shares its bit with OVERLONG_4: both rows reject
 *                   exactly 80..8F after their leads, so one bit serves both)
 *   TWO_CONTS       a continuation after a continuation: right only as a 3rd or 4th byte
 * CARRY marks the classes that depend on the previous byte's high nibble alone, so the
 * low-nibble table lets them through for every low nibble.
 */
#ifndef CODEC_UTF8_SIMD_H
#define CODEC_UTF8_SIMD_H

#include <stddef.h>
#include <stdint.h>

enum {
    UTF8_TOO_SHORT = 1 << 0,
    UTF8_TOO_LONG = 1 << 1,
    UTF8_OVERLONG_3 = 1 << 2,
    UTF8_TOO_LARGE = 1 << 3,
    UTF8_SURROGATE = 1 << 4,
    UTF8_OVERLONG_2 = 1 << 5,
    UTF8_TOO_LARGE_1000 = 1 << 6,
    UTF8_OVERLONG_4 = 1 << 6,
    UTF8_TWO_CONTS = 1 << 7,
    UTF8_CARRY = UTF8_TOO_SHORT | UTF8_TOO_LONG | UTF8_TWO_CONTS,
};

/* The three tables, as lists of their 16 entries, so each kernel lays them out at its own
 * register width (the AVX2 one twice over, one copy per 128-bit lane). */
/* error classes by the previous byte's high nibble */
#define UTF8_BY_PREVIOUS_HIGH                                                                      \
    /* 0..7: ASCII */                                                                              \
    UTF8_TOO_LONG, UTF8_TOO_LONG, UTF8_TOO_LONG, UTF8_TOO_LONG, UTF8_TOO_LONG, UTF8_TOO_LONG,      \
    UTF8_TOO_LONG, UTF8_TOO_LONG,                                                                  \
    /* 8..B: continuation */                                                                       \
    UTF8_TWO_CONTS, UTF8_TWO_CONTS, UTF8_TWO_CONTS, UTF8_TWO_CONTS,                                \
    /* C: C0..CF, D: D0..DF, E: E0..EF, F: F0..FF */                                               \
    UTF8_TOO_SHORT | UTF8_OVERLONG_2, UTF8_TOO_SHORT, UTF8_TOO_SHORT | UTF8_OVERLONG_3 | UTF8_SURROGATE, \
    UTF8_TOO_SHORT | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000 | UTF8_OVERLONG_4

/* error classes by the previous byte's low nibble (which lead of its row it is) */
#define UTF8_BY_PREVIOUS_LOW                                                                       \
    UTF8_CARRY | UTF8_OVERLONG_3 | UTF8_OVERLONG_2 | UTF8_OVERLONG_4, /* C0, E0, F0 */              \
    UTF8_CARRY | UTF8_OVERLONG_2,                                     /* C1 */                     \
    UTF8_CARRY, UTF8_CARRY,                                                                        \
    UTF8_CARRY | UTF8_TOO_LARGE,                                      /* F4 */                     \
    UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000,                /* F5..FF */                 \
    UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000, UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000, \
    UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000, UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000, \
    UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000, UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000, \
    UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000,                                             \
    UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000 | UTF8_SURROGATE, /* ED */                   \
    UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000, UTF8_CARRY | UTF8_TOO_LARGE | UTF8_TOO_LARGE_1000

/* error classes by the current byte's high nibble */
#define UTF8_BY_CURRENT_HIGH                                                                       \
    /* 0..7: ASCII after a lead */                                                                 \
    UTF8_TOO_SHORT, UTF8_TOO_SHORT, UTF8_TOO_SHORT, UTF8_TOO_SHORT, UTF8_TOO_SHORT, UTF8_TOO_SHORT, \
    UTF8_TOO_SHORT, UTF8_TOO_SHORT,                                                                \
    /* 80..8F, 90..9F, A0..AF, B0..BF: the continuation ranges each lead accepts or not */         \
    UTF8_TOO_LONG | UTF8_OVERLONG_2 | UTF8_TWO_CONTS | UTF8_OVERLONG_3 | UTF8_TOO_LARGE_1000 | UTF8_OVERLONG_4, \
    UTF8_TOO_LONG | UTF8_OVERLONG_2 | UTF8_TWO_CONTS | UTF8_OVERLONG_3 | UTF8_TOO_LARGE,            \
    UTF8_TOO_LONG | UTF8_OVERLONG_2 | UTF8_TWO_CONTS | UTF8_SURROGATE | UTF8_TOO_LARGE,             \
    UTF8_TOO_LONG | UTF8_OVERLONG_2 | UTF8_TWO_CONTS | UTF8_SURROGATE | UTF8_TOO_LARGE,             \
    /* C..F: a lead after a lead */                                                                \
    UTF8_TOO_SHORT, UTF8_TOO_SHORT, UTF8_TOO_SHORT, UTF8_TOO_SHORT

/* The other constants, one byte each, repeated across the register. */
#define UTF8_NIBBLE_MASK 0x0F
#define UTF8_HIGH_BIT 0x80
/* The `must continue' test: saturating `byte - 0x60' has bit 7 set exactly for E0..FF
 * (a byte two back that needs a third byte), `byte - 0x70' exactly for F0..FF (three
 * back, needs a fourth). */
enum { UTF8_THIRD_BYTE_OFFSET = 0xE0 - 0x80, UTF8_FOURTH_BYTE_OFFSET = 0xF0 - 0x80 };

/* `end' backed off a character that text[.. end) leaves unfinished: the kernels check the
 * pairs of every byte they pass, but a lead among the last three bytes still waits for
 * bytes they did not look at, so the prefix they return stops before it. */
static inline size_t codec_utf8_before_cut_character(const uint8_t *text, size_t end)
{
    if (end == 0 || text[end - 1] < 0x80)
        return end; /* the common end: an ASCII byte */
    for (size_t back = 1; back <= 3 && back <= end; back++) {
        const uint8_t byte = text[end - back];
        if ((byte & 0xC0) == 0x80)
            continue; /* a continuation: its lead is further back */
        const size_t needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
        return needed > back ? end - back : end;
    }
    return end;
}

#endif
