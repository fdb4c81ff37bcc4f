/* source.c - where the message being received comes from (aa_exim.h, message_source). */
#include "local_scan.h"
#include "aa_exim.h"

#define RELAY_LIST "relay_from_hosts"

/* Exim logs an unknown "+name" to the panic log at every match; asking
 * ${listnamed_h:} first only fails the expansion. A configuration without
 * the list (Debian's always has one) trusts no host. */
static int relay_list_defined(void)
{
	return expand_string(US"${listnamed_h:" RELAY_LIST "}") != NULL;
}

enum msg_source message_source(struct aa_ctx *ctx, const char **why_r)
{
	static uschar relay_ref[] = "+" RELAY_LIST;
	const char *ip;

	*why_r = NULL;
	if (sender_host_address == NULL) {
		*why_r = "local submission (no client address)";
		return SOURCE_LOCAL;
	}
	ip = aa_escz(ctx, (const char *)sender_host_address);
	if (sender_host_authenticated != NULL) {
		*why_r = aa_arena_printf(ctx->arena, "client %s authenticated (%s) as %s", ip,
					 aa_escz(ctx, (const char *)sender_host_authenticated),
					 aa_escz(ctx, (const char *)expand_string(US"$authenticated_id")));
		return SOURCE_AUTHENTICATED;
	}
	if (!relay_list_defined())
		return SOURCE_STRANGER;
	/* ERROR: a host name was needed and could not be found; Exim's own
	 * "hosts =" does not match then either */
	switch (lss_match_host(sender_host_name, sender_host_address, relay_ref)) {
	case OK:
		*why_r = aa_arena_printf(ctx->arena, "client %s is in +" RELAY_LIST, ip);
		return SOURCE_RELAY_HOST;
	case DEFER:
		*why_r = aa_arena_printf(ctx->arena, "cannot tell whether client %s is in +"
					 RELAY_LIST " (a lookup deferred)", ip);
		return SOURCE_UNKNOWN;
	default:
		return SOURCE_STRANGER;
	}
}
