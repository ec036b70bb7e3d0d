/* fuzz_backend.h — the backend selector: the leading input bytes pick the backend every
 * target allocates from.
 *
 * Byte layout (read through the data producer, so a short input means defaults):
 *
 *   byte 0   bits 0-3  permanent fuzz id of a base backend (buf_backend_ops_t.fuzz_id:
 *                      malloc 0, slab 1, mmap 2, pool 3, ...).  Ids the registry does not
 *                      know are reserved for future backends: the input is skipped, so a
 *                      committed corpus keeps its meaning when a backend is added.
 *            bit 4     ":guard" variant (for backends that accept the option, i.e. mmap;
 *                      others are opened plain)
 *            bit 5     wrap in the failure injector fail(SEED,P):SPEC; then
 *   byte 1             P = (byte1 % 17) / 16, i.e. 0, 1/16, ..., 1
 *   bytes 2-3          SEED (little-endian u16)
 *            bits 6-7  ignored
 *
 * Every input gets a fresh instance (open ... close), and the caps below bound what one
 * input may hold live, so the mmap backend (one mapping per block) cannot exhaust the
 * process's mappings or memory.
 *
 * Replaying under another backend: the fuzz id can be overridden (bits 4-7 and the fail
 * bytes keep their meaning), so every committed input runs against every registered
 * backend, a new one included, with no edit to the corpus.  The replay driver's
 * -backend=each does that; FUZZ_BACKEND=NAME (or a fuzz id) in the environment does it
 * for any binary, e.g. to reproduce a crash under one backend.
 */
#ifndef FUZZ_BACKEND_H
#define FUZZ_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf_backend.h"
#include "fuzz_helpers.h"

/* Caps for one input: largest block, most blocks live at once (for mmap: mappings). */
#define FUZZ_MAX_BLOCK_SIZE ((size_t)256 * 1024)
#define FUZZ_MAX_LIVE_BLOCKS 64

#define FUZZ_BACKEND_GUARD_BIT 0x10u
#define FUZZ_BACKEND_FAIL_BIT 0x20u

typedef struct fuzz_backend {
    buf_backend_t *backend;
    char spec[96];         /* the spec it was opened with, e.g. "fail(7,0.2500):mmap:guard" */
    uint8_t fuzz_id;
    bool guard;            /* opened with ":guard" */
    bool injects_failures; /* wrapped in fail(...) with P > 0 */
} fuzz_backend_t;

/* Reads the selector bytes and opens a fresh instance.  Returns false when the input
 * names an unassigned fuzz id (the caller returns 0 and does nothing).  Any other
 * failure to open is a bug and aborts. */
bool fuzz_backend_open(fuzz_producer_t *producer, fuzz_backend_t *out);

/* Closes the instance; aborts if blocks are still outstanding (a leak in the code
 * under test, or in the target) or if the statistics say bytes are still live. */
void fuzz_backend_close(fuzz_backend_t *selected);

/* ---- Overriding the fuzz id ---------------------------------------------------------- */
#define FUZZ_BACKEND_AS_INPUT_SAYS (-1)

/* From now on the selector's fuzz id reads as `fuzz_id` (FUZZ_BACKEND_AS_INPUT_SAYS: as
 * the input says).  Overrides FUZZ_BACKEND from the environment. */
void fuzz_backend_override_id(int fuzz_id);

/* The fuzz id that FUZZ_BACKEND names (a registry name or a decimal fuzz id), or
 * FUZZ_BACKEND_AS_INPUT_SAYS when unset; aborts with a message when it names nothing. */
int fuzz_backend_id_from_name(const char *name);

/* How many selectors have been read so far: a replay of an input that did not move it
 * never looked at a backend, so running it under another would repeat the same run. */
uint64_t fuzz_backend_selectors_read(void);

#endif
