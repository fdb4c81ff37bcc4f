/* submitter.c - the message's submitter from Exim's variables (facts_submitter).
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
#include "aa_exim.h"
#include "exim_int.h"

#define PW_BUF 4096

/* *r: the variable's value in the arena, NULL when unset or empty.
 * -1: no memory for it (never taken for "unset": a client address lost
 * that way would make a remote client a local user). */
static int var(struct aa_ctx *ctx, const char *name, const char **r)
{
	const char *v = (const char *)expand_string(US name);

	*r = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	*r = aa_arena_strdup(ctx->arena, v);
	return *r != NULL ? 0 : -1;
}

int submitter_from_exim(struct aa_ctx *ctx, struct aa_submitter *s)
{
	const char *uid;
	char buf[PW_BUF], *end;
	struct passwd pw, *found = NULL;
	unsigned long n;

	memset(s, 0, sizeof(*s));
	if (var(ctx, "$authenticated_id", &s->auth_id) < 0 ||
	    var(ctx, "$sender_host_address", &s->host) < 0)
		return -1;
	if (s->host != NULL)
		return 0;
	s->local = 1;
	if (var(ctx, "$originator_uid", &uid) < 0)
		return -1;
	if (uid == NULL)
		return 0;
	n = strtoul(uid, &end, 10);
	if (*end != '\0')
		return 0;
	s->uid = n;
	if (getpwuid_r((uid_t)n, &pw, buf, sizeof(buf), &found) == 0 && found != NULL &&
	    (s->login = aa_arena_strdup(ctx->arena, found->pw_name)) == NULL)
		return -1;
	return 0;
}
