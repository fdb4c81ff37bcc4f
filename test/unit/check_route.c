/* check_route.c - the smarthosts file: good routes read, every bad line refused with file:line and why. */
#include "aa_outbound.h"
#include "aa_test.h"
#include "aa_test_tmp.h"

#define GOOD_ROUTES \
	"# smarthosts\n" \
	"m365: hosts=example-com.mail.protection.outlook.com transport=remote_smtp_m365\n" \
	"  egress=203.0.113.77 helo=relay.example.net resigns=*\n" \
	"\n" \
	"Relay: hosts=relay1.example.net:relay2.example.net port=587 transport=remote_smtp_smarthost\n" \
	"  egress=2001:db8::25 resigns=example.com,*.example.org\n" \
	"tenant: hosts=tenant-example.mail.protection.outlook.com egress=203.0.113.78\n" \
	"  dkim_domains=Example.net,mail.example.net,example.info dkim_selectors=selector1,Selector2\n"

START_TEST(routes_good_file_gives_every_value)
{
	struct aa_test_tmp tmp;
	struct aa_routes *r;
	const struct aa_route *m, *rl;
	char err[512] = "";

	ck_assert_int_eq(aa_routes_load(aa_test_tmp_write(&tmp, GOOD_ROUTES), &r, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(aa_route_count(r), 3);
	m = aa_route_at(r, 0);
	ck_assert_str_eq(m->name, "m365");
	ck_assert_str_eq(m->hosts, "example-com.mail.protection.outlook.com");
	ck_assert_uint_eq(m->port, 25);
	ck_assert_str_eq(m->transport, "remote_smtp_m365");
	ck_assert_str_eq(m->egress_ip, "203.0.113.77");
	ck_assert_str_eq(m->helo, "relay.example.net");
	rl = aa_route_find(r, "relay");		/* keys are read in lower case */
	ck_assert_ptr_nonnull(rl);
	ck_assert_ptr_eq(rl, aa_route_at(r, 1));
	ck_assert_uint_eq(rl->port, 587);
	ck_assert_str_eq(rl->egress_ip, "2001:db8::25");
	ck_assert_ptr_null(rl->helo);
	ck_assert_ptr_null(rl->dkim_selectors);
	m = aa_route_find(r, "tenant");
	ck_assert_str_eq(m->dkim_domains[0], "example.net");	/* read in lower case */
	ck_assert_str_eq(m->dkim_selectors[1], "selector2");
	ck_assert_ptr_null(m->dkim_selectors[2]);
	ck_assert_ptr_null(aa_route_find(r, "direct"));
	ck_assert_ptr_null(aa_route_find(r, "nosuch"));
	ck_assert_int_eq(aa_routes_is_current(r), 1);
	aa_routes_free(&r);
	ck_assert_ptr_null(r);
	aa_test_tmp_remove(&tmp);
}
END_TEST

/* resigns=: "*", an exact domain, or "*.domain" strictly below it. */
static const struct {
	const char *route, *domain;
	int want;
} resigns[] = {
	{ "m365", "anything.example", 1 },
	{ "relay", "example.com", 1 },
	{ "relay", "EXAMPLE.COM", 1 },
	{ "relay", "sub.example.com", 0 },
	{ "relay", "a.example.org", 1 },
	{ "relay", "example.org", 0 },
	{ "relay", "badexample.org", 0 },
	{ "relay", "example.net", 0 },
};

/* The d= a relay signs with: the From domain itself (resigns=, or listed
 * in dkim_domains=), else the nearest parent dkim_domains= lists. */
static const struct {
	const char *route, *from, *want;
} signers[] = {
	{ "tenant", "example.net", "example.net" },
	{ "tenant", "EXAMPLE.NET", "EXAMPLE.NET" },
	{ "tenant", "news.example.net", "example.net" },
	{ "tenant", "a.mail.example.net", "mail.example.net" },
	{ "tenant", "mail.example.net", "mail.example.net" },
	{ "tenant", "badexample.net", NULL },
	{ "tenant", "example.org", NULL },
	{ "tenant", "net", NULL },
	{ "relay", "example.com", "example.com" },
	{ "relay", "sub.example.com", NULL },
	{ "relay", "a.example.org", "a.example.org" },
	{ "m365", "anything.example", "anything.example" },
};

START_TEST(routes_signer_is_the_from_domain_or_its_nearest_listed_parent)
{
	struct aa_test_tmp tmp;
	struct aa_routes *r;
	const char *got;
	char err[512];

	ck_assert_int_eq(aa_routes_load(aa_test_tmp_write(&tmp, GOOD_ROUTES), &r, err, sizeof(err)), 0);
	got = aa_route_signer(aa_route_find(r, signers[_i].route), signers[_i].from);
	ck_assert_msg(signers[_i].want == NULL ? got == NULL : got != NULL && strcmp(got, signers[_i].want) == 0,
		      "%s signs %s with d=%s", signers[_i].route, signers[_i].from, got);
	ck_assert_ptr_null(aa_route_signer(aa_route_find(r, "tenant"), NULL));
	ck_assert_ptr_null(aa_route_signer(NULL, "example.net"));
	aa_routes_free(&r);
	aa_test_tmp_remove(&tmp);
}
END_TEST

START_TEST(routes_resigns_match_exact_wildcard_and_below)
{
	struct aa_test_tmp tmp;
	struct aa_routes *r;
	char err[512];

	ck_assert_int_eq(aa_routes_load(aa_test_tmp_write(&tmp, GOOD_ROUTES), &r, err, sizeof(err)), 0);
	ck_assert_msg(aa_route_resigns(aa_route_find(r, resigns[_i].route), resigns[_i].domain) == resigns[_i].want,
		      "%s resigns %s", resigns[_i].route, resigns[_i].domain);
	ck_assert_int_eq(aa_route_resigns(aa_route_find(r, "relay"), NULL), 0);
	ck_assert_int_eq(aa_route_resigns(NULL, "example.com"), 0);
	aa_routes_free(&r);
	aa_test_tmp_remove(&tmp);
}
END_TEST

START_TEST(routes_route_data_gives_every_host_the_port)
{
	struct aa_test_tmp tmp;
	struct aa_routes *r;
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char err[512];

	ck_assert_int_eq(aa_routes_load(aa_test_tmp_write(&tmp, GOOD_ROUTES), &r, err, sizeof(err)), 0);
	ck_assert_str_eq(aa_route_data(ctx, aa_route_find(r, "m365")), "example-com.mail.protection.outlook.com");
	ck_assert_str_eq(aa_route_data(ctx, aa_route_find(r, "relay")),
			 "relay1.example.net::587:relay2.example.net::587");
	ck_assert_ptr_null(aa_route_data(ctx, NULL));
	aa_routes_free(&r);
	aa_ctx_free(&ctx);
	aa_test_tmp_remove(&tmp);
}
END_TEST

/* Each bad line comes third, after a comment and a good route; the error
 * is "FILE:3: " and then why. */
static const struct {
	const char *line, *why;
} bad[] = {
	{ "r1: hosts=a.example egress=192.0.2.1 colour=blue", "unknown option: colour" },
	{ "r1: hosts=a.example egress=192.0.2.1 junk", "expected name=value, not \"junk\"" },
	{ "r1: hosts=a.example egress=192.0.2.1 port=0", "port=0: 1 to 65535" },
	{ "r1: hosts=a.example egress=192.0.2.1 port=65536", "port=65536: 1 to 65535" },
	{ "r1: hosts=a.example egress=192.0.2.1 port=25x", "port=25x: 1 to 65535" },
	{ "r1: hosts=a.example egress=192.0.2.1 port=-1", "port=-1: 1 to 65535" },
	{ "r1: hosts=a.example egress=192.0.2.1 port=25 port=26", "port= given twice" },
	{ "r1: hosts=a.example hosts=b.example egress=192.0.2.1", "hosts= given twice" },
	{ "r1: hosts=a.example egress=192.0.2.1 egress=192.0.2.2", "egress= given twice" },
	{ "r1: hosts=a.example egress=192.0.2.1 helo=a.example helo=b.example", "helo= given twice" },
	{ "r1: hosts=a.example egress=192.0.2.1 transport=t transport=u", "transport= given twice" },
	{ "r1: hosts=a.example egress=192.0.2.1 resigns=* resigns=*", "resigns= given twice" },
	{ "r1: hosts=*:relay.example egress=192.0.2.1", "starts with the domain pattern \"*\"" },
	{ "r1: hosts=*.example.com:relay.example egress=192.0.2.1", "a manualroute route_list entry" },
	{ "r1: hosts=relay.example other.example egress=192.0.2.1", "hosts=\"relay.example other.example\": a manualroute" },
	{ "r1: hosts=relay.example:587 egress=192.0.2.1", "Exim reads \"relay.example:587\" as two hosts" },
	{ "r1: hosts=relay.example::587 egress=192.0.2.1", "a doubled colon" },
	{ "r1: hosts=relay.example: egress=192.0.2.1", "an empty host in the list" },
	{ "r1: hosts=localhost egress=192.0.2.1", "\"localhost\" is this host (loopback)" },
	{ "r1: hosts=127.0.0.2 egress=192.0.2.1", "\"127.0.0.2\" is this host (loopback)" },
	{ "r1: hosts=smtp.localhost egress=192.0.2.1", "is this host (loopback)" },
	{ "r1: hosts=bad_host! egress=192.0.2.1", "\"bad_host!\" is not a host name or IPv4 address" },
	{ "r1: hosts=a.example egress=127.0.0.1", "egress=127.0.0.1: egress is a loopback address" },
	{ "r1: hosts=a.example egress=::1", "egress=::1: egress is a loopback address" },
	{ "r1: hosts=a.example egress=::ffff:127.0.0.1", "egress is an IPv4-mapped or IPv4-compatible IPv6 address" },
	{ "r1: hosts=a.example egress=192.0.2.1,::ffff:192.0.2.1", "egress is an IPv4-mapped" },
	{ "r1: hosts=a.example egress=fe80::1", "egress is a link-local address" },
	{ "r1: hosts=a.example egress=ff02::1", "egress is a multicast address" },
	{ "r1: hosts=a.example egress=224.0.0.1", "egress is a multicast or reserved address" },
	{ "r1: hosts=a.example egress=255.255.255.255", "egress is a multicast or reserved address" },
	{ "r1: hosts=a.example egress=192.0.2.1, 2001:db8::1", "the two addresses take a comma and no space between" },
	{ "r1: hosts=a.example egress=192.0.2.1;2001:db8::1", "Exim's \"<;\" list syntax is not used here" },
	{ "r1: hosts=a.example egress=0.0.0.0", "egress=0.0.0.0: egress is the unspecified address" },
	{ "r1: hosts=a.example egress=::", "egress=::: egress is the unspecified address" },
	{ "r1: hosts=a.example egress=192.0.2.1,192.0.2.2", "two egress addresses of one address family" },
	{ "r1: hosts=a.example egress=192.0.2.1,2001:db8::1,2001:db8::2", "more than two egress addresses" },
	{ "r1: hosts=a.example egress=192.0.2.1,::1", "egress is a loopback address" },
	{ "r1: hosts=a.example egress=relay.example", "egress is not an IPv4 or IPv6 address" },
	{ "r1: hosts=a.example egress=192.0.2.1 helo=not_a_name!", "helo=not_a_name!: not a host name" },
	{ "r1: hosts=a.example egress=192.0.2.1 transport=1smtp", "transport=1smtp: an Exim transport name" },
	{ "r1: hosts=a.example egress=192.0.2.1 transport=remote-smtp", "an Exim transport name" },
	{ "r1: hosts=a.example egress=192.0.2.1 resigns=a..example", "resigns=: \"a..example\" is not *" },
	{ "r1: hosts=a.example egress=192.0.2.1 resigns=a.example,", "resigns=: empty list, or an empty item" },
	{ "r1: hosts=a.example egress=192.0.2.1 dkim_domains=*", "dkim_domains=: \"*\" is not a domain" },
	{ "r1: hosts=a.example egress=192.0.2.1 dkim_domains=*.a.example", "dkim_domains=: \"*.a.example\" is not a domain" },
	{ "r1: hosts=a.example egress=192.0.2.1 dkim_domains=a.example dkim_domains=b.example",
	  "dkim_domains= given twice" },
	{ "r1: hosts=a.example egress=192.0.2.1 resigns=* dkim_selectors=s1,", "dkim_selectors=: empty list" },
	{ "r1: hosts=a.example egress=192.0.2.1 resigns=* dkim_selectors=s/1", "dkim_selectors=: \"s/1\" is not a selector" },
	{ "r1: hosts=a.example egress=192.0.2.1 dkim_selectors=selector1",
	  "route \"r1\": dkim_selectors= without resigns= or dkim_domains=" },
	{ "r1: egress=192.0.2.1", "route \"r1\" has no hosts=" },
	{ "r1: hosts=a.example", "route \"r1\" has no egress=" },
	{ "direct: hosts=a.example egress=192.0.2.1", "route name \"direct\"" },
	{ "r/1: hosts=a.example egress=192.0.2.1", "route name \"r/1\"" },
	{ "ok: hosts=b.example egress=192.0.2.2", "route \"ok\" given twice" },
	{ "OK: hosts=b.example egress=192.0.2.2", "route \"ok\" given twice" },
};

START_TEST(routes_bad_line_is_refused_with_file_line_and_why)
{
	struct aa_test_tmp tmp;
	struct aa_routes *r = (struct aa_routes *)&tmp;	/* must come back NULL */
	char text[512], err[1024];
	const char *path;

	snprintf(text, sizeof(text), "# routes\nok: hosts=ok.example egress=192.0.2.9\n%s\n", bad[_i].line);
	path = aa_test_tmp_write(&tmp, text);
	ck_assert_int_eq(aa_routes_load(path, &r, err, sizeof(err)), -1);
	ck_assert_ptr_null(r);
	aa_test_assert_error_at(err, path, 3, bad[_i].why, bad[_i].line);
	aa_test_tmp_remove(&tmp);
}
END_TEST

START_TEST(routes_missing_file_is_an_error_naming_it)
{
	struct aa_routes *r;
	char err[512] = "";

	ck_assert_int_eq(aa_routes_load("/nonexistent/aa-routes", &r, err, sizeof(err)), -1);
	ck_assert_ptr_null(r);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/aa-routes"));
}
END_TEST

START_TEST(routes_none_loaded_count_zero_and_find_nothing)
{
	ck_assert_uint_eq(aa_route_count(NULL), 0);
	ck_assert_ptr_null(aa_route_at(NULL, 0));
	ck_assert_ptr_null(aa_route_find(NULL, "relay"));
	ck_assert_int_eq(aa_routes_is_current(NULL), 1);
}
END_TEST

Suite *suite_route(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("route");

	tcase_add_test(tc, routes_good_file_gives_every_value);
	tcase_add_loop_test(tc, routes_resigns_match_exact_wildcard_and_below, 0,
			    (int)(sizeof(resigns) / sizeof(resigns[0])));
	tcase_add_loop_test(tc, routes_signer_is_the_from_domain_or_its_nearest_listed_parent, 0,
			    (int)(sizeof(signers) / sizeof(signers[0])));
	tcase_add_test(tc, routes_route_data_gives_every_host_the_port);
	tcase_add_loop_test(tc, routes_bad_line_is_refused_with_file_line_and_why, 0,
			    (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, routes_missing_file_is_an_error_naming_it);
	tcase_add_test(tc, routes_none_loaded_count_zero_and_find_nothing);
	suite_add_tcase(s, tc);
	return s;
}
