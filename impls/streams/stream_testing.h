/* stream_testing.h — internals of the stream layer that unit tests may look at.
 *
 * Not part of the public API (impls/include/): only tests/unit/ includes this, to check
 * the memory readable's copy into a block (stream_copy, stream_copy_would_crawl: static
 * inline in stream_internal.h, so no internal symbol is used) on its own.
 */
#ifndef BUF_STREAM_TESTING_H
#define BUF_STREAM_TESTING_H

#include "stream_internal.h"

#endif
