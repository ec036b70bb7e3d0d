/* family_views.c — element access through the model's views, beside a raw C pointer.
 *
 * Rows (one iteration = one pass over VIEW_ELEMENTS = 4096 elements; items = elements,
 * so items_per_second gives ns per element access):
 *   view_get/<kind>, view_set/<kind>     buf_typed_get / buf_typed_set (the BigInt kinds:
 *                                        buf_typed_get_bigint / _biguint, set_bigint / _biguint)
 *   raw_get/<kind>, raw_set/<kind>       the same loop through a pointer of the C type to
 *                                        the same memory: the floor the checks sit on
 *   view_get_bulk/<kind>                 buf_typed_get_range (BigInt: _bigint_range /
 *                                        _biguint_range) into a block of BULK_BLOCK = 256
 *                                        doubles (2 KiB, stays in L1), then the same sum as
 *                                        raw_get over that block: the raw row's work plus the
 *                                        copy out that any bulk API costs (raw_get_array
 *                                        below is the raw loop doing that same work: the
 *                                        row to compare view_get_bulk with)
 *   view_set_bulk/<kind>                 one buf_typed_set_range (BigInt: _set_bigint_range /
 *                                        _set_biguint_range) of the same values raw_set
 *                                        stores, from an array of doubles (int64 for BigInt)
 *                                        filled once before timing: a caller of a bulk API
 *                                        holds its values in an array; the raw loop computes
 *                                        them in the element's C type, which is the cheaper
 *                                        side, so the comparison does not flatter the view
 *   raw_set_array/<kind>                 raw_set's stores taken from view_set_bulk's array
 *                                        with a C cast: the raw floor of the same work as
 *                                        view_set_bulk (the array's doubles are read too)
 *   raw_get_array/<kind>                 the mirror for view_get_bulk: a C pointer loop
 *                                        converts each block of BULK_BLOCK elements into a
 *                                        caller's array of doubles (int64 / uint64 for
 *                                        BigInt), which then is summed as view_get_bulk
 *                                        sums its block: the raw floor of the same work
 *                                        (raw_get never writes its values out)
 *   dataview_get/<kind>/<le|be>, dataview_set/<kind>/<le|be>
 *                                        buf_dataview_get / _set (BigInt: *_bigint64 / _biguint64)
 *                                        at consecutive element offsets
 *   buffer_read/<method>, buffer_write/<method>
 *                                        Node's Buffer methods (readUInt8, readUInt16LE,
 *                                        readInt16BE, readUInt32LE, readUInt32BE, readInt32LE,
 *                                        readFloatLE, readDoubleLE, readDoubleBE,
 *                                        readBigInt64LE, readBigUInt64BE and the writes)
 * <kind> is the JS constructor name (Int8Array ... BigUint64Array), as Node spells it.
 * The get loops add every value into a sum the compiler must keep; the set loops store
 * (index & 127), in range for every kind, so no row measures a range-error path.  Every
 * status is OR-ed into one word checked after the timed loop (a caller checks statuses
 * too; a failure fails the run).  Memory comes from the registry's first base backend
 * (malloc): where the block came from does not change what an access costs.
 * Quick grid: Uint8Array, Int32Array, Float64Array, BigInt64Array, and the Buffer methods
 * readUInt8, readUInt32LE, readDoubleBE, readBigInt64LE (and their writes).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* clock_gettime, getrusage, sysconf in family_support.h */
#endif
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bench.h"
#include "buf_backend.h"
#include "buf_model.h"
#include "family_support.h"
#include "suite.h"

#define VIEW_ELEMENTS 4096
#define BULK_BLOCK 256

/* view_set_bulk's source values, (i & 127) as raw_set stores them; filled on first use. */
static double bulk_numbers[VIEW_ELEMENTS];
static int64_t bulk_bigints[VIEW_ELEMENTS];

/* ---- A run's memory ------------------------------------------------------------------------ */
typedef struct views_run {
    buf_typed_t view;     /* VIEW_ELEMENTS elements of the case's kind (Uint8 for Buffer rows) */
    buf_dataview_t dataview;
    uint8_t *raw;         /* the view's first byte */
    buf_kind_t kind;
    bool little_endian;
} views_run_t;

typedef int (*views_pass_fn)(views_run_t *run); /* one pass: returns the OR of the statuses */

typedef struct views_case {
    buf_kind_t kind;      /* the view's kind; BUF_KIND_UINT8 with VIEW_ELEMENTS * width for Buffer rows */
    int64_t byte_length;  /* bytes of the view */
    bool little_endian;
    views_pass_fn pass;
} views_case_t;

static const char *views_backend_name(void) { return buf_backend_at(0)->props.name; }

static void bench_views(bench_state_t *state, void *context)
{
    const views_case_t *c = context;
    buf_backend_t *backend = family_open_backend(state, views_backend_name());
    if (backend == NULL)
        return;
    views_run_t run = {.kind = c->kind, .little_endian = c->little_endian};
    const int64_t length = c->byte_length / (int64_t)buf_kind_size(c->kind);
    if (buf_typed_new(backend, c->kind, length, &run.view) != BUF_OK ||
        buf_dataview_new(run.view.buffer, 0, BUF_OMITTED, &run.dataview) != BUF_OK) {
        buf_typed_release(&run.view);
        buf_backend_close(backend);
        bench_skip_with_error(state, "cannot create the view");
        return;
    }
    run.raw = buf_arraybuffer_data(run.view.buffer);
    for (int64_t i = 0; i < VIEW_ELEMENTS; i++) {
        bulk_numbers[i] = (double)(i & 127);
        bulk_bigints[i] = i & 127;
    }
    /* Every get row reads known values (i & 127, what the set rows store), not whatever
     * the allocator left: heap garbage read as floats can be denormals, whose conversion
     * takes a microcode assist of ~100 cycles, so a row would time the heap's history. */
    for (int64_t i = 0; i < length; i++)
        if (buf_kind_is_bigint(c->kind))
            buf_typed_set_bigint(&run.view, i, i & 127);
        else
            buf_typed_set(&run.view, i, (double)(i & 127));
    int failed = BUF_OK;
    for (int64_t n; (n = bench_batch(state)) > 0;)
        for (int64_t i = 0; i < n; i++)
            failed |= c->pass(&run); /* one indirect call per 4096 elements */
    bench_set_items_processed(state, bench_iterations(state) * VIEW_ELEMENTS);
    if (failed != BUF_OK)
        bench_skip_with_error(state, "an element access failed");
    buf_dataview_release(&run.dataview);
    buf_typed_release(&run.view);
    buf_backend_close(backend);
}

/* ---- Typed views and the raw floor ----------------------------------------------------------- */
/* The per-element passes, one macro per shape so every row's loop is the same loop:
 * ELEMENT_GET_PASS runs `setup` once, then per element declares `value` (value_type), ORs
 * the status of `call` and adds the value into a sum_type sum the compiler must keep;
 * ELEMENT_SET_PASS ORs the status of `call` per element, then clobbers memory.  `call`
 * sees `run` and the element index `i`; `setup` hoists what the loop must not reload (a
 * call through run's view could change *run as far as the compiler knows). */
#define ELEMENT_GET_PASS(name, setup, value_type, sum_type, call)                                                      \
    static int name(views_run_t *run)                                                                                  \
    {                                                                                                                  \
        setup;                                                                                                         \
        int failed = BUF_OK;                                                                                           \
        sum_type sum = 0;                                                                                              \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i++) {                                                                  \
            value_type value;                                                                                          \
            failed |= (call);                                                                                          \
            sum += (sum_type)value;                                                                                    \
        }                                                                                                              \
        bench_do_not_optimize(&sum);                                                                                   \
        return failed;                                                                                                 \
    }
#define ELEMENT_SET_PASS(name, setup, call)                                                                            \
    static int name(views_run_t *run)                                                                                  \
    {                                                                                                                  \
        setup;                                                                                                         \
        int failed = BUF_OK;                                                                                           \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i++)                                                                    \
            failed |= (call);                                                                                          \
        bench_clobber_memory();                                                                                        \
        return failed;                                                                                                 \
    }
#define NO_SETUP (void)run

ELEMENT_GET_PASS(pass_view_get, NO_SETUP, double, double, buf_typed_get(&run->view, i, &value))
ELEMENT_GET_PASS(pass_view_get_bigint, NO_SETUP, int64_t, uint64_t, buf_typed_get_bigint(&run->view, i, &value))
ELEMENT_GET_PASS(pass_view_get_biguint, NO_SETUP, uint64_t, uint64_t, buf_typed_get_biguint(&run->view, i, &value))
ELEMENT_SET_PASS(pass_view_set, NO_SETUP, buf_typed_set(&run->view, i, (double)(i & 127)))
ELEMENT_SET_PASS(pass_view_set_bigint, NO_SETUP, buf_typed_set_bigint(&run->view, i, i & 127))
ELEMENT_SET_PASS(pass_view_set_biguint, NO_SETUP, buf_typed_set_biguint(&run->view, i, (uint64_t)(i & 127)))

/* The bulk calls: checks once per call, then the kind's conversion loop.  BULK_GET_PASS
 * fills a block of BULK_BLOCK elements with `call` (which sees `run`, `i`, `block`), then
 * sums it as raw_get does. */
#define BULK_GET_PASS(name, block_type, sum_type, call)                                                                \
    static int name(views_run_t *run)                                                                                  \
    {                                                                                                                  \
        int failed = BUF_OK;                                                                                           \
        sum_type sum = 0;                                                                                              \
        block_type block[BULK_BLOCK];                                                                                  \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i += BULK_BLOCK) {                                                      \
            failed |= (call);                                                                                          \
            for (int64_t j = 0; j < BULK_BLOCK; j++)                                                                   \
                sum += (sum_type)block[j];                                                                             \
        }                                                                                                              \
        bench_do_not_optimize(&sum);                                                                                   \
        return failed;                                                                                                 \
    }
BULK_GET_PASS(pass_view_get_bulk, double, double, buf_typed_get_range(&run->view, i, BULK_BLOCK, block))
BULK_GET_PASS(pass_view_get_bigint_bulk, int64_t, uint64_t,
              buf_typed_get_bigint_range(&run->view, i, BULK_BLOCK, block))
BULK_GET_PASS(pass_view_get_biguint_bulk, uint64_t, uint64_t,
              buf_typed_get_biguint_range(&run->view, i, BULK_BLOCK, block))

static int pass_view_set_bulk(views_run_t *run)
{
    const int failed = buf_typed_set_range(&run->view, 0, VIEW_ELEMENTS, bulk_numbers);
    bench_clobber_memory();
    return failed;
}

static int pass_view_set_bigint_bulk(views_run_t *run)
{
    const int failed = buf_typed_set_bigint_range(&run->view, 0, VIEW_ELEMENTS, bulk_bigints);
    bench_clobber_memory();
    return failed;
}

static int pass_view_set_biguint_bulk(views_run_t *run)
{
    const int failed = buf_typed_set_biguint_range(&run->view, 0, VIEW_ELEMENTS, (const uint64_t *)bulk_bigints);
    bench_clobber_memory();
    return failed;
}

/* The raw loops: the same sums and stores through a pointer of the element's C type
 * (numbers summed as double like the view's, BigInts as uint64_t).  raw_get_array converts
 * into a block of block_type (double; the BigInt kinds their own type, as their bulk gets
 * fill), and passes the block's address to an empty asm with a memory clobber before the
 * sum reads it: the block then really is written to memory and read back, as the bulk
 * call's is (without it the compiler may keep or fuse the two loops, and the row would be
 * raw_get again).  raw_set_array stores
 * from view_set_bulk's arrays with a plain C cast (not ECMAScript's conversion: a C cast
 * of an out-of-range double is undefined; these values are all in range). */
#define RAW_SOURCE(c_type) (_Generic((c_type)0, int64_t: bulk_bigints, uint64_t: bulk_bigints, default: bulk_numbers))
#define RAW_PASSES(suffix, c_type, sum_type, block_type)                                                               \
    static int pass_raw_get_##suffix(views_run_t *run)                                                                 \
    {                                                                                                                  \
        const c_type *elements = (const c_type *)run->raw;                                                             \
        sum_type sum = 0;                                                                                              \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i++)                                                                    \
            sum += (sum_type)elements[i];                                                                              \
        bench_do_not_optimize(&sum);                                                                                   \
        return BUF_OK;                                                                                                 \
    }                                                                                                                  \
    static int pass_raw_get_array_##suffix(views_run_t *run)                                                           \
    {                                                                                                                  \
        const c_type *elements = (const c_type *)run->raw;                                                             \
        sum_type sum = 0;                                                                                              \
        block_type block[BULK_BLOCK];                                                                                  \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i += BULK_BLOCK) {                                                      \
            for (int64_t j = 0; j < BULK_BLOCK; j++)                                                                   \
                block[j] = (block_type)elements[i + j];                                                                \
            bench_do_not_optimize(block);                                                                              \
            for (int64_t j = 0; j < BULK_BLOCK; j++)                                                                   \
                sum += (sum_type)block[j];                                                                             \
        }                                                                                                              \
        bench_do_not_optimize(&sum);                                                                                   \
        return BUF_OK;                                                                                                 \
    }                                                                                                                  \
    static int pass_raw_set_array_##suffix(views_run_t *run)                                                           \
    {                                                                                                                  \
        c_type *elements = (c_type *)run->raw;                                                                         \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i++)                                                                    \
            elements[i] = (c_type)RAW_SOURCE(c_type)[i];                                                               \
        bench_clobber_memory();                                                                                        \
        return BUF_OK;                                                                                                 \
    }                                                                                                                  \
    static int pass_raw_set_##suffix(views_run_t *run)                                                                 \
    {                                                                                                                  \
        c_type *elements = (c_type *)run->raw;                                                                         \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i++)                                                                    \
            elements[i] = (c_type)(i & 127);                                                                           \
        bench_clobber_memory();                                                                                        \
        return BUF_OK;                                                                                                 \
    }
RAW_PASSES(int8, int8_t, double, double)
RAW_PASSES(uint8, uint8_t, double, double)
RAW_PASSES(int16, int16_t, double, double)
RAW_PASSES(uint16, uint16_t, double, double)
RAW_PASSES(int32, int32_t, double, double)
RAW_PASSES(uint32, uint32_t, double, double)
RAW_PASSES(float32, float, double, double)
RAW_PASSES(float64, double, double, double)
RAW_PASSES(int64, int64_t, uint64_t, int64_t)
RAW_PASSES(uint64, uint64_t, uint64_t, uint64_t)

typedef struct kind_passes {
    buf_kind_t kind;
    bool quick;
    views_pass_fn view_get, view_set, raw_get, raw_set, bulk_get, bulk_set, raw_set_array, raw_get_array;
} kind_passes_t;

static const kind_passes_t kinds[] = {
    {BUF_KIND_INT8, false, pass_view_get, pass_view_set, pass_raw_get_int8, pass_raw_set_int8,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_int8, pass_raw_get_array_int8},
    {BUF_KIND_UINT8, true, pass_view_get, pass_view_set, pass_raw_get_uint8, pass_raw_set_uint8,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_uint8, pass_raw_get_array_uint8},
    {BUF_KIND_UINT8_CLAMPED, false, pass_view_get, pass_view_set, pass_raw_get_uint8, pass_raw_set_uint8,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_uint8, pass_raw_get_array_uint8},
    {BUF_KIND_INT16, false, pass_view_get, pass_view_set, pass_raw_get_int16, pass_raw_set_int16,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_int16, pass_raw_get_array_int16},
    {BUF_KIND_UINT16, false, pass_view_get, pass_view_set, pass_raw_get_uint16, pass_raw_set_uint16,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_uint16, pass_raw_get_array_uint16},
    {BUF_KIND_INT32, true, pass_view_get, pass_view_set, pass_raw_get_int32, pass_raw_set_int32,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_int32, pass_raw_get_array_int32},
    {BUF_KIND_UINT32, false, pass_view_get, pass_view_set, pass_raw_get_uint32, pass_raw_set_uint32,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_uint32, pass_raw_get_array_uint32},
    {BUF_KIND_FLOAT32, false, pass_view_get, pass_view_set, pass_raw_get_float32, pass_raw_set_float32,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_float32, pass_raw_get_array_float32},
    {BUF_KIND_FLOAT64, true, pass_view_get, pass_view_set, pass_raw_get_float64, pass_raw_set_float64,
     pass_view_get_bulk, pass_view_set_bulk, pass_raw_set_array_float64, pass_raw_get_array_float64},
    {BUF_KIND_BIGINT64, true, pass_view_get_bigint, pass_view_set_bigint, pass_raw_get_int64, pass_raw_set_int64,
     pass_view_get_bigint_bulk, pass_view_set_bigint_bulk, pass_raw_set_array_int64, pass_raw_get_array_int64},
    {BUF_KIND_BIGUINT64, false, pass_view_get_biguint, pass_view_set_biguint, pass_raw_get_uint64, pass_raw_set_uint64,
     pass_view_get_biguint_bulk, pass_view_set_biguint_bulk, pass_raw_set_array_uint64, pass_raw_get_array_uint64},
};

/* ---- DataView ----------------------------------------------------------------------------------- */
#define DATAVIEW_WIDTH const int64_t width = (int64_t)buf_kind_size(run->kind)
ELEMENT_GET_PASS(pass_dataview_get, DATAVIEW_WIDTH, double, double,
                 buf_dataview_get(&run->dataview, run->kind, i * width, run->little_endian, &value))
ELEMENT_SET_PASS(pass_dataview_set, DATAVIEW_WIDTH,
                 buf_dataview_set(&run->dataview, run->kind, i * width, (double)(i & 127), run->little_endian))
ELEMENT_GET_PASS(pass_dataview_get_bigint64, NO_SETUP, int64_t, uint64_t,
                 buf_dataview_get_bigint64(&run->dataview, i * 8, run->little_endian, &value))
ELEMENT_GET_PASS(pass_dataview_get_biguint64, NO_SETUP, uint64_t, uint64_t,
                 buf_dataview_get_biguint64(&run->dataview, i * 8, run->little_endian, &value))
ELEMENT_SET_PASS(pass_dataview_set_bigint64, NO_SETUP,
                 buf_dataview_set_bigint64(&run->dataview, i * 8, i & 127, run->little_endian))
ELEMENT_SET_PASS(pass_dataview_set_biguint64, NO_SETUP,
                 buf_dataview_set_biguint64(&run->dataview, i * 8, (uint64_t)(i & 127), run->little_endian))

/* ---- Buffer methods -------------------------------------------------------------------------------- */
/* One read pass and one write pass per Node method, calling it directly (no pointer
 * between the loop and the API). */
#define BUFFER_READ_PASS(name, width, value_type, sum_type, call)                                                      \
    static int pass_read_##name(views_run_t *run)                                                                      \
    {                                                                                                                  \
        const buf_buffer_t *buffer = &run->view;                                                                       \
        int failed = BUF_OK;                                                                                           \
        sum_type sum = 0;                                                                                              \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i++) {                                                                  \
            const int64_t offset = i * (width);                                                                        \
            value_type value;                                                                                          \
            failed |= (call);                                                                                          \
            sum += (sum_type)value;                                                                                    \
        }                                                                                                              \
        bench_do_not_optimize(&sum);                                                                                   \
        return failed;                                                                                                 \
    }
#define BUFFER_WRITE_PASS(name, width, call)                                                                           \
    static int pass_write_##name(views_run_t *run)                                                                     \
    {                                                                                                                  \
        const buf_buffer_t *buffer = &run->view;                                                                       \
        int failed = BUF_OK;                                                                                           \
        for (int64_t i = 0; i < VIEW_ELEMENTS; i++) {                                                                  \
            const int64_t offset = i * (width);                                                                        \
            failed |= (call);                                                                                          \
        }                                                                                                              \
        bench_clobber_memory();                                                                                        \
        return failed;                                                                                                 \
    }

BUFFER_READ_PASS(UInt8, 1, double, double, buf_buffer_read_uint8(buffer, offset, &value))
BUFFER_READ_PASS(UInt16LE, 2, double, double, buf_buffer_read_uint16le(buffer, offset, &value))
BUFFER_READ_PASS(Int16BE, 2, double, double, buf_buffer_read_int16be(buffer, offset, &value))
BUFFER_READ_PASS(UInt32LE, 4, double, double, buf_buffer_read_uint32le(buffer, offset, &value))
BUFFER_READ_PASS(UInt32BE, 4, double, double, buf_buffer_read_uint32be(buffer, offset, &value))
BUFFER_READ_PASS(Int32LE, 4, double, double, buf_buffer_read_int32le(buffer, offset, &value))
BUFFER_READ_PASS(FloatLE, 4, double, double, buf_buffer_read_float(buffer, offset, true, &value))
BUFFER_READ_PASS(DoubleLE, 8, double, double, buf_buffer_read_double(buffer, offset, true, &value))
BUFFER_READ_PASS(DoubleBE, 8, double, double, buf_buffer_read_double(buffer, offset, false, &value))
BUFFER_READ_PASS(BigInt64LE, 8, int64_t, uint64_t, buf_buffer_read_bigint64(buffer, offset, true, &value))
BUFFER_READ_PASS(BigUInt64BE, 8, uint64_t, uint64_t, buf_buffer_read_biguint64(buffer, offset, false, &value))

BUFFER_WRITE_PASS(UInt8, 1, buf_buffer_write_uint8(buffer, (double)(i & 127), offset, NULL))
BUFFER_WRITE_PASS(UInt16LE, 2, buf_buffer_write_uint16le(buffer, (double)(i & 127), offset, NULL))
BUFFER_WRITE_PASS(Int16BE, 2, buf_buffer_write_int16be(buffer, (double)(i & 127), offset, NULL))
BUFFER_WRITE_PASS(UInt32LE, 4, buf_buffer_write_uint32le(buffer, (double)(i & 127), offset, NULL))
BUFFER_WRITE_PASS(UInt32BE, 4, buf_buffer_write_uint32be(buffer, (double)(i & 127), offset, NULL))
BUFFER_WRITE_PASS(Int32LE, 4, buf_buffer_write_int32le(buffer, (double)(i & 127), offset, NULL))
BUFFER_WRITE_PASS(FloatLE, 4, buf_buffer_write_float(buffer, (double)(i & 127), offset, true, NULL))
BUFFER_WRITE_PASS(DoubleLE, 8, buf_buffer_write_double(buffer, (double)(i & 127), offset, true, NULL))
BUFFER_WRITE_PASS(DoubleBE, 8, buf_buffer_write_double(buffer, (double)(i & 127), offset, false, NULL))
BUFFER_WRITE_PASS(BigInt64LE, 8, buf_buffer_write_bigint64(buffer, i & 127, offset, true, NULL))
BUFFER_WRITE_PASS(BigUInt64BE, 8, buf_buffer_write_biguint64(buffer, (uint64_t)(i & 127), offset, false, NULL))

typedef struct buffer_method {
    const char *name; /* Node's name without read/write: readUInt32LE is "UInt32LE" */
    int64_t width;
    bool quick;
    views_pass_fn read, write;
} buffer_method_t;

#define BUFFER_METHOD(name, width, quick) {#name, width, quick, pass_read_##name, pass_write_##name}
static const buffer_method_t buffer_methods[] = {
    BUFFER_METHOD(UInt8, 1, true),        BUFFER_METHOD(UInt16LE, 2, false),  BUFFER_METHOD(Int16BE, 2, false),
    BUFFER_METHOD(UInt32LE, 4, true),     BUFFER_METHOD(UInt32BE, 4, false),  BUFFER_METHOD(Int32LE, 4, false),
    BUFFER_METHOD(FloatLE, 4, false),     BUFFER_METHOD(DoubleLE, 8, false),  BUFFER_METHOD(DoubleBE, 8, true),
    BUFFER_METHOD(BigInt64LE, 8, true),   BUFFER_METHOD(BigUInt64BE, 8, false),
};

/* ---- Registration ------------------------------------------------------------------------------------ */
static void register_views(views_pass_fn pass, buf_kind_t kind, int64_t byte_length, bool little_endian,
                           const char *name)
{
    views_case_t *c = family_context(sizeof *c);
    *c = (views_case_t){.kind = kind, .byte_length = byte_length, .little_endian = little_endian, .pass = pass};
    bench_register(name, bench_views, c);
}

void bench_family_views(const bench_suite_config_t *config)
{
    char name[128];
    for (size_t k = 0; k < FAMILY_COUNT(kinds); k++) {
        if (config->quick && !kinds[k].quick)
            continue;
        const buf_kind_t kind = kinds[k].kind;
        const char *kind_name = buf_kind_name(kind);
        const int64_t bytes = VIEW_ELEMENTS * (int64_t)buf_kind_size(kind);
        snprintf(name, sizeof name, "view_get/%s", kind_name);
        register_views(kinds[k].view_get, kind, bytes, true, name);
        snprintf(name, sizeof name, "view_set/%s", kind_name);
        register_views(kinds[k].view_set, kind, bytes, true, name);
        snprintf(name, sizeof name, "view_get_bulk/%s", kind_name);
        register_views(kinds[k].bulk_get, kind, bytes, true, name);
        snprintf(name, sizeof name, "view_set_bulk/%s", kind_name);
        register_views(kinds[k].bulk_set, kind, bytes, true, name);
        snprintf(name, sizeof name, "raw_set_array/%s", kind_name);
        register_views(kinds[k].raw_set_array, kind, bytes, true, name);
        snprintf(name, sizeof name, "raw_get_array/%s", kind_name);
        register_views(kinds[k].raw_get_array, kind, bytes, true, name);
        snprintf(name, sizeof name, "raw_get/%s", kind_name);
        register_views(kinds[k].raw_get, kind, bytes, true, name);
        snprintf(name, sizeof name, "raw_set/%s", kind_name);
        register_views(kinds[k].raw_set, kind, bytes, true, name);
        if (kind == BUF_KIND_UINT8_CLAMPED)
            continue; /* no DataView width */
        const bool bigint = buf_kind_is_bigint(kind), is_signed = kind == BUF_KIND_BIGINT64;
        for (int le = 0; le < 2; le++) {
            const char *endian = le ? "le" : "be";
            snprintf(name, sizeof name, "dataview_get/%s/%s", kind_name, endian);
            register_views(bigint ? (is_signed ? pass_dataview_get_bigint64 : pass_dataview_get_biguint64)
                                  : pass_dataview_get,
                           kind, bytes, le, name);
            snprintf(name, sizeof name, "dataview_set/%s/%s", kind_name, endian);
            register_views(bigint ? (is_signed ? pass_dataview_set_bigint64 : pass_dataview_set_biguint64)
                                  : pass_dataview_set,
                           kind, bytes, le, name);
        }
    }
    for (size_t m = 0; m < FAMILY_COUNT(buffer_methods); m++) {
        if (config->quick && !buffer_methods[m].quick)
            continue;
        const int64_t bytes = VIEW_ELEMENTS * buffer_methods[m].width;
        snprintf(name, sizeof name, "buffer_read/read%s", buffer_methods[m].name);
        register_views(buffer_methods[m].read, BUF_KIND_UINT8, bytes, true, name);
        snprintf(name, sizeof name, "buffer_write/write%s", buffer_methods[m].name);
        register_views(buffer_methods[m].write, BUF_KIND_UINT8, bytes, true, name);
    }
}
