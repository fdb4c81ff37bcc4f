/* check_inbound.c - the inbound acceptance cases against the real Exim + Knot world.
 *
 * Runs inside test/world/in-world: a real Exim daemon with build/authalign.so
 * loaded through local_scan_path, Knot serving the test zones, and SMTP from
 * documentation-range source addresses. Each test writes the plugin's
 * settings it needs (the plugin re-reads them when they change).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include "itest.h"
#include "aa_version.h"

#define AUTHSERV_ID ITEST_AUTHSERV_ID

static void setup(void)
{
	world_require();
	world_dns_heal();
	itest_settings("enforce", NULL);
}

/* A message text with the given From header line(s) and extra headers. */
static char *message(const char *from_lines, const char *extra_headers)
{
	return itest_message(from_lines, extra_headers);
}

/* Send; returns the reply. The delivered copy, when wanted, in *copy_r. */
static void send_msg(const char *src, const char *mail_from, const char *text,
		     const char *dkim_domain, struct world_reply *r, char **copy_r)
{
	struct world_msg m = {
		.src = src, .mail_from = mail_from, .text = text,
		.dkim_domain = dkim_domain, .rcpt = "alice@test.example",
	};

	world_send(&m, r);
	if (copy_r != NULL) {
		*copy_r = NULL;
		ck_assert_msg(r->code == 250, "expected 250 at the end of DATA, got %d at stage %s: %s",
			      r->code, world_stage_name(r->stage), r->text);
		ck_assert_int_eq(world_mail_wait("alice", r->id, 30, copy_r), 0);
	}
}

/* Our Authentication-Results (the only one claiming our id, which must exist). */
static char *our_authres(const char *copy)
{
	char *ours = NULL;

	for (int n = 0;; n++) {
		char *v = world_header(copy, "Authentication-Results", n);

		if (v == NULL)
			break;
		if (strncasecmp(v, AUTHSERV_ID, strlen(AUTHSERV_ID)) == 0) {
			ck_assert_msg(ours == NULL, "two Authentication-Results claim our id:\n%s\n%s", ours, v);
			ours = v;
		} else {
			free(v);
		}
	}
	ck_assert_msg(ours != NULL, "no Authentication-Results from us in:\n%s", copy);
	return ours;
}

#define assert_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" not in: %s", (needle), (hay))
#define assert_lacks(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) == NULL, "\"%s\" unexpectedly in: %s", (needle), (hay))

START_TEST(aligned_mail_passes_spf_dkim_and_dmarc)
{
	const char *keys[] = { "rsa", "ed" };
	struct world_reply r;
	char *copy, *ar, *text = message("From: Alice <alice@aligned.example>\n", NULL);
	struct world_msg m = { .src = world_env("AA_GOOD_IP4"), .mail_from = "alice@aligned.example",
			       .text = text, .dkim_domain = "aligned.example", .dkim_key = keys[_i] };

	world_send(&m, &r);
	ck_assert_msg(r.code == 250, "got %d at %s: %s", r.code, world_stage_name(r.stage), r.text);
	ck_assert_int_eq(world_mail_wait("alice", r.id, 30, &copy), 0);
	ar = our_authres(copy);
	assert_has(ar, "spf=pass");
	assert_has(ar, "smtp.mailfrom=alice@aligned.example");
	assert_has(ar, "dkim=pass");
	assert_has(ar, "header.d=aligned.example");
	assert_has(ar, _i == 0 ? "header.a=rsa-sha256" : "header.a=ed25519-sha256");
	assert_has(ar, "dmarc=pass");
	assert_has(ar, "header.from=aligned.example");
	free(ar);
	free(copy);
	free(text);
}
END_TEST

START_TEST(spoofed_reject_domain_gets_550_at_data_in_enforce_mode)
{
	struct world_reply r;
	char *text = message("From: CEO <ceo@reject.example>\n", NULL);
	int before = world_mail_count("alice");

	send_msg(world_env("AA_BAD_IP4"), "ceo@reject.example", text, NULL, &r, NULL);
	ck_assert_int_eq(r.stage, WORLD_DOT);
	ck_assert_int_eq(r.code, 550);
	assert_has(r.text, "5.7.1");
	assert_has(r.text, "reject.example");
	ck_assert_int_eq(world_mail_count("alice"), before);
	free(text);
}
END_TEST

START_TEST(spoofed_reject_domain_is_delivered_with_dmarc_fail_in_monitor_mode)
{
	struct world_reply r;
	char *copy, *ar, *lines = NULL, *text = message("From: CEO <ceo@reject.example>\n", NULL);

	itest_settings("monitor", NULL);
	send_msg(world_env("AA_BAD_IP4"), "ceo@reject.example", text, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "spf=fail");
	assert_has(ar, "dmarc=fail");
	assert_has(ar, "header.from=reject.example");
	ck_assert_int_eq(world_log_wait(r.id, "authalign:", 10, &lines), 0);
	assert_has(lines, "dmarc=fail");
	assert_has(lines, "mode=monitor action=accept");
	free(lines);
	free(ar);
	free(copy);
	free(text);
}
END_TEST

/* DNS broken for the SPF zone, the DMARC zone, or the whole server: 451,
 * never 5xx; when DNS recovers the same message is accepted. */
static const struct {
	const char *fault, *zone;
} dns_faults[] = {
	{ "servfail", "flaky.example" },	/* the SPF record (and A/MX) */
	{ "servfail", "_dmarc.flaky.example" },	/* the DMARC record */
	{ "stop", NULL },			/* no answer at all: timeouts */
};

START_TEST(dns_temporary_failure_defers_and_the_retry_is_delivered)
{
	struct world_reply r;
	char *copy, *ar, *text = message("From: <bob@flaky.example>\n", NULL);
	int before = world_mail_count("alice");

	ck_assert_int_eq(world_dns_fault(dns_faults[_i].fault, dns_faults[_i].zone), 0);
	send_msg(world_env("AA_BAD_IP4"), "bob@flaky.example", text, NULL, &r, NULL);
	ck_assert_msg(r.code >= 400 && r.code < 500, "DNS failure gave %d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	ck_assert_int_eq(r.code, 451);
	ck_assert_int_eq(world_mail_count("alice"), before);
	world_dns_heal();

	/* the same message again, now from the authorised host */
	send_msg(world_env("AA_GOOD_IP4"), "bob@flaky.example", text, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dmarc=pass");
	free(ar);
	free(copy);
	free(text);
}
END_TEST

START_TEST(forged_authentication_results_claiming_our_id_never_survive)
{
	struct world_reply r;
	char *copy, *ar, *other, *text = message(
		"Authentication-Results: mx.test.example; dmarc=pass header.from=none.example\n"
		"From: <carol@none.example>\n",
		"authentication-results: MX.TEST.EXAMPLE (forged);\n"
		"\tspf=pass smtp.mailfrom=none.example; dkim=pass; dmarc=pass\n"
		"Authentication-Results: other.example; dmarc=pass\n");

	send_msg(world_env("AA_BAD_IP4"), "carol@none.example", text, NULL, &r, &copy);
	ar = our_authres(copy);		/* exactly one claims our id */
	assert_has(ar, "dmarc=fail");
	assert_lacks(ar, "forged");
	assert_lacks(copy, "MX.TEST.EXAMPLE");
	other = world_header(copy, "Authentication-Results", 1);
	ck_assert_ptr_nonnull(other);	/* someone else's stays */
	assert_has(copy, "Authentication-Results: other.example; dmarc=pass");
	free(other);
	free(ar);
	free(copy);
	free(text);
}
END_TEST

/* Several authors never pass DMARC, even when each would: two From
 * fields are unreadable (permerror), two domains in one field fail. */
static const struct {
	const char *from_lines, *monitor_word;
} several_from[] = {
	{ "From: <alice@aligned.example>\nFrom: <bob@aligned.example>\n", "dmarc=permerror" },
	{ "From: alice@aligned.example, Bob <bob@none.example>\n", "dmarc=fail" },
};

START_TEST(several_from_headers_or_addresses_never_pass)
{
	struct world_reply r;
	char *copy, *ar, *text = message(several_from[_i].from_lines, NULL);

	itest_settings("monitor", NULL);
	send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", text, "aligned.example", &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dkim=pass");
	assert_lacks(ar, "dmarc=pass");
	assert_has(ar, several_from[_i].monitor_word);
	free(ar);
	free(copy);

	itest_settings("enforce", NULL);
	send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", text, "aligned.example", &r, NULL);
	ck_assert_int_eq(r.code, 550);
	free(text);
}
END_TEST

START_TEST(two_authors_of_one_domain_pass_as_that_domain)
{
	struct world_reply r;
	char *copy, *ar;
	char *text = message("From: alice@aligned.example, Bob <bob@Aligned.example>\n", NULL);

	send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", text, "aligned.example", &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dmarc=pass");
	assert_has(ar, "header.from=aligned.example");
	free(ar);
	free(copy);
	free(text);
}
END_TEST

/* A From that names no author domain to judge: 550 in enforce mode even
 * from the authorised host (SPF aligned for aligned.example), and with
 * from_unreadable = monitor accepted as dmarc=permerror, unless a domain
 * it shows fails under p=reject or there are more domains than are
 * judged (what they show is incomplete). */
static char *long_folded_from(void)
{
	size_t cap = 24 * 1024, len = 0;
	char *v = malloc(cap);

	ck_assert_ptr_nonnull(v);
	len += (size_t)sprintf(v, "From: Alice");
	while (len < 17 * 1024) {	/* legal folding: 900-byte lines */
		memcpy(v + len, "\n\t", 2);
		len += 2;
		memset(v + len, 'a', 900);
		len += 900;
	}
	sprintf(v + len, "\n\t<alice@aligned.example>\n");
	return v;
}

static const struct {
	const char *name, *from_lines;
	const char *reason;		/* in the 550 and the A-R comment */
	int softened_code;		/* with from_unreadable = monitor */
} unreadable[] = {
	{ "no From, only Sender", "Sender: <alice@aligned.example>\n", "no From field", 250 },
	{ "no From, only Resent-From", "Resent-From: <alice@aligned.example>\n", "no From field", 250 },
	{ "a header block Exim could not split", "X-Broken header line without a colon\n"
	  "From: <alice@aligned.example>\n", "no From field", 250 },
	{ "two From fields", "From: <alice@aligned.example>\nFrom: <alice@aligned.example>\n",
	  "several From fields", 250 },
	{ "From : with a space", "From: <alice@aligned.example>\nFrom : <bob@aligned.example>\n",
	  "several From fields", 250 },
	{ "From with a folded colon", "From: <alice@aligned.example>\nFrom\n\t: <bob@aligned.example>\n",
	  "several From fields", 250 },
	{ "a second From on a failing p=reject domain", "From: <alice@aligned.example>\n"
	  "From : <ceo@reject.example>\n", "several From fields", 550 },
	{ "a legally folded From over 16 KiB", NULL, "longer than 16384 bytes", 250 },
	{ "an empty label", "From: <alice@.aligned.example>\n", "not a valid host name", 250 },
	{ "a label joiner that cannot be mapped", "From: <alice@aligned\xe2\x80\x8d.example>\n",
	  "not a valid host name", 250 },
	{ "an address without a domain", "From: \"Alice\"\n", "without a domain", 250 },
	{ "nine From domains", "From: a@n1.example, a@n2.example, a@n3.example, a@n4.example, "
	  "a@n5.example, a@n6.example, a@n7.example, a@n8.example, alice@aligned.example\n",
	  "more than 8 From domains", 550 },
};

START_TEST(unreadable_from_is_rejected_with_550_and_accepted_with_permerror_when_softened)
{
	struct world_reply r;
	char *from = unreadable[_i].from_lines != NULL ? strdup(unreadable[_i].from_lines)
							: long_folded_from();
	char *copy, *ar, *text = message(from, NULL);
	int before = world_mail_count("alice");

	send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", text, NULL, &r, NULL);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == 550, "%s: %d at %s: %s", unreadable[_i].name,
		      r.code, world_stage_name(r.stage), r.text);
	assert_has(r.text, "5.7.1");
	assert_has(r.text, unreadable[_i].reason);
	ck_assert_int_eq(world_mail_count("alice"), before);

	itest_settings("enforce", "from_unreadable = monitor\n");
	if (unreadable[_i].softened_code == 550) {
		send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", text, NULL, &r, NULL);
		ck_assert_msg(r.code == 550, "%s softened: %d: %s", unreadable[_i].name, r.code, r.text);
	} else {
		send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", text, NULL, &r, &copy);
		ar = our_authres(copy);
		assert_has(ar, "dmarc=permerror");
		assert_has(ar, unreadable[_i].reason);
		assert_lacks(ar, "dmarc=pass");
		free(ar);
		free(copy);
	}
	free(text);
	free(from);
}
END_TEST

/* A Unicode author domain is judged as its A-label name: a fullwidth
 * full stop (U+FF0E) does not make reject.example unknown. */
START_TEST(from_with_fullwidth_dot_is_judged_as_ascii_name)
{
	struct world_reply r;
	char *copy, *ar;
	char *spoof = message("From: CEO <ceo@reject\xef\xbc\x8e" "example>\n", NULL);
	char *genuine = message("From: <alice@aligned\xef\xbc\x8e" "example>\n", NULL);

	send_msg(world_env("AA_BAD_IP4"), "ceo@evil.example", spoof, NULL, &r, NULL);
	ck_assert_msg(r.code == 550, "%d: %s", r.code, r.text);
	assert_has(r.text, "the From domain reject.example fails DMARC");

	send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", genuine, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dmarc=pass");
	assert_has(ar, "header.from=aligned.example");
	free(ar);
	free(copy);
	free(spoof);
	free(genuine);
}
END_TEST

/* The command-line verifier reads From through the same core code as the
 * plugin: the same verdict for the same message, "From :" included. */
static const struct {
	const char *from_lines, *authres, *reply;
} same_verdict[] = {
	{ "From : CEO <ceo@reject.example>\n", "dmarc=fail (p=reject dis=reject) header.from=reject.example",
	  "the From domain reject.example fails DMARC" },
	{ "From: <x@none.example>\nFrom : CEO <ceo@reject.example>\n",
	  "dmarc=permerror (several From fields)", "several From fields" },
	{ "X-Broken header line\nFrom: <ceo@reject.example>\n", "dmarc=permerror (no From field)",
	  "no From field" },
};

START_TEST(cli_verifier_and_plugin_give_the_same_verdict)
{
	struct world_reply r;
	char *out = NULL, *path = NULL;
	char *text = message(same_verdict[_i].from_lines, NULL);
	FILE *f;

	send_msg(world_env("AA_BAD_IP4"), "ceo@reject.example", text, NULL, &r, NULL);
	ck_assert_msg(r.code == 550, "plugin: %d: %s", r.code, r.text);
	assert_has(r.text, same_verdict[_i].reply);
	ck_assert_int_ge(asprintf(&path, "%s/same-verdict-%d.eml", world_env("AA_WORLD"), _i), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(world_sh(&out, 30, "\"$AA_ROOT/build/authalign\" -c \"$AA_AUTHALIGN_CONFIG\" "
				  "verify %s mail.reject.example ceo@reject.example < %s",
				  world_env("AA_BAD_IP4"), path), 3);	/* would be refused */
	assert_has(out, same_verdict[_i].authres);
	assert_has(out, "action: reject 5.7.1");
	assert_has(out, same_verdict[_i].reply);
	free(out);
	free(path);
	free(text);
}
END_TEST

START_TEST(strict_dkim_alignment_does_not_accept_a_subdomain_signature)
{
	struct world_reply r;
	char *copy, *ar, *text = message("From: <dave@strict.example>\n", NULL);

	itest_settings("monitor", NULL);
	send_msg(world_env("AA_BAD_IP4"), "dave@strict.example", text, "sub.strict.example", &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dkim=pass");
	assert_has(ar, "header.d=sub.strict.example");
	assert_has(ar, "dmarc=fail");
	free(ar);
	free(copy);

	itest_settings("enforce", NULL);
	send_msg(world_env("AA_BAD_IP4"), "dave@strict.example", text, "sub.strict.example", &r, NULL);
	ck_assert_int_eq(r.code, 550);
	free(text);
}
END_TEST

START_TEST(np_reject_applies_to_a_non_existent_subdomain_only)
{
	struct world_reply r;
	char *copy, *ar;
	char *ghost = message("From: <x@ghost.np.example>\n", NULL);
	char *real = message("From: <x@real.np.example>\n", NULL);

	send_msg(world_env("AA_BAD_IP4"), "x@ghost.np.example", ghost, NULL, &r, NULL);
	ck_assert_int_eq(r.code, 550);
	assert_has(r.text, "ghost.np.example");

	/* an existing subdomain falls under sp=none: delivered, dmarc=fail */
	send_msg(world_env("AA_BAD_IP4"), "x@real.np.example", real, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dmarc=fail");
	free(ar);
	free(copy);
	free(ghost);
	free(real);
}
END_TEST

/* A forged "DKIM-Signature<TAB>:" field (Exim takes it, libopendkim
 * refuses it) copying a real signature of aligned.example but naming the
 * p=reject victim, above that real signature: the victim gets permerror,
 * the real pass stays with aligned.example, and DMARC for the victim
 * fails (it used to take the real pass by position and be delivered). */
static char *forge_tab_colon(const char *signed_text, const char *real_d, const char *victim)
{
	const char *end = signed_text, *d;
	char *forged = NULL;

	/* the first field: up to a line end not followed by a blank */
	while ((end = strchr(end, '\n')) != NULL && (end[1] == ' ' || end[1] == '\t'))
		end++;
	ck_assert_ptr_nonnull(end);
	end++;
	ck_assert_int_eq(strncmp(signed_text, "DKIM-Signature:", 15), 0);
	d = strstr(signed_text, real_d);
	ck_assert_msg(d != NULL && d < end, "no %s in the first field", real_d);
	ck_assert_int_ge(asprintf(&forged, "DKIM-Signature\t:%.*s%s%.*s%s", (int)(d - signed_text - 15),
				  signed_text + 15, victim, (int)(end - d - strlen(real_d)), d + strlen(real_d),
				  signed_text), 0);
	return forged;
}

START_TEST(forged_tab_colon_signature_for_a_reject_domain_is_rejected_not_passed)
{
	struct world_reply r;
	char *copy, *ar, *text = message("From: CEO <ceo@reject.example>\n", NULL);
	char *signed_text = world_sign(text, "aligned.example", "rsa");
	char *forged;
	int before;

	ck_assert_ptr_nonnull(signed_text);
	forged = forge_tab_colon(signed_text, "d=aligned.example", "d=reject.example");
	itest_settings("monitor", NULL);
	send_msg(world_env("AA_BAD_IP4"), "ceo@reject.example", forged, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dkim=permerror");
	assert_has(ar, "header.d=reject.example");
	assert_has(ar, "dkim=pass");
	assert_has(ar, "header.d=aligned.example");
	assert_has(ar, "dmarc=fail");
	assert_lacks(ar, "dmarc=pass");
	free(ar);
	free(copy);

	itest_settings("enforce", NULL);
	before = world_mail_count("alice");
	send_msg(world_env("AA_BAD_IP4"), "ceo@reject.example", forged, NULL, &r, NULL);
	ck_assert_int_eq(r.stage, WORLD_DOT);
	ck_assert_msg(r.code == 550, "got %d: %s", r.code, r.text);
	assert_has(r.text, "reject.example");
	ck_assert_int_eq(world_mail_count("alice"), before);
	free(forged);
	free(signed_text);
	free(text);
}
END_TEST

/* A signature whose h= names every field of the message, itself too, and
 * more: libopendkim 2.11 wrote past its array for it. Through the real
 * Exim (which adds its Received: field): that signature is permerror, the
 * real one still passes, the message is accepted and nothing panics. */
/* Panic log lines but the one every -D run of Exim writes. */
#define PANIC_LINES "grep -vc 'lost privilege for using -D option' \"$AA_EXIM_PANICLOG\" 2>/dev/null"

START_TEST(h_tag_naming_every_field_and_more_is_permerror_and_exim_stays_up)
{
	static const char names[] = "Received:DKIM-Signature:From:To:Subject:Date:Message-ID";
	struct world_reply r;
	char *copy, *ar, *bad, *panic0 = NULL, *panic1 = NULL;
	char *text = message("From: Alice <alice@aligned.example>\n", NULL);
	char *signed_text = world_sign(text, "aligned.example", "rsa");
	char h[16 * sizeof(names)];
	size_t k = 0;

	ck_assert_ptr_nonnull(signed_text);
	for (int i = 0; i < 10; i++)	/* ten times every name: all fields taken, and more */
		k += (size_t)snprintf(h + k, sizeof(h) - k, "%s%s", i == 0 ? "" : ":", names);
	ck_assert_uint_lt(k, sizeof(h));
	ck_assert_int_ge(asprintf(&bad, "DKIM-Signature: v=1; a=rsa-sha256; d=aligned.example; s=rsa;"
				  " bh=AAAA; h=%s; b=AAAA\n%s", h, signed_text), 0);
	world_sh(&panic0, 10, PANIC_LINES);
	itest_settings("monitor", NULL);
	send_msg(world_env("AA_GOOD_IP4"), "alice@aligned.example", bad, NULL, &r, &copy);
	ar = our_authres(copy);
	assert_has(ar, "dkim=permerror");
	assert_has(ar, "h= names more header fields than the message has");
	assert_has(ar, "dkim=pass");
	assert_has(ar, "dmarc=pass");
	world_sh(&panic1, 10, PANIC_LINES);
	ck_assert_msg(panic0 != NULL && panic1 != NULL && strcmp(panic0, panic1) == 0,
		      "panic log lines before: %s, after: %s", panic0, panic1);
	ck_assert_int_eq(kill((pid_t)atol(world_env("AA_EXIM_PID")), 0), 0);
	free(panic0);
	free(panic1);
	free(ar);
	free(copy);
	free(bad);
	free(signed_text);
	free(text);
}
END_TEST

/* Every Exim process that loads the plugin says which release it is and
 * which settings it read, before its first verdict. */
START_TEST(plugin_names_its_version_and_settings_in_the_log)
{
	struct world_reply r;
	char *text = message("From: Alice <alice@aligned.example>\n", NULL), *lines = NULL;
	struct world_msg m = { .src = world_env("AA_GOOD_IP4"), .mail_from = "alice@aligned.example",
			       .text = text, .dkim_domain = "aligned.example", .dkim_key = "rsa" };

	world_send(&m, &r);
	ck_assert_msg(r.code == 250, "got %d: %s", r.code, r.text);
	ck_assert_int_eq(world_log_wait(r.id, "authalign: ", 30, NULL), 0);
	ck_assert_msg(world_log_grep("authalign " AA_VERSION " (local_scan ABI 6.0): settings /", &lines) > 0,
		      "no version line in the main log");
	free(lines);
	free(text);
}
END_TEST

/* Files the daemon holds open, its logs and output aside: "path" lines. */
static char *daemon_open_files(void)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 30, "for f in /proc/$AA_EXIM_PID/fd/*; do readlink \"$f\"; done |"
				  " grep '^/' | grep -v \"^$AA_WORLD/log/\" | grep -v \"^$AA_WORLD/run/\" | grep -v '^/dev/null$' || true"), 0);
	return out;
}

/* A message from a new connection, accepted and judged. */
static void send_judged(void)
{
	struct world_reply r;
	char *text = message("From: Alice <alice@aligned.example>\n", NULL);
	struct world_msg m = { .src = world_env("AA_GOOD_IP4"), .mail_from = "alice@aligned.example",
			       .text = text, .dkim_domain = "aligned.example", .dkim_key = "rsa" };

	world_send(&m, &r);
	ck_assert_msg(r.code == 250, "got %d: %s", r.code, r.text);
	ck_assert_int_eq(world_log_wait(r.id, "authalign: ", 30, NULL), 0);
	free(text);
}

/* With authalign_preload in smtp_accept_max_per_host (conf.d-examples/exim.conf)
 * the daemon reads the settings and tables, and each connection's process
 * inherits them: four connections add no "settings" line; a changed file
 * is read again once, by the daemon, and the daemon keeps no file of ours
 * open. Its rehearsal before it forks passed, and it had Exim load
 * local_scan_path. */
START_TEST(settings_are_read_once_by_the_daemon_not_by_each_connection)
{
	char *needle, *files;
	const char *cfg = world_env("AA_AUTHALIGN_CONFIG");
	int n0, n1, n2;
	struct timespec later[2];

	ck_assert(asprintf(&needle, "(local_scan ABI 6.0): settings %s", cfg) > 0);
	send_judged();	/* the daemon has read them by now */
	n0 = world_log_grep(needle, NULL);
	ck_assert_msg(n0 > 0, "no settings line for %s", cfg);
	ck_assert_msg(world_log_grep("(read by the daemon, for every connection)", NULL) > 0,
		      "the daemon did not say it read them");
	ck_assert_msg(world_log_grep("rehearsal before it forks did not pass", NULL) == 0,
		      "the daemon's rehearsal (aa_judge_rehearse) failed");
	/* the daemon warmed the libraries and had Exim load local_scan_path
	 * (the world's is the path the preload names) */
	ck_assert_msg(world_log_grep("the daemon started for every connection: libraries warm (rehearsal "
				     "passed); local_scan() loaded", NULL) > 0,
		      "the daemon did not say it warmed the libraries and loaded local_scan()");
	for (int i = 0; i < 4; i++)
		send_judged();
	n1 = world_log_grep(needle, NULL);
	ck_assert_msg(n1 == n0, "%d connections read the settings again", n1 - n0);
	/* the same file, changed: its modification time moves on */
	clock_gettime(CLOCK_REALTIME, &later[0]);
	later[0].tv_sec += 2;
	later[1] = later[0];
	ck_assert_int_eq(utimensat(AT_FDCWD, cfg, later, 0), 0);
	send_judged();
	send_judged();
	n2 = world_log_grep(needle, NULL);
	ck_assert_msg(n2 == n1 + 1, "a changed file was read %d times, want once", n2 - n1);
	files = daemon_open_files();
	ck_assert_msg(files[0] == '\0', "the daemon keeps files open:\n%s", files);
	free(files);
	free(needle);
}
END_TEST

Suite *suite_inbound(void)
{
	Suite *s = suite_create("inbound");
	TCase *tc = tcase_create("inbound");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, aligned_mail_passes_spf_dkim_and_dmarc, 0, 2);
	tcase_add_test(tc, spoofed_reject_domain_gets_550_at_data_in_enforce_mode);
	tcase_add_test(tc, plugin_names_its_version_and_settings_in_the_log);
	tcase_add_test(tc, settings_are_read_once_by_the_daemon_not_by_each_connection);
	tcase_add_test(tc, spoofed_reject_domain_is_delivered_with_dmarc_fail_in_monitor_mode);
	tcase_add_loop_test(tc, dns_temporary_failure_defers_and_the_retry_is_delivered, 0,
			    (int)(sizeof(dns_faults) / sizeof(dns_faults[0])));
	tcase_add_test(tc, forged_authentication_results_claiming_our_id_never_survive);
	tcase_add_loop_test(tc, several_from_headers_or_addresses_never_pass, 0,
			    (int)(sizeof(several_from) / sizeof(several_from[0])));
	tcase_add_test(tc, two_authors_of_one_domain_pass_as_that_domain);
	tcase_add_loop_test(tc, unreadable_from_is_rejected_with_550_and_accepted_with_permerror_when_softened,
			    0, (int)(sizeof(unreadable) / sizeof(unreadable[0])));
	tcase_add_test(tc, from_with_fullwidth_dot_is_judged_as_ascii_name);
	tcase_add_loop_test(tc, cli_verifier_and_plugin_give_the_same_verdict, 0,
			    (int)(sizeof(same_verdict) / sizeof(same_verdict[0])));
	tcase_add_test(tc, strict_dkim_alignment_does_not_accept_a_subdomain_signature);
	tcase_add_test(tc, np_reject_applies_to_a_non_existent_subdomain_only);
	tcase_add_test(tc, forged_tab_colon_signature_for_a_reject_domain_is_rejected_not_passed);
	tcase_add_test(tc, h_tag_naming_every_field_and_more_is_permerror_and_exim_stays_up);
	suite_add_tcase(s, tc);
	return s;
}
