/* aa_names.h - enum name tables: the words of an enum, in one place.
 *
 * One table per enum gives both the word written for a value (logs, the
 * tool, Authentication-Results) and the words a parser accepts, so output
 * and input cannot drift apart. The first entry of a value is its name;
 * later entries of the same value are aliases: accepted, never written
 * and never listed (bool's "true" beside "yes").
 * Knows nothing of what the enums mean.
 */
#ifndef AA_NAMES_H
#define AA_NAMES_H

#include <stddef.h>

struct aa_name {
	const char *name;
	int value;
};

struct aa_names {
	const struct aa_name *v;
	size_t n;
};

/* The name of value, or unknown when the table has none. */
const char *aa_names_name(const struct aa_names *t, int value, const char *unknown);

/* The value of word (exact, case-sensitive) into *value_r: 0, or -1 when
 * the table has no such word. */
int aa_names_parse(const struct aa_names *t, const char *word, int *value_r);

/* Parse options for aa_names_parse_n(). */
#define AA_NAMES_ICASE 1u	/* ASCII case-insensitive ("TXT" as "txt") */

/* The value of the len bytes at word (no NUL needed, a NUL inside never
 * matches) into *value_r, under flags: 0, or -1 when no word matches. */
int aa_names_parse_n(const struct aa_names *t, const char *word, size_t len, unsigned flags,
		     int *value_r);

/* 1 when entry i is an alias (an earlier entry has its value). */
int aa_names_is_alias(const struct aa_names *t, size_t i);

/* The names, not the aliases, into buf: "a, b or c" (sep between, last
 * before the final one, e.g. ", " and " or "; or "|" and "|").
 * Returns buf; cut short (never unterminated) when buf is too small. */
const char *aa_names_list(const struct aa_names *t, const char *sep, const char *last, char *buf,
			  size_t len);

#endif
