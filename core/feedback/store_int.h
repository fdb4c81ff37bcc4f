/* store_int.h - the feedback store's inside: the handle, and what a backend (SQLite, PostgreSQL) does.
 *
 * store.c holds the table's statements (one text for both backends:
 * parameters $1..$N, each first used in that order) and checks what goes
 * in; a backend only connects, runs a statement with its parameters and
 * hands back each row as text. Every wait of a backend ends at
 * fb->deadline_ms (CLOCK_MONOTONIC), set at the start of each public
 * call from outbound_feedback_timeout. Only this module includes it.
 */
#ifndef AA_FEEDBACK_STORE_INT_H
#define AA_FEEDBACK_STORE_INT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include "aa_feedback.h"

#define FB_TABLE "authalign_feedback"

/* One parameter: a number or a text. */
struct fb_param {
	const char *text;	/* NULL: the number */
	long long num;
};

/* One row: ncols texts (a NULL column as ""). Non-zero stops the rows. */
typedef int fb_row_fn(void *arg, const char *const *cols, size_t ncols);

struct aa_feedback;

struct fb_backend {
	/* connect (how: AA_FB_OPEN_*); with AA_FB_OPEN_CREATE make the
	 * table with schema; a store or table that is not there and may not
	 * be made sets fb->empty. 0 or -1 (fb->error set). */
	int (*open)(struct aa_feedback *fb, const struct aa_feedback_config *cfg, int how, const char *schema);
	/* run sql: the rows to row (may be NULL), or -1 (fb->error set) */
	long (*exec)(struct aa_feedback *fb, const char *sql, const struct fb_param *p, size_t np, fb_row_fn *row,
		     void *arg);
	void (*close)(struct aa_feedback *fb);
};

extern const struct fb_backend fb_sqlite, fb_postgresql;

struct aa_feedback {
	const struct fb_backend *be;
	void *h;			/* the backend's connection */
	int empty;			/* nothing there yet (read without create) */
	unsigned timeout_ms, expire_s, max_entries;
	uint64_t deadline_ms;		/* monotonic: no wait goes past it */
	char where[320];
	char error[512];
};

static inline uint64_t fb_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ms left before the deadline (0: it has passed) */
static inline unsigned fb_left_ms(const struct aa_feedback *fb)
{
	uint64_t now = fb_now_ms();

	return now >= fb->deadline_ms ? 0 : (unsigned)(fb->deadline_ms - now);
}

static inline void fb_error(struct aa_feedback *fb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void fb_error(struct aa_feedback *fb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fb->error, sizeof(fb->error), fmt, ap);
	va_end(ap);
	for (char *p = fb->error; *p != '\0'; p++)	/* a server's text: one printable line */
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = *p == '\n' && p[1] == '\0' ? '\0' : ' ';
}

#endif
