/* dns_name.c - is this text a DNS name, under which rules (aa_dns_name.h).
 *
 * One pass over explicit-length bytes; nothing is allocated or changed.
 */
#include <stdbool.h>
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "aa_names.h"

static bool byte_ok(unsigned char c, unsigned flags)
{
	if (aa_is_ldh(c))
		return true;
	if ((flags & AA_DNS_NAME_PRINTABLE) && c >= 0x20 && c <= 0x7e)
		return true;
	if ((flags & AA_DNS_NAME_UNDERSCORE) && c == '_')
		return true;
	return (flags & AA_DNS_NAME_8BIT) && c >= 0x80;
}

enum aa_dns_name_status aa_dns_name_check(const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = 0, labels = 0;

	if (s == NULL)
		return AA_DNS_NAME_EMPTY;
	if ((flags & AA_DNS_NAME_ROOT_DOT) && len > 0 && p[len - 1] == '.')
		len--;
	if (len == 0)
		return AA_DNS_NAME_EMPTY;
	if (len > AA_DNS_NAME_MAX)
		return AA_DNS_NAME_TOO_LONG;
	for (size_t i = 0; i <= len; i++) {
		size_t n;

		if (i < len && p[i] != '.') {
			if (!byte_ok(p[i], flags))
				return AA_DNS_NAME_BAD_BYTE;
			continue;
		}
		n = i - start;
		if (n == 0)
			return AA_DNS_NAME_EMPTY_LABEL;
		if (n > AA_DNS_LABEL_MAX)
			return AA_DNS_NAME_LONG_LABEL;
		if ((flags & AA_DNS_NAME_NO_EDGE_HYPHEN) && (p[start] == '-' || p[i - 1] == '-'))
			return AA_DNS_NAME_EDGE_HYPHEN;
		labels++;
		start = i + 1;
	}
	if ((flags & AA_DNS_NAME_DOTTED) && labels < 2)
		return AA_DNS_NAME_ONE_LABEL;
	return AA_DNS_NAME_OK;
}

static const struct aa_name why_words[] = {
	{ "a name", AA_DNS_NAME_OK },
	{ "an empty name", AA_DNS_NAME_EMPTY },
	{ "a name over 253 octets", AA_DNS_NAME_TOO_LONG },
	{ "an empty label", AA_DNS_NAME_EMPTY_LABEL },
	{ "a label over 63 octets", AA_DNS_NAME_LONG_LABEL },
	{ "a byte a name may not hold", AA_DNS_NAME_BAD_BYTE },
	{ "a label that begins or ends with '-'", AA_DNS_NAME_EDGE_HYPHEN },
	{ "a name without a dot", AA_DNS_NAME_ONE_LABEL },
	{ "Unicode that cannot be mapped to A-labels", AA_DNS_NAME_BAD_IDNA },
	{ "out of memory", AA_DNS_NAME_NOMEM },
};
static const struct aa_names why_names = {
	why_words, sizeof(why_words) / sizeof(why_words[0]),
};

const char *aa_dns_name_why(enum aa_dns_name_status status)
{
	return aa_names_name(&why_names, (int)status, "an unknown name status");
}
