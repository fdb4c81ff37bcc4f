/* doctor_dmarc.c - one domain's DMARC record read as RFC 9989 reads it:
 * one record (at the domain or its organizational domain), its tags
 * (known, once each, valid values; pct, rf and ri are obsolete), and
 * every rua=/ruf= address at another organizational domain authorised
 * by that domain's <policy-domain>._report._dmarc.<its domain> record,
 * without which no report is sent there (RFC 9990).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "aa_dmarc.h"
#include "aa_dns.h"
#include "doctor.h"

#define DMARC_RECORD_MAX 2048
#define DMARC_URIS_MAX 8

static const char *const known_tags[] = { "v", "p", "sp", "np", "adkim", "aspf", "rua", "ruf", "fo", "psd", "t",
					  "pct", "rf", "ri", NULL };

/* The DMARC record at name: 1 one, 0 none, 2 several, -1 temporary */
static int fetch(struct aa_ctx *ctx, const char *name, char *out, size_t size)
{
	const struct aa_dns_answer *a = aa_dns_lookup(ctx->dns, name, AA_DNS_TXT);
	int n = 0;

	out[0] = '\0';
	if (aa_dns_is_temp(a->status))
		return -1;
	for (size_t i = 0; a->status == AA_DNS_OK && i < a->count; i++) {
		const char *t = a->rr[i].text;

		if (a->rr[i].text_len >= 8 && strncmp(t, "v=DMARC1", 8) == 0 &&
		    (t[8] == ';' || t[8] == ' ' || t[8] == '\0') && n++ == 0)
			doctor_fmt(out, size, "%.*s", (int)strnlen(t, a->rr[i].text_len), t);
	}
	return n > 1 ? 2 : n;
}

/* One rua/ruf address: at another organizational domain, its
 * authorisation record. */
static void check_uri(struct doctor *d, struct aa_ctx *ctx, const char *policy_domain, const char *tag,
		      const char *uri, size_t len, char *seen, size_t seen_size)
{
	char dom[DOCTOR_NAME_MAX], name[DOCTOR_NAME_MAX * 2 + 16], fix[DOCTOR_TEXT_MAX], rec[DMARC_RECORD_MAX];
	const char *at, *org_a = NULL, *org_b = NULL;
	size_t n;

	while (len > 0 && (*uri == ' ' || *uri == '\t'))
		uri++, len--;
	if (len < 7 || strncasecmp(uri, "mailto:", 7) != 0) {
		doctor_add(d, SEV_WARNING, policy_domain, NULL, "write mailto:ADDRESS", "_dmarc %s= \"%.*s\" is no "
			   "mailto: address: no report is sent to it", tag, (int)(len > 200 ? 200 : len), uri);
		return;
	}
	if ((at = memchr(uri, '@', len)) == NULL)
		return;
	n = strcspn(at + 1, "!; \t,");
	if (n == 0 || n >= sizeof(dom) || at + 1 + n > uri + len)
		return;
	doctor_fmt(dom, sizeof(dom), "%.*s", (int)n, at + 1);
	{
		char key[DOCTOR_NAME_MAX + 2];

		doctor_fmt(key, sizeof(key), " %s ", dom);
		if (strcasestr(seen, key) != NULL)
			return;		/* one finding a destination */
		if (strlen(seen) + strlen(key) < seen_size)
			strcat(seen, key + 1);
	}
	if (aa_org_domain(ctx, dom, AA_DMARC_RFC7489, &org_a) != AA_PASS ||
	    aa_org_domain(ctx, policy_domain, AA_DMARC_RFC7489, &org_b) != AA_PASS ||
	    strcasecmp(org_a, org_b) == 0)
		return;
	doctor_fmt(name, sizeof(name), "%s._report._dmarc.%s", policy_domain, dom);
	switch (fetch(ctx, name, rec, sizeof(rec))) {
	case -1:
		doctor_add(d, SEV_WARNING, name, NULL, DOCTOR_FIX_AGAIN, "the lookup of %s's authorisation "
			   "record failed temporarily: not checked", tag);
		break;
	case 0:
		doctor_fmt(fix, sizeof(fix), "have %.200s publish: %.400s TXT \"v=DMARC1\"", dom, name);
		doctor_add(d, SEV_WARNING, name, NULL, fix, "%s= sends reports to %.200s, another domain, which "
			   "has not authorised them: receivers send no report there (RFC 9990 external "
			   "destination check)", tag, dom);
		break;
	default:
		break;
	}
}

static void check_uris(struct doctor *d, struct aa_ctx *ctx, const char *policy_domain, const char *tag,
		       const char *value, char *seen, size_t seen_size)
{
	size_t count = 0;

	for (const char *p = value; *p != '\0' && count < DMARC_URIS_MAX; count++) {
		size_t n = strcspn(p, ",");

		check_uri(d, ctx, policy_domain, tag, p, n, seen, seen_size);
		p += n;
		if (*p == ',')
			p++;
	}
}

static int known(const char *tag)
{
	for (size_t i = 0; known_tags[i] != NULL; i++)
		if (strcasecmp(known_tags[i], tag) == 0)
			return 1;
	return 0;
}

/* The tags of the DMARC record rec (found at name, for policy_domain):
 * known, once each, valid values; rua/ruf authorised. */
static void lint_tags(struct doctor *d, struct aa_ctx *ctx, const char *name, const char *policy_domain,
		      const char *rec)
{
	char copy[DMARC_RECORD_MAX], seen[DMARC_RECORD_MAX] = " ", seen_dom[DMARC_RECORD_MAX] = " ";

	doctor_fmt(copy, sizeof(copy), "%s", rec);
	for (char *save = NULL, *t = strtok_r(copy, ";", &save); t != NULL; t = strtok_r(NULL, ";", &save)) {
		char tag[16], *eq, *value;
		size_t n;

		while (*t == ' ' || *t == '\t')
			t++;
		if (*t == '\0')
			continue;
		if ((eq = strchr(t, '=')) == NULL) {
			doctor_add(d, SEV_WARNING, name, NULL, "write tag=value", "\"%.100s\" is no tag=value: "
				   "receivers may reject the whole record", t);
			continue;
		}
		for (n = (size_t)(eq - t); n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'); n--)
			;
		doctor_fmt(tag, sizeof(tag), "%.*s", (int)(n < sizeof(tag) ? n : sizeof(tag) - 1), t);
		for (value = eq + 1; *value == ' ' || *value == '\t'; value++)
			;
		for (n = strlen(value); n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'); n--)
			value[n - 1] = '\0';
		if (!known(tag)) {
			doctor_add(d, SEV_WARNING, name, NULL, "remove it", "tag \"%.15s\" is not DMARC's: receivers "
				   "ignore it", tag);
			continue;
		}
		{
			char key[20];

			snprintf(key, sizeof(key), " %s ", tag);
			if (strstr(seen, key) != NULL)
				doctor_add(d, SEV_WARNING, name, NULL, "keep one", "tag %s is given twice", tag);
			else if (strlen(seen) + strlen(key) < sizeof(seen))
				strcat(seen, key + 1);
		}
		if (strcmp(tag, "pct") == 0 || strcmp(tag, "rf") == 0 || strcmp(tag, "ri") == 0)
			doctor_add(d, SEV_WARNING, name, NULL, strcmp(tag, "pct") == 0 ? "remove pct=; to test a "
				   "policy on part of your mail, use t=y" : "remove it", "%s= is obsolete (RFC 9989 "
				   "removed it)%s", tag, strcmp(tag, "pct") == 0 && strcmp(value, "100") != 0 ?
				   ": receivers that follow RFC 9989 read pct below 100 as t=y (testing), others "
				   "still apply the policy to that share" : ": receivers ignore it");
		if (strcmp(tag, "p") == 0 || strcmp(tag, "sp") == 0 || strcmp(tag, "np") == 0) {
			if (strcasecmp(value, "none") != 0 && strcasecmp(value, "quarantine") != 0 &&
			    strcasecmp(value, "reject") != 0)
				doctor_add(d, SEV_WARNING, name, NULL, "write none, quarantine or reject", "%s=%.40s is "
					   "not a policy: receivers read the record as p=none or not at all", tag, value);
		}
		if ((strcmp(tag, "adkim") == 0 || strcmp(tag, "aspf") == 0) && strcasecmp(value, "r") != 0 &&
		    strcasecmp(value, "s") != 0)
			doctor_add(d, SEV_WARNING, name, NULL, "write r or s", "%s=%.40s is neither r nor s", tag, value);
		if (strcmp(tag, "rua") == 0 || strcmp(tag, "ruf") == 0)
			check_uris(d, ctx, policy_domain, tag, value, seen_dom, sizeof(seen_dom));
	}
}

void doctor_lint_dmarc(struct doctor *d, struct aa_ctx *ctx, enum aa_dmarc_mode mode, const char *domain,
		       int *enforcing, int *found)
{
	char name[DOCTOR_NAME_MAX + 8], rec[DMARC_RECORD_MAX], fix[DOCTOR_TEXT_MAX];
	struct aa_dmarc_lookup l;
	int raw;

	*enforcing = *found = 0;
	doctor_fmt(name, sizeof(name), "_dmarc.%s", domain);
	if (aa_dmarc_lookup(ctx, domain, mode, &l) < 0 || l.status == AA_TEMPERROR) {
		doctor_add(d, SEV_WARNING, name, NULL, DOCTOR_FIX_AGAIN, "the DMARC lookup failed temporarily: "
			   "not checked");
		return;
	}
	if (l.status == AA_PASS) {
		*found = 1;
		*enforcing = l.effective == AA_POLICY_REJECT ? 2 : l.effective == AA_POLICY_QUARANTINE;
		doctor_fmt(name, sizeof(name), "_dmarc.%s", l.record.domain);
		lint_tags(d, ctx, name, l.record.domain, l.record.raw);
		return;
	}
	/* none that receivers can use: one there that they cannot read, several, or none */
	raw = fetch(ctx, name, rec, sizeof(rec));
	if (raw == 2) {
		doctor_add(d, SEV_WARNING, name, NULL, "keep one v=DMARC1 record, delete the others", "more than one "
			   "DMARC record: receivers apply none, as if there were no record");
		return;
	}
	doctor_fmt(fix, sizeof(fix), "%s: _dmarc.%s TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@%s\" (p=none "
		   "first; p=quarantine or reject once the reports show your mail passing)", raw == 1 ? "replace it "
		   "with a record receivers can read, e.g." : "publish", domain, domain);
	if (raw == 1) {
		doctor_add(d, SEV_WARNING, name, NULL, fix, "the DMARC record cannot be read (%.200s): receivers act "
			   "as if there were none", l.reason != NULL ? l.reason : "malformed");
		lint_tags(d, ctx, name, domain, rec);
		return;
	}
	doctor_add(d, SEV_WARNING, name, "550 5.7.515", fix, "no DMARC record: Outlook.com refuses bulk mail "
		   "without one (550 5.7.515), Gmail and Yahoo too (550 5.7.26), and forgers of %s are not refused "
		   "anywhere", domain);
}
