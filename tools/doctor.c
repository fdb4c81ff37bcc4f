/* doctor.c - `authalign doctor [ROOT]`: read this host's Exim setup, read
 * only, and say what will bounce, why, and the line that fixes it.
 *
 * This part reads the two files admins write routing into by hand:
 * Debian's /etc/exim4/update-exim4.conf.conf (dc_eximconfig_configtype,
 * dc_smarthost) and cPanel's /etc/exim.conf.localopts
 * (smarthost_routelist). The mistakes it knows are the ones that lose
 * mail: a host set up for local delivery only ("Mailing to remote domains
 * not supported"), a smarthost mode without a smarthost, a port glued on
 * with one colon (host:587 is two hosts to Exim), hosts separated by
 * white space, a route list entry written with a colon instead of a space
 * between its domains and its hosts (it has no hosts: cPanel's mail
 * falls to fail_remote_domains). ROOT (default /) is where the files are
 * looked for, to check a copy.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctype.h"
#include "aa_lsearch.h"
#include "json.h"
#include "tool.h"

#define DOCTOR_FINDINGS_MAX 32
#define DOCTOR_PATH_MAX 4096
#define DOCTOR_TEXT_MAX 1024

enum severity { SEV_BOUNCE, SEV_WARNING };

struct finding {
	enum severity sev;
	char where[DOCTOR_PATH_MAX + 16];	/* "file:line" */
	char what[DOCTOR_TEXT_MAX];		/* what is wrong, and why it bounces */
	char fix[DOCTOR_TEXT_MAX];		/* the line to write */
};

struct doctor {
	struct finding f[DOCTOR_FINDINGS_MAX];
	size_t n, lost;
	int files_read;
};

static void add(struct doctor *d, enum severity sev, const char *path, unsigned line, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add(struct doctor *d, enum severity sev, const char *path, unsigned line, const char *fix,
		const char *fmt, ...)
{
	struct finding *f;
	va_list ap;

	if (d->n >= DOCTOR_FINDINGS_MAX) {
		d->lost++;
		return;
	}
	f = &d->f[d->n++];
	f->sev = sev;
	snprintf(f->where, sizeof(f->where), "%s:%u", path, line);
	snprintf(f->fix, sizeof(f->fix), "%s", fix);
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
}

/* "name='value'" or name="value" or name=value: the value into out, the
 * quotes taken off; 0, or -1 when line does not set name. */
static int shell_value(const char *line, const char *name, char *out, size_t size)
{
	size_t n = strlen(name), len;
	const char *v;

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, name, n) != 0 || line[n] != '=')
		return -1;
	v = line + n + 1;
	len = strlen(v);
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len >= 2 && (v[0] == '\'' || v[0] == '"') && v[len - 1] == v[0]) {
		v++;
		len -= 2;
	}
	if (len >= size)
		len = size - 1;
	memcpy(out, v, len);
	out[len] = '\0';
	return 0;
}

/* One Exim host list of a smarthost setting (hosts separated by ':', a
 * port as host::port): the mistakes that turn it into something else. */
static void check_host_list(struct doctor *d, const char *path, unsigned line, const char *setting,
			    const char *hosts, const char *fixed_form)
{
	const char *p;
	char fix[DOCTOR_TEXT_MAX];

	if (strpbrk(hosts, " \t") != NULL) {
		snprintf(fix, sizeof(fix), "%s (hosts separated by ':', no spaces)", fixed_form);
		add(d, SEV_BOUNCE, path, line, fix, "%s holds white space (\"%.200s\"): Exim reads the words after the "
		    "first as something else than hosts, and remote mail is not delivered", setting, hosts);
	}
	for (p = hosts; (p = strchr(p, ':')) != NULL; p++) {
		const char *port = p + 1;
		size_t digits = 0;

		if (p[1] == ':') {	/* host::port, as it should be */
			p++;
			continue;
		}
		while (aa_is_digit((unsigned char)port[digits]))
			digits++;
		if (digits > 0 && (port[digits] == '\0' || port[digits] == ':')) {
			snprintf(fix, sizeof(fix), "write the port with two colons: %.*s::%.*s", (int)(p - hosts),
				 hosts, (int)digits, port);
			add(d, SEV_BOUNCE, path, line, fix, "%s has \"%.*s:%.*s\": to Exim that is two hosts, the second "
			    "named \"%.*s\", which does not exist (\"all relevant MX records point to non-existent "
			    "hosts\" or a defer for every message)", setting, (int)(p - hosts), hosts, (int)digits,
			    port, (int)digits, port);
			return;
		}
	}
}

static FILE *open_under(const char *root, const char *path, char *full, size_t size)
{
	snprintf(full, size, "%s%s", strcmp(root, "/") == 0 ? "" : root, path);
	return fopen(full, "r");
}

/* Debian's update-exim4.conf.conf. */
static void check_debian(struct doctor *d, const char *root)
{
	char full[DOCTOR_PATH_MAX], line[AA_LSEARCH_LINE_MAX], type[64] = "", smarthost[AA_LSEARCH_LINE_MAX] = "";
	unsigned lineno = 0, type_line = 0, smarthost_line = 0;
	const char *why;
	FILE *f = open_under(root, "/etc/exim4/update-exim4.conf.conf", full, sizeof(full));
	int got;

	if (f == NULL)
		return;
	d->files_read++;
	while ((got = aa_lsearch_read_line(f, line, sizeof(line), &why)) != 0) {
		lineno++;
		if (got < 0) {
			add(d, SEV_WARNING, full, lineno, "rewrite the line", "%s: the rest of the file is not read", why);
			break;
		}
		if (shell_value(line, "dc_eximconfig_configtype", type, sizeof(type)) == 0)
			type_line = lineno;
		else if (shell_value(line, "dc_smarthost", smarthost, sizeof(smarthost)) == 0)
			smarthost_line = lineno;
	}
	fclose(f);
	if (strcmp(type, "local") == 0)
		add(d, SEV_BOUNCE, full, type_line, "dc_eximconfig_configtype='internet' (or 'smarthost'), then "
		    "update-exim4.conf and reload Exim; or dpkg-reconfigure exim4-config",
		    "dc_eximconfig_configtype='local': local delivery only, every address at another domain fails "
		    "with \"Mailing to remote domains not supported\"");
	if ((strcmp(type, "smarthost") == 0 || strcmp(type, "satellite") == 0) && smarthost[0] == '\0')
		add(d, SEV_BOUNCE, full, smarthost_line != 0 ? smarthost_line : type_line,
		    "dc_smarthost='smtp.example.net::587' (your provider's host and port)",
		    "dc_eximconfig_configtype='%s' without dc_smarthost: remote mail has nowhere to go", type);
	if (smarthost[0] != '\0' && (strcmp(type, "smarthost") == 0 || strcmp(type, "satellite") == 0))
		check_host_list(d, full, smarthost_line, "dc_smarthost", smarthost,
				"dc_smarthost='smtp1.example.net::587:smtp2.example.net::587'");
}

/* cPanel's exim.conf.localopts: smarthost_routelist is a route_list,
 * entries separated by ';', each "DOMAINS HOSTS". */
static void check_cpanel(struct doctor *d, const char *root)
{
	char full[DOCTOR_PATH_MAX], line[AA_LSEARCH_LINE_MAX];
	unsigned lineno = 0;
	const char *why;
	FILE *f = open_under(root, "/etc/exim.conf.localopts", full, sizeof(full));
	int got;

	if (f == NULL)
		return;
	d->files_read++;
	while ((got = aa_lsearch_read_line(f, line, sizeof(line), &why)) != 0) {
		char list[AA_LSEARCH_LINE_MAX];

		lineno++;
		if (got < 0) {
			add(d, SEV_WARNING, full, lineno, "rewrite the line", "%s: the rest of the file is not read", why);
			break;
		}
		if (shell_value(line, "smarthost_routelist", list, sizeof(list)) < 0 || list[0] == '\0')
			continue;
		for (char *entry = list, *next; entry != NULL; entry = next) {
			char *hosts;

			if ((next = strchr(entry, ';')) != NULL)
				*next++ = '\0';
			while (*entry == ' ')
				entry++;
			if (*entry == '\0')
				continue;
			hosts = strpbrk(entry, " \t");
			if (hosts == NULL) {
				char fix[DOCTOR_TEXT_MAX];
				const char *colon = strchr(entry, ':');

				snprintf(fix, sizeof(fix), "smarthost_routelist=%.*s %.200s (the domains, a space, the hosts)",
					 colon != NULL ? (int)(colon - entry) : 1, colon != NULL ? entry : "*",
					 colon != NULL ? colon + 1 : entry);
				add(d, SEV_BOUNCE, full, lineno, fix, "smarthost_routelist entry \"%.200s\" has no hosts (a "
				    "colon where a space belongs?): Exim takes it all for the domains, routes nothing "
				    "there, and cPanel's mail to other domains falls to fail_remote_domains", entry);
				continue;
			}
			while (*hosts == ' ' || *hosts == '\t')
				*hosts++ = '\0';
			check_host_list(d, full, lineno, "smarthost_routelist", hosts,
					"smarthost_routelist=* smtp.example.net::587");
		}
	}
	fclose(f);
}

int tool_doctor(const struct tool_out *o, int argc, char **argv)
{
	const char *root = argc > 0 ? argv[0] : "/";
	struct doctor *d = calloc(1, sizeof(*d));
	size_t bounce = 0;
	int code;

	if (d == NULL)
		return tool_fail(o, TOOL_EXIT_USAGE, "doctor: out of memory");
	check_debian(d, root);
	check_cpanel(d, root);
	for (size_t i = 0; i < d->n; i++)
		bounce += d->f[i].sev == SEV_BOUNCE;
	code = bounce > 0 ? TOOL_EXIT_FAIL : TOOL_EXIT_OK;
	if (o->json) {
		struct json j;

		json_start(&j, stdout);
		json_str(&j, "command", "doctor");
		json_str(&j, "root", root);
		json_int(&j, "files_read", d->files_read);
		json_open(&j, "findings", '[');
		for (size_t i = 0; i < d->n; i++) {
			json_open(&j, NULL, '{');
			json_str(&j, "severity", d->f[i].sev == SEV_BOUNCE ? "bounce" : "warning");
			json_str(&j, "where", d->f[i].where);
			json_str(&j, "what", d->f[i].what);
			json_str(&j, "fix", d->f[i].fix);
			json_close(&j);
		}
		json_close(&j);
		json_int(&j, "exit", code);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < d->n; i++) {
			tool_line(stdout, "%s: %s: %s", d->f[i].where, d->f[i].sev == SEV_BOUNCE ? "bounce" : "warning",
				  d->f[i].what);
			tool_line(stdout, "    fix: %s", d->f[i].fix);
		}
		if (d->lost > 0)
			printf("(%zu more findings not shown)\n", d->lost);
		tool_line(stdout, "doctor: %zu finding%s that bounce%s mail, %zu warning%s (%d setup file%s read)",
			  bounce, bounce == 1 ? "" : "s", bounce == 1 ? "s" : "", d->n - bounce,
			  d->n - bounce == 1 ? "" : "s", d->files_read, d->files_read == 1 ? "" : "s");
	}
	free(d);
	return code;
}
