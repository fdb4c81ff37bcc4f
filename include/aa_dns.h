/* aa_dns.h - the one place authalign asks DNS questions.
 *
 * SPF (through a libspf2 DNS layer), DKIM (through libopendkim's query
 * hooks) and DMARC all fetch here, so every question is bounded in time,
 * cached for the life of one message, counted, and mapped to one status
 * vocabulary; and all the questions of one message (SMTP transaction)
 * share a total time budget (RFC 7208 4.6.4 asks for an overall limit).
 * Two back ends: the system resolver (res_nsend with our own timeouts),
 * or a fixed zone loaded from a text file for unit tests and the offline
 * tool.
 *
 * It knows the toolkit (core/lib: the arena, the name checks) and
 * nothing else: not SPF, DKIM or DMARC, not the context, not Exim. What
 * a question means is its caller's business.
 *
 * Lifetime (aa_arena.h): answers live in the message's arena until it is
 * reset; the cache and the budget are the message's too, and empty
 * themselves in a hook on that reset. Nobody frees an answer.
 */
#ifndef AA_DNS_H
#define AA_DNS_H

#include <netinet/in.h>
#include <stddef.h>

struct aa_arena;

/* The default total time of one message's questions (dns_budget). */
#define AA_DNS_BUDGET_DEFAULT_MS 20000

enum aa_dns_status {
	AA_DNS_OK = 0,		/* at least one record of the type */
	AA_DNS_NXDOMAIN,	/* the name does not exist */
	AA_DNS_NODATA,		/* the name exists, no record of the type */
	AA_DNS_TEMPFAIL,	/* SERVFAIL, timeout, truncation, no memory */
	AA_DNS_MALFORMED,	/* an answer we could not parse (temp too) */
	AA_DNS_BADNAME,		/* the name cannot be asked: not sent */
};

/* RR types we use; the values are the IANA ones. */
enum aa_dns_type {
	AA_DNS_A = 1,
	AA_DNS_CNAME = 5,
	AA_DNS_PTR = 12,
	AA_DNS_MX = 15,
	AA_DNS_TXT = 16,
	AA_DNS_AAAA = 28,
};

struct aa_dns_rr {
	enum aa_dns_type type;
	unsigned ttl;
	unsigned short pref;		/* MX only */
	/* A/AAAA: addr; MX/PTR/CNAME: name in the same text form as asked
	 * (label octets as they are, no trailing dot; a name with '.' or
	 * NUL inside a label makes the answer MALFORMED);
	 * TXT: the character-strings concatenated, text_len bytes (may hold
	 * NUL bytes) plus a terminating NUL that is not counted. */
	struct in_addr a;
	struct in6_addr aaaa;
	char *text;
	size_t text_len;
	/* TXT only: how many character-strings made up the record. */
	unsigned chunks;
};

struct aa_dns_answer {
	enum aa_dns_status status;
	enum aa_dns_type type;
	size_t count;
	struct aa_dns_rr *rr;
	/* NXDOMAIN and NODATA from the resolver: how many seconds the answer
	 * may be kept (RFC 2308 5: the SOA's TTL or MINIMUM, the lower;
	 * 0 when the answer had no SOA) */
	unsigned negative_ttl;
};

struct aa_dns_config {
	unsigned timeout_ms;	/* per try; default 2000 */
	unsigned tries;		/* default 2 */
	unsigned budget_ms;	/* per message, all questions; default 20000 */
	const char *zone_file;	/* NULL: system resolver */
	int shared;		/* use the daemon's shared answers (aa_dns_shared_start) */
};

struct aa_dns;

/* NULL config means the defaults. Returns NULL when out of memory or the
 * zone file cannot be read (errno set, *err_r says which line). */
struct aa_dns *aa_dns_new(const struct aa_dns_config *config, const char **err_r);
void aa_dns_free(struct aa_dns **dns);

/* Put answers in arena (the message's; NULL: the dns's own one, emptied
 * by aa_dns_flush()). Ends the current message: forgets the cache and
 * restarts the budget. When arena is reset or freed, the message ends
 * again (a hook the cache registers with its first answer). */
void aa_dns_set_arena(struct aa_dns *dns, struct aa_arena *arena);

/* Ask (name, type). The answer lives in the arena and stays valid until
 * the arena is reset (the message's end), whatever the number of
 * questions asked after it. Never NULL: no memory gives a TEMPFAIL
 * answer, and so does a question once the time budget is spent (below).
 * A name is its label octets as they are, '.' between labels, one final
 * '.' optional; it is compared without ASCII case (RFC 4343) and
 * otherwise exactly. Labels may hold printable ASCII including space
 * (0x20..0x7e), so SPF macro names such as "a%b  c.example" can be asked;
 * '\' is an ordinary octet, never an escape ("a\032b" is not "a b").
 * Control bytes, DEL, 8-bit bytes, an empty label, a label over 63 or a
 * name over 253 octets give BADNAME without a query (aa_dns_name_check()
 * with AA_DNS_NAME_ROOT_DOT | AA_DNS_NAME_PRINTABLE). */
const struct aa_dns_answer *aa_dns_lookup(struct aa_dns *dns, const char *name,
					  enum aa_dns_type type);

/* End the message of a dns that keeps answers in its own arena (none
 * set): that arena is reset, so the answers go, the cache empties and the
 * budget starts again. A dns using a message arena ends its message with
 * that arena's reset (aa_ctx_end_message()); then this does nothing. */
void aa_dns_flush(struct aa_dns *dns);

/* The time budget: the time spent waiting for answers (the fixed zone
 * included) is summed from the last restart; a question that is not in
 * the cache and comes when the sum has reached budget_ms gets TEMPFAIL
 * without being sent. The question that crosses the limit runs with its
 * tries and time per try cut to what was left (whole seconds for the
 * resolver). The budget starts again when the message ends, with the
 * cache (the arena's reset): the adapter ends a message at its end and
 * when a new SMTP transaction starts. */
/* 1 when a question was refused for the budget since the restart. */
int aa_dns_budget_exhausted(const struct aa_dns *dns);
unsigned aa_dns_budget_ms(const struct aa_dns *dns);

/* Questions sent to the back end since aa_dns_new() (cache hits excluded). */
unsigned long aa_dns_queries(const struct aa_dns *dns);

/* The fixed zone: add records, or make a name fail. Only for a dns made
 * with a zone_file, or with aa_dns_new_zone(). Returns 0 or -1.
 * One record a line, '#' starts a comment:
 *   name A 192.0.2.1
 *   name AAAA 2001:db8::1
 *   name MX 10 mx.example.com
 *   name TXT "v=spf1 " "-all"      (quoted strings, \" and \DDD escapes)
 *   name TXT v=spf1 -all           (unquoted: the rest of the line)
 *   name PTR host.example.com      (CNAME likewise)
 *   name TXT SERVFAIL              (that type fails temporarily)
 *   name ANY TIMEOUT               (every type fails temporarily)
 * A name with no line is NXDOMAIN; a name with lines of other types only
 * is NODATA. Names compare without case and without a trailing dot.
 * Names (the first field, and MX/PTR/CNAME targets) end at a blank and
 * take escapes: \DDD is the octet of decimal value DDD (001..255) and
 * \\ is a '\', so "a\032b.example" is the name "a b.example". An escaped
 * '.' (\046) or NUL, and any other '\', make the line malformed. */
struct aa_dns *aa_dns_new_zone(void);
int aa_dns_zone_add_line(struct aa_dns *dns, const char *line);

/* True when the status counts as a temporary DNS error. */
static inline int aa_dns_is_temp(enum aa_dns_status s)
{
	return s == AA_DNS_TEMPFAIL || s == AA_DNS_MALFORMED;
}

/* Reads a built-in resolver answer (a TXT record, its owner name
 * compressed) as a real one is read: 0 when it gives the record. The
 * daemon's rehearsal calls it, so that the resolver library's own calls
 * are bound before the fork and not in every connection. */
int aa_dns_rehearse_wire(struct aa_dns *dns);

/* Answers shared by every process forked after this call, each served
 * for what is left of its TTL (at most 300 seconds; negative ones, 60):
 * Exim's daemon maps the table before it forks a process per connection.
 * Only a dns whose config says shared uses it, and never the fixed zone.
 * Returns 0 (also when it is mapped already), or -1 when the memory
 * cannot be mapped: then each process keeps its own answers. */
int aa_dns_shared_start(void);
/* 1 when this process has the table (made here or inherited). */
int aa_dns_shared_active(void);
/* Unmap it in this process (tests). */
void aa_dns_shared_stop(void);

const char *aa_dns_status_name(enum aa_dns_status s);
const char *aa_dns_type_name(enum aa_dns_type t);

#endif
