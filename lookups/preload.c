/* preload.c - ${dlfunc{authalign.so}{authalign_preload}{settings file}}
 *
 * For Exim's smtp_accept_max_per_host, which the daemon expands for each
 * connection before it forks the process that handles it: the settings
 * and their tables are read once in the daemon, every child inherits
 * them, and they are read again only when a file changed. The answer is
 * always the empty string ("no limit"; an admin's own number may follow
 * the ${dlfunc} in the option) and the expansion never fails: a failing
 * option would write the panic log for every connection. A problem is
 * logged once until it changes; each child then reads the settings
 * itself and reports it with its message, as without a preload.
 */
#include <string.h>
#include "lookup.h"

AA_EXPORT int authalign_preload(uschar **yield, int argc, uschar *argv[]);

/* the problem last logged: "" when the last preload succeeded */
static char logged[512];

static void log_once(const char *what)
{
	if (strncmp(logged, what, sizeof(logged) - 1) == 0)
		return;
	strncpy(logged, what, sizeof(logged) - 1);
	log_write(0, LOG_MAIN, "authalign: preload in the daemon: %s; each connection reads the settings itself",
		  what);
}

int authalign_preload(uschar **yield, int argc, uschar *argv[])
{
	const char *err = NULL;
	const char *path = argc >= 1 && argv[0][0] != '\0' ? (const char *)argv[0] : NULL;

	*yield = plugin_store_copy_trusted("");
	if (argc > 1)
		log_once("usage: ${dlfunc{authalign.so}{authalign_preload}{settings file}}");
	else if (plugin_preload(path, &err) < 0)
		log_once(err != NULL ? err : "out of memory");
	else
		logged[0] = '\0';
	return OK;
}
