/* dns_resolve.c - the system resolver back end (res_nmkquery, res_nsend).
 *
 * One question at a time through the libc resolver, with our own time
 * per try and number of tries, cut down to what is left of the
 * message's time budget; the answer is read by dns_wire.c.
 */
#include <arpa/nameser.h>
#include <netdb.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "aa_dns.h"
#include "aa_dns_name.h"
#include "dns_int.h"

int aa_dns_escape_name(const char *name, size_t len, char *buf, size_t size)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		size_t need = n + (name[i] == '\\' ? 2 : 1) + 1;

		if (need > size)
			return -1;
		if (name[i] == '\\')
			buf[n++] = '\\';
		buf[n++] = name[i];
	}
	if (n + 1 > size)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int res_prepare(struct aa_dns *dns)
{
	if (dns->res_ready)
		return 0;
	memset(&dns->res, 0, sizeof(dns->res));
	if (res_ninit(&dns->res) != 0)
		return -1;
	dns->res.retrans = (int)((dns->config.timeout_ms + 999) / 1000);
	if (dns->res.retrans < 1)
		dns->res.retrans = 1;
	dns->res.retry = (int)dns->config.tries;
	if (dns->res.retry < 1)
		dns->res.retry = 1;
	dns->res.options &= ~(unsigned long)(RES_DNSRCH | RES_DEFNAMES);
	dns->res_ready = 1;
	return 0;
}

int aa_dns_add_edns0(unsigned char *query, size_t len, size_t size, unsigned long options)
{
	enum { ARCOUNT_LOW = 11, OPT_FLAGS = 7 };	/* header byte; byte of the record */
	static const unsigned char opt[] = {
		0,			/* the root */
		0, 41,			/* OPT */
		1200 >> 8, 1200 & 0xff,	/* UDP payload size, glibc's */
		0, 0,			/* extended RCODE, version 0 */
		0, 0,			/* flags: DO below */
		0, 0,			/* no options */
	};

	if ((options & (RES_USE_EDNS0 | RES_USE_DNSSEC)) == 0)
		return (int)len;
	if (len < NS_HFIXEDSZ || len > size || size - len < sizeof(opt) || query[ARCOUNT_LOW - 1] != 0 ||
	    query[ARCOUNT_LOW] != 0)
		return -1;
	memcpy(query + len, opt, sizeof(opt));
	if (options & RES_USE_DNSSEC)
		query[len + OPT_FLAGS] = 0x80;	/* DO */
	query[ARCOUNT_LOW] = 1;
	return (int)(len + sizeof(opt));
}

/* Time per try and tries for the next question: the settings, cut down
 * so that one question cannot run far past what is left of the budget
 * (the resolver counts whole seconds, so it may overrun by less than one). */
static void res_limit(struct aa_dns *dns, uint64_t left_ms)
{
	uint64_t per_try = dns->config.timeout_ms, tries = dns->config.tries;

	if (per_try > left_ms)
		per_try = left_ms;
	if (per_try > 0 && per_try * tries > left_ms)
		tries = left_ms / per_try;
	if (tries < 1)
		tries = 1;
	dns->res.retrans = (int)((per_try + 999) / 1000);
	if (dns->res.retrans < 1)
		dns->res.retrans = 1;
	dns->res.retry = (int)tries;
}

void aa_dns_resolve(struct aa_dns *dns, const char *name, enum aa_dns_type type,
		    uint64_t left_ms, struct aa_dns_answer *out)
{
	char text[2 * AA_DNS_NAME_MAX + 1];
	unsigned char query[NS_PACKETSZ], *buf;
	int qlen, len;

	out->status = AA_DNS_TEMPFAIL;
	if (aa_dns_escape_name(name, strlen(name), text, sizeof(text)) < 0 ||
	    res_prepare(dns) < 0)
		return;
	res_limit(dns, left_ms);
	/* one buffer for the life of the resolver: a 64 kB malloc() and free()
	 * a question made the allocator consolidate its free lists each time */
	if (dns->answer_buf == NULL && (dns->answer_buf = malloc(DNS_ANSWER_MAX)) == NULL)
		return;
	buf = dns->answer_buf;
	/* res_nquery() without its rcode step, which keeps no length for a
	 * negative answer: its SOA says how long it may be kept (RFC 2308).
	 * Like it, an EDNS0 record when resolv.conf says "options edns0";
	 * res_nsend() checks that the response answers this query and asks
	 * again over TCP when it is truncated. */
	qlen = res_nmkquery(&dns->res, ns_o_query, text, ns_c_in, (int)type, NULL, 0, NULL, query, sizeof(query));
	if (qlen < 0 || (qlen = aa_dns_add_edns0(query, (size_t)qlen, sizeof(query), dns->res.options)) < 0)
		return;
	len = res_nsend(&dns->res, query, qlen, buf, DNS_ANSWER_MAX);
	if (len < 0)
		return;	/* timeouts, no server: TEMPFAIL */
	if ((size_t)len < NS_HFIXEDSZ) {
		out->status = AA_DNS_MALFORMED;
		return;
	}
	/* an extended RCODE (BADVERS and the like) is no answer at all, and
	 * its low 4 bits in the header must not pass for NXDOMAIN or NOERROR */
	if (aa_dns_extended_rcode(buf, (size_t)len) != 0)
		return;	/* TEMPFAIL */
	switch (buf[3] & 0x0f) {	/* RCODE */
	case ns_r_noerror:
		if (aa_dns_parse_answer(dns, buf, (size_t)len, type, out) == 0 && out->status == AA_DNS_NODATA)
			out->negative_ttl = aa_dns_negative_ttl(buf, (size_t)len);
		break;
	case ns_r_nxdomain:
		out->status = AA_DNS_NXDOMAIN;
		out->negative_ttl = aa_dns_negative_ttl(buf, (size_t)len);
		break;
	default:	/* FORMERR, YXDOMAIN and the rest (res_nsend() itself fails on
			 * SERVFAIL, REFUSED and NOTIMP): ask again later */
		out->status = AA_DNS_TEMPFAIL;
		break;
	}
}

void aa_dns_resolver_close(struct aa_dns *dns)
{
	if (dns->res_ready)
		res_nclose(&dns->res);
	dns->res_ready = 0;
	free(dns->answer_buf);
	dns->answer_buf = NULL;
}
