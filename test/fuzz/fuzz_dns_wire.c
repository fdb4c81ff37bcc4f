/* fuzz_dns_wire.c - a DNS response packet of any bytes through core/dns/dns.c's
 * answer parser, as the system-resolver back end reads what res_nquery()
 * returned.
 *
 * The first byte picks the question type; the rest is the packet. What
 * must hold: the status is one of those a packet can give; OK has 1..64
 * records, all of the type asked, and nothing else has any; every record
 * lies inside the packet: a TXT text is at most the packet's size and
 * NUL-terminated after text_len, a name is at most 253 octets of
 * printable-or-not bytes with no NUL and no empty label.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "aa_dns.h"
#include "../../core/dns/dns_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum aa_dns_type types[] = {
	AA_DNS_A, AA_DNS_AAAA, AA_DNS_MX, AA_DNS_TXT, AA_DNS_PTR, AA_DNS_CNAME,
};

static void check_name(const struct aa_dns_rr *rr)
{
	if (rr->text == NULL || rr->text_len != strlen(rr->text) || rr->text_len > 253)
		__builtin_trap();
	/* no empty label: no leading, trailing or doubled '.' */
	if (rr->text_len > 0 && (rr->text[0] == '.' || rr->text[rr->text_len - 1] == '.' ||
				 strstr(rr->text, "..") != NULL))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct aa_dns *dns;	/* its own arena, emptied after each input */
	struct aa_dns_answer a;
	enum aa_dns_type type;

	if (size < 1)
		return 0;
	if (dns == NULL && (dns = aa_dns_new_zone()) == NULL)
		__builtin_trap();
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	memset(&a, 0, sizeof(a));
	a.type = type;
	aa_dns_parse_answer(dns, data + 1, size - 1, type, &a);
	if (aa_dns_negative_ttl(data + 1, size - 1) > 0x7fffffffu)
		__builtin_trap();	/* a wire TTL with its top bit is 0 */
	switch (a.status) {
	case AA_DNS_OK:
		if (a.count == 0 || a.count > 64)
			__builtin_trap();
		break;
	case AA_DNS_NODATA:
	case AA_DNS_MALFORMED:
	case AA_DNS_TEMPFAIL:
		if (a.count != 0)
			__builtin_trap();
		break;
	default:	/* NXDOMAIN comes from res_nquery(), BADNAME from the asker */
		__builtin_trap();
	}
	for (size_t i = 0; i < a.count; i++) {
		const struct aa_dns_rr *rr = &a.rr[i];

		if (rr->type != type)
			__builtin_trap();
		switch (type) {
		case AA_DNS_TXT:
			if (rr->text == NULL || rr->text_len > size || rr->text[rr->text_len] != '\0')
				__builtin_trap();
			break;
		case AA_DNS_MX:
		case AA_DNS_PTR:
		case AA_DNS_CNAME:
			check_name(rr);
			break;
		default:
			if (rr->text != NULL)
				__builtin_trap();
			break;
		}
	}
	aa_dns_flush(dns);
	return 0;
}
