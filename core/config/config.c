/* config.c - reading the settings file: each "name = value" through the
 * option table (config_options.c), then the files it names: the
 * per-domain table (config_domains.c) and the outbound side. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include "aa_config.h"
#include "aa_lsearch.h"
#include "aa_config.h"
#include "aa_table.h"
#include "config_int.h"

#define CONFIG_LINE_MAX 4096

static const char unknown_option[] = "unknown option";

/* The refused value is quoted only when it is plain printable text. */
static int is_printable(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < ' ' || (unsigned char)*v >= 0x7f)
			return 0;
	return 1;
}

/* One "name = value": the row of the option table and its type's parser. */
static int set_option(struct aa_config *cfg, const char *name, const char *value,
		      const struct aa_option **o_r, const char **why)
{
	const struct aa_option *o = aa_option_find(name);

	*o_r = o;
	*why = unknown_option;
	if (o == NULL)
		return -1;
	*why = aa_option_invalid;
	return o->type->set(o, cfg, value, why);
}

/* "file:line: what", naming the allowed values of a refused one and the
 * setting meant by a misspelt name. */
static void option_error(char *err, size_t errlen, const char *path, unsigned lineno,
			 const struct aa_option *o, const char *name, const char *value,
			 const char *why)
{
	char words[256];
	const char *expects = o != NULL && why == aa_option_invalid ?
			      aa_option_expects(o, words, sizeof(words)) : NULL;
	const char *near = o == NULL ? aa_option_nearest(name) : NULL;

	if (o == NULL)
		aa_lsearch_err(err, errlen, path, lineno, "%s: %.64s%s%s%s", why, name,
			       near != NULL ? " (did you mean " : "", near != NULL ? near : "",
			       near != NULL ? "?)" : " (the settings are in authalign.conf(5))");
	else if (!is_printable(value))
		aa_lsearch_err(err, errlen, path, lineno, "%s: %.64s", why, name);
	else
		aa_lsearch_err(err, errlen, path, lineno, "%s: %.64s = \"%.64s\"%s%s%s", why, name,
			       value, expects != NULL ? " (expected " : "",
			       expects != NULL ? expects : "", expects != NULL ? ")" : "");
}

/* Every setting at its table default, parsed as if read from a file. */
static struct aa_config *config_defaults(char *err, size_t errlen)
{
	struct aa_config *cfg = calloc(1, sizeof(*cfg));
	const struct aa_option *o, *found;
	const char *why;

	if (cfg == NULL) {
		aa_lsearch_err(err, errlen, "(defaults)", 0, "out of memory");
		return NULL;
	}
	for (size_t i = 0; (o = aa_option_at(i)) != NULL; i++) {
		if (o->def != NULL && set_option(cfg, o->name, o->def, &found, &why) < 0) {
			option_error(err, errlen, "(defaults)", 0, found, o->name, o->def, why);
			aa_config_free(&cfg);
			return NULL;
		}
	}
	return cfg;
}

void aa_config_free(struct aa_config **cfgp)
{
	struct aa_config *cfg = *cfgp;

	if (cfg == NULL)
		return;
	config_domains_free(cfg);
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
	free(cfg->outbound_egress[0]);
	free(cfg->outbound_egress[1]);
	free(cfg->outbound_helo);
	free(cfg->outbound_transport);
	free(cfg->feedback.file);
	free(cfg->feedback.postgresql);
	free(cfg);
	*cfgp = NULL;
}

/* The outbound side: direct route from the settings, then the files. */
static int outbound_load(struct aa_config *cfg, const char *path, char *err, size_t errlen)
{
	struct aa_outbound *ob = &cfg->outbound;

	ob->direct.name = "direct";
	ob->direct.egress_ip = cfg->outbound_egress[0];
	ob->direct.egress_ip2 = cfg->outbound_egress[1];
	ob->direct.helo = cfg->outbound_helo;
	ob->direct.port = 25;
	ob->dmarc_mode = cfg->dmarc_mode;
	if (cfg->outbound_egress[0] == NULL &&
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
	if (cfg->path != NULL && !aa_file_stamp_current(&cfg->stamp, cfg->path))
		return 0;
	return aa_table_is_current(cfg->domains) && aa_outbound_is_current(&cfg->outbound);
}

int aa_config_load(const char *path, struct aa_config **cfg_r, char *err, size_t errlen)
{
	struct aa_config *cfg = config_defaults(err, errlen);
	FILE *f;
	char line[CONFIG_LINE_MAX];
	unsigned lineno = 0;
	struct stat st;

	*cfg_r = NULL;
	if (cfg == NULL)
		return -1;
	if (path == NULL) {
		if (outbound_load(cfg, "(defaults)", err, errlen) < 0) {
			aa_config_free(&cfg);
			return -1;
		}
		*cfg_r = cfg;
		return 0;
	}
	if ((cfg->path = strdup(path)) == NULL) {
		aa_lsearch_err(err, errlen, path, 0, "out of memory");
		aa_config_free(&cfg);
		return -1;
	}
	if ((f = aa_lsearch_open(path, err, errlen)) == NULL) {
		aa_config_free(&cfg);
		return -1;
	}
	if (fstat(fileno(f), &st) == 0)
		aa_file_stamp_set(&cfg->stamp, &st);
	for (;;) {
		char *name, *value, *eq;
		const struct aa_option *o;
		const char *why;
		int got = aa_lsearch_read_line(f, line, sizeof(line), &why);

		if (got == 0)
			break;
		lineno++;
		/* the rest of a longer line (a comment's too) would read as a line of its own */
		if (got < 0 && strcmp(why, "line too long") == 0) {
			aa_lsearch_err(err, errlen, path, lineno, "line too long (at most %d bytes)",
				       CONFIG_LINE_MAX - 2);
			goto fail;
		}
		if (got < 0) {
			aa_lsearch_err(err, errlen, path, lineno, "%s", why);
			goto fail;
		}
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
		if (set_option(cfg, name, value, &o, &why) < 0) {
			option_error(err, errlen, path, lineno, o, name, value, why);
			goto fail;
		}
	}
	if (ferror(f)) {
		aa_lsearch_err(err, errlen, path, lineno, "read error");
		goto fail;
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
