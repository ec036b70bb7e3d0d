/* status.c — names and messages of the status codes, generated from BUF_STATUS_LIST
 * (buf_status.h) so a code, its name and its message are written in one place. */
#include "buf_status.h"

#include <stddef.h>

typedef struct status_entry {
    int code;
    const char *name;
    const char *message;
} status_entry_t;

#define STATUS_TABLE_ENTRY(name, value, message) {(value), "BUF_" #name, (message)},
static const status_entry_t status_table[] = {BUF_STATUS_LIST(STATUS_TABLE_ENTRY)};
#undef STATUS_TABLE_ENTRY

/* Sixteen entries: a linear search costs nothing next to printing the result. */
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
