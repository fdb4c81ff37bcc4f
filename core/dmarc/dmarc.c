/* dmarc.c - DMARC policy discovery, alignment and the verdict.
 *
 * RFC 9989: the record at the author domain, else the DNS tree walk
 * finds the Organizational Domain's record or the PSD's. RFC 7489: the
 * author domain, else the PSL Organizational Domain. Both are computed on
 * every message; in->mode says which one is the answer.
 */
#include <string.h>
#include "dmarc_int.h"

/* Where the record is, RFC 7489 6.6.3: the author domain, then the PSL
 * Organizational Domain. */
static enum aa_result find_7489(struct aa_ctx *ctx, const char *d, struct aa_dmarc_lookup *r,
				const char **txt, size_t *len)
{
	enum aa_result rc = aa_psl_registrable(ctx, d, &r->org_domain);

	if (rc == AA_TEMPERROR) {
		r->reason = "public suffix list unavailable";
		return AA_TEMPERROR;
	}
	r->record.domain = d;
	rc = aa_dmarc_fetch_txt(ctx, d, txt, len);
	if (rc == AA_NONE && strcmp(d, r->org_domain) != 0) {
		r->record.domain = r->org_domain;
		rc = aa_dmarc_fetch_txt(ctx, r->org_domain, txt, len);
	}
	if (rc == AA_TEMPERROR)
		r->reason = aa_arena_printf(ctx->arena, "DNS error at _dmarc.%s", r->record.domain);
	return rc;
}

/* RFC 9989 "DMARC Policy Discovery": the author domain's record, else the Organizational
 * Domain's, else the PSD's (the psd=y record that ended the walk). The
 * author domain's own record needs no walk: org_domain stays NULL, and
 * alignment asks for the Organizational Domain only when it needs it. */
static enum aa_result find_9989(struct aa_ctx *ctx, const char *d, struct aa_dmarc_lookup *r,
				const char **txt, size_t *len)
{
	struct aa_walk w;
	const struct aa_walk_step *use = NULL;

	switch (aa_dmarc_fetch_txt(ctx, d, txt, len)) {
	case AA_PASS:
		r->record.domain = d;
		return AA_PASS;
	case AA_TEMPERROR:
		r->reason = aa_arena_printf(ctx->arena, "DNS error at _dmarc.%s", d);
		return AA_TEMPERROR;
	default:
		break;		/* the walk asks on (the author domain from the cache) */
	}
	if (aa_dmarc_walk(ctx, d, &w, &r->reason) != AA_PASS)
		return AA_TEMPERROR;
	r->org_domain = aa_walk_org_domain(ctx, &w);
	for (size_t i = 0; i < w.n && use == NULL; i++)
		if (w.step[i].txt != NULL && (i == 0 || strcmp(w.step[i].name, r->org_domain) == 0))
			use = &w.step[i];
	for (size_t i = 0; i < w.n && use == NULL; i++)
		if (w.step[i].txt != NULL && w.step[i].psd == 'y')
			use = &w.step[i];
	if (use == NULL)
		return AA_NONE;
	r->record.domain = use->name;
	*txt = use->txt;
	*len = use->txt_len;
	return AA_PASS;
}

/* p at the author domain or at its Organizational Domain; sp or np below
 * the Organizational Domain (RFC 9989 "DMARC Policy Record Format", tags sp and np). */
static enum aa_result apply(struct aa_ctx *ctx, struct aa_dmarc_lookup *r)
{
	const char *d = r->from_domain;
	int is_org = strcmp(d, r->record.domain) == 0 ||
		     (r->org_domain != NULL && strcmp(d, r->org_domain) == 0);
	int exists = 1;

	if (!is_org && aa_bis_needs_existence(&r->record)) {
		exists = aa_bis_domain_exists(ctx, d);
		if (exists < 0) {
			r->reason = "DNS error asking whether the From domain exists";
			return AA_TEMPERROR;
		}
	}
	r->effective = aa_bis_effective(&r->record, is_org, exists);
	r->reason = aa_arena_printf(ctx->arena, "%s record at %s (%s)",
				    is_org ? "domain" : exists ? "subdomain, sp" : "non-existent subdomain, np",
				    r->record.domain, aa_dmarc_policy_name(r->effective));
	return AA_PASS;
}

int aa_dmarc_lookup(struct aa_ctx *ctx, const char *from_domain,
		    enum aa_dmarc_mode mode, struct aa_dmarc_lookup *r)
{
	const char *txt = NULL, *d = NULL, *why = NULL;
	size_t len = 0;
	enum aa_result rc;
	enum aa_dns_name_status st;

	memset(r, 0, sizeof(*r));
	st = from_domain != NULL ? aa_domain_norm(ctx->arena, from_domain, strlen(from_domain),
						  AA_NAME_LOOSE, &d) : AA_DNS_NAME_EMPTY;
	r->from_domain = d;
	if (st == AA_DNS_NAME_NOMEM) {
		r->status = AA_TEMPERROR;	/* never "not a domain" */
		r->reason = "out of memory";
		r->local_error = 1;
		return -1;
	}
	if (st != AA_DNS_NAME_OK) {
		r->status = AA_PERMERROR;
		r->reason = "From domain is not a domain";
		return 0;
	}
	rc = mode == AA_DMARC_RFC7489 ? find_7489(ctx, d, r, &txt, &len)
				      : find_9989(ctx, d, r, &txt, &len);
	if (rc != AA_PASS) {
		r->status = rc;
		if (r->reason == NULL)
			r->reason = "no DMARC record";
		return 0;
	}
	rc = aa_dmarc_record_parse(ctx, r->record.domain, txt, len, mode, &r->record, &why);
	if (rc != AA_PASS) {
		r->status = rc;
		r->reason = why != NULL ? why : "record unusable";
		return 0;
	}
	r->status = apply(ctx, r);
	return 0;
}

int aa_dmarc_aligned(struct aa_ctx *ctx, const char *from_domain, const char *auth_domain,
		     int strict, enum aa_dmarc_mode mode)
{
	const char *f, *a, *org_f, *org_a;
	enum aa_result rc;
	enum aa_dns_name_status okf, oka;

	if (from_domain == NULL || auth_domain == NULL)
		return 0;
	okf = aa_domain_norm(ctx->arena, from_domain, strlen(from_domain), AA_NAME_LOOSE, &f);
	oka = aa_domain_norm(ctx->arena, auth_domain, strlen(auth_domain), AA_NAME_LOOSE, &a);
	if (okf == AA_DNS_NAME_NOMEM || oka == AA_DNS_NAME_NOMEM)
		return -1;	/* no memory: undecided, never "not aligned" */
	if (okf != AA_DNS_NAME_OK || oka != AA_DNS_NAME_OK)
		return 0;
	if (strcmp(f, a) == 0)
		return 1;
	if (strict)
		return 0;	/* never the org-domain fallback of libopendmarc #354 */
	/* org(f) and org(a) are f and a or parents of theirs: without a
	 * common top label they are never equal, whatever DNS would say (an
	 * ESP's domain under another TLD asks nothing, and a failing parent
	 * of f cannot defer it) */
	if (strcmp(aa_domain_tail(f, 1), aa_domain_tail(a, 1)) != 0)
		return 0;
	rc = aa_org_domain(ctx, f, mode, &org_f);
	if (rc == AA_TEMPERROR)
		return -1;
	/* org(a) is a or one of its parents, so it can only equal org(f)
	 * when a lies within org(f): no need to ask DNS otherwise. */
	if (rc == AA_PERMERROR || !aa_domain_within(a, org_f))
		return 0;
	rc = aa_org_domain(ctx, a, mode, &org_a);
	if (rc == AA_TEMPERROR)
		return -1;
	return rc != AA_PERMERROR && strcmp(org_f, org_a) == 0;
}
