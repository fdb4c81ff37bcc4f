/* driver_dmarc.c - feeds DMARC conformance cases to the core.
 *
 * Reads one command a line on stdin, fields separated by tabs, and
 * answers one line each (run_dmarc.py does the comparing):
 *   reset                               new context, empty zone (driver_loop.h)
 *   zone  LINE                          add a fixed-zone line (aa_dns.h)
 *   from  VALUE                         -> STATUS DOMAIN|null ADDRESSES
 *   record MODE TEXT                    -> RESULT P
 *   align MODE r|s FROM AUTH            -> 1|0|-1
 *   eval  MODE FROM SPF DKIM            -> RESULT APPLIED DISPOSITION OTHER OTHERPOLICY
 * MODE is 9989 or 7489. FROM is "domain:D", "msg:PATH" or "none"; SPF is
 * "D RESULT" or "-"; DKIM is "D RESULT[,D RESULT...]", "-", or "verify"
 * (with "msg:PATH": verify the message's signatures against the zone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_dmarc.h"

#define FIELDS_MAX 6
#define MSG_MAX (1024 * 1024)

#include "driver_loop.h"

static enum aa_dmarc_mode mode_of(const char *s)
{
	return strcmp(s, "7489") == 0 ? AA_DMARC_RFC7489 : AA_DMARC_RFC9989;
}

static char msg_buf[MSG_MAX];

/* Read a message into msg_buf, NUL-terminated. Returns its length or -1. */
static long message_read(const char *path)
{
	size_t n;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL)
		return -1;
	n = fread(msg_buf, 1, sizeof(msg_buf) - 1, fp);
	fclose(fp);
	msg_buf[n] = '\0';
	return (long)n;
}

/* Every From field in the header of a message, read by the core code
 * the tool and the Exim adapter share (aa_from_read_message). */
static void message_from(struct aa_ctx *ctx, const char *path, struct aa_from *f)
{
	long n = message_read(path);

	memset(f, 0, sizeof(*f));
	f->status = AA_FROM_NONE;
	if (n < 0)
		return;
	aa_from_read_message(ctx, msg_buf, (size_t)n, f);
}

static void from_spec(struct aa_ctx *ctx, const char *spec, struct aa_from *f)
{
	memset(f, 0, sizeof(*f));
	f->status = AA_FROM_NONE;
	if (strncmp(spec, "domain:", 7) == 0) {
		f->status = AA_FROM_OK;
		f->domain = aa_arena_strdup(ctx->arena, spec + 7);
		f->domains = &f->domain;
		f->domain_count = 1;
		f->addresses = 1;
	} else if (strncmp(spec, "msg:", 4) == 0) {
		message_from(ctx, spec + 4, f);
	}
}

static enum aa_result result_of(const char *w)
{
	enum aa_result r = AA_NONE;

	aa_result_parse(w, &r);
	return r;
}

static void eval(struct aa_ctx *ctx, char **f)
{
	struct aa_from from;
	struct aa_spf_result spf;
	struct aa_dkim_sig sigs[AA_DKIM_SIGS_MAX];
	struct aa_dkim_result dkim = { .sigs = sigs };
	struct aa_dmarc_input in = { .from = &from, .dkim = &dkim, .mode = mode_of(f[1]) };
	struct aa_dmarc_result r;
	char *save = NULL;

	memset(&spf, 0, sizeof(spf));
	memset(sigs, 0, sizeof(sigs));
	from_spec(ctx, f[2], &from);
	if (strcmp(f[3], "-") != 0) {
		char *sp = strchr(f[3], ' ');

		if (sp != NULL) {
			*sp = '\0';
			spf.domain = f[3];
			spf.result = result_of(sp + 1);
			in.spf = &spf;
		}
	}
	if (strcmp(f[4], "verify") == 0) {
		long len = strncmp(f[2], "msg:", 4) == 0 ? message_read(f[2] + 4) : -1;

		if (len >= 0)
			aa_dkim_verify_message(ctx, msg_buf, (size_t)len, &dkim);
		f[4] = "-";
	}
	for (char *t = strcmp(f[4], "-") != 0 ? strtok_r(f[4], ",", &save) : NULL;
	     t != NULL && dkim.count < AA_DKIM_SIGS_MAX; t = strtok_r(NULL, ",", &save)) {
		char *sp = strchr(t, ' ');

		if (sp == NULL)
			continue;
		*sp = '\0';
		sigs[dkim.count].domain = t;
		sigs[dkim.count++].result = result_of(sp + 1);
	}
	aa_dmarc_evaluate(ctx, &in, &r);
	printf("%s %s %s %s %s\n", aa_result_name(r.result), aa_dmarc_policy_name(r.applied),
	       aa_dmarc_policy_name(r.policy), aa_result_name(r.other_result),
	       aa_dmarc_policy_name(r.other_policy));
}

static void command(struct aa_ctx *ctx, char **f, int n)
{
	struct aa_from from;
	struct aa_dmarc_lookup lk;

	if (strcmp(f[0], "from") == 0 && n == 2) {
		aa_from_parse(ctx, f[1], strlen(f[1]), &from);
		printf("%d %s %zu\n", (int)from.status, from.domain != NULL ? from.domain : "null",
		       from.addresses);
	} else if (strcmp(f[0], "record") == 0 && n == 3) {
		/* serve the record at a private name and look it up */
		char line[LINE_MAX_LEN + 64];

		snprintf(line, sizeof(line), "_dmarc.record.test TXT %s", f[2]);
		aa_dns_zone_add_line(ctx->dns, line);
		aa_dmarc_lookup(ctx, "record.test", mode_of(f[1]), &lk);
		printf("%s %s\n", aa_result_name(lk.status), aa_dmarc_policy_name(lk.record.p));
	} else if (strcmp(f[0], "align") == 0 && n == 5) {
		printf("%d\n", aa_dmarc_aligned(ctx, f[3], f[4], f[2][0] == 's', mode_of(f[1])));
	} else if (strcmp(f[0], "eval") == 0 && n == 5) {
		eval(ctx, f);
	} else {
		printf("error\n");
	}
}

int main(void)
{
	return driver_loop(command);
}
