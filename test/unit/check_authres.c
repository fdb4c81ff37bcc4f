/* check_authres.c - our Authentication-Results, and which incoming ones claim our id. */
#include "aa_authres.h"
#include "aa_test.h"

struct ours_case {
	const char *field;
	int ours;
};

static const struct ours_case ours_cases[] = {
	{ "Authentication-Results: mx.test.example; dmarc=pass\n", 1 },
	{ "authentication-results: MX.Test.Example; dmarc=pass\n", 1 },
	{ "AUTHENTICATION-RESULTS:mx.test.example;dmarc=pass", 1 },
	{ "Authentication-Results : mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: (comment) mx.test.example; spf=pass", 1 },
	{ "Authentication-Results: (nested (comment)) mx.test.example 1; spf=pass", 1 },
	{ "Authentication-Results:\n\tmx.test.example;\n\tdmarc=pass", 1 },
	{ "Authentication-Results: \"mx.test.example\"; dmarc=pass", 1 },
	{ "Authentication-Results: mx.test.example", 1 },
	{ "Authentication-Results: (unclosed mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: other.example; dmarc=pass", 0 },
	{ "Authentication-Results: mx.test.example.evil; dmarc=pass", 0 },
	{ "Authentication-Results: evil-mx.test.example; dmarc=pass", 0 },
	{ "Authentication-Results-Original: mx.test.example; dmarc=pass", 0 },
	{ "X-Authentication-Results: mx.test.example; dmarc=pass", 0 },
	{ "Received: from mx.test.example", 0 },
	{ "Authentication-Results: ; dmarc=pass", 0 },
};

START_TEST(authres_recognises_fields_claiming_our_id)
{
	const struct ours_case *c = &ours_cases[_i];

	ck_assert_msg(aa_authres_is_ours(c->field, strlen(c->field), "mx.test.example") == c->ours,
		      "%s", c->field);
}
END_TEST

START_TEST(authres_length_is_respected)
{
	const char *f = "Authentication-Results: mx.test.example; dmarc=pass";

	/* cut inside the id: "mx.test.ex" is not ours */
	ck_assert_int_eq(aa_authres_is_ours(f, strlen("Authentication-Results: mx.test.ex"), "mx.test.example"), 0);
}
END_TEST

START_TEST(authres_builds_all_three_methods)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_spf_result spf = { .result = AA_PASS, .identity = "mailfrom", .domain = "a.example",
				     .sender = "bob@a.example" };
	struct aa_dkim_sig sig = { .result = AA_PASS, .domain = "a.example", .selector = "s1",
				   .algorithm = "rsa-sha256", .b_prefix = "AbCdEf12" };
	struct aa_dkim_result dkim = { .count = 1, .sigs = &sig };
	struct aa_dmarc_result dmarc = { .result = AA_PASS, .published = AA_POLICY_REJECT,
					 .from_domain = "a.example" };
	struct aa_authres_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &spf,
				       .dkim = &dkim, .dmarc = &dmarc };
	const char *v = aa_authres_build(ctx, &in);

	ck_assert_str_eq(v, "mx.test.example;\n\tspf=pass smtp.mailfrom=bob@a.example;\n\t"
			    "dkim=pass header.d=a.example header.s=s1 header.a=rsa-sha256 header.b=AbCdEf12;\n\t"
			    "dmarc=pass (p=reject dis=none) header.from=a.example");
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(authres_null_sender_reports_the_helo_check_once)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_spf_result helo = { .result = AA_NONE, .identity = "helo", .domain = "h.example",
				      .sender = "postmaster@h.example" };
	struct aa_spf_result mf = helo;	/* what aa_spf_check gives for MAIL FROM:<> */
	struct aa_authres_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &mf,
				       .spf_helo = &helo };

	ck_assert_str_eq(aa_authres_build(ctx, &in), "mx.test.example;\n\tspf=none smtp.helo=h.example");
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(authres_reports_mailfrom_and_helo_checks)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_spf_result helo = { .result = AA_PASS, .identity = "helo", .domain = "h.example",
				      .sender = "postmaster@h.example" };
	struct aa_spf_result mf = { .result = AA_FAIL, .identity = "mailfrom", .domain = "a.example",
				    .sender = "bob@a.example" };
	struct aa_authres_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &mf,
				       .spf_helo = &helo };

	ck_assert_str_eq(aa_authres_build(ctx, &in), "mx.test.example;\n\tspf=fail smtp.mailfrom=bob@a.example;"
			 "\n\tspf=pass smtp.helo=h.example");
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(authres_hostile_values_are_quoted_not_injected)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_spf_result spf = { .result = AA_FAIL, .identity = "mailfrom", .domain = "a.example",
				     .sender = "x;dmarc=pass\r\nX-Evil: 1@a.example",
				     .reason = "evil) (comment\n" };
	struct aa_authres_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &spf };
	const char *v = aa_authres_build(ctx, &in);

	ck_assert_ptr_null(strchr(v + strlen("mx.test.example;\n\t"), '\n'));
	ck_assert_ptr_null(strchr(v, '\r'));
	ck_assert_ptr_nonnull(strstr(v, "smtp.mailfrom=\"x;dmarc=pass??X-Evil: 1@a.example\""));
	ck_assert_ptr_nonnull(strstr(v, "(evil? ?comment?)"));
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(authres_value_quotes_quotes_and_backslashes)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	ck_assert_str_eq(aa_authres_value(ctx, "a.example", 9), "a.example");
	ck_assert_str_eq(aa_authres_value(ctx, "a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	ck_assert_str_eq(aa_authres_value(ctx, "", 0), "\"\"");
	ck_assert_str_eq(aa_authres_value(ctx, "x\0y", 3), "\"x?y\"");
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_authres(void)
{
	Suite *s = suite_create("authres");
	TCase *tc = tcase_create("authres");

	tcase_add_loop_test(tc, authres_recognises_fields_claiming_our_id, 0,
			    (int)(sizeof(ours_cases) / sizeof(ours_cases[0])));
	tcase_add_test(tc, authres_length_is_respected);
	tcase_add_test(tc, authres_builds_all_three_methods);
	tcase_add_test(tc, authres_null_sender_reports_the_helo_check_once);
	tcase_add_test(tc, authres_reports_mailfrom_and_helo_checks);
	tcase_add_test(tc, authres_hostile_values_are_quoted_not_injected);
	tcase_add_test(tc, authres_value_quotes_quotes_and_backslashes);
	suite_add_tcase(s, tc);
	return s;
}
