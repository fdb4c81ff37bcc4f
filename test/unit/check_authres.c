/* check_authres.c - our Authentication-Results, and which incoming ones claim our id. */
#include "aa_authres.h"
#include "aa_test.h"

#define V(s) s, sizeof(s) - 1

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
	{ "Authentication-Results: \"mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \"MX.test\\.example\" 1; dmarc=pass", 1 },
	/* a reader that unquotes and trims sees our id */
	{ "Authentication-Results: \"mx.test.example \"; dmarc=pass", 1 },
	{ "Authentication-Results: (1(2(3(4(5(6(7(8(9))))))))) other.example; dmarc=pass", 1 },
	{ "Authentication-Results: (a\\) still a comment) mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: (a\\) still a comment) other.example; dmarc=pass", 0 },
	{ "Authentication-Results: mx.test.example(c); dmarc=pass", 1 },
	{ "Authentication-Results: mx.test.example/x; dmarc=pass", 1 },
	/* white space a reader trims before (or around) the id */
	{ "Authentication-Results:\vmx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \fmx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \xc2\xa0mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \xc2\x85mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \xe2\x80\x83mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \xe1\x9a\x80mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \xe2\x80\xa8\xe2\x80\xafmx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \xe2\x81\x9f\xe3\x80\x80mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \xef\xbb\xbfmx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \xa0mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: (c)\xc2\xa0(d)\vmx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results: \"\xc2\xa0mx.test.example\v\"; dmarc=pass", 1 },
	{ "Authentication-Results: mx.test.example\xc2\xa0; dmarc=pass", 1 },
	{ "Authentication-Results: mx.test.example\v; dmarc=pass", 1 },
	/* a host name's final dot names the same host */
	{ "Authentication-Results: mx.test.example.; dmarc=pass", 1 },
	{ "Authentication-Results: \"MX.test.example. \"; dmarc=pass", 1 },
	{ "Authentication-Results: mx.test.example..; dmarc=pass", 0 },
	{ "Authentication-Results: mx.test.; dmarc=pass", 0 },
	{ "Authentication-Results: \xc2\xa0other.example; dmarc=pass", 0 },
	{ "Authentication-Results: \xc2\xa1mx.test.example; dmarc=pass", 0 },
	{ "Authentication-Results: \"mx.test.example\xc2\xa0x\"; dmarc=pass", 0 },
	/* the name side: any case, any white space a reader trims before the colon */
	{ "AUTHENTICATION-results \t : mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results\v: mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results\xc2\xa0: mx.test.example; dmarc=pass", 1 },
	{ "Authentication-Results\xc2\xa1: mx.test.example; dmarc=pass", 0 },
};

START_TEST(authres_id_is_compares_8bit_ids)
{
	ck_assert_int_eq(aa_authres_id_is(V("\"mx.\xc3\xa9.example\"; none"), "MX.\xc3\xa9.example"), 1);
	ck_assert_int_eq(aa_authres_id_is(V("\"mx.\xc3\xa9.example\"; none"), "mx.\xc3\xa8.example"), 0);
	ck_assert_int_eq(aa_authres_id_is(V("mx.test.example; none"), "mx.test.example.evil"), 0);
	ck_assert_int_eq(aa_authres_id_is(V("mx.test.example; none"), "mx.test.example."), 1);
}
END_TEST

/* What a reader trims is cut from both ids, so the id the parser reads
 * back is always recognised (the fuzz target's invariant). */
START_TEST(authres_id_is_trims_both_ids_alike)
{
	ck_assert_int_eq(aa_authres_id_is(V("\"mx.test.example \"; none"), "mx.test.example "), 1);
	ck_assert_int_eq(aa_authres_id_is(V("\" \"; none"), " "), 1);
	ck_assert_int_eq(aa_authres_id_is(V("\"\xc2\xa0mx.test.example\"; none"), "\vmx.test.example"), 1);
	ck_assert_int_eq(aa_authres_id_is(V("\"mx.test.exampl\xc2\xa0" "e\"; none"), "mx.test.example"), 0);
}
END_TEST

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

/* Out of memory at any allocation: no header (the caller defers), never
 * one with a result or a value missing. */
START_TEST(authres_out_of_memory_gives_no_header_never_a_partial_one)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_spf_result spf = { .result = AA_FAIL, .identity = "mailfrom", .domain = "a.example",
				     .sender = "b ob@a.example", .reason = "not (permitted)" };
	struct aa_dkim_sig sig = { .result = AA_FAIL, .reason = "bad sig", .domain = "a.example",
				   .selector = "s1", .algorithm = "rsa-sha256" };
	struct aa_dkim_result dkim = { .count = 1, .sigs = &sig };
	struct aa_dmarc_result dmarc = { .result = AA_FAIL, .published = AA_POLICY_REJECT,
					 .policy = AA_POLICY_REJECT, .from_domain = "a.example" };
	struct aa_authres_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &spf,
				       .dkim = &dkim, .dmarc = &dmarc };
	const char *full = aa_authres_build(ctx, &in);
	size_t refused = 1;

	ck_assert_ptr_nonnull(full);
	ck_assert_ptr_nonnull(strstr(full, "dmarc=fail"));
	for (size_t n = 0; refused > 0 && n < 100; n++) {
		const char *v;

		aa_arena_fail_after(ctx->arena, n, SIZE_MAX);
		v = aa_authres_build(ctx, &in);
		refused = aa_arena_fail_after(ctx->arena, SIZE_MAX, 0);
		ck_assert_msg(v == NULL || strcmp(v, full) == 0, "failing after %zu: %s", n, v);
		ck_assert_msg(refused == 0 || v == NULL, "failing after %zu: a header anyway", n);
	}
	ck_assert_uint_eq(refused, 0);	/* the loop reached a run with memory enough */
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


/* ---- the parser ---- */

struct parse_case {
	const char *what;
	const char *value;
	size_t len;
	enum aa_authres_mode mode;
	int rc;			/* 1 parsed, 0 rejected */
	size_t count;		/* results, when parsed */
};

static const struct parse_case parse_cases[] = {
	{ "none alone is accepted", V("a.example; none"), AA_AUTHRES_STRICT, 1, 0 },
	{ "none in upper case is accepted", V("a.example;NONE"), AA_AUTHRES_STRICT, 1, 0 },
	{ "a comment after none is accepted", V("a.example; none (nothing)\n"), AA_AUTHRES_STRICT, 1, 0 },
	{ "a version is accepted", V("a.example 1 (v); none"), AA_AUTHRES_STRICT, 1, 0 },
	{ "a method called none is a method", V("a.example; none=pass"), AA_AUTHRES_STRICT, 1, 1 },
	{ "comments between all tokens are accepted",
	  V("(a (b (c))) a.example (d) 1 (e) ; (f) spf (g) / (h) 1 (i) = (j) pass (k) reason (l) = (m) \"x\" (n) "
	    "smtp (o) . (p) mailfrom (q) = (r) b@a.example (s)"), AA_AUTHRES_STRICT, 1, 1 },
	{ "folding is white space", V("a.example;\r\n\tspf=pass\n smtp.mailfrom=a.example\r\n"), AA_AUTHRES_STRICT, 1, 1 },
	{ "several results are kept", V("a.example; spf=pass; dkim=fail header.d=a.example; dmarc=none"),
	  AA_AUTHRES_STRICT, 1, 3 },
	{ "pvalues: token, @domain, local@domain, quoted",
	  V("a.example; dkim=pass header.b=ab+c header.i=@a.example header.x=\"a;b\" "
	    "smtp.mailfrom=x.y+z@mail.a.example smtp.rcptto=\"q r\"@a.example"), AA_AUTHRES_STRICT, 1, 1 },
	{ "8-bit text in a comment is accepted", V("a.example; spf=pass (\xc3\xa9t\xc3\xa9)"), AA_AUTHRES_STRICT, 1, 1 },
	{ "comments nested 8 deep are accepted", V("a.example (1(2(3(4(5(6(7(8)))))))); none"), AA_AUTHRES_STRICT, 1, 0 },

	{ "an empty value is rejected", V(""), AA_AUTHRES_STRICT, 0, 0 },
	{ "a missing authserv-id is rejected", V("; none"), AA_AUTHRES_STRICT, 0, 0 },
	{ "an empty quoted authserv-id is rejected", V("\"\"; none"), AA_AUTHRES_LENIENT, 0, 0 },
	{ "an id without results is rejected", V("a.example"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a trailing semicolon is rejected", V("a.example; spf=pass;"), AA_AUTHRES_STRICT, 0, 0 },
	{ "none followed by a result is rejected", V("a.example; none dkim=pass"), AA_AUTHRES_STRICT, 0, 0 },
	{ "none after a result is rejected", V("a.example; spf=pass; none"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a word after the id is rejected", V("a.example foo; none"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a version glued to a quoted id is rejected", V("\"a.example\"1; none"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a method without result is rejected", V("a.example; spf"), AA_AUTHRES_STRICT, 0, 0 },
	{ "an empty result is rejected", V("a.example; spf= "), AA_AUTHRES_STRICT, 0, 0 },
	{ "a keyword ending in a hyphen is rejected", V("a.example; spf-=pass"), AA_AUTHRES_STRICT, 0, 0 },
	{ "an underscore in a keyword is rejected", V("a.example; x_y=pass"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a quoted method is rejected", V("a.example; \"spf\"=pass"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a property without ptype is rejected", V("a.example; spf=pass mailfrom=a.example"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a property without value is rejected", V("a.example; spf=pass smtp.mailfrom="), AA_AUTHRES_STRICT, 0, 0 },
	{ "a domain without a dot is rejected", V("a.example; spf=pass smtp.mailfrom=b@localhost"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a doubled dot in a local part is rejected", V("a.example; spf=pass smtp.mailfrom=a..b@a.example"),
	  AA_AUTHRES_STRICT, 0, 0 },
	{ "a slash in a pvalue is rejected", V("a.example; dkim=pass header.b=ab/c"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a reason after the properties is rejected", V("a.example; spf=pass smtp.helo=a.example reason=x"),
	  AA_AUTHRES_STRICT, 0, 0 },
	{ "an unclosed comment is rejected", V("a.example; spf=pass (oops"), AA_AUTHRES_STRICT, 0, 0 },
	{ "an unclosed quoted-string is rejected", V("a.example; spf=pass reason=\"oops"), AA_AUTHRES_STRICT, 0, 0 },
	{ "comments nested 9 deep are rejected", V("a.example (1(2(3(4(5(6(7(8(9))))))))); none"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a NUL byte is rejected", V("a.example; spf=pass\0 smtp.helo=a.example"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a NUL byte in a comment is rejected", V("a.example; spf=pass (a\0b)"), AA_AUTHRES_STRICT, 0, 0 },
	{ "a line end after a backslash is rejected", V("a.example; spf=pass (a\\\nb)"), AA_AUTHRES_STRICT, 0, 0 },

	{ "lenient: a trailing semicolon is ignored", V("a.example; spf=pass;"), AA_AUTHRES_LENIENT, 1, 1 },
	{ "lenient: a broken result is skipped", V("a.example; spf=pass; outlook.com; dkim=pass"), AA_AUTHRES_LENIENT, 1, 2 },
	{ "lenient: words after the id are skipped", V("a.example from=x.example; dkim=pass"), AA_AUTHRES_LENIENT, 1, 1 },
	{ "lenient: properties without ptype are kept", V("a.example; x=pass bits=128/128 smtp_ok=yes"),
	  AA_AUTHRES_LENIENT, 1, 1 },
	{ "lenient: an id alone is accepted", V("a.example"), AA_AUTHRES_LENIENT, 1, 0 },
	{ "lenient: a missing authserv-id is still rejected", V("; spf=pass"), AA_AUTHRES_LENIENT, 0, 0 },
	{ "lenient: an unclosed comment ends the field", V("a.example; spf=pass; dkim=pass (x"), AA_AUTHRES_LENIENT, 1, 1 },
};

START_TEST(authres_parse_accepts_or_rejects_as_the_table_says)
{
	const struct parse_case *c = &parse_cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_authres_parsed *p = NULL;
	const char *err = NULL;
	int rc = aa_authres_parse(ctx, c->value, c->len, c->mode, &p, &err);

	ck_assert_msg(rc == c->rc, "%s: rc %d (%s)", c->what, rc, err != NULL ? err : "");
	if (rc == 1) {
		ck_assert_ptr_nonnull(p);
		ck_assert_msg(p->count == c->count, "%s: %zu results", c->what, p->count);
	} else {
		ck_assert_ptr_null(p);
		ck_assert_msg(err != NULL && strstr(err, " at byte ") != NULL, "%s: no reason", c->what);
	}
	aa_ctx_end_message(ctx);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(authres_parse_fills_every_field)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_authres_parsed *p;
	const char v[] = "\"Mx \\\"1\\\"\" 1; DKIM/1 = Fail reason=\"bad sig\" Header.D=A.example "
			 "header.i=\"x\\\\y\"@a.example (c); spf=pass";

	ck_assert_int_eq(aa_authres_parse(ctx, v, sizeof(v) - 1, AA_AUTHRES_STRICT, &p, NULL), 1);
	ck_assert_str_eq(p->authserv_id, "Mx \"1\"");
	ck_assert_str_eq(p->version, "1");
	ck_assert_uint_eq(p->count, 2);
	ck_assert_str_eq(p->r[0].method, "dkim");
	ck_assert_str_eq(p->r[0].method_version, "1");
	ck_assert_str_eq(p->r[0].result, "fail");
	ck_assert_str_eq(p->r[0].reason, "bad sig");
	ck_assert_uint_eq(p->r[0].nprops, 2);
	ck_assert_str_eq(p->r[0].props[0].ptype, "header");
	ck_assert_str_eq(p->r[0].props[0].property, "d");
	ck_assert_str_eq(p->r[0].props[0].value, "A.example");
	ck_assert_str_eq(p->r[0].props[1].value, "\"x\\\\y\"@a.example");
	ck_assert_ptr_null(p->r[1].method_version);
	ck_assert_ptr_null(p->r[1].reason);
	ck_assert_uint_eq(p->r[1].nprops, 0);
	ck_assert_uint_eq(p->skipped, 0);
	aa_ctx_free(&ctx);
}
END_TEST

/* n results "m=p" after "a.example" */
static char *many_results(size_t n, size_t *len_r)
{
	char *s = malloc(16 + n * 5);
	size_t o;

	ck_assert_ptr_nonnull(s);
	o = (size_t)sprintf(s, "a.example");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "; m=p");
	*len_r = o;
	return s;
}

START_TEST(authres_parse_caps_results_properties_and_items)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_authres_parsed *p;
	const char *err;
	size_t len;
	char *s;
	char buf[2048];
	int o;

	s = many_results(AA_AUTHRES_RESINFO_MAX, &len);
	ck_assert_int_eq(aa_authres_parse(ctx, s, len, AA_AUTHRES_STRICT, &p, &err), 1);
	free(s);
	s = many_results(AA_AUTHRES_RESINFO_MAX + 1, &len);
	ck_assert_int_eq(aa_authres_parse(ctx, s, len, AA_AUTHRES_LENIENT, &p, &err), 0);
	ck_assert_ptr_nonnull(strstr(err, "too many results"));
	free(s);

	o = sprintf(buf, "a.example; m=p");
	for (int i = 0; i < AA_AUTHRES_PROP_MAX + 1; i++)
		o += sprintf(buf + o, " a.b=c");
	ck_assert_int_eq(aa_authres_parse(ctx, buf, (size_t)o, AA_AUTHRES_STRICT, &p, &err), 0);
	ck_assert_ptr_nonnull(strstr(err, "too many properties"));
	ck_assert_int_eq(aa_authres_parse(ctx, buf, (size_t)o - 6, AA_AUTHRES_STRICT, &p, &err), 1);

	o = sprintf(buf, "a.example; m=p a.b=");
	memset(buf + o, 'x', AA_AUTHRES_ITEM_MAX + 1);
	ck_assert_int_eq(aa_authres_parse(ctx, buf, (size_t)o + AA_AUTHRES_ITEM_MAX + 1, AA_AUTHRES_STRICT, &p, &err), 0);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	ck_assert_int_eq(aa_authres_parse(ctx, buf, (size_t)o + AA_AUTHRES_ITEM_MAX, AA_AUTHRES_STRICT, &p, &err), 1);

	s = malloc(AA_AUTHRES_VALUE_MAX + 1);
	ck_assert_ptr_nonnull(s);
	memcpy(s, "a.example; none", 15);
	memset(s + 15, ' ', AA_AUTHRES_VALUE_MAX + 1 - 15);
	ck_assert_int_eq(aa_authres_parse(ctx, s, AA_AUTHRES_VALUE_MAX, AA_AUTHRES_STRICT, &p, &err), 1);
	ck_assert_int_eq(aa_authres_parse(ctx, s, AA_AUTHRES_VALUE_MAX + 1, AA_AUTHRES_STRICT, &p, &err), 0);
	free(s);
	aa_ctx_free(&ctx);
}
END_TEST

struct format_case {
	const char *value;
	const char *canonical;	/* NULL: the formatter refuses */
};

static const struct format_case format_cases[] = {
	{ "a.example;none", "a.example; none" },
	{ "(c) a.example (d) 1 ; (e) none", "a.example 1; none" },
	{ "a.example; DKIM/1=Pass (c) header.I=@A.example;spf=fail reason=\"no good\"",
	  "a.example; dkim/1=pass header.i=@A.example; spf=fail reason=\"no good\"" },
	{ "\"a b\"; x=y p.q=\"1\" p.r=\"x\\\"y\" p.s=b@localhost",
	  "\"a b\"; x=y p.q=1 p.r=\"x\\\"y\" p.s=\"b@localhost\"" },
	{ "a.example; x=pass bits=128", NULL },
	{ "a.example; x_y=pass", NULL },
};

START_TEST(authres_format_writes_the_canonical_line)
{
	const struct format_case *c = &format_cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_authres_parsed *p, *again;
	const char *f;

	ck_assert_int_eq(aa_authres_parse(ctx, c->value, strlen(c->value), AA_AUTHRES_LENIENT, &p, NULL), 1);
	f = aa_authres_format(ctx, p);
	if (c->canonical == NULL) {
		ck_assert_msg(f == NULL, "%s gave %s", c->value, f);
	} else {
		ck_assert_str_eq(f, c->canonical);
		/* what we write is strict RFC 8601 and reads back the same */
		ck_assert_int_eq(aa_authres_parse(ctx, f, strlen(f), AA_AUTHRES_STRICT, &again, NULL), 1);
		ck_assert_str_eq(aa_authres_format(ctx, again), f);
	}
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(authres_our_header_parses_strictly)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_spf_result spf = { .result = AA_FAIL, .identity = "mailfrom", .domain = "a.example",
				     .sender = "odd..name@localhost", .reason = "x" };
	struct aa_dkim_sig sig = { .result = AA_FAIL, .domain = "a.example", .selector = "s_1",
				   .algorithm = "rsa-sha256", .b_prefix = "Ab/Cd+Ef", .reason = "bad@sig" };
	struct aa_dkim_result dkim = { .count = 1, .sigs = &sig };
	struct aa_dmarc_result dmarc = { .result = AA_FAIL, .published = AA_POLICY_REJECT,
					 .policy = AA_POLICY_REJECT, .from_domain = "a.example" };
	struct aa_authres_input in = { .authserv_id = "mx.test.example", .spf_mailfrom = &spf,
				       .dkim = &dkim, .dmarc = &dmarc };
	const char *v = aa_authres_build(ctx, &in);
	struct aa_authres_parsed *p;
	const char *err = NULL;

	ck_assert_msg(aa_authres_parse(ctx, v, strlen(v), AA_AUTHRES_STRICT, &p, &err) == 1, "%s: %s", v, err);
	ck_assert_uint_eq(p->count, 3);
	ck_assert_str_eq(p->r[0].props[0].value, "odd..name@localhost");
	ck_assert_str_eq(p->r[1].reason, "bad@sig");
	ck_assert_str_eq(p->r[1].props[3].value, "Ab/Cd+Ef");
	aa_ctx_free(&ctx);
}
END_TEST

static const char *const plain_values[] = {
	"a.example", "@a.example", "b@a.example", "b.c+d@a-b.example", "..net", "x=y@a.example",
};
static const char *const quoted_values[] = {
	"b@localhost", "a..b@a.example", ".b@a.example", "b@a.example.", "b@-a.example", "b@a_b.example",
	"a/b", "a b", "a;b", "", "@", "b@", "a@b@c.example",
};

START_TEST(authres_value_is_plain_only_when_it_reads_back)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	for (size_t i = 0; i < sizeof(plain_values) / sizeof(plain_values[0]); i++)
		ck_assert_str_eq(aa_authres_value(ctx, plain_values[i], strlen(plain_values[i])), plain_values[i]);
	for (size_t i = 0; i < sizeof(quoted_values) / sizeof(quoted_values[0]); i++) {
		const char *v = aa_authres_value(ctx, quoted_values[i], strlen(quoted_values[i]));
		char *field = aa_arena_printf(ctx->arena, "a.example; x=y p.q=%s", v);
		struct aa_authres_parsed *p;

		ck_assert_msg(v[0] == '"', "%s written plain", quoted_values[i]);
		ck_assert_int_eq(aa_authres_parse(ctx, field, strlen(field), AA_AUTHRES_STRICT, &p, NULL), 1);
		ck_assert_str_eq(p->r[0].props[0].value, quoted_values[i]);
	}
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(authres_field_value_finds_the_value)
{
	size_t off = 99;

	ck_assert_int_eq(aa_authres_field_value(V("Authentication-results \t:x"), &off), 1);
	ck_assert_uint_eq(off, 25);
	ck_assert_int_eq(aa_authres_field_value(V("Authentication-Results"), &off), 0);
	ck_assert_int_eq(aa_authres_field_value(V("Authentication-ResultsX: a"), &off), 0);
	ck_assert_int_eq(aa_authres_field_value(NULL, 0, &off), 0);
}
END_TEST

Suite *suite_authres(void)
{
	Suite *s = suite_create("authres");
	TCase *tc = tcase_create("authres");

	tcase_add_loop_test(tc, authres_recognises_fields_claiming_our_id, 0,
			    (int)(sizeof(ours_cases) / sizeof(ours_cases[0])));
	tcase_add_test(tc, authres_length_is_respected);
	tcase_add_test(tc, authres_id_is_compares_8bit_ids);
	tcase_add_test(tc, authres_id_is_trims_both_ids_alike);
	tcase_add_test(tc, authres_builds_all_three_methods);
	tcase_add_test(tc, authres_out_of_memory_gives_no_header_never_a_partial_one);
	tcase_add_test(tc, authres_null_sender_reports_the_helo_check_once);
	tcase_add_test(tc, authres_reports_mailfrom_and_helo_checks);
	tcase_add_test(tc, authres_hostile_values_are_quoted_not_injected);
	tcase_add_test(tc, authres_value_quotes_quotes_and_backslashes);
	tcase_add_loop_test(tc, authres_parse_accepts_or_rejects_as_the_table_says, 0,
			    (int)(sizeof(parse_cases) / sizeof(parse_cases[0])));
	tcase_add_test(tc, authres_parse_fills_every_field);
	tcase_add_test(tc, authres_parse_caps_results_properties_and_items);
	tcase_add_loop_test(tc, authres_format_writes_the_canonical_line, 0,
			    (int)(sizeof(format_cases) / sizeof(format_cases[0])));
	tcase_add_test(tc, authres_our_header_parses_strictly);
	tcase_add_test(tc, authres_value_is_plain_only_when_it_reads_back);
	tcase_add_test(tc, authres_field_value_finds_the_value);
	suite_add_tcase(s, tc);
	return s;
}
