/* plugin.h - process state shared by local_scan() and the ${dlfunc} lookups.
 *
 * Exim forks a process per connection; each one builds this state on
 * first use. Per-message data lives in the context's arena and DNS cache,
 * emptied when a message ends (plugin_end_message) or when the ACLs start
 * a new transaction (a different SPF memo key). These two events also
 * start the transaction's DNS time budget (dns_budget) again: it covers
 * the SPF checks of the RCPT ACL and local_scan()'s DKIM and DMARC of the
 * same message. Results handed to Exim are copied into Exim's store by
 * the callers.
 */
#ifndef AA_PLUGIN_H
#define AA_PLUGIN_H

#include "aa_config.h"
#include "aa_ctx.h"
#include "aa_spf.h"

#define AA_EXPORT __attribute__((visibility("default")))

/* The default settings file, when $acl_m_authalign_config is empty. */
#define AA_DEFAULT_CONFIG "/etc/exim4/authalign.conf"

struct aa_plugin {
	struct aa_ctx *ctx;
	struct aa_config *cfg;
	char *authserv_id;		/* resolved: setting or $primary_hostname */
};

/* The process state with settings current for this message. NULL on
 * error, with *err_r saying why (for a 451 text and the panic log). */
struct aa_plugin *plugin_get(const char **err_r);

/* Forget everything of the current message. */
void plugin_end_message(struct aa_plugin *pl);

/* SPF once per transaction: returns the memo when (ip, helo, sender)
 * match, else evaluates and remembers. 0, or -1 when it could not run. */
int plugin_spf(struct aa_plugin *pl, const char *ip, const char *helo, const char *sender,
	       const struct aa_spf_result **mailfrom_r, const struct aa_spf_result **helo_r);

/* Copy a NUL-terminated string into Exim's store (tainted: it may come
 * from the message). */
unsigned char *plugin_store_copy(const char *s);

/* The same, untainted: only for values from the admin's own files (a
 * transport name, hosts, a key file), which Exim refuses when tainted. */
unsigned char *plugin_store_copy_trusted(const char *s);

#endif
