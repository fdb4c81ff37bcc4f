/* fuzz_authres_parse.c - the RFC 8601 parser and formatter on any bytes.
 *
 * The first byte picks the mode; the rest is the field value. What must
 * hold: a parse either succeeds or says why; the id the parser reads is
 * the one aa_authres_id_is() recognises; whatever the formatter writes is
 * one line that parses strictly and formats to itself.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "aa_authres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_ctx *ctx;
	struct aa_authres_parsed *p, *again;
	enum aa_authres_mode mode;
	const char *v, *err, *f;
	int rc;

	if (ctx == NULL)
		ctx = aa_ctx_new(NULL, NULL);
	if (ctx == NULL || size == 0)
		return 0;
	mode = (data[0] & 1) ? AA_AUTHRES_LENIENT : AA_AUTHRES_STRICT;
	v = (const char *)data + 1;
	size--;
	rc = aa_authres_parse(ctx, v, size, mode, &p, &err);
	if (rc == 0 && err == NULL)
		__builtin_trap();
	if (rc == 1) {
		/* a parsed field's id is the one the forgery check sees,
		 * unless it holds a NUL (compared as a C string) */
		if (strlen(p->authserv_id) == 0 ||
		    (memchr(v, '\0', size) == NULL && aa_authres_id_is(v, size, p->authserv_id) != 1))
			__builtin_trap();
		f = aa_authres_format(ctx, p);
		if (f != NULL) {
			if (strpbrk(f, "\r\n") != NULL)
				__builtin_trap();
			if (aa_authres_parse(ctx, f, strlen(f), AA_AUTHRES_STRICT, &again, &err) != 1)
				__builtin_trap();
			if (strcmp(aa_authres_format(ctx, again), f) != 0)
				__builtin_trap();
		}
	}
	aa_ctx_end_message(ctx);
	return 0;
}
