/* spf_guard.c - where libspf2's gaps are closed, and only here.
 *
 * libspf2 1.2.10 passes every loopback client, does not treat an
 * IPv4-mapped IPv6 client as IPv4, accepts record syntax RFC 7208 forbids,
 * cannot express a /0 prefix, evaluates redirect= where it appears, has no
 * void-lookup limit, truncates more than 10 MX names instead of failing,
 * does not count lookups made inside include:, does not shorten long names
 * and mangles explanation text. core/spf/spf.c calls the functions below from
 * its entry point and from its libspf2 DNS layer.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "aa_str.h"
#include "spf_guard.h"

/* ---- the client address ---- */

int aa_spf_guard_client(const char *ip, struct aa_spf_client *c)
{
	memset(c, 0, sizeof(*c));
	if (ip == NULL)
		return -1;
	if (inet_pton(AF_INET, ip, &c->v4) == 1) {
		c->family = AF_INET;
	} else if (inet_pton(AF_INET6, ip, &c->v6) == 1) {
		c->family = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&c->v6)) {
			memcpy(&c->v4, &c->v6.s6_addr[12], 4);
			c->family = AF_INET;
		}
	} else {
		return -1;
	}
	if (c->family == AF_INET) {
		c->loopback = (ntohl(c->v4.s_addr) >> 24) == 127;
		inet_ntop(AF_INET, &c->v4, c->text, sizeof(c->text));
	} else {
		c->loopback = IN6_IS_ADDR_LOOPBACK(&c->v6);
		inet_ntop(AF_INET6, &c->v6, c->text, sizeof(c->text));
	}
	return 0;
}

/* ---- names ---- */

/* RFC 7208 toplabel: alphanumerics and '-', not starting or ending with
 * '-', and not all digits. */
static int toplabel_ok(const char *s, size_t n)
{
	int alpha = 0, dash = 0;

	if (n == 0 || !aa_is_alnum((unsigned char)s[0]) || !aa_is_alnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-')
			dash = 1;
		else if (!aa_is_alnum(c))
			return 0;
		else if (aa_is_alpha(c))
			alpha = 1;
	}
	return alpha || dash;
}

int aa_spf_guard_domain(const char *d)
{
	size_t len = d != NULL ? strlen(d) : 0, top;

	if (aa_dns_name_check(d, len, AA_DNS_NAME_ROOT_DOT | AA_DNS_NAME_UNDERSCORE |
			      AA_DNS_NAME_DOTTED) != AA_DNS_NAME_OK)
		return 0;
	len -= d[len - 1] == '.';
	for (top = len; d[top - 1] != '.'; top--)
		;
	return toplabel_ok(d + top, len - top);
}

const char *aa_spf_guard_shorten(const char *name)
{
	size_t len = strlen(name);

	while (len > AA_DNS_NAME_MAX && len > AA_DNS_NAME_MAX + (name[len - 1] == '.')) {
		const char *dot = memchr(name, '.', len);

		if (dot == NULL)
			break;	/* one label longer than 253: left to aa_dns */
		len -= (size_t)(dot + 1 - name);
		name = dot + 1;
	}
	return name;
}

/* ---- record syntax (RFC 7208 4.5, 4.6, 5, 6, 7.1) ---- */

/* libspf2 compiles each term's domain-spec into a 511-byte buffer and
 * underflows a length when it nearly fills (CVE-2023-42118, not fixed in
 * Debian's 1.2.10). A domain-spec whose compiled size could come near that
 * is refused as a permerror; no real domain name gets close. */
#define SPF_CHUNK_COST 8	/* header of one compiled literal run or macro */
#define SPF_COMPILED_MAX 400	/* well under libspf2's SPF_MAX_MECH_LEN */

static int is_delim(unsigned char c)
{
	return c != '\0' && strchr(".-+,/_=", c) != NULL;
}

/* One macro-expand at s[0] == '%' (n bytes available). Returns its length,
 * or 0 when it is not valid. exp_only allows c, r and t (RFC 7208 7.2). */
static size_t macro_expand_len(const char *s, size_t n, int exp_only)
{
	size_t i = 2;

	if (n < 2)
		return 0;
	if (s[1] == '%' || s[1] == '_' || s[1] == '-')
		return 2;
	if (s[1] != '{' || n < 4)
		return 0;
	if (strchr(exp_only ? "slodiphvcrt" : "slodiphv",
		   aa_lower((unsigned char)s[2])) == NULL || s[2] == '\0')
		return 0;
	i = 3;
	if (i < n && aa_is_digit((unsigned char)s[i])) {
		unsigned long v = 0;

		while (i < n && aa_is_digit((unsigned char)s[i]) && v < 1000)
			v = v * 10 + (unsigned long)(s[i++] - '0');
		if (v == 0 || v >= 1000)
			return 0;
	}
	if (i < n && (s[i] == 'r' || s[i] == 'R'))
		i++;
	while (i < n && is_delim((unsigned char)s[i]))
		i++;
	if (i >= n || s[i] != '}')
		return 0;
	return i + 1;
}

/* macro-string: macro-expand / %x21-24 / %x26-7E. *ends_macro_r says
 * whether the last token was a macro-expand; *cost_r estimates the bytes
 * libspf2 compiles it into (each literal run or macro takes a header). */
static int macro_string_ok(const char *s, size_t n, int exp_only, int *ends_macro_r,
			   size_t *cost_r)
{
	int ends_macro = 0;
	size_t cost = 0;

	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];

		if (c == '%') {
			size_t m = macro_expand_len(s + i, n - i, exp_only);

			if (m == 0)
				return 0;
			i += m;
			ends_macro = 1;
			cost += SPF_CHUNK_COST;
		} else if (c >= 0x21 && c <= 0x7e) {
			if (i == 0 || ends_macro)
				cost += SPF_CHUNK_COST;
			i++;
			ends_macro = 0;
			cost++;
		} else {
			return 0;
		}
	}
	if (ends_macro_r != NULL)
		*ends_macro_r = ends_macro;
	if (cost_r != NULL)
		*cost_r = cost;
	return 1;
}

/* domain-spec = macro-string domain-end
 * domain-end  = ( "." toplabel [ "." ] ) / macro-expand */
static int domain_spec_ok(const char *s, size_t n)
{
	int ends_macro;
	size_t end = n, dot, cost;

	if (n == 0 || !macro_string_ok(s, n, 0, &ends_macro, &cost) || cost > SPF_COMPILED_MAX)
		return 0;
	if (ends_macro)
		return 1;
	if (s[end - 1] == '.') {
		end--;
		/* "%{d}." : a macro-expand followed by the root dot */
		if (end > 0 && s[end - 1] == '}' && macro_string_ok(s, end, 0, &ends_macro, NULL) &&
		    ends_macro)
			return 1;
	}
	dot = end;
	while (dot > 0 && s[dot - 1] != '.')
		dot--;
	if (dot == 0)
		return 0;	/* no "." before the top label */
	return toplabel_ok(s + dot, end - dot);
}

/* "0" / %x31-39 0*nDIGIT, at most max. */
static int cidr_parse(const char *s, size_t n, int max, int *v_r)
{
	int v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!aa_is_digit((unsigned char)s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return 0;
	*v_r = v;
	return 1;
}

static size_t digits_back(const char *s, size_t end)
{
	size_t k = end;

	while (k > 0 && aa_is_digit((unsigned char)s[k - 1]))
		k--;
	return k;
}

/* Split a trailing dual-cidr-length off s[0..n). Returns the length of what
 * is before it; c4/c6 stay -1 when absent; *bad_r set on a bad length. */
static size_t dual_cidr_split(const char *s, size_t n, int *c4, int *c6, int *bad_r)
{
	size_t k = digits_back(s, n);

	*c4 = *c6 = -1;
	if (k == n || k == 0 || s[k - 1] != '/')
		return n;
	if (k >= 2 && s[k - 2] == '/') {
		if (!cidr_parse(s + k, n - k, 128, c6))
			*bad_r = 1;
		n = k - 2;
		k = digits_back(s, n);
		if (k == n || k == 0 || s[k - 1] != '/' || (k >= 2 && s[k - 2] == '/'))
			return n;
	}
	if (!cidr_parse(s + k, n - k, 32, c4))
		*bad_r = 1;
	return k - 1;
}

/* ip4-network: four qnum, no leading zeros (RFC 7208 5.6). */
static int ip4_ok(const char *s, size_t n)
{
	unsigned parts = 0;
	size_t i = 0;

	while (parts < 4) {
		size_t st = i;
		int v = 0;

		while (i < n && aa_is_digit((unsigned char)s[i]) && i - st < 4)
			v = v * 10 + (s[i++] - '0');
		if (i == st || i - st > 3 || (i - st > 1 && s[st] == '0') || v > 255)
			return 0;
		parts++;
		if (parts < 4) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n;
}

static int ip6_ok(const char *s, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in6_addr a;

	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, &a) == 1;
}

struct rec_state {
	struct aa_str *o;
	int family;
	const char *any_label;
	const char *redirect;
	size_t redirect_len;
	int has_all, has_exp;
	unsigned mechs;			/* mechanisms written */
	int temp;			/* the reason returned is a temperror */
};

/* Start a mechanism in the output. */
static void emit_qual(struct rec_state *st, char q)
{
	st->mechs++;
	aa_str_add(st->o, " ", 1);
	if (q != '\0')
		aa_str_add(st->o, &q, 1);
}

/* a and mx: [ ":" domain-spec ] [ dual-cidr-length ] */
static const char *term_a_mx(struct rec_state *st, char q, const char *mech,
			     const char *r, size_t n)
{
	int c4, c6, bad = 0, mine;
	size_t dn;
	const char *d = r;
	char num[16];

	dn = dual_cidr_split(r, n, &c4, &c6, &bad);
	if (bad)
		return "bad CIDR length";
	if (dn > 0) {
		if (r[0] != ':' || !domain_spec_ok(r + 1, dn - 1))
			return "bad domain-spec";
		d = r + 1;
		dn--;
	}
	mine = st->family == AF_INET ? c4 : c6;
	if (mine == 0 && st->any_label[0] == '\0') {
		st->temp = 1;
		return "no random source for the label of a /0 prefix";
	}
	emit_qual(st, q);
	aa_str_addz(st->o, mech);
	if (mine == 0) {
		aa_str_add(st->o, ":", 1);
		aa_str_addz(st->o, st->any_label);
		if (dn > 0)
			aa_str_add(st->o, d, dn);
		else
			aa_str_addz(st->o, "%{d}");
	} else if (dn > 0) {
		aa_str_add(st->o, ":", 1);
		aa_str_add(st->o, d, dn);
	}
	if (c4 > 0) {
		snprintf(num, sizeof(num), "/%d", c4);
		aa_str_addz(st->o, num);
	}
	if (c6 > 0) {
		snprintf(num, sizeof(num), "//%d", c6);
		aa_str_addz(st->o, num);
	}
	return NULL;
}

/* ip4 and ip6: ":" network [ cidr-length ] */
static const char *term_ip(struct rec_state *st, char q, int v6, const char *r, size_t n)
{
	size_t k = digits_back(r, n), net_end = n;
	int cidr = -1;

	if (n < 2 || r[0] != ':')
		return "bad ip4/ip6 term";
	if (k < n && k > 0 && r[k - 1] == '/') {
		if (k >= 2 && r[k - 2] == '/')
			return "dual CIDR length on ip4/ip6";
		if (!cidr_parse(r + k, n - k, v6 ? 128 : 32, &cidr))
			return "bad CIDR length";
		net_end = k - 1;
	}
	if (v6 ? !ip6_ok(r + 1, net_end - 1) : !ip4_ok(r + 1, net_end - 1))
		return "bad IP address";
	if (cidr == 0) {
		/* /0 matches every address of the family: two halves */
		emit_qual(st, q);
		aa_str_addz(st->o, v6 ? "ip6:::/1" : "ip4:0.0.0.0/1");
		emit_qual(st, q);
		aa_str_addz(st->o, v6 ? "ip6:8000::/1" : "ip4:128.0.0.0/1");
		return NULL;
	}
	emit_qual(st, q);
	aa_str_addz(st->o, v6 ? "ip6" : "ip4");
	aa_str_add(st->o, r, n);
	return NULL;
}

static const char *term_mechanism(struct rec_state *st, const char *t, size_t n)
{
	char q = '\0', name[8];
	size_t i = 0, nl;

	if (strchr("+-~?", t[0]) != NULL) {
		q = t[0];
		i = 1;
	}
	for (nl = 0; i + nl < n && t[i + nl] != ':' && t[i + nl] != '/'; nl++)
		;
	if (nl == 0 || nl >= sizeof(name))
		return "unknown mechanism";
	for (size_t k = 0; k < nl; k++)
		name[k] = (char)aa_lower((unsigned char)t[i + k]);
	name[nl] = '\0';
	t += i + nl;
	n -= i + nl;
	if (strcmp(name, "all") == 0) {
		if (n != 0)
			return "bad all";
		st->has_all = 1;
		emit_qual(st, q);
		aa_str_addz(st->o, "all");
		return NULL;
	}
	if (strcmp(name, "a") == 0 || strcmp(name, "mx") == 0)
		return term_a_mx(st, q, name, t, n);
	if (strcmp(name, "ip4") == 0 || strcmp(name, "ip6") == 0)
		return term_ip(st, q, name[2] == '6', t, n);
	if (strcmp(name, "include") == 0 || strcmp(name, "exists") == 0 ||
	    strcmp(name, "ptr") == 0) {
		int optional = name[0] == 'p';

		if (n == 0 && optional) {
			/* bare ptr */
		} else if (n < 2 || t[0] != ':' || !domain_spec_ok(t + 1, n - 1)) {
			return "bad domain-spec";
		}
		emit_qual(st, q);
		aa_str_addz(st->o, name);
		aa_str_add(st->o, t, n);
		return NULL;
	}
	return "unknown mechanism";
}

/* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ); returns its length
 * when followed by '=', else 0. */
static size_t modifier_name_len(const char *t, size_t n)
{
	size_t i = 0;

	if (n == 0 || !aa_is_alpha((unsigned char)t[0]))
		return 0;
	while (i < n && (aa_is_alnum((unsigned char)t[i]) || t[i] == '-' || t[i] == '_' ||
			 t[i] == '.'))
		i++;
	return i < n && t[i] == '=' ? i : 0;
}

static const char *term_modifier(struct rec_state *st, const char *t, size_t nl, size_t n)
{
	const char *v = t + nl + 1;
	size_t vn = n - nl - 1;

	if (nl == 8 && strncasecmp(t, "redirect", 8) == 0) {
		if (st->redirect != NULL)
			return "redirect= twice";
		if (!domain_spec_ok(v, vn))
			return "bad redirect= domain-spec";
		st->redirect = v;
		st->redirect_len = vn;
		return NULL;
	}
	if (nl == 3 && strncasecmp(t, "exp", 3) == 0) {
		if (st->has_exp)
			return "exp= twice";
		if (!domain_spec_ok(v, vn))
			return "bad exp= domain-spec";
		st->has_exp = 1;
		aa_str_addz(st->o, " exp=");
		aa_str_add(st->o, v, vn);
		return NULL;
	}
	/* unknown modifier: checked, then dropped (RFC 7208 6) */
	if (!macro_string_ok(v, vn, 1, NULL, NULL))
		return "bad macro in modifier";
	return NULL;
}

int aa_spf_guard_record(struct aa_arena *arena, const char *txt, size_t len, int family,
			const char *any_label, char **norm_r, unsigned *mechs_r,
			const char **why_r)
{
	struct aa_str o;
	struct rec_state st = { .o = &o, .family = family, .any_label = any_label };
	char *norm;
	size_t i = 6;

	*why_r = "not an SPF record";
	if (len < 6 || strncasecmp(txt, "v=spf1", 6) != 0 || (len > 6 && txt[6] != ' '))
		return -1;
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)txt[k];

		if (c < 0x20 || c > 0x7e) {
			*why_r = "control or non-ASCII byte in record";
			return -1;
		}
	}
	aa_str_init(&o, arena, len * 8 + 256);
	aa_str_addz(&o, "v=spf1");
	while (i < len) {
		size_t st_i, tn, nl;
		const char *why;

		while (i < len && txt[i] == ' ')
			i++;
		if (i >= len)
			break;
		st_i = i;
		while (i < len && txt[i] != ' ')
			i++;
		tn = i - st_i;
		nl = modifier_name_len(txt + st_i, tn);
		why = nl > 0 ? term_modifier(&st, txt + st_i, nl, tn)
			     : term_mechanism(&st, txt + st_i, tn);
		if (why != NULL) {
			*why_r = why;
			return st.temp ? -2 : -1;
		}
	}
	if (st.redirect != NULL && !st.has_all) {
		aa_str_addz(&o, " redirect=");
		aa_str_add(&o, st.redirect, st.redirect_len);
		st.mechs++;	/* libspf2 keeps redirect= as a mechanism */
	}
	if ((norm = aa_str_finish(&o, NULL)) == NULL) {
		*why_r = "out of memory";
		return -2;
	}
	if (aa_str_over(&o)) {
		*why_r = "record too long";
		return -1;
	}
	*norm_r = norm;
	*mechs_r = st.mechs;
	return 0;
}

/* ---- lookup limits (RFC 7208 4.6.4) ---- */

int aa_spf_guard_term(struct aa_spf_eval *e)
{
	if (e->limit != NULL)
		return -1;
	if (++e->terms > AA_SPF_MAX_TERMS) {
		e->limit = "more than 10 DNS-querying terms";
		return -1;
	}
	return 0;
}

void aa_spf_guard_follow_reset(struct aa_spf_eval *e)
{
	e->follow_n = e->follow_next = 0;
}

int aa_spf_guard_is_follow(struct aa_spf_eval *e, const char *name)
{
	if (e->follow_next < e->follow_n && strcasecmp(e->follow[e->follow_next], name) == 0) {
		e->follow_next++;
		return 1;
	}
	aa_spf_guard_follow_reset(e);
	return 0;
}

int aa_spf_guard_answer(struct aa_spf_eval *e, enum aa_dns_type type,
			const struct aa_dns_answer *a)
{
	if (aa_dns_is_temp(a->status))
		e->dns_temp = 1;
	if (a->status == AA_DNS_NXDOMAIN || a->status == AA_DNS_NODATA ||
	    (a->status == AA_DNS_OK && a->count == 0)) {
		if (++e->voids > AA_SPF_MAX_VOID) {
			e->limit = "more than 2 void lookups";
			return -1;
		}
	}
	if (a->status != AA_DNS_OK || (type != AA_DNS_MX && type != AA_DNS_PTR))
		return 0;
	if (type == AA_DNS_MX && a->count > AA_SPF_MAX_MX) {
		e->limit = "more than 10 MX names";
		return -1;
	}
	/* copies: a later lookup may empty the aa_dns cache that holds a */
	aa_spf_guard_follow_reset(e);
	for (size_t i = 0; i < a->count && i < AA_SPF_MAX_MX; i++) {
		const char *name = aa_arena_strdup(e->ctx->arena,
						   a->rr[i].text != NULL ? a->rr[i].text : "");

		if (name == NULL)
			break;	/* out of memory: the lookup then counts as a term */
		e->follow[e->follow_n++] = name;
	}
	return 0;
}

/* ---- explanations (RFC 7208 6.2, 7) ---- */

/* The validated domain of the client (RFC 7208 5.5), "unknown", or NULL
 * when out of memory. */
static const char *validated_name(struct aa_spf_eval *e)
{
	char rev[80];
	const struct aa_dns_answer *ptr;
	enum aa_dns_type t = e->client.family == AF_INET ? AA_DNS_A : AA_DNS_AAAA;
	const char *names[AA_SPF_MAX_PTR];
	size_t nn = 0;
	int n = 0;

	if (e->client.family == AF_INET) {
		const unsigned char *b = (const unsigned char *)&e->client.v4;

		snprintf(rev, sizeof(rev), "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
	} else {
		for (int i = 15; i >= 0; i--) {
			unsigned char b = e->client.v6.s6_addr[i];

			n += snprintf(rev + n, sizeof(rev) - (size_t)n, "%x.%x.", b & 15, b >> 4);
		}
		snprintf(rev + n, sizeof(rev) - (size_t)n, "ip6.arpa");
	}
	ptr = aa_dns_lookup(e->ctx->dns, rev, AA_DNS_PTR);
	for (size_t i = 0; ptr->status == AA_DNS_OK && i < ptr->count && i < AA_SPF_MAX_PTR; i++)
		names[nn++] = ptr->rr[i].text;
	/* copies: the lookups below may empty the aa_dns cache that holds ptr */
	for (size_t i = 0; i < nn; i++) {
		names[i] = aa_arena_strdup(e->ctx->arena, names[i]);
		if (names[i] == NULL)
			return NULL;
	}
	for (size_t i = 0; i < nn; i++) {
		const char *name = names[i];
		const struct aa_dns_answer *a = aa_dns_lookup(e->ctx->dns, name, t);

		for (size_t j = 0; a->status == AA_DNS_OK && j < a->count; j++) {
			if (t == AA_DNS_A ? a->rr[j].a.s_addr == e->client.v4.s_addr
					  : memcmp(&a->rr[j].aaaa, &e->client.v6, 16) == 0)
				return name;
		}
	}
	return "unknown";
}

/* The value of one macro letter, before transformers. */
static const char *macro_value(struct aa_spf_eval *e, char letter, char *buf, size_t size)
{
	const char *at = strrchr(e->sender, '@');

	switch (letter) {
	case 's': return e->sender;
	case 'l':
		if (at == NULL || at == e->sender)
			return "postmaster";
		return aa_arena_strndup(e->ctx->arena, e->sender, (size_t)(at - e->sender));
	case 'o': return at != NULL ? at + 1 : e->sender;
	case 'd': return e->cur_dom != NULL ? e->cur_dom : "";
	case 'h': return e->helo != NULL ? e->helo : "";
	case 'v': return e->client.family == AF_INET ? "in-addr" : "ip6";
	case 'c': return e->client.text;
	case 'r': return e->receiver != NULL ? e->receiver : "unknown";
	case 't': snprintf(buf, size, "%lld", (long long)time(NULL)); return buf;
	case 'p': return validated_name(e);
	case 'i':
		if (e->client.family == AF_INET)
			return e->client.text;
		for (int i = 0, n = 0; i < 16; i++)
			n += snprintf(buf + n, size - (size_t)n, "%X.%X%s",
				      e->client.v6.s6_addr[i] >> 4, e->client.v6.s6_addr[i] & 15,
				      i < 15 ? "." : "");
		return buf;
	}
	return "";
}

#define MACRO_PARTS_MAX 128

/* Apply transformers and delimiters (RFC 7208 7.3) to value; append. */
static void macro_transform(struct aa_str *o, const char *value, unsigned keep, int reverse,
			    const char *delims, size_t ndelims, int url)
{
	const char *part[MACRO_PARTS_MAX];
	size_t plen[MACRO_PARTS_MAX], np = 0, first;
	const char *p = value;

	for (;;) {
		size_t l = 0;

		while (p[l] != '\0' && memchr(delims, p[l], ndelims) == NULL)
			l++;
		if (np == MACRO_PARTS_MAX)
			break;
		part[np] = p;
		plen[np++] = l;
		if (p[l] == '\0')
			break;
		p += l + 1;
	}
	/* reverse first, then keep the rightmost parts */
	first = keep > 0 && keep < np ? np - keep : 0;
	for (size_t k = first; k < np; k++) {
		size_t idx = reverse ? np - 1 - k : k;

		if (k > first)
			aa_str_add(o, ".", 1);
		for (size_t c = 0; c < plen[idx]; c++) {
			unsigned char ch = (unsigned char)part[idx][c];
			char hex[4];

			if (url && !(aa_is_alnum(ch) || strchr("-._~", ch) != NULL)) {
				snprintf(hex, sizeof(hex), "%%%02X", ch);
				aa_str_add(o, hex, 3);
			} else {
				aa_str_add(o, (const char *)&ch, 1);
			}
		}
	}
}

int aa_spf_guard_explain(struct aa_spf_eval *e, const char *txt, size_t len, char **out_r)
{
	struct aa_str o;
	char *text;
	char vbuf[128];

	for (size_t k = 0; k < len; k++) {
		if ((unsigned char)txt[k] < 0x20 || (unsigned char)txt[k] > 0x7e)
			return -1;
	}
	aa_str_init(&o, e->ctx->arena, len * 4 + 1024);
	for (size_t i = 0; i < len;) {
		size_t m;
		unsigned keep = 0;
		int reverse = 0;
		char letter;
		const char *value;
		size_t j;

		if (txt[i] != '%') {
			aa_str_add(&o, txt + i, 1);
			i++;
			continue;
		}
		m = macro_expand_len(txt + i, len - i, 1);
		if (m == 0)
			return -1;
		if (m == 2) {
			aa_str_addz(&o, txt[i + 1] == '%' ? "%" : txt[i + 1] == '_' ? " " : "%20");
			i += 2;
			continue;
		}
		letter = txt[i + 2];
		j = i + 3;
		while (aa_is_digit((unsigned char)txt[j]))
			keep = keep * 10 + (unsigned)(txt[j++] - '0');
		if (txt[j] == 'r' || txt[j] == 'R') {
			reverse = 1;
			j++;
		}
		value = macro_value(e, (char)aa_lower((unsigned char)letter), vbuf, sizeof(vbuf));
		if (value == NULL)
			return -1;	/* out of memory */
		macro_transform(&o, value, keep, reverse, j < i + m - 1 ? txt + j : ".",
				j < i + m - 1 ? i + m - 1 - j : 1,
				aa_is_upper((unsigned char)letter));
		i += m;
	}
	if ((text = aa_str_finish(&o, NULL)) == NULL || aa_str_over(&o))
		return -1;	/* out of memory, or too long */
	*out_r = text;
	return 0;
}
