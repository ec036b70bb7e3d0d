/* buf.c — entry point of the `buf` tool: dispatches to the subcommands in cmd_*.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* ---- Command table: one line per subcommand --------------------------------------- */
static const cli_command_t commands[] = {
    {"backends", "list the base memory backends and their properties", cmd_backends},
    {"convert", "convert between encodings (raw bytes, utf8, hex, base64, ...)", cmd_convert},
    {"lines", "count lines and bytes as Node's readline splits them (like wc -l -c)", cmd_lines},
};
static const size_t command_count = sizeof commands / sizeof commands[0];

/* ---- The error convention (cli.h) -------------------------------------------------- */
static void print_message(const char *format, va_list args)
{
    fputs("buf: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
}

int cli_fail(int exit_status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    print_message(format, args);
    va_end(args);
    return exit_status;
}

bool cli_stop(int *exit_status, int status, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    print_message(format, args);
    va_end(args);
    *exit_status = status;
    return false;
}

bool cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

/* ---- Usage and dispatch --------------------------------------------------------------- */
static void print_usage(FILE *out)
{
    fprintf(out, "usage: buf <command> [options]\n"
                 "       buf <command> --help\n\n"
                 "bufbench's command-line tool: Node.js's Buffer model in C over\n"
                 "interchangeable memory backends.\n\ncommands:\n");
    for (size_t i = 0; i < command_count; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    if (cli_is_help(argv[1])) {
        print_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < command_count; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (argv[1][0] == '-')
        return cli_fail(2, "unknown option '%s' (try 'buf --help')", argv[1]);
    return cli_fail(2, "unknown command '%s' (try 'buf --help')", argv[1]);
}
