/* stream_testing.h — internals of the stream layer that unit tests may look at.
 *
 * Not part of the public API (impls/include/): only tests/unit/ includes this, to check
 * what a test cannot see through buf_stream.h — which source lines a memory readable
 * prefetches ahead of its copies (stream_memory_prefetch_window: a prefetch never faults
 * and never changes a byte, so only its window can be checked).
 */
#ifndef STREAM_TESTING_H
#define STREAM_TESTING_H

#include "stream_internal.h"

#endif
