/* check_dkim_pub.c - our signing key against the published record: the
 * public half of a PEM key file, the record to publish for it, and what a
 * receiver finds in DNS (the same key, another one, none, a DNS failure).
 * Keys and records of test/data/dkim/ (see its README); run from the top
 * directory.
 */
#include <errno.h>
#include <unistd.h>
#include "aa_dkim.h"
#include "aa_test.h"

/* Each key file's record, formatted by us, is the record its README
 * made with the openssl command line. */
static const char *const pairs[][2] = {
	{ "rsa2048.pem", "rsa2048.txt" },
	{ "rsa512.pem", "rsa512.txt" },
	{ "ed25519.pem", "ed25519.txt" },
};

START_TEST(the_record_to_publish_for_a_key_file_is_the_one_openssl_makes)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dkim_pub k, published;
	char *want = aa_test_read_data(pairs[_i][1]);
	const char *why = NULL;
	int err = -1;

	ck_assert_int_eq(aa_dkim_pub_from_file(aa_arena_printf(ctx->arena, AA_TEST_DKIM_DIR "%s", pairs[_i][0]),
					       &k, &err, &why), 0);
	ck_assert_str_eq(aa_dkim_pub_record(ctx, &k), want);
	ck_assert_int_eq(aa_dkim_pub_from_record(want, strlen(want), &published, &why), 0);
	ck_assert(aa_dkim_pub_equal(&k, &published));
	ck_assert_int_eq(k.ed25519, pairs[_i][0][0] == 'e');
	free(want);
	aa_ctx_free(&ctx);
}
END_TEST

struct lookup_case {
	const char *name;
	const char *key;		/* our key file in test/data/dkim/, or NULL: any key */
	const char *record;		/* file of test/data/dkim/ published, or NULL */
	const char *zone;		/* else this zone line */
	enum aa_result want;
	int other;			/* a usable record holds another key */
	const char *why;		/* substring of the reason when not pass */
};

static const struct lookup_case lookups[] = {
	{ "our RSA key published passes", "rsa2048.pem", "rsa2048.txt", NULL, AA_PASS, 0, NULL },
	{ "our Ed25519 key published passes", "ed25519.pem", "ed25519.txt", NULL, AA_PASS, 0, NULL },
	{ "a rotated RSA key (another published) fails as another key", "rsa2048.pem", "rsa512.txt", NULL,
	  AA_FAIL, 1, "another" },
	{ "an Ed25519 key where an RSA key is published fails as another key", "ed25519.pem", "rsa2048.txt",
	  NULL, AA_FAIL, 1, "another" },
	{ "no record fails, not as another key", "rsa2048.pem", NULL, NULL, AA_FAIL, 0, "no key record" },
	{ "a revoked key (empty p=) fails", "rsa2048.pem", NULL, "s._domainkey.example.com TXT \"v=DKIM1; p=\"",
	  AA_FAIL, 0, "revoked" },
	{ "a p= that is not base64 fails", NULL, NULL, "s._domainkey.example.com TXT \"v=DKIM1; p=@@@@\"",
	  AA_FAIL, 0, "not base64" },
	{ "a p= that is not an RSA key fails", NULL, NULL, "s._domainkey.example.com TXT \"v=DKIM1; p=AAAA\"",
	  AA_FAIL, 0, "not an RSA public key" },
	{ "an unknown k= fails", NULL, NULL, "s._domainkey.example.com TXT \"v=DKIM1; k=dsa; p=AAAA\"",
	  AA_FAIL, 0, "key type" },
	{ "a DNS temporary failure is temperror, never fail", "rsa2048.pem", NULL,
	  "s._domainkey.example.com TXT SERVFAIL", AA_TEMPERROR, 0, "temporarily" },
	{ "any usable key passes when ours is not known", NULL, "rsa2048.txt", NULL, AA_PASS, 0, NULL },
	{ "an RSA key under 1024 bits fails though it is ours", "rsa512.pem", "rsa512.txt", NULL,
	  AA_FAIL, 0, "1024" },
	{ "a 512-bit relay key fails too", NULL, "rsa512.txt", NULL, AA_FAIL, 0, "1024" },
	{ "our key beside another fails: a verifier may take the other", "rsa2048.pem", "rsa2048.txt",
	  "s._domainkey.example.com TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"",
	  AA_FAIL, 1, "beside" },
};

START_TEST(key_lookup_says_what_a_receiver_finds)
{
	const struct lookup_case *c = &lookups[_i];
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	struct aa_dkim_pub ours;
	const char *why = NULL;
	int other = -1, err;
	enum aa_result got;

	if (c->record != NULL)
		aa_test_publish(ctx, "s._domainkey.example.com", c->record);
	if (c->zone != NULL)
		ck_assert_int_eq(aa_dns_zone_add_line(ctx->dns, c->zone), 0);
	if (c->key != NULL)
		ck_assert_int_eq(aa_dkim_pub_from_file(aa_arena_printf(ctx->arena, AA_TEST_DKIM_DIR "%s", c->key),
						       &ours, &err, &why), 0);
	got = aa_dkim_key_lookup(ctx, "s", "example.com", c->key != NULL ? &ours : NULL, &other, &why);
	ck_assert_msg(got == c->want, "%s: got %s (%s)", c->name, aa_result_name(got), why);
	if (got == AA_FAIL)
		ck_assert_msg(other == c->other, "%s: other %d", c->name, other);
	if (c->why != NULL)
		ck_assert_msg(why != NULL && strstr(why, c->why) != NULL, "%s: why %s", c->name, why);
	aa_ctx_free(&ctx);
}
END_TEST

/* Our own key in a record a verifier refuses is no pass: each variant of
 * the published record (ours is rsa2048.txt) is built around its p=. */
static const struct {
	const char *fmt;	/* %s: our p= value */
	const char *why;
} refused_records[] = {
	{ "v=DKIM1; k=rsa; p=%s; p=AAAA", "twice" },
	{ "v=DKIM1; k=rsa; p=%s; !!bad=1", "malformed" },
	{ "v=DKIM2; k=rsa; p=%s", "DKIM1" },
	{ "k=rsa; v=DKIM1; p=%s", "first" },
	{ "v=spf1 include:x; k=rsa; p=%s", "DKIM1" },
	{ "v=DKIM1; h=sha1; k=rsa; p=%s", "sha256" },
	{ "v=DKIM1; s=tlsrpt; k=rsa; p=%s", "email" },
	{ "v=DKIM1; k=rsa; p=%s----", "base64" },
	{ "v=DKIM1; k=rsa; p==%s", "base64" },
};

START_TEST(our_key_in_a_record_a_verifier_refuses_does_not_pass)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char *rec = aa_test_read_data("rsa2048.txt");
	const char *p = strstr(rec, "p=");
	struct aa_dkim_pub ours;
	const char *why = NULL;
	char text[2048];
	int other, err;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(aa_dkim_pub_from_file(AA_TEST_DKIM_DIR "rsa2048.pem", &ours, &err, &why), 0);
	snprintf(text, sizeof(text), refused_records[_i].fmt, p + 2);
	aa_test_publish_text(ctx, "s._domainkey.example.com", text);
	ck_assert_int_eq(aa_dkim_key_lookup(ctx, "s", "example.com", &ours, &other, &why), AA_FAIL);
	ck_assert_msg(why != NULL && strstr(why, refused_records[_i].why) != NULL, "%s: %s", text, why);
	/* and the same record as published (control): a pass */
	aa_ctx_free(&ctx);
	ctx = aa_test_ctx(NULL);
	aa_test_publish_text(ctx, "s._domainkey.example.com", rec);
	ck_assert_int_eq(aa_dkim_key_lookup(ctx, "s", "example.com", &ours, &other, &why), AA_PASS);
	free(rec);
	aa_ctx_free(&ctx);
}
END_TEST

/* p= split over TXT strings and folded with white space is one key. */
START_TEST(a_key_folded_with_white_space_matches)
{
	struct aa_ctx *ctx = aa_test_ctx(NULL);
	char *rec = aa_test_read_data("rsa2048.txt"), folded[2048];
	struct aa_dkim_pub ours, pub;
	const char *why = NULL;
	size_t o = 0;
	int err;

	for (size_t i = 0; rec[i] != '\0' && o + 3 < sizeof(folded); i++) {
		folded[o++] = rec[i];
		if (i > 20 && i % 64 == 0) {
			folded[o++] = '\r';
			folded[o++] = '\n';
			folded[o++] = ' ';
		}
	}
	folded[o] = '\0';
	ck_assert_int_eq(aa_dkim_pub_from_file(AA_TEST_DKIM_DIR "rsa2048.pem", &ours, &err, &why), 0);
	ck_assert_msg(aa_dkim_pub_from_record(folded, o, &pub, &why) == 0, "%s", why);
	ck_assert(aa_dkim_pub_equal(&ours, &pub));
	free(rec);
	aa_ctx_free(&ctx);
}
END_TEST

START_TEST(a_missing_key_file_says_so_with_its_errno)
{
	struct aa_dkim_pub k;
	const char *why = NULL;
	int err = 0;

	ck_assert_int_eq(aa_dkim_pub_from_file(AA_TEST_DKIM_DIR "no-such-key.pem", &k, &err, &why), -1);
	ck_assert_int_eq(err, ENOENT);
	ck_assert_str_eq(why, "no such file");
}
END_TEST

START_TEST(a_file_without_a_private_key_is_not_a_key)
{
	struct aa_dkim_pub k;
	const char *why = NULL;
	int err = -1;

	/* a public record is no private key; neither is a directory */
	ck_assert_int_eq(aa_dkim_pub_from_file(AA_TEST_DKIM_DIR "rsa2048.txt", &k, &err, &why), -1);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_nonnull(strstr(why, "not a PEM private key"));
	ck_assert_int_eq(aa_dkim_pub_from_file(AA_TEST_DKIM_DIR, &k, &err, &why), -1);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_nonnull(strstr(why, "not a key file"));
}
END_TEST

Suite *suite_dkim_pub(void)
{
	Suite *s = suite_create("dkim_pub");
	TCase *tc = tcase_create("dkim_pub");

	tcase_add_loop_test(tc, the_record_to_publish_for_a_key_file_is_the_one_openssl_makes, 0,
			    (int)(sizeof(pairs) / sizeof(pairs[0])));
	tcase_add_loop_test(tc, key_lookup_says_what_a_receiver_finds, 0, (int)(sizeof(lookups) / sizeof(lookups[0])));
	tcase_add_test(tc, a_key_folded_with_white_space_matches);
	tcase_add_loop_test(tc, our_key_in_a_record_a_verifier_refuses_does_not_pass, 0,
			    (int)(sizeof(refused_records) / sizeof(refused_records[0])));
	tcase_add_test(tc, a_missing_key_file_says_so_with_its_errno);
	tcase_add_test(tc, a_file_without_a_private_key_is_not_a_key);
	suite_add_tcase(s, tc);
	return s;
}
