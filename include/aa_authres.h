/* aa_authres.h - Authentication-Results (RFC 8601): ours out, forged ones found.
 *
 * What it does: writes our header from the SPF, DKIM and DMARC results
 * (core/authres/authres.c); recognises a field that claims our
 * authserv-id (authres_ours.c); parses any field strictly or leniently
 * (authres_parse.c over the lexer authres_lex.c) and writes a parsed one
 * back in a canonical form (authres_format.c). Every untrusted string
 * that reaches a header goes through one value writer (authres_value.c):
 * a token stays as it is, anything else becomes a quoted-string with
 * quoted-pairs, and bytes outside printable ASCII are replaced.
 *
 * What it must not know: how the results were reached (libspf2,
 * libopendkim, libopendmarc, DNS), the settings (which upstream is
 * trusted, what a result makes happen: judge, config), and Exim (which
 * header is removed or added and how). It reads the result structs of
 * aa_spf.h, aa_dkim.h and aa_dmarc.h and nothing else of those modules.
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
 * "\n\t" between results, in the arena; NULL when out of memory. */
const char *aa_authres_build(struct aa_ctx *ctx, const struct aa_authres_input *in);

/* A whole header field "Name: value" (len bytes, may be folded): is it an
 * Authentication-Results field whose authserv-id is ours (case
 * insensitive, comments and an optional version allowed)? 1 yes, 0 no.
 * Read as a lenient reader would: white space that readers trim
 * (aa_header_space_len: vertical tab, form feed, Unicode spaces) may stand
 * before the colon, before the id, and inside its quotes around it.
 * A field whose start cannot be parsed (an unclosed comment before the
 * id) counts as ours: removing a possible forgery is the safe side. */
int aa_authres_is_ours(const char *field, size_t len, const char *authserv_id);

/* Write a property value (pvalue): as is when a strict parse reads it
 * back unquoted (aa_authres_pvalue_is_plain), otherwise a quoted-string. */
const char *aa_authres_value(struct aa_ctx *ctx, const char *s, size_t len);

/* Write an RFC 2045 value (authserv-id, reason): a token as is,
 * otherwise a quoted-string. */
const char *aa_authres_token_value(struct aa_ctx *ctx, const char *s, size_t len);

/* ---- reading fields (core/authres/authres_parse.c, authres_lex.c, authres_ours.c) ---- */

/* Caps on what one field may hold; going over one rejects the field. */
#define AA_AUTHRES_VALUE_MAX 65536	/* bytes in a field value */
#define AA_AUTHRES_ITEM_MAX 512		/* bytes in a token or quoted-string (aa_authres_value keeps 512) */
#define AA_AUTHRES_RESINFO_MAX 64	/* results in one field */
#define AA_AUTHRES_PROP_MAX 32		/* properties in one result */
#define AA_AUTHRES_COMMENT_DEPTH_MAX 8	/* nested comments (RFC 5322 3.2.2 sets none) */

enum aa_authres_mode {
	/* RFC 8601 2.2 as written: anything else rejects the field. */
	AA_AUTHRES_STRICT,
	/* For reading a trusted upstream's fields: empty results (";;", a
	 * trailing ";") are ignored; a result that does not parse, or words
	 * between the authserv-id and the first ";", are skipped to the next
	 * ";" and counted; keywords may hold any RFC 2045 token character but
	 * "."; a property may lack its ptype (ptype is then ""); a pvalue
	 * may be any run of printable bytes up to white space, "(" or ";".
	 * The authserv-id must still be there. */
	AA_AUTHRES_LENIENT,
};

struct aa_authres_prop {
	const char *ptype;		/* lower case; "" only in lenient mode */
	const char *property;		/* lower case */
	const char *value;		/* quotes and quoted-pairs undone */
};

struct aa_authres_resinfo {
	const char *method;		/* lower case */
	const char *method_version;	/* NULL: none given */
	const char *result;		/* lower case, as written (e.g. "hardfail") */
	const char *reason;		/* NULL: none given */
	size_t nprops;
	struct aa_authres_prop *props;
};

struct aa_authres_parsed {
	const char *authserv_id;	/* as written (case kept), quotes undone */
	const char *version;		/* NULL: none given */
	size_t count;			/* 0 for "none" */
	struct aa_authres_resinfo *r;
	size_t skipped;			/* lenient: results (or words) left out */
};

/* Parse a field value (without "Authentication-Results:"), len bytes,
 * comments and folding allowed between all tokens. 1: parsed, *parsed_r
 * in the arena; 0: rejected, *err_r (if err_r) says why and where;
 * -1: out of memory. */
int aa_authres_parse(struct aa_ctx *ctx, const char *value, size_t len, enum aa_authres_mode mode,
		     struct aa_authres_parsed **parsed_r, const char **err_r);

/* If field (len bytes) is an "Authentication-Results:" field (name case
 * insensitive, white space a reader trims before the colon allowed:
 * aa_header_name_like), set *off_r to the first byte of its value and
 * return 1; otherwise 0. */
int aa_authres_field_value(const char *field, size_t len, size_t *off_r);

/* The authserv-id at the start of a value, compared with id (case
 * insensitive, quoted-pairs undone, white space a reader trims skipped
 * before it and cut from both ends of a quoted one): 1 it is id, 0 it is another one
 * or there is none, -1 the start cannot be read (an unclosed comment or
 * quoted-string, comments nested too deep, an id over the cap). */
int aa_authres_id_is(const char *value, size_t len, const char *id);

/* Would a strict parse read s (len bytes) back, unquoted, as one pvalue
 * (RFC 8601 2.2: a token, or [local-part] "@" domain-name)? */
int aa_authres_pvalue_is_plain(const char *s, size_t len);

/* One line in a canonical style: "id[ version]; none", or
 * "id[ version]; method[/v]=result[ reason=r][ ptype.property=value]..."
 * with "; " between results and values written by aa_authres_value().
 * NULL when out of memory or when a lenient parse holds something RFC
 * 8601 cannot say (a keyword outside ldh-str, a property without ptype). */
const char *aa_authres_format(struct aa_ctx *ctx, const struct aa_authres_parsed *p);

#endif
