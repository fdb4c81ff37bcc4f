/* check_feedback_store.c - the SQLite feedback store: counts, expiry, forget, a block list for every From domain, errors that are errors. */
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "aa_config.h"
#include "aa_feedback.h"
#include "aa_test.h"
#include "aa_test_tmp.h"

#define T0 1800000000	/* 2027-01-15, a fixed "now" */
#define EXPIRE 3600

static const char s3150[] =
	"550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service "
	"provider since part of their network is on our block list (S3150).";
static const char dmarc509[] = "550 5.7.509 Access denied, sending domain [example.com] does not pass DMARC "
			       "verification and has a DMARC policy of reject.";

struct store_dir {
	char dir[64], file[128];
	struct aa_feedback_config cfg;
};

/* A fresh directory; the store file one level below it, not made yet. */
static void store_dir_make(struct store_dir *d)
{
	const char *base = getenv("TMPDIR");

	snprintf(d->dir, sizeof(d->dir), "%s/aa-fb-XXXXXX", base != NULL && strlen(base) < 40 ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(d->dir));
	snprintf(d->file, sizeof(d->file), "%s/spool/feedback.db", d->dir);
	memset(&d->cfg, 0, sizeof(d->cfg));
	d->cfg.file = d->file;
	d->cfg.expire_s = EXPIRE;
	d->cfg.timeout_ms = 1000;
}

static void store_dir_remove(struct store_dir *d)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct aa_feedback *store_open(struct store_dir *d, int how)
{
	struct aa_feedback *fb = NULL;
	char err[512] = "";

	ck_assert_msg(aa_feedback_open(&d->cfg, how, &fb, err, sizeof(err)) == 0, "open: %s", err);
	ck_assert_ptr_nonnull(fb);
	return fb;
}

/* A fresh directory and a store made in it, open to record. */
static struct aa_feedback *store_fresh(struct store_dir *d)
{
	store_dir_make(d);
	return store_open(d, AA_FB_OPEN_CREATE);
}

static int record(struct aa_feedback *fb, const char *dest, const char *from, const char *route, const char *text,
		  time_t now, struct aa_fb_entry *e)
{
	struct aa_fb_key k = { dest, from, route, "192.0.2.1" };
	struct aa_fb_reply r;
	int rc;

	aa_fb_reply_parse(text, strlen(text), &r);
	rc = aa_feedback_record(fb, &k, &r, now, e);
	ck_assert_msg(rc >= 0, "record: %s", aa_feedback_error(fb));
	return rc;
}

static int avoid(struct aa_feedback *fb, const char *dest, const char *from, const char *route, time_t now,
		 struct aa_fb_entry *e)
{
	struct aa_fb_key k = { dest, from, route, "192.0.2.1" };

	return aa_feedback_avoid(fb, &k, now, e);
}

START_TEST(second_reply_counts_two_and_route_is_avoided)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;
	struct stat st;

	fb = store_fresh(&d);
	ck_assert_int_eq(stat(d.file, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(record(fb, "MX.Outlook.Example", "Example.COM", "direct", dmarc509, T0, &e), 1);
	ck_assert_int_eq(e.count, 1);
	ck_assert_int_eq(record(fb, "mx.outlook.example", "example.com", "direct", dmarc509, T0 + 60, &e), 1);
	ck_assert_int_eq(e.count, 2);
	ck_assert_int_eq(e.first_seen, T0);
	ck_assert_int_eq(e.last_seen, T0 + 60);
	ck_assert_int_eq(e.expires, T0 + 60 + EXPIRE);
	ck_assert_str_eq(e.destination, "mx.outlook.example");
	ck_assert_str_eq(e.class_word, "dmarc");
	ck_assert_int_eq(e.code, 550);
	ck_assert_str_eq(e.status, "5.7.509");
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(avoid(fb, "mx.outlook.example", "EXAMPLE.com", "direct", T0 + 120, &e), 1);
	ck_assert_int_eq(e.class, AA_FB_DMARC);
	ck_assert_int_eq(e.count, 2);
	/* another From domain, another route, another egress: nothing learned */
	ck_assert_int_eq(avoid(fb, "mx.outlook.example", "example.org", "direct", T0 + 120, &e), 0);
	ck_assert_int_eq(avoid(fb, "mx.outlook.example", "example.com", "relay", T0 + 120, &e), 0);
	{
		struct aa_fb_key k = { "mx.outlook.example", "example.com", "direct", "192.0.2.99" };

		ck_assert_int_eq(aa_feedback_avoid(fb, &k, T0 + 120, &e), 0);
	}
	aa_feedback_close(&fb);
	ck_assert_ptr_null(fb);
	store_dir_remove(&d);
}
END_TEST

START_TEST(block_list_reply_avoids_route_for_every_from_domain)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;

	fb = store_fresh(&d);
	ck_assert_int_eq(record(fb, "outlook", "a.example", "direct", s3150, T0, &e), 1);
	ck_assert_str_eq(e.from_domain, "*");
	ck_assert_int_eq(e.class, AA_FB_BLOCKLIST);
	ck_assert_int_eq(avoid(fb, "outlook", "b.example", "direct", T0 + 1, &e), 1);
	ck_assert_str_eq(e.class_word, "blocklist");
	ck_assert_int_eq(avoid(fb, "outlook", "b.example", "relay", T0 + 1, &e), 0);
	ck_assert_int_eq(avoid(fb, "gmail", "b.example", "direct", T0 + 1, &e), 0);
	aa_feedback_close(&fb);
	store_dir_remove(&d);
}
END_TEST

START_TEST(expired_entry_is_not_avoided_and_counts_again_from_one)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;

	fb = store_fresh(&d);
	record(fb, "gmail", "example.com", "direct", dmarc509, T0, &e);
	record(fb, "gmail", "example.com", "direct", dmarc509, T0 + 10, &e);
	ck_assert_int_eq(e.count, 2);
	ck_assert_int_eq(avoid(fb, "gmail", "example.com", "direct", T0 + 10 + EXPIRE - 1, &e), 1);
	ck_assert_int_eq(avoid(fb, "gmail", "example.com", "direct", T0 + 10 + EXPIRE, &e), 0);
	ck_assert_int_eq(aa_feedback_list(fb, T0 + 10 + EXPIRE, NULL, NULL), 0);
	record(fb, "gmail", "example.com", "direct", dmarc509, T0 + 20 + EXPIRE, &e);
	ck_assert_int_eq(e.count, 1);
	ck_assert_int_eq(e.first_seen, T0 + 20 + EXPIRE);
	aa_feedback_close(&fb);
	store_dir_remove(&d);
}
END_TEST

static int count_entry(void *arg, const struct aa_fb_entry *e)
{
	(void)e;
	(*(int *)arg)++;
	return 0;
}

/* A temporary reply of the same class never switches a live 5xx off. */
START_TEST(a_later_4xx_does_not_undo_a_live_5xx)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;

	fb = store_fresh(&d);
	record(fb, "outlook.example", "*", "direct", s3150, T0, &e);
	ck_assert_int_eq(record(fb, "outlook.example", "*", "direct", "451 4.7.1 Service unavailable, client host "
				"[192.0.2.1] blocked using Spamhaus", T0 + 10, &e), 1);
	ck_assert_int_eq(e.class, AA_FB_BLOCKLIST);
	ck_assert_int_eq(e.code, 550);
	ck_assert_int_eq(e.count, 2);
	ck_assert_int_eq(avoid(fb, "outlook.example", "example.com", "direct", T0 + 20, &e), 1);
	aa_feedback_close(&fb);
	store_dir_remove(&d);
}
END_TEST

/* A full store refuses a new entry, with a reason, and still counts the
 * replies of the entries it holds. */
START_TEST(a_full_store_keeps_counting_its_entries_and_takes_no_new_one)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;
	struct aa_fb_key k = { "third.example", "example.com", "direct", "192.0.2.1" };
	struct aa_fb_reply r;

	store_dir_make(&d);
	d.cfg.max_entries = 2;
	fb = store_open(&d, AA_FB_OPEN_CREATE);
	record(fb, "one.example", "example.com", "direct", dmarc509, T0, &e);
	record(fb, "two.example", "example.com", "direct", dmarc509, T0, &e);
	aa_fb_reply_parse(dmarc509, strlen(dmarc509), &r);
	ck_assert_int_eq(aa_feedback_record(fb, &k, &r, T0 + 1, &e), -1);
	ck_assert_msg(strstr(aa_feedback_error(fb), "the store holds 2 entries, its most") != NULL, "%s",
		      aa_feedback_error(fb));
	ck_assert_int_eq(record(fb, "one.example", "example.com", "direct", dmarc509, T0 + 2, &e), 1);
	ck_assert_int_eq(e.count, 2);
	ck_assert_int_eq(aa_feedback_list(fb, T0 + 3, NULL, NULL), 2);
	aa_feedback_close(&fb);
	store_dir_remove(&d);
}
END_TEST

START_TEST(other_classes_are_listed_but_never_avoided)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;
	int seen = 0;

	fb = store_fresh(&d);
	ck_assert_int_eq(record(fb, "gmail", "example.com", "direct", "550 5.1.1 user unknown", T0, &e), 1);
	ck_assert_int_eq(record(fb, "gmail", "example.com", "direct", "421 4.7.28 rate limited", T0, &e), 1);
	ck_assert_int_eq(record(fb, "gmail", "example.com", "direct", "250 2.0.0 OK", T0, &e), 0);
	ck_assert_int_eq(avoid(fb, "gmail", "example.com", "direct", T0 + 1, &e), 0);
	ck_assert_int_eq(aa_feedback_list(fb, T0 + 1, count_entry, &seen), 2);
	ck_assert_int_eq(seen, 2);
	/* a DMARC refusal beside them is the one that counts */
	record(fb, "gmail", "example.com", "direct", dmarc509, T0 + 2, &e);
	ck_assert_int_eq(avoid(fb, "gmail", "example.com", "direct", T0 + 3, &e), 1);
	ck_assert_int_eq(e.class, AA_FB_DMARC);
	aa_feedback_close(&fb);
	store_dir_remove(&d);
}
END_TEST

START_TEST(forget_clears_one_from_domain_or_the_destination)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;

	fb = store_fresh(&d);
	record(fb, "outlook", "a.example", "direct", dmarc509, T0, &e);
	record(fb, "outlook", "b.example", "direct", dmarc509, T0, &e);
	record(fb, "outlook", "b.example", "direct", s3150, T0, &e);
	record(fb, "gmail", "a.example", "direct", dmarc509, T0, &e);
	ck_assert_int_eq(aa_feedback_forget(fb, "OUTLOOK", "a.example"), 1);
	ck_assert_int_eq(avoid(fb, "outlook", "a.example", "direct", T0 + 1, &e), 1);	/* the block list */
	ck_assert_int_eq(aa_feedback_forget(fb, "outlook", "*"), 1);
	ck_assert_int_eq(avoid(fb, "outlook", "a.example", "direct", T0 + 1, &e), 0);
	ck_assert_int_eq(aa_feedback_forget(fb, "outlook", NULL), 1);
	ck_assert_int_eq(aa_feedback_forget(fb, "outlook", NULL), 0);
	ck_assert_int_eq(aa_feedback_list(fb, T0 + 1, NULL, NULL), 1);
	ck_assert_int_eq(aa_feedback_forget(fb, "out look", NULL), AA_FB_INVALID);
	ck_assert_ptr_nonnull(strstr(aa_feedback_error(fb), "destination"));
	aa_feedback_close(&fb);
	store_dir_remove(&d);
}
END_TEST

/* The reply kept is printable ASCII and at most AA_FB_REPLY_MAX bytes;
 * a key with a byte a name never has is refused, not stored. */
START_TEST(reply_is_kept_printable_and_bad_keys_are_refused)
{
	static const char hostile[] = "550 5.7.1 blocked using \x1b[31mzen\xff\x00.example";
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;
	struct aa_fb_reply r;
	struct aa_fb_key bad = { "mx.example", "example.com", "di\trect", "" };
	char longname[300];

	fb = store_fresh(&d);
	aa_fb_reply_parse(hostile, sizeof(hostile) - 1, &r);
	{
		struct aa_fb_key k = { "mx.example", "example.com", "direct", "" };

		ck_assert_int_eq(aa_feedback_record(fb, &k, &r, T0, &e), 1);
	}
	ck_assert_str_eq(e.reply, "550 5.7.1 blocked using ?[31mzen??.example");
	ck_assert_str_eq(e.egress, "");
	ck_assert_int_eq(aa_feedback_record(fb, &bad, &r, T0, &e), -1);
	ck_assert_ptr_nonnull(strstr(aa_feedback_error(fb), "route"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	bad.route = "direct";
	bad.destination = longname;
	ck_assert_int_eq(aa_feedback_record(fb, &bad, &r, T0, &e), -1);
	ck_assert_ptr_nonnull(strstr(aa_feedback_error(fb), "longer than"));
	ck_assert_int_eq(aa_feedback_avoid(fb, &bad, T0, &e), 0);	/* nothing stored under it */
	ck_assert_int_eq(aa_feedback_list(fb, T0, NULL, NULL), 1);
	aa_feedback_close(&fb);
	store_dir_remove(&d);
}
END_TEST

/* Read or forget never makes a store: a file not there is an empty one. */
START_TEST(store_not_made_yet_reads_empty_and_is_not_made)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;
	struct stat st;

	store_dir_make(&d);
	fb = store_open(&d, AA_FB_OPEN_READ);
	ck_assert_int_eq(aa_feedback_list(fb, T0, NULL, NULL), 0);
	ck_assert_int_eq(avoid(fb, "outlook", "a.example", "direct", T0, &e), 0);
	aa_feedback_close(&fb);
	fb = store_open(&d, AA_FB_OPEN_WRITE);
	ck_assert_int_eq(aa_feedback_forget(fb, "outlook", NULL), 0);
	aa_feedback_close(&fb);
	ck_assert_int_eq(stat(d.file, &st), -1);
	store_dir_remove(&d);
}
END_TEST

/* A store that cannot be opened is an error with its reason, not a crash. */
START_TEST(store_that_cannot_be_opened_is_an_error)
{
	struct store_dir d;
	struct aa_feedback *fb = (struct aa_feedback *)&d;
	char err[512] = "", path[160];
	FILE *f;

	store_dir_make(&d);
	/* the directory above the store's is not there: not made (one level only) */
	snprintf(path, sizeof(path), "%s/no/such/feedback.db", d.dir);
	d.cfg.file = path;
	ck_assert_int_eq(aa_feedback_open(&d.cfg, AA_FB_OPEN_CREATE, &fb, err, sizeof(err)), -1);
	ck_assert_ptr_null(fb);
	ck_assert_msg(strstr(err, "cannot make") != NULL && strstr(err, path) != NULL, "%s", err);
	/* the path is a directory */
	snprintf(path, sizeof(path), "%s", d.dir);
	ck_assert_int_eq(aa_feedback_open(&d.cfg, AA_FB_OPEN_CREATE, &fb, err, sizeof(err)), -1);
	ck_assert_ptr_null(fb);
	/* a file that is not a database */
	snprintf(path, sizeof(path), "%s/garbage.db", d.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not an SQLite database, just text that is long enough to hold a header\n", f);
	fclose(f);
	ck_assert_int_eq(aa_feedback_open(&d.cfg, AA_FB_OPEN_READ, &fb, err, sizeof(err)), -1);
	ck_assert_ptr_null(fb);
	ck_assert_msg(strstr(err, "not a database") != NULL, "%s", err);
	store_dir_remove(&d);
}
END_TEST

static long elapsed_ms(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (b.tv_sec - a->tv_sec) * 1000 + (b.tv_nsec - a->tv_nsec) / 1000000;
}

/* Another process holding the write lock costs a writer at most
 * outbound_feedback_timeout, then it is an error; readers are not held. */
START_TEST(locked_store_waits_at_most_the_timeout)
{
	struct store_dir d;
	struct aa_feedback *fb;
	struct aa_fb_entry e;
	struct timespec t;
	sqlite3 *other;
	long ms;

	fb = store_fresh(&d);
	record(fb, "outlook", "a.example", "direct", dmarc509, T0, &e);
	ck_assert_int_eq(sqlite3_open(d.file, &other), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	clock_gettime(CLOCK_MONOTONIC, &t);
	{
		struct aa_fb_key k = { "outlook", "a.example", "direct", "192.0.2.1" };
		struct aa_fb_reply r;

		aa_fb_reply_parse(dmarc509, strlen(dmarc509), &r);
		ck_assert_int_eq(aa_feedback_record(fb, &k, &r, T0 + 1, &e), -1);
	}
	ms = elapsed_ms(&t);
	ck_assert_msg(ms >= 900 && ms < 1800, "waited %ld ms for a timeout of 1000", ms);
	ck_assert_msg(strstr(aa_feedback_error(fb), "locked") != NULL, "%s", aa_feedback_error(fb));
	/* WAL: reading goes on while the writer holds its lock */
	ck_assert_int_eq(avoid(fb, "outlook", "a.example", "direct", T0 + 1, &e), 1);
	ck_assert_int_eq(e.count, 1);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	ck_assert_int_eq(record(fb, "outlook", "a.example", "direct", dmarc509, T0 + 2, &e), 1);
	ck_assert_int_eq(e.count, 2);
	aa_feedback_close(&fb);
	store_dir_remove(&d);
}
END_TEST

/* The settings give the store its file, server, expiry and timeout;
 * values out of range are refused with the file and line. */
START_TEST(settings_give_the_store_its_place_expiry_and_timeout)
{
	static const struct {
		const char *text;
		int ok;
		unsigned expire_s, timeout_ms;
	} cases[] = {
		{ "", 1, 86400, 1000 },
		{ "outbound_feedback_expire = 7d\noutbound_feedback_timeout = 3s\n", 1, 7 * 86400, 3000 },
		{ "outbound_feedback_expire = 90m\n", 1, 5400, 1000 },
		{ "outbound_feedback_expire = 12h\n", 1, 43200, 1000 },
		{ "outbound_feedback_expire = 30s\n", 0, 0, 0 },
		{ "outbound_feedback_expire = 31d\n", 0, 0, 0 },
		{ "outbound_feedback_expire = 1w\n", 0, 0, 0 },
		{ "outbound_feedback_timeout = 0s\n", 0, 0, 0 },
		{ "outbound_feedback_postgresql = host=/run/postgresql dbname=authalign\n", 1, 86400, 1000 },
		{ "outbound_feedback_postgresql = host=x\x01\n", 0, 0, 0 },
	};
	struct aa_test_tmp tmp;
	struct aa_config *cfg;
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = aa_config_load(aa_test_tmp_write(&tmp, cases[i].text), &cfg, err, sizeof(err));

		ck_assert_msg((rc == 0) == cases[i].ok, "\"%s\": %d %s", cases[i].text, rc, err);
		if (rc == 0) {
			ck_assert_str_eq(cfg->feedback.file, AA_FB_DEFAULT_FILE);
			ck_assert_uint_eq(cfg->feedback.expire_s, cases[i].expire_s);
			ck_assert_uint_eq(cfg->feedback.timeout_ms, cases[i].timeout_ms);
			ck_assert_int_eq(cfg->feedback.postgresql != NULL, strstr(cases[i].text, "postgresql") != NULL);
			aa_config_free(&cfg);
		} else {
			aa_test_assert_error_at(err, tmp.path, 1, "outbound_feedback_", cases[i].text);
		}
		aa_test_tmp_remove(&tmp);
	}
}
END_TEST

/* A store reached through a symbolic link is refused: root's status and
 * forget must not be pointed at another database. */
START_TEST(a_store_behind_a_symbolic_link_is_refused)
{
	struct store_dir d, link;
	struct aa_feedback *fb = store_fresh(&d);
	char err[512] = "", dir[160];

	aa_feedback_close(&fb);
	store_dir_make(&link);
	snprintf(dir, sizeof(dir), "%s/spool", link.dir);
	ck_assert_int_eq(mkdir(dir, 0750), 0);
	ck_assert_int_eq(symlink(d.file, link.file), 0);
	ck_assert_int_eq(aa_feedback_open(&link.cfg, AA_FB_OPEN_READ, &fb, err, sizeof(err)), -1);
	ck_assert_int_eq(aa_feedback_open(&link.cfg, AA_FB_OPEN_CREATE, &fb, err, sizeof(err)), -1);
	ck_assert_ptr_null(fb);
	store_dir_remove(&link);
	store_dir_remove(&d);
}
END_TEST

Suite *suite_feedback_store(void)
{
	Suite *s = suite_create("feedback_store");
	TCase *tc = tcase_create("sqlite");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, second_reply_counts_two_and_route_is_avoided);
	tcase_add_test(tc, a_store_behind_a_symbolic_link_is_refused);
	tcase_add_test(tc, block_list_reply_avoids_route_for_every_from_domain);
	tcase_add_test(tc, expired_entry_is_not_avoided_and_counts_again_from_one);
	tcase_add_test(tc, other_classes_are_listed_but_never_avoided);
	tcase_add_test(tc, a_full_store_keeps_counting_its_entries_and_takes_no_new_one);
	tcase_add_test(tc, a_later_4xx_does_not_undo_a_live_5xx);
	tcase_add_test(tc, forget_clears_one_from_domain_or_the_destination);
	tcase_add_test(tc, reply_is_kept_printable_and_bad_keys_are_refused);
	tcase_add_test(tc, store_not_made_yet_reads_empty_and_is_not_made);
	tcase_add_test(tc, store_that_cannot_be_opened_is_an_error);
	tcase_add_test(tc, locked_store_waits_at_most_the_timeout);
	tcase_add_test(tc, settings_give_the_store_its_place_expiry_and_timeout);
	suite_add_tcase(s, tc);
	return s;
}
