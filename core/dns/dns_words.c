/* dns_words.c - the words for DNS statuses and record types.
 *
 * For log lines, the tool's output and the fixed zone's type field.
 */
#include <string.h>
#include "aa_dns.h"
#include "aa_names.h"
#include "dns_int.h"

static const struct aa_name status_words[] = {
	{ "ok", AA_DNS_OK }, { "nxdomain", AA_DNS_NXDOMAIN }, { "nodata", AA_DNS_NODATA },
	{ "tempfail", AA_DNS_TEMPFAIL }, { "malformed", AA_DNS_MALFORMED },
	{ "badname", AA_DNS_BADNAME },
};
static const struct aa_names status_names = {
	status_words, sizeof(status_words) / sizeof(status_words[0]),
};

static const struct aa_name type_words[] = {
	{ "A", AA_DNS_A }, { "CNAME", AA_DNS_CNAME }, { "PTR", AA_DNS_PTR },
	{ "MX", AA_DNS_MX }, { "TXT", AA_DNS_TXT }, { "AAAA", AA_DNS_AAAA },
};
static const struct aa_names type_names = {
	type_words, sizeof(type_words) / sizeof(type_words[0]),
};

const char *aa_dns_status_name(enum aa_dns_status s)
{
	return aa_names_name(&status_names, (int)s, "tempfail");
}

const char *aa_dns_type_name(enum aa_dns_type t)
{
	return aa_names_name(&type_names, (int)t, "?");
}

int aa_dns_type_parse(const char *word, enum aa_dns_type *t)
{
	int value;

	if (aa_names_parse_n(&type_names, word, strlen(word), AA_NAMES_ICASE, &value) < 0)
		return -1;
	*t = (enum aa_dns_type)value;
	return 0;
}
