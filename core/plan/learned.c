/* learned.c - what destinations' replies taught (aa_feedback.h), under the keys the planner asks with.
 *
 * A reply is remembered under its destination, the recipient domain (not
 * its profile: one tenant of a provider writes its own refusals, and a
 * smarthost's reply names the relay, not the destination),
 * the From domain, the route and the egress address. The route token
 * says how much a refusal concerns: a block list or a refused relay
 * concerns the route itself, so every step on it ("direct", "relay1");
 * DMARC, SPF and anything else concern the step the message took on it
 * ("direct/sign", "relay1/smarthost"), so the next message takes the
 * next step. The event that records and the planner that reads make
 * their keys here, and nowhere else.
 */
#include <string.h>
#include "aa_plan.h"

const char *aa_learned_destination(const char *rcpt_domain)
{
	return rcpt_domain;
}

static int about_the_route(enum aa_fb_class c)
{
	return c == AA_FB_BLOCKLIST || c == AA_FB_RELAY;
}

const char *aa_learned_route(struct aa_ctx *ctx, const char *route, enum aa_step step, enum aa_fb_class c)
{
	if (about_the_route(c))
		return route;
	return aa_arena_printf(ctx->arena, "%s/%s", route, aa_step_name(step));
}

int aa_learned_avoid(struct aa_ctx *ctx, const struct aa_learned *l, const char *destination,
		     const char *from_domain, const struct aa_route *route, enum aa_step step,
		     struct aa_fb_entry *e_r)
{
	/* the route's own lessons first (a block list), then the step's */
	const char *tokens[2] = { route->name, aa_learned_route(ctx, route->name, step, AA_FB_DMARC) };
	struct aa_fb_key key = { .destination = destination, .from_domain = from_domain,
				 .egress = route->egress_ip != NULL ? route->egress_ip : "" };

	if (l == NULL || l->store == NULL || destination == NULL)
		return 0;
	if (tokens[1] == NULL)
		return -1;
	if (key.from_domain == NULL)
		key.from_domain = "*";
	for (size_t i = 0; i < 2; i++) {
		int rc;

		key.route = tokens[i];
		rc = aa_feedback_avoid(l->store, &key, l->now, e_r);
		if (rc != 0)
			return rc;
	}
	return 0;
}
