/* plan.c - the least invasive way to get a message accepted, or why not.
 *
 * Steps in the From domain's order (default direct, sign, rewrite,
 * smarthost; a pin= allows that one route only). The first step whose
 * prediction is not refused wins. A step that does not apply is skipped:
 * sign without a DKIM key, rewrite without a return_path or for the null
 * sender (a bounce must keep <>, RFC 5321 4.5.5), smarthost without
 * routes. Once sign applied, later steps keep signing: an aligned
 * signature never hurts, and Outlook.com wants SPF and DKIM together.
 * Combinations: a smarthost refused as it is is tried with the rewrite
 * too (when the order has rewrite); a sign step refused alone tries the
 * rewrite and the smarthosts the order put before it, signed. So every
 * combination of sign, rewrite and one route is considered, each step
 * alone before it is combined.
 * A step left undecided by a DNS temporary failure stops the plan: temp
 * (the caller defers with 451, never refuses), unless a step before it
 * reaches the junk folder. A step that reaches only the junk folder
 * (p=quarantine) is taken when no step reaches the inbox.
 *
 * The From domain's powers (its key, its return path, its pin, the
 * smarthosts) serve only its owners (aa_owner.h), and a key or a relay
 * that signs with a parent's d= only the parent's owners: for any other
 * submitter they are withheld, the plan goes on as for a domain without them (direct
 * delivery, as the message is), and enforce refuses with a text naming the
 * submitter and the domain.
 *
 * Modes: off does nothing; monitor plans and logs, step stays DIRECT;
 * route applies the plan (nothing passes: deliver direct, log it);
 * enforce applies it and, when nothing passes, REFUSE with an SMTP text
 * that names the record or route that would fix it.
 */
#include <string.h>
#include <strings.h>
#include "aa_plan.h"
#include "aa_str.h"

#define STEPS_LOG_MAX 1500	/* bytes of per-step verdicts in one log line */

struct planner {
	struct aa_ctx *ctx;
	const struct aa_outbound *ob;
	const struct aa_out_msg *msg;
	struct aa_out_policy pol;
	const char *from;		/* From domain, or NULL */
	struct aa_str steps;		/* "direct=refused(...) sign=pass(...)" */
	struct aa_out_change carry;	/* signing kept for later steps */
	const struct aa_prediction *sign_pred;
	int not_owner;			/* powers withheld: no smarthost either */
	/* the first smarthost refused for how its relay signs, for the fix */
	const struct aa_prediction *relay_unpublished;	/* its selectors not published */
	const struct aa_prediction *relay_unaligned;	/* signs with a parent d= that
							 * does not align (adkim=s) */
	struct aa_plan *plan;
	int store_failed;		/* the feedback store failed: logged once */
	struct {			/* the first step that reaches only the junk
					 * folder: taken when none reaches the inbox */
		int set;
		enum aa_step step;
		const struct aa_route *route;
		struct aa_out_change chg;
		struct aa_prediction pred;
	} junk;
};

static int owns(const struct planner *pl, const char *domain, const char **why_r)
{
	return aa_owner_check(pl->ob->owners, pl->ob->trusted_hosts, pl->msg->submitter, domain, why_r);
}


/* One prediction for the log, every untrusted string escaped; NULL when
 * out of memory. */
static const char *summary(struct aa_ctx *ctx, const struct aa_prediction *p)
{
	const struct aa_dmarc_result *d = &p->dmarc;
	struct aa_str b;

	aa_str_init(&b, ctx->arena, AA_STR_NO_CAP);
	if (p->profile == NULL) {
		aa_str_printf(&b, "%s(%s)", aa_prediction_outcome(p), aa_escz(ctx, p->reason));
		return aa_str_finish(&b, NULL);
	}
	if (p->spf.result == AA_PASS || p->spf.result == AA_FAIL || p->spf.result == AA_SOFTFAIL ||
	    p->spf.result == AA_NEUTRAL)
		aa_str_printf(&b, "%s(spf=%s %s %s %s", aa_prediction_outcome(p), aa_result_name(p->spf.result),
			      aa_escz(ctx, p->egress),
			      p->spf.result == AA_PASS ? "permitted by" : "not permitted by",
			      aa_escz(ctx, p->spf.domain));
	else
		aa_str_printf(&b, "%s(spf=%s %s", aa_prediction_outcome(p), aa_result_name(p->spf.result),
			      aa_escz(ctx, p->spf.domain));
	if (p->dkim_aligned_pass)
		aa_str_printf(&b, "; dkim=pass d=%s aligned", aa_escz(ctx, p->dkim_domain));
	else if (p->dkim_any_pass)
		aa_str_printf(&b, "; dkim=pass d=%s unaligned", aa_escz(ctx, p->dkim_domain));
	else if (p->dkim_key_file_error != NULL)
		aa_str_printf(&b, "; dkim=none key file unusable (%s)", p->dkim_key_file_error);
	else if (p->dkim_key_mismatch)
		aa_str_addz(&b, "; dkim=fail published key is not ours");
	else if (p->dkim_key_missing)
		aa_str_addz(&b, "; dkim=fail key not published");
	else if (p->relay_keys_missing != NULL)
		aa_str_printf(&b, "; dkim=fail relay key not published at %s", aa_escz(ctx, p->relay_keys_missing));
	else
		aa_str_addz(&b, p->dkim_count > 0 ? "; dkim=temperror" : "; dkim=none");
	aa_str_printf(&b, "; dmarc=%s p=%s", aa_result_name(d->result),
		      aa_dmarc_policy_name(d->result == AA_FAIL ? d->policy : d->published));
	aa_str_printf(&b, "; profile=%s%s%s)", aa_escz(ctx, p->profile->name), p->refused ? " " : "",
		      p->refused ? aa_escz(ctx, p->status) : "");
	return aa_str_finish(&b, NULL);
}

/* One step's verdict for the log; a step that would take the verdicts
 * over STEPS_LOG_MAX is left out (a shorter later one may still fit). */
static void log_step(struct planner *pl, const char *name, const char *what)
{
	if (name == NULL || what == NULL)	/* out of memory making them */
		aa_str_nomem(&pl->steps);
	else
		aa_str_printf(&pl->steps, "%s%s=%s", aa_str_len(&pl->steps) > 0 ? " " : "", name, what);
}

/* A refused smarthost whose relay's signature would have made the
 * difference: kept for the fix. */
static void note_relay(struct planner *pl, const struct aa_prediction *p)
{
	struct aa_prediction *keep;

	if (!p->refused || p->relay_dkim_domain == NULL || p->dkim_aligned_pass)
		return;
	if ((p->relay_keys_missing != NULL ? pl->relay_unpublished : pl->relay_unaligned) != NULL)
		return;
	if (p->relay_keys_missing == NULL && strcasecmp(p->relay_dkim_domain, pl->from) == 0)
		return;		/* its own d=: unaligned for no reason a route can change */
	keep = aa_arena_alloc(pl->ctx->arena, sizeof(*keep));
	if (keep == NULL)
		return;
	*keep = *p;
	if (p->relay_keys_missing != NULL)
		pl->relay_unpublished = keep;
	else
		pl->relay_unaligned = keep;
}

static const char *utc(struct aa_ctx *ctx, time_t t)
{
	struct tm tm;
	char buf[32];

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return "?";
	return aa_arena_strdup(ctx->arena, buf);
}

/* Keep a candidate for a reader of the plan (authalign predict). */
static void record_try(struct planner *pl, const char *name, const struct aa_prediction *p, const char *lesson)
{
	struct aa_plan *r = pl->plan;

	if (!pl->msg->want_tried)
		return;
	if (name == NULL || r->tried_count >= AA_PLAN_TRIED_MAX) {
		r->tried_lost++;
		return;
	}
	if (r->tried == NULL &&
	    (r->tried = aa_arena_alloc(pl->ctx->arena, AA_PLAN_TRIED_MAX * sizeof(*r->tried))) == NULL)
		return;
	r->tried[r->tried_count].name = name;
	r->tried[r->tried_count].pred = *p;
	r->tried[r->tried_count].avoided = lesson;
	r->tried[r->tried_count].lessons_ignored = pl->msg->learned == NULL && r->avoided;
	r->tried_count++;
}

/* 1 when a step that would pass must not be taken, for what the
 * destination answered before: logged in place of its verdict. A store
 * that fails is logged once and the plan goes on as if nothing was
 * learned. */
static int avoided(struct planner *pl, const char *name, const struct aa_route *route, enum aa_step step,
		   const struct aa_prediction *p)
{
	struct aa_ctx *ctx = pl->ctx;
	struct aa_fb_entry e;
	const char *lesson;
	int rc;

	if (pl->msg->learned == NULL || p->refused || p->temp)
		return 0;
	rc = aa_learned_avoid(ctx, pl->msg->learned, aa_learned_destination(pl->msg->rcpt_domain),
			      pl->from, route, step, &e);
	if (rc < 0) {
		if (!pl->store_failed)
			aa_log(ctx, AA_LOG_PANIC, "the outbound feedback store cannot be read (%s): planning as if "
			       "nothing was learned", pl->msg->learned->store != NULL ?
			       aa_escz(ctx, aa_feedback_error(pl->msg->learned->store)) : "no memory");
		pl->store_failed = 1;
		return 0;
	}
	if (rc == 0)
		return 0;
	pl->plan->avoided = 1;
	lesson = aa_arena_printf(ctx->arena, "learned: %s refused %s, %s %d %s%s, %lld refusal%s since %s, until %s",
				 aa_escz(ctx, e.destination), e.egress[0] != '\0' ? aa_escz(ctx, e.egress) : "this host",
				 aa_escz(ctx, e.class_word), e.code, aa_escz(ctx, e.status),
				 strcmp(e.from_domain, "*") == 0 ? " for every From domain" : "", e.count,
				 e.count == 1 ? "" : "s", utc(ctx, e.first_seen), utc(ctx, e.expires));
	record_try(pl, name, p, lesson != NULL ? lesson : "learned");
	log_step(pl, name, lesson != NULL ? aa_arena_printf(ctx->arena, "avoided(%s)", lesson) : NULL);
	return 1;
}

/* 1 when p reaches only the junk folder: kept as the fallback when it is
 * the first such step, and the walk goes on looking for the inbox. */
static int junk_only(struct planner *pl, enum aa_step step, const struct aa_route *route,
		     const struct aa_out_change *chg, const struct aa_prediction *p)
{
	if (p->refused || p->temp || !p->junk)
		return 0;
	if (!pl->junk.set) {
		pl->junk.set = 1;
		pl->junk.step = step;
		pl->junk.route = route;
		pl->junk.chg = *chg;
		pl->junk.pred = *p;
	}
	return 1;
}

/* Predict one candidate; 1 when it decides the plan (the inbox, or temp). */
static int try(struct planner *pl, const char *name, const struct aa_route *route, enum aa_step step,
	       const struct aa_out_change *chg, struct aa_prediction *p)
{
	aa_predict_change(pl->ctx, pl->ob, pl->msg, route, chg, p);
	if (avoided(pl, name, route, step, p))
		return 0;
	record_try(pl, name, p, NULL);
	log_step(pl, name, summary(pl->ctx, p));
	if (route != &pl->ob->direct && pl->from != NULL)
		note_relay(pl, p);
	if (p->temp && pl->junk.set)
		return 0;	/* undecided, and the junk folder is reached anyway: not worth a defer */
	return !p->refused && !junk_only(pl, step, route, chg, p);
}

static void choose(struct aa_plan *r, enum aa_step step, const struct aa_route *route,
		   const struct aa_out_change *chg, const struct aa_out_policy *pol,
		   const struct aa_prediction *p)
{
	r->planned = step;
	r->planned_route = route;
	r->chosen = *p;
	r->temp = p->temp;
	r->sign_domain = chg->sign_domain;
	if (chg->sign_domain != NULL) {
		r->dkim_selector = pol->dkim_selector;
		r->dkim_key_file = pol->dkim_key_file;
	}
	r->return_path = chg->return_path;
}

/* 1 when the route's relay would sign the From domain with a parent's d=
 * that the submitter does not own (as our own key for a parent, it serves
 * only the parent's owners); logged. */
static int parent_withheld(struct planner *pl, const struct aa_route *rt, const char *label)
{
	const char *d = pl->from != NULL ? aa_route_signer(rt, pl->from) : NULL, *why;

	if (d == NULL || strcasecmp(d, pl->from) == 0 || owns(pl, d, &why))
		return 0;
	log_step(pl, label, aa_arena_printf(pl->ctx->arena, "n/a(signs with d=%s, which the submitter does "
					    "not own)", aa_escz(pl->ctx, d)));
	return 1;
}

/* 1 when the domain has a return path to rewrite to and the message an
 * envelope sender to rewrite (a bounce keeps <>). */
static int rewrite_applies(const struct planner *pl)
{
	return pl->pol.return_path != NULL && pl->msg->env_sender != NULL && pl->msg->env_sender[0] != '\0';
}

/* 1 when a smarthost may also rewrite: the domain's order has the rewrite
 * step (a pin, or an order without it, says the envelope stays). */
static int rewrite_in_order(const struct planner *pl)
{
	if (pl->pol.pin != NULL || !rewrite_applies(pl))
		return 0;
	for (size_t i = 0; i < pl->pol.order_len && i < AA_STEPS_MAX; i++)
		if (pl->pol.order[i] == AA_STEP_REWRITE)
			return 1;
	return 0;
}

/* 1 when route name is one of the n names (NULL items never match). */
static int named_in(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/* The smarthosts a smarthost step names (named: one route, NULL: every
 * one but those tried already, in skip), each with chg and, refused as it
 * is, with the domain's return path too; suffix names what chg adds (""
 * or "+sign"). 1 when one was chosen. */
static int try_smarthosts(struct planner *pl, struct aa_plan *r, const char *named,
			  const char *const *skip, size_t n_skip, const struct aa_out_change *chg, const char *suffix)
{
	struct aa_prediction p;

	for (size_t k = 0; k < aa_route_count(pl->ob->routes); k++) {
		const struct aa_route *rt = aa_route_at(pl->ob->routes, k);
		const char *label;

		if (named != NULL ? strcmp(named, rt->name) != 0 : named_in(skip, n_skip, rt->name))
			continue;
		label = aa_arena_printf(pl->ctx->arena, "smarthost:%s%s", aa_escz(pl->ctx, rt->name), suffix);
		if (parent_withheld(pl, rt, label))
			continue;
		if (try(pl, label, rt, AA_STEP_SMARTHOST, chg, &p)) {
			choose(r, AA_STEP_SMARTHOST, rt, chg, &pl->pol, &p);
			return 1;
		}
		/* refused as it is: the relay may carry it once the envelope
		 * is the domain's own return path */
		if ((p.refused || (p.junk && !p.temp)) && rewrite_in_order(pl) && chg->return_path == NULL) {
			struct aa_out_change both = *chg;

			both.return_path = pl->pol.return_path;
			label = aa_arena_printf(pl->ctx->arena, "smarthost:%s%s+rewrite", aa_escz(pl->ctx, rt->name),
						suffix);
			if (try(pl, label, rt, AA_STEP_SMARTHOST, &both, &p)) {
				choose(r, AA_STEP_SMARTHOST, rt, &both, &pl->pol, &p);
				return 1;
			}
		}
	}
	return 0;
}

/* The sign step when the domain's order put rewrite or smarthosts before
 * it: signed, those steps are tried again (sign+rewrite, then each
 * smarthost signed), so that every combination the order allows is
 * considered whatever the order. 1 when one was chosen. */
static int sign_with_earlier(struct planner *pl, struct aa_plan *r, const struct aa_out_change *chg,
			     int rewrite_before, const char *const *smarthosts_before, size_t n_before)
{
	struct aa_prediction p;

	if (rewrite_before && rewrite_applies(pl)) {
		struct aa_out_change both = *chg;

		both.return_path = pl->pol.return_path;
		if (try(pl, "sign+rewrite", &pl->ob->direct, AA_STEP_REWRITE, &both, &p)) {
			choose(r, AA_STEP_REWRITE, &pl->ob->direct, &both, &pl->pol, &p);
			return 1;
		}
	}
	if (pl->not_owner)
		return 0;
	for (size_t i = 0; i < n_before; i++)
		if (try_smarthosts(pl, r, smarthosts_before[i], smarthosts_before, i, chg, "+sign"))
			return 1;
	return 0;
}

/* Walk the steps; 1 when one was chosen (pass or temp). */
static int walk(struct planner *pl, struct aa_plan *r)
{
	enum aa_step order[AA_STEPS_MAX];
	const char *named[AA_STEPS_MAX];
	size_t n = pl->pol.order_len, n_smarthosts = 0;
	struct aa_prediction p;
	/* the steps before the current one that signing combines with */
	int rewrite_before = 0, all_smarthosts_before = 0;
	const char *smarthosts_before[AA_STEPS_MAX];

	memcpy(order, pl->pol.order, sizeof(order));
	memcpy(named, pl->pol.order_route, sizeof(named));
	if (pl->pol.pin != NULL) {
		n = 1;
		order[0] = strcmp(pl->pol.pin, "direct") == 0 ? AA_STEP_DIRECT : AA_STEP_SMARTHOST;
		named[0] = pl->pol.pin;
	}
	for (size_t i = 0; i < n && i < AA_STEPS_MAX; i++) {
		struct aa_out_change chg = pl->carry;

		switch (order[i]) {
		case AA_STEP_DIRECT:
			if (avoided(pl, "direct", &pl->ob->direct, AA_STEP_DIRECT, &r->direct))
				break;
			record_try(pl, "direct", &r->direct, NULL);
			log_step(pl, "direct", summary(pl->ctx, &r->direct));
			if (!r->direct.refused && !junk_only(pl, AA_STEP_DIRECT, &pl->ob->direct, &chg, &r->direct)) {
				choose(r, AA_STEP_DIRECT, &pl->ob->direct, &chg, &pl->pol, &r->direct);
				return 1;
			}
			break;
		case AA_STEP_SIGN:
			if (pl->pol.dkim_selector == NULL || pl->from == NULL) {
				log_step(pl, "sign", "n/a(no dkim= key)");
				break;
			}
			chg.sign_domain = pl->pol.dkim_domain;
			chg.sign_selector = pl->pol.dkim_selector;
			chg.sign_key_file = pl->pol.dkim_key_file;
			pl->carry = chg;
			if (try(pl, "sign", &pl->ob->direct, AA_STEP_SIGN, &chg, &p)) {
				choose(r, AA_STEP_SIGN, &pl->ob->direct, &chg, &pl->pol, &p);
				return 1;
			}
			if (sign_with_earlier(pl, r, &chg, rewrite_before, smarthosts_before, n_smarthosts))
				return 1;
			break;
		case AA_STEP_REWRITE:
			if (pl->pol.return_path == NULL) {
				log_step(pl, "rewrite", "n/a(no return_path=)");
				break;
			}
			if (pl->msg->env_sender == NULL || pl->msg->env_sender[0] == '\0') {
				log_step(pl, "rewrite", "n/a(null sender stays null)");
				break;
			}
			chg.return_path = pl->pol.return_path;
			rewrite_before = 1;
			if (try(pl, "rewrite", &pl->ob->direct, AA_STEP_REWRITE, &chg, &p)) {
				choose(r, AA_STEP_REWRITE, &pl->ob->direct, &chg, &pl->pol, &p);
				return 1;
			}
			break;
		case AA_STEP_SMARTHOST:
			if (pl->not_owner) {
				log_step(pl, "smarthost", "n/a(routes serve the From domain's owners only)");
				break;
			}
			if (aa_route_count(pl->ob->routes) == 0) {
				log_step(pl, "smarthost", "n/a(no routes)");
				break;
			}
			if (named[i] != NULL && (all_smarthosts_before ||
						 named_in(smarthosts_before, n_smarthosts, named[i])))
				break;		/* tried already */
			if (try_smarthosts(pl, r, named[i], smarthosts_before, n_smarthosts, &chg, ""))
				return 1;
			if (!all_smarthosts_before && n_smarthosts < AA_STEPS_MAX) {
				smarthosts_before[n_smarthosts++] = named[i];	/* NULL: every other one */
				all_smarthosts_before = named[i] == NULL;
			}
			break;
		case AA_STEP_REFUSE:
			break;
		}
	}
	if (pl->junk.set) {	/* nothing reaches the inbox: the junk folder */
		choose(r, pl->junk.step, pl->junk.route, &pl->junk.chg, &pl->pol, &pl->junk.pred);
		r->junk = 1;
		return 1;
	}
	return 0;
}

/* 1 when the domain's order (or pin) lets the plan use this smarthost. */
static int smarthost_allowed(const struct aa_out_policy *pol, const char *name)
{
	if (pol->pin != NULL)
		return strcmp(pol->pin, name) == 0;
	for (size_t i = 0; i < pol->order_len && i < AA_STEPS_MAX; i++)
		if (pol->order[i] == AA_STEP_SMARTHOST &&
		    (pol->order_route[i] == NULL || strcmp(pol->order_route[i], name) == 0))
			return 1;
	return 0;
}

/* One more fix, after joiner when there is one before it. */
static void add_fix(struct aa_str *fix, const char *joiner, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_fix(struct aa_str *fix, const char *joiner, const char *fmt, ...)
{
	va_list ap;

	if (aa_str_len(fix) > 0)
		aa_str_addz(fix, joiner);
	va_start(ap, fmt);
	aa_str_vprintf(fix, fmt, ap);
	va_end(ap);
}

/* What our key needs: the exact record to publish when our key file
 * was read (a rotated key: the one published is another), or the file
 * made usable. */
static void key_fix(struct planner *pl, struct aa_str *fix, const char *joiner, const struct aa_prediction *sp)
{
	struct aa_ctx *ctx = pl->ctx;
	const char *name = aa_arena_printf(ctx->arena, "%s._domainkey.%s", aa_escz(ctx, pl->pol.dkim_selector),
					   aa_escz(ctx, pl->pol.dkim_domain));

	if (name == NULL) {
		aa_str_nomem(fix);
		return;
	}
	if (sp->dkim_key_file_error != NULL)
		add_fix(fix, joiner, "make the DKIM key file %s usable (%s), then publish its key at %s",
			aa_escz(ctx, pl->pol.dkim_key_file), sp->dkim_key_file_error, name);
	else if ((sp->dkim_key_missing || sp->dkim_key_mismatch) && sp->dkim_key_record != NULL)
		add_fix(fix, joiner, "publish %s TXT \"%s\"%s", name, sp->dkim_key_record,
			sp->dkim_key_mismatch ? aa_arena_printf(ctx->arena, " (the key published there is not the "
				"public half of %s: a rotated key?)", aa_escz(ctx, pl->pol.dkim_key_file)) : "");
	else if (sp->dkim_key_missing)
		add_fix(fix, joiner, "publish the DKIM key at %s", name);
}

/* 1 when every host of the route is Microsoft 365's (its tenant MX). */
static int route_is_m365(const struct aa_route *rt)
{
	static const char m365[] = ".mail.protection.outlook.com";
	const char *h = rt->hosts;

	while (h != NULL && *h != '\0') {
		size_t n = strcspn(h, ":");

		if (n <= sizeof(m365) - 1 || strncasecmp(h + n - (sizeof(m365) - 1), m365, sizeof(m365) - 1) != 0)
			return 0;
		h += n + (h[n] == ':');
	}
	return h != NULL;
}

/* What a relay that signs needs: its selectors published for its d=, or
 * a d= of the From domain's own where a parent's does not align. */
static void relay_fix(struct planner *pl, struct aa_str *fix)
{
	struct aa_ctx *ctx = pl->ctx;
	const struct aa_prediction *p = pl->relay_unpublished;

	if (p != NULL)
		aa_str_printf(fix, ". Or publish %s for smarthost %s's DKIM signature (d=%s): %s",
			      aa_escz(ctx, p->relay_keys_missing), aa_escz(ctx, p->route->name),
			      aa_escz(ctx, p->relay_dkim_domain),
			      route_is_m365(p->route) ? "the CNAME records the Microsoft 365 tenant shows for "
			      "the domain (Defender portal, Email authentication settings, DKIM)" :
			      "the TXT or CNAME records the relay's provider gives");
	p = pl->relay_unaligned;
	if (p != NULL)
		aa_str_printf(fix, ". Or have smarthost %s sign %s with d=%s itself: its d=%s does not align "
			      "under %s's strict DKIM alignment (adkim=s)", aa_escz(ctx, p->route->name),
			      aa_escz(ctx, pl->from), aa_escz(ctx, pl->from), aa_escz(ctx, p->relay_dkim_domain),
			      aa_escz(ctx, pl->from));
}

/* "ip4:A", or "ip4:A and ip6:B" for a route with an address per family. */
static const char *spf_mechanisms(struct aa_ctx *ctx, const struct aa_route *rt)
{
	const char *a = rt->egress_ip, *b = rt->egress_ip2;

	if (b == NULL)
		return aa_arena_printf(ctx->arena, "%s:%s", strchr(a, ':') != NULL ? "ip6" : "ip4", aa_escz(ctx, a));
	return aa_arena_printf(ctx->arena, "%s:%s and %s:%s", strchr(a, ':') != NULL ? "ip6" : "ip4",
			       aa_escz(ctx, a), strchr(b, ':') != NULL ? "ip6" : "ip4", aa_escz(ctx, b));
}

/* What would make direct delivery pass, naming the record to change;
 * NULL when out of memory. */
static const char *fixes(struct planner *pl, const struct aa_plan *r)
{
	struct aa_ctx *ctx = pl->ctx;
	const struct aa_prediction *d = &r->direct;
	const char *from = aa_escz(ctx, pl->from);
	const char *egress = d->egress != NULL ? d->egress : pl->ob->direct.egress_ip;
	/* every address SPF fails from (the judged one only when it fails):
	 * "ip4:A", or "ip4:A and ip6:B" */
	const char *first = d->spf.result != AA_PASS || d->spf_fails_also == NULL ? egress : d->spf_fails_also;
	const char *second = d->spf.result != AA_PASS ? d->spf_fails_also : NULL;
	const char *mechs = second == NULL ?
		aa_arena_printf(ctx->arena, "%s:%s", strchr(first, ':') != NULL ? "ip6" : "ip4", aa_escz(ctx, first)) :
		aa_arena_printf(ctx->arena, "%s:%s and %s:%s", strchr(first, ':') != NULL ? "ip6" : "ip4",
				aa_escz(ctx, first), strchr(second, ':') != NULL ? "ip6" : "ip4", aa_escz(ctx, second));
	const char *ip = second == NULL ? aa_escz(ctx, first) :
		aa_arena_printf(ctx->arena, "%s and %s", aa_escz(ctx, first), aa_escz(ctx, second));
	struct aa_str fix;
	const char *joiner = d->profile != NULL && d->profile->require_spf && d->profile->require_dkim ?
		", and " : ", or ";

	if (mechs == NULL || ip == NULL)
		return NULL;
	if (d->always_failed)
		return aa_arena_printf(ctx->arena, "send mail with a From at %s through %s's own servers; "
				       "no record you control can fix it", from, from);
	aa_str_init(&fix, ctx->arena, AA_STR_NO_CAP);
	if (d->spf_failed || d->spf_fails_also != NULL) {
		const char *sd = d->spf.domain != NULL && *d->spf.domain != '\0' ? d->spf.domain : NULL;
		int aligned = sd != NULL && pl->from != NULL &&
			      aa_dmarc_aligned(ctx, pl->from, sd, 0, pl->ob->dmarc_mode) == 1;

		if (sd != NULL && (aligned || (d->profile != NULL && d->profile->require_spf) ||
				   d->spf.result != AA_PASS)) {
			if (d->spf.result == AA_NONE)
				add_fix(&fix, joiner, "publish an SPF record for %s with %s", aa_escz(ctx, sd), mechs);
			else if (d->spf.result != AA_PASS || d->spf_fails_also != NULL)
				add_fix(&fix, joiner, "add %s to %s's SPF record", mechs, aa_escz(ctx, sd));
		}
		if (!aligned && pl->from != NULL && pl->pol.return_path == NULL)
			add_fix(&fix, joiner, "set return_path= for %s to an address at %s whose SPF permits %s",
				from, from, ip);
	}
	if (!d->dkim_aligned_pass && pl->from != NULL) {
		if (pl->pol.dkim_selector == NULL)
			add_fix(&fix, joiner, "configure a DKIM key for %s", from);
		else if (pl->sign_pred != NULL)
			key_fix(pl, &fix, joiner, pl->sign_pred);
	}
	if (d->dmarc_missing)
		add_fix(&fix, ", and ", "publish a DMARC record at _dmarc.%s", from);
	if (aa_str_len(&fix) == 0)
		aa_str_addz(&fix, "route the domain through a smarthost whose egress its SPF permits");
	relay_fix(pl, &fix);
	/* the first smarthost the plan tried, as an alternative */
	for (size_t k = 0; d->spf_failed && !d->always_failed && d->spf.domain != NULL &&
			   k < aa_route_count(pl->ob->routes); k++) {
		const struct aa_route *rt = aa_route_at(pl->ob->routes, k);

		const char *mechs;
		/* a destination that wants DKIM too: the relay must sign, or we must */
		int needs_key = d->profile != NULL && d->profile->require_dkim && pl->from != NULL &&
				aa_route_signer(rt, pl->from) == NULL && pl->pol.dkim_selector == NULL;

		if (!smarthost_allowed(&pl->pol, rt->name))
			continue;
		if ((mechs = spf_mechanisms(ctx, rt)) == NULL)
			aa_str_nomem(&fix);
		else
			aa_str_printf(&fix, ". Or route it through smarthost %s after adding %s to %s's SPF record%s%s%s",
				      aa_escz(ctx, rt->name), mechs, aa_escz(ctx, d->spf.domain),
				      needs_key ? ", and configure a DKIM key for " : "", needs_key ? from : "",
				      needs_key ? " (the relay does not sign it)" : "");
		break;
	}
	return aa_str_finish(&fix, NULL);
}

/* 1 when the policy gives the From domain a power: a key, a return path,
 * a pin, or a smarthost step (a relay that its SPF names or that signs it
 * makes mail pass as the domain as surely as its key). */
static int has_powers(const struct planner *pl)
{
	if (pl->pol.dkim_selector != NULL || pl->pol.return_path != NULL || pl->pol.pin != NULL)
		return 1;
	for (size_t i = 0; aa_route_count(pl->ob->routes) > 0 && i < pl->pol.order_len; i++)
		if (pl->pol.order[i] == AA_STEP_SMARTHOST)
			return 1;
	return 0;
}

/* 1 when every From domain is known: one From field, fully parsed. With
 * several fields, a malformed one or more addresses than were read, a
 * domain may hide where we do not look (a receiver, or a relay that signs
 * what it sees, may find it). */
static int from_read_in_full(const struct aa_from *f)
{
	return f != NULL && !f->truncated &&
	       (f->status == AA_FROM_OK || f->status == AA_FROM_MULTIPLE_ADDRESSES);
}

/* Withhold the From domain's powers unless the submitter owns it (every
 * From domain, read in full, and the d= of a key that signs for a parent
 * domain). Returns the log words ("" when nothing was at stake). */
static const char *check_owner(struct planner *pl, struct aa_plan *r)
{
	const struct aa_from *f = pl->msg->from;
	const char *why = "no From domain", *who;
	int owner = pl->from != NULL && owns(pl, pl->from, &why);

	if (!has_powers(pl))
		return "";
	for (size_t i = 0; owner && f != NULL && f->domains != NULL && i < f->domain_count; i++)
		owner = owns(pl, f->domains[i], &why);
	if (owner && !from_read_in_full(f) && !aa_owner_of_all(pl->ob->trusted_hosts, pl->msg->submitter, &why)) {
		owner = 0;
		why = "the From field cannot be read in full: several From fields, a malformed one, or too many addresses";
	}
	r->owner_why = why;
	if (!owner) {
		r->not_owner = pl->not_owner = 1;
		pl->pol.dkim_selector = pl->pol.dkim_key_file = pl->pol.dkim_domain = NULL;
		pl->pol.return_path = NULL;
		pl->pol.pin = NULL;
	} else if (pl->pol.dkim_domain != NULL && strcasecmp(pl->pol.dkim_domain, pl->from) != 0 &&
		   !owns(pl, pl->pol.dkim_domain, &why)) {
		pl->pol.dkim_selector = pl->pol.dkim_key_file = pl->pol.dkim_domain = NULL;
		if ((who = aa_submitter_text(pl->ctx, pl->msg->submitter)) == NULL)
			return NULL;
		return aa_arena_printf(pl->ctx->arena, " owner=yes(%s; %s) key=withheld(not an owner of its d=)",
				       who, r->owner_why);
	}
	if ((who = aa_submitter_text(pl->ctx, pl->msg->submitter)) == NULL)
		return NULL;	/* out of memory: the caller writes no log line */
	return aa_arena_printf(pl->ctx->arena, " owner=%s(%s; %s)", owner ? "yes" : "no", who, r->owner_why);
}

int aa_plan_message(struct aa_ctx *ctx, const struct aa_outbound *ob, const struct aa_out_msg *msg,
		    struct aa_plan *r)
{
	struct planner pl = { .ctx = ctx, .ob = ob, .msg = msg, .plan = r };
	struct aa_prediction sign_p;
	const char *chosen, *owner_words, *from_text, *fix, *steps;
	int decided;

	memset(r, 0, sizeof(*r));
	aa_str_init(&pl.steps, ctx->arena, STEPS_LOG_MAX);
	if (msg->from != NULL && msg->from->domain != NULL)
		pl.from = msg->from->domain;
	else if (msg->from != NULL && msg->from->domain_count > 0 && msg->from->domains != NULL)
		pl.from = msg->from->domains[0];
	aa_outbound_policy(ob, pl.from, &pl.pol);
	owner_words = check_owner(&pl, r);
	r->mode = pl.pol.mode;
	r->step = r->planned = AA_STEP_DIRECT;
	r->route = r->planned_route = &ob->direct;
	if (r->mode == AA_OUT_OFF)
		return 0;
	aa_predict_change(ctx, ob, msg, &ob->direct, NULL, &r->direct);
	decided = walk(&pl, r);
	if (!decided && r->avoided) {
		/* lessons alone never refuse nor change a message nothing would
		 * carry: plan as if nothing was learned, and say so */
		struct aa_out_msg unlearned = *msg;

		unlearned.learned = NULL;
		pl.msg = &unlearned;
		memset(&pl.carry, 0, sizeof(pl.carry));	/* walked again from the start */
		log_step(&pl, "lessons", "ignored(no other step passes)");
		r->lessons_ignored = 1;
		decided = walk(&pl, r);
		pl.msg = msg;
	}
	if (!decided) {
		r->none_pass = 1;
		r->planned = AA_STEP_REFUSE;
		r->planned_route = NULL;
		r->chosen = r->direct;
	}
	/* apply the mode */
	if (r->mode == AA_OUT_MONITOR || r->temp || (r->none_pass && r->mode == AA_OUT_ROUTE)) {
		r->step = AA_STEP_DIRECT;
		r->route = &ob->direct;
		if (r->mode == AA_OUT_MONITOR || r->none_pass) {
			r->sign_domain = r->dkim_selector = r->dkim_key_file = r->return_path = NULL;
		}
	} else {
		r->step = r->planned;
		r->route = r->planned_route;
	}
	if (r->temp && r->mode == AA_OUT_MONITOR)
		r->temp = 0;	/* monitor never defers; the log says temp */
	if (r->none_pass && pl.pol.dkim_selector != NULL && pl.from != NULL) {
		struct aa_out_change chg = { .sign_domain = pl.pol.dkim_domain,
					     .sign_selector = pl.pol.dkim_selector,
					     .sign_key_file = pl.pol.dkim_key_file };

		aa_predict_change(ctx, ob, msg, &ob->direct, &chg, &sign_p);
		pl.sign_pred = &sign_p;
	}
	from_text = aa_escz(ctx, pl.from != NULL ? pl.from : "(no From domain)");
	if (r->none_pass && r->mode == AA_OUT_ENFORCE && r->not_owner) {
		const char *who = aa_submitter_text(ctx, msg->submitter);

		r->step = AA_STEP_REFUSE;
		r->route = NULL;
		/* out of memory: no text (the caller has a plain one) */
		r->smtp_text = who == NULL ? NULL : aa_arena_printf(ctx->arena,
			"5.7.1 authalign: %s may not send as %s (not an owner: %s). Fix: send it as an owner "
			"of %s. This host does not sign, rewrite or route it for you, and %s would refuse it (%s: %s)",
			who, from_text, aa_escz(ctx, r->owner_why), from_text,
			aa_escz(ctx, msg->rcpt_domain), aa_escz(ctx, r->direct.status), aa_escz(ctx, r->direct.reason));
	} else if (r->none_pass && r->mode == AA_OUT_ENFORCE) {
		r->step = AA_STEP_REFUSE;
		r->route = NULL;
		/* out of memory: no text (the caller has a plain one) */
		fix = fixes(&pl, r);
		r->smtp_text = fix == NULL ? NULL : aa_arena_printf(ctx->arena,
			"5.7.1 authalign: mail from %s to %s would be refused (%s: %s). Fix: %s",
			aa_escz(ctx, pl.from != NULL ? pl.from : "(no From domain)"),
			aa_escz(ctx, msg->rcpt_domain), aa_escz(ctx, r->direct.status),
			aa_escz(ctx, r->direct.reason), fix);
	}
	fix = r->none_pass && !r->not_owner ? fixes(&pl, r) : NULL;
	chosen = r->none_pass && r->not_owner ? "none(the From domain's powers withheld: not an owner)" :
		 r->none_pass ? (fix != NULL ? aa_arena_printf(ctx->arena, "none fix:(%s)", fix) : NULL) :
		 r->temp || (r->chosen.temp) ? "temp" : aa_step_name(r->planned);
	steps = aa_str_finish(&pl.steps, NULL);
	/* out of memory: no log line rather than one with a piece missing */
	if (chosen == NULL || steps == NULL || owner_words == NULL)
		return 0;
	r->log_line = aa_arena_printf(ctx->arena,
		"outbound mode=%s from=%s%s to=%s route=%s %s chosen=%s%s%s%s action=%s",
		aa_out_mode_name(r->mode), aa_escz(ctx, pl.from), owner_words,
		aa_escz(ctx, msg->rcpt_domain),
		r->planned_route != NULL ? aa_escz(ctx, r->planned_route->name) : "-",
		steps, chosen, r->chosen.temp && !r->none_pass ? ":" : "",
		r->chosen.temp && !r->none_pass ? aa_step_name(r->planned) : "",
		r->junk && !r->none_pass ? " outcome=junk" : "",
		r->temp ? "defer" : aa_step_name(r->step));
	return 0;
}
