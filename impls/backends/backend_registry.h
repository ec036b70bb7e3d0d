/* backend_registry.h — THE list of base backends, and the list of decorators.
 *
 * To add a backend: write impls/backends/backend_NAME.c defining
 *     const buf_backend_ops_t backend_NAME_ops = { ... };
 * with the next free permanent fuzz id (the largest `buf backends` lists, plus one),
 * and add one line X(NAME) at the end of BUF_BACKEND_LIST.  Order is the order of
 * `buf backends`, tests and benchmarks.  Fuzz ids are permanent and unique: two
 * backends with one id stop the program at its first use of the registry (backend.c).
 *
 * A decorator (spelled DECORATOR(ARGS):SPEC, never listed by `buf backends`) is one file
 * too, impls/backends/backend_NAME.c defining backend_NAME_ops, and one line X(NAME) in
 * BUF_DECORATOR_LIST: buf_backend_open hands its create the argument text and the
 * opened inner instance (buf_backend_config_t.arguments and .inner).
 */
#ifndef BUF_BACKEND_REGISTRY_H
#define BUF_BACKEND_REGISTRY_H

#define BUF_BACKEND_LIST(X) \
    X(malloc)               \
    X(slab)                 \
    X(mmap)                 \
    X(pool)

#define BUF_DECORATOR_LIST(X) \
    X(fail)

#endif
