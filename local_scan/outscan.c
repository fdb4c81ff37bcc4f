/* outscan.c - plan every message that leaves, at submission.
 *
 * The message's From, DKIM results, recipients and submitter are its
 * facts (aa_exim.h): found once, whether the inbound half took them first
 * or not.
 */
#include <string.h>
#include <time.h>
#include "local_scan.h"
#include "aa_plan.h"
#include "aa_exim.h"
#include "outscan.h"

int outbound_scan(struct aa_plugin *pl, int fd, const char **text_r)
{
	const struct aa_outbound *ob = &pl->cfg->outbound;
	struct aa_ctx *ctx = pl->ctx;
	const struct aa_recipients *rcpt;
	const struct aa_dkim_result *dkim;
	const struct aa_from *from;
	const struct aa_submitter *who;
	struct aa_plandata pd;
	struct aa_out_msg m;
	struct aa_learned learned;
	int rc = LOCAL_SCAN_ACCEPT;

	if (ob->mode == AA_OUT_OFF && ob->table == NULL)
		return LOCAL_SCAN_ACCEPT;
	if ((rcpt = facts_recipients(pl)) != NULL && rcpt->remote_count == 0)
		return LOCAL_SCAN_ACCEPT;
	dkim = facts_dkim(pl, fd);
	from = facts_from(pl);
	who = facts_submitter(pl);
	if (rcpt == NULL || dkim == NULL || from == NULL || who == NULL) {
		aa_log(ctx, AA_LOG_PANIC, "no memory for the facts of a message to plan");
		*text_r = TEMP_TEXT;
		return LOCAL_SCAN_TEMPREJECT;
	}
	memset(&pd, 0, sizeof(pd));
	pd.msgid = (const char *)message_id;	/* whose plan it is (aa_plan.h) */
	pd.made = time(NULL);
	for (size_t i = 0; i < dkim->count && pd.dkim_count < AA_PLANDATA_DKIM_MAX; i++)
		if (dkim->sigs[i].result == AA_PASS && dkim->sigs[i].domain != NULL)
			pd.dkim[pd.dkim_count++] = dkim->sigs[i].domain;

	plugin_learned_open(pl, &learned);
	for (size_t i = 0; i < rcpt->remote_count && rc == LOCAL_SCAN_ACCEPT; i++) {
		struct aa_plan plan;

		m = (struct aa_out_msg){
			.env_sender = sender_address != NULL ? (const char *)sender_address : "",
			.helo_default = (const char *)expand_string(US"$primary_hostname"),
			.from = from,
			.dkim = dkim,
			.rcpt_domain = rcpt->remote[i],
			.submitter = who,
			.learned = &learned,
		};
		if (aa_plan_message(ctx, ob, &m, &plan) < 0) {
			aa_log(ctx, AA_LOG_PANIC, "internal error planning delivery to %s", aa_escz(ctx, rcpt->remote[i]));
			*text_r = TEMP_TEXT;
			rc = LOCAL_SCAN_TEMPREJECT;
			break;
		}
		if (plan.log_line != NULL)
			aa_log(ctx, AA_LOG_INFO, "%s", plan.log_line);
		if (plan.mode == AA_OUT_OFF || plan.mode == AA_OUT_MONITOR) {
			/* carried as direct (what Exim does): routing does not plan again */
			aa_plandata_entry_of(&plan, rcpt->remote[i], &pd.entry[pd.count++]);
			continue;
		}
		if (plan.temp) {
			*text_r = aa_arena_printf(ctx->arena,
				"4.7.5 Temporary DNS failure planning delivery to %s, try again later",
				aa_escz(ctx, rcpt->remote[i]));
			rc = LOCAL_SCAN_TEMPREJECT;
			break;
		}
		if (plan.step == AA_STEP_REFUSE && plan.mode == AA_OUT_ENFORCE) {
			*text_r = plan.smtp_text != NULL ? plan.smtp_text
				: "5.7.1 authalign: no route would be accepted by the destination";
			rc = LOCAL_SCAN_REJECT;
			break;
		}
		/* enforce refused above: a refusal left here is delivered as Exim would */
		aa_plandata_entry_of(&plan, rcpt->remote[i], &pd.entry[pd.count++]);
	}
	plugin_learned_close(&learned);
	if (rc != LOCAL_SCAN_ACCEPT)
		return rc;
	if (pd.count > 0 || pd.dkim_count > 0)
		*text_r = aa_plandata_encode(ctx, &pd);
	return LOCAL_SCAN_ACCEPT;
}
