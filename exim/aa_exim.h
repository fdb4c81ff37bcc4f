/* aa_exim.h - the Exim adapter layer that local_scan/ and lookups/ share.
 *
 * exim/ is, with its two callers, the only code that sees Exim's
 * local_scan.h. It holds the process state (settings, the core context,
 * the authserv-id), copies into Exim's store, the SPF memo of one SMTP
 * transaction, where a message comes from, and the facts of the message
 * Exim is handling: its From, its DKIM results, its recipients and its
 * submitter, each computed on first use, once per message, in the
 * message's arena, and forgotten when the message ends. local_scan()
 * (reception) and the ${dlfunc} lookups of routers and transports
 * (delivery) both take them from here, so neither calls the other.
 *
 * It must not know what its callers decide: no verdict, no SMTP reply,
 * no ${dlfunc} answer word. It includes neither local_scan/ nor lookups/,
 * and core (include/) never includes it. Exim forks a process per
 * connection and calls us from one thread; per-message data never
 * outlives the message's arena: what is kept outside it is forgotten in
 * hooks on that arena (aa_arena.h), whoever resets it.
 */
#ifndef AA_EXIM_H
#define AA_EXIM_H

#include "aa_config.h"
#include "aa_ctx.h"
#include "aa_dkim.h"
#include "aa_from.h"
#include "aa_owner.h"
#include "aa_plan.h"
#include "aa_spf.h"

/* A header line Exim marked deleted (type '*', e.g. by headers_remove):
 * no longer part of the message. */
#define exim_header_deleted(h) ((h)->type == '*')

#define AA_EXPORT __attribute__((visibility("default")))

/* The default settings file, when $acl_m_authalign_config is empty. */
#define AA_DEFAULT_CONFIG AA_CONFIG_DEFAULT_PATH

/* ---- the process state (plugin.c) ----
 *
 * Built on first use in each process. Per-message data lives in the
 * context's arena, and what is kept outside it on the message's behalf
 * (the facts, the SPF memo, the DNS cache) is forgotten in hooks on that
 * arena (aa_arena.h); it is emptied when a message ends
 * (plugin_end_message) or when a new SMTP transaction starts
 * (plugin_transaction). These two events also start the transaction's DNS
 * time budget (dns_budget) again: it covers the SPF checks of the RCPT
 * ACL and local_scan()'s DKIM and DMARC of the same message. */
struct aa_plugin {
	struct aa_ctx *ctx;
	struct aa_config *cfg;
	char *authserv_id;		/* resolved: setting or $primary_hostname */
};

/* The process state with settings current for this message. NULL on
 * error, with *err_r saying why (for a 451 text and the panic log). */
struct aa_plugin *plugin_get(const char **err_r);

/* Read the settings and their tables now; the first time, also rehearse
 * (aa_judge_rehearse()) and have Exim load local_scan_path
 * (plugin_load_scan_in_daemon()). No resolver, socket or file is left
 * open (the DKIM library's handle, settings only, is kept). For the Exim
 * daemon, before
 * it forks a process per connection (authalign_preload): each child
 * inherits them, and plugin_get() reads them again only when a file
 * changed. path NULL: the default file, built-in settings when it does
 * not exist; a path given must exist. 0, or -1 with *err_r saying why. */
int plugin_preload(const char *path, const char **err_r);

/* The daemon, once (scan_preload.c): have Exim's local_scan() stub load
 * local_scan_path now, when that is this object, so that no child does
 * it again. While it runs plugin_scan_preloading() is 1, and local_scan()
 * answers at once. 1 when the stub was called and returned, 0 when
 * local_scan_path is not this object (or Exim has no stub), -1 when the
 * stub crashed (logged). */
int plugin_load_scan_in_daemon(void);
int plugin_scan_preloading(void);

/* Forget everything of the current message: the arena is reset, and
 * its hooks empty the DNS cache, the facts and the SPF memo. */
void plugin_end_message(struct aa_plugin *pl);

/* Copy a NUL-terminated string into Exim's store (tainted: it may come
 * from the message). NULL, for a text that could not be made, gives
 * "(no memory)": only error texts may be NULL. */
unsigned char *plugin_store_copy(const char *s);

/* The same, untainted: only for values from the admin's own files (a
 * transport name, hosts, a key file), which Exim refuses when tainted. */
unsigned char *plugin_store_copy_trusted(const char *s);

/* ---- the SMTP transaction and its SPF memo (spf_memo.c) ---- */

/* The transaction of (ip, helo, sender): when they differ from the
 * current one's, everything of the previous one is forgotten first
 * (plugin_end_message). local_scan() calls it before it takes any fact,
 * so that no reset half-way through drops them. */
void plugin_transaction(struct aa_plugin *pl, const char *ip, const char *helo, const char *sender);

/* SPF once per transaction: the memo when (ip, helo, sender) match and
 * SPF ran, else evaluates and remembers. *helo_r is the HELO identity's
 * own result, or NULL when it was not checked (spf_helo = no, the
 * default: authalign.conf(5)). 0, or -1 when it could not run. */
int plugin_spf(struct aa_plugin *pl, const char *ip, const char *helo, const char *sender,
	       const struct aa_spf_result **mailfrom_r, const struct aa_spf_result **helo_r);

/* ---- where the message being received comes from (source.c) ----
 *
 * A stranger's mail is judged inbound; mail from a source the admin
 * trusts (a local submission, an authenticated client, a host in Exim's
 * +relay_from_hosts) never is. */
enum msg_source {
	SOURCE_STRANGER,	/* a remote client, not authenticated, not a relay host */
	SOURCE_LOCAL,		/* no client address: command line (exim -t, sendmail), -bs */
	SOURCE_AUTHENTICATED,	/* SMTP AUTH */
	SOURCE_RELAY_HOST,	/* the client matches +relay_from_hosts */
	SOURCE_UNKNOWN,		/* +relay_from_hosts could not be checked (a lookup deferred) */
};

/* Where the message comes from; *why_r: a log text (escaped, in the
 * arena) saying why, for every answer but SOURCE_STRANGER; NULL when
 * there was no memory for it. */
enum msg_source message_source(struct aa_ctx *ctx, const char **why_r);

/* ---- the facts of the message Exim is handling (facts.c) ----
 *
 * Each is computed on its first use for the current message ($message_id)
 * and kept in the arena until the message ends; a second call returns
 * the same object. NULL: there was no memory to keep it (the caller
 * defers); a fact that is itself incomplete says so (a From of status
 * AA_FROM_NOMEM, DKIM results marked incomplete: temperror). */

/* The From field(s) among the live headers as Exim split them, read by
 * the same core code as the command-line tool (aa_from_read_fields): in
 * local_scan() the message received, at delivery the spooled one. */
const struct aa_from *facts_from(struct aa_plugin *pl);

/* The DKIM results. fd >= 0 (local_scan()): every DKIM-Signature verified
 * over the live headers and the spool data file open on fd. fd < 0
 * (delivery): the signatures that verified at submission, as local_scan()
 * carried them in $local_scan_data (none when it carried nothing). */
const struct aa_dkim_result *facts_dkim(struct aa_plugin *pl, int fd);

/* The recipients, each domain matched once against +local_domains. */
struct aa_recipients {
	int has_local;		/* a recipient is local, unqualified, or the
				   list cannot be matched (then every
				   recipient counts as both) */
	size_t remote_count;
	const char *remote[AA_PLANDATA_DOMAINS_MAX];	/* distinct domains not in
							   +local_domains, at most this many */
};
const struct aa_recipients *facts_recipients(struct aa_plugin *pl);

/* Who handed the message in, from Exim's variables, which hold the same
 * facts in local_scan() and at delivery (the spool keeps them):
 * $authenticated_id, and $sender_host_address, or for a command-line
 * submission (no client address) the login of $originator_uid. */
const struct aa_submitter *facts_submitter(struct aa_plugin *pl);

/* The plan local_scan() carried in $local_scan_data for this very message
 * (its id= is $message_id: Exim keeps the variable from the previous
 * message of a connection until local_scan() runs again), decoded into
 * *pd_r; NULL when none is ours. 0, or -1 when out of memory (undecided:
 * nothing is kept, and the caller defers rather than read "no plan"). */
int facts_carried_plan(struct aa_plugin *pl, const struct aa_plandata **pd_r);

/* ---- the outbound plan at delivery (outplan.c) ----
 *
 * Routers and transports ask for the plan of one recipient domain. It
 * comes from $local_scan_data (made at submission by local_scan), or is
 * made here when that has no entry for the domain, is not ours, or is
 * older than the outbound_plan_ttl setting (a queued message is planned
 * again: DNS and routes may have changed). Plans made here are kept for
 * the rest of the message in this process and forgotten when the message
 * id changes. */
enum outplan_status {
	OUTPLAN_OK,		/* *entry_r is the plan for the domain */
	OUTPLAN_NONE,		/* outbound is off for this message: deliver as Exim would */
	OUTPLAN_TEMP,		/* a DNS temporary failure: defer */
	OUTPLAN_ERROR,		/* could not evaluate */
};

enum outplan_status outplan_for(struct aa_plugin *pl, const char *domain,
				const struct aa_plandata_entry **entry_r, const char **why_r);

/* ---- the closed loop (lessons.c: the store for a plan; learn.c: the event) ----
 *
 * A plan asks the feedback store (aa_feedback.h, aa_plan.h's aa_learned)
 * what the destinations answered: open it for one plan or one message's
 * plans, and close it after (a store that cannot be opened is logged and
 * leaves l->store NULL: planned as if nothing was learned). A delivery
 * event (authalign_event) records a destination's 4xx or 5xx under the
 * route and step the message took. Neither ever fails a delivery. */
void plugin_learned_open(struct aa_plugin *pl, struct aa_learned *l);
void plugin_learned_close(struct aa_learned *l);
/* event: $event_name; data: $event_data. Events other than a reply
 * (msg:fail:delivery, msg:rcpt:host:defer, msg:host:defer) are ignored. */
void plugin_learn(struct aa_plugin *pl, const char *event, const char *data);

/* ---- the bounce's words (bounce_note.c) ----
 *
 * plugin_learn notes, for each refusal of a message that Exim will
 * bounce, what authalign found and does about it; the bounce's text
 * (bounce_message_file) asks for them with authalign_bounce{$message_id}.
 * Kept in this process for one message id at a time; text is printable
 * ASCII, escaped by the caller, wrapped here. "" when nothing was noted. */
void plugin_bounce_note_add(struct aa_plugin *pl, const char *msgid, const char *text);
const char *plugin_bounce_note(const char *msgid);

#endif
