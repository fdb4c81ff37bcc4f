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
#include <arpa/inet.h>
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
	{ " [0.0.", "h=", "Exim: a port written as a host",
	  "Exim connected to a \"host\" that is a port number (H=587 [0.0.2.75]): a smarthost written "
	  "host:587 with one colon is two hosts to Exim, the host on port 25 and a host named 587.",
	  "write the port with two colons: Debian: dc_smarthost='smtp.provider.example::587' in "
	  "/etc/exim4/update-exim4.conf.conf, then update-exim4.conf and reload Exim; cPanel: the same "
	  "in smarthost_routelist (authalign doctor finds the line)" },
	{ "connection timed out", NULL, "Exim: connection timed out",
	  "This host could not reach the destination's mail server: the connection to its port 25 timed "
	  "out. Most often the provider blocks outgoing port 25 (cloud and home providers do by default); "
	  "else the destination's host is down or filtered.",
	  "test from this host: nc -vz -w 10 MX-HOST 25 (the host is in the log line's H=); if it fails for "
	  "every destination, ask the provider to open outgoing port 25, or send through a smarthost on "
	  "port 587: dc_eximconfig_configtype='smarthost' and dc_smarthost='smtp.provider.example::587' "
	  "(Debian), with the login in /etc/exim4/passwd.client" },
	{ "network is unreachable", NULL, "Exim: network is unreachable",
	  "This host has no route to the destination's address: most often an IPv6 address (the "
	  "destination publishes AAAA records) on a host without working IPv6.",
	  "give the host working IPv6, or have Exim use IPv4 only: a line disable_ipv6 = true in "
	  "/etc/exim4/exim4.conf.localmacros (Debian), then update-exim4.conf and reload Exim" },
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
	char sender[DOMAIN_MAX + 1];	/* the sending domain the text names, or "" */
	char address[INET6_ADDRSTRLEN];	/* the sending address the reply names, or "" */
	int log_line;			/* an Exim log line: its own F=<> or no sender */
};

#define EXPLAIN_PIECES_MAX 16	/* failed recipients explained of one text */
#define EXPLAIN_PARTS_MAX 64	/* parts read (a bounce's intro is parts too) */

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

/* The domain name at p (letters, digits, '.', '-', at least one dot),
 * lower-cased into out; "" when there is none. */
static void take_domain(const char *p, char *out, size_t size)
{
	const char *end = p;

	out[0] = '\0';
	while (aa_is_alnum((unsigned char)*end) || *end == '.' || *end == '-')
		end++;
	while (end > p && end[-1] == '.')
		end--;
	if (end == p || (size_t)(end - p) >= size || memchr(p, '.', (size_t)(end - p)) == NULL)
		return;
	for (size_t i = 0; i < (size_t)(end - p); i++)
		out[i] = (char)aa_lower((unsigned char)p[i]);
	out[end - p] = '\0';
}

/* The domain of the first address at or after p ("user@domain"), within
 * the same word run (up to a '>' or the end). */
static void address_domain(const char *p, char *out, size_t size)
{
	const char *at = p, *stop = strchr(p, '>');

	out[0] = '\0';
	while (*at != '\0' && *at != '@' && (stop == NULL || at < stop))
		at++;
	if (*at == '@')
		take_domain(at + 1, out, size);
}

/* The recipient's domain: after Exim's "** ", a "RCPT TO:<", or a DSN's
 * "Final-Recipient: rfc822;"; else the first address in the text. */
static void recipient_domain(const char *t, char *out, size_t size)
{
	static const char *const marks[] = {
		"** ", "rcpt to:<", "rejected rcpt <", "final-recipient: rfc822;", "original-recipient: rfc822;",
	};
	const char *p = NULL;

	for (size_t i = 0; p == NULL && i < sizeof(marks) / sizeof(marks[0]); i++)
		if ((p = find_nocase(t, marks[i])) != NULL)
			p += strlen(marks[i]);
	if (p == NULL)
		p = t;
	while (*p == ' ' || *p == '<')
		p++;
	address_domain(p, out, size);
}

/* The sending domain the text names: Exim's F=<sender>, or the one a
 * receiver names in its reply (Microsoft's "sending domain [X]", Gmail's
 * "email from X is not accepted", "DMARC policy for X"). */
static void sender_domain(const char *t, char *out, size_t size)
{
	static const char *const marks[] = {
		"sending domain [", "sending domain ", "unauthenticated email from ", "dmarc policy for ",
	};
	const char *p;

	out[0] = '\0';
	if ((p = find_nocase(t, " F=<")) != NULL) {
		address_domain(p + 4, out, size);
		if (out[0] != '\0')
			return;
	}
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]) && out[0] == '\0'; i++)
		if ((p = find_nocase(t, marks[i])) != NULL)
			take_domain(p + strlen(marks[i]), out, size);
}

/* The first IPv4 or IPv6 address the reply names ("[203.0.113.10]", or a
 * bare dotted quad), into out; "" when none. */
static void reply_address(const char *r, char *out, size_t size)
{
	unsigned char bin[16];
	char tok[INET6_ADDRSTRLEN + 1];

	out[0] = '\0';
	for (const char *p = r; *p != '\0'; p++) {
		size_t n;
		int bracket = *p == '[';

		if (!bracket && !(aa_is_digit((unsigned char)*p) && (p == r || !(aa_is_alnum((unsigned char)p[-1]) ||
								   p[-1] == '.' || p[-1] == ':'))))
			continue;
		n = bracket ? strcspn(p + 1, "]") : strspn(p, "0123456789.");
		if (n == 0 || n >= sizeof(tok))
			continue;
		memcpy(tok, p + bracket, n);
		tok[n] = '\0';
		if ((inet_pton(AF_INET, tok, bin) == 1 || (bracket && inet_pton(AF_INET6, tok, bin) == 1)) &&
		    n < size) {
			memcpy(out, tok, n + 1);
			return;
		}
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
	static const char *const marks[] = { "diagnostic-code: smtp;", " said: ", "reported error: ",
					     "remote server returned '" };
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
		"\nOriginal message headers:", "----- Original message -----",
	};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		char *p = (char *)find_nocase(raw, marks[i]);

		if (p != NULL)
			*p = '\0';
	}
}

/* One failed recipient's part of the text: what it says. */
static void recognise(const char *raw, struct found *f)
{
	const char *r;
	char *t, *excerpt;

	memset(f, 0, sizeof(*f));
	if ((t = fold(raw, strlen(raw))) == NULL)
		return;
	recipient_domain(t, f->domain, sizeof(f->domain));
	sender_domain(t, f->sender, sizeof(f->sender));
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
	if (f->reply.text != NULL)
		reply_address(f->reply.text, f->address, sizeof(f->address));
	f->source = "reply";
	/* the reply's text points into excerpt: only code and status are kept */
	f->reply.text = NULL;
	f->reply.len = 0;
	free(excerpt);
}

/* 1 when s holds a reply code at the start of a line or after ": " */
static int holds_code(const char *s)
{
	for (const char *p = s; *p != '\0'; p++)
		if ((p == s || p[-1] == '\n' || p[-1] == ' ' || p[-1] == '\t') && starts_with_code(p))
			return 1;
	return 0;
}

/* 1 when piece says something to explain: a reply, or Exim's own words */
static int telling(const char *piece)
{
	if (reply_start(piece) != NULL || holds_code(piece))
		return 1;
	for (size_t i = 0; i < sizeof(exim_own) / sizeof(exim_own[0]); i++)
		if (find_nocase(piece, exim_own[i].phrase) != NULL)
			return 1;
	return 0;
}

/* 1 when line starts with an Exim log time stamp "YYYY-MM-DD HH:MM:SS" */
static int log_line(const char *line)
{
	static const char shape[] = "dddd-dd-dd dd:dd:dd";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? !aa_is_digit((unsigned char)line[i]) : line[i] != shape[i])
			return 0;
	return 1;
}

/* 1 when line is a bounce's failed address: two spaces, then one word
 * holding '@' ("  bob@example.org", or "  <bob@example.org>") */
static int address_line(const char *line)
{
	const char *w = line + 2, *end;

	if (line[0] != ' ' || line[1] != ' ' || *w == ' ' || *w == '\t' || *w == '\n' || *w == '\0')
		return 0;
	end = w + strcspn(w, " \t\r\n");
	if (memchr(w, '@', (size_t)(end - w)) == NULL)
		return 0;
	end += strspn(end, " \t\r");
	return *end == '\n' || *end == '\0';
}

/* text cut in place into the failed recipients' parts: paragraphs (a
 * blank line ends one), each failed address of a bounce with the lines
 * under it (Exim lists them with or without a blank line between), and
 * each Exim log line. Returns how many, at most max. */
static size_t split_pieces(char *text, char **pieces, size_t max)
{
	size_t n = 0;
	char *line = text;

	while (*line != '\0') {
		char *eol = strchr(line, '\n'), *s = line;

		while (*s == ' ' || *s == '\t')
			s++;
		if (s == eol || *s == '\0') {		/* blank: a piece ends */
			if (eol == NULL)
				break;
			*eol = '\0';
			line = eol + 1;
			continue;
		}
		if (n == 0 || line == text || line[-1] == '\0' || log_line(line) || address_line(line)) {
			if (line != text && line[-1] == '\n')
				line[-1] = '\0';
			if (n < max)
				pieces[n] = line;
			n++;	/* counted past max: "more not shown" */
		}
		if (eol == NULL)
			break;
		line = eol + 1;
	}
	return n;
}

static int same(const struct found *a, const struct found *b)
{
	return a->own == b->own && a->reply.code == b->reply.code && strcmp(a->reply.status, b->reply.status) == 0 &&
	       a->x.rule == b->x.rule && strcmp(a->domain, b->domain) == 0 && strcmp(a->sender, b->sender) == 0;
}

/* Every failed recipient's explanation, the same one once; the whole text
 * as one when no part tells anything. Returns how many, 1 at least; the
 * parts past EXPLAIN_PIECES_MAX, not read, in *more_r. */
static size_t recognise_all(char *text, struct found *found, size_t max, size_t *more_r)
{
	char *pieces[EXPLAIN_PARTS_MAX], *whole = strdup(text);
	size_t n = 0, count;

	cut_returned_message(text);
	if (whole != NULL)
		cut_returned_message(whole);
	count = split_pieces(text, pieces, EXPLAIN_PARTS_MAX);
	*more_r = 0;
	for (size_t i = 0; i < count; i++) {
		int dup = 0;

		if (i >= EXPLAIN_PARTS_MAX || (n >= max && telling(pieces[i]))) {
			*more_r += i >= EXPLAIN_PARTS_MAX || telling(pieces[i]);
			continue;
		}
		if (!telling(pieces[i]))
			continue;
		recognise(pieces[i], &found[n]);
		found[n].log_line = log_line(pieces[i]);
		for (size_t k = 0; k < n && !dup; k++)
			dup = same(&found[k], &found[n]);
		n += !dup;
	}
	if (n == 0)
		recognise(whole != NULL ? whole : "", &found[n++]);
	/* a sender named anywhere (a log line's F=<>) counts for every part */
	if (whole != NULL) {
		char sender[DOMAIN_MAX + 1], *t = fold(whole, strlen(whole));

		if (t != NULL) {
			sender_domain(t, sender, sizeof(sender));
			for (size_t i = 0; i < n; i++)
				if (found[i].sender[0] == '\0' && !found[i].log_line)
					snprintf(found[i].sender, sizeof(found[i].sender), "%s", sender);
			free(t);
		}
	}
	free(whole);
	return n;
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
	if (f->sender[0] != '\0')
		tool_line(stdout, "sender: %s (authalign doctor --domain %s checks its records and this host)",
			  f->sender, f->sender);
	if (f->address[0] != '\0')
		tool_line(stdout, "address: %s (the sending address the receiver names)", f->address);
}

static void json_found(struct json *j, const struct found *f)
{
	json_str(j, "source", f->source);
	json_int(j, "code", f->own != NULL ? 0 : f->reply.code);
	json_str(j, "status", f->own == NULL && f->reply.status[0] != '\0' ? f->reply.status : NULL);
	json_str(j, "class", f->own != NULL ? "exim" : aa_fb_class_name(f->x.class));
	json_str(j, "rule", f->own != NULL ? f->own->name : f->x.rule);
	json_str(j, "meaning", f->own != NULL ? f->own->meaning : f->x.meaning);
	json_str(j, "fix", f->own != NULL ? f->own->fix : f->x.fix);
	json_str(j, "domain", f->domain[0] != '\0' ? f->domain : NULL);
	json_str(j, "sender_domain", f->sender[0] != '\0' ? f->sender : NULL);
	json_str(j, "address", f->address[0] != '\0' ? f->address : NULL);
}

static void print_json(const struct found *f, size_t n, size_t more, int code)
{
	struct json j;

	json_start(&j, stdout);
	json_str(&j, "command", "explain");
	json_found(&j, &f[0]);
	json_open(&j, "results", '[');
	for (size_t i = 0; i < n; i++) {
		json_open(&j, NULL, '{');
		json_found(&j, &f[i]);
		json_close(&j);
	}
	json_close(&j);
	json_int(&j, "results_not_read", (long long)more);
	json_int(&j, "exit", code);
	json_finish(&j);
}

int tool_explain(const struct tool_out *o, const char *config, const char *zone, int argc, char **argv)
{
	struct found *f = calloc(EXPLAIN_PIECES_MAX, sizeof(*f));
	char *raw = NULL, *t;
	size_t len = 0, n, more = 0;
	int code = TOOL_EXIT_OK;

	if (f == NULL)
		return tool_fail(o, TOOL_EXIT_USAGE, "explain: out of memory");
	if (argc > 0) {
		for (int i = 0; i < argc; i++)
			len += strlen(argv[i]) + 1;
		if ((raw = malloc(len + 1)) == NULL) {
			free(f);
			return tool_fail(o, TOOL_EXIT_USAGE, "explain: out of memory");
		}
		raw[0] = '\0';
		for (int i = 0; i < argc; i++) {
			strcat(raw, argv[i]);
			strcat(raw, " ");
		}
	} else if ((raw = tool_read_all(stdin, &len)) == NULL) {
		free(f);
		return tool_fail(o, TOOL_EXIT_USAGE, "explain: cannot read the text");
	}
	if ((t = clean(raw, len > EXPLAIN_TEXT_MAX ? EXPLAIN_TEXT_MAX : len)) == NULL) {
		free(raw);
		free(f);
		return tool_fail(o, TOOL_EXIT_USAGE, "explain: out of memory");
	}
	free(raw);
	n = recognise_all(t, f, EXPLAIN_PIECES_MAX, &more);
	free(t);
	for (size_t i = 0; i < n; i++)
		if (!known(&f[i]))
			code = TOOL_EXIT_FAIL;
	if (o->json) {
		print_json(f, n, more, code);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (n > 1 && i > 0)
				printf("\n");
			if (n > 1)
				tool_line(stdout, "== %zu of %zu%s%s ==", i + 1, n, f[i].domain[0] != '\0' ? ": " : "",
					  f[i].domain);
			print_words(&f[i]);
		}
		if (more > 0)
			printf("\n(%zu more parts not read: explain them on their own)\n", more);
		/* the sender's records and this host, when it sends for that domain */
		if (f[0].sender[0] != '\0') {
			fflush(stdout);
			printf("\n");
			if (tool_doctor_run(o, config, zone, f[0].sender, 1, 0, NULL) < 0)
				printf("(this host does not send for %s: authalign doctor --domain %s checks its "
				       "records all the same)\n", f[0].sender, f[0].sender);
		}
	}
	free(f);
	return code;
}
