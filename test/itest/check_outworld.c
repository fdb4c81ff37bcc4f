/* check_outworld.c - the outbound world itself: the sending host
 * (server.hosting.example, 203.0.113.10), the smarthost relay
 * (198.51.100.25) and the strict receiver (192.0.2.50, authalign enforcing
 * with reject_status = 5.7.509), and the baseline of the outbound feature:
 * what the receiver does to the README's matrix when the host sends
 * directly, without authalign's routing.
 *
 * The matrix is read from test/world/README.md (between the
 * outbound-matrix markers), so the table there and this test cannot drift.
 * Needs the plugin (the receiver's verdicts are authalign's).
 */
#define _GNU_SOURCE
#include "outworld.h"

static void setup(void)
{
	world_require();
	world_dns_heal();
	if (strcmp(world_env("AA_PLUGIN"), "1") != 0)
		ck_abort_msg("the world runs without the plugin: the receiver judges nothing");
}

/* ---- the world works ---- */

START_TEST(sender_delivers_aligned_mail_to_the_receiver)
{
	struct world_reply r;
	struct outcome o;
	char *text = message("info@hostspf.example", "user@rfc.example", "aligned, direct");
	char *copy, *ar;

	submit(world_env("AA_SENDER_IP4"), 25, "info@hostspf.example", "user@rfc.example", text, &r);
	outcome_wait(world_env("AA_SENDER_LOG"), r.id, "user@rfc.example", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED, "%s", o.line);
	assert_has(o.line, "R=dnslookup T=remote_smtp H=mx.rfc.example [192.0.2.50]");
	assert_has(o.line, "I=[203.0.113.10]");
	copy = receiver_copy("user@rfc.example", o.next_id);
	ar = receiver_authres(copy);
	assert_has(ar, "spf=pass");
	assert_has(ar, "smtp.mailfrom=info@hostspf.example");
	assert_has(ar, "dmarc=pass");
	assert_has(ar, "header.from=hostspf.example");
	ck_assert_int_eq(world_log_wait_in(world_env("AA_RECEIVER_LOG"), o.next_id, "authalign: receiver.test;",
					   5, NULL), 0);
	free(ar);
	free(copy);
	free(o.line);
	free(text);
}
END_TEST

/* Microsoft 365 names: tenant MX, Outlook.com, Hotmail, and Gmail resolve to the receiver. */
START_TEST(recipient_domains_resolve_their_mx_to_the_receiver)
{
	static const char *const names[] = {
		"tenant.example MX", "tenant-example.mail.protection.outlook.com A",
		"outlook.com MX", "outlook-com.olc.protection.outlook.com A",
		"hotmail.com MX", "gmail.com MX", "gmail-smtp-in.l.google.com AAAA", "rfc.example MX",
	};
	char *out = NULL;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int rc = world_sh(&out, 20, "kdig +timeout=2 +retry=0 +short %s | while read -r h; do"
				  " case $h in *.*.) kdig +timeout=2 +retry=0 +short ${h#* } A ;;"
				  " *) echo $h ;; esac; done", names[i]);

		ck_assert_int_eq(rc, 0);
		ck_assert_msg(strstr(out, "192.0.2.50") != NULL || strstr(out, "2001:db8::50") != NULL,
			      "%s: %s", names[i], out);
		free(out);
	}
}
END_TEST

/* A p=reject failure sent straight to the receiver gets Microsoft's status. */
START_TEST(receiver_rejects_p_reject_failure_with_5_7_509)
{
	const char *src = world_env(_i == 0 ? "AA_BAD_IP4" : "AA_BAD_IP6");
	const char *server = world_env(_i == 0 ? "AA_RECEIVER_IP4" : "AA_RECEIVER_IP6");
	char *text = message("ceo@elsewhere.example", "user@tenant.example", "spoofed");
	struct world_msg m = { .src = src, .server = server, .mail_from = "ceo@elsewhere.example",
			       .rcpt = "user@tenant.example", .text = text };
	struct world_reply r;
	char *line = NULL;

	world_send(&m, &r);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == 550, "%d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	assert_has(r.text, "5.7.509");
	/* this message's verdict line: the spoofing client's address and action=reject */
	ck_assert_int_eq(world_log_wait_in(world_env("AA_RECEIVER_LOG"), "smtp.mailfrom=ceo@elsewhere.example",
					   "action=reject", 5, &line), 0);
	assert_has(line, "dmarc=fail");
	free(line);
	free(text);
}
END_TEST

/* The relay takes mail from the sending host's address, signs for the From
 * domain (s=relay) and delivers by MX from its own address. */
START_TEST(relay_signs_for_the_from_domain_and_delivers)
{
	struct world_reply r;
	struct outcome o;
	char *text = message("info@relayspf.example", "user@tenant.example", "via the relay");
	char *copy, *ar, *sig;

	submit(world_env("AA_RELAY_IP4"), 587, "info@relayspf.example", "user@tenant.example", text, &r);
	outcome_wait(world_env("AA_RELAY_LOG"), r.id, "user@tenant.example", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED, "%s", o.line);
	assert_has(o.line, "H=tenant-example.mail.protection.outlook.com [192.0.2.50]");
	assert_has(o.line, "I=[198.51.100.25]");
	copy = receiver_copy("user@tenant.example", o.next_id);
	sig = world_header(copy, "DKIM-Signature", 0);
	ck_assert_msg(sig != NULL, "not signed:\n%s", copy);
	assert_has(sig, "d=relayspf.example");
	assert_has(sig, "s=relay");
	ar = receiver_authres(copy);
	assert_has(ar, "dkim=pass");
	assert_has(ar, "header.d=relayspf.example");
	assert_has(ar, "spf=pass");
	assert_has(ar, "dmarc=pass");
	free(ar);
	free(sig);
	free(copy);
	free(o.line);
	free(text);
}
END_TEST

START_TEST(relay_refuses_other_clients)
{
	struct world_msg m = { .src = world_env("AA_BAD_IP4"), .server = world_env("AA_RELAY_IP4"),
			       .port = 587, .mail_from = "info@relayspf.example", .rcpt = "user@tenant.example" };
	struct world_reply r;

	world_send(&m, &r);
	ck_assert_msg(r.stage == WORLD_RCPT && r.code == 550, "%d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	assert_has(r.text, "relay not permitted");
}
END_TEST

/* Port 587 of the sending host: relay only after AUTH (or from itself). */
START_TEST(sender_relays_for_authenticated_users_only)
{
	char *text = message("info@hostspf.example", "user@gmail.com", "authenticated submission");
	struct world_msg m = { .src = world_env("AA_BAD_IP4"), .server = world_env("AA_SENDER_IP4"),
			       .port = 587, .mail_from = "info@hostspf.example", .rcpt = "user@gmail.com",
			       .text = text };
	struct world_reply r;
	struct outcome o;

	world_send(&m, &r);
	ck_assert_msg(r.stage == WORLD_RCPT && r.code == 550, "unauthenticated: %d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	m.auth_user = world_env("AA_SENDER_USER");
	m.auth_pass = "wrong";
	world_send(&m, &r);
	ck_assert_msg(r.stage == WORLD_AUTH && r.code == 535, "wrong password: %d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	m.auth_pass = world_env("AA_SENDER_PASSWORD");
	world_send(&m, &r);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == 250, "authenticated: %d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	outcome_wait(world_env("AA_SENDER_LOG"), r.id, "user@gmail.com", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED, "%s", o.line);
	assert_has(o.line, "I=[203.0.113.10]");
	free(o.line);
	free(text);
}
END_TEST

/* System mail (exim -t as root): direct it passes; forced through the relay
 * (SENDER_VIA_RELAY) hosting.example's p=reject bounces it, and the relay's
 * bounce comes back to the host's own Maildir. */
START_TEST(local_submission_goes_direct_or_via_relay)
{
	const char *via = _i == 0 ? "" : "-D SENDER_VIA_RELAY=1";
	char *out = NULL, id[64];
	struct outcome o;
	int rc, before = sender_mail_count("server.hosting.example");

	rc = world_sh(&out, 90, "printf 'From: root@server.hosting.example\\nTo: user@rfc.example\\n"
		      "Subject: Cron <root@server> run-parts\\n\\nall done\\n' | wsend-local %s", via);
	ck_assert_msg(rc == 0, "wsend-local: %d: %s", rc, out);
	snprintf(id, sizeof(id), "%.*s", (int)strcspn(out, "\n"), out);
	free(out);
	outcome_wait(world_env("AA_SENDER_LOG"), id, "user@rfc.example", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED, "%s", o.line);
	if (_i == 0) {
		assert_has(o.line, "R=dnslookup T=remote_smtp H=mx.rfc.example");
		free(receiver_copy("user@rfc.example", o.next_id));
	} else {
		struct outcome relayed;

		assert_has(o.line, "R=smarthost_relay T=remote_smtp_relay H=198.51.100.25 [198.51.100.25]:587");
		outcome_wait(world_env("AA_RELAY_LOG"), o.next_id, "user@rfc.example", &relayed);
		ck_assert_msg(relayed.fate == FATE_BOUNCED, "%s", relayed.line);
		assert_has(relayed.line, "5.7.509");
		for (int i = 0; i < OUTCOME_SECONDS * 20 && sender_mail_count("server.hosting.example") == before; i++)
			world_sleep_ms(50);
		ck_assert_int_eq(sender_mail_count("server.hosting.example"), before + 1);
		free(relayed.line);
	}
	free(o.line);
}
END_TEST

/* ---- the matrix of test/world/README.md ---- */

/* The baseline: without authalign on the sending host, the would-bounce
 * messages bounce. */
START_TEST(baseline_matrix_direct_bounces_as_the_readme_says)
{
	int n, bounced = matrix_run(0, &n);

	printf("baseline: %d of %d messages bounce without authalign\n", bounced, n);
	fflush(stdout);
}
END_TEST

START_TEST(matrix_via_relay_is_judged_as_the_readme_says)
{
	int n, bounced = matrix_run(1, &n);

	printf("outworld: via the relay, %d of %d messages bounce\n", bounced, n);
	fflush(stdout);
}
END_TEST

Suite *suite_outworld(void)
{
	Suite *s = suite_create("outworld");
	TCase *tc = tcase_create("outworld");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, recipient_domains_resolve_their_mx_to_the_receiver);
	tcase_add_test(tc, sender_delivers_aligned_mail_to_the_receiver);
	tcase_add_loop_test(tc, receiver_rejects_p_reject_failure_with_5_7_509, 0, 2);
	tcase_add_test(tc, relay_signs_for_the_from_domain_and_delivers);
	tcase_add_test(tc, relay_refuses_other_clients);
	tcase_add_test(tc, sender_relays_for_authenticated_users_only);
	tcase_add_loop_test(tc, local_submission_goes_direct_or_via_relay, 0, 2);
	suite_add_tcase(s, tc);

	TCase *matrix = tcase_create("matrix");

	tcase_add_checked_fixture(matrix, setup, NULL);
	tcase_set_timeout(matrix, 180);
	tcase_add_test(matrix, baseline_matrix_direct_bounces_as_the_readme_says);
	tcase_add_test(matrix, matrix_via_relay_is_judged_as_the_readme_says);
	suite_add_tcase(s, matrix);
	return s;
}
