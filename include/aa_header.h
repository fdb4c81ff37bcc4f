/* aa_header.h - header fields as Exim 4.96 sees them.
 *
 * A field name is recognised the way Exim's header_checkname() does:
 * the name (ASCII case ignored), then any white space, folding included,
 * then the colon; so "From :", "From\t:" and "From\n\t:" are all From
 * fields. A raw message is cut into fields the way Exim's receive.c cuts
 * an SMTP message: a line that does not start with white space and has
 * no colon after its name, or that starts with white space where a field
 * must begin, ends the header block (Exim takes it as the body's first
 * line). Exim also folds at a bare LF once the first line ended in
 * CRLF; a file read by the tool has no SMTP line ends to go by, so LF
 * and CRLF both end a line here (the plugin sees Exim's own split). The
 * plugin walks Exim's own header_list; the command-line tool
 * and the test drivers use aa_header_next() on the raw message, so both
 * see the same fields.
 */
#ifndef AA_HEADER_H
#define AA_HEADER_H

#include <stddef.h>

/* 1 when the field (len bytes: name, colon, value) is named name, with
 * *value_off_r set just past the colon; else 0. */
int aa_header_name_is(const char *field, size_t len, const char *name, size_t *value_off_r);

/* A cursor over the header block of a raw message (LF or CRLF lines). */
struct aa_header_cursor {
	const char *p, *end;
	int done;
};

void aa_header_start(struct aa_header_cursor *c, const char *msg, size_t len);

/* The next field, continuation lines included, without its final line
 * end: 1 with *field_r and *len_r, or 0 at the end of the header block. */
int aa_header_next(struct aa_header_cursor *c, const char **field_r, size_t *len_r);

#endif
