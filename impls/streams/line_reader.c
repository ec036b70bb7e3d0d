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
 * A batch (buf_line_reader_next_batch) does better still: one pass over the rest of the
 * chunk, 64 bytes at a time with SSE2 or AVX2 compares whose bit masks give every \n of
 * the block and say whether it holds a \r (no memchr for \r, no per-line memchr set-up
 * at all; ~60-byte lines are one \n a block), and one call for up to a whole chunk's
 * lines instead of one call a line.  Everything else in a batch (a new chunk, the carry,
 * a \r) goes through the same general path one line at a time, so a batch is exactly the
 * lines of as many buf_line_reader_next calls.
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
    bool avx2;              /* batches scan with the AVX2 kernel (buf_simd_level() at creation) */
    size_t open_tail_from;  /* the held chunk has no \n or \r from here to its end (a batch
                             * scan found none): SIZE_MAX when not known */
};

/* The bit instructions the AVX2 kernel uses beside AVX2 itself. */
static bool lines_cpu_has_bit_ops(void)
{
#if defined(__GNUC__) && defined(__x86_64__)
    return __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt");
#else
    return false;
#endif
}

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
    reader->avx2 = buf_simd_level() >= BUF_SIMD_AVX2 && lines_cpu_has_bit_ops();
    reader->open_tail_from = SIZE_MAX;
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
 * chunk_length if there is none.  For a batch (`line_by_line` false) the general path
 * only takes a chunk's first line and its unterminated last one, the batch scan the
 * lines between: a \r is then looked for only before the line's \n, never through the
 * whole chunk (that pass was ~6,800 instructions a 64 KiB chunk, callgrind). */
static size_t find_line_end(buf_line_reader_t *reader, bool line_by_line)
{
    const size_t from = reader->position;
    if (!line_by_line) {
        if (from >= reader->open_tail_from)
            return reader->chunk_length; /* the batch scan found no line end there */
        const uint8_t *start = reader->chunk_bytes + from;
        const uint8_t *newline = memchr(start, '\n', reader->chunk_length - from);
        const size_t until = newline ? (size_t)(newline - start) : reader->chunk_length - from;
        const uint8_t *carriage = memchr(start, '\r', until);
        return from + (carriage ? (size_t)(carriage - start) : until);
    }
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
    reader->open_tail_from = SIZE_MAX;
    return reader->final_status = status;
}

/* The region to split becomes [bytes, bytes + length), held by `chunk`'s reference, from
 * its start, with nothing known of it yet. */
static inline void hold_region(buf_line_reader_t *reader, buf_buffer_t chunk, const uint8_t *bytes, size_t length)
{
    reader->chunk = chunk;
    reader->chunk_bytes = bytes;
    reader->chunk_length = length;
    reader->position = 0;
    reader->next_return_known = false;
    reader->open_tail_from = SIZE_MAX;
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
    /* the held chunk's reference may move into the next chunk (same block): then
     * reader->chunk is zeroed, and its release below does nothing */
    const buf_arraybuffer_t *const held_block = reader->chunk.buffer;
    const buf_status_t status =
        stream_readable_read_continuing(reader->readable, &reader->chunk, &next, &next_bytes, &next_length);
    if (reader->pending_length > 0) {
        const uint8_t *pending = reader->pending;
        const size_t pending_length = reader->pending_length;
        reader->pending_length = 0;
        if (status == BUF_OK && next.buffer == held_block && next_bytes == pending + pending_length) {
            buf_buffer_release(&reader->chunk);
            hold_region(reader, next, pending, pending_length + next_length);
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
    reader->open_tail_from = SIZE_MAX;
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
static buf_status_t next_line_any(buf_line_reader_t *reader, const uint8_t **line, size_t *length,
                                  bool line_by_line)
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
        const size_t end_offset = find_line_end(reader, line_by_line);
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
    return next_line_any(reader, line, length, true);
}

/* ---- Batches ---------------------------------------------------------------------------- */
/* A batch scans the rest of the held chunk in one pass, 64 bytes a step: each step gives
 * the block's \n positions as a 64-bit mask (lowest first).  With AVX2 the same step says
 * whether the block holds a \r at all (two more compares and a vptest): \r is rare in
 * text, so its exact positions are computed only for a block that has one; the lines
 * before that \r are still handed out here, the \r's line is left to the general path.
 * That folds the separate memchr pass for \r into the \n scan (at 1 KiB chunks the pass
 * and its set-up were ~150 instructions a chunk, callgrind, stream_lines/malloc/1024).
 * SSE2 has no one-instruction "any byte set" test: folded there, the \r test cost ~15
 * instructions a block, more than glibc's memchr over the region (~0.1 a byte), so the
 * SSE2 kernel scans \n only, up to the chunk's next \r found by memchr once (kept in
 * next_return, as the single-line path keeps it).
 *
 * The AVX2 kernel runs when buf_simd_level() says AVX2 at the reader's creation, so
 * BUFBENCH_SIMD=scalar (callgrind runs) pins the SSE2 one.  Both give the same lines
 * (test_stream_lines compares them); without SSE2 a plain byte loop does. */
typedef struct block_marks {
    uint64_t newlines; /* bit i: byte i of the block is \n */
    bool has_return;   /* some byte of the block is \r */
} block_marks_t;

#if defined(__SSE2__)
static inline __attribute__((always_inline)) uint64_t sse2_mask(const uint8_t *block, char byte)
{
    const __m128i wanted = _mm_set1_epi8(byte);
    const __m128i *lanes = (const __m128i *)(const void *)block;
    uint64_t mask = (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(lanes), wanted));
    mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(lanes + 1), wanted)) << 16;
    mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(lanes + 2), wanted)) << 32;
    mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(lanes + 3), wanted)) << 48;
    return mask;
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define LINES_HAVE_AVX2 1
/* The AVX2 kernel also uses BMI1's tzcnt and POPCNT (every AVX2 machine has both; the
 * reader checks them with AVX2, buf_line_reader_new). */
#define AVX2_FUNCTION __attribute__((target("avx2,bmi,popcnt")))
static inline __attribute__((always_inline)) AVX2_FUNCTION block_marks_t avx2_marks(const uint8_t *block)
{
    const __m256i *lanes = (const __m256i *)(const void *)block;
    const __m256i newline = _mm256_set1_epi8('\n'), carriage = _mm256_set1_epi8('\r');
    const __m256i low = _mm256_loadu_si256(lanes), high = _mm256_loadu_si256(lanes + 1);
    const uint64_t mask = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(low, newline)) |
                          (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(high, newline)) << 32;
    const __m256i returns = _mm256_or_si256(_mm256_cmpeq_epi8(low, carriage), _mm256_cmpeq_epi8(high, carriage));
    return (block_marks_t){mask, !_mm256_testz_si256(returns, returns)};
}
#endif
#endif

#if defined(LINES_HAVE_AVX2)
/* The lines of a block whose \n bits are `newlines` (bit i: block[i]), into `out`, which has
 * room for three (BLOCK_LINES_ROOM) before `full`: the first two written whether the block
 * has them or not, the rest in a loop when they fit (else NULL, and nothing taken), and the
 * start of the line after the block's last one at out[count], where the next line's start
 * is read back (a store and a load where a select of the last \n's place took ~10
 * instructions a block).  A loop over a block's lines ends on a branch the predictor cannot
 * learn: lines of ~60 bytes of mixed lengths put 0, 1 and 2 of them in a block 29%, 46% and
 * 21% of the time (stream_lines.txt), and that exit cost about one mispredict a block.  With
 * the first two written anyway, only a block of three or more (4%) branches.
 * stream_lines/malloc, 1 KiB chunks, alternating runs: 80.2 -> 71.0 ms with three written
 * (its loop's 64-line room test then stopped 64 lines short of a batch's end: with the room
 * test per block, 68.7 -> 65.7), 67.0 -> 66.1 with two, 69.0 -> 62.8 with the start read
 * back. */
static inline __attribute__((always_inline)) AVX2_FUNCTION buf_line_t *avx2_block_lines(const uint8_t *block,
                                                                                       uint64_t newlines,
                                                                                       const uint8_t **line_start,
                                                                                       buf_line_t *out,
                                                                                       const buf_line_t *full)
{
    const uint8_t *const start = *line_start;
    const uint64_t second = _blsr_u64(newlines);
    const uint8_t *const end0 = block + _tzcnt_u64(newlines), *const end1 = block + _tzcnt_u64(second);
    out[0] = (buf_line_t){start, (size_t)(end0 - start)};
    out[1] = (buf_line_t){end0 + 1, (size_t)(end1 - end0 - 1)};
    out[2].bytes = end1 + 1;
    const size_t count = (size_t)_mm_popcnt_u64(newlines);
    if (__builtin_expect(count > 2, 0)) {
        if ((size_t)(full - out) <= count)
            return NULL;
        const uint8_t *from = end1 + 1;
        buf_line_t *more = out + 2;
        for (uint64_t rest = _blsr_u64(second); rest != 0; rest = _blsr_u64(rest)) {
            const uint8_t *const end = block + _tzcnt_u64(rest);
            *more++ = (buf_line_t){from, (size_t)(end - from)};
            from = end + 1;
        }
        more->bytes = from;
    }
    /* The next line's start, written above at out[count] (out[0]'s is `start`). */
    *line_start = out[count].bytes;
    return out + count;
}
#endif

/* The exact \r positions of a block that has one (CRLF text: every line's block). */
static inline __attribute__((always_inline)) uint64_t return_mask(const uint8_t *block)
{
#if defined(__SSE2__)
    return sse2_mask(block, '\r');
#else
    uint64_t mask = 0;
    for (size_t i = 0; i < 64; i++)
        mask |= (uint64_t)(block[i] == '\r') << i;
    return mask;
#endif
}

/* True when the lines from the reader's position on can be handed out straight from its
 * chunk up to the next \r: nothing carried, no pending \r, bytes left. */
static inline bool in_batch_region(const buf_line_reader_t *reader)
{
    return reader->final_status == BUF_OK && reader->carry_length == 0 && !reader->saw_return &&
           reader->position < reader->chunk_length && reader->position < reader->open_tail_from;
}

/* A kernel's hand-out of one block's lines (avx2_block_lines): out after them, or NULL when
 * they do not fit before `full`.  It is called with room for BLOCK_LINES_ROOM lines at least
 * (it writes that many slots whatever the block holds). */
#define BLOCK_LINES_ROOM 3
typedef buf_line_t *(*block_lines_fn)(const uint8_t *block, uint64_t newlines, const uint8_t **line_start,
                                      buf_line_t *out, const buf_line_t *full);

/* What a scan carries from block to block (a local of scan_lines: kept in registers). */
typedef struct scan_state {
    const uint8_t *line_start; /* where the next line starts */
    buf_line_t *out, *full;    /* the next line's slot; the end of the caller's array */
    size_t max_line;
} scan_state_t;

/* The lines of one block: `marks` of the 64 bytes at `block`, whose first `skip` bytes
 * were scanned already.  True when the scan may go on past the block: no \r in it, room
 * left, no over-long line. */
static inline __attribute__((always_inline)) bool scan_block(scan_state_t *state, const uint8_t *block, size_t skip,
                                                             block_marks_t marks, bool checked,
                                                             block_lines_fn block_lines)
{
    uint64_t newlines = marks.newlines >> skip;
    bool go_on = true;
    if (__builtin_expect(marks.has_return, 0)) {
        const uint64_t returns = return_mask(block) >> skip;
        if (returns != 0) {
            newlines &= (returns & -returns) - 1; /* only the \n before the first \r */
            go_on = false;
        }
    }
    const uint8_t *const from = block + skip; /* bit i of newlines is byte from[i] */
    const uint8_t *line_start = state->line_start;
    buf_line_t *out = state->out;
    if (block_lines && !checked && state->full - out >= BLOCK_LINES_ROOM) {
        buf_line_t *const after = block_lines(from, newlines, &state->line_start, out, state->full);
        if (__builtin_expect(after != NULL, 1)) {
            state->out = after;
            return go_on;
        }
    }
    if (__builtin_expect(!checked && state->full - out >= 64, 1)) {
        /* A block holds at most 64 lines: with that much room, and no line that could be
         * over-long, no line needs a test (~10 instructions a line; with the room test
         * on every line, as the compiler kept it in one merged loop, ~15). */
        for (; newlines != 0; newlines &= newlines - 1) {
            const uint8_t *const end = from + __builtin_ctzll(newlines);
            *out++ = (buf_line_t){line_start, (size_t)(end - line_start)};
            line_start = end + 1;
        }
    } else {
        for (; newlines != 0; newlines &= newlines - 1) {
            const uint8_t *const end = from + __builtin_ctzll(newlines);
            if (out == state->full || (checked && (size_t)(end - line_start) > state->max_line)) {
                go_on = false;
                break;
            }
            *out++ = (buf_line_t){line_start, (size_t)(end - line_start)};
            line_start = end + 1;
        }
    }
    state->line_start = line_start;
    state->out = out;
    return go_on;
}

/* Hands out up to capacity \n-terminated lines from the reader's position and moves it
 * past them; stops before the first \r, a line longer than max_line, or the chunk's
 * unterminated last line, and leaves that to the general path (open_tail_from records
 * that the rest has no line end, so the general path does not search it again).
 * `marks` is the kernel (constant in each instantiation, so it inlines).  Per line this
 * is ~8 instructions (ctz, two stores, the mask step); the capacity is checked once a
 * block (a block holds at most 64 lines), the max_line test only when the region could
 * hold a line that long (`checked`). */
static inline __attribute__((always_inline)) size_t scan_lines(buf_line_reader_t *reader, buf_line_t *lines,
                                                               size_t capacity,
                                                               block_marks_t (*marks)(const uint8_t *), bool checked,
                                                               size_t length, block_lines_fn block_lines)
{
    const uint8_t *const bytes = reader->chunk_bytes;
    const size_t max_line = reader->max_line;
    const bool to_chunk_end = length == reader->chunk_length; /* else `length` is a \r's offset */
    size_t start = reader->position;
    if (length < 64) {
        buf_line_t *out = lines, *const full = lines + capacity;
        /* a chunk too short for one block (tiny test chunks): byte by byte */
        size_t at = start;
        for (; at < length && bytes[at] != '\r' && out < full; at++) {
            if (bytes[at] != '\n')
                continue;
            if (at - start > max_line)
                break;
            *out++ = (buf_line_t){bytes + start, at - start};
            start = at + 1;
        }
        if (at == length && to_chunk_end)
            reader->open_tail_from = start;
        reader->position = start;
        return (size_t)(out - lines);
    }
    /* Whole blocks, then the chunk's last 64 bytes with the bits before `at` dropped
     * (those bytes are the chunk's too, already scanned): the loop itself has no shift
     * and no end test but its own. */
    scan_state_t state = {bytes + start, lines, lines + capacity, max_line};
    size_t at = start;
    if (!checked) {
        /* The common block first, in a loop of its own: no \r, room for 64 more lines (one
         * test for both; BLOCK_LINES_ROOM with a kernel's block_lines, which tests the room
         * for a block of more itself), its lines handed out with no test at all.  The first
         * block that is not leaves the loop for scan_block below, which takes it from the start.
         * Per block ~8 instructions fewer than scan_block's loop (its go-on flag, the room
         * as a pointer difference, the index arithmetic of the end test). */
        const size_t room = block_lines ? BLOCK_LINES_ROOM : 64;
        const uintptr_t room_end = capacity >= room ? (uintptr_t)(lines + capacity - room) : 0;
        const uint8_t *line_start = state.line_start, *block = bytes + at, *const last = bytes + length - 64;
        buf_line_t *out = state.out;
        for (; block < last; block += 64) {
            const block_marks_t block_marks = marks(block);
            if (__builtin_expect(block_marks.has_return | ((uintptr_t)out > room_end), 0))
                break;
            if (block_lines) {
                buf_line_t *const after = block_lines(block, block_marks.newlines, &line_start, out, lines + capacity);
                if (__builtin_expect(after == NULL, 0))
                    break;
                out = after;
                continue;
            }
            for (uint64_t newlines = block_marks.newlines; newlines != 0; newlines &= newlines - 1) {
                const uint8_t *const end = block + __builtin_ctzll(newlines);
                *out++ = (buf_line_t){line_start, (size_t)(end - line_start)};
                line_start = end + 1;
            }
        }
        state.line_start = line_start;
        state.out = out;
        at = (size_t)(block - bytes);
    }
    for (; length - at > 64; at += 64)
        if (!scan_block(&state, bytes + at, 0, marks(bytes + at), checked, block_lines))
            goto done;
    if (scan_block(&state, bytes + length - 64, at - (length - 64), marks(bytes + length - 64), checked,
                   block_lines) &&
        to_chunk_end)
        reader->open_tail_from = (size_t)(state.line_start - bytes); /* no \n or \r after the last line */
done:
    reader->position = (size_t)(state.line_start - bytes);
    return (size_t)(state.out - lines);
}

#if defined(__SSE2__)
/* SSE2 has no one-instruction "any byte set" test: folding the \r test into its block
 * step costs ~15 instructions a block (8 compares and ors, a mask), more than glibc's
 * memchr for \r over the region first (~0.1 instruction a byte, callgrind): at 64 KiB
 * chunks 61,700 against 35,800 instructions a chunk.  So this kernel scans \n only, up
 * to the region's first \r (where the general path takes over, as for a folded \r). */
static inline __attribute__((always_inline)) block_marks_t sse2_newline_marks(const uint8_t *block)
{
    return (block_marks_t){sse2_mask(block, '\n'), false};
}

static size_t scan_lines_sse2(buf_line_reader_t *reader, buf_line_t *lines, size_t capacity)
{
    /* the chunk's next \r, looked up again only once the reader has passed it (shared
     * with the single-line path's find_line_end) */
    if (!reader->next_return_known || reader->next_return < reader->position) {
        const uint8_t *carriage =
            memchr(reader->chunk_bytes + reader->position, '\r', reader->chunk_length - reader->position);
        reader->next_return = carriage ? (size_t)(carriage - reader->chunk_bytes) : reader->chunk_length;
        reader->next_return_known = true;
    }
    const size_t length = reader->next_return;
    if (length == reader->position)
        return 0; /* the \r's line: the general path's */
    if (length - reader->position > reader->max_line)
        return scan_lines(reader, lines, capacity, sse2_newline_marks, true, length, NULL);
    return scan_lines(reader, lines, capacity, sse2_newline_marks, false, length, NULL);
}
#if defined(LINES_HAVE_AVX2)
static AVX2_FUNCTION size_t scan_lines_avx2(buf_line_reader_t *reader, buf_line_t *lines, size_t capacity)
{
    if (reader->chunk_length - reader->position > reader->max_line)
        return scan_lines(reader, lines, capacity, avx2_marks, true, reader->chunk_length, avx2_block_lines);
    return scan_lines(reader, lines, capacity, avx2_marks, false, reader->chunk_length, avx2_block_lines);
}
#endif
#else
static block_marks_t bytewise_marks(const uint8_t *block)
{
    block_marks_t marks = {0, false};
    for (size_t i = 0; i < 64; i++) {
        marks.newlines |= (uint64_t)(block[i] == '\n') << i;
        marks.has_return |= block[i] == '\r';
    }
    return marks;
}

static size_t scan_lines_bytewise(buf_line_reader_t *reader, buf_line_t *lines, size_t capacity)
{
    return scan_lines(reader, lines, capacity, bytewise_marks, true, reader->chunk_length, NULL);
}
#endif

static size_t scan_batch(buf_line_reader_t *reader, buf_line_t *lines, size_t capacity)
{
#if defined(LINES_HAVE_AVX2)
    if (reader->avx2)
        return scan_lines_avx2(reader, lines, capacity);
#endif
#if defined(__SSE2__)
    return scan_lines_sse2(reader, lines, capacity);
#else
    return scan_lines_bytewise(reader, lines, capacity);
#endif
}

/* The chunk boundary of a batch, cheaply.  When a batch scan has left the held chunk's
 * tail open (no \n or \r from the last line end on: open_tail_from) and nothing is
 * carried, that tail is the start of a line the next chunk ends: it is made pending and
 * the next chunk taken (next_chunk), which joins them without a copy when the readable
 * reads ahead into one block (consecutive views: stream_lines reads 16 KiB a read(2)),
 * and the batch scan then goes on from the line's start through the joined region.
 * The general path would find that first line with two memchr calls (\n, then \r
 * before it) and one more batch call set-up: ~300 of the ~1,500 instructions a 1 KiB
 * chunk of stream_lines/malloc/1024 (callgrind).  A tail longer than max_line, the end
 * of the stream and a region the readable did not continue (the tail carried) are left
 * to the general path as before. */
static inline bool at_open_tail(const buf_line_reader_t *reader)
{
    return reader->final_status == BUF_OK && reader->carry_length == 0 && !reader->saw_return &&
           reader->pending_length == 0 && reader->position >= reader->open_tail_from &&
           reader->position < reader->chunk_length && reader->chunk_length - reader->position <= reader->max_line;
}

/* Takes the next chunk with the open tail pending (at_open_tail holds): BUF_OK with the
 * tail joined or carried, BUF_EOF with it carried (the general path hands it out as the
 * last line), or the error. */
static buf_status_t join_next_chunk(buf_line_reader_t *reader)
{
    reader->pending = reader->chunk_bytes + reader->position;
    reader->pending_length = reader->chunk_length - reader->position;
    reader->position = reader->chunk_length;
    return next_chunk(reader);
}

/* The batch through the chunks of a block read ahead.  When the scan has reached the held
 * chunk's end with nothing carried (its open tail, perhaps empty, is the start of the next
 * line) and the readable's next chunk is cut from the same block (read ahead: bytes
 * already read, no read(2), so the batch waits for nothing), that chunk continues the
 * region in place: its reference is the held one moved (stream_readable_continue_block),
 * so the block, and with it every line of the batch so far, stays valid until the next
 * call, and the scan goes on from the tail's start in the same call.  At 1 KiB chunks
 * read 16 KiB at a time that is one call for up to `capacity` lines instead of one a
 * chunk: each chunk without the call's entry, its region tests and next_chunk's general
 * join (callgrind, stream_lines/malloc/1024: README, Streams -> Performance).  A block's
 * last chunk, the carry, a \r at the chunk's end and the end of the stream stay with the
 * paths below, at the next call. */
static inline bool continues_in_place(const buf_line_reader_t *reader)
{
    return reader->position >= reader->open_tail_from && reader->carry_length == 0 && !reader->saw_return &&
           reader->pending_length == 0 && reader->final_status == BUF_OK &&
           reader->chunk_length - reader->position <= reader->max_line &&
           stream_readable_continues_block(reader->readable, &reader->chunk);
}

/* Takes that chunk (continues_in_place holds): the region becomes [tail, end of the new
 * chunk), from position 0. */
static inline void continue_in_place(buf_line_reader_t *reader)
{
    const uint8_t *const tail = reader->chunk_bytes + reader->position;
    const size_t tail_length = reader->chunk_length - reader->position;
    const uint8_t *bytes;
    size_t length;
    buf_buffer_t next;
    stream_readable_continue_block(reader->readable, &reader->chunk, &next, &bytes, &length);
    BUF_ASSERT(bytes == tail + tail_length); /* the reader holds the block's last chunk */
    hold_region(reader, next, tail, tail_length + length);
}

buf_status_t buf_line_reader_next_batch(buf_line_reader_t *reader, buf_line_t *lines, size_t capacity, size_t *count)
{
    if (count)
        *count = 0;
    if (!reader || !lines || capacity == 0 || !count)
        return BUF_EINVAL;
    size_t got = 0;
    if (in_batch_region(reader))
        got = scan_batch(reader, lines, capacity);
    if (got == 0 && at_open_tail(reader)) {
        /* The chunk's open tail, joined to the next chunk and scanned with it in one go. */
        const buf_status_t status = join_next_chunk(reader);
        if (status != BUF_OK && status != BUF_EOF)
            return stop(reader, status);
        if (status == BUF_OK && in_batch_region(reader))
            got = scan_batch(reader, lines, capacity);
    }
    if (got == 0) {
        /* The general path may replace the chunk or refill the carry that earlier lines
         * of a batch point into: only for the first line.  The scan then goes on in the
         * same chunk (the general path takes no other after it; only the chunks of the
         * same block below): a new chunk's lines come in one call, not its first line in
         * one and the rest in the next. */
        const buf_status_t status = next_line_any(reader, &lines[0].bytes, &lines[0].length, false);
        if (status != BUF_OK)
            return status;
        got = 1;
        if (!reader->carry_delivered && capacity > 1 && in_batch_region(reader))
            got += scan_batch(reader, lines + 1, capacity - 1);
    }
    /* Then on through the chunks cut from the block already read, which keep every line
     * of the batch valid. */
    while (got < capacity && continues_in_place(reader)) {
        continue_in_place(reader);
        got += scan_batch(reader, lines + got, capacity - got);
    }
    *count = got;
    return BUF_OK;
}
