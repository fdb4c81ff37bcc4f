/* fuzz_plandata.c - $local_scan_data of any bytes: decode, look up, encode again. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "aa_plandata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_ctx *ctx;
	char text[AA_PLANDATA_MAX + 2];
	struct aa_plandata pd, back;
	const char *again;

	if (ctx == NULL)
		ctx = aa_ctx_new(NULL, NULL);
	if (size > AA_PLANDATA_MAX + 1)
		size = AA_PLANDATA_MAX + 1;
	memcpy(text, data, size);
	text[size] = '\0';
	if (aa_plandata_decode(ctx, text, &pd) == 0) {
		aa_plandata_find(&pd, "a.example");
		again = aa_plandata_encode(ctx, &pd);
		/* what we decoded we must write back in a form we read again */
		if (again == NULL || aa_plandata_decode(ctx, again, &back) != 0 || back.count != pd.count)
			__builtin_trap();
	}
	aa_ctx_end_message(ctx);
	return 0;
}
