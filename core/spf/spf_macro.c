/* spf_macro.c - SPF macros (RFC 7208 7): their syntax, for the record
 * check, and their expansion, for explanation text (RFC 7208 6.2).
 *
 * libspf2 1.2.10 mangles explanation text, so exp= TXT is expanded here;
 * the macros of domain-specs are still expanded by libspf2, after
 * spf_record.c has checked them with aa_spf_macro_string().
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "aa_ctype.h"
#include "aa_str.h"
#include "spf_int.h"

/* ---- syntax (RFC 7208 7.1) ---- */

/* the header libspf2 puts before each literal run or macro it compiles
 * (the size limit this estimate serves is in spf_record.c) */
#define SPF_CHUNK_COST 8

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
int aa_spf_macro_string(const char *s, size_t n, int exp_only, int *ends_macro_r,
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

/* ---- expansion in explanations (RFC 7208 6.2, 7) ---- */

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

int aa_spf_macro_explain(struct aa_spf_eval *e, const char *txt, size_t len, char **out_r)
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
