/* numconv.c — ECMAScript number conversions with no undefined behaviour (numconv.h). */
#include "numconv.h"

#include "core/core_assert.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* ==== Integer conversions ============================================================== */

double model_to_integer(double value)
{
    if (isnan(value))
        return 0.0;
    if (isinf(value))
        return value;
    double t = trunc(value);
    return t == 0.0 ? 0.0 : t; /* -0 -> +0 */
}

uint32_t model_to_uint32(double value)
{
    if (!isfinite(value))
        return 0;
    /* trunc is exact; fmod of two doubles is exact, so m is trunc(value) mod 2^32 with
     * the sign of value, |m| < 2^32: after the shift into [0, 2^32) the cast is defined. */
    double m = fmod(trunc(value), 4294967296.0);
    if (m < 0)
        m += 4294967296.0;
    BUF_ASSERT(m >= 0.0 && m < 4294967296.0);
    return (uint32_t)m;
}

int32_t model_to_int32(double value) { return (int32_t)model_sign_extend(model_to_uint32(value), 4); }
uint16_t model_to_uint16(double value) { return (uint16_t)(model_to_uint32(value) & 0xffffu); }
int16_t model_to_int16(double value) { return (int16_t)model_sign_extend(model_to_uint16(value), 2); }
uint8_t model_to_uint8(double value) { return (uint8_t)(model_to_uint32(value) & 0xffu); }
int8_t model_to_int8(double value) { return (int8_t)model_sign_extend(model_to_uint8(value), 1); }

/* ==== Two's complement ================================================================= */

/* Converting a signed integer to an unsigned type is defined modulo 2^64 (C11 6.3.1.3);
 * only the way back needs care. */
uint64_t model_bits_from_int64(int64_t value) { return (uint64_t)value; }

int64_t model_int64_from_bits(uint64_t bits)
{
    if (bits <= (uint64_t)INT64_MAX)
        return (int64_t)bits;
    return (int64_t)(bits - 0x8000000000000000u) + INT64_MIN; /* both terms in range */
}

int64_t model_sign_extend(uint64_t bits, unsigned width)
{
    BUF_ASSERT(width >= 1 && width <= 8);
    if (width == 8)
        return model_int64_from_bits(bits);
    BUF_ASSERT(bits >> (8 * width) == 0);
    /* Flipping the sign bit and subtracting it sets every bit above it when it was 1
     * (in unsigned arithmetic, no overflow); the reinterpretation is then exact. */
    uint64_t sign = (uint64_t)1 << (8 * width - 1);
    return model_int64_from_bits((bits ^ sign) - sign);
}

uint8_t model_to_uint8_clamp(double value)
{
    if (isnan(value) || value <= 0.0)
        return 0;
    if (value >= 255.0)
        return 255;
    double floor_value = floor(value); /* in [0, 254]: the casts below are exact */
    double half = floor_value + 0.5;
    if (half < value)
        return (uint8_t)(floor_value + 1.0);
    if (value < half)
        return (uint8_t)floor_value;
    /* A tie: round half to even. */
    uint8_t low = (uint8_t)floor_value;
    return (low % 2 == 0) ? low : (uint8_t)(low + 1);
}

/* ==== Float32 ========================================================================== */

float model_to_float32(double value)
{
    if (isnan(value))
        return NAN;
    /* 2^128 - 2^103 is FLT_MAX plus half an ulp: from there on round-to-nearest-even gives
     * infinity (FLT_MAX's mantissa is odd).  Below it but above FLT_MAX the nearest float
     * is FLT_MAX; handling both here keeps the cast strictly inside float's range. */
    const double overflow_threshold = 0x1.ffffffp127;
    double magnitude = fabs(value);
    if (magnitude >= overflow_threshold)
        return value > 0 ? INFINITY : -INFINITY;
    if (magnitude > FLT_MAX)
        return value > 0 ? FLT_MAX : -FLT_MAX;
    return (float)value;
}

uint64_t model_double_bits(double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

double model_double_from_bits(uint64_t bits)
{
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

uint32_t model_float_bits(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

float model_float_from_bits(uint32_t bits)
{
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

/* ==== Element storage (native order) =================================================== */

void model_store_u64(uint8_t *dst, uint64_t bits) { memcpy(dst, &bits, sizeof bits); }

uint64_t model_load_u64(const uint8_t *src)
{
    uint64_t bits;
    memcpy(&bits, src, sizeof bits);
    return bits;
}

void model_store_number(buf_kind_t kind, uint8_t *dst, double value)
{
    switch (kind) {
    case BUF_KIND_INT8: { int8_t v = model_to_int8(value); memcpy(dst, &v, 1); break; }
    case BUF_KIND_UINT8: { uint8_t v = model_to_uint8(value); memcpy(dst, &v, 1); break; }
    case BUF_KIND_UINT8_CLAMPED: { uint8_t v = model_to_uint8_clamp(value); memcpy(dst, &v, 1); break; }
    case BUF_KIND_INT16: { int16_t v = model_to_int16(value); memcpy(dst, &v, 2); break; }
    case BUF_KIND_UINT16: { uint16_t v = model_to_uint16(value); memcpy(dst, &v, 2); break; }
    case BUF_KIND_INT32: { int32_t v = model_to_int32(value); memcpy(dst, &v, 4); break; }
    case BUF_KIND_UINT32: { uint32_t v = model_to_uint32(value); memcpy(dst, &v, 4); break; }
    case BUF_KIND_FLOAT32: { float v = model_to_float32(value); memcpy(dst, &v, 4); break; }
    case BUF_KIND_FLOAT64: memcpy(dst, &value, 8); break;
    default: BUF_ASSERT(!"model_store_number: not a number kind"); break;
    }
}

double model_load_number(buf_kind_t kind, const uint8_t *src)
{
    switch (kind) {
    case BUF_KIND_INT8: { int8_t v; memcpy(&v, src, 1); return v; }
    case BUF_KIND_UINT8:
    case BUF_KIND_UINT8_CLAMPED: { uint8_t v; memcpy(&v, src, 1); return v; }
    case BUF_KIND_INT16: { int16_t v; memcpy(&v, src, 2); return v; }
    case BUF_KIND_UINT16: { uint16_t v; memcpy(&v, src, 2); return v; }
    case BUF_KIND_INT32: { int32_t v; memcpy(&v, src, 4); return v; }
    case BUF_KIND_UINT32: { uint32_t v; memcpy(&v, src, 4); return v; }
    case BUF_KIND_FLOAT32: { float v; memcpy(&v, src, 4); return v; }
    case BUF_KIND_FLOAT64: { double v; memcpy(&v, src, 8); return v; }
    default: BUF_ASSERT(!"model_load_number: not a number kind"); return 0.0;
    }
}

/* ==== Fixed byte order ================================================================= */

uint64_t model_load_ordered(const uint8_t *src, unsigned width, bool little_endian)
{
    BUF_ASSERT(width >= 1 && width <= 8);
    uint64_t bits = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned byte_index = little_endian ? width - 1 - i : i;
        bits = (bits << 8) | src[byte_index];
    }
    return bits;
}

void model_store_ordered(uint8_t *dst, uint64_t bits, unsigned width, bool little_endian)
{
    BUF_ASSERT(width >= 1 && width <= 8);
    for (unsigned i = 0; i < width; i++) {
        unsigned byte_index = little_endian ? i : width - 1 - i;
        dst[byte_index] = (uint8_t)(bits & 0xffu);
        bits >>= 8;
    }
}
