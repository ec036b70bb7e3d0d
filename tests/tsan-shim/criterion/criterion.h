/* A minimal stand-in for <criterion/criterion.h>, used only by the ThreadSanitizer build.
 *
 * Criterion's runner cannot start under TSan (its inheritable arena mapping collides with
 * TSan's shadow memory), so the threaded tests are compiled against this header instead:
 * Test() registers a function, the cr_assert* / cr_expect* macros used by the threaded
 * tests check their condition, and tests/tsan-shim/runner.c runs every registered test
 * in-process and prints "N passed, N failed".  Only what the threaded tests use exists.
 */
#ifndef TSAN_SHIM_CRITERION_H
#define TSAN_SHIM_CRITERION_H

#include <stdbool.h>
#include <stddef.h>

typedef struct shim_test {
    const char *suite, *name;
    void (*run)(void);
} shim_test_t;

void shim_register(const shim_test_t *test);
/* Returns ok; on a failed fatal check it does not return (longjmp to the runner). */
bool shim_check(bool ok, bool fatal, const char *file, int line, const char *expression, const char *format, ...)
    __attribute__((format(printf, 6, 7)));
void shim_skip(const char *reason);

#define Test(suite_name, test_name)                                                               \
    static void shim_##suite_name##_##test_name(void);                                            \
    __attribute__((constructor)) static void shim_register_##suite_name##_##test_name(void)       \
    {                                                                                             \
        static const shim_test_t test = {#suite_name, #test_name, shim_##suite_name##_##test_name}; \
        shim_register(&test);                                                                     \
    }                                                                                             \
    static void shim_##suite_name##_##test_name(void)

#define SHIM_CHECK(fatal, condition, text, ...) \
    shim_check((condition), (fatal), __FILE__, __LINE__, (text), "" __VA_ARGS__)

#define cr_assert(condition, ...) SHIM_CHECK(true, (condition), #condition, __VA_ARGS__)
#define cr_expect(condition, ...) SHIM_CHECK(false, (condition), #condition, __VA_ARGS__)
#define cr_assert_eq(a, b, ...) SHIM_CHECK(true, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_expect_eq(a, b, ...) SHIM_CHECK(false, (a) == (b), #a " == " #b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) SHIM_CHECK(true, (a) != (b), #a " != " #b, __VA_ARGS__)
#define cr_assert_leq(a, b, ...) SHIM_CHECK(true, (a) <= (b), #a " <= " #b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) SHIM_CHECK(true, (a) >= (b), #a " >= " #b, __VA_ARGS__)
#define cr_assert_gt(a, b, ...) SHIM_CHECK(true, (a) > (b), #a " > " #b, __VA_ARGS__)
#define cr_assert_lt(a, b, ...) SHIM_CHECK(true, (a) < (b), #a " < " #b, __VA_ARGS__)
#define cr_assert_null(p, ...) SHIM_CHECK(true, (p) == NULL, #p " == NULL", __VA_ARGS__)
#define cr_assert_not_null(p, ...) SHIM_CHECK(true, (p) != NULL, #p " != NULL", __VA_ARGS__)
#define cr_skip_test(reason) shim_skip(reason)

#endif
