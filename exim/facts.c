/* facts.c - the facts of the message Exim is handling, each found once (aa_exim.h).
 *
 * One object per message, in the arena, found again by $message_id: the
 * From, the DKIM results, the recipients and the submitter, each read
 * from Exim on its first use. local_scan()'s inbound and outbound halves
 * and the delivery-time lookups take them from here; none reads the
 * message itself. The object is forgotten in a hook on the arena
 * (aa_arena_on_reset), whoever resets it.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "local_scan.h"
#include "aa_exim.h"
#include "exim_int.h"

#define BODY_CHUNK 16384	/* spool read size: four pages touched, two reads for a typical message */

enum dkim_source { DKIM_UNKNOWN, DKIM_CARRIED, DKIM_VERIFIED };

struct aa_facts {
	const char *msgid;		/* $message_id when made ("" before DATA) */
	unsigned have_from:1, have_rcpt:1, have_submitter:1, have_carried:1;
	enum dkim_source dkim_source;
	struct aa_from from;
	struct aa_dkim_result dkim;
	struct aa_recipients rcpt;
	struct aa_submitter submitter;
	const struct aa_plandata *carried;	/* NULL: none of ours */
};

/* In the arena: valid until the arena is emptied. */
static struct aa_facts *facts;

static void facts_forget(void *arg)
{
	if (facts == arg)
		facts = NULL;
}

/* The facts of the current message, made empty on first use. */
static struct aa_facts *current(struct aa_plugin *pl)
{
	const char *id = message_id != NULL ? (const char *)message_id : "";
	struct aa_facts *f;

	if (facts != NULL && strcmp(facts->msgid, id) == 0)
		return facts;
	if ((f = aa_arena_alloc(pl->ctx->arena, sizeof(*f))) == NULL)
		return NULL;
	memset(f, 0, sizeof(*f));
	/* without its hook the object could outlive the arena: not kept */
	if ((f->msgid = aa_arena_strdup(pl->ctx->arena, id)) == NULL ||
	    aa_arena_on_reset(pl->ctx->arena, facts_forget, f, NULL) < 0)
		return NULL;
	return facts = f;
}

/* The From field(s) among the live headers as Exim split them: a header
 * block Exim could not split has no From field here. */
static void read_from(struct aa_ctx *ctx, struct aa_from *from)
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
		if (!exim_header_deleted(h)) {
			fields[n] = (const char *)h->text;
			lens[n++] = (size_t)h->slen;
		}
	}
	aa_from_read_fields(ctx, fields, lens, n, from);
}

const struct aa_from *facts_from(struct aa_plugin *pl)
{
	struct aa_facts *f = current(pl);

	if (f == NULL)
		return NULL;
	if (!f->have_from) {
		read_from(pl->ctx, &f->from);
		f->have_from = 1;
	}
	return &f->from;
}

/* A live header field is a DKIM-Signature. */
static bool signed_message(void)
{
	for (const header_line *h = header_list; h != NULL; h = h->next)
		if (!exim_header_deleted(h) && aa_dkim_is_signature_field((const char *)h->text, (size_t)h->slen))
			return true;
	return false;
}

/* The spool data file's body to v; false when it cannot be read. */
static bool feed_body(struct aa_dkim_verify *v, int fd, char *buf)
{
	ssize_t n;

	if (lseek(fd, SPOOL_DATA_START_OFFSET, SEEK_SET) < 0)
		return false;
	while ((n = read(fd, buf, BODY_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		aa_dkim_verify_body(v, buf, (size_t)n);
	}
	return true;
}

/* The message checked without the DKIM library (aa_dkim_verify_new_own):
 * true when every signature passed there and *r holds the results. */
static bool verify_dkim_own(struct aa_ctx *ctx, int fd, char *buf, struct aa_dkim_result *r)
{
	struct aa_dkim_field *fields;
	struct aa_dkim_verify *v;
	size_t n = 0, cap = 0;

	for (const header_line *h = header_list; h != NULL; h = h->next)
		cap++;
	fields = aa_arena_alloc_uninit(ctx->arena, (cap > 0 ? cap : 1) * sizeof(*fields));
	if (fields == NULL)
		return false;
	for (const header_line *h = header_list; h != NULL; h = h->next)
		if (!exim_header_deleted(h))
			fields[n++] = (struct aa_dkim_field){ (const char *)h->text, (size_t)h->slen };
	v = aa_dkim_verify_new_own(ctx, fields, n);
	if (v == NULL)
		return false;
	if (!feed_body(v, fd, buf)) {
		aa_dkim_verify_abort(&v, r);	/* nothing checked; the library path says why */
		return false;
	}
	return aa_dkim_verify_own_finish(&v, r) == 1;
}

/* Feed every live header and the body (spool data file) to DKIM. A
 * verifier that cannot start or a spool that cannot be read leaves the
 * result incomplete (dkim=temperror, DMARC defers), never dkim=none; a
 * message with no signature field at all is dkim=none at once. */
static void verify_dkim(struct aa_ctx *ctx, int fd, struct aa_dkim_result *r)
{
	struct aa_dkim_verify *v;
	char *buf;

	/* no signature field: no signature (the verifier's own answer for
	 * such a message), without starting it or reading the spool */
	if (!signed_message()) {
		memset(r, 0, sizeof(*r));
		return;
	}
	buf = aa_arena_alloc_uninit(ctx->arena, BODY_CHUNK);	/* read() fills it */
	/* plainly written signatures that all pass: decided without the
	 * library; any other outcome is the library's, from the start */
	if (buf != NULL && verify_dkim_own(ctx, fd, buf, r))
		return;
	v = aa_dkim_verify_new(ctx);
	if (v == NULL || buf == NULL) {
		aa_log(ctx, AA_LOG_PANIC, "cannot start DKIM verification");
		aa_dkim_verify_abort(&v, r);
		return;
	}
	for (const header_line *h = header_list; h != NULL; h = h->next)
		if (!exim_header_deleted(h))
			aa_dkim_verify_header(v, (const char *)h->text, (size_t)h->slen);
	if (!feed_body(v, fd, buf)) {
		aa_log(ctx, AA_LOG_PANIC, "cannot read the spool data file: %s", strerror(errno));
		aa_dkim_verify_abort(&v, r);
		return;
	}
	aa_dkim_verify_finish(&v, r);
}

/* The d= of the signatures that verified at submission, as passes. */
static void carried_dkim(struct aa_ctx *ctx, const struct aa_plandata *pd, struct aa_dkim_result *r)
{
	memset(r, 0, sizeof(*r));
	if (pd == NULL || pd->dkim_count == 0)
		return;
	if ((r->sigs = aa_arena_alloc(ctx->arena, pd->dkim_count * sizeof(*r->sigs))) == NULL) {
		r->incomplete = 1;	/* a pass may be missing: never "no signature" */
		return;
	}
	for (size_t i = 0; i < pd->dkim_count; i++) {
		memset(&r->sigs[i], 0, sizeof(r->sigs[i]));
		r->sigs[i].result = AA_PASS;
		r->sigs[i].domain = pd->dkim[i];
		r->count++;
	}
}

const struct aa_dkim_result *facts_dkim(struct aa_plugin *pl, int fd)
{
	struct aa_facts *f = current(pl);

	if (f == NULL)
		return NULL;
	if (fd >= 0 && f->dkim_source != DKIM_VERIFIED) {
		memset(&f->dkim, 0, sizeof(f->dkim));
		verify_dkim(pl->ctx, fd, &f->dkim);
		f->dkim_source = DKIM_VERIFIED;
	} else if (f->dkim_source == DKIM_UNKNOWN) {
		const struct aa_plandata *pd;

		if (facts_carried_plan(pl, &pd) < 0) {
			memset(&f->dkim, 0, sizeof(f->dkim));
			f->dkim.incomplete = 1;	/* a pass may be missing; asked again next time */
			return &f->dkim;
		}
		carried_dkim(pl->ctx, pd, &f->dkim);
		if (!f->dkim.incomplete)
			f->dkim_source = DKIM_CARRIED;
	}
	return &f->dkim;
}

static const char *address_domain(const recipient_item *r)
{
	const char *at = r->address != NULL ? strrchr((const char *)r->address, '@') : NULL;

	return at != NULL && at[1] != '\0' ? at + 1 : NULL;
}

/* 1 local, 0 remote, -1 unknown: the config has no +local_domains list
 * (then both halves apply: inbound judging and outbound planning). */
static int domain_is_local(const char *domain)
{
	static int said;	/* once per process: the config does not change under it */

	switch (lss_match_domain(US domain, US"+local_domains")) {
	case OK:
		return 1;
	case FAIL:
		return 0;
	default:
		if (!said++)
			log_write(0, LOG_MAIN | LOG_PANIC, "authalign: cannot match domains against "
				  "+local_domains (is the domainlist defined?): every recipient is "
				  "judged inbound and planned outbound");
		return -1;
	}
}

/* One pass over the recipients (Exim bounds their number). An
 * unqualified address is local. */
static void read_recipients(struct aa_recipients *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < recipients_count; i++) {
		const char *d = address_domain(&recipients_list[i]);
		size_t j;
		int local;

		if (r->has_local && r->remote_count == AA_PLANDATA_DOMAINS_MAX)
			break;		/* nothing more to learn */
		if (d == NULL) {
			r->has_local = 1;
			continue;
		}
		local = domain_is_local(d);
		if (local != 0)
			r->has_local = 1;
		if (local == 1 || r->remote_count == AA_PLANDATA_DOMAINS_MAX)
			continue;
		for (j = 0; j < r->remote_count && strcasecmp(r->remote[j], d) != 0; j++)
			;
		if (j == r->remote_count)
			r->remote[r->remote_count++] = d;
	}
}

const struct aa_recipients *facts_recipients(struct aa_plugin *pl)
{
	struct aa_facts *f = current(pl);

	if (f == NULL)
		return NULL;
	if (!f->have_rcpt) {
		read_recipients(&f->rcpt);
		f->have_rcpt = 1;
	}
	return &f->rcpt;
}

const struct aa_submitter *facts_submitter(struct aa_plugin *pl)
{
	struct aa_facts *f = current(pl);

	if (f == NULL)
		return NULL;
	if (!f->have_submitter) {
		if (submitter_from_exim(pl->ctx, &f->submitter) < 0)
			return NULL;	/* asked again next time */
		f->have_submitter = 1;
	}
	return &f->submitter;
}

int facts_carried_plan(struct aa_plugin *pl, const struct aa_plandata **pd_r)
{
	struct aa_facts *f = current(pl);
	struct aa_plandata *pd;

	*pd_r = NULL;
	if (f == NULL)
		return -1;
	if (!f->have_carried) {
		const char *data = (const char *)expand_string(US"$local_scan_data");
		const char *id = message_id != NULL ? (const char *)message_id : "";
		int rc;

		if ((pd = aa_arena_alloc(pl->ctx->arena, sizeof(*pd))) == NULL)
			return -1;	/* asked again next time */
		rc = aa_plandata_decode(pl->ctx, data, pd);
		if (rc == -2)
			return -1;
		if (rc == 0 && *id != '\0' && strcmp(pd->msgid, id) == 0)
			f->carried = pd;
		f->have_carried = 1;
	}
	*pd_r = f->carried;
	return 0;
}
