/* aa_str.h - the one string builder: appends with explicit lengths,
 * doubling growth, an optional hard cap, a sticky out-of-memory flag.
 *
 * A builder lives in the per-message arena (the text then lives as long
 * as the message; the buffers left behind by growth add up to less than
 * the final one) or in malloc'd memory (aa_str_free() releases it).
 * Every append is whole or refused: text that would go over the cap is
 * left out (aa_str_over() then says so) and later appends that fit still
 * go in; once memory ran out every append is refused and aa_str_finish()
 * gives NULL, so a caller checks once, at the end (no memory means
 * temperror). The builder does not escape: untrusted text goes through
 * aa_esc() and friends before it is appended.
 * Part of the toolkit (core/lib/): it knows bytes and memory, not what
 * the text says.
 */
#ifndef AA_STR_H
#define AA_STR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct aa_arena;

#define AA_STR_NO_CAP SIZE_MAX

struct aa_str {
	char *buf;		/* NUL-terminated text, or NULL before the first append */
	size_t len;		/* bytes of text, without the NUL */
	size_t size;		/* bytes allocated for buf */
	size_t max;		/* longest text allowed */
	struct aa_arena *arena;	/* NULL: malloc */
	int nomem;		/* an allocation failed: sticky */
	int over;		/* an append was left out for the cap */
};

/* Start an empty builder in arena (NULL: malloc) whose text may grow to
 * max bytes (AA_STR_NO_CAP: no limit but memory). */
void aa_str_init(struct aa_str *s, struct aa_arena *arena, size_t max);

/* Append len bytes (NULs included). 0 when they went in, -1 when they
 * were left out (the cap, or no memory). */
int aa_str_add(struct aa_str *s, const void *data, size_t len);
/* Append a NUL-terminated trusted string (a literal or our own text). */
int aa_str_addz(struct aa_str *s, const char *z);
/* Append printf-formatted text. */
int aa_str_printf(struct aa_str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int aa_str_vprintf(struct aa_str *s, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static inline size_t aa_str_len(const struct aa_str *s)
{
	return s->len;
}

/* 1 when an append was left out because of the cap. */
static inline int aa_str_over(const struct aa_str *s)
{
	return s->over;
}

/* Mark the builder out of memory: a piece the caller made for it could
 * not be allocated. */
static inline void aa_str_nomem(struct aa_str *s)
{
	s->nomem = 1;
}

/* Cut the text back to len bytes (a length it had: undo a partial run). */
void aa_str_truncate(struct aa_str *s, size_t len);

/* text broken into lines of at most width bytes, joined by '\n', each
 * break taking the place of a space (a word longer than width is cut),
 * for a multi-line SMTP reply (RFC 5321 4.5.3.1.5: 512 octets a line).
 * In arena; NULL when out of memory. */
char *aa_str_wrap(struct aa_arena *arena, const char *text, size_t width);

/* The text, NUL-terminated ("" when nothing was appended), or NULL when
 * memory ran out at any point. With len_r, its length. The builder keeps
 * owning it: the arena's, or malloc'd until aa_str_free(). */
char *aa_str_finish(struct aa_str *s, size_t *len_r);

/* Release a malloc builder's memory (nothing for an arena builder). */
void aa_str_free(struct aa_str *s);

#endif
