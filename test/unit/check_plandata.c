/* check_plandata.c - the plan carried in $local_scan_data: round trip, limits, hostile input. */
#include "aa_plan.h"
#include "aa_test.h"

#define MSGID "1xaKvM-00006s-0W"

START_TEST(plandata_round_trip)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_plandata pd = { .msgid = MSGID, .made = 1795000000, .dkim = { "a.example", "b.example" }, .dkim_count = 2,
				  .entry = { { "rfc.example", AA_STEP_SMARTHOST, "relay" },
					     { "gmail.com", AA_STEP_SIGN, "a.example" },
					     { "outlook.com", AA_STEP_REWRITE, "bounces+x@a.example" },
					     { "*", AA_STEP_DIRECT, NULL } },
				  .count = 4 };
	struct aa_plandata back;
	const char *text = aa_plandata_encode(ctx, &pd);
	const struct aa_plandata_entry *e;

	ck_assert_str_eq(text, "aa1 id=" MSGID " t=1795000000 dkim=a.example,b.example rfc.example=smarthost:relay "
			       "gmail.com=sign:a.example outlook.com=rewrite:bounces+x@a.example *=direct");
	ck_assert_int_eq(aa_plandata_decode(ctx, text, &back), 0);
	ck_assert_str_eq(back.msgid, MSGID);
	ck_assert_int_eq(back.made, 1795000000);
	ck_assert_uint_eq(back.dkim_count, 2);
	ck_assert_str_eq(back.dkim[1], "b.example");
	e = aa_plandata_find(&back, "RFC.example");
	ck_assert_int_eq(e->step, AA_STEP_SMARTHOST);
	ck_assert_str_eq(e->arg, "relay");
	e = aa_plandata_find(&back, "other.example");
	ck_assert_str_eq(e->domain, "*");
	ck_assert_int_eq(e->step, AA_STEP_DIRECT);
	aa_ctx_free(&ctx);
}
END_TEST

/* A step after sign that keeps our signature carries its d=: the
 * transport signs as the prediction assumed. */
START_TEST(a_kept_signature_is_carried_with_its_step)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_plandata pd = { .msgid = MSGID, .made = 5,
				  .entry = { { "outlook.com", AA_STEP_REWRITE, "b@bounces.a.example", "a.example" },
					     { "rfc.example", AA_STEP_SMARTHOST, "relay", "a.example" },
					     { "gmail.com", AA_STEP_SIGN, "a.example", "x.example" },
					     { "bad.example", AA_STEP_DIRECT, NULL, "a b.example" } },
				  .count = 4 };
	struct aa_plandata back;
	const char *text = aa_plandata_encode(ctx, &pd);
	static const char *const hostile[] = {
		"aa1 id=" MSGID " t=5 x.example=direct,foreseen,foreseen",
		"aa1 id=" MSGID " t=5 x.example=direct,rewrite:a@b.example",
		"aa1 id=" MSGID " t=5 x.example=smarthost:relay,rewrite:not-an-address",
		"aa1 id=" MSGID " t=5 x.example=smarthost:relay,rewrite:a@b.example,sign:c.example",
		"aa1 id=" MSGID " t=5 x.example=direct,foreseen,sign:a.example",
		"aa1 id=" MSGID " t=5 x.example=rewrite:b@a.example,dkim:a.example",
		"aa1 id=" MSGID " t=5 x.example=sign:a.example,sign:b.example",
		"aa1 id=" MSGID " t=5 x.example=smarthost:relay,sign:",
		"aa1 id=" MSGID " t=5 x.example=smarthost:relay,sign:a.example,sign:b.example",
	};

	/* a sign step's own d= is its argument; a name that is not plain is left out */
	ck_assert_str_eq(text, "aa1 id=" MSGID " t=5 outlook.com=rewrite:b@bounces.a.example,sign:a.example "
			       "rfc.example=smarthost:relay,sign:a.example");
	ck_assert_int_eq(aa_plandata_decode(ctx, text, &back), 0);
	ck_assert_str_eq(aa_plandata_sign_domain(aa_plandata_find(&back, "outlook.com")), "a.example");
	ck_assert_str_eq(aa_plandata_find(&back, "outlook.com")->arg, "b@bounces.a.example");
	ck_assert_str_eq(aa_plandata_sign_domain(aa_plandata_find(&back, "rfc.example")), "a.example");
	ck_assert_ptr_null(aa_plandata_find(&back, "gmail.com"));
	/* a refusal the plan expected is marked, after the signature */
	pd.entry[0].foreseen = 1;
	text = aa_plandata_encode(ctx, &pd);
	ck_assert_msg(strstr(text, " outlook.com=rewrite:b@bounces.a.example,sign:a.example,foreseen ") != NULL, "%s", text);
	ck_assert_int_eq(aa_plandata_decode(ctx, text, &back), 0);
	ck_assert_int_eq(aa_plandata_find(&back, "outlook.com")->foreseen, 1);
	ck_assert_int_eq(aa_plandata_find(&back, "rfc.example")->foreseen, 0);
	pd.entry[2].sign = NULL;
	ck_assert_int_eq(aa_plandata_decode(ctx, aa_plandata_encode(ctx, &pd), &back), 0);
	ck_assert_str_eq(aa_plandata_sign_domain(aa_plandata_find(&back, "gmail.com")), "a.example");
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		ck_assert_msg(aa_plandata_decode(ctx, hostile[i], &back) == -1, "decoded: %s", hostile[i]);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(plandata_hostile_names_are_left_out)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_plandata pd = { .msgid = MSGID, .made = 1, .dkim = { "a b.example", "ok.example" }, .dkim_count = 2,
				  .entry = { { "x.example=direct y.example", AA_STEP_DIRECT, NULL },
					     { "ok.example", AA_STEP_REWRITE, "a@b@c.example" },
					     { "fine.example", AA_STEP_SMARTHOST, "relay" } },
				  .count = 3 };
	const char *text = aa_plandata_encode(ctx, &pd);

	ck_assert_str_eq(text, "aa1 id=" MSGID " t=1 dkim=ok.example fine.example=smarthost:relay");
	aa_ctx_free(&ctx);
}
END_TEST

/* Signing domains that do not all fit: dkim= is left out whole (the
 * router then signs by its own lookup), never a part of its list; the
 * entries after it still go in. */
START_TEST(plandata_dkim_list_too_long_is_left_out_whole)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_plandata pd = { .msgid = MSGID, .made = 7, .entry = { { "rfc.example", AA_STEP_SMARTHOST, "relay" } },
				  .count = 1 };
	char names[AA_PLANDATA_DKIM_MAX][200];
	const char *text;

	for (size_t i = 0; i < AA_PLANDATA_DKIM_MAX; i++) {
		memset(names[i], 'd', sizeof(names[i]) - 10);
		snprintf(names[i] + sizeof(names[i]) - 10, 10, "%zu.example", i);
		pd.dkim[i] = names[i];
	}
	pd.dkim_count = AA_PLANDATA_DKIM_MAX;	/* 8 names of 199 bytes: over 1000 */
	text = aa_plandata_encode(ctx, &pd);
	ck_assert_str_eq(text, "aa1 id=" MSGID " t=7 rfc.example=smarthost:relay");
	pd.dkim_count = 2;			/* two fit */
	text = aa_plandata_encode(ctx, &pd);
	ck_assert_uint_eq(strlen(text), strlen("aa1 id=" MSGID " t=7 dkim=, rfc.example=smarthost:relay") + 2 * 199);
	ck_assert_ptr_nonnull(strstr(text, "0.example,ddd"));
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(plandata_never_exceeds_exim_limit)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_plandata pd = { .msgid = MSGID, .made = 1 };
	char names[AA_PLANDATA_DOMAINS_MAX][64];
	struct aa_plandata back;
	const char *text;

	for (size_t i = 0; i < AA_PLANDATA_DOMAINS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "a-rather-long-recipient-domain-number-%02zu.example", i);
		pd.entry[i] = (struct aa_plandata_entry){ names[i], AA_STEP_SMARTHOST, "relay-with-a-long-name", NULL, NULL, 0 };
	}
	pd.count = AA_PLANDATA_DOMAINS_MAX;
	text = aa_plandata_encode(ctx, &pd);
	ck_assert_uint_le(strlen(text), AA_PLANDATA_MAX);
	ck_assert_int_eq(aa_plandata_decode(ctx, text, &back), 0);
	ck_assert_uint_gt(back.count, 0);
	ck_assert_uint_lt(back.count, AA_PLANDATA_DOMAINS_MAX);	/* the rest is planned at routing */
	ck_assert_ptr_null(aa_plandata_find(&back, names[AA_PLANDATA_DOMAINS_MAX - 1]));
	aa_ctx_free(&ctx);
}
END_TEST

static const char *const bad_texts[] = {
	"",
	"spam",
	"aa2 t=1",
	"aa1 t=x",
	"aa1 t=1 rfc.example",
	"aa1 t=1 rfc.example=teleport",
	"aa1 t=1 rfc.example=smarthost",
	"aa1 t=1 rfc.example=direct:extra",
	"aa1 t=1 rfc.example=rewrite:not-an-address",
	"aa1 t=1 dkim=a\"b.example",
	"aa1 t=1 a;b.example=direct",
	"aa1 id=" MSGID " t=1 a;b.example=direct",
	"aa1 t=1 rfc.example=direct",			/* no id: whose plan? */
	"aa1 id= t=1 rfc.example=direct",
	"aa1 id=1xaKvM-00006s-0W/x t=1",
	"aa1 id=a id=b t=1",
	"aa1 id=" MSGID " id=" MSGID " t=1",
};

START_TEST(plandata_malformed_text_is_refused)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_plandata pd;

	ck_assert_msg(aa_plandata_decode(ctx, bad_texts[_i], &pd) == -1, "accepted: %s", bad_texts[_i]);
	aa_ctx_free(&ctx);
}
END_TEST

/* A plan names the message it was made for; it is never written for no
 * message, and recipient domains named like its own fields are left out
 * (a domain "t" or "dkim" would otherwise rewrite those fields). */
START_TEST(plandata_names_its_message_and_keeps_its_fields_apart)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_plandata pd = { .msgid = MSGID, .made = 5, .dkim = { "a.example" }, .dkim_count = 1,
				  .entry = { { "t", AA_STEP_DIRECT, NULL },
					     { "dkim", AA_STEP_DIRECT, NULL },
					     { "id", AA_STEP_DIRECT, NULL },
					     { "rfc.example", AA_STEP_SMARTHOST, "relay" } },
				  .count = 4 };
	struct aa_plandata back;
	const char *text = aa_plandata_encode(ctx, &pd);

	ck_assert_str_eq(text, "aa1 id=" MSGID " t=5 dkim=a.example rfc.example=smarthost:relay");
	ck_assert_int_eq(aa_plandata_decode(ctx, text, &back), 0);
	ck_assert_uint_eq(back.count, 1);
	ck_assert_uint_eq(back.dkim_count, 1);
	pd.msgid = NULL;
	ck_assert_ptr_null(aa_plandata_encode(ctx, &pd));
	pd.msgid = "not an id";
	ck_assert_ptr_null(aa_plandata_encode(ctx, &pd));
	/* no memory while decoding is undecided, never "not ours" */
	aa_arena_fail_after(ctx->arena, 0, SIZE_MAX);
	ck_assert_int_eq(aa_plandata_decode(ctx, "aa1 id=" MSGID " t=5", &back), -2);
	aa_arena_fail_after(ctx->arena, 0, 0);
	aa_ctx_free(&ctx);
}
END_TEST

/* What a router's ${dlfunc} does with $local_scan_data: the entry comes
 * back from the lookup and is read after it returned (the answer is
 * copied into Exim's store only then). Under ASan with
 * detect_stack_use_after_return=1 (make sanitize), an entry left in the
 * lookup's stack frame is caught here. */
static const struct {
	const char *what;
	const char *domain;
	time_t now;
	unsigned ttl;
	int found;
	enum aa_step step;
	const char *arg;
} lookups[] = {
	{ "exact domain", "RFC.example", 1795000010, 300, 1, AA_STEP_SMARTHOST, "relay" },
	{ "sign", "gmail.com", 1795000010, 300, 1, AA_STEP_SIGN, "a.example" },
	{ "rewrite", "outlook.com", 1795000299, 300, 1, AA_STEP_REWRITE, "bounces+x@a.example" },
	{ "any other domain", "other.example", 1795000000, 300, 1, AA_STEP_DIRECT, NULL },
	{ "too old", "gmail.com", 1795000300, 300, 0, AA_STEP_DIRECT, NULL },
	{ "ttl 0 plans again", "gmail.com", 1795000000, 0, 0, AA_STEP_DIRECT, NULL },
};

static void scribble_stack(void)
{
	volatile char junk[4096];

	memset((char *)junk, 0x5a, sizeof(junk));
}

START_TEST(plandata_lookup_answer_is_valid_after_the_lookup_returns)
{
	static const char text[] = "aa1 id=" MSGID " t=1795000000 dkim=a.example,b.example rfc.example=smarthost:relay "
				   "gmail.com=sign:a.example outlook.com=rewrite:bounces+x@a.example *=direct";
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	const struct aa_plandata *pd = NULL;
	const struct aa_plandata_entry *e;

	e = aa_plandata_lookup(ctx, text, lookups[_i].domain, lookups[_i].now, lookups[_i].ttl, &pd);
	scribble_stack();
	ck_assert_ptr_nonnull(pd);
	ck_assert_uint_eq(pd->dkim_count, 2);
	ck_assert_str_eq(pd->dkim[1], "b.example");
	if (!lookups[_i].found) {
		ck_assert_ptr_null(e);
	} else {
		ck_assert_ptr_nonnull(e);
		ck_assert_int_eq(e->step, lookups[_i].step);
		if (lookups[_i].arg == NULL)
			ck_assert_ptr_null(e->arg);
		else
			ck_assert_str_eq(e->arg, lookups[_i].arg);
	}
	ck_assert_ptr_null(aa_plandata_lookup(ctx, "spam", "gmail.com", 0, 300, &pd));
	ck_assert_ptr_null(pd);
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_plandata(void)
{
	Suite *s = suite_create("plandata");
	TCase *tc = tcase_create("plandata");

	tcase_add_test(tc, plandata_round_trip);
	tcase_add_test(tc, a_kept_signature_is_carried_with_its_step);
	tcase_add_test(tc, plandata_hostile_names_are_left_out);
	tcase_add_test(tc, plandata_names_its_message_and_keeps_its_fields_apart);
	tcase_add_test(tc, plandata_never_exceeds_exim_limit);
	tcase_add_test(tc, plandata_dkim_list_too_long_is_left_out_whole);
	tcase_add_loop_test(tc, plandata_malformed_text_is_refused, 0,
			    (int)(sizeof(bad_texts) / sizeof(bad_texts[0])));
	tcase_add_loop_test(tc, plandata_lookup_answer_is_valid_after_the_lookup_returns, 0,
			    (int)(sizeof(lookups) / sizeof(lookups[0])));
	suite_add_tcase(s, tc);
	return s;
}
