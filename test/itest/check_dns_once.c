/* check_dns_once.c - no DNS question is asked twice for one message.
 *
 * Acceptance: the ACL's ${dlfunc} (SPF at RCPT), local_scan() and the
 * libraries behind them (libspf2, libopendkim, libopendmarc) share one
 * per-message cache and the SPF memo, so every (name, type) goes to the
 * nameserver at most once per message.
 *
 * What the nameserver receives is read off the wire: a packet socket on
 * `lo` in the world's network namespace sees every query to knotd
 * (127.0.0.1 port 53, UDP and TCP). Each message goes on a connection of
 * its own (the daemon forks a process for it), so the questions captured
 * while world_send() runs are those of that one message. Each must be
 * distinct; the ones the message needs must be among them, so a capture
 * that sees nothing cannot pass.
 */
#define _GNU_SOURCE
#include "world.h"

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>

#define CAPTURE_MAX 256		/* questions kept for one message */
#define CAPTURE_RCVBUF (4 << 20)

struct question {
	char text[300];		/* "name TYPE", name in lower case, no final dot */
	int tcp;
};

struct capture {
	int fd;
	int n;
	int dropped;		/* questions beyond CAPTURE_MAX */
	struct question q[CAPTURE_MAX];
};

static void settings(int shared)
{
	const char *path = world_env("AA_AUTHALIGN_CONFIG");
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "authserv_id = mx.test.example\nmode = enforce\ndns_timeout = 1s\ndns_tries = 1\n"
		"dns_shared_cache = %s\n", shared ? "yes" : "no");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(tmp, 0644), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
}

static void setup(void)
{
	world_require();
	world_dns_heal();
	settings(0);
	if (strcmp(world_env("AA_PLUGIN"), "1") != 0)
		ck_abort_msg("the world runs without the plugin: nothing to check");
}

/* ---- the capture ---- */

static void capture_open(struct capture *c)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP) };
	int rcvbuf = CAPTURE_RCVBUF;

	memset(c, 0, sizeof(*c));
	sll.sll_ifindex = (int)if_nametoindex("lo");
	ck_assert_int_gt(sll.sll_ifindex, 0);
	c->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_IP));
	ck_assert_msg(c->fd >= 0, "packet socket: %s", strerror(errno));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	ck_assert_msg(bind(c->fd, (struct sockaddr *)&sll, sizeof(sll)) == 0, "bind lo: %s", strerror(errno));
	/* anything queued between socket() and bind() came from any interface */
	for (char sink[64]; recv(c->fd, sink, sizeof(sink), 0) >= 0;)
		;
}

static const char *type_name(unsigned t, char *buf, size_t size)
{
	switch (t) {
	case 1: return "A";
	case 5: return "CNAME";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 99: return "SPF";
	default:
		snprintf(buf, size, "TYPE%u", t);
		return buf;
	}
}

/* The question of a DNS query message; 0, or -1 when it is none. */
static int parse_question(const unsigned char *m, size_t len, char *out, size_t size)
{
	size_t p = 12, o = 0;
	char tb[16];

	if (len < 12 || (m[2] & 0x80) != 0 || m[4] != 0 || m[5] != 1)
		return -1;	/* a response, or not one question */
	while (p < len && m[p] != 0) {
		size_t l = m[p++];

		if (l > 63 || p + l > len || o + l + 2 >= size)
			return -1;
		if (o > 0)
			out[o++] = '.';
		for (size_t i = 0; i < l; i++) {
			unsigned char ch = m[p + i];

			out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : (ch > 32 && ch < 127 ? ch : '?'));
		}
		p += l;
	}
	if (p + 5 > len)
		return -1;
	out[o] = '\0';
	snprintf(out + o, size - o, " %s", type_name((unsigned)(m[p + 1] << 8 | m[p + 2]), tb, sizeof(tb)));
	return 0;
}

/* Read what the socket holds: every query to 127.0.0.1 port 53. */
static void capture_drain(struct capture *c)
{
	unsigned char pkt[65536];

	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(c->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&from, &fl);
		const struct iphdr *ip = (const struct iphdr *)pkt;
		size_t ihl, off;
		const unsigned char *l4;
		char text[300];
		int tcp;

		if (n < 0)
			break;	/* EAGAIN: nothing more */
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;	/* lo shows each packet going out and coming in */
		if ((size_t)n < sizeof(*ip) || ip->version != 4)
			continue;
		ihl = (size_t)ip->ihl * 4;
		if (ip->daddr != htonl(INADDR_LOOPBACK) || (size_t)n < ihl + 20)
			continue;
		l4 = pkt + ihl;
		if (ip->protocol == IPPROTO_UDP) {
			if ((l4[2] << 8 | l4[3]) != 53)
				continue;
			off = ihl + 8;
			tcp = 0;
		} else if (ip->protocol == IPPROTO_TCP) {
			if ((l4[2] << 8 | l4[3]) != 53)
				continue;
			off = ihl + (size_t)(l4[12] >> 4) * 4;
			if ((size_t)n < off + 14)
				continue;	/* no DNS message in this segment */
			if ((size_t)(pkt[off] << 8 | pkt[off + 1]) == (size_t)n - off - 2)
				off += 2;	/* the length prefix */
			tcp = 1;
		} else {
			continue;
		}
		if (parse_question(pkt + off, (size_t)n - off, text, sizeof(text)) < 0)
			continue;
		if (c->n == CAPTURE_MAX) {
			c->dropped++;
			continue;
		}
		snprintf(c->q[c->n].text, sizeof(c->q[c->n].text), "%s", text);
		c->q[c->n++].tcp = tcp;
	}
}

static void capture_close(struct capture *c)
{
	struct tpacket_stats st;
	socklen_t sl = sizeof(st);

	capture_drain(c);
	ck_assert_int_eq(getsockopt(c->fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl), 0);
	ck_assert_msg(st.tp_drops == 0, "the capture lost %u packets", st.tp_drops);
	ck_assert_msg(c->dropped == 0, "more than %d questions for one message", CAPTURE_MAX);
	close(c->fd);
	c->fd = -1;
}

/* ---- the messages ---- */

struct case_def {
	const char *name;
	const char *src_env;	/* AA_GOOD_IP4 ... */
	const char *helo;	/* NULL: mail.<mail_from domain> */
	const char *mail_from;
	const char *rcpt;	/* NULL: alice@test.example */
	const char *from_lines;
	const char *extra;
	const char *sign_domain;
	const char *sign_key;
	int sign_twice;		/* a second signature (key "ed" when sign_key is "rsa") */
	int code;		/* at the end of DATA */
	const char *needs[5];	/* questions the message must ask; NULL ends */
	const char *never[3];	/* questions it must not ask (issue 11: none that
				   cannot change the verdict); NULL ends */
};

static const struct case_def cases[] = {
	{ "aligned, signed rsa", "AA_GOOD_IP4", NULL, "u@aligned.example", NULL,
	  "From: <u@aligned.example>\n", NULL, "aligned.example", "rsa", 0, 250,
	  { "aligned.example TXT", "rsa._domainkey.aligned.example TXT", "_dmarc.aligned.example TXT" },
	  /* the HELO name (spf_helo = no), and the tree walk past a record at the From domain */
	  { "mail.aligned.example TXT", "_dmarc.example TXT" } },
	{ "signed by the From domain, sent by another", "AA_GOOD_IP4", NULL, "u@aligned.example", NULL,
	  "From: <u@strict.example>\n", NULL, "strict.example", "rsa", 0, 250,
	  { "aligned.example TXT", "rsa._domainkey.strict.example TXT", "_dmarc.strict.example TXT" },
	  /* an aligned DKIM pass decides: SPF's alignment would walk the tree */
	  { "_dmarc.example TXT", "mail.aligned.example TXT" } },
	{ "aligned, HELO is the MAIL FROM domain", "AA_GOOD_IP4", "aligned.example", "u@aligned.example", NULL,
	  "From: <u@aligned.example>\n", NULL, NULL, NULL, 0, 250,
	  { "aligned.example TXT", "_dmarc.aligned.example TXT" }, { NULL } },
	{ "aligned, two signatures (rsa and ed)", "AA_GOOD_IP4", NULL, "u@aligned.example", NULL,
	  "From: <u@aligned.example>\n", NULL, "aligned.example", "rsa", 1, 250,
	  { "rsa._domainkey.aligned.example TXT", "ed._domainkey.aligned.example TXT" }, { NULL } },
	{ "aligned, two signatures with one key", "AA_GOOD_IP4", NULL, "u@aligned.example", NULL,
	  "From: <u@aligned.example>\n", NULL, "aligned.example", "ed", 2, 250,
	  { "ed._domainkey.aligned.example TXT" }, { NULL } },
	{ "two recipients", "AA_GOOD_IP4", NULL, "u@aligned.example", "alice@test.example,bob@test.example",
	  "From: <u@aligned.example>\n", NULL, "aligned.example", "rsa", 0, 250,
	  { "aligned.example TXT", "_dmarc.aligned.example TXT" }, { NULL } },
	{ "spoofed p=reject", "AA_BAD_IP4", NULL, "ceo@reject.example", NULL,
	  "From: CEO <ceo@reject.example>\n", NULL, NULL, NULL, 0, 550,
	  { "reject.example TXT", "_dmarc.reject.example TXT" }, { "_dmarc.example TXT" } },
	{ "forwarded, signed", "AA_FWD_IP4", "mail.forwarder.example", "ceo@reject.example", NULL,
	  "From: CEO <ceo@reject.example>\n", NULL, "reject.example", "rsa", 0, 250,
	  { "reject.example TXT", "rsa._domainkey.reject.example TXT", "_dmarc.reject.example TXT" }, { NULL } },
	{ "SPF through two includes", "AA_GOOD_IP4", NULL, "u@chain.example", NULL,
	  "From: <u@chain.example>\n", NULL, NULL, NULL, 0, 250,
	  { "chain.example TXT", "_spf.hop1.test TXT", "_spf.hop2.test TXT", "_dmarc.chain.example TXT" }, { NULL } },
	{ "SPF include loop", "AA_GOOD_IP4", NULL, "u@loop.example", NULL,
	  "From: <u@loop.example>\n", NULL, NULL, NULL, 0, 250,
	  { "loop.example TXT", "_spf.loop.test TXT" }, { NULL } },
	{ "SPF with too many lookups", "AA_GOOD_IP4", NULL, "u@toomany.example", NULL,
	  "From: <u@toomany.example>\n", NULL, NULL, NULL, 0, 250,
	  { "toomany.example TXT" }, { NULL } },
	{ "np=reject, non-existent subdomain", "AA_BAD_IP4", "mail.forwarder.example", "u@forwarder.example",
	  NULL, "From: <x@ghost.np.example>\n", NULL, NULL, NULL, 0, 550,
	  { "forwarder.example TXT" }, { NULL } },
	{ "sp=reject subdomain", "AA_BAD_IP4", NULL, "x@sub.sp.example", NULL,
	  "From: <x@sub.sp.example>\n", NULL, NULL, NULL, 0, 550,
	  { "sub.sp.example TXT", "_dmarc.sp.example TXT" }, { NULL } },
	{ "several From, forged Authentication-Results", "AA_GOOD_IP4", NULL, "u@aligned.example", NULL,
	  "From: <u@aligned.example>\nFrom: <ceo@reject.example>\n",
	  "Authentication-Results: mx.test.example; dmarc=pass header.from=aligned.example\n",
	  "aligned.example", "rsa", 0, 550, { "aligned.example TXT" }, { NULL } },
};

#define CASES ((int)(sizeof(cases) / sizeof(cases[0])))

static char *case_text(const struct case_def *d)
{
	char *text = NULL;

	ck_assert_int_ge(asprintf(&text,
				  "%s%sTo: <alice@test.example>\nSubject: dns once: %s\n"
				  "Date: Mon, 23 Nov 2026 12:00:00 +0000\n"
				  "Message-ID: <dns-once.%ld.%d@client.example>\n\n"
				  "Each question once.\n",
				  d->from_lines, d->extra ? d->extra : "", d->name, world_now_ms(), (int)getpid()), 0);
	if (d->sign_twice) {
		char *once = world_sign(text, d->sign_domain,
					d->sign_twice == 1 && strcmp(d->sign_key, "rsa") == 0 ? "ed" : d->sign_key);

		ck_assert_ptr_nonnull(once);
		free(text);
		text = once;
	}
	return text;
}

/* Send one message of case d while capturing; the questions in *c. */
static void send_captured(const struct case_def *d, struct capture *c, struct world_reply *r)
{
	char *text = case_text(d);
	struct world_msg m = {
		.src = world_env(d->src_env), .helo = d->helo, .mail_from = d->mail_from, .rcpt = d->rcpt,
		.text = text, .dkim_domain = d->sign_domain, .dkim_key = d->sign_key,
	};

	capture_open(c);
	world_send(&m, r);
	capture_close(c);
	free(text);
}

static int count_of(const struct capture *c, const char *q)
{
	int n = 0;

	for (int i = 0; i < c->n; i++)
		n += strcmp(c->q[i].text, q) == 0;
	return n;
}

static char *capture_list(const struct capture *c)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < c->n; i++)
		fprintf(f, "  %s%s\n", c->q[i].text, c->q[i].tcp ? " (tcp)" : "");
	fclose(f);
	return s;
}

START_TEST(no_dns_question_is_asked_twice_for_one_message)
{
	const struct case_def *d = &cases[_i];
	struct capture c;
	struct world_reply r;
	char *list;

	send_captured(d, &c, &r);
	list = capture_list(&c);
	fprintf(stderr, "dns once: %s: %d at %s, %d questions\n%s", d->name, r.code,
		world_stage_name(r.stage), c.n, list);
	ck_assert_msg(r.stage == WORLD_DOT && r.code == d->code, "%s: want %d at DOT, got %d at %s: %s",
		      d->name, d->code, r.code, world_stage_name(r.stage), r.text);
	for (int i = 0; d->needs[i] != NULL; i++)
		ck_assert_msg(count_of(&c, d->needs[i]) > 0, "%s: the question %s was not seen; seen:\n%s",
			      d->name, d->needs[i], list);
	for (int i = 0; d->never[i] != NULL; i++)
		ck_assert_msg(count_of(&c, d->never[i]) == 0, "%s: the question %s was asked; all:\n%s",
			      d->name, d->never[i], list);
	for (int i = 0; i < c.n; i++) {
		int n = count_of(&c, c.q[i].text);

		ck_assert_msg(n == 1, "%s: %s asked %d times for one message; all questions:\n%s",
			      d->name, c.q[i].text, n, list);
	}
	free(list);
}
END_TEST

/* Issue 11: the connections of one daemon share DNS answers
 * (dns_shared_cache, default yes; the world's settings say no). A second
 * connection for the same message, within the answers' TTL, asks none of
 * the questions the first one asked, the tree walk's NXDOMAIN included,
 * and gets the same verdict; with dns_shared_cache = no a third one asks
 * them again. (How long an answer is served: the unit tests.) */
START_TEST(a_connection_asks_none_of_the_questions_another_connection_asked)
{
	static const struct case_def d = {
		"From a domain with no DMARC record", "AA_GOOD_IP4", NULL, "u@aligned.example", NULL,
		"From: <u@nodmarc.example>\n", NULL, "nodmarc.example", "rsa", 0, 250,
		{ "aligned.example TXT", "rsa._domainkey.nodmarc.example TXT", "_dmarc.nodmarc.example TXT",
		  "_dmarc.example TXT" }, { NULL } };
	struct capture first, second, third;
	struct world_reply r1, r2, r3;
	char *l1, *l2, *l3;

	settings(1);
	/* the world's daemon started with the world's settings: no */
	ck_assert_msg(world_log_grep("DNS answers kept by each connection (dns_shared_cache = no)", NULL) > 0,
		      "the daemon's start line does not say how it keeps DNS answers");
	send_captured(&d, &first, &r1);
	send_captured(&d, &second, &r2);
	settings(0);
	send_captured(&d, &third, &r3);
	l1 = capture_list(&first);
	l2 = capture_list(&second);
	l3 = capture_list(&third);
	fprintf(stderr, "shared: first connection %d questions:\n%ssecond %d:\n%sunshared third %d:\n%s",
		first.n, l1, second.n, l2, third.n, l3);
	ck_assert_msg(r1.stage == WORLD_DOT && r1.code == 250 && r2.stage == WORLD_DOT && r2.code == 250 &&
		      r3.stage == WORLD_DOT && r3.code == 250, "verdicts %d %d %d", r1.code, r2.code, r3.code);
	for (int i = 0; d.needs[i] != NULL; i++) {
		ck_assert_msg(count_of(&first, d.needs[i]) == 1, "the first connection did not ask %s", d.needs[i]);
		ck_assert_msg(count_of(&third, d.needs[i]) == 1, "unshared, %s was not asked again", d.needs[i]);
	}
	for (int i = 0; i < first.n; i++)
		ck_assert_msg(count_of(&second, first.q[i].text) == 0,
			      "the second connection asked %s again; it asked:\n%s", first.q[i].text, l2);
	free(l1);
	free(l2);
	free(l3);
}
END_TEST

/* The capture itself: it sees a question sent to knotd (kdig) exactly
 * once, so a duplicate it reports is a duplicate on the wire. */
START_TEST(the_capture_sees_each_query_once)
{
	struct capture c;
	char *out = NULL;

	capture_open(&c);
	ck_assert_int_eq(world_sh(&out, 10, "kdig +timeout=2 +retry=0 @127.0.0.1 aligned.example TXT"
				  " && kdig +tcp +timeout=2 +retry=0 @127.0.0.1 _dmarc.aligned.example TXT"), 0);
	capture_close(&c);
	free(out);
	ck_assert_int_eq(c.n, 2);
	ck_assert_str_eq(c.q[0].text, "aligned.example TXT");
	ck_assert_int_eq(c.q[0].tcp, 0);
	ck_assert_str_eq(c.q[1].text, "_dmarc.aligned.example TXT");
	ck_assert_int_eq(c.q[1].tcp, 1);
}
END_TEST

Suite *suite_dns_once(void)
{
	Suite *s = suite_create("dns_once");
	TCase *tc = tcase_create("dns_once");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_capture_sees_each_query_once);
	tcase_add_loop_test(tc, no_dns_question_is_asked_twice_for_one_message, 0, CASES);
	tcase_add_test(tc, a_connection_asks_none_of_the_questions_another_connection_asked);
	suite_add_tcase(s, tc);
	return s;
}
