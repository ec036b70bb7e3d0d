/* typed_range_kernels.h — the loops of the bulk typed-view calls that live in a file of
 * their own: the AVX2 ones (typed_range_avx2.c), which typed_range.c calls after its
 * checks when the SIMD level is avx2.  Internal to the model.
 *
 * Why a file of their own: they are compiled with __attribute__((target("avx2"))), so the
 * rest of the library keeps its baseline x86-64 code, and typed_range.c stays one
 * concept (the checks, the portable and SSE2 loops, the choice of loop).
 */
#ifndef MODEL_TYPED_RANGE_KERNELS_H
#define MODEL_TYPED_RANGE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "buf_model.h"

/* GCC and clang on x86-64 compile AVX2 functions into a baseline build (the target
 * attribute); elsewhere there are no AVX2 loops and the level never selects them. */
#if defined(__x86_64__) && defined(__GNUC__)
#define MODEL_RANGE_HAVE_AVX2 1
#else
#define MODEL_RANGE_HAVE_AVX2 0
#endif

/* Stores elements [0, count) one by one through numconv (model_store_number): the block a
 * packed loop's test rejected, the head before alignment, the tail.  Out of line and cold,
 * so that the packed loops (SSE2 in typed_range.c, AVX2 in typed_range_avx2.c) keep their
 * vectors in registers instead of saving them around a call they rarely make. */
void model_range_store_slowly(uint8_t *dst, const double *values, size_t count, buf_kind_t kind);

#if MODEL_RANGE_HAVE_AVX2
/* Elements [0, count) of a number kind other than Float64, exactly as buf_typed_get /
 * buf_typed_set convert them.  Callers have run every check, and only call these on a
 * CPU with AVX2 (buf_simd_level() == BUF_SIMD_AVX2 says so).  `values` / `out` never
 * overlap the elements (buf_model.h). */
void model_range_load_avx2(buf_kind_t kind, const uint8_t *src, size_t count, double *out);
void model_range_store_avx2(buf_kind_t kind, uint8_t *dst, const double *values, size_t count);
#endif

#endif
