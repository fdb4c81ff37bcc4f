/* judge.c - from the three results to one action, and how to say it. */
#include <string.h>
#include "aa_judge.h"
#include "aa_names.h"

static const struct aa_name action_words[] = {
	{ "accept", AA_ACTION_ACCEPT }, { "quarantine-header", AA_ACTION_QUARANTINE_HEADER },
	{ "freeze", AA_ACTION_FREEZE }, { "reject", AA_ACTION_REJECT }, { "defer", AA_ACTION_DEFER },
};
static const struct aa_names action_names = {
	action_words, sizeof(action_words) / sizeof(action_words[0]),
};

const char *aa_action_name(enum aa_action a)
{
	return aa_names_name(&action_names, (int)a, "defer");
}

/* The policy that applies on failure: a forced one from the table, else
 * the published one (already reduced by t=y). */
static enum aa_dmarc_policy applied_policy(const struct aa_judge_result *r)
{
	if (r->policy.forced != AA_POLICY_UNSPEC)
		return r->policy.forced;
	return r->dmarc.policy;
}

/* A DMARC result for domain dom (already escaped) turned into an action. */
static void act(struct aa_ctx *ctx, const struct aa_judge_input *in, struct aa_judge_result *r,
		enum aa_result res, enum aa_dmarc_policy p, const char *dom, const char *reason)
{
	switch (res) {
	case AA_FAIL:
		if (p == AA_POLICY_REJECT) {
			r->action = AA_ACTION_REJECT;
			r->smtp_text = aa_arena_printf(ctx->arena,
				"%s Message rejected: the From domain %s fails DMARC and its policy is reject (%s)",
				in->cfg->reject_status, dom,
				aa_escz(ctx, reason != NULL ? reason : "not aligned"));
		} else if (p == AA_POLICY_QUARANTINE) {
			r->action = r->policy.quarantine == AA_QUARANTINE_FREEZE
					    ? AA_ACTION_FREEZE : AA_ACTION_QUARANTINE_HEADER;
			r->quarantine_header = aa_arena_printf(ctx->arena,
				"yes (dmarc=fail p=quarantine header.from=%s)", dom);
		}
		return;
	case AA_TEMPERROR:
		/* a lost query never rejects; it defers unless nothing could come of it */
		if (p != AA_POLICY_NONE) {
			r->action = AA_ACTION_DEFER;
			r->smtp_text = aa_arena_printf(ctx->arena,
				"%s checking DMARC for %s, try again later (%s)",
				in->dkim != NULL && in->dkim->incomplete ?
					"4.3.0 Temporary local problem" : "4.7.5 Temporary DNS failure",
				dom, aa_dns_budget_exhausted(ctx->dns)
					     ? "the DNS time budget ran out"
					     : aa_escz(ctx, reason != NULL ? reason : "temperror"));
		}
		return;
	default:
		return;
	}
}

/* The strictest policy the table forces on any of the From domains. */
static enum aa_dmarc_policy strictest_forced(const struct aa_config *cfg, const struct aa_from *f)
{
	enum aa_dmarc_policy forced = AA_POLICY_UNSPEC;

	for (size_t i = 0; f != NULL && f->domains != NULL && i < f->domain_count; i++) {
		struct aa_domain_policy p;

		aa_config_domain(cfg, f->domains[i], &p);
		if (p.forced > forced)
			forced = p.forced;
	}
	return forced;
}

/* With several From domains a forced policy only raises the one that
 * applies (p): one author's table entry never softens another's
 * published policy. */
static enum aa_dmarc_policy raised(enum aa_dmarc_policy p, enum aa_dmarc_policy forced)
{
	return forced >= AA_POLICY_QUARANTINE && forced > p ? forced : p;
}

/* An unreadable From (aa_dmarc.h): a reject of its own, or, with
 * from_unreadable = monitor, what the domains it shows would give. */
static void decide_unreadable(struct aa_ctx *ctx, const struct aa_judge_input *in,
			      struct aa_judge_result *r)
{
	const struct aa_dmarc_result *d = &r->dmarc;
	struct aa_domain_policy pol;

	/* with more domains than are judged, what they show is incomplete */
	if (in->cfg->from_unreadable == AA_UNREADABLE_REJECT || in->from == NULL ||
	    in->from->truncated || in->from->domain_count > AA_FROM_DOMAINS_MAX) {
		r->action = AA_ACTION_REJECT;
		r->smtp_text = aa_arena_printf(ctx->arena,
			"%s Message rejected: %s (RFC 5322 asks for exactly one From field with "
			"readable addresses), so the author domain cannot be checked (DMARC permerror)",
			in->cfg->reject_status, aa_escz(ctx, d->reason != NULL ? d->reason : "unreadable From"));
		return;
	}
	aa_config_domain(in->cfg, d->shown.domain, &pol);
	act(ctx, in, r, d->shown.result,
	    in->from->domain_count > 1 ? raised(d->shown.policy, strictest_forced(in->cfg, in->from))
	    : pol.forced != AA_POLICY_UNSPEC ? pol.forced : d->shown.policy,
	    aa_escz(ctx, d->shown.domain), d->shown.reason);
}

static void decide(struct aa_ctx *ctx, const struct aa_judge_input *in, struct aa_judge_result *r)
{
	const struct aa_dmarc_result *d = &r->dmarc;

	r->action = AA_ACTION_ACCEPT;
	if (d->result == AA_TEMPERROR && d->local_error && r->policy.mode != AA_MODE_OFF) {
		/* out of memory: nothing was decided, in any mode */
		r->action = AA_ACTION_DEFER;
		r->smtp_text = aa_arena_printf(ctx->arena,
			"4.3.0 Temporary local problem checking DMARC, try again later (%s)",
			aa_escz(ctx, d->reason != NULL ? d->reason : "internal error"));
		return;
	}
	if (r->policy.mode != AA_MODE_ENFORCE)
		return;
	if (d->from_unreadable) {
		decide_unreadable(ctx, in, r);
		return;
	}
	act(ctx, in, r, d->result, applied_policy(r), aa_escz(ctx, d->from_domain), d->reason);
}

/* For an unreadable From or several From domains, the strictest mode
 * among the global one and those of the domains it shows: a From naming
 * an enforced domain is enforced, whatever other domain it names too. */
static void strictest_policy(const struct aa_judge_input *in, struct aa_judge_result *r)
{
	const struct aa_from *f = in->from;

	for (size_t i = 0; f != NULL && f->domains != NULL && i < f->domain_count; i++) {
		struct aa_domain_policy p;

		aa_config_domain(in->cfg, f->domains[i], &p);
		if (p.mode > r->policy.mode)
			r->policy = p;
	}
	if (f != NULL && f->status == AA_FROM_MULTIPLE_ADDRESSES && !r->dmarc.from_unreadable) {
		enum aa_dmarc_policy p = raised(r->dmarc.policy, strictest_forced(in->cfg, f));

		r->policy.forced = p != r->dmarc.policy ? p : AA_POLICY_UNSPEC;
	}
}

int aa_judge(struct aa_ctx *ctx, const struct aa_judge_input *in, struct aa_judge_result *r)
{
	struct aa_dmarc_input din = {
		.from = in->from,
		.spf = in->spf_mailfrom,
		.dkim = in->dkim,
		.mode = in->cfg->dmarc_mode,
		.every_alignment = in->every_alignment,
	};
	struct aa_authres_input ain = {
		.authserv_id = in->authserv_id,
		.spf_mailfrom = in->spf_mailfrom,
		.spf_helo = in->spf_helo,
		.dkim = in->dkim,
		.dmarc = &r->dmarc,
	};
	const char *oneline;

	memset(r, 0, sizeof(*r));
	if (aa_dmarc_evaluate(ctx, &din, &r->dmarc) < 0 && r->dmarc.result != AA_TEMPERROR) {
		r->dmarc.result = AA_TEMPERROR;
		r->dmarc.reason = "internal error evaluating DMARC";
	}
	aa_config_domain(in->cfg, r->dmarc.from_domain, &r->policy);
	if (r->dmarc.from_unreadable ||
	    (in->from != NULL && in->from->status == AA_FROM_MULTIPLE_ADDRESSES))
		strictest_policy(in, r);
	decide(ctx, in, r);
	if (((r->action == AA_ACTION_REJECT || r->action == AA_ACTION_DEFER) && r->smtp_text == NULL) ||
	    (r->action == AA_ACTION_QUARANTINE_HEADER && r->quarantine_header == NULL)) {
		/* out of memory saying why: nothing is refused or marked without a reason */
		r->action = AA_ACTION_DEFER;
		r->smtp_text = "4.3.0 Temporary local problem, try again later";
	}
	r->authres = aa_authres_build(ctx, &ain);
	if (r->authres == NULL) {
		r->action = AA_ACTION_DEFER;
		r->smtp_text = "4.3.0 Temporary local problem, try again later";
		return -1;
	}
	/* the log line is the header on one line, plus what we did */
	oneline = aa_arena_strdup(ctx->arena, r->authres);
	if (oneline != NULL) {
		char *w = (char *)oneline;

		for (const char *p = oneline; *p != '\0'; p++)
			if (*p != '\n')
				*w++ = *p == '\t' ? ' ' : *p;
		*w = '\0';
	}
	r->log_line = aa_arena_printf(ctx->arena, "%s; mode=%s action=%s%s%s%s",
				      oneline != NULL ? oneline : "", aa_mode_name(r->policy.mode),
				      aa_action_name(r->action),
				      r->dmarc.modes_disagree ? " dmarc-modes-disagree=" : "",
				      r->dmarc.modes_disagree ? aa_result_name(r->dmarc.other_result) : "",
				      aa_dns_budget_exhausted(ctx->dns)
					      ? "; the DNS time budget ran out: later lookups were temperrors" : "");
	return 0;
}
