/* outplan.c - the plan for one recipient domain at delivery, from $local_scan_data or made now (aa_exim.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "local_scan.h"
#include "aa_exim.h"

#define OUTPLAN_MEMO_MAX AA_PLANDATA_DOMAINS_MAX

/* Plans made in this process for the current message: in the arena,
 * forgotten in a hook when the arena is emptied, and when the message
 * id changes. */
struct outplan_memo {
	const char *msgid;
	struct aa_plandata_entry entry[OUTPLAN_MEMO_MAX];
	size_t count;
};

static struct outplan_memo *memo;

static void memo_forget(void *arg)
{
	if (memo == arg)
		memo = NULL;
}

static const char *current_id(void)
{
	return message_id != NULL ? (const char *)message_id : "";
}

static const struct aa_plandata_entry *memo_find(const char *domain)
{
	if (memo == NULL || strcmp(memo->msgid, current_id()) != 0)
		return NULL;
	for (size_t i = 0; i < memo->count; i++)
		if (strcasecmp(memo->entry[i].domain, domain) == 0)
			return &memo->entry[i];
	return NULL;
}

/* The plan p for domain, kept for the message; NULL when out of memory
 * (the caller then defers: the plan is made again next time). */
static const struct aa_plandata_entry *memo_add(struct aa_ctx *ctx, const char *domain,
						const struct aa_plan *p)
{
	struct aa_plandata_entry *e, from;

	if (memo == NULL || strcmp(memo->msgid, current_id()) != 0) {
		struct outplan_memo *m = aa_arena_alloc(ctx->arena, sizeof(*m));

		if (m == NULL)
			return NULL;
		memset(m, 0, sizeof(*m));
		/* without its hook the memo could outlive the arena: not kept */
		if ((m->msgid = aa_arena_strdup(ctx->arena, current_id())) == NULL ||
		    aa_arena_on_reset(ctx->arena, memo_forget, m, NULL) < 0)
			return NULL;
		memo = m;
	}
	aa_plandata_entry_of(p, domain, &from);
	/* bounded: once full, the last slot is reused */
	e = &memo->entry[memo->count < OUTPLAN_MEMO_MAX ? memo->count++ : OUTPLAN_MEMO_MAX - 1];
	e->step = from.step;
	e->domain = aa_arena_strdup(ctx->arena, domain);
	e->arg = from.arg != NULL ? aa_arena_strdup(ctx->arena, from.arg) : NULL;
	e->sign = from.sign != NULL ? aa_arena_strdup(ctx->arena, from.sign) : NULL;
	e->return_path = from.return_path != NULL ? aa_arena_strdup(ctx->arena, from.return_path) : NULL;
	e->foreseen = from.foreseen;
	if (e->domain == NULL || (from.arg != NULL && e->arg == NULL) || (from.sign != NULL && e->sign == NULL) ||
	    (from.return_path != NULL && e->return_path == NULL)) {
		e->domain = "";		/* matches no domain */
		return NULL;
	}
	return e;
}

/* Routing with no message: an address verified at RCPT time (routable
 * is all it asks), or exim -bt / -bv, whose answer an admin may take for
 * what a message gets: that is said in the main log, once a process. A
 * plan needs the message's From, signatures and submitter. */
static enum outplan_status no_message(void)
{
	static int said;

	if (!smtp_input && !said) {
		said = 1;
		log_write(0, LOG_MAIN, "authalign: no message (exim -bt or -bv): no outbound plan was made, and "
			  "this address routes as without authalign; with outbound planning on, a real message "
			  "may take another route: authalign predict SENDER DOMAIN < message shows it");
	}
	return OUTPLAN_NONE;
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
	struct aa_learned learned;
	int rc;

	*entry_r = NULL;
	*why_r = "";
	if (message_id == NULL || *message_id == '\0')
		return no_message();
	if (ob->mode == AA_OUT_OFF && ob->table == NULL)
		return OUTPLAN_NONE;
	/* the plan carried from submission, unless too old (DNS and routes
	 * may have changed); else one made here before, else a new one */
	if (facts_carried_plan(pl, &pd) < 0) {
		*why_r = "authalign: temperror: out of memory reading the plan carried with the message";
		return OUTPLAN_TEMP;
	}
	if (pd != NULL && time(NULL) - pd->made < (time_t)pl->cfg->outbound_plan_ttl &&
	    (*entry_r = aa_plandata_find(pd, domain)) != NULL)
		return OUTPLAN_OK;
	if ((*entry_r = memo_find(domain)) != NULL)
		return OUTPLAN_OK;
	if (message_facts(pl, domain, &m) < 0) {
		*why_r = "authalign: outbound plan could not be made";
		return OUTPLAN_ERROR;
	}
	plugin_learned_open(pl, &learned);
	m.learned = &learned;
	rc = aa_plan_message(pl->ctx, ob, &m, &plan);
	plugin_learned_close(&learned);
	if (rc < 0) {
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
	/* monitor and off are kept too (as direct: what Exim does anyway),
	 * so that the message is planned and logged once, not per lookup */
	if ((*entry_r = memo_add(pl->ctx, domain, &plan)) == NULL) {
		*why_r = "authalign: temperror: out of memory keeping the plan of a domain";
		return OUTPLAN_TEMP;
	}
	return OUTPLAN_OK;
}
