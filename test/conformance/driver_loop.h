/* driver_loop.h - the command loop driver_dmarc.c and driver_dmarcmsg.c share.
 *
 * One command a line on stdin, fields separated by tabs (at most
 * FIELDS_MAX, which the driver defines before including this), one answer
 * line each on stdout:
 *   reset        new context, empty zone          -> ok
 *   zone  LINE   add a fixed-zone line (aa_dns.h) -> ok|bad
 * are answered here; every other line goes to the driver's command
 * function, which answers "error" to one it does not know. The context
 * ends its message after every command.
 */
#ifndef DRIVER_LOOP_H
#define DRIVER_LOOP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctx.h"
#include "aa_dns.h"

#ifndef FIELDS_MAX
#error "define FIELDS_MAX before including driver_loop.h"
#endif

#define LINE_MAX_LEN 65536

/* A context whose DNS is an empty fixed zone. */
static struct aa_ctx *ctx_new(void)
{
	struct aa_ctx *ctx = aa_ctx_new(NULL, NULL);

	if (ctx == NULL)
		exit(2);
	aa_dns_free(&ctx->dns);
	ctx->dns = aa_dns_new_zone();
	if (ctx->dns == NULL)
		exit(2);
	aa_dns_set_arena(ctx->dns, ctx->arena);
	return ctx;
}

typedef void driver_command_fn(struct aa_ctx *ctx, char **f, int n);

static int driver_loop(driver_command_fn *command)
{
	static char line[LINE_MAX_LEN];
	struct aa_ctx *ctx = ctx_new();

	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *f[FIELDS_MAX], *save = NULL;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		for (char *t = strtok_r(line, "\t", &save); t != NULL && n < FIELDS_MAX;
		     t = strtok_r(NULL, "\t", &save))
			f[n++] = t;
		if (n == 0)
			continue;
		if (strcmp(f[0], "reset") == 0) {
			aa_ctx_free(&ctx);
			ctx = ctx_new();
			printf("ok\n");
		} else if (strcmp(f[0], "zone") == 0 && n == 2) {
			printf("%s\n", aa_dns_zone_add_line(ctx->dns, f[1]) == 0 ? "ok" : "bad");
		} else {
			command(ctx, f, n);
		}
		aa_ctx_end_message(ctx);
		fflush(stdout);
	}
	aa_ctx_free(&ctx);
	return 0;
}

#endif
