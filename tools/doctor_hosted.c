/* doctor_hosted.c - which domains this host sends mail for, and from where:
 * --domain alone when given; else the keys of authalign's outbound
 * domains table, cPanel's /etc/userdomains and /etc/localdomains, and
 * the domain Exim qualifies local senders with. cPanel's /etc/mailips
 * and /etc/mailhelo give a domain its own egress address and HELO name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_domain.h"
#include "aa_outbound.h"
#include "doctor.h"
#include "tool.h"

struct adding {
	struct aa_ctx *ctx;
	const char *from;
};

/* domain (len bytes) normalised into the list once; a name that is no
 * domain is a warning naming where it was found. */
static void add_domain(struct doctor *d, struct aa_ctx *ctx, const char *s, size_t len, const char *from)
{
	const char *norm;
	char *copy;

	if (len == 0 || (len == 1 && s[0] == '*'))
		return;
	if (aa_domain_norm(ctx->arena, s, len, AA_NAME_IDNA, &norm) != AA_DNS_NAME_OK) {
		doctor_add(d, SEV_WARNING, from, NULL, "write the domain's name (IDNA is taken)", "\"%.*s\" is not a "
			   "domain name: not checked", (int)(len > 200 ? 200 : len), s);
		return;
	}
	for (size_t i = 0; i < d->domains_n; i++)
		if (strcmp(d->domains[i], norm) == 0)
			return;
	if (d->domains_n >= DOCTOR_DOMAINS_MAX) {
		if (!d->domains_over)
			doctor_add(d, SEV_WARNING, from, NULL, "check the others with --domain D", "more than %d "
				   "domains: the first %d are checked", DOCTOR_DOMAINS_MAX, DOCTOR_DOMAINS_MAX);
		d->domains_over = 1;
		return;
	}
	if ((copy = strdup(norm)) != NULL)
		d->domains[d->domains_n++] = copy;
	if (strstr(d->domains_from, from) == NULL)
		doctor_fmt(d->domains_from + strlen(d->domains_from), sizeof(d->domains_from) - strlen(d->domains_from),
			 "%s%s", d->domains_from[0] != '\0' ? ", " : "", from);
}

/* "domain: value" (cPanel's lsearch files): the key's length, the value */
static size_t key_of(const char *line, const char **value)
{
	const char *colon = strchr(line, ':');
	size_t n;

	while (*line == ' ' || *line == '\t')
		line++;
	if (colon == NULL) {
		n = strcspn(line, " \t#");
		*value = "";
		return line[0] == '#' ? 0 : n;
	}
	n = (size_t)(colon - line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	for (*value = colon + 1; **value == ' ' || **value == '\t'; (*value)++)
		;
	return line[0] == '#' ? 0 : n;
}

static void take_domain_line(struct doctor *d, const char *file, unsigned lineno, char *line, void *arg)
{
	struct adding *a = arg;
	const char *value;
	size_t n = key_of(line, &value);

	(void)lineno;
	add_domain(d, a->ctx, line + strspn(line, " \t"), n, file);
}

/* cPanel's /etc/mailips ("domain: IP", "*: IP") and /etc/mailhelo. */
struct per_domain {
	char domain[DOCTOR_EGRESS_MAX][DOCTOR_NAME_MAX], value[DOCTOR_EGRESS_MAX][DOCTOR_NAME_MAX];
	size_t n;
};

static void take_per_domain(struct doctor *d, const char *file, unsigned lineno, char *line, void *arg)
{
	struct per_domain *p = arg;
	const char *value;
	size_t n = key_of(line, &value);

	(void)d, (void)file, (void)lineno;
	if (n == 0 || n >= DOCTOR_NAME_MAX || value[0] == '\0' || p->n >= DOCTOR_EGRESS_MAX)
		return;
	snprintf(p->domain[p->n], DOCTOR_NAME_MAX, "%.*s", (int)n, line + strspn(line, " \t"));
	snprintf(p->value[p->n], DOCTOR_NAME_MAX, "%.*s", (int)strcspn(value, " \t"), value);
	p->n++;
}

static const char *lookup(const struct per_domain *p, const char *domain)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcasecmp(p->domain[i], domain) == 0)
			return p->value[i];
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->domain[i], "*") == 0)
			return p->value[i];
	return NULL;
}

void doctor_read_mailips(struct doctor *d)
{
	struct per_domain *ips = calloc(1, sizeof(*ips)), *helos = calloc(1, sizeof(*helos));

	if (ips != NULL && helos != NULL && doctor_each_line(d, "/etc/mailips", take_per_domain, ips)) {
		(void)doctor_each_line(d, "/etc/mailhelo", take_per_domain, helos);
		for (size_t i = 0; i < ips->n; i++) {
			const char *helo = lookup(helos, ips->domain[i]);

			doctor_add_egress(d, ips->value[i], helo != NULL ? helo : d->primary_hostname, "/etc/mailips",
					  strcmp(ips->domain[i], "*") == 0 ? "" : ips->domain[i]);
		}
	}
	free(ips);
	free(helos);
}

void doctor_read_domains(struct doctor *d, struct aa_ctx *ctx, const struct aa_config *cfg, const char *only)
{
	struct adding a = { ctx, NULL };
	struct aa_out_policy pol;

	if (only != NULL) {
		add_domain(d, ctx, only, strlen(only), "--domain");
		return;
	}
	for (size_t i = 0; aa_outbound_entry_at(&cfg->outbound, i, &pol); i++)
		if (pol.matched_key != NULL)
			add_domain(d, ctx, pol.matched_key, strlen(pol.matched_key), "outbound_domains_file");
	(void)doctor_each_line(d, "/etc/userdomains", take_domain_line, &a);
	(void)doctor_each_line(d, "/etc/localdomains", take_domain_line, &a);
	/* Debian: the mail name, the other names it takes mail for */
	(void)doctor_each_line(d, "/etc/mailname", take_domain_line, &a);
	for (const char *p = d->debian_domains; *p != '\0';) {
		size_t n = strcspn(p, ":; ");

		if (n > 0 && p[0] != '*' && p[0] != '@')
			add_domain(d, ctx, p, n, "dc_other_hostnames");
		p += n;
		p += *p != '\0';
	}
	if (d->ask_exim && d->domains_n == 0) {
		char *q = exim_option("qualify_domain");

		if (q != NULL && q[0] != '\0' && strchr(q, '$') == NULL)
			add_domain(d, ctx, q, strlen(q), "Exim's qualify_domain");
		free(q);
	}
}
