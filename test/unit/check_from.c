/* check_from.c - the author domain from a From field value. */
#include <stdlib.h>
#include "aa_test.h"
#include "aa_dmarc.h"

struct from_case {
	const char *name;
	const char *value;
	size_t len;			/* 0: strlen(value) */
	enum aa_from_status status;
	const char *domain;		/* when OK */
	size_t addresses;
};

#define OK(n, v, d) { n, v, 0, AA_FROM_OK, d, 1 }
#define BAD(n, v, s, c) { n, v, 0, s, NULL, c }

static const struct from_case cases[] = {
	OK("bare addr-spec gives its domain", "u@example.com", "example.com"),
	OK("angle addr gives its domain", "<u@example.com>", "example.com"),
	OK("quoted display name with @ gives the angle-addr domain",
	   "\"a\\\"@evil.example\" <u@good.example>", "good.example"),
	OK("quoted display name with comma is one address", "\"Test, User\" <test@example.com>",
	   "example.com"),
	OK("address-like display name text gives the real address",
	   "\"Johnson, Joe <joe@evil.example>\" joe@joe.com", "joe.com"),
	OK("comment before the address is skipped", "(Joe Johnson) joe@joe.com", "joe.com"),
	OK("comment with an address is skipped", "(a@evil.example) <u@good.example>", "good.example"),
	OK("nested comments with quoted pairs are skipped",
	   "u@(x (y \\) z@evil.example) w)good.example", "good.example"),
	OK("folded value is one address", "Joe\r\n <joe@Joe.COM>\r\n", "joe.com"),
	OK("domain is lower-cased and loses its final dot", "u@EXAMPLE.Com.", "example.com"),
	OK("spaces inside the angle are allowed", " <user@example.com > ", "example.com"),
	OK("encoded-word display name right before the angle",
	   "=?UTF-8?B?QmVkIEJhdGggJiBCZXlvbmQ=?=<BdBth&Byond@example.com>", "example.com"),
	OK("group with one mailbox gives its domain", "team: u@example.com;", "example.com"),
	OK("group without final semicolon is accepted", "Mail From:<joe@joe.com>", "joe.com"),
	OK("quoted local part is fine", "\"a b\"@example.com", "example.com"),
	OK("UTF-8 display name is fine", "J\xc3\xb6rg <j@example.com>", "example.com"),
	BAD("two addresses never pass", "a@example.com, b@example.org", AA_FROM_MULTIPLE_ADDRESSES, 2),
	BAD("two addresses of one domain are still two", "a@example.com,b@example.com",
	    AA_FROM_MULTIPLE_ADDRESSES, 2),
	BAD("group of two is two addresses", "g: a@example.com, b@example.org;",
	    AA_FROM_MULTIPLE_ADDRESSES, 2),
	BAD("display name only is malformed", "\"Test User\"", AA_FROM_MALFORMED, 1),
	BAD("empty value is malformed", "", AA_FROM_MALFORMED, 0),
	BAD("empty group is malformed", "undisclosed-recipients:;", AA_FROM_MALFORMED, 0),
	BAD("no domain is malformed", "user@", AA_FROM_MALFORMED, 1),
	BAD("address literal is malformed", "u@[192.0.2.1]", AA_FROM_MALFORMED, 1),
	BAD("two @ outside quotes is malformed", "a@evil.example b@good.example", AA_FROM_MALFORMED, 1),
	BAD("unterminated quoted string is malformed", "\"abc <u@example.com>", AA_FROM_MALFORMED, 0),
	BAD("unterminated comment is malformed", "(abc <u@example.com>", AA_FROM_MALFORMED, 0),
	BAD("nested angle brackets are malformed", "<<u@example.com>>", AA_FROM_MALFORMED, 0),
	BAD("text after the angle addr is malformed", "<u@example.com> x", AA_FROM_MALFORMED, 1),
	BAD("empty label is malformed", "u@example..com", AA_FROM_MALFORMED, 1),
	BAD("leading hyphen label is malformed", "u@-x.example", AA_FROM_MALFORMED, 1),
	OK("underscore in a DNS name is kept", "u@zero_pct.example", "zero_pct.example"),
	BAD("64-octet label is malformed",
	    "u@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	    AA_FROM_MALFORMED, 1),
	{ "NUL byte is malformed", "u@exa\0mple.com", sizeof("u@exa\0mple.com") - 1,
	  AA_FROM_MALFORMED, NULL, 0 },
	BAD("control byte is malformed", "u@exa\x01mple.com", AA_FROM_MALFORMED, 0),
	BAD("non-ASCII domain is malformed", "u@b\xc3\xbc" "cher.example", AA_FROM_MALFORMED, 1),
	BAD("stray closing parenthesis is malformed", "u@example.com)", AA_FROM_MALFORMED, 0),
	BAD("semicolon outside a group is malformed", "u@example.com;", AA_FROM_MALFORMED, 1),
	BAD("address without a domain next to one with a domain is several addresses",
	    "user1@a.example, user2", AA_FROM_MULTIPLE_ADDRESSES, 2),
	BAD("several addresses without any domain are malformed", "user1, user2@",
	    AA_FROM_MALFORMED, 2),
};

static const struct from_case nul_case = {
	"NUL inside a quoted display name is malformed", "\"a\0b\" <u@example.com>",
	sizeof("\"a\0b\" <u@example.com>") - 1,
	AA_FROM_MALFORMED, NULL, 0,
};

static void check_case(const struct from_case *c)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_from f;
	size_t len = c->len != 0 ? c->len : strlen(c->value);

	ck_assert_int_eq(aa_from_parse(ctx, c->value, len, &f), 0);
	ck_assert_msg(f.status == c->status, "%s: status %s", c->name, aa_from_status_name(f.status));
	ck_assert_msg(f.addresses == c->addresses, "%s: %zu addresses", c->name, f.addresses);
	if (c->domain != NULL) {
		ck_assert_msg(f.domain != NULL && strcmp(f.domain, c->domain) == 0, "%s: domain %s",
			      c->name, f.domain != NULL ? f.domain : "(null)");
		ck_assert_uint_eq(f.domain_count, 1);
		ck_assert_str_eq(f.domains[0], c->domain);
	} else {
		ck_assert_ptr_null(f.domain);
	}
	ck_assert_int_eq(f.truncated, 0);
	aa_ctx_free(&ctx);
}

/* Several From fields, or several addresses: every distinct domain. */
struct fields_case {
	const char *name;
	size_t n;
	const char *values[3];
	enum aa_from_status status;
	const char *domains;		/* expected, in order, joined by ' ' */
	size_t addresses;
};

static const struct fields_case fields_cases[] = {
	{ "no From field gives none", 0, { NULL }, AA_FROM_NONE, "", 0 },
	{ "one field parses as aa_from_parse does", 1, { "U <u@Example.COM>" }, AA_FROM_OK,
	  "example.com", 1 },
	{ "two addresses give both domains in order", 1, { "a@b.example, c@A.example" },
	  AA_FROM_MULTIPLE_ADDRESSES, "b.example a.example", 2 },
	{ "two addresses of one domain give that domain once", 1, { "a@x.example, B@X.example." },
	  AA_FROM_MULTIPLE_ADDRESSES, "x.example", 2 },
	{ "an address without a domain does not hide the other", 1,
	  { "\"Test User\", ceo@bank.example" }, AA_FROM_MULTIPLE_ADDRESSES, "bank.example", 2 },
	{ "an address literal next to a domain keeps the domain", 1,
	  { "ceo@bank.example, u@[192.0.2.1]" }, AA_FROM_MULTIPLE_ADDRESSES, "bank.example", 2 },
	{ "group of two gives both domains", 1, { "g: a@example.com, b@example.org;" },
	  AA_FROM_MULTIPLE_ADDRESSES, "example.com example.org", 2 },
	{ "two From fields give several headers and their union", 2,
	  { "a@x.example", "b@y.example, c@x.example" }, AA_FROM_MULTIPLE_HEADERS,
	  "x.example y.example", 3 },
	{ "two identical From fields are still several headers", 2, { "a@x.example", "a@x.example" },
	  AA_FROM_MULTIPLE_HEADERS, "x.example", 2 },
	{ "a malformed field does not hide the other", 2, { "<<u@x.example>>", "b@y.example" },
	  AA_FROM_MULTIPLE_HEADERS, "y.example", 1 },
	{ "fields without any domain give several headers and no domain", 3,
	  { "user", "\"x\"", "" }, AA_FROM_MULTIPLE_HEADERS, "", 2 },
};

START_TEST(from_fields_table)
{
	const struct fields_case *c = &fields_cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	size_t lens[3];
	struct aa_from f;
	char got[256] = "";

	for (size_t i = 0; i < c->n; i++)
		lens[i] = strlen(c->values[i]);
	ck_assert_int_eq(aa_from_parse_fields(ctx, c->values, lens, c->n, &f), 0);
	for (size_t i = 0; i < f.domain_count; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, f.domains[i]);
	}
	ck_assert_msg(f.status == c->status, "%s: status %s", c->name, aa_from_status_name(f.status));
	ck_assert_msg(strcmp(got, c->domains) == 0, "%s: domains '%s'", c->name, got);
	ck_assert_msg(f.addresses == c->addresses, "%s: %zu addresses", c->name, f.addresses);
	ck_assert_int_eq(f.truncated, 0);
	if (c->status == AA_FROM_OK)
		ck_assert_str_eq(f.domain, c->domains);
	else
		ck_assert_ptr_null(f.domain);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(from_ten_domains_keep_nine_and_say_truncated)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char v[400] = "";
	struct aa_from f;

	for (int i = 0; i < 10; i++)
		sprintf(v + strlen(v), "%su@d%d.example", i > 0 ? ", " : "", i);
	aa_from_parse(ctx, v, strlen(v), &f);
	ck_assert_int_eq(f.status, AA_FROM_MULTIPLE_ADDRESSES);
	ck_assert_uint_eq(f.addresses, 10);
	ck_assert_uint_eq(f.domain_count, AA_FROM_DOMAINS_MAX + 1);
	ck_assert_str_eq(f.domains[8], "d8.example");
	ck_assert_int_eq(f.truncated, 1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(from_address_past_the_cap_says_truncated)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char v[2000] = "";
	struct aa_from f;

	/* the 65th address is never read: the domain list is incomplete */
	for (int i = 0; i < 64; i++)
		strcat(v, "a@b.example,");
	strcat(v, "ceo@bank.example");
	aa_from_parse(ctx, v, strlen(v), &f);
	ck_assert_int_eq(f.status, AA_FROM_MULTIPLE_ADDRESSES);
	ck_assert_uint_eq(f.domain_count, 1);
	ck_assert_int_eq(f.truncated, 1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(from_fields_past_the_cap_say_truncated)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	const char *values[65];
	size_t lens[65];
	struct aa_from f;

	for (int i = 0; i < 65; i++) {
		values[i] = i < 64 ? "a@b.example" : "ceo@bank.example";
		lens[i] = strlen(values[i]);
	}
	aa_from_parse_fields(ctx, values, lens, 65, &f);
	ck_assert_int_eq(f.status, AA_FROM_MULTIPLE_HEADERS);
	ck_assert_uint_eq(f.domain_count, 1);
	ck_assert_int_eq(f.truncated, 1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(from_table)
{
	check_case(&cases[_i]);
}
END_TEST

START_TEST(from_nul_in_display_name_is_malformed)
{
	check_case(&nul_case);
}
END_TEST

START_TEST(from_over_length_cap_is_malformed)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	size_t len = 20000;
	char *v = aa_arena_alloc(ctx->arena, len);
	struct aa_from f;

	memset(v, ' ', len);
	memcpy(v + len - 13, "u@example.com", 13);
	aa_from_parse(ctx, v, len, &f);
	ck_assert_int_eq(f.status, AA_FROM_MALFORMED);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(from_many_addresses_stop_at_the_cap)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char v[8000] = "";
	struct aa_from f;

	for (int i = 0; i < 100; i++)
		strcat(v, "a@b.example,");
	aa_from_parse(ctx, v, strlen(v), &f);
	ck_assert_int_eq(f.status, AA_FROM_MULTIPLE_ADDRESSES);
	ck_assert_uint_le(f.addresses, 64);
	ck_assert_int_eq(f.truncated, 1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(from_deep_comments_are_malformed)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char v[200] = "";
	struct aa_from f;

	for (int i = 0; i < 40; i++)
		strcat(v, "(");
	for (int i = 0; i < 40; i++)
		strcat(v, ")");
	strcat(v, "u@example.com");
	aa_from_parse(ctx, v, strlen(v), &f);
	ck_assert_int_eq(f.status, AA_FROM_MALFORMED);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(from_length_is_respected_without_nul)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_from f;

	/* only the first 13 bytes are the value */
	aa_from_parse(ctx, "u@example.comEVIL, x@evil.example", 13, &f);
	ck_assert_int_eq(f.status, AA_FROM_OK);
	ck_assert_str_eq(f.domain, "example.com");
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_from(void)
{
	Suite *s = suite_create("from");
	TCase *tc = tcase_create("from");

	tcase_add_loop_test(tc, from_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(tc, from_fields_table, 0, sizeof(fields_cases) / sizeof(fields_cases[0]));
	tcase_add_test(tc, from_ten_domains_keep_nine_and_say_truncated);
	tcase_add_test(tc, from_address_past_the_cap_says_truncated);
	tcase_add_test(tc, from_fields_past_the_cap_say_truncated);
	tcase_add_test(tc, from_nul_in_display_name_is_malformed);
	tcase_add_test(tc, from_over_length_cap_is_malformed);
	tcase_add_test(tc, from_many_addresses_stop_at_the_cap);
	tcase_add_test(tc, from_deep_comments_are_malformed);
	tcase_add_test(tc, from_length_is_respected_without_nul);
	suite_add_tcase(s, tc);
	return s;
}
