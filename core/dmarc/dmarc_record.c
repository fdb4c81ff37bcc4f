/* dmarc_record.c - one DMARC record: our tag scanner, libopendmarc's parser.
 *
 * libopendmarc 1.4.2 is fed a rebuilt record holding only the tags that
 * decide a verdict (p, sp, adkim, aspf, and pct under RFC 7489), each
 * checked for length first: its parser copies into fixed buffers
 * (BUFSIZ for the record, 512 a value, with an off-by-one in
 * opendmarc_util_cleanup, #344), does not check that v= comes first,
 * and stops at the first bad value. So each tag is checked on its own
 * first, and a bad one is discarded in favour of its default, as RFC 9989
 * "DMARC Policy Record Format" says: it never makes the whole record a
 * permerror. Reporting tags (rua, ruf, rf, ri, fo) never decide a verdict
 * and are not given to the library; we only ask whether rua holds a
 * usable URI. A usable record is kept for the process (one connection):
 * a connection's messages parse each record once.
 */
#include <opendmarc/dmarc.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "aa_ctype.h"
#include "aa_str.h"
#include "dmarc_int.h"

#define RECORD_LEN_MAX 2048	/* bytes; far above any real record, below BUFSIZ */
#define REBUILT_LEN_MAX 255	/* the record as given to the library; longer is a permerror */
#define VALUE_LEN_MAX 32	/* p, sp, adkim, aspf, pct values; longer is a bad value */

struct terms {
	struct aa_tag p, sp, adkim, aspf, pct, rua;
	struct aa_bis_tags bis;
	int dup;
};

/* Trim WSP, and a backslash before ';' as some DNS tools publish it. */
static void trim(const char **s, const char **e)
{
	while (*s < *e && aa_is_wsp((unsigned char)**s))
		(*s)++;
	while (*e > *s && aa_is_wsp((unsigned char)(*e)[-1]))
		(*e)--;
	if (*e > *s && (*e)[-1] == '\\') {
		(*e)--;
		while (*e > *s && aa_is_wsp((unsigned char)(*e)[-1]))
			(*e)--;
	}
}

int aa_dmarc_is_record(const char *txt, size_t len)
{
	const char *s = txt, *e = txt + len, *semi;

	if (txt == NULL)
		return 0;
	semi = memchr(txt, ';', len);
	if (semi != NULL)
		e = semi;
	trim(&s, &e);
	if (s == e || (*s != 'v' && *s != 'V'))
		return 0;
	for (s++; s < e && aa_is_wsp((unsigned char)*s); s++)
		;
	if (s == e || *s++ != '=')
		return 0;
	while (s < e && aa_is_wsp((unsigned char)*s))
		s++;
	/* RFC 9989 "DMARC Policy Record Format": the value is case sensitive */
	return e - s == 6 && memcmp(s, "DMARC1", 6) == 0;
}

static struct aa_tag *tag_slot(struct terms *t, const char *tag, size_t len)
{
	static const struct { const char *name; size_t off; } slots[] = {
		{ "p", offsetof(struct terms, p) },
		{ "sp", offsetof(struct terms, sp) },
		{ "adkim", offsetof(struct terms, adkim) },
		{ "aspf", offsetof(struct terms, aspf) },
		{ "pct", offsetof(struct terms, pct) },
		{ "rua", offsetof(struct terms, rua) },
		{ "np", offsetof(struct terms, bis.np) },
		{ "psd", offsetof(struct terms, bis.psd) },
		{ "t", offsetof(struct terms, bis.t) },
	};

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (len == strlen(slots[i].name) && strncasecmp(tag, slots[i].name, len) == 0)
			return (struct aa_tag *)((char *)t + slots[i].off);
	return NULL;		/* unknown or reporting-only: ignored */
}

/* A byte no record may hold: a control byte (but TAB), DEL or 8-bit. */
static int bad_byte(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c >= 0x7f;
}

/* One "tag=value" term in [s, e). Terms without '=' or with a byte no
 * record may hold are syntax errors, discarded (RFC 9989 "DMARC Policy
 * Record Format"): a stray byte after p=reject, or in a reporting URI,
 * never makes the whole record a permerror. */
static void scan_term(struct terms *t, const char *s, const char *e, enum aa_dmarc_mode mode)
{
	const char *eq = memchr(s, '=', (size_t)(e - s)), *ts = s, *te, *vs, *ve = e;
	struct aa_tag *slot;

	for (const char *p = s; p < e; p++)
		if (bad_byte((unsigned char)*p))
			return;
	if (eq == NULL)
		return;
	te = eq;
	vs = eq + 1;
	trim(&ts, &te);
	trim(&vs, &ve);
	if (aa_bis_tag_ignored(ts, (size_t)(te - ts), mode))
		return;
	slot = tag_slot(t, ts, (size_t)(te - ts));
	if (slot == NULL)
		return;
	if (slot->seen)
		t->dup = 1;
	*slot = (struct aa_tag){ vs, (size_t)(ve - vs), 1 };
}

/* Split the record at ';' after the version term (which
 * aa_dmarc_is_record found to be exactly v=DMARC1). */
static void scan(struct terms *t, const char *txt, size_t len, enum aa_dmarc_mode mode)
{
	const char *s, *end = txt + len, *semi;

	semi = memchr(txt, ';', len);
	for (s = semi != NULL ? semi + 1 : end; s < end; s = semi + 1) {
		semi = memchr(s, ';', (size_t)(end - s));
		if (semi == NULL)
			semi = end;
		scan_term(t, s, semi, mode);
	}
}

/* rua= holds at least one mailto: URI with an address (RFC 9989 "DMARC Policy Discovery"). */
static int rua_usable(const struct aa_tag *rua)
{
	const char *s, *end;

	if (!rua->seen || rua->v == NULL)
		return 0;
	s = rua->v;
	end = rua->v + rua->len;
	while (s < end) {
		const char *comma = memchr(s, ',', (size_t)(end - s));
		const char *us = s, *ue = comma != NULL ? comma : end, *at;

		trim(&us, &ue);
		if (ue - us > 7 && strncasecmp(us, "mailto:", 7) == 0) {
			at = memchr(us + 7, '@', (size_t)(ue - us - 7));
			if (at != NULL && at > us + 7 && at + 1 < ue)
				return 1;
		}
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	return 0;
}

struct lib_out {
	int p, sp, adkim, aspf, pct;
};

/* Usable records parsed in this process (one connection): the same text
 * at the same domain in the same mode is the same record, so the
 * messages of a connection parse each record once (the text itself is
 * still asked of DNS, within its TTL). A slot is free (len 0) while it
 * changes: were local_scan() cut short then, no half-written slot is
 * ever matched. */
#define MEMO_SLOTS 8
#define MEMO_TEXT_MAX 512	/* longer records are parsed for every message */

struct memo_slot {
	size_t len;		/* of text; 0: free */
	enum aa_dmarc_mode mode;
	char domain[256];
	char text[MEMO_TEXT_MAX];
	struct aa_dmarc_record rec;	/* domain and raw are the caller's */
};

static struct memo_slot memo[MEMO_SLOTS];
static size_t memo_next;
static unsigned long lib_parses;

unsigned long aa_dmarc_record_lib_parses(void)
{
	return lib_parses;
}

/* Run libopendmarc's parser on text. Returns its status, or -1 when it
 * could not start (no memory). */
static int lib_parse(const char *domain, const char *text, struct lib_out *o)
{
	DMARC_POLICY_T *pctx = opendmarc_policy_connect_init((u_char *)"0.0.0.0", 0);
	int st;

	lib_parses++;
	if (pctx == NULL)
		return -1;
	st = opendmarc_policy_parse_dmarc(pctx, (u_char *)domain, (u_char *)text);
	if (o != NULL && st == DMARC_PARSE_OKAY) {
		opendmarc_policy_fetch_p(pctx, &o->p);
		opendmarc_policy_fetch_sp(pctx, &o->sp);
		opendmarc_policy_fetch_adkim(pctx, &o->adkim);
		opendmarc_policy_fetch_aspf(pctx, &o->aspf);
		opendmarc_policy_fetch_pct(pctx, &o->pct);
	}
	opendmarc_policy_connect_shutdown(pctx);
	return st;
}

/* Append "; tag=value" when the tag was seen. */
static void add(struct aa_str *b, const char *tag, const struct aa_tag *t)
{
	if (t->seen)
		aa_str_printf(b, "; %s=%.*s", tag, (int)t->len, t->v);
}

/* The record for the library: version, then p and sp only when wanted.
 * Longer than REBUILT_LEN_MAX: aa_str_over(). */
static void rebuild(struct aa_str *b, const struct terms *t, int with_policy)
{
	aa_str_addz(b, "v=DMARC1");
	if (with_policy) {
		add(b, "p", &t->p);
		add(b, "sp", &t->sp);
	} else {
		aa_str_addz(b, "; p=none");
	}
	add(b, "adkim", &t->adkim);
	add(b, "aspf", &t->aspf);
	add(b, "pct", &t->pct);
}

static enum aa_dmarc_policy lib_policy(int c)
{
	switch (c) {
	case DMARC_RECORD_P_NONE:
		return AA_POLICY_NONE;
	case DMARC_RECORD_P_QUARANTINE:
		return AA_POLICY_QUARANTINE;
	case DMARC_RECORD_P_REJECT:
		return AA_POLICY_REJECT;
	}
	return AA_POLICY_UNSPEC;
}

/* Is one policy tag's value valid to the library on its own ("v=DMARC1;
 * p=none; sp=x")? 1 yes (or absent), 0 no, -1 the library could not start. */
static int lib_tag_ok(const char *domain, const char *tag, const struct aa_tag *t)
{
	char buf[64];
	int st;

	if (!t->seen)
		return 1;
	if (t->len > VALUE_LEN_MAX)
		return 0;
	snprintf(buf, sizeof(buf), "v=DMARC1; p=none; %s=%.*s", tag, (int)t->len, t->v);
	st = lib_parse(domain, buf, NULL);
	return st < 0 ? -1 : st == DMARC_PARSE_OKAY;
}

/* adkim and aspf: "r" or "s" (RFC 9989 "DMARC Policy Record Format";
 * ABNF strings ignore case). The library would take any word starting
 * with one of them. */
static int rors_ok(const struct aa_tag *t)
{
	return t->len == 1 && strchr("rRsS", t->v[0]) != NULL;
}

/* pct (RFC 7489 6.3): 1*3DIGIT, 0 to 100. The library reads "half" as 0. */
static int pct_ok(const struct aa_tag *t)
{
	unsigned n = 0;

	if (t->len == 0 || t->len > 3)
		return 0;
	for (size_t i = 0; i < t->len; i++) {
		if (t->v[i] < '0' || t->v[i] > '9')
			return 0;
		n = n * 10 + (unsigned)(t->v[i] - '0');
	}
	return n <= 100;
}

/* RFC 9989 "DMARC Policy Record Format": a syntax error in a tag is
 * discarded in favour of its default. A bad adkim, aspf or pct (pct only
 * under RFC 7489; RFC 9989 ignores it) is dropped before the library sees
 * the record, so it cannot make the whole record a permerror. */
static void discard_bad_tags(struct terms *t)
{
	if (t->adkim.seen && !rors_ok(&t->adkim))
		t->adkim.seen = 0;
	if (t->aspf.seen && !rors_ok(&t->aspf))
		t->aspf.seen = 0;
	if (t->pct.seen && !pct_ok(&t->pct))
		t->pct.seen = 0;
}

static void fill(struct aa_dmarc_record *rec, const struct lib_out *o, int with_policy)
{
	rec->p = with_policy ? lib_policy(o->p) : AA_POLICY_NONE;
	rec->sp = with_policy ? lib_policy(o->sp) : AA_POLICY_UNSPEC;
	rec->adkim_strict = o->adkim == DMARC_RECORD_A_STRICT;
	rec->aspf_strict = o->aspf == DMARC_RECORD_A_STRICT;
	rec->pct = o->pct;
}

/* p, sp or np unusable: RFC 9989 "DMARC Policy Discovery" (RFC 7489 6.6.3 step 6). A PSD
 * record may leave p out (RFC 9989 "DMARC Policy Record Format", tag p: treated as p=none). */
static enum aa_result policy_fallback(const struct terms *t, struct aa_dmarc_record *rec,
				      enum aa_dmarc_mode mode, const char **reason_r)
{
	int psd_without_p = mode == AA_DMARC_RFC9989 && !t->p.seen && rec->psd == 'y';

	if (!rua_usable(&t->rua) && !psd_without_p) {
		*reason_r = t->p.seen ? "record has an invalid policy" : "record has no policy";
		return AA_NONE;
	}
	rec->p = AA_POLICY_NONE;
	rec->sp = AA_POLICY_UNSPEC;
	rec->np = AA_POLICY_UNSPEC;
	return AA_PASS;
}

static enum aa_result parse(struct aa_ctx *ctx, const char *domain, const char *txt,
			    size_t len, enum aa_dmarc_mode mode,
			    struct aa_dmarc_record *rec, const char **reason_r)
{
	struct terms t;
	struct lib_out o = { 0, 0, 0, 0, 100 };
	struct aa_str b;
	const char *rebuilt;
	int np_bad, policy_ok, p_ok, sp_ok, st;

	memset(&t, 0, sizeof(t));
	memset(rec, 0, sizeof(*rec));
	rec->pct = 100;
	rec->psd = 'u';
	*reason_r = NULL;
	if (!aa_dmarc_is_record(txt, len)) {
		*reason_r = "not a DMARC record";
		return AA_NONE;
	}
	rec->domain = domain;
	rec->raw = aa_arena_strndup(ctx->arena, txt, len);
	if (rec->raw == NULL)
		return AA_TEMPERROR;
	if (len > RECORD_LEN_MAX) {
		*reason_r = "record too long";
		return AA_PERMERROR;
	}
	scan(&t, txt, len, mode);
	if (t.dup) {
		*reason_r = "record repeats a tag";
		return AA_PERMERROR;
	}
	np_bad = aa_bis_apply_tags(&t.bis, rec) < 0;
	if (np_bad && mode == AA_DMARC_RFC7489)
		np_bad = 0;	/* np= is RFC 9091's; RFC 7489 ignores what it cannot read */
	discard_bad_tags(&t);
	if ((p_ok = lib_tag_ok(domain, "p", &t.p)) < 0 || (sp_ok = lib_tag_ok(domain, "sp", &t.sp)) < 0)
		return AA_TEMPERROR;
	policy_ok = t.p.seen && p_ok && sp_ok;
	aa_str_init(&b, ctx->arena, REBUILT_LEN_MAX);
	rebuild(&b, &t, policy_ok);
	if ((rebuilt = aa_str_finish(&b, NULL)) == NULL)
		return AA_TEMPERROR;
	if (aa_str_over(&b))
		return AA_PERMERROR;
	st = lib_parse(domain, rebuilt, &o);
	if (st < 0)
		return AA_TEMPERROR;
	if (st != DMARC_PARSE_OKAY) {
		*reason_r = aa_arena_printf(ctx->arena, "record rejected by libopendmarc: %s",
					    opendmarc_policy_status_to_str(st));
		return AA_PERMERROR;
	}
	fill(rec, &o, policy_ok);
	if (!policy_ok || np_bad)
		return policy_fallback(&t, rec, mode, reason_r);
	return AA_PASS;
}

static struct memo_slot *memo_find(const char *domain, const char *txt, size_t len,
				   enum aa_dmarc_mode mode)
{
	for (size_t i = 0; i < MEMO_SLOTS; i++) {
		struct memo_slot *m = &memo[i];

		if (m->len != 0 && m->len == len && m->mode == mode && memcmp(m->text, txt, len) == 0 &&
		    strcmp(m->domain, domain) == 0)
			return m;
	}
	return NULL;
}

static void memo_keep(const char *domain, const char *txt, size_t len, enum aa_dmarc_mode mode,
		      const struct aa_dmarc_record *rec)
{
	size_t dlen = strlen(domain);
	struct memo_slot *m;

	if (len == 0 || len > MEMO_TEXT_MAX || dlen >= sizeof(m->domain))
		return;
	m = &memo[memo_next];
	memo_next = (memo_next + 1) % MEMO_SLOTS;
	m->len = 0;
	/* the stores stay in this order for a signal handler (Exim's
	 * timeout): free first, filled, then in use */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	m->mode = mode;
	memcpy(m->domain, domain, dlen + 1);
	memcpy(m->text, txt, len);
	m->rec = *rec;
	m->rec.domain = NULL;
	m->rec.raw = NULL;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	m->len = len;
}

enum aa_result aa_dmarc_record_parse(struct aa_ctx *ctx, const char *domain, const char *txt,
				     size_t len, enum aa_dmarc_mode mode,
				     struct aa_dmarc_record *rec, const char **reason_r)
{
	const struct memo_slot *m = domain != NULL && txt != NULL ? memo_find(domain, txt, len, mode) : NULL;
	enum aa_result rc;

	if (m != NULL) {
		*rec = m->rec;
		rec->domain = domain;
		rec->raw = aa_arena_strndup(ctx->arena, txt, len);
		*reason_r = NULL;
		return rec->raw != NULL ? AA_PASS : AA_TEMPERROR;
	}
	rc = parse(ctx, domain, txt, len, mode, rec, reason_r);
	if (rc == AA_PASS && domain != NULL && *reason_r == NULL)
		memo_keep(domain, txt, len, mode, rec);
	return rc;
}

char aa_dmarc_record_psd(const char *txt, size_t len)
{
	struct terms t;

	memset(&t, 0, sizeof(t));
	if (!aa_dmarc_is_record(txt, len) || len > RECORD_LEN_MAX)
		return 'u';
	scan(&t, txt, len, AA_DMARC_RFC9989);
	if (t.dup)
		return 'u';
	if (!t.bis.psd.seen || t.bis.psd.len != 1)
		return 'u';
	switch (t.bis.psd.v[0]) {
	case 'y': case 'Y':
		return 'y';
	case 'n': case 'N':
		return 'n';
	}
	return 'u';
}
