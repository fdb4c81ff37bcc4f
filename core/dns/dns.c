/* dns.c - the DNS handle and its front: bounded, cached questions.
 *
 * aa_dns_lookup() checks the name, answers from the message's cache
 * (dns_cache.c) or asks the back end, the fixed zone (dns_zone.c) or the
 * system resolver (dns_resolve.c), and charges the time waited to the
 * message's budget. Answers live in the message's arena (or the dns's
 * own one), so every answer handed out stays valid until the message
 * ends, however many questions come after it; once the time spent
 * reaches the budget no further question is sent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "aa_ctype.h"
#include "aa_arena.h"
#include "aa_dns.h"
#include "aa_dns_name.h"
#include "dns_int.h"

static const struct aa_dns_config default_config = {
	.timeout_ms = 2000,
	.tries = 2,
	.budget_ms = AA_DNS_BUDGET_DEFAULT_MS,
	.zone_file = NULL,
	.shared = 1,
};

static uint64_t clock_monotonic_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A name we are willing to ask. A label may hold any octet (RFC 2181
 * 11), but we send only printable ASCII, space included (0x20..0x7e):
 * SPF macros make names with spaces and '%' (RFC 7208 7.1), while
 * control bytes, DEL and 8-bit bytes have no use in a name we look up.
 * '.' always separates labels; '\' is an ordinary octet
 * (aa_dns_escape_name() keeps the resolver from reading it). */
#define DNS_ASKABLE (AA_DNS_NAME_ROOT_DOT | AA_DNS_NAME_PRINTABLE)

struct aa_dns *aa_dns_new(const struct aa_dns_config *config, const char **err_r)
{
	struct aa_dns *dns = calloc(1, sizeof(*dns));
	const char *err = "out of memory";

	if (dns == NULL)
		goto fail;
	dns->config = config != NULL ? *config : default_config;
	if (dns->config.timeout_ms == 0)
		dns->config.timeout_ms = default_config.timeout_ms;
	if (dns->config.tries == 0)
		dns->config.tries = default_config.tries;
	if (dns->config.budget_ms == 0)
		dns->config.budget_ms = default_config.budget_ms;
	dns->clock = clock_monotonic_ms;
	dns->tempfail_answer.status = AA_DNS_TEMPFAIL;
	dns->badname_answer.status = AA_DNS_BADNAME;
	dns->own_arena = aa_arena_new();
	if (dns->own_arena == NULL) {
		aa_dns_free(&dns);
		goto fail;
	}
	dns->arena = dns->own_arena;
	if (dns->config.zone_file != NULL) {
		dns->use_zone = 1;
		if (aa_dns_zone_load(dns, dns->config.zone_file, &err) < 0) {
			aa_dns_free(&dns);
			goto fail;
		}
		dns->config.zone_file = NULL;	/* do not keep the caller's string */
	}
	return dns;
fail:
	if (err_r != NULL)
		*err_r = err;
	return NULL;
}

struct aa_dns *aa_dns_new_zone(void)
{
	struct aa_dns *dns = aa_dns_new(NULL, NULL);

	if (dns != NULL)
		dns->use_zone = 1;
	return dns;
}

void aa_dns_free(struct aa_dns **dnsp)
{
	struct aa_dns *dns = *dnsp;

	if (dns == NULL)
		return;
	aa_dns_cache_detach(dns);	/* the arena may outlive the dns */
	aa_dns_keep_free(dns);
	aa_dns_zone_free(dns);
	aa_dns_resolver_close(dns);
	aa_arena_free(&dns->own_arena);
	free(dns);
	*dnsp = NULL;
}

int aa_dns_budget_exhausted(const struct aa_dns *dns)
{
	return dns->budget_out;
}

unsigned aa_dns_budget_ms(const struct aa_dns *dns)
{
	return dns->config.budget_ms;
}

void aa_dns_set_clock(struct aa_dns *dns, aa_dns_clock_fn *fn, void *arg)
{
	dns->clock = fn != NULL ? fn : clock_monotonic_ms;
	dns->clock_arg = arg;
}

const struct aa_dns_answer *aa_dns_lookup(struct aa_dns *dns, const char *name,
					  enum aa_dns_type type)
{
	char key[AA_DNS_NAME_MAX + 1];
	struct cache_entry *c;
	uint64_t start, end;
	size_t len;

	if (name == NULL)
		return &dns->badname_answer;
	len = strlen(name);
	if (aa_dns_name_check(name, len, DNS_ASKABLE) != AA_DNS_NAME_OK)
		return &dns->badname_answer;
	len -= name[len - 1] == '.';
	for (size_t i = 0; i < len; i++)
		key[i] = (char)aa_lower((unsigned char)name[i]);
	key[len] = '\0';
	c = aa_dns_cache_find(dns, key, type);
	if (c != NULL)
		return &c->answer;
	c = aa_dns_cache_new(dns, key, len, type);
	if (c == NULL)
		return &dns->tempfail_answer;
	if (!dns->use_zone && aa_dns_keep_find(dns, c->name, type, &c->answer) == 0) {
		aa_dns_cache_add(dns, c);	/* kept from an earlier message, TTL running */
		return &c->answer;
	}
	if (!dns->use_zone && dns->config.shared && aa_dns_shared_find(dns, c->name, type, &c->answer) == 0) {
		aa_dns_cache_add(dns, c);	/* another connection's, TTL running */
		aa_dns_keep_add(dns, c->name, type, &c->answer);
		return &c->answer;
	}
	if (dns->spent_ms >= dns->config.budget_ms) {
		dns->budget_out = 1;	/* RFC 7208 4.6.4: an overall limit */
		return &dns->tempfail_answer;
	}
	dns->queries++;
	start = dns->clock(dns->clock_arg);
	if (dns->use_zone)
		aa_dns_zone_lookup(dns, c->name, type, &c->answer);
	else
		aa_dns_resolve(dns, c->name, type, dns->config.budget_ms - dns->spent_ms, &c->answer);
	end = dns->clock(dns->clock_arg);
	dns->spent_ms += end > start ? end - start : 0;
	aa_dns_cache_add(dns, c);
	aa_dns_keep_add(dns, c->name, type, &c->answer);
	if (!dns->use_zone && dns->config.shared)
		aa_dns_shared_add(dns, c->name, type, &c->answer);
	return &c->answer;
}

unsigned long aa_dns_queries(const struct aa_dns *dns)
{
	return dns->queries;
}
