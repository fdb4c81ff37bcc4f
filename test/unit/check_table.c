/* check_table.c - the lsearch table: duplicates through the index, linear
 * loads, and tables read again only when their file changed. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "aa_config.h"
#include "aa_outbound.h"
#include "aa_owner.h"
#include "aa_table.h"
#include "aa_test.h"

#define BIG_TABLE 10000

static char *write_tmp(const char *text)
{
	char path[] = "/tmp/aa-table-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return strdup(path);
}

/* Write text over path in place (same inode) and give it mtime sec. */
static void rewrite(const char *path, const char *text, time_t sec)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	struct timespec times[2] = { { sec, 0 }, { sec, 0 } };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(futimens(fd, times), 0);
	close(fd);
}

static void unlink_free(char *path)
{
	if (path != NULL)
		unlink(path);
	free(path);
}

/* ---- a kind of the test's own: key and data, duplicates refused ---- */

struct pair {
	const char *key;
	char data[32];
};

static int pair_entry(void *arg, const char *file, unsigned line, char *key, char *data, char *err,
		      size_t errlen)
{
	struct aa_table *t = arg;
	struct pair *p;

	if (aa_table_find(t, key) != NULL) {
		aa_lsearch_err(err, errlen, file, line, "key \"%.64s\" given twice", key);
		return -1;
	}
	if ((p = aa_table_add(t, key)) == NULL)
		return -1;
	snprintf(p->data, sizeof(p->data), "%s", data);
	return 0;
}

static const struct aa_table_kind pair_kind = { .rec_size = sizeof(struct pair), .entry = pair_entry };

static const char *data_of(const struct aa_table *t, const char *key)
{
	const struct pair *p = aa_table_find(t, key);

	return p != NULL ? p->data : NULL;
}

/* ---- every loader: a duplicate key gives the error it always gave ---- */

enum loader { DOMAINS, PROFILES, ROUTES, OUT_DOMAINS, OWNERS };

struct dup_case {
	const char *name;
	enum loader loader;
	const char *text;
	const char *expect;	/* the error after the file name */
};

static const struct dup_case dup_cases[] = {
	{ "a per-domain key given twice names the second line", DOMAINS,
	  "a.example: mode=off\nb.example: mode=off\nA.example: mode=enforce\n",
	  ":3: key \"a.example\" given twice" },
	{ "a profile given twice names the second line", PROFILES,
	  "p1: rcpt=a.example\nP1: rcpt=b.example\n", ":2: profile \"p1\" given twice" },
	{ "a route given twice names the second line", ROUTES,
	  "relay: hosts=relay.example.net egress=198.51.100.25\n"
	  "relay: hosts=relay.example.net egress=198.51.100.26\n", ":2: route \"relay\" given twice" },
	{ "an outbound domain given twice names the second line", OUT_DOMAINS,
	  "*.a.example: mode=route\n*.A.example: mode=off\n", ":2: key \"*.a.example\" given twice" },
	{ "an owner domain given twice names both lines", OWNERS,
	  "b.example: bob\nc.example: carol\nB.example: eve\n",
	  ":3: key \"b.example\" given twice (also at line 1)" },
};

static int load_with(enum loader loader, const char *path, char *err, size_t errlen)
{
	struct aa_config *cfg = NULL;
	struct aa_profiles *ps = NULL;
	struct aa_routes *rs = NULL;
	struct aa_owners *os = NULL;
	struct aa_outbound ob = { 0 };
	int rc = -1;

	switch (loader) {
	case DOMAINS:
		ck_assert_int_eq(aa_config_load(NULL, &cfg, err, errlen), 0);
		rc = aa_config_load_domains(cfg, path, err, errlen);
		aa_config_free(&cfg);
		break;
	case PROFILES:
		rc = aa_profiles_load(path, &ps, err, errlen);
		aa_profiles_free(&ps);
		break;
	case ROUTES:
		rc = aa_routes_load(path, &rs, err, errlen);
		aa_routes_free(&rs);
		break;
	case OUT_DOMAINS:
		rc = aa_outbound_load(&ob, NULL, NULL, path, err, errlen);
		aa_outbound_free(&ob);
		break;
	case OWNERS:
		rc = aa_owners_load(path, &os, err, errlen);
		aa_owners_free(&os);
		break;
	}
	return rc;
}

START_TEST(table_duplicate_key_error_is_unchanged)
{
	const struct dup_case *c = &dup_cases[_i];
	char *path = write_tmp(c->text);
	char err[256] = "", want[512];

	ck_assert_int_eq(load_with(c->loader, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s%s", path, c->expect);
	ck_assert_msg(strcmp(err, want) == 0, "%s: error \"%s\", not \"%s\"", c->name, err, want);
	unlink_free(path);
}
END_TEST

/* ---- big tables: linear, through the index ---- */

static char *big_text(size_t n, const char *extra)
{
	size_t cap = n * 48 + strlen(extra) + 1, len = 0;
	char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "d%zu.example: v%zu\n", i, i);
	snprintf(text + len, cap - len, "%s", extra);
	return text;
}

START_TEST(table_of_10000_entries_loads_with_linear_comparisons)
{
	char *text = big_text(BIG_TABLE, "");
	char *path = write_tmp(text);
	char err[256] = "", key[64], want[64];
	struct aa_table *t = aa_table_open(&pair_kind, path, err, sizeof(err));

	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_uint_eq(aa_table_count(t), BIG_TABLE);
	/* a walk of the table per entry would be some 5e7 */
	ck_assert_uint_le(aa_table_compares(t), 3 * BIG_TABLE);
	for (size_t i = 0; i < BIG_TABLE; i++) {
		snprintf(key, sizeof(key), "d%zu.example", i);
		snprintf(want, sizeof(want), "v%zu", i);
		ck_assert_str_eq(data_of(t, key), want);
		ck_assert_str_eq(((const struct pair *)aa_table_at(t, i))->key, key);
	}
	ck_assert_uint_le(aa_table_compares(t), 6 * BIG_TABLE);
	ck_assert_ptr_null(data_of(t, "d10000.example"));
	aa_table_free(&t);
	unlink_free(path);
	free(text);
}
END_TEST

START_TEST(table_duplicate_at_the_end_of_10000_entries_is_found)
{
	char *text = big_text(BIG_TABLE, "d4711.example: again\n");
	char *path = write_tmp(text);
	char err[256] = "", want[512];

	ck_assert_ptr_null(aa_table_open(&pair_kind, path, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:%d: key \"d4711.example\" given twice", path, BIG_TABLE + 1);
	ck_assert_str_eq(err, want);
	unlink_free(path);
	free(text);
}
END_TEST

START_TEST(table_best_match_is_most_specific_and_case_blind)
{
	char *path = write_tmp("a.example: exact\n*.b.example: sub\n*: any\n");
	char err[256] = "";
	struct aa_table *t = aa_table_open(&pair_kind, path, err, sizeof(err));
	const struct pair *p;

	ck_assert_msg(t != NULL, "%s", err);
	ck_assert_str_eq(((const struct pair *)aa_table_best(t, "A.Example"))->data, "exact");
	ck_assert_str_eq(((const struct pair *)aa_table_best(t, "x.Y.B.example"))->data, "sub");
	p = aa_table_best(t, "b.example");
	ck_assert_str_eq(p->data, "any");
	ck_assert_ptr_null(aa_table_find(t, "A.example"));	/* exact is exact */
	aa_table_free(&t);
	unlink_free(path);
}
END_TEST

/* ---- read again only when the file changed ---- */

START_TEST(table_unchanged_file_is_not_read_again)
{
	char *path = write_tmp("k: old\n");
	char err[256] = "";
	struct stat st;
	struct aa_table *t1, *t2;

	ck_assert_int_eq(stat(path, &st), 0);
	rewrite(path, "k: old\n", st.st_mtime - 100);
	t1 = aa_table_open(&pair_kind, path, err, sizeof(err));
	ck_assert_msg(t1 != NULL, "%s", err);
	/* same inode, size and mtime, other content: the file is not read */
	rewrite(path, "k: new\n", st.st_mtime - 100);
	ck_assert_int_eq(aa_table_is_current(t1), 1);
	t2 = aa_table_open(&pair_kind, path, err, sizeof(err));
	ck_assert_ptr_eq(t2, t1);
	ck_assert_str_eq(data_of(t2, "k"), "old");
	aa_table_free(&t2);
	ck_assert_str_eq(data_of(t1, "k"), "old");	/* still held by t1 */
	aa_table_free(&t1);
	unlink_free(path);
}
END_TEST

START_TEST(table_changed_file_is_read_again)
{
	char *path = write_tmp("k: old\n");
	char err[256] = "";
	struct stat st;
	struct aa_table *t1, *t2;

	ck_assert_int_eq(stat(path, &st), 0);
	rewrite(path, "k: old\n", st.st_mtime - 100);
	t1 = aa_table_open(&pair_kind, path, err, sizeof(err));
	ck_assert_msg(t1 != NULL, "%s", err);
	rewrite(path, "k: new\n", st.st_mtime - 50);	/* same size, later mtime */
	ck_assert_int_eq(aa_table_is_current(t1), 0);
	t2 = aa_table_open(&pair_kind, path, err, sizeof(err));
	ck_assert_msg(t2 != NULL, "%s", err);
	ck_assert_ptr_ne(t2, t1);
	ck_assert_str_eq(data_of(t2, "k"), "new");
	ck_assert_str_eq(data_of(t1, "k"), "old");	/* the old one lives while held */
	aa_table_free(&t1);
	aa_table_free(&t2);
	unlink_free(path);
}
END_TEST

/* ---- the settings: a changed table makes them stale on its own ---- */

enum edited { EDIT_NONE, EDIT_SETTINGS, EDIT_DOMAINS, EDIT_PROFILES, EDIT_ROUTES, EDIT_OUT_DOMAINS,
	      EDIT_OWNERS, FILES };

struct reload_case {
	const char *name;
	enum edited edited;
};

static const struct reload_case reload_cases[] = {
	{ "nothing edited: the settings are current and every table is shared", EDIT_NONE },
	{ "the settings file edited: stale, the unchanged tables are shared", EDIT_SETTINGS },
	{ "the per-domain table edited: stale without touching the settings", EDIT_DOMAINS },
	{ "the profiles edited: stale without touching the settings", EDIT_PROFILES },
	{ "the routes edited: stale without touching the settings", EDIT_ROUTES },
	{ "the outbound domains table edited: stale without touching the settings", EDIT_OUT_DOMAINS },
	{ "the owners file edited: stale without touching the settings", EDIT_OWNERS },
};

static const char *const file_text[FILES] = {
	[EDIT_DOMAINS] = "a.example: mode=off\n",
	[EDIT_PROFILES] = "p1: rcpt=a.example\n",
	[EDIT_ROUTES] = "relay: hosts=relay.example.net egress=198.51.100.25\n",
	[EDIT_OUT_DOMAINS] = "a.example: pin=relay\n",
	[EDIT_OWNERS] = "a.example: alice\n",
};

START_TEST(table_edit_makes_settings_stale_and_only_it_is_read_again)
{
	const struct reload_case *c = &reload_cases[_i];
	char *path[FILES] = { NULL };
	char settings[2048], err[256] = "";
	struct aa_config *cfg1 = NULL, *cfg2 = NULL;
	struct stat st;

	for (int f = EDIT_DOMAINS; f < FILES; f++)
		path[f] = write_tmp(file_text[f]);
	snprintf(settings, sizeof(settings),
		 "domains_file = %s\noutbound_egress = 203.0.113.5\noutbound_profiles_file = %s\n"
		 "outbound_routes_file = %s\noutbound_domains_file = %s\noutbound_owners_file = %s\n",
		 path[EDIT_DOMAINS], path[EDIT_PROFILES], path[EDIT_ROUTES], path[EDIT_OUT_DOMAINS],
		 path[EDIT_OWNERS]);
	path[EDIT_SETTINGS] = write_tmp(settings);
	ck_assert_int_eq(stat(path[EDIT_SETTINGS], &st), 0);
	for (int f = EDIT_SETTINGS; f < FILES; f++)
		rewrite(path[f], f == EDIT_SETTINGS ? settings : file_text[f], st.st_mtime - 100);
	ck_assert_msg(aa_config_load(path[EDIT_SETTINGS], &cfg1, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(aa_config_is_current(cfg1), 1);
	if (c->edited != EDIT_NONE)
		rewrite(path[c->edited], c->edited == EDIT_SETTINGS ? settings : file_text[c->edited],
			st.st_mtime - 50);
	ck_assert_int_eq(aa_config_is_current(cfg1), c->edited == EDIT_NONE);
	ck_assert_msg(aa_config_load(path[EDIT_SETTINGS], &cfg2, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(aa_config_is_current(cfg2), 1);
	/* the table of an unchanged file is the same one, an edited one new */
	ck_assert_int_eq(cfg2->domains == cfg1->domains, c->edited != EDIT_DOMAINS);
	ck_assert_int_eq(cfg2->outbound.table == cfg1->outbound.table, c->edited != EDIT_OUT_DOMAINS);
	ck_assert_uint_eq(aa_profiles_count(cfg2->outbound.profiles), 2);	/* p1 and default */
	ck_assert_ptr_nonnull(aa_route_find(cfg2->outbound.routes, "relay"));
	ck_assert_uint_eq(aa_owners_count(cfg2->outbound.owners), 1);
	aa_config_free(&cfg1);
	/* still whole once the old settings are gone */
	ck_assert_uint_eq(cfg2->domain_count, 1);
	ck_assert_uint_eq(aa_outbound_domain_count(&cfg2->outbound), 1);
	aa_config_free(&cfg2);
	for (int f = EDIT_SETTINGS; f < FILES; f++)
		unlink_free(path[f]);
}
END_TEST

Suite *suite_table(void)
{
	Suite *s = suite_create("table");
	TCase *tc = tcase_create("table");

	tcase_add_loop_test(tc, table_duplicate_key_error_is_unchanged, 0,
			    sizeof(dup_cases) / sizeof(dup_cases[0]));
	tcase_add_test(tc, table_of_10000_entries_loads_with_linear_comparisons);
	tcase_add_test(tc, table_duplicate_at_the_end_of_10000_entries_is_found);
	tcase_add_test(tc, table_best_match_is_most_specific_and_case_blind);
	tcase_add_test(tc, table_unchanged_file_is_not_read_again);
	tcase_add_test(tc, table_changed_file_is_read_again);
	tcase_add_loop_test(tc, table_edit_makes_settings_stale_and_only_it_is_read_again, 0,
			    sizeof(reload_cases) / sizeof(reload_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
