/* authres_value.c - the one writer of untrusted text into an
 * Authentication-Results value.
 *
 * A value stays as it is when a strict parse reads it back the same
 * (a pvalue: authres_lex.c; an RFC 2045 token), else it becomes a
 * quoted-string with quoted-pairs; bytes outside printable ASCII become
 * '?' first, and at most AA_AUTHRES_ITEM_MAX bytes are kept.
 */
#include <string.h>
#include "authres_int.h"

/* An RFC 2045 token (RFC 8601 2.2 uses them for values). */
static int is_token(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!aa_ar_is_token_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A copy with bytes outside printable ASCII replaced by '?': the text
 * that will be written, so that quoting is decided on it. */
static char *printable(struct aa_ctx *ctx, const char *s, size_t len)
{
	char *out = aa_arena_strndup(ctx->arena, s, len);

	for (size_t i = 0; out != NULL && i < len; i++) {
		unsigned char c = (unsigned char)out[i];

		if (c < 0x20 || c >= 0x7f)
			out[i] = '?';
	}
	return out;
}

/* A quoted-string with quoted-pairs around printable text; NULL when
 * out of memory. */
static const char *quoted(struct aa_ctx *ctx, const char *s, size_t len)
{
	char *out = aa_arena_alloc(ctx->arena, len * 2 + 3), *o;

	if (out == NULL)
		return NULL;
	o = out;
	*o++ = '"';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			*o++ = '\\';
		*o++ = s[i];
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

/* Printable copy of at most AA_AUTHRES_ITEM_MAX bytes, left bare when
 * plain(copy) says so, else quoted; "" quoted for no value, NULL when
 * out of memory. */
static const char *write_value(struct aa_ctx *ctx, const char *s, size_t len,
			       int (*plain)(const char *, size_t))
{
	char *t;

	if (s == NULL)
		return "\"\"";
	if (len > AA_AUTHRES_ITEM_MAX)
		len = AA_AUTHRES_ITEM_MAX;
	if ((t = printable(ctx, s, len)) == NULL)
		return NULL;
	return plain(t, len) ? t : quoted(ctx, t, len);
}

const char *aa_ar_write_pvalue(struct aa_ctx *ctx, const char *s, size_t len)
{
	return write_value(ctx, s, len, aa_authres_pvalue_is_plain);
}

const char *aa_ar_write_token_value(struct aa_ctx *ctx, const char *s, size_t len)
{
	return write_value(ctx, s, len, is_token);
}

/* the public writers: out of memory gives an empty quoted-string */

const char *aa_authres_value(struct aa_ctx *ctx, const char *s, size_t len)
{
	const char *v = aa_ar_write_pvalue(ctx, s, len);

	return v != NULL ? v : "\"\"";
}

const char *aa_authres_token_value(struct aa_ctx *ctx, const char *s, size_t len)
{
	const char *v = aa_ar_write_token_value(ctx, s, len);

	return v != NULL ? v : "\"\"";
}
