/* buf_status.c — names and messages of the status codes (see buf_status.h). */
#include "buf_status.h"

#include <stddef.h>

typedef struct {
    int code;
    const char *name;
    const char *message;
} status_entry_t;

static const status_entry_t status_table[] = {
    {BUF_OK, "BUF_OK", "success"},
    {BUF_ENOMEM, "BUF_ENOMEM", "out of memory (allocation failed)"},
    {BUF_EOVERFLOW, "BUF_EOVERFLOW", "size overflows the address space"},
    {BUF_EINVAL, "BUF_EINVAL", "invalid argument"},
    {BUF_ERANGE, "BUF_ERANGE", "RangeError: value out of range"},
    {BUF_ETYPE, "BUF_ETYPE", "TypeError: invalid type or state"},
    {BUF_EOUT_OF_RANGE, "BUF_EOUT_OF_RANGE", "ERR_OUT_OF_RANGE: value or offset is out of range"},
    {BUF_EBUFFER_OUT_OF_BOUNDS, "BUF_EBUFFER_OUT_OF_BOUNDS",
     "ERR_BUFFER_OUT_OF_BOUNDS: attempt to access memory outside buffer bounds"},
    {BUF_EINVALID_ARG_VALUE, "BUF_EINVALID_ARG_VALUE", "ERR_INVALID_ARG_VALUE: invalid argument value"},
    {BUF_EUNKNOWN_ENCODING, "BUF_EUNKNOWN_ENCODING", "ERR_UNKNOWN_ENCODING: unknown encoding"},
    {BUF_EUNKNOWN_BACKEND, "BUF_EUNKNOWN_BACKEND", "unknown backend name or variant"},
    {BUF_ESTRICT, "BUF_ESTRICT", "strict mode: input would be dropped or replaced"},
    {BUF_ENOSPC, "BUF_ENOSPC", "destination buffer too small"},
    {BUF_EIO, "BUF_EIO", "input/output error"},
    {BUF_EDETACHED, "BUF_EDETACHED", "TypeError: view is out of bounds of its ArrayBuffer"},
    {BUF_EINVALID_ARG_TYPE, "BUF_EINVALID_ARG_TYPE", "ERR_INVALID_ARG_TYPE: invalid argument type"},
};

static const status_entry_t *status_find(int status)
{
    for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
        if (status_table[i].code == status)
            return &status_table[i];
    return NULL;
}

const char *buf_status_name(int status)
{
    const status_entry_t *entry = status_find(status);
    return entry ? entry->name : "BUF_UNKNOWN_STATUS";
}

const char *buf_status_message(int status)
{
    const status_entry_t *entry = status_find(status);
    return entry ? entry->message : "unknown status code";
}
