/* dns_shared.c - answers shared by the processes of one Exim daemon.
 *
 * Exim forks a process per connection, so answers kept in a process
 * (dns_keep.c) serve only the rest of that connection: at one message
 * per connection every message asked every question again. The daemon
 * maps this table (shared, anonymous) before it forks; every process it
 * forks after that reads and writes the same slots. Each answer, positive
 * or negative (RFC 2308: NXDOMAIN and NODATA for the SOA's negative TTL,
 * never without an SOA), is served for what is left of its TTL, at most
 * AA_DNS_KEEP_TTL_MAX seconds; temporary failures and malformed answers
 * are never written.
 *
 * Nothing here is trusted: a process may die while it writes, two may
 * write one slot, the bytes may be anything. A writer builds the whole
 * slot in its own memory, checksum included, then claims the shared slot
 * (its sequence number made odd by compare-and-swap), copies it in and
 * publishes it (even again, by compare-and-swap: not when another writer
 * took the slot over meanwhile). A reader copies the slot, checks that
 * the sequence number did not move and that the checksum matches, then
 * every length and record type against the slot, and takes it only when
 * the name and type are the ones asked. Anything else is a miss, and a
 * miss only means asking the resolver. A slot left odd by a writer that
 * died is claimed again after SHARED_STALE_MS: bytes that writer still
 * copies can only break the checksum of the slot it lost. The slot's
 * place and the checksum are keyed with a secret the daemon draws when
 * it maps the table (kept in process memory, not in the table), so that
 * names cannot be chosen to share slots or to match another's checksum.
 * Negative answers are shared for at most SHARED_NEGATIVE_MAX seconds: a
 * forged "no such name" would reach every connection.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "aa_arena.h"
#include "aa_dns_name.h"
#include "dns_int.h"

#define SHARED_SLOTS 1024
#define SHARED_SLOT_SIZE 4096
#define SHARED_STALE_MS 2000	/* a writer holds a slot for microseconds */
#define SHARED_MAGIC 0x61616e73u	/* "aans" */
#define SHARED_NEGATIVE_MAX 60	/* seconds */

struct slot_head {
	uint32_t seq;		/* even: stable; odd: being written */
	uint32_t claimed_ms;	/* when the writer claimed it (dns clock, low 32 bits;
				 * 32-bit atomics work across processes everywhere) */
	/* the body, written from the writer's own copy: */
	uint64_t sum;		/* keyed checksum of what follows */
	uint32_t magic;
	uint32_t data_len;
	uint64_t expires_ms;
	uint16_t type;
	uint16_t status;
	uint16_t name_len;
	uint16_t count;
	char name[AA_DNS_NAME_MAX];
};

/* one record in the slot's data, followed by text_len octets of text */
struct packed_rr {
	uint16_t type;
	uint16_t pref;
	uint32_t chunks;
	uint32_t text_len;
	uint8_t has_text;
	uint8_t a[4];
	uint8_t aaaa[16];
};

#define SLOT_DATA_MAX (SHARED_SLOT_SIZE - sizeof(struct slot_head))

struct slot {
	struct slot_head h;
	unsigned char data[SLOT_DATA_MAX];
};
_Static_assert(sizeof(struct slot) == SHARED_SLOT_SIZE, "a slot is its size");

static struct slot *table;	/* SHARED_SLOTS slots, or NULL: none mapped */
static uint64_t secret;		/* keys slot places and checksums */

int aa_dns_shared_start(void)
{
	struct timespec ts;
	void *p;

	if (table != NULL)
		return 0;
	if (getrandom(&secret, sizeof(secret), GRND_NONBLOCK) != (ssize_t)sizeof(secret)) {
		clock_gettime(CLOCK_REALTIME, &ts);	/* no entropy yet: still unknown outside */
		secret = ((uint64_t)ts.tv_nsec << 32) ^ (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 48) ^
			 (uint64_t)(uintptr_t)&ts;
	}
	p = mmap(NULL, (size_t)SHARED_SLOTS * SHARED_SLOT_SIZE, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	madvise(p, (size_t)SHARED_SLOTS * SHARED_SLOT_SIZE, MADV_DONTDUMP);
	table = p;	/* zero pages: every seq even, every slot empty */
	return 0;
}

void aa_dns_shared_stop(void)
{
	if (table != NULL)
		munmap(table, (size_t)SHARED_SLOTS * SHARED_SLOT_SIZE);
	table = NULL;
}

int aa_dns_shared_active(void)
{
	return table != NULL;
}

void *aa_dns_shared_memory(size_t *size_r)
{
	*size_r = table != NULL ? (size_t)SHARED_SLOTS * SHARED_SLOT_SIZE : 0;
	return table;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* FNV-1a started from the secret, then mixed (splitmix64's finaliser),
 * so that neither a slot's place nor a checksum can be foretold. */
static uint64_t keyed_end(uint64_t h)
{
	h ^= secret;
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static uint64_t key_hash(const char *key, size_t len, enum aa_dns_type type)
{
	uint16_t t = (uint16_t)type;

	return keyed_end(fnv(fnv(0xcbf29ce484222325ull ^ secret, &t, sizeof(t)), key, len));
}

/* The body after the sum, as far as it is used. */
#define BODY_START offsetof(struct slot, h.magic)
static size_t body_len(size_t data_len)
{
	return offsetof(struct slot, data) - BODY_START + data_len;
}

/* The keyed checksum of a slot's body (data_len already checked). */
static uint64_t slot_sum(const struct slot *s, size_t data_len)
{
	const unsigned char *body = (const unsigned char *)s + BODY_START;

	return keyed_end(fnv(0x84222325cbf29ce4ull ^ secret, body, body_len(data_len)));
}

static struct slot *slot_at(uint64_t hash, unsigned way)
{
	return &table[(hash + way) % SHARED_SLOTS];
}

size_t aa_dns_shared_slot(const char *key, enum aa_dns_type type)
{
	return (size_t)(key_hash(key, strlen(key), type) % SHARED_SLOTS);
}

/* The types whose records carry text (aa_dns.h): names and TXT. */
static uint8_t type_has_text(uint16_t type)
{
	return type == AA_DNS_TXT || type == AA_DNS_MX || type == AA_DNS_PTR || type == AA_DNS_CNAME;
}

/* A consistent copy of slot s into *copy: 0, or -1 while it is written. */
static int slot_read(const struct slot *s, struct slot *copy)
{
	uint32_t before = __atomic_load_n(&s->h.seq, __ATOMIC_ACQUIRE);

	if (before & 1)
		return -1;
	memcpy(copy, s, sizeof(*copy));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&s->h.seq, __ATOMIC_RELAXED) == before ? 0 : -1;
}

/* Slot s (a reader's copy, or the table's read without the lock: a
 * wrong guess there only costs an answer kept elsewhere) holds the name. */
static bool slot_holds(const struct slot *s, const char *key, size_t len, enum aa_dns_type type)
{
	return s->h.magic == SHARED_MAGIC && s->h.name_len == len && s->h.type == (uint16_t)type &&
	       memcmp(s->h.name, key, len) == 0;
}

/* The records of copy into out (in the arena), each with the TTL left.
 * A slot gets here only as its writer built it (the keyed checksum held):
 * the checks below are the last line, should a writer ever be wrong. */
static int unpack(struct aa_dns *dns, const struct slot *copy, unsigned ttl_left, struct aa_dns_answer *out)
{
	size_t pos = 0, len = copy->h.data_len;
	struct aa_dns_rr *rr = NULL;

	if (copy->h.count > 0 && (rr = aa_arena_alloc(dns->arena, copy->h.count * sizeof(*rr))) == NULL)
		return -1;
	for (size_t i = 0; i < copy->h.count; i++) {
		struct packed_rr p;

		if (len - pos < sizeof(p))
			return -1;
		memcpy(&p, copy->data + pos, sizeof(p));
		pos += sizeof(p);
		/* each record of the answer's type, with text exactly when the type has it */
		if (p.type != copy->h.type || p.has_text != type_has_text(p.type))
			return -1;
		memset(&rr[i], 0, sizeof(rr[i]));
		rr[i].type = (enum aa_dns_type)p.type;
		rr[i].ttl = ttl_left;
		rr[i].pref = p.pref;
		rr[i].chunks = p.chunks;
		memcpy(&rr[i].a, p.a, sizeof(p.a));
		memcpy(&rr[i].aaaa, p.aaaa, sizeof(p.aaaa));
		if (p.has_text) {
			if (p.text_len > len - pos || (rr[i].text = aa_arena_alloc(dns->arena, (size_t)p.text_len + 1)) == NULL)
				return -1;
			memcpy(rr[i].text, copy->data + pos, p.text_len);
			rr[i].text[p.text_len] = '\0';
			rr[i].text_len = p.text_len;
			pos += p.text_len;
		} else if (p.text_len != 0) {
			return -1;
		}
	}
	if (pos != len)
		return -1;
	out->status = (enum aa_dns_status)copy->h.status;
	out->type = (enum aa_dns_type)copy->h.type;
	out->count = copy->h.count;
	out->rr = rr;
	out->negative_ttl = out->status == AA_DNS_OK ? 0 : ttl_left;
	return 0;
}

int aa_dns_shared_find(struct aa_dns *dns, const char *key, enum aa_dns_type type, struct aa_dns_answer *out)
{
	size_t len = strlen(key);
	uint64_t hash, now;
	struct slot copy;

	if (table == NULL || len > AA_DNS_NAME_MAX)
		return -1;
	hash = key_hash(key, len, type);
	now = dns->clock(dns->clock_arg);
	for (unsigned way = 0; way < 2; way++) {
		const struct slot_head *h = &copy.h;

		if (slot_read(slot_at(hash, way), &copy) < 0)
			continue;
		if (!slot_holds(&copy, key, len, type) || h->data_len > SLOT_DATA_MAX || h->count > DNS_RR_MAX ||
		    (h->status != AA_DNS_OK && h->status != AA_DNS_NXDOMAIN && h->status != AA_DNS_NODATA) ||
		    (h->status == AA_DNS_OK) != (h->count > 0) || h->sum != slot_sum(&copy, h->data_len))
			continue;
		/* a whole second left, or it is as good as expired */
		if (h->expires_ms < now + 1000 ||
		    h->expires_ms - now > (uint64_t)(h->status == AA_DNS_OK ? AA_DNS_KEEP_TTL_MAX
									: SHARED_NEGATIVE_MAX) * 1000)
			continue;
		if (unpack(dns, &copy, (unsigned)((h->expires_ms - now) / 1000), out) == 0)
			return 0;
		aa_dns_answer_clear(out);
	}
	return -1;
}

/* The records of a packed into s->data: 0, or -1 when they do not fit. */
static int pack(struct slot *s, const struct aa_dns_answer *a)
{
	size_t pos = 0;

	for (size_t i = 0; i < a->count; i++) {
		const struct aa_dns_rr *r = &a->rr[i];
		struct packed_rr p;

		memset(&p, 0, sizeof(p));
		p.type = (uint16_t)r->type;
		p.pref = r->pref;
		p.chunks = r->chunks;
		memcpy(p.a, &r->a, sizeof(p.a));
		memcpy(p.aaaa, &r->aaaa, sizeof(p.aaaa));
		p.has_text = r->text != NULL;
		p.text_len = r->text != NULL ? (uint32_t)r->text_len : 0;
		if (r->text != NULL && r->text_len > UINT32_MAX)
			return -1;
		if (SLOT_DATA_MAX - pos < sizeof(p) || SLOT_DATA_MAX - pos - sizeof(p) < p.text_len)
			return -1;
		memcpy(s->data + pos, &p, sizeof(p));
		pos += sizeof(p);
		if (p.text_len > 0)
			memcpy(s->data + pos, r->text, p.text_len);
		pos += p.text_len;
	}
	s->h.data_len = (uint32_t)pos;
	return 0;
}

/* Claim s for writing: its odd sequence number, or 0 when another
 * process is writing it and has not been at it for SHARED_STALE_MS (a
 * claim time not in the past, wrapping counted, is a writer at work). */
static uint32_t slot_claim(struct slot *s, uint64_t now)
{
	uint32_t seq = __atomic_load_n(&s->h.seq, __ATOMIC_ACQUIRE);
	uint32_t want = seq & 1 ? seq + 2 : seq + 1;
	uint32_t held = (uint32_t)now - __atomic_load_n(&s->h.claimed_ms, __ATOMIC_RELAXED);

	if ((seq & 1) && (held < SHARED_STALE_MS || held > UINT32_MAX / 2))
		return 0;
	if (!__atomic_compare_exchange_n(&s->h.seq, &seq, want, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
		return 0;
	__atomic_store_n(&s->h.claimed_ms, (uint32_t)now, __ATOMIC_RELAXED);
	return want;
}

/* How long a may be served, in seconds (0: not at all). */
static unsigned answer_ttl(const struct aa_dns_answer *a)
{
	unsigned ttl = AA_DNS_KEEP_TTL_MAX;

	switch (a->status) {
	case AA_DNS_OK:
		for (size_t i = 0; i < a->count; i++)
			if (a->rr[i].ttl < ttl)
				ttl = a->rr[i].ttl;
		return a->count > 0 ? ttl : 0;
	case AA_DNS_NXDOMAIN:
	case AA_DNS_NODATA:
		return a->negative_ttl < SHARED_NEGATIVE_MAX ? a->negative_ttl : SHARED_NEGATIVE_MAX;
	default:
		return 0;	/* a failure is asked again */
	}
}

/* Of the two slots a name may use: the one holding it, else an empty or
 * expired one, else the one that expires first. */
static struct slot *pick_slot(uint64_t hash, const char *key, size_t len, enum aa_dns_type type, uint64_t now)
{
	struct slot *s0 = slot_at(hash, 0), *s1 = slot_at(hash, 1);

	if (slot_holds(s0, key, len, type))
		return s0;
	if (slot_holds(s1, key, len, type))
		return s1;
	if (s0->h.magic != SHARED_MAGIC || s0->h.expires_ms <= now)
		return s0;
	if (s1->h.magic != SHARED_MAGIC || s1->h.expires_ms <= now)
		return s1;
	return s0->h.expires_ms <= s1->h.expires_ms ? s0 : s1;
}

void aa_dns_shared_add(struct aa_dns *dns, const char *key, enum aa_dns_type type, const struct aa_dns_answer *a)
{
	size_t len = strlen(key);
	unsigned ttl = answer_ttl(a);
	uint64_t hash, now;
	struct slot mine, *s;
	uint32_t seq;

	if (table == NULL || ttl < 2 || len > AA_DNS_NAME_MAX || a->count > DNS_RR_MAX)
		return;
	now = dns->clock(dns->clock_arg);
	/* the whole slot in our own memory first, checksum included */
	memset(&mine.h, 0, sizeof(mine.h));
	mine.h.magic = SHARED_MAGIC;
	mine.h.expires_ms = now + (uint64_t)ttl * 1000;
	mine.h.type = (uint16_t)type;
	mine.h.status = (uint16_t)a->status;
	mine.h.name_len = (uint16_t)len;
	mine.h.count = (uint16_t)a->count;
	memcpy(mine.h.name, key, len);
	if (pack(&mine, a) < 0)
		return;	/* too big for a slot */
	mine.h.sum = slot_sum(&mine, mine.h.data_len);
	hash = key_hash(key, len, type);
	now = dns->clock(dns->clock_arg);
	s = pick_slot(hash, key, len, type, now);
	if ((seq = slot_claim(s, now)) == 0)
		return;	/* another process is writing there: ask again next time */
	__atomic_thread_fence(__ATOMIC_RELEASE);	/* the claim before the copy */
	memcpy((unsigned char *)s + offsetof(struct slot, h.sum), (unsigned char *)&mine + offsetof(struct slot, h.sum),
	       offsetof(struct slot, data) - offsetof(struct slot, h.sum) + mine.h.data_len);
	/* publish, unless a process took the slot over meanwhile */
	__atomic_compare_exchange_n(&s->h.seq, &seq, seq + 1, false, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}
