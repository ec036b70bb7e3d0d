/* cmd_convert.c — `buf convert`: placeholder until the codecs issue lands. */
#include "cli.h"

int cmd_convert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_fail(1, "convert: not built yet (codecs issue)");
}
