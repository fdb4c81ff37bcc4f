/* spf.c - ${dlfunc{authalign.so}{authalign_spf}{ip}{helo}{sender}}
 *
 * The SPF result word for the MAIL FROM identity (the HELO identity when
 * sender is empty). Evaluated once per transaction: local_scan() reuses it.
 */
#include "aa_spf.h"
#include "lookup.h"

AA_EXPORT int authalign_spf(uschar **yield, int argc, uschar *argv[]);

int authalign_spf(uschar **yield, int argc, uschar *argv[])
{
	const struct aa_spf_result *mailfrom, *helo;
	struct aa_plugin *pl;
	int status = OK;

	pl = lookup_start(yield, argc, 3, 3,
			  "authalign: usage: ${dlfunc{authalign.so}{authalign_spf}{ip}{helo}{sender}}",
			  &status);
	if (pl == NULL)
		return status;
	if (argv[0] == NULL || *argv[0] == '\0')
		return lookup_answer(yield, "none");	/* not from a remote host */
	if (plugin_spf(pl, (const char *)argv[0], (const char *)argv[1], (const char *)argv[2],
		       &mailfrom, &helo) < 0) {
		*yield = plugin_store_copy("authalign: SPF could not be evaluated");
		return ERROR;
	}
	return lookup_answer(yield, aa_result_name(mailfrom->result));
}
