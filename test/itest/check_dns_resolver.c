/* check_dns_resolver.c - the resolver (core/dns/dns_resolve.c) against a
 * hand-made nameserver on the world's loopback: each RCODE's status, what
 * goes into the table the connections share and for how long, extended
 * RCODEs, and EDNS0 exactly when resolv.conf asks for it.
 *
 * The nameserver is a child process answering by the query's first label;
 * it serves a bounded number of queries and stops with the test.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "aa_test.h"
#include "../../core/dns/dns_int.h"

#define SERVER_QUERIES 500	/* then the nameserver stops */

static pid_t server_pid;
static int server_port;

static size_t put_u32(unsigned char *p, size_t n, uint32_t v)
{
	for (int i = 3; i >= 0; i--)
		p[n++] = (unsigned char)(v >> (8 * i));
	return n;
}

/* An SOA for the question's name in the authority section. */
static size_t put_soa(unsigned char *p, size_t n, uint32_t ttl, uint32_t minimum)
{
	static const unsigned char head[] = { 0xc0, 12, 0, 6, 0, 1 };

	memcpy(p + n, head, sizeof(head));
	n = put_u32(p, n + sizeof(head), ttl);
	p[n++] = 0;
	p[n++] = 24;	/* two compressed names, five numbers */
	p[n++] = 0xc0, p[n++] = 12, p[n++] = 0xc0, p[n++] = 12;
	memset(p + n, 0, 16);
	return put_u32(p, n + 16, minimum);
}

static size_t put_txt(unsigned char *p, size_t n, uint32_t ttl, const char *t)
{
	static const unsigned char head[] = { 0xc0, 12, 0, 16, 0, 1 };
	size_t l = strlen(t);

	memcpy(p + n, head, sizeof(head));
	n = put_u32(p, n + sizeof(head), ttl);
	p[n++] = 0;
	p[n++] = (unsigned char)(l + 1);
	p[n++] = (unsigned char)l;
	memcpy(p + n, t, l);
	return n + l;
}

/* An OPT record whose TTL field carries the upper RCODE bits. */
static size_t put_opt(unsigned char *p, size_t n, unsigned upper)
{
	const unsigned char opt[] = { 0, 0, 41, 4, 0xd0, (unsigned char)upper, 0, 0, 0, 0, 0 };

	memcpy(p + n, opt, sizeof(opt));
	return n + sizeof(opt);
}

/* The response to q (qlen bytes) by its first label, into p. */
static size_t respond(const unsigned char *q, size_t qlen, unsigned char *p)
{
	char label[64];
	size_t qend = 12;
	size_t n;
	int an = 0, ns = 0, ar = 0, rcode = 0, tc = 0;
	int had_opt = q[10] != 0 || q[11] != 0;	/* the query's additional records */

	while (qend < qlen && q[qend] != 0)
		qend += 1 + q[qend];
	qend += 5;
	if (qend > qlen || q[12] == 0 || q[12] > 63)
		return 0;
	memcpy(label, q + 13, q[12]);
	label[q[12]] = '\0';
	memcpy(p, q, qend);
	n = qend;
	if (strcmp(label, "servfail") == 0) {
		rcode = ns_r_servfail;
	} else if (strcmp(label, "refused") == 0) {
		rcode = ns_r_refused;
	} else if (strcmp(label, "notimp") == 0) {
		rcode = ns_r_notimpl;
	} else if (strcmp(label, "formerr") == 0 || strcmp(label, "yxdomain") == 0) {
		rcode = label[0] == 'f' ? ns_r_formerr : ns_r_yxdomain;
		ns = 1, n = put_soa(p, n, 3600, 3600);
	} else if (strcmp(label, "nx") == 0) {
		rcode = ns_r_nxdomain, ns = 1, n = put_soa(p, n, 3600, 3600);
	} else if (strcmp(label, "nxnosoa") == 0) {
		rcode = ns_r_nxdomain;
	} else if (strcmp(label, "nodata") == 0) {
		ns = 1, n = put_soa(p, n, 3600, 3600);
	} else if (strcmp(label, "nodatatop") == 0) {
		ns = 1, n = put_soa(p, n, 3600, 0x80000000u);
	} else if (strcmp(label, "tcnx") == 0) {
		rcode = ns_r_nxdomain, tc = 1, ns = 1, n = put_soa(p, n, 3600, 3600);
	} else if (strcmp(label, "topttl") == 0) {
		an = 1, n = put_txt(p, n, 0xffffffffu, "v=spf1 -all");
	} else if (strcmp(label, "ok") == 0) {
		an = 1, n = put_txt(p, n, 3600, "v=spf1 -all");
	} else if (strcmp(label, "badmode") == 0) {	/* RCODE 19: header 3, OPT 1 */
		rcode = ns_r_nxdomain, ns = 1, ar = 1;
		n = put_opt(p, put_soa(p, n, 3600, 3600), 1);
	} else if (strcmp(label, "badvers") == 0) {	/* RCODE 16: header 0, OPT 1 */
		ns = 1, ar = 1;
		n = put_opt(p, put_soa(p, n, 3600, 3600), 1);
	} else if (strcmp(label, "edns") == 0) {	/* says whether the query had OPT */
		an = 1, n = put_txt(p, n, 3600, had_opt ? "opt" : "none");
	}
	p[2] = (unsigned char)(0x80 | (q[2] & 0x01) | (tc ? 0x02 : 0));	/* QR, RD, TC */
	p[3] = (unsigned char)(0x80 | rcode);
	p[6] = 0, p[7] = (unsigned char)an;
	p[8] = 0, p[9] = (unsigned char)ns;
	p[10] = 0, p[11] = (unsigned char)ar;
	return n;
}

static void server_start(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	server_port = ntohs(sa.sin_port);
	server_pid = fork();
	ck_assert_int_ge(server_pid, 0);
	if (server_pid == 0) {
		alarm(60);	/* and at most SERVER_QUERIES queries */
		for (int i = 0; i < SERVER_QUERIES; i++) {
			unsigned char q[512], r[1024];
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t got = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
			size_t n;

			if (got < 17)
				continue;
			n = respond(q, (size_t)got, r);
			if (n > 0)
				sendto(fd, r, n, 0, (struct sockaddr *)&from, fl);
		}
		_exit(0);
	}
	close(fd);
}

/* A resolver whose only nameserver is ours; edns0 as "options edns0". */
static struct aa_dns *resolver(bool edns0)
{
	struct aa_dns_config cfg = { .timeout_ms = 1000, .tries = 1, .budget_ms = 20000, .shared = 1 };
	struct aa_dns *dns = aa_dns_new(&cfg, NULL);

	ck_assert_ptr_nonnull(dns);
	memset(&dns->res, 0, sizeof(dns->res));
	ck_assert_int_eq(res_ninit(&dns->res), 0);
	dns->res.nsaddr_list[0].sin_family = AF_INET;
	dns->res.nsaddr_list[0].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dns->res.nsaddr_list[0].sin_port = htons((uint16_t)server_port);
	dns->res.nscount = 1;
	dns->res.retrans = 1;
	dns->res.retry = 1;
	dns->res.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES | RES_USE_EDNS0);
	if (edns0)
		dns->res.options |= RES_USE_EDNS0;
	dns->res_ready = 1;
	return dns;
}

static void setup(void)
{
	aa_dns_shared_stop();
	ck_assert_int_eq(aa_dns_shared_start(), 0);
	server_start();
}

static void teardown(void)
{
	kill(server_pid, SIGKILL);
	waitpid(server_pid, NULL, 0);
	aa_dns_shared_stop();
}

static const struct {
	const char *name;
	enum aa_dns_status status;
	int shared;		/* in the table afterwards */
} rcodes[] = {
	{ "servfail.test", AA_DNS_TEMPFAIL, 0 },
	{ "refused.test", AA_DNS_TEMPFAIL, 0 },
	{ "notimp.test", AA_DNS_TEMPFAIL, 0 },
	{ "formerr.test", AA_DNS_TEMPFAIL, 0 },
	{ "yxdomain.test", AA_DNS_TEMPFAIL, 0 },
	{ "tcnx.test", AA_DNS_TEMPFAIL, 0 },	/* truncated, and no TCP to ask again */
	{ "badmode.test", AA_DNS_TEMPFAIL, 0 },	/* extended RCODE 19, low bits NXDOMAIN */
	{ "badvers.test", AA_DNS_TEMPFAIL, 0 },	/* extended RCODE 16, low bits NOERROR */
	{ "nx.test", AA_DNS_NXDOMAIN, 1 },
	{ "nxnosoa.test", AA_DNS_NXDOMAIN, 0 },	/* no SOA: no negative TTL */
	{ "nodata.test", AA_DNS_NODATA, 1 },
	{ "nodatatop.test", AA_DNS_NODATA, 0 },	/* MINIMUM with its top bit set: 0 */
	{ "topttl.test", AA_DNS_OK, 0 },	/* TTL with its top bit set: 0 */
	{ "ok.test", AA_DNS_OK, 1 },
};

/* Every failure is TEMPFAIL and never shared; a negative answer is shared
 * for its SOA's TTL, at most a minute, and only with an SOA. */
START_TEST(resolver_failures_are_tempfail_and_only_answers_with_a_ttl_are_shared)
{
	struct aa_dns *dns = resolver(false);
	const struct aa_dns_answer *a = aa_dns_lookup(dns, rcodes[_i].name, AA_DNS_TXT);
	struct aa_dns_answer got;
	int in;

	ck_assert_msg(a->status == rcodes[_i].status, "%s: %s", rcodes[_i].name,
		      aa_dns_status_name(a->status));
	in = aa_dns_shared_find(dns, rcodes[_i].name, AA_DNS_TXT, &got) == 0;
	ck_assert_msg(in == rcodes[_i].shared, "%s: shared %d", rcodes[_i].name, in);
	if (in && got.status != AA_DNS_OK)
		ck_assert_uint_le(got.negative_ttl, 60);
	if (in && got.status == AA_DNS_OK)
		ck_assert_uint_le(got.rr[0].ttl, 300);
	aa_dns_free(&dns);
}
END_TEST

/* resolv.conf's "options edns0" reaches the nameserver, and only then. */
START_TEST(resolver_sends_edns0_exactly_when_resolv_conf_asks)
{
	struct aa_dns *dns = resolver(_i == 1);
	const struct aa_dns_answer *a = aa_dns_lookup(dns, "edns.test", AA_DNS_TXT);

	ck_assert_int_eq(a->status, AA_DNS_OK);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_str_eq(a->rr[0].text, _i == 1 ? "opt" : "none");
	aa_dns_free(&dns);
}
END_TEST

Suite *suite_dns_resolver(void)
{
	Suite *s = suite_create("dns_resolver");
	TCase *tc = tcase_create("resolver");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, resolver_failures_are_tempfail_and_only_answers_with_a_ttl_are_shared,
			    0, (int)(sizeof(rcodes) / sizeof(rcodes[0])));
	tcase_add_loop_test(tc, resolver_sends_edns0_exactly_when_resolv_conf_asks, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
