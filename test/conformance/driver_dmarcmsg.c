/* driver_dmarcmsg.c - whole messages through SPF, DKIM, From and DMARC.
 *
 * The message-level twin of driver_dmarc.c: nothing is given, everything
 * is computed the way the Exim adapter does it, against a fixed zone.
 * Reads one command a line on stdin, fields separated by tabs, and
 * answers one line each (run_dmarcmsg.py does the comparing):
 *   reset                               new context, empty zone (driver_loop.h)
 *   zone  LINE                          add a fixed-zone line (aa_dns.h)
 *   msg   MODE ID PATH IP HELO MAILFROM -> see below
 * MODE is 9989 or 7489; ID is the authserv-id; MAILFROM "<>" is the null
 * sender. The answer is tab-separated:
 *   DMARC     RESULT APPLIED POLICY     (p/sp/np that applied; what to do)
 *   ACTION    accept|reject|defer|...   (under mode=enforce)
 *   SPF       RESULT IDENTITY DOMAIN    (the identity that counts for DMARC)
 *   DKIM      D S RESULT[,D S RESULT...] or -
 *   OURS      how many Authentication-Results fields already in the
 *             message carry our authserv-id (forgeries to remove)
 *   AUTHRES   our Authentication-Results value, unfolded to one line
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "aa_authres.h"
#include "aa_config.h"
#include "aa_dkim.h"
#include "aa_dmarc.h"
#include "aa_header.h"
#include "aa_judge.h"
#include "aa_spf.h"

#define FIELDS_MAX 8
#define MSG_MAX (1024 * 1024)

#include "driver_loop.h"

/* Walk the header as Exim cuts it: every From field read by the core
 * code the Exim adapter uses, and how many A-R fields claim our id. */
static void scan_header(struct aa_ctx *ctx, const char *msg, size_t len, const char *authserv_id,
			struct aa_from *from, unsigned *ours_r)
{
	struct aa_header_cursor c;
	const char *field;
	size_t flen;

	*ours_r = 0;
	aa_header_start(&c, msg, len);
	while (aa_header_next(&c, &field, &flen))
		if (aa_authres_is_ours(field, flen, authserv_id))
			(*ours_r)++;
	aa_from_read_message(ctx, msg, len, from);
}

static void print_oneline(const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\n')
			continue;
		putchar(*s == '\t' ? ' ' : *s);
	}
}

static void print_word(const char *s)
{
	fputs(s != NULL && *s != '\0' ? s : "-", stdout);
}

static void run_message(struct aa_ctx *ctx, char **f)
{
	static char msg[MSG_MAX];
	struct aa_config *cfg = NULL;
	struct aa_spf_result mf, helo;
	struct aa_dkim_result dkim;
	struct aa_from from;
	struct aa_judge_result jr;
	struct aa_judge_input in = { .authserv_id = f[2], .spf_mailfrom = &mf, .spf_helo = &helo,
				     .dkim = &dkim, .from = &from };
	const char *mail_from = strcmp(f[6], "<>") == 0 ? "" : f[6];
	char err[256];
	unsigned ours;
	size_t len;
	FILE *fp = fopen(f[3], "rb");

	if (fp == NULL || aa_config_load(NULL, &cfg, err, sizeof(err)) < 0) {
		if (fp != NULL)
			fclose(fp);
		printf("error\n");
		return;
	}
	len = fread(msg, 1, sizeof(msg), fp);
	fclose(fp);
	if (len == sizeof(msg)) {
		aa_config_free(&cfg);
		printf("error\n");
		return;
	}
	cfg->mode = AA_MODE_ENFORCE;
	cfg->dmarc_mode = strcmp(f[1], "7489") == 0 ? AA_DMARC_RFC7489 : AA_DMARC_RFC9989;
	in.cfg = cfg;

	aa_spf_check(ctx, f[4], f[5], mail_from, &mf, &helo);
	aa_dkim_verify_message(ctx, msg, len, &dkim);
	scan_header(ctx, msg, len, in.authserv_id, &from, &ours);
	aa_judge(ctx, &in, &jr);

	printf("%s %s %s\t%s\t%s %s ", aa_result_name(jr.dmarc.result),
	       aa_dmarc_policy_name(jr.dmarc.applied), aa_dmarc_policy_name(jr.dmarc.policy),
	       aa_action_name(jr.action), aa_result_name(mf.result), mf.identity);
	print_word(mf.domain);
	putchar('\t');
	for (size_t i = 0; i < dkim.count; i++) {
		if (i > 0)
			putchar(',');
		print_word(dkim.sigs[i].domain);
		putchar(' ');
		print_word(dkim.sigs[i].selector);
		printf(" %s", aa_result_name(dkim.sigs[i].result));
	}
	printf("%s\t%u\t", dkim.count == 0 ? "-" : "", ours);
	print_oneline(jr.authres);
	putchar('\n');
	aa_config_free(&cfg);
}

static void command(struct aa_ctx *ctx, char **f, int n)
{
	if (strcmp(f[0], "msg") == 0 && n == 7)
		run_message(ctx, f);
	else
		printf("error\n");
}

int main(void)
{
	return driver_loop(command);
}
