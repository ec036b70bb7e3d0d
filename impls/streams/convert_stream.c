/* convert_stream.c — the streaming codecs as a pipe transform (buf_convert_stream_t in
 * buf_stream.h): each input chunk goes through the codec layer's incremental converter
 * (buf_codec_stream_t for encode or decode, buf_codec_convert_t for A -> B), and the text
 * or bytes it produces leave as chunks from the stream's backend.
 *
 * Output chunks: each holds at most OUTPUT_CHUNK bytes (the readable's default chunk, so a
 * pipe's in-flight bound holds with default chunks), and no more than the converter's
 * bound for the input at hand, so a 1-byte input chunk does not take 64 KiB.  raw -> raw
 * passes the input chunk on as it is: no copy, no allocation.
 *
 * Ownership: the stream owns its converter state (inside the struct) and nothing else
 * between calls; every chunk it makes is handed to emit (which takes its own reference)
 * and released here at once.  The backend must outlive the stream.
 */
#include <stdlib.h>

#include "buf_stream.h"
#include "core/core_assert.h"

#define OUTPUT_CHUNK BUF_STREAM_DEFAULT_CHUNK

typedef enum convert_kind { PASS_THROUGH, ONE_DIRECTION, BOTH_DIRECTIONS } convert_kind_t;

struct buf_convert_stream {
    buf_backend_t *backend;
    convert_kind_t kind;
    buf_codec_stream_t single;   /* ONE_DIRECTION */
    buf_codec_convert_t convert; /* BOTH_DIRECTIONS */
};

/* ---- The converter, whichever it is ------------------------------------------------------- */
static buf_status_t converter_bound(const buf_convert_stream_t *stream, size_t length, size_t *out)
{
    return stream->kind == ONE_DIRECTION ? buf_codec_stream_bound(&stream->single, length, out)
                                         : buf_codec_convert_bound(&stream->convert, length, out);
}

static buf_status_t converter_update(buf_convert_stream_t *stream, const uint8_t *in, size_t length, uint8_t *out,
                                     size_t out_cap, size_t *consumed, size_t *written)
{
    return stream->kind == ONE_DIRECTION
               ? buf_codec_stream_update(&stream->single, in, length, out, out_cap, consumed, written)
               : buf_codec_convert_update(&stream->convert, in, length, out, out_cap, consumed, written);
}

static buf_status_t converter_finish(buf_convert_stream_t *stream, uint8_t *out, size_t out_cap, size_t *written)
{
    return stream->kind == ONE_DIRECTION ? buf_codec_stream_finish(&stream->single, out, out_cap, written)
                                         : buf_codec_convert_finish(&stream->convert, out, out_cap, written);
}

/* Emits out[0, written) of `chunk` (a view of it, so the bytes are not copied). */
static buf_status_t emit_written(const buf_buffer_t *chunk, size_t written, buf_emit_fn emit, void *emit_context)
{
    if (written == 0)
        return BUF_OK;
    buf_buffer_t part;
    buf_status_t status = buf_buffer_subarray(chunk, 0, (int64_t)written, &part);
    if (status != BUF_OK)
        return status;
    status = emit(emit_context, &part);
    buf_buffer_release(&part);
    return status;
}

/* ---- The transform ------------------------------------------------------------------------- */
static buf_status_t convert_chunk(void *context, const buf_buffer_t *chunk, buf_emit_fn emit, void *emit_context)
{
    buf_convert_stream_t *stream = context;
    if (stream->kind == PASS_THROUGH)
        return emit(emit_context, chunk);
    const uint8_t *in = buf_buffer_data(chunk);
    size_t length = (size_t)buf_buffer_length(chunk);
    while (length > 0) {
        size_t bound;
        buf_status_t status = converter_bound(stream, length, &bound);
        if (status != BUF_OK)
            return status;
        const size_t capacity = bound < OUTPUT_CHUNK ? bound : OUTPUT_CHUNK; /* >= the progress minimum */
        buf_buffer_t out;
        status = buf_buffer_alloc_unsafe(stream->backend, (int64_t)capacity, &out);
        if (status != BUF_OK)
            return status;
        size_t consumed = 0, written = 0;
        status = converter_update(stream, in, length, buf_buffer_data(&out), capacity, &consumed, &written);
        const buf_status_t emitted = emit_written(&out, written, emit, emit_context);
        buf_buffer_release(&out);
        if (status != BUF_OK)
            return status;
        if (emitted != BUF_OK)
            return emitted;
        in += consumed;
        length -= consumed;
    }
    return BUF_OK;
}

static buf_status_t convert_flush(void *context, buf_emit_fn emit, void *emit_context)
{
    buf_convert_stream_t *stream = context;
    if (stream->kind == PASS_THROUGH)
        return BUF_OK;
    size_t bound, written = 0;
    buf_status_t status = converter_bound(stream, 0, &bound);
    if (status != BUF_OK)
        return status;
    buf_buffer_t out;
    status = buf_buffer_alloc_unsafe(stream->backend, (int64_t)bound, &out);
    if (status != BUF_OK)
        return status;
    status = converter_finish(stream, buf_buffer_data(&out), bound, &written);
    if (status == BUF_OK)
        status = emit_written(&out, written, emit, emit_context);
    buf_buffer_release(&out);
    return status;
}

/* ---- Life cycle -------------------------------------------------------------------------- */
buf_status_t buf_convert_stream_new(buf_backend_t *backend, bool from_raw, buf_encoding_t from, bool to_raw,
                                    buf_encoding_t to, bool strict, buf_convert_stream_t **out)
{
    if (!backend || !out || (!from_raw && (unsigned)from >= BUF_ENC_COUNT) ||
        (!to_raw && (unsigned)to >= BUF_ENC_COUNT) || (strict && from_raw))
        return BUF_EINVAL;
    buf_convert_stream_t *stream = calloc(1, sizeof *stream);
    if (!stream)
        return BUF_ENOMEM;
    stream->backend = backend;
    buf_status_t status = BUF_OK;
    if (from_raw && to_raw) {
        stream->kind = PASS_THROUGH;
    } else if (from_raw || to_raw) {
        stream->kind = ONE_DIRECTION;
        status = from_raw ? buf_codec_stream_init(&stream->single, to, BUF_CODEC_ENCODE)
                          : buf_codec_stream_init(&stream->single, from,
                                                  strict ? BUF_CODEC_DECODE_STRICT : BUF_CODEC_DECODE);
    } else {
        stream->kind = BOTH_DIRECTIONS;
        status = buf_codec_convert_init(&stream->convert, from, to, strict);
    }
    if (status != BUF_OK) {
        free(stream);
        return status;
    }
    *out = stream;
    return BUF_OK;
}

buf_transform_t buf_convert_stream_transform(buf_convert_stream_t *stream)
{
    return (buf_transform_t){convert_chunk, convert_flush, stream};
}

uint64_t buf_convert_stream_bad_offset(const buf_convert_stream_t *stream)
{
    uint64_t offset = UINT64_MAX;
    if (stream && stream->kind == ONE_DIRECTION)
        buf_codec_stream_bad_offset(&stream->single, &offset);
    else if (stream && stream->kind == BOTH_DIRECTIONS)
        buf_codec_convert_bad_offset(&stream->convert, &offset);
    return offset;
}

void buf_convert_stream_destroy(buf_convert_stream_t *stream)
{
    free(stream);
}
