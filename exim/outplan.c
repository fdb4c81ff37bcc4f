/* outplan.c - the plan for one recipient domain at delivery, from $local_scan_data or made now (aa_exim.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "local_scan.h"
#include "aa_exim.h"

#define OUTPLAN_MEMO_MAX AA_PLANDATA_DOMAINS_MAX

/* Plans made in this process for the current message (malloc'd strings,
 * forgotten when the message id changes). */
static struct {
	char msgid[32];
	struct aa_plandata_entry entry[OUTPLAN_MEMO_MAX];
	char domain[OUTPLAN_MEMO_MAX][256];
	char arg[OUTPLAN_MEMO_MAX][256];
	size_t count;
} memo;

static const struct aa_plandata_entry *memo_find(const char *domain)
{
	const char *id = (const char *)message_id;

	if (id == NULL || strcmp(id, memo.msgid) != 0) {
		memset(&memo, 0, sizeof(memo));
		snprintf(memo.msgid, sizeof(memo.msgid), "%s", id != NULL ? id : "");
		return NULL;
	}
	for (size_t i = 0; i < memo.count; i++)
		if (strcasecmp(memo.domain[i], domain) == 0)
			return &memo.entry[i];
	return NULL;
}

static const struct aa_plandata_entry *memo_add(const char *domain, const struct aa_plan *p)
{
	size_t i = memo.count;
	const char *arg = NULL;

	if (i >= OUTPLAN_MEMO_MAX)
		i = OUTPLAN_MEMO_MAX - 1;	/* bounded: the last slot is reused */
	else
		memo.count++;
	snprintf(memo.domain[i], sizeof(memo.domain[i]), "%s", domain);
	switch (p->step) {
	case AA_STEP_SMARTHOST: arg = p->route->name; break;
	case AA_STEP_SIGN: arg = p->sign_domain; break;
	case AA_STEP_REWRITE: arg = p->return_path; break;
	default: break;
	}
	snprintf(memo.arg[i], sizeof(memo.arg[i]), "%s", arg != NULL ? arg : "");
	memo.entry[i] = (struct aa_plandata_entry){
		.domain = memo.domain[i],
		.step = p->step,
		.arg = arg != NULL ? memo.arg[i] : NULL,
	};
	return &memo.entry[i];
}

/* The message as it will leave, from its facts; 0, or -1 when one of
 * them could not be kept (no memory). */
static int message_facts(struct aa_plugin *pl, const char *domain, struct aa_out_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->env_sender = sender_address != NULL ? (const char *)sender_address : "";
	m->helo_default = (const char *)expand_string(US"$primary_hostname");
	m->from = facts_from(pl);
	m->dkim = facts_dkim(pl, -1);	/* as verified at submission */
	m->rcpt_domain = domain;
	m->submitter = facts_submitter(pl);	/* a forward or queue run: the original submitter */
	return m->from != NULL && m->dkim != NULL && m->submitter != NULL ? 0 : -1;
}

enum outplan_status outplan_for(struct aa_plugin *pl, const char *domain,
				const struct aa_plandata_entry **entry_r, const char **why_r)
{
	const struct aa_outbound *ob = &pl->cfg->outbound;
	const struct aa_plandata *pd;
	struct aa_out_msg m;
	struct aa_plan plan;

	*entry_r = NULL;
	*why_r = "";
	if (ob->mode == AA_OUT_OFF && ob->table == NULL)
		return OUTPLAN_NONE;
	/* the plan carried from submission, unless too old (DNS and routes
	 * may have changed); else one made here before, else a new one */
	pd = facts_carried_plan(pl);
	if (pd != NULL && time(NULL) - pd->made < (time_t)pl->cfg->outbound_plan_ttl &&
	    (*entry_r = aa_plandata_find(pd, domain)) != NULL)
		return OUTPLAN_OK;
	if ((*entry_r = memo_find(domain)) != NULL)
		return OUTPLAN_OK;
	if (message_facts(pl, domain, &m) < 0 || aa_plan_message(pl->ctx, ob, &m, &plan) < 0) {
		*why_r = "authalign: outbound plan could not be made";
		return OUTPLAN_ERROR;
	}
	if (plan.log_line != NULL)
		aa_log(pl->ctx, AA_LOG_INFO, "%s", plan.log_line);
	if (plan.temp) {
		*why_r = aa_arena_printf(pl->ctx->arena,
			"authalign: temperror: DNS temporary failure planning delivery to %s",
			aa_escz(pl->ctx, domain));
		return OUTPLAN_TEMP;
	}
	if (plan.mode == AA_OUT_OFF || plan.mode == AA_OUT_MONITOR)
		return OUTPLAN_NONE;
	*entry_r = memo_add(domain, &plan);
	return OUTPLAN_OK;
}
