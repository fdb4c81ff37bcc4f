/* dkim.c - DKIM verification (RFC 6376, 8301, 8463) through libopendkim.
 *
 * The library hashes and checks signatures; this file feeds it, fetches
 * keys through aa_dns (a key-lookup callback, so the library never asks
 * DNS itself; the record itself is made fit in dkim_key.c), applies
 * RFC 8301 to the signatures as the library parsed them, and maps every
 * outcome to one aa_result with a short reason.
 *
 * Each DKIM-Signature field found gets an entry (up to AA_DKIM_SIGS_MAX;
 * the fields over that are counted and reported as one policy result).
 * An entry is decided here (field too long, NUL byte, too many fields),
 * or refused by the library (permerror), or paired with the library's
 * own signature whose d=, s= and b= are the entry's: never by position,
 * since a field the library refuses but Exim accepts (such as
 * "DKIM-Signature<TAB>:") would shift every later pairing and hand
 * another signature's pass to the forged field's d=. A library signature
 * that pairs with no entry is never verified.
 *
 * Anything that stops verification from running (no memory, a library
 * error, the caller's unreadable spool) makes the undecided signatures
 * temperror and the result incomplete: DMARC then defers rather than
 * fails (core/dmarc_eval.c), and the header says dkim=temperror.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <opendkim/dkim.h>
#include "aa_dkim.h"
#include "dkim_int.h"

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

/* What became of a field we may hand to the library. */
enum lib_state {
	LIB_KEPT = 0,		/* never handed over */
	LIB_TAKEN,		/* dkim_header() took it: the library has its signature */
	LIB_REFUSED,		/* dkim_header() refused it */
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
	enum lib_state lib;
	DKIM_SIGINFO *lib_sig;	/* the library's signature with our d=, s=, b= */
	enum aa_result early;	/* AA_NONE unless decided before the library */
	const char *early_reason;
	enum key_state key;
	const char *key_reason;
};

union lib_block;

struct aa_dkim_verify {
	struct aa_ctx *ctx;
	DKIM *dkim;
	bool lib_broken;	/* the library failed: undecided sigs are temperror */
	bool lib_unsafe;	/* ... and dkim_free() must not run (see finish) */
	union lib_block *lib_blocks;	/* what the library allocated for this message */
	bool oom;		/* an allocation of ours failed */
	bool eoh_done;
	bool body_skipped;	/* the library has nothing to verify */
	bool prev_cr;		/* the last body byte handed on was CR */
	bool body_open;		/* body bytes since the last line end */
	size_t fields;
	size_t nsig;
	size_t over_cap;	/* DKIM-Signature fields over AA_DKIM_SIGS_MAX */
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

/* Tag names are case-sensitive (RFC 6376 3.2), as in the library. */
static bool slice_is(struct slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.p != NULL && s.n == n && memcmp(s.p, lit, n) == 0;
}

/* A slice equals the library's value of the same tag: the library drops
 * every white space byte (its dkim_collapse()); both absent is equal. */
static bool slice_same(struct slice s, const unsigned char *lib)
{
	size_t k = 0;

	if (s.p == NULL || lib == NULL)
		return s.p == NULL && lib == NULL;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (isspace(c))
			continue;
		if (lib[k] != c)
			return false;
		k++;
	}
	return lib[k] == '\0';
}

/* Copy n bytes into the arena, lower-cased when asked; a failure is
 * remembered (the result is then incomplete). */
static const char *dup_text(struct aa_dkim_verify *v, const char *p, size_t n, bool lower)
{
	char *out;

	if (p == NULL)
		return NULL;
	out = aa_arena_strndup(v->ctx->arena, p, n);
	if (out == NULL) {
		v->oom = true;
		return NULL;
	}
	if (lower)
		for (size_t i = 0; i < n; i++)
			if (out[i] >= 'A' && out[i] <= 'Z')
				out[i] = (char)(out[i] - 'A' + 'a');
	return out;
}

static const char *dup_slice(struct aa_dkim_verify *v, struct slice s, bool lower)
{
	return dup_text(v, s.p, s.n, lower);
}

static const char *dup_lib(struct aa_dkim_verify *v, const unsigned char *s, bool lower)
{
	return s == NULL ? NULL : dup_text(v, (const char *)s, strlen((const char *)s), lower);
}

/* ---- the tag list of a DKIM-Signature (RFC 6376 3.2), for our own
 * checks, for pairing with the library's parse, and for reporting a
 * field the library never parsed ---- */

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

/* The first DKIM_B_PREFIX characters of b=, white space removed. */
static const char *b_prefix(struct aa_dkim_verify *v, const char *b, size_t n)
{
	char out[DKIM_B_PREFIX];
	size_t k = 0;

	if (b == NULL)
		return NULL;
	for (size_t i = 0; i < n && k < DKIM_B_PREFIX; i++)
		if (!isspace((unsigned char)b[i]))
			out[k++] = b[i];
	return dup_text(v, out, k, false);
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

/* The library's per-message allocations (closure: the verify handle).
 * Each block is linked into v->lib_blocks, so that a handle the library
 * cannot free itself (see aa_dkim_verify_finish) is still released whole,
 * and each is counted by the arena's test hook (aa_arena_fail_after), so
 * that tests reach the library's out-of-memory paths too. */
union lib_block {
	struct {
		union lib_block *prev, *next;
	} l;
	max_align_t align;
};

static void *lib_malloc(void *closure, size_t n)
{
	struct aa_dkim_verify *v = closure;
	union lib_block *b;

	if (v == NULL)
		return malloc(n);
	if (n > SIZE_MAX - sizeof(*b) || !aa_arena_may_alloc(v->ctx->arena))
		return NULL;
	b = malloc(sizeof(*b) + n);
	if (b == NULL)
		return NULL;
	b->l.prev = NULL;
	b->l.next = v->lib_blocks;
	if (b->l.next != NULL)
		b->l.next->l.prev = b;
	v->lib_blocks = b;
	return b + 1;
}

static void lib_free(void *closure, void *p)
{
	struct aa_dkim_verify *v = closure;
	union lib_block *b;

	if (v == NULL || p == NULL) {
		free(p);
		return;
	}
	b = (union lib_block *)p - 1;
	if (b->l.prev != NULL)
		b->l.prev->l.next = b->l.next;
	else
		v->lib_blocks = b->l.next;
	if (b->l.next != NULL)
		b->l.next->l.prev = b->l.prev;
	free(b);
}

/* Everything the library still holds for this message. */
static void lib_free_all(struct aa_dkim_verify *v)
{
	while (v->lib_blocks != NULL) {
		union lib_block *next = v->lib_blocks->l.next;

		free(v->lib_blocks);
		v->lib_blocks = next;
	}
}

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
	l->lib = dkim_init(lib_malloc, lib_free);
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

/* The first entry the library took whose d=, s= and b= are the ones the
 * library parsed for sig and that has no signature yet. A refused field
 * may leave a (bad) signature in the library's list, and an identical
 * copy of a field gets the copy's result: neither can give an entry a
 * result for other d=, s= or b= values than its own. */
static struct sig_entry *entry_pair(struct aa_dkim_verify *v, DKIM_SIGINFO *sig)
{
	const unsigned char *d = dkim_sig_gettagvalue(sig, false, (u_char *)"d");
	const unsigned char *s = dkim_sig_gettagvalue(sig, false, (u_char *)"s");
	const unsigned char *b = dkim_sig_gettagvalue(sig, false, (u_char *)"b");

	for (size_t i = 0; i < v->nsig; i++) {
		struct sig_entry *e = &v->sigs[i];

		if (e->lib == LIB_TAKEN && e->lib_sig == NULL &&
		    slice_same(e->tags.d, d) && slice_same(e->tags.s, s) &&
		    slice_same(e->tags.b, b))
			return e;
	}
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
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

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
	/* RFC 8301 3.1: rsa-sha1 "MUST NOT be used for signing or
	 * verifying". A verifier without the algorithm cannot verify the
	 * signature at all: permerror (RFC 8601 2.7.1, as for an unknown
	 * a=; the conformance suites say so too), not fail, which would
	 * claim the message was altered. Nor is its key fetched. The
	 * algorithm is the one the library parsed and would use. */
	if (dkim_sig_getsignalg(e->lib_sig, &alg) != DKIM_STAT_OK) {
		entry_decide(e, AA_PERMERROR, "unknown signature algorithm");
		return false;
	}
	if (alg == DKIM_SIGN_RSASHA1) {
		entry_decide(e, AA_PERMERROR, "rsa-sha1 is not verified (RFC 8301 3.1)");
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
		struct sig_entry *e = entry_pair(v, sigs[i]);

		if (e == NULL) {	/* refused, over the cap, or not as we read it */
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

static DKIM_CBSTAT key_temp(struct sig_entry *e, const char *reason)
{
	e->key = KEY_TEMP;
	e->key_reason = reason;
	return DKIM_CBSTAT_TRYAGAIN;
}

/* Fetch <s>._domainkey.<d> (the library's own s= and d=, which entry_pair
 * found equal to ours and entry_screen found to be DNS names) through
 * aa_dns; dkim_key.c makes the record fit the library's buffer. */
static DKIM_CBSTAT dkim_key_lookup_cb(DKIM *dkim, DKIM_SIGINFO *sig,
				      unsigned char *buf, size_t buflen)
{
	struct aa_dkim_verify *v = dkim_get_user_context(dkim);
	struct sig_entry *e = v != NULL ? entry_for_siginfo(v, sig) : NULL;
	const unsigned char *d = dkim_sig_getdomain(sig);
	const unsigned char *s = dkim_sig_getselector(sig);
	const struct aa_dns_answer *a;
	const char *why = NULL;
	char *name;

	if (e == NULL || d == NULL || s == NULL)
		return DKIM_CBSTAT_ERROR;
	name = aa_arena_printf(v->ctx->arena, "%s._domainkey.%s", (const char *)s, (const char *)d);
	if (name == NULL) {
		v->oom = true;
		return key_temp(e, "out of memory");
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
		return key_temp(e, "key lookup failed temporarily");
	}
	if (a->count != 1)
		return key_perm(e, "more than one key record");
	if (aa_dkim_key_record(a->rr[0].text, a->rr[0].text_len, (char *)buf, buflen, &why) < 0)
		return key_perm(e, why);
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
	v->dkim = dkim_verify(lib, (const unsigned char *)"authalign", v, &st);
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
	e->field = dup_text(v, value, len, false);
	if (e->field == NULL) {
		entry_decide(e, AA_TEMPERROR, "out of memory");
		return e;
	}
	tags_parse(e->field, len, &e->tags);
	return e;
}

/* A DKIM-Signature field: record it in *e_r (NULL over the cap, where it
 * is only counted), and say whether the library may have it. */
static bool signature_field(struct aa_dkim_verify *v, const char *f, size_t len,
			    size_t name_len, struct sig_entry **e_r)
{
	const char *value = f + name_len;
	size_t vlen = len - name_len;
	bool fits = len <= DKIM_FIELD_MAX && memchr(f, '\0', len) == NULL &&
		    v->fields < DKIM_FIELDS_MAX;
	struct sig_entry *e;

	/* step past the blanks and the colon after the name */
	while (vlen > 0 && *value != ':') {
		value++;
		vlen--;
	}
	value++;
	vlen--;
	e = *e_r = entry_add(v, value, len > DKIM_FIELD_MAX ? 0 : vlen);
	if (e == NULL) {	/* over the cap: never verified, reported as a count */
		v->over_cap++;
		return fits;	/* other signatures may cover it */
	}
	if (e->early != AA_NONE)
		return false;
	if (len > DKIM_FIELD_MAX)
		entry_decide(e, AA_PERMERROR, "signature field too long");
	else if (memchr(f, '\0', len) != NULL)
		entry_decide(e, AA_PERMERROR, "NUL byte in signature field");
	else if (v->fields >= DKIM_FIELDS_MAX)
		entry_decide(e, AA_PERMERROR, "too many header fields");
	return fits;
}

int aa_dkim_verify_header(struct aa_dkim_verify *v, const char *field, size_t len)
{
	struct sig_entry *e = NULL;
	size_t name_len;
	size_t n;
	DKIM_STAT st;

	if (v == NULL || v->eoh_done)
		return -1;
	name_len = field_name_len(field, len);
	if (name_len == 14 && strncasecmp(field, "DKIM-Signature", 14) == 0) {
		if (!signature_field(v, field, len, name_len, &e))
			return 0;
	} else if (len > DKIM_FIELD_MAX || v->fields >= DKIM_FIELDS_MAX ||
		   memchr(field, '\0', len) != NULL) {
		return 0;	/* dropped: a signature over it fails */
	}
	n = field_to_crlf(field, len, v->scratch);
	if (n == 0)
		return 0;
	v->fields++;
	st = dkim_header(v->dkim, (unsigned char *)v->scratch, n);
	/* SYNTAX: the library refused the field, as a verifier should; a
	 * refused signature field is that signature's permerror, whatever
	 * Exim (which takes "DKIM-Signature<TAB>:") made of it */
	if (st != DKIM_STAT_OK && st != DKIM_STAT_SYNTAX)
		v->lib_broken = true;
	else if (e != NULL)
		e->lib = st == DKIM_STAT_OK ? LIB_TAKEN : LIB_REFUSED;
	return 0;
}

static void end_of_headers(struct aa_dkim_verify *v)
{
	DKIM_STAT st;

	if (v->eoh_done)
		return;
	v->eoh_done = true;
	if (v->lib_broken)
		return;
	st = dkim_eoh(v->dkim);
	if (st == DKIM_STAT_NOSIG)
		v->body_skipped = true;
	else if (st != DKIM_STAT_OK)
		v->lib_broken = true;
	/* libopendkim 2.11's dkim_siglist_setup() keeps freed and unset
	 * pointers in its list when an allocation fails, and dkim_free()
	 * then walks them */
	if (st == DKIM_STAT_NORESOURCE || st == DKIM_STAT_INTERNAL)
		v->lib_unsafe = true;
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

/* RFC 8301 3.2: "Verifiers MUST NOT consider signatures using RSA keys
 * of less than 1024 bits as valid signatures." The algorithm is sound
 * and the signature may well verify; it is the key that this ADMD does
 * not accept, which RFC 8601 2.7.1 calls policy, not fail (fail would
 * tell readers the message was altered). Not a pass for DMARC. */
static enum aa_result key_too_small(struct aa_dkim_verify *v, unsigned bits, const char **reason_r)
{
	const char *r = aa_arena_printf(v->ctx->arena,
					"RSA key of %u bits is under %u (RFC 8301 3.2)",
					bits, DKIM_RSA_MIN_BITS);

	*reason_r = r != NULL ? r : "RSA key under 1024 bits (RFC 8301 3.2)";
	return AA_POLICY;
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
		return key_too_small(v, bits, reason_r);
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

/* d=, s=, a= and b= as reported: the library's own values when it parsed
 * the signature (they are what was verified), else our reading. */
static void entry_names(struct aa_dkim_verify *v, struct sig_entry *e, struct aa_dkim_sig *out)
{
	const unsigned char *b;

	if (e->lib_sig == NULL) {
		out->domain = dup_slice(v, e->tags.d, true);
		out->selector = dup_slice(v, e->tags.s, false);
		out->algorithm = dup_slice(v, e->tags.a, true);
		out->b_prefix = b_prefix(v, e->tags.b.p, e->tags.b.n);
		return;
	}
	out->domain = dup_lib(v, dkim_sig_gettagvalue(e->lib_sig, false, (u_char *)"d"), true);
	out->selector = dup_lib(v, dkim_sig_gettagvalue(e->lib_sig, false, (u_char *)"s"), false);
	out->algorithm = dup_lib(v, dkim_sig_gettagvalue(e->lib_sig, false, (u_char *)"a"), true);
	b = dkim_sig_gettagvalue(e->lib_sig, false, (u_char *)"b");
	out->b_prefix = b == NULL ? NULL : b_prefix(v, (const char *)b, strlen((const char *)b));
}

static void entry_result(struct aa_dkim_verify *v, struct sig_entry *e,
			 struct aa_dkim_sig *out)
{
	unsigned int bits = 0;
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

	entry_names(v, e, out);
	out->body_length_limited = e->tags.l.p != NULL;
	if (e->early != AA_NONE) {
		out->result = e->early;
		out->reason = e->early_reason;
		return;
	}
	if (e->lib == LIB_REFUSED) {
		out->result = AA_PERMERROR;
		out->reason = "signature field refused as malformed";
		return;
	}
	if (e->lib_sig == NULL) {
		out->result = v->lib_broken ? AA_TEMPERROR : AA_PERMERROR;
		out->reason = v->lib_broken ? "verifier failed" : "signature field not parsed as it reads";
		return;
	}
	if (dkim_sig_getkeysize(e->lib_sig, &bits) == DKIM_STAT_OK)
		out->key_bits = bits;
	if (dkim_sig_getsignalg(e->lib_sig, &alg) != DKIM_STAT_OK)
		alg = DKIM_SIGN_UNKNOWN;
	/* the library sizes Ed25519 keys as 0; RFC 8463 keys are 256 bits */
	if (out->key_bits == 0 && e->key == KEY_FOUND && alg == DKIM_SIGN_ED25519SHA256)
		out->key_bits = 256;
	out->result = lib_verdict(v, e, bits, &out->reason);
	/* RFC 8301 3.2 once more, whatever the library's minimum was */
	if (out->result == AA_PASS && alg != DKIM_SIGN_ED25519SHA256 && bits < DKIM_RSA_MIN_BITS)
		out->result = key_too_small(v, bits, &out->reason);
	if (out->result == AA_TEMPERROR && v->lib_broken)
		out->reason = "verifier failed";
}

/* The fields over AA_DKIM_SIGS_MAX: one result without a domain, so that
 * none disappears silently. policy (RFC 8601 2.7.1): a limit of this
 * ADMD; a forger gains nothing, as no unverified signature is a pass. */
static void over_cap_result(struct aa_dkim_verify *v, struct aa_dkim_sig *out)
{
	out->result = AA_POLICY;
	out->reason = aa_arena_printf(v->ctx->arena,
				      "%zu more signature(s) not verified: over %d per message",
				      v->over_cap, AA_DKIM_SIGS_MAX);
	if (out->reason == NULL)
		out->reason = "more signatures not verified";
}

static void results_fill(struct aa_dkim_verify *v, struct aa_dkim_result *r)
{
	size_t n = v->nsig + (v->over_cap > 0 ? 1 : 0);

	r->count = 0;
	r->sigs = NULL;
	r->temp_failed = 0;
	r->incomplete = v->lib_broken;
	if (n == 0)
		goto done;
	r->sigs = aa_arena_alloc(v->ctx->arena, n * sizeof(*r->sigs));
	if (r->sigs == NULL) {
		r->temp_failed = 1;
		r->incomplete = 1;
		return;
	}
	for (size_t i = 0; i < v->nsig; i++) {
		struct aa_dkim_sig *out = &r->sigs[r->count++];

		memset(out, 0, sizeof(*out));
		entry_result(v, &v->sigs[i], out);
		if (v->sigs[i].key == KEY_TEMP)
			r->temp_failed = 1;
	}
	if (v->over_cap > 0) {
		memset(&r->sigs[r->count], 0, sizeof(r->sigs[0]));
		over_cap_result(v, &r->sigs[r->count++]);
	}
done:
	/* a copy that failed may have been a domain or a pass: unknown */
	if (v->oom)
		r->incomplete = 1;
	for (size_t i = 0; i < r->count; i++) {
		struct aa_dkim_sig *s = &r->sigs[i];

		if (v->oom && s->result == AA_PASS && s->domain == NULL) {
			s->result = AA_TEMPERROR;
			s->reason = "out of memory";
		}
	}
}

/* Every library call that is not one of its verdicts is a failure. */
static bool eom_ok(DKIM_STAT st)
{
	switch (st) {
	case DKIM_STAT_OK:
	case DKIM_STAT_BADSIG:
	case DKIM_STAT_NOSIG:
	case DKIM_STAT_NOKEY:
	case DKIM_STAT_CANTVRFY:
	case DKIM_STAT_REVOKED:
	case DKIM_STAT_KEYFAIL:
		return true;
	default:
		return false;
	}
}

int aa_dkim_verify_finish(struct aa_dkim_verify **vp, struct aa_dkim_result *r)
{
	struct aa_dkim_verify *v = *vp;
	DKIM_STAT st;

	memset(r, 0, sizeof(*r));
	if (v == NULL) {
		r->incomplete = 1;
		return -1;
	}
	*vp = NULL;
	end_of_headers(v);
	if (!v->body_skipped && !v->lib_broken) {
		body_close(v);
		body_flush(v);
		if (!v->lib_broken) {
			st = dkim_eom(v->dkim, NULL);
			if (!eom_ok(st))
				v->lib_broken = true;
		}
	}
	results_fill(v, r);
	if (!v->lib_unsafe)
		dkim_free(v->dkim);
	lib_free_all(v);	/* all of it when dkim_free() could not run */
	v->dkim = NULL;
	return r->incomplete ? -1 : 0;
}

int aa_dkim_verify_abort(struct aa_dkim_verify **vp, struct aa_dkim_result *r)
{
	if (*vp != NULL) {
		(*vp)->lib_broken = true;	/* undecided entries: temperror */
		(*vp)->eoh_done = true;
	}
	aa_dkim_verify_finish(vp, r);
	r->incomplete = 1;
	return -1;
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

	if (v == NULL)
		return aa_dkim_verify_abort(&v, r);
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
