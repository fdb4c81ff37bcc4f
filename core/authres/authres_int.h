/* authres_int.h - what the files of core/authres share with each other only.
 *
 * The lexer of Authentication-Results values (authres_lex.c): a cursor
 * over (pointer, length) and the tokens of RFC 8601 2.2, RFC 5322 and
 * RFC 2045, which the grammar (authres_parse.c) and the authserv-id
 * check (authres_ours.c) read with; and the value writer
 * (authres_value.c) that the header builder (authres.c) and the
 * canonical form (authres_format.c) write with. Calls run one way only:
 * authres.c and authres_format.c -> authres_value.c -> authres_lex.c;
 * authres_parse.c and authres_ours.c -> authres_lex.c.
 * The public interface is include/aa_authres.h.
 */
#ifndef AA_AUTHRES_INT_H
#define AA_AUTHRES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "aa_authres.h"

/* ---- the lexer (authres_lex.c) ---- */

/* A token or the inside of a quoted-string, in the value read. */
struct aa_ar_span {
	const unsigned char *p;
	size_t n;
	int quoted;		/* the inside of a quoted-string: quoted-pairs still in */
};

/* Where the reading is. Every step either moves p forward or fails, so
 * each loop ends within the value's length. */
struct aa_ar_cur {
	const unsigned char *start, *p, *end;
	int lenient;
	const char *err;	/* why the parse stopped (first reason wins) */
	size_t err_at;
};

static inline void aa_ar_cur_init(struct aa_ar_cur *c, const char *s, size_t len, int lenient)
{
	c->start = c->p = (const unsigned char *)s;
	c->end = c->start + len;
	c->lenient = lenient;
	c->err = NULL;
	c->err_at = 0;
}

/* The byte at the cursor; -1 at the end: never a character any test
 * accepts. */
static inline int aa_ar_peek(const struct aa_ar_cur *c)
{
	return c->p < c->end ? *c->p : -1;
}

/* Record why the reading stopped, and where (the first reason wins).
 * Returns -1. */
int aa_ar_fail(struct aa_ar_cur *c, const char *why);
void aa_ar_clear_err(struct aa_ar_cur *c);

/* RFC 2045 5.1 token character: printable ASCII except SPACE and tspecials. */
bool aa_ar_is_token_char(unsigned char ch);

/* Each reads one piece at the cursor and moves past it: 0, or -1 (the
 * reason in c->err). Spans point into the value; none is longer than
 * AA_AUTHRES_ITEM_MAX. */
int aa_ar_comment(struct aa_ar_cur *c);		/* at '(', nested */
int aa_ar_cfws(struct aa_ar_cur *c);		/* 1 skipped some, 0 none, -1 bad comment */
int aa_ar_quoted_string(struct aa_ar_cur *c, struct aa_ar_span *s);	/* at '"' */
/* a run of at least one byte that passes ok(); what: the reason when none */
int aa_ar_run(struct aa_ar_cur *c, struct aa_ar_span *s, bool (*ok)(unsigned char),
	      const char *what);
int aa_ar_keyword(struct aa_ar_cur *c, struct aa_ar_span *s, const char *what);
int aa_ar_value(struct aa_ar_cur *c, struct aa_ar_span *s, const char *what);
int aa_ar_pvalue(struct aa_ar_cur *c, struct aa_ar_span *s);
int aa_ar_digits(struct aa_ar_cur *c, struct aa_ar_span *s, const char *what);

/* 1 when s is word, unquoted, without regard to ASCII case. */
int aa_ar_span_is(const struct aa_ar_span *s, const char *word);

/* Copy s into out (at most size bytes, no NUL added) with folding and
 * quoted-pairs undone, lower-cased when lower. Returns the bytes written. */
size_t aa_ar_span_unquote(const struct aa_ar_span *s, char *out, size_t size, int lower);

/* ---- the value writer (authres_value.c) ---- */

/* A value made safe for the header, in the arena: a printable copy of at
 * most AA_AUTHRES_ITEM_MAX bytes, as is when a strict parse reads it back
 * plain (a pvalue; an RFC 2045 token), else a quoted-string; "\"\"" for
 * s NULL. NULL when out of memory. */
const char *aa_ar_write_pvalue(struct aa_ctx *ctx, const char *s, size_t len);
const char *aa_ar_write_token_value(struct aa_ctx *ctx, const char *s, size_t len);

#endif
