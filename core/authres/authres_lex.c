/* authres_lex.c - the tokens of an Authentication-Results value.
 *
 * A cursor over (pointer, length) (authres_int.h); every step either
 * moves it forward or fails, so each loop ends within the value's length.
 * Comments (RFC 5322 3.2.2, nested up to AA_AUTHRES_COMMENT_DEPTH_MAX),
 * quoted-strings, RFC 2045 tokens, RFC 8601 keywords and pvalues (with
 * RFC 6376 domain-names). Nothing is read past the given length and no
 * NUL terminator is expected. The grammar is in authres_parse.c.
 */
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "authres_int.h"

int aa_ar_fail(struct aa_ar_cur *c, const char *why)
{
	if (c->err == NULL) {
		c->err = why;
		c->err_at = (size_t)(c->p - c->start);
	}
	return -1;
}

void aa_ar_clear_err(struct aa_ar_cur *c)
{
	c->err = NULL;
	c->err_at = 0;
}

/* ---- character classes (ASCII only, never the locale: aa_ctype.h) ---- */

bool aa_ar_is_token_char(unsigned char ch)
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

/* RFC 5322 3.2.2, nesting capped. */
int aa_ar_comment(struct aa_ar_cur *c)
{
	int depth = 0;

	do {
		int ch = *c->p;

		if (ch == '\\') {
			if (c->p + 1 >= c->end || !is_qp_byte(c->p[1]))
				return aa_ar_fail(c, "bad quoted-pair in a comment");
			c->p += 2;
			continue;
		}
		if (ch == '(') {
			if (++depth > AA_AUTHRES_COMMENT_DEPTH_MAX)
				return aa_ar_fail(c, "comments nested too deep");
		} else if (ch == ')') {
			depth--;
		} else if (!is_text_byte(ch)) {
			return aa_ar_fail(c, "control character in a comment");
		}
		c->p++;
	} while (c->p < c->end && depth > 0);
	if (depth > 0)
		return aa_ar_fail(c, "unclosed comment");
	return 0;
}

int aa_ar_cfws(struct aa_ar_cur *c)
{
	const unsigned char *from = c->p;

	while (c->p < c->end) {
		if (aa_is_fws(*c->p)) {
			c->p++;
		} else if (*c->p == '(') {
			if (aa_ar_comment(c) < 0)
				return -1;
		} else {
			break;
		}
	}
	return c->p > from;
}

int aa_ar_quoted_string(struct aa_ar_cur *c, struct aa_ar_span *s)
{
	const unsigned char *q = c->p + 1;
	size_t n = 0;

	while (q < c->end && *q != '"') {
		if (*q == '\\') {
			if (q + 1 >= c->end || !is_qp_byte(q[1]))
				return aa_ar_fail(c, "bad quoted-pair in a quoted-string");
			q += 2;
		} else if (!is_text_byte(*q)) {
			return aa_ar_fail(c, "control character in a quoted-string");
		} else {
			q++;
		}
		if (++n > AA_AUTHRES_ITEM_MAX)
			return aa_ar_fail(c, "quoted-string too long");
	}
	if (q >= c->end)
		return aa_ar_fail(c, "unclosed quoted-string");
	s->p = c->p + 1;
	s->n = (size_t)(q - s->p);
	s->quoted = 1;
	c->p = q + 1;
	return 0;
}

/* The bytes from from up to the cursor become *s, unless there are more
 * than the item cap (then too_long is the reason). */
static int span_to_cursor(struct aa_ar_cur *c, const unsigned char *from, struct aa_ar_span *s,
			  const char *too_long)
{
	if ((size_t)(c->p - from) > AA_AUTHRES_ITEM_MAX)
		return aa_ar_fail(c, too_long);
	s->p = from;
	s->n = (size_t)(c->p - from);
	s->quoted = 0;
	return 0;
}

int aa_ar_run(struct aa_ar_cur *c, struct aa_ar_span *s, bool (*ok)(unsigned char),
	      const char *what)
{
	const unsigned char *from = c->p;

	while (c->p < c->end && ok(*c->p))
		c->p++;
	if (c->p == from)
		return aa_ar_fail(c, what);
	return span_to_cursor(c, from, s, "token too long");
}
static bool is_lenient_keyword_char(unsigned char ch)
{
	return aa_ar_is_token_char(ch) && ch != '.';
}

/* RFC 8601 2.2 Keyword = ldh-str (RFC 5321 4.1.2): letters, digits and
 * hyphens, not ending in a hyphen. Lenient: any token character but ".". */
int aa_ar_keyword(struct aa_ar_cur *c, struct aa_ar_span *s, const char *what)
{
	if (c->lenient)
		return aa_ar_run(c, s, is_lenient_keyword_char, what);
	if (aa_ar_run(c, s, aa_is_ldh, what) < 0)
		return -1;
	if (s->p[s->n - 1] == '-')
		return aa_ar_fail(c, "keyword ends in a hyphen");
	return 0;
}

/* RFC 2045 value: token / quoted-string. */
int aa_ar_value(struct aa_ar_cur *c, struct aa_ar_span *s, const char *what)
{
	if (aa_ar_peek(c) == '"')
		return aa_ar_quoted_string(c, s);
	return aa_ar_run(c, s, aa_ar_is_token_char, what);
}

/* RFC 6376 3.5 domain-name: sub-domain 1*("." sub-domain), where
 * sub-domain = Let-dig [Ldh-str] (RFC 5321 4.1.2). A lexer, not a
 * check of a known span: it finds where the name ends inside the field
 * and reports the label at fault, so it does not call
 * aa_dns_name_check(); it takes its label limit from aa_dns_name.h. */
static int domain_name(struct aa_ar_cur *c)
{
	int labels = 0;

	for (;;) {
		const unsigned char *label = c->p;

		if (!aa_is_alnum(aa_ar_peek(c)))
			return aa_ar_fail(c, "bad domain-name");
		while (c->p < c->end && aa_is_ldh(*c->p))
			c->p++;
		if (c->p[-1] == '-')
			return aa_ar_fail(c, "domain label ends in a hyphen");
		if (c->p - label > AA_DNS_LABEL_MAX)
			return aa_ar_fail(c, "domain label too long");
		labels++;
		if (aa_ar_peek(c) != '.' || c->p + 1 >= c->end || !aa_is_alnum(c->p[1]))
			break;
		c->p++;
	}
	if (labels < 2)
		return aa_ar_fail(c, "domain-name without a dot");
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
static int at_domain(struct aa_ar_cur *c, const unsigned char *from, struct aa_ar_span *s)
{
	c->p++;
	if (domain_name(c) < 0)
		return -1;
	return span_to_cursor(c, from, s, "address too long");
}

/* RFC 8601 2.2 pvalue without its CFWS: value / [[local-part] "@"]
 * domain-name. An address comes back as written (a quoted local part
 * keeps its quotes); a quoted-string value comes back unquoted. */
static int pvalue_strict(struct aa_ar_cur *c, struct aa_ar_span *s)
{
	const unsigned char *from = c->p;
	struct aa_ar_span w;

	if (aa_ar_peek(c) == '@')
		return at_domain(c, from, s);
	if (aa_ar_peek(c) == '"') {
		if (aa_ar_quoted_string(c, s) < 0)
			return -1;
		if (aa_ar_peek(c) == '@')
			return at_domain(c, from, s);
		return 0;
	}
	if (aa_ar_run(c, &w, is_atext_or_dot, "expected a property value") == 0 &&
	    aa_ar_peek(c) == '@') {
		if (!is_dot_atom(w.p, w.n))
			return aa_ar_fail(c, "bad local-part");
		return at_domain(c, from, s);
	}
	aa_ar_clear_err(c);
	c->p = from;
	return aa_ar_run(c, s, aa_ar_is_token_char, "expected a property value");
}

static bool is_word_byte(unsigned char ch)
{
	return ch > 0x20 && ch != 0x7f && ch != ';' && ch != '(' && ch != ')' && ch != '"';
}

int aa_ar_pvalue(struct aa_ar_cur *c, struct aa_ar_span *s)
{
	const unsigned char *from = c->p;
	const char *err = c->err;
	int ch;

	if (pvalue_strict(c, s) == 0) {
		ch = aa_ar_peek(c);
		if (!c->lenient || ch == -1 || ch == ';' || ch == '(' || aa_is_fws(ch))
			return 0;
	} else if (!c->lenient) {
		return -1;
	}
	/* lenient: any printable run (base64 with "/", "128/128") */
	c->err = err;
	c->p = from;
	return aa_ar_run(c, s, is_word_byte, "expected a property value");
}

int aa_ar_digits(struct aa_ar_cur *c, struct aa_ar_span *s, const char *what)
{
	return aa_ar_run(c, s, aa_is_digit, what);
}

int aa_ar_span_is(const struct aa_ar_span *s, const char *word)
{
	size_t n = strlen(word);

	return !s->quoted && s->n == n && strncasecmp((const char *)s->p, word, n) == 0;
}

size_t aa_ar_span_unquote(const struct aa_ar_span *s, char *out, size_t size, int lower)
{
	size_t o = 0;

	for (size_t i = 0; i < s->n && o < size; i++) {
		unsigned char ch = s->p[i];

		if (s->quoted && (ch == '\r' || ch == '\n'))
			continue;	/* unfolding */
		if (s->quoted && ch == '\\' && i + 1 < s->n)
			ch = s->p[++i];
		if (lower)
			ch = (unsigned char)aa_lower(ch);
		out[o++] = (char)ch;
	}
	return o;
}

/* ---- read back as written? ---- */

int aa_authres_pvalue_is_plain(const char *s, size_t len)
{
	struct aa_ar_cur c;
	struct aa_ar_span v;

	if (len == 0 || s[0] == '"')
		return 0;
	aa_ar_cur_init(&c, s, len, 0);
	return pvalue_strict(&c, &v) == 0 && c.p == c.end;
}

