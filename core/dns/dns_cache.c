/* dns_cache.c - one message's answers, indexed so a question is asked once.
 *
 * The index and the time budget belong to the message: the first answer
 * a message stores registers a hook on the arena holding it, and when
 * that arena is reset (the message ends, whoever resets it) the hook
 * empties the index and starts the budget again. The answers themselves
 * are never freed here: they go with the arena.
 */
#include <string.h>
#include "aa_arena.h"
#include "aa_dns.h"
#include "dns_int.h"

/* The arena is being reset: its answers go, and the message with them. */
static void message_end(void *arg)
{
	struct aa_dns *dns = arg;

	dns->hook = NULL;		/* it ran; the record goes with the arena */
	dns->cache = NULL;
	dns->cache_count = 0;
	dns->spent_ms = 0;
	dns->budget_out = 0;
}

struct cache_entry *aa_dns_cache_find(struct aa_dns *dns, const char *key, enum aa_dns_type type)
{
	for (struct cache_entry *c = dns->cache; c != NULL; c = c->next)
		if (c->type == type && strcmp(c->name, key) == 0)
			return c;
	return NULL;
}

struct cache_entry *aa_dns_cache_new(struct aa_dns *dns, const char *key, size_t len,
				     enum aa_dns_type type)
{
	struct cache_entry *c;

	if (dns->hook == NULL && aa_arena_on_reset(dns->arena, message_end, dns, &dns->hook) < 0)
		return NULL;
	c = aa_arena_alloc(dns->arena, sizeof(*c));
	if (c == NULL || (c->name = aa_arena_strndup(dns->arena, key, len)) == NULL)
		return NULL;
	c->type = type;
	c->answer.type = type;
	return c;
}

void aa_dns_cache_add(struct aa_dns *dns, struct cache_entry *c)
{
	/* past the cap an answer is still kept (in the arena) but no longer
	 * indexed, so the search stays short */
	if (dns->cache_count < AA_DNS_CACHE_MAX) {
		c->next = dns->cache;
		dns->cache = c;
		dns->cache_count++;
	}
}

/* The message ends without its arena: the dns goes, or changes arena. */
void aa_dns_cache_detach(struct aa_dns *dns)
{
	aa_arena_hook_cancel(&dns->hook);
	message_end(dns);
}

void aa_dns_set_arena(struct aa_dns *dns, struct aa_arena *arena)
{
	aa_dns_flush(dns);
	aa_dns_cache_detach(dns);
	dns->arena = arena != NULL ? arena : dns->own_arena;
}

void aa_dns_flush(struct aa_dns *dns)
{
	if (dns->arena == dns->own_arena)
		aa_arena_reset(dns->own_arena);
}
