/* dkim_key.c - a DKIM key record (RFC 6376 3.6.1) made fit for libopendkim.
 *
 * libopendkim 2.11 gives the key-lookup callback a 1 KiB buffer (BUFRSZ
 * in its dkim.c) and parses what is put there. A record that fits goes
 * in as published. A longer one, such as a 4096-bit key with an n= note
 * (RFC 8301 3.2: verifiers must take 1024- to 4096-bit keys), is checked
 * whole against the tag-list grammar (RFC 6376 3.2) and rebuilt from the
 * only tags the library reads (v, h, k, s, t, p), white space removed.
 * What still does not fit (an 8192-bit key's p= alone is 1.4 kB) is
 * refused: never cut, which would hand the library another key.
 *
 * aa_dkim_key_tag() reads one tag of a record with the same tag-list
 * walk, and aa_dkim_key_record_check() holds a whole record to what a
 * verifier accepts, for the outbound key check (dkim_pub.c).
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "dkim_int.h"

/* The key tags libopendkim 2.11 uses (dkim_get_key, dkim_key_smtp). */
static const char kept_tags[] = "vhkstp";

/* RFC 6376 3.2 VALCHAR: %x21-3A / %x3C-7E */
static inline bool is_valchar(unsigned char c)
{
	return aa_is_vchar(c) && c != ';';
}

static void trim(const char **p, const char **end)
{
	while (*p < *end && aa_is_fws((unsigned char)**p))
		(*p)++;
	while (*end > *p && aa_is_fws((unsigned char)(*end)[-1]))
		(*end)--;
}

/* tag-name = ALPHA *ALNUMPUNC (ALPHA / DIGIT / "_") */
static bool tag_name_ok(const char *p, const char *end)
{
	if (p == end || !aa_is_alpha((unsigned char)*p))
		return false;
	for (p++; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (!aa_is_alpha(c) && !aa_is_digit(c) && c != '_')
			return false;
	}
	return true;
}

/* tag-value: VALCHARs and folding white space */
static bool tag_value_ok(const char *p, const char *end)
{
	for (; p < end; p++)
		if (!is_valchar((unsigned char)*p) && !aa_is_fws((unsigned char)*p))
			return false;
	return true;
}

/* Append "name=value;" without white space; false when it does not fit. */
static bool put_tag(char *buf, size_t buflen, size_t *k, char name,
		    const char *v, const char *vend)
{
	if (*k + 2 >= buflen)
		return false;
	buf[(*k)++] = name;
	buf[(*k)++] = '=';
	for (; v < vend; v++) {
		if (aa_is_fws((unsigned char)*v))
			continue;
		if (*k + 1 >= buflen)
			return false;
		buf[(*k)++] = *v;
	}
	if (*k + 1 >= buflen)
		return false;
	buf[(*k)++] = ';';
	return true;
}

/* The next tag of a tag list: 1 with its name and value trimmed, 0 at
 * the end (a final ";" may be followed by white space only), -1 when the
 * list is malformed. */
static int next_tag(const char **pp, const char *end, struct slice *name, struct slice *value)
{
	const char *p = *pp;
	const char *semi = memchr(p, ';', (size_t)(end - p));
	const char *stop = semi != NULL ? semi : end;
	const char *eq = memchr(p, '=', (size_t)(stop - p));
	const char *n = p, *n_end = eq, *v, *v_end = stop;

	if (eq == NULL) {
		trim(&n, &v_end);
		return n == v_end && semi == NULL ? 0 : -1;
	}
	v = eq + 1;
	trim(&n, &n_end);
	trim(&v, &v_end);
	if (!tag_name_ok(n, n_end) || !tag_value_ok(v, v_end))
		return -1;
	*name = (struct slice){ n, (size_t)(n_end - n) };
	*value = (struct slice){ v, (size_t)(v_end - v) };
	*pp = semi != NULL ? semi + 1 : end;
	return 1;
}

static int rebuild(const char *text, size_t len, char *buf, size_t buflen, const char **reason_r)
{
	const char *p = text, *end = text + len;
	struct slice name, value;
	unsigned seen = 0;
	size_t k = 0;
	int got;

	while (p < end && (got = next_tag(&p, end, &name, &value)) != 0) {
		const char *kept;

		if (got < 0) {
			*reason_r = "malformed key record";
			return -1;
		}
		kept = name.n == 1 ? strchr(kept_tags, *name.p) : NULL;
		if (kept != NULL) {
			unsigned bit = 1u << (kept - kept_tags);

			if ((seen & bit) != 0) {
				*reason_r = "a key record tag occurs twice";
				return -1;
			}
			seen |= bit;
			if (!put_tag(buf, buflen, &k, *name.p, value.p, value.p + value.n)) {
				*reason_r = "key record too long";
				return -1;
			}
		}
	}
	buf[k] = '\0';
	return 0;
}

int aa_dkim_key_tag(const char *text, size_t len, char tag, const char **v_r, size_t *vlen_r)
{
	const char *p = text, *end = text + len;
	struct slice name, value;
	int got;

	while (p < end && (got = next_tag(&p, end, &name, &value)) != 0) {
		if (got < 0)
			return -1;
		if (name.n == 1 && *name.p == tag) {
			*v_r = value.p;
			*vlen_r = value.n;
			return 1;
		}
	}
	return 0;
}

#define KEY_TAGS_MAX 32	/* tags in one record; more is not a key record of ours */

/* 1 when the colon-separated list holds word (any case, white space aside). */
static bool list_has(struct slice list, const char *word)
{
	const char *p = list.p, *end = list.p + list.n;
	size_t wn = strlen(word);

	while (p <= end) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *q = colon != NULL ? colon : end, *a = p, *b = q;

		trim(&a, &b);
		if ((size_t)(b - a) == wn && strncasecmp(a, word, wn) == 0)
			return true;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	return false;
}

int aa_dkim_key_record_check(const char *text, size_t len, const char **why_r)
{
	struct slice names[KEY_TAGS_MAX], name, value;
	const char *p = text, *end = text + len;
	size_t n = 0;
	int got;

	if (memchr(text, '\0', len) != NULL) {
		*why_r = "a NUL byte in the key record";
		return -1;
	}
	while (p < end && (got = next_tag(&p, end, &name, &value)) != 0) {
		if (got < 0 || n == KEY_TAGS_MAX) {
			*why_r = "not a key record (a malformed tag list)";
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			if (names[i].n == name.n && memcmp(names[i].p, name.p, name.n) == 0) {
				*why_r = "a tag occurs twice in the key record (RFC 6376 3.2)";
				return -1;
			}
		names[n++] = name;
		if (name.n != 1)
			continue;
		switch (*name.p) {
		case 'v':	/* RFC 6376 3.6.1: first, and DKIM1 */
			if (n != 1 || value.n != 5 || strncmp(value.p, "DKIM1", 5) != 0) {
				*why_r = "v= is not DKIM1, or not the first tag";
				return -1;
			}
			break;
		case 'h':
			if (!list_has(value, "sha256")) {
				*why_r = "h= does not allow sha256";
				return -1;
			}
			break;
		case 's':
			if (!list_has(value, "*") && !list_has(value, "email")) {
				*why_r = "s= does not allow email";
				return -1;
			}
			break;
		default:
			break;
		}
	}
	return 0;
}

int aa_dkim_key_record(const char *text, size_t len, char *buf, size_t buflen,
		       const char **reason_r)
{
	if (buflen == 0) {
		*reason_r = "key record too long";
		return -1;
	}
	if (len == 0) {
		*reason_r = "empty key record";
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		*reason_r = "NUL byte in key record";
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		/* what libopendkim itself refuses in a whole record */
		if (c >= 0x7f || (c < 0x20 && !aa_is_fws(c))) {
			*reason_r = "malformed key record";
			return -1;
		}
	}
	if (len < buflen) {
		memcpy(buf, text, len);
		buf[len] = '\0';
		return 0;
	}
	return rebuild(text, len, buf, buflen, reason_r);
}

/* ---- base64, and a record plain enough to be read here ---- */

/* Each byte's value in base64, plus one; 0 for the bytes it has not. */
static const unsigned char b64_values[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6, ['G'] = 7,
	['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
	['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
	['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26,
	['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33,
	['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
	['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47,
	['v'] = 48, ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52,
	['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59,
	['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

static int b64_value(unsigned char c)
{
	return (int)b64_values[c] - 1;
}

int aa_dkim_b64_decode(const char *v, size_t vlen, unsigned char *out, size_t cap, size_t *len_r)
{
	unsigned long acc = 0;
	size_t chars = 0, pad = 0, k = 0;

	for (size_t i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)v[i];
		int d;

		if (aa_is_fws(c))
			continue;
		if (c == '=') {
			if (++pad > 2)
				return -1;
			continue;
		}
		d = b64_value(c);
		if (d < 0 || pad > 0)	/* not base64, or data after padding */
			return -1;
		acc = acc << 6 | (unsigned long)d;
		if (++chars % 4 == 0) {
			if (cap - k < 3)
				return -1;
			out[k++] = (unsigned char)(acc >> 16);
			out[k++] = (unsigned char)(acc >> 8);
			out[k++] = (unsigned char)acc;
			acc = 0;
		}
	}
	if (chars == 0 || (chars + pad) % 4 != 0)
		return -1;
	switch (chars % 4) {
	case 0:
		break;
	case 2:	/* 12 bits: one byte (the last 4 bits unused) */
		if (cap - k < 1)
			return -1;
		out[k++] = (unsigned char)(acc >> 4);
		break;
	case 3:	/* 18 bits: two bytes */
		if (cap - k < 2)
			return -1;
		out[k++] = (unsigned char)(acc >> 10);
		out[k++] = (unsigned char)(acc >> 2);
		break;
	default:
		return -1;
	}
	*len_r = k;
	return 0;
}

/* Every item of a colon-separated list is one of words (NULL-ended); an
 * empty item is not. */
static bool list_only(struct slice list, const char *const *words)
{
	const char *p = list.p, *end = list.p + list.n;

	for (;;) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *q = colon != NULL ? colon : end;
		bool known = false;

		for (const char *const *w = words; *w != NULL && !known; w++)
			known = strlen(*w) == (size_t)(q - p) && memcmp(*w, p, (size_t)(q - p)) == 0;
		if (!known)
			return false;
		if (colon == NULL)
			return true;
		p = colon + 1;
	}
}

static bool has_space(struct slice s)
{
	for (size_t i = 0; i < s.n; i++)
		if (aa_is_fws((unsigned char)s.p[i]))
			return true;
	return false;
}

int aa_dkim_key_record_plain(const char *text, size_t len, struct dkim_key_plain *out)
{
	static const char *const hashes[] = { "sha1", "sha256", NULL };
	static const char *const flags[] = { "y", "s", NULL };
	struct slice names[KEY_TAGS_MAX], name, value;
	const char *p = text, *end = text + len;
	bool have_p = false;
	size_t n = 0;
	int got;

	memset(out, 0, sizeof(*out));
	while (p < end && (got = next_tag(&p, end, &name, &value)) != 0) {
		if (got < 0 || n == KEY_TAGS_MAX)
			return 0;
		/* the library matches tag names in any case when it stores
		 * them and in lower case when it reads them */
		for (size_t i = 0; i < n; i++)
			if (names[i].n == name.n && strncasecmp(names[i].p, name.p, name.n) == 0)
				return 0;
		names[n++] = name;
		if (name.n != 1)
			continue;
		if (memchr("VHKSTP", *name.p, 6) != NULL)
			return 0;
		if (memchr("vhkst", *name.p, 5) != NULL && has_space(value))
			return 0;
		switch (*name.p) {
		case 'v':
			if (n != 1 || value.n != 5 || memcmp(value.p, "DKIM1", 5) != 0)
				return 0;
			break;
		case 'h':
			if (!list_only(value, hashes) || !list_has(value, "sha256"))
				return 0;
			break;
		case 'k':
			if (value.n != 3 || memcmp(value.p, "rsa", 3) != 0)
				return 0;
			break;
		case 's':
			if (!list_has(value, "*") && !list_has(value, "email"))
				return 0;
			break;
		case 't':
			if (!list_only(value, flags))
				return 0;
			out->no_subdomain = list_has(value, "s");
			break;
		case 'p':
			if (value.n == 0)	/* revoked */
				return 0;
			out->p = value;
			have_p = true;
			break;
		default:
			break;
		}
	}
	return have_p ? 1 : 0;
}
