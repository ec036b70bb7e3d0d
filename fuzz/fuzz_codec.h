/* fuzz_codec.h — what the two codec targets share: the encoding selector, calls into
 * the production codec through each of its code paths, and the lossless-decode oracle.
 *
 * Encoding selector byte: (byte % 7) picks the encoding by Node's canonical name, in the
 * order of reference_codec.h (utf8, utf16le, latin1, ascii, hex, base64, base64url);
 * the production enum is reached through buf_encoding_parse of that name, so the two
 * codecs share no numbering.  The remaining bits (byte / 7) pick a code path.
 */
#ifndef FUZZ_CODEC_H
#define FUZZ_CODEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"
#include "fuzz_helpers.h"
#include "reference_codec.h"

/* Largest payload a codec target converts: keeps one input well under a millisecond. */
#define FUZZ_CODEC_MAX_INPUT 4096

typedef struct fuzz_encoding {
    int reference;            /* REF_* */
    buf_encoding_t production;
    const char *name;
} fuzz_encoding_t;

static inline fuzz_encoding_t fuzz_take_encoding(fuzz_producer_t *input, unsigned *path)
{
    uint8_t selector = fuzz_take_u8(input);
    fuzz_encoding_t encoding;
    encoding.reference = selector % REF_ENCODING_COUNT;
    encoding.name = ref_encoding_name(encoding.reference);
    if (path) *path = selector / REF_ENCODING_COUNT;
    FUZZ_ASSERT_MSG(buf_encoding_parse(encoding.name, &encoding.production) == BUF_OK,
                    "production codec does not know \"%s\"", encoding.name);
    return encoding;
}

/* Sizes and offsets from the production codec.  For any input a fuzz target holds each
 * call must succeed (BUF_OK is the only possible status), so the helpers assert it. */
static inline size_t fuzz_decode_bound(fuzz_encoding_t encoding, size_t length)
{
    size_t bound = 0;
    buf_status_t status = buf_decode_bound(encoding.production, length, &bound);
    FUZZ_ASSERT_MSG(status == BUF_OK, "%s decode bound of %zu: %s", encoding.name, length, buf_status_name(status));
    return bound;
}

static inline size_t fuzz_byte_length(fuzz_encoding_t encoding, const uint8_t *text, size_t length)
{
    size_t byte_length = 0;
    buf_status_t status = buf_byte_length(encoding.production, text, length, &byte_length);
    FUZZ_ASSERT_MSG(status == BUF_OK, "%s byteLength of %zu bytes: %s", encoding.name, length, buf_status_name(status));
    return byte_length;
}

static inline size_t fuzz_strict_offset(fuzz_encoding_t encoding, const uint8_t *text, size_t length)
{
    size_t offset = 0;
    buf_status_t status = buf_decode_strict_offset(encoding.production, text, length, &offset);
    FUZZ_ASSERT_MSG(status == BUF_OK, "%s strict offset of %zu bytes: %s", encoding.name, length,
                    buf_status_name(status));
    return offset;
}

/* How a conversion is called: destination capacity and where the input sits. */
typedef enum fuzz_capacity {
    CAPACITY_BOUND,  /* the cheap bound: the no-measure fast path */
    CAPACITY_EXACT,  /* exactly the output length: the measured path */
    CAPACITY_LARGER, /* exact + slack, below the bound when possible */
    CAPACITY_COUNT
} fuzz_capacity_t;

/* A malloc'd copy of `bytes` at `misalign` bytes past a 64-byte boundary, so SIMD
 * loops meet every alignment; *block receives the pointer to free. */
static inline uint8_t *fuzz_copy_misaligned(const uint8_t *bytes, size_t length, unsigned misalign,
                                            void **block)
{
    misalign %= 64;
    uint8_t *base = aligned_alloc(64, ((length + misalign) / 64 + 1) * 64);
    FUZZ_ASSERT(base != NULL);
    if (length) memcpy(base + misalign, bytes, length);
    *block = base;
    return base + misalign;
}

/* Returns a malloc'd output of *written bytes from buf_encode or buf_decode (direction
 * `encode`) called with the given capacity mode; checks the API's own promises on the
 * way: length functions exact, bound respected, one byte less is BUF_ENOSPC. */
static inline uint8_t *fuzz_production_convert(bool encode, fuzz_encoding_t encoding, const uint8_t *in,
                                               size_t length, fuzz_capacity_t mode, size_t *written)
{
    size_t exact = 0, bound = 0;
    buf_status_t measured = encode ? buf_encode_length(encoding.production, in, length, &exact)
                                   : buf_decode_length(encoding.production, in, length, &exact);
    buf_status_t bounded = encode ? buf_encode_bound(encoding.production, length, &bound)
                                  : buf_decode_bound(encoding.production, length, &bound);
    FUZZ_ASSERT_MSG(measured == BUF_OK && bounded == BUF_OK, "%s %s of %zu bytes: length %s, bound %s",
                    encoding.name, encode ? "encode" : "decode", length, buf_status_name(measured),
                    buf_status_name(bounded));
    FUZZ_ASSERT_MSG(exact <= bound, "%s %s: exact length %zu above bound %zu", encoding.name,
                    encode ? "encode" : "decode", exact, bound);
    size_t capacity = mode == CAPACITY_BOUND ? bound
                    : mode == CAPACITY_EXACT ? exact
                    : exact + (bound - exact) / 2;
    /* Exact-size heap block: any write past capacity is an ASan report. */
    uint8_t *out = malloc(capacity ? capacity : 1);
    FUZZ_ASSERT(out != NULL);
    *written = SIZE_MAX;
    buf_status_t status = encode ? buf_encode(encoding.production, in, length, out, capacity, written)
                                 : buf_decode(encoding.production, in, length, out, capacity, written);
    FUZZ_ASSERT_MSG(status == BUF_OK, "%s %s of %zu bytes into %zu: %s", encoding.name,
                    encode ? "encode" : "decode", length, capacity, buf_status_name(status));
    FUZZ_ASSERT_MSG(*written == exact, "%s %s: wrote %zu, length function said %zu", encoding.name,
                    encode ? "encode" : "decode", *written, exact);
    if (exact > 0 && mode == CAPACITY_EXACT) {
        uint8_t *small = malloc(exact - 1 ? exact - 1 : 1);
        FUZZ_ASSERT(small != NULL);
        size_t small_written = 0;
        status = encode ? buf_encode(encoding.production, in, length, small, exact - 1, &small_written)
                        : buf_decode(encoding.production, in, length, small, exact - 1, &small_written);
        FUZZ_ASSERT_MSG(status == BUF_ENOSPC, "%s %s into %zu bytes (needs %zu): %s", encoding.name,
                        encode ? "encode" : "decode", exact - 1, exact, buf_status_name(status));
        free(small);
    }
    return out;
}

/* ---- The lossless oracle ---------------------------------------------------------------
 * decode(E, text) lost nothing iff encoding its result gives the text back, up to what
 * the encoding's text form cannot tell apart: hex digits' case; base64's alphabet
 * ('-' '_' for '+' '/') and how much of the final padding is written (none, some, all:
 * Node consumes a partial "QQ=" as padding, so nothing is dropped).  Computed with the
 * reference codec only. */
static inline bool fuzz_decode_is_lossless(int encoding, const uint8_t *text, size_t length)
{
    ref_output_t decoded, again;
    FUZZ_ASSERT(ref_decode(encoding, text, length, &decoded));
    FUZZ_ASSERT(ref_encode(encoding == REF_BASE64URL ? REF_BASE64 : encoding, decoded.data,
                           decoded.length, &again));
    bool lossless;
    if (encoding == REF_HEX) {
        lossless = again.length == length;
        for (size_t i = 0; lossless && i < length; i++) {
            uint8_t c = text[i] >= 'A' && text[i] <= 'F' ? (uint8_t)(text[i] - 'A' + 'a') : text[i];
            lossless = c == again.data[i];
        }
    } else if (encoding == REF_BASE64 || encoding == REF_BASE64URL) {
        size_t unpadded = again.length;
        while (unpadded > 0 && again.data[unpadded - 1] == '=') unpadded--;
        lossless = length >= unpadded && length <= again.length; /* some or all padding */
        for (size_t i = 0; lossless && i < length; i++) {
            uint8_t c = text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i];
            lossless = c == again.data[i];
        }
    } else {
        lossless = again.length == length && memcmp(again.data, text, length) == 0;
    }
    ref_output_release(&decoded);
    ref_output_release(&again);
    return lossless;
}

#endif
