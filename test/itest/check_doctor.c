/* check_doctor.c - `authalign doctor` on the world's hosts
 * (test/world/doctor/): a Debian host with the classic mistakes, a
 * satellite with a port glued on by one colon, a cPanel layout, and a
 * clean host, each with its own Exim configuration (asked with -bP and
 * -bt) and the world's DNS (Knot). Every finding, fix and verdict is
 * compared with the golden report, in words and in JSON; a difference is
 * printed as a diff. AA_GOLDEN_UPDATE=1 writes the reports instead (read
 * them before committing).
 */
#define _GNU_SOURCE
#include "itest.h"

#define GOLDEN "$AA_ROOT/test/world/doctor/golden"

/* doctor on HOST with ARGS: its exit status; the report compared with
 * golden/HOST.EXT, the diff in *out_r. */
static int doctor_vs_golden(char **out_r, const char *host, const char *args, const char *ext)
{
	return world_sh(out_r, 120, "out=$(mktemp) && \"$AA_WORLD_BIN/doctor/run-doctor\" %s %s >\"$out\"; rc=$?; "
			"if [ \"${AA_GOLDEN_UPDATE:-0}\" = 1 ]; then cp \"$out\" " GOLDEN "/%s.%s; fi; "
			"diff -u " GOLDEN "/%s.%s \"$out\" >&2 || rc=99; rm -f \"$out\"; exit $rc",
			host, args, host, ext, host, ext);
}

static const struct {
	const char *host;
	int exit;
	const char *sure[12];	/* each in the report, whatever the golden file says */
} hosts[] = {
	{ "mistakes", 3, { "update-exim4.conf.conf:1: bounce: dc_eximconfig_configtype='local'",
			   "Mailing to remote domains not supported",
			   "198.51.100.31 (transport remote_smtp) has no PTR record",
			   "names wrong.doctor.example, which does not resolve back to 198.51.100.32",
			   "HELO localhost.localdomain from 198.51.100.31",
			   "spfwrong.doctor.example: warning: SPF of spfwrong.doctor.example does not authorise 198.51.100.31",
			   "toomany.doctor.example: bounce [550 5.7.509]: the SPF record needs more than 10 DNS lookups",
			   "twospf.doctor.example: bounce [550 5.7.509]: 2 SPF records",
			   "rsa._domainkey.nokey.doctor.example: bounce [550 5.7.509]: no key record",
			   "ruanoauth.doctor.example._report._dmarc.reports.example: warning: rua= sends reports",
			   "router partners: bounce: route_list entry \"partner.example:relay.doctor.example\" has no hosts",
			   "rsa._domainkey.twokeys.doctor.example: warning: another key is published beside the one Exim signs with" } },
	{ "satellite", 3, { "dc_smarthost has \"relay.doctor.example:587\"", "relay.doctor.example::587",
			    "dc_smarthost: note: remote mail leaves through the smarthost relay.doctor.example",
			    "viarelay.doctor.example: bounce [550 5.7.509]: SPF of viarelay.doctor.example does not authorise relay",
			    "verdict: Gmail, through smarthost relay.doctor.example (from 198.51.100.25"} },
	{ "cpanel", 3, { "smarthost_routelist entry \"*:relay.doctor.example\" has no hosts",
			 "default._domainkey.cpnokey.doctor.example: warning: no key record",
			 "refused 5.7.515 (a rule for senders of 5,000+ messages a day)",
			 "== domain cpclean.doctor.example ==" } },
	{ "clean", 0, { "== this host ==\nnothing found\n",
			"verdict: Outlook.com, direct from 203.0.113.41 and 2001:db8::41: inbox",
			"doctor: 0 findings that bounce mail, 0 warnings, 0 verdicts refused (" } },
};

START_TEST(doctor_report_of_each_world_host_is_its_golden_report)
{
	char *out = NULL, *words = NULL;
	int rc = doctor_vs_golden(&out, hosts[_i].host, "", "txt");

	ck_assert_msg(rc == hosts[_i].exit, "%s: exit %d, not %d:\n%.3000s", hosts[_i].host, rc, hosts[_i].exit, out);
	ck_assert_int_eq(world_sh(&words, 60, "cat \"$AA_WORLD/doctor/hosts/%s.out\"", hosts[_i].host), 0);
	for (size_t k = 0; k < 12 && hosts[_i].sure[k] != NULL; k++)
		ck_assert_msg(strstr(words, hosts[_i].sure[k]) != NULL, "%s: no \"%s\" in\n%.3000s", hosts[_i].host,
			      hosts[_i].sure[k], words);
	free(out);
	free(words);
}
END_TEST

START_TEST(doctor_json_of_each_world_host_is_its_golden_report)
{
	char *out = NULL;
	int rc = doctor_vs_golden(&out, hosts[_i].host, "--json", "json");

	ck_assert_msg(rc == hosts[_i].exit, "%s: exit %d, not %d:\n%.3000s", hosts[_i].host, rc, hosts[_i].exit, out);
	free(out);
	/* one JSON object whose exit is the status */
	ck_assert_int_eq(world_sh(&out, 60, "python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); "
				  "sys.exit(0 if o[\"exit\"] == %d and o[\"command\"] == \"doctor\" else 1)' "
				  "\"$AA_WORLD/doctor/hosts/%s.out\"", hosts[_i].exit, hosts[_i].host), 0);
	free(out);
}
END_TEST

/* The record to publish holds the public half of the key Exim signs with. */
START_TEST(doctor_prints_the_key_record_with_the_public_half_of_the_signing_key)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 120, "\"$AA_WORLD_BIN/doctor/run-doctor\" mistakes >/dev/null; "
				  "p=$(openssl pkey -in \"$AA_DKIM_RSA_KEY\" -pubout -outform DER | base64 -w0) && "
				  "sed 's/\" \"//g' \"$AA_WORLD/doctor/hosts/mistakes.out\" | "
				  "grep -F \"publish: rsa._domainkey.badkey.doctor.example TXT \\\"v=DKIM1; k=rsa; p=$p\\\"\""), 0);
	free(out);
}
END_TEST

/* --domain: that domain alone, the host checked as before. */
START_TEST(doctor_domain_option_checks_that_domain_alone)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 120, "\"$AA_WORLD_BIN/doctor/run-doctor\" mistakes --domain NoKey.Doctor.Example."), 3);
	ck_assert_msg(strstr(out, "== domain nokey.doctor.example ==") != NULL &&
		      strstr(out, "== domain spfwrong") == NULL && strstr(out, "1 domain checked") != NULL &&
		      strstr(out, "HELO localhost.localdomain") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(world_sh(&out, 120, "\"$AA_WORLD_BIN/doctor/run-doctor\" clean --domain 'bad domain'"), 1);
	ck_assert_msg(strstr(out, "--domain \"bad domain\" is not a domain name") != NULL, "%s", out);
	free(out);
}
END_TEST

/* explain on a log line whose sender is a domain this host sends for:
 * the explanation, then doctor's report on that domain. */
START_TEST(explain_runs_the_doctor_for_a_sending_domain_this_host_sends_for)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 120, "D=$AA_WORLD/doctor/hosts; \"$AA_WORLD_BIN/doctor/run-doctor\" clean "
				  ">/dev/null; AUTHALIGN_EXIM=\"$AA_EXIM -C $AA_WORLD_BIN/doctor/mistakes.conf "
				  "-DWORLD=$AA_WORLD -DDOCTOR_INC=$AA_WORLD_BIN/doctor/exim-common.inc\" "
				  "\"$AA_ROOT/build/authalign\" -c $D/mistakes/etc/authalign/authalign.conf explain "
				  "'2026-12-07 10:00:00 1xaOq8-0000AY-2m ** a@live.com F=<news@nokey.doctor.example> "
				  "R=dnslookup T=remote_smtp H=x.olc.protection.outlook.com [52.101.1.1]: SMTP error from "
				  "remote mail server after end of data: 550 5.7.515 Access denied'"), 0);
	ck_assert_msg(strstr(out, "found:  reply 550 5.7.515") != NULL &&
		      strstr(out, "sender: nokey.doctor.example (") != NULL &&
		      strstr(out, "== domain nokey.doctor.example ==") != NULL &&
		      strstr(out, "rsa._domainkey.nokey.doctor.example: bounce [550 5.7.509]") != NULL, "%s", out);
	free(out);
	/* a sender this host does not send for: no report, how to ask for one */
	ck_assert_int_eq(world_sh(&out, 120, "D=$AA_WORLD/doctor/hosts; \"$AA_ROOT/build/authalign\" -c "
				  "$D/mistakes/etc/authalign/authalign.conf explain '** a@live.com F=<x@clean.doctor.example> "
				  "H=x [52.101.1.1]: SMTP error from remote mail server after end of data: 550 5.7.515 x'"), 0);
	ck_assert_msg(strstr(out, "this host does not send for clean.doctor.example") != NULL &&
		      strstr(out, "== domain") == NULL, "%s", out);
	free(out);
}
END_TEST

Suite *suite_doctor(void)
{
	Suite *s = suite_create("doctor");
	TCase *tc = tcase_create("doctor");

	tcase_add_checked_fixture(tc, world_require, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, doctor_report_of_each_world_host_is_its_golden_report, 0,
			    (int)(sizeof(hosts) / sizeof(hosts[0])));
	tcase_add_loop_test(tc, doctor_json_of_each_world_host_is_its_golden_report, 0,
			    (int)(sizeof(hosts) / sizeof(hosts[0])));
	tcase_add_test(tc, doctor_prints_the_key_record_with_the_public_half_of_the_signing_key);
	tcase_add_test(tc, doctor_domain_option_checks_that_domain_alone);
	tcase_add_test(tc, explain_runs_the_doctor_for_a_sending_domain_this_host_sends_for);
	suite_add_tcase(s, tc);
	return s;
}
