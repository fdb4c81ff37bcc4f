/* store_sqlite.c - the feedback store in one SQLite file (Debian's libsqlite3), safe under many Exim processes.
 *
 * WAL journal (readers never wait for the writer, one writer at a time)
 * with synchronous=NORMAL; a busy handler that sleeps in short steps and
 * gives up at the call's deadline, so a store held by another process
 * costs a delivery at most outbound_feedback_timeout. Opened to record,
 * it makes what is missing: the directory (mode 0750: Exim's user, the
 * one that records, makes it under /var/spool/exim4), the file (0640)
 * and the table. Opened to read or forget, a file that is not there is
 * an empty store, and nothing is made (a root `authalign status` must
 * not leave a file Exim cannot write).
 */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "store_int.h"

#define BUSY_STEP_MAX_MS 20

static sqlite3 *db_of(struct aa_feedback *fb)
{
	return fb->h;
}

/* Called by SQLite while another connection holds the lock: 1 to try
 * again after a short sleep, 0 (SQLITE_BUSY) once the deadline passed. */
static int busy_wait(void *arg, int tries)
{
	struct aa_feedback *fb = arg;
	unsigned left = fb_left_ms(fb), step = 1 + (unsigned)(tries < 10 ? tries : 10) * 2;

	if (left == 0)
		return 0;
	if (step > BUSY_STEP_MAX_MS)
		step = BUSY_STEP_MAX_MS;
	if (step > left)
		step = left;
	usleep(step * 1000);
	return 1;
}

/* SQLite answers SQLITE_BUSY without asking busy_wait in some cases (a
 * WAL file being set up or recovered, a schema being read): 1 to try the
 * statement again after a short sleep, while the call's deadline allows. */
static int busy_again(struct aa_feedback *fb, int rc, int *tries)
{
	if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || fb_left_ms(fb) == 0)
		return 0;
	return busy_wait(fb, (*tries)++);
}

static void db_error(struct aa_feedback *fb, const char *what, int rc)
{
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		fb_error(fb, "feedback: %s: the store stayed locked for %u ms (outbound_feedback_timeout)", what,
			 fb->timeout_ms);
	else
		fb_error(fb, "feedback: %s: %s", what, fb->h != NULL ? sqlite3_errmsg(db_of(fb)) : sqlite3_errstr(rc));
}

static long sq_exec(struct aa_feedback *fb, const char *sql, const struct fb_param *p, size_t np, fb_row_fn *row,
		    void *arg)
{
	sqlite3_stmt *st = NULL;
	const char *cols[16];
	long rows = 0;
	int rc, more = 1, tries = 0;

	if (fb->h == NULL) {
		fb_error(fb, "feedback: the store is closed");
		return -1;
	}
	while ((rc = sqlite3_prepare_v2(db_of(fb), sql, -1, &st, NULL)) != SQLITE_OK) {
		if (!busy_again(fb, rc, &tries)) {
			db_error(fb, "prepare", rc);
			return -1;
		}
	}
	for (size_t i = 0; i < np; i++) {
		rc = p[i].text != NULL ? sqlite3_bind_text(st, (int)i + 1, p[i].text, -1, SQLITE_STATIC) :
				       sqlite3_bind_int64(st, (int)i + 1, p[i].num);
		if (rc != SQLITE_OK) {
			db_error(fb, "bind", rc);
			sqlite3_finalize(st);
			return -1;
		}
	}
	/* every row is stepped through (a DELETE ... RETURNING finishes its
	 * work), the callback sees them until it says stop */
	for (;;) {
		rc = sqlite3_step(st);
		/* before the first row nothing was handed out: the whole
		 * statement may run again */
		if (rows == 0 && rc != SQLITE_ROW && busy_again(fb, rc, &tries)) {
			sqlite3_reset(st);
			continue;
		}
		if (rc != SQLITE_ROW)
			break;
		size_t n = (size_t)sqlite3_column_count(st);

		rows++;
		if (!more || row == NULL)
			continue;
		if (n > sizeof(cols) / sizeof(cols[0]))
			n = sizeof(cols) / sizeof(cols[0]);
		for (size_t i = 0; i < n; i++) {
			const unsigned char *t = sqlite3_column_text(st, (int)i);

			cols[i] = t != NULL ? (const char *)t : "";
		}
		more = row(arg, cols, n) == 0;
	}
	if (rc != SQLITE_DONE) {
		db_error(fb, "query", rc);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return rows;
}

/* Make the directory (one level) and the file, as Exim's user will own them. */
static int make_file(struct aa_feedback *fb, const char *path)
{
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash != NULL && slash != path) {
		char dir[4096];
		size_t len = (size_t)(slash - path);

		if (len >= sizeof(dir)) {
			fb_error(fb, "feedback: the store's path is too long");
			return -1;
		}
		memcpy(dir, path, len);
		dir[len] = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
			fb_error(fb, "feedback: cannot make the directory %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0 && errno != EEXIST) {
		fb_error(fb, "feedback: cannot make %s: %s", path, strerror(errno));
		return -1;
	}
	if (fd >= 0)
		close(fd);
	return 0;
}

static int table_there(struct aa_feedback *fb)
{
	static const char sql[] = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" FB_TABLE "'";

	return (int)sq_exec(fb, sql, NULL, 0, NULL, NULL);
}

static int sq_open(struct aa_feedback *fb, const struct aa_feedback_config *cfg, int how, const char *schema)
{
	const char *path = cfg->file != NULL ? cfg->file : AA_FB_DEFAULT_FILE;
	/* never through a symbolic link: root's status and forget must not
	 * be pointed at another database by whoever can write the directory */
	int flags = (how == AA_FB_OPEN_READ ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
		    SQLITE_OPEN_NOFOLLOW;
	sqlite3 *db = NULL;
	struct stat st;
	int rc, there;

	if (how != AA_FB_OPEN_CREATE && stat(path, &st) < 0 && errno == ENOENT) {
		fb->empty = 1;
		return 0;
	}
	if (how == AA_FB_OPEN_CREATE && make_file(fb, path) < 0)
		return -1;
	rc = sqlite3_open_v2(path, &db, flags, NULL);
	fb->h = db;
	if (rc != SQLITE_OK) {
		db_error(fb, "cannot open the store", rc);
		return -1;
	}
	sqlite3_busy_handler(db, busy_wait, fb);
	/* the file is data, never code: no schema-defined triggers or views run */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (how != AA_FB_OPEN_READ &&
	    (sq_exec(fb, "PRAGMA journal_mode = WAL", NULL, 0, NULL, NULL) < 0 ||
	     sq_exec(fb, "PRAGMA synchronous = NORMAL", NULL, 0, NULL, NULL) < 0))
		return -1;
	if (how == AA_FB_OPEN_CREATE)
		return sq_exec(fb, schema, NULL, 0, NULL, NULL) < 0 ? -1 : 0;
	if ((there = table_there(fb)) < 0)
		return -1;
	fb->empty = there == 0;
	return 0;
}

static void sq_close(struct aa_feedback *fb)
{
	sqlite3_close(db_of(fb));
	fb->h = NULL;
}

const struct fb_backend fb_sqlite = { sq_open, sq_exec, sq_close };
