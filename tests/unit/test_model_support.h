/* test_model_support.h — helpers shared by the buffer-model unit tests
 * (implemented in test_model_support.c and test_support.c). */
#ifndef TEST_MODEL_SUPPORT_H
#define TEST_MODEL_SUPPORT_H

#include <criterion/criterion.h>
#include <stdint.h>

#include "buf_model.h"
#include "test_support.h"

uint8_t *model_snapshot(buf_arraybuffer_t *ab, size_t *length);
void model_expect_unchanged(buf_arraybuffer_t *ab, uint8_t *snapshot, size_t length, const char *what);
void model_fill_pattern_bytes(buf_arraybuffer_t *ab);
buf_backend_t *model_open_failing_backend(void);

/* Runs the block once per backend spec (base backends, mmap:guard, fail(...) variants),
 * opening the backend before and checking after that nothing is left allocated. */
#define FOR_EACH_BACKEND(spec, backend)                                                        \
    for (size_t spec_index_ = 0; spec_index_ < test_backend_spec_count(); spec_index_++)      \
        for (const char *spec = test_backend_spec(spec_index_); spec; spec = NULL)             \
            for (buf_backend_t *backend = test_open_backend(spec); backend;                   \
                 test_close_backend_clean(backend), backend = NULL)

/* fail(...) specs may refuse any allocation: a refused call must report BUF_ENOMEM and
 * leave nothing allocated (checked when the backend closes); then it is simply retried. */
#define ALLOC_RETRY(spec, status, call)                                                        \
    do {                                                                                       \
        (status) = (call);                                                                     \
        cr_assert((status) != BUF_ENOMEM || test_spec_injects_failures(spec),                 \
                  "%s: BUF_ENOMEM from a backend that does not fail", spec);                   \
    } while ((status) == BUF_ENOMEM)

/* Expects `call` to fail with `expected` and the ArrayBuffer's memory to be unchanged. */
#define EXPECT_FAILS_UNTOUCHED(ab, expected, call)                                             \
    do {                                                                                       \
        size_t snap_length_;                                                                   \
        uint8_t *snap_ = model_snapshot((ab), &snap_length_);                                  \
        buf_status_t got_ = (call);                                                            \
        cr_expect_eq(got_, (expected), "%s: got %s, expected %s", #call, buf_status_name(got_), \
                     buf_status_name(expected));                                               \
        model_expect_unchanged((ab), snap_, snap_length_, #call);                              \
    } while (0)

#endif
