/* escape.c - the only way untrusted text reaches a log line or header.
 *
 * The result goes in the message's arena; when the arena has no memory
 * it goes in one of the context's AA_ESC_RING fixed buffers, taken in
 * turn, so the escaped text is always the real one.
 */
#include <stdio.h>
#include <string.h>
#include "aa_ctx.h"

const char *aa_esc(struct aa_ctx *ctx, const char *s, size_t len)
{
	size_t cut = len > AA_ESC_INPUT_MAX ? AA_ESC_INPUT_MAX : len;
	char *out, *o;

	if (s == NULL)
		return "";
	out = aa_arena_alloc(ctx->arena, cut * 4 + 4);
	if (out == NULL) {
		out = ctx->esc_ring[ctx->esc_next];
		ctx->esc_next = (ctx->esc_next + 1) % AA_ESC_RING;
	}
	o = out;
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '"' || c == '(' || c == ')') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			*o++ = (char)c;
		} else {
			o += snprintf(o, 5, "\\x%02x", c);
		}
	}
	if (cut < len) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

const char *aa_escz(struct aa_ctx *ctx, const char *s)
{
	return s == NULL ? "" : aa_esc(ctx, s, strlen(s));
}
