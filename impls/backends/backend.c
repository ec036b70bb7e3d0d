/* backend.c — the registry, specs, instances and the statistics every backend shares.
 *
 * Sizes and alignments are validated once, statistics every backend shares (live/peak
 * bytes, counts) are kept in per-thread slots merged when read (backend_stats.h: no lock
 * and no atomic read-modify-write on the hot path, though a backend may be used from
 * several threads), and a spec is turned
 * into an instance — a base backend from BUF_BACKEND_LIST, or a decorator from
 * BUF_DECORATOR_LIST wrapped around the instance of the rest of the spec.  This file
 * knows no backend and no decorator by name: each is its own file (backend_registry.h).
 * The commonest requests never get here: buf_backend_alloc and buf_backend_free are
 * inlined into the caller (buf_backend.h, "The inlined fast path"), and call the
 * *_general functions below for everything they do not handle themselves.
 */
#include "buf_backend.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend_registry.h"
#include "backend_stats.h"
#include "core/core_assert.h"
#include "mem_map.h"

/* ---- Registry ------------------------------------------------------------------------ */
#define DECLARE_OPS(name) extern const buf_backend_ops_t backend_##name##_ops;
BUF_BACKEND_LIST(DECLARE_OPS)
BUF_DECORATOR_LIST(DECLARE_OPS)
#undef DECLARE_OPS

#define OPS_ADDRESS(name) &backend_##name##_ops,
static const buf_backend_ops_t *const registry[] = {BUF_BACKEND_LIST(OPS_ADDRESS)};
static const buf_backend_ops_t *const decorators[] = {BUF_DECORATOR_LIST(OPS_ADDRESS)};
#undef OPS_ADDRESS

static const size_t registry_count = sizeof registry / sizeof registry[0];
static const size_t decorator_count = sizeof decorators / sizeof decorators[0];

/* Names and fuzz ids must be unique: committed fuzz corpora pick backends by id, so a new
 * backend that took an existing id would silently change what every corpus input tests.
 * The registry is fixed at build time, so a clash is a build mistake: stop at the first
 * use of the registry (the first unit test, the first `buf backends`), in every build. */
static void registry_check_unique(void)
{
    for (size_t i = 0; i < registry_count; i++)
        for (size_t j = i + 1; j < registry_count; j++) {
            const buf_backend_props_t *first = &registry[i]->props, *second = &registry[j]->props;
            if (registry[i]->fuzz_id == registry[j]->fuzz_id) {
                fprintf(stderr,
                        "bufbench: backends '%s' and '%s' both have fuzz id %u in the registry; fuzz ids are "
                        "permanent: give the newer one the next free id (the largest in `buf backends`, plus one)\n",
                        first->name, second->name, (unsigned)registry[i]->fuzz_id);
                abort();
            }
            if (strcmp(first->name, second->name) == 0) {
                fprintf(stderr, "bufbench: two backends in the registry are named '%s'; rename one\n",
                        first->name);
                abort();
            }
        }
}

static void registry_checked(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, registry_check_unique);
}

size_t buf_backend_count(void)
{
    registry_checked();
    return registry_count;
}

const buf_backend_ops_t *buf_backend_at(size_t index)
{
    registry_checked();
    return index < registry_count ? registry[index] : NULL;
}

const buf_backend_ops_t *buf_backend_find(const char *name)
{
    registry_checked();
    if (!name)
        return NULL;
    for (size_t i = 0; i < registry_count; i++)
        if (strcmp(registry[i]->props.name, name) == 0)
            return registry[i];
    return NULL;
}

const buf_backend_ops_t *buf_backend_find_fuzz_id(uint8_t fuzz_id)
{
    registry_checked();
    for (size_t i = 0; i < registry_count; i++)
        if (registry[i]->fuzz_id == fuzz_id)
            return registry[i];
    return NULL;
}

static const buf_backend_ops_t *decorator_find(const char *name)
{
    for (size_t i = 0; i < decorator_count; i++)
        if (strcmp(decorators[i]->props.name, name) == 0)
            return decorators[i];
    return NULL;
}

size_t buf_page_size(void)
{
    /* Racing first calls store the same value; atomic so that the race is well-defined. */
    static _Atomic size_t page_size;
    size_t value = atomic_load_explicit(&page_size, memory_order_relaxed);
    if (!value) {
        long queried = sysconf(_SC_PAGESIZE);
        value = queried > 0 ? (size_t)queried : 4096;
        atomic_store_explicit(&page_size, value, memory_order_relaxed);
    }
    return value;
}

/* ---- Instances ----------------------------------------------------------------------- */
#define SPEC_MAX 256

/* The fast path inlined from buf_backend.h reads `hot`: it must come first. */
struct buf_backend {
    buf_backend_hot_t hot;        /* ops->alloc, ops->free, the state, the owner and its slot */
    const buf_backend_ops_t *ops; /* a base backend's or a decorator's */
    /* The backend's front (buf_backend.h, "The backend's front"), or NULL: kept after it
     * is turned off (hot.front_stacks NULL) for the blocks close or the owner gives back. */
    buf_backend_front_t *front;
    backend_stats_t stats;
    char spec[SPEC_MAX];
};
_Static_assert(offsetof(struct buf_backend, hot) == 0, "buf_backend.h reads an instance through its hot part");

/* An instance lives in pages of its own, not in the malloc heap: a struct of ~450 bytes
 * taken from the heap between the benchmark's blocks and the heap's top changed which
 * path glibc took for every later block of 4 KiB and more (alloc_pair/malloc/4096: 22
 * instructions more per pair in _int_malloc than baseline_malloc/4096, the same calls).
 * With the instance elsewhere the malloc backend does exactly malloc's work.  Opening
 * costs a mapping (~1-2 us): instances are opened once per test or benchmark run. */
static size_t instance_bytes(void)
{
    size_t page = buf_page_size();
    return (sizeof(struct buf_backend) + page - 1) / page * page;
}

/* ---- The backend's front (buf_backend.h, "The backend's front") ----------------------
 * The inline paths pop and push; here the front is published at open, withheld from a
 * decorator's inner instance, and given back (every cached block to the backend's free)
 * when a second thread has used the instance or at close. */

/* Every cached block back to the backend, freed with its class's size.  Their frees were
 * counted when they were cached: the figures do not move.  The owner only, or close. */
static void front_give_back(buf_backend_t *backend)
{
    buf_backend_front_t *front = backend->front;
    if (!front)
        return;
    for (size_t class_index = 0; class_index < front->class_count; class_index++) {
        buf_backend_front_stack_t *stack = &front->stacks[class_index];
        while (stack->count)
            backend->hot.free(backend->hot.state, stack->blocks[--stack->count], front->class_bytes[class_index],
                              BUF_DEFAULT_ALIGN);
    }
}

/* Off for good: no inline path reads a stack after this (the alloc word matches no
 * thread, the free word's kind is the backend's free), and what the stacks held goes back
 * to the backend. */
static void front_turn_off(buf_backend_t *backend)
{
    __atomic_store_n(&backend->hot.alloc_owner, 0, __ATOMIC_RELAXED);
    /* The owner's frees call the backend inline again (its allocations stay general:
     * a second thread came, or the instance is closing). */
    uintptr_t free_owner = __atomic_load_n(&backend->hot.free_owner, __ATOMIC_RELAXED);
    if ((free_owner & BUF_BACKEND_PATH_MASK) == BUF_BACKEND_PATH_FRONT)
        __atomic_store_n(&backend->hot.free_owner, (free_owner & ~BUF_BACKEND_PATH_MASK) | BUF_BACKEND_PATH_BACKEND,
                         __ATOMIC_RELAXED);
    __atomic_store_n(&backend->hot.front_stacks, NULL, __ATOMIC_RELAXED);
    front_give_back(backend);
}

/* After the general path found the calling thread's slot: the owner (its slot is the
 * first) turns the front off once a second thread has used the instance (alloc_owner 0:
 * backend_stats.c clears it when a second slot is added).  A non-owner returns at the
 * first compare and never touches the front. */
static inline void front_follow_sharing(buf_backend_t *backend, const buf_backend_slot_t *slot)
{
    if (__builtin_expect(slot == &backend->hot.first, 0) &&
        __atomic_load_n(&backend->hot.front_stacks, __ATOMIC_RELAXED) != NULL &&
        __atomic_load_n(&backend->hot.alloc_owner, __ATOMIC_RELAXED) == 0)
        front_turn_off(backend);
}

/* The front's stack for a request, or NULL (none, or off): for backend_testing.h. */
static const buf_backend_front_stack_t *front_stack_of(const buf_backend_t *backend, size_t size)
{
    if (!backend || size == 0 || size > BUF_BACKEND_FRONT_MAX ||
        !__atomic_load_n(&backend->hot.front_stacks, __ATOMIC_RELAXED))
        return NULL;
    return buf_backend_front_stack_for(&backend->hot, size);
}

bool backend_front_is_on(const buf_backend_t *backend)
{
    return backend && __atomic_load_n(&backend->hot.front_stacks, __ATOMIC_RELAXED) != NULL;
}

size_t backend_front_held(const buf_backend_t *backend, size_t size)
{
    const buf_backend_front_stack_t *stack = front_stack_of(backend, size);
    return stack ? stack->count : 0;
}

size_t backend_front_capacity(const buf_backend_t *backend, size_t size)
{
    const buf_backend_front_stack_t *stack = front_stack_of(backend, size);
    return stack ? stack->capacity : 0;
}

/* The front's class table into the instance (buf_backend_hot_t.front_stack_table), as
 * each class's stack's address.  false (the front is not used: the instance runs as
 * without one) for a front without classes or a table naming a class it does not have. */
static bool front_copy_table(buf_backend_t *backend)
{
    const buf_backend_front_t *front = backend->front;
    BUF_ASSERT(front->class_of && front->stacks && front->class_bytes);
    if (front->class_count == 0)
        return false;
    for (size_t entry = 0; entry < BUF_BACKEND_FRONT_MAX >> 3; entry++) {
        size_t class_index = front->class_of[entry];
        if (class_index >= front->class_count)
            return false;
        backend->hot.front_stack_table[entry] = &front->stacks[class_index];
    }
    return true;
}

static buf_backend_t *instance_allocate(void)
{
    return mem_map(instance_bytes()); /* zeroed */
}

static void instance_release(buf_backend_t *backend)
{
    if (backend)
        mem_unmap(backend, instance_bytes());
}

/* Splits a spec (a writable copy in `text`) into the ops that serve it and their config:
 *   DECORATOR(ARGUMENTS):SPEC  a name from BUF_DECORATOR_LIST; SPEC is opened here, with
 *                              the caller's config, and handed over as config->inner
 *   NAME:OPTION, NAME          a name from BUF_BACKEND_LIST */
static buf_status_t parse_spec(char *text, const buf_backend_config_t *caller_config,
                               const buf_backend_ops_t **ops, buf_backend_config_t *config)
{
    char *paren = strchr(text, '('), *colon = strchr(text, ':');
    if (paren && (!colon || paren < colon)) {
        *paren = '\0';
        *ops = decorator_find(text);
        if (!*ops)
            return BUF_EUNKNOWN_BACKEND;
        char *close = strchr(paren + 1, ')');
        if (!close || close[1] != ':')
            return BUF_EINVAL;
        *close = '\0';
        config->arguments = paren + 1;
        buf_status_t status = buf_backend_open(close + 2, caller_config, &config->inner);
        /* Every call must reach the decorator's inner instance as the decorator makes it
         * (not used yet: nothing is cached, nothing to give back). */
        if (status == BUF_OK)
            __atomic_store_n(&config->inner->hot.front_stacks, NULL, __ATOMIC_RELAXED);
        return status;
    }
    if (colon) {
        *colon = '\0';
        config->option = colon + 1;
        if (!*config->option)
            return BUF_EINVAL;
    }
    *ops = buf_backend_find(text);
    return *ops ? BUF_OK : BUF_EUNKNOWN_BACKEND;
}

buf_status_t buf_backend_open(const char *spec, const buf_backend_config_t *config, buf_backend_t **out)
{
    if (!spec || !out)
        return BUF_EINVAL;
    *out = NULL;
    if (strlen(spec) >= SPEC_MAX)
        return BUF_EINVAL;

    char text[SPEC_MAX];
    snprintf(text, sizeof text, "%s", spec);
    buf_backend_config_t instance_config = config ? *config : (buf_backend_config_t){0};
    instance_config.arguments = NULL;
    instance_config.inner = NULL;
    const buf_backend_ops_t *ops = NULL;
    buf_status_t status = parse_spec(text, config, &ops, &instance_config);
    buf_backend_t *backend = NULL;
    if (status == BUF_OK) {
        backend = instance_allocate();
        if (backend && backend_stats_init(&backend->stats, &backend->hot) != 0) {
            instance_release(backend);
            backend = NULL;
        }
        status = backend ? ops->create(&instance_config, &backend->hot.state) : BUF_ENOMEM;
    }
    if (status != BUF_OK) {
        if (backend)
            backend_stats_destroy(&backend->stats, &backend->hot);
        instance_release(backend);
        buf_backend_close_report(instance_config.inner, NULL); /* a decorator's, if opened */
        return status;
    }
    backend->ops = ops;
    buf_backend_props_t props = ops->props;
    if (ops->instance_props)
        ops->instance_props(backend->hot.state, &props);
    backend->hot.wide_default_from = props.wide_aligned ? BUF_WIDE_MIN : SIZE_MAX;
    backend->hot.alloc = ops->alloc;
    backend->hot.free = ops->free;
    /* Both or neither (buf_backend.h); set before the first use opens their paths. */
    if (ops->plain_alloc && ops->plain_free) {
        backend->hot.plain_alloc = ops->plain_alloc;
        backend->hot.plain_free = ops->plain_free;
    }
    /* The backend's front, if it publishes one for this instance; set before the first use
     * opens the inline paths (the owner's front words: backend_stats.c). */
    backend->front = ops->front ? ops->front(backend->hot.state) : NULL;
    if (backend->front && !(backend->front->alloc_miss && backend->front->free_miss))
        backend->front = NULL; /* no miss paths: not used (buf_backend.h) */
    if (backend->front && !front_copy_table(backend))
        backend->front = NULL;
    if (backend->front) {
        backend->hot.front_stacks = backend->front->stacks;
        backend->hot.front_alloc_miss = backend->front->alloc_miss;
        backend->hot.front_free_miss = backend->front->free_miss;
    }
    snprintf(backend->spec, sizeof backend->spec, "%s", spec);
    *out = backend;
    return BUF_OK;
}

size_t buf_backend_close_report(buf_backend_t *backend, void *report)
{
    if (!backend)
        return 0;
    FILE *out = report;
    /* Closing excludes any other use of the instance: what the front holds goes back to
     * the backend first, so that destroy lists only the caller's blocks, and these counts
     * are final. */
    front_turn_off(backend);
    buf_backend_stats_t totals = {0};
    bool live_negative = false;
    backend_stats_read(&backend->stats, &totals, &live_negative);
    BUF_ASSERT(totals.frees <= totals.allocs);
    /* No operation is in flight: more bytes freed than allocated is a caller's wrong
     * size (or a framework bug), never a race. */
    BUF_ASSERT(!live_negative);
    uint64_t counted = totals.allocs - totals.frees;
    size_t listed = backend->ops->destroy(backend->hot.state, report);
    /* Backends that cannot list blocks (malloc, mmap) rely on the counts kept here. */
    size_t outstanding = listed > counted ? listed : (size_t)counted;
    if (out && counted)
        fprintf(out, "%s: %" PRIu64 " block(s), %" PRIu64 " byte(s) still allocated at destroy\n",
                backend->spec, counted, totals.bytes_live);
    backend_stats_destroy(&backend->stats, &backend->hot);
    instance_release(backend);
    return outstanding;
}

size_t buf_backend_close(buf_backend_t *backend)
{
    return buf_backend_close_report(backend, stderr);
}

/* ---- Allocate ------------------------------------------------------------------------
 * buf_backend_alloc (inline, buf_backend.h) serves the default alignment on a thread whose
 * cache holds the instance; everything else comes here. */

/* align 0 becomes the default; then one compare each for "a power of two no larger than
 * a page" and "not too large". */
static buf_status_t check_request(const buf_backend_t *backend, size_t size, size_t *align)
{
    if (buf_backend_align_kind(&backend->hot, size, *align) == BUF_BACKEND_ALIGN_DEFAULT)
        *align = BUF_DEFAULT_ALIGN; /* 0, or a wide block the default aligns, as inline */
    if (__builtin_expect((*align & (*align - 1)) != 0 || *align > buf_page_size(), 0))
        return BUF_EINVAL;
    if (__builtin_expect(size > BUF_MAX_ALLOC, 0))
        return BUF_EOVERFLOW;
    return BUF_OK;
}

static void *alloc_failed(buf_backend_t *backend, buf_status_t code, buf_status_t *status)
{
    buf_backend_slot_t *slot = backend_stats_mine(&backend->stats, &backend->hot);
    if (slot)
        buf_backend_counter_add(&slot->failures, 1);
    if (status)
        *status = code;
    return NULL;
}

void *buf_backend_alloc_general(buf_backend_t *backend, size_t size, size_t align, buf_status_t *status)
{
    if (!backend) {
        if (status)
            *status = BUF_EINVAL;
        return NULL;
    }
    buf_status_t check = check_request(backend, size, &align);
    if (check != BUF_OK)
        return alloc_failed(backend, check, status);
    /* The slot first: a thread that cannot get one (out of memory) must not be handed a
     * block the statistics would never see. */
    buf_backend_slot_t *slot = backend_stats_mine(&backend->stats, &backend->hot);
    if (__builtin_expect(!slot, 0)) {
        if (status)
            *status = BUF_ENOMEM;
        return NULL;
    }
    front_follow_sharing(backend, slot);
    /* Size 0 gets a unique 1-byte block, freed with size 0 (see buf_backend.h). */
    void *block = backend->hot.alloc(backend->hot.state, size ? size : 1, align);
    if (!block) {
        buf_backend_counter_add(&slot->failures, 1);
        if (status)
            *status = BUF_ENOMEM;
        return NULL;
    }
    uint64_t room = buf_backend_counter_add(&slot->room, (uint64_t)0 - size);
    backend_stats_note_peak(&backend->stats, slot, __atomic_load_n(&slot->mark, __ATOMIC_RELAXED) - room);
    buf_backend_counter_add(&slot->allocs, 1);
    if (status)
        *status = BUF_OK;
    return block;
}

void *buf_backend_calloc(buf_backend_t *backend, size_t size, size_t align, buf_status_t *status)
{
    void *block = buf_backend_alloc(backend, size, align, status);
    if (block && size) {
        buf_backend_props_t props;
        buf_backend_get_props(backend, &props);
        if (!props.zeroed)
            memset(block, 0, size);
    }
    return block;
}

/* ---- Free -----------------------------------------------------------------------------
 * As for alloc: buf_backend_free (inline) serves the default alignment on a thread whose
 * cache holds the instance; the rest comes here. */
void buf_backend_free_general(buf_backend_t *backend, void *ptr, size_t size, size_t align)
{
    if (!backend || !ptr)
        return;
    if (buf_backend_align_kind(&backend->hot, size, align) == BUF_BACKEND_ALIGN_DEFAULT)
        align = BUF_DEFAULT_ALIGN; /* as alloc did */
    /* The slot first: on the owner, this call may be the one that turns the front off
     * now that a second thread uses the instance. */
    buf_backend_slot_t *slot = backend_stats_mine(&backend->stats, &backend->hot);
    if (__builtin_expect(slot != NULL, 1))
        front_follow_sharing(backend, slot);
    backend->hot.free(backend->hot.state, ptr, size ? size : 1, align);
    /* A free that cannot get its thread a slot (out of memory on this thread's first use
     * of the instance) still frees; only its count is lost, and close then reports one
     * block too many.  Every thread that allocated has a slot, so this is a free on a
     * thread that never allocated from the instance, out of memory. */
    if (__builtin_expect(slot != NULL, 1)) {
        uint64_t net = __atomic_load_n(&slot->mark, __ATOMIC_RELAXED) - buf_backend_counter_add(&slot->room, size);
        buf_backend_counter_add(&slot->frees, 1);
        /* With one slot its net bytes are the live bytes (with several, a racing sum can
         * dip below zero for a moment: close checks the final figure). */
        BUF_ASSERT_EXPENSIVE(__atomic_load_n(&backend->stats.slot_count, __ATOMIC_RELAXED) > 1 || (int64_t)net >= 0);
        (void)net;
    }
}

void buf_backend_raise_peak(buf_backend_t *backend)
{
    backend_stats_raise_peak(&backend->stats, &backend->hot);
}

void buf_backend_live_below_zero(const buf_backend_t *backend)
{
    (void)backend;
    core_assert_fail("bytes_live >= 0 (a free of more bytes than were allocated)", __FILE__, __LINE__, __func__);
}

/* ---- Statistics and properties ------------------------------------------------------- */
void buf_backend_get_stats(const buf_backend_t *backend, buf_backend_stats_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!backend)
        return;
    buf_backend_t *mutable_backend = (buf_backend_t *)backend;
    backend->ops->stats(backend->hot.state, out);
    backend_stats_read(&mutable_backend->stats, out, NULL);
}

void buf_backend_get_props(const buf_backend_t *backend, buf_backend_props_t *out)
{
    if (!out)
        return;
    if (!backend) {
        *out = (buf_backend_props_t){.name = "", .description = ""};
        return;
    }
    if (backend->ops->instance_props)
        backend->ops->instance_props(backend->hot.state, out);
    else
        *out = backend->ops->props;
}

const char *buf_backend_spec(const buf_backend_t *backend)
{
    return backend ? backend->spec : "";
}
