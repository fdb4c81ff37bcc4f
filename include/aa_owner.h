/* aa_owner.h - who may use a domain's outbound powers: the submitter must own the From domain.
 *
 * The outbound domains table gives a From domain powers: a DKIM key, a
 * return path for rewrites, a pinned route. The From header is written by
 * the sender, so a power applies only when the message's submitter owns
 * the domain. A submitter is what Exim knows of who handed the message in:
 * the SMTP AUTH id ($authenticated_id), the login of a local command-line
 * submission (from $originator_uid), and the client address.
 *
 * A submitter owns a domain when (authalign-outbound(5), "Ownership"):
 *   - its AUTH id is local@domain with a single '@' (the built-in rule), or
 *   - the owners file (outbound_owners_file, Exim lsearch, cPanel's
 *     /etc/userdomains as it is: "domain: user") names its AUTH id or its
 *     login for that exact domain; a "*.domain" key grants the subdomains
 *     of domain (not domain itself); the key "*" grants nothing (cPanel
 *     writes "*: nobody"), or
 *   - its client address is in outbound_trusted_hosts (mail from those
 *     hosts is trusted for every domain).
 * Domains match exactly, case-insensitively, as plain LDH names: a
 * trailing dot, a non-ASCII byte or an empty label owns nothing, and
 * owning b.example owns neither evilb.example nor x.b.example.
 *
 * Module core/owner/: it answers "may this submitter use this domain";
 * it knows nothing of what the powers do (outbound), nor of Exim (the
 * adapter fills in the submitter).
 */
#ifndef AA_OWNER_H
#define AA_OWNER_H

#include <stddef.h>

struct aa_ctx;

struct aa_submitter {
	const char *auth_id;	/* $authenticated_id, or NULL/"" */
	const char *login;	/* local submission: the originator's login, or NULL */
	unsigned long uid;	/* local submission: the originator's uid */
	int local;		/* submitted on the command line (no client address) */
	const char *host;	/* the client's address, or NULL */
	int owns_all;		/* the caller vouches (authalign predict): every domain */
};

struct aa_owners;	/* the owners file, read once */
struct aa_hostnets;	/* outbound_trusted_hosts */

int aa_owners_load(const char *path, struct aa_owners **r, char *err, size_t errlen);
void aa_owners_free(struct aa_owners **o);
size_t aa_owners_count(const struct aa_owners *o);
/* 1 when o is NULL or its file is unchanged since it was read. */
int aa_owners_is_current(const struct aa_owners *o);

/* A list of IPv4/IPv6 addresses and CIDR networks separated by white
 * space or commas. Returns 0, or -1 with *why_r set. */
int aa_hostnets_parse(const char *v, struct aa_hostnets **r, const char **why_r);
void aa_hostnets_free(struct aa_hostnets **h);
size_t aa_hostnets_count(const struct aa_hostnets *h);
/* 1 when ip (text) is in the list, else 0 (also for a malformed ip). */
int aa_hostnets_match(const struct aa_hostnets *h, const char *ip);

/* 1 when s owns every domain (the caller vouches, or a trusted host),
 * with *why_r naming the rule; else 0. */
int aa_owner_of_all(const struct aa_hostnets *trusted, const struct aa_submitter *s, const char **why_r);

/* 1 when s owns domain, 0 when not. *why_r says which rule granted it, or
 * that none did (plain text, not escaped). */
int aa_owner_check(const struct aa_owners *o, const struct aa_hostnets *trusted,
		   const struct aa_submitter *s, const char *domain, const char **why_r);

/* "authenticated as X", "local user X (uid N)", "host A", escaped, in the
 * arena: for log lines and SMTP texts. NULL when out of memory. */
const char *aa_submitter_text(struct aa_ctx *ctx, const struct aa_submitter *s);

#endif
