/* fuzz_authres.c - forged-header recognition and value quoting on any bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "aa_authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_ctx *ctx;

	if (ctx == NULL)
		ctx = aa_ctx_new(NULL, NULL);
	aa_authres_is_ours((const char *)data, size, "mx.test.example");
	const char *v = aa_authres_value(ctx, (const char *)data, size);
	/* a quoted value never carries a line end into a header */
	if (strchr(v, '\n') != NULL || strchr(v, '\r') != NULL)
		__builtin_trap();
	aa_esc(ctx, (const char *)data, size);
	aa_ctx_end_message(ctx);
	return 0;
}
