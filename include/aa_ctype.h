/* aa_ctype.h - character classes, one definition each.
 *
 * ASCII only, never the locale (Exim may run under any LC_CTYPE, and a
 * byte >= 0x80 is never a letter here), on unsigned char: callers pass a
 * byte of untrusted text as it is. There are three "white space" sets,
 * named apart, so each caller says which one it means:
 *
 *   aa_is_wsp    SP and HTAB: WSP of RFC 5234 B.1, as RFC 5322 and the
 *                DMARC record grammar (RFC 9989) use it
 *   aa_is_fws    SP, HTAB, CR and LF: the bytes folding white space is
 *                made of (RFC 5322 3.2.2, RFC 6376 2.8), for text taken
 *                from a header field with its line breaks still in it
 *   aa_is_space  the C locale's isspace() (SP, HTAB, LF, VT, FF, CR), as
 *                Exim's own header code skips white space
 * Part of the toolkit (core/lib/): bytes only, no protocol and no text
 * encoding (UTF-8 is its readers' business).
 */
#ifndef AA_CTYPE_H
#define AA_CTYPE_H

#include <stdbool.h>
#include <stddef.h>

static inline bool aa_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline bool aa_is_fws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool aa_is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline bool aa_is_upper(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool aa_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || aa_is_upper(c);
}

static inline bool aa_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* RFC 5321 4.1.2 Let-dig */
static inline bool aa_is_alnum(unsigned char c)
{
	return aa_is_alpha(c) || aa_is_digit(c);
}

/* RFC 5321 4.1.2 Ldh-str bytes: letters, digits, '-' */
static inline bool aa_is_ldh(unsigned char c)
{
	return aa_is_alnum(c) || c == '-';
}

/* RFC 5234 B.1 VCHAR: printable ASCII, space excluded */
static inline bool aa_is_vchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* 1 when the len bytes at s are one or more digits and nothing else */
static inline bool aa_all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!aa_is_digit((unsigned char)s[i]))
			return false;
	return true;
}

static inline unsigned char aa_lower(unsigned char c)
{
	return aa_is_upper(c) ? (unsigned char)(c - 'A' + 'a') : c;
}

#endif
