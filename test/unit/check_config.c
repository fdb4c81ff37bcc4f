/* check_config.c - settings file and per-domain table: values, errors with file:line. */
#include <stdlib.h>
#include <unistd.h>
#include "aa_config.h"
#include "aa_config.h"
#include "aa_test.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/aa-config-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return strdup(path);
}

START_TEST(config_defaults_are_monitor_rfc9989)
{
	struct aa_config *cfg;
	char err[256];

	ck_assert_int_eq(aa_config_load(NULL, &cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg->mode, AA_MODE_MONITOR);
	ck_assert_int_eq(cfg->dmarc_mode, AA_DMARC_RFC9989);
	ck_assert_uint_eq(cfg->dns.timeout_ms, 2000);
	ck_assert_uint_eq(cfg->dns.budget_ms, 20000);
	aa_config_free(&cfg);
	ck_assert_ptr_null(cfg);
}
END_TEST

START_TEST(config_settings_and_domains_are_read)
{
	char *domains = write_tmp("# per-domain\n"
				  "strict.example: mode=enforce\n"
				  "*.lists.example: mode=off\n"
				  "forced.example  mode=enforce\n"
				  "   policy=reject quarantine_action=freeze\n"
				  "*: mode=monitor\n");
	char text[512];
	char *settings;
	struct aa_config *cfg;
	struct aa_domain_policy p;
	char err[256];

	snprintf(text, sizeof(text),
		 "authserv_id = mx.test.example\nmode = off\ndmarc_mode = rfc7489\n"
		 "quarantine_action = freeze\nreceived_spf = true\ndns_timeout = 3s\n"
		 "dns_tries = 1\ndns_budget = 3s\nreject_status = 5.7.509\nfrom_unreadable = monitor\n"
		 "domains_file = %s\n", domains);
	settings = write_tmp(text);
	ck_assert_msg(aa_config_load(settings, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cfg->authserv_id, "mx.test.example");
	ck_assert_int_eq(cfg->dmarc_mode, AA_DMARC_RFC7489);
	ck_assert_int_eq(cfg->received_spf, 1);
	ck_assert_uint_eq(cfg->dns.timeout_ms, 3000);
	ck_assert_uint_eq(cfg->dns.tries, 1);
	ck_assert_uint_eq(cfg->dns.budget_ms, 3000);
	ck_assert_str_eq(cfg->reject_status, "5.7.509");
	ck_assert_int_eq(cfg->from_unreadable, AA_UNREADABLE_MONITOR);

	aa_config_domain(cfg, "strict.example", &p);
	ck_assert_int_eq(p.mode, AA_MODE_ENFORCE);
	aa_config_domain(cfg, "a.b.lists.example", &p);
	ck_assert_int_eq(p.mode, AA_MODE_OFF);
	ck_assert_str_eq(p.matched_key, "*.lists.example");
	aa_config_domain(cfg, "FORCED.example", &p);
	ck_assert_int_eq(p.forced, AA_POLICY_REJECT);
	ck_assert_int_eq(p.quarantine, AA_QUARANTINE_FREEZE);
	aa_config_domain(cfg, "other.example", &p);
	ck_assert_int_eq(p.mode, AA_MODE_MONITOR);
	ck_assert_str_eq(p.matched_key, "*");
	aa_config_free(&cfg);
	unlink(settings);
	unlink(domains);
	free(settings);
	free(domains);
}
END_TEST

struct bad_case {
	const char *settings;
	const char *domains;
	const char *expect;	/* substring of the error */
};

static const struct bad_case bad_cases[] = {
	{ "mode = sometimes\n", NULL, ":1: invalid value: mode = \"sometimes\" (expected off, monitor or enforce)" },
	{ "\n\nfrobnicate = 1\n", NULL, ":3: unknown option: frobnicate" },
	{ "dns_timout = 2s\n", NULL, ":1: unknown option: dns_timout (did you mean dns_timeout?)" },
	{ "dns_tries = 6\n", NULL, ":1: invalid value: dns_tries = \"6\" (expected 1 to 5)" },
	{ "received_spf = maybe\n", NULL, ":1: invalid value: received_spf = \"maybe\" (expected yes or no)" },
	{ "mode = \x01\n", NULL, ":1: invalid value: mode" },
	{ "just words\n", NULL, ":1: expected name = value" },
	{ "dns_timeout = 0\n", NULL, ":1: invalid value" },
	{ "dns_budget = 0\n", NULL, ":1: invalid value: dns_budget" },
	{ "dns_budget = 11m\n", NULL, ":1: invalid value: dns_budget" },
	{ "dns_budget = 20 s\n", NULL, ":1: invalid value: dns_budget = \"20 s\" (expected seconds, Ns or Nm, from 1s to 10m)" },
	{ "authserv_id = bad id;\n", NULL, ":1: invalid value" },
	{ "reject_status = 4.7.1\n", NULL, ":1: invalid value: reject_status" },
	{ "from_unreadable = accept\n", NULL, ":1: invalid value: from_unreadable = \"accept\" (expected reject or monitor)" },
	{ "outbound_plan_ttl = 2d\n", NULL, ":1: invalid value: outbound_plan_ttl" },
	{ "outbound_plan_ttl = 100000\n", NULL, ":1: invalid value: outbound_plan_ttl" },
	{ "reject_status = 5.7\n", NULL, ":1: invalid value: reject_status" },
	{ "", "a.example: mode=enforce\nb.example: colour=blue\n",
	  ":2: unknown option (expected mode=, policy= or quarantine_action=)" },
	{ "", "a.example: quarantine_action=drop\n", ":1: invalid value: quarantine_action= takes header or freeze" },
	{ "", "a.example: mode\n", ":1: expected name=value" },
	{ "", "a.example: policy=maybe\n", ":1: invalid value: policy= takes published, none, quarantine or reject" },
	{ "", "bad!key: mode=off\n", ":1: key" },
	{ "", "a.example: mode=off\nA.example: mode=enforce\n", ":2: key \"a.example\" given twice" },
	{ "", "   mode=off\n", ":1: continuation line without a key" },
	{ "outbound_mode = sometimes\n", NULL, ":1: invalid value: outbound_mode" },
	{ "\noutbound_egress = 127.0.0.1\n", NULL, ":2: egress is a loopback address" },
	{ "outbound_egress = mail.example\n", NULL, ":1: egress is not an IPv4 or IPv6 address" },
	{ "outbound_egress = 203.0.113.5, 203.0.113.6\n", NULL, ":1: two egress addresses of one address family" },
	{ "outbound_egress = 203.0.113.5 2001:db8::5 2001:db8::6\n", NULL, ":1: more than two egress addresses" },
	{ "outbound_egress = 203.0.113.5, ::1\n", NULL, ":1: egress is a loopback address" },
	{ "outbound_egress = ,\n", NULL, ":1: no egress address" },
	{ "outbound_egress = 203.0.113.5 ; 2001:db8::5\n", NULL, ":1: egress is not an IPv4 or IPv6 address (Exim's" },
	{ "outbound_egress = <; 203.0.113.5 ; 2001:db8::5\n", NULL, "write the two addresses with a comma between" },
	{ "outbound_helo = bad_helo!\n", NULL, ":1: invalid value: outbound_helo" },
	{ "outbound_mode = route\n", NULL, "outbound_egress is required" },
	{ "outbound_trusted_hosts = 203.0.113.0/33\n", NULL, ":1: an IPv4 or IPv6 address or network" },
	{ "\noutbound_trusted_hosts = 127.0.0.1:25\n", NULL, ":2: an IPv4 or IPv6 address or network" },
	{ "outbound_egress = 203.0.113.5\noutbound_owners_file = /nonexistent/userdomains\n", NULL,
	  "/nonexistent/userdomains: cannot open" },
};

START_TEST(config_errors_name_file_line_and_values_allowed)
{
	const struct bad_case *c = &bad_cases[_i];
	char *domains = c->domains != NULL ? write_tmp(c->domains) : NULL;
	char text[512];
	char *settings;
	struct aa_config *cfg = NULL;
	char err[256] = "";

	snprintf(text, sizeof(text), "%s%s%s%s", c->settings, domains != NULL ? "domains_file = " : "",
		 domains != NULL ? domains : "", domains != NULL ? "\n" : "");
	settings = write_tmp(text);
	ck_assert_int_eq(aa_config_load(settings, &cfg, err, sizeof(err)), -1);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(err, c->expect) != NULL, "error \"%s\" lacks \"%s\"", err, c->expect);
	ck_assert_msg(strstr(err, domains != NULL ? domains : settings) == err || strstr(err, "/nonexistent/") == err,
		      "error \"%s\" does not start with the file name", err);
	unlink(settings);
	free(settings);
	if (domains != NULL) {
		unlink(domains);
		free(domains);
	}
}
END_TEST

/* An enum setting: a word it does not take is refused with its words,
 * and every word it lists is taken. */
static void enum_setting_check(const struct aa_option *o)
{
	char text[256], want[256], words[128], err[256] = "";
	struct aa_config *cfg = NULL;
	char *settings;

	snprintf(text, sizeof(text), "%s = sometimes\n", o->name);
	settings = write_tmp(text);
	ck_assert_int_eq(aa_config_load(settings, &cfg, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "(expected %s)", aa_names_list(o->names, ", ", " or ", words, sizeof(words)));
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"", err, want);
	unlink(settings);
	free(settings);
	for (size_t i = 0; i < o->names->n; i++) {
		snprintf(text, sizeof(text), "%s = %s\n", o->name, o->names->v[i].name);
		settings = write_tmp(text);
		ck_assert_msg(aa_config_load(settings, &cfg, err, sizeof(err)) == 0 ||
			      strstr(err, "outbound_egress is required") != NULL, "%s", err);
		aa_config_free(&cfg);
		unlink(settings);
		free(settings);
	}
}

START_TEST(config_enum_settings_refuse_other_words_naming_their_own)
{
	const struct aa_option *o;
	size_t enums = 0;

	for (size_t i = 0; (o = aa_option_at(i)) != NULL; i++)
		if (o->names != NULL) {
			enum_setting_check(o);
			enums++;
		}
	ck_assert_uint_ge(enums, 5);
}
END_TEST

START_TEST(config_outbound_settings_are_loaded)
{
	char *routes = write_tmp("relay: hosts=relay.example.net egress=198.51.100.25,2001:db8::25\n");
	char *domains = write_tmp("example.com: mode=enforce pin=relay\n");
	char *owners = write_tmp("example.com: bob\n*: nobody\n");
	const struct aa_submitter bob = { .local = 1, .login = "bob" }, web = { .host = "192.0.2.80" };
	const char *why;
	char text[1024], cwd[512];
	char *settings;
	struct aa_config *cfg;
	struct aa_out_policy p;
	char err[256];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(text, sizeof(text),
		 "outbound_mode = monitor\noutbound_egress = 2001:db8::5  203.0.113.5\noutbound_helo = mail.example.net\n"
		 "outbound_profiles_file = %s/conf.d-examples/authalign-profiles\n"
		 "outbound_routes_file = %s\noutbound_domains_file = %s\noutbound_owners_file = %s\n"
		 "outbound_trusted_hosts = 192.0.2.64/26, 2001:db8::1\n", cwd, routes, domains, owners);
	settings = write_tmp(text);
	ck_assert_msg(aa_config_load(settings, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(cfg->outbound.mode, AA_OUT_MONITOR);
	ck_assert_str_eq(cfg->outbound.direct.egress_ip, "2001:db8::5");
	ck_assert_str_eq(cfg->outbound.direct.egress_ip2, "203.0.113.5");
	ck_assert_str_eq(aa_route_at(cfg->outbound.routes, 0)->egress_ip, "198.51.100.25");
	ck_assert_str_eq(aa_route_at(cfg->outbound.routes, 0)->egress_ip2, "2001:db8::25");
	ck_assert_str_eq(cfg->outbound.direct.helo, "mail.example.net");
	ck_assert_uint_eq(aa_profiles_count(cfg->outbound.profiles), 4);
	ck_assert_uint_eq(aa_route_count(cfg->outbound.routes), 1);
	aa_outbound_policy(&cfg->outbound, "example.com", &p);
	ck_assert_int_eq(p.mode, AA_OUT_ENFORCE);
	ck_assert_str_eq(p.pin, "relay");
	ck_assert_uint_eq(aa_owners_count(cfg->outbound.owners), 1);
	ck_assert_int_eq(aa_owner_check(cfg->outbound.owners, cfg->outbound.trusted_hosts, &bob, "example.com", &why), 1);
	ck_assert_int_eq(aa_owner_check(cfg->outbound.owners, cfg->outbound.trusted_hosts, &web, "a.example", &why), 1);
	aa_config_free(&cfg);
	unlink(owners);
	free(owners);
	unlink(settings);
	unlink(routes);
	unlink(domains);
	free(settings);
	free(routes);
	free(domains);
}
END_TEST

START_TEST(config_relative_table_path_is_taken_from_the_settings_directory)
{
	char dir[] = "/tmp/aa-config-dir-XXXXXX";
	char path[128], table[128];
	struct aa_config *cfg;
	struct aa_domain_policy p;
	char err[256];
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/authalign.conf", dir);
	snprintf(table, sizeof(table), "%s/domains", dir);
	f = fopen(table, "w");
	fputs("rel.example: mode=enforce\n", f);
	fclose(f);
	f = fopen(path, "w");
	fputs("domains_file = domains\n", f);
	fclose(f);
	ck_assert_msg(aa_config_load(path, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cfg->domains_file, table);
	aa_config_domain(cfg, "rel.example", &p);
	ck_assert_int_eq(p.mode, AA_MODE_ENFORCE);
	aa_config_free(&cfg);
	unlink(table);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(config_missing_file_is_an_error)
{
	struct aa_config *cfg;
	char err[256];

	ck_assert_int_eq(aa_config_load("/nonexistent/authalign.conf", &cfg, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
}
END_TEST

/* fgets would hand over the tail of a long line as a line of its own:
 * a setting at the end of a long comment must not take effect. */
START_TEST(config_line_longer_than_the_limit_is_refused_not_split)
{
	struct aa_config *cfg = NULL;
	char err[256], *text, *path;

	text = malloc(8192);
	ck_assert_ptr_nonnull(text);
	memcpy(text, "# ", 2);
	memset(text + 2, 'x', 4093);
	strcpy(text + 4095, "mode = enforce\n");
	path = write_tmp(text);
	ck_assert_int_eq(aa_config_load(path, &cfg, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":1: line too long") != NULL, "%s", err);
	ck_assert_ptr_null(cfg);
	/* the longest line allowed, ending the file without a newline, is read */
	memcpy(text, "mode = enforce ", 15);
	memset(text + 15, ' ', 4094 - 15);
	text[4094] = '\0';
	unlink(path);
	free(path);
	path = write_tmp(text);
	ck_assert_msg(aa_config_load(path, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(cfg->mode, AA_MODE_ENFORCE);
	aa_config_free(&cfg);
	unlink(path);
	free(path);
	free(text);
}
END_TEST

Suite *suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, config_defaults_are_monitor_rfc9989);
	tcase_add_test(tc, config_settings_and_domains_are_read);
	tcase_add_loop_test(tc, config_errors_name_file_line_and_values_allowed, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, config_enum_settings_refuse_other_words_naming_their_own);
	tcase_add_test(tc, config_outbound_settings_are_loaded);
	tcase_add_test(tc, config_relative_table_path_is_taken_from_the_settings_directory);
	tcase_add_test(tc, config_missing_file_is_an_error);
	tcase_add_test(tc, config_line_longer_than_the_limit_is_refused_not_split);
	suite_add_tcase(s, tc);
	return s;
}
