/* aa_header.h - header field names, matched the way Exim and readers do.
 *
 * A field is (pointer, length) of untrusted bytes, "Name: value" with
 * any folding; names compared here are ours (NUL-terminated, ASCII).
 */
#ifndef AA_HEADER_H
#define AA_HEADER_H

#include <stddef.h>

/* Is field named name, as Exim's header_testname() decides: the name
 * (ASCII case-insensitive), then optional spaces and tabs, then a colon?
 * 1 with *value_off_r (if not NULL) at the first byte after the colon;
 * 0 otherwise. */
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

#endif
