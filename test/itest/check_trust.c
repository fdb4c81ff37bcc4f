/* check_trust.c - headers only we may write, and the admin's own mail, in the world.
 *
 * Incoming copies of X-AuthAlign-Quarantine and (with received_spf = yes)
 * Received-SPF never reach the mailbox, nor an Authentication-Results that
 * claims our id behind white space a reader trims. Mail from a trusted
 * source (a +relay_from_hosts client such as a web application on
 * 127.0.0.1, an authenticated client, a local command-line submission) is
 * never judged as a stranger's, and the main log says why.
 */
#define _GNU_SOURCE
#include "itest.h"

static void setup(void)
{
	world_require();
	world_dns_heal();
	itest_settings("enforce", NULL);
}

/* A message From from_addr to alice with the given extra header lines. */
static char *message_with(const char *from_addr, const char *extra_headers)
{
	char *from = NULL, *text;

	ck_assert_int_ge(asprintf(&from, "From: <%s>\n", from_addr), 0);
	text = itest_message(from, extra_headers);
	free(from);
	return text;
}

/* Send and wait for the delivered copy (which must be there). */
static char *deliver(struct world_msg *m, struct world_reply *r)
{
	char *copy = NULL;

	world_send(m, r);
	ck_assert_msg(r->code == 250, "expected 250 at the end of DATA, got %d at stage %s: %s",
		      r->code, world_stage_name(r->stage), r->text);
	ck_assert_int_eq(world_mail_wait("alice", r->id, 30, &copy), 0);
	return copy;
}

/* How many header fields of the delivered copy hold needle (the header
 * section only; needle is a marker written into the field). */
static int header_lines_with(const char *copy, const char *needle)
{
	const char *end = strstr(copy, "\n\n"), *p = copy;
	int n = 0;

	if (end == NULL)
		end = copy + strlen(copy);
	while ((p = strstr(p, needle)) != NULL && p < end) {
		n++;
		p += strlen(needle);
	}
	return n;
}

#define assert_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" not in: %s", (needle), (hay))

/* The main log says message id was not judged, and why. */
static void assert_not_judged(const char *id, const char *why)
{
	char *line = NULL;

	ck_assert_int_eq(world_log_wait(id, "not judged as inbound", 10, &line), 0);
	assert_has(line, why);
	free(line);
}

/* ---- 7: headers only we may write ---- */

/* Forged copies, each with its own marker, spelled as Exim and readers take them. */
#define FORGED_QUARANTINE \
	"X-AuthAlign-Quarantine: no (FORGED-Q1)\n" \
	"x-authalign-quarantine \t: no (FORGED-Q2)\n" \
	"X-AuthAlign-Quarantine\v: no (FORGED-Q3)\n"
#define FORGED_RECEIVED_SPF \
	"Received-SPF: pass (FORGED-S1) client-ip=198.51.100.66;\n" \
	"received-spf : pass (FORGED-S2)\n" \
	"Received-SPF\xc2\xa0: pass (FORGED-S3)\n"

START_TEST(forged_quarantine_and_received_spf_headers_never_survive)
{
	struct world_reply r;
	char *text = message_with("alice@aligned.example", FORGED_QUARANTINE FORGED_RECEIVED_SPF);
	struct world_msg m = { .src = world_env("AA_GOOD_IP4"), .mail_from = "alice@aligned.example",
			       .text = text };
	char *copy, *rs, *lines = NULL;

	itest_settings("enforce", "received_spf = yes\n");
	copy = deliver(&m, &r);
	ck_assert_int_eq(header_lines_with(copy, "FORGED-"), 0);
	ck_assert_ptr_null(world_header(copy, "X-AuthAlign-Quarantine", 0));
	rs = world_header(copy, "Received-SPF", 0);
	ck_assert_ptr_nonnull(rs);	/* ours, and only ours */
	assert_has(rs, "pass (" ITEST_AUTHSERV_ID);
	ck_assert_ptr_null(world_header(copy, "Received-SPF", 1));
	ck_assert_int_eq(world_log_wait(r.id, "removed 3 incoming X-AuthAlign-Quarantine", 10, &lines), 0);
	free(lines);
	ck_assert_int_eq(world_log_wait(r.id, "removed 3 incoming Received-SPF", 10, &lines), 0);
	free(lines);
	free(rs);
	free(copy);
	free(text);
}
END_TEST

START_TEST(quarantined_mail_carries_only_our_quarantine_header)
{
	struct world_reply r;
	char *text = message_with("ceo@quarantine.example", FORGED_QUARANTINE);
	struct world_msg m = { .src = world_env("AA_BAD_IP4"), .mail_from = "ceo@quarantine.example",
			       .text = text };
	char *copy, *q;

	copy = deliver(&m, &r);
	ck_assert_int_eq(header_lines_with(copy, "FORGED-"), 0);
	q = world_header(copy, "X-AuthAlign-Quarantine", 0);
	ck_assert_ptr_nonnull(q);
	assert_has(q, "yes");
	ck_assert_ptr_null(world_header(copy, "X-AuthAlign-Quarantine", 1));
	free(q);
	free(copy);
	free(text);
}
END_TEST

/* Authentication-Results claiming our id behind what readers trim. */
static const char *const hidden_id[] = {
	"Authentication-Results:\v" ITEST_AUTHSERV_ID "; dmarc=pass (FORGED-A)\n",
	"Authentication-Results: \f" ITEST_AUTHSERV_ID "; dmarc=pass (FORGED-A)\n",
	"Authentication-Results: \xc2\xa0" ITEST_AUTHSERV_ID "; dmarc=pass (FORGED-A)\n",
	"Authentication-Results: \xc2\x85" ITEST_AUTHSERV_ID "; dmarc=pass (FORGED-A)\n",
	"Authentication-Results: \xe2\x80\x83" ITEST_AUTHSERV_ID "; dmarc=pass (FORGED-A)\n",
	"Authentication-Results: \xe3\x80\x80" ITEST_AUTHSERV_ID "; dmarc=pass (FORGED-A)\n",
	"Authentication-Results :\t\"\xc2\xa0" ITEST_AUTHSERV_ID "\"; dmarc=pass (FORGED-A)\n",
	"AUTHENTICATION-RESULTS\v: " ITEST_AUTHSERV_ID "; dmarc=pass (FORGED-A)\n",
};

START_TEST(authentication_results_with_our_id_behind_unicode_space_never_survive)
{
	struct world_reply r;
	char *text = message_with("carol@none.example", hidden_id[_i]);
	struct world_msg m = { .src = world_env("AA_BAD_IP4"), .mail_from = "carol@none.example",
			       .text = text };
	char *copy, *lines = NULL;

	copy = deliver(&m, &r);
	ck_assert_msg(header_lines_with(copy, "FORGED-A") == 0, "forged field survived: %s", copy);
	ck_assert_int_eq(world_log_wait(r.id, "removed 1 Authentication-Results", 10, &lines), 0);
	free(lines);
	free(copy);
	free(text);
}
END_TEST

/* ---- 8: own mail is not a stranger's ---- */

START_TEST(web_application_on_127_0_0_1_is_not_judged_as_a_stranger)
{
	struct world_reply r;
	char *text = message_with("ceo@reject.example", "");
	struct world_msg m = { .src = "127.0.0.1", .server = "127.0.0.1",
			       .mail_from = "ceo@reject.example", .text = text };
	char *copy;

	copy = deliver(&m, &r);		/* p=reject, no SPF, no DKIM: 550 if judged */
	assert_not_judged(r.id, "127.0.0.1 is in +relay_from_hosts");
	ck_assert_int_eq(header_lines_with(copy, "dmarc="), 0);
	free(copy);
	free(text);
}
END_TEST

START_TEST(authenticated_customer_is_not_judged_as_a_stranger)
{
	struct world_reply r;
	char *text = message_with("ceo@reject.example", "");
	struct world_msg m = { .src = world_env("AA_BAD_IP4"), .auth_user = "customer",
			       .auth_pass = "secret", .mail_from = "ceo@reject.example",
			       .rcpt = "alice@test.example,dmarccheck@test.example", .text = text };
	char *copy;

	/* SPF fails from this address and the domain says p=reject: the RCPT
	 * ACL (dmarccheck) and local_scan would both refuse a stranger */
	copy = deliver(&m, &r);
	assert_not_judged(r.id, "authenticated (plain_login) as customer");
	free(copy);
	ck_assert_msg(world_mail_wait("dmarccheck", r.id, 30, &copy) == 0,
		      "the RCPT ACL refused dmarccheck@ for an authenticated client");
	free(copy);
	free(text);
}
END_TEST

START_TEST(local_command_line_submission_is_not_judged_as_a_stranger)
{
	char *text = message_with("ceo@reject.example", ""), *out = NULL, *copy, *id, *e;
	char path[4096];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/run/trust-local.%d", world_env("AA_WORLD"), (int)getpid());
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	{
		char *argv[] = { "wexim", "-odi", "-v", "-f", "ceo@reject.example", "-t", NULL };
		char exe[4096];

		snprintf(exe, sizeof(exe), "%s/wexim", world_env("AA_WORLD_BIN"));
		argv[0] = exe;
		rc = world_run(argv, path, &out, 60);
	}
	unlink(path);
	ck_assert_msg(rc == 0, "exim -t: %d: %s", rc, out);
	id = strstr(out, "delivering ");
	ck_assert_msg(id != NULL, "no message id in: %s", out);
	id += strlen("delivering ");
	e = strchr(id, '\n');
	if (e != NULL)
		*e = '\0';
	assert_not_judged(id, "local submission");
	ck_assert_int_eq(world_mail_wait("alice", id, 30, &copy), 0);
	free(copy);
	free(out);
	free(text);
}
END_TEST

START_TEST(stranger_from_the_same_domain_is_still_judged)
{
	struct world_reply r;
	char *text = message_with("ceo@reject.example", "");
	struct world_msg m = { .src = world_env("AA_BAD_IP4"), .mail_from = "ceo@reject.example",
			       .text = text };

	world_send(&m, &r);
	ck_assert_int_eq(r.stage, WORLD_DOT);
	ck_assert_int_eq(r.code, 550);
	free(text);
}
END_TEST

Suite *suite_trust(void)
{
	Suite *s = suite_create("trust");
	TCase *tc = tcase_create("trust");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, forged_quarantine_and_received_spf_headers_never_survive);
	tcase_add_test(tc, quarantined_mail_carries_only_our_quarantine_header);
	tcase_add_loop_test(tc, authentication_results_with_our_id_behind_unicode_space_never_survive,
			    0, (int)(sizeof(hidden_id) / sizeof(hidden_id[0])));
	tcase_add_test(tc, web_application_on_127_0_0_1_is_not_judged_as_a_stranger);
	tcase_add_test(tc, authenticated_customer_is_not_judged_as_a_stranger);
	tcase_add_test(tc, local_command_line_submission_is_not_judged_as_a_stranger);
	tcase_add_test(tc, stranger_from_the_same_domain_is_still_judged);
	suite_add_tcase(s, tc);
	return s;
}
