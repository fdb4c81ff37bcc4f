/* spf_memo.c - the SMTP transaction of (ip, helo, sender) and its SPF results (aa_exim.h).
 *
 * The RCPT ACL asks authalign_spf; local_scan() of the same transaction
 * takes the memo instead of asking DNS again. Key and results are in the
 * message arena, and the memo is forgotten in a hook on that arena
 * (aa_arena_on_reset): whoever resets it, the memo goes with it.
 */
#include <string.h>
#include "aa_exim.h"

static struct {
	int valid;			/* a key is set */
	int spf_done;			/* and SPF ran for it */
	int helo_checked;		/* the HELO identity too (spf_helo = yes) */
	const char *ip, *helo, *sender;	/* the key, in the arena */
	struct aa_spf_result mailfrom, helo_r;	/* strings in the arena */
} memo;

static void memo_forget(void *arg)
{
	(void)arg;
	memset(&memo, 0, sizeof(memo));
}

static int same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

void plugin_transaction(struct aa_plugin *pl, const char *ip, const char *helo, const char *sender)
{
	struct aa_arena *arena = pl->ctx->arena;

	if (memo.valid && same(memo.ip, ip) && same(memo.helo, helo) && same(memo.sender, sender))
		return;
	/* a new transaction: nothing of the previous one is kept (the memo
	 * included: its hook runs), and its DNS time budget starts again */
	plugin_end_message(pl);
	memo.ip = aa_arena_strdup(arena, ip != NULL ? ip : "");
	memo.helo = aa_arena_strdup(arena, helo != NULL ? helo : "");
	memo.sender = aa_arena_strdup(arena, sender != NULL ? sender : "");
	/* without its hook the memo could outlive the arena: then no memo
	 * (the next call starts again) */
	if (memo.ip == NULL || memo.helo == NULL || memo.sender == NULL ||
	    aa_arena_on_reset(arena, memo_forget, NULL, NULL) < 0)
		memo_forget(NULL);
	else
		memo.valid = 1;
}

int plugin_spf(struct aa_plugin *pl, const char *ip, const char *helo, const char *sender,
	       const struct aa_spf_result **mailfrom_r, const struct aa_spf_result **helo_r)
{
	int rc = 0;

	plugin_transaction(pl, ip, helo, sender);
	if (!memo.spf_done) {
		/* the HELO identity on its own only with spf_helo = yes (the
		 * null sender's result is the mailfrom one, identity "helo") */
		memo.helo_checked = pl->cfg->spf_helo;
		rc = aa_spf_check(pl->ctx, ip != NULL ? ip : "", helo != NULL ? helo : "",
				  sender != NULL ? sender : "", &memo.mailfrom,
				  memo.helo_checked ? &memo.helo_r : NULL);
		if (aa_dns_budget_exhausted(pl->ctx->dns))
			aa_log(pl->ctx, AA_LOG_WARN, "the DNS time budget (%u ms) ran out during SPF for %s: "
			       "every further lookup of this transaction is a temperror",
			       aa_dns_budget_ms(pl->ctx->dns), aa_escz(pl->ctx, sender != NULL ? sender : ""));
		memo.spf_done = memo.valid;	/* without a key, the next call asks again */
	}
	*mailfrom_r = &memo.mailfrom;
	*helo_r = memo.helo_checked ? &memo.helo_r : NULL;
	return rc;
}
