/* submitter.c - the message's submitter from Exim's variables (submitter.h).
 *
 * A message received over TCP has $sender_host_address; its submitter is
 * that host and, when it authenticated, $authenticated_id. A message
 * submitted on the command line (exim -t, sendmail, PHP mail()) has none;
 * its submitter is the user who ran Exim: $originator_uid, named by the
 * password database (a uid without an entry has no login and owns only
 * what its AUTH id gives). $authenticated_id of a local submission is the
 * caller's login unless a trusted caller set it with -oMai. A forward or a
 * queue run plans again from the same variables, restored from the spool:
 * a stranger's forwarded message stays the stranger's.
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include "local_scan.h"
#include "submitter.h"

#define PW_BUF 4096

static const char *var(struct aa_ctx *ctx, const char *name)
{
	const char *v = (const char *)expand_string(US name);

	return v != NULL && *v != '\0' ? aa_arena_strdup(ctx->arena, v) : NULL;
}

void submitter_from_exim(struct aa_ctx *ctx, struct aa_submitter *s)
{
	const char *uid;
	char buf[PW_BUF], *end;
	struct passwd pw, *found = NULL;
	unsigned long n;

	memset(s, 0, sizeof(*s));
	s->auth_id = var(ctx, "$authenticated_id");
	s->host = var(ctx, "$sender_host_address");
	if (s->host != NULL)
		return;
	s->local = 1;
	uid = var(ctx, "$originator_uid");
	if (uid == NULL)
		return;
	n = strtoul(uid, &end, 10);
	if (*end != '\0')
		return;
	s->uid = n;
	if (getpwuid_r((uid_t)n, &pw, buf, sizeof(buf), &found) == 0 && found != NULL)
		s->login = aa_arena_strdup(ctx->arena, found->pw_name);
}
