/* checkconfig.c - `authalign check-config FILE`: load the settings and
 * what they name, collect the warnings and errors, print the verdict last
 * (or one JSON object whose "ok" is the verdict). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "aa_dkim.h"
#include "aa_outbound.h"
#include "json.h"
#include "tool.h"

#define FINDINGS_MAX 64		/* more are counted, not kept */
#define EGRESS_TEXT_MAX 100	/* two addresses, ", " between */

struct findings {
	char *text[FINDINGS_MAX];
	size_t n, lost;
};

static void note(struct findings *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct findings *f, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (f->n == FINDINGS_MAX || vasprintf(&text, fmt, ap) < 0)
		f->lost++;
	else
		f->text[f->n++] = text;
	va_end(ap);
}

static void findings_free(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->text[i]);
	f->n = 0;
}

/* Each DKIM key of the outbound domains table against its published
 * record: a missing file or one without a key is an error (Exim would
 * send unsigned), one this user may not read only a warning (the
 * transport may run as another user); a record missing, revoked or
 * holding another key (a rotated key) is an error naming the exact record
 * to publish; a DNS temporary failure only warns. The key "*" signs each
 * From domain with its own d=: its file is checked, no record. */
static void check_keys(const struct aa_config *cfg, struct aa_ctx *ctx, struct findings *e, struct findings *w)
{
	struct aa_out_policy pol;

	for (size_t i = 0; aa_outbound_entry_at(&cfg->outbound, i, &pol); i++) {
		const char *key = pol.matched_key, *file = pol.dkim_key_file, *why = NULL, *rec;
		struct aa_dkim_pub k;
		enum aa_result res;
		int err = 0, other = 0;

		if (file == NULL)
			continue;
		if (aa_dkim_pub_from_file(file, &k, &err, &why) < 0) {
			if (err == EACCES || err == EPERM)
				note(w, "%s: dkim key file %s is not readable by this user", key, file);
			else
				note(e, "%s: dkim key file %s: %s (Exim would send the domain's mail unsigned)",
				     key, file, why);
			continue;
		}
		if (pol.dkim_domain == NULL || ctx == NULL)
			continue;
		res = aa_dkim_key_lookup(ctx, pol.dkim_selector, pol.dkim_domain, &k, &other, &why);
		rec = aa_dkim_pub_record(ctx, &k);
		if (res == AA_TEMPERROR)
			note(w, "%s: DKIM key %s._domainkey.%s: DNS temporary failure, not checked", key,
			     pol.dkim_selector, pol.dkim_domain);
		else if (res == AA_FAIL)
			note(e, "%s: DKIM key %s._domainkey.%s: %s%s; publish: %s._domainkey.%s TXT \"%s\"", key,
			     pol.dkim_selector, pol.dkim_domain,
			     other ? "the key published there is not the public half of " : why, other ? file : "",
			     pol.dkim_selector, pol.dkim_domain, rec != NULL ? rec : "(out of memory)");
		aa_ctx_end_message(ctx);
	}
}

/* The selectors of each relay that signs (dkim_selectors=) for every
 * domain it names (dkim_domains=, and resigns= without wildcards): one not
 * published is a warning, since the route may not be meant for that
 * domain yet; the prediction holds it against the route. */
static void check_relay_keys(const struct aa_config *cfg, struct aa_ctx *ctx, struct findings *w)
{
	for (size_t i = 0; ctx != NULL && i < aa_route_count(cfg->outbound.routes); i++) {
		const struct aa_route *r = aa_route_at(cfg->outbound.routes, i);
		const char *const *lists[] = { r->dkim_domains, r->resigns };

		for (size_t l = 0; r->dkim_selectors != NULL && l < sizeof(lists) / sizeof(lists[0]); l++) {
			for (size_t d = 0; lists[l] != NULL && lists[l][d] != NULL; d++) {
				const char *dom = lists[l][d];

				for (size_t k = 0; dom[0] != '*' && r->dkim_selectors[k] != NULL; k++) {
					const char *sel = r->dkim_selectors[k], *why = NULL;
					int other;
					enum aa_result res = aa_dkim_key_lookup(ctx, sel, dom, NULL, &other, &why);

					if (res == AA_FAIL)
						note(w, "route %s: DKIM selector %s._domainkey.%s: %s: the relay's "
						     "signature for %s will not verify; publish the record its provider "
						     "gives", r->name, sel, dom, why, dom);
					else if (res == AA_TEMPERROR)
						note(w, "route %s: DKIM selector %s._domainkey.%s: DNS temporary "
						     "failure, not checked", r->name, sel, dom);
				}
				aa_ctx_end_message(ctx);
			}
		}
	}
}

/* Keys and return paths without owners serve only the built-in rule. */
static void warn_owners(const struct aa_config *cfg, struct findings *w)
{
	if (aa_outbound_domain_count(&cfg->outbound) > 0 && cfg->outbound.owners == NULL &&
	    aa_hostnets_count(cfg->outbound.trusted_hosts) == 0)
		note(w, "outbound_domains_file without outbound_owners_file or outbound_trusted_hosts: "
		     "a domain's key, return path and pin serve only AUTH ids user@thatdomain "
		     "(authalign-outbound(5), Ownership)");
}

/* Loopback or this host's own address in the trusted hosts: every local
 * process, a customer's PHP too, could sign as every domain
 * (authalign.conf(5)). */
static void warn_trusted(const struct aa_config *cfg, struct findings *w)
{
	const char *own[] = { "127.0.0.1", "::1", cfg->outbound_egress[0], cfg->outbound_egress[1] };

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (own[i] != NULL && aa_hostnets_match(cfg->outbound.trusted_hosts, own[i])) {
			note(w, "outbound_trusted_hosts includes %s%s: every program on this host "
			     "that connects to Exim may send as every domain; "
			     "never on a shared host where customers run code", own[i],
			     i >= 2 ? " (outbound_egress, this host's own address)" : "");
			return;
		}
}

/* A budget one slow question can spend alone (authalign.conf(5), dns_budget). */
static void warn_budget(const struct aa_config *cfg, struct findings *w)
{
	unsigned long long one = (unsigned long long)cfg->dns.timeout_ms * cfg->dns.tries;

	if (cfg->dns.budget_ms < one)
		note(w, "dns_budget (%us) is shorter than one question's dns_timeout x dns_tries "
		     "(%llus): a single slow nameserver spends the whole budget and the message defers",
		     cfg->dns.budget_ms / 1000, one / 1000);
}

/* Every smarthost host name must resolve (an IP address needs no lookup):
 * an error each that does not; a DNS temporary failure only warns. */
static void check_routes_resolve(const struct aa_config *cfg, struct aa_ctx *ctx, struct findings *e,
				 struct findings *w)
{
	if (ctx == NULL)
		return;
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
			if (aa_dns_is_temp(a->status) || aa_dns_is_temp(aaaa->status))
				note(w, "%s: route %s: host %s: DNS temporary failure, not checked",
				     cfg->outbound_routes_file, r->name, aa_escz(ctx, h));
			else
				note(e, "%s: route %s: host %s does not resolve",
				     cfg->outbound_routes_file, r->name, aa_escz(ctx, h));
		}
		free(hosts);
	}
}

/* "A" or "A, B" (as outbound_egress takes them); "(none)". */
static const char *egress_text(const char *a, const char *b, char *buf, size_t len)
{
	if (a == NULL)
		return "(none)";
	snprintf(buf, len, "%s%s%s", a, b != NULL ? ", " : "", b != NULL ? b : "");
	return buf;
}

/* The transport's interface option for these addresses, as Exim takes it. */
static const char *interface_text(const char *const *egress, char *buf, size_t len)
{
	if (egress[1] == NULL)
		return egress[0];
	snprintf(buf, len, "<; %s ; %s", egress[0], egress[1]);
	return buf;
}

static void print_json(const char *path, const struct aa_config *cfg, const struct findings *e,
		       const struct findings *w, int code)
{
	struct json j;

	json_start(&j, stdout);
	json_str(&j, "command", "check-config");
	json_str(&j, "file", path);
	json_bool(&j, "ok", code == TOOL_EXIT_OK);
	json_open(&j, "errors", '[');
	for (size_t i = 0; i < e->n; i++)
		json_str(&j, NULL, e->text[i]);
	json_close(&j);
	json_open(&j, "warnings", '[');
	for (size_t i = 0; i < w->n; i++)
		json_str(&j, NULL, w->text[i]);
	json_close(&j);
	if (cfg != NULL) {
		const struct aa_outbound *ob = &cfg->outbound;

		json_str(&j, "mode", aa_mode_name(cfg->mode));
		json_int(&j, "domain_entries", (long long)cfg->domain_count);
		json_open(&j, "outbound", '{');
		json_str(&j, "mode", aa_out_mode_name(ob->mode));
		json_str(&j, "egress", cfg->outbound_egress[0]);
		json_str(&j, "egress2", cfg->outbound_egress[1]);
		json_str(&j, "helo", cfg->outbound_helo);
		json_int(&j, "profiles", (long long)aa_profiles_count(ob->profiles));
		json_open(&j, "routes", '[');
		for (size_t i = 0; i < aa_route_count(ob->routes); i++) {
			const struct aa_route *r = aa_route_at(ob->routes, i);

			json_open(&j, NULL, '{');
			json_str(&j, "name", r->name);
			json_str(&j, "hosts", r->hosts);
			json_int(&j, "port", r->port);
			json_str(&j, "egress", r->egress_ip);
			json_str(&j, "egress2", r->egress_ip2);
			json_close(&j);
		}
		json_close(&j);
		json_int(&j, "outbound_domains", (long long)aa_outbound_domain_count(ob));
		json_int(&j, "owners", (long long)aa_owners_count(ob->owners));
		json_bool(&j, "trusted_hosts", aa_hostnets_count(ob->trusted_hosts) > 0);
		json_close(&j);
	}
	json_int(&j, "exit", code);
	json_finish(&j);
}

static void print_text(const char *path, const struct aa_config *cfg, const struct findings *e,
		       const struct findings *w, size_t bad_hosts, size_t transport)
{
	const struct aa_outbound *ob = &cfg->outbound;
	char eg[EGRESS_TEXT_MAX];

	tool_line(stdout, "outbound: mode=%s egress=%s helo=%s, %zu profiles, %zu routes, %zu outbound domain entries, "
	       "%zu owners entries%s",
	       aa_out_mode_name(ob->mode), egress_text(cfg->outbound_egress[0], cfg->outbound_egress[1], eg, sizeof(eg)),
	       cfg->outbound_helo != NULL ? cfg->outbound_helo : "(default)",
	       aa_profiles_count(ob->profiles), aa_route_count(ob->routes), aa_outbound_domain_count(ob),
	       aa_owners_count(ob->owners), aa_hostnets_count(ob->trusted_hosts) > 0 ? ", trusted hosts set" : "");
	for (size_t i = 0; i < aa_route_count(ob->routes); i++) {
		const struct aa_route *r = aa_route_at(ob->routes, i);

		tool_line(stdout, "route %s: hosts=%s port=%u egress=%s", r->name, r->hosts, r->port,
			  egress_text(r->egress_ip, r->egress_ip2, eg, sizeof(eg)));
	}
	for (size_t i = 0; i < w->n; i++)
		tool_line(stdout, "warning: %s", w->text[i]);
	if (w->lost > 0)
		printf("warning: %zu more warnings not shown\n", w->lost);
	fflush(stdout);
	for (size_t i = 0; i < e->n; i++)
		tool_line(stderr, "%s", e->text[i]);
	/* the verdict comes last, after what it rests on */
	if (e->n + e->lost > 0) {
		size_t total = e->n + e->lost, keys = total - bad_hosts - transport;
		char why[256];
		int n = 0;

		why[0] = '\0';
		if (bad_hosts > 0)
			n += snprintf(why + n, sizeof(why) - (size_t)n, "%zu route host%s not resolving", bad_hosts,
				      bad_hosts == 1 ? "" : "s");
		if (keys > 0)
			n += snprintf(why + n, sizeof(why) - (size_t)n, "%s%zu DKIM key problem%s", n > 0 ? ", " : "",
				      keys, keys == 1 ? "" : "s");
		if (transport > 0)
			snprintf(why + n, sizeof(why) - (size_t)n, "%s%zu disagreement%s with Exim's transport",
				 n > 0 ? ", " : "", transport, transport == 1 ? "" : "s");
		tool_line(stdout, "%s: not ok (%s, above)", path, why);
	} else {
		tool_line(stdout, "%s: ok (mode=%s, %zu domain entries)", path, aa_mode_name(cfg->mode),
			  cfg->domain_count);
	}
}

/* Two spellings of one address are one address. */
static int same_address(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int fa = strchr(a, ':') != NULL ? AF_INET6 : AF_INET, fb = strchr(b, ':') != NULL ? AF_INET6 : AF_INET;

	if (fa != fb || inet_pton(fa, a, x) != 1 || inet_pton(fb, b, y) != 1)
		return strcasecmp(a, b) == 0;
	return memcmp(x, y, fa == AF_INET6 ? 16 : 4) == 0;
}

/* The direct transport as Exim reads it against outbound_egress and
 * outbound_helo: receivers see the transport's addresses, whatever the
 * settings say (issue: SPF predicted for an address Exim never uses). */
/* The address family of text: AF_INET, AF_INET6 (a scope "%eth0" as Exim
 * takes it), or 0 (no address). */
static int family_of(const char *text)
{
	unsigned char a[16];
	char plain[INET6_ADDRSTRLEN + 1];
	size_t n = strcspn(text, "%");

	if (n >= sizeof(plain))
		return 0;
	memcpy(plain, text, n);
	plain[n] = '\0';
	return inet_pton(AF_INET, text, a) == 1 ? AF_INET : inet_pton(AF_INET6, plain, a) == 1 ? AF_INET6 : 0;
}

/* 1 when this host has an IPv6 address other than loopback and link-local. */
static int host_has_ipv6(void)
{
	struct ifaddrs *ifs, *i;
	int found = 0;

	if (getifaddrs(&ifs) != 0)
		return 0;
	for (i = ifs; i != NULL && !found; i = i->ifa_next) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)i->ifa_addr;

		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET6 &&
		    !IN6_IS_ADDR_LOOPBACK(&a->sin6_addr) && !IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr))
			found = 1;
	}
	freeifaddrs(ifs);
	return found;
}

/* What the Exim configuration does with the plans: a router that asks
 * authalign_route (else a plan's smarthost is never taken), a transport
 * that calls authalign_event (else nothing is learned), and each route's
 * transport= one Exim has. */
static void check_exim_wiring(const struct aa_config *cfg, struct findings *e, struct findings *w)
{
	const struct aa_outbound *ob = &cfg->outbound;
	char args[128];

	if (ob->mode == AA_OUT_OFF)
		return;
	if (aa_route_count(ob->routes) > 0 && exim_prints("routers", "{authalign_route}") == 0)
		note(ob->mode == AA_OUT_MONITOR ? w : e, "no router of Exim's asks authalign_route: a plan that takes a "
		     "smarthost is delivered directly and bounces (Debian: split configuration with AUTHALIGN_OUTBOUND "
		     "= yes, or the package's router copied into your configuration)");
	if (exim_prints("transports", "{authalign_event}") == 0)
		note(w, "no transport of Exim's calls authalign_event: nothing is learned from what destinations "
		     "refuse (Debian: AUTHALIGN_LEARN = yes; authalign-local_scan(8))");
	for (size_t i = 0; i < aa_route_count(ob->routes); i++) {
		const struct aa_route *r = aa_route_at(ob->routes, i);

		snprintf(args, sizeof(args), "transport %.64s", r->transport != NULL ? r->transport : "");
		if (r->transport != NULL && exim_prints(args, " not found") == 1)
			note(e, "route %s: Exim has no transport %s", r->name, r->transport);
	}
}

/* The direct transport as Exim reads it against outbound_egress: for each
 * address family Exim binds to the first address of that family in the
 * interface list (the others are never used), and to none when there is
 * none (the system picks the address). */
static void check_exim_transport(const struct aa_config *cfg, struct findings *e, struct findings *w)
{
	const char *const *egress = (const char *const *)cfg->outbound_egress, *name = cfg->outbound_transport;
	struct exim_transport t;
	char err[256], eg[EGRESS_TEXT_MAX];
	const char *all = egress_text(egress[0], egress[1], eg, sizeof(eg));
	const char *used[2] = { NULL, NULL };	/* the transport's first IPv4, IPv6 address */
	const char *mine[2] = { NULL, NULL };	/* outbound_egress's IPv4, IPv6 address */
	const char *suggest[2];

	if (egress[0] == NULL || strcmp(name, "none") == 0)
		return;		/* "none": settings for another host than this Exim's */
	if (exim_transport_read(name, &t, err, sizeof(err)) < 0) {
		note(w, "cannot compare outbound_egress and outbound_helo with Exim's transport: %s", err);
		return;
	}
	if (t.interface == NULL || t.interface[0] == '\0')
		note(w, "transport %s has no interface: Exim sends from the address the system picks for each "
		     "destination; set interface = %s there (Debian: REMOTE_SMTP_INTERFACE), or make sure that "
		     "address is %s", name, interface_text(egress, err, sizeof(err)), all);
	else if (t.count == 0)
		note(w, "transport %s: interface is an expansion (%s): check by hand that it gives %s", name,
		     t.interface, all);
	for (size_t i = 0; i < t.count; i++) {
		int fam = family_of(t.address[i]);
		const char **slot = fam == AF_INET ? &used[0] : fam == AF_INET6 ? &used[1] : NULL;

		if (slot == NULL && (used[0] == NULL || used[1] == NULL))
			note(e, "transport %s: interface item \"%s\" is not an IP address: Exim fails every delivery "
			     "that reaches it before an address of the family it needs", name, t.address[i]);
		else if (slot == NULL)
			note(w, "transport %s: interface item \"%s\" is not an IP address", name, t.address[i]);
		else if (*slot != NULL)
			note(w, "transport %s: interface address %s is never used: Exim sends from the first address "
			     "of each family (%s)", name, t.address[i], *slot);
		else
			*slot = t.address[i];
	}
	for (int k = 0; k < 2; k++)
		if (egress[k] != NULL)
			mine[family_of(egress[k]) == AF_INET6] = egress[k];
	/* what outbound_egress should say: the transport's address of each
	 * family it names, ours for the others */
	suggest[0] = used[0] != NULL ? used[0] : mine[0];
	suggest[1] = used[1] != NULL ? used[1] : mine[1];
	if (t.ipv4_only && mine[1] != NULL)
		note(e, "outbound_egress %s is never used: Exim delivers over IPv4 only (disable_ipv6, or "
		     "dns_ipv4_lookup = *); remove it, or authalign judges IPv6 destinations from an address Exim "
		     "never sends from", mine[1]);
	else if (t.ipv4_only && used[1] != NULL)
		note(w, "transport %s: interface address %s is never used: Exim delivers over IPv4 only "
		     "(disable_ipv6, or dns_ipv4_lookup = *)", name, used[1]);
	for (int f = 0; f < 2 && t.count > 0; f++) {
		if (f == 1 && t.ipv4_only)
			break;
		if (used[f] != NULL && mine[f] != NULL && !same_address(used[f], mine[f]))
			note(e, "transport %s sends from %s (interface = %s), not outbound_egress %s: set "
			     "outbound_egress = %s", name, used[f], t.interface, mine[f],
			     egress_text(suggest[0] != NULL ? suggest[0] : suggest[1], suggest[0] != NULL ? suggest[1] : NULL,
					 err, sizeof(err)));
		else if (used[f] != NULL && mine[f] == NULL)
			note(w, "transport %s may send from %s (interface = %s): receivers of that address family see "
			     "it, but authalign predicts SPF for outbound_egress %s only; set outbound_egress = %s, %s "
			     "and publish both in each domain's SPF record", name, used[f], t.interface, all, all,
			     used[f]);
		else if (used[f] == NULL && mine[f] != NULL)
			note(e, "outbound_egress %s is not an address transport %s sends from (interface = %s): to "
			     "destinations of that address family Exim sends from the address the system picks", mine[f],
			     name, t.interface);
		else if (used[f] == NULL && f == 1 && host_has_ipv6())
			note(w, "transport %s names no IPv6 address (interface = %s) and this host has one: to "
			     "destinations reachable over IPv6 Exim sends from the address the system picks, which "
			     "authalign does not predict; add an IPv6 address to interface (Debian: "
			     "REMOTE_SMTP_INTERFACE = <; v4 ; v6) and to outbound_egress, or keep delivery on IPv4 "
			     "(disable_ipv6 = true, or dns_ipv4_lookup = *)", name, t.interface);
	}
	/* Exim's default helo_data, and Debian's: the host's primary name */
	if (t.helo_data != NULL && strcmp(t.helo_data, "$primary_hostname") == 0) {
		free(t.helo_data);
		t.helo_data = exim_option("primary_hostname");
	}
	if (t.helo_data != NULL && t.helo_data[0] != '\0' && strchr(t.helo_data, '$') == NULL) {
		if (cfg->outbound_helo == NULL)
			note(w, "transport %s says HELO %s: set outbound_helo = %s (the SPF identity of bounces)", name,
			     t.helo_data, t.helo_data);
		else if (strcasecmp(cfg->outbound_helo, t.helo_data) != 0)
			note(e, "transport %s says HELO %s, not outbound_helo %s", name, t.helo_data, cfg->outbound_helo);
	}
	exim_transport_free(&t);
	check_exim_wiring(cfg, e, w);
}

int tool_check_config(const struct tool_out *o, const char *path)
{
	struct findings errors = { .n = 0 }, warnings = { .n = 0 };
	struct aa_config *cfg;
	struct aa_ctx *ctx;
	const char *why = NULL;
	size_t bad_hosts, transport;
	char err[512];
	int code;

	if (aa_config_load(path, &cfg, err, sizeof(err)) < 0) {
		tool_line(stderr, "%s", err);
		if (o->json) {
			note(&errors, "%s", err);
			print_json(path, NULL, &errors, &warnings, TOOL_EXIT_USAGE);
			findings_free(&errors);
		}
		return TOOL_EXIT_USAGE;
	}
	ctx = aa_ctx_new(&cfg->dns, &why);
	if (ctx == NULL)
		note(&warnings, "cannot check that the smarthosts resolve and the DKIM keys are published: %s",
		     why != NULL ? why : "?");
	warn_owners(cfg, &warnings);
	warn_trusted(cfg, &warnings);
	warn_budget(cfg, &warnings);
	check_routes_resolve(cfg, ctx, &errors, &warnings);
	bad_hosts = errors.n + errors.lost;
	check_keys(cfg, ctx, &errors, &warnings);
	check_relay_keys(cfg, ctx, &warnings);
	transport = errors.n + errors.lost;
	check_exim_transport(cfg, &errors, &warnings);
	transport = errors.n + errors.lost - transport;
	aa_ctx_free(&ctx);
	code = errors.n + errors.lost > 0 ? TOOL_EXIT_USAGE : TOOL_EXIT_OK;
	if (o->json)
		print_json(path, cfg, &errors, &warnings, code);
	else
		print_text(path, cfg, &errors, &warnings, bad_hosts, transport);
	findings_free(&errors);
	findings_free(&warnings);
	aa_config_free(&cfg);
	return code;
}
