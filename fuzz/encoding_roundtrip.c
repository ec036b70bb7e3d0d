/* encoding_roundtrip — the codecs' own algebra, without any reference.
 *
 * Property, for every encoding E and payload x (read as bytes, then as UTF-8 text t):
 *   - decode(E, encode(E, x)) == x for the lossless cases: latin1, hex, base64 and
 *     base64url always; utf8 when x is well-formed UTF-8; utf16le when x has even
 *     length and no lone surrogate; ascii when every byte is below 0x80;
 *   - encode's output is well-formed UTF-8 of exactly buf_encode_length bytes;
 *   - decode's output is buf_decode_length bytes, within buf_decode_bound, and within
 *     buf_byte_length (equal to it for utf8, utf16le, latin1 and ascii);
 *   - decode -> encode -> decode is stable: with d1 = decode(t), t2 = encode(d1),
 *     d2 = decode(t2): encode(d2) == t2 and decode(encode(d2)) == d2, and d2 == d1 for
 *     every encoding but ascii (whose encode clears bit 7);
 *   - strict mode flags exactly the texts where the lenient decode dropped or replaced
 *     something (the lossless oracle in fuzz_codec.h), reports an offset inside the
 *     text (equal to buf_decode_strict_offset), and for the text encodings everything
 *     before that offset decodes strictly.
 *
 * Input: backend selector (the payload is copied into a block of that backend),
 * encoding/path byte, then the payload (at most FUZZ_CODEC_MAX_INPUT bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"
#include "fuzz_backend.h"
#include "fuzz_codec.h"
#include "fuzz_helpers.h"
#include "reference_codec.h"

typedef struct owned {
    uint8_t *data;
    size_t length;
} owned_t;

static owned_t convert(bool encode, fuzz_encoding_t encoding, const uint8_t *in, size_t length, unsigned path)
{
    owned_t out;
    out.data = fuzz_production_convert(encode, encoding, in, length, (fuzz_capacity_t)(path % CAPACITY_COUNT),
                                       &out.length);
    return out;
}

static bool same(owned_t a, const uint8_t *b, size_t b_length)
{
    return a.length == b_length && (b_length == 0 || memcmp(a.data, b, b_length) == 0);
}

/* utf16le bytes whose code units pair every surrogate. */
static bool utf16le_is_well_formed(const uint8_t *bytes, size_t length)
{
    if (length % 2) return false;
    for (size_t i = 0; i < length; i += 2) {
        unsigned unit = bytes[i] | bytes[i + 1] << 8;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return false;
        if (unit >= 0xD800 && unit <= 0xDBFF) {
            if (i + 3 >= length) return false;
            unsigned next = bytes[i + 2] | bytes[i + 3] << 8;
            if (next < 0xDC00 || next > 0xDFFF) return false;
            i += 2;
        }
    }
    return true;
}

static bool encode_is_lossless(int encoding, const uint8_t *bytes, size_t length)
{
    switch (encoding) {
    case REF_UTF8: return ref_utf8_is_valid(bytes, length);
    case REF_UTF16LE: return utf16le_is_well_formed(bytes, length);
    case REF_ASCII:
        for (size_t i = 0; i < length; i++)
            if (bytes[i] >= 0x80) return false;
        return true;
    default: return true;
    }
}

static void check_bytes_first(fuzz_encoding_t encoding, unsigned path, const uint8_t *bytes, size_t length)
{
    owned_t text = convert(true, encoding, bytes, length, path);
    FUZZ_ASSERT_MSG(ref_utf8_is_valid(text.data, text.length), "%s encode produced ill-formed UTF-8", encoding.name);
    if (encode_is_lossless(encoding.reference, bytes, length)) {
        owned_t back = convert(false, encoding, text.data, text.length, path / CAPACITY_COUNT);
        if (!same(back, bytes, length)) {
            fuzz_dump_hex("bytes", bytes, length);
            fuzz_dump_hex("text", text.data, text.length);
            fuzz_dump_hex("decoded", back.data, back.length);
            FUZZ_ASSERT_MSG(0, "%s: decode(encode(x)) != x", encoding.name);
        }
        free(back.data);
    }
    free(text.data);
}

static void check_strict(fuzz_encoding_t encoding, const uint8_t *text, size_t length, owned_t lenient)
{
    bool lossless = fuzz_decode_is_lossless(encoding.reference, text, length);
    size_t capacity = fuzz_decode_bound(encoding, length);
    uint8_t *out = malloc(capacity ? capacity : 1);
    FUZZ_ASSERT(out != NULL);
    size_t written = 0, bad_offset = SIZE_MAX;
    buf_status_t status = buf_decode_strict(encoding.production, text, length, out, capacity, &written, &bad_offset);
    if (lossless != (status == BUF_OK)) {
        fuzz_dump_hex("text", text, length);
        FUZZ_ASSERT_MSG(0, "%s strict decode says %s (offset %zu) but the lenient decode %s", encoding.name,
                        buf_status_name(status), bad_offset, lossless ? "lost nothing" : "dropped or replaced input");
    }
    FUZZ_ASSERT(bad_offset == fuzz_strict_offset(encoding, text, length));
    if (status == BUF_OK) {
        FUZZ_ASSERT(bad_offset == length && same(lenient, out, written));
    } else {
        FUZZ_ASSERT_MSG(status == BUF_ESTRICT && bad_offset < length, "%s strict: %s at %zu of %zu", encoding.name,
                        buf_status_name(status), bad_offset, length);
        bool text_encoding = encoding.reference <= REF_ASCII;
        if (text_encoding)
            FUZZ_ASSERT_MSG(fuzz_strict_offset(encoding, text, bad_offset) == bad_offset,
                            "%s: the text before strict offset %zu does not decode strictly", encoding.name,
                            bad_offset);
    }
    free(out);
}

static void check_text_first(fuzz_encoding_t encoding, unsigned path, const uint8_t *text, size_t length)
{
    owned_t d1 = convert(false, encoding, text, length, path);
    size_t bound = fuzz_decode_bound(encoding, length);
    size_t byte_length = fuzz_byte_length(encoding, text, length);
    FUZZ_ASSERT_MSG(d1.length <= bound, "%s decode wrote %zu, bound %zu", encoding.name, d1.length, bound);
    FUZZ_ASSERT_MSG(d1.length <= byte_length, "%s decode wrote %zu, byteLength %zu", encoding.name, d1.length,
                    byte_length);
    if (encoding.reference <= REF_ASCII)
        FUZZ_ASSERT_MSG(d1.length == byte_length, "%s decode wrote %zu, byteLength %zu", encoding.name, d1.length,
                        byte_length);

    owned_t t2 = convert(true, encoding, d1.data, d1.length, path / 3);
    owned_t d2 = convert(false, encoding, t2.data, t2.length, path / 9);
    if (encoding.reference != REF_ASCII) FUZZ_ASSERT_MSG(same(d2, d1.data, d1.length), "%s: decode(encode(decode(t))) != decode(t)", encoding.name);
    owned_t t3 = convert(true, encoding, d2.data, d2.length, path);
    owned_t d3 = convert(false, encoding, t3.data, t3.length, path / 3);
    FUZZ_ASSERT_MSG(same(t3, t2.data, t2.length) && same(d3, d2.data, d2.length), "%s: decode/encode not stable",
                    encoding.name);

    check_strict(encoding, text, length, d1);
    free(d1.data);
    free(t2.data);
    free(d2.data);
    free(t3.data);
    free(d3.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_producer_t input = fuzz_producer_make(data, size);
    fuzz_backend_t selected;
    if (!fuzz_backend_open(&input, &selected)) return 0;
    unsigned path;
    fuzz_encoding_t encoding = fuzz_take_encoding(&input, &path);
    size_t length;
    const uint8_t *payload = fuzz_take_bytes(&input, FUZZ_CODEC_MAX_INPUT, &length);

    /* The payload lives in an exact-size block from the selected backend (align 1), so
     * an overread of the input meets a redzone or, with mmap:guard, the guard page. */
    buf_status_t status;
    uint8_t *copy = buf_backend_alloc(selected.backend, length, 1, &status);
    if (copy != NULL) {
        if (length) memcpy(copy, payload, length);
        check_bytes_first(encoding, path, copy, length);
        check_text_first(encoding, path, copy, length);
        buf_backend_free(selected.backend, copy, length, 1);
    } else {
        FUZZ_ASSERT(status == BUF_ENOMEM && selected.injects_failures);
    }

    fuzz_backend_close(&selected);
    return 0;
}
