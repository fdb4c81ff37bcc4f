/* aa_spf.h - SPF (RFC 7208) through libspf2, with its gaps closed.
 *
 * What it does: check_host() for the HELO and MAIL FROM identities of one
 * client, and the Received-SPF value. libspf2 evaluates; core/spf/spf.c
 * feeds it DNS from aa_dns (a libspf2 DNS layer), and the other files of
 * core/spf close what libspf2 gets wrong, one job each (core/spf/spf_int.h):
 * the void-lookup limit (RFC 7208 4.6.4), more than 10 MX names, record
 * syntax it accepts, its "(invalid)" result, and its rule that every
 * 127.0.0.0/8 client passes (a loopback client is never evaluated: it
 * gets "none" with reason "loopback client not evaluated").
 *
 * What it must not know: the message (From, DKIM, DMARC), how its result
 * is written into a header or acted on (authres, judge), the settings
 * file, and Exim. It asks DNS only through the ctx's aa_dns; libspf2's
 * types never leave core/spf.
 */
#ifndef AA_SPF_H
#define AA_SPF_H

#include <stddef.h>
#include "aa_ctx.h"
#include "aa_result.h"

struct aa_spf_result {
	enum aa_result result;
	const char *identity;		/* "mailfrom" or "helo" */
	const char *domain;		/* domain whose record was checked */
	const char *sender;		/* the address checked (postmaster@helo for helo) */
	const char *mechanism;		/* the mechanism that matched, or NULL (always
					 * NULL for now: libspf2 does not say which) */
	const char *reason;		/* short, human, not yet escaped */
	const char *explanation;	/* exp= text on fail, or NULL */
};

/* Check the HELO identity and, when mail_from is not empty, the MAIL FROM
 * identity, for client ip (text, v4 or v6). mail_from "" means the null
 * sender; then *mailfrom_r is the HELO result with identity "helo", as
 * RFC 7208 2.4 says. helo_r NULL: the HELO identity is checked only when
 * it is the one that counts (the null sender), so a message with a sender
 * asks no question for it. Results point into ctx->arena.
 * Returns 0 when evaluation ran (whatever the result), -1 when it could
 * not (results are then temperror). */
int aa_spf_check(struct aa_ctx *ctx, const char *ip, const char *helo,
		 const char *mail_from, struct aa_spf_result *mailfrom_r,
		 struct aa_spf_result *helo_r);

/* Fills buf with n unpredictable bytes: 0, or -1 when it cannot. */
typedef int aa_spf_random_fn(void *buf, size_t n);

/* The random source of the /0 label (core/spf/spf_int.h, any_label); NULL
 * (the default) is getrandom(2). For tests that make it fail. Returns 0,
 * or -1 when libspf2 could not start. */
int aa_spf_set_random(struct aa_ctx *ctx, aa_spf_random_fn *fn);

/* The receiving host's name for the %{r} macro in explanations (default
 * "unknown"). Returns 0, or -1 when out of memory. */
int aa_spf_set_receiver(struct aa_ctx *ctx, const char *receiver);

/* Calls, once, libspf2's setters that take the client's address as text
 * (SPF_request_set_ipv4_str(), _ipv6_str()) on a request of its own.
 * Exim's own SPF code calls them at every HELO (the second only for an
 * IPv6 client), authalign never does. Exim and this object are bound at
 * load; libspf2's own calls from them (SPF_request_set_ipv4(), _ipv6())
 * are bound lazily, in each process that makes them. Called in the
 * daemon, before it forks, this binds those once, instead of in every
 * child, where the loader's first lookup touches the symbol table of
 * each of Exim's libraries. With the
 * rehearsal's SPF record, which binds libspf2's record parser the same
 * way (core/judge/rehearse.c), 21 fewer page faults a connection in the
 * bench. Returns 0, or -1 when libspf2 could not make the request. */
int aa_spf_bind_text_setters(void);

/* Value for a Received-SPF header (RFC 7208 9.1), escaped, in the arena. */
const char *aa_spf_received_spf(struct aa_ctx *ctx, const struct aa_spf_result *r,
				const char *ip, const char *helo, const char *receiver);

#endif
