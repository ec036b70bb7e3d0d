/* test_model_numconv.c — ECMAScript number conversions of the model (numconv.h): modulo
 * wrap, Uint8Clamped round-half-even, NaN -> 0, Float32 rounding — checked on the values
 * where C casts would be undefined behaviour (the sanitizer build traps any such cast). */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>

#include "model/model_testing.h"

Test(model_numconv, to_uint32_wraps_modulo_2_to_32)
{
    cr_expect_eq(model_to_uint32(0.0), 0u);
    cr_expect_eq(model_to_uint32(-1.0), 4294967295u);
    cr_expect_eq(model_to_uint32(4294967296.0), 0u);
    cr_expect_eq(model_to_uint32(4294967301.0), 5u);
    cr_expect_eq(model_to_uint32(-1.5), 4294967295u); /* trunc first: -1 */
    cr_expect_eq(model_to_uint32(1e20), 1661992960u); /* 1e20 mod 2^32 */
    cr_expect_eq(model_to_uint32(-1e20), 2632974336u);
    cr_expect_eq(model_to_uint32(NAN), 0u);
    cr_expect_eq(model_to_uint32(INFINITY), 0u);
    cr_expect_eq(model_to_uint32(-INFINITY), 0u);
    cr_expect_eq(model_to_uint32(DBL_MAX), 0u); /* a multiple of 2^32 */
    cr_expect_eq(model_to_uint32(5e-324), 0u);
}

Test(model_numconv, signed_kinds_take_the_low_bits_as_twos_complement)
{
    cr_expect_eq(model_to_int8(128.0), -128);
    cr_expect_eq(model_to_int8(-129.0), 127);
    cr_expect_eq(model_to_int8(255.0), -1);
    cr_expect_eq(model_to_int8(-0.5), 0);
    cr_expect_eq(model_to_int16(32768.0), -32768);
    cr_expect_eq(model_to_int16(-32769.0), 32767);
    cr_expect_eq(model_to_int32(2147483648.0), INT32_MIN);
    cr_expect_eq(model_to_int32(-2147483649.0), INT32_MAX);
    cr_expect_eq(model_to_int32(1e40), 0); /* 1e40 is a multiple of 2^32 */
    cr_expect_eq(model_to_uint16(65536.0 + 7), 7);
    cr_expect_eq(model_to_uint8(257.0), 1);
    cr_expect_eq(model_to_uint8(-1.0), 255);
    cr_expect_eq(model_int64_from_bits(UINT64_MAX), -1);
    cr_expect_eq(model_int64_from_bits(0x8000000000000000u), INT64_MIN);
}

/* The one sign extension behind ToInt8/16/32 and every signed read (DataView, Buffer
 * readIntLE/BE of 1..6 bytes), and the one int64 -> bits of every BigInt64 store. */
Test(model_numconv, sign_extension_and_int64_bits_at_every_width)
{
    for (unsigned width = 1; width <= 8; width++) {
        uint64_t top = (uint64_t)1 << (8 * width - 1); /* the sign bit */
        uint64_t all = width == 8 ? UINT64_MAX : (top << 1) - 1;
        cr_expect_eq(model_sign_extend(0, width), 0, "width %u", width);
        cr_expect_eq(model_sign_extend(top - 1, width), (int64_t)(top - 1), "largest positive, width %u", width);
        cr_expect_eq(model_sign_extend(all, width), -1, "all ones, width %u", width);
        cr_expect_eq(model_sign_extend(top, width), width == 8 ? INT64_MIN : -(int64_t)top, "sign bit alone, width %u",
                     width);
    }
    cr_expect_eq(model_sign_extend(0x80, 1), -128);
    cr_expect_eq(model_sign_extend(0xfffe, 2), -2);
    cr_expect_eq(model_sign_extend(0x7fffffffffffu, 6), 140737488355327); /* 2^47 - 1 */
    cr_expect_eq(model_sign_extend(0x800000000000u, 6), -140737488355328);
    cr_expect_eq(model_bits_from_int64(-1), UINT64_MAX);
    cr_expect_eq(model_bits_from_int64(INT64_MIN), 0x8000000000000000u);
    cr_expect_eq(model_bits_from_int64(INT64_MAX), 0x7fffffffffffffffu);
    cr_expect_eq(model_bits_from_int64(-2), 0xfffffffffffffffeu);
    for (int64_t value = -300; value <= 300; value += 7)
        cr_expect_eq(model_int64_from_bits(model_bits_from_int64(value)), value);
}

Test(model_numconv, uint8_clamped_rounds_half_to_even)
{
    const struct { double in; uint8_t out; } cases[] = {
        {0.5, 0}, {1.5, 2}, {2.5, 2}, {-0.5, 0}, {254.5, 254}, {255.5, 255}, {253.5, 254}, {300.7, 255},
        {-300.7, 0}, {NAN, 0}, {INFINITY, 255}, {-INFINITY, 0}, {0.49999999999999994, 0}, {1.0000001, 1}, {127.6, 128},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(model_to_uint8_clamp(cases[i].in), cases[i].out, "clamp(%g)", cases[i].in);
}

Test(model_numconv, float32_rounds_to_nearest_even_and_overflows_to_infinity)
{
    cr_expect_eq(model_to_float32(16777217.0), 16777216.0f); /* tie -> even */
    cr_expect_eq(model_to_float32(16777219.0), 16777220.0f);
    cr_expect(isinf(model_to_float32(1e40)) && model_to_float32(1e40) > 0);
    cr_expect(isinf(model_to_float32(-1e40)) && model_to_float32(-1e40) < 0);
    cr_expect_eq(model_to_float32(3.4028235677973362e38), FLT_MAX); /* just below the halfway point */
    cr_expect(isinf(model_to_float32(3.4028235677973366e38)));        /* exactly halfway: to even = inf */
    cr_expect(isnan(model_to_float32(NAN)));
    cr_expect(signbit(model_to_float32(-0.0)));
    cr_expect_eq(model_to_float32(5e-324), 0.0f); /* underflow to zero */
    cr_expect_eq(model_to_float32(DBL_MAX), INFINITY);
}

Test(model_numconv, integer_or_infinity)
{
    cr_expect_eq(model_to_integer(NAN), 0.0);
    cr_expect(!signbit(model_to_integer(-0.5)));
    cr_expect_eq(model_to_integer(-1.9), -1.0);
    cr_expect(isinf(model_to_integer(-INFINITY)));
}

Test(model_numconv, ordered_access_round_trips_every_width)
{
    uint8_t bytes[8];
    for (unsigned width = 1; width <= 8; width++)
        for (int le = 0; le < 2; le++) {
            uint64_t value = 0x0102030405060708u & (width == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * width)) - 1);
            model_store_ordered(bytes, value, width, le);
            cr_expect_eq(model_load_ordered(bytes, width, le), value);
            cr_expect_eq(bytes[0], le ? 0x08 : (uint8_t)(value >> (8 * (width - 1))));
        }
}

Test(model_numconv, element_store_and_load_for_every_number_kind)
{
    uint8_t slot[8];
    model_store_number(BUF_KIND_INT8, slot, -129.0);
    cr_expect_eq(model_load_number(BUF_KIND_INT8, slot), 127.0);
    model_store_number(BUF_KIND_UINT8_CLAMPED, slot, 2.5);
    cr_expect_eq(model_load_number(BUF_KIND_UINT8_CLAMPED, slot), 2.0);
    model_store_number(BUF_KIND_UINT32, slot, -1.0);
    cr_expect_eq(model_load_number(BUF_KIND_UINT32, slot), 4294967295.0);
    model_store_number(BUF_KIND_FLOAT32, slot, 0.1);
    cr_expect_eq(model_load_number(BUF_KIND_FLOAT32, slot), (double)0.1f);
    model_store_number(BUF_KIND_FLOAT64, slot, -0.0);
    cr_expect(signbit(model_load_number(BUF_KIND_FLOAT64, slot)));
}
