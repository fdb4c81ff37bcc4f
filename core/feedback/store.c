/* store.c - the feedback store: what goes in is checked, and one set of statements serves both backends.
 *
 * A key's fields are kept in lower case and must be short tokens of
 * printable ASCII (letters, digits and . - _ : * / + [ ]); a reply is
 * kept as printable ASCII (any other byte '?'), at most AA_FB_REPLY_MAX
 * bytes. One entry per (destination, From domain, route, egress, class):
 * a reply of the same class adds one to a live entry's count and moves
 * its expiry on, or starts it again once it expired. The upsert is one
 * statement (INSERT ... ON CONFLICT DO UPDATE), so writers in many
 * processes, or on many hosts sharing PostgreSQL, lose no count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctype.h"
#include "store_int.h"

#define COLUMNS "destination, from_domain, route, egress, class, code, status, reply, " \
		"first_seen, last_seen, expires, count"
#define NCOLUMNS 12
#define KEY_COLUMNS "destination, from_domain, route, egress, class"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS " FB_TABLE " ("
	"destination TEXT NOT NULL, from_domain TEXT NOT NULL, route TEXT NOT NULL, "
	"egress TEXT NOT NULL, class TEXT NOT NULL, code INTEGER NOT NULL, status TEXT NOT NULL, "
	"reply TEXT NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, "
	"expires BIGINT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (" KEY_COLUMNS "))";

/* A live entry (expires after this reply) counts on; an expired one starts again. */
#define LIVE FB_TABLE ".expires > excluded.last_seen"
/* A 4xx (temporary) never replaces the live 5xx of its entry: what
 * the planner steers by stays until it expires. */
#define KEEP_5XX "(" LIVE " AND " FB_TABLE ".code >= 500 AND excluded.code < 500)"
static const char record_sql[] =
	"INSERT INTO " FB_TABLE " (" COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, 1) "
	"ON CONFLICT (" KEY_COLUMNS ") DO UPDATE SET "
	"count = CASE WHEN " LIVE " THEN " FB_TABLE ".count + 1 ELSE 1 END, "
	"first_seen = CASE WHEN " LIVE " THEN " FB_TABLE ".first_seen ELSE excluded.first_seen END, "
	"code = CASE WHEN " KEEP_5XX " THEN " FB_TABLE ".code ELSE excluded.code END, "
	"status = CASE WHEN " KEEP_5XX " THEN " FB_TABLE ".status ELSE excluded.status END, "
	"reply = CASE WHEN " KEEP_5XX " THEN " FB_TABLE ".reply ELSE excluded.reply END, "
	"last_seen = excluded.last_seen, expires = excluded.expires "
	"RETURNING " COLUMNS;
/* A row when the store is full and key (destination, from, route,
 * egress, class) is not one of its entries: a new entry would go past the cap. */
static const char full_sql[] =
	"SELECT 1 WHERE (SELECT count(*) FROM " FB_TABLE ") >= $1 AND NOT EXISTS (SELECT 1 FROM " FB_TABLE
	" WHERE destination = $2 AND from_domain = $3 AND route = $4 AND egress = $5 AND class = $6)";
static const char purge_sql[] = "DELETE FROM " FB_TABLE " WHERE expires <= $1";
static const char index_sql[] = "CREATE INDEX IF NOT EXISTS " FB_TABLE "_expires ON " FB_TABLE " (expires)";
static const char avoid_sql[] =
	"SELECT " COLUMNS " FROM " FB_TABLE " WHERE destination = $1 AND (from_domain = $2 OR from_domain = '*') "
	"AND route = $3 AND egress = $4 AND expires > $5 AND code >= 500 ORDER BY last_seen DESC";
static const char list_sql[] =
	"SELECT " COLUMNS " FROM " FB_TABLE " WHERE expires > $1 ORDER BY " KEY_COLUMNS;
static const char forget_sql[] = "DELETE FROM " FB_TABLE " WHERE destination = $1 RETURNING 1";
static const char forget_from_sql[] =
	"DELETE FROM " FB_TABLE " WHERE destination = $1 AND from_domain = $2 RETURNING 1";

/* ---- keys ---- */

struct keybuf {
	char destination[AA_FB_NAME_MAX + 1];
	char from_domain[AA_FB_NAME_MAX + 1];
	char route[AA_FB_TOKEN_MAX + 1];
	char egress[AA_FB_TOKEN_MAX + 1];
};

static int key_byte(unsigned char c)
{
	return aa_is_alnum(c) || (c != '\0' && strchr(".-_:*/+[]", c) != NULL);
}

/* in, in lower case, into out[size]: 0, or -1 (empty when it may not
 * be, too long, a byte that is not allowed) with fb->error set */
static int key_field(struct aa_feedback *fb, const char *what, const char *in, int may_be_empty, char *out,
		     size_t size)
{
	size_t len = in != NULL ? strnlen(in, size) : 0;

	if (len == 0 && !may_be_empty) {
		fb_error(fb, "feedback: no %s given", what);
		return -1;
	}
	if (len >= size) {
		fb_error(fb, "feedback: the %s is longer than %zu bytes", what, size - 1);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (!key_byte((unsigned char)in[i])) {
			fb_error(fb, "feedback: the %s holds a byte that is not allowed (0x%02x)", what,
				 (unsigned char)in[i]);
			return -1;
		}
		out[i] = (char)aa_lower((unsigned char)in[i]);
	}
	out[len] = '\0';
	return 0;
}

static int key_check(struct aa_feedback *fb, const struct aa_fb_key *k, struct keybuf *b)
{
	if (key_field(fb, "destination", k->destination, 0, b->destination, sizeof(b->destination)) < 0 ||
	    key_field(fb, "From domain", k->from_domain, 0, b->from_domain, sizeof(b->from_domain)) < 0 ||
	    key_field(fb, "route", k->route, 0, b->route, sizeof(b->route)) < 0 ||
	    key_field(fb, "egress", k->egress, 1, b->egress, sizeof(b->egress)) < 0)
		return -1;
	return 0;
}

/* ---- rows ---- */

static void copy_text(char *out, size_t size, const char *in)
{
	size_t len = strnlen(in, size - 1);

	memcpy(out, in, len);
	out[len] = '\0';
}

static long long number(const char *s)
{
	return strtoll(s, NULL, 10);
}

static void entry_from_row(const char *const *c, struct aa_fb_entry *e)
{
	int v;

	memset(e, 0, sizeof(*e));
	copy_text(e->destination, sizeof(e->destination), c[0]);
	copy_text(e->from_domain, sizeof(e->from_domain), c[1]);
	copy_text(e->route, sizeof(e->route), c[2]);
	copy_text(e->egress, sizeof(e->egress), c[3]);
	copy_text(e->class_word, sizeof(e->class_word), c[4]);
	e->class = aa_names_parse(&aa_fb_class_names, e->class_word, &v) == 0 && v != AA_FB_NONE ?
		   (enum aa_fb_class)v : AA_FB_OTHER;
	e->code = (int)number(c[5]);
	copy_text(e->status, sizeof(e->status), c[6]);
	copy_text(e->reply, sizeof(e->reply), c[7]);
	e->first_seen = (time_t)number(c[8]);
	e->last_seen = (time_t)number(c[9]);
	e->expires = (time_t)number(c[10]);
	e->count = number(c[11]);
}

/* ---- the calls ---- */

static void start(struct aa_feedback *fb)
{
	fb->error[0] = '\0';
	fb->deadline_ms = fb_now_ms() + fb->timeout_ms;
}

int aa_feedback_open(const struct aa_feedback_config *cfg, int how, struct aa_feedback **fb_r, char *err,
		     size_t errlen)
{
	struct aa_feedback *fb = calloc(1, sizeof(*fb));
	const char *file = cfg->file != NULL ? cfg->file : AA_FB_DEFAULT_FILE;

	*fb_r = NULL;
	if (fb == NULL) {
		snprintf(err, errlen, "feedback: out of memory");
		return -1;
	}
	fb->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 1000;
	fb->expire_s = cfg->expire_s;
	fb->max_entries = cfg->max_entries > 0 ? cfg->max_entries : AA_FB_ENTRIES_MAX;
	if (cfg->postgresql != NULL && cfg->postgresql[0] != '\0') {
		fb->be = &fb_postgresql;
		snprintf(fb->where, sizeof(fb->where), "postgresql");
	} else {
		fb->be = &fb_sqlite;
		snprintf(fb->where, sizeof(fb->where), "sqlite %s", file);
	}
	start(fb);
	if (fb->be->open(fb, cfg, how, schema_sql) < 0) {
		snprintf(err, errlen, "%s (%s)", fb->error, fb->where);
		aa_feedback_close(&fb);
		return -1;
	}
	/* the purge's index; a table made by an owner who keeps it is used as it is */
	if (how == AA_FB_OPEN_CREATE && fb->be->exec(fb, index_sql, NULL, 0, NULL, NULL) < 0)
		fb->error[0] = '\0';
	*fb_r = fb;
	return 0;
}

void aa_feedback_close(struct aa_feedback **fbp)
{
	struct aa_feedback *fb = *fbp;

	if (fb == NULL)
		return;
	if (fb->h != NULL)
		fb->be->close(fb);
	free(fb);
	*fbp = NULL;
}

const char *aa_feedback_where(const struct aa_feedback *fb)
{
	return fb->where;
}

const char *aa_feedback_error(const struct aa_feedback *fb)
{
	return fb->error;
}

/* the reply as kept: printable ASCII, at most AA_FB_REPLY_MAX bytes */
static void reply_text(const struct aa_fb_reply *r, char *out)
{
	size_t len = r->len < AA_FB_REPLY_MAX ? r->len : AA_FB_REPLY_MAX;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)r->text[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[len] = '\0';
}

struct one_row {
	struct aa_fb_entry *e;
	int found;
};

static int take_row(void *arg, const char *const *cols, size_t ncols)
{
	struct one_row *o = arg;

	if (ncols != NCOLUMNS)
		return 1;
	if (o->e != NULL)
		entry_from_row(cols, o->e);
	o->found = 1;
	return 1;
}

int aa_feedback_record(struct aa_feedback *fb, const struct aa_fb_key *key, const struct aa_fb_reply *reply,
		       time_t now, struct aa_fb_entry *e_r)
{
	const char *rule;
	enum aa_fb_class class = aa_fb_classify(reply, &rule);
	struct aa_fb_key k = *key;
	struct one_row got = { e_r, 0 };
	struct keybuf b;
	char text[AA_FB_REPLY_MAX + 1];

	start(fb);
	if (class == AA_FB_NONE)
		return 0;
	if (aa_fb_class_every_from(class))
		k.from_domain = "*";
	if (key_check(fb, &k, &b) < 0)
		return -1;
	if (fb->empty) {
		fb_error(fb, "feedback: the store was opened to read only");
		return -1;
	}
	reply_text(reply, text);
	{
		const struct fb_param p[] = {
			{ NULL, (long long)fb->max_entries }, { b.destination, 0 }, { b.from_domain, 0 },
			{ b.route, 0 }, { b.egress, 0 }, { aa_fb_class_name(class), 0 },
		};
		long full = fb->be->exec(fb, full_sql, p, 6, NULL, NULL);

		if (full < 0)
			return -1;
		if (full > 0) {
			fb_error(fb, "feedback: the store holds %u entries, its most: a new one is not recorded "
				 "(authalign status; authalign forget)", fb->max_entries);
			return -1;
		}
	}
	{
		const struct fb_param p[] = {
			{ b.destination, 0 }, { b.from_domain, 0 }, { b.route, 0 }, { b.egress, 0 },
			{ aa_fb_class_name(class), 0 }, { NULL, reply->code }, { reply->status, 0 },
			{ text, 0 }, { NULL, (long long)now }, { NULL, (long long)now + fb->expire_s },
		};

		if (fb->be->exec(fb, record_sql, p, 10, take_row, &got) < 0)
			return -1;
	}
	if (!got.found) {
		fb_error(fb, "feedback: the store returned no row for the entry it wrote");
		return -1;
	}
	{
		/* tidying: the reply is recorded whether or not this works */
		const struct fb_param p[] = { { NULL, (long long)now } };

		(void)fb->be->exec(fb, purge_sql, p, 1, NULL, NULL);
	}
	return 1;
}

struct avoid_rows {
	struct aa_fb_entry *e;
	int found;
};

static int avoid_row(void *arg, const char *const *cols, size_t ncols)
{
	struct avoid_rows *a = arg;
	struct aa_fb_entry e;

	if (ncols != NCOLUMNS)
		return 1;
	entry_from_row(cols, &e);
	if (!aa_fb_class_avoids(e.class))
		return 0;
	if (a->e != NULL)
		*a->e = e;
	a->found = 1;
	return 1;	/* the newest first: done */
}

int aa_feedback_avoid(struct aa_feedback *fb, const struct aa_fb_key *key, time_t now, struct aa_fb_entry *e_r)
{
	struct avoid_rows a = { e_r, 0 };
	struct keybuf b;

	start(fb);
	/* nothing was ever stored under a key that cannot be stored (a
	 * recipient domain of other bytes, a long route name): not an error */
	if (key_check(fb, key, &b) < 0) {
		fb->error[0] = '\0';
		return 0;
	}
	if (fb->empty)
		return 0;
	{
		const struct fb_param p[] = {
			{ b.destination, 0 }, { b.from_domain, 0 }, { b.route, 0 }, { b.egress, 0 },
			{ NULL, (long long)now },
		};

		if (fb->be->exec(fb, avoid_sql, p, 5, avoid_row, &a) < 0)
			return -1;
	}
	return a.found;
}

struct list_rows {
	aa_fb_entry_fn *fn;
	void *arg;
};

static int list_row(void *arg, const char *const *cols, size_t ncols)
{
	struct list_rows *l = arg;
	struct aa_fb_entry e;

	if (ncols != NCOLUMNS)
		return 1;
	if (l->fn == NULL)
		return 0;
	entry_from_row(cols, &e);
	return l->fn(l->arg, &e);
}

long aa_feedback_list(struct aa_feedback *fb, time_t now, aa_fb_entry_fn *fn, void *arg)
{
	struct list_rows l = { fn, arg };
	const struct fb_param p[] = { { NULL, (long long)now } };

	start(fb);
	if (fb->empty)
		return 0;
	return fb->be->exec(fb, list_sql, p, 1, list_row, &l);
}

long aa_feedback_forget(struct aa_feedback *fb, const char *destination, const char *from_domain)
{
	char dest[AA_FB_NAME_MAX + 1], from[AA_FB_NAME_MAX + 1];

	start(fb);
	if (key_field(fb, "destination", destination, 0, dest, sizeof(dest)) < 0 ||
	    (from_domain != NULL && key_field(fb, "From domain", from_domain, 0, from, sizeof(from)) < 0))
		return AA_FB_INVALID;
	if (fb->empty)
		return 0;
	if (from_domain == NULL) {
		const struct fb_param p[] = { { dest, 0 } };

		return fb->be->exec(fb, forget_sql, p, 1, NULL, NULL);
	} else {
		const struct fb_param p[] = { { dest, 0 }, { from, 0 } };

		return fb->be->exec(fb, forget_from_sql, p, 2, NULL, NULL);
	}
}
