/* doctor_setup_files.c - the doctor's reading of the files admins write Exim's
 * routing into by hand, read only.
 *
 * It reads the two files admins write routing into by hand:
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
#include <sys/stat.h>
#include "aa_ctype.h"
#include "aa_lsearch.h"
#include "doctor.h"

/* A finding at path:line (line 0: the file). */
#define add(d, sev, path, line, fix, ...) do { \
		char at_[DOCTOR_PATH_MAX + 16]; \
		doctor_add(d, sev, doctor_at(at_, sizeof(at_), path, line), NULL, fix, __VA_ARGS__); \
	} while (0)

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

/* The first host of an Exim host list, as a name or an address: "<X"
 * changes the separator; with ':' a port is "::587" and an IPv6 address
 * in [...] has its colons doubled; the port is left off. */
static void first_host(const char *list, char *out, size_t size)
{
	char sep = ':';
	size_t o = 0;

	while (*list == ' ' || *list == '\t' || *list == '"')
		list++;
	if (list[0] == '<' && list[1] != '\0' && strchr("!#$%&*+,-./;=?@^_|~", list[1]) != NULL) {
		sep = list[1];
		list += 2;
	}
	if (*list == '[') {
		for (list++; *list != '\0' && *list != ']' && o + 1 < size; list++) {
			out[o++] = *list;
			if (sep == ':' && *list == ':' && list[1] == ':')
				list++;		/* a doubled colon is one */
		}
	} else {
		while (*list != '\0' && *list != sep && *list != ' ' && *list != '\t' && *list != '"' &&
		       !(sep != ':' && *list == ':') && o + 1 < size)
			out[o++] = *list++;
	}
	out[o] = '\0';
}

/* One Exim host list of a smarthost setting (hosts separated by ':', a
 * port as host::port, an IPv6 address in [...] with each of its colons
 * doubled; "<X" first changes the separator, and then a port takes one
 * colon): the mistakes that turn it into something else. spaces_allowed:
 * the list was quoted. */
static void check_host_list(struct doctor *d, const char *path, unsigned line, const char *setting,
			    const char *hosts, int spaces_allowed)
{
	char fix[DOCTOR_TEXT_MAX];
	int depth = 0;

	if (!spaces_allowed && strpbrk(hosts, " \t") != NULL) {
		char joined[DOCTOR_TEXT_MAX], copy[DOCTOR_TEXT_MAX];
		size_t o = 0;

		/* the admin's own hosts as Exim wants them: one ':' between
		 * hosts, a port that stood alone glued on with "::" */
		snprintf(copy, sizeof(copy), "%s", hosts);
		for (char *save = NULL, *t = strtok_r(copy, " \t", &save); t != NULL; t = strtok_r(NULL, " \t", &save)) {
			size_t n;

			while (*t == ':')
				t++;
			n = strlen(t);
			while (n > 0 && t[n - 1] == ':' && (n < 2 || t[n - 2] != ':'))
				t[--n] = '\0';
			if (n == 0)
				continue;
			if (o > 0 && strspn(t, "0123456789") == n)
				o += (size_t)snprintf(joined + o, sizeof(joined) - o, "::%s", t);
			else
				o += (size_t)snprintf(joined + o, sizeof(joined) - o, "%s%s", o > 0 ? ":" : "", t);
			if (o >= sizeof(joined))
				o = sizeof(joined) - 1;
		}
		joined[o] = '\0';
		snprintf(fix, sizeof(fix), "%s='%.300s' (hosts separated by ':', a port as host::587, no spaces)",
			 setting, joined);
		add(d, SEV_BOUNCE, path, line, fix, "%s holds white space (\"%.200s\"): Exim takes the words after "
		    "the first for router options (\"unknown routing option or transport name\"), and remote mail "
		    "waits in the queue until it bounces", setting, hosts);
		return;
	}
	if (hosts[0] == '<' && hosts[1] != '\0' && strchr("!#$%&*+,-./;=?@^_|~", hosts[1]) != NULL)
		return;		/* another separator: a port takes one colon, and [] nothing special */
	for (const char *p = hosts; *p != '\0'; p++) {
		const char *port = p + 1;
		size_t digits = 0;

		if (*p == '[')
			depth = 1;
		else if (*p == ']')
			depth = 0;
		if (*p != ':')
			continue;
		if (p[1] == ':') {	/* a doubled colon: one literal ':' (host::port, or in [...]) */
			p++;
			continue;
		}
		if (depth) {
			snprintf(fix, sizeof(fix), "double every colon of the IPv6 address: [2001::db8::::25]::587 for "
				 "[2001:db8::25] port 587");
			add(d, SEV_BOUNCE, path, line, fix, "%s has an IPv6 address in [...] with a single colon "
			    "(\"%.200s\"): a single colon separates hosts, so Exim looks up a host named like \"[2001\" "
			    "and fails", setting, hosts);
			return;
		}
		while (aa_is_digit((unsigned char)port[digits]))
			digits++;
		if (digits > 0 && (port[digits] == '\0' || port[digits] == ':')) {
			snprintf(fix, sizeof(fix), "write the port with two colons: %.*s::%.*s", (int)(p - hosts),
				 hosts, (int)digits, port);
			add(d, SEV_BOUNCE, path, line, fix, "%s has \"%.*s:%.*s\": to Exim that is two hosts, the second "
			    "named \"%.*s\" (which the resolver takes for an IPv4 address, 0.0.x.y: \"H=%.*s "
			    "[0.0...] Network is unreachable\"), and the first is tried on port 25, not %.*s", setting,
			    (int)(p - hosts), hosts, (int)digits, port, (int)digits, port, (int)digits, port,
			    (int)digits, port);
			return;
		}
	}
}

/* root's file path, opened as every admin file is (aa_lsearch_open: never
 * blocking on a FIFO, a regular file only); NULL when it is not there or
 * cannot be read (a warning then). */
static FILE *open_under(struct doctor *d, const char *path, char *full, size_t size)
{
	char err[256];
	struct stat st;
	FILE *f;

	snprintf(full, size, "%s%s", strcmp(d->root, "/") == 0 ? "" : d->root, path);
	if ((f = aa_lsearch_open(full, err, sizeof(err))) == NULL && lstat(full, &st) == 0)
		add(d, SEV_WARNING, full, 0, "make it a readable regular file", "not read: %s", err);
	return f;
}

/* Each line of root's file path to take(), with its number; a line that
 * cannot be read (a NUL, too long) is a warning and ends the file. 0 when
 * the file is not there or cannot be opened. */
int doctor_each_line(struct doctor *d, const char *path,
		     void (*take)(struct doctor *d, const char *file, unsigned lineno, char *line, void *arg),
		     void *arg)
{
	char full[DOCTOR_PATH_MAX], line[AA_LSEARCH_LINE_MAX];
	unsigned lineno = 0;
	const char *why;
	FILE *f = open_under(d, path, full, sizeof(full));
	int got;

	if (f == NULL)
		return 0;
	d->files_read++;
	while ((got = aa_lsearch_read_line(f, line, sizeof(line), &why)) != 0) {
		lineno++;
		if (got < 0) {
			add(d, SEV_WARNING, full, lineno, "rewrite the line", "%s: the rest of the file is not read", why);
			break;
		}
		take(d, full, lineno, line, arg);
	}
	fclose(f);
	return 1;
}

/* What update-exim4.conf.conf says, and on which lines. */
struct debian_conf {
	char type[64], smarthost[AA_LSEARCH_LINE_MAX], file[DOCTOR_PATH_MAX];
	unsigned type_line, smarthost_line;
};

static void take_debian(struct doctor *d, const char *file, unsigned lineno, char *line, void *arg)
{
	struct debian_conf *c = arg;
	char v[AA_LSEARCH_LINE_MAX];

	snprintf(c->file, sizeof(c->file), "%s", file);
	if (shell_value(line, "dc_eximconfig_configtype", c->type, sizeof(c->type)) == 0)
		c->type_line = lineno;
	else if (shell_value(line, "dc_smarthost", c->smarthost, sizeof(c->smarthost)) == 0)
		c->smarthost_line = lineno;
	else if ((shell_value(line, "dc_other_hostnames", v, sizeof(v)) == 0 ||
		  shell_value(line, "dc_readhost", v, sizeof(v)) == 0) && v[0] != '\0')
		/* the domains this host's mail is from (hosted.c reads them) */
		doctor_fmt(d->debian_domains + strlen(d->debian_domains),
			   sizeof(d->debian_domains) - strlen(d->debian_domains), "%s:", v);
}

/* Debian's update-exim4.conf.conf. */
void doctor_check_debian(struct doctor *d)
{
	struct debian_conf *c = calloc(1, sizeof(*c));
	const char *full, *type, *smarthost;
	unsigned type_line, smarthost_line;

	if (c == NULL || !doctor_each_line(d, "/etc/exim4/update-exim4.conf.conf", take_debian, c)) {
		free(c);
		return;
	}
	full = c->file;
	type = c->type;
	smarthost = c->smarthost;
	type_line = c->type_line;
	smarthost_line = c->smarthost_line;
	if (strcmp(type, "local") == 0)
		d->local_only = 1;
	if (strcmp(type, "local") == 0)
		add(d, SEV_BOUNCE, full, type_line, "dc_eximconfig_configtype='internet' (or 'smarthost'), then "
		    "update-exim4.conf and reload Exim; or dpkg-reconfigure exim4-config",
		    "dc_eximconfig_configtype='local': local delivery only, every address at another domain fails "
		    "with \"Mailing to remote domains not supported\"");
	if ((strcmp(type, "smarthost") == 0 || strcmp(type, "satellite") == 0) && smarthost[0] == '\0')
		add(d, SEV_BOUNCE, full, smarthost_line != 0 ? smarthost_line : type_line,
		    "dc_smarthost='smtp.example.net::587' (your provider's host and port)",
		    "dc_eximconfig_configtype='%s' without dc_smarthost: remote mail has nowhere to go", type);
	if (smarthost[0] != '\0' && (strcmp(type, "smarthost") == 0 || strcmp(type, "satellite") == 0)) {
		check_host_list(d, full, smarthost_line, "dc_smarthost", smarthost, 0);
		/* remote mail leaves through it: its first host */
		first_host(smarthost, d->smarthost, sizeof(d->smarthost));
		doctor_fmt(d->smarthost_from, sizeof(d->smarthost_from), "dc_smarthost");
	}
	if (type_line != 0 && strcmp(type, "internet") != 0 && strcmp(type, "smarthost") != 0 &&
	    strcmp(type, "satellite") != 0 && strcmp(type, "local") != 0)
		add(d, SEV_BOUNCE, full, type_line, "dc_eximconfig_configtype='internet' (or 'smarthost', "
		    "'satellite', 'local')", "dc_eximconfig_configtype='%.64s' is none of Debian's types: "
		    "update-exim4.conf builds no working configuration from it", type);
	free(c);
}

/* The next white-space separated token of *p ("..." one token, quotes
 * kept) into out; 0 when there is none. */
static int next_token(const char **p, char *out, size_t size)
{
	const char *s = *p;
	size_t n = 0;
	int quoted = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0')
		return 0;
	for (; *s != '\0' && (quoted || (*s != ' ' && *s != '\t')); s++) {
		if (*s == '"')
			quoted = !quoted;
		if (n + 1 < size)
			out[n++] = *s;
	}
	out[n] = '\0';
	*p = s;
	return 1;
}

void doctor_check_route_list(struct doctor *d, const char *full, unsigned lineno, const char *setting,
			     const char *value, const char *falls_to)
{
	char list[AA_LSEARCH_LINE_MAX], copy[AA_LSEARCH_LINE_MAX];

	snprintf(list, sizeof(list), "%s", value);
	snprintf(copy, sizeof(copy), "%s", value);
	for (char *entry = list, *next; entry != NULL; entry = next) {
		char domains[AA_LSEARCH_LINE_MAX], hosts[AA_LSEARCH_LINE_MAX];
		const char *p = entry;

		if ((next = strchr(entry, ';')) != NULL)
			*next++ = '\0';
		if (!next_token(&p, domains, sizeof(domains)))
			continue;
		if (!next_token(&p, hosts, sizeof(hosts))) {
			char fix[DOCTOR_TEXT_MAX], *colon = strchr(domains, ':');
			int pattern = colon != NULL && (colon == domains + 1 || memchr(domains, '*',
					(size_t)(colon - domains)) != NULL || memchr(domains, '.',
					(size_t)(colon - domains)) != NULL) && colon[1] != ':';

			/* the entry rewritten, the others kept */
			if (pattern)
				snprintf(fix, sizeof(fix), "write \"%.*s %.200s\" for that entry (the domains, a space, "
					 "the hosts) in %s=%.300s", (int)(colon - domains), domains, colon + 1, setting,
					 copy);
			else
				snprintf(fix, sizeof(fix), "write \"* %.200s\" for that entry (the domains, a space, "
					 "the hosts) in %s=%.300s", domains, setting, copy);
			add(d, SEV_BOUNCE, full, lineno, fix, "%s entry \"%.200s\" has no hosts (a colon where a space "
			    "belongs?): Exim takes it all for the domains, routes nothing there, and %s", setting,
			    domains, falls_to);
			continue;
		}
		if (d->smarthost[0] == '\0') {
			first_host(hosts, d->smarthost, sizeof(d->smarthost));
			doctor_fmt(d->smarthost_from, sizeof(d->smarthost_from), "%s", setting);
		}
		if (hosts[0] == '"') {
			size_t n = strlen(hosts);

			memmove(hosts, hosts + 1, n);
			if (n > 1 && hosts[n - 2] == '"')
				hosts[n - 2] = '\0';
			check_host_list(d, full, lineno, setting, hosts, 1);
		} else {
			check_host_list(d, full, lineno, setting, hosts, 0);
		}
	}
}

/* cPanel's exim.conf.localopts: smarthost_routelist is a route_list:
 * entries separated by ';', each "DOMAINS HOSTS [OPTIONS]", HOSTS quoted
 * when it holds spaces. */
static void take_cpanel(struct doctor *d, const char *full, unsigned lineno, char *line, void *arg)
{
	char list[AA_LSEARCH_LINE_MAX];

	(void)arg;
	if (shell_value(line, "smarthost_routelist", list, sizeof(list)) < 0 || list[0] == '\0')
		return;
	doctor_check_route_list(d, full, lineno, "smarthost_routelist", list, "cPanel's mail to other domains "
				"falls to fail_remote_domains");
}

void doctor_check_cpanel(struct doctor *d)
{
	d->cpanel = doctor_each_line(d, "/etc/exim.conf.localopts", take_cpanel, NULL);
}
