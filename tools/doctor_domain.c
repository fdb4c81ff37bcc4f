/* doctor_domain.c - one hosted domain: the records of its own (doctor_spf.c,
 * doctor_dmarc.c), the DKIM key that signs it (authalign's outbound
 * domains table, cPanel's /var/cpanel/domain_keys, or Exim's own
 * dkim_private_key with $dkim_domain in it), and what Microsoft 365,
 * Outlook.com and Gmail would do with its mail: sent directly from this
 * host's egress, and through each of authalign's routes. The verdicts are
 * the predictor's (core/plan), the one the closed loop plans with.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "aa_dkim.h"
#include "aa_dns.h"
#include "aa_from.h"
#include "aa_outbound.h"
#include "aa_owner.h"
#include "aa_plan.h"
#include "aa_spf.h"
#include "doctor.h"
#include "tool.h"

/* The receivers an admin's bounce comes from, as their profiles match. */
static const struct receiver {
	const char *name, *rcpt, *mx;
} receivers[] = {
	{ "Microsoft 365", "m365-tenant.invalid", "m365-tenant-invalid.mail.protection.outlook.com" },
	{ "Outlook.com", "outlook.com", "outlook-com.olc.protection.outlook.com" },
	{ "Gmail", "gmail.com", "gmail-smtp-in.l.google.com" },
};

struct key {
	char file[DOCTOR_PATH_MAX], selector[64], domain[DOCTOR_NAME_MAX], source[DOCTOR_NAME_MAX];
};

/* Exim's key path with its $dkim_domain replaced by domain, under root */
static int exim_key_path(const struct doctor *d, const char *domain, char *out, size_t size)
{
	const char *tpl = d->exim_dkim_key, *names[] = { "${dkim_domain}", "$dkim_domain" };
	char path[DOCTOR_PATH_MAX];
	size_t o = 0;

	while (*tpl != '\0' && o + 1 < sizeof(path)) {
		size_t k;

		for (k = 0; k < 2 && strncmp(tpl, names[k], strlen(names[k])) != 0; k++)
			;
		if (k < 2) {
			o += (size_t)snprintf(path + o, sizeof(path) - o, "%s", domain);
			o = o < sizeof(path) ? o : sizeof(path) - 1;
			tpl += strlen(names[k]);
		} else {
			path[o++] = *tpl++;
		}
	}
	path[o < sizeof(path) ? o : sizeof(path) - 1] = '\0';
	if (strchr(path, '$') != NULL)
		return -1;
	doctor_fmt(out, size, "%s%s", strcmp(d->root, "/") == 0 ? "" : d->root, path);
	return 0;
}

/* Who signs domain's mail here, and with what; 0 when nobody does. */
static int find_key(const struct doctor *d, const struct aa_config *cfg, const char *domain, struct key *k)
{
	struct aa_out_policy pol;
	char path[DOCTOR_PATH_MAX];

	aa_outbound_policy(&cfg->outbound, domain, &pol);
	if (pol.dkim_key_file != NULL && pol.dkim_selector != NULL) {
		doctor_fmt(k->file, sizeof(k->file), "%s", pol.dkim_key_file);
		doctor_fmt(k->selector, sizeof(k->selector), "%s", pol.dkim_selector);
		doctor_fmt(k->domain, sizeof(k->domain), "%s", pol.dkim_domain != NULL ? pol.dkim_domain : domain);
		doctor_fmt(k->source, sizeof(k->source), "outbound domains table, key %s",
			 pol.matched_key != NULL ? pol.matched_key : domain);
		return 1;
	}
	doctor_fmt(path, sizeof(path), "%s/var/cpanel/domain_keys/private/%s", strcmp(d->root, "/") == 0 ? "" :
		 d->root, domain);
	if (d->cpanel && access(path, F_OK) == 0) {
		doctor_fmt(k->file, sizeof(k->file), "%s", path);
		doctor_fmt(k->selector, sizeof(k->selector), "default");
		doctor_fmt(k->domain, sizeof(k->domain), "%s", domain);
		doctor_fmt(k->source, sizeof(k->source), "cPanel's key");
		return 1;
	}
	if (d->exim_dkim_key[0] != '\0' && exim_key_path(d, domain, path, sizeof(path)) == 0 &&
	    access(path, F_OK) == 0) {
		doctor_fmt(k->file, sizeof(k->file), "%s", path);
		doctor_fmt(k->selector, sizeof(k->selector), "%s", d->exim_dkim_selector);
		doctor_fmt(k->domain, sizeof(k->domain), "%s", domain);
		doctor_fmt(k->source, sizeof(k->source), "transport %s", d->exim_dkim_transport);
		return 1;
	}
	return 0;
}

/* The key file readable, its public half published at the selector:
 * 1 when the signature will verify, 0 when not (a finding), -1 unknown. */
static int check_key(struct doctor *d, struct aa_ctx *ctx, const struct key *k, const char *refusal)
{
	char name[DOCTOR_NAME_MAX + 80], fix[DOCTOR_TEXT_MAX + 1024], chunks[DOCTOR_TEXT_MAX];
	const char *why = NULL, *rec;
	struct aa_dkim_pub pub;
	enum aa_result res;
	int err = 0, other = 0;

	doctor_fmt(name, sizeof(name), "%s._domainkey.%s", k->selector, k->domain);
	if (aa_dkim_pub_from_file(k->file, &pub, &err, &why) < 0) {
		doctor_add(d, refusal != NULL ? SEV_BOUNCE : SEV_WARNING, k->file, refusal, "make the key file "
			   "readable by Exim (a PEM private "
			   "key), or give the right path", "the DKIM key file (%s) cannot be used: %s; Exim sends "
			   "the domain's mail unsigned", k->source, why != NULL ? why : "unreadable");
		return 0;
	}
	res = aa_dkim_key_lookup(ctx, k->selector, k->domain, &pub, &other, &why);
	if (res == AA_TEMPERROR) {
		doctor_add(d, SEV_WARNING, name, NULL, DOCTOR_FIX_AGAIN, "the DKIM key lookup failed temporarily: "
			   "not checked");
		return -1;
	}
	if (res == AA_PASS)
		return 1;
	rec = aa_dkim_pub_record(ctx, &pub);
	/* a fix is printed whole or not at all: a cut key is a broken record */
	if (rec != NULL && doctor_quoted_chunks(rec, chunks, sizeof(chunks)) == 0 &&
	    strlen(name) + strlen(chunks) + 32 < DOCTOR_TEXT_MAX)
		doctor_fmt(fix, sizeof(fix), "publish: %s TXT %s%s", name, chunks, other && strstr(why, "beside") !=
			   NULL ? " and delete the other record there" : "");
	else
		doctor_fmt(fix, sizeof(fix), "publish at %s a TXT record \"v=DKIM1; k=%s; p=KEY\" where KEY is the "
			   "public half of %s (too long to print here): openssl pkey -in %s -pubout -outform DER | "
			   "base64 -w0", name, pub.ed25519 ? "ed25519" : "rsa", k->file, k->file);
	doctor_add(d, refusal != NULL ? SEV_BOUNCE : SEV_WARNING, name, refusal, fix, "%s: receivers cannot "
		   "verify the signature made with %s (%s); DKIM fails, so DMARC rests on SPF alone", other &&
		   strstr(why, "beside") != NULL ? "another key is published beside the one Exim signs with (a "
		   "receiver may take either)" : other ? "the key published is not the public half of the key Exim "
		   "signs with" : why, k->file, k->source);
	return 0;
}

/* The egress of domain's direct mail: its own (cPanel mailips), or
 * authalign's outbound_egress, or the transports'; one per family. */
static void direct_egress(const struct doctor *d, const struct aa_config *cfg, const char *domain,
			  const struct egress **v4, const struct egress **v6, struct egress *from_cfg)
{
	*v4 = *v6 = NULL;
	for (int pass = 0; pass < 2 && *v4 == NULL && *v6 == NULL; pass++)
		for (size_t i = 0; i < d->egress_n; i++) {
			const struct egress *e = &d->egress[i];

			if ((pass == 0 ? strcasecmp(e->domain, domain) != 0 : e->domain[0] != '\0') ||
			    doctor_is_private(e->ip))
				continue;	/* receivers see another address than a private one */
			if (strchr(e->ip, ':') != NULL && *v6 == NULL)
				*v6 = e;
			else if (strchr(e->ip, ':') == NULL && *v4 == NULL)
				*v4 = e;
		}
	if (*v4 == NULL && *v6 == NULL && cfg->outbound.direct.egress_ip != NULL) {
		doctor_fmt(from_cfg->ip, sizeof(from_cfg->ip), "%s", cfg->outbound.direct.egress_ip);
		doctor_fmt(from_cfg->helo, sizeof(from_cfg->helo), "%s", cfg->outbound.direct.helo != NULL ?
			 cfg->outbound.direct.helo : d->primary_hostname);
		doctor_fmt(from_cfg->source, sizeof(from_cfg->source), "outbound_egress");
		*v4 = from_cfg;
	}
}

/* The SPF record with ip added after v=spf1 (or a new one), as TXT
 * strings; said in words when it cannot be printed whole. */
static void spf_fix(char *out, size_t size, const char *domain, const char *record, const char *ip,
		    const char *ip2)
{
	char add[160], rec[DOCTOR_TEXT_MAX], chunks[DOCTOR_TEXT_MAX];

	doctor_fmt(add, sizeof(add), "%s:%s%s%s", strchr(ip, ':') != NULL ? "ip6" : "ip4", ip, ip2 != NULL ?
		   (strchr(ip2, ':') != NULL ? " ip6:" : " ip4:") : "", ip2 != NULL ? ip2 : "");
	if (record[0] != '\0')
		doctor_fmt(rec, sizeof(rec), "v=spf1 %s%s", add, record + 6);
	else
		doctor_fmt(rec, sizeof(rec), "v=spf1 %s -all", add);
	if (strlen(record) + strlen(add) + 8 < sizeof(rec) && doctor_quoted_chunks(rec, chunks, sizeof(chunks)) == 0 &&
	    strlen(chunks) + strlen(domain) + 64 < size)
		doctor_fmt(out, size, "publish: %s TXT %s%s", domain, chunks, record[0] != '\0' ? " (the record "
			   "with the address added)" : "");
	else
		doctor_fmt(out, size, "add %s after v=spf1 in the SPF record of %s (the record is too long to print "
			   "here)", add, domain);
}

static void add_verdict(struct doctor *d, const char *receiver, const char *via, const struct aa_prediction *p,
			int bulk_only)
{
	struct verdict *v;

	if (d->v_n >= DOCTOR_VERDICTS_MAX)
		return;
	v = &d->v[d->v_n++];
	doctor_fmt(v->receiver, sizeof(v->receiver), "%s", receiver);
	doctor_fmt(v->via, sizeof(v->via), "%s", via);
	doctor_fmt(v->outcome, sizeof(v->outcome), "%s", p->temp ? "undecided" : p->refused ? "refused" :
		   p->junk ? "junk" : "inbox");
	doctor_fmt(v->status, sizeof(v->status), "%s", p->refused && p->status != NULL ? p->status : "");
	doctor_fmt(v->reason, sizeof(v->reason), "%s", p->reason != NULL ? p->reason : "");
	v->bulk_only = bulk_only;
	if (p->temp)
		d->undecided++;
	if (p->refused && bulk_only) {
		d->refusals_bulk++;
	} else if (p->refused) {
		d->refusals++;
		if (d->refusal[0] == '\0')
			doctor_fmt(d->refusal, sizeof(d->refusal), "550 %s", p->status != NULL ? p->status : "");
	}
}

static int requires(const struct aa_prediction *p)
{
	return p->profile != NULL && (p->profile->require_spf || p->profile->require_dkim || p->profile->require_dmarc);
}

#define RECEIVERS (sizeof(receivers) / sizeof(receivers[0]))

/* Each receiver's verdict on domain's mail over route; into first the
 * first refused prediction, else the first one (SPF is the same at each).
 * A refusal by a profile's require= (Outlook.com's rule for senders of
 * 5,000+ messages a day) where a receiver that applies DMARC alone takes
 * the message is marked as a bulk sender's. */
static void judge(struct doctor *d, struct aa_ctx *ctx, const struct aa_config *cfg, const char *domain,
		  const struct aa_route *route, const struct aa_out_change *chg, const char *via,
		  struct aa_prediction *first)
{
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_dkim_result none = { 0 };
	char sender[DOCTOR_NAME_MAX + 16];
	const char *domains[1] = { domain };
	struct aa_from from = { .status = AA_FROM_OK, .domain = domain, .addresses = 1, .domains = domains,
				.domain_count = 1 };
	struct aa_prediction p[RECEIVERS];
	int dmarc_alone_takes = 0;

	doctor_fmt(sender, sizeof(sender), "postmaster@%s", domain);
	for (size_t i = 0; i < RECEIVERS; i++) {
		const char *mx[1] = { receivers[i].mx };
		struct aa_out_msg msg = { .env_sender = sender, .helo_default = d->primary_hostname, .from = &from,
					  .dkim = &none, .rcpt_domain = receivers[i].rcpt, .mx = mx, .mx_count = 1,
					  .submitter = &owner };

		if (aa_predict_change(ctx, &cfg->outbound, &msg, route, chg, &p[i]) < 0)
			p[i].temp = 1;
		dmarc_alone_takes |= !requires(&p[i]) && !p[i].refused && !p[i].temp;
	}
	for (size_t i = 0; i < RECEIVERS; i++) {
		add_verdict(d, receivers[i].name, via, &p[i], p[i].refused && requires(&p[i]) && dmarc_alone_takes);
		if (first != NULL && (i == 0 || (p[i].refused && !first->refused)))
			*first = p[i];
	}
}

/* The qualifier of record's final all ("-all"), or "no all" */
static const char *ending(const char *record, char *buf, size_t size)
{
	const char *p = NULL;

	for (const char *q = record; (q = strcasestr(q, "all")) != NULL; q += 3)
		if ((q[-1] == ' ' || strchr("+-~?", q[-1]) != NULL) && (q[3] == ' ' || q[3] == '\0'))
			p = q;
	if (p == NULL)
		return "no all (neutral for every other host)";
	doctor_fmt(buf, size, "%sall", strchr("+-~?", p[-1]) != NULL ? (char[]){ p[-1], '\0' } : "+");
	return buf;
}

void doctor_resolve_smarthost(struct doctor *d, struct aa_ctx *ctx)
{
	const struct aa_dns_answer *a, *b;
	unsigned char bin[16];

	d->smarthost_ip[0] = '\0';
	if (inet_pton(AF_INET, d->smarthost, bin) == 1 || inet_pton(AF_INET6, d->smarthost, bin) == 1) {
		doctor_fmt(d->smarthost_ip, sizeof(d->smarthost_ip), "%s", d->smarthost);
		return;		/* an address: nothing to resolve */
	}
	a = aa_dns_lookup(ctx->dns, d->smarthost, AA_DNS_A);
	if (a->status == AA_DNS_OK && inet_ntop(AF_INET, &a->rr[0].a, d->smarthost_ip, sizeof(d->smarthost_ip)))
		return;
	b = aa_dns_lookup(ctx->dns, d->smarthost, AA_DNS_AAAA);
	if (b->status == AA_DNS_OK && inet_ntop(AF_INET6, &b->rr[0].aaaa, d->smarthost_ip, sizeof(d->smarthost_ip)))
		return;
	d->smarthost_ip[0] = '\0';
	if (aa_dns_is_temp(a->status) || aa_dns_is_temp(b->status))
		doctor_add(d, SEV_WARNING, d->smarthost_from, NULL, DOCTOR_FIX_AGAIN, "the address lookup of the "
			   "smarthost %.200s failed temporarily: not checked", d->smarthost);
	else
		doctor_add(d, SEV_BOUNCE, d->smarthost_from, NULL, "give the smarthost's name as its provider "
			   "writes it", "the smarthost %.200s has no address in DNS: Exim defers all remote mail, "
			   "and bounces it when its retry time runs out", d->smarthost);
}

/* The smarthost's first address, SPF-checked for domain: "host (ip): result" */
static void smarthost_spf(struct doctor *d, struct aa_ctx *ctx, const char *domain, char *out, size_t size)
{
	struct aa_spf_result mf;
	char ip[INET6_ADDRSTRLEN], sender[DOCTOR_NAME_MAX + 16];

	out[0] = '\0';
	if (d->smarthost_ip[0] == '\0')
		return;
	doctor_fmt(ip, sizeof(ip), "%s", d->smarthost_ip);
	doctor_fmt(sender, sizeof(sender), "postmaster@%s", domain);
	if (aa_spf_check(ctx, ip, d->smarthost, sender, &mf, NULL) < 0)
		return;
	doctor_fmt(out, size, "; smarthost %s (%s, one of its addresses): %s", d->smarthost, ip,
		   aa_result_name(mf.result));
	if (mf.result != AA_PASS && mf.result != AA_TEMPERROR)
		doctor_add(d, d->refusal[0] != '\0' ? SEV_BOUNCE : SEV_WARNING, domain, d->refusal[0] != '\0' ?
			   d->refusal : NULL, "add the provider's SPF include (its documentation names "
			   "it) to the domain's record", "SPF of %s does not authorise %s (%s), the smarthost its "
			   "mail leaves through: %s (the provider may send from other addresses: its include is what "
			   "counts)", domain, d->smarthost, ip, aa_result_name(mf.result));
}

/* 1 when domain does not exist in DNS at all (NXDOMAIN): receivers refuse
 * its senders before anything else */
static int missing(struct doctor *d, struct aa_ctx *ctx, const char *domain)
{
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, domain, AA_DNS_TXT);
	char fix[DOCTOR_TEXT_MAX];

	if (a->status != AA_DNS_NXDOMAIN)
		return 0;
	doctor_fmt(fix, sizeof(fix), "send as a domain that exists (Debian: /etc/mailname and qualify_domain), or "
		   "register %s and publish its records", domain);
	doctor_add(d, SEV_BOUNCE, domain, "550 5.1.8", fix, "%s does not exist in DNS: receivers refuse its senders "
		   "(550 5.1.8 Sender address rejected: Domain not found)", domain);
	return 1;
}

void doctor_check_domain(struct doctor *d, struct aa_ctx *ctx, const struct aa_config *cfg, const char *domain)
{
	char spf[2048], via[DOCTOR_NAME_MAX], fix[DOCTOR_TEXT_MAX];
	const struct egress *v4 = NULL, *v6 = NULL, *e = NULL;
	struct egress from_cfg;
	struct aa_out_change chg = { 0 };
	struct aa_prediction p = { 0 };
	const char *refusal;
	struct key k;
	int enforcing, has_dmarc, have_key, judged = 0, spf_findings;

	if (missing(d, ctx, domain))
		return;
	if ((have_key = find_key(d, cfg, domain, &k))) {
		chg.sign_domain = k.domain;
		chg.sign_selector = k.selector;
		chg.sign_key_file = k.file;
	}
	/* the verdicts first: what a fault costs is what they say */
	if (d->smarthost[0] == '\0') {
		direct_egress(d, cfg, domain, &v4, &v6, &from_cfg);
		e = v4 != NULL ? v4 : v6;
	}
	if (e != NULL) {
		struct aa_route direct = cfg->outbound.direct;

		direct.name = "direct";
		direct.egress_ip = e->ip;
		direct.egress_ip2 = v4 != NULL && v6 != NULL ? v6->ip : NULL;
		direct.helo = e->helo[0] != '\0' ? e->helo : NULL;
		doctor_fmt(via, sizeof(via), "direct from %s%s%s%s", e->ip, direct.egress_ip2 != NULL ? " and " : "",
			   direct.egress_ip2 != NULL ? direct.egress_ip2 : "", d->mail_stays ? " (once Exim sends "
			   "to other domains)" : "");
		judge(d, ctx, cfg, domain, &direct, &chg, via, &p);
		judged = 1;
	}
	if (d->smarthost[0] != '\0' && d->smarthost_ip[0] != '\0') {
		/* what receivers see from the relay, if it keeps the envelope
		 * sender and adds no signature of its own */
		struct aa_route relay = cfg->outbound.direct;

		relay.name = "smarthost";
		relay.egress_ip = d->smarthost_ip;
		relay.egress_ip2 = NULL;
		relay.helo = d->smarthost;
		doctor_fmt(via, sizeof(via), "through smarthost %s (from %s, if it keeps the envelope sender and "
			   "signs nothing)", d->smarthost, d->smarthost_ip);
		judge(d, ctx, cfg, domain, &relay, &chg, via, NULL);
	}
	for (size_t i = 0; i < aa_route_count(cfg->outbound.routes); i++) {
		const struct aa_route *r = aa_route_at(cfg->outbound.routes, i);

		doctor_fmt(via, sizeof(via), "route %s", r->name);
		judge(d, ctx, cfg, domain, r, &chg, via, NULL);
	}
	doctor_lint_dmarc(d, ctx, cfg->dmarc_mode, domain, &enforcing, &has_dmarc);
	/* no verdict (no egress known): a policy that rejects is what a fault costs */
	refusal = d->refusal[0] != '\0' ? d->refusal : !judged && enforcing == 2 ? "550 5.7.509" : NULL;
	spf_findings = doctor_lint_spf(d, ctx, domain, spf, sizeof(spf), refusal);
	if (have_key)
		(void)check_key(d, ctx, &k, refusal);
	else
		doctor_add(d, refusal != NULL ? SEV_BOUNCE : SEV_WARNING, domain, refusal, d->cpanel ? "WHM: Email "
			   "Deliverability, Repair for the domain (it makes cPanel's key and publishes or shows its "
			   "default._domainkey record)" : "sign it: a line in "
			   "authalign's outbound domains table ("
			   "DOMAIN: dkim=SELECTOR:KEYFILE, authalign-outbound(5)) or Exim's dkim_* transport "
			   "options, and publish SELECTOR._domainkey.DOMAIN", "no DKIM key signs %s's mail here: "
			   "DMARC rests on SPF alone (a forwarded message fails it)%s; Gmail and Outlook.com want "
			   "DKIM from bulk senders", domain, enforcing == 2 ? ", and its DMARC policy refuses what fails" :
			   enforcing == 1 ? ", and its DMARC policy sends what fails to junk" : "");
	{
		char end[32], via_relay[DOCTOR_TEXT_MAX] = "";

		if (d->smarthost[0] != '\0')
			smarthost_spf(d, ctx, domain, via_relay, sizeof(via_relay));
		if (spf[0] != '\0')
			doctor_fmt(d->spf_summary, sizeof(d->spf_summary), "ends %s%s%s%s%s", ending(spf, end,
				   sizeof(end)), judged ? "; " : "", judged ? (p.egress != NULL ? p.egress : e->ip) : "",
				   judged ? " (direct): " : "", judged ? aa_result_name(p.spf.result) : "");
		else
			doctor_fmt(d->spf_summary, sizeof(d->spf_summary), "%s",
				   aa_dns_is_temp(aa_dns_lookup(ctx->dns, domain, AA_DNS_TXT)->status) ?
				   "not read (DNS temporary failure)" : "no record");
		doctor_fmt(d->spf_summary + strlen(d->spf_summary), sizeof(d->spf_summary) - strlen(d->spf_summary),
			   "%s", via_relay);
	}
	if (!judged || p.temp)
		return;
	if (p.spf.result == AA_NONE && spf[0] == '\0') {
		spf_fix(fix, sizeof(fix), domain, "", p.egress != NULL ? p.egress : e->ip, p.spf_fails_also);
		doctor_add(d, refusal != NULL ? SEV_BOUNCE : SEV_WARNING, domain, refusal, fix, "%s publishes no SPF "
			   "record: no receiver can tell that %s may send its mail", domain,
			   p.egress != NULL ? p.egress : e->ip);
	} else if (p.spf.result == AA_FAIL || p.spf.result == AA_SOFTFAIL || p.spf.result == AA_NEUTRAL ||
		   p.spf.result == AA_NONE) {
		spf_fix(fix, sizeof(fix), domain, spf, p.egress != NULL ? p.egress : e->ip, p.spf_fails_also);
		doctor_add(d, refusal != NULL ? SEV_BOUNCE : SEV_WARNING, domain, refusal, fix, "SPF of %s does not "
			   "authorise %s, the address Exim sends its mail from (%s): %s", domain,
			   p.egress != NULL ? p.egress : e->ip, e->source, aa_result_name(p.spf.result));
	} else if (p.spf.result == AA_PERMERROR && spf_findings == 0) {
		doctor_add(d, refusal != NULL ? SEV_BOUNCE : SEV_WARNING, domain, refusal, "correct the record: "
			   "authalign spf IP HELO postmaster@DOMAIN shows the receivers' reading", "receivers stop "
			   "with permerror on the SPF record (%.300s), so SPF never passes", p.spf.reason != NULL ?
			   p.spf.reason : "?");
	}
}
