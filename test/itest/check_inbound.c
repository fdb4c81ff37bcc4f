/* check_inbound.c - the inbound acceptance cases against the real Exim + Knot world.
 *
 * Runs inside test/world/in-world: a real Exim daemon with build/authalign.so
 * loaded through local_scan_path, Knot serving the test zones, and SMTP from
 * documentation-range source addresses. Each test writes the plugin's
 * settings it needs (the plugin re-reads them when they change).
 */
#define _GNU_SOURCE
#include "itest.h"

#define AUTHSERV_ID ITEST_AUTHSERV_ID

static void setup(void)
{
	world_require();
	world_dns_heal();
	itest_settings("enforce", NULL);
}

/* A message text with the given From header line(s) and extra headers. */
static char *message(const char *from_lines, const char *extra_headers)
{
	return itest_message(from_lines, extra_headers);
}

/* Send; returns the reply. The delivered copy, when wanted, in *copy_r. */
static void send_msg(const char *src, const char *mail_from, const char *text,
		     const char *dkim_domain, struct world_reply *r, char **copy_r)
{
	struct world_msg m = {
		.src = src, .mail_from = mail_from, .text = text,
		.dkim_domain = dkim_domain, .rcpt = "alice@test.example",
	};

	world_send(&m, r);
	if (copy_r != NULL) {
		*copy_r = NULL;
		ck_assert_msg(r->code == 250, "expected 250 at the end of DATA, got %d at stage %s: %s",
			      r->code, world_stage_name(r->stage), r->text);
		ck_assert_int_eq(world_mail_wait("alice", r->id, 30, copy_r), 0);
	}
}

/* Our Authentication-Results (the only one claiming our id, which must exist). */
static char *our_authres(const char *copy)
{
	char *ours = NULL;

	for (int n = 0;; n++) {
		char *v = world_header(copy, "Authentication-Results", n);

		if (v == NULL)
			break;
		if (strncasecmp(v, AUTHSERV_ID, strlen(AUTHSERV_ID)) == 0) {
			ck_assert_msg(ours == NULL, "two Authentication-Results claim our id:\n%s\n%s", ours, v);
			ours = v;
		} else {
			free(v);
		}
	}
	ck_assert_msg(ours != NULL, "no Authentication-Results from us in:\n%s", copy);
	return ours;
}

#define assert_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" not in: %s", (needle), (hay))
#define assert_lacks(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) == NULL, "\"%s\" unexpectedly in: %s", (needle), (hay))

START_TEST(aligned_mail_passes_spf_dkim_and_dmarc)
{
	const char *keys[] = { "rsa", "ed" };
	struct world_reply r;
	char *copy, *ar, *text = message("From: Alice <alice@aligned.example>\n", NULL);
	struct world_msg m = { .src = world_env("AA_GOOD_IP4"), .mail_from = "alice@aligned.example",
			       .text = text, .dkim_domain = "aligned.example", .dkim_key = keys[_i] };

	world_send(&m, &r);
	ck_assert_msg(r.code == 250, "got %d at %s: %s", r.code, world_stage_name(r.stage), r.text);
	ck_assert_int_eq(world_mail_wait("alice", r.id, 30, &copy), 0);
	ar = our_authres(copy);
	assert_has(ar, "spf=pass");
	assert_has(ar, "smtp.mailfrom=alice@aligned.example");
	assert_has(ar, "dkim=pass");
	assert_has(ar, "header.d=aligned.example");
	assert_has(ar, _i == 0 ? "header.a=rsa-sha256" : "header.a=ed25519-sha256");
	assert_has(ar, "dmarc=pass");
	assert_has(ar, "header.from=aligned.example");
	free(ar);
	free(copy);
	free(text);
}
END_TEST

START_TEST(spoofed_reject_domain_gets_550_at_data_in_enforce_mode)
{
	struct world_reply r;
	char *text = message("From: CEO <ceo@reject.example>\n", NULL);
	int before = world_mail_count("alice");

	send_msg(world_env("AA_BAD_IP4"), "ceo@reject.example", text, NULL, &r, NULL);
	ck_assert_int_eq(r.stage, WORLD_DOT);
	ck_assert_int_eq(r.code, 550);
	assert_has(r.text, "5.7.1");
	assert_has(r.text, "reject.example");
	ck_assert_int_eq(world_mail_count("alice"), before);
	free(text);
}
END_TEST

START_TEST(spoofed_reject_domain_is_delivered_with_dmarc_fail_in_monitor_mode)
{
	struct world_reply r;
	char *copy, *ar, *lines = NULL, *text = message("From: CEO <ceo@reject.example>\n", NULL);

	itest_settings("monitor", NULL);
	send_msg(world_env("AA_BAD_IP4"), "ceo@reject.example", text, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "spf=fail");
	assert_has(ar, "dmarc=fail");
	assert_has(ar, "header.from=reject.example");
	ck_assert_int_eq(world_log_wait(r.id, "authalign:", 10, &lines), 0);
	assert_has(lines, "dmarc=fail");
	assert_has(lines, "mode=monitor action=accept");
	free(lines);
	free(ar);
	free(copy);
	free(text);
}
END_TEST

/* DNS broken for the SPF zone, the DMARC zone, or the whole server: 451,
 * never 5xx; when DNS recovers the same message is accepted. */
static const struct {
	const char *fault, *zone;
} dns_faults[] = {
	{ "servfail", "flaky.example" },	/* the SPF record (and A/MX) */
	{ "servfail", "_dmarc.flaky.example" },	/* the DMARC record */
	{ "stop", NULL },			/* no answer at all: timeouts */
};

START_TEST(dns_temporary_failure_defers_and_the_retry_is_delivered)
{
	struct world_reply r;
	char *copy, *ar, *text = message("From: <bob@flaky.example>\n", NULL);
	int before = world_mail_count("alice");

	ck_assert_int_eq(world_dns_fault(dns_faults[_i].fault, dns_faults[_i].zone), 0);
	send_msg(world_env("AA_BAD_IP4"), "bob@flaky.example", text, NULL, &r, NULL);
	ck_assert_msg(r.code >= 400 && r.code < 500, "DNS failure gave %d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	ck_assert_int_eq(r.code, 451);
	ck_assert_int_eq(world_mail_count("alice"), before);
	world_dns_heal();

	/* the same message again, now from the authorised host */
	send_msg(world_env("AA_GOOD_IP4"), "bob@flaky.example", text, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dmarc=pass");
	free(ar);
	free(copy);
	free(text);
}
END_TEST

START_TEST(forged_authentication_results_claiming_our_id_never_survive)
{
	struct world_reply r;
	char *copy, *ar, *other, *text = message(
		"Authentication-Results: mx.test.example; dmarc=pass header.from=none.example\n"
		"From: <carol@none.example>\n",
		"authentication-results: MX.TEST.EXAMPLE (forged);\n"
		"\tspf=pass smtp.mailfrom=none.example; dkim=pass; dmarc=pass\n"
		"Authentication-Results: other.example; dmarc=pass\n");

	send_msg(world_env("AA_BAD_IP4"), "carol@none.example", text, NULL, &r, &copy);
	ar = our_authres(copy);		/* exactly one claims our id */
	assert_has(ar, "dmarc=fail");
	assert_lacks(ar, "forged");
	assert_lacks(copy, "MX.TEST.EXAMPLE");
	other = world_header(copy, "Authentication-Results", 1);
	ck_assert_ptr_nonnull(other);	/* someone else's stays */
	assert_has(copy, "Authentication-Results: other.example; dmarc=pass");
	free(other);
	free(ar);
	free(copy);
	free(text);
}
END_TEST

/* Several authors never pass DMARC, even when each would. */
static const char *const several_from[] = {
	"From: <alice@aligned.example>\nFrom: <bob@aligned.example>\n",
	"From: alice@aligned.example, Bob <bob@aligned.example>\n",
};

START_TEST(several_from_headers_or_addresses_never_pass)
{
	struct world_reply r;
	char *copy, *ar, *text = message(several_from[_i], NULL);

	itest_settings("monitor", NULL);
	send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", text, "aligned.example", &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dkim=pass");
	assert_lacks(ar, "dmarc=pass");
	assert_has(ar, "dmarc=fail");
	free(ar);
	free(copy);

	itest_settings("enforce", NULL);
	send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", text, "aligned.example", &r, NULL);
	ck_assert_int_eq(r.code, 550);
	free(text);
}
END_TEST

START_TEST(strict_dkim_alignment_does_not_accept_a_subdomain_signature)
{
	struct world_reply r;
	char *copy, *ar, *text = message("From: <dave@strict.example>\n", NULL);

	itest_settings("monitor", NULL);
	send_msg(world_env("AA_BAD_IP4"), "dave@strict.example", text, "sub.strict.example", &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dkim=pass");
	assert_has(ar, "header.d=sub.strict.example");
	assert_has(ar, "dmarc=fail");
	free(ar);
	free(copy);

	itest_settings("enforce", NULL);
	send_msg(world_env("AA_BAD_IP4"), "dave@strict.example", text, "sub.strict.example", &r, NULL);
	ck_assert_int_eq(r.code, 550);
	free(text);
}
END_TEST

START_TEST(np_reject_applies_to_a_non_existent_subdomain_only)
{
	struct world_reply r;
	char *copy, *ar;
	char *ghost = message("From: <x@ghost.np.example>\n", NULL);
	char *real = message("From: <x@real.np.example>\n", NULL);

	send_msg(world_env("AA_BAD_IP4"), "x@ghost.np.example", ghost, NULL, &r, NULL);
	ck_assert_int_eq(r.code, 550);
	assert_has(r.text, "ghost.np.example");

	/* an existing subdomain falls under sp=none: delivered, dmarc=fail */
	send_msg(world_env("AA_BAD_IP4"), "x@real.np.example", real, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dmarc=fail");
	free(ar);
	free(copy);
	free(ghost);
	free(real);
}
END_TEST

Suite *suite_inbound(void)
{
	Suite *s = suite_create("inbound");
	TCase *tc = tcase_create("inbound");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, aligned_mail_passes_spf_dkim_and_dmarc, 0, 2);
	tcase_add_test(tc, spoofed_reject_domain_gets_550_at_data_in_enforce_mode);
	tcase_add_test(tc, spoofed_reject_domain_is_delivered_with_dmarc_fail_in_monitor_mode);
	tcase_add_loop_test(tc, dns_temporary_failure_defers_and_the_retry_is_delivered, 0,
			    (int)(sizeof(dns_faults) / sizeof(dns_faults[0])));
	tcase_add_test(tc, forged_authentication_results_claiming_our_id_never_survive);
	tcase_add_loop_test(tc, several_from_headers_or_addresses_never_pass, 0,
			    (int)(sizeof(several_from) / sizeof(several_from[0])));
	tcase_add_test(tc, strict_dkim_alignment_does_not_accept_a_subdomain_signature);
	tcase_add_test(tc, np_reject_applies_to_a_non_existent_subdomain_only);
	suite_add_tcase(s, tc);
	return s;
}
