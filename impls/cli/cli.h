/* cli.h — the `buf` command-line tool: one function per subcommand (cmd_<name>.c).
 *
 * Error convention (every file of the tool keeps it):
 *   - A subcommand (cli_command_fn) returns the process exit status: 0 success, 1 runtime
 *     error, 2 usage error.
 *   - A helper returns success as a bool: true = go on; false = stop here, after the
 *     helper printed its message (if any) and stored the exit status in *exit_status
 *     (0 for a quiet stop such as --help or a reader that went away).
 *   - Messages go to stderr as "buf: <message>"; cli_fail prints one for a subcommand
 *     (`return cli_fail(2, ...)`), cli_stop for a helper (`return cli_stop(exit_status, 1, ...)`).
 */
#ifndef BUF_CLI_H
#define BUF_CLI_H

#include <stdbool.h>
#include <stddef.h>

/* Each subcommand gets argv starting at its own name (argv[0] = "backends", ...) and
 * returns the process exit status. */
typedef int (*cli_command_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `buf --help` */
    cli_command_fn run;
} cli_command_t;

int cmd_backends(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_lines(int argc, char **argv);

/* Prints "buf: <message>\n" to stderr (printf-style); returns `exit_status`. */
int cli_fail(int exit_status, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Prints "buf: <message>\n" to stderr, stores `status` in *exit_status and returns false:
 * a helper's failure in one statement. */
bool cli_stop(int *exit_status, int status, const char *format, ...) __attribute__((format(printf, 3, 4)));
/* True if arg is -h or --help. */
bool cli_is_help(const char *arg);
/* The value of option `name` at argv[*i] ("--name VALUE" or "--name=VALUE"; advances *i past
 * a separate value), or NULL if argv[*i] is another option; sets *missing when the value is
 * absent. */
const char *cli_option_value(int argc, char **argv, int *i, const char *name, bool *missing);
/* A byte count: decimal digits with an optional K or M suffix (KiB, MiB): "65536", "64K",
 * "1M".  False (and *out untouched) for anything else or a value outside [min, max]. */
bool cli_parse_bytes(const char *text, size_t min, size_t max, size_t *out);

#endif
