/* authres_ours.c - recognise an Authentication-Results field and whose
 * it is: the field name, and its authserv-id compared with ours as a
 * lenient reader would read it (so that a forged one is found).
 */
#include <string.h>
#include "aa_ctype.h"
#include "aa_header.h"
#include "authres_int.h"

#define AUTHRES_NAME "Authentication-Results"

int aa_authres_field_value(const char *field, size_t len, size_t *off_r)
{
	return aa_header_name_like(field, len, AUTHRES_NAME, off_r);
}

/* Skip what a reader trims or skips before the authserv-id: white space
 * (aa_header_space_len: also vertical tab, form feed, Unicode spaces) and
 * comments. 0, or -1 at a comment that cannot be read. */
static int id_lead(struct aa_ar_cur *c)
{
	size_t k;

	while (c->p < c->end) {
		if ((k = aa_header_space_len((const char *)c->p, (size_t)(c->end - c->p))) > 0)
			c->p += k;
		else if (*c->p == '(') {
			if (aa_ar_comment(c) < 0)
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
static int span_is_id(const struct aa_ar_span *s, const char *id)
{
	char v[AA_AUTHRES_ITEM_MAX];
	size_t n, idn = strlen(id), i, j;

	/* aa_ar_quoted_string() and aa_ar_run() cap what s holds at sizeof(v) */
	n = aa_ar_span_unquote(s, v, sizeof(v), 0);
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
	struct aa_ar_cur c;
	struct aa_ar_span s;

	aa_ar_cur_init(&c, value, len, 0);
	if (id_lead(&c) < 0)
		return -1;
	if (aa_ar_peek(&c) == '"') {
		if (aa_ar_quoted_string(&c, &s) < 0)
			return -1;
	} else {
		const unsigned char *from = c.p;

		if (aa_ar_run(&c, &s, aa_ar_is_token_char, "") < 0)
			return c.p == from ? 0 : -1;	/* none, or over the cap */
	}
	return span_is_id(&s, id);
}

int aa_authres_is_ours(const char *field, size_t len, const char *authserv_id)
{
	size_t off;

	if (authserv_id == NULL || !aa_authres_field_value(field, len, &off))
		return 0;
	/* -1, a start that cannot be read: removing a forged claim is the safe side */
	return aa_authres_id_is(field + off, len - off, authserv_id) != 0;
}
