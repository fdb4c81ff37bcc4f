/* check_outbound.c - prediction and planning against a fixed DNS zone and the shipped profiles. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>
#include "aa_plan.h"
#include "aa_test.h"
#include "aa_test_tmp.h"

#define EGRESS "203.0.113.5"
#define HELO "mail.example.net"

static const char *const zone[] = {
	/* m365 tenant, found by its MX */
	"contoso.example MX 10 contoso-example.mail.protection.outlook.com",
	"flaky.example MX SERVFAIL",
	/* sender domains; our egress 203.0.113.5 is in none of these but spfok's */
	"example.com TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.example.com TXT \"v=DMARC1; p=reject\"",
	"mon.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.mon.example TXT \"v=DMARC1; p=reject\"",
	"route.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.route.example TXT \"v=DMARC1; p=reject\"",
	"signed.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.signed.example TXT \"v=DMARC1; p=reject\"",
	/* s1._domainkey.signed.example: the key of test/data/dkim/rsa2048.pem (outbound_ctx) */
	"nokey.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.nokey.example TXT \"v=DMARC1; p=reject\"",
	"s1._domainkey.nokey.example TXT \"v=DKIM1; p=\"",
	"flakykey.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.flakykey.example TXT \"v=DMARC1; p=reject\"",
	"s1._domainkey.flakykey.example TXT SERVFAIL",
	/* rotated keys: the record holds another key than the key file
	 * (outbound_ctx publishes rsa512 and rsa2048 there) */
	"rotated.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.rotated.example TXT \"v=DMARC1; p=reject\"",
	"edrotated.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.edrotated.example TXT \"v=DMARC1; p=reject\"",
	"lostkey.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.lostkey.example TXT \"v=DMARC1; p=reject\"",
	"rp.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.rp.example TXT \"v=DMARC1; p=reject\"",
	"bounce.rp.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"resigned.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"pinned.example TXT \"v=spf1 ip4:198.51.100.25 -all\"",
	"_dmarc.pinned.example TXT \"v=DMARC1; p=reject\"",
	"_dmarc.resigned.example TXT \"v=DMARC1; p=reject\"",
	"spfok.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"_dmarc.spfok.example TXT \"v=DMARC1; p=reject\"",
	"gmail.com TXT \"v=spf1 ip4:172.217.0.0/16 ~all\"",
	"_dmarc.gmail.com TXT \"v=DMARC1; p=none\"",
	"mail.example.net TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	/* a key of ours, and a return path whose SPF names this host (keyrp) */
	"keyrp.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.keyrp.example TXT \"v=DMARC1; p=reject\"",
	"bounce.keyrp.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	/* a return path only the relay may send for (rprelay) */
	"rprelay.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.rprelay.example TXT \"v=DMARC1; p=reject\"",
	"bounce.rprelay.example TXT \"v=spf1 ip4:198.51.100.25 -all\"",
	/* p=quarantine, and the relay's SPF answer depends on a zone that fails */
	"quartemp.example TXT \"v=spf1 -ip4:203.0.113.5 include:spffail.example -all\"",
	"_dmarc.quartemp.example TXT \"v=DMARC1; p=quarantine\"",
	"spffail.example TXT SERVFAIL",
	"rpnoorder.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.rpnoorder.example TXT \"v=DMARC1; p=reject\"",
	"bounce.rpnoorder.example TXT \"v=spf1 ip4:198.51.100.25 -all\"",
	/* p=quarantine: one whose SPF names only the relay, one no route passes */
	"quar.example TXT \"v=spf1 ip4:198.51.100.25 -all\"",
	"_dmarc.quar.example TXT \"v=DMARC1; p=quarantine\"",
	"quarnone.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.quarnone.example TXT \"v=DMARC1; p=quarantine\"",
	/* this host's IPv4 address only; both of its addresses (dual) */
	"v4only.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	"_dmarc.v4only.example TXT \"v=DMARC1; p=reject\"",
	"dual.example TXT \"v=spf1 ip4:203.0.113.5 ip6:2001:db8::5 -all\"",
	/* no DMARC record, and SPF that does not name this host (Gmail's auth rule) */
	"unauth.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	/* a destination reached over IPv4 only */
	"v4dest.example MX 10 mx.v4dest.example",
	"mx.v4dest.example A 192.0.2.60",
	"_dmarc.dual.example TXT \"v=DMARC1; p=reject\"",
	/* orders that put signing last: SPF names only the relay (relaykey),
	 * or only the return path's domain names this host (rpkey) */
	"relaykey.example TXT \"v=spf1 ip4:198.51.100.25 -all\"",
	"_dmarc.relaykey.example TXT \"v=DMARC1; p=reject\"",
	"rpkey.example TXT \"v=spf1 ip4:192.0.2.10 -all\"",
	"_dmarc.rpkey.example TXT \"v=DMARC1; p=reject\"",
	"bounce.rpkey.example TXT \"v=spf1 ip4:203.0.113.5 -all\"",
	/* both this host and the relay may send for it */
	"both.example TXT \"v=spf1 ip4:203.0.113.5 ip4:198.51.100.25 -all\"",
	"_dmarc.both.example TXT \"v=DMARC1; p=reject\"",
	NULL,
};

static const char routes_text[] =
	"relay: hosts=relay.example.net port=587 transport=remote_smtp_smarthost\n"
	"       egress=198.51.100.25 resigns=resigned.example\n";

static const char domains_text[] =
	"example.com: mode=enforce\n"
	"mon.example: mode=monitor\n"
	"route.example: mode=route\n"
	"signed.example: mode=enforce dkim=s1:@KEYS@/rsa2048.pem\n"
	"nokey.example: mode=enforce dkim=s1:@KEYS@/rsa2048.pem\n"
	"flakykey.example: mode=enforce dkim=s1:@KEYS@/rsa2048.pem\n"
	"rotated.example: mode=enforce dkim=s1:@KEYS@/rsa2048.pem\n"
	"edrotated.example: mode=enforce dkim=s1:@KEYS@/ed25519.pem\n"
	"lostkey.example: mode=enforce dkim=s1:@KEYS@/no-such-key.pem\n"
	"rp.example: mode=enforce return_path=bounces@bounce.rp.example\n"
	"resigned.example: mode=enforce order=direct,smarthost:relay\n"
	"pinned.example: mode=enforce pin=relay\n"
	"keyrp.example: mode=enforce dkim=s1:@KEYS@/rsa2048.pem return_path=bounces@bounce.keyrp.example\n"
	"rprelay.example: mode=enforce return_path=bounces@bounce.rprelay.example\n"
	"quartemp.example: mode=enforce\n"
	"rpnoorder.example: mode=enforce order=direct,smarthost return_path=bounces@bounce.rpnoorder.example\n"
	"relaykey.example: mode=enforce order=direct,smarthost,sign dkim=s1:@KEYS@/rsa2048.pem\n"
	"rpkey.example: mode=enforce order=direct,rewrite,sign dkim=s1:@KEYS@/rsa2048.pem "
	"return_path=bounces@bounce.rpkey.example\n"
	"off.example: mode=off\n"
	"*: mode=enforce\n";

struct plan_case {
	const char *name;
	const char *from;		/* From address */
	const char *env;		/* envelope sender */
	const char *rcpt;		/* recipient domain */
	enum aa_step step;		/* what the caller is told to do */
	const char *route;		/* r->route->name, or NULL for none */
	int direct_refused;
	int temp;
	const char *status;		/* direct.status, or NULL */
	const char *text;		/* substring of smtp_text; NULL: no smtp_text */
	const char *log;		/* substring of log_line; NULL: no log line */
	const struct aa_submitter *who;	/* NULL: the domain's owner */
};

/* Who owns what on this host (aa_owner.h), for the ownership cases. */
static const char owners_text[] =
	"rp.example: bob\n"
	"pinned.example: bob\n"
	"signed.example: carol\n"
	"*: nobody\n";
#define TRUSTED_HOSTS "203.0.113.0/28, 2001:db8::/32"

static const struct aa_submitter mallory = { .auth_id = "mallory@customer-a.example", .host = "198.51.100.66" };
static const struct aa_submitter mallory_ctl = { .auth_id = "mal\r\nlory\x01@customer-a.example",
						 .host = "198.51.100.66" };
static const struct aa_submitter stranger = { .host = "198.51.100.66" };
static const struct aa_submitter local_eve = { .local = 1, .login = "eve", .uid = 1001 };
static const struct aa_submitter local_bob = { .local = 1, .login = "bob", .uid = 1002 };
static const struct aa_submitter info_signed = { .auth_id = "info@Signed.Example", .host = "198.51.100.66" };
static const struct aa_submitter web_host = { .host = "203.0.113.10" };
static const struct aa_submitter nobody_user = { .local = 1, .login = "nobody", .uid = 65534 };

static const struct plan_case cases[] = {
	{ "direct from an IP outside SPF to m365 with p=reject is refused with 5.7.509",
	  "a@example.com", "a@example.com", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "5.7.1 authalign: mail from example.com to contoso.example would be refused (5.7.509: SPF fail, "
	  "203.0.113.5 not permitted by example.com; no DKIM; DMARC fail under p=reject). Fix: add "
	  "ip4:203.0.113.5 to example.com's SPF record, or configure a DKIM key for example.com",
	  "direct=refused(spf=fail 203.0.113.5 not permitted by example.com; dkim=none; dmarc=fail p=reject; profile=m365 5.7.509)", NULL },
	{ "an aligned DKIM key makes sign the plan", "a@signed.example", "a@signed.example",
	  "contoso.example", AA_STEP_SIGN, "direct", 1, 0, "5.7.509", NULL,
	  "sign=pass(spf=fail 203.0.113.5 not permitted by signed.example; dkim=pass d=signed.example aligned", NULL },
	{ "a revoked DKIM key does not make sign pass, and the fix prints the record to publish",
	  "a@nokey.example", "a@nokey.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "publish s1._domainkey.nokey.example TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsJhRrt",
	  "sign=refused(spf=fail 203.0.113.5 not permitted by nokey.example; dkim=fail key not published", NULL },
	{ "a rotated key (another one published) is predicted to fail, and the fix prints the record to publish",
	  "a@rotated.example", "a@rotated.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "publish s1._domainkey.rotated.example TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsJhRrt",
	  "sign=refused(spf=fail 203.0.113.5 not permitted by rotated.example; dkim=fail published key is not ours", NULL },
	{ "a rotated Ed25519 key's fix publishes a k=ed25519 record", "a@edrotated.example", "a@edrotated.example",
	  "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "publish s1._domainkey.edrotated.example TXT \"v=DKIM1; k=ed25519; p=", "dkim=fail published key is not ours", NULL },
	{ "a missing key file leaves the message unsigned, and the fix names the file", "a@lostkey.example",
	  "a@lostkey.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "/no-such-key.pem usable (no such file), then publish its key at s1._domainkey.lostkey.example",
	  "sign=refused(spf=fail 203.0.113.5 not permitted by lostkey.example; dkim=none key file unusable (no such file)", NULL },
	{ "a DKIM key lookup SERVFAIL gives temp, not refused", "a@flakykey.example", "a@flakykey.example",
	  "contoso.example", AA_STEP_DIRECT, "direct", 1, 1, "5.7.509", NULL, "chosen=temp:sign action=defer", NULL },
	{ "rewrite to an SPF-authorised return path passes when DKIM is absent", "a@rp.example",
	  "a@rp.example", "contoso.example", AA_STEP_REWRITE, "direct", 1, 0, "5.7.509", NULL,
	  "rewrite=pass(spf=pass 203.0.113.5 permitted by bounce.rp.example", NULL },
	{ "a null sender is never rewritten", "a@rp.example", "", "contoso.example", AA_STEP_REFUSE, NULL,
	  1, 0, "5.7.509", "5.7.1 authalign", "rewrite=n/a(null sender stays null)", NULL },
	{ "the relay that re-signs passes", "a@resigned.example", "a@resigned.example", "contoso.example",
	  AA_STEP_SMARTHOST, "relay", 1, 0, "5.7.509", NULL,
	  "smarthost:relay=pass(spf=fail 198.51.100.25 not permitted by resigned.example; dkim=pass d=resigned.example aligned", NULL },
	{ "outlook.com needs SPF and DKIM: SPF alone is refused", "a@spfok.example", "a@spfok.example",
	  "outlook.com", AA_STEP_REFUSE, NULL, 1, 0, "5.7.515", "(5.7.515: no DKIM)", "profile=outlook 5.7.515", NULL },
	{ "SPF alone passes at m365", "a@spfok.example", "a@spfok.example", "contoso.example",
	  AA_STEP_DIRECT, "direct", 0, 0, NULL, NULL, "direct=pass(spf=pass", NULL },
	{ "gmail.com From failing under p=none is refused at Gmail", "someone@gmail.com", "someone@gmail.com",
	  "gmail.com", AA_STEP_REFUSE, NULL, 1, 0, "5.7.26",
	  "Fix: send mail with a From at gmail.com through gmail.com's own servers", "profile=gmail 5.7.26", NULL },
	{ "mail neither SPF nor DKIM authenticates is refused at Gmail though its domain has no DMARC",
	  "a@unauth.example", "a@unauth.example", "gmail.com", AA_STEP_REFUSE, NULL, 1, 0, "5.7.26",
	  "gmail refuses mail that neither SPF nor DKIM authenticates). Fix: add ip4:203.0.113.5 to "
	  "unauth.example's SPF record, or configure a DKIM key for unauth.example", "profile=gmail 5.7.26", NULL },
	{ "the same mail passes at an RFC receiver, which applies DMARC alone", "a@unauth.example",
	  "a@unauth.example", "contoso.example", AA_STEP_DIRECT, "direct", 0, 0, NULL, NULL, "chosen=direct", NULL },
	{ "gmail.com From failing under p=none passes at an RFC receiver", "someone@gmail.com",
	  "someone@gmail.com", "contoso.example", AA_STEP_DIRECT, "direct", 0, 0, NULL, NULL, "chosen=direct", NULL },
	{ "no passing route refuses with the fixing record named", "a@example.com", "a@example.com",
	  "outlook.com", AA_STEP_REFUSE, NULL, 1, 0, "5.7.515",
	  "5.7.1 authalign: mail from example.com to outlook.com would be refused (5.7.515: SPF fail, "
	  "203.0.113.5 not permitted by example.com; no DKIM; DMARC fail under p=reject). Fix: add "
	  "ip4:203.0.113.5 to example.com's SPF record, and configure a DKIM key for example.com",
	  "smarthost:relay=refused(", NULL },
	{ "MX SERVFAIL gives temp, not refused", "a@example.com", "a@example.com", "flaky.example",
	  AA_STEP_DIRECT, "direct", 0, 1, NULL, NULL, "chosen=temp:direct action=defer", NULL },
	{ "monitor mode plans and logs but stays direct", "a@mon.example", "a@mon.example", "contoso.example",
	  AA_STEP_DIRECT, "direct", 1, 0, "5.7.509", NULL, "mode=monitor", NULL },
	{ "route mode delivers direct when nothing passes", "a@route.example", "a@route.example",
	  "contoso.example", AA_STEP_DIRECT, "direct", 1, 0, "5.7.509", NULL, "chosen=none", NULL },
	{ "p=quarantine failing directly is junk, not pass: the relay that reaches the inbox is taken",
	  "a@quar.example", "a@quar.example", "contoso.example", AA_STEP_SMARTHOST, "relay", 0, 0, NULL, NULL,
	  "direct=junk(spf=fail 203.0.113.5 not permitted by quar.example; dkim=none; dmarc=fail p=quarantine; "
	  "profile=m365) sign=n/a(no dkim= key) rewrite=n/a(no return_path=) smarthost:relay=pass(", NULL },
	{ "when nothing reaches the inbox the least invasive step that reaches junk is taken, and said",
	  "a@quarnone.example", "a@quarnone.example", "contoso.example", AA_STEP_DIRECT, "direct", 0, 0, NULL, NULL,
	  "smarthost:relay=junk(spf=fail 198.51.100.25 not permitted by quarnone.example; dkim=none; dmarc=fail "
	  "p=quarantine; profile=m365) chosen=direct outcome=junk action=direct", NULL },
	{ "the relay carries it once the envelope is the domain's own return path: smarthost and rewrite together",
	  "a@rprelay.example", "a@rprelay.example", "contoso.example", AA_STEP_SMARTHOST, "relay", 1, 0, "5.7.509",
	  NULL, "rewrite=refused(spf=fail 203.0.113.5 not permitted by bounce.rprelay.example; dkim=none; dmarc=fail "
	  "p=reject; profile=m365 5.7.509) smarthost:relay=refused(spf=fail 198.51.100.25 not permitted by "
	  "rprelay.example; dkim=none; dmarc=fail p=reject; profile=m365 5.7.509) smarthost:relay+rewrite=pass(spf=pass "
	  "198.51.100.25 permitted by bounce.rprelay.example", NULL },
	{ "a later step left temp does not defer a message the junk folder takes anyway",
	  "a@quartemp.example", "a@quartemp.example", "contoso.example", AA_STEP_DIRECT, "direct", 0, 0, NULL, NULL,
	  "chosen=direct outcome=junk action=direct", NULL },
	{ "an order without rewrite never rewrites, not even with a smarthost", "a@rpnoorder.example",
	  "a@rpnoorder.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509", "5.7.1 authalign",
	  "smarthost:relay=refused(spf=fail 198.51.100.25 not permitted by rpnoorder.example; dkim=none; dmarc=fail "
	  "p=reject; profile=m365 5.7.509) chosen=none", NULL },
	{ "mode off does nothing", "a@off.example", "a@off.example", "contoso.example", AA_STEP_DIRECT,
	  "direct", 0, 0, NULL, NULL, NULL, NULL },
	/* ownership: a domain's key, return path and relay serve only its owners */
	{ "an authenticated customer is not signed with another customer's key and is refused naming both",
	  "ceo@signed.example", "ceo@signed.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "5.7.1 authalign: authenticated as mallory@customer-a.example may not send as signed.example "
	  "(not an owner: the owners file names others for it). Fix: send it as an owner of signed.example.",
	  "from=signed.example owner=no(authenticated as mallory@customer-a.example; the owners file names others for it)",
	  &mallory },
	{ "a non-owner's sign step does not apply", "ceo@signed.example", "ceo@signed.example",
	  "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509", "may not send as signed.example",
	  "sign=n/a(no dkim= key)", &mallory },
	{ "a local user is not given another customer's return path", "ceo@rp.example", "ceo@rp.example",
	  "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "5.7.1 authalign: local user eve (uid 1001) may not send as rp.example", "rewrite=n/a(no return_path=)",
	  &local_eve },
	{ "a forwarded stranger's message is not signed as the From domain", "ceo@signed.example",
	  "ceo@signed.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "5.7.1 authalign: unauthenticated host 198.51.100.66 may not send as signed.example", "owner=no(",
	  &stranger },
	{ "a relay that signs the From domain is not used for a non-owner", "ceo@resigned.example",
	  "ceo@resigned.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "may not send as resigned.example", "smarthost=n/a(routes serve the From domain's owners only)",
	  &mallory },
	{ "an AUTH id user@domain owns domain, whatever its case, and is signed", "ceo@signed.example",
	  "ceo@signed.example", "contoso.example", AA_STEP_SIGN, "direct", 1, 0, "5.7.509", NULL,
	  "owner=yes(authenticated as info@Signed.Example; AUTH id in the domain)", &info_signed },
	{ "the local user the owners file names gets the domain's return path", "ceo@rp.example",
	  "ceo@rp.example", "contoso.example", AA_STEP_REWRITE, "direct", 1, 0, "5.7.509", NULL,
	  "owner=yes(local user bob (uid 1002); owners file)", &local_bob },
	{ "a trusted host is owner of every domain", "ceo@signed.example", "ceo@signed.example",
	  "contoso.example", AA_STEP_SIGN, "direct", 1, 0, "5.7.509", NULL,
	  "owner=yes(unauthenticated host 203.0.113.10; trusted host (outbound_trusted_hosts))", &web_host },
	{ "cPanel's \"*: nobody\" makes nobody the owner of nothing", "ceo@signed.example", "ceo@signed.example",
	  "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509", "local user nobody (uid 65534) may not send",
	  "owner=no(", &nobody_user },
	{ "a submitter's control bytes are escaped in the refusal and the log", "ceo@signed.example",
	  "ceo@signed.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "may not send as signed.example", "owner=no(authenticated as mal", &mallory_ctl },
	{ "the owner of a pinned domain takes its pinned route", "ceo@pinned.example", "ceo@pinned.example",
	  "contoso.example", AA_STEP_SMARTHOST, "relay", 1, 0, "5.7.509", NULL, "owner=yes(local user bob", &local_bob },
	{ "a non-owner takes neither another customer's pinned route nor the relay its SPF names", "ceo@pinned.example",
	  "ceo@pinned.example", "contoso.example", AA_STEP_REFUSE, NULL, 1, 0, "5.7.509",
	  "local user eve (uid 1001) may not send as pinned.example", "owner=no(local user eve", &local_eve },
	{ "a non-owner whose message passes directly is delivered as it is", "ceo@spfok.example",
	  "ceo@spfok.example", "contoso.example", AA_STEP_DIRECT, "direct", 0, 0, NULL, NULL,
	  "chosen=direct", &mallory },
};

/* A file with text in it, for a loader; the caller unlinks it. */
static void write_file(char *path, const char *text)
{
	int fd = mkstemp(path);

	ck_assert(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

/* text with every @KEYS@ made the absolute path of test/data/dkim. */
static char *with_keys(const char *text)
{
	char cwd[4096], *out;
	size_t n = 0;

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	out = calloc(1, strlen(text) * 2 + 16 * strlen(cwd) + 1);
	ck_assert_ptr_nonnull(out);
	for (const char *p = text; *p != '\0';) {
		if (strncmp(p, "@KEYS@", 6) == 0) {
			n += (size_t)sprintf(out + n, "%s/test/data/dkim", cwd);
			p += 6;
		} else {
			out[n++] = *p++;
		}
	}
	return out;
}

/* Settings of the shipped profiles, the given routes and domains,
 * owners_text and TRUSTED_HOSTS, read from files. */
static void load_outbound_with(struct aa_outbound *ob, const char *routes_txt, const char *domains_txt)
{
	char routes[] = "/tmp/aa-routes-XXXXXX", domains[] = "/tmp/aa-outdomains-XXXXXX";
	char owners[] = "/tmp/aa-owners-XXXXXX";
	char *dt = with_keys(domains_txt);
	const char *why;
	char err[256];

	*ob = (struct aa_outbound){ .mode = AA_OUT_OFF, .dmarc_mode = AA_DMARC_RFC9989,
				    .direct = { .name = "direct", .egress_ip = EGRESS, .helo = HELO, .port = 25 } };
	write_file(routes, routes_txt);
	write_file(domains, dt);
	write_file(owners, owners_text);
	ck_assert_msg(aa_outbound_load(ob, "conf.d-examples/authalign-profiles", routes, domains, err,
				       sizeof(err)) == 0, "%s", err);
	ck_assert_msg(aa_owners_load(owners, &ob->owners, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(aa_hostnets_parse(TRUSTED_HOSTS, &ob->trusted_hosts, &why), 0);
	unlink(routes);
	unlink(domains);
	unlink(owners);
	free(dt);
}

/* The settings of these tests: routes_text and domains_text. */
static void load_outbound(struct aa_outbound *ob)
{
	load_outbound_with(ob, routes_text, domains_text);
}

/* The zone, with the keys of test/data/dkim published where it says. */
static struct aa_ctx *outbound_ctx(void)
{
	struct aa_ctx *ctx = aa_test_ctx(zone);

	aa_test_publish(ctx, "s1._domainkey.signed.example", "rsa2048.txt");
	aa_test_publish(ctx, "s1._domainkey.keyrp.example", "rsa2048.txt");
	aa_test_publish(ctx, "s1._domainkey.relaykey.example", "rsa2048.txt");
	aa_test_publish(ctx, "s1._domainkey.rpkey.example", "rsa2048.txt");
	aa_test_publish(ctx, "s1._domainkey.rotated.example", "rsa512.txt");
	aa_test_publish(ctx, "s1._domainkey.edrotated.example", "rsa2048.txt");
	return ctx;
}

START_TEST(plan_table)
{
	const struct plan_case *c = &cases[_i];
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob;
	struct aa_from from;
	const char *values[] = { c->from };
	size_t lens[] = { strlen(c->from) };
	struct aa_dkim_result none = { 0 };
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = c->env, .from = &from, .dkim = &none, .rcpt_domain = c->rcpt,
				  .submitter = c->who != NULL ? c->who : &owner };
	struct aa_plan r;

	load_outbound(&ob);
	ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_msg(r.step == c->step, "%s: step %s (planned %s) log %s", c->name, aa_step_name(r.step),
		      aa_step_name(r.planned), r.log_line != NULL ? r.log_line : "(none)");
	if (c->route != NULL)
		ck_assert_msg(r.route != NULL && strcmp(r.route->name, c->route) == 0, "%s: route %s", c->name,
			      r.route != NULL ? r.route->name : "(none)");
	else
		ck_assert_ptr_null(r.route);
	ck_assert_msg(r.direct.refused == c->direct_refused, "%s: direct refused %d (%s)", c->name,
		      r.direct.refused, r.direct.reason != NULL ? r.direct.reason : "");
	ck_assert_msg(r.temp == c->temp, "%s: temp %d", c->name, r.temp);
	if (r.temp)
		ck_assert_ptr_null(r.smtp_text);
	if (c->status != NULL)
		ck_assert_msg(r.direct.status != NULL && strcmp(r.direct.status, c->status) == 0,
			      "%s: status %s", c->name, r.direct.status != NULL ? r.direct.status : "(none)");
	if (c->text != NULL)
		ck_assert_msg(r.smtp_text != NULL && strstr(r.smtp_text, c->text) != NULL, "%s: smtp_text \"%s\"",
			      c->name, r.smtp_text != NULL ? r.smtp_text : "(none)");
	else
		ck_assert_msg(r.smtp_text == NULL, "%s: unexpected smtp_text %s", c->name, r.smtp_text);
	if (c->log != NULL)
		ck_assert_msg(r.log_line != NULL && strstr(r.log_line, c->log) != NULL, "%s: log \"%s\"",
			      c->name, r.log_line != NULL ? r.log_line : "(none)");
	else
		ck_assert_ptr_null(r.log_line);
	if (r.step == AA_STEP_SIGN)
		ck_assert_str_eq(r.sign_domain, "signed.example");
	if (r.step == AA_STEP_REWRITE)
		ck_assert_str_eq(r.return_path, "bounces@bounce.rp.example");
	for (const char *p = r.log_line; p != NULL && *p != '\0'; p++)
		ck_assert_msg(*p >= 0x20 && *p < 0x7f, "%s: log line has a control byte", c->name);
	for (const char *p = r.smtp_text; p != NULL && *p != '\0'; p++)
		ck_assert_msg(*p >= 0x20 && *p < 0x7f, "%s: SMTP text has a control byte", c->name);
	if (c->who != NULL && r.step != AA_STEP_SIGN)
		ck_assert_msg(r.sign_domain == NULL, "%s: signed d=%s for a non-owner", c->name, r.sign_domain);
	if (c->who != NULL && r.step != AA_STEP_REWRITE)
		ck_assert_ptr_null(r.return_path);
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

/* From fields in which a foreign domain may hide from the owner check. */
struct hidden_case {
	const char *name;
	const char *fields[3];		/* NULL-terminated From field values */
	int truncated;			/* mark the parse as incomplete */
	const struct aa_submitter *who;
	int signed_ok;			/* 1: the owner's key is used */
};

static const struct aa_submitter local_carol = { .local = 1, .login = "carol", .uid = 1003 };

static const struct hidden_case hidden[] = {
	{ "a second, malformed From field withholds the owner's powers",
	  { "a@signed.example", "\"x\" <ceo@resigned.example", NULL }, 0, &local_carol, 0 },
	{ "two well-formed From fields withhold the owner's powers",
	  { "a@signed.example", "b@signed.example", NULL }, 0, &local_carol, 0 },
	{ "a From field malformed after an owned address withholds the owner's powers",
	  { "a@signed.example, \"x\" <ceo@resigned.example", NULL }, 0, &local_carol, 0 },
	{ "a From read only in part withholds the owner's powers",
	  { "a@signed.example", NULL }, 1, &local_carol, 0 },
	{ "several owned addresses in one From field keep the owner's powers",
	  { "a@signed.example, b@Signed.Example", NULL }, 0, &local_carol, 1 },
	{ "a trusted host keeps its powers whatever the From fields",
	  { "a@signed.example", "\"x\" <ceo@resigned.example", NULL }, 0, &web_host, 1 },
};

START_TEST(from_fields_that_may_hide_a_domain_withhold_its_powers)
{
	const struct hidden_case *c = &hidden[_i];
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob;
	struct aa_from from;
	size_t n = 0, lens[3];
	struct aa_dkim_result none = { 0 };
	struct aa_out_msg msg = { .env_sender = "a@signed.example", .from = &from, .dkim = &none,
				  .rcpt_domain = "contoso.example", .submitter = c->who };
	struct aa_plan r;

	load_outbound(&ob);
	for (; c->fields[n] != NULL; n++)
		lens[n] = strlen(c->fields[n]);
	ck_assert_int_eq(aa_from_parse_fields(ctx, c->fields, lens, n, &from), 0);
	from.truncated |= c->truncated;
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_ptr_nonnull(r.log_line);
	if (c->signed_ok) {
		ck_assert_msg(strstr(r.log_line, " owner=yes(") != NULL, "%s: %s", c->name, r.log_line);
		if (n == 1 && !c->truncated)	/* one readable field: signing makes it pass */
			ck_assert_msg(strstr(r.log_line, "sign=n/a") == NULL &&
				      strstr(r.log_line, "d=signed.example aligned") != NULL, "%s: %s", c->name, r.log_line);
	} else {
		ck_assert_msg(r.sign_domain == NULL && r.step != AA_STEP_SIGN && r.step != AA_STEP_SMARTHOST,
			      "%s: %s", c->name, r.log_line);
		ck_assert_msg(strstr(r.log_line, "owner=no(local user carol (uid 1003); ") != NULL,
			      "%s: log %s", c->name, r.log_line);
		ck_assert_msg(r.smtp_text == NULL || strstr(r.smtp_text, "may not send as signed.example") != NULL,
			      "%s: text %s", c->name, r.smtp_text);
	}
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

/* Out of memory at any allocation while planning a refusal: the plan
 * still refuses or says temp, and its log line and SMTP text are whole or
 * absent, never with a piece missing or a "(null)" in it. */
START_TEST(plan_out_of_memory_gives_whole_texts_or_none)
{
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob;
	static const char *const values[] = { "ceo@example.com" };
	size_t lens[] = { strlen(values[0]) }, refused = 1;
	struct aa_from from;
	struct aa_dkim_result none = { 0 };
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = "ceo@example.com", .from = &from, .dkim = &none,
				  .rcpt_domain = "outlook.com", .submitter = &owner };
	struct aa_plan r;
	static const char *const fixes[] = {	/* whenever there is a text, all of them */
		"5.7.1 authalign: mail from example.com to outlook.com would be refused (5.7.515: ",
		"). Fix: add ip4:203.0.113.5 to example.com's SPF record, ",
		", and configure a DKIM key for example.com. Or route it through smarthost relay after adding "
		"ip4:198.51.100.25 to example.com's SPF record, and configure a DKIM key for example.com "
		"(the relay does not sign it)",
	};
	static const char *const log_parts[] = {
		" route=- direct=refused(spf=", "; profile=outlook 5.7.515) sign=n/a(no dkim= key) "
		"rewrite=n/a(no return_path=) smarthost:relay=refused(spf=",
		"; profile=outlook 5.7.515) chosen=none fix:(add ip4:203.0.113.5 to example.com's SPF record, ",
		", and configure a DKIM key for example.com. Or route it through smarthost relay after adding "
		"ip4:198.51.100.25 to example.com's SPF record, and configure a DKIM key for example.com "
		"(the relay does not sign it)) action=refuse",
	};
	const char *log, *text;

	load_outbound(&ob);
	ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_int_eq(r.step, AA_STEP_REFUSE);
	log = strdup(r.log_line);
	text = strdup(r.smtp_text);
	for (size_t f = 0; f < sizeof(log_parts) / sizeof(log_parts[0]); f++)
		ck_assert_ptr_nonnull(strstr(log, log_parts[f]));
	for (size_t f = 0; f < sizeof(fixes) / sizeof(fixes[0]); f++)
		ck_assert_ptr_nonnull(strstr(text, fixes[f]));
	/* one allocation refused, or every one from the n-th on */
	for (size_t k = 0; k < 2; k++, refused = 1) {
		for (size_t n = 0; refused > 0 && n < 2000; n++) {
			aa_ctx_end_message(ctx);	/* the From read lived in the message's arena */
			ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
			aa_arena_fail_after(ctx->arena, n, k == 0 ? 1 : SIZE_MAX);
			ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
			refused = aa_arena_fail_after(ctx->arena, SIZE_MAX, 0);
			ck_assert_msg(r.step == AA_STEP_REFUSE || r.temp, "failing after %zu: step %s", n,
				      aa_step_name(r.step));
			ck_assert_msg(r.log_line == NULL || strstr(r.log_line, "(null)") == NULL, "%zu: %s", n,
				      r.log_line);
			ck_assert_msg(r.smtp_text == NULL || strstr(r.smtp_text, "(null)") == NULL, "%zu: %s", n,
				      r.smtp_text);
			/* a refusal says every step and every fix */
			for (size_t f = 0; r.log_line != NULL && strstr(r.log_line, "chosen=none") != NULL &&
					   f < sizeof(log_parts) / sizeof(log_parts[0]); f++)
				ck_assert_msg(strstr(r.log_line, "(no memory)") != NULL ||
					      strstr(r.log_line, log_parts[f]) != NULL, "failing after %zu: %s", n,
					      r.log_line);
			for (size_t f = 0; r.smtp_text != NULL && f < sizeof(fixes) / sizeof(fixes[0]); f++)
				ck_assert_msg(strstr(r.smtp_text, "(no memory)") != NULL ||
					      strstr(r.smtp_text, fixes[f]) != NULL, "failing after %zu: %s", n,
					      r.smtp_text);
		}
		ck_assert_uint_eq(refused, 0);	/* the loop reached a run with memory enough */
	}
	free((void *)log);
	free((void *)text);
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

/* The whole record of the key file, exactly as openssl makes it. */
START_TEST(the_fix_for_a_rotated_key_is_the_key_files_exact_record)
{
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob;
	static const char *const values[] = { "a@rotated.example" };
	size_t lens[] = { strlen(values[0]) };
	struct aa_from from;
	struct aa_dkim_result none = { 0 };
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = "a@rotated.example", .from = &from, .dkim = &none,
				  .rcpt_domain = "contoso.example", .submitter = &owner };
	struct aa_plan r;
	char *rec = aa_test_read_data("rsa2048.txt"), *want = NULL;

	load_outbound(&ob);
	ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_int_ge(asprintf(&want, "publish s1._domainkey.rotated.example TXT \"%s\" (the key published "
				  "there is not the public half of ", rec), 0);
	ck_assert_msg(r.smtp_text != NULL && strstr(r.smtp_text, want) != NULL, "%s", r.smtp_text);
	ck_assert_msg(strstr(r.log_line, want) != NULL, "%s", r.log_line);
	free(want);
	free(rec);
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

/* ---- relays modelled as they sign ----
 * m365 signs with the nearest of its accepted domains (dkim_domains=),
 * selector1 and selector2; relay signs own.example itself (resigns=),
 * selector relay. Neither egress is in any SPF record here, so only the
 * relay's signature can make DMARC pass. */
static const char *const relay_zone[] = {
	"contoso.example MX 10 contoso-example.mail.protection.outlook.com",
	"_dmarc.strict.example TXT \"v=DMARC1; p=reject; adkim=s\"",
	"_dmarc.relaxed.example TXT \"v=DMARC1; p=reject\"",
	"_dmarc.half.example TXT \"v=DMARC1; p=reject\"",
	"_dmarc.unpub.example TXT \"v=DMARC1; p=reject\"",
	"_dmarc.flaky.example TXT \"v=DMARC1; p=reject\"",
	"selector1._domainkey.flaky.example TXT SERVFAIL",
	"_dmarc.own.example TXT \"v=DMARC1; p=reject\"",
	"_dmarc.unlisted.example TXT \"v=DMARC1; p=reject\"",
	NULL,
};

/* The relays' keys published (name, file of test/data/dkim): half.example
 * lacks selector2, unpub.example both, flaky.example's selector1 fails. */
static const char *const relay_keys[][2] = {
	{ "selector1._domainkey.strict.example", "rsa2048.txt" },
	{ "selector2._domainkey.strict.example", "rsa4096.txt" },
	{ "selector1._domainkey.relaxed.example", "rsa2048.txt" },
	{ "selector2._domainkey.relaxed.example", "ed25519.txt" },
	{ "selector1._domainkey.half.example", "rsa2048.txt" },
	{ "selector2._domainkey.flaky.example", "rsa2048.txt" },
	{ "relay._domainkey.own.example", "rsa2048.txt" },
};

static const char relay_routes[] =
	"m365: hosts=example-com.mail.protection.outlook.com egress=198.51.100.30\n"
	"      dkim_domains=strict.example,relaxed.example,half.example,unpub.example,flaky.example\n"
	"      dkim_selectors=selector1,selector2\n"
	"relay: hosts=relay.example.net egress=198.51.100.25 resigns=own.example dkim_selectors=relay\n";

static const char relay_domains[] = "*: mode=enforce\n";

struct relay_case {
	const char *name;
	const char *from;
	enum aa_step step;
	const char *route;		/* chosen route, or NULL */
	int temp;
	const char *log;		/* substring of the log line */
	const char *text;		/* substring of the refusal, or NULL: none */
	const struct aa_submitter *who;	/* NULL: an owner of every domain */
};

static const struct aa_submitter sub_only = { .auth_id = "x@mail.relaxed.example", .host = "198.51.100.66" };

static const struct relay_case relay_cases[] = {
	{ "a relay signing with the From domain's parent aligns under relaxed alignment", "x@mail.relaxed.example",
	  AA_STEP_SMARTHOST, "m365", 0, "smarthost:m365=pass(spf=none mail.relaxed.example; dkim=pass d=relaxed.example aligned", NULL, NULL },
	{ "a relay signing with the From domain's parent under adkim=s is predicted unaligned and not chosen",
	  "x@mail.strict.example", AA_STEP_REFUSE, NULL, 0, "smarthost:m365=refused(spf=none mail.strict.example; dkim=pass "
	  "d=strict.example unaligned",
	  "Or have smarthost m365 sign mail.strict.example with d=mail.strict.example itself: its d=strict.example "
	  "does not align under mail.strict.example's strict DKIM alignment (adkim=s)", NULL },
	{ "a relay signing the From domain itself aligns under adkim=s", "x@strict.example", AA_STEP_SMARTHOST,
	  "m365", 0, "dkim=pass d=strict.example aligned", NULL, NULL },
	{ "a relay whose selector is unpublished is not chosen, and the fix names the record", "x@half.example",
	  AA_STEP_REFUSE, NULL, 0, "smarthost:m365=refused(spf=none half.example; dkim=fail relay key not published "
	  "at selector2._domainkey.half.example",
	  "Or publish selector2._domainkey.half.example for smarthost m365's DKIM signature (d=half.example): "
	  "the CNAME records the Microsoft 365 tenant shows", NULL },
	{ "every unpublished selector of the parent's d= is named", "x@sub.unpub.example", AA_STEP_REFUSE, NULL, 0,
	  "dkim=fail relay key not published at selector1._domainkey.unpub.example and "
	  "selector2._domainkey.unpub.example",
	  "Or publish selector1._domainkey.unpub.example and selector2._domainkey.unpub.example for smarthost m365's", NULL },
	{ "a relay selector lookup SERVFAIL gives temp, not refused", "x@flaky.example", AA_STEP_DIRECT, "direct", 1,
	  "smarthost:m365=temp(", NULL, NULL },
	{ "resigns= signs the From domain itself, and its selector is checked", "x@own.example", AA_STEP_SMARTHOST,
	  "relay", 0, "smarthost:relay=pass(spf=none own.example; dkim=pass d=own.example aligned", NULL, NULL },
	{ "resigns= does not sign a subdomain it does not list", "x@sub.own.example", AA_STEP_REFUSE, NULL, 0,
	  "smarthost:relay=refused(spf=none sub.own.example; dkim=none", "Fix:", NULL },
	{ "a From domain under none of the relay's domains gets no relay signature", "x@unlisted.example",
	  AA_STEP_REFUSE, NULL, 0, "smarthost:m365=refused(spf=none unlisted.example; dkim=none", NULL, NULL },
	{ "a relay signing with a parent's d= is not used for a submitter who owns only the subdomain",
	  "x@mail.relaxed.example", AA_STEP_REFUSE, NULL, 0,
	  "owner=yes(authenticated as x@mail.relaxed.example; AUTH id in the domain) to=contoso.example route=- "
	  "direct=refused(", NULL, &sub_only },
};

START_TEST(relays_are_predicted_as_they_sign)
{
	const struct relay_case *c = &relay_cases[_i];
	struct aa_ctx *ctx = aa_test_ctx(relay_zone);
	struct aa_outbound ob;
	const char *values[] = { c->from };
	size_t lens[] = { strlen(c->from) };
	struct aa_from from;
	struct aa_dkim_result none = { 0 };
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = c->from, .from = &from, .dkim = &none,
				  .rcpt_domain = "contoso.example", .submitter = c->who != NULL ? c->who : &owner };
	struct aa_plan r;

	for (size_t i = 0; i < sizeof(relay_keys) / sizeof(relay_keys[0]); i++)
		aa_test_publish(ctx, relay_keys[i][0], relay_keys[i][1]);
	load_outbound_with(&ob, relay_routes, relay_domains);
	ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_msg(r.step == c->step && r.temp == c->temp, "%s: step %s temp %d: %s", c->name,
		      aa_step_name(r.step), r.temp, r.log_line);
	if (c->route != NULL)
		ck_assert_msg(r.route != NULL && strcmp(r.route->name, c->route) == 0, "%s: %s", c->name, r.log_line);
	ck_assert_msg(r.log_line != NULL && strstr(r.log_line, c->log) != NULL, "%s: log %s", c->name, r.log_line);
	if (c->text != NULL)
		ck_assert_msg(r.smtp_text != NULL && strstr(r.smtp_text, c->text) != NULL, "%s: text %s", c->name,
			      r.smtp_text);
	if (c->who != NULL)
		ck_assert_msg(strstr(r.log_line, "smarthost:m365=n/a(signs with d=relaxed.example, which the "
				     "submitter does not own)") != NULL, "%s: log %s", c->name, r.log_line);
	if (c->step == AA_STEP_REFUSE && c->text == NULL)	/* nothing a relay's records would fix */
		ck_assert_msg(r.smtp_text != NULL && strstr(r.smtp_text, "Or publish") == NULL &&
			      strstr(r.smtp_text, "Or have smarthost") == NULL, "%s: text %s", c->name, r.smtp_text);
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

/* What m365 answered this host before, and what the next plan does with it. */
struct lesson_case {
	const char *name;
	const char *dest, *from, *route, *egress, *reply;	/* recorded; dest NULL: nothing */
	enum aa_step step;		/* the plan for a@both.example to contoso.example */
	const char *log;		/* in its log line */
};

#define S3150 "550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent. Please contact your " \
	      "Internet service provider since part of their network is on our block list (S3150)."
#define DMARC509 "550 5.7.509 Access denied, sending domain [both.example] does not pass DMARC verification"

static const struct lesson_case lessons[] = {
	{ "nothing learned: direct", NULL, NULL, NULL, NULL, NULL, AA_STEP_DIRECT, "direct=pass(" },
	{ "this host's address on the destination's block list: every step on it is avoided, the relay takes it",
	  "contoso.example", "both.example", "direct", EGRESS, S3150, AA_STEP_SMARTHOST,
	  "direct=avoided(learned: contoso.example refused 203.0.113.5, blocklist 550 5.7.1 for every From domain, 1 refusal since " },
	{ "a block list learned from another From domain's mail counts for this one too",
	  "contoso.example", "other.example", "direct", EGRESS, S3150, AA_STEP_SMARTHOST, "direct=avoided(learned: contoso.example refused 203.0.113.5, blocklist" },
	{ "a DMARC refusal of the direct step: the next step is taken",
	  "contoso.example", "both.example", "direct/direct", EGRESS, DMARC509, AA_STEP_SMARTHOST,
	  "direct=avoided(learned: contoso.example refused 203.0.113.5, dmarc 550 5.7.509, 1 refusal since " },
	{ "a DMARC refusal of another From domain changes nothing",
	  "contoso.example", "other.example", "direct/direct", EGRESS, DMARC509, AA_STEP_DIRECT, "direct=pass(" },
	{ "a DMARC refusal of a later step leaves the direct step alone",
	  "contoso.example", "both.example", "direct/sign", EGRESS, DMARC509, AA_STEP_DIRECT, "direct=pass(" },
	{ "a refusal by another destination (its profile's name is not a destination) changes nothing",
	  "m365", "both.example", "direct", EGRESS, S3150, AA_STEP_DIRECT, "direct=pass(" },
	{ "a refusal of another egress address changes nothing",
	  "contoso.example", "both.example", "direct", "203.0.113.99", S3150, AA_STEP_DIRECT, "direct=pass(" },
	{ "a temporary (4xx) block-list reply is kept but avoids nothing",
	  "contoso.example", "both.example", "direct", EGRESS, "451 4.7.1 Service unavailable, client host [203.0.113.5] "
	  "blocked using Spamhaus", AA_STEP_DIRECT, "direct=pass(" },
	{ "a block list on the relay too: lessons alone never refuse, the plan is made as if nothing was learned",
	  "contoso.example", "both.example", "relay", "198.51.100.25", S3150, AA_STEP_DIRECT,
	  "smarthost:relay=avoided(learned: contoso.example refused 198.51.100.25, blocklist" },
};

START_TEST(what_a_destination_refused_makes_the_next_plan_take_another_step)
{
	const struct lesson_case *c = &lessons[_i];
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_test_tmp tmp;
	struct aa_feedback_config cfg = { .expire_s = 3600, .timeout_ms = 1000 };
	struct aa_feedback *fb = NULL;
	struct aa_learned learned = { .now = 1800000100 };
	struct aa_outbound ob;
	const char *values[] = { "a@both.example" };
	size_t lens[] = { strlen(values[0]) };
	struct aa_from from;
	struct aa_dkim_result none = { 0 };
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = "a@both.example", .from = &from, .dkim = &none,
				  .rcpt_domain = "contoso.example", .submitter = &owner, .learned = &learned };
	struct aa_plan r;
	char err[256], file[128];

	aa_test_tmp_write(&tmp, "");
	snprintf(file, sizeof(file), "%s/feedback.db", tmp.dir);
	cfg.file = file;
	ck_assert_msg(aa_feedback_open(&cfg, AA_FB_OPEN_CREATE, &fb, err, sizeof(err)) == 0, "%s", err);
	if (c->dest != NULL) {
		struct aa_fb_key k = { c->dest, c->from, c->route, c->egress };
		struct aa_fb_reply reply;

		struct aa_fb_entry e;

		aa_fb_reply_parse(c->reply, strlen(c->reply), &reply);
		ck_assert_int_eq(aa_feedback_record(fb, &k, &reply, 1800000000, &e), 1);
		ck_assert_msg(aa_fb_class_avoids(e.class), "%s: class %s avoids nothing anyway", c->name, e.class_word);
	}
	/* a block list on the relay: this host's address is blocked too */
	if (c->route != NULL && strcmp(c->route, "relay") == 0) {
		struct aa_fb_key k = { "contoso.example", "*", "direct", EGRESS };
		struct aa_fb_reply reply;

		aa_fb_reply_parse(S3150, strlen(S3150), &reply);
		ck_assert_int_eq(aa_feedback_record(fb, &k, &reply, 1800000000, NULL), 1);
	}
	learned.store = fb;
	load_outbound(&ob);
	ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_msg(r.step == c->step, "%s: step %s: %s", c->name, aa_step_name(r.step), r.log_line);
	ck_assert_msg(r.log_line != NULL && strstr(r.log_line, c->log) != NULL, "%s: log %s", c->name, r.log_line);
	ck_assert_int_eq(r.avoided, strstr(c->log, "avoided(") != NULL);
	if (c->route != NULL && strcmp(c->route, "relay") == 0)
		ck_assert_msg(r.smtp_text == NULL && strstr(r.log_line, " lessons=ignored(no other step passes) ") != NULL &&
			      strstr(r.log_line, "chosen=direct") != NULL, "%s", r.log_line);
	/* the same plan once nothing is learned any more */
	learned.now = 1800000000 + 3600;
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_msg(r.step == AA_STEP_DIRECT && !r.avoided, "%s: after expiry: %s", c->name, r.log_line);
	aa_feedback_close(&fb);
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
	unlink(file);
	aa_test_tmp_remove(&tmp);
}
END_TEST

/* Outlook.com wants SPF and DKIM: our signature alone is refused (SPF
 * fails), the rewrite that keeps it passes, and what the plan carries to
 * the transport holds both, as predicted. */
/* smarthost and rewrite together: what the transport is told holds both. */
START_TEST(a_smarthost_that_needs_the_rewrite_carries_both_to_the_transport)
{
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob;
	const char *values[] = { "a@rprelay.example" };
	size_t lens[] = { strlen(values[0]) };
	struct aa_from from;
	struct aa_dkim_result none = { 0 };
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = "a@rprelay.example", .from = &from, .dkim = &none,
				  .rcpt_domain = "contoso.example", .submitter = &owner };
	struct aa_plandata pd = { .msgid = "1xaKvM-00006s-0W", .made = 1, .count = 1 };
	struct aa_plandata back;
	struct aa_plan r;
	const char *text;

	load_outbound(&ob);
	ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_msg(r.step == AA_STEP_SMARTHOST && r.return_path != NULL, "%s", r.log_line);
	aa_plandata_entry_of(&r, "contoso.example", &pd.entry[0]);
	text = aa_plandata_encode(ctx, &pd);
	ck_assert_msg(text != NULL && strstr(text, " contoso.example=smarthost:relay,rewrite:bounces@bounce.rprelay.example")
		      != NULL, "%s", text);
	ck_assert_int_eq(aa_plandata_decode(ctx, text, &back), 0);
	ck_assert_str_eq(aa_plandata_return_path(aa_plandata_find(&back, "contoso.example")),
			 "bounces@bounce.rprelay.example");
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(a_rewrite_that_keeps_our_signature_carries_both_to_the_transport)
{
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob;
	const char *values[] = { "a@keyrp.example" };
	size_t lens[] = { strlen(values[0]) };
	struct aa_from from;
	struct aa_dkim_result none = { 0 };
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = "a@keyrp.example", .from = &from, .dkim = &none,
				  .rcpt_domain = "outlook.com", .submitter = &owner };
	struct aa_plandata pd = { .msgid = "1xaKvM-00006s-0W", .made = 1, .count = 1 };
	struct aa_plan r;
	const char *text;

	load_outbound(&ob);
	ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_msg(r.step == AA_STEP_REWRITE, "%s", r.log_line);
	ck_assert_msg(strstr(r.log_line, "sign=refused(spf=fail") != NULL &&
		      strstr(r.log_line, "rewrite=pass(spf=pass 203.0.113.5 permitted by bounce.keyrp.example; "
			     "dkim=pass d=keyrp.example aligned") != NULL, "%s", r.log_line);
	aa_plandata_entry_of(&r, "outlook.com", &pd.entry[0]);
	text = aa_plandata_encode(ctx, &pd);
	ck_assert_msg(text != NULL && strstr(text, " outlook.com=rewrite:bounces@bounce.keyrp.example,sign:keyrp.example") !=
		      NULL, "%s", text);
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

/* A host that may send from 203.0.113.5 and 2001:db8::5: SPF is judged
 * for each, the worse outcome counts and names its address, and the fix
 * names the missing mechanism. */
START_TEST(an_spf_record_without_the_hosts_ipv6_address_is_refused_over_ipv6)
{
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob;
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_dkim_result none = { 0 };
	const char *values[] = { "a@v4only.example", "a@dual.example" };
	struct aa_from from;
	struct aa_plan r;

	load_outbound(&ob);
	ob.direct.egress_ip2 = "2001:db8::5";
	for (size_t i = 0; i < 2; i++) {
		size_t len = strlen(values[i]);
		struct aa_out_msg msg = { .env_sender = values[i], .from = &from, .dkim = &none,
					  .rcpt_domain = "contoso.example", .submitter = &owner };

		ck_assert_int_eq(aa_from_parse_fields(ctx, &values[i], &len, 1, &from), 0);
		ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
		if (i == 0) {
			ck_assert_msg(r.direct.refused && strcmp(r.direct.egress, "2001:db8::5") == 0, "%s", r.log_line);
			ck_assert_msg(strstr(r.log_line, "direct=refused(spf=fail 2001:db8::5 not permitted by "
					     "v4only.example") != NULL, "%s", r.log_line);
			ck_assert_msg(r.smtp_text != NULL && strstr(r.smtp_text, "add ip6:2001:db8::5 to v4only.example's "
								    "SPF record") != NULL, "%s", r.smtp_text);
		} else {
			ck_assert_msg(!r.direct.refused && r.step == AA_STEP_DIRECT &&
				      strcmp(r.direct.egress, "203.0.113.5") == 0, "%s", r.log_line);
		}
	}
	/* a destination whose MX has an IPv4 address only is judged from 203.0.113.5 alone */
	{
		size_t len = strlen(values[0]);
		struct aa_out_msg msg = { .env_sender = values[0], .from = &from, .dkim = &none,
					  .rcpt_domain = "v4dest.example", .submitter = &owner };

		ck_assert_int_eq(aa_from_parse_fields(ctx, &values[0], &len, 1, &from), 0);
		ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
		ck_assert_msg(!r.direct.refused && strcmp(r.direct.egress, "203.0.113.5") == 0, "%s", r.log_line);
	}
	/* SPF fails from both: the fix names both */
	{
		const char *v = "a@example.com";
		size_t len = strlen(v);
		struct aa_out_msg msg = { .env_sender = v, .from = &from, .dkim = &none,
					  .rcpt_domain = "contoso.example", .submitter = &owner };

		ck_assert_int_eq(aa_from_parse_fields(ctx, &v, &len, 1, &from), 0);
		ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
		ck_assert_msg(r.smtp_text != NULL && strstr(r.smtp_text, "add ip4:203.0.113.5 and ip6:2001:db8::5 to "
							    "example.com's SPF record") != NULL, "%s", r.smtp_text);
	}
	/* one family alone: the IPv4 address passes v4only.example */
	ob.direct.egress_ip2 = NULL;
	{
		size_t len = strlen(values[0]);
		struct aa_out_msg msg = { .env_sender = values[0], .from = &from, .dkim = &none,
					  .rcpt_domain = "contoso.example", .submitter = &owner };

		ck_assert_int_eq(aa_from_parse_fields(ctx, &values[0], &len, 1, &from), 0);
		ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
		ck_assert_msg(!r.direct.refused, "%s", r.log_line);
	}
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

/* Outlook.com wants SPF and DKIM together. A domain whose order puts sign
 * last still gets the combination: signed, the steps before are tried
 * again, and the plan carries both parts to the transport. */
static const struct {
	const char *from;
	enum aa_step step;
	const char *log, *carried;
} sign_last[] = {
	{ "a@relaykey.example", AA_STEP_SMARTHOST, "smarthost:relay+sign=pass(spf=pass 198.51.100.25 permitted by "
	  "relaykey.example; dkim=pass d=relaykey.example aligned", " outlook.com=smarthost:relay,sign:relaykey.example" },
	{ "a@rpkey.example", AA_STEP_REWRITE, "sign+rewrite=pass(spf=pass 203.0.113.5 permitted by bounce.rpkey.example; "
	  "dkim=pass d=rpkey.example aligned", " outlook.com=rewrite:bounces@bounce.rpkey.example,sign:rpkey.example" },
};

START_TEST(a_domain_that_signs_last_gets_its_signature_combined_with_the_steps_before)
{
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob;
	const char *values[] = { sign_last[_i].from };
	size_t lens[] = { strlen(values[0]) };
	struct aa_from from;
	struct aa_dkim_result none = { 0 };
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = values[0], .from = &from, .dkim = &none,
				  .rcpt_domain = "outlook.com", .submitter = &owner };
	struct aa_plandata pd = { .msgid = "1xaKvM-00006s-0W", .made = 1, .count = 1 };
	struct aa_plan r;
	const char *text;

	load_outbound(&ob);
	ck_assert_int_eq(aa_from_parse_fields(ctx, values, lens, 1, &from), 0);
	ck_assert_int_eq(aa_plan_message(ctx, &ob, &msg, &r), 0);
	ck_assert_msg(r.step == sign_last[_i].step && r.sign_domain != NULL, "%s", r.log_line);
	/* each step alone was tried first, and refused */
	ck_assert_msg(strstr(r.log_line, "sign=refused(") != NULL, "%s", r.log_line);
	ck_assert_msg(strstr(r.log_line, sign_last[_i].log) != NULL, "%s", r.log_line);
	aa_plandata_entry_of(&r, "outlook.com", &pd.entry[0]);
	text = aa_plandata_encode(ctx, &pd);
	ck_assert_msg(text != NULL && strstr(text, sign_last[_i].carried) != NULL, "%s", text);
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(predict_never_uses_a_loopback_egress)
{
	struct aa_ctx *ctx = outbound_ctx();
	struct aa_outbound ob = { .dmarc_mode = AA_DMARC_RFC9989 };
	struct aa_route lo = { .name = "lo", .egress_ip = "127.0.0.1", .port = 25 };
	struct aa_from from = { .status = AA_FROM_NONE };
	struct aa_out_msg msg = { .env_sender = "a@example.com", .from = &from, .rcpt_domain = "contoso.example" };
	struct aa_prediction p;
	char err[128];

	ck_assert_int_eq(aa_outbound_load(&ob, NULL, NULL, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(aa_predict(ctx, &ob, &msg, &lo, NULL, NULL, &p), -1);
	ck_assert(p.temp && !p.refused);
	aa_outbound_free(&ob);
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_outbound(void)
{
	Suite *s = suite_create("outbound");
	TCase *tc = tcase_create("outbound");

	tcase_add_loop_test(tc, plan_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, from_fields_that_may_hide_a_domain_withhold_its_powers, 0,
			    (int)(sizeof(hidden) / sizeof(hidden[0])));
	tcase_add_test(tc, predict_never_uses_a_loopback_egress);
	tcase_add_test(tc, an_spf_record_without_the_hosts_ipv6_address_is_refused_over_ipv6);
	tcase_add_loop_test(tc, a_domain_that_signs_last_gets_its_signature_combined_with_the_steps_before, 0,
			    (int)(sizeof(sign_last) / sizeof(sign_last[0])));
	tcase_add_test(tc, a_rewrite_that_keeps_our_signature_carries_both_to_the_transport);
	tcase_add_test(tc, a_smarthost_that_needs_the_rewrite_carries_both_to_the_transport);
	tcase_add_loop_test(tc, what_a_destination_refused_makes_the_next_plan_take_another_step, 0,
			    (int)(sizeof(lessons) / sizeof(lessons[0])));
	tcase_add_test(tc, the_fix_for_a_rotated_key_is_the_key_files_exact_record);
	tcase_add_loop_test(tc, relays_are_predicted_as_they_sign, 0, (int)(sizeof(relay_cases) / sizeof(relay_cases[0])));
	tcase_add_test(tc, plan_out_of_memory_gives_whole_texts_or_none);
	suite_add_tcase(s, tc);
	return s;
}
