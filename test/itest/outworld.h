/* outworld.h - driving the outbound world: submitting to the sending host,
 * following a message to the receiver, and the README's matrix. Shared by
 * check_outworld.c (the world and its baseline) and check_outbound.c
 * (authalign's routing on the sending host). */
#ifndef OUTWORLD_H
#define OUTWORLD_H

#include "itest.h"

#define MATRIX_MAX 64		/* rows read from the README */
#define FIELD_MAX 128
#define OUTCOME_SECONDS 30	/* for one delivery to show in a log */

#define assert_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "\"%s\" not in: %s", (needle), (hay))

/* ---- messages ---- */

static inline char *message(const char *from, const char *rcpt, const char *subject)
{
	char *text = NULL;

	ck_assert_int_ge(asprintf(&text,
				  "From: <%s>\n"
				  "To: <%s>\n"
				  "Subject: %s\n"
				  "Date: Mon, 23 Nov 2026 12:00:00 +0000\n"
				  "Message-ID: <%ld.%d@server.hosting.example>\n"
				  "\n"
				  "Hello from the outbound world.\n",
				  from, rcpt, subject, world_now_ms(), (int)getpid()), 0);
	return text;
}

/* Submit text to server:port from the sending host's address. */
static inline void submit(const char *server, int port, const char *mail_from, const char *rcpt,
		   const char *text, struct world_reply *r)
{
	struct world_msg m = {
		.src = world_env("AA_SENDER_IP4"), .server = server, .port = port,
		.helo = "server.hosting.example", .mail_from = mail_from, .rcpt = rcpt, .text = text,
	};

	world_send(&m, r);
	ck_assert_msg(r->code == 250 && r->stage == WORLD_DOT, "%s:%d refused <%s> for %s: %d at %s: %s",
		      server, port, mail_from, rcpt, r->code, world_stage_name(r->stage), r->text);
}

/* ---- what became of a message, from the log of the Exim that sent it on ---- */

enum fate { FATE_NONE, FATE_DELIVERED, FATE_BOUNCED, FATE_DEFERRED };

struct outcome {
	enum fate fate;
	char next_id[32];	/* the next hop's id (C="250 OK id=...") */
	char *line;		/* the log line */
};

/* Wait for id's delivery line (=>, ** or ==) for rcpt in the log at path. */
static inline void outcome_wait(const char *path, const char *id, const char *rcpt, struct outcome *o)
{
	long deadline = world_now_ms() + OUTCOME_SECONDS * 1000L;
	static const struct { const char *mark; enum fate fate; } marks[] = {
		{ " => ", FATE_DELIVERED }, { " ** ", FATE_BOUNCED }, { " == ", FATE_DEFERRED },
	};

	memset(o, 0, sizeof(*o));
	while (o->fate == FATE_NONE) {
		char *lines = NULL;

		if (world_log_grep_in(path, id, &lines) > 0) {
			for (char *l = lines, *end; o->fate == FATE_NONE && *l != '\0'; l = end + 1) {
				end = strchr(l, '\n');
				*end = '\0';
				for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
					const char *at = strstr(l, marks[i].mark);

					if (at == NULL || strncmp(at + 4, rcpt, strlen(rcpt)) != 0)
						continue;
					o->fate = marks[i].fate;
					o->line = strdup(l);
					break;
				}
			}
		}
		free(lines);
		if (o->fate == FATE_NONE && world_now_ms() >= deadline)
			ck_abort_msg("no delivery line for %s to %s in %s after %ds", id, rcpt, path,
				     OUTCOME_SECONDS);
		if (o->fate == FATE_NONE)
			world_sleep_ms(50);
	}
	const char *c = o->fate == FATE_DELIVERED ? strstr(o->line, "C=\"250 OK id=") : NULL;

	if (c != NULL)
		snprintf(o->next_id, sizeof(o->next_id), "%.*s", (int)strcspn(c + 13, "\" "), c + 13);
}

/* The receiver's copy of next_id for rcpt (mailbox <domain>/<local part>). */
static inline char *receiver_copy(const char *rcpt, const char *next_id)
{
	const char *at = strrchr(rcpt, '@');
	char mailbox[256], *copy = NULL;

	ck_assert_ptr_nonnull(at);
	snprintf(mailbox, sizeof(mailbox), "%s/%.*s", at + 1, (int)(at - rcpt), rcpt);
	ck_assert_msg(world_mail_wait_in(world_env("AA_RECEIVER_MAILDIR"), mailbox, next_id,
					 OUTCOME_SECONDS, &copy) == 0,
		      "receiver id %s not in %s", next_id, mailbox);
	return copy;
}

/* The receiver's Authentication-Results (the one with its authserv-id). */
static inline char *receiver_authres(const char *copy)
{
	const char *id = world_env("AA_RECEIVER_AUTHSERV_ID");

	for (int n = 0;; n++) {
		char *v = world_header(copy, "Authentication-Results", n);

		if (v == NULL)
			break;
		if (strncasecmp(v, id, strlen(id)) == 0 && v[strlen(id)] == ';')
			return v;
		free(v);
	}
	ck_abort_msg("no Authentication-Results of %s in:\n%s", id, copy);
	return NULL;
}

static inline int sender_mail_count(const char *domain)
{
	int n = 0;

	world_mail_each_in(world_env("AA_SENDER_MAILDIR"), domain, world_mail_count_one, &n);
	return n;
}

enum verdict { V_ACCEPT, V_QUARANTINE, V_REJECT, V_BAD };

struct row {
	char n[FIELD_MAX], from[FIELD_MAX], mail_from[FIELD_MAX], rcpt[FIELD_MAX];
	enum verdict direct, relay;
};

static inline enum verdict verdict_parse(const char *s)
{
	if (strcmp(s, "accept") == 0)
		return V_ACCEPT;
	if (strcmp(s, "quarantine") == 0)
		return V_QUARANTINE;
	if (strcmp(s, "reject") == 0)
		return V_REJECT;
	return V_BAD;
}

static inline const char *verdict_name(enum verdict v)
{
	static const char *const names[] = { "accept", "quarantine", "reject", "?" };

	return names[v];
}

/* The first word of a table cell: backticks and blanks dropped, then up to
 * the next blank or "(". */
static inline void cell_word(const char *cell, size_t len, char *out, size_t size)
{
	size_t o = 0;

	while (len > 0 && (*cell == ' ' || *cell == '`')) {
		cell++;
		len--;
	}
	for (; len > 0 && o + 1 < size; cell++, len--) {
		if (*cell == '`')
			continue;
		if (*cell == ' ' || *cell == '(')
			break;
		out[o++] = *cell;
	}
	out[o] = '\0';
}

/* Rows of the table between the outbound-matrix markers:
 * | n | From | envelope sender | recipient | direct | via relay | why | */
static inline int matrix_read(struct row *rows, int max)
{
	char path[4096], *readme, *begin, *end;
	int n = 0;

	snprintf(path, sizeof(path), "%s/test/world/README.md", world_env("AA_ROOT"));
	readme = world_read_file(path);
	ck_assert_msg(readme != NULL, "cannot read %s", path);
	begin = strstr(readme, "<!-- outbound-matrix -->");
	end = strstr(readme, "<!-- /outbound-matrix -->");
	ck_assert_msg(begin != NULL && end != NULL && begin < end, "no outbound-matrix markers in %s", path);
	for (char *l = begin; l < end && n < max; l = strchr(l, '\n') + 1) {
		char cells[7][FIELD_MAX];
		int c = 0;
		const char *p = l;

		if (*l != '|' || l[1] == '-' || strncmp(l, "| n ", 4) == 0)
			continue;
		p++;
		while (c < 7 && *p != '\n' && *p != '\0') {
			size_t len = strcspn(p, "|\n");

			cell_word(p, len, cells[c++], FIELD_MAX);
			p += len + (p[len] == '|');
		}
		ck_assert_msg(c == 7, "README matrix: a row without 7 cells: %.*s", (int)strcspn(l, "\n"), l);
		struct row *r = &rows[n++];

		snprintf(r->n, sizeof(r->n), "%s", cells[0]);
		snprintf(r->from, sizeof(r->from), "%s", cells[1]);
		snprintf(r->mail_from, sizeof(r->mail_from), "%s",
			 strcmp(cells[2], "<>") == 0 ? "" : cells[2]);
		snprintf(r->rcpt, sizeof(r->rcpt), "%s", cells[3]);
		r->direct = verdict_parse(cells[4]);
		r->relay = verdict_parse(cells[5]);
		ck_assert_msg(r->direct != V_BAD && r->relay != V_BAD && strchr(r->from, '@') && strchr(r->rcpt, '@'),
			      "README matrix row %s: bad cells", r->n);
	}
	free(readme);
	return n;
}

/* What the receiver did with one message, from the log of the hop before it. */
static inline enum verdict matrix_outcome(const char *log, const struct row *row, const char *id, char **why_r)
{
	struct outcome o;
	enum verdict v;

	outcome_wait(log, id, row->rcpt, &o);
	ck_assert_msg(o.fate != FATE_DEFERRED, "row %s deferred: %s", row->n, o.line);
	if (o.fate == FATE_BOUNCED) {
		ck_assert_msg(strstr(o.line, "550 5.7.509") != NULL, "row %s bounced, not by DMARC: %s",
			      row->n, o.line);
		v = V_REJECT;
	} else {
		char *copy = receiver_copy(row->rcpt, o.next_id);
		char *q = world_header(copy, "X-AuthAlign-Quarantine", 0);

		v = q != NULL ? V_QUARANTINE : V_ACCEPT;
		ck_assert_msg(world_log_wait_in(world_env("AA_RECEIVER_LOG"), o.next_id,
						"authalign: receiver.test;", 5, NULL) == 0,
			      "row %s: no authalign verdict line for %s", row->n, o.next_id);
		free(q);
		free(copy);
	}
	*why_r = o.line;
	return v;
}

/* Send every row through via (the sender: direct; the relay: its port 587,
 * which is where SENDER_VIA_RELAY sends) and compare with the README. */
static inline int matrix_run(int via_relay, int *rows_r)
{
	static struct row rows[MATRIX_MAX];
	char ids[MATRIX_MAX][32];
	const char *server = world_env(via_relay ? "AA_RELAY_IP4" : "AA_SENDER_IP4");
	const char *log = world_env(via_relay ? "AA_RELAY_LOG" : "AA_SENDER_LOG");
	int n = matrix_read(rows, MATRIX_MAX), rejected = 0, wrong = 0;

	ck_assert_int_ge(n, 20);
	for (int i = 0; i < n; i++) {
		char subject[64], *text;
		struct world_reply r;

		snprintf(subject, sizeof(subject), "matrix row %.16s", rows[i].n);
		text = message(rows[i].from, rows[i].rcpt, subject);
		submit(server, via_relay ? 587 : 25, rows[i].mail_from, rows[i].rcpt, text, &r);
		snprintf(ids[i], sizeof(ids[i]), "%s", r.id);
		free(text);
	}
	for (int i = 0; i < n; i++) {
		char *why = NULL;
		enum verdict want = via_relay ? rows[i].relay : rows[i].direct;
		enum verdict got = matrix_outcome(log, &rows[i], ids[i], &why);

		if (got == V_REJECT)
			rejected++;
		if (got != want) {
			wrong++;
			fprintf(stderr, "outworld: row %s (From %s, <%s> to %s) %s: want %s, got %s: %s\n",
				rows[i].n, rows[i].from, rows[i].mail_from, rows[i].rcpt,
				via_relay ? "via relay" : "direct", verdict_name(want), verdict_name(got), why);
		}
		free(why);
	}
	ck_assert_msg(wrong == 0, "%d of %d matrix rows differ from the README (see above)", wrong, n);
	*rows_r = n;
	return rejected;
}


#endif
