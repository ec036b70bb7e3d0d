/* buf_status.h — status codes shared by every bufbench module.
 *
 * Every fallible function returns a buf_status_t (0 = success, negative = error),
 * mirroring the error classes Node.js v20 throws for the same input.  Nothing in
 * bufbench aborts on bad input: the caller gets one of these codes, with a stable
 * name (buf_status_name) and a human message (buf_status_message).
 *
 * The codes are written once, in BUF_STATUS_LIST: the enum below and the name and
 * message tables in core/status.c are generated from it, so a new code is one line.
 * Values are part of the contract (logs and tools print them): never renumber, add
 * new codes below the last one.
 */
#ifndef BUF_STATUS_H
#define BUF_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(NAME, VALUE, MESSAGE) for every status; NAME without its BUF_ prefix.  MESSAGE is
 * what buf_status_message returns: Node's error class first where there is one. */
#define BUF_STATUS_LIST(X)                                                                              \
    X(OK, 0, "success")                                                                                 \
    /* allocation failed (backend out of memory or injected failure) */                                 \
    X(ENOMEM, -1, "out of memory (allocation failed)")                                                  \
    /* a size computation would overflow (e.g. SIZE_MAX + align, a bound above SIZE_MAX) */             \
    X(EOVERFLOW, -2, "size overflows the address space")                                                \
    /* invalid argument to a C API (NULL pointer, bad config, bad spec, encoding out of range) */       \
    X(EINVAL, -3, "invalid argument")                                                                   \
    /* ECMAScript RangeError (view construction, resize, ...) */                                        \
    X(ERANGE, -4, "RangeError: value out of range")                                                     \
    /* ECMAScript / Node TypeError */                                                                   \
    X(ETYPE, -5, "TypeError: invalid type or state")                                                    \
    X(EOUT_OF_RANGE, -6, "ERR_OUT_OF_RANGE: value or offset is out of range")                           \
    X(EBUFFER_OUT_OF_BOUNDS, -7, "ERR_BUFFER_OUT_OF_BOUNDS: attempt to access memory outside buffer bounds") \
    X(EINVALID_ARG_VALUE, -8, "ERR_INVALID_ARG_VALUE: invalid argument value")                          \
    X(EUNKNOWN_ENCODING, -9, "ERR_UNKNOWN_ENCODING: unknown encoding")                                  \
    /* backend name or variant not recognised */                                                        \
    X(EUNKNOWN_BACKEND, -10, "unknown backend name or variant")                                         \
    /* strict decode: input that Node would drop or replace */                                          \
    X(ESTRICT, -11, "strict mode: input would be dropped or replaced")                                  \
    /* caller's destination buffer is too small */                                                      \
    X(ENOSPC, -12, "destination buffer too small")                                                      \
    /* read/write error on a file or stream (errno kept by the caller) */                               \
    X(EIO, -13, "input/output error")                                                                   \
    /* view's ArrayBuffer is out of bounds / detached (TypeError in JS) */                              \
    X(EDETACHED, -14, "TypeError: view is out of bounds of its ArrayBuffer")                            \
    X(EINVALID_ARG_TYPE, -15, "ERR_INVALID_ARG_TYPE: invalid argument type")                            \
    /* a readable has no more chunks (a result, not a failure: streams end with it) */                  \
    X(EOF, -16, "end of stream")                                                                        \
    /* the reader of a pipe or socket went away (EPIPE on write) */                                     \
    X(EPIPE, -17, "broken pipe: the reader went away")

#define BUF_STATUS_ENUM_ENTRY_(name, value, message) BUF_##name = (value),
typedef enum buf_status {
    BUF_STATUS_LIST(BUF_STATUS_ENUM_ENTRY_)
} buf_status_t;
#undef BUF_STATUS_ENUM_ENTRY_

/* Number of statuses in BUF_STATUS_LIST; their values are 0, -1, ..., -(BUF_STATUS_COUNT - 1). */
#define BUF_STATUS_COUNT_ONE_(name, value, message) +1
enum { BUF_STATUS_COUNT = 0 BUF_STATUS_LIST(BUF_STATUS_COUNT_ONE_) };
#undef BUF_STATUS_COUNT_ONE_

/* "BUF_ENOMEM", ...; "BUF_UNKNOWN_STATUS" for values outside the list. Never NULL. */
const char *buf_status_name(int status);
/* One-line English explanation; "unknown status code" outside the list. Never NULL. */
const char *buf_status_message(int status);

#ifdef __cplusplus
}
#endif
#endif
