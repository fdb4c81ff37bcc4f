/* make_dkim_seeds.c - write test/fuzz/seeds/dkim/: messages with genuine
 * signatures (the keys of test/data/dkim, published by fuzz_dkim.c's
 * zone) next to forged DKIM-Signature fields with odd spacing, as the
 * unit tests of check_dkim.c do. Run from the top directory:
 *   cc -Iinclude -Itest/unit -o build/make_dkim_seeds test/fuzz/make_dkim_seeds.c \
 *      -lopendkim -lcrypto && build/make_dkim_seeds
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_dkim_testsign.h"

#define DIR "test/fuzz/seeds/dkim/"

static const char message[] =
	"From: Carol <carol@example.com>\n"
	"To: Dave <dave@example.org>\n"
	"Subject: quarterly\n"
	"\tfigures\n"
	"Date: Tue, 3 Jan 2023 09:00:00 +0000\n"
	"Message-ID: <seed@example.com>\n"
	"\n"
	"Dave,\n"
	"\n"
	"the figures  are attached.\t\n"
	"\n"
	"Carol\n";

static char *sign(const char *keyfile, const char *alg, const char *sel, bool with_l,
		  const char *msg, size_t len, size_t *len_r)
{
	char *key = aa_test_read_file_or_exit("make_dkim_seeds", keyfile);
	struct aa_test_sign o = {
		.key = key, .algorithm = alg, .domain = "example.com", .selector = sel,
		.with_l = with_l,
	};
	char *out = aa_test_sign(&o, msg, len, len_r);

	if (out == NULL) {
		fprintf(stderr, "cannot sign with %s\n", keyfile);
		exit(1);
	}
	free(key);
	return out;
}

static void put(const char *name, const char *before, const char *msg, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), DIR "%s", name);
	f = fopen(path, "w");
	if (f == NULL || fwrite(before, 1, strlen(before), f) != strlen(before) ||
	    fwrite(msg, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(1);
	}
}

int main(void)
{
	size_t len, len2, len3;
	char *rsa = sign("test/data/dkim/rsa2048.pem", "rsa-sha256", "rsa", false, message,
			 sizeof(message) - 1, &len);
	char *both = sign("test/data/dkim/ed25519.pem", "ed25519-sha256", "ed", false, rsa, len,
			  &len2);
	char *l = sign("test/data/dkim/rsa2048.pem", "rsa-sha256", "rsa", true, message,
		       sizeof(message) - 1, &len3);
	/* the forged field copies the genuine b=, under another d= */
	const char *b = rsa;
	char forged[4096];

	while ((b = strstr(b + 1, "b=")) != NULL && b[-1] != ' ' && b[-1] != '\t' && b[-1] != ';')
		;
	if (b == NULL)
		return 1;

	snprintf(forged, sizeof(forged),
		 "DKIM-Signature\t: v=1; a=rsa-sha256; c=relaxed/relaxed; d=victim.example;\n"
		 "\ts=rsa; h=from:to:subject; bh=AAAA; %.*s\n",
		 (int)strcspn(b, "\n"), b);
	put("rsa", "", rsa, len);
	put("rsa-and-ed25519", "", both, len2);
	put("with-l", "", l, len3);
	put("forged-tab-colon-above-rsa", forged, rsa, len);
	put("forged-space-colon-above-both",
	    "dkim-signature :v=1; a=rsa-sha256; d=victim.example; s=rsa; h=from; bh=AAAA; b=AAAA\n",
	    both, len2);
	put("key-timeout-and-small-key",
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=t; h=from; bh=AAAA; b=AAAA\n"
	    "DKIM-Signature: v=1; a=rsa-sha1; d=example.com; s=small; h=from; bh=AAAA; b=BBBB\n",
	    rsa, len);
	free(rsa);
	free(both);
	free(l);
	return 0;
}
