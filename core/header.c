/* header.c - recognising header field names and cutting a raw header
 * block into fields, both as Exim 4.96 does (see aa_header.h). */
#include <string.h>
#include "aa_header.h"

/* C-locale isspace(), as Exim's Uskip_whitespace() uses it. */
static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int aa_header_name_is(const char *field, size_t len, const char *name, size_t *value_off_r)
{
	size_t n = strlen(name), i;

	if (field == NULL || len <= n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((unsigned char)field[i]) != lower((unsigned char)name[i]))
			return 0;
	while (i < len && is_space((unsigned char)field[i]))
		i++;
	if (i >= len || field[i] != ':')
		return 0;
	*value_off_r = i + 1;
	return 1;
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
	if (p >= end || is_space((unsigned char)*p))
		return 0;
	while (p < end && (unsigned char)*p > ' ' && (unsigned char)*p != 0x7f && *p != ':')
		p++;
	while (p < end && is_space((unsigned char)*p))
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
