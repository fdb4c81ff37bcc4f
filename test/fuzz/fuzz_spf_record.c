/* fuzz_spf_record.c - an SPF record and a macro string of any bytes
 * through core/spf/spf_record.c's validator/rewriter, spf_macro.c's
 * explanation macro expansion, and a whole check_host() through libspf2 (fixed zone).
 *
 * Input: the record, '\n', the macro string (an explanation TXT). The
 * context is fixed: sender user@a.example, HELO mx.a.example, client
 * 192.0.2.1 or 2001:db8::1 (by the input's length, so both are reached).
 * What must hold:
 * - a record the guard accepts is rewritten into printable ASCII starting
 *   "v=spf1", which the guard accepts again and leaves as it is;
 * - an expanded explanation is printable ASCII (it reaches an SMTP reply);
 * - a whole evaluation gives one of the RFC 8601 results, and what goes
 *   into a header (reason, explanation, Received-SPF) holds no line end.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "aa_spf.h"
#include "../../core/spf/spf_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RECORD_IN_ZONE_MAX 3000		/* a zone line holds 16 KiB: 4 bytes each */
#define ANY_LABEL "_aa0123456789abcdef."

static const char *const fixed_zone[] = {
	"inc.a.example TXT v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all",
	"a.example A 192.0.2.1",
	"a.example AAAA 2001:db8::1",
	"a.example MX 10 mx.a.example",
	"mx.a.example A 192.0.2.1",
	"mx.a.example AAAA 2001:db8::1",
	"mx.a.example TXT v=spf1 a -all",
	"1.2.0.192.in-addr.arpa PTR mx.a.example",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR mx.a.example",
	"t.a.example ANY TIMEOUT",
	"s.a.example TXT SERVFAIL",
};

static int printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int one_line(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") == NULL;
}

static void check_rewrite(struct aa_ctx *ctx, const char *rec, size_t len, int family)
{
	char *norm, *again;
	unsigned mechs, mechs2;
	const char *why;

	if (aa_spf_record_check(ctx->arena, rec, len, family, ANY_LABEL, &norm, &mechs, &why) < 0) {
		if (why == NULL)
			__builtin_trap();
		return;
	}
	if (strncmp(norm, "v=spf1", 6) != 0 || !printable(norm, strlen(norm)))
		__builtin_trap();
	if (aa_spf_record_check(ctx->arena, norm, strlen(norm), family, ANY_LABEL, &again,
				&mechs2, &why) < 0 ||
	    strcmp(again, norm) != 0 || mechs2 != mechs)
		__builtin_trap();
}

static void check_explain(struct aa_ctx *ctx, const char *m, size_t len, const char *ip)
{
	struct aa_spf_eval e = {
		.ctx = ctx, .sender = "user@a.example", .helo = "mx.a.example",
		.receiver = "mx.test.example", .cur_dom = "a.example",
	};
	char *out;

	if (aa_spf_client_check(ip, &e.client) < 0)
		__builtin_trap();
	if (aa_spf_macro_explain(&e, m, len, &out) == 0 && !printable(out, strlen(out)))
		__builtin_trap();
}

/* "name TXT "<every byte as \DDD>"" */
static int zone_txt(struct aa_ctx *ctx, const char *name, const char *s, size_t len)
{
	char line[16384];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s TXT \"", name);

	for (size_t i = 0; i < len && i < RECORD_IN_ZONE_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "\\%03u", (unsigned char)s[i]);
	snprintf(line + n, sizeof(line) - n, "\"");
	return aa_dns_zone_add_line(ctx->dns, line);
}

/* A fresh fixed zone with the record at a.example and the macro string
 * as the explanation at e.a.example; the libspf2 handle stays. */
static void zone_fill(struct aa_ctx *ctx, const char *rec, size_t rlen, const char *m,
		      size_t mlen)
{
	aa_dns_free(&ctx->dns);
	ctx->dns = aa_dns_new_zone();
	if (ctx->dns == NULL)
		__builtin_trap();
	aa_dns_set_arena(ctx->dns, ctx->arena);
	for (size_t i = 0; i < sizeof(fixed_zone) / sizeof(fixed_zone[0]); i++)
		aa_dns_zone_add_line(ctx->dns, fixed_zone[i]);
	zone_txt(ctx, "a.example", rec, rlen);
	zone_txt(ctx, "e.a.example", m, mlen);
}

static void check_evaluation(struct aa_ctx *ctx, const char *ip)
{
	struct aa_spf_result mf, helo;

	aa_spf_check(ctx, ip, "mx.a.example", "user@a.example", &mf, &helo);
	if ((unsigned)mf.result > AA_POLICY || mf.reason == NULL || !one_line(mf.reason) ||
	    !one_line(mf.explanation) ||
	    !one_line(aa_spf_received_spf(ctx, &mf, ip, "mx.a.example", "mx.test.example")))
		__builtin_trap();
	if (mf.explanation != NULL && !printable(mf.explanation, strlen(mf.explanation)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_ctx *ctx;
	const char *in = (const char *)data;
	const char *nl = memchr(in, '\n', size);
	size_t rlen = nl != NULL ? (size_t)(nl - in) : size;
	const char *m = nl != NULL ? nl + 1 : "";
	size_t mlen = nl != NULL ? size - rlen - 1 : 0;
	const char *ip = size % 2 == 0 ? "192.0.2.1" : "2001:db8::1";

	if (ctx == NULL) {
		ctx = aa_ctx_new(NULL, NULL);
		if (ctx == NULL || aa_spf_set_receiver(ctx, "mx.test.example") < 0)
			__builtin_trap();
	}
	zone_fill(ctx, in, rlen, m, mlen);
	check_rewrite(ctx, in, rlen, AF_INET);
	check_rewrite(ctx, in, rlen, AF_INET6);
	check_explain(ctx, m, mlen, "192.0.2.1");
	check_explain(ctx, m, mlen, "2001:db8::1");
	check_evaluation(ctx, ip);
	aa_ctx_end_message(ctx);
	return 0;
}
