/* dmarc_int.h - what the files of core/dmarc share with each other only.
 *
 * They are in layers, and a file calls only files of the layers below it:
 * dmarc_eval.c (the verdict), dmarc.c (policy discovery, alignment),
 * orgdomain.c (the Organizational Domain), dmarc_record.c (one record),
 * then dmarc_bis.c (what libopendmarc lacks, the policy words) and psl.c
 * (the Public Suffix List). Nothing here is exported from the plugin
 * (-fvisibility=hidden); the public interface is include/aa_dmarc.h.
 */
#ifndef AA_DMARC_INT_H
#define AA_DMARC_INT_H

#include <stddef.h>
#include "aa_dmarc.h"
#include "aa_domain.h"

/* ---- the Public Suffix List (core/dmarc/psl.c) ---- */

/* The registrable domain of a normalized name through libpsl: AA_PASS
 * with *org_r, AA_NONE when the name is itself a public suffix (*org_r =
 * the name), AA_TEMPERROR when the list cannot be loaded. */
enum aa_result aa_psl_registrable(struct aa_ctx *ctx, const char *domain, const char **org_r);

/* ---- the RFC 9989 DNS tree walk (core/dmarc/orgdomain.c) ---- */

#define AA_WALK_MAX 8		/* RFC 9989 "DNS Tree Walk": at most eight queries */

struct aa_walk_step {
	const char *name;	/* the name asked (without "_dmarc.") */
	const char *txt;	/* the one DMARC record there, or NULL */
	size_t txt_len;
	char psd;		/* 'y', 'n' or 'u' (also when txt is NULL) */
};

struct aa_walk {
	const char *start;
	size_t n;
	struct aa_walk_step step[AA_WALK_MAX];
};

/* Walk from domain (asked first) towards the root. AA_PASS when the walk
 * finished (records or not), AA_TEMPERROR when a query failed. */
enum aa_result aa_dmarc_walk(struct aa_ctx *ctx, const char *domain, struct aa_walk *w,
			     const char **reason_r);

/* RFC 9989 "Identifier Alignment Evaluation": selection of the Organizational Domain from a walk. */
const char *aa_walk_org_domain(struct aa_ctx *ctx, const struct aa_walk *w);

/* The DMARC record at _dmarc.<name>: AA_PASS with *txt_r (exactly one
 * record starts with v=DMARC1), AA_NONE (none, or several: RFC 9989 "DNS Tree Walk"
 * discards them all), AA_TEMPERROR. */
enum aa_result aa_dmarc_fetch_txt(struct aa_ctx *ctx, const char *name,
				  const char **txt_r, size_t *len_r);

/* ---- records (core/dmarc/dmarc_record.c, core/dmarc/dmarc_bis.c) ---- */

/* 1 when the text starts with the version tag v=DMARC1 (RFC 9989 "DMARC Policy Record Format"). */
int aa_dmarc_is_record(const char *txt, size_t len);

/* Parse a record. AA_PASS: usable (*rec filled, p set). AA_NONE: no
 * DMARC processing (RFC 9989 "DMARC Policy Discovery": p, sp or np invalid or absent and no
 * valid rua). AA_PERMERROR: broken (bad bytes, too long, duplicate tag);
 * a bad adkim, aspf or pct is discarded and its default applies (RFC 9989
 * "DMARC Policy Record Format"). AA_TEMPERROR: no memory. */
enum aa_result aa_dmarc_record_parse(struct aa_ctx *ctx, const char *domain, const char *txt,
				     size_t len, enum aa_dmarc_mode mode,
				     struct aa_dmarc_record *rec, const char **reason_r);

/* Tests: how many times libopendmarc's parser ran in this process (a
 * usable record met again at the same domain, in the same mode, is not
 * parsed again). */
unsigned long aa_dmarc_record_lib_parses(void);

/* Just the psd= flag of a record, 'u' when absent or invalid. */
char aa_dmarc_record_psd(const char *txt, size_t len);

/* ---- RFC 9989 extensions to libopendmarc (core/dmarc/dmarc_bis.c) ---- */

/* A tag value as the record scanner found it. */
struct aa_tag {
	const char *v;
	size_t len;
	int seen;
};

struct aa_bis_tags {
	struct aa_tag np, psd, t;
};

/* Read np=, psd=, t= into rec. Returns 0, or -1 when np= is present but
 * invalid (the caller applies the rua rule of RFC 9989 "DMARC Policy Discovery"). */
int aa_bis_apply_tags(const struct aa_bis_tags *tags, struct aa_dmarc_record *rec);

/* 1 when mode ignores this tag (RFC 9989 removed pct= and rf=). */
int aa_bis_tag_ignored(const char *tag, size_t len, enum aa_dmarc_mode mode);

/* The policy for from_domain: p at the Organizational Domain itself, sp
 * for an existing subdomain, np for a non-existent one (exists: 1, 0). */
enum aa_dmarc_policy aa_bis_effective(const struct aa_dmarc_record *rec, int is_org, int exists);

/* 1 when np would change the answer, so existence must be asked. */
int aa_bis_needs_existence(const struct aa_dmarc_record *rec);

/* What to apply on fail: t=y (RFC 9989) and pct<100 (RFC 7489) lower the
 * policy one step (reject -> quarantine -> none). */
enum aa_dmarc_policy aa_bis_disposition(const struct aa_dmarc_record *rec,
					enum aa_dmarc_policy effective, enum aa_dmarc_mode mode);

/* Does the From domain exist (RFC 9989 "Non-existent Domains": NXDOMAIN means no)?
 * 1 yes, 0 no, -1 temporary error. */
int aa_bis_domain_exists(struct aa_ctx *ctx, const char *domain);

#endif
