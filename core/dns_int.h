/* dns_int.h - name conversions and packet parsing of core/dns.c that the
 * unit tests and test/fuzz/fuzz_dns_wire.c reach.
 *
 * Nothing here is exported from the plugin (-fvisibility=hidden); the
 * interface is include/aa_dns.h. A name in text is the aa_dns form: the
 * label octets as they are, '.' between labels, no final dot, so a '.'
 * or a NUL can never be inside a label.
 */
#ifndef AA_DNS_INT_H
#define AA_DNS_INT_H

#include <stddef.h>
#include "aa_dns.h"

/* The presentation form res_nquery() takes for the text name (len octets):
 * every '\' doubled, so the resolver reads no escape and the question
 * holds exactly the label octets given. Returns 0, or -1 when size is
 * too small. */
int aa_dns_escape_name(const char *name, size_t len, char *buf, size_t size);

/* The name at src in a message (compression followed) in text. Returns
 * 0, or -1 when it is malformed, does not fit in size, or has a label
 * holding '.' or NUL, which the text form cannot say. The root is "". */
int aa_dns_unpack_name(const unsigned char *msg, const unsigned char *eom,
		       const unsigned char *src, char *buf, size_t size);

/* The answer section of a response packet of len bytes (as res_nquery()
 * returns it) for a question of type into *out, which must start zeroed:
 * the records of that type (at most 64; CNAME links and other types are
 * skipped), else NODATA; a malformed packet or record is MALFORMED, a
 * truncated one TEMPFAIL. Returns 0 when the packet was read, -1 when not.
 * out->rr is malloc'd: aa_dns_answer_clear() frees it. */
int aa_dns_parse_answer(const unsigned char *buf, size_t len, enum aa_dns_type type,
			struct aa_dns_answer *out);
void aa_dns_answer_clear(struct aa_dns_answer *a);

#endif
