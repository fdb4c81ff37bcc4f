/* spf_memo.c - the SMTP transaction of (ip, helo, sender) and its SPF results (aa_exim.h).
 *
 * The RCPT ACL asks authalign_spf; local_scan() of the same transaction
 * takes the memo instead of asking DNS again. The key is malloc'd, the
 * results' strings are in the arena: the memo is forgotten whenever the
 * arena is emptied (plugin_end_message).
 */
#include <stdlib.h>
#include <string.h>
#include "aa_exim.h"
#include "exim_int.h"

static struct {
	int valid;			/* a key is set */
	int spf_done;			/* and SPF ran for it */
	char *ip, *helo, *sender;	/* malloc'd key */
	struct aa_spf_result mailfrom, helo_r;	/* strings in the ctx arena */
} memo;

void spf_memo_forget(void)
{
	free(memo.ip);
	free(memo.helo);
	free(memo.sender);
	memset(&memo, 0, sizeof(memo));
}

static int same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

void plugin_transaction(struct aa_plugin *pl, const char *ip, const char *helo, const char *sender)
{
	if (memo.valid && same(memo.ip, ip) && same(memo.helo, helo) && same(memo.sender, sender))
		return;
	/* a new transaction: nothing of the previous one is kept, and its
	 * DNS time budget starts again (aa_ctx_end_message) */
	plugin_end_message(pl);
	memo.ip = strdup(ip != NULL ? ip : "");
	memo.helo = strdup(helo != NULL ? helo : "");
	memo.sender = strdup(sender != NULL ? sender : "");
	memo.valid = memo.ip != NULL && memo.helo != NULL && memo.sender != NULL;
}

int plugin_spf(struct aa_plugin *pl, const char *ip, const char *helo, const char *sender,
	       const struct aa_spf_result **mailfrom_r, const struct aa_spf_result **helo_r)
{
	int rc = 0;

	plugin_transaction(pl, ip, helo, sender);
	*mailfrom_r = &memo.mailfrom;
	*helo_r = &memo.helo_r;
	if (memo.spf_done)
		return 0;
	rc = aa_spf_check(pl->ctx, ip != NULL ? ip : "", helo != NULL ? helo : "",
			  sender != NULL ? sender : "", &memo.mailfrom, &memo.helo_r);
	if (aa_dns_budget_exhausted(pl->ctx->dns))
		aa_log(pl->ctx, AA_LOG_WARN, "the DNS time budget (%u ms) ran out during SPF for %s: "
		       "every further lookup of this transaction is a temperror",
		       aa_dns_budget_ms(pl->ctx->dns), aa_escz(pl->ctx, sender != NULL ? sender : ""));
	memo.spf_done = memo.valid;	/* without a key, the next call asks again */
	return rc;
}
