/* test_model_threads.c — ArrayBuffer references shared between threads, every backend spec.
 *
 * Streams hand chunks to other threads, so the reference count is atomic and the last
 * release frees the block on whichever thread makes it (model_internal.h argues the
 * memory orders).  Two properties, run under ThreadSanitizer by `make test` (suites named
 * threads_*) and in the plain and ASan builds like every test:
 *   - retain/release storms on one buffer from several threads leave the count exact;
 *   - a Buffer shared by several threads, each writing its own byte and then releasing
 *     its reference, is freed exactly once by whichever thread releases last, and that
 *     free is ordered after every other thread's write (TSan reports the write and the
 *     free as a race if the decrement does not order them).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "buf_model.h"
#include "test_support.h"

#define WORKERS 4
#define STORM_ROUNDS 20000
#define SHARED_BUFFERS 1000

/* An allocation that a fail(...) spec may refuse: retried, as it fails only by design. */
static void alloc_buffer(const char *spec, buf_backend_t *backend, int64_t size, buf_buffer_t *out)
{
    buf_status_t status;
    do {
        status = buf_buffer_alloc(backend, size, out);
        cr_assert(status == BUF_OK || (status == BUF_ENOMEM && test_spec_injects_failures(spec)),
                  "%s: buf_buffer_alloc: %s", spec, buf_status_name(status));
    } while (status != BUF_OK);
}

static void run_workers(void *(*work)(void *), void *arguments, size_t argument_size)
{
    pthread_t threads[WORKERS];
    for (int w = 0; w < WORKERS; w++)
        cr_assert_eq(pthread_create(&threads[w], NULL, work, (char *)arguments + (size_t)w * argument_size), 0);
    for (int w = 0; w < WORKERS; w++)
        pthread_join(threads[w], NULL);
}

/* ==== Retain/release storms ============================================================== */

static void *storm(void *argument)
{
    buf_arraybuffer_t *ab = *(buf_arraybuffer_t **)argument;
    for (int round = 0; round < STORM_ROUNDS; round++) {
        buf_arraybuffer_retain(ab);
        buf_arraybuffer_retain(ab);
        buf_arraybuffer_release(ab);
        buf_arraybuffer_release(ab);
    }
    return NULL;
}

Test(threads_model, retain_release_storms_keep_the_count_exact)
{
    for (size_t i = 0; i < test_backend_spec_count(); i++) {
        const char *spec = test_backend_spec(i);
        buf_backend_t *backend = test_open_backend(spec);
        buf_buffer_t buffer;
        alloc_buffer(spec, backend, 64, &buffer);
        buf_arraybuffer_t *shared[WORKERS];
        for (int w = 0; w < WORKERS; w++)
            shared[w] = buffer.buffer;
        run_workers(storm, shared, sizeof shared[0]);
        cr_expect_eq(buf_arraybuffer_refcount(buffer.buffer), 1, "%s: references lost or gained", spec);
        buf_buffer_release(&buffer);
        test_close_backend_clean(backend);
    }
}

/* ==== Shared Buffers, last release on any thread ========================================= */

typedef struct {
    int worker;
    buf_buffer_t views[SHARED_BUFFERS]; /* this worker's reference to each shared Buffer */
    int bad_bytes;
} share_t;

static void *write_then_release(void *argument)
{
    share_t *share = argument;
    for (int i = 0; i < SHARED_BUFFERS; i++) {
        uint8_t *bytes = buf_buffer_data(&share->views[i]);
        bytes[share->worker] = (uint8_t)(share->worker + 1); /* each worker its own byte */
        if (bytes[share->worker] != share->worker + 1)
            share->bad_bytes++;
        buf_buffer_release(&share->views[i]); /* the last of the WORKERS frees the block */
    }
    return NULL;
}

Test(threads_model, the_last_release_frees_on_whichever_thread_makes_it)
{
    static share_t shares[WORKERS];
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (int i = 0; i < SHARED_BUFFERS; i++) {
            buf_buffer_t buffer;
            alloc_buffer(spec, backend, WORKERS, &buffer);
            for (int w = 0; w < WORKERS; w++)
                buf_typed_clone(&buffer, &shares[w].views[i]);
            buf_buffer_release(&buffer); /* only the workers hold it now */
        }
        for (int w = 0; w < WORKERS; w++) {
            shares[w].worker = w;
            shares[w].bad_bytes = 0;
        }
        run_workers(write_then_release, shares, sizeof shares[0]);
        for (int w = 0; w < WORKERS; w++)
            cr_expect_eq(shares[w].bad_bytes, 0, "%s: worker %d read back another value", spec, w);
        test_close_backend_clean(backend); /* every block freed, none twice */
    }
}
