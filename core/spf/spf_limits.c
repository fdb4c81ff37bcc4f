/* spf_limits.c - the lookup limits of one evaluation (RFC 7208 4.6.4).
 *
 * libspf2 1.2.10 has no void-lookup limit, truncates more than 10 MX
 * names instead of failing and does not count lookups made inside
 * include:. spf.c's libspf2 DNS layer calls these around every lookup;
 * they count in struct aa_spf_eval and set e->limit when one is passed.
 */
#include <string.h>
#include <strings.h>
#include "spf_int.h"

int aa_spf_limits_term(struct aa_spf_eval *e)
{
	if (e->limit != NULL)
		return -1;
	if (++e->terms > AA_SPF_MAX_TERMS) {
		e->limit = "more than 10 DNS-querying terms";
		return -1;
	}
	return 0;
}

void aa_spf_limits_follow_reset(struct aa_spf_eval *e)
{
	e->follow_n = e->follow_next = 0;
}

int aa_spf_limits_is_follow(struct aa_spf_eval *e, const char *name)
{
	if (e->follow_next < e->follow_n && strcasecmp(e->follow[e->follow_next], name) == 0) {
		e->follow_next++;
		return 1;
	}
	aa_spf_limits_follow_reset(e);
	return 0;
}

int aa_spf_limits_answer(struct aa_spf_eval *e, enum aa_dns_type type,
			const struct aa_dns_answer *a)
{
	if (aa_dns_is_temp(a->status))
		e->dns_temp = 1;
	if (a->status == AA_DNS_NXDOMAIN || a->status == AA_DNS_NODATA ||
	    (a->status == AA_DNS_OK && a->count == 0)) {
		if (++e->voids > AA_SPF_MAX_VOID) {
			e->limit = "more than 2 void lookups";
			return -1;
		}
	}
	if (a->status != AA_DNS_OK || (type != AA_DNS_MX && type != AA_DNS_PTR))
		return 0;
	if (type == AA_DNS_MX && a->count > AA_SPF_MAX_MX) {
		e->limit = "more than 10 MX names";
		return -1;
	}
	/* copies: a later lookup may empty the aa_dns cache that holds a */
	aa_spf_limits_follow_reset(e);
	for (size_t i = 0; i < a->count && i < AA_SPF_MAX_MX; i++) {
		const char *name = aa_arena_strdup(e->ctx->arena,
						   a->rr[i].text != NULL ? a->rr[i].text : "");

		if (name == NULL)
			break;	/* out of memory: the lookup then counts as a term */
		e->follow[e->follow_n++] = name;
	}
	return 0;
}
