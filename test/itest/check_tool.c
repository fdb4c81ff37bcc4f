/* check_tool.c - what `authalign check-config` tells an admin.
 *
 * The built tool on settings written to a scratch directory of the world:
 * a refused value names the file, the line and the values allowed; a
 * setting that works but is dangerous or self-defeating (loopback as a
 * trusted host, a DNS budget one question can spend alone, an outbound
 * table nobody owns) is a warning.
 */
#define _GNU_SOURCE
#include "aa_version.h"
#include "itest.h"

struct tool_case {
	const char *name;
	const char *settings;	/* authalign.conf */
	const char *owners;	/* "owners" beside it, or NULL */
	const char *domains;	/* "outbound" beside it, or NULL */
	int ok;			/* exit status 0 expected */
	const char *expect;	/* in the output */
	const char *absent;	/* not in the output, or NULL */
};

static const struct tool_case tool_cases[] = {
	{ "a refused choice names the values allowed", "\nfrom_unreadable = accept\n", NULL, NULL, 0,
	  "authalign.conf:2: invalid value: from_unreadable = \"accept\" (expected reject or monitor)", NULL },
	{ "a refused time names its form and range", "dns_budget = 20x\n", NULL, NULL, 0,
	  "authalign.conf:1: invalid value: dns_budget = \"20x\" (expected seconds, Ns or Nm, from 1s to 10m)", NULL },
	{ "a refused table value names the values allowed", "domains_file = owners\n", "a.example: policy=maybe\n", NULL, 0,
	  "owners:1: invalid value: policy= takes published, none, quarantine or reject", NULL },
	{ "an owner domain given twice names both lines", "outbound_owners_file = owners\n",
	  "a.example: u1\nb.example: u2\nA.example: u3\n", NULL, 0,
	  "owners:3: key \"a.example\" given twice (also at line 1)", NULL },
	{ "loopback as a trusted host is warned about", "outbound_trusted_hosts = 192.0.2.80, 127.0.0.0/8\n", NULL, NULL, 1,
	  "warning: outbound_trusted_hosts includes 127.0.0.1", NULL },
	{ "IPv6 loopback as a trusted host is warned about", "outbound_trusted_hosts = ::1\n", NULL, NULL, 1,
	  "warning: outbound_trusted_hosts includes ::1", NULL },
	{ "this host's own address as a trusted host is warned about",
	  "outbound_egress = 203.0.113.5\noutbound_trusted_hosts = 203.0.113.0/24\n", NULL, NULL, 1,
	  "warning: outbound_trusted_hosts includes 203.0.113.5 (outbound_egress, this host's own address)", NULL },
	{ "an application server as a trusted host is not warned about", "outbound_trusted_hosts = 192.0.2.80\n", NULL,
	  NULL, 1, "trusted hosts set", "warning:" },
	{ "a dns budget one question can spend is warned about", "dns_timeout = 5s\ndns_tries = 2\ndns_budget = 3s\n",
	  NULL, NULL, 1, "warning: dns_budget (3s) is shorter than one question's dns_timeout x dns_tries (10s)", NULL },
	{ "the shipped settings give no warning", NULL, NULL, NULL, 1, ": ok (mode=monitor", "warning:" },
	{ "an empty trusted host list does not hide an owner-less outbound table",
	  "outbound_egress = 203.0.113.5\noutbound_domains_file = outbound\noutbound_trusted_hosts =\n", NULL,
	  "a.example: return_path=bounces@a.example\n", 1,
	  "warning: outbound_domains_file without outbound_owners_file or outbound_trusted_hosts", "trusted hosts set" },
};

static void put(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

START_TEST(check_config_names_allowed_values_and_warns_where_an_admin_needs_it)
{
	const struct tool_case *c = &tool_cases[_i];
	char *dir, *out = NULL;
	int rc;

	ck_assert_int_ge(asprintf(&dir, "%s/tool.XXXXXX", world_env("AA_WORLD")), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (c->settings != NULL)
		put(dir, "authalign.conf", c->settings);
	else
		ck_assert_int_eq(world_sh(NULL, 10, "cp '%s/conf.d-examples/authalign.conf' '%s/'",
					  world_env("AA_ROOT"), dir), 0);
	if (c->owners != NULL)
		put(dir, "owners", c->owners);
	if (c->domains != NULL)
		put(dir, "outbound", c->domains);
	rc = world_sh(&out, 30, "\"$AA_ROOT/build/authalign\" check-config '%s/authalign.conf'", dir);
	ck_assert_msg(c->ok ? rc == 0 : rc == 1, "%s: exit status %d: %s", c->name, rc, out);
	ck_assert_msg(strstr(out, c->expect) != NULL, "%s: no \"%s\" in: %s", c->name, c->expect, out);
	ck_assert_msg(c->absent == NULL || strstr(out, c->absent) == NULL, "%s: \"%s\" in: %s", c->name,
		      c->absent, out);
	free(out);
	world_sh(NULL, 10, "rm -rf '%s'", dir);
	free(dir);
}
END_TEST

START_TEST(help_prints_the_usage_and_succeeds)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" --help"), 0);
	ck_assert_msg(strstr(out, "usage: authalign check-config FILE") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(version_prints_the_release_and_succeeds)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" --version"), 0);
	ck_assert_msg(strncmp(out, "authalign " AA_VERSION "\n", strlen("authalign " AA_VERSION "\n")) == 0,
		      "%s", out);
	free(out);
}
END_TEST

START_TEST(unknown_command_is_named_with_the_commands_there_are)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" frobnicate x 2>&1"), 1);
	ck_assert_msg(strstr(out, "unknown command 'frobnicate' (commands: check-config spf dmarc") != NULL,
		      "%s", out);
	free(out);
}
END_TEST

/* predict: 3 when the plan refuses (a spoof of a p=reject domain to a
 * strict receiver), 0 when the message can leave (an aligned one). */
START_TEST(predict_exits_3_when_the_plan_refuses_and_0_when_it_delivers)
{
	char *out = NULL;
	const char *setup =
		"d=$(mktemp -d) && cd \"$d\" && "
		"printf 'outbound_mode = enforce\\noutbound_egress = 203.0.113.9\\n"
		"outbound_profiles_file = %%s/conf.d-examples/authalign-profiles\\n' \"$AA_ROOT\" > c.conf && "
		"printf 'reject.example TXT v=spf1 ip4:198.51.100.1 -all\\n_dmarc.reject.example TXT v=DMARC1; p=reject\\n"
		"ok.example TXT v=spf1 ip4:203.0.113.9 -all\\n_dmarc.ok.example TXT v=DMARC1; p=reject\\n"
		"outlook.com MX 5 outlook-com.olc.protection.outlook.com\\n' > z && "
		"printf 'From: a@%s\\nSubject: x\\n\\nbody\\n' > m && "
		"\"$AA_ROOT/build/authalign\" -z z -c c.conf predict a@%s %s < m; rc=$?; cd / && rm -rf \"$d\"; exit $rc";

	ck_assert_int_eq(world_sh(&out, 30, setup, "reject.example", "reject.example", "outlook.com"), 3);
	ck_assert_msg(strstr(out, "plan: step=refuse") != NULL, "%s", out);
	free(out);
	out = NULL;
	ck_assert_int_eq(world_sh(&out, 30, setup, "ok.example", "ok.example", "example.net"), 0);
	ck_assert_msg(strstr(out, "plan: step=direct") != NULL, "%s", out);
	free(out);
}
END_TEST

Suite *suite_tool(void)
{
	Suite *s = suite_create("tool");
	TCase *tc = tcase_create("tool");

	tcase_add_checked_fixture(tc, world_require, NULL);
	tcase_add_loop_test(tc, check_config_names_allowed_values_and_warns_where_an_admin_needs_it, 0,
			    (int)(sizeof(tool_cases) / sizeof(tool_cases[0])));
	tcase_add_test(tc, help_prints_the_usage_and_succeeds);
	tcase_add_test(tc, version_prints_the_release_and_succeeds);
	tcase_add_test(tc, unknown_command_is_named_with_the_commands_there_are);
	tcase_add_test(tc, predict_exits_3_when_the_plan_refuses_and_0_when_it_delivers);
	suite_add_tcase(s, tc);
	return s;
}
