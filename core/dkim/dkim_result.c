/* dkim_result.c - from libopendkim's per-signature state to DKIM results.
 *
 * One aa_dkim_sig per DKIM-Signature entry (core/dkim/dkim.c), named by the
 * d=, s=, a= and b= the library parsed when it parsed the field, else by
 * our own reading; RFC 8301 applied as results (rsa-sha1 is decided in
 * dkim.c before any key is fetched); one policy result counts the fields
 * over AA_DKIM_SIGS_MAX. A copy that fails for want of memory makes the
 * result incomplete, never a pass without its domain.
 */
#include <string.h>
#include "aa_ctype.h"
#include "dkim_int.h"

/* RFC 6008 2: header.b carries at least 8 characters of b=. */
#define DKIM_B_PREFIX 8

const char *aa_dkim_dup(struct aa_dkim_verify *v, const char *p, size_t n, bool lower)
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
	return aa_dkim_dup(v, s.p, s.n, lower);
}

static const char *dup_lib(struct aa_dkim_verify *v, const unsigned char *s, bool lower)
{
	return s == NULL ? NULL : aa_dkim_dup(v, (const char *)s, strlen((const char *)s), lower);
}

/* The first DKIM_B_PREFIX characters of b=, white space removed. */
static const char *b_prefix(struct aa_dkim_verify *v, const char *b, size_t n)
{
	char out[DKIM_B_PREFIX];
	size_t k = 0;

	if (b == NULL)
		return NULL;
	for (size_t i = 0; i < n && k < DKIM_B_PREFIX; i++)
		if (!aa_is_space((unsigned char)b[i]))
			out[k++] = b[i];
	return aa_dkim_dup(v, out, k, false);
}

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

/* The body hash made here decides a header signature that verified. */
static enum aa_result body_verdict(struct aa_dkim_verify *v, struct sig_entry *e,
				   unsigned bits, dkim_alg_t alg, const char **reason_r)
{
	switch (aa_dkim_body_verdict(e)) {
	case BODY_MATCH:
		/* the library's own key-size check runs only on a signature
		 * whose body hash it matched: here, then */
		if (alg != DKIM_SIGN_ED25519SHA256 && bits < DKIM_RSA_MIN_BITS)
			return key_too_small(v, bits, reason_r);
		*reason_r = "signature verified";
		return AA_PASS;
	case BODY_MISMATCH:
		*reason_r = "body hash did not verify";
		return AA_FAIL;
	default:
		*reason_r = "body not hashed";
		return AA_TEMPERROR;
	}
}

/* A signature checked in dkim_sig.c, judged as the library judges its
 * own: the header signature, the body hash, then t=s, which the library
 * applies to every outcome. */
static enum aa_result own_verdict(struct aa_dkim_verify *v, struct sig_entry *e,
				  const char **reason_r)
{
	if (e->own_subdomain) {
		*reason_r = dkim_sig_geterrorstr(DKIM_SIGERROR_SUBDOMAIN);
		if (*reason_r == NULL)
			*reason_r = "unusable signature";
		return AA_PERMERROR;
	}
	if (e->own == OWN_BADSIG) {
		*reason_r = "signature did not verify";
		return AA_FAIL;
	}
	return body_verdict(v, e, e->own_bits, DKIM_SIGN_RSASHA256, reason_r);
}

/* The library's verdict on a signature that it processed. */
static enum aa_result lib_verdict(struct aa_dkim_verify *v, struct sig_entry *e,
				  unsigned bits, const char **reason_r)
{
	DKIM_SIGINFO *sig = e->lib_sig;
	int err = dkim_sig_geterror(sig);
	unsigned flags = dkim_sig_getflags(sig);

	if (e->own != OWN_NONE)
		return own_verdict(v, e, reason_r);
	if (e->key == KEY_TEMP) {
		*reason_r = e->key_reason;
		return AA_TEMPERROR;
	}
	if (e->key == KEY_PERM) {
		*reason_r = e->key_reason;
		return AA_PERMERROR;
	}
	/* The library compared bh= only after the header signature verified
	 * (it tests no body hash otherwise). When the body hash was made
	 * here, the library hashed an empty body: its comparison, and the
	 * errors that follow from it, give way to ours. */
	if (v->body_ours && dkim_sig_getbh(sig) != DKIM_SIGBH_UNTESTED &&
	    (err == DKIM_SIGERROR_OK || err == DKIM_SIGERROR_UNKNOWN ||
	     err == DKIM_SIGERROR_BADSIG || err == DKIM_SIGERROR_KEYTOOSMALL)) {
		dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

		if (dkim_sig_getsignalg(sig, &alg) != DKIM_STAT_OK)
			bits = 0;	/* an unknown algorithm: never a pass */
		return body_verdict(v, e, bits, alg, reason_r);
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
	if (e->own != OWN_NONE)
		bits = e->own_bits;	/* the library never had the key */
	else if (dkim_sig_getkeysize(e->lib_sig, &bits) != DKIM_STAT_OK)
		bits = 0;
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

void aa_dkim_results_fill(struct aa_dkim_verify *v, struct aa_dkim_result *r)
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

void aa_dkim_results_fill_own(struct aa_dkim_verify *v, struct aa_dkim_result *r)
{
	memset(r, 0, sizeof(*r));
	if (v->nsig == 0)
		return;
	r->sigs = aa_arena_alloc(v->ctx->arena, v->nsig * sizeof(*r->sigs));
	if (r->sigs == NULL) {
		r->incomplete = 1;
		return;
	}
	for (size_t i = 0; i < v->nsig; i++) {
		struct sig_entry *e = &v->sigs[i];
		struct aa_dkim_sig *out = &r->sigs[r->count++];

		memset(out, 0, sizeof(*out));
		entry_names(v, e, out);	/* the library's values: ours, for a plain signature */
		out->result = AA_PASS;
		out->reason = "signature verified";
		out->key_bits = e->own_bits;
		out->without_library = 1;
	}
}
