/* buf_model.h — the buffer model: ArrayBuffer, typed views, DataView and Node's Buffer,
 * exact to Node.js v20 (V8 11.3) and checked against it (scripts/node-diff model).
 *
 * The model in one picture:
 *
 *     buf_arraybuffer_t (refcounted)      its data: one block from a backend
 *       +-----------------+               +---------------------------------------------+
 *       | header (private)|-------------->| max_byte_length bytes reserved               |
 *       +-----------------+               +---------------------------------------------+
 *                                           ^ byte_length bytes are live (<= max_byte_length)
 *        ^        ^        ^
 *        |        |        +-- buf_buffer_t   (Node Buffer = a Uint8 typed view)
 *        |        +----------- buf_dataview_t
 *        +-------------------- buf_typed_t    (one of 11 kinds)
 *
 * Ownership (who releases what):
 *   - An ArrayBuffer's data is one block of exactly max_byte_length bytes from the
 *     backend it was created with (the small header is the model's own, as V8 keeps the
 *     object apart from its backing store); it carries a reference count.  Every
 *     function that hands out a buf_arraybuffer_t* hands out ONE reference, released
 *     with buf_arraybuffer_release; the last release frees the block to that backend.
 *     The backend must outlive every ArrayBuffer made from it.
 *   - Views (buf_typed_t, buf_dataview_t, buf_buffer_t) are small value structs the caller
 *     owns (on the stack, in an array, anywhere).  A successfully constructed view holds
 *     one reference to its ArrayBuffer: THE VIEW KEEPS ITS BACKING STORE ALIVE until
 *     buf_typed_release / buf_dataview_release / buf_buffer_release.  Releasing a view
 *     zeroes it; releasing a zeroed view is a no-op.  Copying the struct does NOT add a
 *     reference (use buf_typed_clone for a second owner).
 *   - Failed calls leave *out untouched (buf_buffer_to_string's exception is noted
 *     there) and keep nothing allocated; the memory of every view is unchanged after any
 *     failing call (all checks run before the first write).
 *   - Strings produced by buf_buffer_to_string come from the Buffer's backend as a
 *     buf_bytes_t (buf_bytes.h); release with buf_bytes_release.
 *
 * Resizable buffers: buf_arraybuffer_alloc_resizable reserves max_byte_length bytes up
 * front (one allocation; resize never moves the data), so a view's pointer arithmetic
 * stays valid across resizes and growth only zero-fills.  Every view access re-reads the
 * buffer's current byte_length: a shrunk buffer makes a fixed view "out of bounds"
 * (BUF_EDETACHED, Node's TypeError), never a dangling access.
 *
 * C types (DESIGN.md): offsets and lengths are int64_t, negative values mean what they
 * mean in Node (relative indices where Node allows them, errors where it does not);
 * BUF_OMITTED stands for a JS argument left undefined.  Element values are double; the
 * BigInt kinds take int64_t / uint64_t.  Encodings are Node names (case-insensitive,
 * aliases included); NULL means Node's default ('utf8').  Text is UTF-8 (DESIGN.md).
 *
 * Statuses (buf_status.h) mirror Node's error class:
 *   RangeError -> BUF_ERANGE, TypeError -> BUF_ETYPE, out-of-bounds view (TypeError
 *   "detached") -> BUF_EDETACHED, ERR_OUT_OF_RANGE -> BUF_EOUT_OF_RANGE,
 *   ERR_BUFFER_OUT_OF_BOUNDS -> BUF_EBUFFER_OUT_OF_BOUNDS, ERR_INVALID_ARG_VALUE ->
 *   BUF_EINVALID_ARG_VALUE, ERR_UNKNOWN_ENCODING -> BUF_EUNKNOWN_ENCODING, allocation
 *   failure -> BUF_ENOMEM.  NULL pointers and misuse of the C API (e.g. a Buffer
 *   function on a Float32 view) -> BUF_EINVAL.  Where JS returns `undefined` for an
 *   index out of range (ta[i]) the C API reports BUF_ERANGE and writes nothing.
 *
 * Threads: the reference count is atomic (as V8's BackingStore is shared), so
 * references may be taken and dropped on any thread, and the last release frees the
 * block on whichever thread it happens (every backend frees across threads).  The
 * bytes, the length (resize) and the view structs are not synchronised: threads that
 * touch the same ArrayBuffer's contents at once, or resize it, need their own lock.  A
 * stream hands a chunk over by passing a view (its reference) through a queue.
 */
#ifndef BUF_MODEL_H
#define BUF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "buf_bytes.h"
#include "buf_codec.h"
#include "buf_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A JS argument left `undefined` (e.g. new Uint8Array(ab, 4) passes length = BUF_OMITTED).
 * Every int64_t argument accepts it, with Node's meaning: ToIndex(undefined) = 0 for
 * ArrayBuffer/typed/DataView lengths and indices (resize(), new Int8Array(),
 * dv.getUint8(), ta.set(src)), "the default" for optional Buffer arguments, and
 * BUF_EINVALID_ARG_TYPE where Node requires a number (Buffer.alloc(undefined),
 * readUIntLE(undefined, n)).  { maxByteLength: undefined } makes a fixed buffer. */
#define BUF_OMITTED INT64_MIN
/* Largest ArrayBuffer byte length (Number.MAX_SAFE_INTEGER, V8's limit). */
#define BUF_MAX_BYTE_LENGTH ((int64_t)9007199254740991)
/* Largest Buffer length (require('buffer').constants.MAX_LENGTH in Node v20). */
#define BUF_BUFFER_MAX_LENGTH ((int64_t)4294967296)

/* ==== ArrayBuffer ====================================================================== */
typedef struct buf_arraybuffer buf_arraybuffer_t;

/* new ArrayBuffer(byte_length): zero-filled, fixed length.  The returned reference is the
 * caller's.  BUF_ERANGE for byte_length < 0 or > BUF_MAX_BYTE_LENGTH; BUF_ENOMEM when the
 * backend fails (Node: RangeError "Array buffer allocation failed"); BUF_EINVAL for NULL. */
buf_status_t buf_arraybuffer_alloc(buf_backend_t *backend, int64_t byte_length, buf_arraybuffer_t **out);
/* As alloc, contents unspecified (Node's Buffer.allocUnsafe memory). */
buf_status_t buf_arraybuffer_alloc_unsafe(buf_backend_t *backend, int64_t byte_length, buf_arraybuffer_t **out);
/* new ArrayBuffer(byte_length, { maxByteLength }): reserves max_byte_length bytes at once,
 * zero-filled.  BUF_ERANGE if byte_length > max_byte_length or either is out of range. */
buf_status_t buf_arraybuffer_alloc_resizable(buf_backend_t *backend, int64_t byte_length,
                                             int64_t max_byte_length, buf_arraybuffer_t **out);
/* Adds a reference; returns ab. */
buf_arraybuffer_t *buf_arraybuffer_retain(buf_arraybuffer_t *ab);
/* Drops a reference; the last one frees the block to its backend.  NULL is a no-op. */
void buf_arraybuffer_release(buf_arraybuffer_t *ab);
int64_t buf_arraybuffer_byte_length(const buf_arraybuffer_t *ab);
/* maxByteLength: equals byte_length for a fixed buffer. */
int64_t buf_arraybuffer_max_byte_length(const buf_arraybuffer_t *ab);
bool buf_arraybuffer_is_resizable(const buf_arraybuffer_t *ab);
size_t buf_arraybuffer_refcount(const buf_arraybuffer_t *ab);
buf_backend_t *buf_arraybuffer_backend(const buf_arraybuffer_t *ab);
/* The bytes [0, byte_length): valid while a reference is held; never moves (resize keeps
 * the reservation).  Never NULL for a live buffer, even of length 0. */
uint8_t *buf_arraybuffer_data(buf_arraybuffer_t *ab);
/* ab.resize(new_byte_length): BUF_ETYPE for a fixed buffer, BUF_ERANGE outside
 * [0, max_byte_length].  Growth zero-fills the new bytes. */
buf_status_t buf_arraybuffer_resize(buf_arraybuffer_t *ab, int64_t new_byte_length);
/* ab.slice(begin, end): a NEW fixed ArrayBuffer (a copy, from ab's backend) of the
 * clamped relative range; end may be BUF_OMITTED.  The caller owns the new reference. */
buf_status_t buf_arraybuffer_slice(buf_arraybuffer_t *ab, int64_t begin, int64_t end, buf_arraybuffer_t **out);

/* ==== Typed views ====================================================================== */
typedef enum buf_kind {
    BUF_KIND_INT8 = 0,
    BUF_KIND_UINT8,
    BUF_KIND_UINT8_CLAMPED,
    BUF_KIND_INT16,
    BUF_KIND_UINT16,
    BUF_KIND_INT32,
    BUF_KIND_UINT32,
    BUF_KIND_FLOAT32,
    BUF_KIND_FLOAT64,
    BUF_KIND_BIGINT64,
    BUF_KIND_BIGUINT64,
    BUF_KIND_COUNT
} buf_kind_t;

/* "Int8Array", ... ("unknown" out of range). */
const char *buf_kind_name(buf_kind_t kind);
/* BYTES_PER_ELEMENT (0 for an invalid kind). */
size_t buf_kind_size(buf_kind_t kind);
bool buf_kind_is_bigint(buf_kind_t kind);
/* Parses "Int8Array"/"Int8" (case-sensitive JS names, "Array" suffix optional). */
buf_status_t buf_kind_parse(const char *name, buf_kind_t *out);

/* A typed view: read its fields through the functions below.  Holds one reference to
 * `buffer` from construction until buf_typed_release. */
typedef struct buf_typed {
    buf_arraybuffer_t *buffer;
    buf_kind_t kind;
    bool length_tracking; /* [[ArrayLength]] auto: follows a resizable buffer's length */
    int64_t byte_offset;  /* [[ByteOffset]] as constructed (the getter may report 0) */
    int64_t fixed_length; /* element count when !length_tracking */
} buf_typed_t;

/* new T(length): a fresh zeroed ArrayBuffer from `backend`, owned by the view alone.
 * BUF_ERANGE for length < 0 or too large; BUF_ENOMEM. */
buf_status_t buf_typed_new(buf_backend_t *backend, buf_kind_t kind, int64_t length, buf_typed_t *out);
/* new T(ab, byte_offset, length); byte_offset / length may be BUF_OMITTED.  RangeError
 * rules of ECMAScript (as V8 11.3 applies them): negative, misaligned offset, length
 * not covering the buffer, byte length not a multiple of the element size when length
 * is omitted -> BUF_ERANGE.  Omitted length on a resizable buffer -> length-tracking. */
buf_status_t buf_typed_from_buffer(buf_kind_t kind, buf_arraybuffer_t *ab, int64_t byte_offset,
                                   int64_t length, buf_typed_t *out);
/* A second owner of the same view (adds a reference). */
void buf_typed_clone(const buf_typed_t *view, buf_typed_t *out);
void buf_typed_release(buf_typed_t *view);

/* IsTypedArrayOutOfBounds against the buffer's current length. */
bool buf_typed_is_out_of_bounds(const buf_typed_t *view);
/* ta.length / ta.byteLength / ta.byteOffset: 0 when out of bounds, as the getters do. */
int64_t buf_typed_length(const buf_typed_t *view);
int64_t buf_typed_byte_length(const buf_typed_t *view);
int64_t buf_typed_byte_offset(const buf_typed_t *view);

/* ta[index] for the number kinds.  BUF_EDETACHED if the view is out of bounds,
 * BUF_ERANGE if index is not in [0, length) (JS: undefined), BUF_ETYPE on a BigInt kind. */
buf_status_t buf_typed_get(const buf_typed_t *view, int64_t index, double *out);
/* ta[index] = value, converted exactly as ECMAScript (ToInt8 ... ToFloat32 / Float64).
 * BUF_ETYPE on a BigInt kind (JS: "Cannot convert ... to a BigInt"), checked first;
 * then BUF_EDETACHED / BUF_ERANGE as for get (JS silently ignores the write). */
buf_status_t buf_typed_set(const buf_typed_t *view, int64_t index, double value);
/* BigInt64Array element (BUF_ETYPE on any other kind). */
buf_status_t buf_typed_get_bigint(const buf_typed_t *view, int64_t index, int64_t *out);
/* BigUint64Array element (BUF_ETYPE on any other kind). */
buf_status_t buf_typed_get_biguint(const buf_typed_t *view, int64_t index, uint64_t *out);
/* Stores a BigInt into either BigInt kind (wrapping modulo 2^64 as ToBigInt64 /
 * ToBigUint64 do).  BUF_ETYPE on a number kind ("Cannot convert a BigInt ..."). */
buf_status_t buf_typed_set_bigint(const buf_typed_t *view, int64_t index, int64_t value);
buf_status_t buf_typed_set_biguint(const buf_typed_t *view, int64_t index, uint64_t value);
/* Bulk element access: elements [index, index + count) in one call, with exactly the
 * values the per-element functions above give or store (same conversions: wrap, clamp
 * with round-half-even, Math.fround, NaN -> 0), at the cost of a plain C loop.  The checks
 * run ONCE, in this order: BUF_EINVAL (dead view, or NULL array with count > 0); BUF_ETYPE
 * (a BigInt kind for the number calls, any other kind for the BigInt calls: get_bigint
 * wants BigInt64, get_biguint BigUint64, the sets take either BigInt kind); BUF_EDETACHED
 * if the view is out of bounds (detached, or shrunk by a resize); BUF_ERANGE unless
 * 0 <= index and index + count <= length.  On any failure nothing is read or written and
 * `out` is untouched; count 0 with a valid index is BUF_OK.  The caller's array must not
 * overlap the view's bytes. */
buf_status_t buf_typed_get_range(const buf_typed_t *view, int64_t index, size_t count, double *out);
buf_status_t buf_typed_set_range(const buf_typed_t *view, int64_t index, size_t count, const double *values);
buf_status_t buf_typed_get_bigint_range(const buf_typed_t *view, int64_t index, size_t count, int64_t *out);
buf_status_t buf_typed_get_biguint_range(const buf_typed_t *view, int64_t index, size_t count, uint64_t *out);
buf_status_t buf_typed_set_bigint_range(const buf_typed_t *view, int64_t index, size_t count, const int64_t *values);
buf_status_t buf_typed_set_biguint_range(const buf_typed_t *view, int64_t index, size_t count,
                                         const uint64_t *values);
/* ta.subarray(begin, end): a new view (same kind, same buffer, one more reference) over
 * the clamped relative range; both may be BUF_OMITTED.  A length-tracking view with end
 * omitted gives a length-tracking view.  BUF_ERANGE if the range no longer fits. */
buf_status_t buf_typed_subarray(const buf_typed_t *view, int64_t begin, int64_t end, buf_typed_t *out);
/* target.set(source, offset): copies source's elements to target[offset...], converting
 * between kinds as the spec does; overlap-safe (same buffer: the source is cloned first,
 * in a block from target's backend, so BUF_ENOMEM is possible).  Checks in V8's order:
 * offset < 0 -> BUF_ERANGE; either view out of bounds -> BUF_EDETACHED; source too long
 * for target[offset...] -> BUF_ERANGE; one a BigInt kind and the other not -> BUF_ETYPE. */
buf_status_t buf_typed_set_from(const buf_typed_t *target, const buf_typed_t *source, int64_t offset);
/* target.set(array, offset) for a JS array of numbers (number kinds only). */
buf_status_t buf_typed_set_array(const buf_typed_t *target, const double *values, size_t count, int64_t offset);

/* ==== DataView ========================================================================= */
typedef struct buf_dataview {
    buf_arraybuffer_t *buffer;
    bool length_tracking;
    int64_t byte_offset;
    int64_t fixed_byte_length;
} buf_dataview_t;

/* new DataView(ab, byte_offset, byte_length); either may be BUF_OMITTED.  BUF_ERANGE for
 * negative or out-of-range values; omitted length on a resizable buffer tracks it. */
buf_status_t buf_dataview_new(buf_arraybuffer_t *ab, int64_t byte_offset, int64_t byte_length, buf_dataview_t *out);
void buf_dataview_release(buf_dataview_t *view);
bool buf_dataview_is_out_of_bounds(const buf_dataview_t *view);
/* dv.byteLength / dv.byteOffset: BUF_EDETACHED when out of bounds (the getters throw). */
buf_status_t buf_dataview_byte_length(const buf_dataview_t *view, int64_t *out);
buf_status_t buf_dataview_byte_offset(const buf_dataview_t *view, int64_t *out);
/* dv.getInt8 ... getFloat64 and dv.setInt8 ... setFloat64 by kind.  Big-endian unless
 * little_endian.  Order of checks as the spec: index < 0 -> BUF_ERANGE; view out of
 * bounds -> BUF_EDETACHED; index + width > byteLength -> BUF_ERANGE.
 * BUF_KIND_UINT8_CLAMPED is no DataView width -> BUF_EINVAL.  A BigInt kind:
 *   get -> BUF_EINVAL (a BigInt is no double: use the bigint getters below);
 *   set is Node's dv.setBigInt64(index, number), whose ToBigInt throws after ToIndex and
 *       before any bounds check: index < 0 -> BUF_ERANGE, otherwise BUF_ETYPE (also on
 *       an out-of-bounds view or an index past the end). */
buf_status_t buf_dataview_get(const buf_dataview_t *view, buf_kind_t kind, int64_t byte_index,
                              bool little_endian, double *out);
buf_status_t buf_dataview_set(const buf_dataview_t *view, buf_kind_t kind, int64_t byte_index,
                              double value, bool little_endian);
buf_status_t buf_dataview_get_bigint64(const buf_dataview_t *view, int64_t byte_index, bool little_endian, int64_t *out);
buf_status_t buf_dataview_get_biguint64(const buf_dataview_t *view, int64_t byte_index, bool little_endian, uint64_t *out);
buf_status_t buf_dataview_set_bigint64(const buf_dataview_t *view, int64_t byte_index, int64_t value, bool little_endian);
buf_status_t buf_dataview_set_biguint64(const buf_dataview_t *view, int64_t byte_index, uint64_t value, bool little_endian);

/* ==== Buffer (Node's API over a Uint8 view) ============================================ */
/* A Buffer IS a Uint8 typed view (kind BUF_KIND_UINT8): every buf_typed_* function works
 * on it, and it keeps its ArrayBuffer alive until buf_buffer_release.  Buffer functions
 * given a view of another kind return BUF_EINVAL.  A Buffer's length is its view's
 * current length (0 once a shrunk resizable buffer leaves it out of bounds). */
typedef buf_typed_t buf_buffer_t;

/* Buffer.alloc(size): zeroed, its own ArrayBuffer from `backend`.  BUF_EOUT_OF_RANGE for
 * size < 0 or > BUF_BUFFER_MAX_LENGTH; BUF_ENOMEM. */
buf_status_t buf_buffer_alloc(buf_backend_t *backend, int64_t size, buf_buffer_t *out);
/* Buffer.allocUnsafe(size): contents unspecified. */
buf_status_t buf_buffer_alloc_unsafe(buf_backend_t *backend, int64_t size, buf_buffer_t *out);
/* Buffer.from(array of bytes): a copy. */
buf_status_t buf_buffer_from_bytes(buf_backend_t *backend, const uint8_t *bytes, size_t length, buf_buffer_t *out);
/* Buffer.from(string, encoding): decodes UTF-8 text (DESIGN.md's decode). */
buf_status_t buf_buffer_from_string(buf_backend_t *backend, const char *text, size_t text_length,
                                    const char *encoding, buf_buffer_t *out);
/* Buffer.from(arrayBuffer, byteOffset, length): shares ab's memory (adds a reference).
 * BUF_EBUFFER_OUT_OF_BOUNDS if the offset or length exceeds the buffer; a negative
 * offset reaches the typed-array constructor (BUF_ERANGE), a negative length means 0. */
buf_status_t buf_buffer_from_arraybuffer(buf_arraybuffer_t *ab, int64_t byte_offset, int64_t length, buf_buffer_t *out);
void buf_buffer_release(buf_buffer_t *buf);
int64_t buf_buffer_length(const buf_buffer_t *buf);
/* First byte of the Buffer's current bytes (valid while the Buffer is held and the buffer
 * not shrunk); NULL if the view is not a live Uint8 view. */
uint8_t *buf_buffer_data(const buf_buffer_t *buf);

/* buf.toString(encoding, start, end): start/end may be BUF_OMITTED; clamped as Node does
 * (an empty range gives "" before the encoding is even looked at).  The text is UTF-8,
 * allocated from the Buffer's backend into *out (release with buf_bytes_release); on
 * BUF_ENOMEM *out is left empty ({NULL, 0, 0, NULL}), on other errors untouched. */
buf_status_t buf_buffer_to_string(const buf_buffer_t *buf, const char *encoding, int64_t start, int64_t end,
                                  buf_bytes_t *out);
/* Buffer.byteLength(string, encoding); an unknown encoding counts UTF-8 bytes (as Node). */
buf_status_t buf_buffer_byte_length(const char *text, size_t text_length, const char *encoding, int64_t *out);
/* buf.write(string, offset, length, encoding): offset/length may be BUF_OMITTED.  Never
 * writes a partial character.  *written (may be NULL) gets the bytes written. */
buf_status_t buf_buffer_write(const buf_buffer_t *buf, const char *text, size_t text_length, int64_t offset,
                              int64_t length, const char *encoding, int64_t *written);

/* buf.subarray(start, end) == buf.slice(start, end) (Node v20): shares memory; always a
 * fixed-length view.  Node overrides %TypedArray%.prototype.subarray here: an
 * out-of-bounds Buffer yields an empty Buffer (offset 0), not a RangeError. */
buf_status_t buf_buffer_subarray(const buf_buffer_t *buf, int64_t start, int64_t end, buf_buffer_t *out);
buf_status_t buf_buffer_slice(const buf_buffer_t *buf, int64_t start, int64_t end, buf_buffer_t *out);
/* Buffer.concat(list, totalLength): a new Buffer from `backend`; total_length may be
 * BUF_OMITTED (sum of lengths); shorter truncates, longer zero-fills.
 * BUF_EOUT_OF_RANGE for a negative total_length. */
buf_status_t buf_buffer_concat(buf_backend_t *backend, const buf_buffer_t *list, size_t count,
                               int64_t total_length, buf_buffer_t *out);
/* Buffer.compare(a, b) / a.compare(b): *out is -1, 0 or 1. */
buf_status_t buf_buffer_compare(const buf_buffer_t *a, const buf_buffer_t *b, int *out);
/* source.compare(target, targetStart, targetEnd, sourceStart, sourceEnd); BUF_OMITTED
 * allowed for each; BUF_EOUT_OF_RANGE as Node's validateOffset. */
buf_status_t buf_buffer_compare_range(const buf_buffer_t *source, const buf_buffer_t *target, int64_t target_start,
                                      int64_t target_end, int64_t source_start, int64_t source_end, int *out);
buf_status_t buf_buffer_equals(const buf_buffer_t *a, const buf_buffer_t *b, bool *out);

/* indexOf / lastIndexOf / includes.  byte_offset may be BUF_OMITTED; negative counts from
 * the end (Node's rules, including its clamping to int32).  *out is the index or -1.
 *   _byte:   a number needle (value >>> 0, low byte);
 *   _bytes:  a Buffer's bytes as needle; encoding only matters for 'ucs2' (then matches
 *            only at even offsets, as Node);
 *   _string: UTF-8 text decoded with `encoding` (BUF_EUNKNOWN_ENCODING if unknown). */
buf_status_t buf_buffer_index_of_byte(const buf_buffer_t *buf, double value, int64_t byte_offset, int64_t *out);
buf_status_t buf_buffer_last_index_of_byte(const buf_buffer_t *buf, double value, int64_t byte_offset, int64_t *out);
buf_status_t buf_buffer_index_of_bytes(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length,
                                       int64_t byte_offset, const char *encoding, int64_t *out);
buf_status_t buf_buffer_last_index_of_bytes(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length,
                                            int64_t byte_offset, const char *encoding, int64_t *out);
buf_status_t buf_buffer_index_of_string(const buf_buffer_t *buf, const char *text, size_t text_length,
                                        int64_t byte_offset, const char *encoding, int64_t *out);
buf_status_t buf_buffer_last_index_of_string(const buf_buffer_t *buf, const char *text, size_t text_length,
                                             int64_t byte_offset, const char *encoding, int64_t *out);
buf_status_t buf_buffer_includes_byte(const buf_buffer_t *buf, double value, int64_t byte_offset, bool *out);
buf_status_t buf_buffer_includes_bytes(const buf_buffer_t *buf, const uint8_t *needle, size_t needle_length,
                                      int64_t byte_offset, const char *encoding, bool *out);
buf_status_t buf_buffer_includes_string(const buf_buffer_t *buf, const char *text, size_t text_length,
                                        int64_t byte_offset, const char *encoding, bool *out);

/* buf.fill(value, offset, end[, encoding]); offset/end may be BUF_OMITTED, resolved in
 * the order of Node's _fill(): for text, an omitted offset means (0, buf.length) and
 * drops the encoding argument (Node reads it from the offset's position); a given offset
 * and end are validated (BUF_EOUT_OF_RANGE) and offset >= end does nothing; a number or
 * a pattern with the offset omitted fills the whole Buffer.  An empty pattern for a
 * non-empty range (a zero-length Buffer, or text that decodes to nothing, e.g. 'zz' in
 * hex) -> BUF_EINVALID_ARG_VALUE, nothing written; empty text fills with zeros (Node's
 * `value = 0`).  On an out-of-bounds Buffer (length 0) only a number with the offset
 * omitted fails (BUF_EDETACHED, TypedArray.prototype.fill's TypeError); any other call
 * with valid arguments does nothing, as in Node. */
buf_status_t buf_buffer_fill_byte(const buf_buffer_t *buf, double value, int64_t offset, int64_t end);
buf_status_t buf_buffer_fill_bytes(const buf_buffer_t *buf, const uint8_t *pattern, size_t pattern_length,
                                   int64_t offset, int64_t end);
buf_status_t buf_buffer_fill_string(const buf_buffer_t *buf, const char *text, size_t text_length, int64_t offset,
                                    int64_t end, const char *encoding);
/* source.copy(target, targetStart, sourceStart, sourceEnd): overlap-safe, clamped to
 * both Buffers; each argument may be BUF_OMITTED.  *copied (may be NULL) gets the count. */
buf_status_t buf_buffer_copy(const buf_buffer_t *source, const buf_buffer_t *target, int64_t target_start,
                             int64_t source_start, int64_t source_end, int64_t *copied);

/* ---- Numeric read/write (Node's checks: value first, then offset) ----------------------
 * Offsets must be integers with offset + width <= length: otherwise BUF_EOUT_OF_RANGE,
 * or BUF_EBUFFER_OUT_OF_BOUNDS when the Buffer is shorter than the width.  Integer
 * writes: BUF_EOUT_OF_RANGE for a value outside the width's range; NaN passes and writes
 * 0; fractions are truncated (and the high bytes of 5/6-byte writes floored, as Node).
 * byte_length is 1..6 (else BUF_EOUT_OF_RANGE).  *next_offset (may be NULL) gets
 * offset + width, Node's return value.  An omitted offset (BUF_OMITTED) is 0 for the
 * fixed-width functions (float, double, BigInt64 and the named wrappers below, as Node's
 * `offset = 0` defaults) and BUF_EINVALID_ARG_TYPE for the variable-width ones, as
 * readUIntLE(undefined, n) throws ERR_INVALID_ARG_TYPE. */
buf_status_t buf_buffer_read_uint(const buf_buffer_t *buf, int64_t offset, int64_t byte_length, bool little_endian,
                                  double *out);
buf_status_t buf_buffer_read_int(const buf_buffer_t *buf, int64_t offset, int64_t byte_length, bool little_endian,
                                 double *out);
buf_status_t buf_buffer_write_uint(const buf_buffer_t *buf, double value, int64_t offset, int64_t byte_length,
                                   bool little_endian, int64_t *next_offset);
buf_status_t buf_buffer_write_int(const buf_buffer_t *buf, double value, int64_t offset, int64_t byte_length,
                                  bool little_endian, int64_t *next_offset);
buf_status_t buf_buffer_read_float(const buf_buffer_t *buf, int64_t offset, bool little_endian, double *out);
buf_status_t buf_buffer_read_double(const buf_buffer_t *buf, int64_t offset, bool little_endian, double *out);
/* writeFloat*: any value (no range check); rounded to float32 as Float32Array stores. */
buf_status_t buf_buffer_write_float(const buf_buffer_t *buf, double value, int64_t offset, bool little_endian,
                                    int64_t *next_offset);
buf_status_t buf_buffer_write_double(const buf_buffer_t *buf, double value, int64_t offset, bool little_endian,
                                     int64_t *next_offset);
buf_status_t buf_buffer_read_bigint64(const buf_buffer_t *buf, int64_t offset, bool little_endian, int64_t *out);
buf_status_t buf_buffer_read_biguint64(const buf_buffer_t *buf, int64_t offset, bool little_endian, uint64_t *out);
buf_status_t buf_buffer_write_bigint64(const buf_buffer_t *buf, int64_t value, int64_t offset, bool little_endian,
                                       int64_t *next_offset);
buf_status_t buf_buffer_write_biguint64(const buf_buffer_t *buf, uint64_t value, int64_t offset, bool little_endian,
                                        int64_t *next_offset);

/* Node's fixed-width names, for readers who know them (readUInt16LE(o) == readUIntLE(o, 2)),
 * with Node's `offset = 0` default for BUF_OMITTED. */
#define BUF_OFFSET_OR_0(o) ((o) == BUF_OMITTED ? 0 : (o))
static inline buf_status_t buf_buffer_read_uint8(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_uint(b, BUF_OFFSET_OR_0(o), 1, true, v); }
static inline buf_status_t buf_buffer_read_int8(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_int(b, BUF_OFFSET_OR_0(o), 1, true, v); }
static inline buf_status_t buf_buffer_read_uint16le(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_uint(b, BUF_OFFSET_OR_0(o), 2, true, v); }
static inline buf_status_t buf_buffer_read_uint16be(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_uint(b, BUF_OFFSET_OR_0(o), 2, false, v); }
static inline buf_status_t buf_buffer_read_int16le(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_int(b, BUF_OFFSET_OR_0(o), 2, true, v); }
static inline buf_status_t buf_buffer_read_int16be(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_int(b, BUF_OFFSET_OR_0(o), 2, false, v); }
static inline buf_status_t buf_buffer_read_uint32le(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_uint(b, BUF_OFFSET_OR_0(o), 4, true, v); }
static inline buf_status_t buf_buffer_read_uint32be(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_uint(b, BUF_OFFSET_OR_0(o), 4, false, v); }
static inline buf_status_t buf_buffer_read_int32le(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_int(b, BUF_OFFSET_OR_0(o), 4, true, v); }
static inline buf_status_t buf_buffer_read_int32be(const buf_buffer_t *b, int64_t o, double *v) { return buf_buffer_read_int(b, BUF_OFFSET_OR_0(o), 4, false, v); }
static inline buf_status_t buf_buffer_write_uint8(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_uint(b, v, BUF_OFFSET_OR_0(o), 1, true, n); }
static inline buf_status_t buf_buffer_write_int8(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_int(b, v, BUF_OFFSET_OR_0(o), 1, true, n); }
static inline buf_status_t buf_buffer_write_uint16le(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_uint(b, v, BUF_OFFSET_OR_0(o), 2, true, n); }
static inline buf_status_t buf_buffer_write_uint16be(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_uint(b, v, BUF_OFFSET_OR_0(o), 2, false, n); }
static inline buf_status_t buf_buffer_write_int16le(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_int(b, v, BUF_OFFSET_OR_0(o), 2, true, n); }
static inline buf_status_t buf_buffer_write_int16be(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_int(b, v, BUF_OFFSET_OR_0(o), 2, false, n); }
static inline buf_status_t buf_buffer_write_uint32le(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_uint(b, v, BUF_OFFSET_OR_0(o), 4, true, n); }
static inline buf_status_t buf_buffer_write_uint32be(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_uint(b, v, BUF_OFFSET_OR_0(o), 4, false, n); }
static inline buf_status_t buf_buffer_write_int32le(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_int(b, v, BUF_OFFSET_OR_0(o), 4, true, n); }
static inline buf_status_t buf_buffer_write_int32be(const buf_buffer_t *b, double v, int64_t o, int64_t *n) { return buf_buffer_write_int(b, v, BUF_OFFSET_OR_0(o), 4, false, n); }

/* ==== Codec results in backend memory ======================================================
 * The codecs (buf_codec.h) write into caller memory; these return the result as a block
 * from `backend` (buf_bytes.h: release with buf_bytes_release).  Exactly the output size
 * is allocated (capacity == length; a 0-byte result is still a block to release).  On any
 * error *out is zeroed and nothing stays allocated, so buf_bytes_release(out) is always
 * safe.  Errors: BUF_EINVAL (NULL backend or out, NULL input with a non-zero length, an
 * encoding out of range), BUF_ENOMEM / BUF_EOVERFLOW (the backend's answer). */
buf_status_t buf_encode_alloc(buf_backend_t *backend, buf_encoding_t encoding,
                              const uint8_t *bytes, size_t length, buf_bytes_t *out);
buf_status_t buf_decode_alloc(buf_backend_t *backend, buf_encoding_t encoding,
                              const uint8_t *text, size_t length, buf_bytes_t *out);
/* As buf_decode_strict (buf_codec.h), with the result allocated as buf_decode_alloc does;
 * nothing is allocated when it returns BUF_ESTRICT (*bad_offset says where, as there). */
buf_status_t buf_decode_strict_alloc(buf_backend_t *backend, buf_encoding_t encoding,
                                     const uint8_t *text, size_t length, buf_bytes_t *out,
                                     size_t *bad_offset);

#ifdef __cplusplus
}
#endif
#endif
