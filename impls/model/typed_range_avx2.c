/* typed_range_avx2.c — the AVX2 loops of buf_typed_get_range / buf_typed_set_range
 * (typed_range.c runs the checks and picks these when the SIMD level is avx2).
 *
 * Why a second x86 set beside the SSE2 one: with 16-byte vectors and no memory operands
 * that may be unaligned, the SSE2 stores cost 34-39 instructions per 16 elements of the
 * integer kinds, about what the raw C cast loop costs (32-36), so any noise put the bulk
 * call over the raw loop; and SSE2 has no sign/zero-extending loads, so a narrow kind's
 * get spends 3-4 shuffles per 4 elements.  AVX2 converts four doubles per instruction
 * straight from unaligned memory (VEX), has PMOVSX/PMOVZX for the widening loads, a
 * 32-bit minimum and an unsigned 32-bit pack: about half the instructions of the SSE2
 * loops (figures in README.md, "Bulk element access").  On the clock the stores stay near
 * the raw loop's time all the same: 4096 doubles are 32 KiB, a whole L1, so both loops
 * wait on the L2 as much as on the conversions (Zen 3: a 4096-element Int32 store with no
 * exactness test at all takes 0.96x of the raw loop).
 *
 * Exactness is the SSE2 argument, unchanged (typed_range.c, section "SSE2"): VCVTTPD2DQ
 * truncates |x| < 2^31 exactly and writes 0x80000000 for NaN, +-Infinity and everything
 * else it cannot represent, so a block of 16 whose lanes hold no 0x80000000 was converted
 * as ToInt32 converts; one that holds one (a genuine -2^31 included) is stored element by
 * element through numconv.  Uint8Clamped and Float32 are the same instructions as the SSE2
 * loops, four lanes wide.  Loads are exact by construction (every element is a double).
 * Nothing here is a C cast of a double: the instructions have a defined result for every
 * input, so the sanitizer build's float-cast-overflow has nothing to see.
 *
 * Every function that uses an AVX2 instruction carries AVX2_FUNCTION (target("avx2")):
 * the file is compiled with the library's baseline flags, and only these functions may
 * be called, and only after buf_simd_level() said the CPU runs AVX2.
 */
#include "typed_range_kernels.h"

#if MODEL_RANGE_HAVE_AVX2
#include <immintrin.h>
#include <string.h>

#include "model_internal.h"
#include "numconv.h"

#define AVX2_FUNCTION __attribute__((target("avx2")))
/* The loops themselves stay out of line: inlined into the one dispatching function they
 * made it save six registers and realign its stack for all of them (a vector kept across
 * the slow path's call), ~20 instructions on every call; apart, the dispatch is a switch
 * of tail calls and each loop saves only what it uses. */
#define AVX2_LOOP __attribute__((target("avx2"), noinline))
#define STORE_BLOCK 16 /* elements per exactness test: one odd value costs 15 slow neighbours */

/* ==== Stores ============================================================================= */

/* Four doubles truncated to four int32 lanes: one VCVTTPD2DQ with a memory operand.
 * The stores below stay 16 bytes wide: joining two of these into a 32-byte vector costs a
 * VINSERTI128 each, and a 32-byte store to the view's 16-byte-aligned bytes splits a
 * cache line every other time; on the Zen 3 this was measured on, the 16-byte version of
 * Int32 ran at 0.95x of the 32-byte one, Int16 at 0.83x (200 x 4096 stores, min of 300). */
AVX2_FUNCTION static inline __m128i truncate4(const double *values)
{
    return _mm256_cvttpd_epi32(_mm256_loadu_pd(values));
}

/* True if no lane of a..d is 0x80000000: it is the least int32, so it is there exactly
 * when the lanes' minimum is it.  5 instructions and a branch for 16 elements. */
AVX2_FUNCTION static inline bool lanes_are_exact(__m128i a, __m128i b, __m128i c, __m128i d)
{
    const __m128i minimum = _mm_min_epi32(_mm_min_epi32(a, b), _mm_min_epi32(c, d));
    const __m128i indefinite = _mm_cmpeq_epi32(minimum, _mm_set1_epi32(INT32_MIN));
    return _mm_testz_si128(indefinite, indefinite);
}

/* Each integer width stores the low bits of the int32 lanes (ToInt8 and ToUint8 store the
 * same byte, and so on), so one loop per width serves both kinds.  `block` receives the
 * block's 16 elements from the lanes a (elements 0-3), b, c, d (12-15). */
#define STORE16(address, vector) _mm_storeu_si128((__m128i *)(void *)(address), vector)
AVX2_FUNCTION static inline void store16_wrapped32(uint8_t *block, __m128i a, __m128i b, __m128i c, __m128i d)
{
    STORE16(block, a);
    STORE16(block + 16, b);
    STORE16(block + 32, c);
    STORE16(block + 48, d);
}

/* The low halves, zero-extended (AND), pack without saturating (PACKUSDW). */
AVX2_FUNCTION static inline void store16_wrapped16(uint8_t *block, __m128i a, __m128i b, __m128i c, __m128i d)
{
    const __m128i low_half = _mm_set1_epi32(0xffff);
    STORE16(block, _mm_packus_epi32(_mm_and_si128(a, low_half), _mm_and_si128(b, low_half)));
    STORE16(block + 16, _mm_packus_epi32(_mm_and_si128(c, low_half), _mm_and_si128(d, low_half)));
}

/* The low bytes, zero-extended, packed to words and the words to bytes: never saturating. */
AVX2_FUNCTION static inline void store16_wrapped8(uint8_t *block, __m128i a, __m128i b, __m128i c, __m128i d)
{
    const __m128i low_byte = _mm_set1_epi32(0xff);
    const __m128i low = _mm_packus_epi32(_mm_and_si128(a, low_byte), _mm_and_si128(b, low_byte));
    const __m128i high = _mm_packus_epi32(_mm_and_si128(c, low_byte), _mm_and_si128(d, low_byte));
    STORE16(block, _mm_packus_epi16(low, high));
}

/* Two blocks a step, one test for both: the step's own instructions (the exactness test's
 * compare, test and branch, the loop's pointer steps and compare) spread over 32 elements
 * instead of 16, 29 instructions where two single blocks took 40.  At 4096 Float32
 * elements the 32-element step ran at 0.91-0.94x the 16-element loop's median time and
 * 0.93-0.99x its minimum, in an interleaved rdtsc loop of 300 rounds on the Zen 3 also
 * used above (while the machine was loaded: the slower state, where the loop's own work
 * shows past the memory traffic).  A step with an odd value stores its 32 elements
 * through numconv (one odd value costs 31 neighbours); a lone block of 16 and the last
 * 0-15 elements follow, as before. */
#define PAIR_BLOCK (2 * STORE_BLOCK)
#define DEFINE_STORE_WRAPPED(name, size, kind, store16)                                                                \
    AVX2_LOOP static void name(uint8_t *dst, const double *values, size_t count)                                      \
    {                                                                                                                  \
        const double *const pairs_end = values + count / PAIR_BLOCK * PAIR_BLOCK;                                      \
        for (; values != pairs_end; values += PAIR_BLOCK, dst += PAIR_BLOCK * (size)) {                                \
            const __m128i a = truncate4(values), b = truncate4(values + 4);                                            \
            const __m128i c = truncate4(values + 8), d = truncate4(values + 12);                                       \
            const __m128i e = truncate4(values + 16), f = truncate4(values + 20);                                      \
            const __m128i g = truncate4(values + 24), h = truncate4(values + 28);                                      \
            if (lanes_are_exact(_mm_min_epi32(a, e), _mm_min_epi32(b, f), _mm_min_epi32(c, g), _mm_min_epi32(d, h))) { \
                store16(dst, a, b, c, d);                                                                              \
                store16(dst + STORE_BLOCK * (size), e, f, g, h);                                                       \
            } else {                                                                                                   \
                model_range_store_slowly(dst, values, PAIR_BLOCK, kind);                                               \
            }                                                                                                          \
        }                                                                                                              \
        size_t rest = count % PAIR_BLOCK;                                                                              \
        if (rest >= STORE_BLOCK) {                                                                                     \
            const __m128i a = truncate4(values), b = truncate4(values + 4);                                            \
            const __m128i c = truncate4(values + 8), d = truncate4(values + 12);                                       \
            if (lanes_are_exact(a, b, c, d))                                                                           \
                store16(dst, a, b, c, d);                                                                              \
            else                                                                                                       \
                model_range_store_slowly(dst, values, STORE_BLOCK, kind);                                              \
            values += STORE_BLOCK;                                                                                     \
            dst += STORE_BLOCK * (size);                                                                               \
            rest -= STORE_BLOCK;                                                                                       \
        }                                                                                                              \
        if (rest > 0)                                                                                                  \
            model_range_store_slowly(dst, values, rest, kind);                                                         \
    }
DEFINE_STORE_WRAPPED(store_wrapped32, 4, BUF_KIND_UINT32, store16_wrapped32)
DEFINE_STORE_WRAPPED(store_wrapped16, 2, BUF_KIND_UINT16, store16_wrapped16)
DEFINE_STORE_WRAPPED(store_wrapped8, 1, BUF_KIND_UINT8, store16_wrapped8)

/* Uint8Clamped, as the SSE2 loop: VMAXPD returns its second operand when either is NaN
 * and when both are zeros, so max(x, +0) maps NaN, -0 and every negative to +0; min(that,
 * 255) clamps +Infinity and the rest; VCVTPD2DQ rounds in the default mode, to nearest,
 * ties to even, which is ToUint8Clamp's rounding.  No value needs a slow path. */
AVX2_FUNCTION static inline __m128i clamp4(const double *values)
{
    const __m256d clamped =
        _mm256_min_pd(_mm256_max_pd(_mm256_loadu_pd(values), _mm256_setzero_pd()), _mm256_set1_pd(255.0));
    return _mm256_cvtpd_epi32(clamped);
}

AVX2_LOOP static void store_clamped(uint8_t *dst, const double *values, size_t count)
{
    size_t i = 0;
    for (; i + STORE_BLOCK <= count; i += STORE_BLOCK) {
        const __m128i low = _mm_packs_epi32(clamp4(values + i), clamp4(values + i + 4));
        const __m128i high = _mm_packs_epi32(clamp4(values + i + 8), clamp4(values + i + 12));
        _mm_storeu_si128((__m128i *)(void *)(dst + i), _mm_packus_epi16(low, high));
    }
    for (; i < count; i++)
        dst[i] = model_to_uint8_clamp(values[i]);
}

/* Float32: VCVTPD2PS is IEEE's rounding to float (nearest, ties to even, overflow to
 * +-Infinity, float's subnormals kept: the default MXCSR), which is Math.fround for every
 * value but NaN, whose payload it keeps where numconv stores the canonical NaN.  A block
 * with a NaN goes element by element (CMPUNORDPS of two vectors is true where either
 * lane is NaN); 16-byte stores, as the integer kinds'. */
AVX2_FUNCTION static inline __m128 narrow4(const double *values)
{
    return _mm256_cvtpd_ps(_mm256_loadu_pd(values));
}

/* True if a, b, c or d holds a NaN lane (CMPUNORDPS of two vectors is true where either
 * lane is NaN). */
AVX2_FUNCTION static inline bool has_nan(__m128 a, __m128 b, __m128 c, __m128 d)
{
    return _mm_movemask_ps(_mm_or_ps(_mm_cmpunord_ps(a, b), _mm_cmpunord_ps(c, d))) != 0;
}

AVX2_FUNCTION static inline void store16_float32(uint8_t *dst, __m128 a, __m128 b, __m128 c, __m128 d)
{
    float *block = (float *)(void *)dst;
    _mm_storeu_ps(block, a);
    _mm_storeu_ps(block + 4, b);
    _mm_storeu_ps(block + 8, c);
    _mm_storeu_ps(block + 12, d);
}

/* Two blocks a step with one test, then a lone block, then the tail: the integer loops'
 * shape (DEFINE_STORE_WRAPPED above, with the measurement). */
AVX2_LOOP static void store_float32(uint8_t *dst, const double *values, size_t count)
{
    const double *const pairs_end = values + count / PAIR_BLOCK * PAIR_BLOCK;
    for (; values != pairs_end; values += PAIR_BLOCK, dst += PAIR_BLOCK * 4) {
        const __m128 a = narrow4(values), b = narrow4(values + 4), c = narrow4(values + 8), d = narrow4(values + 12);
        const __m128 e = narrow4(values + 16), f = narrow4(values + 20), g = narrow4(values + 24);
        const __m128 h = narrow4(values + 28);
        const __m128 either_nan = _mm_or_ps(_mm_or_ps(_mm_cmpunord_ps(a, b), _mm_cmpunord_ps(c, d)),
                                            _mm_or_ps(_mm_cmpunord_ps(e, f), _mm_cmpunord_ps(g, h)));
        if (_mm_movemask_ps(either_nan) != 0) {
            model_range_store_slowly(dst, values, PAIR_BLOCK, BUF_KIND_FLOAT32);
            continue;
        }
        store16_float32(dst, a, b, c, d);
        store16_float32(dst + STORE_BLOCK * 4, e, f, g, h);
    }
    size_t rest = count % PAIR_BLOCK;
    if (rest >= STORE_BLOCK) {
        const __m128 a = narrow4(values), b = narrow4(values + 4), c = narrow4(values + 8), d = narrow4(values + 12);
        if (has_nan(a, b, c, d))
            model_range_store_slowly(dst, values, STORE_BLOCK, BUF_KIND_FLOAT32);
        else
            store16_float32(dst, a, b, c, d);
        values += STORE_BLOCK;
        dst += STORE_BLOCK * 4;
        rest -= STORE_BLOCK;
    }
    if (rest > 0)
        model_range_store_slowly(dst, values, rest, BUF_KIND_FLOAT32);
}

AVX2_FUNCTION void model_range_store_avx2(buf_kind_t kind, uint8_t *dst, const double *values, size_t count)
{
    switch (kind) {
    case BUF_KIND_INT8:
    case BUF_KIND_UINT8: store_wrapped8(dst, values, count); break;
    case BUF_KIND_UINT8_CLAMPED: store_clamped(dst, values, count); break;
    case BUF_KIND_INT16:
    case BUF_KIND_UINT16: store_wrapped16(dst, values, count); break;
    case BUF_KIND_INT32:
    case BUF_KIND_UINT32: store_wrapped32(dst, values, count); break;
    case BUF_KIND_FLOAT32: store_float32(dst, values, count); break;
    default: BUF_ASSERT(!"model_range_store_avx2: Float64 and the BigInt kinds are copies"); break;
    }
}

/* ==== Loads ============================================================================== */

/* Four elements to four doubles.  The narrow kinds load with a sign or zero extension to
 * int32 lanes (VPMOVSX / VPMOVZX), then convert (VCVTDQ2PD): 3 instructions for 4
 * elements where SSE2 needs 3-4 unpacks and shifts more.  Uint32 has no conversion before
 * AVX-512: flipping the top bit gives the int32 x - 2^31, converted exactly, and adding
 * 2^31 back is exact too (an integer below 2^32 < 2^53; 0 comes back as +0). */
AVX2_FUNCTION static inline __m128i load4_bytes(const uint8_t *src)
{
    int32_t bytes;
    memcpy(&bytes, src, sizeof bytes);
    return _mm_cvtsi32_si128(bytes);
}
AVX2_FUNCTION static inline __m256d widen4_int8(const uint8_t *src)
{
    return _mm256_cvtepi32_pd(_mm_cvtepi8_epi32(load4_bytes(src)));
}
AVX2_FUNCTION static inline __m256d widen4_uint8(const uint8_t *src)
{
    return _mm256_cvtepi32_pd(_mm_cvtepu8_epi32(load4_bytes(src)));
}
AVX2_FUNCTION static inline __m256d widen4_int16(const uint8_t *src)
{
    return _mm256_cvtepi32_pd(_mm_cvtepi16_epi32(_mm_loadl_epi64((const __m128i *)(const void *)src)));
}
AVX2_FUNCTION static inline __m256d widen4_uint16(const uint8_t *src)
{
    return _mm256_cvtepi32_pd(_mm_cvtepu16_epi32(_mm_loadl_epi64((const __m128i *)(const void *)src)));
}
AVX2_FUNCTION static inline __m256d widen4_int32(const uint8_t *src)
{
    return _mm256_cvtepi32_pd(_mm_loadu_si128((const __m128i *)(const void *)src));
}
AVX2_FUNCTION static inline __m256d widen4_uint32(const uint8_t *src)
{
    const __m128i shifted = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)src), _mm_set1_epi32(INT32_MIN));
    return _mm256_add_pd(_mm256_cvtepi32_pd(shifted), _mm256_set1_pd(2147483648.0));
}
AVX2_FUNCTION static inline __m256d widen4_float32(const uint8_t *src)
{
    return _mm256_cvtps_pd(_mm_loadu_ps((const float *)(const void *)src));
}

/* 16 elements a step (four independent conversions: the loop's own three instructions
 * spread over 16), then 4 at a time, then the last 0-3 through numconv's load. */
#define DEFINE_LOAD(name, kind, size, widen4)                                                                          \
    AVX2_LOOP static void name(const uint8_t *src, size_t count, double *out)                                         \
    {                                                                                                                  \
        size_t i = 0;                                                                                                  \
        for (; i + 16 <= count; i += 16) {                                                                             \
            _mm256_storeu_pd(out + i, widen4(src + i * (size)));                                                       \
            _mm256_storeu_pd(out + i + 4, widen4(src + (i + 4) * (size)));                                             \
            _mm256_storeu_pd(out + i + 8, widen4(src + (i + 8) * (size)));                                             \
            _mm256_storeu_pd(out + i + 12, widen4(src + (i + 12) * (size)));                                           \
        }                                                                                                              \
        for (; i + 4 <= count; i += 4)                                                                                 \
            _mm256_storeu_pd(out + i, widen4(src + i * (size)));                                                       \
        for (; i < count; i++)                                                                                         \
            out[i] = model_load_number(kind, src + i * (size));                                                        \
    }
DEFINE_LOAD(load_int8, BUF_KIND_INT8, 1, widen4_int8)
DEFINE_LOAD(load_uint8, BUF_KIND_UINT8, 1, widen4_uint8)
DEFINE_LOAD(load_int16, BUF_KIND_INT16, 2, widen4_int16)
DEFINE_LOAD(load_uint16, BUF_KIND_UINT16, 2, widen4_uint16)
DEFINE_LOAD(load_int32, BUF_KIND_INT32, 4, widen4_int32)
DEFINE_LOAD(load_uint32, BUF_KIND_UINT32, 4, widen4_uint32)
DEFINE_LOAD(load_float32, BUF_KIND_FLOAT32, 4, widen4_float32)

AVX2_FUNCTION void model_range_load_avx2(buf_kind_t kind, const uint8_t *src, size_t count, double *out)
{
    switch (kind) {
    case BUF_KIND_INT8: load_int8(src, count, out); break;
    case BUF_KIND_UINT8:
    case BUF_KIND_UINT8_CLAMPED: load_uint8(src, count, out); break;
    case BUF_KIND_INT16: load_int16(src, count, out); break;
    case BUF_KIND_UINT16: load_uint16(src, count, out); break;
    case BUF_KIND_INT32: load_int32(src, count, out); break;
    case BUF_KIND_UINT32: load_uint32(src, count, out); break;
    case BUF_KIND_FLOAT32: load_float32(src, count, out); break;
    default: BUF_ASSERT(!"model_range_load_avx2: Float64 and the BigInt kinds are copies"); break;
    }
}

#endif /* MODEL_RANGE_HAVE_AVX2 */
