/* dns_wire.c - DNS response packets (RFC 1035 4.1) into aa_dns answers.
 *
 * Reads what res_nsend() returned: the answer section's records of the
 * type asked, names in the aa_dns text form, every length checked
 * against the packet. The records go in the dns's arena (the message's).
 */
#include <arpa/nameser.h>
#include <resolv.h>
#include <string.h>
#include "aa_arena.h"
#include "aa_dns.h"
#include "dns_int.h"

int aa_dns_unpack_name(const unsigned char *msg, const unsigned char *eom,
		       const unsigned char *src, char *buf, size_t size)
{
	unsigned char wire[NS_MAXCDNAME];
	size_t n = 0;

	if (size == 0 || ns_name_unpack(msg, eom, src, wire, sizeof(wire)) < 0)
		return -1;
	/* ns_name_unpack() leaves plain labels of at most 63 octets */
	for (const unsigned char *w = wire; *w != 0; w += 1 + *w) {
		if (n + (n > 0) + *w + 1 > size)
			return -1;
		if (n > 0)
			buf[n++] = '.';
		for (unsigned i = 1; i <= *w; i++) {
			if (w[i] == '.' || w[i] == '\0')
				return -1;
			buf[n++] = (char)w[i];
		}
	}
	buf[n] = '\0';
	return 0;
}

static int parse_rr(struct aa_dns *dns, const ns_msg *msg, const ns_rr *rr, struct aa_dns_rr *out)
{
	const unsigned char *rd = ns_rr_rdata(*rr);
	size_t rdlen = ns_rr_rdlen(*rr);
	char name[NS_MAXDNAME];

	out->type = (enum aa_dns_type)ns_rr_type(*rr);
	out->ttl = aa_dns_ttl(ns_rr_ttl(*rr));
	switch (out->type) {
	case AA_DNS_A:
		if (rdlen != 4)
			return -1;
		memcpy(&out->a, rd, 4);
		return 0;
	case AA_DNS_AAAA:
		if (rdlen != 16)
			return -1;
		memcpy(&out->aaaa, rd, 16);
		return 0;
	case AA_DNS_MX:
		if (rdlen < 3)
			return -1;
		out->pref = (unsigned short)((rd[0] << 8) | rd[1]);
		rd += 2;
		/* FALLTHROUGH */
	case AA_DNS_PTR:
	case AA_DNS_CNAME:
		if (aa_dns_unpack_name(ns_msg_base(*msg), ns_msg_end(*msg), rd, name,
				       sizeof(name)) < 0)
			return -1;
		out->text_len = strlen(name);
		out->text = aa_arena_strndup(dns->arena, name, out->text_len);
		return out->text == NULL ? -1 : 0;
	case AA_DNS_TXT: {
		/* every character-string must lie inside rdata (RFC 1035 3.3.14) */
		size_t pos = 0, n = 0;

		out->text = aa_arena_alloc(dns->arena, rdlen + 1);
		if (out->text == NULL)
			return -1;
		while (pos < rdlen) {
			size_t l = rd[pos++];

			if (l > rdlen - pos) {
				out->text = NULL;
				return -1;
			}
			memcpy(out->text + n, rd + pos, l);
			n += l;
			pos += l;
			out->chunks++;
		}
		out->text[n] = '\0';
		out->text_len = n;
		return 0;
	}
	}
	return -1;
}

unsigned aa_dns_ttl(uint32_t wire)
{
	return wire > 0x7fffffffu ? 0 : wire;	/* RFC 2181 8: the top bit set means 0 */
}

int aa_dns_parse_answer(struct aa_dns *dns, const unsigned char *buf, size_t len,
			enum aa_dns_type type, struct aa_dns_answer *out)
{
	unsigned chain_ttl = 0x7fffffffu;	/* the lowest of the answer section: a CNAME's too */
	ns_msg msg;
	int count;

	out->status = AA_DNS_TEMPFAIL;
	if (len > DNS_ANSWER_MAX || ns_initparse(buf, (int)len, &msg) < 0) {
		out->status = AA_DNS_MALFORMED;
		return -1;
	}
	if (ns_msg_getflag(msg, ns_f_tc)) {
		out->status = AA_DNS_TEMPFAIL;	/* truncated even after TCP */
		return -1;
	}
	count = ns_msg_count(msg, ns_s_an);
	out->rr = aa_arena_alloc(dns->arena, (size_t)(count > DNS_RR_MAX ? DNS_RR_MAX : (count > 0 ? count : 1)) *
				 sizeof(*out->rr));
	if (out->rr == NULL)
		return -1;
	for (int i = 0; i < count && out->count < DNS_RR_MAX; i++) {
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) {
			aa_dns_answer_clear(out);
			out->status = AA_DNS_MALFORMED;
			return -1;
		}
		if (aa_dns_ttl(ns_rr_ttl(rr)) < chain_ttl)
			chain_ttl = aa_dns_ttl(ns_rr_ttl(rr));
		if (ns_rr_class(rr) != ns_c_in || (int)ns_rr_type(rr) != (int)type)
			continue;	/* CNAME chain links and strays */
		if (parse_rr(dns, &msg, &rr, &out->rr[out->count]) < 0) {
			aa_dns_answer_clear(out);
			out->status = AA_DNS_MALFORMED;
			return -1;
		}
		out->count++;
	}
	/* an answer reached through a CNAME lasts no longer than the CNAME */
	for (size_t i = 0; i < out->count; i++)
		if (out->rr[i].ttl > chain_ttl)
			out->rr[i].ttl = chain_ttl;
	out->status = out->count > 0 ? AA_DNS_OK : AA_DNS_NODATA;
	return 0;
}

unsigned aa_dns_negative_ttl(const unsigned char *buf, size_t len)
{
	unsigned chain_ttl = 0x7fffffffu;	/* a CNAME that led to the name that is not */
	ns_msg msg;
	int count;

	if (len > DNS_ANSWER_MAX || ns_initparse(buf, (int)len, &msg) < 0)
		return 0;
	count = ns_msg_count(msg, ns_s_an);
	for (int i = 0; i < count; i++) {
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return 0;
		if (aa_dns_ttl(ns_rr_ttl(rr)) < chain_ttl)
			chain_ttl = aa_dns_ttl(ns_rr_ttl(rr));
	}
	count = ns_msg_count(msg, ns_s_ns);
	for (int i = 0; i < count; i++) {
		const unsigned char *rd, *end;
		unsigned minimum;
		ns_rr rr;
		int n;

		if (ns_parserr(&msg, ns_s_ns, i, &rr) < 0)
			return 0;
		if (ns_rr_class(rr) != ns_c_in || ns_rr_type(rr) != ns_t_soa)
			continue;
		/* MNAME, RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM */
		rd = ns_rr_rdata(rr);
		end = rd + ns_rr_rdlen(rr);
		for (int name = 0; name < 2; name++) {
			if ((n = dn_skipname(rd, end)) < 0)
				return 0;
			rd += n;
		}
		if (end - rd != 20)
			return 0;
		minimum = aa_dns_ttl((uint32_t)rd[16] << 24 | (uint32_t)rd[17] << 16 | (uint32_t)rd[18] << 8 | rd[19]);
		if (aa_dns_ttl(ns_rr_ttl(rr)) < minimum)
			minimum = aa_dns_ttl(ns_rr_ttl(rr));
		return minimum < chain_ttl ? minimum : chain_ttl;
	}
	return 0;
}

unsigned aa_dns_extended_rcode(const unsigned char *buf, size_t len)
{
	ns_msg msg;
	int count;

	if (len > DNS_ANSWER_MAX || ns_initparse(buf, (int)len, &msg) < 0)
		return 0;	/* unreadable: the answer's own parse says so */
	count = ns_msg_count(msg, ns_s_ar);
	for (int i = 0; i < count; i++) {
		ns_rr rr;

		if (ns_parserr(&msg, ns_s_ar, i, &rr) < 0)
			return 0;
		/* OPT: the TTL field's top byte is the RCODE's upper 8 bits */
		if (ns_rr_type(rr) == ns_t_opt)
			return (unsigned)(ns_rr_ttl(rr) >> 24);
	}
	return 0;
}

int aa_dns_rehearse_wire(struct aa_dns *dns)
{
	static const unsigned char packet[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,	/* answer, 1 question, 1 record */
		1, 'a', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0, 0, 16, 0, 1,	/* a.invalid TXT IN */
		0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 5, 4, 'v', '=', 'o', 'k',	/* its record */
	};
	struct aa_dns_answer a = { 0 };

	if (aa_dns_parse_answer(dns, packet, sizeof(packet), AA_DNS_TXT, &a) < 0 || a.status != AA_DNS_OK ||
	    a.count != 1 || a.rr[0].text_len != 4 || memcmp(a.rr[0].text, "v=ok", 4) != 0)
		return -1;
	return 0;
}
