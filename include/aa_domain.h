/* aa_domain.h - domain names as DMARC, outbound and the From reader use them:
 * checked (LDH, or Unicode mapped to A-labels by UTS #46), lower-cased,
 * counted, cut and compared label by label (core/lib/domain.c).
 *
 * Part of the toolkit (core/lib/): it knows names, not DNS, DMARC or mail.
 */
#ifndef AA_DOMAIN_H
#define AA_DOMAIN_H

#include <stddef.h>
#include "aa_arena.h"
#include "aa_dns_name.h"

enum aa_name_rule {
	AA_NAME_LDH,		/* RFC 5321 4.1.2 sub-domain (letters, digits, inner
				 * hyphens) plus '_', which DNS names may hold */
	AA_NAME_LOOSE,		/* also UTF-8 bytes and outer hyphens (PSL input) */
	AA_NAME_IDNA,		/* an author domain: Unicode mapped to A-labels
				 * (UTS #46, libidn2), then AA_NAME_LDH */
};

/* A lower-cased copy of len bytes in the arena, one final dot removed,
 * in *d_r: AA_DNS_NAME_OK. Why not when it is not a domain under rule
 * (aa_dns_name_check(), or AA_DNS_NAME_BAD_IDNA). AA_DNS_NAME_NOMEM when
 * out of memory: never read as "not a domain". */
enum aa_dns_name_status aa_domain_norm(struct aa_arena *arena, const char *s, size_t len,
				       enum aa_name_rule rule, const char **d_r);

size_t aa_domain_labels(const char *domain);

/* The name with its first n labels removed (a pointer into domain), or
 * NULL when domain has n labels or fewer. */
const char *aa_domain_strip(const char *domain, size_t n);

/* The last n labels of domain (a pointer into domain). */
const char *aa_domain_tail(const char *domain, size_t n);

/* 1 when sub equals parent or lies below it (case already folded). */
int aa_domain_within(const char *sub, const char *parent);

#endif
