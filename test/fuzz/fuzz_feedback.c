/* fuzz_feedback.c - a destination's reply (or Exim's event text) read and classified, on any bytes at any length.
 *
 * Input: the bytes of one reply or $event_data. Only the public entries
 * aa_fb_reply_parse() and aa_fb_classify() are used. What must hold:
 * - the text read lies inside the input, at most AA_FB_SCAN_MAX bytes;
 * - the code is 0 or 200..599, and the status "" or "d.d.d" of digits and dots;
 * - the class is one of the enum, AA_FB_NONE exactly when the code is not 4xx
 *   or 5xx, and the rule named is never NULL;
 * - the class does not depend on bytes after AA_FB_SCAN_MAX.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "aa_feedback.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct aa_fb_reply r, cut;
	const char *rule = NULL, *rule2 = NULL;
	enum aa_fb_class c;

	aa_fb_reply_parse(in, size, &r);
	if (r.len > AA_FB_SCAN_MAX || (size > 0 && (r.text < in || r.text + r.len > in + size)))
		__builtin_trap();
	if (r.code != 0 && (r.code < 200 || r.code > 599))
		__builtin_trap();
	for (const char *p = r.status; *p != '\0'; p++)
		if ((*p < '0' || *p > '9') && *p != '.')
			__builtin_trap();
	c = aa_fb_classify(&r, &rule);
	if (rule == NULL || c < AA_FB_NONE || c > AA_FB_OTHER)
		__builtin_trap();
	if ((c == AA_FB_NONE) != (r.code < 400))
		__builtin_trap();
	if (size > AA_FB_SCAN_MAX) {
		aa_fb_reply_parse(in, AA_FB_SCAN_MAX, &cut);
		if (aa_fb_classify(&cut, &rule2) != c)
			__builtin_trap();
	}
	return 0;
}
