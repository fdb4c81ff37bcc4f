/* aa_config.h - authalign's settings file and per-domain table.
 *
 * Settings: one "name = value" a line, '#' comments (authalign.conf(5)).
 * Per-domain table: Exim's lsearch format, "key: data", data lines may
 * continue on lines that start with white space. A key is a From domain,
 * "*.domain" (every subdomain of domain) or "*" (every domain); data is
 * white-space separated name=value options. The most specific key wins.
 * Any error names the file and line.
 * Each setting is one row of the option table (below); the words
 * of the enums below are in their name tables there.
 *
 * Module core/config/: it reads and checks what the admin wrote and hands
 * out values; it judges no message and knows nothing of Exim (the adapter
 * decides when to reload, aa_config_is_current()).
 */
#ifndef AA_CONFIG_H
#define AA_CONFIG_H

#include <stddef.h>
#include <time.h>
#include "aa_dmarc.h"
#include "aa_dns.h"
#include "aa_feedback.h"
#include "aa_names.h"
#include "aa_outbound.h"
#include "aa_table.h"

/* Where Exim's side looks for the settings when $acl_m_authalign_config
 * is empty, and the tool's status and forget when -c is not given. */
#define AA_CONFIG_DEFAULT_PATH "/etc/exim4/authalign.conf"

enum aa_mode {
	AA_MODE_OFF = 0,	/* do nothing */
	AA_MODE_MONITOR,	/* headers and log only */
	AA_MODE_ENFORCE,	/* reject, defer, quarantine */
};

/* What enforce mode does with a From that names no author domain to
 * judge (aa_dmarc.h: dmarc=permerror). */
enum aa_unreadable {
	AA_UNREADABLE_REJECT = 0,	/* 550 with the reason */
	AA_UNREADABLE_MONITOR,		/* accept, but still enforce the policies of
					 * the domains it shows that fail */
};

enum aa_quarantine {
	AA_QUARANTINE_HEADER = 0,	/* add X-AuthAlign-Quarantine: for a router or filter */
	AA_QUARANTINE_FREEZE,		/* freeze the message */
};

/* What applies to one From domain. */
struct aa_domain_policy {
	enum aa_mode mode;
	enum aa_dmarc_policy forced;	/* UNSPEC: the published policy applies */
	enum aa_quarantine quarantine;
	const char *matched_key;	/* the table key that applied, or NULL */
};

struct aa_table;

struct aa_config {
	char *path;
	struct aa_file_stamp stamp;	/* of the settings file, to notice edits */
	char *authserv_id;		/* NULL: Exim's $primary_hostname */
	enum aa_mode mode;
	enum aa_dmarc_mode dmarc_mode;
	enum aa_quarantine quarantine;
	int received_spf;
	int spf_helo;		/* also check the HELO name when there is a sender */
	enum aa_unreadable from_unreadable;
	char reject_status[8];		/* enhanced status of a DMARC reject, "5.7.1" */
	char *domains_file;
	char *psl_file;
	char *dns_zone_file;		/* testing only: fixed zone instead of DNS */
	struct aa_dns_config dns;
	struct aa_table *domains;	/* the per-domain table (aa_table.h) */
	size_t domain_count;
	/* outbound prediction and planning (authalign-outbound(5)) */
	char *outbound_profiles_file;	/* NULL: the built-in "default" profile only */
	char *outbound_routes_file;
	char *outbound_domains_file;
	char *outbound_owners_file;	/* who owns which From domain (aa_owner.h) */
	char *outbound_egress[2];	/* this host's egress addresses, for direct:
					 * [1] the other family's, or NULL */
	char *outbound_helo;		/* its HELO name; NULL: the caller's default */
	char *outbound_transport;	/* Exim's transport of direct delivery (check-config) */
	unsigned outbound_plan_ttl;	/* seconds a submission-time plan is trusted */
	struct aa_outbound outbound;	/* loaded by aa_config_load; mode from outbound_mode */
	struct aa_feedback_config feedback;	/* what destinations answered (aa_feedback.h) */
};

/* Load a settings file (and the per-domain table and outbound files it
 * names). On error
 * returns -1 and writes "file:line: what" into err. A NULL path gives the
 * defaults. */
int aa_config_load(const char *path, struct aa_config **cfg_r, char *err, size_t errlen);
void aa_config_free(struct aa_config **cfg);

/* 1 when the settings file and every table it names are unchanged
 * since they were loaded (aa_table.h: device, inode, size and mtime).
 * When not, aa_config_load() again: it reads the settings file and the
 * tables that changed; an unchanged table still in use is shared. */
int aa_config_is_current(const struct aa_config *cfg);

/* Load only a per-domain table into cfg (replacing any). */
int aa_config_load_domains(struct aa_config *cfg, const char *path, char *err, size_t errlen);

/* The policy for a From domain (NULL domain: the global one). */
void aa_config_domain(const struct aa_config *cfg, const char *domain,
		      struct aa_domain_policy *out);

const char *aa_mode_name(enum aa_mode m);

/* ---- the settings of authalign.conf(5) as one table (core/config/config_options.c) ----
 *
 * In the manner of Postfix's parameter tables: each setting is one row
 * (name, type, where it is stored, default, allowed values, a line of
 * description) in core/config/config_options.c, and everything else is derived
 * from the rows: the reader looks a name up and hands the value to the
 * type's parser, the defaults are the rows' defaults parsed the same way,
 * an error names the allowed values, and a unit test holds the manual
 * page to the table. The types and their parsers are in
 * core/config/config_values.c. Knows the settings, not what they do.
 */
struct aa_option;

/* A type of value: how the manual writes it, what the error expects, its
 * parser. set() stores value into cfg at o->offset; on error it returns
 * -1 with *why left at "invalid value" (then the error adds "expected"
 * and the form) or set to its own reason. */
struct aa_opt_type {
	const char *metavar;	/* the manual's placeholder, "*time*"; NULL: the enum's words */
	const char *form;	/* what a value looks like; NULL: from the names or max */
	int (*set)(const struct aa_option *o, struct aa_config *cfg, const char *value,
		   const char **why);
};

extern const struct aa_opt_type aa_opt_enum;		/* a word of o->names */
extern const struct aa_opt_type aa_opt_time_ms;		/* 1s to 10m, stored in ms (unsigned) */
extern const struct aa_opt_type aa_opt_time_s;		/* 0 to a day, stored in s (unsigned) */
extern const struct aa_opt_type aa_opt_time_days;	/* 1m to 30d, stored in s (unsigned) */
extern const struct aa_opt_type aa_opt_count;		/* 1 to o->max (unsigned) */
extern const struct aa_opt_type aa_opt_status;		/* RFC 3463 5.x.y (char[8]) */
extern const struct aa_opt_type aa_opt_path;		/* char *, relative to the settings file */
extern const struct aa_opt_type aa_opt_token;		/* char *, letters, digits, '.', '-' */
extern const struct aa_opt_type aa_opt_text;		/* char *, printable ASCII, spaces too */
extern const struct aa_opt_type aa_opt_host_name;	/* char *, a DNS host name */
extern const struct aa_opt_type aa_opt_egress;		/* char *[2], egress addresses */
extern const struct aa_opt_type aa_opt_host_list;	/* struct aa_hostnets * in the outbound side */

struct aa_option {
	const char *name;
	const struct aa_opt_type *type;
	size_t offset;			/* of the value in struct aa_config */
	const char *def;		/* the default as written in the file; NULL: unset */
	const struct aa_names *names;	/* aa_opt_enum: the allowed words */
	unsigned max;			/* aa_opt_count: the largest value */
	const char *doc;		/* one line */
};

/* The table, in the manual's order; NULL past the end. */
const struct aa_option *aa_option_at(size_t i);

/* The row named name, or NULL. */
const struct aa_option *aa_option_find(const char *name);

/* The known name nearest to an unknown one (a typing slip), or NULL. */
const char *aa_option_nearest(const char *name);

/* What a value of o must look like, into buf: "off, monitor or enforce",
 * "1 to 5"; NULL when any value is taken. */
const char *aa_option_expects(const struct aa_option *o, char *buf, size_t len);

/* The word "invalid value" set() leaves in *why (compare the pointer). */
extern const char aa_option_invalid[];

/* The words of the settings' enums (core/config/config_options.c). */
extern const struct aa_names aa_mode_names, aa_quarantine_names, aa_unreadable_names,
	aa_bool_names;
/* policy= of the per-domain table: "published" (the record's) or one forced */
extern const struct aa_names aa_domain_policy_names;

/* The per-domain table's options (config_domains.c): the name of the
 * i-th and its words in *words_r; NULL past the end. */
const char *aa_domain_option_at(size_t i, const struct aa_names **words_r);

#endif
