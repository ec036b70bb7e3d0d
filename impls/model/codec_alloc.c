/* codec_alloc.c — the codec conversions with their result in a block from a backend
 * (buf_encode_alloc, buf_decode_alloc, buf_decode_strict_alloc; buf_model.h).
 *
 * They live in the model, not in the codecs, because a backend is known here: the codecs
 * only ever write into caller memory.  Exactly the output size is allocated (align 1):
 * measuring costs one more read of the input, and a caller holding many results wastes
 * nothing.  Every function zeroes *out first, so buf_bytes_release(out) is always safe.
 */
#include "buf_model.h"

#include "core/core_assert.h"

/* ---- One exact-size conversion ----------------------------------------------------------- */
typedef struct conversion {
    buf_status_t (*exact_length)(buf_encoding_t encoding, const uint8_t *input, size_t length, size_t *out);
    buf_status_t (*convert)(buf_encoding_t encoding, const uint8_t *input, size_t length, uint8_t *dst,
                            size_t dst_capacity, size_t *written);
} conversion_t;

static const conversion_t encoding_conversion = {buf_encode_length, buf_encode};
static const conversion_t decoding_conversion = {buf_decode_length, buf_decode};

static const buf_bytes_t no_bytes = {NULL, 0, 0, NULL};

static buf_status_t convert_alloc(const conversion_t *conversion, buf_backend_t *backend, buf_encoding_t encoding,
                                  const uint8_t *input, size_t length, buf_bytes_t *out)
{
    if (!out)
        return BUF_EINVAL;
    *out = no_bytes;
    if (!backend)
        return BUF_EINVAL;
    size_t size = 0;
    buf_status_t status = conversion->exact_length(encoding, input, length, &size); /* checks the rest */
    if (status != BUF_OK)
        return status;
    uint8_t *data = buf_backend_alloc(backend, size, 1, &status);
    if (!data)
        return status != BUF_OK ? status : BUF_ENOMEM;
    *out = (buf_bytes_t){data, 0, size, backend};
    status = conversion->convert(encoding, input, length, out->data, out->capacity, &out->length);
    /* the block is exactly the measured size: the converter cannot fail or write less */
    BUF_ASSERT(status == BUF_OK && out->length == out->capacity);
    if (status != BUF_OK)
        buf_bytes_release(out); /* keep the promise: nothing allocated after a failure */
    return status;
}

/* ---- The public functions ------------------------------------------------------------------ */
buf_status_t buf_encode_alloc(buf_backend_t *backend, buf_encoding_t encoding, const uint8_t *bytes, size_t length,
                              buf_bytes_t *out)
{
    return convert_alloc(&encoding_conversion, backend, encoding, bytes, length, out);
}

buf_status_t buf_decode_alloc(buf_backend_t *backend, buf_encoding_t encoding, const uint8_t *text, size_t length,
                              buf_bytes_t *out)
{
    return convert_alloc(&decoding_conversion, backend, encoding, text, length, out);
}

buf_status_t buf_decode_strict_alloc(buf_backend_t *backend, buf_encoding_t encoding, const uint8_t *text,
                                     size_t length, buf_bytes_t *out, size_t *bad_offset)
{
    if (!out)
        return BUF_EINVAL;
    *out = no_bytes;
    if (!backend)
        return BUF_EINVAL;
    size_t bad = 0;
    const buf_status_t status = buf_decode_strict_offset(encoding, text, length, &bad); /* checks the rest */
    if (status != BUF_OK)
        return status;
    if (bad_offset)
        *bad_offset = bad;
    if (bad < length)
        return BUF_ESTRICT; /* checked before anything is allocated */
    return buf_decode_alloc(backend, encoding, text, length, out);
}
