/* owner.c - does the submitter own the From domain (aa_owner.h).
 *
 * The owners file is a hash-indexed table (aa_table.h), read again only
 * when it changes: cPanel's /etc/userdomains has one line per hosted
 * domain, tens of thousands on a big host. The trusted host list is a short array of networks.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_ctx.h"
#include "aa_lsearch.h"
#include "aa_owner.h"
#include "aa_table.h"

#define OWNERS_ENTRIES_MAX 1000000	/* a very big shared host has some 100,000 */
#define OWNERS_PER_DOMAIN_MAX 64
#define OWNER_NAME_MAX 255		/* an AUTH id or a login */
#define HOSTNETS_MAX 256

struct owner_entry {
	const char *key;	/* lower case: "b.example" or "*.b.example" (the table's) */
	char **names;		/* NULL-terminated; one malloc() with the strings */
	unsigned line;		/* in the owners file, for errors */
};

struct aa_owners {
	struct aa_table *t;	/* records: struct owner_entry */
};

struct hostnet {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};

struct aa_hostnets {
	struct hostnet v[HOSTNETS_MAX];
	size_t n;
};

/* ---- the owners file ---- */

static void entry_clear(void *rec)
{
	free(((struct owner_entry *)rec)->names);
}

void aa_owners_free(struct aa_owners **op)
{
	struct aa_owners *o = *op;

	if (o == NULL)
		return;
	aa_table_free(&o->t);
	free(o);
	*op = NULL;
}

size_t aa_owners_count(const struct aa_owners *o)
{
	return o != NULL ? aa_table_count(o->t) : 0;
}

int aa_owners_is_current(const struct aa_owners *o)
{
	return o == NULL || aa_table_is_current(o->t);
}

/* A login or an AUTH id: printable, no blank, and no ':' (a typo such as
 * "exa mple.com: alice" would otherwise read as key "exa", owner
 * "mple.com:"). */
static int name_ok(const char *s, size_t len)
{
	if (len == 0 || len > OWNER_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == ':')
			return 0;
	return 1;
}

/* The owner names of data ("user", "user1 user2", "a@b.example, c"), as
 * a NULL-terminated vector in one block. NULL with *why set on error. */
static char **names_parse(const char *data, const char **why)
{
	size_t len = strlen(data), n = 0;
	char **vec, *copy;

	*why = "out of memory";
	vec = malloc((OWNERS_PER_DOMAIN_MAX + 1) * sizeof(*vec) + len + 1);
	if (vec == NULL)
		return NULL;
	copy = (char *)(vec + OWNERS_PER_DOMAIN_MAX + 1);
	memcpy(copy, data, len + 1);
	for (char *p = copy; *p != '\0';) {
		size_t k;

		while (*p == ' ' || *p == '\t' || *p == ',')
			*p++ = '\0';
		if (*p == '\0')
			break;
		k = strcspn(p, " \t,");
		if (n >= OWNERS_PER_DOMAIN_MAX || !name_ok(p, k)) {
			*why = n >= OWNERS_PER_DOMAIN_MAX ? "too many owners" :
			       "an owner is a login or an AUTH id: printable, no spaces or ':', at most 255 bytes";
			free(vec);
			return NULL;
		}
		vec[n++] = p;
		p += k;
	}
	vec[n] = NULL;
	return vec;
}

static int owners_entry(void *arg, const char *file, unsigned line, char *key, char *data, char *err,
			size_t errlen)
{
	struct aa_table *t = arg;
	const struct owner_entry *seen;
	struct owner_entry *e;
	const char *why = "";
	char **names;

	if (!aa_lsearch_domain_key(key)) {
		aa_lsearch_err(err, errlen, file, line, "key \"%.64s\" is not a domain, *.domain or *", key);
		return -1;
	}
	if (strcmp(key, "*") == 0)
		return 0;	/* cPanel's "*: nobody": owning every domain is what trusted hosts are for */
	if (strchr(key, '.') == NULL) {
		aa_lsearch_err(err, errlen, file, line, "key \"%.64s\" is a single label, not a mail domain "
			       "(a space inside the domain?)", key);
		return -1;
	}
	if ((names = names_parse(data, &why)) == NULL) {
		aa_lsearch_err(err, errlen, file, line, "%s", why);
		return -1;
	}
	if ((seen = aa_table_find(t, key)) != NULL) {
		free(names);
		aa_lsearch_err(err, errlen, file, line, "key \"%.64s\" given twice (also at line %u)", key,
			       seen->line);
		return -1;
	}
	if (aa_table_count(t) >= OWNERS_ENTRIES_MAX || (e = aa_table_add(t, key)) == NULL) {
		free(names);
		aa_lsearch_err(err, errlen, file, line,
			       aa_table_count(t) >= OWNERS_ENTRIES_MAX ? "too many entries" : "out of memory");
		return -1;
	}
	e->names = names;
	e->line = line;
	return 0;
}

static const struct aa_table_kind owners_kind = {
	.rec_size = sizeof(struct owner_entry),
	.entry = owners_entry,
	.rec_free = entry_clear,
};

int aa_owners_load(const char *path, struct aa_owners **r, char *err, size_t errlen)
{
	/* the table pointer is the holder's first member */
	*r = aa_table_open_held(&owners_kind, path, sizeof(**r), err, errlen);
	return *r != NULL ? 0 : -1;
}

/* ---- trusted hosts ---- */

size_t aa_hostnets_count(const struct aa_hostnets *h)
{
	return h != NULL ? h->n : 0;
}

void aa_hostnets_free(struct aa_hostnets **h)
{
	free(*h);
	*h = NULL;
}

static int hostnet_parse(const char *s, size_t len, struct hostnet *net)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;
	unsigned long prefix;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(net, 0, sizeof(*net));
	if (inet_pton(AF_INET, buf, net->addr) == 1)
		net->family = AF_INET, net->prefix = 32;
	else if (inet_pton(AF_INET6, buf, net->addr) == 1)
		net->family = AF_INET6, net->prefix = 128;
	else
		return -1;
	if (slash != NULL) {
		if (!aa_is_digit((unsigned char)*slash))
			return -1;
		prefix = strtoul(slash, &end, 10);
		if (*end != '\0' || prefix > net->prefix)
			return -1;
		net->prefix = (unsigned)prefix;
	}
	return 0;
}

/* ::ffff:a.b.c.d(/n, n >= 96) is a.b.c.d(/n-96): Exim names an IPv4
 * client by its IPv4 address, however it was written. */
static void unmap(struct hostnet *net)
{
	if (net->family != AF_INET6 || net->prefix < 96 ||
	    memcmp(net->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) != 0)
		return;
	memmove(net->addr, net->addr + 12, 4);
	memset(net->addr + 4, 0, 12);
	net->family = AF_INET;
	net->prefix -= 96;
}

int aa_hostnets_parse(const char *v, struct aa_hostnets **r, const char **why_r)
{
	struct aa_hostnets *h = calloc(1, sizeof(*h));

	*r = NULL;
	*why_r = "out of memory";
	if (h == NULL)
		return -1;
	for (const char *p = v; *p != '\0';) {
		size_t k;

		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		k = strcspn(p, " \t,");
		if (h->n >= HOSTNETS_MAX || hostnet_parse(p, k, &h->v[h->n]) < 0) {
			*why_r = h->n >= HOSTNETS_MAX ? "too many networks" :
				 "an IPv4 or IPv6 address or network (a.b.c.d/n, x::/n), separated by white space or commas";
			free(h);
			return -1;
		}
		unmap(&h->v[h->n]);
		h->n++;
		p += k;
	}
	*r = h;
	return 0;
}

static int prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes) != 0)
		return 0;
	return rest == 0 || ((a[bytes] ^ b[bytes]) & (unsigned char)(0xff << (8 - rest))) == 0;
}

int aa_hostnets_match(const struct aa_hostnets *h, const char *ip)
{
	struct hostnet c;

	if (h == NULL || ip == NULL || hostnet_parse(ip, strlen(ip), &c) < 0 || c.prefix != (c.family == AF_INET ? 32u : 128u))
		return 0;
	unmap(&c);
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i].family == c.family && prefix_equal(h->v[i].addr, c.addr, h->v[i].prefix))
			return 1;
	return 0;
}

/* ---- the check ---- */

/* domain lower-cased into buf; 0 unless it is a plain DNS name. */
static int normal_name(const char *domain, char *buf, size_t buflen)
{
	size_t len = domain != NULL ? strlen(domain) : 0;

	if (len == 0 || len >= buflen)
		return 0;
	for (size_t i = 0; i <= len; i++)
		buf[i] = (char)aa_lower((unsigned char)domain[i]);
	return aa_lsearch_is_name(buf);
}

/* An owner name against an id: the part before '@' exactly, the domain
 * part case-insensitively. */
static int same_id(const char *name, const char *id)
{
	const char *na = strrchr(name, '@'), *ia = strrchr(id, '@');

	if ((na == NULL) != (ia == NULL))
		return 0;
	if (na == NULL)
		return strcmp(name, id) == 0;
	return na - name == ia - id && strncmp(name, id, (size_t)(na - name)) == 0 &&
	       strcasecmp(na + 1, ia + 1) == 0;
}

/* The domain of an AUTH id that is local@domain with exactly one '@' and
 * a local part; else NULL. An id such as "a@b.example@c.example" is split
 * differently by different auth backends (Dovecot at the first '@'), so
 * it owns no domain by the built-in rule. */
static const char *auth_domain(const char *id)
{
	const char *at = strchr(id, '@');

	if (at == NULL || at == id || strchr(at + 1, '@') != NULL)
		return NULL;
	return at + 1;
}

int aa_owner_of_all(const struct aa_hostnets *trusted, const struct aa_submitter *s, const char **why_r)
{
	*why_r = "no submitter";
	if (s == NULL)
		return 0;
	if (s->owns_all) {
		*why_r = "vouched for by the caller";
		return 1;
	}
	if (s->host != NULL && aa_hostnets_match(trusted, s->host)) {
		*why_r = "trusted host (outbound_trusted_hosts)";
		return 1;
	}
	return 0;
}

int aa_owner_check(const struct aa_owners *o, const struct aa_hostnets *trusted,
		   const struct aa_submitter *s, const char *domain, const char **why_r)
{
	char name[AA_LSEARCH_KEY_MAX + 1];
	const struct owner_entry *e;
	const char *at;
	int has_auth = s != NULL && s->auth_id != NULL && s->auth_id[0] != '\0';

	if (s == NULL || aa_owner_of_all(trusted, s, why_r))
		return s != NULL;
	if (!normal_name(domain, name, sizeof(name))) {
		*why_r = "the From domain is not a plain DNS name";
		return 0;
	}
	if (has_auth && (at = auth_domain(s->auth_id)) != NULL && strcasecmp(at, name) == 0) {
		*why_r = "AUTH id in the domain";
		return 1;
	}
	e = o != NULL ? aa_table_best(o->t, name) : NULL;
	for (size_t i = 0; e != NULL && e->names[i] != NULL; i++) {
		const char *n = e->names[i];

		if ((has_auth && same_id(n, s->auth_id)) ||
		    (s->local && s->login != NULL && strchr(n, '@') == NULL && strcmp(n, s->login) == 0)) {
			*why_r = e->key[0] == '*' ? "owners file (subdomain entry)" : "owners file";
			return 1;
		}
	}
	*why_r = e != NULL ? "the owners file names others for it" :
		 o != NULL ? "not in the owners file" : "no outbound_owners_file, and no built-in rule applies";
	return 0;
}

const char *aa_submitter_text(struct aa_ctx *ctx, const struct aa_submitter *s)
{
	const char *who;

	if (s == NULL)
		return "an unknown submitter";
	int other_id = s->auth_id != NULL && s->auth_id[0] != '\0' &&
		       (s->login == NULL || strcmp(s->auth_id, s->login) != 0);

	if (other_id && !s->local)
		who = aa_arena_printf(ctx->arena, "authenticated as %s", aa_escz(ctx, s->auth_id));
	else if (s->local) {
		who = s->login != NULL ?
		      aa_arena_printf(ctx->arena, "local user %s (uid %lu)", aa_escz(ctx, s->login), s->uid) :
		      aa_arena_printf(ctx->arena, "local uid %lu", s->uid);
		if (who != NULL && other_id)	/* -oMai of a trusted caller, or AUTH over -bs */
			who = aa_arena_printf(ctx->arena, "%s authenticated as %s", who, aa_escz(ctx, s->auth_id));
	} else
		who = aa_arena_printf(ctx->arena, "unauthenticated host %s", aa_escz(ctx, s->host != NULL ? s->host : "(unknown)"));
	return who;	/* NULL: no memory, never a stand-in that reads as a submitter */
}
