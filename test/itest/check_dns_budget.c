/* check_dns_budget.c - a slow nameserver cannot hold an SMTP transaction.
 *
 * slow.example's SPF record asks 111 questions (ten MX mechanisms of ten
 * names each), and the world's slow-dns answers each just under the
 * per-query timeout (dns-fault slow 800, dns_timeout 1s): without a
 * total limit one MAIL FROM check would take 90 s, twice in the RCPT ACL
 * (both SPF identities). With dns_budget = 3s every question after the
 * third second is a temperror: the message is deferred with 451 after a
 * few seconds, and the log line says the DNS time budget ran out.
 */
#define _GNU_SOURCE
#include "itest.h"

#define SLOW_MS "800"		/* just under dns_timeout = 1s */
#define BOUND_MS 10000		/* 3 s of budget, one question over it, the rest */

static void setup(void)
{
	world_require();
	world_dns_heal();
	if (strcmp(world_env("AA_PLUGIN"), "1") != 0)
		ck_abort_msg("the world runs without the plugin: nothing to check");
}

START_TEST(slow_dns_gets_451_once_the_dns_time_budget_runs_out)
{
	struct world_msg m = {
		.src = world_env("AA_GOOD_IP4"),
		.helo = "mail.slow.example",
		.mail_from = "x@slow.example",
		.text = "From: <x@slow.example>\nTo: <alice@test.example>\nSubject: slow DNS\n"
			"Message-ID: <budget@slow.example>\n\nEvery answer is late.\n",
		.timeout_s = 120,
	};
	struct world_reply r;
	char *line = NULL;
	long start, took;

	itest_settings("enforce", "dns_budget = 3s\n");
	ck_assert_int_eq(world_dns_fault("slow", SLOW_MS), 0);
	start = world_now_ms();
	world_send(&m, &r);
	took = world_now_ms() - start;
	fprintf(stderr, "dns budget: %d at %s after %ld ms: %s\n", r.code, world_stage_name(r.stage), took, r.text);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == 451, "want 451 at DOT, got %d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	ck_assert_msg(strstr(r.text, "DNS time budget ran out") != NULL, "reply: %s", r.text);
	ck_assert_msg(took < BOUND_MS, "the transaction took %ld ms", took);
	ck_assert_int_eq(world_log_wait("DNS time budget ran out", "header.from=slow.example", 10, &line), 0);
	ck_assert_msg(strstr(line, "action=defer") != NULL, "log: %s", line);
	free(line);
	ck_assert_int_eq(world_log_wait("DNS time budget (3000 ms) ran out during SPF", "x@slow.example", 10, NULL),
			 0);
}
END_TEST

Suite *suite_dns_budget(void)
{
	Suite *s = suite_create("dns_budget");
	TCase *tc = tcase_create("dns_budget");

	tcase_add_checked_fixture(tc, setup, world_dns_heal);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, slow_dns_gets_451_once_the_dns_time_budget_runs_out);
	suite_add_tcase(s, tc);
	return s;
}
