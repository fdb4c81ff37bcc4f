/* orgdomain.c - ${dlfunc{authalign.so}{authalign_org_domain}{domain}{mode}}
 *
 * The organizational domain; mode is "rfc9989" (DNS tree walk) or
 * "rfc7489" (Public Suffix List), default the dmarc_mode setting.
 * A name that is not a domain gives "".
 */
#include <string.h>
#include "aa_dmarc.h"
#include "lookup.h"

AA_EXPORT int authalign_org_domain(uschar **yield, int argc, uschar *argv[]);

int authalign_org_domain(uschar **yield, int argc, uschar *argv[])
{
	int mode;
	const char *org = NULL;
	struct aa_plugin *pl;
	int status = OK;

	pl = lookup_start(yield, argc, 1, 2,
			  "authalign: usage: ${dlfunc{authalign.so}{authalign_org_domain}{domain}{rfc9989|rfc7489}}",
			  &status);
	if (pl == NULL)
		return status;
	mode = (int)pl->cfg->dmarc_mode;
	if (argc == 2 && aa_names_parse(&aa_dmarc_mode_names, (const char *)argv[1], &mode) < 0) {
		*yield = plugin_store_copy("authalign: mode must be rfc9989 or rfc7489");
		return ERROR;
	}
	switch (aa_org_domain(pl->ctx, (const char *)argv[0], (enum aa_dmarc_mode)mode, &org)) {
	case AA_PASS:
		return lookup_answer(yield, org);
	case AA_TEMPERROR:
		return lookup_temperror(yield, aa_arena_printf(pl->ctx->arena,
			"authalign: temperror: DNS temporary failure finding the organizational domain of %s",
			aa_escz(pl->ctx, (const char *)argv[0])));
	default:
		return lookup_answer(yield, "");
	}
}
