/* domain.c - checking, folding and cutting domain names for DMARC. */
#include <string.h>
#include "dmarc_int.h"

static int byte_ok(unsigned char c, enum aa_name_rule rule)
{
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
		return 1;
	return rule == AA_NAME_LOOSE && c >= 0x80;
}

/* One label of dst[0..len): length and, for LDH, no hyphen at either end. */
static int label_ok(const char *l, size_t len, enum aa_name_rule rule)
{
	if (len == 0 || len > AA_LABEL_MAX)
		return 0;
	if (rule == AA_NAME_LDH && (l[0] == '-' || l[len - 1] == '-'))
		return 0;
	return 1;
}

char *aa_domain_norm(struct aa_arena *arena, const char *s, size_t len, enum aa_name_rule rule)
{
	char *d;
	size_t start = 0;

	if (s == NULL)
		return NULL;
	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > AA_DOMAIN_MAX)
		return NULL;
	d = aa_arena_strndup(arena, s, len);
	if (d == NULL)
		return NULL;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (i == len || c == '.') {
			if (!label_ok(d + start, i - start, rule))
				return NULL;
			start = i + 1;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			d[i] = (char)(c - 'A' + 'a');
		else if (!byte_ok(c, rule))
			return NULL;
	}
	return d;
}

size_t aa_domain_labels(const char *domain)
{
	size_t n = 1;

	for (const char *p = domain; *p != '\0'; p++)
		n += *p == '.';
	return n;
}

const char *aa_domain_strip(const char *domain, size_t n)
{
	const char *p = domain;

	for (size_t i = 0; i < n; i++) {
		p = strchr(p, '.');
		if (p == NULL)
			return NULL;
		p++;
	}
	return p;
}

const char *aa_domain_tail(const char *domain, size_t n)
{
	size_t have = aa_domain_labels(domain);

	if (n >= have)
		return domain;
	return aa_domain_strip(domain, have - n);
}

int aa_domain_within(const char *sub, const char *parent)
{
	size_t ls = strlen(sub), lp = strlen(parent);

	if (ls == lp)
		return strcmp(sub, parent) == 0;
	if (ls < lp + 1)
		return 0;
	return sub[ls - lp - 1] == '.' && strcmp(sub + ls - lp, parent) == 0;
}
