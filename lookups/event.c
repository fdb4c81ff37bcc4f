/* event.c - ${dlfunc{authalign.so}{authalign_event}{$event_name}{$event_data}}
 *
 * For a remote transport's event_action: a destination's 4xx or 5xx
 * reply is classified and remembered (aa_exim.h, the closed loop), so
 * that the next message to that destination takes another step of its
 * plan. Exim ignores what a delivery event's expansion yields and writes
 * the panic log when it fails: the answer is always "" and the expansion
 * never fails; a problem is written to the main log (and the panic log
 * for a store that cannot be written).
 */
#include "lookup.h"

AA_EXPORT int authalign_event(uschar **yield, int argc, uschar *argv[]);

int authalign_event(uschar **yield, int argc, uschar *argv[])
{
	const char *err = NULL;
	struct aa_plugin *pl;

	*yield = plugin_store_copy_trusted("");
	if (argc != 2) {
		log_write(0, LOG_MAIN, "authalign: usage: ${dlfunc{authalign.so}{authalign_event}"
			  "{$event_name}{$event_data}}");
		return OK;
	}
	if ((pl = plugin_get(&err)) == NULL) {
		log_write(0, LOG_MAIN, "authalign: a delivery event was not read: %s", err != NULL ? err : "?");
		return OK;
	}
	plugin_learn(pl, (const char *)argv[0], (const char *)argv[1]);
	return OK;
}
