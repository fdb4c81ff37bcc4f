/* dns.c - bounded, cached DNS questions: system resolver or fixed zone.
 *
 * Answers live in the message's arena (or the dns's own one), so every
 * answer handed out stays valid until the message ends, however many
 * questions come after it. Each message (SMTP transaction) also has a
 * time budget: the time spent waiting for the back end is summed, and
 * once it reaches the budget no further question is sent.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <resolv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "aa_ctype.h"
#include "aa_arena.h"
#include "aa_dns.h"
#include "aa_dns_name.h"
#include "aa_names.h"
#include "dns_int.h"

#define DNS_ANSWER_MAX 65536		/* largest TCP answer */
#define DNS_RR_MAX 64			/* records kept per answer */
#define DNS_ZONE_LINE_MAX 16384

struct cache_entry {
	struct cache_entry *next;
	char *name;
	enum aa_dns_type type;
	struct aa_dns_answer answer;
};

struct zone_rec {
	struct zone_rec *next;
	char *name;
	enum aa_dns_type type;		/* 0 with fail set: every type */
	enum aa_dns_status fail;	/* AA_DNS_OK: a record */
	struct aa_dns_rr rr;
};

struct aa_dns {
	struct aa_dns_config config;
	int use_zone;
	struct zone_rec *zone;
	struct __res_state res;
	int res_ready;
	/* answers and cache entries: the message's arena, or own_arena */
	struct aa_arena *arena;
	struct aa_arena *own_arena;
	struct cache_entry *cache;
	unsigned cache_count;
	unsigned long queries;
	/* the time budget of the current message */
	uint64_t spent_ms;
	int budget_out;
	aa_dns_clock_fn *clock;
	void *clock_arg;
	struct aa_dns_answer tempfail_answer;
	struct aa_dns_answer badname_answer;
};

static const struct aa_dns_config default_config = {
	.timeout_ms = 2000,
	.tries = 2,
	.budget_ms = AA_DNS_BUDGET_DEFAULT_MS,
	.zone_file = NULL,
};

static uint64_t clock_monotonic_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const struct aa_name status_words[] = {
	{ "ok", AA_DNS_OK }, { "nxdomain", AA_DNS_NXDOMAIN }, { "nodata", AA_DNS_NODATA },
	{ "tempfail", AA_DNS_TEMPFAIL }, { "malformed", AA_DNS_MALFORMED },
	{ "badname", AA_DNS_BADNAME },
};
static const struct aa_names status_names = {
	status_words, sizeof(status_words) / sizeof(status_words[0]),
};

static const struct aa_name type_words[] = {
	{ "A", AA_DNS_A }, { "CNAME", AA_DNS_CNAME }, { "PTR", AA_DNS_PTR },
	{ "MX", AA_DNS_MX }, { "TXT", AA_DNS_TXT }, { "AAAA", AA_DNS_AAAA },
};
static const struct aa_names type_names = {
	type_words, sizeof(type_words) / sizeof(type_words[0]),
};

const char *aa_dns_status_name(enum aa_dns_status s)
{
	return aa_names_name(&status_names, (int)s, "tempfail");
}

const char *aa_dns_type_name(enum aa_dns_type t)
{
	return aa_names_name(&type_names, (int)t, "?");
}

/* a zone file's type word, any case ("txt" as "TXT") */
static int type_parse(const char *word, enum aa_dns_type *t)
{
	int value;

	if (aa_names_parse_n(&type_names, word, strlen(word), AA_NAMES_ICASE, &value) < 0)
		return -1;
	*t = (enum aa_dns_type)value;
	return 0;
}

/* A name we are willing to ask. A label may hold any octet (RFC 2181
 * 11), but we send only printable ASCII, space included (0x20..0x7e):
 * SPF macros make names with spaces and '%' (RFC 7208 7.1), while
 * control bytes, DEL and 8-bit bytes have no use in a name we look up.
 * '.' always separates labels; '\' is an ordinary octet
 * (aa_dns_escape_name() keeps the resolver from reading it). */
#define DNS_ASKABLE (AA_DNS_NAME_ROOT_DOT | AA_DNS_NAME_PRINTABLE)

int aa_dns_escape_name(const char *name, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		size_t need = n + (name[i] == '\\' ? 2 : 1) + 1;

		if (need > size)
			return -1;
		if (name[i] == '\\')
			buf[n++] = '\\';
		buf[n++] = name[i];
	}
	if (n + 1 > size)
		return -1;
	buf[n] = '\0';
	return 0;
}

int aa_dns_unpack_name(const unsigned char *msg, const unsigned char *eom,
		       const unsigned char *src, char *buf, size_t size)
{
	unsigned char wire[NS_MAXCDNAME];
	size_t n = 0;

	if (size == 0 || ns_name_unpack(msg, eom, src, wire, sizeof(wire)) < 0)
		return -1;
	/* ns_name_unpack() leaves plain labels of at most 63 octets */
	for (const unsigned char *w = wire; *w != 0; w += 1 + *w) {
		if (n + (n > 0) + *w + 1 > size)
			return -1;
		if (n > 0)
			buf[n++] = '.';
		for (unsigned i = 1; i <= *w; i++) {
			if (w[i] == '.' || w[i] == '\0')
				return -1;
			buf[n++] = (char)w[i];
		}
	}
	buf[n] = '\0';
	return 0;
}

static char *name_key(const char *name, size_t len)
{
	char *k = malloc(len + 1);

	if (k == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		k[i] = (char)aa_lower((unsigned char)name[i]);
	k[len] = '\0';
	return k;
}

/* Drop what an answer holds (its memory stays in the arena until the
 * message ends). */
static void answer_clear(struct aa_dns_answer *a)
{
	a->rr = NULL;
	a->count = 0;
}

static int rr_copy(struct aa_dns *dns, struct aa_dns_rr *dst, const struct aa_dns_rr *src)
{
	*dst = *src;
	dst->text = NULL;
	if (src->text != NULL) {
		dst->text = aa_arena_alloc(dns->arena, src->text_len + 1);
		if (dst->text == NULL)
			return -1;
		memcpy(dst->text, src->text, src->text_len + 1);
	}
	return 0;
}

/* ---- the fixed zone ---- */

static int zone_parse_txt(const char *p, char **text_r, size_t *len_r, unsigned *chunks_r)
{
	size_t cap = strlen(p) + 1, n = 0;
	char *out = malloc(cap);
	unsigned chunks = 0;

	if (out == NULL)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '"') {
		n = strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		memcpy(out, p, n);
		chunks = 1;
	} else {
		while (*p == '"') {
			p++;
			chunks++;
			while (*p != '"') {
				if (*p == '\0')
					goto bad;
				if (*p == '\\') {
					p++;
					if (aa_is_digit((unsigned char)p[0]) && aa_is_digit((unsigned char)p[1]) &&
					    aa_is_digit((unsigned char)p[2])) {
						int v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
						if (v > 255)
							goto bad;
						out[n++] = (char)v;
						p += 3;
						continue;
					}
					if (*p == '\0')
						goto bad;
				}
				out[n++] = *p++;
			}
			p++;
			while (*p == ' ' || *p == '\t')
				p++;
		}
		if (*p != '\0')
			goto bad;
	}
	out[n] = '\0';
	*text_r = out;
	*len_r = n;
	*chunks_r = chunks;
	return 0;
bad:
	free(out);
	return -1;
}

/* One name field of a zone line, up to a blank: \DDD (001..255) and \\
 * give that octet, a final '.' is dropped. An escaped '.' is refused (a
 * '.' always separates labels here), and so are NUL and any other '\'.
 * Returns the length put in out (NUL-terminated), or -1. */
static int zone_name(const char **pp, char *out, size_t size)
{
	const char *p = *pp;
	size_t n = 0;

	while (*p != '\0' && *p != ' ' && *p != '\t') {
		unsigned char c = (unsigned char)*p++;

		if (c == '\\' && *p == '\\') {
			p++;
		} else if (c == '\\') {
			int v;

			if (!aa_is_digit((unsigned char)p[0]) || !aa_is_digit((unsigned char)p[1]) ||
			    !aa_is_digit((unsigned char)p[2]))
				return -1;
			v = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
			if (v == 0 || v == '.' || v > 255)
				return -1;
			c = (unsigned char)v;
			p += 3;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = (char)c;
	}
	if (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	*pp = p;
	return (int)n;
}

int aa_dns_zone_add_line(struct aa_dns *dns, const char *line)
{
	char name[AA_DNS_NAME_MAX + 2], tword[16];
	const char *p = line;
	size_t tlen = 0;
	struct zone_rec *z;
	int nlen;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\0' || *p == '\n')
		return 0;
	nlen = zone_name(&p, name, sizeof(name));
	if (nlen < 0)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	while (*p != '\0' && *p != ' ' && *p != '\t') {
		if (tlen >= sizeof(tword) - 1)
			return -1;
		tword[tlen++] = *p++;
	}
	tword[tlen] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (nlen == 0 || tlen == 0)
		return -1;

	z = calloc(1, sizeof(*z));
	if (z == NULL)
		return -1;
	z->name = name_key(name, (size_t)nlen);
	if (z->name == NULL)
		goto bad;
	if (strcasecmp(tword, "ANY") == 0) {
		z->type = 0;
	} else if (type_parse(tword, &z->type) < 0) {
		goto bad;
	}
	if (strncmp(p, "SERVFAIL", 8) == 0 || strncmp(p, "TIMEOUT", 7) == 0) {
		z->fail = AA_DNS_TEMPFAIL;
	} else if (z->type == 0) {
		goto bad;
	} else {
		z->rr.type = z->type;
		z->rr.ttl = 300;
		switch (z->type) {
		case AA_DNS_A:
			if (inet_pton(AF_INET, p, &z->rr.a) != 1)
				goto bad;
			break;
		case AA_DNS_AAAA:
			if (inet_pton(AF_INET6, p, &z->rr.aaaa) != 1)
				goto bad;
			break;
		case AA_DNS_MX: {
			char *end;
			unsigned long pref = strtoul(p, &end, 10);

			if (end == p || pref > 65535)
				goto bad;
			z->rr.pref = (unsigned short)pref;
			p = end;
			while (*p == ' ' || *p == '\t')
				p++;
		}
			/* FALLTHROUGH */
		case AA_DNS_PTR:
		case AA_DNS_CNAME: {
			int l = zone_name(&p, name, sizeof(name));

			if (l < 0)
				goto bad;
			z->rr.text = name_key(name, (size_t)l);
			if (z->rr.text == NULL)
				goto bad;
			z->rr.text_len = (size_t)l;
			break;
		}
		case AA_DNS_TXT:
			if (zone_parse_txt(p, &z->rr.text, &z->rr.text_len, &z->rr.chunks) < 0)
				goto bad;
			break;
		}
	}
	/* append, so records keep the file's order */
	struct zone_rec **tail = &dns->zone;
	while (*tail != NULL)
		tail = &(*tail)->next;
	*tail = z;
	return 0;
bad:
	free(z->rr.text);
	free(z->name);
	free(z);
	return -1;
}

static int zone_load(struct aa_dns *dns, const char *path, const char **err_r)
{
	FILE *f = fopen(path, "r");
	char line[DNS_ZONE_LINE_MAX];
	static char errbuf[64];
	unsigned lineno = 0;

	if (f == NULL) {
		*err_r = "cannot open the zone file";
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (aa_dns_zone_add_line(dns, line) < 0) {
			snprintf(errbuf, sizeof(errbuf), "zone file line %u is malformed", lineno);
			*err_r = errbuf;
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static void zone_lookup(struct aa_dns *dns, const char *key, enum aa_dns_type type,
			struct aa_dns_answer *out)
{
	int name_seen = 0;
	size_t n = 0;

	out->status = AA_DNS_NXDOMAIN;
	for (struct zone_rec *z = dns->zone; z != NULL; z = z->next) {
		if (strcmp(z->name, key) != 0)
			continue;
		name_seen = 1;
		if (z->fail != AA_DNS_OK && (z->type == 0 || z->type == type)) {
			out->status = z->fail;
			return;
		}
		if (z->type == type)
			n++;
	}
	if (!name_seen)
		return;
	out->status = AA_DNS_NODATA;
	if (n == 0)
		return;
	if (n > DNS_RR_MAX)
		n = DNS_RR_MAX;
	out->rr = aa_arena_alloc(dns->arena, n * sizeof(*out->rr));
	if (out->rr == NULL) {
		out->status = AA_DNS_TEMPFAIL;
		return;
	}
	for (struct zone_rec *z = dns->zone; z != NULL && out->count < n; z = z->next) {
		if (strcmp(z->name, key) != 0 || z->type != type || z->fail != AA_DNS_OK)
			continue;
		if (rr_copy(dns, &out->rr[out->count], &z->rr) < 0) {
			answer_clear(out);
			out->status = AA_DNS_TEMPFAIL;
			return;
		}
		out->count++;
	}
	out->status = AA_DNS_OK;
}

/* ---- the system resolver ---- */

static int res_prepare(struct aa_dns *dns)
{
	if (dns->res_ready)
		return 0;
	memset(&dns->res, 0, sizeof(dns->res));
	if (res_ninit(&dns->res) != 0)
		return -1;
	dns->res.retrans = (int)((dns->config.timeout_ms + 999) / 1000);
	if (dns->res.retrans < 1)
		dns->res.retrans = 1;
	dns->res.retry = (int)dns->config.tries;
	if (dns->res.retry < 1)
		dns->res.retry = 1;
	dns->res.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
	dns->res_ready = 1;
	return 0;
}

static int parse_rr(struct aa_dns *dns, const ns_msg *msg, const ns_rr *rr, struct aa_dns_rr *out)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr);
	char name[NS_MAXDNAME];

	out->type = (enum aa_dns_type)ns_rr_type(*rr);
	out->ttl = ns_rr_ttl(*rr);
	switch (out->type) {
	case AA_DNS_A:
		if (rdlen != 4)
			return -1;
		memcpy(&out->a, rd, 4);
		return 0;
	case AA_DNS_AAAA:
		if (rdlen != 16)
			return -1;
		memcpy(&out->aaaa, rd, 16);
		return 0;
	case AA_DNS_MX:
		if (rdlen < 3)
			return -1;
		out->pref = (unsigned short)((rd[0] << 8) | rd[1]);
		rd += 2;
		/* FALLTHROUGH */
	case AA_DNS_PTR:
	case AA_DNS_CNAME:
		if (aa_dns_unpack_name(ns_msg_base(*msg), ns_msg_end(*msg), rd, name,
				       sizeof(name)) < 0)
			return -1;
		out->text_len = strlen(name);
		out->text = aa_arena_strndup(dns->arena, name, out->text_len);
		return out->text == NULL ? -1 : 0;
	case AA_DNS_TXT: {
		/* every character-string must lie inside rdata (RFC 1035 3.3.14) */
		size_t pos = 0, n = 0;

		out->text = aa_arena_alloc(dns->arena, rdlen + 1);
		if (out->text == NULL)
			return -1;
		while (pos < rdlen) {
			size_t l = rd[pos++];

			if (l > rdlen - pos) {
				out->text = NULL;
				return -1;
			}
			memcpy(out->text + n, rd + pos, l);
			n += l;
			pos += l;
			out->chunks++;
		}
		out->text[n] = '\0';
		out->text_len = n;
		return 0;
	}
	}
	return -1;
}

/* Time per try and tries for the next question: the settings, cut down
 * so that one question cannot run far past what is left of the budget
 * (the resolver counts whole seconds, so it may overrun by less than one). */
static void res_limit(struct aa_dns *dns, uint64_t left_ms)
{
	uint64_t per_try = dns->config.timeout_ms, tries = dns->config.tries;

	if (per_try > left_ms)
		per_try = left_ms;
	if (per_try > 0 && per_try * tries > left_ms)
		tries = left_ms / per_try;
	if (tries < 1)
		tries = 1;
	dns->res.retrans = (int)((per_try + 999) / 1000);
	if (dns->res.retrans < 1)
		dns->res.retrans = 1;
	dns->res.retry = (int)tries;
}

int aa_dns_parse_answer(struct aa_dns *dns, const unsigned char *buf, size_t len,
			enum aa_dns_type type, struct aa_dns_answer *out)
{
	ns_msg msg;
	int count;

	out->status = AA_DNS_TEMPFAIL;
	if (len > DNS_ANSWER_MAX || ns_initparse(buf, (int)len, &msg) < 0) {
		out->status = AA_DNS_MALFORMED;
		return -1;
	}
	if (ns_msg_getflag(msg, ns_f_tc)) {
		out->status = AA_DNS_TEMPFAIL;	/* truncated even after TCP */
		return -1;
	}
	count = ns_msg_count(msg, ns_s_an);
	out->rr = aa_arena_alloc(dns->arena, (size_t)(count > DNS_RR_MAX ? DNS_RR_MAX : (count > 0 ? count : 1)) *
				 sizeof(*out->rr));
	if (out->rr == NULL)
		return -1;
	for (int i = 0; i < count && out->count < DNS_RR_MAX; i++) {
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
			answer_clear(out);
			out->status = AA_DNS_MALFORMED;
			return -1;
		}
		if (ns_rr_class(rr) != ns_c_in || (int)ns_rr_type(rr) != (int)type)
			continue;	/* CNAME chain links and strays */
		if (parse_rr(dns, &msg, &rr, &out->rr[out->count]) < 0) {
			answer_clear(out);
			out->status = AA_DNS_MALFORMED;
			return -1;
		}
		out->count++;
	}
	out->status = out->count > 0 ? AA_DNS_OK : AA_DNS_NODATA;
	return 0;
}

static void resolver_lookup(struct aa_dns *dns, const char *name, enum aa_dns_type type,
			    uint64_t left_ms, struct aa_dns_answer *out)
{
	char text[2 * AA_DNS_NAME_MAX + 1];
	unsigned char *buf;
	int len;

	out->status = AA_DNS_TEMPFAIL;
	if (aa_dns_escape_name(name, strlen(name), text, sizeof(text)) < 0 ||
	    res_prepare(dns) < 0)
		return;
	res_limit(dns, left_ms);
	buf = malloc(DNS_ANSWER_MAX);
	if (buf == NULL)
		return;
	len = res_nquery(&dns->res, text, ns_c_in, (int)type, buf, DNS_ANSWER_MAX);
	if (len < 0) {
		switch (dns->res.res_h_errno) {
		case HOST_NOT_FOUND:
			out->status = AA_DNS_NXDOMAIN;
			break;
		case NO_DATA:
			out->status = AA_DNS_NODATA;
			break;
		default:	/* TRY_AGAIN, NO_RECOVERY, timeouts */
			out->status = AA_DNS_TEMPFAIL;
			break;
		}
		free(buf);
		return;
	}
	aa_dns_parse_answer(dns, buf, (size_t)len, type, out);
	free(buf);
}

/* ---- the common front ---- */

struct aa_dns *aa_dns_new(const struct aa_dns_config *config, const char **err_r)
{
	struct aa_dns *dns = calloc(1, sizeof(*dns));
	const char *err = "out of memory";

	if (dns == NULL)
		goto fail;
	dns->config = config != NULL ? *config : default_config;
	if (dns->config.timeout_ms == 0)
		dns->config.timeout_ms = default_config.timeout_ms;
	if (dns->config.tries == 0)
		dns->config.tries = default_config.tries;
	if (dns->config.budget_ms == 0)
		dns->config.budget_ms = default_config.budget_ms;
	dns->clock = clock_monotonic_ms;
	dns->tempfail_answer.status = AA_DNS_TEMPFAIL;
	dns->badname_answer.status = AA_DNS_BADNAME;
	dns->own_arena = aa_arena_new();
	if (dns->own_arena == NULL) {
		aa_dns_free(&dns);
		goto fail;
	}
	dns->arena = dns->own_arena;
	if (dns->config.zone_file != NULL) {
		dns->use_zone = 1;
		if (zone_load(dns, dns->config.zone_file, &err) < 0) {
			aa_dns_free(&dns);
			goto fail;
		}
		dns->config.zone_file = NULL;	/* do not keep the caller's string */
	}
	return dns;
fail:
	if (err_r != NULL)
		*err_r = err;
	return NULL;
}

struct aa_dns *aa_dns_new_zone(void)
{
	struct aa_dns *dns = aa_dns_new(NULL, NULL);

	if (dns != NULL)
		dns->use_zone = 1;
	return dns;
}

void aa_dns_set_arena(struct aa_dns *dns, struct aa_arena *arena)
{
	aa_dns_flush(dns);
	dns->arena = arena != NULL ? arena : dns->own_arena;
}

void aa_dns_flush(struct aa_dns *dns)
{
	dns->cache = NULL;
	dns->cache_count = 0;
	if (dns->arena == dns->own_arena)
		aa_arena_reset(dns->own_arena);
}

void aa_dns_free(struct aa_dns **dnsp)
{
	struct aa_dns *dns = *dnsp;

	if (dns == NULL)
		return;
	for (struct zone_rec *z = dns->zone; z != NULL;) {
		struct zone_rec *next = z->next;

		free(z->rr.text);
		free(z->name);
		free(z);
		z = next;
	}
	if (dns->res_ready)
		res_nclose(&dns->res);
	aa_arena_free(&dns->own_arena);
	free(dns);
	*dnsp = NULL;
}

void aa_dns_budget_restart(struct aa_dns *dns)
{
	dns->spent_ms = 0;
	dns->budget_out = 0;
}

int aa_dns_budget_exhausted(const struct aa_dns *dns)
{
	return dns->budget_out;
}

unsigned aa_dns_budget_ms(const struct aa_dns *dns)
{
	return dns->config.budget_ms;
}

void aa_dns_set_clock(struct aa_dns *dns, aa_dns_clock_fn *fn, void *arg)
{
	dns->clock = fn != NULL ? fn : clock_monotonic_ms;
	dns->clock_arg = arg;
}

static struct cache_entry *cache_find(struct aa_dns *dns, const char *key, enum aa_dns_type type)
{
	for (struct cache_entry *c = dns->cache; c != NULL; c = c->next)
		if (c->type == type && strcmp(c->name, key) == 0)
			return c;
	return NULL;
}

const struct aa_dns_answer *aa_dns_lookup(struct aa_dns *dns, const char *name,
					  enum aa_dns_type type)
{
	char key[AA_DNS_NAME_MAX + 1];
	struct cache_entry *c;
	uint64_t start, end;
	size_t len;

	if (name == NULL)
		return &dns->badname_answer;
	len = strlen(name);
	if (aa_dns_name_check(name, len, DNS_ASKABLE) != AA_DNS_NAME_OK)
		return &dns->badname_answer;
	len -= name[len - 1] == '.';
	for (size_t i = 0; i < len; i++)
		key[i] = (char)aa_lower((unsigned char)name[i]);
	key[len] = '\0';
	c = cache_find(dns, key, type);
	if (c != NULL)
		return &c->answer;
	if (dns->spent_ms >= dns->config.budget_ms) {
		dns->budget_out = 1;	/* RFC 7208 4.6.4: an overall limit */
		return &dns->tempfail_answer;
	}
	c = aa_arena_alloc(dns->arena, sizeof(*c));
	if (c == NULL || (c->name = aa_arena_strndup(dns->arena, key, len)) == NULL)
		return &dns->tempfail_answer;
	c->type = type;
	c->answer.type = type;
	dns->queries++;
	start = dns->clock(dns->clock_arg);
	if (dns->use_zone)
		zone_lookup(dns, c->name, type, &c->answer);
	else
		resolver_lookup(dns, c->name, type, dns->config.budget_ms - dns->spent_ms, &c->answer);
	end = dns->clock(dns->clock_arg);
	dns->spent_ms += end > start ? end - start : 0;
	/* past the cap an answer is still kept (in the arena) but no longer
	 * indexed, so the search stays short */
	if (dns->cache_count < AA_DNS_CACHE_MAX) {
		c->next = dns->cache;
		dns->cache = c;
		dns->cache_count++;
	}
	return &c->answer;
}

unsigned long aa_dns_queries(const struct aa_dns *dns)
{
	return dns->queries;
}
