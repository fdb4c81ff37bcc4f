/* check_spf.c - SPF through libspf2 and the guard, on fixed zones. */
#include <stdlib.h>
#include "aa_spf.h"
#include "aa_test.h"

#define ZONE_MAX 32

struct spf_case {
	const char *name;		/* the outcome, in words */
	const char *zone[ZONE_MAX];
	const char *ip, *helo, *mail_from;
	enum aa_result want;		/* MAIL FROM result */
	const char *reason;		/* substring of the reason, or NULL */
	const char *explanation;	/* exact, or NULL: none expected */
};

#define V4 "192.0.2.1"

static const struct spf_case cases[] = {
	{ "spf TXT SERVFAIL gives temperror",
	  { "s.example TXT SERVFAIL" }, V4, "h.example", "u@s.example", AA_TEMPERROR, NULL, NULL },
	{ "spf name timing out gives temperror",
	  { "s.example ANY TIMEOUT" }, V4, "h.example", "u@s.example", AA_TEMPERROR, NULL, NULL },
	{ "include that times out gives temperror",
	  { "s.example TXT v=spf1 include:t.example -all", "t.example ANY TIMEOUT" },
	  V4, "h.example", "u@s.example", AA_TEMPERROR, NULL, NULL },
	{ "a lookup SERVFAIL gives temperror",
	  { "s.example TXT v=spf1 a:t.example -all", "t.example A SERVFAIL" },
	  V4, "h.example", "u@s.example", AA_TEMPERROR, NULL, NULL },
	{ "no record gives none",
	  { "s.example A 192.0.2.9" }, V4, "h.example", "u@s.example", AA_NONE, NULL, NULL },
	{ "missing domain gives none",
	  { NULL }, V4, "h.example", "u@s.example", AA_NONE, NULL, NULL },
	{ "loopback client is never a pass",
	  { "s.example TXT v=spf1 +all" }, "127.0.0.1", "h.example", "u@s.example", AA_NONE,
	  "loopback client not evaluated", NULL },
	{ "any 127/8 client is not evaluated",
	  { "s.example TXT v=spf1 +all" }, "127.3.2.1", "h.example", "u@s.example", AA_NONE,
	  "loopback client not evaluated", NULL },
	{ "ipv6 loopback client is not evaluated",
	  { "s.example TXT v=spf1 +all" }, "::1", "h.example", "u@s.example", AA_NONE,
	  "loopback client not evaluated", NULL },
	{ "mapped loopback client is not evaluated",
	  { "s.example TXT v=spf1 +all" }, "::ffff:127.0.0.1", "h.example", "u@s.example", AA_NONE,
	  "loopback client not evaluated", NULL },
	{ "mapped ipv4 client matches ip4",
	  { "s.example TXT v=spf1 ip4:192.0.2.0/24 -all" }, "::FFFF:192.0.2.1", "h.example",
	  "u@s.example", AA_PASS, NULL, NULL },
	{ "ipv6 client does not match ip4",
	  { "s.example TXT v=spf1 ip4:192.0.2.0/24 -all" }, "2001:db8::1", "h.example",
	  "u@s.example", AA_FAIL, NULL, NULL },
	{ "two void lookups are allowed",
	  { "s.example TXT v=spf1 a:n1.example a:n2.example -all" },
	  V4, "h.example", "u@s.example", AA_FAIL, NULL, NULL },
	{ "third void lookup gives permerror",
	  { "s.example TXT v=spf1 a:n1.example a:n2.example a:n3.example -all" },
	  V4, "h.example", "u@s.example", AA_PERMERROR, "void", NULL },
	{ "void lookups inside include count",
	  { "s.example TXT v=spf1 a:n1.example include:i.example -all",
	    "i.example TXT v=spf1 a:n2.example mx:n3.example -all" },
	  V4, "h.example", "u@s.example", AA_PERMERROR, "void", NULL },
	{ "10 MX names are allowed",
	  { "s.example TXT v=spf1 mx -all",
	    "s.example MX 1 m1.example", "s.example MX 2 m2.example", "s.example MX 3 m3.example",
	    "s.example MX 4 m4.example", "s.example MX 5 m5.example", "s.example MX 6 m6.example",
	    "s.example MX 7 m7.example", "s.example MX 8 m8.example", "s.example MX 9 m9.example",
	    "s.example MX 10 m10.example", "m1.example A 198.51.100.1", "m2.example A 198.51.100.1",
	    "m3.example A 198.51.100.1", "m4.example A 198.51.100.1", "m5.example A 198.51.100.1",
	    "m6.example A 198.51.100.1", "m7.example A 198.51.100.1", "m8.example A 198.51.100.1",
	    "m9.example A 198.51.100.1", "m10.example A 192.0.2.1" },
	  V4, "h.example", "u@s.example", AA_PASS, NULL, NULL },
	{ "11 MX names gives permerror",
	  { "s.example TXT v=spf1 mx -all",
	    "s.example MX 1 m1.example", "s.example MX 2 m2.example", "s.example MX 3 m3.example",
	    "s.example MX 4 m4.example", "s.example MX 5 m5.example", "s.example MX 6 m6.example",
	    "s.example MX 7 m7.example", "s.example MX 8 m8.example", "s.example MX 9 m9.example",
	    "s.example MX 10 m10.example", "s.example MX 11 m11.example" },
	  V4, "h.example", "u@s.example", AA_PERMERROR, "MX", NULL },
	{ "10 DNS terms are allowed",
	  { "s.example TXT v=spf1 a:x.example a:x.example a:x.example a:x.example a:x.example"
	    " a:x.example a:x.example a:x.example a:x.example a:x.example ip4:192.0.2.1 -all",
	    "x.example A 198.51.100.1" },
	  V4, "h.example", "u@s.example", AA_PASS, NULL, NULL },
	{ "11th DNS term gives permerror",
	  { "s.example TXT v=spf1 a:x.example a:x.example a:x.example a:x.example a:x.example"
	    " a:x.example a:x.example a:x.example a:x.example a:x.example a:x.example -all",
	    "x.example A 198.51.100.1" },
	  V4, "h.example", "u@s.example", AA_PERMERROR, "10 DNS", NULL },
	{ "lookups inside include count toward 10",
	  { "s.example TXT v=spf1 include:i.example a:x.example a:x.example a:x.example"
	    " a:x.example a:x.example ip4:192.0.2.1",
	    "i.example TXT v=spf1 a:x.example a:x.example a:x.example a:x.example a:x.example",
	    "x.example A 198.51.100.1" },
	  V4, "h.example", "u@s.example", AA_PERMERROR, "10 DNS", NULL },
	{ "more than 10 PTR names are ignored, not permerror",
	  { "s.example TXT v=spf1 ptr -all",
	    "1.2.0.192.in-addr.arpa PTR p1.example", "1.2.0.192.in-addr.arpa PTR p2.example",
	    "1.2.0.192.in-addr.arpa PTR p3.example", "1.2.0.192.in-addr.arpa PTR p4.example",
	    "1.2.0.192.in-addr.arpa PTR p5.example", "1.2.0.192.in-addr.arpa PTR p6.example",
	    "1.2.0.192.in-addr.arpa PTR p7.example", "1.2.0.192.in-addr.arpa PTR p8.example",
	    "1.2.0.192.in-addr.arpa PTR p9.example", "1.2.0.192.in-addr.arpa PTR p10.s.example",
	    "1.2.0.192.in-addr.arpa PTR p11.s.example", "p1.example A 198.51.100.1",
	    "p2.example A 198.51.100.1", "p3.example A 198.51.100.1", "p4.example A 198.51.100.1",
	    "p5.example A 198.51.100.1", "p6.example A 198.51.100.1", "p7.example A 198.51.100.1",
	    "p8.example A 198.51.100.1", "p9.example A 198.51.100.1", "p10.s.example A 192.0.2.1" },
	  V4, "h.example", "u@s.example", AA_PASS, NULL, NULL },
	{ "null MX name is skipped, not asked",
	  { "s.example TXT v=spf1 mx -all", "s.example MX 0 ." }, V4, "h.example", "u@s.example",
	  AA_FAIL, NULL, NULL },
	{ "null sender uses HELO identity",
	  { "h.example TXT v=spf1 ip4:192.0.2.1 -all" }, V4, "h.example", "", AA_PASS, NULL, NULL },
	{ "malformed record: unknown mechanism gives permerror",
	  { "s.example TXT v=spf1 foo -all" }, V4, "h.example", "u@s.example", AA_PERMERROR, NULL, NULL },
	{ "malformed record: bad top label gives permerror",
	  { "s.example TXT v=spf1 a:foo -all" }, V4, "h.example", "u@s.example", AA_PERMERROR, NULL, NULL },
	{ "malformed record: cidr 33 gives permerror",
	  { "s.example TXT v=spf1 ip4:192.0.2.1/33 -all" }, V4, "h.example", "u@s.example",
	  AA_PERMERROR, NULL, NULL },
	{ "malformed record: cidr with leading zero gives permerror",
	  { "s.example TXT v=spf1 ip4:192.0.2.1/032 -all" }, V4, "h.example", "u@s.example",
	  AA_PERMERROR, NULL, NULL },
	{ "malformed record: two redirects give permerror",
	  { "s.example TXT v=spf1 redirect=a.example redirect=b.example" }, V4, "h.example",
	  "u@s.example", AA_PERMERROR, NULL, NULL },
	{ "malformed record: bad macro gives permerror",
	  { "s.example TXT v=spf1 exists:%{x}.example -all" }, V4, "h.example", "u@s.example",
	  AA_PERMERROR, NULL, NULL },
	{ "malformed record: empty include gives permerror",
	  { "s.example TXT v=spf1 include: -all" }, V4, "h.example", "u@s.example",
	  AA_PERMERROR, NULL, NULL },
	{ "two spf records give permerror",
	  { "s.example TXT v=spf1 -all", "s.example TXT v=spf1 +all" }, V4, "h.example",
	  "u@s.example", AA_PERMERROR, NULL, NULL },
	{ "a NUL byte in a record gives permerror",
	  { "s.example TXT \"v=spf1 ip4:192.0.2.1\\000 +all\"" }, V4, "h.example", "u@s.example",
	  AA_PERMERROR, NULL, NULL },
	{ "a non-ASCII byte in a record gives permerror",
	  { "s.example TXT \"v=spf1 \\200ip4:192.0.2.1 +all\"" }, V4, "h.example", "u@s.example",
	  AA_PERMERROR, NULL, NULL },
	{ "macro explosion gives permerror",
	  { "s.example TXT v=spf1 exists:%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}"
	    "%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}"
	    "%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}%{l}"
	    ".example -all" }, V4, "h.example", "u@s.example", AA_PERMERROR, NULL, NULL },
	{ "ip4 /0 matches every ipv4 client",
	  { "s.example TXT v=spf1 ip4:203.0.113.0/0 -all" }, V4, "h.example", "u@s.example",
	  AA_PASS, NULL, NULL },
	{ "a with /0 matches when the name has an address",
	  { "s.example TXT v=spf1 a:x.example/0 -all", "x.example A 198.51.100.1" }, V4,
	  "h.example", "u@s.example", AA_PASS, NULL, NULL },
	{ "a forged /0 label from the local part does not match",
	  { "s.example TXT v=spf1 a:%{l}.x.example -all", "x.example A 198.51.100.1",
	    "_aa0000000000000000.x.example A 198.51.100.1" }, V4, "h.example",
	  "_aa0000000000000000@s.example", AA_FAIL, NULL, NULL },
	{ "redirect is evaluated after the mechanisms",
	  { "s.example TXT v=spf1 redirect=r.example ip4:192.0.2.1", "r.example TXT v=spf1 -all" },
	  V4, "h.example", "u@s.example", AA_PASS, NULL, NULL },
	{ "fail carries the exp= explanation",
	  { "s.example TXT v=spf1 -all exp=e.s.example", "e.s.example TXT \"%{l} may not send\"" },
	  V4, "h.example", "bob@s.example", AA_FAIL, NULL, "bob may not send" },
	{ "explanation with non-ASCII bytes is dropped",
	  { "s.example TXT v=spf1 -all exp=e.s.example", "e.s.example TXT \"bad \\200 text\"" },
	  V4, "h.example", "bob@s.example", AA_FAIL, NULL, NULL },
	{ "two explanation records give none",
	  { "s.example TXT v=spf1 -all exp=e.s.example", "e.s.example TXT one",
	    "e.s.example TXT two" }, V4, "h.example", "bob@s.example", AA_FAIL, NULL, NULL },
	{ "no exp= gives no explanation",
	  { "s.example TXT v=spf1 -all" }, V4, "h.example", "bob@s.example", AA_FAIL, NULL, NULL },
	{ "single-label domain gives none",
	  { "localhost TXT v=spf1 +all" }, V4, "h.example", "u@localhost", AA_NONE, NULL, NULL },
};

/* The random source fails (the /0 label of core/spf/spf_int.h): a /0 term
 * defers, nothing else changes, and no guessable label is used. */
static const struct spf_case no_random_cases[] = {
	{ "without a random source a /0 term gives temperror",
	  { "s.example TXT v=spf1 a:x.example/0 -all", "x.example A 198.51.100.1" }, V4,
	  "h.example", "u@s.example", AA_TEMPERROR, "random", NULL },
	{ "without a random source a /0 term inside an include gives temperror",
	  { "s.example TXT v=spf1 include:i.example -all", "i.example TXT v=spf1 mx/0 -all",
	    "i.example MX 1 m.example", "m.example A 198.51.100.1" }, V4,
	  "h.example", "u@s.example", AA_TEMPERROR, NULL, NULL },
	{ "without a random source a record without /0 is evaluated",
	  { "s.example TXT v=spf1 a:x.example ip4:192.0.2.1 -all", "x.example A 198.51.100.1" },
	  V4, "h.example", "u@s.example", AA_PASS, NULL, NULL },
	{ "without a random source no guessable label matches the client",
	  { "s.example TXT v=spf1 a:_aaffffffffffffffff.x.example -all",
	    "_aaffffffffffffffff.x.example A 198.51.100.1", "x.example A 198.51.100.1" }, V4,
	  "h.example", "u@s.example",
	  AA_FAIL, NULL, NULL },
};

static int broken_random(void *buf, size_t n)
{
	(void)buf;
	(void)n;
	return -1;
}

static void run_case(const struct spf_case *c, aa_spf_random_fn *random)
{
	struct aa_ctx *ctx = aa_test_ctx(c->zone);
	struct aa_spf_result mf, helo;
	int rc;

	if (random != NULL)
		ck_assert_int_eq(aa_spf_set_random(ctx, random), 0);
	rc = aa_spf_check(ctx, c->ip, c->helo, c->mail_from, &mf, &helo);

	ck_assert_msg(rc == 0, "%s: rc %d", c->name, rc);
	ck_assert_msg(mf.result == c->want, "%s: got %s (%s), want %s", c->name,
		      aa_result_name(mf.result), mf.reason, aa_result_name(c->want));
	if (c->reason != NULL)
		ck_assert_msg(mf.reason != NULL && strstr(mf.reason, c->reason) != NULL,
			      "%s: reason '%s' lacks '%s'", c->name, mf.reason, c->reason);
	if (c->explanation != NULL)
		ck_assert_msg(mf.explanation != NULL && strcmp(mf.explanation, c->explanation) == 0,
			      "%s: explanation '%s'", c->name, mf.explanation);
	else
		ck_assert_msg(mf.explanation == NULL, "%s: unexpected explanation '%s'", c->name,
			      mf.explanation);
	aa_ctx_free(&ctx);
}

START_TEST(spf_table)
{
	run_case(&cases[_i], NULL);
}
END_TEST

START_TEST(spf_without_random_source_a_slash_0_term_defers)
{
	run_case(&no_random_cases[_i], broken_random);
}
END_TEST

static const char *const helo_zone[] = {
	"h.example TXT v=spf1 ip4:192.0.2.1 -all",
	"s.example TXT v=spf1 -all",
	NULL,
};

START_TEST(spf_null_sender_result_is_the_helo_one)
{
	struct aa_ctx *ctx = aa_test_ctx(helo_zone);
	struct aa_spf_result mf, helo;

	ck_assert_int_eq(aa_spf_check(ctx, V4, "h.example", "", &mf, &helo), 0);
	ck_assert_int_eq(mf.result, AA_PASS);
	ck_assert_str_eq(mf.identity, "helo");
	ck_assert_str_eq(mf.sender, "postmaster@h.example");
	ck_assert_str_eq(mf.domain, "h.example");
	ck_assert_int_eq(helo.result, AA_PASS);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(spf_helo_is_always_checked)
{
	struct aa_ctx *ctx = aa_test_ctx(helo_zone);
	struct aa_spf_result mf, helo;

	ck_assert_int_eq(aa_spf_check(ctx, V4, "h.example", "u@s.example", &mf, &helo), 0);
	ck_assert_int_eq(mf.result, AA_FAIL);
	ck_assert_str_eq(mf.identity, "mailfrom");
	ck_assert_str_eq(mf.domain, "s.example");
	ck_assert_int_eq(helo.result, AA_PASS);
	ck_assert_str_eq(helo.identity, "helo");
	aa_ctx_free(&ctx);
}
END_TEST

/* The daemon's binding of the text setters Exim's own SPF code calls
 * (exim/plugin.c) works without a server and leaves later checks as they
 * were, before and after a context exists. */
START_TEST(spf_binding_text_setters_leaves_checks_unchanged)
{
	struct aa_ctx *ctx;
	struct aa_spf_result mf, helo;

	ck_assert_int_eq(aa_spf_bind_text_setters(), 0);
	ctx = aa_test_ctx(helo_zone);
	ck_assert_int_eq(aa_spf_bind_text_setters(), 0);
	ck_assert_int_eq(aa_spf_check(ctx, V4, "h.example", "u@s.example", &mf, &helo), 0);
	ck_assert_int_eq(mf.result, AA_FAIL);
	ck_assert_int_eq(helo.result, AA_PASS);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(spf_bad_client_address_gives_temperror)
{
	struct aa_ctx *ctx = aa_test_ctx(helo_zone);
	struct aa_spf_result mf, helo;

	ck_assert_int_eq(aa_spf_check(ctx, "not-an-ip", "h.example", "u@s.example", &mf, &helo), -1);
	ck_assert_int_eq(mf.result, AA_TEMPERROR);
	ck_assert_int_eq(helo.result, AA_TEMPERROR);
	aa_ctx_free(&ctx);
}
END_TEST

/* n ip4 terms that do not match, then one that does, then -all. */
static struct aa_spf_result long_record(int n, char *line, size_t size)
{
	const char *zone[] = { line, NULL };
	struct aa_ctx *ctx;
	struct aa_spf_result mf, helo;
	size_t len = (size_t)snprintf(line, size, "s.example TXT v=spf1");

	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(line + len, size - len, " ip4:198.51.100.%d", i);
	snprintf(line + len, size - len, " ip4:192.0.2.1 -all");
	ctx = aa_test_ctx(zone);
	ck_assert_int_eq(aa_spf_check(ctx, V4, "h.example", "u@s.example", &mf, &helo), 0);
	mf.reason = mf.reason != NULL && strstr(mf.reason, "libspf2 can hold") ? "cut" : "";
	aa_ctx_free(&ctx);
	return mf;
}

START_TEST(spf_long_record_is_evaluated_whole)
{
	static char line[4096];
	struct aa_spf_result mf = long_record(50, line, sizeof(line));

	ck_assert_int_eq(mf.result, AA_PASS);
}
END_TEST

/* libspf2 silently drops mechanisms past its buffer; then -all would be
 * lost and a fail would read as neutral. */
START_TEST(spf_record_too_long_for_libspf2_gives_permerror_not_a_cut)
{
	static char line[4096];
	struct aa_spf_result mf = long_record(120, line, sizeof(line));

	ck_assert_int_eq(mf.result, AA_PERMERROR);
	ck_assert_str_eq(mf.reason, "cut");
}
END_TEST

/* 3000 bytes in one term: refused before libspf2 sees it. */
START_TEST(spf_very_long_term_gives_permerror)
{
	static char line[4096];
	const char *zone[] = { line, NULL };
	struct aa_ctx *ctx;
	struct aa_spf_result mf, helo;
	size_t n = (size_t)snprintf(line, sizeof(line), "s.example TXT v=spf1 a:");

	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "x.");
	snprintf(line + n, sizeof(line) - n, "example -all");
	ctx = aa_test_ctx(zone);
	ck_assert_int_eq(aa_spf_check(ctx, V4, "h.example", "u@s.example", &mf, &helo), 0);
	ck_assert_int_eq(mf.result, AA_PERMERROR);
	aa_ctx_free(&ctx);
}
END_TEST

static const char *const hostile_zone[] = {
	"s.example TXT v=spf1 -all exp=e.s.example",
	"e.s.example TXT \"%{l} \\\"(evil)\\\\\"",
	NULL,
};

START_TEST(spf_explanation_with_hostile_bytes_gets_escaped)
{
	struct aa_ctx *ctx = aa_test_ctx(hostile_zone);
	struct aa_spf_result mf, helo;
	const char *esc, *hdr;

	ck_assert_int_eq(aa_spf_check(ctx, V4, "h.example", "a\"b)\x01@s.example", &mf, &helo), 0);
	ck_assert_int_eq(mf.result, AA_FAIL);
	ck_assert_ptr_nonnull(mf.explanation);
	ck_assert_str_eq(mf.explanation, "a\"b)\x01 \"(evil)\\");
	esc = aa_escz(ctx, mf.explanation);
	ck_assert_str_eq(esc, "a\\\"b\\)\\x01 \\\"\\(evil\\)\\\\");
	hdr = aa_spf_received_spf(ctx, &mf, V4, "h\"elo\r\n", "mx.example");
	ck_assert_ptr_nonnull(hdr);
	ck_assert_ptr_null(strchr(hdr, '\r'));
	ck_assert_ptr_null(strchr(hdr, '\n'));
	ck_assert_ptr_null(strchr(hdr, '\x01'));
	ck_assert_ptr_nonnull(strstr(hdr, "envelope-from=\"a\\\"b\\)\\x01@s.example\""));
	ck_assert_ptr_nonnull(strstr(hdr, "helo=\"h\\\"elo\\x0d\\x0a\""));
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(spf_received_spf_has_the_rfc_7208_fields)
{
	struct aa_ctx *ctx = aa_test_ctx(helo_zone);
	struct aa_spf_result mf, helo;
	const char *hdr;

	ck_assert_int_eq(aa_spf_check(ctx, V4, "h.example", "u@s.example", &mf, &helo), 0);
	hdr = aa_spf_received_spf(ctx, &mf, V4, "h.example", "mx.example");
	ck_assert_ptr_nonnull(hdr);
	ck_assert_int_eq(strncmp(hdr, "fail (mx.example: ", 18), 0);
	ck_assert_ptr_nonnull(strstr(hdr, "client-ip=\"192.0.2.1\";"));
	ck_assert_ptr_nonnull(strstr(hdr, "envelope-from=\"u@s.example\";"));
	ck_assert_ptr_nonnull(strstr(hdr, "receiver=\"mx.example\";"));
	ck_assert_ptr_nonnull(strstr(hdr, "identity=mailfrom;"));
	hdr = aa_spf_received_spf(ctx, &helo, V4, "h.example", "mx.example");
	ck_assert_int_eq(strncmp(hdr, "pass ", 5), 0);
	ck_assert_ptr_nonnull(strstr(hdr, "identity=helo;"));
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(spf_handle_survives_many_messages)
{
	struct aa_ctx *ctx = aa_test_ctx(helo_zone);
	struct aa_spf_result mf, helo;

	for (int i = 0; i < 50; i++) {
		ck_assert_int_eq(aa_spf_check(ctx, V4, "h.example", "u@s.example", &mf, &helo), 0);
		ck_assert_int_eq(mf.result, AA_FAIL);
		aa_ctx_end_message(ctx);
	}
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_spf(void)
{
	Suite *s = suite_create("spf");
	TCase *t = tcase_create("spf");

	tcase_add_loop_test(t, spf_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(t, spf_without_random_source_a_slash_0_term_defers, 0,
			    (int)(sizeof(no_random_cases) / sizeof(no_random_cases[0])));
	tcase_add_test(t, spf_null_sender_result_is_the_helo_one);
	tcase_add_test(t, spf_helo_is_always_checked);
	tcase_add_test(t, spf_bad_client_address_gives_temperror);
	tcase_add_test(t, spf_long_record_is_evaluated_whole);
	tcase_add_test(t, spf_record_too_long_for_libspf2_gives_permerror_not_a_cut);
	tcase_add_test(t, spf_very_long_term_gives_permerror);
	tcase_add_test(t, spf_explanation_with_hostile_bytes_gets_escaped);
	tcase_add_test(t, spf_received_spf_has_the_rfc_7208_fields);
	tcase_add_test(t, spf_handle_survives_many_messages);
	tcase_add_test(t, spf_binding_text_setters_leaves_checks_unchanged);
	suite_add_tcase(s, t);
	return s;
}
