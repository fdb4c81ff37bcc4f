/* preload.c - ${dlfunc{authalign.so}{authalign_preload}{settings file}}
 *
 * For Exim's smtp_accept_max_per_host, which the daemon expands for each
 * connection before it forks the process that handles it: the settings
 * and their tables are read once in the daemon, every child inherits
 * them, and they are read again only when a file changed; the first time
 * the daemon also judges a built-in message, so the libraries start warm
 * in every child, and has Exim load this object as its local_scan()
 * (exim/plugin.c, exim/scan_preload.c). The answer is
 * always the empty string ("no limit"; an admin's own number may follow
 * the ${dlfunc} in the option) and the expansion never fails: a failing
 * option would write the panic log for every connection. A problem is
 * logged once until it changes; each child then reads the settings
 * itself and reports it with its message, as without a preload.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "lookup.h"

AA_EXPORT int authalign_preload(uschar **yield, int argc, uschar *argv[]);

/* While the settings cannot be read, the daemon tries again at most this
 * often: a broken file is not read for every connection before accept. */
#define RETRY_SECONDS 1

/* the problem last logged ("" when the last preload succeeded) and when
 * it was met */
static char logged[512];
static time_t failed_at;

static void log_once(const char *what)
{
	char safe[sizeof(logged) * 4];
	size_t n = 0;

	if (strncmp(logged, what, sizeof(logged) - 1) == 0)
		return;
	strncpy(logged, what, sizeof(logged) - 1);
	/* a table key quoted in the error may hold any byte: \xHH */
	for (const unsigned char *p = (const unsigned char *)logged; *p != '\0' && n + 5 < sizeof(safe); p++)
		n += (size_t)snprintf(safe + n, sizeof(safe) - n, *p >= 0x20 && *p < 0x7f && *p != '\\' ? "%c" :
				      "\\x%02x", *p);
	safe[n] = '\0';
	log_write(0, LOG_MAIN | LOG_PANIC, "authalign: the daemon cannot read the settings: %s; until this is "
		  "fixed every message authalign judges is deferred (451): run authalign check-config", safe);
}

int authalign_preload(uschar **yield, int argc, uschar *argv[])
{
	const char *err = NULL;
	const char *path = argc >= 1 && argv[0][0] != '\0' ? (const char *)argv[0] : NULL;

	*yield = plugin_store_copy_trusted("");
	if (argc > 1) {
		log_once("usage: ${dlfunc{authalign.so}{authalign_preload}{settings file}}");
		return OK;
	}
	if (logged[0] != '\0' && time(NULL) - failed_at < RETRY_SECONDS)
		return OK;	/* each child reads them itself meanwhile */
	if (plugin_preload(path, &err) < 0) {
		failed_at = time(NULL);
		log_once(err != NULL ? err : "out of memory");
	} else {
		logged[0] = '\0';
	}
	return OK;
}
