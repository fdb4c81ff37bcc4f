/* feedback.c - status and forget: what the destinations' replies taught, listed or cleared.
 *
 * Both open the store the settings name (-c CONFIG; default: the
 * built-in settings, so the SQLite file under /var/spool/exim4) and
 * never create it: a store not made yet lists nothing. Every text read
 * from the store (a reply is the destination's text; a shared store has
 * other writers) is printed through tool_put_printable() or the JSON
 * writer. The exit status of each is in help.c.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include "aa_config.h"
#include "aa_feedback.h"
#include "json.h"
#include "tool.h"

/* What the planner steers around: a class about the route, last refused with a 5xx. */
static int entry_avoids(const struct aa_fb_entry *e)
{
	return aa_fb_class_avoids(e->class) && e->code >= 500;
}

static void utc(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

struct status_run {
	struct json *j;		/* NULL: words */
};

static void put_field(const char *name, const char *value)
{
	printf(" %s=", name);
	tool_put_printable(stdout, value[0] != '\0' ? value : "-");
}

static int status_entry(void *arg, const struct aa_fb_entry *e)
{
	struct status_run *s = arg;
	char since[32], until[32], last[32];

	utc(e->first_seen, since, sizeof(since));
	utc(e->expires, until, sizeof(until));
	utc(e->last_seen, last, sizeof(last));
	if (s->j == NULL) {
		fputs("destination=", stdout);
		tool_put_printable(stdout, e->destination);
		put_field("class", e->class_word);
		put_field("from", e->from_domain);
		put_field("route", e->route);
		put_field("egress", e->egress);
		printf(" since=%s until=%s count=%lld%s\n", since, until, e->count,
		       entry_avoids(e) ? " avoid=yes" : "");
		printf("  last=%s reply: ", last);
		tool_put_printable(stdout, e->reply);
		fputc('\n', stdout);
		return 0;
	}
	json_open(s->j, NULL, '{');
	json_str(s->j, "destination", e->destination);
	json_str(s->j, "class", e->class_word);
	json_str(s->j, "from_domain", e->from_domain);
	json_str(s->j, "route", e->route);
	json_str(s->j, "egress", e->egress);
	json_str(s->j, "since", since);
	json_str(s->j, "last_seen", last);
	json_str(s->j, "until", until);
	json_int(s->j, "count", e->count);
	json_bool(s->j, "avoid", entry_avoids(e));
	json_int(s->j, "code", e->code);
	json_str(s->j, "status", e->status);
	json_str(s->j, "reply", e->reply);
	json_close(s->j);
	return 0;
}

static int cmd_status(const struct tool_out *o, struct aa_feedback *fb)
{
	struct json j;
	struct status_run s = { o->json ? &j : NULL };
	long n;

	if (o->json) {
		json_start(&j, stdout);
		json_str(&j, "command", "status");
		json_str(&j, "store", aa_feedback_where(fb));
		json_open(&j, "entries", '[');
	}
	n = aa_feedback_list(fb, time(NULL), status_entry, &s);
	if (n < 0) {
		if (!o->json)
			return tool_fail(o, TOOL_EXIT_TEMP, "%s (%s)", aa_feedback_error(fb), aa_feedback_where(fb));
		json_close(&j);
		json_str(&j, "error", aa_feedback_error(fb));
		json_int(&j, "exit", TOOL_EXIT_TEMP);
		json_finish(&j);
		return TOOL_EXIT_TEMP;
	}
	if (o->json) {
		json_close(&j);
		json_int(&j, "count", n);
		json_int(&j, "exit", TOOL_EXIT_OK);
		json_finish(&j);
	} else {
		printf("%ld entr%s (", n, n == 1 ? "y" : "ies");
		tool_put_printable(stdout, aa_feedback_where(fb));
		puts(")");
	}
	return TOOL_EXIT_OK;
}

static int cmd_forget(const struct tool_out *o, struct aa_feedback *fb, int argc, char **argv)
{
	const char *from = argc > 1 ? argv[1] : NULL;
	long n = aa_feedback_forget(fb, argv[0], from);
	struct json j;

	if (n < 0)
		return tool_fail(o, n == AA_FB_INVALID ? TOOL_EXIT_USAGE : TOOL_EXIT_TEMP, "forget: %s",
				 aa_feedback_error(fb));
	if (!o->json) {
		printf("forgot %ld entr%s of ", n, n == 1 ? "y" : "ies");
		tool_put_printable(stdout, argv[0]);
		if (from != NULL) {
			fputs(" from ", stdout);
			tool_put_printable(stdout, from);
		}
		fputc('\n', stdout);
		return TOOL_EXIT_OK;
	}
	json_start(&j, stdout);
	json_str(&j, "command", "forget");
	json_str(&j, "destination", argv[0]);
	json_str(&j, "from_domain", from);
	json_str(&j, "store", aa_feedback_where(fb));
	json_int(&j, "forgotten", n);
	json_int(&j, "exit", TOOL_EXIT_OK);
	json_finish(&j);
	return TOOL_EXIT_OK;
}

int tool_feedback(const struct tool_out *o, const char *config, int argc, char **argv)
{
	struct aa_config *cfg = NULL;
	struct aa_feedback *fb = NULL;
	int forget = strcmp(argv[0], "forget") == 0, rc;
	char err[512];

	/* the store Exim writes: its settings file unless -c names another */
	if (config == NULL && access(AA_CONFIG_DEFAULT_PATH, F_OK) == 0)
		config = AA_CONFIG_DEFAULT_PATH;
	if (aa_config_load(config, &cfg, err, sizeof(err)) < 0)
		return tool_fail(o, TOOL_EXIT_USAGE, "%s", err);
	if (aa_feedback_open(&cfg->feedback, forget ? AA_FB_OPEN_WRITE : AA_FB_OPEN_READ, &fb, err,
			     sizeof(err)) < 0) {
		aa_config_free(&cfg);
		return tool_fail(o, TOOL_EXIT_TEMP, "%s", err);
	}
	rc = forget ? cmd_forget(o, fb, argc - 1, argv + 1) : cmd_status(o, fb);
	aa_feedback_close(&fb);
	aa_config_free(&cfg);
	return rc;
}
