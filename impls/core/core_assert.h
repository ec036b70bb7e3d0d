/* core_assert.h — invariants written as assertions, at two levels (as mimalloc does).
 *
 *   BUF_ASSERT(cond)            cheap checks (O(1), no extra memory reads of note): on in
 *                               the test, sanitizer and fuzz builds
 *   BUF_ASSERT_EXPENSIVE(cond)  checks that walk a list or scan memory: on in the same
 *                               builds, so the fuzzers lean on them
 *
 * Both are off in the optimized build that the benchmarks time (BUF_ASSERT_LEVEL=0, the
 * default), where they compile to nothing and never evaluate their argument.  The
 * Makefile sets BUF_ASSERT_LEVEL=2 for the unit-test, sanitizer and fuzz builds.  A
 * failed assertion prints the condition, file and line on stderr and aborts: it is a
 * bug in the library, never a reaction to bad input (bad input gets a status).
 */
#ifndef BUF_CORE_ASSERT_H
#define BUF_CORE_ASSERT_H

#ifndef BUF_ASSERT_LEVEL
#define BUF_ASSERT_LEVEL 0
#endif

/* Prints "bufbench: assertion failed: COND (FILE:LINE, FUNC)" and aborts. */
_Noreturn void core_assert_fail(const char *condition, const char *file, int line, const char *function);

#if BUF_ASSERT_LEVEL >= 1
#define BUF_ASSERT(cond) \
    ((cond) ? (void)0 : core_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define BUF_ASSERT(cond) ((void)sizeof((cond) ? 1 : 0))
#endif

#if BUF_ASSERT_LEVEL >= 2
#define BUF_ASSERT_EXPENSIVE(cond) \
    ((cond) ? (void)0 : core_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define BUF_ASSERT_EXPENSIVE(cond) ((void)sizeof((cond) ? 1 : 0))
#endif

#endif
