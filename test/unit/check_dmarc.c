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
	"_dmarc.badaspf.example TXT v=DMARC1; p=reject; aspf=x; adkim=s",
	"_dmarc.badpct.example TXT v=DMARC1; p=reject; pct=500",
	"_dmarc.wordpct.example TXT v=DMARC1; p=reject; pct=half",
	"_dmarc.longadkim.example TXT v=DMARC1; p=reject; adkim=ssssssssssssssssssssssssssssssssssssssss",
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
	"_dmarc.none.example TXT v=DMARC1; p=none",
	"_dmarc.quar.example TXT v=DMARC1; p=quarantine",
	"_dmarc.a.pf.example TXT v=DMARC1; p=reject",
	"_dmarc.pf.example TXT SERVFAIL",
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
	{ "malformed adkim is discarded: a spoof still meets p=reject", "badadkim.example", NOAUTH,
	  { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "malformed adkim is discarded: relaxed alignment applies", "badadkim.example", NOAUTH,
	  { PASS("mail.badadkim.example") }, AA_PASS, N, AA_PASS, N },
	{ "overlong adkim is discarded: a spoof still meets p=reject", "longadkim.example", NOAUTH,
	  { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "malformed aspf is discarded: a spoof still meets p=reject", "badaspf.example", NOAUTH,
	  { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "malformed aspf is discarded: relaxed alignment applies", "badaspf.example",
	  PASS("bounce.badaspf.example"), { NOAUTH }, AA_PASS, N, AA_PASS, N },
	{ "malformed aspf is discarded, the valid adkim=s next to it is kept", "badaspf.example",
	  NOAUTH, { PASS("mail.badaspf.example") }, AA_FAIL, R, AA_FAIL, R },
	{ "pct out of range is discarded: a spoof still meets p=reject", "badpct.example", NOAUTH,
	  { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "pct that is no number is discarded: a spoof still meets p=reject", "wordpct.example",
	  NOAUTH, { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "a NUL byte in p discards p: none without rua", "nul.example", NOAUTH, { NOAUTH },
	  AA_NONE, U, AA_NONE, U },
	{ "a control byte after p=reject is discarded: a spoof still meets p=reject", "ctl.example",
	  NOAUTH, { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "a non-ASCII byte in rua is discarded: a spoof still meets p=reject", "high.example",
	  NOAUTH, { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "repeated tag gives permerror", "dup.example", NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
	{ "overlong policy value is discarded: none without rua", "long.example", NOAUTH, { NOAUTH },
	  AA_NONE, U, AA_NONE, U },
	{ "non-DMARC TXT gives none", "notdmarc.example", NOAUTH, { NOAUTH }, AA_NONE, U, AA_NONE, U },
	{ "v= not first is not a record", "vlate.example", NOAUTH, { NOAUTH }, AA_NONE, U, AA_NONE, U },
	{ "terms without = are ignored", "junk.example", NOAUTH, { NOAUTH }, AA_FAIL, R, AA_FAIL, R },
	{ "several addresses without a domain give permerror", "@", PASS("relaxed.example"),
	  { NOAUTH }, AA_PERMERROR, U, AA_PERMERROR, U },
	{ "no From header gives permerror, never none", NULL, PASS("relaxed.example"), { NOAUTH },
	  AA_PERMERROR, U, AA_PERMERROR, U },
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
		f->status = AA_FROM_MULTIPLE_ADDRESSES;	/* none with a domain */
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
	struct aa_dkim_result dkim = { .sigs = sigs };
	struct aa_dmarc_input in = { .from = &from, .spf = &spf, .dkim = &dkim, .mode = AA_DMARC_RFC9989 };
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

/* Several From addresses or fields, parsed from header values: never a
 * pass, the strictest outcome (aa_dmarc.h). */
struct multi_case {
	const char *name;
	const char *fields[2];		/* From values; fields[1] NULL: one field */
	struct auth spf;
	struct auth dkim[2];
	enum aa_result result;		/* the same in both modes */
	enum aa_dmarc_policy policy;
	const char *from_domain;	/* whose verdict applied */
	const char *reason;		/* how the reason starts */
};

static const struct multi_case multi_cases[] = {
	{ "two From domains, one p=reject and failing, gives fail with reject",
	  { "ceo@relaxed.example, x@none.example" }, PASS("none.example"), { NOAUTH },
	  AA_FAIL, R, "relaxed.example", "2 From domains; relaxed.example fails" },
	{ "the order of the From addresses does not change the verdict",
	  { "x@none.example, ceo@relaxed.example" }, PASS("none.example"), { NOAUTH },
	  AA_FAIL, R, "relaxed.example", "2 From domains; relaxed.example fails" },
	{ "two From headers give permerror",
	  { "x@none.example", "ceo@relaxed.example" }, PASS("none.example"), { NOAUTH },
	  AA_PERMERROR, U, NULL, "several From fields" },
	{ "two From headers both aligned and passing give permerror, never pass",
	  { "a@relaxed.example", "b@quar.example" }, NOAUTH,
	  { PASS("relaxed.example"), PASS("quar.example") },
	  AA_PERMERROR, U, NULL, "several From fields" },
	{ "two passing addresses under none and quarantine fail with quarantine",
	  { "a@none.example, b@quar.example" }, PASS("none.example"), { PASS("quar.example") },
	  AA_FAIL, Q, "quar.example", "2 From domains; quar.example passes, but" },
	{ "two authors of one domain with an aligned pass pass as that domain",
	  { "a@relaxed.example, B <b@Relaxed.example>" }, PASS("relaxed.example"), { NOAUTH },
	  AA_PASS, N, "relaxed.example", "aligned SPF pass" },
	{ "two authors of one domain without an aligned pass fail with its policy",
	  { "a@relaxed.example, b@relaxed.example" }, PASS("none.example"), { NOAUTH },
	  AA_FAIL, R, "relaxed.example", "no aligned" },
	{ "DNS temp failure on one domain and reject on the other gives fail/reject",
	  { "a@servfail.example, b@relaxed.example" }, NOAUTH, { NOAUTH },
	  AA_FAIL, R, "relaxed.example", "2 From domains; relaxed.example fails" },
	{ "temp failure on one and p=none on the other gives temperror",
	  { "a@none.example, b@servfail.example" }, NOAUTH, { NOAUTH },
	  AA_TEMPERROR, U, "servfail.example", "2 From domains; servfail.example undecided" },
	{ "temp failure on one and no record on the other gives temperror",
	  { "a@nothing.example, b@servfail.example" }, NOAUTH, { NOAUTH },
	  AA_TEMPERROR, U, "servfail.example", "2 From domains; servfail.example undecided" },
	{ "temp failure on one and quarantine on the other gives temperror",
	  { "a@quar.example, b@servfail.example" }, NOAUTH, { NOAUTH },
	  AA_TEMPERROR, U, "servfail.example", "2 From domains;" },
	{ "failing quarantine and failing none give fail with quarantine",
	  { "a@none.example, b@quar.example" }, NOAUTH, { NOAUTH },
	  AA_FAIL, Q, "quar.example", "2 From domains; quar.example fails" },
	{ "a passing p=reject domain next to a failing p=none one gives reject",
	  { "a@relaxed.example, b@none.example" }, PASS("relaxed.example"), { NOAUTH },
	  AA_FAIL, R, "relaxed.example", "2 From domains; relaxed.example passes, but" },
	{ "passing domain next to one without a record still fails",
	  { "a@relaxed.example, b@nothing.example" }, PASS("relaxed.example"), { NOAUTH },
	  AA_FAIL, R, "relaxed.example", "2 From domains; relaxed.example passes, but" },
	{ "two domains without a record give none",
	  { "a@nothing.example, b@nothing2.example" }, NOAUTH, { NOAUTH },
	  AA_NONE, U, "nothing.example", "2 From domains;" },
	{ "a broken record next to no record gives permerror",
	  { "a@nothing.example, b@dup.example" }, NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, "dup.example", "2 From domains; dup.example permerror" },
	{ "an address without a domain gives permerror",
	  { "\"Bank\", ceo@relaxed.example" }, NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, NULL, "a From address without a domain" },
	{ "a malformed From field next to another gives permerror",
	  { "<<x@none.example>>", "ceo@relaxed.example" }, NOAUTH, { NOAUTH },
	  AA_PERMERROR, U, NULL, "several From fields" },
	{ "nine domains give permerror, never pass",
	  { "a@relaxed.example, a@n1.example, a@n2.example, a@n3.example, a@n4.example, "
	    "a@n5.example, a@n6.example, a@n7.example, a@n8.example" },
	  PASS("relaxed.example"), { NOAUTH },
	  AA_PERMERROR, U, NULL, "more than 8 From domains" },
	{ "nine domains without any record give permerror, never none",
	  { "a@n1.example, a@n2.example, a@n3.example, a@n4.example, "
	    "a@n5.example, a@n6.example, a@n7.example, a@n8.example, a@n9.example" },
	  NOAUTH, { NOAUTH }, AA_PERMERROR, U, NULL, "more than 8 From domains" },
	{ "eight domains are all judged", { "a@n1.example, a@n2.example, a@n3.example, "
	    "a@n4.example, a@n5.example, a@n6.example, a@n7.example, a@relaxed.example" },
	  NOAUTH, { NOAUTH }, AA_FAIL, R, "relaxed.example", "8 From domains; relaxed.example fails" },
	{ "several From fields without a domain give permerror", { "user", "\"Name\"" },
	  PASS("relaxed.example"), { NOAUTH }, AA_PERMERROR, U, NULL, "several From fields" },
	{ "a malformed single From stays permerror", { "ceo@relaxed.example;" }, NOAUTH,
	  { NOAUTH }, AA_PERMERROR, U, NULL, "the From field cannot be parsed" },
	{ "an empty label gives permerror", { "ceo@.relaxed.example" }, PASS("relaxed.example"),
	  { NOAUTH }, AA_PERMERROR, U, NULL, "a From domain is not a valid host name" },
	{ "a fullwidth dot is judged as the ASCII name", { "ceo@relaxed\xef\xbc\x8e" "example" },
	  NOAUTH, { NOAUTH }, AA_FAIL, R, "relaxed.example", "no aligned" },
};

static void eval_multi(const struct multi_case *c, enum aa_dmarc_mode mode)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_spf_result spf = { .result = c->spf.result, .domain = c->spf.domain };
	struct aa_dkim_sig sigs[2];
	struct aa_dkim_result dkim = { .sigs = sigs };
	struct aa_dmarc_input in = { .from = &from, .spf = &spf, .dkim = &dkim, .mode = mode };
	struct aa_dmarc_result r;
	size_t lens[2] = { strlen(c->fields[0]), c->fields[1] != NULL ? strlen(c->fields[1]) : 0 };

	memset(sigs, 0, sizeof(sigs));
	for (size_t i = 0; i < 2 && c->dkim[i].domain != NULL; i++) {
		sigs[i].domain = c->dkim[i].domain;
		sigs[i].result = c->dkim[i].result;
		dkim.count++;
	}
	ck_assert_int_eq(aa_from_parse_fields(ctx, c->fields, lens, c->fields[1] != NULL ? 2 : 1,
					      &from), 0);
	ck_assert_int_eq(aa_dmarc_evaluate(ctx, &in, &r), 0);
	ck_assert_msg(r.result == c->result && r.policy == c->policy, "%s (%d): %s/%s (%s)",
		      c->name, (int)mode, aa_result_name(r.result), aa_dmarc_policy_name(r.policy),
		      r.reason);
	ck_assert_msg(r.other_result == c->result && r.other_policy == c->policy,
		      "%s (%d): other %s/%s", c->name, (int)mode, aa_result_name(r.other_result),
		      aa_dmarc_policy_name(r.other_policy));
	ck_assert_int_eq(r.modes_disagree, 0);
	if (c->from_domain != NULL)
		ck_assert_msg(r.from_domain != NULL && strcmp(r.from_domain, c->from_domain) == 0,
			      "%s: from_domain %s", c->name, r.from_domain ? r.from_domain : "(null)");
	else
		ck_assert_ptr_null(r.from_domain);
	ck_assert_msg(r.reason != NULL && strncmp(r.reason, c->reason, strlen(c->reason)) == 0,
		      "%s: reason '%s'", c->name, r.reason ? r.reason : "(null)");
	aa_ctx_free(&ctx);
}

START_TEST(dmarc_multi_table_rfc9989)
{
	eval_multi(&multi_cases[_i], AA_DMARC_RFC9989);
}
END_TEST

START_TEST(dmarc_multi_table_rfc7489)
{
	eval_multi(&multi_cases[_i], AA_DMARC_RFC7489);
}
END_TEST

/* Out of memory at any allocation while judging: temperror, never a
 * fail ("not aligned") or a permerror ("not a domain"). */
static const struct {
	const char *name, *spf_domain;
	enum aa_result want;
} oom_cases[] = {
	{ "out of memory with a relaxed aligned pass is pass or temperror", "bounce.relaxed.example",
	  AA_PASS },
	{ "out of memory with an exact aligned pass is pass or temperror", "relaxed.example", AA_PASS },
	{ "out of memory with an unaligned pass is fail or temperror", "evil.example", AA_FAIL },
};

START_TEST(dmarc_out_of_memory_is_temperror_never_a_verdict)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_spf_result spf = { .result = AA_PASS, .domain = oom_cases[_i].spf_domain };
	struct aa_dmarc_input in = { .from = &from, .spf = &spf, .mode = AA_DMARC_RFC9989 };
	struct aa_dmarc_result r;
	int temp = 0;

	set_from(&from, "relaxed.example");
	for (size_t k = 0; k < 800; k++) {
		size_t n = k / 2, count = k % 2 ? 1 : (size_t)-1;	/* one, or all from n on */

		aa_ctx_end_message(ctx);	/* nothing cached from the last round */
		aa_arena_fail_after(ctx->arena, n, count);
		aa_dmarc_evaluate(ctx, &in, &r);
		aa_arena_fail_after(ctx->arena, (size_t)-1, 0);
		ck_assert_msg(r.result == oom_cases[_i].want || r.result == AA_TEMPERROR,
			      "%s: failing after %zu allocations (%zu): %s (%s)", oom_cases[_i].name, n, count,
			      aa_result_name(r.result), r.reason != NULL ? r.reason : "");
		temp += r.result == AA_TEMPERROR;
	}
	ck_assert_int_gt(temp, 0);
	ck_assert_int_eq(r.result, oom_cases[_i].want);	/* with memory enough, the verdict */
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dmarc_alignment_out_of_memory_is_undecided_not_unaligned)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);

	aa_arena_fail_after(ctx->arena, 0, (size_t)-1);
	ck_assert_int_eq(aa_dmarc_aligned(ctx, "relaxed.example", "relaxed.example", 1,
					  AA_DMARC_RFC9989), -1);
	aa_arena_fail_after(ctx->arena, (size_t)-1, 0);
	ck_assert_int_eq(aa_dmarc_aligned(ctx, "relaxed.example", "relaxed.example", 1,
					  AA_DMARC_RFC9989), 1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dmarc_mode_7489_as_primary_swaps_the_answers)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_dmarc_input in = { .from = &from, .mode = AA_DMARC_RFC7489 };
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

/* The From domain's own record needs no tree walk (RFC 9989 policy
 * discovery stops there): one question, and no Organizational Domain
 * worked out; a From domain without one walks on. */
START_TEST(dmarc_record_at_the_author_domain_asks_no_parent)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_dmarc_lookup lk;
	unsigned long q0 = aa_dns_queries(ctx->dns);

	aa_dmarc_lookup(ctx, "relaxed.example", AA_DMARC_RFC9989, &lk);
	ck_assert_int_eq(lk.status, AA_PASS);
	ck_assert_str_eq(lk.record.domain, "relaxed.example");
	ck_assert_int_eq(lk.effective, AA_POLICY_REJECT);
	ck_assert_ptr_null(lk.org_domain);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns) - q0, 1);
	q0 = aa_dns_queries(ctx->dns);
	aa_dmarc_lookup(ctx, "a.relaxed.example", AA_DMARC_RFC9989, &lk);
	ck_assert_int_eq(lk.status, AA_PASS);
	ck_assert_str_eq(lk.org_domain, "relaxed.example");
	ck_assert_uint_eq(aa_dns_queries(ctx->dns) - q0, 2);	/* a.relaxed, example; relaxed cached */
	aa_ctx_free(&ctx);
}
END_TEST

/* Parse the From field f into *from (in's), evaluate in; the DNS
 * questions the evaluation sent. */
static unsigned long evaluate_from(struct aa_ctx *ctx, const char *f, struct aa_from *from,
				   const struct aa_dmarc_input *in, struct aa_dmarc_result *r)
{
	size_t len = strlen(f);
	unsigned long q0;

	ck_assert_int_eq(aa_from_parse_fields(ctx, &f, &len, 1, from), 0);
	q0 = aa_dns_queries(ctx->dns);
	ck_assert_int_eq(aa_dmarc_evaluate(ctx, in, r), 0);
	return aa_dns_queries(ctx->dns) - q0;
}

/* A record at the From domain decides its policy: a parent whose _dmarc
 * name fails cannot turn the From domain's reject into a defer (before
 * the walk stopped there, RFC 9989 mode said temperror and the modes
 * disagreed). */
START_TEST(dmarc_failing_parent_cannot_soften_the_from_domains_own_record)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_spf_result spf = { .result = AA_FAIL, .domain = "a.pf.example" };
	struct aa_dkim_result dkim = { 0 };
	struct aa_dmarc_input in = { .from = &from, .spf = &spf, .dkim = &dkim, .mode = AA_DMARC_RFC9989 };
	struct aa_dmarc_result r;

	evaluate_from(ctx, "<ceo@a.pf.example>", &from, &in, &r);
	ck_assert_msg(r.result == AA_FAIL, "%s (%s)", aa_result_name(r.result), r.reason);
	ck_assert_int_eq(r.policy, AA_POLICY_REJECT);
	ck_assert_int_eq(r.other_result, AA_FAIL);
	ck_assert(!r.modes_disagree);
	aa_ctx_free(&ctx);
}
END_TEST

/* The same failing parent when alignment needs it: an SPF pass for a
 * sibling (b.pf.example) is aligned only if pf.example is the
 * organizational domain, which the failed question would tell. That
 * evaluation could not run: temperror (a defer), never fail. */
START_TEST(dmarc_failing_parent_needed_for_alignment_is_temperror_not_fail)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_spf_result spf = { .result = AA_PASS, .domain = "b.pf.example" };
	struct aa_dkim_result dkim = { 0 };
	struct aa_dmarc_input in = { .from = &from, .spf = &spf, .dkim = &dkim, .mode = AA_DMARC_RFC9989 };
	struct aa_dmarc_result r;

	evaluate_from(ctx, "<ceo@a.pf.example>", &from, &in, &r);
	ck_assert_msg(r.result == AA_TEMPERROR, "%s (%s)", aa_result_name(r.result), r.reason);
	ck_assert_int_ne(r.other_result, AA_FAIL);
	aa_ctx_free(&ctx);
}
END_TEST

/* Passes for an ESP's domains under another top-level domain can never
 * align, whatever the tree walk would say: the From domain's own reject
 * stands, and its failing parent is not asked. */
START_TEST(dmarc_passes_under_another_tld_fail_without_asking_the_failing_parent)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_spf_result spf = { .result = AA_PASS, .domain = "bounces.esp.test" };
	struct aa_dkim_sig sig = { .result = AA_PASS, .domain = "esp.test" };
	struct aa_dkim_result dkim = { .count = 1, .sigs = &sig };
	struct aa_dmarc_input in = { .from = &from, .spf = &spf, .dkim = &dkim, .mode = AA_DMARC_RFC9989 };
	struct aa_dmarc_result r;

	ck_assert_uint_eq(evaluate_from(ctx, "<ceo@a.pf.example>", &from, &in, &r), 1);
	ck_assert_msg(r.result == AA_FAIL, "%s (%s)", aa_result_name(r.result), r.reason);
	ck_assert_int_eq(r.policy, AA_POLICY_REJECT);
	ck_assert_int_eq(r.other_result, AA_FAIL);
	aa_ctx_free(&ctx);
}
END_TEST

/* An aligned DKIM pass decides: SPF's alignment for another domain,
 * which would walk the tree, is not worked out (the verdict is the same)
 * unless every flag is asked for (the tool). The From domain's record is
 * the one question in RFC 9989 mode. */
START_TEST(dmarc_aligned_dkim_pass_asks_nothing_for_spf_alignment)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_from from;
	struct aa_spf_result spf = { .result = AA_PASS, .domain = "bounce.other.example" };
	struct aa_dkim_sig sig = { .result = AA_PASS, .domain = "relaxed.example" };
	struct aa_dkim_result dkim = { .count = 1, .sigs = &sig };
	struct aa_dmarc_input in = { .from = &from, .spf = &spf, .dkim = &dkim, .mode = AA_DMARC_RFC9989 };
	struct aa_dmarc_result r;

	ck_assert_uint_eq(evaluate_from(ctx, "<a@relaxed.example>", &from, &in, &r), 1);
	ck_assert_int_eq(r.result, AA_PASS);
	ck_assert_int_eq(r.other_result, AA_PASS);
	ck_assert(r.dkim_aligned);
	ck_assert(!r.spf_aligned);
	aa_ctx_end_message(ctx);
	in.every_alignment = 1;
	ck_assert_uint_gt(evaluate_from(ctx, "<a@relaxed.example>", &from, &in, &r), 1);	/* the walk */
	ck_assert_int_eq(r.result, AA_PASS);
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_dmarc(void)
{
	Suite *s = suite_create("dmarc");
	TCase *tc = tcase_create("dmarc");

	tcase_add_loop_test(tc, dmarc_eval_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_loop_test(tc, dmarc_multi_table_rfc9989, 0,
			    sizeof(multi_cases) / sizeof(multi_cases[0]));
	tcase_add_loop_test(tc, dmarc_multi_table_rfc7489, 0,
			    sizeof(multi_cases) / sizeof(multi_cases[0]));
	tcase_add_test(tc, dmarc_mode_7489_as_primary_swaps_the_answers);
	tcase_add_loop_test(tc, dmarc_out_of_memory_is_temperror_never_a_verdict, 0,
			    (int)(sizeof(oom_cases) / sizeof(oom_cases[0])));
	tcase_add_test(tc, dmarc_alignment_out_of_memory_is_undecided_not_unaligned);
	tcase_add_test(tc, dmarc_lookup_reports_where_and_what);
	tcase_add_test(tc, dmarc_strict_alignment_never_falls_back_to_org_domain);
	tcase_add_test(tc, dmarc_record_at_the_author_domain_asks_no_parent);
	tcase_add_test(tc, dmarc_aligned_dkim_pass_asks_nothing_for_spf_alignment);
	tcase_add_test(tc, dmarc_failing_parent_cannot_soften_the_from_domains_own_record);
	tcase_add_test(tc, dmarc_failing_parent_needed_for_alignment_is_temperror_not_fail);
	tcase_add_test(tc, dmarc_passes_under_another_tld_fail_without_asking_the_failing_parent);
	suite_add_tcase(s, tc);
	return s;
}
