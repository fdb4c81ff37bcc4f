/* authres.c - build our Authentication-Results, recognise forged ones. */
#include <string.h>
#include "aa_authres.h"

/* RFC 2045 token characters (RFC 8601 2.2 uses them for values). */
static int is_token_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static int is_token(const char *s, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!is_token_char((unsigned char)s[i]))
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

/* A quoted-string with quoted-pairs around printable text. */
static const char *quoted(struct aa_ctx *ctx, const char *s, size_t len)
{
	char *out = aa_arena_alloc(ctx->arena, len * 2 + 3), *o;

	if (out == NULL)
		return "\"\"";
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
 * plain(copy) says so, else quoted. Never NULL. */
static const char *write_value(struct aa_ctx *ctx, const char *s, size_t len,
			       int (*plain)(const char *, size_t))
{
	char *t;

	if (s == NULL)
		return "\"\"";
	if (len > AA_AUTHRES_ITEM_MAX)
		len = AA_AUTHRES_ITEM_MAX;
	if ((t = printable(ctx, s, len)) == NULL)
		return "\"\"";
	return plain(t, len) ? t : quoted(ctx, t, len);
}

const char *aa_authres_value(struct aa_ctx *ctx, const char *s, size_t len)
{
	return write_value(ctx, s, len, aa_authres_pvalue_is_plain);
}

const char *aa_authres_token_value(struct aa_ctx *ctx, const char *s, size_t len)
{
	return write_value(ctx, s, len, is_token);
}

static const char *val(struct aa_ctx *ctx, const char *s)
{
	return aa_authres_value(ctx, s, s == NULL ? 0 : strlen(s));
}

static const char *tval(struct aa_ctx *ctx, const char *s)
{
	return aa_authres_token_value(ctx, s, s == NULL ? 0 : strlen(s));
}

/* Text inside a comment: printable, no parentheses or backslashes. */
static const char *comment_text(struct aa_ctx *ctx, const char *s)
{
	size_t len = s == NULL ? 0 : strlen(s);
	char *out;

	if (len > 200)
		len = 200;
	out = aa_arena_strndup(ctx->arena, s == NULL ? "" : s, len);
	if (out == NULL)
		return "";
	for (char *p = out; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '\\')
			*p = '?';
	}
	return out;
}

static const char *spf_part(struct aa_ctx *ctx, const struct aa_spf_result *r, const char *ptype)
{
	const char *prop = strcmp(ptype, "helo") == 0 ? "smtp.helo" : "smtp.mailfrom";
	const char *subject = strcmp(ptype, "helo") == 0 ? r->domain : r->sender;

	if (subject == NULL || *subject == '\0')
		subject = r->domain;
	return aa_arena_printf(ctx->arena, "spf=%s%s%s%s %s=%s", aa_result_name(r->result),
			       r->reason != NULL ? " (" : "", r->reason != NULL ? comment_text(ctx, r->reason) : "",
			       r->reason != NULL ? ")" : "", prop, val(ctx, subject));
}

static const char *dkim_part(struct aa_ctx *ctx, const struct aa_dkim_sig *s)
{
	const char *reason = "";

	/* a result for no one signature (the count of those over the limit) */
	if (s->domain == NULL && s->selector == NULL)
		return aa_arena_printf(ctx->arena, "dkim=%s reason=%s", aa_result_name(s->result),
				       tval(ctx, s->reason != NULL ? s->reason : ""));

	if (s->result != AA_PASS && s->reason != NULL)
		reason = aa_arena_printf(ctx->arena, " reason=%s", tval(ctx, s->reason));
	else if (s->body_length_limited)
		reason = " (body length limited)";
	return aa_arena_printf(ctx->arena, "dkim=%s%s header.d=%s header.s=%s header.a=%s%s%s",
			       aa_result_name(s->result), reason, val(ctx, s->domain),
			       val(ctx, s->selector), val(ctx, s->algorithm),
			       s->b_prefix != NULL ? " header.b=" : "",
			       s->b_prefix != NULL ? val(ctx, s->b_prefix) : "");
}

static const char *dmarc_part(struct aa_ctx *ctx, const struct aa_dmarc_result *r)
{
	const char *comment = "";

	if (r->published != AA_POLICY_UNSPEC && (r->result == AA_PASS || r->result == AA_FAIL))
		comment = aa_arena_printf(ctx->arena, " (p=%s dis=%s)",
					  aa_dmarc_policy_name(r->published),
					  aa_dmarc_policy_name(r->result == AA_PASS ? AA_POLICY_NONE : r->policy));
	else if (r->published != AA_POLICY_UNSPEC && r->reason != NULL)
		comment = aa_arena_printf(ctx->arena, " (p=%s; %s)", aa_dmarc_policy_name(r->published),
					  comment_text(ctx, r->reason));
	else if (r->reason != NULL)
		comment = aa_arena_printf(ctx->arena, " (%s)", comment_text(ctx, r->reason));
	if (r->from_domain == NULL)
		return aa_arena_printf(ctx->arena, "dmarc=%s%s", aa_result_name(r->result), comment);
	return aa_arena_printf(ctx->arena, "dmarc=%s%s header.from=%s", aa_result_name(r->result),
			       comment, val(ctx, r->from_domain));
}

static const char *join(struct aa_ctx *ctx, const char *acc, const char *part)
{
	if (part == NULL)
		return acc;
	return aa_arena_printf(ctx->arena, "%s;\n\t%s", acc, part);
}

const char *aa_authres_build(struct aa_ctx *ctx, const struct aa_authres_input *in)
{
	const char *out = tval(ctx, in->authserv_id);
	int any = 0, mailfrom_is_helo = 0;

	if (in->spf_mailfrom != NULL) {
		mailfrom_is_helo = strcmp(in->spf_mailfrom->identity, "helo") == 0;
		out = join(ctx, out, spf_part(ctx, in->spf_mailfrom,
					      mailfrom_is_helo ? "helo" : "mailfrom"));
		any = 1;
	}
	/* with the null sender the mailfrom result is a copy of the HELO
	 * one (RFC 7208 2.4): say it once */
	if (in->spf_helo != NULL && in->spf_helo != in->spf_mailfrom && !mailfrom_is_helo) {
		out = join(ctx, out, spf_part(ctx, in->spf_helo, "helo"));
		any = 1;
	}
	if (in->dkim != NULL) {
		if (in->dkim->count == 0 && in->dkim->incomplete)
			out = join(ctx, out, "dkim=temperror reason=\"verification could not run\"");
		else if (in->dkim->count == 0)
			out = join(ctx, out, "dkim=none");
		for (size_t i = 0; i < in->dkim->count; i++)
			out = join(ctx, out, dkim_part(ctx, &in->dkim->sigs[i]));
		any = 1;
	}
	if (in->dmarc != NULL) {
		out = join(ctx, out, dmarc_part(ctx, in->dmarc));
		any = 1;
	}
	if (!any)
		out = aa_arena_printf(ctx->arena, "%s; none", out);
	return out;
}

/* ---- recognising ours ---- */

int aa_authres_is_ours(const char *field, size_t len, const char *authserv_id)
{
	size_t off;

	if (authserv_id == NULL || !aa_authres_field_value(field, len, &off))
		return 0;
	/* -1, a start that cannot be read: removing a forged claim is the safe side */
	return aa_authres_id_is(field + off, len - off, authserv_id) != 0;
}
