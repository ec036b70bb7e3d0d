/* line_driver.c — prints every line of a file as the stream line reader splits it, one
 * line per output line, hex-encoded (an empty line prints as an empty line), for
 * scripts/node-diff streams to compare with Node's readline.
 *
 *   line_driver [--backend SPEC] [--chunk BYTES] [--pieces SEED] FILE
 *
 * --pieces SEED reads through a source that returns pieces of random length (1 .. chunk,
 * from SEED), so the line reader sees short chunks at random boundaries as from a pipe.
 * The last output line is "end STATUS" (BUF_EOF, or the error).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf_backend.h"
#include "buf_stream.h"

typedef struct random_pieces {
    int fd;
    uint64_t state;
} random_pieces_t;

static long read_random_piece(void *context, uint8_t *dst, size_t capacity)
{
    random_pieces_t *pieces = context;
    pieces->state = pieces->state * 6364136223846793005u + 1442695040888963407u;
    const size_t piece = 1 + (size_t)(pieces->state >> 33) % capacity;
    const ssize_t got = read(pieces->fd, dst, piece);
    return got < 0 ? -errno : (long)got;
}

int main(int argc, char **argv)
{
    const char *spec = "malloc", *path = NULL;
    size_t chunk = 0;
    bool use_pieces = false;
    random_pieces_t pieces = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--backend") == 0 && i + 1 < argc)
            spec = argv[++i];
        else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc)
            chunk = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--pieces") == 0 && i + 1 < argc) {
            use_pieces = true;
            pieces.state = strtoull(argv[++i], NULL, 10);
        } else
            path = argv[i];
    }
    if (!path) {
        fprintf(stderr, "usage: line_driver [--backend SPEC] [--chunk BYTES] [--pieces SEED] FILE\n");
        return 2;
    }
    const int fd = open(path, O_RDONLY);
    buf_backend_t *backend = NULL;
    if (fd < 0 || buf_backend_open(spec, NULL, &backend) != BUF_OK) {
        fprintf(stderr, "line_driver: cannot open %s or backend %s\n", path, spec);
        return 1;
    }
    const buf_readable_options_t options = {.high_water_mark = chunk};
    buf_readable_t *readable = NULL;
    pieces.fd = fd;
    buf_status_t status = use_pieces
                              ? buf_readable_from_source(backend, (buf_source_t){read_random_piece, &pieces}, &options,
                                                         &readable)
                              : buf_readable_from_fd(backend, fd, &options, &readable);
    buf_line_reader_t *reader = NULL;
    if (status == BUF_OK)
        status = buf_line_reader_new(readable, 0, &reader);
    const uint8_t *line;
    size_t length;
    while (status == BUF_OK && (status = buf_line_reader_next(reader, &line, &length)) == BUF_OK) {
        for (size_t i = 0; i < length; i++)
            printf("%02x", line[i]);
        putchar('\n');
    }
    printf("end %s\n", buf_status_name(status));
    buf_line_reader_destroy(reader);
    buf_readable_destroy(readable);
    close(fd);
    const size_t outstanding = buf_backend_close(backend);
    return outstanding == 0 && status == BUF_EOF ? 0 : 1;
}
