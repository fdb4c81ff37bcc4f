/* config_options.c - the settings table of authalign.conf(5): one row per
 * setting (name, type, where it is stored, default, allowed values, one
 * line of description), and the words of the settings' enums.
 *
 * This is the one place a setting is declared: the reader (config.c)
 * looks names up here and hands values to the type's parser
 * (config_values.c), the defaults are these rows' defaults, errors list
 * these allowed values, and test/unit/check_options.c holds
 * doc/authalign.conf.5.md to this table. Keep the manual's order.
 */
#include <stddef.h>
#include <string.h>
#include "aa_config.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct aa_name mode_words[] = {
	{ "off", AA_MODE_OFF }, { "monitor", AA_MODE_MONITOR }, { "enforce", AA_MODE_ENFORCE },
};
static const struct aa_name quarantine_words[] = {
	{ "header", AA_QUARANTINE_HEADER }, { "freeze", AA_QUARANTINE_FREEZE },
};
static const struct aa_name unreadable_words[] = {
	{ "reject", AA_UNREADABLE_REJECT }, { "monitor", AA_UNREADABLE_MONITOR },
};
static const struct aa_name bool_words[] = {
	{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
};
/* the per-domain table's policy=: the published one, or one forced */
static const struct aa_name domain_policy_words[] = {
	{ "published", AA_POLICY_UNSPEC }, { "none", AA_POLICY_NONE },
	{ "quarantine", AA_POLICY_QUARANTINE }, { "reject", AA_POLICY_REJECT },
};

const struct aa_names aa_mode_names = { mode_words, COUNT(mode_words) };
const struct aa_names aa_quarantine_names = { quarantine_words, COUNT(quarantine_words) };
const struct aa_names aa_unreadable_names = { unreadable_words, COUNT(unreadable_words) };
const struct aa_names aa_bool_names = { bool_words, COUNT(bool_words) };
const struct aa_names aa_domain_policy_names = { domain_policy_words, COUNT(domain_policy_words) };

/* enums are stored through an int (config_values.c) */
_Static_assert(sizeof(enum aa_mode) == sizeof(int) && sizeof(enum aa_quarantine) == sizeof(int) &&
	       sizeof(enum aa_unreadable) == sizeof(int) && sizeof(enum aa_dmarc_mode) == sizeof(int) &&
	       sizeof(enum aa_out_mode) == sizeof(int), "enum settings are stored as int");

const char *aa_mode_name(enum aa_mode m)
{
	return aa_names_name(&aa_mode_names, (int)m, "off");
}

#define AT(field) offsetof(struct aa_config, field)

static const struct aa_option options[] = {
	{ "authserv_id", &aa_opt_token, AT(authserv_id), NULL, NULL, 0,
	  "the authserv-id of our Authentication-Results (unset: Exim's $primary_hostname)" },
	{ "mode", &aa_opt_enum, AT(mode), "monitor", &aa_mode_names, 0,
	  "what happens to a DMARC failure" },
	{ "dmarc_mode", &aa_opt_enum, AT(dmarc_mode), "rfc9989", &aa_dmarc_mode_names, 0,
	  "how the DMARC policy and the organizational domain are found" },
	{ "quarantine_action", &aa_opt_enum, AT(quarantine), "header", &aa_quarantine_names, 0,
	  "what p=quarantine does to a failing message in enforce mode" },
	{ "reject_status", &aa_opt_status, AT(reject_status), "5.7.1", NULL, 0,
	  "the enhanced status of a DMARC rejection" },
	{ "from_unreadable", &aa_opt_enum, AT(from_unreadable), "reject", &aa_unreadable_names, 0,
	  "what enforce mode does with a From that names no author domain to judge" },
	{ "received_spf", &aa_opt_enum, AT(received_spf), "no", &aa_bool_names, 0,
	  "also add a Received-SPF header" },
	{ "spf_helo", &aa_opt_enum, AT(spf_helo), "no", &aa_bool_names, 0,
	  "also check SPF for the HELO name of a message that has a sender" },
	{ "domains_file", &aa_opt_path, AT(domains_file), NULL, NULL, 0,
	  "the per-domain table" },
	{ "dns_timeout", &aa_opt_time_ms, AT(dns.timeout_ms), "2s", NULL, 0,
	  "time for one try of one DNS question" },
	{ "dns_tries", &aa_opt_count, AT(dns.tries), "2", NULL, 5,
	  "tries per DNS question" },
	{ "dns_budget", &aa_opt_time_ms, AT(dns.budget_ms), "20s", NULL, 0,
	  "the total DNS time of one SMTP transaction" },
	{ "dns_shared_cache", &aa_opt_enum, AT(dns.shared), "yes", &aa_bool_names, 0,
	  "connections share DNS answers (negative ones too) for their TTL" },
	{ "psl_file", &aa_opt_path, AT(psl_file), NULL, NULL, 0,
	  "a Public Suffix List file instead of Debian's (tests only)" },
	{ "dns_zone_file", &aa_opt_path, AT(dns_zone_file), NULL, NULL, 0,
	  "answer DNS from a fixed zone file (tests and the offline tool only)" },
	{ "outbound_plan_ttl", &aa_opt_time_s, AT(outbound_plan_ttl), "5m", NULL, 0,
	  "how long a submission-time outbound plan is trusted" },
	{ "outbound_mode", &aa_opt_enum, AT(outbound.mode), "off", &aa_out_mode_names, 0,
	  "the outbound side: predict, route or refuse" },
	{ "outbound_profiles_file", &aa_opt_path, AT(outbound_profiles_file), NULL, NULL, 0,
	  "destination profiles (unset: the built-in default profile only)" },
	{ "outbound_routes_file", &aa_opt_path, AT(outbound_routes_file), NULL, NULL, 0,
	  "the smarthosts a message may leave through" },
	{ "outbound_domains_file", &aa_opt_path, AT(outbound_domains_file), NULL, NULL, 0,
	  "outbound settings per From domain" },
	{ "outbound_owners_file", &aa_opt_path, AT(outbound_owners_file), NULL, NULL, 0,
	  "who owns which From domain" },
	{ "outbound_trusted_hosts", &aa_opt_host_list, AT(outbound.trusted_hosts), NULL, NULL, 0,
	  "clients trusted for every From domain" },
	{ "outbound_egress", &aa_opt_egress, AT(outbound_egress), NULL, NULL, 0,
	  "the address receivers see when this host delivers directly (one per address family)" },
	{ "outbound_helo", &aa_opt_host_name, AT(outbound_helo), NULL, NULL, 0,
	  "the HELO name of direct delivery (unset: the caller's)" },
	{ "outbound_transport", &aa_opt_text, AT(outbound_transport), "remote_smtp", NULL, 0,
	  "the Exim transport of direct delivery, whose interface and helo_data check-config compares" },
	{ "outbound_feedback_file", &aa_opt_path, AT(feedback.file), AA_FB_DEFAULT_FILE, NULL, 0,
	  "the SQLite file where the replies of destinations are remembered" },
	{ "outbound_feedback_postgresql", &aa_opt_text, AT(feedback.postgresql), NULL, NULL, 0,
	  "a PostgreSQL connection string: the replies are remembered there instead" },
	{ "outbound_feedback_expire", &aa_opt_time_days, AT(feedback.expire_s), "1d", NULL, 0,
	  "how long a reply is remembered after the last one like it" },
	{ "outbound_feedback_timeout", &aa_opt_time_ms, AT(feedback.timeout_ms), "1s", NULL, 0,
	  "the longest one use of the store may wait" },
};

const struct aa_option *aa_option_at(size_t i)
{
	return i < COUNT(options) ? &options[i] : NULL;
}

const struct aa_option *aa_option_find(const char *name)
{
	for (size_t i = 0; i < COUNT(options); i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

/* Edit distance of a and b (each at most NEAR_LEN_MAX), one row at a time. */
#define NEAR_LEN_MAX 64
static size_t distance(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t row[NEAR_LEN_MAX + 1];

	for (size_t j = 0; j <= blen; j++)
		row[j] = j;
	for (size_t i = 1; i <= alen; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= blen; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[blen];
}

/* A slip: at most a third of the name's letters wrong (and at most 3). */
const char *aa_option_nearest(const char *name)
{
	size_t len = strlen(name), best = (size_t)-1, limit;
	const char *found = NULL;

	if (len == 0 || len > NEAR_LEN_MAX)
		return NULL;
	limit = len / 3 < 3 ? len / 3 : 3;
	for (size_t i = 0; i < COUNT(options); i++) {
		size_t d = distance(name, len, options[i].name, strlen(options[i].name));

		if (d < best) {
			best = d;
			found = options[i].name;
		}
	}
	return best <= limit ? found : NULL;
}
