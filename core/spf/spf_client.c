/* spf_client.c - the inputs of check_host(): the client address and the
 * domain, and the names looked up on their way.
 *
 * libspf2 1.2.10 passes every loopback client, does not treat an
 * IPv4-mapped IPv6 client as IPv4 and does not shorten names longer than
 * 253 octets (RFC 7208 7.3). The toplabel rule here is also the end of
 * a record's domain-spec (spf_record.c).
 */
#include <arpa/inet.h>
#include <string.h>
#include "aa_ctype.h"
#include "aa_dns_name.h"
#include "spf_int.h"

/* ---- the client address ---- */

int aa_spf_client_check(const char *ip, struct aa_spf_client *c)
{
	memset(c, 0, sizeof(*c));
	if (ip == NULL)
		return -1;
	if (inet_pton(AF_INET, ip, &c->v4) == 1) {
		c->family = AF_INET;
	} else if (inet_pton(AF_INET6, ip, &c->v6) == 1) {
		c->family = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&c->v6)) {
			memcpy(&c->v4, &c->v6.s6_addr[12], 4);
			c->family = AF_INET;
		}
	} else {
		return -1;
	}
	if (c->family == AF_INET) {
		c->loopback = (ntohl(c->v4.s_addr) >> 24) == 127;
		inet_ntop(AF_INET, &c->v4, c->text, sizeof(c->text));
	} else {
		c->loopback = IN6_IS_ADDR_LOOPBACK(&c->v6);
		inet_ntop(AF_INET6, &c->v6, c->text, sizeof(c->text));
	}
	return 0;
}

/* ---- names ---- */

/* RFC 7208 toplabel: alphanumerics and '-', not starting or ending with
 * '-', and not all digits. */
int aa_spf_client_toplabel(const char *s, size_t n)
{
	int alpha = 0, dash = 0;

	if (n == 0 || !aa_is_alnum((unsigned char)s[0]) || !aa_is_alnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '-')
			dash = 1;
		else if (!aa_is_alnum(c))
			return 0;
		else if (aa_is_alpha(c))
			alpha = 1;
	}
	return alpha || dash;
}

int aa_spf_client_domain(const char *d)
{
	size_t len = d != NULL ? strlen(d) : 0, top;

	if (aa_dns_name_check(d, len, AA_DNS_NAME_ROOT_DOT | AA_DNS_NAME_UNDERSCORE |
			      AA_DNS_NAME_DOTTED) != AA_DNS_NAME_OK)
		return 0;
	len -= d[len - 1] == '.';
	for (top = len; d[top - 1] != '.'; top--)
		;
	return aa_spf_client_toplabel(d + top, len - top);
}

const char *aa_spf_client_shorten(const char *name)
{
	size_t len = strlen(name);

	while (len > AA_DNS_NAME_MAX && len > AA_DNS_NAME_MAX + (name[len - 1] == '.')) {
		const char *dot = memchr(name, '.', len);

		if (dot == NULL)
			break;	/* one label longer than 253: left to aa_dns */
		len -= (size_t)(dot + 1 - name);
		name = dot + 1;
	}
	return name;
}
