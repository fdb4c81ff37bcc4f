/* fuzz_dkim_own.c - any header fields around a real signature get the
 * same verdict when authalign checks the message without libopendkim
 * (core/dkim/dkim_own.c) as from libopendkim.
 *
 * The first byte picks a signature, each made once at start-up with
 * test/data/dkim/rsa2048.pem (run from the top directory) under
 * k._domainkey.example.com over From, To and Subject: relaxed/relaxed,
 * simple/simple, relaxed with i= and From signed twice, simple/relaxed.
 * The message is that DKIM-Signature field, then the rest of the input as
 * the other header fields (and whatever follows a blank line in it), then
 * the signed body. It is judged by the library alone
 * (aa_dkim_own_to_library and aa_dkim_sig_to_library) and as in
 * production. What must hold: the same number of results, and for each
 * the same result, reason, domain and key size.
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

#define FIELDS_MAX 16384
#define SIGNATURES 4

static const char message[] =
	"From: Alice <alice@example.com>\r\n"
	"To: bob@example.net\r\n"
	"Subject:  the   plan \t\r\n"
	"\r\n"
	"Hello Bob,\r\n"
	"a line  with   spaces \t\r\n";

static char *sig_field[SIGNATURES];	/* "DKIM-Signature: ...\r\n" */
static size_t sig_len[SIGNATURES];
static const char *body;		/* after the blank line */
static char *key_line;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *key = aa_test_read_file_or_exit("fuzz_dkim_own", "test/data/dkim/rsa2048.pem");
	char *txt = aa_test_read_file_or_exit("fuzz_dkim_own", "test/data/dkim/rsa2048.txt");
	size_t len;

	(void)argc;
	(void)argv;
	for (int i = 0; i < SIGNATURES; i++) {
		struct aa_test_sign o = {
			.key = key, .algorithm = "rsa-sha256", .domain = "example.com", .selector = "k",
			.header_simple = i == 1 || i == 3, .body_simple = i == 1,
			.signer = i == 2 ? "alice@example.com" : NULL, .oversign_from = i == 2,
		};
		char *signed_msg = aa_test_sign(&o, message, sizeof(message) - 1, &len);
		char *end;

		if (signed_msg == NULL || strncmp(signed_msg, "DKIM-Signature:", 15) != 0)
			exit(1);
		/* the signature field is the first: up to the first line not
		 * folded into it */
		for (end = signed_msg; (end = strstr(end, "\r\n")) != NULL && (end[2] == ' ' || end[2] == '\t');
		     end += 2)
			;
		if (end == NULL)
			exit(1);
		sig_len[i] = (size_t)(end + 2 - signed_msg);
		sig_field[i] = strndup(signed_msg, sig_len[i]);
		free(signed_msg);
	}
	body = strstr(message, "\r\n\r\n") + 4;
	/* the record in quoted strings of 200 octets, as the unit tests publish it */
	key_line = malloc(64 + 2 * strlen(txt));
	if (key_line == NULL)
		exit(1);
	len = (size_t)sprintf(key_line, "k._domainkey.example.com TXT");
	for (size_t i = 0; i < strlen(txt); i += 200)
		len += (size_t)sprintf(key_line + len, " \"%.200s\"", txt + i);
	free(key);
	free(txt);
	return 0;
}

static void judge(const char *msg, size_t len, bool by_library, struct aa_dkim_result *r,
		  struct aa_ctx **ctx_r)
{
	struct aa_ctx *ctx = aa_ctx_new_zone(NULL);

	if (ctx == NULL || aa_dns_zone_add_line(ctx->dns, key_line) < 0)
		abort();
	aa_dkim_own_to_library(by_library);
	aa_dkim_sig_to_library(by_library);
	aa_dkim_verify_message(ctx, msg, len, r);
	aa_dkim_own_to_library(false);
	aa_dkim_sig_to_library(false);
	*ctx_r = ctx;	/* the results live in its arena */
}

static bool same(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (a == NULL || strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char msg[FIELDS_MAX + 4096 + sizeof(message)];
	struct aa_dkim_result lib, here;
	struct aa_ctx *lib_ctx, *here_ctx;
	size_t len;
	int which;

	if (size < 1 || size - 1 > FIELDS_MAX)
		return 0;
	which = data[0] % SIGNATURES;
	memcpy(msg, sig_field[which], sig_len[which]);
	len = sig_len[which];
	memcpy(msg + len, data + 1, size - 1);
	len += size - 1;
	len += (size_t)snprintf(msg + len, sizeof(msg) - len, "\r\n\r\n%s", body);
	judge(msg, len, true, &lib, &lib_ctx);
	judge(msg, len, false, &here, &here_ctx);
	if (lib.count != here.count || lib.incomplete != here.incomplete)
		abort();
	for (size_t i = 0; i < lib.count; i++) {
		const struct aa_dkim_sig *a = &lib.sigs[i], *b = &here.sigs[i];

		if (a->result != b->result || a->key_bits != b->key_bits || !same(a->reason, b->reason) ||
		    !same(a->domain, b->domain)) {
			fprintf(stderr, "fuzz_dkim_own: signature %d: library %d \"%s\", here %d \"%s\"\n",
				which, a->result, a->reason, b->result, b->reason);
			abort();
		}
	}
	aa_ctx_free(&lib_ctx);
	aa_ctx_free(&here_ctx);
	return 0;
}
