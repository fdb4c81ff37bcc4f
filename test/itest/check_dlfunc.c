/* check_dlfunc.c - the ${dlfunc} lookups' three outcomes in ${if}, an ACL condition and a router.
 *
 * authalign-dlfunc(3): an answer, "" for no record, and a failed expansion
 * for a DNS temporary failure (so an ACL defers and a router defers), never
 * a forced failure that a deny would turn into a 5xx.
 */
#define _GNU_SOURCE
#include "itest.h"

static void setup(void)
{
	world_require();
	world_dns_heal();
	itest_settings("enforce", NULL);
}

/* Expand one string with the world's Exim (-be); the output in *out_r,
 * Exim's exit status returned. */
static int expand(char **out_r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int expand(char **out_r, const char *fmt, ...)
{
	char *str = NULL, *quoted, *q;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&str, fmt, ap), 0);
	va_end(ap);
	/* single-quote for the shell */
	quoted = malloc(strlen(str) * 4 + 3);
	q = quoted;
	*q++ = '\'';
	for (const char *p = str; *p != '\0'; p++) {
		if (*p == '\'') {
			memcpy(q, "'\\''", 4);
			q += 4;
		} else {
			*q++ = *p;
		}
	}
	*q++ = '\'';
	*q = '\0';
	rc = world_sh(out_r, 30, "wexim -be %s", quoted);
	free(quoted);
	free(str);
	return rc;
}

#define SO world_env("AA_SO")

struct if_case {
	const char *name;
	const char *expr;	/* %1$s is the plugin path */
	const char *expect;	/* the output, or a substring of the failure */
	int fails;		/* the expansion must fail */
};

static const struct if_case if_cases[] = {
	{ "policy of a p=reject domain", "[${dlfunc{%1$s}{authalign_dmarc_policy}{reject.example}}]",
	  "[reject]", 0 },
	{ "policy of a domain without a record is empty",
	  "[${dlfunc{%1$s}{authalign_dmarc_policy}{nodmarc.example}}]", "[]", 0 },
	{ "np= applies to a non-existent subdomain",
	  "${dlfunc{%1$s}{authalign_dmarc_policy}{ghost.np.example}}", "reject", 0 },
	{ "no record tests as empty in ${if}",
	  "${if eq{${dlfunc{%1$s}{authalign_dmarc_record}{nodmarc.example}}}{}{no record}{record}}",
	  "no record", 0 },
	{ "the record text", "${dlfunc{%1$s}{authalign_dmarc_record}{quarantine.example}}",
	  "v=DMARC1", 0 },
	{ "organizational domain by the tree walk",
	  "${dlfunc{%1$s}{authalign_org_domain}{a.b.aligned.example}}", "aligned.example", 0 },
	{ "organizational domain by the PSL",
	  "${dlfunc{%1$s}{authalign_org_domain}{a.b.aligned.example}{rfc7489}}", "aligned.example", 0 },
	{ "SPF pass for the authorised address",
	  "${dlfunc{%1$s}{authalign_spf}{203.0.113.5}{mail.aligned.example}{x@aligned.example}}", "pass", 0 },
	{ "SPF fail for another address",
	  "${dlfunc{%1$s}{authalign_spf}{198.51.100.66}{mail.aligned.example}{x@aligned.example}}", "fail", 0 },
	{ "a loopback client is never an SPF pass",
	  "${dlfunc{%1$s}{authalign_spf}{127.0.0.1}{localhost}{x@aligned.example}}", "none", 0 },
	{ "wrong arguments fail the expansion",
	  "${dlfunc{%1$s}{authalign_dmarc_policy}}", "usage", 1 },
};

START_TEST(dlfunc_in_if_expansions)
{
	const struct if_case *c = &if_cases[_i];
	char expr[1024], *out = NULL;
	int rc;

	snprintf(expr, sizeof(expr), c->expr, SO);
	rc = expand(&out, "%s", expr);
	/* exim -be exits 0 either way; a failed expansion prints "Failed: " */
	ck_assert_msg(rc == 0, "%s: exim -be could not run (%d): %s", c->name, rc, out);
	if (c->fails)
		ck_assert_msg(strstr(out, "Failed: ") != NULL, "%s: expansion succeeded: %s", c->name, out);
	else
		ck_assert_msg(strstr(out, "Failed: ") == NULL, "%s: expansion failed: %s", c->name, out);
	ck_assert_msg(strstr(out, c->expect) != NULL, "%s: \"%s\" not in \"%s\"", c->name, c->expect, out);
	free(out);
}
END_TEST

START_TEST(dlfunc_dns_temporary_failure_fails_the_expansion_not_forced)
{
	char *out = NULL;

	ck_assert_int_eq(world_dns_fault("servfail", "_dmarc.flaky.example"), 0);
	ck_assert_int_eq(expand(&out, "${dlfunc{%s}{authalign_dmarc_policy}{flaky.example}}", SO), 0);
	ck_assert_msg(strstr(out, "Failed: authalign: temperror") != NULL, "%s", out);
	free(out);
	/* not a forced failure: ${if} has no else branch to take, the whole string fails */
	ck_assert_int_eq(expand(&out, "${if eq{${dlfunc{%s}{authalign_dmarc_policy}{flaky.example}}}{reject}{R}{N}}", SO), 0);
	ck_assert_msg(strstr(out, "Failed: authalign: temperror") != NULL, "%s", out);
	free(out);
	/* an SPF record SERVFAIL is the word temperror, an answer */
	ck_assert_int_eq(world_dns_fault("servfail", "flaky.example"), 0);
	ck_assert_int_eq(expand(&out, "${dlfunc{%s}{authalign_spf}{198.51.100.66}{h.example}{x@flaky.example}}", SO), 0);
	ck_assert_msg(strstr(out, "temperror") != NULL && strstr(out, "Failed") == NULL, "%s", out);
	free(out);
}
END_TEST

static int rcpt_to(const char *src, const char *mail_from, const char *rcpt, struct world_reply *r)
{
	struct world_msg m = { .src = src, .mail_from = mail_from, .rcpt = rcpt };

	return world_send(&m, r);
}

START_TEST(dlfunc_in_an_acl_condition_rejects_defers_or_accepts)
{
	struct world_reply r;

	/* SPF fail + p=reject: the deny rejects at RCPT */
	rcpt_to(world_env("AA_BAD_IP4"), "x@reject.example", "dmarccheck@test.example", &r);
	ck_assert_int_eq(r.stage, WORLD_RCPT);
	ck_assert_int_eq(r.code, 550);
	ck_assert_msg(strstr(r.text, "publishes p=reject") != NULL, "%s", r.text);

	/* SPF fail + p=none: the deny does not apply, the message is accepted */
	rcpt_to(world_env("AA_BAD_IP4"), "x@none.example", "dmarccheck@test.example", &r);
	ck_assert_msg(r.code == 250 && r.stage == WORLD_DOT, "%d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);

	/* the policy lookup fails temporarily: the deny defers, never 5xx */
	ck_assert_int_eq(world_dns_fault("servfail", "_dmarc.flaky.example"), 0);
	rcpt_to(world_env("AA_BAD_IP4"), "x@flaky.example", "dmarccheck@test.example", &r);
	ck_assert_int_eq(r.stage, WORLD_RCPT);
	ck_assert_msg(r.code == 451, "DNS failure in a deny condition gave %d: %s", r.code, r.text);
}
END_TEST

START_TEST(dlfunc_in_a_router_routes_and_defers_on_dns_failure)
{
	struct world_reply r;
	char *copy = NULL, *out = NULL;

	itest_settings("off", NULL);	/* let reception through; the router decides */

	/* p=reject sender: redirected to alice */
	rcpt_to(world_env("AA_GOOD_IP4"), "x@reject.example", "routecheck@test.example", &r);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(world_mail_wait("alice", r.id, 30, &copy), 0);
	free(copy);

	/* p=none sender: the router declines, routecheck's own mailbox */
	rcpt_to(world_env("AA_GOOD_IP4"), "x@none.example", "routecheck@test.example", &r);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(world_mail_wait("routecheck", r.id, 30, &copy), 0);
	free(copy);

	/* DNS fails while routing: the router defers, the message waits */
	ck_assert_int_eq(world_dns_fault("servfail", "_dmarc.flaky.example"), 0);
	rcpt_to(world_env("AA_GOOD_IP4"), "x@flaky.example", "routecheck@test.example", &r);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(world_log_wait(r.id, "==", 30, &out), 0);	/* "==" is Exim's defer line */
	ck_assert_msg(strstr(out, "temperror") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(world_mail_count("routecheck"), 1);
	ck_assert_int_eq(world_sh(&out, 30, "wexim -bp"), 0);
	ck_assert_msg(strstr(out, r.id) != NULL, "the deferred message is not in the queue: %s", out);
	free(out);

	/* DNS back: a queue run delivers it where the policy says */
	world_dns_heal();
	ck_assert_int_eq(world_queue_run(), 0);
	ck_assert_int_eq(world_mail_wait("alice", r.id, 30, &copy), 0);
	free(copy);
}
END_TEST

Suite *suite_dlfunc(void)
{
	Suite *s = suite_create("dlfunc");
	TCase *tc = tcase_create("dlfunc");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, dlfunc_in_if_expansions, 0, (int)(sizeof(if_cases) / sizeof(if_cases[0])));
	tcase_add_test(tc, dlfunc_dns_temporary_failure_fails_the_expansion_not_forced);
	tcase_add_test(tc, dlfunc_in_an_acl_condition_rejects_defers_or_accepts);
	tcase_add_test(tc, dlfunc_in_a_router_routes_and_defers_on_dns_failure);
	suite_add_tcase(s, tc);
	return s;
}
