/* view_ops — programs over ArrayBuffers, typed views, DataViews and Buffers, run against
 * a shadow byte model.
 *
 * Property: after EVERY operation the whole reservation of every ArrayBuffer (all
 * max_byte_length bytes, not only the live ones) equals the shadow model, so
 *   - a failing call touches nothing (not one byte, anywhere);
 *   - a succeeding call writes only inside the range it addresses (its view's bytes,
 *     the element, the [offset, end) window), and nothing past a shrunk buffer's end;
 *   - every out-of-range request fails: element get/set, DataView get/set of every
 *     width, Buffer read/write of every width (integers of 1-6 bytes, float, double,
 *     BigInt64, BigUint64), view construction (ECMAScript's
 *     RangeError rules, as V8 11.3 applies them) and resize are predicted by the model,
 *     and the call must succeed exactly when the model says the request is in range;
 *   - reads return exactly what the shadow bytes encode (both byte orders, all widths),
 *     writes of exactly representable values store exactly the expected bytes;
 *   - view geometry (out-of-bounds state, length) follows resizes as ECMAScript says;
 *   - read-only Buffer operations (toString, indexOf, includes, compare, equals) change
 *     nothing and return -1 or an index up to the length (an empty needle matches at the end); equals agrees with the model;
 *     concat copies exactly the list's bytes (truncated or zero-padded);
 *   - Buffer.alloc / from(bytes) / new T(n) start with the promised contents; fill with a
 *     pattern or string and set(array) write only inside their view;
 *   - reference counts: each ArrayBuffer's count is 1 + the live views on it, and
 *     releasing everything returns every block to the backend (checked at close).
 *
 * Input: backend selector (fuzz_backend.h), then one opcode byte per step (enum
 * view_op) and its operands; encoding names come from the one table encoding_names[].
 * Buffers are at most MAX_RESERVATION bytes, so comparing every byte after every step
 * stays cheap.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "buf_model.h"
#include "fuzz_backend.h"
#include "fuzz_helpers.h"

#define MAX_BUFFERS 4
#define MAX_VIEWS 8
#define MAX_RESERVATION 256
#define MAX_STEPS 256

/* ---- Operation codes ----------------------------------------------------------------
 * APPEND ONLY, NEVER RENUMBER: committed corpus/view_ops/ inputs (and
 * fuzz/seeds/view_ops.js) spell programs in these codes.  A step's opcode is the low
 * five bits of its first byte (the high bits are ignored); a code not assigned yet ends
 * the program there, as an unknown fuzz id skips an input, so giving it a meaning later
 * only extends the programs that used it and never changes what ran before.  Operands
 * in the order they are read. */
enum view_op {
    VIEW_OP_NEW_BUFFER = 0,            /* slot, flags, length, extra */
    VIEW_OP_RESIZE = 1,                /* buffer, length */
    VIEW_OP_SLICE = 2,                 /* buffer, target slot, begin, end */
    VIEW_OP_NEW_TYPED = 3,             /* buffer, kind, offset, length */
    VIEW_OP_NEW_DATAVIEW = 4,          /* buffer, offset, length */
    VIEW_OP_BUFFER_FROM = 5,           /* buffer, offset, length */
    VIEW_OP_SUBARRAY = 6,              /* view, begin, end, as Buffer */
    VIEW_OP_RELEASE = 7,               /* view */
    VIEW_OP_TYPED_GET = 8,             /* view, index, exact [, value] */
    VIEW_OP_TYPED_SET = 9,             /* view, index, exact, value */
    VIEW_OP_DATAVIEW_GET = 10,         /* view, kind, index, little, exact [, value] */
    VIEW_OP_DATAVIEW_SET = 11,         /* view, kind, index, little, exact, value */
    VIEW_OP_BUFFER_READ = 12,          /* view, flags, offset, u64 */
    VIEW_OP_BUFFER_WRITE = 13,         /* view, flags, offset, u64 [, value] */
    VIEW_OP_BUFFER_FILL = 14,          /* view, u16 value, offset, end */
    VIEW_OP_BUFFER_COPY = 15,          /* source, target, target start, source start, end */
    VIEW_OP_TYPED_SET_FROM = 16,       /* target, source, offset */
    VIEW_OP_BUFFER_WRITE_STRING = 17,  /* view, encoding, offset, length, text length, text */
    VIEW_OP_BUFFER_READ_ONLY = 18,     /* view, other, which, encoding, start, end, needle */
    VIEW_OP_BUFFER_CONCAT = 19,        /* count, views, total */
    VIEW_OP_NEW_OWNING_VIEW = 20,      /* how, length, encoding, kind, bytes */
    VIEW_OP_MORE_WRITES = 21,          /* view, which, encoding, offset, end, pattern */
    VIEW_OP_COUNT                      /* codes from here to VIEW_OP_SPACE - 1: unassigned */
};
#define VIEW_OP_SPACE 32

typedef struct shadow_buffer {
    buf_arraybuffer_t *ab; /* our own reference (NULL: slot free) */
    uint8_t bytes[MAX_RESERVATION];
    int64_t byte_length, max_byte_length;
    bool resizable;
} shadow_buffer_t;

typedef struct shadow_view {
    bool live, is_dataview;
    int buffer; /* index into buffers[] */
    buf_typed_t typed;
    buf_dataview_t dataview;
} shadow_view_t;

typedef struct program {
    fuzz_backend_t selected;
    shadow_buffer_t buffers[MAX_BUFFERS];
    shadow_view_t views[MAX_VIEWS];
    int step;
} program_t;

/* ---- Operand producers ------------------------------------------------------------- */
/* Offsets and indices: mostly small (in and around the buffers), sometimes extreme. */
static int64_t take_index(fuzz_producer_t *input, bool may_omit)
{
    uint8_t choice = fuzz_take_u8(input);
    if (choice == 255) return may_omit ? BUF_OMITTED : 0;
    if (choice >= 248) {
        static const int64_t extremes[] = {INT64_MAX, INT64_MIN + 1, (int64_t)1 << 53, -((int64_t)1 << 53),
                                           (int64_t)1 << 32, ((int64_t)1 << 53) - 1, -1};
        return extremes[choice - 248];
    }
    return (int64_t)choice - 8;
}

static double take_special_double(fuzz_producer_t *input)
{
    static const double specials[] = {NAN, -0.0, 0.0, INFINITY, -INFINITY, 0.5, 1.5, 2.5, -0.5, -1.5,
                                      255.5, 256.0, -129.0, 65535.0, 4294967295.0, 4294967296.0,
                                      -2147483649.0, 9007199254740993.0, 1e300, -1e300, 3.4028235e38,
                                      1.401298464324817e-45, 2.2250738585072014e-308};
    return specials[fuzz_take_u8(input) % (sizeof specials / sizeof specials[0])];
}

/* Encoding names: the canonical seven, an unknown one, Node's aliases in other
 * spellings, "" (falsy: the default where Node tests `!encoding`, unknown where it looks
 * the name up) and NULL (omitted, JS undefined).  The one table every operation takes
 * its names from; an entry's index is part of the input format, and all sixteen slots
 * of the four-bit index are taken, so the table never changes. */
static const char *const encoding_names[16] = {
    "utf8", "utf16le", "latin1", "ascii", "hex", "base64", "base64url", "bogus",
    "ucs2", "utf-8", "ucs-2", "utf-16le", "binary", "UTF8", "", NULL,
};

static const char *take_encoding(fuzz_producer_t *input) { return encoding_names[fuzz_take_u8(input) & 15]; }

/* ---- Model helpers ----------------------------------------------------------------- */
static size_t element_size(buf_kind_t kind) { return buf_kind_size(kind); }

static bool view_out_of_bounds(const program_t *p, const shadow_view_t *v)
{
    int64_t available = p->buffers[v->buffer].byte_length;
    if (v->is_dataview)
        return v->dataview.length_tracking ? v->dataview.byte_offset > available
                                           : v->dataview.byte_offset + v->dataview.fixed_byte_length > available;
    int64_t size = (int64_t)element_size(v->typed.kind);
    return v->typed.length_tracking ? v->typed.byte_offset > available
                                    : v->typed.byte_offset + v->typed.fixed_length * size > available;
}

/* Byte length the view covers now (0 when out of bounds). */
static int64_t view_byte_span(const program_t *p, const shadow_view_t *v)
{
    if (view_out_of_bounds(p, v)) return 0;
    int64_t available = p->buffers[v->buffer].byte_length;
    if (v->is_dataview)
        return v->dataview.length_tracking ? available - v->dataview.byte_offset : v->dataview.fixed_byte_length;
    int64_t size = (int64_t)element_size(v->typed.kind);
    return v->typed.length_tracking ? (available - v->typed.byte_offset) / size * size
                                    : v->typed.fixed_length * size;
}


/* Unsigned value of `width` bytes at `at`, in the given byte order. */
static uint64_t load_bytes(const uint8_t *at, unsigned width, bool little_endian)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < width; i++) value |= (uint64_t)at[little_endian ? i : width - 1 - i] << (8 * i);
    return value;
}

static void store_bytes(uint8_t *at, uint64_t value, unsigned width, bool little_endian)
{
    for (unsigned i = 0; i < width; i++) at[little_endian ? i : width - 1 - i] = (uint8_t)(value >> (8 * i));
}

/* What an element of `kind` reads as from its bytes (the spec's RawBytesToNumeric). */
static double element_value(buf_kind_t kind, const uint8_t *at, bool little_endian)
{
    uint64_t bits = load_bytes(at, (unsigned)element_size(kind), little_endian);
    switch (kind) {
    case BUF_KIND_INT8: return (double)(int8_t)bits;
    case BUF_KIND_UINT8: case BUF_KIND_UINT8_CLAMPED: return (double)(uint8_t)bits;
    case BUF_KIND_INT16: return (double)(int16_t)bits;
    case BUF_KIND_UINT16: return (double)(uint16_t)bits;
    case BUF_KIND_INT32: return (double)(int32_t)bits;
    case BUF_KIND_UINT32: return (double)(uint32_t)bits;
    case BUF_KIND_FLOAT32: { uint32_t b32 = (uint32_t)bits; float f; memcpy(&f, &b32, 4); return f; }
    case BUF_KIND_FLOAT64: { double d; memcpy(&d, &bits, 8); return d; }
    default: return 0;
    }
}

static bool same_double(double a, double b) { return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b)); }

/* An integer value exactly representable in `kind`, as the bits it stores; *value gets
 * the double to pass.  Returns false for kinds where no such value is drawn. */
static bool take_exact_value(fuzz_producer_t *input, buf_kind_t kind, double *value, uint64_t *bits)
{
    uint32_t raw = fuzz_take_u32(input);
    switch (kind) {
    case BUF_KIND_INT8: *value = (int8_t)raw; break;
    case BUF_KIND_UINT8: case BUF_KIND_UINT8_CLAMPED: *value = (uint8_t)raw; break;
    case BUF_KIND_INT16: *value = (int16_t)raw; break;
    case BUF_KIND_UINT16: *value = (uint16_t)raw; break;
    case BUF_KIND_INT32: *value = (int32_t)raw; break;
    case BUF_KIND_UINT32: *value = raw; break;
    case BUF_KIND_FLOAT32: { float f = (float)(int32_t)raw / 64.0f; *value = f; memcpy(&raw, &f, 4); *bits = raw; return true; }
    case BUF_KIND_FLOAT64: { double d = (double)(int32_t)raw / 1024.0; *value = d; memcpy(bits, &d, 8); return true; }
    default: return false;
    }
    *bits = (uint64_t)(int64_t)*value;
    return true;
}

/* ---- The oracle: every byte of every reservation ---------------------------------- */
static void check_memory(const program_t *p, const char *operation)
{
    for (int b = 0; b < MAX_BUFFERS; b++) {
        const shadow_buffer_t *buffer = &p->buffers[b];
        if (buffer->ab == NULL) continue;
        FUZZ_ASSERT(buf_arraybuffer_byte_length(buffer->ab) == buffer->byte_length);
        const uint8_t *data = buf_arraybuffer_data(buffer->ab);
        for (int64_t i = 0; i < buffer->max_byte_length; i++)
            FUZZ_ASSERT_MSG(data[i] == buffer->bytes[i],
                            "step %d (%s): buffer %d byte %lld is %02x, model says %02x (byte_length %lld, max %lld)",
                            p->step, operation, b, (long long)i, data[i], buffer->bytes[i],
                            (long long)buffer->byte_length, (long long)buffer->max_byte_length);
    }
    for (int v = 0; v < MAX_VIEWS; v++) {
        const shadow_view_t *view = &p->views[v];
        if (!view->live) continue;
        bool oob = view_out_of_bounds(p, view);
        if (view->is_dataview) {
            FUZZ_ASSERT_MSG(buf_dataview_is_out_of_bounds(&view->dataview) == oob, "step %d (%s): dataview %d bounds",
                            p->step, operation, v);
        } else {
            FUZZ_ASSERT_MSG(buf_typed_is_out_of_bounds(&view->typed) == oob, "step %d (%s): view %d bounds", p->step,
                            operation, v);
            FUZZ_ASSERT_MSG(buf_typed_length(&view->typed) * (int64_t)element_size(view->typed.kind) ==
                                view_byte_span(p, view),
                            "step %d (%s): view %d length %lld", p->step, operation, v,
                            (long long)buf_typed_length(&view->typed));
        }
    }
    for (int b = 0; b < MAX_BUFFERS; b++) {
        if (p->buffers[b].ab == NULL) continue;
        size_t views = 0;
        for (int v = 0; v < MAX_VIEWS; v++) views += p->views[v].live && p->views[v].buffer == b;
        FUZZ_ASSERT_MSG(buf_arraybuffer_refcount(p->buffers[b].ab) == 1 + views,
                        "step %d (%s): buffer %d refcount %zu, model %zu", p->step, operation, b,
                        buf_arraybuffer_refcount(p->buffers[b].ab), 1 + views);
    }
}

/* A call whose success conditions the model does not predict: on failure nothing may
 * change; on success only [start, end) of buffer b may, and the model adopts it. */
static void adopt_window(program_t *p, buf_status_t status, int b, int64_t start, int64_t end, const char *operation)
{
    shadow_buffer_t *buffer = &p->buffers[b];
    const uint8_t *data = buf_arraybuffer_data(buffer->ab);
    if (status == BUF_OK && start < end) {
        if (start < 0) start = 0;
        if (end > buffer->byte_length) end = buffer->byte_length;
        if (start < end) memcpy(buffer->bytes + start, data + start, (size_t)(end - start));
    }
    check_memory(p, operation);
}

static void expect_status(const program_t *p, const char *operation, bool predicted_ok, buf_status_t status)
{
    FUZZ_ASSERT_MSG(predicted_ok == (status == BUF_OK), "step %d: %s returned %s, the model predicted %s", p->step,
                    operation, buf_status_name(status), predicted_ok ? "success" : "an error");
}

static int free_view_slot(const program_t *p)
{
    for (int v = 0; v < MAX_VIEWS; v++)
        if (!p->views[v].live) return v;
    return -1;
}

static int pick_buffer(program_t *p, fuzz_producer_t *input)
{
    int b = fuzz_take_u8(input) % MAX_BUFFERS;
    return p->buffers[b].ab ? b : -1;
}

static shadow_view_t *pick_view(program_t *p, fuzz_producer_t *input, bool typed_only)
{
    shadow_view_t *view = &p->views[fuzz_take_u8(input) % MAX_VIEWS];
    if (!view->live || (typed_only && view->is_dataview)) return NULL;
    return view;
}

/* ---- Operations: ArrayBuffer ------------------------------------------------------- */
static void op_new_buffer(program_t *p, fuzz_producer_t *input)
{
    int b = fuzz_take_u8(input) % MAX_BUFFERS;
    uint8_t flags = fuzz_take_u8(input);
    int64_t length = fuzz_take_u8(input) % (MAX_RESERVATION + 1);
    int64_t max = length + fuzz_take_u8(input) % (MAX_RESERVATION + 1 - length);
    if (p->buffers[b].ab != NULL) return;
    shadow_buffer_t *buffer = &p->buffers[b];
    buf_status_t status;
    bool resizable = flags & 1;
    if (resizable) status = buf_arraybuffer_alloc_resizable(p->selected.backend, length, max, &buffer->ab);
    else status = (flags & 2) ? buf_arraybuffer_alloc_unsafe(p->selected.backend, length, &buffer->ab)
                              : buf_arraybuffer_alloc(p->selected.backend, length, &buffer->ab);
    if (status != BUF_OK) {
        FUZZ_ASSERT_MSG(status == BUF_ENOMEM && p->selected.injects_failures, "ArrayBuffer(%lld): %s",
                        (long long)length, buf_status_name(status));
        buffer->ab = NULL;
        return;
    }
    buffer->byte_length = length;
    buffer->max_byte_length = resizable ? max : length;
    buffer->resizable = resizable;
    FUZZ_ASSERT(buf_arraybuffer_is_resizable(buffer->ab) == resizable);
    FUZZ_ASSERT(buf_arraybuffer_max_byte_length(buffer->ab) == buffer->max_byte_length);
    /* Zero-filled unless unsafe.  Unsafe memory is uninitialised by contract (as in
     * Node): give it defined contents before anything reads it, so valgrind runs of the
     * replay build report only real uses of uninitialised memory. */
    uint8_t *data = buf_arraybuffer_data(buffer->ab);
    if ((flags & 2) && !resizable) memset(data, 0xA5, (size_t)buffer->max_byte_length);
    for (int64_t i = 0; i < buffer->max_byte_length; i++) {
        if (!(flags & 2) || resizable) FUZZ_ASSERT_MSG(data[i] == 0, "new ArrayBuffer byte %lld not zero", (long long)i);
        buffer->bytes[i] = data[i];
    }
    check_memory(p, "new ArrayBuffer");
}

static void op_resize(program_t *p, fuzz_producer_t *input)
{
    int b = pick_buffer(p, input);
    int64_t length = take_index(input, false);
    if (b < 0) return;
    shadow_buffer_t *buffer = &p->buffers[b];
    buf_status_t status = buf_arraybuffer_resize(buffer->ab, length);
    if (!buffer->resizable) {
        FUZZ_ASSERT_MSG(status == BUF_ETYPE, "resize of a fixed buffer: %s", buf_status_name(status));
    } else if (length < 0 || length > buffer->max_byte_length) {
        FUZZ_ASSERT_MSG(status == BUF_ERANGE, "resize to %lld (max %lld): %s", (long long)length,
                        (long long)buffer->max_byte_length, buf_status_name(status));
    } else {
        FUZZ_ASSERT_MSG(status == BUF_OK, "resize to %lld: %s", (long long)length, buf_status_name(status));
        const uint8_t *data = buf_arraybuffer_data(buffer->ab);
        if (length > buffer->byte_length) {
            memset(buffer->bytes + buffer->byte_length, 0, (size_t)(length - buffer->byte_length));
        } else {
            /* Bytes past the new end are not observable; adopt whatever the buffer keeps
             * there now, and from here on nothing may write them. */
            memcpy(buffer->bytes + length, data + length, (size_t)(buffer->byte_length - length));
        }
        buffer->byte_length = length;
    }
    check_memory(p, "resize");
}

/* ab.slice(begin, end): a new fixed copy of the clamped relative range. */
static void op_slice(program_t *p, fuzz_producer_t *input)
{
    int b = pick_buffer(p, input);
    int target = fuzz_take_u8(input) % MAX_BUFFERS;
    int64_t begin = take_index(input, false), end = take_index(input, true);
    if (b < 0 || p->buffers[target].ab != NULL) return;
    shadow_buffer_t *source = &p->buffers[b];
    int64_t length = source->byte_length;
    int64_t first = begin < 0 ? (begin + length < 0 ? 0 : begin + length) : (begin > length ? length : begin);
    int64_t last = end == BUF_OMITTED ? length
                 : end < 0 ? (end + length < 0 ? 0 : end + length) : (end > length ? length : end);
    int64_t count = last > first ? last - first : 0;
    shadow_buffer_t *copy = &p->buffers[target];
    buf_status_t status = buf_arraybuffer_slice(source->ab, begin, end, &copy->ab);
    if (status != BUF_OK) {
        FUZZ_ASSERT_MSG(status == BUF_ENOMEM && p->selected.injects_failures, "slice: %s", buf_status_name(status));
        copy->ab = NULL;
        check_memory(p, "slice (failed)");
        return;
    }
    FUZZ_ASSERT_MSG(buf_arraybuffer_byte_length(copy->ab) == count, "slice(%lld, %lld) of %lld gave %lld bytes",
                    (long long)begin, (long long)end, (long long)length,
                    (long long)buf_arraybuffer_byte_length(copy->ab));
    copy->byte_length = copy->max_byte_length = count;
    copy->resizable = false;
    memcpy(copy->bytes, source->bytes + first, (size_t)count);
    check_memory(p, "slice");
}

/* ---- Operations: view construction --------------------------------------------------- */
static void op_new_typed(program_t *p, fuzz_producer_t *input)
{
    int b = pick_buffer(p, input);
    buf_kind_t kind = (buf_kind_t)(fuzz_take_u8(input) % BUF_KIND_COUNT);
    int64_t offset = take_index(input, true), length = take_index(input, true);
    int slot = free_view_slot(p);
    if (b < 0 || slot < 0) return;
    shadow_buffer_t *buffer = &p->buffers[b];
    int64_t size = (int64_t)element_size(kind), start = offset == BUF_OMITTED ? 0 : offset;
    const int64_t max_index = ((int64_t)1 << 53) - 1;
    bool ok = start >= 0 && start <= max_index && start % size == 0;
    if (ok && length != BUF_OMITTED) ok = length >= 0 && length <= max_index && start + length * size <= buffer->byte_length;
    else if (ok) ok = buffer->byte_length % size == 0 && start <= buffer->byte_length; /* resizable too (V8 11.3) */
    shadow_view_t *view = &p->views[slot];
    buf_status_t status = buf_typed_from_buffer(kind, buffer->ab, offset, length, &view->typed);
    expect_status(p, "new TypedArray(ab, offset, length)", ok, status);
    if (status == BUF_OK) {
        view->live = true;
        view->is_dataview = false;
        view->buffer = b;
        FUZZ_ASSERT(view->typed.length_tracking == (length == BUF_OMITTED && buffer->resizable));
        FUZZ_ASSERT(view->typed.byte_offset == start);
    } else {
        FUZZ_ASSERT_MSG(status == BUF_ERANGE, "new %s: %s", buf_kind_name(kind), buf_status_name(status));
    }
    check_memory(p, "new TypedArray");
}

static void op_new_dataview(program_t *p, fuzz_producer_t *input)
{
    int b = pick_buffer(p, input);
    int64_t offset = take_index(input, true), length = take_index(input, true);
    int slot = free_view_slot(p);
    if (b < 0 || slot < 0) return;
    shadow_buffer_t *buffer = &p->buffers[b];
    int64_t start = offset == BUF_OMITTED ? 0 : offset;
    const int64_t max_index = ((int64_t)1 << 53) - 1;
    bool ok = start >= 0 && start <= max_index && start <= buffer->byte_length;
    if (ok && length != BUF_OMITTED) ok = length >= 0 && length <= max_index && start + length <= buffer->byte_length;
    shadow_view_t *view = &p->views[slot];
    buf_status_t status = buf_dataview_new(buffer->ab, offset, length, &view->dataview);
    expect_status(p, "new DataView(ab, offset, length)", ok, status);
    if (status == BUF_OK) {
        view->live = true;
        view->is_dataview = true;
        view->buffer = b;
        FUZZ_ASSERT(view->dataview.byte_offset == start);
    }
    check_memory(p, "new DataView");
}

/* Buffer.from(ab, offset, length) and subarray: geometry adopted, but the new view must
 * lie inside what it was cut from. */
static void adopt_new_view(program_t *p, int slot, int b, buf_status_t status, int64_t lo, int64_t hi, const char *what)
{
    shadow_view_t *view = &p->views[slot];
    if (status == BUF_OK) {
        view->live = true;
        view->is_dataview = false;
        view->buffer = b;
        FUZZ_ASSERT_MSG(!view_out_of_bounds(p, view), "%s made an out-of-bounds view", what);
        int64_t start = view->typed.byte_offset, end = start + view_byte_span(p, view);
        /* An empty view may sit anywhere in the buffer: Node's Buffer.subarray of an
         * out-of-bounds Buffer starts at its byteOffset getter's 0. */
        bool empty_inside = start == end && end <= p->buffers[b].byte_length;
        FUZZ_ASSERT_MSG((start >= lo && end <= hi) || empty_inside,
                        "%s made view [%lld, %lld) (kind %s, tracking %d, length %lld) outside [%lld, %lld) "
                        "of a buffer of %lld bytes", what, (long long)start, (long long)end,
                        buf_kind_name(view->typed.kind), view->typed.length_tracking,
                        (long long)view->typed.fixed_length, (long long)lo, (long long)hi,
                        (long long)p->buffers[b].byte_length);
    }
    check_memory(p, what);
}

static void op_buffer_from(program_t *p, fuzz_producer_t *input)
{
    int b = pick_buffer(p, input);
    int64_t offset = take_index(input, true), length = take_index(input, true);
    int slot = free_view_slot(p);
    if (b < 0 || slot < 0) return;
    buf_status_t status = buf_buffer_from_arraybuffer(p->buffers[b].ab, offset, length, &p->views[slot].typed);
    adopt_new_view(p, slot, b, status, 0, p->buffers[b].byte_length, "Buffer.from(ab, offset, length)");
}

static void op_subarray(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *parent = pick_view(p, input, true);
    int64_t begin = take_index(input, true), end = take_index(input, true);
    bool as_buffer = fuzz_take_bool(input);
    int slot = free_view_slot(p);
    if (parent == NULL || slot < 0) return;
    buf_status_t status = as_buffer ? buf_buffer_subarray(&parent->typed, begin, end, &p->views[slot].typed)
                                    : buf_typed_subarray(&parent->typed, begin, end, &p->views[slot].typed);
    if (as_buffer && parent->typed.kind != BUF_KIND_UINT8) expect_status(p, "Buffer subarray of a non-Uint8 view", false, status);
    int64_t lo = parent->typed.byte_offset;
    int64_t hi = parent->typed.length_tracking ? p->buffers[parent->buffer].byte_length : lo + view_byte_span(p, parent);
    adopt_new_view(p, slot, parent->buffer, status, lo, hi, "subarray");
}

static void op_release(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *view = pick_view(p, input, false);
    if (view == NULL) return;
    if (view->is_dataview) buf_dataview_release(&view->dataview);
    else buf_typed_release(&view->typed);
    view->live = false;
    check_memory(p, "release view");
}

/* ---- Operations: element access ----------------------------------------------------- */
static void op_typed_get_set(program_t *p, fuzz_producer_t *input, bool set)
{
    shadow_view_t *view = pick_view(p, input, true);
    int64_t index = take_index(input, false);
    bool exact = fuzz_take_bool(input);
    if (view == NULL) return;
    buf_kind_t kind = view->typed.kind;
    int64_t size = (int64_t)element_size(kind);
    bool bigint = buf_kind_is_bigint(kind), oob = view_out_of_bounds(p, view);
    bool in_range = !oob && index >= 0 && index < view_byte_span(p, view) / size;
    shadow_buffer_t *buffer = &p->buffers[view->buffer];
    uint8_t *at = buffer->bytes + view->typed.byte_offset + (in_range ? index * size : 0);
    buf_status_t status;
    if (bigint) {
        uint64_t stored = fuzz_take_u64(input);
        if (set) {
            status = kind == BUF_KIND_BIGINT64 ? buf_typed_set_bigint(&view->typed, index, (int64_t)stored)
                                               : buf_typed_set_biguint(&view->typed, index, stored);
            expect_status(p, "BigInt element set", in_range, status);
            if (status == BUF_OK) store_bytes(at, stored, 8, true);
        } else {
            uint64_t got = 0;
            if (kind == BUF_KIND_BIGINT64) { int64_t signed_value; status = buf_typed_get_bigint(&view->typed, index, &signed_value); got = (uint64_t)signed_value; }
            else status = buf_typed_get_biguint(&view->typed, index, &got);
            expect_status(p, "BigInt element get", in_range, status);
            if (status == BUF_OK) FUZZ_ASSERT(got == load_bytes(at, 8, true));
        }
        /* Number access to a BigInt kind is a TypeError (checked before anything else). */
        FUZZ_ASSERT(buf_typed_set(&view->typed, 0, 1.0) == BUF_ETYPE);
        check_memory(p, set ? "BigInt set" : "BigInt get");
        return;
    }
    if (set) {
        double value;
        uint64_t bits = 0;
        bool predictable = exact && take_exact_value(input, kind, &value, &bits);
        if (!predictable) value = take_special_double(input);
        status = buf_typed_set(&view->typed, index, value);
        expect_status(p, "element set", in_range, status);
        if (status != BUF_OK) FUZZ_ASSERT_MSG(status == (oob ? BUF_EDETACHED : BUF_ERANGE), "element set: %s", buf_status_name(status));
        if (status == BUF_OK && predictable) {
            store_bytes(at, bits, (unsigned)size, true);
        } else if (status == BUF_OK) {
            int64_t start = view->typed.byte_offset + index * size;
            adopt_window(p, status, view->buffer, start, start + size, "element set (inexact value)");
            /* Same value read back must be what the bytes say; conversion itself is the
             * Node differential's job. */
        }
        check_memory(p, "element set");
    } else {
        double got = 0;
        status = buf_typed_get(&view->typed, index, &got);
        expect_status(p, "element get", in_range, status);
        if (status == BUF_OK) {
            double expected = element_value(kind, at, true);
            FUZZ_ASSERT_MSG(same_double(got, expected), "%s[%lld] read %.17g, bytes say %.17g", buf_kind_name(kind),
                            (long long)index, got, expected);
        } else {
            FUZZ_ASSERT_MSG(status == (oob ? BUF_EDETACHED : BUF_ERANGE), "element get: %s", buf_status_name(status));
        }
        check_memory(p, "element get");
    }
}

static void op_dataview_get_set(program_t *p, fuzz_producer_t *input, bool set)
{
    shadow_view_t *view = pick_view(p, input, false);
    buf_kind_t kind = (buf_kind_t)(fuzz_take_u8(input) % BUF_KIND_COUNT);
    int64_t index = take_index(input, false);
    bool little_endian = fuzz_take_bool(input), exact = fuzz_take_bool(input);
    if (view == NULL || !view->is_dataview) return;
    bool valid_kind = kind != BUF_KIND_UINT8_CLAMPED && !buf_kind_is_bigint(kind);
    unsigned width = buf_kind_is_bigint(kind) ? 8 : (unsigned)element_size(kind);
    bool oob = view_out_of_bounds(p, view);
    bool in_range = index >= 0 && !oob && index <= view_byte_span(p, view) - (int64_t)width;
    buf_status_t expected_error = index < 0 ? BUF_ERANGE : oob ? BUF_EDETACHED : BUF_ERANGE;
    shadow_buffer_t *buffer = &p->buffers[view->buffer];
    uint8_t *at = buffer->bytes + view->dataview.byte_offset + (in_range ? index : 0);
    buf_status_t status;
    if (buf_kind_is_bigint(kind)) {
        uint64_t value = fuzz_take_u64(input);
        if (set) status = buf_dataview_set_biguint64(&view->dataview, index, value, little_endian);
        else status = buf_dataview_get_biguint64(&view->dataview, index, little_endian, &value);
        expect_status(p, "DataView BigUint64", in_range, status);
        if (status == BUF_OK && set) store_bytes(at, value, 8, little_endian);
        if (status == BUF_OK && !set) FUZZ_ASSERT(value == load_bytes(at, 8, little_endian));
    } else if (set) {
        double value;
        uint64_t bits = 0;
        bool predictable = exact && take_exact_value(input, kind, &value, &bits);
        if (!predictable) value = take_special_double(input);
        status = buf_dataview_set(&view->dataview, kind, index, value, little_endian);
        if (!valid_kind) {
            FUZZ_ASSERT_MSG(status == BUF_EINVAL, "DataView set of %s: %s", buf_kind_name(kind), buf_status_name(status));
        } else {
            expect_status(p, "DataView set", in_range, status);
            if (status != BUF_OK) FUZZ_ASSERT_MSG(status == expected_error, "DataView set: %s", buf_status_name(status));
            if (status == BUF_OK && predictable) store_bytes(at, bits, width, little_endian);
            else if (status == BUF_OK) {
                int64_t start = view->dataview.byte_offset + index;
                adopt_window(p, status, view->buffer, start, start + width, "DataView set (inexact value)");
            }
        }
    } else {
        double got = 0;
        status = buf_dataview_get(&view->dataview, kind, index, little_endian, &got);
        if (!valid_kind) {
            FUZZ_ASSERT_MSG(status == BUF_EINVAL, "DataView get of %s: %s", buf_kind_name(kind), buf_status_name(status));
        } else {
            expect_status(p, "DataView get", in_range, status);
            if (status != BUF_OK) FUZZ_ASSERT_MSG(status == expected_error, "DataView get: %s", buf_status_name(status));
            if (status == BUF_OK)
                FUZZ_ASSERT_MSG(same_double(got, element_value(kind, at, little_endian)), "DataView get%s(%lld) read %.17g",
                                buf_kind_name(kind), (long long)index, got);
        }
    }
    check_memory(p, set ? "DataView set" : "DataView get");
}

/* ---- Operations: Buffer ------------------------------------------------------------- */
/* Buffer read/write of the fixed-width kinds: readFloat/readDouble/readBig(U)Int64 and
 * their writes, both byte orders.  An omitted offset means 0 (Node's default for fixed
 * widths).  Reads must return what the shadow bytes encode; writes of values exactly
 * representable in the kind must store exactly their bytes; BigInt writes take any
 * int64/uint64 and store its two's complement. */
static void op_buffer_fixed_width(program_t *p, fuzz_producer_t *input, shadow_view_t *view, uint8_t flags,
                                  int64_t offset, bool write)
{
    static const buf_kind_t kinds[] = {BUF_KIND_FLOAT32, BUF_KIND_FLOAT64, BUF_KIND_BIGINT64, BUF_KIND_BIGUINT64};
    buf_kind_t kind = kinds[(flags >> 5) & 3];
    bool little_endian = flags & 2;
    int64_t width = (int64_t)element_size(kind);
    int64_t start = offset == BUF_OMITTED ? 0 : offset;
    bool is_buffer = view->typed.kind == BUF_KIND_UINT8;
    int64_t length = is_buffer ? view_byte_span(p, view) : 0;
    bool in_range = is_buffer && start >= 0 && start <= length - width;
    shadow_buffer_t *buffer = &p->buffers[view->buffer];
    uint8_t *at = buffer->bytes + view->typed.byte_offset + (in_range ? start : 0);
    const buf_buffer_t *buf = &view->typed;
    buf_status_t status;
    if (!write) {
        double got = 0;
        int64_t got_signed = 0;
        uint64_t got_unsigned = 0;
        switch (kind) {
        case BUF_KIND_FLOAT32: status = buf_buffer_read_float(buf, offset, little_endian, &got); break;
        case BUF_KIND_FLOAT64: status = buf_buffer_read_double(buf, offset, little_endian, &got); break;
        case BUF_KIND_BIGINT64: status = buf_buffer_read_bigint64(buf, offset, little_endian, &got_signed); break;
        default: status = buf_buffer_read_biguint64(buf, offset, little_endian, &got_unsigned); break;
        }
        expect_status(p, "Buffer read (fixed width)", in_range, status);
        if (status == BUF_OK) {
            uint64_t bits = load_bytes(at, 8, little_endian);
            if (kind == BUF_KIND_BIGINT64) FUZZ_ASSERT(got_signed == (int64_t)bits);
            else if (kind == BUF_KIND_BIGUINT64) FUZZ_ASSERT(got_unsigned == bits);
            else FUZZ_ASSERT_MSG(same_double(got, element_value(kind, at, little_endian)), "read%s(%lld) gave %.17g",
                                 buf_kind_name(kind), (long long)offset, got);
        }
        check_memory(p, "Buffer read (fixed width)");
        return;
    }
    double value = 0;
    uint64_t bits = fuzz_take_u64(input);
    switch (kind) {
    case BUF_KIND_FLOAT32:
    case BUF_KIND_FLOAT64:
        take_exact_value(input, kind, &value, &bits);
        status = kind == BUF_KIND_FLOAT32 ? buf_buffer_write_float(buf, value, offset, little_endian, NULL)
                                          : buf_buffer_write_double(buf, value, offset, little_endian, NULL);
        break;
    case BUF_KIND_BIGINT64: status = buf_buffer_write_bigint64(buf, (int64_t)bits, offset, little_endian, NULL); break;
    default: status = buf_buffer_write_biguint64(buf, bits, offset, little_endian, NULL); break;
    }
    expect_status(p, "Buffer write (fixed width)", in_range, status);
    if (status == BUF_OK) store_bytes(at, bits, (unsigned)width, little_endian);
    check_memory(p, "Buffer write (fixed width)");
}

static void op_buffer_read_write(program_t *p, fuzz_producer_t *input, bool write)
{
    shadow_view_t *view = pick_view(p, input, true);
    uint8_t flags = fuzz_take_u8(input);
    int64_t width = (flags >> 2) % 8; /* 0 is an invalid width; 7 selects the fixed-width kinds */
    bool is_signed = flags & 1, little_endian = flags & 2;
    int64_t offset = take_index(input, true);
    int64_t raw = (int64_t)fuzz_take_u64(input);
    if (view == NULL) return;
    if (width == 7) {
        op_buffer_fixed_width(p, input, view, flags, offset, write);
        return;
    }
    bool is_buffer = view->typed.kind == BUF_KIND_UINT8;
    int64_t length = is_buffer ? view_byte_span(p, view) : 0;
    bool in_range = is_buffer && width >= 1 && width <= 6 && offset != BUF_OMITTED && offset >= 0 && offset <= length - width;
    shadow_buffer_t *buffer = &p->buffers[view->buffer];
    uint8_t *at = buffer->bytes + view->typed.byte_offset + (in_range ? offset : 0);
    buf_status_t status;
    if (!write) {
        double got = 0;
        status = is_signed ? buf_buffer_read_int(&view->typed, offset, width, little_endian, &got)
                           : buf_buffer_read_uint(&view->typed, offset, width, little_endian, &got);
        expect_status(p, "Buffer read", in_range, status);
        if (status == BUF_OK) {
            uint64_t bits = load_bytes(at, (unsigned)width, little_endian);
            double expected = (double)bits;
            if (is_signed && (bits >> (8 * width - 1)) & 1) expected = (double)bits - ldexp(1.0, (int)(8 * width));
            FUZZ_ASSERT_MSG(got == expected, "read%sInt%s(%lld, %lld) gave %.17g, bytes say %.17g", is_signed ? "" : "U",
                            little_endian ? "LE" : "BE", (long long)offset, (long long)width, got, expected);
        }
        check_memory(p, "Buffer read");
        return;
    }
    /* A value in and around the width's range (NaN is accepted and writes 0). */
    int64_t span = width >= 1 && width <= 6 ? (int64_t)1 << (8 * width) : 256;
    int64_t value = raw % (2 * span) - (is_signed ? span : span / 2);
    bool nan = (flags & 0xe0) == 0xe0;
    bool value_ok = nan || (is_signed ? value >= -span / 2 && value < span / 2 : value >= 0 && value < span);
    status = is_signed ? buf_buffer_write_int(&view->typed, nan ? NAN : (double)value, offset, width, little_endian, NULL)
                       : buf_buffer_write_uint(&view->typed, nan ? NAN : (double)value, offset, width, little_endian, NULL);
    expect_status(p, "Buffer write", in_range && value_ok, status);
    if (status == BUF_OK) store_bytes(at, nan ? 0 : (uint64_t)value, (unsigned)width, little_endian);
    check_memory(p, "Buffer write");
}

static void op_buffer_fill(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *view = pick_view(p, input, true);
    uint16_t value = fuzz_take_u16(input);
    int64_t offset = take_index(input, true), end = take_index(input, true);
    if (view == NULL) return;
    buf_status_t status = buf_buffer_fill_byte(&view->typed, value, offset, end);
    int64_t start = view->typed.byte_offset;
    if (status == BUF_OK) {
        /* Every changed byte is inside the Buffer and holds the fill byte. */
        const uint8_t *data = buf_arraybuffer_data(p->buffers[view->buffer].ab);
        shadow_buffer_t *buffer = &p->buffers[view->buffer];
        for (int64_t i = start; i < start + view_byte_span(p, view); i++)
            if (data[i] != buffer->bytes[i])
                FUZZ_ASSERT_MSG(data[i] == (uint8_t)value, "fill wrote %02x, not %02x", data[i], (uint8_t)value);
    }
    adopt_window(p, status, view->buffer, start, start + view_byte_span(p, view), "Buffer fill");
}

static void op_buffer_copy(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *source = pick_view(p, input, true), *target = pick_view(p, input, true);
    int64_t target_start = take_index(input, true), source_start = take_index(input, true);
    int64_t source_end = take_index(input, true);
    if (source == NULL || target == NULL) return;
    /* What the source holds before the copy (the copy must behave as if from a snapshot). */
    uint8_t before[MAX_RESERVATION];
    int64_t source_length = view_byte_span(p, source);
    memcpy(before, p->buffers[source->buffer].bytes + source->typed.byte_offset, (size_t)source_length);
    int64_t copied = -1;
    buf_status_t status = buf_buffer_copy(&source->typed, &target->typed, target_start, source_start, source_end, &copied);
    int64_t start = target->typed.byte_offset;
    if (status == BUF_OK) {
        int64_t t0 = target_start == BUF_OMITTED ? 0 : target_start, s0 = source_start == BUF_OMITTED ? 0 : source_start;
        FUZZ_ASSERT_MSG(copied >= 0 && (copied == 0 || (t0 + copied <= view_byte_span(p, target) && s0 + copied <= source_length)),
                        "copy reported %lld bytes", (long long)copied);
        const uint8_t *data = buf_arraybuffer_data(p->buffers[target->buffer].ab);
        for (int64_t i = 0; i < copied; i++)
            FUZZ_ASSERT_MSG(data[start + t0 + i] == before[s0 + i], "copy: target byte %lld is %02x, source had %02x",
                            (long long)(t0 + i), data[start + t0 + i], before[s0 + i]);
        if (copied > 0) adopt_window(p, status, target->buffer, start + t0, start + t0 + copied, "Buffer copy");
        else check_memory(p, "Buffer copy (nothing copied)");
    } else {
        check_memory(p, "Buffer copy (failed)");
    }
}

static void op_typed_set_from(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *target = pick_view(p, input, true), *source = pick_view(p, input, true);
    int64_t offset = take_index(input, false);
    if (source == NULL || target == NULL) return;
    buf_status_t status = buf_typed_set_from(&target->typed, &source->typed, offset);
    if (status != BUF_OK)
        FUZZ_ASSERT_MSG(status != BUF_ENOMEM || p->selected.injects_failures, "set_from: %s", buf_status_name(status));
    int64_t start = target->typed.byte_offset;
    adopt_window(p, status, target->buffer, start, start + view_byte_span(p, target), "TypedArray set(source, offset)");
}

static void op_buffer_write_string(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *view = pick_view(p, input, true);
    const char *encoding = take_encoding(input);
    int64_t offset = take_index(input, true), length = take_index(input, true);
    size_t text_length;
    const char *text = (const char *)fuzz_take_bytes(input, fuzz_take_u8(input) % 32, &text_length);
    if (view == NULL) return;
    int64_t written = -1;
    buf_status_t status = buf_buffer_write(&view->typed, text, text_length, offset, length, encoding, &written);
    int64_t start = view->typed.byte_offset, o = offset == BUF_OMITTED ? 0 : offset;
    if (status == BUF_OK)
        FUZZ_ASSERT_MSG(written >= 0 && (written == 0 || o + written <= view_byte_span(p, view)), "write reported %lld",
                        (long long)written);
    if (status == BUF_OK && written > 0) adopt_window(p, status, view->buffer, start + o, start + o + written, "Buffer write(string)");
    else check_memory(p, "Buffer write(string)");
}

/* Read-only Buffer operations (toString, indexOf, includes, compare, equals): whatever
 * they return, no byte anywhere may change, and an index result is -1 or inside. */
static void op_buffer_read_only(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *view = pick_view(p, input, true), *other = pick_view(p, input, true);
    uint8_t which = fuzz_take_u8(input);
    const char *encoding = take_encoding(input);
    int64_t start = take_index(input, true), end = take_index(input, true);
    size_t needle_length;
    const char *needle = (const char *)fuzz_take_bytes(input, fuzz_take_u8(input) % 8, &needle_length);
    if (view == NULL) return;
    int64_t length = view_byte_span(p, view), found = -2;
    buf_status_t status = BUF_OK;
    switch (which % 8) {
    case 0: {
        buf_bytes_t text = {0};
        status = buf_buffer_to_string(&view->typed, encoding, start, end, &text);
        if (status == BUF_ENOMEM) FUZZ_ASSERT(p->selected.injects_failures);
        buf_bytes_release(&text);
        break;
    }
    case 1: status = buf_buffer_index_of_byte(&view->typed, (double)(uint8_t)needle_length, start, &found); break;
    case 2: status = buf_buffer_last_index_of_byte(&view->typed, (double)which, start, &found); break;
    case 3: status = buf_buffer_index_of_string(&view->typed, needle, needle_length, start, encoding, &found); break;
    case 4: status = buf_buffer_last_index_of_string(&view->typed, needle, needle_length, start, encoding, &found); break;
    case 5: { bool includes; status = buf_buffer_includes_string(&view->typed, needle, needle_length, start, encoding, &includes); break; }
    case 6: {
        int order;
        if (other == NULL) return;
        status = buf_buffer_compare_range(&view->typed, &other->typed, start, end, take_index(input, true),
                                          take_index(input, true), &order);
        if (status == BUF_OK) FUZZ_ASSERT(order >= -1 && order <= 1);
        break;
    }
    default: {
        bool equal;
        if (other == NULL) return;
        status = buf_buffer_equals(&view->typed, &other->typed, &equal);
        if (status == BUF_OK && view->typed.kind == BUF_KIND_UINT8 && other->typed.kind == BUF_KIND_UINT8) {
            int64_t other_length = view_byte_span(p, other);
            bool model_equal = length == other_length &&
                               memcmp(p->buffers[view->buffer].bytes + view->typed.byte_offset,
                                      p->buffers[other->buffer].bytes + other->typed.byte_offset, (size_t)length) == 0;
            FUZZ_ASSERT_MSG(equal == model_equal, "equals says %d, the model %d", equal, model_equal);
        }
        break;
    }
    }
    if (status == BUF_OK && found != -2)
        FUZZ_ASSERT_MSG(found == -1 || (found >= 0 && found <= length), "indexOf gave %lld of %lld",
                        (long long)found, (long long)length);
    check_memory(p, "read-only Buffer operation");
}

/* Buffer.concat(list, totalLength): a new Buffer holding the list's bytes, truncated or
 * zero-padded to totalLength; the sources are untouched. */
static void op_buffer_concat(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *list[3];
    size_t count = 1 + fuzz_take_u8(input) % 3;
    for (size_t i = 0; i < count; i++) list[i] = pick_view(p, input, true);
    int64_t total = take_index(input, true);
    /* Node would allocate up to 4 GiB here; keep the model's sizes (negative totals and
     * omitted ones still test the checks). */
    if (total != BUF_OMITTED && total > 4 * MAX_RESERVATION) return;
    buf_buffer_t items[3];
    uint8_t expected[3 * MAX_RESERVATION];
    int64_t sum = 0;
    for (size_t i = 0; i < count; i++) {
        if (list[i] == NULL) return;
        items[i] = list[i]->typed;
        int64_t span = view_byte_span(p, list[i]);
        memcpy(expected + sum, p->buffers[list[i]->buffer].bytes + list[i]->typed.byte_offset, (size_t)span);
        sum += span;
    }
    buf_buffer_t result;
    buf_status_t status = buf_buffer_concat(p->selected.backend, items, count, total, &result);
    if (status == BUF_OK) {
        int64_t want = total == BUF_OMITTED ? sum : total;
        FUZZ_ASSERT_MSG(buf_buffer_length(&result) == want, "concat length %lld, expected %lld",
                        (long long)buf_buffer_length(&result), (long long)want);
        const uint8_t *bytes = buf_buffer_data(&result);
        for (int64_t i = 0; i < want && i < 4 * MAX_RESERVATION; i++)
            FUZZ_ASSERT_MSG(bytes[i] == (i < sum ? expected[i] : 0), "concat byte %lld", (long long)i);
        buf_buffer_release(&result);
    } else {
        FUZZ_ASSERT_MSG(status != BUF_ENOMEM || p->selected.injects_failures,
                        "concat: %s", buf_status_name(status));
    }
    check_memory(p, "Buffer.concat");
}

/* Buffers and typed arrays that bring their own ArrayBuffer (Buffer.alloc, allocUnsafe,
 * from(bytes), from(string), new T(length)): the model takes a reference to the new
 * buffer and checks its starting contents. */
static void op_new_owning_view(program_t *p, fuzz_producer_t *input)
{
    uint8_t how = fuzz_take_u8(input) % 5;
    int64_t length = take_index(input, false);
    const char *encoding = take_encoding(input);
    buf_kind_t kind = (buf_kind_t)(fuzz_take_u8(input) % BUF_KIND_COUNT);
    size_t bytes_length;
    const uint8_t *bytes = fuzz_take_bytes(input, fuzz_take_u8(input) % 64, &bytes_length);
    int slot = free_view_slot(p), b = -1;
    for (int i = 0; i < MAX_BUFFERS && b < 0; i++)
        if (p->buffers[i].ab == NULL) b = i;
    if (slot < 0 || b < 0 || (length > MAX_RESERVATION && length < ((int64_t)1 << 53))) return;
    shadow_view_t *view = &p->views[slot];
    buf_status_t status;
    switch (how) {
    case 0: status = buf_buffer_alloc(p->selected.backend, length, &view->typed); break;
    case 1: status = buf_buffer_alloc_unsafe(p->selected.backend, length, &view->typed); break;
    case 2: status = buf_buffer_from_bytes(p->selected.backend, bytes, bytes_length, &view->typed); break;
    case 3: status = buf_buffer_from_string(p->selected.backend, (const char *)bytes, bytes_length, encoding, &view->typed); break;
    default: /* small lengths; extreme ones must fail on their size, never reach malloc */
        status = buf_typed_new(p->selected.backend, kind, length >= 0 && length <= MAX_RESERVATION ? length / 8 : length,
                               &view->typed);
        break;
    }
    if (status != BUF_OK) {
        bool size_error = length < 0 || length > MAX_RESERVATION;
        FUZZ_ASSERT_MSG((status == BUF_ENOMEM && p->selected.injects_failures) || (size_error && how != 2 && how != 3) ||
                            (how == 3 && status == BUF_EUNKNOWN_ENCODING),
                        "new owning view (%u, length %lld): %s", how, (long long)length, buf_status_name(status));
        check_memory(p, "new owning view (failed)");
        return;
    }
    shadow_buffer_t *buffer = &p->buffers[b];
    buffer->ab = buf_arraybuffer_retain(view->typed.buffer);
    buffer->byte_length = buffer->max_byte_length = buf_arraybuffer_byte_length(buffer->ab);
    buffer->resizable = false;
    FUZZ_ASSERT(!buf_arraybuffer_is_resizable(buffer->ab) && buffer->byte_length <= MAX_RESERVATION * 4);
    FUZZ_ASSERT(buffer->byte_length <= MAX_RESERVATION); /* sizes above are refused before */
    uint8_t *data = buf_arraybuffer_data(buffer->ab);
    if (how == 1) memset(data, 0xA5, (size_t)buffer->byte_length); /* allocUnsafe: see op_new_buffer */
    memcpy(buffer->bytes, data, (size_t)buffer->byte_length);
    view->live = true;
    view->is_dataview = false;
    view->buffer = b;
    if (how == 0 || how == 4)
        for (int64_t i = 0; i < buffer->byte_length; i++) FUZZ_ASSERT_MSG(data[i] == 0, "new zeroed view: byte %lld", (long long)i);
    if (how == 2)
        FUZZ_ASSERT(buffer->byte_length == (int64_t)bytes_length && (bytes_length == 0 || memcmp(data, bytes, bytes_length) == 0));
    check_memory(p, "new owning view");
}

/* fill(buffer or string pattern), set(array), DataView getters: errors touch nothing,
 * success stays inside the view. */
static void op_more_writes(program_t *p, fuzz_producer_t *input)
{
    shadow_view_t *view = pick_view(p, input, false);
    uint8_t which = fuzz_take_u8(input);
    const char *encoding = take_encoding(input);
    int64_t offset = take_index(input, true), end = take_index(input, true);
    size_t pattern_length;
    const uint8_t *pattern = fuzz_take_bytes(input, fuzz_take_u8(input) % 16, &pattern_length);
    if (view == NULL) return;
    if (view->is_dataview) {
        int64_t value = -1;
        bool oob = view_out_of_bounds(p, view);
        buf_status_t status = (which & 1) ? buf_dataview_byte_length(&view->dataview, &value)
                                          : buf_dataview_byte_offset(&view->dataview, &value);
        expect_status(p, "DataView byteLength/byteOffset", !oob, status);
        if (status == BUF_OK) FUZZ_ASSERT(value == ((which & 1) ? view_byte_span(p, view) : view->dataview.byte_offset));
        check_memory(p, "DataView getter");
        return;
    }
    buf_status_t status;
    switch (which % 3) {
    case 0: status = buf_buffer_fill_bytes(&view->typed, pattern, pattern_length, offset, end); break;
    case 1: status = buf_buffer_fill_string(&view->typed, (const char *)pattern, pattern_length, offset, end, encoding); break;
    default: {
        double values[16];
        for (size_t i = 0; i < pattern_length; i++) values[i] = (double)(int8_t)pattern[i] * 3.5;
        status = buf_typed_set_array(&view->typed, values, pattern_length, offset == BUF_OMITTED ? 0 : offset);
        break;
    }
    }
    int64_t start = view->typed.byte_offset;
    adopt_window(p, status, view->buffer, start, start + view_byte_span(p, view), "fill(pattern) / set(array)");
}

/* ---- Operation table --------------------------------------------------------------- */
static void op_typed_get(program_t *p, fuzz_producer_t *input) { op_typed_get_set(p, input, false); }
static void op_typed_set(program_t *p, fuzz_producer_t *input) { op_typed_get_set(p, input, true); }
static void op_dataview_get(program_t *p, fuzz_producer_t *input) { op_dataview_get_set(p, input, false); }
static void op_dataview_set(program_t *p, fuzz_producer_t *input) { op_dataview_get_set(p, input, true); }
static void op_buffer_read(program_t *p, fuzz_producer_t *input) { op_buffer_read_write(p, input, false); }
static void op_buffer_write(program_t *p, fuzz_producer_t *input) { op_buffer_read_write(p, input, true); }

/* The handlers, by opcode (enum view_op). */
static void (*const operations[VIEW_OP_COUNT])(program_t *, fuzz_producer_t *) = {
    [VIEW_OP_NEW_BUFFER] = op_new_buffer,
    [VIEW_OP_RESIZE] = op_resize,
    [VIEW_OP_SLICE] = op_slice,
    [VIEW_OP_NEW_TYPED] = op_new_typed,
    [VIEW_OP_NEW_DATAVIEW] = op_new_dataview,
    [VIEW_OP_BUFFER_FROM] = op_buffer_from,
    [VIEW_OP_SUBARRAY] = op_subarray,
    [VIEW_OP_RELEASE] = op_release,
    [VIEW_OP_TYPED_GET] = op_typed_get,
    [VIEW_OP_TYPED_SET] = op_typed_set,
    [VIEW_OP_DATAVIEW_GET] = op_dataview_get,
    [VIEW_OP_DATAVIEW_SET] = op_dataview_set,
    [VIEW_OP_BUFFER_READ] = op_buffer_read,
    [VIEW_OP_BUFFER_WRITE] = op_buffer_write,
    [VIEW_OP_BUFFER_FILL] = op_buffer_fill,
    [VIEW_OP_BUFFER_COPY] = op_buffer_copy,
    [VIEW_OP_TYPED_SET_FROM] = op_typed_set_from,
    [VIEW_OP_BUFFER_WRITE_STRING] = op_buffer_write_string,
    [VIEW_OP_BUFFER_READ_ONLY] = op_buffer_read_only,
    [VIEW_OP_BUFFER_CONCAT] = op_buffer_concat,
    [VIEW_OP_NEW_OWNING_VIEW] = op_new_owning_view,
    [VIEW_OP_MORE_WRITES] = op_more_writes,
};

/* ---- Entry point ------------------------------------------------------------------ */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_producer_t input = fuzz_producer_make(data, size);
    static program_t p; /* large; reset for every input */
    memset(&p, 0, sizeof p);
    if (!fuzz_backend_open(&input, &p.selected)) return 0;

    for (p.step = 0; p.step < MAX_STEPS && fuzz_remaining(&input) > 0; p.step++) {
        unsigned opcode = fuzz_take_u8(&input) % VIEW_OP_SPACE;
        if (opcode >= VIEW_OP_COUNT) break;
        operations[opcode](&p, &input);
    }

    for (int v = 0; v < MAX_VIEWS; v++) {
        if (!p.views[v].live) continue;
        if (p.views[v].is_dataview) buf_dataview_release(&p.views[v].dataview);
        else buf_typed_release(&p.views[v].typed);
    }
    for (int b = 0; b < MAX_BUFFERS; b++) buf_arraybuffer_release(p.buffers[b].ab);
    fuzz_backend_close(&p.selected);
    return 0;
}
