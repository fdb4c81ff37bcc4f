/* fuzz_from.c - the RFC 5322 From parser on any bytes, one or two fields;
 * and the same bytes as a whole message, cut into header fields as Exim
 * does (aa_from_read_message). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "aa_dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_ctx *ctx;
	const char *values[2];
	size_t lens[2];
	const uint8_t *nl = memchr(data, '\n', size);
	struct aa_from r;

	if (ctx == NULL)
		ctx = aa_ctx_new(NULL, NULL);
	values[0] = (const char *)data;
	lens[0] = nl != NULL ? (size_t)(nl - data) : size;
	values[1] = nl != NULL ? (const char *)nl + 1 : "";
	lens[1] = nl != NULL ? size - lens[0] - 1 : 0;
	aa_from_parse_fields(ctx, values, lens, nl != NULL ? 2 : 1, &r);
	if (r.status == AA_FROM_OK && (r.domain == NULL || r.domain_count != 1))
		__builtin_trap();
	aa_from_read_message(ctx, (const char *)data, size, &r);
	if (r.status == AA_FROM_OK && (r.domain == NULL || r.domain_count != 1))
		__builtin_trap();
	aa_ctx_end_message(ctx);
	return 0;
}
