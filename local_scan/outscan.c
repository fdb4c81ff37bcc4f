/* outscan.c - plan every message that leaves, at submission. */
#include <string.h>
#include <strings.h>
#include <time.h>
#include "local_scan.h"
#include "aa_plan.h"
#include "message.h"
#include "outscan.h"
#include "submitter.h"

static const char *address_domain(const recipient_item *r)
{
	const char *at = r->address != NULL ? strrchr((const char *)r->address, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* 1 local, 0 remote, -1 unknown: the config has no +local_domains list
 * (then both halves apply: inbound judging and outbound planning). */
static int domain_is_local(const char *domain)
{
	static int said;	/* once per process: the config does not change under it */

	switch (lss_match_domain(US domain, US"+local_domains")) {
	case OK:
		return 1;
	case FAIL:
		return 0;
	default:
		if (!said++)
			log_write(0, LOG_MAIN | LOG_PANIC, "authalign: cannot match domains against "
				  "+local_domains (is the domainlist defined?): every recipient is "
				  "judged inbound and planned outbound");
		return -1;
	}
}

int message_has_local_recipient(void)
{
	for (int i = 0; i < recipients_count; i++) {
		const char *d = address_domain(&recipients_list[i]);

		if (d == NULL || domain_is_local(d) != 0)
			return 1;	/* an unqualified address is local too */
	}
	return 0;
}

/* Distinct remote recipient domains, at most max. */
static size_t remote_domains(const char **out, size_t max)
{
	size_t n = 0;

	for (int i = 0; i < recipients_count && n < max; i++) {
		const char *d = address_domain(&recipients_list[i]);
		size_t j;

		if (d == NULL || domain_is_local(d) == 1)
			continue;
		for (j = 0; j < n && strcasecmp(out[j], d) != 0; j++)
			;
		if (j == n)
			out[n++] = d;
	}
	return n;
}

static void plan_to_entry(const struct aa_plan *p, const char *domain, struct aa_plandata_entry *e)
{
	e->domain = domain;
	e->step = p->step;
	e->arg = NULL;
	if (p->step == AA_STEP_SMARTHOST && p->route != NULL)
		e->arg = p->route->name;
	else if (p->step == AA_STEP_SIGN)
		e->arg = p->sign_domain;
	else if (p->step == AA_STEP_REWRITE)
		e->arg = p->return_path;
	else if (p->step == AA_STEP_REFUSE)
		e->step = AA_STEP_DIRECT;	/* not enforced here: deliver as Exim would */
}

int outbound_scan(struct aa_plugin *pl, int fd, struct aa_dkim_result *dkim, int *dkim_done,
		  struct aa_from *from, int *from_done, const char **text_r)
{
	const struct aa_outbound *ob = &pl->cfg->outbound;
	struct aa_ctx *ctx = pl->ctx;
	const char *domains[AA_PLANDATA_DOMAINS_MAX];
	size_t n;
	struct aa_plandata pd;
	struct aa_out_msg m;
	struct aa_submitter who;

	if (ob->mode == AA_OUT_OFF && ob->table == NULL)
		return LOCAL_SCAN_ACCEPT;
	n = remote_domains(domains, AA_PLANDATA_DOMAINS_MAX);
	if (n == 0)
		return LOCAL_SCAN_ACCEPT;
	if (!*dkim_done) {
		verify_dkim(ctx, fd, dkim);
		*dkim_done = 1;
	}
	if (!*from_done) {
		find_from(ctx, from);
		*from_done = 1;
	}
	submitter_from_exim(ctx, &who);
	memset(&pd, 0, sizeof(pd));
	pd.made = time(NULL);
	for (size_t i = 0; i < dkim->count && pd.dkim_count < AA_PLANDATA_DKIM_MAX; i++)
		if (dkim->sigs[i].result == AA_PASS && dkim->sigs[i].domain != NULL)
			pd.dkim[pd.dkim_count++] = dkim->sigs[i].domain;

	for (size_t i = 0; i < n; i++) {
		struct aa_plan plan;

		m = (struct aa_out_msg){
			.env_sender = sender_address != NULL ? (const char *)sender_address : "",
			.helo_default = (const char *)expand_string(US"$primary_hostname"),
			.from = from,
			.dkim = dkim,
			.rcpt_domain = domains[i],
			.submitter = &who,
		};
		if (aa_plan_message(ctx, ob, &m, &plan) < 0) {
			aa_log(ctx, AA_LOG_PANIC, "internal error planning delivery to %s", aa_escz(ctx, domains[i]));
			*text_r = "4.3.0 Temporary local problem, try again later";
			return LOCAL_SCAN_TEMPREJECT;
		}
		if (plan.log_line != NULL)
			aa_log(ctx, AA_LOG_INFO, "%s", plan.log_line);
		if (plan.mode == AA_OUT_OFF || plan.mode == AA_OUT_MONITOR)
			continue;
		if (plan.temp) {
			*text_r = aa_arena_printf(ctx->arena,
				"4.7.5 Temporary DNS failure planning delivery to %s, try again later",
				aa_escz(ctx, domains[i]));
			return LOCAL_SCAN_TEMPREJECT;
		}
		if (plan.step == AA_STEP_REFUSE && plan.mode == AA_OUT_ENFORCE) {
			*text_r = plan.smtp_text != NULL ? plan.smtp_text
				: "5.7.1 authalign: no route would be accepted by the destination";
			return LOCAL_SCAN_REJECT;
		}
		plan_to_entry(&plan, domains[i], &pd.entry[pd.count++]);
	}
	if (pd.count > 0 || pd.dkim_count > 0)
		*text_r = aa_plandata_encode(ctx, &pd);
	return LOCAL_SCAN_ACCEPT;
}
