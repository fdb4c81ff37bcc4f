/* dns_int.h - name conversions of core/dns/dns.c that the unit tests reach.
 *
 * Nothing here is exported from the plugin (-fvisibility=hidden); the
 * interface is include/aa_dns.h. A name in text is the aa_dns form: the
 * label octets as they are, '.' between labels, no final dot, so a '.'
 * or a NUL can never be inside a label.
 */
#ifndef AA_DNS_INT_H
#define AA_DNS_INT_H

#include <stddef.h>
#include <stdint.h>
#include "aa_dns.h"

struct aa_dns;

/* Answers indexed for the cache per message; answers past it are still
 * kept valid (in the arena), only asked again if asked again. */
#define AA_DNS_CACHE_MAX 512

/* The clock the budget reads, in milliseconds: a monotonic clock, or a
 * test's. Read once before and once after each question sent. */
typedef uint64_t aa_dns_clock_fn(void *arg);
void aa_dns_set_clock(struct aa_dns *dns, aa_dns_clock_fn *fn, void *arg);

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
 * The records live in dns's arena (the message's, or the handle's own,
 * emptied by aa_dns_flush()). */
int aa_dns_parse_answer(struct aa_dns *dns, const unsigned char *buf, size_t len,
			enum aa_dns_type type, struct aa_dns_answer *out);

#endif
