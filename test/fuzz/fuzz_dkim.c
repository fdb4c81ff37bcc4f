/* fuzz_dkim.c - a whole message through DKIM verification (fixed zone, no network). */
#include <stddef.h>
#include <stdint.h>
#include "aa_dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_ctx *ctx;
	struct aa_dkim_result r;

	if (ctx == NULL) {
		ctx = aa_ctx_new(NULL, NULL);
		aa_dns_free(&ctx->dns);
		ctx->dns = aa_dns_new_zone();
		aa_dns_zone_add_line(ctx->dns, "s._domainkey.a.example TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB\"");
		aa_dns_zone_add_line(ctx->dns, "t._domainkey.a.example TXT SERVFAIL");
	}
	aa_dkim_verify_message(ctx, (const char *)data, size, &r);
	aa_ctx_end_message(ctx);
	return 0;
}
