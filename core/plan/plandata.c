/* plandata.c - encode and decode the plan carried in $local_scan_data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_plan.h"
#include "aa_str.h"

#define PLANDATA_TAG "aa1"

/* Letters, digits, '-', '.', '_', and for addresses one '@' and '+'. */
static int plain(const char *s, int address)
{
	int at = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (aa_is_alnum(c) || c == '-' || c == '.' || c == '_')
			continue;
		if (address && c == '+')
			continue;
		if (address && c == '@' && at++ == 0)
			continue;
		return 0;
	}
	return !address || at == 1;
}

/* Exim's message id: letters, digits and '-', at most AA_PLANDATA_ID_MAX. */
static int id_ok(const char *s)
{
	size_t n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++)
		if (n >= AA_PLANDATA_ID_MAX || !(aa_is_alnum((unsigned char)s[n]) || s[n] == '-'))
			return 0;
	return n > 0;
}

/* The words of the plan's own fields: never a recipient domain's entry. */
static int reserved(const char *domain)
{
	return strcmp(domain, "id") == 0 || strcmp(domain, "t") == 0 || strcmp(domain, "dkim") == 0;
}

static int entry_ok(const struct aa_plandata_entry *e)
{
	if (e->step > AA_STEP_REFUSE)
		return 0;
	if (strcmp(e->domain, "*") != 0 && (!plain(e->domain, 0) || reserved(e->domain)))
		return 0;
	if (e->sign != NULL && (e->step == AA_STEP_SIGN || e->step == AA_STEP_REFUSE || !plain(e->sign, 0)))
		return 0;
	if (e->return_path != NULL && (e->step != AA_STEP_SMARTHOST || !plain(e->return_path, 1)))
		return 0;
	switch (e->step) {
	case AA_STEP_SMARTHOST:
	case AA_STEP_SIGN:
		return plain(e->arg, 0);
	case AA_STEP_REWRITE:
		return plain(e->arg, 1);
	default:
		return e->arg == NULL;
	}
}

const char *aa_plandata_encode(struct aa_ctx *ctx, const struct aa_plandata *pd)
{
	struct aa_str out;

	aa_str_init(&out, ctx->arena, AA_PLANDATA_MAX);
	if (!id_ok(pd->msgid))
		return NULL;		/* a plan for no message is no plan */
	aa_str_printf(&out, PLANDATA_TAG " id=%s t=%lld", pd->msgid, (long long)pd->made);
	if (pd->dkim_count > 0) {
		size_t mark = aa_str_len(&out), k = 0;

		aa_str_addz(&out, " dkim=");
		for (size_t i = 0; i < pd->dkim_count && i < AA_PLANDATA_DKIM_MAX; i++) {
			if (!plain(pd->dkim[i], 0))
				continue;
			if (aa_str_printf(&out, "%s%s", k++ > 0 ? "," : "", pd->dkim[i]) < 0) {
				k = 0;	/* leave dkim= out rather than half of it */
				break;
			}
		}
		if (k == 0)
			aa_str_truncate(&out, mark);
	}
	for (size_t i = 0; i < pd->count && i < AA_PLANDATA_DOMAINS_MAX; i++) {
		const struct aa_plandata_entry *e = &pd->entry[i];

		if (!entry_ok(e))
			continue;
		if (aa_str_printf(&out, " %s=%s%s%s%s%s%s%s%s", e->domain, aa_step_name(e->step),
				  e->arg != NULL ? ":" : "", e->arg != NULL ? e->arg : "",
				  e->sign != NULL ? ",sign:" : "", e->sign != NULL ? e->sign : "",
				  e->return_path != NULL ? ",rewrite:" : "", e->return_path != NULL ? e->return_path : "",
				  e->foreseen ? ",foreseen" : "") < 0)
			break;	/* the rest is planned at routing time */
	}
	return aa_str_finish(&out, NULL);
}

static int parse_step(const char *w, size_t len, enum aa_step *s)
{
	int value;

	if (aa_names_parse_n(&aa_step_names, w, len, 0, &value) < 0)
		return -1;
	*s = (enum aa_step)value;
	return 0;
}

int aa_plandata_decode(struct aa_ctx *ctx, const char *text, struct aa_plandata *pd)
{
	char *copy, *save = NULL, *tok;
	char *end;

	memset(pd, 0, sizeof(*pd));
	if (text == NULL || strlen(text) > AA_PLANDATA_MAX ||
	    strncmp(text, PLANDATA_TAG " ", sizeof(PLANDATA_TAG)) != 0)
		return -1;
	copy = aa_arena_strdup(ctx->arena, text + sizeof(PLANDATA_TAG));
	if (copy == NULL)
		return -2;
	for (tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');

		if (eq == NULL)
			return -1;
		*eq++ = '\0';
		if (strcmp(tok, "id") == 0) {
			if (pd->msgid != NULL || !id_ok(eq))
				return -1;
			pd->msgid = eq;
		} else if (strcmp(tok, "t") == 0) {
			long long t = strtoll(eq, &end, 10);

			if (end == eq || *end != '\0' || t < 0)
				return -1;
			pd->made = (time_t)t;
		} else if (strcmp(tok, "dkim") == 0) {
			char *dsave = NULL;

			for (char *d = strtok_r(eq, ",", &dsave); d != NULL; d = strtok_r(NULL, ",", &dsave)) {
				if (pd->dkim_count >= AA_PLANDATA_DKIM_MAX || !plain(d, 0))
					return -1;
				pd->dkim[pd->dkim_count++] = d;
			}
		} else {
			struct aa_plandata_entry *e;
			char *comma = strchr(eq, ','), *colon;

			if (pd->count >= AA_PLANDATA_DOMAINS_MAX)
				return -1;
			e = &pd->entry[pd->count];
			e->domain = tok;
			e->sign = NULL;
			e->return_path = NULL;
			e->foreseen = 0;
			if (comma != NULL)
				*comma++ = '\0';
			while (comma != NULL) {
				char *next = strchr(comma, ',');

				if (next != NULL)
					*next++ = '\0';
				if (strncmp(comma, "sign:", 5) == 0 && e->sign == NULL && e->return_path == NULL &&
				    !e->foreseen)
					e->sign = comma + 5;
				else if (strncmp(comma, "rewrite:", 8) == 0 && e->return_path == NULL && !e->foreseen)
					e->return_path = comma + 8;
				else if (strcmp(comma, "foreseen") == 0 && !e->foreseen)
					e->foreseen = 1;
				else
					return -1;
				comma = next;
			}
			colon = strchr(eq, ':');
			if (parse_step(eq, colon != NULL ? (size_t)(colon - eq) : strlen(eq), &e->step) < 0)
				return -1;
			e->arg = colon != NULL ? colon + 1 : NULL;
			if (!entry_ok(e))
				return -1;
			pd->count++;
		}
	}
	return pd->msgid != NULL ? 0 : -1;
}

void aa_plandata_entry_of(const struct aa_plan *p, const char *domain, struct aa_plandata_entry *e)
{
	e->domain = domain;
	e->step = p->step == AA_STEP_REFUSE ? AA_STEP_DIRECT : p->step;
	e->arg = NULL;
	e->sign = NULL;
	e->return_path = NULL;
	switch (e->step) {
	case AA_STEP_SMARTHOST: e->arg = p->route != NULL ? p->route->name : NULL; break;
	case AA_STEP_SIGN: e->arg = p->sign_domain; break;
	case AA_STEP_REWRITE: e->arg = p->return_path; break;
	default: break;
	}
	if (e->step != AA_STEP_SIGN && p->step != AA_STEP_REFUSE)
		e->sign = p->sign_domain;
	if (e->step == AA_STEP_SMARTHOST)
		e->return_path = p->return_path;
	e->foreseen = p->none_pass || p->not_owner || p->planned != p->step;
}

const char *aa_plandata_sign_domain(const struct aa_plandata_entry *e)
{
	if (e == NULL)
		return NULL;
	return e->step == AA_STEP_SIGN ? e->arg : e->sign;
}

const char *aa_plandata_return_path(const struct aa_plandata_entry *e)
{
	if (e == NULL)
		return NULL;
	return e->step == AA_STEP_REWRITE ? e->arg : e->return_path;
}

const struct aa_plandata_entry *aa_plandata_find(const struct aa_plandata *pd, const char *domain)
{
	const struct aa_plandata_entry *any = NULL;

	for (size_t i = 0; i < pd->count; i++) {
		if (domain != NULL && strcasecmp(pd->entry[i].domain, domain) == 0)
			return &pd->entry[i];
		if (strcmp(pd->entry[i].domain, "*") == 0)
			any = &pd->entry[i];
	}
	return any;
}

const struct aa_plandata_entry *aa_plandata_lookup(struct aa_ctx *ctx, const char *text,
						   const char *domain, time_t now, unsigned ttl,
						   const struct aa_plandata **pd_r)
{
	/* in the arena, not on this stack: the caller reads the entry */
	struct aa_plandata *pd = aa_arena_alloc(ctx->arena, sizeof(*pd));

	if (pd_r != NULL)
		*pd_r = NULL;
	if (pd == NULL || aa_plandata_decode(ctx, text, pd) != 0)
		return NULL;
	if (pd_r != NULL)
		*pd_r = pd;
	if (now - pd->made >= (time_t)ttl)
		return NULL;	/* too old: DNS and routes may have changed */
	return aa_plandata_find(pd, domain);
}
