/* aa_judge.h - one message's verdict: DMARC, the domain's policy, the action.
 *
 * The Exim adapter gathers SPF, DKIM and the From header; this decides.
 * In enforce mode a definite DMARC fail under a reject policy rejects
 * (550), and so does a From that names no author domain to judge (none,
 * several fields, unparseable, not a host name, too many domains:
 * dmarc=permerror), unless from_unreadable = monitor, which then only
 * enforces what the domains that From shows would give. A temporary
 * error that could change the outcome defers (451), and so does running
 * out of memory; everything else is accepted with its
 * Authentication-Results.
 *
 * Module core/judge/, the top of the core: it combines what the modules
 * below found, under the settings; it asks no DNS question of its own and
 * knows nothing of Exim (the adapter turns the action into local_scan()'s
 * return value and the 451/550 text).
 */
#ifndef AA_JUDGE_H
#define AA_JUDGE_H

#include "aa_authres.h"
#include "aa_config.h"
#include "aa_dkim.h"
#include "aa_dmarc.h"
#include "aa_spf.h"

enum aa_action {
	AA_ACTION_ACCEPT = 0,
	AA_ACTION_QUARANTINE_HEADER,	/* accept, add X-AuthAlign-Quarantine */
	AA_ACTION_FREEZE,
	AA_ACTION_REJECT,		/* 550 5.7.1 */
	AA_ACTION_DEFER,		/* 451 4.7.x */
};

struct aa_judge_input {
	const char *authserv_id;
	const struct aa_config *cfg;
	const struct aa_spf_result *spf_mailfrom;	/* the one that counts for DMARC */
	const struct aa_spf_result *spf_helo;
	const struct aa_dkim_result *dkim;
	const struct aa_from *from;
	int every_alignment;	/* aa_dmarc_input's: the tool sets it */
};

struct aa_judge_result {
	enum aa_action action;
	struct aa_dmarc_result dmarc;
	struct aa_domain_policy policy;
	const char *authres;		/* header value, folded */
	const char *smtp_text;		/* for REJECT/DEFER: "5.7.1 ..." */
	const char *log_line;		/* one line, escaped */
	const char *quarantine_header;	/* value for X-AuthAlign-Quarantine, or NULL */
};

/* Returns 0; on an internal error -1 with action DEFER. */
int aa_judge(struct aa_ctx *ctx, const struct aa_judge_input *in, struct aa_judge_result *r);

const char *aa_action_name(enum aa_action a);

/* Judge a built-in message, signed with RSA and Ed25519, against a
 * built-in zone (no network) under cfg, the public suffix list read from
 * psl_file (NULL: the system's). What the libraries build on first use in
 * a process is then built: the Exim daemon rehearses once before it forks
 * so that every child starts with it (core/judge/rehearse.c). Returns 0
 * when the message got its verdict (SPF, both signatures and DMARC pass),
 * else -1 with *why_r. */
int aa_judge_rehearse(const struct aa_config *cfg, const char *psl_file, const char **why_r);

#endif
