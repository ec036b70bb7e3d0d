/* backend_registry.h — THE list of base backends.
 *
 * To add a backend: write impls/backend_NAME.c defining
 *     const buf_backend_ops_t backend_NAME_ops = { ... };
 * and add one line X(NAME) below.  Order is the order of `buf backends`, tests and
 * benchmarks; the fuzz id is the one in the ops struct (permanent, never reused).
 */
#ifndef BUF_BACKEND_REGISTRY_H
#define BUF_BACKEND_REGISTRY_H

#define BUF_BACKEND_LIST(X) \
    X(malloc)               \
    X(slab)                 \
    X(mmap)                 \
    X(pool)

#endif
