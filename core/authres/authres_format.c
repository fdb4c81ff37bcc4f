/* authres_format.c - a parsed Authentication-Results value written back
 * in one canonical style (aa_authres_format), its values through the
 * writer of authres_value.c.
 */
#include <string.h>
#include "aa_ctype.h"
#include "aa_str.h"
#include "authres_int.h"

static int is_keyword_str(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!aa_is_ldh((unsigned char)s[i]))
			return 0;
	return 1;
}

static int is_digits_str(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!aa_is_digit((unsigned char)*s))
			return 0;
	return 1;
}

static const char *tok_or_quoted(struct aa_ctx *ctx, const char *s)
{
	return aa_authres_token_value(ctx, s, strlen(s));
}

const char *aa_authres_format(struct aa_ctx *ctx, const struct aa_authres_parsed *pa)
{
	struct aa_str b;

	if (pa == NULL || pa->authserv_id == NULL || pa->count > AA_AUTHRES_RESINFO_MAX)
		return NULL;
	for (size_t i = 0; i < pa->count; i++) {
		if (pa->r[i].nprops > AA_AUTHRES_PROP_MAX)
			return NULL;
	}
	aa_str_init(&b, ctx->arena, AA_STR_NO_CAP);
	aa_str_addz(&b, tok_or_quoted(ctx, pa->authserv_id));
	if (pa->version != NULL) {
		if (!is_digits_str(pa->version))
			return NULL;
		aa_str_printf(&b, " %s", pa->version);
	}
	if (pa->count == 0)
		aa_str_addz(&b, "; none");
	for (size_t i = 0; i < pa->count; i++) {
		const struct aa_authres_resinfo *r = &pa->r[i];

		if (!is_keyword_str(r->method) || !is_keyword_str(r->result) ||
		    (r->method_version != NULL && !is_digits_str(r->method_version)))
			return NULL;
		aa_str_printf(&b, "; %s%s%s=%s", r->method, r->method_version != NULL ? "/" : "",
			      r->method_version != NULL ? r->method_version : "", r->result);
		if (r->reason != NULL)
			aa_str_printf(&b, " reason=%s", tok_or_quoted(ctx, r->reason));
		for (size_t j = 0; j < r->nprops; j++) {
			const struct aa_authres_prop *pr = &r->props[j];

			if (!is_keyword_str(pr->ptype) || !is_keyword_str(pr->property))
				return NULL;
			aa_str_printf(&b, " %s.%s=%s", pr->ptype, pr->property,
				      aa_authres_value(ctx, pr->value, strlen(pr->value)));
		}
	}
	return aa_str_finish(&b, NULL);	/* NULL: out of memory */
}
