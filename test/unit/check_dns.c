/* check_dns.c - the fixed zone, caching, name checks and status mapping. */
#include <stdlib.h>
#include "aa_test.h"

static const char *const zone[] = {
	"a.example A 192.0.2.1",
	"a.example A 192.0.2.2",
	"a.example TXT \"v=spf1 \" \"-all\"",
	"a.example MX 10 mx.a.example.",
	"nul.example TXT \"x\\000y\"",
	"broken.example ANY SERVFAIL",
	"half.example TXT TIMEOUT",
	"half.example A 198.51.100.7",
	"\\065\\066.example MX 5 m\\032x.example.",
	NULL,
};

START_TEST(dns_zone_concatenates_txt_chunks)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, "A.Example.", AA_DNS_TXT);

	ck_assert_int_eq(a->status, AA_DNS_OK);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_str_eq(a->rr[0].text, "v=spf1 -all");
	ck_assert_uint_eq(a->rr[0].chunks, 2);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_txt_keeps_nul_bytes_with_length)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, "nul.example", AA_DNS_TXT);

	ck_assert_int_eq(a->status, AA_DNS_OK);
	ck_assert_uint_eq(a->rr[0].text_len, 3);
	ck_assert_int_eq(memcmp(a->rr[0].text, "x\0y", 3), 0);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_missing_name_is_nxdomain_missing_type_is_nodata)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);

	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "nothere.example", AA_DNS_A)->status, AA_DNS_NXDOMAIN);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_AAAA)->status, AA_DNS_NODATA);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_servfail_and_timeout_are_temporary)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);

	ck_assert(aa_dns_is_temp(aa_dns_lookup(ctx->dns, "broken.example", AA_DNS_TXT)->status));
	ck_assert(aa_dns_is_temp(aa_dns_lookup(ctx->dns, "half.example", AA_DNS_TXT)->status));
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "half.example", AA_DNS_A)->status, AA_DNS_OK);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_same_question_is_asked_once_per_message)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);

	aa_dns_lookup(ctx->dns, "a.example", AA_DNS_A);
	aa_dns_lookup(ctx->dns, "A.EXAMPLE", AA_DNS_A);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 1);
	aa_ctx_end_message(ctx);
	aa_dns_lookup(ctx->dns, "a.example", AA_DNS_A);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 2);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_bad_names_are_never_asked)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	char longname[300];

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a..example", AA_DNS_A)->status, AA_DNS_BADNAME);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a b.example", AA_DNS_A)->status, AA_DNS_BADNAME);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "\xc3\xa9.example", AA_DNS_A)->status, AA_DNS_BADNAME);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, longname, AA_DNS_A)->status, AA_DNS_BADNAME);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "", AA_DNS_A)->status, AA_DNS_BADNAME);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 0);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_zone_names_take_decimal_escapes)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, "ab.example", AA_DNS_MX);

	ck_assert_int_eq(a->status, AA_DNS_OK);
	ck_assert_str_eq(a->rr[0].text, "m x.example");
	ck_assert_uint_eq(a->rr[0].text_len, 11);
	aa_ctx_free(&ctx);
}
END_TEST

/* Zone lines whose name field is refused: an escaped dot or NUL, a value
 * over 255, a '\' not followed by three digits or a '\'. */
static const char *const bad_zone_names[] = {
	"a\\046b.example A 192.0.2.1",
	"a\\000b.example A 192.0.2.1",
	"a\\256b.example A 192.0.2.1",
	"a\\32b.example A 192.0.2.1",
	"a\\xb.example A 192.0.2.1",
	"a.example\\ A 192.0.2.1",
	"x.example MX 10 m\\046x.example",
};

START_TEST(dns_bad_zone_name_escape_is_refused)
{
	struct aa_dns *dns = aa_dns_new_zone();

	ck_assert_msg(aa_dns_zone_add_line(dns, bad_zone_names[_i]) == -1, "accepted: %s",
		      bad_zone_names[_i]);
	aa_dns_free(&dns);
}
END_TEST

START_TEST(dns_malformed_zone_line_is_refused)
{
	struct aa_dns *dns = aa_dns_new_zone();

	ck_assert_int_eq(aa_dns_zone_add_line(dns, "x.example A not-an-address"), -1);
	ck_assert_int_eq(aa_dns_zone_add_line(dns, "x.example BOGUS 1"), -1);
	ck_assert_int_eq(aa_dns_zone_add_line(dns, "x.example TXT \"unterminated"), -1);
	ck_assert_int_eq(aa_dns_zone_add_line(dns, "x.example MX 70000 mx.example"), -1);
	ck_assert_int_eq(aa_dns_zone_add_line(dns, "# a comment"), 0);
	aa_dns_free(&dns);
	ck_assert_ptr_null(dns);
}
END_TEST

Suite *suite_dns(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("zone");

	tcase_add_test(tc, dns_zone_concatenates_txt_chunks);
	tcase_add_test(tc, dns_txt_keeps_nul_bytes_with_length);
	tcase_add_test(tc, dns_missing_name_is_nxdomain_missing_type_is_nodata);
	tcase_add_test(tc, dns_servfail_and_timeout_are_temporary);
	tcase_add_test(tc, dns_same_question_is_asked_once_per_message);
	tcase_add_test(tc, dns_bad_names_are_never_asked);
	tcase_add_test(tc, dns_zone_names_take_decimal_escapes);
	tcase_add_loop_test(tc, dns_bad_zone_name_escape_is_refused, 0,
			    sizeof(bad_zone_names) / sizeof(bad_zone_names[0]));
	tcase_add_test(tc, dns_malformed_zone_line_is_refused);
	suite_add_tcase(s, tc);
	return s;
}
