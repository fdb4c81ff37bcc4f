/* fail.c - an error of authalign(8): one printable line on stderr for a
 * person and, with --json, {"command":...,"error":...,"exit":N} on stdout
 * for a script (the one object of that run). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "tool.h"

#define FAIL_TEXT_MAX 1024

void tool_put_printable(FILE *out, const char *text)
{
	for (const char *p = text; *p != '\0'; p++)
		fputc((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f ? *p : '?', out);
}

void tool_line(FILE *out, const char *fmt, ...)
{
	char text[FAIL_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	tool_put_printable(out, text);
	fputc('\n', out);
}

int tool_fail(const struct tool_out *o, int code, const char *fmt, ...)
{
	char text[FAIL_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fflush(stdout);		/* what came before stays before */
	fputs("authalign: ", stderr);
	tool_put_printable(stderr, text);
	fputc('\n', stderr);
	if (o->json) {
		struct json j;

		json_start(&j, stdout);
		json_str(&j, "command", o->command);
		json_str(&j, "error", text);
		json_int(&j, "exit", code);
		json_finish(&j);
	}
	return code;
}

int tool_bad_usage(const struct tool_out *o, const struct tool_command *c, int argc)
{
	if (c->max_args == 0)
		return tool_fail(o, TOOL_EXIT_USAGE, "%s takes no arguments; %d given (authalign help %s)",
				 c->name, argc, c->name);
	if (c->min_args == c->max_args)
		return tool_fail(o, TOOL_EXIT_USAGE, "%s takes %d argument%s, %s; %d given (authalign help %s)",
				 c->name, c->min_args, c->min_args == 1 ? "" : "s", c->args, argc, c->name);
	return tool_fail(o, TOOL_EXIT_USAGE, "%s takes %d to %d arguments, %s; %d given (authalign help %s)",
			 c->name, c->min_args, c->max_args, c->args, argc, c->name);
}
