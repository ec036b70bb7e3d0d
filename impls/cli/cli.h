/* cli.h — the `buf` command-line tool: one function per subcommand (cmd_<name>.c). */
#ifndef BUF_CLI_H
#define BUF_CLI_H

/* Each subcommand gets argv starting at its own name (argv[0] = "backends", ...).
 * Returns the process exit status: 0 success, 1 runtime error, 2 usage error. */
typedef int (*cli_command_fn)(int argc, char **argv);

typedef struct cli_command {
    const char *name;
    const char *summary; /* one line for `buf --help` */
    cli_command_fn run;
} cli_command_t;

int cmd_backends(int argc, char **argv);
int cmd_convert(int argc, char **argv);

/* Prints "buf: <message>\n" to stderr (printf-style); returns `exit_status`. */
int cli_fail(int exit_status, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* True if argv[i] is -h or --help. */
int cli_is_help(const char *arg);

#endif
