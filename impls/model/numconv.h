/* numconv.h — ECMAScript number conversions without undefined behaviour.
 *
 * C casts of out-of-range doubles to integers (and NaN to anything integral) are
 * undefined behaviour, and the sanitizer build traps them (float-cast-overflow).  Every
 * conversion here first reduces the double to a value the target type holds exactly,
 * then casts: ToUint32 works on trunc(x) mod 2^32 computed with fmod (exact for doubles),
 * and narrower kinds take the low bits of that.  Signed results come from those bits by
 * one sign extension (model_sign_extend), the same one that reads signed integers back
 * from memory.  Internal to the model (not public); unit tests reach it through
 * model_testing.h.
 */
#ifndef MODEL_NUMCONV_H
#define MODEL_NUMCONV_H

#include <stdbool.h>
#include <stdint.h>

#include "buf_model.h"

/* ---- Numbers to integers ------------------------------------------------------------- */
/* ToIntegerOrInfinity: NaN -> 0, +-Infinity kept, otherwise trunc (-0 -> +0). */
double model_to_integer(double value);
/* ToUint32 / ToInt32 / ToUint16 / ToInt16 / ToUint8 / ToInt8: modulo wrap, NaN/Inf -> 0. */
uint32_t model_to_uint32(double value);
int32_t model_to_int32(double value);
uint16_t model_to_uint16(double value);
int16_t model_to_int16(double value);
uint8_t model_to_uint8(double value);
int8_t model_to_int8(double value);
/* ToUint8Clamp: NaN -> 0, clamp to [0, 255], round half to even. */
uint8_t model_to_uint8_clamp(double value);
/* Math.fround: round to nearest float32, ties to even, overflow to +-Infinity. */
float model_to_float32(double value);

/* ---- Two's complement, written without implementation-defined casts ------------------ */
/* The 64 bits of value modulo 2^64 (what ToBigUint64 stores for a BigInt64). */
uint64_t model_bits_from_int64(int64_t value);
/* The int64 whose two's-complement bits these are. */
int64_t model_int64_from_bits(uint64_t bits);
/* The signed value of the low 8*width bits (width 1..8; bits above them must be 0). */
int64_t model_sign_extend(uint64_t bits, unsigned width);

/* ---- Element storage in native byte order (as typed arrays store them) --------------- */
void model_store_number(buf_kind_t kind, uint8_t *dst, double value);
double model_load_number(buf_kind_t kind, const uint8_t *src);
void model_store_u64(uint8_t *dst, uint64_t bits);
uint64_t model_load_u64(const uint8_t *src);

/* ---- Fixed-order integer access of width 1..8 bytes (DataView and Buffer read/write) -- */
uint64_t model_load_ordered(const uint8_t *src, unsigned width, bool little_endian);
void model_store_ordered(uint8_t *dst, uint64_t bits, unsigned width, bool little_endian);
/* Raw bit patterns of a double / float (no aliasing tricks: memcpy). */
uint64_t model_double_bits(double value);
double model_double_from_bits(uint64_t bits);
uint32_t model_float_bits(float value);
float model_float_from_bits(uint32_t bits);

#endif
