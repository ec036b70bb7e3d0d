/* test_stream_lines.c — the line reader (buf_line_reader_t) against Node's readline.
 *
 * The property: whatever the chunking, the lines are the one-shot split of the whole input
 * by /\r?\n|\r(?!\n)/ (Node's readline with crlfDelay: Infinity), the text after the last
 * line end being a line when it is not empty.  Random inputs rich in \r, \n and \r\n, cut
 * into random chunks by a source callback, on every backend; Node's own answers for the
 * edge cases (node -e with readline over Readable.from(chunks)); an over-long line is
 * BUF_ERANGE; a line inside one chunk is not copied.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf_stream.h"
#include "test_support.h"

/* ---- A source that cuts its input into given or random pieces ----------------------------- */
typedef struct piece_source {
    const uint8_t *data;
    size_t length, offset;
    const size_t *cuts; /* piece lengths, used in turn (NULL: random 1 .. max_piece) */
    size_t cut_count, next_cut;
    size_t max_piece;
    uint32_t seed;
} piece_source_t;

static long read_piece(void *context, uint8_t *dst, size_t capacity)
{
    piece_source_t *source = context;
    size_t piece;
    if (source->cuts) {
        piece = source->next_cut < source->cut_count ? source->cuts[source->next_cut++] : SIZE_MAX;
    } else {
        source->seed = source->seed * 1664525u + 1013904223u;
        piece = 1 + (source->seed >> 8) % source->max_piece;
    }
    const size_t left = source->length - source->offset;
    if (piece > left)
        piece = left;
    if (piece > capacity)
        piece = capacity;
    memcpy(dst, source->data + source->offset, piece);
    source->offset += piece;
    return (long)piece;
}

/* ---- The one-shot reference split ------------------------------------------------------------ */
typedef struct line_list {
    size_t count;
    size_t starts[4096], lengths[4096];
} line_list_t;

static void split_one_shot(const uint8_t *data, size_t length, line_list_t *lines)
{
    lines->count = 0;
    size_t start = 0;
    for (size_t i = 0; i < length; i++) {
        if (data[i] != '\n' && data[i] != '\r')
            continue;
        lines->starts[lines->count] = start;
        lines->lengths[lines->count++] = i - start;
        if (data[i] == '\r' && i + 1 < length && data[i + 1] == '\n')
            i++;
        start = i + 1;
    }
    if (start < length) {
        lines->starts[lines->count] = start;
        lines->lengths[lines->count++] = length - start;
    }
}

/* Reads every line of `readable` and compares with the reference split of data. */
static void expect_lines(buf_readable_t *readable, const uint8_t *data, size_t length, size_t max_line,
                         bool may_fail, const char *what)
{
    line_list_t *want = malloc(sizeof *want);
    split_one_shot(data, length, want);
    buf_line_reader_t *reader = NULL;
    cr_assert_eq(buf_line_reader_new(readable, max_line, &reader), BUF_OK);
    const uint8_t *line;
    size_t line_length;
    size_t got = 0;
    buf_status_t status;
    while ((status = buf_line_reader_next(reader, &line, &line_length)) == BUF_OK) {
        cr_assert_lt(got, want->count, "%s: more lines than the reference (%zu)", what, want->count);
        cr_assert_eq(line_length, want->lengths[got], "%s: line %zu has %zu bytes, want %zu", what, got, line_length,
                     want->lengths[got]);
        cr_assert(memcmp(line, data + want->starts[got], line_length) == 0, "%s: line %zu differs", what, got);
        got++;
    }
    if (!(may_fail && status == BUF_ENOMEM)) {
        cr_assert_eq(status, BUF_EOF, "%s: %s after %zu lines", what, buf_status_name(status), got);
        cr_assert_eq(got, want->count, "%s: %zu lines, want %zu", what, got, want->count);
    }
    cr_assert_eq(buf_line_reader_next(reader, &line, &line_length), status, "%s: the end is sticky", what);
    buf_line_reader_destroy(reader);
    free(want);
}

/* A line reader (max_line 0: no limit) over `length` bytes in memory read in chunks of
 * `chunk` bytes (0: the stream default); the caller destroys the reader, then *readable. */
static size_t memory_read_size; /* buf_readable_set_read_size of the next memory_line_reader; 0: none */

static buf_line_reader_t *memory_line_reader(buf_backend_t *backend, const uint8_t *data, size_t length, size_t chunk,
                                             size_t max_line, buf_readable_t **readable)
{
    const buf_readable_options_t options = {.high_water_mark = chunk};
    *readable = NULL;
    cr_assert_eq(buf_readable_from_memory(backend, data, length, &options, readable), BUF_OK);
    cr_assert_eq(buf_readable_set_read_size(*readable, memory_read_size), BUF_OK);
    buf_line_reader_t *reader = NULL;
    cr_assert_eq(buf_line_reader_new(*readable, max_line, &reader), BUF_OK);
    return reader;
}

static void lines_of_pieces(buf_backend_t *backend, const char *text, const size_t *cuts, size_t cut_count,
                            const char *const *want, size_t want_count)
{
    piece_source_t source = {(const uint8_t *)text, strlen(text), 0, cuts, cut_count, 0, 1, 0};
    buf_readable_t *readable = NULL;
    cr_assert_eq(buf_readable_from_source(backend, (buf_source_t){read_piece, &source}, NULL, &readable), BUF_OK);
    buf_line_reader_t *reader = NULL;
    cr_assert_eq(buf_line_reader_new(readable, 0, &reader), BUF_OK);
    const uint8_t *line;
    size_t length;
    for (size_t i = 0; i < want_count; i++) {
        cr_assert_eq(buf_line_reader_next(reader, &line, &length), BUF_OK, "line %zu of '%s'", i, text);
        cr_expect_eq(length, strlen(want[i]), "line %zu of '%s'", i, text);
        cr_expect(memcmp(line, want[i], length) == 0, "line %zu of '%s'", i, text);
    }
    cr_expect_eq(buf_line_reader_next(reader, &line, &length), BUF_EOF, "'%s' has %zu lines", text, want_count);
    buf_line_reader_destroy(reader);
    buf_readable_destroy(readable);
}

/* ---- Node's answers ------------------------------------------------------------------------------ */
Test(stream_lines, node_readline_edge_cases)
{
    buf_backend_t *backend = test_open_backend("malloc");
    /* node: readline.createInterface({input: Readable.from(chunks), crlfDelay: Infinity}) */
    const char *const example[] = {"a", "b", "c", "", "d", "", "e"};
    lines_of_pieces(backend, "a\r\nb\rc\n\nd\r\r\ne", NULL, 0, example, 7);
    const char *const a_b[] = {"a", "b"};
    lines_of_pieces(backend, "a\r\nb", (const size_t[]){2}, 1, a_b, 2); /* ["a\r", "\nb"]: one line end */
    const char *const a_empty_b[] = {"a", "", "b"};
    lines_of_pieces(backend, "a\r\r\nb", (const size_t[]){2}, 1, a_empty_b, 3); /* ["a\r", "\r\nb"] */
    lines_of_pieces(backend, "", NULL, 0, NULL, 0);                              /* no lines */
    const char *const empty[] = {""};
    lines_of_pieces(backend, "\n", NULL, 0, empty, 1);
    lines_of_pieces(backend, "\r", NULL, 0, empty, 1);
    const char *const x[] = {"x"};
    lines_of_pieces(backend, "x", NULL, 0, x, 1); /* a last line without a line end */
    const char *const two_empty[] = {"", ""};
    lines_of_pieces(backend, "\r\n\r\n", NULL, 0, two_empty, 2);
    lines_of_pieces(backend, "\r\n\r\n", (const size_t[]){1, 1, 1, 1}, 4, two_empty, 2);
    const char *const a_empty[] = {"a", ""};
    lines_of_pieces(backend, "a\n\r", NULL, 0, a_empty, 2);
    const char *const across[] = {"hello world", "x"};
    lines_of_pieces(backend, "hello world\r\nx", (const size_t[]){3, 3, 3, 3, 1}, 5, across, 2);
    test_close_backend_clean(backend);
}

Test(stream_lines, the_example_at_every_chunk_size)
{
    buf_backend_t *backend = test_open_backend("pool");
    const char *text = "a\r\nb\rc\n\nd\r\r\ne";
    for (size_t chunk = 1; chunk <= strlen(text); chunk++) {
        buf_readable_t *readable = NULL;
        const buf_readable_options_t options = {.high_water_mark = chunk};
        cr_assert_eq(buf_readable_from_memory(backend, (const uint8_t *)text, strlen(text), &options, &readable),
                     BUF_OK);
        expect_lines(readable, (const uint8_t *)text, strlen(text), 0, false, "example");
        buf_readable_destroy(readable);
    }
    test_close_backend_clean(backend);
}

/* ---- The property ------------------------------------------------------------------------------- */
static size_t random_text(uint8_t *data, size_t capacity, uint32_t *seed)
{
    static const uint8_t alphabet[] = {'a', 'b', '\r', '\n', '\r', '\n', 0xc3, 0xa9, ' ', 0};
    test_lcg_next(seed);
    const size_t length = (*seed >> 8) % capacity;
    for (size_t i = 0; i < length; i++) {
        test_lcg_next(seed);
        const uint32_t pick = (*seed >> 12) % 16;
        data[i] = pick < sizeof alphabet ? alphabet[pick] : (uint8_t)('c' + pick);
        if (pick == 15 && i + 300 < length) { /* now and then a long line */
            memset(data + i, 'L', 300);
            i += 299;
        }
    }
    return length;
}

Test(stream_lines, random_input_and_random_chunking_equal_the_one_shot_split)
{
    uint8_t *data = malloc(3000);
    uint32_t seed = 2024;
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (int round = 0; round < 60; round++) {
            const size_t length = random_text(data, 3000, &seed);
            piece_source_t source = {data, length, 0, NULL, 0, 0, 1 + (size_t)(round % 40), seed};
            const buf_readable_options_t options = {.high_water_mark = 1 + (size_t)(seed >> 20) % 512};
            buf_readable_t *readable = NULL;
            cr_assert_eq(buf_readable_from_source(backend, (buf_source_t){read_piece, &source}, &options, &readable),
                         BUF_OK);
            char what[96];
            snprintf(what, sizeof what, "%s round %d (%zu bytes)", spec, round, length);
            expect_lines(readable, data, length, 0, test_spec_injects_failures(spec), what);
            buf_readable_destroy(readable);
        }
        test_close_backend_clean(backend);
    }
    free(data);
}

/* The readable reading ahead (buf_readable_set_read_size): chunks are consecutive views of
 * one block, so a line across them is joined in place, and a short read continues in the
 * block's rest; a line across two blocks still goes through the carry.  Random pieces,
 * chunk sizes and read sizes; every backend; lines one by one and by the batch. */
Test(stream_lines, read_ahead_lines_equal_the_one_shot_split)
{
    uint8_t *data = malloc(3000);
    uint32_t seed = 77;
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (int round = 0; round < 60; round++) {
            const size_t length = random_text(data, 3000, &seed);
            piece_source_t source = {data, length, 0, NULL, 0, 0, 1 + (size_t)(round % 3 == 0 ? 5000 : round % 40), seed};
            const size_t chunk = 1 + (size_t)(seed >> 20) % 64;
            const buf_readable_options_t options = {.high_water_mark = chunk};
            buf_readable_t *readable = NULL;
            cr_assert_eq(buf_readable_from_source(backend, (buf_source_t){read_piece, &source}, &options, &readable),
                         BUF_OK);
            cr_assert_eq(buf_readable_set_read_size(readable, chunk * (2 + (size_t)round % 9)), BUF_OK);
            char what[96];
            snprintf(what, sizeof what, "%s round %d (%zu bytes, chunk %zu)", spec, round, length, chunk);
            expect_lines(readable, data, length, 0, test_spec_injects_failures(spec), what);
            buf_readable_destroy(readable);
        }
        test_close_backend_clean(backend);
    }
    free(data);
}

/* ---- Limits and copies ------------------------------------------------------------------------------ */
/* A limit of 5: the 5-byte line passes, the 6-byte one is BUF_ERANGE and stays so, at every
 * chunk size from 1 to 20; read_size 0 keeps one read per chunk, else chunks are views of
 * larger blocks and a line across them is joined in place rather than carried. */
static void expect_over_long_line_erange(const char *spec, size_t read_size)
{
    buf_backend_t *backend = test_open_backend(spec);
    const char *text = "12345\n123456\nnever";
    for (size_t chunk = 1; chunk <= 20; chunk++) {
        buf_readable_t *readable;
        buf_line_reader_t *reader =
            memory_line_reader(backend, (const uint8_t *)text, strlen(text), chunk, 5, &readable);
        if (read_size)
            cr_assert_eq(buf_readable_set_read_size(readable, read_size), BUF_OK);
        const uint8_t *line;
        size_t length;
        cr_expect_eq(buf_line_reader_next(reader, &line, &length), BUF_OK, "5 bytes fit a limit of 5");
        cr_expect_eq(length, 5);
        cr_expect_eq(buf_line_reader_next(reader, &line, &length), BUF_ERANGE, "chunk %zu: 6 bytes do not", chunk);
        cr_expect_eq(buf_line_reader_next(reader, &line, &length), BUF_ERANGE, "and the error stays");
        buf_line_reader_destroy(reader);
        buf_readable_destroy(readable);
    }
    test_close_backend_clean(backend);
}

Test(stream_lines, over_long_line_is_erange_at_the_limit)
{
    expect_over_long_line_erange("slab", 0);
}

Test(stream_lines, over_long_line_is_erange_when_chunks_are_joined_in_place)
{
    expect_over_long_line_erange("pool", 64);
}

Test(stream_lines, a_line_across_chunks_of_one_block_is_not_copied)
{
    buf_backend_t *backend = test_open_backend("malloc");
    const char *text = "first line\nsecond, longer line\r\nthird";
    buf_readable_t *readable;
    buf_line_reader_t *reader = memory_line_reader(backend, (const uint8_t *)text, strlen(text), 4, 0, &readable);
    cr_assert_eq(buf_readable_set_read_size(readable, 4096), BUF_OK);
    const uint8_t *first, *line;
    size_t length;
    cr_assert_eq(buf_line_reader_next(reader, &first, &length), BUF_OK);
    cr_expect_eq(length, 10);
    cr_assert_eq(buf_line_reader_next(reader, &line, &length), BUF_OK);
    cr_expect_eq(line, first + 11, "a line over 5 chunks of 4 bytes is the block's bytes, not a copy");
    cr_expect(length == 19 && memcmp(line, "second, longer line", 19) == 0);
    cr_assert_eq(buf_line_reader_next(reader, &line, &length), BUF_OK, "the last line, without a line end");
    cr_expect(length == 5 && memcmp(line, "third", 5) == 0);
    cr_expect_eq(buf_line_reader_next(reader, &line, &length), BUF_EOF);
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_expect_eq(stats.allocs, 2, "one block and the carry of the last line (at the end), nothing per chunk");
    buf_line_reader_destroy(reader);
    buf_readable_destroy(readable);
    test_close_backend_clean(backend);
}

Test(stream_lines, a_line_inside_one_chunk_is_not_copied)
{
    buf_backend_t *backend = test_open_backend("malloc");
    const char *text = "one\ntwo\r\nthree\n";
    buf_readable_t *readable;
    buf_line_reader_t *reader = memory_line_reader(backend, (const uint8_t *)text, strlen(text), 0, 0, &readable);
    const uint8_t *first, *line;
    size_t length;
    cr_assert_eq(buf_line_reader_next(reader, &first, &length), BUF_OK);
    cr_assert_eq(buf_line_reader_next(reader, &line, &length), BUF_OK);
    cr_expect_eq(line, first + 4, "the second line is the chunk's bytes, not a copy");
    while (buf_line_reader_next(reader, &line, &length) == BUF_OK) {
    }
    buf_backend_stats_t stats;
    buf_backend_get_stats(backend, &stats);
    cr_expect_eq(stats.allocs, 1, "one chunk and no carry buffer");
    buf_line_reader_destroy(reader);
    buf_readable_destroy(readable);
    test_close_backend_clean(backend);
}

/* ---- Batches ---------------------------------------------------------------------------------------- */
/* Text as most files are: lines of 0-150 bytes ending in \n, a \r or \r\n now and then (so
 * that the batch's 64-byte blocks see long runs without \r and the general path still
 * gets its cases). */
static size_t newline_text(uint8_t *data, size_t capacity, uint32_t *seed)
{
    size_t length = 0;
    for (;;) {
        test_lcg_next(seed);
        const size_t line = (*seed >> 8) % 151;
        if (length + line + 2 > capacity)
            return length;
        for (size_t i = 0; i < line; i++)
            data[length++] = (uint8_t)('a' + (i * 7 + line) % 26);
        const uint32_t end = (*seed >> 20) % 32;
        if (end == 0)
            data[length++] = '\r';
        else if (end == 1) {
            data[length++] = '\r';
            data[length++] = '\n';
        } else
            data[length++] = '\n';
    }
}

/* All lines of `data` by buf_line_reader_next and, on an identical readable, by batches of
 * `capacity`: the same lines in the same order and the same final status. */
static void expect_batches_equal_lines(buf_backend_t *backend, const uint8_t *data, size_t length, size_t chunk,
                                       size_t max_line, size_t capacity, bool may_fail, const char *what)
{
    buf_readable_t *one_readable, *batch_readable;
    buf_line_reader_t *one = memory_line_reader(backend, data, length, chunk, max_line, &one_readable);
    buf_line_reader_t *batched = memory_line_reader(backend, data, length, chunk, max_line, &batch_readable);
    buf_line_t *batch = malloc(capacity * sizeof *batch);
    const uint8_t *line;
    size_t line_length, count, got = 0;
    buf_status_t one_status = BUF_OK, batch_status;
    while ((batch_status = buf_line_reader_next_batch(batched, batch, capacity, &count)) == BUF_OK) {
        cr_assert(count >= 1 && count <= capacity, "%s: a batch of %zu", what, count);
        for (size_t i = 0; i < count; i++, got++) {
            one_status = buf_line_reader_next(one, &line, &line_length);
            if (one_status != BUF_OK && may_fail)
                break;
            cr_assert_eq(one_status, BUF_OK, "%s: line %zu is %s one by one", what, got, buf_status_name(one_status));
            cr_assert_eq(batch[i].length, line_length, "%s: line %zu has %zu bytes, want %zu", what, got,
                         batch[i].length, line_length);
            cr_assert(memcmp(batch[i].bytes, line, line_length) == 0, "%s: line %zu differs", what, got);
        }
        if (one_status != BUF_OK)
            break;
    }
    if (one_status == BUF_OK)
        one_status = buf_line_reader_next(one, &line, &line_length);
    if (!(may_fail && (one_status == BUF_ENOMEM || batch_status == BUF_ENOMEM))) {
        cr_assert_eq(count, 0, "%s: no lines with %s", what, buf_status_name(batch_status));
        cr_assert_eq(batch_status, one_status, "%s: the batches end in %s after %zu lines, one by one in %s", what,
                     buf_status_name(batch_status), got, buf_status_name(one_status));
        cr_assert_eq(buf_line_reader_next_batch(batched, batch, capacity, &count), batch_status, "%s: sticky", what);
    }
    free(batch);
    buf_line_reader_destroy(one);
    buf_line_reader_destroy(batched);
    buf_readable_destroy(one_readable);
    buf_readable_destroy(batch_readable);
}

Test(stream_lines, batches_are_the_lines_one_by_one)
{
    static const size_t capacities[] = {1, 2, 7, 256};
    static const size_t max_lines[] = {0, 64, 100};
    uint8_t *data = malloc(20000);
    uint32_t seed = 77;
    for (size_t s = 0; s < test_backend_spec_count(); s++) {
        const char *spec = test_backend_spec(s);
        buf_backend_t *backend = test_open_backend(spec);
        for (int round = 0; round < 48; round++) {
            const size_t length = round % 3 == 0 ? random_text(data, 3000, &seed) : newline_text(data, 20000, &seed);
            const size_t chunk = 1 + (size_t)(seed >> 16) % (round % 2 ? 300 : 8192);
            char what[128];
            snprintf(what, sizeof what, "%s round %d (%zu bytes, chunk %zu)", spec, round, length, chunk);
            expect_batches_equal_lines(backend, data, length, chunk, max_lines[round % 3], capacities[round % 4],
                                       test_spec_injects_failures(spec), what);
        }
        test_close_backend_clean(backend);
    }
    free(data);
}

/* Dense text for the batch scan's 64-byte blocks: short lines (several a block), \r, \r\n
 * and \n\r placed anywhere, on and around block edges, and long runs without a line end. */
static size_t block_edge_text(uint8_t *data, size_t capacity, uint32_t *seed)
{
    size_t length = 0;
    while (length + 200 < capacity) {
        test_lcg_next(seed);
        const uint32_t pick = *seed >> 8;
        const size_t line = pick % 8 == 0 ? 70 + pick % 130 : pick % 24;
        for (size_t i = 0; i < line; i++)
            data[length++] = (uint8_t)('a' + (i + pick) % 26);
        static const char *const ends[] = {"\n", "\n", "\n", "\r", "\r\n", "\n\r", "\n\n"};
        const char *end = ends[(pick >> 12) % 7];
        memcpy(data + length, end, strlen(end));
        length += strlen(end);
    }
    return length;
}

/* Every batch kernel (SSE2 at the scalar level, AVX2 where this machine has it) gives the
 * lines of buf_line_reader_next: chunks shorter than a block, of exactly one, across
 * blocks; batches smaller than, equal to and larger than a block's worth of lines; an
 * over-long line; chunks cut from one read-ahead block (joined in place). */
Test(stream_lines, batch_kernels_give_the_lines_one_by_one_at_every_simd_level)
{
    static const buf_simd_level_t levels[] = {BUF_SIMD_SCALAR, BUF_SIMD_AVX2};
    static const size_t chunks[] = {1, 13, 63, 64, 65, 200, 4096};
    static const size_t capacities[] = {1, 3, 64, 65, 256};
    static const size_t max_lines[] = {0, 40};
    const buf_simd_level_t level_before = buf_simd_level();
    uint8_t *data = malloc(12000);
    buf_backend_t *backend = test_open_backend("malloc");
    for (size_t l = 0; l < 2; l++) {
        if (!buf_simd_level_available(levels[l]))
            continue;
        cr_assert_eq(buf_simd_level_set(levels[l]), BUF_OK);
        uint32_t seed = 1234;
        for (size_t round = 0; round < 2 * 7 * 5; round++) {
            const size_t length = block_edge_text(data, 12000, &seed);
            const size_t chunk = chunks[round % 7], capacity = capacities[round % 5];
            memory_read_size = round % 2 ? 0 : 4096 + chunk;
            char what[160];
            snprintf(what, sizeof what, "%s, round %zu (chunk %zu, read size %zu, batch %zu)",
                     buf_simd_level_name(levels[l]), round, chunk, memory_read_size, capacity);
            expect_batches_equal_lines(backend, data, length, chunk, max_lines[(round / 7) % 2],
                                       capacity, false, what);
        }
    }
    memory_read_size = 0;
    buf_simd_level_set(level_before);
    test_close_backend_clean(backend);
    free(data);
}

/* A batch goes on through the chunks the readable cuts from a block it read ahead (bytes
 * already read: nothing to wait for) and stops at that block's end: 100-byte chunks of
 * 1,000-byte blocks, lines of 0-40 bytes.  Every line is checked after its batch returned
 * (the earlier chunks' lines still valid), and a batch that stops short of its capacity
 * has handed out every complete line of its block (a line across two blocks comes
 * through the carry, alone in its batch). */
Test(stream_lines, a_batch_goes_on_through_a_block_read_ahead)
{
    static const buf_simd_level_t levels[] = {BUF_SIMD_SCALAR, BUF_SIMD_AVX2};
    static const size_t capacities[] = {256, 30};
    enum { LENGTH = 6000, CHUNK = 100, BLOCK = 1000 };
    const buf_simd_level_t level_before = buf_simd_level();
    uint8_t *data = malloc(LENGTH);
    size_t length = 0;
    for (uint32_t seed = 5; length < LENGTH - 42;) {
        test_lcg_next(&seed);
        const size_t line = (seed >> 8) % 41;
        for (size_t i = 0; i < line; i++)
            data[length++] = (uint8_t)('a' + (i + line) % 26);
        data[length++] = '\n';
    }
    line_list_t *want = malloc(sizeof *want);
    split_one_shot(data, length, want);
    buf_backend_t *backend = test_open_backend("malloc");
    for (size_t l = 0; l < 2; l++) {
        if (!buf_simd_level_available(levels[l]))
            continue;
        cr_assert_eq(buf_simd_level_set(levels[l]), BUF_OK);
        for (size_t c = 0; c < 2; c++) {
            const size_t capacity = capacities[c];
            memory_read_size = BLOCK;
            buf_readable_t *readable;
            buf_line_reader_t *reader = memory_line_reader(backend, data, length, CHUNK, 0, &readable);
            buf_line_t batch[256];
            size_t count, got = 0, batches = 0, past_one_chunk = 0;
            while (buf_line_reader_next_batch(reader, batch, capacity, &count) == BUF_OK) {
                cr_assert(count >= 1 && count <= capacity && got + count <= want->count);
                for (size_t i = 0; i < count; i++) {
                    cr_assert_eq(batch[i].length, want->lengths[got + i], "%s, batch of %zu: line %zu",
                                 buf_simd_level_name(levels[l]), capacity, got + i);
                    cr_assert(memcmp(batch[i].bytes, data + want->starts[got + i], batch[i].length) == 0,
                              "%s, batch of %zu: line %zu differs", buf_simd_level_name(levels[l]), capacity,
                              got + i);
                }
                const size_t first_end = want->starts[got] + want->lengths[got];
                got += count;
                const size_t last_start = want->starts[got - 1], last_end = last_start + want->lengths[got - 1];
                batches++;
                past_one_chunk += first_end / CHUNK != last_end / CHUNK;
                if (count < capacity && got < want->count && last_start / BLOCK == last_end / BLOCK)
                    cr_assert_geq(want->starts[got] + want->lengths[got], (last_end / BLOCK + 1) * BLOCK,
                                  "%s, batch of %zu: stopped at line %zu, before the end of its block",
                                  buf_simd_level_name(levels[l]), capacity, got);
            }
            cr_assert_eq(got, want->count);
            cr_assert_gt(past_one_chunk, batches / 2, "%zu of %zu batches went past a chunk", past_one_chunk,
                         batches);
            buf_line_reader_destroy(reader);
            buf_readable_destroy(readable);
        }
    }
    memory_read_size = 0;
    buf_simd_level_set(level_before);
    test_close_backend_clean(backend);
    free(want);
    free(data);
}

/* Batches that fill up inside the block scan: \n-only text of 0-7-byte lines (8 to 64 lines
 * a 64-byte block, an empty line a \n), chunks of thousands of bytes, capacities from one
 * block's worth of lines up: the scan takes a block without a room test only while 64
 * more lines fit, so every batch must stop exactly at its capacity and the next one go on
 * from there. */
Test(stream_lines, batches_fill_to_capacity_in_dense_text)
{
    static const buf_simd_level_t levels[] = {BUF_SIMD_SCALAR, BUF_SIMD_AVX2};
    static const size_t capacities[] = {64, 65, 100, 127, 256};
    const buf_simd_level_t level_before = buf_simd_level();
    uint8_t *data = malloc(40000);
    size_t length = 0;
    for (uint32_t seed = 99; length < 40000 - 8;) {
        test_lcg_next(&seed);
        const size_t line = (seed >> 8) % 8;
        for (size_t i = 0; i < line; i++)
            data[length++] = (uint8_t)('a' + i);
        data[length++] = '\n';
    }
    buf_backend_t *backend = test_open_backend("malloc");
    for (size_t l = 0; l < 2; l++) {
        if (!buf_simd_level_available(levels[l]))
            continue;
        cr_assert_eq(buf_simd_level_set(levels[l]), BUF_OK);
        for (size_t c = 0; c < 5; c++)
            for (size_t read_size = 0; read_size <= 16384; read_size += 16384) {
                char what[128];
                snprintf(what, sizeof what, "%s, batch %zu, read size %zu", buf_simd_level_name(levels[l]),
                         capacities[c], read_size);
                memory_read_size = read_size;
                expect_batches_equal_lines(backend, data, length, 3000 + 1000 * c, 0, capacities[c], false, what);
            }
    }
    memory_read_size = 0;
    buf_simd_level_set(level_before);
    test_close_backend_clean(backend);
    free(data);
}

Test(stream_lines, batch_arguments)
{
    buf_backend_t *backend = test_open_backend("malloc");
    buf_readable_t *readable;
    buf_line_reader_t *reader = memory_line_reader(backend, (const uint8_t *)"a\nb\n", 4, 0, 0, &readable);
    buf_line_t batch[4];
    size_t count = 9;
    cr_expect_eq(buf_line_reader_next_batch(reader, batch, 0, &count), BUF_EINVAL);
    cr_expect_eq(count, 0);
    cr_expect_eq(buf_line_reader_next_batch(NULL, batch, 4, &count), BUF_EINVAL);
    cr_expect_eq(buf_line_reader_next_batch(reader, NULL, 4, &count), BUF_EINVAL);
    cr_expect_eq(buf_line_reader_next_batch(reader, batch, 4, NULL), BUF_EINVAL);
    cr_assert_eq(buf_line_reader_next_batch(reader, batch, 4, &count), BUF_OK);
    size_t total = count;
    while (buf_line_reader_next_batch(reader, batch, 4, &count) == BUF_OK)
        total += count;
    cr_expect_eq(total, 2);
    buf_line_reader_destroy(reader);
    buf_readable_destroy(readable);
    test_close_backend_clean(backend);
}
