/* bounce.c - ${dlfunc{authalign.so}{authalign_bounce}{$message_id}}
 *
 * For the intro text of Exim's bounce_message_file: what authalign found
 * about the refusals of the message being bounced (aa_exim.h, the
 * bounce's words), one paragraph each, or "" when it found nothing. It
 * needs no settings and never fails the expansion: a bounce is always
 * written, with or without authalign's words.
 */
#include "lookup.h"

AA_EXPORT int authalign_bounce(uschar **yield, int argc, uschar *argv[]);

int authalign_bounce(uschar **yield, int argc, uschar *argv[])
{
	*yield = plugin_store_copy(argc == 1 ? plugin_bounce_note((const char *)argv[0]) : "");
	if (*yield == NULL)
		*yield = plugin_store_copy_trusted("");
	return OK;
}
