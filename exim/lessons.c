/* lessons.c - the feedback store opened for the plans of one message (aa_exim.h, the closed loop). */
#include <time.h>
#include "local_scan.h"
#include "aa_exim.h"

#define SAY_EVERY_S 60

static time_t said_at;

void plugin_learned_open(struct aa_plugin *pl, struct aa_learned *l)
{
	char err[256];

	l->store = NULL;
	l->now = time(NULL);
	if (aa_feedback_open(&pl->cfg->feedback, AA_FB_OPEN_READ, &l->store, err, sizeof(err)) < 0) {
		/* a store that is down is said at most once a minute in one process
		 * (a connection's messages, a queue run), not per message; Exim's
		 * processes do not share this, so each says it once */
		if (l->now - said_at >= SAY_EVERY_S) {
			said_at = l->now;
			aa_log(pl->ctx, AA_LOG_PANIC, "the outbound feedback store cannot be read (%s): planning as "
			       "if nothing was learned", aa_escz(pl->ctx, err));
		}
		l->store = NULL;
	}
}

void plugin_learned_close(struct aa_learned *l)
{
	aa_feedback_close(&l->store);
}
