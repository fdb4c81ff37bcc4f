/* doctor.c - `authalign doctor [ROOT] [--domain D]`: read this host's
 * setup, read only, and say what will bounce, why, with which code, and
 * the line or record that fixes it.
 *
 * The order: the setup files admins write routing into (doctor_setup_files.c),
 * Exim's own reading of its configuration when it is this host's
 * (doctor_exim.c), the egress addresses and their HELO names
 * (doctor_egress.c), then each hosted domain (doctor_hosted.c,
 * doctor_domain.c). The report is written a
 * group at a time: the host, then one domain after another. Every DNS
 * question has its timeout (dns_timeout), each domain its budget
 * (dns_budget), and the whole run DOCTOR_TIME_LIMIT_S: the domains left
 * when it is spent are named as not checked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "aa_ctx.h"
#include "aa_domain.h"
#include "aa_outbound.h"
#include "doctor.h"
#include "json.h"
#include "tool.h"

static const char *sev_name(enum severity s)
{
	return s == SEV_BOUNCE ? "bounce" : s == SEV_WARNING ? "warning" : "note";
}

/* The group's findings and verdicts, written and forgotten. name: NULL
 * for the host. */
static void flush_group(struct doctor *d, const char *name)
{
	struct json *j = d->json;

	if (j != NULL) {
		json_open(j, NULL, '{');
		json_str(j, "domain", name);
		json_open(j, "findings", '[');
		for (size_t i = 0; i < d->n; i++) {
			json_open(j, NULL, '{');
			json_str(j, "severity", sev_name(d->f[i].sev));
			json_str(j, "where", d->f[i].where);
			json_str(j, "what", d->f[i].what);
			json_str(j, "code", d->f[i].code[0] != '\0' ? d->f[i].code : NULL);
			json_str(j, "fix", d->f[i].fix);
			json_close(j);
		}
		json_close(j);
		json_int(j, "findings_not_shown", (long long)d->lost);
		json_str(j, "spf", name != NULL && d->spf_summary[0] != '\0' ? d->spf_summary : NULL);
		json_open(j, "verdicts", '[');
		for (size_t i = 0; i < d->v_n; i++) {
			json_open(j, NULL, '{');
			json_str(j, "receiver", d->v[i].receiver);
			json_str(j, "via", d->v[i].via);
			json_str(j, "outcome", d->v[i].outcome);
			json_str(j, "status", d->v[i].status[0] != '\0' ? d->v[i].status : NULL);
			json_str(j, "reason", d->v[i].reason);
			json_bool(j, "bulk_only", d->v[i].bulk_only);
			json_close(j);
		}
		json_close(j);
		json_close(j);
	} else {
		if (name == NULL)
			printf("== this host ==\n");
		else
			tool_line(stdout, "== domain %s ==", name);
		for (size_t i = 0; i < d->n; i++) {
			tool_line(stdout, "%s: %s%s%s%s: %s", d->f[i].where, sev_name(d->f[i].sev),
				  d->f[i].code[0] != '\0' ? " [" : "", d->f[i].code,
				  d->f[i].code[0] != '\0' ? "]" : "", d->f[i].what);
			tool_line(stdout, "    fix: %s", d->f[i].fix);
		}
		if (d->lost > 0)
			printf("(%zu more findings not shown)\n", d->lost);
		if (name != NULL && d->spf_summary[0] != '\0')
			tool_line(stdout, "spf: %s", d->spf_summary);
		for (size_t i = 0; i < d->v_n; i++)
			tool_line(stdout, "verdict: %s, %s: %s%s%s%s: %s", d->v[i].receiver, d->v[i].via,
				  d->v[i].outcome, d->v[i].status[0] != '\0' ? " " : "", d->v[i].status,
				  d->v[i].bulk_only ? " (a rule for senders of 5,000+ messages a day)" : "",
				  d->v[i].reason);
		if (d->n == 0 && d->v_n == 0 && d->spf_summary[0] == '\0')
			printf("nothing found\n");
	}
	d->n = d->lost = d->v_n = 0;
	d->refusal[0] = d->spf_summary[0] = '\0';
}

/* Settings without outbound_profiles_file know an RFC receiver alone:
 * the verdicts take the package's profiles of Microsoft 365, Outlook.com
 * and Gmail. */
static void installed_profiles(struct doctor *d, struct aa_config *cfg)
{
	static const char *const paths[] = { "/usr/share/authalign/profiles", "/usr/local/share/authalign/profiles" };
	struct aa_profiles *p;
	char err[512];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (access(paths[i], R_OK) != 0 || aa_profiles_load(paths[i], &p, err, sizeof(err)) < 0)
			continue;
		aa_profiles_free(&cfg->outbound.profiles);
		cfg->outbound.profiles = p;
		return;
	}
	d->no_profiles = 1;
}

/* The settings: -c, else ROOT's /etc/authalign/authalign.conf when it is
 * there, else the defaults (a warning says which). */
static struct aa_config *load_settings(struct doctor *d, const char *config)
{
	char path[DOCTOR_PATH_MAX], err[512];
	struct aa_config *cfg = NULL;
	struct stat st;

	if (config == NULL) {
		snprintf(path, sizeof(path), "%s/etc/authalign/authalign.conf", strcmp(d->root, "/") == 0 ? "" :
			 d->root);
		config = stat(path, &st) == 0 ? path : NULL;
	}
	if (config != NULL && aa_config_load(config, &cfg, err, sizeof(err)) < 0) {
		doctor_add(d, SEV_WARNING, config, NULL, "authalign check-config names every error",
			   "authalign's settings are not read (%.400s): its domains, keys and routes are not "
			   "checked", err);
		cfg = NULL;
	}
	if (cfg == NULL && aa_config_load(NULL, &cfg, err, sizeof(err)) < 0)
		return NULL;
	if (cfg->outbound_profiles_file == NULL)
		installed_profiles(d, cfg);
	return cfg;
}

/* Progress on a terminal for a host with many domains. */
static void progress(const struct doctor *d, size_t i, const char *domain)
{
	static int tty = -1;

	if (tty < 0)
		tty = isatty(STDERR_FILENO);
	if (!tty || d->domains_n < 10)
		return;
	if (domain == NULL)
		fprintf(stderr, "\r%*s\r", 78, "");
	else
		fprintf(stderr, "\rdoctor: domain %zu of %zu: %.40s%*s", i + 1, d->domains_n, domain, 10, "");
	fflush(stderr);
}

static void check_domains(struct doctor *d, struct aa_ctx *ctx, const struct aa_config *cfg)
{
	time_t start = time(NULL);

	for (size_t i = 0; i < d->domains_n; i++) {
		if (time(NULL) - start >= DOCTOR_TIME_LIMIT_S) {
			d->domains_skipped = d->domains_n - i;
			break;
		}
		progress(d, i, d->domains[i]);
		doctor_check_domain(d, ctx, cfg, d->domains[i]);
		aa_ctx_end_message(ctx);	/* answers, cache and budget are the domain's */
		d->domains_checked++;
		progress(d, i, NULL);
		flush_group(d, d->domains[i]);
	}
	if (d->domains_skipped > 0) {
		doctor_add(d, SEV_WARNING, "doctor", NULL, "run `authalign doctor --domain D` for each one left",
			   "the time limit (%d s) was spent: %zu domain%s from %.200s not checked, the first "
			   "%.200s", DOCTOR_TIME_LIMIT_S, d->domains_skipped, d->domains_skipped == 1 ? "" : "s",
			   d->domains_from, d->domains[d->domains_checked]);
		flush_group(d, NULL);
	}
}

/* 1 when domain is one of the domains read (the host sends for it); the
 * list is then that domain alone. */
static int keep_only(struct doctor *d, const char *domain)
{
	size_t n = strlen(domain), keep = d->domains_n;

	while (n > 0 && domain[n - 1] == '.')
		n--;
	for (size_t i = 0; i < d->domains_n; i++)
		if (keep == d->domains_n && strncasecmp(d->domains[i], domain, n) == 0 && d->domains[i][n] == '\0')
			keep = i;
	if (keep == d->domains_n)
		return 0;
	for (size_t i = 0; i < d->domains_n; i++)
		if (i != keep)
			free(d->domains[i]);
	d->domains[0] = d->domains[keep];
	d->domains_n = 1;
	return 1;
}

int tool_doctor(const struct tool_out *o, const char *config, const char *zone, const char *only, int argc,
		char **argv)
{
	return tool_doctor_run(o, config, zone, only, 0, argc, argv);
}

int tool_doctor_run(const struct tool_out *o, const char *config, const char *zone, const char *only,
		    int only_if_hosted, int argc, char **argv)
{
	struct doctor *d = calloc(1, sizeof(*d));
	struct aa_config *cfg;
	struct aa_ctx *ctx;
	const char *err = NULL;
	struct json j;
	int code;

	if (d == NULL)
		return tool_fail(o, TOOL_EXIT_USAGE, "doctor: out of memory");
	d->root = argc > 0 ? argv[0] : "/";
	d->ask_exim = strcmp(d->root, "/") == 0 || (getenv("AUTHALIGN_EXIM") != NULL &&
						    *getenv("AUTHALIGN_EXIM") != '\0');
	if ((cfg = load_settings(d, config)) == NULL) {
		free(d);
		return tool_fail(o, TOOL_EXIT_USAGE, "doctor: out of memory");
	}
	if (zone != NULL)
		cfg->dns.zone_file = zone;
	if ((ctx = aa_ctx_new(&cfg->dns, &err)) == NULL) {
		code = tool_fail(o, TOOL_EXIT_USAGE, "doctor: cannot start: %s", err != NULL ? err : "?");
		aa_config_free(&cfg);
		free(d);
		return code;
	}
	ctx->psl_file = cfg->psl_file;
	if (only != NULL && !only_if_hosted) {
		const char *norm;

		if (aa_domain_norm(ctx->arena, only, strlen(only), AA_NAME_IDNA, &norm) != AA_DNS_NAME_OK) {
			code = tool_fail(o, TOOL_EXIT_USAGE, "doctor: --domain \"%.200s\" is not a domain name", only);
			aa_ctx_free(&ctx);
			aa_config_free(&cfg);
			free(d);
			return code;
		}
	}
	doctor_check_debian(d);
	doctor_check_cpanel(d);
	doctor_read_domains(d, ctx, cfg, only_if_hosted ? NULL : only);
	if (only_if_hosted && !keep_only(d, only)) {
		code = -1;
		goto out;
	}
	if (d->ask_exim) {
		doctor_read_exim(d);
		doctor_check_exim_routing(d);
	}
	if (d->cpanel)
		doctor_read_mailips(d);
	/* authalign's own egress addresses (the ones it predicts with) */
	for (size_t i = 0; i < 2; i++) {
		const char *ip = i == 0 ? cfg->outbound.direct.egress_ip : cfg->outbound.direct.egress_ip2;

		if (ip != NULL)
			doctor_add_egress(d, ip, cfg->outbound.direct.helo != NULL ? cfg->outbound.direct.helo :
					  d->primary_hostname, "outbound_egress", "");
	}
	if (d->smarthost[0] != '\0')
		doctor_resolve_smarthost(d, ctx);
	if (d->smarthost[0] != '\0')
		doctor_add(d, SEV_NOTE, d->smarthost_from, NULL, "publish the provider's SPF (its include:) in "
			   "each domain's record, and sign with DKIM keys the provider or this host holds; the "
			   "provider's own checklist says which", "remote mail leaves through the smarthost %.200s: "
			   "receivers see the provider's address, not this host's, so this host's PTR, HELO and "
			   "the verdicts of direct delivery are not checked (authalign's routes are)", d->smarthost);
	if (o->json) {
		json_start(&j, stdout);
		json_str(&j, "command", "doctor");
		json_str(&j, "root", d->root);
		json_open(&j, "groups", '[');
		d->json = &j;
	}
	doctor_check_egress(d, ctx);
	aa_ctx_end_message(ctx);
	if (d->files_read == 0 && !d->ask_exim && d->domains_n == 0)
		doctor_add(d, SEV_WARNING, d->root, NULL, "give the root of a host's files (default /)", "neither "
			   "/etc/exim4/update-exim4.conf.conf nor /etc/exim.conf.localopts is there, and Exim is "
			   "not asked for a copy: nothing was checked");
	if (d->no_profiles && d->domains_n > 0)
		doctor_add(d, SEV_WARNING, "outbound_profiles_file", NULL, "install the package's profiles "
			   "(/usr/share/authalign/profiles) or name them in the settings", "no receiver profiles: the "
			   "verdicts are an RFC receiver's, not those of Microsoft 365, Outlook.com or Gmail");
	if (d->egress_n == 0 && d->domains_n > 0 && !d->mail_stays && d->smarthost[0] == '\0')
		doctor_add(d, SEV_WARNING, "egress", NULL, "set interface on the smtp transport, or outbound_egress "
			   "in authalign's settings (or AUTHALIGN_EXIM for a copy's Exim)", "no address this host "
			   "sends from is known: PTR, FCrDNS, HELO, SPF from it and the verdicts are not checked");
	flush_group(d, NULL);
	check_domains(d, ctx, cfg);
	code = d->bounces > 0 || d->refusals > 0 ? TOOL_EXIT_FAIL : d->undecided > 0 ? TOOL_EXIT_TEMP :
	       d->files_read == 0 && !d->ask_exim && d->domains_n == 0 ? TOOL_EXIT_USAGE : TOOL_EXIT_OK;
	if (o->json) {
		json_close(&j);
		json_int(&j, "files_read", d->files_read);
		json_int(&j, "domains_checked", (long long)d->domains_checked);
		json_int(&j, "domains_not_checked", (long long)d->domains_skipped);
		json_int(&j, "bounce", (long long)d->bounces);
		json_int(&j, "warnings", (long long)d->warnings);
		json_int(&j, "refused", (long long)d->refusals);
		json_int(&j, "refused_bulk_only", (long long)d->refusals_bulk);
		json_int(&j, "undecided", (long long)d->undecided);
		json_int(&j, "exit", code);
		json_finish(&j);
	} else {
		char bulk[64] = "";

		if (d->refusals_bulk > 0)
			doctor_fmt(bulk, sizeof(bulk), " (and %zu for bulk senders only)", d->refusals_bulk);
		if (d->undecided > 0)
			tool_line(stdout, "doctor: %zu check%s could not run (a DNS temporary failure): run it again",
				  d->undecided, d->undecided == 1 ? "" : "s");
		tool_line(stdout, "doctor: %zu finding%s that bounce%s mail, %zu warning%s, %zu verdict%s refused%s "
			  "(%d setup file%s read, %zu domain%s checked)", d->bounces, d->bounces == 1 ? "" : "s",
			  d->bounces == 1 ? "s" : "", d->warnings, d->warnings == 1 ? "" : "s", d->refusals,
			  d->refusals == 1 ? "" : "s", bulk,
			  d->files_read,
			  d->files_read == 1 ? "" : "s", d->domains_checked, d->domains_checked == 1 ? "" : "s");
	}
out:
	for (size_t i = 0; i < d->domains_n; i++)
		free(d->domains[i]);
	aa_ctx_free(&ctx);
	aa_config_free(&cfg);
	free(d);
	return code;
}
