/* dkim_hsel.c - keep libopendkim's header selection inside its array.
 *
 * libopendkim 2.11's dkim_canon_selecthdrs() sizes its array of chosen
 * fields by the number of header fields it holds, and for each name in a
 * signature's h= first clears the next free slot, then takes the last
 * field of that name not taken yet. Once every field is taken, one more
 * name clears the slot one past the end: a heap write of one pointer that
 * any sender can cause (h= naming every field, the signature's own field
 * too, and one name more). It runs for every signature the library kept,
 * even one the prescreen callback told it to ignore, as soon as another
 * signature on the message is verified.
 *
 * Two guards, so that neither depends on the other being exact:
 *  - the guard field: after the message's fields, the library gets one
 *    field whose name holds a space. The library takes the white space
 *    out of every tag value, so no h= can name it, no selection can take
 *    it, and the array always has a slot no name can reach; the field is
 *    in no hash.
 *  - the verdict: a signature whose h= would take every field of the
 *    message and still name more is that signature's permerror (its h=
 *    takes its own DKIM-Signature field, which RFC 6376 3.5 forbids);
 *    this replays the library's selection on the field names kept here.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include "dkim_int.h"

/* Never a name an h= can hold: see above. */
static const char guard_field[] = "Authalign Guard: -";

int aa_dkim_hsel_guard(struct aa_dkim_verify *v)
{
	return dkim_header(v->dkim, (unsigned char *)guard_field,
			   sizeof(guard_field) - 1) == DKIM_STAT_OK ? 0 : -1;
}

void aa_dkim_hsel_add(struct aa_dkim_verify *v, const char *name, size_t len)
{
	struct slice *s;

	if (v->nnames >= DKIM_FIELDS_MAX)
		return;
	s = &v->names[v->nnames++];
	/* a name as long as the library's copy of h= is never matched */
	if (len == 0 || len >= DKIM_MAXHEADER) {
		*s = (struct slice){ NULL, 0 };
		return;
	}
	s->p = aa_dkim_dup(v, name, len, false);	/* NULL: v->oom */
	s->n = s->p != NULL ? len : 0;
}

/* Take the last field not taken yet whose name is tok (the library's
 * match: same length, any case); false when there is none. */
static bool take_last(struct aa_dkim_verify *v, bool *taken, const char *tok, size_t n)
{
	for (size_t i = v->nnames; i-- > 0;) {
		const struct slice *s = &v->names[i];

		if (!taken[i] && s->p != NULL && s->n == n && strncasecmp(s->p, tok, n) == 0) {
			taken[i] = true;
			return true;
		}
	}
	return false;
}

bool aa_dkim_hsel_takes_all(struct aa_dkim_verify *v, const unsigned char *h)
{
	bool taken[DKIM_FIELDS_MAX] = { false };
	const char *p = (const char *)h;
	/* the library works on a copy of at most DKIM_MAXHEADER - 1 bytes */
	const char *end = p + (h != NULL ? strnlen(p, DKIM_MAXHEADER - 1) : 0);
	size_t ntaken = 0;

	while (p < end) {
		const char *colon;
		size_t n;

		if (*p == ':') {	/* empty names are skipped (strtok) */
			p++;
			continue;
		}
		if (ntaken == v->nnames)
			return true;	/* every field taken, and one name more */
		colon = memchr(p, ':', (size_t)(end - p));
		n = (size_t)((colon != NULL ? colon : end) - p);
		if (take_last(v, taken, p, n))
			ntaken++;
		p += n;
	}
	return false;
}
