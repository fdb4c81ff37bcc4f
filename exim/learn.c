/* learn.c - the closed loop inside Exim (aa_exim.h): a destination's
 * refusal recorded from a delivery event.
 *
 * A 4xx comes to the transport's process (Exim's user); a 5xx comes to
 * the main delivery process, which still runs as root: there the store
 * is written by a child that has become Exim's user for good, so that no
 * file of the store ever belongs to root, and waited for at most the
 * store's own time limit. Nothing here fails a delivery: an error is
 * logged and the message goes on as Exim decided.
 */
#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "local_scan.h"
#include "aa_exim.h"

#define CHILD_GRACE_MS 1000	/* beyond the store's own limits (open, then record) */
#define CHILD_POLL_MS 10

/* The events that carry a destination's reply, once each: a 5xx, and a
 * 4xx from one host (msg:defer and msg:rcpt:defer repeat the last one). */
static int reply_event(const char *event)
{
	return strcmp(event, "msg:fail:delivery") == 0 || strcmp(event, "msg:rcpt:host:defer") == 0 ||
	       strcmp(event, "msg:host:defer") == 0;
}

static int record(const struct aa_feedback_config *cfg, const struct aa_fb_key *key,
		  const struct aa_fb_reply *reply, char *err, size_t errlen)
{
	struct aa_feedback *fb = NULL;
	int rc;

	if (aa_feedback_open(cfg, AA_FB_OPEN_CREATE, &fb, err, errlen) < 0)
		return -1;
	rc = aa_feedback_record(fb, key, reply, time(NULL), NULL);
	if (rc < 0)
		snprintf(err, errlen, "%s", aa_feedback_error(fb));
	aa_feedback_close(&fb);
	return rc < 0 ? -1 : 0;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* As root: a child that is Exim's user for good records it. */
static int record_as_exim(const struct aa_feedback_config *cfg, const struct aa_fb_key *key,
			  const struct aa_fb_reply *reply, char *err, size_t errlen)
{
	uschar *u = expand_string(US"$exim_uid"), *g = expand_string(US"$exim_gid");
	uid_t uid = u != NULL ? (uid_t)strtoul((const char *)u, NULL, 10) : 0;
	gid_t gid = g != NULL ? (gid_t)strtoul((const char *)g, NULL, 10) : 0;
	long deadline = now_ms() + 2L * (long)cfg->timeout_ms + CHILD_GRACE_MS;
	int status;
	pid_t pid;

	if (uid == 0 || gid == 0) {
		snprintf(err, errlen, "Exim's user is not known ($exim_uid)");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		char cerr[8];

		if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0 || getuid() == 0)
			_exit(2);
		_exit(record(cfg, key, reply, cerr, sizeof(cerr)) < 0 ? 1 : 0);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			snprintf(err, errlen, "the store did not answer in time");
			return -1;
		}
		nanosleep(&(struct timespec){ 0, CHILD_POLL_MS * 1000000L }, NULL);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	snprintf(err, errlen, WIFEXITED(status) && WEXITSTATUS(status) == 2 ?
		 "could not become Exim's user" : "the store refused it (run authalign status)");
	return -1;
}

/* The route and step the message took for domain, when its plan did not
 * expect a refusal there; NULL: nothing to learn (no plan, a refusal
 * foreseen, a route no longer configured). */
static const struct aa_route *route_taken(struct aa_plugin *pl, const char *domain, enum aa_step *step_r,
					 int *foreseen_r)
{
	const struct aa_outbound *ob = &pl->cfg->outbound;
	const struct aa_plandata_entry *e = NULL;
	const struct aa_route *rt;
	const char *why;

	*step_r = AA_STEP_DIRECT;
	*foreseen_r = 0;
	if (outplan_for(pl, domain, &e, &why) != OUTPLAN_OK || e == NULL)
		return NULL;
	if (e->foreseen) {
		*foreseen_r = 1;
		return NULL;
	}
	*step_r = e->step;
	if (e->step == AA_STEP_SMARTHOST && e->arg != NULL && (rt = aa_route_find(ob->routes, e->arg)) != NULL)
		return rt;
	if (e->step == AA_STEP_SMARTHOST)
		return NULL;	/* a route no longer configured */
	return &ob->direct;
}

/* What the next messages do about it, for the log line. */
static const char *lesson_words(struct aa_plugin *pl, enum aa_fb_class c, int code, const char *from,
				const char *destination)
{
	struct aa_ctx *ctx = pl->ctx;
	struct aa_out_policy pol;
	time_t until = time(NULL) + (time_t)pl->cfg->feedback.expire_s;
	struct tm tm;
	char when[32] = "?";

	if (code < 500)
		return "temporary (4xx): kept for authalign status only";
	if (!aa_fb_class_avoids(c))
		return "kept for authalign status only (no route changes it)";
	if (gmtime_r(&until, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	aa_outbound_policy(&pl->cfg->outbound, from, &pol);
	return aa_arena_printf(ctx->arena, "mail to %s avoids it until %s%s (authalign forget %s)",
			       aa_escz(ctx, destination), when,
			       pol.mode == AA_OUT_MONITOR ? "; outbound_mode monitor: only logged, not applied" :
			       pol.mode == AA_OUT_OFF ? "; outbound_mode off for this From domain: not applied" : "",
			       aa_escz(ctx, destination));
}

/* What a refusal of class c means, for the bounce. */
static const char *class_words(enum aa_fb_class c)
{
	switch (c) {
	case AA_FB_DMARC:
		return "the message fails DMARC or the destination's authentication rules";
	case AA_FB_SPF:
		return "the message fails SPF";
	case AA_FB_BLOCKLIST:
		return "this host's address is on the destination's block list";
	case AA_FB_RELAY:
		return "the destination does not relay for this host (a tenant or relay rule)";
	default:
		return "the destination refused it";
	}
}

/* For the bounce, written for its reader (the sender, who sees neither
 * the log nor the settings): what authalign learned from a 5xx of a class
 * a route changes, and what the next messages do. It promises nothing it
 * cannot know: whether another way passes is decided when the next
 * message is planned. */
static void bounce_note(struct aa_plugin *pl, const struct aa_fb_reply *reply, enum aa_fb_class c,
			const char *host, const char *sent_from, const char *from, const char *destination,
			const struct aa_fb_key *learned)
{
	struct aa_ctx *ctx = pl->ctx;
	const char *me = (const char *)expand_string(US"$primary_hostname"), *next, *text;
	const char *id = message_id != NULL ? (const char *)message_id : "";
	struct aa_out_policy pol;
	time_t until = time(NULL) + (time_t)pl->cfg->feedback.expire_s;
	char when[32] = "?";
	struct tm tm;

	if (reply->code < 500 || !aa_fb_class_avoids(c))
		return;
	me = aa_escz(ctx, me != NULL ? me : "this host");
	if (gmtime_r(&until, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm);
	aa_outbound_policy(&pl->cfg->outbound, from, &pol);
	next = pol.mode == AA_OUT_MONITOR || pol.mode == AA_OUT_OFF ?
	       aa_arena_printf(ctx->arena, "The mail system here has noted it; ask your mail administrator "
			       "(postmaster@%s) to fix it.", me) :
	       aa_arena_printf(ctx->arena, "Until %s, the mail system here sends mail to %s%s another way where "
			       "it has one (a smarthost); where it has none, such mail bounces the same way. To "
			       "try again, send the message again; if it bounces again, ask your mail "
			       "administrator (postmaster@%s).", when, aa_escz(ctx, destination),
			       strcmp(learned->from_domain, "*") == 0 ? " from every From domain" :
			       aa_arena_printf(ctx->arena, " from %s", aa_escz(ctx, learned->from_domain)), me);
	text = aa_arena_printf(ctx->arena, "authalign on %s: %s refused mail to %s from %s (%d %s): %s. %s", me,
			       aa_escz(ctx, host), aa_escz(ctx, destination), aa_escz(ctx, sent_from), reply->code,
			       aa_escz(ctx, reply->status), class_words(c), next);
	plugin_bounce_note_add(pl, id, text);
}

/* 1 when the host that answered is the route's: one of its hosts for a
 * smarthost; for direct delivery, an MX of domain (or domain itself).
 * Exim's own routers (a Debian smarthost setup) may have sent the message
 * elsewhere than the plan said: then nothing is learned. */
static int took_route(struct aa_plugin *pl, const struct aa_route *rt, const char *domain, const char *host)
{
	const struct aa_dns_answer *a;

	if (host == NULL || *host == '\0')
		return 0;
	if (rt->hosts != NULL) {
		for (const char *h = rt->hosts; *h != '\0';) {
			size_t n = strcspn(h, ":");

			if (n == strlen(host) && strncasecmp(h, host, n) == 0)
				return 1;
			h += n;
			while (*h == ':')
				h++;
		}
		return 0;
	}
	if (strcasecmp(host, domain) == 0)
		return 1;
	a = aa_dns_lookup(pl->ctx->dns, domain, AA_DNS_MX);
	for (size_t i = 0; a != NULL && a->status == AA_DNS_OK && i < a->count; i++)
		if (a->rr[i].type == AA_DNS_MX && a->rr[i].text != NULL && strcasecmp(a->rr[i].text, host) == 0)
			return 1;
	return 0;
}

void plugin_learn(struct aa_plugin *pl, const char *event, const char *data)
{
	struct aa_ctx *ctx = pl->ctx;
	const struct aa_outbound *ob = &pl->cfg->outbound;
	const char *domain = (const char *)expand_string(US"$domain");
	const char *host = (const char *)expand_string(US"$host");
	const struct aa_route *rt;
	const struct aa_from *from;
	const char *rule = "", *fdom, *sent_from;
	struct aa_fb_reply reply;
	struct aa_fb_key key;
	enum aa_fb_class c;
	enum aa_step step;
	char err[256];
	int rc, foreseen;

	if (event == NULL || data == NULL || !reply_event(event))
		return;
	if (ob->mode == AA_OUT_OFF && ob->table == NULL)
		return;		/* outbound is off: authalign is not there for outgoing mail */
	aa_fb_reply_parse(data, strlen(data), &reply);
	if ((c = aa_fb_classify(&reply, &rule)) == AA_FB_NONE)
		return;
	if (domain == NULL || *domain == '\0')
		return;
	from = facts_from(pl);
	fdom = from != NULL && from->status == AA_FROM_OK && from->domain != NULL ? from->domain : NULL;
	if (fdom == NULL && !aa_fb_class_every_from(c))
		return;		/* no single author: nothing to learn for one */
	/* a plan that expected a refusal (nothing passed, monitor mode, not
	 * an owner) neither learns nor writes to the bounce: why it expected
	 * one is in the log line of its plan, not here */
	if ((rt = route_taken(pl, domain, &step, &foreseen)) == NULL)
		return;
	if (!took_route(pl, rt, domain, host))
		return;
	key.destination = aa_learned_destination(domain);
	key.from_domain = aa_fb_class_every_from(c) ? "*" : fdom;
	key.route = aa_learned_route(ctx, rt->name, step, c);
	key.egress = rt->egress_ip != NULL ? rt->egress_ip : "";
	if (key.route == NULL)
		return;
	/* the address the delivery left from: one of the route's (Exim's
	 * $sending_ip_address is not kept for the event of a 5xx); the lesson
	 * is kept under the first, for both families */
	sent_from = rt->egress_ip2 == NULL ? (key.egress[0] != '\0' ? key.egress : "this host") :
		    aa_arena_printf(ctx->arena, "%s or %s", rt->egress_ip, rt->egress_ip2);
	if (sent_from == NULL)
		return;
	if (geteuid() == 0) {
		rc = record_as_exim(&pl->cfg->feedback, &key, &reply, err, sizeof(err));
		if (rc == 0 && debug_selector != 0)	/* exim -d: the root path, seen */
			debug_printf("authalign: the refusal was recorded by a child that became Exim's user\n");
	} else {
		rc = record(&pl->cfg->feedback, &key, &reply, err, sizeof(err));
	}
	if (rc < 0) {
		aa_log(ctx, AA_LOG_PANIC, "a refusal by %s could not be recorded in the outbound feedback store: %s",
		       aa_escz(ctx, host), aa_escz(ctx, err));
		return;
	}
	bounce_note(pl, &reply, c, host, sent_from, fdom, key.destination, &key);
	aa_log(ctx, AA_LOG_INFO, "learned: %s refused %s (%s, %d %s; rule %s) for %s%s, route %s; %s",
	       aa_escz(ctx, host), aa_escz(ctx, sent_from),
	       aa_fb_class_name(c), reply.code, aa_escz(ctx, reply.status), rule,
	       strcmp(key.from_domain, "*") == 0 ? "every From domain" : "From ",
	       strcmp(key.from_domain, "*") == 0 ? "" : aa_escz(ctx, key.from_domain), aa_escz(ctx, key.route),
	       lesson_words(pl, c, reply.code, fdom, key.destination));
}
