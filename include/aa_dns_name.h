/* aa_dns_name.h - the one check of a DNS name's text form, and the
 * RFC 1035 limits, defined here only.
 *
 * Every place that decides whether some text is a domain name (a name to
 * ask the resolver, a DKIM d= or s=, the SPF check_host() domain, an
 * author domain, a table key, a setting) calls aa_dns_name_check() with
 * the flags that say how its rules differ; none keeps its own loop. It
 * knows nothing of lookups, IDNA or case folding (core/lib/domain.c maps and
 * folds, then calls it).
 */
#ifndef AA_DNS_NAME_H
#define AA_DNS_NAME_H

#include <stddef.h>

#define AA_DNS_NAME_MAX 253	/* RFC 1035 2.3.4: 255 octets on the wire is
				 * 253 in text form, without the root dot */
#define AA_DNS_LABEL_MAX 63	/* RFC 1035 2.3.4 */

/* What a name may hold beyond the default: letters, digits and '-',
 * labels of 1..63 octets separated by single dots, at most 253 octets,
 * no dot at either end. */
enum aa_dns_name_flag {
	/* One final '.' (the root) is allowed and not counted. */
	AA_DNS_NAME_ROOT_DOT = 1 << 0,
	/* '_' in a label: owner names such as _dmarc.example and DKIM
	 * selectors (RFC 8552; RFC 2181 11 lets a label hold any octet). */
	AA_DNS_NAME_UNDERSCORE = 1 << 1,
	/* Any printable ASCII byte, space included (0x20..0x7e), in a
	 * label: a name made by SPF macro expansion (RFC 7208 7.1) that is
	 * still asked as it is. Implies '_'. */
	AA_DNS_NAME_PRINTABLE = 1 << 2,
	/* Bytes 0x80..0xff in a label (UTF-8 kept as it is: the Public
	 * Suffix List's own input, RFC 6532 text before IDNA). */
	AA_DNS_NAME_8BIT = 1 << 3,
	/* No label begins or ends with '-' (RFC 5321 4.1.2 sub-domain,
	 * the host name rule of RFC 1123 2.1). */
	AA_DNS_NAME_NO_EDGE_HYPHEN = 1 << 4,
	/* At least two labels (a fully qualified name). SPF's further rule
	 * for the last label (RFC 7208 toplabel) belongs to its record
	 * grammar and stays in core/spf/spf_client.c. */
	AA_DNS_NAME_DOTTED = 1 << 5,
};

enum aa_dns_name_status {
	AA_DNS_NAME_OK = 0,
	AA_DNS_NAME_EMPTY,		/* no octets (or the root dot alone) */
	AA_DNS_NAME_TOO_LONG,		/* over AA_DNS_NAME_MAX */
	AA_DNS_NAME_EMPTY_LABEL,	/* a dot at an end, or two together */
	AA_DNS_NAME_LONG_LABEL,		/* a label over AA_DNS_LABEL_MAX */
	AA_DNS_NAME_BAD_BYTE,		/* a byte the flags do not allow (NUL too) */
	AA_DNS_NAME_EDGE_HYPHEN,	/* a label begins or ends with '-' */
	AA_DNS_NAME_ONE_LABEL,		/* AA_DNS_NAME_DOTTED and no dot */
	/* only from aa_domain_norm(), which maps and allocates: */
	AA_DNS_NAME_BAD_IDNA,		/* Unicode that UTS #46 cannot map */
	AA_DNS_NAME_NOMEM,		/* out of memory: never "invalid" */
};

/* Check len bytes of s (NUL bytes are bytes: never the end) under flags
 * (enum aa_dns_name_flag, or'ed). Returns AA_DNS_NAME_OK or why not;
 * never AA_DNS_NAME_BAD_IDNA or AA_DNS_NAME_NOMEM. */
enum aa_dns_name_status aa_dns_name_check(const char *s, size_t len, unsigned flags);

/* A short English phrase for a status ("a label over 63 octets"). */
const char *aa_dns_name_why(enum aa_dns_name_status status);

#endif
