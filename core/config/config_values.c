/* config_values.c - the types of authalign.conf(5)'s values: for each,
 * its parser (which stores into struct aa_config at the row's offset),
 * how the manual writes it and what an error says it expects
 * (aa_config.h). The rows themselves are in config_options.c. */
#define _GNU_SOURCE	/* asprintf */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctype.h"
#include "aa_lsearch.h"
#include "aa_config.h"

const char aa_option_invalid[] = "invalid value";

static void *field(const struct aa_option *o, struct aa_config *cfg)
{
	return (char *)cfg + o->offset;
}

static int replace_str(char **dst, const char *v)
{
	char *copy = strdup(v);

	if (copy == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

static int set_enum(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	(void)why;
	return aa_names_parse(o->names, v, field(o, cfg));
}

/* Digits and an optional unit, "s" or "m" (Exim's time syntax, without
 * its h, d and w): the value in seconds, at most max. */
static int parse_seconds(const char *v, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (end == v || errno != 0 || n > max)
		return -1;
	if (strcmp(end, "m") == 0)
		n *= 60;
	else if (*end != '\0' && strcmp(end, "s") != 0)
		return -1;
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

/* 1s to 10m, kept in milliseconds. */
static int set_time_ms(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	unsigned long s;

	(void)why;
	if (parse_seconds(v, 600, &s) < 0 || s == 0)
		return -1;
	*(unsigned *)field(o, cfg) = (unsigned)s * 1000;
	return 0;
}

/* 0 to a day, in seconds. */
static int set_time_s(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	unsigned long s;

	(void)why;
	if (parse_seconds(v, 86400, &s) < 0)
		return -1;
	*(unsigned *)field(o, cfg) = (unsigned)s;
	return 0;
}

/* Digits and a unit, "m", "h" or "d" ("s" too), from a minute to 30 days, in seconds. */
static int set_time_days(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	static const struct { char unit; unsigned long secs; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	unsigned long n, max = 30ul * 86400;
	char *end;

	(void)why;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (end == v || errno != 0 || n > max || end[0] == '\0' || end[1] != '\0')
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (units[i].unit != end[0])
			continue;
		n *= units[i].secs;
		if (n < 60 || n > max)
			return -1;
		*(unsigned *)field(o, cfg) = (unsigned)n;
		return 0;
	}
	return -1;
}

static int set_count(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	char *end;
	unsigned long n;

	(void)why;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || n == 0 || n > o->max)
		return -1;
	*(unsigned *)field(o, cfg) = (unsigned)n;
	return 0;
}

/* An RFC 3463 permanent status: "5." 1-3 digits "." 1-3 digits, into a
 * char array the size of reject_status. */
static int set_status(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	char *out = field(o, cfg);
	const char *p = v;
	size_t d;

	(void)why;
	if (p[0] != '5' || p[1] != '.')
		return -1;
	p += 2;
	for (int part = 0; part < 2; part++) {
		for (d = 0; aa_is_digit((unsigned char)p[d]); d++)
			;
		if (d == 0 || d > 3 || (part == 0 && p[d] != '.') || (part == 1 && p[d] != '\0'))
			return -1;
		p += d + (part == 0);
	}
	if (strlen(v) >= sizeof(cfg->reject_status))
		return -1;
	memcpy(out, v, strlen(v) + 1);
	return 0;
}

/* A file named in the settings: a relative path is taken from the settings
 * file's directory, so the settings and their tables can live together. */
static int set_path(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	const char *slash = cfg->path != NULL ? strrchr(cfg->path, '/') : NULL;
	char *joined;
	int rc;

	(void)why;
	if (*v == '/' || *v == '\0' || slash == NULL)
		return replace_str(field(o, cfg), v);
	if (asprintf(&joined, "%.*s/%s", (int)(slash - cfg->path), cfg->path, v) < 0)
		return -1;
	rc = replace_str(field(o, cfg), joined);
	free(joined);
	return rc;
}

static int set_token(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	(void)why;
	for (const char *p = v; *p != '\0'; p++)
		if (!aa_is_alnum((unsigned char)*p) && *p != '.' && *p != '-')
			return -1;
	return *v == '\0' ? -1 : replace_str(field(o, cfg), v);
}

/* Printable ASCII, spaces inside (a libpq connection string). */
static int set_text(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	(void)why;
	for (const char *p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return -1;
	return *v == '\0' ? -1 : replace_str(field(o, cfg), v);
}

static int set_host_name(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	(void)why;
	return aa_lsearch_is_name(v) ? replace_str(field(o, cfg), v) : -1;
}

static int set_egress(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	char **dst = field(o, cfg), *first, *second;

	if (aa_route_parse_egress(v, &first, &second, why) < 0)
		return -1;
	free(dst[0]);
	free(dst[1]);
	dst[0] = first;
	dst[1] = second;
	return 0;
}

static int set_host_list(const struct aa_option *o, struct aa_config *cfg, const char *v, const char **why)
{
	struct aa_hostnets **dst = field(o, cfg), *h;

	if (aa_hostnets_parse(v, &h, why) < 0)
		return -1;
	aa_hostnets_free(dst);
	*dst = h;
	return 0;
}

const struct aa_opt_type aa_opt_enum = { NULL, NULL, set_enum };
const struct aa_opt_type aa_opt_time_ms = { "*time*", "seconds, Ns or Nm, from 1s to 10m", set_time_ms };
const struct aa_opt_type aa_opt_time_s = { "*time*", "seconds, Ns or Nm, from 0 to a day", set_time_s };
const struct aa_opt_type aa_opt_time_days = { "*time*", "Nm, Nh or Nd, from 1m to 30d", set_time_days };
const struct aa_opt_type aa_opt_count = { "*n*", NULL, set_count };
const struct aa_opt_type aa_opt_status = { "*5.x.y*", "a permanent status 5.x.y, e.g. 5.7.1", set_status };
const struct aa_opt_type aa_opt_path = { "*path*", NULL, set_path };
const struct aa_opt_type aa_opt_token = { "*name*", "letters, digits, '.' and '-'", set_token };
const struct aa_opt_type aa_opt_text = { "*text*", "printable ASCII text", set_text };
const struct aa_opt_type aa_opt_host_name = { "*name*", "a host name", set_host_name };
const struct aa_opt_type aa_opt_egress = { "*address*[,*address*]",
	"an IPv4 or IPv6 address, or one of each", set_egress };
const struct aa_opt_type aa_opt_host_list = { "*address*[/*bits*] ...",
	"IPv4 or IPv6 addresses or networks", set_host_list };

const char *aa_option_expects(const struct aa_option *o, char *buf, size_t len)
{
	if (o->type->form != NULL)
		return o->type->form;
	if (o->names != NULL)
		return aa_names_list(o->names, ", ", " or ", buf, len);
	if (o->max > 0) {
		snprintf(buf, len, "1 to %u", o->max);
		return buf;
	}
	return NULL;
}
