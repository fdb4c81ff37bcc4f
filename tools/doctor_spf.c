/* doctor_spf.c - one domain's SPF record read as a receiver reads it,
 * without a client: how many records (more than one is permerror), how
 * many DNS-querying terms it costs with its includes and redirect (more
 * than 10 is permerror), how many of the names it asks do not exist
 * (more than 2 void lookups is permerror, RFC 7208 4.6.4), terms a
 * receiver cannot read, and what it ends with. A permerror is no SPF pass
 * anywhere: DMARC then rests on DKIM alone.
 *
 * Whether the record authorises this host's egress addresses is judged
 * by the real evaluation (doctor_domain.c, through the predictor); this file
 * explains the record's own faults, with the record to publish.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "aa_dns.h"
#include "doctor.h"

#define SPF_LOOKUPS_MAX 10	/* RFC 7208 4.6.4 */
#define SPF_VOIDS_MAX 2		/* RFC 7208 4.6.4 */
#define SPF_DEPTH_MAX 12	/* includes in includes: past the lookup limit anyway */
#define SPF_RECORD_MAX 2048

struct walk {
	unsigned lookups, voids;
	int temp;
	char voided[256];		/* the names that did not exist */
	char broken[512];		/* the first fault that is permerror by itself */
};

/* The one SPF record of domain into out: 1, 0 none, -1 temporary,
 * 2 more than one (out: the first, all: every record's terms joined). */
static int fetch(struct aa_ctx *ctx, const char *domain, char *out, size_t size, size_t *count)
{
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, domain, AA_DNS_TXT);

	*count = 0;
	out[0] = '\0';
	if (aa_dns_is_temp(a->status))
		return -1;
	for (size_t i = 0; a->status == AA_DNS_OK && i < a->count; i++) {
		const char *t = a->rr[i].text;

		if (a->rr[i].text_len >= 6 && strncasecmp(t, "v=spf1", 6) == 0 && (t[6] == ' ' || t[6] == '\0')) {
			if (++*count == 1)
				doctor_fmt(out, size, "%.*s", (int)strnlen(t, a->rr[i].text_len), t);
		}
	}
	return *count == 0 ? 0 : *count == 1 ? 1 : 2;
}

/* A name's existence for a void-lookup count: 1 it has an answer of
 * type, 0 void, -1 temporary. */
static int exists(struct aa_ctx *ctx, const char *name, enum aa_dns_type t1, enum aa_dns_type t2)
{
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, name, t1), *b;

	if (aa_dns_is_temp(a->status))
		return -1;
	if (a->status == AA_DNS_OK || t2 == 0)
		return a->status == AA_DNS_OK;
	b = aa_dns_lookup(ctx->dns, name, t2);
	return aa_dns_is_temp(b->status) ? -1 : b->status == AA_DNS_OK;
}

static void walk_record(struct aa_ctx *ctx, const char *domain, const char *record, int depth, struct walk *w);

static void walk_domain(struct aa_ctx *ctx, const char *domain, int depth, struct walk *w, const char *how)
{
	char record[SPF_RECORD_MAX];
	size_t count;
	int got = fetch(ctx, domain, record, sizeof(record), &count);

	if (got < 0)
		w->temp = 1;
	else if (got != 1 && w->broken[0] == '\0')
		doctor_fmt(w->broken, sizeof(w->broken), "%s %.200s has %s SPF record", how, domain,
			 got == 0 ? "no" : "more than one");
	else if (got == 1)
		walk_record(ctx, domain, record, depth + 1, w);
}

static void note_void(struct walk *w, const char *name, int r)
{
	if (r < 0) {
		w->temp = 1;
	} else if (r == 0) {
		w->voids++;
		if (strlen(w->voided) + strlen(name) + 3 < sizeof(w->voided))
			doctor_fmt(w->voided + strlen(w->voided), sizeof(w->voided) - strlen(w->voided), "%s%s",
				 w->voided[0] != '\0' ? ", " : "", name);
	}
}

static void walk_record(struct aa_ctx *ctx, const char *domain, const char *record, int depth, struct walk *w)
{
	char copy[SPF_RECORD_MAX], redirect[DOCTOR_NAME_MAX] = "";
	int has_all = 0;

	if (depth > SPF_DEPTH_MAX)
		return;
	doctor_fmt(copy, sizeof(copy), "%s", record + 6);
	for (char *save = NULL, *term = strtok_r(copy, " ", &save); term != NULL; term = strtok_r(NULL, " ", &save)) {
		const char *name = term, *arg;
		size_t n;

		if (*name == '+' || *name == '-' || *name == '~' || *name == '?')
			name++;
		n = strcspn(name, ":/=");
		arg = name[n] == ':' || name[n] == '=' ? name + n + 1 : NULL;
		if (n == 3 && strncasecmp(name, "all", 3) == 0) {
			has_all = 1;
		} else if (n == 7 && strncasecmp(name, "include", 7) == 0 && arg != NULL) {
			w->lookups++;
			if (strchr(arg, '%') == NULL)
				walk_domain(ctx, arg, depth, w, "include:");
		} else if (n == 8 && strncasecmp(name, "redirect", 8) == 0 && arg != NULL) {
			doctor_fmt(redirect, sizeof(redirect), "%s", arg);
		} else if ((n == 1 && strncasecmp(name, "a", 1) == 0) || (n == 2 && strncasecmp(name, "mx", 2) == 0)) {
			char target[DOCTOR_NAME_MAX];

			w->lookups++;
			doctor_fmt(target, sizeof(target), "%.*s", arg != NULL ? (int)strcspn(arg, "/") : 250,
				 arg != NULL ? arg : domain);
			if (strchr(target, '%') == NULL)
				note_void(w, target, n == 1 ? exists(ctx, target, AA_DNS_A, AA_DNS_AAAA) :
					  exists(ctx, target, AA_DNS_MX, 0));
		} else if ((n == 3 && strncasecmp(name, "ptr", 3) == 0) ||
			   (n == 6 && strncasecmp(name, "exists", 6) == 0)) {
			w->lookups++;
		} else if ((n == 3 && strncasecmp(name, "ip4", 3) == 0) || (n == 3 && strncasecmp(name, "ip6", 3) == 0) ||
			   (n == 3 && strncasecmp(name, "exp", 3) == 0) || name[n] == '=') {
			continue;	/* no lookup; an unknown modifier is ignored */
		} else if (w->broken[0] == '\0') {
			doctor_fmt(w->broken, sizeof(w->broken), "%.200s's record has a term receivers cannot read: "
				 "\"%.100s\"", domain, term);
		}
	}
	if (redirect[0] != '\0' && !has_all) {
		w->lookups++;
		if (strchr(redirect, '%') == NULL)
			walk_domain(ctx, redirect, depth, w, "redirect=");
	}
}

/* The terms of record without v=spf1 and its all (for merging two). */
static void terms_of(const char *record, char *out, size_t size, char *all, size_t all_size)
{
	char copy[SPF_RECORD_MAX];
	size_t o = strlen(out);

	doctor_fmt(copy, sizeof(copy), "%s", record + 6);
	for (char *save = NULL, *t = strtok_r(copy, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		const char *bare = strchr("+-~?", *t) != NULL ? t + 1 : t;

		if (strcasecmp(bare, "all") == 0) {
			if (all[0] == '\0')
				snprintf(all, all_size, "%s", t);
			continue;
		}
		if (strstr(out, t) == NULL && o + strlen(t) + 2 < size)
			o += (size_t)snprintf(out + o, size - o, " %s", t);
	}
}

void doctor_lint_spf(struct doctor *d, struct aa_ctx *ctx, const char *domain, char *record, size_t size)
{
	const struct aa_dns_answer *a;
	struct walk w = { 0 };
	char fix[DOCTOR_TEXT_MAX];
	size_t count;
	int got = fetch(ctx, domain, record, size, &count);

	if (got < 0) {
		doctor_add(d, SEV_WARNING, domain, NULL, "run doctor again", "the SPF (TXT) lookup failed "
			   "temporarily: SPF not checked");
		return;
	}
	if (got == 0)
		return;		/* doctor_domain.c says what is missing, with the egress to list */
	if (got == 2) {
		char merged[SPF_RECORD_MAX] = "", all[16] = "";

		a = aa_dns_lookup(ctx->dns, domain, AA_DNS_TXT);
		for (size_t i = 0; a->status == AA_DNS_OK && i < a->count; i++)
			if (strncasecmp(a->rr[i].text, "v=spf1", 6) == 0)
				terms_of(a->rr[i].text, merged, sizeof(merged), all, sizeof(all));
		doctor_fmt(fix, sizeof(fix), "publish one record, both merged: %s TXT \"v=spf1%.700s %s\" (and delete "
			 "the others)", domain, merged, all[0] != '\0' ? all : "~all");
		doctor_add(d, SEV_BOUNCE, domain, "550 5.7.509", fix, "%zu SPF records: receivers take none "
			   "(permerror), so SPF never passes; DMARC fails where DKIM does not pass (Microsoft 365 "
			   "550 5.7.509, Gmail 550 5.7.26)", count);
		return;
	}
	walk_record(ctx, domain, record, 0, &w);
	if (w.temp)
		doctor_add(d, SEV_WARNING, domain, NULL, "run doctor again", "a lookup for the SPF record's terms "
			   "failed temporarily: the counts below may be short");
	if (w.lookups > SPF_LOOKUPS_MAX)
		doctor_add(d, SEV_BOUNCE, domain, "550 5.7.509", "replace a, mx and include: of your own hosts by "
			   "their ip4:/ip6: addresses, and drop the includes of services you no longer send through, "
			   "until the count is 10 or less", "the SPF record needs %u DNS lookups with its includes "
			   "(the limit is 10): receivers stop with permerror, so SPF never passes; DMARC fails where "
			   "DKIM does not pass (Microsoft 365 550 5.7.509, Gmail 550 5.7.26)", w.lookups);
	if (w.voids > SPF_VOIDS_MAX) {
		doctor_fmt(fix, sizeof(fix), "remove the terms naming what does not exist: %.600s", w.voided);
		doctor_add(d, SEV_BOUNCE, domain, "550 5.7.509", fix, "the SPF record asks %u names that do not "
			   "exist (the limit is 2 void lookups): receivers stop with permerror", w.voids);
	} else if (w.voids > 0) {
		doctor_fmt(fix, sizeof(fix), "remove the terms naming what does not exist: %.600s", w.voided);
		doctor_add(d, SEV_WARNING, domain, NULL, fix, "the SPF record asks %u name%s that do%s not exist (2 "
			   "are allowed, a third is permerror)", w.voids, w.voids == 1 ? "" : "s",
			   w.voids == 1 ? "es" : "");
	}
	if (w.broken[0] != '\0')
		doctor_add(d, SEV_BOUNCE, domain, "550 5.7.509", "correct the term, or remove it", "%s: receivers "
			   "stop with permerror, so SPF never passes", w.broken);
	if (strstr(record, "+all") != NULL || strcasestr(record, " all") != NULL)
		doctor_add(d, SEV_WARNING, domain, NULL, "end the record with -all (or ~all)", "the SPF record "
			   "ends +all: every host on the Internet passes as %s", domain);
}
