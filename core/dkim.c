/* dkim.c - DKIM verification (RFC 6376, 8301, 8463) through libopendkim.
 *
 * The library hashes and checks signatures; this file feeds it, fetches
 * keys through aa_dns (a key-lookup callback, so the library never asks
 * DNS itself), applies RFC 8301 before the library sees a signature, and
 * maps every outcome to one aa_result with a short reason.
 *
 * Each DKIM-Signature field found gets an entry (up to AA_DKIM_SIGS_MAX).
 * An entry is either decided here (field too long, NUL byte, too many
 * fields, a tag twice, bad d= or s=, rsa-sha1) or handed to the library,
 * whose siglist keeps header order, so the n-th field handed over is the library's n-th signature
 * (DKIM_LIBFLAGS_BADSIGHANDLES keeps unparsable ones in that list).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <opendkim/dkim.h>
#include "aa_dkim.h"

/* One header field (name, colon, value): RFC 5322 sets no limit on a
 * folded field; 16 KiB is far above any real one. */
#define DKIM_FIELD_MAX 16384
/* Header fields per message handed to the library. */
#define DKIM_FIELDS_MAX 1000
/* RFC 8301 3.2: RSA keys under 1024 bits must not be treated as valid. */
#define DKIM_RSA_MIN_BITS 1024
/* Body bytes gathered before one dkim_body() call. */
#define DKIM_BODY_CHUNK 8192
/* RFC 6008 2: header.b carries at least 8 characters of b=. */
#define DKIM_B_PREFIX 8

struct aa_dkim_lib {
	DKIM_LIB *lib;
};

/* What the key-lookup callback learnt about one signature's key. */
enum key_state {
	KEY_NOT_ASKED = 0,
	KEY_FOUND,		/* handed to the library */
	KEY_TEMP,		/* DNS failed temporarily */
	KEY_PERM,		/* no usable record: reason says why */
};

/* A (pointer, length) slice of the field being parsed. */
struct slice {
	const char *p;
	size_t n;
};

struct sig_tags {
	struct slice v, a, b, d, s, l;
	bool duplicate;		/* a tag occurred twice (RFC 6376 3.2) */
};

struct sig_entry {
	struct sig_tags tags;	/* slices into field */
	const char *field;	/* the value, a copy in the arena */
	int lib_index;		/* -1: never handed to the library */
	DKIM_SIGINFO *lib_sig;	/* set by the prescreen callback */
	enum aa_result early;	/* AA_NONE unless decided before the library */
	const char *early_reason;
	enum key_state key;
	const char *key_reason;
};

struct aa_dkim_verify {
	struct aa_ctx *ctx;
	DKIM *dkim;
	bool lib_broken;	/* the library failed: undecided sigs are temperror */
	bool eoh_done;
	bool body_skipped;	/* the library has nothing to verify */
	bool prev_cr;		/* the last body byte handed on was CR */
	bool body_open;		/* body bytes since the last line end */
	size_t fields;
	int lib_sigs;		/* DKIM-Signature fields handed to the library */
	size_t nsig;
	struct sig_entry sigs[AA_DKIM_SIGS_MAX];
	char *scratch;		/* one header field in CRLF form */
	size_t body_len;
	unsigned char body[DKIM_BODY_CHUNK];
};

/* ---- small helpers ---- */

static inline bool is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct slice slice_trim(const char *p, size_t n)
{
	while (n > 0 && is_wsp((unsigned char)p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_wsp((unsigned char)p[n - 1]))
		n--;
	return (struct slice){ p, n };
}

static bool slice_is(struct slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.p != NULL && s.n == n && strncasecmp(s.p, lit, n) == 0;
}

/* Copy a slice into the arena, lower-cased when asked. */
static const char *slice_dup(struct aa_ctx *ctx, struct slice s, bool lower)
{
	char *out;

	if (s.p == NULL)
		return NULL;
	out = aa_arena_strndup(ctx->arena, s.p, s.n);
	if (out != NULL && lower)
		for (size_t i = 0; i < s.n; i++)
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

/* ---- the tag list of a DKIM-Signature (RFC 6376 3.2), for reporting
 * and for our own checks; the library parses it again for itself ---- */

static void tags_store(struct sig_tags *t, struct slice name, struct slice value)
{
	static const struct {
		const char *name;
		size_t off;
	} known[] = {
		{ "v", offsetof(struct sig_tags, v) },
		{ "a", offsetof(struct sig_tags, a) },
		{ "b", offsetof(struct sig_tags, b) },
		{ "d", offsetof(struct sig_tags, d) },
		{ "s", offsetof(struct sig_tags, s) },
		{ "l", offsetof(struct sig_tags, l) },
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		struct slice *slot = (struct slice *)((char *)t + known[i].off);

		if (!slice_is(name, known[i].name))
			continue;
		if (slot->p != NULL)
			t->duplicate = true;
		*slot = value;
		return;
	}
}

static void tags_parse(const char *p, size_t n, struct sig_tags *t)
{
	const char *end = p + n;

	memset(t, 0, sizeof(*t));
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi != NULL ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));

		if (eq != NULL)
			tags_store(t, slice_trim(p, (size_t)(eq - p)),
				   slice_trim(eq + 1, (size_t)(stop - eq - 1)));
		p = semi != NULL ? semi + 1 : end;
	}
}

/* The first DKIM_B_PREFIX characters of b=, folding white space removed. */
static const char *b_prefix(struct aa_ctx *ctx, struct slice b)
{
	char out[DKIM_B_PREFIX + 1];
	size_t k = 0;

	if (b.p == NULL)
		return NULL;
	for (size_t i = 0; i < b.n && k < DKIM_B_PREFIX; i++)
		if (!is_wsp((unsigned char)b.p[i]))
			out[k++] = b.p[i];
	return aa_arena_strndup(ctx->arena, out, k);
}

/* A name we are willing to put in a DNS question: letters, digits,
 * '-' and '_', dot-separated non-empty labels of at most 63 octets.
 * This refuses "legitimate.com(.attacker.com" style values
 * (CVE-2020-12272) before any lookup. */
static bool dns_name_ok(struct slice s, bool need_dot)
{
	size_t label = 0;
	bool dot = false;

	if (s.p == NULL || s.n == 0 || s.n > 253)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			dot = true;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && (dot || !need_dot);
}

/* ---- the library handle, one per process ---- */

static DKIM_CBSTAT dkim_key_lookup_cb(DKIM *dkim, DKIM_SIGINFO *sig,
				      unsigned char *buf, size_t buflen);
static DKIM_CBSTAT dkim_prescreen_cb(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs);

static int lib_setup(DKIM_LIB *lib)
{
	unsigned int flags = DKIM_LIBFLAGS_BADSIGHANDLES | DKIM_LIBFLAGS_DELAYSIGPROC;
	unsigned int minbits = DKIM_RSA_MIN_BITS;

	if (dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags)) != DKIM_STAT_OK ||
	    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits, sizeof(minbits)) != DKIM_STAT_OK ||
	    dkim_set_key_lookup(lib, dkim_key_lookup_cb) != DKIM_STAT_OK ||
	    dkim_set_prescreen(lib, dkim_prescreen_cb) != DKIM_STAT_OK)
		return -1;
	return 0;
}

static DKIM_LIB *lib_get(struct aa_ctx *ctx)
{
	struct aa_dkim_lib *l = ctx->dkim;

	if (l != NULL)
		return l->lib;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->lib = dkim_init(NULL, NULL);
	if (l->lib == NULL || lib_setup(l->lib) < 0) {
		aa_dkim_lib_free(&l);
		return NULL;
	}
	ctx->dkim = l;
	return l->lib;
}

void aa_dkim_lib_free(struct aa_dkim_lib **lp)
{
	struct aa_dkim_lib *l = *lp;

	if (l == NULL)
		return;
	if (l->lib != NULL)
		dkim_close(l->lib);
	free(l);
	*lp = NULL;
}

/* ---- callbacks from the library ---- */

static struct sig_entry *entry_for_lib_index(struct aa_dkim_verify *v, int idx)
{
	for (size_t i = 0; i < v->nsig; i++)
		if (v->sigs[i].lib_index == idx)
			return &v->sigs[i];
	return NULL;
}

static struct sig_entry *entry_for_siginfo(struct aa_dkim_verify *v, DKIM_SIGINFO *sig)
{
	for (size_t i = 0; i < v->nsig; i++)
		if (v->sigs[i].lib_sig == sig)
			return &v->sigs[i];
	return NULL;
}

static void entry_decide(struct sig_entry *e, enum aa_result r, const char *reason)
{
	e->early = r;
	e->early_reason = reason;
}

/* Our own checks on a signature the library parsed without error; true
 * when it should go on to the library. */
static bool entry_screen(struct sig_entry *e)
{
	if (e->tags.duplicate) {
		entry_decide(e, AA_PERMERROR, "a tag occurs twice");
		return false;
	}
	if (!dns_name_ok(e->tags.d, true)) {
		entry_decide(e, AA_PERMERROR, "d= is not a domain name");
		return false;
	}
	if (!dns_name_ok(e->tags.s, false)) {
		entry_decide(e, AA_PERMERROR, "s= is not a valid selector");
		return false;
	}
	if (slice_is(e->tags.a, "rsa-sha1")) {
		entry_decide(e, AA_FAIL, "rsa-sha1 is not acceptable (RFC 8301)");
		return false;
	}
	return true;
}

static DKIM_CBSTAT dkim_prescreen_cb(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
	struct aa_dkim_verify *v = dkim_get_user_context(dkim);

	if (v == NULL)
		return DKIM_CBSTAT_ERROR;
	for (int i = 0; i < nsigs; i++) {
		struct sig_entry *e = entry_for_lib_index(v, i);

		if (e == NULL) {	/* over AA_DKIM_SIGS_MAX */
			dkim_sig_ignore(sigs[i]);
			continue;
		}
		e->lib_sig = sigs[i];
		if (dkim_sig_geterror(sigs[i]) != DKIM_SIGERROR_UNKNOWN)
			continue;	/* a syntax error: mapped at the end */
		if (!entry_screen(e))
			dkim_sig_ignore(sigs[i]);
	}
	return DKIM_CBSTAT_CONTINUE;
}

static DKIM_CBSTAT key_perm(struct sig_entry *e, const char *reason)
{
	e->key = KEY_PERM;
	e->key_reason = reason;
	return DKIM_CBSTAT_NOTFOUND;
}

/* Fetch <s>._domainkey.<d> through aa_dns. The library copies the record
 * into a fixed buffer (1 KiB in 2.11) and would silently cut a longer
 * one, so a record that does not fit is refused here. */
static DKIM_CBSTAT dkim_key_lookup_cb(DKIM *dkim, DKIM_SIGINFO *sig,
				      unsigned char *buf, size_t buflen)
{
	struct aa_dkim_verify *v = dkim_get_user_context(dkim);
	struct sig_entry *e = v != NULL ? entry_for_siginfo(v, sig) : NULL;
	const struct aa_dns_answer *a;
	const struct aa_dns_rr *rr;
	char *name;

	if (e == NULL)
		return DKIM_CBSTAT_ERROR;
	name = aa_arena_printf(v->ctx->arena, "%.*s._domainkey.%.*s",
			       (int)e->tags.s.n, e->tags.s.p,
			       (int)e->tags.d.n, e->tags.d.p);
	if (name == NULL) {
		e->key = KEY_TEMP;
		e->key_reason = "out of memory";
		return DKIM_CBSTAT_TRYAGAIN;
	}
	a = aa_dns_lookup(v->ctx->dns, name, AA_DNS_TXT);
	switch (a->status) {
	case AA_DNS_OK:
		break;
	case AA_DNS_NXDOMAIN:
	case AA_DNS_NODATA:
		return key_perm(e, "no key record");
	case AA_DNS_BADNAME:
		return key_perm(e, "key name cannot be asked");
	case AA_DNS_TEMPFAIL:
	case AA_DNS_MALFORMED:
	default:
		e->key = KEY_TEMP;
		e->key_reason = "key lookup failed temporarily";
		return DKIM_CBSTAT_TRYAGAIN;
	}
	if (a->count != 1)
		return key_perm(e, "more than one key record");
	rr = &a->rr[0];
	if (rr->text_len == 0)
		return key_perm(e, "empty key record");
	if (memchr(rr->text, '\0', rr->text_len) != NULL)
		return key_perm(e, "NUL byte in key record");
	if (rr->text_len >= buflen)
		return key_perm(e, "key record too long");
	memcpy(buf, rr->text, rr->text_len);
	buf[rr->text_len] = '\0';
	e->key = KEY_FOUND;
	return DKIM_CBSTAT_CONTINUE;
}

/* ---- streaming input ---- */

struct aa_dkim_verify *aa_dkim_verify_new(struct aa_ctx *ctx)
{
	struct aa_dkim_verify *v;
	DKIM_LIB *lib = lib_get(ctx);
	DKIM_STAT st = DKIM_STAT_INTERNAL;

	if (lib == NULL)
		return NULL;
	v = aa_arena_alloc(ctx->arena, sizeof(*v));
	if (v == NULL)
		return NULL;
	memset(v, 0, offsetof(struct aa_dkim_verify, body));
	v->ctx = ctx;
	v->scratch = aa_arena_alloc(ctx->arena, 2 * DKIM_FIELD_MAX);
	if (v->scratch == NULL)
		return NULL;
	v->dkim = dkim_verify(lib, (const unsigned char *)"authalign", NULL, &st);
	if (v->dkim == NULL)
		return NULL;
	if (dkim_set_user_context(v->dkim, v) != DKIM_STAT_OK) {
		dkim_free(v->dkim);
		return NULL;
	}
	return v;
}

/* Length of the field name, up to the colon, trailing blanks dropped;
 * 0 when there is no colon. */
static size_t field_name_len(const char *f, size_t len)
{
	const char *colon = memchr(f, ':', len);
	size_t n;

	if (colon == NULL)
		return 0;
	n = (size_t)(colon - f);
	while (n > 0 && (f[n - 1] == ' ' || f[n - 1] == '\t'))
		n--;
	return n;
}

/* Bare LF becomes CRLF; the final line end goes. Returns the length. */
static size_t field_to_crlf(const char *f, size_t len, char *out)
{
	size_t k = 0;

	while (len > 0 && (f[len - 1] == '\n' || f[len - 1] == '\r'))
		len--;
	for (size_t i = 0; i < len; i++) {
		if (f[i] == '\n' && (i == 0 || f[i - 1] != '\r'))
			out[k++] = '\r';
		out[k++] = f[i];
	}
	return k;
}

static struct sig_entry *entry_add(struct aa_dkim_verify *v, const char *value, size_t len)
{
	struct sig_entry *e;

	if (v->nsig >= AA_DKIM_SIGS_MAX)
		return NULL;
	e = &v->sigs[v->nsig++];
	memset(e, 0, sizeof(*e));
	e->lib_index = -1;
	e->field = aa_arena_strndup(v->ctx->arena, value, len);
	if (e->field == NULL) {
		entry_decide(e, AA_TEMPERROR, "out of memory");
		return e;
	}
	tags_parse(e->field, len, &e->tags);
	return e;
}

/* A DKIM-Signature field: record it, and say whether the library may
 * have it. */
static bool signature_field(struct aa_dkim_verify *v, const char *f, size_t len,
			    size_t name_len)
{
	const char *value = f + name_len;
	size_t vlen = len - name_len;
	struct sig_entry *e;

	/* step past the blanks and the colon after the name */
	while (vlen > 0 && *value != ':') {
		value++;
		vlen--;
	}
	value++;
	vlen--;
	e = entry_add(v, value, len > DKIM_FIELD_MAX ? 0 : vlen);
	if (e == NULL)		/* over the cap: counted by nobody */
		return len <= DKIM_FIELD_MAX && memchr(f, '\0', len) == NULL;
	if (e->early != AA_NONE)
		return false;
	if (len > DKIM_FIELD_MAX) {
		entry_decide(e, AA_PERMERROR, "signature field too long");
		return false;
	}
	if (memchr(f, '\0', len) != NULL) {
		entry_decide(e, AA_PERMERROR, "NUL byte in signature field");
		return false;
	}
	if (v->fields >= DKIM_FIELDS_MAX) {
		entry_decide(e, AA_PERMERROR, "too many header fields");
		return false;
	}
	e->lib_index = v->lib_sigs;
	return true;
}

int aa_dkim_verify_header(struct aa_dkim_verify *v, const char *field, size_t len)
{
	size_t name_len;
	size_t n;
	DKIM_STAT st;

	if (v == NULL || v->eoh_done)
		return -1;
	name_len = field_name_len(field, len);
	if (name_len == 14 && strncasecmp(field, "DKIM-Signature", 14) == 0) {
		if (!signature_field(v, field, len, name_len))
			return 0;
		v->lib_sigs++;
	} else if (len > DKIM_FIELD_MAX || v->fields >= DKIM_FIELDS_MAX ||
		   memchr(field, '\0', len) != NULL) {
		return 0;	/* dropped: a signature over it fails */
	}
	n = field_to_crlf(field, len, v->scratch);
	if (n == 0)
		return 0;
	v->fields++;
	st = dkim_header(v->dkim, (unsigned char *)v->scratch, n);
	/* SYNTAX: the library refused the field, as a verifier should */
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX)
		v->lib_broken = true;
	return 0;
}

static void end_of_headers(struct aa_dkim_verify *v)
{
	DKIM_STAT st;

	if (v->eoh_done)
		return;
	v->eoh_done = true;
	st = dkim_eoh(v->dkim);
	if (st == DKIM_STAT_NOSIG)
		v->body_skipped = true;
	else if (st != DKIM_STAT_OK)
		v->lib_broken = true;
}

static void body_flush(struct aa_dkim_verify *v)
{
	DKIM_STAT st;

	if (v->body_len == 0)
		return;
	st = dkim_body(v->dkim, v->body, v->body_len);
	if (st != DKIM_STAT_OK)
		v->lib_broken = true;
	v->body_len = 0;
}

static void body_put(struct aa_dkim_verify *v, unsigned char c)
{
	if (v->body_len == sizeof(v->body))
		body_flush(v);
	v->body[v->body_len++] = c;
}

int aa_dkim_verify_body(struct aa_dkim_verify *v, const char *data, size_t len)
{
	if (v == NULL)
		return -1;
	end_of_headers(v);
	if (v->body_skipped || v->lib_broken)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		/* a bare LF, also when its CR ended the previous chunk */
		if (c == '\n' && !v->prev_cr)
			body_put(v, '\r');
		body_put(v, c);
		v->prev_cr = c == '\r';
		v->body_open = c != '\n';
	}
	return 0;
}

/* RFC 6376 3.4.3 and 3.4.4: a body that does not end in a line end is
 * hashed as if it did; libopendkim refuses it otherwise. */
static void body_close(struct aa_dkim_verify *v)
{
	if (!v->body_open)
		return;
	if (!v->prev_cr)
		body_put(v, '\r');
	body_put(v, '\n');
	v->body_open = false;
}

/* ---- results ---- */

static const char *keysmall_reason(struct aa_dkim_verify *v, unsigned bits)
{
	const char *r = aa_arena_printf(v->ctx->arena,
					"RSA key of %u bits is under %u (RFC 8301)",
					bits, DKIM_RSA_MIN_BITS);

	return r != NULL ? r : "RSA key under 1024 bits (RFC 8301)";
}

/* The library's verdict on a signature that it processed. */
static enum aa_result lib_verdict(struct aa_dkim_verify *v, struct sig_entry *e,
				  unsigned bits, const char **reason_r)
{
	DKIM_SIGINFO *sig = e->lib_sig;
	int err = dkim_sig_geterror(sig);
	unsigned flags = dkim_sig_getflags(sig);

	if (e->key == KEY_TEMP) {
		*reason_r = e->key_reason;
		return AA_TEMPERROR;
	}
	if (e->key == KEY_PERM) {
		*reason_r = e->key_reason;
		return AA_PERMERROR;
	}
	switch (err) {
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_UNKNOWN:
		if ((flags & DKIM_SIGFLAG_PASSED) != 0 &&
		    dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH) {
			*reason_r = "signature verified";
			return AA_PASS;
		}
		*reason_r = "not evaluated";
		return AA_TEMPERROR;
	case DKIM_SIGERROR_BADSIG:
		if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH)
			*reason_r = "body hash did not verify";
		else
			*reason_r = "signature did not verify";
		return AA_FAIL;
	case DKIM_SIGERROR_KEYTOOSMALL:
		*reason_r = keysmall_reason(v, bits);
		return AA_FAIL;
	case DKIM_SIGERROR_TOOLARGE_L:
		*reason_r = "l= is longer than the body";
		return AA_FAIL;
	case DKIM_SIGERROR_KEYFAIL:
		*reason_r = "key lookup failed temporarily";
		return AA_TEMPERROR;
	case DKIM_SIGERROR_NOKEY:
		*reason_r = "no key record";
		return AA_PERMERROR;
	case DKIM_SIGERROR_KEYREVOKED:
		*reason_r = "key revoked";
		return AA_PERMERROR;
	default:
		*reason_r = dkim_sig_geterrorstr(err);
		if (*reason_r == NULL)
			*reason_r = "unusable signature";
		return AA_PERMERROR;
	}
}

static void entry_result(struct aa_dkim_verify *v, struct sig_entry *e,
			 struct aa_dkim_sig *out)
{
	struct aa_ctx *ctx = v->ctx;
	unsigned int bits = 0;

	out->domain = slice_dup(ctx, e->tags.d, true);
	out->selector = slice_dup(ctx, e->tags.s, false);
	out->algorithm = slice_dup(ctx, e->tags.a, true);
	out->b_prefix = b_prefix(ctx, e->tags.b);
	out->body_length_limited = e->tags.l.p != NULL;
	if (e->early != AA_NONE) {
		out->result = e->early;
		out->reason = e->early_reason;
		return;
	}
	if (e->lib_sig == NULL) {
		out->result = AA_TEMPERROR;
		out->reason = "not evaluated";
		return;
	}
	if (dkim_sig_getkeysize(e->lib_sig, &bits) == DKIM_STAT_OK)
		out->key_bits = bits;
	/* the library sizes Ed25519 keys as 0; RFC 8463 keys are 256 bits */
	if (out->key_bits == 0 && e->key == KEY_FOUND && slice_is(e->tags.a, "ed25519-sha256"))
		out->key_bits = 256;
	out->result = lib_verdict(v, e, bits, &out->reason);
	/* RFC 8301 3.2 once more, whatever the library's minimum was */
	if (out->result == AA_PASS && slice_is(e->tags.a, "rsa-sha256") &&
	    bits < DKIM_RSA_MIN_BITS) {
		out->result = AA_FAIL;
		out->reason = keysmall_reason(v, bits);
	}
	if (out->result == AA_TEMPERROR && v->lib_broken)
		out->reason = "verifier failed";
}

static void results_fill(struct aa_dkim_verify *v, struct aa_dkim_result *r)
{
	r->count = v->nsig;
	r->sigs = NULL;
	r->temp_failed = 0;
	if (v->nsig == 0)
		return;
	r->sigs = aa_arena_alloc(v->ctx->arena, v->nsig * sizeof(*r->sigs));
	if (r->sigs == NULL) {
		r->count = 0;
		r->temp_failed = 1;
		return;
	}
	for (size_t i = 0; i < v->nsig; i++) {
		memset(&r->sigs[i], 0, sizeof(r->sigs[i]));
		entry_result(v, &v->sigs[i], &r->sigs[i]);
		if (v->sigs[i].key == KEY_TEMP)
			r->temp_failed = 1;
	}
}

int aa_dkim_verify_finish(struct aa_dkim_verify **vp, struct aa_dkim_result *r)
{
	struct aa_dkim_verify *v = *vp;
	DKIM_STAT st;

	memset(r, 0, sizeof(*r));
	if (v == NULL)
		return -1;
	*vp = NULL;
	end_of_headers(v);
	if (!v->body_skipped && !v->lib_broken) {
		body_close(v);
		body_flush(v);
		st = dkim_eom(v->dkim, NULL);
		if (st == DKIM_STAT_NORESOURCE || st == DKIM_STAT_INTERNAL)
			v->lib_broken = true;
	}
	results_fill(v, r);
	dkim_free(v->dkim);
	v->dkim = NULL;
	return 0;
}

/* ---- a whole message ---- */

/* End of the field that starts at p: the line end before a line that
 * does not begin with a blank. Sets *next_r past that line end. */
static const char *field_end(const char *p, const char *end, const char **next_r)
{
	const char *q = p;

	for (;;) {
		const char *lf = memchr(q, '\n', (size_t)(end - q));

		if (lf == NULL) {
			*next_r = end;
			return end;
		}
		q = lf + 1;
		if (q == end || (*q != ' ' && *q != '\t')) {
			*next_r = q;
			return q;
		}
	}
}

int aa_dkim_verify_message(struct aa_ctx *ctx, const char *msg, size_t len,
			   struct aa_dkim_result *r)
{
	struct aa_dkim_verify *v = aa_dkim_verify_new(ctx);
	const char *p = msg;
	const char *end = msg + len;

	memset(r, 0, sizeof(*r));
	if (v == NULL)
		return -1;
	while (p < end) {
		const char *next;
		const char *fe;

		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			p += *p == '\n' ? 1 : 2;	/* the blank line */
			aa_dkim_verify_body(v, p, (size_t)(end - p));
			break;
		}
		fe = field_end(p, end, &next);
		aa_dkim_verify_header(v, p, (size_t)(fe - p));
		p = next;
	}
	return aa_dkim_verify_finish(&v, r);
}
