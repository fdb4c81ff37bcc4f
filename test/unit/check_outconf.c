/* check_outconf.c - profiles, routes and the outbound domains table: values, and errors with file:line. */
#include <unistd.h>
#include "aa_outbound.h"
#include "aa_test.h"

#define SHIPPED_PROFILES "conf.d-examples/authalign-profiles"

static char *write_tmp(const char *text)
{
	char path[] = "/tmp/aa-outconf-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return strdup(path);
}

static void unlink_free(char *path)
{
	if (path != NULL) {
		unlink(path);
		free(path);
	}
}

START_TEST(shipped_profiles_name_the_real_receivers)
{
	struct aa_profiles *p;
	const struct aa_profile *pr;
	const char *m365_mx[] = { "example-com.mail.protection.outlook.com" };
	const char *google_mx[] = { "aspmx.l.google.com." };
	char err[256];

	ck_assert_msg(aa_profiles_load(SHIPPED_PROFILES, &p, err, sizeof(err)) == 0, "%s", err);
	pr = aa_profile_match(p, "example.com", m365_mx, 1);
	ck_assert_str_eq(pr->name, "m365");
	ck_assert_str_eq(pr->status, "5.7.509");
	pr = aa_profile_match(p, "HOTMAIL.com", NULL, 0);
	ck_assert_str_eq(pr->name, "outlook");
	ck_assert(pr->require_spf && pr->require_dkim && pr->require_dmarc);
	ck_assert_str_eq(pr->status, "5.7.515");
	pr = aa_profile_match(p, "workspace.example", google_mx, 1);
	ck_assert_str_eq(pr->name, "gmail");
	ck_assert_str_eq(pr->always[0], "gmail.com");
	pr = aa_profile_match(p, "example.org", NULL, 0);
	ck_assert_str_eq(pr->name, "default");
	ck_assert_str_eq(pr->status, "5.7.1");
	ck_assert(pr->dmarc_policy && !pr->quarantine_refused);
	aa_profiles_free(&p);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(profiles_without_default_get_the_builtin_one)
{
	char *path = write_tmp("corp: rcpt=corp.example dmarc=strict status=5.7.26\n");
	struct aa_profiles *p;
	const struct aa_profile *pr;
	char err[256];

	ck_assert_msg(aa_profiles_load(path, &p, err, sizeof(err)) == 0, "%s", err);
	pr = aa_profile_match(p, "corp.example", NULL, 0);
	ck_assert(pr->quarantine_refused);
	pr = aa_profile_match(p, "other.example", NULL, 0);
	ck_assert_str_eq(pr->name, "default");
	ck_assert_str_eq(pr->status, "5.7.1");
	aa_profiles_free(&p);
	unlink_free(path);
}
END_TEST

START_TEST(route_data_doubles_the_port_colon)
{
	char *path = write_tmp("relay: hosts=relay1.example.net:relay2.example.net port=587\n"
			       "   transport=remote_smtp_smarthost egress=198.51.100.25\n"
			       "   resigns=example.com,*.example.org\n"
			       "m365: hosts=example-com.mail.protection.outlook.com egress=203.0.113.77\n"
			       "   helo=relay.example.net resigns=*\n");
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_routes *r;
	const struct aa_route *relay, *m365;
	char err[256];

	ck_assert_msg(aa_routes_load(path, &r, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(aa_route_count(r), 2);
	relay = aa_route_find(r, "relay");
	m365 = aa_route_at(r, 1);
	ck_assert_str_eq(aa_route_data(ctx, relay), "relay1.example.net::587:relay2.example.net::587");
	ck_assert_str_eq(aa_route_data(ctx, m365), "example-com.mail.protection.outlook.com");
	ck_assert_uint_eq(m365->port, 25);
	ck_assert_str_eq(relay->transport, "remote_smtp_smarthost");
	ck_assert_str_eq(relay->resigns[1], "*.example.org");
	ck_assert_str_eq(m365->helo, "relay.example.net");
	aa_routes_free(&r);
	aa_ctx_free(&ctx);
	unlink_free(path);
}
END_TEST

/* One loader at a time: which file the case writes, and the error expected. */
enum which { PROFILES, ROUTES, DOMAINS };

struct bad_case {
	const char *name;
	enum which file;		/* the file the error must name */
	const char *profiles, *routes, *domains;
	const char *expect;		/* substring after "file" */
};

#define OKROUTE "relay: hosts=relay.example.net egress=198.51.100.25\n"

static const struct bad_case bad_cases[] = {
	{ "loopback egress is a config error", ROUTES, NULL,
	  "a: hosts=r.example egress=192.0.2.1\nb: hosts=r.example egress=127.0.0.1\n", NULL,
	  ":2: egress=127.0.0.1: egress is a loopback address" },
	{ "IPv6 loopback egress is a config error", ROUTES, NULL, "b: hosts=r.example egress=::1\n", NULL,
	  ":1: egress=::1: egress is a loopback" },
	{ "egress that is not an IP is a config error", ROUTES, NULL,
	  "b: hosts=r.example egress=relay.example\n", NULL, ":1: egress=relay.example: egress is not an IPv4" },
	{ "missing egress is a config error", ROUTES, NULL, "\n\nb: hosts=r.example\n", NULL,
	  ":3: route \"b\" has no egress=" },
	{ "colon instead of space in hosts is reported with file:line", ROUTES, NULL,
	  OKROUTE "x: egress=192.0.2.1\n  hosts=*:relay.example\n", NULL,
	  ":2: hosts=\"*:relay.example\" starts with the domain pattern \"*\"" },
	{ "a route_list entry with a space in hosts is reported", ROUTES, NULL,
	  "x: hosts=*.example.com relay.example egress=192.0.2.1\n", NULL, ":1: hosts=\"*.example.com\"" },
	{ "a port glued on with one colon is two hosts to Exim", ROUTES, NULL,
	  "x: hosts=relay.example:587 egress=192.0.2.1\n", NULL, ":1: hosts=\"relay.example:587\": Exim reads" },
	{ "an empty host item is reported", ROUTES, NULL, "x: hosts=a.example: egress=192.0.2.1\n", NULL,
	  ":1: hosts=\"a.example:\": an empty host" },
	{ "a doubled colon in hosts is reported", ROUTES, NULL,
	  "x: hosts=a.example::587 egress=192.0.2.1\n", NULL, ":1: hosts=\"a.example::587\": a doubled colon" },
	{ "a localhost smarthost is reported", ROUTES, NULL, "x: hosts=localhost egress=192.0.2.1\n", NULL,
	  ":1: hosts=: \"localhost\" is this host" },
	{ "a 127/8 smarthost is reported", ROUTES, NULL, "x: hosts=a.example:127.0.0.2 egress=192.0.2.1\n",
	  NULL, ":1: hosts=: \"127.0.0.2\" is this host" },
	{ "a bad transport name is reported", ROUTES, NULL,
	  "x: hosts=a.example egress=192.0.2.1 transport=remote-smtp\n", NULL, ":1: transport=remote-smtp:" },
	{ "a route given twice is reported", ROUTES, NULL, OKROUTE OKROUTE, NULL,
	  ":2: route \"relay\" given twice" },
	{ "a bad port is reported", ROUTES, NULL, "x: hosts=a.example egress=192.0.2.1 port=70000\n", NULL,
	  ":1: port=70000" },
	{ "a route named direct is refused", ROUTES, NULL, "direct: hosts=a.example egress=192.0.2.1\n", NULL,
	  ":1: route name \"direct\"" },
	{ "unknown smarthost pin is reported with file:line", DOMAINS, NULL, OKROUTE,
	  "a.example: mode=route\nb.example: mode=enforce\n   pin=relya\n", ":2: pin=relya: no such route" },
	{ "unknown smarthost in order is reported with file:line", DOMAINS, NULL, OKROUTE,
	  "a.example: order=direct,smarthost:nope\n", ":1: order: smarthost:nope: no such route" },
	{ "a pin without a routes file is reported", DOMAINS, NULL, NULL, "a.example: pin=relay\n",
	  ":1: pin=relay: no such route in the routes file (outbound_routes_file is not set)" },
	{ "pin and order together are refused", DOMAINS, NULL, OKROUTE,
	  "a.example: pin=relay order=direct\n", ":1: pin= and order= together" },
	{ "an unknown order step is reported", DOMAINS, NULL, NULL, "a.example: order=direct,munge\n",
	  ":1: order: steps are" },
	{ "a return path without a domain is reported", DOMAINS, NULL, NULL, "a.example: return_path=bounces\n",
	  ":1: return_path: return_path= takes local@domain" },
	{ "a dkim key that is not selector:/path is reported", DOMAINS, NULL, NULL,
	  "a.example: dkim=s1:keys/a.pem\n", ":1: dkim: dkim= takes selector" },
	{ "an unknown outbound mode is reported with the modes", DOMAINS, NULL, NULL, "*: mode=reject\n",
	  ":1: mode: mode= takes off, monitor, route or enforce" },
	{ "an outbound mode given twice is reported", DOMAINS, NULL, NULL, "*: mode=route mode=off\n",
	  ":1: mode: given twice" },
	{ "an unknown profile option is reported", PROFILES, "p: rcpt=a.example colour=blue\n", NULL, NULL,
	  ":1: colour: unknown option" },
	{ "a bad profile status is reported", PROFILES, "p: rcpt=a.example status=4.7.1\n", NULL, NULL,
	  ":1: status: status= takes" },
	{ "an empty profile list is reported", PROFILES, "p: rcpt=a.example,,b.example\n", NULL, NULL,
	  ":1: rcpt: empty list" },
	{ "a profile that matches nothing is reported", PROFILES, "\np: dmarc=policy\n", NULL, NULL,
	  ":2: profile \"p\" matches no destination" },
	{ "a default profile with rcpt= is reported", PROFILES, "default: rcpt=a.example\n", NULL, NULL,
	  ":1: profile \"default\" applies when no other matches" },
	{ "an unknown require= item is reported", PROFILES, "p: mx=*.a.example require=spf,arc\n", NULL, NULL,
	  ":1: require: require= takes" },
};

START_TEST(outbound_errors_name_file_and_line)
{
	const struct bad_case *c = &bad_cases[_i];
	char *profiles = c->profiles != NULL ? write_tmp(c->profiles) : NULL;
	char *routes = c->routes != NULL ? write_tmp(c->routes) : NULL;
	char *domains = c->domains != NULL ? write_tmp(c->domains) : NULL;
	const char *named = c->file == PROFILES ? profiles : c->file == ROUTES ? routes : domains;
	struct aa_outbound ob = { 0 };
	char err[512] = "";

	ck_assert_int_eq(aa_outbound_load(&ob, profiles, routes, domains, err, sizeof(err)), -1);
	ck_assert_ptr_null(ob.profiles);
	ck_assert_ptr_null(ob.routes);
	ck_assert_ptr_null(ob.table);
	ck_assert_msg(strncmp(err, named, strlen(named)) == 0 && strstr(err, c->expect) == err + strlen(named),
		      "%s: error \"%s\" is not \"%s%s\"", c->name, err, named, c->expect);
	unlink_free(profiles);
	unlink_free(routes);
	unlink_free(domains);
}
END_TEST

START_TEST(outbound_policy_most_specific_key_wins)
{
	char *routes = write_tmp(OKROUTE);
	char *domains = write_tmp("example.com: mode=route order=direct,sign,rewrite,smarthost:relay\n"
				  "   dkim=s1:/etc/exim4/dkim/example.com.pem return_path=bounces@example.com\n"
				  "*.example.com: mode=enforce dkim=s2:/k.pem\n"
				  "legacy.example: mode=enforce pin=relay\n"
				  "*: mode=monitor\n");
	struct aa_outbound ob = { .mode = AA_OUT_OFF };
	struct aa_out_policy p;
	char err[256];

	ck_assert_msg(aa_outbound_load(&ob, NULL, routes, domains, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(aa_outbound_domain_count(&ob), 4);
	aa_outbound_policy(&ob, "example.com", &p);
	ck_assert_int_eq(p.mode, AA_OUT_ROUTE);
	ck_assert_uint_eq(p.order_len, 4);
	ck_assert_int_eq(p.order[3], AA_STEP_SMARTHOST);
	ck_assert_str_eq(p.order_route[3], "relay");
	ck_assert_str_eq(p.dkim_selector, "s1");
	ck_assert_str_eq(p.dkim_domain, "example.com");
	ck_assert_str_eq(p.return_path, "bounces@example.com");
	aa_outbound_policy(&ob, "a.b.example.com", &p);
	ck_assert_int_eq(p.mode, AA_OUT_ENFORCE);
	ck_assert_str_eq(p.dkim_domain, "example.com");
	ck_assert_ptr_null(p.return_path);
	aa_outbound_policy(&ob, "legacy.example", &p);
	ck_assert_str_eq(p.pin, "relay");
	aa_outbound_policy(&ob, "other.example", &p);
	ck_assert_int_eq(p.mode, AA_OUT_MONITOR);
	ck_assert_str_eq(p.matched_key, "*");
	ck_assert_uint_eq(p.order_len, 4);
	aa_outbound_free(&ob);
	ob.table = NULL;
	aa_outbound_policy(&ob, "other.example", &p);
	ck_assert_int_eq(p.mode, AA_OUT_OFF);
	unlink_free(routes);
	unlink_free(domains);
}
END_TEST

Suite *suite_outconf(void)
{
	Suite *s = suite_create("outconf");
	TCase *tc = tcase_create("outconf");

	tcase_add_test(tc, shipped_profiles_name_the_real_receivers);
	tcase_add_test(tc, profiles_without_default_get_the_builtin_one);
	tcase_add_test(tc, route_data_doubles_the_port_colon);
	tcase_add_loop_test(tc, outbound_errors_name_file_and_line, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, outbound_policy_most_specific_key_wins);
	suite_add_tcase(s, tc);
	return s;
}
