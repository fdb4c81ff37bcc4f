/* json.c - the JSON writer of authalign --json (see json.h). */
#include <stdint.h>
#include <string.h>
#include "json.h"

/* The length of the valid UTF-8 sequence at s (RFC 3629: no overlong
 * form, no surrogate, nothing above U+10FFFF) and its code point, or 0. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp_r)
{
	size_t n;
	uint32_t cp, min;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return n;
}

static void put_string(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t n;

		if (c == '"' || c == '\\') {
			fprintf(out, "\\%c", c);
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			fputc(c, out);
			i++;
		} else if (c == '\n' || c == '\t') {
			fputs(c == '\n' ? "\\n" : "\\t", out);
			i++;
		} else if (c < 0x80) {
			fprintf(out, "\\u%04x", c);
			i++;
		} else if ((n = utf8_decode(p + i, len - i, &cp)) > 0) {
			if (cp >= 0x10000)
				fprintf(out, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
					0xdc00 + ((cp - 0x10000) & 0x3ff));
			else
				fprintf(out, "\\u%04x", cp);
			i += n;
		} else {
			fputs("\\ufffd", out);
			i++;
		}
	}
	fputc('"', out);
}

/* The comma and the key before a member. */
static void member(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = 0;
	if (key != NULL) {
		put_string(j->out, key, strlen(key));
		fputc(':', j->out);
	}
}

void json_start(struct json *j, FILE *out)
{
	j->out = out;
	j->depth = 0;
	j->too_deep = 0;
	j->first[0] = 1;
	j->close[0] = '}';
	fputc('{', out);
}

void json_finish(struct json *j)
{
	while (j->depth > 0)	/* a caller that forgot a close still gets JSON */
		json_close(j);
	fputs("}\n", j->out);
}

void json_strn(struct json *j, const char *key, const char *s, size_t len)
{
	member(j, key);
	if (s == NULL)
		fputs("null", j->out);
	else
		put_string(j->out, s, len);
}

void json_str(struct json *j, const char *key, const char *s)
{
	json_strn(j, key, s, s != NULL ? strlen(s) : 0);
}

void json_int(struct json *j, const char *key, long long v)
{
	member(j, key);
	fprintf(j->out, "%lld", v);
}

void json_bool(struct json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->out);
}

void json_open(struct json *j, const char *key, char bracket)
{
	member(j, key);
	if (j->depth + 1 >= JSON_DEPTH_MAX) {
		fputs("null", j->out);	/* too deep: members go to the outer level */
		j->too_deep++;
		return;
	}
	fputc(bracket, j->out);
	j->depth++;
	j->first[j->depth] = 1;
	j->close[j->depth] = bracket == '[' ? ']' : '}';
}

void json_close(struct json *j)
{
	if (j->too_deep > 0)
		j->too_deep--;
	else if (j->depth > 0)
		fputc(j->close[j->depth--], j->out);
}
