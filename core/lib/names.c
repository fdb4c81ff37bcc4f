/* names.c - enum name tables: name of a value, value of a word, the list
 * of words for an error or a manual page (aa_names.h). */
#include <stdio.h>
#include <string.h>
#include "aa_ctype.h"
#include "aa_names.h"

const char *aa_names_name(const struct aa_names *t, int value, const char *unknown)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].value == value)
			return t->v[i].name;
	return unknown;
}

int aa_names_parse(const struct aa_names *t, const char *word, int *value_r)
{
	return aa_names_parse_n(t, word, strlen(word), 0, value_r);
}

/* name equals the len bytes at word; ASCII case folded when icase. */
static int same(const char *name, const char *word, size_t len, int icase)
{
	size_t i;

	for (i = 0; i < len && name[i] != '\0'; i++) {
		unsigned char a = (unsigned char)name[i], b = (unsigned char)word[i];

		if (icase ? aa_lower(a) != aa_lower(b) : a != b)
			return 0;
	}
	return i == len && name[i] == '\0';
}

int aa_names_parse_n(const struct aa_names *t, const char *word, size_t len, unsigned flags,
		     int *value_r)
{
	for (size_t i = 0; i < t->n; i++)
		if (same(t->v[i].name, word, len, (flags & AA_NAMES_ICASE) != 0)) {
			*value_r = t->v[i].value;
			return 0;
		}
	return -1;
}

int aa_names_is_alias(const struct aa_names *t, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (t->v[j].value == t->v[i].value)
			return 1;
	return 0;
}

const char *aa_names_list(const struct aa_names *t, const char *sep, const char *last, char *buf,
			  size_t len)
{
	size_t used = 0, total = 0, done = 0;

	for (size_t i = 0; i < t->n; i++)
		total += !aa_names_is_alias(t, i);
	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < t->n && used < len; i++) {
		int w;

		if (aa_names_is_alias(t, i))
			continue;
		w = snprintf(buf + used, len - used, "%s%s", done == 0 ? "" : done + 1 == total ? last : sep,
			     t->v[i].name);
		if (w < 0)
			break;
		used += (size_t)w;
		done++;
	}
	return buf;
}
