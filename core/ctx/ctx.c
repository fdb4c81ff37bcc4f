/* ctx.c - the process-wide context: its two lifetimes and its logging.
 *
 * Knows core/lib and core/dns only; the modules above register their
 * own teardown (aa_ctx_on_free). The lifetime model is in aa_arena.h.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctx.h"

#define LOG_LINE_MAX 2048

/* The context around dns (freed with it, also when this fails). */
static struct aa_ctx *ctx_around(struct aa_dns *dns, const char **err_r)
{
	struct aa_ctx *ctx = dns != NULL ? malloc(sizeof(*ctx)) : NULL;

	if (ctx == NULL) {
		aa_dns_free(&dns);
		return NULL;
	}
	/* all but the aa_esc() ring (16 kB), which is written before it is
	 * read: a process touches its pages only if it needs them */
	memset(ctx, 0, offsetof(struct aa_ctx, esc_ring));
	memset((char *)ctx + offsetof(struct aa_ctx, esc_ring) + sizeof(ctx->esc_ring), 0,
	       sizeof(*ctx) - offsetof(struct aa_ctx, esc_ring) - sizeof(ctx->esc_ring));
	ctx->msgid = "";
	ctx->log_min = AA_LOG_INFO;
	ctx->dns = dns;
	ctx->arena = aa_arena_new();
	ctx->process = aa_arena_new();
	if (ctx->arena == NULL || ctx->process == NULL) {
		if (err_r != NULL)
			*err_r = "out of memory";
		aa_ctx_free(&ctx);
		return NULL;
	}
	aa_dns_set_arena(ctx->dns, ctx->arena);
	return ctx;
}

struct aa_ctx *aa_ctx_new(const struct aa_dns_config *dns_config, const char **err_r)
{
	if (err_r != NULL)
		*err_r = "out of memory";
	return ctx_around(aa_dns_new(dns_config, err_r), err_r);
}

struct aa_ctx *aa_ctx_new_zone(const char **err_r)
{
	if (err_r != NULL)
		*err_r = "out of memory";
	return ctx_around(aa_dns_new_zone(), err_r);
}

void aa_ctx_free(struct aa_ctx **ctxp)
{
	struct aa_ctx *ctx = *ctxp;

	if (ctx == NULL)
		return;
	aa_arena_free(&ctx->arena);	/* the message ends first */
	aa_arena_free(&ctx->process);	/* then the modules' teardown */
	aa_dns_free(&ctx->dns);
	free(ctx);
	*ctxp = NULL;
}

int aa_ctx_on_free(struct aa_ctx *ctx, aa_arena_hook_fn *fn, void *arg)
{
	return aa_arena_on_reset(ctx->process, fn, arg, NULL);
}

void aa_ctx_end_message(struct aa_ctx *ctx)
{
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
