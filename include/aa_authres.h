/* aa_authres.h - Authentication-Results (RFC 8601): ours out, forged ones found.
 *
 * Every untrusted string that reaches the header goes through one value
 * writer: a token stays as it is, anything else becomes a quoted-string
 * with quoted-pairs, and bytes outside printable ASCII are replaced.
 */
#ifndef AA_AUTHRES_H
#define AA_AUTHRES_H

#include <stddef.h>
#include "aa_ctx.h"
#include "aa_dkim.h"
#include "aa_dmarc.h"
#include "aa_spf.h"

struct aa_authres_input {
	const char *authserv_id;
	const struct aa_spf_result *spf_mailfrom;	/* NULL: not checked */
	const struct aa_spf_result *spf_helo;		/* NULL: not reported */
	const struct aa_dkim_result *dkim;		/* NULL: not checked */
	const struct aa_dmarc_result *dmarc;		/* NULL: not checked */
};

/* The header value (without "Authentication-Results:"), folded with
 * "\n\t" between results, in the arena. */
const char *aa_authres_build(struct aa_ctx *ctx, const struct aa_authres_input *in);

/* A whole header field "Name: value" (len bytes, may be folded): is it an
 * Authentication-Results field whose authserv-id is ours (case
 * insensitive, comments and an optional version allowed)? 1 yes, 0 no.
 * A field whose start cannot be parsed (an unclosed comment before the
 * id) counts as ours: removing a possible forgery is the safe side. */
int aa_authres_is_ours(const char *field, size_t len, const char *authserv_id);

/* Write a property value: token as is, otherwise a quoted-string. */
const char *aa_authres_value(struct aa_ctx *ctx, const char *s, size_t len);

#endif
