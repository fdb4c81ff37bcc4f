/* route.c - the smarthosts a message may leave through, and their checks.
 *
 * Each route is what a receiver will see: the egress address (SPF is
 * checked against it; one per address family when the transport may
 * send from both), the HELO name, and how the relay signs: resigns=
 * lists the From domains it signs with d= the From domain itself;
 * dkim_domains= the domains it holds keys for, each signing for itself
 * and for its subdomains that are not listed (the nearest listed parent,
 * as Microsoft 365 signs a subdomain of an accepted domain); and
 * dkim_selectors= the selectors it may sign with, whose records the
 * prediction looks up. hosts= is an Exim host list for a manualroute router;
 * the mistakes that turn one into something else are refused with file
 * and line: a route_list entry pasted in ("* relay.example" or
 * "*:relay.example"), a port glued on with one colon ("relay.example:587"
 * is two hosts to Exim), an empty item, a loopback host.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_lsearch.h"
#include "aa_outbound.h"
#include "aa_table.h"

#define ROUTES_MAX 1000
#define TRANSPORT_NAME_MAX 64
#define HOSTS_MAX 32		/* hosts in one hosts= list */

struct aa_routes {
	struct aa_table *t;		/* records: struct aa_route, file order */
};

static void route_clear(void *rec)
{
	struct aa_route *r = rec;

	free((char *)r->egress_ip);
	free((char *)r->egress_ip2);
	free((char *)r->helo);
	free((char *)r->hosts);
	free((char *)r->transport);
	free((char **)r->resigns);
	free((char **)r->dkim_domains);
	free((char **)r->dkim_selectors);
}

void aa_routes_free(struct aa_routes **rp)
{
	struct aa_routes *r = *rp;

	if (r == NULL)
		return;
	aa_table_free(&r->t);
	free(r);
	*rp = NULL;
}

size_t aa_route_count(const struct aa_routes *r)
{
	return r != NULL ? aa_table_count(r->t) : 0;
}

const struct aa_route *aa_route_at(const struct aa_routes *r, size_t i)
{
	return r != NULL ? aa_table_at(r->t, i) : NULL;
}

const struct aa_route *aa_route_find(const struct aa_routes *r, const char *name)
{
	return r != NULL ? aa_table_find(r->t, name) : NULL;
}

int aa_routes_is_current(const struct aa_routes *r)
{
	return r == NULL || aa_table_is_current(r->t);
}

int aa_route_check_egress(const char *ip, const char **why_r)
{
	static const char loopback[] = "egress is a loopback address: receivers never see it, and SPF passes "
				       "every loopback client";
	static const unsigned char zero[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	unsigned char a[16];

	if (ip == NULL || *ip == '\0') {
		*why_r = "no egress address";
		return -1;
	}
	if (inet_pton(AF_INET, ip, a) == 1) {
		*why_r = a[0] == 127 ? loopback :
			 memcmp(a, zero, 4) == 0 ? "egress is the unspecified address" :
			 a[0] >= 224 ? "egress is a multicast or reserved address, never a sender's" :
			 a[0] == 169 && a[1] == 254 ? "egress is a link-local address, which no receiver sees" : NULL;
		return *why_r != NULL ? -1 : 0;
	}
	if (inet_pton(AF_INET6, ip, a) == 1) {
		*why_r = (memcmp(a, zero, 15) == 0 && a[15] == 1) ? loopback :
			 memcmp(a, zero, 16) == 0 ? "egress is the unspecified address" :
			 memcmp(a, mapped, 12) == 0 || memcmp(a, zero, 12) == 0 ?
			 "egress is an IPv4-mapped or IPv4-compatible IPv6 address: write the IPv4 address" :
			 a[0] == 0xff ? "egress is a multicast address, never a sender's" :
			 a[0] == 0xfe && (a[1] & 0xc0) == 0x80 ? "egress is a link-local address, which no receiver sees" :
			 NULL;
		return *why_r != NULL ? -1 : 0;
	}
	*why_r = strchr(ip, ';') != NULL || strchr(ip, '<') != NULL ?
		 "egress is not an IPv4 or IPv6 address (Exim's \"<;\" list syntax is not used here: write "
		 "the two addresses with a comma between, 203.0.113.10, 2001:db8::10)" :
		 strchr(ip, '/') != NULL ? "egress is not an IPv4 or IPv6 address (an address, not a network)" :
		 "egress is not an IPv4 or IPv6 address";
	return -1;
}

/* 1 when s may be an address typed after a space in egress= */
static int looks_like_address(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* 1 for an IPv6 address (aa_route_check_egress accepted it). */
static int is_ip6(const char *ip)
{
	unsigned char a[16];

	return inet_pton(AF_INET6, ip, a) == 1;
}

int aa_route_parse_egress(const char *text, char **first_r, char **second_r, const char **why_r)
{
	char ip[2][INET6_ADDRSTRLEN + 1];
	size_t n = 0;
	const char *p = text != NULL ? text : "";

	*first_r = *second_r = NULL;
	for (;;) {
		size_t len;

		while (*p == ',' || aa_is_space((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, ", \t;");
		if (len == 0) {		/* a ';' between them, as in Exim's "<;" lists */
			*why_r = "egress is not an IPv4 or IPv6 address (Exim's \"<;\" list syntax is not used here: "
				 "write the two addresses with a comma between, 203.0.113.10, 2001:db8::10)";
			return -1;
		}
		if (n == 2) {
			*why_r = "more than two egress addresses (one IPv4 and one IPv6 at most)";
			return -1;
		}
		if (len >= sizeof(ip[n])) {
			*why_r = "egress is not an IPv4 or IPv6 address";
			return -1;
		}
		memcpy(ip[n], p, len);
		ip[n][len] = '\0';
		if (aa_route_check_egress(ip[n], why_r) < 0)
			return -1;
		n++;
		p += len;
	}
	if (n == 0)
		return aa_route_check_egress("", why_r);
	if (n == 2 && is_ip6(ip[0]) == is_ip6(ip[1])) {
		*why_r = "two egress addresses of one address family (give one IPv4 and one IPv6: "
			 "the address receivers see is the transport's for that family)";
		return -1;
	}
	*first_r = strdup(ip[0]);
	*second_r = n == 2 ? strdup(ip[1]) : NULL;
	if (*first_r == NULL || (n == 2 && *second_r == NULL)) {
		free(*first_r);
		free(*second_r);
		*first_r = *second_r = NULL;
		*why_r = "out of memory";
		return -1;
	}
	return 0;
}

static int is_loopback_host(const char *h)
{
	size_t n = strlen(h);
	unsigned char a[4];

	if (strcasecmp(h, "localhost") == 0 || strncasecmp(h, "localhost.", 10) == 0 ||
	    (n > 10 && strcasecmp(h + n - 10, ".localhost") == 0) ||
	    strcasecmp(h, "ip6-localhost") == 0)
		return 1;
	return inet_pton(AF_INET, h, a) == 1 && a[0] == 127;
}

/* Check an Exim host list for a manualroute router. */
static int hosts_check(const char *v, char *why, size_t whylen)
{
	size_t n;
	int empty;
	char **items;
	unsigned char a[4];

	if (strstr(v, "::") != NULL) {
		snprintf(why, whylen, "hosts=\"%.128s\": a doubled colon; give the port with port= "
			 "(the route_data gets it Exim's way), and hosts by name or IPv4", v);
		return -1;
	}
	items = aa_lsearch_list(v, ':', 1, &n, &empty);
	if (items == NULL) {
		if (empty)
			snprintf(why, whylen, "hosts=\"%.128s\": an empty host in the list", v);
		else
			snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (n > HOSTS_MAX) {
		snprintf(why, whylen, "hosts=: more than %d hosts", HOSTS_MAX);
		free(items);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *h = items[i];

		if (i == 0 && (strcmp(h, "*") == 0 || (h[0] == '*' && h[1] == '.'))) {
			snprintf(why, whylen, "hosts=\"%.128s\" starts with the domain pattern \"%.64s\": "
				 "a manualroute route_list entry (domains, a space, hosts) written with ':'? "
				 "hosts= takes the host list only; domains go in the outbound domains table", v, h);
			goto bad;
		}
		if (i > 0 && aa_all_digits(h, strlen(h))) {
			snprintf(why, whylen, "hosts=\"%.128s\": Exim reads \"%.64s:%s\" as two hosts, "
				 "\"%.64s\" and \"%s\"; write port=%s", v, items[i - 1], h, items[i - 1], h, h);
			goto bad;
		}
		if (is_loopback_host(h)) {
			snprintf(why, whylen, "hosts=: \"%.64s\" is this host (loopback): a route must leave it", h);
			goto bad;
		}
		if (!aa_lsearch_is_name(h) && inet_pton(AF_INET, h, a) != 1) {
			snprintf(why, whylen, "hosts=: \"%.64s\" is not a host name or IPv4 address", h);
			goto bad;
		}
	}
	free(items);
	return 0;
bad:
	free(items);
	return -1;
}

static int transport_ok(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > TRANSPORT_NAME_MAX || !aa_is_alpha((unsigned char)t[0]))
		return 0;
	for (; *t != '\0'; t++)
		if (!aa_is_alnum((unsigned char)*t) && *t != '_')
			return 0;
	return 1;
}

static int resign_ok(const char *v)
{
	return strcmp(v, "*") == 0 || aa_lsearch_is_name(v[0] == '*' && v[1] == '.' ? v + 2 : v);
}

/* A comma-separated list option, every item ok (lower-cased). */
static int list_option(const char *const **dst, const char *name, const char *value, int (*ok)(const char *),
		       const char *what, char *why, size_t whylen)
{
	size_t n;
	int empty;
	char **v;

	if (*dst != NULL) {
		snprintf(why, whylen, "%s= given twice", name);
		return -1;
	}
	v = aa_lsearch_list(value, ',', 1, &n, &empty);
	if (v == NULL) {
		if (empty)
			snprintf(why, whylen, "%s=: empty list, or an empty item in it", name);
		else
			snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ok(v[i])) {
			snprintf(why, whylen, "%s=: \"%.64s\" is not %s", name, v[i], what);
			free(v);
			return -1;
		}
	}
	*dst = (const char *const *)v;
	return 0;
}

static int set_once(const char **dst, const char *value, char *why, size_t whylen, const char *name)
{
	char *copy;

	if (*dst != NULL) {
		snprintf(why, whylen, "%s= given twice", name);
		return -1;
	}
	copy = strdup(value);
	if (copy == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	*dst = copy;
	return 0;
}

static int route_option(struct aa_route *r, const char *name, const char *value, int *have_port,
			char *why, size_t whylen)
{
	if (strcmp(name, "hosts") == 0) {
		if (hosts_check(value, why, whylen) < 0)
			return -1;
		return set_once(&r->hosts, value, why, whylen, name);
	}
	if (strcmp(name, "egress") == 0) {
		const char *w;
		char *first, *second;

		if (r->egress_ip != NULL) {
			snprintf(why, whylen, "%s= given twice", name);
			return -1;
		}
		if (aa_route_parse_egress(value, &first, &second, &w) < 0) {
			snprintf(why, whylen, "egress=%.64s: %s", value, w);
			return -1;
		}
		r->egress_ip = first;
		r->egress_ip2 = second;
		return 0;
	}
	if (strcmp(name, "helo") == 0) {
		if (!aa_lsearch_is_name(value)) {
			snprintf(why, whylen, "helo=%.64s: not a host name", value);
			return -1;
		}
		return set_once(&r->helo, value, why, whylen, name);
	}
	if (strcmp(name, "transport") == 0) {
		if (!transport_ok(value)) {
			snprintf(why, whylen, "transport=%.64s: an Exim transport name is a letter, then "
				 "letters, digits and _ (at most %d)", value, TRANSPORT_NAME_MAX);
			return -1;
		}
		return set_once(&r->transport, value, why, whylen, name);
	}
	if (strcmp(name, "port") == 0) {
		char *end;
		unsigned long p;

		errno = 0;
		p = strtoul(value, &end, 10);
		if (*have_port || !aa_is_digit((unsigned char)value[0]) || *end != '\0' || errno != 0 ||
		    p == 0 || p > 65535) {
			snprintf(why, whylen, *have_port ? "port= given twice" : "port=%.32s: 1 to 65535", value);
			return -1;
		}
		r->port = (unsigned)p;
		*have_port = 1;
		return 0;
	}
	if (strcmp(name, "resigns") == 0)
		return list_option(&r->resigns, name, value, resign_ok, "*, a domain or *.domain", why, whylen);
	if (strcmp(name, "dkim_domains") == 0)
		return list_option(&r->dkim_domains, name, value, aa_lsearch_is_name, "a domain", why, whylen);
	if (strcmp(name, "dkim_selectors") == 0)
		return list_option(&r->dkim_selectors, name, value, aa_lsearch_is_name,
				   "a selector (letters, digits, - and _, dots between labels)", why, whylen);
	snprintf(why, whylen, "unknown option: %.32s", name);
	return -1;
}

static int route_name_ok(char *k)
{
	if (*k == '\0' || strcmp(k, "direct") == 0)
		return 0;
	for (char *p = k; *p != '\0'; p++) {
		*p = (char)aa_lower((unsigned char)*p);
		if (!aa_is_alnum((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	}
	return strcmp(k, "direct") != 0;
}

static int route_entry(void *arg, const char *file, unsigned line, char *key, char *data,
		       char *err, size_t errlen)
{
	struct aa_table *t = arg;
	struct aa_route *r;
	char why[512];
	char *name, *value, *last = NULL, *last_value = NULL;
	int got, have_port = 0;

	if (!route_name_ok(key)) {
		aa_lsearch_err(err, errlen, file, line, "route name \"%.64s\": letters, digits, - and _, "
			       "and not \"direct\" (that is this host)", key);
		return -1;
	}
	if ((r = aa_table_add_new(t, key, ROUTES_MAX, "route", file, line, err, errlen)) == NULL)
		return -1;
	r->port = 25;
	while ((got = aa_lsearch_option(&data, &name, &value)) != 0) {
		if (got < 0) {
			if (last != NULL && strcmp(last, "hosts") == 0)
				aa_lsearch_err(err, errlen, file, line,
					       "hosts=\"%.64s %.64s\": a manualroute route_list entry (domains, "
					       "a space, hosts)? hosts= takes the host list only; domains go "
					       "in the outbound domains table", last_value, name);
			else if (last != NULL && strcmp(last, "egress") == 0 && looks_like_address(name))
				aa_lsearch_err(err, errlen, file, line, "egress=\"%.64s %.64s\": the two "
					       "addresses take a comma and no space between (egress=%.64s,%.64s)",
					       last_value, name, last_value, name);
			else
				aa_lsearch_err(err, errlen, file, line, "expected name=value, not \"%.64s\"", name);
			return -1;
		}
		if (route_option(r, name, value, &have_port, why, sizeof(why)) < 0) {
			aa_lsearch_err(err, errlen, file, line, "%s", why);
			return -1;
		}
		last = name;
		last_value = value;
	}
	if (r->hosts == NULL) {
		aa_lsearch_err(err, errlen, file, line, "route \"%s\" has no hosts=", key);
		return -1;
	}
	if (r->dkim_selectors != NULL && r->resigns == NULL && r->dkim_domains == NULL) {
		aa_lsearch_err(err, errlen, file, line, "route \"%s\": dkim_selectors= without resigns= or "
			       "dkim_domains= (which From domains does the relay sign?)", key);
		return -1;
	}
	if (r->egress_ip == NULL) {
		aa_lsearch_err(err, errlen, file, line, "route \"%s\" has no egress= (the address "
			       "receivers see, for SPF)", key);
		return -1;
	}
	return 0;
}

static const struct aa_table_kind routes_kind = {
	.rec_size = sizeof(struct aa_route),
	.entry = route_entry,
	.rec_free = route_clear,
};

int aa_routes_load(const char *path, struct aa_routes **r, char *err, size_t errlen)
{
	/* the table pointer is the holder's first member */
	*r = aa_table_open_held(&routes_kind, path, sizeof(**r), err, errlen);
	return *r != NULL ? 0 : -1;
}

const char *aa_route_data(struct aa_ctx *ctx, const struct aa_route *r)
{
	size_t len, n = 1, cap;
	char *out, *o;
	const char *h;

	if (r == NULL || r->hosts == NULL)
		return NULL;
	if (r->port == 25 || r->port == 0)
		return aa_arena_strdup(ctx->arena, r->hosts);
	len = strlen(r->hosts);
	for (h = r->hosts; *h != '\0'; h++)
		n += *h == ':';
	cap = len + n * 8 + 1;	/* "::65535" per host */
	out = aa_arena_alloc(ctx->arena, cap);
	if (out == NULL)
		return NULL;
	o = out;
	for (h = r->hosts;;) {
		size_t hl = strcspn(h, ":");

		memcpy(o, h, hl);
		o += hl;
		o += snprintf(o, cap - (size_t)(o - out), "::%u", r->port);
		if (h[hl] == '\0')
			break;
		*o++ = ':';
		h += hl + 1;
	}
	*o = '\0';
	return out;
}

/* resigns=: "*", "x.example" or "*.x.example" (strictly below). */
int aa_route_resigns(const struct aa_route *r, const char *domain)
{
	size_t ld = domain != NULL ? strlen(domain) : 0;

	for (size_t i = 0; r != NULL && r->resigns != NULL && domain != NULL && r->resigns[i] != NULL; i++) {
		const char *p = r->resigns[i];

		if (strcmp(p, "*") == 0 || strcasecmp(p, domain) == 0)
			return 1;
		if (p[0] == '*' && p[1] == '.' && ld > strlen(p + 1) &&
		    strcasecmp(domain + ld - strlen(p + 1), p + 1) == 0)
			return 1;
	}
	return 0;
}

const char *aa_route_signer(const struct aa_route *r, const char *from)
{
	const char *best = NULL;
	size_t lf = from != NULL ? strlen(from) : 0;

	if (r == NULL || from == NULL)
		return NULL;
	if (aa_route_resigns(r, from))
		return from;
	/* the listed domain itself, else its nearest listed parent */
	for (size_t i = 0; r->dkim_domains != NULL && r->dkim_domains[i] != NULL; i++) {
		const char *d = r->dkim_domains[i];
		size_t ld = strlen(d);

		if (ld == lf && strcasecmp(d, from) == 0)
			return from;
		if (ld < lf && from[lf - ld - 1] == '.' && strcasecmp(from + lf - ld, d) == 0 &&
		    (best == NULL || ld > strlen(best)))
			best = d;
	}
	return best;
}
