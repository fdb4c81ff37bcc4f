/* from.c - the author domain(s) from a message's From field(s)
 * (RFC 5322 3.4, 3.6; RFC 9989 "Extract Author Domain").
 *
 * Our own parser over (pointer, length): libopendmarc's
 * opendmarc_util_finddomain() mis-parses quoted display names (#345).
 * Two passes: tokens (comments and folding dropped, quoted strings kept
 * whole), then address-list = element *("," / ";" element), where an
 * element is a group name ending in ":", a name-addr or an addr-spec.
 * Lenient where it cannot change which domain is meant: obsolete empty
 * list elements, a group without its final ";", a bare addr-spec after
 * display words. Never lenient about the domain, and never picks one of
 * several: the field is read whole or it is unreadable (aa_from.h). An
 * element that is not a mailbox with a domain ("user", "user@",
 * "u@[192.0.2.1]") makes the field MALFORMED; a domain that is not a
 * host name after IDNA mapping (aa_domain_norm, AA_NAME_IDNA) makes it
 * BAD_DOMAIN. Which header fields are From fields is aa_header.h's job.
 */
#include <string.h>
#include "aa_ctype.h"
#include "aa_header.h"
#include "aa_names.h"
#include "aa_domain.h"
#include "aa_from.h"

#define FROM_LEN_MAX 16384	/* bytes of one field value; RFC 5322 2.1.1 allows 998 a line */
#define FROM_TOKENS_MAX 1024
#define FROM_ADDR_MAX 64	/* addresses in one field; more is TOO_MANY */
#define FROM_FIELDS_MAX 64	/* From fields looked at; more sets truncated */
#define FROM_DOMAINS_KEEP (AA_FROM_DOMAINS_MAX + 1)	/* one more than judged: "too many" */
#define SALVAGE_MAX (4 * FROM_ADDR_MAX)	/* "@" looked at in a field that cannot be parsed */
#define COMMENT_DEPTH_MAX 32
#define STR_(x) #x
#define STR(x) STR_(x)			/* a limit in a reason text */

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
		return 1;	/* RFC 6532 UTF-8; a domain is mapped by IDNA later */
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

/* What one mailbox gave. */
enum box { BOX_DOMAIN, BOX_NO_DOMAIN, BOX_BAD_DOMAIN, BOX_SYNTAX, BOX_NOMEM };

/* The domain in tokens [from, to): atoms and dots (obs-domain allows
 * CFWS around the dots), joined and handed to aa_domain_norm, which
 * refuses empty labels and maps Unicode (a fullwidth dot is inside an
 * atom). No tokens, a domain literal or two atoms in a row: no domain. */
static enum box domain_of(struct aa_ctx *ctx, const struct toks *ts, size_t from, size_t to,
			  const char **d_r)
{
	char buf[4 * (AA_DNS_NAME_MAX + 2)];
	size_t len = 0;

	if (from >= to)
		return BOX_NO_DOMAIN;
	for (size_t i = from; i < to; i++) {
		const struct tok *t = &ts->t[i];

		if (t->type != T_ATOM && !is_sp(t, '.'))
			return BOX_NO_DOMAIN;
		if (t->type == T_ATOM && i > from && ts->t[i - 1].type == T_ATOM)
			return BOX_SYNTAX;
		if (len + t->len > sizeof(buf))
			return BOX_BAD_DOMAIN;	/* longer than any name can map to */
		memcpy(buf + len, t->p, t->len);
		len += t->len;
	}
	switch (aa_domain_norm(ctx->arena, buf, len, AA_NAME_IDNA, d_r)) {
	case AA_DNS_NAME_OK:
		return BOX_DOMAIN;
	case AA_DNS_NAME_NOMEM:
		return BOX_NOMEM;
	default:
		return BOX_BAD_DOMAIN;
	}
}

/* local-part "@" domain in [from, to); display words may come first only
 * when lead is set (a bare addr-spec after a phrase, see the top). */
static enum box addr_spec(struct aa_ctx *ctx, const struct toks *ts, size_t from, size_t to,
			  int lead, const char **d_r)
{
	size_t at = to;

	for (size_t i = from; i < to; i++) {
		if (is_sp(&ts->t[i], '@')) {
			if (at != to)
				return BOX_SYNTAX;	/* two '@': not one address */
			at = i;
		}
	}
	if (at == to)
		return all_phrase(ts, from, to) ? BOX_NO_DOMAIN : BOX_SYNTAX;
	if (at == from || !is_word(&ts->t[at - 1]) || !all_phrase(ts, from, at))
		return BOX_SYNTAX;
	if (!lead) {
		/* local-part = word *("." word): words and dots alternate */
		for (size_t i = from; i < at; i++)
			if (is_word(&ts->t[i]) != ((at - 1 - i) % 2 == 0))
				return BOX_SYNTAX;
	}
	return domain_of(ctx, ts, at + 1, to, d_r);
}

/* One mailbox in [from, to). */
static enum box mailbox(struct aa_ctx *ctx, const struct toks *ts, size_t from, size_t to,
			const char **d_r)
{
	size_t lt = to, gt = to;

	for (size_t i = from; i < to; i++) {
		if (is_sp(&ts->t[i], '<') && lt == to)
			lt = i;
		else if (is_sp(&ts->t[i], '>') && gt == to)
			gt = i;
	}
	if (lt == to)
		return addr_spec(ctx, ts, from, to, 1, d_r);
	if (gt == to || gt + 1 != to || !all_phrase(ts, from, lt))
		return BOX_SYNTAX;
	return addr_spec(ctx, ts, lt + 1, gt, 0, d_r);
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

/* What one field gave. */
struct walk {
	size_t count;		/* addresses, with or without a domain */
	struct domain_set *set;
	int syntax;		/* not an address-list */
	int no_domain;		/* a mailbox without a domain */
	int bad_domain;		/* a domain that is not a host name */
	int nomem;
	int truncated;		/* more than FROM_ADDR_MAX addresses */
	int too_long;
};

/* The end of the element starting at i: the next ',' ';' or ':' outside
 * angle brackets. Sets w->syntax for unbalanced or nested brackets. */
static size_t element_end(const struct toks *ts, size_t i, struct walk *w)
{
	int angle = 0;

	for (; i < ts->n; i++) {
		const struct tok *t = &ts->t[i];

		if (is_sp(t, '<')) {
			if (angle++)
				w->syntax = 1;
		} else if (is_sp(t, '>')) {
			if (!angle--)
				w->syntax = 1;
		} else if (!angle && (is_sp(t, ',') || is_sp(t, ';') || is_sp(t, ':'))) {
			break;
		}
	}
	if (angle)
		w->syntax = 1;
	return i;
}

static void element(struct aa_ctx *ctx, const struct toks *ts, size_t i, size_t j, struct walk *w)
{
	const char *d = NULL;

	w->count++;
	switch (mailbox(ctx, ts, i, j, &d)) {
	case BOX_DOMAIN:
		domain_set_add(w->set, d);
		break;
	case BOX_NO_DOMAIN:
		w->no_domain = 1;
		break;
	case BOX_BAD_DOMAIN:
		w->bad_domain = 1;
		break;
	case BOX_SYNTAX:
		w->syntax = 1;
		break;
	case BOX_NOMEM:
		w->nomem = 1;
		break;
	}
}

static void parse_list(struct aa_ctx *ctx, const struct toks *ts, struct walk *w)
{
	int in_group = 0;
	size_t i = 0;

	while (i < ts->n && !w->syntax && !w->nomem) {
		size_t j = element_end(ts, i, w);
		char sep = j < ts->n ? ts->t[j].p[0] : '\0';

		if (w->syntax)
			return;
		if (sep == ':') {
			if (in_group || !all_phrase(ts, i, j))
				w->syntax = 1;
			in_group = 1;
		} else if (j > i) {
			if (w->count >= FROM_ADDR_MAX) {
				w->truncated = 1;	/* more than are judged */
				return;
			}
			element(ctx, ts, i, j, w);
		}
		if (sep == ';') {
			if (!in_group)
				w->syntax = 1;
			in_group = 0;
		}
		i = j + 1;
	}
}

static int salvage_byte(unsigned char c)
{
	return aa_is_alnum(c) || c == '.' || c == '-' || c == '_' || c >= 0x80;
}

/* Past the folding white space and comments at v[j] (to the end when a
 * comment does not close). */
static size_t skip_cfws(const char *v, size_t len, size_t j)
{
	while (j < len) {
		const char *p = v + j;

		if (v[j] == ' ' || v[j] == '\t' || v[j] == '\r' || v[j] == '\n')
			j++;
		else if (v[j] != '(')
			break;
		else if (skip_comment(&p, v + len) < 0)
			return len;
		else
			j = (size_t)(p - v);
	}
	return j;
}

/* The domain shown after the '@' at v[at] into buf (at most cap bytes):
 * host-name bytes, with folding white space and comments skipped where
 * obs-domain allows them, after the '@' and around dots, so that
 * "ceo@bank(x).example" shows bank.example. Returns its length; *end_r
 * is where it stopped. */
static size_t salvage_name(const char *v, size_t len, size_t at, char *buf, size_t cap,
			   size_t *end_r)
{
	size_t j = at + 1, n = 0, k;

	while (j < len && n < cap) {
		if (salvage_byte((unsigned char)v[j])) {
			buf[n++] = v[j++];
			continue;
		}
		k = skip_cfws(v, len, j);
		if (k == j || (n > 0 && buf[n - 1] != '.' && (k >= len || v[k] != '.')))
			break;
		j = k;
	}
	*end_r = j;
	return n;
}

/* A From we cannot parse may still show a domain (`ceo@bank.example;`,
 * an unterminated quote before it): collect every "@domain" it shows.
 * Never the verdict's domain; what from_unreadable = monitor still
 * judges, and what picks the per-domain mode. */
static int salvage_domains(struct aa_ctx *ctx, const char *value, size_t len,
			   struct domain_set *set)
{
	char buf[4 * AA_DNS_NAME_MAX];
	size_t tries = 0;

	for (size_t i = 0; value != NULL && i < len && tries < SALVAGE_MAX; i++) {
		size_t j, n;
		const char *d = NULL;
		enum aa_dns_name_status st;

		if (value[i] != '@')
			continue;
		tries++;
		n = salvage_name(value, len, i, buf, sizeof(buf), &j);
		st = aa_domain_norm(ctx->arena, buf, n, AA_NAME_IDNA, &d);
		if (st == AA_DNS_NAME_NOMEM)
			return -1;
		if (st == AA_DNS_NAME_OK && strchr(d, '.') != NULL)
			domain_set_add(set, d);
		i = j > i ? j - 1 : i;
	}
	return 0;
}

/* One field value into w (its domains go to w->set). */
static void parse_field(struct aa_ctx *ctx, struct toks *ts, const char *value, size_t len,
			struct walk *w)
{
	ts->n = 0;
	if (value == NULL)
		w->syntax = 1;
	else if (len > FROM_LEN_MAX)
		w->too_long = 1;
	else if (tokenize(value, value + len, ts) < 0)
		w->syntax = 1;
	else
		parse_list(ctx, ts, w);
	if ((w->syntax || w->too_long) && !w->nomem && salvage_domains(ctx, value, len, w->set) < 0)
		w->nomem = 1;
}

/* The status of one field, and why. */
static enum aa_from_status field_status(const struct walk *w, const char **reason_r)
{
	if (w->nomem) {
		*reason_r = "out of memory reading From";
		return AA_FROM_NOMEM;
	}
	if (w->too_long) {
		*reason_r = "the From field is longer than " STR(FROM_LEN_MAX) " bytes";
		return AA_FROM_MALFORMED;
	}
	if (w->syntax) {
		*reason_r = "the From field cannot be parsed";
		return AA_FROM_MALFORMED;
	}
	if (w->truncated) {
		*reason_r = "more than " STR(FROM_ADDR_MAX) " From addresses";
		return AA_FROM_TOO_MANY;
	}
	if (w->count == 0 || w->no_domain) {
		*reason_r = w->count == 0 ? "no address in From" : "a From address without a domain";
		return AA_FROM_MALFORMED;
	}
	if (w->bad_domain) {
		*reason_r = "a From domain is not a valid host name";
		return AA_FROM_BAD_DOMAIN;
	}
	if (w->set->truncated || w->set->n > AA_FROM_DOMAINS_MAX) {
		*reason_r = "more than " STR(AA_FROM_DOMAINS_MAX) " From domains";
		return AA_FROM_TOO_MANY;
	}
	*reason_r = w->set->n > 1 ? "several From domains" : NULL;
	return w->set->n > 1 ? AA_FROM_MULTIPLE_ADDRESSES : AA_FROM_OK;
}

int aa_from_parse_fields(struct aa_ctx *ctx, const char *const *values, const size_t *lens,
			 size_t n, struct aa_from *r)
{
	struct toks ts = { NULL, 0 };
	struct domain_set set = { NULL, 0, 0 };
	int nomem = 0;

	memset(r, 0, sizeof(*r));
	r->status = AA_FROM_NONE;
	r->reason = "no From field";
	if (n == 0)
		return 0;
	r->status = AA_FROM_NOMEM;
	r->reason = "out of memory reading From";
	/* each token is written (push) before it is read, and only the
	 * first ts.n are: not zeroed, so a short From touches one page of
	 * the 24 kB, not all of them, in every message */
	ts.t = aa_arena_alloc_uninit(ctx->arena, FROM_TOKENS_MAX * sizeof(*ts.t));
	set.d = aa_arena_alloc(ctx->arena, FROM_DOMAINS_KEEP * sizeof(*set.d));
	if (ts.t == NULL || set.d == NULL)
		return -1;
	for (size_t i = 0; i < n && i < FROM_FIELDS_MAX; i++) {
		struct walk w = { .set = &set };
		const char *why;

		parse_field(ctx, &ts, values[i], lens[i], &w);
		r->addresses += w.count;
		r->truncated |= w.truncated;
		nomem |= w.nomem;
		if (n == 1) {
			r->status = field_status(&w, &why);
			r->reason = why;
		}
	}
	r->truncated |= set.truncated || n > FROM_FIELDS_MAX;
	r->domains = set.d;
	r->domain_count = set.n;
	if (nomem) {
		r->status = AA_FROM_NOMEM;
		r->reason = "out of memory reading From";
		return -1;
	}
	if (n > 1) {
		r->status = AA_FROM_MULTIPLE_HEADERS;
		r->reason = "several From fields";
	}
	if (r->status == AA_FROM_OK)
		r->domain = set.d[0];
	return 0;
}

int aa_from_parse(struct aa_ctx *ctx, const char *value, size_t len, struct aa_from *r)
{
	return aa_from_parse_fields(ctx, &value, &len, 1, r);
}

/* The From values of the fields, in order (at most FROM_FIELDS_MAX + 1:
 * one more says "too many"). */
struct from_values {
	const char *v[FROM_FIELDS_MAX + 1];
	size_t len[FROM_FIELDS_MAX + 1];
	size_t n;
};

static void values_add(struct from_values *fv, const char *field, size_t len)
{
	size_t off;

	if (fv->n <= FROM_FIELDS_MAX && aa_header_name_is(field, len, "From", &off)) {
		fv->v[fv->n] = field + off;
		fv->len[fv->n++] = len - off;
	}
}

static int values_parse(struct aa_ctx *ctx, const struct from_values *fv, struct aa_from *r)
{
	return aa_from_parse_fields(ctx, fv->v, fv->len, fv->n, r);
}

int aa_from_read_fields(struct aa_ctx *ctx, const char *const *fields, const size_t *lens,
			size_t n, struct aa_from *r)
{
	struct from_values *fv = aa_arena_alloc(ctx->arena, sizeof(*fv));

	if (fv == NULL) {
		memset(r, 0, sizeof(*r));
		r->status = AA_FROM_NOMEM;
		r->reason = "out of memory reading From";
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		values_add(fv, fields[i], lens[i]);
	return values_parse(ctx, fv, r);
}

int aa_from_read_message(struct aa_ctx *ctx, const char *msg, size_t len, struct aa_from *r)
{
	struct from_values *fv = aa_arena_alloc(ctx->arena, sizeof(*fv));
	struct aa_header_cursor c;
	const char *field;
	size_t flen;

	if (fv == NULL) {
		memset(r, 0, sizeof(*r));
		r->status = AA_FROM_NOMEM;
		r->reason = "out of memory reading From";
		return -1;
	}
	aa_header_start(&c, msg, len);
	while (aa_header_next(&c, &field, &flen))
		values_add(fv, field, flen);
	return values_parse(ctx, fv, r);
}

int aa_from_unreadable(enum aa_from_status s)
{
	return s != AA_FROM_OK && s != AA_FROM_MULTIPLE_ADDRESSES && s != AA_FROM_NOMEM;
}

static const struct aa_name from_status_words[] = {
	{ "ok", AA_FROM_OK },
	{ "no From field", AA_FROM_NONE },
	{ "several From fields", AA_FROM_MULTIPLE_HEADERS },
	{ "several From domains", AA_FROM_MULTIPLE_ADDRESSES },
	{ "malformed From", AA_FROM_MALFORMED },
	{ "From domain not a host name", AA_FROM_BAD_DOMAIN },
	{ "too many From addresses or domains", AA_FROM_TOO_MANY },
	{ "out of memory reading From", AA_FROM_NOMEM },
};
static const struct aa_names from_status_names = {
	from_status_words, sizeof(from_status_words) / sizeof(from_status_words[0]),
};

const char *aa_from_status_name(enum aa_from_status s)
{
	return aa_names_name(&from_status_names, (int)s, "malformed From");
}
