/* spf_bindings.c - a process that rehearses ("rehearse") or not ("cold"),
 * writes a mark, then checks four SPF cases the bench's messages do not
 * take (an include that does not match, an a: with a macro, a fail with
 * exp=, a domain without a record). check_spf_binding.c runs it under
 * LD_DEBUG=bindings and counts what libspf2 still binds after the mark:
 * what a connection's process would bind after the daemon's rehearsal.
 * Exits 0 when the rehearsal (if asked) passed and every check ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "aa_config.h"
#include "aa_ctx.h"
#include "aa_dns.h"
#include "aa_judge.h"
#include "aa_spf.h"

#define MARK "=== checks\n"

static const char *const zone[] = {
	"inc.example TXT v=spf1 -all",
	"s.example TXT v=spf1 include:inc.example a:h.%{d} -all exp=e.%{d}",
	"h.s.example A 192.0.2.9",
	"e.s.example TXT %{i} is not allowed",
};

static const struct {
	const char *ip, *sender;
} checks[] = {
	{ "192.0.2.1", "u@s.example" },		/* fail, with the explanation */
	{ "192.0.2.9", "u@s.example" },		/* pass by the a: */
	{ "192.0.2.9", "u@nothing.example" },	/* none */
};

int main(int argc, char **argv)
{
	struct aa_config *cfg = NULL;
	struct aa_ctx *ctx;
	struct aa_spf_result r;
	const char *why = NULL;
	char err[256];

	if (argc != 2 || (strcmp(argv[1], "rehearse") != 0 && strcmp(argv[1], "cold") != 0))
		return 2;
	if (strcmp(argv[1], "rehearse") == 0) {
		if (aa_config_load(NULL, &cfg, err, sizeof(err)) < 0 ||
		    aa_judge_rehearse(cfg, getenv("AA_TEST_PSL_FILE"), &why) < 0) {
			fprintf(stderr, "rehearsal: %s\n", why != NULL ? why : err);
			return 1;
		}
		aa_config_free(&cfg);
	}
	if (write(STDERR_FILENO, MARK, sizeof(MARK) - 1) != (ssize_t)(sizeof(MARK) - 1))
		return 1;
	if ((ctx = aa_ctx_new_zone(&why)) == NULL)
		return 1;
	for (size_t i = 0; i < sizeof(zone) / sizeof(zone[0]); i++)
		if (aa_dns_zone_add_line(ctx->dns, zone[i]) < 0)
			return 1;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (aa_spf_check(ctx, checks[i].ip, "helo.example", checks[i].sender, &r, NULL) < 0)
			return 1;
	aa_ctx_free(&ctx);
	return 0;
}
