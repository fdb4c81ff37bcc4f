/* dmarc.c - the DMARC record and the effective policy of a domain.
 *
 * ${dlfunc{authalign.so}{authalign_dmarc_record}{domain}}  the record text
 * ${dlfunc{authalign.so}{authalign_dmarc_policy}{domain}}  none | quarantine | reject
 * An unusable record counts as no record (RFC 9989), so both give "".
 */
#include "aa_dmarc.h"
#include "lookup.h"

AA_EXPORT int authalign_dmarc_record(uschar **yield, int argc, uschar *argv[]);
AA_EXPORT int authalign_dmarc_policy(uschar **yield, int argc, uschar *argv[]);

/* Printable ASCII only: the record is DNS data, so untrusted. NULL when
 * out of memory. */
static const char *printable(struct aa_ctx *ctx, const char *s)
{
	char *out = aa_arena_strdup(ctx->arena, s != NULL ? s : "");

	for (char *p = out; p != NULL && *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return out;
}

static int dmarc_lookup_dlfunc(uschar **yield, int argc, uschar *argv[], int want_policy)
{
	struct aa_dmarc_lookup lk;
	struct aa_plugin *pl;
	int status = OK;

	pl = lookup_start(yield, argc, 1, 1,
			  want_policy ? "authalign: usage: ${dlfunc{authalign.so}{authalign_dmarc_policy}{domain}}"
				      : "authalign: usage: ${dlfunc{authalign.so}{authalign_dmarc_record}{domain}}",
			  &status);
	if (pl == NULL)
		return status;
	if (aa_dmarc_lookup(pl->ctx, (const char *)argv[0], pl->cfg->dmarc_mode, &lk) < 0 &&
	    lk.status != AA_TEMPERROR) {
		*yield = plugin_store_copy("authalign: DMARC lookup could not be evaluated");
		return ERROR;
	}
	const char *answer;

	switch (lk.status) {
	case AA_PASS:
		answer = want_policy ? aa_dmarc_policy_name(lk.effective) : printable(pl->ctx, lk.record.raw);
		return answer != NULL ? lookup_answer(yield, answer) : lookup_no_memory(yield);
	case AA_TEMPERROR:
		return lookup_temperror(yield, aa_arena_printf(pl->ctx->arena,
			"authalign: temperror: DNS temporary failure looking up the DMARC record of %s",
			aa_escz(pl->ctx, (const char *)argv[0])));
	default:
		return lookup_answer(yield, "");
	}
}

int authalign_dmarc_record(uschar **yield, int argc, uschar *argv[])
{
	return dmarc_lookup_dlfunc(yield, argc, argv, 0);
}

int authalign_dmarc_policy(uschar **yield, int argc, uschar *argv[])
{
	return dmarc_lookup_dlfunc(yield, argc, argv, 1);
}
