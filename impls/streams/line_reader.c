/* line_reader.c — buf_line_reader_t: lines out of any readable, as Node's readline with
 * crlfDelay: Infinity splits them.
 *
 * Node splits each chunk's text with /\r?\n|\r(?!\n)/ and, when a chunk ends in \r,
 * drops a \n that starts the next chunk; with an infinite crlfDelay the result is the
 * one-shot split of the whole input, whatever the chunking:
 *   "a\r\nb\rc\n\nd\r\r\ne" -> a, b, c, "", d, "", e
 * and the text after the last line end is a line of its own if it is not empty (an empty
 * input gives no lines; "x\n" gives one).  \r and \n are ASCII and never occur inside a
 * UTF-8 sequence, so splitting the bytes is splitting the text: lines here are bytes.
 *
 * Zero copy where it can: a line that lies inside one chunk is handed out as a pointer
 * into that chunk, which the reader holds until the next call.  A line that spans chunks
 * is gathered in a carry buffer from the readable's backend (doubling, capped at
 * max_line), so an over-long line is BUF_ERANGE as soon as it passes max_line bytes, not
 * an unbounded allocation.
 *
 * Finding line ends: one memchr for \n per line, bounded by the next \r of the chunk,
 * which is looked up only when the reader has passed the last one found — so a chunk
 * without \r (almost all text) is searched for it once, in one long vectorised memchr,
 * instead of once per line.  That halves the memchr calls of the two-searches-a-line
 * version; their set-up was ~65 instructions a line of 64 bytes (callgrind,
 * bench stream_lines at 64 KiB chunks).
 *
 * A batch (buf_line_reader_next_batch) does better still on the same region: one pass
 * over it, 64 bytes at a time with SSE2 compares whose bit masks give every \n of the
 * block (no per-line memchr set-up at all, ~60-byte lines are one \n a block), and one
 * call for up to a whole chunk's lines instead of one call a line.  Everything else in a
 * batch (a new chunk, the carry, \r) goes through the same general path one line at a
 * time, so a batch is exactly the lines of as many buf_line_reader_next calls.
 */
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/core_assert.h"
#include "stream_internal.h"

/* ---- State ------------------------------------------------------------------------------ */
struct buf_line_reader {
    buf_readable_t *readable;
    buf_backend_t *backend; /* the carry buffer's */
    size_t max_line;
    buf_buffer_t chunk;     /* the chunk being split (length 0 when none is held) */
    const uint8_t *chunk_bytes;
    size_t chunk_length, position;
    size_t next_return;     /* the chunk's first \r at or after where it was last searched from */
    bool next_return_known; /* next_return is valid for this chunk */
    const uint8_t *pending; /* the start of a line that goes on past the held chunk, still */
    size_t pending_length;  /* in it: carried only if the next chunk does not continue it */
    uint8_t *carry;         /* the start of a line that spans chunks */
    size_t carry_length, carry_capacity;
    bool carry_delivered;   /* the carry was the last line handed out: empty it first */
    bool saw_return;        /* the last chunk ended in \r: a \n starting the next is its pair */
    buf_status_t final_status; /* BUF_OK while lines come; then BUF_EOF or the error */
};

buf_status_t buf_line_reader_new(buf_readable_t *readable, size_t max_line, buf_line_reader_t **out)
{
    if (!readable || !out)
        return BUF_EINVAL;
    buf_line_reader_t *reader = calloc(1, sizeof *reader);
    if (!reader)
        return BUF_ENOMEM;
    reader->readable = readable;
    reader->backend = stream_readable_backend(readable);
    reader->max_line = max_line ? max_line : BUF_STREAM_DEFAULT_MAX_LINE;
    reader->final_status = BUF_OK;
    *out = reader;
    return BUF_OK;
}

void buf_line_reader_destroy(buf_line_reader_t *reader)
{
    if (!reader)
        return;
    buf_buffer_release(&reader->chunk);
    if (reader->carry)
        buf_backend_free(reader->backend, reader->carry, reader->carry_capacity, 1);
    free(reader);
}

/* ---- The carry buffer ------------------------------------------------------------------------ */
/* Appends bytes to the carry: BUF_ERANGE past max_line, BUF_ENOMEM if the backend fails. */
static buf_status_t carry_append(buf_line_reader_t *reader, const uint8_t *bytes, size_t length)
{
    if (length > reader->max_line - reader->carry_length)
        return BUF_ERANGE;
    const size_t needed = reader->carry_length + length;
    if (needed > reader->carry_capacity) {
        size_t capacity = reader->carry_capacity ? reader->carry_capacity : 256;
        while (capacity < needed)
            capacity *= 2;
        if (capacity > reader->max_line)
            capacity = reader->max_line;
        buf_status_t status = BUF_OK;
        uint8_t *grown = buf_backend_alloc(reader->backend, capacity, 1, &status);
        if (!grown)
            return status;
        if (reader->carry) {
            memcpy(grown, reader->carry, reader->carry_length);
            buf_backend_free(reader->backend, reader->carry, reader->carry_capacity, 1);
        }
        reader->carry = grown;
        reader->carry_capacity = capacity;
    }
    memcpy(reader->carry + reader->carry_length, bytes, length);
    reader->carry_length = needed;
    return BUF_OK;
}

/* ---- Splitting ------------------------------------------------------------------------------ */
/* The offset of the first \n or \r at or after the reader's position in its chunk, or
 * chunk_length if there is none. */
static size_t find_line_end(buf_line_reader_t *reader)
{
    const size_t from = reader->position;
    if (!reader->next_return_known || reader->next_return < from) {
        const uint8_t *found = memchr(reader->chunk_bytes + from, '\r', reader->chunk_length - from);
        reader->next_return = found ? (size_t)(found - reader->chunk_bytes) : reader->chunk_length;
        reader->next_return_known = true;
    }
    const uint8_t *newline = memchr(reader->chunk_bytes + from, '\n', reader->next_return - from);
    return newline ? (size_t)(newline - reader->chunk_bytes) : reader->next_return;
}

static buf_status_t stop(buf_line_reader_t *reader, buf_status_t status)
{
    buf_buffer_release(&reader->chunk);
    reader->chunk_length = reader->position = reader->pending_length = 0;
    reader->next_return_known = false;
    return reader->final_status = status;
}

/* Gets the next chunk into the reader; BUF_EOF at the end.  A line left pending in the
 * held chunk is joined without a copy when the next chunk continues it in memory (the
 * same ArrayBuffer, starting where the held chunk ends: the readable hands out
 * consecutive views of one block when it reads ahead), so the region to split becomes
 * [line start, end of the new chunk), kept alive by the new chunk's reference to the
 * block.  Otherwise the pending bytes are copied into the carry while the held chunk
 * still holds them. */
static buf_status_t next_chunk(buf_line_reader_t *reader)
{
    buf_buffer_t next;
    const uint8_t *next_bytes = NULL;
    size_t next_length = 0;
    const buf_status_t status = stream_readable_read_known(reader->readable, &next, &next_bytes, &next_length);
    if (reader->pending_length > 0) {
        const uint8_t *pending = reader->pending;
        const size_t pending_length = reader->pending_length;
        reader->pending_length = 0;
        if (status == BUF_OK && next.buffer == reader->chunk.buffer && next_bytes == pending + pending_length) {
            buf_buffer_release(&reader->chunk);
            reader->chunk = next;
            reader->chunk_bytes = pending;
            reader->chunk_length = pending_length + next_length;
            reader->position = 0;
            reader->next_return_known = false;
            return BUF_OK;
        }
        const buf_status_t carried = carry_append(reader, pending, pending_length);
        if (carried != BUF_OK) {
            if (status == BUF_OK)
                buf_buffer_release(&next);
            return carried;
        }
    }
    buf_buffer_release(&reader->chunk);
    reader->chunk_length = reader->position = 0;
    reader->next_return_known = false;
    if (status != BUF_OK)
        return status;
    reader->chunk = next;
    reader->chunk_bytes = next_bytes;
    reader->chunk_length = next_length;
    return BUF_OK;
}

/* Every case: chunk boundaries, the carry, \r and \r\n, the end, errors. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static buf_status_t next_line_any(buf_line_reader_t *reader, const uint8_t **line, size_t *length)
{
    if (reader->final_status != BUF_OK)
        return reader->final_status;
    if (reader->carry_delivered) {
        reader->carry_length = 0;
        reader->carry_delivered = false;
    }
    for (;;) {
        if (reader->position == reader->chunk_length) {
            buf_status_t status = next_chunk(reader);
            if (status == BUF_EOF && reader->carry_length > 0) {
                /* the last line, without a line end */
                reader->final_status = BUF_EOF;
                *line = reader->carry;
                *length = reader->carry_length;
                return BUF_OK;
            }
            if (status != BUF_OK)
                return stop(reader, status);
            continue;
        }
        const uint8_t *start = reader->chunk_bytes + reader->position;
        const size_t left = reader->chunk_length - reader->position;
        if (reader->saw_return) {
            reader->saw_return = false;
            if (start[0] == '\n') { /* the \n of a \r\n split across chunks */
                reader->position++;
                continue;
            }
        }
        const size_t end_offset = find_line_end(reader);
        if (end_offset == reader->chunk_length) { /* the line goes on in the next chunk */
            if (reader->carry_length == 0) {
                /* left where it is until the next chunk shows whether it continues it */
                if (left > reader->max_line)
                    return stop(reader, BUF_ERANGE);
                reader->pending = start;
                reader->pending_length = left;
            } else {
                buf_status_t status = carry_append(reader, start, left);
                if (status != BUF_OK)
                    return stop(reader, status);
            }
            reader->position = reader->chunk_length;
            continue;
        }
        const uint8_t *end = reader->chunk_bytes + end_offset;
        const size_t line_length = (size_t)(end - start);
        size_t terminator = 1;
        if (*end == '\r') {
            if (line_length + 1 == left)
                reader->saw_return = true; /* a \n may start the next chunk */
            else if (end[1] == '\n')
                terminator = 2;
        }
        reader->position += line_length + terminator;
        if (reader->carry_length > 0) {
            buf_status_t status = carry_append(reader, start, line_length);
            if (status != BUF_OK)
                return stop(reader, status);
            reader->carry_delivered = true;
            *line = reader->carry;
            *length = reader->carry_length;
            return BUF_OK;
        }
        if (line_length > reader->max_line)
            return stop(reader, BUF_ERANGE);
        *line = start;
        *length = line_length;
        return BUF_OK;
    }
}

/* The common case first: a \n-terminated line inside the current chunk, before its next
 * \r, with nothing carried over.  It needs one memchr and no register-heavy frame (the
 * general path's prologue and epilogue alone were ~18 instructions a line). */
/* True when the lines from the reader's position on, up to its chunk's next \r, can be
 * handed out straight from the chunk: nothing carried, no pending \r, the \r known. */
static inline bool in_fast_region(const buf_line_reader_t *reader)
{
    const size_t from = reader->position;
    return reader->final_status == BUF_OK && reader->carry_length == 0 && !reader->saw_return &&
           reader->next_return_known && reader->next_return >= from && from < reader->chunk_length;
}

buf_status_t buf_line_reader_next(buf_line_reader_t *reader, const uint8_t **line, size_t *length)
{
    if (!reader || !line || !length)
        return BUF_EINVAL;
    const size_t from = reader->position;
    if (in_fast_region(reader)) {
        const uint8_t *start = reader->chunk_bytes + from;
        const uint8_t *newline = memchr(start, '\n', reader->next_return - from);
        if (newline && (size_t)(newline - start) <= reader->max_line) {
            *line = start;
            *length = (size_t)(newline - start);
            reader->position = from + *length + 1;
            return BUF_OK;
        }
    }
    return next_line_any(reader, line, length);
}

/* ---- Batches ---------------------------------------------------------------------------- */
/* Hands out up to capacity \n-terminated lines of the fast region (in_fast_region) and
 * moves the position past them; stops at the first line it cannot hand out (none left
 * before the next \r, or one longer than max_line) and leaves it to the general path. */
static size_t scan_fast_region(buf_line_reader_t *reader, buf_line_t *lines, size_t capacity)
{
    const uint8_t *const bytes = reader->chunk_bytes;
    const size_t limit = reader->next_return, max_line = reader->max_line;
    size_t start = reader->position, count = 0;
#if defined(__SSE2__)
    /* 64-byte blocks, wholly before the \r (so inside the chunk); a block's \n bits one
     * per byte in a 64-bit mask, taken lowest first. */
    const __m128i newline = _mm_set1_epi8('\n');
    for (size_t at = start; at + 64 <= limit; at += 64) {
        const __m128i *block = (const __m128i *)(bytes + at);
        uint64_t mask = (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(block), newline));
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(block + 1), newline)) << 16;
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(block + 2), newline)) << 32;
        mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(block + 3), newline)) << 48;
        for (; mask != 0; mask &= mask - 1) {
            const size_t end = at + (size_t)__builtin_ctzll(mask);
            if (end - start > max_line)
                goto done;
            lines[count++] = (buf_line_t){bytes + start, end - start};
            start = end + 1;
            if (count == capacity)
                goto done;
        }
    }
#endif
    /* the last bytes before the \r (or all of them without SSE2) */
    while (count < capacity && start < limit) {
        const uint8_t *found = memchr(bytes + start, '\n', limit - start);
        if (!found)
            break;
        const size_t end = (size_t)(found - bytes);
        if (end - start > max_line)
            break;
        lines[count++] = (buf_line_t){bytes + start, end - start};
        start = end + 1;
    }
#if defined(__SSE2__)
done:
#endif
    reader->position = start;
    return count;
}

buf_status_t buf_line_reader_next_batch(buf_line_reader_t *reader, buf_line_t *lines, size_t capacity, size_t *count)
{
    if (count)
        *count = 0;
    if (!reader || !lines || capacity == 0 || !count)
        return BUF_EINVAL;
    size_t got = 0;
    for (;;) {
        if (got < capacity && in_fast_region(reader))
            got += scan_fast_region(reader, lines + got, capacity - got);
        /* anything else may replace the chunk or refill the carry that earlier lines of
         * the batch point into: only for the first line */
        if (got > 0)
            break;
        const buf_status_t status = next_line_any(reader, &lines[0].bytes, &lines[0].length);
        if (status != BUF_OK)
            return status;
        got = 1;
        if (reader->carry_delivered)
            break; /* the carry must not be emptied before the next call */
    }
    *count = got;
    return BUF_OK;
}
