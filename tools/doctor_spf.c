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
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_dns.h"
#include "doctor.h"

#define SPF_LOOKUPS_MAX 10	/* RFC 7208 4.6.4 */
#define SPF_VOIDS_MAX 2		/* RFC 7208 4.6.4 */
#define SPF_DEPTH_MAX 12	/* includes in includes: past the lookup limit anyway */
#define SPF_RECORD_MAX 2048
#define SPF_VISITED_MAX 32	/* names on one include path (more than SPF_DEPTH_MAX) */

struct walk {
	unsigned lookups, voids;
	int temp;
	char visited[SPF_VISITED_MAX][DOCTOR_NAME_MAX];	/* the include path */
	size_t visited_n;
	char voided[256];		/* the names that did not exist */
	char broken[512];		/* the first fault that is permerror by itself */
};

/* The one SPF record of domain into out: 1, 0 none, -1 temporary,
 * 2 more than one (out: the first), 3 one too long to read here. */
static int fetch(struct aa_ctx *ctx, const char *domain, char *out, size_t size, size_t *count)
{
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, domain, AA_DNS_TXT);
	int long_one = 0;

	*count = 0;
	out[0] = '\0';
	if (aa_dns_is_temp(a->status))
		return -1;
	for (size_t i = 0; a->status == AA_DNS_OK && i < a->count; i++) {
		const char *t = a->rr[i].text;

		if (a->rr[i].text_len >= 6 && strncasecmp(t, "v=spf1", 6) == 0 && (t[6] == ' ' || t[6] == '\0')) {
			if (++*count == 1) {
				long_one = a->rr[i].text_len >= size;
				doctor_fmt(out, size, "%.*s", (int)strnlen(t, a->rr[i].text_len), t);
			}
		}
	}
	return *count == 0 ? 0 : *count > 1 ? 2 : long_one ? 3 : 1;
}

/* A name's address for a void-lookup count (an IPv4 receiver asks A):
 * 1 it has one, 0 void, -1 temporary. */
static int exists(struct aa_ctx *ctx, const char *name, enum aa_dns_type type)
{
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, name, type);

	return aa_dns_is_temp(a->status) ? -1 : a->status == AA_DNS_OK;
}

static void walk_record(struct aa_ctx *ctx, const char *domain, const char *record, int depth, struct walk *w);

/* The first fault that is permerror by itself, kept. */
static void broken(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void broken(struct walk *w, const char *fmt, ...)
{
	va_list ap;

	if (w->broken[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(w->broken, sizeof(w->broken), fmt, ap);
	va_end(ap);
}

/* Walk domain's record, as receivers do: a name included twice is walked
 * twice (its lookups count again); one that includes itself, directly or
 * further down (a name already on the path), is a loop. The walk ends
 * past 10 lookups, where receivers stop. */
static void walk_domain(struct aa_ctx *ctx, const char *domain, int depth, struct walk *w, const char *how)
{
	char record[SPF_RECORD_MAX];
	size_t count;
	int got;

	if (w->lookups > SPF_LOOKUPS_MAX || depth > SPF_DEPTH_MAX)
		return;		/* receivers stop here too */
	for (size_t i = 0; i < w->visited_n; i++)
		if (strcasecmp(w->visited[i], domain) == 0) {
			broken(w, "%s%.200s includes itself (a loop)", how, domain);
			return;
		}
	if (w->visited_n >= SPF_VISITED_MAX)
		return;
	doctor_fmt(w->visited[w->visited_n++], DOCTOR_NAME_MAX, "%s", domain);	/* on the path */
	got = fetch(ctx, domain, record, sizeof(record), &count);
	if (got < 0)
		w->temp = 1;
	else if (got == 0 || got == 2)
		broken(w, "%s%.200s has %s SPF record", how, domain, got == 0 ? "no" : "more than one");
	else if (got == 3)
		broken(w, "%s%.200s's SPF record is too long to be read here; check it by hand", how, domain);
	else
		walk_record(ctx, domain, record, depth + 1, w);
	w->visited_n--;		/* off the path */
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

/* ip4:/ip6: arguments as receivers read them: an address, /prefix in range */
static int ip_arg_ok(const char *arg, int six)
{
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	size_t n = strcspn(arg, "/");
	const char *cidr = arg + n;

	if (n == 0 || n >= sizeof(addr))
		return 0;
	memcpy(addr, arg, n);
	addr[n] = '\0';
	if (inet_pton(six ? AF_INET6 : AF_INET, addr, bin) != 1)
		return 0;
	if (*cidr == '/') {
		char *end;
		long v = strtol(cidr + 1, &end, 10);

		if (end == cidr + 1 || *end != '\0' || v < 0 || v > (six ? 128 : 32))
			return 0;
	}
	return 1;
}

static int term_is(const char *name, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(name, word, n) == 0;
}

static void walk_record(struct aa_ctx *ctx, const char *domain, const char *record, int depth, struct walk *w)
{
	char copy[SPF_RECORD_MAX], redirect[DOCTOR_NAME_MAX] = "";
	int has_all = 0, redirects = 0;

	doctor_fmt(copy, sizeof(copy), "%s", record + 6);
	for (char *save = NULL, *term = strtok_r(copy, " ", &save); term != NULL; term = strtok_r(NULL, " ", &save)) {
		const char *name = term, *arg;
		size_t n;
		char sep;

		if (*name == '+' || *name == '-' || *name == '~' || *name == '?')
			name++;
		n = strcspn(name, ":/=");
		sep = name[n];
		arg = sep == ':' || sep == '=' ? name + n + 1 : NULL;
		if ((term_is(name, n, "redirect") || term_is(name, n, "exp")) && sep != '=') {
			broken(w, "%.200s's record has \"%.100s\": a modifier is written with =", domain, term);
		} else if (term_is(name, n, "all") && sep == '\0') {
			has_all = 1;
		} else if (term_is(name, n, "include") && arg != NULL && *arg != '\0') {
			w->lookups++;
			if (strchr(arg, '%') == NULL)
				walk_domain(ctx, arg, depth, w, "include:");
		} else if (term_is(name, n, "redirect")) {
			if (++redirects > 1)
				broken(w, "%.200s's record has two redirect= modifiers", domain);
			doctor_fmt(redirect, sizeof(redirect), "%s", arg);
		} else if (term_is(name, n, "a") || term_is(name, n, "mx")) {
			char target[DOCTOR_NAME_MAX];

			if (++w->lookups > SPF_LOOKUPS_MAX || w->voids > SPF_VOIDS_MAX)
				continue;	/* receivers stop here: ask no more */
			doctor_fmt(target, sizeof(target), "%.*s", arg != NULL && *arg != '\0' ? (int)strcspn(arg, "/") :
				   250, arg != NULL && *arg != '\0' ? arg : domain);
			if (strchr(target, '%') == NULL && target[0] != '\0')
				note_void(w, target, exists(ctx, target, n == 1 ? AA_DNS_A : AA_DNS_MX));
		} else if (term_is(name, n, "ptr") || term_is(name, n, "exists")) {
			w->lookups++;
		} else if (term_is(name, n, "ip4") || term_is(name, n, "ip6")) {
			if (arg == NULL || !ip_arg_ok(arg, name[2] == '6'))
				broken(w, "%.200s's record has \"%.100s\", which is no address", domain, term);
		} else if (term_is(name, n, "exp") || sep == '=') {
			continue;	/* no lookup; an unknown modifier is ignored */
		} else {
			broken(w, "%.200s's record has a term receivers cannot read: \"%.100s\"", domain, term);
		}
	}
	if (redirect[0] != '\0' && !has_all) {
		w->lookups++;
		if (strchr(redirect, '%') == NULL)
			walk_domain(ctx, redirect, depth, w, "redirect=");
	}
}

/* 1 when the space-separated list out holds term t (without case) */
static int has_term(const char *out, const char *t)
{
	size_t n = strlen(t);

	for (const char *p = out; (p = strcasestr(p, t)) != NULL; p++)
		if ((p == out || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* The terms of record without v=spf1 and its all, appended to out
 * (merging records); its all's qualifier into *all when stricter ('-'
 * over '~' over '?'). 0 when the merge is for a person to do: out too
 * small, a redirect= or exp= (one applies, or none), a +all. */
static int terms_of(const char *record, char *out, size_t size, char *all)
{
	char copy[SPF_RECORD_MAX];
	size_t o = strlen(out);

	doctor_fmt(copy, sizeof(copy), "%s", record + 6);
	for (char *save = NULL, *t = strtok_r(copy, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		const char *bare = strchr("+-~?", *t) != NULL ? t + 1 : t;

		if (strcasecmp(bare, "all") == 0) {
			char q = bare == t ? '+' : *t;

			if (q == '+')
				return 0;
			if (*all == '\0' || (q == '-' && *all != '-') || (q == '~' && *all == '?'))
				*all = q;
			continue;
		}
		if (strncasecmp(bare, "redirect=", 9) == 0 || strncasecmp(bare, "exp=", 4) == 0)
			return 0;
		if (has_term(out, t))
			continue;
		if (o + strlen(t) + 2 >= size)
			return 0;
		o += (size_t)snprintf(out + o, size - o, " %s", t);
	}
	return 1;
}

/* What an SPF fault costs (severity, where, code): a bounce with the
 * refusal it earns, or a warning when no receiver refuses for it (the
 * DMARC policy, DKIM). */
#define SPF_COST(refusal) ((refusal) != NULL ? SEV_BOUNCE : SEV_WARNING), domain, (refusal)
#define SPF_WHY(refusal) ((refusal) != NULL ? "" : "; nothing is refused for it now (DKIM passes, or the DMARC policy " \
			  "does not reject), but any message DKIM does not carry fails")

int doctor_lint_spf(struct doctor *d, struct aa_ctx *ctx, const char *domain, char *record, size_t size,
		    const char *refusal)
{
	const struct aa_dns_answer *a;
	struct walk *w = calloc(1, sizeof(*w));
	char fix[DOCTOR_TEXT_MAX];
	size_t count, before = d->n + d->lost;
	int got = fetch(ctx, domain, record, size, &count);

	if (w == NULL)
		return 0;
	if (got < 0) {
		doctor_add(d, SEV_WARNING, domain, NULL, DOCTOR_FIX_AGAIN, "the SPF (TXT) lookup failed "
			   "temporarily: SPF not checked");
	} else if (got == 2) {
		char merged[700] = "", whole[760], chunks[DOCTOR_TEXT_MAX], all = '\0';
		int fits = 1;

		a = aa_dns_lookup(ctx->dns, domain, AA_DNS_TXT);
		for (size_t i = 0; a->status == AA_DNS_OK && i < a->count; i++) {
			const char *t = a->rr[i].text;

			if (a->rr[i].text_len >= 6 && strncasecmp(t, "v=spf1", 6) == 0 && (t[6] == ' ' || t[6] == '\0'))
				fits &= terms_of(t, merged, sizeof(merged), &all);
		}
		doctor_fmt(whole, sizeof(whole), "v=spf1%s %call", merged, all != '\0' ? all : '~');
		if (fits && doctor_quoted_chunks(whole, chunks, sizeof(chunks)) == 0 &&
		    strlen(chunks) + strlen(domain) + 64 < sizeof(fix))
			doctor_fmt(fix, sizeof(fix), "publish one record, the %zu merged: %s TXT %s (and delete the "
				   "others)", count, domain, chunks);
		else
			doctor_fmt(fix, sizeof(fix), "merge the %zu records into one by hand (a redirect=, exp= or "
				   "+all, or too long to print here), and delete the others", count);
		doctor_add(d, SPF_COST(refusal), fix, "%zu SPF records: receivers take none (permerror), so SPF "
			   "never passes%s", count, SPF_WHY(refusal));
	} else if (got == 3) {
		doctor_add(d, SEV_WARNING, domain, NULL, "check it by hand: authalign spf IP HELO postmaster@DOMAIN",
			   "the SPF record is over %d bytes: not read here", SPF_RECORD_MAX);
	} else if (got == 1) {
		walk_domain(ctx, domain, 0, w, "");
		if (w->temp)
			doctor_add(d, SEV_WARNING, domain, NULL, DOCTOR_FIX_AGAIN, "a lookup for the SPF record's "
				   "terms failed temporarily: the counts below may be short");
		if (w->lookups > SPF_LOOKUPS_MAX)
			doctor_add(d, SPF_COST(refusal), "replace a, mx and include: of your own hosts by their "
				   "ip4:/ip6: addresses, and drop the includes of services you no longer send through, "
				   "until the count is 10 or less", "the SPF record needs more than 10 DNS lookups "
				   "with its includes (%u counted before receivers stop): permerror, so SPF never "
				   "passes%s", w->lookups, SPF_WHY(refusal));
		if (w->voids > SPF_VOIDS_MAX) {
			doctor_fmt(fix, sizeof(fix), "remove the terms naming what does not exist: %.600s", w->voided);
			doctor_add(d, SPF_COST(refusal), fix, "the SPF record asks %u names that do not exist (the "
				   "limit is 2 void lookups): permerror%s", w->voids, SPF_WHY(refusal));
		} else if (w->voids > 0) {
			doctor_fmt(fix, sizeof(fix), "remove the terms naming what does not exist: %.600s", w->voided);
			doctor_add(d, SEV_WARNING, domain, NULL, fix, "the SPF record asks %u name%s that do%s not "
				   "exist (2 are allowed, a third is permerror)", w->voids, w->voids == 1 ? "" : "s",
				   w->voids == 1 ? "es" : "");
		}
		if (w->broken[0] != '\0')
			doctor_add(d, SPF_COST(refusal), "correct the term, or remove it", "%s: receivers stop with "
				   "permerror, so SPF never passes%s", w->broken, SPF_WHY(refusal));
		if (has_term(record, "+all") || has_term(record, "all"))
			doctor_add(d, SEV_WARNING, domain, NULL, "end the record with -all (or ~all)", "the SPF record "
				   "ends +all: every host on the Internet passes as %s", domain);
	}
	free(w);
	return (int)(d->n + d->lost - before);
}
