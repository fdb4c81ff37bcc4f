/* check_from.c - the author domain from a From field value. */
#include <stdlib.h>
#include "aa_test.h"
#include "aa_dmarc.h"
#include "aa_header.h"

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
	{ "two addresses of one domain are that one author domain", "a@example.com,b@Example.COM",
	  0, AA_FROM_OK, "example.com", 2 },
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
	BAD("empty label is not a host name", "u@example..com", AA_FROM_BAD_DOMAIN, 1),
	BAD("leading empty label is not a host name", "ceo@.bank.example", AA_FROM_BAD_DOMAIN, 1),
	BAD("two final dots are not a host name", "ceo@bank.example..", AA_FROM_BAD_DOMAIN, 1),
	BAD("leading hyphen label is not a host name", "u@-x.example", AA_FROM_BAD_DOMAIN, 1),
	BAD("a percent sign is not a host name", "u@bank%evil.example", AA_FROM_BAD_DOMAIN, 1),
	BAD("a broken A-label is not a host name", "u@xn--zz.example", AA_FROM_BAD_DOMAIN, 1),
	BAD("two words after the @ are malformed", "u@bank.example evil.example", AA_FROM_MALFORMED, 1),
	OK("underscore in a DNS name is kept", "u@zero_pct.example", "zero_pct.example"),
	BAD("64-octet label is not a host name",
	    "u@aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	    AA_FROM_BAD_DOMAIN, 1),
	{ "NUL byte is malformed", "u@exa\0mple.com", sizeof("u@exa\0mple.com") - 1,
	  AA_FROM_MALFORMED, NULL, 0 },
	BAD("control byte is malformed", "u@exa\x01mple.com", AA_FROM_MALFORMED, 0),
	OK("Unicode domain is judged as its A-labels", "u@B\xc3\xbc" "cher.example",
	   "xn--bcher-kva.example"),
	OK("from with fullwidth dot is judged as the ASCII name", "ceo@victim\xef\xbc\x8etest",
	   "victim.test"),
	OK("ideographic full stop is a dot", "ceo@VICTIM\xe3\x80\x82test", "victim.test"),
	OK("fullwidth letters map to ASCII", "ceo@\xef\xbc\xb6ictim.test", "victim.test"),
	OK("a valid A-label is kept", "u@XN--BCHER-KVA.example", "xn--bcher-kva.example"),
	BAD("a joiner that cannot be mapped is not a host name", "ceo@vic\xe2\x80\x8dtim.test",
	    AA_FROM_BAD_DOMAIN, 1),
	BAD("a fullwidth dot giving an empty label is not a host name",
	    "ceo@\xef\xbc\x8evictim.test", AA_FROM_BAD_DOMAIN, 1),
	BAD("a fullwidth solidus is not a host name", "ceo@victim\xef\xbc\x8ftest",
	    AA_FROM_BAD_DOMAIN, 1),
	BAD("invalid UTF-8 in a domain is not a host name", "ceo@vic\xc3" "Atim.test",
	    AA_FROM_BAD_DOMAIN, 1),
	BAD("stray closing parenthesis is malformed", "u@example.com)", AA_FROM_MALFORMED, 0),
	BAD("semicolon outside a group is malformed", "u@example.com;", AA_FROM_MALFORMED, 1),
	BAD("address without a domain next to one with a domain is malformed",
	    "user1@a.example, user2", AA_FROM_MALFORMED, 2),
	BAD("address literal next to a domain is malformed", "ceo@bank.example, u@[192.0.2.1]",
	    AA_FROM_MALFORMED, 2),
	BAD("a bad domain next to a good one is not a host name", "a@x.example, b@.bank.example",
	    AA_FROM_BAD_DOMAIN, 2),
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
	  AA_FROM_OK, "x.example", 2 },
	{ "an address without a domain is malformed but shows the other", 1,
	  { "\"Test User\", ceo@bank.example" }, AA_FROM_MALFORMED, "bank.example", 2 },
	{ "an address literal next to a domain is malformed but shows the domain", 1,
	  { "ceo@bank.example, u@[192.0.2.1]" }, AA_FROM_MALFORMED, "bank.example", 2 },
	{ "a From that cannot be parsed still shows its domains", 1,
	  { "\"ceo <ceo@Bank.example>, x@victim\xef\xbc\x8etest" }, AA_FROM_MALFORMED,
	  "bank.example victim.test", 0 },
	{ "a broken From cannot hide its domain behind a comment", 1,
	  { "ceo@bank(x).example (unterminated" }, AA_FROM_MALFORMED, "bank.example", 0 },
	{ "a broken From cannot hide its domain behind folding around a dot", 1,
	  { "<ceo@bank\r\n .example" }, AA_FROM_MALFORMED, "bank.example", 0 },
	{ "a word after a broken From's domain does not hide it", 1,
	  { "ceo@ bank.example x <" }, AA_FROM_MALFORMED, "bank.example", 0 },
	{ "group of two gives both domains", 1, { "g: a@example.com, b@example.org;" },
	  AA_FROM_MULTIPLE_ADDRESSES, "example.com example.org", 2 },
	{ "two From fields give several headers and their union", 2,
	  { "a@x.example", "b@y.example, c@x.example" }, AA_FROM_MULTIPLE_HEADERS,
	  "x.example y.example", 3 },
	{ "two identical From fields are still several headers", 2, { "a@x.example", "a@x.example" },
	  AA_FROM_MULTIPLE_HEADERS, "x.example", 2 },
	{ "a malformed field does not hide the other", 2, { "<<u@x.example>>", "b@y.example" },
	  AA_FROM_MULTIPLE_HEADERS, "x.example y.example", 1 },
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
	ck_assert_int_eq(f.status, AA_FROM_TOO_MANY);
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
	ck_assert_int_eq(f.status, AA_FROM_TOO_MANY);
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


/* Whole header blocks: which fields are From fields, as Exim decides
 * (aa_header.h). The Exim adapter and the tool both read them so. */
struct msg_case {
	const char *name;
	const char *msg;
	enum aa_from_status status;
	const char *domains;
};

static const struct msg_case msg_cases[] = {
	{ "plain From is read", "From: a@x.example\nTo: b@y.example\n\nbody\n", AA_FROM_OK, "x.example" },
	{ "space before the colon is still From", "From : a@x.example\n\n", AA_FROM_OK, "x.example" },
	{ "tab before the colon is still From", "FROM\t: a@x.example\n\n", AA_FROM_OK, "x.example" },
	{ "folding before the colon is still From", "From\n\t: a@x.example\n\n", AA_FROM_OK,
	  "x.example" },
	{ "vertical tab before the colon is still From", "from\v: a@x.example\n\n", AA_FROM_OK,
	  "x.example" },
	{ "From : next to From: is two From fields", "From: a@x.example\nFrom : ceo@bank.example\n\n",
	  AA_FROM_MULTIPLE_HEADERS, "x.example bank.example" },
	{ "Resent-From alone is no From", "Resent-From: a@x.example\n\n", AA_FROM_NONE, "" },
	{ "Sender alone is no From", "Sender: a@x.example\n\n", AA_FROM_NONE, "" },
	{ "a longer name is not From", "From-X: a@x.example\nFromage: b@y.example\n\n", AA_FROM_NONE, "" },
	{ "a line without a colon ends the header block", "X-Broken line\nFrom: a@x.example\n\n",
	  AA_FROM_NONE, "" },
	{ "a first line starting with white space ends the header block",
	  " From: a@x.example\n\n", AA_FROM_NONE, "" },
	{ "a From in the body is not read", "From: a@x.example\n\nFrom: ceo@bank.example\n",
	  AA_FROM_OK, "x.example" },
	{ "a CRLF header block is read", "From: a@x.example\r\nTo: b@y.example\r\n\r\nbody\r\n",
	  AA_FROM_OK, "x.example" },
	{ "mixed line ends each end a line",
	  "To: t@y.example\r\nSubject: s\nFrom: ceo@bank.example\r\n\r\n", AA_FROM_OK,
	  "bank.example" },
	{ "a header without a body is read", "From: a@x.example", AA_FROM_OK, "x.example" },
	{ "an empty message has no From", "", AA_FROM_NONE, "" },
};

static void join_domains(const struct aa_from *f, char *got, size_t size)
{
	got[0] = '\0';
	for (size_t i = 0; i < f->domain_count; i++) {
		if (i > 0)
			strncat(got, " ", size - strlen(got) - 1);
		strncat(got, f->domains[i], size - strlen(got) - 1);
	}
}

START_TEST(from_message_table)
{
	const struct msg_case *c = &msg_cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_header_cursor cur;
	const char *fields[16];
	size_t lens[16], n = 0;
	struct aa_from f, g;
	char got[256], got2[256];

	ck_assert_int_eq(aa_from_read_message(ctx, c->msg, strlen(c->msg), &f), 0);
	join_domains(&f, got, sizeof(got));
	ck_assert_msg(f.status == c->status, "%s: status %s", c->name, aa_from_status_name(f.status));
	ck_assert_msg(strcmp(got, c->domains) == 0, "%s: domains '%s'", c->name, got);
	/* the Exim adapter's path: the same fields, handed over one by one */
	aa_header_start(&cur, c->msg, strlen(c->msg));
	while (n < 16 && aa_header_next(&cur, &fields[n], &lens[n]))
		n++;
	ck_assert_int_eq(aa_from_read_fields(ctx, fields, lens, n, &g), 0);
	join_domains(&g, got2, sizeof(got2));
	ck_assert_msg(g.status == f.status && strcmp(got, got2) == 0, "%s: fields read differently",
		      c->name);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(from_legally_folded_over_16k_is_malformed)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	size_t cap = 20 * 1024, len = 0;
	char *v = aa_arena_alloc(ctx->arena, cap);
	struct aa_from f;

	/* display words on folded lines of 900 bytes: legal RFC 5322 */
	while (len < 17 * 1024) {
		v[len++] = '\n';
		v[len++] = '\t';
		memset(v + len, 'a', 900);
		len += 900;
	}
	memcpy(v + len, " <ceo@bank.example>", 19);
	len += 19;
	ck_assert_int_eq(aa_from_parse(ctx, v, len, &f), 0);
	ck_assert_int_eq(f.status, AA_FROM_MALFORMED);
	ck_assert_msg(strstr(f.reason, "16384") != NULL, "%s", f.reason);
	ck_assert_uint_eq(f.domain_count, 1);	/* still shows the domain */
	ck_assert_str_eq(f.domains[0], "bank.example");
	aa_ctx_free(&ctx);
}
END_TEST

/* Out of memory at every allocation: NOMEM (temperror), never another
 * status, never "invalid domain". */
static const char *const oom_values[] = {
	"Bank <ceo@bank.example>",
	"ceo@victim\xef\xbc\x8etest",
	"a@x.example, b@y.example",
	"\"ceo <ceo@bank.example>",
};

START_TEST(from_out_of_memory_is_never_a_verdict)
{
	const char *v = oom_values[_i];
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_from want, f;
	int failed = 0;

	ck_assert_int_eq(aa_from_parse(ctx, v, strlen(v), &want), 0);
	for (size_t n = 0; n < 64; n++) {
		aa_arena_fail_after(ctx->arena, n, (size_t)-1);
		if (aa_from_parse(ctx, v, strlen(v), &f) < 0) {
			ck_assert_msg(f.status == AA_FROM_NOMEM, "%s, failing after %zu: status %s", v, n,
				      aa_from_status_name(f.status));
			failed++;
			continue;
		}
		ck_assert_msg(f.status == want.status, "%s, failing after %zu: status %s", v, n,
			      aa_from_status_name(f.status));
		ck_assert_uint_eq(f.domain_count, want.domain_count);
	}
	ck_assert_int_gt(failed, 0);
	aa_arena_fail_after(ctx->arena, (size_t)-1, 0);
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
	ck_assert_int_eq(f.status, AA_FROM_TOO_MANY);
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
	tcase_add_loop_test(tc, from_message_table, 0, sizeof(msg_cases) / sizeof(msg_cases[0]));
	tcase_add_test(tc, from_legally_folded_over_16k_is_malformed);
	tcase_add_loop_test(tc, from_out_of_memory_is_never_a_verdict, 0,
			    sizeof(oom_values) / sizeof(oom_values[0]));
	suite_add_tcase(s, tc);
	return s;
}
