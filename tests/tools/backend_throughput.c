/* backend_throughput.c — a quick look at allocation cost per backend, beside malloc in
 * the same run (the benchmark suite makes this formal; this is a smoke-level figure).
 *   build/tests/backend_throughput [SECONDS_PER_CELL]     (default 0.2)
 * Two patterns per size: "pair" (alloc, touch the first byte, free) and "batch" (1000
 * allocations, then free them in allocation order).  Prints ns per alloc+free and the
 * ratio to the malloc backend's figure from this run.  A backend that runs out of
 * memory (e.g. one that never reuses freed blocks) gets "allocation failed" in its row;
 * only the malloc baseline failing stops the run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "buf_backend.h"

#define BATCH 1000

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Returns ns per alloc+free, or -1 if an allocation failed (everything it allocated is
 * freed again, so the instance closes clean either way). */
static double measure(buf_backend_t *backend, size_t size, int batch, double seconds)
{
    static void *blocks[BATCH];
    long operations = 0;
    double start = now_seconds(), elapsed;
    do {
        for (int round = 0; round < 16; round++) {
            if (!batch) {
                volatile char *block = buf_backend_alloc(backend, size, 0, NULL);
                if (!block)
                    return -1;
                block[0] = 1;
                buf_backend_free(backend, (void *)block, size, 0);
                operations++;
            } else {
                for (int i = 0; i < BATCH; i++) {
                    blocks[i] = buf_backend_alloc(backend, size, 0, NULL);
                    if (!blocks[i]) {
                        while (i-- > 0)
                            buf_backend_free(backend, blocks[i], size, 0);
                        return -1;
                    }
                    ((volatile char *)blocks[i])[0] = 1;
                }
                for (int i = 0; i < BATCH; i++)
                    buf_backend_free(backend, blocks[i], size, 0);
                operations += BATCH;
            }
        }
        elapsed = now_seconds() - start;
    } while (elapsed < seconds);
    return elapsed * 1e9 / (double)operations;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 0.2;
    if (argc > 2 || seconds <= 0) {
        fprintf(stderr, "usage: backend_throughput [SECONDS_PER_CELL]\n");
        return 2;
    }
    static const size_t sizes[] = {64, 1024, 16384};
    static const char *patterns[] = {"pair", "batch"};
    printf("%-8s %-6s %8s %12s %10s\n", "backend", "pattern", "size", "ns/op", "vs malloc");
    for (int pattern = 0; pattern < 2; pattern++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            double baseline = 0;
            for (size_t b = 0; b < buf_backend_count(); b++) {
                buf_backend_t *backend;
                if (buf_backend_open(buf_backend_at(b)->props.name, NULL, &backend) != BUF_OK)
                    return 1;
                measure(backend, sizes[s], pattern, seconds / 10); /* warm up */
                double ns = measure(backend, sizes[s], pattern, seconds);
                buf_backend_close(backend);
                if (ns < 0 && b == 0) {
                    fprintf(stderr, "backend_throughput: %s: allocation failed\n", buf_backend_at(b)->props.name);
                    return 1;
                }
                if (ns < 0) {
                    printf("%-8s %-6s %8zu %12s %10s\n", buf_backend_at(b)->props.name, patterns[pattern], sizes[s],
                           "allocation", "failed");
                    continue;
                }
                if (b == 0)
                    baseline = ns;
                printf("%-8s %-6s %8zu %12.1f %10.2f\n", buf_backend_at(b)->props.name, patterns[pattern], sizes[s], ns,
                       ns / baseline);
            }
        }
    return 0;
}
