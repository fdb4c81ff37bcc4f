/* check_profile.c - destination profiles: good files read, every bad line refused with file:line, first match wins. */
#include "aa_outbound.h"
#include "aa_test.h"
#include "aa_test_tmp.h"

#define GOOD_PROFILES \
	"# destination profiles\n" \
	"m365: mx=*.mail.protection.outlook.com dmarc=policy status=5.7.509\n" \
	"Outlook: rcpt=outlook.com,hotmail.com\n" \
	"  require=spf,dkim,dmarc dmarc=policy status=5.7.515\n" \
	"gmail: rcpt=gmail.com mx=*.google.com dmarc=strict always=gmail.com,googlemail.com status=5.7.26\n" \
	"default: dmarc=ignore status=5.7.1\n"

static struct aa_profiles *load_good(struct aa_test_tmp *tmp)
{
	struct aa_profiles *p;
	char err[512] = "";

	ck_assert_msg(aa_profiles_load(aa_test_tmp_write(tmp, GOOD_PROFILES), &p, err, sizeof(err)) == 0,
		      "%s", err);
	ck_assert_str_eq(err, "");
	return p;
}

START_TEST(profiles_good_file_gives_every_value)
{
	struct aa_test_tmp tmp;
	struct aa_profiles *p = load_good(&tmp);
	const struct aa_profile *o, *g, *d;
	const char *const mx_none[] = { NULL };

	ck_assert_uint_eq(aa_profiles_count(p), 4);
	ck_assert_int_eq(aa_profiles_is_current(p), 1);
	o = aa_profile_match(p, "outlook.com", mx_none, 0);
	ck_assert_str_eq(o->name, "outlook");
	ck_assert_int_eq(o->require_spf, 1);
	ck_assert_int_eq(o->require_dkim, 1);
	ck_assert_int_eq(o->require_dmarc, 1);
	ck_assert_int_eq(o->dmarc_policy, 1);
	ck_assert_int_eq(o->quarantine_refused, 0);
	ck_assert_str_eq(o->status, "5.7.515");
	ck_assert_str_eq(o->rcpt_domains[1], "hotmail.com");
	ck_assert_ptr_null(o->rcpt_domains[2]);
	ck_assert_ptr_null(o->mx_patterns);
	g = aa_profile_match(p, "gmail.com", NULL, 0);
	ck_assert_str_eq(g->name, "gmail");
	ck_assert_int_eq(g->dmarc_policy, 1);
	ck_assert_int_eq(g->quarantine_refused, 1);
	ck_assert_int_eq(g->require_spf, 0);
	ck_assert_str_eq(g->always[1], "googlemail.com");
	ck_assert_str_eq(g->status, "5.7.26");
	d = aa_profile_match(p, "example.com", NULL, 0);
	ck_assert_str_eq(d->name, "default");
	ck_assert_int_eq(d->dmarc_policy, 0);
	ck_assert_str_eq(d->status, "5.7.1");
	aa_profiles_free(&p);
	ck_assert_ptr_null(p);
	aa_test_tmp_remove(&tmp);
}
END_TEST

/* The profile for a recipient domain and its MX names: rcpt= exact
 * (case and a final dot aside), mx= exact or strictly below "*.x", the
 * first profile in file order that matches either, else "default". */
static const struct {
	const char *what, *rcpt, *mx[3];
	const char *want;
} matches[] = {
	{ "rcpt exact", "hotmail.com", { NULL }, "outlook" },
	{ "rcpt case and final dot", "HotMail.COM.", { NULL }, "outlook" },
	{ "rcpt is exact, not below", "sub.gmail.com", { NULL }, "default" },
	{ "mx below the pattern", "example.com", { "example-com.mail.protection.outlook.com" }, "m365" },
	{ "mx pattern is strictly below", "example.com", { "mail.protection.outlook.com" }, "default" },
	{ "any mx of several", "example.net", { "mx.example.net", "aspmx.l.google.com" }, "gmail" },
	{ "mx name with a final dot", "example.net", { "alt1.aspmx.l.google.com." }, "gmail" },
	{ "first in file order wins", "outlook.com", { "x.mail.protection.outlook.com" }, "m365" },
	{ "no match is default", "example.org", { "mx.example.org" }, "default" },
	{ "suffix without a dot is no match", "example.org", { "notgoogle.com" }, "default" },
};

START_TEST(profiles_match_first_in_file_order_else_default)
{
	struct aa_test_tmp tmp;
	struct aa_profiles *p = load_good(&tmp);
	size_t n = 0;
	const struct aa_profile *pr;

	while (n < 3 && matches[_i].mx[n] != NULL)
		n++;
	pr = aa_profile_match(p, matches[_i].rcpt, matches[_i].mx, n);
	ck_assert_ptr_nonnull(pr);
	ck_assert_msg(strcmp(pr->name, matches[_i].want) == 0, "%s: got %s, want %s", matches[_i].what,
		      pr->name, matches[_i].want);
	aa_profiles_free(&p);
	aa_test_tmp_remove(&tmp);
}
END_TEST

START_TEST(profiles_builtin_alone_is_the_rfc_receiver)
{
	struct aa_profiles *p = aa_profiles_builtin();
	const struct aa_profile *d;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(aa_profiles_count(p), 1);
	d = aa_profile_match(p, "gmail.com", NULL, 0);
	ck_assert_str_eq(d->name, "default");
	ck_assert_int_eq(d->dmarc_policy, 1);
	ck_assert_int_eq(d->quarantine_refused, 0);
	ck_assert_str_eq(d->status, "5.7.1");
	aa_profiles_free(&p);
	ck_assert_ptr_null(aa_profile_match(NULL, "gmail.com", NULL, 0));
}
END_TEST

/* Each bad line comes third, after a comment and a good profile; the
 * error is "FILE:3: " and then why. */
static const struct {
	const char *line, *why;
} bad[] = {
	{ "p1: rcpt=a.example colour=blue", "colour: unknown option" },
	{ "p1: rcpt=a.example junk", "expected name=value, not \"junk\"" },
	{ "p1: rcpt=a.example dmarc=sometimes", "dmarc: dmarc= takes policy, strict or ignore" },
	{ "p1: rcpt=a.example dmarc=Policy", "dmarc: dmarc= takes policy, strict or ignore" },
	{ "p1: rcpt=a.example status=4.7.1", "status: status= takes a permanent enhanced status" },
	{ "p1: rcpt=a.example status=5.7", "status: status= takes a permanent enhanced status" },
	{ "p1: rcpt=a.example status=5.7.1234", "status: status= takes a permanent enhanced status" },
	{ "p1: rcpt=a.example status=5.7.1x", "status: status= takes a permanent enhanced status" },
	{ "p1: rcpt=a.example require=spf,arc", "require: require= takes spf, dkim, dmarc and auth" },
	{ "p1: rcpt=a.example require=", "require: empty list, or an empty item" },
	{ "p1: rcpt=a..example", "rcpt: not a domain or *.domain in the list" },
	{ "p1: rcpt=a.example,", "rcpt: empty list, or an empty item" },
	{ "p1: rcpt=a.example rcpt=b.example", "rcpt: option given twice" },
	{ "p1: mx=*.a.example mx=*.b.example", "mx: option given twice" },
	{ "p1: mx=*.", "mx: not a domain or *.domain in the list" },
	{ "p1: rcpt=a.example always=*.a.example", "always: not a domain or *.domain in the list" },
	{ "p1: dmarc=policy", "profile \"p1\" matches no destination: give rcpt= or mx=" },
	{ "default: rcpt=a.example", "profile \"default\" applies when no other matches" },
	{ "p/1: rcpt=a.example", "profile name \"p/1\"" },
	{ "ok: rcpt=b.example", "profile \"ok\" given twice" },
	{ "OK: rcpt=b.example", "profile \"ok\" given twice" },
};

START_TEST(profiles_bad_line_is_refused_with_file_line_and_why)
{
	struct aa_test_tmp tmp;
	struct aa_profiles *p = (struct aa_profiles *)&tmp;	/* must come back NULL */
	char text[512], err[1024];
	const char *path;

	snprintf(text, sizeof(text), "# profiles\nok: rcpt=ok.example\n%s\n", bad[_i].line);
	path = aa_test_tmp_write(&tmp, text);
	ck_assert_int_eq(aa_profiles_load(path, &p, err, sizeof(err)), -1);
	ck_assert_ptr_null(p);
	aa_test_assert_error_at(err, path, 3, bad[_i].why, bad[_i].line);
	aa_test_tmp_remove(&tmp);
}
END_TEST

START_TEST(profiles_missing_file_is_an_error_naming_it)
{
	struct aa_profiles *p;
	char err[512] = "";

	ck_assert_int_eq(aa_profiles_load("/nonexistent/aa-profiles", &p, err, sizeof(err)), -1);
	ck_assert_ptr_null(p);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/aa-profiles"));
}
END_TEST

Suite *suite_profile(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("profile");

	tcase_add_test(tc, profiles_good_file_gives_every_value);
	tcase_add_loop_test(tc, profiles_match_first_in_file_order_else_default, 0,
			    (int)(sizeof(matches) / sizeof(matches[0])));
	tcase_add_test(tc, profiles_builtin_alone_is_the_rfc_receiver);
	tcase_add_loop_test(tc, profiles_bad_line_is_refused_with_file_line_and_why, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, profiles_missing_file_is_an_error_naming_it);
	suite_add_tcase(s, tc);
	return s;
}
