/* dkim_pub.c - our signing key against the one published in DNS.
 *
 * A key of ours (a PEM private key, as Exim's dkim_private_key reads it)
 * gives its public half: for RSA the DER SubjectPublicKeyInfo, for
 * Ed25519 the raw 32-byte key (RFC 8463 4.2), which is what a key
 * record's p= holds in base64 (RFC 6376 3.6.1). A record's p= is decoded
 * and, for RSA, parsed and encoded again, so that two encodings of one
 * key compare equal. What a receiver finds at selector._domainkey.domain
 * then decides whether a signature made with our key will verify: a DNS
 * temporary failure is temperror, never fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include "aa_ctype.h"
#include "dkim_int.h"

#define KEY_FILE_MAX 65536	/* a PEM private key is a few kB (RSA 8192: 6.4 kB) */
#define ED25519_KEY_LEN 32	/* RFC 8032 5.1.5 */

/* No passphrase: Exim cannot give one either. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf, (void)size, (void)rwflag, (void)u;
	return 0;
}

/* The public half of pkey into k; -1 with *why_r when it is neither RSA
 * nor Ed25519, or too large. */
static int pub_of(EVP_PKEY *pkey, struct aa_dkim_pub *k, const char **why_r)
{
	memset(k, 0, sizeof(*k));
	if (EVP_PKEY_base_id(pkey) == EVP_PKEY_ED25519) {
		size_t len = sizeof(k->key);

		if (EVP_PKEY_get_raw_public_key(pkey, k->key, &len) != 1 || len != ED25519_KEY_LEN) {
			*why_r = "not a usable Ed25519 key";
			return -1;
		}
		k->ed25519 = 1;
		k->len = len;
		k->bits = 256;
		return 0;
	}
	if (EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA) {
		int len = i2d_PUBKEY(pkey, NULL);
		unsigned char *out = k->key;

		if (len <= 0 || (size_t)len > sizeof(k->key) || i2d_PUBKEY(pkey, &out) != len) {
			*why_r = "an RSA key too large for DKIM";
			return -1;
		}
		k->len = (size_t)len;
		k->bits = (unsigned)EVP_PKEY_bits(pkey);
		return 0;
	}
	*why_r = "neither an RSA nor an Ed25519 key";
	return -1;
}

/* Read a regular file of at most KEY_FILE_MAX bytes; NULL with *errno_r
 * (0 when it is no regular file or too large) and *why_r. */
static char *read_key_file(const char *path, size_t *len_r, int *errno_r, const char **why_r)
{
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	ssize_t got;

	*errno_r = 0;
	if (fd < 0) {
		*errno_r = errno;
		*why_r = errno == ENOENT ? "no such file" : errno == EACCES || errno == EPERM ?
			 "not readable by this user" : "cannot be opened";
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > KEY_FILE_MAX) {
		*why_r = "not a key file (a regular file of at most 64 kB)";
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		*errno_r = ENOMEM;
		*why_r = "out of memory";
		goto out;
	}
	got = read(fd, buf, (size_t)st.st_size + 1);
	if (got < 0 || got > st.st_size) {
		*errno_r = got < 0 ? errno : 0;
		*why_r = "cannot be read";
		OPENSSL_clear_free(buf, (size_t)st.st_size + 1);
		buf = NULL;
		goto out;
	}
	*len_r = (size_t)got;
out:
	close(fd);
	return buf;
}

int aa_dkim_pub_from_file(const char *path, struct aa_dkim_pub *k, int *errno_r, const char **why_r)
{
	size_t len = 0;
	char *text = read_key_file(path, &len, errno_r, why_r);
	BIO *bio;
	EVP_PKEY *pkey = NULL;
	int rc = -1;

	if (text == NULL)
		return -1;
	bio = BIO_new_mem_buf(text, (int)len);
	if (bio != NULL)
		pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	if (pkey == NULL)
		*why_r = bio == NULL ? "out of memory" : "not a PEM private key (without a passphrase)";
	else
		rc = pub_of(pkey, k, why_r);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	OPENSSL_clear_free(text, len + 1);
	return rc;
}

int aa_dkim_pub_equal(const struct aa_dkim_pub *a, const struct aa_dkim_pub *b)
{
	return a->ed25519 == b->ed25519 && a->len == b->len && memcmp(a->key, b->key, a->len) == 0;
}

const char *aa_dkim_pub_record(struct aa_ctx *ctx, const struct aa_dkim_pub *k)
{
	size_t b64len = 4 * ((k->len + 2) / 3);
	unsigned char *b64 = aa_arena_alloc(ctx->arena, b64len + 1);

	if (b64 == NULL)
		return NULL;
	EVP_EncodeBlock(b64, k->key, (int)k->len);
	return aa_arena_printf(ctx->arena, "v=DKIM1; k=%s; p=%s", k->ed25519 ? "ed25519" : "rsa",
			       (const char *)b64);
}

/* p= decoded into k (its white space dropped); -1 when it is not base64. */
static int decode_p(const char *v, size_t vlen, struct aa_dkim_pub *k)
{
	return aa_dkim_b64_decode(v, vlen, k->key, sizeof(k->key), &k->len);
}

int aa_dkim_pub_from_record(const char *text, size_t len, struct aa_dkim_pub *k, const char **why_r)
{
	const char *v, *kv = "rsa";
	size_t vlen, klen = 3;
	int got;

	memset(k, 0, sizeof(*k));
	if (aa_dkim_key_record_check(text, len, why_r) < 0)
		return -1;
	got = aa_dkim_key_tag(text, len, 'k', &kv, &klen);
	if (got < 0) {
		*why_r = "not a key record (a malformed tag list)";
		return -1;
	}
	if (klen == 7 && strncasecmp(kv, "ed25519", 7) == 0)
		k->ed25519 = 1;
	else if (klen != 3 || strncasecmp(kv, "rsa", 3) != 0) {
		*why_r = "a key type (k=) other than rsa and ed25519";
		return -1;
	}
	if (aa_dkim_key_tag(text, len, 'p', &v, &vlen) != 1) {
		*why_r = "no p= tag";
		return -1;
	}
	if (vlen == 0) {
		*why_r = "the key is revoked (an empty p=)";
		return -1;
	}
	if (decode_p(v, vlen, k) < 0) {
		*why_r = "p= is not base64";
		return -1;
	}
	if (k->ed25519) {
		if (k->len != ED25519_KEY_LEN) {
			*why_r = "p= is not a 32-byte Ed25519 key";
			return -1;
		}
		k->bits = 256;
		return 0;
	}
	{
		const unsigned char *in = k->key;
		bool direct = aa_dkim_rsa_direct_begin();
		EVP_PKEY *pkey = d2i_PUBKEY(NULL, &in, (long)k->len);
		int rc;

		aa_dkim_rsa_direct_end(direct);

		if (pkey == NULL || EVP_PKEY_base_id(pkey) != EVP_PKEY_RSA) {
			EVP_PKEY_free(pkey);
			*why_r = "p= is not an RSA public key (SubjectPublicKeyInfo)";
			return -1;
		}
		rc = pub_of(pkey, k, why_r);	/* encoded again: one key, one encoding */
		EVP_PKEY_free(pkey);
		return rc;
	}
}

enum aa_result aa_dkim_key_lookup(struct aa_ctx *ctx, const char *selector, const char *domain,
				  const struct aa_dkim_pub *ours, int *other_r, const char **why_r)
{
	const char *name = aa_arena_printf(ctx->arena, "%s._domainkey.%s", selector, domain);
	const struct aa_dns_answer *a;
	const char *why = NULL;
	int other = 0;

	*other_r = 0;
	if (name == NULL) {
		*why_r = "out of memory";
		return AA_TEMPERROR;
	}
	a = aa_dns_lookup(ctx->dns, name, AA_DNS_TXT);
	if (aa_dns_is_temp(a->status)) {
		*why_r = "the key lookup failed temporarily";
		return AA_TEMPERROR;
	}
	/* a verifier may take any one of several key records (RFC 6376
	 * 3.6.2.2): a pass only when every usable one would verify */
	size_t usable = 0, weak = 0;

	for (size_t i = 0; a->status == AA_DNS_OK && i < a->count; i++) {
		struct aa_dkim_pub k;

		if (a->rr[i].type != AA_DNS_TXT || a->rr[i].text == NULL)
			continue;
		if (aa_dkim_pub_from_record(a->rr[i].text, a->rr[i].text_len, &k, &why) < 0)
			continue;
		usable++;
		if (ours != NULL && !aa_dkim_pub_equal(&k, ours))
			other = 1;
		else if (!k.ed25519 && k.bits < DKIM_RSA_MIN_BITS)
			weak = 1;
	}
	*other_r = other;
	if (usable > 0 && !other && !weak)
		return AA_PASS;
	*why_r = other ? (usable > 1 ? "another key is published beside it (a verifier may take either)"
				     : "the published key is another one")
		: weak ? "the published RSA key has fewer than 1024 bits (receivers refuse it, RFC 8301)"
		: why != NULL ? why : "no key record";
	return AA_FAIL;
}
