/* plugin.c - the process state of authalign inside Exim (aa_exim.h):
 * settings, the core context, the authserv-id, copies into Exim's store. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "aa_version.h"
#include "local_scan.h"
#include "aa_exim.h"
#include "aa_judge.h"
#include "aa_spf.h"

/* The one process-wide instance: Exim calls us from one thread. */
static struct aa_plugin plugin;
static char plugin_err[512];

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
static int plugin_load_config(const char *path, int explicit, int by_daemon)
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
	/* the first line of each process that reads them (the daemon's, with
	 * the preload), and one per reload */
	log_write(0, LOG_MAIN, "authalign " AA_VERSION " (local_scan ABI %d.%d): settings %s%s",
		  LOCAL_SCAN_ABI_VERSION_MAJOR, LOCAL_SCAN_ABI_VERSION_MINOR,
		  use != NULL ? use : "built in (no " AA_DEFAULT_CONFIG ")",
		  by_daemon ? " (read by the daemon, for every connection)" : "");
	free(plugin.authserv_id);
	plugin.authserv_id = NULL;
	aa_ctx_free(&plugin.ctx);	/* DNS settings may have changed; the memo and facts go */
	return 0;
}

/* Once in the daemon, before it forks: judge a built-in message
 * (aa_judge_rehearse()), so that what the libraries build on first use in
 * a process (OpenSSL's error strings, the DKIM library's handle, the
 * loader's bindings, the public suffix list) is every child's. Its context
 * goes with it: no resolver, socket or open file crosses the fork (the
 * DKIM library's handle, settings and callbacks only, does). Then map the
 * DNS answers the children share (aa_dns_shared_start()): the one thing
 * made here that they all write. What Exim's own SPF code calls in every
 * child is bound here too (aa_spf_bind_text_setters()). */
static void start_libraries(void)
{
	static int started;
	const char *why = NULL;
	int rehearsed, loaded, shared;

	if (started)
		return;
	started = 1;
	rehearsed = aa_judge_rehearse(plugin.cfg, plugin.cfg->psl_file, &why) == 0;
	if (!rehearsed)
		log_write(0, LOG_MAIN, "authalign: the daemon's rehearsal before it forks did not pass (%s): "
			  "each connection starts the libraries itself", why != NULL ? why : "?");
	loaded = plugin_load_scan_in_daemon();
	(void)aa_spf_bind_text_setters();	/* Exim's own SPF calls, at every HELO */
	/* mapped whatever dns_shared_cache says: each connection reads the
	 * setting afresh, so turning it on takes no restart */
	shared = aa_dns_shared_start() == 0;
	/* one line a daemon start: what every connection inherits */
	log_write(0, LOG_MAIN, "authalign: the daemon started for every connection: libraries %s; "
		  "local_scan() %s; DNS answers %s", rehearsed ? "warm (rehearsal passed)" : "cold",
		  loaded > 0 ? "loaded"
		  : loaded < 0 ? "left to each connection (Exim's loader crashed: see the line before)"
			       : "left to each connection (local_scan_path is not this object)",
		  plugin.cfg->dns.zone_file != NULL ? "from the fixed zone (dns_zone_file), never shared"
		  : !shared ? "kept by each connection (no shared memory could be mapped)"
		  : plugin.cfg->dns.shared ? "shared by the connections for their TTL"
					   : "kept by each connection (dns_shared_cache = no)");
}

int plugin_preload(const char *path, const char **err_r)
{
	*err_r = plugin_err;
	if (plugin_load_config(path != NULL ? path : AA_DEFAULT_CONFIG, path != NULL, 1) < 0)
		return -1;
	start_libraries();
	return 0;
}

struct aa_plugin *plugin_get(const char **err_r)
{
	const char *path = config_path();
	const char *err = NULL;

	*err_r = plugin_err;
	if (plugin_load_config(path != NULL ? path : AA_DEFAULT_CONFIG, path != NULL, 0) < 0)
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
	if (pl->ctx != NULL)
		aa_ctx_end_message(pl->ctx);
}
