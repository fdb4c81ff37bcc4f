/* local_scan.c - Exim's local_scan(): verify one received message.
 *
 * First the headers only we may write go: Authentication-Results that
 * claim our authserv-id, X-AuthAlign-Quarantine, and Received-SPF when we
 * add it. A stranger's mail (message_source) is judged: SPF (from the ACL
 * memo or computed here), DKIM over the headers and the spool data file,
 * DMARC and the domain's policy; then ours are added, the verdict logged,
 * and the message accepted, frozen, rejected (550) or deferred (451). Mail
 * from a trusted source is never judged, and the log says why. The
 * message's From, DKIM results and recipients are its facts (aa_exim.h),
 * shared with the outbound half (outscan.c).
 */
#include "local_scan.h"
#include "aa_authres.h"
#include "aa_header.h"
#include "aa_judge.h"
#include "aa_exim.h"
#include "aa_str.h"
#include "outscan.h"

#define QUARANTINE_HEADER "X-AuthAlign-Quarantine"
#define RECEIVED_SPF_HEADER "Received-SPF"

AA_EXPORT int local_scan(int fd, uschar **return_text);

/* An Authentication-Results field that claims our id. */
static int claims_our_id(const header_line *h, const char *authserv_id)
{
	return aa_authres_is_ours((const char *)h->text, (size_t)h->slen, authserv_id);
}

/* A field named name, also when white space a reader trims stands before
 * its colon. */
static int named_like(const header_line *h, const char *name)
{
	return aa_header_name_like((const char *)h->text, (size_t)h->slen, name, NULL);
}

/* Mark every live field that match() says is one only we may write as
 * deleted; returns how many. */
static unsigned remove_headers(int (*match)(const header_line *, const char *), const char *arg)
{
	unsigned removed = 0;

	for (header_line *h = header_list; h != NULL; h = h->next) {
		if (!exim_header_deleted(h) && match(h, arg)) {
			h->type = '*';
			removed++;
		}
	}
	return removed;
}

/* Before we add ours, no incoming copy survives of a header we write or
 * that our settings make downstream filters trust. */
static void remove_incoming(struct aa_plugin *pl)
{
	unsigned n = remove_headers(claims_our_id, pl->authserv_id);

	if (n > 0)
		aa_log(pl->ctx, AA_LOG_INFO, "removed %u Authentication-Results header(s) claiming %s",
		       n, aa_escz(pl->ctx, pl->authserv_id));
	if ((n = remove_headers(named_like, QUARANTINE_HEADER)) > 0)
		aa_log(pl->ctx, AA_LOG_INFO, "removed %u incoming %s header(s)", n, QUARANTINE_HEADER);
	if (pl->cfg->received_spf && (n = remove_headers(named_like, RECEIVED_SPF_HEADER)) > 0)
		aa_log(pl->ctx, AA_LOG_INFO, "removed %u incoming %s header(s)", n, RECEIVED_SPF_HEADER);
}

/* A refusal's text over several reply lines, each within SMTP's 512
 * octets with Exim's "550-5.7.1 " in front (an accepted or frozen
 * message's text is $local_scan_data: one line). */
#define REPLY_LINE_MAX 400

static int finish(struct aa_plugin *pl, uschar **return_text, int rc, const char *text)
{
	if (text != NULL && (rc == LOCAL_SCAN_REJECT || rc == LOCAL_SCAN_TEMPREJECT) && strlen(text) > REPLY_LINE_MAX) {
		const char *lines = aa_str_wrap(pl->ctx->arena, text, REPLY_LINE_MAX);

		text = lines != NULL ? lines : TEMP_TEXT;
		if (lines == NULL)
			rc = LOCAL_SCAN_TEMPREJECT;	/* never a refusal without its reason */
	}
	if (text != NULL)
		*return_text = plugin_store_copy(text);
	plugin_end_message(pl);
	return rc;
}

/* Inbound: judge a stranger's message (SOURCE_STRANGER) that has a local
 * recipient. Returns LOCAL_SCAN_ACCEPT to go on, or the final code
 * (reject, defer, freeze) with *text_r. */
static int inbound(struct aa_plugin *pl, int fd, const char **text_r)
{
	struct aa_ctx *ctx = pl->ctx;
	const struct aa_spf_result *spf_mailfrom, *spf_helo;
	const struct aa_dkim_result *dkim;
	const struct aa_from *from;
	struct aa_judge_result jr;
	struct aa_judge_input in;

	/* the transaction began with local_scan(): the memo of its RCPT ACL */
	plugin_spf(pl, (const char *)sender_host_address,
		   (const char *)expand_string(US"$sender_helo_name"),
		   (const char *)sender_address, &spf_mailfrom, &spf_helo);
	ctx->msgid = (const char *)message_id;	/* kept even if plugin_spf had to start again */
	dkim = facts_dkim(pl, fd);
	from = facts_from(pl);
	if (dkim == NULL || from == NULL) {
		aa_log(ctx, AA_LOG_PANIC, "no memory for the message's DKIM results and From");
		*text_r = TEMP_TEXT;
		return LOCAL_SCAN_TEMPREJECT;
	}

	in = (struct aa_judge_input){
		.authserv_id = pl->authserv_id,
		.cfg = pl->cfg,
		.spf_mailfrom = spf_mailfrom,
		.spf_helo = spf_helo,
		.dkim = dkim,
		.from = from,
	};
	if (aa_judge(ctx, &in, &jr) < 0) {
		aa_log(ctx, AA_LOG_PANIC, "internal error judging the message");
		*text_r = jr.smtp_text;
		return LOCAL_SCAN_TEMPREJECT;
	}
	if (jr.policy.mode == AA_MODE_OFF)
		return LOCAL_SCAN_ACCEPT;
	aa_log(ctx, AA_LOG_INFO, "%s", jr.log_line);

	switch (jr.action) {
	case AA_ACTION_REJECT:
		*text_r = jr.smtp_text;
		return LOCAL_SCAN_REJECT;
	case AA_ACTION_DEFER:
		*text_r = jr.smtp_text;
		return LOCAL_SCAN_TEMPREJECT;
	default:
		break;
	}
	header_add_at_position(FALSE, NULL, FALSE, ' ', "Authentication-Results: %s\n", jr.authres);
	if (pl->cfg->received_spf && spf_mailfrom != NULL) {
		const char *rs = aa_spf_received_spf(ctx, spf_mailfrom, (const char *)sender_host_address,
						     (const char *)expand_string(US"$sender_helo_name"),
						     pl->authserv_id);
		if (rs != NULL)
			header_add_at_position(FALSE, NULL, FALSE, ' ', RECEIVED_SPF_HEADER ": %s\n",
					       rs);
	}
	if (jr.action == AA_ACTION_QUARANTINE_HEADER)
		header_add(' ', "%s: %s\n", QUARANTINE_HEADER, jr.quarantine_header);
	return jr.action == AA_ACTION_FREEZE ? LOCAL_SCAN_ACCEPT_FREEZE : LOCAL_SCAN_ACCEPT;
}

int local_scan(int fd, uschar **return_text)
{
	const char *err = NULL, *text = NULL;
	struct aa_plugin *pl;
	const struct aa_recipients *rcpt;
	int rc = LOCAL_SCAN_ACCEPT, out_rc;

	if (plugin_scan_preloading())
		return LOCAL_SCAN_ACCEPT;	/* the daemon loading us: no message */
	if ((pl = plugin_get(&err)) == NULL) {
		log_write(0, LOG_MAIN | LOG_PANIC, "authalign: %s", err);
		*return_text = US"4.3.5 Temporary local problem (authalign settings), try again later";
		return LOCAL_SCAN_TEMPREJECT;
	}
	/* a new SMTP transaction (no RCPT ACL asked authalign_spf, or asked
	 * about other names) starts before any fact of this message is taken */
	plugin_transaction(pl, (const char *)sender_host_address,
			   (const char *)expand_string(US"$sender_helo_name"),
			   (const char *)sender_address);
	pl->ctx->msgid = (const char *)message_id;
	if (pl->cfg->mode == AA_MODE_OFF && pl->cfg->domain_count == 0 &&
	    pl->cfg->outbound.mode == AA_OUT_OFF && pl->cfg->outbound.table == NULL)
		return finish(pl, return_text, LOCAL_SCAN_ACCEPT, NULL);

	remove_incoming(pl);
	if ((rcpt = facts_recipients(pl)) == NULL) {
		aa_log(pl->ctx, AA_LOG_PANIC, "no memory for the message's recipients");
		return finish(pl, return_text, LOCAL_SCAN_TEMPREJECT, TEMP_TEXT);
	}

	/* inbound: a stranger's mail for us; trusted sources are never judged */
	if ((pl->cfg->mode != AA_MODE_OFF || pl->cfg->domain_count > 0) && rcpt->has_local) {
		const char *why;

		switch (message_source(pl->ctx, &why)) {
		case SOURCE_STRANGER:
			rc = inbound(pl, fd, &text);
			if (rc != LOCAL_SCAN_ACCEPT && rc != LOCAL_SCAN_ACCEPT_FREEZE)
				return finish(pl, return_text, rc, text);
			break;
		case SOURCE_UNKNOWN:
			aa_log(pl->ctx, AA_LOG_WARN, "%s: deferred", why != NULL ? why : "(no memory)");
			return finish(pl, return_text, LOCAL_SCAN_TEMPREJECT, TEMP_TEXT);
		default:
			aa_log(pl->ctx, AA_LOG_INFO, "not judged as inbound: %s",
			       why != NULL ? why : "(no memory)");
			break;
		}
	}
	/* outbound: whatever leaves this host gets a plan */
	out_rc = outbound_scan(pl, fd, &text);
	if (out_rc != LOCAL_SCAN_ACCEPT)
		return finish(pl, return_text, out_rc, text);
	return finish(pl, return_text, rc, text);
}
