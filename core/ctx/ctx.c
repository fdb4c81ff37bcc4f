/* ctx.c - the process-wide context and its logging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctx.h"

#define LOG_LINE_MAX 2048

struct aa_ctx *aa_ctx_new(const struct aa_dns_config *dns_config, const char **err_r)
{
	struct aa_ctx *ctx = calloc(1, sizeof(*ctx));

	if (err_r != NULL)
		*err_r = "out of memory";
	if (ctx == NULL)
		return NULL;
	ctx->msgid = "";
	ctx->log_min = AA_LOG_INFO;
	ctx->arena = aa_arena_new();
	ctx->dns = aa_dns_new(dns_config, err_r);
	if (ctx->arena == NULL || ctx->dns == NULL) {
		aa_ctx_free(&ctx);
		return NULL;
	}
	aa_dns_set_arena(ctx->dns, ctx->arena);
	return ctx;
}

void aa_ctx_free(struct aa_ctx **ctxp)
{
	struct aa_ctx *ctx = *ctxp;

	if (ctx == NULL)
		return;
	aa_spf_lib_free(&ctx->spf);
	aa_dkim_lib_free(&ctx->dkim);
	aa_psl_free(&ctx->psl);
	aa_dns_free(&ctx->dns);
	aa_arena_free(&ctx->arena);
	free(ctx);
	*ctxp = NULL;
}

void aa_ctx_end_message(struct aa_ctx *ctx)
{
	aa_dns_flush(ctx->dns);		/* its answers are in the arena */
	aa_dns_budget_restart(ctx->dns);
	aa_arena_reset(ctx->arena);
	ctx->msgid = "";
}

void aa_ctx_set_log(struct aa_ctx *ctx, aa_log_fn *fn, void *arg)
{
	ctx->log_fn = fn;
	ctx->log_arg = arg;
}

void aa_log(struct aa_ctx *ctx, enum aa_log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	if (ctx->log_fn == NULL || level < ctx->log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c >= 0x7f)
			*p = '?';
	}
	ctx->log_fn(ctx->log_arg, level, line);
}
