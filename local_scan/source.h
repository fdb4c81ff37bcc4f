/* source.h - where the message being received comes from.
 *
 * A stranger's mail is judged inbound; mail from a source the admin
 * trusts (a local submission, an authenticated client, a host in Exim's
 * +relay_from_hosts) never is.
 */
#ifndef AA_SOURCE_H
#define AA_SOURCE_H

#include "aa_ctx.h"

enum msg_source {
	SOURCE_STRANGER,	/* a remote client, not authenticated, not a relay host */
	SOURCE_LOCAL,		/* no client address: command line (exim -t, sendmail), -bs */
	SOURCE_AUTHENTICATED,	/* SMTP AUTH */
	SOURCE_RELAY_HOST,	/* the client matches +relay_from_hosts */
	SOURCE_UNKNOWN,		/* +relay_from_hosts could not be checked (a lookup deferred) */
};

/* Where the message comes from; *why_r: a log text (escaped, in the
 * arena) saying why, for every answer but SOURCE_STRANGER. */
enum msg_source message_source(struct aa_ctx *ctx, const char **why_r);

#endif
