/* dkim.c - DKIM verification (RFC 6376, 8301, 8463) through libopendkim.
 *
 * The library hashes and checks signatures; this file feeds it, fetches
 * keys through aa_dns (a key-lookup callback, so the library never asks
 * DNS itself; the record itself is made fit in dkim_key.c), applies
 * RFC 8301 to the signatures as the library parsed them; dkim_result.c
 * maps every outcome to one aa_result with a short reason.
 *
 * Each DKIM-Signature field found gets an entry (up to AA_DKIM_SIGS_MAX;
 * the fields over that are counted and reported as one policy result).
 * An entry is decided here (field too long, NUL byte, too many fields),
 * or refused by the library (permerror), or paired with the library's
 * own signature whose d=, s= and b= are the entry's: never by position,
 * since a field the library refuses but Exim accepts (such as
 * "DKIM-Signature<TAB>:") would shift every later pairing and hand
 * another signature's pass to the forged field's d=. A library signature
 * that pairs with no entry is never verified. dkim_hsel.c keeps the
 * library's header selection inside its array (a guard field, and an
 * h= that would overrun it is permerror).
 *
 * Anything that stops verification from running (no memory, a library
 * error, the caller's unreadable spool) makes the undecided signatures
 * temperror and the result incomplete: DMARC then defers rather than
 * fails (core/dmarc/dmarc_eval.c), and the header says dkim=temperror.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <opendkim/dkim.h>
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "dkim_int.h"

/* One header field (name, colon, value): RFC 5322 sets no limit on a
 * folded field; 16 KiB is far above any real one. */
#define DKIM_FIELD_MAX 16384

/* ---- small helpers ---- */


/* A slice equals the library's value of the same tag: the library drops
 * every white space byte (its dkim_collapse()); both absent is equal. */
static bool slice_same(struct slice s, const unsigned char *lib)
{
	size_t k = 0;

	if (s.p == NULL || lib == NULL)
		return s.p == NULL && lib == NULL;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (aa_is_space(c))
			continue;
		if (lib[k] != c)
			return false;
		k++;
	}
	return lib[k] == '\0';
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

		if (!aa_dkim_slice_is(name, known[i].name))
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
			tags_store(t, aa_dkim_slice_trim(p, (size_t)(eq - p)),
				   aa_dkim_slice_trim(eq + 1, (size_t)(stop - eq - 1)));
		p = semi != NULL ? semi + 1 : end;
	}
}

/* A name we are willing to put in a DNS question: letters, digits,
 * '-' and '_', no final dot; a d= has at least two labels. This refuses
 * "legitimate.com(.attacker.com" style values (CVE-2020-12272) before
 * any lookup. */
static bool dns_name_ok(struct slice s, bool need_dot)
{
	unsigned flags = AA_DNS_NAME_UNDERSCORE | (need_dot ? AA_DNS_NAME_DOTTED : 0);

	return aa_dns_name_check(s.p, s.n, flags) == AA_DNS_NAME_OK;
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

/* The library handle: one per process, made on first use (in the daemon
 * by its rehearsal, so that every connection inherits it) and kept until
 * the process ends. It holds settings and callbacks only, the same for
 * every context; each message's state is its own DKIM handle. */
static DKIM_LIB *process_lib;

static DKIM_LIB *lib_get(void)
{
	DKIM_LIB *lib;

	if (process_lib != NULL)
		return process_lib;
	lib = dkim_init(lib_malloc, lib_free);
	if (lib == NULL)
		return NULL;
	if (lib_setup(lib) < 0) {
		dkim_close(lib);
		return NULL;
	}
	process_lib = lib;
	aa_dkim_body_prepare();
	return lib;
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
static bool entry_screen(struct aa_dkim_verify *v, struct sig_entry *e)
{
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

	if (e->tags.duplicate) {
		entry_decide(e, AA_PERMERROR, "a tag occurs twice");
		return false;
	}
	/* libopendkim would write past its array (dkim_hsel.c) */
	if (aa_dkim_hsel_takes_all(v, dkim_sig_gettagvalue(e->lib_sig, false, (u_char *)"h"))) {
		entry_decide(e, AA_PERMERROR, "h= names more header fields than the message has");
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
		if (!entry_screen(v, e))
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
	/* checked in dkim_sig.c: the library must not decode the key again
	 * ("no key" stops it there; dkim_result.c knows why) */
	switch (aa_dkim_sig_check(v, e, a->rr[0].text, a->rr[0].text_len)) {
	case SIG_CHECKED:
		return DKIM_CBSTAT_NOTFOUND;
	case SIG_NO_MEMORY:
		v->oom = true;
		return key_temp(e, "out of memory");
	default:
		break;
	}
	/* the library decodes this key as soon as we return: with RSA's own
	 * decoder, until dkim_eom() returns (aa_dkim_verify_finish) */
	if (!v->direct)
		v->direct = aa_dkim_rsa_direct_begin();
	return DKIM_CBSTAT_CONTINUE;
}

/* ---- streaming input ---- */

static size_t verify_open;	/* verifications started and not yet ended */

size_t aa_dkim_verify_open_count(void)
{
	return verify_open;
}

/* End what the library holds for v, once (finish, abort, or the end of
 * the message when the caller never finished). */
static void verify_end(struct aa_dkim_verify *v)
{
	aa_dkim_rsa_direct_end(v->direct);	/* never left registered */
	v->direct = false;
	if (v->dkim != NULL && !v->lib_unsafe)
		dkim_free(v->dkim);
	lib_free_all(v);	/* all of it when dkim_free() could not run */
	aa_dkim_body_free(v);
	v->dkim = NULL;
	verify_open--;
}

/* The arena hook: the message ended with v still open. */
static void verify_release(void *arg)
{
	struct aa_dkim_verify *v = arg;

	v->release = NULL;
	verify_end(v);
}

/* A verification's state in the message's arena: the body buffer
 * (body_len says how much holds bytes), the scratch copy of a field and
 * the names (nnames of them) are written before they are read, so not
 * zeroed. */
static struct aa_dkim_verify *verify_alloc(struct aa_ctx *ctx)
{
	struct aa_dkim_verify *v = aa_arena_alloc_uninit(ctx->arena, sizeof(*v));

	if (v == NULL)
		return NULL;
	memset(v, 0, offsetof(struct aa_dkim_verify, body));
	v->ctx = ctx;
	return v;
}

struct aa_dkim_verify *aa_dkim_verify_new(struct aa_ctx *ctx)
{
	struct aa_dkim_verify *v;
	DKIM_LIB *lib = lib_get();
	DKIM_STAT st = DKIM_STAT_INTERNAL;

	if (lib == NULL || (v = verify_alloc(ctx)) == NULL)
		return NULL;
	v->scratch = aa_arena_alloc_uninit(ctx->arena, 2 * DKIM_FIELD_MAX);
	v->names = aa_arena_alloc_uninit(ctx->arena, DKIM_FIELDS_MAX * sizeof(*v->names));
	if (v->scratch == NULL || v->names == NULL)
		return NULL;
	v->dkim = dkim_verify(lib, (const unsigned char *)"authalign", v, &st);
	if (v->dkim == NULL)
		return NULL;
	verify_open++;
	if (dkim_set_user_context(v->dkim, v) != DKIM_STAT_OK ||
	    aa_arena_on_reset(ctx->arena, verify_release, v, &v->release) < 0) {
		verify_end(v);
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
	e->field = aa_dkim_dup(v, value, len, false);
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

static bool signature_name(const char *field, size_t name_len)
{
	return name_len == 14 && strncasecmp(field, "DKIM-Signature", 14) == 0;
}

int aa_dkim_is_signature_field(const char *field, size_t len)
{
	return field != NULL && signature_name(field, field_name_len(field, len));
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
	if (signature_name(field, name_len)) {
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
	if (st == DKIM_STAT_OK)
		aa_dkim_hsel_add(v, field, name_len);
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
	if (aa_dkim_hsel_guard(v) < 0) {	/* out of memory */
		v->lib_broken = true;
		return;
	}
	st = dkim_eoh(v->dkim);
	if (st == DKIM_STAT_NOSIG)
		v->body_skipped = true;
	else if (st != DKIM_STAT_OK)
		v->lib_broken = true;
	else if (!(v->body_ours = aa_dkim_body_begin(v)))
		aa_dkim_body_free(v);	/* the library hashes the body */
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
	if (v->body_ours) {
		aa_dkim_body_put(v, v->body, v->body_len);
		v->body_len = 0;
		return;
	}
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

/* n bytes without a line feed. */
static void body_put_run(struct aa_dkim_verify *v, const char *p, size_t n)
{
	while (n > 0) {
		size_t room;

		if (v->body_len == sizeof(v->body))
			body_flush(v);
		room = sizeof(v->body) - v->body_len;
		if (room > n)
			room = n;
		memcpy(v->body + v->body_len, p, room);
		v->body_len += room;
		p += room;
		n -= room;
	}
}

/* The body to the library with CRLF line ends: a bare LF gets its CR,
 * also when a CR ended the previous chunk. */
int aa_dkim_verify_body(struct aa_dkim_verify *v, const char *data, size_t len)
{
	const char *p = data;
	const char *end = data + len;

	if (v == NULL)
		return -1;
	end_of_headers(v);
	if (v->body_skipped || v->lib_broken)
		return 0;
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		const char *stop = lf != NULL ? lf : end;

		if (stop > p) {
			body_put_run(v, p, (size_t)(stop - p));
			v->prev_cr = stop[-1] == '\r';
			v->body_open = true;
		}
		if (lf == NULL)
			break;
		if (!v->prev_cr)
			body_put(v, '\r');
		body_put(v, '\n');
		v->prev_cr = false;
		v->body_open = false;
		p = lf + 1;
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
		if (v->body_ours && !aa_dkim_body_end(v))
			v->lib_broken = true;	/* undecided signatures: temperror */
		if (!v->lib_broken) {
			st = dkim_eom(v->dkim, NULL);	/* fetches and decodes the keys */
			aa_dkim_rsa_direct_end(v->direct);
			v->direct = false;
			if (!eom_ok(st))
				v->lib_broken = true;
		}
	}
	aa_dkim_results_fill(v, r);
	aa_arena_hook_cancel(&v->release);
	verify_end(v);
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

/* ---- a message checked without the library (dkim_own.c) ---- */

static unsigned long own_decided;	/* messages decided there, in this process */

unsigned long aa_dkim_own_decided(void)
{
	return own_decided;
}

struct aa_dkim_verify *aa_dkim_verify_new_own(struct aa_ctx *ctx, const struct aa_dkim_field *fields,
					      size_t n)
{
	struct aa_dkim_verify *v;

	if (!aa_dkim_own_enabled() || aa_dkim_sig_all_to_library() || n > DKIM_FIELDS_MAX ||
	    lib_get() == NULL || (v = verify_alloc(ctx)) == NULL)
		return NULL;
	v->own = true;
	v->own_fields = aa_arena_alloc_uninit(ctx->arena, (n > 0 ? n : 1) * sizeof(*v->own_fields));
	if (v->own_fields == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *f = fields[i].text;
		size_t len = fields[i].len;
		char *crlf;
		size_t k;

		/* as aa_dkim_verify_header() would hand it to the library */
		if (len > DKIM_FIELD_MAX || !aa_dkim_own_plain_field(f, len))
			return NULL;
		crlf = aa_arena_alloc_uninit(ctx->arena, 2 * len + 1);
		if (crlf == NULL)
			return NULL;
		k = field_to_crlf(f, len, crlf);
		if (k == 0 || !aa_dkim_own_plain_field(crlf, k))
			return NULL;
		v->own_fields[v->own_nfields++] = (struct aa_dkim_field){ crlf, k };
		if (!signature_name(crlf, field_name_len(crlf, k)))
			continue;
		if (v->nsig >= AA_DKIM_SIGS_MAX)
			return NULL;
		memset(&v->sigs[v->nsig], 0, sizeof(v->sigs[0]));
		if (!aa_dkim_own_plain_signature(&v->sigs[v->nsig], crlf, k))
			return NULL;
		v->nsig++;
	}
	v->eoh_done = true;	/* aa_dkim_verify_body() hashes at once */
	v->body_ours = true;
	if (v->nsig == 0)
		v->body_skipped = true;
	verify_open++;
	if (aa_arena_on_reset(ctx->arena, verify_release, v, &v->release) < 0 ||
	    (v->nsig > 0 && !aa_dkim_body_begin_own(v))) {
		aa_arena_hook_cancel(&v->release);
		verify_end(v);
		return NULL;
	}
	return v;
}

int aa_dkim_verify_own_finish(struct aa_dkim_verify **vp, struct aa_dkim_result *r)
{
	struct aa_dkim_verify *v = *vp;
	bool decided = v != NULL && v->own;

	memset(r, 0, sizeof(*r));
	if (v == NULL)
		return 0;
	*vp = NULL;
	if (decided && v->nsig > 0) {
		body_close(v);
		body_flush(v);
		decided = aa_dkim_body_end(v);
		for (size_t i = 0; decided && i < v->nsig; i++)
			decided = aa_dkim_own_check(v, &v->sigs[i]);
	}
	if (decided) {
		aa_dkim_results_fill_own(v, r);
		decided = !v->oom && !r->incomplete;
	}
	if (!decided)
		memset(r, 0, sizeof(*r));
	else
		own_decided++;
	aa_arena_hook_cancel(&v->release);
	verify_end(v);
	return decided ? 1 : 0;
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

/* The fields of msg (up to DKIM_FIELDS_MAX + 1) and where its body
 * starts; NULL when out of memory. */
static struct aa_dkim_field *message_fields(struct aa_ctx *ctx, const char *msg, size_t len,
					    size_t *n_r, const char **body_r)
{
	struct aa_dkim_field *f = aa_arena_alloc_uninit(ctx->arena, (DKIM_FIELDS_MAX + 1) * sizeof(*f));
	const char *p = msg;
	const char *end = msg + len;
	size_t n = 0;

	*body_r = NULL;
	if (f == NULL)
		return NULL;
	while (p < end && n <= DKIM_FIELDS_MAX) {
		const char *next;
		const char *fe;

		if (*p == '\n' || (*p == '\r' && p + 1 < end && p[1] == '\n')) {
			*body_r = p + (*p == '\n' ? 1 : 2);	/* after the blank line */
			break;
		}
		fe = field_end(p, end, &next);
		f[n++] = (struct aa_dkim_field){ p, (size_t)(fe - p) };
		p = next;
	}
	*n_r = n;
	return f;
}

/* The message to dkim_own.c: 1 when decided there. */
static int message_own(struct aa_ctx *ctx, const char *msg, size_t len, struct aa_dkim_result *r)
{
	const char *body;
	size_t n;
	struct aa_dkim_field *f = message_fields(ctx, msg, len, &n, &body);
	struct aa_dkim_verify *v = f != NULL ? aa_dkim_verify_new_own(ctx, f, n) : NULL;

	if (v == NULL)
		return 0;
	if (body != NULL)
		aa_dkim_verify_body(v, body, (size_t)(msg + len - body));
	return aa_dkim_verify_own_finish(&v, r);
}

int aa_dkim_verify_message(struct aa_ctx *ctx, const char *msg, size_t len,
			   struct aa_dkim_result *r)
{
	struct aa_dkim_verify *v;
	const char *p = msg;
	const char *end = msg + len;

	if (message_own(ctx, msg, len, r) == 1)
		return 0;
	v = aa_dkim_verify_new(ctx);
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
