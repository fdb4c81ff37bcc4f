/* explain.c - `authalign explain`: what a bounce, a DSN or an Exim log
 * line means and what to do about it.
 *
 * The text is folded first (every run of white space one space: a bounce
 * wraps the reply over lines). Exim's own failures, which no destination
 * said (a host set up for local delivery only, an address no router
 * takes, MX hosts that do not exist, this host refusing to relay for a
 * client), are recognised by their words; otherwise the destination's
 * reply is found (after Exim's "SMTP error from remote mail server after
 * ...:", a DSN's "Diagnostic-Code: smtp;", another MTA's "said:", or the
 * first reply code) and explained by the feedback module's rules
 * (aa_feedback.h), the ones the closed loop classifies replies with.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_feedback.h"
#include "json.h"
#include "tool.h"

#define EXPLAIN_TEXT_MAX 65536	/* bytes of input read */
#define DOMAIN_MAX 255

/* Exim's own failures, matched in the folded, lower-cased text. */
static const struct exim_own {
	const char *phrase, *also;	/* also: a second phrase that must be there too, or NULL */
	const char *name, *meaning, *fix;
} exim_own[] = {
	{ "mailing to remote domains not supported", NULL, "Exim: local delivery only",
	  "This host's Exim is set up for local delivery only: Debian's configuration type \"local "
	  "delivery only; not on a network\" fails every address at another domain.",
	  "run dpkg-reconfigure exim4-config and choose \"internet site\" (or \"mail sent by smarthost\"); "
	  "or set dc_eximconfig_configtype='internet' in /etc/exim4/update-exim4.conf.conf, then run "
	  "update-exim4.conf and reload Exim" },
	{ "all relevant mx records point to non-existent hosts", NULL, "Exim: MX hosts do not exist",
	  "The recipient domain's MX records name hosts that do not resolve, or resolve only to "
	  "addresses Exim ignores (such as 127.0.0.1).",
	  "check with dig MX DOMAIN and dig A (and AAAA) of each name; the domain's owner must fix its "
	  "MX records. If the name is your smarthost's: a port is written host::587 in Debian's "
	  "dc_smarthost (two colons: with one, Exim takes 587 for a second host)" },
	{ "unrouteable address", NULL, "Exim: unrouteable address",
	  "No router of this host's Exim took the address: the domain does not exist in DNS, it is a "
	  "local domain without that user, or a smarthost route list does not match it.",
	  "run exim -bt ADDRESS to see each router and why it declines; check the domain's DNS; in a "
	  "smarthost setup check dc_smarthost (hosts separated by ':', a port as host::587)" },
	{ "retry timeout exceeded", NULL, "Exim: retry timeout exceeded",
	  "Exim tried to deliver for its whole retry time (Debian's default: up to 4 days) and gave up: "
	  "every try was deferred, for the reasons its earlier log lines give.",
	  "exigrep MESSAGE-ID /var/log/exim4/mainlog shows each try; give its \"==\" line to authalign explain "
	  "for the cause" },
	{ "relay not permitted", "rejected rcpt", "Exim: relay not permitted (this host)",
	  "This host's Exim refused to relay for a client: the client is neither authenticated nor in "
	  "relay_from_hosts, and the recipient's domain is not one this host handles.",
	  "have the client authenticate (SMTP AUTH on port 587); add only your own networks to "
	  "relay_from_hosts (Debian: dc_relay_nets); a domain this host receives for belongs in "
	  "dc_other_hostnames or dc_relay_domains" },
};

struct found {
	const char *source;		/* "exim" or "reply" */
	const struct exim_own *own;
	struct aa_fb_reply reply;
	struct aa_fb_explanation x;
	char domain[DOMAIN_MAX + 1];	/* the recipient's domain, or "" */
};

/* text folded into a NUL-terminated copy: white space runs one space,
 * control bytes '?' */
static char *fold(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (aa_is_space(c))
			c = ' ';
		else if (c < 0x20 || c == 0x7f)
			c = '?';
		if (c == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* text as a C string: NUL bytes '?', "\r\n" a newline, at most len bytes */
static char *clean(const char *text, size_t len)
{
	char *out = malloc(len + 1);
	size_t o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			continue;
		out[o++] = text[i] == '\0' ? '?' : text[i];
	}
	out[o] = '\0';
	return out;
}

/* strstr without case: the first place of needle (lower case) in s, or NULL */
static const char *find_nocase(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, needle, n) == 0)
			return s;
	return NULL;
}

/* The recipient's domain: after Exim's "** ", a "RCPT TO:<", or a DSN's
 * "Final-Recipient: rfc822;"; else the first address in the text. */
static void recipient_domain(const char *t, char *out, size_t size)
{
	static const char *const marks[] = {
		"** ", "rcpt to:<", "rejected rcpt <", "final-recipient: rfc822;", "original-recipient: rfc822;",
	};
	const char *p = NULL, *at, *end;

	out[0] = '\0';
	for (size_t i = 0; p == NULL && i < sizeof(marks) / sizeof(marks[0]); i++)
		if ((p = find_nocase(t, marks[i])) != NULL)
			p += strlen(marks[i]);
	if (p == NULL)
		p = t;
	while (*p == ' ' || *p == '<')
		p++;
	if ((at = strchr(p, '@')) == NULL)
		return;
	at++;
	end = at;
	while (aa_is_alnum((unsigned char)*end) || *end == '.' || *end == '-')
		end++;
	while (end > at && end[-1] == '.')
		end--;
	if (end > at && (size_t)(end - at) < size) {
		for (size_t i = 0; i < (size_t)(end - at); i++)
			out[i] = (char)aa_lower((unsigned char)at[i]);
		out[end - at] = '\0';
	}
}

/* The last place of needle (any case) in s, or NULL. */
static const char *find_last_nocase(const char *s, const char *needle)
{
	const char *last = NULL, *p;

	while ((p = find_nocase(s, needle)) != NULL) {
		last = p;
		s = p + 1;
	}
	return last;
}

/* Where the destination's reply starts in the raw text, or NULL (none
 * found). Exim's own words are the last of their kind: an address
 * written before them (a quoted local part) cannot stand in for them. */
static const char *reply_start(const char *raw)
{
	static const char *const marks[] = { "diagnostic-code: smtp;", " said: " };
	const char *p;

	if ((p = find_last_nocase(raw, "SMTP error from remote mail server after ")) != NULL)
		return p;	/* aa_fb_reply_parse skips the command Exim echoes */
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if ((p = find_nocase(raw, marks[i])) != NULL)
			return p + strlen(marks[i]);
	return NULL;
}

/* 1 when s starts with a reply code and its separator ("550 ", "550-"). */
static int starts_with_code(const char *s)
{
	return (s[0] == '4' || s[0] == '5') && aa_is_digit((unsigned char)s[1]) &&
	       aa_is_digit((unsigned char)s[2]) && (s[3] == ' ' || s[3] == '-');
}

/* The reply alone, from p (in the raw text) to its end: the lines that go
 * on with it (indented in a bounce, or a further "550-" line), not the
 * blank line or what follows (the returned message). Lines are trimmed
 * and joined by a space, but a further reply line keeps its newline (the
 * classifier takes off its "550-5.7.26 " prefix). malloc()ed, or NULL. */
static char *reply_excerpt(const char *p)
{
	size_t cap = strlen(p) + 1, o = 0;
	char *out = malloc(cap);
	int first = 1, have_code = 0;

	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		const char *eol = strchr(p, '\n'), *s = p;
		size_t len;

		if (eol == NULL)
			eol = p + strlen(p);
		if (!first) {
			if (*p != ' ' && *p != '\t' && !starts_with_code(p))
				break;	/* a line of its own: not the reply's */
			while (*s == ' ' || *s == '\t')
				s++;
			if (s == eol)
				break;	/* a blank line ends it */
			out[o++] = have_code && starts_with_code(s) ? '\n' : ' ';
		}
		len = (size_t)(eol - s);
		memcpy(out + o, s, len);
		o += len;
		for (size_t i = 0; i + 3 < len && !have_code; i++)
			have_code = (i == 0 || s[i - 1] == ' ') && starts_with_code(s + i);
		first = 0;
		p = *eol == '\n' ? eol + 1 : eol;
	}
	out[o] = '\0';
	return out;
}

/* The raw text ends where the copy of the message begins: its words are
 * the sender's, never the reply's nor Exim's. */
static void cut_returned_message(char *raw)
{
	static const char *const marks[] = {
		"------ This is a copy of the message", "------ The body of the message",
		"\nContent-Type: message/rfc822", "\nContent-Type: text/rfc822-headers",
	};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		char *p = (char *)find_nocase(raw, marks[i]);

		if (p != NULL)
			*p = '\0';
	}
}

static void recognise(char *raw, struct found *f)
{
	const char *r;
	char *t, *excerpt;

	memset(f, 0, sizeof(*f));
	cut_returned_message(raw);
	if ((t = fold(raw, strlen(raw))) == NULL)
		return;
	recipient_domain(t, f->domain, sizeof(f->domain));
	r = reply_start(raw);
	/* Exim's own failures, when no destination's reply is there (a remote
	 * Exim's "550 Unrouteable address" is the destination's) */
	for (size_t i = 0; r == NULL && i < sizeof(exim_own) / sizeof(exim_own[0]); i++)
		if (find_nocase(t, exim_own[i].phrase) != NULL &&
		    (exim_own[i].also == NULL || find_nocase(t, exim_own[i].also) != NULL)) {
			f->source = "exim";
			f->own = &exim_own[i];
			free(t);
			return;
		}
	free(t);
	excerpt = reply_excerpt(r != NULL ? r : raw);
	aa_fb_reply_parse(excerpt != NULL ? excerpt : "", excerpt != NULL ? strlen(excerpt) : 0, &f->reply);
	aa_fb_explain(&f->reply, &f->x);
	f->source = "reply";
	/* the reply's text points into excerpt: only code and status are kept */
	f->reply.text = NULL;
	f->reply.len = 0;
	free(excerpt);
}

static int known(const struct found *f)
{
	return f->own != NULL || (f->x.class != AA_FB_NONE && strcmp(f->x.rule, "no rule") != 0);
}

static void print_words(const struct found *f)
{
	if (f->own != NULL) {
		tool_line(stdout, "found:  %s", f->own->name);
		tool_line(stdout, "means:  %s", f->own->meaning);
		tool_line(stdout, "do:     %s", f->own->fix);
	} else {
		if (f->reply.code != 0)
			tool_line(stdout, "found:  reply %d%s%s", f->reply.code, f->reply.status[0] != '\0' ? " " : "",
				  f->reply.status);
		else
			tool_line(stdout, "found:  no reply code");
		tool_line(stdout, "class:  %s (%s)", aa_fb_class_name(f->x.class), f->x.rule);
		tool_line(stdout, "means:  %s%s", f->reply.code / 100 == 4 ? "Deferred for now (a 4xx: Exim tries again "
			  "until its retry time runs out). " : "", f->x.meaning);
		tool_line(stdout, "do:     %s", f->x.fix);
	}
	if (f->domain[0] != '\0')
		tool_line(stdout, "domain: %s (authalign predict SENDER %s < message shows this host's plan for it)",
			  f->domain, f->domain);
}

static void print_json(const struct found *f, int code)
{
	struct json j;

	json_start(&j, stdout);
	json_str(&j, "command", "explain");
	json_str(&j, "source", f->source);
	json_int(&j, "code", f->own != NULL ? 0 : f->reply.code);
	json_str(&j, "status", f->own == NULL && f->reply.status[0] != '\0' ? f->reply.status : NULL);
	json_str(&j, "class", f->own != NULL ? "exim" : aa_fb_class_name(f->x.class));
	json_str(&j, "rule", f->own != NULL ? f->own->name : f->x.rule);
	json_str(&j, "meaning", f->own != NULL ? f->own->meaning : f->x.meaning);
	json_str(&j, "fix", f->own != NULL ? f->own->fix : f->x.fix);
	json_str(&j, "domain", f->domain[0] != '\0' ? f->domain : NULL);
	json_int(&j, "exit", code);
	json_finish(&j);
}

int tool_explain(const struct tool_out *o, int argc, char **argv)
{
	struct found f;
	char *raw = NULL, *t;
	size_t len = 0;
	int code;

	if (argc > 0) {
		for (int i = 0; i < argc; i++)
			len += strlen(argv[i]) + 1;
		if ((raw = malloc(len + 1)) == NULL)
			return tool_fail(o, TOOL_EXIT_USAGE, "explain: out of memory");
		raw[0] = '\0';
		for (int i = 0; i < argc; i++) {
			strcat(raw, argv[i]);
			strcat(raw, " ");
		}
	} else if ((raw = tool_read_all(stdin, &len)) == NULL) {
		return tool_fail(o, TOOL_EXIT_USAGE, "explain: cannot read the text");
	}
	if ((t = clean(raw, len > EXPLAIN_TEXT_MAX ? EXPLAIN_TEXT_MAX : len)) == NULL) {
		free(raw);
		return tool_fail(o, TOOL_EXIT_USAGE, "explain: out of memory");
	}
	free(raw);
	recognise(t, &f);
	free(t);
	code = known(&f) ? TOOL_EXIT_OK : TOOL_EXIT_FAIL;
	if (o->json)
		print_json(&f, code);
	else
		print_words(&f);
	return code;
}
