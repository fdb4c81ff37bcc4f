/* doctor_exim.c - the doctor asks this host's Exim, read only, how it
 * sends: `exim -bP` for its smtp transports (interface, helo_data, the
 * dkim_* options) and primary_hostname, `exim -bt` for where a remote
 * address goes. Exim's own reading counts, Debian's macros and cPanel's
 * generated file included; an option that is an expansion depending on
 * the message is left to the files it reads (cPanel's /etc/mailips,
 * /etc/mailhelo: doctor_hosted.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "doctor.h"
#include "tool.h"

#define TRANSPORTS_MAX 64
#define ROUTE_PROBE "postmaster@gmail.com"	/* a remote address every host sends to */

struct names {
	char name[TRANSPORTS_MAX][64];
	size_t n;
};

static void take_name(const char *line, void *arg)
{
	struct names *t = arg;

	if (t->n < TRANSPORTS_MAX && line[0] != '\0' && strlen(line) < 64 &&
	    strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == strlen(line))
		snprintf(t->name[t->n++], sizeof(t->name[0]), "%s", line);
}

/* helo_data as Exim would say it: its default and $primary_hostname are
 * the host name; another expansion is not known here (""). */
static void helo_of(const struct doctor *d, const char *helo_data, char *out, size_t size)
{
	if (helo_data == NULL || helo_data[0] == '\0' || strcmp(helo_data, "$primary_hostname") == 0 ||
	    strcmp(helo_data, "${primary_hostname}") == 0)
		doctor_fmt(out, size, "%s", d->primary_hostname);
	else if (strchr(helo_data, '$') != NULL)
		out[0] = '\0';
	else
		doctor_fmt(out, size, "%s", helo_data);
}

/* The address the kernel sends from for family when nothing binds one
 * (a UDP connect sends no packet); "" when there is no route. */
static void kernel_source(int family, char *out, size_t size)
{
	struct sockaddr_storage to = { 0 }, from;
	socklen_t len = sizeof(from);
	int s;

	out[0] = '\0';
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&to;

		a->sin_family = AF_INET;
		a->sin_port = htons(25);
		inet_pton(AF_INET, "192.0.2.1", &a->sin_addr);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&to;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(25);
		inet_pton(AF_INET6, "2001:db8::1", &a->sin6_addr);
	}
	if ((s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (connect(s, (struct sockaddr *)&to, family == AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) == 0 && getsockname(s, (struct sockaddr *)&from, &len) == 0)
		inet_ntop(family, family == AF_INET ? (void *)&((struct sockaddr_in *)&from)->sin_addr :
			  (void *)&((struct sockaddr_in6 *)&from)->sin6_addr, out, (socklen_t)size);
	close(s);
}

/* Exim's signing with a file per domain: the key path with $dkim_domain
 * (or a fixed one), a fixed selector. */
static void take_dkim(struct doctor *d, const char *name, const struct exim_transport *t)
{
	const char *key = t->dkim_private_key;

	if (d->exim_dkim_key[0] != '\0' || key == NULL || key[0] == '\0' || t->dkim_selector == NULL ||
	    t->dkim_selector[0] == '\0' || strchr(t->dkim_selector, '$') != NULL)
		return;
	doctor_fmt(d->exim_dkim_key, sizeof(d->exim_dkim_key), "%s", key);
	doctor_fmt(d->exim_dkim_selector, sizeof(d->exim_dkim_selector), "%s", t->dkim_selector);
	doctor_fmt(d->exim_dkim_transport, sizeof(d->exim_dkim_transport), "%s", name);
}

void doctor_read_exim(struct doctor *d)
{
	struct names *names = calloc(1, sizeof(*names));
	char *host = exim_option("primary_hostname");
	int unbound = 0;

	doctor_fmt(d->primary_hostname, sizeof(d->primary_hostname), "%s", host != NULL ? host : "");
	free(host);
	if (names == NULL || exim_ask("-bP transport_list", take_name, names) < 0) {
		doctor_add(d, SEV_WARNING, "exim -bP transport_list", NULL, "run authalign doctor as root on the "
			   "Exim host, or set AUTHALIGN_EXIM to the command that runs its Exim",
			   "Exim could not be asked: its transports, egress addresses and HELO are not checked");
		free(names);
		return;
	}
	for (size_t i = 0; i < names->n; i++) {
		struct exim_transport t;
		char err[256], helo[DOCTOR_NAME_MAX], source[DOCTOR_NAME_MAX];
		int v4 = 0, v6 = 0;

		if (exim_transport_read(names->name[i], &t, err, sizeof(err)) < 0)
			continue;
		if (t.driver == NULL || strcmp(t.driver, "smtp") != 0) {
			exim_transport_free(&t);
			continue;
		}
		helo_of(d, t.helo_data, helo, sizeof(helo));
		snprintf(source, sizeof(source), "transport %s", names->name[i]);
		/* Exim binds the first address of the family it connects over */
		for (size_t a = 0; a < t.count; a++) {
			int six = strchr(t.address[a], ':') != NULL;

			if ((six && v6) || (!six && v4))
				continue;
			six ? (v6 = 1) : (v4 = 1);
			doctor_add_egress(d, t.address[a], helo, source, "");
		}
		if (t.interface == NULL || t.interface[0] == '\0')
			unbound = 1;
		take_dkim(d, names->name[i], &t);
		exim_transport_free(&t);
	}
	if (unbound) {
		const int families[] = { AF_INET, AF_INET6 };

		for (size_t f = 0; f < 2; f++) {
			char ip[INET6_ADDRSTRLEN], helo[DOCTOR_NAME_MAX];

			kernel_source(families[f], ip, sizeof(ip));
			helo_of(d, NULL, helo, sizeof(helo));
			if (ip[0] != '\0')
				doctor_add_egress(d, ip, helo, "the kernel's choice, no interface set", "");
		}
	}
	free(names);
}

/* A manualroute router's driver and route_list, as Exim prints them. */
struct router {
	char driver[64], route_list[2048];
};

static void take_router(const char *line, void *arg)
{
	struct router *r = arg;

	if (strncmp(line, "driver = ", 9) == 0)
		doctor_fmt(r->driver, sizeof(r->driver), "%s", line + 9);
	else if (strncmp(line, "route_list = ", 13) == 0)
		doctor_fmt(r->route_list, sizeof(r->route_list), "%s", line + 13);
}

/* Route lists written in Exim's own configuration (not generated from
 * Debian's dc_smarthost or cPanel's smarthost_routelist, read already). */
static void check_routers(struct doctor *d)
{
	struct names *names = calloc(1, sizeof(*names));

	if (names == NULL || exim_ask("-bP router_list", take_name, names) < 0) {
		free(names);
		return;
	}
	for (size_t i = 0; i < names->n; i++) {
		struct router r = { "", "" };
		char args[128], where[128];

		doctor_fmt(args, sizeof(args), "-bP router %s", names->name[i]);
		if (exim_ask(args, take_router, &r) < 0 || strcmp(r.driver, "manualroute") != 0 ||
		    r.route_list[0] == '\0' || strchr(r.route_list, '$') != NULL)
			continue;
		doctor_fmt(where, sizeof(where), "router %s", names->name[i]);
		doctor_check_route_list(d, where, 0, "route_list", r.route_list, "the address goes on to the next "
					"router (or fails as unrouteable)");
		d->smarthost[0] = '\0';	/* a route for some domains: exim -bt says where mail goes */
	}
	free(names);
}

struct route_probe {
	char router[64], transport[64], host[DOCTOR_NAME_MAX], undeliverable[512];
	int deferred;
};

static void take_driver(const char *line, void *arg)
{
	char *driver = arg;

	if (strncmp(line, "driver = ", 9) == 0)
		doctor_fmt(driver, 64, "%s", line + 9);
}

static void take_route(const char *line, void *arg)
{
	struct route_probe *r = arg;
	const char *p;

	if ((p = strstr(line, "router = ")) != NULL && r->router[0] == '\0') {
		sscanf(p, "router = %63[^,], transport = %63s", r->router, r->transport);
	} else if ((p = strstr(line, " is undeliverable: ")) != NULL && r->undeliverable[0] == '\0') {
		doctor_fmt(r->undeliverable, sizeof(r->undeliverable), "%s", p + 19);
	} else if (strstr(line, "cannot be resolved at this time") != NULL) {
		r->deferred = 1;
	} else if (strncmp(line, "  host ", 7) == 0 && r->host[0] == '\0') {
		doctor_fmt(r->host, sizeof(r->host), "%.*s", (int)strcspn(line + 7, " "), line + 7);
	}
}

void doctor_check_exim_routing(struct doctor *d)
{
	struct route_probe r = { 0 };
	const char *fix;

	if (d->smarthost[0] == '\0')
		check_routers(d);

	(void)exim_ask("-bt " ROUTE_PROBE, take_route, &r);
	if (r.undeliverable[0] != '\0')
		d->mail_stays = 1;
	if (r.undeliverable[0] != '\0' && d->local_only &&
	    strstr(r.undeliverable, "Mailing to remote domains not supported") != NULL) {
		/* said already, with its file and line */
	} else if (r.undeliverable[0] != '\0') {
		if (strstr(r.undeliverable, "Mailing to remote domains not supported") != NULL)
			fix = "Debian: dc_eximconfig_configtype='internet' (or 'smarthost' with dc_smarthost) in "
			      "/etc/exim4/update-exim4.conf.conf, then update-exim4.conf and reload Exim";
		else if (strstr(r.undeliverable, "Unrouteable address") != NULL)
			fix = "check this host's DNS (resolv.conf) and the smarthost route list: `exim -d+route "
			      "-bt " ROUTE_PROBE "` shows each router's decision";
		else
			fix = "`exim -d+route -bt " ROUTE_PROBE "` shows each router's decision";
		doctor_add(d, SEV_BOUNCE, "exim -bt " ROUTE_PROBE, "550", fix, "Exim does not send mail to other "
			   "domains: \"%.300s\" (every message to another domain bounces so)", r.undeliverable);
	} else if (r.deferred) {
		doctor_add(d, SEV_WARNING, "exim -bt " ROUTE_PROBE, NULL, "check this host's DNS (resolv.conf)",
			   "Exim cannot route a remote address now (a DNS failure?): mail to other domains waits "
			   "in the queue");
	}
	if (r.router[0] != '\0' && r.host[0] != '\0') {
		char args[128], driver[64] = "";

		doctor_fmt(args, sizeof(args), "-bP router %s", r.router);
		if (strspn(r.router, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
		    strlen(r.router))
			(void)exim_ask(args, take_driver, driver);
		if (strcmp(driver, "manualroute") == 0) {
			doctor_fmt(d->smarthost, sizeof(d->smarthost), "%s", r.host);
			doctor_fmt(d->smarthost_from, sizeof(d->smarthost_from), "router %s", r.router);
		}
	}
}
