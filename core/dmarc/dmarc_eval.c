/* dmarc_eval.c - the DMARC verdict from From, SPF and DKIM
 * (RFC 9989 "Identifier Alignment Explained").
 *
 * Alignment is ours (aa_dmarc_aligned), never libopendmarc's. Combining
 * follows STYLE.md: an aligned pass wins; otherwise a temporary error
 * that could have become an aligned pass (the record lookup, an SPF or
 * DKIM temperror for an aligned domain, an alignment walk) beats fail.
 *
 * A From that names no author domain to judge is permerror, never pass
 * or none (from_problem). Several distinct From domains never pass
 * (verdict_several): each is judged alone and the strictest outcome is
 * kept. See aa_dmarc.h.
 */
#include <string.h>
#include <strings.h>
#include "dmarc_int.h"

struct verdict {
	enum aa_result result;
	enum aa_dmarc_policy policy, applied, published;
	enum aa_dmarc_policy on_fail;	/* what failing mail would get; UNSPEC: no record */
	const char *from_domain, *policy_domain, *org_domain, *dkim_domain, *reason;
	int spf_aligned, dkim_aligned, temp;
	int local;			/* temperror from no memory */
	int unreadable;			/* permerror from the From field(s) */
};

/* One authenticated identifier: its result and domain. */
static void judge(struct aa_ctx *ctx, const char *from, enum aa_result res, const char *domain,
		  int strict, enum aa_dmarc_mode mode, int *aligned_r, int *temp_r)
{
	int al;

	if (domain == NULL || (res != AA_PASS && res != AA_TEMPERROR))
		return;
	al = aa_dmarc_aligned(ctx, from, domain, strict, mode);
	if (al < 0)
		*temp_r = 1;
	else if (al == 1 && res == AA_PASS)
		*aligned_r = 1;
	else if (al == 1)
		*temp_r = 1;
}

static void judge_auth(struct aa_ctx *ctx, const struct aa_dmarc_input *in,
		       const struct aa_dmarc_lookup *lk, enum aa_dmarc_mode mode, struct verdict *v)
{
	const char *from = lk->from_domain;

	/* DKIM that could not run for every signature may have hidden an
	 * aligned pass: like a temperror of an aligned domain, never a fail */
	if (in->dkim != NULL && in->dkim->incomplete)
		v->temp = 1;
	for (size_t i = 0; in->dkim != NULL && i < in->dkim->count && i < AA_DKIM_SIGS_MAX; i++) {
		const struct aa_dkim_sig *s = &in->dkim->sigs[i];
		int was = v->dkim_aligned;

		judge(ctx, from, s->result, s->domain, lk->record.adkim_strict, mode,
		      &v->dkim_aligned, &v->temp);
		if (!was && v->dkim_aligned)
			v->dkim_domain = s->domain;
	}
	/* an aligned DKIM pass has decided: SPF's alignment changes nothing,
	 * so it is worked out only when it costs no DNS question */
	if (in->spf != NULL && v->dkim_aligned && !in->every_alignment && mode == AA_DMARC_RFC9989 &&
	    (from == NULL || in->spf->domain == NULL || strcasecmp(from, in->spf->domain) != 0))
		return;
	if (in->spf != NULL)
		judge(ctx, from, in->spf->result, in->spf->domain, lk->record.aspf_strict, mode,
		      &v->spf_aligned, &v->temp);
}

/* A From that names no author domain to judge: permerror (temperror
 * when out of memory), with the reason. NULL when there is one to judge. */
static const char *from_problem(const struct aa_from *from, struct verdict *v)
{
	if (from == NULL) {
		v->result = AA_PERMERROR;
		v->unreadable = 1;
		return "no From field";
	}
	switch (from->status) {
	case AA_FROM_OK:
		if (from->domain != NULL)
			return NULL;
		break;
	case AA_FROM_MULTIPLE_ADDRESSES:
		if (from->domains != NULL && from->domain_count > 1 &&
		    from->domain_count <= AA_FROM_DOMAINS_MAX && !from->truncated)
			return NULL;
		break;
	case AA_FROM_NOMEM:
		v->result = AA_TEMPERROR;
		v->local = 1;
		return from->reason != NULL ? from->reason : aa_from_status_name(from->status);
	default:
		break;
	}
	v->result = AA_PERMERROR;
	v->unreadable = 1;
	return from->reason != NULL ? from->reason : aa_from_status_name(from->status);
}

/* The verdict for one From domain. */
static void verdict_one(struct aa_ctx *ctx, const struct aa_dmarc_input *in,
			enum aa_dmarc_mode mode, const char *domain, struct verdict *v)
{
	struct aa_dmarc_lookup lk;

	memset(v, 0, sizeof(*v));
	v->from_domain = domain;
	aa_dmarc_lookup(ctx, domain, mode, &lk);
	v->org_domain = lk.org_domain;
	v->policy_domain = lk.record.domain;
	v->reason = lk.reason;
	v->result = lk.status;
	v->local = lk.local_error;
	if (lk.status != AA_PASS)
		return;
	v->applied = lk.effective;
	v->published = lk.record.p;
	v->on_fail = aa_bis_disposition(&lk.record, lk.effective, mode);
	judge_auth(ctx, in, &lk, mode, v);
	if (v->spf_aligned || v->dkim_aligned) {
		v->result = AA_PASS;
		v->policy = AA_POLICY_NONE;
		v->reason = v->dkim_aligned ? "aligned DKIM pass" : "aligned SPF pass";
	} else if (v->temp) {
		v->result = AA_TEMPERROR;
		v->reason = in->dkim != NULL && in->dkim->incomplete ? "DKIM verification could not run"
			: "an aligned check failed temporarily";
	} else {
		v->result = AA_FAIL;
		v->policy = v->on_fail;
		v->reason = lk.record.testing && mode == AA_DMARC_RFC9989 ?
			"no aligned pass (t=y: policy one step lower)" : "no aligned SPF or DKIM pass";
	}
}

/* Keep the verdict with the stricter on_fail (the first one on a tie). */
static const struct verdict *stricter(const struct verdict *best, const struct verdict *v)
{
	return best == NULL || v->on_fail > best->on_fail ? v : best;
}

/* Several From domains (aa_dmarc.h): never pass; the strictest outcome. */
static void verdict_several(struct aa_ctx *ctx, const struct aa_dmarc_input *in,
			    enum aa_dmarc_mode mode, struct verdict *v)
{
	const struct aa_from *from = in->from;
	struct verdict each[AA_FROM_DOMAINS_MAX];
	const struct verdict *temp = NULL, *perm = NULL, *decided = NULL;
	const struct verdict *use;
	size_t n = from->domain_count < AA_FROM_DOMAINS_MAX ? from->domain_count : AA_FROM_DOMAINS_MAX;
	const char *why;

	if (n == 0) {
		v->result = AA_PERMERROR;	/* from_problem() lets no such From through */
		v->reason = "no From domain";
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct verdict *e = &each[i];

		verdict_one(ctx, in, mode, from->domains[i], &each[i]);
		if (e->result == AA_TEMPERROR && temp == NULL)
			temp = e;
		else if (e->result == AA_PERMERROR && perm == NULL)
			perm = e;
		if (e->result == AA_FAIL || e->result == AA_PASS)
			decided = stricter(decided, e);
	}
	/* Every decided domain, passing or failing, offers its policy: several
	 * authors never pass, so the strictest published policy applies. A
	 * definite reject stands over a temporary failure elsewhere; otherwise a
	 * temporary failure defers, since the undecided domain could be reject. */
	if (decided != NULL && decided->on_fail == AA_POLICY_REJECT) {
		use = decided;
	} else if (temp != NULL) {
		use = temp;
		why = "undecided";
	} else if (decided != NULL) {
		use = decided;
	} else if (perm != NULL) {
		use = perm;
		why = "permerror";
	} else {
		use = &each[0];
		why = "no policy";
	}
	*v = *use;
	if (use == decided) {
		why = use->result == AA_PASS ? "passes, but several authors never pass" : "fails";
		v->result = AA_FAIL;
		v->policy = use->on_fail;
	}
	v->reason = aa_arena_printf(ctx->arena, "%zu From domains; %s %s: %s", n, use->from_domain,
				    why, use->reason != NULL ? use->reason : "");
}

static void verdict_of(struct aa_ctx *ctx, const struct aa_dmarc_input *in,
		       enum aa_dmarc_mode mode, struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->reason = from_problem(in->from, v);
	if (v->reason != NULL)
		return;
	if (in->from->status == AA_FROM_OK)
		verdict_one(ctx, in, mode, in->from->domain, v);
	else
		verdict_several(ctx, in, mode, v);
}

/* An unreadable From's domains, each judged alone; a pass counts for
 * nothing (aa_dmarc_result.shown). */
static void verdict_shown(struct aa_ctx *ctx, const struct aa_dmarc_input *in,
			  struct aa_dmarc_result *r)
{
	const struct aa_from *from = in->from;
	const struct verdict *worst = NULL, *temp = NULL;
	struct verdict each[AA_FROM_DOMAINS_MAX];
	size_t n = from->domain_count < AA_FROM_DOMAINS_MAX ? from->domain_count : AA_FROM_DOMAINS_MAX;

	r->shown.result = AA_NONE;
	for (size_t i = 0; from->domains != NULL && i < n; i++) {
		verdict_one(ctx, in, in->mode, from->domains[i], &each[i]);
		if (each[i].result == AA_FAIL)
			worst = worst == NULL || each[i].policy > worst->policy ? &each[i] : worst;
		else if (each[i].result == AA_TEMPERROR && temp == NULL)
			temp = &each[i];
	}
	if (worst != NULL && (worst->policy == AA_POLICY_REJECT || temp == NULL)) {
		r->shown.result = AA_FAIL;
		r->shown.policy = worst->policy;
		r->shown.domain = worst->from_domain;
		r->shown.reason = worst->reason;
	} else if (temp != NULL) {
		r->shown.result = AA_TEMPERROR;
		r->shown.domain = temp->from_domain;
		r->shown.reason = temp->reason;
	}
}

int aa_dmarc_evaluate(struct aa_ctx *ctx, const struct aa_dmarc_input *in,
		      struct aa_dmarc_result *r)
{
	enum aa_dmarc_mode other = in->mode == AA_DMARC_RFC7489 ? AA_DMARC_RFC9989 : AA_DMARC_RFC7489;
	struct verdict v, o;

	memset(r, 0, sizeof(*r));
	verdict_of(ctx, in, in->mode, &v);
	verdict_of(ctx, in, other, &o);
	r->result = v.result;
	r->policy = v.policy;
	r->applied = v.applied;
	r->published = v.published;
	r->from_domain = v.from_domain;
	r->policy_domain = v.policy_domain;
	r->org_domain = v.org_domain;
	r->spf_aligned = v.spf_aligned;
	r->dkim_aligned = v.dkim_aligned;
	r->dkim_domain = v.dkim_domain;
	r->reason = v.reason;
	r->local_error = v.local;
	r->from_unreadable = v.unreadable;
	if (v.unreadable)
		verdict_shown(ctx, in, r);
	r->other_result = o.result;
	r->other_policy = o.policy;
	r->modes_disagree = v.result != o.result || v.policy != o.policy;
	if (r->modes_disagree)
		aa_log(ctx, AA_LOG_WARN, "DMARC %s: %s/%s, %s: %s/%s for %s",
		       in->mode == AA_DMARC_RFC7489 ? "RFC 7489" : "RFC 9989",
		       aa_result_name(v.result), aa_dmarc_policy_name(v.policy),
		       other == AA_DMARC_RFC7489 ? "RFC 7489" : "RFC 9989",
		       aa_result_name(o.result), aa_dmarc_policy_name(o.policy),
		       aa_escz(ctx, r->from_domain));
	return 0;
}
