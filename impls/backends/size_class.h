/* size_class.h — sizes in the backends: rounding, and the one size-class scheme.
 *
 * slab's small blocks and the large path that slab and pool share (large_cache.c) round
 * requests the same way, only in different units (8 bytes for slab, pages for large
 * blocks), so the scheme lives here once:
 *
 *   classes 0 .. linear-1      1, 2, ..., linear units          (exact, no waste)
 *   then, per doubling         (2^k, 2^(k+1)] units cut into 8 equal steps of 2^k/8
 *
 * A request of n units in (2^k, 2^(k+1)] rounds up by less than one step (2^k/8 units)
 * to a class of at least 2^k + 2^k/8 = 9 steps, so the waste (class - n) / class stays
 * below 1/9, under 12.5%.  `linear` must be a power of two of at least 8, so that every
 * step is a whole number of units.
 */
#ifndef BACKEND_SIZE_CLASS_H
#define BACKEND_SIZE_CLASS_H

#include <stddef.h>

#include "core/core_assert.h"

/* ---- Rounding ------------------------------------------------------------------------ */
/* `value` rounded up to a multiple of `multiple`, a power of two. */
static inline size_t round_up(size_t value, size_t multiple)
{
    BUF_ASSERT(multiple != 0 && (multiple & (multiple - 1)) == 0);
    return (value + multiple - 1) & ~(multiple - 1);
}

/* Whole units needed for `value` bytes (`unit` a power of two); at least one. */
static inline size_t units_for(size_t value, size_t unit)
{
    return value == 0 ? 1 : round_up(value, unit) / unit;
}

static inline unsigned floor_log2(size_t value)
{
    BUF_ASSERT(value != 0);
    return (unsigned)(sizeof(size_t) * 8 - 1 - (unsigned)__builtin_clzl(value));
}

/* The largest power of two dividing `value`: the alignment a block of that size has
 * when blocks are laid end to end from an aligned base. */
static inline size_t lowest_set_bit(size_t value)
{
    return value & (~value + 1);
}

/* ---- Size classes -------------------------------------------------------------------- */
#define SIZE_CLASS_STEPS_PER_DOUBLING 8u

/* The class of a request of `units` (>= 1) units. */
static inline unsigned size_class_of(size_t units, size_t linear)
{
    BUF_ASSERT(units >= 1 && linear >= SIZE_CLASS_STEPS_PER_DOUBLING && (linear & (linear - 1)) == 0);
    if (units <= linear)
        return (unsigned)units - 1;
    unsigned k = floor_log2(units - 1); /* units in (2^k, 2^(k+1)] */
    size_t base = (size_t)1 << k, step = base / SIZE_CLASS_STEPS_PER_DOUBLING;
    size_t steps = (units - base + step - 1) / step; /* 1 .. 8 */
    return (unsigned)linear + (k - floor_log2(linear)) * SIZE_CLASS_STEPS_PER_DOUBLING + (unsigned)steps - 1;
}

/* The size in units of class `index` (the inverse of size_class_of). */
static inline size_t size_class_units(unsigned index, size_t linear)
{
    if (index < linear)
        return (size_t)index + 1;
    unsigned above = index - (unsigned)linear;
    size_t base = linear << (above / SIZE_CLASS_STEPS_PER_DOUBLING);
    return base + (above % SIZE_CLASS_STEPS_PER_DOUBLING + 1) * (base / SIZE_CLASS_STEPS_PER_DOUBLING);
}

#endif
