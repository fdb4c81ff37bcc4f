/* orgdomain.c - the Organizational Domain: PSL (RFC 7489 3.2) or the DNS
 * tree walk (RFC 9989 "DNS Tree Walk"), and fetching the DMARC record at one name. */
#include <string.h>
#include "dmarc_int.h"

static const struct aa_name dmarc_mode_words[] = {
	{ "rfc9989", AA_DMARC_RFC9989 }, { "rfc7489", AA_DMARC_RFC7489 },
};
const struct aa_names aa_dmarc_mode_names = {
	dmarc_mode_words, sizeof(dmarc_mode_words) / sizeof(dmarc_mode_words[0]),
};

enum aa_result aa_dmarc_fetch_txt(struct aa_ctx *ctx, const char *name,
				  const char **txt_r, size_t *len_r)
{
	char qname[sizeof("_dmarc.") + AA_DNS_NAME_MAX];
	const struct aa_dns_answer *a;
	size_t found = 0;

	*txt_r = NULL;
	*len_r = 0;
	if (strlen(name) > AA_DNS_NAME_MAX - sizeof("_dmarc"))
		return AA_NONE;		/* _dmarc.<name> cannot exist */
	strcpy(qname, "_dmarc.");
	strcat(qname, name);
	a = aa_dns_lookup(ctx->dns, qname, AA_DNS_TXT);
	if (aa_dns_is_temp(a->status))
		return AA_TEMPERROR;
	if (a->status != AA_DNS_OK)
		return AA_NONE;		/* NXDOMAIN, NODATA, or a name never asked */
	for (size_t i = 0; i < a->count; i++) {
		if (!aa_dmarc_is_record(a->rr[i].text, a->rr[i].text_len))
			continue;	/* other TXT records live there too */
		if (found++ == 0) {
			*txt_r = a->rr[i].text;
			*len_r = a->rr[i].text_len;
		}
	}
	if (found == 1)
		return AA_PASS;
	*txt_r = NULL;
	*len_r = 0;
	return AA_NONE;			/* several records are all discarded */
}

/* The next target of the walk after name (RFC 9989 "DNS Tree Walk" steps 4 and 7):
 * one label less, but never more than seven labels. NULL at the top. */
static const char *walk_next(const char *name)
{
	size_t x = aa_domain_labels(name);

	if (x <= 1)
		return NULL;
	if (x >= AA_WALK_MAX)
		return aa_domain_tail(name, AA_WALK_MAX - 1);
	return aa_domain_strip(name, 1);
}

enum aa_result aa_dmarc_walk(struct aa_ctx *ctx, const char *domain, struct aa_walk *w,
			     const char **reason_r)
{
	const char *name = domain;

	memset(w, 0, sizeof(*w));
	w->start = domain;
	while (name != NULL && w->n < AA_WALK_MAX) {
		struct aa_walk_step *s = &w->step[w->n++];
		enum aa_result rc = aa_dmarc_fetch_txt(ctx, name, &s->txt, &s->txt_len);

		s->name = name;
		s->psd = 'u';
		if (rc == AA_TEMPERROR) {
			*reason_r = aa_arena_printf(ctx->arena, "DNS error at _dmarc.%s", name);
			return AA_TEMPERROR;
		}
		if (s->txt != NULL) {
			s->psd = aa_dmarc_record_psd(s->txt, s->txt_len);
			if (s->psd != 'u')
				break;	/* step 2/6: psd=y or psd=n ends the walk */
		}
		name = walk_next(name);
	}
	return AA_PASS;
}

const char *aa_walk_org_domain(struct aa_ctx *ctx, const struct aa_walk *w)
{
	const char *fewest = NULL;

	(void)ctx;
	for (size_t i = 0; i < w->n; i++) {
		const struct aa_walk_step *s = &w->step[i];

		if (s->txt == NULL)
			continue;
		if (s->psd == 'n')
			return s->name;
		if (s->psd == 'y' && i > 0)	/* one label below the PSD */
			return aa_domain_tail(w->start, aa_domain_labels(s->name) + 1);
		fewest = s->name;
	}
	return fewest != NULL ? fewest : w->start;
}

enum aa_result aa_org_domain(struct aa_ctx *ctx, const char *domain,
			     enum aa_dmarc_mode mode, const char **org_r)
{
	const char *d, *reason = NULL;
	struct aa_walk w;

	*org_r = NULL;
	if (domain == NULL)
		return AA_PERMERROR;
	switch (aa_domain_norm(ctx->arena, domain, strlen(domain), AA_NAME_LOOSE, &d)) {
	case AA_DNS_NAME_OK:
		break;
	case AA_DNS_NAME_NOMEM:
		return AA_TEMPERROR;	/* no memory is not "not a domain" */
	default:
		return AA_PERMERROR;
	}
	if (mode == AA_DMARC_RFC7489)
		return aa_psl_registrable(ctx, d, org_r);
	if (aa_dmarc_walk(ctx, d, &w, &reason) != AA_PASS)
		return AA_TEMPERROR;
	*org_r = aa_walk_org_domain(ctx, &w);
	return AA_PASS;
}
