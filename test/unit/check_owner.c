/* check_owner.c - who owns a From domain: the owners file, the built-in rules, trusted hosts. */
#include <unistd.h>
#include "aa_owner.h"
#include "aa_test.h"

/* cPanel's /etc/userdomains as it is, plus what authalign adds. */
static const char owners_text[] =
	"# cPanel /etc/userdomains\n"
	"b.example: bob\n"
	"a.example: alice\n"
	"MiXeD.Example: bob\n"
	"shared.example: alice, carol@a.example\n"
	"*.wild.example: dave\n"
	"xn--bcher-kva.example: erin\n"
	"*: nobody\n";
#define TRUSTED "203.0.113.0/28, 2001:db8::/32 192.0.2.7 ::ffff:198.51.100.128/121"

struct owner_case {
	const char *name;
	struct aa_submitter who;
	const char *domain;
	int owns;
};

#define LOCAL(name) { .local = 1, .login = (name), .uid = 1000 }
#define AUTH(id) { .auth_id = (id), .host = "198.51.100.66" }
#define HOST(ip) { .host = (ip) }

static const struct owner_case cases[] = {
	{ "the local user the table names owns the domain", LOCAL("bob"), "b.example", 1 },
	{ "ownership ignores the From domain's case", LOCAL("bob"), "B.EXAMPLE", 1 },
	{ "ownership ignores the table key's case", LOCAL("bob"), "mixed.example", 1 },
	{ "a local user does not own another customer's domain", LOCAL("bob"), "a.example", 0 },
	{ "owning b.example does not own evilb.example", LOCAL("bob"), "evilb.example", 0 },
	{ "owning b.example does not own x.b.example", LOCAL("bob"), "x.b.example", 0 },
	{ "owning b.example does not own b.example.evil", LOCAL("bob"), "b.example.evil", 0 },
	{ "a trailing dot owns nothing", LOCAL("bob"), "b.example.", 0 },
	{ "an empty label owns nothing", LOCAL("bob"), "b..example", 0 },
	{ "a fullwidth dot owns nothing", LOCAL("bob"), "b\xef\xbc\x8e" "example", 0 },
	{ "a Unicode domain owns nothing; its A-label in the table does", LOCAL("erin"), "b\xc3\xbc" "cher.example", 0 },
	{ "the A-label the table names is owned", LOCAL("erin"), "xn--bcher-kva.example", 1 },
	{ "a login name differing in case is another user", LOCAL("Bob"), "b.example", 0 },
	{ "a *.domain key grants its subdomains", LOCAL("dave"), "x.wild.example", 1 },
	{ "a *.domain key grants deeper subdomains", LOCAL("dave"), "y.x.wild.example", 1 },
	{ "a *.domain key does not grant the domain itself", LOCAL("dave"), "wild.example", 0 },
	{ "cPanel's \"*: nobody\" grants nothing", LOCAL("nobody"), "z.example", 0 },
	{ "an AUTH id user@domain owns domain", AUTH("info@c.example"), "c.example", 1 },
	{ "an AUTH id's domain part ignores case", AUTH("info@C.Example"), "c.example", 1 },
	{ "an AUTH id does not own a subdomain of its domain", AUTH("info@c.example"), "x.c.example", 0 },
	{ "an AUTH id does not own the parent of its domain", AUTH("info@x.c.example"), "c.example", 0 },
	{ "an AUTH id whose domain ends like another does not own it", AUTH("info@evilc.example"), "c.example", 0 },
	{ "an AUTH id is read by its last @", AUTH("c.example@evil.example"), "c.example", 0 },
	{ "an AUTH id with a trailing dot owns nothing", AUTH("info@c.example."), "c.example", 0 },
	{ "an AUTH id with two @ owns neither domain by the built-in rule", AUTH("info@c.example@evil.example"),
	  "evil.example", 0 },
	{ "an AUTH id with two @ does not own the middle domain", AUTH("info@c.example@evil.example"), "c.example", 0 },
	{ "an AUTH id with an empty local part owns nothing", AUTH("@c.example"), "c.example", 0 },
	{ "an AUTH id the table names owns the domain", AUTH("carol@a.example"), "shared.example", 1 },
	{ "an AUTH id the table names, domain part in another case", AUTH("carol@A.EXAMPLE"), "shared.example", 1 },
	{ "an AUTH id the table names, local part in another case, does not", AUTH("Carol@a.example"), "shared.example", 0 },
	{ "an AUTH id equal to a table login owns (cPanel account over SMTP)", AUTH("bob"), "b.example", 1 },
	{ "a login the table names does not own over SMTP without AUTH",
	  { .login = "bob", .host = "198.51.100.66" }, "b.example", 0 },
	{ "a remote unauthenticated host owns nothing", HOST("198.51.100.66"), "b.example", 0 },
	{ "a trusted network's host owns every domain", HOST("203.0.113.10"), "b.example", 1 },
	{ "a host just outside the trusted network owns nothing", HOST("203.0.113.16"), "b.example", 0 },
	{ "a trusted single address owns every domain", HOST("192.0.2.7"), "a.example", 1 },
	{ "a trusted IPv4 address written IPv4-mapped is trusted", HOST("::ffff:203.0.113.10"), "a.example", 1 },
	{ "a trusted network written IPv4-mapped trusts its IPv4 hosts", HOST("198.51.100.130"), "a.example", 1 },
	{ "a trusted network written IPv4-mapped trusts its hosts written IPv4-mapped", HOST("::ffff:198.51.100.140"),
	  "a.example", 1 },
	{ "a trusted network written IPv4-mapped ends where its prefix does", HOST("198.51.100.127"), "a.example", 0 },
	{ "a trusted IPv6 network's host owns every domain", HOST("2001:db8::5"), "a.example", 1 },
	{ "an IPv6 host outside the trusted network owns nothing", HOST("2001:db9::5"), "a.example", 0 },
	{ "a local submission of an unknown uid owns nothing", { .local = 1, .uid = 4242 }, "b.example", 0 },
	{ "no From domain is owned by anyone", LOCAL("bob"), NULL, 0 },
	{ "an empty From domain is owned by anyone", LOCAL("bob"), "", 0 },
};

static char owners_path[] = "/tmp/aa-owners-XXXXXX";
static struct aa_owners *owners;
static struct aa_hostnets *trusted;

static void setup(void)
{
	int fd = mkstemp(owners_path);
	char err[256];
	const char *why;

	ck_assert(fd >= 0 && write(fd, owners_text, strlen(owners_text)) == (ssize_t)strlen(owners_text));
	close(fd);
	ck_assert_msg(aa_owners_load(owners_path, &owners, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(aa_hostnets_parse(TRUSTED, &trusted, &why), 0);
}

static void teardown(void)
{
	aa_owners_free(&owners);
	aa_hostnets_free(&trusted);
	unlink(owners_path);
	memcpy(owners_path + strlen(owners_path) - 6, "XXXXXX", 6);
}

START_TEST(owner_table)
{
	const struct owner_case *c = &cases[_i];
	const char *why = NULL;

	ck_assert_msg(aa_owner_check(owners, trusted, &c->who, c->domain, &why) == c->owns, "%s: got %d (%s)",
		      c->name, !c->owns, why);
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(without_an_owners_file_only_the_built_in_rules_grant)
{
	const struct aa_submitter bob = LOCAL("bob"), info = AUTH("info@b.example"), web = HOST("203.0.113.10");
	const char *why;

	ck_assert_int_eq(aa_owner_check(NULL, NULL, &bob, "b.example", &why), 0);
	ck_assert_int_eq(aa_owner_check(NULL, NULL, &info, "b.example", &why), 1);
	ck_assert_int_eq(aa_owner_check(NULL, NULL, &web, "b.example", &why), 0);
	ck_assert_int_eq(aa_owner_check(NULL, NULL, NULL, "b.example", &why), 0);
}
END_TEST

struct bad_owners {
	const char *name;
	const char *text;
	const char *err;
};

static const struct bad_owners bad[] = {
	{ "a domain given twice is refused with both lines", "b.example: bob\nc.example: carol\nB.example: eve\n",
	  ":3: key \"b.example\" given twice (also at line 1)" },
	{ "a key that is not a domain is refused with its line", "ok.example: bob\nnot/a.domain: bob\n", ":2: key" },
	{ "an owner with a control byte is refused", "b.example: b\x01ob\n", "an owner is" },
	{ "a space inside the domain is refused, not read as key and owner", "exa mple.com: alice\n",
	  ":1: key \"exa\" is a single label" },
	{ "an owner with a colon is refused", "b.example: bob\nc.example: a:b\n", ":2: an owner is" },
};

START_TEST(bad_owners_files_are_refused_with_file_and_line)
{
	const struct bad_owners *c = &bad[_i];
	char path[] = "/tmp/aa-owners-bad-XXXXXX", err[256] = "";
	int fd = mkstemp(path);
	struct aa_owners *o = NULL;

	ck_assert(fd >= 0 && write(fd, c->text, strlen(c->text)) == (ssize_t)strlen(c->text));
	close(fd);
	ck_assert_msg(aa_owners_load(path, &o, err, sizeof(err)) == -1, "%s: loaded", c->name);
	ck_assert_ptr_null(o);
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, c->err) != NULL, "%s: %s", c->name, err);
	unlink(path);
}
END_TEST

static const char *const bad_hosts[] = {
	"203.0.113.0/33", "2001:db8::/129", "example.com", "203.0.113.10:25", "203.0.113.0/", "203.0.113.0/x",
};

START_TEST(bad_trusted_hosts_are_refused)
{
	struct aa_hostnets *h = NULL;
	const char *why = NULL;

	ck_assert_msg(aa_hostnets_parse(bad_hosts[_i], &h, &why) == -1, "%s accepted", bad_hosts[_i]);
	ck_assert_ptr_null(h);
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(the_submitter_is_named_escaped)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	const struct aa_submitter a = AUTH("x\r\nInjected: yes@a.example"), l = LOCAL("bob"), h = HOST("198.51.100.66");
	const struct aa_submitter l_same = { .local = 1, .login = "bob", .uid = 1000, .auth_id = "bob" };
	const struct aa_submitter l_other = { .local = 1, .login = "root", .uid = 0, .auth_id = "bob" };
	const char *t = aa_submitter_text(ctx, &a);

	ck_assert_ptr_null(strchr(t, '\r'));
	ck_assert_ptr_null(strchr(t, '\n'));
	ck_assert_ptr_nonnull(strstr(t, "authenticated as x"));
	ck_assert_str_eq(aa_submitter_text(ctx, &l), "local user bob (uid 1000)");
	ck_assert_str_eq(aa_submitter_text(ctx, &l_same), "local user bob (uid 1000)");
	ck_assert_str_eq(aa_submitter_text(ctx, &l_other), "local user root (uid 0) authenticated as bob");
	ck_assert_str_eq(aa_submitter_text(ctx, &h), "unauthenticated host 198.51.100.66");
	aa_ctx_free(&ctx);
}
END_TEST

/* Out of memory at any allocation: the whole text or NULL, never a
 * stand-in that a log line or SMTP text would show as the submitter. */
START_TEST(the_submitter_text_without_memory_is_whole_or_null)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	const struct aa_submitter who[] = {
		AUTH("alice@a.example"), LOCAL("bob"), HOST("198.51.100.66"),
		{ .local = 1, .login = "root", .uid = 0, .auth_id = "bob" },
	};
	const char *const want[] = {
		"authenticated as alice@a.example", "local user bob (uid 1000)",
		"unauthenticated host 198.51.100.66", "local user root (uid 0) authenticated as bob",
	};

	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		size_t refused = 1, n;

		for (n = 0; refused > 0 && n < 20; n++) {
			const char *t;

			aa_arena_fail_after(ctx->arena, n, 1);
			t = aa_submitter_text(ctx, &who[i]);
			refused = aa_arena_fail_after(ctx->arena, SIZE_MAX, 0);
			ck_assert_msg(refused == 0 ? t != NULL && strcmp(t, want[i]) == 0 :
				      t == NULL || strcmp(t, want[i]) == 0,
				      "%zu failing at %zu: %s", i, n, t != NULL ? t : "NULL");
		}
		ck_assert_msg(n > 1, "%zu: no allocation was refused", i);
	}
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_owner(void)
{
	Suite *s = suite_create("owner");
	TCase *tc = tcase_create("owner");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, owner_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, without_an_owners_file_only_the_built_in_rules_grant);
	tcase_add_loop_test(tc, bad_owners_files_are_refused_with_file_and_line, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_loop_test(tc, bad_trusted_hosts_are_refused, 0, (int)(sizeof(bad_hosts) / sizeof(bad_hosts[0])));
	tcase_add_test(tc, the_submitter_is_named_escaped);
	tcase_add_test(tc, the_submitter_text_without_memory_is_whole_or_null);
	suite_add_tcase(s, tc);
	return s;
}
