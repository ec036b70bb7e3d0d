/* test_model_typed_range.c — the bulk typed-view calls (buf_typed_get_range and friends)
 * against the per-element ones they must equal.
 *
 * For every kind, one array of adversarial doubles (NaN, +-Infinity, -0, halves around
 * every clamp and wrap edge, 2^31 / 2^32 / 2^53 + 2 / 2^63 / 2^64, the float32 overflow
 * band, denormals, huge values) and random bit patterns is stored once through
 * buf_typed_set_range and element by element through buf_typed_set into a second view:
 * the bytes must be identical.  The first 512 values are ordinary (the bulk path's packed
 * blocks); the rest mix odd values into every block (its slow path), and ranges start at
 * odd indices with odd counts (the tail).  Then the checks: each made once, in the order
 * buf_model.h gives, and a failure leaves memory and the caller's array untouched.
 */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"
#include "buf_model.h"
#include "test_support.h"

#include "test_model_support.h"

#define VALUE_COUNT 2048
#define PLAIN_PREFIX 512

static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

static double double_from_bits(uint64_t bits)
{
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

static void make_values(double *values)
{
    static const double edges[] = {
        NAN, -NAN, INFINITY, -INFINITY, -0.0, 0.0, 0.5, 1.5, 2.5, -0.5, -1.5, 0.49999999999999994,
        127.5, 128.5, -128.5, 254.5, 255.5, 255.49, 255.9999, 256.0, 256.5, -1.0, -255.5, 65535.5, 65536.0,
        -32768.5, -32769.0, 2147483647.0, 2147483647.5, 2147483648.0, 2147483648.5, -2147483648.0,
        -2147483648.5, -2147483649.0, 4294967295.0, 4294967296.0, 4294967301.0, -4294967296.0,
        9007199254740992.0, 9007199254740994.0, -9007199254740994.0, 9223372036854775808.0,
        -9223372036854775808.0, 18446744073709551616.0, 1e300, -1e300, DBL_MAX, -DBL_MAX, FLT_MAX, -FLT_MAX,
        0x1.ffffffp127, 0x1.fffffefffffffp127, -0x1.ffffffp127, 0x1p127, 0x1p128, 5e-324, -5e-324, 1e-40, -1e-40,
        DBL_MIN, 0x1p-149, 0x1p-150, 0x1.8p-150, 3.4028235677973366e38, 1.0000000596046448, 16777217.0,
    };
    /* edges that lie inside one fast path's range (or just past it): whole blocks of them
     * reach the packed conversions of Uint8Clamped (255.5 clamps, ties go to even), of the
     * integer kinds and of Float32 (2^24 + 1 rounds, the overflow band above FLT_MAX) */
    static const double clamp_edges[] = {0.0, 0.5, 1.5, 2.5, 3.5, 0.49999999999999994, 127.5, 128.5, 254.5,
                                         255.5, 255.49, 255.9999, 255.0, 1e-40, 5e-324, 254.50000000000003};
    static const double integer_edges[] = {-0.5, -1.5, 65535.5, 65536.5, 2147483647.5, -2147483647.5, -2147483648.0,
                                           -128.5, 32767.9, -32768.9, 255.5, 4294967295.0, 3e9, -3e9, 2147483648.0};
    static const double float_edges[] = {0x1.fffffep126, 16777217.0, 1.0000000596046448, 0x1p-150, 0x1.8p-150,
                                         -0x1p-149, 0x1.fffffefffffffp127, 0x1.ffffffp127, 3.4028235677973366e38,
                                         -0x1.fffffefffffffp127, 1e-45, 0.1};
    static const struct { const double *values; size_t count; } near_edges[] = {
        {clamp_edges, sizeof clamp_edges / sizeof clamp_edges[0]},
        {integer_edges, sizeof integer_edges / sizeof integer_edges[0]},
        {float_edges, sizeof float_edges / sizeof float_edges[0]},
    };
    uint64_t state = 0x72616e6765ull;
    for (size_t i = 0; i < PLAIN_PREFIX; i++) /* ordinary values: small, with halves and quarters */
        values[i] = (double)((int64_t)(next_random(&state) % 1200) - 600) / 4.0;
    for (size_t block = PLAIN_PREFIX; block < VALUE_COUNT; block += 16) {
        const uint64_t block_kind = next_random(&state) % 4, edge_list = next_random(&state) % 3;
        for (size_t i = block; i < block + 16; i++) {
            const uint64_t pick = next_random(&state);
            switch (block_kind == 3 ? pick % 4 : block_kind) {
            case 0: values[i] = near_edges[edge_list].values[(pick >> 8) % near_edges[edge_list].count]; break;
            case 1: values[i] = (double)(next_random(&state) % 1200) / 4.0; break; /* [0, 300) */
            case 2: values[i] = edges[(pick >> 8) % (sizeof edges / sizeof edges[0])]; break;
            default:
                if (pick & 32)
                    values[i] = double_from_bits(next_random(&state)); /* any bits, NaN payloads too */
                else
                    values[i] = ldexp((double)(next_random(&state) % 1000000), (int)((pick >> 8) % 90)) *
                                ((pick & 16) ? -1.0 : 1.0);
                break;
            }
        }
    }
}

static buf_typed_t new_view(buf_backend_t *backend, buf_kind_t kind, int64_t length)
{
    buf_typed_t view;
    cr_assert_eq(buf_typed_new(backend, kind, length, &view), BUF_OK);
    return view;
}

static uint8_t *view_bytes(const buf_typed_t *view)
{
    return buf_arraybuffer_data(view->buffer) + buf_typed_byte_offset(view);
}

/* A fresh view whose bytes are random: every bit pattern of the kind (negative values,
 * NaN payloads, denormals). */
static buf_typed_t new_random_view(buf_backend_t *backend, buf_kind_t kind, int64_t length, uint64_t *state)
{
    buf_typed_t view = new_view(backend, kind, length);
    uint8_t *bytes = view_bytes(&view);
    for (size_t i = 0; i < (size_t)length * buf_kind_size(kind); i++)
        bytes[i] = (uint8_t)next_random(state);
    return view;
}

/* ==== Values: bulk == per element, at every SIMD level ==================================== */

/* The bulk calls pick their loops by the SIMD level (buf_codec.h): the SSE2 / portable
 * loops below avx2, the AVX2 ones at avx2.  Each value test runs once per level this
 * machine has, switched in-process; the level in use comes back afterwards.  A machine
 * without AVX2 says so on stderr rather than passing in silence. */
static bool switch_to_level(buf_simd_level_t level)
{
    if (!buf_simd_level_available(level)) {
        if (level == BUF_SIMD_AVX2)
            cr_log_warn("this CPU has no AVX2: the AVX2 bulk loops were not tested");
        return false;
    }
    cr_assert_eq(buf_simd_level_set(level), BUF_OK);
    return true;
}
#define FOR_EACH_SIMD_LEVEL(level)                                                                                    \
    for (buf_simd_level_t level = BUF_SIMD_SCALAR; level < BUF_SIMD_LEVEL_COUNT; level++)                            \
        if (switch_to_level(level))

/* A bulk load's values against the per-element get's at the same indexes, bit for bit
 * (a NaN matching any NaN). */
static void expect_loads_equal(const buf_typed_t *view, buf_kind_t kind, buf_simd_level_t level, int64_t start,
                               size_t count, const double *bulk)
{
    for (int64_t i = 0; i < (int64_t)count; i++) {
        double each;
        cr_assert_eq(buf_typed_get(view, start + i, &each), BUF_OK);
        cr_assert(memcmp(&each, &bulk[i], sizeof each) == 0 || (isnan(each) && isnan(bulk[i])),
                  "%s at %s, [%lld, +%zu): [%lld]: bulk %.17g, per element %.17g", buf_kind_name(kind),
                  buf_simd_level_name(level), (long long)start, count, (long long)(start + i), bulk[i], each);
    }
}

/* Stores values[start, start + count) through buf_typed_set_range into one view and element
 * by element into another; the bytes of the whole views must be identical. */
static void expect_stores_equal(buf_backend_t *backend, buf_kind_t kind, buf_simd_level_t level, const double *values,
                                int64_t length, int64_t start, size_t count)
{
    buf_typed_t bulk = new_view(backend, kind, length), each = new_view(backend, kind, length);
    cr_assert_eq(buf_typed_set_range(&bulk, start, count, values + start), BUF_OK);
    for (size_t i = 0; i < count; i++)
        cr_assert_eq(buf_typed_set(&each, start + (int64_t)i, values[start + (int64_t)i]), BUF_OK);
    const size_t size = buf_kind_size(kind);
    for (int64_t i = 0; i < length; i++)
        if (memcmp(view_bytes(&bulk) + i * size, view_bytes(&each) + i * size, size) != 0) {
            double bulk_value, each_value;
            buf_typed_get(&bulk, i, &bulk_value);
            buf_typed_get(&each, i, &each_value);
            cr_expect(false, "%s at %s, range [%lld, +%zu): [%lld] = %.17g: bulk stored %.17g, per element %.17g",
                      buf_kind_name(kind), buf_simd_level_name(level), (long long)start, count, (long long)i,
                      values[i], bulk_value, each_value);
            break;
        }
    buf_typed_release(&bulk);
    buf_typed_release(&each);
}

Test(model_typed_range, number_stores_equal_per_element_stores_for_every_kind)
{
    static double values[VALUE_COUNT];
    make_values(values);
    buf_backend_t *backend = test_open_backend("malloc");
    /* (start, count) ranges: the whole array, then odd offsets and lengths through it (an
     * odd start is 8 bytes off the 16-byte alignment the SSE2 loads want; 17, 29, 47 and
     * 1000 leave tails of 1, 13, 15 and 8 after the 16-element blocks; 7 is shorter than
     * one block) */
    static const struct { int64_t start; size_t count; } ranges[] = {{0, VALUE_COUNT}, {3, 29},  {101, 1000},
                                                                     {1500, 7},        {20, 17}, {57, 47}};
    const buf_simd_level_t in_use = buf_simd_level();
    FOR_EACH_SIMD_LEVEL(level) {
        for (int k = 0; k < BUF_KIND_COUNT; k++) {
            if (buf_kind_is_bigint((buf_kind_t)k))
                continue;
            for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++)
                expect_stores_equal(backend, (buf_kind_t)k, level, values, VALUE_COUNT, ranges[r].start,
                                    ranges[r].count);
        }
    }
    cr_assert_eq(buf_simd_level_set(in_use), BUF_OK);
    test_close_backend_clean(backend);
}

/* One odd value at every position of three blocks of ordinary ones: each lane of each packed
 * conversion must catch it (a test that looked at half the lanes would store a wrong value
 * here), and the blocks around must still take the fast path correctly.  -NaN is there
 * for Float32: a packed conversion keeps its sign where numconv stores the one canonical
 * NaN, which +NaN already is, so only -NaN shows a lane the NaN test skipped. */
Test(model_typed_range, one_odd_value_in_any_lane_goes_the_exact_way)
{
    static const double odd_values[] = {NAN, -NAN, INFINITY, -INFINITY, -0.0, 2147483648.0, -2147483649.0, 4294967301.0,
                                        9007199254740993.0, -1e300, 0x1.ffffffp127, 255.5, -0.5};
    enum { SPAN = 48 }; /* three blocks of 16 */
    buf_backend_t *backend = test_open_backend("malloc");
    const buf_simd_level_t in_use = buf_simd_level();
    FOR_EACH_SIMD_LEVEL(level) {
        for (int k = 0; k < BUF_KIND_COUNT; k++) {
            if (buf_kind_is_bigint((buf_kind_t)k))
                continue;
            for (size_t v = 0; v < sizeof odd_values / sizeof odd_values[0]; v++)
                for (int64_t position = 0; position < SPAN; position++) {
                    double values[SPAN];
                    for (int64_t i = 0; i < SPAN; i++)
                        values[i] = (double)(i * 5 % 97) - 40.25;
                    values[position] = odd_values[v];
                    expect_stores_equal(backend, (buf_kind_t)k, level, values, SPAN, 0, SPAN);
                }
        }
    }
    cr_assert_eq(buf_simd_level_set(in_use), BUF_OK);
    test_close_backend_clean(backend);
}

/* Every count from 0 to 65 (every tail after 0 to 4 whole 16-element blocks, which the
 * AVX2 stores take two at a time and then one; the AVX2 loads also step by 4), from an
 * even and an odd start, with each of
 * the values where a packed conversion and ECMAScript's part ways put LAST, in the tail:
 * NaN of either sign (one canonical NaN in Float32, 0 in the integers), -0 and +0, +-Infinity, 2^31 (the int32
 * indefinite's neighbour), 2^32 (wraps to 0), -2^31 - 1, 1e300, and the subnormals
 * (5e-324, -1e-310: +-0 in Float32, with its sign).  The whole view is compared, so a
 * loop that stored one element too many (or one too few) fails as well as a wrong value. */
Test(model_typed_range, every_tail_length_stores_every_edge_exactly)
{
    static const double edge_values[] = {NAN, -NAN,    -0.0,          0.0,     INFINITY, -INFINITY, 2147483648.0,
                                         4294967296.0, -2147483649.0, 1e300,   5e-324,   -1e-310,   -2147483648.0};
    enum { MAX_COUNT = 65, LENGTH = MAX_COUNT + 2 };
    buf_backend_t *backend = test_open_backend("malloc");
    const buf_simd_level_t in_use = buf_simd_level();
    FOR_EACH_SIMD_LEVEL(level) {
        for (int k = 0; k < BUF_KIND_COUNT; k++) {
            if (buf_kind_is_bigint((buf_kind_t)k))
                continue;
            for (size_t count = 0; count <= MAX_COUNT; count++)
                for (int64_t start = 0; start < 2; start++)
                    for (size_t e = 0; e < sizeof edge_values / sizeof edge_values[0]; e++) {
                        double values[LENGTH];
                        for (int64_t i = 0; i < LENGTH; i++)
                            values[i] = (double)(i * 7 % 41) - 20.5; /* ordinary: the packed path */
                        if (count > 0)
                            values[start + (int64_t)count - 1] = edge_values[e];
                        expect_stores_equal(backend, (buf_kind_t)k, level, values, LENGTH, start, count);
                    }
        }
    }
    cr_assert_eq(buf_simd_level_set(in_use), BUF_OK);
    test_close_backend_clean(backend);
}

/* The loads' tails the same way: every count 0..65 from an even and an odd start, each
 * value equal to the per-element get's, and the caller's array untouched past count. */
Test(model_typed_range, every_tail_length_loads_exactly_count_elements)
{
    enum { MAX_COUNT = 65, LENGTH = MAX_COUNT + 2 };
    buf_backend_t *backend = test_open_backend("malloc");
    const buf_simd_level_t in_use = buf_simd_level();
    FOR_EACH_SIMD_LEVEL(level) {
        uint64_t state = 0x7461696c73ull;
        for (int k = 0; k < BUF_KIND_COUNT; k++) {
            const buf_kind_t kind = (buf_kind_t)k;
            if (buf_kind_is_bigint(kind))
                continue;
            buf_typed_t view = new_random_view(backend, kind, LENGTH, &state);
            for (size_t count = 0; count <= MAX_COUNT; count++)
                for (int64_t start = 0; start < 2; start++) {
                    double out[LENGTH + 1];
                    for (size_t i = 0; i <= LENGTH; i++)
                        out[i] = -7.0;
                    cr_assert_eq(buf_typed_get_range(&view, start, count, out), BUF_OK);
                    expect_loads_equal(&view, kind, level, start, count, out);
                    for (size_t i = count; i <= LENGTH; i++)
                        cr_assert_eq(out[i], -7.0, "%s at %s: a get of %zu wrote out[%zu]", buf_kind_name(kind),
                                     buf_simd_level_name(level), count, i);
                }
            buf_typed_release(&view);
        }
    }
    cr_assert_eq(buf_simd_level_set(in_use), BUF_OK);
    test_close_backend_clean(backend);
}

Test(model_typed_range, number_loads_equal_per_element_loads_for_every_kind)
{
    buf_backend_t *backend = test_open_backend("malloc");
    /* ranges that end in each kind of tail: 16-element steps, 4-element steps, single ones */
    static const struct { int64_t start; size_t count; } ranges[] = {
        {5, VALUE_COUNT - 9}, {0, 16}, {1, 17}, {2, 35}, {7, 3}, {64, 4}, {100, 1}};
    const buf_simd_level_t in_use = buf_simd_level();
    FOR_EACH_SIMD_LEVEL(level) {
        uint64_t state = 0x6c6f616473ull;
        for (int k = 0; k < BUF_KIND_COUNT; k++) {
            const buf_kind_t kind = (buf_kind_t)k;
            if (buf_kind_is_bigint(kind))
                continue;
            buf_typed_t view = new_random_view(backend, kind, VALUE_COUNT, &state);
            static double bulk[VALUE_COUNT];
            for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
                const int64_t start = ranges[r].start;
                const size_t count = ranges[r].count;
                for (size_t i = 0; i < VALUE_COUNT; i++)
                    bulk[i] = -7.0;
                cr_assert_eq(buf_typed_get_range(&view, start, count, bulk), BUF_OK);
                expect_loads_equal(&view, kind, level, start, count, bulk);
                cr_assert_eq(bulk[count], -7.0, "%s at %s: a get of %zu wrote past its end", buf_kind_name(kind),
                             buf_simd_level_name(level), count);
            }
            buf_typed_release(&view);
        }
    }
    cr_assert_eq(buf_simd_level_set(in_use), BUF_OK);
    test_close_backend_clean(backend);
}

Test(model_typed_range, bigint_ranges_equal_per_element_access)
{
    buf_backend_t *backend = test_open_backend("malloc");
    static int64_t signed_values[VALUE_COUNT], signed_out[VALUE_COUNT];
    static uint64_t unsigned_out[VALUE_COUNT];
    uint64_t state = 0x626967ull;
    for (size_t i = 0; i < VALUE_COUNT; i++)
        signed_values[i] =
            i % 7 == 0 ? INT64_MIN + (int64_t)(i % 3) : (int64_t)(next_random(&state) >> 1) - INT64_MAX / 2;
    for (int kind = BUF_KIND_BIGINT64; kind <= BUF_KIND_BIGUINT64; kind++) {
        buf_typed_t bulk = new_view(backend, (buf_kind_t)kind, VALUE_COUNT);
        buf_typed_t each = new_view(backend, (buf_kind_t)kind, VALUE_COUNT);
        cr_assert_eq(buf_typed_set_bigint_range(&bulk, 1, VALUE_COUNT - 2, signed_values + 1), BUF_OK);
        for (int64_t i = 1; i < VALUE_COUNT - 1; i++)
            cr_assert_eq(buf_typed_set_bigint(&each, i, signed_values[i]), BUF_OK);
        cr_expect(memcmp(view_bytes(&bulk), view_bytes(&each), VALUE_COUNT * 8) == 0, "%s", buf_kind_name(kind));
        cr_assert_eq(buf_typed_set_biguint_range(&bulk, 0, 3, (const uint64_t *)signed_values), BUF_OK);
        if (kind == BUF_KIND_BIGINT64) {
            cr_assert_eq(buf_typed_get_bigint_range(&bulk, 0, VALUE_COUNT, signed_out), BUF_OK);
            cr_assert_eq(buf_typed_get_biguint_range(&bulk, 0, 1, unsigned_out), BUF_ETYPE);
        } else {
            cr_assert_eq(buf_typed_get_biguint_range(&bulk, 0, VALUE_COUNT, unsigned_out), BUF_OK);
            cr_assert_eq(buf_typed_get_bigint_range(&bulk, 0, 1, signed_out), BUF_ETYPE);
        }
        for (int64_t i = 0; i < VALUE_COUNT; i++) {
            if (kind == BUF_KIND_BIGINT64) {
                int64_t value;
                cr_assert_eq(buf_typed_get_bigint(&bulk, i, &value), BUF_OK);
                cr_assert_eq(signed_out[i], value, "BigInt64Array[%lld]", (long long)i);
            } else {
                uint64_t value;
                cr_assert_eq(buf_typed_get_biguint(&bulk, i, &value), BUF_OK);
                cr_assert_eq(unsigned_out[i], value, "BigUint64Array[%lld]", (long long)i);
            }
        }
        buf_typed_release(&bulk);
        buf_typed_release(&each);
    }
    test_close_backend_clean(backend);
}

/* ==== Checks, once, in order, and nothing touched on failure ============================== */

Test(model_typed_range, checks_come_in_order_and_failures_touch_nothing)
{
    FOR_EACH_BACKEND(spec, backend) {
        buf_arraybuffer_t *ab = NULL;
        buf_status_t status;
        ALLOC_RETRY(spec, status, buf_arraybuffer_alloc_resizable(backend, 64, 128, &ab));
        cr_assert_eq(status, BUF_OK);
        model_fill_pattern_bytes(ab);
        buf_typed_t tracking, fixed, bigs;
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_INT32, ab, 8, BUF_OMITTED, &tracking), BUF_OK); /* 14 */
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_UINT16, ab, 32, 16, &fixed), BUF_OK);          /* to 64 */
        cr_assert_eq(buf_typed_from_buffer(BUF_KIND_BIGINT64, ab, 0, 4, &bigs), BUF_OK);
        double out[32];
        const double in[32] = {1, 2, 3};
        int64_t big_out[8] = {0};
        for (size_t i = 0; i < 32; i++)
            out[i] = -7.0;

        /* EINVAL, then ETYPE, then EDETACHED / ERANGE */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_typed_get_range(NULL, 0, 1, out));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_typed_get_range(&tracking, 0, 1, NULL));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_typed_set_range(&tracking, 0, 1, NULL));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_set_range(&bigs, 99, 1, in));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_set_bigint_range(&tracking, 0, 1, big_out));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_get_biguint_range(&bigs, 0, 1, (uint64_t *)big_out));

        /* the range: [index, index + count) inside [0, length) */
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_range(&tracking, -1, 1, in));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_range(&tracking, 0, 15, in));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_range(&tracking, 14, 1, in));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_range(&tracking, 15, 0, in));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_range(&tracking, 1, SIZE_MAX, in));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_bigint_range(&bigs, 2, 3, big_out));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_OK, buf_typed_set_range(&tracking, 14, 0, in)); /* empty, at the end */
        cr_expect_eq(buf_typed_get_range(&tracking, 0, 15, out), BUF_ERANGE);
        for (size_t i = 0; i < 32; i++)
            cr_expect_eq(out[i], -7.0, "out[%zu] written by a failed get", i);

        /* a shrink: the tracking view follows the new length, the fixed one goes out of bounds */
        cr_assert_eq(buf_arraybuffer_resize(ab, 40), BUF_OK);
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_typed_set_range(&fixed, 0, 1, in));
        EXPECT_FAILS_UNTOUCHED(ab, BUF_EDETACHED, buf_typed_set_range(&fixed, 0, 0, in));
        cr_expect_eq(buf_typed_get_range(&fixed, 0, 1, out), BUF_EDETACHED);
        EXPECT_FAILS_UNTOUCHED(ab, BUF_ERANGE, buf_typed_set_range(&tracking, 0, 9, in)); /* 8 left */
        cr_expect_eq(buf_typed_set_range(&tracking, 5, 3, in), BUF_OK);
        cr_expect_eq(buf_typed_get_range(&tracking, 5, 3, out), BUF_OK);
        cr_expect(out[0] == 1.0 && out[1] == 2.0 && out[2] == 3.0 && out[3] == -7.0);

        /* growing back brings the fixed view back in bounds (new bytes are zero) */
        cr_assert_eq(buf_arraybuffer_resize(ab, 128), BUF_OK);
        cr_expect_eq(buf_typed_get_range(&fixed, 0, 16, out), BUF_OK);
        cr_expect_eq(out[15], 0.0);
        buf_typed_release(&tracking);
        buf_typed_release(&fixed);
        buf_typed_release(&bigs);
        buf_arraybuffer_release(ab);
    }
}

/* Both a NULL array (count > 0) and a kind that does not suit the call: buf_model.h orders
 * BUF_EINVAL (which covers the NULL array) before BUF_ETYPE, so the answer is EINVAL, for
 * every call, whatever else is wrong; with count 0 a NULL array is allowed, and the kind
 * decides. */
Test(model_typed_range, a_null_array_is_reported_before_a_wrong_kind)
{
    buf_backend_t *backend = test_open_backend("malloc");
    buf_typed_t numbers = new_view(backend, BUF_KIND_INT32, 8), bigs = new_view(backend, BUF_KIND_BIGINT64, 8);
    buf_arraybuffer_t *ab = numbers.buffer, *big_ab = bigs.buffer;
    EXPECT_FAILS_UNTOUCHED(big_ab, BUF_EINVAL, buf_typed_get_range(&bigs, 0, 1, NULL));
    EXPECT_FAILS_UNTOUCHED(big_ab, BUF_EINVAL, buf_typed_set_range(&bigs, 0, 1, NULL));
    EXPECT_FAILS_UNTOUCHED(big_ab, BUF_EINVAL, buf_typed_get_biguint_range(&bigs, 0, 1, NULL));
    EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_typed_get_bigint_range(&numbers, 0, 1, NULL));
    EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_typed_set_bigint_range(&numbers, 0, 1, NULL));
    EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_typed_set_biguint_range(&numbers, 0, 1, NULL));
    /* out of range as well: still the NULL array first */
    EXPECT_FAILS_UNTOUCHED(big_ab, BUF_EINVAL, buf_typed_set_range(&bigs, 99, 1, NULL));
    EXPECT_FAILS_UNTOUCHED(ab, BUF_EINVAL, buf_typed_get_bigint_range(&numbers, -1, 1, NULL));
    /* count 0: no array needed, so the wrong kind is what is reported */
    EXPECT_FAILS_UNTOUCHED(big_ab, BUF_ETYPE, buf_typed_get_range(&bigs, 0, 0, NULL));
    EXPECT_FAILS_UNTOUCHED(ab, BUF_ETYPE, buf_typed_set_bigint_range(&numbers, 0, 0, NULL));
    EXPECT_FAILS_UNTOUCHED(ab, BUF_OK, buf_typed_set_range(&numbers, 0, 0, NULL));
    buf_typed_release(&numbers);
    buf_typed_release(&bigs);
    test_close_backend_clean(backend);
}
