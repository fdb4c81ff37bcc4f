/* dmarc_eval.c - the DMARC verdict from From, SPF and DKIM
 * (RFC 9989 "Identifier Alignment Explained").
 *
 * Alignment is ours (aa_dmarc_aligned), never libopendmarc's. Combining
 * follows STYLE.md: an aligned pass wins; otherwise a temporary error
 * that could have become an aligned pass (the record lookup, an SPF or
 * DKIM temperror for an aligned domain, an alignment walk) beats fail.
 */
#include <string.h>
#include "dmarc_int.h"

struct verdict {
	enum aa_result result;
	enum aa_dmarc_policy policy, applied, published;
	const char *policy_domain, *org_domain, *dkim_domain, *reason;
	int spf_aligned, dkim_aligned, temp;
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

	if (in->spf != NULL)
		judge(ctx, from, in->spf->result, in->spf->domain, lk->record.aspf_strict, mode,
		      &v->spf_aligned, &v->temp);
	for (size_t i = 0; in->dkim != NULL && i < in->dkim->count && i < AA_DKIM_SIGS_MAX; i++) {
		const struct aa_dkim_sig *s = &in->dkim->sigs[i];
		int was = v->dkim_aligned;

		judge(ctx, from, s->result, s->domain, lk->record.adkim_strict, mode,
		      &v->dkim_aligned, &v->temp);
		if (!was && v->dkim_aligned)
			v->dkim_domain = s->domain;
	}
}

static const char *from_problem(const struct aa_from *from, enum aa_result *res_r)
{
	if (from == NULL || from->status == AA_FROM_NONE) {
		*res_r = AA_NONE;
		return "no From header";
	}
	*res_r = AA_PERMERROR;
	if (from->status != AA_FROM_OK || from->domain == NULL)
		return aa_from_status_name(from->status == AA_FROM_OK ? AA_FROM_MALFORMED : from->status);
	return NULL;
}

static void verdict_of(struct aa_ctx *ctx, const struct aa_dmarc_input *in,
		       enum aa_dmarc_mode mode, struct verdict *v)
{
	struct aa_dmarc_lookup lk;

	memset(v, 0, sizeof(*v));
	v->reason = from_problem(in->from, &v->result);
	if (v->reason != NULL)
		return;
	aa_dmarc_lookup(ctx, in->from->domain, mode, &lk);
	v->org_domain = lk.org_domain;
	v->policy_domain = lk.record.domain;
	v->reason = lk.reason;
	v->result = lk.status;
	if (lk.status != AA_PASS)
		return;
	v->applied = lk.effective;
	v->published = lk.record.p;
	judge_auth(ctx, in, &lk, mode, v);
	if (v->spf_aligned || v->dkim_aligned) {
		v->result = AA_PASS;
		v->policy = AA_POLICY_NONE;
		v->reason = v->dkim_aligned ? "aligned DKIM pass" : "aligned SPF pass";
	} else if (v->temp) {
		v->result = AA_TEMPERROR;
		v->reason = "an aligned check failed temporarily";
	} else {
		v->result = AA_FAIL;
		v->policy = aa_bis_disposition(&lk.record, lk.effective, mode);
		v->reason = lk.record.testing && mode == AA_DMARC_RFC9989 ?
			"no aligned pass (t=y: policy one step lower)" : "no aligned SPF or DKIM pass";
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
	r->from_domain = in->from != NULL ? in->from->domain : NULL;
	r->policy_domain = v.policy_domain;
	r->org_domain = v.org_domain;
	r->spf_aligned = v.spf_aligned;
	r->dkim_aligned = v.dkim_aligned;
	r->dkim_domain = v.dkim_domain;
	r->reason = v.reason;
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
