/* test_codec_stream.c — the streaming codecs (buf_codec_stream_t, buf_codec_convert_t)
 * against the one-shot ones: for every encoding, both directions and strict decode, random
 * adversarial inputs cut into random chunks (1-byte chunks, random sizes, one piece) with
 * random output room must give byte for byte what buf_encode / buf_decode /
 * buf_decode_strict give for the whole input, and the same strict offset.
 *
 * The inputs are built from tokens chosen to land on every boundary the stream must carry
 * across: multi-byte UTF-8 characters (and their ill-formed cousins: overlongs, encoded
 * surrogates, sequences cut short, stray continuation bytes), UTF-16LE surrogate pairs and
 * lone halves, hex pairs and bad pairs, base64 quanta, '=' in the middle, whitespace, and
 * characters read through their low byte (U+0131 is '1' in hex, U+013D is '=' in base64).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "buf_codec.h"

/* ---- Random inputs ------------------------------------------------------------------- */
typedef struct rng {
    uint64_t state;
} rng_t;

static uint64_t rng_next(rng_t *rng) /* xorshift64*: fixed seeds, reproducible runs */
{
    rng->state ^= rng->state >> 12;
    rng->state ^= rng->state << 25;
    rng->state ^= rng->state >> 27;
    return rng->state * 0x2545F4914F6CDD1Dull;
}

static size_t rng_below(rng_t *rng, size_t limit) { return limit ? (size_t)(rng_next(rng) % limit) : 0; }

typedef struct token {
    const char *bytes;
    size_t length; /* some hold NUL bytes */
} token_t;
#define T(literal) {literal, sizeof literal - 1}

static const token_t tokens[] = {
    T("A"), T("z"), T("0"), T("7"), T("f"), T("F"), T("g"), T(" "), T("\n"),
    T("="), T("=="), T("+"), T("/"), T("-"), T("_"), T("*"),
    T("QQ=="), T("QUI="), T("QUJD"), T("aGk"), T("68"), T("6z"), T("zz"), T("0a"), T("e9"),
    T("\xc3\xa9"), T("\xe2\x82\xac"), T("\xf0\x9f\x98\x80"), T("\xef\xbb\xbf"), /* é € 😀 BOM */
    T("\xc4\xb1"), T("\xc4\xbd"), T("\xef\xbd\x81"), T("\xc5\x81"), /* U+0131 U+013D U+FF41 U+0141 */
    T("\xed\xa0\x80"), T("\xed\xbf\xbf"), T("\xc0\xaf"), T("\xe0\x80\xaf"), /* ill-formed */
    T("\xf4\x90\x80\x80"),
    T("\xe2\x82"), T("\xf0\x9f\x98"), T("\xf0\x9f"), T("\xc3"), /* cut short */
    T("\x80"), T("\xbf"), T("\xff"), T("\xf5"), T("\xc1"),
    T("\x3d\xd8\x00\xde"), T("\x00\xd8"), T("\x00\xdc"), T("\x3d\xd8"), T("\xff\xdb\xff\xdf"), /* UTF-16LE */
};

/* Fills buf with up to capacity bytes of tokens and random bytes; returns the length. */
static size_t random_input(rng_t *rng, uint8_t *buf, size_t capacity)
{
    const size_t target = rng_below(rng, capacity + 1);
    size_t length = 0;
    while (length < target) {
        if (rng_below(rng, 8) == 0) {
            buf[length++] = (uint8_t)rng_next(rng);
            continue;
        }
        const token_t token = tokens[rng_below(rng, sizeof tokens / sizeof tokens[0])];
        if (length + token.length > capacity)
            break;
        memcpy(buf + length, token.bytes, token.length);
        length += token.length;
    }
    return length;
}

/* ---- Running a stream over chunks ----------------------------------------------------- */
typedef enum chunking { ONE_BYTE, RANDOM_SIZES, ONE_PIECE, CHUNKING_COUNT } chunking_t;
static const char *const chunking_names[CHUNKING_COUNT] = {"1-byte chunks", "random chunks", "one piece"};

#define MAX_INPUT 160
#define MAX_OUTPUT 4096

typedef struct outcome {
    buf_status_t status;
    uint64_t bad_offset;
    size_t length;
    uint8_t bytes[MAX_OUTPUT];
} outcome_t;

static size_t next_chunk(rng_t *rng, chunking_t chunking, size_t left)
{
    switch (chunking) {
    case ONE_BYTE: return left ? 1 : 0;
    case RANDOM_SIZES: return left ? 1 + rng_below(rng, left < 9 ? left : 9) : 0;
    default: return left;
    }
}

/* An output room for the next update: the bound (which must take the whole chunk) or,
 * when `tight`, anything from the progress minimum up. */
static size_t pick_room(rng_t *rng, size_t bound, bool tight)
{
    if (!tight || bound <= BUF_CODEC_STREAM_MIN_OUTPUT)
        return bound;
    return BUF_CODEC_STREAM_MIN_OUTPUT + rng_below(rng, bound - BUF_CODEC_STREAM_MIN_OUTPUT + 1);
}

/* Feeds input through a fresh stream in chunks; the outcome is the concatenated output
 * and the final status (with the strict offset). */
static void run_stream(buf_encoding_t encoding, buf_codec_mode_t mode, const uint8_t *input, size_t length,
                       rng_t *rng, chunking_t chunking, bool tight, outcome_t *outcome)
{
    buf_codec_stream_t stream;
    cr_assert_eq(buf_codec_stream_init(&stream, encoding, mode), BUF_OK);
    outcome->length = 0;
    outcome->bad_offset = UINT64_MAX;
    outcome->status = BUF_OK;
    size_t pos = 0;
    while (pos < length) {
        const size_t chunk = next_chunk(rng, chunking, length - pos);
        size_t done = 0;
        while (done < chunk) {
            const size_t left = chunk - done;
            size_t bound, consumed, written;
            cr_assert_eq(buf_codec_stream_bound(&stream, chunk - done, &bound), BUF_OK);
            const size_t room = pick_room(rng, bound, tight);
            cr_assert_leq(outcome->length + room, MAX_OUTPUT);
            const buf_status_t status = buf_codec_stream_update(&stream, input + pos + done, chunk - done,
                                                                outcome->bytes + outcome->length, room, &consumed,
                                                                &written);
            cr_assert_leq(written, room);
            outcome->length += written;
            done += consumed;
            if (status != BUF_OK) {
                outcome->status = status;
                buf_codec_stream_bad_offset(&stream, &outcome->bad_offset);
                return;
            }
            cr_assert(consumed || written, "%s: no progress with %zu bytes of room", buf_encoding_name(encoding), room);
            if (room >= bound)
                cr_assert_eq(consumed, left, "%s: the bound did not take the whole chunk",
                             buf_encoding_name(encoding));
        }
        pos += chunk;
    }
    size_t bound, written;
    cr_assert_eq(buf_codec_stream_bound(&stream, 0, &bound), BUF_OK);
    outcome->status = buf_codec_stream_finish(&stream, outcome->bytes + outcome->length, bound, &written);
    outcome->length += written;
    if (outcome->status == BUF_ESTRICT)
        buf_codec_stream_bad_offset(&stream, &outcome->bad_offset);
}

/* The one-shot answer for the whole input. */
static void run_one_shot(buf_encoding_t encoding, buf_codec_mode_t mode, const uint8_t *input, size_t length,
                         outcome_t *outcome)
{
    size_t bad = 0;
    outcome->bad_offset = UINT64_MAX;
    switch (mode) {
    case BUF_CODEC_ENCODE:
        outcome->status = buf_encode(encoding, input, length, outcome->bytes, MAX_OUTPUT, &outcome->length);
        break;
    case BUF_CODEC_DECODE:
        outcome->status = buf_decode(encoding, input, length, outcome->bytes, MAX_OUTPUT, &outcome->length);
        break;
    default:
        outcome->status =
            buf_decode_strict(encoding, input, length, outcome->bytes, MAX_OUTPUT, &outcome->length, &bad);
        if (outcome->status == BUF_ESTRICT)
            outcome->bad_offset = bad;
        break;
    }
    cr_assert(outcome->status == BUF_OK || outcome->status == BUF_ESTRICT);
}

static void print_hex(char *dst, size_t capacity, const uint8_t *bytes, size_t length)
{
    size_t used = 0;
    for (size_t i = 0; i < length && used + 3 < capacity; i++)
        used += (size_t)snprintf(dst + used, capacity - used, "%02x", bytes[i]);
    dst[used] = '\0';
}

/* Streamed == one-shot; a strict failure has the same offset, and what was written before
 * it is a prefix of the lenient output. */
static void expect_same(buf_encoding_t encoding, buf_codec_mode_t mode, const uint8_t *input, size_t length,
                        chunking_t chunking, const outcome_t *streamed, const outcome_t *whole)
{
    char shown[2 * MAX_INPUT + 1];
    print_hex(shown, sizeof shown, input, length);
    static const char *const modes[] = {"encode", "decode", "strict decode"};
    cr_assert_eq(streamed->status, whole->status, "%s %s of %s (%s): status %s, one-shot %s", modes[mode],
                 buf_encoding_name(encoding), shown, chunking_names[chunking], buf_status_name(streamed->status),
                 buf_status_name(whole->status));
    if (whole->status == BUF_ESTRICT) {
        cr_assert_eq(streamed->bad_offset, whole->bad_offset, "strict %s of %s (%s): offset %llu, one-shot %llu",
                     buf_encoding_name(encoding), shown, chunking_names[chunking],
                     (unsigned long long)streamed->bad_offset, (unsigned long long)whole->bad_offset);
        outcome_t lenient;
        run_one_shot(encoding, BUF_CODEC_DECODE, input, length, &lenient);
        cr_assert_leq(streamed->length, lenient.length);
        cr_assert_eq(memcmp(streamed->bytes, lenient.bytes, streamed->length), 0,
                     "strict %s of %s: output before the error is not the lenient prefix",
                     buf_encoding_name(encoding), shown);
        return;
    }
    cr_assert_eq(streamed->length, whole->length, "%s %s of %s (%s): %zu bytes, one-shot %zu", modes[mode],
                 buf_encoding_name(encoding), shown, chunking_names[chunking], streamed->length, whole->length);
    cr_assert_eq(memcmp(streamed->bytes, whole->bytes, whole->length), 0, "%s %s of %s (%s): output differs",
                 modes[mode], buf_encoding_name(encoding), shown, chunking_names[chunking]);
}

/* ---- Properties --------------------------------------------------------------------------
 * One test per mode keeps a failure's name telling.  Per encoding: INPUTS_PER_ENCODING
 * inputs x 3 chunkings x (bound room, tight room).
 */
#define INPUTS_PER_ENCODING 400

static void check_mode(buf_codec_mode_t mode, uint64_t seed)
{
    static outcome_t streamed, whole;
    uint8_t input[MAX_INPUT];
    size_t runs = 0;
    for (int encoding = 0; encoding < BUF_ENC_COUNT; encoding++) {
        rng_t rng = {seed + (uint64_t)encoding * 0x9E3779B97F4A7C15ull};
        for (int i = 0; i < INPUTS_PER_ENCODING; i++) {
            const size_t length = random_input(&rng, input, MAX_INPUT);
            run_one_shot((buf_encoding_t)encoding, mode, input, length, &whole);
            for (int chunking = 0; chunking < CHUNKING_COUNT; chunking++) {
                for (int tight = 0; tight < 2; tight++) {
                    run_stream((buf_encoding_t)encoding, mode, input, length, &rng, (chunking_t)chunking, tight,
                               &streamed);
                    expect_same((buf_encoding_t)encoding, mode, input, length, (chunking_t)chunking, &streamed,
                                &whole);
                    runs++;
                }
            }
        }
    }
    cr_log_info("%zu streamed runs equal to one-shot", runs);
}

Test(codec_stream, encode_equals_one_shot_for_every_chunking) { check_mode(BUF_CODEC_ENCODE, 0x5eed0001); }
Test(codec_stream, decode_equals_one_shot_for_every_chunking) { check_mode(BUF_CODEC_DECODE, 0x5eed0002); }
Test(codec_stream, strict_decode_equals_one_shot_for_every_chunking) { check_mode(BUF_CODEC_DECODE_STRICT, 0x5eed0003); }

/* A -> B through buf_codec_convert_t == buf_decode(A) then buf_encode(B). */
static void run_convert(buf_encoding_t from, buf_encoding_t to, bool strict, const uint8_t *input, size_t length,
                        rng_t *rng, chunking_t chunking, outcome_t *outcome)
{
    buf_codec_convert_t convert;
    cr_assert_eq(buf_codec_convert_init(&convert, from, to, strict), BUF_OK);
    outcome->length = 0;
    outcome->status = BUF_OK;
    outcome->bad_offset = UINT64_MAX;
    size_t pos = 0;
    while (pos < length) {
        const size_t chunk = next_chunk(rng, chunking, length - pos);
        size_t bound, consumed, written;
        cr_assert_eq(buf_codec_convert_bound(&convert, chunk, &bound), BUF_OK);
        cr_assert_leq(outcome->length + bound, MAX_OUTPUT);
        const buf_status_t status = buf_codec_convert_update(&convert, input + pos, chunk,
                                                             outcome->bytes + outcome->length, bound, &consumed, &written);
        outcome->length += written;
        if (status != BUF_OK) {
            outcome->status = status;
            buf_codec_convert_bad_offset(&convert, &outcome->bad_offset);
            return;
        }
        cr_assert_eq(consumed, chunk, "convert %s -> %s: the bound did not take the whole chunk",
                     buf_encoding_name(from), buf_encoding_name(to));
        pos += chunk;
    }
    size_t bound, written;
    cr_assert_eq(buf_codec_convert_bound(&convert, 0, &bound), BUF_OK);
    outcome->status = buf_codec_convert_finish(&convert, outcome->bytes + outcome->length, bound, &written);
    outcome->length += written;
    if (outcome->status == BUF_ESTRICT)
        buf_codec_convert_bad_offset(&convert, &outcome->bad_offset);
}

Test(codec_stream, convert_equals_decode_then_encode)
{
    static outcome_t streamed;
    static uint8_t middle[MAX_OUTPUT], whole[MAX_OUTPUT];
    uint8_t input[MAX_INPUT];
    rng_t rng = {0x5eed0004};
    size_t runs = 0;
    for (int from = 0; from < BUF_ENC_COUNT; from++) {
        for (int to = 0; to < BUF_ENC_COUNT; to++) {
            for (int i = 0; i < 40; i++) {
                const size_t length = random_input(&rng, input, MAX_INPUT / 2);
                size_t middle_length, whole_length, bad = 0;
                const bool strict = i % 2;
                const buf_status_t status =
                    strict ? buf_decode_strict((buf_encoding_t)from, input, length, middle, sizeof middle,
                                               &middle_length, &bad)
                           : buf_decode((buf_encoding_t)from, input, length, middle, sizeof middle, &middle_length);
                if (status == BUF_OK)
                    cr_assert_eq(buf_encode((buf_encoding_t)to, middle, middle_length, whole, sizeof whole,
                                            &whole_length), BUF_OK);
                for (int chunking = 0; chunking < CHUNKING_COUNT; chunking++) {
                    run_convert((buf_encoding_t)from, (buf_encoding_t)to, strict, input, length, &rng,
                                (chunking_t)chunking, &streamed);
                    cr_assert_eq(streamed.status, status, "convert %s -> %s: %s, one-shot %s", buf_encoding_name(from),
                                 buf_encoding_name(to), buf_status_name(streamed.status), buf_status_name(status));
                    if (status == BUF_ESTRICT) {
                        cr_assert_eq(streamed.bad_offset, bad);
                    } else {
                        cr_assert_eq(streamed.length, whole_length, "convert %s -> %s (%s): %zu bytes, one-shot %zu",
                                     buf_encoding_name(from), buf_encoding_name(to), chunking_names[chunking],
                                     streamed.length, whole_length);
                        cr_assert_eq(memcmp(streamed.bytes, whole, whole_length), 0);
                    }
                    runs++;
                }
            }
        }
    }
    cr_log_info("%zu streamed conversions equal to decode then encode", runs);
}

/* ---- Boundaries named one by one -----------------------------------------------------------
 * The cases the random tokens hit by chance, written out: each split at every position.
 */
static void expect_every_split(buf_encoding_t encoding, buf_codec_mode_t mode, const char *text, size_t length)
{
    static outcome_t whole, streamed;
    const uint8_t *input = (const uint8_t *)text;
    run_one_shot(encoding, mode, input, length, &whole);
    for (size_t split = 0; split <= length; split++) {
        buf_codec_stream_t stream;
        cr_assert_eq(buf_codec_stream_init(&stream, encoding, mode), BUF_OK);
        size_t used = 0, written = 0, total = 0;
        buf_status_t status = buf_codec_stream_update(&stream, input, split, streamed.bytes, MAX_OUTPUT, &used, &written);
        total += written;
        if (status == BUF_OK) {
            status = buf_codec_stream_update(&stream, input + split, length - split, streamed.bytes + total,
                                             MAX_OUTPUT - total, &used, &written);
            total += written;
        }
        if (status == BUF_OK) {
            status = buf_codec_stream_finish(&stream, streamed.bytes + total, MAX_OUTPUT - total, &written);
            total += written;
        }
        streamed.status = status;
        streamed.length = total;
        streamed.bad_offset = UINT64_MAX;
        if (status == BUF_ESTRICT)
            buf_codec_stream_bad_offset(&stream, &streamed.bad_offset);
        expect_same(encoding, mode, input, length, RANDOM_SIZES, &streamed, &whole);
    }
}
#define EVERY_SPLIT(encoding, mode, literal) expect_every_split(encoding, mode, literal, sizeof literal - 1)

Test(codec_stream, characters_split_at_every_byte)
{
    EVERY_SPLIT(BUF_ENC_UTF8, BUF_CODEC_DECODE, "a\xf0\x9f\x98\x80z\xe2\x82\xac\xf0\x9f\x98");
    EVERY_SPLIT(BUF_ENC_UTF8, BUF_CODEC_ENCODE, "\xed\xa0\x80\xc3\xa9\xe0\x80\xaf\xf4\x90\x80");
    EVERY_SPLIT(BUF_ENC_UTF16LE, BUF_CODEC_ENCODE, "\x3d\xd8\x00\xde" "A\x00" "\x00\xd8\x00\xd8\x00\xdc" "\x41");
    EVERY_SPLIT(BUF_ENC_UTF16LE, BUF_CODEC_DECODE, "\xf0\x9f\x98\x80\xc3\xa9\xff");
    EVERY_SPLIT(BUF_ENC_LATIN1, BUF_CODEC_DECODE_STRICT, "caf\xc3\xa9\xe2\x82\xac");
    EVERY_SPLIT(BUF_ENC_ASCII, BUF_CODEC_DECODE_STRICT, "abc\xc3\xa9");
}

Test(codec_stream, quanta_pairs_and_stops_split_at_every_byte)
{
    EVERY_SPLIT(BUF_ENC_BASE64, BUF_CODEC_ENCODE, "\x01\x02\x03\x04\x05\x06\x07");
    EVERY_SPLIT(BUF_ENC_BASE64URL, BUF_CODEC_ENCODE, "\xfb\xff\xfe\x00");
    EVERY_SPLIT(BUF_ENC_BASE64, BUF_CODEC_DECODE, "QUJD RE\nVG=QUJD");            /* '=' stops the rest */
    EVERY_SPLIT(BUF_ENC_BASE64, BUF_CODEC_DECODE, "QU\xc4\xbdJD");                 /* U+013D reads as '=' */
    EVERY_SPLIT(BUF_ENC_BASE64, BUF_CODEC_DECODE_STRICT, "QUI=");
    EVERY_SPLIT(BUF_ENC_BASE64, BUF_CODEC_DECODE_STRICT, "QQ==x");
    EVERY_SPLIT(BUF_ENC_BASE64, BUF_CODEC_DECODE_STRICT, "QR ");                   /* the R, not the space */
    EVERY_SPLIT(BUF_ENC_BASE64, BUF_CODEC_DECODE_STRICT, "QR Q");                  /* now the space */
    EVERY_SPLIT(BUF_ENC_HEX, BUF_CODEC_DECODE, "0a1B2cz93d");                      /* stops at z9 */
    EVERY_SPLIT(BUF_ENC_HEX, BUF_CODEC_DECODE, "0\xc4\xb1" "ff\xf0\x9f\x98\x80"); /* U+0131 reads as '1' */
    EVERY_SPLIT(BUF_ENC_HEX, BUF_CODEC_DECODE_STRICT, "0a1b2");                    /* the odd last digit */
    EVERY_SPLIT(BUF_ENC_HEX, BUF_CODEC_DECODE_STRICT, "0a\xc4\xb1" "0");
}

/* ---- The contract's edges ------------------------------------------------------------------ */
Test(codec_stream, arguments_finish_and_errors)
{
    buf_codec_stream_t stream;
    uint8_t out[64];
    size_t consumed = 9, written = 9, bound = 0;
    uint64_t bad = 0;
    cr_expect_eq(buf_codec_stream_init(NULL, BUF_ENC_HEX, BUF_CODEC_DECODE), BUF_EINVAL);
    cr_expect_eq(buf_codec_stream_init(&stream, BUF_ENC_COUNT, BUF_CODEC_DECODE), BUF_EINVAL);
    cr_expect_eq(buf_codec_stream_init(&stream, BUF_ENC_HEX, (buf_codec_mode_t)3), BUF_EINVAL);
    cr_assert_eq(buf_codec_stream_init(&stream, BUF_ENC_HEX, BUF_CODEC_DECODE), BUF_OK);
    cr_expect_eq(buf_codec_stream_update(&stream, NULL, 1, out, sizeof out, &consumed, &written), BUF_EINVAL);
    cr_expect_eq(consumed, 0);
    cr_expect_eq(written, 0);
    cr_expect_eq(buf_codec_stream_bound(&stream, SIZE_MAX, &bound), BUF_OK, "hex decode halves the size");
    cr_expect_eq(bound, SIZE_MAX / 2 + 1 + 24);
    cr_expect_eq(buf_codec_stream_bad_offset(&stream, &bad), BUF_EINVAL);
    /* no room at all: nothing done */
    cr_expect_eq(buf_codec_stream_update(&stream, (const uint8_t *)"6869", 4, out, 0, &consumed, &written), BUF_ENOSPC);
    cr_expect_eq(consumed, 0);
    cr_expect_eq(buf_codec_stream_update(&stream, (const uint8_t *)"6869", 4, out, sizeof out, &consumed, &written),
                 BUF_OK);
    cr_expect_eq(written, 2);
    cr_expect_eq(buf_codec_stream_finish(&stream, out, 0, &written), BUF_ENOSPC);
    cr_expect_eq(buf_codec_stream_finish(&stream, out, sizeof out, &written), BUF_OK);
    cr_expect_eq(buf_codec_stream_update(&stream, (const uint8_t *)"00", 2, out, sizeof out, &consumed, &written),
                 BUF_EINVAL, "no update after finish");
    /* strict: the offset counts from the start of the stream, and the error sticks */
    cr_assert_eq(buf_codec_stream_init(&stream, BUF_ENC_HEX, BUF_CODEC_DECODE_STRICT), BUF_OK);
    cr_expect_eq(buf_codec_stream_update(&stream, (const uint8_t *)"0a0b", 4, out, sizeof out, &consumed, &written),
                 BUF_OK);
    cr_expect_eq(buf_codec_stream_update(&stream, (const uint8_t *)"0cz0", 4, out, sizeof out, &consumed, &written),
                 BUF_ESTRICT);
    cr_expect_eq(written, 0, "nothing of a piece with an offending byte is written");
    cr_expect_eq(buf_codec_stream_bad_offset(&stream, &bad), BUF_OK);
    cr_expect_eq(bad, 6);
    cr_expect_eq(buf_codec_stream_finish(&stream, out, sizeof out, &written), BUF_ESTRICT);
    cr_assert_eq(buf_codec_stream_init(&stream, BUF_ENC_UTF8, BUF_CODEC_ENCODE), BUF_OK);
    cr_expect_eq(buf_codec_stream_bound(&stream, SIZE_MAX / 3 + 1, &bound), BUF_EOVERFLOW);
}
