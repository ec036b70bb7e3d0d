/* codec_simd.c — which SIMD kernels the converters run: CPU detection, the BUFBENCH_SIMD
 * override, the public level API (buf_codec.h), and the scalar level's kernel table.
 *
 * The level is chosen once, lazily, at the first conversion (or the first buf_simd_level
 * call): pthread_once runs the choice, so two threads converting at once agree and the
 * refusal of a bad BUFBENCH_SIMD is printed once.  After that each conversion pays one
 * atomic load (codec_kernels() in codec_internal.h).  buf_simd_level_set swaps the table
 * pointer; every table gives the same output, so a conversion that read the old pointer
 * still writes the right bytes.
 *
 * Detection uses __builtin_cpu_supports, which also checks that the OS saves the AVX
 * registers (XGETBV), so "avx2" here means the kernels can really run.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"
#include "codec_internal.h"

/* ---- The scalar level: every kernel consumes nothing ------------------------------------
 * The scalar code in codec_*.c then does all the work: this level IS the reference the
 * others are tested against byte for byte. */
static size_t nothing_encoded(const uint8_t *bytes, size_t length, uint8_t *dst, bool url)
{
    (void)bytes, (void)length, (void)dst, (void)url;
    return 0;
}

static size_t nothing_converted(const uint8_t *input, size_t length, uint8_t *dst)
{
    (void)input, (void)length, (void)dst;
    return 0;
}

static size_t nothing_scanned(const uint8_t *input, size_t length)
{
    (void)input, (void)length;
    return 0;
}

const codec_kernels_t codec_kernels_scalar = {
    .level = BUF_SIMD_SCALAR,
    .base64_encode = nothing_encoded,
    .base64_decode = nothing_converted,
    .hex_encode = nothing_converted,
    .hex_decode = nothing_converted,
    .ascii_prefix = nothing_scanned,
    .ascii_copy = nothing_converted,
    .ascii_widen = nothing_converted,
    .utf16_ascii_narrow = nothing_converted,
    .ascii_mask = nothing_converted,
    .utf8_valid_prefix = nothing_converted,
    .encode_write = CODEC_ENCODE_WRITERS(codec_utf16le_encode_write, codec_latin1_encode_write,
                                         codec_base64_standard_encode_write, codec_base64url_encode_write),
    .decode_write = CODEC_DECODE_WRITERS(codec_utf16le_decode_write, codec_latin1_decode_write,
                                         codec_hex_decode_write, codec_base64_decode_write),
    .encode_entry = CODEC_ENTRIES(codec_binary_text_encode_entry, codec_binary_text_encode_entry, codec_binary_text_encode_entry),
    .decode_entry = CODEC_ENTRIES(codec_binary_text_decode_entry, codec_binary_text_decode_entry, codec_binary_text_decode_entry),
    .utf8_copy_whole = codec_utf8_copy_whole,
};

/* ---- Levels ------------------------------------------------------------------------------ */
static const char *const level_names[BUF_SIMD_LEVEL_COUNT] = {"scalar", "sse42", "avx2", "avx512"};

const char *buf_simd_level_name(buf_simd_level_t level)
{
    return (unsigned)level < BUF_SIMD_LEVEL_COUNT ? level_names[level] : "unknown";
}

buf_status_t buf_simd_level_parse(const char *name, buf_simd_level_t *out)
{
    for (int level = 0; name && level < BUF_SIMD_LEVEL_COUNT; level++) {
        if (strcmp(name, level_names[level]) == 0) {
            if (out)
                *out = (buf_simd_level_t)level;
            return BUF_OK;
        }
    }
    return BUF_EINVAL;
}

/* The kernel table of a level, or NULL if this build has none for it. */
static const codec_kernels_t *kernels_of(buf_simd_level_t level)
{
    switch (level) {
    case BUF_SIMD_SCALAR: return &codec_kernels_scalar;
#ifdef CODEC_HAVE_X86_KERNELS
    case BUF_SIMD_SSE42: return &codec_kernels_sse42;
    case BUF_SIMD_AVX2: return &codec_kernels_avx2;
#endif
    default: return NULL; /* avx512: no kernels written yet */
    }
}

static bool cpu_runs(buf_simd_level_t level)
{
#ifdef CODEC_HAVE_X86_KERNELS
    __builtin_cpu_init();
    switch (level) {
    case BUF_SIMD_SCALAR: return true;
    /* the sse42 kernels also use SSSE3's pshufb and SSE4.1's blends: every SSE4.2 CPU has them */
    case BUF_SIMD_SSE42: return __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("ssse3");
    case BUF_SIMD_AVX2: return __builtin_cpu_supports("avx2");
    case BUF_SIMD_AVX512: return __builtin_cpu_supports("avx512bw");
    default: return false;
    }
#else
    return level == BUF_SIMD_SCALAR;
#endif
}

bool buf_simd_level_available(buf_simd_level_t level)
{
    return (unsigned)level < BUF_SIMD_LEVEL_COUNT && kernels_of(level) != NULL && cpu_runs(level);
}

static buf_simd_level_t best_available(void)
{
    for (int level = BUF_SIMD_LEVEL_COUNT - 1; level > BUF_SIMD_SCALAR; level--)
        if (buf_simd_level_available((buf_simd_level_t)level))
            return (buf_simd_level_t)level;
    return BUF_SIMD_SCALAR;
}

/* ---- The choice, once ------------------------------------------------------------------- */
const codec_kernels_t *codec_kernels_active;

static void choose_level(void)
{
    const buf_simd_level_t best = best_available();
    buf_simd_level_t chosen = best;
    const char *forced = getenv("BUFBENCH_SIMD");
    if (forced && *forced) {
        buf_simd_level_t level;
        if (buf_simd_level_parse(forced, &level) != BUF_OK)
            fprintf(stderr, "bufbench: BUFBENCH_SIMD=%s is not a SIMD level (scalar, sse42, avx2, avx512); using %s\n",
                    forced, level_names[best]);
        else if (!buf_simd_level_available(level))
            fprintf(stderr, "bufbench: BUFBENCH_SIMD=%s is not available here (%s); using %s\n", forced,
                    kernels_of(level) ? "this CPU lacks the instructions" : "this build has no kernels for it",
                    level_names[best]);
        else
            chosen = level;
    }
    __atomic_store_n(&codec_kernels_active, kernels_of(chosen), __ATOMIC_RELEASE);
}

static pthread_once_t level_chosen = PTHREAD_ONCE_INIT;

const codec_kernels_t *codec_kernels_select(void)
{
    pthread_once(&level_chosen, choose_level);
    return __atomic_load_n(&codec_kernels_active, __ATOMIC_ACQUIRE);
}

buf_simd_level_t buf_simd_level(void)
{
    return codec_kernels()->level;
}

buf_status_t buf_simd_level_set(buf_simd_level_t level)
{
    if (!buf_simd_level_available(level))
        return BUF_EINVAL;
    codec_kernels_select(); /* BUFBENCH_SIMD is read (and judged) once, even if set first */
    __atomic_store_n(&codec_kernels_active, kernels_of(level), __ATOMIC_RELEASE);
    return BUF_OK;
}
