/* check_dkim_body.c - the body hashes made by core/dkim/dkim_body.c give
 * the verdicts libopendkim gives when it hashes the body itself.
 *
 * The library's own signer makes bh= (its canonicalization), so a random
 * body that passes here was canonicalized as the library does; each one
 * is then altered and judged both ways, the library hashing the body
 * (aa_dkim_body_to_library) and this project, and the verdicts must be
 * the same. Bodies stay under one library chunk (8 kB), where the
 * library's result does not depend on where its input was cut.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include "aa_test.h"
#include "aa_dkim.h"
#include "aa_dkim_testsign.h"
#include "../../core/dkim/dkim_int.h"

static struct aa_ctx *rsa_ctx(void)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);

	aa_test_publish(ctx, "rsa._domainkey.example.com", "rsa2048.txt");
	aa_test_publish(ctx, "ed._domainkey.example.com", "ed25519.txt");
	return ctx;
}

/* msg signed by example.com; body_simple picks c=relaxed/simple. */
static char *sign(const char *msg, size_t len, bool body_simple, bool ed25519, size_t *len_r)
{
	char *key = aa_test_read_data(ed25519 ? "ed25519.pem" : "rsa2048.pem");
	struct aa_test_sign o = {
		.key = key, .algorithm = ed25519 ? "ed25519-sha256" : "rsa-sha256",
		.domain = "example.com", .selector = ed25519 ? "ed" : "rsa",
		.body_simple = body_simple,
	};
	char *out = aa_test_sign(&o, msg, len, len_r);

	ck_assert_ptr_nonnull(out);
	free(key);
	return out;
}

static enum aa_result judge(struct aa_ctx *ctx, const char *msg, size_t len, bool by_library)
{
	struct aa_dkim_result r;
	enum aa_result res;

	aa_dkim_body_to_library(by_library);
	ck_assert_int_eq(aa_dkim_verify_message(ctx, msg, len, &r), 0);
	aa_dkim_body_to_library(false);
	ck_assert_uint_eq(r.count, 1);
	res = r.sigs[0].result;
	aa_ctx_end_message(ctx);
	return res;
}

static uint32_t rng_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Where body bytes are picked from: by default bytes that matter to
 * canonicalization more often than not; the long-runs set gives lines of
 * text, single spaces, control and 8-bit bytes, where sixteen bytes at a
 * time are canonicalized (dkim_body.c's plain_run). */
static const char short_runs[] = "ab  \t\t\r\n\n\n.x";
static const char long_runs[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,;:-_"
	"abcdefghijklmnopqrstuvwxyz      \x01\x1f\x7f\x80\xff\t\r\n";
static const char *pick = short_runs;

static char body_byte(uint32_t *s)
{
	return pick[rng_next(s) % strlen(pick)];
}

#define HEAD "From: alice@example.com\nSubject: body\n\n"

/* A random body of up to 3000 bytes, ending in a line end. */
static size_t random_message(uint32_t *s, char *buf, size_t cap)
{
	size_t n = sizeof(HEAD) - 1;
	size_t body = rng_next(s) % 3000;

	ck_assert(n + body + 2 < cap);
	memcpy(buf, HEAD, n);
	for (size_t i = 0; i < body; i++)
		buf[n++] = body_byte(s);
	if (rng_next(s) % 4 == 0)	/* blank lines at the end */
		for (size_t k = rng_next(s) % 4; k > 0; k--)
			buf[n++] = rng_next(s) % 2 ? '\n' : ' ', buf[n++] = '\n';
	buf[n++] = '\n';
	return n;
}

/* Every signed random body passes when hashed here, in both
 * canonicalizations, and every altered one gets the library's verdict;
 * runs 4 to 7 with long lines of text. */
START_TEST(dkim_body_hashed_here_gives_the_librarys_verdict_on_random_bodies)
{
	struct aa_ctx *ctx = rsa_ctx();
	uint32_t seed = 0x2545f491u + (uint32_t)_i;
	char plain[4096];
	unsigned long hashed = aa_dkim_body_hashed();
	unsigned passes = 0;
	unsigned fails = 0;

	pick = _i < 4 ? short_runs : long_runs;
	for (int round = 0; round < 150; round++) {
		size_t n = random_message(&seed, plain, sizeof(plain));
		bool body_simple = round % 2 == 1;
		size_t len;
		char *msg = sign(plain, n, body_simple, false, &len);
		size_t body_at = (size_t)(strstr(msg, "\n\n") - msg) + 2;
		enum aa_result here;
		enum aa_result lib;

		ck_assert_msg(judge(ctx, msg, len, false) == AA_PASS, "round %d: signed body fails", round);
		/* altered: a byte replaced, inserted or removed */
		if (len > body_at) {
			size_t at = body_at + rng_next(&seed) % (len - body_at);

			switch (rng_next(&seed) % 3) {
			case 0:
				msg[at] = body_byte(&seed);
				break;
			case 1:
				memmove(msg + at + 1, msg + at, len - at);	/* NUL included */
				msg[at] = body_byte(&seed);
				len++;
				break;
			default:
				memmove(msg + at, msg + at + 1, len - at);
				len--;
				break;
			}
		}
		here = judge(ctx, msg, len, false);
		lib = judge(ctx, msg, len, true);
		ck_assert_msg(here == lib, "round %d (%s): %s here, %s by the library", round,
			      body_simple ? "simple" : "relaxed", aa_result_name(here), aa_result_name(lib));
		passes += here == AA_PASS;
		fails += here == AA_FAIL;
		free(msg);
	}
	/* both outcomes were seen, and the bodies really were hashed here */
	ck_assert_uint_gt(passes, 0);
	ck_assert_uint_gt(fails, 0);
	ck_assert_uint_ge(aa_dkim_body_hashed() - hashed, 150 * 2);
	aa_ctx_free(&ctx);
}
END_TEST

/* The library, given no body, compares bh= with the hash of an empty
 * body: a signature made over an empty body must still fail once text
 * is added, in both canonicalizations and both algorithms. */
START_TEST(dkim_signature_over_an_empty_body_fails_when_text_is_added)
{
	static const char empty[] = "From: alice@example.com\nSubject: empty\n\n";
	struct aa_ctx *ctx = rsa_ctx();
	bool body_simple = (_i & 1) != 0;
	bool ed25519 = (_i & 2) != 0;
	size_t len;
	char *msg = sign(empty, sizeof(empty) - 1, body_simple, ed25519, &len);
	char *longer = calloc(1, len + 64);
	unsigned long hashed = aa_dkim_body_hashed();
	struct aa_dkim_result r;

	ck_assert_ptr_nonnull(longer);
	ck_assert_int_eq(judge(ctx, msg, len, false), AA_PASS);
	memcpy(longer, msg, len);
	strcpy(longer + len, "Pay the invoice to account 666.\n");
	ck_assert_int_eq(aa_dkim_verify_message(ctx, longer, strlen(longer), &r), 0);
	ck_assert_int_eq(r.sigs[0].result, AA_FAIL);
	ck_assert_str_eq(r.sigs[0].reason, "body hash did not verify");
	/* hashed here three times: the signed message (decided in
	 * dkim_own.c), and the longer one there and again on the library
	 * path its failing signature takes (Ed25519: twice, the library
	 * path only) */
	ck_assert_uint_eq(aa_dkim_body_hashed() - hashed, ed25519 ? 2 : 3);
	aa_ctx_end_message(ctx);
	ck_assert_int_eq(judge(ctx, longer, strlen(longer), true), AA_FAIL);
	free(longer);
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* l= is the library's to count: such a message's body goes to it. */
START_TEST(dkim_l_tag_body_is_hashed_by_the_library)
{
	static const char plain[] = "From: alice@example.com\nSubject: l\n\nsigned part\n";
	struct aa_ctx *ctx = rsa_ctx();
	char *key = aa_test_read_data("rsa2048.pem");
	struct aa_test_sign o = {
		.key = key, .algorithm = "rsa-sha256", .domain = "example.com",
		.selector = "rsa", .with_l = true,
	};
	size_t len;
	char *msg = aa_test_sign(&o, plain, sizeof(plain) - 1, &len);
	unsigned long hashed = aa_dkim_body_hashed();

	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(judge(ctx, msg, len, false), AA_PASS);
	ck_assert_uint_eq(aa_dkim_body_hashed(), hashed);
	free(msg);
	free(key);
	aa_ctx_free(&ctx);
}
END_TEST

/* Header fields of msg up to the blank line, to v; the body's start. */
static const char *feed_headers(struct aa_dkim_verify *v, const char *msg)
{
	const char *p = msg;

	while (*p != '\n') {
		const char *q = p;

		do {
			q = strchr(q, '\n');
			ck_assert_ptr_nonnull(q);
			q++;
		} while (*q == ' ' || *q == '\t');
		ck_assert_int_eq(aa_dkim_verify_header(v, p, (size_t)(q - p)), 0);
		p = q;
	}
	return p + 1;
}

/* A hash that cannot be finished (here: a body that reaches it without
 * its final line end, which dkim.c never lets happen) means verification
 * could not run: temperror and an incomplete result, so that DMARC
 * defers; never a pass, never a fail. */
START_TEST(dkim_body_hash_that_cannot_finish_is_temperror_and_incomplete)
{
	static const char plain[] = "From: alice@example.com\nSubject: open\n\nx\n";
	struct aa_ctx *ctx = rsa_ctx();
	size_t len;
	char *msg = sign(plain, sizeof(plain) - 1, _i == 1, false, &len);
	struct aa_dkim_verify *v = aa_dkim_verify_new(ctx);
	struct aa_dkim_result r;

	ck_assert_ptr_nonnull(v);
	feed_headers(v, msg);
	ck_assert_int_eq(aa_dkim_verify_body(v, "", 0), 0);	/* end of headers */
	ck_assert(v->body_ours);
	aa_dkim_body_put(v, (const unsigned char *)"x", 1);
	ck_assert_int_eq(aa_dkim_verify_finish(&v, &r), -1);
	ck_assert_int_eq(r.incomplete, 1);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_int_eq(r.sigs[0].result, AA_TEMPERROR);
	ck_assert_str_eq(r.sigs[0].reason, "verifier failed");
	free(msg);
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_dkim_body(void)
{
	Suite *s = suite_create("dkim_body");
	TCase *tc = tcase_create("hash");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, dkim_body_hashed_here_gives_the_librarys_verdict_on_random_bodies, 0, 8);
	tcase_add_loop_test(tc, dkim_signature_over_an_empty_body_fails_when_text_is_added, 0, 4);
	tcase_add_test(tc, dkim_l_tag_body_is_hashed_by_the_library);
	tcase_add_loop_test(tc, dkim_body_hash_that_cannot_finish_is_temperror_and_incomplete, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
