/* aa_from.h - the author of a message: its RFC 5322 From field(s) read into
 * the one domain DMARC judges, or the reason there is none (core/from/).
 *
 * It reads header fields and names; it knows nothing of DNS, SPF, DKIM or
 * policy, and an unreadable or ambiguous From is a status, never a domain.
 */
#ifndef AA_FROM_H
#define AA_FROM_H

#include <stddef.h>
#include "aa_ctx.h"

/* RFC 5322 3.6 asks for exactly one From field; RFC 9989 "Extract Author
 * Domain": a message whose author domain cannot be determined is not
 * eligible for a DMARC pass. Only OK and MULTIPLE_ADDRESSES name author
 * domains that are judged; every other status is "unreadable": DMARC
 * permerror, and a reject in enforce mode (from_unreadable). */
enum aa_from_status {
	AA_FROM_OK,			/* one field; every address has a valid domain,
					 * and it is the same one (RFC 9989: several
					 * authors of one domain are that domain) */
	AA_FROM_NONE,			/* no From field */
	AA_FROM_MULTIPLE_HEADERS,	/* several From fields */
	AA_FROM_MULTIPLE_ADDRESSES,	/* one field, fully read, 2 to
					 * AA_FROM_DOMAINS_MAX distinct valid domains */
	AA_FROM_MALFORMED,		/* not fully parseable: syntax, an element that is
					 * no mailbox with a domain, over the size caps */
	AA_FROM_BAD_DOMAIN,		/* a domain that is not a host name, even after
					 * mapping Unicode to A-labels (UTS #46) */
	AA_FROM_TOO_MANY,		/* more addresses or domains than are judged */
	AA_FROM_NOMEM,			/* out of memory: temperror, never a verdict */
};

/* Distinct From domains judged for one message (aa_dmarc_evaluate). */
#define AA_FROM_DOMAINS_MAX 8

struct aa_from {
	enum aa_from_status status;
	const char *domain;		/* lower case, A-labels, in the arena; NULL unless OK */
	size_t addresses;		/* addresses seen, with or without a domain */
	const char **domains;		/* distinct valid domains in the order seen (for
					 * an unreadable From: those it shows, also
					 * every "@domain" of a field that cannot be
					 * parsed; never a verdict's own, see
					 * aa_dmarc_result.shown) */
	size_t domain_count;		/* at most AA_FROM_DOMAINS_MAX + 1 */
	int truncated;			/* more fields, addresses or domains than
					 * were read: domains is incomplete */
	const char *reason;		/* why the status, for humans (static text) */
};

/* 1 when the status names no author domain that can be judged. */
int aa_from_unreadable(enum aa_from_status s);

/* Parse one From header value (after "From:"), len bytes, may be folded.
 * Returns 0, or -1 when out of memory (status NOMEM). */
int aa_from_parse(struct aa_ctx *ctx, const char *value, size_t len, struct aa_from *r);

/* Parse the values of all n From fields of a message (values[i] of
 * lens[i] bytes, after the colon): n == 0 gives NONE, n == 1 is
 * aa_from_parse, n > 1 gives MULTIPLE_HEADERS with the union of the
 * fields' domains. Returns 0, or -1 when out of memory (status NOMEM). */
int aa_from_parse_fields(struct aa_ctx *ctx, const char *const *values, const size_t *lens,
			 size_t n, struct aa_from *r);

/* The From fields among n whole header fields (name, colon, value, as
 * Exim keeps them), recognised as Exim does (aa_header_name_is), parsed
 * together. The Exim adapter passes its live header_list. */
int aa_from_read_fields(struct aa_ctx *ctx, const char *const *fields, const size_t *lens,
			size_t n, struct aa_from *r);

/* The same for a raw message: its header block cut as Exim cuts it
 * (aa_header_next). The command-line tool and the test drivers. */
int aa_from_read_message(struct aa_ctx *ctx, const char *msg, size_t len, struct aa_from *r);

const char *aa_from_status_name(enum aa_from_status s);

#endif
