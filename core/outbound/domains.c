/* domains.c - the outbound domains table and loading the outbound side.
 *
 * Per From domain (lsearch keys as in the inbound table, most specific
 * wins): mode, the order of remedies, a pinned route, the DKIM key for an
 * aligned d= and the return path for a rewrite. aa_outbound_load reads
 * the profiles, routes and this table and checks that every pin= and
 * "smarthost:NAME" names a route (file:line of the domain entry).
 *
 * The DKIM key file is checked for syntax only (an absolute path): this
 * is loaded by whichever user runs authalign, while the key is read by
 * Exim's transport, maybe as another user. `authalign check-config`
 * warns when the file is not readable by the user running it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_lsearch.h"
#include "aa_outbound.h"
#include "aa_owner.h"
#include "aa_table.h"

#define OUT_ENTRIES_MAX 100000

struct out_entry {
	const char *key;		/* the table's */
	unsigned line;
	int has_mode, has_order;
	enum aa_out_mode mode;
	enum aa_step order[AA_STEPS_MAX];
	char *order_route[AA_STEPS_MAX];
	size_t order_len;
	char *pin, *dkim_selector, *dkim_key_file, *return_path;
};

static const enum aa_step default_order[] = {
	AA_STEP_DIRECT, AA_STEP_SIGN, AA_STEP_REWRITE, AA_STEP_SMARTHOST,
};

static const struct aa_name step_words[] = {
	{ "direct", AA_STEP_DIRECT }, { "sign", AA_STEP_SIGN }, { "rewrite", AA_STEP_REWRITE },
	{ "smarthost", AA_STEP_SMARTHOST }, { "refuse", AA_STEP_REFUSE },
};
const struct aa_names aa_step_names = {
	step_words, sizeof(step_words) / sizeof(step_words[0]),
};

const char *aa_step_name(enum aa_step s)
{
	return aa_names_name(&aa_step_names, (int)s, "refuse");
}

static const struct aa_name out_mode_words[] = {
	{ "off", AA_OUT_OFF }, { "monitor", AA_OUT_MONITOR }, { "route", AA_OUT_ROUTE },
	{ "enforce", AA_OUT_ENFORCE },
};
const struct aa_names aa_out_mode_names = {
	out_mode_words, sizeof(out_mode_words) / sizeof(out_mode_words[0]),
};

const char *aa_out_mode_name(enum aa_out_mode m)
{
	return aa_names_name(&aa_out_mode_names, (int)m, "off");
}

int aa_out_mode_parse(const char *v, enum aa_out_mode *m)
{
	int value;

	if (aa_names_parse(&aa_out_mode_names, v, &value) < 0)
		return -1;
	*m = (enum aa_out_mode)value;
	return 0;
}

static void entry_clear(void *rec)
{
	struct out_entry *e = rec;

	for (size_t i = 0; i < e->order_len; i++)
		free(e->order_route[i]);
	free(e->pin);
	free(e->dkim_selector);
	free(e->dkim_key_file);
	free(e->return_path);
}

static int dup_once(char **dst, const char *v, const char **why)
{
	if (*dst != NULL) {
		*why = "given twice";
		return -1;
	}
	*dst = strdup(v);
	*why = "out of memory";
	return *dst != NULL ? 0 : -1;
}

static int parse_order(struct out_entry *e, const char *value, const char **why)
{
	size_t n;
	int empty;
	char **items = aa_lsearch_list(value, ',', 1, &n, &empty);

	if (items == NULL) {
		*why = empty ? "empty list, or an empty item in it" : "out of memory";
		return -1;
	}
	*why = "given twice";
	if (e->has_order)
		goto bad;
	e->has_order = 1;
	*why = "too many steps";
	if (n > AA_STEPS_MAX)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		const char *it = items[i], *colon = strchr(it, ':');
		enum aa_step s;
		int value;

		/* a step's name; only smarthost takes ":NAME", refuse is no step */
		if (aa_names_parse_n(&aa_step_names, it, colon != NULL ? (size_t)(colon - it) : strlen(it),
				     0, &value) < 0 ||
		    value == AA_STEP_REFUSE || (colon != NULL && value != AA_STEP_SMARTHOST)) {
			*why = "steps are direct, sign, rewrite, smarthost and smarthost:NAME";
			goto bad;
		}
		s = (enum aa_step)value;
		for (size_t j = 0; j < e->order_len; j++) {
			/* "smarthost" is 9 bytes: it[9] is read for a smarthost step only */
			int same_route = s == AA_STEP_SMARTHOST &&
					 ((e->order_route[j] == NULL && it[9] == '\0') ||
					  (e->order_route[j] != NULL && it[9] == ':' &&
					   strcmp(e->order_route[j], it + 10) == 0));

			if (e->order[j] == s && (s != AA_STEP_SMARTHOST || same_route)) {
				*why = "a step given twice";
				goto bad;
			}
		}
		e->order[e->order_len] = s;
		e->order_route[e->order_len] = NULL;
		if (s == AA_STEP_SMARTHOST && it[9] == ':') {
			*why = "smarthost: needs a route name";
			if (it[10] == '\0')
				goto bad;
			e->order_route[e->order_len] = strdup(it + 10);
			*why = "out of memory";
			if (e->order_route[e->order_len] == NULL)
				goto bad;
		}
		e->order_len++;
	}
	free(items);
	return 0;
bad:
	free(items);
	return -1;
}

static int parse_dkim(struct out_entry *e, const char *value, const char **why)
{
	const char *colon = strchr(value, ':');
	char sel[256];

	*why = "dkim= takes selector:/absolute/path/of/the/private/key";
	if (colon == NULL || colon == value || (size_t)(colon - value) >= sizeof(sel) || colon[1] != '/')
		return -1;
	memcpy(sel, value, (size_t)(colon - value));
	sel[colon - value] = '\0';
	for (char *p = sel; *p != '\0'; p++)
		*p = (char)aa_lower((unsigned char)*p);
	*why = "dkim=: the selector is not a DNS name";
	if (!aa_lsearch_is_name(sel))
		return -1;
	if (e->dkim_selector != NULL) {
		*why = "given twice";
		return -1;
	}
	e->dkim_selector = strdup(sel);
	e->dkim_key_file = strdup(colon + 1);
	*why = "out of memory";
	return e->dkim_selector != NULL && e->dkim_key_file != NULL ? 0 : -1;
}

static int parse_return_path(struct out_entry *e, const char *value, const char **why)
{
	const char *at = strrchr(value, '@');

	*why = "return_path= takes local@domain";
	if (at == NULL || at == value || !aa_lsearch_is_name(at + 1))
		return -1;
	for (const char *p = value; p < at; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' || *p == '"')
			return -1;
	return dup_once(&e->return_path, value, why);
}

/* One name=value of an entry; on error the reason in *why (text: room
 * for a reason that lists the words an option takes). */
static int entry_option(struct out_entry *e, const char *name, const char *value, const char **why,
			char *text, size_t textlen)
{
	if (strcmp(name, "mode") == 0) {
		char words[64];

		snprintf(text, textlen, "mode= takes %s",
			 aa_names_list(&aa_out_mode_names, ", ", " or ", words, sizeof(words)));
		*why = text;
		if (e->has_mode || aa_out_mode_parse(value, &e->mode) < 0) {
			if (e->has_mode)
				*why = "given twice";
			return -1;
		}
		e->has_mode = 1;
		return 0;
	}
	if (strcmp(name, "order") == 0)
		return parse_order(e, value, why);
	if (strcmp(name, "pin") == 0) {
		*why = "pin= takes a route name or direct";
		for (const char *p = value; *p != '\0'; p++)
			if (!aa_is_alnum((unsigned char)*p) && *p != '-' && *p != '_')
				return -1;
		return *value == '\0' ? -1 : dup_once(&e->pin, value, why);
	}
	if (strcmp(name, "dkim") == 0)
		return parse_dkim(e, value, why);
	if (strcmp(name, "return_path") == 0)
		return parse_return_path(e, value, why);
	*why = "unknown option";
	return -1;
}

static int table_entry(void *arg, const char *file, unsigned line, char *key, char *data,
		       char *err, size_t errlen)
{
	struct aa_table *t = arg;
	struct out_entry *e;
	const char *why = "";
	char *name, *value, text[128];
	int got;

	if (!aa_lsearch_domain_key(key)) {
		aa_lsearch_err(err, errlen, file, line, "key \"%.64s\" is not a domain, *.domain or *", key);
		return -1;
	}
	if ((e = aa_table_add_new(t, key, OUT_ENTRIES_MAX, "key", file, line, err, errlen)) == NULL)
		return -1;
	e->line = line;
	while ((got = aa_lsearch_option(&data, &name, &value)) != 0) {
		if (got < 0) {
			aa_lsearch_err(err, errlen, file, line, "expected name=value, not \"%.64s\"", name);
			return -1;
		}
		if (entry_option(e, name, value, &why, text, sizeof(text)) < 0) {
			aa_lsearch_err(err, errlen, file, line, "%.32s: %s", name, why);
			return -1;
		}
	}
	if (e->pin != NULL && e->has_order) {
		aa_lsearch_err(err, errlen, file, line, "pin= and order= together: a pin is the only route");
		return -1;
	}
	return 0;
}

static const struct aa_table_kind table_kind = {
	.rec_size = sizeof(struct out_entry),
	.entry = table_entry,
	.rec_free = entry_clear,
};

/* Every pin= and smarthost:NAME must name a route. */
static int cross_check(const struct aa_table *t, const struct aa_routes *routes,
		       const char *file, char *err, size_t errlen)
{
	for (size_t i = 0; i < aa_table_count(t); i++) {
		const struct out_entry *e = aa_table_at(t, i);

		if (e->pin != NULL && strcmp(e->pin, "direct") != 0 && aa_route_find(routes, e->pin) == NULL) {
			aa_lsearch_err(err, errlen, file, e->line, "pin=%s: no such route in the routes file%s",
				       e->pin, routes == NULL ? " (outbound_routes_file is not set)" : "");
			return -1;
		}
		for (size_t j = 0; j < e->order_len; j++) {
			if (e->order_route[j] != NULL && aa_route_find(routes, e->order_route[j]) == NULL) {
				aa_lsearch_err(err, errlen, file, e->line,
					       "order: smarthost:%s: no such route in the routes file%s",
					       e->order_route[j],
					       routes == NULL ? " (outbound_routes_file is not set)" : "");
				return -1;
			}
		}
	}
	return 0;
}

static void loaded_free(struct aa_outbound *ob)
{
	aa_profiles_free(&ob->profiles);
	aa_routes_free(&ob->routes);
	aa_table_free(&ob->table);
}

void aa_outbound_free(struct aa_outbound *ob)
{
	loaded_free(ob);
	aa_owners_free(&ob->owners);
	aa_hostnets_free(&ob->trusted_hosts);
}

int aa_outbound_load(struct aa_outbound *ob, const char *profiles_file, const char *routes_file,
		     const char *domains_file, char *err, size_t errlen)
{
	ob->profiles = NULL;
	ob->routes = NULL;
	ob->table = NULL;
	if (profiles_file != NULL) {
		if (aa_profiles_load(profiles_file, &ob->profiles, err, errlen) < 0)
			goto fail;
	} else if ((ob->profiles = aa_profiles_builtin()) == NULL) {
		aa_lsearch_err(err, errlen, "(built-in profiles)", 0, "out of memory");
		goto fail;
	}
	if (routes_file != NULL && aa_routes_load(routes_file, &ob->routes, err, errlen) < 0)
		goto fail;
	if (domains_file != NULL) {
		/* checked against the routes each time: the routes file may
		 * have changed while the table did not */
		ob->table = aa_table_open(&table_kind, domains_file, err, errlen);
		if (ob->table == NULL ||
		    cross_check(ob->table, ob->routes, domains_file, err, errlen) < 0)
			goto fail;
	}
	return 0;
fail:
	loaded_free(ob);
	return -1;
}

int aa_outbound_is_current(const struct aa_outbound *ob)
{
	return aa_profiles_is_current(ob->profiles) && aa_routes_is_current(ob->routes) &&
	       aa_table_is_current(ob->table) && aa_owners_is_current(ob->owners);
}

size_t aa_outbound_domain_count(const struct aa_outbound *ob)
{
	return aa_table_count(ob->table);
}

/* The policy entry e gives a From domain (NULL: not known, so "*" gives
 * no d=). */
static void policy_of(const struct aa_outbound *ob, const struct out_entry *e, const char *from_domain,
		      struct aa_out_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = ob->mode;
	out->order_len = sizeof(default_order) / sizeof(default_order[0]);
	memcpy(out->order, default_order, sizeof(default_order));
	if (e == NULL)
		return;
	out->matched_key = e->key;
	if (e->has_mode)
		out->mode = e->mode;
	if (e->has_order) {
		out->order_len = e->order_len;
		for (size_t i = 0; i < e->order_len; i++) {
			out->order[i] = e->order[i];
			out->order_route[i] = e->order_route[i];
		}
	}
	out->pin = e->pin;
	out->return_path = e->return_path;
	if (e->dkim_selector != NULL) {
		out->dkim_selector = e->dkim_selector;
		out->dkim_key_file = e->dkim_key_file;
		if (strcmp(e->key, "*") == 0)
			out->dkim_domain = from_domain;
		else
			out->dkim_domain = e->key[0] == '*' ? e->key + 2 : e->key;
	}
}

int aa_outbound_entry_at(const struct aa_outbound *ob, size_t i, struct aa_out_policy *out)
{
	const struct out_entry *e = aa_table_at(ob->table, i);

	if (e == NULL)
		return 0;
	policy_of(ob, e, NULL, out);
	return 1;
}

void aa_outbound_policy(const struct aa_outbound *ob, const char *from_domain,
			struct aa_out_policy *out)
{
	policy_of(ob, aa_table_best(ob->table, from_domain), from_domain, out);
}
