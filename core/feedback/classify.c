/* classify.c - one SMTP reply from a destination put in one class, by a table of rules.
 *
 * The reply is read from the bytes Exim hands a delivery event (or a bare
 * reply), then its text is folded once into a scratch buffer: lower case,
 * the continuation prefix of each further line of a multi-line reply
 * ("\n550-5.7.26 ", also as the two characters '\' 'n' Exim logs) and
 * every run of white space made one space, so a phrase a receiver wraps
 * across lines still matches. The rules are tried in order, the first
 * that matches wins: the enhanced status where it says enough (RFC 7372
 * and the receivers' own codes), then the phrases receivers write.
 * Only the first AA_FB_SCAN_MAX bytes are read; nothing is allocated.
 */
#include <string.h>
#include "aa_ctype.h"
#include "aa_feedback.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct aa_name class_words[] = {
	{ "none", AA_FB_NONE }, { "dmarc", AA_FB_DMARC }, { "spf", AA_FB_SPF },
	{ "blocklist", AA_FB_BLOCKLIST }, { "relay", AA_FB_RELAY }, { "ratelimit", AA_FB_RATELIMIT },
	{ "unknown_user", AA_FB_UNKNOWN_USER }, { "other", AA_FB_OTHER },
};
const struct aa_names aa_fb_class_names = { class_words, COUNT(class_words) };

const char *aa_fb_class_name(enum aa_fb_class c)
{
	return aa_names_name(&aa_fb_class_names, (int)c, "other");
}

int aa_fb_class_avoids(enum aa_fb_class c)
{
	return c == AA_FB_DMARC || c == AA_FB_SPF || c == AA_FB_BLOCKLIST || c == AA_FB_RELAY;
}

int aa_fb_class_every_from(enum aa_fb_class c)
{
	return c == AA_FB_BLOCKLIST;
}

/* ---- reading the reply ---- */

/* A reply code at s: three digits, 2 to 5 first, then a space, '-' or the end. */
static int code_at(const char *s, size_t len)
{
	if (len < 3 || s[0] < '2' || s[0] > '5' || !aa_is_digit((unsigned char)s[1]) ||
	    !aa_is_digit((unsigned char)s[2]))
		return 0;
	if (len > 3 && s[3] != ' ' && s[3] != '-')
		return 0;
	return (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
}

/* An enhanced status at s (RFC 3463: class "." 1-3 digits "." 1-3
 * digits, not followed by a digit or '.'): its length, or 0. */
static size_t status_at(const char *s, size_t len)
{
	size_t i = 0;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t d = 0;

		while (i + d < len && d < 4 && aa_is_digit((unsigned char)s[i + d]))
			d++;
		if (d == 0 || d > 3)
			return 0;
		i += d;
		if (part == 0) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && (aa_is_digit((unsigned char)s[i]) || s[i] == '.'))
		return 0;
	return i;
}

#define EXIM_PREFIX "SMTP error from remote mail server after "

/* In Exim's "... after RCPT TO:<"a: b"@c> NOTIFY=x: 550 ...", the index
 * just past the ": " that ends the command, skipping every <...> (with
 * its quoted strings and backslash escapes); n when there is none. */
static size_t after_command(const char *d, size_t n, size_t i)
{
	int angle = 0, quote = 0;

	for (; i < n; i++) {
		char c = d[i];

		if (quote) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quote = 0;
		} else if (angle) {
			if (c == '"')
				quote = 1;
			else if (c == '>')
				angle = 0;
		} else if (c == '<') {
			angle = 1;
		} else if (c == ':' && i + 1 < n && d[i + 1] == ' ') {
			return i + 2;
		}
	}
	return n;
}

void aa_fb_reply_parse(const char *data, size_t len, struct aa_fb_reply *r)
{
	size_t n = len > AA_FB_SCAN_MAX ? AA_FB_SCAN_MAX : len, start = 0, i, st;

	memset(r, 0, sizeof(*r));
	r->text = data != NULL ? data : "";
	r->len = data != NULL ? n : 0;
	if (data == NULL)
		return;
	while (start < n && aa_is_space((unsigned char)data[start]))
		start++;
	/* Exim's event text echoes our command first, and a sender writes
	 * what is inside its <address> (a quoted local part may hold ": 550
	 * 5.7.606"): the reply is only what follows the command */
	if (n - start > sizeof(EXIM_PREFIX) - 1 && strncmp(data + start, EXIM_PREFIX, sizeof(EXIM_PREFIX) - 1) == 0) {
		i = after_command(data, n, start + sizeof(EXIM_PREFIX) - 1);
		if (i < n && (r->code = code_at(data + i, n - i)) == 0)
			i = n;
	} else {
		/* the code at the start, or after the first ": " that has one */
		for (i = start; i < n; i++) {
			if (i != start && !(i >= 2 && data[i - 2] == ':' && data[i - 1] == ' '))
				continue;
			if ((r->code = code_at(data + i, n - i)) != 0)
				break;
		}
	}
	if (r->code == 0)
		return;
	r->text = data + i;
	r->len = n - i;
	i += 3;
	if (i < n)
		i++;	/* ' ' or '-' */
	while (i < n && data[i] == ' ')
		i++;
	if ((st = status_at(data + i, n - i)) > 0 && st <= AA_FB_STATUS_MAX) {
		memcpy(r->status, data + i, st);
		r->status[st] = '\0';
	}
}

/* ---- folding the text ---- */

/* At s, the start of a further line's prefix: a code, a separator and
 * maybe an enhanced status with its space. Its length (0: none). */
static size_t continuation_at(const char *s, size_t len)
{
	size_t i, st;

	if (code_at(s, len) == 0)
		return 0;
	i = len > 3 ? 4 : 3;
	if ((st = status_at(s + i, len - i)) > 0) {
		i += st;
		if (i < len && s[i] == ' ')
			i++;
	}
	return i;
}

/* The reply's text from after its code, folded into out (size at least
 * AA_FB_SCAN_MAX + 1, NUL-terminated): its length. */
static size_t fold(const struct aa_fb_reply *r, char *out)
{
	const char *s = r->text;
	size_t len = r->len, i = 0, o = 0;

	if (r->code != 0)
		i = continuation_at(s, len);
	out[o++] = ' ';		/* a phrase at the very start has a boundary too */
	while (i < len && o < AA_FB_SCAN_MAX) {
		unsigned char c = (unsigned char)s[i];
		size_t brk = 0;

		if (c == '\r' || c == '\n')
			brk = 1;
		else if (c == '\\' && i + 1 < len && (s[i + 1] == 'n' || s[i + 1] == 'r'))
			brk = 2;
		if (brk > 0) {
			i += brk;
			i += continuation_at(s + i, len - i);
			c = ' ';
		} else {
			i++;
			if (aa_is_space(c) || c < 0x20 || c == 0x7f)
				c = ' ';
		}
		if (c == ' ' && out[o - 1] == ' ')
			continue;
		out[o++] = (char)aa_lower(c);
	}
	out[o++] = ' ';
	out[o] = '\0';
	return o;
}

/* ---- the rules ---- */

enum { ANY_CODE = 0, CODE_4XX = 4, CODE_5XX = 5 };

struct rule {
	const char *name;		/* said in the log */
	enum aa_fb_class class;
	const char *status;		/* enhanced status: '?' any one character, a final '*' any rest; NULL: any */
	int code_class;			/* CODE_4XX, CODE_5XX or ANY_CODE */
	const char *const *any;		/* at least one of these phrases; NULL: none needed */
	const char *const *also;	/* and one of these; NULL: none needed */
	const char *meaning;		/* for authalign explain; NULL: the class's */
	const char *fix;
};

/* Phrases in lower case, matched between word boundaries (a byte that is
 * not a letter or digit); one ending in '*' may go on (a word's stem). */
static const char *const gmail_spf[] = { "fails to pass spf", NULL };
static const char *const recipient_rejected[] = { "recipient address rejected", "recipientnotfound", NULL };
static const char *const tenant[] = { "tenantattribution", NULL };
static const char *const not_directly[] = { "directly to our servers", NULL };
static const char *const relay_word[] = { "relay*", NULL };
static const char *const refused_words[] = {
	"denied", "not permitted", "not allowed", "refused", "unable", "prohibited", "rejected", NULL,
};
static const char *const blocklist_strong[] = {
	"s3150", "s3140", "s3114", "s3115", "s775", "s844", "sc-001", "sc-002", "sc-003", "sc-004",
	"spamhaus*", "blocked using", "block list", "block-list", "blocklist*", "blacklist*",
	"black list", "listed", "dnsbl*", "rbl", "spamcop*", "barracuda*", "sorbs*",
	"banned sending ip", "is in a black list", "tss09", NULL,
};
static const char *const dmarc_words[] = {
	"dmarc*", "unauthenticated", "not pass authentication", "authentication checks",
	"authentication information", "required authentication level", "authentication requirements",
	NULL,
};
static const char *const spf_words[] = {
	"spf", "sender policy framework", "openspf*", "not designated", "not authorized to send",
	NULL,
};
static const char *const later_words[] = { "later", NULL };
static const char *const ratelimit_words[] = {
	"greylist*", "graylist*", "grey-list*", "gray-list*", "grey list*", "gray list*",
	"rate limit*", "rate-limit*", "ratelimit*", "unusual rate", "too many", "throttl*",
	"busy", "unexpected volume", "deferred due to", "volume", NULL,
};
static const char *const unknown_user_words[] = {
	"user unknown", "unknown user", "no such user", "unknown recipient", "recipient unknown",
	"user not found", "recipient not found", "recipientnotfound", "mailbox not found",
	"no such mailbox", "invalid recipient", "unknown local part", "unrouteable address", NULL,
};
static const char *const auth_required_words[] = {
	"authentication required", "authentication is required", "must authenticate", "auth required", NULL,
};
static const char *const reputation_words[] = { "ip reputation", "ip address reputation", NULL };
static const char *const helo_words[] = { "helo command rejected", "invalid helo", "helo rejected", "bad helo",
	"ehlo rejected", NULL };
static const char *const starttls_words[] = { "starttls", "tls required", "requires tls", NULL };
static const char *const sender_domain_missing[] = { "domain not found", "sender domain must exist",
	"unresolvable", NULL };
static const char *const sender_words[] = { "sender", NULL };
static const char *const yahoo_complaints[] = { "tss04", NULL };
static const char *const policy_reasons[] = { "not accepted for policy reasons", NULL };
static const char *const low_reputation_words[] = {
	"low reputation", "poor reputation", "bad reputation", "reputation of the sending", NULL,
};

/* the meaning and fix of a sender domain that does not exist, by status or by text */
#define SENDER_DOMAIN_MISSING \
	"The receiver refused the envelope sender's domain: it does not exist in DNS (often a bare host " \
	"name, such as a Debian host's /etc/mailname, or a domain not registered).", \
	"send with an envelope sender at a domain that exists: Debian: the domain in /etc/mailname and " \
	"dc_readhost; authalign doctor --domain DOMAIN checks it"

static const struct rule rules[] = {
	/* the enhanced status says enough (RFC 7372; the receivers' own codes) */
	{ "5.7.26 SPF hard fail (Gmail)", AA_FB_SPF, "?.7.26", ANY_CODE, gmail_spf, NULL,
	  "Gmail refused the message because SPF failed for the envelope sender's domain: the address "
	  "this host sent from is not in that domain's SPF record.",
	  "add the sending address (the ip4:/ip6: of outbound_egress, or the transport's interface) to "
	  "the envelope domain's SPF record, or send with a return path whose SPF names this host "
	  "(return_path=); check with: authalign spf IP HELO SENDER" },
	{ "5.7.509 DMARC reject (Microsoft)", AA_FB_DMARC, "?.7.509", ANY_CODE, NULL, NULL,
	  "Microsoft 365 or Outlook.com refused the message because it fails DMARC and the From domain "
	  "publishes p=reject: neither SPF nor DKIM passes aligned with the From domain.",
	  "sign with a DKIM key published for the From domain (dkim= in the outbound domains table), or"
	  " send with a return path at the From domain whose SPF names this host, or route it through a"
	  " smarthost that does one of these; see the plan with: authalign predict SENDER RCPT_DOMAIN <"
	  " message" },
	{ "5.7.515 authentication level (Outlook.com)", AA_FB_DMARC, "?.7.515", ANY_CODE, NULL, NULL,
	  "Outlook.com refused the message because it does not meet its authentication level for bulk "
	  "senders: SPF and DKIM must both pass, and DMARC must pass.",
	  "make both pass: add this host's address to the envelope domain's SPF record and sign with a "
	  "DKIM key published for the From domain (authalign plans sign+rewrite for that); publish a "
	  "DMARC record; check with: authalign predict SENDER outlook.com < message" },
	{ "5.7.26 unauthenticated", AA_FB_DMARC, "?.7.26", ANY_CODE, NULL, NULL,
	  "The receiver (Gmail: 5.7.26) refused the message as unauthenticated: it fails DMARC, or "
	  "neither SPF nor DKIM passes.",
	  "publish SPF naming this host for the envelope domain and sign with a DKIM key of the From "
	  "domain; publish DMARC; check with: authalign predict SENDER gmail.com < message" },
	{ "5.7.20 no passing DKIM signature", AA_FB_DMARC, "?.7.20", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.7.21 no acceptable DKIM signature", AA_FB_DMARC, "?.7.21", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.7.22 no author-matched DKIM signature", AA_FB_DMARC, "?.7.22", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.7.23 SPF validation failed", AA_FB_SPF, "?.7.23", ANY_CODE, NULL, NULL,
	  "The receiver refused the message because SPF failed: the address this host sent from is not "
	  "permitted by the envelope domain's SPF record.",
	  "add the sending address to that SPF record (ip4:/ip6:), or route through a host it names; "
	  "check with: authalign spf IP HELO SENDER" },
	{ "5.7.24 SPF validation error", AA_FB_SPF, "?.7.24", ANY_CODE, NULL, NULL,
	  "The receiver refused the message because the envelope domain's SPF record could not be "
	  "evaluated (a syntax error, too many lookups, or a lookup that failed).",
	  "repair the SPF record: one record, at most 10 DNS lookups; check with: authalign spf IP HELO"
	  " SENDER" },
	{ "5.7.25 reverse DNS of the sending address", AA_FB_BLOCKLIST, "?.7.25", ANY_CODE, NULL, NULL,
	  "The receiver refused the connection because the sending address has no valid reverse DNS "
	  "(PTR), or the PTR name does not resolve back to it.",
	  "ask whoever runs the address (the hosting provider) to set a PTR record to the host name, "
	  "and make that name resolve to the address; make the HELO name the same name" },
	{ "5.7.64 TenantAttribution (Microsoft)", AA_FB_RELAY, "?.7.64", ANY_CODE, NULL, NULL,
	  "A Microsoft 365 tenant refused to relay the message: its connector does not recognise this "
	  "host (TenantAttribution; relay access denied).",
	  "in the tenant, set up an inbound connector for this host (by its IP address or TLS "
	  "certificate), or send through the tenant only mail of its own accepted domains" },
	{ "5.7.54 unable to relay (Microsoft)", AA_FB_RELAY, "?.7.54", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.7.57 anonymous relay (Microsoft)", AA_FB_RELAY, "?.7.57", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.7.750 unregistered domain (Microsoft)", AA_FB_RELAY, "?.7.750", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.7.8 authentication failed (a smarthost)", AA_FB_RELAY, "?.7.8", ANY_CODE, NULL, NULL,
	  "The server (a smarthost, usually) refused the user name and password this host gave.",
	  "put the right ones for that host into /etc/exim4/passwd.client (Debian: host:user:password, "
	  "then update-exim4.conf and reload Exim); check the account at the provider" },
	{ "HELO refused text", AA_FB_BLOCKLIST, NULL, ANY_CODE, helo_words, NULL,
	  "The receiver refused this host's HELO name: not fully qualified, not resolving to the sending "
	  "address, or localhost.",
	  "say a fully qualified name that resolves to the sending address and that its PTR gives "
	  "(authalign doctor shows the HELO of each address and the line to change)" },
	{ "5.7.0 STARTTLS required (a smarthost)", AA_FB_RELAY, "?.7.0", CODE_5XX, starttls_words, NULL,
	  "The server (a smarthost, usually) wants TLS before anything else, and Exim did not start it.",
	  "check that this Exim has TLS (exim -bV lists GnuTLS or OpenSSL) and set hosts_require_tls = * on "
	  "the smarthost transport (Debian: remote_smtp_smarthost); a provider on port 465 wants "
	  "protocol = smtps" },
	{ "5.7.60 send-as refused (Microsoft 365)", AA_FB_RELAY, "?.7.60", ANY_CODE, NULL, NULL,
	  "Microsoft 365 refused to send as this sender: the mailbox this host logs in with has no right "
	  "to send as that address (SendAsDenied).",
	  "send with the logged-in mailbox as the envelope sender and From, or give it Send As for that "
	  "address in the Exchange admin center; a connector that accepts this host by its IP address "
	  "takes any address of your domains" },
	{ "1.8 sender domain not found", AA_FB_OTHER, "?.1.8", ANY_CODE, NULL, NULL,
	  SENDER_DOMAIN_MISSING },
	{ "sender domain not found text", AA_FB_OTHER, NULL, ANY_CODE, sender_domain_missing, sender_words,
	  SENDER_DOMAIN_MISSING },
	{ "TSS04 complaints (Yahoo)", AA_FB_RATELIMIT, NULL, ANY_CODE, yahoo_complaints, NULL,
	  "Yahoo defers mail from this sending address for its volume or its users' complaints: a "
	  "reputation problem, not greylisting; it lasts until the complaints stop.",
	  "find what sends unwanted mail from this host (a compromised account or form), stop it; "
	  "authenticate every message (authalign doctor); join Yahoo's complaint feedback loop" },
	{ "policy reasons (Yahoo)", AA_FB_OTHER, NULL, ANY_CODE, policy_reasons, NULL,
	  "The receiver (Yahoo: 554 5.7.9) refused the message for its content or the sender's "
	  "reputation, not for a failed authentication.",
	  "check the message's content and links and the sending address on the block lists; "
	  "authenticate every message (authalign doctor); Yahoo's postmaster pages list the codes" },
	{ "5.7.0 authentication required (a smarthost)", AA_FB_RELAY, "?.7.0", CODE_5XX, auth_required_words,
	  NULL,
	  "The server (a smarthost, usually) wants this host to log in (SMTP AUTH) before it relays.",
	  "give its user name and password in /etc/exim4/passwd.client (Debian: host:user:password, then "
	  "update-exim4.conf and reload Exim); Exim logs in only over TLS unless told otherwise" },
	{ "5.7.606 banned sending address (Microsoft)", AA_FB_BLOCKLIST, "?.7.606", ANY_CODE, NULL, NULL,
	  "Microsoft refused the message because the sending IP address is on its block list.",
	  "request delisting at https://sender.office.com; meanwhile send to Microsoft through a "
	  "smarthost (with Debian's AUTHALIGN_LEARN = yes authalign learns the refusal and takes the next "
	  "step of the plan)" },
	{ "5.7.511 banned sending address (Microsoft)", AA_FB_BLOCKLIST, "?.7.511", ANY_CODE, NULL, NULL,
	  "Microsoft refused the message because the sending IP address is banned.",
	  "request delisting from Microsoft (the reply names the way); meanwhile send through a "
	  "smarthost" },
	{ "5.7.708 address not trusted (Microsoft)", AA_FB_BLOCKLIST, "?.7.708", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.1.1 unknown user", AA_FB_UNKNOWN_USER, "?.1.1", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.1.10 recipient not found (Microsoft)", AA_FB_UNKNOWN_USER, "?.1.10", ANY_CODE, NULL, NULL, NULL, NULL },
	{ "5.4.1 recipient rejected (Microsoft)", AA_FB_UNKNOWN_USER, "?.4.1", ANY_CODE, recipient_rejected, NULL,
	  NULL, NULL },
	/* what the text says, strongest first */
	{ "TenantAttribution text", AA_FB_RELAY, NULL, ANY_CODE, tenant, NULL,
	  "A Microsoft 365 tenant refused to relay the message: its connector does not recognise this "
	  "host (TenantAttribution).",
	  "in the tenant, set up an inbound connector for this host (by its IP address or TLS "
	  "certificate)" },
	{ "address may not send directly (Gmail)", AA_FB_BLOCKLIST, NULL, ANY_CODE, not_directly, NULL,
	  "Gmail refused the message because the sending address may not send to it directly (a dynamic"
	  " or residential address, or one with a bad reputation).",
	  "send through a smarthost of your provider; give the address a PTR record and a clean "
	  "reputation" },
	{ "DMARC text", AA_FB_DMARC, NULL, ANY_CODE, dmarc_words, NULL,
	  "The receiver refused the message because it fails DMARC or the receiver's authentication "
	  "rules: neither SPF nor DKIM passes aligned with the From domain.",
	  "sign with a DKIM key published for the From domain, or send with a return path at the From "
	  "domain whose SPF names this host; check with: authalign predict SENDER RCPT_DOMAIN < message" },
	{ "SPF text", AA_FB_SPF, NULL, ANY_CODE, spf_words, NULL,
	  "The receiver refused the message because SPF failed for the envelope domain: the sending "
	  "address is not in its SPF record.",
	  "add the sending address (ip4:/ip6:) to the envelope domain's SPF record; check with: "
	  "authalign spf IP HELO SENDER" },
	{ "block list text", AA_FB_BLOCKLIST, NULL, ANY_CODE, blocklist_strong, NULL,
	  "The receiver refused the message because the sending IP address is on a block list (for "
	  "Outlook.com S3150 and similar: its own list; otherwise a DNSBL such as Spamhaus).",
	  "request delisting: for Outlook.com and Hotmail (S3150, S3140) the sender support form at "
	  "olcsupport.office.com, for Microsoft 365 (5.7.606, 5.7.511) the delist portal at "
	  "sender.office.com, for a DNSBL its lookup page (Spamhaus: check.spamhaus.org); find out why "
	  "the address was listed (a compromised account, a form that sends spam); meanwhile "
	  "send that destination's mail through a smarthost: with Debian's AUTHALIGN_LEARN = yes authalign learns the "
	  "refusal and takes the next step of the plan" },
	{ "relay refused text", AA_FB_RELAY, NULL, ANY_CODE, relay_word, refused_words,
	  "The server refused to relay: it does not accept mail for that recipient's domain from this "
	  "host. From a smarthost: it does not know this host (not authenticated, not in its relay "
	  "list). From this host's Exim to a client: the client is neither authenticated nor in "
	  "relay_from_hosts.",
	  "for a smarthost: authenticate to it (Debian: /etc/exim4/passwd.client) or have it list this "
	  "host; for clients of this host: use SMTP AUTH, or add only your own networks to "
	  "relay_from_hosts (Debian: dc_relay_nets)" },
	{ "4.7.28 unusual rate of unsolicited mail (Gmail)", AA_FB_RATELIMIT, "?.7.28", ANY_CODE, NULL, NULL,
	  "Gmail limits mail from this sending address or DKIM domain: it sees an unusual rate of "
	  "unsolicited mail from it. A reputation limit on the sender, not a fault in one message; a 421 "
	  "is retried, a 550 is not.",
	  "find and stop what sends unwanted mail (a compromised account or web form: the busiest "
	  "senders in /var/log/exim4/mainlog, exim -bp); authenticate every message (SPF, DKIM, DMARC: "
	  "authalign doctor); watch the domain in Google Postmaster Tools; send less at once" },
	{ "low reputation text", AA_FB_RATELIMIT, NULL, CODE_4XX, low_reputation_words, NULL,
	  "The receiver deferred the message because of the low reputation of the sending address or "
	  "domain. Exim tries again, but it lasts until the reputation recovers.",
	  "stop what sends unwanted mail from this host; authenticate every message (SPF, DKIM, DMARC: "
	  "authalign doctor); check the address on the block lists; send less at once" },
	{ "4.7.x try again later", AA_FB_RATELIMIT, "4.7.*", CODE_4XX, later_words, NULL,
	  "The receiver deferred the message for now (4.7.x): rate limiting or greylisting. Exim tries "
	  "again; nothing is lost.",
	  "nothing, usually: Exim retries. If it lasts, send less at once, or look at the receiver's "
	  "postmaster pages" },
	{ "rate limit or greylisting text", AA_FB_RATELIMIT, NULL, CODE_4XX, ratelimit_words, NULL,
	  "The receiver deferred the message for now: greylisting or a rate limit. Exim tries again; "
	  "nothing is lost.",
	  "nothing, usually: greylisting passes on the retry; for rate limits send less at once" },
	{ "unknown user text", AA_FB_UNKNOWN_USER, NULL, ANY_CODE, unknown_user_words, NULL,
	  "The recipient does not exist there (unknown user, or an address Exim could not route).",
	  "check the address with the sender" },
	{ "IP reputation text", AA_FB_BLOCKLIST, NULL, CODE_5XX, reputation_words, NULL,
	  "The receiver refused the message for the sending address's reputation.",
	  "find out why (a compromised account, spam from a form), request delisting, send through a "
	  "smarthost meanwhile" },
};

static int status_matches(const char *pattern, const char *status)
{
	for (; *pattern != '\0'; pattern++, status++) {
		if (*pattern == '*')
			return 1;
		if (*status == '\0' || (*pattern != '?' && *pattern != *status))
			return 0;
	}
	return *status == '\0';
}

static int boundary(char c)
{
	return !aa_is_alnum((unsigned char)c);
}

/* phrase (lower case, maybe ending in '*') in the folded text t of length n */
static int has_phrase(const char *t, size_t n, const char *phrase)
{
	size_t plen = strlen(phrase);
	int stem = plen > 0 && phrase[plen - 1] == '*';

	if (stem)
		plen--;
	/* t starts and ends with a space, so t[i - 1] and t[i + plen] exist */
	for (size_t i = 1; i + plen < n; i++) {
		if (memcmp(t + i, phrase, plen) != 0)
			continue;
		if (boundary(t[i - 1]) && (stem || boundary(t[i + plen])))
			return 1;
	}
	return 0;
}

static int has_any(const char *t, size_t n, const char *const *phrases)
{
	if (phrases == NULL)
		return 1;
	for (size_t i = 0; phrases[i] != NULL; i++)
		if (has_phrase(t, n, phrases[i]))
			return 1;
	return 0;
}

/* The first rule a 4xx or 5xx reply matches; NULL: none (or no refusal). */
static const struct rule *match(const struct aa_fb_reply *r)
{
	char folded[AA_FB_SCAN_MAX + 3];
	size_t n;

	if (r->code < 400 || r->code > 599)
		return NULL;
	n = fold(r, folded);
	for (size_t i = 0; i < COUNT(rules); i++) {
		const struct rule *u = &rules[i];

		if (u->code_class != ANY_CODE && r->code / 100 != u->code_class)
			continue;
		if (u->status != NULL && !status_matches(u->status, r->status))
			continue;
		if (has_any(folded, n, u->any) && has_any(folded, n, u->also))
			return u;
	}
	return NULL;
}

/* The class and rule name of reply r whose matching rule is u (or NULL). */
static enum aa_fb_class class_of(const struct aa_fb_reply *r, const struct rule *u, const char **rule_r)
{
	int refusal = r->code >= 400 && r->code <= 599;

	*rule_r = u != NULL ? u->name : refusal ? "no rule" : "no refusal";
	return u != NULL ? u->class : refusal ? AA_FB_OTHER : AA_FB_NONE;
}

enum aa_fb_class aa_fb_classify(const struct aa_fb_reply *r, const char **rule_r)
{
	return class_of(r, match(r), rule_r);
}

/* What a class means and what to do, where its rule says nothing of its own. */
static const struct {
	const char *meaning, *fix;
} class_text[] = {
	[AA_FB_NONE] = { "This is not a refusal: no 4xx or 5xx reply code was found in it.",
			 "give the whole reply, the bounce or Exim's log line" },
	[AA_FB_DMARC] = { "The receiver refused the message for its authentication (DMARC, or SPF and DKIM).",
			  "sign with a DKIM key published for the From domain, and make SPF pass for the envelope "
			  "domain; check with: authalign predict SENDER RCPT_DOMAIN < message" },
	[AA_FB_SPF] = { "The receiver refused the message because SPF failed for the envelope domain.",
			"add the sending address (ip4:/ip6:) to the envelope domain's SPF record" },
	[AA_FB_BLOCKLIST] = { "The receiver refused the sending address itself (a block list, or its reputation).",
			      "request delisting; meanwhile send that destination's mail through a smarthost" },
	[AA_FB_RELAY] = { "The server refused to relay the message for this host.",
			  "authenticate to the server, or have it accept this host" },
	[AA_FB_RATELIMIT] = { "The receiver deferred the message for now (greylisting or a rate limit); Exim "
			      "tries again and nothing is lost.",
			      "nothing, usually; if it lasts, send less at once" },
	[AA_FB_UNKNOWN_USER] = { "The recipient does not exist at the destination.",
				 "check the address with the sender" },
	[AA_FB_OTHER] = { "The receiver refused the message; authalign knows no more about this reply.",
			  "read the reply's text, and the receiver's postmaster pages it may name" },
};

void aa_fb_explain(const struct aa_fb_reply *r, struct aa_fb_explanation *x)
{
	const struct rule *u = match(r);

	x->class = class_of(r, u, &x->rule);
	x->meaning = u != NULL && u->meaning != NULL ? u->meaning : class_text[x->class].meaning;
	x->fix = u != NULL && u->fix != NULL ? u->fix : class_text[x->class].fix;
}
