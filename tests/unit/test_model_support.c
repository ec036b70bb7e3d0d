/* test_model_support.c — helpers the model's unit tests share (declared in
 * test_model_support.h): memory snapshots that prove a failed call left memory untouched,
 * and the all-failing backend used to prove that ENOMEM leaks nothing. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "test_model_support.h"

/* A copy of ab's whole reservation (max_byte_length bytes: bytes past byte_length must
 * not change either). */
uint8_t *model_snapshot(buf_arraybuffer_t *ab, size_t *length)
{
    *length = (size_t)buf_arraybuffer_max_byte_length(ab);
    uint8_t *copy = malloc(*length + 1);
    cr_assert_not_null(copy);
    if (*length)
        memcpy(copy, buf_arraybuffer_data(ab), *length);
    return copy;
}

/* Asserts the reservation is byte for byte the snapshot, and frees the snapshot. */
void model_expect_unchanged(buf_arraybuffer_t *ab, uint8_t *snapshot, size_t length, const char *what)
{
    cr_expect_eq(memcmp(buf_arraybuffer_data(ab), snapshot, length), 0, "%s: memory changed by a failed call", what);
    free(snapshot);
}

/* Deterministic non-zero contents, so "untouched" means something. */
void model_fill_pattern_bytes(buf_arraybuffer_t *ab)
{
    uint8_t *data = buf_arraybuffer_data(ab);
    for (int64_t i = 0; i < buf_arraybuffer_max_byte_length(ab); i++)
        data[i] = (uint8_t)(i * 37 + 11);
}

/* A backend whose every allocation fails. */
buf_backend_t *model_open_failing_backend(void)
{
    return test_open_backend("fail(1,1):malloc");
}
