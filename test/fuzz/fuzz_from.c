/* fuzz_from.c - the RFC 5322 From parser on any bytes, any number of
 * fields, at every length (make fuzz runs it with -max_len=131072, far
 * over the 16 KiB field cap).
 *
 * Input: the values of the From fields, separated by a blank line
 * ("\n\n", which no folded value holds). Only the public entry
 * aa_from_parse_fields() is used. What must hold:
 * - no field is NONE, one field is never MULTIPLE_HEADERS, several fields
 *   are always MULTIPLE_HEADERS (never OK);
 * - OK names exactly one domain, domains[0];
 * - every domain read is lower case with no blank, control byte or '@',
 *   at most 253 octets, and there are at most AA_FROM_DOMAINS_MAX + 1;
 * - length never changes the author: one field padded with folding white
 *   space past the caps is either read as the same domain or not OK.
 * The same bytes are also read as a whole message, cut into header fields
 * as Exim does (aa_from_read_message): OK names exactly one domain.
 */
#define _GNU_SOURCE	/* memmem */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "aa_dmarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS_MAX 80		/* over core/from/from.c's 64, to reach that cap */
#define PAD_TO 20000		/* over the 16 KiB field cap */

static void check_domain(const char *d)
{
	size_t n;

	if (d == NULL)
		__builtin_trap();
	n = strlen(d);
	if (n == 0 || n > 253)
		__builtin_trap();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c <= 0x20 || c == 0x7f || c == '@' || (c >= 'A' && c <= 'Z'))
			__builtin_trap();
	}
}

static void check(const struct aa_from *r, size_t n)
{
	if (n == 0 && r->status != AA_FROM_NONE)
		__builtin_trap();
	if (n == 1 && (r->status == AA_FROM_NONE || r->status == AA_FROM_MULTIPLE_HEADERS))
		__builtin_trap();
	if (n > 1 && r->status != AA_FROM_MULTIPLE_HEADERS)
		__builtin_trap();
	if (r->status == AA_FROM_OK &&
	    (r->domain == NULL || r->domain_count != 1 || strcmp(r->domains[0], r->domain) != 0))
		__builtin_trap();
	if (r->domain_count > AA_FROM_DOMAINS_MAX + 1)
		__builtin_trap();
	for (size_t i = 0; i < r->domain_count; i++)
		check_domain(r->domains[i]);
	if (r->domain != NULL)
		check_domain(r->domain);
}

/* The one value again, with folding white space after it to PAD_TO. */
static void check_padded(struct aa_ctx *ctx, const char *v, size_t len, const struct aa_from *r)
{
	static char buf[PAD_TO + 3];
	const char *vals[1] = { buf };
	size_t lens[1];
	struct aa_from p;
	char *want;

	if (r->status != AA_FROM_OK || len >= PAD_TO)
		return;
	want = strdup(r->domain);
	if (want == NULL)
		return;
	memcpy(buf, v, len);
	for (lens[0] = len; lens[0] + 3 <= PAD_TO;)
		memcpy(buf + lens[0], "\r\n ", 3), lens[0] += 3;
	if (aa_from_parse_fields(ctx, vals, lens, 1, &p) == 0) {
		check(&p, 1);
		if (p.status == AA_FROM_OK && strcmp(p.domain, want) != 0)
			__builtin_trap();
	}
	free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_ctx *ctx;
	static const char *values[FIELDS_MAX];
	static size_t lens[FIELDS_MAX];
	const char *p = (const char *)data, *end = p + size;
	size_t n = 0;
	struct aa_from r;

	if (ctx == NULL && (ctx = aa_ctx_new(NULL, NULL)) == NULL)
		__builtin_trap();
	while (n < FIELDS_MAX) {
		const char *sep = memmem(p, (size_t)(end - p), "\n\n", 2);

		values[n] = p;
		lens[n] = sep != NULL ? (size_t)(sep - p) : (size_t)(end - p);
		n++;
		if (sep == NULL)
			break;
		p = sep + 2;
	}
	if (aa_from_parse_fields(ctx, values, lens, n, &r) == 0) {
		check(&r, n);
		if (n == 1)
			check_padded(ctx, values[0], lens[0], &r);
	}
	aa_ctx_end_message(ctx);
	if (aa_from_parse_fields(ctx, NULL, NULL, 0, &r) == 0)
		check(&r, 0);
	aa_ctx_end_message(ctx);
	/* the same bytes as a whole message, cut into fields as Exim does */
	if (aa_from_read_message(ctx, (const char *)data, size, &r) == 0 && r.status == AA_FROM_OK &&
	    (r.domain == NULL || r.domain_count != 1))
		__builtin_trap();
	aa_ctx_end_message(ctx);
	return 0;
}
