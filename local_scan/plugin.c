/* plugin.c - the process state of authalign inside Exim. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "aa_version.h"
#include "local_scan.h"
#include "plugin.h"

struct spf_memo {
	int valid;
	char *ip, *helo, *sender;	/* malloc'd key */
	struct aa_spf_result mailfrom, helo_r;	/* strings in the ctx arena */
};

/* The one process-wide instance: Exim calls us from one thread. */
static struct aa_plugin plugin;
static struct spf_memo memo;
static char plugin_err[512];

static void memo_clear(void)
{
	free(memo.ip);
	free(memo.helo);
	free(memo.sender);
	memset(&memo, 0, sizeof(memo));
}

static void log_bridge(void *arg, enum aa_log_level level, const char *line)
{
	int which = LOG_MAIN;
	(void)arg;
	if (level == AA_LOG_PANIC)
		which |= LOG_PANIC;
	if (level == AA_LOG_DEBUG) {
		debug_printf("authalign: %s\n", line);
		return;
	}
	/* Exim puts the message id in front once there is one */
	log_write(0, which, "authalign: %s", line);
}

static unsigned char *store_copy(const char *s, const void *proto)
{
	size_t len;
	unsigned char *p;

	if (s == NULL)
		s = "(no memory)";
	len = strlen(s);
	if (len > 65535)
		len = 65535;
	p = store_get((int)len + 1, proto);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

unsigned char *plugin_store_copy(const char *s)
{
	return store_copy(s, GET_TAINTED);
}

unsigned char *plugin_store_copy_trusted(const char *s)
{
	return store_copy(s, GET_UNTAINTED);
}

static const char *config_path(void)
{
	uschar *v = expand_string(US"$acl_m_authalign_config");

	if (v != NULL && *v != '\0')
		return (const char *)v;
	return NULL;
}

/* (Re)load settings when the file or its path changed. */
static int plugin_load_config(const char *path, int explicit)
{
	struct aa_config *cfg = NULL;
	struct stat st;
	const char *use = path;

	if (!explicit && stat(path, &st) < 0 && errno == ENOENT)
		use = NULL;	/* no file at the default place: defaults */
	if (plugin.cfg != NULL) {
		int same_path = (use == NULL && plugin.cfg->path == NULL) ||
				(use != NULL && plugin.cfg->path != NULL && strcmp(use, plugin.cfg->path) == 0);

		if (same_path && aa_config_is_current(plugin.cfg))
			return 0;
	}
	if (aa_config_load(use, &cfg, plugin_err, sizeof(plugin_err)) < 0)
		return -1;
	aa_config_free(&plugin.cfg);
	plugin.cfg = cfg;
	/* the first line of each process that uses us, and one per reload */
	log_write(0, LOG_MAIN, "authalign " AA_VERSION " (local_scan ABI %d.%d): settings %s",
		  LOCAL_SCAN_ABI_VERSION_MAJOR, LOCAL_SCAN_ABI_VERSION_MINOR,
		  use != NULL ? use : "built in (no " AA_DEFAULT_CONFIG ")");
	free(plugin.authserv_id);
	plugin.authserv_id = NULL;
	aa_ctx_free(&plugin.ctx);	/* DNS settings may have changed */
	memo_clear();
	return 0;
}

struct aa_plugin *plugin_get(const char **err_r)
{
	const char *path = config_path();
	const char *err = NULL;

	*err_r = plugin_err;
	if (plugin_load_config(path != NULL ? path : AA_DEFAULT_CONFIG, path != NULL) < 0)
		return NULL;
	if (plugin.ctx == NULL) {
		plugin.ctx = aa_ctx_new(&plugin.cfg->dns, &err);
		if (plugin.ctx == NULL) {
			snprintf(plugin_err, sizeof(plugin_err), "cannot start: %s", err != NULL ? err : "?");
			return NULL;
		}
		aa_ctx_set_log(plugin.ctx, log_bridge, &plugin);
		plugin.ctx->psl_file = plugin.cfg->psl_file;
	}
	if (plugin.authserv_id == NULL) {
		const char *id = plugin.cfg->authserv_id;

		if (id == NULL)
			id = (const char *)expand_string(US"$primary_hostname");
		plugin.authserv_id = strdup(id != NULL && *id != '\0' ? id : "localhost");
		if (plugin.authserv_id == NULL) {
			snprintf(plugin_err, sizeof(plugin_err), "out of memory");
			return NULL;
		}
	}
	return &plugin;
}

void plugin_end_message(struct aa_plugin *pl)
{
	memo_clear();
	if (pl->ctx != NULL)
		aa_ctx_end_message(pl->ctx);
}

static int same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

int plugin_spf(struct aa_plugin *pl, const char *ip, const char *helo, const char *sender,
	       const struct aa_spf_result **mailfrom_r, const struct aa_spf_result **helo_r)
{
	int rc;

	if (memo.valid && same(memo.ip, ip) && same(memo.helo, helo) && same(memo.sender, sender)) {
		*mailfrom_r = &memo.mailfrom;
		*helo_r = &memo.helo_r;
		return 0;
	}
	/* a new transaction: nothing of the previous one is kept, and its
	 * DNS time budget starts again (aa_ctx_end_message) */
	plugin_end_message(pl);
	rc = aa_spf_check(pl->ctx, ip != NULL ? ip : "", helo != NULL ? helo : "",
			  sender != NULL ? sender : "", &memo.mailfrom, &memo.helo_r);
	if (aa_dns_budget_exhausted(pl->ctx->dns))
		aa_log(pl->ctx, AA_LOG_WARN, "the DNS time budget (%u ms) ran out during SPF for %s: "
		       "every further lookup of this transaction is a temperror",
		       aa_dns_budget_ms(pl->ctx->dns), aa_escz(pl->ctx, sender != NULL ? sender : ""));
	memo.ip = strdup(ip != NULL ? ip : "");
	memo.helo = strdup(helo != NULL ? helo : "");
	memo.sender = strdup(sender != NULL ? sender : "");
	memo.valid = memo.ip != NULL && memo.helo != NULL && memo.sender != NULL;
	*mailfrom_r = &memo.mailfrom;
	*helo_r = &memo.helo_r;
	return rc;
}
