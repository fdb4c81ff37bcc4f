/* psl.c - the Public Suffix List through libpsl (RFC 7489 3.2).
 *
 * Made on first use and kept for the process: psl_latest() maps Debian's
 * compiled DAFSA (or libpsl's built-in list when that is newer), which is
 * cheap enough for Exim's process per connection. ctx->psl_file names a
 * list to load instead (tests pin a version that way).
 */
#include <libpsl.h>
#include <stdlib.h>
#include "aa_ctx.h"
#include "dmarc_int.h"

struct aa_psl {
	psl_ctx_t *psl;
};

static void psl_free_handle(struct aa_psl **pp)
{
	if (*pp == NULL)
		return;
	psl_free((*pp)->psl);
	free(*pp);
	*pp = NULL;
}

/* aa_ctx_free() runs this: the list is kept for the process. */
static void psl_teardown(void *arg)
{
	struct aa_ctx *ctx = arg;

	psl_free_handle(&ctx->psl);
}

static struct aa_psl *psl_get(struct aa_ctx *ctx)
{
	struct aa_psl *p;

	if (ctx->psl != NULL)
		return ctx->psl;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->psl = ctx->psl_file != NULL ? psl_load_file(ctx->psl_file) : psl_latest(NULL);
	if (p->psl == NULL) {
		aa_log(ctx, AA_LOG_PANIC, "public suffix list cannot be loaded from %s",
		       ctx->psl_file != NULL ? aa_escz(ctx, ctx->psl_file) : "the system");
		free(p);
		return NULL;
	}
	if (aa_ctx_on_free(ctx, psl_teardown, ctx) < 0) {
		psl_free_handle(&p);
		return NULL;
	}
	ctx->psl = p;
	return p;
}

enum aa_result aa_psl_registrable(struct aa_ctx *ctx, const char *domain, const char **org_r)
{
	struct aa_psl *p = psl_get(ctx);
	const char *reg;

	*org_r = NULL;
	if (p == NULL)
		return AA_TEMPERROR;
	reg = psl_registrable_domain(p->psl, domain);
	/* libpsl answers with a pointer into domain, or NULL for a suffix */
	*org_r = reg != NULL ? reg : domain;
	return reg != NULL ? AA_PASS : AA_NONE;
}
