/* test_support.h — shared helpers for the Criterion unit tests.
 *
 * "For every backend and variant": test_backend_specs() lists every base backend in the
 * registry, then the variants (mmap:guard, and fail(SEED,P):NAME around each base), so a
 * backend added to the registry is tested everywhere with no edit here.
 */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf_backend.h"

/* All specs: base backends first, then variants.  Valid for the process lifetime. */
size_t test_backend_spec_count(void);
const char *test_backend_spec(size_t index);
/* True if the spec injects failures (allocation may fail with BUF_ENOMEM). */
bool test_spec_injects_failures(const char *spec);
/* Opens a spec or fails the current test. */
buf_backend_t *test_open_backend(const char *spec);
/* Closes and asserts that no block is outstanding and bytes_live is 0. */
void test_close_backend_clean(buf_backend_t *backend);

#endif
