/* domain.c - checking, folding and cutting domain names (aa_domain.h), for
 * the From reader, DMARC and the outbound settings.
 *
 * An author domain may be written in Unicode (RFC 6532): it is mapped to
 * A-labels the way IDNA/UTS #46 does (libidn2, non-transitional: so
 * "victim<U+FF0E>test", with a fullwidth full stop, is victim.test) and
 * then judged as that name. What cannot be mapped is not a domain, and
 * neither is a name that is not LDH (plus '_') afterwards; the name
 * itself is judged by aa_dns_name_check().
 */
#include <idn2.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctype.h"
#include "aa_domain.h"

#define IDNA_INPUT_MAX 1024	/* bytes of a Unicode name handed to libidn2 */

/* Does the name need IDNA: a non-ASCII byte, or a label that claims to
 * be an A-label ("xn--", which libidn2 then checks)? */
static int needs_idna(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] >= 0x80)
			return 1;
		if ((i == 0 || s[i - 1] == '.') && len - i >= 4 &&
		    (s[i] == 'x' || s[i] == 'X') && (s[i + 1] == 'n' || s[i + 1] == 'N') &&
		    s[i + 2] == '-' && s[i + 3] == '-')
			return 1;
	}
	return 0;
}

/* The rule's flags for aa_dns_name_check(): AA_NAME_LDH is the RFC 5321
 * sub-domain plus '_'; AA_NAME_LOOSE also takes 8-bit bytes and a label
 * beginning or ending with '-' (the PSL's own input). */
static enum aa_dns_name_status norm_ascii(struct aa_arena *arena, const char *s, size_t len,
					  enum aa_name_rule rule, const char **d_r)
{
	unsigned flags = AA_DNS_NAME_ROOT_DOT | AA_DNS_NAME_UNDERSCORE |
			 (rule == AA_NAME_LOOSE ? AA_DNS_NAME_8BIT : AA_DNS_NAME_NO_EDGE_HYPHEN);
	enum aa_dns_name_status st = aa_dns_name_check(s, len, flags);
	char *d;

	if (st != AA_DNS_NAME_OK)
		return st;
	len -= s[len - 1] == '.';
	d = aa_arena_strndup(arena, s, len);
	if (d == NULL)
		return AA_DNS_NAME_NOMEM;
	for (size_t i = 0; i < len; i++)
		d[i] = (char)aa_lower((unsigned char)d[i]);
	*d_r = d;
	return AA_DNS_NAME_OK;
}

/* UTS #46 mapping to A-labels, then the LDH rule. */
static enum aa_dns_name_status norm_idna(struct aa_arena *arena, const char *s, size_t len,
					 const char **d_r)
{
	enum aa_dns_name_status st;
	char *in, *out = NULL;
	int rc;

	if (len > IDNA_INPUT_MAX)
		return AA_DNS_NAME_TOO_LONG;
	if (memchr(s, '\0', len) != NULL)
		return AA_DNS_NAME_BAD_BYTE;
	in = aa_arena_strndup(arena, s, len);
	if (in == NULL)
		return AA_DNS_NAME_NOMEM;
	rc = idn2_to_ascii_8z(in, &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
	if (rc == IDN2_MALLOC)
		return AA_DNS_NAME_NOMEM;
	if (rc != IDN2_OK || out == NULL) {
		free(out);
		return AA_DNS_NAME_BAD_IDNA;
	}
	st = norm_ascii(arena, out, strlen(out), AA_NAME_LDH, d_r);	/* ASCII by now */
	free(out);
	return st;
}

enum aa_dns_name_status aa_domain_norm(struct aa_arena *arena, const char *s, size_t len,
				       enum aa_name_rule rule, const char **d_r)
{
	*d_r = NULL;
	if (s == NULL)
		return AA_DNS_NAME_EMPTY;
	if (rule == AA_NAME_IDNA && needs_idna(s, len))
		return norm_idna(arena, s, len, d_r);
	return norm_ascii(arena, s, len, rule, d_r);
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
