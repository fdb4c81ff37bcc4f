/* local_scan.c - Exim's local_scan(): verify one received message.
 *
 * First the headers only we may write go: Authentication-Results that
 * claim our authserv-id, X-AuthAlign-Quarantine, and Received-SPF when we
 * add it. A stranger's mail (source.c) is judged: SPF (from the ACL memo
 * or computed here), DKIM over the headers and the spool data file, DMARC
 * and the domain's policy; then ours are added, the verdict logged, and
 * the message accepted, frozen, rejected (550) or deferred (451). Mail
 * from a trusted source is never judged, and the log says why.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "local_scan.h"
#include "aa_authres.h"
#include "aa_header.h"
#include "aa_judge.h"
#include "message.h"
#include "outscan.h"
#include "plugin.h"
#include "source.h"

#define BODY_CHUNK 65536
#define QUARANTINE_HEADER "X-AuthAlign-Quarantine"
#define RECEIVED_SPF_HEADER "Received-SPF"

AA_EXPORT int local_scan(int fd, uschar **return_text);

static int is_deleted(const header_line *h)
{
	return h->type == '*';
}

/* The From field(s) among the live headers as Exim split them, read by
 * the same core code as the command-line tool (aa_from_read_fields): a
 * header block Exim could not split has no From field here. */
void find_from(struct aa_ctx *ctx, struct aa_from *from)
{
	const char **fields;
	size_t *lens, n = 0;

	for (const header_line *h = header_list; h != NULL; h = h->next)
		n++;
	fields = aa_arena_alloc(ctx->arena, (n + 1) * sizeof(*fields));
	lens = aa_arena_alloc(ctx->arena, (n + 1) * sizeof(*lens));
	if (fields == NULL || lens == NULL) {
		memset(from, 0, sizeof(*from));
		from->status = AA_FROM_NOMEM;	/* temperror, never "no From" */
		from->reason = aa_from_status_name(AA_FROM_NOMEM);
		return;
	}
	n = 0;
	for (const header_line *h = header_list; h != NULL; h = h->next) {
		if (!is_deleted(h)) {
			fields[n] = (const char *)h->text;
			lens[n++] = (size_t)h->slen;
		}
	}
	aa_from_read_fields(ctx, fields, lens, n, from);
}

/* Feed every live header and the body (spool data file) to DKIM. A
 * verifier that cannot start or a spool that cannot be read leaves the
 * result incomplete (dkim=temperror, DMARC defers), never dkim=none. */
int verify_dkim(struct aa_ctx *ctx, int fd, struct aa_dkim_result *r)
{
	struct aa_dkim_verify *v = aa_dkim_verify_new(ctx);
	char *buf = aa_arena_alloc(ctx->arena, BODY_CHUNK);
	ssize_t n;

	if (v == NULL || buf == NULL) {
		aa_log(ctx, AA_LOG_PANIC, "cannot start DKIM verification");
		return aa_dkim_verify_abort(&v, r);
	}
	for (const header_line *h = header_list; h != NULL; h = h->next)
		if (!is_deleted(h))
			aa_dkim_verify_header(v, (const char *)h->text, (size_t)h->slen);
	if (lseek(fd, SPOOL_DATA_START_OFFSET, SEEK_SET) < 0)
		goto spool;
	while ((n = read(fd, buf, BODY_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto spool;
		}
		aa_dkim_verify_body(v, buf, (size_t)n);
	}
	return aa_dkim_verify_finish(&v, r);
spool:
	aa_log(ctx, AA_LOG_PANIC, "cannot read the spool data file: %s", strerror(errno));
	return aa_dkim_verify_abort(&v, r);
}

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
		if (!is_deleted(h) && match(h, arg)) {
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

static int finish(struct aa_plugin *pl, uschar **return_text, int rc, const char *text)
{
	if (text != NULL)
		*return_text = plugin_store_copy(text);
	plugin_end_message(pl);
	return rc;
}

/* Inbound: judge a stranger's message (SOURCE_STRANGER) that has a local
 * recipient. Returns LOCAL_SCAN_ACCEPT to go on, or the final code
 * (reject, defer, freeze) with *text_r. */
static int inbound(struct aa_plugin *pl, int fd, struct aa_dkim_result *dkim, int *dkim_done,
		   struct aa_from *from, int *from_done, const char **text_r)
{
	struct aa_ctx *ctx = pl->ctx;
	const struct aa_spf_result *spf_mailfrom, *spf_helo;
	struct aa_judge_result jr;
	struct aa_judge_input in;

	plugin_spf(pl, (const char *)sender_host_address,
		   (const char *)expand_string(US"$sender_helo_name"),
		   (const char *)sender_address, &spf_mailfrom, &spf_helo);
	ctx->msgid = (const char *)message_id;	/* plugin_spf may start a new transaction */
	verify_dkim(ctx, fd, dkim);
	*dkim_done = 1;
	find_from(ctx, from);
	*from_done = 1;

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
	struct aa_plugin *pl = plugin_get(&err);
	struct aa_dkim_result dkim;
	struct aa_from from;
	int dkim_done = 0, from_done = 0, rc = LOCAL_SCAN_ACCEPT, out_rc;

	if (pl == NULL) {
		log_write(0, LOG_MAIN | LOG_PANIC, "authalign: %s", err);
		*return_text = US"4.3.5 Temporary local problem (authalign settings), try again later";
		return LOCAL_SCAN_TEMPREJECT;
	}
	pl->ctx->msgid = (const char *)message_id;
	memset(&dkim, 0, sizeof(dkim));
	if (pl->cfg->mode == AA_MODE_OFF && pl->cfg->domain_count == 0 &&
	    pl->cfg->outbound.mode == AA_OUT_OFF && pl->cfg->outbound.table == NULL)
		return finish(pl, return_text, LOCAL_SCAN_ACCEPT, NULL);

	remove_incoming(pl);

	/* inbound: a stranger's mail for us; trusted sources are never judged */
	if ((pl->cfg->mode != AA_MODE_OFF || pl->cfg->domain_count > 0) &&
	    message_has_local_recipient()) {
		const char *why;

		switch (message_source(pl->ctx, &why)) {
		case SOURCE_STRANGER:
			rc = inbound(pl, fd, &dkim, &dkim_done, &from, &from_done, &text);
			if (rc != LOCAL_SCAN_ACCEPT && rc != LOCAL_SCAN_ACCEPT_FREEZE)
				return finish(pl, return_text, rc, text);
			break;
		case SOURCE_UNKNOWN:
			aa_log(pl->ctx, AA_LOG_WARN, "%s: deferred", why != NULL ? why : "(no memory)");
			return finish(pl, return_text, LOCAL_SCAN_TEMPREJECT,
				      "4.3.0 Temporary local problem, try again later");
		default:
			aa_log(pl->ctx, AA_LOG_INFO, "not judged as inbound: %s",
			       why != NULL ? why : "(no memory)");
			break;
		}
	}
	/* outbound: whatever leaves this host gets a plan */
	out_rc = outbound_scan(pl, fd, &dkim, &dkim_done, &from, &from_done, &text);
	if (out_rc != LOCAL_SCAN_ACCEPT)
		return finish(pl, return_text, out_rc, text);
	return finish(pl, return_text, rc, text);
}
