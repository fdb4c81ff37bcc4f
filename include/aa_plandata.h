/* aa_plandata.h - the plan of one message, carried from local_scan() to routing.
 *
 * local_scan() returns it as its accept text, which Exim keeps with the
 * message as $local_scan_data (at most 1000 characters, no newlines); the
 * router and transport lookups read it back instead of judging again.
 *
 *   aa1 t=1795000000 dkim=a.example,b.example rfc.example=smarthost:relay gmail.com=sign:a.example *=direct
 *
 * t= is when it was made (a queued message older than the caller's limit
 * is planned again); dkim= lists the d= of the signatures that verified at
 * submission; then one entry per recipient domain: a step and its argument
 * (smarthost: the route name; sign: the d= domain; rewrite: the envelope
 * sender). "*" is for any other domain. Every name in it is plain LDH, so
 * nothing in it needs quoting; anything else makes decoding fail.
 */
#ifndef AA_PLANDATA_H
#define AA_PLANDATA_H

#include <stddef.h>
#include <time.h>
#include "aa_ctx.h"
#include "aa_outbound.h"

#define AA_PLANDATA_MAX 1000		/* Exim's limit for local_scan_data */
#define AA_PLANDATA_DOMAINS_MAX 32
#define AA_PLANDATA_DKIM_MAX 8

struct aa_plandata_entry {
	const char *domain;		/* recipient domain, or "*" */
	enum aa_step step;
	const char *arg;		/* route name, d= domain, or address; NULL */
};

struct aa_plandata {
	time_t made;
	const char *dkim[AA_PLANDATA_DKIM_MAX];
	size_t dkim_count;
	struct aa_plandata_entry entry[AA_PLANDATA_DOMAINS_MAX];
	size_t count;
};

/* Encode into the arena; entries that do not fit in AA_PLANDATA_MAX are
 * left out (the router then plans those domains itself). NULL on no memory. */
const char *aa_plandata_encode(struct aa_ctx *ctx, const struct aa_plandata *pd);

/* Decode; -1 when text is not ours or is malformed (then plan again). */
int aa_plandata_decode(struct aa_ctx *ctx, const char *text, struct aa_plandata *pd);

/* The entry for a recipient domain (exact, else "*"), or NULL. */
const struct aa_plandata_entry *aa_plandata_find(const struct aa_plandata *pd, const char *domain);

/* What a router or transport lookup reads: the entry for domain in text
 * ($local_scan_data) when text is ours and was made less than ttl seconds
 * before now; else NULL (plan again). *pd_r (may be NULL) gets the decoded
 * plan whenever text is ours, even when too old, or NULL. The entry and
 * the plan live in the ctx arena: valid until the message ends. */
const struct aa_plandata_entry *aa_plandata_lookup(struct aa_ctx *ctx, const char *text,
						   const char *domain, time_t now, unsigned ttl,
						   const struct aa_plandata **pd_r);

#endif
