/* store_pg.c - the feedback store in PostgreSQL (libpq), for relays that share what they learn.
 *
 * Everything is asynchronous and waits in poll() until the call's
 * deadline: the connection (PQconnectStart/PQconnectPoll), each
 * statement (PQsendQueryParams, PQconsumeInput). The server is also told
 * to give up on its side (statement_timeout, lock_timeout). A call that
 * runs out of time closes the connection: later calls on this handle
 * fail at once, and the next open starts afresh. Host names in the
 * connection string are resolved by libpq without a time limit: give a
 * socket directory or hostaddr= to keep every wait bounded.
 * The table is made once, under an advisory lock, so that many first
 * writers at once do not trip over each other's CREATE TABLE.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include "store_int.h"

#define PG_PARAMS_MAX 16
#define PG_NUM_LEN 24
#define SCHEMA_LOCK_KEY "7283104"	/* pg_advisory_xact_lock(): only ours */

static PGconn *conn_of(struct aa_feedback *fb)
{
	return fb->h;
}

static void pg_drop(struct aa_feedback *fb)
{
	if (fb->h != NULL)
		PQfinish(conn_of(fb));
	fb->h = NULL;
}

/* Wait for the connection's socket (POLLIN or POLLOUT) until the deadline. */
static int wait_socket(struct aa_feedback *fb, short events, const char *what)
{
	for (;;) {
		struct pollfd p = { .fd = PQsocket(conn_of(fb)), .events = events };
		unsigned left = fb_left_ms(fb);
		int n;

		if (p.fd < 0) {
			fb_error(fb, "feedback: %s: the connection to PostgreSQL is gone", what);
			return -1;
		}
		if (left == 0) {
			fb_error(fb, "feedback: %s: no answer from PostgreSQL within %u ms "
				 "(outbound_feedback_timeout)", what, fb->timeout_ms);
			return -1;
		}
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR) {
			fb_error(fb, "feedback: %s: poll: %s", what, strerror(errno));
			return -1;
		}
	}
}

/* Send what libpq holds, then read until a whole answer is in. */
static int await_answer(struct aa_feedback *fb)
{
	int f;

	while ((f = PQflush(conn_of(fb))) == 1)
		if (wait_socket(fb, POLLOUT | POLLIN, "send") < 0)
			return -1;
	if (f < 0) {
		fb_error(fb, "feedback: send: %s", PQerrorMessage(conn_of(fb)));
		return -1;
	}
	while (PQisBusy(conn_of(fb))) {
		if (wait_socket(fb, POLLIN, "query") < 0)
			return -1;
		if (!PQconsumeInput(conn_of(fb))) {
			fb_error(fb, "feedback: query: %s", PQerrorMessage(conn_of(fb)));
			return -1;
		}
	}
	return 0;
}

/* Read every result of what was sent: the rows to row, their number, or -1. */
static long take_results(struct aa_feedback *fb, fb_row_fn *row, void *arg)
{
	const char *cols[PG_PARAMS_MAX];
	long rows = 0;
	int failed = 0, more = 1;
	PGresult *res;

	for (;;) {
		if (await_answer(fb) < 0)
			return -1;
		if ((res = PQgetResult(conn_of(fb))) == NULL)
			break;
		switch (PQresultStatus(res)) {
		case PGRES_TUPLES_OK:
		case PGRES_COMMAND_OK:
			for (int r = 0; r < PQntuples(res); r++) {
				int n = PQnfields(res) < PG_PARAMS_MAX ? PQnfields(res) : PG_PARAMS_MAX;

				rows++;
				if (!more || row == NULL)
					continue;
				for (int c = 0; c < n; c++)
					cols[c] = PQgetvalue(res, r, c);
				more = row(arg, cols, (size_t)n) == 0;
			}
			break;
		default:
			if (!failed)
				fb_error(fb, "feedback: query: %s", PQresultErrorMessage(res));
			failed = 1;
		}
		PQclear(res);
	}
	return failed ? -1 : rows;
}

static long pg_exec(struct aa_feedback *fb, const char *sql, const struct fb_param *p, size_t np, fb_row_fn *row,
		    void *arg)
{
	char nums[PG_PARAMS_MAX][PG_NUM_LEN];
	const char *values[PG_PARAMS_MAX];
	long rows;

	if (fb->h == NULL) {
		fb_error(fb, "feedback: the connection to PostgreSQL was closed after an error");
		return -1;
	}
	if (np > PG_PARAMS_MAX) {
		fb_error(fb, "feedback: too many parameters");
		return -1;
	}
	for (size_t i = 0; i < np; i++) {
		if (p[i].text == NULL) {
			snprintf(nums[i], sizeof(nums[i]), "%lld", p[i].num);
			values[i] = nums[i];
		} else {
			values[i] = p[i].text;
		}
	}
	if (!(np > 0 ? PQsendQueryParams(conn_of(fb), sql, (int)np, NULL, values, NULL, NULL, 0) :
		       PQsendQuery(conn_of(fb), sql))) {
		fb_error(fb, "feedback: send: %s", PQerrorMessage(conn_of(fb)));
		pg_drop(fb);
		return -1;
	}
	rows = take_results(fb, row, arg);
	if (rows < 0 && fb->h != NULL && PQtransactionStatus(conn_of(fb)) != PQTRANS_IDLE)
		pg_drop(fb);	/* mid-answer, or mid-transaction: start afresh next time */
	return rows;
}

/* The server's notices (a table that is there already) are no one's
 * business: libpq would print them on the delivery process's stderr. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int pg_connect(struct aa_feedback *fb, const char *conninfo)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	fb->h = PQconnectStart(conninfo);
	if (fb->h == NULL) {
		fb_error(fb, "feedback: out of memory");
		return -1;
	}
	if (PQstatus(conn_of(fb)) == CONNECTION_BAD) {
		fb_error(fb, "feedback: cannot connect to PostgreSQL: %s", PQerrorMessage(conn_of(fb)));
		return -1;
	}
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED) {
			fb_error(fb, "feedback: cannot connect to PostgreSQL: %s", PQerrorMessage(conn_of(fb)));
			return -1;
		}
		if (wait_socket(fb, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, "connect") < 0)
			return -1;
		st = PQconnectPoll(conn_of(fb));
	}
	PQsetNoticeProcessor(conn_of(fb), quiet, NULL);
	if (PQsetnonblocking(conn_of(fb), 1) != 0) {
		fb_error(fb, "feedback: PostgreSQL: %s", PQerrorMessage(conn_of(fb)));
		return -1;
	}
	return 0;
}

static int one_row(void *arg, const char *const *cols, size_t ncols)
{
	*(int *)arg = ncols > 0 && strcmp(cols[0], "t") == 0;
	return 1;
}

static int pg_open(struct aa_feedback *fb, const struct aa_feedback_config *cfg, int how, const char *schema)
{
	char set[128], make[2048];
	int there = 0;

	if (pg_connect(fb, cfg->postgresql) < 0)
		return -1;
	snprintf(set, sizeof(set), "SET statement_timeout = %u; SET lock_timeout = %u", fb->timeout_ms,
		 fb->timeout_ms);
	if (pg_exec(fb, set, NULL, 0, NULL, NULL) < 0 ||
	    pg_exec(fb, "SELECT to_regclass('" FB_TABLE "') IS NOT NULL", NULL, 0, one_row, &there) < 0)
		return -1;
	if (there || how != AA_FB_OPEN_CREATE) {
		fb->empty = !there;
		return 0;
	}
	if ((size_t)snprintf(make, sizeof(make), "BEGIN; SELECT pg_advisory_xact_lock(" SCHEMA_LOCK_KEY "); %s; COMMIT",
			     schema) >= sizeof(make)) {
		fb_error(fb, "feedback: the schema is too long");
		return -1;
	}
	return pg_exec(fb, make, NULL, 0, NULL, NULL) < 0 ? -1 : 0;
}

static void pg_close(struct aa_feedback *fb)
{
	pg_drop(fb);
}

const struct fb_backend fb_postgresql = { pg_open, pg_exec, pg_close };
