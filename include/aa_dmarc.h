/* aa_dmarc.h - DMARC: the organizational domain, policy discovery,
 * alignment and the verdict for one message.
 *
 * What it does: finds the policy for the From domain, aligns it with
 * the SPF and DKIM results and gives the verdict (core/dmarc/; how the
 * files divide the work is in core/dmarc/dmarc_int.h). RFC 9989 (DNS
 * tree walk, np=, psd=, t=, no pct) is the default; RFC 7489 with the
 * Public Suffix List is the other mode. Both are computed on every
 * evaluation and a disagreement is reported. libopendmarc parses
 * records; the organizational domain and alignment are ours
 * (libopendmarc falls back to org-domain comparison under adkim=s), and
 * the From address comes parsed from aa_from.h (libopendmarc mis-parses
 * quoted display names).
 *
 * What it must not know: how SPF and DKIM reached their results (it
 * reads only their result structs), how the verdict is written or acted
 * on (authres, judge, the per-domain settings of config), outbound
 * planning, and Exim. It asks DNS only through the ctx's aa_dns.
 */
#ifndef AA_DMARC_H
#define AA_DMARC_H

#include "aa_names.h"
#include <stddef.h>
#include "aa_ctx.h"
#include "aa_dkim.h"
#include "aa_from.h"
#include "aa_result.h"
#include "aa_spf.h"

/* ---- organizational domain (core/dmarc/orgdomain.c) ---- */

enum aa_dmarc_mode {
	AA_DMARC_RFC9989 = 0,		/* default: DNS tree walk */
	AA_DMARC_RFC7489,		/* Public Suffix List */
};

/* "rfc9989", "rfc7489": the dmarc_mode setting, the tool, the dlfunc */
extern const struct aa_names aa_dmarc_mode_names;

/* The organizational domain of domain. RFC 7489: from the PSL (no DNS).
 * RFC 9989: the tree walk (may ask DNS; a temporary error gives
 * AA_TEMPERROR). Returns AA_PASS with *org_r set, AA_TEMPERROR, or
 * AA_PERMERROR for a name that is not a domain. RFC 7489 mode also
 * returns AA_NONE, with *org_r = the name itself, for a public suffix
 * (it has no registrable domain). *org_r is in the arena. */
enum aa_result aa_org_domain(struct aa_ctx *ctx, const char *domain,
			     enum aa_dmarc_mode mode, const char **org_r);

/* ---- records and evaluation (core/dmarc/dmarc.c) ---- */

enum aa_dmarc_policy {
	AA_POLICY_UNSPEC = 0,
	AA_POLICY_NONE,
	AA_POLICY_QUARANTINE,
	AA_POLICY_REJECT,
};

struct aa_dmarc_record {
	const char *domain;		/* where the record was found */
	const char *raw;		/* the record text (not escaped) */
	enum aa_dmarc_policy p, sp, np;	/* UNSPEC when absent */
	int adkim_strict, aspf_strict;
	int pct;			/* 100 when absent; ignored by RFC 9989 */
	int testing;			/* t=y */
	char psd;			/* 'y', 'n' or 'u' */
};

/* Outcome of looking a policy up for a From domain: pass = found,
 * none = no record, temperror, permerror = malformed record. */
struct aa_dmarc_lookup {
	enum aa_result status;
	const char *from_domain;
	const char *org_domain;		/* NULL when not needed: RFC 9989 mode and a record
					   at the author domain (no tree walk) */
	struct aa_dmarc_record record;	/* valid when status == AA_PASS */
	enum aa_dmarc_policy effective;	/* p, sp or np as it applies to from_domain */
	const char *reason;
	int local_error;		/* temperror from no memory, not from DNS */
};

/* Returns 0, or -1 when out of memory (status TEMPERROR, local_error). */
int aa_dmarc_lookup(struct aa_ctx *ctx, const char *from_domain,
		    enum aa_dmarc_mode mode, struct aa_dmarc_lookup *r);

struct aa_dmarc_input {
	const struct aa_from *from;
	const struct aa_spf_result *spf;	/* the one that counts (mailfrom or helo) */
	const struct aa_dkim_result *dkim;
	enum aa_dmarc_mode mode;
	/* 0 (Exim): once an aligned DKIM pass has decided, SPF's alignment
	 * is not worked out when that would take DNS questions (RFC 9989
	 * mode, SPF domain not the From domain), and spf_aligned stays 0.
	 * 1 (the tool): every flag is worked out. */
	int every_alignment;
};

struct aa_dmarc_result {
	enum aa_result result;		/* pass fail none temperror permerror */
	enum aa_dmarc_policy policy;	/* what to apply on fail, after t=y; NONE on pass */
	enum aa_dmarc_policy published;	/* p= of the record that applied */
	const char *from_domain;
	const char *policy_domain;	/* where the record was found */
	const char *org_domain;		/* NULL when not needed (aa_dmarc_lookup) */
	int spf_aligned, dkim_aligned;	/* spf_aligned: see every_alignment */
	const char *dkim_domain;	/* the aligned d= that passed, or NULL */
	const char *reason;		/* short, human, not yet escaped */
	/* the other mode's answer, for the differential log */
	enum aa_result other_result;
	enum aa_dmarc_policy other_policy;
	int modes_disagree;
	enum aa_dmarc_policy applied;	/* p, sp or np for from_domain, before t=y/pct */
	int local_error;		/* temperror from no memory, not from DNS */
	int from_unreadable;		/* permerror because of the From field(s) */
	/* For an unreadable From: the domains it shows, each judged alone,
	 * where a passing one counts for nothing: FAIL with the strictest
	 * policy of a failing one (domain: that one), TEMPERROR when one is
	 * undecided and none fails under reject, else NONE. What
	 * from_unreadable = monitor still enforces, so that a second From or
	 * a broken one cannot hide a failing p=reject domain. */
	struct {
		enum aa_result result;
		enum aa_dmarc_policy policy;
		const char *domain;
		const char *reason;
	} shown;
};

/* The verdict for one message, in in->mode and (other_*) in the other.
 *
 * OK: the one author domain is judged. An unreadable From (NONE,
 * MULTIPLE_HEADERS, MALFORMED, BAD_DOMAIN, TOO_MANY): permerror with
 * from_unreadable set, never pass or none; shown says what its domains
 * would give. NOMEM: temperror with local_error.
 *
 * Several distinct From domains in one field (MULTIPLE_ADDRESSES) NEVER
 * pass: RFC 9989 "Extract Author Domain" lets a receiver judge each, and
 * "Denial of DMARC Processing Attacks" warns against picking one. Each
 * is judged alone, both modes alike, and the strictest outcome is kept:
 *   1. a domain with a record (passing or failing) whose policy for
 *      failing mail is reject: fail, reject. It stands even when another
 *      domain's lookup failed temporarily;
 *   2. else a domain left undecided by a temporary failure: temperror
 *      (it might have been reject; a temp failure never becomes one);
 *   3. else fail, with the strictest policy (p, sp or np after t=y/pct)
 *      any domain with a record publishes for itself, whether that
 *      domain's own checks passed or failed: several authors never pass,
 *      so better-authenticated mail is never treated more leniently;
 *   4. else permerror if a record is broken, else none (no domain has a
 *      record: there is no policy to apply).
 * from_domain names the domain whose verdict was applied (policy_domain,
 * org_domain, applied, published and the alignment flags are that
 * domain's); the reason starts with the number of From domains. */
int aa_dmarc_evaluate(struct aa_ctx *ctx, const struct aa_dmarc_input *in,
		      struct aa_dmarc_result *r);

/* "none", "quarantine", "reject", "unspecified" (core/dmarc/dmarc_bis.c) */
const char *aa_dmarc_policy_name(enum aa_dmarc_policy p);

/* Alignment (RFC 9989 4.4): relaxed compares organizational domains,
 * strict needs equality. Returns 1 aligned, 0 not, -1 temperror. */
int aa_dmarc_aligned(struct aa_ctx *ctx, const char *from_domain, const char *auth_domain,
		     int strict, enum aa_dmarc_mode mode);

#endif
