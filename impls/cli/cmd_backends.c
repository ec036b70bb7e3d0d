/* cmd_backends.c — `buf backends`: the base backends, name first, then properties. */
#include <stdio.h>

#include "buf_backend.h"
#include "cli.h"

static void print_help(void)
{
    printf("usage: buf backends\n\n"
           "Lists the base memory backends, one per line: the name first, then its properties\n"
           "(zeroed memory, guard pages, cross-thread free, concurrent alloc, whether closing an\n"
           "instance releases the blocks still outstanding, fuzz id) and a description.\n"
           "Variants are spelled, not listed: mmap:guard, pool:BYTES and fail(SEED,P):NAME are\n"
           "accepted wherever a backend name is.\n");
}

static const char *yes_no(bool value)
{
    return value ? "yes" : "no";
}

int cmd_backends(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            print_help();
            return 0;
        }
        return cli_fail(2, "backends: unexpected argument '%s' (try 'buf backends --help')", argv[i]);
    }
    for (size_t i = 0; i < buf_backend_count(); i++) {
        const buf_backend_props_t *props = &buf_backend_at(i)->props;
        printf("%-8s zeroed=%-3s guard_pages=%-3s cross_thread_free=%-3s concurrent_alloc=%-3s close_releases=%-3s "
               "fuzz_id=%u  %s\n",
               props->name, yes_no(props->zeroed), yes_no(props->guard_pages), yes_no(props->cross_thread_free),
               yes_no(props->concurrent_alloc), yes_no(props->close_releases_blocks),
               (unsigned)buf_backend_at(i)->fuzz_id, props->description);
    }
    return 0;
}
