/* tool.h - the subcommands of authalign(8). */
#ifndef AA_TOOL_H
#define AA_TOOL_H

#include <stdio.h>
#include "aa_config.h"
#include "aa_ctx.h"

/* authalign(8) EXIT STATUS, the same for every command. */
enum {
	TOOL_EXIT_OK = 0,	/* ok, or an answer */
	TOOL_EXIT_USAGE = 1,	/* usage or settings error */
	TOOL_EXIT_TEMP = 2,	/* temporary (DNS) failure */
	TOOL_EXIT_FAIL = 3,	/* a fail result, or would be refused */
	TOOL_EXIT_COUNT
};

struct tool_command {
	const char *name;
	const char *args;		/* "IP HELO SENDER" */
	int min_args, max_args;
	int dns;			/* 1: takes -z and -c; TOOL_SETTINGS_ONLY: -c only */
	const char *summary;		/* one line */
	const char *arguments;		/* lines "  NAME  what", each ending "\n" */
	const char *prints;
	const char *json_keys;		/* the top-level keys of its --json object */
	const char *exits[TOOL_EXIT_COUNT];	/* what each status means; NULL: never */
};

#define TOOL_SETTINGS_ONLY 2

/* How one run prints: words or one JSON object. */
struct tool_out {
	const char *command;		/* NULL before it is known */
	int json;
};

/* help.c */
const struct tool_command *tool_command_find(const char *name);
void tool_command_names(char *buf, size_t size);	/* "check-config spf ..." */
void tool_usage(FILE *out);
int tool_help(const char *topic, int json);
/* "unknown command" with the list of commands, exit 1 */
int tool_unknown_command(const char *name, int json);

/* fail.c: text for a terminal, every byte that is not printable ASCII
 * (ESC, other controls, 8-bit) written as '?'; a line is cut at 1 KB. */
void tool_put_printable(FILE *out, const char *text);
void tool_line(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* the human line on stderr and, with --json, {"error":...} on
 * stdout. Returns code. */
int tool_fail(const struct tool_out *o, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "expected ARGS" with the command's usage, exit 1 */
int tool_bad_usage(const struct tool_out *o, const struct tool_command *c, int argc);

/* exim_transport.c: a transport as Exim reads it (exim4 -bP transport NAME) */
#define EXIM_TRANSPORT_ADDRESSES_MAX 16
#define EXIM_TRANSPORT_ITEM_MAX 128
struct exim_transport {
	char *interface;		/* the option as Exim prints it; NULL: unset */
	char *helo_data;
	char *driver;			/* "smtp", "appendfile", ... */
	char *dkim_domain, *dkim_selector, *dkim_private_key;	/* "" when unset */
	char *address[EXIM_TRANSPORT_ADDRESSES_MAX];	/* interface's items, when it
							 * is no expansion */
	size_t count;
	int missing;
	int ipv4_only;			/* Exim never delivers over IPv6: disable_ipv6,
					 * or dns_ipv4_lookup = * */
};
/* 0, or -1 with why in err (no Exim, no such transport, a bad name). */
int exim_transport_read(const char *name, struct exim_transport *t, char *err, size_t errlen);
void exim_transport_free(struct exim_transport *t);
/* 1 when `exim -bP ARGS` prints a line holding needle, 0 when not, -1
 * when Exim could not be asked. */
int exim_prints(const char *args, const char *needle);
/* A main option's value as Exim prints it (malloc()ed), or NULL. */
char *exim_option(const char *name);
/* Each line Exim prints for `EXIM ARGS` (e.g. "-bt postmaster@gmail.com")
 * to take(), Exim given 30 s; 0 when it exited 0, -1 when not or when
 * there is no Exim to ask. */
int exim_ask(const char *args, void (*take)(const char *line, void *arg), void *arg);

/* commands.c */
/* All of f (at most MESSAGE_MAX bytes, malloc()ed, not NUL-terminated),
 * or NULL (too long, out of memory). */
char *tool_read_all(FILE *f, size_t *len_r);
int tool_check_config(const struct tool_out *o, const char *path);
int tool_run(const struct tool_out *o, struct aa_ctx *ctx, const struct aa_config *cfg, int argc, char **argv);

/* explain.c: what a bounce, a DSN or an Exim log line means (argv: the
 * text, or none: standard input) */
int tool_explain(const struct tool_out *o, const char *config, const char *zone, int argc, char **argv);

/* doctor/doctor.c: this host's setup read, what bounces and the fix
 * (argv: [ROOT]; config -c, zone -z, only --domain: NULL when not given) */
int tool_doctor(const struct tool_out *o, const char *config, const char *zone, const char *only, int argc,
		char **argv);
/* The same; with only_if_hosted, only when this host sends for only (its
 * domains as doctor reads them), else -1 and nothing printed (explain). */
int tool_doctor_run(const struct tool_out *o, const char *config, const char *zone, const char *only,
		    int only_if_hosted, int argc, char **argv);

/* feedback.c: status and forget (argv[0] the command) */
int tool_feedback(const struct tool_out *o, const char *config, int argc, char **argv);

#endif
