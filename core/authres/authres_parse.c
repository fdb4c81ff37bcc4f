/* authres_parse.c - the grammar of an Authentication-Results value
 * (RFC 8601 2.2), read into the arena.
 *
 * authserv-id [version] then "; none" or results of method, result,
 * reason and properties, strictly as written or leniently for a trusted
 * upstream (aa_authres_mode). The tokens, comments and folding between
 * them are read by authres_lex.c.
 */
#include <string.h>
#include "aa_ctype.h"
#include "aa_str.h"
#include "authres_int.h"

/* ---- results ---- */

struct prop_spans {
	struct aa_ar_span ptype, property, value;
};

struct resinfo_spans {
	struct aa_ar_span method, version, result, reason;
	size_t nprops;
	struct prop_spans props[AA_AUTHRES_PROP_MAX];
};

/* propspec = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue, and
 * in lenient mode also property [CFWS] "=" pvalue. */
static int propspec(struct aa_ar_cur *c, struct prop_spans *ps)
{
	if (aa_ar_keyword(c, &ps->ptype, "expected a ptype") < 0 || aa_ar_cfws(c) < 0)
		return -1;
	if (aa_ar_peek(c) == '.') {
		c->p++;
		if (aa_ar_cfws(c) < 0 || aa_ar_keyword(c, &ps->property, "expected a property") < 0 ||
		    aa_ar_cfws(c) < 0)
			return -1;
	} else if (c->lenient && aa_ar_peek(c) == '=') {
		ps->property = ps->ptype;
		ps->ptype.n = 0;
	} else {
		return aa_ar_fail(c, "expected \".\" between ptype and property");
	}
	if (aa_ar_peek(c) != '=')
		return aa_ar_fail(c, "expected \"=\" after a property");
	c->p++;
	if (aa_ar_cfws(c) < 0 || aa_ar_pvalue(c, &ps->value) < 0 || aa_ar_cfws(c) < 0)
		return -1;
	return 0;
}

/* resinfo after its ";": methodspec [CFWS reasonspec] [CFWS 1*propspec].
 * Ends before the next ";" or at the end. */
static int resinfo(struct aa_ar_cur *c, struct resinfo_spans *r)
{
	memset(r, 0, sizeof(*r));
	if (aa_ar_keyword(c, &r->method, "expected a method") < 0 || aa_ar_cfws(c) < 0)
		return -1;
	if (aa_ar_peek(c) == '/') {
		c->p++;
		if (aa_ar_cfws(c) < 0 || aa_ar_digits(c, &r->version, "expected a method version") < 0 ||
		    aa_ar_cfws(c) < 0)
			return -1;
	}
	if (aa_ar_peek(c) != '=')
		return aa_ar_fail(c, "expected \"=\" after the method");
	c->p++;
	if (aa_ar_cfws(c) < 0 || aa_ar_keyword(c, &r->result, "expected a result") < 0 ||
	    aa_ar_cfws(c) < 0)
		return -1;
	if (aa_ar_peek(c) != -1 && aa_ar_peek(c) != ';') {
		const unsigned char *save = c->p;
		struct aa_ar_span k;

		if (aa_ar_keyword(c, &k, "expected a reason or property") < 0 || aa_ar_cfws(c) < 0)
			return -1;
		if (aa_ar_span_is(&k, "reason") && aa_ar_peek(c) == '=') {
			c->p++;
			if (aa_ar_cfws(c) < 0 || aa_ar_value(c, &r->reason, "expected a reason") < 0 ||
			    aa_ar_cfws(c) < 0)
				return -1;
		} else {
			c->p = save;
		}
	}
	while (aa_ar_peek(c) != -1 && aa_ar_peek(c) != ';') {
		if (r->nprops == AA_AUTHRES_PROP_MAX)
			return aa_ar_fail(c, "too many properties");
		if (propspec(c, &r->props[r->nprops]) < 0)
			return -1;
		r->nprops++;
	}
	return 0;
}

/* Lenient recovery: move to the next ";" outside comments and quotes
 * (a broken comment or quoted-string swallows the rest). */
static void skip_to_semicolon(struct aa_ar_cur *c)
{
	struct aa_ar_span ignored;
	int rc = 0;

	while (c->p < c->end && *c->p != ';' && rc == 0) {
		if (*c->p == '(')
			rc = aa_ar_comment(c);
		else if (*c->p == '"')
			rc = aa_ar_quoted_string(c, &ignored);
		else
			c->p++;
	}
	if (rc < 0)
		c->p = c->end;
	aa_ar_clear_err(c);
}

/* ---- into the arena ---- */

static char *span_str(struct aa_ctx *ctx, const struct aa_ar_span *s, int lower)
{
	char *out = aa_arena_alloc(ctx->arena, s->n + 1);

	if (out == NULL)
		return NULL;
	out[aa_ar_span_unquote(s, out, s->n, lower)] = '\0';
	return out;
}

static int store_resinfo(struct aa_ctx *ctx, const struct resinfo_spans *rs,
			 struct aa_authres_resinfo *r)
{
	r->method = span_str(ctx, &rs->method, 1);
	r->method_version = rs->version.n > 0 ? span_str(ctx, &rs->version, 0) : NULL;
	r->result = span_str(ctx, &rs->result, 1);
	r->reason = rs->reason.p != NULL ? span_str(ctx, &rs->reason, 0) : NULL;
	r->nprops = rs->nprops;
	r->props = NULL;
	if (r->method == NULL || r->result == NULL || (rs->version.n > 0 && r->method_version == NULL) ||
	    (rs->reason.p != NULL && r->reason == NULL))
		return -1;
	if (rs->nprops == 0)
		return 0;
	r->props = aa_arena_alloc(ctx->arena, rs->nprops * sizeof(*r->props));
	if (r->props == NULL)
		return -1;
	for (size_t i = 0; i < rs->nprops; i++) {
		r->props[i].ptype = span_str(ctx, &rs->props[i].ptype, 1);
		r->props[i].property = span_str(ctx, &rs->props[i].property, 1);
		r->props[i].value = span_str(ctx, &rs->props[i].value, 0);
		if (r->props[i].ptype == NULL || r->props[i].property == NULL || r->props[i].value == NULL)
			return -1;
	}
	return 0;
}

/* ---- the field ---- */

/* authserv-id [CFWS authres-version], CFWS skipped before and after. */
static int head(struct aa_ar_cur *c, struct aa_ar_span *id, struct aa_ar_span *version)
{
	int sp;

	if (aa_ar_cfws(c) < 0 || aa_ar_value(c, id, "expected an authserv-id") < 0)
		return -1;
	if ((sp = aa_ar_cfws(c)) < 0)
		return -1;
	if (aa_is_digit(aa_ar_peek(c))) {
		if (sp == 0)
			return aa_ar_fail(c, "no space before the version");
		if (aa_ar_digits(c, version, "expected a version") < 0 || aa_ar_cfws(c) < 0)
			return -1;
	}
	return 0;
}

/* "none" standing alone after the first ";": 1 it is, 0 it is not (a
 * method may be called "none"), -1 "none" followed by something else. */
static int no_result(struct aa_ar_cur *c)
{
	const unsigned char *save = c->p;
	struct aa_ar_span k;

	if (aa_ar_keyword(c, &k, "") < 0 || !aa_ar_span_is(&k, "none")) {
		aa_ar_clear_err(c);
		c->p = save;
		return 0;
	}
	if (aa_ar_cfws(c) < 0)
		return -1;
	if (aa_ar_peek(c) == -1)
		return 1;
	if (aa_ar_peek(c) == '=' || aa_ar_peek(c) == '/') {
		c->p = save;
		return 0;
	}
	return aa_ar_fail(c, "\"none\" followed by something");
}

static int results(struct aa_ctx *ctx, struct aa_ar_cur *c, struct aa_authres_parsed *out)
{
	struct resinfo_spans *rs = NULL;
	int first = 1;

	while (c->p < c->end) {
		const unsigned char *at;
		int rc;

		if (*c->p != ';') {
			if (!c->lenient)
				return aa_ar_fail(c, "expected \";\"");
			skip_to_semicolon(c);
			out->skipped++;
			continue;
		}
		c->p++;
		if (aa_ar_cfws(c) < 0) {
			if (!c->lenient)
				return -1;
			aa_ar_clear_err(c);
			out->skipped++;
			break;
		}
		if (aa_ar_peek(c) == -1 || aa_ar_peek(c) == ';') {
			if (!c->lenient)
				return aa_ar_fail(c, "empty result");
			continue;
		}
		if (first) {
			first = 0;
			at = c->p;
			if ((rc = no_result(c)) == 1)
				return 0;
			if (rc < 0) {
				if (!c->lenient)
					return -1;
				c->p = at;
				skip_to_semicolon(c);
				out->skipped++;
				continue;
			}
		}
		if (out->count == AA_AUTHRES_RESINFO_MAX)
			return aa_ar_fail(c, "too many results");
		if (rs == NULL && (rs = aa_arena_alloc(ctx->arena, sizeof(*rs))) == NULL)
			return -2;
		if (resinfo(c, rs) < 0) {
			if (!c->lenient)
				return -1;
			skip_to_semicolon(c);
			out->skipped++;
			continue;
		}
		if (store_resinfo(ctx, rs, &out->r[out->count]) < 0)
			return -2;
		out->count++;
	}
	if (first && !c->lenient)
		return aa_ar_fail(c, "expected \";\" and results or \"none\"");
	return 0;
}

int aa_authres_parse(struct aa_ctx *ctx, const char *value, size_t len, enum aa_authres_mode mode,
		     struct aa_authres_parsed **parsed_r, const char **err_r)
{
	struct aa_ar_cur c;
	struct aa_authres_parsed *out;
	struct aa_ar_span id = { 0 }, version = { 0 };
	int rc;

	aa_ar_cur_init(&c, value, len, mode == AA_AUTHRES_LENIENT);
	*parsed_r = NULL;
	if (err_r != NULL)
		*err_r = NULL;
	if (len > AA_AUTHRES_VALUE_MAX) {
		if (err_r != NULL)
			*err_r = "field too long";
		return 0;
	}
	out = aa_arena_alloc(ctx->arena, sizeof(*out));
	if (out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	rc = head(&c, &id, &version);
	if (rc == 0 && c.lenient && aa_ar_peek(&c) != -1 && aa_ar_peek(&c) != ';') {
		skip_to_semicolon(&c);	/* words after the id (old Yahoo style) */
		out->skipped++;
	}
	if (rc == 0) {
		out->r = aa_arena_alloc(ctx->arena, AA_AUTHRES_RESINFO_MAX * sizeof(*out->r));
		if (out->r == NULL)
			return -1;
		rc = results(ctx, &c, out);
		if (rc == -2)
			return -1;
	}
	if (rc < 0) {
		if (err_r != NULL)
			*err_r = aa_arena_printf(ctx->arena, "%s at byte %zu",
						 c.err != NULL ? c.err : "syntax error", c.err_at);
		return 0;
	}
	out->authserv_id = span_str(ctx, &id, 0);
	out->version = version.n > 0 ? span_str(ctx, &version, 0) : NULL;
	if (out->authserv_id == NULL || (version.n > 0 && out->version == NULL))
		return -1;
	if (out->authserv_id[0] == '\0') {
		if (err_r != NULL)
			*err_r = "empty authserv-id at byte 0";
		return 0;
	}
	*parsed_r = out;
	return 1;
}
