/* fuzz_dkim.c - a whole message through DKIM verification, and the
 * pairing of the library's results with the DKIM-Signature fields.
 *
 * The message (header fields, a blank line, the body) is fed through the
 * streaming API (aa_dkim_verify_new/header/body/finish) as local_scan
 * does. Keys come from a fixed zone (test/data/dkim, run from the top
 * directory): rsa, ed and small under example.com, rsa also under
 * victim.example, a timeout for t._domainkey.example.com. Seeds hold
 * genuine signatures (test/fuzz/make_dkim_seeds.c). A field counts as a
 * DKIM-Signature when its name is that, in any case, with any blanks
 * before the colon (as Exim reads it). What must hold:
 * - no more results than DKIM-Signature fields (nor than the cap);
 * - every result's domain is the d= of a DKIM-Signature field present;
 * - a pass names a field with that d=, s= and b=, and that field alone
 *   (the other DKIM-Signature fields taken out) verifies as pass: a
 *   result never moves from the field that earned it to another one.
 */
#define _GNU_SOURCE	/* strcasestr */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_dkim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FIELDS_MAX 256
#define TAG_MAX 2048

struct field {
	const char *p;
	size_t len;
	bool sig;
	char d[TAG_MAX], s[TAG_MAX], b[TAG_MAX], h[TAG_MAX];	/* blanks removed */
};

static struct aa_ctx *ctx;
static struct field fields[FIELDS_MAX];

static void publish(const char *name, const char *file)
{
	static char rec[8192], line[9000];
	FILE *f = fopen(file, "r");
	size_t n;
	int k;

	if (f == NULL) {
		fprintf(stderr, "fuzz_dkim: cannot read %s (run from the top directory)\n", file);
		exit(1);
	}
	n = fread(rec, 1, sizeof(rec) - 1, f);
	fclose(f);
	while (n > 0 && (rec[n - 1] == '\n' || rec[n - 1] == '\r'))
		n--;
	rec[n] = '\0';
	k = snprintf(line, sizeof(line), "%s TXT", name);
	for (size_t i = 0; i < n; i += 200)
		k += snprintf(line + k, sizeof(line) - (size_t)k, " \"%.200s\"", rec + i);
	if (aa_dns_zone_add_line(ctx->dns, line) < 0)
		exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ctx = aa_ctx_new_zone(NULL);
	if (ctx == NULL)
		exit(1);
	publish("rsa._domainkey.example.com", "test/data/dkim/rsa2048.txt");
	publish("ed._domainkey.example.com", "test/data/dkim/ed25519.txt");
	publish("small._domainkey.example.com", "test/data/dkim/rsa512.txt");
	publish("rsa._domainkey.victim.example", "test/data/dkim/rsa2048.txt");
	aa_dns_zone_add_line(ctx->dns, "t._domainkey.example.com ANY TIMEOUT");
	return 0;
}

/* White space as libopendkim strips it from a tag value (isspace()). */
static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* The value of tag name in a tag list, blanks removed, cut to TAG_MAX. */
static void tag_value(const char *p, size_t n, const char *name, char *out)
{
	const char *end = p + n;

	out[0] = '\0';
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi != NULL ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));

		if (eq != NULL) {
			const char *a = p, *z = eq;

			while (a < z && is_blank((unsigned char)*a))
				a++;
			while (z > a && is_blank((unsigned char)z[-1]))
				z--;
			if ((size_t)(z - a) == strlen(name) && strncasecmp(a, name, strlen(name)) == 0) {
				size_t k = 0;

				for (const char *q = eq + 1; q < stop && k + 1 < TAG_MAX; q++)
					if (!is_blank((unsigned char)*q))
						out[k++] = *q;
				out[k] = '\0';	/* the last one wins, as in core/dkim/dkim.c */
			}
		}
		p = semi != NULL ? semi + 1 : end;
	}
}

/* The field at fields[i]: is it a DKIM-Signature, and its tags. */
static void field_read(struct field *f)
{
	const char *colon = memchr(f->p, ':', f->len);
	size_t n;

	f->sig = false;
	if (colon == NULL)
		return;
	n = (size_t)(colon - f->p);
	while (n > 0 && is_blank((unsigned char)f->p[n - 1]))
		n--;
	if (n != 14 || strncasecmp(f->p, "DKIM-Signature", 14) != 0)
		return;
	f->sig = true;
	n = f->len - (size_t)(colon + 1 - f->p);
	tag_value(colon + 1, n, "d", f->d);
	tag_value(colon + 1, n, "s", f->s);
	tag_value(colon + 1, n, "b", f->b);
	tag_value(colon + 1, n, "h", f->h);
}

/* Split msg into fields (as aa_dkim_verify_message does); *body_r is what
 * follows the blank line, or NULL. Returns the number of fields. */
static size_t split(const char *p, const char *end, const char **body_r)
{
	size_t n = 0;

	*body_r = NULL;
	while (p < end && n < FIELDS_MAX) {
		const char *q = p;

		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			*body_r = p + (*p == '\n' ? 1 : 2);
			break;
		}
		for (;;) {
			const char *lf = memchr(q, '\n', (size_t)(end - q));

			if (lf == NULL) {
				q = end;
				break;
			}
			q = lf + 1;
			if (q == end || (*q != ' ' && *q != '\t'))
				break;
		}
		fields[n].p = p;
		fields[n].len = (size_t)(q - p);
		field_read(&fields[n]);
		n++;
		p = q;
	}
	return n;
}

/* Verify the fields (only: the index keep among the signatures, when
 * keep >= 0) and the body. */
static int verify(size_t n, long keep, const char *body, size_t blen, size_t cut,
		  struct aa_dkim_result *r)
{
	struct aa_dkim_verify *v = aa_dkim_verify_new(ctx);

	memset(r, 0, sizeof(*r));
	if (v == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (keep >= 0 && fields[i].sig && (long)i != keep)
			continue;
		aa_dkim_verify_header(v, fields[i].p, fields[i].len);
	}
	if (body != NULL) {
		if (cut > blen)
			cut = blen;
		aa_dkim_verify_body(v, body, cut);
		aa_dkim_verify_body(v, body + cut, blen - cut);
	}
	return aa_dkim_verify_finish(&v, r);
}

static bool same_name(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

static bool blanks_out_equal(const char *have, const char *want)
{
	char buf[TAG_MAX];
	size_t k = 0;

	for (; have != NULL && *have != '\0' && k + 1 < sizeof(buf); have++)
		if (!is_blank((unsigned char)*have))
			buf[k++] = *have;
	buf[k] = '\0';
	return same_name(buf, want);
}

/* 1 when some d= tag of field i (not only the last: with a repeated tag,
 * which one a reader takes is a matter of taste) has the value domain. */
static bool field_names_domain(size_t i, const char *domain)
{
	const struct field *f = &fields[i];
	const char *p = memchr(f->p, ':', f->len), *end = f->p + f->len;

	while (f->sig && p != NULL && p < end) {
		const char *semi = memchr(p + 1, ';', (size_t)(end - p - 1));
		char d[TAG_MAX];

		tag_value(p + 1, (size_t)((semi != NULL ? semi : end) - p - 1), "d", d);
		if (d[0] != '\0' && blanks_out_equal(domain, d))
			return true;
		p = semi;
	}
	return false;
}

/* 1 when field i can have earned pass p: its d=, s= and b= are p's. */
static bool field_is_pass(size_t i, const struct aa_dkim_sig *p)
{
	const struct field *f = &fields[i];

	return f->sig && blanks_out_equal(p->domain, f->d) && blanks_out_equal(p->selector, f->s) &&
	       p->b_prefix != NULL && strncmp(f->b, p->b_prefix, strlen(p->b_prefix)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data, *body;
	size_t n, nsig = 0, blen;
	struct aa_dkim_result r, alone;
	/* per pass: the fields that may have earned it */
	static bool cand[AA_DKIM_SIGS_MAX][FIELDS_MAX];
	size_t npass = 0;

	n = split(msg, msg + size, &body);
	blen = body != NULL ? size - (size_t)(body - msg) : 0;
	for (size_t i = 0; i < n; i++)
		nsig += fields[i].sig;
	verify(n, -1, body, blen, size / 3, &r);
	/* one result a field, up to AA_DKIM_SIGS_MAX, and one more (no domain,
	 * policy) that counts the fields over it */
	if (r.count > nsig || r.count > AA_DKIM_SIGS_MAX + 1 ||
	    (r.count == AA_DKIM_SIGS_MAX + 1 &&
	     (r.sigs[AA_DKIM_SIGS_MAX].domain != NULL || r.sigs[AA_DKIM_SIGS_MAX].result == AA_PASS)))
		__builtin_trap();
	for (size_t k = 0; k < r.count; k++) {
		const struct aa_dkim_sig *s = &r.sigs[k];
		bool named = s->domain == NULL || s->domain[0] == '\0', any = false;

		for (size_t i = 0; i < n && !named; i++)
			named = fields[i].sig && (blanks_out_equal(s->domain, fields[i].d) ||
						  (s->result != AA_PASS && field_names_domain(i, s->domain)));
		if (!named)
			__builtin_trap();	/* a domain no field names */
		if (s->result != AA_PASS)
			continue;
		for (size_t i = 0; i < n; i++)
			any |= cand[npass][i] = field_is_pass(i, s);
		if (!any)
			__builtin_trap();	/* a pass for a field that is not there */
		npass++;
	}
	aa_ctx_end_message(ctx);
	/* each pass stands alone on one of its fields, unless a field it may
	 * belong to signs the other signatures (then it cannot be taken alone) */
	for (size_t k = 0; k < npass; k++) {
		bool held = false, tried = false, untestable = false;

		for (size_t i = 0; i < n && !held; i++) {
			if (!cand[k][i])
				continue;
			if (strcasestr(fields[i].h, "dkim-signature") != NULL) {
				untestable = true;	/* it may be the one; it cannot stand alone */
				continue;
			}
			tried = true;
			verify(n, (long)i, body, blen, size / 3, &alone);
			held = alone.count == 1 && alone.sigs[0].result == AA_PASS;
			aa_ctx_end_message(ctx);
		}
		if (tried && !held && !untestable)
			__builtin_trap();	/* the pass belongs to another field */
	}
	return 0;
}
