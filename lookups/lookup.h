/* lookup.h - how every authalign ${dlfunc} answers, like an Exim lookup.
 *
 *   a definite answer      OK, the value (an RFC 8601 word, a record, a domain)
 *   no record              OK, the empty string
 *   DNS temporary failure  FAIL: the expansion fails with "authalign: temperror: ...";
 *                          an ACL then defers (4xx), a router defers
 *   could not evaluate     ERROR: the expansion fails, Exim writes the panic log
 *
 * authalign_spf is the exception: its answer is always one of the seven
 * SPF words, "temperror" included, so ACLs can test it with eq.
 * No function returns FAIL_FORCED: a forced failure makes an ACL
 * condition true, and a deny built on it would reject.
 */
#ifndef AA_LOOKUP_H
#define AA_LOOKUP_H

#include "local_scan.h"
#include "aa_exim.h"

/* Start a lookup: the plugin, or NULL with *yield and the status set. */
static inline struct aa_plugin *lookup_start(uschar **yield, int argc, int want_min,
					     int want_max, const char *usage, int *status_r)
{
	const char *err = NULL;
	struct aa_plugin *pl;

	if (argc < want_min || argc > want_max) {
		*yield = plugin_store_copy(usage);
		*status_r = ERROR;
		return NULL;
	}
	pl = plugin_get(&err);
	if (pl == NULL) {
		*yield = plugin_store_copy(err);
		*status_r = ERROR;
	}
	return pl;
}

static inline int lookup_answer(uschar **yield, const char *value)
{
	*yield = plugin_store_copy(value != NULL ? value : "");
	return OK;
}

/* An answer made only of the admin's configuration (plugin_store_copy_trusted). */
static inline int lookup_answer_trusted(uschar **yield, const char *value)
{
	*yield = plugin_store_copy_trusted(value != NULL ? value : "");
	return OK;
}

/* A temporary failure: the expansion fails (an ACL defers, a router
 * defers). what NULL: the text itself could not be made (no memory). */
static inline int lookup_temperror(uschar **yield, const char *what)
{
	*yield = plugin_store_copy(what != NULL ? what : "authalign: temperror: out of memory");
	return FAIL;
}

/* An answer that could not be made for want of memory is a temporary
 * failure, never an empty answer (which would mean "no record", "deliver
 * direct" or "do not sign"). */
static inline int lookup_no_memory(uschar **yield)
{
	return lookup_temperror(yield, NULL);
}

#endif
