/* aa_dkim_testsign.h - a test-only DKIM signer on libopendkim's signing API.
 *
 * authalign only verifies; the unit tests and the conformance driver use
 * this to make signed messages from keys kept in test/data/dkim/ and in
 * the conformance folders. Not linked into the plug-in.
 */
#ifndef AA_DKIM_TESTSIGN_H
#define AA_DKIM_TESTSIGN_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <opendkim/dkim.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

struct aa_test_sign {
	const char *key;	/* PEM, or a base64 32-byte Ed25519 seed */
	const char *algorithm;	/* "rsa-sha256" (default), "rsa-sha1", "ed25519-sha256" */
	const char *domain;
	const char *selector;
	bool header_simple;	/* c= simple/..., else relaxed */
	bool body_simple;	/* c= .../simple, else relaxed */
	bool with_l;		/* add l= (the whole body) */
	bool oversign_from;	/* h= names From once more, as dkimpy does */
	const char *signer;	/* i=, when set */
};

/* A file read whole (at most 8 kB), without its final line ends,
 * malloc'd; NULL when it cannot be read. */
static inline char *aa_test_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = f != NULL ? calloc(1, 8192) : NULL;
	size_t n;

	if (buf == NULL) {
		if (f != NULL)
			fclose(f);
		return NULL;
	}
	n = fread(buf, 1, 8191, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return buf;
}

/* aa_test_read_file(), or a line naming who and the file on stderr and
 * exit(1): for the fuzz targets and tools, run from the top directory. */
static inline char *aa_test_read_file_or_exit(const char *who, const char *path)
{
	char *buf = aa_test_read_file(path);

	if (buf == NULL) {
		fprintf(stderr, "%s: cannot read %s (run from the top directory)\n", who, path);
		exit(1);
	}
	return buf;
}

/* A base64 Ed25519 seed as a PEM private key, malloc'd; NULL if it is not one. */
static inline char *aa_test_seed_to_pem(const char *b64)
{
	unsigned char raw[64];
	char clean[128];
	size_t n = 0;
	EVP_PKEY *pkey;
	BIO *bio;
	char *pem = NULL;
	char *data;
	long len;

	for (const char *p = b64; *p != '\0' && n < sizeof(clean) - 1; p++)
		if (*p != '\n' && *p != '\r' && *p != ' ')
			clean[n++] = *p;
	clean[n] = '\0';
	if (n != 44 || EVP_DecodeBlock(raw, (unsigned char *)clean, (int)n) != 33)
		return NULL;
	pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, 32);
	if (pkey == NULL)
		return NULL;
	bio = BIO_new(BIO_s_mem());
	if (bio != NULL && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1) {
		len = BIO_get_mem_data(bio, &data);
		pem = calloc(1, (size_t)len + 1);
		if (pem != NULL)
			memcpy(pem, data, (size_t)len);
	}
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return pem;
}

static inline dkim_alg_t aa_test_sign_alg(const char *name)
{
	if (name == NULL || strcmp(name, "rsa-sha256") == 0)
		return DKIM_SIGN_RSASHA256;
	if (strcmp(name, "rsa-sha1") == 0)
		return DKIM_SIGN_RSASHA1;
	if (strcmp(name, "ed25519-sha256") == 0)
		return DKIM_SIGN_ED25519SHA256;
	return DKIM_SIGN_UNKNOWN;
}

/* Feed a message (LF or CRLF) to a signing handle: fields, then body in CRLF. */
static inline DKIM_STAT aa_test_sign_feed(DKIM *dkim, const char *msg, size_t len)
{
	char *crlf = malloc(2 * len + 3);
	size_t n = 0;
	size_t start;
	size_t i;
	DKIM_STAT st = DKIM_STAT_OK;

	if (crlf == NULL)
		return DKIM_STAT_NORESOURCE;
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			crlf[n++] = '\r';
		crlf[n++] = msg[i];
	}
	for (start = 0, i = 0; i + 1 < n && st == DKIM_STAT_OK; ) {
		if (i == start && crlf[i] == '\r' && crlf[i + 1] == '\n') {
			i += 2;	/* blank line: the body follows */
			break;
		}
		if (crlf[i] == '\r' && crlf[i + 1] == '\n' &&
		    (i + 2 >= n || (crlf[i + 2] != ' ' && crlf[i + 2] != '\t'))) {
			st = dkim_header(dkim, (unsigned char *)crlf + start, i - start);
			i += 2;
			start = i;
			continue;
		}
		i++;
	}
	if (st == DKIM_STAT_OK)
		st = dkim_eoh(dkim);
	if (st == DKIM_STAT_OK && i < n)
		st = dkim_body(dkim, (unsigned char *)crlf + i, n - i);
	if (st == DKIM_STAT_OK)
		st = dkim_eom(dkim, NULL);
	free(crlf);
	return st;
}

/* The signed message: "DKIM-Signature: ..." in the message's own line
 * ends, then the message. malloc'd, NUL-terminated; NULL when the
 * library refuses to sign. */
static inline char *aa_test_sign(const struct aa_test_sign *o, const char *msg,
				 size_t len, size_t *len_r)
{
	static const char name[] = "DKIM-Signature: ";
	bool lf_only = memchr(msg, '\r', len) == NULL;
	char *pem = aa_test_seed_to_pem(o->key);
	const char *key = pem != NULL ? pem : o->key;
	const char *oversign[] = { "from", NULL };
	unsigned int flags = o->with_l ? DKIM_LIBFLAGS_SIGNLEN : 0;
	unsigned int minbits = 512;	/* tests sign with small keys too */
	DKIM_LIB *lib = dkim_init(NULL, NULL);
	DKIM *dkim = NULL;
	DKIM_STAT st = DKIM_STAT_INTERNAL;
	unsigned char *hdr = NULL;
	size_t hlen = 0;
	char *out = NULL;
	size_t k = 0;

	if (lib == NULL)
		goto done;
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
	dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits, sizeof(minbits));
	if (o->oversign_from)
		dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_OVERSIGNHDRS,
			     oversign, sizeof(char **));
	dkim = dkim_sign(lib, (const unsigned char *)"test", NULL,
			 (dkim_sigkey_t)key, (const unsigned char *)o->selector,
			 (const unsigned char *)o->domain,
			 o->header_simple ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED,
			 o->body_simple ? DKIM_CANON_SIMPLE : DKIM_CANON_RELAXED,
			 aa_test_sign_alg(o->algorithm), -1, &st);
	if (dkim == NULL)
		goto done;
	if (o->signer != NULL &&
	    (st = dkim_set_signer(dkim, (const unsigned char *)o->signer)) != DKIM_STAT_OK)
		goto done;
	st = aa_test_sign_feed(dkim, msg, len);
	if (st != DKIM_STAT_OK)
		goto done;
	if (dkim_getsighdr_d(dkim, sizeof(name) - 1, &hdr, &hlen) != DKIM_STAT_OK)
		goto done;
	out = malloc(sizeof(name) + hlen + 2 + len + 1);
	if (out == NULL)
		goto done;
	memcpy(out, name, sizeof(name) - 1);
	k = sizeof(name) - 1;
	for (size_t i = 0; i < hlen; i++)
		if (!(lf_only && hdr[i] == '\r'))
			out[k++] = (char)hdr[i];
	if (!lf_only)
		out[k++] = '\r';
	out[k++] = '\n';
	memcpy(out + k, msg, len);
	k += len;
	out[k] = '\0';
	*len_r = k;
done:
	if (dkim != NULL)
		dkim_free(dkim);
	if (lib != NULL)
		dkim_close(lib);
	free(pem);
	return out;
}

#endif
