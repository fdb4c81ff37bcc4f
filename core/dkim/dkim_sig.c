/* dkim_sig.c - rsa-sha256 header signatures checked here, each key
 * decoded once per connection.
 *
 * libopendkim decodes the key of every signature afresh (its base64,
 * then OpenSSL's SubjectPublicKeyInfo decoder, then a new Montgomery
 * context in RSA_verify): most of the cost of a signature. Its
 * dkim_sig_process() finishes the header hash before it asks our
 * key-lookup callback for the record, so the callback can check the
 * signature itself: RSA_verify() with the same hash, the same b= and the
 * same key the library would take, a key kept (with its Montgomery
 * context) for the process, which is one connection, and so for that
 * connection's later messages. The callback then answers "no key", so
 * that the library never decodes it, and dkim_result.c gives the verdict
 * from here: the body hash made in dkim_body.c, then what the library
 * checks after the signature (t=s against i=, the key size).
 *
 * Only what both read alike is taken: rsa-sha256, a body hashed here, a
 * plain key record (dkim_key.c says which), b= and p= in strict base64,
 * a key that is RSA in DER with nothing after it. Every other signature
 * goes to the library as before, so verdicts never depend on which side
 * checked (test/unit/check_dkim_sig.c compares both on every case). A
 * kept key is found again by its p= text, byte for byte: the same text
 * is the same key, and the record itself is still looked up for every
 * message, within its TTL (aa_dns).
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* RSA_verify(), as libopendkim calls it */
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include "dkim_int.h"

/* Keys kept for the process: a connection's messages come from a few
 * signers; a new key replaces the oldest. */
#define KEPT_KEYS 8
/* b= of a 16384-bit key; larger is left to the library. */
#define SIG_MAX 2048

/* p= as published, white space and all: the same text is the same
 * key. A longer one is decoded for every message. */
#define KEPT_TEXT_MAX 2048

struct kept_key {
	size_t text_len;	/* 0: free */
	char text[KEPT_TEXT_MAX];
	RSA *rsa;
};

static struct kept_key kept[KEPT_KEYS];
static size_t kept_next;	/* the slot a new key takes */
static bool to_library;
static bool fail_for_memory, cut_short;	/* tests */
/* The key being checked: still set at the next check when local_scan()
 * was cut short inside RSA_verify() (Exim's timeout), whose first call
 * with a key takes the key's lock: that key is then never used again. */
static RSA *checking;
/* Keys so forgotten, kept in sight (a cut-short check is rare; beyond
 * these few they are simply not freed). */
static RSA *forgotten[4];
static size_t nforgotten;
static unsigned long checked, decoded;
static unsigned char last_hash[32];	/* tests: the library's last header hash seen here */
static bool last_hash_set;

void aa_dkim_sig_to_library(bool on)
{
	to_library = on;
}

unsigned long aa_dkim_sig_checked(void)
{
	return checked;
}

unsigned long aa_dkim_sig_keys_decoded(void)
{
	return decoded;
}

void aa_dkim_sig_fail_next_for_memory(void)
{
	fail_for_memory = true;
}

void aa_dkim_sig_cut_next_short(void)
{
	cut_short = true;
}

/* Whether libcrypto's errors, now cleared, said it ran out of memory. */
static bool errors_were_memory(void)
{
	bool memory = false;
	unsigned long err;

	while ((err = ERR_get_error()) != 0)
		if (ERR_GET_REASON(err) == ERR_R_MALLOC_FAILURE)
			memory = true;
	return memory;
}

/* The RSA key of p= (text[0..len)), kept or decoded; NULL when it is not
 * base64 of one RSA SubjectPublicKeyInfo and nothing more (the library's
 * to judge). */
static RSA *key_of(const char *text, size_t len)
{
	unsigned char der[AA_DKIM_PUB_MAX];
	const unsigned char *in = der;
	size_t der_len;
	struct kept_key *k;
	EVP_PKEY *pkey;
	RSA *rsa;
	bool direct;

	if (checking != NULL) {	/* a check cut short: forget its key (not
				 * freed: its lock may be held) */
		for (size_t i = 0; i < KEPT_KEYS; i++)
			if (kept[i].rsa == checking) {
				kept[i].text_len = 0;
				kept[i].rsa = NULL;
			}
		if (nforgotten < sizeof(forgotten) / sizeof(forgotten[0]))
			forgotten[nforgotten++] = checking;
		checking = NULL;
	}
	for (size_t i = 0; i < KEPT_KEYS; i++)
		if (kept[i].text_len == len && memcmp(kept[i].text, text, len) == 0)
			return kept[i].rsa;
	if (aa_dkim_b64_decode(text, len, der, sizeof(der), &der_len) < 0)
		return NULL;
	direct = aa_dkim_rsa_direct_begin();
	pkey = d2i_PUBKEY(NULL, &in, (long)der_len);
	aa_dkim_rsa_direct_end(direct);
	decoded++;
	/* plain RSA only (an RSA-PSS key is the library's) */
	rsa = pkey != NULL && in == der + der_len && EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA ?
	      EVP_PKEY_get1_RSA(pkey) : NULL;
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	if (rsa == NULL || len > KEPT_TEXT_MAX)
		return rsa;	/* not kept: the caller frees it (key_done) */
	/* the slot is free while it changes: were local_scan() cut short
	 * here (Exim's timeout), no later message finds a freed key */
	k = &kept[kept_next];
	kept_next = (kept_next + 1) % KEPT_KEYS;
	k->text_len = 0;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);	/* stores in this order, for a signal handler */
	RSA_free(k->rsa);
	k->rsa = rsa;
	memcpy(k->text, text, len);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	k->text_len = len;
	return rsa;
}

/* After its use: a key that was not kept is freed. */
static void key_done(RSA *rsa)
{
	for (size_t i = 0; i < KEPT_KEYS; i++)
		if (kept[i].rsa == rsa)
			return;
	RSA_free(rsa);
}

/* i= names d= itself (t=s, RFC 6376 3.6.1), as the library compares them. */
static bool subdomain_refused(DKIM_SIGINFO *sig)
{
	const char *d = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"d");
	const char *i = (const char *)dkim_sig_gettagvalue(sig, false, (u_char *)"i");
	const char *at;

	if (d == NULL || i == NULL)
		return false;
	at = strchr(i, '@');
	return strcasecmp(at != NULL ? at + 1 : i, d) != 0;
}

bool aa_dkim_sig_last_header_hash(unsigned char out[32])
{
	bool set = last_hash_set;

	memcpy(out, last_hash, sizeof(last_hash));
	last_hash_set = false;
	return set;
}

bool aa_dkim_sig_all_to_library(void)
{
	return to_library;
}

enum sig_check aa_dkim_sig_rsa(const void *hh, size_t hh_len, const char *b, size_t b_len,
			       const char *record, size_t len, bool *verified_r, unsigned *bits_r,
			       bool *no_subdomain_r)
{
	unsigned char sigbytes[SIG_MAX];
	size_t sig_len;
	struct dkim_key_plain plain;
	RSA *rsa;
	int ok;

	if (aa_dkim_b64_decode(b, b_len, sigbytes, sizeof(sigbytes), &sig_len) < 0)
		return SIG_TO_LIBRARY;
	if (aa_dkim_key_record_plain(record, len, &plain) != 1)
		return SIG_TO_LIBRARY;
	rsa = key_of(plain.p.p, plain.p.n);
	if (rsa == NULL)
		return SIG_TO_LIBRARY;
	checking = rsa;
	if (fail_for_memory) {
		fail_for_memory = false;
		ERR_raise(ERR_LIB_RSA, ERR_R_MALLOC_FAILURE);
		ok = 0;
	} else if (cut_short) {
		cut_short = false;
		return SIG_TO_LIBRARY;	/* as if local_scan() ended here */
	} else {
		ok = RSA_verify(NID_sha256, hh, (unsigned int)hh_len, sigbytes, (unsigned int)sig_len, rsa);
	}
	checking = NULL;
	checked++;
	/* not verified for want of memory is not "did not verify" */
	if (ok != 1 && errors_were_memory()) {
		key_done(rsa);
		return SIG_NO_MEMORY;
	}
	ERR_clear_error();
	*verified_r = ok == 1;
	*bits_r = 8 * (unsigned)RSA_size(rsa);
	*no_subdomain_r = plain.no_subdomain;
	key_done(rsa);
	return SIG_CHECKED;
}

enum sig_check aa_dkim_sig_check(struct aa_dkim_verify *v, struct sig_entry *e,
				 const char *record, size_t len)
{
	size_t hh_len = 0, bh_len = 0;
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
	const unsigned char *b;
	void *hh = NULL, *bh = NULL;
	bool verified = false, no_subdomain = false;
	unsigned bits = 0;
	enum sig_check rc;

	if (to_library || !v->body_ours || e->hash == NULL || e->lib_sig == NULL)
		return SIG_TO_LIBRARY;
	if (dkim_sig_getsignalg(e->lib_sig, &alg) != DKIM_STAT_OK || alg != DKIM_SIGN_RSASHA256)
		return SIG_TO_LIBRARY;
	if (dkim_sig_gethashes(e->lib_sig, &hh, &hh_len, &bh, &bh_len) != DKIM_STAT_OK ||
	    hh == NULL || hh_len != 32)
		return SIG_TO_LIBRARY;
	memcpy(last_hash, hh, sizeof(last_hash));
	last_hash_set = true;
	b = dkim_sig_gettagvalue(e->lib_sig, false, (u_char *)"b");
	if (b == NULL)
		return SIG_TO_LIBRARY;
	rc = aa_dkim_sig_rsa(hh, hh_len, (const char *)b, strlen((const char *)b), record, len,
			     &verified, &bits, &no_subdomain);
	if (rc != SIG_CHECKED)
		return rc;
	e->own = verified ? OWN_VERIFIED : OWN_BADSIG;
	e->own_bits = bits;
	e->own_subdomain = no_subdomain && subdomain_refused(e->lib_sig);
	return SIG_CHECKED;
}
