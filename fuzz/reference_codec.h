/* reference_codec.h — an independent, deliberately plain model of Node v20's encodings.
 *
 * Written from the rules (DESIGN.md's UTF-8 text contract, Node's observed behaviour
 * checked with `node -e`), sharing no code, tables or headers with impls/: the
 * differential target compares the production codecs against it byte for byte, so the
 * two must not be able to share a mistake.  Speed is irrelevant here; every step is the
 * most literal reading of the rule it implements.
 *
 *   encode(E, bytes)  = Buffer.from(bytes.toString(E), 'utf8')         bytes -> UTF-8 text
 *   decode(E, text)   = Buffer.from(Buffer.from(text).toString(), E)   UTF-8 text -> bytes
 *
 * Encodings are numbered in Node's documentation order; ref_encoding_name gives the
 * canonical name, which is how callers map them to any other API.
 */
#ifndef REFERENCE_CODEC_H
#define REFERENCE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    REF_UTF8,
    REF_UTF16LE,
    REF_LATIN1,
    REF_ASCII,
    REF_HEX,
    REF_BASE64,
    REF_BASE64URL,
    REF_ENCODING_COUNT
};

/* "utf8", "utf16le", "latin1", "ascii", "hex", "base64", "base64url"; NULL if out of range. */
const char *ref_encoding_name(int encoding);

/* A malloc'd result; release with ref_output_release. */
typedef struct ref_output {
    uint8_t *data;
    size_t length;
} ref_output_t;

/* bytes -> UTF-8 text.  Returns false only if malloc fails. */
bool ref_encode(int encoding, const uint8_t *bytes, size_t length, ref_output_t *out);
/* UTF-8 text -> bytes.  Returns false only if malloc fails. */
bool ref_decode(int encoding, const uint8_t *text, size_t length, ref_output_t *out);
/* Node's Buffer.byteLength(string, E) of the text read as Node reads it. */
size_t ref_byte_length(int encoding, const uint8_t *text, size_t length);
/* True if `text` is well-formed UTF-8 (what Node reads without any U+FFFD replacement). */
bool ref_utf8_is_valid(const uint8_t *text, size_t length);

void ref_output_release(ref_output_t *out);

#endif
