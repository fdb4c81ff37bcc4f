/* main.c - authalign(8): the core library from the command line.
 *
 *   authalign check-config FILE
 *   authalign [-z ZONEFILE] [-c CONFIG] spf IP HELO SENDER
 *   authalign [-z ZONEFILE] [-c CONFIG] dmarc DOMAIN
 *   authalign [-z ZONEFILE] [-c CONFIG] orgdomain DOMAIN [rfc9989|rfc7489]
 *   authalign [-z ZONEFILE] [-c CONFIG] verify IP HELO SENDER < MESSAGE
 *   authalign [-z ZONEFILE] [-c CONFIG] predict SENDER RCPT_DOMAIN < MESSAGE
 *   authalign --help | --version
 *
 * Exit status: 0 answered, 1 bad input or settings, 2 temporary failure,
 * 3 the message would be refused (verify: rejected; predict: the plan refuses).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "aa_config.h"
#include "aa_ctx.h"
#include "aa_version.h"
#include "tool.h"

static void usage(FILE *out)
{
	fputs("usage: authalign check-config FILE\n"
	      "       authalign [-z ZONEFILE] [-c CONFIG] spf IP HELO SENDER\n"
	      "       authalign [-z ZONEFILE] [-c CONFIG] dmarc DOMAIN\n"
	      "       authalign [-z ZONEFILE] [-c CONFIG] orgdomain DOMAIN [rfc9989|rfc7489]\n"
	      "       authalign [-z ZONEFILE] [-c CONFIG] verify IP HELO SENDER < MESSAGE\n"
	      "       authalign [-z ZONEFILE] [-c CONFIG] predict SENDER RCPT_DOMAIN < MESSAGE\n"
	      "       authalign --help | --version\n"
	      "See authalign(8); settings: authalign.conf(5).\n",
	      out);
}

static const char *const commands[] = {
	"check-config", "spf", "dmarc", "orgdomain", "verify", "predict",
};

static int command_known(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i]) == 0)
			return 1;
	return 0;
}

/* "authalign: unknown command 'X' (commands: ...)", X cut and made printable. */
static void unknown_command(const char *name)
{
	fputs("authalign: unknown command '", stderr);
	for (size_t i = 0; name[i] != '\0' && i < 64; i++)
		fputc((unsigned char)name[i] >= 0x20 && (unsigned char)name[i] < 0x7f ? name[i] : '?', stderr);
	fputs("' (commands:", stderr);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, " %s", commands[i]);
	fputs("; authalign --help)\n", stderr);
}

static void log_stderr(void *arg, enum aa_log_level level, const char *line)
{
	(void)arg;
	fprintf(stderr, "authalign: %s%s\n", level >= AA_LOG_WARN ? "warning: " : "", line);
}

int main(int argc, char **argv)
{
	const char *zone = NULL, *config = NULL, *err = NULL;
	struct aa_config *cfg = NULL;
	struct aa_ctx *ctx;
	char errbuf[512];
	int opt, rc;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("authalign %s\n", AA_VERSION);
		return 0;
	}
	while ((opt = getopt(argc, argv, "z:c:")) != -1) {
		switch (opt) {
		case 'z': zone = optarg; break;
		case 'c': config = optarg; break;
		default: usage(stderr); return 1;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return 1;
	}
	if (!command_known(argv[0])) {
		unknown_command(argv[0]);
		return 1;
	}
	if (strcmp(argv[0], "check-config") == 0) {
		if (argc != 2) {
			usage(stderr);
			return 1;
		}
		return tool_check_config(argv[1]);
	}
	if (aa_config_load(config, &cfg, errbuf, sizeof(errbuf)) < 0) {
		fprintf(stderr, "authalign: %s\n", errbuf);
		return 1;
	}
	if (zone != NULL)
		cfg->dns.zone_file = zone;
	ctx = aa_ctx_new(&cfg->dns, &err);
	if (ctx == NULL) {
		fprintf(stderr, "authalign: cannot start: %s\n", err != NULL ? err : "?");
		aa_config_free(&cfg);
		return 1;
	}
	aa_ctx_set_log(ctx, log_stderr, NULL);
	ctx->psl_file = cfg->psl_file;
	rc = tool_run(ctx, cfg, argc, argv);
	if (rc < 0) {
		usage(stderr);
		rc = 1;
	}
	aa_ctx_free(&ctx);
	aa_config_free(&cfg);
	return rc;
}
