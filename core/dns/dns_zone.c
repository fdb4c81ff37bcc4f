/* dns_zone.c - the fixed zone: DNS answers from a text file, no network.
 *
 * Unit tests, the conformance drivers and the offline tool (authalign
 * --zone) answer every question from records loaded here, in the
 * format aa_dns.h describes; the records live as long as the dns.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_arena.h"
#include "aa_dns.h"
#include "aa_dns_name.h"
#include "aa_lsearch.h"
#include "dns_int.h"

#define DNS_ZONE_LINE_MAX 16384

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
	} else if (aa_dns_type_parse(tword, &z->type) < 0) {
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


int aa_dns_zone_load(struct aa_dns *dns, const char *path, const char **err_r)
{
	char openerr[16];
	FILE *f = aa_lsearch_open(path, openerr, sizeof(openerr));
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

void aa_dns_zone_lookup(struct aa_dns *dns, const char *key, enum aa_dns_type type,
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
			aa_dns_answer_clear(out);
			out->status = AA_DNS_TEMPFAIL;
			return;
		}
		out->count++;
	}
	out->status = AA_DNS_OK;
}

void aa_dns_zone_free(struct aa_dns *dns)
{
	for (struct zone_rec *z = dns->zone; z != NULL;) {
		struct zone_rec *next = z->next;

		free(z->rr.text);
		free(z->name);
		free(z);
		z = next;
	}
	dns->zone = NULL;
}
