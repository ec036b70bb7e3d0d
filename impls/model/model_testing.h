/* model_testing.h — internals of the buffer model that unit tests may look at.
 *
 * Not part of the public API (impls/include/): only tests/unit/ includes this, to check
 * the ECMAScript number conversions on their own (numconv.h).
 */
#ifndef BUF_MODEL_TESTING_H
#define BUF_MODEL_TESTING_H

#include "numconv.h"

#endif
