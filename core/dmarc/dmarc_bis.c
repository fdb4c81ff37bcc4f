/* dmarc_bis.c - what libopendmarc 1.4.2 lacks or gets wrong for RFC 9989.
 *
 * The one place where we extend the library. 1.4.2 parses p, sp, adkim,
 * aspf, pct, rf, ri, fo, rua and ruf; it ignores unknown tags, so np=,
 * psd= and t= pass through it unread (they are read here). It also always
 * applies pct=, which RFC 9989 removed: under RFC 9989 pct= and rf= are
 * not given to the library at all (unknown tags are ignored, RFC 9989
 * "DMARC Policy Record Format"). Here too: which of p, sp and np applies, the t=y step down, and
 * whether the author domain exists (np=); and the policy words themselves
 * (aa_dmarc_policy_name), here because np= reads them and this file is
 * the lowest of core/dmarc: it calls no other file of it.
 */
#include <string.h>
#include <strings.h>
#include "dmarc_int.h"

/* ---- the policy words ---- */

/* "unspecified" is written, never read: a record's np= (below) takes
 * only the three words after it. */
static const struct aa_name policy_words[] = {
	{ "unspecified", AA_POLICY_UNSPEC }, { "none", AA_POLICY_NONE },
	{ "quarantine", AA_POLICY_QUARANTINE }, { "reject", AA_POLICY_REJECT },
};
static const struct aa_names policy_names = {
	policy_words, sizeof(policy_words) / sizeof(policy_words[0]),
};
/* the words a record may give (the table less its first row) */
static const struct aa_names record_policy_names = {
	policy_words + 1, sizeof(policy_words) / sizeof(policy_words[0]) - 1,
};

const char *aa_dmarc_policy_name(enum aa_dmarc_policy p)
{
	return aa_names_name(&policy_names, (int)p, "unspecified");
}

/* ---- the tags libopendmarc does not read ---- */

/* none / quarantine / reject, whole words (the library's own p= parsing
 * takes any prefix, as "p=r"; np= is new, so it gets the strict form). */
static enum aa_dmarc_policy policy_word(const struct aa_tag *t)
{
	int value;

	if (aa_names_parse_n(&record_policy_names, t->v, t->len, AA_NAMES_ICASE, &value) < 0)
		return AA_POLICY_UNSPEC;
	return (enum aa_dmarc_policy)value;
}

/* A one-letter flag out of allowed, or def (RFC 9989 "DMARC Policy Record
 * Format": syntax errors give the default). */
static char flag(const struct aa_tag *t, const char *allowed, char def)
{
	char c;

	if (!t->seen || t->len != 1)
		return def;
	c = t->v[0];
	if (c >= 'A' && c <= 'Z')
		c = (char)(c - 'A' + 'a');
	for (const char *a = allowed; *a != '\0'; a++)
		if (*a == c)
			return c;
	return def;
}

int aa_bis_apply_tags(const struct aa_bis_tags *tags, struct aa_dmarc_record *rec)
{
	rec->psd = flag(&tags->psd, "ynu", 'u');
	rec->testing = flag(&tags->t, "yn", 'n') == 'y';
	rec->np = AA_POLICY_UNSPEC;
	if (!tags->np.seen)
		return 0;
	rec->np = policy_word(&tags->np);
	return rec->np == AA_POLICY_UNSPEC ? -1 : 0;
}

int aa_bis_tag_ignored(const char *tag, size_t len, enum aa_dmarc_mode mode)
{
	if (mode != AA_DMARC_RFC9989)
		return 0;
	return (len == 3 && strncasecmp(tag, "pct", 3) == 0) ||
	       (len == 2 && strncasecmp(tag, "rf", 2) == 0);
}

enum aa_dmarc_policy aa_bis_effective(const struct aa_dmarc_record *rec, int is_org, int exists)
{
	if (is_org)
		return rec->p;
	if (!exists && rec->np != AA_POLICY_UNSPEC)
		return rec->np;
	return rec->sp != AA_POLICY_UNSPEC ? rec->sp : rec->p;
}

int aa_bis_needs_existence(const struct aa_dmarc_record *rec)
{
	return aa_bis_effective(rec, 0, 0) != aa_bis_effective(rec, 0, 1);
}

static enum aa_dmarc_policy step_down(enum aa_dmarc_policy p)
{
	if (p == AA_POLICY_REJECT)
		return AA_POLICY_QUARANTINE;
	if (p == AA_POLICY_QUARANTINE)
		return AA_POLICY_NONE;
	return p;
}

enum aa_dmarc_policy aa_bis_disposition(const struct aa_dmarc_record *rec,
					enum aa_dmarc_policy effective, enum aa_dmarc_mode mode)
{
	if (mode == AA_DMARC_RFC9989)
		return rec->testing ? step_down(effective) : effective;
	/* RFC 7489 6.6.4 samples pct% of failures for the policy and gives
	 * the rest the next weaker one. We do not draw lots: a record that
	 * asks for less than all of them never gets its full policy. */
	return rec->pct < 100 ? step_down(effective) : effective;
}

int aa_bis_domain_exists(struct aa_ctx *ctx, const char *domain)
{
	static const enum aa_dns_type types[] = { AA_DNS_A, AA_DNS_AAAA, AA_DNS_MX };
	int temp = 0;

	/* NXDOMAIN is about the name, whatever the type (RFC 8020); the
	 * other types only matter when one fails temporarily. */
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		enum aa_dns_status s = aa_dns_lookup(ctx->dns, domain, types[i])->status;

		if (s == AA_DNS_NXDOMAIN)
			return 0;
		if (s == AA_DNS_OK || s == AA_DNS_NODATA || s == AA_DNS_BADNAME)
			return 1;	/* a name never asked cannot be shown absent */
		temp = 1;
	}
	return temp ? -1 : 1;
}
