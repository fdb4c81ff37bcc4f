/* commands.c - spf, dmarc, orgdomain, verify and predict: read the
 * arguments, call the core, print words or one JSON object (json.h). The
 * exit status of each is in help.c. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_authres.h"
#include "aa_dkim.h"
#include "aa_dmarc.h"
#include "aa_judge.h"
#include "aa_plan.h"
#include "aa_spf.h"
#include "json.h"
#include "tool.h"

#define MESSAGE_MAX (64u * 1024 * 1024)

static int ip_valid(const struct tool_out *o, const char *ip)
{
	struct in6_addr any;

	if (inet_pton(AF_INET, ip, &any) == 1 || inet_pton(AF_INET6, ip, &any) == 1)
		return 1;
	tool_fail(o, TOOL_EXIT_USAGE, "%s: invalid IP address '%.64s' (expected an IPv4 address like "
		  "192.0.2.1 or an IPv6 address like 2001:db8::1)", o->command, ip);
	return 0;
}

static void json_spf(struct json *j, const char *key, const struct aa_spf_result *r)
{
	json_open(j, key, '{');
	json_str(j, "result", aa_result_name(r->result));
	json_str(j, "domain", r->domain);
	json_str(j, "reason", r->reason);
	json_close(j);
}

/* Exit 3 for the results that say the sender is not authorized (fail,
 * softfail) or that its record is broken (permerror). */
/* The opening keys of spf and verify: the command and the client it asked about. */
static void json_client(struct json *j, const char *command, char **argv)
{
	json_start(j, stdout);
	json_str(j, "command", command);
	json_str(j, "ip", argv[0]);
	json_str(j, "helo", argv[1]);
	json_str(j, "sender", argv[2]);
}

static int spf_exit(enum aa_result r)
{
	switch (r) {
	case AA_TEMPERROR:
		return TOOL_EXIT_TEMP;
	case AA_FAIL:
	case AA_SOFTFAIL:
	case AA_PERMERROR:
		return TOOL_EXIT_FAIL;
	default:
		return TOOL_EXIT_OK;
	}
}

static int cmd_spf(const struct tool_out *o, struct aa_ctx *ctx, char **argv)
{
	struct aa_spf_result mf, helo;
	struct json j;
	int code;

	if (!ip_valid(o, argv[0]))
		return TOOL_EXIT_USAGE;
	aa_spf_check(ctx, argv[0], argv[1], argv[2], &mf, &helo);
	code = spf_exit(mf.result);
	if (!o->json) {
		printf("%s\n", aa_result_name(mf.result));
		printf("identity=%s domain=%s mechanism=%s reason=%s\n", mf.identity, aa_escz(ctx, mf.domain),
		       aa_escz(ctx, mf.mechanism), aa_escz(ctx, mf.reason));
		printf("helo=%s (%s)\n", aa_result_name(helo.result), aa_escz(ctx, helo.reason));
		return code;
	}
	json_client(&j, "spf", argv);
	json_str(&j, "result", aa_result_name(mf.result));
	json_str(&j, "identity", mf.identity);
	json_str(&j, "domain", mf.domain);
	json_str(&j, "mechanism", mf.mechanism);
	json_str(&j, "reason", mf.reason);
	json_str(&j, "explanation", mf.explanation);
	json_spf(&j, "helo_spf", &helo);
	json_int(&j, "exit", code);
	json_finish(&j);
	return code;
}

static int cmd_dmarc(const struct tool_out *o, struct aa_ctx *ctx, const struct aa_config *cfg, char **argv)
{
	struct aa_dmarc_lookup lk;
	const char *word;
	struct json j;
	int code;

	aa_dmarc_lookup(ctx, argv[0], cfg->dmarc_mode, &lk);
	if (lk.org_domain == NULL && lk.from_domain != NULL)	/* not needed to find the policy */
		(void)aa_org_domain(ctx, lk.from_domain, cfg->dmarc_mode, &lk.org_domain);
	word = lk.status == AA_PASS ? "policy" : lk.status == AA_TEMPERROR ? "temperror" : "none";
	code = lk.status == AA_TEMPERROR ? TOOL_EXIT_TEMP : TOOL_EXIT_OK;
	if (!o->json) {
		if (lk.status == AA_PASS)
			printf("policy=%s domain=%s org=%s\nrecord=%s\n", aa_dmarc_policy_name(lk.effective),
			       aa_escz(ctx, lk.record.domain), aa_escz(ctx, lk.org_domain),
			       aa_escz(ctx, lk.record.raw));
		else
			printf("%s (%s)\n", word, aa_escz(ctx, lk.reason));
		return code;
	}
	json_start(&j, stdout);
	json_str(&j, "command", "dmarc");
	json_str(&j, "domain", argv[0]);
	json_str(&j, "result", word);
	json_str(&j, "policy", lk.status == AA_PASS ? aa_dmarc_policy_name(lk.effective) : NULL);
	json_str(&j, "policy_domain", lk.status == AA_PASS ? lk.record.domain : NULL);
	json_str(&j, "org_domain", lk.org_domain);
	json_str(&j, "record", lk.status == AA_PASS ? lk.record.raw : NULL);
	json_str(&j, "reason", lk.reason);
	json_int(&j, "exit", code);
	json_finish(&j);
	return code;
}

static int cmd_orgdomain(const struct tool_out *o, struct aa_ctx *ctx, const struct aa_config *cfg, int argc,
			 char **argv)
{
	int mode = (int)cfg->dmarc_mode;
	const char *org = NULL;
	enum aa_result r;
	struct json j;
	int code;
	char words[64];

	if (argc == 2 && aa_names_parse(&aa_dmarc_mode_names, argv[1], &mode) < 0)
		return tool_fail(o, TOOL_EXIT_USAGE, "orgdomain: unknown mode '%.64s' (modes: %s)", argv[1],
				 aa_names_list(&aa_dmarc_mode_names, ", ", " or ", words, sizeof(words)));
	r = aa_org_domain(ctx, argv[0], (enum aa_dmarc_mode)mode, &org);
	if (r == AA_PERMERROR)
		return tool_fail(o, TOOL_EXIT_USAGE, "orgdomain: '%.255s' is not a domain name (expected a "
				 "host name like mail.example.com)", argv[0]);
	code = r == AA_TEMPERROR ? TOOL_EXIT_TEMP : TOOL_EXIT_OK;
	if (!o->json) {
		printf("%s\n", r == AA_PASS ? aa_escz(ctx, org) : aa_result_name(r));
		return code;
	}
	json_start(&j, stdout);
	json_str(&j, "command", "orgdomain");
	json_str(&j, "domain", argv[0]);
	json_str(&j, "mode", aa_names_name(&aa_dmarc_mode_names, mode, "rfc9989"));
	json_str(&j, "result", aa_result_name(r));
	json_str(&j, "org_domain", r == AA_PASS ? org : NULL);
	json_int(&j, "exit", code);
	json_finish(&j);
	return code;
}

char *tool_read_all(FILE *f, size_t *len_r)
{
	size_t cap = 65536, len = 0, n;
	char *buf = malloc(cap);

	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *grown = cap < MESSAGE_MAX ? realloc(buf, cap * 2) : NULL;

			if (grown == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
	}
	*len_r = len;
	return buf;
}

static void json_verdict(struct json *j, const struct aa_spf_result *mf, const struct aa_spf_result *helo,
			 const struct aa_dkim_result *dkim, const struct aa_from *from,
			 const struct aa_judge_result *jr)
{
	const struct aa_dmarc_result *d = &jr->dmarc;

	json_spf(j, "spf", mf);
	json_spf(j, "spf_helo", helo);
	json_open(j, "dkim", '[');
	for (size_t i = 0; i < dkim->count; i++) {
		const struct aa_dkim_sig *s = &dkim->sigs[i];

		json_open(j, NULL, '{');
		json_str(j, "result", aa_result_name(s->result));
		json_str(j, "domain", s->domain);
		json_str(j, "selector", s->selector);
		json_str(j, "algorithm", s->algorithm);
		json_int(j, "key_bits", s->key_bits);
		json_str(j, "reason", s->reason);
		json_bool(j, "without_libopendkim", s->without_library);
		json_close(j);
	}
	json_close(j);
	json_open(j, "from", '{');
	json_str(j, "status", aa_from_status_name(from->status));
	json_str(j, "domain", from->domain);
	json_str(j, "reason", from->reason);
	json_close(j);
	json_open(j, "dmarc", '{');
	json_str(j, "result", aa_result_name(d->result));
	json_str(j, "policy", aa_dmarc_policy_name(d->policy));
	json_str(j, "published", aa_dmarc_policy_name(d->published));
	json_str(j, "from_domain", d->from_domain);
	json_str(j, "policy_domain", d->policy_domain);
	json_str(j, "org_domain", d->org_domain);
	json_bool(j, "spf_aligned", d->spf_aligned);
	json_bool(j, "dkim_aligned", d->dkim_aligned);
	json_str(j, "reason", d->reason);
	json_close(j);
	json_str(j, "mode", aa_mode_name(jr->policy.mode));
	json_str(j, "authentication_results", jr->authres);
	json_str(j, "action", aa_action_name(jr->action));
	json_str(j, "smtp_text", jr->smtp_text);
	json_str(j, "log", jr->log_line);
}

static int cmd_verify(const struct tool_out *o, struct aa_ctx *ctx, const struct aa_config *cfg, char **argv)
{
	struct aa_spf_result mf, helo;
	struct aa_dkim_result dkim;
	struct aa_from from;
	struct aa_judge_result jr;
	/* Authentication-Results as the plug-in writes it (spf_helo) */
	struct aa_judge_input in = { .cfg = cfg, .spf_mailfrom = &mf, .spf_helo = cfg->spf_helo ? &helo : NULL,
				     .dkim = &dkim, .from = &from, .every_alignment = 1 };
	struct json j;
	size_t len;
	char *msg;
	int code;

	if (!ip_valid(o, argv[0]))
		return TOOL_EXIT_USAGE;
	if ((msg = tool_read_all(stdin, &len)) == NULL)
		return tool_fail(o, TOOL_EXIT_USAGE, "verify: cannot read the message (at most %u MB)",
				 MESSAGE_MAX >> 20);
	in.authserv_id = cfg->authserv_id != NULL ? cfg->authserv_id : "authalign";
	aa_spf_check(ctx, argv[0], argv[1], argv[2], &mf, &helo);	/* shown in JSON either way */
	aa_dkim_verify_message(ctx, msg, len, &dkim);
	aa_from_read_message(ctx, msg, len, &from);
	aa_judge(ctx, &in, &jr);
	free(msg);
	if (jr.dmarc.org_domain == NULL && jr.dmarc.from_domain != NULL)	/* not needed to judge */
		(void)aa_org_domain(ctx, jr.dmarc.from_domain, cfg->dmarc_mode, &jr.dmarc.org_domain);
	code = jr.action == AA_ACTION_DEFER ? TOOL_EXIT_TEMP
	     : jr.action == AA_ACTION_REJECT ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
	if (!o->json) {
		printf("Authentication-Results: %s\n", jr.authres);
		printf("action: %s%s%s\n", aa_action_name(jr.action), jr.smtp_text != NULL ? " " : "",
		       jr.smtp_text != NULL ? jr.smtp_text : "");
		return code;
	}
	json_client(&j, "verify", argv);
	json_verdict(&j, &mf, &helo, &dkim, &from, &jr);
	json_int(&j, "exit", code);
	json_finish(&j);
	return code;
}

/* One candidate the planner judged: a line of words, or an object of the
 * "steps" array. */
static void print_prediction(const struct tool_out *o, struct json *j, struct aa_ctx *ctx,
			     const struct aa_plan_tried *t)
{
	const struct aa_prediction *p = &t->pred;

	if (o->json) {
		json_open(j, NULL, '{');
		json_str(j, "step", t->name);
		json_str(j, "route", p->route != NULL ? p->route->name : NULL);
		json_str(j, "outcome", aa_prediction_outcome(p));
		json_bool(j, "avoided", t->avoided != NULL);
		json_str(j, "lesson", t->avoided);
		json_bool(j, "lessons_ignored", t->lessons_ignored);
		json_str(j, "egress", p->egress);
		json_str(j, "profile", p->profile != NULL ? p->profile->name : NULL);
		json_str(j, "status", p->refused ? p->status : NULL);
		json_str(j, "env_sender", p->env_sender);
		json_str(j, "reason", p->reason);
		json_close(j);
		return;
	}
	printf("%-22s %s", t->name, t->avoided != NULL ? "avoided" : aa_prediction_outcome(p));
	if (p->profile != NULL)
		printf(" profile=%s", aa_escz(ctx, p->profile->name));
	if (p->refused)
		printf(" status=%s", aa_escz(ctx, p->status));
	if (p->egress != NULL)
		printf(" from=%s", aa_escz(ctx, p->egress));
	printf(" env=<%s>", aa_escz(ctx, p->env_sender));
	printf("\n    %s\n", t->avoided != NULL ? t->avoided : aa_escz(ctx, p->reason));
}

static void print_plan(const struct tool_out *o, struct json *j, struct aa_ctx *ctx, const struct aa_plan *plan)
{
	const char *data = plan->route != NULL && plan->route->hosts != NULL ? aa_route_data(ctx, plan->route) : NULL;

	if (o->json) {
		json_open(j, "plan", '{');
		json_str(j, "step", aa_step_name(plan->step));
		json_str(j, "outcome", plan->none_pass ? "refused" : aa_prediction_outcome(&plan->chosen));
		json_bool(j, "none_pass", plan->none_pass);
		json_bool(j, "lessons_ignored", plan->lessons_ignored);
		json_str(j, "route", plan->route != NULL ? plan->route->name : NULL);
		json_str(j, "route_data", data);
		json_str(j, "transport", plan->route != NULL ? plan->route->transport : NULL);
		json_str(j, "sign_domain", plan->sign_domain);
		json_str(j, "dkim_selector", plan->sign_domain != NULL ? plan->dkim_selector : NULL);
		json_str(j, "dkim_key_file", plan->sign_domain != NULL ? plan->dkim_key_file : NULL);
		json_bool(j, "avoided", plan->avoided);
		json_str(j, "return_path", plan->return_path);
		json_bool(j, "temp", plan->temp);
		json_str(j, "smtp_text", plan->smtp_text);
		json_str(j, "log", plan->log_line);
		json_close(j);
		return;
	}
	printf("plan: step=%s route=%s%s%s%s%s%s outcome=%s\n", aa_step_name(plan->step),
	       plan->route != NULL ? aa_escz(ctx, plan->route->name) : "-", data != NULL ? " route_data=" : "",
	       data != NULL ? data : "", plan->sign_domain != NULL ? " sign=" : "",
	       plan->sign_domain != NULL ? aa_escz(ctx, plan->sign_domain) : "", plan->temp ? " temp" : "",
	       plan->none_pass ? "refused" : aa_prediction_outcome(&plan->chosen));
	if (plan->lessons_ignored && !plan->none_pass)
		printf("refused before: the plan takes a step the destination refused (authalign status); "
		       "it will likely be refused again\n");
	if (plan->none_pass && plan->step != AA_STEP_REFUSE)
		printf("nothing passes: the destination would refuse it; outbound_mode %s sends it as it is\n",
		       aa_out_mode_name(plan->mode));
	if (plan->route != NULL)
		printf("transport: %s\n", plan->route->transport != NULL ? aa_escz(ctx, plan->route->transport) :
		       "the one Exim's own router picks (Debian: remote_smtp)");
	if (plan->sign_domain != NULL)
		printf("dkim: d=%s s=%s key=%s\n", aa_escz(ctx, plan->sign_domain), aa_escz(ctx, plan->dkim_selector),
		       aa_escz(ctx, plan->dkim_key_file));
	if (plan->return_path != NULL)
		printf("return_path: %s\n", aa_escz(ctx, plan->return_path));
	if (plan->smtp_text != NULL)
		printf("smtp: 550 %s\n", plan->smtp_text);
	if (plan->log_line != NULL)
		printf("log: %s\n", plan->log_line);
}

static int cmd_predict(const struct tool_out *o, struct aa_ctx *ctx, const struct aa_config *cfg, char **argv)
{
	const struct aa_outbound *ob = &cfg->outbound;
	struct aa_dkim_result dkim;
	struct aa_from from;
	/* what the From domain's owner would get: the tool does not know who submits */
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = argv[0], .from = &from, .dkim = &dkim,
				  .rcpt_domain = argv[1], .submitter = &owner };
	struct aa_out_policy pol;
	struct aa_plan plan;
	struct aa_learned learned;
	char ferr[256];
	struct json j;
	size_t len;
	char *text;
	int code;

	if (ob->direct.egress_ip == NULL)
		return tool_fail(o, TOOL_EXIT_USAGE, "predict needs outbound_egress in the settings (-c CONFIG)");
	if ((text = tool_read_all(stdin, &len)) == NULL)
		return tool_fail(o, TOOL_EXIT_USAGE, "predict: cannot read the message (at most %u MB)",
				 MESSAGE_MAX >> 20);
	aa_dkim_verify_message(ctx, text, len, &dkim);
	aa_from_read_message(ctx, text, len, &from);
	free(text);
	aa_outbound_policy(ob, from.domain, &pol);
	if (o->json) {
		json_start(&j, stdout);
		json_str(&j, "command", "predict");
		json_str(&j, "sender", argv[0]);
		json_str(&j, "rcpt_domain", argv[1]);
		json_str(&j, "from_domain", from.domain);
		json_str(&j, "mode", aa_out_mode_name(pol.mode));
		json_str(&j, "key", pol.matched_key);
	} else {
		printf("from=%s rcpt_domain=%s mode=%s%s%s\n", aa_escz(ctx, from.domain), aa_escz(ctx, argv[1]),
		       aa_out_mode_name(pol.mode), pol.matched_key != NULL ? " key=" : "",
		       pol.matched_key != NULL ? pol.matched_key : "");
	}
	/* what the destinations taught this host counts, as it does in Exim */
	learned.now = time(NULL);
	if (aa_feedback_open(&cfg->feedback, AA_FB_OPEN_READ, &learned.store, ferr, sizeof(ferr)) < 0) {
		fprintf(stderr, "authalign: predict: the feedback store is not read: %s\n", ferr);
		learned.store = NULL;
	}
	msg.learned = &learned;
	msg.want_tried = 1;
	aa_plan_message(ctx, ob, &msg, &plan);
	aa_feedback_close(&learned.store);
	/* off: no plan, but what the destination would conclude all the same */
	if (plan.tried_count == 0) {
		aa_predict(ctx, ob, &msg, &ob->direct, NULL, NULL, &plan.direct);
		plan.chosen = plan.direct;
		plan.none_pass = plan.direct.refused;
		plan.temp = plan.direct.temp;
	}
	/* a plan made again without the lessons takes a step refused before */
	code = plan.temp ? TOOL_EXIT_TEMP : plan.step == AA_STEP_REFUSE || plan.none_pass ||
	       plan.lessons_ignored ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
	if (o->json)
		json_open(&j, "steps", '[');
	if (plan.tried_count == 0) {
		struct aa_plan_tried direct = { .name = "direct", .pred = plan.direct };

		print_prediction(o, &j, ctx, &direct);
	}
	for (size_t i = 0; i < plan.tried_count; i++) {
		if (!o->json && plan.tried[i].lessons_ignored && (i == 0 || !plan.tried[i - 1].lessons_ignored))
			printf("-- no step passes without one the destination refused before: judged again, "
			       "as if nothing was learned --\n");
		print_prediction(o, &j, ctx, &plan.tried[i]);
	}
	if (!o->json && plan.tried_lost > 0)
		printf("(%zu more candidates not shown: the log line has them)\n", plan.tried_lost);
	if (o->json)
		json_close(&j);
	print_plan(o, &j, ctx, &plan);
	if (o->json) {
		json_int(&j, "exit", code);
		json_finish(&j);
	}
	return code;
}

int tool_run(const struct tool_out *o, struct aa_ctx *ctx, const struct aa_config *cfg, int argc, char **argv)
{
	const char *cmd = argv[0];

	argc--;
	argv++;
	if (strcmp(cmd, "spf") == 0)
		return cmd_spf(o, ctx, argv);
	if (strcmp(cmd, "dmarc") == 0)
		return cmd_dmarc(o, ctx, cfg, argv);
	if (strcmp(cmd, "orgdomain") == 0)
		return cmd_orgdomain(o, ctx, cfg, argc, argv);
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(o, ctx, cfg, argv);
	if (strcmp(cmd, "predict") == 0)
		return cmd_predict(o, ctx, cfg, argv);
	return tool_fail(o, TOOL_EXIT_USAGE, "%s: not a command that runs here", cmd);
}
