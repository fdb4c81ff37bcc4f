/* help.c - what authalign(8) says about itself: the commands, their
 * arguments, what they print and their exit status, for --help,
 * `help COMMAND` and `COMMAND --help`, in words or in JSON. */
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "tool.h"

#define UNKNOWN_NAME_MAX 64	/* an unknown command is cut to this */

static const char *const exit_general[TOOL_EXIT_COUNT] = {
	"ok, or an answer",
	"usage or settings error (bad arguments, unreadable or refused settings)",
	"temporary failure (DNS, the feedback store): try again later",
	"a fail result, or the message would be refused",
};

static const struct tool_command commands[] = {
	{ "check-config", "FILE", 1, 1, 0,
	  "Check a settings file, its per-domain table and the outbound files it names.",
	  "  FILE          the settings file (authalign.conf(5))\n",
	  "A line for the outbound side, one per route, the warnings, then the verdict\n"
	  "last: \"FILE: ok (...)\" or \"FILE: not ok (...)\". A refused value is named\n"
	  "with its file, line and the values allowed.",
	  "command file ok errors warnings mode domain_entries outbound exit",
	  { "the settings can be used (there may be warnings)", "they cannot: unreadable, a refused value, "
	    "a route host that does not resolve, a DKIM key problem (a missing or keyless key file; "
	    "its record missing, revoked or holding another key); or bad arguments", NULL, NULL } },
	{ "spf", "IP HELO SENDER", 3, 3, 1,
	  "Evaluate SPF (RFC 7208) for a client, its HELO name and its envelope sender.",
	  "  IP            the client's address, IPv4 (192.0.2.1) or IPv6 (2001:db8::1)\n"
	  "  HELO          the name it gave in HELO/EHLO\n"
	  "  SENDER        the MAIL FROM address; \"\" for the null sender (then the HELO\n"
	  "                identity counts)\n",
	  "The result word, then identity, domain, mechanism and reason, then the HELO result.",
	  "command ip helo sender result identity domain mechanism reason explanation helo_spf exit",
	  { "pass, neutral or none", "bad arguments or settings", "temperror",
	    "fail, softfail or permerror (the sender is not authorized, or its record is broken)" } },
	{ "dmarc", "DOMAIN", 1, 1, 1,
	  "Look up the DMARC policy that applies to an author (From) domain.",
	  "  DOMAIN        the From domain\n",
	  "\"policy=P domain=D org=O\" and the record, or \"none (why)\", or \"temperror (why)\".",
	  "command domain result policy policy_domain org_domain record reason exit",
	  { "an answer: a policy, or none", "bad arguments or settings", "temperror", NULL } },
	{ "orgdomain", "DOMAIN [rfc9989|rfc7489]", 1, 2, 1,
	  "Find the organizational domain of a domain.",
	  "  DOMAIN        a domain name\n"
	  "  MODE          rfc9989 (the DNS tree walk) or rfc7489 (the Public Suffix List);\n"
	  "                default: dmarc_mode of the settings (rfc9989)\n",
	  "The organizational domain, or \"none\" for a public suffix (rfc7489).",
	  "command domain mode result org_domain exit",
	  { "an answer: the organizational domain, or none", "bad arguments or settings, or DOMAIN is "
	    "not a domain name", "temperror", NULL } },
	{ "verify", "IP HELO SENDER < MESSAGE", 3, 3, 1,
	  "Judge a message (standard input) as the plugin would at SMTP time.",
	  "  IP HELO SENDER  the client, as for spf\n"
	  "  MESSAGE         the message on standard input: header, blank line, body\n",
	  "The Authentication-Results header authalign would add, then the action\n"
	  "(accept, quarantine-header, freeze, \"reject 5.7.1 ...\", \"defer 4.7.5 ...\").",
	  "command ip helo sender spf spf_helo dkim from dmarc mode authentication_results action "
	  "smtp_text exit",
	  { "accepted (also with a quarantine header or frozen)", "bad arguments, settings or input",
	    "deferred (a temporary failure)", "rejected" } },
	{ "predict", "SENDER RCPT_DOMAIN < MESSAGE", 2, 2, 1,
	  "Predict what a destination concludes about an outgoing message, and the plan.",
	  "  SENDER        the envelope sender; \"\" for the null sender\n"
	  "  RCPT_DOMAIN   the recipient's domain (its MX is looked up)\n"
	  "  MESSAGE       the message on standard input\n"
	  "  (the settings, -c CONFIG, must give outbound_egress)\n",
	  "One line per candidate the planner judged, in its order (direct, sign, rewrite,\n"
	  "smarthost:NAME and combinations such as smarthost:NAME+sign): pass, junk,\n"
	  "refused, temp or avoided, with the profile, the address and the reason; then\n"
	  "\"plan: step=... outcome=...\".",
	  "command sender rcpt_domain from_domain mode key steps plan exit",
	  { "the plan delivers", "bad arguments, settings or input", "the plan is temp (it would defer)",
	    "the plan refuses, or nothing passes (it would bounce)" } },
	{ "status", "", 0, 0, TOOL_SETTINGS_ONLY,
	  "List what the destinations' replies taught (the outbound feedback store).",
	  "  (none; -c CONFIG names the store: outbound_feedback_file or\n"
	  "  outbound_feedback_postgresql)\n",
	  "One entry a line: destination, class, From domain (\"*\": every one), route,\n"
	  "egress, since, until, count (and avoid=yes when the class concerns the route), then\n"
	  "the last reply; last \"N entries (STORE)\". A store not made yet has none.",
	  "command store entries count exit",
	  { "listed (maybe nothing)", "bad arguments or settings", "the store cannot be read (locked, "
	    "unreachable, broken): try again", NULL } },
	{ "forget", "DESTINATION [FROM-DOMAIN]", 1, 2, TOOL_SETTINGS_ONLY,
	  "Clear what was learned about a destination (all of it, or one From domain's).",
	  "  DESTINATION   the profile or MX name status shows\n"
	  "  FROM-DOMAIN   only this From domain's entries (\"*\": the block list ones)\n",
	  "\"forgot N entries of DESTINATION\" (\"... from FROM-DOMAIN\" when one is given).",
	  "command destination from_domain store forgotten exit",
	  { "done (maybe nothing was there)", "bad arguments or settings", "the store cannot be "
	    "written (locked, unreachable, broken): try again", NULL } },
	{ "doctor", "[ROOT] [--domain D]", 0, 1, 1,
	  "Read this host's Exim, cPanel and DNS setup (read only): what will bounce, and the fix.",
	  "  ROOT          where the files are (default /): a copy of a host's files; then\n"
	  "                Exim is asked only when AUTHALIGN_EXIM names the command\n"
	  "  --domain D    check this one domain (else every domain the host sends for)\n",
	  "\"== this host ==\", then \"== domain D ==\" for each domain: one finding a line,\n"
	  "\"WHERE: bounce [CODE]: ...\" or \"WHERE: warning: ...\", each with \"fix:\";\n"
	  "\"verdict: RECEIVER, VIA: inbox|junk|refused STATUS: why\" for Microsoft 365,\n"
	  "Outlook.com and Gmail; then \"doctor: N findings that bounce mail, M warnings,\n"
	  "K verdicts refused (...)\".",
	  "command root groups files_read domains_checked domains_not_checked bounce warnings refused refused_bulk_only undecided exit",
	  { "nothing found that bounces mail (there may be warnings)", "bad arguments, or nothing was found "
	    "to check under ROOT", "nothing found that bounces mail, but a check could not run (a DNS "
	    "temporary failure): run it again",
	    "something will bounce mail: a finding, or a receiver's verdict" } },
	{ "explain", "[TEXT...] (or < TEXT)", 0, 64, 1,
	  "Say what a bounce, a DSN or an Exim log line means, and what to do.",
	  "  TEXT          the reply, the bounce or the log line; none: standard input\n",
	  "\"found:\" what was recognised (a reply code and status, or Exim's own failure),\n"
	  "\"class:\", \"means:\" and \"do:\"; the recipient domain, the sending domain and the\n"
	  "sending address when the text names them; \"== N of M ==\" before each failed\n"
	  "recipient when there are several. When this host sends for the sending domain,\n"
	  "doctor's report on it follows (-c: the settings that say so).",
	  "command source code status class rule meaning fix domain sender_domain address results results_not_read exit",
	  { "explained", "bad arguments, or the text cannot be read", NULL,
	    "something in it is not known: no reply code, or a reply no rule knows" } },
	{ "help", "[COMMAND]", 0, 1, 0,
	  "Describe the commands, or one command.",
	  "  COMMAND       one of the commands\n",
	  "The usage, or one command's arguments, output and exit status.",
	  "command topic usage summary arguments prints json_keys commands exit_status exit",
	  { "described", "COMMAND is not a command", NULL, NULL } },
};

#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

const struct tool_command *tool_command_find(const char *name)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

void tool_command_names(char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < COMMAND_COUNT && len < size; i++) {
		int n = snprintf(buf + len, size - len, "%s%s", i > 0 ? " " : "", commands[i].name);

		if (n < 0)
			break;
		len += (size_t)n;
	}
}

int tool_unknown_command(const char *name, int json)
{
	struct tool_out o = { .command = NULL, .json = json };
	char names[256];

	tool_command_names(names, sizeof(names));
	return tool_fail(&o, TOOL_EXIT_USAGE, "unknown command '%.*s' (commands: %s; authalign --help)",
			 (int)strnlen(name, UNKNOWN_NAME_MAX), name, names);
}

static void usage_line(FILE *out, const struct tool_command *c)
{
	fprintf(out, "authalign %s%s%s%s", c->dns == TOOL_SETTINGS_ONLY ? "[-c CONFIG] " : c->dns ?
		"[-z ZONEFILE] [-c CONFIG] " : "", c->name, c->args[0] != '\0' ? " " : "", c->args);
}

void tool_usage(FILE *out)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		fputs(i == 0 ? "usage: " : "       ", out);
		usage_line(out, &commands[i]);
		fputc('\n', out);
	}
	fputs("       authalign --help | --version\n"
	      "See authalign(8); settings: authalign.conf(5).\n", out);
}

static void help_general(FILE *out)
{
	tool_usage(out);
	fputs("\nOptions (before or after the command):\n"
	      "  -c CONFIG     settings file (authalign.conf(5)); default: built-in defaults\n"
	      "  -z ZONEFILE   answer DNS from a zone file instead of the system resolver\n"
	      "  --json        print exactly one JSON object on standard output\n"
	      "  -h, --help    this text; `authalign help COMMAND` or `COMMAND --help` for one\n"
	      "  --version     print the version\n"
	      "  --            end of options (for a SENDER that starts with -)\n"
	      "\nCommands:\n", out);
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fputs("\nExit status (each command's: authalign help COMMAND):\n", out);
	for (int e = 0; e < TOOL_EXIT_COUNT; e++)
		fprintf(out, "  %d  %s\n", e, exit_general[e]);
}

/* text, each line indented by two spaces */
static void put_indented(FILE *out, const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (p == text || p[-1] == '\n')
			fputs("  ", out);
		fputc(*p, out);
	}
	fputc('\n', out);
}

static void help_command(FILE *out, const struct tool_command *c)
{
	fputs("usage: ", out);
	usage_line(out, c);
	fprintf(out, "\n\n%s\n\nArguments:\n%s\nPrints:\n", c->summary, c->arguments);
	put_indented(out, c->prints);
	fprintf(out, "\nWith --json (authalign(8), JSON OUTPUT), the keys:\n");
	put_indented(out, c->json_keys);
	fputs("\nExit status:\n", out);
	for (int e = 0; e < TOOL_EXIT_COUNT; e++)
		if (c->exits[e] != NULL)
			fprintf(out, "  %d  %s\n", e, c->exits[e]);
}

static void help_json(FILE *out, const struct tool_command *c)
{
	const char *const *exits = c != NULL ? c->exits : exit_general;
	struct json j;
	char num[2] = "0";

	json_start(&j, out);
	json_str(&j, "command", "help");
	json_str(&j, "topic", c != NULL ? c->name : NULL);
	if (c != NULL) {
		json_str(&j, "summary", c->summary);
		json_str(&j, "arguments", c->arguments);
		json_str(&j, "prints", c->prints);
		json_str(&j, "json_keys", c->json_keys);
	}
	json_open(&j, "commands", '[');
	for (size_t i = 0; i < COMMAND_COUNT; i++) {
		if (c != NULL && c != &commands[i])
			continue;
		json_open(&j, NULL, '{');
		json_str(&j, "name", commands[i].name);
		json_str(&j, "args", commands[i].args);
		json_str(&j, "summary", commands[i].summary);
		json_close(&j);
	}
	json_close(&j);
	json_open(&j, "exit_status", '{');
	for (int e = 0; e < TOOL_EXIT_COUNT; e++) {
		num[0] = (char)('0' + e);
		if (exits[e] != NULL)
			json_str(&j, num, exits[e]);
	}
	json_close(&j);
	json_int(&j, "exit", TOOL_EXIT_OK);
	json_finish(&j);
}

int tool_help(const char *topic, int json)
{
	const struct tool_command *c = NULL;

	if (topic != NULL && (c = tool_command_find(topic)) == NULL)
		return tool_unknown_command(topic, json);
	if (json)
		help_json(stdout, c);
	else if (c != NULL)
		help_command(stdout, c);
	else
		help_general(stdout);
	return TOOL_EXIT_OK;
}
