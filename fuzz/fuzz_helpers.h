/* fuzz_helpers.h — what every fuzz target shares: the assertion macros and the data
 * producer that turns the fuzzer's bytes into parameters.
 *
 * A target is one file fuzz/NAME.c that defines LLVMFuzzerTestOneInput at the start of
 * a line (that is how the Makefile finds targets) and opens with a comment stating the
 * property it checks.  The same file links into four programs: a libFuzzer binary, an
 * AFL++ persistent-mode binary (fuzz/afl_driver.c), a replay program over files and
 * directories (fuzz/replay_driver.c) and a coverage build of that replay program.
 *
 * Input layout: parameters come from the FRONT of the input (the backend selector byte
 * first, then the target's own selectors), the rest is the payload.  Reading past the
 * end yields zeros, so every input is valid and short inputs mean "defaults".
 */
#ifndef FUZZ_HELPERS_H
#define FUZZ_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry point every target defines (libFuzzer's name and signature). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- Assertions ----------------------------------------------------------------------
 * Macros, not functions, so the crash stack's top frame is the target's own line.
 * They stay on in every build (NDEBUG does not remove them): they ARE the oracle. */
#define FUZZ_ASSERT(cond)                                                                 \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: FUZZ_ASSERT failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

#define FUZZ_ASSERT_MSG(cond, ...)                                                        \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: FUZZ_ASSERT failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                 \
            fputc('\n', stderr);                                                          \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* For a target's own bulk loops (filling and checking patterns): no coverage counters
 * or comparison tracing there, which would cost most of the run (~60% in backend_ops)
 * and only tell the fuzzer about the harness. */
#if defined(__clang__) && __clang_major__ >= 13
#define FUZZ_NOT_TRACED __attribute__((no_sanitize("coverage")))
#else
#define FUZZ_NOT_TRACED
#endif

/* Prints the first `length` bytes of `bytes` as hex on stderr (for assertion context). */
static inline void fuzz_dump_hex(const char *label, const uint8_t *bytes, size_t length)
{
    size_t shown = length < 256 ? length : 256;
    fprintf(stderr, "%s (%zu bytes):", label, length);
    for (size_t i = 0; i < shown; i++) fprintf(stderr, "%s%02x", i % 32 ? " " : "\n  ", bytes[i]);
    fprintf(stderr, "%s\n", shown < length ? " ..." : "");
}

/* ---- Data producer -------------------------------------------------------------------- */
typedef struct fuzz_producer {
    const uint8_t *data;
    size_t size; /* bytes not yet consumed */
} fuzz_producer_t;

static inline fuzz_producer_t fuzz_producer_make(const uint8_t *data, size_t size)
{
    fuzz_producer_t producer = {data, size};
    return producer;
}

static inline size_t fuzz_remaining(const fuzz_producer_t *producer) { return producer->size; }

/* One byte; 0 once the input is exhausted. */
static inline uint8_t fuzz_take_u8(fuzz_producer_t *producer)
{
    if (producer->size == 0) return 0;
    producer->size--;
    return *producer->data++;
}

/* Little-endian integers built from up to `width` bytes (missing bytes read as 0). */
static inline uint16_t fuzz_take_u16(fuzz_producer_t *producer)
{
    uint16_t low = fuzz_take_u8(producer);
    return (uint16_t)(low | (uint16_t)fuzz_take_u8(producer) << 8);
}

static inline uint32_t fuzz_take_u32(fuzz_producer_t *producer)
{
    uint32_t value = 0;
    for (int shift = 0; shift < 32; shift += 8) value |= (uint32_t)fuzz_take_u8(producer) << shift;
    return value;
}

static inline uint64_t fuzz_take_u64(fuzz_producer_t *producer)
{
    uint64_t low = fuzz_take_u32(producer);
    return low | (uint64_t)fuzz_take_u32(producer) << 32;
}

static inline bool fuzz_take_bool(fuzz_producer_t *producer) { return fuzz_take_u8(producer) & 1; }

/* A value in [min, max] (inclusive) from as few bytes as the range needs. */
static inline uint32_t fuzz_take_range(fuzz_producer_t *producer, uint32_t min, uint32_t max)
{
    if (max <= min) return min;
    uint32_t span = max - min;
    uint32_t value = span <= 0xff ? fuzz_take_u8(producer)
                   : span <= 0xffff ? fuzz_take_u16(producer)
                   : fuzz_take_u32(producer);
    return min + (span == UINT32_MAX ? value : value % (span + 1));
}

/* Up to `wanted` bytes in place; *got says how many there were. */
static inline const uint8_t *fuzz_take_bytes(fuzz_producer_t *producer, size_t wanted, size_t *got)
{
    const uint8_t *start = producer->data;
    *got = wanted < producer->size ? wanted : producer->size;
    producer->data += *got;
    producer->size -= *got;
    return start;
}

/* Everything left. */
static inline const uint8_t *fuzz_take_rest(fuzz_producer_t *producer, size_t *got)
{
    return fuzz_take_bytes(producer, producer->size, got);
}

#endif
