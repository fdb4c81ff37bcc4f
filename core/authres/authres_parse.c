/* authres_parse.c - read an Authentication-Results value (RFC 8601 2.2).
 *
 * A cursor over (pointer, length); every step either moves it forward or
 * fails, so each loop ends within the value's length. Comments (RFC 5322
 * 3.2.2, nested up to AA_AUTHRES_COMMENT_DEPTH_MAX) and folding may stand
 * between any two tokens. Nothing is read past the given length and no
 * NUL terminator is expected.
 */
#include <string.h>
#include <strings.h>
#include "aa_authres.h"
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "aa_header.h"
#include "aa_str.h"

#define AUTHRES_NAME "Authentication-Results"

struct span {
	const unsigned char *p;
	size_t n;
	int quoted;		/* the inside of a quoted-string: quoted-pairs still in */
};

struct cur {
	const unsigned char *start, *p, *end;
	int lenient;
	const char *err;	/* why the parse stopped (first reason wins) */
	size_t err_at;
};

static int fail(struct cur *c, const char *why)
{
	if (c->err == NULL) {
		c->err = why;
		c->err_at = (size_t)(c->p - c->start);
	}
	return -1;
}

static void clear_err(struct cur *c)
{
	c->err = NULL;
	c->err_at = 0;
}

/* -1 at the end: never a character any test below accepts. */
static int peek(const struct cur *c)
{
	return c->p < c->end ? *c->p : -1;
}

/* ---- character classes (ASCII only, never the locale: aa_ctype.h) ---- */

/* RFC 2045 5.1 token: printable ASCII except SPACE and tspecials. */
static bool is_token_char(unsigned char ch)
{
	if (ch <= 0x20 || ch >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", ch) == NULL;
}

/* RFC 5322 3.2.3 atext. */
static bool is_atext(unsigned char ch)
{
	if (aa_is_alnum(ch))
		return 1;
	return ch > 0 && ch < 0x7f && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL;
}

/* A byte inside a comment or quoted-string: printable, white space, or
 * 8-bit (RFC 6532 UTF-8; kept, not checked). No other controls. */
static int is_text_byte(int ch)
{
	return ch >= 0x80 || (ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\r' || ch == '\n';
}

/* RFC 5322 3.2.1 quoted-pair: "\" (VCHAR / WSP), 8-bit allowed as above. */
static int is_qp_byte(int ch)
{
	return ch >= 0x80 || (ch >= 0x20 && ch < 0x7f) || ch == '\t';
}

/* ---- lexical pieces ---- */

/* A comment starting at '(' (RFC 5322 3.2.2), nesting capped. */
static int comment(struct cur *c)
{
	int depth = 0;

	do {
		int ch = *c->p;

		if (ch == '\\') {
			if (c->p + 1 >= c->end || !is_qp_byte(c->p[1]))
				return fail(c, "bad quoted-pair in a comment");
			c->p += 2;
			continue;
		}
		if (ch == '(') {
			if (++depth > AA_AUTHRES_COMMENT_DEPTH_MAX)
				return fail(c, "comments nested too deep");
		} else if (ch == ')') {
			depth--;
		} else if (!is_text_byte(ch)) {
			return fail(c, "control character in a comment");
		}
		c->p++;
	} while (c->p < c->end && depth > 0);
	if (depth > 0)
		return fail(c, "unclosed comment");
	return 0;
}

/* Skip CFWS: 1 something was skipped, 0 nothing, -1 a bad comment. */
static int cfws(struct cur *c)
{
	const unsigned char *from = c->p;

	while (c->p < c->end) {
		if (aa_is_fws(*c->p)) {
			c->p++;
		} else if (*c->p == '(') {
			if (comment(c) < 0)
				return -1;
		} else {
			break;
		}
	}
	return c->p > from;
}

static int quoted_string(struct cur *c, struct span *s)
{
	const unsigned char *q = c->p + 1;
	size_t n = 0;

	while (q < c->end && *q != '"') {
		if (*q == '\\') {
			if (q + 1 >= c->end || !is_qp_byte(q[1]))
				return fail(c, "bad quoted-pair in a quoted-string");
			q += 2;
		} else if (!is_text_byte(*q)) {
			return fail(c, "control character in a quoted-string");
		} else {
			q++;
		}
		if (++n > AA_AUTHRES_ITEM_MAX)
			return fail(c, "quoted-string too long");
	}
	if (q >= c->end)
		return fail(c, "unclosed quoted-string");
	s->p = c->p + 1;
	s->n = (size_t)(q - s->p);
	s->quoted = 1;
	c->p = q + 1;
	return 0;
}

/* A run of bytes that pass ok(), at least one, at most the item cap. */
static int run(struct cur *c, struct span *s, bool (*ok)(unsigned char), const char *what)
{
	const unsigned char *from = c->p;

	while (c->p < c->end && ok(*c->p))
		c->p++;
	if (c->p == from)
		return fail(c, what);
	if ((size_t)(c->p - from) > AA_AUTHRES_ITEM_MAX)
		return fail(c, "token too long");
	s->p = from;
	s->n = (size_t)(c->p - from);
	s->quoted = 0;
	return 0;
}

static bool is_lenient_keyword_char(unsigned char ch)
{
	return is_token_char(ch) && ch != '.';
}

/* RFC 8601 2.2 Keyword = ldh-str (RFC 5321 4.1.2): letters, digits and
 * hyphens, not ending in a hyphen. Lenient: any token character but ".". */
static int keyword(struct cur *c, struct span *s, const char *what)
{
	if (c->lenient)
		return run(c, s, is_lenient_keyword_char, what);
	if (run(c, s, aa_is_ldh, what) < 0)
		return -1;
	if (s->p[s->n - 1] == '-')
		return fail(c, "keyword ends in a hyphen");
	return 0;
}

/* RFC 2045 value: token / quoted-string. */
static int value(struct cur *c, struct span *s, const char *what)
{
	if (peek(c) == '"')
		return quoted_string(c, s);
	return run(c, s, is_token_char, what);
}

/* RFC 6376 3.5 domain-name: sub-domain 1*("." sub-domain), where
 * sub-domain = Let-dig [Ldh-str] (RFC 5321 4.1.2). A lexer, not a
 * check of a known span: it finds where the name ends inside the field
 * and reports the label at fault, so it does not call
 * aa_dns_name_check(); it takes its label limit from aa_dns_name.h. */
static int domain_name(struct cur *c)
{
	int labels = 0;

	for (;;) {
		const unsigned char *label = c->p;

		if (!aa_is_alnum(peek(c)))
			return fail(c, "bad domain-name");
		while (c->p < c->end && aa_is_ldh(*c->p))
			c->p++;
		if (c->p[-1] == '-')
			return fail(c, "domain label ends in a hyphen");
		if (c->p - label > AA_DNS_LABEL_MAX)
			return fail(c, "domain label too long");
		labels++;
		if (peek(c) != '.' || c->p + 1 >= c->end || !aa_is_alnum(c->p[1]))
			break;
		c->p++;
	}
	if (labels < 2)
		return fail(c, "domain-name without a dot");
	return 0;
}

/* A dot-atom (RFC 5322 3.2.3) made of atext: no leading, trailing or
 * doubled dots. */
static int is_dot_atom(const unsigned char *p, size_t n)
{
	if (n == 0 || p[0] == '.' || p[n - 1] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '.' ? p[i + 1] == '.' : !is_atext(p[i]))
			return 0;
	}
	return 1;
}

static bool is_atext_or_dot(unsigned char ch)
{
	return is_atext(ch) || ch == '.';
}

/* "@" domain-name, the "@" at c->p; the span then runs from from. */
static int at_domain(struct cur *c, const unsigned char *from, struct span *s)
{
	c->p++;
	if (domain_name(c) < 0)
		return -1;
	if ((size_t)(c->p - from) > AA_AUTHRES_ITEM_MAX)
		return fail(c, "address too long");
	s->p = from;
	s->n = (size_t)(c->p - from);
	s->quoted = 0;
	return 0;
}

/* RFC 8601 2.2 pvalue without its CFWS: value / [[local-part] "@"]
 * domain-name. An address comes back as written (a quoted local part
 * keeps its quotes); a quoted-string value comes back unquoted. */
static int pvalue_strict(struct cur *c, struct span *s)
{
	const unsigned char *from = c->p;
	struct span w;

	if (peek(c) == '@')
		return at_domain(c, from, s);
	if (peek(c) == '"') {
		if (quoted_string(c, s) < 0)
			return -1;
		if (peek(c) == '@')
			return at_domain(c, from, s);
		return 0;
	}
	if (run(c, &w, is_atext_or_dot, "expected a property value") == 0 && peek(c) == '@') {
		if (!is_dot_atom(w.p, w.n))
			return fail(c, "bad local-part");
		return at_domain(c, from, s);
	}
	clear_err(c);
	c->p = from;
	return run(c, s, is_token_char, "expected a property value");
}

static bool is_word_byte(unsigned char ch)
{
	return ch > 0x20 && ch != 0x7f && ch != ';' && ch != '(' && ch != ')' && ch != '"';
}

static int pvalue(struct cur *c, struct span *s)
{
	const unsigned char *from = c->p;
	const char *err = c->err;
	int ch;

	if (pvalue_strict(c, s) == 0) {
		ch = peek(c);
		if (!c->lenient || ch == -1 || ch == ';' || ch == '(' || aa_is_fws(ch))
			return 0;
	} else if (!c->lenient) {
		return -1;
	}
	/* lenient: any printable run (base64 with "/", "128/128") */
	c->err = err;
	c->p = from;
	return run(c, s, is_word_byte, "expected a property value");
}

static int digits(struct cur *c, struct span *s, const char *what)
{
	return run(c, s, aa_is_digit, what);
}

static int span_is(const struct span *s, const char *word)
{
	size_t n = strlen(word);

	return !s->quoted && s->n == n && strncasecmp((const char *)s->p, word, n) == 0;
}

/* ---- results ---- */

struct prop_spans {
	struct span ptype, property, value;
};

struct resinfo_spans {
	struct span method, version, result, reason;
	size_t nprops;
	struct prop_spans props[AA_AUTHRES_PROP_MAX];
};

/* propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue, and
 * in lenient mode also property [CFWS] "=" pvalue. */
static int propspec(struct cur *c, struct prop_spans *ps)
{
	if (keyword(c, &ps->ptype, "expected a ptype") < 0 || cfws(c) < 0)
		return -1;
	if (peek(c) == '.') {
		c->p++;
		if (cfws(c) < 0 || keyword(c, &ps->property, "expected a property") < 0 || cfws(c) < 0)
			return -1;
	} else if (c->lenient && peek(c) == '=') {
		ps->property = ps->ptype;
		ps->ptype.n = 0;
	} else {
		return fail(c, "expected \".\" between ptype and property");
	}
	if (peek(c) != '=')
		return fail(c, "expected \"=\" after a property");
	c->p++;
	if (cfws(c) < 0 || pvalue(c, &ps->value) < 0 || cfws(c) < 0)
		return -1;
	return 0;
}

/* resinfo after its ";": methodspec [CFWS reasonspec] [CFWS 1*propspec].
 * Ends before the next ";" or at the end. */
static int resinfo(struct cur *c, struct resinfo_spans *r)
{
	memset(r, 0, sizeof(*r));
	if (keyword(c, &r->method, "expected a method") < 0 || cfws(c) < 0)
		return -1;
	if (peek(c) == '/') {
		c->p++;
		if (cfws(c) < 0 || digits(c, &r->version, "expected a method version") < 0 || cfws(c) < 0)
			return -1;
	}
	if (peek(c) != '=')
		return fail(c, "expected \"=\" after the method");
	c->p++;
	if (cfws(c) < 0 || keyword(c, &r->result, "expected a result") < 0 || cfws(c) < 0)
		return -1;
	if (peek(c) != -1 && peek(c) != ';') {
		const unsigned char *save = c->p;
		struct span k;

		if (keyword(c, &k, "expected a reason or property") < 0 || cfws(c) < 0)
			return -1;
		if (span_is(&k, "reason") && peek(c) == '=') {
			c->p++;
			if (cfws(c) < 0 || value(c, &r->reason, "expected a reason") < 0 || cfws(c) < 0)
				return -1;
		} else {
			c->p = save;
		}
	}
	while (peek(c) != -1 && peek(c) != ';') {
		if (r->nprops == AA_AUTHRES_PROP_MAX)
			return fail(c, "too many properties");
		if (propspec(c, &r->props[r->nprops]) < 0)
			return -1;
		r->nprops++;
	}
	return 0;
}

/* Lenient recovery: move to the next ";" outside comments and quotes
 * (a broken comment or quoted-string swallows the rest). */
static void skip_to_semicolon(struct cur *c)
{
	struct span ignored;
	int rc = 0;

	while (c->p < c->end && *c->p != ';' && rc == 0) {
		if (*c->p == '(')
			rc = comment(c);
		else if (*c->p == '"')
			rc = quoted_string(c, &ignored);
		else
			c->p++;
	}
	if (rc < 0)
		c->p = c->end;
	clear_err(c);
}

/* ---- into the arena ---- */

static char *span_str(struct aa_ctx *ctx, const struct span *s, int lower)
{
	char *out = aa_arena_alloc(ctx->arena, s->n + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		unsigned char ch = s->p[i];

		if (s->quoted && (ch == '\r' || ch == '\n'))
			continue;	/* unfolding */
		if (s->quoted && ch == '\\' && i + 1 < s->n)
			ch = s->p[++i];
		if (lower)
			ch = (unsigned char)aa_lower(ch);
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}

static int store_resinfo(struct aa_ctx *ctx, const struct resinfo_spans *rs, struct aa_authres_resinfo *r)
{
	r->method = span_str(ctx, &rs->method, 1);
	r->method_version = rs->version.n > 0 ? span_str(ctx, &rs->version, 0) : NULL;
	r->result = span_str(ctx, &rs->result, 1);
	r->reason = rs->reason.p != NULL ? span_str(ctx, &rs->reason, 0) : NULL;
	r->nprops = rs->nprops;
	r->props = NULL;
	if (r->method == NULL || r->result == NULL || (rs->version.n > 0 && r->method_version == NULL) ||
	    (rs->reason.p != NULL && r->reason == NULL))
		return -1;
	if (rs->nprops == 0)
		return 0;
	r->props = aa_arena_alloc(ctx->arena, rs->nprops * sizeof(*r->props));
	if (r->props == NULL)
		return -1;
	for (size_t i = 0; i < rs->nprops; i++) {
		r->props[i].ptype = span_str(ctx, &rs->props[i].ptype, 1);
		r->props[i].property = span_str(ctx, &rs->props[i].property, 1);
		r->props[i].value = span_str(ctx, &rs->props[i].value, 0);
		if (r->props[i].ptype == NULL || r->props[i].property == NULL || r->props[i].value == NULL)
			return -1;
	}
	return 0;
}

/* ---- the field ---- */

/* authserv-id [CFWS authres-version], CFWS skipped before and after. */
static int head(struct cur *c, struct span *id, struct span *version)
{
	int sp;

	if (cfws(c) < 0 || value(c, id, "expected an authserv-id") < 0)
		return -1;
	if ((sp = cfws(c)) < 0)
		return -1;
	if (aa_is_digit(peek(c))) {
		if (sp == 0)
			return fail(c, "no space before the version");
		if (digits(c, version, "expected a version") < 0 || cfws(c) < 0)
			return -1;
	}
	return 0;
}

/* "none" standing alone after the first ";": 1 it is, 0 it is not (a
 * method may be called "none"), -1 "none" followed by something else. */
static int no_result(struct cur *c)
{
	const unsigned char *save = c->p;
	struct span k;

	if (keyword(c, &k, "") < 0 || !span_is(&k, "none")) {
		clear_err(c);
		c->p = save;
		return 0;
	}
	if (cfws(c) < 0)
		return -1;
	if (peek(c) == -1)
		return 1;
	if (peek(c) == '=' || peek(c) == '/') {
		c->p = save;
		return 0;
	}
	return fail(c, "\"none\" followed by something");
}

static int results(struct aa_ctx *ctx, struct cur *c, struct aa_authres_parsed *out)
{
	struct resinfo_spans *rs = NULL;
	int first = 1;

	while (c->p < c->end) {
		const unsigned char *at;
		int rc;

		if (*c->p != ';') {
			if (!c->lenient)
				return fail(c, "expected \";\"");
			skip_to_semicolon(c);
			out->skipped++;
			continue;
		}
		c->p++;
		if (cfws(c) < 0) {
			if (!c->lenient)
				return -1;
			clear_err(c);
			out->skipped++;
			break;
		}
		if (peek(c) == -1 || peek(c) == ';') {
			if (!c->lenient)
				return fail(c, "empty result");
			continue;
		}
		if (first) {
			first = 0;
			at = c->p;
			if ((rc = no_result(c)) == 1)
				return 0;
			if (rc < 0) {
				if (!c->lenient)
					return -1;
				c->p = at;
				skip_to_semicolon(c);
				out->skipped++;
				continue;
			}
		}
		if (out->count == AA_AUTHRES_RESINFO_MAX)
			return fail(c, "too many results");
		if (rs == NULL && (rs = aa_arena_alloc(ctx->arena, sizeof(*rs))) == NULL)
			return -2;
		if (resinfo(c, rs) < 0) {
			if (!c->lenient)
				return -1;
			skip_to_semicolon(c);
			out->skipped++;
			continue;
		}
		if (store_resinfo(ctx, rs, &out->r[out->count]) < 0)
			return -2;
		out->count++;
	}
	if (first && !c->lenient)
		return fail(c, "expected \";\" and results or \"none\"");
	return 0;
}

int aa_authres_parse(struct aa_ctx *ctx, const char *value, size_t len, enum aa_authres_mode mode,
		     struct aa_authres_parsed **parsed_r, const char **err_r)
{
	struct cur c = { (const unsigned char *)value, (const unsigned char *)value,
			 (const unsigned char *)value + len, mode == AA_AUTHRES_LENIENT, NULL, 0 };
	struct aa_authres_parsed *out;
	struct span id = { 0 }, version = { 0 };
	int rc;

	*parsed_r = NULL;
	if (err_r != NULL)
		*err_r = NULL;
	if (len > AA_AUTHRES_VALUE_MAX) {
		if (err_r != NULL)
			*err_r = "field too long";
		return 0;
	}
	out = aa_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	rc = head(&c, &id, &version);
	if (rc == 0 && c.lenient && peek(&c) != -1 && peek(&c) != ';') {
		skip_to_semicolon(&c);	/* words after the id (old Yahoo style) */
		out->skipped++;
	}
	if (rc == 0) {
		out->r = aa_arena_alloc(ctx->arena, AA_AUTHRES_RESINFO_MAX * sizeof(*out->r));
		if (out->r == NULL)
			return -1;
		rc = results(ctx, &c, out);
		if (rc == -2)
			return -1;
	}
	if (rc < 0) {
		if (err_r != NULL)
			*err_r = aa_arena_printf(ctx->arena, "%s at byte %zu",
						 c.err != NULL ? c.err : "syntax error", c.err_at);
		return 0;
	}
	out->authserv_id = span_str(ctx, &id, 0);
	out->version = version.n > 0 ? span_str(ctx, &version, 0) : NULL;
	if (out->authserv_id == NULL || (version.n > 0 && out->version == NULL))
		return -1;
	if (out->authserv_id[0] == '\0') {
		if (err_r != NULL)
			*err_r = "empty authserv-id at byte 0";
		return 0;
	}
	*parsed_r = out;
	return 1;
}

int aa_authres_field_value(const char *field, size_t len, size_t *off_r)
{
	return aa_header_name_like(field, len, AUTHRES_NAME, off_r);
}

/* Skip what a reader trims or skips before the authserv-id: white space
 * (aa_header_space_len: also vertical tab, form feed, Unicode spaces) and
 * comments. 0, or -1 at a comment that cannot be read. */
static int id_lead(struct cur *c)
{
	size_t k;

	while (c->p < c->end) {
		if ((k = aa_header_space_len((const char *)c->p, (size_t)(c->end - c->p))) > 0)
			c->p += k;
		else if (*c->p == '(') {
			if (comment(c) < 0)
				return -1;
		} else {
			break;
		}
	}
	return 0;
}

/* Past the white space a reader trims from i on (at most n). */
static size_t skip_space(const char *s, size_t n, size_t i)
{
	size_t k;

	while (i < n && (k = aa_header_space_len(s + i, n - i)) > 0)
		i += k;
	return i;
}

/* Nothing but white space a reader trims from i on, after at most one
 * final dot: "mx.example." names the host "mx.example" does. */
static int id_ends(const char *s, size_t n, size_t i)
{
	if (i < n && s[i] == '.' && skip_space(s, n, i + 1) == n)
		return 1;
	return skip_space(s, n, i) == n;
}

/* The id as a reader sees it: quoted-pairs and folding undone, then the
 * white space a reader trims cut from both ends, of the field's id and
 * of ours alike, and a final dot too; compared without regard to ASCII
 * case. */
static int span_is_id(const struct span *s, const char *id)
{
	char v[AA_AUTHRES_ITEM_MAX];
	size_t n = 0, idn = strlen(id), i, j;

	/* quoted_string() and run() cap what s holds at sizeof(v) */
	for (size_t k = 0; k < s->n && n < sizeof(v); k++) {
		unsigned char ch = s->p[k];

		if (s->quoted && (ch == '\r' || ch == '\n'))
			continue;
		if (s->quoted && ch == '\\' && k + 1 < s->n)
			ch = s->p[++k];
		v[n++] = (char)ch;
	}
	i = skip_space(v, n, 0);
	j = skip_space(id, idn, 0);
	while (i < n && j < idn && aa_lower((unsigned char)v[i]) == aa_lower((unsigned char)id[j])) {
		i++;
		j++;
	}
	return id_ends(v, n, i) && id_ends(id, idn, j);
}

int aa_authres_id_is(const char *value, size_t len, const char *id)
{
	struct cur c = { (const unsigned char *)value, (const unsigned char *)value,
			 (const unsigned char *)value + len, 0, NULL, 0 };
	struct span s;

	if (id_lead(&c) < 0)
		return -1;
	if (peek(&c) == '"') {
		if (quoted_string(&c, &s) < 0)
			return -1;
	} else {
		const unsigned char *from = c.p;

		if (run(&c, &s, is_token_char, "") < 0)
			return c.p == from ? 0 : -1;	/* none, or over the cap */
	}
	return span_is_id(&s, id);
}

int aa_authres_pvalue_is_plain(const char *s, size_t len)
{
	struct cur c = { (const unsigned char *)s, (const unsigned char *)s,
			 (const unsigned char *)s + len, 0, NULL, 0 };
	struct span v;

	if (len == 0 || s[0] == '"')
		return 0;
	return pvalue_strict(&c, &v) == 0 && c.p == c.end;
}

/* ---- canonical form ---- */

static int is_keyword_str(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!aa_is_ldh((unsigned char)s[i]))
			return 0;
	return 1;
}

static int is_digits_str(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!aa_is_digit((unsigned char)*s))
			return 0;
	return 1;
}

static const char *tok_or_quoted(struct aa_ctx *ctx, const char *s)
{
	return aa_authres_token_value(ctx, s, strlen(s));
}

const char *aa_authres_format(struct aa_ctx *ctx, const struct aa_authres_parsed *pa)
{
	struct aa_str b;

	if (pa == NULL || pa->authserv_id == NULL || pa->count > AA_AUTHRES_RESINFO_MAX)
		return NULL;
	for (size_t i = 0; i < pa->count; i++) {
		if (pa->r[i].nprops > AA_AUTHRES_PROP_MAX)
			return NULL;
	}
	aa_str_init(&b, ctx->arena, AA_STR_NO_CAP);
	aa_str_addz(&b, tok_or_quoted(ctx, pa->authserv_id));
	if (pa->version != NULL) {
		if (!is_digits_str(pa->version))
			return NULL;
		aa_str_printf(&b, " %s", pa->version);
	}
	if (pa->count == 0)
		aa_str_addz(&b, "; none");
	for (size_t i = 0; i < pa->count; i++) {
		const struct aa_authres_resinfo *r = &pa->r[i];

		if (!is_keyword_str(r->method) || !is_keyword_str(r->result) ||
		    (r->method_version != NULL && !is_digits_str(r->method_version)))
			return NULL;
		aa_str_printf(&b, "; %s%s%s=%s", r->method, r->method_version != NULL ? "/" : "",
			      r->method_version != NULL ? r->method_version : "", r->result);
		if (r->reason != NULL)
			aa_str_printf(&b, " reason=%s", tok_or_quoted(ctx, r->reason));
		for (size_t j = 0; j < r->nprops; j++) {
			const struct aa_authres_prop *pr = &r->props[j];

			if (!is_keyword_str(pr->ptype) || !is_keyword_str(pr->property))
				return NULL;
			aa_str_printf(&b, " %s.%s=%s", pr->ptype, pr->property,
				      aa_authres_value(ctx, pr->value, strlen(pr->value)));
		}
	}
	return aa_str_finish(&b, NULL);	/* NULL: out of memory */
}
