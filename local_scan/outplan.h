/* outplan.h - the outbound plan of the message being delivered, once per message.
 *
 * Routers and transports ask for the plan of one recipient domain. It
 * comes from $local_scan_data (made at submission by local_scan), or is
 * made here when that has no entry for the domain, is not ours, or is
 * older than the outbound_plan_ttl setting (a queued message is planned again: DNS and
 * routes may have changed). Plans made here are kept for the rest of
 * the message in this process and forgotten when the message id changes.
 */
#ifndef AA_OUTPLAN_H
#define AA_OUTPLAN_H

#include "aa_plan.h"
#include "plugin.h"


enum outplan_status {
	OUTPLAN_OK,		/* *entry_r is the plan for the domain */
	OUTPLAN_NONE,		/* outbound is off for this message: deliver as Exim would */
	OUTPLAN_TEMP,		/* a DNS temporary failure: defer */
	OUTPLAN_ERROR,		/* could not evaluate */
};

enum outplan_status outplan_for(struct aa_plugin *pl, const char *domain,
				const struct aa_plandata_entry **entry_r, const char **why_r);

#endif
