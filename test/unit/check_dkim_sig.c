/* check_dkim_sig.c - signatures checked by core/dkim/dkim_sig.c get the
 * verdicts libopendkim gives when it checks them itself.
 *
 * Every key (512, 2048 and 4096 bits) is published under many key
 * records, plain and not, and each is tried with signatures that pass,
 * that were altered, that carry i= against t=s, l=, or a b= only a
 * lenient decoder reads. Each message is judged twice, by the library
 * (aa_dkim_sig_to_library) and here, and result, reason, key size and
 * domain must be the same; the counter says which side checked it, so
 * the test also fails when the plain records stop being taken here.
 * Then: a key is decoded once for a process's messages, a key record
 * that changes is followed, and more keys than are kept still verify.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <openssl/rsa.h>
#include "aa_test.h"
#include "aa_dkim.h"
#include "aa_dkim_testsign.h"
#include "../../core/dkim/dkim_int.h"

static const char message[] =
	"From: Alice <alice@example.com>\n"
	"To: bob@example.net\n"
	"Subject: keys\n"
	"Date: Mon, 7 Dec 2026 10:00:00 +0000\n"
	"\n"
	"Hello Bob,\n"
	"a line  with   spaces \t\n"
	"\n";

struct verdict {
	enum aa_result result;
	char reason[160];
	unsigned bits;
	char domain[64];
	size_t count;
	int incomplete;
};

static struct verdict judge(struct aa_ctx *ctx, const char *msg, size_t len, bool by_library)
{
	struct aa_dkim_result r;
	struct verdict out;

	memset(&out, 0, sizeof(out));
	aa_dkim_sig_to_library(by_library);
	aa_dkim_verify_message(ctx, msg, len, &r);
	aa_dkim_sig_to_library(false);
	out.count = r.count;
	out.incomplete = r.incomplete;
	if (r.count > 0) {
		out.result = r.sigs[0].result;
		snprintf(out.reason, sizeof(out.reason), "%s", r.sigs[0].reason != NULL ? r.sigs[0].reason : "");
		out.bits = r.sigs[0].key_bits;
		snprintf(out.domain, sizeof(out.domain), "%s", r.sigs[0].domain != NULL ? r.sigs[0].domain : "");
	}
	aa_ctx_end_message(ctx);
	return out;
}

/* The base64 of p= in a test/data/dkim/ record. */
static char *p_of(const char *file)
{
	char *rec = aa_test_read_data(file);
	char *p = strstr(rec, "p=");
	char *out;

	ck_assert_ptr_nonnull(p);
	out = strdup(p + 2);
	ck_assert_ptr_nonnull(out);
	out[strcspn(out, "; \t\r\n")] = '\0';
	free(rec);
	return out;
}

/* Key records around one p= (%s), and whether each is plain enough to
 * be read here (dkim_key.c). */
static const struct {
	const char *text;
	bool plain;
} records[] = {
	{ "v=DKIM1; k=rsa; p=%s", true },
	{ "p=%s", true },
	{ "v=DKIM1; h=sha256; k=rsa; s=email; t=y; p=%s", true },
	{ "v=DKIM1; h=sha1:sha256; s=*; p=%s", true },
	{ "v=DKIM1; s=other:email; p=%s; n=a note with spaces", true },
	{ "v=DKIM1; t=s; p=%s", true },
	{ "v=DKIM1; t=y:s; p=%s;", true },
	{ "  v=DKIM1 ;\tk = rsa ;  p = %s  ", true },
	{ "v=DKIM1; k=rsa; x_future=1; p=%s", true },
	{ "v=DKIM1; k=rsa; x-future=1; p=%s", false },	/* not a tag name (RFC 6376 3.2) */
	{ "k=rsa; p=%s; v=DKIM1", false },		/* v= not first */
	{ "v=DKIM1; h=sha1; p=%s", false },		/* the key refuses sha256 */
	{ "v=DKIM1; h=SHA256; p=%s", false },
	{ "v=DKIM1; h=md5:sha256; p=%s", false },
	{ "v=DKIM1; s=other; p=%s", false },		/* not for email */
	{ "v=DKIM1; t=S; p=%s", false },
	{ "v=DKIM1; t=x; p=%s", false },
	{ "v=DKIM1; t=s:; p=%s", false },
	{ "v=DKIM1; k=ed25519; p=%s", false },
	{ "v=DKIM2; p=%s", false },
	{ "v=DKIM1; p=", false },			/* revoked */
	{ "v=DKIM1; p=%s; P=x", false },
	{ "v=DKIM1; K=rsa; p=%s", false },
	{ "v=DKIM1; k=rsa; k=rsa; p=%s", false },
	{ "v=DKIM1; p=%s; p=%s", false },
	{ "v=DKIM1;; p=%s", false },
	{ "v=DKIM1; p=%s=", false },			/* padding not base64 allows */
	{ "v=DKIM1; p=%s!", false },			/* a byte base64 does not have */
	{ "v=DKIM1; p=AA%s", false },			/* another DER */
	{ "v=DKIM1; k=rsa; h=sha 256; p=%s", false },
};

/* What a signature is made with, and how it is altered after. */
enum variant {
	SIG_RELAXED, SIG_SIMPLE, BODY_ALTERED, HEADER_ALTERED, B_ALTERED,
	I_SUBDOMAIN, I_SAME_DOMAIN, WITH_L, B_LENIENT, VARIANTS
};

/* Variants checked here when the record is plain. */
static bool variant_checked_here(enum variant w)
{
	return w != WITH_L && w != B_LENIENT;
}

static char *signed_over(const char *in, size_t in_len, const char *key, const char *selector,
			 enum variant w, size_t *len_r);

static char *signed_message(const char *key, const char *selector, enum variant w, size_t *len_r)
{
	return signed_over(message, sizeof(message) - 1, key, selector, w, len_r);
}

/* in, signed once more (the new field on top, which w alters). */
static char *signed_over(const char *in, size_t in_len, const char *key, const char *selector,
			 enum variant w, size_t *len_r)
{
	struct aa_test_sign o = {
		.key = key, .algorithm = "rsa-sha256", .domain = "example.com",
		.selector = selector, .header_simple = w == SIG_SIMPLE,
		.body_simple = w == SIG_SIMPLE, .with_l = w == WITH_L,
		.signer = w == I_SUBDOMAIN ? "alice@sub.example.com" :
			  w == I_SAME_DOMAIN ? "alice@EXAMPLE.com" : NULL,
	};
	char *msg = aa_test_sign(&o, in, in_len, len_r);
	char *b, *grown;

	ck_assert_ptr_nonnull(msg);
	/* b= itself: after white space or ';', not inside another value */
	for (b = strstr(msg, "b="); b != NULL && b > msg && strchr(" \t\n;", b[-1]) == NULL;
	     b = strstr(b + 1, "b="))
		;
	ck_assert_ptr_nonnull(b);
	b += 2;
	while (*b == ' ' || *b == '\r' || *b == '\n' || *b == '\t')
		b++;
	switch (w) {
	case BODY_ALTERED:
		grown = realloc(msg, *len_r + 8);
		ck_assert_ptr_nonnull(grown);
		msg = grown;
		memcpy(msg + *len_r, "P.S.\n", 6);
		*len_r += 5;
		break;
	case HEADER_ALTERED:
		b = strstr(msg, "Subject: keys");
		ck_assert_ptr_nonnull(b);
		b[9] = 'K';
		break;
	case B_ALTERED:
		b[10] = b[10] == 'A' ? 'B' : 'A';
		break;
	case B_LENIENT:	/* one byte more, which libopendkim's decoder skips */
		grown = malloc(*len_r + 2);
		ck_assert_ptr_nonnull(grown);
		memcpy(grown, msg, (size_t)(b - msg) + 4);
		grown[b - msg + 4] = '.';
		memcpy(grown + (b - msg) + 5, b + 4, *len_r - (size_t)(b - msg) - 4 + 1);
		free(msg);
		msg = grown;
		*len_r += 1;
		break;
	default:
		break;
	}
	return msg;
}

static const char *const key_names[] = { "rsa512", "rsa2048", "rsa4096" };

/* Every key x record x signature: the same verdict both ways, checked
 * here exactly when the record is plain and the signature is one this
 * project takes. */
START_TEST(dkim_sig_checked_here_gives_the_librarys_verdict_on_every_record_and_signature)
{
	char file[32];
	char *key, *p;
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	unsigned here_pass = 0, here_other = 0, lib_only = 0;

	snprintf(file, sizeof(file), "%s.pem", key_names[_i]);
	key = aa_test_read_data(file);
	snprintf(file, sizeof(file), "%s.txt", key_names[_i]);
	p = p_of(file);
	for (size_t r = 0; r < sizeof(records) / sizeof(records[0]); r++) {
		char selector[16], name[64], rec[2048];

		snprintf(selector, sizeof(selector), "k%zu", r);
		snprintf(name, sizeof(name), "%s._domainkey.example.com", selector);
		snprintf(rec, sizeof(rec), records[r].text, p, p);
		aa_test_publish_text(ctx, name, rec);
		for (int w = 0; w < VARIANTS; w++) {
			size_t len;
			char *msg = signed_message(key, selector, (enum variant)w, &len);
			unsigned long before = aa_dkim_sig_checked();
			struct verdict lib = judge(ctx, msg, len, true);
			unsigned long between = aa_dkim_sig_checked();
			struct verdict here = judge(ctx, msg, len, false);
			/* checked here once, or twice when the message went on to
			 * the library path after dkim_own.c (a signature that did
			 * not pass there is checked again in the library's callback) */
			bool taken = aa_dkim_sig_checked() - between >= 1;

			ck_assert_uint_eq(between, before);
			ck_assert_msg(lib.count == 1 && here.count == 1, "%s %zu/%d: one signature", key_names[_i], r, w);
			ck_assert_msg(lib.result == here.result && strcmp(lib.reason, here.reason) == 0 &&
				      lib.bits == here.bits && strcmp(lib.domain, here.domain) == 0 &&
				      lib.incomplete == here.incomplete,
				      "%s record %zu (%s), variant %d: library %d \"%s\" %u bits, here %d \"%s\" %u bits",
				      key_names[_i], r, records[r].text, w, lib.result, lib.reason, lib.bits,
				      here.result, here.reason, here.bits);
			ck_assert_msg(taken == (records[r].plain && variant_checked_here((enum variant)w)),
				      "%s record %zu (%s), variant %d: %s here", key_names[_i], r,
				      records[r].text, w, taken ? "checked" : "not checked");
			if (taken && here.result == AA_PASS)
				here_pass++;
			else if (taken)
				here_other++;
			else
				lib_only++;
			free(msg);
		}
	}
	/* the cases reach every side: passes, other verdicts, the library */
	if (_i > 0)
		ck_assert_uint_gt(here_pass, 0);
	ck_assert_uint_gt(here_other, 0);
	ck_assert_uint_gt(lib_only, 0);
	free(p);
	free(key);
	aa_ctx_free(&ctx);
}
END_TEST

/* A zone with rsa2048's record at selector._domainkey.example.com and
 * a message it signed (relaxed), malloc'd into *msg_r. */
static struct aa_ctx *rsa2048_signed(const char *selector, char **msg_r, size_t *len_r)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char *key = aa_test_read_data("rsa2048.pem");
	char name[64];

	snprintf(name, sizeof(name), "%s._domainkey.example.com", selector);
	aa_test_publish(ctx, name, "rsa2048.txt");
	*msg_r = signed_message(key, selector, SIG_RELAXED, len_r);
	free(key);
	return ctx;
}

/* One key, decoded once for all the messages of a process (a
 * connection), and every message checked. */
START_TEST(dkim_sig_key_is_decoded_once_for_a_connections_messages)
{
	size_t len;
	char *msg;
	struct aa_ctx *ctx = rsa2048_signed("once", &msg, &len);
	unsigned long checked, decoded;

	ck_assert_int_eq(judge(ctx, msg, len, false).result, AA_PASS);	/* the key is kept */
	checked = aa_dkim_sig_checked();
	decoded = aa_dkim_sig_keys_decoded();
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(judge(ctx, msg, len, false).result, AA_PASS);
	ck_assert_uint_eq(aa_dkim_sig_checked() - checked, 5);
	ck_assert_uint_eq(aa_dkim_sig_keys_decoded(), decoded);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* A kept key is found by its bytes, never by its name: when the record
 * at a name changes to another key, the signature made with the first
 * one fails, and passes again when the first key comes back. */
START_TEST(dkim_sig_key_kept_follows_the_record_not_the_name)
{
	char *key = aa_test_read_data("rsa2048.pem");
	char *p_other = p_of("rsa4096.txt");
	char other[1024];
	size_t len;
	char *msg = signed_message(key, "turn", SIG_RELAXED, &len);
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct verdict v;

	aa_test_publish(ctx, "turn._domainkey.example.com", "rsa2048.txt");
	ck_assert_int_eq(judge(ctx, msg, len, false).result, AA_PASS);
	aa_ctx_free(&ctx);

	ctx = aa_test_ctx(NULL);
	snprintf(other, sizeof(other), "v=DKIM1; k=rsa; p=%s", p_other);
	aa_test_publish_text(ctx, "turn._domainkey.example.com", other);
	v = judge(ctx, msg, len, false);
	ck_assert_int_eq(v.result, AA_FAIL);
	ck_assert_uint_eq(v.bits, 4096);
	aa_ctx_free(&ctx);

	ctx = aa_test_ctx(NULL);
	aa_test_publish(ctx, "turn._domainkey.example.com", "rsa2048.txt");
	v = judge(ctx, msg, len, false);
	ck_assert_int_eq(v.result, AA_PASS);
	ck_assert_uint_eq(v.bits, 2048);
	aa_ctx_free(&ctx);
	free(msg);
	free(p_other);
	free(key);
}
END_TEST

/* The base64 of the DER public key of a new RSA key, and its PEM. */
static void new_key(char **pem_r, char **p_r)
{
	EVP_PKEY *pkey = EVP_RSA_gen(1024);
	unsigned char *der = NULL;
	int n;
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;

	ck_assert_ptr_nonnull(pkey);
	ck_assert_ptr_nonnull(bio);
	n = i2d_PUBKEY(pkey, &der);
	ck_assert_int_gt(n, 0);
	*p_r = calloc(1, 4 * ((size_t)n + 2) / 3 + 4);
	ck_assert_ptr_nonnull(*p_r);
	EVP_EncodeBlock((unsigned char *)*p_r, der, n);
	ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL), 1);
	len = BIO_get_mem_data(bio, &data);
	*pem_r = calloc(1, (size_t)len + 1);
	ck_assert_ptr_nonnull(*pem_r);
	memcpy(*pem_r, data, (size_t)len);
	BIO_free(bio);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
}

#define MANY_KEYS 12	/* more than dkim_sig.c keeps */

/* More signers than keys are kept: every message still gets its own
 * key's verdict (a pass; a fail under the next signer's key), and a key
 * pushed out is decoded again. */
START_TEST(dkim_sig_more_keys_than_kept_still_verify)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char *pem[MANY_KEYS], *p[MANY_KEYS], *msg[MANY_KEYS];
	size_t len[MANY_KEYS];
	unsigned long decoded;

	for (int i = 0; i < MANY_KEYS; i++) {
		char sel[16], name[64], rec[512];

		new_key(&pem[i], &p[i]);
		snprintf(sel, sizeof(sel), "m%d", i);
		snprintf(name, sizeof(name), "m%d._domainkey.example.com", i);
		snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", p[i]);
		aa_test_publish_text(ctx, name, rec);
		msg[i] = signed_message(pem[i], sel, SIG_RELAXED, &len[i]);
	}
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < MANY_KEYS; i++)
			ck_assert_int_eq(judge(ctx, msg[i], len[i], false).result, AA_PASS);
	decoded = aa_dkim_sig_keys_decoded();
	ck_assert_int_eq(judge(ctx, msg[0], len[0], false).result, AA_PASS);
	ck_assert_uint_eq(aa_dkim_sig_keys_decoded(), decoded + 1);	/* pushed out: again */
	aa_ctx_free(&ctx);
	/* each signature under the next signer's key fails */
	ctx = aa_test_ctx(NULL);
	for (int i = 0; i < MANY_KEYS; i++) {
		char name[64], rec[512];

		snprintf(name, sizeof(name), "m%d._domainkey.example.com", i);
		snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", p[(i + 1) % MANY_KEYS]);
		aa_test_publish_text(ctx, name, rec);
	}
	for (int i = 0; i < MANY_KEYS; i++) {
		ck_assert_int_eq(judge(ctx, msg[i], len[i], false).result, AA_FAIL);
		free(msg[i]);
		free(pem[i]);
		free(p[i]);
	}
	aa_ctx_free(&ctx);
}
END_TEST

/* Every signature's result, reason and key size, into out (up to n). */
static size_t judge_all(struct aa_ctx *ctx, const char *msg, size_t len, bool by_library,
			struct verdict *out, size_t n)
{
	struct aa_dkim_result r;
	size_t k;

	aa_dkim_sig_to_library(by_library);
	aa_dkim_verify_message(ctx, msg, len, &r);
	aa_dkim_sig_to_library(false);
	for (k = 0; k < r.count && k < n; k++) {
		memset(&out[k], 0, sizeof(out[k]));
		out[k].result = r.sigs[k].result;
		snprintf(out[k].reason, sizeof(out[k].reason), "%s", r.sigs[k].reason);
		out[k].bits = r.sigs[k].key_bits;
		out[k].incomplete = r.incomplete;
	}
	aa_ctx_end_message(ctx);
	return r.count;
}

/* One message, three signatures: the library's (a b= only its lenient
 * decoder reads), one checked here with a key not kept yet, the
 * library's again; then two with one key (same d= and s=), checked here. Each gets the
 * library's verdict, and RSA's own decoder is registered once for the
 * whole message (windows nest: the key decoded here does not end the
 * library's). */
START_TEST(dkim_sig_mixed_signatures_get_the_librarys_verdicts_in_one_decoder_window)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char *k2048 = aa_test_read_data("rsa2048.pem"), *k4096 = aa_test_read_data("rsa4096.pem");
	char *pem, *p, rec[1024];
	size_t l1, l2, l3, l4;
	char *m1, *m2, *m3, *m4;
	struct verdict lib[4], here[4];
	unsigned long windows, checked;

	new_key(&pem, &p);
	snprintf(rec, sizeof(rec), "v=DKIM1; k=rsa; p=%s", p);
	aa_test_publish_text(ctx, "fresh._domainkey.example.com", rec);
	aa_test_publish(ctx, "la._domainkey.example.com", "rsa2048.txt");
	aa_test_publish(ctx, "lc._domainkey.example.com", "rsa4096.txt");
	m1 = signed_message(k4096, "lc", B_LENIENT, &l1);
	m2 = signed_over(m1, l1, pem, "fresh", SIG_RELAXED, &l2);
	m3 = signed_over(m2, l2, k2048, "la", B_LENIENT, &l3);
	ck_assert_uint_eq(judge_all(ctx, m3, l3, true, lib, 4), 3);
	windows = aa_dkim_rsa_direct_windows();
	ck_assert_uint_eq(judge_all(ctx, m3, l3, false, here, 4), 3);
	ck_assert_uint_eq(aa_dkim_rsa_direct_windows(), windows + 1);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(here[i].result, AA_PASS);
		ck_assert_int_eq(lib[i].result, here[i].result);
		ck_assert_str_eq(lib[i].reason, here[i].reason);
		ck_assert_uint_eq(lib[i].bits, here[i].bits);
	}
	/* over the first two, one key's second signature (another
	 * canonicalization): both of that key's checked here */
	m4 = signed_over(m2, l2, pem, "fresh", SIG_SIMPLE, &l4);
	ck_assert_uint_eq(judge_all(ctx, m4, l4, true, lib, 4), 3);
	checked = aa_dkim_sig_checked();
	ck_assert_uint_eq(judge_all(ctx, m4, l4, false, here, 4), 3);
	ck_assert_uint_eq(aa_dkim_sig_checked() - checked, 2);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(here[i].result, AA_PASS);
		ck_assert_int_eq(lib[i].result, here[i].result);
		ck_assert_uint_eq(lib[i].bits, here[i].bits);
	}
	free(m1);
	free(m2);
	free(m3);
	free(m4);
	free(pem);
	free(p);
	free(k2048);
	free(k4096);
	aa_ctx_free(&ctx);
}
END_TEST

/* RSA_verify() failing for want of memory is not "did not verify": the
 * signature is temperror and the result incomplete (DMARC defers), never
 * a fail that could make a reject. */
START_TEST(dkim_sig_check_without_memory_is_temperror_not_fail)
{
	size_t len;
	char *msg;
	struct aa_ctx *ctx = rsa2048_signed("oom", &msg, &len);
	struct verdict v;

	/* in the library's callback */
	aa_dkim_own_to_library(true);
	aa_dkim_sig_fail_next_for_memory();
	v = judge(ctx, msg, len, false);
	ck_assert_int_eq(v.result, AA_TEMPERROR);
	ck_assert_int_eq(v.incomplete, 1);
	ck_assert_int_eq(judge(ctx, msg, len, false).result, AA_PASS);	/* the next one runs */
	/* in dkim_own.c: not decided there, so the library path checks it */
	aa_dkim_own_to_library(false);
	aa_dkim_sig_fail_next_for_memory();
	v = judge(ctx, msg, len, false);
	ck_assert_int_eq(v.result, AA_PASS);
	ck_assert_int_eq(v.incomplete, 0);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* A check cut short inside RSA_verify() (Exim's timeout ends
 * local_scan() there; the key's lock may stay held): the next message
 * never uses that key object again, but decodes the key afresh and
 * passes. */
START_TEST(dkim_sig_key_of_a_check_cut_short_is_decoded_again)
{
	size_t len;
	char *msg;
	struct aa_ctx *ctx = rsa2048_signed("cut", &msg, &len);
	unsigned long decoded;

	ck_assert_int_eq(judge(ctx, msg, len, false).result, AA_PASS);	/* kept */
	decoded = aa_dkim_sig_keys_decoded();
	aa_dkim_sig_cut_next_short();
	/* the check after the cut (this message's next one, by the library
	 * path, or the next message's) decodes the key afresh, once */
	ck_assert_int_eq(judge(ctx, msg, len, false).result, AA_PASS);
	ck_assert_int_eq(judge(ctx, msg, len, false).result, AA_PASS);
	ck_assert_uint_eq(aa_dkim_sig_keys_decoded(), decoded + 1);
	decoded = aa_dkim_sig_keys_decoded();
	ck_assert_int_eq(judge(ctx, msg, len, false).result, AA_PASS);	/* kept again */
	ck_assert_uint_eq(aa_dkim_sig_keys_decoded(), decoded);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* Strict base64 as DKIM writes it, and nothing looser. */
START_TEST(dkim_b64_decode_takes_only_strict_base64)
{
	unsigned char out[16];
	size_t n = 0;

	ck_assert_int_eq(aa_dkim_b64_decode("TWFu", 4, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(memcmp(out, "Man", 3), 0);
	ck_assert_int_eq(aa_dkim_b64_decode("TW\r\n Fu\tYQ==", 12, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(memcmp(out, "Mana", 4), 0);
	ck_assert_int_eq(aa_dkim_b64_decode("TWFuYW4=", 8, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(aa_dkim_b64_decode("", 0, out, sizeof(out), &n), -1);
	ck_assert_int_eq(aa_dkim_b64_decode("TWFuY", 5, out, sizeof(out), &n), -1);
	ck_assert_int_eq(aa_dkim_b64_decode("TWFuYQ=", 7, out, sizeof(out), &n), -1);
	ck_assert_int_eq(aa_dkim_b64_decode("TWFuYQ===", 9, out, sizeof(out), &n), -1);
	ck_assert_int_eq(aa_dkim_b64_decode("TW=FuYQ=", 8, out, sizeof(out), &n), -1);
	ck_assert_int_eq(aa_dkim_b64_decode("TWFu!YQ==", 9, out, sizeof(out), &n), -1);
	ck_assert_int_eq(aa_dkim_b64_decode("TWFu-_==", 8, out, sizeof(out), &n), -1);
	ck_assert_int_eq(aa_dkim_b64_decode("TWFuTWFu", 8, out, 5, &n), -1);	/* too long */
	ck_assert_int_eq(aa_dkim_b64_decode("TWFuTWFu", 8, out, 6, &n), 0);
}
END_TEST

Suite *suite_dkim_sig(void)
{
	Suite *s = suite_create("dkim_sig");
	TCase *tc = tcase_create("sig");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, dkim_sig_checked_here_gives_the_librarys_verdict_on_every_record_and_signature,
			    0, 3);
	tcase_add_test(tc, dkim_sig_key_is_decoded_once_for_a_connections_messages);
	tcase_add_test(tc, dkim_sig_key_kept_follows_the_record_not_the_name);
	tcase_add_test(tc, dkim_sig_more_keys_than_kept_still_verify);
	tcase_add_test(tc, dkim_sig_mixed_signatures_get_the_librarys_verdicts_in_one_decoder_window);
	tcase_add_test(tc, dkim_sig_check_without_memory_is_temperror_not_fail);
	tcase_add_test(tc, dkim_sig_key_of_a_check_cut_short_is_decoded_again);
	tcase_add_test(tc, dkim_b64_decode_takes_only_strict_base64);
	suite_add_tcase(s, tc);
	return s;
}
