/* aa_outbound.h - the outbound settings: what each destination enforces
 * (profiles), the smarthosts mail may leave through (routes) and the policy
 * of each From domain (mode, order of steps, key, return path), read from
 * the admin's lsearch files and checked with file and line (core/outbound/).
 *
 * Data only: it predicts nothing and plans nothing (that is aa_plan.h),
 * and knows nothing of Exim.
 */
#ifndef AA_OUTBOUND_H
#define AA_OUTBOUND_H

#include <stddef.h>
#include "aa_ctx.h"
#include "aa_dkim.h"
#include "aa_dmarc.h"
#include "aa_names.h"
#include "aa_owner.h"
#include "aa_result.h"

/* ---- destination profiles (core/outbound/profile.c): data, not code ----
 * profiles file, one profile a key, first match in file order wins; the
 * profile named "default" (no rcpt= or mx=) is used when none matches:
 *   m365:    mx=*.mail.protection.outlook.com dmarc=policy status=5.7.509
 *   outlook: rcpt=outlook.com,hotmail.com,live.com,msn.com require=spf,dkim,dmarc
 *            dmarc=policy status=5.7.515
 *   gmail:   rcpt=gmail.com,googlemail.com mx=*.google.com,*.googlemail.com
 *            dmarc=policy always=gmail.com,googlemail.com status=5.7.26
 *   default: dmarc=policy status=5.7.1
 * A profile matches when the recipient domain is in rcpt= or any MX name
 * matches mx=. Options: rcpt=, mx=, require=spf,dkim,dmarc,auth,
 * dmarc=policy|strict|ignore (strict: p=quarantine refused too),
 * always=, status=. Reference: authalign-outbound(5).
 */
#define AA_PROFILE_DEFAULT "default"	/* the profile of every other destination */

struct aa_profile {
	const char *name;
	const char *const *rcpt_domains;	/* NULL-terminated; NULL: any */
	const char *const *mx_patterns;		/* "*.suffix" or exact; NULL: any */
	int require_spf;		/* SPF must pass (not only align), as Outlook.com bulk */
	int require_dkim;		/* a valid DKIM signature must pass */
	int require_dmarc;		/* DMARC must pass: a record, and an aligned pass */
	int require_auth;		/* SPF or a DKIM signature must pass (Gmail: every
					 * sender is authenticated by one of them) */
	int dmarc_policy;		/* a DMARC fail under p=reject is refused */
	int quarantine_refused;		/* ... and under p=quarantine too */
	const char *const *always;	/* From domains refused on DMARC fail whatever p= says */
	const char *status;		/* enhanced status of the refusal, "5.7.509" */
};

struct aa_profiles;
struct aa_table;

int aa_profiles_load(const char *path, struct aa_profiles **r, char *err, size_t errlen);
void aa_profiles_free(struct aa_profiles **p);
/* The built-in profiles alone (a file is optional). NULL when out of memory. */
struct aa_profiles *aa_profiles_builtin(void);
size_t aa_profiles_count(const struct aa_profiles *p);
int aa_profiles_is_current(const struct aa_profiles *p);
/* The profile for a recipient domain and its MX host names (mx may be
 * NULL/0: matched by recipient domain only). Never NULL once loaded: a
 * built-in RFC receiver ("default") when nothing matches. */
const struct aa_profile *aa_profile_match(const struct aa_profiles *p, const char *rcpt_domain,
					  const char *const *mx, size_t mx_count);

/* ---- routes (core/outbound/route.c) ----
 * smarthosts file, one smarthost a key:
 *   m365:  hosts=example-com.mail.protection.outlook.com port=25 transport=remote_smtp_m365
 *          egress=203.0.113.77 helo=relay.example.net resigns=*
 *   relay: hosts=relay1.example.net:relay2.example.net port=587 transport=remote_smtp_smarthost
 *          egress=198.51.100.25 resigns=example.com,example.org
 *   tenant: hosts=example-com.mail.protection.outlook.com egress=203.0.113.78
 *          dkim_domains=example.com,example.org dkim_selectors=selector1,selector2
 * hosts is an Exim host list (colon separated, no domain part, no port in
 * it: port= says that); a value that looks like a route list written with
 * the wrong separator ("* relay.example", "*:relay.example",
 * "relay.example:587") is refused with file and line.
 */
struct aa_route {
	const char *name;		/* "direct" or the smarthost's key */
	const char *egress_ip;		/* the address receivers see; never loopback */
	const char *egress_ip2;		/* the other address family's, when the
					 * transport may send from both; NULL none.
					 * SPF is predicted for each. */
	const char *helo;
	const char *hosts;		/* Exim host list; NULL for direct */
	unsigned port;			/* 25 unless given */
	const char *transport;		/* Exim transport name; NULL for direct */
	const char *const *resigns;	/* From domains the relay signs with d= the From
					 * domain itself; "*" any; NULL none */
	const char *const *dkim_domains; /* domains the relay holds keys for: each signs
					 * itself and its subdomains not listed (the
					 * nearest listed parent); NULL none */
	const char *const *dkim_selectors; /* the selectors it may sign with: each must be
					 * published for its d=; NULL: not checked */
};

struct aa_routes;

int aa_routes_load(const char *path, struct aa_routes **r, char *err, size_t errlen);
void aa_routes_free(struct aa_routes **r);
const struct aa_route *aa_route_find(const struct aa_routes *r, const char *name);
size_t aa_route_count(const struct aa_routes *r);
int aa_routes_is_current(const struct aa_routes *r);
const struct aa_route *aa_route_at(const struct aa_routes *r, size_t i);

/* The route_data of a manualroute router for this route: hosts with the
 * port appended Exim's way ("h1::587:h2::587"), in the arena. */
const char *aa_route_data(struct aa_ctx *ctx, const struct aa_route *r);

/* 0 when ip can be a route's egress: an IPv4 or IPv6 address, neither
 * loopback (127/8, ::1, ::ffff:127/104) nor unspecified; else -1, *why_r
 * says which. (libspf2 passes every loopback client, so a prediction
 * from one would be a lie.) */
int aa_route_check_egress(const char *ip, const char **why_r);
/* "ADDR" or "ADDR,ADDR" (a comma or white space between): the addresses
 * a transport may send from, at most one per address family, each one
 * aa_route_check_egress accepts. *first_r and *second_r (NULL when one
 * address) are malloc()ed; 0, or -1 with *why_r (nothing allocated). */
int aa_route_parse_egress(const char *text, char **first_r, char **second_r, const char **why_r);

/* 1 when the route's relay signs mail From domain with d= the domain
 * itself (resigns= has "*", the domain, or "*.parent" of it). */
int aa_route_resigns(const struct aa_route *r, const char *domain);

/* The d= the route's relay signs mail From domain from with: from itself
 * (resigns=, or listed in dkim_domains=), else the nearest parent listed in
 * dkim_domains=; NULL when it does not sign it. Whether that d= aligns is
 * DMARC's question (adkim=). */
const char *aa_route_signer(const struct aa_route *r, const char *from);

/* ---- outbound policy per From domain (core/outbound/domains.c) ----
 * outbound domains file (lsearch, keys as in the inbound table):
 *   example.com: mode=route order=direct,sign,rewrite,smarthost
 *                dkim=s1:/etc/exim4/dkim/example.com.pem return_path=bounces@example.com
 *   legacy.example: mode=enforce pin=relay
 *   *:           mode=monitor
 */
enum aa_out_mode {
	AA_OUT_OFF = 0,
	AA_OUT_MONITOR,		/* predict and log only */
	AA_OUT_ROUTE,		/* apply the plan */
	AA_OUT_ENFORCE,		/* apply it, and refuse at submission when nothing passes */
};

enum aa_step {
	AA_STEP_DIRECT = 0,
	AA_STEP_SIGN,		/* direct, signed by our transport with an aligned d= */
	AA_STEP_REWRITE,	/* direct, envelope sender rewritten to return_path */
	AA_STEP_SMARTHOST,	/* the first smarthost whose route passes */
	AA_STEP_REFUSE,
};

#define AA_STEPS_MAX 8

struct aa_out_policy {
	enum aa_out_mode mode;
	enum aa_step order[AA_STEPS_MAX];
	const char *order_route[AA_STEPS_MAX];	/* SMARTHOST: "smarthost:NAME", else NULL (any) */
	size_t order_len;
	const char *pin;		/* route name every message of the domain takes;
					 * "direct" pins to direct delivery */
	const char *dkim_selector;	/* key for an aligned d= */
	const char *dkim_key_file;
	const char *dkim_domain;	/* the d=: the key's domain ("example.com" for
					 * both example.com and *.example.com), the From
					 * domain for "*"; NULL without dkim= */
	const char *return_path;	/* aligned, SPF-authorised envelope sender */
	const char *matched_key;	/* the table key that applied, or NULL */
};

struct aa_outbound {
	struct aa_profiles *profiles;
	struct aa_routes *routes;
	struct aa_route direct;		/* egress and HELO of this host */
	struct aa_table *table;		/* the outbound domains table (aa_table.h), or NULL */
	enum aa_out_mode mode;		/* for domains the table does not name */
	enum aa_dmarc_mode dmarc_mode;	/* how receivers are assumed to evaluate */
	struct aa_owners *owners;	/* outbound_owners_file, or NULL (aa_owner.h) */
	struct aa_hostnets *trusted_hosts; /* outbound_trusted_hosts, or NULL */
};

/* Load the outbound settings named in authalign.conf (core/config/config.c calls
 * this for the outbound_* options), checking that every pinned or ordered
 * smarthost exists. Any file may be NULL: built-in profiles, no routes, no
 * table. ob->direct, ob->mode, ob->dmarc_mode, ob->owners and
 * ob->trusted_hosts are the caller's and are left alone (aa_outbound_free
 * frees the last two); on error nothing else stays allocated. */
int aa_outbound_load(struct aa_outbound *ob, const char *profiles_file, const char *routes_file,
		     const char *domains_file, char *err, size_t errlen);
void aa_outbound_free(struct aa_outbound *ob);
/* 1 when no file of ob (profiles, routes, domains table, owners) changed
 * since it was read. */
int aa_outbound_is_current(const struct aa_outbound *ob);
void aa_outbound_policy(const struct aa_outbound *ob, const char *from_domain,
			struct aa_out_policy *out);
size_t aa_outbound_domain_count(const struct aa_outbound *ob);
/* Entry i of the outbound domains table as the policy it gives (its key
 * in matched_key; for the key "*" no dkim_domain, which is the From
 * domain's). 0 past the end. */
int aa_outbound_entry_at(const struct aa_outbound *ob, size_t i, struct aa_out_policy *out);

/* "direct", "sign", "rewrite", "smarthost", "refuse": logs, the tool,
 * $local_scan_data's plan (plandata.c) and the outbound table's order= */
extern const struct aa_names aa_step_names;
const char *aa_step_name(enum aa_step s);
/* "off", "monitor", "route", "enforce": outbound_mode and mode= of the
 * outbound domains table */
extern const struct aa_names aa_out_mode_names;
const char *aa_out_mode_name(enum aa_out_mode m);
/* -1 when v is none of the names. */
int aa_out_mode_parse(const char *v, enum aa_out_mode *m);

#endif
