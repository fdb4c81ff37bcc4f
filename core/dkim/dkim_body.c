/* dkim_body.c - the body hashes of a message's signatures, made here and
 * not by libopendkim.
 *
 * libopendkim canonicalizes a body one byte at a time through a function
 * call per byte; on a 30 kB message that is most of what DKIM costs. So
 * the body goes here instead: each body canonicalization the message's
 * signatures ask for (simple, relaxed; SHA-256) is made once, in one pass
 * over the bytes, and hashed with libcrypto. The library is then given
 * no body at all: it still parses the signatures, fetches the keys and
 * verifies each header hash and signature, and compares its body hash
 * (of an empty body) with bh=, which this file's hash then replaces
 * (dkim_result.c): a signature passes only when the library verified its
 * header signature and the body hash made here equals its bh=.
 *
 * The canonical bytes are the ones libopendkim 2.11 hashes (its
 * dkim_canon_bodychunk()), odd corners included, so that every verdict
 * stays what it was: in relaxed, a CR not followed by LF is dropped and
 * so are the blanks before it; in simple, a line of CRs only counts as an
 * empty line. The input is the body with CRLF line ends (dkim.c makes
 * them), which also ends in CRLF. Anything this file does not do (l=,
 * an algorithm other than SHA-256) leaves the whole body to the library,
 * as before.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <openssl/evp.h>
#include "aa_ctype.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "dkim_int.h"

/* SHA-256, fetched once per process (in the daemon by its rehearsal). */
static EVP_MD *body_md;
static bool library_only;	/* tests */
static unsigned long bodies_hashed;	/* tests */

static const EVP_MD *sha256(void)
{
	if (body_md == NULL)
		body_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return body_md;
}

static inline void out_flush(struct dkim_body_hash *h)
{
	if (h->out_len > 0 && EVP_DigestUpdate(h->md, h->out, h->out_len) != 1)
		h->failed = true;
	h->out_len = 0;
}

static inline void out_bytes(struct dkim_body_hash *h, const unsigned char *p, size_t n)
{
	h->wrote = true;
	if (h->out_len + n > sizeof(h->out))
		out_flush(h);
	if (n >= sizeof(h->out)) {
		if (EVP_DigestUpdate(h->md, p, n) != 1)
			h->failed = true;
		return;
	}
	memcpy(h->out + h->out_len, p, n);
	h->out_len += n;
}

static inline void out_byte(struct dkim_body_hash *h, unsigned char c)
{
	h->wrote = true;
	if (h->out_len == sizeof(h->out))
		out_flush(h);
	h->out[h->out_len++] = c;
}

/* Empty lines held back are hashed once something follows them. */
static void flush_blank_lines(struct dkim_body_hash *h)
{
	for (; h->blank_lines > 0; h->blank_lines--)
		out_bytes(h, (const unsigned char *)"\r\n", 2);
}

static inline bool is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

/* Bytes that end no run of line content in relaxed mode. */
static inline bool is_plain(unsigned char c)
{
	return c != ' ' && c != '\t' && c != '\r' && c != '\n';
}

/* How many bytes from p on relaxed canonicalization leaves as they are:
 * content, and single spaces followed by content. Sixteen bytes at a
 * time where SSE2 is (every amd64): there a byte up to 0x20 ends the run
 * unless it is a space followed by a byte above 0x20, which stops early
 * at the rare other control bytes; the byte-by-byte path after them
 * hashes those as content, so the bytes hashed are the same. */
static size_t plain_run(const unsigned char *p, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	const __m128i space = _mm_set1_epi8(' ');

	while (n - i >= 17) {	/* sixteen bytes, and the one after them */
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
		__m128i next = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 1));
		unsigned low = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, space), v));
		unsigned low_next = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(next, space), next));
		unsigned spaces = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, space));
		unsigned stop = (low & ~spaces) | (spaces & low_next);

		if (stop != 0)
			return i + (size_t)__builtin_ctz(stop);
		i += 16;
	}
#endif
	while (i < n) {
		if (is_plain(p[i]))
			i++;
		else if (p[i] == ' ' && i + 1 < n && is_plain(p[i + 1]))
			i += 2;
		else
			break;
	}
	return i;
}

/* Relaxed (RFC 6376 3.4.4) as libopendkim does it. States: at a line's
 * start, in blanks, after a CR, in content. Line content is hashed as it
 * comes, after the empty lines held back (the library holds the line
 * until its end; the bytes hashed are the same). */
enum { R_START, R_BLANKS, R_CR, R_CONTENT };

static void relaxed(struct dkim_body_hash *h, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];

		if (h->state == R_CONTENT) {
			/* Content and single spaces between content are
			 * their own canonical form: hashed as they are. */
			size_t run = i + plain_run(p + i, n - i);

			if (run > i) {
				out_bytes(h, p + i, run - i);
				i = run;
				continue;
			}
		}
		i++;
		switch (h->state) {
		case R_START:
		case R_BLANKS:
			if (is_wsp(c)) {
				h->state = R_BLANKS;
			} else if (c == '\r') {
				h->state = R_CR;
			} else {
				flush_blank_lines(h);
				if (h->state == R_BLANKS)
					out_byte(h, ' ');
				h->blank_line = false;
				out_byte(h, c);
				h->state = R_CONTENT;
			}
			break;
		case R_CR:
			if (c == '\n') {
				if (h->blank_line) {
					h->blank_lines++;
				} else {
					flush_blank_lines(h);
					out_bytes(h, (const unsigned char *)"\r\n", 2);
					h->blank_line = true;
				}
				h->state = R_START;
			} else if (c == '\r') {
				flush_blank_lines(h);
				h->blank_line = false;
				out_byte(h, '\r');
			} else if (is_wsp(c)) {
				flush_blank_lines(h);
				h->state = R_BLANKS;
			} else {
				flush_blank_lines(h);
				h->blank_line = false;
				out_byte(h, c);
				h->state = R_CONTENT;
			}
			break;
		default:	/* R_CONTENT, c not plain */
			if (is_wsp(c))
				h->state = R_BLANKS;
			else if (c == '\r')
				h->state = R_CR;
			else	/* a LF without CR (dkim.c never gives one): content */
				out_byte(h, c);
			break;
		}
	}
}

/* Simple (RFC 6376 3.4.3) as libopendkim does it: every byte as it is,
 * except that empty lines (CRs only) are held back until content follows.
 * CRs are held back until the next byte says whether they end a line. */
static void simple(struct dkim_body_hash *h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		size_t run;

		if (c == '\r') {
			h->crs++;
			continue;
		}
		if (c == '\n') {
			if (h->crs == 0) {	/* a LF without CR: dkim.c never gives one */
				h->failed = true;
				return;
			}
			if (h->blank_line) {
				h->blank_lines++;
			} else {
				for (; h->crs > 0; h->crs--)
					out_byte(h, '\r');
				out_byte(h, '\n');
			}
			h->crs = 0;
			h->blank_line = true;
			continue;
		}
		if (h->blank_line) {
			flush_blank_lines(h);
			h->blank_line = false;
		}
		for (; h->crs > 0; h->crs--)
			out_byte(h, '\r');
		/* the run up to the next CR or LF, in one piece */
		run = i + 1;
		while (run < n && p[run] != '\r' && p[run] != '\n')
			run++;
		out_bytes(h, p + i, run - i);
		i = run - 1;
	}
}

/* The hash for (canon, SHA-256), made on first use; NULL when there is
 * no room or libcrypto fails. */
static struct dkim_body_hash *hash_for(struct aa_dkim_verify *v, dkim_canon_t canon)
{
	struct dkim_body_hash *h;

	for (size_t i = 0; i < v->nhashes; i++)
		if (v->hashes[i].canon == canon)
			return &v->hashes[i];
	if (v->nhashes == DKIM_BODY_HASHES || sha256() == NULL)
		return NULL;
	h = &v->hashes[v->nhashes];
	memset(h, 0, offsetof(struct dkim_body_hash, out));
	h->canon = canon;
	h->blank_line = true;
	h->md = EVP_MD_CTX_new();
	if (h->md == NULL)
		return NULL;
	v->nhashes++;	/* counted now: aa_dkim_body_free() frees md */
	if (EVP_DigestInit_ex(h->md, sha256(), NULL) != 1)
		return NULL;
	return h;
}

bool aa_dkim_body_begin(struct aa_dkim_verify *v)
{
	DKIM_SIGINFO **sigs;
	int nsigs;

	if (library_only || dkim_getsiglist(v->dkim, &sigs, &nsigs) != DKIM_STAT_OK)
		return false;
	for (size_t i = 0; i < v->nsig; i++) {
		struct sig_entry *e = &v->sigs[i];
		dkim_canon_t canon = DKIM_CANON_UNKNOWN;
		dkim_alg_t alg = DKIM_SIGN_UNKNOWN;
		ssize_t signlen = 0;

		e->hash = NULL;
		if (e->lib_sig == NULL || e->early != AA_NONE ||
		    (dkim_sig_getflags(e->lib_sig) & DKIM_SIGFLAG_IGNORE) != 0 ||
		    dkim_sig_geterror(e->lib_sig) != DKIM_SIGERROR_UNKNOWN)
			continue;	/* the library will not compare its body hash */
		if (dkim_sig_getcanonlen(v->dkim, e->lib_sig, NULL, NULL, &signlen) != DKIM_STAT_OK ||
		    dkim_sig_getcanons(e->lib_sig, NULL, &canon) != DKIM_STAT_OK ||
		    dkim_sig_getsignalg(e->lib_sig, &alg) != DKIM_STAT_OK)
			return false;
		if (signlen != -1 || (canon != DKIM_CANON_SIMPLE && canon != DKIM_CANON_RELAXED) ||
		    (alg != DKIM_SIGN_RSASHA256 && alg != DKIM_SIGN_ED25519SHA256))
			return false;	/* l=, or what this file does not do */
		e->hash = hash_for(v, canon);
		if (e->hash == NULL)
			return false;
	}
	return true;
}

bool aa_dkim_body_begin_own(struct aa_dkim_verify *v)
{
	if (library_only)
		return false;
	for (size_t i = 0; i < v->nsig; i++) {
		struct sig_entry *e = &v->sigs[i];

		e->hash = hash_for(v, e->plain.bcanon);
		if (e->hash == NULL)
			return false;
	}
	return true;
}

void aa_dkim_body_put(struct aa_dkim_verify *v, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < v->nhashes; i++) {
		struct dkim_body_hash *h = &v->hashes[i];

		if (h->failed)
			continue;
		if (h->canon == DKIM_CANON_RELAXED)
			relaxed(h, p, n);
		else
			simple(h, p, n);
	}
}

bool aa_dkim_body_end(struct aa_dkim_verify *v)
{
	bool all = true;

	for (size_t i = 0; i < v->nhashes; i++) {
		struct dkim_body_hash *h = &v->hashes[i];
		unsigned int len = 0;

		/* dkim.c ends the body with CRLF: anything still open is a
		 * fault, never a hash of part of the body */
		if (h->crs != 0 || (h->canon == DKIM_CANON_RELAXED && h->state != R_START) ||
		    (h->canon == DKIM_CANON_SIMPLE && !h->blank_line))
			h->failed = true;
		if (!h->failed && h->canon == DKIM_CANON_SIMPLE && !h->wrote)
			out_bytes(h, (const unsigned char *)"\r\n", 2);	/* an empty body */
		if (!h->failed)
			out_flush(h);
		if (h->failed || EVP_DigestFinal_ex(h->md, h->digest, &len) != 1 ||
		    len > sizeof(h->digest)) {
			h->failed = true;
			all = false;
			continue;
		}
		h->digest_len = len;
		h->done = true;
	}
	if (all && v->nhashes > 0)
		bodies_hashed++;
	return all;
}

enum dkim_body_verdict aa_dkim_body_verdict_of(const struct sig_entry *e, const char *bh, size_t len)
{
	char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
	size_t k = 0;
	int n;

	if (e->hash == NULL || !e->hash->done || bh == NULL)
		return BODY_NOT_HASHED;
	/* as the library compares: its bh= value (white space removed)
	 * against the base64 of the digest, byte for byte */
	n = EVP_EncodeBlock((unsigned char *)b64, e->hash->digest, (int)e->hash->digest_len);
	if (n <= 0 || (size_t)n >= sizeof(b64))
		return BODY_NOT_HASHED;
	for (size_t i = 0; i < len; i++) {
		if (aa_is_space((unsigned char)bh[i]))
			continue;
		if (k == (size_t)n || bh[i] != b64[k])
			return BODY_MISMATCH;
		k++;
	}
	return k == (size_t)n ? BODY_MATCH : BODY_MISMATCH;
}

enum dkim_body_verdict aa_dkim_body_verdict(const struct sig_entry *e)
{
	const unsigned char *bh = dkim_sig_gettagvalue(e->lib_sig, false, (u_char *)"bh");

	if (bh == NULL)
		return BODY_NOT_HASHED;
	return aa_dkim_body_verdict_of(e, (const char *)bh, strlen((const char *)bh));
}

void aa_dkim_body_free(struct aa_dkim_verify *v)
{
	for (size_t i = 0; i < v->nsig; i++)
		v->sigs[i].hash = NULL;
	for (size_t i = 0; i < v->nhashes; i++) {
		EVP_MD_CTX_free(v->hashes[i].md);
		v->hashes[i].md = NULL;
	}
	v->nhashes = 0;
}

void aa_dkim_body_prepare(void)
{
	(void)sha256();
}

void aa_dkim_body_to_library(bool on)
{
	library_only = on;
}

unsigned long aa_dkim_body_hashed(void)
{
	return bodies_hashed;
}
