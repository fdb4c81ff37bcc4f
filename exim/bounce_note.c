/* bounce_note.c - what authalign found about a message's refusals, for
 * the bounce Exim writes about them (aa_exim.h).
 *
 * Exim's delivery process meets a 5xx, raises msg:fail:delivery (the
 * transport's event_action: plugin_learn adds a note here), and then
 * writes the bounce, whose bounce_message_file text asks
 * authalign_bounce{$message_id}. Both happen in that one process, so the
 * notes are kept in a fixed buffer of its own, for one message id at a
 * time: a note for another id starts the buffer again, and what does not
 * fit is left out whole. Only printable ASCII is kept.
 */
#include <string.h>
#include "aa_exim.h"
#include "aa_str.h"

#define NOTE_MAX 4096
#define NOTE_ID_MAX 64
#define NOTE_WIDTH 76	/* bounce text lines */

static char note_id[NOTE_ID_MAX];
static char note[NOTE_MAX];
static size_t note_len;

void plugin_bounce_note_add(struct aa_plugin *pl, const char *msgid, const char *text)
{
	char *wrapped;
	size_t n;

	if (msgid == NULL || *msgid == '\0' || text == NULL || strlen(msgid) >= sizeof(note_id))
		return;
	if (strcmp(note_id, msgid) != 0) {
		strcpy(note_id, msgid);
		note_len = 0;
		note[0] = '\0';
	}
	if ((wrapped = aa_str_wrap(pl->ctx->arena, text, NOTE_WIDTH)) == NULL)
		return;
	n = strlen(wrapped);
	if (strstr(note, wrapped) != NULL)
		return;		/* said already (many recipients at one destination) */
	if (note_len + n + 2 >= sizeof(note))
		return;		/* left out whole, never cut */
	for (size_t i = 0; i < n; i++)
		note[note_len++] = wrapped[i] == '\n' || (wrapped[i] >= 0x20 && wrapped[i] < 0x7f) ? wrapped[i] : '?';
	note[note_len++] = '\n';
	note[note_len++] = '\n';
	note[note_len] = '\0';
}

const char *plugin_bounce_note(const char *msgid)
{
	if (msgid == NULL || note_len == 0 || strcmp(note_id, msgid) != 0)
		return "";
	return note;
}
