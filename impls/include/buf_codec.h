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

/* ---- Streaming: the same conversions, chunk by chunk ---------------------------------
 * A buf_codec_stream_t converts one direction of one encoding incrementally: feed the
 * input in chunks of any size (split anywhere: inside a UTF-8 or UTF-16 character, a
 * surrogate pair, a base64 quantum or a hex pair) and the concatenated output is byte
 * for byte the one-shot buf_encode / buf_decode of the whole input.  What a chunk ends
 * in the middle of is held in the state (at most 3 input bytes, plus a pending hex digit
 * or up to three base64 characters).  Where the one-shot decoder stops (hex at the first
 * pair that is not two digits, base64 at the first '='), the stream stops too: the rest of
 * the stream is read and ignored.
 *
 * No allocation: the state is this fixed-size struct, owned by the caller (on the stack,
 * in a struct, anywhere); there is nothing to release.  Its fields are private to the
 * codec layer: read them only through the functions below.
 *
 *   buf_codec_stream_t stream;
 *   buf_codec_stream_init(&stream, BUF_ENC_BASE64, BUF_CODEC_DECODE);
 *   for each chunk:  bound(chunk_length) -> size out; update(chunk, out) -> write `written`
 *   at the end:      finish(out of bound(0) bytes) -> write `written`
 *
 * Modes: BUF_CODEC_ENCODE (bytes -> text, as buf_encode), BUF_CODEC_DECODE (text ->
 * bytes, as buf_decode) and BUF_CODEC_DECODE_STRICT (as buf_decode_strict: BUF_ESTRICT
 * when Node would drop or replace any input, with the offset of the first such byte in
 * the WHOLE stream, exactly buf_decode_strict's offset for the concatenated input).
 * A strict stream reports the error as soon as the offset is certain: in the update that
 * brings the byte (or, for base64, the next data character) or at the latest in finish.
 *
 * Statuses: BUF_EINVAL for bad arguments (see the shared rules above), a finished stream,
 * or strict encode; after an error every later call returns the same status.  *consumed
 * and *written always say what the call did, on error too (never more than out_cap).
 */
#define BUF_CODEC_STREAM_CARRY 4            /* input bytes a stream may hold between chunks */
#define BUF_CODEC_STREAM_MIN_OUTPUT ((size_t)32) /* an out_cap that always makes progress */

typedef enum buf_codec_mode {
    BUF_CODEC_ENCODE = 0,   /* bytes -> UTF-8 text  (buf_encode) */
    BUF_CODEC_DECODE,       /* UTF-8 text -> bytes  (buf_decode) */
    BUF_CODEC_DECODE_STRICT /* UTF-8 text -> bytes  (buf_decode_strict) */
} buf_codec_mode_t;

typedef struct buf_codec_stream {
    /* ---- private: the codec layer's, read through the functions below ---- */
    uint64_t taken;         /* input bytes taken so far (converted, or held in carry) */
    uint64_t bad_offset;    /* after BUF_ESTRICT: the offending byte's offset in the stream */
    uint64_t strict_mark;   /* strict: offset of a pending hex digit / first skipped base64 char */
    uint64_t strict_last;   /* strict base64: offset of the last data character */
    uint32_t bits;          /* hex: the pending digit's code unit; base64: the group so far */
    uint32_t strict_bits;   /* strict hex: the pending digit's unit; base64: sextets mod 4 */
    int32_t status;         /* BUF_OK, or the error every later call returns */
    uint8_t mode;           /* buf_codec_mode_t */
    uint8_t encoding;       /* buf_encoding_t */
    uint8_t finished;       /* finish() was called */
    uint8_t stopped;        /* hex / base64 decode met its stop: the rest is ignored */
    uint8_t pending;        /* hex: a digit is pending (0/1); base64: sextets in the group */
    uint8_t strict_state;   /* strict: per-encoding phase (see codec_stream.c) */
    uint8_t strict_value;   /* strict base64: the last data character's sextet */
    uint8_t carry_length;
    uint8_t carry[BUF_CODEC_STREAM_CARRY]; /* an incomplete character or quantum */
} buf_codec_stream_t;

/* Starts a stream.  BUF_EINVAL: NULL stream, an encoding or mode out of range. */
buf_status_t buf_codec_stream_init(buf_codec_stream_t *stream, buf_encoding_t encoding, buf_codec_mode_t mode);
/* *out = an output capacity that lets the next update consume all `length` input bytes;
 * bound(0) is enough for finish.  BUF_EOVERFLOW if it is above SIZE_MAX. */
buf_status_t buf_codec_stream_bound(const buf_codec_stream_t *stream, size_t length, size_t *out);
/* Converts as much of in[0, length) as fits into out[0, out_cap): all of it when out_cap
 * is at least the bound; *consumed input bytes were used (converted, or held for the next
 * chunk), *written output bytes were written.  Progress (consumed or written > 0) is
 * certain for any non-empty input when out_cap >= BUF_CODEC_STREAM_MIN_OUTPUT; when none
 * is possible, BUF_ENOSPC with nothing done.  Both counters may be NULL. */
buf_status_t buf_codec_stream_update(buf_codec_stream_t *stream, const uint8_t *in, size_t length, uint8_t *out,
                                     size_t out_cap, size_t *consumed, size_t *written);
/* Ends the stream: converts what is held (an incomplete character becomes U+FFFD, a
 * base64 quantum is padded or flushed, an odd utf16le byte is dropped, as one-shot does).
 * Needs out_cap >= bound(0) (else BUF_ENOSPC, nothing done).  No update after it. */
buf_status_t buf_codec_stream_finish(buf_codec_stream_t *stream, uint8_t *out, size_t out_cap, size_t *written);
/* After BUF_ESTRICT: *out = the offset of the first offending byte in the whole stream.
 * BUF_EINVAL if the stream has not failed strict. */
buf_status_t buf_codec_stream_bad_offset(const buf_codec_stream_t *stream, uint64_t *out);

/* ---- Streaming A -> B: decode from A, encode to B, as a composition ------------------
 * The bytes between the two streams pass through a fixed buffer inside the struct, so
 * nothing is allocated here either; the same contract as buf_codec_stream_t (bound,
 * update, finish, strict offset in the whole input: `strict` decodes A strictly).
 */
#define BUF_CODEC_CONVERT_MIDDLE 512 /* bytes between decoder and encoder */

typedef struct buf_codec_convert {
    /* ---- private ---- */
    buf_codec_stream_t decoder, encoder;
    uint32_t middle_start, middle_length;  /* decoded bytes not yet encoded */
    uint8_t middle[BUF_CODEC_CONVERT_MIDDLE];
} buf_codec_convert_t;

buf_status_t buf_codec_convert_init(buf_codec_convert_t *convert, buf_encoding_t from, buf_encoding_t to, bool strict);
buf_status_t buf_codec_convert_bound(const buf_codec_convert_t *convert, size_t length, size_t *out);
buf_status_t buf_codec_convert_update(buf_codec_convert_t *convert, const uint8_t *in, size_t length, uint8_t *out,
                                      size_t out_cap, size_t *consumed, size_t *written);
buf_status_t buf_codec_convert_finish(buf_codec_convert_t *convert, uint8_t *out, size_t out_cap, size_t *written);
buf_status_t buf_codec_convert_bad_offset(const buf_codec_convert_t *convert, uint64_t *out);

/* ---- SIMD level -----------------------------------------------------------------------
 * The converters run SIMD kernels for their hot loops (base64, hex, the ASCII runs of
 * utf8/latin1/ascii/utf16le); every level gives byte for byte the same output, only the
 * speed differs.  The level is chosen once, at the first conversion: the best level this
 * CPU runs, or the one named by the environment variable BUFBENCH_SIMD
 * (scalar|sse42|avx2|avx512).  A named level this machine lacks (the CPU lacks the
 * instructions, or this build has no kernels for it: avx512 has none yet) or an unknown
 * name is refused with one line on stderr, and the best available level is used instead;
 * buf_simd_level() always reports the level really in use.
 */
typedef enum buf_simd_level {
    BUF_SIMD_SCALAR = 0, /* portable C: the reference every other level is tested against */
    BUF_SIMD_SSE42,      /* SSE4.2 (with SSSE3's byte shuffle), 16 bytes per step */
    BUF_SIMD_AVX2,       /* AVX2, 32 bytes per step */
    BUF_SIMD_AVX512,     /* AVX-512BW: no kernels in this build, never available */
    BUF_SIMD_LEVEL_COUNT
} buf_simd_level_t;

/* "scalar", "sse42", "avx2", "avx512"; "unknown" for a value outside the enum. */
const char *buf_simd_level_name(buf_simd_level_t level);
/* Parses a level name (exactly as buf_simd_level_name spells it); BUF_EINVAL otherwise. */
buf_status_t buf_simd_level_parse(const char *name, buf_simd_level_t *out);
/* True if this build has kernels for `level` and this CPU runs them (scalar: always). */
bool buf_simd_level_available(buf_simd_level_t level);
/* The level the converters use (chosen at the first call if no conversion ran yet). */
buf_simd_level_t buf_simd_level(void);
/* Switches the converters to `level` (tests and tools that compare levels in one process).
 * BUF_EINVAL for a level that is out of range or not available here (the level in use
 * stays).  Safe at any time: conversions already running finish at the level they read,
 * and every level gives the same output. */
buf_status_t buf_simd_level_set(buf_simd_level_t level);

#ifdef __cplusplus
}
#endif
#endif
