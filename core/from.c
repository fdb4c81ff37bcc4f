/* from.c - the author domain from one RFC 5322 From field (RFC 5322 3.4).
 *
 * Our own parser over (pointer, length): libopendmarc's
 * opendmarc_util_finddomain() mis-parses quoted display names (#345).
 * Two passes: tokens (comments and folding dropped, quoted strings kept
 * whole), then address-list = element *("," / ";" element), where an
 * element is a group name ending in ":", a name-addr or an addr-spec.
 * Lenient where it cannot change which domain is meant: obsolete empty
 * list elements, a group without its final ";", a bare addr-spec after
 * display words. Never lenient about the domain, and never picks one of
 * several addresses: every distinct domain is kept (aa_dmarc_evaluate
 * judges them all). An element that is not a mailbox with a usable
 * domain ("user", "user@", "u@[192.0.2.1]") counts as an address
 * without a domain; a field whose addresses all lack one is malformed.
 */
#include <ctype.h>
#include <string.h>
#include "dmarc_int.h"

#define FROM_LEN_MAX 16384	/* bytes of one field value; RFC 5322 2.1.1 allows 998 a line */
#define FROM_TOKENS_MAX 1024
#define FROM_ADDR_MAX 64	/* addresses in one field; more sets truncated */
#define FROM_FIELDS_MAX 64	/* From fields parsed; more sets truncated */
#define FROM_DOMAINS_KEEP (AA_FROM_DOMAINS_MAX + 1)	/* one more than judged: "too many" */
#define COMMENT_DEPTH_MAX 32

enum tok_type { T_ATOM, T_QSTR, T_DLIT, T_SPECIAL };

struct tok {
	enum tok_type type;
	const char *p;
	size_t len;
};

struct toks {
	struct tok *t;
	size_t n;
};

static int is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

static int is_special(unsigned char c)
{
	return c != '\0' && strchr("<>@,:;.", c) != NULL;
}

static int is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;	/* RFC 6532 UTF-8; refused later in a domain */
	return c > 0x20 && !is_ctl(c) && strchr("()<>[]:;@\\,.\"", c) == NULL;
}

/* Skip a comment starting at *pp ('('). 0, or -1 when unterminated, too
 * deep or holding a control byte. */
static int skip_comment(const char **pp, const char *end)
{
	const char *p = *pp;
	unsigned depth = 0;

	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (is_ctl(c))
			return -1;
		if (c == '\\') {
			if (++p >= end || *p == '\0')
				return -1;
		} else if (c == '(') {
			if (++depth > COMMENT_DEPTH_MAX)
				return -1;
		} else if (c == ')' && --depth == 0) {
			*pp = p + 1;
			return 0;
		}
	}
	return -1;
}

/* Find the end of a quoted string or domain literal opened at *p. */
static const char *skip_quoted(const char *p, const char *end, char close)
{
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (is_ctl(c) && c != '\t')
			return NULL;
		if (c == '\\') {
			if (++p >= end || *p == '\0')
				return NULL;
		} else if (c == (unsigned char)close) {
			return p + 1;
		}
	}
	return NULL;
}

static int push(struct toks *ts, enum tok_type type, const char *p, size_t len)
{
	if (ts->n >= FROM_TOKENS_MAX)
		return -1;
	ts->t[ts->n++] = (struct tok){ type, p, len };
	return 0;
}

/* Split [p, end) into tokens. 0, or -1 for anything malformed. */
static int tokenize(const char *p, const char *end, struct toks *ts)
{
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		const char *q;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			p++;
		} else if (c == '(') {
			if (skip_comment(&p, end) < 0)
				return -1;
		} else if (c == '"' || c == '[') {
			q = skip_quoted(p, end, c == '"' ? '"' : ']');
			if (q == NULL || push(ts, c == '"' ? T_QSTR : T_DLIT, p, (size_t)(q - p)) < 0)
				return -1;
			p = q;
		} else if (is_special(c)) {
			if (push(ts, T_SPECIAL, p, 1) < 0)
				return -1;
			p++;
		} else if (is_atext(c)) {
			for (q = p; q < end && is_atext((unsigned char)*q); q++)
				;
			if (push(ts, T_ATOM, p, (size_t)(q - p)) < 0)
				return -1;
			p = q;
		} else {
			return -1;	/* control byte, NUL, stray ')' ']' '\\' */
		}
	}
	return 0;
}

static int is_sp(const struct tok *t, char c)
{
	return t->type == T_SPECIAL && t->p[0] == c;
}

static int is_word(const struct tok *t)
{
	return t->type == T_ATOM || t->type == T_QSTR;
}

/* Display words: atoms, quoted strings and (obs-phrase) dots. */
static int all_phrase(const struct toks *ts, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (!is_word(&ts->t[i]) && !is_sp(&ts->t[i], '.'))
			return 0;
	return 1;
}

/* dot-atom domain in tokens [from, to): atoms joined by dots, one final
 * dot allowed. Domain literals are not DMARC domains. */
static const char *domain_of(struct aa_ctx *ctx, const struct toks *ts, size_t from, size_t to)
{
	char buf[AA_DOMAIN_MAX + 2];
	size_t len = 0;
	int want_atom = 1;

	if (from >= to)
		return NULL;
	for (size_t i = from; i < to; i++) {
		const struct tok *t = &ts->t[i];

		if (want_atom ? t->type != T_ATOM : !is_sp(t, '.'))
			return NULL;
		if (len + t->len > sizeof(buf))
			return NULL;
		memcpy(buf + len, t->p, t->len);
		len += t->len;
		want_atom = !want_atom;
	}
	return aa_domain_norm(ctx->arena, buf, len, AA_NAME_LDH);
}

/* local-part "@" domain in [from, to); display words may come first only
 * when lead is set (a bare addr-spec after a phrase, see the top). */
static const char *addr_spec(struct aa_ctx *ctx, const struct toks *ts, size_t from, size_t to,
			     int lead)
{
	size_t at = to;

	for (size_t i = from; i < to; i++) {
		if (is_sp(&ts->t[i], '@')) {
			if (at != to)
				return NULL;	/* two '@': not one address */
			at = i;
		}
	}
	if (at == to || at == from || !is_word(&ts->t[at - 1]) || !all_phrase(ts, from, at))
		return NULL;
	if (!lead) {
		/* local-part = word *("." word): words and dots alternate */
		for (size_t i = from; i < at; i++)
			if (is_word(&ts->t[i]) != ((at - 1 - i) % 2 == 0))
				return NULL;
	}
	return domain_of(ctx, ts, at + 1, to);
}

/* One mailbox in [from, to). NULL when malformed. */
static const char *mailbox(struct aa_ctx *ctx, const struct toks *ts, size_t from, size_t to)
{
	size_t lt = to, gt = to;

	for (size_t i = from; i < to; i++) {
		if (is_sp(&ts->t[i], '<') && lt == to)
			lt = i;
		else if (is_sp(&ts->t[i], '>') && gt == to)
			gt = i;
	}
	if (lt == to)
		return addr_spec(ctx, ts, from, to, 1);
	if (gt == to || gt + 1 != to || !all_phrase(ts, from, lt))
		return NULL;
	return addr_spec(ctx, ts, lt + 1, gt, 0);
}

/* Distinct domains across all the fields of one message. */
struct domain_set {
	const char **d;
	size_t n;
	int truncated;
};

static void domain_set_add(struct domain_set *set, const char *d)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->d[i], d) == 0)
			return;
	if (set->n >= FROM_DOMAINS_KEEP) {
		set->truncated = 1;
		return;
	}
	set->d[set->n++] = d;
}

struct walk {
	size_t count;		/* addresses, with or without a domain */
	size_t with_domain;
	struct domain_set *set;
	int bad;
	int truncated;
};

/* The end of the element starting at i: the next ',' ';' or ':' outside
 * angle brackets. Sets w->bad for unbalanced or nested brackets. */
static size_t element_end(const struct toks *ts, size_t i, struct walk *w)
{
	int angle = 0;

	for (; i < ts->n; i++) {
		const struct tok *t = &ts->t[i];

		if (is_sp(t, '<')) {
			if (angle++)
				w->bad = 1;
		} else if (is_sp(t, '>')) {
			if (!angle--)
				w->bad = 1;
		} else if (!angle && (is_sp(t, ',') || is_sp(t, ';') || is_sp(t, ':'))) {
			break;
		}
	}
	if (angle)
		w->bad = 1;
	return i;
}

static void parse_list(struct aa_ctx *ctx, const struct toks *ts, struct walk *w)
{
	int in_group = 0;
	size_t i = 0;

	while (i < ts->n && !w->bad && w->count < FROM_ADDR_MAX) {
		size_t j = element_end(ts, i, w);
		char sep = j < ts->n ? ts->t[j].p[0] : '\0';

		if (w->bad)
			return;
		if (sep == ':') {
			if (in_group || !all_phrase(ts, i, j))
				w->bad = 1;
			in_group = 1;
		} else if (j > i) {
			const char *d = mailbox(ctx, ts, i, j);

			w->count++;
			if (d != NULL) {
				w->with_domain++;
				domain_set_add(w->set, d);
			}
		}
		if (sep == ';') {
			if (!in_group)
				w->bad = 1;
			in_group = 0;
		}
		i = j + 1;
	}
	if (!w->bad && i < ts->n)
		w->truncated = 1;	/* stopped at FROM_ADDR_MAX with more to read */
}

/* One field value into w (its domains go to w->set). */
static void parse_field(struct aa_ctx *ctx, struct toks *ts, const char *value, size_t len,
			struct walk *w)
{
	ts->n = 0;
	if (value == NULL || len > FROM_LEN_MAX || tokenize(value, value + len, ts) < 0) {
		w->bad = 1;
		return;
	}
	parse_list(ctx, ts, w);
}

/* A From we cannot parse may still name a domain (`ceo@bank.example;`,
 * an unterminated quote before it): collect every "@domain" it shows, so
 * that a broken header cannot hide its author domain from enforcement. */
static void salvage_domains(struct aa_ctx *ctx, const char *value, size_t len,
			    struct domain_set *set)
{
	for (size_t i = 0; value != NULL && i < len && i < FROM_LEN_MAX; i++) {
		size_t j = i + 1;
		const char *d;

		if (value[i] != '@')
			continue;
		while (j < len && (isalnum((unsigned char)value[j]) || value[j] == '.' ||
				   value[j] == '-' || value[j] == '_'))
			j++;
		d = aa_domain_norm(ctx->arena, value + i + 1, j - i - 1, AA_NAME_LDH);
		if (d != NULL && strchr(d, '.') != NULL)
			domain_set_add(set, d);
		i = j - 1;
	}
}

int aa_from_parse_fields(struct aa_ctx *ctx, const char *const *values, const size_t *lens,
			 size_t n, struct aa_from *r)
{
	struct toks ts = { NULL, 0 };
	struct domain_set set = { NULL, 0, 0 };
	size_t with_domain = 0;
	int bad = 0;

	memset(r, 0, sizeof(*r));
	r->status = AA_FROM_NONE;
	if (n == 0)
		return 0;
	r->status = AA_FROM_MALFORMED;
	ts.t = aa_arena_alloc(ctx->arena, FROM_TOKENS_MAX * sizeof(*ts.t));
	set.d = aa_arena_alloc(ctx->arena, FROM_DOMAINS_KEEP * sizeof(*set.d));
	if (ts.t == NULL || set.d == NULL)
		return -1;
	for (size_t i = 0; i < n && i < FROM_FIELDS_MAX; i++) {
		struct walk w = { 0, 0, &set, 0, 0 };

		parse_field(ctx, &ts, values[i], lens[i], &w);
		r->addresses += w.count;
		with_domain += w.with_domain;
		bad |= w.bad;
		r->truncated |= w.truncated;
	}
	r->truncated |= set.truncated || n > FROM_FIELDS_MAX;
	r->domains = set.d;
	r->domain_count = set.n;
	if (n > 1) {
		/* a malformed field adds nothing, but does not hide the others */
		r->status = AA_FROM_MULTIPLE_HEADERS;
		return 0;
	}
	if (bad || with_domain == 0) {
		if (set.n == 0) {
			salvage_domains(ctx, values[0], lens[0], &set);
			r->domain_count = set.n;
		}
		return 0;
	}
	if (r->addresses > 1) {
		r->status = AA_FROM_MULTIPLE_ADDRESSES;
		return 0;
	}
	r->status = AA_FROM_OK;
	r->domain = set.d[0];
	return 0;
}

int aa_from_parse(struct aa_ctx *ctx, const char *value, size_t len, struct aa_from *r)
{
	return aa_from_parse_fields(ctx, &value, &len, 1, r);
}

const char *aa_from_status_name(enum aa_from_status s)
{
	switch (s) {
	case AA_FROM_OK:
		return "ok";
	case AA_FROM_NONE:
		return "no From header";
	case AA_FROM_MULTIPLE_HEADERS:
		return "several From headers";
	case AA_FROM_MULTIPLE_ADDRESSES:
		return "several From addresses";
	case AA_FROM_MALFORMED:
		return "malformed From";
	}
	return "malformed From";
}
