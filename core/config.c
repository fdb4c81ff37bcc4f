/* config.c - the settings file and the per-domain table. */
#define _GNU_SOURCE	/* asprintf */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "aa_config.h"
#include "aa_lsearch.h"

#define CONFIG_LINE_MAX 4096
#define DOMAIN_ENTRIES_MAX 100000

struct aa_domain_entry {
	char *key;			/* lower case: "a.example", "*.a.example", "*" */
	int has_mode, has_forced, has_quarantine;
	enum aa_mode mode;
	enum aa_dmarc_policy forced;
	enum aa_quarantine quarantine;
};

const char *aa_mode_name(enum aa_mode m)
{
	switch (m) {
	case AA_MODE_OFF: return "off";
	case AA_MODE_MONITOR: return "monitor";
	case AA_MODE_ENFORCE: return "enforce";
	}
	return "off";
}

static int parse_mode(const char *v, enum aa_mode *m)
{
	if (strcmp(v, "off") == 0)
		*m = AA_MODE_OFF;
	else if (strcmp(v, "monitor") == 0)
		*m = AA_MODE_MONITOR;
	else if (strcmp(v, "enforce") == 0)
		*m = AA_MODE_ENFORCE;
	else
		return -1;
	return 0;
}

static int parse_policy(const char *v, enum aa_dmarc_policy *p)
{
	if (strcmp(v, "none") == 0)
		*p = AA_POLICY_NONE;
	else if (strcmp(v, "quarantine") == 0)
		*p = AA_POLICY_QUARANTINE;
	else if (strcmp(v, "reject") == 0)
		*p = AA_POLICY_REJECT;
	else if (strcmp(v, "published") == 0)
		*p = AA_POLICY_UNSPEC;
	else
		return -1;
	return 0;
}

static int parse_quarantine(const char *v, enum aa_quarantine *q)
{
	if (strcmp(v, "header") == 0)
		*q = AA_QUARANTINE_HEADER;
	else if (strcmp(v, "freeze") == 0)
		*q = AA_QUARANTINE_FREEZE;
	else
		return -1;
	return 0;
}

static int parse_unreadable(const char *v, enum aa_unreadable *u)
{
	if (strcmp(v, "reject") == 0)
		*u = AA_UNREADABLE_REJECT;
	else if (strcmp(v, "monitor") == 0)
		*u = AA_UNREADABLE_MONITOR;
	else
		return -1;
	return 0;
}

static int parse_bool(const char *v, int *b)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
		*b = 1;
	else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
		*b = 0;
	else
		return -1;
	return 0;
}

/* Exim-style time: "2s", "500ms" is not Exim's, so: digits + s|m or bare seconds. */
static int parse_seconds_ms(const char *v, unsigned *ms)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (end == v || errno != 0 || n > 600)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		*ms = (unsigned)n * 1000;
	else if (strcmp(end, "m") == 0 && n <= 10)
		*ms = (unsigned)n * 60000;
	else
		return -1;
	return *ms == 0 ? -1 : 0;
}

/* An RFC 3463 permanent status: "5." 1-3 digits "." 1-3 digits. */
static int parse_status(const char *v, char *out, size_t outlen)
{
	const char *p = v;
	size_t d;

	if (p[0] != '5' || p[1] != '.')
		return -1;
	p += 2;
	for (int part = 0; part < 2; part++) {
		for (d = 0; isdigit((unsigned char)p[d]); d++)
			;
		if (d == 0 || d > 3 || (part == 0 && p[d] != '.') || (part == 1 && p[d] != '\0'))
			return -1;
		p += d + (part == 0);
	}
	if (strlen(v) >= outlen)
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* Seconds, "Ns" or "Nm", 0 allowed, at most a day. */
static int parse_ttl(const char *v, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (end == v || errno != 0 || n > 86400)
		return -1;
	if (strcmp(end, "m") == 0)
		n *= 60;
	else if (*end != '\0' && strcmp(end, "s") != 0)
		return -1;
	if (n > 86400)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int parse_uint(const char *v, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || n == 0 || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int replace_str(char **dst, const char *v)
{
	char *copy = strdup(v);

	if (copy == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

/* A file named in the settings: a relative path is taken from the settings
 * file's directory, so the settings and their tables can live together. */
static int replace_path(struct aa_config *cfg, char **dst, const char *v)
{
	const char *slash = cfg->path != NULL ? strrchr(cfg->path, '/') : NULL;
	char *joined;
	int rc;

	if (*v == '/' || *v == '\0' || slash == NULL)
		return replace_str(dst, v);
	if (asprintf(&joined, "%.*s/%s", (int)(slash - cfg->path), cfg->path, v) < 0)
		return -1;
	rc = replace_str(dst, joined);
	free(joined);
	return rc;
}

static const char invalid_value[] = "invalid value", unknown_option[] = "unknown option";

/* What each option takes, for the error that refuses a value. */
static const struct {
	const char *name, *expects;
} option_values[] = {
	{ "authserv_id", "letters, digits, '.' and '-'" },
	{ "mode", "off, monitor or enforce" },
	{ "dmarc_mode", "rfc9989 or rfc7489" },
	{ "quarantine_action", "header or freeze" },
	{ "received_spf", "yes or no" },
	{ "from_unreadable", "reject or monitor" },
	{ "reject_status", "a permanent status 5.x.y, e.g. 5.7.1" },
	{ "dns_timeout", "seconds, Ns or Nm, from 1s to 10m" },
	{ "dns_tries", "1 to 5" },
	{ "dns_budget", "seconds, Ns or Nm, from 1s to 10m" },
	{ "outbound_mode", "off, monitor, route or enforce" },
	{ "outbound_plan_ttl", "seconds, Ns or Nm, from 0 to a day" },
	{ "outbound_helo", "a host name" },
};

static const char *option_expects(const char *name)
{
	for (size_t i = 0; i < sizeof(option_values) / sizeof(option_values[0]); i++)
		if (strcmp(option_values[i].name, name) == 0)
			return option_values[i].expects;
	return NULL;
}

/* The refused value is quoted only when it is plain printable text. */
static int is_printable(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < ' ' || (unsigned char)*v >= 0x7f)
			return 0;
	return 1;
}

static int set_option(struct aa_config *cfg, const char *name, const char *value,
		      const char **why)
{
	*why = invalid_value;
	if (strcmp(name, "authserv_id") == 0) {
		for (const char *p = value; *p != '\0'; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
				return -1;
		return *value == '\0' ? -1 : replace_str(&cfg->authserv_id, value);
	}
	if (strcmp(name, "mode") == 0)
		return parse_mode(value, &cfg->mode);
	if (strcmp(name, "dmarc_mode") == 0) {
		if (strcmp(value, "rfc9989") == 0)
			cfg->dmarc_mode = AA_DMARC_RFC9989;
		else if (strcmp(value, "rfc7489") == 0)
			cfg->dmarc_mode = AA_DMARC_RFC7489;
		else
			return -1;
		return 0;
	}
	if (strcmp(name, "quarantine_action") == 0)
		return parse_quarantine(value, &cfg->quarantine);
	if (strcmp(name, "received_spf") == 0)
		return parse_bool(value, &cfg->received_spf);
	if (strcmp(name, "from_unreadable") == 0)
		return parse_unreadable(value, &cfg->from_unreadable);
	if (strcmp(name, "reject_status") == 0)
		return parse_status(value, cfg->reject_status, sizeof(cfg->reject_status));
	if (strcmp(name, "domains_file") == 0)
		return replace_path(cfg, &cfg->domains_file, value);
	if (strcmp(name, "psl_file") == 0)
		return replace_path(cfg, &cfg->psl_file, value);
	if (strcmp(name, "dns_zone_file") == 0)
		return replace_path(cfg, &cfg->dns_zone_file, value);
	if (strcmp(name, "dns_timeout") == 0)
		return parse_seconds_ms(value, &cfg->dns.timeout_ms);
	if (strcmp(name, "dns_tries") == 0)
		return parse_uint(value, 5, &cfg->dns.tries);
	if (strcmp(name, "dns_budget") == 0)
		return parse_seconds_ms(value, &cfg->dns.budget_ms);
	if (strcmp(name, "outbound_mode") == 0)
		return aa_out_mode_parse(value, &cfg->outbound.mode);
	if (strcmp(name, "outbound_profiles_file") == 0)
		return replace_path(cfg, &cfg->outbound_profiles_file, value);
	if (strcmp(name, "outbound_routes_file") == 0)
		return replace_path(cfg, &cfg->outbound_routes_file, value);
	if (strcmp(name, "outbound_domains_file") == 0)
		return replace_path(cfg, &cfg->outbound_domains_file, value);
	if (strcmp(name, "outbound_owners_file") == 0)
		return replace_path(cfg, &cfg->outbound_owners_file, value);
	if (strcmp(name, "outbound_trusted_hosts") == 0) {
		struct aa_hostnets *h;

		if (aa_hostnets_parse(value, &h, why) < 0)
			return -1;
		aa_hostnets_free(&cfg->outbound.trusted_hosts);
		cfg->outbound.trusted_hosts = h;
		return 0;
	}
	if (strcmp(name, "outbound_egress") == 0) {
		if (aa_route_check_egress(value, why) < 0)
			return -1;
		return replace_str(&cfg->outbound_egress, value);
	}
	if (strcmp(name, "outbound_plan_ttl") == 0)
		return parse_ttl(value, &cfg->outbound_plan_ttl);
	if (strcmp(name, "outbound_helo") == 0) {
		if (!aa_lsearch_is_name(value))
			return -1;
		return replace_str(&cfg->outbound_helo, value);
	}
	*why = unknown_option;
	return -1;
}

static struct aa_config *config_defaults(void)
{
	struct aa_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	cfg->mode = AA_MODE_MONITOR;
	cfg->dmarc_mode = AA_DMARC_RFC9989;
	cfg->quarantine = AA_QUARANTINE_HEADER;
	cfg->from_unreadable = AA_UNREADABLE_REJECT;
	cfg->dns.timeout_ms = 2000;
	cfg->dns.tries = 2;
	cfg->dns.budget_ms = AA_DNS_BUDGET_DEFAULT_MS;
	memcpy(cfg->reject_status, "5.7.1", sizeof("5.7.1"));
	cfg->outbound_plan_ttl = 300;
	return cfg;
}

void aa_config_free(struct aa_config **cfgp)
{
	struct aa_config *cfg = *cfgp;

	if (cfg == NULL)
		return;
	for (size_t i = 0; i < cfg->domain_count; i++)
		free(cfg->domains[i].key);
	free(cfg->domains);
	free(cfg->path);
	free(cfg->authserv_id);
	free(cfg->domains_file);
	free(cfg->psl_file);
	free(cfg->dns_zone_file);
	aa_outbound_free(&cfg->outbound);
	free(cfg->outbound_profiles_file);
	free(cfg->outbound_routes_file);
	free(cfg->outbound_domains_file);
	free(cfg->outbound_owners_file);
	free(cfg->outbound_egress);
	free(cfg->outbound_helo);
	free(cfg);
	*cfgp = NULL;
}

static int domain_entry_parse(struct aa_domain_entry *e, char *data, const char **why)
{
	char *name, *value;
	int got;

	while ((got = aa_lsearch_option(&data, &name, &value)) != 0) {
		*why = "expected name=value";
		if (got < 0)
			return -1;
		if (strcmp(name, "mode") == 0) {
			*why = "invalid value: mode= takes off, monitor or enforce";
			if (parse_mode(value, &e->mode) < 0)
				return -1;
			e->has_mode = 1;
		} else if (strcmp(name, "policy") == 0) {
			*why = "invalid value: policy= takes published, none, quarantine or reject";
			if (parse_policy(value, &e->forced) < 0)
				return -1;
			e->has_forced = 1;
		} else if (strcmp(name, "quarantine_action") == 0) {
			*why = "invalid value: quarantine_action= takes header or freeze";
			if (parse_quarantine(value, &e->quarantine) < 0)
				return -1;
			e->has_quarantine = 1;
		} else {
			*why = "unknown option";
			return -1;
		}
	}
	return 0;
}

static int domains_add(void *arg, const char *file, unsigned line, char *key, char *data,
		       char *err, size_t errlen)
{
	struct aa_config *cfg = arg;
	struct aa_domain_entry e = { 0 };
	const char *why = "";
	struct aa_domain_entry *grown;

	if (!aa_lsearch_domain_key(key)) {
		aa_lsearch_err(err, errlen, file, line, "key \"%.64s\" is not a domain, *.domain or *", key);
		return -1;
	}
	if (domain_entry_parse(&e, data, &why) < 0) {
		aa_lsearch_err(err, errlen, file, line, "%s", why);
		return -1;
	}
	for (size_t i = 0; i < cfg->domain_count; i++) {
		if (strcmp(cfg->domains[i].key, key) == 0) {
			aa_lsearch_err(err, errlen, file, line, "key \"%.64s\" given twice", key);
			return -1;
		}
	}
	if (cfg->domain_count >= DOMAIN_ENTRIES_MAX) {
		aa_lsearch_err(err, errlen, file, line, "too many entries");
		return -1;
	}
	grown = realloc(cfg->domains, (cfg->domain_count + 1) * sizeof(*grown));
	if (grown == NULL)
		goto nomem;
	cfg->domains = grown;
	e.key = strdup(key);
	if (e.key == NULL)
		goto nomem;
	cfg->domains[cfg->domain_count++] = e;
	return 0;
nomem:
	aa_lsearch_err(err, errlen, file, line, "out of memory");
	return -1;
}

int aa_config_load_domains(struct aa_config *cfg, const char *path, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->domain_count; i++)
		free(cfg->domains[i].key);
	free(cfg->domains);
	cfg->domains = NULL;
	cfg->domain_count = 0;
	return aa_lsearch_read(path, domains_add, cfg, err, errlen);
}

/* The outbound side: direct route from the settings, then the files. */
static int outbound_load(struct aa_config *cfg, const char *path, char *err, size_t errlen)
{
	struct aa_outbound *ob = &cfg->outbound;

	ob->direct.name = "direct";
	ob->direct.egress_ip = cfg->outbound_egress;
	ob->direct.helo = cfg->outbound_helo;
	ob->direct.port = 25;
	ob->dmarc_mode = cfg->dmarc_mode;
	if (cfg->outbound_egress == NULL &&
	    (ob->mode != AA_OUT_OFF || cfg->outbound_domains_file != NULL)) {
		aa_lsearch_err(err, errlen, path, 0, "outbound_egress is required when outbound_mode "
			       "is not off or outbound_domains_file is set: the address receivers see "
			       "for direct delivery");
		return -1;
	}
	if (aa_outbound_load(ob, cfg->outbound_profiles_file, cfg->outbound_routes_file,
			     cfg->outbound_domains_file, err, errlen) < 0)
		return -1;
	return cfg->outbound_owners_file != NULL ?
	       aa_owners_load(cfg->outbound_owners_file, &ob->owners, err, errlen) : 0;
}

int aa_config_is_current(const struct aa_config *cfg)
{
	struct stat st;

	if (cfg->path == NULL)
		return 1;
	if (stat(cfg->path, &st) < 0)
		return 0;
	return st.st_mtim.tv_sec == cfg->mtime.tv_sec && st.st_mtim.tv_nsec == cfg->mtime.tv_nsec &&
	       (long long)st.st_size == cfg->size && (unsigned long long)st.st_ino == cfg->ino;
}

int aa_config_load(const char *path, struct aa_config **cfg_r, char *err, size_t errlen)
{
	struct aa_config *cfg = config_defaults();
	FILE *f;
	char line[CONFIG_LINE_MAX];
	unsigned lineno = 0;
	struct stat st;

	*cfg_r = NULL;
	if (cfg == NULL) {
		aa_lsearch_err(err, errlen, path != NULL ? path : "(defaults)", 0, "out of memory");
		return -1;
	}
	if (path == NULL) {
		if (outbound_load(cfg, "(defaults)", err, errlen) < 0) {
			aa_config_free(&cfg);
			return -1;
		}
		*cfg_r = cfg;
		return 0;
	}
	if (replace_str(&cfg->path, path) < 0 || (f = fopen(path, "r")) == NULL) {
		aa_lsearch_err(err, errlen, path, 0, "cannot open: %s", strerror(errno));
		aa_config_free(&cfg);
		return -1;
	}
	if (fstat(fileno(f), &st) == 0) {
		cfg->mtime = st.st_mtim;
		cfg->size = (long long)st.st_size;
		cfg->ino = (unsigned long long)st.st_ino;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		char *name, *value, *eq;
		const char *why;

		lineno++;
		/* the rest of a longer line (a comment's too) would read as a line of its own */
		if (len == sizeof(line) - 1 && line[len - 1] != '\n' && !feof(f)) {
			aa_lsearch_err(err, errlen, path, lineno, "line too long (at most %d bytes)",
				       CONFIG_LINE_MAX - 2);
			goto fail;
		}
		line[strcspn(line, "\r\n")] = '\0';
		name = aa_trim(line);
		if (*name == '#' || *name == '\0')
			continue;
		eq = strchr(name, '=');
		if (eq == NULL) {
			aa_lsearch_err(err, errlen, path, lineno, "expected name = value");
			goto fail;
		}
		*eq = '\0';
		name = aa_trim(name);
		value = aa_trim(eq + 1);
		if (set_option(cfg, name, value, &why) < 0) {
			const char *expects = why == invalid_value ? option_expects(name) : NULL;

			if (why == unknown_option || !is_printable(value))
				aa_lsearch_err(err, errlen, path, lineno, "%s: %.64s", why, name);
			else
				aa_lsearch_err(err, errlen, path, lineno, "%s: %.64s = \"%.64s\"%s%s%s", why, name,
					       value, expects != NULL ? " (expected " : "",
					       expects != NULL ? expects : "", expects != NULL ? ")" : "");
			goto fail;
		}
	}
	fclose(f);
	f = NULL;
	if (cfg->dns_zone_file != NULL)
		cfg->dns.zone_file = cfg->dns_zone_file;
	if (cfg->domains_file != NULL &&
	    aa_config_load_domains(cfg, cfg->domains_file, err, errlen) < 0)
		goto fail;
	if (outbound_load(cfg, path, err, errlen) < 0)
		goto fail;
	*cfg_r = cfg;
	return 0;
fail:
	if (f != NULL)
		fclose(f);
	aa_config_free(&cfg);
	return -1;
}

static const void *find_key(const void *arg, const char *key)
{
	const struct aa_config *cfg = arg;

	for (size_t i = 0; i < cfg->domain_count; i++)
		if (strcasecmp(cfg->domains[i].key, key) == 0)
			return &cfg->domains[i];
	return NULL;
}

void aa_config_domain(const struct aa_config *cfg, const char *domain,
		      struct aa_domain_policy *out)
{
	const struct aa_domain_entry *e;

	out->mode = cfg->mode;
	out->forced = AA_POLICY_UNSPEC;
	out->quarantine = cfg->quarantine;
	out->matched_key = NULL;
	e = aa_lsearch_best(domain, find_key, cfg);
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
