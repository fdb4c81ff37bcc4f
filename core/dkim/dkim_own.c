/* dkim_own.c - a message whose every signature is plainly written
 * rsa-sha256, checked without libopendkim.
 *
 * Once the body hash (dkim_body.c) and the RSA check with kept keys
 * (dkim_sig.c) were made here, most of a signed message's DKIM cost left
 * was libopendkim's own per-message work: its handle, a copy of every
 * header field, parsing each signature, selecting and canonicalizing the
 * signed fields. When every header field and every DKIM-Signature of a
 * message are written so plainly that both read them alike (plain_field
 * and plain_signature below), this file does that work: it selects the
 * fields h= names as libopendkim 2.11's dkim_canon_selecthdrs() does
 * (for each name the last field of that name not yet taken, names
 * compared in any case), canonicalizes them as its
 * dkim_canon_header_string() does (relaxed or simple), removes the b=
 * value from the signature field as dkim_canon_runheaders() does, and
 * checks each signature: the key record through aa_dns, plain
 * (dkim_key.c), the RSA check with a kept key (dkim_sig.c), the body
 * hash (dkim_body.c).
 *
 * Only "every signature passed" is final here. Any other outcome (a key
 * not found, not plain or under 1024 bits, a signature or a body hash
 * that does not verify) sends the whole message to the library path
 * (dkim.c), whose verdicts and reasons then stand; so this file changes
 * a verdict only if it passes a signature the library would not. The
 * unit suite dkim_own compares the header hash made here with the
 * library's on fields of every shape, and dkim_sig's comparison of both
 * paths runs through this one.
 */
#define OPENSSL_SUPPRESS_DEPRECATED	/* SHA256_Init() and friends, as libopendkim hashes */
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/sha.h>
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "dkim_int.h"

#define H_NAMES_MAX 64		/* names in one h=; more go to the library */
#define H_LEN_MAX 1024		/* bytes of h=; the library copies 4096 */

static bool own_off;		/* tests: every message to the library */

void aa_dkim_own_to_library(bool on)
{
	own_off = on;
}

bool aa_dkim_own_enabled(void)
{
	return !own_off;
}

/* ---- the fields ---- */

/* A field both read alike: a colon, a name of printable ASCII without
 * blanks or ';' right before it (the library's name length is then the
 * colon's offset), no NUL (the library reads some fields up to a NUL). */
bool aa_dkim_own_plain_field(const char *f, size_t len)
{
	size_t i = 0;

	while (i < len && f[i] != ':') {
		unsigned char c = (unsigned char)f[i];

		if (c <= ' ' || c > '~' || c == ';')
			return false;
		i++;
	}
	return i > 0 && i < len && memchr(f, '\0', len) == NULL;
}

/* ---- a plain DKIM-Signature (RFC 6376 3.5) ---- */

/* Printable ASCII and nothing else (no white space inside). */
static bool printable(struct slice s)
{
	for (size_t i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] <= ' ' || (unsigned char)s.p[i] > '~')
			return false;
	return s.n > 0;
}

/* Printable ASCII and folding white space (b=, bh=, h=). */
static bool printable_or_fws(struct slice s)
{
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if ((c <= ' ' || c > '~') && !aa_is_fws(c))
			return false;
	}
	return s.n > 0;
}

static bool canon_of(struct slice c, struct own_sig *o)
{
	static const struct {
		const char *text;
		dkim_canon_t h, b;
	} canons[] = {
		{ "simple", DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE },
		{ "relaxed", DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE },
		{ "simple/simple", DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE },
		{ "simple/relaxed", DKIM_CANON_SIMPLE, DKIM_CANON_RELAXED },
		{ "relaxed/simple", DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE },
		{ "relaxed/relaxed", DKIM_CANON_RELAXED, DKIM_CANON_RELAXED },
	};

	if (c.p == NULL) {	/* RFC 6376 3.5: simple/simple */
		o->hcanon = o->bcanon = DKIM_CANON_SIMPLE;
		return true;
	}
	for (size_t i = 0; i < sizeof(canons) / sizeof(canons[0]); i++)
		if (aa_dkim_slice_is(c, canons[i].text)) {
			o->hcanon = canons[i].h;
			o->bcanon = canons[i].b;
			return true;
		}
	return false;
}

/* h=: names of printable ASCII, no ';', separated by ':' with folding
 * white space around; none empty; from among them; dkim-signature not. */
static bool h_plain(struct slice h)
{
	const char *p = h.p, *end = h.p + h.n;
	size_t names = 0;
	bool from = false;

	if (h.n == 0 || h.n > H_LEN_MAX)
		return false;
	while (p <= end) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		struct slice name = aa_dkim_slice_trim(p, (size_t)((colon != NULL ? colon : end) - p));

		if (!printable(name) || memchr(name.p, ';', name.n) != NULL || ++names > H_NAMES_MAX)
			return false;
		if (name.n == 4 && strncasecmp(name.p, "from", 4) == 0)
			from = true;
		if (name.n == 14 && strncasecmp(name.p, "dkim-signature", 14) == 0)
			return false;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	return from;
}

/* i=: absent, or [local-part]@d with d= itself in any case, the local
 * part of RFC 5322 atext and dots only: no '=', which the library would
 * read as quoted-printable (dkim_qp_decode()). */
static bool i_plain(struct slice i, struct slice d)
{
	const char *at;

	if (i.p == NULL)
		return true;
	if (i.n > 200 || !printable(i))
		return false;
	at = memchr(i.p, '@', i.n);
	if (at == NULL)
		return false;
	for (const char *p = i.p; p < at; p++)
		if (!aa_is_alnum((unsigned char)*p) && strchr("!#$%&'*+-/?^_`{|}~.", *p) == NULL)
			return false;
	return (size_t)(i.p + i.n - at - 1) == d.n && strncasecmp(at + 1, d.p, d.n) == 0;
}

/* t=: up to ten digits, not after now (the library refuses a time in
 * the future only past its clock drift: ours is stricter). */
static bool t_plain(struct slice t)
{
	unsigned long long v = 0;

	if (t.p == NULL)
		return true;
	if (t.n == 0 || t.n > 10)
		return false;
	for (size_t k = 0; k < t.n; k++) {
		if (t.p[k] < '0' || t.p[k] > '9')
			return false;
		v = v * 10 + (unsigned)(t.p[k] - '0');
	}
	return v <= (unsigned long long)time(NULL);
}

static bool dns_name(struct slice s, bool need_dot)
{
	unsigned flags = AA_DNS_NAME_UNDERSCORE | (need_dot ? AA_DNS_NAME_DOTTED : 0);

	return aa_dns_name_check(s.p, s.n, flags) == AA_DNS_NAME_OK;
}

/* One term "name=value" of the tag list into its slot; false when the
 * name is not one a plain signature has, or comes twice. */
static bool store(struct own_sig *o, struct sig_tags *t, struct slice name, struct slice value)
{
	struct slice *slot;

	if (aa_dkim_slice_is(name, "v"))
		slot = &t->v;
	else if (aa_dkim_slice_is(name, "a"))
		slot = &t->a;
	else if (aa_dkim_slice_is(name, "b"))
		slot = &t->b;
	else if (aa_dkim_slice_is(name, "d"))
		slot = &t->d;
	else if (aa_dkim_slice_is(name, "s"))
		slot = &t->s;
	else if (aa_dkim_slice_is(name, "bh"))
		slot = &o->bh;
	else if (aa_dkim_slice_is(name, "h"))
		slot = &o->h;
	else if (aa_dkim_slice_is(name, "c"))
		slot = &o->c;
	else if (aa_dkim_slice_is(name, "i"))
		slot = &o->i;
	else if (aa_dkim_slice_is(name, "q"))
		slot = &o->q;
	else if (aa_dkim_slice_is(name, "t"))
		slot = &o->t;
	else
		return false;	/* l=, x=, z= and every other tag: the library's */
	if (slot->p != NULL)
		return false;
	*slot = value;
	return true;
}

/* The value of field (name, colon, value; CRLF line ends) as a plain
 * rsa-sha256 signature: e->tags and e->plain filled, or false. */
bool aa_dkim_own_plain_signature(struct sig_entry *e, const char *field, size_t len)
{
	struct own_sig *o = &e->plain;
	struct sig_tags *t = &e->tags;
	const char *colon = memchr(field, ':', len);
	const char *p, *end = field + len;

	memset(o, 0, sizeof(*o));
	memset(t, 0, sizeof(*t));
	if (colon == NULL || colon - field != 14 || strncasecmp(field, "DKIM-Signature", 14) != 0)
		return false;
	for (p = colon + 1; p < end;) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi != NULL ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		struct slice name, value;

		if (eq == NULL) {	/* only an empty last term */
			if (semi != NULL || aa_dkim_slice_trim(p, (size_t)(stop - p)).n != 0)
				return false;
			break;
		}
		name = aa_dkim_slice_trim(p, (size_t)(eq - p));
		value = aa_dkim_slice_trim(eq + 1, (size_t)(stop - eq - 1));
		if (!store(o, t, name, value))
			return false;
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	/* b= and bh= are judged when checked: a b= that is not strict base64
	 * of at most 2 kB, or a bh= that is not the body's hash, sends the
	 * message to the library */
	if (!aa_dkim_slice_is(t->v, "1") || !aa_dkim_slice_is(t->a, "rsa-sha256") ||
	    t->d.p == NULL || !printable(t->d) || !dns_name(t->d, true) ||
	    t->s.p == NULL || !printable(t->s) || !dns_name(t->s, false) ||
	    t->b.p == NULL || !printable_or_fws(t->b) || o->bh.p == NULL || !printable_or_fws(o->bh) ||
	    o->h.p == NULL || !printable_or_fws(o->h) || !h_plain(o->h) || !canon_of(o->c, o) ||
	    (o->q.p != NULL && !aa_dkim_slice_is(o->q, "dns/txt")) || !i_plain(o->i, t->d) ||
	    !t_plain(o->t))
		return false;
	o->field = field;
	o->field_len = len;
	return true;
}

/* ---- canonicalization, as libopendkim 2.11 does it ---- */

/* dkim-canon.c's DKIM_ISLWSP: HT, LF, CR, SP. */
static bool lwsp(unsigned char c)
{
	return c == '\t' || c == '\n' || c == '\r' || c == ' ';
}

struct hasher {
	SHA256_CTX sha;
	unsigned char buf[1024];
	size_t n;
};

static void put(struct hasher *hs, const void *p, size_t n)
{
	if (hs->n + n > sizeof(hs->buf)) {
		SHA256_Update(&hs->sha, hs->buf, hs->n);
		hs->n = 0;
	}
	if (n > sizeof(hs->buf)) {
		SHA256_Update(&hs->sha, p, n);
		return;
	}
	memcpy(hs->buf + hs->n, p, n);
	hs->n += n;
}

static void put1(struct hasher *hs, unsigned char c)
{
	put(hs, &c, 1);
}

/* A field, relaxed, as Debian's libopendkim 2.11.0~beta2 makes it: the
 * name without HT, LF, CR or SP and in lower case up to its colon; the
 * value without the HT, LF, CR and SP it starts with, then each run of
 * the C locale's isspace() bytes (VT and FF too) one space, none at the
 * end. */
static void relaxed(struct hasher *hs, const char *f, size_t len)
{
	size_t i = 0;
	bool space = false;

	for (; i < len; i++) {
		unsigned char c = (unsigned char)f[i];

		if (lwsp(c))
			continue;
		put1(hs, c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c);
		if (c == ':') {
			i++;
			break;
		}
	}
	while (i < len && lwsp((unsigned char)f[i]))
		i++;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)f[i];

		if (aa_is_space(c)) {
			space = true;
			continue;
		}
		if (space)
			put1(hs, ' ');
		space = false;
		put1(hs, c);
	}
}

static void canon_field(struct hasher *hs, dkim_canon_t canon, const char *f, size_t len)
{
	if (canon == DKIM_CANON_RELAXED)
		relaxed(hs, f, len);
	else
		put(hs, f, len);
}

/* The signature field with its b= value taken out, byte for byte as
 * dkim_canon_runheaders() does it: after a '=' whose preceding byte is
 * 'b', up to the next ';'. */
static size_t strip_b(const char *f, size_t len, char *out)
{
	unsigned char in = '\0', last = '\0';
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)f[i];

		if (c == ';')
			in = '\0';
		if (in == 'b') {
			last = c;
			continue;
		}
		if (in == '\0' && c == '=')
			in = last;
		out[k++] = (char)c;
		last = c;
	}
	return k;
}

/* The header hash of signature e over fields[0..n): each name of h= takes
 * the last field of that name (any case, whole name) not taken yet; then
 * the signature field without its b= value and without a final CRLF.
 * false when out of memory. */
bool aa_dkim_own_header_hash(struct aa_dkim_verify *v, const struct sig_entry *e,
			     const struct aa_dkim_field *fields, size_t n, unsigned char out[32])
{
	const struct own_sig *o = &e->plain;
	bool *taken = aa_arena_alloc(v->ctx->arena, n * sizeof(*taken) + 1);
	char *sig = aa_arena_alloc_uninit(v->ctx->arena, o->field_len + 1);
	struct hasher hs;
	const char *p = o->h.p, *end = o->h.p + o->h.n;
	size_t k;

	if (taken == NULL || sig == NULL)
		return false;
	hs.n = 0;
	SHA256_Init(&hs.sha);
	while (p <= end) {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		struct slice name = aa_dkim_slice_trim(p, (size_t)((colon != NULL ? colon : end) - p));
		size_t pick = n;

		for (size_t i = 0; i < n; i++) {
			const char *fc = memchr(fields[i].text, ':', fields[i].len);

			if (!taken[i] && (size_t)(fc - fields[i].text) == name.n &&
			    strncasecmp(fields[i].text, name.p, name.n) == 0)
				pick = i;
		}
		if (pick < n) {
			taken[pick] = true;
			canon_field(&hs, o->hcanon, fields[pick].text, fields[pick].len);
			put(&hs, "\r\n", 2);
		}
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	k = strip_b(o->field, o->field_len, sig);
	canon_field(&hs, o->hcanon, sig, k);
	SHA256_Update(&hs.sha, hs.buf, hs.n);
	SHA256_Final(out, &hs.sha);
	return true;
}

/* ---- the check ---- */

bool aa_dkim_own_check(struct aa_dkim_verify *v, struct sig_entry *e)
{
	const struct own_sig *o = &e->plain;
	const struct aa_dns_answer *a;
	unsigned char hh[32];
	bool verified = false, no_subdomain = false;
	unsigned bits = 0;
	const char *why = NULL;
	char fitted[DKIM_LIB_KEY_BUF];
	char *name;

	if (aa_dkim_body_verdict_of(e, o->bh.p, o->bh.n) != BODY_MATCH)
		return false;
	name = aa_arena_printf(v->ctx->arena, "%.*s._domainkey.%.*s", (int)e->tags.s.n, e->tags.s.p,
			       (int)e->tags.d.n, e->tags.d.p);
	if (name == NULL)
		return false;
	a = aa_dns_lookup(v->ctx->dns, name, AA_DNS_TXT);
	/* the record as the library path's callback takes it: checked, and
	 * fitting the library's buffer (else "key record too long" there) */
	if (a->status != AA_DNS_OK || a->count != 1 ||
	    aa_dkim_key_record(a->rr[0].text, a->rr[0].text_len, fitted, sizeof(fitted), &why) < 0)
		return false;
	if (!aa_dkim_own_header_hash(v, e, v->own_fields, v->own_nfields, hh))
		return false;
	if (aa_dkim_sig_rsa(hh, sizeof(hh), e->tags.b.p, e->tags.b.n, a->rr[0].text,
			    a->rr[0].text_len, &verified, &bits, &no_subdomain) != SIG_CHECKED)
		return false;
	/* t=s: i= (when present) names d= itself, as i_plain() made sure */
	if (!verified || bits < DKIM_RSA_MIN_BITS)
		return false;
	e->own = OWN_VERIFIED;
	e->own_bits = bits;
	return true;
}
