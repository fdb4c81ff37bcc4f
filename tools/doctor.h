/* doctor.h - what the parts of `authalign doctor` share: the
 * findings, the host as read (its egress addresses and HELO names), and
 * the hosted domains. One file a concern:
 *   doctor.c              the command: what is read, in which order, the report
 *   doctor_findings.c     a finding added, a line formatted
 *   doctor_setup_files.c  Debian's update-exim4.conf.conf, cPanel's localopts
 *   doctor_exim.c         Exim's smtp transports and routing (exim -bP, -bt)
 *   doctor_egress.c       per egress address: PTR, FCrDNS, the HELO name
 *   doctor_hosted.c       which domains this host sends for
 *   doctor_spf.c          one domain's SPF record: count, lookups, void lookups
 *   doctor_dmarc.c        one domain's DMARC record: tags, rua/ruf authorisation
 *   doctor_domain.c       one domain: DKIM key, SPF from the egress, verdicts
 */
#ifndef AA_TOOL_DOCTOR_H
#define AA_TOOL_DOCTOR_H

#include <stddef.h>
#include "aa_config.h"
#include "aa_ctx.h"
#include "aa_dmarc.h"

#define DOCTOR_FINDINGS_MAX 64	/* of one group (the host, one domain) */
#define DOCTOR_PATH_MAX 4096
#define DOCTOR_TEXT_MAX 1024
#define DOCTOR_NAME_MAX 256
#define DOCTOR_EGRESS_MAX 16
#define DOCTOR_DOMAINS_MAX 4096
#define DOCTOR_TIME_LIMIT_S 300	/* all DNS of one run; domains after it are skipped */

enum severity { SEV_BOUNCE, SEV_WARNING, SEV_NOTE };
/* The fix of a check that could not run (a DNS temporary failure): such a
 * finding makes the run undecided (exit 2), never a clean bill. */
#define DOCTOR_FIX_AGAIN "run doctor again"	/* a note: what was not checked, and why */

struct finding {
	enum severity sev;
	char where[DOCTOR_PATH_MAX + 16];	/* "file:line", a transport, a DNS name */
	char what[DOCTOR_TEXT_MAX];		/* what is wrong, and why it bounces */
	char code[32];				/* the refusal it earns ("550 5.7.26"), or "" */
	char fix[DOCTOR_TEXT_MAX];		/* the line to write, the record to publish */
};

/* One address Exim may send from, and what it says in HELO. */
struct json;

struct egress {
	char ip[64];
	char helo[DOCTOR_NAME_MAX];	/* "" when an expansion we cannot read */
	char source[DOCTOR_NAME_MAX];	/* "transport remote_smtp", "/etc/mailips" */
	char domain[DOCTOR_NAME_MAX];	/* cPanel mailips: the domain it is for; "" all */
};

/* One verdict line of a domain: receiver, outcome, status, why. */
#define DOCTOR_VERDICTS_MAX 24
struct verdict {
	char receiver[32];		/* "Microsoft 365", "Outlook.com", "Gmail" */
	char via[DOCTOR_NAME_MAX];	/* "direct from 203.0.113.10", "route relay" */
	char outcome[16];		/* "pass", "refused", "temp" */
	char status[16];		/* "5.7.509" when refused */
	char reason[512];
	int bulk_only;			/* refused by a rule for bulk senders alone */
};

/* The report is written a group at a time (the host, then each domain),
 * so a host with thousands of domains needs no more memory than one. */
struct doctor {
	struct finding f[DOCTOR_FINDINGS_MAX];	/* the group's */
	size_t n, lost;
	struct verdict v[DOCTOR_VERDICTS_MAX];	/* the domain's */
	size_t v_n;
	size_t bounces, warnings;		/* the whole run's findings */
	size_t refusals;			/* verdicts: refused */
	size_t refusals_bulk;			/* ... by a rule for bulk senders alone */
	size_t undecided;			/* checks and verdicts that could not run */
	char refusal[32];			/* the domain's first refusal ("550 5.7.509"), or "" */
	char spf_summary[DOCTOR_TEXT_MAX];	/* the domain's SPF in a line: its all, what it authorises */
	int mail_stays;			/* Exim sends nothing to other domains (exim -bt) */
	int local_only;			/* Debian's configtype local was found */
	char smarthost[DOCTOR_NAME_MAX];	/* remote mail leaves through this host, or "" */
	char smarthost_from[80];	/* what says so: a setup file's option, Exim's router */
	char smarthost_ip[64];		/* its first address, or "" when it has none */
	char debian_domains[2048];	/* dc_other_hostnames and dc_readhost, ':' between */
	int files_read;
	const char *root;		/* "/" or a copy of a host's files */
	int ask_exim;			/* Exim is this host's: ROOT is / or AUTHALIGN_EXIM */
	int cpanel;			/* /etc/exim.conf.localopts was read */
	int no_profiles;		/* verdicts by an RFC receiver alone */
	struct egress egress[DOCTOR_EGRESS_MAX];
	size_t egress_n;
	char primary_hostname[DOCTOR_NAME_MAX];
	/* Exim's own signing (a transport's dkim_* options): the key file with
	 * $dkim_domain in it, its selector, the transport; "" none */
	char exim_dkim_key[DOCTOR_PATH_MAX], exim_dkim_selector[64], exim_dkim_transport[64];
	char *domains[DOCTOR_DOMAINS_MAX];
	size_t domains_n;
	size_t domains_checked, domains_skipped;
	int domains_over;		/* more than DOCTOR_DOMAINS_MAX were named */
	char domains_from[DOCTOR_NAME_MAX];	/* where the domain list came from */
	struct json *json;		/* --json: the report being written; NULL words */
};

/* doctor_findings.c */
void doctor_add(struct doctor *d, enum severity sev, const char *where, const char *code, const char *fix,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* snprintf() that cuts quietly: a report line may be cut, never overrun */
void doctor_fmt(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* text as TXT quoted strings of at most 250 octets: 0, or -1 when it
 * does not fit or holds '"' or '\\' (then not to be printed) */
int doctor_quoted_chunks(const char *text, char *out, size_t size);
/* "path:line" into buf */
const char *doctor_at(char *buf, size_t size, const char *path, unsigned line);

/* doctor_setup_files.c */
void doctor_check_debian(struct doctor *d);
void doctor_check_cpanel(struct doctor *d);
/* One route list (Exim's route_list: entries separated by ';', each
 * "DOMAINS HOSTS [OPTIONS]") found at full:lineno as setting: an entry
 * without hosts, and each host list's mistakes; falls_to: where the mail
 * goes when the entry routes nothing. The first host is the smarthost. */
void doctor_check_route_list(struct doctor *d, const char *full, unsigned lineno, const char *setting,
			     const char *value, const char *falls_to);
/* Each line of root's file path to take(), with its number; 0 when the
 * file is not there or cannot be opened. */
int doctor_each_line(struct doctor *d, const char *path,
		     void (*take)(struct doctor *d, const char *file, unsigned lineno, char *line, void *arg),
		     void *arg);

/* doctor_exim.c: the smtp transports' egress and HELO, and where a remote
 * address goes */
void doctor_read_exim(struct doctor *d);
void doctor_check_exim_routing(struct doctor *d);

/* doctor_egress.c */
void doctor_add_egress(struct doctor *d, const char *ip, const char *helo, const char *source,
		       const char *domain);
void doctor_check_egress(struct doctor *d, struct aa_ctx *ctx);
/* 1 when ip is an address no receiver sees (RFC 1918, shared, ULA,
 * link-local, loopback): a router translates it */
int doctor_is_private(const char *ip);
/* "d.c.b.a.in-addr.arpa" or the ip6.arpa name of ip; NULL when it is no address */
const char *doctor_reverse_name(const char *ip, char *buf, size_t size);

/* doctor_hosted.c; mailips: cPanel's egress and HELO per domain (after Exim's
 * primary_hostname is known) */
void doctor_read_mailips(struct doctor *d);
void doctor_read_domains(struct doctor *d, struct aa_ctx *ctx, const struct aa_config *cfg, const char *only);

/* doctor_spf.c: findings about domain's SPF record, bounces with the code
 * refusal (a receiver refuses the domain's mail: "550 5.7.509"), else
 * warnings; the record text (for a fix) into record, "" when none.
 * Returns how many findings it added. */
int doctor_lint_spf(struct doctor *d, struct aa_ctx *ctx, const char *domain, char *record, size_t size,
		    const char *refusal);

/* doctor_dmarc.c: findings about domain's DMARC record; *enforcing 1 when
 * its policy is reject, 1 quarantine, 0 none; *found 1 when it has one; mode:
 * the settings' dmarc_mode */
void doctor_lint_dmarc(struct doctor *d, struct aa_ctx *ctx, enum aa_dmarc_mode mode, const char *domain,
		       int *enforcing, int *found);

/* doctor_domain.c; resolve_smarthost: its first address (a bounce when it
 * has none) */
void doctor_resolve_smarthost(struct doctor *d, struct aa_ctx *ctx);
void doctor_check_domain(struct doctor *d, struct aa_ctx *ctx, const struct aa_config *cfg, const char *domain);

#endif
