/* aa_dkim.h - DKIM verification (RFC 6376, 8301, 8463) through libopendkim.
 *
 * Streaming: headers one field at a time, then the body in chunks in the
 * spool's LF form (CRLF is accepted too); core/dkim/dkim.c makes it CRLF for
 * the library. Keys come through aa_dns. rsa-sha1 is permerror and RSA
 * keys under 1024 bits are policy (RFC 8301, RFC 8601 2.7.1); neither is
 * a pass. l= signatures are flagged.
 *
 * Module core/dkim/: it verifies signatures and reports each one; it knows
 * nothing of From, alignment or policy (that is DMARC's) and nothing of
 * Exim (the adapter hands it the header fields and the spool file).
 */
#ifndef AA_DKIM_H
#define AA_DKIM_H

#include <stddef.h>
#include "aa_ctx.h"
#include "aa_result.h"

#define AA_DKIM_SIGS_MAX 16	/* signatures evaluated per message */

struct aa_dkim_sig {
	enum aa_result result;		/* pass fail neutral temperror permerror policy */
	const char *domain;		/* d= (lower case); NULL for the one result that
					   counts the fields over AA_DKIM_SIGS_MAX */
	const char *selector;		/* s= */
	const char *algorithm;		/* a= */
	const char *b_prefix;		/* first 8 characters of b=, for header.b */
	const char *reason;		/* short, human, not yet escaped */
	unsigned key_bits;		/* 0 when unknown */
	int body_length_limited;	/* l= was present */
	int without_library;		/* a pass decided by core/dkim/dkim_own.c:
					   libopendkim did not run for the message */
};

struct aa_dkim_result {
	size_t count;			/* results: one a signature up to AA_DKIM_SIGS_MAX,
					   plus one policy result for any over it */
	struct aa_dkim_sig *sigs;	/* in the arena */
	int temp_failed;		/* a key lookup failed temporarily */
	int incomplete;			/* verification could not run for every
					   signature (no memory, a library error, an
					   unreadable spool): a result that is missing
					   or temperror might have been a pass, so
					   DMARC defers rather than fails */
};

struct aa_dkim_verify;

/* Start verifying one message. NULL when the library cannot start;
 * then aa_dkim_verify_abort(). The verification belongs to the message:
 * one never finished ends with the message's arena, the library's
 * memory freed then (aa_arena_on_reset). */
struct aa_dkim_verify *aa_dkim_verify_new(struct aa_ctx *ctx);

/* One header field, name and value, folded lines included, with or
 * without its final line end. */
int aa_dkim_verify_header(struct aa_dkim_verify *v, const char *field, size_t len);

/* 1 when the field is one aa_dkim_verify_header() takes for a
 * DKIM-Signature (its name in any case, blanks before the colon allowed,
 * as Exim allows them): a message with none has nothing to verify and
 * its result is no signature at all (count 0). */
int aa_dkim_is_signature_field(const char *field, size_t len);

/* Body bytes in any chunking, LF or CRLF line ends. */
int aa_dkim_verify_body(struct aa_dkim_verify *v, const char *data, size_t len);

/* One header field, name and value, as aa_dkim_verify_header() takes it. */
struct aa_dkim_field {
	const char *text;
	size_t len;
};

/* A message whose header fields are all in hand (fields[0..n), in
 * order): when every DKIM-Signature among them is a plainly written
 * rsa-sha256 signature and every field reads alike to authalign and to
 * libopendkim, a verification without the library (core/dkim/dkim_own.c);
 * else NULL, and the message takes aa_dkim_verify_new(). The fields are
 * copied. Then the body through aa_dkim_verify_body(), and
 * aa_dkim_verify_own_finish() (or aa_dkim_verify_abort() when the body
 * cannot be read: nothing is checked). */
struct aa_dkim_verify *aa_dkim_verify_new_own(struct aa_ctx *ctx, const struct aa_dkim_field *fields,
					      size_t n);

/* 1: every signature passed, *r filled. 0: not decided here (*r
 * cleared): verify the message again, from its first field, with
 * aa_dkim_verify_new(), whose verdicts then stand. Frees v either way. */
int aa_dkim_verify_own_finish(struct aa_dkim_verify **v, struct aa_dkim_result *r);

/* Finish, fill *r, free v. Returns 0, or -1 when verification could not
 * run for every signature (r->incomplete; those are temperror). */
int aa_dkim_verify_finish(struct aa_dkim_verify **v, struct aa_dkim_result *r);

/* The caller cannot feed the whole message (v may be NULL: it could not
 * start): fill *r with what is known, every undecided signature
 * temperror, r->incomplete set; free v. Returns -1. */
int aa_dkim_verify_abort(struct aa_dkim_verify **v, struct aa_dkim_result *r);

/* Verifications started and not yet ended in this process (tests). */
size_t aa_dkim_verify_open_count(void);

/* Convenience: a whole message (headers, blank line, body). */
int aa_dkim_verify_message(struct aa_ctx *ctx, const char *msg, size_t len,
			   struct aa_dkim_result *r);

/* ---- our signing key against the published one (core/dkim/dkim_pub.c) ---- */

#define AA_DKIM_PUB_MAX 1200	/* DER SubjectPublicKeyInfo of an 8192-bit RSA key: 1062 */

/* A public key as a key record's p= holds it (RFC 6376 3.6.1, RFC 8463). */
struct aa_dkim_pub {
	int ed25519;			/* 0: RSA */
	unsigned char key[AA_DKIM_PUB_MAX];	/* RSA: DER SubjectPublicKeyInfo;
						 * Ed25519: the 32-byte key */
	size_t len;
	unsigned bits;
};

/* The public half of the PEM private key in the file at path (as Exim's
 * dkim_private_key reads it). 0, or -1 with *why_r and *errno_r (the
 * errno of opening or reading it: ENOENT, EACCES...; 0 when the file was
 * read but holds no usable key). */
int aa_dkim_pub_from_file(const char *path, struct aa_dkim_pub *k, int *errno_r, const char **why_r);

/* The key of a key record (k= and p=); -1 with *why_r when it has none a
 * verifier could use (revoked, not base64, not an RSA or Ed25519 key). */
int aa_dkim_pub_from_record(const char *text, size_t len, struct aa_dkim_pub *k, const char **why_r);

int aa_dkim_pub_equal(const struct aa_dkim_pub *a, const struct aa_dkim_pub *b);

/* The key record to publish for k, "v=DKIM1; k=rsa; p=<base64>", in the
 * arena; NULL when out of memory. */
const char *aa_dkim_pub_record(struct aa_ctx *ctx, const struct aa_dkim_pub *k);

/* What a receiver finds at selector._domainkey.domain for a signature made
 * with ours (NULL: with any key): AA_PASS a usable key record (holding
 * ours, when given); AA_FAIL none, *why_r says why (no record, revoked,
 * unusable) and *other_r is 1 when a usable record holds another key than
 * ours (a rotated key); AA_TEMPERROR when the lookup failed temporarily,
 * never AA_FAIL. */
enum aa_result aa_dkim_key_lookup(struct aa_ctx *ctx, const char *selector, const char *domain,
				  const struct aa_dkim_pub *ours, int *other_r, const char **why_r);

#endif
