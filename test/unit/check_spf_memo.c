/* check_spf_memo.c - exim/spf_memo.c: SPF once a transaction, and the memo gone with the arena.
 *
 * spf_memo.c needs no Exim, so it runs here on its own; plugin_end_message
 * (exim/plugin.c, which does need Exim) is the same reset, counted.
 */
#include "aa_exim.h"
#include "aa_test.h"

static const char *const zone[] = {
	"s.example TXT v=spf1 ip4:192.0.2.1 -all",
	"mx.s.example TXT v=spf1 -all",
	NULL,
};

static struct aa_plugin pl;
static unsigned ends;		/* new transactions: plugin_end_message() calls */

void plugin_end_message(struct aa_plugin *p)
{
	ends++;
	aa_ctx_end_message(p->ctx);
}

static void setup(void)
{
	char err[128];

	ck_assert_int_eq(aa_config_load(NULL, &pl.cfg, err, sizeof(err)), 0);
	pl.ctx = aa_test_ctx(zone);
	ends = 0;
}

static void teardown(void)
{
	aa_ctx_free(&pl.ctx);
	aa_config_free(&pl.cfg);
}

static enum aa_result spf(const char *ip, const struct aa_spf_result **mf_r)
{
	const struct aa_spf_result *helo;

	ck_assert_int_eq(plugin_spf(&pl, ip, "mx.s.example", "u@s.example", mf_r, &helo), 0);
	return (*mf_r)->result;
}

START_TEST(one_transaction_asks_spf_once)
{
	const struct aa_spf_result *a, *b;
	size_t used;

	ck_assert_int_eq(spf("192.0.2.1", &a), AA_PASS);
	used = aa_arena_used(pl.ctx->arena);
	ck_assert_int_eq(spf("192.0.2.1", &b), AA_PASS);
	ck_assert_ptr_eq(a, b);
	ck_assert_uint_eq(aa_arena_used(pl.ctx->arena), used);	/* nothing evaluated again */
	ck_assert_uint_eq(ends, 1);
}
END_TEST

START_TEST(local_scan_begins_the_transaction_its_acl_began)
{
	const struct aa_spf_result *a;

	plugin_transaction(&pl, "192.0.2.1", "mx.s.example", "u@s.example");
	ck_assert_uint_eq(ends, 1);
	ck_assert_int_eq(spf("192.0.2.1", &a), AA_PASS);	/* the same one: no reset */
	plugin_transaction(&pl, "192.0.2.1", "mx.s.example", "u@s.example");
	ck_assert_uint_eq(ends, 1);
}
END_TEST

START_TEST(other_names_start_a_new_transaction)
{
	const struct aa_spf_result *a;

	ck_assert_int_eq(spf("192.0.2.1", &a), AA_PASS);
	ck_assert_int_eq(spf("192.0.2.2", &a), AA_FAIL);
	ck_assert_uint_eq(ends, 2);
}
END_TEST

/* The arena is reset without plugin_end_message (a config reload, a new
 * caller): the memo, whose strings were in it, must not survive. */
START_TEST(the_memo_goes_with_the_arena_whoever_resets_it)
{
	const struct aa_spf_result *a;

	ck_assert_int_eq(spf("192.0.2.1", &a), AA_PASS);
	aa_ctx_end_message(pl.ctx);
	ck_assert_int_eq(spf("192.0.2.1", &a), AA_PASS);
	ck_assert_uint_eq(ends, 2);	/* evaluated in a transaction of its own */
	ck_assert_ptr_nonnull(a->domain);
	ck_assert_str_eq(a->domain, "s.example");
}
END_TEST

/* spf_helo = no (the default): a message with a sender asks nothing for
 * its HELO name and has no HELO result; the null sender's HELO is its
 * identity. spf_helo = yes: the HELO result too, one question more. */
START_TEST(helo_is_checked_alone_only_with_spf_helo)
{
	const struct aa_spf_result *mf, *helo;
	unsigned long q0 = aa_dns_queries(pl.ctx->dns);

	ck_assert_int_eq(plugin_spf(&pl, "192.0.2.1", "mx.s.example", "u@s.example", &mf, &helo), 0);
	ck_assert_int_eq(mf->result, AA_PASS);
	ck_assert_ptr_null(helo);
	ck_assert_uint_eq(aa_dns_queries(pl.ctx->dns) - q0, 1);

	ck_assert_int_eq(plugin_spf(&pl, "192.0.2.1", "mx.s.example", "", &mf, &helo), 0);
	ck_assert_ptr_null(helo);
	ck_assert_str_eq(mf->identity, "helo");
	ck_assert_int_eq(mf->result, AA_FAIL);

	pl.cfg->spf_helo = 1;
	q0 = aa_dns_queries(pl.ctx->dns);
	ck_assert_int_eq(plugin_spf(&pl, "192.0.2.1", "mx.s.example", "v@s.example", &mf, &helo), 0);
	ck_assert_int_eq(mf->result, AA_PASS);
	ck_assert_ptr_nonnull(helo);
	ck_assert_str_eq(helo->identity, "helo");
	ck_assert_int_eq(helo->result, AA_FAIL);
	ck_assert_uint_eq(aa_dns_queries(pl.ctx->dns) - q0, 2);
}
END_TEST

Suite *suite_spf_memo(void)
{
	Suite *s = suite_create("spf_memo");
	TCase *tc = tcase_create("spf_memo");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_transaction_asks_spf_once);
	tcase_add_test(tc, local_scan_begins_the_transaction_its_acl_began);
	tcase_add_test(tc, other_names_start_a_new_transaction);
	tcase_add_test(tc, the_memo_goes_with_the_arena_whoever_resets_it);
	tcase_add_test(tc, helo_is_checked_alone_only_with_spf_helo);
	suite_add_tcase(s, tc);
	return s;
}
