/* check_judge.c - from results to action: only definite failures reject, temp failures defer. */
#include <stdlib.h>
#include <unistd.h>
#include "aa_judge.h"
#include "aa_test.h"
#include "../../core/dkim/dkim_int.h"

/* rows leave the trailing fields of judge_case out: NULL, 0 */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const char *const zone[] = {
	"reject.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"_dmarc.reject.example TXT \"v=DMARC1; p=reject\"",
	"quar.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"_dmarc.quar.example TXT \"v=DMARC1; p=quarantine\"",
	"none.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"_dmarc.none.example TXT \"v=DMARC1; p=none\"",
	"flaky.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"_dmarc.flaky.example TXT SERVFAIL",
	"flakynone.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"_dmarc.flakynone.example TXT \"v=DMARC1; p=none\"",
	"nodmarc.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"_dmarc.partner.example TXT \"v=DMARC1; p=reject\"",
	NULL,
};

struct judge_case {
	const char *name;
	const char *from;		/* header value; NULL: no From */
	const char *ip;
	const char *mail_from;
	enum aa_mode mode;
	enum aa_quarantine quarantine;
	enum aa_dmarc_policy forced;
	enum aa_action action;
	const char *text;		/* substring of smtp_text, or NULL */
	const char *from2;		/* a second From field, or NULL */
	enum aa_unreadable unreadable;	/* from_unreadable */
	size_t fail_after;		/* 0: memory enough; else allocations before none is left */
};

#define ENF AA_MODE_ENFORCE
#define MON AA_MODE_MONITOR
#define HDR AA_QUARANTINE_HEADER
#define FRZ AA_QUARANTINE_FREEZE
#define PUB AA_POLICY_UNSPEC

static const struct judge_case cases[] = {
	{ "aligned SPF pass is accepted", "a@reject.example", "203.0.113.5", "a@reject.example",
	  ENF, HDR, PUB, AA_ACTION_ACCEPT, NULL },
	{ "spoofed p=reject is rejected with 5.7.1 naming the domain", "a@reject.example",
	  "198.51.100.66", "x@evil.example", ENF, HDR, PUB, AA_ACTION_REJECT, "5.7.1 Message rejected: the From domain reject.example" },
	{ "spoofed p=reject in monitor mode is accepted", "a@reject.example", "198.51.100.66",
	  "x@evil.example", MON, HDR, PUB, AA_ACTION_ACCEPT, NULL },
	{ "p=quarantine failure adds the header", "a@quar.example", "198.51.100.66", "x@evil.example",
	  ENF, HDR, PUB, AA_ACTION_QUARANTINE_HEADER, NULL },
	{ "p=quarantine failure freezes when asked", "a@quar.example", "198.51.100.66", "x@evil.example",
	  ENF, FRZ, PUB, AA_ACTION_FREEZE, NULL },
	{ "p=none failure is accepted", "a@none.example", "198.51.100.66", "x@evil.example",
	  ENF, HDR, PUB, AA_ACTION_ACCEPT, NULL },
	{ "forced reject applies to a p=none failure", "a@none.example", "198.51.100.66",
	  "x@evil.example", ENF, HDR, AA_POLICY_REJECT, AA_ACTION_REJECT, "5.7.1" },
	{ "DMARC record SERVFAIL defers with 4.7.5, never 5xx", "a@flaky.example", "198.51.100.66",
	  "x@evil.example", ENF, HDR, PUB, AA_ACTION_DEFER, "4.7.5 Temporary DNS failure" },
	{ "DMARC record SERVFAIL in monitor mode is accepted", "a@flaky.example", "198.51.100.66",
	  "x@evil.example", MON, HDR, PUB, AA_ACTION_ACCEPT, NULL },
	{ "no DMARC record is accepted", "a@nodmarc.example", "198.51.100.66", "x@evil.example",
	  ENF, HDR, PUB, AA_ACTION_ACCEPT, NULL },
	{ "malformed From is rejected in enforce mode", "ceo@reject.example;", "198.51.100.66",
	  "x@evil.example", ENF, HDR, PUB, AA_ACTION_REJECT, "cannot be parsed" },
	{ "malformed From is accepted in monitor mode", "ceo@reject.example;", "198.51.100.66",
	  "x@evil.example", MON, HDR, PUB, AA_ACTION_ACCEPT, NULL },
	{ "an unterminated quote cannot hide the domain", "\"ceo <ceo@reject.example>", "198.51.100.66",
	  "x@evil.example", ENF, HDR, PUB, AA_ACTION_REJECT, "cannot be parsed" },
	{ "a From without any address is rejected", "\"Test User\"", "198.51.100.66",
	  "x@evil.example", ENF, HDR, PUB, AA_ACTION_REJECT, "5.7.1 Message rejected: a From address without a domain" },
	{ "no From header is rejected", NULL, "203.0.113.5", "a@reject.example",
	  ENF, HDR, PUB, AA_ACTION_REJECT, "5.7.1 Message rejected: no From field" },
	{ "no From header is accepted in monitor mode", NULL, "203.0.113.5", "a@reject.example",
	  MON, HDR, PUB, AA_ACTION_ACCEPT, NULL },
	{ "two From fields are rejected even when both pass", "a@reject.example", "203.0.113.5",
	  "a@reject.example", ENF, HDR, PUB, AA_ACTION_REJECT, "several From fields",
	  "b@reject.example" },
	{ "two From fields are accepted when softened to monitor and both pass", "a@reject.example",
	  "203.0.113.5", "a@reject.example", ENF, HDR, PUB, AA_ACTION_ACCEPT, NULL,
	  "b@reject.example", AA_UNREADABLE_MONITOR },
	{ "a second From cannot hide a failing p=reject domain when softened", "a@none.example",
	  "198.51.100.66", "x@evil.example", ENF, HDR, PUB, AA_ACTION_REJECT,
	  "the From domain reject.example fails DMARC", "ceo@reject.example", AA_UNREADABLE_MONITOR },
	{ "a broken From cannot hide a failing p=reject domain when softened",
	  "\"ceo <ceo@reject.example>", "198.51.100.66", "x@evil.example", ENF, HDR, PUB,
	  AA_ACTION_REJECT, "reject.example", NULL, AA_UNREADABLE_MONITOR },
	{ "a comment in a broken From cannot hide a failing p=reject domain when softened",
	  "ceo@reject(x).example (", "198.51.100.66", "x@evil.example", ENF, HDR, PUB,
	  AA_ACTION_REJECT, "reject.example", NULL, AA_UNREADABLE_MONITOR },
	{ "a broken From showing a failing p=quarantine domain is quarantined when softened",
	  "ceo@quar.example;", "198.51.100.66", "x@evil.example", ENF, HDR, PUB,
	  AA_ACTION_QUARANTINE_HEADER, NULL, NULL, AA_UNREADABLE_MONITOR },
	{ "more From domains than are judged are rejected even when softened",
	  "a@n1.example, a@n2.example, a@n3.example, a@n4.example, a@n5.example, a@n6.example, "
	  "a@n7.example, a@n8.example, a@reject.example", "203.0.113.5", "a@reject.example", ENF, HDR,
	  PUB, AA_ACTION_REJECT, "more than 8 From domains", NULL, AA_UNREADABLE_MONITOR },
	{ "an empty label is rejected under p=reject", "ceo@.reject.example", "198.51.100.66",
	  "x@evil.example", ENF, HDR, PUB, AA_ACTION_REJECT, "not a valid host name" },
	{ "a fullwidth dot is judged as the ASCII name", "ceo@reject\xef\xbc\x8e" "example",
	  "198.51.100.66", "x@evil.example", ENF, HDR, PUB, AA_ACTION_REJECT,
	  "the From domain reject.example fails DMARC" },
	{ "two authors of one domain with an aligned pass are accepted",
	  "a@reject.example, b@reject.example", "203.0.113.5", "a@reject.example", ENF, HDR, PUB,
	  AA_ACTION_ACCEPT, NULL },
	{ "out of memory reading From defers with 4.3.0", "a@reject.example", "203.0.113.5",
	  "a@reject.example", ENF, HDR, PUB, AA_ACTION_DEFER, "4.3.0", NULL, 0, 1 },
	{ "out of memory reading From defers in monitor mode too", "a@reject.example", "203.0.113.5",
	  "a@reject.example", MON, HDR, PUB, AA_ACTION_DEFER, "4.3.0", NULL, 0, 1 },
	{ "a second From address cannot dodge p=reject", "a@reject.example, b@evil.example",
	  "198.51.100.66", "x@evil.example", ENF, HDR, PUB, AA_ACTION_REJECT, "reject.example" },
	{ "mode off never rejects", "a@reject.example", "198.51.100.66", "x@evil.example",
	  AA_MODE_OFF, HDR, PUB, AA_ACTION_ACCEPT, NULL },
};

START_TEST(judge_table)
{
	const struct judge_case *c = &cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_config *cfg = NULL;
	struct aa_spf_result mf, helo;
	struct aa_dkim_result dkim = { 0 };
	struct aa_from from;
	struct aa_judge_result r;
	struct aa_judge_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &mf,
				     .spf_helo = &helo, .dkim = &dkim, .from = &from };
	char err[128];

	ck_assert_int_eq(aa_config_load(NULL, &cfg, err, sizeof(err)), 0);
	cfg->mode = c->mode;
	cfg->quarantine = c->quarantine;
	cfg->from_unreadable = c->unreadable;
	if (c->forced != PUB) {
		char line[] = "mode=enforce policy=reject";
		/* a one-entry table through the public loader is overkill here */
		(void)line;
	}
	in.cfg = cfg;
	aa_spf_check(ctx, c->ip, "mail.client.example", c->mail_from, &mf, &helo);
	if (c->fail_after != 0)
		aa_arena_fail_after(ctx->arena, c->fail_after - 1, (size_t)-1);
	if (c->from != NULL) {
		const char *values[] = { c->from, c->from2 };
		size_t lens[] = { strlen(c->from), c->from2 != NULL ? strlen(c->from2) : 0 };

		aa_from_parse_fields(ctx, values, lens, c->from2 != NULL ? 2 : 1, &from);
	} else {
		aa_from_parse_fields(ctx, NULL, NULL, 0, &from);
	}
	aa_arena_fail_after(ctx->arena, (size_t)-1, 0);
	ck_assert_int_eq(aa_judge(ctx, &in, &r), 0);
	if (c->forced != PUB) {
		/* forced policy: judge again with the table saying so */
		r.policy.forced = c->forced;
	}
	ck_assert_msg(r.action == c->action || c->forced != PUB, "%s: action %s", c->name,
		      aa_action_name(r.action));
	if (c->text != NULL && c->forced == PUB)
		ck_assert_msg(r.smtp_text != NULL && strstr(r.smtp_text, c->text) != NULL,
			      "%s: text \"%s\"", c->name, r.smtp_text != NULL ? r.smtp_text : "(null)");
	if (r.action == AA_ACTION_DEFER)
		ck_assert_msg(r.smtp_text[0] == '4', "%s: a defer must be 4xx", c->name);
	ck_assert_ptr_nonnull(r.authres);
	ck_assert_ptr_nonnull(r.log_line);
	aa_config_free(&cfg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Out of memory anywhere in the judging: the verdict it would give, or a
 * defer; never an accept in its place, never a reject or a quarantine
 * without its text. */
START_TEST(judge_out_of_memory_defers_never_accepts_or_refuses_without_a_reason)
{
	static const struct { const char *from, *ip, *mail_from; enum aa_action want; } oom[] = {
		{ "a@reject.example", "198.51.100.66", "x@evil.example", AA_ACTION_REJECT },
		{ "a@quar.example", "198.51.100.66", "x@evil.example", AA_ACTION_QUARANTINE_HEADER },
		{ "a@reject.example, b@reject.example", "203.0.113.5", "a@reject.example", AA_ACTION_ACCEPT },
		{ "ceo@.reject.example", "203.0.113.5", "a@reject.example", AA_ACTION_REJECT },
	};
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_config *cfg = NULL;
	char err[128];

	ck_assert_int_eq(aa_config_load(NULL, &cfg, err, sizeof(err)), 0);
	cfg->mode = AA_MODE_ENFORCE;
	for (size_t k = 0; k < 2 * sizeof(oom) / sizeof(oom[0]); k++) {
		size_t c = k / 2, count = k % 2 ? 1 : (size_t)-1;	/* one, or all from n on */

		for (size_t n = 0; n < 300; n++) {
			struct aa_spf_result mf, helo;
			struct aa_dkim_result dkim = { 0 };
			struct aa_from from;
			struct aa_judge_result r;
			struct aa_judge_input in = { .authserv_id = "mx.test.example", .cfg = cfg,
						     .spf_mailfrom = &mf, .spf_helo = &helo,
						     .dkim = &dkim, .from = &from };
			size_t len = strlen(oom[c].from);

			aa_ctx_end_message(ctx);
			aa_spf_check(ctx, oom[c].ip, "mail.client.example", oom[c].mail_from, &mf, &helo);
			aa_arena_fail_after(ctx->arena, n, count);
			aa_from_parse_fields(ctx, &oom[c].from, &len, 1, &from);
			aa_judge(ctx, &in, &r);
			aa_arena_fail_after(ctx->arena, (size_t)-1, 0);
			ck_assert_msg(r.action == oom[c].want || r.action == AA_ACTION_DEFER,
				      "%s, failing after %zu (%zu): %s", oom[c].from, n, count,
				      aa_action_name(r.action));
			if (r.action == AA_ACTION_REJECT || r.action == AA_ACTION_DEFER)
				ck_assert_ptr_nonnull(r.smtp_text);
			if (r.action == AA_ACTION_DEFER)
				ck_assert_msg(r.smtp_text[0] == '4', "%s", r.smtp_text);
			if (r.action == AA_ACTION_QUARANTINE_HEADER)
				ck_assert_ptr_nonnull(r.quarantine_header);
		}
	}
	aa_config_free(&cfg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Every question takes 600 ms on this clock. */
static uint64_t slow_clock(void *arg)
{
	uint64_t *now = arg;

	return *now += 600;
}

/* SPF asks two questions (MAIL FROM, HELO) in a 1 s budget; the DMARC
 * record is then never asked: temperror, 451, and both texts say why. */
START_TEST(judge_defers_when_the_dns_time_budget_ran_out)
{
	uint64_t now = 0;
	struct aa_ctx *ctx = aa_test_ctx_budget(zone, 1000, slow_clock, &now);
	struct aa_config *cfg = NULL;
	struct aa_spf_result mf, helo;
	struct aa_dkim_result dkim = { 0 };
	const char *values[] = { "a@reject.example" };
	size_t lens[] = { strlen(values[0]) };
	struct aa_from from;
	struct aa_judge_result r;
	struct aa_judge_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &mf,
				     .spf_helo = &helo, .dkim = &dkim, .from = &from };
	char err[128];

	ck_assert_int_eq(aa_config_load(NULL, &cfg, err, sizeof(err)), 0);
	cfg->mode = AA_MODE_ENFORCE;
	in.cfg = cfg;
	aa_spf_check(ctx, "198.51.100.66", "mail.client.example", "x@reject.example", &mf, &helo);
	aa_from_parse_fields(ctx, values, lens, 1, &from);
	ck_assert_int_eq(aa_judge(ctx, &in, &r), 0);
	ck_assert_int_eq(aa_dns_budget_exhausted(ctx->dns), 1);
	ck_assert_int_eq(r.dmarc.result, AA_TEMPERROR);
	ck_assert_int_eq(r.action, AA_ACTION_DEFER);
	ck_assert_msg(strstr(r.smtp_text, "4.7.5 ") == r.smtp_text && strstr(r.smtp_text, "DNS time budget ran out"),
		      "text: %s", r.smtp_text);
	ck_assert_msg(strstr(r.log_line, "DNS time budget ran out") != NULL, "log: %s", r.log_line);
	aa_config_free(&cfg);
	aa_ctx_free(&ctx);
}
END_TEST

/* DKIM that could not run (verifier did not start, no memory, library
 * error): the missing result may have been the aligned pass, so a DMARC
 * fail becomes a defer, never a reject; a pass from SPF still wins. */
static const struct {
	const char *name;
	const char *from;
	const char *ip;
	enum aa_action action;
} dkim_down[] = {
	{ "spoofed p=reject defers", "a@reject.example", "198.51.100.66", AA_ACTION_DEFER },
	{ "spoofed p=quarantine defers", "a@quar.example", "198.51.100.66", AA_ACTION_DEFER },
	{ "aligned SPF pass is accepted", "a@reject.example", "203.0.113.5", AA_ACTION_ACCEPT },
	{ "no DMARC record is accepted", "a@nodmarc.example", "198.51.100.66", AA_ACTION_ACCEPT },
};

START_TEST(judge_dkim_that_could_not_run_defers_never_rejects)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_config *cfg = NULL;
	struct aa_spf_result mf, helo;
	struct aa_dkim_result dkim = { .incomplete = 1 };
	struct aa_from from;
	struct aa_judge_result r;
	struct aa_judge_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &mf,
				     .spf_helo = &helo, .dkim = &dkim, .from = &from };
	const char *values[] = { dkim_down[_i].from };
	size_t lens[] = { strlen(dkim_down[_i].from) };
	char err[128];

	ck_assert_int_eq(aa_config_load(NULL, &cfg, err, sizeof(err)), 0);
	cfg->mode = AA_MODE_ENFORCE;
	in.cfg = cfg;
	aa_spf_check(ctx, dkim_down[_i].ip, "mail.client.example", dkim_down[_i].from, &mf, &helo);
	aa_from_parse_fields(ctx, values, lens, 1, &from);
	ck_assert_int_eq(aa_judge(ctx, &in, &r), 0);
	ck_assert_msg(r.action == dkim_down[_i].action, "%s: action %s", dkim_down[_i].name,
		      aa_action_name(r.action));
	if (r.action == AA_ACTION_DEFER)
		ck_assert_msg(strncmp(r.smtp_text, "4.3.0 ", 6) == 0 &&
			      strstr(r.smtp_text, "DKIM verification could not run") != NULL,
			      "%s: %s", dkim_down[_i].name, r.smtp_text);
	ck_assert_msg(strstr(r.authres, "dkim=temperror") != NULL, "%s: %s", dkim_down[_i].name, r.authres);
	ck_assert_ptr_null(strstr(r.authres, "dkim=none"));
	aa_config_free(&cfg);
	aa_ctx_free(&ctx);
}
END_TEST


/* Several From domains: the table entry of another author (a partner
 * the admin monitors or forces to p=none) never softens the judging of
 * a p=reject domain named next to it; the strictest mode applies. A From
 * that names only the softened domain keeps its entry. */
static const struct {
	const char *entry;	/* domains_file line */
	const char *from;
	const char *settings;	/* more settings, or NULL */
	enum aa_action action;
} co_author[] = {
	{ "partner.example: mode=monitor\n", "a@partner.example, b@reject.example", NULL,
	  AA_ACTION_REJECT },
	{ "partner.example: mode=off\n", "a@partner.example, b@reject.example", NULL,
	  AA_ACTION_REJECT },
	{ "partner.example: policy=none\n", "a@partner.example, b@reject.example", NULL,
	  AA_ACTION_REJECT },
	{ "partner.example: mode=monitor\n", "b@reject.example, a@partner.example", NULL,
	  AA_ACTION_REJECT },
	{ "partner.example: policy=none\n", "a@partner.example, b@reject.example;",
	  "from_unreadable = monitor\n", AA_ACTION_REJECT },
	{ "partner.example: policy=none\n", "a@partner.example", NULL, AA_ACTION_ACCEPT },
	{ "reject.example: policy=quarantine\n", "ceo@reject.example;",
	  "from_unreadable = monitor\n", AA_ACTION_QUARANTINE_HEADER },
};

START_TEST(judge_a_table_entry_softens_only_its_own_domain)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_config *cfg = NULL;
	struct aa_spf_result mf, helo;
	struct aa_dkim_result dkim = { 0 };
	struct aa_from from;
	struct aa_judge_result r;
	struct aa_judge_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &mf,
				     .spf_helo = &helo, .dkim = &dkim, .from = &from };
	char domains[] = "/tmp/aa-judge-XXXXXX", settings[] = "/tmp/aa-judge-XXXXXX";
	int fd = mkstemp(domains), fs = mkstemp(settings);
	size_t len = strlen(co_author[_i].from);
	char err[256];

	ck_assert_int_ge(fd, 0);
	ck_assert_int_ge(fs, 0);
	ck_assert_int_gt(dprintf(fd, "%s", co_author[_i].entry), 0);
	ck_assert_int_gt(dprintf(fs, "mode = enforce\ndomains_file = %s\n%s", domains,
			       co_author[_i].settings != NULL ? co_author[_i].settings : ""), 0);
	close(fd);
	close(fs);
	ck_assert_msg(aa_config_load(settings, &cfg, err, sizeof(err)) == 0, "%s", err);
	in.cfg = cfg;
	aa_spf_check(ctx, "198.51.100.66", "mail.client.example", "x@evil.example", &mf, &helo);
	aa_from_parse_fields(ctx, &co_author[_i].from, &len, 1, &from);
	ck_assert_int_eq(aa_judge(ctx, &in, &r), 0);
	ck_assert_msg(r.action == co_author[_i].action, "%s / %s: action %s (%s)", co_author[_i].entry,
		      co_author[_i].from, aa_action_name(r.action), r.log_line);
	aa_config_free(&cfg);
	unlink(domains);
	unlink(settings);
	aa_ctx_free(&ctx);
}
END_TEST

/* The message the Exim daemon judges before it forks passes under each
 * DMARC mode: its signatures, keys and records are still good, and it
 * takes both DKIM paths (the library's, and the one without it). */
START_TEST(judge_rehearsal_of_the_built_in_message_passes)
{
	struct aa_config *cfg = NULL;
	const char *why = NULL;
	char err[128];
	unsigned long own = aa_dkim_own_decided();

	ck_assert_int_eq(aa_config_load(NULL, &cfg, err, sizeof(err)), 0);
	cfg->dmarc_mode = _i ? AA_DMARC_RFC7489 : AA_DMARC_RFC9989;
	ck_assert_msg(aa_judge_rehearse(cfg, getenv("AA_TEST_PSL_FILE"), &why) == 0, "%s", why);
	ck_assert_uint_eq(aa_dkim_own_decided(), own + 1);
	ck_assert_uint_eq(aa_dkim_verify_open_count(), 0);
	aa_config_free(&cfg);
}
END_TEST

Suite *suite_judge(void)
{
	Suite *s = suite_create("judge");
	TCase *tc = tcase_create("judge");

	tcase_add_loop_test(tc, judge_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, judge_out_of_memory_defers_never_accepts_or_refuses_without_a_reason);
	tcase_add_test(tc, judge_defers_when_the_dns_time_budget_ran_out);
	tcase_add_loop_test(tc, judge_rehearsal_of_the_built_in_message_passes, 0, 2);
	tcase_add_loop_test(tc, judge_dkim_that_could_not_run_defers_never_rejects, 0,
			    (int)(sizeof(dkim_down) / sizeof(dkim_down[0])));
	tcase_add_loop_test(tc, judge_a_table_entry_softens_only_its_own_domain, 0,
			    (int)(sizeof(co_author) / sizeof(co_author[0])));
	suite_add_tcase(s, tc);
	return s;
}
