/* encoding_differential — the production codecs against the reference codec.
 *
 * Property: for every input, encoding and code path, the production codec's output is
 * byte-identical to fuzz/reference_codec.c (an independent, plain implementation of
 * Node v20's rules that shares no code or tables with impls/):
 *   encode(E, payload) and decode(E, payload), through the fast path (capacity = bound),
 *   the measured path (capacity = exact length) and a capacity in between, with the
 *   input at every alignment; the *_alloc functions with the selected backend (an
 *   injected failure must be a clean BUF_ENOMEM with *out zeroed); buf_encode_length,
 *   buf_decode_length and buf_byte_length; and a strict decode that succeeds must agree
 *   with the lenient one.  This is what keeps the SIMD code honest: every input runs at
 *   every SIMD level this machine has (buf_simd_level_set), each against the reference;
 *   LLVMFuzzerInitialize names the levels run and the ones skipped (not on this machine)
 *   on stderr, once.
 *
 * Input: backend selector (fuzz_backend.h), encoding/path byte (fuzz_codec.h), an
 * alignment byte, then the payload (read as bytes for encode and as UTF-8 text for
 * decode), at most FUZZ_CODEC_MAX_INPUT bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_codec.h"
#include "buf_model.h"
#include "fuzz_backend.h"
#include "fuzz_codec.h"
#include "fuzz_helpers.h"
#include "reference_codec.h"

static void assert_same(const char *what, fuzz_encoding_t encoding, const uint8_t *input, size_t input_length,
                        const uint8_t *expected, size_t expected_length, const uint8_t *got, size_t got_length)
{
    if (expected_length == got_length && (got_length == 0 || memcmp(expected, got, got_length) == 0)) return;
    fprintf(stderr, "%s %s differs from the reference\n", encoding.name, what);
    fuzz_dump_hex("input", input, input_length);
    fuzz_dump_hex("reference", expected, expected_length);
    fuzz_dump_hex("production", got, got_length);
    FUZZ_ASSERT(!"production codec differs from the reference codec");
}

static void check_direction(bool encode, fuzz_encoding_t encoding, fuzz_backend_t *selected, unsigned path,
                            const uint8_t *input, size_t length)
{
    const char *what = encode ? "encode" : "decode";
    ref_output_t expected;
    FUZZ_ASSERT(encode ? ref_encode(encoding.reference, input, length, &expected)
                       : ref_decode(encoding.reference, input, length, &expected));

    /* Caller-memory converter, in the capacity mode the path byte picks. */
    size_t written;
    uint8_t *got = fuzz_production_convert(encode, encoding, input, length,
                                           (fuzz_capacity_t)(path % CAPACITY_COUNT), &written);
    assert_same(what, encoding, input, length, expected.data, expected.length, got, written);
    free(got);

    /* Backend-allocated result. */
    buf_bytes_t result;
    buf_status_t status = encode ? buf_encode_alloc(selected->backend, encoding.production, input, length, &result)
                                 : buf_decode_alloc(selected->backend, encoding.production, input, length, &result);
    if (status == BUF_OK) {
        assert_same(encode ? "encode_alloc" : "decode_alloc", encoding, input, length, expected.data,
                    expected.length, result.data, result.length);
        FUZZ_ASSERT(result.capacity >= result.length && result.backend == selected->backend);
    } else {
        FUZZ_ASSERT_MSG(status == BUF_ENOMEM && selected->injects_failures, "%s %s_alloc on %s: %s",
                        encoding.name, what, selected->spec, buf_status_name(status));
        FUZZ_ASSERT(result.data == NULL && result.length == 0 && result.capacity == 0);
    }
    buf_bytes_release(&result);

    if (!encode) {
        /* Lengths Node computes for the text. */
        size_t reference_length = ref_byte_length(encoding.reference, input, length);
        size_t production_length = fuzz_byte_length(encoding, input, length);
        FUZZ_ASSERT_MSG(reference_length == production_length, "%s byteLength: reference %zu, production %zu",
                        encoding.name, reference_length, production_length);

        /* A strict decode that passes must produce exactly the lenient bytes. */
        size_t capacity = expected.length, bad_offset = SIZE_MAX, strict_written = 0;
        uint8_t *strict = malloc(capacity ? capacity : 1);
        FUZZ_ASSERT(strict != NULL);
        status = buf_decode_strict(encoding.production, input, length, strict, capacity, &strict_written, &bad_offset);
        if (status == BUF_OK) {
            FUZZ_ASSERT(bad_offset == length);
            assert_same("strict decode", encoding, input, length, expected.data, expected.length, strict,
                        strict_written);
        } else {
            FUZZ_ASSERT_MSG(status == BUF_ESTRICT && bad_offset < length, "%s strict decode: %s at %zu of %zu",
                            encoding.name, buf_status_name(status), bad_offset, length);
        }
        free(strict);
    }
    ref_output_release(&expected);
}

/* ---- SIMD levels: every one this machine has --------------------------------------- */
static buf_simd_level_t levels_to_run[BUF_SIMD_LEVEL_COUNT];
static size_t level_count;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char run[64] = "", skipped[64] = "";
    for (int level = 0; level < BUF_SIMD_LEVEL_COUNT; level++) {
        const bool here = buf_simd_level_available((buf_simd_level_t)level);
        if (here)
            levels_to_run[level_count++] = (buf_simd_level_t)level;
        char *list = here ? run : skipped;
        snprintf(list + strlen(list), sizeof run - strlen(list), " %s", buf_simd_level_name((buf_simd_level_t)level));
    }
    fprintf(stderr, "encoding_differential: SIMD levels run:%s; skipped (not on this machine): %zu%s\n", run,
            (size_t)BUF_SIMD_LEVEL_COUNT - level_count, skipped);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (level_count == 0) /* a driver that never called LLVMFuzzerInitialize */
        LLVMFuzzerInitialize(NULL, NULL);
    fuzz_producer_t input = fuzz_producer_make(data, size);
    fuzz_backend_t selected;
    if (!fuzz_backend_open(&input, &selected)) return 0;
    unsigned path;
    fuzz_encoding_t encoding = fuzz_take_encoding(&input, &path);
    unsigned misalign = fuzz_take_u8(&input);
    size_t length;
    const uint8_t *payload = fuzz_take_bytes(&input, FUZZ_CODEC_MAX_INPUT, &length);

    void *block;
    const uint8_t *placed = fuzz_copy_misaligned(payload, length, misalign, &block);
    for (size_t i = 0; i < level_count; i++) {
        FUZZ_ASSERT(buf_simd_level_set(levels_to_run[i]) == BUF_OK);
        check_direction(true, encoding, &selected, path, placed, length);
        check_direction(false, encoding, &selected, path, placed, length);
    }
    free(block);

    fuzz_backend_close(&selected);
    return 0;
}
