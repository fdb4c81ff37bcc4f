/* check_dkim_own.c - messages checked without libopendkim (core/dkim/dkim_own.c):
 * the same header hash as the library's on fields of every shape, real
 * signatures decided there with the library's report, anything else the
 * library's verdict. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include "aa_test.h"
#include "aa_dkim.h"
#include "aa_dkim_testsign.h"
#include "../../core/dkim/dkim_int.h"

/* ---- a fixed random source ---- */

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

struct buf {
	char p[8192];
	size_t n;
};

static void add(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	ck_assert_uint_lt(b->n + n, sizeof(b->p));
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void add1(struct buf *b, char c)
{
	ck_assert_uint_lt(b->n + 1, sizeof(b->p));
	b->p[b->n++] = c;
}

/* A name in random case. */
static void add_name(struct buf *b, const char *name)
{
	for (const char *p = name; *p != '\0'; p++)
		add1(b, (char)(rnd(2) != 0 ? toupper((unsigned char)*p) : tolower((unsigned char)*p)));
}

static const char *const names[] = { "From", "To", "Subject", "Date", "X-Test", "Received",
				     "Message-ID", "Reply-To", "List-Id", "X-Empty" };

/* A value of every shape the canonicalizations treat apart: runs of
 * SP, HTAB, VT, FF, folds, 8-bit bytes, separators. */
static void add_value(struct buf *b)
{
	static const char *const parts[] = { "a", "Word", "x y", " ", "  ", "\t", "\v", "\f", " \t ",
					     "\n ", "\n\t", "\xc3\xa9", "\xff", ":", ";", "=", "b=",
					     "@", "<m@x>", "1", "\r", "\r\n ", "\x80" };
	unsigned n = rnd(12);

	if (rnd(3) != 0)
		add1(b, ' ');
	for (unsigned i = 0; i < n; i++)
		add(b, parts[rnd(sizeof(parts) / sizeof(parts[0]))]);
}

static void add_b64(struct buf *b, unsigned chars, bool folds)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (unsigned i = 0; i < chars; i++) {
		if (folds && i > 0 && rnd(40) == 0)
			add(b, "\n ");
		add1(b, alphabet[rnd(64)]);
	}
}

static void add_fws(struct buf *b)
{
	static const char *const fws[] = { "", "", " ", "\t", "\n " };

	add(b, fws[rnd(sizeof(fws) / sizeof(fws[0]))]);
}

/* One tag of a signature of random shape (its b= random). */
static void add_tag(struct buf *b, int which)
{
	static const char *const canons[] = { "simple", "relaxed", "simple/simple", "simple/relaxed",
					      "relaxed/simple", "relaxed/relaxed" };
	static const char *const odd_names[] = { "b=x", "X-B", "bh" };
	unsigned nh, from_at;

	add_fws(b);
	switch (which) {
	case 0: add(b, "v=1"); break;
	case 1: add(b, "a=rsa-sha256"); break;
	case 2: add(b, "d=example.com"); break;
	case 3: add(b, "s=k"); break;
	case 4:
		add(b, "c=");
		add(b, canons[rnd(sizeof(canons) / sizeof(canons[0]))]);
		break;
	case 5: add(b, "t=1700000000"); break;
	case 6: {
		static const char *const is[] = { "i=@example.com", "i=alice.x+y@EXAMPLE.com",
						  "i=b=x@example.com" };	/* the last: not plain */

		add(b, is[rnd(3)]);
		break;
	}
	case 7: add(b, "q=dns/txt"); break;
	case 8:
		nh = 1 + rnd(8);
		from_at = rnd(nh);
		add(b, "h=");
		for (unsigned i = 0; i < nh; i++) {
			if (i > 0) {
				add_fws(b);
				add(b, ":");
				add_fws(b);
			}
			if (i == from_at)
				add_name(b, "From");
			else if (rnd(8) == 0)
				add(b, odd_names[rnd(sizeof(odd_names) / sizeof(odd_names[0]))]);
			else
				add_name(b, names[rnd(sizeof(names) / sizeof(names[0]))]);
		}
		break;
	case 9:
		add(b, "bh=");
		add_b64(b, 43, false);
		add(b, "=");
		break;
	default:
		add(b, rnd(5) == 0 ? "b =" : "b=");	/* as the library strips it, or not */
		add_b64(b, 342, true);
		add(b, "==");
		break;
	}
	add_fws(b);
}

/* A signature of random shape over random names: its tags in any order,
 * the optional ones (c, t, i, q) or not. */
static void add_signature(struct buf *b)
{
	int order[11];
	int n = 0;

	for (int t = 0; t < 11; t++)
		if (t < 4 || t > 7 || rnd(2) != 0)
			order[n++] = t;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rnd((unsigned)i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	add_name(b, "DKIM-Signature");
	add(b, ":");
	for (int i = 0; i < n; i++) {
		add_tag(b, order[i]);
		if (i + 1 < n || rnd(2) != 0)
			add(b, ";");
	}
	add(b, "\n");
}

/* A random message: fields, one signature among them, a body. */
static void random_message(struct buf *b)
{
	unsigned n = 1 + rnd(9);
	unsigned sig_at = rnd(n + 1);

	b->n = 0;
	for (unsigned i = 0; i <= n; i++) {
		if (i == sig_at)
			add_signature(b);
		if (i == n)
			break;
		add_name(b, names[rnd(sizeof(names) / sizeof(names[0]))]);
		add(b, ":");
		add_value(b);
		add(b, "\n");
	}
	add(b, "\nbody\n");
}

/* The message's fields, as the Exim side gives them. */
static size_t split_fields(const char *msg, size_t len, struct aa_dkim_field *f, size_t cap)
{
	const char *p = msg, *end = msg + len;
	size_t n = 0;

	while (p < end && *p != '\n' && n < cap) {
		const char *q = p;

		for (;;) {
			const char *lf = memchr(q, '\n', (size_t)(end - q));

			q = lf != NULL ? lf + 1 : end;
			if (q == end || (*q != ' ' && *q != '\t'))
				break;
		}
		f[n++] = (struct aa_dkim_field){ p, (size_t)(q - p) };
		p = q;
	}
	return n;
}

static void hex(const unsigned char *h, char *out)
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
}

/* Thousands of random messages: wherever both take the signature, the
 * header hash made here is the library's. */
START_TEST(dkim_own_header_hash_is_the_librarys_on_fields_of_every_shape)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	static struct buf b;
	unsigned compared = 0, not_plain = 0, library_skipped = 0;
	const unsigned cases = 3000;

	rng_state = 0x9e3779b97f4a7c15ULL;
	aa_test_publish(ctx, "k._domainkey.example.com", "rsa2048.txt");
	for (unsigned c = 0; c < cases; c++) {
		struct aa_dkim_field f[32];
		struct aa_dkim_result r, lr;
		struct aa_dkim_verify *v;
		unsigned char lib_hash[32], own_hash[32];
		char lh[65], oh[65];
		size_t n;
		bool lib_has;

		random_message(&b);
		aa_dkim_own_to_library(true);
		(void)aa_dkim_sig_last_header_hash(lib_hash);
		aa_dkim_verify_message(ctx, b.p, b.n, &lr);
		lib_has = aa_dkim_sig_last_header_hash(lib_hash);
		aa_dkim_own_to_library(false);
		n = split_fields(b.p, b.n, f, 32);
		v = aa_dkim_verify_new_own(ctx, f, n);
		if (v == NULL) {
			not_plain++;
			aa_ctx_end_message(ctx);
			continue;
		}
		ck_assert_uint_eq(v->nsig, 1);
		ck_assert(aa_dkim_own_header_hash(v, &v->sigs[0], v->own_fields, v->own_nfields, own_hash));
		ck_assert_int_eq(aa_dkim_verify_own_finish(&v, &r), 0);	/* b= is random */
		if (!lib_has) {
			library_skipped++;
			aa_ctx_end_message(ctx);
			continue;
		}
		hex(lib_hash, lh);
		hex(own_hash, oh);
		ck_assert_msg(memcmp(lib_hash, own_hash, 32) == 0, "case %u: library %s, here %s:\n%.*s", c,
			      lh, oh, (int)b.n, b.p);
		compared++;
		aa_ctx_end_message(ctx);
	}
	printf("dkim_own: header hash compared with the library's on %u of %u random messages "
	       "(%u not plain, %u not hashed by the library)\n", compared, cases, not_plain, library_skipped);
	ck_assert_uint_ge(compared, cases / 2);
	ck_assert_uint_eq(library_skipped, 0);
	aa_ctx_free(&ctx);
}
END_TEST

/* msg judged by the library path alone (*lib), then as in production
 * (*here, the same result and reason for the one signature): whether
 * this file decided it. */
static bool both_ways(struct aa_ctx *ctx, const char *msg, size_t len, struct aa_dkim_result *lib,
		      struct aa_dkim_result *here)
{
	unsigned long decided;

	aa_dkim_own_to_library(true);
	aa_dkim_verify_message(ctx, msg, len, lib);
	aa_dkim_own_to_library(false);
	decided = aa_dkim_own_decided();
	aa_dkim_verify_message(ctx, msg, len, here);
	ck_assert_uint_eq(lib->count, 1);
	ck_assert_uint_eq(here->count, 1);
	ck_assert_int_eq(here->sigs[0].result, lib->sigs[0].result);
	ck_assert_str_eq(here->sigs[0].reason, lib->sigs[0].reason);
	return aa_dkim_own_decided() != decided;
}

/* The test message signed with rsa2048 (relaxed, d=example.com, s=k;
 * the caller publishes a record): malloc'd, its length in *len_r. */
static char *signed_pay(size_t *len_r)
{
	static const char msg[] = "From: alice@example.com\nSubject: pay\n\nPay 10 EUR.\n";
	char *key = aa_test_read_data("rsa2048.pem");
	struct aa_test_sign o = { .key = key, .domain = "example.com", .selector = "k" };
	char *signed_msg = aa_test_sign(&o, msg, sizeof(msg) - 1, len_r);

	ck_assert_ptr_nonnull(signed_msg);
	free(key);
	return signed_msg;
}

/* Real signatures (both canonicalizations each way, i=, From signed
 * twice): decided here, reported as the library reports them. */
START_TEST(dkim_own_passes_real_signatures_with_the_librarys_report)
{
	static const char msg[] = "From: Alice <alice@example.com>\nTo: bob@example.net\n"
				  "Subject:  several   spaces\t here \nDate: Mon, 7 Dec 2026 10:00:00 +0000\n"
				  "\nHello,\n\n  a body  with  spaces.  \n\n\n";
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char *key = aa_test_read_data("rsa2048.pem");
	struct aa_test_sign o = { .key = key, .domain = "example.com", .selector = "k" };
	struct aa_dkim_result lib, here;
	size_t len;
	char *signed_msg;

	aa_test_publish(ctx, "k._domainkey.example.com", "rsa2048.txt");
	o.header_simple = (_i & 1) != 0;
	o.body_simple = (_i & 2) != 0;
	o.signer = (_i & 4) != 0 ? "alice@example.com" : NULL;
	o.oversign_from = (_i & 4) != 0;
	signed_msg = aa_test_sign(&o, msg, sizeof(msg) - 1, &len);
	ck_assert_ptr_nonnull(signed_msg);
	ck_assert(both_ways(ctx, signed_msg, len, &lib, &here));
	ck_assert_int_eq(here.sigs[0].result, AA_PASS);
	ck_assert_str_eq(here.sigs[0].domain, lib.sigs[0].domain);
	ck_assert_str_eq(here.sigs[0].selector, lib.sigs[0].selector);
	ck_assert_str_eq(here.sigs[0].algorithm, lib.sigs[0].algorithm);
	ck_assert_str_eq(here.sigs[0].b_prefix, lib.sigs[0].b_prefix);
	ck_assert_uint_eq(here.sigs[0].key_bits, lib.sigs[0].key_bits);
	ck_assert_int_eq(here.sigs[0].body_length_limited, 0);
	ck_assert_int_eq(here.incomplete, 0);
	ck_assert_int_eq(here.sigs[0].without_library, 1);
	ck_assert_int_eq(lib.sigs[0].without_library, 0);
	free(signed_msg);
	free(key);
	aa_ctx_free(&ctx);
}
END_TEST

/* What the library fails goes to it, whose verdict stands; what it
 * passes (a From added above the signed one, a field no signature
 * covers) passes here too. */
START_TEST(dkim_own_leaves_every_other_outcome_to_the_library)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	size_t len;
	char *signed_msg = signed_pay(&len);
	char *forged = calloc(1, len + 64);
	struct aa_dkim_result lib, here;
	bool decided;

	ck_assert_ptr_nonnull(forged);
	aa_test_publish(ctx, "k._domainkey.example.com", "rsa2048.txt");
	for (int variant = 0; variant < 4; variant++) {
		char *p;

		switch (variant) {
		case 0:	/* a second From on top: the signed one is the last */
			snprintf(forged, len + 64, "From: mallory@example.org\n%s", signed_msg);
			break;
		case 1:	/* the subject changed */
			memcpy(forged, signed_msg, len + 1);
			p = strstr(forged, "Subject: pay");
			ck_assert_ptr_nonnull(p);
			p[9] = 'P';
			break;
		case 2:	/* the amount changed */
			memcpy(forged, signed_msg, len + 1);
			p = strstr(forged, "10 EUR");
			ck_assert_ptr_nonnull(p);
			p[0] = '9';
			break;
		default:	/* a field the signature does not cover: still a pass */
			snprintf(forged, len + 64, "X-Added: yes\n%s", signed_msg);
			break;
		}
		decided = both_ways(ctx, forged, strlen(forged), &lib, &here);
		if (variant == 0)	/* the library passes it too: the signed From is there */
			ck_assert_int_eq(here.sigs[0].result, AA_PASS);
		else if (variant < 3)
			ck_assert_int_eq(here.sigs[0].result, AA_FAIL);
		else
			ck_assert_int_eq(here.sigs[0].result, AA_PASS);
		ck_assert_int_eq(decided, here.sigs[0].result == AA_PASS);
		ck_assert_int_eq(here.sigs[0].without_library, here.sigs[0].result == AA_PASS);
		aa_ctx_end_message(ctx);
	}
	free(forged);
	free(signed_msg);
	aa_ctx_free(&ctx);
}
END_TEST

/* A key record the library path cannot take whole nor rebuilt within the
 * library's 1 KiB (a plain record made long by an h= of 101 names) is
 * "key record too long" there: never a pass here. */
START_TEST(dkim_own_key_record_too_long_for_the_library_is_never_a_pass_here)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char *txt = aa_test_read_data("rsa2048.txt");
	static char rec[4096];
	struct aa_dkim_result lib, here;
	size_t len, n;
	char *signed_msg = signed_pay(&len);
	const char *p = strstr(txt, "p=");

	ck_assert_ptr_nonnull(p);
	n = (size_t)snprintf(rec, sizeof(rec), "v=DKIM1; h=sha256");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(rec + n, sizeof(rec) - n, ":sha256");
	snprintf(rec + n, sizeof(rec) - n, "; k=rsa; %s", p);
	ck_assert_uint_gt(strlen(rec), 1024);
	aa_test_publish_text(ctx, "k._domainkey.example.com", rec);
	ck_assert(!both_ways(ctx, signed_msg, len, &lib, &here));
	ck_assert_int_eq(lib.sigs[0].result, AA_PERMERROR);
	ck_assert_str_eq(lib.sigs[0].reason, "key record too long");
	free(signed_msg);
	free(txt);
	aa_ctx_free(&ctx);
}
END_TEST

/* Fields and signatures not plain: never tried here. */
START_TEST(dkim_own_takes_only_plain_fields_and_signatures)
{
	static const struct {
		const char *msg;
		bool plain;
	} cases[] = {
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA; b=AA\n\nx\n", true },
		{ "From : a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA; b=AA\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA; b=AA; l=1\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA; b=AA; x=9\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=k; h=from; bh=AA; b=AA\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=to; bh=AA; b=AA\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from:dkim-signature; bh=AA; b=AA\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; i=@evil.example; bh=AA; b=AA\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; t=99999999999; bh=AA; b=AA\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; d=example.com; s=k; h=from; bh=AA; b=AA\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; c=relaxed/other; d=example.com; s=k; h=from; bh=AA; b=AA\n\nx\n", false },
		{ "From: a@example.com\nDKIM-Signature\t: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA; b=AA\n\nx\n", false },
		{ "Fr\xc3\xb6m: a@example.com\nDKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=k; h=from; bh=AA; b=AA\n\nx\n", false },
	};
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dkim_field f[8];
	struct aa_dkim_result r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = split_fields(cases[i].msg, strlen(cases[i].msg), f, 8);
		struct aa_dkim_verify *v = aa_dkim_verify_new_own(ctx, f, n);

		ck_assert_msg((v != NULL) == cases[i].plain, "case %zu: %s", i, cases[i].msg);
		if (v != NULL)
			aa_dkim_verify_own_finish(&v, &r);
		aa_ctx_end_message(ctx);
	}
	aa_ctx_free(&ctx);
}
END_TEST

Suite *suite_dkim_own(void)
{
	Suite *s = suite_create("dkim_own");
	TCase *tc = tcase_create("own");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, dkim_own_header_hash_is_the_librarys_on_fields_of_every_shape);
	tcase_add_loop_test(tc, dkim_own_passes_real_signatures_with_the_librarys_report, 0, 8);
	tcase_add_test(tc, dkim_own_leaves_every_other_outcome_to_the_library);
	tcase_add_test(tc, dkim_own_takes_only_plain_fields_and_signatures);
	tcase_add_test(tc, dkim_own_key_record_too_long_for_the_library_is_never_a_pass_here);
	suite_add_tcase(s, tc);
	return s;
}
