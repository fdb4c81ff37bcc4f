/* driver_psl.c - one domain a line on stdin, its Organizational Domain
 * under RFC 7489 (aa_org_domain with the PSL) on stdout, or "null" when
 * it has none (a public suffix, or not a domain). "null" asks with a
 * NULL pointer. */
#include <stdio.h>
#include <string.h>
#include "aa_dmarc.h"

int main(void)
{
	char line[1024];
	struct aa_ctx *ctx = aa_ctx_new(NULL, NULL);

	if (ctx == NULL)
		return 2;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		const char *org = NULL;
		enum aa_result rc;

		line[strcspn(line, "\r\n")] = '\0';
		rc = aa_org_domain(ctx, strcmp(line, "null") == 0 ? NULL : line,
				   AA_DMARC_RFC7489, &org);
		printf("%s\n", rc == AA_PASS && org != NULL ? org : "null");
		fflush(stdout);
		aa_ctx_end_message(ctx);
	}
	aa_ctx_free(&ctx);
	return 0;
}
