/* buf_stream.h — streams: data moved in chunks, each chunk a Buffer from a backend.
 *
 * The picture (Node's fs.createReadStream -> transforms -> fs.createWriteStream):
 *
 *   source (fd: file, pipe, TCP/Unix socket; memory; or a callback)
 *      |  read(2) straight into chunk memory: no intermediate copy
 *      v
 *   buf_readable_t  --- chunks of <= high_water_mark bytes (default 64 KiB) --->  consumer
 *                       each chunk a buf_buffer_t from the readable's backend
 *
 *   producer --- buf_writable_write(chunk) ---> buf_writable_t --- writev(2) ---> sink
 *                (takes a reference, no copy)    queue; "full" once queued >= mark (16 KiB)
 *
 *   buf_pipe: readable -> transform* -> writable, bytes in flight bounded.
 *
 * Ownership (who releases what):
 *   - buf_readable_read hands out ONE chunk: a buf_buffer_t holding one reference to an
 *     ArrayBuffer from the readable's backend.  The consumer releases it
 *     (buf_buffer_release) whenever it likes, on any thread.  Each read takes a fresh
 *     block from the backend (as fs.ReadStream allocates a Buffer per read) unless block
 *     reuse is turned on (buf_readable_set_block_reuse).  At the end of the stream
 *     (BUF_EOF or an error) and at destroy the readable gives every block back to its
 *     backend.
 *   - buf_writable_write takes its OWN reference to the chunk (buf_typed_clone): the caller
 *     still owns the chunk it passed and releases it as usual.  The writable drops its
 *     reference once the bytes are written (or when the writable is destroyed).
 *   - Readables, writables, line readers and pipes are created with one call and destroyed
 *     with one call; destroy releases everything they hold.  A readable over an fd never
 *     closes the fd (the caller opened it; the caller closes it).  The backend must outlive
 *     every stream and every chunk made from it.
 *   - Lines from the line reader point into memory the reader owns; they stay valid until
 *     the next call on that reader.
 *   - Failed calls leave *out untouched and hold nothing.
 *
 * Results: every call returns a status.  End of stream is BUF_EOF (distinct from every
 * error).  An I/O error ends the stream with BUF_EIO and the errno is kept
 * (buf_readable_errno / buf_writable_errno); a reader that went away (EPIPE) is BUF_EPIPE;
 * allocation failure is BUF_ENOMEM.  After an error the stream reports the same status on
 * every later call, and the byte counters say exactly how many bytes were delivered: no
 * byte is lost or delivered twice.  EINTR is retried; EAGAIN on a non-blocking descriptor
 * waits with poll(2); short reads and writes are continued (a short read from a pipe or a
 * socket is delivered as a short chunk, as Node does).
 *
 * Threads: one stream object is used by one thread at a time.  Chunks may be handed to
 * other threads and released there: every backend supports cross-thread free and the
 * ArrayBuffer reference count is atomic (buf_model.h).  A chunk's bytes are not
 * synchronised, so the hand-over itself needs a queue or a lock, as
 * buf_pipe_run_threaded's queue does: it reads on a second thread and writes on the
 * caller's.
 *
 * Implementation: impls/streams/ (readable.c, writable.c, pipe.c, line_reader.c).
 */
#ifndef BUF_STREAM_H
#define BUF_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "buf_codec.h"
#include "buf_model.h"
#include "buf_status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BUF_STREAM_DEFAULT_CHUNK ((size_t)64 * 1024)        /* fs.createReadStream */
#define BUF_STREAM_MAX_CHUNK ((size_t)64 * 1024 * 1024)
#define BUF_STREAM_DEFAULT_WRITE_MARK ((size_t)16 * 1024)   /* fs.WriteStream */
#define BUF_STREAM_DEFAULT_MAX_LINE ((size_t)1024 * 1024)

/* ==== Sources and sinks ================================================================= */
/* A source the caller implements (fault injection, tests, anything that is not an fd).
 * read() fills up to `capacity` bytes of `dst` and returns the count, 0 at the end, or a
 * negative errno (-EINTR and -EAGAIN are handled as for an fd).  */
typedef struct buf_source {
    long (*read)(void *context, uint8_t *dst, size_t capacity);
    void *context;
} buf_source_t;

/* A sink the caller implements: writev-like; returns bytes written (may be short) or a
 * negative errno. */
struct iovec;
typedef struct buf_sink {
    long (*writev)(void *context, const struct iovec *iov, int iovcnt);
    void *context;
} buf_sink_t;

/* ==== Readable ========================================================================== */
typedef struct buf_readable buf_readable_t;

typedef struct buf_readable_options {
    size_t high_water_mark; /* chunk size in bytes, 1 .. BUF_STREAM_MAX_CHUNK; 0 = 64 KiB */
} buf_readable_options_t;

/* options may be NULL (defaults).  BUF_EINVAL for a bad option or NULL pointer. */
buf_status_t buf_readable_from_fd(buf_backend_t *backend, int fd, const buf_readable_options_t *options,
                                  buf_readable_t **out);
/* Chunks are copies of data[0, length) (the memory must stay valid while the readable lives). */
buf_status_t buf_readable_from_memory(buf_backend_t *backend, const uint8_t *data, size_t length,
                                      const buf_readable_options_t *options, buf_readable_t **out);
buf_status_t buf_readable_from_source(buf_backend_t *backend, buf_source_t source,
                                      const buf_readable_options_t *options, buf_readable_t **out);
/* The next chunk (1 .. high_water_mark bytes) into *chunk, owned by the caller.
 * BUF_EOF at the end (nothing written to *chunk); an error status otherwise. */
buf_status_t buf_readable_read(buf_readable_t *readable, buf_buffer_t *chunk);
/* Bytes asked of each read from now on, 0 .. BUF_STREAM_MAX_CHUNK (BUF_EINVAL above);
 * 0 or at most high_water_mark = one read per chunk, as fs.createReadStream (the
 * default).  Larger: each read fills a block of read_size bytes and the chunks handed out
 * are consecutive views of it, still at most high_water_mark bytes each — fewer system
 * calls per byte (a line reader at 1 KiB chunks reading 16 KiB at a time, as wc does),
 * the same bytes in the same chunks for a file.  A consumer that stops early may leave
 * bytes read from the fd that were never delivered (bytes_read counts delivered ones). */
buf_status_t buf_readable_set_read_size(buf_readable_t *readable, size_t read_size);
/* Block reuse, off by default.  Off: every read takes a fresh block from the backend
 * (one allocation per chunk, or per read_size block), as fs.ReadStream allocates a fresh
 * Buffer for every read; the backend's cost is part of every chunk.  On: the readable
 * keeps used-up blocks as spares, at most 4 of them (SPARE_SLOTS) and 1 MiB in all
 * (RECYCLE_BUDGET: none at all for blocks above 1 MiB, fewer than 4 above 256 KiB), and
 * reads into the oldest spare again once every chunk of it has been released.  A chunk
 * still held is never overwritten: a spare is reused only when the readable holds its
 * one reference (a held chunk just means a fresh block for that read).  A consumer that
 * releases chunks as they come (the pipe, the line reader) then makes ~no backend
 * allocation per chunk — the backend hardly matters any more.  Turning reuse off lets
 * the spares go at once.  BUF_EINVAL for NULL. */
buf_status_t buf_readable_set_block_reuse(buf_readable_t *readable, bool on);
uint64_t buf_readable_bytes_read(const buf_readable_t *readable); /* bytes delivered so far */
int buf_readable_errno(const buf_readable_t *readable);            /* after BUF_EIO; else 0 */
void buf_readable_destroy(buf_readable_t *readable);               /* NULL: no-op */

/* ==== Writable ========================================================================== */
typedef struct buf_writable buf_writable_t;

typedef struct buf_writable_options {
    size_t high_water_mark; /* queued bytes at which write says "full"; 0 = 16 KiB */
    void (*on_drain)(void *context); /* called when the queue empties after a "full" */
    void *drain_context;
} buf_writable_options_t;

buf_status_t buf_writable_to_fd(int fd, const buf_writable_options_t *options, buf_writable_t **out);
buf_status_t buf_writable_to_sink(buf_sink_t sink, const buf_writable_options_t *options, buf_writable_t **out);
/* Queues a reference to chunk (an empty chunk queues nothing); *full (may be NULL) is set
 * when the queued bytes reach the mark, like Node's write() returning false.  A full queue
 * is then written out at once (writev, short writes continued) and on_drain runs when it
 * is empty, before this call returns: the synchronous form of Node's 'drain' event.
 * BUF_EINVAL after end (Node: ERR_STREAM_WRITE_AFTER_END); BUF_ENOMEM if the queue cannot
 * grow (nothing was queued).  A write error releases everything queued. */
buf_status_t buf_writable_write(buf_writable_t *writable, const buf_buffer_t *chunk, bool *full);
buf_status_t buf_writable_flush(buf_writable_t *writable); /* writes everything queued */
buf_status_t buf_writable_end(buf_writable_t *writable);   /* flush; no write after it */
uint64_t buf_writable_bytes_written(const buf_writable_t *writable);
size_t buf_writable_queued(const buf_writable_t *writable);
int buf_writable_errno(const buf_writable_t *writable);
void buf_writable_destroy(buf_writable_t *writable);

/* ==== Pipe ================================================================================ */
/* A transform turns each chunk into zero or more chunks, passed to emit() (which takes its
 * own reference); flush() (may be NULL) emits what is left at the end. */
typedef buf_status_t (*buf_emit_fn)(void *emit_context, const buf_buffer_t *chunk);
typedef struct buf_transform {
    buf_status_t (*transform)(void *context, const buf_buffer_t *chunk, buf_emit_fn emit, void *emit_context);
    buf_status_t (*flush)(void *context, buf_emit_fn emit, void *emit_context);
    void *context;
} buf_transform_t;

/* Bytes in flight: the bytes the pipe holds in chunks (being read, queued between the
 * threads, going through the transforms, queued in the writable), a chunk counted once per
 * holder.  A chunk is read only when there is room for it and for one emitted chunk of the
 * same size, and an emit that would pass the bound writes out the writable first: with
 * transforms that emit chunks no larger than the readable's chunk size the peak never
 * exceeds max_in_flight.  max_in_flight below 2 x the chunk size is BUF_EINVAL. */
typedef struct buf_pipe_options {
    size_t max_in_flight; /* bound on bytes in flight; 0 = 4 x the readable's chunk size */
} buf_pipe_options_t;

typedef struct buf_pipe_result {
    buf_status_t status;     /* BUF_OK when the readable ended and everything was written */
    uint64_t bytes_read;
    uint64_t bytes_written;
    uint64_t peak_in_flight;
} buf_pipe_result_t;

/* Reads until BUF_EOF, runs each transform's flush, then buf_writable_end.  Returns (and
 * puts in result->status, result may be NULL) BUF_OK or the first failure of the readable,
 * a transform or the writable; the counters are the readable's and the writable's.  When
 * the readable fails, what it delivered before is still written out (so bytes_written =
 * bytes_read unless the writable fails too). */
buf_status_t buf_pipe_run(buf_readable_t *readable, const buf_transform_t *transforms, size_t transform_count,
                          buf_writable_t *writable, const buf_pipe_options_t *options, buf_pipe_result_t *result);
/* The same, with reading on a second thread; chunks are allocated there and released here. */
buf_status_t buf_pipe_run_threaded(buf_readable_t *readable, const buf_transform_t *transforms,
                                   size_t transform_count, buf_writable_t *writable,
                                   const buf_pipe_options_t *options, buf_pipe_result_t *result);

/* ==== Line reader (Node's readline, crlfDelay: Infinity) ================================= */
typedef struct buf_line_reader buf_line_reader_t;
/* max_line: 0 = 1 MiB.  The reader reads from (does not own) readable. */
buf_status_t buf_line_reader_new(buf_readable_t *readable, size_t max_line, buf_line_reader_t **out);
/* The next line without its terminator (\n, \r\n or a lone \r, a \r\n split across
 * chunks included), BUF_EOF at the end, BUF_ERANGE for a line longer than max_line bytes
 * (the reader then stays in that error), or the readable's error.  The text after the last
 * line end is a line if it is not empty; an empty input has no lines.  *line points into a
 * chunk the reader holds (a line inside one chunk: no copy) or into its carry buffer (a
 * line across chunks, from the readable's backend); valid until the next call. */
buf_status_t buf_line_reader_next(buf_line_reader_t *reader, const uint8_t **line, size_t *length);
/* A line of a batch: bytes and length, as buf_line_reader_next hands them out. */
typedef struct buf_line {
    const uint8_t *bytes;
    size_t length;
} buf_line_t;
/* Up to `capacity` (>= 1) next lines at once, the same lines in the same order as that
 * many buf_line_reader_next calls: BUF_OK with *count >= 1 (fewer than capacity when the
 * complete lines of the bytes already read run out: a batch never waits for a read after
 * its first line — it goes on through the next chunks only while the readable cuts them
 * from the block it holds, read ahead by buf_readable_set_read_size), else the status
 * buf_line_reader_next would give (*count = 0).  Every line of the batch stays valid
 * until the next call of either function.  For a reader that takes lines by the
 * chunkful: one call a chunk's worth (or a read's) instead of one a line. */
buf_status_t buf_line_reader_next_batch(buf_line_reader_t *reader, buf_line_t *lines, size_t capacity, size_t *count);
void buf_line_reader_destroy(buf_line_reader_t *reader);

/* ==== Streaming codecs ==================================================================== */
/* A transform that converts a stream from one encoding to another exactly as the one-shot
 * conversion (buf_codec.h) of the whole input would, whatever the chunking.
 * from_raw / to_raw: raw bytes on that side.  Output chunks come from `backend`. */
typedef struct buf_convert_stream buf_convert_stream_t;
buf_status_t buf_convert_stream_new(buf_backend_t *backend, bool from_raw, buf_encoding_t from,
                                    bool to_raw, buf_encoding_t to, bool strict, buf_convert_stream_t **out);
buf_transform_t buf_convert_stream_transform(buf_convert_stream_t *stream);
/* strict decodes `from` strictly (BUF_EINVAL with from_raw).  The transform's chunks may
 * be cut anywhere; emitted chunks hold at most 64 KiB.  raw -> raw passes chunks on as
 * they are.  The stream is released by buf_convert_stream_destroy (NULL: no-op). */
/* After BUF_ESTRICT: offset of the first offending byte in the whole input stream
 * (buf_decode_strict's offset for the concatenated input); UINT64_MAX otherwise. */
uint64_t buf_convert_stream_bad_offset(const buf_convert_stream_t *stream);
void buf_convert_stream_destroy(buf_convert_stream_t *stream);

#ifdef __cplusplus
}
#endif
#endif
