/* config_domains.c - the per-domain table (authalign.conf(5), THE
 * PER-DOMAIN TABLE): lsearch entries "key: mode=... policy=...
 * quarantine_action=...", whose words are the settings' own enum tables,
 * and the policy that applies to one From domain (most specific key). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_lsearch.h"
#include "aa_config.h"
#include "aa_table.h"
#include "config_int.h"

#define DOMAIN_ENTRIES_MAX 100000

struct aa_domain_entry {
	const char *key;		/* lower case: "a.example", "*.a.example", "*" (the table's) */
	int has_mode, has_forced, has_quarantine;
	enum aa_mode mode;
	enum aa_dmarc_policy forced;
	enum aa_quarantine quarantine;
};

/* The options of an entry: a word each, stored as int (config_options.c). */
static const struct domain_option {
	const char *name;
	const struct aa_names *words;
	size_t value, has;		/* offsets in struct aa_domain_entry */
} domain_options[] = {
	{ "mode", &aa_mode_names, offsetof(struct aa_domain_entry, mode),
	  offsetof(struct aa_domain_entry, has_mode) },
	{ "policy", &aa_domain_policy_names, offsetof(struct aa_domain_entry, forced),
	  offsetof(struct aa_domain_entry, has_forced) },
	{ "quarantine_action", &aa_quarantine_names, offsetof(struct aa_domain_entry, quarantine),
	  offsetof(struct aa_domain_entry, has_quarantine) },
};
#define DOMAIN_OPTIONS (sizeof(domain_options) / sizeof(domain_options[0]))

_Static_assert(sizeof(enum aa_dmarc_policy) == sizeof(int), "policy= is stored as int");

const char *aa_domain_option_at(size_t i, const struct aa_names **words_r)
{
	if (i >= DOMAIN_OPTIONS)
		return NULL;
	*words_r = domain_options[i].words;
	return domain_options[i].name;
}

static const struct domain_option *domain_option_find(const char *name)
{
	for (size_t i = 0; i < DOMAIN_OPTIONS; i++)
		if (strcmp(domain_options[i].name, name) == 0)
			return &domain_options[i];
	return NULL;
}

/* The entry's options; on error the reason, with the allowed words, in why. */
static int domain_entry_parse(struct aa_domain_entry *e, char *data, char *why, size_t whylen)
{
	char *name, *value, words[128];
	const struct domain_option *o;
	int got;

	while ((got = aa_lsearch_option(&data, &name, &value)) != 0) {
		if (got < 0) {
			snprintf(why, whylen, "expected name=value");
			return -1;
		}
		o = domain_option_find(name);
		if (o == NULL) {
			snprintf(why, whylen, "unknown option (expected %s=, %s= or %s=)", domain_options[0].name,
				 domain_options[1].name, domain_options[2].name);
			return -1;
		}
		if (aa_names_parse(o->words, value, (int *)((char *)e + o->value)) < 0) {
			snprintf(why, whylen, "invalid value: %s= takes %s", o->name,
				 aa_names_list(o->words, ", ", " or ", words, sizeof(words)));
			return -1;
		}
		*(int *)((char *)e + o->has) = 1;
	}
	return 0;
}

static int domains_add(void *arg, const char *file, unsigned line, char *key, char *data,
		       char *err, size_t errlen)
{
	struct aa_table *t = arg;
	struct aa_domain_entry e = { 0 }, *rec;
	char why[256];

	if (!aa_lsearch_domain_key(key)) {
		aa_lsearch_err(err, errlen, file, line, "key \"%.64s\" is not a domain, *.domain or *", key);
		return -1;
	}
	if (domain_entry_parse(&e, data, why, sizeof(why)) < 0) {
		aa_lsearch_err(err, errlen, file, line, "%s", why);
		return -1;
	}
	if ((rec = aa_table_add_new(t, key, DOMAIN_ENTRIES_MAX, "key", file, line, err, errlen)) == NULL)
		return -1;
	e.key = rec->key;
	*rec = e;
	return 0;
}

static const struct aa_table_kind domains_kind = {
	.rec_size = sizeof(struct aa_domain_entry),
	.entry = domains_add,
};

void config_domains_free(struct aa_config *cfg)
{
	aa_table_free(&cfg->domains);
	cfg->domain_count = 0;
}

int aa_config_load_domains(struct aa_config *cfg, const char *path, char *err, size_t errlen)
{
	config_domains_free(cfg);
	cfg->domains = aa_table_open(&domains_kind, path, err, errlen);
	if (cfg->domains == NULL)
		return -1;
	cfg->domain_count = aa_table_count(cfg->domains);
	return 0;
}

void aa_config_domain(const struct aa_config *cfg, const char *domain,
		      struct aa_domain_policy *out)
{
	const struct aa_domain_entry *e;

	out->mode = cfg->mode;
	out->forced = AA_POLICY_UNSPEC;
	out->quarantine = cfg->quarantine;
	out->matched_key = NULL;
	e = aa_table_best(cfg->domains, domain);
	if (e == NULL)
		return;
	out->matched_key = e->key;
	if (e->has_mode)
		out->mode = e->mode;
	if (e->has_forced)
		out->forced = e->forced;
	if (e->has_quarantine)
		out->quarantine = e->quarantine;
}
