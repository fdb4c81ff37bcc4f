/* aa_header.h - header fields as Exim 4.96 sees them.
 *
 * A field name is recognised the way Exim's header_checkname() does:
 * the name (ASCII case ignored), then any white space, folding included,
 * then the colon; so "From :", "From\t:" and "From\n\t:" are all From
 * fields. For removing fields that claim to be ours, aa_header_name_like()
 * also takes the white space that common readers trim.
 * A raw message is cut into fields the way Exim's receive.c cuts
 * an SMTP message: a line that does not start with white space and has
 * no colon after its name, or that starts with white space where a field
 * must begin, ends the header block (Exim takes it as the body's first
 * line). Exim also folds at a bare LF once the first line ended in
 * CRLF; a file read by the tool has no SMTP line ends to go by, so LF
 * and CRLF both end a line here (the plugin sees Exim's own split). The
 * plugin walks Exim's own header_list; the command-line tool
 * and the test drivers use aa_header_next() on the raw message, so both
 * see the same fields.
 * Part of the toolkit (core/lib/): field names and boundaries only; what a
 * field says is its reader's (From, Authentication-Results, DKIM).
 */
#ifndef AA_HEADER_H
#define AA_HEADER_H

#include <stddef.h>

/* 1 when the field (len bytes: name, colon, value) is named name (ASCII
 * case ignored; name is ours, NUL-terminated), with *value_off_r (if not
 * NULL) set just past the colon; else 0. */
int aa_header_name_is(const char *field, size_t len, const char *name, size_t *value_off_r);

/* The same, but any white space a reader may trim (aa_header_space_len)
 * may stand between the name and the colon. Exim stores such a field
 * ("Name\v:", "Name\xc2\xa0:") as a header; Perl's \s, Java's trim() or
 * .NET's Trim() then read it as Name. For removing fields that claim to
 * be ours, where matching more is the safe side. */
int aa_header_name_like(const char *field, size_t len, const char *name, size_t *value_off_r);

/* The length of the white-space character at s (len bytes available)
 * that common header readers trim, or 0: any byte up to 0x20 (Java's
 * trim()), a lone 0x85 or 0xa0 (NEL and NO-BREAK SPACE read as Latin-1),
 * and in UTF-8 every Unicode White_Space code point (U+0085, U+00A0,
 * U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) plus
 * U+180E, U+200B and U+FEFF, which some readers also drop. */
size_t aa_header_space_len(const char *s, size_t len);

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
