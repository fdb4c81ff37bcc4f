/* check_dmarc_record.c - one DMARC record's tags: values, bad values discarded, case, space, repeats,
 * limits; a usable record met again is not parsed again. */
#include "aa_dmarc.h"
#include "aa_test.h"
#include "../../core/dmarc/dmarc_int.h"

#define NONE_P AA_POLICY_NONE
#define QUAR AA_POLICY_QUARANTINE
#define REJ AA_POLICY_REJECT
#define UNS AA_POLICY_UNSPEC
#define R9 AA_DMARC_RFC9989
#define R7 AA_DMARC_RFC7489

/* len 0: strlen(txt); want_reason: a part of the reason, NULL for none. */
static const struct record_case {
	const char *what;
	const char *txt;
	size_t len;
	enum aa_dmarc_mode mode;
	enum aa_result want;
	enum aa_dmarc_policy p, sp, np;
	int adkim_strict, aspf_strict, pct, testing;
	char psd;
	const char *want_reason;
} cases[] = {
	{ "p alone", "v=DMARC1; p=reject", 0, R9, AA_PASS, REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "every verdict tag", "v=DMARC1; p=quarantine; sp=none; np=reject; adkim=s; aspf=s; t=y; psd=n",
	  0, R9, AA_PASS, QUAR, NONE_P, REJ, 1, 1, 100, 1, 'n', NULL },
	{ "relaxed alignment given", "v=DMARC1; p=none; adkim=r; aspf=r", 0, R9, AA_PASS,
	  NONE_P, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "reporting tags do not decide", "v=DMARC1; p=reject; rua=mailto:d@example.com; "
	  "ruf=mailto:f@example.com; fo=1; ri=3600", 0, R9, AA_PASS, REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	/* whitespace and case */
	{ "spaces and tabs around names, = and ;", "v = DMARC1 ;p= reject ;\t sp =none\t;", 0, R9,
	  AA_PASS, REJ, NONE_P, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "no space at all, trailing ;", "v=DMARC1;p=reject;sp=quarantine;", 0, R9, AA_PASS,
	  REJ, QUAR, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "backslash before ; as DNS tools publish it", "v=DMARC1\\; p=reject\\; adkim=s", 0, R9,
	  AA_PASS, REJ, UNS, UNS, 1, 0, 100, 0, 'u', NULL },
	{ "tag names ignore case", "V=DMARC1; P=reject; SP=none; ADKIM=s; ASPF=s", 0, R9, AA_PASS,
	  REJ, NONE_P, UNS, 1, 1, 100, 0, 'u', NULL },
	{ "adkim and aspf values ignore case", "v=DMARC1; p=none; adkim=S; aspf=S", 0, R9, AA_PASS,
	  NONE_P, UNS, UNS, 1, 1, 100, 0, 'u', NULL },
	{ "version value is case sensitive", "v=dmarc1; p=reject", 0, R9, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "not a DMARC record" },
	/* v= first */
	{ "v= not first is no record", "p=reject; v=DMARC1", 0, R9, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "not a DMARC record" },
	{ "v= without ; before the next tag", "v=DMARC1 p=reject", 0, R9, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "not a DMARC record" },
	{ "wrong version", "v=DMARC2; p=reject", 0, R9, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "not a DMARC record" },
	{ "empty text", "", 0, R9, AA_NONE, UNS, UNS, UNS, 0, 0, 100, 0, 'u', "not a DMARC record" },
	{ "SPF record", "v=spf1 -all", 0, R9, AA_NONE, UNS, UNS, UNS, 0, 0, 100, 0, 'u', "not a DMARC record" },
	/* bad values discarded in favour of the default (RFC 9989) */
	{ "bad adkim discarded", "v=DMARC1; p=reject; adkim=x", 0, R9, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "adkim word starting with s discarded", "v=DMARC1; p=reject; adkim=strict; aspf=sx", 0, R9,
	  AA_PASS, REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "empty aspf discarded", "v=DMARC1; p=reject; aspf=", 0, R9, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "bad t discarded", "v=DMARC1; p=reject; t=maybe", 0, R9, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "bad psd is u", "v=DMARC1; p=reject; psd=x", 0, R9, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "term without = discarded", "v=DMARC1; p=reject; junk; adkim=s", 0, R9, AA_PASS,
	  REJ, UNS, UNS, 1, 0, 100, 0, 'u', NULL },
	{ "unknown tag ignored", "v=DMARC1; p=reject; xyz=1", 0, R9, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "control byte in a reporting term discards only that term",
	  "v=DMARC1; p=reject; rua=mailto:a@b\001.example", 0, R9, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "8-bit byte in p discards p", "v=DMARC1; p=re\200ject", 0, R9, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "no policy" },
	{ "NUL inside p (explicit length) discards p", "v=DMARC1; p=reject\0; sp=none", 28, R9, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "no policy" },
	/* p, np unusable */
	{ "no p, no rua", "v=DMARC1", 0, R9, AA_NONE, UNS, UNS, UNS, 0, 0, 100, 0, 'u', "record has no policy" },
	{ "bad p, no rua", "v=DMARC1; p=bogus", 0, R9, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "record has an invalid policy" },
	{ "bad p with a usable rua is p=none", "v=DMARC1; p=bogus; rua=mailto:d@example.com", 0, R9,
	  AA_PASS, NONE_P, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "no p with a usable rua is p=none", "v=DMARC1; rua=mailto:d@example.com", 0, R9,
	  AA_PASS, NONE_P, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "rua without an address is not usable", "v=DMARC1; rua=mailto:@example.com", 0, R9,
	  AA_NONE, UNS, UNS, UNS, 0, 0, 100, 0, 'u', "record has no policy" },
	{ "rua of https only is not usable", "v=DMARC1; rua=https://example.com/r", 0, R9,
	  AA_NONE, UNS, UNS, UNS, 0, 0, 100, 0, 'u', "record has no policy" },
	{ "second rua URI usable", "v=DMARC1; rua=https://example.com/r, mailto:d@example.com", 0, R9,
	  AA_PASS, NONE_P, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "p value longer than 32 bytes is bad",
	  "v=DMARC1; p=rejectrejectrejectrejectrejectreject", 0, R9, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "record has an invalid policy" },
	{ "bad np under RFC 9989 is an unusable policy", "v=DMARC1; p=reject; np=bogus", 0, R9,
	  AA_NONE, REJ, UNS, UNS, 0, 0, 100, 0, 'u', "record has an invalid policy" },
	{ "bad np under RFC 7489 is ignored", "v=DMARC1; p=reject; np=bogus", 0, R7,
	  AA_PASS, REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "PSD record may leave p out (RFC 9989)", "v=DMARC1; psd=y", 0, R9, AA_PASS,
	  NONE_P, UNS, UNS, 0, 0, 100, 0, 'y', NULL },
	{ "psd=y without p under RFC 7489 has no policy", "v=DMARC1; psd=y", 0, R7, AA_NONE,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'y', "record has no policy" },
	/* pct: RFC 7489 only */
	{ "pct under RFC 7489", "v=DMARC1; p=reject; pct=50", 0, R7, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 50, 0, 'u', NULL },
	{ "pct=0 under RFC 7489", "v=DMARC1; p=reject; pct=0", 0, R7, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 0, 0, 'u', NULL },
	{ "pct over 100 discarded", "v=DMARC1; p=reject; pct=101", 0, R7, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "pct word discarded", "v=DMARC1; p=reject; pct=half", 0, R7, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "pct of four digits discarded", "v=DMARC1; p=reject; pct=0050", 0, R7, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "pct ignored under RFC 9989", "v=DMARC1; p=reject; pct=50", 0, R9, AA_PASS,
	  REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	/* repeats */
	{ "p twice is a permerror", "v=DMARC1; p=reject; p=none", 0, R9, AA_PERMERROR,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "repeats a tag" },
	{ "p twice in other case is a permerror", "v=DMARC1; p=reject; P=none", 0, R9, AA_PERMERROR,
	  UNS, UNS, UNS, 0, 0, 100, 0, 'u', "repeats a tag" },
	{ "rua twice is a permerror", "v=DMARC1; p=none; rua=mailto:a@example.com; rua=mailto:b@example.com",
	  0, R9, AA_PERMERROR, UNS, UNS, UNS, 0, 0, 100, 0, 'u', "repeats a tag" },
	{ "pct twice under RFC 7489 is a permerror", "v=DMARC1; p=reject; pct=1; pct=2", 0, R7,
	  AA_PERMERROR, UNS, UNS, UNS, 0, 0, 100, 0, 'u', "repeats a tag" },
	{ "pct twice under RFC 9989 is ignored", "v=DMARC1; p=reject; pct=1; pct=2", 0, R9,
	  AA_PASS, REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
	{ "unknown tag twice is ignored", "v=DMARC1; p=reject; foo=1; foo=2", 0, R9,
	  AA_PASS, REJ, UNS, UNS, 0, 0, 100, 0, 'u', NULL },
};

START_TEST(dmarc_record_table)
{
	const struct record_case *c = &cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dmarc_record rec;
	const char *reason = "unset";
	size_t len = c->len != 0 ? c->len : strlen(c->txt);
	enum aa_result got = aa_dmarc_record_parse(ctx, "example.com", c->txt, len, c->mode, &rec, &reason);

	ck_assert_msg(got == c->want, "%s: result %d, want %d (reason %s)", c->what, got, c->want,
		      reason != NULL ? reason : "none");
	if (c->want_reason != NULL)
		ck_assert_msg(reason != NULL && strstr(reason, c->want_reason) != NULL,
			      "%s: reason \"%s\", want \"%s\"", c->what, reason != NULL ? reason : "(null)",
			      c->want_reason);
	else
		ck_assert_msg(reason == NULL, "%s: unexpected reason %s", c->what, reason);
	if (got == AA_PASS) {
		ck_assert_msg(rec.p == c->p, "%s: p %d, want %d", c->what, rec.p, c->p);
		ck_assert_msg(rec.sp == c->sp, "%s: sp %d, want %d", c->what, rec.sp, c->sp);
		ck_assert_msg(rec.np == c->np, "%s: np %d, want %d", c->what, rec.np, c->np);
		ck_assert_msg(rec.adkim_strict == c->adkim_strict, "%s: adkim", c->what);
		ck_assert_msg(rec.aspf_strict == c->aspf_strict, "%s: aspf", c->what);
		ck_assert_msg(rec.pct == c->pct, "%s: pct %d, want %d", c->what, rec.pct, c->pct);
		ck_assert_msg(rec.testing == c->testing, "%s: t", c->what);
		ck_assert_msg(rec.psd == c->psd, "%s: psd %c, want %c", c->what, rec.psd, c->psd);
		ck_assert_str_eq(rec.domain, "example.com");
		ck_assert_int_eq(memcmp(rec.raw, c->txt, len), 0);
	}
	/* met again in this process (a usable record comes from the memo):
	 * the same verdict and the same record */
	{
		struct aa_dmarc_record again;
		const char *reason2 = "unset";

		ck_assert_int_eq(aa_dmarc_record_parse(ctx, "example.com", c->txt, len, c->mode, &again,
						       &reason2), got);
		ck_assert_msg((reason == NULL) == (reason2 == NULL) &&
			      (reason == NULL || strcmp(reason, reason2) == 0), "%s: reason again", c->what);
		if (got == AA_PASS) {
			ck_assert_msg(again.p == rec.p && again.sp == rec.sp && again.np == rec.np &&
				      again.adkim_strict == rec.adkim_strict &&
				      again.aspf_strict == rec.aspf_strict && again.pct == rec.pct &&
				      again.testing == rec.testing && again.psd == rec.psd,
				      "%s: record again", c->what);
			ck_assert_str_eq(again.domain, "example.com");
			ck_assert_int_eq(memcmp(again.raw, c->txt, len), 0);
		}
	}
	aa_ctx_free(&ctx);
}
END_TEST

static enum aa_result parse_at(struct aa_ctx *ctx, const char *domain, const char *txt,
			       enum aa_dmarc_mode mode, struct aa_dmarc_record *rec)
{
	const char *reason;

	return aa_dmarc_record_parse(ctx, domain, txt, strlen(txt), mode, rec, &reason);
}

START_TEST(dmarc_record_met_again_at_the_same_domain_is_not_parsed_again)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dmarc_record rec;
	unsigned long n;

	ck_assert_int_eq(parse_at(ctx, "again.example", "v=DMARC1; p=reject; adkim=s", R9, &rec), AA_PASS);
	n = aa_dmarc_record_lib_parses();
	ck_assert_int_eq(parse_at(ctx, "again.example", "v=DMARC1; p=reject; adkim=s", R9, &rec), AA_PASS);
	ck_assert_int_eq(aa_dmarc_record_lib_parses(), n);
	ck_assert_int_eq(rec.p, REJ);
	ck_assert_int_eq(rec.adkim_strict, 1);
	ck_assert_str_eq(rec.domain, "again.example");
	/* another domain, another mode, one byte more or other: parsed */
	ck_assert_int_eq(parse_at(ctx, "other.example", "v=DMARC1; p=reject; adkim=s", R9, &rec), AA_PASS);
	ck_assert_uint_gt(aa_dmarc_record_lib_parses(), n);
	n = aa_dmarc_record_lib_parses();
	ck_assert_int_eq(parse_at(ctx, "again.example", "v=DMARC1; p=reject; adkim=s", R7, &rec), AA_PASS);
	ck_assert_uint_gt(aa_dmarc_record_lib_parses(), n);
	n = aa_dmarc_record_lib_parses();
	ck_assert_int_eq(parse_at(ctx, "again.example", "v=DMARC1; p=reject; adkim=r", R9, &rec), AA_PASS);
	ck_assert_uint_gt(aa_dmarc_record_lib_parses(), n);
	ck_assert_int_eq(rec.adkim_strict, 0);
	ck_assert_int_eq(parse_at(ctx, "again.example", "v=DMARC1; p=none", R9, &rec), AA_PASS);
	ck_assert_int_eq(rec.p, NONE_P);
	ck_assert_int_eq(parse_at(ctx, "again.example", "v=DMARC1; p=reject; adkim=s", R9, &rec), AA_PASS);
	ck_assert_int_eq(rec.p, REJ);
	ck_assert_int_eq(rec.adkim_strict, 1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dmarc_record_unusable_is_parsed_every_time)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dmarc_record rec;
	const char *reason;
	static const char txt[] = "v=DMARC1; p=bogus";
	unsigned long n = aa_dmarc_record_lib_parses();

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(aa_dmarc_record_parse(ctx, "bogus.example", txt, sizeof(txt) - 1, R9, &rec,
						       &reason), AA_NONE);
		ck_assert_str_eq(reason, "record has an invalid policy");
		ck_assert_uint_gt(aa_dmarc_record_lib_parses(), n);
		n = aa_dmarc_record_lib_parses();
	}
	aa_ctx_free(&ctx);
}
END_TEST

/* Twelve domains' records, each p= by its number, more than are kept:
 * every one read right, and the first pushed out is parsed again. */
START_TEST(dmarc_record_more_than_are_kept_are_each_read_right)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	static const char *const policies[] = { "none", "quarantine", "reject" };
	static const enum aa_dmarc_policy want[] = { NONE_P, QUAR, REJ };
	struct aa_dmarc_record rec;
	unsigned long n;

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 12; i++) {
			char domain[32], txt[64];

			snprintf(domain, sizeof(domain), "d%d.example", i);
			snprintf(txt, sizeof(txt), "v=DMARC1; p=%s", policies[i % 3]);
			ck_assert_int_eq(parse_at(ctx, domain, txt, R9, &rec), AA_PASS);
			ck_assert_int_eq(rec.p, want[i % 3]);
			ck_assert_str_eq(rec.domain, domain);
		}
	n = aa_dmarc_record_lib_parses();
	ck_assert_int_eq(parse_at(ctx, "d0.example", "v=DMARC1; p=none", R9, &rec), AA_PASS);
	ck_assert_uint_gt(aa_dmarc_record_lib_parses(), n);
	aa_ctx_free(&ctx);
}
END_TEST

/* "v=DMARC1; p=reject; " then x=yyyy... up to total bytes */
static char *long_record(size_t total)
{
	static const char head[] = "v=DMARC1; p=reject; x=";
	char *s = malloc(total + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'y', total - (sizeof(head) - 1));
	s[total] = '\0';
	return s;
}

START_TEST(dmarc_record_of_2048_bytes_is_read_and_one_more_is_a_permerror)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dmarc_record rec;
	const char *reason;
	char *s = long_record(2049);

	ck_assert_int_eq(aa_dmarc_record_parse(ctx, "example.com", s, 2048, R9, &rec, &reason), AA_PASS);
	ck_assert_int_eq(rec.p, REJ);
	ck_assert_int_eq(aa_dmarc_record_parse(ctx, "example.com", s, 2049, R9, &rec, &reason), AA_PERMERROR);
	ck_assert_str_eq(reason, "record too long");
	ck_assert_int_eq(aa_dmarc_record_psd(s, 2049), 'u');
	free(s);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dmarc_record_without_memory_is_temperror)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dmarc_record rec;
	const char *reason;
	static const char txt[] = "v=DMARC1; p=reject";

	aa_arena_fail_after(ctx->arena, 0, SIZE_MAX);
	ck_assert_int_eq(aa_dmarc_record_parse(ctx, "example.com", txt, sizeof(txt) - 1, R9, &rec, &reason),
			 AA_TEMPERROR);
	aa_arena_reset(ctx->arena);
	ck_assert_int_eq(aa_dmarc_record_parse(ctx, "example.com", txt, sizeof(txt) - 1, R9, &rec, &reason),
			 AA_PASS);
	/* the record kept: its copy for this message still needs memory */
	aa_arena_fail_after(ctx->arena, 0, SIZE_MAX);
	ck_assert_int_eq(aa_dmarc_record_parse(ctx, "example.com", txt, sizeof(txt) - 1, R9, &rec, &reason),
			 AA_TEMPERROR);
	aa_ctx_free(&ctx);
}
END_TEST

static const struct {
	const char *txt;
	char want;
} psds[] = {
	{ "v=DMARC1; p=none; psd=y", 'y' },
	{ "v=DMARC1; p=none; PSD=Y", 'y' },
	{ "v=DMARC1; p=none; psd = n ", 'n' },
	{ "v=DMARC1; p=none; psd=u", 'u' },
	{ "v=DMARC1; p=none", 'u' },
	{ "v=DMARC1; p=none; psd=yes", 'u' },
	{ "v=DMARC1; psd=y; psd=y", 'u' },		/* a repeat: no record to trust */
	{ "psd=y; v=DMARC1", 'u' },
};

START_TEST(dmarc_record_psd_reads_only_y_or_n)
{
	ck_assert_int_eq(aa_dmarc_record_psd(psds[_i].txt, strlen(psds[_i].txt)), psds[_i].want);
}
END_TEST

Suite *suite_dmarc_record(void)
{
	Suite *s = suite_create("dmarc_record");
	TCase *tc = tcase_create("dmarc_record");

	tcase_add_loop_test(tc, dmarc_record_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, dmarc_record_of_2048_bytes_is_read_and_one_more_is_a_permerror);
	tcase_add_test(tc, dmarc_record_without_memory_is_temperror);
	tcase_add_test(tc, dmarc_record_met_again_at_the_same_domain_is_not_parsed_again);
	tcase_add_test(tc, dmarc_record_unusable_is_parsed_every_time);
	tcase_add_test(tc, dmarc_record_more_than_are_kept_are_each_read_right);
	tcase_add_loop_test(tc, dmarc_record_psd_reads_only_y_or_n, 0, (int)(sizeof(psds) / sizeof(psds[0])));
	suite_add_tcase(s, tc);
	return s;
}
