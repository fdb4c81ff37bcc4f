/* fuzz_dmarc.c - a DMARC record of any bytes through lookup and evaluation (fixed zone). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "aa_dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aa_ctx *ctx = aa_ctx_new_zone(NULL);
	char line[8192];
	size_t n = 0;
	struct aa_dmarc_lookup lk;

	if (ctx == NULL)
		__builtin_trap();
	/* the record as one quoted TXT string, every byte as \DDD */
	n = (size_t)snprintf(line, sizeof(line), "_dmarc.a.example TXT \"");
	for (size_t i = 0; i < size && n + 6 < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "\\%03u", data[i]);
	snprintf(line + n, sizeof(line) - n, "\"");
	aa_dns_zone_add_line(ctx->dns, line);
	aa_dns_zone_add_line(ctx->dns, "a.example A 192.0.2.1");
	aa_dmarc_lookup(ctx, "a.example", AA_DMARC_RFC9989, &lk);
	aa_dmarc_lookup(ctx, "sub.a.example", AA_DMARC_RFC7489, &lk);
	aa_ctx_free(&ctx);
	return 0;
}
