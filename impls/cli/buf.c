/* buf.c — entry point of the `buf` tool: dispatches to the subcommands in cmd_*.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/* ---- Option parsing shared by the subcommands ------------------------------------------- */
const char *cli_option_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    const size_t length = strlen(name);
    if (strncmp(argv[*i], name, length) != 0)
        return NULL;
    if (argv[*i][length] == '=')
        return argv[*i] + length + 1;
    if (argv[*i][length] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

bool cli_parse_bytes(const char *text, size_t min, size_t max, size_t *out)
{
    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    char *end;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno)
        return false;
    unsigned long long unit = 1;
    if (*end == 'K' || *end == 'k')
        unit = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        unit = 1024 * 1024, end++;
    if (*end != '\0' || value > max / unit || value * unit < min)
        return false;
    *out = (size_t)(value * unit);
    return true;
}
