/* check_dmarc.c - DMARC records, policy discovery and the verdict. */
#include <stdlib.h>
#include "aa_test.h"
#include "aa_dmarc.h"

static const char *const zone[] = {
	"_dmarc.strict.example TXT v=DMARC1; p=reject; adkim=s; aspf=s",
	"strict.example A 192.0.2.1",
	"_dmarc.relaxed.example TXT v=DMARC1; p=reject",
	"relaxed.example A 192.0.2.1",
	"_dmarc.sp.example TXT v=DMARC1; p=none; sp=quarantine; np=reject",
	"sp.example A 192.0.2.1",
	"exists.sp.example MX 10 mx.sp.example",
	"txtonly.sp.example TXT hello",
	"flaky.sp.example ANY TIMEOUT",
	"_dmarc.t.example TXT v=DMARC1; p=reject; t=y",
	"_dmarc.tq.example TXT v=DMARC1; p=quarantine; t=y",
	"_dmarc.pct0.example TXT v=DMARC1; p=reject; pct=0",
	"_dmarc.servfail.example TXT SERVFAIL",
	"_dmarc.two.example TXT v=DMARC1; p=reject",
	"_dmarc.two.example TXT v=DMARC1; p=none",
	"_dmarc.badp.example TXT v=DMARC1; p=bogus",
	"_dmarc.badprua.example TXT v=DMARC1; p=bogus; rua=mailto:d@badprua.example",
	"_dmarc.nop.example TXT v=DMARC1; sp=quarantine; np=reject",
	"_dmarc.badnp.example TXT v=DMARC1; p=reject; np=bogus",
	"_dmarc.badadkim.example TXT v=DMARC1; p=reject; adkim=bogus",
	"_dmarc.nul.example TXT \"v=DMARC1; p=reject\\000; sp=none\"",
	"_dmarc.ctl.example TXT \"v=DMARC1; p=reject;\\001\"",
	"_dmarc.high.example TXT \"v=DMARC1; p=reject; rua=mailto:\\200@x.example\"",
	"_dmarc.dup.example TXT v=DMARC1; p=none; p=reject",
	"_dmarc.notdmarc.example TXT v=spf1 -all",
	"_dmarc.vlate.example TXT p=reject; v=DMARC1",
	"_dmarc.junk.example TXT v=DMARC1; p=reject; reject; fo:1; =; ;;",
	"_dmarc.long.example TXT v=DMARC1; p=rejectrejectrejectrejectrejectrejectreject",
	"_dmarc.psd.test TXT v=DMARC1; psd=y",
	"_dmarc.gov.test TXT v=DMARC1; p=reject; sp=none; psd=y",
	NULL,
};

struct auth {
	const char *domain;
	enum aa_result result;
};

struct eval_case {
	const char *name;
	const char *from;		/* NULL: no From header */
	struct auth spf;
	struct auth dkim[2];
	enum aa_result result;		/* RFC 9989 */
	enum aa_dmarc_policy policy;	/* after t=y */
	enum aa_result other;		/* RFC 7489 */
	enum aa_dmarc_policy other_policy;
};

#define NOAUTH { NULL, AA_NONE }
#define PASS(d) { d, AA_PASS }
#define R AA_POLICY_REJECT
#define Q AA_POLICY_QUARANTINE
#define N AA_POLICY_NONE
#define U AA_POLICY_UNSPEC

static const struct eval_case cases[] = {
	{ "aligned SPF pass gives pass", "relaxed.example", PASS("relaxed.example"), { NOAUTH },
	  AA_PASS, N, AA_PASS, N },
	{ "relaxed SPF subdomain aligns", "relaxed.example", PASS("bounce.relaxed.example"),
	  { NOAUTH }, AA_PASS, N, AA_PASS, N },
	{ "adkim=s with d= subdomain does not align", "strict.example", NOAUTH,
	  { PASS("mail.strict.example") }, AA_FAIL, R, AA_FAIL, R },
	{ "aspf=s with the exact domain aligns", "strict.example", PASS("STRICT.example"), { NOAUTH },
	  AA_PASS, N, AA_PASS, N },
	{ "unaligned DKIM pass fails", "relaxed.example", NOAUTH, { PASS("evil.example") },
	  AA_FAIL, R, AA_FAIL, R },
	{ "second signature can give the aligned pass", "relaxed.example", NOAUTH,
	  { PASS("evil.example"), PASS("relaxed.example") }, AA_PASS, N, AA_PASS, N },
	{ "np=reject applies to a non-existent subdomain", "ghost.sp.example", NOAUTH, { NOAUTH },
	  AA_FAIL, R, AA_FAIL, R },
	{ "sp applies to existing subdomain", "exists.sp.example", NOAUTH, { NOAUTH },
	  AA_FAIL, Q, AA_FAIL, Q },
	{ "a name with only TXT exists, so sp applies", "txtonly.sp.example", NOAUTH, { NOAUTH },
	  AA_FAIL, Q, AA_FAIL, Q },
	{ "p applies at the domain itself", "sp.example", NOAUTH, { NOAUTH }, AA_FAIL, N, AA_FAIL, N },
	{ "existence SERVFAIL gives temperror", "flaky.sp.example", NOAUTH, { NOAUTH },
	  AA_TEMPERROR, U, AA_TEMPERROR, U },
	{ "t=y downgrades reject", "t.example", NOAUTH, { NOAUTH }, AA_FAIL, Q, AA_FAIL, R },
	{ "t=y downgrades quarantine to none", "tq.example", NOAUTH, { NOAUTH }, AA_FAIL, N,
	  AA_FAIL, Q },
	{ "pct=0 ignored under RFC 9989", "pct0.example", NOAUTH, { NOAUTH }, AA_FAIL, R, AA_FAIL, Q },
	{ "DMARC TXT SERVFAIL gives temperror", "servfail.example", PASS("servfail.example"),
	  { NOAUTH }, AA_TEMPERROR, U, AA_TEMPERROR, U },
	{ "two DMARC records give none", "two.example", NOAUTH, { NOAUTH }, AA_NONE, U, AA_NONE, U },
	{ "no record gives none", "nothing.example", NOAUTH, { NOAUTH }, AA_NONE, U, AA_NONE, U },
	{ "invalid p without rua gives none", "badp.example", NOAUTH, { NOAUTH },
	  AA_NONE, U, AA_NONE, U },
	{ "invalid p with rua acts as p=none", "badprua.example", NOAUTH, { NOAUTH },
	  AA_FAIL, N, AA_FAIL, N },
	{ "no p and no rua gives none", "nop.example", NOAUTH, { NOAUTH }, AA_NONE, U, AA_NONE, U },
	{ "invalid np without rua gives none under RFC 9989", "badnp.example", NOAUTH, { NOAUTH },
	  AA_NONE, U, AA_FAIL, R },
	{ "malformed adkim gives permerror", "badadkim.example", NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
	{ "NUL byte in record gives permerror", "nul.example", NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
	{ "control byte in record gives permerror", "ctl.example", NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
	{ "non-ASCII byte in record gives permerror", "high.example", NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
	{ "repeated tag gives permerror", "dup.example", NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
	{ "overlong policy value gives permerror", "long.example", NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
	{ "non-DMARC TXT gives none", "notdmarc.example", NOAUTH, { NOAUTH }, AA_NONE, U, AA_NONE, U },
	{ "v= not first is not a record", "vlate.example", NOAUTH, { NOAUTH }, AA_NONE, U, AA_NONE, U },
	{ "terms without = are ignored", "junk.example", NOAUTH, { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "two addresses never pass", "@two", PASS("relaxed.example"), { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
	{ "no From header gives none", NULL, PASS("relaxed.example"), { NOAUTH },
	  AA_NONE, U, AA_NONE, U },
	{ "SPF temperror on an aligned domain gives temperror", "relaxed.example",
	  { "relaxed.example", AA_TEMPERROR }, { NOAUTH }, AA_TEMPERROR, U, AA_TEMPERROR, U },
	{ "SPF temperror on an unaligned domain still fails", "relaxed.example",
	  { "other.test", AA_TEMPERROR }, { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "DKIM temperror on an aligned d= gives temperror", "relaxed.example", NOAUTH,
	  { { "relaxed.example", AA_TEMPERROR } }, AA_TEMPERROR, U, AA_TEMPERROR, U },
	{ "aligned DKIM pass beats an SPF temperror", "relaxed.example",
	  { "relaxed.example", AA_TEMPERROR }, { PASS("relaxed.example") }, AA_PASS, N, AA_PASS, N },
	{ "PSD record without p acts as p=none under RFC 9989", "sub.psd.test", NOAUTH, { NOAUTH },
	  AA_FAIL, N, AA_NONE, U },
	{ "PSD p applies to the org domain one label below", "agency.gov.test", NOAUTH, { NOAUTH },
	  AA_FAIL, R, AA_FAIL, N },	/* the PSL makes gov.test the org domain: sp */
	{ "PSD sp applies below the org domain", "www.agency.gov.test", NOAUTH, { NOAUTH },
	  AA_FAIL, N, AA_FAIL, N },
};

static void set_from(struct aa_from *f, const char *from)
{
	memset(f, 0, sizeof(*f));
	if (from == NULL) {
		f->status = AA_FROM_NONE;
	} else if (from[0] == '@') {
		f->status = AA_FROM_MULTIPLE_ADDRESSES;
		f->addresses = 2;
	} else {
		f->status = AA_FROM_OK;
		f->domain = from;
		f->addresses = 1;
	}
}

START_TEST(dmarc_eval_table)
{
	const struct eval_case *c = &cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_spf_result spf = { .result = c->spf.result, .domain = c->spf.domain };
	struct aa_dkim_sig sigs[2];
	struct aa_dkim_result dkim = { 0, sigs, 0 };
	struct aa_dmarc_input in = { &from, &spf, &dkim, AA_DMARC_RFC9989 };
	struct aa_dmarc_result r;

	memset(sigs, 0, sizeof(sigs));
	for (size_t i = 0; i < 2 && c->dkim[i].domain != NULL; i++) {
		sigs[i].domain = c->dkim[i].domain;
		sigs[i].result = c->dkim[i].result;
		dkim.count++;
	}
	set_from(&from, c->from);
	ck_assert_int_eq(aa_dmarc_evaluate(ctx, &in, &r), 0);
	ck_assert_msg(r.result == c->result && r.policy == c->policy, "%s: 9989 %s/%s (%s)",
		      c->name, aa_result_name(r.result), aa_dmarc_policy_name(r.policy), r.reason);
	ck_assert_msg(r.other_result == c->other && r.other_policy == c->other_policy,
		      "%s: 7489 %s/%s", c->name, aa_result_name(r.other_result),
		      aa_dmarc_policy_name(r.other_policy));
	ck_assert_int_eq(r.modes_disagree, c->result != c->other || c->policy != c->other_policy);
	ck_assert_ptr_nonnull(r.reason);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dmarc_mode_7489_as_primary_swaps_the_answers)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_dmarc_input in = { &from, NULL, NULL, AA_DMARC_RFC7489 };
	struct aa_dmarc_result r;

	set_from(&from, "t.example");
	aa_dmarc_evaluate(ctx, &in, &r);
	ck_assert_int_eq(r.result, AA_FAIL);
	ck_assert_int_eq(r.policy, AA_POLICY_REJECT);
	ck_assert_int_eq(r.other_policy, AA_POLICY_QUARANTINE);
	ck_assert_int_eq(r.applied, AA_POLICY_REJECT);
	ck_assert_int_eq(r.published, AA_POLICY_REJECT);
	ck_assert_str_eq(r.policy_domain, "t.example");
	ck_assert(r.modes_disagree);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dmarc_lookup_reports_where_and_what)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_dmarc_lookup lk;

	aa_dmarc_lookup(ctx, "Ghost.SP.example.", AA_DMARC_RFC9989, &lk);
	ck_assert_int_eq(lk.status, AA_PASS);
	ck_assert_str_eq(lk.from_domain, "ghost.sp.example");
	ck_assert_str_eq(lk.org_domain, "sp.example");
	ck_assert_str_eq(lk.record.domain, "sp.example");
	ck_assert_int_eq(lk.record.p, AA_POLICY_NONE);
	ck_assert_int_eq(lk.record.sp, AA_POLICY_QUARANTINE);
	ck_assert_int_eq(lk.record.np, AA_POLICY_REJECT);
	ck_assert_int_eq(lk.effective, AA_POLICY_REJECT);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dmarc_strict_alignment_never_falls_back_to_org_domain)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);

	/* libopendmarc 1.4.2 #354 answers 1 here */
	ck_assert_int_eq(aa_dmarc_aligned(ctx, "a.relaxed.example", "relaxed.example", 1,
					  AA_DMARC_RFC7489), 0);
	ck_assert_int_eq(aa_dmarc_aligned(ctx, "a.relaxed.example", "relaxed.example", 0,
					  AA_DMARC_RFC7489), 1);
	ck_assert_int_eq(aa_dmarc_aligned(ctx, "example.net", "net", 0, AA_DMARC_RFC7489), 0);
	ck_assert_int_eq(aa_dmarc_aligned(ctx, "a.relaxed.example", "b.servfail.example", 0,
					  AA_DMARC_RFC9989), 0);
	ck_assert_int_eq(aa_dmarc_aligned(ctx, "a.servfail.example", "b.servfail.example", 0,
					  AA_DMARC_RFC9989), -1);
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_dmarc(void)
{
	Suite *s = suite_create("dmarc");
	TCase *tc = tcase_create("dmarc");

	tcase_add_loop_test(tc, dmarc_eval_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, dmarc_mode_7489_as_primary_swaps_the_answers);
	tcase_add_test(tc, dmarc_lookup_reports_where_and_what);
	tcase_add_test(tc, dmarc_strict_alignment_never_falls_back_to_org_domain);
	suite_add_tcase(s, tc);
	return s;
}
