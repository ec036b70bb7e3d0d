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
 */
#include <string.h>

#include "model_internal.h"
#include "numconv.h"

#define STORE_BLOCK 16

/* ==== Checks (once per call) =========================================================== */

/* The first element's address after the checks, in the order buf_model.h gives. */
static buf_status_t range_start(const buf_typed_t *view, int64_t index, size_t count, uint8_t **out)
{
    if (buf_typed_is_out_of_bounds(view))
        return BUF_EDETACHED;
    const int64_t length = buf_typed_length(view);
    if (index < 0 || index > length || (uint64_t)count > (uint64_t)(length - index))
        return BUF_ERANGE;
    *out = view->buffer->data + view->byte_offset + index * (int64_t)buf_kind_size(view->kind);
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
DEFINE_LOAD(load_int8, int8_t)
DEFINE_LOAD(load_uint8, uint8_t)
DEFINE_LOAD(load_int16, int16_t)
DEFINE_LOAD(load_uint16, uint16_t)
DEFINE_LOAD(load_int32, int32_t)
DEFINE_LOAD(load_uint32, uint32_t)
DEFINE_LOAD(load_float32, float)

/* ==== Stores =========================================================================== */

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

/* ==== The public calls ================================================================= */

buf_status_t buf_typed_get_range(const buf_typed_t *view, int64_t index, size_t count, double *out)
{
    if (!model_typed_is_live(view) || (!out && count > 0))
        return BUF_EINVAL;
    if (buf_kind_is_bigint(view->kind))
        return BUF_ETYPE;
    uint8_t *src;
    const buf_status_t status = range_start(view, index, count, &src);
    if (status != BUF_OK || count == 0)
        return status;
    switch (view->kind) {
    case BUF_KIND_INT8: load_int8(src, count, out); break;
    case BUF_KIND_UINT8:
    case BUF_KIND_UINT8_CLAMPED: load_uint8(src, count, out); break;
    case BUF_KIND_INT16: load_int16(src, count, out); break;
    case BUF_KIND_UINT16: load_uint16(src, count, out); break;
    case BUF_KIND_INT32: load_int32(src, count, out); break;
    case BUF_KIND_UINT32: load_uint32(src, count, out); break;
    case BUF_KIND_FLOAT32: load_float32(src, count, out); break;
    default: memcpy(out, src, count * sizeof *out); break; /* Float64: the same 8 bytes */
    }
    return BUF_OK;
}

buf_status_t buf_typed_set_range(const buf_typed_t *view, int64_t index, size_t count, const double *values)
{
    if (!model_typed_is_live(view) || (!values && count > 0))
        return BUF_EINVAL;
    if (buf_kind_is_bigint(view->kind))
        return BUF_ETYPE;
    uint8_t *dst;
    const buf_status_t status = range_start(view, index, count, &dst);
    if (status != BUF_OK || count == 0)
        return status;
    switch (view->kind) {
    case BUF_KIND_INT8:
    case BUF_KIND_UINT8: store_wrapped8(dst, values, count); break;
    case BUF_KIND_UINT8_CLAMPED: store_clamped(dst, values, count); break;
    case BUF_KIND_INT16:
    case BUF_KIND_UINT16: store_wrapped16(dst, values, count); break;
    case BUF_KIND_INT32:
    case BUF_KIND_UINT32: store_wrapped32(dst, values, count); break;
    case BUF_KIND_FLOAT32: store_float32(dst, values, count); break;
    default: memcpy(dst, values, count * sizeof *values); break; /* Float64 */
    }
    return BUF_OK;
}

/* The BigInt kinds hold 64 bits that int64_t and uint64_t both carry exactly (the bit
 * pattern IS the value modulo 2^64, which is what ToBigInt64 / ToBigUint64 keep): bytes
 * are copied as they are. */
static buf_status_t copy_bigints(const buf_typed_t *view, int64_t index, size_t count, void *out, const void *in,
                                 bool kind_matches)
{
    if (!model_typed_is_live(view) || (!out && !in && count > 0))
        return BUF_EINVAL;
    if (!kind_matches)
        return BUF_ETYPE;
    uint8_t *element;
    const buf_status_t status = range_start(view, index, count, &element);
    if (status != BUF_OK || count == 0)
        return status;
    if (in)
        memcpy(element, in, count * 8);
    else
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
    return copy_bigints(view, index, count, NULL, values, view && buf_kind_is_bigint(view->kind));
}

buf_status_t buf_typed_set_biguint_range(const buf_typed_t *view, int64_t index, size_t count,
                                         const uint64_t *values)
{
    return copy_bigints(view, index, count, NULL, values, view && buf_kind_is_bigint(view->kind));
}
