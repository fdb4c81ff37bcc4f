/* psl.c - the Public Suffix List through libpsl (RFC 7489 3.2).
 *
 * One list a process, shared by its contexts and kept across fork: the
 * Exim daemon reads it once (its rehearsal, aa_judge_rehearse()) and every
 * child it forks uses that copy, read-only. psl_latest() maps Debian's
 * compiled DAFSA (or libpsl's built-in list when that is newer);
 * ctx->psl_file names a list to load instead (tests pin a version that
 * way). A context checks once, when it first needs the list, that the file
 * is still the one read (device, inode, size, modification and change
 * times: a copy that keeps the old mtime still changes ctime); a changed
 * file is read again, so an updated list reaches new connections without
 * a restart.
 */
#include <libpsl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "aa_ctx.h"
#include "dmarc_int.h"

struct aa_psl {
	psl_ctx_t *psl;
	unsigned refs;		/* the shared slot's and each context's */
	char *path;		/* ctx->psl_file, or NULL: the system's */
	int found;		/* the file existed when read */
	struct stat st;
};

/* The list the next context takes when its file has not changed. */
static struct aa_psl *shared;

static void psl_unref(struct aa_psl *p)
{
	if (p == NULL || --p->refs > 0)
		return;
	psl_free(p->psl);
	free(p->path);
	free(p);
}

/* aa_ctx_free() runs this. */
static void psl_teardown(void *arg)
{
	struct aa_ctx *ctx = arg;

	psl_unref(ctx->psl);
	ctx->psl = NULL;
}

static int same_file(const struct aa_psl *p, const char *path, int found, const struct stat *st)
{
	if ((p->path == NULL) != (path == NULL) || (path != NULL && strcmp(p->path, path) != 0))
		return 0;
	if (!found || !p->found)
		return found == p->found;
	return st->st_dev == p->st.st_dev && st->st_ino == p->st.st_ino &&
	       st->st_size == p->st.st_size && st->st_mtim.tv_sec == p->st.st_mtim.tv_sec &&
	       st->st_mtim.tv_nsec == p->st.st_mtim.tv_nsec &&
	       st->st_ctim.tv_sec == p->st.st_ctim.tv_sec && st->st_ctim.tv_nsec == p->st.st_ctim.tv_nsec;
}

static struct aa_psl *psl_read(struct aa_ctx *ctx, int found, const struct stat *st)
{
	struct aa_psl *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->found = found;
	if (found)
		p->st = *st;
	if (ctx->psl_file != NULL && (p->path = strdup(ctx->psl_file)) == NULL) {
		free(p);
		return NULL;
	}
	p->psl = ctx->psl_file != NULL ? psl_load_file(ctx->psl_file) : psl_latest(NULL);
	if (p->psl == NULL) {
		aa_log(ctx, AA_LOG_PANIC, "public suffix list cannot be loaded from %s",
		       ctx->psl_file != NULL ? aa_escz(ctx, ctx->psl_file) : "the system");
		free(p->path);
		free(p);
		return NULL;
	}
	p->refs = 1;
	return p;
}

static struct aa_psl *psl_get(struct aa_ctx *ctx)
{
	const char *file = ctx->psl_file != NULL ? ctx->psl_file : psl_dist_filename();
	struct stat st;
	int found;
	struct aa_psl *p;

	if (ctx->psl != NULL)
		return ctx->psl;
	found = file != NULL && stat(file, &st) == 0;
	if (shared != NULL && same_file(shared, ctx->psl_file, found, &st)) {
		p = shared;
	} else {
		if ((p = psl_read(ctx, found, &st)) == NULL)
			return NULL;
		psl_unref(shared);
		shared = p;
	}
	if (aa_ctx_on_free(ctx, psl_teardown, ctx) < 0)
		return NULL;
	p->refs++;
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
