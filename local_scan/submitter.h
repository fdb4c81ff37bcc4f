/* submitter.h - who handed in the message Exim is handling, for the ownership check. */
#ifndef AA_SUBMITTER_H
#define AA_SUBMITTER_H

#include "aa_ctx.h"
#include "aa_owner.h"

/* From Exim's variables, which hold the same facts in local_scan() and at
 * delivery time (the spool keeps them): $authenticated_id, and
 * $sender_host_address, or for a command-line submission (no client
 * address) the login of $originator_uid. Strings go into ctx's arena. */
void submitter_from_exim(struct aa_ctx *ctx, struct aa_submitter *s);

#endif
