/* dkim_int.h - what the DKIM files of core/ share with each other only.
 *
 * dkim.c (the library, its callbacks, the input), dkim_result.c (from
 * the library's per-signature state to results), dkim_key.c (key
 * records), dkim_pub.c (our signing key against the published one),
 * dkim_hsel.c (the library's header selection kept in bounds) and
 * dkim_rsa_direct.c (RSA keys decoded without OpenSSL 3's decoder
 * search), dkim_body.c (the body hashes, made without the library) and
 * dkim_sig.c (rsa-sha256 signatures checked here, their keys kept for
 * the connection). Nothing here is exported from the plugin
 * (-fvisibility=hidden); the public interface is include/aa_dkim.h.
 */
#ifndef AA_DKIM_INT_H
#define AA_DKIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <opendkim/dkim.h>
#include <openssl/evp.h>
#include "aa_ctype.h"
#include "aa_dkim.h"

/* RFC 8301 3.2: RSA keys under 1024 bits must not be treated as valid. */
#define DKIM_RSA_MIN_BITS 1024
/* The buffer libopendkim 2.11's dkim_get_key() hands the key-lookup
 * callback (BUFRSZ + 1): a record that does not fit it, even rebuilt
 * (dkim_key.c), is "key record too long" on both paths. */
#define DKIM_LIB_KEY_BUF (1024 + 1)
/* Header fields per message handed to the library (the guard field of
 * dkim_hsel.c not counted). */
#define DKIM_FIELDS_MAX 1000
/* Body bytes gathered before one dkim_body() call. */
#define DKIM_BODY_CHUNK 8192

/* What the key-lookup callback learnt about one signature's key. */
enum key_state {
	KEY_NOT_ASKED = 0,
	KEY_FOUND,		/* handed to the library */
	KEY_TEMP,		/* DNS failed temporarily */
	KEY_PERM,		/* no usable record: reason says why */
};

/* What became of a field we may hand to the library. */
enum lib_state {
	LIB_KEPT = 0,		/* never handed over */
	LIB_TAKEN,		/* dkim_header() took it: the library has its signature */
	LIB_REFUSED,		/* dkim_header() refused it */
};

/* One canonicalization of the body and its SHA-256 (dkim_body.c): one
 * per body canonicalization the message's signatures ask for. */
#define DKIM_BODY_HASHES 2	/* simple, relaxed */

struct dkim_body_hash {
	dkim_canon_t canon;
	EVP_MD_CTX *md;
	unsigned char state;	/* relaxed: where in a line */
	bool blank_line;	/* nothing but line ends (and CRs) on this line so far */
	bool wrote;		/* bytes were hashed */
	bool failed;		/* libcrypto failed, or the input was not as dkim.c gives it */
	bool done;		/* digest holds the hash */
	size_t blank_lines;	/* empty lines held back */
	size_t crs;		/* simple: CRs held back */
	unsigned int digest_len;
	unsigned char digest[EVP_MAX_MD_SIZE];
	size_t out_len;		/* out is last: not cleared */
	unsigned char out[2048];	/* canonical bytes on their way to the hash */
};

enum dkim_body_verdict {
	BODY_NOT_HASHED = 0,	/* no hash of ours: the library's comparison stands */
	BODY_MATCH,
	BODY_MISMATCH,
};

/* A (pointer, length) slice of the field being parsed. */
struct slice {
	const char *p;
	size_t n;
};

/* p[0..n) without the folding white space at either end. */
static inline struct slice aa_dkim_slice_trim(const char *p, size_t n)
{
	while (n > 0 && aa_is_fws((unsigned char)p[0])) {
		p++;
		n--;
	}
	while (n > 0 && aa_is_fws((unsigned char)p[n - 1]))
		n--;
	return (struct slice){ p, n };
}

/* The slice is lit, byte for byte (tag names are case-sensitive, RFC
 * 6376 3.2, as in the library). */
static inline bool aa_dkim_slice_is(struct slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.p != NULL && s.n == n && memcmp(s.p, lit, n) == 0;
}

struct sig_tags {
	struct slice v, a, b, d, s, l;
	bool duplicate;		/* a tag occurred twice (RFC 6376 3.2) */
};

/* A signature checked by dkim_sig.c rather than by the library. */
enum own_check {
	OWN_NONE = 0,		/* the library checked it (or nobody did) */
	OWN_VERIFIED,		/* b= verified over the library's header hash */
	OWN_BADSIG,		/* b= did not verify */
};

/* A plainly written rsa-sha256 signature, as dkim_own.c reads it: the
 * tags other than those of sig_tags, slices into field. */
struct own_sig {
	struct slice bh, h, c, i, q, t;
	dkim_canon_t hcanon, bcanon;
	const char *field;	/* the whole field, CRLF line ends */
	size_t field_len;
};

struct sig_entry {
	struct sig_tags tags;	/* slices into field */
	const char *field;	/* the value, a copy in the arena */
	enum lib_state lib;
	DKIM_SIGINFO *lib_sig;	/* the library's signature with our d=, s=, b= */
	enum aa_result early;	/* AA_NONE unless decided before the library */
	const char *early_reason;
	enum key_state key;
	const char *key_reason;
	struct dkim_body_hash *hash;	/* its body hash, when made here */
	enum own_check own;	/* checked here: the library never saw its key */
	bool own_subdomain;	/* ... and the key's t=s refuses its i= */
	unsigned own_bits;	/* ... with a key of this many bits */
	struct own_sig plain;	/* dkim_own.c: the message is checked without the library */
};

union lib_block;

struct aa_dkim_verify {
	struct aa_ctx *ctx;
	DKIM *dkim;
	bool lib_broken;	/* the library failed: undecided sigs are temperror */
	bool direct;		/* RSA's own key decoder registered (dkim_rsa_direct.c) */
	bool lib_unsafe;	/* ... and dkim_free() must not run (see finish) */
	union lib_block *lib_blocks;	/* what the library allocated for this message */
	struct aa_arena_hook *release;	/* frees the above if the message ends first */
	bool oom;		/* an allocation of ours failed */
	bool eoh_done;
	bool body_skipped;	/* the library has nothing to verify */
	bool prev_cr;		/* the last body byte handed on was CR */
	bool body_open;		/* body bytes since the last line end */
	size_t fields;
	struct slice *names;	/* names of the fields the library took */
	size_t nnames;
	size_t nsig;
	size_t over_cap;	/* DKIM-Signature fields over AA_DKIM_SIGS_MAX */
	struct sig_entry sigs[AA_DKIM_SIGS_MAX];
	char *scratch;		/* one header field in CRLF form */
	bool body_ours;		/* the body goes to dkim_body.c, not the library */
	bool own;		/* dkim_own.c checks it: no library handle */
	struct aa_dkim_field *own_fields;	/* ... over these fields (CRLF form) */
	size_t own_nfields;
	size_t nhashes;
	size_t body_len;
	unsigned char body[DKIM_BODY_CHUNK];
	/* from here on: not cleared by aa_dkim_verify_new() */
	struct dkim_body_hash hashes[DKIM_BODY_HASHES];
};

/* ---- dkim_result.c ---- */

/* Copy n bytes into the arena, lower-cased when asked; NULL p gives
 * NULL. A failure is remembered in v->oom (the result is incomplete). */
const char *aa_dkim_dup(struct aa_dkim_verify *v, const char *p, size_t n, bool lower);

/* One result per entry, plus one for the fields over the cap. */
void aa_dkim_results_fill(struct aa_dkim_verify *v, struct aa_dkim_result *r);
/* A message dkim_own.c found every signature of to pass: a pass per
 * entry, named by its own reading (as the library names it). */
void aa_dkim_results_fill_own(struct aa_dkim_verify *v, struct aa_dkim_result *r);

/* ---- dkim_key.c ---- */

/* Put the key record text[0..len) into the library's buffer buf (buflen
 * bytes, NUL included) as libopendkim should parse it. Returns 0, or -1
 * with *reason_r when the record cannot be used (permerror). */
int aa_dkim_key_record(const char *text, size_t len, char *buf, size_t buflen,
		       const char **reason_r);

/* The value of the one-letter tag of a key record (trimmed, white space
 * inside kept): 1, 0 when the record has no such tag, -1 when it is not a
 * tag list (RFC 6376 3.2). Stops at the first occurrence. */
int aa_dkim_key_tag(const char *text, size_t len, char tag, const char **v_r, size_t *vlen_r);

/* The whole record as a verifier takes it (RFC 6376 3.2, 3.6.1): a tag
 * list with no tag twice, v= (when present) first and DKIM1, h= (when
 * present) allowing sha256, s= (when present) allowing email. 0, or -1
 * with *why_r. */
int aa_dkim_key_record_check(const char *text, size_t len, const char **why_r);

/* base64 (RFC 4648 4) as DKIM writes p= and b=: folding white space
 * anywhere, padding only at the end; the unused bits of the last
 * character are ignored, as libopendkim does. 0 with *len_r bytes in
 * out, or -1 when it is not base64, empty, or longer than cap. */
int aa_dkim_b64_decode(const char *v, size_t vlen, unsigned char *out, size_t cap, size_t *len_r);

/* A key record for an rsa-sha256 signature written so plainly that
 * libopendkim's reading of it and ours cannot differ: a tag list with no
 * tag name twice in any case, v= (when present) first and DKIM1, h=
 * (when present) of sha1 and sha256 naming sha256, k= (when present)
 * rsa, s= (when present) allowing email, t= (when present) of the flags y
 * and s, a p= that is not empty; no white space inside those values but
 * p=. Anything else is left to the library. */
struct dkim_key_plain {
	struct slice p;		/* p=, as published */
	bool no_subdomain;	/* t= holds s */
};
/* 1 when the record is plain (*out filled), 0 otherwise. */
int aa_dkim_key_record_plain(const char *text, size_t len, struct dkim_key_plain *out);

/* ---- dkim_sig.c ---- */

/* From the key-lookup callback, the key record in hand: checks e's
 * rsa-sha256 signature here when the record is plain, its body hash
 * made here and its b= base64. SIG_CHECKED: e->own is set and the
 * library must not get the key; SIG_TO_LIBRARY: the library checks it;
 * SIG_NO_MEMORY: libcrypto ran out of memory checking it (temperror,
 * never a fail). The decoded keys are kept for the process (one
 * connection's messages). */
enum sig_check { SIG_TO_LIBRARY, SIG_CHECKED, SIG_NO_MEMORY };
enum sig_check aa_dkim_sig_check(struct aa_dkim_verify *v, struct sig_entry *e,
				 const char *record, size_t len);
/* Tests: true leaves every signature to the library, as before; how
 * many signatures were checked here, and keys decoded, in this process. */
void aa_dkim_sig_to_library(bool on);
unsigned long aa_dkim_sig_checked(void);
unsigned long aa_dkim_sig_keys_decoded(void);
/* Tests: the next check here fails as RSA_verify() does without memory;
 * the next check stops inside, as when Exim's timeout cuts local_scan()
 * short (the signature goes to the library). */
void aa_dkim_sig_fail_next_for_memory(void);
void aa_dkim_sig_cut_next_short(void);

/* The RSA check of dkim_sig.c for a signature read here or by the
 * library: the header hash hh, b= as written (strict base64), the key
 * record. SIG_CHECKED with *verified_r, the key's bits and whether its
 * t= holds s; SIG_TO_LIBRARY when the record is not plain or b= or p= not
 * strict base64; SIG_NO_MEMORY. */
enum sig_check aa_dkim_sig_rsa(const void *hh, size_t hh_len, const char *b, size_t b_len,
			       const char *record, size_t len, bool *verified_r, unsigned *bits_r,
			       bool *no_subdomain_r);
/* Tests: the header hash of the last signature the library handed to
 * aa_dkim_sig_check(); false when none came since the last call. */
bool aa_dkim_sig_last_header_hash(unsigned char out[32]);
/* Whether tests sent every signature to the library (aa_dkim_sig_to_library). */
bool aa_dkim_sig_all_to_library(void);

/* ---- dkim_own.c ---- */

/* A header field both this file and the library read alike. */
bool aa_dkim_own_plain_field(const char *f, size_t len);
/* A DKIM-Signature field (CRLF form) written plainly: e->tags and
 * e->plain filled, true; false otherwise. */
bool aa_dkim_own_plain_signature(struct sig_entry *e, const char *field, size_t len);
/* e's header hash over fields[0..n) as libopendkim makes it; false when
 * out of memory. */
bool aa_dkim_own_header_hash(struct aa_dkim_verify *v, const struct sig_entry *e,
			     const struct aa_dkim_field *fields, size_t n, unsigned char out[32]);
/* Whether a message may be tried here at all; tests: true sends every
 * message to the library path; how many messages were decided here in
 * this process. */
bool aa_dkim_own_enabled(void);
void aa_dkim_own_to_library(bool on);
unsigned long aa_dkim_own_decided(void);
/* One signature of a message read here: true when it passes (key found
 * and plain, signature verified, body hash equal, key of 1024 bits or
 * more); anything else and the message goes to the library. */
bool aa_dkim_own_check(struct aa_dkim_verify *v, struct sig_entry *e);

/* dkim_hsel.c: the library's header selection kept inside its array. */
void aa_dkim_hsel_add(struct aa_dkim_verify *v, const char *name, size_t len);
int aa_dkim_hsel_guard(struct aa_dkim_verify *v);
bool aa_dkim_hsel_takes_all(struct aa_dkim_verify *v, const unsigned char *h);

/* dkim_rsa_direct.c: between _begin() and _end(begun), an RSA key record
 * is decoded by RSA's own decoder, not OpenSSL 3's decoder search (the
 * same key, some 50 times faster). _begin() returns whether it took
 * effect; the decoding is correct either way. Windows nest. */
bool aa_dkim_rsa_direct_begin(void);
void aa_dkim_rsa_direct_end(bool begun);
/* How many times _begin() took effect in this process (tests). */
unsigned long aa_dkim_rsa_direct_windows(void);

/* ---- dkim_body.c ---- */

/* After the library's end of headers: a hash for each body
 * canonicalization the signatures it will verify ask for. false when the
 * library must hash the body itself (l=, another algorithm, no memory):
 * then aa_dkim_body_free() and the body goes to the library. */
bool aa_dkim_body_begin(struct aa_dkim_verify *v);
/* Body bytes with CRLF line ends, in any chunking. */
void aa_dkim_body_put(struct aa_dkim_verify *v, const unsigned char *p, size_t n);
/* After the last byte (the body ends in CRLF): the digests. false when
 * one could not be made: verification could not run (dkim.c). */
bool aa_dkim_body_end(struct aa_dkim_verify *v);
/* The entry's bh= against the hash made here. */
enum dkim_body_verdict aa_dkim_body_verdict(const struct sig_entry *e);
/* The same for bh= as written (the library's value is it without white
 * space). */
enum dkim_body_verdict aa_dkim_body_verdict_of(const struct sig_entry *e, const char *bh, size_t n);
/* For a message read by dkim_own.c: a hash for each body canonicalization
 * its signatures ask for (none has l=). false when out of memory. */
bool aa_dkim_body_begin_own(struct aa_dkim_verify *v);
void aa_dkim_body_free(struct aa_dkim_verify *v);
/* Once per process, before the first message (the daemon's rehearsal). */
void aa_dkim_body_prepare(void);
/* Tests: true makes the library hash every body, as it did before;
 * how many bodies were hashed here in this process. */
void aa_dkim_body_to_library(bool on);
unsigned long aa_dkim_body_hashed(void);

#endif
