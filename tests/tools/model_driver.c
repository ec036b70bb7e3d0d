/* model_driver.c — the C side of the buffer-model differential harness
 * (scripts/node-diff model).  One process runs a whole batch of programs.
 *
 * Usage: model_driver SPEC...      (the backends programs may name, by index)
 * stdin: one operation per line; "P" starts a new program (everything released).
 * stdout: one line per operation, in order:
 *   ok | i <int> | n <16 hex digits: the double's bits> | b <bigint decimal> |
 *   s <hex bytes> | e <STATUS_NAME> | x (an operand slot is empty)
 * Arguments: "u" is an omitted (undefined) argument, "-" empty hex text; doubles are
 * JS's String(x) spellings (NaN, -0, Infinity, 1e+40), parsed with strtod.
 * The operations are listed in run_op below; scripts/node-diff.d/model.js is their
 * JavaScript twin.  At the end of each program every object is released and every
 * backend must have no live bytes left (a leak prints "LEAK" and fails the batch).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_model.h"

#define MAX_SPECS 16
#define SLOTS 64
#define MAX_TOKENS 16

static buf_backend_t *backends[MAX_SPECS];
static size_t backend_count;
static buf_arraybuffer_t *abs_slot[SLOTS];
static buf_typed_t views[SLOTS];   /* typed views and Buffers */
static bool view_used[SLOTS];
static buf_dataview_t dvs[SLOTS];
static bool dv_used[SLOTS];

/* ==== Parsing and printing ================================================================ */

static int64_t arg_int(const char *token)
{
    if (strcmp(token, "u") == 0)
        return BUF_OMITTED;
    return strtoll(token, NULL, 10);
}

static double arg_double(const char *token) { return strtod(token, NULL); }
static const char *arg_encoding(const char *token) { return strcmp(token, "u") == 0 ? NULL : token; }

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return 0;
}

/* Hex into a malloc block (never NULL on success; "-" is empty). */
static uint8_t *arg_hex(const char *token, size_t *length)
{
    size_t digits = strcmp(token, "-") == 0 ? 0 : strlen(token);
    uint8_t *bytes = malloc(digits / 2 + 1);
    if (!bytes) {
        fprintf(stderr, "model_driver: out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < digits / 2; i++)
        bytes[i] = (uint8_t)(hex_value(token[2 * i]) * 16 + hex_value(token[2 * i + 1]));
    *length = digits / 2;
    return bytes;
}

static void print_hex_line(const uint8_t *bytes, size_t length)
{
    static const char digits[] = "0123456789abcdef";
    fputs("s ", stdout);
    for (size_t i = 0; i < length; i++) {
        putchar(digits[bytes[i] >> 4]);
        putchar(digits[bytes[i] & 15]);
    }
    putchar('\n');
}

static void print_status(buf_status_t status)
{
    if (status == BUF_OK)
        puts("ok");
    else
        printf("e %s\n", buf_status_name(status));
}

static void print_int(buf_status_t status, int64_t value)
{
    if (status != BUF_OK)
        print_status(status);
    else
        printf("i %" PRId64 "\n", value);
}

static void print_double(buf_status_t status, double value)
{
    if (status != BUF_OK) {
        print_status(status);
        return;
    }
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    printf("n %016" PRIx64 "\n", bits);
}

/* ==== Slots =============================================================================== */

static int slot_index(const char *token) { int i = atoi(token); return i >= 0 && i < SLOTS ? i : 0; }
static buf_arraybuffer_t *ab_at(const char *token) { return abs_slot[slot_index(token)]; }
static buf_typed_t *view_at(const char *token) { int i = slot_index(token); return view_used[i] ? &views[i] : NULL; }
static buf_dataview_t *dv_at(const char *token) { int i = slot_index(token); return dv_used[i] ? &dvs[i] : NULL; }
static buf_backend_t *backend_at(const char *token) { size_t i = (size_t)atoi(token); return i < backend_count ? backends[i] : NULL; }

static void set_ab(const char *token, buf_arraybuffer_t *ab)
{
    int i = slot_index(token);
    buf_arraybuffer_release(abs_slot[i]);
    abs_slot[i] = ab;
}

/* Stores a freshly made view; a failed creation empties the slot (as model.js does), so
 * a program's later operations see the same objects on both sides. */
static void finish_view(const char *token, buf_status_t status, buf_typed_t *made)
{
    int i = slot_index(token);
    if (view_used[i])
        buf_typed_release(&views[i]);
    view_used[i] = status == BUF_OK;
    if (status == BUF_OK)
        views[i] = *made;
    print_status(status);
}

static void release_all(void)
{
    for (int i = 0; i < SLOTS; i++) {
        buf_arraybuffer_release(abs_slot[i]);
        abs_slot[i] = NULL;
        if (view_used[i])
            buf_typed_release(&views[i]);
        view_used[i] = false;
        if (dv_used[i])
            buf_dataview_release(&dvs[i]);
        dv_used[i] = false;
    }
}

static bool check_no_leaks(void)
{
    bool clean = true;
    for (size_t i = 0; i < backend_count; i++) {
        buf_backend_stats_t stats;
        buf_backend_get_stats(backends[i], &stats);
        if (stats.bytes_live != 0) {
            printf("LEAK %s %" PRIu64 " bytes\n", buf_backend_spec(backends[i]), stats.bytes_live);
            clean = false;
        }
    }
    return clean;
}

/* ==== Operations ========================================================================== */

static bool is_little_endian(const char *fn)
{
    size_t length = strlen(fn);
    return length >= 2 && strcmp(fn + length - 2, "le") == 0;
}

static buf_status_t kind_arg(const char *token, buf_kind_t *kind) { return buf_kind_parse(token, kind); }

/* Numeric Buffer reads/writes by Node's method family name. */
static void buffer_read(buf_typed_t *b, const char *fn, int64_t offset, int64_t byte_length)
{
    buf_status_t status;
    bool le = is_little_endian(fn);
    double value = 0;
    if (strncmp(fn, "uint", 4) == 0) {
        status = buf_buffer_read_uint(b, offset, byte_length, le, &value);
        print_double(status, value);
    } else if (strncmp(fn, "int", 3) == 0) {
        status = buf_buffer_read_int(b, offset, byte_length, le, &value);
        print_double(status, value);
    } else if (strncmp(fn, "float", 5) == 0) {
        status = buf_buffer_read_float(b, offset, le, &value);
        print_double(status, value);
    } else if (strncmp(fn, "double", 6) == 0) {
        status = buf_buffer_read_double(b, offset, le, &value);
        print_double(status, value);
    } else if (strncmp(fn, "bigint", 6) == 0) {
        int64_t v = 0;
        status = buf_buffer_read_bigint64(b, offset, le, &v);
        if (status == BUF_OK) printf("b %" PRId64 "\n", v); else print_status(status);
    } else {
        uint64_t v = 0;
        status = buf_buffer_read_biguint64(b, offset, le, &v);
        if (status == BUF_OK) printf("b %" PRIu64 "\n", v); else print_status(status);
    }
}

static void buffer_write(buf_typed_t *b, const char *fn, const char *value, int64_t offset, int64_t byte_length)
{
    bool le = is_little_endian(fn);
    int64_t next = 0;
    buf_status_t status;
    if (strncmp(fn, "uint", 4) == 0)
        status = buf_buffer_write_uint(b, arg_double(value), offset, byte_length, le, &next);
    else if (strncmp(fn, "int", 3) == 0)
        status = buf_buffer_write_int(b, arg_double(value), offset, byte_length, le, &next);
    else if (strncmp(fn, "float", 5) == 0)
        status = buf_buffer_write_float(b, arg_double(value), offset, le, &next);
    else if (strncmp(fn, "double", 6) == 0)
        status = buf_buffer_write_double(b, arg_double(value), offset, le, &next);
    else if (strncmp(fn, "bigint", 6) == 0)
        status = buf_buffer_write_bigint64(b, strtoll(value, NULL, 10), offset, le, &next);
    else
        status = buf_buffer_write_biguint64(b, strtoull(value, NULL, 10), offset, le, &next);
    print_int(status, next);
}

/* The views a Buffer operation takes (slot tokens), as model.js lists them. */
static int buffer_args(char **t, const char *args[16])
{
    static const struct { const char *op; int first, second; } table[] = {
        {"btostr", 1, 0}, {"bwrite", 1, 0}, {"bslice", 2, 0}, {"bcmp", 1, 2}, {"beq", 1, 2}, {"bcmpr", 1, 2},
        {"bcopy", 1, 2}, {"bread", 1, 0}, {"bwriten", 1, 0}, {"bidx", 1, 0}, {"bfill", 1, 0},
    };
    int count = 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(t[0], table[i].op) == 0) {
            args[count++] = t[table[i].first];
            if (table[i].second)
                args[count++] = t[table[i].second];
        }
    if (strcmp(t[0], "bidx") == 0 && t[3][0] == 'b')
        args[count++] = t[4];
    if (strcmp(t[0], "bfill") == 0 && t[2][0] == 'b')
        args[count++] = t[3];
    return count;
}

static void run_op(char **t, int n)
{
    const char *op = t[0];
    buf_typed_t made;
    buf_status_t status;
    /* A Buffer operation on a view that is not a Uint8 view is a misuse: every Buffer
     * function answers BUF_EINVAL before looking at anything else. */
    const char *args[16];
    int arg_count = buffer_args(t, args);
    for (int i = 0; i < arg_count; i++)
        if (!view_at(args[i])) { puts("x"); return; }
    for (int i = 0; i < arg_count; i++)
        if (view_at(args[i])->kind != BUF_KIND_UINT8) {
            if (strcmp(op, "bslice") == 0)
                finish_view(t[1], BUF_EINVAL, NULL);
            else
                print_status(BUF_EINVAL);
            return;
        }
    /* ---- ArrayBuffer ---- */
    if (strcmp(op, "ab") == 0 || strcmp(op, "abr") == 0) { /* ab ID BACKEND LEN [MAX] */
        buf_arraybuffer_t *ab = NULL;
        buf_backend_t *backend = backend_at(t[2]);
        status = op[2] == 'r' ? buf_arraybuffer_alloc_resizable(backend, arg_int(t[3]), arg_int(t[4]), &ab)
                              : buf_arraybuffer_alloc(backend, arg_int(t[3]), &ab);
        set_ab(t[1], status == BUF_OK ? ab : NULL);
        print_status(status);
    } else if (strcmp(op, "resize") == 0) { /* resize AB LEN */
        buf_arraybuffer_t *ab = ab_at(t[1]);
        if (!ab) { puts("x"); return; }
        print_status(buf_arraybuffer_resize(ab, arg_int(t[2])));
    } else if (strcmp(op, "abslice") == 0) { /* abslice ID AB BEGIN END */
        buf_arraybuffer_t *ab = ab_at(t[2]), *copy = NULL;
        if (!ab) { puts("x"); return; }
        status = buf_arraybuffer_slice(ab, arg_int(t[3]), arg_int(t[4]), &copy);
        set_ab(t[1], status == BUF_OK ? copy : NULL);
        print_status(status);
    } else if (strcmp(op, "abinfo") == 0) { /* abinfo AB -> byteLength*1000+max? printed as two ints */
        buf_arraybuffer_t *ab = ab_at(t[1]);
        if (!ab) { puts("x"); return; }
        printf("i %" PRId64 " %" PRId64 " %d\n", buf_arraybuffer_byte_length(ab), buf_arraybuffer_max_byte_length(ab),
               buf_arraybuffer_is_resizable(ab) ? 1 : 0);
    } else if (strcmp(op, "abdump") == 0) {
        buf_arraybuffer_t *ab = ab_at(t[1]);
        if (!ab) { puts("x"); return; }
        print_hex_line(buf_arraybuffer_data(ab), (size_t)buf_arraybuffer_byte_length(ab));
    } else if (strcmp(op, "abfree") == 0) {
        set_ab(t[1], NULL);
        puts("ok");
    /* ---- Typed views ---- */
    } else if (strcmp(op, "ta") == 0) { /* ta ID KIND AB OFF LEN */
        buf_kind_t kind;
        buf_arraybuffer_t *ab = ab_at(t[3]);
        if (!ab || kind_arg(t[2], &kind) != BUF_OK) { puts("x"); return; }
        status = buf_typed_from_buffer(kind, ab, arg_int(t[4]), arg_int(t[5]), &made);
        finish_view(t[1], status, &made);
    } else if (strcmp(op, "tanew") == 0) { /* tanew ID KIND BACKEND LEN */
        buf_kind_t kind;
        if (kind_arg(t[2], &kind) != BUF_OK) { puts("x"); return; }
        finish_view(t[1], buf_typed_new(backend_at(t[3]), kind, arg_int(t[4]), &made), &made);
    } else if (strcmp(op, "tinfo") == 0) { /* tinfo V -> length byteOffset byteLength */
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        printf("i %" PRId64 " %" PRId64 " %" PRId64 "\n", buf_typed_length(v), buf_typed_byte_offset(v),
               buf_typed_byte_length(v));
    } else if (strcmp(op, "get") == 0) {
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        double value = 0;
        status = buf_typed_get(v, arg_int(t[2]), &value);
        print_double(status, value);
    } else if (strcmp(op, "set") == 0) {
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        print_status(buf_typed_set(v, arg_int(t[2]), arg_double(t[3])));
    } else if (strcmp(op, "getb") == 0) {
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        if (v->kind == BUF_KIND_BIGUINT64) {
            uint64_t value = 0;
            status = buf_typed_get_biguint(v, arg_int(t[2]), &value);
            if (status == BUF_OK) printf("b %" PRIu64 "\n", value); else print_status(status);
        } else {
            int64_t value = 0;
            status = buf_typed_get_bigint(v, arg_int(t[2]), &value);
            if (status == BUF_OK) printf("b %" PRId64 "\n", value); else print_status(status);
        }
    } else if (strcmp(op, "setb") == 0) { /* setb V IDX DECIMAL (in [-2^63, 2^64)) */
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        if (t[3][0] == '-')
            print_status(buf_typed_set_bigint(v, arg_int(t[2]), strtoll(t[3], NULL, 10)));
        else
            print_status(buf_typed_set_biguint(v, arg_int(t[2]), strtoull(t[3], NULL, 10)));
    } else if (strcmp(op, "sub") == 0) { /* sub ID V BEGIN END */
        buf_typed_t *v = view_at(t[2]);
        if (!v) { puts("x"); return; }
        finish_view(t[1], buf_typed_subarray(v, arg_int(t[3]), arg_int(t[4]), &made), &made);
    } else if (strcmp(op, "tset") == 0) { /* tset TARGET SOURCE OFFSET */
        buf_typed_t *target = view_at(t[1]), *source = view_at(t[2]);
        if (!target || !source) { puts("x"); return; }
        print_status(buf_typed_set_from(target, source, arg_int(t[3])));
    } else if (strcmp(op, "tseta") == 0) { /* tseta TARGET OFFSET v,v,v|- */
        buf_typed_t *target = view_at(t[1]);
        if (!target) { puts("x"); return; }
        double values[64];
        size_t count = 0;
        if (strcmp(t[3], "-") != 0)
            for (char *p = t[3]; p && count < 64; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
                values[count++] = strtod(p, NULL);
        print_status(buf_typed_set_array(target, values, count, arg_int(t[2])));
    } else if (strcmp(op, "dump") == 0) {
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        print_hex_line(buf_arraybuffer_data(v->buffer) + buf_typed_byte_offset(v),
                       (size_t)buf_typed_byte_length(v));
    } else if (strcmp(op, "free") == 0) {
        int i = slot_index(t[1]);
        if (view_used[i])
            buf_typed_release(&views[i]);
        view_used[i] = false;
        puts("ok");
    /* ---- DataView ---- */
    } else if (strcmp(op, "dv") == 0) { /* dv ID AB OFF LEN */
        buf_arraybuffer_t *ab = ab_at(t[2]);
        if (!ab) { puts("x"); return; }
        buf_dataview_t dv;
        status = buf_dataview_new(ab, arg_int(t[3]), arg_int(t[4]), &dv);
        int i = slot_index(t[1]);
        if (dv_used[i])
            buf_dataview_release(&dvs[i]);
        dv_used[i] = status == BUF_OK;
        if (status == BUF_OK)
            dvs[i] = dv;
        print_status(status);
    } else if (strcmp(op, "dvlen") == 0) {
        buf_dataview_t *dv = dv_at(t[1]);
        if (!dv) { puts("x"); return; }
        int64_t length = 0;
        status = buf_dataview_byte_length(dv, &length);
        print_int(status, length);
    } else if (strcmp(op, "dvget") == 0 || strcmp(op, "dvset") == 0) { /* dvget DV KIND IDX LE | dvset DV KIND IDX VAL LE */
        buf_dataview_t *dv = dv_at(t[1]);
        buf_kind_t kind;
        if (!dv || kind_arg(t[2], &kind) != BUF_OK) { puts("x"); return; }
        bool set = op[2] == 's';
        bool le = atoi(t[set ? 5 : 4]) != 0;
        int64_t index = arg_int(t[3]);
        if (kind == BUF_KIND_BIGINT64 && !set) {
            int64_t value = 0;
            status = buf_dataview_get_bigint64(dv, index, le, &value);
            if (status == BUF_OK) printf("b %" PRId64 "\n", value); else print_status(status);
        } else if (kind == BUF_KIND_BIGUINT64 && !set) {
            uint64_t value = 0;
            status = buf_dataview_get_biguint64(dv, index, le, &value);
            if (status == BUF_OK) printf("b %" PRIu64 "\n", value); else print_status(status);
        } else if (buf_kind_is_bigint(kind) && strlen(t[4]) > 1 && t[4][strlen(t[4]) - 1] == 'n') { /* "123n" */
            /* Either setter serves both kinds (the 64 bits are the same); pick by sign. */
            if (t[4][0] == '-')
                print_status(buf_dataview_set_bigint64(dv, index, strtoll(t[4], NULL, 10), le));
            else
                print_status(buf_dataview_set_biguint64(dv, index, strtoull(t[4], NULL, 10), le));
        } else if (set) {
            print_status(buf_dataview_set(dv, kind, index, arg_double(t[4]), le));
        } else {
            double value = 0;
            status = buf_dataview_get(dv, kind, index, le, &value);
            print_double(status, value);
        }
    /* ---- Buffer ---- */
    } else if (strcmp(op, "balloc") == 0 || strcmp(op, "ballocu") == 0) { /* balloc ID BACKEND SIZE */
        status = op[6] == 'u' ? buf_buffer_alloc_unsafe(backend_at(t[2]), arg_int(t[3]), &made)
                              : buf_buffer_alloc(backend_at(t[2]), arg_int(t[3]), &made);
        finish_view(t[1], status, &made);
    } else if (strcmp(op, "bfrom") == 0) { /* bfrom ID BACKEND HEX */
        size_t length;
        uint8_t *bytes = arg_hex(t[3], &length);
        finish_view(t[1], buf_buffer_from_bytes(backend_at(t[2]), bytes, length, &made), &made);
        free(bytes);
    } else if (strcmp(op, "bfroms") == 0) { /* bfroms ID BACKEND ENC HEXTEXT */
        size_t length;
        uint8_t *text = arg_hex(t[4], &length);
        finish_view(t[1], buf_buffer_from_string(backend_at(t[2]), (char *)text, length, arg_encoding(t[3]), &made),
                    &made);
        free(text);
    } else if (strcmp(op, "bfromab") == 0) { /* bfromab ID AB OFF LEN */
        buf_arraybuffer_t *ab = ab_at(t[2]);
        if (!ab) { puts("x"); return; }
        finish_view(t[1], buf_buffer_from_arraybuffer(ab, arg_int(t[3]), arg_int(t[4]), &made), &made);
    } else if (strcmp(op, "btostr") == 0) { /* btostr V ENC START END */
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        buf_bytes_t text;
        status = buf_buffer_to_string(v, arg_encoding(t[2]), arg_int(t[3]), arg_int(t[4]), &text);
        if (status == BUF_OK) print_hex_line(text.data, text.length); else print_status(status);
        if (status == BUF_OK) buf_bytes_release(&text);
    } else if (strcmp(op, "bbytelen") == 0) { /* bbytelen ENC HEXTEXT */
        size_t length;
        uint8_t *text = arg_hex(t[2], &length);
        int64_t count = 0;
        status = buf_buffer_byte_length((char *)text, length, arg_encoding(t[1]), &count);
        print_int(status, count);
        free(text);
    } else if (strcmp(op, "bwrite") == 0) { /* bwrite V HEXTEXT OFF LEN ENC */
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        size_t length;
        uint8_t *text = arg_hex(t[2], &length);
        int64_t written = 0;
        status = buf_buffer_write(v, (char *)text, length, arg_int(t[3]), arg_int(t[4]), arg_encoding(t[5]), &written);
        print_int(status, written);
        free(text);
    } else if (strcmp(op, "bslice") == 0) { /* bslice ID V START END */
        buf_typed_t *v = view_at(t[2]);
        if (!v) { puts("x"); return; }
        finish_view(t[1], buf_buffer_slice(v, arg_int(t[3]), arg_int(t[4]), &made), &made);
    } else if (strcmp(op, "bconcat") == 0) { /* bconcat ID BACKEND TOTAL a,b,c|- */
        buf_typed_t list[16];
        size_t count = 0;
        if (strcmp(t[4], "-") != 0)
            for (char *p = t[4]; p && count < 16; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
                buf_typed_t *v = view_at(p);
                if (!v) { puts("x"); return; }
                list[count++] = *v; /* borrowed: concat only reads */
            }
        finish_view(t[1], buf_buffer_concat(backend_at(t[2]), list, count, arg_int(t[3]), &made), &made);
    } else if (strcmp(op, "bcmp") == 0 || strcmp(op, "beq") == 0) {
        buf_typed_t *a = view_at(t[1]), *b = view_at(t[2]);
        if (!a || !b) { puts("x"); return; }
        int order = 0;
        bool equal = false;
        if (op[1] == 'c') {
            status = buf_buffer_compare(a, b, &order);
            print_int(status, order);
        } else {
            status = buf_buffer_equals(a, b, &equal);
            print_int(status, equal);
        }
    } else if (strcmp(op, "bcmpr") == 0) { /* bcmpr SRC TARGET tS tE sS sE */
        buf_typed_t *a = view_at(t[1]), *b = view_at(t[2]);
        if (!a || !b) { puts("x"); return; }
        int order = 0;
        status = buf_buffer_compare_range(a, b, arg_int(t[3]), arg_int(t[4]), arg_int(t[5]), arg_int(t[6]), &order);
        print_int(status, order);
    } else if (strcmp(op, "bidx") == 0) { /* bidx V DIR(f|l|i) MODE(n|s|b) NEEDLE OFF ENC */
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        char dir = t[2][0], mode = t[3][0];
        int64_t offset = arg_int(t[5]), index = -1;
        bool found = false;
        if (mode == 'n') {
            double needle = arg_double(t[4]);
            if (dir == 'i') status = buf_buffer_includes_byte(v, needle, offset, &found);
            else if (dir == 'f') status = buf_buffer_index_of_byte(v, needle, offset, &index);
            else status = buf_buffer_last_index_of_byte(v, needle, offset, &index);
        } else if (mode == 's') {
            size_t length;
            uint8_t *text = arg_hex(t[4], &length);
            const char *enc = arg_encoding(t[6]);
            if (dir == 'i') status = buf_buffer_includes_string(v, (char *)text, length, offset, enc, &found);
            else if (dir == 'f') status = buf_buffer_index_of_string(v, (char *)text, length, offset, enc, &index);
            else status = buf_buffer_last_index_of_string(v, (char *)text, length, offset, enc, &index);
            free(text);
        } else {
            buf_typed_t *needle = view_at(t[4]);
            if (!needle) { puts("x"); return; }
            const uint8_t *bytes = buf_buffer_data(needle);
            size_t length = (size_t)buf_buffer_length(needle);
            if (dir == 'i') status = buf_buffer_includes_bytes(v, bytes, length, offset, arg_encoding(t[6]), &found);
            else if (dir == 'f') status = buf_buffer_index_of_bytes(v, bytes, length, offset, arg_encoding(t[6]), &index);
            else status = buf_buffer_last_index_of_bytes(v, bytes, length, offset, arg_encoding(t[6]), &index);
        }
        print_int(status, dir == 'i' ? (int64_t)found : index);
    } else if (strcmp(op, "bfill") == 0) { /* bfill V MODE VALUE OFF END ENC */
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        char mode = t[2][0];
        if (mode == 'n') {
            status = buf_buffer_fill_byte(v, arg_double(t[3]), arg_int(t[4]), arg_int(t[5]));
        } else if (mode == 's') {
            size_t length;
            uint8_t *text = arg_hex(t[3], &length);
            status = buf_buffer_fill_string(v, (char *)text, length, arg_int(t[4]), arg_int(t[5]), arg_encoding(t[6]));
            free(text);
        } else {
            buf_typed_t *pattern = view_at(t[3]);
            if (!pattern) { puts("x"); return; }
            status = buf_buffer_fill_bytes(v, buf_buffer_data(pattern), (size_t)buf_buffer_length(pattern),
                                           arg_int(t[4]), arg_int(t[5]));
        }
        print_status(status);
    } else if (strcmp(op, "bcopy") == 0) { /* bcopy SRC TARGET tS sS sE */
        buf_typed_t *a = view_at(t[1]), *b = view_at(t[2]);
        if (!a || !b) { puts("x"); return; }
        int64_t copied = 0;
        status = buf_buffer_copy(a, b, arg_int(t[3]), arg_int(t[4]), arg_int(t[5]), &copied);
        print_int(status, copied);
    } else if (strcmp(op, "bread") == 0) { /* bread V FN OFF BL */
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        buffer_read(v, t[2], arg_int(t[3]), n > 4 ? arg_int(t[4]) : 0);
    } else if (strcmp(op, "bwriten") == 0) { /* bwriten V FN VALUE OFF BL */
        buf_typed_t *v = view_at(t[1]);
        if (!v) { puts("x"); return; }
        buffer_write(v, t[2], t[3], arg_int(t[4]), n > 5 ? arg_int(t[5]) : 0);
    } else {
        printf("unknown-op %s\n", op);
    }
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc && backend_count < MAX_SPECS; i++) {
        buf_status_t status = buf_backend_open(argv[i], NULL, &backends[backend_count]);
        if (status != BUF_OK) {
            fprintf(stderr, "model_driver: cannot open backend %s: %s\n", argv[i], buf_status_name(status));
            return 2;
        }
        backend_count++;
    }
    if (backend_count == 0) {
        fprintf(stderr, "usage: model_driver SPEC... < program\n");
        return 2;
    }
    char *line = NULL;
    size_t capacity = 0;
    bool clean = true;
    while (getline(&line, &capacity, stdin) > 0) {
        char *tokens[MAX_TOKENS] = {0};
        int count = 0;
        for (char *save = NULL, *tok = strtok_r(line, " \n", &save); tok && count < MAX_TOKENS;
             tok = strtok_r(NULL, " \n", &save))
            tokens[count++] = tok;
        if (count == 0)
            continue;
        if (strcmp(tokens[0], "P") == 0) {
            release_all();
            clean = check_no_leaks() && clean;
            continue;
        }
        static char empty[] = "u";
        for (int i = count; i < MAX_TOKENS; i++)
            tokens[i] = empty; /* missing trailing arguments read as omitted */
        run_op(tokens, count);
    }
    release_all();
    clean = check_no_leaks() && clean;
    free(line);
    for (size_t i = 0; i < backend_count; i++)
        buf_backend_close(backends[i]);
    fflush(stdout);
    return clean ? 0 : 1;
}
