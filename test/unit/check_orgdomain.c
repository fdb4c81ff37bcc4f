/* check_orgdomain.c - Organizational Domain by PSL and by the DNS tree walk. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "aa_test.h"
#include "aa_dmarc.h"
#include "../../core/dmarc/dmarc_int.h"

static const char *const zone[] = {
	"_dmarc.example.com TXT v=DMARC1; p=none",
	"_dmarc.signing.example.com TXT v=DMARC1; p=none",
	"_dmarc.sub.example.org TXT v=DMARC1; p=none; psd=n",
	"_dmarc.example.org TXT v=DMARC1; p=reject",
	"_dmarc.bank.example TXT v=DMARC1; p=reject; psd=y",
	"_dmarc.giant.bank.example TXT v=DMARC1; p=none",
	"_dmarc.two.example TXT v=DMARC1; p=none",
	"_dmarc.two.example TXT v=DMARC1; p=reject",
	"_dmarc.x.two.example TXT v=DMARC1; p=none",
	"_dmarc.broken.example TXT SERVFAIL",
	"_dmarc.spf.example TXT v=spf1 -all",
	NULL,
};

struct org_case {
	const char *name;
	const char *domain;
	enum aa_dmarc_mode mode;
	enum aa_result rc;
	const char *org;
};

#define W AA_DMARC_RFC9989
#define P AA_DMARC_RFC7489

static const struct org_case cases[] = {
	{ "psl gives the registrable domain", "a.b.example.com", P, AA_PASS, "example.com" },
	{ "psl folds case", "WwW.Example.COM", P, AA_PASS, "example.com" },
	{ "psl wildcard rule", "a.b.c.kobe.jp", P, AA_PASS, "b.c.kobe.jp" },
	{ "psl exception rule", "www.city.kobe.jp", P, AA_PASS, "city.kobe.jp" },
	{ "psl public suffix gives none and itself", "co.uk", P, AA_NONE, "co.uk" },
	{ "psl unlisted TLD uses the default rule", "b.example.example", P, AA_PASS, "example.example" },
	{ "leading dot is not a domain", ".example.com", P, AA_PERMERROR, NULL },
	{ "empty label is not a domain", "a..example.com", W, AA_PERMERROR, NULL },
	{ "walk picks the record with fewest labels", "a.b.example.com", W, AA_PASS, "example.com" },
	{ "walk from a domain with its own record still goes up", "signing.example.com", W, AA_PASS,
	  "example.com" },
	{ "psd=n makes its domain the org domain", "x.y.sub.example.org", W, AA_PASS,
	  "sub.example.org" },
	{ "psd=y makes the label below the org domain", "mail.giant.bank.example", W, AA_PASS,
	  "giant.bank.example" },
	{ "psd=y without a record below still cuts one label below", "mail.mega.bank.example", W,
	  AA_PASS, "mega.bank.example" },
	{ "no record anywhere gives the domain itself", "a.nothing.example", W, AA_PASS,
	  "a.nothing.example" },
	{ "two records at one name are discarded", "x.two.example", W, AA_PASS, "x.two.example" },
	{ "non-DMARC TXT is not a record", "a.spf.example", W, AA_PASS, "a.spf.example" },
	{ "walk SERVFAIL gives temperror", "a.broken.example", W, AA_TEMPERROR, NULL },
};

START_TEST(org_table)
{
	const struct org_case *c = &cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const char *org = NULL;
	enum aa_result rc = aa_org_domain(ctx, c->domain, c->mode, &org);

	ck_assert_msg(rc == c->rc, "%s: %s", c->name, aa_result_name(rc));
	if (c->org != NULL)
		ck_assert_msg(org != NULL && strcmp(org, c->org) == 0, "%s: %s", c->name,
			      org != NULL ? org : "(null)");
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(org_walk_asks_at_most_eight_names)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const char *org = NULL;

	ck_assert_int_eq(aa_org_domain(ctx, "a.b.c.d.e.f.g.h.i.j.k.l.m.example.com", AA_DMARC_RFC9989,
				       &org), AA_PASS);
	ck_assert_str_eq(org, "example.com");
	ck_assert_uint_le(aa_dns_queries(ctx->dns), 8);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(org_null_is_permerror)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const char *org = "x";

	ck_assert_int_eq(aa_org_domain(ctx, NULL, AA_DMARC_RFC7489, &org), AA_PERMERROR);
	ck_assert_ptr_null(org);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(org_psl_is_loaded_once_per_context)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const char *org;
	void *first;

	aa_org_domain(ctx, "a.example.com", AA_DMARC_RFC7489, &org);
	first = ctx->psl;
	ck_assert_ptr_nonnull(first);
	aa_ctx_end_message(ctx);
	aa_org_domain(ctx, "b.example.com", AA_DMARC_RFC7489, &org);
	ck_assert_ptr_eq(ctx->psl, first);
	aa_ctx_free(&ctx);
}
END_TEST

/* The list is read once a process: a second context takes the first's
 * copy (the Exim daemon's, in each child it forks) until the file
 * changes; then a new context reads the new list, and one that took the
 * old list keeps it. */
START_TEST(org_psl_is_shared_by_contexts_until_its_file_changes)
{
	char path[] = "/tmp/aa-psl-XXXXXX";
	int fd = mkstemp(path);
	struct aa_ctx *a = aa_test_ctx(zone), *b = aa_test_ctx(zone), *c = aa_test_ctx(zone);
	const char *org;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(dprintf(fd, "test\n"), 0);
	a->psl_file = b->psl_file = c->psl_file = path;
	ck_assert_int_eq(aa_org_domain(a, "x.y.test", AA_DMARC_RFC7489, &org), AA_PASS);
	ck_assert_str_eq(org, "y.test");
	ck_assert_int_eq(aa_org_domain(b, "x.y.test", AA_DMARC_RFC7489, &org), AA_PASS);
	ck_assert_ptr_eq(b->psl, a->psl);
	/* a longer file: its size alone tells it changed, whatever the clock */
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_gt(pwrite(fd, "test\ny.test\n", 12, 0), 0);
	close(fd);
	ck_assert_int_eq(aa_org_domain(c, "x.y.test", AA_DMARC_RFC7489, &org), AA_PASS);
	ck_assert_str_eq(org, "x.y.test");
	ck_assert_ptr_ne(c->psl, a->psl);
	aa_ctx_free(&c);
	aa_ctx_end_message(a);
	ck_assert_int_eq(aa_org_domain(a, "x.y.test", AA_DMARC_RFC7489, &org), AA_PASS);
	ck_assert_str_eq(org, "y.test");
	aa_ctx_free(&a);
	aa_ctx_free(&b);
	unlink(path);
}
END_TEST

/* A file rewritten at the same size with its old modification time put
 * back (as cp -p or rsync -t leave it) is still read again: its change
 * time moved. */
START_TEST(org_psl_same_size_and_mtime_is_read_again_by_its_ctime)
{
	char path[] = "/tmp/aa-psl-XXXXXX";
	int fd = mkstemp(path);
	struct aa_ctx *a = aa_test_ctx(zone), *b = aa_test_ctx(zone);
	struct stat st;
	struct timespec times[2];
	const char *org;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_gt(dprintf(fd, "tesu\nytest\n"), 0);	/* 11 bytes, as the next */
	a->psl_file = b->psl_file = path;
	ck_assert_int_eq(aa_org_domain(a, "x.y.test", AA_DMARC_RFC7489, &org), AA_PASS);
	ck_assert_str_eq(org, "y.test");
	ck_assert_int_eq(fstat(fd, &st), 0);
	usleep(20000);	/* a ctime the old one cannot equal */
	ck_assert_int_eq(pwrite(fd, "test\ny.test", 11, 0), 11);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	ck_assert_int_eq(futimens(fd, times), 0);
	close(fd);
	ck_assert_int_eq(aa_org_domain(b, "x.y.test", AA_DMARC_RFC7489, &org), AA_PASS);
	ck_assert_str_eq(org, "x.y.test");
	ck_assert_ptr_ne(b->psl, a->psl);
	aa_ctx_free(&a);
	aa_ctx_free(&b);
	unlink(path);
}
END_TEST

/* The walk holds the records it found while it asks on; the cache may
 * fill up at any step of it (the message asked that many questions
 * before). Every record it holds is still readable at the end. */
static const int asked_before[] = { 0, AA_DNS_CACHE_MAX - 4, AA_DNS_CACHE_MAX - 3, AA_DNS_CACHE_MAX - 2,
				    AA_DNS_CACHE_MAX - 1, AA_DNS_CACHE_MAX };

START_TEST(walk_records_stay_valid_whatever_the_number_of_lookups_before)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);
	const char *reason = NULL;
	struct aa_walk w;
	char name[32];

	for (int i = 0; i < asked_before[_i]; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		aa_dns_lookup(ctx->dns, name, AA_DNS_A);
	}
	ck_assert_int_eq(aa_dmarc_walk(ctx, "x.y.signing.example.com", &w, &reason), AA_PASS);
	ck_assert_uint_eq(w.n, 5);
	ck_assert_ptr_null(w.step[0].txt);
	ck_assert_ptr_null(w.step[1].txt);
	ck_assert_ptr_nonnull(w.step[2].txt);
	ck_assert_int_eq(memcmp(w.step[2].txt, "v=DMARC1; p=none", w.step[2].txt_len), 0);
	ck_assert_ptr_nonnull(w.step[3].txt);
	ck_assert_int_eq(memcmp(w.step[3].txt, "v=DMARC1; p=none", w.step[3].txt_len), 0);
	ck_assert_str_eq(aa_walk_org_domain(ctx, &w), "example.com");
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_orgdomain(void)
{
	Suite *s = suite_create("orgdomain");
	TCase *tc = tcase_create("orgdomain");

	tcase_add_loop_test(tc, org_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, org_walk_asks_at_most_eight_names);
	tcase_add_test(tc, org_null_is_permerror);
	tcase_add_test(tc, org_psl_is_loaded_once_per_context);
	tcase_add_test(tc, org_psl_is_shared_by_contexts_until_its_file_changes);
	tcase_add_test(tc, org_psl_same_size_and_mtime_is_read_again_by_its_ctime);
	tcase_add_loop_test(tc, walk_records_stay_valid_whatever_the_number_of_lookups_before, 0,
			    (int)(sizeof(asked_before) / sizeof(asked_before[0])));
	suite_add_tcase(s, tc);
	return s;
}
