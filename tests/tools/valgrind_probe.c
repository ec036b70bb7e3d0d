/* valgrind_probe.c — one deliberate memory error on a sub-allocated block, for
 * tests/valgrind/run.sh to check that valgrind sees through slab and pool.
 *   valgrind_probe SPEC clean|overrun|use-after-free|leak
 * "clean" allocates, uses and frees blocks correctly (valgrind must report nothing);
 * the other modes commit one error that memcheck must report. */
#include <stdio.h>
#include <string.h>

#include "buf_backend.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: valgrind_probe SPEC clean|overrun|use-after-free|leak\n");
        return 2;
    }
    buf_backend_t *backend;
    if (buf_backend_open(argv[1], NULL, &backend) != BUF_OK) {
        fprintf(stderr, "valgrind_probe: cannot open backend '%s'\n", argv[1]);
        return 2;
    }
    const char *mode = argv[2];
    volatile unsigned char *first = buf_backend_alloc(backend, 40, 8, NULL);
    volatile unsigned char *second = buf_backend_alloc(backend, 40, 8, NULL);
    memset((void *)first, 1, 40);
    memset((void *)second, 2, 40);
    int sum = first[0] + second[39];
    if (strcmp(mode, "overrun") == 0)
        first[40] = 3;
    buf_backend_free(backend, (void *)first, 40, 8);
    if (strcmp(mode, "use-after-free") == 0)
        sum += first[5];
    if (strcmp(mode, "leak") != 0)
        buf_backend_free(backend, (void *)second, 40, 8);
    else
        printf("leaking %p\n", (void *)second);
    /* For the leak mode, keep the backend open: its arena still holds the block. */
    if (strcmp(mode, "leak") != 0)
        buf_backend_close(backend);
    return sum == 3 ? 0 : 1;
}
