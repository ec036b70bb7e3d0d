/* stream_chunking — the streaming codecs against the one-shot ones, under any chunking.
 *
 * Property, for every payload, encoding, direction and chunking:
 *   - the codec layer (buf_codec_stream_t, buf_codec_convert_t), fed the payload in the
 *     fuzzer's chunk sizes with the bound or a random tighter output room, writes exactly
 *     the one-shot output (buf_encode / buf_decode / buf_decode_strict, or decode A then
 *     encode B), and a strict failure has the one-shot offset, with only a prefix of the
 *     lenient output written before it;
 *   - the stream layer (a readable over a source that returns the fuzzer's short reads ->
 *     buf_convert_stream_t -> a writable over a sink that takes the fuzzer's short writes),
 *     with every chunk from the selected backend, gives the same output; with an injected
 *     fault (a read error, a write error, allocation failures from fail(...)) it fails
 *     cleanly: the error is the injected one (or strict's, if that came first), what was
 *     written is a prefix of the one-shot output and the writable's count says how much,
 *     and every block goes back to the backend (fuzz_backend_close aborts on a leak).
 *
 * Input: backend selector (fuzz_backend.h), then
 *   byte  conversion: bits 0-2 encoding E (mod 7), bits 3-5 what: 0 encode raw->E,
 *         1 decode E->raw, 2 strict decode, 3 convert E->F, 4 strict convert, 5 raw->raw
 *   byte  F, the second encoding of a conversion (mod 7)
 *   byte  readable chunk size 1..64
 *   u16   seed of the chunk sizes, short reads and short writes
 *   byte  faults: bit 0 tight output room in the codec run, bit 1 a read error, bit 2 a
 *         write error (at the offset in the next byte, times 16)
 *   byte  fault offset / 16
 *   rest  the payload (at most 4096 bytes: stream_chunking.options)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "buf_codec.h"
#include "buf_model.h"
#include "buf_stream.h"
#include "fuzz_backend.h"
#include "fuzz_helpers.h"

/* ---- Parameters --------------------------------------------------------------------------- */
typedef enum what {
    WHAT_ENCODE,
    WHAT_DECODE,
    WHAT_DECODE_STRICT,
    WHAT_CONVERT,
    WHAT_CONVERT_STRICT,
    WHAT_RAW,
    WHAT_COUNT
} what_t;

typedef struct params {
    what_t what;
    buf_encoding_t from, to; /* from: E; to: F for a conversion */
    size_t chunk_size;
    uint32_t seed;
    bool tight_room, read_error, write_error;
    size_t fault_offset;
    const uint8_t *payload;
    size_t length;
} params_t;

static uint32_t next_random(uint32_t *state) /* xorshift32: the fuzzer's seed, replayable */
{
    uint32_t x = *state ? *state : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

static bool is_strict(what_t what) { return what == WHAT_DECODE_STRICT || what == WHAT_CONVERT_STRICT; }

/* ---- The one-shot answer -------------------------------------------------------------------- */
typedef struct answer {
    buf_status_t status; /* BUF_OK or BUF_ESTRICT */
    size_t bad_offset;
    uint8_t *bytes; /* the output (for strict: the lenient output, of which a failure writes a prefix) */
    size_t length;
} answer_t;

static uint8_t *decode_whole(buf_encoding_t encoding, const uint8_t *text, size_t length, size_t *out_length)
{
    size_t bound;
    FUZZ_ASSERT(buf_decode_bound(encoding, length, &bound) == BUF_OK);
    uint8_t *out = malloc(bound + 1);
    FUZZ_ASSERT(out);
    FUZZ_ASSERT(buf_decode(encoding, text, length, out, bound, out_length) == BUF_OK);
    return out;
}

static uint8_t *encode_whole(buf_encoding_t encoding, const uint8_t *bytes, size_t length, size_t *out_length)
{
    size_t bound;
    FUZZ_ASSERT(buf_encode_bound(encoding, length, &bound) == BUF_OK);
    uint8_t *out = malloc(bound + 1);
    FUZZ_ASSERT(out);
    FUZZ_ASSERT(buf_encode(encoding, bytes, length, out, bound, out_length) == BUF_OK);
    return out;
}

static answer_t one_shot(const params_t *params)
{
    answer_t answer = {BUF_OK, params->length, NULL, 0};
    if (is_strict(params->what)) {
        FUZZ_ASSERT(buf_decode_strict_offset(params->from, params->payload, params->length, &answer.bad_offset) ==
                    BUF_OK);
        if (answer.bad_offset < params->length)
            answer.status = BUF_ESTRICT;
    }
    switch (params->what) {
    case WHAT_ENCODE: answer.bytes = encode_whole(params->from, params->payload, params->length, &answer.length); break;
    case WHAT_DECODE:
    case WHAT_DECODE_STRICT:
        answer.bytes = decode_whole(params->from, params->payload, params->length, &answer.length);
        break;
    case WHAT_CONVERT:
    case WHAT_CONVERT_STRICT: {
        size_t middle_length;
        uint8_t *middle = decode_whole(params->from, params->payload, params->length, &middle_length);
        answer.bytes = encode_whole(params->to, middle, middle_length, &answer.length);
        free(middle);
        break;
    }
    default:
        answer.bytes = malloc(params->length + 1);
        FUZZ_ASSERT(answer.bytes);
        memcpy(answer.bytes, params->payload, params->length);
        answer.length = params->length;
        break;
    }
    return answer;
}

/* What a run produced must be the answer, or (after a failure) a prefix of it. */
static void expect_output(const answer_t *answer, const uint8_t *got, size_t got_length, bool complete)
{
    if (complete) {
        if (got_length != answer->length || (got_length && memcmp(got, answer->bytes, got_length) != 0)) {
            fuzz_dump_hex("streamed", got, got_length);
            fuzz_dump_hex("one-shot", answer->bytes, answer->length);
        }
        FUZZ_ASSERT(got_length == answer->length);
    } else {
        FUZZ_ASSERT_MSG(got_length <= answer->length, "%zu bytes before the failure, one-shot %zu", got_length,
                        answer->length);
    }
    FUZZ_ASSERT(got_length == 0 || memcmp(got, answer->bytes, got_length) == 0);
}

/* ---- 1. The codec layer, chunk by chunk ------------------------------------------------------ */
typedef struct codec_run {
    bool convert;
    buf_codec_stream_t single;
    buf_codec_convert_t pair;
} codec_run_t;

static buf_status_t run_bound(const codec_run_t *run, size_t length, size_t *out)
{
    return run->convert ? buf_codec_convert_bound(&run->pair, length, out)
                        : buf_codec_stream_bound(&run->single, length, out);
}

static void check_codec_layer(const params_t *params, const answer_t *answer)
{
    if (params->what == WHAT_RAW)
        return; /* raw -> raw has no codec */
    codec_run_t run = {.convert = params->what == WHAT_CONVERT || params->what == WHAT_CONVERT_STRICT};
    if (run.convert)
        FUZZ_ASSERT(buf_codec_convert_init(&run.pair, params->from, params->to, is_strict(params->what)) == BUF_OK);
    else
        FUZZ_ASSERT(buf_codec_stream_init(&run.single, params->from,
                                          params->what == WHAT_ENCODE ? BUF_CODEC_ENCODE
                                          : params->what == WHAT_DECODE ? BUF_CODEC_DECODE
                                                                        : BUF_CODEC_DECODE_STRICT) == BUF_OK);
    size_t total_bound;
    FUZZ_ASSERT(run_bound(&run, params->length, &total_bound) == BUF_OK);
    uint8_t *out = malloc(answer->length + total_bound + 64);
    FUZZ_ASSERT(out);
    uint32_t random = params->seed;
    size_t pos = 0, put = 0;
    buf_status_t status = BUF_OK;
    while (pos < params->length && status == BUF_OK) {
        const size_t left = params->length - pos;
        const size_t chunk = 1 + next_random(&random) % (left < params->chunk_size ? left : params->chunk_size);
        size_t bound, consumed, written;
        FUZZ_ASSERT(run_bound(&run, chunk, &bound) == BUF_OK);
        size_t room = bound;
        if (params->tight_room && bound > BUF_CODEC_STREAM_MIN_OUTPUT)
            room = BUF_CODEC_STREAM_MIN_OUTPUT + next_random(&random) % (bound - BUF_CODEC_STREAM_MIN_OUTPUT + 1);
        FUZZ_ASSERT(put + room <= answer->length + total_bound + 64);
        status = run.convert ? buf_codec_convert_update(&run.pair, params->payload + pos, chunk, out + put, room,
                                                        &consumed, &written)
                             : buf_codec_stream_update(&run.single, params->payload + pos, chunk, out + put, room,
                                                       &consumed, &written);
        FUZZ_ASSERT(written <= room && consumed <= chunk);
        if (status == BUF_OK) {
            FUZZ_ASSERT_MSG(consumed || written, "no progress with %zu bytes of room", room);
            FUZZ_ASSERT(room < bound || consumed == chunk);
        }
        put += written;
        pos += consumed;
    }
    if (status == BUF_OK) {
        size_t bound, written;
        FUZZ_ASSERT(run_bound(&run, 0, &bound) == BUF_OK);
        FUZZ_ASSERT(put + bound <= answer->length + total_bound + 64);
        status = run.convert ? buf_codec_convert_finish(&run.pair, out + put, bound, &written)
                             : buf_codec_stream_finish(&run.single, out + put, bound, &written);
        put += written;
    }
    FUZZ_ASSERT_MSG(status == answer->status, "streamed %s, one-shot %s", buf_status_name(status),
                    buf_status_name(answer->status));
    if (status == BUF_ESTRICT) {
        uint64_t offset;
        FUZZ_ASSERT((run.convert ? buf_codec_convert_bad_offset(&run.pair, &offset)
                                 : buf_codec_stream_bad_offset(&run.single, &offset)) == BUF_OK);
        FUZZ_ASSERT_MSG(offset == answer->bad_offset, "strict offset %llu, one-shot %zu", (unsigned long long)offset,
                        answer->bad_offset);
    }
    expect_output(answer, out, put, status == BUF_OK);
    free(out);
}

/* ---- 2. The stream layer: short reads, short writes, faults, chunks from the backend ------- */
typedef struct source_state {
    const params_t *params;
    size_t pos;
    uint32_t random;
} source_state_t;

static long source_read(void *context, uint8_t *dst, size_t capacity)
{
    source_state_t *source = context;
    const params_t *params = source->params;
    if (params->read_error && source->pos >= params->fault_offset)
        return -EIO;
    size_t count = params->length - source->pos;
    if (count > capacity)
        count = capacity;
    if (count > 1)
        count = 1 + next_random(&source->random) % count; /* short reads, as a pipe gives them */
    if (params->read_error && source->pos + count > params->fault_offset)
        count = params->fault_offset - source->pos; /* the error comes exactly there */
    memcpy(dst, params->payload + source->pos, count);
    source->pos += count;
    return (long)count;
}

typedef struct sink_state {
    const params_t *params;
    uint8_t *bytes;
    size_t length, capacity;
    uint32_t random;
} sink_state_t;

static long sink_writev(void *context, const struct iovec *iov, int iovcnt)
{
    sink_state_t *sink = context;
    if (sink->params->write_error && sink->length >= sink->params->fault_offset)
        return -EIO;
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    if (total > 1)
        total = 1 + next_random(&sink->random) % total; /* short writes */
    size_t taken = 0;
    for (int i = 0; i < iovcnt && taken < total; i++) {
        size_t part = iov[i].iov_len < total - taken ? iov[i].iov_len : total - taken;
        FUZZ_ASSERT(sink->length + part <= sink->capacity);
        memcpy(sink->bytes + sink->length, iov[i].iov_base, part);
        sink->length += part;
        taken += part;
    }
    return (long)taken;
}

static void check_stream_layer(const params_t *params, const answer_t *answer, const fuzz_backend_t *selected)
{
    const bool from_raw = params->what == WHAT_ENCODE || params->what == WHAT_RAW;
    const bool to_raw = params->what == WHAT_DECODE || params->what == WHAT_DECODE_STRICT || params->what == WHAT_RAW;
    const buf_encoding_t from = params->from, to = params->what == WHAT_ENCODE ? params->from : params->to;
    source_state_t source = {params, 0, params->seed ^ 0x5EEDu};
    sink_state_t sink = {params, malloc(answer->length + 1), 0, answer->length, params->seed ^ 0xC0DEu};
    FUZZ_ASSERT(sink.bytes);
    buf_readable_t *readable = NULL;
    buf_writable_t *writable = NULL;
    buf_convert_stream_t *converter = NULL;
    const buf_readable_options_t readable_options = {params->chunk_size};
    /* a small mark keeps the queued chunks (each a live block) under FUZZ_MAX_LIVE_BLOCKS */
    const buf_writable_options_t writable_options = {32, NULL, NULL};
    FUZZ_ASSERT(buf_readable_from_source(selected->backend, (buf_source_t){source_read, &source}, &readable_options,
                                         &readable) == BUF_OK);
    FUZZ_ASSERT(buf_writable_to_sink((buf_sink_t){sink_writev, &sink}, &writable_options, &writable) == BUF_OK);
    FUZZ_ASSERT(buf_convert_stream_new(selected->backend, from_raw, from, to_raw, to, is_strict(params->what),
                                       &converter) == BUF_OK);
    const buf_transform_t transform = buf_convert_stream_transform(converter);
    buf_pipe_result_t result;
    const buf_status_t status = buf_pipe_run(readable, &transform, 1, writable, NULL, &result);
    FUZZ_ASSERT(status == result.status);
    FUZZ_ASSERT(result.bytes_written == sink.length);
    if (status == BUF_OK) {
        FUZZ_ASSERT(answer->status == BUF_OK && !(params->read_error && params->fault_offset < params->length));
        expect_output(answer, sink.bytes, sink.length, true);
    } else if (status == BUF_ESTRICT) {
        FUZZ_ASSERT(answer->status == BUF_ESTRICT);
        FUZZ_ASSERT(buf_convert_stream_bad_offset(converter) == answer->bad_offset);
        expect_output(answer, sink.bytes, sink.length, false);
    } else {
        /* only an injected fault may fail the run, and cleanly */
        FUZZ_ASSERT_MSG((status == BUF_ENOMEM && selected->injects_failures) ||
                            (status == BUF_EIO && (params->read_error || params->write_error)),
                        "%s with %s", buf_status_name(status), selected->spec);
        expect_output(answer, sink.bytes, sink.length, false);
    }
    buf_convert_stream_destroy(converter);
    buf_writable_destroy(writable);
    buf_readable_destroy(readable);
    free(sink.bytes);
}

/* ---- Entry point --------------------------------------------------------------------------- */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_producer_t input = fuzz_producer_make(data, size);
    fuzz_backend_t selected;
    if (!fuzz_backend_open(&input, &selected))
        return 0;
    params_t params;
    const uint8_t conversion = fuzz_take_u8(&input);
    params.from = (buf_encoding_t)((conversion & 7u) % BUF_ENC_COUNT);
    params.what = (what_t)(((conversion >> 3) & 7u) % WHAT_COUNT);
    params.to = (buf_encoding_t)(fuzz_take_u8(&input) % BUF_ENC_COUNT);
    params.chunk_size = fuzz_take_range(&input, 1, 64);
    params.seed = fuzz_take_u16(&input);
    const uint8_t faults = fuzz_take_u8(&input);
    params.tight_room = faults & 1u;
    params.read_error = faults & 2u;
    params.write_error = faults & 4u;
    params.fault_offset = (size_t)fuzz_take_u8(&input) * 16;
    params.payload = fuzz_take_rest(&input, &params.length);
    if (params.length > 4096)
        params.length = 4096;

    answer_t answer = one_shot(&params);
    check_codec_layer(&params, &answer);
    check_stream_layer(&params, &answer, &selected);
    free(answer.bytes);
    fuzz_backend_close(&selected);
    return 0;
}
