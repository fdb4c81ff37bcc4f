/* spf_record.c - check an SPF record against the RFC 7208 ABNF and
 * rewrite it into what libspf2 evaluates as RFC 7208 says.
 *
 * libspf2 1.2.10 accepts record syntax RFC 7208 forbids, cannot express
 * a /0 prefix and evaluates redirect= where it appears. The rewrite puts
 * redirect= last (and drops it when there is an "all"), drops unknown
 * modifiers and makes /0 prefixes matchable (spf_int.h, any_label).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_str.h"
#include "spf_int.h"

/* ---- record syntax (RFC 7208 4.5, 4.6, 5, 6, 7.1) ---- */

/* libspf2 compiles each term's domain-spec into a 511-byte buffer and
 * underflows a length when it nearly fills (CVE-2023-42118, not fixed in
 * Debian's 1.2.10). A domain-spec whose compiled size could come near that
 * (aa_spf_macro_string() estimates it) is refused as a permerror;
 * no real domain name gets close. */
#define SPF_COMPILED_MAX 400	/* well under libspf2's SPF_MAX_MECH_LEN */

/* domain-spec = macro-string domain-end
 * domain-end  = ( "." toplabel [ "." ] ) / macro-expand */
static int domain_spec_ok(const char *s, size_t n)
{
	int ends_macro;
	size_t end = n, dot, cost;

	if (n == 0 || !aa_spf_macro_string(s, n, 0, &ends_macro, &cost) ||
	    cost > SPF_COMPILED_MAX)
		return 0;
	if (ends_macro)
		return 1;
	if (s[end - 1] == '.') {
		end--;
		/* "%{d}." : a macro-expand followed by the root dot */
		if (end > 0 && s[end - 1] == '}' &&
		    aa_spf_macro_string(s, end, 0, &ends_macro, NULL) && ends_macro)
			return 1;
	}
	dot = end;
	while (dot > 0 && s[dot - 1] != '.')
		dot--;
	if (dot == 0)
		return 0;	/* no "." before the top label */
	return aa_spf_client_toplabel(s + dot, end - dot);
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
	if (!aa_spf_macro_string(v, vn, 1, NULL, NULL))
		return "bad macro in modifier";
	return NULL;
}

int aa_spf_record_check(struct aa_arena *arena, const char *txt, size_t len, int family,
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
