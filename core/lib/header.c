/* header.c - header field names matched the way Exim and readers do, and
 * a raw header block cut into fields as Exim 4.96 does (see aa_header.h). */
#include <string.h>
#include "aa_ctype.h"
#include "aa_header.h"

size_t aa_header_space_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	if (len == 0)
		return 0;
	if (p[0] <= 0x20 || p[0] == 0x85 || p[0] == 0xa0)
		return 1;
	if (len >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;			/* U+0085, U+00A0 */
	if (len < 3)
		return 0;
	switch (p[0]) {
	case 0xe1:			/* U+1680, U+180E */
		return (p[1] == 0x9a && p[2] == 0x80) || (p[1] == 0xa0 && p[2] == 0x8e) ? 3 : 0;
	case 0xe2:			/* U+2000..U+200B, U+2028, U+2029, U+202F, U+205F */
		if (p[1] == 0x80)
			return p[2] <= 0x8b || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf ? 3 : 0;
		return p[1] == 0x81 && p[2] == 0x9f ? 3 : 0;
	case 0xe3:			/* U+3000 */
		return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
	case 0xef:			/* U+FEFF */
		return p[1] == 0xbb && p[2] == 0xbf ? 3 : 0;
	}
	return 0;
}

static size_t exim_space_len(const char *s, size_t len)
{
	return len > 0 && aa_is_space((unsigned char)*s) ? 1 : 0;
}

static int name_match(const char *field, size_t len, const char *name, size_t *value_off_r,
		      size_t (*space_len)(const char *, size_t))
{
	size_t n = strlen(name), i, k;

	if (field == NULL || len <= n)
		return 0;
	for (i = 0; i < n; i++)
		if (aa_lower((unsigned char)field[i]) != aa_lower((unsigned char)name[i]))
			return 0;
	/* each step moves on by at least one byte: ends within len */
	for (; i < len && (k = space_len(field + i, len - i)) > 0; i += k)
		;
	if (i >= len || field[i] != ':')
		return 0;
	if (value_off_r != NULL)
		*value_off_r = i + 1;
	return 1;
}

int aa_header_name_is(const char *field, size_t len, const char *name, size_t *value_off_r)
{
	return name_match(field, len, name, value_off_r, exim_space_len);
}

int aa_header_name_like(const char *field, size_t len, const char *name, size_t *value_off_r)
{
	return name_match(field, len, name, value_off_r, aa_header_space_len);
}

void aa_header_start(struct aa_header_cursor *c, const char *msg, size_t len)
{
	c->p = msg;
	c->end = msg + len;
	c->done = msg == NULL;
}

/* Exim's test for a header line: a name of printing bytes other than
 * ':' (8-bit bytes count as printing), white space, then ':'. */
static int is_field(const char *p, const char *end)
{
	if (p >= end || aa_is_space((unsigned char)*p))
		return 0;
	while (p < end && (unsigned char)*p > ' ' && (unsigned char)*p != 0x7f && *p != ':')
		p++;
	while (p < end && aa_is_space((unsigned char)*p))
		p++;
	return p < end && *p == ':';
}

int aa_header_next(struct aa_header_cursor *c, const char **field_r, size_t *len_r)
{
	const char *p = c->p, *fe, *next;

	if (c->done || p >= c->end || *p == '\n' || (*p == '\r' && p + 1 < c->end && p[1] == '\n')) {
		c->done = 1;
		return 0;
	}
	/* the field ends at the line end before a line that does not fold */
	for (fe = p;;) {
		const char *lf = memchr(fe, '\n', (size_t)(c->end - fe));

		if (lf == NULL) {
			fe = next = c->end;
			break;
		}
		next = lf + 1;
		if (next >= c->end || (*next != ' ' && *next != '\t')) {
			fe = lf > p && lf[-1] == '\r' ? lf - 1 : lf;
			break;
		}
		fe = next;
	}
	if (!is_field(p, fe)) {
		c->done = 1;	/* Exim: the first line of the body */
		return 0;
	}
	*field_r = p;
	*len_r = (size_t)(fe - p);
	c->p = next;
	return 1;
}
