/* doctor_egress.c - each address this host sends from, as a receiver judges it
 * before reading a line of the message: the PTR record of the address,
 * whether a name it gives resolves back to the address (FCrDNS; Gmail
 * refuses mail without it, 550 5.7.25), and the HELO name said from it
 * (not localhost, not a bare name, resolving to the address).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include "aa_ctype.h"
#include "aa_dns.h"
#include "doctor.h"

#define PTR_NAMES_MAX 8		/* names of one PTR answer followed back */

void doctor_add_egress(struct doctor *d, const char *ip, const char *helo, const char *source,
		       const char *domain)
{
	struct egress *e;

	for (size_t i = 0; i < d->egress_n; i++)
		if (strcmp(d->egress[i].ip, ip) == 0 && strcmp(d->egress[i].helo, helo) == 0 &&
		    strcmp(d->egress[i].domain, domain) == 0)
			return;
	if (d->egress_n >= DOCTOR_EGRESS_MAX)
		return;
	e = &d->egress[d->egress_n++];
	doctor_fmt(e->ip, sizeof(e->ip), "%s", ip);
	doctor_fmt(e->helo, sizeof(e->helo), "%s", helo);
	doctor_fmt(e->source, sizeof(e->source), "%s", source);
	doctor_fmt(e->domain, sizeof(e->domain), "%s", domain);
}

const char *doctor_reverse_name(const char *ip, char *buf, size_t size)
{
	unsigned char a[16];
	size_t o = 0;

	if (inet_pton(AF_INET, ip, a) == 1) {
		snprintf(buf, size, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
		return buf;
	}
	if (inet_pton(AF_INET6, ip, a) != 1 || size < 74)
		return NULL;
	for (int i = 15; i >= 0; i--)
		o += (size_t)snprintf(buf + o, size - o, "%x.%x.", a[i] & 0xf, a[i] >> 4);
	snprintf(buf + o, size - o, "ip6.arpa");
	return buf;
}

/* 1 when name has an address record equal to ip, 0 when not, -1 when the
 * lookup failed temporarily. */
static int resolves_to(struct aa_ctx *ctx, const char *name, const char *ip)
{
	unsigned char want[16];
	int six = strchr(ip, ':') != NULL;
	const struct aa_dns_answer *a;

	if (inet_pton(six ? AF_INET6 : AF_INET, ip, want) != 1)
		return 0;
	a = aa_dns_lookup(ctx->dns, name, six ? AA_DNS_AAAA : AA_DNS_A);
	if (aa_dns_is_temp(a->status))
		return -1;
	for (size_t i = 0; a->status == AA_DNS_OK && i < a->count; i++)
		if (six ? memcmp(&a->rr[i].aaaa, want, 16) == 0 : memcmp(&a->rr[i].a, want, 4) == 0)
			return 1;
	return 0;
}

static int is_localhost(const char *name)
{
	return strcasecmp(name, "localhost") == 0 || strcasecmp(name, "localhost.localdomain") == 0 ||
	       strncasecmp(name, "localhost.", 10) == 0 || strchr(name, '.') == NULL;
}

/* 1 when ip is an address no receiver sees (RFC 1918, shared, ULA,
 * link-local, loopback): a router translates it. */
int doctor_is_private(const char *ip)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
		       (a[0] == 192 && a[1] == 168) || (a[0] == 100 && (a[1] & 0xc0) == 64) ||
		       (a[0] == 169 && a[1] == 254);
	if (inet_pton(AF_INET6, ip, a) == 1)
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		       IN6_IS_ADDR_LOOPBACK((struct in6_addr *)a);
	return 0;
}

/* The name to suggest for e: the name its PTR confirms, its HELO or the
 * host's name when a real one; never a hosted domain (a customer's). */
static void suggest(const struct doctor *d, const struct egress *e, const char *fcrdns, char *out, size_t size)
{
	if (fcrdns != NULL && fcrdns[0] != '\0')
		doctor_fmt(out, size, "%s", fcrdns);
	else if (e->helo[0] != '\0' && !is_localhost(e->helo))
		doctor_fmt(out, size, "%s", e->helo);
	else if (d->primary_hostname[0] != '\0' && !is_localhost(d->primary_hostname))
		doctor_fmt(out, size, "%s", d->primary_hostname);
	else
		doctor_fmt(out, size, "<the host's name, under a domain you own>");
}

/* The PTR of e's address; its first name that resolves back into
 * fcrdns (or "") */
static void check_ptr(struct doctor *d, struct aa_ctx *ctx, const struct egress *e, char *fcrdns, size_t size)
{
	char rev[80], fix[DOCTOR_TEXT_MAX], want[DOCTOR_NAME_MAX];
	const struct aa_dns_answer *a;

	suggest(d, e, NULL, want, sizeof(want));

	fcrdns[0] = '\0';
	if (doctor_reverse_name(e->ip, rev, sizeof(rev)) == NULL) {
		doctor_add(d, SEV_WARNING, e->source, NULL, "give an IPv4 or IPv6 address", "egress \"%.64s\" is "
			   "not an address: not checked", e->ip);
		return;
	}
	if (doctor_is_private(e->ip)) {
		doctor_add(d, SEV_WARNING, e->source, NULL, "give the public address in authalign's outbound_egress, "
			   "or run doctor on a copy with it", "%s is a private address: receivers see the address "
			   "a router translates it to, whose PTR and SPF are not checked here", e->ip);
		return;
	}
	a = aa_dns_lookup(ctx->dns, rev, AA_DNS_PTR);
	if (aa_dns_is_temp(a->status)) {
		doctor_add(d, SEV_WARNING, rev, NULL, DOCTOR_FIX_AGAIN, "the PTR lookup of %s failed "
			   "temporarily: not checked", e->ip);
		return;
	}
	if (a->status != AA_DNS_OK) {
		doctor_fmt(fix, sizeof(fix), "ask whoever holds %s (your provider) to publish %s. PTR %s. (and "
			 "%s A/AAAA %s)", e->ip, rev, want, want, e->ip);
		doctor_add(d, SEV_BOUNCE, rev, "550 5.7.25", fix, "%s (%s) has no PTR record: Gmail refuses its mail "
			   "(550 5.7.25), Outlook.com and many others refuse or junk it", e->ip, e->source);
		return;
	}
	for (size_t i = 0; i < a->count && i < PTR_NAMES_MAX; i++) {
		int r = resolves_to(ctx, a->rr[i].text, e->ip);

		if (r == 1) {
			snprintf(fcrdns, size, "%s", a->rr[i].text);
			return;
		}
		if (r < 0) {
			doctor_add(d, SEV_WARNING, a->rr[i].text, NULL, DOCTOR_FIX_AGAIN, "the address lookup of "
				   "%.200s (PTR of %s) failed temporarily: FCrDNS not checked", a->rr[i].text, e->ip);
			return;
		}
	}
	if (is_localhost(a->rr[0].text))
		doctor_fmt(fix, sizeof(fix), "have whoever holds %s (your provider) change its PTR to a name that "
			   "resolves to it (%s, with %s %s %s)", e->ip, want, want,
			   strchr(e->ip, ':') != NULL ? "AAAA" : "A", e->ip);
	else
		doctor_fmt(fix, sizeof(fix), "have whoever holds %s (your provider) change its PTR to a name that "
			   "resolves to it (%s, with %s %s %s), or publish %.200s %s %s if that name is yours", e->ip,
			   want, want, strchr(e->ip, ':') != NULL ? "AAAA" : "A", e->ip, a->rr[0].text,
			   strchr(e->ip, ':') != NULL ? "AAAA" : "A", e->ip);
	doctor_add(d, SEV_BOUNCE, rev, "550 5.7.25", fix, "the PTR of %s (%s) names %.200s, which does not "
		   "resolve back to %s (no forward-confirmed reverse DNS): Gmail refuses its mail (550 5.7.25)",
		   e->ip, e->source, a->rr[0].text, e->ip);
}

static void check_helo(struct doctor *d, struct aa_ctx *ctx, const struct egress *e, const char *fcrdns)
{
	char fix[DOCTOR_TEXT_MAX], name[DOCTOR_NAME_MAX], where[DOCTOR_TEXT_MAX];
	int r;

	suggest(d, e, fcrdns, name, sizeof(name));
	if (d->cpanel)
		doctor_fmt(where, sizeof(where), "cPanel: WHM's Exim configuration (the host name), or a line "
			   "\"DOMAIN: %s\" in /etc/mailhelo", name);
	else
		doctor_fmt(where, sizeof(where), "Debian: MAIN_HARDCODE_PRIMARY_HOSTNAME = %s in "
			   "/etc/exim4/exim4.conf.localmacros (or helo_data = %s on the transport), then "
			   "update-exim4.conf and reload Exim", name, name);

	if (e->helo[0] == '\0')
		return;		/* an expansion: depends on the message */
	if (is_localhost(e->helo)) {
		doctor_fmt(fix, sizeof(fix), "say a name that resolves to %s and that its PTR gives (%s): %s", e->ip,
			   name, where);
		doctor_add(d, SEV_BOUNCE, e->source, "550 5.7.1", fix, "HELO %.200s from %s: %s; receivers refuse "
			   "it (550 5.7.1 HELO rejected) and block lists list it", e->helo, e->ip,
			   strchr(e->helo, '.') == NULL ? "a bare name, not a fully qualified one" :
			   "names no host on the Internet");
		return;
	}
	if ((r = resolves_to(ctx, e->helo, e->ip)) == 0) {
		if (fcrdns[0] != '\0')
			doctor_fmt(fix, sizeof(fix), "publish %.200s %s %s, or say %s, the name its PTR confirms",
				   e->helo, strchr(e->ip, ':') != NULL ? "AAAA" : "A", e->ip, fcrdns);
		else
			doctor_fmt(fix, sizeof(fix), "publish %.200s %s %s (and make it the name the PTR of %s gives)",
				   e->helo, strchr(e->ip, ':') != NULL ? "AAAA" : "A", e->ip, e->ip);
		doctor_add(d, SEV_WARNING, e->source, "450 4.7.1", fix, "HELO %.200s does not resolve to %s, the "
			   "address it is said from: receivers that check HELO refuse (450 4.7.1 Helo command "
			   "rejected: Host not found) and others score it as spam", e->helo, e->ip);
	} else if (r < 0) {
		doctor_add(d, SEV_WARNING, e->helo, NULL, DOCTOR_FIX_AGAIN, "the address lookup of HELO %.200s "
			   "failed temporarily: not checked", e->helo);
	}
}

void doctor_check_egress(struct doctor *d, struct aa_ctx *ctx)
{
	if (d->smarthost[0] != '\0')
		return;		/* receivers never see these addresses */
	for (size_t i = 0; i < d->egress_n; i++) {
		char fcrdns[DOCTOR_NAME_MAX];
		int seen = 0, said = 0;

		/* an address said with several HELO names is looked up once,
		 * a HELO that names no host is said once */
		for (size_t k = 0; k < i; k++) {
			seen |= strcmp(d->egress[k].ip, d->egress[i].ip) == 0;
			said |= strcmp(d->egress[k].helo, d->egress[i].helo) == 0 && is_localhost(d->egress[i].helo);
		}
		if (!seen)
			check_ptr(d, ctx, &d->egress[i], fcrdns, sizeof(fcrdns));
		else
			fcrdns[0] = '\0';
		if (!said)
			check_helo(d, ctx, &d->egress[i], fcrdns);
	}
}
