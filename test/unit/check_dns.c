/* check_dns.c - the fixed zone, caching, name checks and status mapping. */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdlib.h>
#include "aa_test.h"
#include "../../core/dns/dns_int.h"

static const char *const zone[] = {
	"a.example A 192.0.2.1",
	"a.example A 192.0.2.2",
	"a.example TXT \"v=spf1 \" \"-all\"",
	"a.example MX 10 mx.a.example.",
	"nul.example TXT \"x\\000y\"",
	"broken.example ANY SERVFAIL",
	"half.example TXT TIMEOUT",
	"half.example A 198.51.100.7",
	"a\\032b.example A 192.0.2.9",
	"macro%percent\\032\\032space%20url-space.example A 192.0.2.10",
	"back\\\\slash.example A 192.0.2.11",
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

/* Names aa_dns_lookup() refuses without a query: (bytes, why). */
static const struct {
	const char *name;
	const char *why;
} bad_names[] = {
	{ "a..example", "empty label" },
	{ "", "empty name" },
	{ ".", "root only" },
	{ "a\tb.example", "tab" },
	{ "a\x01" "b.example", "control byte" },
	{ "a\x1f" "b.example", "control byte below space" },
	{ "a\x7f" "b.example", "DEL" },
	{ "\xc3\xa9.example", "8-bit bytes" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example",
	  "64-octet label" },
};

START_TEST(dns_bad_names_are_never_asked)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);

	ck_assert_msg(aa_dns_lookup(ctx->dns, bad_names[_i].name, AA_DNS_A)->status == AA_DNS_BADNAME,
		      "%s is asked", bad_names[_i].why);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 0);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_names_over_253_octets_are_never_asked)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	char name[260];

	/* 254 octets in labels of at most 63 is one too many; 253 with a
	 * final dot is the same name as without */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[254] = '\0';
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, name, AA_DNS_A)->status, AA_DNS_BADNAME);
	name[253] = '.';
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, name, AA_DNS_A)->status, AA_DNS_NXDOMAIN);
	name[253] = '\0';
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, name, AA_DNS_A)->status, AA_DNS_NXDOMAIN);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_name_with_spaces_and_percents_is_asked)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, "A B.Example.", AA_DNS_A);

	ck_assert_int_eq(a->status, AA_DNS_OK);
	ck_assert_str_eq(inet_ntoa(a->rr[0].a), "192.0.2.9");
	a = aa_dns_lookup(ctx->dns, "macro%percent  space%20url-space.example", AA_DNS_A);
	ck_assert_int_eq(a->status, AA_DNS_OK);
	ck_assert_str_eq(inet_ntoa(a->rr[0].a), "192.0.2.10");
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, " .example", AA_DNS_A)->status, AA_DNS_NXDOMAIN);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 3);
	aa_ctx_free(&ctx);
}
END_TEST

/* A '\' in a name is that octet, never an escape: "a\032b" is not "a b". */
START_TEST(dns_backslash_is_an_ordinary_octet)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, "back\\slash.example", AA_DNS_A);

	ck_assert_int_eq(a->status, AA_DNS_OK);
	ck_assert_str_eq(inet_ntoa(a->rr[0].a), "192.0.2.11");
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a\\032b.example", AA_DNS_A)->status,
			 AA_DNS_NXDOMAIN);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a b.example", AA_DNS_A)->status, AA_DNS_OK);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 3);
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

/* The system resolver gets the presentation form: what it puts in the
 * question must be exactly our label octets, space and '\' included. */
START_TEST(dns_resolver_question_holds_the_label_octets)
{
	static const char name[] = "a b\\046c\\\\.ex%ample";
	static const unsigned char wire[] = "\x0a" "a b\\046c\\\\" "\x08" "ex%ample";
	char text[64];
	unsigned char q[NS_PACKETSZ];
	int n;

	ck_assert_int_eq(aa_dns_escape_name(name, strlen(name), text, sizeof(text)), 0);
	ck_assert_str_eq(text, "a b\\\\046c\\\\\\\\.ex%ample");
	n = res_mkquery(ns_o_query, text, ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof(q));
	ck_assert_int_eq(n, NS_HFIXEDSZ + (int)sizeof(wire) + NS_QFIXEDSZ);
	ck_assert_int_eq(memcmp(q + NS_HFIXEDSZ, wire, sizeof(wire)), 0);
	ck_assert_int_eq(aa_dns_escape_name(name, strlen(name), text, 22), -1);
	ck_assert_int_eq(aa_dns_escape_name(name, strlen(name), text, 23), 0);
}
END_TEST

START_TEST(dns_answer_names_come_back_as_label_octets)
{
	/* "a b.example" at 0, then "m\\x" plus a pointer to it */
	static const unsigned char msg[] = "\x03" "a b" "\x07" "example" "\x00"
					   "\x03" "m\\x" "\xc0\x00"
					   "\x03" "a.b" "\x00"
					   "\x03" "a\x00" "b" "\x00"
					   "\x00";
	const unsigned char *eom = msg + sizeof(msg) - 1;
	char buf[NS_MAXDNAME];

	ck_assert_int_eq(aa_dns_unpack_name(msg, eom, msg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "a b.example");
	ck_assert_int_eq(aa_dns_unpack_name(msg, eom, msg + 13, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "m\\x.a b.example");
	ck_assert_int_eq(aa_dns_unpack_name(msg, eom, msg + 19, buf, sizeof(buf)), -1);
	ck_assert_int_eq(aa_dns_unpack_name(msg, eom, msg + 24, buf, sizeof(buf)), -1);
	ck_assert_int_eq(aa_dns_unpack_name(msg, eom, msg + 29, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(aa_dns_unpack_name(msg, eom, msg, buf, 11), -1);
	ck_assert_int_eq(aa_dns_unpack_name(msg, eom, msg, buf, 12), 0);
}
END_TEST

/* Response packets as res_nquery() returns them (made by
 * test/fuzz/make_dns_seeds.py, which also writes them as fuzz seeds). */
static const struct {
	const char *what;
	enum aa_dns_type type;
	enum aa_dns_status status;
	size_t count;
	size_t len;
	const char *packet;
} packets[] = {
	{ "a", AA_DNS_A, AA_DNS_OK, 1, 43,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x01" },
	{ "aaaa", AA_DNS_AAAA, AA_DNS_OK, 1, 55,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x1c\x00\x01\xc0\x0c\x00\x1c\x00\x01\x00\x00\x01\x2c\x00\x10\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" },
	{ "mx-compressed", AA_DNS_MX, AA_DNS_OK, 2, 75,
	  "\x12\x34\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x0f\x00\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x07\x00\x0a\x02\x6d\x78\xc0\x0c\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x11\x00\x14\x03\x6d\x78\x32\x01\x62\x07\x65\x78\x61\x6d\x70\x6c\x65\x00" },
	{ "txt-chunks", AA_DNS_TXT, AA_DNS_OK, 1, 69,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x10\x00\x01\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x1e\x07\x76\x3d\x73\x70\x66\x31\x20\x15\x69\x70\x34\x3a\x31\x39\x32\x2e\x30\x2e\x32\x2e\x30\x2f\x32\x34\x20\x2d\x61\x6c\x6c" },
	{ "txt-overrun", AA_DNS_TXT, AA_DNS_MALFORMED, 0, 46,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x10\x00\x01\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c\x00\x07\x09\x76\x3d\x73\x70\x66\x31" },
	{ "cname-chain", AA_DNS_A, AA_DNS_OK, 1, 75,
	  "\x12\x34\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x01\x00\x01\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x2c\x00\x0b\x01\x62\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x01\x62\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x02" },
	{ "truncated", AA_DNS_TXT, AA_DNS_TEMPFAIL, 0, 27,
	  "\x12\x34\x83\x80\x00\x01\x00\x00\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x10\x00\x01" },
	{ "ptr", AA_DNS_PTR, AA_DNS_OK, 1, 68,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x31\x01\x32\x01\x30\x03\x31\x39\x32\x07\x69\x6e\x2d\x61\x64\x64\x72\x04\x61\x72\x70\x61\x00\x00\x0c\x00\x01\xc0\x0c\x00\x0c\x00\x01\x00\x00\x01\x2c\x00\x10\x04\x68\x6f\x73\x74\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00" },
	{ "nodata", AA_DNS_TXT, AA_DNS_NODATA, 0, 27,
	  "\x12\x34\x81\x80\x00\x01\x00\x00\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x10\x00\x01" },
	{ "mx-dot-in-label", AA_DNS_MX, AA_DNS_MALFORMED, 0, 55,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x0f\x00\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x10\x00\x0a\x04\x6d\x78\x2e\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00" },
	{ "pointer-loop", AA_DNS_CNAME, AA_DNS_MALFORMED, 0, 43,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x05\x00\x01\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x2c\x00\x04\x01\x78\xc0\x27" },
	{ "count-too-high", AA_DNS_A, AA_DNS_MALFORMED, 0, 43,
	  "\x12\x34\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\xc0\x00\x02\x01" },
	{ "a-rdlen-5", AA_DNS_A, AA_DNS_MALFORMED, 0, 44,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x01\x00\x01\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x05\xc0\x00\x02\x01\x00" },
	{ "null-mx", AA_DNS_MX, AA_DNS_OK, 1, 42,
	  "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x01\x61\x07\x65\x78\x61\x6d\x70\x6c\x65\x00\x00\x0f\x00\x01\xc0\x0c\x00\x0f\x00\x01\x00\x00\x01\x2c\x00\x03\x00\x00\x00" },
};

START_TEST(dns_answer_packets_parse_as_expected)
{
	struct aa_dns *dns = aa_dns_new_zone();
	struct aa_dns_answer a = { 0 };

	ck_assert_ptr_nonnull(dns);
	aa_dns_parse_answer(dns, (const unsigned char *)packets[_i].packet, packets[_i].len,
			    packets[_i].type, &a);
	ck_assert_msg(a.status == packets[_i].status && a.count == packets[_i].count,
		      "%s: %s with %zu records", packets[_i].what, aa_dns_status_name(a.status),
		      a.count);
	for (size_t i = 0; i < a.count; i++)
		ck_assert_int_eq(a.rr[i].type, packets[_i].type);
	if (a.status == AA_DNS_OK && packets[_i].type == AA_DNS_TXT)
		ck_assert_str_eq(a.rr[0].text, "v=spf1 ip4:192.0.2.0/24 -all");
	if (a.status == AA_DNS_OK && packets[_i].type == AA_DNS_MX && a.count == 2) {
		ck_assert_str_eq(a.rr[0].text, "mx.a.example");
		ck_assert_int_eq(a.rr[1].pref, 20);
	}
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

/* An answer is read after any number of further questions in the same
 * message (the DMARC tree walk holds its records while it asks on), even
 * more than the cache indexes. Under ASan a freed answer is caught. */
static const int later_questions[] = { 0, 1, AA_DNS_CACHE_MAX - 2, AA_DNS_CACHE_MAX - 1,
				       AA_DNS_CACHE_MAX, 2 * AA_DNS_CACHE_MAX + 1 };

START_TEST(dns_answers_stay_valid_after_more_lookups_than_the_cache_holds)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const struct aa_dns_answer *txt, *mx;
	int n = later_questions[_i];
	char name[32];

	txt = aa_dns_lookup(ctx->dns, "a.example", AA_DNS_TXT);
	mx = aa_dns_lookup(ctx->dns, "a.example", AA_DNS_MX);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		ck_assert_int_eq(aa_dns_lookup(ctx->dns, name, AA_DNS_A)->status, AA_DNS_NXDOMAIN);
	}
	ck_assert_int_eq(txt->status, AA_DNS_OK);
	ck_assert_uint_eq(txt->count, 1);
	ck_assert_str_eq(txt->rr[0].text, "v=spf1 -all");
	ck_assert_int_eq(mx->status, AA_DNS_OK);
	ck_assert_str_eq(mx->rr[0].text, "mx.a.example");
	/* and the first questions are still answered from the cache */
	ck_assert_ptr_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_TXT), txt);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), (unsigned long)n + 2);
	aa_ctx_free(&ctx);
}
END_TEST

/* ---- the time budget, on a clock that moves only when asked ---- */

struct test_clock {
	uint64_t now;
	uint64_t step;		/* per reading: what each question "takes" */
};

static uint64_t test_clock_read(void *arg)
{
	struct test_clock *c = arg;
	uint64_t t = c->now;

	c->now += c->step;
	return t;
}

static struct aa_ctx *budget_ctx(unsigned budget_ms, struct test_clock *clock)
{
	return aa_test_ctx_budget(zone, budget_ms, test_clock_read, clock);
}

static const struct {
	const char *what;
	unsigned budget_ms;	/* 0: the default */
	unsigned step_ms;	/* time of one question */
	int asked;		/* distinct questions */
	int sent;		/* questions sent before the budget ran out */
	int exhausted;
} budgets[] = {
	{ "slow answers stop at the budget", 3000, 800, 10, 4, 1 },
	{ "the question that reaches the budget is the last", 3000, 1000, 10, 3, 1 },
	{ "one question longer than the budget", 3000, 5000, 3, 1, 1 },
	{ "fast answers never reach it", 3000, 0, 300, 300, 0 },
	{ "just under the budget in total", 3000, 100, 29, 29, 0 },
	{ "the default is 20 s", 0, 900, 30, 23, 1 },
};

START_TEST(dns_budget_turns_further_questions_into_tempfail)
{
	struct test_clock clock = { .now = 1000, .step = budgets[_i].step_ms };
	struct aa_ctx *ctx = budget_ctx(budgets[_i].budget_ms, &clock);
	char name[32];
	int temp = 0;

	ck_assert_uint_eq(aa_dns_budget_ms(ctx->dns),
			  budgets[_i].budget_ms != 0 ? budgets[_i].budget_ms : AA_DNS_BUDGET_DEFAULT_MS);
	for (int i = 0; i < budgets[_i].asked; i++) {
		snprintf(name, sizeof(name), "q%d.example", i);
		temp += aa_dns_lookup(ctx->dns, name, AA_DNS_A)->status == AA_DNS_TEMPFAIL;
	}
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), (unsigned long)budgets[_i].sent);
	ck_assert_int_eq(temp, budgets[_i].asked - budgets[_i].sent);
	ck_assert_int_eq(aa_dns_budget_exhausted(ctx->dns), budgets[_i].exhausted);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_budget_keeps_cached_answers_and_restarts_with_the_next_message)
{
	struct test_clock clock = { .now = 0, .step = 2000 };
	struct aa_ctx *ctx = budget_ctx(3000, &clock);

	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_TXT)->status, AA_DNS_OK);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_A)->status, AA_DNS_OK);
	ck_assert_int_eq(aa_dns_budget_exhausted(ctx->dns), 0);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_MX)->status, AA_DNS_TEMPFAIL);
	ck_assert_int_eq(aa_dns_budget_exhausted(ctx->dns), 1);
	/* asked before: still the answer, at no cost */
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_TXT)->status, AA_DNS_OK);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 2);
	aa_ctx_end_message(ctx);
	ck_assert_int_eq(aa_dns_budget_exhausted(ctx->dns), 0);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_MX)->status, AA_DNS_OK);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 3);
	aa_ctx_free(&ctx);
}
END_TEST

/* ---- the message's lifetime: the cache empties with its arena ---- */

START_TEST(dns_cache_and_budget_empty_whoever_resets_the_arena)
{
	struct test_clock clock = { .now = 0, .step = 2000 };
	struct aa_ctx *ctx = budget_ctx(3000, &clock);

	aa_dns_lookup(ctx->dns, "a.example", AA_DNS_TXT);
	aa_dns_lookup(ctx->dns, "a.example", AA_DNS_A);
	aa_dns_lookup(ctx->dns, "a.example", AA_DNS_MX);
	ck_assert_int_eq(aa_dns_budget_exhausted(ctx->dns), 1);
	aa_arena_reset(ctx->arena);	/* not through aa_ctx_end_message() */
	ck_assert_int_eq(aa_dns_budget_exhausted(ctx->dns), 0);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_TXT)->status, AA_DNS_OK);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 3);		/* asked again */
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dns_lookup_is_tempfail_when_the_cache_cannot_hook_the_arena)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);

	aa_arena_fail_after(ctx->arena, 0, 1);	/* the hook record only */
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_A)->status, AA_DNS_TEMPFAIL);
	ck_assert_uint_eq(aa_arena_fail_after(ctx->arena, SIZE_MAX, 0), 1);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 0);		/* nothing sent, nothing kept */
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_A)->status, AA_DNS_OK);
	aa_ctx_end_message(ctx);
	ck_assert_int_eq(aa_dns_lookup(ctx->dns, "a.example", AA_DNS_A)->status, AA_DNS_OK);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), 2);
	aa_ctx_free(&ctx);
}
END_TEST

/* A dns freed before the arena its answers are in leaves no hook behind
 * (under ASan, a hook on the freed dns would be reported). */
START_TEST(dns_freed_before_its_arena_leaves_no_hook)
{
	struct aa_arena *arena = aa_arena_new();
	struct aa_dns *dns = aa_dns_new_zone();
	const struct aa_dns_answer *a;

	ck_assert_ptr_nonnull(arena);
	ck_assert_ptr_nonnull(dns);
	ck_assert_int_eq(aa_dns_zone_add_line(dns, "a.example A 192.0.2.1"), 0);
	aa_dns_set_arena(dns, arena);
	a = aa_dns_lookup(dns, "a.example", AA_DNS_A);
	ck_assert_int_eq(a->status, AA_DNS_OK);
	aa_dns_free(&dns);
	ck_assert_uint_eq(a->rr[0].a.s_addr, inet_addr("192.0.2.1"));	/* still the arena's */
	aa_arena_reset(arena);
	aa_arena_free(&arena);
}
END_TEST

/* A dns with no arena set keeps answers in its own: aa_dns_flush() ends
 * that message, and only then does a question go out again. */
START_TEST(dns_own_arena_is_emptied_by_flush)
{
	struct aa_dns *dns = aa_dns_new_zone();

	ck_assert_ptr_nonnull(dns);
	ck_assert_int_eq(aa_dns_zone_add_line(dns, "a.example A 192.0.2.1"), 0);
	aa_dns_lookup(dns, "a.example", AA_DNS_A);
	aa_dns_lookup(dns, "a.example", AA_DNS_A);
	ck_assert_uint_eq(aa_dns_queries(dns), 1);
	aa_dns_flush(dns);
	ck_assert_int_eq(aa_dns_lookup(dns, "a.example", AA_DNS_A)->status, AA_DNS_OK);
	ck_assert_uint_eq(aa_dns_queries(dns), 2);
	aa_dns_free(&dns);
}
END_TEST

/* ---- answers kept across messages (dns_keep.c) ---- */

static struct aa_dns_answer one_txt(enum aa_dns_status status, unsigned ttl, char *text)
{
	static struct aa_dns_rr rr;

	rr = (struct aa_dns_rr){ .type = AA_DNS_TXT, .ttl = ttl, .text = text, .text_len = strlen(text), .chunks = 1 };
	return (struct aa_dns_answer){ .status = status, .type = AA_DNS_TXT, .count = status == AA_DNS_OK, .rr = &rr };
}

START_TEST(dns_resolver_answers_are_kept_across_messages_for_their_ttl_only)
{
	struct test_clock clock = { 1000, 0 };
	struct aa_dns *dns = aa_dns_new(NULL, NULL);
	char text[] = "v=spf1 -all";
	struct aa_dns_answer a = one_txt(AA_DNS_OK, 60, text), got;

	ck_assert_ptr_nonnull(dns);
	aa_dns_set_clock(dns, test_clock_read, &clock);
	aa_dns_keep_add(dns, "a.example", AA_DNS_TXT, &a);
	ck_assert_uint_lt(dns->kept_cap, AA_DNS_KEEP_MAX);	/* the table grows as answers come */
	text[0] = 'X';		/* a copy is kept, not the caller's text */
	ck_assert_int_eq(aa_dns_keep_find(dns, "a.example", AA_DNS_TXT, &got), 0);
	ck_assert_int_eq(got.count, 1);
	ck_assert_str_eq(got.rr[0].text, "v=spf1 -all");
	ck_assert_int_eq(aa_dns_keep_find(dns, "a.example", AA_DNS_A, &got), -1);	/* another type */
	clock.now += 59000;
	ck_assert_int_eq(aa_dns_keep_find(dns, "a.example", AA_DNS_TXT, &got), 0);
	clock.now += 1000;	/* the TTL has run out */
	ck_assert_int_eq(aa_dns_keep_find(dns, "a.example", AA_DNS_TXT, &got), -1);
	/* failures, missing names and TTL 0 are never kept */
	a = one_txt(AA_DNS_NXDOMAIN, 60, text);
	aa_dns_keep_add(dns, "b.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_keep_find(dns, "b.example", AA_DNS_TXT, &got), -1);
	a = one_txt(AA_DNS_OK, 0, text);
	aa_dns_keep_add(dns, "c.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_keep_find(dns, "c.example", AA_DNS_TXT, &got), -1);
	/* a long TTL is cut to AA_DNS_KEEP_TTL_MAX */
	a = one_txt(AA_DNS_OK, 86400, text);
	aa_dns_keep_add(dns, "d.example", AA_DNS_TXT, &a);
	clock.now += (uint64_t)AA_DNS_KEEP_TTL_MAX * 1000;
	ck_assert_int_eq(aa_dns_keep_find(dns, "d.example", AA_DNS_TXT, &got), -1);
	aa_dns_free(&dns);
}
END_TEST

/* Past AA_DNS_KEEP_MAX the one that expires first makes room: memory stays bounded. */
START_TEST(dns_kept_answers_are_bounded)
{
	struct test_clock clock = { 1000, 0 };
	struct aa_dns *dns = aa_dns_new(NULL, NULL);
	char text[] = "x", name[64];
	struct aa_dns_answer a, got;
	size_t kept = 0;

	ck_assert_ptr_nonnull(dns);
	aa_dns_set_clock(dns, test_clock_read, &clock);
	for (unsigned i = 0; i < AA_DNS_KEEP_MAX + 50; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		a = one_txt(AA_DNS_OK, 100 + i, text);
		aa_dns_keep_add(dns, name, AA_DNS_TXT, &a);
	}
	for (unsigned i = 0; i < AA_DNS_KEEP_MAX + 50; i++) {
		snprintf(name, sizeof(name), "n%u.example", i);
		kept += aa_dns_keep_find(dns, name, AA_DNS_TXT, &got) == 0;
	}
	ck_assert_uint_eq(kept, AA_DNS_KEEP_MAX);
	ck_assert_uint_eq(dns->kept_cap, AA_DNS_KEEP_MAX);	/* grown to the cap, not past it */
	/* the newest (longest TTL) stayed */
	snprintf(name, sizeof(name), "n%u.example", AA_DNS_KEEP_MAX + 49);
	ck_assert_int_eq(aa_dns_keep_find(dns, name, AA_DNS_TXT, &got), 0);
	aa_dns_free(&dns);
}
END_TEST

/* The daemon's rehearsal reads a built-in wire answer through the parser
 * real answers take (and so binds the resolver library's calls). */
START_TEST(dns_built_in_wire_answer_reads_as_its_record)
{
	struct aa_dns *dns = aa_dns_new_zone();

	ck_assert_ptr_nonnull(dns);
	ck_assert_int_eq(aa_dns_rehearse_wire(dns), 0);
	aa_dns_free(&dns);
}
END_TEST

/* As res_nquery() does, a question carries an EDNS0 record (payload 1200)
 * when resolv.conf says "options edns0", with DO for RES_USE_DNSSEC, and
 * none otherwise. */
START_TEST(dns_question_has_edns0_exactly_when_the_resolver_options_ask)
{
	unsigned char q[NS_PACKETSZ], plain[NS_PACKETSZ];
	struct __res_state res;
	int len, n;

	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(res_ninit(&res), 0);
	len = res_nmkquery(&res, ns_o_query, "a.example", ns_c_in, ns_t_txt, NULL, 0, NULL, q, sizeof(q));
	ck_assert_int_gt(len, 12);
	memcpy(plain, q, (size_t)len);
	ck_assert_int_eq(aa_dns_add_edns0(q, (size_t)len, sizeof(q), 0), len);
	ck_assert_mem_eq(q, plain, (size_t)len);
	n = aa_dns_add_edns0(q, (size_t)len, sizeof(q), RES_USE_EDNS0);
	ck_assert_int_eq(n, len + 11);
	ck_assert_int_eq(q[10] << 8 | q[11], 1);	/* ARCOUNT */
	ck_assert_int_eq(q[len], 0);			/* the root */
	ck_assert_int_eq(q[len + 1] << 8 | q[len + 2], 41);	/* OPT */
	ck_assert_int_eq(q[len + 3] << 8 | q[len + 4], 1200);
	ck_assert_int_eq(q[len + 7], 0);		/* no DO */
	memcpy(q, plain, (size_t)len);
	ck_assert_int_eq(aa_dns_add_edns0(q, (size_t)len, sizeof(q), RES_USE_DNSSEC), len + 11);
	ck_assert_int_eq(q[len + 7], 0x80);		/* DO */
	memcpy(q, plain, (size_t)len);
	ck_assert_int_eq(aa_dns_add_edns0(q, (size_t)len, (size_t)len + 10, RES_USE_EDNS0), -1);
	ck_assert_int_eq(aa_dns_add_edns0(q, 5, sizeof(q), RES_USE_EDNS0), -1);
	q[11] = 1;	/* already an additional record */
	ck_assert_int_eq(aa_dns_add_edns0(q, (size_t)len, sizeof(q), RES_USE_EDNS0), -1);
	res_nclose(&res);
}
END_TEST

/* The fixed zone is never kept: its lines change under the tests. */
START_TEST(dns_fixed_zone_answers_are_never_kept)
{
	struct aa_dns *dns = aa_dns_new_zone();
	char text[] = "v=spf1 -all";
	struct aa_dns_answer a = one_txt(AA_DNS_OK, 60, text), got;

	ck_assert_ptr_nonnull(dns);
	aa_dns_keep_add(dns, "a.example", AA_DNS_TXT, &a);
	ck_assert_int_eq(aa_dns_keep_find(dns, "a.example", AA_DNS_TXT, &got), -1);
	aa_dns_free(&dns);
}
END_TEST

Suite *suite_dns(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("zone");

	tcase_add_test(tc, dns_zone_concatenates_txt_chunks);
	tcase_add_test(tc, dns_resolver_answers_are_kept_across_messages_for_their_ttl_only);
	tcase_add_test(tc, dns_kept_answers_are_bounded);
	tcase_add_test(tc, dns_fixed_zone_answers_are_never_kept);
	tcase_add_test(tc, dns_built_in_wire_answer_reads_as_its_record);
	tcase_add_test(tc, dns_question_has_edns0_exactly_when_the_resolver_options_ask);
	tcase_add_test(tc, dns_txt_keeps_nul_bytes_with_length);
	tcase_add_test(tc, dns_missing_name_is_nxdomain_missing_type_is_nodata);
	tcase_add_test(tc, dns_servfail_and_timeout_are_temporary);
	tcase_add_test(tc, dns_same_question_is_asked_once_per_message);
	tcase_add_loop_test(tc, dns_bad_names_are_never_asked, 0,
			    sizeof(bad_names) / sizeof(bad_names[0]));
	tcase_add_test(tc, dns_names_over_253_octets_are_never_asked);
	tcase_add_test(tc, dns_name_with_spaces_and_percents_is_asked);
	tcase_add_test(tc, dns_backslash_is_an_ordinary_octet);
	tcase_add_test(tc, dns_zone_names_take_decimal_escapes);
	tcase_add_loop_test(tc, dns_bad_zone_name_escape_is_refused, 0,
			    sizeof(bad_zone_names) / sizeof(bad_zone_names[0]));
	tcase_add_test(tc, dns_resolver_question_holds_the_label_octets);
	tcase_add_test(tc, dns_answer_names_come_back_as_label_octets);
	tcase_add_test(tc, dns_malformed_zone_line_is_refused);
	tcase_add_loop_test(tc, dns_answers_stay_valid_after_more_lookups_than_the_cache_holds, 0,
			    (int)(sizeof(later_questions) / sizeof(later_questions[0])));
	tcase_add_loop_test(tc, dns_budget_turns_further_questions_into_tempfail, 0,
			    (int)(sizeof(budgets) / sizeof(budgets[0])));
	tcase_add_test(tc, dns_budget_keeps_cached_answers_and_restarts_with_the_next_message);
	tcase_add_test(tc, dns_cache_and_budget_empty_whoever_resets_the_arena);
	tcase_add_test(tc, dns_lookup_is_tempfail_when_the_cache_cannot_hook_the_arena);
	tcase_add_test(tc, dns_freed_before_its_arena_leaves_no_hook);
	tcase_add_test(tc, dns_own_arena_is_emptied_by_flush);
	tcase_add_loop_test(tc, dns_answer_packets_parse_as_expected, 0,
			    sizeof(packets) / sizeof(packets[0]));
	suite_add_tcase(s, tc);
	return s;
}
