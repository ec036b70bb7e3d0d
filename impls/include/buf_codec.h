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
 * No function here allocates: every converter writes into caller memory, so the codecs
 * need no backend (the *_alloc functions that return a backend block are the buffer
 * model's: buf_model.h).  Input and output must not overlap.
 *
 * Statuses: every function that can fail returns a buf_status_t and hands its result out
 * through a pointer; no size or offset doubles as an error.  Shared rules:
 *   - BUF_EINVAL: an encoding outside buf_encoding_t, a NULL input with a non-zero
 *     length, a NULL output with a non-zero capacity, or a NULL result pointer where one
 *     is required.  NULL is fine for an empty input or a zero-capacity output.
 *   - BUF_EOVERFLOW: a size above SIZE_MAX.  A bound can overflow only for an input of
 *     more than SIZE_MAX / 3 bytes (utf8 may triple a size, the others at most double
 *     it): on a 64-bit system no real input is that long, so it means a wrong length.
 *     An exact length (and a conversion) reports BUF_EOVERFLOW exactly when its
 *     direction's bound does: the exact size is never above the bound.
 *   - On failure the result pointer (*out) is left untouched, except *written, which
 *     the converters set to 0 first.
 * buf_encoding_name is the one function without a status: it only names a value for
 * printing, and an out-of-range value is named "unknown".
 *
 * Quirks kept from Node (each one checked against Node v20 by scripts/node-diff codecs):
 *   - utf8: each maximal ill-formed subpart becomes U+FFFD (EF BF BD); a BOM is kept.
 *   - utf16le encode drops an odd last byte; lone surrogates become U+FFFD in the text.
 *   - ascii encode clears bit 7; ascii and latin1 decode keep the low byte of each UTF-16
 *     code unit (U+20AC -> AC; U+1F600 is the pair D83D DE00 -> 3D 00).
 *   - hex decode stops at the first pair that is not two digits and drops an odd last digit.
 *   - base64 and base64url decode alike: both alphabets, unknown characters skipped,
 *     stop at the first '=' (also at any code unit whose low byte is '=').
 *   - hex and base64 decode read the low byte of each code unit (U+0131 is '1' in hex).
 */
#ifndef BUF_CODEC_H
#define BUF_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/* Upper bound on buf_encode's output for any `length` input bytes (no input needed):
 * *out = the bound; BUF_EOVERFLOW if it is above SIZE_MAX. */
buf_status_t buf_encode_bound(buf_encoding_t encoding, size_t length, size_t *out);
/* *out = exactly the number of UTF-8 bytes buf_encode writes for these input bytes (one
 * pass over the input; hex, ascii and base64 need none). */
buf_status_t buf_encode_length(buf_encoding_t encoding, const uint8_t *bytes, size_t length, size_t *out);
/* Writes the text into dst (capacity dst_capacity) and its length into *written (may be
 * NULL).  A destination of at least buf_encode_bound bytes is always enough; a smaller
 * one is measured first.  BUF_ENOSPC (nothing promised about dst) if dst is too small. */
buf_status_t buf_encode(buf_encoding_t encoding, const uint8_t *bytes, size_t length,
                        uint8_t *dst, size_t dst_capacity, size_t *written);

/* ---- decode: UTF-8 text -> bytes ----------------------------------------------------- */
/* Upper bound on buf_decode's output for any text of `length` UTF-8 bytes. */
buf_status_t buf_decode_bound(buf_encoding_t encoding, size_t length, size_t *out);
/* *out = exactly the number of bytes buf_decode writes for this text. */
buf_status_t buf_decode_length(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t *out);
/* *out = Node's Buffer.byteLength(string, E) where string is the UTF-8 text read as Node
 * reads it (for base64/base64url this is Node's estimate, which may exceed the decoded
 * size; for hex it is half the code units, whatever they are).  Never above
 * buf_decode_bound, and BUF_EOVERFLOW exactly when that bound is. */
buf_status_t buf_byte_length(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t *out);
/* Lenient decode, exactly as Node.  Errors as buf_encode. */
buf_status_t buf_decode(buf_encoding_t encoding, const uint8_t *text, size_t length,
                        uint8_t *dst, size_t dst_capacity, size_t *written);
/* Strict decode: as buf_decode, but if Node would silently drop or replace any input,
 * returns BUF_ESTRICT (nothing promised about dst, *written = 0) and sets *bad_offset to
 * the byte offset in `text` of the first such input.  On success *bad_offset is set to
 * `length`.  Both out pointers may be NULL.  What counts as dropped or replaced, per
 * encoding:
 *   every encoding   ill-formed UTF-8 (Node reads it as U+FFFD): the subpart's first byte;
 *   utf8, utf16le    nothing else;
 *   latin1           a code point above U+00FF (only its low byte is kept);
 *   ascii            a code point above U+007F (the output byte would not be ASCII);
 *   hex              the first character of a pair Node drops (a non-digit in it, or an odd
 *                    last digit), or a non-ASCII character read through its low byte;
 *   base64(url)      a character outside both alphabets (whitespace included), a non-ASCII
 *                    character, a single leftover character, non-zero unused bits in the last
 *                    character, '=' where no padding belongs, anything after the padding.
 *                    Both alphabets and unpadded or fully padded endings are accepted.
 * Errors as buf_decode; BUF_ESTRICT is reported before BUF_ENOSPC and BUF_EOVERFLOW. */
buf_status_t buf_decode_strict(buf_encoding_t encoding, const uint8_t *text, size_t length,
                               uint8_t *dst, size_t dst_capacity, size_t *written,
                               size_t *bad_offset);
/* *out = the offset buf_decode_strict would report: the first byte of `text` that Node
 * would drop or replace when decoding it in `encoding`, or `length` if there is none.
 * BUF_OK in both cases (the answer is the offset); BUF_EINVAL for bad arguments. */
buf_status_t buf_decode_strict_offset(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t *out);

#ifdef __cplusplus
}
#endif
#endif
