/* spf_int.h - what the files of core/spf share with each other only.
 *
 * The per-evaluation state that the libspf2 DNS layer (spf.c) reaches
 * through its hook pointer, and the guard functions that close libspf2's
 * gaps, each in the file of its job: the client address (loopback,
 * IPv4-mapped IPv6), the check_host domain and name shortening (RFC 7208
 * 7.3) in spf_client.c; the record syntax (RFC 7208 ABNF) and its rewrite
 * in spf_record.c; the lookup limits (RFC 7208 4.6.4) in spf_limits.c;
 * macros and explanation text (RFC 7208 6.2, 7) in spf_macro.c.
 * spf.c calls all four; spf_record.c calls spf_client.c and spf_macro.c;
 * no other calls run between them.
 */
#ifndef AA_SPF_INT_H
#define AA_SPF_INT_H

#include <netinet/in.h>
#include <stddef.h>
#include "aa_ctx.h"
#include "aa_dns.h"
#include "aa_dns_name.h"

#define AA_SPF_MAX_TERMS 10	/* RFC 7208 4.6.4: DNS-querying terms */
#define AA_SPF_MAX_VOID 2	/* RFC 7208 4.6.4: void lookups */
#define AA_SPF_MAX_MX 10	/* RFC 7208 4.6.4: more MX names is permerror */
#define AA_SPF_MAX_PTR 10	/* RFC 7208 4.6.4: only the first 10 PTR names */
#define AA_SPF_EXP_KEEP 8	/* explanation texts remembered per evaluation */

struct aa_spf_client {
	int family;			/* AF_INET (also for ::ffff:a.b.c.d) or AF_INET6 */
	struct in_addr v4;
	struct in6_addr v6;
	int loopback;			/* 127.0.0.0/8, ::1, ::ffff:127.x */
	char text[64];			/* canonical text form */
};

/* What one check_host() evaluation has done so far. Reached from the
 * libspf2 DNS layer through its hook pointer; lives in ctx->arena. */
struct aa_spf_eval {
	struct aa_ctx *ctx;
	struct aa_spf_client client;
	const char *sender;		/* local@domain, never empty */
	const char *helo;
	const char *receiver;		/* for %{r}; "unknown" when not set */
	const char *cur_dom;		/* set by the caller at each record: %{d} */
	unsigned records;		/* SPF records fetched; the first is the top */
	unsigned terms;			/* DNS-querying terms evaluated */
	unsigned voids;			/* lookups that gave NXDOMAIN or NODATA */
	const char *limit;		/* a limit was exceeded: result is permerror */
	int dns_temp;			/* some lookup failed temporarily */
	/* names whose A/AAAA lookups belong to the MX or PTR term just asked */
	const char *follow[AA_SPF_MAX_MX];
	unsigned follow_n, follow_next;
	const char *exp_texts[AA_SPF_EXP_KEEP];
	unsigned exp_n;
	/* libspf2 cannot express a /0 prefix on a or mx. The record rewrite
	 * puts this label, random per evaluation so that no record or macro
	 * can forge it, in front of such a term's domain; the DNS layer strips
	 * it and answers with the client's own address when the name has any
	 * address of the client's family (what /0 matches). Empty when there
	 * is no random source: then a /0 term is a temperror. */
	char any_label[24];
};

/* ---- the inputs of check_host() (spf_client.c) ---- */

/* Parse ip (v4 or v6 text). An IPv4-mapped IPv6 address becomes IPv4.
 * Returns 0, or -1 when ip is not an address. */
int aa_spf_client_check(const char *ip, struct aa_spf_client *c);

/* 1 when d can be the <domain> of check_host(): a fully qualified name of
 * letters, digits, '-' and '_', labels of 1..63 octets, at most 253, a top
 * label that is not all digits (RFC 7208 4.3). 0 otherwise ("none"). */
int aa_spf_client_domain(const char *d);

/* 1 when s (n bytes) is an RFC 7208 toplabel: alphanumerics and '-', not
 * starting or ending with '-', and not all digits. */
int aa_spf_client_toplabel(const char *s, size_t n);

/* Shorten an expanded name to at most 253 octets by dropping labels from
 * the left (RFC 7208 7.3). Returns name itself or a suffix of it. */
const char *aa_spf_client_shorten(const char *name);

/* ---- records (spf_record.c) ---- */

/* Check one SPF record (len bytes, NUL bytes allowed) against the RFC 7208
 * ABNF, and rewrite it into a form libspf2 evaluates as RFC 7208 says:
 * redirect= last (and gone when there is an "all"), unknown modifiers
 * dropped, /0 prefixes made matchable (see any_label). family is the
 * client's. Returns 0 with *norm_r (in the arena) and *mechs_r, the number
 * of mechanisms libspf2 must compile from it (redirect= counts); -1 with
 * *why_r (static text): the record is a permerror; -2 with *why_r: it
 * cannot be evaluated now, a temperror (out of memory, or a /0 term and
 * any_label empty). */
int aa_spf_record_check(struct aa_arena *arena, const char *txt, size_t len, int family,
			const char *any_label, char **norm_r, unsigned *mechs_r,
			const char **why_r);

/* ---- lookup limits (spf_limits.c) ---- */

/* Account one DNS-querying term (a, mx, ptr, exists, include, redirect)
 * before its first lookup. Returns 0, or -1 when the limit is now
 * exceeded (e->limit is set; evaluation must stop). */
int aa_spf_limits_term(struct aa_spf_eval *e);
/* Account the answer: void lookups, MX count, temp errors, and names to
 * follow. Returns 0 or -1 as above. */
int aa_spf_limits_answer(struct aa_spf_eval *e, enum aa_dns_type type,
			const struct aa_dns_answer *a);
/* 1 when an A/AAAA lookup of name is part of the MX or PTR term just
 * answered (then it is not a new term); consumes it. */
int aa_spf_limits_is_follow(struct aa_spf_eval *e, const char *name);
void aa_spf_limits_follow_reset(struct aa_spf_eval *e);

/* ---- macros (spf_macro.c) ---- */

/* 1 when s (n bytes) is an RFC 7208 macro-string; exp_only also allows
 * the c, r and t macros (RFC 7208 7.2). *ends_macro_r (if not NULL):
 * whether it ends in a macro-expand; *cost_r (if not NULL): about how
 * many bytes libspf2 compiles it into. */
int aa_spf_macro_string(const char *s, size_t n, int exp_only, int *ends_macro_r,
			       size_t *cost_r);

/* Expand an explanation TXT (RFC 7208 6.2, 7): returns 0 with the text in
 * the arena, or -1 when it is not valid (then no explanation is used). */
int aa_spf_macro_explain(struct aa_spf_eval *e, const char *txt, size_t len, char **out_r);

#endif
