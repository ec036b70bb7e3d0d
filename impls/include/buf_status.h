/* buf_status.h — status codes shared by every bufbench module.
 *
 * Every fallible function returns a buf_status_t (0 = success, negative = error),
 * mirroring the error classes Node.js v20 throws for the same input.  Nothing in
 * bufbench aborts on bad input: the caller gets one of these codes, with a stable
 * name (buf_status_name) and a human message (buf_status_message).
 */
#ifndef BUF_STATUS_H
#define BUF_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum buf_status {
    BUF_OK = 0,
    BUF_ENOMEM = -1,                   /* allocation failed (backend out of memory or injected failure) */
    BUF_EOVERFLOW = -2,                /* a size computation would overflow (e.g. SIZE_MAX + align) */
    BUF_EINVAL = -3,                   /* invalid argument to a C API (NULL pointer, bad config, bad spec) */
    BUF_ERANGE = -4,                   /* ECMAScript RangeError (view construction, resize, ...) */
    BUF_ETYPE = -5,                    /* ECMAScript / Node TypeError */
    BUF_EOUT_OF_RANGE = -6,            /* Node ERR_OUT_OF_RANGE */
    BUF_EBUFFER_OUT_OF_BOUNDS = -7,    /* Node ERR_BUFFER_OUT_OF_BOUNDS */
    BUF_EINVALID_ARG_VALUE = -8,       /* Node ERR_INVALID_ARG_VALUE */
    BUF_EUNKNOWN_ENCODING = -9,        /* Node ERR_UNKNOWN_ENCODING */
    BUF_EUNKNOWN_BACKEND = -10,        /* backend name or variant not recognised */
    BUF_ESTRICT = -11,                 /* strict decode: input that Node would drop or replace */
    BUF_ENOSPC = -12,                  /* caller's destination buffer is too small */
    BUF_EIO = -13,                     /* read/write error on a file or stream (errno kept by the caller) */
    BUF_EDETACHED = -14,               /* view's ArrayBuffer is out of bounds / detached (TypeError in JS) */
    BUF_EINVALID_ARG_TYPE = -15,       /* Node ERR_INVALID_ARG_TYPE */
    BUF_STATUS_MIN_ = -16              /* one below the last code; not a status */
} buf_status_t;

/* "BUF_ENOMEM", ...; "BUF_UNKNOWN_STATUS" for values outside the enum. Never NULL. */
const char *buf_status_name(int status);
/* One-line English explanation; never NULL. */
const char *buf_status_message(int status);

#ifdef __cplusplus
}
#endif
#endif
