/* predict.c - what the destination will conclude about one route.
 *
 * SPF: the envelope domain (the HELO name for the null sender, RFC 7208
 * 2.4) against the route's egress address and HELO, never loopback
 * (libspf2 passes every loopback client). DKIM on arrival: the
 * signatures that verify now (the ones that temporarily failed stay
 * temperror), plus ours (its key record looked up when the selector is
 * known, and compared with our key file's public half) and the relay's
 * when it signs the From domain (its d= from the route, the From domain
 * or a parent, and its selectors' records looked up). DMARC:
 * aa_dmarc_evaluate on those synthetic results, in ob->dmarc_mode.
 *
 * A route that may send from an IPv4 and an IPv6 address (a transport's
 * "interface = <; v4 ; v6") is judged from each family the destination's
 * MX hosts have addresses of (both when that cannot be told): Exim may
 * take either, so the worse outcome is the prediction (of two alike, the
 * one SPF fails from), and it names the address it is for.
 *
 * Then the destination's profile. Each rule is yes, no or undecided:
 *   dmarc=policy   DMARC fail and the applied policy is reject (or
 *                  quarantine under dmarc=strict)
 *   always=        the From domain is listed and DMARC fails
 *   require=spf    SPF is not pass
 *   require=dkim   no signature verifies
 *   require=dmarc  DMARC is not pass (no record counts as not pass)
 * Refused when one rule is yes: a definite reason stands whatever else
 * is undecided. Otherwise temp when one is undecided (a temperror that
 * could flip it). An MX lookup that failed temporarily leaves the
 * profile unknown, so the prediction is temp whatever the rules say: a
 * lost query never becomes a refusal.
 *
 * require= applies to every sender, although Outlook.com's 5.7.515 rule
 * is for senders of 5,000 messages a day or more: volume is not
 * something a host can see per message, and the fix it leads to (an
 * aligned DKIM key, an SPF-authorised return path) is good practice
 * anyway. A profile that should not apply it leaves require= out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "aa_plan.h"
#include "aa_str.h"

#define MX_NAMES_MAX 16		/* MX names of a destination matched against profiles */
#define DKIM_OURS_MAX 2		/* our signature and the relay's */

enum tri { NO = 0, YES, UNDECIDED };

/* The destination's MX names: given, looked up, or the domain itself (RFC 5321 5.1 implicit MX). */
static void destination_mx(struct aa_ctx *ctx, const struct aa_out_msg *msg, const char *const **mx_r,
			   size_t *n_r, int *temp_r)
{
	const struct aa_dns_answer *a;
	const char **names;
	size_t n = 0;

	*mx_r = msg->mx;
	*n_r = msg->mx_count;
	*temp_r = 0;
	if (msg->mx != NULL || msg->rcpt_domain == NULL)
		return;
	a = aa_dns_lookup(ctx->dns, msg->rcpt_domain, AA_DNS_MX);
	if (aa_dns_is_temp(a->status)) {
		*temp_r = 1;
		*n_r = 0;
		return;
	}
	names = aa_arena_alloc(ctx->arena, MX_NAMES_MAX * sizeof(*names));
	if (names == NULL) {
		*temp_r = 1;
		return;
	}
	if (a->status == AA_DNS_OK) {
		for (size_t i = 0; i < a->count && n < MX_NAMES_MAX; i++)
			if (a->rr[i].type == AA_DNS_MX && a->rr[i].text != NULL)
				names[n++] = a->rr[i].text;
	} else {
		names[n++] = msg->rcpt_domain;
	}
	*mx_r = names;
	*n_r = n;
}

static int list_has(const char *const *list, const char *domain)
{
	for (size_t i = 0; list != NULL && domain != NULL && list[i] != NULL; i++)
		if (strcasecmp(list[i], domain) == 0)
			return 1;
	return 0;
}

/* The signature our transport adds: it verifies when its key record is
 * published and, when our key file can be read, holds the file's public
 * half. A file Exim cannot sign with (missing, no key in it) leaves the
 * message unsigned (dkim_strict unset); one this process may not read
 * (the transport may run as another user) is not held against it. */
static void our_signature(struct aa_ctx *ctx, const struct aa_out_change *chg, struct aa_dkim_result *d,
			  struct aa_prediction *r)
{
	struct aa_dkim_pub key;
	const struct aa_dkim_pub *ours = NULL;
	struct aa_dkim_sig *s;
	const char *why = NULL;
	int err = 0, other = 0;

	if (chg->sign_key_file != NULL && chg->sign_selector != NULL) {
		if (aa_dkim_pub_from_file(chg->sign_key_file, &key, &err, &why) == 0) {
			ours = &key;
			r->dkim_key_record = aa_dkim_pub_record(ctx, &key);
		} else if (err != EACCES && err != EPERM && err != ENOMEM) {
			r->dkim_key_file_error = why;
			return;
		}
	}
	s = &d->sigs[d->count++];
	memset(s, 0, sizeof(*s));
	s->domain = chg->sign_domain;
	s->selector = chg->sign_selector;
	s->result = chg->sign_selector != NULL ?
		aa_dkim_key_lookup(ctx, chg->sign_selector, chg->sign_domain, ours, &other, &why) : AA_PASS;
	s->reason = s->result == AA_FAIL ? why : "signed by our transport";
	r->dkim_key_missing = s->result == AA_FAIL && !other;
	r->dkim_key_mismatch = s->result == AA_FAIL && other;
}

/* The relay's signature, d= dom: it verifies when every selector the
 * route names is published for dom (the relay may sign with any; one
 * missing is a fail, whatever the others' lookups gave); without
 * dkim_selectors= its key is assumed published. */
static void relay_signature(struct aa_ctx *ctx, const struct aa_route *route, const char *dom,
			    struct aa_dkim_result *d, struct aa_prediction *r)
{
	struct aa_dkim_sig *s = &d->sigs[d->count++];
	struct aa_str missing;

	memset(s, 0, sizeof(*s));
	s->domain = dom;
	s->result = AA_PASS;
	s->reason = "signed by the relay";
	r->relay_dkim_domain = dom;
	aa_str_init(&missing, ctx->arena, AA_STR_NO_CAP);
	for (size_t i = 0; route->dkim_selectors != NULL && route->dkim_selectors[i] != NULL; i++) {
		const char *sel = route->dkim_selectors[i], *why;
		int other;
		enum aa_result k = aa_dkim_key_lookup(ctx, sel, dom, NULL, &other, &why);

		if (s->selector == NULL)
			s->selector = sel;
		if (k == AA_FAIL) {
			aa_str_printf(&missing, "%s%s._domainkey.%s", s->result == AA_FAIL ? " and " : "", sel, dom);
			s->result = AA_FAIL;
			s->selector = sel;
		} else if (k == AA_TEMPERROR && s->result == AA_PASS) {
			s->result = AA_TEMPERROR;
		}
	}
	if (s->result == AA_FAIL) {
		r->relay_keys_missing = aa_str_finish(&missing, NULL);
		if (r->relay_keys_missing == NULL)
			s->result = AA_TEMPERROR;	/* out of memory */
		s->reason = "the relay's key is not published";
	}
}

/* The signatures the receiver will verify. */
static int dkim_on_arrival(struct aa_ctx *ctx, const struct aa_out_msg *msg, const struct aa_route *route,
			   const struct aa_out_change *chg, struct aa_dkim_result *d, struct aa_prediction *r)
{
	const char *from = msg->from != NULL && msg->from->status == AA_FROM_OK ? msg->from->domain : NULL;
	const char *relay;

	memset(d, 0, sizeof(*d));
	d->sigs = aa_arena_alloc(ctx->arena, AA_DKIM_SIGS_MAX * sizeof(*d->sigs));
	if (d->sigs == NULL)
		return -1;
	/* what verifies now survives: we and the relay only add header fields */
	for (size_t i = 0; msg->dkim != NULL && i < msg->dkim->count && i < AA_DKIM_SIGS_MAX; i++) {
		const struct aa_dkim_sig *s = &msg->dkim->sigs[i];

		if (d->count >= AA_DKIM_SIGS_MAX - DKIM_OURS_MAX)
			break;
		if (s->result == AA_PASS || s->result == AA_TEMPERROR)
			d->sigs[d->count++] = *s;
	}
	if (chg->sign_domain != NULL)
		our_signature(ctx, chg, d, r);
	relay = from != NULL ? aa_route_signer(route, from) : NULL;
	if (relay != NULL)
		relay_signature(ctx, route, relay, d, r);
	return 0;
}

static const char *spf_words(struct aa_ctx *ctx, const struct aa_spf_result *s, const char *ip)
{
	const char *d = s->domain != NULL && *s->domain != '\0' ? s->domain : "(no domain)";

	switch (s->result) {
	case AA_PASS:
		return aa_arena_printf(ctx->arena, "SPF pass, %s permitted by %s", ip, d);
	case AA_FAIL:
	case AA_SOFTFAIL:
	case AA_NEUTRAL:
		return aa_arena_printf(ctx->arena, "SPF %s, %s not permitted by %s", aa_result_name(s->result), ip, d);
	case AA_NONE:
		return aa_arena_printf(ctx->arena, "SPF none, no SPF record for %s", d);
	default:
		return aa_arena_printf(ctx->arena, "SPF %s for %s (%s)", aa_result_name(s->result), d,
				       s->reason != NULL ? s->reason : "");
	}
}

static const char *dkim_words(struct aa_ctx *ctx, const struct aa_prediction *r, int any_temp,
			      const struct aa_out_change *chg)
{
	if (r->dkim_key_file_error != NULL)
		return aa_arena_printf(ctx->arena, "no DKIM: key file %s: %s", chg->sign_key_file,
				       r->dkim_key_file_error);
	if (r->dkim_key_mismatch)
		return aa_arena_printf(ctx->arena, "DKIM fail: the key published at %s._domainkey.%s is not "
				       "the one in %s", chg->sign_selector, chg->sign_domain, chg->sign_key_file);
	if (r->dkim_key_missing)
		return aa_arena_printf(ctx->arena, "no DKIM key published at %s._domainkey.%s",
				       chg->sign_selector, chg->sign_domain);
	if (r->dkim_aligned_pass)
		return aa_arena_printf(ctx->arena, "DKIM pass, d=%s aligned", r->dkim_domain);
	if (r->dkim_any_pass && r->dmarc.result == AA_NONE)
		return aa_arena_printf(ctx->arena, "DKIM pass, d=%s (no DMARC record to align with)", r->dkim_domain);
	if (r->dkim_any_pass)
		return aa_arena_printf(ctx->arena, "DKIM pass for d=%s only, not aligned", r->dkim_domain);
	if (r->relay_keys_missing != NULL)
		return aa_arena_printf(ctx->arena, "DKIM fail: the relay's key is not published at %s",
				       r->relay_keys_missing);
	if (any_temp)
		return "DKIM undecided (key lookup failed temporarily)";
	return "no DKIM";
}

/* One more reason, after "; "; NULL is a reason that found no memory. */
static void add(struct aa_str *why, const char *part)
{
	if (part == NULL)
		aa_str_nomem(why);
	else if (aa_str_len(why) == 0)
		aa_str_addz(why, part);
	else
		aa_str_printf(why, "; %s", part);
}

/* The reasons as the prediction's reason (none when there are none); a
 * reason that found no memory makes the prediction temp, as elsewhere. */
static void set_reason(struct aa_prediction *r, struct aa_str *why, const char *none)
{
	const char *text = aa_str_finish(why, NULL);

	if (text == NULL) {
		r->refused = 0;
		r->temp = 1;
		r->reason = "out of memory";
		return;
	}
	r->reason = aa_str_len(why) > 0 ? text : none;
}

/* A From that names no single author domain to judge (aa_dmarc.h): a
 * receiver that enforces DMARC refuses it, whatever route or signature. */
static int from_unreadable(const struct aa_out_msg *msg)
{
	return msg->from != NULL && aa_from_unreadable(msg->from->status) &&
	       msg->from->status != AA_FROM_NOMEM;
}

static void decide(struct aa_ctx *ctx, const struct aa_out_msg *msg, const struct aa_out_change *chg,
		   int dkim_temp, struct aa_prediction *r)
{
	const struct aa_profile *p = r->profile;
	const struct aa_dmarc_result *dm = &r->dmarc;
	const char *from = dm->from_domain;
	enum tri dmarc = NO, always = NO, spf = NO, dkim = NO, dmarc_req = NO, auth = NO;
	struct aa_str why;
	const char *spf_txt = spf_words(ctx, &r->spf, r->egress);
	const char *dkim_txt = dkim_words(ctx, r, dkim_temp, chg);
	const char *dmarc_txt;

	aa_str_init(&why, ctx->arena, AA_STR_NO_CAP);
	if (p->dmarc_policy && dm->result == AA_FAIL &&
	    (dm->policy == AA_POLICY_REJECT || (p->quarantine_refused && dm->policy == AA_POLICY_QUARANTINE)))
		dmarc = YES;
	else if (p->dmarc_policy && dm->result == AA_TEMPERROR)
		dmarc = UNDECIDED;
	else if (p->dmarc_policy && from_unreadable(msg))
		dmarc = YES;	/* no single author domain: never a pass (RFC 9989) */
	if (list_has(p->always, from))
		always = dm->result == AA_FAIL ? YES : dm->result == AA_TEMPERROR ? UNDECIDED : NO;
	if (p->require_spf)
		spf = r->spf.result == AA_PASS ? NO : r->spf.result == AA_TEMPERROR ? UNDECIDED : YES;
	if (p->require_dkim)
		dkim = r->dkim_any_pass ? NO : dkim_temp ? UNDECIDED : YES;
	if (p->require_dmarc)
		dmarc_req = dm->result == AA_PASS ? NO : dm->result == AA_TEMPERROR ? UNDECIDED : YES;
	if (p->require_auth)
		auth = r->spf.result == AA_PASS || r->dkim_any_pass ? NO :
		       r->spf.result == AA_TEMPERROR || dkim_temp ? UNDECIDED : YES;
	dmarc_txt = from_unreadable(msg) ?
		aa_arena_printf(ctx->arena, "DMARC permerror: %s, so the author domain cannot be checked",
				msg->from->reason != NULL ? msg->from->reason : "the From field cannot be read") :
		dm->result == AA_NONE || dm->result == AA_PERMERROR ?
		aa_arena_printf(ctx->arena, "DMARC %s for %s", aa_result_name(dm->result), from != NULL ? from : "(no From domain)") :
		aa_arena_printf(ctx->arena, "DMARC %s under p=%s", aa_result_name(dm->result),
				aa_dmarc_policy_name(dm->result == AA_PASS ? dm->published : dm->policy));
	r->spf_failed = r->spf.result != AA_PASS || (dm->result == AA_FAIL && !dm->spf_aligned);
	r->always_failed = always == YES;
	r->dmarc_missing = dmarc_req == YES && dm->result == AA_NONE;
	if (!r->mx_temp && (dmarc == YES || always == YES || spf == YES || dkim == YES || dmarc_req == YES ||
			    auth == YES)) {
		r->refused = 1;
		r->status = p->status;
		if (spf == YES || dmarc == YES || always == YES || dmarc_req == YES || auth == YES)
			add(&why, spf_txt);
		if (dkim == YES || dmarc == YES || always == YES || dmarc_req == YES || auth == YES)
			add(&why, dkim_txt);
		if (auth == YES)
			add(&why, aa_arena_printf(ctx->arena, "%s refuses mail that neither SPF nor DKIM "
						       "authenticates", p->name));
		if (dmarc == YES || dmarc_req == YES || always == YES)
			add(&why, dmarc_txt);
		if (always == YES)
			add(&why, aa_arena_printf(ctx->arena, "%s enforces DMARC for %s whatever its policy",
						       p->name, from));
		set_reason(r, &why, NULL);
		return;
	}
	if (r->mx_temp || dmarc == UNDECIDED || always == UNDECIDED || spf == UNDECIDED ||
	    dkim == UNDECIDED || dmarc_req == UNDECIDED || auth == UNDECIDED) {
		r->temp = 1;
		if (r->mx_temp)
			add(&why, aa_arena_printf(ctx->arena, "MX lookup for %s failed temporarily",
						       msg->rcpt_domain));
		if (spf == UNDECIDED || (r->spf.result == AA_TEMPERROR && dm->result == AA_TEMPERROR))
			add(&why, spf_txt);
		if (dkim == UNDECIDED || (dkim_temp && dm->result == AA_TEMPERROR))
			add(&why, dkim_txt);
		if (dm->result == AA_TEMPERROR)
			add(&why, aa_arena_printf(ctx->arena, "DMARC temperror (%s)",
						       dm->reason != NULL ? dm->reason : ""));
		set_reason(r, &why, "a DNS lookup failed temporarily");
		return;
	}
	/* accepted; under p=quarantine a failure goes to the junk folder */
	r->junk = p->dmarc_policy && dm->result == AA_FAIL && dm->policy == AA_POLICY_QUARANTINE;
	add(&why, spf_txt);
	add(&why, dkim_txt);
	add(&why, dmarc_txt);
	set_reason(r, &why, NULL);
}

const char *aa_prediction_outcome(const struct aa_prediction *p)
{
	return p->temp ? "temp" : p->refused ? "refused" : p->junk ? "junk" : "pass";
}

/* The address families the destination can be reached over: those of
 * its MX hosts' addresses (A, AAAA), asked only for a route that may
 * send from both. Both when it cannot be told (a lookup failed, or no
 * host has an address). */
static void destination_families(struct aa_ctx *ctx, const struct aa_out_msg *msg, const char *const *mx,
				 size_t n, int *v4_r, int *v6_r)
{
	const char *const *names = mx;
	int v4 = 0, v6 = 0;

	if (n == 0) {
		if (msg->rcpt_domain == NULL) {
			*v4_r = *v6_r = 1;
			return;
		}
		names = &msg->rcpt_domain;
		n = 1;
	}
	for (size_t i = 0; i < n && i < MX_NAMES_MAX; i++) {
		const struct aa_dns_answer *a4 = aa_dns_lookup(ctx->dns, names[i], AA_DNS_A);
		const struct aa_dns_answer *a6 = aa_dns_lookup(ctx->dns, names[i], AA_DNS_AAAA);

		if (aa_dns_is_temp(a4->status) || aa_dns_is_temp(a6->status)) {
			*v4_r = *v6_r = 1;
			return;
		}
		v4 |= a4->status == AA_DNS_OK;
		v6 |= a6->status == AA_DNS_OK;
	}
	*v4_r = v4 || !v6;
	*v6_r = v6 || !v4;
}

/* 1 for an IPv6 address. */
static int is_ip6(const char *ip)
{
	return strchr(ip, ':') != NULL;
}

/* Worse outcomes rank higher: refused, temp, junk, pass. */
static int outcome_rank(const struct aa_prediction *p)
{
	return p->refused ? 3 : p->temp ? 2 : p->junk ? 1 : 0;
}

/* SPF from ip, then DMARC and the profile's verdict, into r (whose
 * route, profile, envelope and DKIM on arrival are set). */
static void judge_from(struct aa_ctx *ctx, const struct aa_outbound *ob, const struct aa_out_msg *msg,
		       const struct aa_out_change *chg, const struct aa_dkim_result *arrival, int dkim_temp,
		       const char *ip, const char *helo, struct aa_prediction *r)
{
	struct aa_dmarc_input din;

	r->egress = ip;
	aa_spf_check(ctx, ip, helo, r->env_sender, &r->spf, NULL);	/* receivers judge MAIL FROM */
	memset(&din, 0, sizeof(din));
	din.from = msg->from;
	din.spf = &r->spf;
	din.dkim = arrival;
	din.mode = ob->dmarc_mode;
	aa_dmarc_evaluate(ctx, &din, &r->dmarc);
	if (r->dmarc.dkim_aligned) {
		r->dkim_aligned_pass = 1;
		r->dkim_domain = r->dmarc.dkim_domain;
	}
	decide(ctx, msg, chg, dkim_temp, r);
}

int aa_predict_change(struct aa_ctx *ctx, const struct aa_outbound *ob, const struct aa_out_msg *msg,
		      const struct aa_route *route, const struct aa_out_change *chg, struct aa_prediction *r)
{
	static const struct aa_out_change none;
	struct aa_dkim_result *arrival;
	struct aa_prediction *other;
	const char *const *mx;
	const char *helo, *why;
	size_t mx_count;
	int dkim_temp = 0;

	if (chg == NULL)
		chg = &none;
	memset(r, 0, sizeof(*r));
	r->route = route;
	if (route == NULL || aa_route_check_egress(route->egress_ip, &why) < 0) {
		r->temp = 1;
		r->reason = route == NULL ? "no route" : why;
		return -1;
	}
	destination_mx(ctx, msg, &mx, &mx_count, &r->mx_temp);
	r->profile = aa_profile_match(ob->profiles, msg->rcpt_domain, mx, mx_count);
	if (r->profile == NULL) {
		r->temp = 1;
		r->reason = "no destination profiles loaded";
		return -1;
	}
	r->env_sender = chg->return_path != NULL ? chg->return_path :
			msg->env_sender != NULL ? msg->env_sender : "";
	arrival = aa_arena_alloc(ctx->arena, sizeof(*arrival));
	if (arrival == NULL || dkim_on_arrival(ctx, msg, route, chg, arrival, r) < 0) {
		r->temp = 1;
		r->reason = "out of memory";
		return -1;
	}
	r->dkim_count = arrival->count;
	for (size_t i = 0; i < arrival->count; i++) {
		if (arrival->sigs[i].result == AA_PASS && !r->dkim_any_pass) {
			r->dkim_any_pass = 1;
			r->dkim_domain = arrival->sigs[i].domain;
		}
		dkim_temp |= arrival->sigs[i].result == AA_TEMPERROR;
	}
	helo = route->helo != NULL ? route->helo : msg->helo_default != NULL ? msg->helo_default : "";
	if (route->egress_ip2 != NULL) {
		int v4, v6;

		destination_families(ctx, msg, mx, mx_count, &v4, &v6);
		if (!(is_ip6(route->egress_ip) ? v6 : v4)) {
			judge_from(ctx, ob, msg, chg, arrival, dkim_temp, route->egress_ip2, helo, r);
			return 0;
		}
		if (!(is_ip6(route->egress_ip2) ? v6 : v4)) {
			judge_from(ctx, ob, msg, chg, arrival, dkim_temp, route->egress_ip, helo, r);
			return 0;
		}
	} else {
		judge_from(ctx, ob, msg, chg, arrival, dkim_temp, route->egress_ip, helo, r);
		return 0;
	}
	other = aa_arena_alloc(ctx->arena, sizeof(*other));
	if (other == NULL) {
		r->temp = 1;
		r->reason = "out of memory";
		return -1;
	}
	*other = *r;		/* nothing judged yet: the same start for both */
	judge_from(ctx, ob, msg, chg, arrival, dkim_temp, route->egress_ip, helo, r);
	judge_from(ctx, ob, msg, chg, arrival, dkim_temp, route->egress_ip2, helo, other);
	/* the worse; of two alike, the one SPF fails from (its fix is the one missing) */
	if (outcome_rank(other) > outcome_rank(r) ||
	    (outcome_rank(other) == outcome_rank(r) && r->spf.result == AA_PASS && other->spf.result != AA_PASS)) {
		const char *first = r->spf.result != AA_PASS ? r->egress : NULL;

		*r = *other;
		r->spf_fails_also = first;
	} else if (other->spf.result != AA_PASS) {
		r->spf_fails_also = other->egress;
	}
	return 0;
}

int aa_predict(struct aa_ctx *ctx, const struct aa_outbound *ob, const struct aa_out_msg *msg,
	       const struct aa_route *route, const char *sign_domain, const char *return_path,
	       struct aa_prediction *r)
{
	struct aa_out_change chg = { .sign_domain = sign_domain, .return_path = return_path };

	return aa_predict_change(ctx, ob, msg, route, &chg, r);
}
