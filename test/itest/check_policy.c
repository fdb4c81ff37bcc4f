/* check_policy.c - enforcement choices in the real Exim: quarantine, the
 * per-domain table, Received-SPF, and what broken settings do (451, never loss). */
#define _GNU_SOURCE
#include "itest.h"

static void setup(void)
{
	world_require();
	world_dns_heal();
	itest_settings("enforce", NULL);
}

/* Leave working settings for the suites that follow. */
static void teardown(void)
{
	itest_settings("enforce", NULL);
}

/* A per-domain table in the world, and settings that use it. */
static void settings_with_table(const char *mode, const char *table)
{
	char *path = NULL, *extra = NULL;
	FILE *f;

	ck_assert_int_ge(asprintf(&path, "%s/plugin/domains", world_env("AA_WORLD")), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(table, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_ge(asprintf(&extra, "domains_file = %s\n", path), 0);
	itest_settings(mode, extra);
	free(extra);
	free(path);
}

static void send_from(const char *src, const char *from, struct world_reply *r)
{
	char *text = NULL;
	struct world_msg m = { .src = src, .mail_from = from, .rcpt = "bob@test.example" };

	ck_assert_int_ge(asprintf(&text, "From: <%s>\nTo: <bob@test.example>\nSubject: policy test\n"
				  "Message-ID: <%ld@client.example>\n\nbody\n", from, world_now_ms()), 0);
	m.text = text;
	world_send(&m, r);
	free(text);
}

START_TEST(quarantine_adds_a_header_by_default)
{
	struct world_reply r;
	char *copy = NULL, *q;

	send_from(world_env("AA_BAD_IP4"), "billing@quarantine.example", &r);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(world_mail_wait("bob", r.id, 30, &copy), 0);
	q = world_header(copy, "X-AuthAlign-Quarantine", 0);
	ck_assert_ptr_nonnull(q);
	ck_assert_msg(strstr(q, "p=quarantine") != NULL && strstr(q, "quarantine.example") != NULL, "%s", q);
	free(q);
	free(copy);
}
END_TEST

START_TEST(quarantine_freezes_when_configured)
{
	struct world_reply r;
	char *out = NULL;

	itest_settings("enforce", "quarantine_action = freeze\n");
	send_from(world_env("AA_BAD_IP4"), "billing@quarantine.example", &r);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(world_sh(&out, 30, "wexim -bp"), 0);
	ck_assert_msg(strstr(out, r.id) != NULL && strstr(out, "*** frozen ***") != NULL,
		      "message %s not frozen in the queue:\n%s", r.id, out);
	free(out);
}
END_TEST

START_TEST(table_exception_monitors_one_domain_while_others_are_enforced)
{
	struct world_reply r;
	char *copy = NULL, *lines = NULL;

	settings_with_table("enforce", "# exceptions\nreject.example: mode=monitor\n");
	send_from(world_env("AA_BAD_IP4"), "ceo@reject.example", &r);
	ck_assert_msg(r.code == 250, "monitored domain got %d: %s", r.code, r.text);
	ck_assert_int_eq(world_mail_wait("bob", r.id, 30, &copy), 0);
	ck_assert_int_eq(world_log_wait(r.id, "mode=monitor action=accept", 10, &lines), 0);
	free(lines);
	free(copy);
	/* the same spoof of another p=reject domain is still refused */
	send_from(world_env("AA_BAD_IP4"), "ceo@aligned.example", &r);
	ck_assert_int_eq(r.code, 550);
}
END_TEST

START_TEST(table_forces_reject_for_a_p_none_domain)
{
	struct world_reply r;

	send_from(world_env("AA_BAD_IP4"), "x@none.example", &r);
	ck_assert_int_eq(r.code, 250);	/* published p=none */
	settings_with_table("enforce", "none.example: policy=reject\n");
	send_from(world_env("AA_BAD_IP4"), "x@none.example", &r);
	ck_assert_int_eq(r.code, 550);
	ck_assert_msg(strstr(r.text, "none.example") != NULL, "%s", r.text);
}
END_TEST

START_TEST(received_spf_header_when_asked)
{
	struct world_reply r;
	char *copy = NULL, *rs;

	itest_settings("enforce", "received_spf = yes\n");
	send_from(world_env("AA_GOOD_IP4"), "x@aligned.example", &r);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(world_mail_wait("bob", r.id, 30, &copy), 0);
	rs = world_header(copy, "Received-SPF", 0);
	ck_assert_ptr_nonnull(rs);
	ck_assert_msg(strncmp(rs, "pass", 4) == 0 && strstr(rs, "203.0.113.5") != NULL, "%s", rs);
	free(rs);
	free(copy);
}
END_TEST

START_TEST(broken_settings_defer_with_a_panic_log_line_naming_file_and_line)
{
	struct world_reply r;
	char *lines = NULL;
	int before = world_mail_count("bob");

	itest_settings("enforce", "colour = blue\n");
	send_from(world_env("AA_GOOD_IP4"), "x@aligned.example", &r);
	/* the RCPT ACL's SPF lookup already cannot run: 451 there */
	ck_assert_msg(r.code == 451, "%d at %s: %s", r.code, world_stage_name(r.stage), r.text);
	ck_assert_int_eq(world_mail_count("bob"), before);
	ck_assert_int_eq(world_sh(&lines, 10, "grep 'authalign' \"$AA_EXIM_PANICLOG\""), 0);
	ck_assert_msg(strstr(lines, "authalign.conf:5: unknown option: colour") != NULL, "%s", lines);
	free(lines);

	/* mended: the same message goes through */
	itest_settings("enforce", NULL);
	send_from(world_env("AA_GOOD_IP4"), "x@aligned.example", &r);
	ck_assert_int_eq(r.code, 250);
}
END_TEST

START_TEST(broken_domain_table_defers_too)
{
	struct world_reply r;
	char *lines = NULL;

	settings_with_table("enforce", "a.example: mode=enforce\nb.example: mood=happy\n");
	send_from(world_env("AA_GOOD_IP4"), "x@aligned.example", &r);
	ck_assert_int_eq(r.code, 451);
	ck_assert_int_eq(world_sh(&lines, 10, "grep 'authalign' \"$AA_EXIM_PANICLOG\""), 0);
	ck_assert_msg(strstr(lines, "domains:2: unknown option") != NULL, "%s", lines);
	free(lines);
}
END_TEST

/* An Exim config without a +local_domains list: authalign cannot tell local
 * from remote recipients, so it judges every message inbound (and says so)
 * rather than silently judging none. */
START_TEST(without_a_local_domains_list_mail_is_still_judged)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 60,
		"set -e; d=\"$AA_WORLD/nolocal\"; mkdir -p \"$d/spool\" \"$d/log\" \"$d/run\" \"$d/mail/alice\"; cd \"$d\";"
		" sed 's/local_domains/hosted_domains/g' \"$AA_EXIM_CONF\" >exim.conf; ! grep -q local_domains exim.conf;"
		" printf 'authserv_id = mx.test.example\\nmode = enforce\\ndns_timeout = 1s\\ndns_tries = 1\\n' >authalign.conf;"
		" chmod 0644 authalign.conf; chown -R Debian-exim:Debian-exim spool log run mail;"
		" printf 'EHLO mail.reject.example\\r\\nMAIL FROM:<ceo@reject.example>\\r\\nRCPT TO:<alice@test.example>\\r\\n"
		"DATA\\r\\nFrom: <ceo@reject.example>\\r\\nSubject: spoof\\r\\n\\r\\nhi\\r\\n.\\r\\nQUIT\\r\\n' |"
		" \"$AA_EXIM\" -C \"$d/exim.conf\" -DWORLD=\"$d\" -DAUTHALIGN_SO=\"$AA_SO\" -DAUTHALIGN_CONFIG=\"$d/authalign.conf\""
		" -bs -odq -oMa 198.51.100.66 -oMs mail.reject.example; grep authalign \"$d/log/paniclog\""), 0);
	ck_assert_msg(strstr(out, "550 5.7.1 Message rejected: the From domain reject.example") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "cannot match domains against +local_domains") != NULL, "%s", out);
	free(out);
}
END_TEST

/* One Exim process, two messages: the per-domain table is edited between
 * them and the settings file is not touched; the second message is judged
 * by the edited table (aa_config_is_current() watches the tables too). */
START_TEST(edited_domain_table_applies_to_the_next_message_without_touching_settings)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 60,
		"set -e; d=\"$AA_WORLD/tabledit\"; rm -rf \"$d\"; mkdir -p \"$d/spool\" \"$d/log\" \"$d/run\" \"$d/mail/alice\"; cd \"$d\";"
		" printf 'authserv_id = mx.test.example\\nmode = enforce\\ndns_timeout = 1s\\ndns_tries = 1\\n"
		"domains_file = %%s/domains\\n' \"$d\" >authalign.conf;"
		" printf '# before the edit\\nreject.example: mode=enforce\\n' >domains;"
		" chmod 0644 authalign.conf domains; chown -R Debian-exim:Debian-exim spool log run mail;"
		" msg='MAIL FROM:<ceo@reject.example>\\r\\nRCPT TO:<alice@test.example>\\r\\nDATA\\r\\n"
		"From: <ceo@reject.example>\\r\\nSubject: spoof\\r\\n\\r\\nhi\\r\\n.\\r\\n';"
		" { printf 'EHLO mail.reject.example\\r\\n'; printf \"$msg\";"
		"   i=0; until grep -q 'rejected' log/mainlog 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i+1)); done;"
		"   printf 'reject.example: mode=monitor\\n' >domains.new; chmod 0644 domains.new; mv domains.new domains;"
		"   printf \"$msg\"; printf 'QUIT\\r\\n'; } |"
		" \"$AA_EXIM\" -C \"$AA_EXIM_CONF\" -DWORLD=\"$d\" -DAUTHALIGN_SO=\"$AA_SO\" -DAUTHALIGN_CONFIG=\"$d/authalign.conf\""
		" -bs -odq -oMa 198.51.100.66 -oMs mail.reject.example"), 0);
	/* the first refused by the table as it was, the second accepted by the edit */
	ck_assert_msg(strstr(out, "550 5.7.1 Message rejected: the From domain reject.example") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "250 OK id=") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "250 OK id=") > strstr(out, "550 5.7.1"), "%s", out);
	free(out);
}
END_TEST

Suite *suite_policy(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, quarantine_adds_a_header_by_default);
	tcase_add_test(tc, quarantine_freezes_when_configured);
	tcase_add_test(tc, table_exception_monitors_one_domain_while_others_are_enforced);
	tcase_add_test(tc, table_forces_reject_for_a_p_none_domain);
	tcase_add_test(tc, received_spf_header_when_asked);
	tcase_add_test(tc, broken_settings_defer_with_a_panic_log_line_naming_file_and_line);
	tcase_add_test(tc, broken_domain_table_defers_too);
	tcase_add_test(tc, without_a_local_domains_list_mail_is_still_judged);
	tcase_add_test(tc, edited_domain_table_applies_to_the_next_message_without_touching_settings);
	suite_add_tcase(s, tc);
	return s;
}
