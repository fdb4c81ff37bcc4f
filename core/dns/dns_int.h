/* dns_int.h - what the files of core/dns share, and what its unit tests reach.
 *
 * core/dns is split by job: dns.c (the handle and the front: names
 * checked, cache, budget), dns_cache.c (the message's answers),
 * dns_keep.c (answers kept across messages for their TTL), dns_shared.c
 * (answers the daemon's processes share),
 * dns_resolve.c (the system resolver), dns_wire.c (response packets),
 * dns_zone.c (the fixed zone), dns_words.c (status and type words). Nothing here is exported from the plugin
 * (-fvisibility=hidden); the interface is include/aa_dns.h. A name in
 * text is the aa_dns form: the label octets as they are, '.' between
 * labels, no final dot, so a '.' or a NUL can never be inside a label.
 */
#ifndef AA_DNS_INT_H
#define AA_DNS_INT_H

#include <resolv.h>
#include <stddef.h>
#include <stdint.h>
#include "aa_dns.h"

struct aa_arena;
struct aa_arena_hook;
struct dns_kept;

/* Answers indexed for the cache per message; answers past it are still
 * kept valid (in the arena), only asked again if asked again. */
#define AA_DNS_CACHE_MAX 512

/* Answers kept across messages (dns_keep.c), and for how long at most. */
#define AA_DNS_KEEP_MAX 256
#define AA_DNS_KEEP_TTL_MAX 300

#define DNS_ANSWER_MAX 65536		/* largest TCP answer */
#define DNS_RR_MAX 64			/* records kept per answer */

/* The clock the budget reads, in milliseconds: a monotonic clock, or a
 * test's. Read once before and once after each question sent. */
typedef uint64_t aa_dns_clock_fn(void *arg);
void aa_dns_set_clock(struct aa_dns *dns, aa_dns_clock_fn *fn, void *arg);

/* One question of the message and its answer, in the arena. */
struct cache_entry {
	struct cache_entry *next;
	char *name;
	enum aa_dns_type type;
	struct aa_dns_answer answer;
};

/* One line of the fixed zone, malloc'd, kept as long as the dns. */
struct zone_rec {
	struct zone_rec *next;
	char *name;
	enum aa_dns_type type;		/* 0 with fail set: every type */
	enum aa_dns_status fail;	/* AA_DNS_OK: a record */
	struct aa_dns_rr rr;
};

struct aa_dns {
	struct aa_dns_config config;
	int use_zone;
	struct zone_rec *zone;
	struct __res_state res;
	int res_ready;
	unsigned char *answer_buf;	/* DNS_ANSWER_MAX bytes, made on the first question */
	/* answers and cache entries: the message's arena, or own_arena */
	struct aa_arena *arena;
	struct aa_arena *own_arena;
	/* the message: set while the cache or the budget holds anything,
	 * run (and cleared) when arena is reset */
	struct aa_arena_hook *hook;
	struct cache_entry *cache;
	unsigned cache_count;
	unsigned long queries;
	/* the time budget of the current message */
	uint64_t spent_ms;
	int budget_out;
	aa_dns_clock_fn *clock;
	void *clock_arg;
	struct aa_dns_answer tempfail_answer;
	struct aa_dns_answer badname_answer;
	struct dns_kept *kept;		/* answers kept across messages; NULL none yet */
	size_t kept_cap;		/* entries of kept, grown up to AA_DNS_KEEP_MAX */
};

/* dns_keep.c: the resolver's answers kept for their TTL across messages.
 * find: a copy in the message's arena into out, 0; -1 when none is kept
 * (or it expired, or no memory). add: keep a (records only, not the fixed
 * zone's). free: all of them (aa_dns_free). */
int aa_dns_keep_find(struct aa_dns *dns, const char *key, enum aa_dns_type type, struct aa_dns_answer *out);
void aa_dns_keep_add(struct aa_dns *dns, const char *key, enum aa_dns_type type, const struct aa_dns_answer *a);
void aa_dns_keep_free(struct aa_dns *dns);

/* dns_shared.c: the answers the daemon's processes share (aa_dns.h).
 * find: a copy in the message's arena, its TTL what is left; -1 when
 * there is none, or it is being written, expired or unreadable. add:
 * share an answer (records, NXDOMAIN or NODATA) for its TTL. */
int aa_dns_shared_find(struct aa_dns *dns, const char *key, enum aa_dns_type type, struct aa_dns_answer *out);
void aa_dns_shared_add(struct aa_dns *dns, const char *key, enum aa_dns_type type, const struct aa_dns_answer *a);
/* The table's memory and size, NULL when none, and the slot a name takes
 * first (tests that damage it or make names share slots). */
void *aa_dns_shared_memory(size_t *size_r);
size_t aa_dns_shared_slot(const char *key, enum aa_dns_type type);

/* dns_wire.c: the negative TTL of a response (RFC 2308 5): the lowest of
 * the TTL and the MINIMUM of the SOA in its authority section and the TTL
 * of any record in its answer section (a CNAME); 0 when it has no SOA or
 * is malformed. A TTL read off the wire: 0 when its top bit is set. */
unsigned aa_dns_negative_ttl(const unsigned char *buf, size_t len);
/* dns_wire.c: the upper 8 bits of an EDNS0 response's RCODE (RFC 6891
 * 6.1.3: the OPT record's TTL field), 0 without an OPT record. */
unsigned aa_dns_extended_rcode(const unsigned char *buf, size_t len);
unsigned aa_dns_ttl(uint32_t wire);

/* Drop what an answer holds (its memory stays in the arena until the
 * message ends). */
static inline void aa_dns_answer_clear(struct aa_dns_answer *a)
{
	a->rr = NULL;
	a->count = 0;
}

/* dns_words.c: a type word, any case ("txt" as "TXT"). 0 or -1. */
int aa_dns_type_parse(const char *word, enum aa_dns_type *t);

/* dns_cache.c: the entry of (key, type) asked in this message, or NULL. */
struct cache_entry *aa_dns_cache_find(struct aa_dns *dns, const char *key, enum aa_dns_type type);
/* A new entry in the arena (key is len octets, lower case), not yet
 * indexed; the first of a message registers the hook that ends the
 * message with the arena. NULL when out of memory. */
struct cache_entry *aa_dns_cache_new(struct aa_dns *dns, const char *key, size_t len,
				     enum aa_dns_type type);
/* Index an answered entry (up to AA_DNS_CACHE_MAX a message). */
void aa_dns_cache_add(struct aa_dns *dns, struct cache_entry *c);
/* End the message without resetting the arena (cancels the hook). */
void aa_dns_cache_detach(struct aa_dns *dns);

/* dns_resolve.c: ask the system resolver, with left_ms of the budget
 * left; the answer's records go in dns's arena. */
void aa_dns_resolve(struct aa_dns *dns, const char *name, enum aa_dns_type type,
		    uint64_t left_ms, struct aa_dns_answer *out);
void aa_dns_resolver_close(struct aa_dns *dns);

/* dns_resolve.c: an EDNS0 OPT record (RFC 6891; payload 1200, DO with
 * RES_USE_DNSSEC) after the query of len bytes in a buffer of size, as
 * res_nquery() adds one when options has RES_USE_EDNS0 or RES_USE_DNSSEC.
 * The new length; len itself without those options; -1 when it does not
 * fit or the query already has additional records. */
int aa_dns_add_edns0(unsigned char *query, size_t len, size_t size, unsigned long options);

/* The presentation form res_nmkquery() takes for the text name (len octets):
 * every '\' doubled, so the resolver reads no escape and the question
 * holds exactly the label octets given. Returns 0, or -1 when size is
 * too small. */
int aa_dns_escape_name(const char *name, size_t len, char *buf, size_t size);

/* dns_wire.c: the name at src in a message (compression followed) in
 * text. Returns 0, or -1 when it is malformed, does not fit in size, or
 * has a label holding '.' or NUL, which the text form cannot say. The
 * root is "". */
int aa_dns_unpack_name(const unsigned char *msg, const unsigned char *eom,
		       const unsigned char *src, char *buf, size_t size);

/* The answer section of a response packet of len bytes (as res_nsend()
 * returns it) for a question of type into *out, which must start zeroed:
 * the records of that type (at most 64; CNAME links and other types are
 * skipped, each record's TTL cut to the lowest in the section), else NODATA; a malformed packet or record is MALFORMED, a
 * truncated one TEMPFAIL. Returns 0 when the packet was read, -1 when not.
 * The records live in dns's arena (the message's, or the handle's own). */
int aa_dns_parse_answer(struct aa_dns *dns, const unsigned char *buf, size_t len,
			enum aa_dns_type type, struct aa_dns_answer *out);

/* dns_zone.c: load a zone file (*err_r says which line is bad), answer
 * the key (lower case, no final dot) from the zone, free the zone. */
int aa_dns_zone_load(struct aa_dns *dns, const char *path, const char **err_r);
void aa_dns_zone_lookup(struct aa_dns *dns, const char *key, enum aa_dns_type type,
			struct aa_dns_answer *out);
void aa_dns_zone_free(struct aa_dns *dns);

#endif
