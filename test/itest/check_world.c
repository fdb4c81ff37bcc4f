/* check_world.c - the hermetic world itself: DNS through the bind-mounted
 * resolv.conf, delivery through the Exim daemon, DKIM keys in the zones,
 * and the DNS fault controls. Runs with or without the plugin. */
#include "world.h"

/* kdig through /etc/resolv.conf (no @server): the status it reports. */
static char *dig(const char *name, const char *type, long *ms_r)
{
	char *out = NULL;
	long t0 = world_now_ms();

	world_sh(&out, 20, "kdig +timeout=1 +retry=0 %s %s 2>&1", name, type);
	if (ms_r != NULL)
		*ms_r = world_now_ms() - t0;
	ck_assert_ptr_nonnull(out);
	return out;
}

static void assert_dig_status(const char *name, const char *type, const char *status)
{
	char *out = dig(name, type, NULL);
	char want[64];

	snprintf(want, sizeof(want), "status: %s;", status);
	ck_assert_msg(strstr(out, want) != NULL, "%s %s: want %s, kdig says:\n%s", name, type, status, out);
	free(out);
}

START_TEST(world_resolv_conf_points_at_our_knotd)
{
	char *conf = world_read_file("/etc/resolv.conf");

	ck_assert_ptr_nonnull(conf);
	int servers = 0;

	for (const char *p = conf; (p = strstr(p, "nameserver")) != NULL; p++)
		servers++;
	ck_assert_msg(strncmp(conf, "nameserver 127.0.0.1\n", 21) == 0 && servers == 1,
		      "resolv.conf:\n%s", conf);
	free(conf);
}
END_TEST

START_TEST(world_dns_answers_aligned_spf_txt)
{
	char *out = NULL;
	int rc = world_sh(&out, 20, "kdig +timeout=2 +retry=0 +short aligned.example TXT");

	ck_assert_int_eq(rc, 0);
	ck_assert_msg(strstr(out, "\"v=spf1 ip4:203.0.113.0/24 ip6:2001:db8::5 -all\"") != NULL,
		      "aligned.example TXT:\n%s", out);
	free(out);
	assert_dig_status("_dmarc.reject.example", "TXT", "NOERROR");
	assert_dig_status("ghost.np.example", "A", "NXDOMAIN");
	assert_dig_status("nowhere.invalid", "A", "NXDOMAIN");	/* the root zone answers */
}
END_TEST

START_TEST(world_plain_message_from_authorised_sender_is_delivered)
{
	struct world_msg m = { .src = world_env("AA_GOOD_IP4"), .mail_from = "user@aligned.example" };
	struct world_reply r;
	char *text = NULL, *line = NULL;

	world_send(&m, &r);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == 250, "%s %d %s", world_stage_name(r.stage), r.code, r.text);
	ck_assert_str_ne(r.id, "");
	ck_assert_msg(world_mail_wait("alice", r.id, 15, &text) == 0, "message %s not delivered", r.id);
	ck_assert_ptr_nonnull(strstr(text, "Subject: world test"));
	ck_assert_int_eq(world_log_wait(r.id, "<= user@aligned.example", 5, &line), 0);
	ck_assert_msg(strstr(line, " H=(mail.aligned.example) [203.0.113.5] ") != NULL, "log: %s", line);
	free(line);
	ck_assert_int_eq(world_log_wait(r.id, "Completed", 15, NULL), 0);
	free(text);
}
END_TEST

START_TEST(world_ipv6_message_is_delivered)
{
	struct world_msg m = { .src = world_env("AA_GOOD_IP6"), .server = world_env("AA_MX_IP6"),
			       .rcpt = "bob@test.example" };
	struct world_reply r;
	char *text = NULL, *line = NULL;

	world_send(&m, &r);
	ck_assert_msg(r.code == 250, "%s %d %s", world_stage_name(r.stage), r.code, r.text);
	ck_assert_int_eq(world_mail_wait("bob", r.id, 15, &text), 0);
	ck_assert_int_eq(world_log_wait(r.id, "<= ", 5, &line), 0);
	ck_assert_msg(strstr(line, "[2001:db8::5]") != NULL, "log: %s", line);
	free(line);
	free(text);
}
END_TEST

START_TEST(world_unknown_recipient_ends_at_rcpt_with_550)
{
	struct world_msg m = { .rcpt = "nobody@test.example" };
	struct world_reply r;

	world_send(&m, &r);
	ck_assert_int_eq(r.stage, WORLD_RCPT);
	ck_assert_int_eq(r.code, 550);
	ck_assert_str_eq(r.id, "");
}
END_TEST

/* Both world keys, as published in the zones, verify the signed copies. */
START_TEST(world_dkim_keys_verify_through_our_dns)
{
	static const char *const keys[] = { "rsa", "ed" };
	struct world_msg m = { .dkim_domain = "aligned.example", .dkim_key = keys[_i], .rcpt = "carol@test.example" };
	struct world_reply r;
	char *text = NULL, *sig = NULL, path[4096], *out = NULL;
	FILE *f;

	world_send(&m, &r);
	ck_assert_msg(r.code == 250, "%s %d %s", world_stage_name(r.stage), r.code, r.text);
	ck_assert_int_eq(world_mail_wait("carol", r.id, 15, &text), 0);
	sig = world_header(text, "DKIM-Signature", 0);
	ck_assert_ptr_nonnull(sig);
	ck_assert_msg(strstr(sig, _i == 0 ? "a=rsa-sha256" : "a=ed25519-sha256") != NULL, "%s", sig);
	snprintf(path, sizeof(path), "%s/run/verify.eml", world_env("AA_WORLD"));
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(world_sh(&out, 30, "dkimverify < %s", path), 0);
	ck_assert_msg(strstr(out, "signature ok") != NULL, "dkimverify: %s", out);
	free(out);
	free(sig);
	free(text);
}
END_TEST

START_TEST(world_servfail_switch_breaks_one_zone_and_restore_mends_it)
{
	ck_assert_int_eq(world_dns_fault("servfail", "flaky.example"), 0);
	assert_dig_status("flaky.example", "TXT", "SERVFAIL");
	assert_dig_status("rsa._domainkey.flaky.example", "TXT", "SERVFAIL");
	assert_dig_status("_dmarc.flaky.example", "TXT", "NOERROR");	/* its own zone */
	assert_dig_status("aligned.example", "TXT", "NOERROR");
	ck_assert_int_eq(world_dns_fault("restore", "flaky.example"), 0);
	assert_dig_status("flaky.example", "TXT", "NOERROR");
	char *out = dig("flaky.example", "TXT", NULL);
	ck_assert_msg(strstr(out, "v=spf1") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(world_stopped_dns_times_out_and_cont_answers_again)
{
	long ms;
	char *out;

	ck_assert_int_eq(world_dns_fault("stop", NULL), 0);
	out = dig("aligned.example", "TXT", &ms);
	ck_assert_msg(strstr(out, "status:") == NULL, "a stopped knotd answered:\n%s", out);
	ck_assert_msg(strstr(out, "response timeout") != NULL, "kdig:\n%s", out);
	ck_assert_msg(ms < 5000, "kdig +timeout=1 took %ld ms", ms);
	free(out);
	ck_assert_int_eq(world_dns_fault("cont", NULL), 0);
	assert_dig_status("aligned.example", "TXT", "NOERROR");
}
END_TEST

START_TEST(world_queue_run_finishes)
{
	ck_assert_int_eq(world_queue_run(), 0);
}
END_TEST

Suite *suite_world(void)
{
	Suite *s = suite_create("world");
	TCase *dns = tcase_create("dns");
	TCase *smtp = tcase_create("smtp");
	TCase *faults = tcase_create("faults");

	tcase_add_checked_fixture(dns, world_require, NULL);
	tcase_add_test(dns, world_resolv_conf_points_at_our_knotd);
	tcase_add_test(dns, world_dns_answers_aligned_spf_txt);
	tcase_set_timeout(dns, 60);
	suite_add_tcase(s, dns);

	tcase_add_checked_fixture(smtp, world_require, NULL);
	tcase_add_test(smtp, world_plain_message_from_authorised_sender_is_delivered);
	tcase_add_test(smtp, world_ipv6_message_is_delivered);
	tcase_add_test(smtp, world_unknown_recipient_ends_at_rcpt_with_550);
	tcase_add_loop_test(smtp, world_dkim_keys_verify_through_our_dns, 0, 2);
	tcase_add_test(smtp, world_queue_run_finishes);
	tcase_set_timeout(smtp, 60);
	suite_add_tcase(s, smtp);

	tcase_add_checked_fixture(faults, world_require, NULL);
	tcase_add_checked_fixture(faults, world_dns_heal, NULL);
	tcase_add_unchecked_fixture(faults, NULL, world_dns_heal);
	tcase_add_test(faults, world_servfail_switch_breaks_one_zone_and_restore_mends_it);
	tcase_add_test(faults, world_stopped_dns_times_out_and_cont_answers_again);
	tcase_set_timeout(faults, 90);
	suite_add_tcase(s, faults);
	return s;
}
