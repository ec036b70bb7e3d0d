/* buf_codec.h — Node.js v20's seven encodings, with UTF-8 as the text side.
 *
 * Words (DESIGN.md): ENCODE means bytes -> text (Node's buf.toString(E)); DECODE means
 * text -> bytes (Node's Buffer.from(text, E)).  C has no JS strings, so text is always
 * UTF-8:
 *   encode(E, b)  == Buffer.from(b.toString(E), 'utf8')      (lone surrogates -> U+FFFD)
 *   decode(E, t)  == Buffer.from(Buffer.from(t).toString('utf8'), E)
 * i.e. the UTF-8 text is first read as Node reads it (invalid sequences -> U+FFFD), then
 * Node's decoder for E runs on the UTF-16 code units, quirks included.
 *
 * No function here allocates except the *_alloc convenience functions, which take their
 * memory from a backend (buf_backend.h).
 */
#ifndef BUF_CODEC_H
#define BUF_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "buf_status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum buf_encoding {
    BUF_ENC_UTF8 = 0,
    BUF_ENC_UTF16LE,
    BUF_ENC_LATIN1,
    BUF_ENC_ASCII,
    BUF_ENC_HEX,
    BUF_ENC_BASE64,
    BUF_ENC_BASE64URL,
    BUF_ENC_COUNT
} buf_encoding_t;

/* Parses a Node encoding name or alias, case-insensitively ("utf8", "UTF-8", "ucs2",
 * "ucs-2", "utf16le", "utf-16le", "latin1", "binary", "ascii", "hex", "base64",
 * "base64url").  BUF_EUNKNOWN_ENCODING otherwise (also for NULL). */
buf_status_t buf_encoding_parse(const char *name, buf_encoding_t *out);
/* Canonical name ("utf8", "utf16le", ...); "unknown" for values out of range. */
const char *buf_encoding_name(buf_encoding_t encoding);

/* ---- encode: bytes -> UTF-8 text ----------------------------------------------------- */
/* Exact number of UTF-8 bytes buf_encode writes for these input bytes. */
size_t buf_encode_length(buf_encoding_t encoding, const uint8_t *bytes, size_t length);
/* Upper bound on buf_encode's output for any `length` input bytes (no input needed);
 * SIZE_MAX if the bound overflows. */
size_t buf_encode_bound(buf_encoding_t encoding, size_t length);
/* Writes the text into dst (capacity dst_capacity) and its length into *written.
 * BUF_ENOSPC (nothing promised about dst) if dst is too small; BUF_EINVAL for NULL
 * pointers with non-zero lengths or an out-of-range encoding. */
buf_status_t buf_encode(buf_encoding_t encoding, const uint8_t *bytes, size_t length,
                        uint8_t *dst, size_t dst_capacity, size_t *written);

/* ---- decode: UTF-8 text -> bytes ----------------------------------------------------- */
/* Exact number of bytes buf_decode writes for this text. */
size_t buf_decode_length(buf_encoding_t encoding, const uint8_t *text, size_t length);
/* Upper bound on buf_decode's output for any text of `length` UTF-8 bytes. */
size_t buf_decode_bound(buf_encoding_t encoding, size_t length);
/* Node's Buffer.byteLength(string, E) where string is the UTF-8 text read as Node reads
 * it (for base64/base64url this is Node's estimate, which may exceed the decoded size). */
size_t buf_byte_length(buf_encoding_t encoding, const uint8_t *text, size_t length);
/* Lenient decode, exactly as Node. Errors as buf_encode. */
buf_status_t buf_decode(buf_encoding_t encoding, const uint8_t *text, size_t length,
                        uint8_t *dst, size_t dst_capacity, size_t *written);
/* Strict decode: as buf_decode, but if Node would silently drop or replace any input
 * (invalid UTF-8 in the text, a bad hex pair or odd trailing nibble, an unknown base64
 * character or data after '=', a code point that ascii/latin1 truncate to its low byte),
 * returns BUF_ESTRICT and sets *bad_offset to the byte offset in `text` of the first such
 * input.  On success *bad_offset is set to `length`. */
buf_status_t buf_decode_strict(buf_encoding_t encoding, const uint8_t *text, size_t length,
                               uint8_t *dst, size_t dst_capacity, size_t *written,
                               size_t *bad_offset);

/* ---- convenience: results allocated from a backend ----------------------------------- */
/* A block from a backend: release it with buf_bytes_release (which calls
 * buf_backend_free(backend, data, capacity, 1)). */
typedef struct buf_bytes {
    uint8_t *data;
    size_t length;   /* bytes of output */
    size_t capacity; /* bytes allocated (>= length) */
    buf_backend_t *backend;
} buf_bytes_t;

buf_status_t buf_encode_alloc(buf_backend_t *backend, buf_encoding_t encoding,
                              const uint8_t *bytes, size_t length, buf_bytes_t *out);
buf_status_t buf_decode_alloc(buf_backend_t *backend, buf_encoding_t encoding,
                              const uint8_t *text, size_t length, buf_bytes_t *out);
void buf_bytes_release(buf_bytes_t *bytes);

#ifdef __cplusplus
}
#endif
#endif
