/* authres.c - build our Authentication-Results header from the SPF, DKIM
 * and DMARC results, one folded line per result; every value through
 * authres_value.c.
 */
#include <string.h>
#include "aa_str.h"
#include "authres_int.h"

/* The header being written: the builder and where its pieces come from. */
struct writer {
	struct aa_ctx *ctx;
	struct aa_str b;
};

/* A piece made for the header, or "" and the header out of memory. */
static const char *piece(struct writer *w, const char *made)
{
	if (made != NULL)
		return made;
	aa_str_nomem(&w->b);
	return "";
}

static const char *val(struct writer *w, const char *s)
{
	return piece(w, aa_ar_write_pvalue(w->ctx, s, s == NULL ? 0 : strlen(s)));
}

static const char *tval(struct writer *w, const char *s)
{
	return piece(w, aa_ar_write_token_value(w->ctx, s, s == NULL ? 0 : strlen(s)));
}

/* Text inside a comment: printable, no parentheses or backslashes. */
static const char *comment_text(struct writer *w, const char *s)
{
	size_t len = s == NULL ? 0 : strlen(s);
	char *out;

	if (len > 200)
		len = 200;
	out = aa_arena_strndup(w->ctx->arena, s == NULL ? "" : s, len);
	if (out == NULL)
		return piece(w, NULL);
	for (char *p = out; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c >= 0x7f || c == '(' || c == ')' || c == '\\')
			*p = '?';
	}
	return out;
}

/* Each method's result starts on a folded line of its own. */
static void next_part(struct writer *w)
{
	aa_str_addz(&w->b, ";\n\t");
}

static void spf_part(struct writer *w, const struct aa_spf_result *r, const char *ptype)
{
	const char *prop = strcmp(ptype, "helo") == 0 ? "smtp.helo" : "smtp.mailfrom";
	const char *subject = strcmp(ptype, "helo") == 0 ? r->domain : r->sender;

	if (subject == NULL || *subject == '\0')
		subject = r->domain;
	next_part(w);
	aa_str_printf(&w->b, "spf=%s", aa_result_name(r->result));
	if (r->reason != NULL)
		aa_str_printf(&w->b, " (%s)", comment_text(w, r->reason));
	aa_str_printf(&w->b, " %s=%s", prop, val(w, subject));
}

static void dkim_part(struct writer *w, const struct aa_dkim_sig *s)
{
	next_part(w);
	/* a result for no one signature (the count of those over the limit) */
	if (s->domain == NULL && s->selector == NULL) {
		aa_str_printf(&w->b, "dkim=%s reason=%s", aa_result_name(s->result),
			      tval(w, s->reason != NULL ? s->reason : ""));
		return;
	}
	aa_str_printf(&w->b, "dkim=%s", aa_result_name(s->result));
	if (s->result != AA_PASS && s->reason != NULL)
		aa_str_printf(&w->b, " reason=%s", tval(w, s->reason));
	else if (s->body_length_limited)
		aa_str_addz(&w->b, " (body length limited)");
	aa_str_printf(&w->b, " header.d=%s", val(w, s->domain));
	aa_str_printf(&w->b, " header.s=%s", val(w, s->selector));
	aa_str_printf(&w->b, " header.a=%s", val(w, s->algorithm));
	if (s->b_prefix != NULL)
		aa_str_printf(&w->b, " header.b=%s", val(w, s->b_prefix));
}

static void dmarc_part(struct writer *w, const struct aa_dmarc_result *r)
{
	next_part(w);
	aa_str_printf(&w->b, "dmarc=%s", aa_result_name(r->result));
	if (r->published != AA_POLICY_UNSPEC && (r->result == AA_PASS || r->result == AA_FAIL))
		aa_str_printf(&w->b, " (p=%s dis=%s)", aa_dmarc_policy_name(r->published),
			      aa_dmarc_policy_name(r->result == AA_PASS ? AA_POLICY_NONE : r->policy));
	else if (r->published != AA_POLICY_UNSPEC && r->reason != NULL)
		aa_str_printf(&w->b, " (p=%s; %s)", aa_dmarc_policy_name(r->published),
			      comment_text(w, r->reason));
	else if (r->reason != NULL)
		aa_str_printf(&w->b, " (%s)", comment_text(w, r->reason));
	if (r->from_domain != NULL)
		aa_str_printf(&w->b, " header.from=%s", val(w, r->from_domain));
}

const char *aa_authres_build(struct aa_ctx *ctx, const struct aa_authres_input *in)
{
	struct writer w = { .ctx = ctx };
	int any = 0, mailfrom_is_helo = 0;

	aa_str_init(&w.b, ctx->arena, AA_STR_NO_CAP);
	aa_str_addz(&w.b, tval(&w, in->authserv_id));
	if (in->spf_mailfrom != NULL) {
		mailfrom_is_helo = strcmp(in->spf_mailfrom->identity, "helo") == 0;
		spf_part(&w, in->spf_mailfrom, mailfrom_is_helo ? "helo" : "mailfrom");
		any = 1;
	}
	/* with the null sender the mailfrom result is a copy of the HELO
	 * one (RFC 7208 2.4): say it once */
	if (in->spf_helo != NULL && in->spf_helo != in->spf_mailfrom && !mailfrom_is_helo) {
		spf_part(&w, in->spf_helo, "helo");
		any = 1;
	}
	if (in->dkim != NULL) {
		if (in->dkim->count == 0 && in->dkim->incomplete) {
			next_part(&w);
			aa_str_addz(&w.b, "dkim=temperror reason=\"verification could not run\"");
		} else if (in->dkim->count == 0) {
			next_part(&w);
			aa_str_addz(&w.b, "dkim=none");
		}
		for (size_t i = 0; i < in->dkim->count; i++)
			dkim_part(&w, &in->dkim->sigs[i]);
		any = 1;
	}
	if (in->dmarc != NULL) {
		dmarc_part(&w, in->dmarc);
		any = 1;
	}
	if (!any)
		aa_str_addz(&w.b, "; none");
	return aa_str_finish(&w.b, NULL);	/* NULL: out of memory, a temperror */
}
