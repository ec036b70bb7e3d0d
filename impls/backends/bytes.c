/* bytes.c — releasing a buf_bytes_t (buf_bytes.h): the block goes back to the backend it
 * came from, with the size and alignment it was allocated with. */
#include "buf_bytes.h"

void buf_bytes_release(buf_bytes_t *bytes)
{
    if (!bytes)
        return;
    if (bytes->data && bytes->backend)
        buf_backend_free(bytes->backend, bytes->data, bytes->capacity, 1);
    *bytes = (buf_bytes_t){NULL, 0, 0, NULL};
}
