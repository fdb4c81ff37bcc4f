/* check_dkim.c - DKIM verification: results, RFC 8301 rules, DNS failures,
 * hostile signature fields, and the spool's LF line ends in any chunking.
 *
 * Messages are signed here with the keys in test/data/dkim/ (see its
 * README); keys are published in a fixed zone. Run from the top directory.
 */
#define _GNU_SOURCE
#define OPENSSL_SUPPRESS_DEPRECATED	/* ENGINE_get_pkey_meth_engine() */
#include <stdint.h>
#include <stdlib.h>
#include "aa_test.h"
#include "aa_authres.h"
#include "aa_dkim.h"
#include "aa_dkim_testsign.h"
#include "../../core/dkim/dkim_int.h"
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>


static const char lf_message[] =
	"From: Alice <alice@example.com>\n"
	"To: Bob <bob@example.net>\n"
	"Subject: a folded\n"
	"  subject line\n"
	"Date: Mon, 2 Jan 2023 10:00:00 +0000\n"
	"Message-ID: <1@example.com>\n"
	"\n"
	"Hello Bob,\n"
	"\n"
	"two  spaces and a trailing blank \n"
	"-- \n"
	"Alice\n";

/* A context with the three test keys published under example.com. */
static struct aa_ctx *keys_ctx(void)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	aa_test_publish(ctx, "rsa._domainkey.example.com", "rsa2048.txt");
	aa_test_publish(ctx, "small._domainkey.example.com", "rsa512.txt");
	aa_test_publish(ctx, "ed._domainkey.example.com", "ed25519.txt");
	return ctx;
}

static char *sign_with(const char *keyfile, const char *alg, const char *selector,
		       bool with_l, const char *msg, size_t len, size_t *len_r)
{
	char *key = aa_test_read_data(keyfile);
	struct aa_test_sign o = {
		.key = key, .algorithm = alg, .domain = "example.com",
		.selector = selector, .with_l = with_l,
	};
	char *out = aa_test_sign(&o, msg, len, len_r);

	ck_assert_msg(out != NULL, "test signer refused %s/%s", keyfile, alg);
	free(key);
	return out;
}

static char *sign_rsa(const char *msg, size_t len, size_t *len_r)
{
	return sign_with("rsa2048.pem", "rsa-sha256", "rsa", false, msg, len, len_r);
}

static void verify_one(struct aa_ctx *ctx, const char *msg, size_t len,
		       struct aa_dkim_result *r)
{
	ck_assert_int_eq(aa_dkim_verify_message(ctx, msg, len, r), 0);
	ck_assert_uint_eq(r->count, 1);
}

/* The b= tag of the first DKIM-Signature: "b=" after a blank or ';'. */
static char *find_b(char *msg)
{
	for (char *p = msg + 1; (p = strstr(p, "b=")) != NULL; p++)
		if (p[-1] == ' ' || p[-1] == '\t' || p[-1] == ';')
			return p;
	ck_abort_msg("no b= tag");
	return NULL;
}

/* b= of the first DKIM-Signature, without white space, 8 characters. */
static void expect_b_prefix(char *signed_msg, const char *got)
{
	const char *b = find_b(signed_msg);
	char want[9];
	size_t k = 0;

	for (b += 2; *b != '\0' && k < 8; b++)
		if (*b != ' ' && *b != '\t' && *b != '\r' && *b != '\n')
			want[k++] = *b;
	want[k] = '\0';
	ck_assert_str_eq(got, want);
}

START_TEST(dkim_relaxed_signature_over_lf_body_passes)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);

	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	ck_assert_str_eq(r.sigs[0].domain, "example.com");
	ck_assert_str_eq(r.sigs[0].selector, "rsa");
	ck_assert_str_eq(r.sigs[0].algorithm, "rsa-sha256");
	ck_assert_uint_eq(r.sigs[0].key_bits, 2048);
	ck_assert_int_eq(r.sigs[0].body_length_limited, 0);
	ck_assert_int_eq(r.temp_failed, 0);
	expect_b_prefix(msg, r.sigs[0].b_prefix);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Whether an engine offers RSA keys their own decoder now. */
static bool rsa_direct_registered(void)
{
	ENGINE *e = ENGINE_get_pkey_meth_engine(EVP_PKEY_RSA);

	if (e == NULL)
		return false;
	ENGINE_finish(e);
	return true;
}

/* The DER public key of test/data/dkim/rsa2048.pem into der; its length. */
static int rsa2048_der(unsigned char **der)
{
	FILE *f = fopen(AA_TEST_DKIM_DIR "rsa2048.pem", "r");
	EVP_PKEY *key;
	int n;

	ck_assert_ptr_nonnull(f);
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(key);
	*der = NULL;
	n = i2d_PUBKEY(key, der);
	ck_assert_int_gt(n, 0);
	EVP_PKEY_free(key);
	return n;
}

static EVP_PKEY *decode(const unsigned char *der, int n)
{
	return d2i_PUBKEY(NULL, &der, n);
}

/* Between begin and end an RSA key is decoded by RSA's own decoder (a
 * "method" key, not a provider's "implementation" one): the same key, and
 * a malformed one refused as before; outside, and after a verification,
 * no engine is left registered for anyone else in the process. */
START_TEST(dkim_rsa_keys_take_their_own_decoder_only_while_verifying)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	unsigned char *der;
	int n = rsa2048_der(&der);
	EVP_PKEY *usual, *direct;
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);
	bool begun;
	unsigned long windows;

	ck_assert(!rsa_direct_registered());
	usual = decode(der, n);
	ck_assert_ptr_nonnull(usual);
	ck_assert_str_eq(EVP_PKEY_get0_description(usual), "OpenSSL RSA implementation");

	begun = aa_dkim_rsa_direct_begin();
	ck_assert(begun);
	ck_assert(rsa_direct_registered());
	direct = decode(der, n);
	ck_assert_ptr_nonnull(direct);
	ck_assert_str_eq(EVP_PKEY_get0_description(direct), "OpenSSL RSA method");
	ck_assert_int_eq(EVP_PKEY_eq(usual, direct), 1);
	ck_assert_ptr_null(decode(der, n - 1));	/* truncated */
	der[n - 1] ^= 0x01;	/* the exponent changed: another key */
	EVP_PKEY_free(direct);
	direct = decode(der, n);
	ck_assert_ptr_nonnull(direct);
	ck_assert_int_ne(EVP_PKEY_eq(usual, direct), 1);
	aa_dkim_rsa_direct_end(begun);
	ck_assert(!rsa_direct_registered());

	/* the library's decoding of the key took it, once */
	windows = aa_dkim_rsa_direct_windows();
	aa_dkim_sig_to_library(true);
	verify_one(ctx, msg, len, &r);
	aa_dkim_sig_to_library(false);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	ck_assert_uint_eq(r.sigs[0].key_bits, 2048);
	ck_assert_uint_eq(aa_dkim_rsa_direct_windows(), windows + 1);
	ck_assert(!rsa_direct_registered());
	/* a signature checked here with a key it keeps takes none */
	aa_ctx_end_message(ctx);
	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	aa_ctx_end_message(ctx);
	windows = aa_dkim_rsa_direct_windows();
	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	ck_assert_uint_eq(aa_dkim_rsa_direct_windows(), windows);
	ck_assert(!rsa_direct_registered());

	EVP_PKEY_free(usual);
	EVP_PKEY_free(direct);
	OPENSSL_free(der);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* d2i_PUBKEY of der[0..n) by the decoder search and by RSA's own decoder
 * give the same answer: both refuse, or both give the same key (same
 * type, same size, same DER when encoded again). */
static bool expect_same_decoding(const unsigned char *der, int n, const char *what, int i)
{
	bool took;

	EVP_PKEY *usual = decode(der, n), *direct;
	bool begun = aa_dkim_rsa_direct_begin();

	ck_assert(begun);
	direct = decode(der, n);
	aa_dkim_rsa_direct_end(begun);
	ck_assert_msg((usual == NULL) == (direct == NULL), "%s %d: one decoder took it, the other not", what, i);
	if (usual != NULL) {
		unsigned char *a = NULL, *b = NULL;
		int la = i2d_PUBKEY(usual, &a), lb = i2d_PUBKEY(direct, &b);

		ck_assert_msg(EVP_PKEY_get_base_id(usual) == EVP_PKEY_get_base_id(direct) &&
			      EVP_PKEY_get_bits(usual) == EVP_PKEY_get_bits(direct) &&
			      la == lb && la > 0 && memcmp(a, b, (size_t)la) == 0,
			      "%s %d: another key", what, i);
		OPENSSL_free(a);
		OPENSSL_free(b);
	}
	took = usual != NULL;
	EVP_PKEY_free(usual);
	EVP_PKEY_free(direct);
	ERR_clear_error();
	return took;
}

/* Every truncation, every single-bit change, and a few odd encodings of
 * a real key record's DER (params absent, RSA-PSS's OID, unused bits,
 * bytes after the key inside and after the SubjectPublicKeyInfo, an
 * indefinite length) decode alike on both paths. */
START_TEST(dkim_rsa_direct_decodes_every_variant_as_the_decoder_search)
{
	unsigned char *der, buf[600];
	int n = rsa2048_der(&der);

	ck_assert_int_eq(n, 294);	/* 30 82 01 22 | 30 0d OID 05 00 | 03 82 01 0f 00 | RSAPublicKey */
	for (int len = 0; len <= n; len++)
		ck_assert(expect_same_decoding(der, len, "truncated to", len) == (len == n));
	for (int i = 0; i < n * 8; i++) {
		memcpy(buf, der, (size_t)n);
		buf[i / 8] ^= (unsigned char)(1u << (i % 8));
		expect_same_decoding(buf, n, "bit flipped", i);
	}
	/* no parameters: 30 82 01 20 | 30 0b OID | ... */
	memcpy(buf, der, 4);
	buf[3] = 0x20;
	memcpy(buf + 4, der + 4, 13);
	buf[5] = 0x0b;
	memcpy(buf + 17, der + 19, (size_t)n - 19);
	ck_assert(expect_same_decoding(buf, n - 2, "no parameters", 0));
	/* RSASSA-PSS's OID (1.2.840.113549.1.1.10), NULL and no parameters */
	memcpy(buf, der, (size_t)n);
	buf[16] = 0x0a;
	ck_assert(!expect_same_decoding(buf, n, "RSA-PSS OID, NULL parameters", 0));
	memcpy(buf + 17, der + 19, (size_t)n - 19);
	buf[16] = 0x0a;
	memcpy(buf, der, 4), buf[3] = 0x20, buf[5] = 0x0b;
	ck_assert(expect_same_decoding(buf, n - 2, "RSA-PSS OID, no parameters", 0));
	/* 1 to 8 unused bits in the BIT STRING */
	for (int u = 1; u <= 8; u++) {
		memcpy(buf, der, (size_t)n);
		buf[23] = (unsigned char)u;
		ck_assert(expect_same_decoding(buf, n, "unused bits", u) == (u < 8));
	}
	/* bytes after the SubjectPublicKeyInfo, and after the RSAPublicKey
	 * inside the BIT STRING */
	memcpy(buf, der, (size_t)n);
	memcpy(buf + n, "\x00\x00junk", 6);
	ck_assert(expect_same_decoding(buf, n + 6, "bytes after it", 0));
	buf[3] = 0x24, buf[22] = 0x11;
	ck_assert(expect_same_decoding(buf, n + 2, "bytes inside the BIT STRING", 0));
	/* an indefinite length outside */
	buf[0] = 0x30, buf[1] = 0x80;
	memcpy(buf + 2, der + 4, (size_t)n - 4);
	buf[n - 2] = 0, buf[n - 1] = 0;
	ck_assert(expect_same_decoding(buf, n, "indefinite length", 0));
	OPENSSL_free(der);
}
END_TEST

/* The same message with CRLF line ends, as it came over SMTP. */
START_TEST(dkim_crlf_message_passes_too)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	char crlf[2 * sizeof(lf_message)];
	size_t n = 0;
	size_t len;
	char *msg;

	for (size_t i = 0; i < sizeof(lf_message) - 1; i++) {
		if (lf_message[i] == '\n')
			crlf[n++] = '\r';
		crlf[n++] = lf_message[i];
	}
	msg = sign_rsa(crlf, n, &len);
	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_body_altered_gives_fail)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);
	char *hello = strstr(msg, "Hello Bob");

	hello[0] = 'J';
	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_FAIL);
	ck_assert_str_eq(r.sigs[0].reason, "body hash did not verify");
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_signed_header_altered_gives_fail)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);
	char *alice = strstr(msg, "From: Alice");

	alice[6] = 'M';
	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_FAIL);
	ck_assert_str_eq(r.sigs[0].reason, "signature did not verify");
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Key lookup failures: table of (zone line, result, temp_failed). */
static const struct {
	const char *zone;
	enum aa_result result;
	int temp;
	const char *reason;
} key_failures[] = {
	{ "rsa._domainkey.example.com TXT SERVFAIL", AA_TEMPERROR, 1, "key lookup failed temporarily" },
	{ "rsa._domainkey.example.com ANY TIMEOUT", AA_TEMPERROR, 1, "key lookup failed temporarily" },
	{ "other.example.com TXT \"unrelated\"", AA_PERMERROR, 0, "no key record" },
	{ "rsa._domainkey.example.com A 192.0.2.1", AA_PERMERROR, 0, "no key record" },
	{ "rsa._domainkey.example.com TXT \"v=DKIM1; k=rsa; p=\"", AA_PERMERROR, 0, "key revoked" },
	{ "rsa._domainkey.example.com TXT \"\"", AA_PERMERROR, 0, "empty key record" },
	{ "rsa._domainkey.example.com TXT \"v=DKIM1; p=A\\000B\"", AA_PERMERROR, 0, "NUL byte in key record" },
	{ "rsa._domainkey.example.com TXT \"v=DKIM1; k=rsa; p=BARF\"", AA_PERMERROR, 0, NULL },
	{ "rsa._domainkey.example.com TXT \"v=DKIM1; k=ed2024; p=MCowBQ==\"", AA_PERMERROR, 0, NULL },
};

START_TEST(dkim_key_lookup_failures_map_to_results)
{
	const char *zone[] = { key_failures[_i].zone, NULL };
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);

	verify_one(ctx, msg, len, &r);
	ck_assert_msg(r.sigs[0].result == key_failures[_i].result, "%s: got %s (%s)",
		      key_failures[_i].zone, aa_result_name(r.sigs[0].result), r.sigs[0].reason);
	ck_assert_int_eq(r.temp_failed, key_failures[_i].temp);
	if (key_failures[_i].reason != NULL)
		ck_assert_str_eq(r.sigs[0].reason, key_failures[_i].reason);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_two_key_records_give_permerror)
{
	const char *zone[] = {
		"rsa._domainkey.example.com TXT \"v=DKIM1; p=AAAA\"",
		"rsa._domainkey.example.com TXT \"v=DKIM1; p=BBBB\"",
		NULL,
	};
	struct aa_ctx *ctx = aa_test_ctx(zone);
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);

	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PERMERROR);
	ck_assert_str_eq(r.sigs[0].reason, "more than one key record");
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* RFC 8301 3.1: rsa-sha1 is not verified at all. permerror (RFC 8601
 * 2.7.1, as the conformance suites expect), never fail: fail would say
 * the message was altered. No key is fetched for it. */
START_TEST(dkim_rsa_sha1_is_permerror_not_fail_and_fetches_no_key)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_with("rsa2048.pem", "rsa-sha1", "rsa", false,
			      lf_message, sizeof(lf_message) - 1, &len);
	unsigned long before = aa_dns_queries(ctx->dns);

	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PERMERROR);
	ck_assert_str_eq(r.sigs[0].algorithm, "rsa-sha1");
	ck_assert_ptr_nonnull(strstr(r.sigs[0].reason, "RFC 8301 3.1"));
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), before);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* The rule reads a= as the library does (folding white space dropped),
 * so "rsa-<fold>sha1" is not verified either, and asks no DNS. */
START_TEST(dkim_rsa_sha1_is_judged_as_the_library_reads_a)
{
	static const char field[] = "DKIM-Signature: v=1; a=rsa-\n sha1; d=example.com; s=rsa;\n"
				    " h=from; bh=AAAA; b=AAAA\n";
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len = sizeof(field) - 1 + sizeof(lf_message) - 1;
	char *msg = malloc(len);
	unsigned long before = aa_dns_queries(ctx->dns);

	memcpy(msg, field, sizeof(field) - 1);
	memcpy(msg + sizeof(field) - 1, lf_message, sizeof(lf_message) - 1);
	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PERMERROR);
	ck_assert_str_eq(r.sigs[0].algorithm, "rsa-sha1");
	ck_assert_ptr_nonnull(strstr(r.sigs[0].reason, "RFC 8301 3.1"));
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), before);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* RFC 8301 3.2: an RSA key under 1024 bits is not acceptable to us:
 * policy (RFC 8601 2.7.1), not fail, and not a pass. */
START_TEST(dkim_key_under_1024_bits_is_policy_not_fail)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_with("rsa512.pem", "rsa-sha256", "small", false,
			      lf_message, sizeof(lf_message) - 1, &len);

	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_POLICY);
	ck_assert_uint_eq(r.sigs[0].key_bits, 512);
	ck_assert_ptr_nonnull(strstr(r.sigs[0].reason, "RFC 8301 3.2"));
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_ed25519_passes)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_with("ed25519.pem", "ed25519-sha256", "ed", false,
			      lf_message, sizeof(lf_message) - 1, &len);

	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	ck_assert_str_eq(r.sigs[0].algorithm, "ed25519-sha256");
	ck_assert_uint_eq(r.sigs[0].key_bits, 256);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* l= still verifies, also with text added after the signed length, but
 * the signature is flagged so later layers can distrust the body. */
START_TEST(dkim_l_tag_is_flagged_and_verified)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_with("rsa2048.pem", "rsa-sha256", "rsa", true,
			      lf_message, sizeof(lf_message) - 1, &len);
	char *longer = calloc(1, len + 64);

	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	ck_assert_int_eq(r.sigs[0].body_length_limited, 1);
	memcpy(longer, msg, len);
	strcpy(longer + len, "Click here: http://evil.example/\n");
	aa_ctx_end_message(ctx);
	verify_one(ctx, longer, strlen(longer), &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	ck_assert_int_eq(r.sigs[0].body_length_limited, 1);
	free(longer);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Hostile DKIM-Signature fields: explicit lengths, so NUL bytes fit. */
static const struct {
	const char *name;
	const char *field;
	size_t len;
} malformed[] = {
#define F(name, s) { name, s, sizeof(s) - 1 }
	F("empty", "DKIM-Signature:\n"),
	F("garbage", "DKIM-Signature: ;;;===;;; =\n"),
	F("no tags but v", "DKIM-Signature: v=1\n"),
	F("no b", "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA\n"),
	F("bad d", "DKIM-Signature: v=1; a=rsa-sha256; d=example.com(.evil.example; s=rsa;\n"
		   " h=from; bh=AAAA; b=AAAA\n"),
	F("duplicate d", "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; d=evil.example;\n"
			 " s=rsa; h=from; bh=AAAA; b=AAAA\n"),
	F("unknown a", "DKIM-Signature: v=1; a=rsa-md5; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA\n"),
	F("version 2", "DKIM-Signature: v=2; a=rsa-sha256; d=example.com; s=rsa; h=from; bh=AAAA; b=AAAA\n"),
	F("8-bit bytes", "DKIM-Signature: v=1; a=rsa-sha256; d=ex\xe4mple.com; s=rsa; h=from; bh=AAAA; b=AAAA\n"),
	F("NUL byte", "DKIM-Signature: v=1; a=rsa-sha256; d=example.com\0; s=rsa; h=from; bh=AAAA; b=AAAA\n"),
	F("l= not a number", "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from; l=-1;\n"
			     " bh=AAAA; b=AAAA\n"),
	F("h= without from", "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=subject;\n"
			     " bh=AAAA; b=AAAA\n"),
	F("selector with space", "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=r sa; h=from;\n"
				 " bh=AAAA; b=AAAA\n"),
#undef F
};

START_TEST(dkim_malformed_signature_is_permerror_not_crash)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	const char *rest = lf_message;
	size_t len = malformed[_i].len + sizeof(lf_message) - 1;
	char *msg = malloc(len);

	memcpy(msg, malformed[_i].field, malformed[_i].len);
	memcpy(msg + malformed[_i].len, rest, sizeof(lf_message) - 1);
	ck_assert_int_eq(aa_dkim_verify_message(ctx, msg, len, &r), 0);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_msg(r.sigs[0].result == AA_PERMERROR || r.sigs[0].result == AA_NEUTRAL,
		      "%s: got %s (%s)", malformed[_i].name,
		      aa_result_name(r.sigs[0].result), r.sigs[0].reason);
	ck_assert_ptr_nonnull(r.sigs[0].reason);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* d= and s= that aa_dns would ask (printable ASCII, space included) but
 * that are no DKIM names: checked here, so nothing goes on the wire. */
static const char *const odd_names[] = {
	"d=exa mple.com; s=rsa",
	"d=ex%20ample.com; s=rsa",
	"d=ex\\046ample.com; s=rsa",
	"d=example.com; s=r\\032sa",
	"d=example.com; s=r\"sa",
};

START_TEST(dkim_odd_key_names_are_permerror_without_a_lookup)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	char *msg = NULL;
	size_t len = 0;
	unsigned long before = aa_dns_queries(ctx->dns);
	FILE *f = open_memstream(&msg, &len);

	ck_assert_ptr_nonnull(f);
	fprintf(f, "DKIM-Signature: v=1; a=rsa-sha256; %s; h=from; bh=AAAA; b=AAAA\n%s",
		odd_names[_i], lf_message);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(aa_dkim_verify_message(ctx, msg, len, &r), 0);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_msg(r.sigs[0].result == AA_PERMERROR, "%s: got %s (%s)", odd_names[_i],
		      aa_result_name(r.sigs[0].result), r.sigs[0].reason);
	ck_assert_uint_eq(aa_dns_queries(ctx->dns), before);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_oversized_signature_field_is_permerror)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t big = 40000;
	char *msg = malloc(big + sizeof(lf_message));
	size_t k = 0;

	k += (size_t)sprintf(msg, "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; h=from");
	while (k < big - 20)
		k += (size_t)sprintf(msg + k, ":\n\tsubject");
	k += (size_t)sprintf(msg + k, "; bh=AAAA; b=AAAA\n");
	memcpy(msg + k, lf_message, sizeof(lf_message) - 1);
	k += sizeof(lf_message) - 1;
	verify_one(ctx, msg, k, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PERMERROR);
	ck_assert_str_eq(r.sigs[0].reason, "signature field too long");
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_no_signature_counts_zero)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;

	ck_assert_int_eq(aa_dkim_verify_message(ctx, lf_message, sizeof(lf_message) - 1, &r), 0);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_int_eq(r.temp_failed, 0);
	aa_ctx_free(&ctx);
}
END_TEST

/* What counts as a signature field (a message with none is not given to
 * the verifier by the Exim side) is exactly what the verifier reports. */
static const struct {
	const char *field;
	int signature;
} signature_fields[] = {
	{ "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA==; b=AA==", 1 },
	{ "dkim-signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA==; b=AA==", 1 },
	{ "DKIM-Signature\t: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA==; b=AA==", 1 },
	{ "DKIM-Signature : garbage", 1 },
	{ "DKIM-Signature:", 1 },
	{ "DKIM-Signatures: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA==; b=AA==", 0 },
	{ "X-DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA==; b=AA==", 0 },
	{ "DKIM-Signatur: v=1", 0 },
	{ "DKIM-Signature v=1; no colon", 0 },
};

START_TEST(dkim_signature_fields_are_told_apart_as_the_verifier_reports_them)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	const char *f = signature_fields[_i].field;
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "From: a@example.com\n%s\n\nbody\n", f);

	ck_assert_int_eq(aa_dkim_is_signature_field(f, strlen(f)), signature_fields[_i].signature);
	aa_dkim_verify_message(ctx, msg, (size_t)n, &r);
	ck_assert_msg((r.count > 0) == signature_fields[_i].signature, "%s: %zu results", f, r.count);
	aa_ctx_free(&ctx);
}
END_TEST

/* Feed a message field by field and the body in chunks of `step`
 * bytes starting at offset `first` of the body. */
static void stream(struct aa_dkim_verify *v, const char *msg, size_t len,
		   size_t first, size_t step)
{
	const char *p = msg;
	const char *end = msg + len;
	const char *body;

	for (;;) {
		const char *q = p;

		while (q < end) {	/* end of this field */
			const char *lf = memchr(q, '\n', (size_t)(end - q));

			ck_assert_ptr_nonnull(lf);
			q = lf + 1;
			if (*q != ' ' && *q != '\t')
				break;
		}
		if (*p == '\r' || *p == '\n')
			break;
		ck_assert_int_eq(aa_dkim_verify_header(v, p, (size_t)(q - p)), 0);
		p = q;
	}
	body = p + (*p == '\r' ? 2 : 1);
	ck_assert_int_eq(aa_dkim_verify_body(v, body, first), 0);
	for (const char *c = body + first; c < end; c += step) {
		size_t n = (size_t)(end - c) < step ? (size_t)(end - c) : step;

		ck_assert_int_eq(aa_dkim_verify_body(v, c, n), 0);
	}
}

START_TEST(dkim_chunk_boundary_between_cr_and_lf)
{
	static const char crlf_message[] =
		"From: alice@example.com\r\nSubject: x\r\n\r\nline one\r\nline two\r\n";
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_rsa(crlf_message, sizeof(crlf_message) - 1, &len);
	struct aa_dkim_verify *v;

	/* "line one\r" | "\n..." : the first chunk ends on the CR */
	v = aa_dkim_verify_new(ctx);
	ck_assert_ptr_nonnull(v);
	stream(v, msg, len, 9, 5);
	ck_assert_int_eq(aa_dkim_verify_finish(&v, &r), 0);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	/* one byte at a time */
	aa_ctx_end_message(ctx);
	v = aa_dkim_verify_new(ctx);
	stream(v, msg, len, 0, 1);
	ck_assert_int_eq(aa_dkim_verify_finish(&v, &r), 0);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* A body of several library chunks, with bare LF, CRLF, a lone CR and
 * long lines, verifies however the spool reader cuts it. */
START_TEST(dkim_long_body_verifies_in_any_chunking)
{
	static const size_t steps[] = { 1, 7, 8191, 8192, 8193, 1 << 20 };
	static const char head[] = "From: alice@example.com\nSubject: long\n\n";
	struct aa_ctx *ctx = keys_ctx();
	size_t cap = sizeof(head) + 40000;
	char *plain = malloc(cap);
	size_t n = sizeof(head) - 1;
	size_t len;
	char *msg;

	ck_assert_ptr_nonnull(plain);
	memcpy(plain, head, n);
	for (size_t line = 0; n + 9000 < cap; line++) {
		size_t width = (line * 977) % 8500;	/* some lines longer than a chunk */

		for (size_t i = 0; i < width; i++)
			plain[n++] = (char)('a' + (i + line) % 26);
		if (line % 5 == 3)
			plain[n++] = '\r';	/* CR LF */
		if (line % 7 == 2)
			plain[n++] = '\r', plain[n++] = 'x';	/* a lone CR */
		plain[n++] = '\n';
	}
	msg = sign_rsa(plain, n, &len);
	for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		struct aa_dkim_verify *v = aa_dkim_verify_new(ctx);
		struct aa_dkim_result r;

		ck_assert_ptr_nonnull(v);
		stream(v, msg, len, steps[k] % 5, steps[k]);
		ck_assert_int_eq(aa_dkim_verify_finish(&v, &r), 0);
		ck_assert_msg(r.sigs[0].result == AA_PASS, "step %zu", steps[k]);
		aa_ctx_end_message(ctx);
	}
	free(plain);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_body_without_final_line_end_verifies)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);

	ck_assert_int_eq(msg[len - 1], '\n');
	verify_one(ctx, msg, len - 1, &r);	/* drop the last LF */
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* A broken signature above a good one must not spoil it. */
START_TEST(dkim_bad_signature_does_not_hide_good_one)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	size_t len2;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);
	char *two = sign_with("ed25519.pem", "ed25519-sha256", "ed", false, msg, len, &len2);
	char *b = find_b(two);

	b[5] = b[5] == 'A' ? 'B' : 'A';		/* spoil the ed25519 b= */
	ck_assert_int_eq(aa_dkim_verify_message(ctx, two, len2, &r), 0);
	ck_assert_uint_eq(r.count, 2);
	ck_assert_int_eq(r.sigs[0].result, AA_FAIL);
	ck_assert_int_eq(r.sigs[1].result, AA_PASS);
	free(two);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Over AA_DKIM_SIGS_MAX signature fields: the rest are not verified
 * (and ask no DNS), but none disappears: one policy result counts them. */
START_TEST(dkim_signatures_over_the_cap_are_reported_not_dropped)
{
	static const char junk[] = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=nokey;"
				   " h=from; bh=AAAA; b=AAAA\n";
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t n = 3 * AA_DKIM_SIGS_MAX;
	size_t len = n * (sizeof(junk) - 1) + sizeof(lf_message) - 1;
	char *msg = malloc(len);
	struct aa_authres_input ain = { .authserv_id = "mx.test.example", .dkim = &r };
	const char *ar;
	size_t k = 0;

	for (size_t i = 0; i < n; i++, k += sizeof(junk) - 1)
		memcpy(msg + k, junk, sizeof(junk) - 1);
	memcpy(msg + k, lf_message, sizeof(lf_message) - 1);
	ck_assert_int_eq(aa_dkim_verify_message(ctx, msg, len, &r), 0);
	ck_assert_uint_eq(r.count, AA_DKIM_SIGS_MAX + 1);
	for (size_t i = 0; i < AA_DKIM_SIGS_MAX; i++)
		ck_assert_int_eq(r.sigs[i].result, AA_PERMERROR);
	ck_assert_int_eq(r.sigs[AA_DKIM_SIGS_MAX].result, AA_POLICY);
	ck_assert_ptr_null(r.sigs[AA_DKIM_SIGS_MAX].domain);
	ck_assert_ptr_nonnull(strstr(r.sigs[AA_DKIM_SIGS_MAX].reason, "32 more"));
	/* one question: the cache answers the other signatures */
	ck_assert_uint_le(aa_dns_queries(ctx->dns), 1);
	ar = aa_authres_build(ctx, &ain);
	ck_assert_ptr_nonnull(ar);
	ck_assert_msg(strstr(ar, "dkim=policy reason=\"32 more") != NULL, "%s", ar);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Fields the library refuses while Exim takes them as DKIM-Signature,
 * each naming a victim domain; the real signature (d=example.com) is
 * above or below. Pairing by position gave the victim the real pass
 * (or, below it, a temperror that deferred instead of rejecting). */
static const char *const refused_fields[] = {
	"DKIM-Signature\t: v=1; a=rsa-sha256; d=victim.example; s=rsa; h=from; bh=AAAA; b=AAAA\n",
	"DKIM-Signature \t : v=1; a=rsa-sha256; d=victim.example; s=rsa; h=from; bh=AAAA; b=AAAA\n",
	"DKIM-Signature: v=1; a=rsa-sha256; d=victim.example; s=rsa; t=soon; h=from; bh=AAAA; b=AAAA\n",
	"DKIM-Signature: v=1; a=rsa-sha256; d=victim.example; s=rsa; h=from; bh=AAAA; b=AAAA; \x01=x\n",
	"DKIM-Signature: v=1; a=rsa-sha256; d=victim.example; s=rsa; h=from; bh=AAAA\n",
	NULL,	/* a copy of the real field with d=victim.example: taken, fails alone */
};

START_TEST(dkim_refused_tab_colon_field_does_not_steal_another_pass)
{
	size_t variant = (size_t)_i / 2;
	bool below = _i % 2 == 1;
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);
	char *forged, *text = NULL, *d;
	size_t tlen = 0, real_len = (size_t)(strstr(msg, "\nFrom:") + 1 - msg);
	const struct aa_dkim_sig *victim, *real;
	FILE *f;

	if (refused_fields[variant] != NULL) {
		forged = strdup(refused_fields[variant]);
	} else {
		d = strstr(msg, "d=example.com");
		ck_assert_ptr_nonnull(d);
		ck_assert_int_ge(asprintf(&forged, "%.*sd=victim.example%.*s", (int)(d - msg), msg,
					  (int)(real_len - (size_t)(d - msg) - strlen("d=example.com")),
					  d + strlen("d=example.com")), 0);
	}
	f = open_memstream(&text, &tlen);
	ck_assert_ptr_nonnull(f);
	if (below)
		fprintf(f, "%.*s%s%s", (int)real_len, msg, forged, msg + real_len);
	else
		fprintf(f, "%s%s", forged, msg);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(aa_dkim_verify_message(ctx, text, tlen, &r), 0);
	ck_assert_uint_eq(r.count, 2);
	victim = &r.sigs[below ? 1 : 0];
	real = &r.sigs[below ? 0 : 1];
	ck_assert_str_eq(victim->domain, "victim.example");
	ck_assert_msg(victim->result == AA_PERMERROR, "variant %zu %s: victim got %s (%s)", variant,
		      below ? "below" : "above", aa_result_name(victim->result), victim->reason);
	ck_assert_str_eq(real->domain, "example.com");
	ck_assert_msg(real->result == AA_PASS, "variant %zu: real got %s (%s)", variant,
		      aa_result_name(real->result), real->reason);
	free(text);
	free(forged);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Key records over libopendkim's 1 KiB buffer: a 4096-bit key with a
 * long n= note must verify (RFC 8301 3.2); the record is still checked
 * whole (RFC 6376 3.2 tag-list) before it is rebuilt. */
enum long_key_edit { AS_IS, FOLDED_P, TAG_WITHOUT_EQ, P_TWICE, EIGHT_BIT_NOTE };

static const struct {
	const char *name;
	enum long_key_edit edit;
	enum aa_result result;
	const char *reason;
} long_keys[] = {
	{ "4096 bits with an n= note", AS_IS, AA_PASS, NULL },
	{ "p= folded with blanks", FOLDED_P, AA_PASS, NULL },
	{ "a tag without =", TAG_WITHOUT_EQ, AA_PERMERROR, "malformed key record" },
	{ "p= twice", P_TWICE, AA_PERMERROR, "a key record tag occurs twice" },
	{ "an 8-bit byte in the note", EIGHT_BIT_NOTE, AA_PERMERROR, "malformed key record" },
};

static char *long_key_record(enum long_key_edit edit)
{
	char *rec = aa_test_read_data("rsa4096.txt");
	char *out = calloc(1, strlen(rec) * 2 + 64);
	char *p = strstr(rec, "p="), *n = strstr(rec, "n=");
	size_t k = 0;

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(n);
	ck_assert_uint_gt(strlen(rec), 1024);
	switch (edit) {
	case AS_IS:
		strcpy(out, rec);
		break;
	case FOLDED_P:
		k = (size_t)(p + 2 - rec);
		memcpy(out, rec, k);
		for (size_t i = 0; p[2 + i] != '\0'; i++) {
			if (i > 0 && i % 64 == 0)
				out[k++] = ' ';
			out[k++] = p[2 + i];
		}
		break;
	case TAG_WITHOUT_EQ:
		strcpy(out, rec);
		out[n - rec + 1] = ' ';		/* "n authalign..." */
		break;
	case P_TWICE:
		sprintf(out, "%s; p=AAAA", rec);
		break;
	case EIGHT_BIT_NOTE:
		strcpy(out, rec);
		out[n - rec + 5] = (char)0xe9;
		break;
	}
	free(rec);
	return out;
}

START_TEST(dkim_key_record_over_1k_verifies)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dkim_result r;
	size_t len;
	char *rec = long_key_record(long_keys[_i].edit);
	char *msg = sign_with("rsa4096.pem", "rsa-sha256", "big", false,
			      lf_message, sizeof(lf_message) - 1, &len);

	aa_test_publish_text(ctx, "big._domainkey.example.com", rec);
	verify_one(ctx, msg, len, &r);
	ck_assert_msg(r.sigs[0].result == long_keys[_i].result, "%s: got %s (%s)", long_keys[_i].name,
		      aa_result_name(r.sigs[0].result), r.sigs[0].reason);
	if (long_keys[_i].result == AA_PASS)
		ck_assert_uint_eq(r.sigs[0].key_bits, 4096);
	if (long_keys[_i].reason != NULL)
		ck_assert_str_eq(r.sigs[0].reason, long_keys[_i].reason);
	free(msg);
	free(rec);
	aa_ctx_free(&ctx);
}
END_TEST

/* The verifier cannot start (no memory for its state, for its field
 * buffer, or inside the library): no dkim=none (which lets DMARC fail
 * and reject), but an incomplete result and dkim=temperror. */
START_TEST(dkim_verifier_start_failure_is_temperror)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	struct aa_authres_input ain = { .authserv_id = "mx.test.example", .dkim = &r };
	size_t len;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);
	struct aa_dkim_verify *v;
	const char *ar;

	/* the library handle is made once per process, outside the arena */
	v = aa_dkim_verify_new(ctx);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(aa_dkim_verify_finish(&v, &r), 0);
	aa_ctx_end_message(ctx);
	aa_arena_fail_after(ctx->arena, (size_t)_i, SIZE_MAX);
	ck_assert_int_eq(aa_dkim_verify_message(ctx, msg, len, &r), -1);
	ck_assert_uint_gt(aa_arena_fail_after(ctx->arena, SIZE_MAX, 0), 0);
	ck_assert_int_eq(r.incomplete, 1);
	ck_assert_uint_eq(r.count, 0);
	ar = aa_authres_build(ctx, &ain);
	ck_assert_ptr_nonnull(ar);
	ck_assert_msg(strstr(ar, "dkim=temperror") != NULL, "%s", ar);
	ck_assert_ptr_null(strstr(ar, "dkim=none"));
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* An allocation that fails anywhere (ours or the library's) never
 * turns a good signature into fail, permerror, policy or none: each is
 * still a pass, or temperror, or the result is incomplete (DMARC defers). */
START_TEST(dkim_out_of_memory_anywhere_never_loses_a_pass)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len, len2;
	char *msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &len);
	char *two = sign_with("ed25519.pem", "ed25519-sha256", "ed", false, msg, len, &len2);
	size_t n, refused = 1;

	for (n = 0; n < 5000 && refused > 0; n++) {
		aa_ctx_end_message(ctx);
		aa_arena_fail_after(ctx->arena, n, SIZE_MAX);
		aa_dkim_verify_message(ctx, two, len2, &r);
		refused = aa_arena_fail_after(ctx->arena, SIZE_MAX, 0);
		for (size_t i = 0; i < r.count; i++) {
			const struct aa_dkim_sig *s = &r.sigs[i];

			ck_assert_msg(s->result == AA_PASS || s->result == AA_TEMPERROR,
				      "allocation %zu refused: %s (%s)", n, aa_result_name(s->result), s->reason);
			ck_assert_msg(s->result != AA_PASS || s->domain != NULL, "allocation %zu: pass without d=", n);
		}
		if (refused > 0)
			ck_assert_msg(r.incomplete || (r.count == 2 && r.sigs[0].domain != NULL &&
						       r.sigs[1].domain != NULL),
				      "allocation %zu refused, result neither complete nor incomplete", n);
		else
			ck_assert_msg(!r.incomplete && r.count == 2 && r.sigs[0].result == AA_PASS &&
				      r.sigs[1].result == AA_PASS, "no refusal at %zu but no pass", n);
	}
	ck_assert_uint_gt(n, 10);	/* the sweep went through the library too */
	ck_assert_uint_lt(n, 5000);
	free(two);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* h= that selects every header field the library holds and names one
 * more: libopendkim 2.11's dkim_canon_selecthdrs() then writes one
 * pointer past its array (one slot per field). Such a signature is
 * permerror; the others on the message are still verified. The fields
 * below come before the check_dkim message and its real signature
 * (5 fields + 1); "%S" in h stands for the bad signature fields. */
#define ALL6 "From:To:Subject:Date:Message-ID:DKIM-Signature"
static const struct {
	const char *name;
	const char *extra;	/* fields above the bad signatures */
	unsigned nbad;		/* bad signature fields, each with h */
	const char *h;
	bool overflows;		/* else: judged as usual (fail), not permerror */
} h_over[] = {
	{ "every field and one more", "", 1, ALL6 ":DKIM-Signature:From", true },
	{ "twice the fields", "", 1,
	  "From:From:To:To:Subject:Subject:Date:Date:Message-ID:Message-ID:"
	  "DKIM-Signature:DKIM-Signature:DKIM-Signature:DKIM-Signature", true },
	{ "ten times the fields", "", 1, NULL, true },	/* built: ALL6 + DKIM-Signature, x10 */
	{ "a name repeated, in the message three times",
	  "Received: a\nReceived: b\nreceived: c\n", 1,
	  "Received:Received:Received:Received:" ALL6 ":DKIM-Signature:X-Unknown", true },
	{ "many signatures", "", 8,
	  "DKIM-Signature:DKIM-Signature:DKIM-Signature:DKIM-Signature:DKIM-Signature:"
	  "DKIM-Signature:DKIM-Signature:DKIM-Signature:DKIM-Signature:"
	  "From:To:Subject:Date:Message-ID:From", true },
	/* more names than fields, but one field never selected: no overflow */
	{ "twenty times From", "", 1,
	  "From:From:From:From:From:From:From:From:From:From:"
	  "From:From:From:From:From:From:From:From:From:From", false },
	{ "every field but the bad one itself", "", 1, ALL6 ":From:From:To", false },
};

static char *h_over_message(unsigned i, const char *signed_msg, size_t signed_len, size_t *len_r)
{
	static const char sig[] = "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa;"
				  " bh=AAAA; h=%s; b=AAAA\n";
	char h[2048];
	char *out;
	size_t k;
	size_t cap;

	if (h_over[i].h != NULL) {
		snprintf(h, sizeof(h), "%s", h_over[i].h);
	} else {
		k = 0;
		for (int j = 0; j < 10; j++)
			k += (size_t)snprintf(h + k, sizeof(h) - k, "%s" ALL6 ":DKIM-Signature",
					      j == 0 ? "" : ":");
		ck_assert_uint_lt(k, sizeof(h));
	}
	cap = strlen(h_over[i].extra) + h_over[i].nbad * (sizeof(sig) + strlen(h)) + signed_len;
	out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	k = (size_t)sprintf(out, "%s", h_over[i].extra);
	for (unsigned j = 0; j < h_over[i].nbad; j++)
		k += (size_t)sprintf(out + k, sig, h);
	memcpy(out + k, signed_msg, signed_len);
	*len_r = k + signed_len;
	return out;
}

START_TEST(dkim_h_tag_naming_more_fields_than_the_message_has_is_permerror_without_overflow)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t slen;
	size_t len;
	char *signed_msg = sign_rsa(lf_message, sizeof(lf_message) - 1, &slen);
	char *msg = h_over_message((unsigned)_i, signed_msg, slen, &len);
	unsigned nbad = h_over[_i].nbad;

	ck_assert_int_eq(aa_dkim_verify_message(ctx, msg, len, &r), 0);
	ck_assert_uint_eq(r.count, nbad + 1);
	for (unsigned j = 0; j < nbad; j++) {
		bool said = r.sigs[j].reason != NULL && strstr(r.sigs[j].reason, "h=") != NULL;

		if (h_over[_i].overflows)
			ck_assert_msg(r.sigs[j].result == AA_PERMERROR && said, "%s: sig %u: %s (%s)",
				      h_over[_i].name, j, aa_result_name(r.sigs[j].result),
				      r.sigs[j].reason);
		else
			ck_assert_msg(r.sigs[j].result == AA_FAIL && !said, "%s: %s (%s)",
				      h_over[_i].name, aa_result_name(r.sigs[j].result),
				      r.sigs[j].reason);
	}
	ck_assert_msg(r.sigs[nbad].result == AA_PASS, "%s: the real signature: %s (%s)",
		      h_over[_i].name, aa_result_name(r.sigs[nbad].result), r.sigs[nbad].reason);
	free(msg);
	free(signed_msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* The fuzzer's find, as it came: no From field, no body. */
START_TEST(dkim_h_tag_over_a_message_without_from_is_permerror_without_overflow)
{
	static const char msg[] =
		"Received: from x by mx.test.example\n"
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=rsa; bh=AAAA;"
		" h=Received:DKIM-Signature:From; b=AAAA\n";
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;

	verify_one(ctx, msg, sizeof(msg) - 1, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PERMERROR);
	ck_assert_ptr_nonnull(strstr(r.sigs[0].reason, "h="));
	aa_ctx_free(&ctx);
}
END_TEST

/* The oversigning of real signers (h= names From once more than the
 * message has it) is no such h=. */
START_TEST(dkim_oversigned_from_still_passes)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	size_t len;
	char *key = aa_test_read_data("rsa2048.pem");
	struct aa_test_sign o = {
		.key = key, .algorithm = "rsa-sha256", .domain = "example.com",
		.selector = "rsa", .oversign_from = true,
	};
	char *msg = aa_test_sign(&o, lf_message, sizeof(lf_message) - 1, &len);

	ck_assert_ptr_nonnull(msg);
	verify_one(ctx, msg, len, &r);
	ck_assert_int_eq(r.sigs[0].result, AA_PASS);
	free(msg);
	free(key);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_misuse_is_refused)
{
	struct aa_ctx *ctx = keys_ctx();
	struct aa_dkim_result r;
	struct aa_dkim_verify *v = aa_dkim_verify_new(ctx);

	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(aa_dkim_verify_body(v, "x\n", 2), 0);
	ck_assert_int_eq(aa_dkim_verify_header(v, "From: a@b.c\n", 12), -1);
	ck_assert_int_eq(aa_dkim_verify_finish(&v, &r), 0);
	ck_assert_int_eq(aa_dkim_verify_finish(&v, &r), -1);
	ck_assert_int_eq(aa_dkim_verify_header(NULL, "a: b", 4), -1);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(dkim_verification_left_open_ends_with_the_message)
{
	struct aa_ctx *ctx = keys_ctx();
	size_t before = aa_dkim_verify_open_count();
	struct aa_dkim_result r;
	struct aa_dkim_verify *v = aa_dkim_verify_new(ctx);

	/* never finished: the message's end frees what the library holds */
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(aa_dkim_verify_header(v, "From: a@b.example\n", 18), 0);
	ck_assert_uint_eq(aa_dkim_verify_open_count(), before + 1);
	aa_ctx_end_message(ctx);
	ck_assert_uint_eq(aa_dkim_verify_open_count(), before);
	/* finished: ended once, and the message's end does not end it again */
	v = aa_dkim_verify_new(ctx);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(aa_dkim_verify_finish(&v, &r), 0);
	ck_assert_uint_eq(aa_dkim_verify_open_count(), before);
	aa_ctx_end_message(ctx);
	ck_assert_uint_eq(aa_dkim_verify_open_count(), before);
	/* no memory for the hook: nothing starts, nothing stays open */
	aa_arena_fail_after(ctx->arena, 3, SIZE_MAX);
	v = aa_dkim_verify_new(ctx);
	aa_arena_fail_after(ctx->arena, 0, 0);
	if (v != NULL)
		aa_dkim_verify_abort(&v, &r);
	ck_assert_uint_eq(aa_dkim_verify_open_count(), before);
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_dkim(void)
{
	Suite *s = suite_create("dkim");
	TCase *tc = tcase_create("verify");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, dkim_relaxed_signature_over_lf_body_passes);
	tcase_add_test(tc, dkim_crlf_message_passes_too);
	tcase_add_test(tc, dkim_rsa_keys_take_their_own_decoder_only_while_verifying);
	tcase_add_test(tc, dkim_rsa_direct_decodes_every_variant_as_the_decoder_search);
	tcase_add_test(tc, dkim_body_altered_gives_fail);
	tcase_add_test(tc, dkim_signed_header_altered_gives_fail);
	tcase_add_loop_test(tc, dkim_key_lookup_failures_map_to_results, 0,
			    sizeof(key_failures) / sizeof(key_failures[0]));
	tcase_add_test(tc, dkim_two_key_records_give_permerror);
	tcase_add_test(tc, dkim_rsa_sha1_is_permerror_not_fail_and_fetches_no_key);
	tcase_add_test(tc, dkim_rsa_sha1_is_judged_as_the_library_reads_a);
	tcase_add_test(tc, dkim_key_under_1024_bits_is_policy_not_fail);
	tcase_add_test(tc, dkim_ed25519_passes);
	tcase_add_test(tc, dkim_l_tag_is_flagged_and_verified);
	tcase_add_loop_test(tc, dkim_malformed_signature_is_permerror_not_crash, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_loop_test(tc, dkim_odd_key_names_are_permerror_without_a_lookup, 0,
			    sizeof(odd_names) / sizeof(odd_names[0]));
	tcase_add_test(tc, dkim_oversized_signature_field_is_permerror);
	tcase_add_test(tc, dkim_no_signature_counts_zero);
	tcase_add_loop_test(tc, dkim_signature_fields_are_told_apart_as_the_verifier_reports_them, 0,
			    (int)(sizeof(signature_fields) / sizeof(signature_fields[0])));
	tcase_add_test(tc, dkim_chunk_boundary_between_cr_and_lf);
	tcase_add_test(tc, dkim_long_body_verifies_in_any_chunking);
	tcase_add_test(tc, dkim_body_without_final_line_end_verifies);
	tcase_add_test(tc, dkim_bad_signature_does_not_hide_good_one);
	tcase_add_test(tc, dkim_signatures_over_the_cap_are_reported_not_dropped);
	tcase_add_loop_test(tc, dkim_refused_tab_colon_field_does_not_steal_another_pass, 0,
			    2 * (int)(sizeof(refused_fields) / sizeof(refused_fields[0])));
	tcase_add_loop_test(tc, dkim_key_record_over_1k_verifies, 0,
			    (int)(sizeof(long_keys) / sizeof(long_keys[0])));
	tcase_add_loop_test(tc, dkim_verifier_start_failure_is_temperror, 0, 3);
	tcase_add_test(tc, dkim_out_of_memory_anywhere_never_loses_a_pass);
	tcase_add_test(tc, dkim_misuse_is_refused);
	tcase_add_test(tc, dkim_verification_left_open_ends_with_the_message);
	tcase_add_loop_test(tc, dkim_h_tag_naming_more_fields_than_the_message_has_is_permerror_without_overflow,
			    0, sizeof(h_over) / sizeof(h_over[0]));
	tcase_add_test(tc, dkim_h_tag_over_a_message_without_from_is_permerror_without_overflow);
	tcase_add_test(tc, dkim_oversigned_from_still_passes);
	suite_add_tcase(s, tc);
	return s;
}
