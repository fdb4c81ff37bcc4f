/* fuzz_dkim_key.c - any key record, published for signed messages, gets
 * the same verdict from authalign's own RSA check (core/dkim/dkim_sig.c)
 * as from libopendkim.
 *
 * The first byte picks a message, each signed once at start-up with
 * test/data/dkim/rsa2048.pem (run from the top directory) under
 * k._domainkey.example.com: relaxed, simple, i= in a subdomain (against
 * t=s), and a body altered after signing. The rest is the TXT record,
 * every byte published as it is (\DDD escapes, strings of at most 255
 * octets; a NUL leaves the input out). Each message is judged by the
 * library alone (aa_dkim_sig_to_library) and as in production. What must
 * hold: the same number of results, and for each the same result, reason
 * and key size; a pass here only with a record the library passes too.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_dkim.h"
#include "../unit/aa_dkim_testsign.h"
#include "../../core/dkim/dkim_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define RECORD_MAX 4096
#define MESSAGES 4

static const char message[] =
	"From: Alice <alice@example.com>\r\n"
	"To: bob@example.net\r\n"
	"Subject: keys\r\n"
	"\r\n"
	"Hello Bob,\r\n"
	"a line  with   spaces \t\r\n";

static char *signed_msgs[MESSAGES];
static size_t signed_lens[MESSAGES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *key = aa_test_read_file_or_exit("fuzz_dkim_key", "test/data/dkim/rsa2048.pem");

	(void)argc;
	(void)argv;
	for (int i = 0; i < MESSAGES; i++) {
		struct aa_test_sign o = {
			.key = key, .algorithm = "rsa-sha256", .domain = "example.com",
			.selector = "k", .header_simple = i == 1, .body_simple = i == 1,
			.signer = i == 2 ? "alice@sub.example.com" : NULL,
		};

		signed_msgs[i] = aa_test_sign(&o, message, sizeof(message) - 1, &signed_lens[i]);
		if (signed_msgs[i] == NULL)
			exit(1);
	}
	signed_msgs[3][signed_lens[3] - 3] ^= 1;	/* the body altered */
	free(key);
	return 0;
}

/* "k._domainkey.example.com TXT" and the record in quoted strings with
 * every byte escaped; false for a NUL (the zone takes none). */
static bool zone_line(const uint8_t *rec, size_t n, char *line, size_t cap)
{
	size_t k = (size_t)snprintf(line, cap, "k._domainkey.example.com TXT");

	for (size_t i = 0; i < n; i++) {
		if (rec[i] == 0)
			return false;
		if (i % 255 == 0) {
			if (i > 0)
				line[k++] = '"';
			line[k++] = ' ';
			line[k++] = '"';
		}
		k += (size_t)snprintf(line + k, cap - k, "\\%03u", rec[i]);
	}
	line[k++] = '"';
	line[k] = '\0';
	return n > 0;
}

static void judge(const char *msg, size_t len, bool by_library, char *line, struct aa_dkim_result *r,
		  struct aa_ctx **ctx_r)
{
	struct aa_ctx *ctx = aa_ctx_new_zone(NULL);

	if (ctx == NULL || aa_dns_zone_add_line(ctx->dns, line) < 0)
		abort();
	aa_dkim_sig_to_library(by_library);
	aa_dkim_verify_message(ctx, msg, len, r);
	aa_dkim_sig_to_library(false);
	*ctx_r = ctx;	/* the results live in its arena */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char line[RECORD_MAX * 5 + RECORD_MAX / 255 * 3 + 64];
	struct aa_dkim_result lib, here;
	struct aa_ctx *lib_ctx, *here_ctx;
	int which;

	if (size < 2 || size - 1 > RECORD_MAX)
		return 0;
	which = data[0] % MESSAGES;
	if (!zone_line(data + 1, size - 1, line, sizeof(line)))
		return 0;
	judge(signed_msgs[which], signed_lens[which], true, line, &lib, &lib_ctx);
	judge(signed_msgs[which], signed_lens[which], false, line, &here, &here_ctx);
	if (lib.count != here.count || lib.incomplete != here.incomplete)
		abort();
	for (size_t i = 0; i < lib.count; i++) {
		const struct aa_dkim_sig *a = &lib.sigs[i], *b = &here.sigs[i];

		if (a->result != b->result || a->key_bits != b->key_bits ||
		    (a->reason == NULL) != (b->reason == NULL) ||
		    (a->reason != NULL && strcmp(a->reason, b->reason) != 0)) {
			fprintf(stderr, "fuzz_dkim_key: message %d: library %d \"%s\" %u bits, here %d \"%s\" %u bits\n",
				which, a->result, a->reason, a->key_bits, b->result, b->reason, b->key_bits);
			abort();
		}
	}
	aa_ctx_free(&lib_ctx);
	aa_ctx_free(&here_ctx);
	return 0;
}
