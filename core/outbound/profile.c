/* profile.c - destination profiles: what each receiver actually enforces.
 *
 * Data, not code: the shipped conf.d-examples/authalign-profiles holds the
 * real receivers (Microsoft 365, Outlook.com, Gmail); without a "default"
 * profile the built-in RFC receiver is added (a DMARC fail under p=reject
 * is refused with 5.7.1). Reference: authalign-outbound(5).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_lsearch.h"
#include "aa_outbound.h"
#include "aa_table.h"

#define PROFILES_MAX 1000
#define DEFAULT_NAME AA_PROFILE_DEFAULT

struct aa_profiles {
	struct aa_table *t;			/* records: struct aa_profile, file order */
	const struct aa_profile *fallback;	/* "default" */
};

static void profile_clear(void *rec)
{
	struct aa_profile *p = rec;

	free((char **)p->rcpt_domains);
	free((char **)p->mx_patterns);
	free((char **)p->always);
	free((char *)p->status);
}

void aa_profiles_free(struct aa_profiles **pp)
{
	struct aa_profiles *p = *pp;

	if (p == NULL)
		return;
	aa_table_free(&p->t);
	free(p);
	*pp = NULL;
}

size_t aa_profiles_count(const struct aa_profiles *p)
{
	return p != NULL ? aa_table_count(p->t) : 0;
}

int aa_profiles_is_current(const struct aa_profiles *p)
{
	return p == NULL || aa_table_is_current(p->t);
}

/* An RFC 3463 permanent status: "5." 1-3 digits "." 1-3 digits. */
static int status_ok(const char *v)
{
	const char *p = v;
	size_t d;

	if (p[0] != '5' || p[1] != '.')
		return 0;
	p += 2;
	for (int part = 0; part < 2; part++) {
		for (d = 0; aa_is_digit((unsigned char)p[d]); d++)
			;
		if (d == 0 || d > 3 || (part == 0 && p[d] != '.') || (part == 1 && p[d] != '\0'))
			return 0;
		p += d + (part == 0);
	}
	return 1;
}

/* "name" or "*.name" */
static int pattern_ok(const char *v)
{
	return aa_lsearch_is_name(v[0] == '*' && v[1] == '.' ? v + 2 : v);
}

/* A new profile with the RFC receiver's defaults: a DMARC fail under
 * p=reject is refused with 5.7.1. */
/* A profile's defaults; NULL when out of memory. */
static struct aa_profile *profile_defaults(struct aa_profile *p)
{
	if (p == NULL)
		return NULL;
	p->dmarc_policy = 1;
	p->status = strdup("5.7.1");
	return p->status != NULL ? p : NULL;
}

/* A comma list option; every item must pass ok(). */
static int take_list(const char *value, int (*ok)(const char *), const char *const **dst,
		     const char **why)
{
	size_t n;
	int empty;
	char **v;

	if (*dst != NULL) {
		*why = "option given twice";
		return -1;
	}
	v = aa_lsearch_list(value, ',', 1, &n, &empty);
	if (v == NULL) {
		*why = empty ? "empty list, or an empty item in it" : "out of memory";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ok(v[i])) {
			*why = "not a domain or *.domain in the list";
			free(v);
			return -1;
		}
	}
	*dst = (const char *const *)v;
	return 0;
}

static int take_require(struct aa_profile *p, const char *value, const char **why)
{
	size_t n;
	int empty;
	char **v = aa_lsearch_list(value, ',', 1, &n, &empty);

	if (v == NULL) {
		*why = empty ? "empty list, or an empty item in it" : "out of memory";
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i], "spf") == 0)
			p->require_spf = 1;
		else if (strcmp(v[i], "dkim") == 0)
			p->require_dkim = 1;
		else if (strcmp(v[i], "dmarc") == 0)
			p->require_dmarc = 1;
		else if (strcmp(v[i], "auth") == 0)
			p->require_auth = 1;
		else {
			*why = "require= takes spf, dkim, dmarc and auth";
			free(v);
			return -1;
		}
	}
	free(v);
	return 0;
}

static int take_option(struct aa_profile *p, const char *name, const char *value, const char **why)
{
	if (strcmp(name, "rcpt") == 0)
		return take_list(value, pattern_ok, &p->rcpt_domains, why);
	if (strcmp(name, "mx") == 0)
		return take_list(value, pattern_ok, &p->mx_patterns, why);
	if (strcmp(name, "always") == 0)
		return take_list(value, aa_lsearch_is_name, &p->always, why);
	if (strcmp(name, "require") == 0)
		return take_require(p, value, why);
	if (strcmp(name, "dmarc") == 0) {
		p->dmarc_policy = strcmp(value, "ignore") != 0;
		p->quarantine_refused = strcmp(value, "strict") == 0;
		*why = "dmarc= takes policy, strict or ignore";
		return strcmp(value, "policy") == 0 || strcmp(value, "strict") == 0 ||
		       strcmp(value, "ignore") == 0 ? 0 : -1;
	}
	if (strcmp(name, "status") == 0) {
		char *copy;

		*why = "status= takes a permanent enhanced status, 5.x.y";
		if (!status_ok(value))
			return -1;
		copy = strdup(value);
		if (copy == NULL)
			return -1;
		free((char *)p->status);
		p->status = copy;
		return 0;
	}
	*why = "unknown option";
	return -1;
}

static int name_ok(char *k)
{
	if (*k == '\0')
		return 0;
	for (char *p = k; *p != '\0'; p++) {
		*p = (char)aa_lower((unsigned char)*p);
		if (!aa_is_alnum((unsigned char)*p) && *p != '-' && *p != '_')
			return 0;
	}
	return 1;
}

static int profile_entry(void *arg, const char *file, unsigned line, char *key, char *data,
			 char *err, size_t errlen)
{
	struct aa_table *t = arg;
	struct aa_profile *p;
	const char *why = "out of memory";
	char *name, *value;
	int got;

	if (!name_ok(key)) {
		aa_lsearch_err(err, errlen, file, line, "profile name \"%.64s\": letters, digits, - and _ only", key);
		return -1;
	}
	if ((p = aa_table_add_new(t, key, PROFILES_MAX, "profile", file, line, err, errlen)) == NULL)
		return -1;
	if (profile_defaults(p) == NULL) {
		aa_lsearch_err(err, errlen, file, line, "out of memory");
		return -1;
	}
	while ((got = aa_lsearch_option(&data, &name, &value)) != 0) {
		if (got < 0) {
			aa_lsearch_err(err, errlen, file, line, "expected name=value, not \"%.64s\"", name);
			return -1;
		}
		if (take_option(p, name, value, &why) < 0) {
			aa_lsearch_err(err, errlen, file, line, "%.32s: %s", name, why);
			return -1;
		}
	}
	if (strcmp(key, DEFAULT_NAME) == 0 && (p->rcpt_domains != NULL || p->mx_patterns != NULL)) {
		aa_lsearch_err(err, errlen, file, line,
			       "profile \"default\" applies when no other matches: no rcpt= or mx=");
		return -1;
	}
	if (strcmp(key, DEFAULT_NAME) != 0 && p->rcpt_domains == NULL && p->mx_patterns == NULL) {
		aa_lsearch_err(err, errlen, file, line,
			       "profile \"%s\" matches no destination: give rcpt= or mx=", key);
		return -1;
	}
	return 0;
}

/* Without a "default" profile, the built-in RFC receiver is the default. */
static int profiles_finish(struct aa_table *t, const char *file, char *err, size_t errlen)
{
	if (aa_table_find(t, DEFAULT_NAME) != NULL || profile_defaults(aa_table_add(t, DEFAULT_NAME)) != NULL)
		return 0;
	aa_lsearch_err(err, errlen, file, 0, "out of memory");
	return -1;
}

static const struct aa_table_kind profiles_kind = {
	.rec_size = sizeof(struct aa_profile),
	.entry = profile_entry,
	.finish = profiles_finish,
	.rec_free = profile_clear,
};

static struct aa_profiles *profiles_new(struct aa_table *t)
{
	struct aa_profiles *ps = t != NULL ? calloc(1, sizeof(*ps)) : NULL;

	if (ps == NULL) {
		aa_table_free(&t);
		return NULL;
	}
	ps->t = t;
	ps->fallback = aa_table_find(t, DEFAULT_NAME);
	return ps;
}

struct aa_profiles *aa_profiles_builtin(void)
{
	struct aa_table *t = aa_table_new(&profiles_kind);

	if (t != NULL && profiles_finish(t, "(built-in profiles)", NULL, 0) < 0)
		aa_table_free(&t);
	return profiles_new(t);
}

int aa_profiles_load(const char *path, struct aa_profiles **r, char *err, size_t errlen)
{
	struct aa_table *t = aa_table_open(&profiles_kind, path, err, errlen);

	*r = NULL;
	if (t == NULL)
		return -1;
	if ((*r = profiles_new(t)) == NULL) {
		aa_lsearch_err(err, errlen, path, 0, "out of memory");
		return -1;
	}
	return 0;
}

/* name against "x.example" (equal) or "*.x.example" (strictly below),
 * without case and without a final dot on name. */
static int pattern_match(const char *pat, const char *name)
{
	size_t ln = strlen(name), lp;

	if (ln > 0 && name[ln - 1] == '.')
		ln--;
	if (pat[0] == '*' && pat[1] == '.') {
		lp = strlen(pat + 1);	/* ".x.example" */
		return ln > lp && strncasecmp(name + ln - lp, pat + 1, lp) == 0;
	}
	return strlen(pat) == ln && strncasecmp(pat, name, ln) == 0;
}

static int list_match(const char *const *list, const char *name)
{
	for (size_t i = 0; list != NULL && name != NULL && list[i] != NULL; i++)
		if (pattern_match(list[i], name))
			return 1;
	return 0;
}

const struct aa_profile *aa_profile_match(const struct aa_profiles *p, const char *rcpt_domain,
					  const char *const *mx, size_t mx_count)
{
	for (size_t i = 0; p != NULL && i < aa_table_count(p->t); i++) {
		const struct aa_profile *pr = aa_table_at(p->t, i);

		if (pr == p->fallback)
			continue;
		if (list_match(pr->rcpt_domains, rcpt_domain))
			return pr;
		for (size_t m = 0; mx != NULL && m < mx_count; m++)
			if (list_match(pr->mx_patterns, mx[m]))
				return pr;
	}
	return p != NULL ? p->fallback : NULL;
}
