/* check_tool.c - what authalign(8) tells an admin and a script.
 *
 * The built tool on settings written to a scratch directory of the world:
 * a refused value names the file, the line and the values allowed; a
 * setting that works but is dangerous or self-defeating (loopback as a
 * trusted host, a DNS budget one question can spend alone, an outbound
 * table nobody owns) is a warning. Every command's --json output is one
 * JSON object (parsed by python3) with its documented keys and the exit
 * status it returned, hostile input included; every command has its help.
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
	  "outbound_egress = 203.0.113.5\noutbound_trusted_hosts = 203.0.113.0/24\noutbound_transport = none\n", NULL, NULL, 1,
	  "warning: outbound_trusted_hosts includes 203.0.113.5 (outbound_egress, this host's own address)", NULL },
	{ "an application server as a trusted host is not warned about", "outbound_trusted_hosts = 192.0.2.80\n", NULL,
	  NULL, 1, "trusted hosts set", "warning:" },
	{ "a dns budget one question can spend is warned about", "dns_timeout = 5s\ndns_tries = 2\ndns_budget = 3s\n",
	  NULL, NULL, 1, "warning: dns_budget (3s) is shorter than one question's dns_timeout x dns_tries (10s)", NULL },
	{ "the shipped settings give no warning", NULL, NULL, NULL, 1, ": ok (mode=monitor", "warning:" },
	{ "a control byte in a refused name reaches the terminal as '?'", "\x1b]0;x\x07\x1b[2Jmode = on\n", NULL,
	  NULL, 0, "authalign.conf:1: unknown option: ?]0;x??[2Jmode", "\x1b" },
	{ "a control byte in a refused table line reaches the terminal as '?'",
	  "outbound_egress = 192.0.2.5\noutbound_domains_file = outbound\noutbound_transport = none\n", NULL, "a.example: \x1b[2J\n", 0,
	  "outbound:1: ", "\x1b" },
	{ "an empty trusted host list does not hide an owner-less outbound table",
	  "outbound_egress = 203.0.113.5\noutbound_domains_file = outbound\noutbound_trusted_hosts =\n"
	  "outbound_transport = none\n", NULL,
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

/* explain: the replies and Exim failures admins arrive with, as Exim's
 * log, a bounce, a DSN or the bare reply; each gets its class and the
 * rule that knew it, and the recipient's domain when the text names one. */
static const struct {
	const char *text;		/* on standard input */
	int exit;
	const char *found, *klass, *domain;	/* substrings of the output; NULL: not checked */
} explain_cases[] = {
	{ "2026-12-07 10:00:00 1xaOq8-0000AY-2m ** user@contoso.com R=dnslookup T=remote_smtp "
	  "H=contoso-com.mail.protection.outlook.com [52.101.0.2]: SMTP error from remote mail server after "
	  "end of data: 550 5.7.509 Access denied, sending domain EXAMPLE.COM does not pass DMARC verification "
	  "and has a DMARC policy of reject.", 0, "reply 550 5.7.509", "dmarc (5.7.509 DMARC reject (Microsoft))",
	  "contoso.com" },
	{ "** user@live.com: SMTP error from remote mail server after end of data:\n550-5.7.515 Access denied, "
	  "sending domain example.com does not meet the\n550 required authentication level.", 0,
	  "reply 550 5.7.515", "dmarc (5.7.515 authentication level (Outlook.com))", "live.com" },
	{ "host gmail-smtp-in.l.google.com said: 550-5.7.26 This mail is unauthenticated, which poses a "
	  "security risk to the sender and Gmail users", 0, "reply 550 5.7.26", "dmarc (5.7.26 unauthenticated)",
	  NULL },
	{ "550-5.7.26 The MAIL FROM domain [example.com] has an SPF record with a hard fail policy (-all) but it "
	  "fails to pass SPF checks", 0, "reply 550 5.7.26", "spf (5.7.26 SPF hard fail (Gmail))", NULL },
	{ "  user@outlook.com\n    host outlook-com.olc.protection.outlook.com [52.101.0.1]\n    SMTP error from "
	  "remote mail server after RCPT TO:<user@outlook.com>:\n    550 5.7.1 Unfortunately, messages from "
	  "[203.0.113.10] were not sent. Please contact your Internet service provider since part of their "
	  "network is on our block list (S3150).", 0, "reply 550 5.7.1", "blocklist (block list text)",
	  "outlook.com" },
	{ "Reporting-MTA: dns; server.hosting.example\nFinal-Recipient: rfc822;user@tenant.example\nAction: "
	  "failed\nDiagnostic-Code: smtp; 550 5.7.64 TenantAttribution; Relay Access Denied", 0,
	  "reply 550 5.7.64", "relay (5.7.64 TenantAttribution (Microsoft))", "tenant.example" },
	{ "** a@b.example R=smarthost T=remote_smtp_smarthost: SMTP error from remote mail server after RCPT "
	  "TO:<a@b.example>: 550 relay not permitted", 0, "reply 550", "relay (relay refused text)", "b.example" },
	{ "2026-12-07 10:00:00 H=(pc) [192.0.2.9] F=<a@x.example> rejected RCPT <b@remote.example>: relay not "
	  "permitted", 0, "Exim: relay not permitted (this host)", NULL, "remote.example" },
	{ "** user@remote.example R=nonlocal: Mailing to remote domains not supported", 0,
	  "Exim: local delivery only", NULL, "remote.example" },
	{ "** user@nowhere.example: Unrouteable address", 0, "Exim: unrouteable address", NULL, "nowhere.example" },
	{ "** user@broken.example: all relevant MX records point to non-existent hosts", 0,
	  "Exim: MX hosts do not exist", NULL, "broken.example" },
	{ "550 5.7.23 The message was rejected because of Sender Policy Framework violation", 0,
	  "reply 550 5.7.23", "spf (5.7.23 SPF validation failed)", NULL },
	{ "451 4.7.1 Greylisted, see http://postgrey.schweikert.ch/help/example.com.html", 0, "reply 451 4.7.1",
	  "ratelimit (", NULL },
	{ "421 4.7.0 [TSS04] Messages from 203.0.113.10 temporarily deferred due to unexpected volume or user "
	  "complaints", 0, "reply 421 4.7.0", "ratelimit (", NULL },
	{ "hello, my mail does not work", 3, "no reply code", "none (no refusal)", NULL },
	/* what follows the reply, the returned message above all, is not read */
	{ "  a@fabrikam.example\n    host mx.fabrikam.example [192.0.2.7]\n    SMTP error from remote mail server "
	  "after RCPT TO:<a@fabrikam.example>:\n    550 No such user here\n\n------ This is a copy of the message, "
	  "including all the headers. ------\nSubject: Unrouteable address\nAuthentication-Results: x; dmarc=fail\n",
	  0, "reply 550", "unknown_user (unknown user text)", "fabrikam.example" },
	/* Exim's words in a quoted local part do not stand in for Exim's own */
	{ "** \"SMTP error from remote mail server after x: 451 4.7.1 later\"@contoso.com: SMTP error from remote "
	  "mail server after RCPT TO:<x@contoso.com>: 550 5.7.606 Access denied, banned sending IP", 0,
	  "reply 550 5.7.606", "blocklist (5.7.606 banned sending address (Microsoft))", NULL },
	/* a destination that says "Unrouteable address" is the destination, not this host */
	{ "** b@example.org: SMTP error from remote mail server after RCPT TO:<b@example.org>: 550 Unrouteable "
	  "address", 0, "reply 550", "unknown_user (unknown user text)", "example.org" },
	{ "** ceo@contoso.com R=dnslookup T=remote_smtp: retry timeout exceeded", 0, "Exim: retry timeout exceeded",
	  NULL, "contoso.com" },
	{ "** a@b.example R=smarthost T=remote_smtp_smarthost H=smtp.provider.example [192.0.2.8]: SMTP error "
	  "from remote mail server after MAIL FROM:<x@y.example>: 530 5.7.0 Authentication Required", 0,
	  "reply 530 5.7.0", "relay (5.7.0 authentication required (a smarthost))", "b.example" },
	{ "553 5.7.2 [TSS09] All messages from 203.0.113.10 will be permanently deferred", 0, "reply 553 5.7.2",
	  "blocklist (block list text)", NULL },
	/* outgoing port 25 blocked; IPv6 without a route */
	{ "2026-12-07 10:00:00 1xaOq8-0000AY-2m H=mx1.fabrikam.example [192.0.2.9] Connection timed out\n"
	  "2026-12-07 10:00:00 1xaOq8-0000AY-2m == ceo@fabrikam.example R=dnslookup T=remote_smtp defer (110): "
	  "Connection timed out", 0, "Exim: connection timed out", NULL, "fabrikam.example" },
	{ "** a@fabrikam.example R=dnslookup T=remote_smtp H=mx.fabrikam.example [2001:db8::9]: Network is "
	  "unreachable", 0, "Exim: network is unreachable", NULL, "fabrikam.example" },
	/* a smarthost written host:587: Exim connects to a "host" named 587 */
	{ "2026-12-07 10:00:00 1xaOq8-0000AY-2m ** x@gmail.com R=smarthost T=remote_smtp_smarthost H=587 "
	  "[0.0.2.75]: Network is unreachable", 0, "Exim: a port written as a host", NULL, "gmail.com" },
	/* Microsoft's NDR as a user sees it; a sender domain that does not exist; a smarthost wanting TLS */
	{ "Error Details\nReported error: 550 5.7.509 Access denied, sending domain [EXAMPLE.ORG] does not pass "
	  "DMARC verification\nDSN generated by: x.prod.outlook.com", 0, "reply 550 5.7.509",
	  "dmarc (5.7.509 DMARC reject (Microsoft))", NULL },
	{ "450 4.1.8 <root@vm>: Sender address rejected: Domain not found", 0, "reply 450 4.1.8",
	  "other (1.8 sender domain not found)", NULL },
	{ "530 5.7.0 Must issue a STARTTLS command first", 0, "reply 530 5.7.0",
	  "relay (5.7.0 STARTTLS required (a smarthost))", NULL },
	/* Gmail's reputation limits */
	{ "** a@gmail.com: SMTP error from remote mail server after end of data:\n421-4.7.28 Gmail has detected "
	  "an unusual rate of unsolicited mail originating\n421 4.7.28 from your IP address.", 0, "reply 421 4.7.28",
	  "ratelimit (4.7.28 unusual rate of unsolicited mail (Gmail))", "gmail.com" },
	{ "host gmail-smtp-in.l.google.com said: 421-4.7.0 This message is suspicious due to the very low "
	  "reputation of the sending domain.", 0, "reply 421 4.7.0", "ratelimit (low reputation text)", NULL },
};

/* A bounce with several failed recipients: each explained, under its
 * number; the sending domain and address the replies name are printed. */
START_TEST(explain_gives_each_failed_recipient_of_a_bounce_its_cause)
{
	char *out = NULL;

	/* Exim lists the failed addresses with no blank line between them */
	ck_assert_int_eq(world_sh(&out, 30, "printf '%%s\\n' 'A message that you sent could not be delivered.' '' "
				  "'  a@outlook.com' '    host x.olc.protection.outlook.com [52.101.1.1]' "
				  "'    SMTP error from remote mail server after end of data:' "
				  "'    550 5.7.515 Access denied, sending domain [EXAMPLE.ORG] does not meet the required "
				  "authentication level.' '  b@gmail.com' '    host gmail-smtp-in.l.google.com' "
				  "'    SMTP error from remote mail server after end of data:' "
				  "'    550-5.7.25 The IP address sending this message does not have a' "
				  "'    550-5.7.25 PTR record setup [198.51.100.31]' '  c@fabrikam.example' "
				  "'    Unrouteable address' '' "
				  "'------ This is a copy of the message, including all the headers. ------' "
				  "'From: x@example.org' | \"$AA_ROOT/build/authalign\" explain"), 0);
	ck_assert_msg(strstr(out, "== 1 of 3: outlook.com ==\nfound:  reply 550 5.7.515") != NULL &&
		      strstr(out, "== 2 of 3: gmail.com ==\nfound:  reply 550 5.7.25") != NULL &&
		      strstr(out, "== 3 of 3: fabrikam.example ==\nfound:  Exim: unrouteable address") != NULL &&
		      strstr(out, "\nsender: example.org (") != NULL &&
		      strstr(out, "\naddress: 198.51.100.31 (") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(explain_names_the_cause_and_the_fix_of_each_known_bounce)
{
	char *out = NULL, *in = NULL;
	size_t n = 0;

	/* printf %b turns the cases' \n into newlines */
	for (const char *p = explain_cases[_i].text; *p != '\0'; p++)
		n += *p == '\'' ? 4 : 1;
	in = calloc(1, n + 1);
	ck_assert_ptr_nonnull(in);
	for (const char *p = explain_cases[_i].text; *p != '\0'; p++)
		strcat(in, *p == '\'' ? "'\\''" : (char[]){ *p, '\0' });
	ck_assert_int_eq(world_sh(&out, 30, "printf '%%b' '%s' | \"$AA_ROOT/build/authalign\" explain", in),
			 explain_cases[_i].exit);
	ck_assert_msg(strstr(out, explain_cases[_i].found) != NULL, "%s", out);
	ck_assert_msg(explain_cases[_i].klass == NULL || strstr(out, explain_cases[_i].klass) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\nmeans:  ") != NULL && strstr(out, "\ndo:     ") != NULL, "%s", out);
	if (explain_cases[_i].domain != NULL) {
		char want[128];

		snprintf(want, sizeof(want), "\ndomain: %s (", explain_cases[_i].domain);
		ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	}
	free(in);
	free(out);
}
END_TEST

/* doctor on a copy of a host's /etc: the routing mistakes that lose mail,
 * each with its file, line and the line to write; nothing on a clean setup. */
static const struct {
	const char *debian, *cpanel;	/* update-exim4.conf.conf, exim.conf.localopts; NULL: absent */
	int exit;
	const char *want, *fix;		/* substrings of the output */
} doctor_cases[] = {
	{ "dc_eximconfig_configtype=\"local\"\ndc_smarthost=\"\"\n", NULL, 3,
	  "update-exim4.conf.conf:1: bounce: dc_eximconfig_configtype='local'",
	  "Mailing to remote domains not supported" },
	{ "dc_eximconfig_configtype=\"smarthost\"\ndc_smarthost=\"smtp.example.net:587\"\n", NULL, 3,
	  "update-exim4.conf.conf:2: bounce: dc_smarthost has \"smtp.example.net:587\"",
	  "fix: write the port with two colons: smtp.example.net::587" },
	{ "dc_eximconfig_configtype=\"satellite\"\ndc_smarthost=\"a.example.net b.example.net\"\n", NULL, 3,
	  "update-exim4.conf.conf:2: bounce: dc_smarthost holds white space", "hosts separated by ':'" },
	{ "dc_eximconfig_configtype=\"smarthost\"\n", NULL, 3, "without dc_smarthost", "fix: dc_smarthost=" },
	{ NULL, "smarthost_routelist=*:smtp.relay.example\n", 3,
	  "exim.conf.localopts:1: bounce: smarthost_routelist entry \"*:smtp.relay.example\" has no hosts",
	  "fix: write \"* smtp.relay.example\" for that entry (the domains, a space, the hosts) in "
	  "smarthost_routelist=*:smtp.relay.example" },
	/* a smarthost with no address in DNS */
	{ "dc_eximconfig_configtype=\"satellite\"\ndc_smarthost=\"nothere.example::587\"\n", NULL, 3,
	  "bounce: the smarthost nothere.example has no address in DNS", "fix: give the smarthost's name" },
	/* a port that stood alone, and " : " between hosts, become Exim's own list */
	{ "dc_eximconfig_configtype=\"smarthost\"\ndc_smarthost=\"smtp.sendgrid.net 587\"\n", NULL, 3,
	  "dc_smarthost holds white space", "fix: dc_smarthost='smtp.sendgrid.net::587'" },
	{ "dc_eximconfig_configtype=\"smarthost\"\ndc_smarthost=\"a.example::587 : b.example::587\"\n", NULL, 3,
	  "dc_smarthost holds white space", "fix: dc_smarthost='a.example::587:b.example::587'" },
	/* the other entries are kept in the fix */
	{ NULL, "smarthost_routelist=a.example h1.example::587 ; *.b.example:h2.example\n", 3,
	  "entry \"*.b.example:h2.example\" has no hosts",
	  "write \"*.b.example h2.example\" for that entry (the domains, a space, the hosts) in "
	  "smarthost_routelist=a.example h1.example::587 ; *.b.example:h2.example" },
	{ "dc_eximconfig_configtype=\"smarthost\"\ndc_smarthost=\"smtp1.provider.example smtp2.provider.example\"\n",
	  NULL, 3, "unknown routing option or transport name",
	  "fix: dc_smarthost='smtp1.provider.example:smtp2.provider.example' (hosts separated by" },
	{ "dc_eximconfig_configtype=\"smarthost\"\ndc_smarthost=\"[2001:db8::25]::587\"\n", NULL, 3,
	  "an IPv6 address in [...] with a single colon", "double every colon of the IPv6 address" },
	{ NULL, "smarthost_routelist=* smtp.relay.example:2525\n", 3, "smarthost_routelist has "
	  "\"smtp.relay.example:2525\"", "smtp.relay.example::2525" },
	/* valid: ports doubled, IPv6 colons doubled, another separator, several
	 * entries with options, a quoted host list */
	{ "dc_eximconfig_configtype=\"smarthost\"\ndc_smarthost=\"smtp.relay.example::587:[2001::db8::::25]::587\"\n",
	  "smarthost_routelist=*.example.com smtp.relay.example::587 byname ; * \"h1::587 : h2::2525\" randomize\n", 0,
	  "doctor: 0 findings that bounce mail, 0 warnings, 0 verdicts refused (2 setup files read, 0 domains "
	  "checked)", "" },
	{ NULL, "smarthost_routelist=* <+[2001:db8::1]:587+192.0.2.7:2525\n", 0, "0 findings", "" },
	/* nothing to read: said, and exit 1 */
	{ NULL, NULL, 1, "nothing was checked", "" },
};

START_TEST(doctor_finds_each_routing_mistake_with_its_file_line_and_fix)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 30, "d=$(mktemp -d) && mkdir -p \"$d/etc/exim4\" && "
				  "{ [ -z '%s' ] || printf '%s' > \"$d/etc/exim4/update-exim4.conf.conf\"; } && "
				  "{ [ -z '%s' ] || printf '%s' > \"$d/etc/exim.conf.localopts\"; } && "
				  "\"$AA_ROOT/build/authalign\" doctor \"$d\"; rc=$?; rm -rf \"$d\"; exit $rc",
				  doctor_cases[_i].debian != NULL ? "x" : "", doctor_cases[_i].debian != NULL ?
				  doctor_cases[_i].debian : "", doctor_cases[_i].cpanel != NULL ? "x" : "",
				  doctor_cases[_i].cpanel != NULL ? doctor_cases[_i].cpanel : ""), doctor_cases[_i].exit);
	ck_assert_msg(strstr(out, doctor_cases[_i].want) != NULL, "%s", out);
	ck_assert_msg(strstr(out, doctor_cases[_i].fix) != NULL, "%s", out);
	free(out);
}
END_TEST

/* A Microsoft NDR: the original message's headers, which its sender
 * wrote, never stand in for the reply. */
START_TEST(explain_never_reads_the_original_headers_of_a_microsoft_ndr)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 30, "printf '%%s\\n' 'Your message to a@contoso.com couldn'\\''t be delivered.' "
				  "'Error Details' 'Reported error: 550 5.7.509 Access denied, sending domain [EXAMPLE.ORG] "
				  "does not pass DMARC verification' '' 'Original message headers:' "
				  "'X-Note: Mailing to remote domains not supported' 'Subject: retry timeout exceeded' | "
				  "\"$AA_ROOT/build/authalign\" explain"), 0);
	ck_assert_msg(strstr(out, "found:  reply 550 5.7.509") != NULL && strstr(out, "Exim:") == NULL &&
		      strstr(out, "== 2 of") == NULL, "%s", out);
	free(out);
}
END_TEST

/* doctor on records a customer may publish, from a fixed zone: each
 * fault named, no fix that would break mail if published, and an include
 * loop walked once (it once made the run last for ever). */
static const struct {
	const char *domain, *want, *absent;
} doctor_record_cases[] = {
	{ "loop.example", "includes itself (a loop)", NULL },
	{ "badip.example", "\"ip4:example.com\", which is no address", NULL },
	{ "redir.example", "merge the 2 records into one by hand", "publish one record" },
	{ "plusall.example", "merge the 2 records into one by hand", "+all\" (and" },
	{ "strictest.example", "TXT \"v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 -all\"", NULL },
	{ "voids.example", "names that do not exist", "v9.voids.example" },
	{ "quar.example", "quar.example: warning: no DKIM key", ": bounce" },
	{ "rej.example", "rej.example: bounce [550 5.7.509]: no DKIM key", NULL },
	{ "nx.example", "nx.example: bounce [550 5.1.8]", NULL },
	/* two includes that both include one provider: walked twice, no loop */
	{ "shared.example", "== domain shared.example ==", "loop" },
	/* a check that could not run is never a clean bill: exit 2 (below) */
	{ "tmp.example", "spf: not read (DNS temporary failure)", "spf: no record" },
};

START_TEST(doctor_names_each_record_fault_and_prints_no_fix_that_breaks_mail)
{
	char *out = NULL;
	int rc = world_sh(&out, 60, "d=$(mktemp -d) && printf '%%s\\n' "
			  "'loop.example TXT \"v=spf1 include:loop.example include:loop.example include:loop.example "
			  "include:loop.example include:loop.example include:loop.example -all\"' "
			  "'badip.example TXT \"v=spf1 ip4:example.com -all\"' "
			  "'redir.example TXT \"v=spf1 redirect=_spf.provider.example\"' "
			  "'redir.example TXT \"v=spf1 ip4:192.0.2.1 -all\"' "
			  "'plusall.example TXT \"v=spf1 +all\"' 'plusall.example TXT \"v=spf1 ip4:192.0.2.1 -all\"' "
			  "'strictest.example TXT \"v=spf1 ip4:192.0.2.1 ~all\"' "
			  "'strictest.example TXT \"v=spf1 ip4:192.0.2.2 -all\"' "
			  "'voids.example TXT \"v=spf1 a:v1.voids.example a:v2.voids.example a:v3.voids.example "
			  "a:v4.voids.example a:v5.voids.example a:v6.voids.example a:v7.voids.example a:v8.voids.example "
			  "a:v9.voids.example -all\"' "
			  "'quar.example TXT \"v=spf1 -all\"' '_dmarc.quar.example TXT \"v=DMARC1; p=quarantine\"' "
			  "'rej.example TXT \"v=spf1 -all\"' '_dmarc.rej.example TXT \"v=DMARC1; p=reject\"' "
			  "'shared.example TXT \"v=spf1 include:a.shared.example include:b.shared.example -all\"' "
			  "'a.shared.example TXT \"v=spf1 include:common.example -all\"' "
			  "'b.shared.example TXT \"v=spf1 include:common.example -all\"' "
			  "'common.example TXT \"v=spf1 ip4:192.0.2.9 -all\"' 'tmp.example TXT SERVFAIL' "
			  "> \"$d/zone\" && timeout 20 \"$AA_ROOT/build/authalign\" -z \"$d/zone\" doctor \"$d\" "
			  "--domain %s; rc=$?; rm -rf \"$d\"; exit $rc", doctor_record_cases[_i].domain);

	ck_assert_msg(rc != 124, "doctor did not end: %s", out);
	ck_assert_msg(strcmp(doctor_record_cases[_i].domain, "tmp.example") != 0 || rc == 2, "exit %d: %s", rc, out);
	ck_assert_msg(strstr(out, doctor_record_cases[_i].want) != NULL, "%s", out);
	ck_assert_msg(doctor_record_cases[_i].absent == NULL || strstr(out, doctor_record_cases[_i].absent) == NULL,
		      "%s", out);
	free(out);
}
END_TEST

/* doctor runs as root over files anyone may have put there: a FIFO in
 * place of a setup file is named, not waited on. */
START_TEST(doctor_never_waits_on_a_fifo_named_like_a_setup_file)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 30, "d=$(mktemp -d) && mkdir -p \"$d/etc/exim4\" && "
				  "mkfifo \"$d/etc/exim4/update-exim4.conf.conf\" && timeout 10 \"$AA_ROOT/build/authalign\" "
				  "doctor \"$d\"; rc=$?; rm -rf \"$d\"; exit $rc"), 1);
	ck_assert_msg(strstr(out, "update-exim4.conf.conf: warning: not read:") != NULL &&
		      strstr(out, "not a regular file") != NULL, "%s", out);
	free(out);
}
END_TEST

/* predict: 3 when the plan refuses (a spoof of a p=reject domain to a
 * strict receiver), also in monitor mode, where the message would leave
 * as it is and bounce; 0 when the message can leave (an aligned one). */
START_TEST(predict_exits_3_when_the_plan_refuses_and_0_when_it_delivers)
{
	char *out = NULL;
	const char *setup =
		"d=$(mktemp -d) && cd \"$d\" && "
		"printf 'outbound_mode = %s\\noutbound_egress = 203.0.113.9\\n"
		"outbound_profiles_file = %%s/conf.d-examples/authalign-profiles\\n' \"$AA_ROOT\" > c.conf && "
		"printf 'reject.example TXT v=spf1 ip4:198.51.100.1 -all\\n_dmarc.reject.example TXT v=DMARC1; p=reject\\n"
		"ok.example TXT v=spf1 ip4:203.0.113.9 -all\\n_dmarc.ok.example TXT v=DMARC1; p=reject\\n"
		"outlook.com MX 5 outlook-com.olc.protection.outlook.com\\n' > z && "
		"printf 'From: a@%s\\nSubject: x\\n\\nbody\\n' > m && "
		"\"$AA_ROOT/build/authalign\" -z z -c c.conf predict a@%s %s < m; rc=$?; cd / && rm -rf \"$d\"; exit $rc";

	ck_assert_int_eq(world_sh(&out, 30, setup, "enforce", "reject.example", "reject.example", "outlook.com"), 3);
	ck_assert_msg(strstr(out, "plan: step=refuse") != NULL, "%s", out);
	free(out);
	out = NULL;
	ck_assert_int_eq(world_sh(&out, 30, setup, "monitor", "reject.example", "reject.example", "outlook.com"), 3);
	ck_assert_msg(strstr(out, "plan: step=direct route=direct outcome=refused\n") != NULL &&
		      strstr(out, "\nnothing passes: the destination would refuse it; outbound_mode monitor sends it "
			     "as it is\n") != NULL, "%s", out);
	free(out);
	out = NULL;
	ck_assert_int_eq(world_sh(&out, 30, setup, "enforce", "ok.example", "ok.example", "example.net"), 0);
	ck_assert_msg(strstr(out, "plan: step=direct") != NULL &&
		      strstr(out, "\ntransport: the one Exim's own router picks (Debian: remote_smtp)\n") != NULL &&
		      strstr(out, "\ndkim: ") == NULL, "%s", out);
	free(out);
}
END_TEST

/* A scratch directory with a zone, settings (enforce, both ways) and
 * messages for the JSON cases. */
static char *json_world(void)
{
	char *dir, *conf;

	ck_assert_int_ge(asprintf(&dir, "%s/tooljson.XXXXXX", world_env("AA_WORLD")), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "z", "ok.example TXT v=spf1 ip4:192.0.2.1 -all\n_dmarc.ok.example TXT v=DMARC1; p=reject\n"
		      "soft.example TXT v=spf1 ~all\ntmp.example TXT SERVFAIL\n_dmarc.tmp.example TXT SERVFAIL\n"
		      "reject.example TXT v=spf1 ip4:198.51.100.1 -all\n_dmarc.reject.example TXT v=DMARC1; p=reject\n"
		      "outlook.com MX 5 outlook-com.olc.protection.outlook.com\n");
	ck_assert_int_ge(asprintf(&conf, "mode = enforce\noutbound_mode = enforce\noutbound_egress = 192.0.2.1\noutbound_transport = none\n"
				  "outbound_profiles_file = %s/conf.d-examples/authalign-profiles\n",
				  world_env("AA_ROOT")), 0);
	put(dir, "c.conf", conf);
	free(conf);
	put(dir, "helo.conf", "mode = enforce\nspf_helo = yes\n");
	put(dir, "bad.conf", "dns_zone_file = z\noutbound_routes_file = routes\n");
	put(dir, "routes", "gone: hosts=nowhere.example egress=192.0.2.7\n");
	put(dir, "m-reject", "From: a@reject.example\nSubject: x\n\nbody\n");
	put(dir, "m-ok", "From: a@ok.example\nSubject: x\n\nbody\n");
	put(dir, "m-tmp", "From: a@tmp.example\nSubject: x\n\nbody\n");
	/* m-ok signed by ok.example with the world's RSA key (dkimpy), the key
	 * in the zone: a plainly written signature */
	{
		char *b64 = NULL, *cmd, *out = NULL;

		ck_assert_int_eq(world_sh(&b64, 10, "tr -d '\\n' <\"$AA_KEYS/rsa.pub.b64\""), 0);
		ck_assert_uint_gt(strlen(b64), 300);
		ck_assert_int_ge(asprintf(&cmd, "cd '%s' && printf 'rsa._domainkey.ok.example TXT \"v=DKIM1; k=rsa; "
					  "p=%.200s\" \"%s\"\\n' >>z && \"$AA_ROOT/test/world/dkim-sign\" ok.example rsa "
					  "<m-ok >m-signed", dir, b64, b64 + 200), 0);
		ck_assert_int_eq(world_sh(&out, 20, "%s", cmd), 0);
		free(cmd);
		free(out);
		free(b64);
	}
	put(dir, "m-hostile", "From: \"\x1b[31m\\\"\\\\ \xff\xc3\" <a@reject.example>\nSubject: \xc3\xa9\x01\n\nbody\n");
	return dir;
}

/* Shell words that make hostile bytes: control, quote, backslash, 8-bit
 * (valid and invalid UTF-8). */
#define HOSTILE_HELO "\"$(printf 'he\\001lo\\042\\134\\377\\303\\251\\360\\237\\230\\200')\""
#define HOSTILE_SENDER "\"$(printf 'a\\042b\\134c\\007@reject.example\\351')\""

struct json_case {
	const char *name;
	const char *args;	/* after "authalign -z z -c c.conf --json"; may redirect stdin */
	int exit;		/* expected status */
	const char *keys;	/* top-level keys that must be there */
	const char *expr;	/* a python expression on d that must hold, or NULL */
};

static const struct json_case json_cases[] = {
	{ "spf pass exits 0", "spf 192.0.2.1 h.example a@ok.example", 0,
	  "command ip helo sender result identity domain mechanism reason explanation helo_spf exit",
	  "d['result'] == 'pass' and d['helo_spf']['result'] == 'none'" },
	{ "spf fail exits 3", "spf 192.0.2.9 h.example a@ok.example", 3, "command result reason exit",
	  "d['result'] == 'fail'" },
	{ "spf softfail exits 3", "spf 192.0.2.9 h.example a@soft.example", 3, "result", "d['result'] == 'softfail'" },
	{ "spf none exits 0", "spf 192.0.2.9 h.example a@nothing.example", 0, "result", "d['result'] == 'none'" },
	{ "spf temperror exits 2", "spf 192.0.2.9 h.example a@tmp.example", 2, "result",
	  "d['result'] == 'temperror'" },
	{ "spf with a hostile HELO and sender is valid JSON", "spf 192.0.2.9 " HOSTILE_HELO " " HOSTILE_SENDER, 0,
	  "helo sender result", "d['helo'] == 'he\\x01lo\"\\\\\\ufffd\\u00e9\\U0001F600' and "
	  "d['sender'] == 'a\"b\\\\c\\x07@reject.example\\ufffd'" },
	{ "bytes that are not UTF-8 (overlong, surrogate, above U+10FFFF, cut) become U+FFFD each",
	  "spf 192.0.2.9 \"$(printf 'a\\300\\257\\340\\200\\257\\355\\240\\200\\364\\220\\200\\200\\342\\202')\" a@ok.example", 3,
	  "helo", "d['helo'] == 'a' + '\\ufffd' * 14" },
	{ "spf with a bad IP is an error naming the forms allowed", "spf 300.1.1.1 h a@ok.example", 1,
	  "command error exit", "'2001:db8::1' in d['error'] and d['command'] == 'spf'" },
	{ "dmarc with a policy exits 0", "dmarc ok.example", 0,
	  "command domain result policy policy_domain org_domain record reason exit",
	  "d['result'] == 'policy' and d['policy'] == 'reject'" },
	{ "dmarc without a record exits 0", "dmarc nothing.example", 0, "result", "d['result'] == 'none'" },
	{ "dmarc temperror exits 2", "dmarc tmp.example", 2, "result", "d['result'] == 'temperror'" },
	{ "orgdomain exits 0", "orgdomain www.ok.example rfc7489", 0, "command domain mode result org_domain exit",
	  "d['org_domain'] == 'ok.example'" },
	{ "orgdomain with an unknown mode names the modes", "orgdomain www.ok.example rfc1", 1, "error",
	  "'rfc9989 or rfc7489' in d['error']" },
	{ "verify of a spoof under enforce exits 3", "verify 198.51.100.9 h.example a@reject.example < m-reject", 3,
	  "command ip helo sender spf spf_helo dkim from dmarc mode authentication_results action smtp_text log exit",
	  "d['action'] == 'reject' and d['dmarc']['result'] == 'fail' and "
	  "d['authentication_results'].startswith('authalign;')" },
	{ "verify of an aligned message exits 0", "verify 192.0.2.1 h.example a@ok.example < m-ok", 0, "action",
	  "d['action'] == 'accept' and d['spf']['result'] == 'pass'" },
	/* the HELO name's own result reaches Authentication-Results only with
	 * spf_helo = yes (the JSON always shows it); the verdict is the same */
	{ "verify adds no smtp.helo by default", "verify 192.0.2.1 mail.ok.example a@ok.example < m-ok", 0,
	  "authentication_results spf_helo",
	  "'smtp.helo' not in d['authentication_results'] and d['spf_helo']['result'] == 'none' and "
	  "d['action'] == 'accept'" },
	{ "verify with spf_helo = yes adds smtp.helo", "-c helo.conf verify 192.0.2.1 mail.ok.example a@ok.example < m-ok",
	  0, "authentication_results", "'smtp.helo=mail.ok.example' in d['authentication_results'] and "
	  "d['action'] == 'accept'" },
	{ "verify of a plainly signed message passes DKIM without libopendkim",
	  "verify 192.0.2.1 h.example a@ok.example < m-signed", 0, "dkim",
	  "len(d['dkim']) == 1 and d['dkim'][0]['result'] == 'pass' and "
	  "d['dkim'][0]['without_libopendkim'] is True and d['dkim'][0]['domain'] == 'ok.example'" },
	{ "verify of an unsigned message has no DKIM result", "verify 192.0.2.1 h.example a@ok.example < m-ok", 0,
	  "dkim", "d['dkim'] == []" },
	{ "verify in a DNS failure exits 2", "verify 192.0.2.1 h.example a@tmp.example < m-tmp", 2, "action",
	  "d['action'] == 'defer'" },
	{ "verify of hostile input is valid JSON", "verify 192.0.2.9 " HOSTILE_HELO " " HOSTILE_SENDER " < m-hostile", 3,
	  "from dmarc authentication_results action",
	  "d['from']['status'] == 'malformed From' and d['action'] == 'reject' and '\\n\\t' not in d['log']" },
	{ "verify of an empty message (no From) under enforce exits 3", "verify 192.0.2.1 h a@ok.example < /dev/null",
	  3, "action", "d['action'] == 'reject'" },
	{ "predict that refuses exits 3", "predict a@reject.example outlook.com < m-reject", 3,
	  "command sender rcpt_domain from_domain mode key steps plan exit",
	  "d['plan']['step'] == 'refuse' and d['plan']['none_pass'] is True and d['steps'][0]['step'] == 'direct' and "
	  "d['steps'][0]['outcome'] == 'refused' and d['steps'][0]['avoided'] is False and "
	  "d['steps'][0]['egress'] == '192.0.2.1'" },
	{ "predict that delivers exits 0", "predict a@ok.example example.net < m-ok", 0, "plan steps",
	  "d['plan']['step'] == 'direct'" },
	{ "check-config ok exits 0", "check-config c.conf", 0,
	  "command file ok errors warnings mode domain_entries outbound exit", "d['ok'] is True and d['errors'] == []" },
	{ "check-config not ok exits 1", "check-config bad.conf", 1, "file ok errors warnings",
	  "d['ok'] is False and 'nowhere.example does not resolve' in d['errors'][0]" },
	{ "check-config of a refused value exits 1", "check-config z", 1, "file ok errors",
	  "d['ok'] is False and len(d['errors']) == 1" },
	{ "explain of a DMARC refusal exits 0", "explain 550 5.7.509 Access denied", 0,
	  "command source code status class rule meaning fix domain exit",
	  "d['source'] == 'reply' and d['code'] == 550 and d['status'] == '5.7.509' and d['class'] == 'dmarc'" },
	{ "explain of nothing known exits 3", "explain hello", 3, "command class rule",
	  "d['class'] == 'none' and d['rule'] == 'no refusal'" },
	{ "help exits 0", "help", 0, "command topic commands exit_status exit", "d['topic'] is None" },
	{ "help of one command exits 0", "help verify", 0, "topic summary arguments prints json_keys exit_status",
	  "d['exit_status']['3'] == 'rejected'" },
	{ "help of an unknown command exits 1", "help frob", 1, "error exit", "'frob' in d['error']" },
	{ "version exits 0", "--version", 0, "command version exit", NULL },
	{ "no command exits 1", "", 1, "error exit", NULL },
	{ "wrong argument count exits 1", "spf 192.0.2.1", 1, "command error exit",
	  "'IP HELO SENDER' in d['error']" },
};

/* The output is ASCII, exactly one object, with the keys (file "keys"),
 * "exit" equal to the status, and the expression (file "expr") true;
 * else the checker exits non-zero. */
static const char json_checker[] =
	"import json,sys\n"
	"s=sys.stdin.read(); assert s.isascii(), 'not ASCII'\n"
	"d=json.loads(s); assert isinstance(d, dict), 'not an object'\n"
	"m=[k for k in open('keys').read().split() if k not in d]; assert not m, 'missing %s' % m\n"
	"assert d['exit'] == int(sys.argv[1]), 'exit %s' % d['exit']\n"
	"e=open('expr').read(); assert eval(e), 'not: ' + e\n";

START_TEST(json_output_is_one_valid_object_with_its_keys_and_exit_status)
{
	const struct json_case *c = &json_cases[_i];
	char *dir = json_world(), *out = NULL;
	int rc;

	put(dir, "check.py", json_checker);
	put(dir, "keys", c->keys);
	put(dir, "expr", c->expr != NULL ? c->expr : "True");
	rc = world_sh(&out, 30, "cd '%s' && \"$AA_ROOT/build/authalign\" -z z -c c.conf --json %s > o 2> e; rc=$?; "
			  "python3 check.py $rc < o 2>&1 || { cat o e; exit 99; }; exit $rc", dir, c->args);
	ck_assert_msg(rc == c->exit, "%s: exit status %d (expected %d): %s", c->name, rc, c->exit, out);
	free(out);
	world_sh(NULL, 10, "rm -rf '%s'", dir);
	free(dir);
}
END_TEST

static const char *const tool_commands[] = { "check-config", "spf", "dmarc", "orgdomain", "verify", "predict",
					     "status", "forget", "doctor", "explain", "help" };

/* help COMMAND and COMMAND --help: the same text, with the usage, the
 * arguments and every exit status the command has. */
START_TEST(help_describes_each_command_and_its_exit_status)
{
	const char *name = tool_commands[_i];
	char *out = NULL, *again = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" help %s", name), 0);
	ck_assert_int_eq(world_sh(&again, 10, "\"$AA_ROOT/build/authalign\" %s --help", name), 0);
	ck_assert_str_eq(out, again);
	ck_assert_msg(strncmp(out, "usage: authalign ", 17) == 0 && strstr(out, name) != NULL, "%s", out);
	ck_assert_msg(strstr(out, "\nArguments:\n") != NULL && strstr(out, "\nExit status:\n  0  ") != NULL &&
		      strstr(out, "\n  1  ") != NULL && strstr(out, "the keys:\n  command ") != NULL,
		      "%s: %s", name, out);
	free(out);
	free(again);
}
END_TEST

START_TEST(help_of_an_unknown_command_names_it_and_lists_the_commands)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" help frobnicate 2>&1"), 1);
	ck_assert_msg(strstr(out, "unknown command 'frobnicate' (commands: check-config spf dmarc orgdomain verify "
				  "predict status forget doctor explain help;") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(help_lists_the_four_exit_statuses)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" -h"), 0);
	ck_assert_msg(strstr(out, "\n  0  ok") != NULL && strstr(out, "\n  1  usage or settings error") != NULL &&
		      strstr(out, "\n  2  temporary failure") != NULL &&
		      strstr(out, "\n  3  a fail result, or the message would be refused") != NULL, "%s", out);
	free(out);
}
END_TEST

/* Argument errors say what is allowed, in words on stderr. */
START_TEST(output_that_cannot_be_written_exits_1_not_with_the_answers_status)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" --version >/dev/full"), 1);
	ck_assert_msg(strstr(out, "cannot write the output") != NULL, "%s", out);
	free(out);
	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" --json help verify >/dev/full"), 1);
	free(out);
}
END_TEST

START_TEST(argument_errors_name_the_values_allowed)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" orgdomain a.example psl 2>&1"), 1);
	ck_assert_msg(strstr(out, "authalign: orgdomain: unknown mode 'psl' (modes: rfc9989 or rfc7489)") != NULL,
		      "%s", out);
	free(out);
	out = NULL;
	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" verify 1.2.3 h a@b.example "
				  "< /dev/null 2>&1"), 1);
	ck_assert_msg(strstr(out, "verify: invalid IP address '1.2.3' (expected an IPv4 address like 192.0.2.1 "
				  "or an IPv6 address like 2001:db8::1)") != NULL, "%s", out);
	free(out);
	out = NULL;
	ck_assert_int_eq(world_sh(&out, 10, "\"$AA_ROOT/build/authalign\" --jason spf 2>&1"), 1);
	ck_assert_msg(strstr(out, "unknown option --jason (options: -c CONFIG, -z ZONEFILE, --domain D (doctor), "
				  "--json") != NULL, "%s",
		      out);
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
	tcase_add_test(tc, output_that_cannot_be_written_exits_1_not_with_the_answers_status);
	tcase_add_loop_test(tc, json_output_is_one_valid_object_with_its_keys_and_exit_status, 0,
			    (int)(sizeof(json_cases) / sizeof(json_cases[0])));
	tcase_add_loop_test(tc, help_describes_each_command_and_its_exit_status, 0,
			    (int)(sizeof(tool_commands) / sizeof(tool_commands[0])));
	tcase_add_test(tc, help_of_an_unknown_command_names_it_and_lists_the_commands);
	tcase_add_test(tc, help_lists_the_four_exit_statuses);
	tcase_add_test(tc, argument_errors_name_the_values_allowed);
	tcase_add_test(tc, doctor_never_waits_on_a_fifo_named_like_a_setup_file);
	tcase_add_test(tc, explain_gives_each_failed_recipient_of_a_bounce_its_cause);
	tcase_add_test(tc, explain_never_reads_the_original_headers_of_a_microsoft_ndr);
	tcase_add_loop_test(tc, doctor_names_each_record_fault_and_prints_no_fix_that_breaks_mail, 0,
			    (int)(sizeof(doctor_record_cases) / sizeof(doctor_record_cases[0])));
	tcase_add_loop_test(tc, doctor_finds_each_routing_mistake_with_its_file_line_and_fix, 0,
			    (int)(sizeof(doctor_cases) / sizeof(doctor_cases[0])));
	tcase_add_loop_test(tc, explain_names_the_cause_and_the_fix_of_each_known_bounce, 0,
			    (int)(sizeof(explain_cases) / sizeof(explain_cases[0])));
	suite_add_tcase(s, tc);
	return s;
}
