/* dns_keep.c - answers kept across messages, each for its TTL.
 *
 * The message's cache (dns_cache.c) asks each question once a message;
 * this keeps the positive answers of the system resolver for the life of
 * the process, so the next message of a connection (Exim forks one
 * process per connection) or of the tool does not ask them again while
 * their TTL runs. Only answers with records are kept (a failure or a
 * name that does not exist is asked again), never longer than
 * AA_DNS_KEEP_TTL_MAX seconds, at most AA_DNS_KEEP_MAX of them (then the
 * one that expires first makes room). The table grows as answers come
 * (a process that judges one message keeps a few, and touches no more). The fixed zone is never kept: its
 * lines change under the unit tests. Copies are malloc()ed here and
 * copied into the message's arena when used, so an answer a message got
 * lives exactly as long as the message's other answers.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "aa_arena.h"
#include "dns_int.h"

struct dns_kept {
	char *name;
	enum aa_dns_type type;
	uint64_t expires_ms;		/* on dns->clock */
	struct aa_dns_answer answer;	/* rr and their text malloc()ed */
};

static void kept_clear(struct dns_kept *k)
{
	for (size_t i = 0; i < k->answer.count; i++)
		free(k->answer.rr[i].text);
	free(k->answer.rr);
	free(k->name);
	memset(k, 0, sizeof(*k));
}

void aa_dns_keep_free(struct aa_dns *dns)
{
	for (size_t i = 0; i < dns->kept_cap; i++)
		kept_clear(&dns->kept[i]);
	free(dns->kept);
	dns->kept = NULL;
	dns->kept_cap = 0;
}

#define KEEP_FIRST 16

/* Room for one more entry when every one is in use: 0, or -1 when the
 * table is at its cap or out of memory (then one is replaced). */
static int kept_grow(struct aa_dns *dns)
{
	size_t cap = dns->kept_cap == 0 ? KEEP_FIRST : 2 * dns->kept_cap;
	struct dns_kept *k;

	if (dns->kept_cap >= AA_DNS_KEEP_MAX)
		return -1;
	if (cap > AA_DNS_KEEP_MAX)
		cap = AA_DNS_KEEP_MAX;
	k = realloc(dns->kept, cap * sizeof(*k));
	if (k == NULL)
		return -1;
	memset(k + dns->kept_cap, 0, (cap - dns->kept_cap) * sizeof(*k));
	dns->kept = k;
	dns->kept_cap = cap;
	return 0;
}

/* A copy of the records of a in the arena, or -1 when out of memory. */
static int copy_to_arena(struct aa_arena *arena, const struct aa_dns_answer *from, struct aa_dns_answer *to)
{
	struct aa_dns_rr *rr = aa_arena_alloc(arena, from->count * sizeof(*rr));

	if (rr == NULL)
		return -1;
	for (size_t i = 0; i < from->count; i++) {
		rr[i] = from->rr[i];
		if (from->rr[i].text != NULL) {
			if ((rr[i].text = aa_arena_alloc(arena, from->rr[i].text_len + 1)) == NULL)
				return -1;
			memcpy(rr[i].text, from->rr[i].text, from->rr[i].text_len + 1);
		}
	}
	*to = *from;
	to->rr = rr;
	return 0;
}

int aa_dns_keep_find(struct aa_dns *dns, const char *key, enum aa_dns_type type, struct aa_dns_answer *out)
{
	uint64_t now = dns->clock(dns->clock_arg);

	for (size_t i = 0; i < dns->kept_cap; i++) {
		struct dns_kept *k = &dns->kept[i];

		if (k->name == NULL || k->type != type || strcmp(k->name, key) != 0)
			continue;
		if (now >= k->expires_ms) {
			kept_clear(k);
			return -1;
		}
		return copy_to_arena(dns->arena, &k->answer, out);
	}
	return -1;
}

void aa_dns_keep_add(struct aa_dns *dns, const char *key, enum aa_dns_type type, const struct aa_dns_answer *a)
{
	uint64_t now = dns->clock(dns->clock_arg);
	unsigned ttl = AA_DNS_KEEP_TTL_MAX;
	struct dns_kept *k = NULL;
	bool room = false;

	if (dns->use_zone || a->status != AA_DNS_OK || a->count == 0)
		return;
	for (size_t i = 0; i < a->count; i++)
		if (a->rr[i].ttl < ttl)
			ttl = a->rr[i].ttl;
	if (ttl == 0)
		return;
	for (size_t i = 0; i < dns->kept_cap && !room; i++) {
		struct dns_kept *c = &dns->kept[i];

		room = c->name == NULL || now >= c->expires_ms;
		if (room || k == NULL || c->expires_ms < k->expires_ms)
			k = c;		/* else full: the one that expires first goes */
	}
	if (!room) {
		size_t used = dns->kept_cap;

		if (kept_grow(dns) == 0)
			k = &dns->kept[used];	/* the first new entry */
	}
	if (k == NULL)
		return;		/* no table and no memory for one */
	kept_clear(k);
	if ((k->name = strdup(key)) == NULL || (k->answer.rr = calloc(a->count, sizeof(*a->rr))) == NULL) {
		kept_clear(k);
		return;
	}
	k->type = type;
	k->expires_ms = now + (uint64_t)ttl * 1000;
	k->answer = (struct aa_dns_answer){ .status = a->status, .type = a->type, .count = 0, .rr = k->answer.rr };
	for (size_t i = 0; i < a->count; i++) {
		k->answer.rr[i] = a->rr[i];
		k->answer.rr[i].text = NULL;
		if (a->rr[i].text != NULL) {
			if ((k->answer.rr[i].text = malloc(a->rr[i].text_len + 1)) == NULL) {
				kept_clear(k);
				return;
			}
			memcpy(k->answer.rr[i].text, a->rr[i].text, a->rr[i].text_len + 1);
		}
		k->answer.count = i + 1;
	}
}
