/* aa_feedback.h - what destinations answered: replies classified, and the store that remembers them.
 *
 * Classification: one SMTP reply from a destination (code, enhanced
 * status, text; untrusted, any bytes, any length) is put in one class by
 * a table of rules (core/feedback/classify.c): DMARC, SPF, the sending
 * address on a block list, relay or tenant refused, rate limit or
 * greylisting, unknown user, other. Pure: no I/O, no allocation.
 *
 * The store remembers, per destination (the recipient domain), From
 * domain ("*" for a block list: every From domain), route, egress address
 * and class: first and last seen, how many replies, the last one, and
 * until when it counts (outbound_feedback_expire). SQLite by default
 * (WAL, a busy handler with a deadline), PostgreSQL through libpq when
 * outbound_feedback_postgresql names a server: the same table, the same
 * statements (an upsert, so concurrent writers lose no count). Every
 * call waits at most outbound_feedback_timeout in all; an error is
 * returned as an error (-1 and a text), never as an answer: the caller
 * carries on as if nothing was learned.
 *
 * Module core/feedback/: knows SMTP replies and its table; knows nothing
 * of Exim, of plans or of the settings file (it gets its settings as
 * struct aa_feedback_config, filled by core/config).
 */
#ifndef AA_FEEDBACK_H
#define AA_FEEDBACK_H

#include <stddef.h>
#include <time.h>
#include "aa_names.h"

/* ---- classification ---- */

enum aa_fb_class {
	AA_FB_NONE = 0,		/* not a refusal (2xx, 3xx, no reply code) */
	AA_FB_DMARC,		/* DMARC or authentication: 5.7.509, 5.7.26, 5.7.515 */
	AA_FB_SPF,		/* SPF: 5.7.23, SPF text */
	AA_FB_BLOCKLIST,	/* the sending address refused: S3150, Spamhaus, PTR */
	AA_FB_RELAY,		/* relay or tenant refused: 5.7.64 TenantAttribution */
	AA_FB_RATELIMIT,	/* rate limit or greylisting (4xx) */
	AA_FB_UNKNOWN_USER,	/* no such recipient: 5.1.1 */
	AA_FB_OTHER,		/* any other refusal */
};

extern const struct aa_names aa_fb_class_names;	/* "dmarc", "spf", ... */
const char *aa_fb_class_name(enum aa_fb_class c);

/* 1 when a reply of class c means the route itself fails for what it
 * carried (dmarc, spf, blocklist, relay): the next message takes another
 * step. Rate limits, unknown users and other refusals do not. */
int aa_fb_class_avoids(enum aa_fb_class c);

/* 1 when class c concerns every From domain (blocklist): it is kept under
 * From domain "*". */
int aa_fb_class_every_from(enum aa_fb_class c);

#define AA_FB_STATUS_MAX 11	/* "5.999.999" and room */

/* One reply: text points into the caller's bytes (not NUL-terminated). */
struct aa_fb_reply {
	int code;			/* 250, 421, 550; 0 when none was found */
	char status[AA_FB_STATUS_MAX + 1];	/* "5.7.1"; "" when none */
	const char *text;		/* from the code on (or all of it) */
	size_t len;
};

/* Read a reply from len bytes: a bare reply ("550 5.7.1 text",
 * multi-line with '-' or joined by newlines), or Exim's $event_data of a
 * delivery event ("SMTP error from remote mail server after RCPT
 * TO:<a@b>: 550 5.7.1 ..."). Only the first AA_FB_SCAN_MAX bytes are
 * read. Never fails: without a reply code, code is 0 and text is all. */
#define AA_FB_SCAN_MAX 4096
void aa_fb_reply_parse(const char *data, size_t len, struct aa_fb_reply *r);

/* The class of a reply, and the name of the rule that matched (for the
 * log; never NULL). A reply that is not 4xx or 5xx is AA_FB_NONE. */
enum aa_fb_class aa_fb_classify(const struct aa_fb_reply *r, const char **rule_r);

/* What a reply means and what to do about it, for an admin (authalign
 * explain): its class and rule as aa_fb_classify gives them, and two
 * sentences, never NULL. */
struct aa_fb_explanation {
	enum aa_fb_class class;
	const char *rule;
	const char *meaning;
	const char *fix;
};
void aa_fb_explain(const struct aa_fb_reply *r, struct aa_fb_explanation *x);

/* ---- the store ---- */

struct aa_feedback_config {
	char *file;		/* the SQLite file (outbound_feedback_file) */
	char *postgresql;	/* a libpq connection string; NULL: SQLite */
	unsigned expire_s;	/* an entry counts this long after its last reply */
	unsigned timeout_ms;	/* the longest one call may wait in all */
	unsigned max_entries;	/* no new entry past this many; 0: AA_FB_ENTRIES_MAX */
};

#define AA_FB_ENTRIES_MAX 50000	/* a store that grows without end is a store an attacker fills */

#define AA_FB_DEFAULT_FILE "/var/spool/exim4/authalign/feedback.db"
#define AA_FB_NAME_MAX 255	/* destination, From domain */
#define AA_FB_TOKEN_MAX 64	/* route, egress */
#define AA_FB_REPLY_MAX 512	/* the reply kept, printable ASCII */

/* Where a reply came from; the fields are compared without ASCII case.
 * egress may be "" (not known). */
struct aa_fb_key {
	const char *destination;	/* the recipient domain (aa_plan.h) */
	const char *from_domain;	/* the From domain, or "*" */
	const char *route;		/* "direct" or a route's name */
	const char *egress;		/* the address the destination saw */
};

/* One row, as stored (every text may come from another writer of a
 * shared store: escape before output). */
struct aa_fb_entry {
	char destination[AA_FB_NAME_MAX + 1];
	char from_domain[AA_FB_NAME_MAX + 1];
	char route[AA_FB_TOKEN_MAX + 1];
	char egress[AA_FB_TOKEN_MAX + 1];
	enum aa_fb_class class;		/* AA_FB_OTHER for a word this version does not know */
	char class_word[32];		/* the word stored */
	int code;
	char status[AA_FB_STATUS_MAX + 1];
	char reply[AA_FB_REPLY_MAX + 1];
	time_t first_seen, last_seen, expires;
	long long count;
};

struct aa_feedback;

enum {
	AA_FB_OPEN_READ = 0,		/* read; a store that is not there yet is empty */
	AA_FB_OPEN_WRITE = 1,		/* also forget; never creates anything */
	AA_FB_OPEN_CREATE = 3,		/* also record: makes the directory, file, table */
};

/* Open the store the settings name. 0, or -1 with the reason in err. */
int aa_feedback_open(const struct aa_feedback_config *cfg, int how, struct aa_feedback **fb_r, char *err,
		     size_t errlen);
void aa_feedback_close(struct aa_feedback **fb);

/* "sqlite /path" or "postgresql" (never the connection string: it may
 * hold a password). */
const char *aa_feedback_where(const struct aa_feedback *fb);

/* The last error's text ("" when none). */
const char *aa_feedback_error(const struct aa_feedback *fb);

/* Record one reply for key at time now: classified, kept under From
 * domain "*" when its class concerns every From domain; a new entry
 * counts 1, a live one (not expired) one more. The stored entry into
 * *e_r when e_r is not NULL. 1 recorded, 0 nothing to record (not a
 * refusal), -1 error (invalid key, store error). */
int aa_feedback_record(struct aa_feedback *fb, const struct aa_fb_key *key, const struct aa_fb_reply *reply,
		       time_t now, struct aa_fb_entry *e_r);

/* Should a message for key avoid this route at time now? 1 with the
 * newest live entry of a class that avoids (for key's From domain or
 * "*") whose last reply was a 5xx, in *e_r: a 4xx is temporary (Exim
 * tries again) and is kept for authalign status only; 0 no (also for a
 * key that cannot be stored: nothing was learned under it); -1 a store
 * error (then: as if 0, and log it). */
int aa_feedback_avoid(struct aa_feedback *fb, const struct aa_fb_key *key, time_t now, struct aa_fb_entry *e_r);

/* Every live entry at time now, ordered by destination, From domain,
 * route, egress, class: fn for each (a non-zero return stops; NULL:
 * only count). The number of entries, or -1. */
typedef int aa_fb_entry_fn(void *arg, const struct aa_fb_entry *e);
long aa_feedback_list(struct aa_feedback *fb, time_t now, aa_fb_entry_fn *fn, void *arg);

/* Forget the entries of destination (of one From domain, or "*", when
 * from_domain is not NULL). The number forgotten, -1 (a store error) or
 * AA_FB_INVALID (an argument that cannot be a key; the error says why). */
#define AA_FB_INVALID (-2)
long aa_feedback_forget(struct aa_feedback *fb, const char *destination, const char *from_domain);

#endif
