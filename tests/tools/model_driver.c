/* model_driver.c — the C side of the buffer-model differential harness
 * (scripts/node-diff model).  One process runs a whole batch of programs.
 *
 * Usage: model_driver [--flush-each] SPEC...   (the backends programs may name, by index)
 * stdin: one operation per line; "P" starts a new program (everything released).
 * stdout: one line per operation, in order:
 *   ok | i <int> | n <16 hex digits: the double's bits> | b <bigint decimal> |
 *   s <hex bytes> | e <STATUS_NAME> | x (an operand slot is empty)
 * Arguments: "u" is an omitted (undefined) argument, "-" empty hex text; doubles are
 * JS's String(x) spellings (NaN, -0, Infinity, 1e+40), parsed with strtod.
 * The operations are the table at the bottom (one named handler each);
 * tests/node/model.js runs their JavaScript twins.  At the end of each program every
 * object is released and every backend must have no live bytes left (a leak prints
 * "LEAK" and fails the batch).  stdout is flushed at every program boundary, so when
 * the driver crashes the harness can tell which program it was running; --flush-each
 * flushes every answer (slower: a write per line), so a crash keeps the answers given
 * before it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_model.h"
#include "driver_support.h"

#define MAX_SPECS 16
#define SLOTS 64
#define MAX_TOKENS 16
#define MAX_LIST 64 /* values of a tseta, Buffers of a bconcat */

static buf_backend_t *backends[MAX_SPECS];
static size_t backend_count;
static buf_arraybuffer_t *abs_slot[SLOTS];
static buf_typed_t views[SLOTS]; /* typed views and Buffers */
static bool view_used[SLOTS];
static buf_dataview_t dvs[SLOTS];
static bool dv_used[SLOTS];

/* ==== Arguments ============================================================================ */

static int64_t arg_int(const char *token)
{
    if (strcmp(token, "u") == 0)
        return BUF_OMITTED;
    return strtoll(token, NULL, 10);
}

static double arg_double(const char *token) { return strtod(token, NULL); }
static const char *arg_encoding(const char *token) { return strcmp(token, "u") == 0 ? NULL : token; }
static bool arg_little_endian(const char *token) { return atoi(token) != 0; }

/* Hex text or bytes into a malloc block the caller frees ("-" is empty).  The harness
 * only writes well-formed hex: anything else is its bug, and ends the batch. */
static uint8_t *arg_hex(const char *token, size_t *length)
{
    uint8_t *bytes = driver_parse_hex(strcmp(token, "-") == 0 ? "" : token, length);
    if (!bytes) {
        fprintf(stderr, "model_driver: bad hex argument '%s' (or out of memory)\n", token);
        exit(2);
    }
    return bytes;
}

/* A comma-separated list ("a,b,c"; "-" is empty) into at most `capacity` tokens, in place. */
static size_t arg_list(char *token, char *items[], size_t capacity)
{
    size_t count = 0;
    if (strcmp(token, "-") == 0)
        return 0;
    for (char *item = token; item && count < capacity; item = strchr(item, ',') ? strchr(item, ',') + 1 : NULL)
        items[count++] = item;
    return count;
}

/* ==== Results ============================================================================== */

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

static void print_bigint(buf_status_t status, int64_t value)
{
    if (status != BUF_OK)
        print_status(status);
    else
        printf("b %" PRId64 "\n", value);
}

static void print_biguint(buf_status_t status, uint64_t value)
{
    if (status != BUF_OK)
        print_status(status);
    else
        printf("b %" PRIu64 "\n", value);
}

/* ==== Slots ================================================================================ */

static int slot_index(const char *token) { int i = atoi(token); return i >= 0 && i < SLOTS ? i : 0; }
static buf_arraybuffer_t *ab_at(const char *token) { return abs_slot[slot_index(token)]; }
static buf_typed_t *view_at(const char *token) { int i = slot_index(token); return view_used[i] ? &views[i] : NULL; }
static buf_dataview_t *dv_at(const char *token) { int i = slot_index(token); return dv_used[i] ? &dvs[i] : NULL; }
static buf_backend_t *backend_at(const char *token) { size_t i = (size_t)atoi(token); return i < backend_count ? backends[i] : NULL; }

/* An operand slot that is empty answers "x" (model.js does the same). */
#define REQUIRE(operand)      \
    do {                      \
        if (!(operand)) {     \
            puts("x");        \
            return;           \
        }                     \
    } while (0)

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

/* ==== ArrayBuffer ========================================================================== */

static void op_ab(char **t) /* ab ID BACKEND LEN */
{
    buf_arraybuffer_t *ab = NULL;
    buf_status_t status = buf_arraybuffer_alloc(backend_at(t[2]), arg_int(t[3]), &ab);
    set_ab(t[1], status == BUF_OK ? ab : NULL);
    print_status(status);
}

static void op_abr(char **t) /* abr ID BACKEND LEN MAX */
{
    buf_arraybuffer_t *ab = NULL;
    buf_status_t status = buf_arraybuffer_alloc_resizable(backend_at(t[2]), arg_int(t[3]), arg_int(t[4]), &ab);
    set_ab(t[1], status == BUF_OK ? ab : NULL);
    print_status(status);
}

static void op_resize(char **t) /* resize AB LEN */
{
    buf_arraybuffer_t *ab = ab_at(t[1]);
    REQUIRE(ab);
    print_status(buf_arraybuffer_resize(ab, arg_int(t[2])));
}

static void op_abslice(char **t) /* abslice ID AB BEGIN END */
{
    buf_arraybuffer_t *ab = ab_at(t[2]), *copy = NULL;
    REQUIRE(ab);
    buf_status_t status = buf_arraybuffer_slice(ab, arg_int(t[3]), arg_int(t[4]), &copy);
    set_ab(t[1], status == BUF_OK ? copy : NULL);
    print_status(status);
}

static void op_abinfo(char **t) /* abinfo AB -> byteLength maxByteLength resizable */
{
    buf_arraybuffer_t *ab = ab_at(t[1]);
    REQUIRE(ab);
    printf("i %" PRId64 " %" PRId64 " %d\n", buf_arraybuffer_byte_length(ab), buf_arraybuffer_max_byte_length(ab),
           buf_arraybuffer_is_resizable(ab) ? 1 : 0);
}

static void op_abdump(char **t) /* abdump AB -> its bytes */
{
    buf_arraybuffer_t *ab = ab_at(t[1]);
    REQUIRE(ab);
    print_hex_line(buf_arraybuffer_data(ab), (size_t)buf_arraybuffer_byte_length(ab));
}

static void op_abfree(char **t) /* abfree AB */
{
    set_ab(t[1], NULL);
    puts("ok");
}

/* ==== Typed views ========================================================================== */

static void op_ta(char **t) /* ta ID KIND AB OFF LEN */
{
    buf_kind_t kind;
    buf_arraybuffer_t *ab = ab_at(t[3]);
    REQUIRE(ab && buf_kind_parse(t[2], &kind) == BUF_OK);
    buf_typed_t made;
    finish_view(t[1], buf_typed_from_buffer(kind, ab, arg_int(t[4]), arg_int(t[5]), &made), &made);
}

static void op_tanew(char **t) /* tanew ID KIND BACKEND LEN */
{
    buf_kind_t kind;
    REQUIRE(buf_kind_parse(t[2], &kind) == BUF_OK);
    buf_typed_t made;
    finish_view(t[1], buf_typed_new(backend_at(t[3]), kind, arg_int(t[4]), &made), &made);
}

static void op_tinfo(char **t) /* tinfo V -> length byteOffset byteLength */
{
    buf_typed_t *v = view_at(t[1]);
    REQUIRE(v);
    printf("i %" PRId64 " %" PRId64 " %" PRId64 "\n", buf_typed_length(v), buf_typed_byte_offset(v),
           buf_typed_byte_length(v));
}

static void op_get(char **t) /* get V IDX */
{
    buf_typed_t *v = view_at(t[1]);
    REQUIRE(v);
    double value = 0;
    buf_status_t status = buf_typed_get(v, arg_int(t[2]), &value);
    print_double(status, value);
}

static void op_set(char **t) /* set V IDX VALUE */
{
    buf_typed_t *v = view_at(t[1]);
    REQUIRE(v);
    print_status(buf_typed_set(v, arg_int(t[2]), arg_double(t[3])));
}

static void op_getb(char **t) /* getb V IDX */
{
    buf_typed_t *v = view_at(t[1]);
    REQUIRE(v);
    if (v->kind == BUF_KIND_BIGUINT64) {
        uint64_t value = 0;
        buf_status_t status = buf_typed_get_biguint(v, arg_int(t[2]), &value);
        print_biguint(status, value);
    } else {
        int64_t value = 0;
        buf_status_t status = buf_typed_get_bigint(v, arg_int(t[2]), &value);
        print_bigint(status, value);
    }
}

static void op_setb(char **t) /* setb V IDX DECIMAL (in [-2^63, 2^64)) */
{
    buf_typed_t *v = view_at(t[1]);
    REQUIRE(v);
    if (t[3][0] == '-')
        print_status(buf_typed_set_bigint(v, arg_int(t[2]), strtoll(t[3], NULL, 10)));
    else
        print_status(buf_typed_set_biguint(v, arg_int(t[2]), strtoull(t[3], NULL, 10)));
}

static void op_sub(char **t) /* sub ID V BEGIN END */
{
    buf_typed_t *v = view_at(t[2]);
    REQUIRE(v);
    buf_typed_t made;
    finish_view(t[1], buf_typed_subarray(v, arg_int(t[3]), arg_int(t[4]), &made), &made);
}

static void op_tset(char **t) /* tset TARGET SOURCE OFFSET */
{
    buf_typed_t *target = view_at(t[1]), *source = view_at(t[2]);
    REQUIRE(target && source);
    print_status(buf_typed_set_from(target, source, arg_int(t[3])));
}

static void op_tseta(char **t) /* tseta TARGET OFFSET v,v,v|- */
{
    buf_typed_t *target = view_at(t[1]);
    REQUIRE(target);
    char *items[MAX_LIST];
    double values[MAX_LIST];
    size_t count = arg_list(t[3], items, MAX_LIST);
    for (size_t i = 0; i < count; i++)
        values[i] = strtod(items[i], NULL);
    print_status(buf_typed_set_array(target, values, count, arg_int(t[2])));
}

static void op_dump(char **t) /* dump V -> the view's bytes */
{
    buf_typed_t *v = view_at(t[1]);
    REQUIRE(v);
    print_hex_line(buf_arraybuffer_data(v->buffer) + buf_typed_byte_offset(v), (size_t)buf_typed_byte_length(v));
}

static void op_free(char **t) /* free V */
{
    int i = slot_index(t[1]);
    if (view_used[i])
        buf_typed_release(&views[i]);
    view_used[i] = false;
    puts("ok");
}

/* ==== DataView ============================================================================= */

static void op_dv(char **t) /* dv ID AB OFF LEN */
{
    buf_arraybuffer_t *ab = ab_at(t[2]);
    REQUIRE(ab);
    buf_dataview_t dv;
    buf_status_t status = buf_dataview_new(ab, arg_int(t[3]), arg_int(t[4]), &dv);
    int i = slot_index(t[1]);
    if (dv_used[i])
        buf_dataview_release(&dvs[i]);
    dv_used[i] = status == BUF_OK;
    if (status == BUF_OK)
        dvs[i] = dv;
    print_status(status);
}

static void op_dvlen(char **t) /* dvlen DV */
{
    buf_dataview_t *dv = dv_at(t[1]);
    REQUIRE(dv);
    int64_t length = 0;
    buf_status_t status = buf_dataview_byte_length(dv, &length);
    print_int(status, length);
}

static void op_dvget(char **t) /* dvget DV KIND IDX LE */
{
    buf_dataview_t *dv = dv_at(t[1]);
    buf_kind_t kind;
    REQUIRE(dv && buf_kind_parse(t[2], &kind) == BUF_OK);
    int64_t index = arg_int(t[3]);
    bool little_endian = arg_little_endian(t[4]);
    if (kind == BUF_KIND_BIGINT64) {
        int64_t value = 0;
        buf_status_t status = buf_dataview_get_bigint64(dv, index, little_endian, &value);
        print_bigint(status, value);
    } else if (kind == BUF_KIND_BIGUINT64) {
        uint64_t value = 0;
        buf_status_t status = buf_dataview_get_biguint64(dv, index, little_endian, &value);
        print_biguint(status, value);
    } else {
        double value = 0;
        buf_status_t status = buf_dataview_get(dv, kind, index, little_endian, &value);
        print_double(status, value);
    }
}

static void op_dvset(char **t) /* dvset DV KIND IDX VALUE LE; VALUE "123n" is a BigInt */
{
    buf_dataview_t *dv = dv_at(t[1]);
    buf_kind_t kind;
    REQUIRE(dv && buf_kind_parse(t[2], &kind) == BUF_OK);
    int64_t index = arg_int(t[3]);
    const char *value = t[4];
    bool little_endian = arg_little_endian(t[5]);
    size_t value_length = strlen(value);
    if (buf_kind_is_bigint(kind) && value_length > 1 && value[value_length - 1] == 'n') {
        /* Either setter serves both kinds (the 64 bits are the same); pick by sign. */
        if (value[0] == '-')
            print_status(buf_dataview_set_bigint64(dv, index, strtoll(value, NULL, 10), little_endian));
        else
            print_status(buf_dataview_set_biguint64(dv, index, strtoull(value, NULL, 10), little_endian));
    } else {
        print_status(buf_dataview_set(dv, kind, index, arg_double(value), little_endian));
    }
}

/* ==== Buffer: creation and views =========================================================== */

static void op_balloc(char **t) /* balloc ID BACKEND SIZE */
{
    buf_typed_t made;
    finish_view(t[1], buf_buffer_alloc(backend_at(t[2]), arg_int(t[3]), &made), &made);
}

static void op_ballocu(char **t) /* ballocu ID BACKEND SIZE */
{
    buf_typed_t made;
    finish_view(t[1], buf_buffer_alloc_unsafe(backend_at(t[2]), arg_int(t[3]), &made), &made);
}

static void op_bfrom(char **t) /* bfrom ID BACKEND HEX */
{
    size_t length;
    uint8_t *bytes = arg_hex(t[3], &length);
    buf_typed_t made;
    finish_view(t[1], buf_buffer_from_bytes(backend_at(t[2]), bytes, length, &made), &made);
    free(bytes);
}

static void op_bfroms(char **t) /* bfroms ID BACKEND ENC HEXTEXT */
{
    size_t length;
    uint8_t *text = arg_hex(t[4], &length);
    buf_typed_t made;
    finish_view(t[1], buf_buffer_from_string(backend_at(t[2]), (char *)text, length, arg_encoding(t[3]), &made),
                &made);
    free(text);
}

static void op_bfromab(char **t) /* bfromab ID AB OFF LEN */
{
    buf_arraybuffer_t *ab = ab_at(t[2]);
    REQUIRE(ab);
    buf_typed_t made;
    finish_view(t[1], buf_buffer_from_arraybuffer(ab, arg_int(t[3]), arg_int(t[4]), &made), &made);
}

static void op_bslice(char **t) /* bslice ID V START END */
{
    buf_typed_t made;
    finish_view(t[1], buf_buffer_slice(view_at(t[2]), arg_int(t[3]), arg_int(t[4]), &made), &made);
}

static void op_bconcat(char **t) /* bconcat ID BACKEND TOTAL a,b,c|- */
{
    char *items[MAX_LIST];
    buf_typed_t list[MAX_LIST];
    size_t count = arg_list(t[4], items, MAX_LIST);
    for (size_t i = 0; i < count; i++) {
        buf_typed_t *v = view_at(items[i]);
        REQUIRE(v);
        list[i] = *v; /* borrowed: concat only reads */
    }
    buf_typed_t made;
    finish_view(t[1], buf_buffer_concat(backend_at(t[2]), list, count, arg_int(t[3]), &made), &made);
}

/* ==== Buffer: text ========================================================================= */

static void op_btostr(char **t) /* btostr V ENC START END */
{
    buf_bytes_t text;
    buf_status_t status = buf_buffer_to_string(view_at(t[1]), arg_encoding(t[2]), arg_int(t[3]), arg_int(t[4]), &text);
    if (status != BUF_OK) {
        print_status(status);
        return;
    }
    print_hex_line(text.data, text.length);
    buf_bytes_release(&text);
}

static void op_bbytelen(char **t) /* bbytelen ENC HEXTEXT */
{
    size_t length;
    uint8_t *text = arg_hex(t[2], &length);
    int64_t count = 0;
    buf_status_t status = buf_buffer_byte_length((char *)text, length, arg_encoding(t[1]), &count);
    print_int(status, count);
    free(text);
}

static void op_bwrite(char **t) /* bwrite V HEXTEXT OFF LEN ENC */
{
    size_t length;
    uint8_t *text = arg_hex(t[2], &length);
    int64_t written = 0;
    buf_status_t status = buf_buffer_write(view_at(t[1]), (char *)text, length, arg_int(t[3]), arg_int(t[4]),
                                           arg_encoding(t[5]), &written);
    print_int(status, written);
    free(text);
}

/* ==== Buffer: compare, search, fill, copy ================================================== */

static void op_bcmp(char **t) /* bcmp A B */
{
    int order = 0;
    buf_status_t status = buf_buffer_compare(view_at(t[1]), view_at(t[2]), &order);
    print_int(status, order);
}

static void op_beq(char **t) /* beq A B */
{
    bool equal = false;
    buf_status_t status = buf_buffer_equals(view_at(t[1]), view_at(t[2]), &equal);
    print_int(status, equal);
}

static void op_bcmpr(char **t) /* bcmpr SRC TARGET tS tE sS sE */
{
    int order = 0;
    buf_status_t status = buf_buffer_compare_range(view_at(t[1]), view_at(t[2]), arg_int(t[3]), arg_int(t[4]),
                                                   arg_int(t[5]), arg_int(t[6]), &order);
    print_int(status, order);
}

/* bidx V DIRECTION MODE NEEDLE OFF ENC: DIRECTION f (indexOf), l (lastIndexOf) or i
 * (includes); MODE n (a number), s (hex text) or b (a Buffer slot). */
static void op_bidx(char **t)
{
    buf_typed_t *v = view_at(t[1]);
    char direction = t[2][0], mode = t[3][0];
    int64_t offset = arg_int(t[5]), index = -1;
    const char *encoding = arg_encoding(t[6]);
    bool found = false;
    buf_status_t status;
    if (mode == 'n') {
        double needle = arg_double(t[4]);
        if (direction == 'i') status = buf_buffer_includes_byte(v, needle, offset, &found);
        else if (direction == 'f') status = buf_buffer_index_of_byte(v, needle, offset, &index);
        else status = buf_buffer_last_index_of_byte(v, needle, offset, &index);
    } else if (mode == 's') {
        size_t length;
        uint8_t *bytes = arg_hex(t[4], &length);
        const char *text = (const char *)bytes;
        if (direction == 'i') status = buf_buffer_includes_string(v, text, length, offset, encoding, &found);
        else if (direction == 'f') status = buf_buffer_index_of_string(v, text, length, offset, encoding, &index);
        else status = buf_buffer_last_index_of_string(v, text, length, offset, encoding, &index);
        free(bytes);
    } else {
        const buf_typed_t *needle = view_at(t[4]);
        const uint8_t *bytes = buf_buffer_data(needle);
        size_t length = (size_t)buf_buffer_length(needle);
        if (direction == 'i') status = buf_buffer_includes_bytes(v, bytes, length, offset, encoding, &found);
        else if (direction == 'f') status = buf_buffer_index_of_bytes(v, bytes, length, offset, encoding, &index);
        else status = buf_buffer_last_index_of_bytes(v, bytes, length, offset, encoding, &index);
    }
    print_int(status, direction == 'i' ? (int64_t)found : index);
}

static void op_bfill(char **t) /* bfill V MODE VALUE OFF END ENC; MODE n, s or b as for bidx */
{
    buf_typed_t *v = view_at(t[1]);
    char mode = t[2][0];
    buf_status_t status;
    if (mode == 'n') {
        status = buf_buffer_fill_byte(v, arg_double(t[3]), arg_int(t[4]), arg_int(t[5]));
    } else if (mode == 's') {
        size_t length;
        uint8_t *text = arg_hex(t[3], &length);
        status = buf_buffer_fill_string(v, (char *)text, length, arg_int(t[4]), arg_int(t[5]), arg_encoding(t[6]));
        free(text);
    } else {
        const buf_typed_t *pattern = view_at(t[3]);
        status = buf_buffer_fill_bytes(v, buf_buffer_data(pattern), (size_t)buf_buffer_length(pattern), arg_int(t[4]),
                                       arg_int(t[5]));
    }
    print_status(status);
}

static void op_bcopy(char **t) /* bcopy SRC TARGET tS sS sE */
{
    int64_t copied = 0;
    buf_status_t status =
        buf_buffer_copy(view_at(t[1]), view_at(t[2]), arg_int(t[3]), arg_int(t[4]), arg_int(t[5]), &copied);
    print_int(status, copied);
}

/* ==== Buffer: numbers ====================================================================== */

/* Node's method families by the names model.js uses ("uintle" is readUIntLE/writeUIntLE). */
typedef enum number_family {
    FAMILY_UINT,      /* 1..6 bytes */
    FAMILY_INT,       /* 1..6 bytes */
    FAMILY_FLOAT,
    FAMILY_DOUBLE,
    FAMILY_BIGINT64,
    FAMILY_BIGUINT64,
} number_family_t;

static const struct number_method {
    const char *name;
    number_family_t family;
    bool little_endian;
} number_methods[] = {
    {"uintle", FAMILY_UINT, true},         {"uintbe", FAMILY_UINT, false},
    {"intle", FAMILY_INT, true},           {"intbe", FAMILY_INT, false},
    {"floatle", FAMILY_FLOAT, true},       {"floatbe", FAMILY_FLOAT, false},
    {"doublele", FAMILY_DOUBLE, true},     {"doublebe", FAMILY_DOUBLE, false},
    {"bigint64le", FAMILY_BIGINT64, true}, {"bigint64be", FAMILY_BIGINT64, false},
    {"biguint64le", FAMILY_BIGUINT64, true}, {"biguint64be", FAMILY_BIGUINT64, false},
};

static const struct number_method *number_method_named(const char *name)
{
    for (size_t i = 0; i < sizeof number_methods / sizeof number_methods[0]; i++)
        if (strcmp(number_methods[i].name, name) == 0)
            return &number_methods[i];
    return NULL;
}

static void op_bread(char **t) /* bread V METHOD OFF BYTELENGTH */
{
    const struct number_method *method = number_method_named(t[2]);
    REQUIRE(method);
    const buf_typed_t *v = view_at(t[1]);
    int64_t offset = arg_int(t[3]), byte_length = arg_int(t[4]);
    bool le = method->little_endian;
    double value = 0;
    int64_t signed_value = 0;
    uint64_t unsigned_value = 0;
    buf_status_t status = BUF_EINVAL;
    switch (method->family) {
    case FAMILY_UINT: status = buf_buffer_read_uint(v, offset, byte_length, le, &value); break;
    case FAMILY_INT: status = buf_buffer_read_int(v, offset, byte_length, le, &value); break;
    case FAMILY_FLOAT: status = buf_buffer_read_float(v, offset, le, &value); break;
    case FAMILY_DOUBLE: status = buf_buffer_read_double(v, offset, le, &value); break;
    case FAMILY_BIGINT64: status = buf_buffer_read_bigint64(v, offset, le, &signed_value); break;
    case FAMILY_BIGUINT64: status = buf_buffer_read_biguint64(v, offset, le, &unsigned_value); break;
    }
    if (method->family == FAMILY_BIGINT64)
        print_bigint(status, signed_value);
    else if (method->family == FAMILY_BIGUINT64)
        print_biguint(status, unsigned_value);
    else
        print_double(status, value);
}

static void op_bwriten(char **t) /* bwriten V METHOD VALUE OFF BYTELENGTH */
{
    const struct number_method *method = number_method_named(t[2]);
    REQUIRE(method);
    const buf_typed_t *v = view_at(t[1]);
    const char *value = t[3];
    int64_t offset = arg_int(t[4]), byte_length = arg_int(t[5]), next = 0;
    bool le = method->little_endian;
    buf_status_t status = BUF_EINVAL;
    switch (method->family) {
    case FAMILY_UINT: status = buf_buffer_write_uint(v, arg_double(value), offset, byte_length, le, &next); break;
    case FAMILY_INT: status = buf_buffer_write_int(v, arg_double(value), offset, byte_length, le, &next); break;
    case FAMILY_FLOAT: status = buf_buffer_write_float(v, arg_double(value), offset, le, &next); break;
    case FAMILY_DOUBLE: status = buf_buffer_write_double(v, arg_double(value), offset, le, &next); break;
    case FAMILY_BIGINT64: status = buf_buffer_write_bigint64(v, strtoll(value, NULL, 10), offset, le, &next); break;
    case FAMILY_BIGUINT64: status = buf_buffer_write_biguint64(v, strtoull(value, NULL, 10), offset, le, &next); break;
    }
    print_int(status, next);
}

/* ==== The operation table ================================================================== */

typedef struct operation {
    const char *name;
    void (*run)(char **token);
    /* Token positions naming the Buffers it takes (0 ends the list), as model.js's
     * BUFFER_ARGS lists them: each must hold a view ("x" otherwise) of kind Uint8
     * (BUF_EINVAL otherwise, before anything else is looked at). */
    unsigned char buffer_operands[2];
    /* bidx and bfill: the position of the MODE token; MODE b makes the next token a
     * Buffer operand too. */
    unsigned char mode_token;
    /* Fills the view slot named by token 1: a refused operand empties it, as a failed
     * creation does. */
    bool creates_view;
} operation_t;

static const operation_t operations[] = {
    /* ArrayBuffer */
    {"ab", op_ab, {0}, 0, false},
    {"abr", op_abr, {0}, 0, false},
    {"resize", op_resize, {0}, 0, false},
    {"abslice", op_abslice, {0}, 0, false},
    {"abinfo", op_abinfo, {0}, 0, false},
    {"abdump", op_abdump, {0}, 0, false},
    {"abfree", op_abfree, {0}, 0, false},
    /* Typed views */
    {"ta", op_ta, {0}, 0, true},
    {"tanew", op_tanew, {0}, 0, true},
    {"tinfo", op_tinfo, {0}, 0, false},
    {"get", op_get, {0}, 0, false},
    {"set", op_set, {0}, 0, false},
    {"getb", op_getb, {0}, 0, false},
    {"setb", op_setb, {0}, 0, false},
    {"sub", op_sub, {0}, 0, true},
    {"tset", op_tset, {0}, 0, false},
    {"tseta", op_tseta, {0}, 0, false},
    {"dump", op_dump, {0}, 0, false},
    {"free", op_free, {0}, 0, false},
    /* DataView */
    {"dv", op_dv, {0}, 0, false},
    {"dvlen", op_dvlen, {0}, 0, false},
    {"dvget", op_dvget, {0}, 0, false},
    {"dvset", op_dvset, {0}, 0, false},
    /* Buffer */
    {"balloc", op_balloc, {0}, 0, true},
    {"ballocu", op_ballocu, {0}, 0, true},
    {"bfrom", op_bfrom, {0}, 0, true},
    {"bfroms", op_bfroms, {0}, 0, true},
    {"bfromab", op_bfromab, {0}, 0, true},
    {"bslice", op_bslice, {2}, 0, true},
    {"bconcat", op_bconcat, {0}, 0, true},
    {"btostr", op_btostr, {1}, 0, false},
    {"bbytelen", op_bbytelen, {0}, 0, false},
    {"bwrite", op_bwrite, {1}, 0, false},
    {"bcmp", op_bcmp, {1, 2}, 0, false},
    {"beq", op_beq, {1, 2}, 0, false},
    {"bcmpr", op_bcmpr, {1, 2}, 0, false},
    {"bidx", op_bidx, {1}, 3, false},
    {"bfill", op_bfill, {1}, 2, false},
    {"bcopy", op_bcopy, {1, 2}, 0, false},
    {"bread", op_bread, {1}, 0, false},
    {"bwriten", op_bwriten, {1}, 0, false},
};

static const operation_t *operation_named(const char *name)
{
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (strcmp(operations[i].name, name) == 0)
            return &operations[i];
    return NULL;
}

/* The Buffer operands must be live Uint8 views before the handler runs: a misuse of the
 * C API that every Buffer function answers with BUF_EINVAL first.  False when the
 * operation's answer is already printed. */
static bool buffer_operands_are_buffers(const operation_t *operation, char **t)
{
    const char *operands[3];
    size_t count = 0;
    for (size_t i = 0; i < 2 && operation->buffer_operands[i]; i++)
        operands[count++] = t[operation->buffer_operands[i]];
    if (operation->mode_token && t[operation->mode_token][0] == 'b')
        operands[count++] = t[operation->mode_token + 1];
    for (size_t i = 0; i < count; i++)
        if (!view_at(operands[i])) {
            puts("x");
            return false;
        }
    for (size_t i = 0; i < count; i++)
        if (view_at(operands[i])->kind != BUF_KIND_UINT8) {
            if (operation->creates_view)
                finish_view(t[1], BUF_EINVAL, NULL);
            else
                print_status(BUF_EINVAL);
            return false;
        }
    return true;
}

static void run_operation(char **t)
{
    const operation_t *operation = operation_named(t[0]);
    if (!operation) {
        printf("unknown-op %s\n", t[0]);
        return;
    }
    if (buffer_operands_are_buffers(operation, t))
        operation->run(t);
}

/* ==== Main ================================================================================= */

int main(int argc, char **argv)
{
    int first_spec = 1;
    if (argc > 1 && strcmp(argv[1], "--flush-each") == 0) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        first_spec = 2;
    }
    for (int i = first_spec; i < argc && backend_count < MAX_SPECS; i++) {
        buf_status_t status = buf_backend_open(argv[i], NULL, &backends[backend_count]);
        if (status != BUF_OK) {
            fprintf(stderr, "model_driver: cannot open backend %s: %s\n", argv[i], buf_status_name(status));
            return 2;
        }
        backend_count++;
    }
    if (backend_count == 0) {
        fprintf(stderr, "usage: model_driver [--flush-each] SPEC... < program\n");
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
            fflush(stdout); /* every finished program's answers are out before the next runs */
            continue;
        }
        static char omitted[] = "u";
        for (int i = count; i < MAX_TOKENS; i++)
            tokens[i] = omitted; /* missing trailing arguments read as omitted */
        run_operation(tokens);
    }
    release_all();
    clean = check_no_leaks() && clean;
    free(line);
    for (size_t i = 0; i < backend_count; i++)
        buf_backend_close(backends[i]);
    fflush(stdout);
    return clean ? 0 : 1;
}
