/* driver_dkim.c - feeds conformance cases to core/dkim/dkim.c; run_dkim.py judges.
 *
 *   driver_dkim verify <zone-file> <message>
 *	one line a signature, tab-separated:
 *	sig <result> <d> <s> <a> <key-bits> <l:0|1> <b-prefix> <reason>
 *	or "none" when the message has no DKIM-Signature; exit 0.
 *   driver_dkim sign <key-file> <alg> <d> <s> <options> <message>
 *	writes the signed message; options is "-" or letters:
 *	l (add l=), o (over-sign From), s (c=simple/simple). Exit 2 when
 *	the signer refuses.
 * Exit 1 on a usage or I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctx.h"
#include "aa_dkim.h"
#include "../unit/aa_dkim_testsign.h"

#define FILE_MAX (16 * 1024 * 1024)

static char *slurp(const char *path, size_t *len_r)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	buf = malloc(FILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, FILE_MAX, f);
	fclose(f);
	buf[n] = '\0';
	*len_r = n;
	return buf;
}

/* A context whose fixed zone is read line by line here, so records
 * longer than the zone-file loader's line limit (5.5 kB keys) fit. */
static struct aa_ctx *zone_ctx(const char *path)
{
	struct aa_ctx *ctx = aa_ctx_new_zone(NULL);
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int bad = ctx == NULL || f == NULL;

	while (!bad && (n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n > 0 && aa_dns_zone_add_line(ctx->dns, line) < 0) {
			fprintf(stderr, "driver_dkim: bad zone line: %.80s\n", line);
			bad = 1;
		}
	}
	free(line);
	if (f != NULL)
		fclose(f);
	if (bad)
		aa_ctx_free(&ctx);
	return ctx;
}

/* Printable ASCII but tab and backslash as is; the rest as \xHH. */
static void show(const char *s)
{
	if (s == NULL) {
		fputs("-", stdout);
		return;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
}

static int run_verify(const char *zone, const char *msgpath)
{
	struct aa_ctx *ctx = zone_ctx(zone);
	struct aa_dkim_result r;
	size_t len = 0;
	char *msg = slurp(msgpath, &len);
	int rc;

	if (ctx == NULL || msg == NULL) {
		free(msg);
		aa_ctx_free(&ctx);
		return 1;
	}
	rc = aa_dkim_verify_message(ctx, msg, len, &r);
	if (rc < 0)
		printf("error\n");
	else if (r.count == 0)
		printf("none\n");
	for (size_t i = 0; rc == 0 && i < r.count; i++) {
		const struct aa_dkim_sig *s = &r.sigs[i];

		printf("sig\t%s\t", aa_result_name(s->result));
		show(s->domain);
		putchar('\t');
		show(s->selector);
		putchar('\t');
		show(s->algorithm);
		printf("\t%u\t%d\t", s->key_bits, s->body_length_limited);
		show(s->b_prefix);
		putchar('\t');
		show(s->reason);
		putchar('\n');
	}
	aa_ctx_end_message(ctx);
	aa_ctx_free(&ctx);
	free(msg);
	return 0;
}

static int run_sign(char **argv)
{
	size_t klen = 0;
	size_t mlen = 0;
	size_t olen = 0;
	char *key = slurp(argv[0], &klen);
	char *msg = slurp(argv[5], &mlen);
	struct aa_test_sign o = {
		.key = key, .algorithm = argv[1], .domain = argv[2], .selector = argv[3],
		.with_l = strchr(argv[4], 'l') != NULL,
		.oversign_from = strchr(argv[4], 'o') != NULL,
		.header_simple = strchr(argv[4], 's') != NULL,
		.body_simple = strchr(argv[4], 's') != NULL,
	};
	char *out;

	if (key == NULL || msg == NULL) {
		free(key);
		free(msg);
		return 1;
	}
	out = aa_test_sign(&o, msg, mlen, &olen);
	if (out != NULL)
		fwrite(out, 1, olen, stdout);
	free(out);
	free(key);
	free(msg);
	return out != NULL ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "verify") == 0)
		return run_verify(argv[2], argv[3]);
	if (argc == 8 && strcmp(argv[1], "sign") == 0)
		return run_sign(argv + 2);
	fprintf(stderr, "usage: driver_dkim verify <zone> <message>\n"
		"       driver_dkim sign <key> <alg> <d> <s> <options> <message>\n");
	return 1;
}
