/* aa_plan.h - what a receiver will conclude about an outgoing message, the
 * least invasive plan that gets it through, and that plan carried with the
 * message from local_scan() to routing (core/plan/).
 *
 * It reads the outbound settings (aa_outbound.h) and who owns which domain
 * (aa_owner.h), asks SPF and DMARC through their modules and takes the
 * message's DKIM results and author (aa_from.h) as data; it knows nothing
 * of Exim (the adapter hands it the message's facts).
 */
#ifndef AA_PLAN_H
#define AA_PLAN_H

#include <stddef.h>
#include <time.h>
#include "aa_ctx.h"
#include "aa_feedback.h"
#include "aa_outbound.h"
#include "aa_spf.h"

/* ---- what destinations taught (core/plan/learned.c) ----
 *
 * A refusal is remembered (aa_feedback.h) under its destination, the
 * From domain, a route token and the route's egress address. The
 * destination is the recipient domain: never its profile, whose other
 * tenants a tenant's own rule must not speak for. The route token is the route's name for
 * a class about the route itself (a block list, a refused relay: every
 * step on that route is avoided) and "route/step" for the others
 * (DMARC, SPF, other: the next message takes the next step). */
struct aa_learned {
	struct aa_feedback *store;	/* open for reading; NULL: nothing learned */
	time_t now;
};

const char *aa_learned_destination(const char *rcpt_domain);
/* The route token for a reply of class c to a message that took step on
 * route; NULL when out of memory. */
const char *aa_learned_route(struct aa_ctx *ctx, const char *route, enum aa_step step, enum aa_fb_class c);
/* 1 when a live lesson says a message from from_domain (NULL: none) to
 * destination must not take step on route: the entry in *e_r; 0 no; -1
 * the store failed (aa_feedback_error) or no memory: plan as if nothing
 * was learned. */
int aa_learned_avoid(struct aa_ctx *ctx, const struct aa_learned *l, const char *destination,
		     const char *from_domain, const struct aa_route *route, enum aa_step step,
		     struct aa_fb_entry *e_r);

/* ---- prediction (core/plan/predict.c) ---- */
struct aa_out_msg {
	const char *env_sender;			/* "" for the null sender */
	const char *helo_default;		/* HELO when the route names none */
	const struct aa_from *from;
	const struct aa_dkim_result *dkim;	/* signatures on the message now, verified */
	const char *rcpt_domain;
	const char *const *mx;			/* destination MX names; NULL: looked up */
	size_t mx_count;
	const struct aa_submitter *submitter;	/* who handed it in; NULL: nobody, who
						 * owns no domain (aa_owner.h) */
	const struct aa_learned *learned;	/* what destinations answered; NULL: not asked */
	int want_tried;				/* keep every candidate in the plan's tried[]
						 * (authalign predict; Exim does not) */
};

struct aa_prediction {
	const struct aa_route *route;
	const struct aa_profile *profile;
	const char *env_sender;		/* as it will be sent (after a rewrite) */
	const char *egress;		/* the egress address the verdict is for: of a
					 * route with one per address family, the one
					 * with the worse outcome (the first when equal) */
	struct aa_spf_result spf;	/* against egress */
	const char *spf_fails_also;	/* the route's other address, when SPF does
					 * not pass from it either (for the fix) */
	int dkim_aligned_pass;		/* an aligned signature will verify on arrival */
	const char *dkim_domain;	/* its d= */
	int dkim_any_pass;		/* any signature will verify (profile require=dkim) */
	size_t dkim_count;		/* signatures expected on arrival (ours included) */
	int mx_temp;			/* the MX lookup failed temporarily */
	struct aa_dmarc_result dmarc;
	int refused;			/* the destination will refuse */
	int junk;			/* accepted, into the junk folder: DMARC fails
					 * under p=quarantine where the profile
					 * enforces the policy without refusing it */
	int temp;			/* a DNS temporary failure left it undecided */
	const char *status;		/* when refused: the profile's status */
	const char *reason;		/* short, human, not yet escaped */
	/* what failed, for the planner's "Fix:" */
	int spf_failed;			/* SPF was not pass (require=spf or unaligned) */
	int dkim_key_missing;		/* sign_selector's key record is absent, revoked
					 * or unusable */
	int dkim_key_mismatch;		/* ... or holds another key than our key file's */
	const char *dkim_key_record;	/* the record our key file needs, "v=DKIM1;
					 * k=rsa; p=...", when the file was read */
	const char *dkim_key_file_error; /* our key file cannot be used ("no such
					 * file"): Exim sends the message unsigned */
	const char *relay_dkim_domain;	/* the d= the route's relay signs with, or NULL */
	const char *relay_keys_missing;	/* its selector records not published
					 * ("s1._domainkey.d and s2._domainkey.d"), or NULL */
	int always_failed;		/* the From domain is one the receiver always enforces */
	int dmarc_missing;		/* require=dmarc and no DMARC record */
};

/* The outcome in one word, best first: "pass" (the inbox), "junk",
 * "refused"; "temp" when a DNS temporary failure left it undecided. */
const char *aa_prediction_outcome(const struct aa_prediction *p);

/* sign_domain: the d= our transport will add (NULL: none); its key is
 * assumed published. return_path: the envelope sender after a rewrite
 * (NULL: unchanged). Returns 0, or -1 when the route cannot be predicted
 * (no usable egress; r->temp is then set, never refused). */
int aa_predict(struct aa_ctx *ctx, const struct aa_outbound *ob, const struct aa_out_msg *msg,
	       const struct aa_route *route, const char *sign_domain, const char *return_path,
	       struct aa_prediction *r);

/* What a step changes before the message leaves. */
struct aa_out_change {
	const char *sign_domain;	/* d= our transport adds, or NULL */
	const char *sign_selector;	/* its s=: when set, the key record
					 * s._domainkey.d is looked up and a
					 * missing or revoked key makes it fail */
	const char *sign_key_file;	/* the private key it signs with: when it can
					 * be read, the record must hold its public
					 * half; a file Exim cannot sign with (missing,
					 * no key in it) leaves the message unsigned */
	const char *return_path;	/* rewritten envelope sender, or NULL */
};

int aa_predict_change(struct aa_ctx *ctx, const struct aa_outbound *ob,
		      const struct aa_out_msg *msg, const struct aa_route *route,
		      const struct aa_out_change *chg, struct aa_prediction *r);

/* ---- the plan (core/plan/plan.c) ---- */
#define AA_PLAN_TRIED_MAX 32	/* candidates kept for a reader (authalign predict) */

/* One candidate the planner judged, in the order it did. */
struct aa_plan_tried {
	const char *name;		/* "direct", "sign", "smarthost:relay+sign", ... (escaped) */
	struct aa_prediction pred;
	const char *avoided;		/* it would pass, but a lesson made the plan skip
					 * it: the lesson ("learned: ..."); NULL not */
	int lessons_ignored;		/* judged again without the lessons: none
					 * left another step that passes */
};

struct aa_plan {
	enum aa_step step;
	const struct aa_route *route;	/* &ob->direct or a smarthost */
	const char *sign_domain;	/* our transport signs: SIGN, and any later
					 * step once SIGN was applicable (signing
					 * is kept when escalating) */
	const char *dkim_selector, *dkim_key_file;
	const char *return_path;	/* AA_STEP_REWRITE */
	enum aa_out_mode mode;
	struct aa_prediction direct;	/* what direct delivery would get */
	struct aa_prediction chosen;	/* what the chosen route gets */
	enum aa_step planned;		/* what the plan found, whatever the mode
					 * (monitor: step stays DIRECT) */
	const struct aa_route *planned_route;
	int none_pass;			/* no step passes (REFUSE in enforce; route
					 * mode delivers direct and logs it) */
	int temp;			/* undecided: defer (451), never refuse;
					 * 0 in monitor mode (the log says temp) */
	int not_owner;			/* the From domain's powers (sign, rewrite,
					 * pin, a relay that signs it) were withheld:
					 * the submitter does not own it */
	const char *owner_why;		/* why (or which rule granted it), plain */
	const char *smtp_text;		/* AA_STEP_REFUSE in enforce: "5.7.x ... fix: ..." */
	int avoided;			/* a step that would pass was avoided for what
					 * the destination answered before (its log
					 * says "avoided(learned ...)") */
	int lessons_ignored;		/* ... and no other passed: the plan was made
					 * again without the lessons ("lessons=ignored") */
	const char *log_line;		/* one line, escaped: "route=m365 direct=fail(...)" */
	int junk;			/* the best step found reaches only the junk folder */
	struct aa_plan_tried *tried;	/* with want_tried: every candidate judged, in
					 * order (arena); the first AA_PLAN_TRIED_MAX */
	size_t tried_count;
	size_t tried_lost;		/* judged beyond those */
};

int aa_plan_message(struct aa_ctx *ctx, const struct aa_outbound *ob, const struct aa_out_msg *msg,
		    struct aa_plan *r);

/* ---- the plan carried as $local_scan_data (core/plan/plandata.c) ----
 *
 * local_scan() returns it as its accept text, which Exim keeps with the
 * message as $local_scan_data (at most 1000 characters, no newlines); the
 * router and transport lookups read it back instead of judging again.
 *
 *   aa1 id=1xaKvM-00006s-0W t=1795000000 dkim=a.example,b.example rfc.example=smarthost:relay gmail.com=sign:a.example *=direct
 *
 * id= is the message it was made for: Exim keeps $local_scan_data from
 * one message until local_scan() runs for the next one, so a plan whose id
 * is not the current message's is another message's and is not read;
 * t= is when it was made (a queued message older than the caller's limit
 * is planned again); dkim= lists the d= of the signatures that verified at
 * submission; then one entry per recipient domain: a step and its argument
 * (smarthost: the route name; sign: the d= domain; rewrite: the envelope
 * sender), and ",sign:D" when a later step keeps our signature with d=D
 * (rfc.example=rewrite:b@bounces.a.example,sign:a.example: the transport
 * rewrites and signs, as predicted), ",rewrite:ADDR" when a smarthost
 * step also rewrites the envelope, and ",foreseen" when the plan
 * expected the refusal (nothing passed, monitor mode sent it as it was,
 * or the submitter is not an owner of the From domain). "*" is for any other domain. Every
 * name in it is plain LDH, so nothing in it needs quoting; anything else
 * makes decoding fail.
 */
#define AA_PLANDATA_MAX 1000		/* Exim's limit for local_scan_data */
#define AA_PLANDATA_DOMAINS_MAX 32
#define AA_PLANDATA_DKIM_MAX 8
#define AA_PLANDATA_ID_MAX 64		/* bytes of a message id */

struct aa_plandata_entry {
	const char *domain;		/* recipient domain, or "*" */
	enum aa_step step;
	const char *arg;		/* route name, d= domain, or address; NULL */
	const char *sign;		/* a step after sign that keeps our signature:
					 * its d= (",sign:D" after the step); NULL */
	const char *return_path;	/* a smarthost step that also rewrites the
					 * envelope (",rewrite:ADDR"); NULL */
	int foreseen;			/* the plan expected this step to be refused, or
					 * withheld the From domain's powers (",foreseen"):
					 * a refusal then teaches nothing */
};

struct aa_plandata {
	const char *msgid;		/* Exim's id of the message it was made for */
	time_t made;
	const char *dkim[AA_PLANDATA_DKIM_MAX];
	size_t dkim_count;
	struct aa_plandata_entry entry[AA_PLANDATA_DOMAINS_MAX];
	size_t count;
};

/* The entry that carries plan p for domain (strings are p's): what the
 * transport must do, signature included. A refusal is carried as direct
 * (the caller refused already, or delivers as Exim would). */
void aa_plandata_entry_of(const struct aa_plan *p, const char *domain, struct aa_plandata_entry *e);

/* The d= our transport signs with under entry e, or NULL. */
const char *aa_plandata_sign_domain(const struct aa_plandata_entry *e);
/* The envelope sender the transport sets under entry e, or NULL. */
const char *aa_plandata_return_path(const struct aa_plandata_entry *e);

/* Encode into the arena; entries that do not fit in AA_PLANDATA_MAX are
 * left out (the router then plans those domains itself), and so are
 * entries for domains named like the plan's own fields (id, t, dkim).
 * NULL on no memory, or when msgid is not a message id. */
const char *aa_plandata_encode(struct aa_ctx *ctx, const struct aa_plandata *pd);

/* Decode; -1 when text is not ours or is malformed (then plan again), -2
 * when out of memory (undecided: never read as "no plan"). A plan without
 * id= is not ours: the caller compares msgid with the message's id. */
int aa_plandata_decode(struct aa_ctx *ctx, const char *text, struct aa_plandata *pd);

/* The entry for a recipient domain (exact, else "*"), or NULL. */
const struct aa_plandata_entry *aa_plandata_find(const struct aa_plandata *pd, const char *domain);

/* What a router or transport lookup reads: the entry for domain in text
 * ($local_scan_data) when text is ours and was made less than ttl seconds
 * before now; else NULL (plan again). *pd_r (may be NULL) gets the decoded
 * plan whenever text is ours, even when too old, or NULL. The entry and
 * the plan live in the ctx arena: valid until the message ends. */
const struct aa_plandata_entry *aa_plandata_lookup(struct aa_ctx *ctx, const char *text,
						   const char *domain, time_t now, unsigned ttl,
						   const struct aa_plandata **pd_r);

#endif
