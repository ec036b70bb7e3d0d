/* test_slab_give_back.c — slab (and pool's blocks above pool_size/2, a slab instance of
 * its own) gives idle pages back before a commit would raise bytes_os above its peak.
 *
 * Property: a slab of a class that once had many blocks and now has one live block gives
 * back the pages above it when another class commits, so bytes_os stays at its peak; the
 * live block keeps its bytes; the blocks carved again over the given-back pages are
 * distinct from each other and from the live block (the trimmed free blocks left the free
 * set: nothing is handed out twice), and writable.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "buf_backend.h"
#include "test_support.h"

#define WIDE_CLASS_SIZE ((size_t)60 << 10)   /* the 60 KiB class: 8 blocks on 8 units */
#define WIDE_BLOCKS 8
#define OTHER_CLASS_SIZE ((size_t)40 << 10)  /* another class: its first block commits */
#define REFILL_BLOCKS (2 * WIDE_BLOCKS)      /* past the free set into carving again */

static void check_give_back(const char *spec)
{
    buf_backend_t *backend = test_open_backend(spec);
    void *wide[WIDE_BLOCKS];
    for (int i = 0; i < WIDE_BLOCKS; i++) {
        wide[i] = buf_backend_alloc(backend, WIDE_CLASS_SIZE, 0, NULL);
        cr_assert_not_null(wide[i], "%s: block %d", spec, i);
    }
    memset(wide[0], 0x5a, WIDE_CLASS_SIZE);
    for (int i = WIDE_BLOCKS - 1; i >= 1; i--)
        buf_backend_free(backend, wide[i], WIDE_CLASS_SIZE, 0);
    buf_backend_stats_t peak;
    buf_backend_get_stats(backend, &peak);

    /* Another class commits: the 60 KiB slab's 7 free blocks above its live one go back. */
    void *other = buf_backend_alloc(backend, OTHER_CLASS_SIZE, 0, NULL);
    cr_assert_not_null(other);
    buf_backend_stats_t after;
    buf_backend_get_stats(backend, &after);
    cr_assert_leq(after.bytes_os, peak.bytes_os, "%s: bytes_os %llu above its peak %llu, with %zu idle bytes",
                  spec, (unsigned long long)after.bytes_os, (unsigned long long)peak.bytes_os,
                  (WIDE_BLOCKS - 1) * WIDE_CLASS_SIZE);
    for (size_t i = 0; i < WIDE_CLASS_SIZE; i++)
        cr_assert_eq(((uint8_t *)wide[0])[i], 0x5a, "%s: the live block changed at byte %zu", spec, i);

    /* The class fills its slab again (and a second one): every block distinct, none
     * overlapping another or the live block, all writable. */
    void *refill[REFILL_BLOCKS];
    for (int i = 0; i < REFILL_BLOCKS; i++) {
        refill[i] = buf_backend_alloc(backend, WIDE_CLASS_SIZE, 0, NULL);
        cr_assert_not_null(refill[i], "%s: refill %d", spec, i);
        memset(refill[i], i + 1, WIDE_CLASS_SIZE);
        for (int j = -1; j < i; j++) {
            uint8_t *earlier = j < 0 ? wide[0] : refill[j];
            uint8_t *mine = refill[i];
            cr_assert(mine + WIDE_CLASS_SIZE <= earlier || earlier + WIDE_CLASS_SIZE <= mine,
                      "%s: refill %d at %p overlaps block %d at %p", spec, i, (void *)mine, j, (void *)earlier);
        }
    }
    for (int i = 0; i < REFILL_BLOCKS; i++) {
        cr_assert_eq(((uint8_t *)refill[i])[0], (uint8_t)(i + 1), "%s: refill %d overwritten", spec, i);
        buf_backend_free(backend, refill[i], WIDE_CLASS_SIZE, 0);
    }
    buf_backend_free(backend, other, OTHER_CLASS_SIZE, 0);
    buf_backend_free(backend, wide[0], WIDE_CLASS_SIZE, 0);
    test_close_backend_clean(backend);
}

Test(slab_give_back, idle_pages_go_back_before_the_peak_rises)
{
    /* slab alone: its front (thread cache) would keep the last freed 60 KiB block, the
     * top one, which then is in use as far as the slab's pages are concerned; pool's
     * front holds slab's blocks the same way. */
    check_give_back("slab:nocache");
    check_give_back("pool:nocache");
}

/* Property: an empty slab serves another class of its length (the classes holding empty
 * slabs are a bitmap that slab_new reads): after two one-unit slabs of 5 KiB blocks are
 * freed, the second waits on the empty list, and the first block of 6 KiB starts at its
 * base instead of fresh units. */
#define FIVE_KIB ((size_t)5000) /* class 5120 with a red zone of up to 120 bytes */
#define FIVE_KIB_PER_SLAB 12 /* 64 KiB / 5120 */
#define SIX_KIB ((size_t)6000)  /* class 6144 */

Test(slab_give_back, an_empty_slab_serves_another_class_of_its_length)
{
    buf_backend_t *backend = test_open_backend("slab");
    void *five[2 * FIVE_KIB_PER_SLAB];
    for (int i = 0; i < 2 * FIVE_KIB_PER_SLAB; i++) {
        five[i] = buf_backend_alloc(backend, FIVE_KIB, 0, NULL);
        cr_assert_not_null(five[i]);
    }
    /* The first slab first: it goes back on its class's list and stays its head, so the
     * second, emptied after it, is the one that moves to the empty list. */
    for (int i = 0; i < 2 * FIVE_KIB_PER_SLAB; i++)
        buf_backend_free(backend, five[i], FIVE_KIB, 0);
    void *six = buf_backend_alloc(backend, SIX_KIB, 0, NULL);
    cr_assert_not_null(six);
    cr_assert_eq(six, five[FIVE_KIB_PER_SLAB], "6 KiB block at %p, not at the empty slab's base %p", six,
                 five[FIVE_KIB_PER_SLAB]);
    buf_backend_free(backend, six, SIX_KIB, 0);
    test_close_backend_clean(backend);
}
