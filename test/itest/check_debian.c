/* check_debian.c - authalign in Debian's Exim configuration, split and
 * non-split, built with update-exim4.conf and run.
 *
 * test/world/debian-config installs authalign with `make install` under a
 * directory of the world, copies this machine's stock /etc/exim4 there and
 * switches the plugin on as the README says; the generated configuration is
 * validated and driven with exim -bh. Also: installed but not switched on,
 * and switched on with the package's files removed again, Exim runs as if
 * authalign had never been there.
 */
#define _GNU_SOURCE
#include "world.h"

static char *generated;

/* args: debian-config's options and extra macros */
static void build(const char *args)
{
	char *out = NULL;

	world_require();
	free(generated);
	generated = NULL;
	ck_assert_msg(world_sh(&out, 120, "debian-config \"$AA_WORLD/debian\" %s", args) == 0,
		      "update-exim4.conf failed: %s", out);
	{
		char *end = out + strlen(out), *line;

		while (end > out && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		line = strrchr(out, '\n');
		generated = strdup(line != NULL ? line + 1 : out);
	}
	free(out);
}

/* An SMTP session through exim -bh from ip; the whole transcript. */
static char *session(const char *ip, const char *mail_from)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 60,
				  "printf 'EHLO mail.client.example\\r\\nMAIL FROM:<%s>\\r\\n"
				  "RCPT TO:<root@localhost>\\r\\nQUIT\\r\\n' | exim4 -C '%s' -bh %s 2>&1",
				  mail_from, generated, ip), 0);
	return out;
}

/* local_scan_path names the object `make install` put in place */
static void assert_installed_plugin_is_loaded(void)
{
	char *out = NULL, *want;

	ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bP local_scan_path", generated) == 0, "%s", out);
	ck_assert(asprintf(&want, "local_scan_path = %s/debian/usr/lib/exim4/local_scan/authalign.so\n",
			   world_env("AA_WORLD")) > 0);
	ck_assert_msg(strcmp(out, want) == 0, "got %s want %s", out, want);
	free(want);
	free(out);
}

START_TEST(debian_split_config_with_the_snippets_is_valid)
{
	char *out = NULL;

	build("");
	assert_installed_plugin_is_loaded();
	ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bV", generated) == 0, "exim -bV: %s", out);
	free(out);
}
END_TEST

START_TEST(debian_rcpt_snippet_evaluates_spf_through_the_plugin)
{
	char *good, *bad;

	build("");
	good = session(world_env("AA_GOOD_IP4"), "x@aligned.example");
	ck_assert_msg(strstr(good, "acl_m_authalign_spf = ${dlfunc") != NULL, "snippet not run:\n%s", good);
	ck_assert_msg(strstr(good, "= pass\n") != NULL, "no SPF pass:\n%s", good);
	ck_assert_msg(strstr(good, "250 Accepted") != NULL, "%s", good);
	/* Exim's own DKIM verifier is off: keys are fetched once, by authalign */
	ck_assert_msg(strstr(good, "control = dkim_disable_verify") != NULL, "%s", good);
	bad = session(world_env("AA_BAD_IP4"), "x@aligned.example");
	ck_assert_msg(strstr(bad, "= fail\n") != NULL, "no SPF fail:\n%s", bad);
	ck_assert_msg(strstr(bad, "250 Accepted") != NULL, "SPF fail alone must not reject:\n%s", bad);
	free(good);
	free(bad);
}
END_TEST

START_TEST(debian_exim_dkim_macro_keeps_exims_own_verifier)
{
	char *good;

	build("AUTHALIGN_EXIM_DKIM=yes");
	good = session(world_env("AA_GOOD_IP4"), "x@aligned.example");
	ck_assert_msg(strstr(good, "acl_m_authalign_spf = ${dlfunc") != NULL, "snippet not run:\n%s", good);
	ck_assert_msg(strstr(good, "control = dkim_disable_verify") == NULL, "%s", good);
	ck_assert_msg(strstr(good, "250 Accepted") != NULL, "%s", good);
	free(good);
}
END_TEST

START_TEST(debian_spf_reject_macro_rejects_spf_fail_at_rcpt)
{
	char *bad, *good;

	build("AUTHALIGN_SPF_REJECT=yes");
	bad = session(world_env("AA_BAD_IP4"), "x@aligned.example");
	ck_assert_msg(strstr(bad, "550 5.7.23 SPF") != NULL, "%s", bad);
	good = session(world_env("AA_GOOD_IP4"), "x@aligned.example");
	ck_assert_msg(strstr(good, "250 Accepted") != NULL, "%s", good);
	free(bad);
	free(good);
}
END_TEST

START_TEST(debian_outbound_snippets_route_sign_and_rewrite_through_the_plugin)
{
	char *out = NULL;

	build("AUTHALIGN_OUTBOUND=yes");
	ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bV", generated) == 0, "exim -bV: %s", out);
	free(out);
	/* the authalign router comes before Debian's dnslookup */
	ck_assert_int_eq(world_sh(&out, 30, "grep -n -E '^(authalign_outbound|dnslookup):' '%s'", generated), 0);
	ck_assert_msg(strstr(out, "authalign_outbound:") != NULL && strstr(out, "dnslookup:") != NULL &&
		      strstr(out, "authalign_outbound:") < strstr(out, "dnslookup:"), "%s", out);
	free(out);
	/* remote_smtp signs and sets the return path through the plugin */
	ck_assert_int_eq(world_sh(&out, 30, "exim4 -C '%s' -bP transport remote_smtp", generated), 0);
	ck_assert_msg(strstr(out, "authalign_dkim}{domain}") != NULL && strstr(out, "authalign_dkim}{key}") != NULL &&
		      strstr(out, "authalign_return_path") != NULL, "%s", out);
	free(out);
	/* and so does remote_smtp_smarthost, when a plan keeps our signature on
	 * the way to a smarthost (it has no DKIM_* macros of Debian's) */
	ck_assert_int_eq(world_sh(&out, 30, "exim4 -C '%s' -bP transport remote_smtp_smarthost", generated), 0);
	ck_assert_msg(strstr(out, "authalign_dkim}{domain}") != NULL && strstr(out, "authalign_dkim}{key}") != NULL,
		      "%s", out);
	free(out);
	/* and routing runs the plugin: with outbound off its router declines and
	 * Debian's own routers carry on (whatever this machine's config type
	 * makes of a remote domain: the stock "local" type refuses it) */
	world_sh(&out, 60, "exim4 -C '%s' -d+route -bt user@rfc.example 2>&1", generated);
	ck_assert_msg(strstr(out, "authalign_outbound router called for user@rfc.example") != NULL &&
		      strstr(out, "authalign_outbound router declined for user@rfc.example") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(debian_nonsplit_config_with_two_localmacros_lines_runs_the_plugin)
{
	char *out = NULL, *good, *bad;

	build("--nonsplit");
	assert_installed_plugin_is_loaded();
	ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bV", generated) == 0, "exim -bV: %s", out);
	free(out);
	good = session(world_env("AA_GOOD_IP4"), "x@aligned.example");
	ck_assert_msg(strstr(good, "acl_m_authalign_spf = ${dlfunc") != NULL, "snippet not run:\n%s", good);
	ck_assert_msg(strstr(good, "= pass\n") != NULL && strstr(good, "250 Accepted") != NULL, "%s", good);
	bad = session(world_env("AA_BAD_IP4"), "x@aligned.example");
	ck_assert_msg(strstr(bad, "= fail\n") != NULL, "no SPF fail:\n%s", bad);
	free(good);
	free(bad);
}
END_TEST

/* Macros an admin may already have, or switch on with: Exim refuses a
 * macro defined twice and an option set twice, so each of these must
 * still give a valid configuration that loads the plugin once. */
struct admin_case {
	const char *args;	/* debian-config's */
	const char *transport;	/* in `-bP transport remote_smtp`, or NULL */
	const char *not_transport;	/* not in it, or NULL */
};

static const struct admin_case admin_cases[] = {
	/* the admin's own selector keeps the admin's signing */
	{ "AUTHALIGN_OUTBOUND=yes DKIM_SELECTOR=mine", "dkim_selector = mine", "authalign_dkim" },
	{ "AUTHALIGN_OUTBOUND=yes DKIM_PRIVATE_KEY=/etc/exim4/dkim.key", "dkim_private_key = /etc/exim4/dkim.key",
	  "authalign_dkim" },
	/* Debian defines REMOTE_SMTP_RETURN_PATH after main.conf (split config) */
	{ "--hide-mailname AUTHALIGN_OUTBOUND=yes", "authalign_dkim}{key}", "authalign_return_path" },
	/* defined but empty still switches it on */
	{ "--off AUTHALIGN_ENABLE=", NULL, NULL },
};

START_TEST(debian_admins_own_macros_leave_a_valid_config_that_loads_the_plugin_once)
{
	const struct admin_case *c = &admin_cases[_i];
	char *out = NULL;

	build(c->args);
	ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bV", generated) == 0, "%s: exim -bV: %s", c->args, out);
	free(out);
	assert_installed_plugin_is_loaded();
	if (c->transport == NULL)
		return;
	ck_assert_int_eq(world_sh(&out, 30, "exim4 -C '%s' -bP transport remote_smtp", generated), 0);
	ck_assert_msg(strstr(out, c->transport) != NULL, "%s: no %s in:\n%s", c->args, c->transport, out);
	ck_assert_msg(strstr(out, c->not_transport) == NULL, "%s: %s in:\n%s", c->args, c->not_transport, out);
	free(out);
}
END_TEST

/* AUTHALIGN_LEARN (split configuration): Debian's two remote transports
 * call authalign_event on delivery events; without the macro, neither
 * has an event_action. */
START_TEST(debian_learn_macro_gives_both_remote_transports_the_event)
{
	static const char *const transports[] = { "remote_smtp", "remote_smtp_smarthost" };
	char *out = NULL;

	for (int on = 0; on < 2; on++) {
		build(on ? "AUTHALIGN_LEARN=yes" : "");
		ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bV", generated) == 0, "exim -bV: %s", out);
		free(out);
		for (size_t i = 0; i < 2; i++) {
			ck_assert_int_eq(world_sh(&out, 30, "exim4 -C '%s' -bP transport %s", generated,
						  transports[i]), 0);
			if (on)
				ck_assert_msg(strstr(out, "event_action = ${dlfunc{") != NULL &&
					      strstr(out, "{authalign_event}{$event_name}{$event_data}}") != NULL,
					      "%s:\n%s", transports[i], out);
			else
				ck_assert_msg(strstr(out, "authalign_event") == NULL, "%s:\n%s", transports[i], out);
			free(out);
		}
	}
}
END_TEST

/* AUTHALIGN_BOUNCE: Debian's configuration takes the package's bounce
 * text, which names the installed plugin; Exim expands its intro with
 * authalign_bounce (nothing noted: the expansion works and adds nothing). */
START_TEST(debian_bounce_macro_makes_the_package_text_exims_bounce_message_file)
{
	char *out = NULL, *want;

	for (int on = 0; on < 2; on++) {
		build(on ? "AUTHALIGN_BOUNCE=yes" : "");
		ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bV", generated) == 0, "exim -bV: %s", out);
		free(out);
		ck_assert_int_eq(world_sh(&out, 30, "exim4 -C '%s' -bP bounce_message_file", generated), 0);
		if (!on) {
			ck_assert_msg(strstr(out, "authalign") == NULL, "%s", out);
			free(out);
			continue;
		}
		ck_assert(asprintf(&want, "bounce_message_file = %s/debian/usr/share/authalign/exim/bounce\n",
				   world_env("AA_WORLD")) > 0);
		ck_assert_msg(strcmp(out, want) == 0, "got %s want %s", out, want);
		free(want);
		free(out);
		/* the text names the installed plugin, and Exim expands it */
		ck_assert_msg(world_sh(&out, 30, "grep -q \"{$AA_WORLD/debian/usr/lib/exim4/local_scan/authalign.so}"
				       "{authalign_bounce}{\\$message_id}\" \"$AA_WORLD/debian/usr/share/authalign/exim/bounce\"")
			      == 0, "%s", out);
		free(out);
		ck_assert_int_eq(world_sh(&out, 30, "exim4 -C '%s' -be \"[\\${dlfunc{$AA_WORLD/debian/usr/lib/exim4/"
					  "local_scan/authalign.so}{authalign_bounce}{1xaKvM-00006s-0W}}]\"", generated), 0);
		ck_assert_str_eq(out, "[]\n");
		free(out);
	}
}
END_TEST

/* A daemon of config on port 2526 of this world's loopback, two
 * connections that only QUIT: how many connected, how many settings
 * lines the main log gained, and its last authalign lines. */
static char *daemon_two_connections(const char *config)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 60,
		"log=/var/log/exim4/mainlog; before=$(grep -c '): settings ' $log 2>/dev/null || true);"
		"exim4 -C '%s' -bdf -oX 2526 -oP \"$AA_WORLD/debian/daemon.pid\" >\"$AA_WORLD/debian/daemon.out\" 2>&1 &"
		"pid=$!; i=0; n=0;"
		"while [ $i -lt 100 ] && [ $n -lt 2 ]; do"
		"  if bash -c 'exec 3<>/dev/tcp/127.0.0.1/2526 && head -c 3 <&3 | grep -q 220 && printf \"QUIT\\r\\n\" >&3'"
		"     2>/dev/null; then n=$((n+1)); else sleep 0.1; fi; i=$((i+1));"
		"done; sleep 0.5; kill $pid; wait $pid;"
		"echo connections=$n; echo lines=$(( $(grep -c '): settings ' $log) - ${before:-0} ));"
		"grep 'authalign' $log | tail -n 3", config), 0);
	return out;
}

/* AUTHALIGN_PRELOAD: the daemon of Debian's configuration reads the
 * settings when a client connects, before any message (no process of a
 * message has run), and has Exim load local_scan_path, which names this
 * object; an admin's own limit follows in the option. */
START_TEST(debian_preload_macro_has_the_daemon_read_the_settings_before_any_message)
{
	char *out = NULL, *want;

	build("AUTHALIGN_PRELOAD=yes AUTHALIGN_MAX_PER_HOST=10");
	ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bV", generated) == 0, "exim -bV: %s", out);
	free(out);
	ck_assert_int_eq(world_sh(&out, 30, "exim4 -C '%s' -bP smtp_accept_max_per_host", generated), 0);
	ck_assert_msg(strstr(out, "{authalign_preload}{") != NULL && strstr(out, "}}10\n") != NULL, "%s", out);
	free(out);
	out = daemon_two_connections(generated);
	ck_assert(asprintf(&want, "settings %s", world_env("AA_AUTHALIGN_CONFIG")) > 0);
	ck_assert_msg(strstr(out, "connections=2\n") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "lines=1\n") != NULL && strstr(out, want) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "(read by the daemon, for every connection)") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "cannot read the settings") == NULL, "%s", out);
	ck_assert_msg(strstr(out, "libraries warm (rehearsal passed); local_scan() loaded") != NULL, "%s", out);
	free(want);
	free(out);
	/* switched off again, the admin's limit stays */
	build("AUTHALIGN_MAX_PER_HOST=10");
	ck_assert_int_eq(world_sh(&out, 30, "exim4 -C '%s' -bP smtp_accept_max_per_host", generated), 0);
	ck_assert_msg(strcmp(out, "smtp_accept_max_per_host = 10\n") == 0, "%s", out);
	free(out);
}
END_TEST

/* local_scan_path names the object by another path than the one the
 * preload was given (here a link to its directory): the daemon leaves
 * local_scan() to each connection and never calls Exim's stub for it,
 * and says so; the libraries are still warmed. */
START_TEST(debian_preload_leaves_local_scan_path_by_another_name_to_each_connection)
{
	char *out = NULL, *other = NULL;
	const char *last = NULL;
	static const char left[] = "libraries warm (rehearsal passed); local_scan() left to each connection "
				   "(local_scan_path is not this object); DNS answers ";

	build("AUTHALIGN_PRELOAD=yes");
	/* the package's main.conf with its local_scan_path line by the link,
	 * included instead of the package's */
	ck_assert_msg(world_sh(&other, 30,
		"d=\"$AA_WORLD/debian\"; ln -sfn \"$d/usr/lib/exim4/local_scan\" \"$d/by-link\";"
		"sed 's|^local_scan_path = .*|local_scan_path = '\"$d\"'/by-link/authalign.so|'"
		" \"$d/usr/share/authalign/exim/main.conf\" >\"$d/other-main.conf\";"
		"sed 's|^\\.include_if_exists .*/usr/share/authalign/exim/main.conf$|.include_if_exists '\"$d\"'/other-main.conf|'"
		" '%s' >\"$d/other.conf\";"
		"grep -q '^local_scan_path = .*/by-link/authalign.so$' \"$d/other-main.conf\" &&"
		" grep -q '^.include_if_exists .*/other-main.conf$' \"$d/other.conf\" && printf %%s \"$d/other.conf\""
		" || grep -n 'include' '%s'", generated, generated) == 0, "%s", other);
	out = daemon_two_connections(other);
	ck_assert_msg(strstr(out, "connections=2\n") != NULL, "%s", out);
	/* this daemon's line is the last one of its kind */
	for (const char *p = out; (p = strstr(p, "the daemon started for every connection: ")) != NULL; p++)
		last = p;
	ck_assert_msg(last != NULL && strncmp(last + strlen("the daemon started for every connection: "), left,
					      strlen(left)) == 0, "%s", out);
	free(out);
	free(other);
}
END_TEST

/* Exim reads a configuration that does not mention the plugin: valid, no
 * local_scan_path, no ${dlfunc} run, the recipient accepted. */
static void assert_exim_without_authalign(const char *args)
{
	char *out = NULL, *s;

	build(args);
	ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bV", generated) == 0, "%s: exim -bV: %s", args, out);
	free(out);
	ck_assert_msg(world_sh(&out, 30, "exim4 -C '%s' -bP local_scan_path", generated) == 0, "%s", out);
	ck_assert_msg(strcmp(out, "local_scan_path = \n") == 0, "%s: %s", args, out);
	free(out);
	s = session(world_env("AA_GOOD_IP4"), "x@aligned.example");
	ck_assert_msg(strstr(s, "dlfunc") == NULL && strstr(s, "250 Accepted") != NULL, "%s:\n%s", args, s);
	free(s);
}

START_TEST(debian_installed_but_not_switched_on_changes_nothing)
{
	assert_exim_without_authalign("--off");
	assert_exim_without_authalign("--off --nonsplit");
}
END_TEST

START_TEST(debian_package_files_removed_with_the_admins_lines_left_exim_runs_without_it)
{
	assert_exim_without_authalign("--removed");
	assert_exim_without_authalign("--removed --nonsplit");
	assert_exim_without_authalign("--removed AUTHALIGN_OUTBOUND=yes");
}
END_TEST

Suite *suite_debian(void)
{
	Suite *s = suite_create("debian");
	TCase *tc = tcase_create("debian");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, debian_split_config_with_the_snippets_is_valid);
	tcase_add_test(tc, debian_rcpt_snippet_evaluates_spf_through_the_plugin);
	tcase_add_test(tc, debian_spf_reject_macro_rejects_spf_fail_at_rcpt);
	tcase_add_test(tc, debian_exim_dkim_macro_keeps_exims_own_verifier);
	tcase_add_test(tc, debian_outbound_snippets_route_sign_and_rewrite_through_the_plugin);
	tcase_add_test(tc, debian_nonsplit_config_with_two_localmacros_lines_runs_the_plugin);
	tcase_add_loop_test(tc, debian_admins_own_macros_leave_a_valid_config_that_loads_the_plugin_once, 0,
			    (int)(sizeof(admin_cases) / sizeof(admin_cases[0])));
	tcase_add_test(tc, debian_preload_macro_has_the_daemon_read_the_settings_before_any_message);
	tcase_add_test(tc, debian_preload_leaves_local_scan_path_by_another_name_to_each_connection);
	tcase_add_test(tc, debian_learn_macro_gives_both_remote_transports_the_event);
	tcase_add_test(tc, debian_bounce_macro_makes_the_package_text_exims_bounce_message_file);
	tcase_add_test(tc, debian_installed_but_not_switched_on_changes_nothing);
	tcase_add_test(tc, debian_package_files_removed_with_the_admins_lines_left_exim_runs_without_it);
	suite_add_tcase(s, tc);
	return s;
}
