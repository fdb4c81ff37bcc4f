/* stress.c - many processes record into one feedback store at once; every count must add up, no call may fail.
 *
 *   stress sqlite FILE | postgresql CONNINFO  PROCS RECORDS
 *       PROCS processes (fork) each record RECORDS refusals for one key
 *       and look the key up after every tenth; then the entry must count
 *       PROCS x RECORDS and the live entries be one per process plus the
 *       shared one. Exit 0, or 1 with what went wrong.
 *   stress sqlite FILE | postgresql CONNINFO  record DEST FROM ROUTE EGRESS REPLY
 *       record one reply (the tool tests write hostile text this way).
 * Every wait is bounded: the store's own timeout, and an alarm after
 * which the parent ends its children by their PIDs.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "aa_feedback.h"

#define PROCS_MAX 64
#define RUN_SECONDS_MAX 60
#define STORE_TIMEOUT_MS 5000	/* a loaded 2-core machine running make -j2 */

static const char reply_text[] =
	"550 5.7.509 Access denied, sending domain [stress.example] does not pass DMARC verification and has "
	"a DMARC policy of reject.";

static pid_t children[PROCS_MAX];
static int nchildren;

static void on_alarm(int sig)
{
	(void)sig;
	for (int i = 0; i < nchildren; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
}

static int open_store(const char *kind, const char *where, struct aa_feedback **fb)
{
	struct aa_feedback_config cfg = { .expire_s = 3600, .timeout_ms = STORE_TIMEOUT_MS };
	char err[512];

	if (strcmp(kind, "sqlite") == 0)
		cfg.file = (char *)where;
	else
		cfg.postgresql = (char *)where;
	if (aa_feedback_open(&cfg, AA_FB_OPEN_CREATE, fb, err, sizeof(err)) < 0) {
		fprintf(stderr, "stress: open: %s\n", err);
		return -1;
	}
	return 0;
}

/* One child: RECORDS refusals for the shared key, one for its own. */
static int child(const char *kind, const char *where, int id, int records)
{
	struct aa_fb_key shared = { "mx.stress.example", "stress.example", "direct", "192.0.2.1" };
	struct aa_fb_key own = { "mx.stress.example", NULL, "direct", "192.0.2.1" };
	struct aa_feedback *fb;
	struct aa_fb_reply r;
	struct aa_fb_entry e;
	char from[64];

	snprintf(from, sizeof(from), "p%d.stress.example", id);
	own.from_domain = from;
	if (open_store(kind, where, &fb) < 0)
		return 1;
	aa_fb_reply_parse(reply_text, strlen(reply_text), &r);
	for (int i = 0; i < records; i++) {
		time_t now = time(NULL);

		if (aa_feedback_record(fb, &shared, &r, now, NULL) != 1) {
			fprintf(stderr, "stress: process %d, record %d: %s\n", id, i, aa_feedback_error(fb));
			return 1;
		}
		if (i % 10 == 9 && aa_feedback_avoid(fb, &shared, now, &e) != 1) {
			fprintf(stderr, "stress: process %d, lookup %d: %s\n", id, i, aa_feedback_error(fb));
			return 1;
		}
	}
	if (aa_feedback_record(fb, &own, &r, time(NULL), &e) != 1 || e.count != 1) {
		fprintf(stderr, "stress: process %d, own key: %s\n", id, aa_feedback_error(fb));
		return 1;
	}
	aa_feedback_close(&fb);
	return 0;
}

static int run(const char *kind, const char *where, int procs, int records)
{
	struct aa_fb_key shared = { "mx.stress.example", "stress.example", "direct", "192.0.2.1" };
	struct aa_feedback *fb;
	struct aa_fb_entry e;
	struct timespec t0, t1;
	int failed = 0, status;
	long n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	signal(SIGALRM, on_alarm);
	alarm(RUN_SECONDS_MAX);
	for (int i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(child(kind, where, i, records));
		if (pid < 0) {
			perror("stress: fork");
			failed = 1;
			break;
		}
		children[nchildren++] = pid;
	}
	for (int i = 0; i < nchildren; i++) {
		while (waitpid(children[i], &status, 0) < 0 && errno == EINTR)
			;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "stress: process %d %s\n", i,
				WIFSIGNALED(status) ? "was killed (the run took too long)" : "failed");
			failed = 1;
		}
		children[i] = 0;
	}
	alarm(0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (open_store(kind, where, &fb) < 0)
		return 1;
	if (aa_feedback_avoid(fb, &shared, time(NULL), &e) != 1) {
		fprintf(stderr, "stress: the shared entry is not there: %s\n", aa_feedback_error(fb));
		return 1;
	}
	n = aa_feedback_list(fb, time(NULL), NULL, NULL);
	aa_feedback_close(&fb);
	if (e.count != (long long)procs * records || n != procs + 1) {
		fprintf(stderr, "stress: %s: count %lld, want %lld; %ld entries, want %d\n", kind, e.count,
			(long long)procs * records, n, procs + 1);
		return 1;
	}
	if (failed)
		return 1;
	printf("stress: %s: %d processes x %d records: count %lld, %ld entries, no error (%.1f s)\n", kind,
	       procs, records, e.count, n,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

static int record_one(const char *kind, const char *where, char **argv)
{
	struct aa_fb_key k = { argv[0], argv[1], argv[2], argv[3] };
	struct aa_feedback *fb;
	struct aa_fb_reply r;
	int rc;

	if (open_store(kind, where, &fb) < 0)
		return 1;
	aa_fb_reply_parse(argv[4], strlen(argv[4]), &r);
	rc = aa_feedback_record(fb, &k, &r, time(NULL), NULL);
	if (rc < 0)
		fprintf(stderr, "stress: record: %s\n", aa_feedback_error(fb));
	aa_feedback_close(&fb);
	return rc == 1 ? 0 : 1;
}

int main(int argc, char **argv)
{
	int procs, records;

	if (argc == 9 && strcmp(argv[3], "record") == 0)
		return record_one(argv[1], argv[2], argv + 4);
	if (argc != 5 || (strcmp(argv[1], "sqlite") != 0 && strcmp(argv[1], "postgresql") != 0)) {
		fprintf(stderr, "usage: stress sqlite FILE | postgresql CONNINFO  PROCS RECORDS\n"
				"       stress sqlite FILE | postgresql CONNINFO  record DEST FROM ROUTE EGRESS REPLY\n");
		return 1;
	}
	procs = atoi(argv[3]);
	records = atoi(argv[4]);
	if (procs < 1 || procs > PROCS_MAX || records < 1 || records > 100000) {
		fprintf(stderr, "stress: PROCS 1 to %d, RECORDS 1 to 100000\n", PROCS_MAX);
		return 1;
	}
	return run(argv[1], argv[2], procs, records);
}
