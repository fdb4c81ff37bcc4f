/* commands.c - each subcommand: read arguments, call the core, print. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "aa_authres.h"
#include "aa_dkim.h"
#include "aa_dmarc.h"
#include "aa_judge.h"
#include "aa_outbound.h"
#include "aa_spf.h"
#include "tool.h"

#define MESSAGE_MAX (64u * 1024 * 1024)

/* authalign(8) EXIT STATUS: an answer, bad arguments or settings, a
 * temporary failure, and "the message would be refused". */
enum { EXIT_ANSWER = 0, EXIT_BAD = 1, EXIT_TEMP = 2, EXIT_REFUSED = 3 };

/* The key files are read by Exim's transport, maybe as another user: only warn. */
static void tool_warn_keys(const struct aa_config *cfg)
{
	const char *key, *file;

	for (size_t i = 0; aa_outbound_entry_at(&cfg->outbound, i, &key, &file); i++)
		if (file != NULL && access(file, R_OK) != 0)
			printf("warning: %s: dkim key file %s is not readable by this user\n", key, file);
}

/* Keys and return paths without owners serve only the built-in rule. */
static void tool_warn_owners(const struct aa_config *cfg)
{
	if (aa_outbound_domain_count(&cfg->outbound) > 0 && cfg->outbound.owners == NULL &&
	    aa_hostnets_count(cfg->outbound.trusted_hosts) == 0)
		printf("warning: outbound_domains_file without outbound_owners_file or outbound_trusted_hosts: "
		       "a domain's key, return path and pin serve only AUTH ids user@thatdomain "
		       "(authalign-outbound(5), Ownership)\n");
}

/* Loopback or this host's own address in the trusted hosts: every local
 * process, a customer's PHP too, could sign as every domain
 * (authalign.conf(5)). */
static void tool_warn_trusted(const struct aa_config *cfg)
{
	const char *own[] = { "127.0.0.1", "::1", cfg->outbound_egress };

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i] != NULL && aa_hostnets_match(cfg->outbound.trusted_hosts, own[i])) {
			printf("warning: outbound_trusted_hosts includes %s%s: every program on this host "
			       "that connects to Exim may send as every domain; "
			       "never on a shared host where customers run code\n", own[i],
			       i == 2 ? " (outbound_egress, this host's own address)" : "");
			return;
		}
}

/* A budget one slow question can spend alone (authalign.conf(5), dns_budget). */
static void tool_warn_budget(const struct aa_config *cfg)
{
	unsigned long long one = (unsigned long long)cfg->dns.timeout_ms * cfg->dns.tries;

	if (cfg->dns.budget_ms < one)
		printf("warning: dns_budget (%us) is shorter than one question's dns_timeout x dns_tries "
		       "(%llus): a single slow nameserver spends the whole budget and the message defers\n",
		       cfg->dns.budget_ms / 1000, one / 1000);
}

/* Every smarthost host name must resolve (an IP address needs no lookup).
 * Returns the number that do not; a DNS temporary failure only warns. */
static size_t check_routes_resolve(const struct aa_config *cfg)
{
	const char *err = NULL;
	struct aa_ctx *ctx = aa_ctx_new(&cfg->dns, &err);
	size_t bad = 0;

	if (ctx == NULL) {
		fprintf(stderr, "warning: cannot check that the smarthosts resolve: %s\n", err != NULL ? err : "?");
		return 0;
	}
	for (size_t i = 0; i < aa_route_count(cfg->outbound.routes); i++) {
		const struct aa_route *r = aa_route_at(cfg->outbound.routes, i);
		char *hosts = strdup(r->hosts != NULL ? r->hosts : ""), *save = NULL;

		for (char *h = strtok_r(hosts, ":", &save); h != NULL; h = strtok_r(NULL, ":", &save)) {
			struct in6_addr any;
			const struct aa_dns_answer *a, *aaaa;

			if (inet_pton(AF_INET, h, &any) == 1 || inet_pton(AF_INET6, h, &any) == 1)
				continue;
			a = aa_dns_lookup(ctx->dns, h, AA_DNS_A);
			aaaa = aa_dns_lookup(ctx->dns, h, AA_DNS_AAAA);
			if (a->status == AA_DNS_OK || aaaa->status == AA_DNS_OK)
				continue;
			if (aa_dns_is_temp(a->status) || aa_dns_is_temp(aaaa->status)) {
				fprintf(stderr, "%s: route %s: warning: host %s: DNS temporary failure, not checked\n",
					cfg->outbound_routes_file, r->name, aa_escz(ctx, h));
				continue;
			}
			fprintf(stderr, "%s: route %s: host %s does not resolve\n",
				cfg->outbound_routes_file, r->name, aa_escz(ctx, h));
			bad++;
		}
		free(hosts);
	}
	aa_ctx_free(&ctx);
	return bad;
}

int tool_check_config(const char *path)
{
	struct aa_config *cfg;
	size_t unresolved;
	char err[512];

	if (aa_config_load(path, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BAD;
	}
	printf("outbound: mode=%s egress=%s helo=%s, %zu profiles, %zu routes, %zu outbound domain entries, "
	       "%zu owners entries%s\n",
	       aa_out_mode_name(cfg->outbound.mode),
	       cfg->outbound_egress != NULL ? cfg->outbound_egress : "(none)",
	       cfg->outbound_helo != NULL ? cfg->outbound_helo : "(default)",
	       aa_profiles_count(cfg->outbound.profiles), aa_route_count(cfg->outbound.routes),
	       aa_outbound_domain_count(&cfg->outbound), aa_owners_count(cfg->outbound.owners),
	       aa_hostnets_count(cfg->outbound.trusted_hosts) > 0 ? ", trusted hosts set" : "");
	for (size_t i = 0; i < aa_route_count(cfg->outbound.routes); i++) {
		const struct aa_route *r = aa_route_at(cfg->outbound.routes, i);

		printf("route %s: hosts=%s port=%u egress=%s\n", r->name, r->hosts, r->port, r->egress_ip);
	}
	tool_warn_keys(cfg);
	tool_warn_owners(cfg);
	tool_warn_trusted(cfg);
	tool_warn_budget(cfg);
	/* the verdict comes last, after what it rests on */
	if ((unresolved = check_routes_resolve(cfg)) > 0) {
		printf("%s: not ok (%zu route host%s not resolving, above)\n", path, unresolved,
		       unresolved == 1 ? "" : "s");
		aa_config_free(&cfg);
		return EXIT_BAD;
	}
	printf("%s: ok (mode=%s, %zu domain entries)\n", path, aa_mode_name(cfg->mode), cfg->domain_count);
	aa_config_free(&cfg);
	return EXIT_ANSWER;
}

static int cmd_spf(struct aa_ctx *ctx, char **argv)
{
	struct aa_spf_result mf, helo;

	aa_spf_check(ctx, argv[0], argv[1], argv[2], &mf, &helo);
	printf("%s\n", aa_result_name(mf.result));
	printf("identity=%s domain=%s mechanism=%s reason=%s\n", mf.identity, aa_escz(ctx, mf.domain),
	       aa_escz(ctx, mf.mechanism), aa_escz(ctx, mf.reason));
	printf("helo=%s (%s)\n", aa_result_name(helo.result), aa_escz(ctx, helo.reason));
	return mf.result == AA_TEMPERROR ? EXIT_TEMP : EXIT_ANSWER;
}

static int cmd_dmarc(struct aa_ctx *ctx, const struct aa_config *cfg, char **argv)
{
	struct aa_dmarc_lookup lk;

	aa_dmarc_lookup(ctx, argv[0], cfg->dmarc_mode, &lk);
	switch (lk.status) {
	case AA_PASS:
		printf("policy=%s domain=%s org=%s\nrecord=%s\n", aa_dmarc_policy_name(lk.effective),
		       aa_escz(ctx, lk.record.domain), aa_escz(ctx, lk.org_domain), aa_escz(ctx, lk.record.raw));
		return EXIT_ANSWER;
	case AA_TEMPERROR:
		printf("temperror (%s)\n", aa_escz(ctx, lk.reason));
		return EXIT_TEMP;
	default:
		printf("none (%s)\n", aa_escz(ctx, lk.reason));
		return EXIT_ANSWER;
	}
}

static int cmd_orgdomain(struct aa_ctx *ctx, const struct aa_config *cfg, int argc, char **argv)
{
	enum aa_dmarc_mode mode = cfg->dmarc_mode;
	const char *org = NULL;
	enum aa_result r;

	if (argc == 2)
		mode = strcmp(argv[1], "rfc7489") == 0 ? AA_DMARC_RFC7489 : AA_DMARC_RFC9989;
	r = aa_org_domain(ctx, argv[0], mode, &org);
	if (r == AA_PASS)
		printf("%s\n", aa_escz(ctx, org));
	else
		printf("%s\n", aa_result_name(r));
	return r == AA_TEMPERROR ? EXIT_TEMP : r == AA_PASS ? EXIT_ANSWER : EXIT_BAD;
}

static char *read_all(FILE *f, size_t *len_r)
{
	size_t cap = 65536, len = 0, n;
	char *buf = malloc(cap);

	while (buf != NULL && (n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			char *grown = cap < MESSAGE_MAX ? realloc(buf, cap * 2) : NULL;

			if (grown == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
	}
	*len_r = len;
	return buf;
}

static int cmd_verify(struct aa_ctx *ctx, const struct aa_config *cfg, char **argv)
{
	struct aa_spf_result mf, helo;
	struct aa_dkim_result dkim;
	struct aa_from from;
	struct aa_judge_result jr;
	struct aa_judge_input in = { .cfg = cfg, .spf_mailfrom = &mf, .spf_helo = &helo,
				     .dkim = &dkim, .from = &from };
	size_t len;
	char *msg = read_all(stdin, &len);

	if (msg == NULL) {
		fprintf(stderr, "authalign: cannot read the message\n");
		return EXIT_BAD;
	}
	in.authserv_id = cfg->authserv_id != NULL ? cfg->authserv_id : "authalign";
	aa_spf_check(ctx, argv[0], argv[1], argv[2], &mf, &helo);
	aa_dkim_verify_message(ctx, msg, len, &dkim);
	aa_from_read_message(ctx, msg, len, &from);
	aa_judge(ctx, &in, &jr);
	printf("Authentication-Results: %s\n", jr.authres);
	printf("action: %s%s%s\n", aa_action_name(jr.action), jr.smtp_text != NULL ? " " : "",
	       jr.smtp_text != NULL ? jr.smtp_text : "");
	free(msg);
	return jr.action == AA_ACTION_DEFER ? EXIT_TEMP : jr.action == AA_ACTION_REJECT ? EXIT_REFUSED : EXIT_ANSWER;
}

static void print_prediction(struct aa_ctx *ctx, const char *label, const struct aa_prediction *p)
{
	printf("%-22s %s", label, p->temp ? "temp" : p->refused ? "refused" : "pass");
	if (p->profile != NULL)
		printf(" profile=%s", aa_escz(ctx, p->profile->name));
	if (p->refused)
		printf(" status=%s", aa_escz(ctx, p->status));
	printf(" env=<%s>", aa_escz(ctx, p->env_sender));
	printf("\n    %s\n", aa_escz(ctx, p->reason));
}

static int cmd_predict(struct aa_ctx *ctx, const struct aa_config *cfg, char **argv)
{
	const struct aa_outbound *ob = &cfg->outbound;
	struct aa_dkim_result dkim;
	struct aa_from from;
	/* what the From domain's owner would get: the tool does not know who submits */
	static const struct aa_submitter owner = { .owns_all = 1 };
	struct aa_out_msg msg = { .env_sender = argv[0], .from = &from, .dkim = &dkim,
				  .rcpt_domain = argv[1], .submitter = &owner };
	struct aa_out_policy pol;
	struct aa_prediction p;
	struct aa_plan plan;
	size_t len;
	char *text = read_all(stdin, &len);

	if (text == NULL) {
		fprintf(stderr, "authalign: cannot read the message\n");
		return EXIT_BAD;
	}
	if (ob->direct.egress_ip == NULL) {
		fprintf(stderr, "authalign: predict needs outbound_egress in the settings (-c)\n");
		free(text);
		return EXIT_BAD;
	}
	aa_dkim_verify_message(ctx, text, len, &dkim);
	aa_from_read_message(ctx, text, len, &from);
	aa_outbound_policy(ob, from.domain, &pol);
	printf("from=%s rcpt_domain=%s mode=%s%s%s\n", aa_escz(ctx, from.domain), aa_escz(ctx, argv[1]),
	       aa_out_mode_name(pol.mode), pol.matched_key != NULL ? " key=" : "",
	       pol.matched_key != NULL ? pol.matched_key : "");
	aa_predict(ctx, ob, &msg, &ob->direct, NULL, NULL, &p);
	print_prediction(ctx, "direct", &p);
	if (pol.dkim_selector != NULL && from.domain != NULL) {
		struct aa_out_change chg = { .sign_domain = pol.dkim_domain, .sign_selector = pol.dkim_selector };

		aa_predict_change(ctx, ob, &msg, &ob->direct, &chg, &p);
		print_prediction(ctx, "sign", &p);
	}
	if (pol.return_path != NULL) {
		aa_predict(ctx, ob, &msg, &ob->direct, NULL, pol.return_path, &p);
		print_prediction(ctx, "rewrite", &p);
	}
	for (size_t i = 0; i < aa_route_count(ob->routes); i++) {
		const struct aa_route *r = aa_route_at(ob->routes, i);
		char label[80];

		snprintf(label, sizeof(label), "smarthost:%s", r->name);
		aa_predict(ctx, ob, &msg, r, NULL, NULL, &p);
		print_prediction(ctx, label, &p);
	}
	aa_plan_message(ctx, ob, &msg, &plan);
	printf("plan: step=%s route=%s%s%s%s%s%s\n", aa_step_name(plan.step),
	       plan.route != NULL ? aa_escz(ctx, plan.route->name) : "-",
	       plan.route != NULL && plan.route->hosts != NULL ? " route_data=" : "",
	       plan.route != NULL && plan.route->hosts != NULL ? aa_route_data(ctx, plan.route) : "",
	       plan.sign_domain != NULL ? " sign=" : "", plan.sign_domain != NULL ? aa_escz(ctx, plan.sign_domain) : "",
	       plan.temp ? " temp" : "");
	if (plan.return_path != NULL)
		printf("return_path: %s\n", aa_escz(ctx, plan.return_path));
	if (plan.smtp_text != NULL)
		printf("smtp: 550 %s\n", plan.smtp_text);
	if (plan.log_line != NULL)
		printf("log: %s\n", plan.log_line);
	free(text);
	return plan.temp ? EXIT_TEMP : plan.step == AA_STEP_REFUSE ? EXIT_REFUSED : EXIT_ANSWER;
}

int tool_run(struct aa_ctx *ctx, const struct aa_config *cfg, int argc, char **argv)
{
	const char *cmd = argv[0];

	argc--;
	argv++;
	if (strcmp(cmd, "spf") == 0 && argc == 3)
		return cmd_spf(ctx, argv);
	if (strcmp(cmd, "dmarc") == 0 && argc == 1)
		return cmd_dmarc(ctx, cfg, argv);
	if (strcmp(cmd, "orgdomain") == 0 && (argc == 1 || argc == 2))
		return cmd_orgdomain(ctx, cfg, argc, argv);
	if (strcmp(cmd, "verify") == 0 && argc == 3)
		return cmd_verify(ctx, cfg, argv);
	if (strcmp(cmd, "predict") == 0 && argc == 2)
		return cmd_predict(ctx, cfg, argv);
	return -1;
}
