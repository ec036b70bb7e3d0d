/* typed_range.c — bulk element access for typed views: buf_typed_get_range and friends
 * (buf_model.h).
 *
 * Why a second path beside buf_typed_get/set: the per-element calls re-check the view's
 * bounds against the buffer's current length on every element (a resize can happen
 * between any two JS statements) and convert through out-of-line ECMAScript conversions,
 * which left an element access 8-116x a raw pointer loop.  Between two elements of ONE
 * bulk call nothing can resize or detach the buffer, so the checks run once and the rest
 * is a loop the compiler can vectorise.
 *
 * Exactness: every value stored is the one model_store_number would store.  The stores
 * run in blocks of STORE_BLOCK elements: a block whose values all lie where the plain C
 * conversion IS the ECMAScript one (|x| < 2^31 truncated to int32 and kept modulo
 * 2^width; |x| < 2^127 rounded to float by the cast; +0 <= x < 256 rounded half to even
 * and clamped) is converted with casts that compile to packed instructions; any other
 * block (NaN, +-Infinity, huge, 2^53 + 1 in a Uint32Array...)
 * goes element by element through numconv.  16 doubles are 128 bytes: the range test is
 * two cache lines, and one odd value costs at most 15 slow neighbours.
 * Loads never need a slow path: every element value is a double exactly.
 *
 * On x86-64 (__SSE2__, which every x86-64 CPU has) the section "SSE2" replaces the
 * portable loops: there the packed conversion instruction itself flags the values it
 * cannot convert exactly.  At the avx2 SIMD level ("Which loops" below) the AVX2 loops of
 * typed_range_avx2.c run instead, on the same argument with half the instructions
 * (figures in README.md, "Bulk element access").  The portable loops stay for other
 * targets; `-U__SSE2__` compiles them on x86-64 too.
 */
#include <string.h>

#include "buf_codec.h"
#include "model_internal.h"
#include "numconv.h"
#include "typed_range_kernels.h"

#define STORE_BLOCK 16

/* ==== Checks (once per call) =========================================================== */

/* The first element's address after the checks, in the order buf_model.h gives; every
 * public call here runs these same checks, so they live once.  has_array: the caller's
 * array pointer is not NULL (NULL is fine only for count 0); kind_matches: the view's kind
 * suits the call (callers test `view &&` first, as the view may be NULL here).  inline:
 * without the hint GCC -O2 calls it out of line and a 4-element call costs ~7 instructions
 * more.  The extent comes from model_typed_length_or_out_of_bounds, inline, rather than
 * from buf_typed_is_out_of_bounds + buf_typed_length + buf_kind_size: those were four
 * calls, the out-of-bounds test made twice, and a table load, each a dependent L2 access
 * once a 4096-element call has streamed 48 KiB through the 32 KiB L1; at the memory
 * floor of such a call they were ~3% of its time (interleaved rdtsc loop against a direct
 * call of the same AVX2 loop, Zen 3). */
static inline buf_status_t range_start(const buf_typed_t *view, int64_t index, size_t count, bool has_array,
                                       bool kind_matches, uint8_t **out)
{
    if (!model_typed_is_live(view) || (!has_array && count > 0))
        return BUF_EINVAL;
    if (!kind_matches)
        return BUF_ETYPE;
    const int64_t length = model_typed_length_or_out_of_bounds(view);
    if (length < 0)
        return BUF_EDETACHED;
    if (index < 0 || index > length || (uint64_t)count > (uint64_t)(length - index))
        return BUF_ERANGE;
    *out = view->buffer->data + view->byte_offset + index * (int64_t)model_kind_size(view->kind);
    return BUF_OK;
}

/* ==== Loads ============================================================================ */

/* Blocks of a fixed STORE_BLOCK elements through local arrays: a loop with a known trip
 * count over memory nothing else can alias is what GCC -O2's vectoriser accepts (with a
 * run-time count it would need an epilogue and an alias check, and stays scalar: ~1.5x
 * raw_get where the packed loop is within a few percent). */
#define DEFINE_LOAD(name, c_type)                                                                                      \
    static void name(const uint8_t *src, size_t count, double *out)                                                  \
    {                                                                                                                  \
        size_t i = 0;                                                                                                  \
        for (; i + STORE_BLOCK <= count; i += STORE_BLOCK) {                                                           \
            c_type elements[STORE_BLOCK];                                                                              \
            double block[STORE_BLOCK];                                                                                 \
            memcpy(elements, src + i * sizeof(c_type), sizeof elements);                                               \
            for (size_t j = 0; j < STORE_BLOCK; j++)                                                                   \
                block[j] = (double)elements[j];                                                                        \
            memcpy(out + i, block, sizeof block);                                                                      \
        }                                                                                                              \
        for (; i < count; i++) {                                                                                       \
            c_type element;                                                                                            \
            memcpy(&element, src + i * sizeof element, sizeof element);                                               \
            out[i] = (double)element;                                                                                  \
        }                                                                                                              \
    }
#if !defined(__SSE2__)
DEFINE_LOAD(load_int8, int8_t)
DEFINE_LOAD(load_uint8, uint8_t)
DEFINE_LOAD(load_int16, int16_t)
DEFINE_LOAD(load_uint16, uint16_t)
DEFINE_LOAD(load_int32, int32_t)
DEFINE_LOAD(load_uint32, uint32_t)
DEFINE_LOAD(load_float32, float)
#endif

/* ==== Stores =========================================================================== */

/* The portable stores (the SSE2 ones below replace them on x86-64). */
#if !defined(__SSE2__)


/* The block test reads each double's high word (sign, 11 exponent bits, 20 mantissa
 * bits): |value| < 2^k exactly when the high word without its sign is below that of 2^k,
 * and NaN and the infinities (exponent 0x7ff) are above every limit.  Adding
 * 2^31 - limit carries into bit 31 exactly when the word reaches the limit (no overflow:
 * the word is below 2^31), so OR-ing the sums of a block and testing bit 31 answers for
 * all 16 at once — integer ops that GCC -O2 packs four to an instruction, where a compare
 * of doubles into a flag stays scalar (13 instructions an element, 7x raw_set). */
#define HIGH_WORD_2_POW_8 0x40700000u   /* 256.0 */
#define HIGH_WORD_2_POW_31 0x41e00000u  /* 2147483648.0 */
#define HIGH_WORD_2_POW_127 0x47e00000u /* 2^127, below FLT_MAX = 2^128 - 2^104 */
#define SIGN_BIT 0x80000000u

/* True if every value of the block has |value| < the limit's power of two, and when
 * sign_mask is SIGN_BIT, no sign bit either (-0.0 included: it goes the slow way). */
static inline bool block_is_plain(const double *values, uint32_t high_word_limit, uint32_t sign_mask)
{
    uint32_t flags = 0;
    for (size_t j = 0; j < STORE_BLOCK; j++) {
        uint64_t bits;
        memcpy(&bits, values + j, sizeof bits);
        const uint32_t high = (uint32_t)(bits >> 32);
        flags |= ((high & ~SIGN_BIT) + (SIGN_BIT - high_word_limit)) | (high & sign_mask);
    }
    return (flags & SIGN_BIT) == 0;
}

/* Int8..Uint32: ToIntN and ToUintN store the same low bits, so one unsigned type per
 * width serves both kinds.  A double with |value| < 2^31 truncates to an int32 exactly
 * (C11 6.3.1.4), and int32 -> uint32 -> narrower unsigned is arithmetic modulo 2^width. */
#define DEFINE_STORE_WRAPPED(name, bits_type, slow)                                                                    \
    static void name(uint8_t *dst, const double *values, size_t count)                                                \
    {                                                                                                                  \
        size_t i = 0;                                                                                                  \
        for (; i + STORE_BLOCK <= count; i += STORE_BLOCK) {                                                           \
            if (block_is_plain(values + i, HIGH_WORD_2_POW_31, 0)) {                                                   \
                bits_type block[STORE_BLOCK];                                                                          \
                for (size_t j = 0; j < STORE_BLOCK; j++)                                                               \
                    block[j] = (bits_type)(uint32_t)(int32_t)values[i + j];                                            \
                memcpy(dst + i * sizeof(bits_type), block, sizeof block);                                              \
                continue;                                                                                              \
            }                                                                                                          \
            for (size_t j = 0; j < STORE_BLOCK; j++)                                                                   \
                slow(dst + (i + j) * sizeof(bits_type), values[i + j]);                                                \
        }                                                                                                              \
        for (; i < count; i++)                                                                                         \
            slow(dst + i * sizeof(bits_type), values[i]);                                                              \
    }

static inline void store_one_uint8(uint8_t *dst, double value)
{
    const uint8_t bits = model_to_uint8(value);
    memcpy(dst, &bits, sizeof bits);
}
static inline void store_one_uint16(uint8_t *dst, double value)
{
    const uint16_t bits = model_to_uint16(value);
    memcpy(dst, &bits, sizeof bits);
}
static inline void store_one_uint32(uint8_t *dst, double value)
{
    const uint32_t bits = model_to_uint32(value);
    memcpy(dst, &bits, sizeof bits);
}
DEFINE_STORE_WRAPPED(store_wrapped8, uint8_t, store_one_uint8)
DEFINE_STORE_WRAPPED(store_wrapped16, uint16_t, store_one_uint16)
DEFINE_STORE_WRAPPED(store_wrapped32, uint32_t, store_one_uint32)

/* Uint8Clamped: for +0 <= x < 256, (x + 2^52) - 2^52 is x rounded to an integer by the
 * addition itself, and IEEE addition rounds to nearest, ties to even: exactly ToUint8Clamp's
 * rounding (x + 2^52 lies in [2^52, 2^53), where the doubles are the integers).  This holds
 * in the default rounding mode, which nothing in the project changes, and without
 * -ffast-math (which could fold the two additions away; the build never uses it).
 * (255, 256) rounds to 256, which clamps to 255.  Additions and a minimum pack two to an
 * instruction, where a compare-and-branch per element would not. */
#define ROUNDING_BIAS 0x1p52
static void store_clamped(uint8_t *dst, const double *values, size_t count)
{
    size_t i = 0;
    for (; i + STORE_BLOCK <= count; i += STORE_BLOCK) {
        if (block_is_plain(values + i, HIGH_WORD_2_POW_8, SIGN_BIT)) {
            uint8_t block[STORE_BLOCK];
            for (size_t j = 0; j < STORE_BLOCK; j++) {
                const double rounded = (values[i + j] + ROUNDING_BIAS) - ROUNDING_BIAS;
                block[j] = (uint8_t)(int32_t)(rounded > 255.0 ? 255.0 : rounded);
            }
            memcpy(dst + i, block, sizeof block);
            continue;
        }
        for (size_t j = 0; j < STORE_BLOCK; j++)
            dst[i + j] = model_to_uint8_clamp(values[i + j]);
    }
    for (; i < count; i++)
        dst[i] = model_to_uint8_clamp(values[i]);
}

/* Float32: below 2^127 the cast rounds to nearest-even inside float's range, which is
 * Math.fround; NaN (canonicalised), infinities and the overflow band go through numconv. */
static void store_float32(uint8_t *dst, const double *values, size_t count)
{
    size_t i = 0;
    for (; i + STORE_BLOCK <= count; i += STORE_BLOCK) {
        float block[STORE_BLOCK];
        if (block_is_plain(values + i, HIGH_WORD_2_POW_127, 0))
            for (size_t j = 0; j < STORE_BLOCK; j++)
                block[j] = (float)values[i + j];
        else
            for (size_t j = 0; j < STORE_BLOCK; j++)
                block[j] = model_to_float32(values[i + j]);
        memcpy(dst + i * sizeof(float), block, sizeof block);
    }
    for (; i < count; i++) {
        const float element = model_to_float32(values[i]);
        memcpy(dst + i * sizeof element, &element, sizeof element);
    }
}

#endif /* !__SSE2__ */

#if defined(__SSE2__)
/* ==== SSE2 (every x86-64 CPU: no run-time dispatch) ===================================== */

/* Why explicit SSE2 rather than the portable blocks: gcc -O2 packs only the simplest
 * loops, and the block test plus a cast cost 28,844 instructions per 4096 Int32 stores
 * against 8,204 for a plain cast loop (callgrind).  Here the conversion IS the test:
 * CVTTPD2DQ truncates each double to an int32 and writes 0x80000000 (the "integer
 * indefinite") for NaN, +-Infinity and every value outside (-2^31 - 1, 2^31), so a block
 * whose results hold no 0x80000000 was converted exactly as ToInt32 does (|x| < 2^31
 * truncates exactly, C11 6.3.1.4 and IEEE alike); a block that holds one (including a
 * genuine -2^31) is stored again element by element through numconv.  These are
 * instructions with defined results for every input, never a C cast of an out-of-range
 * double.  A block's values are all read before any byte is stored, and the caller's
 * array never overlaps the view (buf_model.h), so a redone block overwrites nothing that
 * it still needs. */
#include <emmintrin.h>

/* Four doubles, from a 16-byte aligned address, truncated to four int32 lanes.  Aligned
 * loads are what let the conversion read memory directly (without VEX, a packed operand
 * in memory must be aligned; an unaligned load is one more instruction per two values,
 * ~25% of the packed loop): each store loop first steps one element through numconv when
 * `values` is only 8-byte aligned. */
static inline __m128i truncate4(const double *values)
{
    return _mm_unpacklo_epi64(_mm_cvttpd_epi32(_mm_load_pd(values)), _mm_cvttpd_epi32(_mm_load_pd(values + 2)));
}

/* False if a lane of a..d may be 0x80000000.  PMINSW (the only packed signed minimum in
 * SSE2) over the 16-bit halves: an indefinite lane's high half is 0x8000, the minimum,
 * so it survives into the minimum's high halves; lanes in [-2^31, -2^31 + 65535] give a
 * false alarm, which only sends their block the slow way.  4 instructions for the block
 * where a 32-bit compare per vector costs 8. */
static inline bool no_indefinite(__m128i a, __m128i b, __m128i c, __m128i d)
{
    const __m128i minimum = _mm_min_epi16(_mm_min_epi16(a, b), _mm_min_epi16(c, d));
    const int high_halves = 0xcccc; /* bytes 2 and 3 of every 32-bit lane */
    return (_mm_movemask_epi8(_mm_cmpeq_epi16(minimum, _mm_set1_epi32(INT16_MIN * 65536))) & high_halves) == 0;
}

/* The low 8 or 16 bits of each int32 lane, sign-extended back to 32 bits: the signed
 * packs that follow (SSE2 has no truncating pack) then never saturate, so they keep
 * exactly the low bits, which is what ToInt8 / ToUint8 / ToInt16 / ToUint16 store.
 * 16 bits take one PMADDWD (low half * 1 + high half * 0, the halves read as int16)
 * where the shift pair takes two. */
static inline __m128i low_bits_signed(__m128i lanes, int bits)
{
    if (bits == 16)
        return _mm_madd_epi16(lanes, _mm_set1_epi32(1));
    return _mm_srai_epi32(_mm_slli_epi32(lanes, 32 - bits), 32 - bits);
}

/* The packed loops' element-by-element fallback, shared with the AVX2 loops
 * (typed_range_kernels.h). */
__attribute__((noinline, cold)) void model_range_store_slowly(uint8_t *dst, const double *values, size_t count,
                                                            buf_kind_t kind)
{
    const size_t size = buf_kind_size(kind);
    for (size_t i = 0; i < count; i++)
        model_store_number(kind, dst + i * size, values[i]);
}

/* Elements before `values` reaches a 16-byte boundary: 0 or 1 (doubles are 8-aligned). */
static inline size_t unaligned_head(const double *values, size_t count)
{
    return ((uintptr_t)values & 15) != 0 && count > 0 ? 1 : 0;
}

/* The three integer widths share the loop: a block of 16 values is four truncate4 lanes,
 * tested once, then narrowed by `narrow` and stored as 16 elements of `size` bytes. */
#define DEFINE_STORE_SSE2(name, size, kind, ...)                                                                      \
    static void name(uint8_t *dst, const double *values, size_t count)                                               \
    {                                                                                                                  \
        const size_t head = unaligned_head(values, count);                                                             \
        model_range_store_slowly(dst, values, head, kind);                                                             \
        size_t i = head;                                                                                               \
        for (; i + STORE_BLOCK <= count; i += STORE_BLOCK) {                                                           \
            const __m128i a = truncate4(values + i), b = truncate4(values + i + 4);                                    \
            const __m128i c = truncate4(values + i + 8), d = truncate4(values + i + 12);                               \
            if (!no_indefinite(a, b, c, d)) {                                                                          \
                model_range_store_slowly(dst + i * (size), values + i, STORE_BLOCK, kind);                             \
                continue;                                                                                              \
            }                                                                                                          \
            uint8_t *block = dst + i * (size);                                                                         \
            __VA_ARGS__                                                                                                \
        }                                                                                                              \
        model_range_store_slowly(dst + i * (size), values + i, count - i, kind);                                       \
    }
#define STORE_VECTOR(address, vector) _mm_storeu_si128((__m128i *)(void *)(address), vector)
DEFINE_STORE_SSE2(store_wrapped32, 4, BUF_KIND_UINT32, STORE_VECTOR(block, a); STORE_VECTOR(block + 16, b);
                  STORE_VECTOR(block + 32, c); STORE_VECTOR(block + 48, d);)
DEFINE_STORE_SSE2(store_wrapped16, 2, BUF_KIND_UINT16,
                  STORE_VECTOR(block, _mm_packs_epi32(low_bits_signed(a, 16), low_bits_signed(b, 16)));
                  STORE_VECTOR(block + 16, _mm_packs_epi32(low_bits_signed(c, 16), low_bits_signed(d, 16)));)
/* int32 lanes in [-128, 127] -> int16 -> int8: neither pack saturates */
DEFINE_STORE_SSE2(store_wrapped8, 1, BUF_KIND_UINT8,
                  STORE_VECTOR(block, _mm_packs_epi16(_mm_packs_epi32(low_bits_signed(a, 8), low_bits_signed(b, 8)),
                                                      _mm_packs_epi32(low_bits_signed(c, 8), low_bits_signed(d, 8))));)

/* Uint8Clamped needs no slow path at all.  MAXPD returns its second operand when either
 * is NaN and when both are zeros, so max(x, +0) maps NaN, -0 and every negative to +0;
 * min(that, 255) clamps +Infinity and the rest; CVTPD2DQ then rounds in the current
 * rounding mode, which is the default round to nearest, ties to even, exactly
 * ToUint8Clamp's rounding (nothing in the project changes MXCSR; the portable path
 * relies on the same mode).  The lanes hold 0..255, so the two packs never saturate. */
static inline __m128i clamp4(const double *values)
{
    const __m128d zero = _mm_setzero_pd(), top = _mm_set1_pd(255.0);
    const __m128d low = _mm_min_pd(_mm_max_pd(_mm_loadu_pd(values), zero), top);
    const __m128d high = _mm_min_pd(_mm_max_pd(_mm_loadu_pd(values + 2), zero), top);
    return _mm_unpacklo_epi64(_mm_cvtpd_epi32(low), _mm_cvtpd_epi32(high));
}

static void store_clamped(uint8_t *dst, const double *values, size_t count)
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

/* Float32: CVTPD2PS rounds to nearest, ties to even, and overflows to +-Infinity, with
 * float's subnormals (no FTZ/DAZ in the default MXCSR): IEEE's conversion, which is
 * Math.fround, for every value but NaN, whose sign and payload it keeps where numconv
 * stores the one canonical NaN.  A block with a NaN result goes element by element; the
 * test compares two vectors at once (CMPUNORDPS is true where either lane is NaN). */
static inline __m128 narrow4(const double *values)
{
    return _mm_movelh_ps(_mm_cvtpd_ps(_mm_load_pd(values)), _mm_cvtpd_ps(_mm_load_pd(values + 2)));
}

static void store_float32(uint8_t *dst, const double *values, size_t count)
{
    const size_t head = unaligned_head(values, count);
    model_range_store_slowly(dst, values, head, BUF_KIND_FLOAT32);
    size_t i = head;
    for (; i + STORE_BLOCK <= count; i += STORE_BLOCK) {
        const __m128 a = narrow4(values + i), b = narrow4(values + i + 4);
        const __m128 c = narrow4(values + i + 8), d = narrow4(values + i + 12);
        if (_mm_movemask_ps(_mm_or_ps(_mm_cmpunord_ps(a, b), _mm_cmpunord_ps(c, d))) != 0) {
            model_range_store_slowly(dst + i * 4, values + i, STORE_BLOCK, BUF_KIND_FLOAT32);
            continue;
        }
        float *block = (float *)(void *)(dst + i * 4);
        _mm_storeu_ps(block, a);
        _mm_storeu_ps(block + 4, b);
        _mm_storeu_ps(block + 8, c);
        _mm_storeu_ps(block + 12, d);
    }
    model_range_store_slowly(dst + i * 4, values + i, count - i, BUF_KIND_FLOAT32);
}

/* Loads of the 32-bit kinds, eight elements a step (two vectors: the loop's own
 * instructions spread over eight elements).  Uint32 has no SSE2 conversion: flipping the
 * top bit maps it to the int32 x - 2^31, converted exactly, and adding 2^31 back is exact
 * too (the sum is an integer below 2^32 < 2^53). */
static inline void widen4_int32(__m128i lanes, double *out)
{
    _mm_storeu_pd(out, _mm_cvtepi32_pd(lanes));
    _mm_storeu_pd(out + 2, _mm_cvtepi32_pd(_mm_unpackhi_epi64(lanes, lanes)));
}

static inline void widen4_uint32(__m128i lanes, double *out)
{
    const __m128i shifted = _mm_xor_si128(lanes, _mm_set1_epi32(INT32_MIN));
    const __m128d bias = _mm_set1_pd(2147483648.0);
    _mm_storeu_pd(out, _mm_add_pd(_mm_cvtepi32_pd(shifted), bias));
    _mm_storeu_pd(out + 2, _mm_add_pd(_mm_cvtepi32_pd(_mm_unpackhi_epi64(shifted, shifted)), bias));
}

static inline void widen4_float32(__m128i lanes, double *out)
{
    const __m128 floats = _mm_castsi128_ps(lanes);
    _mm_storeu_pd(out, _mm_cvtps_pd(floats));
    _mm_storeu_pd(out + 2, _mm_cvtps_pd(_mm_movehl_ps(floats, floats)));
}

/* The narrow kinds widen to int32 lanes first: eight elements (8 or 16 bytes) unpacked
 * against themselves put each element in the top of its lane, and an arithmetic shift
 * brings it down sign-extended; the unsigned kinds unpack against zero instead. */
static inline __m128i widen_int8(__m128i bytes)
{
    return _mm_unpacklo_epi8(bytes, bytes);
}
static inline __m128i widen_uint8(__m128i bytes)
{
    return _mm_unpacklo_epi8(bytes, _mm_setzero_si128());
}
#define INT16_LANES_LOW(words) _mm_srai_epi32(_mm_unpacklo_epi16(words, words), 16)
#define INT16_LANES_HIGH(words) _mm_srai_epi32(_mm_unpackhi_epi16(words, words), 16)
#define UINT16_LANES_LOW(words) _mm_unpacklo_epi16(words, _mm_setzero_si128())
#define UINT16_LANES_HIGH(words) _mm_unpackhi_epi16(words, _mm_setzero_si128())

/* Eight elements a step: `load8` gives them as eight 16-bit words, `low` and `high` turn
 * words 0-3 and 4-7 into int32 lanes.  widen_int8 leaves each byte in the TOP half of its
 * word, so after the second unpack it is the lane's top byte and Int8 shifts by 24. */
#define DEFINE_LOAD_NARROW_SSE2(name, c_type, load8, low, high)                                                       \
    static void name(const uint8_t *src, size_t count, double *out)                                                  \
    {                                                                                                                  \
        size_t i = 0;                                                                                                  \
        for (; i + 8 <= count; i += 8) {                                                                               \
            const __m128i words = load8(src + i * sizeof(c_type));                                                     \
            widen4_int32(low(words), out + i);                                                                         \
            widen4_int32(high(words), out + i + 4);                                                                    \
        }                                                                                                              \
        for (; i < count; i++) {                                                                                       \
            c_type element;                                                                                            \
            memcpy(&element, src + i * sizeof element, sizeof element);                                               \
            out[i] = (double)element;                                                                                  \
        }                                                                                                              \
    }
#define LOAD_8_BYTES(address) _mm_loadl_epi64((const __m128i *)(const void *)(address))
#define LOAD_16_BYTES(address) _mm_loadu_si128((const __m128i *)(const void *)(address))
#define INT8_WORDS(address) widen_int8(LOAD_8_BYTES(address))
#define UINT8_WORDS(address) widen_uint8(LOAD_8_BYTES(address))
#define INT8_LANES_LOW(words) _mm_srai_epi32(_mm_unpacklo_epi16(words, words), 24)
#define INT8_LANES_HIGH(words) _mm_srai_epi32(_mm_unpackhi_epi16(words, words), 24)
DEFINE_LOAD_NARROW_SSE2(load_int8, int8_t, INT8_WORDS, INT8_LANES_LOW, INT8_LANES_HIGH)
DEFINE_LOAD_NARROW_SSE2(load_uint8, uint8_t, UINT8_WORDS, UINT16_LANES_LOW, UINT16_LANES_HIGH)
DEFINE_LOAD_NARROW_SSE2(load_int16, int16_t, LOAD_16_BYTES, INT16_LANES_LOW, INT16_LANES_HIGH)
DEFINE_LOAD_NARROW_SSE2(load_uint16, uint16_t, LOAD_16_BYTES, UINT16_LANES_LOW, UINT16_LANES_HIGH)

#define DEFINE_LOAD_SSE2(name, c_type, widen4)                                                                         \
    static void name(const uint8_t *src, size_t count, double *out)                                                  \
    {                                                                                                                  \
        size_t i = 0;                                                                                                  \
        for (; i + 8 <= count; i += 8) {                                                                               \
            widen4(_mm_loadu_si128((const __m128i *)(const void *)(src + i * 4)), out + i);                            \
            widen4(_mm_loadu_si128((const __m128i *)(const void *)(src + i * 4 + 16)), out + i + 4);                   \
        }                                                                                                              \
        for (; i < count; i++) {                                                                                       \
            c_type element;                                                                                            \
            memcpy(&element, src + i * sizeof element, sizeof element);                                               \
            out[i] = (double)element;                                                                                  \
        }                                                                                                              \
    }
DEFINE_LOAD_SSE2(load_int32, int32_t, widen4_int32)
DEFINE_LOAD_SSE2(load_uint32, uint32_t, widen4_uint32)
DEFINE_LOAD_SSE2(load_float32, float, widen4_float32)

#endif /* __SSE2__ */

/* ==== Which loops ======================================================================= */

/* The AVX2 loops (typed_range_avx2.c) run when the SIMD level is avx2 or above
 * (buf_codec.h: the best level this CPU runs, or the one BUFBENCH_SIMD names; tests switch
 * it with buf_simd_level_set), for calls of at least one 16-element block; shorter calls
 * and the scalar and sse42 levels run the loops above (SSE2 is part of x86-64 itself: the
 * scalar level's C compiles to it anyway).  Reading the level is one call and an atomic
 * load, ~8 instructions a call: 0.05% of a 4096-element call. */
#define AVX2_MIN_COUNT 16

static inline bool range_runs_avx2(size_t count)
{
    return MODEL_RANGE_HAVE_AVX2 && count >= AVX2_MIN_COUNT && buf_simd_level() >= BUF_SIMD_AVX2;
}

/* ==== The public calls ================================================================= */

buf_status_t buf_typed_get_range(const buf_typed_t *view, int64_t index, size_t count, double *out)
{
    uint8_t *src;
    const buf_status_t status =
        range_start(view, index, count, out != NULL, view && !model_kind_is_bigint(view->kind), &src);
    if (status != BUF_OK || count == 0)
        return status;
    if (view->kind == BUF_KIND_FLOAT64) { /* the same 8 bytes */
        memcpy(out, src, count * sizeof *out);
        return BUF_OK;
    }
#if MODEL_RANGE_HAVE_AVX2
    if (range_runs_avx2(count)) {
        model_range_load_avx2(view->kind, src, count, out);
        return BUF_OK;
    }
#endif
    switch (view->kind) {
    case BUF_KIND_INT8: load_int8(src, count, out); break;
    case BUF_KIND_UINT8:
    case BUF_KIND_UINT8_CLAMPED: load_uint8(src, count, out); break;
    case BUF_KIND_INT16: load_int16(src, count, out); break;
    case BUF_KIND_UINT16: load_uint16(src, count, out); break;
    case BUF_KIND_INT32: load_int32(src, count, out); break;
    case BUF_KIND_UINT32: load_uint32(src, count, out); break;
    case BUF_KIND_FLOAT32: load_float32(src, count, out); break;
    default: break; /* Float64 copied above; the checks refused the BigInt kinds */
    }
    return BUF_OK;
}

buf_status_t buf_typed_set_range(const buf_typed_t *view, int64_t index, size_t count, const double *values)
{
    uint8_t *dst;
    const buf_status_t status =
        range_start(view, index, count, values != NULL, view && !model_kind_is_bigint(view->kind), &dst);
    if (status != BUF_OK || count == 0)
        return status;
    if (view->kind == BUF_KIND_FLOAT64) { /* the same 8 bytes */
        memcpy(dst, values, count * sizeof *values);
        return BUF_OK;
    }
#if MODEL_RANGE_HAVE_AVX2
    if (range_runs_avx2(count)) {
        model_range_store_avx2(view->kind, dst, values, count);
        return BUF_OK;
    }
#endif
    switch (view->kind) {
    case BUF_KIND_INT8:
    case BUF_KIND_UINT8: store_wrapped8(dst, values, count); break;
    case BUF_KIND_UINT8_CLAMPED: store_clamped(dst, values, count); break;
    case BUF_KIND_INT16:
    case BUF_KIND_UINT16: store_wrapped16(dst, values, count); break;
    case BUF_KIND_INT32:
    case BUF_KIND_UINT32: store_wrapped32(dst, values, count); break;
    case BUF_KIND_FLOAT32: store_float32(dst, values, count); break;
    default: break; /* Float64 copied above; the checks refused the BigInt kinds */
    }
    return BUF_OK;
}

/* The BigInt kinds hold 64 bits that int64_t and uint64_t both carry exactly (the bit
 * pattern IS the value modulo 2^64, which is what ToBigInt64 / ToBigUint64 keep): bytes
 * are copied as they are. */
static buf_status_t copy_bigints(const buf_typed_t *view, int64_t index, size_t count, void *out, const void *in,
                                 bool kind_matches)
{
    uint8_t *element;
    const buf_status_t status = range_start(view, index, count, out || in, kind_matches, &element);
    if (status != BUF_OK || count == 0)
        return status;
    if (in)
        memcpy(element, in, count * 8);
    else if (out) /* always, after the checks; said so for GCC, which inlines the set calls with out = NULL */
        memcpy(out, element, count * 8);
    return BUF_OK;
}

buf_status_t buf_typed_get_bigint_range(const buf_typed_t *view, int64_t index, size_t count, int64_t *out)
{
    return copy_bigints(view, index, count, out, NULL, view && view->kind == BUF_KIND_BIGINT64);
}

buf_status_t buf_typed_get_biguint_range(const buf_typed_t *view, int64_t index, size_t count, uint64_t *out)
{
    return copy_bigints(view, index, count, out, NULL, view && view->kind == BUF_KIND_BIGUINT64);
}

buf_status_t buf_typed_set_bigint_range(const buf_typed_t *view, int64_t index, size_t count, const int64_t *values)
{
    return copy_bigints(view, index, count, NULL, values, view && model_kind_is_bigint(view->kind));
}

buf_status_t buf_typed_set_biguint_range(const buf_typed_t *view, int64_t index, size_t count,
                                         const uint64_t *values)
{
    return copy_bigints(view, index, count, NULL, values, view && model_kind_is_bigint(view->kind));
}
