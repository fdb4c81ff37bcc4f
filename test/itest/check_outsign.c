/* check_outsign.c - the outbound world's signers as authalign models them:
 * the smarthost relay signs a subdomain of a domain it holds a key for
 * with d= the parent (sender-routes: dkim_domains=, as Microsoft 365 does),
 * which aligns under relaxed alignment and not under adkim=s; it signs
 * keymissing.example although relay._domainkey.keymissing.example is not
 * published; and the sending host's own key may be rotated without its
 * record. Each prediction is held to what the relay and the receiver
 * really do, and each refusal to the fix it names (check-config too).
 *
 * The envelope sender is the host's own (PHP mail() without -f), so that
 * SPF never aligns and the signature alone decides.
 */
#define _GNU_SOURCE
#include "outworld.h"

#define PHP_SENDER "cpuser@server.hosting.example"

/* outbound_mode of the sending host's settings, in place. */
static void sender_mode(const char *mode)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "sed -i 's/^outbound_mode = .*/outbound_mode = %s/' "
				  "\"$AA_SENDER_AUTHALIGN_CONFIG\"", mode), 0);
	free(out);
}

/* outbound_egress of the sending host's settings, in place. */
static void sender_egress(const char *egress)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 10, "sed -i 's/^outbound_egress = .*/outbound_egress = %s/' "
				  "\"$AA_SENDER_AUTHALIGN_CONFIG\"", egress), 0);
	free(out);
}

static void setup(void)
{
	world_require();
	world_dns_heal();
	if (strcmp(world_env("AA_PLUGIN"), "1") != 0)
		ck_abort_msg("the world runs without the plugin");
	sender_mode("off");
}

static void teardown(void)
{
	sender_mode("off");
	sender_egress("203.0.113.10");
}

/* The sending host's plan for id (its log line). */
static char *plan_line(const char *id)
{
	char *line = NULL;

	ck_assert_msg(world_log_wait_in(world_env("AA_SENDER_LOG"), id, "authalign: outbound mode=", 10, &line) == 0,
		      "no plan logged for %s", id);
	return line;
}

/* Send from the sending host's address to server:port; the reply in *r. */
static void send_from_host(const char *server, int port, const char *from, const char *rcpt, struct world_reply *r)
{
	char *text = message(from, rcpt, "signed as the relay signs");
	struct world_msg m = {
		.src = world_env("AA_SENDER_IP4"), .server = server, .port = port,
		.helo = "server.hosting.example", .mail_from = PHP_SENDER, .rcpt = rcpt, .text = text,
	};

	world_send(&m, r);
	free(text);
}

/* Through the relay by hand: the receiver's verdict on its signature. */
static void relay_gets_it_refused(const char *from)
{
	struct world_reply r;
	struct outcome o;

	send_from_host(world_env("AA_RELAY_IP4"), 587, from, "user@tenant.example", &r);
	ck_assert_msg(r.code == 250, "the relay refused %s: %d %s", from, r.code, r.text);
	outcome_wait(world_env("AA_RELAY_LOG"), r.id, "user@tenant.example", &o);
	ck_assert_msg(o.fate == FATE_BOUNCED && strstr(o.line, "550 5.7.509") != NULL,
		      "the receiver did not refuse the relay's %s: %s", from, o.line);
	free(o.line);
}

/* From domains whose relay signature verifies and aligns: the parent's
 * d= under relaxed alignment, and a key published as a CNAME. */
static const struct {
	const char *from, *d;
} relay_pass[] = {
	{ "x@mail.relayspf.example", "relayspf.example" },
	{ "x@bothspf.example", "bothspf.example" },
};

START_TEST(a_relay_signing_with_the_parent_domain_or_a_cname_key_aligns_and_is_chosen)
{
	struct world_reply r;
	struct outcome o, relayed;
	char *line, *copy, *ar, *sig, want[256];

	sender_mode("route");
	send_from_host(world_env("AA_SENDER_IP4"), 25, relay_pass[_i].from, "user@tenant.example", &r);
	ck_assert_msg(r.code == 250, "%d %s", r.code, r.text);
	line = plan_line(r.id);
	snprintf(want, sizeof(want), "smarthost:relay=pass(spf=fail 198.51.100.25 not permitted by "
		 "server.hosting.example; dkim=pass d=%s aligned", relay_pass[_i].d);
	assert_has(line, want);
	assert_has(line, "chosen=smarthost");
	outcome_wait(world_env("AA_SENDER_LOG"), r.id, "user@tenant.example", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED && strstr(o.line, "T=remote_smtp_relay") != NULL, "%s", o.line);
	outcome_wait(world_env("AA_RELAY_LOG"), o.next_id, "user@tenant.example", &relayed);
	ck_assert_msg(relayed.fate == FATE_DELIVERED, "%s", relayed.line);
	copy = receiver_copy("user@tenant.example", relayed.next_id);
	sig = world_header(copy, "DKIM-Signature", 0);
	ck_assert_ptr_nonnull(sig);
	snprintf(want, sizeof(want), "d=%s;", relay_pass[_i].d);
	assert_has(sig, want);
	ar = receiver_authres(copy);
	assert_has(ar, "dkim=pass");
	assert_has(ar, "dmarc=pass");
	free(ar);
	free(sig);
	free(copy);
	free(relayed.line);
	free(o.line);
	free(line);
}
END_TEST

/* In enforce mode the sending host refuses from (nothing passes) with fix
 * in the reply and relay_log in its smarthost's prediction; and the
 * receiver does refuse the relay's signature when the message is sent
 * through the relay by hand. */
static void refused_for_the_relays_signature(const char *from, const char *fix, const char *relay_log)
{
	struct world_reply r;
	char *line = NULL, from_is[128], *joined;

	sender_mode("enforce");
	send_from_host(world_env("AA_SENDER_IP4"), 25, from, "user@tenant.example", &r);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == 550, "%d at %s: %s", r.code, world_stage_name(r.stage), r.text);
	joined = world_reply_joined(r.text);
	assert_has(joined, fix);
	free(joined);
	snprintf(from_is, sizeof(from_is), "from=%s ", strchr(from, '@') + 1);
	ck_assert_int_eq(world_log_wait_in(world_env("AA_SENDER_LOG"), from_is, "smarthost:relay=refused(", 10,
					   &line), 0);
	assert_has(line, relay_log);
	free(line);
	relay_gets_it_refused(from);
}

START_TEST(a_relay_signing_with_the_parent_domain_under_adkim_s_is_not_chosen_and_the_fix_says_why)
{
	refused_for_the_relays_signature("x@mail.strictalign.example",
		"Or have smarthost relay sign mail.strictalign.example with d=mail.strictalign.example itself: its "
		"d=strictalign.example does not align under mail.strictalign.example's strict DKIM alignment (adkim=s)",
		"dkim=pass d=strictalign.example unaligned");
}
END_TEST

START_TEST(a_relay_whose_selector_is_unpublished_is_not_chosen_and_the_fix_names_the_record)
{
	refused_for_the_relays_signature("x@keymissing.example",
		"Or publish relay._domainkey.keymissing.example for smarthost relay's DKIM signature "
		"(d=keymissing.example): the TXT or CNAME records the relay's provider gives",
		"dkim=fail relay key not published at relay._domainkey.keymissing.example");
}
END_TEST

/* The world's relay names keymissing.example, whose relay._domainkey is
 * not published: a warning (the settings can be used), and only that one. */
START_TEST(check_config_warns_of_a_relay_selector_that_is_not_published)
{
	char *out = NULL;
	int rc = world_sh(&out, 30, "\"$AA_ROOT/build/authalign\" check-config \"$AA_SENDER_AUTHALIGN_CONFIG\" 2>&1");

	ck_assert_msg(rc == 0, "%s", out);
	assert_has(out, "warning: route relay: DKIM selector relay._domainkey.keymissing.example: no key record: "
		   "the relay's signature for keymissing.example will not verify");
	ck_assert_msg(strstr(out, "relay._domainkey.relayspf.example") == NULL &&
		      strstr(out, "relay._domainkey.bothspf.example") == NULL, "%s", out);
	free(out);
}
END_TEST

/* check-config against Exim's own reading of the direct transport
 * (exim4 -bP: the namespace's /etc/exim4/exim4.conf is the sending host's
 * configuration, which delivers over IPv4 only; AUTHALIGN_EXIM asks the
 * same configuration with -DSENDER_IPV6, which delivers over both): the
 * settings agree with remote_smtp; a transport that may also send from
 * an IPv6 address is a warning that says how to list it; an egress Exim
 * never sends from is an error that says what to change; one address per
 * family, as the transport sends, is clean. */
START_TEST(check_config_compares_egress_and_helo_with_the_exim_transport)
{
	char *out = NULL;
	const char *v6 = "AUTHALIGN_EXIM='wexim-sender -DSENDER_IPV6=1'";
	const char *variant =
		"d=$(dirname \"$AA_SENDER_AUTHALIGN_CONFIG\"); v=$d/variant.conf; "
		"sed -e '/^outbound_transport/d' -e 's/^outbound_egress = .*/outbound_egress = %s/' "
		"\"$AA_SENDER_AUTHALIGN_CONFIG\" > $v && echo 'outbound_transport = %s' >> $v && "
		"%s \"$AA_ROOT/build/authalign\" check-config $v 2>&1; rc=$?; rm -f $v; exit $rc";

	ck_assert_msg(world_sh(&out, 60, variant, "203.0.113.10", "remote_smtp", "") == 0, "%s", out);
	ck_assert_msg(strstr(out, "transport remote_smtp") == NULL, "%s", out);
	free(out);
	/* another address family: a warning (a dual-stack host is no mistake), said loud */
	ck_assert_int_eq(world_sh(&out, 60, variant, "203.0.113.10", "remote_smtp_two", v6), 0);
	assert_has(out, "warning: transport remote_smtp_two may send from 2001:db8::10 (interface = <; 203.0.113.10 ; "
		   "2001:db8::10): receivers of that address family see it, but authalign predicts SPF for "
		   "outbound_egress 203.0.113.10 only; set outbound_egress = 203.0.113.10, 2001:db8::10");
	free(out);
	/* ... unless Exim delivers over IPv4 only: then that address is never used */
	ck_assert_int_eq(world_sh(&out, 60, variant, "203.0.113.10", "remote_smtp_two", ""), 0);
	assert_has(out, "warning: transport remote_smtp_two: interface address 2001:db8::10 is never used: Exim "
		   "delivers over IPv4 only");
	free(out);
	/* one egress per family, as the transport sends: nothing to say */
	ck_assert_msg(world_sh(&out, 60, variant, "203.0.113.10, 2001:db8::10", "remote_smtp_two", v6) == 0, "%s", out);
	ck_assert_msg(strstr(out, "transport remote_smtp_two") == NULL &&
		      strstr(out, "outbound: mode=off egress=203.0.113.10, 2001:db8::10 ") != NULL, "%s", out);
	free(out);
	/* a second IPv4 address in the list: never used, and no reason to change anything */
	ck_assert_msg(world_sh(&out, 60, variant, "203.0.113.10, 2001:db8::10", "remote_smtp_three", v6) == 0, "%s", out);
	assert_has(out, "warning: transport remote_smtp_three: interface address 203.0.113.11 is never used: Exim "
		   "sends from the first address of each family (203.0.113.10)");
	ck_assert_msg(strstr(out, "set outbound_egress") == NULL, "%s", out);
	free(out);
	/* an IPv6 egress the transport never sends from, or Exim never uses */
	ck_assert_int_eq(world_sh(&out, 60, variant, "203.0.113.10, 2001:db8::10", "remote_smtp_relay", v6), 1);
	assert_has(out, "outbound_egress 2001:db8::10 is not an address transport remote_smtp_relay sends from");
	free(out);
	ck_assert_int_eq(world_sh(&out, 60, variant, "203.0.113.10, 2001:db8::10", "remote_smtp_two", ""), 1);
	assert_has(out, "outbound_egress 2001:db8::10 is never used: Exim delivers over IPv4 only");
	free(out);
	ck_assert_int_eq(world_sh(&out, 60, variant, "203.0.113.99", "remote_smtp", ""), 1);
	assert_has(out, "transport remote_smtp sends from 203.0.113.10 (interface = 203.0.113.10), not outbound_egress "
		   "203.0.113.99: set outbound_egress = 203.0.113.10");
	free(out);
	/* Exim's default HELO is the primary host name: compared as Exim says it */
	ck_assert_msg(world_sh(&out, 60, variant, "203.0.113.10", "remote_smtp_default_helo", "") == 0, "%s", out);
	ck_assert_msg(strstr(out, "HELO") == NULL, "%s", out);
	free(out);
	ck_assert_int_eq(world_sh(&out, 60, "d=$(dirname \"$AA_SENDER_AUTHALIGN_CONFIG\"); v=$d/helo.conf; "
				  "sed -e 's/^outbound_helo = .*/outbound_helo = other.example/' "
				  "\"$AA_SENDER_AUTHALIGN_CONFIG\" > $v && echo 'outbound_transport = remote_smtp_default_helo' "
				  ">> $v && \"$AA_ROOT/build/authalign\" check-config $v 2>&1; rc=$?; rm -f $v; exit $rc"), 1);
	assert_has(out, "transport remote_smtp_default_helo says HELO server.hosting.example, not outbound_helo "
		   "other.example");
	free(out);
	ck_assert_int_eq(world_sh(&out, 60, variant, "203.0.113.10", "no_such_transport", ""), 0);
	assert_has(out, "cannot compare outbound_egress and outbound_helo with Exim's transport: Exim has no transport "
		   "no_such_transport");
	free(out);
}
END_TEST

/* check-config says when the Exim configuration does not carry the plans
 * out: no router asks authalign_route (a plan's smarthost would never be
 * taken), no transport calls authalign_event (nothing learned), a route
 * names a transport Exim lacks. The sender's configuration without the
 * plugin has neither; with it, both. */
START_TEST(check_config_says_when_exim_does_not_follow_the_plan_or_learn)
{
	char *out = NULL;
	const char *wiring =
		"d=$(dirname \"$AA_SENDER_AUTHALIGN_CONFIG\"); v=$d/wiring.conf; "
		"sed -e 's/^outbound_mode = .*/outbound_mode = route/' "
		"-e 's/^outbound_routes_file = .*/outbound_routes_file = wiring-routes/' "
		"\"$AA_SENDER_AUTHALIGN_CONFIG\" > $v && cp \"$d/sender-routes\" \"$d/wiring-routes\" && "
		"%s >> \"$d/wiring-routes\" && "
		"%s \"$AA_ROOT/build/authalign\" check-config $v 2>&1; rc=$?; rm -f $v \"$d/wiring-routes\"; exit $rc";
	const char *plain = "AUTHALIGN_EXIM=\"$AA_EXIM -C $AA_SENDER_CONF -DWORLD=$AA_WORLD/sender\"";

	ck_assert_msg(world_sh(&out, 60, wiring, "true", "") == 0, "%s", out);
	ck_assert_msg(strstr(out, "authalign_route") == NULL && strstr(out, "authalign_event") == NULL, "%s", out);
	free(out);
	ck_assert_int_eq(world_sh(&out, 60, wiring, "true", plain), 1);
	assert_has(out, "no router of Exim's asks authalign_route: a plan that takes a smarthost is delivered "
		   "directly and bounces");
	assert_has(out, "warning: no transport of Exim's calls authalign_event: nothing is learned");
	free(out);
	ck_assert_int_eq(world_sh(&out, 60, wiring, "echo 'ghost: hosts=198.51.100.25 port=587 "
				  "transport=remote_smtp_ghost egress=198.51.100.25'", ""), 1);
	assert_has(out, "route ghost: Exim has no transport remote_smtp_ghost");
	free(out);
}
END_TEST

/* elsewhere.example's key replaced by a new one, its record left as it
 * was: a rotated key. */
START_TEST(a_rotated_host_key_is_predicted_to_fail_and_the_fix_and_check_config_print_the_record)
{
	char *out = NULL, *b64 = NULL, *want = NULL, *line = NULL, *joined;
	char *text = message("info@elsewhere.example", "user@outlook.com", "a rotated key");
	struct world_msg m = {
		.src = world_env("AA_SENDER_IP4"), .server = world_env("AA_SENDER_IP4"),
		.helo = "server.hosting.example", .mail_from = "info@elsewhere.example",
		.rcpt = "user@outlook.com", .text = text,
	};
	struct world_reply r;
	int rc;

	ck_assert_int_eq(world_sh(&b64, 60,
		"set -e; d=$(dirname \"$AA_SENDER_AUTHALIGN_CONFIG\"); k=$d/../dkim/rotated.pem;"
		" openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $k 2>/dev/null;"
		" chown root:Debian-exim $k; chmod 0640 $k;"
		" cp $d/sender-domains $d/sender-domains.saved;"
		" sed -i \"s|^elsewhere.example:.*|elsewhere.example: dkim=rsa:$(realpath $k)|\" $d/sender-domains;"
		" openssl pkey -in $k -pubout -outform DER | base64 -w0"), 0);
	ck_assert_int_gt(asprintf(&want, "publish rsa._domainkey.elsewhere.example TXT \"v=DKIM1; k=rsa; p=%s\"", b64), 0);
	sender_mode("enforce");

	world_send(&m, &r);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == 550, "%d at %s: %s", r.code, world_stage_name(r.stage), r.text);
	joined = world_reply_joined(r.text);
	assert_has(joined, want);
	assert_has(joined, "(the key published there is not the public half of ");
	free(joined);
	ck_assert_int_eq(world_log_wait_in(world_env("AA_SENDER_LOG"), "from=elsewhere.example", "sign=refused(",
					   10, &line), 0);
	assert_has(line, "dkim=fail published key is not ours");
	free(line);

	rc = world_sh(&out, 30, "\"$AA_ROOT/build/authalign\" check-config \"$AA_SENDER_AUTHALIGN_CONFIG\" 2>&1");
	ck_assert_msg(rc != 0, "check-config passed a rotated key: %s", out);
	assert_has(out, "elsewhere.example: DKIM key rsa._domainkey.elsewhere.example: the key published there is "
		   "not the public half of ");
	free(want);
	ck_assert_int_gt(asprintf(&want, "; publish: rsa._domainkey.elsewhere.example TXT \"v=DKIM1; k=rsa; p=%s\"\n",
				  b64), 0);
	assert_has(out, want);
	assert_has(out, ": not ok (1 DKIM key problem, above)\n");
	free(out);

	/* the published key again: check-config is content */
	ck_assert_int_eq(world_sh(&out, 10, "d=$(dirname \"$AA_SENDER_AUTHALIGN_CONFIG\");"
				  " mv $d/sender-domains.saved $d/sender-domains; rm -f $d/../dkim/rotated.pem"), 0);
	free(out);
	rc = world_sh(&out, 30, "\"$AA_ROOT/build/authalign\" check-config \"$AA_SENDER_AUTHALIGN_CONFIG\" 2>&1");
	ck_assert_msg(rc == 0 && strstr(out, "DKIM key") == NULL, "%s", out);
	free(out);
	free(want);
	free(b64);
	free(text);
}
END_TEST

/* Mail from the sending host over IPv6: queued from 203.0.113.10 (SMTP on
 * standard input), then delivered by "exim -M" with -DSENDER_IPV6 (remote_smtp's
 * interface "<; 203.0.113.10 ; 2001:db8::10"). v6only.example's MX has an
 * IPv6 address only, so the receiver sees 2001:db8::10. The id in id_r. */
static void send_over_ipv6(const char *from, const char *rcpt, char *id_r, size_t id_len)
{
	char *out = NULL;

	ck_assert_int_eq(world_sh(&out, 60,
		"printf 'HELO server.hosting.example\\r\\nMAIL FROM:<%s>\\r\\nRCPT TO:<%s>\\r\\nDATA\\r\\n"
		"From: <%s>\\r\\nTo: <%s>\\r\\nSubject: over IPv6\\r\\n\\r\\nHello.\\r\\n.\\r\\nQUIT\\r\\n' | "
		"wexim-sender -odq -oMa 203.0.113.10 -bs | tr -d '\\r' | sed -n 's/^250 OK id=//p'",
		from, rcpt, from, rcpt), 0);
	out[strcspn(out, "\n")] = '\0';
	ck_assert_msg(strlen(out) >= 16 && strlen(out) < id_len, "no id: %s", out);
	snprintf(id_r, id_len, "%s", out);
	free(out);
	ck_assert_int_eq(world_sh(&out, 60, "wexim-sender -DSENDER_IPV6=1 -M %s 2>&1", id_r), 0);
	free(out);
}

/* A host whose transport may send from 203.0.113.10 and 2001:db8::10, and
 * outbound_egress naming both: each message is predicted from the worse
 * of the two. A domain whose SPF lacks the IPv6 address is predicted
 * refused from 2001:db8::10 with the ip6: mechanism to add, and the
 * receiver, reached over IPv6, refuses it; one whose SPF has both passes
 * and is delivered. (Monitor mode: the message goes as it is.) */
START_TEST(a_domain_whose_spf_lacks_the_hosts_ipv6_address_is_refused_over_ipv6_as_predicted)
{
	char id[32], *line, *copy, *ar, *rlines = NULL;
	struct outcome o;

	sender_mode("monitor");
	sender_egress("203.0.113.10, 2001:db8::10");

	send_over_ipv6("x@v4spf.example", "user@v6only.example", id, sizeof(id));
	line = plan_line(id);
	assert_has(line, "direct=refused(spf=fail 2001:db8::10 not permitted by v4spf.example");
	assert_has(line, "add ip6:2001:db8::10 to v4spf.example's SPF record");
	outcome_wait(world_env("AA_SENDER_LOG"), id, "user@v6only.example", &o);
	ck_assert_msg(o.fate == FATE_BOUNCED && strstr(o.line, "550 5.7.509") != NULL &&
		      strstr(o.line, "[2001:db8::50]") != NULL, "%s", o.line);
	free(o.line);
	free(line);
	/* the receiver saw the IPv6 address */
	ck_assert_int_gt(world_log_grep_in(world_env("AA_RECEIVER_LOG"), "H=(server.hosting.example) [2001:db8::10]",
					   &rlines), 0);
	free(rlines);

	send_over_ipv6("x@dualspf.example", "user@v6only.example", id, sizeof(id));
	line = plan_line(id);
	/* v6only.example is reached over IPv6 only: judged from 2001:db8::10 alone */
	assert_has(line, "direct=pass(spf=pass 2001:db8::10 permitted by dualspf.example");
	assert_has(line, "chosen=direct");
	outcome_wait(world_env("AA_SENDER_LOG"), id, "user@v6only.example", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED, "%s", o.line);
	copy = receiver_copy("user@v6only.example", o.next_id);
	ar = receiver_authres(copy);
	assert_has(ar, "spf=pass");
	assert_has(ar, "dmarc=pass");
	free(ar);
	free(copy);
	free(o.line);
	free(line);
	/* the sender's queue is empty: nothing frozen or left behind */
	ck_assert_int_eq(world_sh(&line, 30, "test \"$(wexim-sender -bpc)\" = 0"), 0);
	free(line);
}
END_TEST

/* PHP mail() without -f: the envelope is the host's own. relaynokey.example's
 * SPF names only the relay, which holds no key for it (p=quarantine).
 * Direct, rewritten, or relayed as it is, DMARC fails (the junk folder);
 * relayed once the envelope is the domain's own return path, SPF passes
 * aligned: the plan takes both, and the transport does both. */
START_TEST(a_relay_that_needs_the_domains_own_return_path_gets_both_and_the_message_reaches_the_inbox)
{
	struct world_reply r;
	struct outcome o, relayed;
	char *line, *copy, *ar, *rp;

	sender_mode("route");
	send_from_host(world_env("AA_SENDER_IP4"), 25, "info@relaynokey.example", "user@rfc.example", &r);
	ck_assert_msg(r.code == 250, "%d %s", r.code, r.text);
	line = plan_line(r.id);
	assert_has(line, "smarthost:relay=junk(spf=fail 198.51.100.25 not permitted by server.hosting.example");
	assert_has(line, "smarthost:relay+rewrite=pass(spf=pass 198.51.100.25 permitted by relaynokey.example");
	assert_has(line, "chosen=smarthost action=smarthost");
	outcome_wait(world_env("AA_SENDER_LOG"), r.id, "user@rfc.example", &o);
	ck_assert_msg(o.fate == FATE_DELIVERED && strstr(o.line, "T=remote_smtp_relay") != NULL &&
		      strstr(o.line, "P=<bounces@relaynokey.example>") != NULL, "%s", o.line);
	outcome_wait(world_env("AA_RELAY_LOG"), o.next_id, "user@rfc.example", &relayed);
	ck_assert_msg(relayed.fate == FATE_DELIVERED, "%s", relayed.line);
	copy = receiver_copy("user@rfc.example", relayed.next_id);
	rp = world_header(copy, "Return-Path", 0);
	ck_assert_ptr_nonnull(rp);
	assert_has(rp, "<bounces@relaynokey.example>");
	ar = receiver_authres(copy);
	assert_has(ar, "spf=pass");
	assert_has(ar, "dmarc=pass");
	free(ar);
	free(rp);
	free(copy);
	free(relayed.line);
	free(o.line);
	free(line);
}
END_TEST

Suite *suite_outsign(void)
{
	Suite *s = suite_create("outsign");
	TCase *tc = tcase_create("outsign");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, a_relay_signing_with_the_parent_domain_or_a_cname_key_aligns_and_is_chosen, 0,
			    (int)(sizeof(relay_pass) / sizeof(relay_pass[0])));
	tcase_add_test(tc, a_relay_signing_with_the_parent_domain_under_adkim_s_is_not_chosen_and_the_fix_says_why);
	tcase_add_test(tc, a_relay_whose_selector_is_unpublished_is_not_chosen_and_the_fix_names_the_record);
	tcase_add_test(tc, a_rotated_host_key_is_predicted_to_fail_and_the_fix_and_check_config_print_the_record);
	tcase_add_test(tc, check_config_warns_of_a_relay_selector_that_is_not_published);
	tcase_add_test(tc, check_config_compares_egress_and_helo_with_the_exim_transport);
	tcase_add_test(tc, check_config_says_when_exim_does_not_follow_the_plan_or_learn);
	tcase_add_test(tc, a_domain_whose_spf_lacks_the_hosts_ipv6_address_is_refused_over_ipv6_as_predicted);
	tcase_add_test(tc, a_relay_that_needs_the_domains_own_return_path_gets_both_and_the_message_reaches_the_inbox);
	suite_add_tcase(s, tc);
	return s;
}
