/* driver_spf.c - feeds RFC 7208 suite cases to aa_spf_check().
 *
 * Reads lines on stdin (run_spf.py writes them):
 *   S                                   start a scenario: a fresh context
 *   Z <zone line>                       aa_dns_zone_add_line() format
 *   C<TAB>id<TAB>ip<TAB>helo<TAB>mailfrom   evaluate one case
 * and prints, for each case:
 *   id<TAB>result<TAB>explanation in hex ("-" when empty)
 * The explanation is the exp= text on fail, else the literal "DEFAULT",
 * which stands for this implementation's default explanation (the suite
 * README, rule 8). A zone line that does not parse is reported on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aa_ctx.h"
#include "aa_spf.h"

#define LINE_MAX_LEN 8192

static struct aa_ctx *scenario_ctx(struct aa_ctx **old)
{
	aa_ctx_free(old);
	return aa_ctx_new_zone(NULL);
}

static void print_hex(const char *s)
{
	if (s == NULL || *s == '\0') {
		fputs("-", stdout);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		printf("%02x", *p);
}

static void run_case(struct aa_ctx *ctx, char *fields)
{
	char *f[4];
	struct aa_spf_result mf, helo;

	for (int i = 0; i < 4; i++) {
		f[i] = fields;
		fields = i < 3 ? strchr(fields, '\t') : NULL;
		if (i < 3 && fields == NULL) {
			fprintf(stderr, "driver_spf: short case line\n");
			return;
		}
		if (fields != NULL)
			*fields++ = '\0';
	}
	aa_ctx_end_message(ctx);
	aa_spf_check(ctx, f[1], f[2], f[3], &mf, &helo);
	printf("%s\t%s\t", f[0], aa_result_name(mf.result));
	print_hex(mf.result == AA_FAIL && mf.explanation == NULL ? "DEFAULT" : mf.explanation);
	putchar('\n');
	fflush(stdout);
}

int main(void)
{
	static char line[LINE_MAX_LEN];
	struct aa_ctx *ctx = NULL;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "S") == 0) {
			ctx = scenario_ctx(&ctx);
			if (ctx == NULL) {
				fprintf(stderr, "driver_spf: no context\n");
				return 1;
			}
		} else if (ctx != NULL && strncmp(line, "Z ", 2) == 0) {
			if (aa_dns_zone_add_line(ctx->dns, line + 2) < 0)
				fprintf(stderr, "driver_spf: bad zone line: %s\n", line + 2);
		} else if (ctx != NULL && strncmp(line, "C\t", 2) == 0) {
			run_case(ctx, line + 2);
		}
	}
	aa_ctx_free(&ctx);
	return 0;
}
