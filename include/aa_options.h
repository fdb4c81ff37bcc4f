/* aa_options.h - the settings of authalign.conf(5) as one table.
 *
 * In the manner of Postfix's parameter tables: each setting is one row
 * (name, type, where it is stored, default, allowed values, a line of
 * description) in core/config_options.c, and everything else is derived
 * from the rows: the reader looks a name up and hands the value to the
 * type's parser, the defaults are the rows' defaults parsed the same way,
 * an error names the allowed values, and a unit test holds the manual
 * page to the table. The types and their parsers are in
 * core/config_values.c. Knows the settings, not what they do.
 */
#ifndef AA_OPTIONS_H
#define AA_OPTIONS_H

#include <stddef.h>
#include "aa_config.h"
#include "aa_names.h"

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
extern const struct aa_opt_type aa_opt_count;		/* 1 to o->max (unsigned) */
extern const struct aa_opt_type aa_opt_status;		/* RFC 3463 5.x.y (char[8]) */
extern const struct aa_opt_type aa_opt_path;		/* char *, relative to the settings file */
extern const struct aa_opt_type aa_opt_token;		/* char *, letters, digits, '.', '-' */
extern const struct aa_opt_type aa_opt_host_name;	/* char *, a DNS host name */
extern const struct aa_opt_type aa_opt_address;		/* char *, an egress IP address */
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

/* The words of the settings' enums (core/config_options.c). */
extern const struct aa_names aa_mode_names, aa_quarantine_names, aa_unreadable_names,
	aa_bool_names;
/* policy= of the per-domain table: "published" (the record's) or one forced */
extern const struct aa_names aa_domain_policy_names;

/* The per-domain table's options (config_domains.c): the name of the
 * i-th and its words in *words_r; NULL past the end. */
const char *aa_domain_option_at(size_t i, const struct aa_names **words_r);

#endif
