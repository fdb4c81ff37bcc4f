/* authres.c - build our Authentication-Results, recognise forged ones. */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "aa_authres.h"

#define AUTHRES_NAME "Authentication-Results"
#define AUTHRES_COMMENT_DEPTH_MAX 8

/* RFC 2045 token characters (RFC 8601 2.2 uses them for values). */
static int is_token_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A domain-ish or token value, or an addr-spec local@domain with a
 * token local part (RFC 8601 2.3 pvalue), may stand unquoted. */
static int is_plain_pvalue(const char *s, size_t len)
{
	size_t at = 0;
	int ats = 0;

	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '@') {
			ats++;
			at = i;
			continue;
		}
		if (!is_token_char(c))
			return 0;
	}
	return ats == 0 || (ats == 1 && at + 1 < len);
}

const char *aa_authres_value(struct aa_ctx *ctx, const char *s, size_t len)
{
	char *out, *o;

	if (s == NULL)
		return "\"\"";
	if (len > 512)
		len = 512;
	if (is_plain_pvalue(s, len))
		return aa_arena_strndup(ctx->arena, s, len);
	out = aa_arena_alloc(ctx->arena, len * 2 + 3);
	if (out == NULL)
		return "\"\"";
	o = out;
	*o++ = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			*o++ = '\\';
		*o++ = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	*o++ = '"';
	*o = '\0';
	return out;
}

static const char *val(struct aa_ctx *ctx, const char *s)
{
	return aa_authres_value(ctx, s, s == NULL ? 0 : strlen(s));
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

	if (s->result != AA_PASS && s->reason != NULL)
		reason = aa_arena_printf(ctx->arena, " reason=%s", val(ctx, s->reason));
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

	if (r->published != AA_POLICY_UNSPEC)
		comment = aa_arena_printf(ctx->arena, " (p=%s dis=%s)",
					  aa_dmarc_policy_name(r->published),
					  aa_dmarc_policy_name(r->result == AA_PASS ? AA_POLICY_NONE : r->policy));
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
	const char *out = val(ctx, in->authserv_id);
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
		if (in->dkim->count == 0)
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

struct cursor {
	const unsigned char *p, *end;
};

/* Skip folding white space and (nested) comments. -1 on an unclosed one. */
static int skip_cfws(struct cursor *c)
{
	while (c->p < c->end) {
		if (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n') {
			c->p++;
		} else if (*c->p == '(') {
			int depth = 0;

			do {
				if (*c->p == '\\' && c->p + 1 < c->end)
					c->p++;
				else if (*c->p == '(' && ++depth > AUTHRES_COMMENT_DEPTH_MAX)
					return -1;
				else if (*c->p == ')')
					depth--;
				c->p++;
			} while (c->p < c->end && depth > 0);
			if (depth > 0)
				return -1;
		} else {
			break;
		}
	}
	return 0;
}

/* Read the authserv-id (token or quoted-string) into buf. */
static int read_value(struct cursor *c, char *buf, size_t buflen)
{
	size_t n = 0;

	if (c->p < c->end && *c->p == '"') {
		c->p++;
		while (c->p < c->end && *c->p != '"') {
			if (*c->p == '\\' && c->p + 1 < c->end)
				c->p++;
			if (n + 1 >= buflen)
				return -1;
			buf[n++] = (char)*c->p++;
		}
		if (c->p >= c->end)
			return -1;
		c->p++;
	} else {
		while (c->p < c->end && is_token_char(*c->p) && *c->p != ';') {
			if (n + 1 >= buflen)
				return -1;
			buf[n++] = (char)*c->p++;
		}
	}
	buf[n] = '\0';
	return n > 0 ? 0 : -1;
}

int aa_authres_is_ours(const char *field, size_t len, const char *authserv_id)
{
	size_t name_len = sizeof(AUTHRES_NAME) - 1;
	struct cursor c;
	char id[256];
	size_t i = name_len;

	if (authserv_id == NULL || len < name_len || strncasecmp(field, AUTHRES_NAME, name_len) != 0)
		return 0;
	while (i < len && (field[i] == ' ' || field[i] == '\t'))
		i++;
	if (i >= len || field[i] != ':')
		return 0;
	c.p = (const unsigned char *)field + i + 1;
	c.end = (const unsigned char *)field + len;
	if (skip_cfws(&c) < 0)
		return 1;	/* unparseable: removing a forged claim is the safe side */
	if (read_value(&c, id, sizeof(id)) < 0)
		return 0;
	return strcasecmp(id, authserv_id) == 0;
}
