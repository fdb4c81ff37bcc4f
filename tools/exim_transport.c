/* exim_transport.c - what an Exim transport says it sends from: its
 * interface addresses and helo_data, read with `exim4 -bP transport NAME`
 * (Exim's own reading of its configuration, Debian's macros included),
 * and whether Exim delivers over IPv6 at all (disable_ipv6,
 * dns_ipv4_lookup). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "tool.h"

#define OUTPUT_MAX 65536	/* bytes of exim -bP read */

static int name_ok(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 64)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* "interface = <; a ; b" or "a : b" (a doubled separator is one literal
 * character, as in every Exim list) into t->address[]. */
static void split_list(const char *v, struct exim_transport *t)
{
	char sep = ':';
	char item[EXIM_TRANSPORT_ITEM_MAX];
	size_t n = 0;

	while (*v == ' ')
		v++;
	if (v[0] == '<' && v[1] != '\0' && ispunct((unsigned char)v[1])) {
		sep = v[1];
		v += 2;
	}
	for (;; v++) {
		if (*v == sep && v[1] == sep) {
			if (n + 1 < sizeof(item))
				item[n++] = sep;
			v++;
			continue;
		}
		if (*v == sep || *v == '\0') {
			while (n > 0 && item[n - 1] == ' ')
				n--;
			item[n] = '\0';
			if (n > 0 && t->count < EXIM_TRANSPORT_ADDRESSES_MAX) {
				char *p = item;

				while (*p == ' ')
					p++;
				t->address[t->count++] = strdup(p);
			}
			n = 0;
			if (*v == '\0')
				return;
			continue;
		}
		if (n + 1 < sizeof(item))
			item[n++] = *v;
	}
}

static void set_value(char **to, const char *line, size_t name_len)
{
	const char *v = line + name_len;

	while (*v == ' ')
		v++;
	free(*to);
	*to = strdup(v);
}

/* What Exim prints for `EXIM ARGS` (EXIM: the binary, or the admin's
 * AUTHALIGN_EXIM command, e.g. "exim4 -C /etc/exim4/new.conf"), line by
 * line (a line without its newline) to take(); 0 when Exim said it
 * without error. Exim gets EXIM_ASK_TIMEOUT_S seconds (routing asks
 * DNS), and all questions of one run EXIM_ASK_TOTAL_S. ARGS are the
 * caller's, never untrusted text. */
#define EXIM_ASK_TIMEOUT_S 30
#define EXIM_ASK_TOTAL_S 180	/* all of one run's questions: then Exim is not asked */
static int exim_run(const char *exim, const char *args, void (*take)(const char *, void *), void *arg)
{
	static time_t first;
	char cmd[1024], line[4096];
	size_t total = 0;
	int status;
	FILE *p;

	if (first == 0)
		first = time(NULL);
	else if (time(NULL) - first > EXIM_ASK_TOTAL_S)
		return -1;

	if ((size_t)snprintf(cmd, sizeof(cmd), "timeout -k 5 %d %s %s 2>&1 </dev/null", EXIM_ASK_TIMEOUT_S, exim,
			     args) >= sizeof(cmd) ||
	    (p = popen(cmd, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), p) != NULL) {
		if (total >= OUTPUT_MAX)
			continue;	/* read to the end: Exim must not block on a full pipe */
		total += strlen(line);
		line[strcspn(line, "\r\n")] = '\0';
		take(line, arg);
	}
	status = pclose(p);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int exim_print(const char *exim, const char *args, void (*take)(const char *, void *), void *arg)
{
	char full[512];

	snprintf(full, sizeof(full), "-bP %s", args);
	return exim_run(exim, full, take, arg);
}

static const char *exim_command(void);

int exim_ask(const char *args, void (*take)(const char *, void *), void *arg)
{
	const char *exim = exim_command(), *env = getenv("AUTHALIGN_EXIM");

	if ((env == NULL || *env == '\0') && access(exim, X_OK) != 0)
		return -1;
	return exim_run(exim, args, take, arg);
}

static void take_transport(const char *line, void *arg)
{
	struct exim_transport *t = arg;

	if (strncmp(line, "interface =", 11) == 0)
		set_value(&t->interface, line, 11);
	else if (strncmp(line, "helo_data =", 11) == 0)
		set_value(&t->helo_data, line, 11);
	else if (strncmp(line, "driver =", 8) == 0)
		set_value(&t->driver, line, 8);
	else if (strncmp(line, "dkim_domain =", 13) == 0)
		set_value(&t->dkim_domain, line, 13);
	else if (strncmp(line, "dkim_selector =", 15) == 0)
		set_value(&t->dkim_selector, line, 15);
	else if (strncmp(line, "dkim_private_key =", 18) == 0)
		set_value(&t->dkim_private_key, line, 18);
	else if (strstr(line, " not found") != NULL && strncmp(line, "transport ", 10) == 0)
		t->missing = 1;
}

static void take_main(const char *line, void *arg)
{
	struct exim_transport *t = arg;

	if (strcmp(line, "disable_ipv6") == 0 || strcmp(line, "dns_ipv4_lookup = *") == 0)
		t->ipv4_only = 1;
}

/* The Exim command to ask: AUTHALIGN_EXIM, or the binary. */
static const char *exim_command(void)
{
	const char *env = getenv("AUTHALIGN_EXIM");

	return env != NULL && *env != '\0' ? env :
	       access("/usr/sbin/exim4", X_OK) == 0 ? "/usr/sbin/exim4" : "/usr/sbin/exim";
}

struct find {
	const char *needle;
	int found;
};

static void take_find(const char *line, void *arg)
{
	struct find *f = arg;

	if (strstr(line, f->needle) != NULL)
		f->found = 1;
}

int exim_prints(const char *args, const char *needle)
{
	struct find f = { needle, 0 };
	int rc = exim_print(exim_command(), args, take_find, &f);

	return f.found ? 1 : rc < 0 ? -1 : 0;	/* "not found" comes with a failure status */
}

struct value {
	const char *name;
	char *value;
};

static void take_value(const char *line, void *arg)
{
	struct value *v = arg;
	size_t n = strlen(v->name);

	if (strncmp(line, v->name, n) == 0 && strncmp(line + n, " =", 2) == 0)
		set_value(&v->value, line, n + 2);
}

char *exim_option(const char *name)
{
	struct value v = { name, NULL };

	if (!name_ok(name) || exim_print(exim_command(), name, take_value, &v) < 0) {
		free(v.value);
		return NULL;
	}
	return v.value;
}

int exim_transport_read(const char *name, struct exim_transport *t, char *err, size_t errlen)
{
	const char *exim = exim_command(), *env = getenv("AUTHALIGN_EXIM");
	char args[128];
	int rc;

	memset(t, 0, sizeof(*t));
	if (!name_ok(name)) {
		snprintf(err, errlen, "outbound_transport is not a transport name");
		return -1;
	}
	if ((env == NULL || *env == '\0') && access(exim, X_OK) != 0) {
		snprintf(err, errlen, "no Exim binary (/usr/sbin/exim4 or /usr/sbin/exim) to ask");
		return -1;
	}
	snprintf(args, sizeof(args), "transport %s", name);
	rc = exim_print(exim, args, take_transport, t);
	if (t->missing || rc < 0) {
		snprintf(err, errlen, t->missing ? "Exim has no transport %s" : "%s -bP transport %s failed", t->missing ?
			 name : exim, name);
		exim_transport_free(t);
		return -1;
	}
	(void)exim_print(exim, "disable_ipv6 dns_ipv4_lookup", take_main, t);
	/* an expansion, or what Exim shows a user who may not see it */
	if (t->interface != NULL && strchr(t->interface, '$') == NULL && strstr(t->interface, "not displayable") == NULL)
		split_list(t->interface, t);
	return 0;
}

void exim_transport_free(struct exim_transport *t)
{
	for (size_t i = 0; i < t->count; i++)
		free(t->address[i]);
	free(t->interface);
	free(t->helo_data);
	free(t->driver);
	free(t->dkim_domain);
	free(t->dkim_selector);
	free(t->dkim_private_key);
	memset(t, 0, sizeof(*t));
}
