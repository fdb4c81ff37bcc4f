/* check_outbound.c - authalign on the sending host of the outbound world.
 *
 * The README's matrix (test/world/README.md) goes through the sending host
 * with authalign's outbound mode set to route, monitor and enforce, and the
 * strict receiver (authalign enforcing, 550 5.7.509) judges the result:
 *   route:   every message that bounces when sent directly is delivered and
 *            passes DMARC; the ones that passed directly still go direct;
 *   monitor: the prediction logged for each message equals the receiver's
 *            verdict ("prediction agreement N/M");
 *   enforce: with no passing route the submitter gets the 550 with the fix,
 *            and nothing is queued;
 * a customer's key and return path serve only that customer (sender-owners):
 * an authenticated customer, a local user and a forwarded stranger who write
 * another customer's From domain get neither, and enforce refuses them;
 * and broken routes or pins are reported with file and line.
 */
#define _GNU_SOURCE
#include "outworld.h"

/* The sending host's settings ($AA_SENDER_AUTHALIGN_CONFIG), rewritten with
 * an outbound mode; the tables beside it stay. */
static void sender_settings_with(const char *mode, const char *extra)
{
	const char *path = world_env("AA_SENDER_AUTHALIGN_CONFIG");
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "authserv_id = server.hosting.example\nmode = off\noutbound_mode = %s\n"
		   "outbound_egress = 203.0.113.10\noutbound_helo = server.hosting.example\n"
		   "outbound_profiles_file = sender-profiles\noutbound_routes_file = sender-routes\n"
		   "outbound_domains_file = sender-domains\noutbound_owners_file = sender-owners\n"
		   "outbound_trusted_hosts = 203.0.113.10\ndns_timeout = 1s\ndns_tries = 1\ndns_shared_cache = no\n"
		   "outbound_feedback_file = ../spool/authalign/feedback.db\n%s", mode,
		extra != NULL ? extra : "");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(tmp, 0644), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

static void sender_settings(const char *mode)
{
	sender_settings_with(mode, NULL);
}

/* How many times the sending host planned message id (one log line each). */
static int plans_logged(const char *id)
{
	char *lines = NULL;
	int n = 0;

	world_log_grep_in(world_env("AA_SENDER_LOG"), id, &lines);
	for (const char *p = lines; p != NULL && (p = strstr(p, "authalign: outbound mode=")) != NULL; p++)
		n++;
	free(lines);
	return n;
}

/* A table beside the settings: path of name, for rewriting and restoring. */
static char *table_path(const char *name)
{
	char *p = NULL, *dir = strdup(world_env("AA_SENDER_AUTHALIGN_CONFIG"));

	*strrchr(dir, '/') = '\0';
	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	free(dir);
	return p;
}

static void setup(void)
{
	world_require();
	world_dns_heal();
	if (strcmp(world_env("AA_PLUGIN"), "1") != 0)
		ck_abort_msg("the world runs without the plugin");
	sender_settings("off");
}

static void teardown(void)
{
	sender_settings("off");
}

/* The sending host's log lines for id. */
static char *sender_lines(const char *id)
{
	char *lines = NULL;

	world_log_grep_in(world_env("AA_SENDER_LOG"), id, &lines);
	return lines != NULL ? lines : strdup("");
}

/* Submit every matrix row to the sending host; ids in ids[]. */
static int submit_matrix(struct row *rows, char (*ids)[32])
{
	int n = matrix_read(rows, MATRIX_MAX);

	ck_assert_int_ge(n, 20);
	for (int i = 0; i < n; i++) {
		char subject[64], *text;
		struct world_reply r;

		snprintf(subject, sizeof(subject), "outbound row %.16s", rows[i].n);
		text = message(rows[i].from, rows[i].rcpt, subject);
		submit(world_env("AA_SENDER_IP4"), 25, rows[i].mail_from, rows[i].rcpt, text, &r);
		snprintf(ids[i], sizeof(ids[i]), "%s", r.id);
		free(text);
	}
	return n;
}

/* live.com wants SPF and DKIM to pass together, as Outlook.com does with
 * bulk senders (5.7.515; exim-receiver.conf checks both with Exim's own
 * SPF and DKIM). signrp.example's SPF names only its own provider; this
 * host holds its key and a return path at bounces.signrp.example, whose
 * SPF names the host. Sent as it is, the receiver refuses it; signed
 * alone, SPF still fails; the plan signs and rewrites, and the message,
 * signed and with the new return path, is delivered. */
START_TEST(sign_and_rewrite_together_reach_an_outlook_com_like_receiver_that_wants_spf_and_dkim)
{
	struct world_reply r;
	struct outcome o;
	char *text, *lines, *copy, *ar, *sig, *rp;

	sender_settings("off");
	text = message("info@signrp.example", "user@live.com", "sign and rewrite, authalign off");
	submit(world_env("AA_SENDER_IP4"), 25, "info@signrp.example", "user@live.com", text, &r);
	free(text);
	outcome_wait(world_env("AA_SENDER_LOG"), r.id, "user@live.com", &o);
	ck_assert_msg(o.fate == FATE_BOUNCED && strstr(o.line, "5.7.515 Access denied") != NULL &&
		      strstr(o.line, "(SPF not pass, DKIM not pass)") != NULL, "%s", o.line);
	free(o.line);

	sender_settings("route");
	text = message("info@signrp.example", "user@live.com", "sign and rewrite, route");
	submit(world_env("AA_SENDER_IP4"), 25, "info@signrp.example", "user@live.com", text, &r);
	free(text);
	lines = sender_lines(r.id);
	assert_has(lines, "sign=refused(spf=fail 203.0.113.10 not permitted by signrp.example; dkim=pass "
		   "d=signrp.example aligned; dmarc=pass p=reject; profile=world-outlook 5.7.515)");
	assert_has(lines, "rewrite=pass(spf=pass 203.0.113.10 permitted by bounces.signrp.example; dkim=pass "
		   "d=signrp.example aligned; dmarc=pass");
	assert_has(lines, "chosen=rewrite action=rewrite");
	free(lines);
	outcome_wait(world_env("AA_SENDER_LOG"), r.id, "user@live.com", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED && strstr(o.line, "T=remote_smtp ") != NULL &&
		      strstr(o.line, "P=<bounces@bounces.signrp.example>") != NULL, "%s", o.line);
	copy = receiver_copy("user@live.com", o.next_id);
	sig = world_header(copy, "DKIM-Signature", 0);
	ck_assert_ptr_nonnull(sig);
	assert_has(sig, "d=signrp.example;");
	rp = world_header(copy, "Return-Path", 0);
	ck_assert_ptr_nonnull(rp);
	assert_has(rp, "<bounces@bounces.signrp.example>");
	ar = receiver_authres(copy);
	assert_has(ar, "spf=pass");
	assert_has(ar, "dkim=pass");
	assert_has(ar, "dmarc=pass");
	free(ar);
	free(rp);
	free(sig);
	free(copy);
	free(o.line);
}
END_TEST

START_TEST(route_mode_delivers_every_would_bounce_message_and_keeps_direct_ones_direct)
{
	static struct row rows[MATRIX_MAX];
	char ids[MATRIX_MAX][32];
	int n, fixed = 0, would_bounce = 0, junked = 0, kept = 0, passed_direct = 0, wrong = 0;

	sender_settings("route");
	n = submit_matrix(rows, ids);
	for (int i = 0; i < n; i++) {
		struct outcome o, o2;
		const char *log = world_env("AA_SENDER_LOG");
		char *copy, *ar;
		int via_relay;

		outcome_wait(log, ids[i], rows[i].rcpt, &o);
		if (o.fate != FATE_DELIVERED) {
			fprintf(stderr, "outbound: row %s not delivered in route mode: %s\n", rows[i].n, o.line);
			wrong++;
			free(o.line);
			continue;
		}
		/* planned once, at submission: routing and transports used that plan */
		if (plans_logged(ids[i]) != 1)
			fprintf(stderr, "outbound: row %s planned %d times\n", rows[i].n, plans_logged(ids[i])), wrong++;
		via_relay = strstr(o.line, "T=remote_smtp_relay") != NULL;
		if (via_relay) {	/* follow it through the relay */
			outcome_wait(world_env("AA_RELAY_LOG"), o.next_id, rows[i].rcpt, &o2);
			ck_assert_msg(o2.fate == FATE_DELIVERED, "row %s: the relay did not deliver: %s",
				      rows[i].n, o2.line);
			snprintf(o.next_id, sizeof(o.next_id), "%s", o2.next_id);
			free(o2.line);
		}
		copy = receiver_copy(rows[i].rcpt, o.next_id);
		ar = receiver_authres(copy);
		if (rows[i].direct == V_REJECT || (rows[i].direct == V_QUARANTINE && rows[i].relay == V_ACCEPT)) {
			/* bounced, or junked where the relay reaches the inbox */
			would_bounce += rows[i].direct == V_REJECT;
			junked += rows[i].direct == V_QUARANTINE;
			if (strstr(ar, "dmarc=pass") != NULL)
				fixed++;
			else
				fprintf(stderr, "outbound: row %s delivered without dmarc=pass: %s\n", rows[i].n, ar), wrong++;
		} else {
			char fenv[FIELD_MAX + 8];

			passed_direct++;
			snprintf(fenv, sizeof(fenv), "F=<%s>", rows[i].mail_from);
			/* no needless reroute: direct, same envelope sender, not signed by us */
			if (strstr(o.line, "R=dnslookup T=remote_smtp ") != NULL && strstr(o.line, fenv) != NULL &&
			    strstr(ar, "header.s=rsa") == NULL)
				kept++;
			else
				fprintf(stderr, "outbound: row %s passed directly but was changed: %s | %s\n",
					rows[i].n, o.line, ar), wrong++;
		}
		free(ar);
		free(copy);
		free(o.line);
	}
	printf("outbound route mode: %d of %d would-bounce or would-junk messages delivered with dmarc=pass; "
	       "%d of %d that passed directly (or junk both ways) kept direct and unchanged\n", fixed,
	       would_bounce + junked, kept, passed_direct);
	fflush(stdout);
	ck_assert_int_gt(would_bounce, 0);
	ck_assert_msg(wrong == 0, "%d rows wrong in route mode (see above)", wrong);
}
END_TEST

/* The bounce this host sent about message id to its catch-all Maildir of
 * domain, its lines joined by spaces (the text is wrapped). */
static char *bounce_of(const char *id, const char *domain)
{
	char *line = NULL, *copy = NULL, bounce_id[32], want[64];
	const char *at;

	snprintf(want, sizeof(want), "R=%s ", id);
	ck_assert_msg(world_log_wait_in(world_env("AA_SENDER_LOG"), want, "<= <> ", OUTCOME_SECONDS, &line) == 0,
		      "no bounce of %s", id);
	at = strstr(line, " <= <> ");
	ck_assert_ptr_nonnull(at);
	while (at > line && at[-1] != ' ')
		at--;
	snprintf(bounce_id, sizeof(bounce_id), "%.*s", (int)strcspn(at, " "), at);
	free(line);
	ck_assert_msg(world_mail_wait_in(world_env("AA_SENDER_MAILDIR"), domain, bounce_id, OUTCOME_SECONDS,
					 &copy) == 0, "bounce %s not in %s's Maildir", bounce_id, domain);
	for (char *p = copy; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	return copy;
}

/* The closed loop, as Outlook.com's S3150 shows it: blocklist.example's MX
 * (the receiver) refuses this host's own address. The first message
 * bounces and the transport's event_action records the refusal; the next
 * ones to that destination, from any From domain, take the smarthost and
 * are delivered; authalign status lists what was learned; nothing stays
 * in the queue. */
START_TEST(a_destination_that_blocks_this_host_is_reached_through_the_smarthost_after_the_first_bounce)
{
	const char *log = world_env("AA_SENDER_LOG"), *rcpt = "user@blocklist.example";
	struct world_reply r;
	struct outcome o, o2;
	char *text, *lines, *out = NULL, *copy;

	sender_settings("route");
	text = message("info@bothspf.example", rcpt, "blocked first");
	submit(world_env("AA_SENDER_IP4"), 25, "info@bothspf.example", rcpt, text, &r);
	free(text);
	outcome_wait(log, r.id, rcpt, &o);
	ck_assert_msg(o.fate == FATE_BOUNCED && strstr(o.line, "(S3150)") != NULL, "first: %s", o.line);
	free(o.line);
	ck_assert_msg(world_log_wait_in(log, r.id, "authalign: learned: mx.blocklist.example refused 203.0.113.10 "
					"(blocklist, 550 5.7.1; rule ", OUTCOME_SECONDS, &lines) == 0,
		      "nothing learned from the refusal of %s", r.id);
	assert_has(lines, ") for every From domain, route direct; mail to blocklist.example avoids it until ");
	assert_has(lines, " (authalign forget blocklist.example)");
	free(lines);
	/* the bounce says what authalign found and what the next messages do */
	copy = bounce_of(r.id, "bothspf.example");
	assert_has(copy, "authalign on server.hosting.example: mx.blocklist.example refused mail to "
		   "blocklist.example from 203.0.113.10 (550 5.7.1): this host's address is on the destination's "
		   "block list. Until ");
	assert_has(copy, ", the mail system here sends mail to blocklist.example from every From domain another "
		   "way where it has one (a smarthost); where it has none, such mail bounces the same way. To try "
		   "again, send the message again; if it bounces again, ask your mail administrator "
		   "(postmaster@server.hosting.example).");
	assert_has(copy, "(S3150)");
	free(copy);

	/* the next message takes the relay, and the receiver has it */
	text = message("info@bothspf.example", rcpt, "blocked second");
	submit(world_env("AA_SENDER_IP4"), 25, "info@bothspf.example", rcpt, text, &r);
	free(text);
	outcome_wait(log, r.id, rcpt, &o);
	ck_assert_msg(o.fate == FATE_DELIVERED && strstr(o.line, "T=remote_smtp_relay") != NULL, "second: %s", o.line);
	lines = sender_lines(r.id);
	assert_has(lines, "direct=avoided(learned: blocklist.example refused 203.0.113.10, blocklist 550 5.7.1 for every "
		   "From domain, 1 refusal since ");
	assert_has(lines, "chosen=smarthost action=smarthost");
	free(lines);
	outcome_wait(world_env("AA_RELAY_LOG"), o.next_id, rcpt, &o2);
	ck_assert_msg(o2.fate == FATE_DELIVERED, "the relay did not deliver: %s", o2.line);
	copy = receiver_copy(rcpt, o2.next_id);
	free(copy);
	free(o.line);
	free(o2.line);

	/* another From domain of this host: the block list concerns it too */
	text = message("info@nopolicy.example", rcpt, "blocked third");
	submit(world_env("AA_SENDER_IP4"), 25, "info@nopolicy.example", rcpt, text, &r);
	free(text);
	outcome_wait(log, r.id, rcpt, &o);
	ck_assert_msg(o.fate == FATE_DELIVERED && strstr(o.line, "T=remote_smtp_relay") != NULL, "third: %s", o.line);
	free(o.line);
	lines = sender_lines(r.id);
	assert_has(lines, "direct=avoided(learned: blocklist.example refused 203.0.113.10, blocklist");
	free(lines);

	/* predict shows the lesson; for a From domain no other step carries,
	 * that the plan takes the refused step again (exit 3) */
	ck_assert_int_eq(world_sh(&out, 30, "printf 'From: info@hostspf.example\\n\\nx\\n' | \"$AA_ROOT/build/authalign\" "
				  "-c \"$AA_SENDER_AUTHALIGN_CONFIG\" predict info@hostspf.example blocklist.example; "
				  "echo rc=$?"), 0);
	assert_has(out, "\ndirect                 avoided ");
	assert_has(out, "learned: blocklist.example refused 203.0.113.10, blocklist 550 5.7.1 for every From domain");
	assert_has(out, "\n-- no step passes without one the destination refused before: judged again");
	assert_has(out, "\nrefused before: the plan takes a step the destination refused");
	assert_has(out, "\nrc=3\n");
	free(out);
	ck_assert_msg(world_sh(&out, 30, "\"$AA_ROOT/build/authalign\" -c \"$AA_SENDER_AUTHALIGN_CONFIG\" status") == 0,
		      "%s", out);
	assert_has(out, "blocklist.example");
	assert_has(out, "blocklist");
	assert_has(out, "S3150");
	free(out);
	ck_assert_int_eq(world_sh(&out, 30, "wexim-sender -bpc"), 0);
	ck_assert_msg(strcmp(out, "0\n") == 0, "the sending host's queue holds %s", out);
	free(out);
}
END_TEST

/* exim -bt has no message: authalign says so in the log rather than show
 * a route a real message may not take. */
START_TEST(address_test_without_a_message_says_no_plan_was_made)
{
	char *out = NULL;

	sender_settings("route");
	/* exim -bt writes its log lines to standard error, where the admin sees them */
	ck_assert_int_eq(world_sh(&out, 30, "wexim-sender -bt user@rfc.example 2>&1"), 0);
	ck_assert_msg(strstr(out, "router = dnslookup") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "authalign: no message (exim -bt or -bv): no outbound plan was made") != NULL,
		      "%s", out);
	free(out);
}
END_TEST

/* Shell for the two tests below: what was learned about blocklist.example
 * is forgotten, and `queue SUBJECT` queues (-odq) one message from the
 * trusted host 203.0.113.10 to user@blocklist.example, printing its id. */
#define FORGET_BLOCKLIST_AND_QUEUE \
	"set -u; \"$AA_ROOT/build/authalign\" -c \"$AA_SENDER_AUTHALIGN_CONFIG\" forget blocklist.example >/dev/null; " \
	"queue() { printf 'HELO server.hosting.example\\r\\nMAIL FROM:<info@bothspf.example>\\r\\n" \
	"RCPT TO:<user@blocklist.example>\\r\\nDATA\\r\\nFrom: info@bothspf.example\\r\\n" \
	"To: user@blocklist.example\\r\\nSubject: %s\\r\\n\\r\\nx\\r\\n.\\r\\nQUIT\\r\\n' \"$1\" | " \
	"wexim-sender -odq -oMa 203.0.113.10 -bs | tr -d '\\r' | sed -n 's/^250 OK id=//p'; }; "

/* Ten messages queued, then delivered at once by ten Exim processes, each
 * refused by the S3150-like receiver: every refusal is counted in the one
 * store (no lost update), nothing stays queued (within 30 s: the bounces
 * are delivered by processes of their own), no store error reaches Exim's
 * panic log. */
START_TEST(parallel_refusals_through_exim_are_all_counted)
{
	char *out = NULL;
	static const char script[] = FORGET_BLOCKLIST_AND_QUEUE
		"ids=''; for i in 1 2 3 4 5 6 7 8 9 10; do ids=\"$ids $(queue parallel-$i)\"; done; "
		"for id in $ids; do wexim-sender -M $id >/dev/null 2>&1 & done; wait; "
		"\"$AA_ROOT/build/authalign\" -c \"$AA_SENDER_AUTHALIGN_CONFIG\" status; "
		/* a bounce a delivery made is delivered by a process of its
		 * own, not waited for above: at most 30 s for the queue */
		"for t in $(seq 1 60); do [ \"$(wexim-sender -bpc)\" = 0 ] && break; sleep 0.5; done; "
		"echo queued=$(wexim-sender -bpc); "
		"echo panic=$({ cat \"$AA_WORLD/sender/log/paniclog\" 2>/dev/null || true; } | grep -c authalign)";

	sender_settings("route");
	ck_assert_msg(world_sh(&out, 240, "%s", script) == 0, "%s", out);
	assert_has(out, "destination=blocklist.example class=blocklist from=* route=direct egress=203.0.113.10 ");
	assert_has(out, " count=10 avoid=yes\n");
	assert_has(out, "\nqueued=0\n");
	assert_has(out, "\npanic=0\n");
	free(out);
}
END_TEST

/* A 5xx is met by Exim's main delivery process, which is root when Exim
 * runs without -C/-D, as Debian's daemon does: the store is written by a
 * child that became Exim's user, and no file of the store is root's. */
START_TEST(a_refusal_met_as_root_is_recorded_by_exims_user)
{
	char *out = NULL;
	static const char script[] = FORGET_BLOCKLIST_AND_QUEUE
		"id=$(queue as-root); "
		/* the namespace's /etc/exim4/exim4.conf is the sender's: no -C, root kept */
		"\"$AA_EXIM\" -d-all+local_scan -M $id 2>&1 | grep 'authalign'; "
		"stat -c 'owner=%U %n' \"$AA_WORLD/sender/spool/authalign\" \"$AA_WORLD/sender/spool/authalign\"/*";

	sender_settings("route");
	ck_assert_msg(world_sh(&out, 120, "%s", script) == 0, "%s", out);
	assert_has(out, "authalign: the refusal was recorded by a child that became Exim's user\n");
	assert_has(out, "authalign: learned: mx.blocklist.example refused 203.0.113.10 (blocklist, 550 5.7.1;");
	ck_assert_msg(strstr(out, "owner=root") == NULL && strstr(out, "owner=Debian-exim") != NULL, "%s", out);
	free(out);
}
END_TEST

START_TEST(a_plan_older_than_its_ttl_is_made_again_at_routing)
{
	char *text = message("info@relayspf.example", "user@tenant.example", "planned again");
	struct world_reply r;
	struct outcome o;

	/* ttl 0: every delivery attempt plans again, as a queued message would */
	sender_settings_with("route", "outbound_plan_ttl = 0\n");
	submit(world_env("AA_SENDER_IP4"), 25, "info@relayspf.example", "user@tenant.example", text, &r);
	outcome_wait(world_env("AA_SENDER_LOG"), r.id, "user@tenant.example", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED && strstr(o.line, "R=authalign_outbound") != NULL, "%s", o.line);
	ck_assert_int_eq(plans_logged(r.id), 2);	/* at submission, and again by the router */
	free(o.line);
	free(text);
}
END_TEST

/* The router's plan reads the spooled From field as local_scan() read the
 * received one (one reader, exim/facts.c): a "From :" field, which Exim
 * counts as From but $rh_from: does not find, names the same domain at
 * submission and at routing. */
START_TEST(a_plan_made_again_at_routing_reads_the_from_field_as_submission_did)
{
	char *text = NULL, *lines = NULL;
	struct world_reply r;
	struct outcome o;
	int n = 0;

	ck_assert_int_ge(asprintf(&text, "From : <info@relayspf.example>\n"
				  "To: <user@tenant.example>\n"
				  "Subject: a From field with a space before its colon\n"
				  "Message-ID: <%ld.%d@server.hosting.example>\n"
				  "\n"
				  "Hello.\n", world_now_ms(), (int)getpid()), 0);
	sender_settings_with("route", "outbound_plan_ttl = 0\n");
	submit(world_env("AA_SENDER_IP4"), 25, "info@relayspf.example", "user@tenant.example", text, &r);
	outcome_wait(world_env("AA_SENDER_LOG"), r.id, "user@tenant.example", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED && strstr(o.line, "R=authalign_outbound") != NULL, "%s", o.line);
	world_log_grep_in(world_env("AA_SENDER_LOG"), r.id, &lines);
	ck_assert_ptr_nonnull(lines);
	for (const char *p = lines; (p = strstr(p, "authalign: outbound mode=route from=relayspf.example ")) != NULL; p++)
		n++;
	ck_assert_msg(n == 2, "want the From domain in both plans (submission, routing): %s", lines);
	free(lines);
	free(o.line);
	free(text);
}
END_TEST

/* The prediction logged for the direct route: "refused", "pass" or "temp". */
static const char *predicted(const char *lines, const char *id)
{
	const char *p = strstr(lines, "authalign: outbound mode=monitor");

	ck_assert_msg(p != NULL, "no monitor line for %s in: %s", id, lines);
	p = strstr(p, " direct=");
	ck_assert_ptr_nonnull(p);
	if (strncmp(p + 8, "refused", 7) == 0)
		return "refused";
	if (strncmp(p + 8, "temp", 4) == 0)
		return "temp";
	if (strncmp(p + 8, "junk", 4) == 0)
		return "junk";
	return "pass";
}

/* Exim keeps $local_scan_data from message A of a connection until
 * local_scan() runs for message B: B's RCPT-time lookups must not answer
 * with A's plan (A's rewrite to its customer's return path). */
START_TEST(the_next_message_of_a_connection_never_gets_the_plan_of_the_one_before)
{
	char *out = NULL;
	char *second;

	world_require();
	ck_assert_int_eq(world_sh(&out, 60, "next-transaction-probe"), 0);
	ck_assert_msg(strstr(out, "sender=<www@server.hosting.example>") != NULL, "no probe of A: %s", out);
	second = strstr(out, "sender=<other@npolicy.example>");
	ck_assert_msg(second != NULL, "no probe of B: %s", out);
	ck_assert_msg(strstr(second, "rp=<other@npolicy.example>") != NULL, "B got another return path: %s", out);
	ck_assert_msg(strstr(second, "strictalign.example") == NULL, "B got A's plan: %s", out);
	free(out);
}
END_TEST

START_TEST(monitor_mode_prediction_equals_the_receiver_verdict)
{
	static struct row rows[MATRIX_MAX];
	char ids[MATRIX_MAX][32];
	int n, agree = 0;

	sender_settings("monitor");
	n = submit_matrix(rows, ids);
	printf("%-3s %-38s %-32s %-9s %s\n", "n", "From", "recipient", "predicted", "receiver");
	for (int i = 0; i < n; i++) {
		char *why = NULL, *lines;
		enum verdict got = matrix_outcome(world_env("AA_SENDER_LOG"), &rows[i], ids[i], &why);
		const char *pred;
		int same;

		lines = sender_lines(ids[i]);
		pred = predicted(lines, ids[i]);
		/* outcomes, not only refused or not: inbox, junk, refused */
		same = (strcmp(pred, "refused") == 0) == (got == V_REJECT) &&
		       (strcmp(pred, "junk") == 0) == (got == V_QUARANTINE) && strcmp(pred, "temp") != 0;
		agree += same;
		printf("%-3s %-38s %-32s %-9s %s%s\n", rows[i].n, rows[i].from, rows[i].rcpt, pred,
		       verdict_name(got), same ? "" : "   <-- differs");
		free(lines);
		free(why);
	}
	printf("prediction agreement %d/%d\n", agree, n);
	fflush(stdout);
	ck_assert_int_ge(n, 20);
	ck_assert_msg(agree == n, "prediction agreement %d/%d", agree, n);
}
END_TEST

static int queue_count(void)
{
	char *out = NULL;
	int count;

	ck_assert_int_eq(world_sh(&out, 30, "wexim-sender -bpc"), 0);
	count = atoi(out);
	free(out);
	return count;
}

/* Deliveries to user@outlook.com the sending host has logged so far. */
static int outlook_deliveries(void)
{
	char *out = NULL;
	int n;

	ck_assert_int_eq(world_sh(&out, 10, "grep -c ' => user@outlook.com' \"$AA_SENDER_LOG\" || true"), 0);
	n = atoi(out);
	free(out);
	return n;
}

START_TEST(enforce_refuses_at_submission_when_no_route_passes)
{
	char *domains = table_path("sender-domains"), *saved = NULL, *out = NULL;
	char *text = message("info@elsewhere.example", "user@outlook.com", "no route passes");
	struct world_msg m = {
		.src = world_env("AA_SENDER_IP4"), .server = world_env("AA_SENDER_IP4"),
		.helo = "server.hosting.example", .mail_from = "info@elsewhere.example",
		.rcpt = "user@outlook.com", .text = text,
	};
	struct world_reply r;
	int before, delivered_before;

	/* without the key this host holds for elsewhere.example nothing passes */
	ck_assert_int_eq(world_sh(&saved, 10, "cat '%s'", domains), 0);
	ck_assert_int_eq(world_sh(&out, 10, "sed -i '/^elsewhere.example:/d' '%s'", domains), 0);
	free(out);
	sender_settings("enforce");
	before = queue_count();

	world_send(&m, &r);
	ck_assert_int_eq(r.stage, WORLD_DOT);
	ck_assert_msg(r.code == 550, "got %d: %s", r.code, r.text);
	ck_assert_msg(strstr(r.text, "elsewhere.example") != NULL && strstr(r.text, "Fix:") != NULL,
		      "the refusal does not say what would fix it: %s", r.text);
	/* a long fix comes over several reply lines, each within SMTP's 512 octets */
	for (const char *l = r.text, *e; *l != '\0'; l = *e != '\0' ? e + 1 : e) {
		e = l + strcspn(l, "\n");
		ck_assert_msg(e - l + 2 <= 512, "a reply line of %d octets: %.*s", (int)(e - l + 2), (int)(e - l), l);
	}
	ck_assert_int_eq(queue_count(), before);

	/* an authenticated user on the submission port gets the same answer */
	{
		struct world_msg a = m;

		a.src = "198.51.100.66";	/* a customer at home: not a relay host */
		a.port = 587;
		a.auth_user = world_env("AA_SENDER_USER");
		a.auth_pass = world_env("AA_SENDER_PASSWORD");
		world_send(&a, &r);
		ck_assert_msg(r.stage == WORLD_DOT && r.code == 550 && strstr(r.text, "Fix:") != NULL,
			      "authenticated submission got %d at %s: %s", r.code, world_stage_name(r.stage), r.text);
		ck_assert_int_eq(queue_count(), before);
	}

	/* a local submission (PHP mail(), cron) is refused too: exim -t fails,
	 * the refusal goes back to the submitter by mail, nothing goes out */
	delivered_before = outlook_deliveries();
	ck_assert_int_ne(world_sh(&out, 30, "printf 'From: info@elsewhere.example\\nTo: user@outlook.com\\n"
				  "Subject: local\\n\\nbody\\n' | wsend-local -f info@elsewhere.example"), 0);
	free(out);
	ck_assert_int_eq(world_log_wait_in(world_env("AA_SENDER_LOG"), "P=local rejected by local_scan(): 5.7.1 authalign",
					   "Fix:", 10, &out), 0);
	free(out);
	ck_assert_int_eq(outlook_deliveries(), delivered_before);

	/* a domain with a passing route still goes through in enforce mode */
	free(text);
	text = message("info@relayspf.example", "user@tenant.example", "a route passes");
	m.mail_from = "info@relayspf.example";
	m.rcpt = "user@tenant.example";
	m.text = text;
	world_send(&m, &r);
	ck_assert_msg(r.code == 250, "got %d: %s", r.code, r.text);

	{
		FILE *f = fopen(domains, "w");

		ck_assert_ptr_nonnull(f);
		fputs(saved, f);
		ck_assert_int_eq(fclose(f), 0);
	}
	free(saved);
	free(domains);
	free(text);
}
END_TEST

/* ---- ownership (test/world/sender-owners) ----
 * elsewhere.example (the host's rsa key) is cpuser@hosting.example's, the
 * AUTH account; news.subpolicy.example (return_path=bounces@...) is the
 * local user www-data's (PHP mail() of that customer). */

/* Submit over SMTP as the AUTH customer, from a customer's home address. */
static void submit_as_customer(const char *from, const char *mail_from, const char *rcpt, struct world_reply *r)
{
	char *text = message(from, rcpt, "as a customer");
	struct world_msg m = {
		.src = "198.51.100.66", .server = world_env("AA_SENDER_IP4"), .port = 587,
		.helo = "home.example", .mail_from = mail_from, .rcpt = rcpt, .text = text,
		.auth_user = world_env("AA_SENDER_USER"), .auth_pass = world_env("AA_SENDER_PASSWORD"),
	};

	world_send(&m, r);
	free(text);
}

/* A remote stranger's message to forward@hosting.example, which the host
 * forwards to user@rfc.example. */
static void submit_as_stranger(const char *from, struct world_reply *r)
{
	char *text = message(from, "forward@hosting.example", "forwarded");
	struct world_msg m = {
		.src = "198.51.100.66", .server = world_env("AA_SENDER_IP4"), .helo = "stranger.example",
		.mail_from = from, .rcpt = "forward@hosting.example", .text = text,
	};

	world_send(&m, r);
	free(text);
}

/* exim -t as the local user; the id, or "" when Exim refused it (*rc_r). */
static char *submit_as_local(const char *user, const char *from, const char *rcpt, int *rc_r)
{
	char *out = NULL;

	*rc_r = world_sh(&out, 60, "printf 'From: <%s>\\nTo: <%s>\\nSubject: PHP mail()\\n\\nbody\\n' | "
			 "wsend-local -u %s 2>/dev/null", from, rcpt, user);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* The plan's log line for id must say who did not own the domain. */
static void assert_not_owner(const char *id, const char *who, const char *domain)
{
	char *lines = sender_lines(id), *want = NULL;

	ck_assert_int_ge(asprintf(&want, "from=%s owner=no(%s", domain, who), 0);
	ck_assert_msg(strstr(lines, want) != NULL, "no \"%s\" for %s in: %s", want, id, lines);
	free(want);
	free(lines);
}

/* What became of id for rcpt: bounced by the receiver, sent directly, the
 * envelope sender unchanged, and no DKIM signature of ours. */
static void assert_sent_as_a_stranger(const char *id, const char *rcpt, const char *env)
{
	struct outcome o;
	char penv[FIELD_MAX + 8];

	outcome_wait(world_env("AA_SENDER_LOG"), id, rcpt, &o);
	snprintf(penv, sizeof(penv), "P=<%s>", env);
	ck_assert_msg(o.fate == FATE_BOUNCED, "%s was not refused by the receiver: %s", id, o.line);
	ck_assert_msg(strstr(o.line, "R=dnslookup T=remote_smtp ") != NULL && strstr(o.line, penv) != NULL,
		      "%s not sent directly with its own return path %s: %s", id, penv, o.line);
	assert_has(o.line, "fails DMARC");
	free(o.line);
}

/* The owner's message: delivered, and the receiver saw DMARC pass. */
static void assert_served(const char *id, const char *rcpt, const char *expect)
{
	struct outcome o;
	char *copy, *ar;

	outcome_wait(world_env("AA_SENDER_LOG"), id, rcpt, &o);
	ck_assert_msg(o.fate == FATE_DELIVERED, "the owner's %s was not delivered: %s", id, o.line);
	assert_has(o.line, expect);
	copy = receiver_copy(rcpt, o.next_id);
	ar = receiver_authres(copy);
	assert_has(ar, "dmarc=pass");
	free(ar);
	free(copy);
	free(o.line);
}

START_TEST(another_customers_domain_gets_neither_its_key_nor_its_return_path)
{
	struct world_reply r;
	char *id;
	int rc;

	sender_settings("route");
	/* the AUTH customer writes www-data's domain: no return path, no relay that signs it */
	submit_as_customer("x@news.subpolicy.example", "x@subpolicy.example", "user@tenant.example", &r);
	ck_assert_msg(r.code == 250, "got %d: %s", r.code, r.text);
	assert_sent_as_a_stranger(r.id, "user@tenant.example", "x@subpolicy.example");
	assert_not_owner(r.id, "authenticated as cpuser@hosting.example", "news.subpolicy.example");

	/* the local user www-data writes the AUTH customer's domain: not signed */
	id = submit_as_local("www-data", "x@elsewhere.example", "user@gmail.com", &rc);
	ck_assert_msg(rc == 0 && *id != '\0', "wsend-local -u www-data: %d", rc);
	assert_sent_as_a_stranger(id, "user@gmail.com", "www-data@server.hosting.example");
	assert_not_owner(id, "local user www-data (uid 33)", "elsewhere.example");
	free(id);

	/* a stranger's message, forwarded by a local alias: planned at delivery, not signed */
	submit_as_stranger("ceo@elsewhere.example", &r);
	ck_assert_msg(r.code == 250, "got %d: %s", r.code, r.text);
	assert_sent_as_a_stranger(r.id, "user@rfc.example", "ceo@elsewhere.example");
	assert_not_owner(r.id, "unauthenticated host 198.51.100.66", "elsewhere.example");

	/* the owners themselves are still signed and rewritten */
	submit_as_customer("info@elsewhere.example", "info@elsewhere.example", "user@gmail.com", &r);
	ck_assert_msg(r.code == 250, "got %d: %s", r.code, r.text);
	assert_served(r.id, "user@gmail.com", "R=dnslookup T=remote_smtp ");
	id = submit_as_local("www-data", "x@news.subpolicy.example", "user@tenant.example", &rc);
	ck_assert_msg(rc == 0 && *id != '\0', "wsend-local -u www-data: %d", rc);
	assert_served(id, "user@tenant.example", "P=<bounces@news.subpolicy.example>");
	free(id);
}
END_TEST

/* An untrusted caller's -oMai / -oMa (set $authenticated_id, the client
 * address) are Exim's to refuse: a local user names neither the AUTH
 * customer nor the trusted web host (203.0.113.10) that way. */
START_TEST(a_local_user_cannot_claim_an_auth_id_or_a_trusted_host_with_exim_options)
{
	static const char *const tries[] = {
		"-o -oMai -o cpuser@hosting.example",
		"-o -oMa -o 203.0.113.10",
		"-o -oMas -o info@elsewhere.example -o -oMai -o info@elsewhere.example",
	};

	sender_settings("route");
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		char *id = NULL;
		int rc = world_sh(&id, 60, "printf 'From: <x@elsewhere.example>\\nTo: <user@gmail.com>\\n"
				  "Subject: PHP mail()\\n\\nbody\\n' | wsend-local -u www-data %s 2>/dev/null", tries[i]);

		id[strcspn(id, "\n")] = '\0';
		if (rc != 0) {	/* Exim refused the option: nothing was accepted */
			ck_assert_msg(*id == '\0', "%s: exit %d but accepted %s", tries[i], rc, id);
		} else {
			ck_assert_msg(*id != '\0', "%s: no id", tries[i]);
			assert_sent_as_a_stranger(id, "user@gmail.com", "www-data@server.hosting.example");
			assert_not_owner(id, "local user www-data (uid 33)", "elsewhere.example");
		}
		free(id);
	}
}
END_TEST

START_TEST(enforce_refuses_another_customers_domain_naming_submitter_and_domain)
{
	struct world_reply r;
	char *id, *line = NULL;
	int rc;

	sender_settings("enforce");
	submit_as_customer("x@news.subpolicy.example", "x@subpolicy.example", "user@tenant.example", &r);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == 550, "got %d at %s: %s", r.code,
		      world_stage_name(r.stage), r.text);
	assert_has(r.text, "authenticated as cpuser@hosting.example may not send as news.subpolicy.example");

	id = submit_as_local("www-data", "x@elsewhere.example", "user@gmail.com", &rc);
	ck_assert_msg(rc != 0, "exim -t as www-data accepted %s", id);
	free(id);
	ck_assert_int_eq(world_log_wait_in(world_env("AA_SENDER_LOG"), "rejected by local_scan(): 5.7.1 authalign: "
					   "local user www-data (uid 33) may not send as elsewhere.example", "U=www-data",
					   10, &line), 0);
	free(line);

	/* a forward is planned at delivery, after the stranger was answered: not signed */
	submit_as_stranger("ceo@elsewhere.example", &r);
	ck_assert_msg(r.code == 250, "got %d: %s", r.code, r.text);
	assert_sent_as_a_stranger(r.id, "user@rfc.example", "ceo@elsewhere.example");

	/* the owner goes through */
	submit_as_customer("info@elsewhere.example", "info@elsewhere.example", "user@gmail.com", &r);
	ck_assert_msg(r.code == 250, "got %d: %s", r.code, r.text);
	assert_served(r.id, "user@gmail.com", "R=dnslookup T=remote_smtp ");
}
END_TEST

struct bad_table {
	const char *name;	/* which table */
	const char *content;
	const char *expect;	/* in check-config's output, after "<table>:" */
};

static const struct bad_table bad_tables[] = {
	{ "sender-routes", "# a route list written with a colon where Exim wants a space\n"
			   "relay: hosts=*:198.51.100.25 egress=198.51.100.25\n", "sender-routes:2:" },
	{ "sender-routes", "relay: hosts=198.51.100.25:587 egress=198.51.100.25\n", "sender-routes:1:" },
	{ "sender-domains", "hostspf.example: return_path=bounces@hostspf.example\n"
			    "legacy.example: pin=nosuchrelay\n", "sender-domains:2:" },
};

START_TEST(check_config_reports_a_smarthost_that_does_not_resolve)
{
	char *path = table_path("sender-routes"), *saved = NULL, *out = NULL;
	FILE *f;

	ck_assert_int_eq(world_sh(&saved, 10, "cat '%s'", path), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("relay: hosts=smtp.relay.example egress=198.51.100.25\n"
	      "gone: hosts=nowhere.relay.example egress=198.51.100.26\n", f);
	fclose(f);
	ck_assert_int_ne(world_sh(&out, 30, "\"$AA_ROOT/build/authalign\" check-config \"$AA_SENDER_AUTHALIGN_CONFIG\""), 0);
	ck_assert_msg(strstr(out, "route gone: host nowhere.relay.example does not resolve") != NULL, "%s", out);
	ck_assert_msg(strstr(out, "smtp.relay.example does not resolve") == NULL, "%s", out);
	/* the verdict is the last line, and never an "ok" before the failure */
	ck_assert_msg(strstr(out, ": ok (") == NULL && strstr(out, ": not ok (1 route host not resolving, above)\n") != NULL &&
		      strstr(out, ": not ok (")[strlen(strstr(out, ": not ok (")) - 1] == '\n' &&
		      strchr(strstr(out, ": not ok ("), '\n')[1] == '\0', "%s", out);
	free(out);
	f = fopen(path, "w");
	fputs(saved, f);
	fclose(f);
	free(saved);
	free(path);
}
END_TEST

START_TEST(broken_routes_and_pins_are_reported_with_file_and_line_and_defer)
{
	const struct bad_table *b = &bad_tables[_i];
	char *path = table_path(b->name), *saved = NULL, *out = NULL;
	char *text = message("info@relayspf.example", "user@tenant.example", "broken table");
	struct world_reply r;
	FILE *f;

	ck_assert_int_eq(world_sh(&saved, 10, "cat '%s'", path), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(b->content, f);
	fclose(f);
	sender_settings("route");

	ck_assert_int_ne(world_sh(&out, 30, "\"$AA_ROOT/build/authalign\" check-config \"$AA_SENDER_AUTHALIGN_CONFIG\""), 0);
	ck_assert_msg(strstr(out, b->expect) != NULL, "check-config said: %s", out);
	free(out);

	/* at run time the same mistake defers, never a 5xx, never a lost message */
	{
		struct world_msg m = { .src = world_env("AA_SENDER_IP4"), .server = world_env("AA_SENDER_IP4"),
				       .helo = "server.hosting.example", .mail_from = "info@relayspf.example",
				       .rcpt = "user@tenant.example", .text = text };

		world_send(&m, &r);
		ck_assert_msg(r.code >= 400 && r.code < 500, "a broken %s gave %d: %s", b->name, r.code, r.text);
	}

	f = fopen(path, "w");
	fputs(saved, f);
	fclose(f);
	sender_settings("off");
	free(saved);
	free(path);
	free(text);
}
END_TEST

Suite *suite_outbound(void)
{
	Suite *s = suite_create("outbound");
	TCase *tc = tcase_create("outbound");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, route_mode_delivers_every_would_bounce_message_and_keeps_direct_ones_direct);
	tcase_add_test(tc, sign_and_rewrite_together_reach_an_outlook_com_like_receiver_that_wants_spf_and_dkim);
	tcase_add_test(tc, a_destination_that_blocks_this_host_is_reached_through_the_smarthost_after_the_first_bounce);
	tcase_add_test(tc, parallel_refusals_through_exim_are_all_counted);
	tcase_add_test(tc, a_refusal_met_as_root_is_recorded_by_exims_user);
	tcase_add_test(tc, a_plan_older_than_its_ttl_is_made_again_at_routing);
	tcase_add_test(tc, address_test_without_a_message_says_no_plan_was_made);
	tcase_add_test(tc, a_plan_made_again_at_routing_reads_the_from_field_as_submission_did);
	tcase_add_test(tc, monitor_mode_prediction_equals_the_receiver_verdict);
	tcase_add_test(tc, the_next_message_of_a_connection_never_gets_the_plan_of_the_one_before);
	tcase_add_test(tc, enforce_refuses_at_submission_when_no_route_passes);
	tcase_add_test(tc, another_customers_domain_gets_neither_its_key_nor_its_return_path);
	tcase_add_test(tc, a_local_user_cannot_claim_an_auth_id_or_a_trusted_host_with_exim_options);
	tcase_add_test(tc, enforce_refuses_another_customers_domain_naming_submitter_and_domain);
	tcase_add_test(tc, check_config_reports_a_smarthost_that_does_not_resolve);
	tcase_add_loop_test(tc, broken_routes_and_pins_are_reported_with_file_and_line_and_defer, 0,
			    (int)(sizeof(bad_tables) / sizeof(bad_tables[0])));
	suite_add_tcase(s, tc);
	return s;
}
