/* outplan.c - the plan for one recipient domain, from $local_scan_data or made now. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "local_scan.h"
#include "aa_dmarc.h"
#include "outplan.h"
#include "submitter.h"

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

/* The message as it will leave, from what Exim knows at delivery time. */
static void message_facts(struct aa_ctx *ctx, const struct aa_plandata *pd, const char *domain,
			  struct aa_out_msg *m, struct aa_from *from, struct aa_dkim_result *dkim,
			  struct aa_submitter *who)
{
	const char *value = (const char *)expand_string(US"$rh_from:");
	size_t len = value != NULL ? strlen(value) : 0;

	memset(m, 0, sizeof(*m));
	if (value != NULL && len > 0)
		aa_from_parse_fields(ctx, &value, &len, 1, from);
	else
		aa_from_parse_fields(ctx, NULL, NULL, 0, from);
	memset(dkim, 0, sizeof(*dkim));
	if (pd != NULL && pd->dkim_count > 0) {
		dkim->sigs = aa_arena_alloc(ctx->arena, pd->dkim_count * sizeof(*dkim->sigs));
		for (size_t i = 0; dkim->sigs != NULL && i < pd->dkim_count; i++) {
			dkim->sigs[i].result = AA_PASS;
			dkim->sigs[i].domain = pd->dkim[i];
			dkim->count++;
		}
	}
	m->env_sender = sender_address != NULL ? (const char *)sender_address : "";
	m->helo_default = (const char *)expand_string(US"$primary_hostname");
	m->from = from;
	m->dkim = dkim;
	m->rcpt_domain = domain;
	submitter_from_exim(ctx, who);	/* a forward or queue run: the original submitter */
	m->submitter = who;
}

enum outplan_status outplan_for(struct aa_plugin *pl, const char *domain,
				const struct aa_plandata_entry **entry_r, const char **why_r)
{
	const struct aa_outbound *ob = &pl->cfg->outbound;
	const char *data = (const char *)expand_string(US"$local_scan_data");
	const struct aa_plandata *pd;
	struct aa_out_msg m;
	struct aa_from from;
	struct aa_dkim_result dkim;
	struct aa_plan plan;
	struct aa_submitter who;

	*entry_r = NULL;
	*why_r = "";
	if (ob->mode == AA_OUT_OFF && ob->table == NULL)
		return OUTPLAN_NONE;
	*entry_r = aa_plandata_lookup(pl->ctx, data, domain, time(NULL), pl->cfg->outbound_plan_ttl, &pd);
	if (*entry_r != NULL)
		return OUTPLAN_OK;
	if ((*entry_r = memo_find(domain)) != NULL)
		return OUTPLAN_OK;
	message_facts(pl->ctx, pd, domain, &m, &from, &dkim, &who);
	if (aa_plan_message(pl->ctx, ob, &m, &plan) < 0) {
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
