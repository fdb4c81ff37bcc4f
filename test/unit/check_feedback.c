/* check_feedback.c - destinations' real replies put in the right class, and the reply read out of Exim's event text.
 *
 * The replies are the texts receivers send, as their own documentation
 * and bounce reports quote them (Microsoft's NDR pages, Gmail's SMTP
 * error reference, Spamhaus, Postfix, Exim, Sendmail, postgrey, Yahoo,
 * Comcast); addresses are documentation ones. */
#include "aa_feedback.h"
#include "aa_test.h"

static const struct {
	const char *reply;
	enum aa_fb_class want;
} replies[] = {
	/* DMARC and authentication */
	{ "550 5.7.509 Access denied, sending domain [contoso.com] does not pass DMARC verification and has "
	  "a DMARC policy of reject.", AA_FB_DMARC },
	{ "550 5.7.515 Access denied, sending domain [example.com] doesn't meet the required authentication "
	  "level. Spf=Pass, Dkim=Fail, DMARC=Pass", AA_FB_DMARC },
	{ "550 5.7.515 Access denied, sending domain example.com does not meet the required authentication "
	  "level.", AA_FB_DMARC },
	/* a smarthost that wants a login, or refuses the one given */
	{ "530 5.7.0 Authentication Required", AA_FB_RELAY },
	{ "530 5.7.0 Must issue a STARTTLS command first", AA_FB_RELAY },
	{ "550 5.7.60 SMTP; Client does not have permissions to send as this sender", AA_FB_RELAY },
	/* the envelope sender's domain does not exist: not the route's fault */
	{ "450 4.1.8 <a@vm>: Sender address rejected: Domain not found", AA_FB_OTHER },
	{ "554 5.7.9 Message not accepted for policy reasons.", AA_FB_OTHER },
	{ "450 4.7.1 <localhost.localdomain>: Helo command rejected: Host not found", AA_FB_BLOCKLIST },
	{ "535 5.7.8 Username and Password not accepted.", AA_FB_RELAY },
	/* Yahoo's block of the sending address */
	{ "553 5.7.2 [TSS09] All messages from 203.0.113.10 will be permanently deferred; Retrying will NOT "
	  "succeed.", AA_FB_BLOCKLIST },
	{ "550-5.7.26 This mail has been blocked because the sender is unauthenticated.\n"
	  "550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.", AA_FB_DMARC },
	{ "550-5.7.26 Unauthenticated email from example.com is not accepted due to\n"
	  "550-5.7.26 domain's DMARC policy. Please contact the administrator of\n"
	  "550-5.7.26 example.com domain if this was a legitimate mail.", AA_FB_DMARC },
	{ "421-4.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.",
	  AA_FB_DMARC },
	{ "550-5.7.1 This message does not have authentication information or fails to\n"
	  "550-5.7.1 pass authentication checks. To best protect our users from spam, the\n"
	  "550-5.7.1 message has been blocked.", AA_FB_DMARC },
	{ "550 5.7.1 Email rejected per DMARC policy for example.com", AA_FB_DMARC },
	{ "550 DMARC Sender Invalid - envelope rejected", AA_FB_DMARC },
	{ "550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all "
	  "senders to authenticate with either SPF or DKIM.", AA_FB_DMARC },
	{ "550 5.7.20 No passing DKIM signature found", AA_FB_DMARC },
	/* SPF */
	{ "550 5.7.23 The message was rejected because of Sender Policy Framework violation", AA_FB_SPF },
	{ "550-5.7.26 This message fails to pass SPF checks for an SPF record with a hard\n"
	  "550-5.7.26 fail policy (-all).", AA_FB_SPF },
	{ "550 5.7.23 <bob@example.net>: Recipient address rejected: Message rejected due to: SPF fail - not "
	  "authorized. Please see http://www.openspf.net/Why?s=mfrom;id=a@example.com;ip=192.0.2.1", AA_FB_SPF },
	{ "550 5.7.1 <bob@example.net>: Recipient address rejected: Please see "
	  "http://www.openspf.net/Why?s=mfrom;id=a@example.com;ip=192.0.2.1;r=mx.example.net", AA_FB_SPF },
	{ "550 5.7.1 SPF unauthorized mail is prohibited.", AA_FB_SPF },
	{ "550 SPF check failed: 192.0.2.1 is not allowed to send mail from example.com", AA_FB_SPF },
	{ "550 5.7.24 SPF validation error", AA_FB_SPF },
	/* the sending address on a block list */
	{ "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet "
	  "service provider since part of their network is on our block list (S3150). You can also refer "
	  "your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", AA_FB_BLOCKLIST },
	{ "550 5.7.1 Unfortunately, messages from [198.51.100.7] weren't sent. Please contact your Internet "
	  "service provider since part of their network is on our block list (S3140). You can also refer "
	  "your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.", AA_FB_BLOCKLIST },
	{ "550 SC-001 (COL0-MC4-F44) Unfortunately, messages from 192.0.2.1 weren't sent. Please contact your "
	  "Internet service provider since part of their network is on our block list.", AA_FB_BLOCKLIST },
	{ "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org; "
	  "https://www.spamhaus.org/query/ip/192.0.2.1", AA_FB_BLOCKLIST },
	{ "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal "
	  "from this list see https://www.spamhaus.org/query/ip/192.0.2.1 (AS3130). [BN1NAM02FT005.eop-nam02."
	  "prod.protection.outlook.com]", AA_FB_BLOCKLIST },
	{ "550 rejected because 192.0.2.1 is in a black list at zen.spamhaus.org", AA_FB_BLOCKLIST },
	{ "554 Service unavailable; Client host [192.0.2.1] blocked using Barracuda Reputation; "
	  "http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.1", AA_FB_BLOCKLIST },
	{ "550 5.7.1 Rejecting mail, 192.0.2.1 is blacklisted", AA_FB_BLOCKLIST },
	{ "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in Spamhaus's "
	  "list; see http://postmaster.yahoo.com/550-bl23.html", AA_FB_BLOCKLIST },
	{ "554 resimta-ch2-18v.sys.comcast.net resimta-ch2-18v.sys.comcast.net 192.0.2.1 found on one or "
	  "more DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000010", AA_FB_BLOCKLIST },
	{ "554-gmx.net (mxgmx017) Nemesis ESMTP Service not available\n554-No SMTP service\n"
	  "554 IP address is block listed.", AA_FB_BLOCKLIST },
	{ "550 5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list "
	  "please visit https://sender.office.com/ and follow the directions.", AA_FB_BLOCKLIST },
	{ "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
	  AA_FB_BLOCKLIST },
	{ "550-5.7.25 [192.0.2.1] The IP address sending this message does not have a\n"
	  "550-5.7.25 PTR record setup, or the corresponding forward DNS entry does not\n"
	  "550-5.7.25 point to the sending IP.", AA_FB_BLOCKLIST },
	{ "550 Message rejected due to sender IP reputation ([192.0.2.1])", AA_FB_BLOCKLIST },
	{ "550-5.7.1 [192.0.2.1] The IP you're using to send mail is not authorized to\n"
	  "550-5.7.1 send email directly to our servers. Please use the SMTP relay at your\n"
	  "550-5.7.1 service provider instead.", AA_FB_BLOCKLIST },
	/* relay and tenant */
	{ "550 5.7.64 TenantAttribution; Relay Access Denied [SN1NAM02FT022.eop-nam02.prod.protection."
	  "outlook.com]", AA_FB_RELAY },
	{ "550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain", AA_FB_RELAY },
	{ "554 5.7.1 <bob@example.net>: Relay access denied", AA_FB_RELAY },
	{ "550 relay not permitted", AA_FB_RELAY },
	{ "550 5.7.1 <bob@example.net>... Relaying denied. Proper authentication required.", AA_FB_RELAY },
	{ "553 Relay denied", AA_FB_RELAY },
	{ "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains.",
	  AA_FB_RELAY },
	/* rate limits and greylisting */
	{ "421-4.7.28 Gmail has detected an unusual rate of unsolicited mail. To protect\n"
	  "421-4.7.28 our users from spam, mail has been temporarily rate limited.", AA_FB_RATELIMIT },
	{ "550-5.7.28 Gmail has detected an unusual rate of unsolicited mail originating\n"
	  "550-5.7.28 from your IP address.", AA_FB_RATELIMIT },
	{ "421-4.7.0 This message is suspicious due to the very low reputation of the\n"
	  "421-4.7.0 sending domain.", AA_FB_RATELIMIT },
	{ "451 4.7.500 Server busy. Please try again later from [192.0.2.1]. (AS77714)", AA_FB_RATELIMIT },
	{ "451 4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.",
	  AA_FB_RATELIMIT },
	{ "450 4.2.0 <bob@example.net>: Recipient address rejected: Greylisted, see "
	  "http://postgrey.schweikert.ch/help/example.net.html", AA_FB_RATELIMIT },
	{ "451 4.7.1 Greylisting in action, please come back later", AA_FB_RATELIMIT },
	{ "451 4.7.1 Try again later", AA_FB_RATELIMIT },
	{ "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user "
	  "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", AA_FB_RATELIMIT },
	{ "452 4.5.3 Too many recipients", AA_FB_RATELIMIT },
	/* unknown users */
	{ "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
	  "550-5.1.1 double-checking the recipient's email address for typos or\n"
	  "550-5.1.1 unnecessary spaces.", AA_FB_UNKNOWN_USER },
	{ "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
	  AA_FB_UNKNOWN_USER },
	{ "550 5.4.1 Recipient address rejected: Access denied. AS(201806281) [DM6NAM11FT012.eop-nam11."
	  "prod.protection.outlook.com]", AA_FB_UNKNOWN_USER },
	{ "550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown in virtual mailbox table",
	  AA_FB_UNKNOWN_USER },
	{ "550 unknown user", AA_FB_UNKNOWN_USER },
	{ "550 Unrouteable address", AA_FB_UNKNOWN_USER },
	/* other refusals */
	{ "550-5.7.1 [192.0.2.1] Our system has detected that this message is\n"
	  "550-5.7.1 likely unsolicited mail.", AA_FB_OTHER },
	{ "554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes",
	  AA_FB_OTHER },
	{ "550 Denied by policy", AA_FB_OTHER },
	{ "554 Too many Received: headers", AA_FB_OTHER },
	{ "451 4.3.0 Temporary local problem - please try later", AA_FB_OTHER },
	{ "552 5.3.4 Message size exceeds fixed maximum message size", AA_FB_OTHER },
	/* no refusal */
	{ "250 2.0.0 OK id=1tXyZa-000123-AB", AA_FB_NONE },
	{ "Connection refused", AA_FB_NONE },
	{ "", AA_FB_NONE },
};

START_TEST(reply_gets_its_class)
{
	struct aa_fb_reply r;
	const char *rule;
	enum aa_fb_class got;

	aa_fb_reply_parse(replies[_i].reply, strlen(replies[_i].reply), &r);
	got = aa_fb_classify(&r, &rule);
	ck_assert_msg(got == replies[_i].want, "\"%.70s\": %s (rule %s), want %s", replies[_i].reply,
		      aa_fb_class_name(got), rule, aa_fb_class_name(replies[_i].want));
	ck_assert_ptr_nonnull(rule);
}
END_TEST

/* What Exim hands a delivery event: the command, then the reply;
 * a multi-line reply's newlines as the two characters \n. */
START_TEST(exim_event_data_gives_code_status_and_class)
{
	static const char data[] =
		"SMTP error from remote mail server after RCPT TO:<bob@outlook.example>: 550 5.7.1 "
		"Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service "
		"provider since part of their network is on our block list (S3150).";
	static const char multi[] =
		"SMTP error from remote mail server after pipelined end of data: 550-5.7.26 Unauthenticated "
		"email from example.com is not accepted due to\\n550-5.7.26 domain's DMARC policy.";
	struct aa_fb_reply r;
	const char *rule;

	aa_fb_reply_parse(data, strlen(data), &r);
	ck_assert_int_eq(r.code, 550);
	ck_assert_str_eq(r.status, "5.7.1");
	ck_assert_int_eq(strncmp(r.text, "550 5.7.1 Unfortunately", 23), 0);
	ck_assert_int_eq(aa_fb_classify(&r, &rule), AA_FB_BLOCKLIST);
	aa_fb_reply_parse(multi, strlen(multi), &r);
	ck_assert_int_eq(r.code, 550);
	ck_assert_str_eq(r.status, "5.7.26");
	ck_assert_int_eq(aa_fb_classify(&r, &rule), AA_FB_DMARC);
}
END_TEST

/* The sender writes the address Exim echoes before the reply: a code in a
 * quoted local part, a parameter or a bracket is never taken for the
 * destination's answer. */
START_TEST(a_code_inside_the_echoed_command_is_not_the_reply)
{
	static const struct { const char *data; int code; const char *status; } cases[] = {
		{ "SMTP error from remote mail server after RCPT TO:<\"x: 550 5.7.606 y\"@d.example>: 550 unknown user",
		  550, "" },
		{ "SMTP error from remote mail server after pipelined MAIL FROM:<\"a: 550 5.7.606 b\"@n.example> "
		  "SIZE=100: 451 4.7.1 Greylisted", 451, "4.7.1" },
		{ "SMTP error from remote mail server after RCPT TO:<\"q\\\"> : 550 5.7.606\"@d.example>: 250 OK", 250, "" },
		{ "SMTP error from remote mail server after MAIL FROM:<a@b.example> AUTH=<>: 421 4.7.0 try later", 421,
		  "4.7.0" },
		{ "SMTP error from remote mail server after RCPT TO:<\"never closed: 550 5.7.606", 0, "" },
		{ "SMTP error from remote mail server after end of data: 550 5.7.509 Access denied", 550, "5.7.509" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aa_fb_reply r;

		aa_fb_reply_parse(cases[i].data, strlen(cases[i].data), &r);
		ck_assert_msg(r.code == cases[i].code && strcmp(r.status, cases[i].status) == 0,
			      "%s: code %d status %s", cases[i].data, r.code, r.status);
	}
}
END_TEST

/* A phrase wrapped across lines of a multi-line reply still matches. */
START_TEST(phrase_across_continuation_lines_matches)
{
	static const char wrapped[] = "550-5.7.1 Client host [192.0.2.1] blocked\r\n550-5.7.1 using zen.example";
	struct aa_fb_reply r;
	const char *rule;

	aa_fb_reply_parse(wrapped, strlen(wrapped), &r);
	ck_assert_int_eq(aa_fb_classify(&r, &rule), AA_FB_BLOCKLIST);
	ck_assert_str_eq(rule, "block list text");
}
END_TEST

/* Hostile bytes: NULs, control bytes, 8-bit, a huge reply; never a
 * read past len, and a NUL ends nothing (it is one more byte). */
START_TEST(hostile_reply_bytes_are_read_within_len)
{
	static const char nul[] = "550 5.7.1 x\0spamhaus listing";
	static const char bits[] = "550 \xff\x01relay\x1b denied\xfe";
	char *big = malloc(1 << 20);
	struct aa_fb_reply r;
	const char *rule;

	ck_assert_ptr_nonnull(big);
	aa_fb_reply_parse(nul, sizeof(nul) - 1, &r);
	ck_assert_int_eq(r.code, 550);
	ck_assert_int_eq(aa_fb_classify(&r, &rule), AA_FB_BLOCKLIST);
	aa_fb_reply_parse(nul, 12, &r);		/* cut before the word: not seen */
	ck_assert_int_eq(aa_fb_classify(&r, &rule), AA_FB_OTHER);
	/* a megabyte: only the first AA_FB_SCAN_MAX bytes are looked at */
	memset(big, 'x', 1 << 20);
	memcpy(big, "550 5.7.1 ", 10);
	memcpy(big + (1 << 19), " spamhaus ", 10);
	aa_fb_reply_parse(big, 1 << 20, &r);
	ck_assert_uint_le(r.len, AA_FB_SCAN_MAX);
	ck_assert_int_eq(aa_fb_classify(&r, &rule), AA_FB_OTHER);
	memcpy(big + 100, " spamhaus ", 10);
	aa_fb_reply_parse(big, 1 << 20, &r);
	ck_assert_int_eq(aa_fb_classify(&r, &rule), AA_FB_BLOCKLIST);
	/* 8-bit and control bytes around a phrase */
	aa_fb_reply_parse(bits, sizeof(bits) - 1, &r);
	ck_assert_int_eq(aa_fb_classify(&r, &rule), AA_FB_RELAY);
	/* a status longer than RFC 3463 allows is not taken */
	aa_fb_reply_parse("550 5.7.5090 x", 14, &r);
	ck_assert_str_eq(r.status, "");
	aa_fb_reply_parse(NULL, 0, &r);
	ck_assert_int_eq(r.code, 0);
	free(big);
}
END_TEST

START_TEST(classes_that_avoid_the_route)
{
	ck_assert_int_eq(aa_fb_class_avoids(AA_FB_DMARC), 1);
	ck_assert_int_eq(aa_fb_class_avoids(AA_FB_SPF), 1);
	ck_assert_int_eq(aa_fb_class_avoids(AA_FB_BLOCKLIST), 1);
	ck_assert_int_eq(aa_fb_class_avoids(AA_FB_RELAY), 1);
	ck_assert_int_eq(aa_fb_class_avoids(AA_FB_RATELIMIT), 0);
	ck_assert_int_eq(aa_fb_class_avoids(AA_FB_UNKNOWN_USER), 0);
	ck_assert_int_eq(aa_fb_class_avoids(AA_FB_OTHER), 0);
	ck_assert_int_eq(aa_fb_class_every_from(AA_FB_BLOCKLIST), 1);
	ck_assert_int_eq(aa_fb_class_every_from(AA_FB_DMARC), 0);
	ck_assert_str_eq(aa_fb_class_name(AA_FB_UNKNOWN_USER), "unknown_user");
}
END_TEST

/* Every reply the classifier reads also gets a meaning and a fix for
 * authalign explain: a rule's own words where it has them (5.7.509), its
 * class's otherwise, and "not a refusal" for a 250. */
START_TEST(every_reply_gets_a_meaning_and_a_fix)
{
	struct aa_fb_reply r;
	struct aa_fb_explanation x;

	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		aa_fb_reply_parse(replies[i].reply, strlen(replies[i].reply), &r);
		aa_fb_explain(&r, &x);
		ck_assert_msg(x.meaning != NULL && x.meaning[0] != '\0' && x.fix != NULL && x.fix[0] != '\0',
			      "%s", replies[i].reply);
		ck_assert_int_eq(x.class, replies[i].want);
	}
	aa_fb_reply_parse("550 5.7.509 Access denied", 25, &r);
	aa_fb_explain(&r, &x);
	ck_assert_str_eq(x.rule, "5.7.509 DMARC reject (Microsoft)");
	ck_assert_msg(strstr(x.meaning, "p=reject") != NULL, "%s", x.meaning);
	aa_fb_reply_parse("250 OK", 6, &r);
	aa_fb_explain(&r, &x);
	ck_assert_int_eq(x.class, AA_FB_NONE);
	ck_assert_msg(strstr(x.meaning, "not a refusal") != NULL, "%s", x.meaning);
}
END_TEST

Suite *suite_feedback(void)
{
	Suite *s = suite_create("feedback");
	TCase *tc = tcase_create("classify");

	tcase_add_loop_test(tc, reply_gets_its_class, 0, sizeof(replies) / sizeof(replies[0]));
	tcase_add_test(tc, exim_event_data_gives_code_status_and_class);
	tcase_add_test(tc, every_reply_gets_a_meaning_and_a_fix);
	tcase_add_test(tc, a_code_inside_the_echoed_command_is_not_the_reply);
	tcase_add_test(tc, phrase_across_continuation_lines_matches);
	tcase_add_test(tc, hostile_reply_bytes_are_read_within_len);
	tcase_add_test(tc, classes_that_avoid_the_route);
	suite_add_tcase(s, tc);
	return s;
}
